//! `relman env`: environment state kept in a durable journal (default `.relman/state`).
//!
//! Every write reads the ledger, decides, and appends at the revision it read; a concurrent
//! writer's conflict makes it read and decide again (a few times), so a deployment is only
//! acknowledged (exit 0) once its event is durable. Refusals (a refused deployment, someone
//! else's lease, nothing to roll back) print every blocker and exit 1.
//!
//! Reading commands (`history`, `status`, `drift`, `metrics`, `verify`) open the store
//! read-only and never change a file; a torn journal tail is reported and left for a writer or
//! `relman env repair`. A corrupt journal is an error naming the byte offset (exit 2; `verify`
//! exits 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand, ValueEnum};
use relman_env::dora::{Bands, dora_metrics};
use relman_env::ops::{
    self, BlockerView, DecideEventError, HistoryEntry, StatusTable, WindowSchedule, WriteResult,
};
use relman_env::store::{
    Committed, JournalDiagnostic, LineageId, Recorded, Revision, Store, StoreError, check,
};
use relman_env::{DeployReason, DeployRequest, EnvState, Event, EventKind};
use relman_model::{ComponentId, Digest, EnvironmentId, PersonId, ReleaseId, WindowKind};
use semver::Version;
use serde::Serialize;

use super::state_store::{StateStore, display_state};

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
    /// The state directory, or a `postgres://` URL of a shared database.
    #[arg(
        long,
        env = "RELMAN_STATE",
        hide_env_values = true,
        default_value = ".relman/state",
        global = true
    )]
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
        /// Environments whose phase promotes automatically (`relman promote` goes on into
        /// them), comma separated.
        #[arg(long, value_delimiter = ',')]
        auto_promote: Vec<EnvironmentId>,
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
        /// Refuse unless the version's latest canary verdict in the `--from` environment
        /// (`relman verify`) is a pass.
        #[arg(long)]
        require_canary: bool,
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
        #[arg(long, value_parser = crate::cmd::parse_time, required_unless_present = "cron", conflicts_with = "cron")]
        start: Option<DateTime<Utc>>,
        /// End, exclusive (RFC 3339), of a one-off window.
        #[arg(long, value_parser = crate::cmd::parse_time, required_unless_present = "cron", conflicts_with = "cron")]
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
    /// Copy the ledger into a new store (a journal directory or a `postgres://` database, either
    /// way) and check the copy: same lineage, snapshot, events and last revision.
    Migrate {
        /// The store to copy (a directory or a URL).
        #[arg(long)]
        from: PathBuf,
        /// The new store (a directory or a URL of a database without a ledger).
        #[arg(long)]
        to: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Check the store without changing it: ok (exit 0), a torn tail or corruption (exit 1).
    Verify {
        #[command(flatten)]
        common: Common,
    },
    /// Cut a torn journal tail off, after saving the cut bytes as `journal.torn-<offset>`.
    Repair {
        #[command(flatten)]
        common: Common,
    },
    /// Write the folded state as the snapshot and start the journal after it (crash-safe).
    Compact {
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
            auto_promote,
            common,
        } => init(&common, environments, lifecycle, &auto_promote, now),
        EnvCommand::Deploy {
            target,
            version,
            release,
            digest,
            reason,
            break_glass,
            common,
        } => {
            let mut request = DeployRequest::new(target.env, target.component, version);
            request.release = release;
            request.digest = digest;
            request.reason = match reason {
                ReasonArg::Planned => DeployReason::Planned,
                ReasonArg::Rollback => DeployReason::Rollback,
                ReasonArg::Promotion => DeployReason::Promotion,
                ReasonArg::Hotfix => DeployReason::Hotfix,
            };
            request.requester = target.by;
            request.break_glass = break_glass;
            deploy(&common, |_| Ok(request.clone()), now)
        }
        EnvCommand::Succeed {
            target,
            version,
            common,
        } => finish(&common, target, version, ops::Finish::Succeeded, now),
        EnvCommand::Fail {
            target,
            version,
            reason,
            common,
        } => finish(
            &common,
            target,
            version,
            ops::Finish::Failed { reason },
            now,
        ),
        EnvCommand::Rollback { target, common } => deploy(
            &common,
            |state| ops::rollback(state, &target.env, &target.component, target.by.clone()),
            now,
        ),
        EnvCommand::Promote {
            from,
            to,
            component,
            by,
            require_canary,
            common,
        } => deploy(
            &common,
            |state| {
                let request = ops::promote(state, &from, &to, &component, by.clone())?;
                if require_canary {
                    ops::require_passing_canary(state, &from, &component, &request.version)?;
                }
                Ok(request)
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
            let ttl = Duration::minutes(i64::from(ttl_minutes));
            let holder = by.clone();
            record(&common, by, now, |state| {
                ops::lock(state, &env, holder.as_ref(), ttl, reason.clone(), now)
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
                ops::unlock(state, &env, who.as_ref(), force.clone())
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
            let schedule = match (cron, start, end) {
                (Some(cron), _, _) => WindowSchedule::Recurring {
                    cron,
                    time_zone,
                    duration: Duration::minutes(i64::from(
                        duration_minutes.context("--duration-minutes is required")?,
                    )),
                },
                (None, Some(start), Some(end)) => WindowSchedule::OneOff { start, end },
                _ => bail!("give --start and --end, or --cron and --duration-minutes"),
            };
            let event = ops::declare_window(name, kind, schedule, environments)?;
            record(&common, by, now, |_| {
                Ok::<_, DecideEventError>(event.clone())
            })
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
        EnvCommand::History { common } => {
            let (events, _) = load(&mut open_store_read_only(&common.state)?)?;
            let entries: Vec<HistoryEntry> = events.iter().map(HistoryEntry::from).collect();
            print(common.format, &entries, || ops::history_to_text(&entries))?;
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::Status { common } => {
            let (_, state) = load(&mut open_store_read_only(&common.state)?)?;
            let out = StatusOutput {
                table: StatusTable::new(&state),
                in_doubt: state
                    .in_doubt(now)
                    .into_iter()
                    .map(InDoubtView::from)
                    .collect(),
            };
            print(common.format, &out, || out.to_text())?;
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::Drift { common } => {
            let (_, state) = load(&mut open_store_read_only(&common.state)?)?;
            let drift = state.drift();
            print(common.format, &drift, || ops::drift_to_text(&drift))?;
            Ok(exit_code(drift.is_empty()))
        }
        EnvCommand::Metrics { env, days, common } => {
            let (_, state) = load(&mut open_store_read_only(&common.state)?)?;
            let env = match env {
                Some(e) => e,
                None => state
                    .environments
                    .last()
                    .map(|e| e.id.clone())
                    .context("no environments declared")?,
            };
            let from = Duration::try_days(i64::from(days))
                .and_then(|d| now.checked_sub_signed(d))
                .with_context(|| {
                    format!("--days {days} reaches before the earliest date relman can represent")
                })?;
            let m = dora_metrics(&state, &env, from, now, &Bands::dora_2021());
            print(common.format, &m, || ops::metrics_to_text(&m, days))?;
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::Migrate { from, to, format } => {
            let out = super::state_store::migrate(&from, &to)?;
            print(format, &out, || {
                format!(
                    "copied {} events (up to revision {}) from {} to {}; the copy is checked\n",
                    out.events, out.revision, out.from, out.to
                )
            })?;
            Ok(ExitCode::SUCCESS)
        }
        EnvCommand::Verify { common } => verify(&common),
        EnvCommand::Repair { common } => repair(&common),
        EnvCommand::Compact { common } => compact(&common),
    }
}

/// Prints `value` as pretty JSON, or the text `text` builds.
fn print<T: Serialize>(format: Format, value: &T, text: impl FnOnce() -> String) -> Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Format::Text => print!("{}", text()),
    }
    Ok(())
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Opens the environment state in `state`, reporting repaired torn tails on stderr. Shared by
/// every command that reads or writes the state (`env`, `change`, `gate check --record`,
/// `review`).
pub(crate) fn open_store(state: &std::path::Path) -> Result<StateStore> {
    let (store, diagnostics) = super::state_store::open(state).with_context(|| {
        format!(
            "cannot open the environment state in {} (run `relman env init` first?)",
            display_state(state)
        )
    })?;
    report_diagnostics(&diagnostics);
    Ok(store)
}

/// Opens the environment state in `state` read-only: nothing is written, a torn tail is reported
/// on stderr and left for a writer (or `relman env repair`). Shared by every command that only
/// reads the state (`env history|status|drift|metrics`, `change show|list`, `review`, `report`).
pub(crate) fn open_store_read_only(state: &std::path::Path) -> Result<StateStore> {
    let (store, diagnostics) = super::state_store::open_read_only(state).with_context(|| {
        format!(
            "cannot open the environment state in {} (run `relman env init` first?)",
            display_state(state)
        )
    })?;
    report_diagnostics(&diagnostics);
    Ok(store)
}

fn report_diagnostics(diagnostics: &[JournalDiagnostic]) {
    for d in diagnostics {
        eprintln!("warning: {}", diagnostic_text(d));
    }
}

/// One line about a torn tail: what was cut and where the bytes went, or what a writer would cut.
fn diagnostic_text(d: &JournalDiagnostic) -> String {
    match d {
        JournalDiagnostic::TornTail {
            offset,
            dropped_bytes,
            problem,
            saved_to,
        } => format!(
            "cut a torn journal tail at byte {offset} ({dropped_bytes} bytes of an interrupted write: {problem}); the bytes are saved in {}",
            saved_to.display()
        ),
        JournalDiagnostic::TornTailFound {
            offset,
            bytes,
            problem,
        } => format!(
            "the journal has a torn tail at byte {offset} ({bytes} bytes of an interrupted write: {problem}); it was left unchanged, the events before it are shown; `relman env repair` saves and cuts it"
        ),
        other => format!("{other:?}"),
    }
}

/// Reads the state of `store` (its snapshot, if compacted, and the events after it) and the
/// events after the snapshot.
pub(crate) fn load(store: &mut StateStore) -> Result<(Vec<Recorded<Event>>, EnvState)> {
    let (state, events) =
        relman_env::store::load_state(store).context("cannot read the journal")?;
    report_diagnostics(&store.take_diagnostics());
    Ok((events, state))
}

fn init(
    common: &Common,
    environments: Vec<EnvironmentId>,
    kind: LifecycleKind,
    auto_promote: &[EnvironmentId],
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    if let Some(unknown) = auto_promote.iter().find(|e| !environments.contains(e)) {
        bail!("--auto-promote {unknown}: not one of --environments");
    }
    let nanos = now.timestamp_nanos_opt().unwrap_or(0);
    let lineage = LineageId::new(format!("{nanos:x}-{:x}", std::process::id()))?;
    let kind = match kind {
        LifecycleKind::Open => ops::LifecycleKind::Open,
        LifecycleKind::Strict => ops::LifecycleKind::Strict,
    };
    let names = environments.iter().map(ToString::to_string).collect();
    let mut events = ops::init(environments, kind, now);
    for event in &mut events {
        if let EventKind::LifecycleDeclared { lifecycle } = &mut event.kind {
            for phase in &mut lifecycle.phases {
                if phase.environments.iter().any(|e| auto_promote.contains(e)) {
                    phase.auto_promote = relman_env::AutoPromote::On;
                }
            }
        }
    }
    // The declarations go in the journal's first write, so a killed init leaves no store or a
    // complete one. A store still at revision 0 (an init killed by an older relman) is
    // completed.
    let (store, revision) = match super::state_store::create_with(&common.state, lineage, &events) {
        Ok(mut store) => {
            let revision = store.revision()?;
            (store, revision)
        }
        Err(e) if matches!(e.downcast_ref(), Some(StoreError::AlreadyExists { .. })) => {
            let mut store = open_store(&common.state)?;
            let current = store.revision()?;
            if current != Revision::ZERO {
                bail!(
                    "a store already exists at {} (at revision {current})",
                    display_state(&common.state)
                );
            }
            let revision = store.append(current, &events)?;
            (store, revision)
        }
        Err(e) => {
            return Err(e.context(format!(
                "cannot create the state in {}",
                display_state(&common.state)
            )));
        }
    };
    let out = InitOutput {
        state: display_state(&common.state),
        lineage: store.lineage().to_string(),
        environments: names,
        revision: revision.get(),
    };
    print(common.format, &out, || {
        format!(
            "initialised {} with environments {}\n",
            out.state,
            out.environments.join(", ")
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `relman env status`: the table, and the deployments in doubt (started under a lease that
/// expired with no outcome: a `relman deploy` killed mid-way; the next `relman deploy` of the
/// component there resolves them). JSON: the table's fields, and `in_doubt` when any.
#[derive(Serialize)]
struct StatusOutput {
    #[serde(flatten)]
    table: StatusTable,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    in_doubt: Vec<InDoubtView>,
}

#[derive(Serialize)]
struct InDoubtView {
    env: String,
    component: String,
    version: String,
    deployment: u64,
    started_at: DateTime<Utc>,
    by: Option<String>,
}

impl From<&relman_env::Deployment> for InDoubtView {
    fn from(d: &relman_env::Deployment) -> Self {
        Self {
            env: d.env.to_string(),
            component: d.component.to_string(),
            version: d.version.to_string(),
            deployment: d.revision.get(),
            started_at: d.started_at,
            by: d.by.as_ref().map(ToString::to_string),
        }
    }
}

impl StatusOutput {
    fn to_text(&self) -> String {
        let mut text = self.table.to_text();
        for d in &self.in_doubt {
            text.push_str(&format!(
                "in doubt: {} {} in {} (deployment {}, started {}{}): no outcome and its lease expired; the next `relman deploy` resolves it\n",
                d.component,
                d.version,
                d.env,
                d.deployment,
                d.started_at,
                d.by.as_ref().map_or_else(String::new, |b| format!(" by {b}")),
            ));
        }
        text
    }
}

#[derive(Serialize)]
struct InitOutput {
    state: String,
    lineage: String,
    environments: Vec<String>,
    revision: u64,
}

/// One read-decide-append transaction on the journal ([`relman_env::store::transact`], at most
/// [`MAX_ATTEMPTS`] attempts), reporting the journal's diagnostics on stderr. `decide` refuses
/// with `Ok(Err(refusal))`: nothing is written and the refusal comes back as `Ok(Err(refusal))`.
/// Shared by every command that writes the state (`env`, `change`, `gate check --record`).
pub(crate) fn transact<R>(
    store: &mut StateStore,
    mut decide: impl FnMut(&EnvState) -> Result<std::result::Result<Vec<Event>, R>>,
) -> Result<std::result::Result<Committed, R>> {
    let result = relman_env::store::transact(store, MAX_ATTEMPTS, |state| match decide(state) {
        Ok(Ok(events)) => Ok(events),
        Ok(Err(refusal)) => Err(Ok(refusal)),
        Err(e) => Err(Err(e)),
    });
    report_diagnostics(&store.take_diagnostics());
    match result {
        Ok(committed) => {
            // A journal past the size limit is compacted by the writer that grew it; a failure
            // only delays that to the next write.
            if let Err(e) = store.compact_if_above(&committed, compact_limit()) {
                eprintln!("warning: could not compact the journal: {e}");
            }
            Ok(Ok(committed))
        }
        Err(e) => match e.into_decision() {
            Ok(Ok(refusal)) => Ok(Err(refusal)),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(e.into()),
        },
    }
}

/// The journal size past which a write compacts it: `RELMAN_COMPACT_ABOVE_BYTES`, else
/// [`check::DEFAULT_COMPACT_ABOVE`].
fn compact_limit() -> u64 {
    std::env::var("RELMAN_COMPACT_ABOVE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(check::DEFAULT_COMPACT_ABOVE)
}

/// Appends what `decide` returns: the event recorded last, or the refusal.
fn append(
    common: &Common,
    decide: impl FnMut(&EnvState) -> Result<std::result::Result<Vec<Event>, WriteResult>>,
) -> Result<WriteResult> {
    let mut store = open_store(&common.state)?;
    Ok(match transact(&mut store, decide)? {
        Ok(committed) => {
            let last = committed.events.last().context("nothing to record")?;
            WriteResult::recorded(committed.revision.get(), last)
        }
        Err(refusal) => refusal,
    })
}

/// Prints a write's result: exit 0 when recorded, 1 when refused.
fn print_write(common: &Common, out: &WriteResult) -> Result<ExitCode> {
    print(common.format, out, || out.to_text())?;
    Ok(exit_code(out.is_recorded()))
}

/// A library refusal (someone else's lease, nothing to roll back or promote, no deployment in
/// progress) as a refused write: printed like a refused deployment, exit 1. The `detail` of its
/// one blocker is `{"blocker": KIND}`.
fn decide_refused(e: &DecideEventError) -> WriteResult {
    let (kind, hint) = match e {
        DecideEventError::NoRollbackTarget { .. } => ("no_rollback_target", ""),
        DecideEventError::NothingToPromote { .. } => ("nothing_to_promote", ""),
        DecideEventError::CanaryNotPassed { .. } => ("canary_not_passed", ""),
        DecideEventError::NotInProgress { .. } => ("not_in_progress", ""),
        DecideEventError::Locked { .. } => ("locked", ""),
        DecideEventError::NotLocked { .. } => ("not_locked", ""),
        DecideEventError::LockedBySomeoneElse { .. } => {
            ("locked_by_someone_else", "; use --force REASON")
        }
        _ => ("refused", ""),
    };
    WriteResult {
        outcome: "refused",
        revision: None,
        kind: None,
        env: None,
        component: None,
        version: None,
        blockers: vec![BlockerView {
            reason: format!("{e}{hint}"),
            detail: serde_json::json!({ "blocker": kind }),
        }],
        notes: Vec::new(),
        next_allowed_at: None,
    }
}

fn deploy(
    common: &Common,
    mut request: impl FnMut(&EnvState) -> std::result::Result<DeployRequest, DecideEventError>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let mut notes = Vec::new();
    let out = append(common, |state| {
        let request = match request(state) {
            Ok(request) => request,
            Err(e) => return Ok(Err(decide_refused(&e))),
        };
        match ops::deploy(state, request, now) {
            Ok(started) => {
                notes = started.notes;
                Ok(Ok(vec![started.event]))
            }
            Err(refusal) => Ok(Err(WriteResult::refused(&refusal))),
        }
    })?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    print_write(common, &out)
}

fn finish(
    common: &Common,
    target: Target,
    version: Version,
    how: ops::Finish,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    record(common, target.by.clone(), now, |state| {
        ops::finish(state, &target.env, &target.component, &version, how.clone())
    })
}

/// Records one event decided from the current state.
fn record(
    common: &Common,
    by: Option<PersonId>,
    now: DateTime<Utc>,
    mut make: impl FnMut(&EnvState) -> std::result::Result<EventKind, DecideEventError>,
) -> Result<ExitCode> {
    let out = append(common, |state| {
        Ok(match make(state) {
            Ok(kind) => Ok(vec![Event::new(now, by.clone(), kind)]),
            Err(e) => Err(decide_refused(&e)),
        })
    })?;
    print_write(common, &out)
}

/// `relman env verify`: opens the store read-only and checks the journal and the snapshot.
/// Exit 0 sound, 1 torn tail or corruption.
fn verify(common: &Common) -> Result<ExitCode> {
    if super::state_store::pg_location(&common.state)?.is_some() {
        return verify_database(common);
    }
    let out = check::verify(&common.state)
        .with_context(|| format!("cannot verify the state in {}", common.state.display()))?;
    print(common.format, &out, || out.to_text())?;
    Ok(exit_code(out.outcome == check::CheckOutcome::Ok))
}

/// `relman env verify` (and `repair`) on a database: reads the snapshot and every event after
/// it, which checks that the revisions are contiguous and every record decodes.
fn verify_database(common: &Common) -> Result<ExitCode> {
    let mut store = open_store_read_only(&common.state)?;
    let (_, state) = load(&mut store)?;
    let out = DatabaseCheck {
        state: display_state(&common.state),
        outcome: "ok",
        revision: state.revision.get(),
    };
    print(common.format, &out, || {
        format!("ok: {} is sound at revision {}\n", out.state, out.revision)
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct DatabaseCheck {
    state: String,
    outcome: &'static str,
    revision: u64,
}

/// `relman env repair`: saves a torn tail beside the journal and cuts it. Exit 0 when the
/// store is sound afterwards, 1 when it is corrupt (nothing cut). A database has no torn
/// tails: it is verified.
fn repair(common: &Common) -> Result<ExitCode> {
    if super::state_store::pg_location(&common.state)?.is_some() {
        return verify_database(common);
    }
    let out = check::repair(&common.state)
        .with_context(|| format!("cannot repair the state in {}", common.state.display()))?;
    print(common.format, &out, || out.to_text())?;
    Ok(exit_code(out.is_sound()))
}

#[derive(Serialize)]
struct CompactOutput {
    state: String,
    revision: u64,
}

/// `relman env compact`: writes the folded state as the store's snapshot.
fn compact(common: &Common) -> Result<ExitCode> {
    let revision = compact_store(&common.state).with_context(|| {
        format!(
            "cannot compact the state in {}",
            display_state(&common.state)
        )
    })?;
    let out = CompactOutput {
        state: display_state(&common.state),
        revision: revision.get(),
    };
    print(common.format, &out, || {
        format!(
            "compacted {}: snapshot at revision {}\n",
            out.state, out.revision
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Folds the store and writes the state as its snapshot at the revision read, retried on a
/// concurrent append ([`check::compact`] for a journal).
fn compact_store(state: &std::path::Path) -> Result<Revision> {
    if super::state_store::pg_location(state)?.is_none() {
        return Ok(check::compact(state, MAX_ATTEMPTS)?);
    }
    let mut store = open_store(state)?;
    for _ in 0..MAX_ATTEMPTS {
        let (folded, _) = relman_env::store::load_state(&mut store)?;
        match store.snapshot_at(folded.revision, &folded) {
            Ok(revision) => return Ok(revision),
            Err(relman_env::store::AppendError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    bail!("gave up after {MAX_ATTEMPTS} conflicting concurrent writes; try again")
}
