//! Current state as a fold of the ledger: what runs where, leases, quarantines, approvals,
//! windows, incidents, desired vs observed (drift), rollback targets, change requests and
//! recorded gate verdicts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use relman_model::{
    ChangeRequestId, ComponentId, Digest, Environment, EnvironmentId, PersonId, ReleaseId, Window,
};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::canary::CanaryVerdictRecord;
use crate::change::{
    ApplyChangeEventError, ChangeRequestEntry, GateVerdictRecord, RejectedEvent,
    check_gate_verdict, next_entry,
};
use crate::event::{DeployReason, Event, EventKind, ShippedChange};
use crate::policy::Lifecycle;
use crate::recurring::RecurringWindow;
use crate::store::{Recorded, Revision};

/// The status of the latest deployment of a component to an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    /// Started, not finished.
    InProgress,
    /// Finished successfully.
    Succeeded,
    /// Failed.
    Failed,
}

impl std::fmt::Display for DeploymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            DeploymentStatus::InProgress => "in_progress",
            DeploymentStatus::Succeeded => "succeeded",
            DeploymentStatus::Failed => "failed",
        })
    }
}

/// A deployment of one version of a component to one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// Where.
    pub env: EnvironmentId,
    /// What.
    pub component: ComponentId,
    /// Which version.
    pub version: Version,
    /// The release it belongs to.
    pub release: Option<ReleaseId>,
    /// Who started it.
    pub by: Option<PersonId>,
    /// Why.
    pub reason: DeployReason,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it succeeded or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its status.
    pub status: DeploymentStatus,
    /// The changes it ships.
    pub changes: Vec<ShippedChange>,
    /// The revision of the event that started it.
    pub revision: Revision,
    /// The fencing token of the environment's lease its starter held when it started
    /// (`relman deploy` always holds one), if any. Absent from snapshots written before it
    /// was recorded: it then defaults to none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<u64>,
}

/// A lease on an environment: whoever holds it may deploy there until it expires. The fencing
/// token (the revision of the event that took it) grows with every lease, so a stale holder's
/// writes can be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The environment.
    pub env: EnvironmentId,
    /// Who holds it.
    pub holder: Option<PersonId>,
    /// The fencing token.
    pub token: u64,
    /// When it was taken.
    pub acquired_at: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// Why it was taken.
    pub reason: Option<String>,
}

impl Lease {
    /// Whether the lease still holds at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// A quarantined version of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantine {
    /// Why.
    pub reason: String,
    /// Who quarantined it.
    pub by: Option<PersonId>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An approval of a release for an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// The release.
    pub release: ReleaseId,
    /// The environment.
    pub env: EnvironmentId,
    /// The digest approved.
    pub digest: Digest,
    /// The approver (approvals without a known approver are not recorded).
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// An incident linked to a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Its id.
    pub id: String,
    /// Where.
    pub env: EnvironmentId,
    /// Which component.
    pub component: ComponentId,
    /// Which version caused it.
    pub version: Version,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A difference between the desired and the observed version of a component somewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// Where.
    pub env: EnvironmentId,
    /// What.
    pub component: ComponentId,
    /// What should run.
    pub desired: Option<Version>,
    /// What was observed.
    pub observed: Option<Version>,
}

/// The fold of a ledger. Build it with [`EnvState::fold`] or apply events one by one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvState {
    /// The declared environments, in promotion order.
    pub environments: Vec<Environment>,
    /// The declared lifecycle, if any.
    pub lifecycle: Option<Lifecycle>,
    /// Every deployment, in ledger order.
    pub deployments: Vec<Deployment>,
    /// Active quarantines per component and version.
    pub quarantined: BTreeMap<ComponentId, BTreeMap<Version, Quarantine>>,
    /// Declared one-off windows.
    pub windows: Vec<Window>,
    /// Declared recurring windows.
    pub recurring_windows: Vec<RecurringWindow>,
    /// The latest lease per environment (check [`Lease::is_active`]).
    pub leases: BTreeMap<EnvironmentId, Lease>,
    /// Approvals, in ledger order.
    pub approvals: Vec<ApprovalRecord>,
    /// Incidents by id.
    pub incidents: BTreeMap<String, Incident>,
    /// Desired versions. JSON: a list of `{"env", "component", "version"}` entries (a map keyed
    /// by a pair cannot be a JSON object).
    #[serde(with = "placed_versions")]
    pub desired: BTreeMap<(EnvironmentId, ComponentId), Version>,
    /// Observed versions. JSON: as [`desired`](Self::desired).
    #[serde(with = "placed_versions")]
    pub observed: BTreeMap<(EnvironmentId, ComponentId), Version>,
    /// The revision of the last event applied.
    pub revision: Revision,
    /// Change requests by id (see [`EnvState::change_requests`]). Absent from snapshots written
    /// before change requests were recorded: it then defaults to empty.
    #[serde(default)]
    pub change_requests: BTreeMap<ChangeRequestId, ChangeRequestEntry>,
    /// Recorded gate verdicts, in ledger order (see [`EnvState::gate_verdicts`]).
    #[serde(default)]
    pub gate_verdicts: Vec<GateVerdictRecord>,
    /// Recorded canary verdicts, in ledger order (see [`EnvState::canary_verdicts`]). Absent
    /// from snapshots written before canary verdicts were recorded: it then defaults to empty.
    #[serde(default)]
    pub canary_verdicts: Vec<CanaryVerdictRecord>,
    /// Events the fold could not apply (an invalid change-request transition written by an
    /// older or foreign writer), in ledger order. They changed nothing.
    #[serde(default)]
    pub rejected: Vec<RejectedEvent>,
    /// The steps of `relman release` done, by release plan digest, in ledger order. Absent
    /// from snapshots written before releases were recorded: it then defaults to empty.
    #[serde(default)]
    pub release_steps: BTreeMap<Digest, Vec<String>>,
}

impl EnvState {
    /// Folds `events` (in revision order) into a state.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Recorded<Event>>) -> Self {
        let mut state = EnvState::default();
        for e in events {
            state.apply(e);
        }
        state
    }

    /// Checks whether `event` applies to this state, without changing it. Writers call it before
    /// appending change-request and gate-verdict events, so that an invalid transition is
    /// refused instead of recorded; every other event always applies.
    ///
    /// # Errors
    ///
    /// [`ApplyChangeEventError`] naming the change request and why: unknown id, id already
    /// opened, a transition its state machine refuses (wrong state, self-approval, an approver
    /// outside the rule, a stale digest, missing approvals), a missing approver, an empty window.
    pub fn check(&self, event: &Event) -> Result<(), ApplyChangeEventError> {
        if let EventKind::GateVerdictRecorded { change_request, .. } = &event.kind {
            return check_gate_verdict(&self.change_requests, change_request.as_ref());
        }
        next_entry(&self.change_requests, event, self.revision.after(1)).map(|_| ())
    }

    /// Applies one event. Events that refer to nothing known (a success without a start) are
    /// recorded as well as they can be, never rejected: the ledger is the truth. The exception
    /// is a change-request event its state machine refuses: it changes nothing and is listed in
    /// [`EnvState::rejected`] with the reason.
    pub fn apply(&mut self, recorded: &Recorded<Event>) {
        let Event { at, by, kind } = &recorded.event;
        let at = *at;
        self.revision = recorded.revision;
        match kind {
            EventKind::ChangeRequestOpened { .. }
            | EventKind::ChangeRequestAssessed { .. }
            | EventKind::ChangeRequestSubmitted { .. }
            | EventKind::ChangeRequestApproved { .. }
            | EventKind::ChangeRequestRejected { .. }
            | EventKind::ChangeRequestAmended { .. }
            | EventKind::ChangeRequestScheduled { .. }
            | EventKind::ChangeRequestImplemented { .. }
            | EventKind::ChangeRequestReviewed { .. }
            | EventKind::ChangeRequestClosed { .. }
            | EventKind::ChangeRequestCanceled { .. } => {
                self.apply_change_request(recorded);
            }
            EventKind::GateVerdictRecorded {
                release,
                change_request,
                verdict,
                gates,
            } => self.gate_verdicts.push(GateVerdictRecord {
                release: release.clone(),
                change_request: change_request.clone(),
                verdict: *verdict,
                gates: gates.clone(),
                at,
                by: by.clone(),
                revision: recorded.revision,
            }),
            EventKind::CanaryVerdictRecorded {
                env,
                component,
                version,
                baseline,
                verdict,
                score,
                metrics,
            } => self.canary_verdicts.push(CanaryVerdictRecord {
                env: env.clone(),
                component: component.clone(),
                version: version.clone(),
                baseline: baseline.clone(),
                verdict: *verdict,
                score: *score,
                metrics: metrics.clone(),
                at,
                by: by.clone(),
                revision: recorded.revision,
            }),
            EventKind::EnvironmentsDeclared { environments } => {
                self.environments = environments.clone();
                self.environments
                    .sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
            }
            EventKind::LifecycleDeclared { lifecycle } => self.lifecycle = Some(lifecycle.clone()),
            EventKind::DeploymentStarted {
                env,
                component,
                version,
                release,
                reason,
                changes,
            } => self.deployments.push(Deployment {
                env: env.clone(),
                component: component.clone(),
                version: version.clone(),
                release: release.clone(),
                by: by.clone(),
                reason: *reason,
                started_at: at,
                finished_at: None,
                status: DeploymentStatus::InProgress,
                changes: changes.clone(),
                revision: recorded.revision,
                lease: self
                    .leases
                    .get(env)
                    .filter(|l| l.is_active(at) && l.holder == *by)
                    .map(|l| l.token),
            }),
            EventKind::DeploymentSucceeded {
                env,
                component,
                version,
            } => self.finish(
                recorded,
                env,
                component,
                version,
                DeploymentStatus::Succeeded,
            ),
            EventKind::DeploymentFailed {
                env,
                component,
                version,
                ..
            } => self.finish(recorded, env, component, version, DeploymentStatus::Failed),
            EventKind::Approved {
                release,
                env,
                digest,
            } => {
                if let Some(by) = by {
                    self.approvals.push(ApprovalRecord {
                        release: release.clone(),
                        env: env.clone(),
                        digest: digest.clone(),
                        by: by.clone(),
                        at,
                    });
                }
            }
            EventKind::Quarantined {
                component,
                version,
                reason,
            } => {
                self.quarantined
                    .entry(component.clone())
                    .or_default()
                    .insert(
                        version.clone(),
                        Quarantine {
                            reason: reason.clone(),
                            by: by.clone(),
                            at,
                        },
                    );
            }
            EventKind::QuarantineResolved {
                component, version, ..
            } => {
                if let Some(q) = self.quarantined.get_mut(component) {
                    q.remove(version);
                    if q.is_empty() {
                        self.quarantined.remove(component);
                    }
                }
            }
            EventKind::WindowDeclared { window } => self.windows.push(window.clone()),
            EventKind::ReleaseStepDone { digest, step, .. } => {
                self.release_steps
                    .entry(digest.clone())
                    .or_default()
                    .push(step.clone());
            }
            EventKind::RecurringWindowDeclared { window } => {
                self.recurring_windows.push(window.clone());
            }
            EventKind::LockAcquired {
                env,
                expires_at,
                reason,
            } => {
                self.leases.insert(
                    env.clone(),
                    Lease {
                        env: env.clone(),
                        holder: by.clone(),
                        token: recorded.revision.get(),
                        acquired_at: at,
                        expires_at: *expires_at,
                        reason: reason.clone(),
                    },
                );
            }
            EventKind::LockReleased { env, token, .. } => {
                if self.leases.get(env).is_some_and(|l| l.token == *token) {
                    self.leases.remove(env);
                }
            }
            EventKind::IncidentOpened {
                id,
                env,
                component,
                version,
            } => {
                self.incidents.insert(
                    id.clone(),
                    Incident {
                        id: id.clone(),
                        env: env.clone(),
                        component: component.clone(),
                        version: version.clone(),
                        opened_at: at,
                        resolved_at: None,
                    },
                );
            }
            EventKind::IncidentResolved { id } => {
                if let Some(i) = self.incidents.get_mut(id) {
                    i.resolved_at.get_or_insert(at);
                }
            }
            EventKind::DesiredStateSet {
                env,
                component,
                version,
            } => {
                self.desired
                    .insert((env.clone(), component.clone()), version.clone());
            }
            EventKind::ObservedStateReported {
                env,
                component,
                version,
            } => {
                self.observed
                    .insert((env.clone(), component.clone()), version.clone());
            }
            // The outcome is recorded by the deployment events around it.
            EventKind::DeployCommandFinished { .. } => {}
        }
    }

    fn apply_change_request(&mut self, recorded: &Recorded<Event>) {
        match next_entry(&self.change_requests, &recorded.event, recorded.revision) {
            Ok(Some(entry)) => {
                self.change_requests.insert(entry.id().clone(), entry);
            }
            Ok(None) => {}
            Err(e) => self.rejected.push(RejectedEvent {
                revision: recorded.revision,
                kind: recorded.event.kind.name().to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    /// Every change request, sorted by id.
    pub fn change_requests(&self) -> impl Iterator<Item = &ChangeRequestEntry> {
        self.change_requests.values()
    }

    /// The change request `id`, if opened.
    pub fn change_request(&self, id: &ChangeRequestId) -> Option<&ChangeRequestEntry> {
        self.change_requests.get(id)
    }

    /// Every recorded gate verdict, oldest first.
    pub fn gate_verdicts(&self) -> &[GateVerdictRecord] {
        &self.gate_verdicts
    }

    /// The gate verdicts recorded for change request `id`, or for the release it implements,
    /// oldest first.
    pub fn gate_verdicts_for_change_request<'a>(
        &'a self,
        id: &'a ChangeRequestId,
    ) -> impl Iterator<Item = &'a GateVerdictRecord> + 'a {
        let release = self.change_request(id).and_then(|e| e.release.as_ref());
        self.gate_verdicts.iter().filter(move |v| {
            v.change_request.as_ref() == Some(id)
                || (release.is_some() && v.release.as_ref() == release)
        })
    }

    /// Every recorded canary verdict, oldest first.
    pub fn canary_verdicts(&self) -> &[CanaryVerdictRecord] {
        &self.canary_verdicts
    }

    /// The canary verdicts recorded for `version` of `component` in `env`, oldest first (the
    /// last one is the latest judgement).
    pub fn canary_verdicts_for<'a>(
        &'a self,
        env: &'a EnvironmentId,
        component: &'a ComponentId,
        version: &'a Version,
    ) -> impl Iterator<Item = &'a CanaryVerdictRecord> + 'a {
        self.canary_verdicts
            .iter()
            .filter(move |v| &v.env == env && &v.component == component && &v.version == version)
    }

    /// The gate verdicts recorded for release `release`, oldest first.
    pub fn gate_verdicts_for_release<'a>(
        &'a self,
        release: &'a ReleaseId,
    ) -> impl Iterator<Item = &'a GateVerdictRecord> + 'a {
        self.gate_verdicts
            .iter()
            .filter(move |v| v.release.as_ref() == Some(release))
    }

    fn finish(
        &mut self,
        recorded: &Recorded<Event>,
        env: &EnvironmentId,
        component: &ComponentId,
        version: &Version,
        status: DeploymentStatus,
    ) {
        let open = self.deployments.iter_mut().rev().find(|d| {
            &d.env == env
                && &d.component == component
                && &d.version == version
                && d.status == DeploymentStatus::InProgress
        });
        match open {
            Some(d) => {
                d.status = status;
                d.finished_at = Some(recorded.event.at);
            }
            None => self.deployments.push(Deployment {
                env: env.clone(),
                component: component.clone(),
                version: version.clone(),
                release: None,
                by: recorded.event.by.clone(),
                reason: DeployReason::Planned,
                started_at: recorded.event.at,
                finished_at: Some(recorded.event.at),
                status,
                changes: Vec::new(),
                revision: recorded.revision,
                lease: None,
            }),
        }
    }

    /// The environment named `env`, if declared.
    pub fn environment(&self, env: &EnvironmentId) -> Option<&Environment> {
        self.environments.iter().find(|e| &e.id == env)
    }

    /// The latest deployment (any status) of `component` to `env`.
    pub fn latest(&self, env: &EnvironmentId, component: &ComponentId) -> Option<&Deployment> {
        self.deployments
            .iter()
            .rev()
            .find(|d| &d.env == env && &d.component == component)
    }

    /// The deployment that runs now: the latest successful one of `component` in `env`.
    pub fn current(&self, env: &EnvironmentId, component: &ComponentId) -> Option<&Deployment> {
        self.successes(env, component).next()
    }

    /// Successful deployments of `component` to `env`, newest first.
    pub fn successes<'a>(
        &'a self,
        env: &EnvironmentId,
        component: &ComponentId,
    ) -> impl Iterator<Item = &'a Deployment> + 'a {
        let (env, component) = (env.clone(), component.clone());
        self.deployments.iter().rev().filter(move |d| {
            d.env == env && d.component == component && d.status == DeploymentStatus::Succeeded
        })
    }

    /// Every component that was ever deployed, sorted.
    pub fn components(&self) -> Vec<&ComponentId> {
        let mut c: Vec<&ComponentId> = self.deployments.iter().map(|d| &d.component).collect();
        c.sort();
        c.dedup();
        c
    }

    /// Whether `version` of `component` is quarantined.
    pub fn quarantine(&self, component: &ComponentId, version: &Version) -> Option<&Quarantine> {
        self.quarantined.get(component).and_then(|q| q.get(version))
    }

    /// The rollback target of `component` in `env`: the last successful version before the
    /// current one, skipping quarantined versions. `None` without a current version or an
    /// earlier eligible one.
    pub fn rollback_target(
        &self,
        env: &EnvironmentId,
        component: &ComponentId,
    ) -> Option<&Deployment> {
        let mut successes = self.successes(env, component);
        let current = successes.next()?;
        successes.find(|d| {
            d.version != current.version && self.quarantine(component, &d.version).is_none()
        })
    }

    /// Deployments in doubt at `now`: started under a lease ([`Deployment::lease`]), with no
    /// outcome recorded, while their environment has no active lease any more: whoever ran
    /// them stopped without saying how they ended (e.g. a `relman deploy` killed mid-way).
    /// In ledger order.
    pub fn in_doubt(&self, now: DateTime<Utc>) -> Vec<&Deployment> {
        self.deployments
            .iter()
            .filter(|d| {
                d.status == DeploymentStatus::InProgress
                    && d.lease.is_some()
                    && self.active_lease(&d.env, now).is_none()
            })
            .collect()
    }

    /// The active lease on `env` at `now`.
    pub fn active_lease(&self, env: &EnvironmentId, now: DateTime<Utc>) -> Option<&Lease> {
        self.leases.get(env).filter(|l| l.is_active(now))
    }

    /// Every place where desired and observed versions differ, sorted by environment and
    /// component.
    pub fn drift(&self) -> Vec<Drift> {
        let mut keys: Vec<&(EnvironmentId, ComponentId)> =
            self.desired.keys().chain(self.observed.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter_map(|k| {
                let desired = self.desired.get(k);
                let observed = self.observed.get(k);
                (desired != observed).then(|| Drift {
                    env: k.0.clone(),
                    component: k.1.clone(),
                    desired: desired.cloned(),
                    observed: observed.cloned(),
                })
            })
            .collect()
    }
}

/// Serde for the maps of versions keyed by `(environment, component)`: JSON objects need string
/// keys, so the map is a list of `{"env", "component", "version"}` entries, in key order. An
/// empty object (what snapshots held before) reads as an empty map.
mod placed_versions {
    use std::collections::BTreeMap;
    use std::fmt;

    use relman_model::{ComponentId, EnvironmentId};
    use semver::Version;
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Placed = BTreeMap<(EnvironmentId, ComponentId), Version>;

    #[derive(Serialize)]
    struct EntryOut<'a> {
        env: &'a EnvironmentId,
        component: &'a ComponentId,
        version: &'a Version,
    }

    #[derive(Deserialize)]
    struct EntryIn {
        env: EnvironmentId,
        component: ComponentId,
        version: Version,
    }

    pub(super) fn serialize<S: Serializer>(map: &Placed, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter().map(|((env, component), version)| EntryOut {
            env,
            component,
            version,
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Placed, D::Error> {
        struct PlacedVisitor;

        impl<'de> Visitor<'de> for PlacedVisitor {
            type Value = Placed;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of {env, component, version} entries")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Placed, A::Error> {
                let mut map = Placed::new();
                while let Some(e) = seq.next_element::<EntryIn>()? {
                    map.insert((e.env, e.component), e.version);
                }
                Ok(map)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Placed, A::Error> {
                if access.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_value(
                        de::Unexpected::Map,
                        &"a list of {env, component, version} entries",
                    ));
                }
                Ok(Placed::new())
            }
        }

        deserializer.deserialize_any(PlacedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> DateTime<Utc> {
        format!("2026-11-28T{h:02}:00:00Z").parse().unwrap()
    }

    fn rec(rev: u64, h: u32, kind: EventKind) -> Recorded<Event> {
        Recorded {
            revision: Revision::new(rev),
            event: Event::new(t(h), Some("ana".parse().unwrap()), kind),
        }
    }

    fn deploy(rev: u64, v: &str, ok: bool) -> Vec<Recorded<Event>> {
        let env: EnvironmentId = "prod".parse().unwrap();
        let component: ComponentId = "api".parse().unwrap();
        let version: Version = v.parse().unwrap();
        let start = EventKind::DeploymentStarted {
            env: env.clone(),
            component: component.clone(),
            version: version.clone(),
            release: None,
            reason: DeployReason::Planned,
            changes: vec![],
        };
        let end = if ok {
            EventKind::DeploymentSucceeded {
                env,
                component,
                version,
            }
        } else {
            EventKind::DeploymentFailed {
                env,
                component,
                version,
                reason: "boom".into(),
            }
        };
        vec![rec(rev, rev as u32, start), rec(rev + 1, rev as u32, end)]
    }

    #[test]
    fn rollback_target_skips_current_failed_and_quarantined() {
        let mut events = Vec::new();
        events.extend(deploy(1, "1.0.0", true));
        events.extend(deploy(3, "1.1.0", true));
        events.extend(deploy(5, "1.2.0", true));
        events.extend(deploy(7, "1.3.0", false));
        let state = EnvState::fold(&events);
        let (env, api) = ("prod".parse().unwrap(), "api".parse().unwrap());
        assert_eq!(
            state.current(&env, &api).unwrap().version.to_string(),
            "1.2.0"
        );
        assert_eq!(
            state.latest(&env, &api).unwrap().status,
            DeploymentStatus::Failed
        );
        assert_eq!(
            state
                .rollback_target(&env, &api)
                .unwrap()
                .version
                .to_string(),
            "1.1.0"
        );
        events.push(rec(
            9,
            10,
            EventKind::Quarantined {
                component: api.clone(),
                version: "1.1.0".parse().unwrap(),
                reason: "data loss".into(),
            },
        ));
        let state = EnvState::fold(&events);
        assert_eq!(
            state
                .rollback_target(&env, &api)
                .unwrap()
                .version
                .to_string(),
            "1.0.0"
        );
    }

    #[test]
    fn leases_expire_and_release_by_token() {
        let env: EnvironmentId = "prod".parse().unwrap();
        let mut state = EnvState::fold(&[rec(
            4,
            1,
            EventKind::LockAcquired {
                env: env.clone(),
                expires_at: t(3),
                reason: None,
            },
        )]);
        assert_eq!(state.active_lease(&env, t(2)).unwrap().token, 4);
        assert!(state.active_lease(&env, t(3)).is_none());
        state.apply(&rec(
            5,
            2,
            EventKind::LockReleased {
                env: env.clone(),
                token: 3,
                forced: None,
            },
        ));
        assert!(
            state.leases.contains_key(&env),
            "wrong token releases nothing"
        );
        state.apply(&rec(
            6,
            2,
            EventKind::LockReleased {
                env: env.clone(),
                token: 4,
                forced: None,
            },
        ));
        assert!(state.leases.is_empty());
    }

    #[test]
    fn a_leased_deployment_without_outcome_is_in_doubt_once_the_lease_expires() {
        let env: EnvironmentId = "prod".parse().unwrap();
        let mut events = deploy(1, "1.0.0", true);
        events.push(rec(
            3,
            3,
            EventKind::LockAcquired {
                env: env.clone(),
                expires_at: t(5),
                reason: None,
            },
        ));
        events.push(deploy(4, "1.1.0", true).remove(0));
        let state = EnvState::fold(&events);
        let started = state.latest(&env, &"api".parse().unwrap()).unwrap();
        assert_eq!(started.lease, Some(3));
        assert!(state.in_doubt(t(4)).is_empty(), "the lease still holds");
        assert_eq!(state.in_doubt(t(5)).len(), 1);
        // Deployments started without a lease (`relman env deploy`) are never in doubt.
        let manual = EnvState::fold(&[deploy(1, "1.0.0", true).remove(0)]);
        assert!(manual.in_doubt(t(20)).is_empty());
        // A snapshot written before `lease` existed still reads.
        let mut json = serde_json::to_value(&state).unwrap();
        json["deployments"][0]
            .as_object_mut()
            .unwrap()
            .remove("lease");
        let back: EnvState = serde_json::from_value(json).unwrap();
        assert_eq!(back.deployments[0].lease, None);
    }

    #[test]
    fn drift_lists_differences_only() {
        let (env, api): (EnvironmentId, ComponentId) =
            ("prod".parse().unwrap(), "api".parse().unwrap());
        let v = |s: &str| s.parse::<Version>().unwrap();
        let state = EnvState::fold(&[
            rec(
                1,
                1,
                EventKind::DesiredStateSet {
                    env: env.clone(),
                    component: api.clone(),
                    version: v("2.0.0"),
                },
            ),
            rec(
                2,
                1,
                EventKind::ObservedStateReported {
                    env: env.clone(),
                    component: api.clone(),
                    version: v("1.9.0"),
                },
            ),
            rec(
                3,
                1,
                EventKind::DesiredStateSet {
                    env: env.clone(),
                    component: "web".parse().unwrap(),
                    version: v("1.0.0"),
                },
            ),
            rec(
                4,
                1,
                EventKind::ObservedStateReported {
                    env: env.clone(),
                    component: "web".parse().unwrap(),
                    version: v("1.0.0"),
                },
            ),
        ]);
        let drift = state.drift();
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].observed, Some(v("1.9.0")));
    }
}
