//! Helpers shared by the end-to-end tests of the `relman` binary (each test file that needs them
//! declares `mod common;` and uses a part, hence `dead_code` is allowed).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use relman_test_support::GitHistory;
use serde_json::Value;

/// A fresh history dated one commit a day at 10:00 UTC from 2026-01-01, as the hand-built
/// repositories of these tests are.
pub fn daily_history() -> GitHistory {
    let mut history = GitHistory::new();
    history.at("2026-01-01T10:00:00Z").step(86_400);
    history
}

/// A workspace `a` ← `b` released as `a-v1.2.0` and `b-v2.0.0` (2026-01-01), then `feat(a): add
/// c` (2026-01-02).
pub fn released_workspace() -> GitHistory {
    let mut history = daily_history();
    history.commit(
        "chore(release): a 1.2.0, b 2.0.0",
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nresolver = \"2\"\n",
            ),
            (
                "crates/a/Cargo.toml",
                "[package]\nname = \"a\"\nversion = \"1.2.0\"\nedition = \"2021\"\n",
            ),
            ("crates/a/src/lib.rs", "pub fn a() {}\n"),
            (
                "crates/b/Cargo.toml",
                "[package]\nname = \"b\"\nversion = \"2.0.0\"\nedition = \"2021\"\n\n[dependencies]\na = { path = \"../a\", version = \"1\" }\n",
            ),
            ("crates/b/src/lib.rs", "pub fn b() {}\n"),
        ],
    );
    history.tag("a-v1.2.0").tag("b-v2.0.0");
    history.commit(
        "feat(a): add c",
        &[("crates/a/src/lib.rs", "pub fn a() {}\npub fn c() {}\n")],
    );
    history
}

/// A [`daily_history`] with the files of a single package `name` at `version` written (not
/// committed): `Cargo.toml` and `src/lib.rs` holding `pub fn a() {}` then `extra`.
pub fn one_package(name: &str, version: &str, extra: &str) -> GitHistory {
    let history = daily_history();
    history.write(
        "Cargo.toml",
        &format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n"),
    );
    history.write("src/lib.rs", &format!("pub fn a() {{}}\n{extra}"));
    history
}

/// Stdout of a successful run, as UTF-8; panics with the exit code, stdout and stderr otherwise.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

/// Runs `relman ARGS --state STATE`.
pub fn relman_with_state(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .arg("--state")
        .arg(state)
        .output()
        .expect("run relman")
}

/// The stdout of a successful run, parsed as JSON.
pub fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

/// `relman env init` of a state directory `DIR/state` with the environments staging and
/// production; returns the state directory.
pub fn init_state(dir: &Path) -> PathBuf {
    let state = dir.join("state");
    ok(&relman_with_state(
        &["env", "init", "--environments", "staging,production"],
        &state,
    ));
    state
}
