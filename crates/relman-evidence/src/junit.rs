//! JUnit XML reports into [`TestRun`]s.
//!
//! The format has no formal standard; this reader takes what the common emitters agree on: a
//! `<testsuites>` or `<testsuite>` root, `<testcase>` elements with an optional `time` in
//! seconds, and `<failure>`, `<error>` or `<skipped>` children. It is strict about what would
//! let a report pass by accident: a file cut off mid-way, two documents pasted together, or a
//! `time` that is not a finite, non-negative number are errors, not a shorter or faster run.

use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use relman_model::{TestKind, TestRun};

use crate::xml::{Document, XmlDocumentError, attr};

/// Returned by [`parse_junit`] when the text is not a JUnit XML report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseJunitError {
    /// The text is not one complete XML document (malformed, cut off, or two pasted
    /// together).
    #[error(transparent)]
    Xml(#[from] XmlDocumentError),
    /// A `<testcase>`'s `time` is not a finite, non-negative number of seconds.
    #[error(
        "line {line}, column {column}: <testcase{}> has time {value:?}, not a finite, non-negative number of seconds",
        testcase.as_ref().map(|n| format!(" name={n:?}")).unwrap_or_default()
    )]
    InvalidTime {
        /// The 1-based line of the `<testcase>` start tag.
        line: usize,
        /// The 1-based column (in bytes) of the `<testcase>` start tag.
        column: usize,
        /// The test case's `name`, when it has one.
        testcase: Option<String>,
        /// The attribute's text.
        value: String,
    },
    /// Well-formed XML without a `<testsuites>` or `<testsuite>` element.
    #[error("no <testsuites> or <testsuite> element")]
    NoSuite,
}

/// Returned by [`read_junit`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadJunitError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a JUnit XML report.
    #[error("{} is not a JUnit XML report", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why it is not one.
        #[source]
        source: ParseJunitError,
    },
}

/// Reads the JUnit XML report at `path` into a test run of `kind` (see [`parse_junit`]).
///
/// # Errors
///
/// [`ReadJunitError::Io`] when the file cannot be read as UTF-8 text,
/// [`ReadJunitError::Parse`] when its content is not a JUnit XML report.
pub fn read_junit(path: &Path, kind: TestKind) -> Result<TestRun, ReadJunitError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadJunitError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_junit(&text, kind).map_err(|source| ReadJunitError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Which of the three counts a test case adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// Parses JUnit XML text into a test run of `kind`, named after the first `<testsuite>`'s `name`
/// (else after `kind`).
///
/// Each `<testcase>` counts once: failed when it holds `<failure>` or `<error>`, skipped when it
/// holds `<skipped>` (and no failure), passed otherwise. The duration is the sum of the test
/// cases' `time` attributes (seconds, rounded to milliseconds; a missing `time` counts as
/// zero). Coverage is left empty (see [`attach_coverage`](crate::attach_coverage)). A report
/// without test cases is a run of nothing, which the default gate thresholds refuse
/// (`min_tests = 1`). Runs in time linear in the length of `text`.
///
/// ```
/// use relman_evidence::parse_junit;
/// use relman_model::TestKind;
///
/// let run = parse_junit(
///     r#"<testsuite name="it"><testcase name="a"><skipped/></testcase><testcase name="b"/></testsuite>"#,
///     TestKind::Integration,
/// )?;
/// assert_eq!((run.passed, run.failed, run.skipped), (1, 0, 1));
/// # Ok::<(), relman_evidence::ParseJunitError>(())
/// ```
///
/// # Errors
///
/// [`ParseJunitError::Xml`] with the line and column of the first malformed part, of the root
/// element left open when the text ends early, or of a second root element,
/// [`ParseJunitError::InvalidTime`] naming the test case whose `time` is not a finite,
/// non-negative number, [`ParseJunitError::NoSuite`] when the XML has no suite element.
pub fn parse_junit(text: &str, kind: TestKind) -> Result<TestRun, ParseJunitError> {
    let mut doc = Document::new(text);
    let mut suite: Option<String> = None;
    let (mut passed, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    let mut count = |outcome: Outcome| match outcome {
        Outcome::Passed => passed += 1,
        Outcome::Failed => failed += 1,
        Outcome::Skipped => skipped += 1,
    };
    let mut seconds = 0f64;
    let mut case: Option<Outcome> = None;
    let mut saw_root = false;
    while let Some((pos, event)) = doc.next_event()? {
        let (element, is_empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.name().as_ref() == "testcase"
                    && let Some(outcome) = case.take()
                {
                    count(outcome);
                }
                continue;
            }
            _ => continue,
        };
        match element.name().as_ref() {
            "testsuites" => saw_root = true,
            "testsuite" => {
                saw_root = true;
                if suite.is_none() {
                    suite = attr(element, "name");
                }
            }
            "testcase" => {
                if let Some(value) = attr(element, "time") {
                    match value.trim().parse::<f64>() {
                        Ok(t) if t.is_finite() && t >= 0.0 => seconds += t,
                        _ => {
                            let (line, column) = doc.line_col(pos);
                            return Err(ParseJunitError::InvalidTime {
                                line,
                                column,
                                testcase: attr(element, "name"),
                                value,
                            });
                        }
                    }
                }
                if is_empty {
                    count(Outcome::Passed);
                } else {
                    case = Some(Outcome::Passed);
                }
            }
            "failure" | "error" if case.is_some() => case = Some(Outcome::Failed),
            "skipped" if case == Some(Outcome::Passed) => case = Some(Outcome::Skipped),
            _ => {}
        }
    }
    if !saw_root {
        return Err(ParseJunitError::NoSuite);
    }
    let mut run = TestRun::new(
        kind,
        suite.unwrap_or_else(|| kind.to_string()),
        passed,
        failed,
        skipped,
    );
    // Every term is finite and non-negative; a sum too large for u64 milliseconds saturates.
    run.duration_ms = (seconds * 1000.0).round() as u64;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEXTEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="4" failures="1" errors="0" uuid="x" timestamp="2026-11-28T03:00:00.000+00:00" time="1.5">
    <testsuite name="relman-model" tests="4" disabled="0" errors="0" failures="1">
        <testcase name="id::tests::ok" classname="relman-model" timestamp="x" time="0.25">
        </testcase>
        <testcase name="a" classname="relman-model" time="0.5"/>
        <testcase name="b" classname="relman-model" time="0.25">
            <failure type="test failure">assertion failed</failure>
            <system-out>out</system-out>
        </testcase>
        <testcase name="c" classname="relman-model" time="0">
            <skipped/>
        </testcase>
    </testsuite>
</testsuites>"#;

    #[test]
    fn junit_counts_each_case_once() {
        let run = parse_junit(NEXTEST, TestKind::Unit).expect("a nextest report parses");
        assert_eq!((run.passed, run.failed, run.skipped), (2, 1, 1));
        assert_eq!(run.duration_ms, 1000);
        assert_eq!(run.suite, "relman-model");
    }

    #[test]
    fn junit_errors_name_the_position() {
        let err = parse_junit("<testsuite>\n  <testcase></wrong>", TestKind::Unit)
            .expect_err("mismatched end tag");
        assert!(
            matches!(
                err,
                ParseJunitError::Xml(XmlDocumentError::Malformed {
                    line: 2,
                    column: 13,
                    ..
                })
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "malformed XML at line 2, column 13");
    }

    #[test]
    fn xml_without_a_suite_is_refused() {
        let err = parse_junit("<html/>", TestKind::Unit).expect_err("not JUnit");
        assert!(matches!(err, ParseJunitError::NoSuite));
    }

    #[test]
    fn error_and_failure_both_fail_and_win_over_skipped() {
        let run = parse_junit(
            r#"<testsuite><testcase><error/></testcase><testcase><skipped/><failure/></testcase></testsuite>"#,
            TestKind::Unit,
        )
        .expect("parses");
        assert_eq!((run.passed, run.failed, run.skipped), (0, 2, 0));
        assert_eq!(run.suite, "unit", "unnamed suites are named after the kind");
    }

    #[test]
    fn regression_negative_nan_infinite_or_garbage_time_is_an_error() {
        for (value, line) in [("-5", 2), ("NaN", 2), ("inf", 2), ("1e400", 2), ("abc", 2)] {
            let xml =
                format!("<testsuite>\n<testcase name=\"slow\" time=\"{value}\"/>\n</testsuite>");
            let err = parse_junit(&xml, TestKind::Unit).expect_err(value);
            assert!(
                matches!(&err, ParseJunitError::InvalidTime { line: l, column: 1, testcase: Some(n), value: v }
                    if *l == line && n == "slow" && v == value),
                "{value}: {err:?}"
            );
        }
        let err = parse_junit(
            r#"<testsuite><testcase time="-0.5"/></testsuite>"#,
            TestKind::Unit,
        )
        .expect_err("negative");
        assert_eq!(
            err.to_string(),
            "line 1, column 12: <testcase> has time \"-0.5\", not a finite, non-negative number of seconds"
        );
        let ok = parse_junit(
            r#"<testsuite><testcase time=" 0 "/></testsuite>"#,
            TestKind::Unit,
        )
        .expect("zero is a time");
        assert_eq!(ok.duration_ms, 0);
    }

    #[test]
    fn regression_report_cut_off_mid_file_is_an_error() {
        let full = NEXTEST;
        // Cut anywhere after the root opens and before it closes: never a run.
        let root = full.find("<testsuites").expect("root");
        let end = full.rfind("</testsuites>").expect("end");
        for cut in (root + 1..end + "</testsuites".len()).filter(|c| full.is_char_boundary(*c)) {
            let err = parse_junit(&full[..cut], TestKind::Unit)
                .expect_err("a cut-off report is not a run");
            assert!(
                matches!(
                    err,
                    ParseJunitError::Xml(
                        XmlDocumentError::Truncated { .. } | XmlDocumentError::Malformed { .. }
                    )
                ),
                "cut at {cut}: {err:?}"
            );
        }
        let err = parse_junit(
            &full[..full.find("<testcase name=\"b\"").expect("b")],
            TestKind::Unit,
        )
        .expect_err("cut off");
        assert_eq!(
            err.to_string(),
            "cut off: <testsuites> opened at line 2, column 1 is never closed"
        );
    }

    #[test]
    fn regression_two_reports_pasted_together_are_refused() {
        let one = r#"<testsuite name="a"><testcase/></testsuite>"#;
        let err = parse_junit(&format!("{one}\n{one}"), TestKind::Unit).expect_err("two roots");
        assert!(
            matches!(
                err,
                ParseJunitError::Xml(XmlDocumentError::SecondRoot { line: 2, column: 1 })
            ),
            "{err:?}"
        );
    }
}
