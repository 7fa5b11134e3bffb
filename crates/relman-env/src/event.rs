//! The events of the environment ledger.
//!
//! An [`Event`] is something that happened at a time, done by someone; its [`EventKind`] says
//! what. The ledger only grows: a failed deployment is corrected by a later event, never by
//! editing an earlier one. Current state ([`EnvState`](crate::EnvState)) is a fold of the events.
//!
//! JSON: `{"at": "2026-11-28T10:00:00Z", "by": "ana", "kind": "deployment_started",
//! "env": "staging", "component": "api", "version": "1.2.3", ...}`: the kind's fields are
//! flattened next to `at` and `by`.

use chrono::{DateTime, Utc};
use relman_model::{
    ApprovalRule, ChangeId, ChangeKind, ChangeRequestId, ComponentId, Digest, Environment,
    EnvironmentId, PersonId, ReleaseId, ReleasedComponent, RiskLevel, Verdict, Window,
};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::canary::{CanaryMetricOutcome, CanaryVerdict, Figure};
use crate::change::{GateOutcome, PlannedWindow};
use crate::policy::Lifecycle;
use crate::recurring::RecurringWindow;

/// One entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened (given by the caller; the library never reads the clock).
    pub at: DateTime<Utc>,
    /// Who did it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonId>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// An event of `kind` at `at` by `by`.
    pub fn new(at: DateTime<Utc>, by: Option<PersonId>, kind: EventKind) -> Self {
        Self { at, by, kind }
    }
}

/// A change shipped by a deployment, with its commit time (for lead time).
///
/// JSON: `{"id": "3f2a...", "committed_at": "2026-11-27T09:00:00Z"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedChange {
    /// The change.
    pub id: ChangeId,
    /// When it was committed.
    pub committed_at: DateTime<Utc>,
}

/// Why a deployment happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployReason {
    /// A planned deployment of a new version.
    #[default]
    Planned,
    /// A rollback to an earlier version.
    Rollback,
    /// A promotion of what runs in the previous environment.
    Promotion,
    /// An unplanned fix deployed because of an incident (counts as rework in DORA).
    Hotfix,
}

impl DeployReason {
    /// The reason as written in JSON (`planned`, `rollback`, `promotion`, `hotfix`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DeployReason::Planned => "planned",
            DeployReason::Rollback => "rollback",
            DeployReason::Promotion => "promotion",
            DeployReason::Hotfix => "hotfix",
        }
    }
}

impl std::fmt::Display for DeployReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// What happened. Deployments are identified by environment, component and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The environments of the pipeline were declared (replaces earlier declarations).
    EnvironmentsDeclared {
        /// The environments, in promotion order.
        environments: Vec<Environment>,
    },
    /// The promotion lifecycle was declared (replaces earlier declarations).
    LifecycleDeclared {
        /// The lifecycle.
        lifecycle: Lifecycle,
    },
    /// A deployment started.
    DeploymentStarted {
        /// Where.
        env: EnvironmentId,
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
        /// The release it belongs to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        release: Option<ReleaseId>,
        /// Why.
        #[serde(default)]
        reason: DeployReason,
        /// The changes it ships (for lead time).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<ShippedChange>,
    },
    /// A deployment finished successfully.
    DeploymentSucceeded {
        /// Where.
        env: EnvironmentId,
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
    },
    /// A deployment failed.
    DeploymentFailed {
        /// Where.
        env: EnvironmentId,
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
        /// Why.
        reason: String,
    },
    /// An approval of a release for an environment, bound to the release digest.
    Approved {
        /// The release approved.
        release: ReleaseId,
        /// For which environment.
        env: EnvironmentId,
        /// The digest of what was approved.
        digest: Digest,
    },
    /// A version of a component must not be deployed.
    Quarantined {
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
        /// Why.
        reason: String,
    },
    /// A quarantine was lifted.
    QuarantineResolved {
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
        /// How it was resolved.
        resolution: String,
    },
    /// A one-off window (freeze or maintenance) was declared.
    WindowDeclared {
        /// The window.
        window: Window,
    },
    /// A recurring window (cron expression in an IANA time zone) was declared.
    RecurringWindowDeclared {
        /// The window.
        window: RecurringWindow,
    },
    /// A lease on an environment was taken. Its fencing token is the event's revision.
    LockAcquired {
        /// The environment.
        env: EnvironmentId,
        /// Until when (the lease's TTL ends).
        expires_at: DateTime<Utc>,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A lease was released by its holder, or forced open (then `forced` holds the reason).
    LockReleased {
        /// The environment.
        env: EnvironmentId,
        /// The fencing token of the lease released.
        token: u64,
        /// The recorded reason when someone other than the holder forced it open.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forced: Option<String>,
    },
    /// An incident, linked to the deployment that caused it.
    IncidentOpened {
        /// The incident's id, e.g. `INC-7`.
        id: String,
        /// Where.
        env: EnvironmentId,
        /// Which component.
        component: ComponentId,
        /// Which version caused it.
        version: Version,
    },
    /// An incident was resolved.
    IncidentResolved {
        /// The incident's id.
        id: String,
    },
    /// The version that should run somewhere.
    DesiredStateSet {
        /// Where.
        env: EnvironmentId,
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
    },
    /// The version found running somewhere.
    ObservedStateReported {
        /// Where.
        env: EnvironmentId,
        /// What.
        component: ComponentId,
        /// Which version.
        version: Version,
    },
    /// A change request was opened with its whole draft (state `new`).
    ChangeRequestOpened {
        /// Its id, e.g. `CR-1a2b3c4d`.
        change_request: ChangeRequestId,
        /// A one-line title.
        title: String,
        /// Standard, normal or emergency.
        change_kind: ChangeKind,
        /// Who asked for it (may not approve it).
        requester: PersonId,
        /// The digest of the plan under approval (e.g. SHA-256 of the release plan).
        digest: Digest,
        /// Who must approve.
        rule: ApprovalRule,
        /// The release it implements, if named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        release: Option<ReleaseId>,
        /// The component versions it releases.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        components: Vec<ReleasedComponent>,
        /// The planned implementation window, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<PlannedWindow>,
    },
    /// A change request's risk was assessed (advances a new request out of `new`).
    ChangeRequestAssessed {
        /// The request.
        change_request: ChangeRequestId,
        /// The risk score, 0 to 100.
        score: u8,
        /// The risk level.
        level: RiskLevel,
    },
    /// A change request was submitted for authorization.
    ChangeRequestSubmitted {
        /// The request.
        change_request: ChangeRequestId,
    },
    /// A change request was approved by the event's `by`, bound to a plan digest.
    ChangeRequestApproved {
        /// The request.
        change_request: ChangeRequestId,
        /// The digest approved.
        digest: Digest,
    },
    /// A change request was rejected (back to `new`, approvals voided).
    ChangeRequestRejected {
        /// The request.
        change_request: ChangeRequestId,
        /// Why.
        reason: String,
    },
    /// The plan of a change request changed: approvals of the old digest stop counting.
    ChangeRequestAmended {
        /// The request.
        change_request: ChangeRequestId,
        /// The new digest.
        digest: Digest,
    },
    /// A change request was scheduled (or re-scheduled) for a window.
    ChangeRequestScheduled {
        /// The request.
        change_request: ChangeRequestId,
        /// When implementation starts.
        start: DateTime<Utc>,
        /// When it should be done.
        finish: DateTime<Utc>,
    },
    /// Implementation of a change request started.
    ChangeRequestImplemented {
        /// The request.
        change_request: ChangeRequestId,
    },
    /// A change request entered its post-implementation review.
    ChangeRequestReviewed {
        /// The request.
        change_request: ChangeRequestId,
    },
    /// A change request was closed.
    ChangeRequestClosed {
        /// The request.
        change_request: ChangeRequestId,
    },
    /// A change request was cancelled.
    ChangeRequestCanceled {
        /// The request.
        change_request: ChangeRequestId,
        /// Why.
        reason: String,
    },
    /// A quality-gate verdict was recorded for a release or a change request.
    GateVerdictRecorded {
        /// The release judged, if named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        release: Option<ReleaseId>,
        /// The change request judged, if named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change_request: Option<ChangeRequestId>,
        /// The combined verdict.
        verdict: Verdict,
        /// One outcome per gate.
        gates: Vec<GateOutcome>,
    },
    /// A canary verdict was recorded: `version` of `component` in `env` judged against the
    /// `baseline` version from their metrics (see [`crate::canary`]).
    CanaryVerdictRecorded {
        /// Where the canary ran.
        env: EnvironmentId,
        /// The component judged.
        component: ComponentId,
        /// The canary's version.
        version: Version,
        /// The baseline's version.
        baseline: Version,
        /// The verdict.
        verdict: CanaryVerdict,
        /// The score, from 0 to 100.
        score: Figure,
        /// One outcome per metric.
        metrics: Vec<CanaryMetricOutcome>,
    },
    /// A command of a deployment run by `relman deploy` finished: which step, how it ended and
    /// the tail of its output. Recorded just before the deployment's outcome (or after it, for
    /// the `post` hook).
    DeployCommandFinished {
        /// Where.
        env: EnvironmentId,
        /// What.
        component: ComponentId,
        /// Which version the command deployed or checked.
        version: Version,
        /// Which step of the deployment.
        step: DeployStep,
        /// How many times it ran (a health check's attempts; 1 otherwise).
        #[serde(default = "one")]
        attempts: u32,
        /// How its last run ended.
        status: CommandStatus,
        /// The tail of its combined stdout and stderr (bounded, control characters escaped).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        output: String,
    },
    /// A step of `relman release` was done for the release plan with `digest` (edit, commit,
    /// tag, push, publish; see the relman-release crate). A rerun skips recorded steps.
    ReleaseStepDone {
        /// The digest of the release plan carried out.
        digest: Digest,
        /// The step's id, e.g. `edit:1`, `lockfile`, `commit`, `tag:api-v1.2.0`, `push`,
        /// `publish:api@1.2.0`.
        step: String,
        /// What the step left behind (a commit id, `already in the registry`), if anything.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
}

fn one() -> u32 {
    1
}

/// A step of a deployment run by `relman deploy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeployStep {
    /// The hook run before the deploy command.
    Pre,
    /// The deploy command.
    Deploy,
    /// The health check.
    Health,
    /// The hook run after a successful deployment.
    Post,
}

impl DeployStep {
    /// The step as written in JSON (`pre`, `deploy`, `health`, `post`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DeployStep::Pre => "pre",
            DeployStep::Deploy => "deploy",
            DeployStep::Health => "health",
            DeployStep::Post => "post",
        }
    }
}

impl std::fmt::Display for DeployStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// How a command ended.
///
/// JSON: `{"status": "exited", "code": 0}`, `{"status": "signaled", "signal": 9}`,
/// `{"status": "timed_out", "after_ms": 30000}` or `{"status": "not_started", "reason": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CommandStatus {
    /// It exited with this code (0 is success).
    Exited {
        /// The exit code.
        code: i32,
    },
    /// A signal ended it.
    Signaled {
        /// The signal number.
        signal: i32,
    },
    /// It ran past its timeout and was killed.
    TimedOut {
        /// The timeout, in milliseconds.
        after_ms: u64,
    },
    /// It could not be started (no such program, not executable).
    NotStarted {
        /// Why.
        reason: String,
    },
}

impl CommandStatus {
    /// Whether the command succeeded (exited with 0).
    pub fn is_success(&self) -> bool {
        matches!(self, CommandStatus::Exited { code: 0 })
    }
}

impl std::fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandStatus::Exited { code } => write!(f, "exited with {code}"),
            CommandStatus::Signaled { signal } => write!(f, "killed by signal {signal}"),
            CommandStatus::TimedOut { after_ms } => write!(f, "timed out after {after_ms} ms"),
            CommandStatus::NotStarted { reason } => write!(f, "could not start: {reason}"),
        }
    }
}

impl EventKind {
    /// The kind's name as in JSON, e.g. `"deployment_started"`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::EnvironmentsDeclared { .. } => "environments_declared",
            EventKind::LifecycleDeclared { .. } => "lifecycle_declared",
            EventKind::DeploymentStarted { .. } => "deployment_started",
            EventKind::DeploymentSucceeded { .. } => "deployment_succeeded",
            EventKind::DeploymentFailed { .. } => "deployment_failed",
            EventKind::Approved { .. } => "approved",
            EventKind::Quarantined { .. } => "quarantined",
            EventKind::QuarantineResolved { .. } => "quarantine_resolved",
            EventKind::WindowDeclared { .. } => "window_declared",
            EventKind::RecurringWindowDeclared { .. } => "recurring_window_declared",
            EventKind::LockAcquired { .. } => "lock_acquired",
            EventKind::LockReleased { .. } => "lock_released",
            EventKind::IncidentOpened { .. } => "incident_opened",
            EventKind::IncidentResolved { .. } => "incident_resolved",
            EventKind::DesiredStateSet { .. } => "desired_state_set",
            EventKind::ObservedStateReported { .. } => "observed_state_reported",
            EventKind::ChangeRequestOpened { .. } => "change_request_opened",
            EventKind::ChangeRequestAssessed { .. } => "change_request_assessed",
            EventKind::ChangeRequestSubmitted { .. } => "change_request_submitted",
            EventKind::ChangeRequestApproved { .. } => "change_request_approved",
            EventKind::ChangeRequestRejected { .. } => "change_request_rejected",
            EventKind::ChangeRequestAmended { .. } => "change_request_amended",
            EventKind::ChangeRequestScheduled { .. } => "change_request_scheduled",
            EventKind::ChangeRequestImplemented { .. } => "change_request_implemented",
            EventKind::ChangeRequestReviewed { .. } => "change_request_reviewed",
            EventKind::ChangeRequestClosed { .. } => "change_request_closed",
            EventKind::ChangeRequestCanceled { .. } => "change_request_canceled",
            EventKind::GateVerdictRecorded { .. } => "gate_verdict_recorded",
            EventKind::CanaryVerdictRecorded { .. } => "canary_verdict_recorded",
            EventKind::DeployCommandFinished { .. } => "deploy_command_finished",
            EventKind::ReleaseStepDone { .. } => "release_step_done",
        }
    }

    /// The change request the event is about, if any (the one opened, acted on or judged).
    pub fn change_request(&self) -> Option<&ChangeRequestId> {
        match self {
            EventKind::ChangeRequestOpened { change_request, .. } => Some(change_request),
            EventKind::GateVerdictRecorded { change_request, .. } => change_request.as_ref(),
            _ => self.change_request_action_target(),
        }
    }

    /// The change request an action event (assessed ... canceled) acts on.
    pub(crate) fn change_request_action_target(&self) -> Option<&ChangeRequestId> {
        match self {
            EventKind::ChangeRequestAssessed { change_request, .. }
            | EventKind::ChangeRequestSubmitted { change_request }
            | EventKind::ChangeRequestApproved { change_request, .. }
            | EventKind::ChangeRequestRejected { change_request, .. }
            | EventKind::ChangeRequestAmended { change_request, .. }
            | EventKind::ChangeRequestScheduled { change_request, .. }
            | EventKind::ChangeRequestImplemented { change_request }
            | EventKind::ChangeRequestReviewed { change_request }
            | EventKind::ChangeRequestClosed { change_request }
            | EventKind::ChangeRequestCanceled { change_request, .. } => Some(change_request),
            _ => None,
        }
    }

    /// The environment the event is about, if any.
    pub fn env(&self) -> Option<&EnvironmentId> {
        match self {
            EventKind::DeploymentStarted { env, .. }
            | EventKind::DeploymentSucceeded { env, .. }
            | EventKind::DeploymentFailed { env, .. }
            | EventKind::Approved { env, .. }
            | EventKind::LockAcquired { env, .. }
            | EventKind::LockReleased { env, .. }
            | EventKind::IncidentOpened { env, .. }
            | EventKind::DesiredStateSet { env, .. }
            | EventKind::ObservedStateReported { env, .. }
            | EventKind::CanaryVerdictRecorded { env, .. }
            | EventKind::DeployCommandFinished { env, .. } => Some(env),
            _ => None,
        }
    }

    /// The component the event is about, if any.
    pub fn component(&self) -> Option<&ComponentId> {
        match self {
            EventKind::DeploymentStarted { component, .. }
            | EventKind::DeploymentSucceeded { component, .. }
            | EventKind::DeploymentFailed { component, .. }
            | EventKind::Quarantined { component, .. }
            | EventKind::QuarantineResolved { component, .. }
            | EventKind::IncidentOpened { component, .. }
            | EventKind::DesiredStateSet { component, .. }
            | EventKind::ObservedStateReported { component, .. }
            | EventKind::CanaryVerdictRecorded { component, .. }
            | EventKind::DeployCommandFinished { component, .. } => Some(component),
            _ => None,
        }
    }

    /// The version the event is about, if any.
    pub fn version(&self) -> Option<&Version> {
        match self {
            EventKind::DeploymentStarted { version, .. }
            | EventKind::DeploymentSucceeded { version, .. }
            | EventKind::DeploymentFailed { version, .. }
            | EventKind::Quarantined { version, .. }
            | EventKind::QuarantineResolved { version, .. }
            | EventKind::IncidentOpened { version, .. }
            | EventKind::DesiredStateSet { version, .. }
            | EventKind::ObservedStateReported { version, .. }
            | EventKind::CanaryVerdictRecorded { version, .. }
            | EventKind::DeployCommandFinished { version, .. } => Some(version),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_flat_and_tagged() {
        let e = Event::new(
            "2026-11-28T10:00:00Z".parse().unwrap(),
            Some("ana".parse().unwrap()),
            EventKind::DeploymentSucceeded {
                env: "staging".parse().unwrap(),
                component: "api".parse().unwrap(),
                version: Version::new(1, 2, 3),
            },
        );
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2026-11-28T10:00:00Z","by":"ana","kind":"deployment_succeeded","env":"staging","component":"api","version":"1.2.3"}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        assert_eq!(e.kind.name(), "deployment_succeeded");
    }

    #[test]
    fn deploy_command_finished_has_a_stable_shape_and_defaults() {
        let json = r#"{"at":"2026-11-28T10:00:00Z","kind":"deploy_command_finished","env":"dev","component":"api","version":"1.0.0","step":"health","status":{"status":"exited","code":1}}"#;
        let e: Event = serde_json::from_str(json).expect("reads without attempts and output");
        let EventKind::DeployCommandFinished {
            attempts, status, ..
        } = &e.kind
        else {
            panic!("{e:?}")
        };
        assert_eq!(*attempts, 1);
        assert_eq!(*status, CommandStatus::Exited { code: 1 });
        assert!(!status.is_success());
        assert_eq!(e.kind.name(), "deploy_command_finished");
        let again: Event =
            serde_json::from_str(&serde_json::to_string(&e).expect("writes")).expect("reads");
        assert_eq!(again, e);
    }

    #[test]
    fn deploy_reason_displays_its_json_name() {
        for reason in [
            DeployReason::Planned,
            DeployReason::Rollback,
            DeployReason::Promotion,
            DeployReason::Hotfix,
        ] {
            let json = serde_json::to_string(&reason).expect("serialises");
            assert_eq!(json, format!("\"{reason}\""));
        }
    }
}
