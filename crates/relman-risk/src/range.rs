//! A revision range of a history, scored and labelled: the computation behind `relman risk`
//! and `relman risk label`, over any [`HistorySource`].
//!
//! The metrics of a change depend on the whole history before it, so [`range_metrics`] walks
//! the history up to the range's end once and keeps the changes of the range. [`score_newest`]
//! explains the newest of them with a model; [`fix_commits`] and [`label_changes`] turn them
//! into a labelled data set once an SZZ implementation (relman-git's `bug_introducing`) has
//! said which changes introduced the lines the fixes changed.

use std::collections::HashSet;
use std::ops::ControlFlow;

use relman_model::{Change, ChangeId, HistorySource, RevisionRange, WalkScope};

use crate::data::{ChangeMetrics, ChangeRow, Label, Metric};
use crate::history::{HistoryMetricsError, history_metrics, metrics_of};
use crate::model::{Explanation, RiskModel};

/// Returned by [`range_metrics`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RangeMetricsError {
    /// The history up to the range's end cannot be read or measured.
    #[error(transparent)]
    History(HistoryMetricsError),
    /// The changes of the range cannot be listed.
    #[error("cannot walk {range}")]
    Range {
        /// The range walked.
        range: RevisionRange,
        /// The source's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// Every change of `range` with its metrics, oldest first. The metrics are computed from the
/// whole history up to `range.to` ([`history_metrics`]); a range without a start is that
/// whole history.
///
/// Cost: for a range without a start, one walk of the history with diff stats; with a start,
/// one walk of the range and [`metrics_of`] its changes (which resumes the fold kept in the
/// history's cache when it can).
///
/// # Errors
///
/// [`RangeMetricsError::History`] when the history up to `range.to` cannot be read or
/// measured; [`RangeMetricsError::Range`] when the range cannot be walked (a missing start).
pub fn range_metrics<H: HistorySource + ?Sized>(
    history: &H,
    range: &RevisionRange,
) -> Result<Vec<(Change, ChangeMetrics)>, RangeMetricsError> {
    if range.from.is_none() {
        return history_metrics(history, &range.to).map_err(RangeMetricsError::History);
    }
    newest_metrics(history, range, usize::MAX)
}

/// The newest `limit` changes of `range` with their metrics, oldest first: what
/// [`range_metrics`] returns last, without folding the whole history again when the
/// history's cache holds a fold that the walk up to `range.to` extends ([`metrics_of`]).
///
/// # Errors
///
/// As [`range_metrics`].
pub fn newest_metrics<H: HistorySource + ?Sized>(
    history: &H,
    range: &RevisionRange,
    limit: usize,
) -> Result<Vec<(Change, ChangeMetrics)>, RangeMetricsError> {
    let mut changes = Vec::new();
    if limit > 0 {
        let scope = WalkScope::new().with_diff_stats();
        history
            .walk_scoped(range, &scope, &mut |c| {
                changes.push(c);
                if changes.len() >= limit {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .map_err(|e| RangeMetricsError::Range {
                range: range.clone(),
                source: Box::new(e),
            })?;
    }
    let wanted: HashSet<ChangeId> = changes.iter().map(|c| c.id.clone()).collect();
    let mut metrics =
        metrics_of(history, &range.to, &wanted).map_err(RangeMetricsError::History)?;
    changes.reverse();
    Ok(changes
        .into_iter()
        .filter_map(|c| Some((metrics.remove(&c.id)?, c)))
        .map(|(m, c)| (c, m))
        .collect())
}

/// One change explained by a model ([`score_newest`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredChange<'a> {
    /// The change.
    pub change: &'a Change,
    /// Its metrics.
    pub metrics: ChangeMetrics,
    /// The model's probability and its reasons.
    pub explanation: Explanation,
}

/// The newest `limit` of `changes` (given oldest first, as [`range_metrics`] returns them),
/// newest first, each explained by `model`.
pub fn score_newest<'a, M: RiskModel + ?Sized>(
    model: &M,
    changes: &'a [(Change, ChangeMetrics)],
    limit: usize,
) -> Vec<ScoredChange<'a>> {
    changes
        .iter()
        .rev()
        .take(limit)
        .map(|(change, metrics)| ScoredChange {
            change,
            metrics: *metrics,
            explanation: model.explain(metrics),
        })
        .collect()
}

/// The fix commits among `changes`: those whose [`Metric::Fix`] is set, in the given order.
/// These are the commits an SZZ implementation traces back to the commits they fix.
pub fn fix_commits(changes: &[(Change, ChangeMetrics)]) -> Vec<ChangeId> {
    changes
        .iter()
        .filter(|(_, m)| m.get(Metric::Fix) > 0.0)
        .map(|(c, _)| c.id.clone())
        .collect()
}

/// One labelled row per change, in the given order: [`Label::Buggy`] where `is_buggy` says the
/// change introduced lines a fix changed, [`Label::Clean`] elsewhere.
pub fn label_changes(
    changes: &[(Change, ChangeMetrics)],
    is_buggy: impl Fn(&ChangeId) -> bool,
) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|(change, metrics)| ChangeRow {
            commit: change.id.to_string(),
            date: change.time.timestamp(),
            metrics: *metrics,
            label: Some(if is_buggy(&change.id) {
                Label::Buggy
            } else {
                Label::Clean
            }),
        })
        .collect()
}

/// The number of rows labelled [`Label::Buggy`].
pub fn count_buggy(rows: &[ChangeRow]) -> usize {
    rows.iter()
        .filter(|r| r.label.is_some_and(Label::is_buggy))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use relman_model::{DiffStat, MemoryHistory, Person, Revision};

    fn history() -> MemoryHistory {
        let mut h = MemoryHistory::new();
        let summaries = ["feat: a", "fix: crash in a", "feat: b", "fix: b again"];
        for (i, summary) in summaries.iter().enumerate() {
            let time = Utc
                .timestamp_opt(1_600_000_000 + i as i64 * 86_400, 0)
                .single()
                .expect("valid time");
            h.push(
                Change::from_message(
                    format!("c{i}").parse().expect("valid id"),
                    summary,
                    Person::new("ada", "ada@x.org"),
                    time,
                )
                .with_diff(vec![DiffStat::new("src/a.rs", 10, 2)]),
            );
        }
        h
    }

    fn ids(changes: &[(Change, ChangeMetrics)]) -> Vec<&str> {
        changes.iter().map(|(c, _)| c.id.as_str()).collect()
    }

    #[test]
    fn range_metrics_keeps_the_range_with_metrics_from_the_whole_history() {
        let h = history();
        let all = range_metrics(&h, &RevisionRange::default()).expect("metrics");
        assert_eq!(ids(&all), ["c0", "c1", "c2", "c3"]);
        let range: RevisionRange = "c1..c3".parse().expect("range");
        let part = range_metrics(&h, &range).expect("metrics");
        assert_eq!(ids(&part), ["c2", "c3"]);
        // The metrics of c2 still count the two changes before it (NUC of src/a.rs).
        assert_eq!(part[0].1, all[2].1);
        assert_eq!(part[0].1.get(Metric::Nuc), 2.0);
    }

    #[test]
    fn range_metrics_names_the_missing_revision() {
        let h = history();
        let err = range_metrics(&h, &"nope..c3".parse().expect("range")).expect_err("missing");
        assert!(matches!(err, RangeMetricsError::Range { .. }));
        assert_eq!(err.to_string(), "cannot walk nope..c3");
        let err = range_metrics(&h, &RevisionRange::up_to(Revision::new("zz").expect("rev")))
            .expect_err("missing");
        assert!(matches!(err, RangeMetricsError::History(_)));
    }

    #[test]
    fn score_newest_takes_the_newest_first() {
        let h = history();
        let all = range_metrics(&h, &RevisionRange::default()).expect("metrics");
        let model = crate::default_model();
        let scored = score_newest(&model, &all, 3);
        let got: Vec<&str> = scored.iter().map(|s| s.change.id.as_str()).collect();
        assert_eq!(got, ["c3", "c2", "c1"]);
        assert_eq!(scored[0].explanation, model.explain(&all[3].1));
        assert!(score_newest(&model, &all, 0).is_empty());
    }

    #[test]
    fn fixes_and_labels() {
        let h = history();
        let all = range_metrics(&h, &RevisionRange::default()).expect("metrics");
        let fixes = fix_commits(&all);
        let fixes: Vec<&str> = fixes.iter().map(ChangeId::as_str).collect();
        assert_eq!(fixes, ["c1", "c3"]);
        let rows = label_changes(&all, |id| id.as_str() == "c0");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].label, Some(Label::Buggy));
        assert_eq!(rows[1].label, Some(Label::Clean));
        assert_eq!(rows[1].commit, "c1");
        assert_eq!(rows[1].date, 1_600_086_400);
        assert_eq!(count_buggy(&rows), 1);
    }
}
