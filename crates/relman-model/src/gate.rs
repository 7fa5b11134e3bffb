//! Quality gates: test evidence in, a verdict with reasons out.
//!
//! [`TestRun`]s record what a test suite of some [`TestKind`] reported. A [`QualityGate`] sets
//! thresholds for one kind; [`QualityGate::evaluate`] turns the runs into a [`GateResult`] whose
//! [`Verdict`] is pass, fail, or missing evidence, with every [`GateReason`] that led to it.
//! [`evaluate_gates`] combines several gates into the worst verdict.

use serde::{Deserialize, Serialize};

use crate::id::GateId;

/// The kind of testing a run or gate is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    /// Unit tests.
    Unit,
    /// Integration tests.
    Integration,
    /// System (end-to-end) tests.
    System,
    /// Acceptance tests.
    Acceptance,
    /// Performance tests.
    Performance,
    /// Security tests and scans.
    Security,
}

impl std::fmt::Display for TestKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            TestKind::Unit => "unit",
            TestKind::Integration => "integration",
            TestKind::System => "system",
            TestKind::Acceptance => "acceptance",
            TestKind::Performance => "performance",
            TestKind::Security => "security",
        })
    }
}

impl std::str::FromStr for TestKind {
    type Err = ParseTestKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "unit" => TestKind::Unit,
            "integration" => TestKind::Integration,
            "system" => TestKind::System,
            "acceptance" => TestKind::Acceptance,
            "performance" => TestKind::Performance,
            "security" => TestKind::Security,
            _ => return Err(ParseTestKindError(s.to_owned())),
        })
    }
}

/// Returned by `TestKind::from_str` for an unknown kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown test kind {0:?}: expected unit, integration, system, acceptance, performance or security"
)]
pub struct ParseTestKindError(pub String);

/// What one test suite run reported.
///
/// JSON: `{"kind": "unit", "suite": "relman-model", "passed": 120, "failed": 0, "skipped": 2,
/// "duration_ms": 5400, "coverage": 81.5}` (`coverage` in percent, optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TestRun {
    /// The kind of testing.
    pub kind: TestKind,
    /// The suite's name.
    pub suite: String,
    /// Tests passed.
    pub passed: u64,
    /// Tests failed (errors included).
    pub failed: u64,
    /// Tests skipped.
    pub skipped: u64,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// Line coverage in percent, when measured.
    #[serde(default)]
    pub coverage: Option<f64>,
}

impl TestRun {
    /// A run of `suite` with the given counts, no duration and no coverage.
    pub fn new(
        kind: TestKind,
        suite: impl Into<String>,
        passed: u64,
        failed: u64,
        skipped: u64,
    ) -> Self {
        Self {
            kind,
            suite: suite.into(),
            passed,
            failed,
            skipped,
            duration_ms: 0,
            coverage: None,
        }
    }
}

/// The outcome of a gate. Ordered from best to worst: `Pass < MissingEvidence < Fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every threshold holds.
    Pass,
    /// The evidence needed to decide is missing.
    MissingEvidence,
    /// A threshold is broken.
    Fail,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Verdict::Pass => "pass",
            Verdict::MissingEvidence => "missing evidence",
            Verdict::Fail => "fail",
        })
    }
}

/// Why a gate did not pass (or what it checked). Each reason implies a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GateReason {
    /// No run of the gate's kind was reported.
    NoResults {
        /// The kind looked for.
        kind: TestKind,
    },
    /// More failures than allowed.
    TooManyFailures {
        /// Failures reported.
        failed: u64,
        /// Failures allowed.
        max: u64,
    },
    /// Fewer tests ran than required.
    TooFewTests {
        /// Tests run (passed + failed).
        ran: u64,
        /// Tests required.
        min: u64,
    },
    /// Pass rate below the threshold.
    PassRateBelow {
        /// Pass rate in percent.
        rate: f64,
        /// Required rate in percent.
        min: f64,
    },
    /// Coverage below the threshold.
    CoverageBelow {
        /// Coverage in percent (the lowest reported).
        coverage: f64,
        /// Required coverage in percent.
        min: f64,
    },
    /// A coverage threshold is set but no run reported coverage.
    CoverageMissing {
        /// Required coverage in percent.
        min: f64,
    },
    /// The runs took longer than allowed.
    TooSlow {
        /// Total duration in milliseconds.
        duration_ms: u64,
        /// Allowed duration in milliseconds.
        max_ms: u64,
    },
}

impl GateReason {
    /// The verdict this reason implies.
    pub fn verdict(&self) -> Verdict {
        match self {
            GateReason::NoResults { .. } | GateReason::CoverageMissing { .. } => {
                Verdict::MissingEvidence
            }
            _ => Verdict::Fail,
        }
    }
}

impl std::fmt::Display for GateReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateReason::NoResults { kind } => write!(f, "no {kind} test results"),
            GateReason::TooManyFailures { failed, max } => {
                write!(f, "{failed} tests failed (at most {max} allowed)")
            }
            GateReason::TooFewTests { ran, min } => {
                write!(f, "{ran} tests ran (at least {min} required)")
            }
            GateReason::PassRateBelow { rate, min } => {
                write!(f, "pass rate {rate:.1}% is below {min:.1}%")
            }
            GateReason::CoverageBelow { coverage, min } => {
                write!(f, "coverage {coverage:.1}% is below {min:.1}%")
            }
            GateReason::CoverageMissing { min } => {
                write!(f, "no coverage reported ({min:.1}% required)")
            }
            GateReason::TooSlow {
                duration_ms,
                max_ms,
            } => write!(
                f,
                "tests took {duration_ms} ms (at most {max_ms} ms allowed)"
            ),
        }
    }
}

/// Thresholds for one kind of testing. Unset thresholds are not checked; at least one run of
/// the kind is always required.
///
/// JSON: `{"id": "unit", "kind": "unit", "max_failed": 0, "min_coverage": 80.0}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Thresholds {
    /// Failures allowed (summed over the runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed: Option<u64>,
    /// Tests that must run (passed + failed, summed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tests: Option<u64>,
    /// Minimal pass rate in percent: passed / (passed + failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pass_rate: Option<f64>,
    /// Minimal coverage in percent (every run that reports coverage must meet it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_coverage: Option<f64>,
    /// Longest total duration in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration_ms: Option<u64>,
}

/// A gate over the runs of one [`TestKind`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QualityGate {
    /// The gate's id.
    pub id: GateId,
    /// The kind of runs it judges.
    pub kind: TestKind,
    /// Its thresholds.
    #[serde(flatten)]
    pub thresholds: Thresholds,
}

/// The verdict of one gate with its reasons (empty when it passed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GateResult {
    /// The gate.
    pub gate: GateId,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why it did not pass.
    pub reasons: Vec<GateReason>,
}

/// The combined verdict of several gates: the worst of theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GateReport {
    /// The worst verdict (pass when there are no gates).
    pub verdict: Verdict,
    /// One result per gate, in the gates' order.
    pub results: Vec<GateResult>,
}

impl QualityGate {
    /// A gate over `kind` with the given thresholds.
    pub fn new(id: GateId, kind: TestKind, thresholds: Thresholds) -> Self {
        Self {
            id,
            kind,
            thresholds,
        }
    }

    /// Judges the runs of this gate's kind among `runs`.
    ///
    /// ```
    /// use relman_model::{QualityGate, TestKind, TestRun, Thresholds, Verdict};
    /// let mut t = Thresholds::default();
    /// t.max_failed = Some(0);
    /// let gate = QualityGate::new("unit".parse()?, TestKind::Unit, t);
    /// let result = gate.evaluate(&[TestRun::new(TestKind::Unit, "core", 99, 1, 0)]);
    /// assert_eq!(result.verdict, Verdict::Fail);
    /// assert_eq!(result.reasons[0].to_string(), "1 tests failed (at most 0 allowed)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(&self, runs: &[TestRun]) -> GateResult {
        let mine: Vec<&TestRun> = runs.iter().filter(|r| r.kind == self.kind).collect();
        let mut reasons = Vec::new();
        if mine.is_empty() {
            reasons.push(GateReason::NoResults { kind: self.kind });
        } else {
            let passed: u64 = mine.iter().map(|r| r.passed).sum();
            let failed: u64 = mine.iter().map(|r| r.failed).sum();
            let duration_ms: u64 = mine.iter().map(|r| r.duration_ms).sum();
            let t = &self.thresholds;
            if let Some(max) = t.max_failed
                && failed > max
            {
                reasons.push(GateReason::TooManyFailures { failed, max });
            }
            if let Some(min) = t.min_tests
                && passed + failed < min
            {
                reasons.push(GateReason::TooFewTests {
                    ran: passed + failed,
                    min,
                });
            }
            if let Some(min) = t.min_pass_rate {
                let ran = passed + failed;
                let rate = if ran == 0 {
                    0.0
                } else {
                    100.0 * passed as f64 / ran as f64
                };
                if rate < min {
                    reasons.push(GateReason::PassRateBelow { rate, min });
                }
            }
            if let Some(min) = t.min_coverage {
                let lowest = mine.iter().filter_map(|r| r.coverage).reduce(f64::min);
                match lowest {
                    None => reasons.push(GateReason::CoverageMissing { min }),
                    Some(coverage) if coverage < min => {
                        reasons.push(GateReason::CoverageBelow { coverage, min })
                    }
                    Some(_) => {}
                }
            }
            if let Some(max_ms) = t.max_duration_ms
                && duration_ms > max_ms
            {
                reasons.push(GateReason::TooSlow {
                    duration_ms,
                    max_ms,
                });
            }
        }
        let verdict = reasons
            .iter()
            .map(GateReason::verdict)
            .max()
            .unwrap_or(Verdict::Pass);
        GateResult {
            gate: self.id.clone(),
            verdict,
            reasons,
        }
    }
}

/// Judges `runs` against every gate; the report's verdict is the worst gate verdict.
pub fn evaluate_gates(gates: &[QualityGate], runs: &[TestRun]) -> GateReport {
    let results: Vec<GateResult> = gates.iter().map(|g| g.evaluate(runs)).collect();
    let verdict = results
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Verdict::Pass);
    GateReport { verdict, results }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(kind: TestKind, t: Thresholds) -> QualityGate {
        QualityGate::new(kind.to_string().parse().unwrap(), kind, t)
    }

    #[test]
    fn missing_runs_are_missing_evidence() {
        let g = gate(TestKind::Security, Thresholds::default());
        let r = g.evaluate(&[TestRun::new(TestKind::Unit, "u", 1, 0, 0)]);
        assert_eq!(r.verdict, Verdict::MissingEvidence);
        assert_eq!(
            r.reasons,
            vec![GateReason::NoResults {
                kind: TestKind::Security
            }]
        );
    }

    #[test]
    fn thresholds_are_checked_over_summed_runs() {
        let t = Thresholds {
            max_failed: Some(1),
            min_tests: Some(10),
            min_pass_rate: Some(90.0),
            min_coverage: Some(80.0),
            max_duration_ms: Some(1000),
        };
        let g = gate(TestKind::Unit, t);
        let mut a = TestRun::new(TestKind::Unit, "a", 4, 1, 0);
        a.coverage = Some(85.0);
        a.duration_ms = 700;
        let mut b = TestRun::new(TestKind::Unit, "b", 2, 1, 3);
        b.coverage = Some(70.0);
        b.duration_ms = 400;
        let r = g.evaluate(&[a.clone(), b]);
        assert_eq!(r.verdict, Verdict::Fail);
        let text: Vec<String> = r.reasons.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "2 tests failed (at most 1 allowed)",
                "8 tests ran (at least 10 required)",
                "pass rate 75.0% is below 90.0%",
                "coverage 70.0% is below 80.0%",
                "tests took 1100 ms (at most 1000 ms allowed)",
            ]
        );
        let ok = gate(
            TestKind::Unit,
            Thresholds {
                max_failed: Some(1),
                ..Thresholds::default()
            },
        );
        assert_eq!(ok.evaluate(&[a]).verdict, Verdict::Pass);
    }

    #[test]
    fn coverage_threshold_without_coverage_is_missing_evidence() {
        let g = gate(
            TestKind::Unit,
            Thresholds {
                min_coverage: Some(50.0),
                ..Thresholds::default()
            },
        );
        let r = g.evaluate(&[TestRun::new(TestKind::Unit, "a", 3, 0, 0)]);
        assert_eq!(r.verdict, Verdict::MissingEvidence);
    }

    #[test]
    fn report_takes_the_worst_verdict() {
        let gates = [
            gate(TestKind::Unit, Thresholds::default()),
            gate(TestKind::Integration, Thresholds::default()),
        ];
        let runs = [TestRun::new(TestKind::Unit, "a", 3, 0, 0)];
        let report = evaluate_gates(&gates, &runs);
        assert_eq!(report.verdict, Verdict::MissingEvidence);
        assert_eq!(report.results[0].verdict, Verdict::Pass);
        assert_eq!(evaluate_gates(&[], &runs).verdict, Verdict::Pass);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["verdict"], "missing_evidence");
        assert_eq!(json["results"][1]["reasons"][0]["reason"], "no_results");
    }
}
