//! Current state as a fold of the ledger: what runs where, leases, quarantines, approvals,
//! windows, incidents, desired vs observed (drift) and rollback targets.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use relman_model::{ComponentId, Digest, Environment, EnvironmentId, PersonId, ReleaseId, Window};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::event::{DeployReason, Event, EventKind, ShippedChange};
use crate::policy::Lifecycle;
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
        f.write_str(match self {
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
    /// Declared windows.
    pub windows: Vec<Window>,
    /// The latest lease per environment (check [`Lease::is_active`]).
    pub leases: BTreeMap<EnvironmentId, Lease>,
    /// Approvals, in ledger order.
    pub approvals: Vec<ApprovalRecord>,
    /// Incidents by id.
    pub incidents: BTreeMap<String, Incident>,
    /// Desired versions.
    pub desired: BTreeMap<(EnvironmentId, ComponentId), Version>,
    /// Observed versions.
    pub observed: BTreeMap<(EnvironmentId, ComponentId), Version>,
    /// The revision of the last event applied.
    pub revision: Revision,
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

    /// Applies one event. Events that refer to nothing known (a success without a start) are
    /// recorded as well as they can be, never rejected: the ledger is the truth.
    pub fn apply(&mut self, recorded: &Recorded<Event>) {
        let Event { at, by, kind } = &recorded.event;
        let at = *at;
        self.revision = recorded.revision;
        match kind {
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
        }
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
