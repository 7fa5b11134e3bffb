//! The plan as serialized to `release-plan.json`, and the planned components it is built from.

use chrono::{DateTime, Utc};
use relman_git::TagPattern;
use relman_model::{Bump, Change, ChangeKind, Component, RiskLevel, Version};
use serde::Serialize;

/// `release-plan.json` (and `--format json`) without the change request: the part the digest
/// covers.
#[derive(Debug, Serialize)]
pub(crate) struct PlanBody {
    pub(crate) repository: String,
    pub(crate) head: String,
    pub(crate) config: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) propagation: &'static str,
    pub(crate) components: Vec<ComponentOutput>,
    pub(crate) waves: Vec<Vec<String>>,
    pub(crate) risk: RiskOutput,
    pub(crate) schedule: ScheduleOutput,
}

/// `release-plan.json`.
#[derive(Debug, Serialize)]
pub(crate) struct PlanOutput {
    #[serde(flatten)]
    pub(crate) body: PlanBody,
    pub(crate) change_request: ChangeRequestOutput,
}

#[derive(Debug, Serialize)]
pub(crate) struct ComponentOutput {
    pub(crate) name: String,
    pub(crate) current: Option<String>,
    pub(crate) next: String,
    pub(crate) bump: &'static str,
    pub(crate) release: bool,
    pub(crate) first_release: bool,
    pub(crate) last_tag: Option<String>,
    pub(crate) tag: String,
    pub(crate) changes: usize,
    pub(crate) evidence: Vec<EvidenceOutput>,
    pub(crate) propagated: Vec<String>,
    pub(crate) changelog: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct EvidenceOutput {
    pub(crate) commit: String,
    pub(crate) summary: String,
    pub(crate) bump: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct RiskOutput {
    pub(crate) score: u8,
    pub(crate) level: RiskLevel,
    pub(crate) method: &'static str,
    pub(crate) reasons: Vec<String>,
    pub(crate) mitigations: Vec<String>,
    pub(crate) riskiest_changes: Vec<ChangeRiskOutput>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChangeRiskOutput {
    pub(crate) component: String,
    pub(crate) commit: String,
    pub(crate) summary: String,
    pub(crate) probability: f64,
    pub(crate) top_factors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ScheduleOutput {
    pub(crate) unit: &'static str,
    pub(crate) makespan_hours: i64,
    pub(crate) finish: Option<DateTime<Utc>>,
    pub(crate) tasks: Vec<TaskOutput>,
    pub(crate) critical_path: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TaskOutput {
    pub(crate) id: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) finish: DateTime<Utc>,
    pub(crate) hours: i64,
    pub(crate) critical: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChangeRequestOutput {
    pub(crate) id: String,
    pub(crate) kind: ChangeKind,
    pub(crate) title: String,
    pub(crate) requester: String,
    pub(crate) state: String,
    pub(crate) digest: String,
    pub(crate) approvals_required: usize,
    pub(crate) created: DateTime<Utc>,
}

/// A component as planned before propagation.
pub(crate) struct Planned {
    pub(crate) component: Component,
    pub(crate) current: Option<Version>,
    pub(crate) last_tag: Option<String>,
    pub(crate) pattern: TagPattern,
    pub(crate) changes: Vec<Change>,
    pub(crate) bump: Bump,
    pub(crate) evidence: Vec<EvidenceOutput>,
    pub(crate) next: Version,
    pub(crate) release: bool,
    pub(crate) first_release: bool,
}

/// The forge release body of one released component (`release-notes.md`): relman-changelog's
/// `Changelog::release_notes` of its changes.
#[derive(Debug, Clone)]
pub(crate) struct ReleaseNotes {
    /// The component.
    pub(crate) component: String,
    /// Its next version.
    pub(crate) version: String,
    /// The release tag.
    pub(crate) tag: String,
    /// The Markdown body (`###` sections, contributors, the comparison link).
    pub(crate) body: String,
}
