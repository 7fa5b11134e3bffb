//! Change- and release-risk scoring.
//!
//! `relman-risk` computes just-in-time change metrics (Kamei et al. 2013) from a stream of
//! [`relman_model`] changes, scores changes with explainable models (expert weights, trained
//! learners), measures them (ROC AUC and friends) and aggregates release risk and a risk register.
//!
//! It is not a git reader: metrics are computed from model values handed to it, and data sets
//! are read from any [`std::io::Read`].
//!
//! # Map
//!
//! - [`data`]: the shared CSV schema ([`read_csv`], [`ChangeRow`], [`ChangeMetrics`], [`Metric`]).
//! - [`history`]: the 14 change metrics computed incrementally from [`relman_model::Change`]s
//!   ([`MetricsTracker`]).
//! - [`features`]: the derived feature vector the trained models see.
//! - [`model`]: the [`RiskModel`] trait, [`Explanation`], the model kinds and their versioned
//!   JSON ([`Model::to_json`], [`Model::from_json`]).
//! - [`train()`]: trains any kind ([`TrainOptions`]).
//! - [`range`]: a revision range of a history scored and labelled ([`range_metrics`],
//!   [`score_newest`], [`fix_commits`], [`label_changes`]).
//! - [`release`]: release risk ([`assess_release`]) and the [`RiskRegister`].
//! - [`eval`]: [`roc_auc`], [`average_precision`], [`threshold_metrics`], [`recall_at_effort`],
//!   [`time_split`] and the time-ordered [`evaluate`].
//!
//! # Example
//!
//! ```
//! use relman_risk::{ModelKind, RiskModel, TrainOptions, parse_csv, train};
//!
//! let text = "commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug\n\
//!             a,1,1,1,1,0.0,2,1,100,0,3,10.0,4,50,5.0,10,0\n\
//!             b,2,2,4,9,2.1,900,40,5000,1,20,2.0,60,3,0.5,1,1\n\
//!             c,3,1,1,2,0.9,10,3,300,0,5,30.0,8,80,9.0,20,0\n\
//!             d,4,3,5,12,2.9,1500,90,9000,1,25,1.0,90,2,0.2,1,1\n";
//! let rows = parse_csv(text)?;
//! let model = train(&rows, &TrainOptions::new(ModelKind::Logistic))?;
//! let why = model.explain(&rows[1].metrics);
//! assert!(why.probability > model.probability(&rows[0].metrics));
//! println!("{:.2} because of {}", why.probability, why.contributions[0].feature);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! No cargo features.
#![forbid(unsafe_code)]

pub mod data;
pub mod eval;
pub mod features;
pub mod history;
pub mod model;
pub mod range;
pub mod release;
mod train;

pub use data::{
    ChangeMetrics, ChangeRow, FieldKind, Label, Metric, ReadDatasetError, parse_csv, read_csv,
    write_csv,
};
pub use eval::{
    ComputeMetricError, EvaluateError, EvaluationReport, ThresholdMetrics, average_precision,
    evaluate, recall_at_effort, roc_auc, threshold_metrics, time_split,
};
pub use history::{
    HistoryMetricsError, KEPT_METRICS, MetricsTracker, ObserveChangeError, compute_metrics,
    history_metrics, metrics_of,
};
pub use model::{
    ClassBalance, Contribution, EnsembleModel, ExpertModel, ExpertWeight, Explanation, GbdtModel,
    GbdtNode, GbdtOptions, GbdtTree, LoadModelError, LogisticModel, LogisticOptions, Model,
    ModelKind, ParseModelKindError, RiskModel, Weighting, sigmoid,
};
pub use range::{
    RangeMetricsError, ScoredChange, count_buggy, fix_commits, label_changes, newest_metrics,
    range_metrics, score_newest,
};
pub use release::{
    AddRiskError, FreezeProximity, Mitigation, Reason, ReleaseFactor, ReleaseFactors, ReleaseRisk,
    RiskRegister, assess_release,
};
pub use train::{TrainError, TrainOptions, train};

/// The model shipped with relman (`models/default.json`): the default learner trained on the
/// shared openstack and qt data sets. Rebuild it with the command in `docs/risk.md`.
pub fn default_model() -> Model {
    Model::from_json(include_str!("../models/default.json"))
        .expect("the shipped default model is valid (checked by a unit test)")
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_default_model_loads() {
        let model = super::default_model();
        let p = super::RiskModel::probability(&model, &super::ChangeMetrics::default());
        assert!((0.0..=1.0).contains(&p));
    }
}

/// The Rust snippets of `docs/guide/relman-risk.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-risk.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
