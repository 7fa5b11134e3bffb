//! Canary analysis: judge a release from its metrics, the canary against its baseline.
//!
//! `relman-canary` is a pure judge with the semantics of Kayenta's NetflixACAJudge. Given, per
//! metric, the baseline's and the canary's samples, the metric's bad direction, its margins,
//! weight and criticality, it classifies each metric `Pass`, `High`, `Low` or `NoData` with the
//! two-sided Mann–Whitney U test, weighs them into a score from 0 to 100 and gives a verdict,
//! pass, marginal or fail, with its reasons in words.
//!
//! What it is not: a metrics collector, a deployer or a ledger. It reads no clock, no network
//! and no file; the caller collects the samples (or parses them from text with a
//! [`FileSource`]) and records the verdict where it wants (`relman verify` records it in the
//! relman-env ledger). It depends on no relman crate.
//!
//! # Main types and functions
//!
//! - [`judge()`] takes [`MetricSpec`]s (name, bad [`Direction`], weight, [`Criticality`],
//!   [`Margins`]) with their [`Samples`] and [`JudgeOptions`] (alpha, the score thresholds,
//!   the [`NoDataPolicy`]); it returns a [`Judgement`]: the [`Verdict`], the score, one
//!   [`MetricResult`] per metric ([`Classification`], test, shift estimate, medians,
//!   [`MetricReason`]s) and the [`VerdictReason`]s. Invalid input is a [`JudgeCanaryError`].
//! - [`stats`]: the statistics on their own: [`stats::mann_whitney_u`] (p-values as
//!   `scipy.stats.mannwhitneyu(x, y, alternative="two-sided")`), [`stats::shift`] (the
//!   Hodges–Lehmann estimate with its confidence interval) and [`stats::median`].
//! - [`source`]: the [`MetricSource`] port (the samples of a metric for the baseline and the
//!   canary) and [`FileSource`], the records of a CSV or JSON metrics file parsed from text,
//!   with [`ParseMetricsError`] naming the line and column at fault.
//! - `prometheus` (feature `prometheus`): `PrometheusSource`, the same samples read with range
//!   queries from a Prometheus server, one [`query::QueryTemplate`] per metric rendered with
//!   each group's version.
//!
//! See `docs/canary.md` for the statistics and the formats.
//!
//! # Example
//!
//! ```
//! use relman_canary::{Direction, JudgeOptions, MetricSpec, Samples, Verdict, judge};
//!
//! let errors = MetricSpec::new("error_rate".parse()?, Direction::Increase);
//! let samples = Samples {
//!     baseline: vec![0.010, 0.012, 0.011, 0.009, 0.010, 0.013, 0.011, 0.010],
//!     canary: vec![0.011, 0.010, 0.012, 0.010, 0.009, 0.012, 0.011, 0.010],
//! };
//! let judgement = judge(&[(errors, samples)], &JudgeOptions::default())?;
//! assert_eq!(judgement.verdict, Verdict::Pass);
//! assert_eq!(judgement.score, 100.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `prometheus`: the `prometheus` module, a [`MetricSource`] over Prometheus's HTTP API
//!   (with `ureq`, plain HTTP).
//! - `prometheus-tls`: the same for `https://` servers (rustls).
#![forbid(unsafe_code)]

pub mod config;
pub mod judge;
#[cfg(feature = "prometheus")]
pub mod prometheus;
pub mod query;
pub mod source;
pub mod stats;
pub mod view;

pub use judge::{
    Classification, Criticality, Direction, JudgeCanaryError, JudgeOptions, Judgement, Margins,
    MetricReason, MetricResult, MetricSpec, NoDataPolicy, SampleSummary, Samples, Verdict,
    VerdictReason, judge,
};
pub use source::{FileSource, MetricSource, ParseMetricsError};

use serde::{Deserialize, Serialize};

/// The name of a metric: non-empty, without surrounding whitespace or control characters.
/// Round-trips through `FromStr`/`Display`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MetricName(String);

impl MetricName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Returned by `MetricName::from_str` for an empty name, one with surrounding whitespace or one
/// with a control character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid metric name {name:?}: it must be non-empty, without surrounding whitespace or control characters"
)]
pub struct ParseMetricNameError {
    /// The text refused.
    pub name: String,
}

impl std::str::FromStr for MetricName {
    type Err = ParseMetricNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.trim() != s || s.chars().any(char::is_control) {
            return Err(ParseMetricNameError { name: s.to_owned() });
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for MetricName {
    type Error = ParseMetricNameError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<MetricName> for String {
    fn from(name: MetricName) -> Self {
        name.0
    }
}

impl std::fmt::Display for MetricName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

/// Which side of the comparison a sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The version running before (or beside) the canary, the reference.
    Baseline,
    /// The version being judged.
    Canary,
}

/// Returned by `Group::from_str` for anything but `baseline` or `canary`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid group {group:?}: expected `baseline` or `canary`")]
pub struct ParseGroupError {
    /// The text refused.
    pub group: String,
}

impl std::str::FromStr for Group {
    type Err = ParseGroupError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "baseline" => Ok(Group::Baseline),
            "canary" => Ok(Group::Canary),
            _ => Err(ParseGroupError {
                group: s.to_owned(),
            }),
        }
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Group::Baseline => "baseline",
            Group::Canary => "canary",
        })
    }
}

/// The Rust snippets of `docs/canary.md`, compiled and run by `cargo test --doc` so the
/// document stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/canary.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_groups_round_trip() {
        let name: MetricName = "http.latency_p99".parse().expect("valid");
        assert_eq!(name.to_string().parse::<MetricName>(), Ok(name));
        assert!(" padded".parse::<MetricName>().is_err());
        assert!("".parse::<MetricName>().is_err());
        for g in [Group::Baseline, Group::Canary] {
            assert_eq!(g.to_string().parse::<Group>(), Ok(g));
        }
        assert!("Canary".parse::<Group>().is_err());
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Judgement>();
        check::<JudgeCanaryError>();
        check::<ParseMetricsError>();
        check::<FileSource>();
        check::<MetricName>();
    }
}
