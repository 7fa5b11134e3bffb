//! A logit average of logistic regression and gradient boosting.

use serde::{Deserialize, Serialize};

use crate::data::ChangeMetrics;
use crate::model::{
    Contribution, Explanation, GbdtModel, LoadModelError, LogisticModel, ModelKind, RiskModel,
};

/// `margin = w × logistic + (1 − w) × gbdt`: the linear model extrapolates smoothly, the trees
/// capture thresholds and interactions; averaging their log-odds is more robust across
/// projects than either alone. Contributions are the same weighted sums per feature, so they
/// still add up to the margin.
///
/// JSON shape: `{"logistic_weight": w, "logistic": {...}, "gbdt": {...}}` (the members' shapes
/// without `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleModel {
    /// Weight `w` of the logistic member, in `[0, 1]`.
    pub logistic_weight: f64,
    /// The logistic member.
    pub logistic: LogisticModel,
    /// The boosted-trees member.
    pub gbdt: GbdtModel,
}

impl EnsembleModel {
    pub(crate) fn validate(&self) -> Result<(), LoadModelError> {
        if !(0.0..=1.0).contains(&self.logistic_weight) {
            return Err(LoadModelError::Inconsistent {
                what: "ensemble logistic_weight must lie in [0, 1]",
            });
        }
        self.logistic.validate()?;
        self.gbdt.validate()
    }
}

impl RiskModel for EnsembleModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Ensemble
    }

    fn margin(&self, metrics: &ChangeMetrics) -> f64 {
        let w = self.logistic_weight;
        w * self.logistic.margin(metrics) + (1.0 - w) * self.gbdt.margin(metrics)
    }

    fn explain(&self, metrics: &ChangeMetrics) -> Explanation {
        let w = self.logistic_weight;
        let a = self.logistic.explain(metrics);
        let b = self.gbdt.explain(metrics);
        let mut contributions: Vec<Contribution> = a
            .contributions
            .iter()
            .map(|c| Contribution {
                contribution: w * c.contribution,
                ..c.clone()
            })
            .collect();
        for c in &b.contributions {
            match contributions.iter_mut().find(|x| x.feature == c.feature) {
                Some(x) => x.contribution += (1.0 - w) * c.contribution,
                None => contributions.push(Contribution {
                    contribution: (1.0 - w) * c.contribution,
                    ..c.clone()
                }),
            }
        }
        Explanation::from_parts(w * a.base + (1.0 - w) * b.base, contributions)
    }
}
