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
