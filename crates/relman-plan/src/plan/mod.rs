//! The release plan: [`plan`] composes the engines into a [`ReleasePlan`] value (serde,
//! `release-plan.json` schema version [`SCHEMA_VERSION`]) with a content-only digest, and
//! renders it as text, Markdown and release notes.
//!
//! Modules: [`model`] holds the plan's types and its digest, `build` assembles it,
//! `release_risk` scores it, [`pipeline`] schedules the task pipeline and [`render`] writes
//! text and Markdown.

mod build;
pub mod model;
pub mod pipeline;
mod release_risk;
pub mod render;

pub use build::{PlanOptions, PlannedRelease, plan};
pub use model::{
    ChangeRequestDraft, ChangeRisk, PlanDraftError, PlanEvidence, PlanRisk, PlanSchedule, PlanTask,
    PlannedComponent, ReadPlanError, ReleaseNotes, ReleasePlan, SCHEMA_VERSION,
};
pub use pipeline::{PipelineError, Scheduled, StageHours};

/// Returned by [`plan`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A unit's decision failed (its history cannot be read, a version overflows).
    #[error(transparent)]
    Decide(#[from] crate::decide::DecideError),
    /// Releases cannot be propagated over the dependency graph.
    #[error(transparent)]
    Propagate(#[from] crate::decide::PropagateError),
    /// The units' dependency graph is invalid.
    #[error("invalid component graph")]
    Graph(#[source] relman_graph::BuildComponentGraphError),
    /// The change metrics of the history cannot be computed.
    #[error(transparent)]
    Metrics(#[from] relman_risk::HistoryMetricsError),
    /// The changelog settings are invalid.
    #[error(transparent)]
    Changelog(#[from] crate::config::ChangelogSettingsError),
    /// The release pipeline cannot be built or scheduled.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The digest does not make a change request id (never happens for a SHA-256).
    #[error("the plan digest does not make a change request")]
    Digest,
}
