//! A [`Review`] as a flat serde value ([`ReviewView`]): ids, versions and states as text,
//! durations in hours. `relman review --format json` prints it; its shape is pinned by the
//! CLI's tests.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ApprovalScope, Review};
use crate::canary::CanaryVerdictRecord;
use crate::change::GateVerdictRecord;
use crate::dora::DoraMetrics;
use crate::state::{Deployment, EnvState};

/// A [`Review`] as a flat serde value: what `relman review --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReviewView {
    /// The name the release was reviewed under.
    pub release: String,
    /// How the name resolved: `change_request`, `component_version` or `release`.
    pub resolved_as: &'static str,
    /// The environment reviewed.
    pub env: Option<String>,
    /// When the release reached it (or started anywhere).
    pub released_at: Option<DateTime<Utc>>,
    /// Days compared before and after the release.
    pub window_days: u32,
    /// The release's change request.
    pub change_request: Option<crate::change::ChangeRequestView>,
    /// The component versions, `name@version`.
    pub components: Vec<String>,
    /// Its deployments.
    pub deployments: Vec<DeploymentView>,
    /// Rollbacks away from its versions.
    pub rollbacks: Vec<DeploymentView>,
    /// Incidents in the window.
    pub incidents: Vec<IncidentView>,
    /// DORA metrics before and after.
    pub dora: Option<DoraComparisonView>,
    /// Gate verdicts recorded for it.
    pub gate_verdicts: Vec<VerdictView>,
    /// Canary verdicts recorded for its component versions (`relman verify`).
    pub canary_verdicts: Vec<CanaryVerdictView>,
    /// Approvals given for it.
    pub approvals: Vec<ApprovalView>,
    /// What to do next.
    pub follow_ups: Vec<FollowUpView>,
    /// Remarks on missing facts.
    pub notes: Vec<String>,
}

/// A deployment of a [`ReviewView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DeploymentView {
    /// The environment.
    pub env: String,
    /// The component.
    pub component: String,
    /// The version deployed.
    pub version: String,
    /// Why (`deploy`, `promote`, `rollback`...).
    pub reason: String,
    /// Who started it.
    pub by: Option<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its status.
    pub outcome: String,
    /// The journal revision that started it.
    pub revision: u64,
}

/// An incident of a [`ReviewView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct IncidentView {
    /// The incident's id.
    pub id: String,
    /// The environment.
    pub env: String,
    /// The component.
    pub component: String,
    /// The version running when it opened.
    pub version: String,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether a version of this release caused it.
    pub caused_by_release: bool,
}

/// The DORA metrics before and after the release.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DoraComparisonView {
    /// The window before.
    pub before: DoraView,
    /// The window after.
    pub after: DoraView,
}

/// The DORA metrics of one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DoraView {
    /// Start of the window.
    pub from: DateTime<Utc>,
    /// End of the window.
    pub to: DateTime<Utc>,
    /// Deployments finished in it.
    pub deployments: usize,
    /// Deployment frequency.
    pub deployments_per_day: f64,
    /// Median lead time for changes, hours.
    pub lead_time_median_hours: Option<f64>,
    /// Share of deployments that failed or were rolled back.
    pub change_failure_rate: Option<f64>,
    /// Median time to restore, hours.
    pub recovery_time_median_hours: Option<f64>,
    /// Share of unplanned deployments.
    pub rework_rate: Option<f64>,
}

/// A recorded gate verdict of a [`ReviewView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct VerdictView {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub by: Option<String>,
    /// The release it is for.
    pub release: Option<String>,
    /// The change request it is for.
    pub change_request: Option<String>,
    /// The overall verdict.
    pub verdict: String,
    /// Each gate's verdict.
    pub gates: Vec<GateVerdictLine>,
    /// Its journal revision.
    pub revision: u64,
}

/// A canary verdict of a [`ReviewView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CanaryVerdictView {
    /// The environment the canary ran in.
    pub env: String,
    /// The component.
    pub component: String,
    /// The canary's version.
    pub version: String,
    /// The baseline's version.
    pub baseline: String,
    /// `pass`, `marginal` or `fail`.
    pub verdict: String,
    /// The score, from 0 to 100.
    pub score: f64,
    /// Each metric's class (`pass`, `high`, `low`, `nodata`), as `{metric, classification}`.
    pub metrics: Vec<CanaryMetricLine>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub by: Option<String>,
    /// Its journal revision.
    pub revision: u64,
}

/// One metric of a [`CanaryVerdictView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CanaryMetricLine {
    /// The metric.
    pub metric: String,
    /// Its class.
    pub classification: String,
    /// Whether it changed in its bad direction.
    pub failed: bool,
}

fn canary_output(v: &CanaryVerdictRecord) -> CanaryVerdictView {
    CanaryVerdictView {
        env: v.env.to_string(),
        component: v.component.to_string(),
        version: v.version.to_string(),
        baseline: v.baseline.to_string(),
        verdict: v.verdict.to_string(),
        score: v.score.0,
        metrics: v
            .metrics
            .iter()
            .map(|m| CanaryMetricLine {
                metric: m.metric.clone(),
                classification: m.classification.to_string(),
                failed: m.failed,
            })
            .collect(),
        at: v.at,
        by: v.by.as_ref().map(ToString::to_string),
        revision: v.revision.get(),
    }
}

/// One gate of a [`VerdictView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GateVerdictLine {
    /// The gate.
    pub gate: String,
    /// Its verdict.
    pub verdict: String,
    /// Why.
    pub reasons: Vec<String>,
}

/// An approval of a [`ReviewView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ApprovalView {
    /// `change_request` (bound to its plan digest) or `environment` (`relman env approve`).
    pub scope: &'static str,
    /// The environment of an environment approval.
    pub env: Option<String>,
    /// The approver.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The digest approved.
    pub digest: String,
    /// Whether it counts for the change request's current digest (always true for env scope).
    pub current: bool,
}

/// A follow-up action of a [`ReviewView`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FollowUpView {
    /// Its kind ([`FollowUp::kind`](super::FollowUp::kind)).
    pub kind: &'static str,
    /// What to do.
    pub action: String,
}

fn deployment_output(d: &Deployment) -> DeploymentView {
    DeploymentView {
        env: d.env.to_string(),
        component: d.component.to_string(),
        version: d.version.to_string(),
        reason: d.reason.to_string(),
        by: d.by.as_ref().map(ToString::to_string),
        started_at: d.started_at,
        finished_at: d.finished_at,
        outcome: d.status.to_string(),
        revision: d.revision.get(),
    }
}

fn dora_output(m: &DoraMetrics) -> DoraView {
    let hours = |s: Option<i64>| s.map(|s| s as f64 / 3600.0);
    DoraView {
        from: m.from,
        to: m.to,
        deployments: m.deployments,
        deployments_per_day: m.deployments_per_day,
        lead_time_median_hours: hours(m.lead_time.median_seconds),
        change_failure_rate: m.change_failure_rate,
        recovery_time_median_hours: hours(m.recovery_time.median_seconds),
        rework_rate: m.rework_rate,
    }
}

fn verdict_output(v: &GateVerdictRecord) -> VerdictView {
    VerdictView {
        at: v.at,
        by: v.by.as_ref().map(ToString::to_string),
        release: v.release.as_ref().map(ToString::to_string),
        change_request: v.change_request.as_ref().map(ToString::to_string),
        verdict: v.verdict.to_string(),
        gates: v
            .gates
            .iter()
            .map(|g| GateVerdictLine {
                gate: g.gate.to_string(),
                verdict: g.verdict.to_string(),
                reasons: g.reasons.clone(),
            })
            .collect(),
        revision: v.revision.get(),
    }
}

impl ReviewView {
    /// The view of `r`, reviewed as `release` (the name the user gave).
    pub fn new(state: &EnvState, release: &str, r: &Review) -> Self {
        view(state, release, r)
    }
}

fn view(state: &EnvState, release: &str, r: &Review) -> ReviewView {
    ReviewView {
        release: release.to_owned(),
        resolved_as: r.subject.kind(),
        env: r.env.as_ref().map(ToString::to_string),
        released_at: r.released_at,
        window_days: r.window_days,
        change_request: r
            .change_request
            .as_ref()
            .map(|e| crate::change::ChangeRequestView::new(state, e)),
        components: r.versions.iter().map(ToString::to_string).collect(),
        deployments: r.deployments.iter().map(deployment_output).collect(),
        rollbacks: r.rollbacks.iter().map(deployment_output).collect(),
        incidents: r
            .incidents
            .iter()
            .map(|ri| {
                let i = &ri.incident;
                IncidentView {
                    id: i.id.clone(),
                    env: i.env.to_string(),
                    component: i.component.to_string(),
                    version: i.version.to_string(),
                    opened_at: i.opened_at,
                    resolved_at: i.resolved_at,
                    caused_by_release: ri.caused_by_release,
                }
            })
            .collect(),
        dora: r.dora.as_ref().map(|d| DoraComparisonView {
            before: dora_output(&d.before),
            after: dora_output(&d.after),
        }),
        gate_verdicts: r.gate_verdicts.iter().map(verdict_output).collect(),
        canary_verdicts: r.canary_verdicts.iter().map(canary_output).collect(),
        approvals: r
            .approvals
            .iter()
            .map(|a| ApprovalView {
                scope: match a.scope {
                    ApprovalScope::ChangeRequest => "change_request",
                    _ => "environment",
                },
                env: a.env.as_ref().map(ToString::to_string),
                by: a.by.to_string(),
                at: a.at,
                digest: a.digest.to_string(),
                current: a.current,
            })
            .collect(),
        follow_ups: r
            .follow_ups
            .iter()
            .map(|f| FollowUpView {
                kind: f.kind(),
                action: f.to_string(),
            })
            .collect(),
        notes: r.notes.iter().map(ToString::to_string).collect(),
    }
}
