//! Measuring models: ranking and threshold metrics, effort-aware recall, time-ordered splits.

use serde::{Deserialize, Serialize};

use crate::data::ChangeRow;
use crate::model::RiskModel;
use crate::train::{TrainError, TrainOptions, train};

/// Returned by the metric functions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ComputeMetricError {
    /// Scores and labels differ in length.
    #[error("{scores} scores but {labels} labels")]
    LengthMismatch {
        /// Number of scores.
        scores: usize,
        /// Number of labels.
        labels: usize,
    },
    /// The metric needs at least one positive and (for ROC AUC) one negative example.
    #[error("the labels hold {positives} positives and {negatives} negatives")]
    MissingClass {
        /// Number of positive labels.
        positives: usize,
        /// Number of negative labels.
        negatives: usize,
    },
    /// A score is NaN.
    #[error("score at index {index} is not a number")]
    NanScore {
        /// Position of the score.
        index: usize,
    },
}

fn check(scores: &[f64], labels: &[bool]) -> Result<(usize, usize), ComputeMetricError> {
    if scores.len() != labels.len() {
        return Err(ComputeMetricError::LengthMismatch {
            scores: scores.len(),
            labels: labels.len(),
        });
    }
    if let Some(index) = scores.iter().position(|s| s.is_nan()) {
        return Err(ComputeMetricError::NanScore { index });
    }
    let positives = labels.iter().filter(|l| **l).count();
    Ok((positives, labels.len() - positives))
}

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (the Mann–Whitney U statistic over `n₊ · n₋`). O(n log n).
///
/// # Errors
///
/// [`ComputeMetricError`] on a length mismatch, a NaN score, or labels of only one class.
///
/// ```
/// let auc = relman_risk::roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true])?;
/// assert_eq!(auc, 0.75);
/// # Ok::<(), relman_risk::ComputeMetricError>(())
/// ```
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, ComputeMetricError> {
    let (positives, negatives) = check(scores, labels)?;
    if positives == 0 || negatives == 0 {
        return Err(ComputeMetricError::MissingClass {
            positives,
            negatives,
        });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (average, 1-based) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        let tied_positives = order[i..=j].iter().filter(|&&k| labels[k]).count();
        rank_sum += average_rank * tied_positives as f64;
        i = j + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Average precision, the usual estimate of the area under the precision–recall curve:
/// `Σ (Rₖ − Rₖ₋₁) · Pₖ` over the distinct score thresholds from the highest down (tied scores
/// enter together, as in scikit-learn's `average_precision_score`).
///
/// # Errors
///
/// [`ComputeMetricError`] on a length mismatch, a NaN score, or no positive label.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Result<f64, ComputeMetricError> {
    let (positives, negatives) = check(scores, labels)?;
    if positives == 0 {
        return Err(ComputeMetricError::MissingClass {
            positives,
            negatives,
        });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut seen) = (0usize, 0usize);
    let mut previous_recall = 0.0;
    let mut ap = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        tp += order[i..=j].iter().filter(|&&k| labels[k]).count();
        seen += j - i + 1;
        let recall = tp as f64 / positives as f64;
        let precision = tp as f64 / seen as f64;
        ap += (recall - previous_recall) * precision;
        previous_recall = recall;
        i = j + 1;
    }
    Ok(ap)
}

/// Counts of a binary decision at a threshold, and the rates derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdMetrics {
    /// Scores at or above this count as "risky".
    pub threshold: f64,
    /// Risky and defect-inducing.
    pub true_positives: usize,
    /// Risky but clean.
    pub false_positives: usize,
    /// Not risky but defect-inducing.
    pub false_negatives: usize,
    /// `tp / (tp + fp)`, 0 when nothing is flagged.
    pub precision: f64,
    /// `tp / (tp + fn)`, 0 without positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub f1: f64,
}

/// Precision, recall and F1 when scores `>= threshold` are flagged.
///
/// # Errors
///
/// [`ComputeMetricError`] on a length mismatch or a NaN score.
pub fn threshold_metrics(
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> Result<ThresholdMetrics, ComputeMetricError> {
    check(scores, labels)?;
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for (s, l) in scores.iter().zip(labels) {
        match (*s >= threshold, *l) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => {}
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Ok(ThresholdMetrics {
        threshold,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        precision,
        recall,
        f1,
    })
}

/// Effort-aware recall: the share of defect-inducing changes found when inspecting changes in
/// descending score order (ties: smaller effort first, then input order) until `budget` (e.g.
/// 0.2) of the total effort is spent; a change is inspected only if it fits in the budget.
/// Effort is the lines changed (`la + ld`) in the evaluation.
///
/// # Errors
///
/// [`ComputeMetricError`] on a length mismatch (efforts included), a NaN score, or no positive.
pub fn recall_at_effort(
    scores: &[f64],
    labels: &[bool],
    efforts: &[f64],
    budget: f64,
) -> Result<f64, ComputeMetricError> {
    let (positives, negatives) = check(scores, labels)?;
    if efforts.len() != scores.len() {
        return Err(ComputeMetricError::LengthMismatch {
            scores: scores.len(),
            labels: efforts.len(),
        });
    }
    if positives == 0 {
        return Err(ComputeMetricError::MissingClass {
            positives,
            negatives,
        });
    }
    let total: f64 = efforts.iter().map(|e| e.max(0.0)).sum();
    let limit = budget * total;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then(efforts[a].total_cmp(&efforts[b]))
            .then(a.cmp(&b))
    });
    let mut spent = 0.0;
    let mut found = 0usize;
    for i in order {
        let e = efforts[i].max(0.0);
        if spent + e > limit {
            break;
        }
        spent += e;
        if labels[i] {
            found += 1;
        }
    }
    Ok(found as f64 / positives as f64)
}

/// Splits rows by time: the oldest `train_fraction` (by `date`, ties in input order) for
/// training, the rest for testing.
pub fn time_split(rows: &[ChangeRow], train_fraction: f64) -> (Vec<ChangeRow>, Vec<ChangeRow>) {
    let mut sorted = rows.to_vec();
    sorted.sort_by_key(|r| r.date);
    let cut = ((rows.len() as f64) * train_fraction.clamp(0.0, 1.0)).floor() as usize;
    let test = sorted.split_off(cut.min(sorted.len()));
    (sorted, test)
}

/// The figures of one model on one test set.
///
/// JSON shape: the field names below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationReport {
    /// The model kind evaluated.
    pub model: crate::ModelKind,
    /// Training rows.
    pub train_rows: usize,
    /// Test rows.
    pub test_rows: usize,
    /// Defect-inducing test rows.
    pub test_positives: usize,
    /// ROC AUC on the test rows.
    pub roc_auc: f64,
    /// Average precision (PR AUC) on the test rows.
    pub pr_auc: f64,
    /// Precision, recall, F1 at the threshold.
    pub at_threshold: ThresholdMetrics,
    /// Recall at 20 % of the changed lines.
    pub recall_at_20_percent_effort: f64,
}

/// Returned by [`evaluate`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// Training failed.
    #[error("cannot train the model")]
    Train(#[source] TrainError),
    /// A test row has no label.
    #[error("test row `{commit}` has no label")]
    Unlabelled {
        /// The row's commit.
        commit: String,
    },
    /// A metric is undefined on the test rows (one class only).
    #[error("cannot compute the test metrics")]
    Metric(#[source] ComputeMetricError),
}

/// Time-ordered evaluation: trains `options` on the oldest `train_fraction` of `rows` and
/// measures it on the rest. The threshold for precision/recall/F1 is `threshold`, or, when
/// `None`, the share of defect-inducing training rows (the base rate: "riskier than average").
///
/// # Errors
///
/// [`EvaluateError`]: training fails, a test row is unlabelled, or the test rows hold one class.
pub fn evaluate(
    rows: &[ChangeRow],
    options: &TrainOptions,
    train_fraction: f64,
    threshold: Option<f64>,
) -> Result<EvaluationReport, EvaluateError> {
    let (train_rows, test_rows) = time_split(rows, train_fraction);
    let model = train(&train_rows, options).map_err(EvaluateError::Train)?;
    let labels: Vec<bool> = test_rows
        .iter()
        .map(|r| {
            r.label
                .map(|l| l.is_buggy())
                .ok_or_else(|| EvaluateError::Unlabelled {
                    commit: r.commit.clone(),
                })
        })
        .collect::<Result<_, _>>()?;
    let scores: Vec<f64> = test_rows
        .iter()
        .map(|r| model.probability(&r.metrics))
        .collect();
    let efforts: Vec<f64> = test_rows.iter().map(|r| r.metrics.churn()).collect();
    let base_rate = if train_rows.is_empty() {
        0.5
    } else {
        train_rows
            .iter()
            .filter(|r| r.label.is_some_and(|l| l.is_buggy()))
            .count() as f64
            / train_rows.len() as f64
    };
    let threshold = threshold.unwrap_or(base_rate);
    Ok(EvaluationReport {
        model: options.kind,
        train_rows: train_rows.len(),
        test_rows: test_rows.len(),
        test_positives: labels.iter().filter(|l| **l).count(),
        roc_auc: roc_auc(&scores, &labels).map_err(EvaluateError::Metric)?,
        pr_auc: average_precision(&scores, &labels).map_err(EvaluateError::Metric)?,
        at_threshold: threshold_metrics(&scores, &labels, threshold)
            .map_err(EvaluateError::Metric)?,
        recall_at_20_percent_effort: recall_at_effort(&scores, &labels, &efforts, 0.2)
            .map_err(EvaluateError::Metric)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_auc_by_hand() {
        // Pairs (pos, neg): (0.35 vs 0.1) win, (0.35 vs 0.4) lose, (0.8 vs both) win: 3/4.
        let auc = roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).expect("auc");
        assert_eq!(auc, 0.75);
        // Ties count one half: pos 0.5 vs neg 0.5 tie, pos 0.5 vs neg 0.2 win → 1.5 / 2.
        let auc = roc_auc(&[0.5, 0.5, 0.2], &[true, false, false]).expect("auc");
        assert_eq!(auc, 0.75);
        // All tied: 0.5.
        assert_eq!(
            roc_auc(&[1.0; 4], &[true, false, true, false]).expect("auc"),
            0.5
        );
        // Perfect and reversed.
        assert_eq!(roc_auc(&[0.9, 0.1], &[true, false]).expect("auc"), 1.0);
        assert_eq!(roc_auc(&[0.1, 0.9], &[true, false]).expect("auc"), 0.0);
    }

    #[test]
    fn roc_auc_errors() {
        assert!(matches!(
            roc_auc(&[0.1, 0.2], &[true, true]),
            Err(ComputeMetricError::MissingClass {
                positives: 2,
                negatives: 0
            })
        ));
        assert!(matches!(
            roc_auc(&[0.1], &[true, false]),
            Err(ComputeMetricError::LengthMismatch { .. })
        ));
        assert!(matches!(
            roc_auc(&[f64::NAN, 0.2], &[true, false]),
            Err(ComputeMetricError::NanScore { index: 0 })
        ));
    }

    #[test]
    fn average_precision_by_hand() {
        // Ranking: 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.1 (neg).
        // Recall steps at rank 1 (P = 1) and rank 3 (P = 2/3): 0.5 · 1 + 0.5 · 2/3.
        let ap = average_precision(&[0.9, 0.8, 0.7, 0.1], &[true, false, true, false]).expect("ap");
        assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
        // A tie between a positive and a negative enters as one step with P = 1/2.
        let ap = average_precision(&[0.5, 0.5], &[true, false]).expect("ap");
        assert!((ap - 0.5).abs() < 1e-12);
    }

    #[test]
    fn threshold_metrics_by_hand() {
        let m = threshold_metrics(&[0.9, 0.6, 0.4, 0.2], &[true, false, true, false], 0.5)
            .expect("metrics");
        assert_eq!(
            (m.true_positives, m.false_positives, m.false_negatives),
            (1, 1, 1)
        );
        assert_eq!((m.precision, m.recall, m.f1), (0.5, 0.5, 0.5));
        let none = threshold_metrics(&[0.1], &[true], 0.5).expect("metrics");
        assert_eq!((none.precision, none.recall, none.f1), (0.0, 0.0, 0.0));
    }

    #[test]
    fn recall_at_effort_by_hand() {
        // Efforts 10, 10, 60, 20 (total 100, budget 20): inspect 0.9 (10, pos) and 0.8 (10,
        // neg); 0.7 (60) does not fit. 1 of 2 positives found.
        let r = recall_at_effort(
            &[0.9, 0.8, 0.7, 0.1],
            &[true, false, true, false],
            &[10.0, 10.0, 60.0, 20.0],
            0.2,
        )
        .expect("recall");
        assert_eq!(r, 0.5);
    }

    #[test]
    fn time_split_orders_by_date() {
        let row = |c: &str, date| ChangeRow {
            commit: c.to_owned(),
            date,
            metrics: crate::ChangeMetrics::default(),
            label: None,
        };
        let rows = vec![
            row("c", 3),
            row("a", 1),
            row("e", 5),
            row("b", 2),
            row("d", 4),
        ];
        let (train, test) = time_split(&rows, 0.8);
        let names: Vec<&str> = train.iter().map(|r| r.commit.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(test[0].commit, "e");
    }
}
