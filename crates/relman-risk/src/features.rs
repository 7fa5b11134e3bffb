//! Model features derived from the 14 change metrics.
//!
//! The trained models do not see raw metrics but this fixed feature vector (its names are stored
//! in every saved model and checked on load):
//!
//! | feature | definition |
//! |---|---|
//! | `ns` … `sexp` (13) | `ln(1 + x)` of each count-like metric (all but `fix`) |
//! | `fix` | 0 or 1 |
//! | `la/lt` | `ln(1 + la / max(lt, 1))`: share of the touched code that is new |
//! | `ld/lt` | `ln(1 + ld / max(lt, 1))`: share of the touched code that is deleted |
//! | `la/nf` | `ln(1 + la / max(nf, 1))`: lines added per file |
//! | `lt/nf` | `ln(1 + lt / max(nf, 1))`: size of the touched files |
//!
//! `ln(1 + x)` tames the heavy right tails of these metrics (Kamei et al. 2013 log-transform
//! them too); the ratios are the relative-churn measures of Nagappan and Ball (2005), known to
//! predict defects better than absolute churn.

use crate::data::{ChangeMetrics, Metric};

/// Number of derived features.
pub const FEATURE_COUNT: usize = 18;

/// Names of the derived features, in vector order.
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "ns", "nd", "nf", "entropy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp", "rexp",
    "sexp", "la/lt", "ld/lt", "la/nf", "lt/nf",
];

/// A feature of [`FEATURE_NAMES`] and its untransformed `value` in words for people, with its
/// name: `adds 1,240 lines (la)`, `adds 25 % of the lines of the files it touches (la/lt)`.
/// An unknown name is shown as `name = value`.
///
/// ```
/// use relman_risk::features::describe_feature;
///
/// assert_eq!(describe_feature("la/lt", 0.25), "adds 25 % of the lines of the files it touches (la/lt)");
/// assert_eq!(describe_feature("exp", 3.0), "author has 3 prior commits (exp)");
/// ```
pub fn describe_feature(feature: &str, value: f64) -> String {
    if let Some(metric) = Metric::from_name(feature) {
        return metric.describe(value);
    }
    let words = match feature {
        "la/lt" => format!(
            "adds {:.0} % of the lines of the files it touches",
            value * 100.0
        ),
        "ld/lt" => format!(
            "deletes {:.0} % of the lines of the files it touches",
            value * 100.0
        ),
        "la/nf" => format!("adds {value:.0} lines per file"),
        "lt/nf" => format!("touches files of {value:.0} lines on average"),
        _ => return format!("{feature} = {value:.2}"),
    };
    format!("{words} ({feature})")
}

/// The derived feature vector of one change (see the [module docs](self)).
pub fn features(metrics: &ChangeMetrics) -> [f64; FEATURE_COUNT] {
    let mut out = [0.0; FEATURE_COUNT];
    for metric in Metric::ALL {
        let v = metrics.get(metric).max(0.0);
        out[metric.index()] = if metric == Metric::Fix {
            if v > 0.0 { 1.0 } else { 0.0 }
        } else {
            v.ln_1p()
        };
    }
    let la = metrics.get(Metric::La).max(0.0);
    let ld = metrics.get(Metric::Ld).max(0.0);
    let lt = metrics.get(Metric::Lt).max(0.0);
    let nf = metrics.get(Metric::Nf).max(0.0);
    out[14] = (la / lt.max(1.0)).ln_1p();
    out[15] = (ld / lt.max(1.0)).ln_1p();
    out[16] = (la / nf.max(1.0)).ln_1p();
    out[17] = (lt / nf.max(1.0)).ln_1p();
    // Non-finite input (never produced by the parser) must not poison a model.
    for v in &mut out {
        if !v.is_finite() {
            *v = 0.0;
        }
    }
    out
}

/// The feature names as owned strings (stored in saved models).
pub fn feature_names() -> Vec<String> {
    FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_ratio_features() {
        let mut m = ChangeMetrics::default();
        m.set(Metric::La, 9.0);
        m.set(Metric::Lt, 3.0);
        m.set(Metric::Nf, 3.0);
        m.set(Metric::Fix, 1.0);
        let f = features(&m);
        assert!((f[4] - 10f64.ln()).abs() < 1e-12);
        assert_eq!(f[7], 1.0);
        assert!((f[14] - 4f64.ln()).abs() < 1e-12);
        assert!((f[16] - 4f64.ln()).abs() < 1e-12);
        assert!((f[17] - 2f64.ln()).abs() < 1e-12);
        assert_eq!(f[15], 0.0);
    }

    #[test]
    fn zero_lt_does_not_divide_by_zero() {
        let mut m = ChangeMetrics::default();
        m.set(Metric::La, 5.0);
        let f = features(&m);
        assert!(f.iter().all(|v| v.is_finite()));
        assert!((f[14] - 6f64.ln()).abs() < 1e-12);
    }
}
