//! Environment operations: typed requests in, the events to append (or a typed refusal) out.
//!
//! Each function reads an [`EnvState`] and decides what to record for one operation (deploy,
//! promote, rollback, succeed, fail, lock, unlock, declare a window, initialise); the caller
//! appends the result with [`store::transact`](crate::store::transact), which re-runs the
//! decision on a concurrent writer's conflict. The views ([`WriteResult`], [`HistoryEntry`],
//! [`StatusTable`]) are the serde values a tool prints, each with a plain-text rendering.
//!
//! Nothing here reads the clock: `now` is an argument.
//!
//! ```
//! use relman_env::ops::{self, LifecycleKind};
//! use relman_env::store::{LineageId, MemoryStore, Revision, Store};
//! use relman_env::{DeployRequest, EnvState};
//!
//! let now = "2026-11-28T10:00:00Z".parse()?;
//! let mut store = MemoryStore::new(LineageId::new("demo")?);
//! let events = ops::init(vec!["dev".parse()?, "prod".parse()?], LifecycleKind::Open, now);
//! store.append(Revision::ZERO, &events)?;
//! let state = EnvState::fold(&store.load()?);
//! let started = ops::deploy(&state, DeployRequest::new("dev".parse()?, "api".parse()?, "1.0.0".parse()?), now)
//!     .expect("an open lifecycle allows it");
//! assert_eq!(started.event.kind.name(), "deployment_started");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use relman_model::{
    ComponentId, Environment, EnvironmentId, NewWindowError, PersonId, Window, WindowKind,
};
use semver::Version;
use serde::Serialize;

use crate::dora::{Band, DoraMetrics};
use crate::store::Recorded;
use crate::{
    Blocker, Decision, DeployReason, DeployRequest, DeploymentStatus, Drift, EnvState, Event,
    EventKind, Lifecycle, NewRecurringWindowError, Outcome, RecurringWindow, can_deploy,
};

/// Returned by [`rollback`], [`promote`], [`finish`], [`lock`] and [`unlock`] when the state
/// does not allow the operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecideEventError {
    /// The version's latest canary verdict in the environment is not a pass, or it has none
    /// ([`require_passing_canary`]).
    #[error(
        "{component} {version} has no passing canary verdict in {env} (latest: {}); run `relman verify`",
        latest.map_or_else(|| "none recorded".to_owned(), |v| v.to_string())
    )]
    CanaryNotPassed {
        /// Where the canary ran.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version.
        version: Version,
        /// The latest verdict, if any.
        latest: Option<crate::canary::CanaryVerdict>,
    },
    /// No earlier successful version to roll back to.
    #[error("no rollback target for {component} in {env}")]
    NoRollbackTarget {
        /// The environment.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
    },
    /// Nothing of the component runs in the environment promoted from.
    #[error("nothing of {component} runs in {env} to promote")]
    NothingToPromote {
        /// The environment promoted from.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
    },
    /// No deployment of that version is in progress.
    #[error("no deployment of {component} {version} to {env} is in progress")]
    NotInProgress {
        /// The environment.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version.
        version: Version,
    },
    /// Someone else holds an active lease.
    #[error(
        "{env} is locked by {} (token {token}) until {expires_at}",
        holder.as_ref().map_or("someone", |h| h.as_str())
    )]
    Locked {
        /// The environment.
        env: EnvironmentId,
        /// Who holds the lease.
        holder: Option<PersonId>,
        /// The lease's fencing token.
        token: u64,
        /// When the lease expires.
        expires_at: DateTime<Utc>,
    },
    /// The environment has no lease to release.
    #[error("{env} is not locked")]
    NotLocked {
        /// The environment.
        env: EnvironmentId,
    },
    /// The lease is someone else's and the release is not forced.
    #[error("{env} is locked by someone else")]
    LockedBySomeoneElse {
        /// The environment.
        env: EnvironmentId,
    },
}

/// Which promotion lifecycle [`init`] declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleKind {
    /// Any order ([`Lifecycle::open`]).
    Open,
    /// Each environment after the previous one ([`Lifecycle::from_environments`]).
    Strict,
}

/// The events that create the state: the environments in promotion order, then the lifecycle.
pub fn init(
    environments: Vec<EnvironmentId>,
    lifecycle: LifecycleKind,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let envs = Environment::pipeline(environments);
    let lifecycle = match lifecycle {
        LifecycleKind::Open => Lifecycle::open(&envs),
        LifecycleKind::Strict => Lifecycle::from_environments(&envs),
    };
    vec![
        Event::new(
            now,
            None,
            EventKind::EnvironmentsDeclared { environments: envs },
        ),
        Event::new(now, None, EventKind::LifecycleDeclared { lifecycle }),
    ]
}

/// A deployment [`deploy`] allows: the event to append and the decision's notes.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployStarted {
    /// The `deployment_started` event, by the request's requester.
    pub event: Event,
    /// Notes of the decision (e.g. a break-glass override).
    pub notes: Vec<String>,
}

/// A deployment [`deploy`] refuses: the request and the decision with every blocker.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployRefused {
    /// The refused request.
    pub request: DeployRequest,
    /// The decision, with its blockers.
    pub decision: Decision,
}

/// Decides a deployment under the state's lifecycle (open when none was declared) with
/// [`can_deploy`].
///
/// # Errors
///
/// [`DeployRefused`] with every blocker when policy forbids it.
pub fn deploy(
    state: &EnvState,
    request: DeployRequest,
    now: DateTime<Utc>,
) -> Result<DeployStarted, Box<DeployRefused>> {
    let lifecycle = state
        .lifecycle
        .clone()
        .unwrap_or_else(|| Lifecycle::open(&state.environments));
    let decision = can_deploy(state, &lifecycle, &request, now);
    if decision.outcome == Outcome::Refused {
        return Err(Box::new(DeployRefused { request, decision }));
    }
    let event = Event::new(
        now,
        request.requester.clone(),
        EventKind::DeploymentStarted {
            env: request.env,
            component: request.component,
            version: request.version,
            release: request.release,
            reason: request.reason,
            changes: Vec::new(),
        },
    );
    Ok(DeployStarted {
        event,
        notes: decision.notes,
    })
}

/// The request that rolls `component` in `env` back to its last successful version before the
/// current one.
///
/// # Errors
///
/// [`DecideEventError::NoRollbackTarget`] when there is none.
pub fn rollback(
    state: &EnvState,
    env: &EnvironmentId,
    component: &ComponentId,
    by: Option<PersonId>,
) -> Result<DeployRequest, DecideEventError> {
    let to = state.rollback_target(env, component).ok_or_else(|| {
        DecideEventError::NoRollbackTarget {
            env: env.clone(),
            component: component.clone(),
        }
    })?;
    let mut request = DeployRequest::new(env.clone(), component.clone(), to.version.clone());
    request.reason = DeployReason::Rollback;
    request.requester = by;
    Ok(request)
}

/// The request that deploys to `to` the version of `component` running in `from` (with its
/// release).
///
/// # Errors
///
/// [`DecideEventError::NothingToPromote`] when nothing of it runs in `from`.
pub fn promote(
    state: &EnvState,
    from: &EnvironmentId,
    to: &EnvironmentId,
    component: &ComponentId,
    by: Option<PersonId>,
) -> Result<DeployRequest, DecideEventError> {
    let running =
        state
            .current(from, component)
            .ok_or_else(|| DecideEventError::NothingToPromote {
                env: from.clone(),
                component: component.clone(),
            })?;
    let mut request = DeployRequest::new(to.clone(), component.clone(), running.version.clone());
    request.release = running.release.clone();
    request.reason = DeployReason::Promotion;
    request.requester = by;
    Ok(request)
}

/// Checks that the latest canary verdict recorded for `version` of `component` in `env`
/// (`relman verify`) is a pass: the gate of a promotion that requires one.
///
/// # Errors
///
/// [`DecideEventError::CanaryNotPassed`] naming the latest verdict, or that none is recorded.
pub fn require_passing_canary(
    state: &EnvState,
    env: &EnvironmentId,
    component: &ComponentId,
    version: &Version,
) -> Result<(), DecideEventError> {
    let latest = state
        .canary_verdicts_for(env, component, version)
        .last()
        .map(|v| v.verdict);
    if latest == Some(crate::canary::CanaryVerdict::Pass) {
        Ok(())
    } else {
        Err(DecideEventError::CanaryNotPassed {
            env: env.clone(),
            component: component.clone(),
            version: version.clone(),
            latest,
        })
    }
}

/// How a deployment ended, for [`finish`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Finish {
    /// It succeeded.
    Succeeded,
    /// It failed, for this reason.
    Failed {
        /// Why.
        reason: String,
    },
}

/// The event that ends the running deployment of `version` of `component` in `env`.
///
/// # Errors
///
/// [`DecideEventError::NotInProgress`] when no such deployment is in progress.
pub fn finish(
    state: &EnvState,
    env: &EnvironmentId,
    component: &ComponentId,
    version: &Version,
    finish: Finish,
) -> Result<EventKind, DecideEventError> {
    let running = state.deployments.iter().rev().any(|d| {
        &d.env == env
            && &d.component == component
            && &d.version == version
            && d.status == DeploymentStatus::InProgress
    });
    if !running {
        return Err(DecideEventError::NotInProgress {
            env: env.clone(),
            component: component.clone(),
            version: version.clone(),
        });
    }
    let (env, component, version) = (env.clone(), component.clone(), version.clone());
    Ok(match finish {
        Finish::Succeeded => EventKind::DeploymentSucceeded {
            env,
            component,
            version,
        },
        Finish::Failed { reason } => EventKind::DeploymentFailed {
            env,
            component,
            version,
            reason,
        },
    })
}

/// The event that takes the lease on `env` for `holder` until `now + ttl` (renewing the
/// holder's own lease).
///
/// # Errors
///
/// [`DecideEventError::Locked`] when someone else holds an active lease.
pub fn lock(
    state: &EnvState,
    env: &EnvironmentId,
    holder: Option<&PersonId>,
    ttl: Duration,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<EventKind, DecideEventError> {
    if let Some(l) = state.active_lease(env, now)
        && l.holder.as_ref() != holder
    {
        return Err(DecideEventError::Locked {
            env: env.clone(),
            holder: l.holder.clone(),
            token: l.token,
            expires_at: l.expires_at,
        });
    }
    Ok(EventKind::LockAcquired {
        env: env.clone(),
        expires_at: now + ttl,
        reason,
    })
}

/// The event that releases the lease on `env`: `by`'s own, or anyone's when `force` gives a
/// reason.
///
/// # Errors
///
/// [`DecideEventError::NotLocked`] without a lease, [`DecideEventError::LockedBySomeoneElse`]
/// for someone else's lease without `force`.
pub fn unlock(
    state: &EnvState,
    env: &EnvironmentId,
    by: Option<&PersonId>,
    force: Option<String>,
) -> Result<EventKind, DecideEventError> {
    let lease = state
        .leases
        .get(env)
        .ok_or_else(|| DecideEventError::NotLocked { env: env.clone() })?;
    if lease.holder.as_ref() != by && force.is_none() {
        return Err(DecideEventError::LockedBySomeoneElse { env: env.clone() });
    }
    Ok(EventKind::LockReleased {
        env: env.clone(),
        token: lease.token,
        forced: force,
    })
}

/// When a window declared with [`declare_window`] applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowSchedule {
    /// Once, from `start` to `end` (exclusive).
    OneOff {
        /// The start.
        start: DateTime<Utc>,
        /// The end, exclusive.
        end: DateTime<Utc>,
    },
    /// On a cron schedule read in an IANA time zone, each occurrence lasting `duration`.
    Recurring {
        /// The cron expression, e.g. `"0 18 * * FRI"`.
        cron: String,
        /// The IANA time zone.
        time_zone: String,
        /// How long each occurrence lasts.
        duration: Duration,
    },
}

/// Returned by [`declare_window`] when the window is invalid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeclareWindowError {
    /// The one-off window ends before it starts.
    #[error(transparent)]
    OneOff(#[from] NewWindowError),
    /// The recurring window's cron, time zone or duration is invalid.
    #[error(transparent)]
    Recurring(#[from] NewRecurringWindowError),
}

/// The event declaring a freeze or maintenance window for `environments` (empty: all).
///
/// # Errors
///
/// [`DeclareWindowError`] when the window is invalid.
pub fn declare_window(
    name: String,
    kind: WindowKind,
    schedule: WindowSchedule,
    environments: Vec<EnvironmentId>,
) -> Result<EventKind, DeclareWindowError> {
    Ok(match schedule {
        WindowSchedule::Recurring {
            cron,
            time_zone,
            duration,
        } => EventKind::RecurringWindowDeclared {
            window: RecurringWindow::new(name, kind, &cron, &time_zone, duration)?
                .with_environments(environments),
        },
        WindowSchedule::OneOff { start, end } => {
            let mut window = Window::new(name, kind, start, end)?;
            window.environments = environments;
            EventKind::WindowDeclared { window }
        }
    })
}

/// What a write did, as printed by a tool: the event recorded, or the refusal with its blockers.
///
/// JSON: `{"outcome": "recorded", "revision": 3, "kind": "deployment_started", "env": "dev",
/// "component": "api", "version": "1.0.0", "blockers": [], "notes": [], "next_allowed_at": null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteResult {
    /// `"recorded"` or `"refused"`.
    pub outcome: &'static str,
    /// The revision of the event recorded.
    pub revision: Option<u64>,
    /// The event's kind, e.g. `"deployment_started"`.
    pub kind: Option<&'static str>,
    /// The environment it is about.
    pub env: Option<String>,
    /// The component it is about.
    pub component: Option<String>,
    /// The version it is about.
    pub version: Option<String>,
    /// Why it was refused.
    pub blockers: Vec<BlockerView>,
    /// Notes of the decision.
    pub notes: Vec<String>,
    /// When the refused deployment would next be allowed.
    pub next_allowed_at: Option<DateTime<Utc>>,
}

/// One blocker of a refused deployment: its message and its structured form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockerView {
    /// The message.
    pub reason: String,
    /// The [`Blocker`] as JSON.
    pub detail: serde_json::Value,
}

impl From<&Blocker> for BlockerView {
    fn from(b: &Blocker) -> Self {
        Self {
            reason: b.to_string(),
            detail: serde_json::to_value(b).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl WriteResult {
    /// An event recorded at `revision`.
    pub fn recorded(revision: u64, event: &Event) -> Self {
        Self {
            outcome: "recorded",
            revision: Some(revision),
            kind: Some(event.kind.name()),
            env: event.kind.env().map(ToString::to_string),
            component: event.kind.component().map(ToString::to_string),
            version: event.kind.version().map(ToString::to_string),
            blockers: Vec::new(),
            notes: Vec::new(),
            next_allowed_at: None,
        }
    }

    /// A refused deployment.
    pub fn refused(refused: &DeployRefused) -> Self {
        let DeployRefused { request, decision } = refused;
        Self {
            outcome: "refused",
            revision: None,
            kind: Some("deployment_started"),
            env: Some(request.env.to_string()),
            component: Some(request.component.to_string()),
            version: Some(request.version.to_string()),
            blockers: decision.blockers.iter().map(BlockerView::from).collect(),
            notes: decision.notes.clone(),
            next_allowed_at: decision.next_allowed_at,
        }
    }

    /// Whether the event was recorded.
    pub fn is_recorded(&self) -> bool {
        self.outcome == "recorded"
    }

    /// The text form: `recorded KIND ENV COMPONENT VERSION at revision N`, or `refused:` with one
    /// line per blocker; then the notes. Every line ends with a newline.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.is_recorded() {
            let what = join_present(&[&self.env, &self.component, &self.version]);
            let _ = writeln!(
                out,
                "recorded {} {what} at revision {}",
                self.kind.unwrap_or("event"),
                self.revision.unwrap_or(0)
            );
        } else {
            out.push_str("refused:\n");
            for b in &self.blockers {
                let _ = writeln!(out, "  - {}", b.reason);
            }
            if let Some(t) = self.next_allowed_at {
                let _ = writeln!(out, "next allowed at {t}");
            }
        }
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        out
    }
}

fn join_present(parts: &[&Option<String>]) -> String {
    parts
        .iter()
        .filter_map(|s| s.as_deref())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One event of the ledger as listed by a history view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Its revision.
    pub revision: u64,
    /// Its kind.
    pub kind: &'static str,
    /// The environment it is about.
    pub env: Option<String>,
    /// The component it is about.
    pub component: Option<String>,
    /// The version it is about.
    pub version: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub by: Option<String>,
    /// The whole event as JSON.
    pub event: serde_json::Value,
}

impl From<&Recorded<Event>> for HistoryEntry {
    fn from(r: &Recorded<Event>) -> Self {
        Self {
            revision: r.revision.get(),
            kind: r.event.kind.name(),
            env: r.event.kind.env().map(ToString::to_string),
            component: r.event.kind.component().map(ToString::to_string),
            version: r.event.kind.version().map(ToString::to_string),
            at: r.event.at,
            by: r.event.by.as_ref().map(ToString::to_string),
            event: serde_json::to_value(&r.event).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The text form of a history: one line per entry (revision, time, kind, what, who).
pub fn history_to_text(entries: &[HistoryEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let what = join_present(&[&e.env, &e.component, &e.version]);
        let line = format!(
            "{:>6}  {}  {:<24} {what}{}",
            e.revision,
            e.at.format("%Y-%m-%dT%H:%M:%SZ"),
            e.kind,
            e.by.as_ref()
                .map(|b| format!(" (by {b})"))
                .unwrap_or_default()
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What runs where: components × environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusTable {
    /// The state's revision.
    pub revision: u64,
    /// The environments, in promotion order.
    pub environments: Vec<String>,
    /// One row per component.
    pub components: Vec<StatusRow>,
}

/// One component's row of a [`StatusTable`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The component.
    pub component: String,
    /// Its latest deployment per environment (environments without one are left out).
    pub cells: Vec<StatusCell>,
}

/// The latest deployment of a component in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCell {
    /// The environment.
    pub env: String,
    /// The version of the latest deployment.
    pub version: String,
    /// Its status.
    pub status: String,
    /// When it finished (or started, while running).
    pub at: DateTime<Utc>,
    /// Who deployed it.
    pub by: Option<String>,
    /// The version that runs there now.
    pub running: Option<String>,
}

impl StatusTable {
    /// The table of `state`.
    pub fn new(state: &EnvState) -> Self {
        let envs: Vec<&EnvironmentId> = state.environments.iter().map(|e| &e.id).collect();
        let components = state
            .components()
            .into_iter()
            .map(|c| StatusRow {
                component: c.to_string(),
                cells: envs
                    .iter()
                    .filter_map(|env| {
                        state.latest(env, c).map(|d| StatusCell {
                            env: env.to_string(),
                            version: d.version.to_string(),
                            status: d.status.to_string(),
                            at: d.finished_at.unwrap_or(d.started_at),
                            by: d.by.as_ref().map(ToString::to_string),
                            running: state.current(env, c).map(|r| r.version.to_string()),
                        })
                    })
                    .collect(),
            })
            .collect();
        Self {
            revision: state.revision.get(),
            environments: envs.iter().map(ToString::to_string).collect(),
            components,
        }
    }

    /// The text form: aligned columns, `-` where nothing was deployed, the running version
    /// followed by the latest deployment's version and status when that did not succeed.
    pub fn to_text(&self) -> String {
        let mut table: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["component".to_string()];
        header.extend(self.environments.iter().cloned());
        table.push(header);
        for row in &self.components {
            let mut line = vec![row.component.clone()];
            for env in &self.environments {
                line.push(match row.cells.iter().find(|c| &c.env == env) {
                    Some(c) if c.status == "succeeded" => c.version.clone(),
                    Some(c) => match &c.running {
                        Some(r) => format!("{r} ({} {})", c.version, c.status),
                        None => format!("{} ({})", c.version, c.status),
                    },
                    None => "-".to_string(),
                });
            }
            table.push(line);
        }
        let widths: Vec<usize> = (0..table[0].len())
            .map(|i| table.iter().map(|r| r[i].len()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &table {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

/// The text form of drift: `ENV COMPONENT: desired X, observed Y` per line, or `no drift`.
pub fn drift_to_text(drift: &[Drift]) -> String {
    if drift.is_empty() {
        return "no drift\n".to_owned();
    }
    let show = |v: &Option<Version>| v.as_ref().map_or("-".to_string(), ToString::to_string);
    let mut out = String::new();
    for d in drift {
        let _ = writeln!(
            out,
            "{} {}: desired {}, observed {}",
            d.env,
            d.component,
            show(&d.desired),
            show(&d.observed)
        );
    }
    out
}

/// The text form of DORA metrics over the last `days` days.
pub fn metrics_to_text(m: &DoraMetrics, days: u32) -> String {
    let band = |b: Option<Band>| b.map_or_else(String::new, |b| format!("  [{b}]"));
    let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0));
    #[allow(clippy::cast_precision_loss)]
    let secs = |s: Option<i64>| s.map_or("-".to_string(), |s| format!("{:.1}h", s as f64 / 3600.0));
    let mut out = String::new();
    let _ = writeln!(out, "DORA metrics for {} over the last {days} days", m.env);
    let _ = writeln!(
        out,
        "  deployments:           {} ({:.2}/day){}",
        m.deployments,
        m.deployments_per_day,
        band(m.ratings.deployment_frequency)
    );
    let _ = writeln!(
        out,
        "  lead time:             median {}, p90 {}{}",
        secs(m.lead_time.median_seconds),
        secs(m.lead_time.p90_seconds),
        band(m.ratings.lead_time)
    );
    let _ = writeln!(
        out,
        "  change failure rate:   {}{}",
        pct(m.change_failure_rate),
        band(m.ratings.change_failure_rate)
    );
    let _ = writeln!(
        out,
        "  recovery time:         median {}, p90 {}{}",
        secs(m.recovery_time.median_seconds),
        secs(m.recovery_time.p90_seconds),
        band(m.ratings.recovery_time)
    );
    let _ = writeln!(out, "  rework rate:           {}", pct(m.rework_rate));
    let _ = writeln!(out, "  bands: {} ({})", m.bands_source, m.bands_version);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LineageId, MemoryStore, Revision, Store};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a valid time")
    }

    fn state_of(events: &[Event]) -> EnvState {
        let mut store = MemoryStore::new(LineageId::new("t").expect("lineage"));
        store.append(Revision::ZERO, events).expect("append");
        EnvState::fold(&store.load().expect("load"))
    }

    fn id<T: std::str::FromStr>(s: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        s.parse().expect("a valid id")
    }

    fn started(env: &str, version: &str) -> Event {
        Event::new(
            at("2026-11-28T09:00:00Z"),
            None,
            EventKind::DeploymentStarted {
                env: id(env),
                component: id("api"),
                version: id(version),
                release: None,
                reason: DeployReason::Planned,
                changes: Vec::new(),
            },
        )
    }

    fn succeeded(env: &str, version: &str) -> Event {
        Event::new(
            at("2026-11-28T09:10:00Z"),
            None,
            EventKind::DeploymentSucceeded {
                env: id(env),
                component: id("api"),
                version: id(version),
            },
        )
    }

    fn base(extra: &[Event]) -> EnvState {
        let mut events = init(
            vec![id("dev"), id("prod")],
            LifecycleKind::Strict,
            at("2026-11-28T08:00:00Z"),
        );
        events.extend_from_slice(extra);
        state_of(&events)
    }

    #[test]
    fn init_declares_the_environments_then_the_lifecycle() {
        let events = init(
            vec![id("dev")],
            LifecycleKind::Open,
            at("2026-11-28T08:00:00Z"),
        );
        let kinds: Vec<_> = events.iter().map(|e| e.kind.name()).collect();
        assert_eq!(kinds, ["environments_declared", "lifecycle_declared"]);
    }

    #[test]
    fn deploy_is_started_by_the_requester_or_refused_with_blockers() {
        let state = base(&[]);
        let now = at("2026-11-28T10:00:00Z");
        let mut request = DeployRequest::new(id("dev"), id("api"), id("1.0.0"));
        request.requester = Some(id("al"));
        let ok = deploy(&state, request, now).expect("dev is the first phase");
        assert_eq!(ok.event.by, Some(id("al")));
        assert_eq!(ok.event.kind.name(), "deployment_started");

        let refused = deploy(
            &state,
            DeployRequest::new(id("prod"), id("api"), id("1.0.0")),
            now,
        )
        .expect_err("prod needs dev first");
        let out = WriteResult::refused(&refused);
        assert_eq!(out.outcome, "refused");
        assert!(out.to_text().starts_with("refused:\n  - "));
    }

    #[test]
    fn promote_and_rollback_build_requests_from_what_runs() {
        let state = base(&[
            started("dev", "1.0.0"),
            succeeded("dev", "1.0.0"),
            started("dev", "1.1.0"),
            succeeded("dev", "1.1.0"),
        ]);
        let r = promote(&state, &id("dev"), &id("prod"), &id("api"), None).expect("runs");
        assert_eq!(
            (r.env.as_str(), r.version.to_string(), r.reason),
            ("prod", "1.1.0".to_owned(), DeployReason::Promotion)
        );
        let r = rollback(&state, &id("dev"), &id("api"), Some(id("al"))).expect("a target");
        assert_eq!(r.version, id::<Version>("1.0.0"));
        assert_eq!(r.reason, DeployReason::Rollback);

        assert_eq!(
            promote(&state, &id("prod"), &id("dev"), &id("api"), None)
                .expect_err("nothing in prod")
                .to_string(),
            "nothing of api runs in prod to promote"
        );
        assert_eq!(
            rollback(&state, &id("prod"), &id("api"), None)
                .expect_err("nothing to roll back to")
                .to_string(),
            "no rollback target for api in prod"
        );
    }

    #[test]
    fn finish_needs_a_running_deployment() {
        let state = base(&[started("dev", "1.0.0")]);
        let kind = finish(
            &state,
            &id("dev"),
            &id("api"),
            &id("1.0.0"),
            Finish::Failed {
                reason: "boom".into(),
            },
        )
        .expect("in progress");
        assert_eq!(kind.name(), "deployment_failed");
        let err = finish(
            &state,
            &id("dev"),
            &id("api"),
            &id("2.0.0"),
            Finish::Succeeded,
        )
        .expect_err("not running");
        assert_eq!(
            err.to_string(),
            "no deployment of api 2.0.0 to dev is in progress"
        );
    }

    #[test]
    fn a_lease_refuses_others_until_forced() {
        let now = at("2026-11-28T10:00:00Z");
        let taken = lock(
            &base(&[]),
            &id("dev"),
            Some(&id("al")),
            Duration::minutes(30),
            None,
            now,
        )
        .expect("free");
        let state = base(&[Event::new(now, Some(id("al")), taken)]);
        let err = lock(
            &state,
            &id("dev"),
            Some(&id("bo")),
            Duration::minutes(30),
            None,
            now,
        )
        .expect_err("al holds it");
        assert!(
            matches!(err, DecideEventError::Locked { ref holder, .. } if holder == &Some(id("al")))
        );
        assert_eq!(
            unlock(&state, &id("dev"), Some(&id("bo")), None),
            Err(DecideEventError::LockedBySomeoneElse { env: id("dev") })
        );
        assert!(unlock(&state, &id("dev"), Some(&id("bo")), Some("urgent".into())).is_ok());
        assert_eq!(
            unlock(&state, &id("prod"), None, None),
            Err(DecideEventError::NotLocked { env: id("prod") })
        );
    }

    #[test]
    fn a_window_must_end_after_it_starts() {
        let ok = declare_window(
            "xmas".into(),
            WindowKind::Freeze,
            WindowSchedule::OneOff {
                start: at("2026-12-20T00:00:00Z"),
                end: at("2026-12-27T00:00:00Z"),
            },
            vec![],
        )
        .expect("valid");
        assert_eq!(ok.name(), "window_declared");
        assert!(
            declare_window(
                "bad".into(),
                WindowKind::Freeze,
                WindowSchedule::OneOff {
                    start: at("2026-12-27T00:00:00Z"),
                    end: at("2026-12-20T00:00:00Z"),
                },
                vec![],
            )
            .is_err()
        );
    }

    #[test]
    fn the_status_table_shows_running_versions_and_failures() {
        let state = base(&[
            started("dev", "1.0.0"),
            succeeded("dev", "1.0.0"),
            started("dev", "1.1.0"),
        ]);
        let table = StatusTable::new(&state);
        assert_eq!(
            table.to_text(),
            "component  dev                        prod\napi        1.0.0 (1.1.0 in_progress)  -\n"
        );
        assert_eq!(drift_to_text(&[]), "no drift\n");
    }
}
