//! `relman deploy` and `relman promote`: thin callers of relman-deploy. This module reads the
//! configuration (`[environments.NAME]`), opens the ledger, gives the deployer the system
//! clock, prints the report and maps it to the exit code: 0 deployed (or promoted as far as
//! the lifecycle allows), 1 refused or failed (and rolled back), 2 error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use relman_deploy::config::EnvironmentConfig;
use relman_deploy::{
    Clock, CommandStart, DeployOptions, DeployOutcome, DeployReport, Deployer, InDoubtResolution,
    Observer, PromoteAction, PromoteReport, PromoteRequest,
};
use relman_env::DeployRequest;
use relman_model::{ComponentId, Digest, EnvironmentId, PersonId, ReleaseId};
use relman_plan::config::ConfigSource;
use semver::Version;

/// Deploys a version of a component to an environment: policy first (exit 1 with every reason
/// when it refuses), then the environment's `pre`, `deploy` and health check commands from
/// `[environments.NAME]` in the configuration, under the environment's lease. A failed deploy
/// or health check is rolled back to the version that ran before (exit 1). A deployment left in
/// doubt by a killed run is resolved first (see docs/deploy.md).
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The environment.
    #[arg(long)]
    env: EnvironmentId,
    #[command(flatten)]
    common: Common,
    /// The release (needed when the environment's phase requires approvals).
    #[arg(long)]
    release: Option<ReleaseId>,
    /// The release digest approvals are bound to.
    #[arg(long)]
    digest: Option<Digest>,
    /// Override freeze and maintenance windows, recording this reason.
    #[arg(long)]
    break_glass: Option<String>,
}

/// Moves a version through the lifecycle as far as policy allows: deploys it to the first
/// phase where it does not run yet, then to each next phase that promotes automatically,
/// stopping at the first refusal or failure (exit 1) or before a phase that waits for a person
/// (exit 0).
#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    common: Common,
    /// The release (needed when a phase requires approvals; default: the one recorded with the
    /// version's earlier deployments).
    #[arg(long)]
    release: Option<ReleaseId>,
    /// The release digest approvals are bound to.
    #[arg(long)]
    digest: Option<Digest>,
    /// Promote past an environment only when the version's latest canary verdict there
    /// (`relman verify`) is a pass.
    #[arg(long)]
    require_canary: bool,
}

#[derive(Debug, Args)]
struct Common {
    /// The component.
    #[arg(long)]
    component: ComponentId,
    /// The version.
    #[arg(long)]
    version: Version,
    #[command(flatten)]
    store: super::change::StoreOptions,
    /// The configuration file (default: relman.toml, else Cargo.toml metadata, in the current
    /// directory). Commands run in its directory.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Who deploys (holds the environment's lease).
    #[arg(long)]
    by: Option<PersonId>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The system clock: the one place `relman deploy` reads the time.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// Progress on stderr, one line per command, so a long deployment is not silent.
struct Progress;

impl Observer for Progress {
    fn command_started(&self, c: &CommandStart<'_>) {
        let attempt = if c.attempt > 1 {
            format!(" (attempt {})", c.attempt)
        } else {
            String::new()
        };
        eprintln!(
            "{}: {} {} {}{attempt}...",
            c.env, c.step, c.component, c.version
        );
    }
}

/// The environments' settings and the directory commands run in.
fn settings(
    config: Option<&Path>,
) -> Result<(BTreeMap<EnvironmentId, EnvironmentConfig>, PathBuf)> {
    let (environments, workdir, source) = load_settings(config)?;
    if environments.is_empty() {
        anyhow::bail!(
            "{source} has no [environments.NAME] tables: nothing says how to deploy (see docs/deploy.md)"
        );
    }
    Ok((environments, workdir))
}

/// The `[environments.NAME]` settings of the configuration (possibly none), the directory
/// commands run in, and where the configuration came from.
fn load_settings(
    config: Option<&Path>,
) -> Result<(
    BTreeMap<EnvironmentId, EnvironmentConfig>,
    PathBuf,
    ConfigSource,
)> {
    let (config, source) = relman_plan::config::load(Path::new("."), config)?;
    let dir = match &source {
        ConfigSource::File(p) | ConfigSource::CargoMetadata(p) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        _ => PathBuf::from("."),
    };
    let workdir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve the directory {}", dir.display()))?;
    Ok((config.environments, workdir, source))
}

/// The deploy settings and working directory of the configuration when it has settings for
/// `env`; `None` when it has none.
///
/// # Errors
///
/// When the configuration cannot be read or is invalid.
pub(crate) fn settings_for(
    config: Option<&Path>,
    env: &EnvironmentId,
) -> Result<Option<(BTreeMap<EnvironmentId, EnvironmentConfig>, PathBuf)>> {
    let (environments, workdir, _) = load_settings(config)?;
    Ok(environments
        .contains_key(env)
        .then_some((environments, workdir)))
}

/// Runs `relman deploy`.
pub fn run(args: DeployArgs) -> Result<ExitCode> {
    let (environments, workdir) = settings(args.common.config.as_deref())?;
    let mut store = super::env::open_store(&args.common.store.state)?;
    let mut options = DeployOptions::default();
    options.workdir = workdir;
    let mut deployer = Deployer::new(&mut store, &environments, &SystemClock, options);
    deployer.observe(&Progress);
    let common = &args.common;
    let mut request = DeployRequest::new(
        args.env.clone(),
        common.component.clone(),
        common.version.clone(),
    );
    request.requester = common.by.clone();
    request.release = args.release.clone();
    request.digest = args.digest.clone();
    request.break_glass = args.break_glass.clone();
    let report = deployer.deploy(request)?;
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", report_text(&report)),
    }
    Ok(if report.is_deployed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs `relman promote`.
pub fn run_promote(args: PromoteArgs) -> Result<ExitCode> {
    let common = &args.common;
    let (environments, workdir) = settings(common.config.as_deref())?;
    let mut store = super::env::open_store(&common.store.state)?;
    let mut options = DeployOptions::default();
    options.workdir = workdir;
    let mut deployer = Deployer::new(&mut store, &environments, &SystemClock, options);
    deployer.observe(&Progress);
    let mut request = PromoteRequest::new(common.component.clone(), common.version.clone());
    request.requester = common.by.clone();
    request.release = args.release.clone();
    request.digest = args.digest.clone();
    request.require_canary = args.require_canary;
    let report = deployer.promote(&request)?;
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", promote_text(&report)),
    }
    Ok(if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(crate) fn report_text(r: &DeployReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for d in &r.in_doubt {
        let what = match d.resolution {
            InDoubtResolution::Confirmed => "healthy: recorded as succeeded".to_owned(),
            InDoubtResolution::RolledBack => format!(
                "not healthy ({}): recorded as failed, rolled back to {}",
                d.reason.as_deref().unwrap_or("no reason"),
                d.rollback
                    .as_ref()
                    .map_or_else(String::new, |b| b.version.to_string())
            ),
            InDoubtResolution::Failed => format!(
                "not healthy ({}): recorded as failed, not rolled back",
                d.reason.as_deref().unwrap_or("no reason")
            ),
            InDoubtResolution::Superseded => "superseded: recorded as failed".to_owned(),
        };
        let _ = writeln!(
            out,
            "in doubt: {} {} in {} (deployment {}, started {}): {what}",
            r.component, d.version, r.env, d.deployment, d.started_at
        );
    }
    let head = format!("{} {} to {}", r.component, r.version, r.env);
    match r.outcome {
        DeployOutcome::Deployed => {
            let _ = write!(out, "deployed {head}");
            if let Some(id) = r.deployment {
                let _ = write!(out, " (deployment {id}");
                match &r.previous {
                    Some(p) => {
                        let _ = write!(out, ", was {p})");
                    }
                    None => out.push(')'),
                }
            }
            out.push('\n');
        }
        DeployOutcome::Refused => {
            let _ = writeln!(out, "refused: {head}");
            for why in &r.refusals {
                let _ = writeln!(out, "  - {why}");
            }
        }
        _ => {
            let _ = writeln!(
                out,
                "failed: {head}: {}",
                r.failure.as_deref().unwrap_or("unknown reason")
            );
            match &r.rollback {
                Some(b) if b.succeeded => {
                    let _ = writeln!(
                        out,
                        "rolled back to {} (deployment {})",
                        b.version, b.deployment
                    );
                }
                Some(b) => {
                    let _ = writeln!(
                        out,
                        "the rollback to {} failed too: {}",
                        b.version,
                        b.failure.as_deref().unwrap_or("unknown reason")
                    );
                }
                None => {}
            }
        }
    }
    for c in &r.commands {
        let attempts = if c.attempts > 1 {
            format!(" after {} attempts", c.attempts)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {} {}: {}{attempts}", c.step, c.version, c.status);
        if !c.status.is_success() && !c.output.is_empty() {
            for line in c.output.lines() {
                let _ = writeln!(out, "    | {line}");
            }
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn promote_text(r: &PromoteReport) -> String {
    use std::fmt::Write as _;
    let mut out = format!("promote {} {}\n", r.component, r.version);
    for s in &r.steps {
        match s.action {
            PromoteAction::AlreadyRunning => {
                let _ = writeln!(out, "  {}: already running", s.env);
            }
            PromoteAction::Manual => {
                let _ = writeln!(
                    out,
                    "  {}: waits for a person (its phase does not promote automatically); run `relman promote` again",
                    s.env
                );
            }
            PromoteAction::CanaryNotPassed => {
                let _ = writeln!(
                    out,
                    "  {}: not promoted: {}; judge the canary with `relman verify`",
                    s.env,
                    s.reason.as_deref().unwrap_or("no passing canary verdict")
                );
            }
            _ => {
                if let Some(report) = &s.report {
                    for line in report_text(report).lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
            }
        }
    }
    out
}
