//! Test evidence for relman's quality gates: test reports and coverage into relman-model values.
//!
//! `relman-evidence` is the adapter between the files test tools write and
//! [`relman_model::TestRun`]: JUnit XML reports (what cargo nextest with `junit` enabled, pytest,
//! Maven Surefire, Jest and most other runners emit) become test runs, and coverage reports
//! (Cobertura XML or LCOV tracefiles, told apart by their content) become a line-coverage
//! percentage.
//!
//! What it is not: a test runner or a gate engine. It runs nothing and judges nothing; apply the
//! gates with [`relman_model::evaluate_gates`]. It depends on no relman crate but relman-model.
//!
//! # Main types and functions
//!
//! - [`parse_junit`] / [`read_junit`]: a JUnit XML report into a [`TestRun`]; errors are
//!   [`ParseJunitError`] (with the line and column of malformed XML, of a cut-off report's
//!   unclosed root, of a test case with an invalid `time`) and [`ReadJunitError`] (naming the
//!   file).
//! - [`parse_coverage`] / [`read_coverage`]: a Cobertura or LCOV report into a percentage,
//!   always within 0..=100; errors are [`ParseCoverageError`] (inconsistent figures such as
//!   LCOV's `LH:` above `LF:` included, with their line) and [`ReadCoverageError`].
//! - [`attach_coverage`]: puts a coverage figure on the runs of one [`TestKind`].
//! - [`XmlDocumentError`]: why a text is not one complete XML document (malformed, cut off,
//!   two roots), shared by both XML readers; [`XmlError`], the XML reader's own error, kept
//!   opaque as its source.
//!
//! The `parse_*` functions take text and never touch the file system; the `read_*` functions
//! read one file and say which file failed. Readers are strict where leniency would let a gate
//! pass by accident: a report must parse completely or it is an error, never a shorter run.
//!
//! # Example
//!
//! ```
//! use relman_evidence::{attach_coverage, parse_coverage, parse_junit};
//! use relman_model::TestKind;
//!
//! let report = r#"<testsuites>
//!   <testsuite name="relman-model">
//!     <testcase name="ok" time="0.5"/>
//!     <testcase name="broken" time="0.25"><failure message="assertion failed"/></testcase>
//!   </testsuite>
//! </testsuites>"#;
//! let mut runs = vec![parse_junit(report, TestKind::Unit)?];
//! let cobertura = r#"<coverage line-rate="0.81" branch-rate="0"></coverage>"#;
//! attach_coverage(&mut runs, TestKind::Unit, parse_coverage(cobertura)?);
//!
//! let run = &runs[0];
//! assert_eq!((run.suite.as_str(), run.passed, run.failed), ("relman-model", 1, 1));
//! assert_eq!(run.duration_ms, 750);
//! assert!((run.coverage.unwrap_or_default() - 81.0).abs() < 1e-9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! None.
#![forbid(unsafe_code)]

mod coverage;
mod junit;
mod xml;

pub use coverage::{ParseCoverageError, ReadCoverageError, parse_coverage, read_coverage};
pub use junit::{ParseJunitError, ReadJunitError, parse_junit, read_junit};
pub use xml::{XmlDocumentError, XmlError};

use relman_model::{QualityGate, TestKind, TestRun, Thresholds};

/// Puts a coverage figure (`percent`, 0 to 100) on every run of `kind`. A run that already holds
/// a figure keeps the lower of the two, so several coverage reports for one kind count as their
/// weakest.
///
/// ```
/// use relman_evidence::attach_coverage;
/// use relman_model::{TestKind, TestRun};
///
/// let mut runs = vec![TestRun::new(TestKind::Unit, "core", 3, 0, 0)];
/// attach_coverage(&mut runs, TestKind::Unit, 80.0);
/// attach_coverage(&mut runs, TestKind::Unit, 72.5);
/// attach_coverage(&mut runs, TestKind::Integration, 10.0);
/// assert_eq!(runs[0].coverage, Some(72.5));
/// ```
pub fn attach_coverage(runs: &mut [TestRun], kind: TestKind, percent: f64) {
    for run in runs.iter_mut().filter(|r| r.kind == kind) {
        run.coverage = Some(run.coverage.map_or(percent, |c| c.min(percent)));
    }
}

/// The gates `relman gate check` applies without a gates file: one per kind of test the runs
/// report, named after the kind, with the default [`Thresholds`]: no failure allowed and at
/// least one test run (so an empty report fails).
///
/// ```
/// use relman_evidence::default_gates;
/// use relman_model::{TestKind, TestRun};
///
/// let runs = [
///     TestRun::new(TestKind::Unit, "core", 3, 0, 0),
///     TestRun::new(TestKind::Unit, "cli", 5, 0, 0),
///     TestRun::new(TestKind::Integration, "api", 2, 0, 0),
/// ];
/// let gates = default_gates(&runs);
/// let names: Vec<String> = gates.iter().map(|g| g.id.to_string()).collect();
/// assert_eq!(names, ["unit", "integration"]);
/// assert_eq!((gates[0].thresholds.max_failed, gates[0].thresholds.min_tests), (0, 1));
/// ```
pub fn default_gates(runs: &[TestRun]) -> Vec<QualityGate> {
    let mut kinds: Vec<TestKind> = runs.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let id = kind.to_string().parse().ok()?;
            Some(QualityGate::new(id, kind, Thresholds::default()))
        })
        .collect()
}

/// The README's example, compiled and run by `cargo test --doc` so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The Rust snippets of `docs/guide/relman-evidence.md`, compiled and run by `cargo test --doc`
/// so the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-evidence.md")]
pub struct GuideDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_coverage_keeps_the_lowest_figure_per_kind() {
        let mut runs = vec![
            TestRun::new(TestKind::Unit, "a", 1, 0, 0),
            TestRun::new(TestKind::Integration, "b", 1, 0, 0),
            TestRun::new(TestKind::Unit, "c", 1, 0, 0),
        ];
        attach_coverage(&mut runs, TestKind::Unit, 60.0);
        attach_coverage(&mut runs, TestKind::Unit, 90.0);
        let figures: Vec<Option<f64>> = runs.iter().map(|r| r.coverage).collect();
        assert_eq!(figures, [Some(60.0), None, Some(60.0)]);
    }
}
