//! The expert model: transparent, user-set weights, no training data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::{ChangeMetrics, Metric};
use crate::model::{Contribution, Explanation, LoadModelError, ModelKind, RiskModel};

/// The weight of one metric in an [`ExpertModel`].
///
/// The metric contributes `weight × (ln(1 + value) − ln(1 + reference))` log-odds: a change at
/// the reference value contributes nothing, each doubling of `1 + value` above it adds
/// `weight × 0.69`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExpertWeight {
    /// Log-odds per unit of `ln(1 + value)`; negative weights lower the risk.
    pub weight: f64,
    /// The value of a typical change.
    pub reference: f64,
}

/// A model whose weights a person sets (or keeps at the documented defaults).
///
/// `margin = bias + Σ weight × (ln(1 + value) − ln(1 + reference))`.
///
/// Defaults (from the direction and rough strength of each metric's effect reported by Kamei et
/// al. 2013 and later JIT studies; the bias gives a typical change a 20 % risk):
///
/// | metric | weight | reference | why |
/// |---|---|---|---|
/// | la | 0.40 | 20 | more new code, more defects (strongest single predictor) |
/// | ld | 0.05 | 5 | deletions are mostly harmless |
/// | lt | 0.10 | 500 | large files are harder to change safely |
/// | nf | 0.25 | 2 | scattered changes are riskier |
/// | nd | 0.10 | 1 | so are changes across directories |
/// | ns | 0.20 | 1 | and across subsystems |
/// | entropy | 0.30 | 0.5 | spread-out edits |
/// | fix | 0.40 | 0 | fixes often introduce new defects |
/// | ndev | 0.10 | 10 | many past hands on the files |
/// | nuc | 0.05 | 20 | frequently changed files |
/// | age | −0.10 | 30 | recently touched code is less stable |
/// | exp | −0.05 | 100 | experienced authors err less |
/// | rexp | 0 | 10 | (captured by exp) |
/// | sexp | −0.05 | 50 | as do subsystem experts |
///
/// JSON shape: `{"bias": b, "weights": {"la": {"weight": w, "reference": r}, ...}}`; metrics
/// absent from `weights` contribute nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpertModel {
    /// The margin of a change at every reference value.
    pub bias: f64,
    /// Per-metric weights.
    pub weights: BTreeMap<Metric, ExpertWeight>,
}

impl Default for ExpertModel {
    fn default() -> Self {
        let table: [(Metric, f64, f64); 14] = [
            (Metric::La, 0.40, 20.0),
            (Metric::Ld, 0.05, 5.0),
            (Metric::Lt, 0.10, 500.0),
            (Metric::Nf, 0.25, 2.0),
            (Metric::Nd, 0.10, 1.0),
            (Metric::Ns, 0.20, 1.0),
            (Metric::Entropy, 0.30, 0.5),
            (Metric::Fix, 0.40, 0.0),
            (Metric::Ndev, 0.10, 10.0),
            (Metric::Nuc, 0.05, 20.0),
            (Metric::Age, -0.10, 30.0),
            (Metric::Exp, -0.05, 100.0),
            (Metric::Rexp, 0.0, 10.0),
            (Metric::Sexp, -0.05, 50.0),
        ];
        Self {
            bias: (0.2f64 / 0.8).ln(),
            weights: table
                .into_iter()
                .map(|(m, weight, reference)| (m, ExpertWeight { weight, reference }))
                .collect(),
        }
    }
}

impl ExpertModel {
    /// A model with the given bias and weights.
    pub fn new(bias: f64, weights: BTreeMap<Metric, ExpertWeight>) -> Self {
        Self { bias, weights }
    }

    /// Sets (or replaces) the weight of one metric.
    pub fn set_weight(&mut self, metric: Metric, weight: ExpertWeight) -> &mut Self {
        self.weights.insert(metric, weight);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), LoadModelError> {
        let finite = self.bias.is_finite()
            && self
                .weights
                .values()
                .all(|w| w.weight.is_finite() && w.reference.is_finite() && w.reference >= 0.0);
        if finite {
            Ok(())
        } else {
            Err(LoadModelError::Inconsistent {
                what: "expert weights must be finite and references non-negative",
            })
        }
    }

    fn contributions(&self, metrics: &ChangeMetrics) -> Vec<Contribution> {
        self.weights
            .iter()
            .map(|(metric, w)| {
                let value = metrics.get(*metric);
                let x = value.max(0.0).ln_1p();
                let contribution = w.weight * (x - w.reference.ln_1p());
                Contribution {
                    feature: metric.as_str().to_owned(),
                    value,
                    contribution: if contribution.is_finite() {
                        contribution
                    } else {
                        0.0
                    },
                }
            })
            .collect()
    }
}

impl RiskModel for ExpertModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Expert
    }

    fn margin(&self, metrics: &ChangeMetrics) -> f64 {
        self.bias
            + self
                .contributions(metrics)
                .iter()
                .map(|c| c.contribution)
                .sum::<f64>()
    }

    fn explain(&self, metrics: &ChangeMetrics) -> Explanation {
        Explanation::from_parts(self.bias, self.contributions(metrics))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_change_scores_the_bias() {
        let model = ExpertModel::default();
        let mut m = ChangeMetrics::default();
        for (metric, w) in &model.weights {
            m.set(*metric, w.reference);
        }
        let e = model.explain(&m);
        assert!((e.probability - 0.2).abs() < 1e-12);
        assert!(e.contributions.iter().all(|c| c.contribution.abs() < 1e-12));
    }

    #[test]
    fn larger_change_is_riskier_and_la_leads() {
        let model = ExpertModel::default();
        let mut small = ChangeMetrics::default();
        small.set(Metric::La, 5.0);
        small.set(Metric::Nf, 1.0);
        let mut big = small;
        big.set(Metric::La, 2000.0);
        assert!(model.probability(&big) > model.probability(&small));
        let e = model.explain(&big);
        assert_eq!(e.contributions[0].feature, "la");
        assert_eq!(e.contributions[0].value, 2000.0);
    }

    #[test]
    fn user_weights_change_the_score() {
        let mut model = ExpertModel::default();
        let mut m = ChangeMetrics::default();
        m.set(Metric::Fix, 1.0);
        let before = model.margin(&m);
        model.set_weight(
            Metric::Fix,
            ExpertWeight {
                weight: 2.0,
                reference: 0.0,
            },
        );
        let after = model.margin(&m);
        assert!((after - before - (2.0 - 0.4) * 2f64.ln()).abs() < 1e-12);
    }
}
