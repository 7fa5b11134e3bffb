//! Dependency and scheduling graphs for release management.
//!
//! `relman-graph` orders the components of a release and schedules release tasks under
//! precedence and resource constraints. It does no I/O, never reads the clock and exposes no
//! graph-library types: the component graph is built on petgraph inside (petgraph is 0.x, so
//! its types stay private) and the scheduler works on flat index arrays of its own.
//!
//! # Component map
//!
//! - [`ComponentGraph`]: built from [`relman_model::Component`]s; release order with
//!   deterministic ties, parallel waves, impact (transitive dependents with depth), cycle
//!   detection naming the path (dev-dependency cycles are legal), and bump propagation under a
//!   [`PropagationPolicy`] with evidence ([`PlannedBump`]).
//! - [`publish_plan`]: publishes in dependency order under registry [`RateLimits`] (token
//!   buckets), resumable from the [`DoneStep`]s already taken.
//!
//! # Scheduling map
//!
//! - [`Plan`]: validated [`Task`]s, [`Resource`]s and [`Precedence`] edges
//!   (finish-to-start, start-to-start, finish-to-finish, with lags); [`parse_sm`] reads PSPLIB
//!   `.sm` files into one.
//! - [`critical_path`]: earliest/latest starts, slack and a critical path (Kelley 1961).
//! - [`generate`]: serial or parallel schedule generation with a [`PriorityRule`]
//!   (Kolisch 1996); [`justify`]: forward-backward improvement (Valls et al. 2005);
//!   [`lower_bound`].
//! - [`search`] / [`search_until`]: a seeded genetic algorithm with a schedule budget or a
//!   caller-supplied stop closure (Hartmann 1998).
//! - [`verify`]: checks any [`Schedule`] against every constraint and names each
//!   [`Violation`].
//! - [`Calendar`]: working days and hours minus [`Blackout`] (freeze) windows; a
//!   [`TimeScale`] with a calendar maps plan time to dates so that no task runs in a blackout.
//! - Exports over a [`TimeScale`]: [`to_mermaid`], [`task_dot`] / [`component_dot`],
//!   [`to_svg`] (or [`to_svg_grouped`] by wave and component), [`to_ics`] (RFC 5545) and [`ScheduleReport`] (JSON); [`critical_tasks`] marks
//!   the critical chain of a resource-constrained schedule and [`critical_chain`] walks one
//!   path through it.
//! - [`PlanFile`]: the plan files of `docs/schedule-plan.md` (serde); [`PlanFile::schedule`]
//!   searches one into a [`ScheduledPlan`] that renders as any [`PlanExport`].
//!
//! ```
//! use relman_graph::{Plan, Precedence, Resource, SearchOptions, Task, search, verify};
//! let team: relman_graph::ResourceId = "team".parse()?;
//! let task = |id: &str, d, q| -> Result<Task, relman_graph::ParseIdError> {
//!     Ok(Task::new(id.parse()?, d).with_demand(team.clone(), q))
//! };
//! let plan = Plan::new(
//!     vec![task("build", 2, 1)?, task("test", 3, 2)?, task("docs", 2, 1)?],
//!     vec![Resource::new(team.clone(), 2)],
//!     vec![Precedence::finish_to_start("build".parse()?, "test".parse()?)],
//! )?;
//! let out = search(&plan, &SearchOptions::new(42, 1_000))?;
//! assert_eq!(out.makespan, 5);
//! assert!(verify(&plan, &out.schedule).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod calendar;
mod components;
mod cpm;
mod engine;
mod export;
mod plan;
mod plan_file;
mod psplib;
mod publish;
mod rng;
mod schedule;
mod search;
mod verify;

pub use calendar::{Blackout, BuildCalendarError, Calendar};
pub use components::{
    BuildComponentGraphError, BumpCause, ComponentGraph, DevDependencies, Impacted, PlannedBump,
    Propagation, PropagationPolicy, RequirementMatch, UnknownComponentError,
};
pub use cpm::{CriticalPath, critical_path, waves};
pub use export::{
    GanttGroup, GanttLayout, ScheduleReport, Shade, TaskReport, TimeScale, TimeUnit, component_dot,
    component_mermaid, critical_chain, critical_tasks, task_dot, to_ics, to_mermaid, to_svg,
    to_svg_grouped,
};
pub use plan::{
    BuildPlanError, MAX_TIME, ParseIdError, Plan, Precedence, PrecedenceKind, Resource, ResourceId,
    Task, TaskId,
};
pub use plan_file::{PlanExport, PlanFile, SchedulePlanFileError, ScheduledPlan};
pub use psplib::{ParseSmError, parse_sm};
pub use publish::{
    DoneStep, PublishKind, PublishPlan, PublishStep, RateLimits, TokenBucket, publish_plan,
};
pub use schedule::{
    MAX_HORIZON, PriorityRule, Schedule, ScheduleError, Scheme, generate, justify, lower_bound,
};
pub use search::{Optimality, Progress, SearchOptions, SearchOutcome, search, search_until};
pub use verify::{Violation, verify};

#[cfg(test)]
mod tests {
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<crate::Plan>();
        check::<crate::Schedule>();
        check::<crate::BuildPlanError>();
        check::<crate::ParseSmError>();
        check::<crate::ScheduleError>();
        check::<crate::SearchOutcome>();
        check::<crate::Violation>();
    }
}

/// The Rust snippets of `docs/guide/relman-graph.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-graph.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
