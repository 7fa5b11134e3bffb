//! `relman gate check` end to end.

use std::process::Command;

mod common;

fn relman() -> Command {
    Command::new(env!("CARGO_BIN_EXE_relman"))
}

const PASSING: &str = r#"<testsuites><testsuite name="core"><testcase name="a" time="0.1"/><testcase name="b" time="0.2"/></testsuite></testsuites>"#;
const FAILING: &str = r#"<testsuite name="it"><testcase name="a"><failure message="boom"/></testcase><testcase name="b"/></testsuite>"#;

#[test]
fn passing_results_exit_zero_with_json_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("junit.xml");
    std::fs::write(&report, PASSING).unwrap();
    let out = relman()
        .args(["gate", "check", "--format", "json", "--results"])
        .arg(&report)
        .output()
        .unwrap();
    let json = common::json(&out);
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["runs"][0]["passed"], 2);
    assert_eq!(json["runs"][0]["duration_ms"], 300);
}

#[test]
fn configured_gates_fail_with_reasons_and_missing_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("unit.xml");
    let it = dir.path().join("it.xml");
    let lcov = dir.path().join("lcov.info");
    let gates = dir.path().join("gates.toml");
    std::fs::write(&unit, PASSING).unwrap();
    std::fs::write(&it, FAILING).unwrap();
    std::fs::write(&lcov, "SF:a.rs\nLF:10\nLH:6\nend_of_record\n").unwrap();
    std::fs::write(
        &gates,
        "[[gates]]\nid = \"unit\"\nkind = \"unit\"\nmax_failed = 0\nmin_coverage = 80.0\n\n\
         [[gates]]\nid = \"integration\"\nkind = \"integration\"\nmax_failed = 0\n\n\
         [[gates]]\nid = \"security\"\nkind = \"security\"\n",
    )
    .unwrap();
    let out = relman()
        .args(["gate", "check", "--results"])
        .arg(&unit)
        .arg(format!("integration={}", it.display()))
        .arg("--coverage")
        .arg(&lcov)
        .arg("--gates")
        .arg(&gates)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("verdict: fail"), "{text}");
    assert!(text.contains("coverage 60.0% is below 80.0%"), "{text}");
    assert!(
        text.contains("1 tests failed (at most 0 allowed)"),
        "{text}"
    );
    assert!(text.contains("security: missing evidence"), "{text}");
}

#[test]
fn unreadable_report_is_a_usage_error() {
    let out = relman()
        .args(["gate", "check", "--results", "/nonexistent/junit.xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/junit.xml"));
}

fn ok_stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

#[test]
fn record_appends_the_verdict_and_still_exits_one_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let passing = dir.path().join("unit.xml");
    let failing = dir.path().join("it.xml");
    std::fs::write(&passing, PASSING).unwrap();
    std::fs::write(&failing, FAILING).unwrap();
    ok_stdout(
        &relman()
            .args(["env", "init", "--environments", "staging,production"])
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap(),
    );
    ok_stdout(
        &relman()
            .args([
                "change",
                "new",
                "--id",
                "CR-3",
                "--title",
                "release",
                "--requester",
                "ana",
                "--digest",
                "0123456789abcdef",
            ])
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap(),
    );

    let failed = relman()
        .args([
            "gate", "check", "--format", "json", "--record", "--by", "ci",
        ])
        .args(["--change", "CR-3", "--results"])
        .arg(format!("integration={}", failing.display()))
        .arg("--store")
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(
        failed.status.code(),
        Some(1),
        "a failing gate still exits 1"
    );
    let json: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["recorded_revision"], 4);

    let passed = relman()
        .args([
            "gate",
            "check",
            "--record",
            "--release",
            "2026.12",
            "--results",
        ])
        .arg(&passing)
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    let text = ok_stdout(&passed);
    assert!(text.contains("recorded at revision 5"), "{text}");

    let history = ok_stdout(
        &relman()
            .args(["env", "history", "--format", "json", "--state"])
            .arg(&state)
            .output()
            .unwrap(),
    );
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let recorded = &history[3]["event"];
    assert_eq!(recorded["kind"], "gate_verdict_recorded");
    assert_eq!(recorded["change_request"], "CR-3");
    assert_eq!(recorded["by"], "ci");
    assert_eq!(recorded["verdict"], "fail");
    assert_eq!(recorded["gates"][0]["gate"], "integration");
    assert_eq!(
        recorded["gates"][0]["reasons"][0],
        "1 tests failed (at most 0 allowed)"
    );
    assert_eq!(history[4]["event"]["release"], "2026.12");
    assert_eq!(history[4]["event"]["verdict"], "pass");

    let shown = ok_stdout(
        &relman()
            .args(["change", "show", "CR-3", "--format", "json", "--state"])
            .arg(&state)
            .output()
            .unwrap(),
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["gate_verdicts"], serde_json::json!(["fail"]));
}

#[test]
fn record_needs_a_subject_and_a_known_change_request() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let report = dir.path().join("junit.xml");
    std::fs::write(&report, PASSING).unwrap();
    let no_subject = relman()
        .args(["gate", "check", "--record", "--results"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(no_subject.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_subject.stderr).contains("--release"));

    ok_stdout(
        &relman()
            .args(["env", "init", "--environments", "production", "--state"])
            .arg(&state)
            .output()
            .unwrap(),
    );
    let unknown = relman()
        .args([
            "gate",
            "check",
            "--record",
            "--change",
            "CR-404",
            "--results",
        ])
        .arg(&report)
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("cannot record the verdict: no change request CR-404"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

/// Runs `relman gate check ARGS` and returns (exit code, stdout, stderr).
fn check(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = relman()
        .args(["gate", "check"])
        .args(args)
        .output()
        .expect("relman runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `content` to `name` in `dir` and returns its path.
fn file(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write the input file");
    path
}

#[test]
fn regression_report_cut_off_mid_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    // Cut cleanly after the first test case, as a runner killed mid-write leaves it.
    let at = PASSING.find("<testcase name=\"b\"").unwrap();
    let cut = file(&dir, "cut.xml", &PASSING[..at]);
    let (code, stdout, stderr) = check(&["--results".as_ref(), cut.as_os_str()]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stderr.contains(&cut.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("cut off: <testsuites> opened at line 1, column 1 is never closed"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "no verdict on bad evidence: {stdout}");
}

#[test]
fn regression_report_without_test_cases_fails_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let empty = file(&dir, "empty.xml", r#"<testsuite name="core"></testsuite>"#);
    let (code, stdout, _) = check(&["--results".as_ref(), empty.as_os_str()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("verdict: fail"), "{stdout}");
    assert!(
        stdout.contains("0 tests ran (at least 1 required)"),
        "{stdout}"
    );

    // A configured gate without max_failed or min_tests gets the same safe defaults.
    let failing = file(&dir, "it.xml", FAILING);
    let gates = file(
        &dir,
        "gates.toml",
        "[[gates]]\nid = \"it\"\nkind = \"integration\"\n",
    );
    let it = format!("integration={}", failing.display());
    let (code, stdout, _) = check(&[
        "--results".as_ref(),
        it.as_ref(),
        "--gates".as_ref(),
        gates.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("1 tests failed (at most 0 allowed)"),
        "{stdout}"
    );
}

#[test]
fn regression_negative_or_nan_time_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, time) in [("neg.xml", "-1"), ("nan.xml", "NaN"), ("inf.xml", "inf")] {
        let report = file(
            &dir,
            name,
            &format!(r#"<testsuite><testcase name="t" time="{time}"/></testsuite>"#),
        );
        let (code, _, stderr) = check(&["--results".as_ref(), report.as_os_str()]);
        assert_eq!(code, Some(2), "{time}: {stderr}");
        assert!(stderr.contains(name), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "<testcase name=\"t\"> has time \"{time}\", not a finite, non-negative number of seconds"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn regression_same_report_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let report = file(&dir, "junit.xml", PASSING);
    let other_spelling = dir.path().join(".").join("junit.xml");
    let as_integration = format!("integration={}", other_spelling.display());
    let (code, stdout, stderr) = check(&[
        "--results".as_ref(),
        report.as_os_str(),
        as_integration.as_ref(),
    ]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stderr.contains("is given twice"), "{stderr}");
    assert!(stderr.contains("its tests would count twice"), "{stderr}");

    let lcov = file(&dir, "lcov.info", "SF:a.rs\nLF:2\nLH:2\nend_of_record\n");
    let (code, _, stderr) = check(&[
        "--results".as_ref(),
        report.as_os_str(),
        "--coverage".as_ref(),
        lcov.as_os_str(),
        lcov.as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("lcov.info is given twice"), "{stderr}");
}

#[test]
fn regression_gates_file_typos_and_bad_rates_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let report = file(&dir, "junit.xml", PASSING);
    for (toml, expected) in [
        (
            "[[gates]]\nid = \"unit\"\nkind = \"unit\"\nmax_faild = 5\n",
            "unknown field `max_faild`",
        ),
        (
            "[[gates]]\nid = \"unit\"\nkind = \"unit\"\nmin_pass_rate = nan\n",
            "gate unit: min_pass_rate = NaN is not a percentage between 0 and 100",
        ),
        (
            "[[gates]]\nid = \"unit\"\nkind = \"unit\"\nmin_pass_rate = -10.0\n",
            "gate unit: min_pass_rate = -10 is not a percentage between 0 and 100",
        ),
        (
            "[[gates]]\nid = \"unit\"\nkind = \"unit\"\nmin_coverage = 120.0\n",
            "gate unit: min_coverage = 120 is not a percentage between 0 and 100",
        ),
        ("gates = []\n", "no [[gates]], so nothing would be checked"),
    ] {
        let gates = file(&dir, "gates.toml", toml);
        let (code, stdout, stderr) = check(&[
            "--results".as_ref(),
            report.as_os_str(),
            "--gates".as_ref(),
            gates.as_os_str(),
        ]);
        assert_eq!(code, Some(2), "{toml}: {stdout}");
        assert!(stderr.contains("invalid gates file"), "{stderr}");
        assert!(stderr.contains(expected), "{toml}: {stderr}");
    }
}

#[test]
fn regression_lcov_hit_above_found_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let report = file(&dir, "junit.xml", PASSING);
    let lcov = file(&dir, "lcov.info", "SF:a.rs\nLF:5\nLH:10\nend_of_record\n");
    let (code, stdout, stderr) = check(&[
        "--results".as_ref(),
        report.as_os_str(),
        "--coverage".as_ref(),
        lcov.as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stderr.contains("lcov.info"), "{stderr}");
    assert!(stderr.contains("line 3: LH:10 exceeds LF:5"), "{stderr}");
}
