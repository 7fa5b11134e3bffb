//! Risk models behind one trait, their explanations and their versioned JSON form.
//!
//! Every model maps a change's [`ChangeMetrics`] to a *margin* (log-odds of being
//! defect-inducing) and explains it additively: `margin = base + Σ contributions`. The
//! probability is `1 / (1 + e^-margin)`.
//!
//! | kind | type | needs data | explanation |
//! |---|---|---|---|
//! | `expert` | [`ExpertModel`] | no | weight × (log value − log reference) per metric |
//! | `logistic` | [`LogisticModel`] | yes | coefficient × standardised feature |
//! | `gbdt` | [`GbdtModel`] | yes | exact path-dependent TreeSHAP |
//! | `ensemble` | [`EnsembleModel`] | yes | weighted sum of the two above |
//!
//! # Saved form
//!
//! [`Model::to_json`] writes an object `{"schema_version": 1, "kind": "<kind>", ...}` whose other
//! fields are those of the model type (documented on each type); trained models carry their
//! `features` (names, checked against [`crate::features::FEATURE_NAMES`] on load).

mod ensemble;
mod expert;
mod gbdt;
mod logistic;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data::ChangeMetrics;

pub use ensemble::EnsembleModel;
pub use expert::{ExpertModel, ExpertWeight};
pub use gbdt::{GbdtModel, GbdtNode, GbdtOptions, GbdtTree};
pub use logistic::{LogisticModel, LogisticOptions};

/// The schema version written by [`Model::to_json`] and accepted by [`Model::from_json`].
pub const MODEL_SCHEMA_VERSION: u32 = 1;

/// The logistic function `1 / (1 + e^-x)`, numerically safe for large `|x|`.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// A scoring model: a margin and its additive explanation per change.
///
/// Implementors guarantee `explain(m).margin == margin(m)` (up to rounding) and
/// `explain(m).base + Σ explain(m).contributions == margin(m)`.
pub trait RiskModel {
    /// Which kind of model this is.
    fn kind(&self) -> ModelKind;

    /// The log-odds that the change is defect-inducing.
    fn margin(&self, metrics: &ChangeMetrics) -> f64;

    /// The probability and its explanation.
    fn explain(&self, metrics: &ChangeMetrics) -> Explanation;

    /// The probability that the change is defect-inducing, in `[0, 1]`.
    fn probability(&self, metrics: &ChangeMetrics) -> f64 {
        sigmoid(self.margin(metrics))
    }
}

/// The kinds of model relman-risk can train or build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ModelKind {
    /// Hand-set weights, no training ([`ExpertModel`]).
    Expert,
    /// L2-regularised logistic regression ([`LogisticModel`]).
    Logistic,
    /// Gradient-boosted decision trees ([`GbdtModel`]).
    Gbdt,
    /// Logit average of logistic regression and gradient boosting ([`EnsembleModel`]).
    Ensemble,
}

impl ModelKind {
    /// All kinds, in documentation order.
    pub const ALL: [ModelKind; 4] = [
        ModelKind::Expert,
        ModelKind::Logistic,
        ModelKind::Gbdt,
        ModelKind::Ensemble,
    ];

    /// The lowercase name (`"gbdt"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Expert => "expert",
            ModelKind::Logistic => "logistic",
            ModelKind::Gbdt => "gbdt",
            ModelKind::Ensemble => "ensemble",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Returned by [`ModelKind::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model kind `{found}` (expected expert, logistic, gbdt or ensemble)")]
pub struct ParseModelKindError {
    /// The rejected text.
    pub found: String,
}

impl FromStr for ModelKind {
    type Err = ParseModelKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ModelKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseModelKindError {
                found: s.to_owned(),
            })
    }
}

/// One feature's share of a margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The feature name (a metric such as `la`, or a ratio such as `la/lt`).
    pub feature: String,
    /// The feature's value for this change, untransformed (lines, days, counts, ratios).
    pub value: f64,
    /// Its additive share of the margin in log-odds; positive values raise the risk.
    pub contribution: f64,
}

/// `feature=value (+contribution)`: whole values without decimals, others with two; the
/// contribution signed with two decimals (`nf=3 (+0.42)`, `la/lt=0.25 (-0.10)`).
impl std::fmt::Display for Contribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.value;
        if v.fract() == 0.0 && v.abs() < 1e12 {
            write!(f, "{}={v:.0} ({:+.2})", self.feature, self.contribution)
        } else {
            write!(f, "{}={v:.2} ({:+.2})", self.feature, self.contribution)
        }
    }
}

/// A probability and why.
///
/// JSON shape: `{"probability": p, "margin": m, "base": b, "contributions": [{"feature",
/// "value", "contribution"}, ...]}` with contributions strongest (largest magnitude) first, ties
/// by feature name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Probability that the change is defect-inducing.
    pub probability: f64,
    /// The log-odds.
    pub margin: f64,
    /// The margin of a typical change (intercept or expected value) before any contribution.
    pub base: f64,
    /// Per-feature contributions, strongest first.
    pub contributions: Vec<Contribution>,
}

impl Explanation {
    /// Builds an explanation from a base and unsorted contributions; computes margin and
    /// probability and sorts the contributions (magnitude descending, then name).
    pub fn from_parts(base: f64, mut contributions: Vec<Contribution>) -> Self {
        let margin = base + contributions.iter().map(|c| c.contribution).sum::<f64>();
        contributions.sort_by(|a, b| {
            b.contribution
                .abs()
                .total_cmp(&a.contribution.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        Self {
            probability: sigmoid(margin),
            margin,
            base,
            contributions,
        }
    }

    /// The first `n` contributions.
    pub fn top(&self, n: usize) -> &[Contribution] {
        &self.contributions[..n.min(self.contributions.len())]
    }
}

/// Any model, as saved and loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Model {
    /// See [`ExpertModel`].
    Expert(ExpertModel),
    /// See [`LogisticModel`].
    Logistic(LogisticModel),
    /// See [`GbdtModel`].
    Gbdt(GbdtModel),
    /// See [`EnsembleModel`].
    Ensemble(EnsembleModel),
}

/// Returned by [`Model::from_json`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadModelError {
    /// The text is not JSON of the expected shape.
    #[error("invalid model json")]
    Json(#[source] serde_json::Error),
    /// The object has no `schema_version`.
    #[error("missing `schema_version`")]
    MissingSchemaVersion,
    /// The `schema_version` is not one this library reads.
    #[error("unsupported schema_version {found} (this library reads {supported})")]
    UnsupportedSchemaVersion {
        /// The version found.
        found: u64,
        /// The version supported.
        supported: u32,
    },
    /// The model was trained on other features than this library computes.
    #[error("model features {found:?} differ from this library's {expected:?}")]
    FeatureMismatch {
        /// This library's features.
        expected: Vec<String>,
        /// The model's features.
        found: Vec<String>,
    },
    /// The model's parameters are inconsistent.
    #[error("inconsistent model: {what}")]
    Inconsistent {
        /// What is wrong.
        what: &'static str,
    },
}

impl Model {
    /// The model as a [`RiskModel`] trait object.
    pub fn as_risk_model(&self) -> &dyn RiskModel {
        match self {
            Model::Expert(m) => m,
            Model::Logistic(m) => m,
            Model::Gbdt(m) => m,
            Model::Ensemble(m) => m,
        }
    }

    /// Serialises the model to JSON with its `schema_version` (object keys sorted). Expert and
    /// logistic models are pretty-printed for people to read and edit; tree models, which run
    /// to thousands of nodes, are written compactly on one line.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("models serialise to json");
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "schema_version".to_owned(),
                serde_json::Value::from(MODEL_SCHEMA_VERSION),
            );
        }
        let mut text = match self {
            Model::Expert(_) | Model::Logistic(_) => serde_json::to_string_pretty(&value),
            _ => serde_json::to_string(&value),
        }
        .expect("json values serialise");
        text.push('\n');
        text
    }

    /// Reads a model written by [`Model::to_json`] and checks it for consistency.
    ///
    /// # Errors
    ///
    /// [`LoadModelError`]: invalid JSON, a missing or unsupported `schema_version`, features that
    /// differ from this library's, or inconsistent parameters (lengths, tree links).
    pub fn from_json(text: &str) -> Result<Self, LoadModelError> {
        let mut value: serde_json::Value =
            serde_json::from_str(text).map_err(LoadModelError::Json)?;
        let version = value
            .get("schema_version")
            .ok_or(LoadModelError::MissingSchemaVersion)?
            .as_u64()
            .ok_or(LoadModelError::MissingSchemaVersion)?;
        if version != u64::from(MODEL_SCHEMA_VERSION) {
            return Err(LoadModelError::UnsupportedSchemaVersion {
                found: version,
                supported: MODEL_SCHEMA_VERSION,
            });
        }
        if let serde_json::Value::Object(map) = &mut value {
            map.remove("schema_version");
        }
        let model: Model = serde_json::from_value(value).map_err(LoadModelError::Json)?;
        model.validate()?;
        Ok(model)
    }

    fn validate(&self) -> Result<(), LoadModelError> {
        match self {
            Model::Expert(m) => m.validate(),
            Model::Logistic(m) => m.validate(),
            Model::Gbdt(m) => m.validate(),
            Model::Ensemble(m) => m.validate(),
        }
    }
}

impl RiskModel for Model {
    fn kind(&self) -> ModelKind {
        self.as_risk_model().kind()
    }

    fn margin(&self, metrics: &ChangeMetrics) -> f64 {
        self.as_risk_model().margin(metrics)
    }

    fn explain(&self, metrics: &ChangeMetrics) -> Explanation {
        self.as_risk_model().explain(metrics)
    }
}

pub(crate) fn check_features(found: &[String]) -> Result<(), LoadModelError> {
    let expected = crate::features::feature_names();
    if found != expected.as_slice() {
        return Err(LoadModelError::FeatureMismatch {
            expected,
            found: found.to_vec(),
        });
    }
    Ok(())
}

/// Raw (untransformed) values of the derived features, shown in explanations.
pub(crate) fn raw_values(metrics: &ChangeMetrics) -> [f64; crate::features::FEATURE_COUNT] {
    use crate::data::Metric;
    let mut out = [0.0; crate::features::FEATURE_COUNT];
    for metric in Metric::ALL {
        out[metric.index()] = metrics.get(metric);
    }
    let la = metrics.get(Metric::La);
    let ld = metrics.get(Metric::Ld);
    let lt = metrics.get(Metric::Lt).max(1.0);
    let nf = metrics.get(Metric::Nf).max(1.0);
    out[14] = la / lt;
    out[15] = ld / lt;
    out[16] = la / nf;
    out[17] = metrics.get(Metric::Lt) / nf;
    out
}

/// Per-row training weights: class balancing times recency decay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Weighting {
    /// Weight the classes so that each carries half the total weight (then the intercept is
    /// corrected back to the data's base rate, so probabilities stay calibrated).
    pub balance: ClassBalance,
    /// Half-life of a training row's weight as a fraction of the training time span: a row this
    /// much older than the newest training row counts half. `None` weights all rows alike.
    pub recency_half_life: Option<f64>,
}

impl Default for Weighting {
    fn default() -> Self {
        Self {
            balance: ClassBalance::Balanced,
            recency_half_life: Some(0.5),
        }
    }
}

/// Whether training re-weights the classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassBalance {
    /// Each class carries half the total weight.
    Balanced,
    /// Rows keep their weight.
    None,
}

/// The training weights of `rows` (dates and labels) and the log-odds shift the class balancing
/// introduced (subtract it from a trained margin to undo the balancing).
pub(crate) fn training_weights(
    dates: &[i64],
    labels: &[bool],
    weighting: &Weighting,
) -> (Vec<f64>, f64) {
    let n = labels.len();
    let mut w = vec![1.0; n];
    if let (Some(h), Some(&max), Some(&min)) = (
        weighting.recency_half_life,
        dates.iter().max(),
        dates.iter().min(),
    ) {
        let span = (max - min).max(1) as f64;
        if h > 0.0 {
            for (wi, &d) in w.iter_mut().zip(dates) {
                let age = (max - d) as f64 / span;
                *wi = 0.5f64.powf(age / h);
            }
        }
    }
    let pos: f64 = w
        .iter()
        .zip(labels)
        .filter(|(_, y)| **y)
        .map(|(w, _)| w)
        .sum();
    let neg: f64 = w
        .iter()
        .zip(labels)
        .filter(|(_, y)| !**y)
        .map(|(w, _)| w)
        .sum();
    let mut shift = 0.0;
    if weighting.balance == ClassBalance::Balanced && pos > 0.0 && neg > 0.0 {
        let total = pos + neg;
        let wp = total / (2.0 * pos);
        let wn = total / (2.0 * neg);
        for (wi, y) in w.iter_mut().zip(labels) {
            *wi *= if *y { wp } else { wn };
        }
        shift = (wp / wn).ln();
    }
    // Normalise to mean 1 so regularisation strength does not depend on the data size.
    let sum: f64 = w.iter().sum();
    if sum > 0.0 {
        let scale = n as f64 / sum;
        for wi in &mut w {
            *wi *= scale;
        }
    }
    (w, shift)
}

#[cfg(test)]
mod display_tests {
    use super::Contribution;

    #[test]
    fn contribution_display_trims_whole_values() {
        let c = |feature: &str, value, contribution| Contribution {
            feature: feature.to_owned(),
            value,
            contribution,
        };
        assert_eq!(c("nf", 3.0, 0.4213).to_string(), "nf=3 (+0.42)");
        assert_eq!(c("la/lt", 0.25, -0.1).to_string(), "la/lt=0.25 (-0.10)");
        assert_eq!(
            c("lt", 1e13, 0.0).to_string(),
            "lt=10000000000000.00 (+0.00)"
        );
    }
}
