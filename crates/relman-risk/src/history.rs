//! The 14 change metrics of Kamei et al. (2013), computed incrementally from a history.
//!
//! Feed [`MetricsTracker::observe`] the changes of a history oldest first; each call returns the
//! metrics of that change given everything observed before it, then records the change. The
//! definitions are in `docs/risk.md` and on [`crate::Metric`]; in short: a subsystem is a
//! path's top-level directory (`.` for files at the root), a directory its parent directory,
//! authors are told apart by lowercased e-mail, renames carry a file's history to its new path.
//!
//! Cost per change: O(files × log) plus the sizes of the touched files' change and author
//! lists for NUC and NDEV (a single-file change needs no union).
//!
//! # Kept between runs
//!
//! [`history_metrics`] and [`metrics_of`] keep the fold in the history's
//! [`HistoryCache`](relman_model::HistoryCache) when it has one (the git adapter's history
//! index): the tracker after the last change up to `to`, and the metrics of the newest
//! [`KEPT_METRICS`] changes. The next call for the same `to`, or for a `to` whose walk extends
//! it ([`HistorySource::walk_extension`]), folds only the changes added since; anything else
//! folds the whole history again. The result is the same either way.

use std::collections::{BTreeSet, HashMap, HashSet};

use relman_model::{Change, ChangeId, HistorySource, Revision, WalkScope};
use serde::{Deserialize, Serialize};

use crate::data::{ChangeMetrics, Metric};

const DAY: f64 = 86_400.0;
const YEAR: i64 = 365 * 86_400;

/// Returned by [`MetricsTracker::observe`] and [`compute_metrics`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObserveChangeError {
    /// The change has no diff stats, so its size metrics are unknown.
    #[error("change {change} has no diff stats")]
    MissingDiff {
        /// The change.
        change: ChangeId,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileState {
    lines: u64,
    last_time: Option<i64>,
    changes: Vec<u32>,
    authors: Vec<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AuthorState {
    /// Times of the author's changes, ascending.
    times: Vec<i64>,
    subsystems: HashMap<String, u64>,
}

/// Incremental computation of change metrics over a history (see the [module docs](self)).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MetricsTracker {
    files: HashMap<String, FileState>,
    authors: HashMap<String, u32>,
    author_states: Vec<AuthorState>,
    observed: u32,
    /// `change_mark[i] == stamp` when change `i` was already counted in the current union.
    #[serde(skip)]
    change_mark: Vec<u32>,
    /// The same for authors.
    #[serde(skip)]
    author_mark: Vec<u32>,
    #[serde(skip)]
    stamp: u32,
}

impl MetricsTracker {
    /// A tracker that has seen no change.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of changes observed so far.
    pub fn observed(&self) -> usize {
        self.observed as usize
    }

    /// The metrics of `change` given the changes observed before it; then records it.
    ///
    /// # Errors
    ///
    /// [`ObserveChangeError::MissingDiff`] when the change carries no diff stats (nothing is
    /// recorded then).
    pub fn observe(&mut self, change: &Change) -> Result<ChangeMetrics, ObserveChangeError> {
        let diff = change
            .diff
            .as_ref()
            .ok_or_else(|| ObserveChangeError::MissingDiff {
                change: change.id.clone(),
            })?;
        let t = change.time.timestamp();
        // Renames first: the file keeps its history under the new path.
        for stat in diff {
            if let Some(old) = stat.old_path.as_ref().filter(|old| **old != stat.path)
                && let Some(state) = self.files.remove(old)
            {
                self.files.insert(stat.path.clone(), state);
            }
        }
        let mut subsystems = BTreeSet::new();
        let mut directories = BTreeSet::new();
        let mut paths: Vec<&str> = Vec::with_capacity(diff.len());
        let (mut la, mut ld, mut lt) = (0u64, 0u64, 0u64);
        let (mut age_sum, mut aged) = (0.0, 0usize);
        for stat in diff {
            subsystems.insert(subsystem(&stat.path));
            directories.insert(directory(&stat.path));
            if !paths.contains(&stat.path.as_str()) {
                paths.push(&stat.path);
            }
            la = la.saturating_add(stat.added);
            ld = ld.saturating_add(stat.deleted);
        }
        for path in &paths {
            if let Some(state) = self.files.get(*path) {
                lt = lt.saturating_add(state.lines);
                if let Some(last) = state.last_time {
                    age_sum += ((t - last).max(0)) as f64 / DAY;
                    aged += 1;
                }
            }
        }
        let total: u64 = la.saturating_add(ld);
        let entropy = if total == 0 {
            0.0
        } else {
            diff.iter()
                .map(|s| s.churn() as f64 / total as f64)
                .filter(|p| *p > 0.0)
                .map(|p| -p * p.log2())
                .sum::<f64>()
                .max(0.0)
        };
        let nuc = self.union_size(&paths, UnionOf::Changes);
        let ndev = self.union_size(&paths, UnionOf::Authors);
        let email = change.author.email.to_lowercase();
        let author = match self.authors.get(&email) {
            Some(a) => *a,
            None => {
                let id = u32::try_from(self.author_states.len()).unwrap_or(u32::MAX);
                self.authors.insert(email, id);
                self.author_states.push(AuthorState::default());
                id
            }
        };
        let state = &self.author_states[author as usize];
        let exp = state.times.len();
        let rexp = recent_experience(&state.times, t);
        let sexp: u64 = subsystems
            .iter()
            .map(|s| state.subsystems.get(*s).copied().unwrap_or(0))
            .sum();

        let mut m = ChangeMetrics::default();
        m.set(Metric::Ns, subsystems.len() as f64);
        m.set(Metric::Nd, directories.len() as f64);
        m.set(Metric::Nf, paths.len() as f64);
        m.set(Metric::Entropy, entropy);
        m.set(Metric::La, la as f64);
        m.set(Metric::Ld, ld as f64);
        m.set(Metric::Lt, lt as f64);
        m.set(Metric::Fix, if is_fix(change) { 1.0 } else { 0.0 });
        m.set(Metric::Ndev, ndev as f64);
        m.set(
            Metric::Age,
            if aged == 0 {
                0.0
            } else {
                age_sum / aged as f64
            },
        );
        m.set(Metric::Nuc, nuc as f64);
        m.set(Metric::Exp, exp as f64);
        m.set(Metric::Rexp, rexp);
        m.set(Metric::Sexp, sexp as f64);

        // Record the change.
        let index = self.observed;
        for stat in diff {
            let file = self.files.entry(stat.path.clone()).or_default();
            file.lines = file
                .lines
                .saturating_add(stat.added)
                .saturating_sub(stat.deleted);
            file.last_time = Some(file.last_time.map_or(t, |l| l.max(t)));
            if file.changes.last() != Some(&index) {
                file.changes.push(index);
            }
            if !file.authors.contains(&author) {
                file.authors.push(author);
            }
        }
        let state = &mut self.author_states[author as usize];
        let at = state.times.partition_point(|v| *v <= t);
        state.times.insert(at, t);
        for s in subsystems {
            *state.subsystems.entry(s.to_owned()).or_insert(0) += 1;
        }
        self.observed = self.observed.saturating_add(1);
        Ok(m)
    }

    fn union_size(&mut self, paths: &[&str], of: UnionOf) -> usize {
        let lists: Vec<&Vec<u32>> = paths
            .iter()
            .filter_map(|p| self.files.get(*p))
            .map(|s| match of {
                UnionOf::Changes => &s.changes,
                UnionOf::Authors => &s.authors,
            })
            .collect();
        match lists.as_slice() {
            [] => 0,
            [one] => one.len(),
            many => {
                let marks = match of {
                    UnionOf::Changes => &mut self.change_mark,
                    UnionOf::Authors => &mut self.author_mark,
                };
                self.stamp = self.stamp.wrapping_add(1);
                if self.stamp == 0 {
                    marks.iter_mut().for_each(|m| *m = 0);
                    self.stamp = 1;
                }
                let mut count = 0;
                for list in many {
                    for &i in list.iter() {
                        let i = i as usize;
                        if i >= marks.len() {
                            marks.resize(i + 1, 0);
                        }
                        if marks[i] != self.stamp {
                            marks[i] = self.stamp;
                            count += 1;
                        }
                    }
                }
                count
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum UnionOf {
    Changes,
    Authors,
}

/// Computes the metrics of every change of a history given oldest first.
///
/// # Errors
///
/// [`ObserveChangeError`] for the first change without diff stats.
pub fn compute_metrics<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
) -> Result<Vec<ChangeMetrics>, ObserveChangeError> {
    let mut tracker = MetricsTracker::new();
    changes.into_iter().map(|c| tracker.observe(c)).collect()
}

/// Every change of a history up to `to` with its metrics, oldest first: the metrics need each
/// file's whole past (LT, NDEV, AGE, NUC, the experience metrics), so the whole history is
/// walked once, oldest first, with diff stats through the history port and fed to a
/// [`MetricsTracker`]. The fold is kept in the history's cache for [`metrics_of`] (see the
/// [module docs](self)).
///
/// # Errors
///
/// [`HistoryMetricsError::History`] when the source fails; [`HistoryMetricsError::Observe`]
/// for a change without diff stats (a source that ignores the scope's diff request).
pub fn history_metrics<H: HistorySource + ?Sized>(
    history: &H,
    to: &Revision,
) -> Result<Vec<(Change, ChangeMetrics)>, HistoryMetricsError> {
    let head = cached_head(history, to)?;
    let mut all = Vec::new();
    fold(history, to, head, &mut |change, metrics| {
        all.push((change, metrics))
    })?;
    Ok(all)
}

/// The id of `to` when the history keeps folds (`None` when it has no cache or cannot say).
fn cached_head<H: HistorySource + ?Sized>(
    history: &H,
    to: &Revision,
) -> Result<Option<ChangeId>, HistoryMetricsError> {
    match history.cache() {
        Some(_) => history.resolve_change(to).map_err(|e| history_error(to, e)),
        None => Ok(None),
    }
}

fn history_error<E: std::error::Error + Send + Sync + 'static>(
    to: &Revision,
    e: E,
) -> HistoryMetricsError {
    HistoryMetricsError::History {
        to: to.clone(),
        source: Box::new(e),
    }
}

/// Folds the whole history up to `to` oldest first, streaming (memory grows with the tracker
/// and what `keep` keeps, not with the history), hands each change and its metrics to `keep`,
/// and keeps the fold in the history's cache as the fold of `head` (`to`'s id; `None`: not
/// kept).
fn fold<H: HistorySource + ?Sized>(
    history: &H,
    to: &Revision,
    head: Option<ChangeId>,
    keep: &mut dyn FnMut(Change, ChangeMetrics),
) -> Result<(), HistoryMetricsError> {
    let range = relman_model::RevisionRange::up_to(to.clone());
    let scope = WalkScope::new().with_diff_stats().with_oldest_first();
    let mut tracker = MetricsTracker::new();
    let mut recent = std::collections::VecDeque::new();
    let mut failed = None;
    history
        .walk_scoped(
            &range,
            &scope,
            &mut |change| match tracker.observe(&change) {
                Ok(metrics) => {
                    if head.is_some() {
                        if recent.len() == KEPT_METRICS {
                            recent.pop_front();
                        }
                        recent.push_back((change.id.as_str().to_owned(), *metrics.as_array()));
                    }
                    keep(change, metrics);
                    std::ops::ControlFlow::Continue(())
                }
                Err(e) => {
                    failed = Some(e);
                    std::ops::ControlFlow::Break(())
                }
            },
        )
        .map_err(|e| history_error(to, e))?;
    if let Some(e) = failed {
        return Err(HistoryMetricsError::Observe(e));
    }
    if let (Some(cache), Some(head)) = (history.cache(), head) {
        let snapshot = Snapshot {
            head: head.into_string(),
            tracker,
            recent: recent.into_iter().rev().collect(),
        };
        snapshot.store(cache);
    }
    Ok(())
}

/// The metrics of the changes `wanted` (by id) in the history up to `to`; changes that are not
/// in that walk are left out.
///
/// The same values as [`history_metrics`], but when the history's cache holds the fold of a
/// walk that the walk up to `to` extends (see the [module docs](self)), only the changes added
/// since are walked and folded, and the wanted changes are answered from the kept metrics:
/// after one new commit, a plan of a 100k-commit history reads one commit instead of all.
///
/// # Errors
///
/// As [`history_metrics`].
///
/// # Example
///
/// ```
/// use std::collections::HashSet;
/// use chrono::{TimeZone, Utc};
/// use relman_model::{Change, ChangeId, DiffStat, MemoryHistory, Person, Revision};
/// use relman_risk::{Metric, metrics_of};
///
/// let mut history = MemoryHistory::new();
/// for (i, path) in ["src/a.rs", "src/a.rs", "src/b.rs"].iter().enumerate() {
///     let time = Utc.timestamp_opt(1_700_000_000 + i as i64 * 86_400, 0).unwrap();
///     history.push(
///         Change::from_message(format!("c{i}").parse()?, "fix: x", Person::new("Ada", "ada@x"), time)
///             .with_diff(vec![DiffStat::new(*path, 3, 1)]),
///     );
/// }
/// let c1: ChangeId = "c1".parse()?;
/// let wanted = HashSet::from([c1.clone()]);
/// let metrics = metrics_of(&history, &Revision::head(), &wanted)?;
/// // c1 changes a.rs, which one earlier change made: 2 lines, 1 day old.
/// assert_eq!(metrics[&c1].get(Metric::Nuc), 1.0);
/// assert_eq!(metrics[&c1].get(Metric::Lt), 2.0);
/// assert_eq!(metrics[&c1].get(Metric::Age), 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn metrics_of<H: HistorySource + ?Sized>(
    history: &H,
    to: &Revision,
    wanted: &HashSet<ChangeId>,
) -> Result<HashMap<ChangeId, ChangeMetrics>, HistoryMetricsError> {
    let head = cached_head(history, to)?;
    if let Some(head) = &head
        && let Some(found) = resume(history, to, head, wanted)?
    {
        return Ok(found);
    }
    let mut found = HashMap::with_capacity(wanted.len());
    fold(history, to, head, &mut |change, metrics| {
        if wanted.contains(&change.id) {
            found.insert(change.id, metrics);
        }
    })?;
    Ok(found)
}

/// Metrics of the newest changes are kept with the fold (see the [module docs](self)).
pub const KEPT_METRICS: usize = 20_000;

/// The [`HistoryCache`](relman_model::HistoryCache) entry of the fold.
const SNAPSHOT: &str = "metrics-v1";

/// The fold after the walk up to `head`: the tracker, and the metrics of the newest
/// [`KEPT_METRICS`] changes, newest first.
#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    head: String,
    tracker: MetricsTracker,
    recent: Vec<(String, [f64; 14])>,
}

impl Snapshot {
    const MAGIC: &'static [u8] = b"relman-metrics v1\n";

    /// Stores the fold in `cache` (nothing when it cannot be encoded): the magic line, the
    /// postcard encoding, and its CRC-32 (little-endian), so damage is detected.
    fn store(&self, cache: &dyn relman_model::HistoryCache) {
        if let Ok(mut bytes) = postcard::to_extend(self, Self::MAGIC.to_vec()) {
            let crc = crc32fast::hash(&bytes[Self::MAGIC.len()..]);
            bytes.extend_from_slice(&crc.to_le_bytes());
            cache.store(SNAPSHOT, &bytes);
        }
    }

    /// `None` for anything but a whole fold of this version.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let body = bytes.strip_prefix(Self::MAGIC)?;
        let (payload, crc) = body.split_at_checked(body.len().checked_sub(4)?)?;
        if crc32fast::hash(payload).to_le_bytes() != crc {
            return None;
        }
        postcard::from_bytes(payload).ok()
    }
}

/// [`metrics_of`] from the kept fold, `head` being `to`'s id; `Ok(None)` when there is none
/// that the walk up to `to` extends, or a wanted change is not among the kept and the added
/// ones (the caller then folds the whole history, and keeps that).
fn resume<H: HistorySource + ?Sized>(
    history: &H,
    to: &Revision,
    head: &ChangeId,
    wanted: &HashSet<ChangeId>,
) -> Result<Option<HashMap<ChangeId, ChangeMetrics>>, HistoryMetricsError> {
    let Some(cache) = history.cache() else {
        return Ok(None);
    };
    let Some(mut snapshot) = cache.load(SNAPSHOT).and_then(|b| Snapshot::decode(&b)) else {
        return Ok(None);
    };
    let moved = head.as_str() != snapshot.head;
    let mut added = Vec::new();
    if moved {
        let Ok(base) = snapshot.head.parse::<ChangeId>() else {
            return Ok(None);
        };
        let scope = WalkScope::new().with_diff_stats();
        let extends = history
            .walk_extension(&base, to, &scope, &mut |c| {
                added.push(c);
                std::ops::ControlFlow::Continue(())
            })
            .map_err(|e| history_error(to, e))?;
        if !extends {
            return Ok(None);
        }
    }
    let mut fresh = Vec::with_capacity(added.len() + snapshot.recent.len());
    for change in added.iter().rev() {
        let m = snapshot
            .tracker
            .observe(change)
            .map_err(HistoryMetricsError::Observe)?;
        fresh.push((change.id.as_str().to_owned(), *m.as_array()));
    }
    if !fresh.is_empty() {
        fresh.reverse();
        fresh.append(&mut snapshot.recent);
        fresh.truncate(KEPT_METRICS);
        snapshot.recent = fresh;
    }
    let mut left: HashMap<&str, &ChangeId> = wanted.iter().map(|id| (id.as_str(), id)).collect();
    let mut found = HashMap::with_capacity(wanted.len());
    for (id, values) in &snapshot.recent {
        if left.is_empty() {
            break;
        }
        if let Some(id) = left.remove(id.as_str()) {
            found.insert(id.clone(), ChangeMetrics::from_array(*values));
        }
    }
    if !left.is_empty() {
        return Ok(None);
    }
    if moved {
        snapshot.head = head.as_str().to_owned();
        snapshot.store(cache);
    }
    Ok(Some(found))
}

/// Returned by [`history_metrics`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryMetricsError {
    /// The history cannot be read.
    #[error("cannot walk the history up to {to}")]
    History {
        /// The revision walked to.
        to: relman_model::Revision,
        /// The source's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A change's metrics cannot be computed.
    #[error("cannot compute change metrics")]
    Observe(#[source] ObserveChangeError),
}

fn subsystem(path: &str) -> &str {
    match path.split_once('/') {
        Some((top, _)) if !top.is_empty() => top,
        _ => ".",
    }
}

fn directory(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir,
        _ => ".",
    }
}

fn is_fix(change: &Change) -> bool {
    if change.commit.as_ref().is_some_and(|c| c.kind.is("fix")) {
        return true;
    }
    change
        .summary
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| {
            matches!(
                w,
                "fix" | "fixes" | "fixed" | "fixing" | "bug" | "bugs" | "bugfix" | "defect"
            )
        })
}

/// `Σ_k n_k / (k + 1)` over the author's earlier change times (ascending), `n_k` the number made
/// `k` whole years before `t` (later times count as `k = 0`).
fn recent_experience(times: &[i64], t: i64) -> f64 {
    let count_le = |x: i64| times.partition_point(|v| *v <= x);
    let mut total = 0.0;
    let mut upper = times.len();
    let mut k: i64 = 0;
    while upper > 0 {
        let lower = count_le(t.saturating_sub((k + 1).saturating_mul(YEAR)));
        total += (upper - lower) as f64 / (k + 1) as f64;
        upper = lower;
        k += 1;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use relman_model::{DiffStat, Person};

    fn change(id: &str, day: i64, email: &str, summary: &str, diff: Vec<DiffStat>) -> Change {
        let time = Utc
            .timestamp_opt(1_600_000_000 + day * 86_400, 0)
            .single()
            .expect("valid time");
        Change::from_message(
            id.parse().expect("valid id"),
            summary,
            Person::new("someone", email),
            time,
        )
        .with_diff(diff)
    }

    fn check(m: &ChangeMetrics, expected: &[(Metric, f64)]) {
        for (metric, value) in expected {
            assert!(
                (m.get(*metric) - value).abs() < 1e-9,
                "{metric}: {} != {value}",
                m.get(*metric)
            );
        }
    }

    #[test]
    fn hand_built_history() {
        let history = vec![
            change(
                "c1",
                0,
                "ada@x.org",
                "feat: start",
                vec![
                    DiffStat::new("src/a.rs", 100, 0),
                    DiffStat::new("README", 10, 0),
                ],
            ),
            change(
                "c2",
                10,
                "bob@x.org",
                "fix(core): crash on empty input",
                vec![DiffStat::new("src/a.rs", 5, 5)],
            ),
            change(
                "c3",
                20,
                "ADA@x.org",
                "Rework parsing",
                vec![
                    DiffStat::new("src/a.rs", 30, 10),
                    DiffStat::new("src/util/b.rs", 20, 0),
                    DiffStat::new("docs/guide.md", 20, 0),
                ],
            ),
        ];
        let m = compute_metrics(&history).expect("all have diffs");
        // c1: two subsystems (src, .), two directories, two files, all new.
        let p: f64 = 100.0 / 110.0;
        let q: f64 = 10.0 / 110.0;
        check(
            &m[0],
            &[
                (Metric::Ns, 2.0),
                (Metric::Nd, 2.0),
                (Metric::Nf, 2.0),
                (Metric::Entropy, -(p * p.log2() + q * q.log2())),
                (Metric::La, 110.0),
                (Metric::Ld, 0.0),
                (Metric::Lt, 0.0),
                (Metric::Fix, 0.0),
                (Metric::Ndev, 0.0),
                (Metric::Age, 0.0),
                (Metric::Nuc, 0.0),
                (Metric::Exp, 0.0),
                (Metric::Rexp, 0.0),
                (Metric::Sexp, 0.0),
            ],
        );
        // c2: bob fixes a.rs (100 lines, last changed 10 days ago by ada in one change).
        check(
            &m[1],
            &[
                (Metric::Ns, 1.0),
                (Metric::Nf, 1.0),
                (Metric::Entropy, 0.0),
                (Metric::Lt, 100.0),
                (Metric::Fix, 1.0),
                (Metric::Ndev, 1.0),
                (Metric::Age, 10.0),
                (Metric::Nuc, 1.0),
                (Metric::Exp, 0.0),
                (Metric::Sexp, 0.0),
            ],
        );
        // c3: ada again (e-mail case ignored): a.rs has 100 lines, two past changes by two
        // authors, last touched 10 days ago; b.rs and guide.md are new.
        check(
            &m[2],
            &[
                (Metric::Ns, 2.0),
                (Metric::Nd, 3.0),
                (Metric::Nf, 3.0),
                (Metric::La, 70.0),
                (Metric::Ld, 10.0),
                (Metric::Lt, 100.0),
                (Metric::Fix, 0.0),
                (Metric::Ndev, 2.0),
                (Metric::Age, 10.0),
                (Metric::Nuc, 2.0),
                (Metric::Exp, 1.0),
                (Metric::Rexp, 1.0),
                // ada touched `src` once before; `docs` never.
                (Metric::Sexp, 1.0),
            ],
        );
    }

    #[test]
    fn renames_keep_history_and_nuc_counts_unique_changes() {
        let history = vec![
            change(
                "c1",
                0,
                "a@x",
                "add",
                vec![
                    DiffStat::new("a/x.rs", 50, 0),
                    DiffStat::new("a/y.rs", 50, 0),
                ],
            ),
            change(
                "c2",
                1,
                "b@x",
                "move",
                vec![DiffStat::renamed("a/x.rs", "b/x.rs", 0, 10)],
            ),
            change(
                "c3",
                3,
                "c@x",
                "touch both",
                vec![DiffStat::new("b/x.rs", 1, 1), DiffStat::new("a/y.rs", 1, 1)],
            ),
        ];
        let m = compute_metrics(&history).expect("all have diffs");
        check(
            &m[1],
            &[(Metric::Lt, 50.0), (Metric::Nuc, 1.0), (Metric::Age, 1.0)],
        );
        // c1 touched both files: one unique change, plus c2 on x.rs → 2; ages 2 and 3 days.
        check(
            &m[2],
            &[
                (Metric::Lt, 90.0),
                (Metric::Nuc, 2.0),
                (Metric::Ndev, 2.0),
                (Metric::Age, 2.5),
            ],
        );
    }

    #[test]
    fn recent_experience_weights_by_whole_years() {
        let t = 10 * YEAR;
        // Two changes this year, one 1.5 years ago, one 3.2 years ago.
        let times = [t - 3 * YEAR - YEAR / 5, t - YEAR - YEAR / 2, t - 10, t - 5];
        let r = recent_experience(&times, t);
        assert!((r - (2.0 + 1.0 / 2.0 + 1.0 / 4.0)).abs() < 1e-12, "{r}");
        assert_eq!(recent_experience(&[], t), 0.0);
    }

    #[test]
    fn missing_diff_is_an_error_naming_the_change() {
        let c = Change::from_message(
            "abc".parse().expect("valid id"),
            "x",
            Person::new("a", "a@x"),
            Utc.timestamp_opt(0, 0).single().expect("valid time"),
        );
        let err = MetricsTracker::new().observe(&c).expect_err("no diff");
        assert_eq!(err.to_string(), "change abc has no diff stats");
    }
}
