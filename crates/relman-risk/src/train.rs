//! Training any model kind from labelled rows.

use serde::{Deserialize, Serialize};

use crate::data::ChangeRow;
use crate::eval::roc_auc;
use crate::features::{FEATURE_COUNT, features};
use crate::model::{
    EnsembleModel, ExpertModel, GbdtModel, GbdtOptions, LogisticModel, LogisticOptions, Model,
    ModelKind,
};

/// What to train and how. `TrainOptions::new(kind)` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrainOptions {
    /// The model kind.
    pub kind: ModelKind,
    /// Seed of every random choice (tree subsampling); same seed and rows, same model.
    pub seed: u64,
    /// Logistic regression settings (also the ensemble's logistic member).
    pub logistic: LogisticOptions,
    /// Boosting settings (also the ensemble's trees); `trees` is the maximum when early
    /// stopping is on.
    pub gbdt: GbdtOptions,
    /// Weight of the logistic member in an ensemble.
    pub ensemble_logistic_weight: f64,
    /// Fraction of the (time-ordered) training rows held out, newest last, to choose the
    /// number of trees by validation ROC AUC before refitting on all rows; `None` uses
    /// `gbdt.trees` as is.
    pub early_stopping: Option<f64>,
}

impl TrainOptions {
    /// Defaults for `kind`.
    pub fn new(kind: ModelKind) -> Self {
        Self {
            kind,
            seed: 42,
            logistic: LogisticOptions::default(),
            gbdt: GbdtOptions::default(),
            ensemble_logistic_weight: 0.5,
            early_stopping: Some(0.2),
        }
    }

    /// Sets the seed.
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self::new(ModelKind::Ensemble)
    }
}

/// Returned by [`train`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// No rows to learn from.
    #[error("no training rows")]
    NoRows,
    /// A row has no label.
    #[error("training row `{commit}` has no label")]
    Unlabelled {
        /// The row's commit.
        commit: String,
    },
    /// All rows carry the same label.
    #[error("training rows hold {positives} defect-inducing and {negatives} clean changes")]
    SingleClass {
        /// Defect-inducing rows.
        positives: usize,
        /// Clean rows.
        negatives: usize,
    },
}

/// Trains a model of `options.kind` on labelled rows (any order; they are sorted by date).
/// The expert kind needs no data and returns [`ExpertModel::default`] whatever the rows.
///
/// Deterministic: the same rows and options give the same model.
///
/// # Errors
///
/// [`TrainError`]: no rows, an unlabelled row, or a single class (trained kinds only).
pub fn train(rows: &[ChangeRow], options: &TrainOptions) -> Result<Model, TrainError> {
    if options.kind == ModelKind::Expert {
        return Ok(Model::Expert(ExpertModel::default()));
    }
    if rows.is_empty() {
        return Err(TrainError::NoRows);
    }
    let mut sorted: Vec<&ChangeRow> = rows.iter().collect();
    sorted.sort_by_key(|r| r.date);
    let y: Vec<bool> = sorted
        .iter()
        .map(|r| {
            r.label
                .map(|l| l.is_buggy())
                .ok_or_else(|| TrainError::Unlabelled {
                    commit: r.commit.clone(),
                })
        })
        .collect::<Result<_, _>>()?;
    let positives = y.iter().filter(|v| **v).count();
    if positives == 0 || positives == y.len() {
        return Err(TrainError::SingleClass {
            positives,
            negatives: y.len() - positives,
        });
    }
    let x: Vec<[f64; FEATURE_COUNT]> = sorted.iter().map(|r| features(&r.metrics)).collect();
    let dates: Vec<i64> = sorted.iter().map(|r| r.date).collect();
    let mut gbdt_options = options.gbdt;
    gbdt_options.seed = options.seed;
    let fit_gbdt = || {
        let mut o = gbdt_options;
        if let Some(trees) = options
            .early_stopping
            .and_then(|f| choose_tree_count(&x, &y, &dates, &gbdt_options, f))
        {
            o.trees = trees;
        }
        GbdtModel::fit_with(&x, &y, &dates, &o, |_| true)
    };
    Ok(match options.kind {
        ModelKind::Logistic => {
            Model::Logistic(LogisticModel::fit(&x, &y, &dates, &options.logistic))
        }
        ModelKind::Gbdt => Model::Gbdt(fit_gbdt()),
        _ => Model::Ensemble(EnsembleModel {
            logistic_weight: options.ensemble_logistic_weight.clamp(0.0, 1.0),
            logistic: LogisticModel::fit(&x, &y, &dates, &options.logistic),
            gbdt: fit_gbdt(),
        }),
    })
}

/// Picks the number of trees by ROC AUC on the newest `fraction` of the (date-sorted) rows,
/// scaled up by the share of rows the final fit sees. `None` when the split leaves a class out.
fn choose_tree_count(
    x: &[[f64; FEATURE_COUNT]],
    y: &[bool],
    dates: &[i64],
    options: &GbdtOptions,
    fraction: f64,
) -> Option<usize> {
    let cut = ((x.len() as f64) * (1.0 - fraction.clamp(0.0, 0.9))).floor() as usize;
    let (fit_y, val_y) = y.split_at(cut);
    let has_both = |s: &[bool]| s.iter().any(|v| *v) && s.iter().any(|v| !*v);
    if cut == 0 || !has_both(fit_y) || !has_both(val_y) {
        return None;
    }
    let (fit_x, val_x) = x.split_at(cut);
    let mut val_margin = vec![0.0; val_x.len()];
    let mut best = (f64::NEG_INFINITY, 0usize);
    let mut count = 0usize;
    let patience = 100;
    GbdtModel::fit_with(fit_x, fit_y, &dates[..cut], options, |model| {
        count += 1;
        for (m, row) in val_margin.iter_mut().zip(val_x) {
            *m += model.last_tree_output(row);
        }
        let auc = roc_auc(&val_margin, val_y).unwrap_or(0.5);
        if auc > best.0 + 1e-6 {
            best = (auc, count);
        }
        count - best.1 < patience
    });
    let scaled = (best.1 as f64 / (1.0 - fraction.clamp(0.0, 0.9))).round() as usize;
    Some(scaled.clamp(1, options.trees.max(1)))
}
