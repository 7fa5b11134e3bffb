//! `relman graph` on small Cargo workspaces built in temporary directories.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use std::path::Path;
use std::process::Command;

mod common;

fn relman() -> Command {
    Command::new(env!("CARGO_BIN_EXE_relman"))
}

fn write_crate(root: &Path, name: &str, deps: &str) {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{deps}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
}

fn workspace(crates: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let members: Vec<String> = crates.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\nresolver = \"2\"\n",
            members.join(", ")
        ),
    )
    .unwrap();
    for (name, deps) in crates {
        write_crate(dir.path(), name, deps);
    }
    dir
}

#[test]
fn waves_ignore_dev_dependency_cycles() {
    let ws = workspace(&[
        (
            "core",
            "[dev-dependencies]\ntestkit = { path = \"../testkit\" }",
        ),
        (
            "testkit",
            "[dependencies]\ncore = { path = \"../core\", version = \"0.1\" }",
        ),
        (
            "app",
            "[dependencies]\ncore = { path = \"../core\" }\ntestkit = { path = \"../testkit\" }",
        ),
    ]);
    let out = relman()
        .args(["graph", "--format", "json", "--manifest-path"])
        .arg(ws.path().join("Cargo.toml"))
        .output()
        .unwrap();
    let json = common::json(&out);
    assert_eq!(json["order"], serde_json::json!(["core", "testkit", "app"]));
    assert_eq!(
        json["waves"],
        serde_json::json!([["core"], ["testkit"], ["app"]])
    );
    let dot = relman()
        .args(["graph", "--format", "dot", "--manifest-path"])
        .arg(ws.path().join("Cargo.toml"))
        .output()
        .unwrap();
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(
        dot.contains("\"core\" -> \"testkit\" [style=dashed]"),
        "{dot}"
    );
    assert!(
        dot.contains("\"testkit\" -> \"core\" [label=\"^0.1\"]"),
        "{dot}"
    );
}

#[test]
fn normal_dependency_cycles_are_refused_with_their_path() {
    let ws = workspace(&[
        ("a", "[dependencies]\nb = { path = \"../b\" }"),
        ("b", "[dependencies]\na = { path = \"../a\" }"),
    ]);
    let out = relman()
        .args(["graph", "--manifest-path"])
        .arg(ws.path().join("Cargo.toml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("dependency cycle: a -> b -> a"));
}

/// ratatui has an example crate named `tracing` that depends on the crates.io `tracing`:
/// `relman graph` reported the cycle `tracing -> tracing`. Only path dependencies on members
/// are edges.
#[test]
fn an_example_named_like_a_registry_dependency_is_not_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |file: &str, text: &str| {
        let p = root.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"ratatui\", \"examples/tracing\"]\nresolver = \"2\"\n\
         [workspace.dependencies]\ntracing = \"0.1\"\n",
    );
    write(
        "ratatui/Cargo.toml",
        "[package]\nname = \"ratatui\"\nversion = \"0.29.0\"\nedition = \"2021\"\n\
         [dependencies]\ntracing = { version = \"0.1\", optional = true }\n",
    );
    write("ratatui/src/lib.rs", "");
    write(
        "examples/tracing/Cargo.toml",
        "[package]\nname = \"tracing\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\
         [dependencies]\ntracing.workspace = true\nratatui = { path = \"../../ratatui\" }\n",
    );
    write("examples/tracing/src/main.rs", "fn main() {}\n");
    let out = relman()
        .args(["graph", "--format", "json", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["order"], serde_json::json!(["ratatui", "tracing"]));
    assert_eq!(json["waves"], serde_json::json!([["ratatui"], ["tracing"]]));
}

/// `--manifest-path` means what it means to `relman plan`: a Cargo.toml relative to the
/// repository root, whatever the current directory inside the repository.
#[test]
fn manifest_path_is_relative_to_the_repository_root_as_in_plan() {
    let ws = workspace(&[
        ("core", ""),
        ("app", "[dependencies]\ncore = { path = \"../core\" }"),
    ]);
    let waves = |out: std::process::Output| -> String {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let expected = "wave 1: core\nwave 2: app\n";
    // without git: --repo is the root
    let other = tempfile::tempdir().unwrap();
    let out = relman()
        .current_dir(other.path())
        .args(["graph", "--manifest-path", "Cargo.toml", "--repo"])
        .arg(ws.path())
        .output()
        .unwrap();
    assert_eq!(waves(out), expected);
    // inside a repository: from a member's directory, Cargo.toml is still the root's
    let init = Command::new("git")
        .args(["init", "-q"])
        .current_dir(ws.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(init.success());
    for args in [
        &["graph", "--manifest-path", "Cargo.toml"][..],
        &["graph"][..],
    ] {
        let out = relman()
            .current_dir(ws.path().join("core"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(waves(out), expected, "{args:?}");
    }
    // refused as plan refuses them, as usage errors naming the path
    for (arg, message) in [
        ("nope/Cargo.toml", "nope/Cargo.toml: no such file"),
        ("core", "--manifest-path core is not a Cargo.toml"),
    ] {
        let out = relman()
            .current_dir(ws.path())
            .args(["graph", "--manifest-path", arg])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}
