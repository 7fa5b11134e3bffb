//! Scheduling plans: tasks, precedence edges with lags, renewable resources.
//!
//! A [`Plan`] is validated when it is built ([`Plan::new`]): every edge names known tasks, every
//! demand fits its resource, the precedence graph has no cycle. Once built, tasks are addressed by
//! their position (`0..plan.tasks().len()`), which is also the index used by
//! [`Schedule::starts`](crate::Schedule::starts).
//!
//! Times are integers in an abstract unit (minutes, hours, days: the caller decides), counted
//! from the start of the plan at time `0`.
//!
//! # JSON shape
//!
//! ```json
//! {
//!   "tasks": [{"id": "build", "duration": 3, "demands": {"ci": 1}, "release": 0, "deadline": null}],
//!   "resources": [{"id": "ci", "capacity": 2}],
//!   "precedences": [{"from": "build", "to": "deploy", "kind": "finish_to_start", "lag": 0}]
//! }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why an id was rejected by [`TaskId::from_str`] or [`ResourceId::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseIdError {
    /// The input was empty.
    #[error("id is empty")]
    Empty,
    /// The input holds whitespace or a control character.
    #[error("id {0:?} contains whitespace or a control character")]
    BadCharacter(String),
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.is_empty() {
                    Err(ParseIdError::Empty)
                } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    Err(ParseIdError::BadCharacter(s.to_owned()))
                } else {
                    Ok(Self(s.to_owned()))
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseIdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }
    };
}

id_type!(
    /// The id of a task in a [`Plan`]: a non-empty string without whitespace.
    TaskId
);
id_type!(
    /// The id of a renewable resource in a [`Plan`]: a non-empty string without whitespace.
    ResourceId
);

/// A unit of work: it runs without interruption for `duration` time units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Unique id.
    pub id: TaskId,
    /// Processing time (≥ 0; zero-duration tasks are milestones).
    pub duration: i64,
    /// Units of each renewable resource held while the task runs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub demands: BTreeMap<ResourceId, u32>,
    /// Earliest allowed start (release date).
    #[serde(default)]
    pub release: i64,
    /// Latest allowed finish, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
    /// Who is responsible for the task (a person or a team), if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<relman_model::PersonId>,
}

impl Task {
    /// A task with the given id and duration, no demands, release `0` and no deadline.
    pub fn new(id: TaskId, duration: i64) -> Self {
        Self {
            id,
            duration,
            demands: BTreeMap::new(),
            release: 0,
            deadline: None,
            owner: None,
        }
    }

    /// Adds (or replaces) a demand of `units` of `resource`.
    #[must_use]
    pub fn with_demand(mut self, resource: ResourceId, units: u32) -> Self {
        self.demands.insert(resource, units);
        self
    }
}

/// A renewable resource: at most `capacity` units are in use at any time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Unique id.
    pub id: ResourceId,
    /// Units available at every time.
    pub capacity: u32,
}

impl Resource {
    /// A resource with the given capacity.
    pub fn new(id: ResourceId, capacity: u32) -> Self {
        Self { id, capacity }
    }
}

/// Which ends of two tasks a [`Precedence`] relates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum PrecedenceKind {
    /// `to` starts at least `lag` after `from` finishes.
    #[default]
    FinishToStart,
    /// `to` starts at least `lag` after `from` starts.
    StartToStart,
    /// `to` finishes at least `lag` after `from` finishes.
    FinishToFinish,
}

impl fmt::Display for PrecedenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::FinishToStart => "finish-to-start",
            Self::StartToStart => "start-to-start",
            Self::FinishToFinish => "finish-to-finish",
        })
    }
}

/// A precedence edge `from → to` of the given kind with a minimum time lag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Precedence {
    /// The predecessor.
    pub from: TaskId,
    /// The successor.
    pub to: TaskId,
    /// Which ends are related.
    #[serde(default)]
    pub kind: PrecedenceKind,
    /// Minimum time lag (≥ 0).
    #[serde(default)]
    pub lag: i64,
}

impl Precedence {
    /// A finish-to-start edge without lag.
    pub fn finish_to_start(from: TaskId, to: TaskId) -> Self {
        Self {
            from,
            to,
            kind: PrecedenceKind::FinishToStart,
            lag: 0,
        }
    }

    /// An edge of the given kind and lag.
    pub fn new(from: TaskId, to: TaskId, kind: PrecedenceKind, lag: i64) -> Self {
        Self {
            from,
            to,
            kind,
            lag,
        }
    }
}

/// Returned by [`Plan::new`] when the plan is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildPlanError {
    /// The plan has no task.
    #[error("the plan has no task")]
    Empty,
    /// Two tasks share an id.
    #[error("task {0} is defined twice")]
    DuplicateTask(TaskId),
    /// Two resources share an id.
    #[error("resource {0} is defined twice")]
    DuplicateResource(ResourceId),
    /// A task has a negative duration.
    #[error("task {task} has a negative duration {duration}")]
    NegativeDuration {
        /// The task.
        task: TaskId,
        /// Its duration.
        duration: i64,
    },
    /// A task has a negative release date.
    #[error("task {task} has a negative release date {release}")]
    NegativeRelease {
        /// The task.
        task: TaskId,
        /// Its release date.
        release: i64,
    },
    /// A duration, release date, deadline or lag exceeds [`MAX_TIME`] in magnitude.
    #[error("task {task}: {field} {value} exceeds the limit of {MAX_TIME} time units")]
    ValueTooLarge {
        /// The task (for a lag: the edge's predecessor).
        task: TaskId,
        /// Which value: `"duration"`, `"release"`, `"deadline"` or `"lag"`.
        field: &'static str,
        /// The value.
        value: i64,
    },
    /// A task demands a resource that the plan does not define.
    #[error("task {task} demands unknown resource {resource}")]
    UnknownResource {
        /// The task.
        task: TaskId,
        /// The unknown resource.
        resource: ResourceId,
    },
    /// A task demands more of a resource than its capacity.
    #[error(
        "task {task} demands {demand} units of resource {resource} whose capacity is {capacity}"
    )]
    DemandAboveCapacity {
        /// The task.
        task: TaskId,
        /// The resource.
        resource: ResourceId,
        /// The demand.
        demand: u32,
        /// The capacity.
        capacity: u32,
    },
    /// A precedence edge names a task that the plan does not define.
    #[error("precedence {from} -> {to} names unknown task {unknown}")]
    UnknownTask {
        /// The edge's predecessor.
        from: TaskId,
        /// The edge's successor.
        to: TaskId,
        /// The unknown one of the two.
        unknown: TaskId,
    },
    /// A precedence edge has a negative lag.
    #[error("precedence {from} -> {to} has a negative lag {lag}")]
    NegativeLag {
        /// The edge's predecessor.
        from: TaskId,
        /// The edge's successor.
        to: TaskId,
        /// The lag.
        lag: i64,
    },
    /// The precedence graph has a cycle; the path starts and ends with the same task.
    #[error("precedence cycle: {}", display_path(.0))]
    Cycle(Vec<TaskId>),
    /// A deadline cannot be met even without resource limits.
    #[error(
        "task {task} cannot finish before its deadline {deadline}: its earliest finish is {earliest_finish}"
    )]
    UnreachableDeadline {
        /// The task.
        task: TaskId,
        /// Its deadline.
        deadline: i64,
        /// Its earliest finish ignoring resources.
        earliest_finish: i64,
    },
}

fn display_path(path: &[TaskId]) -> String {
    path.iter()
        .map(TaskId::as_str)
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// The largest magnitude accepted for durations, release dates, deadlines and lags (2³²), so
/// that sums over millions of tasks cannot overflow.
pub const MAX_TIME: i64 = 1 << 32;

/// One edge in index form: `start[to] >= start[from] + delta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arc {
    pub(crate) other: u32,
    pub(crate) delta: i64,
}

/// The precedence network in compressed adjacency form, with a topological order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Network {
    pub(crate) pred_start: Vec<u32>,
    pub(crate) preds: Vec<Arc>,
    pub(crate) succ_start: Vec<u32>,
    pub(crate) succs: Vec<Arc>,
    pub(crate) topo: Vec<u32>,
}

impl Network {
    pub(crate) fn preds(&self, j: usize) -> &[Arc] {
        &self.preds[self.pred_start[j] as usize..self.pred_start[j + 1] as usize]
    }
    pub(crate) fn succs(&self, j: usize) -> &[Arc] {
        &self.succs[self.succ_start[j] as usize..self.succ_start[j + 1] as usize]
    }
}

/// The minimum start-to-start distance that an edge imposes.
pub(crate) fn delta(kind: PrecedenceKind, lag: i64, d_from: i64, d_to: i64) -> i64 {
    match kind {
        PrecedenceKind::FinishToStart => d_from + lag,
        PrecedenceKind::StartToStart => lag,
        PrecedenceKind::FinishToFinish => d_from + lag - d_to,
    }
}

/// A validated scheduling problem: tasks, renewable resources and precedence edges.
///
/// Serializes as `{"tasks": [...], "resources": [...], "precedences": [...]}` with
/// [`Task`], [`Resource`] and [`Precedence`] objects, e.g.
/// `{"tasks": [{"id": "build", "duration": 3, "demands": {"ci": 1}}], "resources": [{"id": "ci",
/// "capacity": 2}], "precedences": []}`; deserializing validates like [`Plan::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PlanSpec", into = "PlanSpec")]
pub struct Plan {
    tasks: Vec<Task>,
    resources: Vec<Resource>,
    precedences: Vec<Precedence>,
    /// Precedence edges as `(from, to)` task indices, parallel to `precedences`.
    edges: Vec<(u32, u32)>,
    /// `demand[j * k + r]`, `k = resources.len()`.
    demand: Vec<u32>,
    net: Network,
}

/// The serialized form of a [`Plan`] (unvalidated).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlanSpec {
    tasks: Vec<Task>,
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    precedences: Vec<Precedence>,
}

impl TryFrom<PlanSpec> for Plan {
    type Error = BuildPlanError;
    fn try_from(spec: PlanSpec) -> Result<Self, Self::Error> {
        Plan::new(spec.tasks, spec.resources, spec.precedences)
    }
}

impl From<Plan> for PlanSpec {
    fn from(plan: Plan) -> Self {
        Self {
            tasks: plan.tasks,
            resources: plan.resources,
            precedences: plan.precedences,
        }
    }
}

impl Plan {
    /// Validates and builds a plan.
    ///
    /// Complexity: O((n + e) + n·k + D) for n tasks, e edges, k resources and D demand entries
    /// (one topological sort, Kahn 1962).
    ///
    /// # Errors
    ///
    /// [`BuildPlanError`] names the fault: an empty plan, duplicate ids, negative durations,
    /// release dates or lags, unknown tasks or resources, a demand above its resource's capacity,
    /// a precedence cycle (with its path), or a deadline that cannot be met even without resource
    /// limits (critical path method).
    pub fn new(
        tasks: Vec<Task>,
        resources: Vec<Resource>,
        precedences: Vec<Precedence>,
    ) -> Result<Self, BuildPlanError> {
        if tasks.is_empty() {
            return Err(BuildPlanError::Empty);
        }
        let n = tasks.len();
        let k = resources.len();
        let mut res_index: HashMap<&ResourceId, usize> = HashMap::with_capacity(k);
        for (i, r) in resources.iter().enumerate() {
            if res_index.insert(&r.id, i).is_some() {
                return Err(BuildPlanError::DuplicateResource(r.id.clone()));
            }
        }
        let mut task_index: HashMap<&TaskId, u32> = HashMap::with_capacity(n);
        let mut demand = vec![0u32; n * k];
        for (j, t) in tasks.iter().enumerate() {
            if task_index.insert(&t.id, j as u32).is_some() {
                return Err(BuildPlanError::DuplicateTask(t.id.clone()));
            }
            if t.duration < 0 {
                return Err(BuildPlanError::NegativeDuration {
                    task: t.id.clone(),
                    duration: t.duration,
                });
            }
            for (field, value) in [
                ("duration", t.duration),
                ("release", t.release),
                ("deadline", t.deadline.unwrap_or(0)),
            ] {
                if value.abs() > MAX_TIME {
                    return Err(BuildPlanError::ValueTooLarge {
                        task: t.id.clone(),
                        field,
                        value,
                    });
                }
            }
            if t.release < 0 {
                return Err(BuildPlanError::NegativeRelease {
                    task: t.id.clone(),
                    release: t.release,
                });
            }
            for (rid, &units) in &t.demands {
                let Some(&r) = res_index.get(rid) else {
                    return Err(BuildPlanError::UnknownResource {
                        task: t.id.clone(),
                        resource: rid.clone(),
                    });
                };
                if units > resources[r].capacity {
                    return Err(BuildPlanError::DemandAboveCapacity {
                        task: t.id.clone(),
                        resource: rid.clone(),
                        demand: units,
                        capacity: resources[r].capacity,
                    });
                }
                demand[j * k + r] = units;
            }
        }
        let mut edges = Vec::with_capacity(precedences.len());
        for p in &precedences {
            let lookup = |id: &TaskId| {
                task_index
                    .get(id)
                    .copied()
                    .ok_or_else(|| BuildPlanError::UnknownTask {
                        from: p.from.clone(),
                        to: p.to.clone(),
                        unknown: id.clone(),
                    })
            };
            let a = lookup(&p.from)?;
            let b = lookup(&p.to)?;
            if p.lag < 0 {
                return Err(BuildPlanError::NegativeLag {
                    from: p.from.clone(),
                    to: p.to.clone(),
                    lag: p.lag,
                });
            }
            if p.lag > MAX_TIME {
                return Err(BuildPlanError::ValueTooLarge {
                    task: p.from.clone(),
                    field: "lag",
                    value: p.lag,
                });
            }
            edges.push((a, b));
        }
        drop(task_index);
        let durations: Vec<i64> = tasks.iter().map(|t| t.duration).collect();
        let arcs = edges.iter().zip(&precedences).map(|(&(a, b), p)| {
            (
                a,
                b,
                delta(p.kind, p.lag, durations[a as usize], durations[b as usize]),
            )
        });
        let net = build_network(n, arcs).map_err(|cycle| {
            BuildPlanError::Cycle(
                cycle
                    .into_iter()
                    .map(|j| tasks[j as usize].id.clone())
                    .collect(),
            )
        })?;
        let plan = Self {
            tasks,
            resources,
            precedences,
            edges,
            demand,
            net,
        };
        let cpm = crate::cpm::critical_path(&plan);
        for (j, t) in plan.tasks.iter().enumerate() {
            if let Some(deadline) = t.deadline {
                let ef = cpm.earliest_start[j] + t.duration;
                if ef > deadline {
                    return Err(BuildPlanError::UnreachableDeadline {
                        task: t.id.clone(),
                        deadline,
                        earliest_finish: ef,
                    });
                }
            }
        }
        Ok(plan)
    }

    /// The tasks, in the order given to [`Plan::new`].
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// The resources, in the order given to [`Plan::new`].
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The precedence edges, in the order given to [`Plan::new`].
    pub fn precedences(&self) -> &[Precedence] {
        &self.precedences
    }

    /// The index of the task with this id, if any (O(n)).
    pub fn task_index(&self, id: &TaskId) -> Option<usize> {
        self.tasks.iter().position(|t| &t.id == id)
    }

    /// Precedence edges as `(from, to)` task indices, parallel to [`Plan::precedences`].
    pub fn edge_indices(&self) -> &[(u32, u32)] {
        &self.edges
    }

    /// Units of resource `r` (by index) that task `j` (by index) demands.
    ///
    /// # Panics
    ///
    /// If `j` or `r` is out of range.
    pub fn demand(&self, j: usize, r: usize) -> u32 {
        self.demand[j * self.resources.len() + r]
    }

    /// A topological order of the task indices (every edge goes forward in it).
    pub fn topological_order(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.net.topo.iter().map(|&j| j as usize)
    }

    pub(crate) fn network(&self) -> &Network {
        &self.net
    }

    pub(crate) fn demand_row(&self, j: usize) -> &[u32] {
        let k = self.resources.len();
        &self.demand[j * k..(j + 1) * k]
    }
}

/// Builds the network; on a cycle returns its path (first node repeated at the end).
///
/// Complexity O(n + e): counting sort into CSR, then Kahn's algorithm with a FIFO queue
/// seeded in index order (deterministic).
pub(crate) fn build_network(
    n: usize,
    arcs: impl Iterator<Item = (u32, u32, i64)> + Clone,
) -> Result<Network, Vec<u32>> {
    let mut pred_start = vec![0u32; n + 1];
    let mut succ_start = vec![0u32; n + 1];
    let mut m = 0usize;
    for (a, b, _) in arcs.clone() {
        succ_start[a as usize + 1] += 1;
        pred_start[b as usize + 1] += 1;
        m += 1;
    }
    for i in 0..n {
        succ_start[i + 1] += succ_start[i];
        pred_start[i + 1] += pred_start[i];
    }
    let mut preds = vec![Arc { other: 0, delta: 0 }; m];
    let mut succs = vec![Arc { other: 0, delta: 0 }; m];
    let mut pf = pred_start.clone();
    let mut sf = succ_start.clone();
    for (a, b, d) in arcs {
        succs[sf[a as usize] as usize] = Arc { other: b, delta: d };
        sf[a as usize] += 1;
        preds[pf[b as usize] as usize] = Arc { other: a, delta: d };
        pf[b as usize] += 1;
    }
    let mut net = Network {
        pred_start,
        preds,
        succ_start,
        succs,
        topo: Vec::with_capacity(n),
    };
    let mut indeg: Vec<u32> = (0..n)
        .map(|j| net.pred_start[j + 1] - net.pred_start[j])
        .collect();
    net.topo
        .extend((0..n as u32).filter(|&j| indeg[j as usize] == 0));
    let mut head = 0;
    while head < net.topo.len() {
        let j = net.topo[head] as usize;
        head += 1;
        for a in &net.succs[net.succ_start[j] as usize..net.succ_start[j + 1] as usize] {
            let s = a.other as usize;
            indeg[s] -= 1;
            if indeg[s] == 0 {
                net.topo.push(s as u32);
            }
        }
    }
    if net.topo.len() < n {
        return Err(find_cycle(&net, &indeg));
    }
    Ok(net)
}

/// Among nodes left with positive in-degree, walk predecessors until one repeats.
fn find_cycle(net: &Network, indeg: &[u32]) -> Vec<u32> {
    let n = indeg.len();
    let start = (0..n)
        .find(|&j| indeg[j] > 0)
        .expect("a cycle leaves a node with positive in-degree");
    let mut seen = vec![usize::MAX; n];
    let mut walk = Vec::new();
    let mut j = start;
    while seen[j] == usize::MAX {
        seen[j] = walk.len();
        walk.push(j as u32);
        // a node with remaining in-degree has a predecessor also in the cyclic remainder
        j = net
            .preds(j)
            .iter()
            .map(|a| a.other as usize)
            .filter(|&p| indeg[p] > 0)
            .min()
            .expect("a node inside the cyclic remainder has a predecessor there");
    }
    let mut cycle: Vec<u32> = walk[seen[j]..].to_vec();
    cycle.reverse(); // predecessor walk reversed: edges now go forward
    // rotate so the smallest index comes first, for determinism
    let min_pos = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, v)| **v)
        .map_or(0, |(i, _)| i);
    cycle.rotate_left(min_pos);
    cycle.push(cycle[0]);
    cycle
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> TaskId {
        s.parse().expect("valid id")
    }

    #[test]
    fn ids_round_trip_and_reject_bad_input() {
        assert_eq!(id("a-1").to_string(), "a-1");
        assert_eq!("".parse::<TaskId>(), Err(ParseIdError::Empty));
        assert!(matches!(
            "a b".parse::<ResourceId>(),
            Err(ParseIdError::BadCharacter(_))
        ));
    }

    #[test]
    fn cycle_is_reported_with_its_path() {
        let tasks = vec![
            Task::new(id("a"), 1),
            Task::new(id("b"), 1),
            Task::new(id("c"), 1),
        ];
        let precs = vec![
            Precedence::finish_to_start(id("a"), id("b")),
            Precedence::finish_to_start(id("b"), id("c")),
            Precedence::finish_to_start(id("c"), id("b")),
        ];
        let err = Plan::new(tasks, vec![], precs).expect_err("cycle");
        assert_eq!(err, BuildPlanError::Cycle(vec![id("b"), id("c"), id("b")]));
        assert_eq!(err.to_string(), "precedence cycle: b -> c -> b");
    }

    #[test]
    fn bad_inputs_are_named() {
        assert_eq!(
            Plan::new(vec![], vec![], vec![]),
            Err(BuildPlanError::Empty)
        );
        let r: ResourceId = "team".parse().expect("valid");
        let t = Task::new(id("a"), 2).with_demand(r.clone(), 3);
        let err = Plan::new(vec![t.clone()], vec![Resource::new(r.clone(), 2)], vec![])
            .expect_err("over");
        assert!(matches!(
            err,
            BuildPlanError::DemandAboveCapacity {
                demand: 3,
                capacity: 2,
                ..
            }
        ));
        let err = Plan::new(vec![t], vec![], vec![]).expect_err("unknown resource");
        assert!(matches!(err, BuildPlanError::UnknownResource { .. }));
        let err = Plan::new(
            vec![Task::new(id("a"), 1)],
            vec![],
            vec![Precedence::finish_to_start(id("a"), id("zz"))],
        )
        .expect_err("unknown task");
        assert_eq!(
            err,
            BuildPlanError::UnknownTask {
                from: id("a"),
                to: id("zz"),
                unknown: id("zz")
            }
        );
        let mut late = Task::new(id("b"), 5);
        late.deadline = Some(4);
        let err = Plan::new(
            vec![Task::new(id("a"), 1), late],
            vec![],
            vec![Precedence::finish_to_start(id("a"), id("b"))],
        )
        .expect_err("deadline");
        assert_eq!(
            err,
            BuildPlanError::UnreachableDeadline {
                task: id("b"),
                deadline: 4,
                earliest_finish: 6
            }
        );
    }

    #[test]
    fn json_round_trip_validates() {
        let json = r#"{"tasks":[{"id":"a","duration":2},{"id":"b","duration":1}],
            "precedences":[{"from":"a","to":"b","kind":"start_to_start","lag":1}]}"#;
        let plan: Plan = serde_json::from_str(json).expect("valid plan");
        assert_eq!(plan.precedences()[0].kind, PrecedenceKind::StartToStart);
        let back: Plan =
            serde_json::from_str(&serde_json::to_string(&plan).expect("ser")).expect("de");
        assert_eq!(back, plan);
        let bad = r#"{"tasks":[{"id":"a","duration":2}],"precedences":[{"from":"a","to":"a"}]}"#;
        assert!(serde_json::from_str::<Plan>(bad).is_err());
    }
}
