//! The deployment engine: [`Deployer::deploy`] and [`Deployer::promote`].
//!
//! One deployment, in order:
//!
//! 1. **In doubt.** A deployment of the same component in the same environment that started
//!    under a lease, has no outcome, and whose lease has expired is in doubt (its runner was
//!    killed). It is resolved first: under a new lease, the health check runs against the
//!    in-doubt version. Healthy: its success is recorded. Unhealthy (or no health check to
//!    tell): its failure is recorded and the environment is rolled back to the version that ran
//!    before it. A rollback that fails stops there.
//! 2. **Policy.** [`relman_env::ops::deploy`] ([`can_deploy`](relman_env::can_deploy)) must
//!    allow it, and no other deployment may be running in the environment; otherwise it is
//!    refused with every reason and nothing runs.
//! 3. **Lease.** The same ledger write takes the environment's lease and records
//!    `deployment_started`. The lease is renewed before each step for that step's worst-case
//!    duration, and released at the end (or given back to the requester, when they held it
//!    before with `relman env lock`); every write is fenced by its token, so a runner whose
//!    lease was taken over ([`DeployError::LeaseLost`]) writes nothing more.
//! 4. **Commands.** `pre`, `deploy`, then the health check (retried). Each command's end is
//!    recorded (`deploy_command_finished`: exit status and output tail).
//! 5. **Outcome.** Success: `deployment_succeeded`, then the `post` hook. Failure:
//!    `deployment_failed` with the reason, then a rollback deployment (reason `rollback`) of
//!    the version that ran before, by the deploy command and the health check.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use relman_env::store::{Committed, Store, StoreError, TransactError, load_state, transact};
use relman_env::{
    AutoPromote, Blocker, CommandStatus, DeployReason, DeployRequest, DeployStep, Deployment,
    DeploymentStatus, EnvState, Event, EventKind, Lifecycle,
};
use relman_model::{ComponentId, Digest, EnvironmentId, PersonId, ReleaseId};
use semver::Version;
use serde::Serialize;

use crate::Clock;
use crate::config::{CommandLine, EnvironmentConfig, HealthConfig};
use crate::process::{self, CommandSpec};

/// Settings of a [`Deployer`] beyond its required inputs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeployOptions {
    /// The working directory of the commands (the directory of `relman.toml`, usually).
    pub workdir: PathBuf,
    /// How many bytes of the end of a command's output are recorded (default 4 KiB).
    pub output_limit: usize,
    /// Added to each step's worst-case duration for the lease's length (default 2 s).
    pub lease_margin: Duration,
    /// How many times a ledger write re-reads and re-decides after a concurrent write
    /// (default 20).
    pub max_attempts: usize,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            workdir: PathBuf::from("."),
            output_limit: 4096,
            lease_margin: Duration::from_secs(2),
            max_attempts: 20,
        }
    }
}

/// Returned by [`Deployer::deploy`] and [`Deployer::promote`] when they cannot go on: the
/// ledger failed, the environment has no settings, or the lease was lost.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// The environment has no `[environments.NAME]` settings.
    #[error("environment {env} has no deploy settings: add [environments.{env}] with `deploy`")]
    NotConfigured {
        /// The environment.
        env: EnvironmentId,
    },
    /// The ledger could not be read.
    #[error("cannot read the environment ledger")]
    Load(#[source] StoreError),
    /// A ledger write failed (store error or endless contention).
    #[error("cannot record the deployment of {component} to {env} in the ledger")]
    Record {
        /// The environment.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// Why.
        #[source]
        source: Box<TransactError<Infallible>>,
    },
    /// Someone else took the environment's lease while this deployment ran (it expired, then
    /// was taken): nothing more was recorded; the deployment is left in doubt.
    #[error(
        "lost the lease on {env} (token {token}) to another writer; the deployment is left in doubt"
    )]
    LeaseLost {
        /// The environment.
        env: EnvironmentId,
        /// The fencing token this deployment held.
        token: u64,
    },
    /// A lease length does not fit in a date.
    #[error("the lease on {env} would end past the representable dates")]
    LeaseOverflow {
        /// The environment.
        env: EnvironmentId,
    },
}

/// Why a deployment did not start.
///
/// JSON: `{"refusal": "policy", "blocker": "freeze", "window": "...", "until": "..."}` or
/// `{"refusal": "busy", "component": "api", "version": "1.2.0", "deployment": 12, ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// The environment's policy ([`can_deploy`](relman_env::can_deploy)) refuses it.
    Policy(Blocker),
    /// Another deployment is running in the environment under its lease.
    Busy {
        /// The component being deployed.
        component: ComponentId,
        /// Its version.
        version: Version,
        /// Its id (the revision of its `deployment_started`).
        deployment: u64,
        /// Who holds the lease.
        holder: Option<PersonId>,
        /// When the lease expires (then the deployment is in doubt).
        until: DateTime<Utc>,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Policy(b) => b.fmt(f),
            Refusal::Busy {
                component,
                version,
                deployment,
                holder,
                until,
            } => write!(
                f,
                "deployment {deployment} of {component} {version} is running (lease held by {} until {until})",
                holder.as_ref().map_or("someone", PersonId::as_str)
            ),
        }
    }
}

/// How a deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployOutcome {
    /// It succeeded (health check passed).
    Deployed,
    /// Policy refused it; nothing ran.
    Refused,
    /// It failed and the version that ran before was deployed back.
    RolledBack,
    /// It failed, and there was nothing to roll back to or the rollback failed too (or an
    /// in-doubt deployment could not be resolved).
    Failed,
}

/// One command run by a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandReport {
    /// The version it deployed or checked.
    pub version: Version,
    /// The step.
    pub step: DeployStep,
    /// How many times it ran.
    pub attempts: u32,
    /// How its last run ended.
    pub status: CommandStatus,
    /// The tail of its output (escaped).
    pub output: String,
}

/// The rollback after a failed deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackReport {
    /// The version deployed back.
    pub version: Version,
    /// The rollback deployment's id.
    pub deployment: u64,
    /// Whether it succeeded.
    pub succeeded: bool,
    /// Why it failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// How an in-doubt deployment was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InDoubtResolution {
    /// The health check passed: its success was recorded.
    Confirmed,
    /// Its failure was recorded and the previous version deployed back.
    RolledBack,
    /// Its failure was recorded; nothing to roll back to, or the rollback failed.
    Failed,
    /// An earlier in-doubt deployment superseded by a later one: recorded as failed.
    Superseded,
}

/// An in-doubt deployment found and resolved before a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InDoubtReport {
    /// Its version.
    pub version: Version,
    /// Its id.
    pub deployment: u64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// What was done.
    pub resolution: InDoubtResolution,
    /// Why it was not confirmed, if it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The rollback, if one ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackReport>,
}

/// What [`Deployer::deploy`] did.
///
/// JSON: `{"env": "staging", "component": "api", "version": "1.2.0", "outcome": "rolled_back",
/// "failure": "health check failed after 4 attempts: exited with 1", "deployment": 12,
/// "previous": "1.1.0", "rollback": {...}, "in_doubt": [...], "refusals": [...],
/// "commands": [{"version": "1.2.0", "step": "deploy", "attempts": 1, "status": {"status":
/// "exited", "code": 0}, "output": "..."}], "notes": []}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployReport {
    /// Where.
    pub env: EnvironmentId,
    /// What.
    pub component: ComponentId,
    /// Which version.
    pub version: Version,
    /// How it ended.
    pub outcome: DeployOutcome,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Its id: the revision of its `deployment_started` (none when refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<u64>,
    /// The version that ran before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Version>,
    /// The rollback after a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackReport>,
    /// In-doubt deployments resolved first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub in_doubt: Vec<InDoubtReport>,
    /// Every reason it was refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<Refusal>,
    /// The commands run, in order.
    pub commands: Vec<CommandReport>,
    /// Notes (a break-glass override, a failed `post` hook, no rollback target).
    pub notes: Vec<String>,
}

impl DeployReport {
    fn new(request: &DeployRequest) -> Self {
        Self {
            env: request.env.clone(),
            component: request.component.clone(),
            version: request.version.clone(),
            outcome: DeployOutcome::Failed,
            failure: None,
            deployment: None,
            previous: None,
            rollback: None,
            in_doubt: Vec::new(),
            refusals: Vec::new(),
            commands: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Whether the version now runs there (exit code 0 of `relman deploy`).
    pub fn is_deployed(&self) -> bool {
        self.outcome == DeployOutcome::Deployed
    }
}

/// What [`Deployer::promote`] promotes, and with which release and digest (for phases that
/// need approvals).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PromoteRequest {
    /// The component.
    pub component: ComponentId,
    /// The version.
    pub version: Version,
    /// Who promotes (holds each environment's lease; cannot approve their own deployment).
    pub requester: Option<PersonId>,
    /// The release approvals are bound to; default: the release recorded with the version's
    /// earlier successful deployments.
    pub release: Option<ReleaseId>,
    /// The release digest approvals are bound to.
    pub digest: Option<Digest>,
    /// Whether the version needs a passing canary verdict (`relman verify`) in the environment
    /// it runs in before it is promoted past it.
    pub require_canary: bool,
}

impl PromoteRequest {
    /// A promotion of `version` of `component` with no requester, release or digest.
    pub fn new(component: ComponentId, version: Version) -> Self {
        Self {
            component,
            version,
            requester: None,
            release: None,
            digest: None,
            require_canary: false,
        }
    }
}

/// What happened to one environment during [`Deployer::promote`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromoteAction {
    /// The version already ran there: nothing to do.
    AlreadyRunning,
    /// Deployed (see the step's report for refusals and failures).
    Deployed,
    /// Refused by policy; promotion stopped.
    Refused,
    /// Failed (and rolled back, see the report); promotion stopped.
    Failed,
    /// The environment's phase does not promote automatically: promotion stopped before it
    /// (run `relman promote` again to go on).
    Manual,
    /// The version has no passing canary verdict in the environment it runs in (with
    /// [`PromoteRequest::require_canary`]): promotion stopped before this one.
    CanaryNotPassed,
}

/// One environment's step of a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromoteStep {
    /// The environment.
    pub env: EnvironmentId,
    /// What happened.
    pub action: PromoteAction,
    /// The deployment, when one was attempted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<DeployReport>,
    /// Why promotion stopped here without a deployment ([`PromoteAction::CanaryNotPassed`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What [`Deployer::promote`] did, environment by environment in lifecycle order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromoteReport {
    /// The component.
    pub component: ComponentId,
    /// The version.
    pub version: Version,
    /// One step per environment considered, in order; the last one says where it stopped.
    pub steps: Vec<PromoteStep>,
}

impl PromoteReport {
    /// Whether no step was refused or failed (exit code 0 of `relman promote`).
    pub fn is_success(&self) -> bool {
        self.steps.iter().all(|s| {
            !matches!(
                s.action,
                PromoteAction::Refused | PromoteAction::Failed | PromoteAction::CanaryNotPassed
            )
        })
    }
}

/// Hears about a deployment's commands as they run: the library never prints, so a tool that
/// wants to show progress implements this and passes it to [`Deployer::observe`]. Both methods
/// do nothing by default.
pub trait Observer {
    /// A command is about to run (`attempt` counts a health check's attempts, from 1).
    fn command_started(&self, command: &CommandStart<'_>) {
        let _ = command;
    }

    /// A command ended with `status`.
    fn command_finished(&self, command: &CommandStart<'_>, status: &CommandStatus) {
        let _ = (command, status);
    }
}

/// What an [`Observer`] is told about a command.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CommandStart<'a> {
    /// Where.
    pub env: &'a EnvironmentId,
    /// What.
    pub component: &'a ComponentId,
    /// The version it deploys or checks.
    pub version: &'a Version,
    /// Which step.
    pub step: DeployStep,
    /// The attempt, from 1.
    pub attempt: u32,
}

/// The observer of a [`Deployer`] nobody observes.
struct Silent;

impl Observer for Silent {}

static SILENT: Silent = Silent;

/// Runs deployments against a ledger: checks policy, holds the environment's lease, runs the
/// configured commands, records every step and rolls back failures.
///
/// ```no_run
/// use std::collections::BTreeMap;
/// use relman_deploy::config::EnvironmentConfig;
/// use relman_deploy::{Clock, DeployOptions, Deployer};
/// use relman_env::store::{JournalStore, Store};
/// use relman_env::{DeployRequest, Event};
///
/// struct SystemClock;
/// impl Clock for SystemClock {
///     fn now(&self) -> chrono::DateTime<chrono::Utc> {
///         chrono::Utc::now()
///     }
/// }
///
/// let mut store = JournalStore::<Event>::open(std::path::Path::new(".relman/state"))?.store;
/// let mut environments = BTreeMap::new();
/// environments.insert("staging".parse()?, EnvironmentConfig::new("./deploy.sh".parse()?));
/// let mut deployer = Deployer::new(&mut store, &environments, &SystemClock, DeployOptions::default());
/// let request = DeployRequest::new("staging".parse()?, "api".parse()?, "1.2.0".parse()?);
/// let report = deployer.deploy(request)?;
/// assert!(report.is_deployed(), "{:?}", report.failure);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Deployer<'a, S: Store<Event = Event> + ?Sized> {
    store: &'a mut S,
    environments: &'a BTreeMap<EnvironmentId, EnvironmentConfig>,
    clock: &'a dyn Clock,
    options: DeployOptions,
    observer: &'a dyn Observer,
}

impl<S: Store<Event = Event> + ?Sized> std::fmt::Debug for Deployer<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployer")
            .field("environments", &self.environments)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The lease a running deployment holds and the events waiting for its next write.
struct Held {
    env: EnvironmentId,
    component: ComponentId,
    holder: Option<PersonId>,
    token: u64,
    reason: String,
    pending: Vec<EventKind>,
    /// The requester's own lease from before (`relman env lock`): given back at the end
    /// instead of released, when it has not run out.
    restore: Option<(DateTime<Utc>, Option<String>)>,
}

/// What a command is told, as environment variables.
struct Vars<'a> {
    env: &'a EnvironmentId,
    component: &'a ComponentId,
    version: &'a Version,
    previous: Option<&'a Version>,
    deployment: u64,
    reason: DeployReason,
}

impl Vars<'_> {
    fn start(&self, step: DeployStep, attempt: u32) -> CommandStart<'_> {
        CommandStart {
            env: self.env,
            component: self.component,
            version: self.version,
            step,
            attempt,
        }
    }

    fn for_step(&self, step: DeployStep, attempt: u32) -> Vec<(String, String)> {
        let mut vars = vec![
            ("RELMAN_ENV".to_owned(), self.env.to_string()),
            ("RELMAN_COMPONENT".to_owned(), self.component.to_string()),
            ("RELMAN_VERSION".to_owned(), self.version.to_string()),
            (
                "RELMAN_PREVIOUS_VERSION".to_owned(),
                self.previous.map(ToString::to_string).unwrap_or_default(),
            ),
            (
                "RELMAN_DEPLOYMENT_ID".to_owned(),
                self.deployment.to_string(),
            ),
            ("RELMAN_REASON".to_owned(), self.reason.to_string()),
            ("RELMAN_STEP".to_owned(), step.to_string()),
        ];
        if step == DeployStep::Health {
            vars.push(("RELMAN_ATTEMPT".to_owned(), attempt.to_string()));
        }
        vars
    }
}

enum StartRefused {
    Refused(Vec<Refusal>),
    Resolved,
}

impl<'a, S: Store<Event = Event> + ?Sized> Deployer<'a, S> {
    /// A deployer over `store` with the settings of each environment, reading time from
    /// `clock`.
    pub fn new(
        store: &'a mut S,
        environments: &'a BTreeMap<EnvironmentId, EnvironmentConfig>,
        clock: &'a dyn Clock,
        options: DeployOptions,
    ) -> Self {
        Self {
            store,
            environments,
            clock,
            options,
            observer: &SILENT,
        }
    }

    /// Tells `observer` about each command as it starts and ends.
    pub fn observe(&mut self, observer: &'a dyn Observer) -> &mut Self {
        self.observer = observer;
        self
    }

    /// Deploys `request` (see [the module docs](self) for the steps). The requester holds the
    /// lease. A refusal or a failure is a report, not an error.
    ///
    /// # Errors
    ///
    /// [`DeployError::NotConfigured`] without settings for the environment (nothing runs);
    /// [`DeployError::Load`] / [`DeployError::Record`] when the ledger fails;
    /// [`DeployError::LeaseLost`] when another writer took the lease mid-way.
    pub fn deploy(&mut self, request: DeployRequest) -> Result<DeployReport, DeployError> {
        let environments = self.environments;
        let config = environments
            .get(&request.env)
            .ok_or_else(|| DeployError::NotConfigured {
                env: request.env.clone(),
            })?;
        let mut report = DeployReport::new(&request);
        if !self.resolve_in_doubt(&request, config, &mut report)? {
            return Ok(report);
        }
        let now = self.clock.now();
        let expires_at = self.lease_end(&request.env, config.timeout.0, now)?;
        let reason = format!("relman deploy {} {}", request.component, request.version);
        let mut notes = Vec::new();
        let mut restore = None;
        let lock = Event::new(
            now,
            request.requester.clone(),
            EventKind::LockAcquired {
                env: request.env.clone(),
                expires_at,
                reason: Some(reason.clone()),
            },
        );
        let started = transact(&mut *self.store, self.options.max_attempts, |state| {
            if let Some(busy) = busy(state, &request.env, now) {
                return Err(vec![busy]);
            }
            match relman_env::ops::deploy(state, request.clone(), now) {
                Ok(started) => {
                    notes.clone_from(&started.notes);
                    restore = state
                        .active_lease(&request.env, now)
                        .filter(|l| l.holder.is_some() && l.holder == request.requester)
                        .map(|l| (l.expires_at, l.reason.clone()));
                    Ok(vec![lock.clone(), started.event])
                }
                Err(refused) => Err(refused
                    .decision
                    .blockers
                    .into_iter()
                    .map(Refusal::Policy)
                    .collect()),
            }
        });
        report.notes = notes;
        let committed = match started {
            Ok(committed) => committed,
            Err(e) => match e.into_decision() {
                Ok(refusals) => {
                    report.outcome = DeployOutcome::Refused;
                    report.refusals = refusals;
                    return Ok(report);
                }
                Err(source) => return Err(self.record_error(&request, source)),
            },
        };
        let state = &committed.state;
        let mut held = Held {
            env: request.env.clone(),
            component: request.component.clone(),
            holder: request.requester.clone(),
            token: lease_token(state, &request.env),
            reason,
            pending: Vec::new(),
            restore,
        };
        let deployment = committed.revision.get();
        report.deployment = Some(deployment);
        let previous = state
            .current(&request.env, &request.component)
            .map(|d| d.version.clone());
        report.previous.clone_from(&previous);
        let target = rollback_version(state, &request.env, &request.component, &request.version);
        let vars = Vars {
            env: &request.env,
            component: &request.component,
            version: &request.version,
            previous: previous.as_ref(),
            deployment,
            reason: request.reason,
        };
        let first = report.commands.len();
        let result = self.attempt(&mut held, config, &vars, true, &mut report.commands)?;
        match result {
            Ok(()) => {
                self.succeed(&mut held, config, &vars, &mut report)?;
                report.outcome = DeployOutcome::Deployed;
            }
            Err(failure) => {
                held.pending.push(EventKind::DeploymentFailed {
                    env: request.env.clone(),
                    component: request.component.clone(),
                    version: request.version.clone(),
                    reason: failure.clone(),
                });
                report.failure = Some(failure);
                let deployed_something = report.commands[first..]
                    .iter()
                    .any(|c| c.step == DeployStep::Deploy);
                match target {
                    _ if !deployed_something => report
                        .notes
                        .push("nothing was deployed (the pre hook failed): no rollback".to_owned()),
                    Some(target) => {
                        let rollback = self.rollback(
                            &mut held,
                            config,
                            &target,
                            &request.version,
                            &mut report.commands,
                        )?;
                        report.outcome = if rollback.succeeded {
                            DeployOutcome::RolledBack
                        } else {
                            DeployOutcome::Failed
                        };
                        report.rollback = Some(rollback);
                    }
                    None => {
                        report.notes.push(format!(
                            "no rollback target: no earlier successful version of {} in {}",
                            request.component, request.env
                        ));
                    }
                }
            }
        }
        self.release(&mut held)?;
        Ok(report)
    }

    /// Moves `version` of `component` through the lifecycle (the ledger's, or an open one):
    /// environments where it already runs are skipped; the first phase where it does not run
    /// everywhere is deployed (that is what the caller asked for), and each later phase only
    /// when it promotes automatically ([`AutoPromote::On`]). Stops at the first refusal or
    /// failure, or before a phase that waits for a person.
    ///
    /// # Errors
    ///
    /// As [`Deployer::deploy`]; an environment without settings is
    /// [`DeployError::NotConfigured`].
    pub fn promote(&mut self, request: &PromoteRequest) -> Result<PromoteReport, DeployError> {
        let (component, version) = (&request.component, &request.version);
        let (state, _) = load_state(&mut *self.store).map_err(DeployError::Load)?;
        let lifecycle = state
            .lifecycle
            .clone()
            .unwrap_or_else(|| Lifecycle::open(&state.environments));
        let mut report = PromoteReport {
            component: component.clone(),
            version: version.clone(),
            steps: Vec::new(),
        };
        let mut acted = false;
        // The last environment, in lifecycle order, where the version runs.
        let mut running_in: Option<EnvironmentId> = None;
        'phases: for phase in &lifecycle.phases {
            let mut acted_here = false;
            for env in &phase.environments {
                let (state, _) = load_state(&mut *self.store).map_err(DeployError::Load)?;
                if state
                    .current(env, component)
                    .is_some_and(|d| &d.version == version)
                {
                    report.steps.push(PromoteStep {
                        env: env.clone(),
                        action: PromoteAction::AlreadyRunning,
                        report: None,
                        reason: None,
                    });
                    running_in = Some(env.clone());
                    continue;
                }
                if acted && phase.auto_promote == AutoPromote::Off {
                    report.steps.push(PromoteStep {
                        env: env.clone(),
                        action: PromoteAction::Manual,
                        report: None,
                        reason: None,
                    });
                    break 'phases;
                }
                if request.require_canary
                    && let Some(from) = &running_in
                    && let Err(e) =
                        relman_env::ops::require_passing_canary(&state, from, component, version)
                {
                    report.steps.push(PromoteStep {
                        env: env.clone(),
                        action: PromoteAction::CanaryNotPassed,
                        report: None,
                        reason: Some(e.to_string()),
                    });
                    break 'phases;
                }
                let mut deploy =
                    DeployRequest::new(env.clone(), component.clone(), version.clone());
                deploy.requester = request.requester.clone();
                deploy.reason = DeployReason::Promotion;
                deploy.digest = request.digest.clone();
                deploy.release = request.release.clone().or_else(|| {
                    state
                        .deployments
                        .iter()
                        .rev()
                        .find(|d| {
                            &d.component == component
                                && &d.version == version
                                && d.status == DeploymentStatus::Succeeded
                        })
                        .and_then(|d| d.release.clone())
                });
                let deployed = self.deploy(deploy)?;
                let action = match deployed.outcome {
                    DeployOutcome::Deployed => PromoteAction::Deployed,
                    DeployOutcome::Refused => PromoteAction::Refused,
                    DeployOutcome::RolledBack | DeployOutcome::Failed => PromoteAction::Failed,
                };
                report.steps.push(PromoteStep {
                    env: env.clone(),
                    action,
                    report: Some(deployed),
                    reason: None,
                });
                if action != PromoteAction::Deployed {
                    break 'phases;
                }
                running_in = Some(env.clone());
                acted_here = true;
            }
            acted |= acted_here;
        }
        Ok(report)
    }

    /// Resolves the in-doubt deployments of the request's component in its environment.
    /// Returns whether the deployment may go on.
    fn resolve_in_doubt(
        &mut self,
        request: &DeployRequest,
        config: &EnvironmentConfig,
        report: &mut DeployReport,
    ) -> Result<bool, DeployError> {
        let now = self.clock.now();
        let (state, _) = load_state(&mut *self.store).map_err(DeployError::Load)?;
        let doubtful: Vec<Deployment> = in_doubt_of(&state, &request.env, &request.component, now);
        let Some(last) = doubtful.last().cloned() else {
            return Ok(true);
        };
        let budget = config
            .health
            .as_ref()
            .map_or(Duration::ZERO, HealthConfig::budget);
        let expires_at = self.lease_end(&request.env, budget, now)?;
        let reason = format!(
            "relman deploy: resolving in-doubt {} {}",
            request.component, last.version
        );
        let mut events: Vec<Event> = doubtful[..doubtful.len() - 1]
            .iter()
            .map(|d| {
                Event::new(
                    now,
                    request.requester.clone(),
                    EventKind::DeploymentFailed {
                        env: d.env.clone(),
                        component: d.component.clone(),
                        version: d.version.clone(),
                        reason: "in doubt, superseded by a later deployment".to_owned(),
                    },
                )
            })
            .collect();
        events.push(Event::new(
            now,
            request.requester.clone(),
            EventKind::LockAcquired {
                env: request.env.clone(),
                expires_at,
                reason: Some(reason.clone()),
            },
        ));
        let revisions: Vec<u64> = doubtful.iter().map(|d| d.revision.get()).collect();
        let taken = transact(&mut *self.store, self.options.max_attempts, |state| {
            if let Some(busy) = busy(state, &request.env, now) {
                return Err(StartRefused::Refused(vec![busy]));
            }
            if let Some(lease) = state.active_lease(&request.env, now) {
                return Err(StartRefused::Refused(vec![Refusal::Policy(
                    Blocker::Locked {
                        holder: lease.holder.clone(),
                        token: lease.token,
                        until: lease.expires_at,
                    },
                )]));
            }
            let still: Vec<u64> = in_doubt_of(state, &request.env, &request.component, now)
                .iter()
                .map(|d| d.revision.get())
                .collect();
            if still != revisions {
                // Someone else resolved them meanwhile.
                return Err(StartRefused::Resolved);
            }
            Ok(events.clone())
        });
        let committed = match taken {
            Ok(committed) => committed,
            Err(e) => match e.into_decision() {
                Ok(StartRefused::Refused(refusals)) => {
                    report.outcome = DeployOutcome::Refused;
                    report.refusals = refusals;
                    return Ok(false);
                }
                Ok(StartRefused::Resolved) => return Ok(true),
                Err(source) => return Err(self.record_error(request, source)),
            },
        };
        for d in &doubtful[..doubtful.len() - 1] {
            report.in_doubt.push(InDoubtReport {
                version: d.version.clone(),
                deployment: d.revision.get(),
                started_at: d.started_at,
                resolution: InDoubtResolution::Superseded,
                reason: None,
                rollback: None,
            });
        }
        let state = &committed.state;
        let mut held = Held {
            env: request.env.clone(),
            component: request.component.clone(),
            holder: request.requester.clone(),
            token: lease_token(state, &request.env),
            reason,
            pending: Vec::new(),
            restore: None,
        };
        let previous = state
            .current(&request.env, &request.component)
            .map(|d| d.version.clone());
        let vars = Vars {
            env: &request.env,
            component: &request.component,
            version: &last.version,
            previous: previous.as_ref(),
            deployment: last.revision.get(),
            reason: last.reason,
        };
        let checked = match &config.health {
            Some(health) => self.health(&mut held, health, &vars, &mut report.commands)?,
            None => Err("no health check is configured to confirm it".to_owned()),
        };
        let mut entry = InDoubtReport {
            version: last.version.clone(),
            deployment: last.revision.get(),
            started_at: last.started_at,
            resolution: InDoubtResolution::Confirmed,
            reason: None,
            rollback: None,
        };
        let mut go_on = true;
        match checked {
            Ok(()) => held.pending.push(EventKind::DeploymentSucceeded {
                env: last.env.clone(),
                component: last.component.clone(),
                version: last.version.clone(),
            }),
            Err(why) => {
                held.pending.push(EventKind::DeploymentFailed {
                    env: last.env.clone(),
                    component: last.component.clone(),
                    version: last.version.clone(),
                    reason: format!("in doubt: {why}"),
                });
                entry.reason = Some(why);
                let target = rollback_version(state, &last.env, &last.component, &last.version);
                match target {
                    Some(target) => {
                        let rollback = self.rollback(
                            &mut held,
                            config,
                            &target,
                            &last.version,
                            &mut report.commands,
                        )?;
                        entry.resolution = if rollback.succeeded {
                            InDoubtResolution::RolledBack
                        } else {
                            go_on = false;
                            InDoubtResolution::Failed
                        };
                        entry.rollback = Some(rollback);
                    }
                    None => entry.resolution = InDoubtResolution::Failed,
                }
            }
        }
        report.in_doubt.push(entry);
        self.release(&mut held)?;
        if !go_on {
            report.outcome = DeployOutcome::Failed;
            report.failure = Some(format!(
                "the in-doubt deployment of {} {} could not be rolled back; nothing else was deployed",
                last.component, last.version
            ));
        }
        Ok(go_on)
    }

    /// Runs `pre` (when `hooks`), `deploy` and the health check for `vars.version`. `Ok(Err)`
    /// names the step that failed.
    fn attempt(
        &mut self,
        held: &mut Held,
        config: &EnvironmentConfig,
        vars: &Vars<'_>,
        hooks: bool,
        commands: &mut Vec<CommandReport>,
    ) -> Result<Result<(), String>, DeployError> {
        if hooks && let Some(pre) = &config.pre {
            let (status, last) = self.step(held, pre, DeployStep::Pre, config, vars, commands)?;
            if !status.is_success() {
                return Ok(Err(format!("the pre hook {status}{last}")));
            }
        }
        let (status, last) = self.step(
            held,
            &config.deploy,
            DeployStep::Deploy,
            config,
            vars,
            commands,
        )?;
        if !status.is_success() {
            return Ok(Err(format!("the deploy command {status}{last}")));
        }
        match &config.health {
            Some(health) => self.health(held, health, vars, commands),
            None => Ok(Ok(())),
        }
    }

    /// Runs one command under a renewed lease and queues its record.
    fn step(
        &mut self,
        held: &mut Held,
        line: &CommandLine,
        step: DeployStep,
        config: &EnvironmentConfig,
        vars: &Vars<'_>,
        commands: &mut Vec<CommandReport>,
    ) -> Result<(CommandStatus, String), DeployError> {
        self.flush(held, Some(config.timeout.0))?;
        let env = vars.for_step(step, 1);
        let start = vars.start(step, 1);
        self.observer.command_started(&start);
        let outcome = process::run(
            &CommandSpec {
                line,
                workdir: &self.options.workdir,
                vars: &env,
                timeout: config.timeout.0,
                output_limit: self.options.output_limit,
            },
            self.clock,
        );
        self.observer.command_finished(&start, &outcome.status);
        let last = last_line(&outcome.output);
        Ok((queue(held, vars, step, 1, outcome, commands), last))
    }

    /// Runs the health check until it passes or its attempts run out.
    fn health(
        &mut self,
        held: &mut Held,
        health: &HealthConfig,
        vars: &Vars<'_>,
        commands: &mut Vec<CommandReport>,
    ) -> Result<Result<(), String>, DeployError> {
        self.flush(held, Some(health.budget()))?;
        let attempts = health.retries.saturating_add(1);
        let mut attempt = 1;
        loop {
            let env = vars.for_step(DeployStep::Health, attempt);
            let start = vars.start(DeployStep::Health, attempt);
            self.observer.command_started(&start);
            let outcome = process::run(
                &CommandSpec {
                    line: &health.command,
                    workdir: &self.options.workdir,
                    vars: &env,
                    timeout: health.timeout.0,
                    output_limit: self.options.output_limit,
                },
                self.clock,
            );
            self.observer.command_finished(&start, &outcome.status);
            if outcome.status.is_success() || attempt >= attempts {
                let last = last_line(&outcome.output);
                let status = queue(held, vars, DeployStep::Health, attempt, outcome, commands);
                return Ok(if status.is_success() {
                    Ok(())
                } else {
                    Err(format!(
                        "the health check failed after {attempt} attempt(s): {status}{last}"
                    ))
                });
            }
            attempt += 1;
            self.clock.sleep(health.interval.0);
        }
    }

    /// Records success, then runs the `post` hook.
    fn succeed(
        &mut self,
        held: &mut Held,
        config: &EnvironmentConfig,
        vars: &Vars<'_>,
        report: &mut DeployReport,
    ) -> Result<(), DeployError> {
        held.pending.push(EventKind::DeploymentSucceeded {
            env: vars.env.clone(),
            component: vars.component.clone(),
            version: vars.version.clone(),
        });
        if let Some(post) = &config.post {
            let (status, last) = self.step(
                held,
                post,
                DeployStep::Post,
                config,
                vars,
                &mut report.commands,
            )?;
            if !status.is_success() {
                report.notes.push(format!(
                    "the post hook {status}{last}; the deployment stays successful"
                ));
            }
        }
        Ok(())
    }

    /// Records the start of a rollback to `target` and runs it (deploy and health check, no
    /// hooks); records how it ended.
    fn rollback(
        &mut self,
        held: &mut Held,
        config: &EnvironmentConfig,
        target: &Version,
        failed: &Version,
        commands: &mut Vec<CommandReport>,
    ) -> Result<RollbackReport, DeployError> {
        held.pending.push(EventKind::DeploymentStarted {
            env: held.env.clone(),
            component: held.component.clone(),
            version: target.clone(),
            release: None,
            reason: DeployReason::Rollback,
            changes: Vec::new(),
        });
        let committed = self.flush(held, None)?;
        let deployment = committed.map_or(0, |c| c.revision.get());
        let (env, component) = (held.env.clone(), held.component.clone());
        let vars = Vars {
            env: &env,
            component: &component,
            version: target,
            previous: Some(failed),
            deployment,
            reason: DeployReason::Rollback,
        };
        let result = self.attempt(held, config, &vars, false, commands)?;
        let failure = result.err();
        held.pending.push(match &failure {
            None => EventKind::DeploymentSucceeded {
                env: env.clone(),
                component: component.clone(),
                version: target.clone(),
            },
            Some(why) => EventKind::DeploymentFailed {
                env: env.clone(),
                component: component.clone(),
                version: target.clone(),
                reason: format!("rollback: {why}"),
            },
        });
        Ok(RollbackReport {
            version: target.clone(),
            deployment,
            succeeded: failure.is_none(),
            failure,
        })
    }

    /// Records the pending events and releases the lease.
    fn release(&mut self, held: &mut Held) -> Result<(), DeployError> {
        let now = self.clock.now();
        held.pending.push(match held.restore.take() {
            Some((expires_at, reason)) if expires_at > now => EventKind::LockAcquired {
                env: held.env.clone(),
                expires_at,
                reason,
            },
            _ => EventKind::LockReleased {
                env: held.env.clone(),
                token: held.token,
                forced: None,
            },
        });
        self.flush(held, None).map(|_| ())
    }

    /// Appends the pending events, fenced by the lease token, and renews the lease for `renew`
    /// (plus the margin) when given. Returns what was appended (none when nothing was).
    fn flush(
        &mut self,
        held: &mut Held,
        renew: Option<Duration>,
    ) -> Result<Option<Committed>, DeployError> {
        let now = self.clock.now();
        let mut kinds = std::mem::take(&mut held.pending);
        if let Some(budget) = renew {
            kinds.push(EventKind::LockAcquired {
                env: held.env.clone(),
                expires_at: self.lease_end(&held.env, budget, now)?,
                reason: Some(held.reason.clone()),
            });
        }
        if kinds.is_empty() {
            return Ok(None);
        }
        let events: Vec<Event> = kinds
            .into_iter()
            .map(|k| Event::new(now, held.holder.clone(), k))
            .collect();
        let token = held.token;
        let env = held.env.clone();
        let committed = transact(&mut *self.store, self.options.max_attempts, |state| {
            if state.leases.get(&env).map(|l| l.token) == Some(token) {
                Ok(events.clone())
            } else {
                Err(())
            }
        })
        .map_err(|e| match e.into_decision() {
            Ok(()) => DeployError::LeaseLost {
                env: env.clone(),
                token,
            },
            Err(source) => DeployError::Record {
                env: env.clone(),
                component: held.component.clone(),
                source: Box::new(source),
            },
        })?;
        if renew.is_some() {
            held.token = lease_token(&committed.state, &env);
        }
        Ok(Some(committed))
    }

    fn lease_end(
        &self,
        env: &EnvironmentId,
        budget: Duration,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, DeployError> {
        chrono::Duration::from_std(budget.saturating_add(self.options.lease_margin))
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .ok_or_else(|| DeployError::LeaseOverflow { env: env.clone() })
    }

    fn record_error(
        &self,
        request: &DeployRequest,
        source: TransactError<Infallible>,
    ) -> DeployError {
        DeployError::Record {
            env: request.env.clone(),
            component: request.component.clone(),
            source: Box::new(source),
        }
    }
}

/// `": LINE"` with the last non-empty line of `output` (at most 200 characters), or nothing.
fn last_line(output: &str) -> String {
    output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| format!(": {}", l.chars().take(200).collect::<String>()))
        .unwrap_or_default()
}

/// Queues the record of a finished command and reports it; returns its status.
fn queue(
    held: &mut Held,
    vars: &Vars<'_>,
    step: DeployStep,
    attempts: u32,
    outcome: process::CommandOutcome,
    commands: &mut Vec<CommandReport>,
) -> CommandStatus {
    held.pending.push(EventKind::DeployCommandFinished {
        env: vars.env.clone(),
        component: vars.component.clone(),
        version: vars.version.clone(),
        step,
        attempts,
        status: outcome.status.clone(),
        output: outcome.output.clone(),
    });
    commands.push(CommandReport {
        version: vars.version.clone(),
        step,
        attempts,
        status: outcome.status.clone(),
        output: outcome.output,
    });
    outcome.status
}

/// The fencing token of the lease on `env` (0 when there is none, which no write matches).
fn lease_token(state: &EnvState, env: &EnvironmentId) -> u64 {
    state.leases.get(env).map_or(0, |l| l.token)
}

/// In-doubt deployments of `component` in `env`, oldest first.
fn in_doubt_of(
    state: &EnvState,
    env: &EnvironmentId,
    component: &ComponentId,
    now: DateTime<Utc>,
) -> Vec<Deployment> {
    state
        .in_doubt(now)
        .into_iter()
        .filter(|d| &d.env == env && &d.component == component)
        .cloned()
        .collect()
}

/// A deployment running in `env` under an active lease, as a refusal.
fn busy(state: &EnvState, env: &EnvironmentId, now: DateTime<Utc>) -> Option<Refusal> {
    let lease = state.active_lease(env, now)?;
    let running =
        state.deployments.iter().rev().find(|d| {
            &d.env == env && d.status == DeploymentStatus::InProgress && d.lease.is_some()
        })?;
    Some(Refusal::Busy {
        component: running.component.clone(),
        version: running.version.clone(),
        deployment: running.revision.get(),
        holder: lease.holder.clone(),
        until: lease.expires_at,
    })
}

/// The version to roll back to when `failed` fails in `env`: what ran before it (the current
/// successful version, unless it is `failed` itself or quarantined; then the rollback target).
fn rollback_version(
    state: &EnvState,
    env: &EnvironmentId,
    component: &ComponentId,
    failed: &Version,
) -> Option<Version> {
    match state.current(env, component) {
        Some(c) if &c.version != failed && state.quarantine(component, &c.version).is_none() => {
            Some(c.version.clone())
        }
        Some(_) => state
            .rollback_target(env, component)
            .map(|d| d.version.clone())
            .filter(|v| v != failed),
        None => None,
    }
}
