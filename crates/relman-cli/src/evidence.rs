//! Test evidence readers: JUnit XML reports and coverage figures into model [`TestRun`]s.
//!
//! JUnit XML is what cargo nextest (`--profile ci` with `junit` enabled), pytest, Maven Surefire,
//! Jest and most other runners emit. Coverage comes as Cobertura XML (`line-rate` on the root
//! `<coverage>` element) or LCOV tracefiles (`LF:`/`LH:` records summed over files).

use std::path::Path;

use anyhow::{Context, Result, bail};
use quick_xml::Reader;
use quick_xml::events::Event;
use relman_model::{TestKind, TestRun};

/// Reads one JUnit XML report into a test run of `kind`, named after the file's first suite.
pub fn read_junit(path: &Path, kind: TestKind) -> Result<TestRun> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_junit(&text, kind)
        .with_context(|| format!("{} is not a JUnit XML report", path.display()))
}

fn line_col(text: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// Parses JUnit XML text. Each `<testcase>` counts once: failed when it holds `<failure>` or
/// `<error>`, skipped when it holds `<skipped>`, passed otherwise. Durations are the sum of the
/// test cases' `time` attributes (seconds).
pub fn parse_junit(text: &str, kind: TestKind) -> Result<TestRun> {
    let mut reader = Reader::from_str(text);
    let mut suite: Option<String> = None;
    let mut counts = [0u64; 3];
    let mut seconds = 0f64;
    let mut case: Option<Outcome> = None;
    let mut saw_root = false;
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            let (line, col) = line_col(text, pos);
            anyhow::anyhow!("malformed XML at line {line}, column {col}: {e}")
        })?;
        let (element, is_empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.name().as_ref() == "testcase"
                    && let Some(outcome) = case.take()
                {
                    counts[outcome as usize] += 1;
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
                    counts[Outcome::Passed as usize] += 1;
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
        bail!("no <testsuites> or <testsuite> element");
    }
    let mut run = TestRun::new(
        kind,
        suite.unwrap_or_else(|| kind.to_string()),
        counts[Outcome::Passed as usize],
        counts[Outcome::Failed as usize],
        counts[Outcome::Skipped as usize],
    );
    run.duration_ms = (seconds * 1000.0).round() as u64;
    Ok(run)
}

/// Reads a coverage report (Cobertura XML or an LCOV tracefile, told apart by content) into a
/// line-coverage percentage.
pub fn read_coverage(path: &Path) -> Result<f64> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_coverage(&text).with_context(|| {
        format!(
            "{} is not a Cobertura or LCOV coverage report",
            path.display()
        )
    })
}

/// Parses Cobertura XML (`<coverage line-rate="0.81">`) or LCOV (`LF:`/`LH:`) into percent.
pub fn parse_coverage(text: &str) -> Result<f64> {
    if text.trim_start().starts_with('<') {
        let mut reader = Reader::from_str(text);
        loop {
            match reader.read_event()? {
                Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "coverage" => {
                    let rate =
                        attr(&e, "line-rate").context("<coverage> has no line-rate attribute")?;
                    let rate: f64 = rate
                        .trim()
                        .parse()
                        .with_context(|| format!("line-rate {rate:?} is not a number"))?;
                    if !(0.0..=1.0).contains(&rate) {
                        bail!("line-rate {rate} is outside 0..1");
                    }
                    return Ok(rate * 100.0);
                }
                Event::Eof => bail!("no <coverage> element"),
                _ => {}
            }
        }
    }
    let (mut found, mut hit) = (0u64, 0u64);
    for (n, line) in text.lines().enumerate() {
        let field = |v: &str| -> Result<u64> {
            v.trim()
                .parse()
                .with_context(|| format!("line {}: {v:?} is not a count", n + 1))
        };
        if let Some(v) = line.strip_prefix("LF:") {
            found += field(v)?;
        } else if let Some(v) = line.strip_prefix("LH:") {
            hit += field(v)?;
        }
    }
    if found == 0 {
        bail!("no LF: records (no instrumented lines)");
    }
    Ok(100.0 * hit as f64 / found as f64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Skipped,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
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
        let run = parse_junit(NEXTEST, TestKind::Unit).unwrap();
        assert_eq!((run.passed, run.failed, run.skipped), (2, 1, 1));
        assert_eq!(run.duration_ms, 1000);
        assert_eq!(run.suite, "relman-model");
    }

    #[test]
    fn junit_errors_name_the_position() {
        let err = parse_junit("<testsuite>\n  <testcase></wrong>", TestKind::Unit).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(parse_junit("<html/>", TestKind::Unit).is_err());
    }

    #[test]
    fn coverage_formats() {
        let c = parse_coverage(
            r#"<?xml version="1.0"?><coverage line-rate="0.815" branch-rate="0"></coverage>"#,
        )
        .unwrap();
        assert!((c - 81.5).abs() < 1e-9);
        let l = parse_coverage(
            "TN:\nSF:a.rs\nLF:10\nLH:5\nend_of_record\nSF:b.rs\nLF:30\nLH:27\nend_of_record\n",
        )
        .unwrap();
        assert!((l - 80.0).abs() < 1e-9);
        assert!(parse_coverage("LF:x").is_err());
        assert!(parse_coverage(r#"<coverage line-rate="2"/>"#).is_err());
    }
}
