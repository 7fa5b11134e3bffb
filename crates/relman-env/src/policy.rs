//! Promotion lifecycles and the [`can_deploy`] decision.
//!
//! A [`Lifecycle`] is an ordered list of [`Phase`]s (as Octopus Deploy lifecycles): each phase
//! lists environments and what must succeed there before the next phase may start (all of them,
//! at least N, or nothing because the phase is optional), how long a version must soak there, and
//! the approvals a deployment into the phase needs. [`can_deploy`] checks a [`DeployRequest`]
//! against the lifecycle and the [`EnvState`] at `now` and returns a [`Decision`] with every
//! blocker and, when only time stands in the way, the next time it would be allowed.

use chrono::{DateTime, Duration, Utc};
use relman_model::{
    ApprovalRule, ComponentId, Digest, Environment, EnvironmentId, PersonId, Protection, ReleaseId,
    Verdict, WindowKind,
};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::event::DeployReason;
use crate::state::EnvState;

/// What a phase requires before the next phase may start.
///
/// JSON: `"all"`, `{"at_least": 2}` or `"optional"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The version succeeded in every environment of the phase.
    All,
    /// The version succeeded in at least this many environments of the phase.
    AtLeast(usize),
    /// Nothing: the phase may be skipped.
    Optional,
}

/// Whether a phase promotes automatically once the previous one is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoPromote {
    /// Deployments into the phase are started by a person.
    #[default]
    Off,
    /// Deployments into the phase start as soon as they are allowed.
    On,
}

/// One phase of a [`Lifecycle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Phase {
    /// A name, e.g. `"staging"`.
    pub name: String,
    /// Its environments.
    pub environments: Vec<EnvironmentId>,
    /// What must succeed here before the next phase.
    pub requirement: Requirement,
    /// How long a version must have run here (successfully) before the next phase.
    #[serde(default, with = "seconds")]
    pub soak: Duration,
    /// Approvals a deployment into this phase needs (bound to the release digest, never the
    /// requester's own).
    pub approvals: ApprovalRule,
    /// Whether it promotes automatically.
    #[serde(default)]
    pub auto_promote: AutoPromote,
}

impl Phase {
    /// A phase of `environments` requiring all of them, no soak, no approvals.
    pub fn new(name: impl Into<String>, environments: Vec<EnvironmentId>) -> Self {
        Self {
            name: name.into(),
            environments,
            requirement: Requirement::All,
            soak: Duration::zero(),
            approvals: ApprovalRule::none(),
            auto_promote: AutoPromote::Off,
        }
    }
}

mod seconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = i64::deserialize(d)?;
        Duration::try_seconds(secs).ok_or_else(|| serde::de::Error::custom("soak out of range"))
    }
}

/// The promotion pipeline: ordered phases.
///
/// JSON: `{"phases": [{"name": "dev", "environments": ["dev"], "requirement": "all",
/// "soak": 0, "approvals": {"required": 0, "approvers": []}, "auto_promote": "off"}, ...]}`
/// (`soak` in seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// The phases, first to last.
    pub phases: Vec<Phase>,
}

impl Lifecycle {
    /// One phase per environment in promotion order, each requiring success before the next;
    /// protected environments need one approval.
    pub fn from_environments(environments: &[Environment]) -> Self {
        let mut envs: Vec<&Environment> = environments.iter().collect();
        envs.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Lifecycle {
            phases: envs
                .into_iter()
                .map(|e| {
                    let mut p = Phase::new(e.id.as_str(), vec![e.id.clone()]);
                    if e.protection == Protection::Protected {
                        p.approvals = ApprovalRule::new(1, Vec::new());
                    }
                    p
                })
                .collect(),
        }
    }

    /// One optional phase per environment in promotion order: no phase requirement, no
    /// approvals; windows, leases, quarantine and outdated versions still apply.
    pub fn open(environments: &[Environment]) -> Self {
        let mut lifecycle = Self::from_environments(environments);
        for p in &mut lifecycle.phases {
            p.requirement = Requirement::Optional;
            p.approvals = ApprovalRule::none();
        }
        lifecycle
    }

    /// The index of the phase holding `env`.
    pub fn phase_of(&self, env: &EnvironmentId) -> Option<usize> {
        self.phases
            .iter()
            .position(|p| p.environments.contains(env))
    }
}

/// A request to deploy a version of a component to an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeployRequest {
    /// Where.
    pub env: EnvironmentId,
    /// What.
    pub component: ComponentId,
    /// Which version.
    pub version: Version,
    /// The release, needed when approvals are required.
    pub release: Option<ReleaseId>,
    /// The release digest approvals must be bound to.
    pub digest: Option<Digest>,
    /// Who asks (they cannot approve their own deployment).
    pub requester: Option<PersonId>,
    /// Why: a rollback may deploy an older version.
    pub reason: DeployReason,
    /// The quality-gate verdict of the release, when evaluated.
    pub gates: Option<Verdict>,
    /// The fencing token of the lease the requester holds, if any.
    pub lease_token: Option<u64>,
    /// A break-glass reason: overrides windows (and only windows); record it in the ledger.
    pub break_glass: Option<String>,
}

impl DeployRequest {
    /// A planned deployment request without release, approvals or lease.
    pub fn new(env: EnvironmentId, component: ComponentId, version: Version) -> Self {
        Self {
            env,
            component,
            version,
            release: None,
            digest: None,
            requester: None,
            reason: DeployReason::Planned,
            gates: None,
            lease_token: None,
            break_glass: None,
        }
    }
}

/// Why a deployment is not allowed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "blocker", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Blocker {
    /// The environment is not declared.
    UnknownEnvironment,
    /// The environment is in no phase of the lifecycle.
    NotInLifecycle,
    /// The previous phase's requirement is not met for this version.
    PreviousPhase {
        /// The previous phase.
        phase: String,
        /// How many of its environments must have succeeded.
        needed: usize,
        /// How many have.
        succeeded: usize,
    },
    /// The version has not soaked long enough in the previous phase.
    Soak {
        /// The previous phase.
        phase: String,
        /// When the soak ends.
        until: DateTime<Utc>,
    },
    /// The quality gates did not pass.
    Gates {
        /// The verdict.
        verdict: Verdict,
    },
    /// Not enough approvals bound to the release digest.
    Approvals {
        /// Distinct approvals needed.
        required: usize,
        /// Distinct valid approvals found (self-approvals and other digests do not count).
        valid: usize,
    },
    /// Approvals are required but the request names no release or digest.
    MissingDigest,
    /// A freeze window is in force.
    Freeze {
        /// The window's name.
        window: String,
        /// When it ends.
        until: DateTime<Utc>,
    },
    /// Maintenance windows exist for the environment and `now` is in none of them.
    OutsideMaintenance {
        /// When the next one starts, if any is ahead.
        next: Option<DateTime<Utc>>,
    },
    /// Someone else holds the environment's lease.
    Locked {
        /// The holder.
        holder: Option<PersonId>,
        /// Its fencing token.
        token: u64,
        /// When it expires.
        until: DateTime<Utc>,
    },
    /// The version is quarantined.
    Quarantined {
        /// Why.
        reason: String,
    },
    /// The version is older than what runs there, and this is not a rollback.
    Outdated {
        /// What runs there.
        running: Version,
    },
}

impl Blocker {
    /// When this blocker lifts by itself, if it does.
    pub fn lifts_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Blocker::Soak { until, .. }
            | Blocker::Freeze { until, .. }
            | Blocker::Locked { until, .. } => Some(*until),
            Blocker::OutsideMaintenance { next } => *next,
            _ => None,
        }
    }
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blocker::UnknownEnvironment => f.write_str("the environment is not declared"),
            Blocker::NotInLifecycle => f.write_str("the environment is in no lifecycle phase"),
            Blocker::PreviousPhase {
                phase,
                needed,
                succeeded,
            } => write!(
                f,
                "phase {phase} needs {needed} successful deployment(s) of this version, has {succeeded}"
            ),
            Blocker::Soak { phase, until } => write!(f, "soaking in phase {phase} until {until}"),
            Blocker::Gates { verdict } => write!(f, "quality gates: {verdict:?}"),
            Blocker::Approvals { required, valid } => {
                write!(f, "needs {required} approval(s), has {valid} valid")
            }
            Blocker::MissingDigest => f.write_str("approvals required but no release digest given"),
            Blocker::Freeze { window, until } => write!(f, "freeze {window} until {until}"),
            Blocker::OutsideMaintenance { next: Some(n) } => {
                write!(f, "outside maintenance windows; next opens {n}")
            }
            Blocker::OutsideMaintenance { next: None } => {
                f.write_str("outside maintenance windows; none ahead")
            }
            Blocker::Locked {
                holder,
                token,
                until,
            } => match holder {
                Some(h) => write!(f, "locked by {h} (token {token}) until {until}"),
                None => write!(f, "locked (token {token}) until {until}"),
            },
            Blocker::Quarantined { reason } => write!(f, "version quarantined: {reason}"),
            Blocker::Outdated { running } => {
                write!(
                    f,
                    "older than the running {running}; only a rollback may go back"
                )
            }
        }
    }
}

/// Allowed or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The deployment may go ahead.
    Allowed,
    /// It may not; see the blockers.
    Refused,
}

/// The answer of [`can_deploy`].
///
/// JSON: `{"outcome": "refused", "blockers": [{"blocker": "soak", ...}], "notes": [...],
/// "next_allowed_at": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Allowed or refused.
    pub outcome: Outcome,
    /// Every reason it is refused (empty when allowed).
    pub blockers: Vec<Blocker>,
    /// Things worth recording even when allowed (e.g. a break-glass override).
    pub notes: Vec<String>,
    /// When it would be allowed, if only time-bound blockers stand in the way.
    pub next_allowed_at: Option<DateTime<Utc>>,
}

/// Decides whether `request` may deploy at `now`, listing every blocker.
///
/// Checks, in order: the environment is declared and in the lifecycle; the previous non-optional
/// phase's requirement for this version; its soak time; quality gates; approvals (N of M,
/// distinct, not the requester's, bound to the digest); freeze and maintenance windows (a freeze
/// wins over a maintenance window; break-glass overrides both); the environment's lease;
/// quarantine; an outdated version unless the request is a rollback.
pub fn can_deploy(
    state: &EnvState,
    lifecycle: &Lifecycle,
    request: &DeployRequest,
    now: DateTime<Utc>,
) -> Decision {
    let mut blockers = Vec::new();
    let mut notes = Vec::new();
    if state.environment(&request.env).is_none() {
        blockers.push(Blocker::UnknownEnvironment);
    }
    let phase_index = lifecycle.phase_of(&request.env);
    match phase_index {
        None => blockers.push(Blocker::NotInLifecycle),
        Some(i) => {
            check_previous_phase(state, lifecycle, request, i, now, &mut blockers);
            check_approvals(
                state,
                &lifecycle.phases[i].approvals,
                request,
                &mut blockers,
            );
        }
    }
    if let Some(verdict) = request.gates
        && verdict != Verdict::Pass
    {
        blockers.push(Blocker::Gates { verdict });
    }
    check_windows(state, request, now, &mut blockers, &mut notes);
    if let Some(lease) = state.active_lease(&request.env, now) {
        let holds = request.lease_token == Some(lease.token)
            || (lease.holder.is_some() && lease.holder == request.requester);
        if !holds {
            blockers.push(Blocker::Locked {
                holder: lease.holder.clone(),
                token: lease.token,
                until: lease.expires_at,
            });
        }
    }
    if let Some(q) = state.quarantine(&request.component, &request.version) {
        blockers.push(Blocker::Quarantined {
            reason: q.reason.clone(),
        });
    }
    if let Some(current) = state.current(&request.env, &request.component)
        && request.version < current.version
        && request.reason != DeployReason::Rollback
    {
        blockers.push(Blocker::Outdated {
            running: current.version.clone(),
        });
    }
    let next_allowed_at = if blockers.is_empty() {
        None
    } else {
        blockers
            .iter()
            .map(Blocker::lifts_at)
            .collect::<Option<Vec<_>>>()
            .and_then(|times| times.into_iter().max())
    };
    Decision {
        outcome: if blockers.is_empty() {
            Outcome::Allowed
        } else {
            Outcome::Refused
        },
        blockers,
        notes,
        next_allowed_at,
    }
}

fn check_previous_phase(
    state: &EnvState,
    lifecycle: &Lifecycle,
    request: &DeployRequest,
    index: usize,
    now: DateTime<Utc>,
    blockers: &mut Vec<Blocker>,
) {
    if request.reason == DeployReason::Rollback {
        return;
    }
    let Some(previous) = lifecycle.phases[..index]
        .iter()
        .rev()
        .find(|p| p.requirement != Requirement::Optional)
    else {
        return;
    };
    let needed = match previous.requirement {
        Requirement::All => previous.environments.len(),
        Requirement::AtLeast(n) => n.min(previous.environments.len()),
        Requirement::Optional => 0,
    };
    // When the version first succeeded in each environment of the previous phase.
    let mut succeeded_at: Vec<DateTime<Utc>> = previous
        .environments
        .iter()
        .filter_map(|env| {
            state
                .successes(env, &request.component)
                .filter(|d| d.version == request.version)
                .filter_map(|d| d.finished_at)
                .min()
        })
        .collect();
    succeeded_at.sort();
    if succeeded_at.len() < needed {
        blockers.push(Blocker::PreviousPhase {
            phase: previous.name.clone(),
            needed,
            succeeded: succeeded_at.len(),
        });
    } else if needed > 0 {
        let until = succeeded_at[needed - 1] + previous.soak;
        if now < until {
            blockers.push(Blocker::Soak {
                phase: previous.name.clone(),
                until,
            });
        }
    }
}

fn check_approvals(
    state: &EnvState,
    rule: &ApprovalRule,
    request: &DeployRequest,
    blockers: &mut Vec<Blocker>,
) {
    if rule.required == 0 || request.reason == DeployReason::Rollback {
        return;
    }
    let (Some(release), Some(digest)) = (&request.release, &request.digest) else {
        blockers.push(Blocker::MissingDigest);
        return;
    };
    let mut approvers: Vec<&PersonId> = state
        .approvals
        .iter()
        .filter(|a| {
            &a.release == release
                && a.env == request.env
                && &a.digest == digest
                && Some(&a.by) != request.requester.as_ref()
                && rule.allows(&a.by)
        })
        .map(|a| &a.by)
        .collect();
    approvers.sort();
    approvers.dedup();
    if approvers.len() < rule.required {
        blockers.push(Blocker::Approvals {
            required: rule.required,
            valid: approvers.len(),
        });
    }
}

fn check_windows(
    state: &EnvState,
    request: &DeployRequest,
    now: DateTime<Utc>,
    blockers: &mut Vec<Blocker>,
    notes: &mut Vec<String>,
) {
    let applicable: Vec<_> = state
        .windows
        .iter()
        .filter(|w| w.applies_to(&request.env))
        .collect();
    let mut window_blockers = Vec::new();
    // Deny beats allow: a freeze blocks even inside a maintenance window.
    let mut freezes: Vec<_> = applicable
        .iter()
        .filter(|w| w.kind == WindowKind::Freeze && w.contains(now))
        .collect();
    freezes.sort_by(|a, b| (a.end, &a.name).cmp(&(b.end, &b.name)));
    for w in freezes {
        window_blockers.push(Blocker::Freeze {
            window: w.name.clone(),
            until: w.end,
        });
    }
    let maintenance: Vec<_> = applicable
        .iter()
        .filter(|w| w.kind == WindowKind::Maintenance)
        .collect();
    if !maintenance.is_empty() && !maintenance.iter().any(|w| w.contains(now)) {
        let next = maintenance
            .iter()
            .filter(|w| w.start > now)
            .map(|w| w.start)
            .min();
        window_blockers.push(Blocker::OutsideMaintenance { next });
    }
    match &request.break_glass {
        Some(reason) if !window_blockers.is_empty() => {
            notes.push(format!("break-glass override of windows: {reason}"));
        }
        _ => blockers.extend(window_blockers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind};
    use crate::store::{Recorded, Revision};
    use relman_model::Window;

    fn t(h: u32) -> DateTime<Utc> {
        format!("2026-11-28T{h:02}:00:00Z").parse().unwrap()
    }
    fn id<T: std::str::FromStr>(s: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        s.parse().unwrap()
    }

    struct Ledger(Vec<Recorded<Event>>);
    impl Ledger {
        fn push(&mut self, h: u32, by: &str, kind: EventKind) {
            let revision = Revision::new(self.0.len() as u64 + 1);
            self.0.push(Recorded {
                revision,
                event: Event::new(t(h), Some(id(by)), kind),
            });
        }
        fn deployed(&mut self, h: u32, env: &str, v: &str) {
            self.push(
                h,
                "ci",
                EventKind::DeploymentStarted {
                    env: id(env),
                    component: id("api"),
                    version: id(v),
                    release: None,
                    reason: DeployReason::Planned,
                    changes: vec![],
                },
            );
            self.push(
                h,
                "ci",
                EventKind::DeploymentSucceeded {
                    env: id(env),
                    component: id("api"),
                    version: id(v),
                },
            );
        }
        fn state(&self) -> EnvState {
            EnvState::fold(&self.0)
        }
    }

    fn setup() -> (Ledger, Lifecycle) {
        let envs = Environment::pipeline(["dev", "staging", "prod"].map(id));
        let mut l = Ledger(Vec::new());
        l.push(
            0,
            "admin",
            EventKind::EnvironmentsDeclared {
                environments: envs.clone(),
            },
        );
        let mut lc = Lifecycle::from_environments(&envs);
        lc.phases[1].soak = Duration::hours(2);
        (l, lc)
    }

    #[test]
    fn refuses_until_previous_phase_and_soak_then_allows() {
        let (mut l, lc) = setup();
        let req = DeployRequest::new(id("staging"), id("api"), id("1.0.0"));
        let d = can_deploy(&l.state(), &lc, &req, t(1));
        assert_eq!(d.outcome, Outcome::Refused);
        assert_eq!(
            d.blockers,
            vec![Blocker::PreviousPhase {
                phase: "dev".into(),
                needed: 1,
                succeeded: 0
            }]
        );
        assert_eq!(d.next_allowed_at, None);
        l.deployed(1, "dev", "1.0.0");
        assert_eq!(
            can_deploy(&l.state(), &lc, &req, t(1)).outcome,
            Outcome::Allowed
        );
        l.deployed(2, "staging", "1.0.0");
        let prod = DeployRequest::new(id("prod"), id("api"), id("1.0.0"));
        let d = can_deploy(&l.state(), &lc, &prod, t(3));
        assert!(d.blockers.contains(&Blocker::Soak {
            phase: "staging".into(),
            until: t(4)
        }));
        assert!(d.blockers.contains(&Blocker::MissingDigest));
        assert_eq!(
            d.next_allowed_at, None,
            "a missing digest does not lift by itself"
        );
    }

    #[test]
    fn approvals_are_distinct_not_self_and_bound_to_digest() {
        let (mut l, mut lc) = setup();
        lc.phases[2].soak = Duration::zero();
        lc.phases[1].soak = Duration::zero();
        l.deployed(1, "dev", "1.0.0");
        l.deployed(1, "staging", "1.0.0");
        lc.phases[2].approvals = ApprovalRule::new(2, Vec::new());
        let digest: Digest = id("deadbeef");
        let approve = |l: &mut Ledger, by: &str, d: &str| {
            l.push(
                2,
                by,
                EventKind::Approved {
                    release: id("r1"),
                    env: id("prod"),
                    digest: id(d),
                },
            )
        };
        approve(&mut l, "ana", "deadbeef"); // the requester: does not count
        approve(&mut l, "bob", "deadbeef");
        approve(&mut l, "bob", "deadbeef"); // twice: counts once
        approve(&mut l, "cy", "00000000"); // another digest
        let mut req = DeployRequest::new(id("prod"), id("api"), id("1.0.0"));
        req.release = Some(id("r1"));
        req.digest = Some(digest);
        req.requester = Some(id("ana"));
        let d = can_deploy(&l.state(), &lc, &req, t(3));
        assert_eq!(
            d.blockers,
            vec![Blocker::Approvals {
                required: 2,
                valid: 1
            }]
        );
        approve(&mut l, "cy", "deadbeef");
        assert_eq!(
            can_deploy(&l.state(), &lc, &req, t(3)).outcome,
            Outcome::Allowed
        );
    }

    #[test]
    fn windows_locks_quarantine_and_outdated() {
        let (mut l, lc) = setup();
        l.deployed(1, "dev", "2.0.0");
        let mut freeze = Window::new("freeze", WindowKind::Freeze, t(2), t(5)).unwrap();
        freeze.environments = vec![id("dev")];
        l.push(1, "admin", EventKind::WindowDeclared { window: freeze });
        l.push(
            1,
            "bob",
            EventKind::LockAcquired {
                env: id("dev"),
                expires_at: t(6),
                reason: None,
            },
        );
        l.push(
            1,
            "sec",
            EventKind::Quarantined {
                component: id("api"),
                version: id("1.0.0"),
                reason: "cve".into(),
            },
        );
        let mut req = DeployRequest::new(id("dev"), id("api"), id("1.0.0"));
        req.requester = Some(id("ana"));
        let d = can_deploy(&l.state(), &lc, &req, t(3));
        assert_eq!(d.outcome, Outcome::Refused);
        assert!(d.blockers.contains(&Blocker::Freeze {
            window: "freeze".into(),
            until: t(5)
        }));
        assert!(matches!(
            d.blockers
                .iter()
                .find(|b| matches!(b, Blocker::Locked { .. })),
            Some(Blocker::Locked { token: 5, .. })
        ));
        assert!(d.blockers.contains(&Blocker::Quarantined {
            reason: "cve".into()
        }));
        assert!(d.blockers.contains(&Blocker::Outdated {
            running: id("2.0.0")
        }));
        assert_eq!(d.next_allowed_at, None);

        // Only time-bound blockers left: the next allowed time is when the last lifts.
        let mut newer = DeployRequest::new(id("dev"), id("api"), id("2.1.0"));
        newer.requester = Some(id("ana"));
        let d = can_deploy(&l.state(), &lc, &newer, t(3));
        assert_eq!(d.blockers.len(), 2);
        assert_eq!(d.next_allowed_at, Some(t(6)));
        // The lease holder with break-glass goes through, and the override is noted.
        newer.requester = Some(id("bob"));
        newer.break_glass = Some("sev1 fix".into());
        let d = can_deploy(&l.state(), &lc, &newer, t(3));
        assert_eq!(d.outcome, Outcome::Allowed);
        assert_eq!(d.notes.len(), 1);
        // A rollback may go back.
        req.reason = DeployReason::Rollback;
        req.version = id("1.5.0");
        req.requester = Some(id("bob"));
        let d = can_deploy(&l.state(), &lc, &req, t(7));
        assert_eq!(d.outcome, Outcome::Allowed, "{:?}", d.blockers);
    }

    #[test]
    fn at_least_n_and_optional_phases() {
        let envs = Environment::pipeline(["eu", "us", "ap", "canary", "prod"].map(id));
        let mut l = Ledger(Vec::new());
        l.push(
            0,
            "admin",
            EventKind::EnvironmentsDeclared { environments: envs },
        );
        let mut regions = Phase::new("regions", vec![id("eu"), id("us"), id("ap")]);
        regions.requirement = Requirement::AtLeast(2);
        let mut canary = Phase::new("canary", vec![id("canary")]);
        canary.requirement = Requirement::Optional;
        let lc = Lifecycle {
            phases: vec![regions, canary, Phase::new("prod", vec![id("prod")])],
        };
        let req = DeployRequest::new(id("prod"), id("api"), id("1.0.0"));
        l.deployed(1, "eu", "1.0.0");
        let d = can_deploy(&l.state(), &lc, &req, t(2));
        assert_eq!(
            d.blockers,
            vec![Blocker::PreviousPhase {
                phase: "regions".into(),
                needed: 2,
                succeeded: 1
            }]
        );
        l.deployed(1, "ap", "1.0.0");
        assert_eq!(
            can_deploy(&l.state(), &lc, &req, t(2)).outcome,
            Outcome::Allowed
        );
    }
}
