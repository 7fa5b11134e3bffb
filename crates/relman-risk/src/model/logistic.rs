//! L2-regularised logistic regression trained by Newton's method (IRLS).

use serde::{Deserialize, Serialize};

use crate::data::ChangeMetrics;
use crate::features::{FEATURE_COUNT, FEATURE_NAMES, feature_names, features};
use crate::model::{
    Contribution, Explanation, LoadModelError, ModelKind, RiskModel, Weighting, check_features,
    raw_values,
};

/// Settings of [`LogisticModel::fit`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogisticOptions {
    /// L2 penalty on the standardised coefficients (not the intercept), relative to the
    /// (mean-1 weighted) number of rows: `λ · n / 2 · ‖β‖²`.
    pub l2: f64,
    /// Row weighting (class balance, recency).
    pub weighting: Weighting,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            l2: 1e-3,
            weighting: Weighting::default(),
        }
    }
}

/// A logistic regression over the standardised [derived features](crate::features).
///
/// `margin = intercept + Σ coefficients[j] × (x[j] − mean[j]) / scale[j]`; each term is that
/// feature's contribution (relative to the training mean).
///
/// JSON shape: `{"features": [...], "mean": [...], "scale": [...], "coefficients": [...],
/// "intercept": b}` (arrays in feature order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Feature names, in order.
    pub features: Vec<String>,
    /// Training mean of each feature.
    pub mean: Vec<f64>,
    /// Training standard deviation of each feature (1 where it was 0).
    pub scale: Vec<f64>,
    /// Coefficient of each standardised feature.
    pub coefficients: Vec<f64>,
    /// The intercept (margin of a change at the training means).
    pub intercept: f64,
}

impl LogisticModel {
    /// Fits the model on feature rows `x`, labels `y` (true = defect-inducing) and dates.
    ///
    /// Deterministic: Newton's method on the full data from a zero start, at most 100 steps,
    /// with step halving whenever the penalised loss would rise. The class balancing shift is
    /// removed from the intercept afterwards, so probabilities estimate the real base rate.
    /// The caller guarantees equal, non-zero lengths.
    pub(crate) fn fit(
        x: &[[f64; FEATURE_COUNT]],
        y: &[bool],
        dates: &[i64],
        options: &LogisticOptions,
    ) -> Self {
        let n = x.len();
        let (w, shift) = super::training_weights(dates, y, &options.weighting);
        let wsum: f64 = w.iter().sum();
        let mut mean = vec![0.0; FEATURE_COUNT];
        let mut scale = vec![0.0; FEATURE_COUNT];
        for (row, wi) in x.iter().zip(&w) {
            for j in 0..FEATURE_COUNT {
                mean[j] += wi * row[j];
            }
        }
        for m in &mut mean {
            *m /= wsum;
        }
        for (row, wi) in x.iter().zip(&w) {
            for j in 0..FEATURE_COUNT {
                scale[j] += wi * (row[j] - mean[j]).powi(2);
            }
        }
        for s in &mut scale {
            *s = (*s / wsum).sqrt();
            if s.is_nan() || *s <= 1e-12 {
                *s = 1.0;
            }
        }
        let d = FEATURE_COUNT + 1;
        let z: Vec<[f64; FEATURE_COUNT + 1]> = x
            .iter()
            .map(|row| {
                let mut out = [0.0; FEATURE_COUNT + 1];
                out[0] = 1.0;
                for j in 0..FEATURE_COUNT {
                    out[j + 1] = (row[j] - mean[j]) / scale[j];
                }
                out
            })
            .collect();
        let lambda = options.l2.max(0.0) * n as f64;
        let loss = |beta: &[f64]| -> f64 {
            let mut l = 0.0;
            for ((zi, yi), wi) in z.iter().zip(y).zip(&w) {
                let m: f64 = zi.iter().zip(beta).map(|(a, b)| a * b).sum();
                // log(1 + e^m) - y m, stable
                let sp = if m > 0.0 {
                    m + (-m).exp().ln_1p()
                } else {
                    m.exp().ln_1p()
                };
                l += wi * (sp - if *yi { m } else { 0.0 });
            }
            l + 0.5 * lambda * beta[1..].iter().map(|b| b * b).sum::<f64>()
        };
        let mut beta = vec![0.0; d];
        let mut current = loss(&beta);
        for _ in 0..100 {
            let mut grad = vec![0.0; d];
            let mut hess = vec![0.0; d * d];
            for ((zi, yi), wi) in z.iter().zip(y).zip(&w) {
                let m: f64 = zi.iter().zip(&beta).map(|(a, b)| a * b).sum();
                let p = super::sigmoid(m);
                let g = wi * (p - if *yi { 1.0 } else { 0.0 });
                let h = (wi * p * (1.0 - p)).max(1e-12);
                for a in 0..d {
                    grad[a] += g * zi[a];
                    let hz = h * zi[a];
                    for b in 0..=a {
                        hess[a * d + b] += hz * zi[b];
                    }
                }
            }
            for a in 0..d {
                for b in 0..a {
                    hess[b * d + a] = hess[a * d + b];
                }
            }
            for a in 1..d {
                grad[a] += lambda * beta[a];
                hess[a * d + a] += lambda;
            }
            hess[0] += 1e-9;
            let Some(step) = solve_spd(&hess, &grad, d) else {
                break;
            };
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..30 {
                let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
                let l = loss(&candidate);
                if l <= current + 1e-12 {
                    beta = candidate;
                    current = l;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            let size = step.iter().map(|s| (t * s).abs()).fold(0.0, f64::max);
            if !accepted || size < 1e-9 {
                break;
            }
        }
        Self {
            features: feature_names(),
            mean,
            scale,
            coefficients: beta[1..].to_vec(),
            intercept: beta[0] - shift,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), LoadModelError> {
        check_features(&self.features)?;
        let lengths = self.mean.len() == FEATURE_COUNT
            && self.scale.len() == FEATURE_COUNT
            && self.coefficients.len() == FEATURE_COUNT;
        if !lengths {
            return Err(LoadModelError::Inconsistent {
                what: "logistic arrays must have one entry per feature",
            });
        }
        let finite = self.intercept.is_finite()
            && self
                .mean
                .iter()
                .chain(&self.coefficients)
                .all(|v| v.is_finite())
            && self.scale.iter().all(|s| s.is_finite() && *s > 0.0);
        if !finite {
            return Err(LoadModelError::Inconsistent {
                what: "logistic parameters must be finite with positive scales",
            });
        }
        Ok(())
    }

    fn terms(&self, metrics: &ChangeMetrics) -> [f64; FEATURE_COUNT] {
        let x = features(metrics);
        let mut out = [0.0; FEATURE_COUNT];
        for j in 0..FEATURE_COUNT {
            out[j] = self.coefficients[j] * (x[j] - self.mean[j]) / self.scale[j];
        }
        out
    }
}

impl RiskModel for LogisticModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Logistic
    }

    fn margin(&self, metrics: &ChangeMetrics) -> f64 {
        self.intercept + self.terms(metrics).iter().sum::<f64>()
    }

    fn explain(&self, metrics: &ChangeMetrics) -> Explanation {
        let raw = raw_values(metrics);
        let contributions = self
            .terms(metrics)
            .iter()
            .enumerate()
            .map(|(j, c)| Contribution {
                feature: FEATURE_NAMES[j].to_owned(),
                value: raw[j],
                contribution: *c,
            })
            .collect();
        Explanation::from_parts(self.intercept, contributions)
    }
}

/// Solves `A x = b` for a symmetric positive definite `A` (row-major `d × d`) by Cholesky.
fn solve_spd(a: &[f64], b: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    let mut y = vec![0.0; d];
    for i in 0..d {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * d + k] * y[k];
        }
        y[i] = s / l[i * d + i];
    }
    let mut x = vec![0.0; d];
    for i in (0..d).rev() {
        let mut s = y[i];
        for k in i + 1..d {
            s -= l[k * d + i] * x[k];
        }
        x[i] = s / l[i * d + i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = solve_spd(&a, &[2.0, 1.0], 2).expect("spd");
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
        assert!(solve_spd(&[0.0, 0.0, 0.0, 0.0], &[1.0, 1.0], 2).is_none());
    }

    #[test]
    fn learns_the_direction_of_a_separating_feature() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let mut row = [0.0; FEATURE_COUNT];
            row[4] = (i % 20) as f64;
            row[0] = ((i * 7) % 5) as f64;
            x.push(row);
            y.push(i % 20 >= 12 || i % 37 == 0);
        }
        let dates: Vec<i64> = (0..200).collect();
        let options = LogisticOptions::default();
        let model = LogisticModel::fit(&x, &y, &dates, &options);
        assert!(model.coefficients[4] > 1.0, "{:?}", model.coefficients);
        assert!(model.coefficients[0].abs() < model.coefficients[4]);
        let again = LogisticModel::fit(&x, &y, &dates, &options);
        assert_eq!(model, again);
    }
}
