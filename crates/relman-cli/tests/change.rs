//! `relman change` end to end: a request opened from a real `relman plan --output` draft and
//! taken to closed, digest binding, refusals with their exit codes and messages.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const START: &str = "2026-12-01T09:00:00Z";

fn relman(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .arg("--state")
        .arg(state)
        .output()
        .expect("run relman")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

/// Asserts exit code `code` and that stderr contains `needle`.
fn refused(out: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
}

fn init(dir: &Path) -> std::path::PathBuf {
    let state = dir.join("state");
    ok(&relman(
        &["env", "init", "--environments", "staging,production"],
        &state,
    ));
    state
}

/// Runs git in `dir` with an isolated configuration and pinned dates.
fn git(dir: &Path, home: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Ada Park",
            "-c",
            "user.email=ada@example.org",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", home)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A one-package repository planned with `relman plan --output`; returns the plan file.
fn planned_repo(dir: &Path, extra_fn: &str) -> std::path::PathBuf {
    let home = dir.join("home");
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("src")).expect("mkdir");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.3.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(
        repo.join("src/lib.rs"),
        format!("pub fn a() {{}}\n{extra_fn}"),
    )
    .expect("write");
    git(&repo, &home, &["init", "-q"], "2026-01-01T10:00:00Z");
    git(&repo, &home, &["add", "."], "2026-01-01T10:00:00Z");
    git(
        &repo,
        &home,
        &["commit", "-qm", "feat: first cut"],
        "2026-01-01T10:00:00Z",
    );
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_relman"))
        .arg("plan")
        .arg("--repo")
        .arg(&repo)
        .args(["--start", START, "--format", "json", "--output"])
        .arg(&out_dir)
        .output()
        .expect("relman plan runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out_dir.join("release-plan.json")
}

#[test]
fn a_planned_change_request_goes_from_new_to_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init(dir.path());
    let plan_path = planned_repo(dir.path(), "");
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).expect("plan")).expect("json");
    let draft = &plan["change_request"];
    let id = draft["id"].as_str().expect("draft id").to_owned();
    let digest = draft["digest"].as_str().expect("draft digest").to_owned();
    let plan_arg = plan_path.to_str().expect("utf-8");

    let opened = json(&relman(
        &["change", "new", "--plan", plan_arg, "--format", "json"],
        &state,
    ));
    assert_eq!(opened["outcome"], "recorded");
    assert_eq!(opened["event"], "change_request_opened");
    let cr = &opened["change_request"];
    assert_eq!(cr["id"], id.as_str());
    assert_eq!(cr["state"], "new");
    assert_eq!(cr["kind"], "normal");
    assert_eq!(cr["digest"], digest.as_str());
    assert_eq!(cr["title"], draft["title"]);
    assert_eq!(cr["components"], serde_json::json!(["demo@0.3.0"]));
    assert_eq!(cr["window"]["start"], START);
    assert_eq!(cr["window"]["finish"], plan["schedule"]["finish"]);
    assert_eq!(cr["approvals_required"], 1);

    let assessed = json(&relman(
        &[
            "change", "assess", &id, "--plan", plan_arg, "--format", "json",
        ],
        &state,
    ));
    assert_eq!(assessed["change_request"]["state"], "assess");
    assert_eq!(
        assessed["change_request"]["assessment"]["score"],
        plan["risk"]["score"]
    );

    // Scheduling before any approval is refused and changes nothing.
    let early = relman(
        &[
            "change",
            "schedule",
            &id,
            "--start",
            "2026-12-02T08:00:00Z",
            "--finish",
            "2026-12-02T12:00:00Z",
        ],
        &state,
    );
    refused(&early, 1, &format!("change request {id}: 0 of 1 approvals"));

    let approved = json(&relman(
        &[
            "change", "approve", &id, "--by", "bo", "--plan", plan_arg, "--format", "json",
        ],
        &state,
    ));
    assert_eq!(approved["change_request"]["approvals_counted"], 1);
    assert_eq!(approved["change_request"]["approved"], true);

    let scheduled = json(&relman(
        &[
            "change",
            "schedule",
            &id,
            "--start",
            "2026-12-02T08:00:00Z",
            "--finish",
            "2026-12-02T12:00:00Z",
            "--format",
            "json",
        ],
        &state,
    ));
    assert_eq!(scheduled["change_request"]["state"], "scheduled");
    assert_eq!(
        scheduled["change_request"]["window"]["start"],
        "2026-12-02T08:00:00Z"
    );
    for (step, expect) in [
        ("implement", "implement"),
        ("review", "review"),
        ("close", "closed"),
    ] {
        let out = json(&relman(
            &["change", step, &id, "--by", "ana", "--format", "json"],
            &state,
        ));
        assert_eq!(out["change_request"]["state"], expect, "{step}");
    }
    let shown = json(&relman(
        &["change", "show", &id, "--format", "json"],
        &state,
    ));
    let actions: Vec<&str> = shown["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "advanced", "approved", "advanced", "advanced", "advanced", "advanced", "advanced"
        ]
    );
    let text = ok(&relman(&["change", "list"], &state));
    assert!(text.contains(&id) && text.contains("closed"), "{text}");
    // A closed request cannot be cancelled.
    refused(
        &relman(&["change", "cancel", &id, "--reason", "late"], &state),
        1,
        &format!("change request {id} is closed: cannot cancel"),
    );
}

#[test]
fn approval_of_a_changed_plan_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init(dir.path());
    let old_plan = planned_repo(&dir.path().join("old"), "");
    let new_plan = planned_repo(&dir.path().join("new"), "pub fn b() {}\n");
    let read = |p: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).expect("plan")).expect("json")
    };
    let old_digest = read(&old_plan)["change_request"]["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    let new_digest = read(&new_plan)["change_request"]["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    assert_ne!(old_digest, new_digest, "the plans differ");

    ok(&relman(
        &[
            "change",
            "new",
            "--plan",
            old_plan.to_str().expect("utf-8"),
            "--id",
            "CR-7",
        ],
        &state,
    ));
    ok(&relman(
        &[
            "change", "assess", "CR-7", "--score", "30", "--level", "low",
        ],
        &state,
    ));
    // The plan changed: the request is amended to the new digest, and an approval of the old
    // plan is refused with both digests named.
    ok(&relman(
        &[
            "change",
            "amend",
            "CR-7",
            "--plan",
            new_plan.to_str().expect("utf-8"),
        ],
        &state,
    ));
    let stale = relman(
        &[
            "change",
            "approve",
            "CR-7",
            "--by",
            "bo",
            "--digest",
            &old_digest,
            "--format",
            "json",
        ],
        &state,
    );
    refused(
        &stale,
        1,
        &format!(
            "change request CR-7: approval is for {old_digest} but the plan is now {new_digest}: the plan changed since"
        ),
    );
    let body: Value = serde_json::from_slice(&stale.stdout).expect("JSON refusal");
    assert_eq!(body["outcome"], "refused");
    assert_eq!(body["event"], "change_request_approved");
    let shown = json(&relman(
        &["change", "show", "CR-7", "--format", "json"],
        &state,
    ));
    assert_eq!(shown["approvals"], serde_json::json!([]));
    assert_eq!(shown["digest"], new_digest.as_str());
    ok(&relman(
        &[
            "change",
            "approve",
            "CR-7",
            "--by",
            "bo",
            "--digest",
            &new_digest,
        ],
        &state,
    ));
    let shown = json(&relman(
        &["change", "show", "CR-7", "--format", "json"],
        &state,
    ));
    assert_eq!(shown["approvals_counted"], 1);
    assert_eq!(shown["approvals"][0]["current"], true);
}

#[test]
fn explicit_fields_and_refusals() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init(dir.path());
    let digest = "00000000000000aa";
    ok(&relman(
        &[
            "change",
            "new",
            "--id",
            "CR-9",
            "--title",
            "hotfix api",
            "--kind",
            "emergency",
            "--requester",
            "ana",
            "--digest",
            digest,
            "--approvers",
            "bo,chidi",
            "--component",
            "api@1.2.1",
        ],
        &state,
    ));
    refused(
        &relman(
            &[
                "change",
                "new",
                "--id",
                "CR-9",
                "--title",
                "again",
                "--requester",
                "ana",
                "--digest",
                digest,
            ],
            &state,
        ),
        1,
        "change request CR-9 already exists",
    );
    refused(
        &relman(&["change", "implement", "CR-9"], &state),
        1,
        "change request CR-9 is new: cannot implement",
    );
    ok(&relman(&["change", "submit", "CR-9"], &state));
    refused(
        &relman(
            &[
                "change", "approve", "CR-9", "--by", "ana", "--digest", digest,
            ],
            &state,
        ),
        1,
        "ana requested it and cannot approve it",
    );
    refused(
        &relman(
            &[
                "change", "approve", "CR-9", "--by", "eve", "--digest", digest,
            ],
            &state,
        ),
        1,
        "eve is not an approver",
    );
    ok(&relman(
        &[
            "change",
            "reject",
            "CR-9",
            "--by",
            "bo",
            "--reason",
            "no rollback plan",
        ],
        &state,
    ));
    let shown = json(&relman(
        &["change", "show", "CR-9", "--format", "json"],
        &state,
    ));
    assert_eq!(shown["state"], "new");
    assert_eq!(shown["kind"], "emergency");
    assert_eq!(shown["approvers"], serde_json::json!(["bo", "chidi"]));
    assert_eq!(shown["history"][1]["action"], "rejected");
    assert_eq!(shown["history"][1]["detail"], "no rollback plan");

    refused(
        &relman(&["change", "show", "CR-404"], &state),
        1,
        "no change request CR-404",
    );
    refused(
        &relman(&["change", "submit", "CR-404"], &state),
        1,
        "no change request CR-404",
    );
    // Usage errors exit 2: no draft and no id; an invalid digest; a missing store.
    refused(
        &relman(&["change", "new", "--title", "t"], &state),
        2,
        "give --plan FILE or --id",
    );
    refused(
        &relman(
            &["change", "approve", "CR-9", "--by", "bo", "--digest", "XYZ"],
            &state,
        ),
        2,
        "invalid digest",
    );
    refused(
        &relman(&["change", "list"], &dir.path().join("missing")),
        2,
        "cannot open the environment state",
    );
    // The refusals wrote nothing: one open, one submit, one reject.
    let history = json(&relman(&["env", "history", "--format", "json"], &state));
    let kinds: Vec<&str> = history
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .filter(|k| k.starts_with("change_request"))
        .collect();
    assert_eq!(
        kinds,
        [
            "change_request_opened",
            "change_request_submitted",
            "change_request_rejected"
        ]
    );
}

#[test]
fn the_status_report_shows_the_change_requests_approvals_and_gate_verdicts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init(dir.path());
    let plan_path = planned_repo(dir.path(), "");
    let plan_arg = plan_path.to_str().expect("utf-8");
    let opened = json(&relman(
        &["change", "new", "--plan", plan_arg, "--format", "json"],
        &state,
    ));
    let id = opened["change_request"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ok(&relman(
        &["change", "assess", &id, "--plan", plan_arg],
        &state,
    ));
    ok(&relman(
        &["change", "approve", &id, "--by", "bo", "--plan", plan_arg],
        &state,
    ));
    let junit = dir.path().join("it.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="it" tests="1" failures="1"><testcase classname="it" name="checkout"><failure message="boom"/></testcase></testsuite>"#,
    )
    .expect("write junit");
    let gate = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["gate", "check", "--record", "--by", "ci", "--change", &id])
        .arg("--results")
        .arg(format!("integration={}", junit.display()))
        .arg("--store")
        .arg(&state)
        .output()
        .expect("relman gate check runs");
    assert_eq!(gate.status.code(), Some(1), "the failing gate exits 1");

    let report = Command::new(env!("CARGO_BIN_EXE_relman"))
        .arg("report")
        .arg("--repo")
        .arg(dir.path().join("repo"))
        .args(["--start", START, "--store"])
        .arg(&state)
        .output()
        .expect("relman report runs");
    let text = ok(&report);
    let gates = text
        .split("## Quality gates")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a quality-gates section");
    assert!(
        gates.contains("integration") && gates.contains("failed"),
        "the recorded verdict is shown: {gates}"
    );
    assert!(!gates.contains("no verdict recorded"), "{gates}");
    let approvals = text
        .split("## Approvals")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("an approvals section");
    assert!(
        approvals.contains("bo") && approvals.contains(&format!("change request {id}")),
        "the change request's approval is shown: {approvals}"
    );
}
