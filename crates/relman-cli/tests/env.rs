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

/// A store with environments `dev,prod` and one deployment; returns its journal path.
fn store_with_a_deployment(state: &Path) -> std::path::PathBuf {
    ok(&relman(state, &["init", "--environments", "dev,prod"]));
    ok(&relman(
        state,
        &[
            "deploy",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "1.0.0",
        ],
    ));
    state.join("journal")
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn readers_leave_a_torn_tail_verify_reports_it_and_repair_saves_and_cuts_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let journal = store_with_a_deployment(&state);
    let good = std::fs::read(&journal).unwrap();
    let mut torn = good.clone();
    // A frame header claiming 64 bytes, followed by only 4: an interrupted append.
    torn.extend([64, 0, 0, 0, 1, 2, 3, 4, b'{', b'"', b'r', b'e']);
    std::fs::write(&journal, &torn).unwrap();

    for args in [
        &["history"][..],
        &["status"],
        &["drift"],
        &["metrics", "--env", "dev"],
    ] {
        let out = relman(&state, args);
        assert_ne!(code(&out), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("torn tail at byte"),
            "{args:?}: {out:?}"
        );
        assert_eq!(
            std::fs::read(&journal).unwrap(),
            torn,
            "{args:?} changed the file"
        );
    }
    let history: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["history", "--format", "json"]))).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 3);

    let out = relman(&state, &["verify", "--format", "json"]);
    assert_eq!(code(&out), Some(1), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "torn_tail");
    assert_eq!(v["offset"], good.len() as u64);
    assert_eq!(v["bytes"], 12);
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        torn,
        "verify changed the file"
    );

    let out = relman(&state, &["repair", "--format", "json"]);
    assert_eq!(code(&out), Some(0), "{out:?}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["outcome"], "repaired");
    let saved = state.join(format!("journal.torn-{}", good.len()));
    assert_eq!(r["saved_to"], saved.display().to_string());
    assert_eq!(std::fs::read(&saved).unwrap(), torn[good.len()..]);
    assert_eq!(std::fs::read(&journal).unwrap(), good);

    let out = relman(&state, &["verify"]);
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok:"));
}

#[test]
fn a_damaged_last_record_is_corruption_never_cut() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let journal = store_with_a_deployment(&state);
    let mut bytes = std::fs::read(&journal).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(&journal, &bytes).unwrap();

    let out = relman(&state, &["history"]);
    assert_eq!(code(&out), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("corrupt at byte offset"),
        "{out:?}"
    );
    let out = relman(&state, &["verify", "--format", "json"]);
    assert_eq!(code(&out), Some(1), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "corrupt");
    assert!(v["offset"].as_u64().unwrap() < last as u64);
    assert!(v["problem"].as_str().unwrap().contains("checksum"));
    // Neither a write nor repair cuts a damaged complete record.
    let out = relman(&state, &["repair"]);
    assert_eq!(code(&out), Some(1), "{out:?}");
    let out = relman(&state, &["lock", "--env", "dev", "--by", "ana"]);
    assert_eq!(code(&out), Some(2), "{out:?}");
    assert_eq!(std::fs::read(&journal).unwrap(), bytes);
    let leftovers: Vec<_> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("torn"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn a_journal_that_is_a_device_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let journal = store_with_a_deployment(&state);
    std::fs::remove_file(&journal).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &journal).unwrap();
    for args in [&["history"][..], &["verify"], &["repair"]] {
        let out = relman(&state, args);
        assert_eq!(code(&out), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
            "{args:?}: {out:?}"
        );
    }
}

#[test]
fn metrics_with_an_enormous_period_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    store_with_a_deployment(&state);
    let out = relman(&state, &["metrics", "--days", "100000000"]);
    assert_eq!(code(&out), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--days 100000000"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The largest period that still starts after the earliest date works.
    ok(&relman(&state, &["metrics", "--days", "36500"]));
}

#[test]
fn someone_elses_lease_is_a_refusal_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    ok(&relman(&state, &["init", "--environments", "dev"]));
    ok(&relman(&state, &["lock", "--env", "dev", "--by", "bob"]));

    let out = relman(
        &state,
        &["lock", "--env", "dev", "--by", "ana", "--format", "json"],
    );
    assert_eq!(code(&out), Some(1), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["blockers"][0]["detail"]["blocker"], "locked");
    assert!(v["blockers"][0]["reason"].as_str().unwrap().contains("bob"));

    let out = relman(&state, &["unlock", "--env", "dev", "--by", "ana"]);
    assert_eq!(code(&out), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("use --force REASON"));
    ok(&relman(
        &state,
        &[
            "unlock",
            "--env",
            "dev",
            "--by",
            "ana",
            "--force",
            "bob is away",
        ],
    ));
}

#[test]
fn init_completes_a_store_left_at_revision_0_and_refuses_an_initialised_one() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    // What an init killed between creating the journal and declaring used to leave.
    relman_env::store::JournalStore::<relman_env::Event>::create(
        &state,
        relman_env::store::LineageId::new("killed").unwrap(),
    )
    .unwrap();
    ok(&relman(&state, &["init", "--environments", "dev,prod"]));
    let status: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["status", "--format", "json"]))).unwrap();
    assert_eq!(
        status["environments"],
        serde_json::json!(["dev", "prod"]),
        "{status}"
    );
    let again = relman(&state, &["init", "--environments", "dev"]);
    assert_eq!(code(&again), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn compact_keeps_the_state_and_writers_continue_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    store_with_a_deployment(&state);
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
    let before = ok(&relman(&state, &["status", "--format", "json"]));
    let out: serde_json::Value =
        serde_json::from_str(&ok(&relman(&state, &["compact", "--format", "json"]))).unwrap();
    assert_eq!(out["revision"], 4);
    assert!(state.join("snapshot").exists());
    assert_eq!(ok(&relman(&state, &["status", "--format", "json"])), before);
    let drift = relman(&state, &["drift", "--format", "json"]);
    assert_eq!(
        code(&drift),
        Some(1),
        "the desired version survives: {drift:?}"
    );

    let out = ok(&relman(
        &state,
        &[
            "succeed",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "1.0.0",
        ],
    ));
    assert!(out.contains("at revision 5"), "{out}");
    ok(&relman(&state, &["verify"]));
}

#[test]
fn a_journal_past_the_size_limit_is_compacted_by_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let journal = store_with_a_deployment(&state);
    assert!(
        !state.join("snapshot").exists(),
        "small journals stay as they are"
    );
    let before = ok(&relman(&state, &["status", "--format", "json"]));
    let grown = std::fs::metadata(&journal).unwrap().len();
    let out = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["env", "succeed", "--env", "dev", "--component", "api"])
        .args(["--version", "1.0.0", "--state"])
        .arg(&state)
        .env("RELMAN_COMPACT_ABOVE_BYTES", (grown / 2).to_string())
        .output()
        .unwrap();
    let succeeded = ok(&out);
    let revision = |text: &str| -> u64 {
        text.trim()
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no revision in {text:?}"))
    };
    assert!(state.join("snapshot").exists(), "the write compacted");
    assert!(std::fs::metadata(&journal).unwrap().len() < grown);
    let after = ok(&relman(&state, &["status", "--format", "json"]));
    assert_ne!(after, before, "the deployment succeeded");
    assert!(after.contains("succeeded"), "{after}");
    ok(&relman(&state, &["verify"]));
    let out = ok(&relman(
        &state,
        &[
            "deploy",
            "--env",
            "prod",
            "--component",
            "api",
            "--version",
            "1.0.0",
        ],
    ));
    assert_eq!(
        revision(&out),
        revision(&succeeded) + 1,
        "writers continue: {out}"
    );
}
