//! Quality gates: test evidence in, a verdict with reasons out.
//!
//! [`TestRun`]s record what a test suite of some [`TestKind`] reported. A [`QualityGate`] sets
//! thresholds for one kind; [`QualityGate::evaluate`] turns the runs into a [`GateResult`] whose
//! [`Verdict`] is pass, fail, or missing evidence, with every [`GateReason`] that led to it.
//! [`evaluate_gates`] combines several gates into the worst verdict.
//!
//! A gate always says what it requires: unless told otherwise it allows no failure
//! (`max_failed = 0`) and needs at least one test to run (`min_tests = 1`), so an empty report
//! or a report full of failures never passes by default. Percentages (`min_pass_rate`,
//! `min_coverage`) are checked to lie within 0..=100 when a gate is deserialized
//! ([`QualityGate::validate`]); a gate holding an invalid one fails
//! ([`GateReason::InvalidThreshold`]) instead of passing.

use std::cmp::Ordering;

use serde::{Deserialize, Deserializer, Serialize};

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
    /// A percentage threshold is not within 0..=100 (NaN, infinite, negative or above 100), so
    /// the gate cannot judge and fails rather than pass by accident.
    InvalidThreshold {
        /// The threshold.
        key: ThresholdKey,
        /// Its value.
        value: f64,
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
            GateReason::InvalidThreshold { key, value } => {
                write!(f, "{key} = {value} is not a percentage between 0 and 100")
            }
        }
    }
}

/// Thresholds for one kind of testing. At least one run of the kind is always required.
///
/// Nothing is silently unlimited: `max_failed` defaults to 0 and `min_tests` to 1 (see
/// [`Thresholds::default`]); the optional thresholds are checked only when set. Percentages are
/// in percent, 0 to 100 (`95.0`, not `0.95`).
///
/// JSON (and TOML, key for key): `{"max_failed": 0, "min_tests": 1, "min_coverage": 80.0}`.
/// Deserializing refuses unknown keys, so a typo such as `max_faild` is an error rather than a
/// threshold quietly not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Thresholds {
    /// Failures allowed (summed over the runs). Default 0.
    #[serde(default)]
    pub max_failed: u64,
    /// Tests that must run (passed + failed, summed; skipped tests do not count). Default 1.
    #[serde(default = "default_min_tests")]
    pub min_tests: u64,
    /// Minimal pass rate in percent (0 to 100): passed / (passed + failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pass_rate: Option<f64>,
    /// Minimal coverage in percent, 0 to 100 (every run that reports coverage must meet it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_coverage: Option<f64>,
    /// Longest total duration in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration_ms: Option<u64>,
}

fn default_min_tests() -> u64 {
    1
}

impl Default for Thresholds {
    /// The safe default: no failure allowed, at least one test run, no other threshold.
    ///
    /// ```
    /// use relman_model::Thresholds;
    /// let t = Thresholds::default();
    /// assert_eq!((t.max_failed, t.min_tests, t.min_coverage), (0, 1, None));
    /// ```
    fn default() -> Self {
        Self {
            max_failed: 0,
            min_tests: default_min_tests(),
            min_pass_rate: None,
            min_coverage: None,
            max_duration_ms: None,
        }
    }
}

impl Thresholds {
    /// The first percentage threshold outside 0..=100 (NaN and infinities included), if any.
    ///
    /// ```
    /// use relman_model::{ThresholdKey, Thresholds};
    /// let mut t = Thresholds::default();
    /// assert_eq!(t.invalid(), None);
    /// t.min_pass_rate = Some(f64::NAN);
    /// assert!(matches!(t.invalid(), Some((ThresholdKey::MinPassRate, v)) if v.is_nan()));
    /// ```
    pub fn invalid(&self) -> Option<(ThresholdKey, f64)> {
        [
            (ThresholdKey::MinPassRate, self.min_pass_rate),
            (ThresholdKey::MinCoverage, self.min_coverage),
        ]
        .into_iter()
        .find_map(|(key, value)| {
            value
                .filter(|v| !(0.0..=100.0).contains(v))
                .map(|v| (key, v))
        })
    }
}

/// A threshold of a gate, named as in the gates file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ThresholdKey {
    /// `max_failed`.
    MaxFailed,
    /// `min_tests`.
    MinTests,
    /// `min_pass_rate`.
    MinPassRate,
    /// `min_coverage`.
    MinCoverage,
    /// `max_duration_ms`.
    MaxDurationMs,
}

impl std::fmt::Display for ThresholdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            ThresholdKey::MaxFailed => "max_failed",
            ThresholdKey::MinTests => "min_tests",
            ThresholdKey::MinPassRate => "min_pass_rate",
            ThresholdKey::MinCoverage => "min_coverage",
            ThresholdKey::MaxDurationMs => "max_duration_ms",
        })
    }
}

/// Returned by [`QualityGate::validate`], and by deserializing a [`QualityGate`], when a
/// percentage threshold is not within 0..=100.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("gate {gate}: {key} = {value} is not a percentage between 0 and 100")]
#[non_exhaustive]
pub struct ValidateGateError {
    /// The gate.
    pub gate: GateId,
    /// The threshold at fault.
    pub key: ThresholdKey,
    /// Its value (NaN, infinite, negative or above 100).
    pub value: f64,
}

/// A gate over the runs of one [`TestKind`].
///
/// JSON (and TOML): `{"id": "unit", "kind": "unit", "max_failed": 0, "min_coverage": 80.0}`,
/// the [`Thresholds`] flattened into the gate. Deserializing refuses unknown keys and invalid
/// thresholds ([`ValidateGateError`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The serde shape of a [`QualityGate`], spelled out because `deny_unknown_fields` does not
/// work through `#[serde(flatten)]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GateFields {
    id: GateId,
    kind: TestKind,
    #[serde(default)]
    max_failed: u64,
    #[serde(default = "default_min_tests")]
    min_tests: u64,
    #[serde(default)]
    min_pass_rate: Option<f64>,
    #[serde(default)]
    min_coverage: Option<f64>,
    #[serde(default)]
    max_duration_ms: Option<u64>,
}

impl<'de> Deserialize<'de> for QualityGate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let f = GateFields::deserialize(deserializer)?;
        let gate = QualityGate::new(
            f.id,
            f.kind,
            Thresholds {
                max_failed: f.max_failed,
                min_tests: f.min_tests,
                min_pass_rate: f.min_pass_rate,
                min_coverage: f.min_coverage,
                max_duration_ms: f.max_duration_ms,
            },
        );
        gate.validate().map_err(serde::de::Error::custom)?;
        Ok(gate)
    }
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

    /// Checks that the percentage thresholds lie within 0..=100.
    ///
    /// ```
    /// use relman_model::{QualityGate, TestKind, Thresholds};
    /// let mut t = Thresholds::default();
    /// t.min_pass_rate = Some(-5.0);
    /// let gate = QualityGate::new("unit".parse()?, TestKind::Unit, t);
    /// let err = gate.validate().expect_err("negative rate");
    /// assert_eq!(err.to_string(), "gate unit: min_pass_rate = -5 is not a percentage between 0 and 100");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ValidateGateError`] naming the gate and the first invalid threshold.
    pub fn validate(&self) -> Result<(), ValidateGateError> {
        match self.thresholds.invalid() {
            Some((key, value)) => Err(ValidateGateError {
                gate: self.id.clone(),
                key,
                value,
            }),
            None => Ok(()),
        }
    }

    /// Judges the runs of this gate's kind among `runs`.
    ///
    /// A gate with an invalid threshold (see [`QualityGate::validate`]) fails with
    /// [`GateReason::InvalidThreshold`]; a NaN coverage figure counts as below any threshold.
    ///
    /// ```
    /// use relman_model::{QualityGate, TestKind, TestRun, Thresholds, Verdict};
    /// let gate = QualityGate::new("unit".parse()?, TestKind::Unit, Thresholds::default());
    /// let result = gate.evaluate(&[TestRun::new(TestKind::Unit, "core", 99, 1, 0)]);
    /// assert_eq!(result.verdict, Verdict::Fail);
    /// assert_eq!(result.reasons[0].to_string(), "1 tests failed (at most 0 allowed)");
    /// let empty = gate.evaluate(&[TestRun::new(TestKind::Unit, "core", 0, 0, 0)]);
    /// assert_eq!(empty.reasons[0].to_string(), "0 tests ran (at least 1 required)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(&self, runs: &[TestRun]) -> GateResult {
        let mine: Vec<&TestRun> = runs.iter().filter(|r| r.kind == self.kind).collect();
        let mut reasons = Vec::new();
        if let Some((key, value)) = self.thresholds.invalid() {
            reasons.push(GateReason::InvalidThreshold { key, value });
        }
        if mine.is_empty() {
            reasons.push(GateReason::NoResults { kind: self.kind });
        } else {
            let sum =
                |f: fn(&TestRun) -> u64| mine.iter().map(|r| f(r)).fold(0u64, u64::saturating_add);
            let passed = sum(|r| r.passed);
            let failed = sum(|r| r.failed);
            let duration_ms = sum(|r| r.duration_ms);
            let ran = passed.saturating_add(failed);
            let t = &self.thresholds;
            if failed > t.max_failed {
                reasons.push(GateReason::TooManyFailures {
                    failed,
                    max: t.max_failed,
                });
            }
            if ran < t.min_tests {
                reasons.push(GateReason::TooFewTests {
                    ran,
                    min: t.min_tests,
                });
            }
            if let Some(min) = t.min_pass_rate {
                let rate = if ran == 0 {
                    0.0
                } else {
                    100.0 * passed as f64 / ran as f64
                };
                if below(rate, min) {
                    reasons.push(GateReason::PassRateBelow { rate, min });
                }
            }
            if let Some(min) = t.min_coverage {
                // The lowest figure, a NaN one winning so that it cannot hide.
                let lowest = mine
                    .iter()
                    .filter_map(|r| r.coverage)
                    .reduce(|a, b| if b.is_nan() || b < a { b } else { a });
                match lowest {
                    None => reasons.push(GateReason::CoverageMissing { min }),
                    Some(coverage) if below(coverage, min) => {
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

/// Whether `value` falls short of `min`; NaN on either side falls short.
fn below(value: f64, min: f64) -> bool {
    !matches!(
        value.partial_cmp(&min),
        Some(Ordering::Greater | Ordering::Equal)
    )
}

/// Judges `runs` against every gate; the report's verdict is the worst gate verdict (pass when
/// there are no gates: callers that take gates from users should refuse an empty list).
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
            max_failed: 1,
            min_tests: 10,
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
                max_failed: 1,
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

    #[test]
    fn default_thresholds_refuse_failures_and_empty_runs() {
        let g = gate(TestKind::Unit, Thresholds::default());
        let failing = g.evaluate(&[TestRun::new(TestKind::Unit, "a", 1000, 1, 0)]);
        assert_eq!(failing.verdict, Verdict::Fail);
        assert_eq!(
            failing.reasons,
            [GateReason::TooManyFailures { failed: 1, max: 0 }]
        );
        let empty = g.evaluate(&[TestRun::new(TestKind::Unit, "a", 0, 0, 0)]);
        assert_eq!(empty.reasons, [GateReason::TooFewTests { ran: 0, min: 1 }]);
        let skipped_only = g.evaluate(&[TestRun::new(TestKind::Unit, "a", 0, 0, 7)]);
        assert_eq!(skipped_only.verdict, Verdict::Fail);
        let one = g.evaluate(&[TestRun::new(TestKind::Unit, "a", 1, 0, 0)]);
        assert_eq!(one.verdict, Verdict::Pass);
    }

    #[test]
    fn invalid_percentages_fail_the_gate_instead_of_passing_it() {
        for (rate, coverage) in [
            (Some(f64::NAN), None),
            (Some(-1.0), None),
            (Some(100.5), None),
            (None, Some(f64::INFINITY)),
            (None, Some(f64::NEG_INFINITY)),
        ] {
            let g = gate(
                TestKind::Unit,
                Thresholds {
                    min_pass_rate: rate,
                    min_coverage: coverage,
                    ..Thresholds::default()
                },
            );
            let err = g.validate().expect_err("invalid threshold");
            let expected_key = if rate.is_some() {
                ThresholdKey::MinPassRate
            } else {
                ThresholdKey::MinCoverage
            };
            assert_eq!(err.key, expected_key, "{rate:?} {coverage:?}");
            assert_eq!(err.gate.as_str(), "unit");
            let mut run = TestRun::new(TestKind::Unit, "a", 5, 0, 0);
            run.coverage = Some(100.0);
            let r = g.evaluate(&[run]);
            assert_eq!(r.verdict, Verdict::Fail, "{rate:?} {coverage:?}");
            assert!(
                matches!(r.reasons[0], GateReason::InvalidThreshold { key, .. } if key == expected_key),
                "{:?}",
                r.reasons
            );
        }
        let ok = gate(
            TestKind::Unit,
            Thresholds {
                min_pass_rate: Some(0.0),
                min_coverage: Some(100.0),
                ..Thresholds::default()
            },
        );
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn nan_coverage_counts_as_below_the_threshold() {
        let g = gate(
            TestKind::Unit,
            Thresholds {
                min_coverage: Some(50.0),
                ..Thresholds::default()
            },
        );
        let mut a = TestRun::new(TestKind::Unit, "a", 3, 0, 0);
        a.coverage = Some(90.0);
        let mut b = TestRun::new(TestKind::Unit, "b", 3, 0, 0);
        b.coverage = Some(f64::NAN);
        let r = g.evaluate(&[a, b]);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(
            matches!(r.reasons[0], GateReason::CoverageBelow { coverage, .. } if coverage.is_nan()),
            "{:?}",
            r.reasons
        );
    }
}
