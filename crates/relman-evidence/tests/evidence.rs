//! Public behaviour of relman-evidence: reading files, the error chain a user sees, and a table
//! of reports with the test runs and coverage figures they give.

use std::error::Error;
use std::path::Path;

use relman_evidence::{
    ParseCoverageError, ParseJunitError, ReadCoverageError, ReadJunitError, XmlDocumentError,
    XmlError, parse_coverage, parse_junit, read_coverage, read_junit,
};
use relman_model::TestKind;

/// The message and every source below it, joined as `anyhow` prints them with `{:#}`.
fn chain(e: &dyn Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `(passed, failed, skipped, duration_ms, suite)` of `xml`.
fn check_junit(xml: &str, expected: (u64, u64, u64, u64, &str)) {
    let run = parse_junit(xml, TestKind::Integration).expect("parses");
    assert_eq!(
        (
            run.passed,
            run.failed,
            run.skipped,
            run.duration_ms,
            run.suite.as_str()
        ),
        expected,
        "{xml}"
    );
    assert_eq!(run.kind, TestKind::Integration);
    assert_eq!(run.coverage, None);
}

#[test]
fn junit_reports_of_common_runners() {
    // pytest: a single suite, classname/name/time, a failure with a message.
    check_junit(
        r#"<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3" time="0.5"><testcase classname="t" name="a" time="0.1"/><testcase classname="t" name="b" time="0.2"><failure message="assert 1 == 2">x</failure></testcase><testcase classname="t" name="c" time="0.0"><skipped type="pytest.skip" message="no"/></testcase></testsuite></testsuites>"#,
        (1, 1, 1, 300, "pytest"),
    );
    // Maven Surefire: `<testsuite>` root, an `<error>`.
    check_junit(
        r#"<testsuite name="com.example.AppTest" tests="2"><testcase name="ok" time="1.5"/><testcase name="npe" time="0.25"><error type="java.lang.NullPointerException"/></testcase></testsuite>"#,
        (1, 1, 0, 1750, "com.example.AppTest"),
    );
    // Several suites: counts add up, the name is the first suite's.
    check_junit(
        r#"<testsuites><testsuite name="one"><testcase/></testsuite><testsuite name="two"><testcase/><testcase/></testsuite></testsuites>"#,
        (3, 0, 0, 0, "one"),
    );
    // An empty suite is a run of nothing.
    check_junit(r#"<testsuite name="empty"/>"#, (0, 0, 0, 0, "empty"));
}

#[test]
fn coverage_reports_by_content() {
    for (text, expected) in [
        (r#"<coverage line-rate="1"/>"#, 100.0),
        (
            "  \n<coverage line-rate=\" 0.5 \"><packages/></coverage>",
            50.0,
        ),
        ("SF:a.rs\nLF:4\nLH:1\nend_of_record\n", 25.0),
        ("SF:a.rs\nLF: 8 \nLH: 8 \nend_of_record\n", 100.0),
    ] {
        let got = parse_coverage(text).expect("parses");
        assert!((got - expected).abs() < 1e-9, "{text:?}: {got}");
    }
}

#[test]
fn read_junit_reads_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("junit.xml");
    std::fs::write(
        &path,
        r#"<testsuite name="core"><testcase time="0.1"/></testsuite>"#,
    )
    .expect("write");
    let run = read_junit(&path, TestKind::Unit).expect("reads");
    assert_eq!((run.suite.as_str(), run.passed), ("core", 1));
}

#[test]
fn read_errors_name_the_file_and_keep_the_cause() {
    let missing = Path::new("/nonexistent/junit.xml");
    let err = read_junit(missing, TestKind::Unit).expect_err("missing");
    assert!(matches!(&err, ReadJunitError::Io { path, .. } if path == missing));
    assert!(
        chain(&err).starts_with("cannot read /nonexistent/junit.xml: "),
        "{}",
        chain(&err)
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<testsuite>\n  <testcase></wrong>").expect("write");
    let err = read_junit(&bad, TestKind::Unit).expect_err("malformed");
    assert!(matches!(
        &err,
        ReadJunitError::Parse {
            source: ParseJunitError::Xml(XmlDocumentError::Malformed { line: 2, .. }),
            ..
        }
    ));
    assert!(
        chain(&err).starts_with(&format!(
            "{} is not a JUnit XML report: malformed XML at line 2, column 13: ",
            bad.display()
        )),
        "{}",
        chain(&err)
    );

    let lcov = dir.path().join("lcov.info");
    std::fs::write(&lcov, "SF:a.rs\nend_of_record\n").expect("write");
    let err = read_coverage(&lcov).expect_err("no lines");
    assert!(matches!(
        &err,
        ReadCoverageError::Parse {
            source: ParseCoverageError::NoInstrumentedLines,
            ..
        }
    ));
    assert_eq!(
        chain(&err),
        format!(
            "{} is not a Cobertura or LCOV coverage report: no LF: records (no instrumented lines)",
            lcov.display()
        )
    );
    assert!(matches!(
        read_coverage(&dir.path().join("none.info")),
        Err(ReadCoverageError::Io { .. })
    ));
}

#[test]
fn regression_bad_evidence_files_are_errors_naming_file_and_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = dir.path().join("cut.xml");
    std::fs::write(
        &cut,
        "<testsuites>\n  <testsuite name=\"core\">\n    <testcase name=\"a\"/>\n",
    )
    .expect("write");
    let err = read_junit(&cut, TestKind::Unit).expect_err("cut off");
    assert_eq!(
        chain(&err),
        format!(
            "{} is not a JUnit XML report: cut off: <testsuites> opened at line 1, column 1 is never closed",
            cut.display()
        )
    );

    let time = dir.path().join("time.xml");
    std::fs::write(
        &time,
        "<testsuite>\n  <testcase name=\"fast\" time=\"-3.5\"/>\n</testsuite>",
    )
    .expect("write");
    let err = read_junit(&time, TestKind::Unit).expect_err("negative time");
    assert_eq!(
        chain(&err),
        format!(
            "{} is not a JUnit XML report: line 2, column 3: <testcase name=\"fast\"> has time \"-3.5\", not a finite, non-negative number of seconds",
            time.display()
        )
    );

    let lcov = dir.path().join("over.info");
    std::fs::write(&lcov, "TN:\nSF:a.rs\nLF:5\nLH:10\nend_of_record\n").expect("write");
    let err = read_coverage(&lcov).expect_err("LH > LF");
    assert_eq!(
        chain(&err),
        format!(
            "{} is not a Cobertura or LCOV coverage report: line 4: LH:10 exceeds LF:5",
            lcov.display()
        )
    );
}

#[test]
fn public_types_are_send_sync_and_static() {
    fn error<E: Error + Send + Sync + 'static>() {}
    error::<ParseJunitError>();
    error::<ReadJunitError>();
    error::<ParseCoverageError>();
    error::<ReadCoverageError>();
    error::<XmlError>();
}
