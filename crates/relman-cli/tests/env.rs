//! `relman env` end to end: the forms the issue names, refusals and concurrent deployers.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::ok;

fn relman(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .arg("env")
        .args(args)
        .arg("--state")
        .arg(state)
        .output()
        .expect("run relman")
}

#[test]
fn init_deploy_history_status_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    ok(&relman(
        &state,
        &["init", "--environments", "dev,test,staging,production"],
    ));
    ok(&relman(
        &state,
        &[
            "deploy",
            "--env",
            "staging",
            "--component",
            "api",
            "--version",
            "1.2.3",
            "--by",
            "ana",
        ],
    ));
    ok(&relman(
        &state,
        &[
            "succeed",
            "--env",
            "staging",
            "--component",
            "api",
            "--version",
            "1.2.3",
        ],
    ));

    let history: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["history", "--format", "json"]))).unwrap();
    let events = history.as_array().unwrap();
    assert_eq!(events.len(), 4);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["revision"], i as u64 + 1);
        for key in ["kind", "env", "component", "version", "at"] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
    }
    assert_eq!(events[2]["kind"], "deployment_started");
    assert_eq!(events[2]["env"], "staging");
    assert_eq!(events[2]["component"], "api");
    assert_eq!(events[2]["version"], "1.2.3");
    assert_eq!(events[2]["by"], "ana");
    assert_eq!(events[3]["kind"], "deployment_succeeded");

    let table = ok(&relman(&state, &["status"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("component") && lines[0].contains("production"));
    assert!(
        lines[1].starts_with("api") && lines[1].contains("1.2.3"),
        "{table}"
    );
    let status: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["status", "--format", "json"]))).unwrap();
    assert_eq!(status["components"][0]["cells"][0]["env"], "staging");
    assert_eq!(status["components"][0]["cells"][0]["status"], "succeeded");

    // DORA metrics: the text form shows the band the JSON form rates each metric in.
    let metrics: serde_json::Value = serde_json::from_str(&ok(&relman(
        &state,
        &["metrics", "--env", "staging", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(metrics["deployments"], 1);
    let band = metrics["ratings"]["deployment_frequency"]
        .as_str()
        .expect("deployment frequency is rated");
    let text = ok(&relman(&state, &["metrics", "--env", "staging"]));
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("deployments:"))
        .expect("a deployments line");
    assert!(line.ends_with(&format!("[{band}]")), "{text}");
}

#[test]
fn refusals_exit_1_with_every_reason() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    ok(&relman(
        &state,
        &["init", "--environments", "dev,production"],
    ));
    for args in [
        [
            "deploy",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "2.0.0",
        ],
        [
            "succeed",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "2.0.0",
        ],
    ] {
        ok(&relman(&state, &args));
    }
    ok(&relman(&state, &["lock", "--env", "dev", "--by", "bob"]));
    let out = relman(
        &state,
        &[
            "deploy",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "1.0.0",
            "--by",
            "ana",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let decision: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decision["outcome"], "refused");
    let kinds: Vec<&str> = decision["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["detail"]["blocker"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["locked", "outdated"]);
    // Nothing was recorded by the refusal.
    let history: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["history", "--format", "json"]))).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 5);
}

#[test]
fn missing_state_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = relman(
        &dir.path().join("nothing"),
        &["history", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("relman env init"));
}

#[test]
fn concurrent_deployers_all_land_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    ok(&relman(&state, &["init", "--environments", "dev"]));
    // Spawn all first, then wait: the writers overlap and conflict; each retries until durable.
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_relman"))
                .args(["env", "deploy", "--env", "dev", "--component"])
                .arg(format!("svc{i}"))
                .args(["--version", "1.0.0", "--state"])
                .arg(&state)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        ok(&c.wait_with_output().unwrap());
    }
    let history: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["history", "--format", "json"]))).unwrap();
    let events = history.as_array().unwrap();
    assert_eq!(events.len(), 2 + 6);
    let mut components: Vec<&str> = events[2..]
        .iter()
        .map(|e| e["component"].as_str().unwrap())
        .collect();
    components.sort();
    assert_eq!(
        components,
        vec!["svc0", "svc1", "svc2", "svc3", "svc4", "svc5"]
    );
}

#[test]
fn freeze_window_refuses_and_drift_reports() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    ok(&relman(
        &state,
        &["init", "--environments", "dev,production"],
    ));
    ok(&relman(
        &state,
        &[
            "window",
            "--name",
            "all-year",
            "--start",
            "2000-01-01T00:00:00Z",
            "--end",
            "2100-01-01T00:00:00Z",
            "--environments",
            "production",
        ],
    ));
    let out = relman(
        &state,
        &[
            "deploy",
            "--env",
            "production",
            "--component",
            "api",
            "--version",
            "1.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("freeze all-year"));
    // Break-glass overrides the window and says so.
    let out = relman(
        &state,
        &[
            "deploy",
            "--env",
            "production",
            "--component",
            "api",
            "--version",
            "1.0.0",
            "--break-glass",
            "sev1",
        ],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("break-glass"));
    ok(&relman(
        &state,
        &[
            "desire",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "2.0.0",
        ],
    ));
    ok(&relman(
        &state,
        &[
            "observe",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "1.9.0",
        ],
    ));
    let out = relman(&state, &["drift", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "drift found is a no answer");
    let drift: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(drift[0]["desired"], "2.0.0");
    assert_eq!(drift[0]["observed"], "1.9.0");
}

#[test]
fn recurring_window_is_recorded_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    ok(&relman(&state, &["init", "--environments", "dev"]));
    // Every minute, for a day: always in force.
    ok(&relman(
        &state,
        &[
            "window",
            "--name",
            "always",
            "--cron",
            "* * * * *",
            "--time-zone",
            "Europe/Berlin",
            "--duration-minutes",
            "1440",
        ],
    ));
    let out = relman(
        &state,
        &[
            "deploy",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "1.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("freeze always"));
    let bad = relman(
        &state,
        &[
            "window",
            "--name",
            "x",
            "--cron",
            "0 0 * * *",
            "--time-zone",
            "Mars/Base",
            "--duration-minutes",
            "5",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Mars/Base"));
}
