//! `relman release` end to end on a released workspace (`a` ← `b`, then `feat(a)`): a dry run
//! without an approved change request lists the steps and exits 1; once the request is
//! approved and scheduled, a local release (`--no-push --no-publish`) edits, commits and tags
//! (exit 0); a rerun has nothing to do; an edited plan is refused. The registry side is tested
//! by relman-release's own tests against a real local registry.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn relman(repo: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_relman"));
    c.current_dir(repo)
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.org")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.org");
    c
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo)
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn refused_then_approved_then_done_then_nothing_to_do() {
    let history = common::released_workspace();
    let repo = history.path();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let plan_dir = out_dir.path().join("plan");
    let state = out_dir.path().join("state");
    let plan = plan_dir.join("release-plan.json");
    let (plan_s, state_s) = (
        plan.to_str().expect("utf-8"),
        state.to_str().expect("utf-8"),
    );
    ok(relman(repo)
        .args(["plan", "--output", plan_dir.to_str().expect("utf-8")])
        .output()
        .expect("runs"));
    ok(relman(repo)
        .args([
            "env",
            "init",
            "--environments",
            "production",
            "--state",
            state_s,
        ])
        .output()
        .expect("runs"));
    let release = |extra: &[&str]| {
        relman(repo)
            .args([
                "release",
                "--plan",
                plan_s,
                "--state",
                state_s,
                "--no-push",
                "--no-publish",
            ])
            .args(extra)
            .output()
            .expect("runs")
    };

    // Refused: no change request. The dry run still lists the steps.
    let out = release(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("would commit the release"), "{stdout}");
    assert!(stdout.contains("would tag a-v1.3.0"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no change request is bound"), "{stderr}");

    // The change request: opened, assessed, submitted, approved by someone else, scheduled.
    let opened = ok(relman(repo)
        .args([
            "change", "new", "--plan", plan_s, "--state", state_s, "--format", "json",
        ])
        .output()
        .expect("runs"));
    let json: serde_json::Value = serde_json::from_str(&opened).expect("json");
    let id = json["change_request"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    for args in [
        vec!["change", "assess", &id, "--plan", plan_s],
        vec!["change", "submit", &id],
        vec!["change", "approve", &id, "--by", "bob", "--plan", plan_s],
        vec![
            "change",
            "schedule",
            &id,
            "--start",
            "2000-01-01T00:00:00Z",
            "--finish",
            "2100-01-01T00:00:00Z",
        ],
    ] {
        ok(relman(repo)
            .args(&args)
            .args(["--state", state_s])
            .output()
            .expect("runs"));
    }

    let head = git(repo, &["rev-parse", "HEAD"]);
    let out = ok(release(&["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["outcome"], "done", "{out}");
    assert!(
        json["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .all(|s| s["status"] == "done")
    );
    assert_eq!(git(repo, &["rev-parse", "HEAD~1"]), head);
    assert!(git(repo, &["log", "-1", "--format=%s"]).starts_with("chore(release): a 1.3.0"));
    assert_eq!(git(repo, &["cat-file", "-t", "a-v1.3.0"]), "tag");
    let manifest = std::fs::read_to_string(repo.join("crates/b/Cargo.toml")).expect("read");
    assert!(
        manifest.contains("a = { path = \"../a\", version = \"1.3.0\" }"),
        "{manifest}"
    );

    let again = ok(release(&[]));
    assert!(again.contains("nothing to do"), "{again}");

    // An edited plan is refused (exit 1) before anything runs.
    let text = std::fs::read_to_string(&plan).expect("read");
    std::fs::write(&plan, text.replace("\"1.3.0\"", "\"1.4.0\"")).expect("write");
    assert_eq!(release(&[]).status.code(), Some(1));
}
