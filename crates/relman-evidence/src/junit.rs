//! JUnit XML reports into [`TestRun`]s.
//!
//! The format has no formal standard; this reader takes what the common emitters agree on: a
//! `<testsuites>` or `<testsuite>` root, `<testcase>` elements with an optional `time` in
//! seconds, and `<failure>`, `<error>` or `<skipped>` children.

use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;
use relman_model::{TestKind, TestRun};

use crate::xml::{XmlError, attr, line_col};

/// Returned by [`parse_junit`] when the text is not a JUnit XML report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseJunitError {
    /// The text is not well-formed XML.
    #[error("malformed XML at line {line}, column {column}")]
    MalformedXml {
        /// The 1-based line where the bad event starts.
        line: usize,
        /// The 1-based column (in bytes) where the bad event starts.
        column: usize,
        /// What the XML reader found wrong.
        #[source]
        source: XmlError,
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
/// cases' `time` attributes (seconds, rounded to milliseconds); a `time` that is not a number
/// counts as zero. Coverage is left empty (see [`attach_coverage`](crate::attach_coverage)).
/// Runs in time linear in the length of `text`.
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
/// [`ParseJunitError::MalformedXml`] with the line and column of the first malformed part,
/// [`ParseJunitError::NoSuite`] when the XML has no suite element.
pub fn parse_junit(text: &str, kind: TestKind) -> Result<TestRun, ParseJunitError> {
    let mut reader = Reader::from_str(text);
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
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            let (line, column) = line_col(text, pos);
            ParseJunitError::MalformedXml {
                line,
                column,
                source: e.into(),
            }
        })?;
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
            Event::Eof => break,
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
                if let Some(t) = attr(element, "time") {
                    seconds += t.trim().parse::<f64>().unwrap_or(0.0);
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
    // Saturating: a negative or NaN total becomes 0, an absurdly large one u64::MAX.
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
                ParseJunitError::MalformedXml {
                    line: 2,
                    column: 13,
                    ..
                }
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
    fn bad_or_negative_times_do_not_panic() {
        let run = parse_junit(
            r#"<testsuite><testcase time="abc"/><testcase time="-5"/></testsuite>"#,
            TestKind::Unit,
        )
        .expect("parses");
        assert_eq!((run.passed, run.duration_ms), (2, 0));
    }
}
