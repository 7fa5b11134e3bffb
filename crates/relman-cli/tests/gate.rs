//! `relman gate check` end to end.

use std::process::Command;

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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
