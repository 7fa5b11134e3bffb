//! `relman graph`: the release order and waves of a Cargo workspace.
//!
//! The Cargo adapter lives here (cargo_metadata); relman-graph only sees model components.
//! Workspace members become components, their path dependencies on other members become edges
//! (a registry dependency that shares a member's name is not one).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cargo_metadata::camino::Utf8Path;
use clap::{Args, ValueEnum};
use relman_git::GitRepository;
use relman_model::{Component, ComponentId, Dependency, DependencyKind, Publish};
use serde::Serialize;

/// Arguments of `relman graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The repository (a work tree or a directory inside one); without git, a directory.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The workspace's Cargo.toml, relative to the repository root, as in `relman plan`
    /// (default: the root's Cargo.toml).
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Dot,
    Mermaid,
}

/// `relman graph --format json`.
#[derive(Debug, Serialize)]
struct GraphOutput {
    order: Vec<String>,
    waves: Vec<Vec<String>>,
}

/// Turns the workspace members of `cargo metadata` into model components. A dependency is an
/// edge only when it is a path dependency on a member's directory: a registry or git
/// dependency never is, even when it shares a member's name (ratatui's example crate
/// `tracing` depends on the crates.io `tracing`).
fn components(metadata: &cargo_metadata::Metadata) -> anyhow::Result<Vec<Component>> {
    let members = metadata.workspace_packages();
    let mut ids: BTreeMap<&Utf8Path, ComponentId> = BTreeMap::new();
    for p in &members {
        let id: ComponentId = p
            .name
            .as_str()
            .parse()
            .with_context(|| format!("package name {}", p.name))?;
        if let Some(dir) = p.manifest_path.parent() {
            ids.insert(dir, id);
        }
    }
    let mut out = Vec::with_capacity(members.len());
    for p in members {
        let id: ComponentId = p
            .name
            .as_str()
            .parse()
            .with_context(|| format!("package name {}", p.name))?;
        let publish = match &p.publish {
            Some(registries) if registries.is_empty() => Publish::No,
            _ => Publish::Registry,
        };
        let mut c = Component::new(id.clone(), p.version.clone()).with_publish(publish);
        for d in &p.dependencies {
            let Some(dep) = d.path.as_deref().and_then(|dir| ids.get(dir)) else {
                continue;
            };
            if *dep == id {
                continue;
            }
            let kind = match d.kind {
                cargo_metadata::DependencyKind::Development => DependencyKind::Dev,
                cargo_metadata::DependencyKind::Build => DependencyKind::Build,
                _ => DependencyKind::Normal,
            };
            let req = (d.req != semver::VersionReq::STAR).then(|| d.req.clone());
            c = c.with_dependency(Dependency::new(dep.clone(), kind, req));
        }
        out.push(c);
    }
    Ok(out)
}

/// The manifest `relman graph` reads: `--manifest-path` as `relman plan` takes it (a
/// `Cargo.toml`, absolute or relative to the repository root), else the root's `Cargo.toml`.
/// The root is the work tree of the repository `repo` is in, or `repo` itself outside git.
fn manifest(repo: &Path, manifest_path: Option<&Path>) -> anyhow::Result<PathBuf> {
    if !repo.exists() {
        bail!("--repo {}: no such directory", repo.display());
    }
    let root = GitRepository::open(repo)
        .ok()
        .and_then(|r| r.work_tree().map(Path::to_path_buf))
        .unwrap_or_else(|| repo.to_path_buf());
    match manifest_path {
        Some(manifest) => crate::cmd::manifest_file(&root, manifest),
        None => Ok(root.join("Cargo.toml")),
    }
}

/// Runs `relman graph`.
pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let manifest_path = manifest(&args.repo, args.manifest_path.as_deref())?;
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(&manifest_path)
        .no_deps()
        .exec()
        .with_context(|| format!("running cargo metadata on {}", manifest_path.display()))?;
    let graph = match relman_graph::ComponentGraph::new(components(&metadata)?) {
        Ok(g) => g,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    match args.format {
        Format::Json => {
            let out = GraphOutput {
                order: graph
                    .release_order()
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                waves: graph
                    .waves()
                    .iter()
                    .map(|w| w.iter().map(ToString::to_string).collect())
                    .collect(),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Dot => print!("{}", relman_graph::component_dot(&graph)),
        Format::Mermaid => print!("{}", relman_graph::component_mermaid(&graph)),
        Format::Text => {
            for (i, wave) in graph.waves().iter().enumerate() {
                let names: Vec<String> = wave.iter().map(ToString::to_string).collect();
                println!("wave {}: {}", i + 1, names.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
