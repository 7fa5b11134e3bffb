//! Independent schedule checking: [`verify`] names every violated constraint.

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, PrecedenceKind, ResourceId, TaskId};
use crate::schedule::Schedule;

/// One violated constraint, as found by [`verify`].
///
/// JSON shape: externally tagged by the variant name in snake case, e.g.
/// `{"overload": {"resource": "team", "from": 4, "to": 6, "usage": 3, "capacity": 2}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Violation {
    /// The schedule does not have one start per task.
    WrongLength {
        /// Number of tasks in the plan.
        expected: usize,
        /// Number of starts in the schedule.
        found: usize,
    },
    /// A task starts before its release date (or before time 0).
    TooEarly {
        /// The task.
        task: TaskId,
        /// Its start.
        start: i64,
        /// Its release date.
        release: i64,
    },
    /// A task finishes after its deadline.
    TooLate {
        /// The task.
        task: TaskId,
        /// Its finish.
        finish: i64,
        /// Its deadline.
        deadline: i64,
    },
    /// A precedence edge is not respected.
    Precedence {
        /// The predecessor.
        from: TaskId,
        /// The successor.
        to: TaskId,
        /// The edge kind.
        kind: PrecedenceKind,
        /// The required lag.
        lag: i64,
        /// The actual distance between the related ends (smaller than `lag`).
        actual: i64,
    },
    /// A resource is used above its capacity during `[from, to)`.
    Overload {
        /// The resource.
        resource: ResourceId,
        /// Start of the overloaded interval.
        from: i64,
        /// End of the overloaded interval.
        to: i64,
        /// Units in use during the interval.
        usage: u64,
        /// The capacity.
        capacity: u32,
    },
}

/// Checks `schedule` against every constraint of `plan` and returns each violation (empty when
/// the schedule is feasible). Overloads are reported as maximal intervals of constant usage.
///
/// Complexity: O(e + n·k + D log D) for D demand entries (an event sweep per resource).
///
/// ```
/// use relman_graph::{Plan, Precedence, Schedule, Task, Violation, verify};
/// let t = |s: &str| Task::new(s.parse().unwrap(), 2);
/// let plan = Plan::new(vec![t("a"), t("b")], vec![],
///     vec![Precedence::finish_to_start("a".parse()?, "b".parse()?)])?;
/// let bad = Schedule { starts: vec![0, 1] };
/// assert!(matches!(verify(&plan, &bad)[..], [Violation::Precedence { actual: -1, .. }]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(plan: &Plan, schedule: &Schedule) -> Vec<Violation> {
    let tasks = plan.tasks();
    let n = tasks.len();
    let s = &schedule.starts;
    if s.len() != n {
        return vec![Violation::WrongLength {
            expected: n,
            found: s.len(),
        }];
    }
    let mut out = Vec::new();
    for (t, &st) in tasks.iter().zip(s) {
        if st < t.release || st < 0 {
            out.push(Violation::TooEarly {
                task: t.id.clone(),
                start: st,
                release: t.release,
            });
        }
        if let Some(deadline) = t.deadline
            && st + t.duration > deadline
        {
            out.push(Violation::TooLate {
                task: t.id.clone(),
                finish: st + t.duration,
                deadline,
            });
        }
    }
    for (p, &(a, b)) in plan.precedences().iter().zip(plan.edge_indices()) {
        let (a, b) = (a as usize, b as usize);
        let (sa, fa) = (s[a], s[a] + tasks[a].duration);
        let (sb, fb) = (s[b], s[b] + tasks[b].duration);
        let actual = match p.kind {
            PrecedenceKind::FinishToStart => sb - fa,
            PrecedenceKind::StartToStart => sb - sa,
            PrecedenceKind::FinishToFinish => fb - fa,
        };
        if actual < p.lag {
            out.push(Violation::Precedence {
                from: p.from.clone(),
                to: p.to.clone(),
                kind: p.kind,
                lag: p.lag,
                actual,
            });
        }
    }
    let mut events: Vec<(i64, i64)> = Vec::new();
    for (r, res) in plan.resources().iter().enumerate() {
        events.clear();
        for j in 0..n {
            let q = i64::from(plan.demand(j, r));
            if q > 0 && tasks[j].duration > 0 {
                events.push((s[j], q));
                events.push((s[j] + tasks[j].duration, -q));
            }
        }
        events.sort_unstable();
        let cap = i64::from(res.capacity);
        let mut usage = 0i64;
        let mut i = 0;
        let mut open: Option<(i64, i64)> = None; // (from, usage)
        while i < events.len() {
            let t = events[i].0;
            while i < events.len() && events[i].0 == t {
                usage += events[i].1;
                i += 1;
            }
            if let Some((from, u)) = open.take() {
                out.push(Violation::Overload {
                    resource: res.id.clone(),
                    from,
                    to: t,
                    usage: u.unsigned_abs(),
                    capacity: res.capacity,
                });
            }
            if usage > cap {
                open = Some((t, usage));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Precedence, Resource, Task};

    #[test]
    fn every_kind_of_violation_is_named() {
        let r: ResourceId = "r".parse().expect("id");
        let mut a = Task::new("a".parse().expect("id"), 3).with_demand(r.clone(), 1);
        a.release = 1;
        let mut b = Task::new("b".parse().expect("id"), 2).with_demand(r.clone(), 1);
        b.deadline = Some(9);
        let c = Task::new("c".parse().expect("id"), 2).with_demand(r.clone(), 1);
        let plan = Plan::new(
            vec![a, b, c],
            vec![Resource::new(r.clone(), 1)],
            vec![Precedence::new(
                "a".parse().expect("id"),
                "b".parse().expect("id"),
                PrecedenceKind::StartToStart,
                2,
            )],
        )
        .expect("valid");
        assert_eq!(
            verify(
                &plan,
                &Schedule {
                    starts: vec![1, 4, 7]
                }
            ),
            vec![]
        );
        let v = verify(
            &plan,
            &Schedule {
                starts: vec![0, 8, 1],
            },
        );
        assert_eq!(
            v,
            vec![
                Violation::TooEarly {
                    task: "a".parse().expect("id"),
                    start: 0,
                    release: 1
                },
                Violation::TooLate {
                    task: "b".parse().expect("id"),
                    finish: 10,
                    deadline: 9
                },
                Violation::Overload {
                    resource: r,
                    from: 1,
                    to: 3,
                    usage: 2,
                    capacity: 1
                },
            ]
        );
        let v = verify(
            &plan,
            &Schedule {
                starts: vec![1, 2, 7],
            },
        );
        assert!(matches!(
            v[..],
            [
                Violation::Precedence {
                    actual: 1,
                    lag: 2,
                    ..
                },
                Violation::Overload { .. }
            ]
        ));
        assert_eq!(
            verify(&plan, &Schedule { starts: vec![1] }),
            vec![Violation::WrongLength {
                expected: 3,
                found: 1
            }]
        );
    }
}
