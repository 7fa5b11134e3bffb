//! Critical path method: earliest and latest start times, slack and the critical path.
//!
//! Reference: J. E. Kelley Jr., "Critical-path planning and scheduling: mathematical basis",
//! Operations Research 9(3), 1961. The precedence network is a DAG whose edges carry minimum
//! start-to-start distances (`FS`: `d_from + lag`, `SS`: `lag`, `FF`: `d_from + lag - d_to`), so
//! one forward and one backward pass over a topological order compute the longest paths.

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

/// Earliest and latest start times of every task, ignoring resources.
///
/// Vectors are indexed like [`Plan::tasks`]. JSON shape: `{"earliest_start": [..],
/// "latest_start": [..], "makespan": 12, "critical": [0, 3, 5]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// Earliest start of each task (≥ its release date).
    pub earliest_start: Vec<i64>,
    /// Latest start of each task that keeps the project length at `makespan`.
    pub latest_start: Vec<i64>,
    /// The shortest possible project length without resource limits.
    pub makespan: i64,
    /// One critical path: zero-slack tasks chained by binding edges, in order, ending at a task
    /// that finishes at `makespan`. Ties are broken by the smallest task index.
    pub critical: Vec<usize>,
}

impl CriticalPath {
    /// Total slack (float) of task `j`: how far it can slip without delaying the project.
    ///
    /// # Panics
    ///
    /// If `j` is out of range.
    pub fn slack(&self, j: usize) -> i64 {
        self.latest_start[j] - self.earliest_start[j]
    }

    /// Whether task `j` has zero slack.
    ///
    /// # Panics
    ///
    /// If `j` is out of range.
    pub fn is_critical(&self, j: usize) -> bool {
        self.slack(j) == 0
    }
}

/// Computes earliest/latest start times, slack and one critical path (Kelley 1961).
///
/// Release dates are honoured; deadlines are checked by [`Plan::new`]. Complexity: O(n + e)
/// time and O(n) extra memory.
///
/// ```
/// use relman_graph::{Plan, Precedence, Task, critical_path};
/// let t = |s: &str, d| Task::new(s.parse().unwrap(), d);
/// let e = |a: &str, b: &str| Precedence::finish_to_start(a.parse().unwrap(), b.parse().unwrap());
/// let plan = Plan::new(vec![t("a", 2), t("b", 3), t("c", 1)], vec![], vec![e("a", "b"), e("a", "c")])?;
/// let cp = critical_path(&plan);
/// assert_eq!(cp.makespan, 5);
/// assert_eq!(cp.critical, vec![0, 1]);
/// assert_eq!(cp.slack(2), 2);
/// # Ok::<(), relman_graph::BuildPlanError>(())
/// ```
pub fn critical_path(plan: &Plan) -> CriticalPath {
    let net = plan.network();
    let tasks = plan.tasks();
    let n = tasks.len();
    let mut es: Vec<i64> = tasks.iter().map(|t| t.release).collect();
    for &j in &net.topo {
        let j = j as usize;
        let mut v = es[j];
        for a in net.preds(j) {
            v = v.max(es[a.other as usize] + a.delta);
        }
        es[j] = v;
    }
    let makespan = (0..n).map(|j| es[j] + tasks[j].duration).max().unwrap_or(0);
    let mut ls: Vec<i64> = tasks.iter().map(|t| makespan - t.duration).collect();
    for &j in net.topo.iter().rev() {
        let j = j as usize;
        let mut v = ls[j];
        for a in net.succs(j) {
            v = v.min(ls[a.other as usize] - a.delta);
        }
        ls[j] = v;
    }
    // walk a critical chain backwards from the smallest-index task that ends at the makespan
    let mut critical = Vec::new();
    let mut cur = (0..n).find(|&j| es[j] + tasks[j].duration == makespan);
    while let Some(j) = cur {
        critical.push(j);
        cur = net
            .preds(j)
            .iter()
            .filter(|a| {
                es[a.other as usize] + a.delta == es[j]
                    && ls[a.other as usize] == es[a.other as usize]
            })
            .map(|a| a.other as usize)
            .min();
    }
    critical.reverse();
    CriticalPath {
        earliest_start: es,
        latest_start: ls,
        makespan,
        critical,
    }
}

/// Groups the tasks into waves: wave `i` holds the tasks whose longest chain of predecessors
/// has `i` edges, so every task's predecessors lie in earlier waves and the tasks of one wave
/// are mutually independent. Tasks within a wave are in index order.
///
/// Complexity: O(n + e) over the precomputed topological order.
///
/// ```
/// use relman_graph::{Plan, Precedence, Task, waves};
/// let t = |s: &str| Task::new(s.parse().unwrap(), 1);
/// let e = |a: &str, b: &str| Precedence::finish_to_start(a.parse().unwrap(), b.parse().unwrap());
/// let plan = Plan::new(vec![t("a"), t("b"), t("c")], vec![], vec![e("a", "c"), e("b", "c")])?;
/// assert_eq!(waves(&plan), vec![vec![0, 1], vec![2]]);
/// # Ok::<(), relman_graph::BuildPlanError>(())
/// ```
pub fn waves(plan: &Plan) -> Vec<Vec<usize>> {
    let net = plan.network();
    let n = plan.tasks().len();
    let mut level = vec![0u32; n];
    for &j in &net.topo {
        let j = j as usize;
        level[j] = net
            .preds(j)
            .iter()
            .map(|a| level[a.other as usize] + 1)
            .max()
            .unwrap_or(0);
    }
    let depth = level.iter().max().map_or(0, |&m| m as usize + 1);
    let mut out = vec![Vec::new(); depth];
    for (j, &l) in level.iter().enumerate() {
        out[l as usize].push(j);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Precedence, PrecedenceKind, Task, TaskId};

    fn id(s: &str) -> TaskId {
        s.parse().expect("valid id")
    }

    #[test]
    fn lags_and_kinds_shift_times() {
        let tasks = vec![
            Task::new(id("a"), 4),
            Task::new(id("b"), 2),
            Task::new(id("c"), 3),
        ];
        let precs = vec![
            Precedence::new(id("a"), id("b"), PrecedenceKind::StartToStart, 1),
            Precedence::new(id("a"), id("c"), PrecedenceKind::FinishToFinish, 2),
        ];
        let plan = Plan::new(tasks, vec![], precs).expect("valid");
        let cp = critical_path(&plan);
        assert_eq!(cp.earliest_start, vec![0, 1, 3]);
        assert_eq!(cp.makespan, 6);
        assert_eq!(cp.critical, vec![0, 2]);
        assert_eq!(cp.slack(1), 3);
    }

    #[test]
    fn release_dates_delay_successors() {
        let mut b = Task::new(id("b"), 1);
        b.release = 10;
        let plan = Plan::new(
            vec![Task::new(id("a"), 2), b, Task::new(id("c"), 1)],
            vec![],
            vec![Precedence::finish_to_start(id("b"), id("c"))],
        )
        .expect("valid");
        let cp = critical_path(&plan);
        assert_eq!(cp.earliest_start, vec![0, 10, 11]);
        assert_eq!(cp.makespan, 12);
        assert_eq!(cp.critical, vec![1, 2]);
        assert_eq!(cp.slack(0), 10);
    }
}
