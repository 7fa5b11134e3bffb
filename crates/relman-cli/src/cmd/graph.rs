//! `relman graph`: the release order and waves of a Cargo workspace.
//!
//! The Cargo adapter lives here (cargo_metadata); relman-graph only sees model components.
//! Workspace members become components, their dependencies on other members become edges.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use relman_model::{Component, ComponentId, Dependency, DependencyKind};
use serde::Serialize;

/// Arguments of `relman graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, default_value = "Cargo.toml")]
    manifest_path: PathBuf,
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

/// Turns the workspace members of `cargo metadata` into model components.
fn components(metadata: &cargo_metadata::Metadata) -> anyhow::Result<Vec<Component>> {
    let members = metadata.workspace_packages();
    let names: std::collections::BTreeSet<&str> = members.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::with_capacity(members.len());
    for p in members {
        let id: ComponentId = p
            .name
            .as_str()
            .parse()
            .with_context(|| format!("package name {}", p.name))?;
        let mut c = Component::new(id, p.version.clone());
        for d in p
            .dependencies
            .iter()
            .filter(|d| names.contains(d.name.as_str()))
        {
            let kind = match d.kind {
                cargo_metadata::DependencyKind::Development => DependencyKind::Dev,
                cargo_metadata::DependencyKind::Build => DependencyKind::Build,
                _ => DependencyKind::Normal,
            };
            let req = (d.req != semver::VersionReq::STAR).then(|| d.req.clone());
            let dep: ComponentId = d
                .name
                .parse()
                .with_context(|| format!("dependency name {}", d.name))?;
            c = c.with_dependency(Dependency::new(dep, kind, req));
        }
        out.push(c);
    }
    Ok(out)
}

/// Runs `relman graph`.
pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(&args.manifest_path)
        .no_deps()
        .exec()
        .with_context(|| format!("running cargo metadata on {}", args.manifest_path.display()))?;
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
