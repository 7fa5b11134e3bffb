//! `relman review` end to end: stores built with the CLI (incidents, which no command records
//! yet, are appended through relman-env), reviewed by change request, by `component@version`
//! and by release name.

use std::path::Path;
use std::process::Command;

use relman_env::store::{JournalStore, Store};
use relman_env::{Event, EventKind};
use serde_json::Value;

mod common;
use common::{init_state, json, ok, relman_with_state};

/// Deploys `version` of api to `env` and marks it succeeded (or failed).
fn deploy(state: &Path, env: &str, version: &str, succeed: bool, release: Option<&str>) {
    let mut args = vec![
        "env",
        "deploy",
        "--env",
        env,
        "--component",
        "api",
        "--version",
        version,
    ];
    if let Some(r) = release {
        args.extend(["--release", r]);
    }
    ok(&relman_with_state(&args, state));
    let end = if succeed { "succeed" } else { "fail" };
    ok(&relman_with_state(
        &[
            "env",
            end,
            "--env",
            env,
            "--component",
            "api",
            "--version",
            version,
        ],
        state,
    ));
}

/// Appends an incident on api `version` in production (no CLI command records incidents).
fn open_incident(state: &Path, id: &str, version: &str) {
    let mut store = JournalStore::<Event>::open(state)
        .expect("open the state")
        .store;
    let revision = store.revision().expect("revision");
    let event = Event::new(
        chrono::Utc::now(),
        Some("oncall".parse().expect("person")),
        EventKind::IncidentOpened {
            id: id.to_owned(),
            env: "production".parse().expect("env"),
            component: "api".parse().expect("component"),
            version: version.parse().expect("version"),
        },
    );
    store.append(revision, &[event]).expect("append");
}

fn kinds(review: &Value) -> Vec<&str> {
    review["follow_ups"]
        .as_array()
        .expect("follow_ups")
        .iter()
        .map(|f| f["kind"].as_str().expect("kind"))
        .collect()
}

#[test]
fn review_of_a_change_request_compares_before_and_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    // Before the release: 1.1.0 runs in production.
    deploy(&state, "production", "1.1.0", true, None);
    let digest = "0123456789abcdef";
    for args in [
        vec![
            "change",
            "new",
            "--id",
            "CR-12",
            "--title",
            "Release api 1.2.0",
            "--requester",
            "ana",
            "--digest",
            digest,
            "--component",
            "api@1.2.0",
        ],
        vec![
            "change", "assess", "CR-12", "--score", "35", "--level", "medium",
        ],
        vec![
            "change", "approve", "CR-12", "--by", "bo", "--digest", digest,
        ],
        vec![
            "change",
            "schedule",
            "CR-12",
            "--start",
            "2026-12-01T08:00:00Z",
            "--finish",
            "2026-12-01T12:00:00Z",
        ],
        vec!["change", "implement", "CR-12"],
    ] {
        ok(&relman_with_state(&args, &state));
    }
    let report = dir.path().join("it.xml");
    std::fs::write(
        &report,
        r#"<testsuite name="it"><testcase name="a"><failure message="boom"/></testcase></testsuite>"#,
    )
    .expect("write report");
    let gate = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args([
            "gate",
            "check",
            "--record",
            "--change",
            "CR-12",
            "--results",
        ])
        .arg(format!("integration={}", report.display()))
        .arg("--state")
        .arg(&state)
        .output()
        .expect("run gate");
    assert_eq!(gate.status.code(), Some(1));
    // The release: staging then production; an incident; a rollback to 1.1.0.
    deploy(&state, "staging", "1.2.0", true, None);
    deploy(&state, "production", "1.2.0", true, None);
    open_incident(&state, "INC-7", "1.2.0");
    ok(&relman_with_state(
        &[
            "env",
            "rollback",
            "--env",
            "production",
            "--component",
            "api",
        ],
        &state,
    ));
    ok(&relman_with_state(
        &[
            "env",
            "succeed",
            "--env",
            "production",
            "--component",
            "api",
            "--version",
            "1.1.0",
        ],
        &state,
    ));

    let review = json(&relman_with_state(
        &["review", "CR-12", "--format", "json"],
        &state,
    ));
    assert_eq!(review["resolved_as"], "change_request");
    assert_eq!(review["env"], "production");
    assert_eq!(review["change_request"]["state"], "implement");
    assert_eq!(review["components"], serde_json::json!(["api@1.2.0"]));
    let deployments = review["deployments"].as_array().expect("deployments");
    assert_eq!(deployments.len(), 2);
    assert_eq!(deployments[0]["env"], "staging");
    assert_eq!(deployments[1]["env"], "production");
    assert_eq!(deployments[1]["outcome"], "succeeded");
    assert_eq!(review["released_at"], deployments[1]["started_at"]);
    assert_eq!(review["rollbacks"][0]["version"], "1.1.0");
    assert_eq!(review["rollbacks"][0]["reason"], "rollback");
    assert_eq!(review["incidents"][0]["id"], "INC-7");
    assert_eq!(review["incidents"][0]["caused_by_release"], true);
    assert_eq!(review["incidents"][0]["resolved_at"], Value::Null);
    // Before: 1.1.0, no failure. After: 1.2.0 (caused an incident) and the rollback.
    assert_eq!(review["dora"]["before"]["deployments"], 1);
    assert_eq!(review["dora"]["before"]["change_failure_rate"], 0.0);
    assert_eq!(review["dora"]["after"]["deployments"], 2);
    assert_eq!(review["dora"]["after"]["change_failure_rate"], 0.5);
    assert_eq!(review["dora"]["after"]["rework_rate"], 0.5);
    assert_eq!(review["gate_verdicts"][0]["verdict"], "fail");
    assert_eq!(
        review["gate_verdicts"][0]["gates"][0]["gate"],
        "integration"
    );
    assert_eq!(review["approvals"][0]["by"], "bo");
    assert_eq!(review["approvals"][0]["current"], true);
    assert_eq!(
        kinds(&review),
        [
            "unresolved_incident",
            "rollback",
            "failed_gate",
            "open_change_request"
        ]
    );
    assert!(
        review["follow_ups"][0]["action"]
            .as_str()
            .expect("action")
            .starts_with("resolve incident INC-7 (api 1.2.0 in production")
    );

    let markdown = ok(&relman_with_state(&["review", "CR-12"], &state));
    for needle in [
        "# Post-release review: CR-12",
        "## Deployments",
        "| production | api | 1.2.0 | planned |",
        "## Incidents after the release",
        "## DORA metrics, 30 days before and after",
        "| change failure rate | 0.0% | 50.0% |",
        "## Gate verdicts",
        "## Approvals",
        "- [ ] resolve incident INC-7",
    ] {
        assert!(markdown.contains(needle), "{needle:?} not in\n{markdown}");
    }

    // The same deployments by component@version, without the change request's facts.
    let by_version = json(&relman_with_state(
        &[
            "review",
            "api@1.2.0",
            "--format",
            "json",
            "--window-days",
            "7",
        ],
        &state,
    ));
    assert_eq!(by_version["resolved_as"], "component_version");
    assert_eq!(by_version["change_request"], Value::Null);
    assert_eq!(by_version["window_days"], 7);
    assert_eq!(
        by_version["deployments"]
            .as_array()
            .expect("deployments")
            .len(),
        2
    );
    assert!(kinds(&by_version).contains(&"missing_gate_verdict"));
}

#[test]
fn review_by_release_name_and_unknown_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    deploy(&state, "staging", "2.0.0", false, Some("2026.12"));
    let review = json(&relman_with_state(
        &["review", "2026.12", "--format", "json"],
        &state,
    ));
    assert_eq!(review["resolved_as"], "release");
    assert_eq!(review["deployments"][0]["outcome"], "failed");
    assert_eq!(review["approvals"], serde_json::json!([]));
    assert_eq!(
        kinds(&review),
        ["failed_deployment", "missing_gate_verdict", "not_released"]
    );
    assert_eq!(
        review["follow_ups"][2]["action"],
        "no deployment of the release succeeded in production"
    );

    let unknown = relman_with_state(&["review", "2027.01"], &state);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("nothing is recorded for release \"2027.01\"")
    );
    let missing = relman_with_state(&["review", "2026.12"], &dir.path().join("missing"));
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_change_dated_at_the_end_of_time_is_reviewed_without_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = init_state(dir.path());
    let digest = "a".repeat(64);
    ok(&relman_with_state(
        &[
            "change",
            "new",
            "--id",
            "CR-9",
            "--title",
            "far future",
            "--requester",
            "al",
            "--digest",
            &digest,
            "--start",
            "9999-12-30T00:00:00Z",
            "--finish",
            "9999-12-31T00:00:00Z",
        ],
        &state,
    ));
    for days in ["30", "3650"] {
        let md = ok(&relman_with_state(
            &["review", "CR-9", "--window-days", days],
            &state,
        ));
        assert!(md.starts_with("# Post-release review: CR-9\n"), "{md}");
        assert!(
            md.contains("- released at: 9999-12-30 00:00:00 UTC"),
            "{md}"
        );
    }
}
