//! A [`Judgement`] as a flat serde value ([`JudgementView`]): what `relman verify --format
//! json` prints, every classification and verdict as text.

use serde::Serialize;

use crate::judge::{Criticality, Judgement};

/// A [`Judgement`] for people and scripts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct JudgementView {
    /// `pass`, `marginal` or `fail`.
    pub verdict: String,
    /// The score, 0 to 100.
    pub score: f64,
    /// One entry per metric, in configuration order.
    pub metrics: Vec<MetricView>,
    /// Why the verdict is what it is.
    pub reasons: Vec<String>,
}

/// One metric of a [`JudgementView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MetricView {
    /// The metric.
    pub name: String,
    /// `pass`, `high`, `low` or `no_data`.
    pub classification: String,
    /// Whether it fails (a change in the bad direction, beyond the margins).
    pub failed: bool,
    /// Whether its failure fails the canary.
    pub critical: bool,
    /// Its weight in the score.
    pub weight: f64,
    /// The canary's Mann–Whitney U.
    pub statistic: Option<f64>,
    /// The two-sided p-value.
    pub p_value: Option<f64>,
    /// `exact` or `asymptotic`.
    pub method: Option<String>,
    /// The Hodges–Lehmann shift of the canary from the baseline, with its interval.
    pub shift: Option<ShiftView>,
    /// The baseline's samples.
    pub baseline: GroupView,
    /// The canary's samples.
    pub canary: GroupView,
    /// Why it is classified so.
    pub reasons: Vec<String>,
}

/// The shift of a [`MetricView`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShiftView {
    /// The estimate.
    pub estimate: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
}

/// One group's samples in a [`MetricView`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupView {
    /// How many samples.
    pub n: usize,
    /// Their median.
    pub median: Option<f64>,
}

impl JudgementView {
    /// The view of `judgement`.
    pub fn new(judgement: &Judgement) -> Self {
        Self {
            verdict: judgement.verdict.to_string(),
            score: judgement.score,
            reasons: judgement.reasons.iter().map(ToString::to_string).collect(),
            metrics: judgement
                .metrics
                .iter()
                .map(|m| MetricView {
                    name: m.spec.name.to_string(),
                    classification: m.classification.to_string(),
                    failed: m.is_failure(),
                    critical: m.spec.criticality == Criticality::Critical,
                    weight: m.spec.weight,
                    statistic: m.test.map(|t| t.statistic),
                    p_value: m.test.map(|t| t.p_value),
                    method: m.test.map(|t| t.method.to_string()),
                    shift: m.shift.map(|s| ShiftView {
                        estimate: s.estimate,
                        lower: s.lower,
                        upper: s.upper,
                    }),
                    baseline: GroupView {
                        n: m.baseline.n,
                        median: m.baseline.median,
                    },
                    canary: GroupView {
                        n: m.canary.n,
                        median: m.canary.median,
                    },
                    reasons: m.reasons.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        }
    }
}
