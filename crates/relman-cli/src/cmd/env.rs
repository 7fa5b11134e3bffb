//! `relman env`: environment state kept in a durable journal (default `.relman/state`).
//!
//! Every write reads the ledger, decides, and appends at the revision it read; a concurrent
//! writer's conflict makes it read and decide again (a few times), so a deployment is only
//! acknowledged (exit 0) once its event is durable. Refusals print every blocker and exit 1.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand, ValueEnum};
use relman_env::dora::{Band, Bands, dora_metrics};
use relman_env::store::{Committed, JournalDiagnostic, JournalStore, LineageId, Recorded, Store};
use relman_env::{
    Blocker, DeployReason, DeployRequest, DeploymentStatus, EnvState, Event, EventKind, Lifecycle,
    Outcome, RecurringWindow, can_deploy,
};
use relman_model::{
    ComponentId, Digest, Environment, EnvironmentId, PersonId, ReleaseId, Window, WindowKind,
};
use semver::Version;
use serde::Serialize;

/// How many times a write re-reads and re-decides after a conflict before giving up.
const MAX_ATTEMPTS: usize = 20;

/// Arguments of `relman env`.
#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(subcommand)]
    command: EnvCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LifecycleKind {
    /// Any order; windows, locks, quarantine and outdated versions still apply.
    Open,
    /// Each environment needs the previous one first; protected ones need one approval.
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReasonArg {
    Planned,
    Rollback,
    Promotion,
    Hotfix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WindowArg {
    Freeze,
    Maintenance,
}

#[derive(Debug, Args)]
struct Common {
    /// The state directory.
    #[arg(long, default_value = ".relman/state", global = true)]
    state: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", global = true)]
    format: Format,
}

#[derive(Debug, Args)]
struct Target {
    /// The environment.
    #[arg(long)]
    env: EnvironmentId,
    /// The component.
    #[arg(long)]
    component: ComponentId,
    /// Who does it.
    #[arg(long)]
    by: Option<PersonId>,
}

#[derive(Debug, Subcommand)]
enum EnvCommand {
    /// Create the state and declare the environments in promotion order.
    Init {
        /// Environment names in promotion order, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        environments: Vec<EnvironmentId>,
        /// The promotion lifecycle.
        #[arg(long, value_enum, default_value = "open")]
        lifecycle: LifecycleKind,
        #[command(flatten)]
        common: Common,
    },
    /// Start a deployment (refused with every reason when policy forbids it).
    #[command(disable_version_flag = true)]
    Deploy {
        #[command(flatten)]
        target: Target,
        /// The version.
        #[arg(long)]
        version: Version,
        /// The release (needed when approvals are required).
        #[arg(long)]
        release: Option<ReleaseId>,
        /// The release digest approvals are bound to.
        #[arg(long)]
        digest: Option<Digest>,
        /// Why.
        #[arg(long, value_enum, default_value = "planned")]
        reason: ReasonArg,
        /// Override windows, recording this reason.
        #[arg(long)]
        break_glass: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Mark the running deployment of a version as succeeded.
    #[command(disable_version_flag = true)]
    Succeed {
        #[command(flatten)]
        target: Target,
        /// The version.
        #[arg(long)]
        version: Version,
        #[command(flatten)]
        common: Common,
    },
    /// Mark the running deployment of a version as failed.
    #[command(disable_version_flag = true)]
    Fail {
        #[command(flatten)]
        target: Target,
        /// The version.
        #[arg(long)]
        version: Version,
        /// Why it failed.
        #[arg(long, default_value = "failed")]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Start a rollback to the last successful version before the current one.
    Rollback {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        common: Common,
    },
    /// Deploy to `--to` what runs in `--from`.
    Promote {
        /// The environment to promote from.
        #[arg(long)]
        from: EnvironmentId,
        /// The environment to promote to.
        #[arg(long)]
        to: EnvironmentId,
        /// The component.
        #[arg(long)]
        component: ComponentId,
        /// Who does it.
        #[arg(long)]
        by: Option<PersonId>,
        #[command(flatten)]
        common: Common,
    },
    /// Quarantine a version of a component.
    #[command(disable_version_flag = true)]
    Quarantine {
        /// The component.
        #[arg(long)]
        component: ComponentId,
        /// The version.
        #[arg(long)]
        version: Version,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who.
        #[arg(long)]
        by: Option<PersonId>,
        #[command(flatten)]
        common: Common,
    },
    /// Approve a release for an environment, bound to its digest.
    Approve {
        /// The release.
        #[arg(long)]
        release: ReleaseId,
        /// The environment.
        #[arg(long)]
        env: EnvironmentId,
        /// The release digest.
        #[arg(long)]
        digest: Digest,
        /// The approver.
        #[arg(long)]
        by: PersonId,
        #[command(flatten)]
        common: Common,
    },
    /// Take the lease on an environment.
    Lock {
        /// The environment.
        #[arg(long)]
        env: EnvironmentId,
        /// Lease length in minutes.
        #[arg(long, default_value_t = 30)]
        ttl_minutes: u32,
        /// Who.
        #[arg(long)]
        by: Option<PersonId>,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Release the lease on an environment (`--force REASON` for someone else's).
    Unlock {
        /// The environment.
        #[arg(long)]
        env: EnvironmentId,
        /// Who.
        #[arg(long)]
        by: Option<PersonId>,
        /// Force it open, recording this reason.
        #[arg(long)]
        force: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Declare a one-off freeze or maintenance window.
    Window {
        /// A name.
        #[arg(long)]
        name: String,
        /// Freeze (deny) or maintenance (allow).
        #[arg(long, value_enum, default_value = "freeze")]
        kind: WindowArg,
        /// Start (RFC 3339, e.g. 2026-12-20T00:00:00Z) of a one-off window.
        #[arg(long, required_unless_present = "cron", conflicts_with = "cron")]
        start: Option<DateTime<Utc>>,
        /// End, exclusive (RFC 3339), of a one-off window.
        #[arg(long, required_unless_present = "cron", conflicts_with = "cron")]
        end: Option<DateTime<Utc>>,
        /// A cron expression for a recurring window, e.g. "0 18 * * FRI".
        #[arg(long, requires = "duration_minutes")]
        cron: Option<String>,
        /// The IANA time zone the cron expression is read in.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// How long each occurrence of a recurring window lasts, in minutes.
        #[arg(long)]
        duration_minutes: Option<u32>,
        /// Environments it applies to, comma separated (default: all).
        #[arg(long, value_delimiter = ',')]
        environments: Vec<EnvironmentId>,
        /// Who.
        #[arg(long)]
        by: Option<PersonId>,
        #[command(flatten)]
        common: Common,
    },
    /// Record the version that should run somewhere (for drift).
    #[command(disable_version_flag = true)]
    Desire {
        #[command(flatten)]
        target: Target,
        /// The version.
        #[arg(long)]
        version: Version,
        #[command(flatten)]
        common: Common,
    },
    /// Record the version observed running somewhere (for drift).
    #[command(disable_version_flag = true)]
    Observe {
        #[command(flatten)]
        target: Target,
        /// The version.
        #[arg(long)]
        version: Version,
        #[command(flatten)]
        common: Common,
    },
    /// Every event, oldest first.
    History {
        #[command(flatten)]
        common: Common,
    },
    /// What runs where: components × environments.
    Status {
        #[command(flatten)]
        common: Common,
    },
    /// Desired vs observed differences.
    Drift {
        #[command(flatten)]
        common: Common,
    },
    /// DORA metrics for one environment over the last days.
    Metrics {
        /// The environment (default: the last in promotion order).
        #[arg(long)]
        env: Option<EnvironmentId>,
        /// The period, in days up to now.
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[command(flatten)]
        common: Common,
    },
}

/// Runs `relman env`.
///
/// # Errors
///
/// Usage and I/O errors (exit code 2); refusals are `Ok` with exit code 1.
pub fn run(args: EnvArgs) -> Result<ExitCode> {
    let now = Utc::now();
    match args.command {
        EnvCommand::Init {
            environments,
            lifecycle,
            common,
        } => init(&common, environments, lifecycle, now),
        EnvCommand::Deploy {
            target,
            version,
            release,
            digest,
            reason,
            break_glass,
            common,
        } => {
            let reason = match reason {
                ReasonArg::Planned => DeployReason::Planned,
                ReasonArg::Rollback => DeployReason::Rollback,
                ReasonArg::Promotion => DeployReason::Promotion,
                ReasonArg::Hotfix => DeployReason::Hotfix,
            };
            let mut request = DeployRequest::new(target.env, target.component, version);
            request.release = release;
            request.digest = digest;
            request.reason = reason;
            request.requester = target.by.clone();
            request.break_glass = break_glass;
            deploy(&common, target.by, |_| Ok(request.clone()), now)
        }
        EnvCommand::Succeed {
            target,
            version,
            common,
        } => finish(&common, target, version, None, now),
        EnvCommand::Fail {
            target,
            version,
            reason,
            common,
        } => finish(&common, target, version, Some(reason), now),
        EnvCommand::Rollback { target, common } => {
            let by = target.by.clone();
            deploy(
                &common,
                by.clone(),
                |state| {
                    let to = state
                        .rollback_target(&target.env, &target.component)
                        .with_context(|| {
                            format!(
                                "no rollback target for {} in {}",
                                target.component, target.env
                            )
                        })?;
                    let mut r = DeployRequest::new(
                        target.env.clone(),
                        target.component.clone(),
                        to.version.clone(),
                    );
                    r.reason = DeployReason::Rollback;
                    r.requester = by.clone();
                    Ok(r)
                },
                now,
            )
        }
        EnvCommand::Promote {
            from,
            to,
            component,
            by,
            common,
        } => deploy(
            &common,
            by.clone(),
            |state| {
                let running = state
                    .current(&from, &component)
                    .with_context(|| format!("nothing of {component} runs in {from} to promote"))?;
                let mut r =
                    DeployRequest::new(to.clone(), component.clone(), running.version.clone());
                r.release = running.release.clone();
                r.reason = DeployReason::Promotion;
                r.requester = by.clone();
                Ok(r)
            },
            now,
        ),
        EnvCommand::Quarantine {
            component,
            version,
            reason,
            by,
            common,
        } => record(&common, by, now, |_| {
            Ok(EventKind::Quarantined {
                component: component.clone(),
                version: version.clone(),
                reason: reason.clone(),
            })
        }),
        EnvCommand::Approve {
            release,
            env,
            digest,
            by,
            common,
        } => record(&common, Some(by), now, |_| {
            Ok(EventKind::Approved {
                release: release.clone(),
                env: env.clone(),
                digest: digest.clone(),
            })
        }),
        EnvCommand::Lock {
            env,
            ttl_minutes,
            by,
            reason,
            common,
        } => {
            let holder = by.clone();
            record(&common, by, now, |state| {
                if let Some(l) = state.active_lease(&env, now)
                    && l.holder != holder
                {
                    bail!(
                        "{env} is locked by {} (token {}) until {}",
                        l.holder.as_ref().map_or("someone", |h| h.as_str()),
                        l.token,
                        l.expires_at
                    );
                }
                Ok(EventKind::LockAcquired {
                    env: env.clone(),
                    expires_at: now + Duration::minutes(i64::from(ttl_minutes)),
                    reason: reason.clone(),
                })
            })
        }
        EnvCommand::Unlock {
            env,
            by,
            force,
            common,
        } => {
            let who = by.clone();
            record(&common, by, now, |state| {
                let lease = state
                    .leases
                    .get(&env)
                    .with_context(|| format!("{env} is not locked"))?;
                if lease.holder != who && force.is_none() {
                    bail!("{env} is locked by someone else; use --force REASON");
                }
                Ok(EventKind::LockReleased {
                    env: env.clone(),
                    token: lease.token,
                    forced: force.clone(),
                })
            })
        }
        EnvCommand::Window {
            name,
            kind,
            start,
            end,
            cron,
            time_zone,
            duration_minutes,
            environments,
            by,
            common,
        } => {
            let kind = match kind {
                WindowArg::Freeze => WindowKind::Freeze,
                WindowArg::Maintenance => WindowKind::Maintenance,
            };
            let event = match (cron, start, end) {
                (Some(cron), _, _) => {
                    let minutes = duration_minutes.context("--duration-minutes is required")?;
                    let window = RecurringWindow::new(
                        name,
                        kind,
                        &cron,
                        &time_zone,
                        Duration::minutes(i64::from(minutes)),
                    )?
                    .with_environments(environments);
                    EventKind::RecurringWindowDeclared { window }
                }
                (None, Some(start), Some(end)) => {
                    let mut window = Window::new(name, kind, start, end)?;
                    window.environments = environments;
                    EventKind::WindowDeclared { window }
                }
                _ => bail!("give --start and --end, or --cron and --duration-minutes"),
            };
            record(&common, by, now, |_| Ok(event.clone()))
        }
        EnvCommand::Desire {
            target,
            version,
            common,
        } => record(&common, target.by.clone(), now, |_| {
            Ok(EventKind::DesiredStateSet {
                env: target.env.clone(),
                component: target.component.clone(),
                version: version.clone(),
            })
        }),
        EnvCommand::Observe {
            target,
            version,
            common,
        } => record(&common, target.by.clone(), now, |_| {
            Ok(EventKind::ObservedStateReported {
                env: target.env.clone(),
                component: target.component.clone(),
                version: version.clone(),
            })
        }),
        EnvCommand::History { common } => history(&common),
        EnvCommand::Status { common } => status(&common),
        EnvCommand::Drift { common } => drift(&common),
        EnvCommand::Metrics { env, days, common } => metrics(&common, env, days, now),
    }
}

fn open(common: &Common) -> Result<JournalStore<Event>> {
    open_store(&common.state)
}

/// Opens the environment state in `state`, reporting repaired torn tails on stderr. Shared by
/// every command that reads or writes the state (`env`, `change`, `gate check --record`,
/// `review`).
pub(crate) fn open_store(state: &std::path::Path) -> Result<JournalStore<Event>> {
    let opened = JournalStore::<Event>::open(state).with_context(|| {
        format!(
            "cannot open the environment state in {} (run `relman env init` first?)",
            state.display()
        )
    })?;
    report_diagnostics(&opened.diagnostics);
    Ok(opened.store)
}

fn report_diagnostics(diagnostics: &[JournalDiagnostic]) {
    for d in diagnostics {
        match d {
            JournalDiagnostic::TornTail {
                offset,
                dropped_bytes,
                problem,
            } => eprintln!(
                "warning: repaired a torn journal tail at byte {offset} ({dropped_bytes} bytes of an unacknowledged write dropped: {problem})"
            ),
            other => eprintln!("warning: {other:?}"),
        }
    }
}

/// Reads every event of `store` and folds them.
pub(crate) fn load(store: &mut JournalStore<Event>) -> Result<(Vec<Recorded<Event>>, EnvState)> {
    let events = store.load().context("cannot read the journal")?;
    let state = EnvState::fold(&events);
    report_diagnostics(&store.take_diagnostics());
    Ok((events, state))
}

fn lineage(now: DateTime<Utc>) -> Result<LineageId> {
    let nanos = now.timestamp_nanos_opt().unwrap_or(0);
    Ok(LineageId::new(format!(
        "{nanos:x}-{:x}",
        std::process::id()
    ))?)
}

fn init(
    common: &Common,
    environments: Vec<EnvironmentId>,
    kind: LifecycleKind,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let envs = Environment::pipeline(environments);
    let mut store = JournalStore::<Event>::create(&common.state, lineage(now)?)
        .with_context(|| format!("cannot create the state in {}", common.state.display()))?
        .store;
    let lifecycle = match kind {
        LifecycleKind::Open => Lifecycle::open(&envs),
        LifecycleKind::Strict => Lifecycle::from_environments(&envs),
    };
    let events = [
        Event::new(
            now,
            None,
            EventKind::EnvironmentsDeclared {
                environments: envs.clone(),
            },
        ),
        Event::new(now, None, EventKind::LifecycleDeclared { lifecycle }),
    ];
    let current = store.revision()?;
    let revision = store.append(current, &events)?;
    let out = InitOutput {
        state: common.state.display().to_string(),
        lineage: store.lineage().to_string(),
        environments: envs.iter().map(|e| e.id.to_string()).collect(),
        revision: revision.get(),
    };
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Text => println!(
            "initialised {} with environments {}",
            out.state,
            out.environments.join(", ")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct InitOutput {
    state: String,
    lineage: String,
    environments: Vec<String>,
    revision: u64,
}

/// The result of a write: the event's revision or a refusal.
#[derive(Serialize)]
struct WriteOutput {
    outcome: &'static str,
    revision: Option<u64>,
    kind: Option<&'static str>,
    env: Option<String>,
    component: Option<String>,
    version: Option<String>,
    blockers: Vec<BlockerOutput>,
    notes: Vec<String>,
    next_allowed_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct BlockerOutput {
    reason: String,
    detail: serde_json::Value,
}

/// Reads, decides with `decide`, appends at the revision read; retries on conflict. Returns the
/// revision and the last event appended, or the refusal `decide` returned.
fn append_with_retry(
    store: &mut JournalStore<Event>,
    decide: impl FnMut(&EnvState) -> Result<std::result::Result<Vec<Event>, WriteOutput>>,
) -> Result<std::result::Result<(u64, Event), WriteOutput>> {
    Ok(match transact(store, decide)? {
        Ok(committed) => {
            let last = committed
                .events
                .last()
                .cloned()
                .context("nothing to record")?;
            Ok((committed.revision.get(), last))
        }
        Err(refusal) => Err(refusal),
    })
}

/// One read-decide-append transaction on the journal ([`relman_env::store::transact`], at most
/// [`MAX_ATTEMPTS`] attempts), reporting the journal's diagnostics on stderr. `decide` refuses
/// with `Ok(Err(refusal))`: nothing is written and the refusal comes back as `Ok(Err(refusal))`.
/// Shared by every command that writes the state (`env`, `change`, `gate check --record`).
pub(crate) fn transact<R>(
    store: &mut JournalStore<Event>,
    mut decide: impl FnMut(&EnvState) -> Result<std::result::Result<Vec<Event>, R>>,
) -> Result<std::result::Result<Committed, R>> {
    let result = relman_env::store::transact(store, MAX_ATTEMPTS, |state| match decide(state) {
        Ok(Ok(events)) => Ok(events),
        Ok(Err(refusal)) => Err(Ok(refusal)),
        Err(e) => Err(Err(e)),
    });
    report_diagnostics(&store.take_diagnostics());
    match result {
        Ok(committed) => Ok(Ok(committed)),
        Err(e) => match e.into_decision() {
            Ok(Ok(refusal)) => Ok(Err(refusal)),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(e.into()),
        },
    }
}

fn print_write(
    common: &Common,
    result: std::result::Result<(u64, Event), WriteOutput>,
) -> Result<ExitCode> {
    let (out, code) = match result {
        Ok((revision, event)) => (
            WriteOutput {
                outcome: "recorded",
                revision: Some(revision),
                kind: Some(event.kind.name()),
                env: event.kind.env().map(ToString::to_string),
                component: event.kind.component().map(ToString::to_string),
                version: event.kind.version().map(ToString::to_string),
                blockers: Vec::new(),
                notes: Vec::new(),
                next_allowed_at: None,
            },
            ExitCode::SUCCESS,
        ),
        Err(refusal) => (refusal, ExitCode::from(1)),
    };
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Text => {
            if out.outcome == "recorded" {
                let what = [&out.env, &out.component, &out.version]
                    .iter()
                    .filter_map(|s| s.as_deref())
                    .collect::<Vec<_>>()
                    .join(" ");
                println!(
                    "recorded {} {what} at revision {}",
                    out.kind.unwrap_or("event"),
                    out.revision.unwrap_or(0)
                );
            } else {
                println!("refused:");
                for b in &out.blockers {
                    println!("  - {}", b.reason);
                }
                if let Some(t) = out.next_allowed_at {
                    println!("next allowed at {t}");
                }
            }
            for n in &out.notes {
                println!("note: {n}");
            }
        }
    }
    Ok(code)
}

fn deploy(
    common: &Common,
    by: Option<PersonId>,
    mut request: impl FnMut(&EnvState) -> Result<DeployRequest>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let mut store = open(common)?;
    let mut notes = Vec::new();
    let result = append_with_retry(&mut store, |state| {
        let request = request(state)?;
        let lifecycle = state
            .lifecycle
            .clone()
            .unwrap_or_else(|| Lifecycle::open(&state.environments));
        let decision = can_deploy(state, &lifecycle, &request, now);
        if decision.outcome == Outcome::Refused {
            return Ok(Err(WriteOutput {
                outcome: "refused",
                revision: None,
                kind: Some("deployment_started"),
                env: Some(request.env.to_string()),
                component: Some(request.component.to_string()),
                version: Some(request.version.to_string()),
                blockers: decision.blockers.iter().map(blocker_output).collect(),
                notes: decision.notes,
                next_allowed_at: decision.next_allowed_at,
            }));
        }
        notes = decision.notes;
        Ok(Ok(vec![Event::new(
            now,
            by.clone(),
            EventKind::DeploymentStarted {
                env: request.env,
                component: request.component,
                version: request.version,
                release: request.release,
                reason: request.reason,
                changes: Vec::new(),
            },
        )]))
    })?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    print_write(common, result)
}

fn blocker_output(b: &Blocker) -> BlockerOutput {
    BlockerOutput {
        reason: b.to_string(),
        detail: serde_json::to_value(b).unwrap_or(serde_json::Value::Null),
    }
}

fn finish(
    common: &Common,
    target: Target,
    version: Version,
    failure: Option<String>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    record(common, target.by.clone(), now, |state| {
        let running = state.deployments.iter().rev().any(|d| {
            d.env == target.env
                && d.component == target.component
                && d.version == version
                && d.status == DeploymentStatus::InProgress
        });
        if !running {
            bail!(
                "no deployment of {} {} to {} is in progress",
                target.component,
                version,
                target.env
            );
        }
        Ok(match &failure {
            None => EventKind::DeploymentSucceeded {
                env: target.env.clone(),
                component: target.component.clone(),
                version: version.clone(),
            },
            Some(reason) => EventKind::DeploymentFailed {
                env: target.env.clone(),
                component: target.component.clone(),
                version: version.clone(),
                reason: reason.clone(),
            },
        })
    })
}

/// Records one event decided from the current state.
fn record(
    common: &Common,
    by: Option<PersonId>,
    now: DateTime<Utc>,
    mut make: impl FnMut(&EnvState) -> Result<EventKind>,
) -> Result<ExitCode> {
    let mut store = open(common)?;
    let result = append_with_retry(&mut store, |state| {
        Ok(Ok(vec![Event::new(now, by.clone(), make(state)?)]))
    })?;
    print_write(common, result)
}

#[derive(Serialize)]
struct HistoryEntry {
    revision: u64,
    kind: &'static str,
    env: Option<String>,
    component: Option<String>,
    version: Option<String>,
    at: DateTime<Utc>,
    by: Option<String>,
    event: serde_json::Value,
}

fn history(common: &Common) -> Result<ExitCode> {
    let mut store = open(common)?;
    let (events, _) = load(&mut store)?;
    let entries: Vec<HistoryEntry> = events
        .iter()
        .map(|r| HistoryEntry {
            revision: r.revision.get(),
            kind: r.event.kind.name(),
            env: r.event.kind.env().map(ToString::to_string),
            component: r.event.kind.component().map(ToString::to_string),
            version: r.event.kind.version().map(ToString::to_string),
            at: r.event.at,
            by: r.event.by.as_ref().map(ToString::to_string),
            event: serde_json::to_value(&r.event).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&entries)?),
        Format::Text => {
            for e in &entries {
                let what = [&e.env, &e.component, &e.version]
                    .iter()
                    .filter_map(|s| s.as_deref())
                    .collect::<Vec<_>>()
                    .join(" ");
                let line = format!(
                    "{:>6}  {}  {:<24} {what}{}",
                    e.revision,
                    e.at.format("%Y-%m-%dT%H:%M:%SZ"),
                    e.kind,
                    e.by.as_ref()
                        .map(|b| format!(" (by {b})"))
                        .unwrap_or_default()
                );
                println!("{}", line.trim_end());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct StatusCell {
    env: String,
    version: String,
    status: String,
    at: DateTime<Utc>,
    by: Option<String>,
    running: Option<String>,
}

#[derive(Serialize)]
struct StatusRow {
    component: String,
    cells: Vec<StatusCell>,
}

#[derive(Serialize)]
struct StatusOutput {
    revision: u64,
    environments: Vec<String>,
    components: Vec<StatusRow>,
}

fn status(common: &Common) -> Result<ExitCode> {
    let mut store = open(common)?;
    let (_, state) = load(&mut store)?;
    let envs: Vec<&EnvironmentId> = state.environments.iter().map(|e| &e.id).collect();
    let rows: Vec<StatusRow> = state
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
    let out = StatusOutput {
        revision: state.revision.get(),
        environments: envs.iter().map(ToString::to_string).collect(),
        components: rows,
    };
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Text => print_table(&out),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &StatusOutput) {
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["component".to_string()];
    header.extend(out.environments.iter().cloned());
    table.push(header);
    for row in &out.components {
        let mut line = vec![row.component.clone()];
        for env in &out.environments {
            line.push(match row.cells.iter().find(|c| &c.env == env) {
                Some(c) if c.status == "succeeded" => c.version.clone(),
                Some(c) => match &c.running {
                    Some(r) => format!("{r} ({} {} {})", c.version, c.status, ""),
                    None => format!("{} ({})", c.version, c.status),
                }
                .replace(" )", ")"),
                None => "-".to_string(),
            });
        }
        table.push(line);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|i| table.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
}

fn drift(common: &Common) -> Result<ExitCode> {
    let mut store = open(common)?;
    let (_, state) = load(&mut store)?;
    let drift = state.drift();
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&drift)?),
        Format::Text => {
            if drift.is_empty() {
                println!("no drift");
            }
            for d in &drift {
                let show =
                    |v: &Option<Version>| v.as_ref().map_or("-".to_string(), ToString::to_string);
                println!(
                    "{} {}: desired {}, observed {}",
                    d.env,
                    d.component,
                    show(&d.desired),
                    show(&d.observed)
                );
            }
        }
    }
    Ok(if drift.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn metrics(
    common: &Common,
    env: Option<EnvironmentId>,
    days: u32,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let mut store = open(common)?;
    let (_, state) = load(&mut store)?;
    let env = match env {
        Some(e) => e,
        None => state
            .environments
            .last()
            .map(|e| e.id.clone())
            .context("no environments declared")?,
    };
    let m = dora_metrics(
        &state,
        &env,
        now - Duration::days(i64::from(days)),
        now,
        &Bands::dora_2021(),
    );
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&m)?),
        Format::Text => {
            println!("DORA metrics for {} over the last {days} days", m.env);
            let band = |b: Option<Band>| b.map_or_else(String::new, |b| format!("  [{b}]"));
            println!(
                "  deployments:           {} ({:.2}/day){}",
                m.deployments,
                m.deployments_per_day,
                band(m.ratings.deployment_frequency)
            );
            let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0));
            let secs = |s: Option<i64>| {
                s.map_or("-".to_string(), |s| format!("{:.1}h", s as f64 / 3600.0))
            };
            println!(
                "  lead time:             median {}, p90 {}{}",
                secs(m.lead_time.median_seconds),
                secs(m.lead_time.p90_seconds),
                band(m.ratings.lead_time)
            );
            println!(
                "  change failure rate:   {}{}",
                pct(m.change_failure_rate),
                band(m.ratings.change_failure_rate)
            );
            println!(
                "  recovery time:         median {}, p90 {}{}",
                secs(m.recovery_time.median_seconds),
                secs(m.recovery_time.p90_seconds),
                band(m.ratings.recovery_time)
            );
            println!("  rework rate:           {}", pct(m.rework_rate));
            println!("  bands: {} ({})", m.bands_source, m.bands_version);
        }
    }
    Ok(ExitCode::SUCCESS)
}
