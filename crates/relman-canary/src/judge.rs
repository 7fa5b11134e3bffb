//! The judge: per metric, the baseline's and the canary's samples are compared with the
//! Mann–Whitney U test and classified [`Classification::Pass`], [`High`](Classification::High),
//! [`Low`](Classification::Low) or [`NoData`](Classification::NoData); the metrics' weights give a
//! score from 0 to 100 and the score and the critical metrics give the [`Verdict`].
//!
//! The semantics follow Kayenta's NetflixACAJudge: only a change in the metric's bad direction
//! fails it (a latency that went down is `Low`, and passes when higher latency is bad).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::stats::{MannWhitney, Shift, mann_whitney_u, median, shift};
use crate::{Group, MetricName};

/// Which direction of change is bad for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is worse (latency, error rate).
    Increase,
    /// Lower is worse (throughput, success rate).
    Decrease,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
        })
    }
}

/// Whether a failing metric fails the whole verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    /// The metric counts through its weight in the score.
    #[default]
    Normal,
    /// The metric failing fails the verdict, whatever the score.
    Critical,
}

/// How much change a metric may show and still pass, even when the change is significant.
/// Unset margins allow nothing; when both are set, being within either is enough.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Margins {
    /// Allowed change relative to the baseline's median, as a fraction (`0.1` for 10 %).
    pub relative: Option<f64>,
    /// Allowed change in the metric's unit.
    pub absolute: Option<f64>,
}

/// One metric to judge: its name, its bad direction, its weight, whether it is critical and its
/// margins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSpec {
    /// The metric's name.
    pub name: MetricName,
    /// Which direction of change is bad.
    pub bad: Direction,
    /// Its weight in the score (finite, at least 0).
    pub weight: f64,
    /// Whether failing it fails the verdict.
    pub criticality: Criticality,
    /// The change it may show and still pass.
    pub margins: Margins,
}

impl MetricSpec {
    /// A normal metric of weight 1 without margins.
    pub fn new(name: MetricName, bad: Direction) -> Self {
        Self {
            name,
            bad,
            weight: 1.0,
            criticality: Criticality::Normal,
            margins: Margins::default(),
        }
    }
}

/// The samples of one metric: the baseline's and the canary's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Samples {
    /// The baseline's values.
    pub baseline: Vec<f64>,
    /// The canary's values.
    pub canary: Vec<f64>,
}

impl Samples {
    /// The samples of `group`.
    pub fn of(&self, group: Group) -> &[f64] {
        match group {
            Group::Baseline => &self.baseline,
            Group::Canary => &self.canary,
        }
    }
}

/// How metrics without data count in the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoDataPolicy {
    /// Left out of the score (neither passing nor failing).
    #[default]
    Exclude,
    /// Counted as failing metrics in the score (critical ones then fail the verdict).
    Fail,
}

/// The settings of [`judge`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JudgeOptions {
    /// The significance level of the two-sided test, in `(0, 1)`; default 0.05.
    pub alpha: f64,
    /// The lowest score that passes; default 95.
    pub pass_score: f64,
    /// The lowest score that is marginal rather than failing; default 75.
    pub marginal_score: f64,
    /// How metrics without data count; default [`NoDataPolicy::Exclude`].
    pub no_data: NoDataPolicy,
}

impl Default for JudgeOptions {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            pass_score: 95.0,
            marginal_score: 75.0,
            no_data: NoDataPolicy::Exclude,
        }
    }
}

/// The class of a metric's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// No significant change, or one within the margins.
    Pass,
    /// The canary is significantly higher than the baseline, beyond the margins.
    High,
    /// The canary is significantly lower than the baseline, beyond the margins.
    Low,
    /// The baseline or the canary has no samples.
    NoData,
}

impl std::fmt::Display for Classification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Classification::Pass => "pass",
            Classification::High => "high",
            Classification::Low => "low",
            Classification::NoData => "nodata",
        })
    }
}

/// Why a metric was classified as it was, in words through `Display`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MetricReason {
    /// A group has no samples.
    NoSamples {
        /// The empty group.
        group: Group,
    },
    /// The test found no significant difference.
    NotSignificant {
        /// The p-value.
        p_value: f64,
        /// The significance level.
        alpha: f64,
    },
    /// The test found a significant difference in `direction`.
    Significant {
        /// The direction of the change.
        direction: Direction,
        /// The p-value.
        p_value: f64,
        /// The significance level.
        alpha: f64,
        /// The estimated shift, canary minus baseline.
        shift: f64,
    },
    /// The significant change is within the metric's margins.
    WithinMargins {
        /// The estimated shift, canary minus baseline.
        shift: f64,
    },
    /// The change is in the metric's bad direction: the metric fails.
    BadDirection {
        /// The bad direction.
        bad: Direction,
    },
    /// The change is in the metric's good direction: it does not fail.
    GoodDirection {
        /// The bad direction.
        bad: Direction,
    },
}

impl std::fmt::Display for MetricReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricReason::NoSamples { group } => write!(f, "no {group} samples"),
            MetricReason::NotSignificant { p_value, alpha } => {
                write!(f, "no significant difference (p = {p_value:.4} ≥ {alpha})")
            }
            MetricReason::Significant {
                direction,
                p_value,
                alpha,
                shift,
            } => {
                let word = match direction {
                    Direction::Increase => "higher",
                    Direction::Decrease => "lower",
                };
                write!(
                    f,
                    "canary is {word} than baseline (p = {p_value:.4} < {alpha}, estimated shift {shift:+.4})"
                )
            }
            MetricReason::WithinMargins { shift } => {
                write!(f, "the shift of {shift:+.4} is within the allowed margins")
            }
            MetricReason::BadDirection { bad } => {
                write!(f, "{} is bad for this metric: it fails", article(*bad))
            }
            MetricReason::GoodDirection { bad } => {
                write!(
                    f,
                    "only {} is bad for this metric: it does not fail",
                    article(*bad)
                )
            }
        }
    }
}

/// "an increase" or "a decrease".
fn article(direction: Direction) -> &'static str {
    match direction {
        Direction::Increase => "an increase",
        Direction::Decrease => "a decrease",
    }
}

/// A summary of one group's samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampleSummary {
    /// How many values.
    pub n: usize,
    /// Their median (`None` without values).
    pub median: Option<f64>,
}

impl SampleSummary {
    fn of(values: &[f64]) -> Self {
        Self {
            n: values.len(),
            median: median(values),
        }
    }
}

/// The judgement of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricResult {
    /// The metric as specified.
    pub spec: MetricSpec,
    /// Its class.
    pub classification: Classification,
    /// The test of the canary (`x`) against the baseline (`y`); `None` without data.
    pub test: Option<MannWhitney>,
    /// The estimated shift, canary minus baseline; `None` without data.
    pub shift: Option<Shift>,
    /// The baseline's samples.
    pub baseline: SampleSummary,
    /// The canary's samples.
    pub canary: SampleSummary,
    /// Why, in order.
    pub reasons: Vec<MetricReason>,
}

impl MetricResult {
    /// Whether the metric changed in its bad direction (beyond its margins).
    pub fn is_failure(&self) -> bool {
        matches!(
            (self.classification, self.spec.bad),
            (Classification::High, Direction::Increase)
                | (Classification::Low, Direction::Decrease)
        )
    }
}

/// The verdict on a canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The score reaches the pass threshold and no critical metric fails.
    Pass,
    /// The score reaches the marginal threshold only.
    Marginal,
    /// The score is below the marginal threshold, a critical metric fails, or no metric could
    /// be judged.
    Fail,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Verdict::Pass => "pass",
            Verdict::Marginal => "marginal",
            Verdict::Fail => "fail",
        })
    }
}

/// Why the verdict is what it is, in words through `Display`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerdictReason {
    /// The score against the thresholds.
    Score {
        /// The score.
        score: f64,
        /// The pass threshold.
        pass_score: f64,
        /// The marginal threshold.
        marginal_score: f64,
    },
    /// A critical metric fails.
    CriticalFailed {
        /// The metric.
        metric: MetricName,
    },
    /// No metric had data and weight to score.
    NothingToScore,
}

impl std::fmt::Display for VerdictReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerdictReason::Score {
                score,
                pass_score,
                marginal_score,
            } => write!(
                f,
                "score {score:.1} (pass at {pass_score}, marginal at {marginal_score})"
            ),
            VerdictReason::CriticalFailed { metric } => {
                write!(f, "critical metric {metric} fails")
            }
            VerdictReason::NothingToScore => {
                write!(f, "no metric with data and weight to score")
            }
        }
    }
}

/// The judgement of a canary: the verdict, the score and each metric's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// The share of the scored weight held by metrics that do not fail, from 0 to 100.
    pub score: f64,
    /// One result per metric, in the order given.
    pub metrics: Vec<MetricResult>,
    /// Why the verdict is what it is.
    pub reasons: Vec<VerdictReason>,
}

/// Returned by [`judge`] when a setting or a sample is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeCanaryError {
    /// A sample value is NaN or infinite.
    #[error("metric {metric}: {group} value #{index} is not a finite number ({value})")]
    NonFinite {
        /// The metric.
        metric: MetricName,
        /// The group of the value.
        group: Group,
        /// The value's position in its group, from 1.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A metric is given twice.
    #[error("metric {metric} is given twice")]
    DuplicateMetric {
        /// The metric.
        metric: MetricName,
    },
    /// A weight is negative or not finite.
    #[error("metric {metric}: weight {weight} is not a finite number at least 0")]
    InvalidWeight {
        /// The metric.
        metric: MetricName,
        /// The weight.
        weight: f64,
    },
    /// A margin is negative or not finite.
    #[error("metric {metric}: margin {value} is not a finite number at least 0")]
    InvalidMargin {
        /// The metric.
        metric: MetricName,
        /// The margin.
        value: f64,
    },
    /// `alpha` is not in `(0, 1)`.
    #[error("alpha {alpha} is not between 0 and 1 (both excluded)")]
    InvalidAlpha {
        /// The value given.
        alpha: f64,
    },
    /// The score thresholds are not `0 <= marginal <= pass <= 100`.
    #[error("score thresholds must hold 0 <= marginal ({marginal}) <= pass ({pass}) <= 100")]
    InvalidThresholds {
        /// The marginal threshold.
        marginal: f64,
        /// The pass threshold.
        pass: f64,
    },
}

fn check(
    metrics: &[(MetricSpec, Samples)],
    options: &JudgeOptions,
) -> Result<(), JudgeCanaryError> {
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(JudgeCanaryError::InvalidAlpha {
            alpha: options.alpha,
        });
    }
    let (marginal, pass) = (options.marginal_score, options.pass_score);
    if !(0.0 <= marginal && marginal <= pass && pass <= 100.0) {
        return Err(JudgeCanaryError::InvalidThresholds { marginal, pass });
    }
    let mut seen = BTreeSet::new();
    for (spec, samples) in metrics {
        let metric = || spec.name.clone();
        if !seen.insert(&spec.name) {
            return Err(JudgeCanaryError::DuplicateMetric { metric: metric() });
        }
        if !(spec.weight.is_finite() && spec.weight >= 0.0) {
            return Err(JudgeCanaryError::InvalidWeight {
                metric: metric(),
                weight: spec.weight,
            });
        }
        for value in [spec.margins.relative, spec.margins.absolute]
            .into_iter()
            .flatten()
        {
            if !(value.is_finite() && value >= 0.0) {
                return Err(JudgeCanaryError::InvalidMargin {
                    metric: metric(),
                    value,
                });
            }
        }
        for group in [Group::Baseline, Group::Canary] {
            if let Some((i, &value)) = samples
                .of(group)
                .iter()
                .enumerate()
                .find(|(_, v)| !v.is_finite())
            {
                return Err(JudgeCanaryError::NonFinite {
                    metric: metric(),
                    group,
                    index: i + 1,
                    value,
                });
            }
        }
    }
    Ok(())
}

/// Judges one metric (settings already checked).
fn judge_metric(spec: &MetricSpec, samples: &Samples, alpha: f64) -> MetricResult {
    let baseline = SampleSummary::of(&samples.baseline);
    let canary = SampleSummary::of(&samples.canary);
    let test = mann_whitney_u(&samples.canary, &samples.baseline);
    let estimated = shift(&samples.baseline, &samples.canary, alpha);
    let mut reasons = Vec::new();
    let classification = match (test, estimated) {
        (Some(test), Some(estimated)) => {
            if test.p_value >= alpha {
                reasons.push(MetricReason::NotSignificant {
                    p_value: test.p_value,
                    alpha,
                });
                Classification::Pass
            } else {
                let mu = (canary.n * baseline.n) as f64 / 2.0;
                let direction = if test.statistic > mu {
                    Direction::Increase
                } else {
                    Direction::Decrease
                };
                reasons.push(MetricReason::Significant {
                    direction,
                    p_value: test.p_value,
                    alpha,
                    shift: estimated.estimate,
                });
                let change = estimated.estimate.abs();
                let base = baseline.median.unwrap_or_default().abs();
                let within = spec.margins.absolute.is_some_and(|a| change <= a)
                    || spec.margins.relative.is_some_and(|r| change <= r * base);
                if within {
                    reasons.push(MetricReason::WithinMargins {
                        shift: estimated.estimate,
                    });
                    Classification::Pass
                } else {
                    reasons.push(if direction == spec.bad {
                        MetricReason::BadDirection { bad: spec.bad }
                    } else {
                        MetricReason::GoodDirection { bad: spec.bad }
                    });
                    match direction {
                        Direction::Increase => Classification::High,
                        Direction::Decrease => Classification::Low,
                    }
                }
            }
        }
        _ => {
            for group in [Group::Baseline, Group::Canary] {
                if samples.of(group).is_empty() {
                    reasons.push(MetricReason::NoSamples { group });
                }
            }
            Classification::NoData
        }
    };
    MetricResult {
        spec: spec.clone(),
        classification,
        test,
        shift: estimated,
        baseline,
        canary,
        reasons,
    }
}

/// Judges a canary against its baseline, metric by metric.
///
/// Each metric is classified with the two-sided Mann–Whitney U test of the canary's samples
/// against the baseline's at `options.alpha` ([`mann_whitney_u`], the canary is `x`): no
/// significant difference is [`Classification::Pass`]; a significant one is `High` or `Low` by
/// the sign of `U - n_c n_b / 2`, unless the Hodges–Lehmann shift ([`shift`]) is within one of
/// the metric's [`Margins`], which makes it `Pass`; an empty group is `NoData`. A metric fails
/// only when it is `High` and an increase is bad, or `Low` and a decrease is bad.
///
/// The score is `100 × (weight of the metrics that do not fail) / (weight scored)`, where
/// metrics without data are scored per [`JudgeOptions::no_data`]. The verdict is
/// [`Verdict::Fail`] when a critical metric fails or nothing could be scored, else by the
/// score against [`JudgeOptions::pass_score`] and [`JudgeOptions::marginal_score`].
///
/// Complexity: O(Σ n log n) for the tests plus O(n_b n_c log(n_b n_c)) per metric for the shift.
///
/// # Errors
///
/// [`JudgeCanaryError`] naming the metric: a NaN or infinite value (with its group and
/// position), a metric given twice, a negative or non-finite weight or margin; or an `alpha`
/// outside `(0, 1)` or thresholds that are not `0 <= marginal <= pass <= 100`.
///
/// ```
/// use relman_canary::{Classification, Direction, JudgeOptions, MetricSpec, Samples, Verdict, judge};
///
/// let latency = MetricSpec::new("latency_ms".parse()?, Direction::Increase);
/// let samples = Samples {
///     baseline: vec![100.0, 102.0, 98.0, 101.0, 99.0, 100.5, 97.5, 103.0, 100.2, 99.1],
///     canary: vec![150.0, 149.0, 152.0, 151.0, 148.0, 150.5, 147.5, 153.0, 150.2, 149.1],
/// };
/// let judgement = judge(&[(latency, samples)], &JudgeOptions::default())?;
/// assert_eq!(judgement.metrics[0].classification, Classification::High);
/// assert_eq!(judgement.verdict, Verdict::Fail);
/// assert_eq!(judgement.score, 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`mann_whitney_u`]: crate::stats::mann_whitney_u
/// [`shift`]: crate::stats::shift
pub fn judge(
    metrics: &[(MetricSpec, Samples)],
    options: &JudgeOptions,
) -> Result<Judgement, JudgeCanaryError> {
    check(metrics, options)?;
    let results: Vec<MetricResult> = metrics
        .iter()
        .map(|(spec, samples)| judge_metric(spec, samples, options.alpha))
        .collect();
    let (mut scored, mut passed) = (0.0, 0.0);
    let mut reasons = Vec::new();
    for r in &results {
        let no_data = r.classification == Classification::NoData;
        if no_data && options.no_data == NoDataPolicy::Exclude {
            continue;
        }
        scored += r.spec.weight;
        let fails = r.is_failure() || no_data;
        if !fails {
            passed += r.spec.weight;
        }
        if fails && r.spec.criticality == Criticality::Critical {
            reasons.push(VerdictReason::CriticalFailed {
                metric: r.spec.name.clone(),
            });
        }
    }
    let score = if scored > 0.0 {
        100.0 * passed / scored
    } else {
        0.0
    };
    let verdict = if scored <= 0.0 {
        reasons.push(VerdictReason::NothingToScore);
        Verdict::Fail
    } else {
        reasons.push(VerdictReason::Score {
            score,
            pass_score: options.pass_score,
            marginal_score: options.marginal_score,
        });
        if reasons
            .iter()
            .any(|r| matches!(r, VerdictReason::CriticalFailed { .. }))
        {
            Verdict::Fail
        } else if score >= options.pass_score {
            Verdict::Pass
        } else if score >= options.marginal_score {
            Verdict::Marginal
        } else {
            Verdict::Fail
        }
    };
    Ok(Judgement {
        verdict,
        score,
        metrics: results,
        reasons,
    })
}
