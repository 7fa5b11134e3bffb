//! `relman change` end to end: a request opened from a real `relman plan --output` draft and
//! taken to closed, digest binding, refusals with their exit codes and messages.

use std::path::Path;
use std::process::{Command, Output};

use relman_test_support::GitHistory;
use serde_json::Value;

mod common;
use common::{init_state, json, ok, relman_with_state};

const START: &str = "2026-12-01T09:00:00Z";

/// Asserts exit code `code` and that stderr contains `needle`.
fn refused(out: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
}

/// A one-package repository planned with `relman plan --output DIR/out`; returns the repository
/// and the plan file.
fn planned_repo(dir: &Path, extra_fn: &str) -> (GitHistory, std::path::PathBuf) {
    let mut history = common::one_package("demo", "0.3.0", extra_fn);
    history.commit("feat: first cut", &[]);
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_relman"))
        .arg("plan")
        .arg("--repo")
        .arg(history.path())
        .args(["--start", START, "--format", "json", "--output"])
        .arg(&out_dir)
        .output()
        .expect("relman plan runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (history, out_dir.join("release-plan.json"))
}

#[test]
fn a_planned_change_request_goes_from_new_to_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    let (_repo, plan_path) = planned_repo(dir.path(), "");
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).expect("plan")).expect("json");
    let draft = &plan["change_request"];
    let id = draft["id"].as_str().expect("draft id").to_owned();
    let digest = draft["digest"].as_str().expect("draft digest").to_owned();
    let plan_arg = plan_path.to_str().expect("utf-8");

    let opened = json(&relman_with_state(
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

    let assessed = json(&relman_with_state(
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
    let early = relman_with_state(
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

    let approved = json(&relman_with_state(
        &[
            "change", "approve", &id, "--by", "bo", "--plan", plan_arg, "--format", "json",
        ],
        &state,
    ));
    assert_eq!(approved["change_request"]["approvals_counted"], 1);
    assert_eq!(approved["change_request"]["approved"], true);

    let scheduled = json(&relman_with_state(
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
        let out = json(&relman_with_state(
            &["change", step, &id, "--by", "ana", "--format", "json"],
            &state,
        ));
        assert_eq!(out["change_request"]["state"], expect, "{step}");
    }
    let shown = json(&relman_with_state(
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
    let text = ok(&relman_with_state(&["change", "list"], &state));
    assert!(text.contains(&id) && text.contains("closed"), "{text}");
    // A closed request cannot be cancelled.
    refused(
        &relman_with_state(&["change", "cancel", &id, "--reason", "late"], &state),
        1,
        &format!("change request {id} is closed: cannot cancel"),
    );
}

#[test]
fn approval_of_a_changed_plan_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    let (_old, old_plan) = planned_repo(&dir.path().join("old"), "");
    let (_new, new_plan) = planned_repo(&dir.path().join("new"), "pub fn b() {}\n");
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

    ok(&relman_with_state(
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
    ok(&relman_with_state(
        &[
            "change", "assess", "CR-7", "--score", "30", "--level", "low",
        ],
        &state,
    ));
    // The plan changed: the request is amended to the new digest, and an approval of the old
    // plan is refused with both digests named.
    ok(&relman_with_state(
        &[
            "change",
            "amend",
            "CR-7",
            "--plan",
            new_plan.to_str().expect("utf-8"),
        ],
        &state,
    ));
    let stale = relman_with_state(
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
    let shown = json(&relman_with_state(
        &["change", "show", "CR-7", "--format", "json"],
        &state,
    ));
    assert_eq!(shown["approvals"], serde_json::json!([]));
    assert_eq!(shown["digest"], new_digest.as_str());
    ok(&relman_with_state(
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
    let shown = json(&relman_with_state(
        &["change", "show", "CR-7", "--format", "json"],
        &state,
    ));
    assert_eq!(shown["approvals_counted"], 1);
    assert_eq!(shown["approvals"][0]["current"], true);
}

#[test]
fn explicit_fields_and_refusals() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    let digest = "00000000000000aa";
    ok(&relman_with_state(
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
        &relman_with_state(
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
        &relman_with_state(&["change", "implement", "CR-9"], &state),
        1,
        "change request CR-9 is new: cannot implement",
    );
    ok(&relman_with_state(&["change", "submit", "CR-9"], &state));
    refused(
        &relman_with_state(
            &[
                "change", "approve", "CR-9", "--by", "ana", "--digest", digest,
            ],
            &state,
        ),
        1,
        "ana requested it and cannot approve it",
    );
    refused(
        &relman_with_state(
            &[
                "change", "approve", "CR-9", "--by", "eve", "--digest", digest,
            ],
            &state,
        ),
        1,
        "eve is not an approver",
    );
    ok(&relman_with_state(
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
    let shown = json(&relman_with_state(
        &["change", "show", "CR-9", "--format", "json"],
        &state,
    ));
    assert_eq!(shown["state"], "new");
    assert_eq!(shown["kind"], "emergency");
    assert_eq!(shown["approvers"], serde_json::json!(["bo", "chidi"]));
    assert_eq!(shown["history"][1]["action"], "rejected");
    assert_eq!(shown["history"][1]["detail"], "no rollback plan");

    refused(
        &relman_with_state(&["change", "show", "CR-404"], &state),
        1,
        "no change request CR-404",
    );
    refused(
        &relman_with_state(&["change", "submit", "CR-404"], &state),
        1,
        "no change request CR-404",
    );
    // Usage errors exit 2: no draft and no id; an invalid digest; a missing store.
    refused(
        &relman_with_state(&["change", "new", "--title", "t"], &state),
        2,
        "give --plan FILE or --id",
    );
    refused(
        &relman_with_state(
            &["change", "approve", "CR-9", "--by", "bo", "--digest", "XYZ"],
            &state,
        ),
        2,
        "invalid digest",
    );
    refused(
        &relman_with_state(&["change", "list"], &dir.path().join("missing")),
        2,
        "cannot open the environment state",
    );
    // The refusals wrote nothing: one open, one submit, one reject.
    let history = json(&relman_with_state(
        &["env", "history", "--format", "json"],
        &state,
    ));
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
    let state = init_state(dir.path());
    let (repo, plan_path) = planned_repo(dir.path(), "");
    let plan_arg = plan_path.to_str().expect("utf-8");
    let opened = json(&relman_with_state(
        &["change", "new", "--plan", plan_arg, "--format", "json"],
        &state,
    ));
    let id = opened["change_request"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ok(&relman_with_state(
        &["change", "assess", &id, "--plan", plan_arg],
        &state,
    ));
    ok(&relman_with_state(
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
        .arg(repo.path())
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

#[test]
fn a_requester_cannot_lower_the_approvals_a_change_needs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    let (_repo, plan_path) = planned_repo(dir.path(), "");
    let plan_arg = plan_path.to_str().expect("utf-8");
    let out = relman_with_state(
        &["change", "new", "--plan", plan_arg, "--required", "0"],
        &state,
    );
    refused(&out, 1, "the plan requires at least 1");
    let digest = "a".repeat(64);
    let out = relman_with_state(
        &[
            "change",
            "new",
            "--id",
            "CR-9",
            "--title",
            "t",
            "--requester",
            "al",
            "--digest",
            &digest,
            "--required",
            "0",
        ],
        &state,
    );
    refused(&out, 1, "it needs at least 1");
    let out = relman_with_state(
        &[
            "change",
            "new",
            "--id",
            "CR-9",
            "--title",
            "t",
            "--requester",
            "al",
            "--digest",
            &digest,
            "--required",
            "0",
            "--kind",
            "standard",
        ],
        &state,
    );
    assert!(out.status.success(), "standard changes are pre-approved");
}

#[test]
fn a_refused_step_names_the_next_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    let digest = "a".repeat(64);
    ok(&relman_with_state(
        &[
            "change",
            "new",
            "--id",
            "CR-1",
            "--title",
            "t",
            "--requester",
            "al",
            "--digest",
            &digest,
        ],
        &state,
    ));
    let out = relman_with_state(
        &[
            "change", "approve", "CR-1", "--by", "bo", "--digest", &digest,
        ],
        &state,
    );
    refused(&out, 1, "next: `relman change assess CR-1 --plan FILE`");
}
