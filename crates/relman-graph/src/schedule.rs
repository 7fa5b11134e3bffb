//! Resource-constrained schedules: schedule generation schemes with priority rules,
//! forward-backward improvement and lower bounds.
//!
//! References: R. Kolisch, "Serial and parallel resource-constrained project scheduling
//! methods revisited: theory and computation", EJOR 90, 1996; V. Valls, F. Ballestín,
//! S. Quintanilla, "Justification and RCPSP: a technique that pays", EJOR 165, 2005.

use serde::{Deserialize, Serialize};

use crate::cpm::critical_path;
use crate::engine::{Justifier, Problem, Workspace};
use crate::plan::{Plan, TaskId};

/// Start times of every task, indexed like [`Plan::tasks`].
///
/// JSON shape: `{"starts": [0, 4, 4, 9]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Schedule {
    /// Start time of each task.
    pub starts: Vec<i64>,
}

impl Schedule {
    /// The latest finish time over all tasks (`0` for a schedule of a plan without work).
    ///
    /// # Panics
    ///
    /// If the schedule has more entries than the plan has tasks.
    pub fn makespan(&self, plan: &Plan) -> i64 {
        self.starts
            .iter()
            .zip(plan.tasks())
            .map(|(s, t)| s + t.duration)
            .max()
            .unwrap_or(0)
    }

    /// Finish time of task `j`.
    ///
    /// # Panics
    ///
    /// If `j` is out of range of the plan or the schedule.
    pub fn finish(&self, plan: &Plan, j: usize) -> i64 {
        self.starts[j] + plan.tasks()[j].duration
    }
}

/// Returned by the schedulers when the best schedule found misses a task's deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// A task finishes after its deadline under the resource limits.
    #[error("task {task} finishes at {finish}, after its deadline {deadline}")]
    DeadlineMissed {
        /// The first task (by index) that misses its deadline.
        task: TaskId,
        /// Its finish in the best schedule found.
        finish: i64,
        /// Its deadline.
        deadline: i64,
    },
    /// The plan's worst-case horizon is too long for the time-indexed resource profile.
    #[error("the plan may span {horizon} time units, more than the {limit} the schedulers support")]
    HorizonTooLong {
        /// An upper bound on the makespan of any generated schedule.
        horizon: i64,
        /// [`MAX_HORIZON`].
        limit: i64,
    },
}

/// The largest worst-case horizon (in time units) of a plan that the resource-constrained
/// schedulers accept: their resource profile is an array indexed by time. Use coarser time
/// units for plans above it.
pub const MAX_HORIZON: i64 = 50_000_000;

/// Rejects plans whose worst-case serial schedule would exceed [`MAX_HORIZON`]: with
/// `E = max(0, max over edges of (δ − d_from))`, every task starts by
/// `max release + Σ (d + E)`.
pub(crate) fn check_horizon(plan: &Plan) -> Result<(), ScheduleError> {
    let net = plan.network();
    let tasks = plan.tasks();
    let extra = (0..tasks.len())
        .flat_map(|j| {
            net.preds(j)
                .iter()
                .map(move |a| a.delta - tasks[a.other as usize].duration)
        })
        .max()
        .unwrap_or(0)
        .max(0);
    let max_release = tasks.iter().map(|t| t.release).max().unwrap_or(0);
    let horizon = tasks
        .iter()
        .try_fold(max_release, |acc: i64, t| {
            acc.checked_add(t.duration)?.checked_add(extra)
        })
        .unwrap_or(i64::MAX);
    if horizon > MAX_HORIZON {
        return Err(ScheduleError::HorizonTooLong {
            horizon,
            limit: MAX_HORIZON,
        });
    }
    Ok(())
}

pub(crate) fn check_deadlines(plan: &Plan, starts: &[i64]) -> Result<(), ScheduleError> {
    for (t, &s) in plan.tasks().iter().zip(starts) {
        if let Some(deadline) = t.deadline
            && s + t.duration > deadline
        {
            return Err(ScheduleError::DeadlineMissed {
                task: t.id.clone(),
                finish: s + t.duration,
                deadline,
            });
        }
    }
    Ok(())
}

/// Total time by which tasks overrun their deadlines (0 when all are met).
pub(crate) fn deadline_excess(plan: &Plan, starts: &[i64]) -> i64 {
    plan.tasks()
        .iter()
        .zip(starts)
        .filter_map(|(t, &s)| t.deadline.map(|d| (s + t.duration - d).max(0)))
        .sum()
}

/// Priority rules for the schedule generation schemes (Kolisch 1996, table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PriorityRule {
    /// Latest finish time first (from the critical path method).
    Lft,
    /// Latest start time first.
    Lst,
    /// Minimum slack first.
    Mslk,
    /// Most total successors first (transitive; O(n·e/64) with bit sets).
    Mts,
    /// Greatest rank positional weight first: own duration plus the durations of the
    /// immediate successors.
    Grpw,
    /// Shortest processing time first.
    Spt,
    /// Earliest start time first.
    Est,
}

impl PriorityRule {
    /// All rules, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::Lft,
        Self::Lst,
        Self::Mslk,
        Self::Mts,
        Self::Grpw,
        Self::Spt,
        Self::Est,
    ];
}

/// Priority values (smaller = scheduled first) of every task under `rule`.
pub(crate) fn priorities(plan: &Plan, rule: PriorityRule) -> Vec<i64> {
    let tasks = plan.tasks();
    let n = tasks.len();
    let cp = critical_path(plan);
    let net = plan.network();
    match rule {
        PriorityRule::Lft => (0..n)
            .map(|j| cp.latest_start[j] + tasks[j].duration)
            .collect(),
        PriorityRule::Lst => cp.latest_start.clone(),
        PriorityRule::Mslk => (0..n).map(|j| cp.slack(j)).collect(),
        PriorityRule::Est => cp.earliest_start.clone(),
        PriorityRule::Spt => tasks.iter().map(|t| t.duration).collect(),
        PriorityRule::Grpw => (0..n)
            .map(|j| {
                -(tasks[j].duration
                    + net
                        .succs(j)
                        .iter()
                        .map(|a| tasks[a.other as usize].duration)
                        .sum::<i64>())
            })
            .collect(),
        PriorityRule::Mts => {
            let words = n.div_ceil(64);
            let mut reach = vec![0u64; n * words];
            for &j in net.topo.iter().rev() {
                let j = j as usize;
                for a in net.succs(j) {
                    let s = a.other as usize;
                    reach[j * words + s / 64] |= 1 << (s % 64);
                    for w in 0..words {
                        let v = reach[s * words + w];
                        reach[j * words + w] |= v;
                    }
                }
            }
            (0..n)
                .map(|j| {
                    -i64::from(
                        reach[j * words..(j + 1) * words]
                            .iter()
                            .map(|w| w.count_ones())
                            .sum::<u32>(),
                    )
                })
                .collect()
        }
    }
}

/// Which schedule generation scheme to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Serial: tasks one at a time in priority order, each as early as possible (generates
    /// active schedules).
    Serial,
    /// Parallel: advance a clock, starting every eligible task that fits (non-delay schedules).
    Parallel,
}

/// A single-pass priority-rule heuristic: schedule generation `scheme` with `rule`.
///
/// Complexity: serial O(n·(p + d̄·ρ) + n log n + e), parallel O(n²·d̄·ρ + e), with d̄ the mean
/// duration and ρ the mean number of resources a task demands (Kolisch 1996).
///
/// ```
/// use relman_graph::{Plan, PriorityRule, Resource, Scheme, Task, generate, verify};
/// let team: relman_graph::ResourceId = "team".parse().unwrap();
/// let t = |s: &str, d| Task::new(s.parse().unwrap(), d).with_demand(team.clone(), 1);
/// let plan = Plan::new(vec![t("a", 2), t("b", 3)], vec![Resource::new(team.clone(), 1)], vec![])?;
/// let schedule = generate(&plan, Scheme::Serial, PriorityRule::Lft)?;
/// assert_eq!(schedule.makespan(&plan), 5);
/// assert!(verify(&plan, &schedule).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ScheduleError::DeadlineMissed`] when the schedule misses a task's deadline;
/// [`ScheduleError::HorizonTooLong`] when the plan exceeds [`MAX_HORIZON`].
pub fn generate(
    plan: &Plan,
    scheme: Scheme,
    rule: PriorityRule,
) -> Result<Schedule, ScheduleError> {
    check_horizon(plan)?;
    let p = Problem::forward(plan);
    let prio = priorities(plan, rule);
    let mut ws = Workspace::default();
    let mut starts = vec![0; p.n];
    match scheme {
        Scheme::Serial => {
            let mut list = Vec::with_capacity(p.n);
            ws.order_by_key(&p, |j| prio[j], &mut list);
            ws.serial(&p, &list, &mut starts);
        }
        Scheme::Parallel => {
            ws.parallel(&p, &prio, &mut starts);
        }
    }
    check_deadlines(plan, &starts)?;
    Ok(Schedule { starts })
}

/// Forward-backward improvement (double justification, Valls et al. 2005), repeated until the
/// makespan stops decreasing.
///
/// Each pass right-justifies every task in order of decreasing finish time, then
/// left-justifies in order of increasing start; the result is always resource- and
/// precedence-feasible. With finish-to-start edges only the makespan never grows. Complexity:
/// per pass O(n log n + e) plus two serial schedule generations.
///
/// # Errors
///
/// [`ScheduleError::DeadlineMissed`] when the result misses a task's deadline;
/// [`ScheduleError::HorizonTooLong`] when the plan exceeds [`MAX_HORIZON`].
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn justify(plan: &Plan, schedule: &Schedule) -> Result<Schedule, ScheduleError> {
    check_horizon(plan)?;
    let mut j = Justifier::new(plan);
    let mut starts = schedule.starts[..plan.tasks().len()].to_vec();
    let mut t = schedule.makespan(plan);
    let mut list = Vec::new();
    let mut first = true;
    loop {
        let mut next = starts.clone();
        let t2 = j.justify(&mut next, t, &mut list);
        if t2 < t || first {
            starts = next;
            first = false;
            if t2 >= t {
                break;
            }
            t = t2;
        } else {
            break;
        }
    }
    check_deadlines(plan, &starts)?;
    Ok(Schedule { starts })
}

/// A lower bound on the makespan of every feasible schedule: the larger of the critical path
/// length (Kelley 1961) and, for each resource, `⌈Σ dⱼ·rⱼ / capacity⌉` (the energy bound).
///
/// Complexity O(n·k + e).
pub fn lower_bound(plan: &Plan) -> i64 {
    let cp = critical_path(plan).makespan;
    let mut lb = cp;
    for (r, res) in plan.resources().iter().enumerate() {
        if res.capacity == 0 {
            continue;
        }
        let energy: i64 = plan
            .tasks()
            .iter()
            .enumerate()
            .map(|(j, t)| t.duration * i64::from(plan.demand(j, r)))
            .sum();
        lb = lb.max((energy + i64::from(res.capacity) - 1) / i64::from(res.capacity));
    }
    lb
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Precedence, Resource, ResourceId, Task};
    use crate::verify::verify;

    fn small() -> Plan {
        // two parallel chains competing for one unit
        let r: ResourceId = "r".parse().expect("id");
        let t = |s: &str, d, q| Task::new(s.parse().expect("id"), d).with_demand(r.clone(), q);
        let e = |a: &str, b: &str| {
            Precedence::finish_to_start(a.parse().expect("id"), b.parse().expect("id"))
        };
        Plan::new(
            vec![
                t("a", 3, 2),
                t("b", 2, 1),
                t("c", 4, 1),
                t("d", 1, 2),
                t("e", 2, 1),
            ],
            vec![Resource::new(r.clone(), 2)],
            vec![e("a", "d"), e("b", "c"), e("c", "e")],
        )
        .expect("valid")
    }

    #[test]
    fn every_rule_and_scheme_is_feasible() {
        let plan = small();
        let lb = lower_bound(&plan);
        assert_eq!(lb, 8); // energy: (6+2+4+2+2)/2 = 8 > cp 8
        for scheme in [Scheme::Serial, Scheme::Parallel] {
            for rule in PriorityRule::ALL {
                let s = generate(&plan, scheme, rule).expect("no deadlines");
                assert_eq!(verify(&plan, &s), vec![], "{scheme:?} {rule:?}");
                assert!(s.makespan(&plan) >= lb);
                let j = justify(&plan, &s).expect("no deadlines");
                assert_eq!(verify(&plan, &j), vec![]);
                assert!(j.makespan(&plan) <= s.makespan(&plan));
            }
        }
    }

    #[test]
    fn huge_values_are_typed_errors_not_allocations() {
        let r: ResourceId = "r".parse().expect("id");
        let task = |d| Task::new("a".parse().expect("id"), d).with_demand(r.clone(), 1);
        let err = Plan::new(
            vec![task(crate::MAX_TIME + 1)],
            vec![Resource::new(r.clone(), 1)],
            vec![],
        )
        .expect_err("too large");
        assert!(matches!(
            err,
            crate::BuildPlanError::ValueTooLarge {
                field: "duration",
                ..
            }
        ));
        let plan = Plan::new(
            vec![task(crate::MAX_TIME)],
            vec![Resource::new(r.clone(), 1)],
            vec![],
        )
        .expect("valid");
        assert!(matches!(
            generate(&plan, Scheme::Serial, PriorityRule::Lft),
            Err(ScheduleError::HorizonTooLong {
                limit: MAX_HORIZON,
                ..
            })
        ));
        assert!(crate::search(&plan, &crate::SearchOptions::new(0, 10)).is_err());
        assert_eq!(crate::critical_path(&plan).makespan, crate::MAX_TIME);
    }

    #[test]
    fn mts_counts_transitive_successors() {
        let plan = small();
        assert_eq!(priorities(&plan, PriorityRule::Mts), vec![-1, -2, -1, 0, 0]);
    }
}
