//! Architecture invariants of the workspace, enforced from `cargo metadata` and the sources.
//!
//! The rules are stated in `docs/architecture.md`:
//! - `relman-model` depends on no relman crate;
//! - the engines (`relman-graph`, `relman-risk`, `relman-changelog`, `relman-env`,
//!   `relman-canary`) and the adapters
//!   `relman-git` and `relman-evidence` depend on no relman crate but `relman-model`;
//! - only `relman-git` depends on git2 (or libgit2-sys);
//! - only `relman-cli` uses clap or anyhow outside tests (dev-dependencies may use anyhow);
//! - `relman-plan`, the composition layer, may use every engine, but `relman-git` only behind
//!   its optional `git` feature, and never the CLI or the facade;
//! - `relman-deploy`, the deployment executor, depends on no relman crate but `relman-model`
//!   and `relman-env`;
//! - `relman-test-support` is dev-only: unpublished, a dev-dependency of any crate, a normal
//!   dependency of none, and it depends on no relman crate (it builds git repositories with the
//!   `git` binary, so relman-git is tested against repositories it did not write);
//! - no library (nor `relman-release`) reads the clock, environment variables or the terminal
//!   on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, MetadataCommand};

const MODEL: &str = "relman-model";
const COMPOSITION: &str = "relman-plan";
/// The execution of an approved plan (`relman release`): drives git and cargo, but takes the
/// clock and the environment of its commands as arguments like every library.
const EXECUTION: &str = "relman-release";
const TEST_SUPPORT: &str = "relman-test-support";
const DEPLOY: &str = "relman-deploy";
const LIBRARIES: [&str; 8] = [
    "relman-model",
    "relman-graph",
    "relman-risk",
    "relman-changelog",
    "relman-env",
    "relman-git",
    "relman-evidence",
    "relman-canary",
];

/// One direct dependency edge: (dependent, dependency, is a dev-dependency).
type Edge = (String, String, bool);

/// Every rule broken by `edges`, as human-readable lines.
fn violations(edges: &[Edge]) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to, dev) in edges {
        let (from, to) = (from.as_str(), to.as_str());
        if from == to && *dev {
            // A crate's dev-dependency on itself only turns on its own features for its tests
            // (relman-env's `postgres` store suite).
            continue;
        }
        let relman_dep = to.starts_with("relman");
        if to == TEST_SUPPORT {
            if !dev {
                out.push(format!(
                    "{from} must not depend on {to}: relman-test-support is a dev-dependency only"
                ));
            }
        } else if from == TEST_SUPPORT && relman_dep {
            out.push(format!(
                "{from} must not depend on {to}: relman-test-support depends on no relman crate"
            ));
        } else if from == MODEL && relman_dep {
            out.push(format!(
                "{from} must not depend on {to}: relman-model depends on no relman crate"
            ));
        } else if from == DEPLOY && relman_dep && to != MODEL && to != "relman-env" {
            out.push(format!(
                "{from} must not depend on {to}: relman-deploy depends only on relman-model and relman-env"
            ));
        } else if LIBRARIES.contains(&from) && relman_dep && to != MODEL {
            out.push(format!(
                "{from} must not depend on {to}: libraries depend only on relman-model"
            ));
        }
        if (to == "git2" || to == "libgit2-sys") && from != "relman-git" {
            out.push(format!(
                "{from} must not depend on {to}: only relman-git links git2"
            ));
        }
        if (to == "clap" || (to == "anyhow" && !dev)) && from != "relman-cli" {
            out.push(format!(
                "{from} must not depend on {to}: only the CLI uses clap/anyhow"
            ));
        }
    }
    out
}

fn workspace_metadata() -> cargo_metadata::Metadata {
    MetadataCommand::new()
        .manifest_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata runs on the workspace")
}

fn workspace_edges() -> Vec<Edge> {
    let metadata = workspace_metadata();
    let mut edges = Vec::new();
    for package in metadata.workspace_packages() {
        for dep in &package.dependencies {
            edges.push((
                package.name.to_string(),
                dep.name.clone(),
                dep.kind == DependencyKind::Development,
            ));
        }
    }
    edges
}

#[test]
fn workspace_respects_dependency_rules() {
    let edges = workspace_edges();
    assert!(
        edges
            .iter()
            .any(|(f, t, _)| f == "relman-git" && t == "git2"),
        "metadata was read (relman-git depends on git2)"
    );
    let broken = violations(&edges);
    assert!(
        broken.is_empty(),
        "dependency rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn rule_checker_catches_forbidden_edges() {
    let e = |f: &str, t: &str, dev: bool| (f.to_owned(), t.to_owned(), dev);
    let edges = vec![
        e("relman-model", "relman-graph", false),
        e("relman-graph", "relman-git", false),
        e("relman-risk", "git2", false),
        e("relman-env", "clap", false),
        e("relman-changelog", "anyhow", false),
        e("relman-cli", "relman-test-support", false),
        e("relman-test-support", "relman-git", false),
        e("relman-evidence", "relman-env", false),
        e("relman-canary", "relman-env", false),
        e("relman-deploy", "relman-plan", false),
        e("relman-env", "relman-env", false),
        // allowed
        e("relman-graph", "relman-model", false),
        e("relman-git", "git2", false),
        e("relman-cli", "clap", false),
        e("relman-risk", "anyhow", true),
        e("relman-cli", "relman-git", false),
        e("relman-git", "relman-test-support", true),
        e("relman-model", "relman-test-support", true),
        e("relman", "relman-test-support", true),
        e("relman-evidence", "relman-model", false),
        e("relman-cli", "relman-evidence", false),
        e("relman-canary", "relman-model", false),
        e("relman-deploy", "relman-env", false),
        e("relman-env", "relman-env", true),
    ];
    let broken = violations(&edges);
    assert_eq!(broken.len(), 11, "{broken:#?}");
    assert!(broken[0].starts_with("relman-model must not depend on relman-graph"));
    assert!(
        broken
            .iter()
            .any(|b| b.starts_with("relman-cli must not depend on relman-test-support")),
        "{broken:#?}"
    );
}

#[test]
fn test_support_is_not_published() {
    let metadata = workspace_metadata();
    let package = metadata
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == TEST_SUPPORT)
        .expect("relman-test-support is a workspace member");
    assert_eq!(
        package.publish.as_deref(),
        Some(&[][..]),
        "relman-test-support must set `publish = false`"
    );
}

/// Calls a library must not make on its own (the clock, environment variables, the terminal).
const FORBIDDEN_CALLS: [&str; 9] = [
    "Utc::now(",
    "Local::now(",
    "SystemTime::now(",
    "Instant::now(",
    "env::var(",
    "env::var_os(",
    "io::stdin(",
    "println!(",
    "eprintln!(",
];

/// The non-test part of a source file: everything before its `#[cfg(test)]` module.
fn production_part(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn forbidden_calls_in(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, text) in files {
        for (n, line) in production_part(text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for call in FORBIDDEN_CALLS {
                if code.contains(call) {
                    out.push(format!("{name}:{}: {call}", n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn the_composition_layer_links_git_only_behind_its_feature() {
    let metadata = workspace_metadata();
    let plan = metadata
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == COMPOSITION)
        .expect("relman-plan is a workspace member");
    let normal: Vec<_> = plan
        .dependencies
        .iter()
        .filter(|d| d.kind != DependencyKind::Development)
        .collect();
    let git = normal
        .iter()
        .find(|d| d.name == "relman-git")
        .expect("relman-plan offers the git adapter behind a feature");
    assert!(
        git.optional,
        "relman-plan must depend on relman-git only optionally"
    );
    for d in &normal {
        assert!(
            !matches!(
                d.name.as_str(),
                "relman-cli" | "relman" | "git2" | "clap" | "anyhow"
            ),
            "relman-plan must not depend on {}",
            d.name
        );
    }
}

#[test]
fn libraries_do_not_read_clock_env_or_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = BTreeMap::new();
    for lib in LIBRARIES.iter().chain(&[COMPOSITION, DEPLOY, EXECUTION]) {
        let mut paths = Vec::new();
        rust_files(&root.join("crates").join(lib).join("src"), &mut paths);
        assert!(!paths.is_empty(), "{lib} has sources");
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("source is readable");
            files.insert(p.display().to_string(), text);
        }
    }
    let found = forbidden_calls_in(&files);
    assert!(
        found.is_empty(),
        "libraries must take `now` and settings as arguments:\n{}",
        found.join("\n")
    );
}

#[test]
fn source_scan_catches_a_clock_read() {
    let mut files = BTreeMap::new();
    files.insert(
        "lib.rs".to_owned(),
        "fn f() { let t = chrono::Utc::now(); }\n#[cfg(test)]\nmod tests { fn g() { std::time::Instant::now(); } }".to_owned(),
    );
    assert_eq!(
        forbidden_calls_in(&files),
        vec!["lib.rs:1: Utc::now(".to_owned()]
    );
}
