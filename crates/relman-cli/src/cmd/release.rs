//! `relman release`: carries out an approved release plan through relman-release (governance,
//! version and changelog edits, commit, tags, push, publish), printing each step as it goes.
//! Exit 0 when done or nothing is left to do, 1 when governance refuses, 2 on an error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use relman_model::PersonId;
use relman_release::registry::SparseIndex;
use relman_release::{Clock, Mode, Release, ReleaseOutcome, StepReport, StepStatus};
use serde::Serialize;

/// Carries out an approved release plan: versions, changelogs, commit, tags, push, publish.
///
/// Governance first: the plan must match its digest, its change request must be approved and
/// scheduled, its recorded gates must pass and no freeze may be in force; otherwise every
/// reason is printed and nothing changes (exit 1). Each step done is recorded in the
/// environment state, so a release stopped at any point continues when run again; a finished
/// release run again prints "nothing to do". The `[release]` table of the configuration sets
/// the remote, the registry, its index and the publish command.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The plan written by `relman plan --output DIR` (DIR/release-plan.json).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    #[command(flatten)]
    store: super::change::StoreOptions,
    /// The repository (and Cargo workspace) to release.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The configuration file (default: relman.toml or Cargo.toml metadata in --repo).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print every step it would take, in order, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Leave the release commit and tags local.
    #[arg(long)]
    no_push: bool,
    /// Do not publish the packages.
    #[arg(long)]
    no_publish: bool,
    /// Who carries the release out (recorded in the ledger).
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

/// The system clock.
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
    fn sleep(&self, duration: std::time::Duration) {
        std::thread::sleep(duration);
    }
}

/// `relman release --format json`.
#[derive(Debug, Serialize)]
struct Output {
    /// `done`, `dry_run`, `nothing_to_do` or `refused`.
    outcome: &'static str,
    digest: String,
    steps: Vec<StepOutput>,
    refusals: Vec<String>,
}

#[derive(Debug, Serialize)]
struct StepOutput {
    id: String,
    step: String,
    /// `done`, `already_done` or `would_run`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

fn step_output(r: &StepReport) -> StepOutput {
    let (status, detail) = match &r.status {
        StepStatus::AlreadyDone => ("already_done", None),
        StepStatus::Done(detail) => ("done", detail.clone()),
        _ => ("would_run", None),
    };
    StepOutput {
        id: r.step.id(),
        step: r.step.to_string(),
        status,
        detail,
    }
}

fn print_step(r: &StepReport) {
    let s = step_output(r);
    let label = match s.status {
        "done" => "done",
        "already_done" => "skip",
        _ => "would",
    };
    match s.detail {
        Some(d) => println!("{label:5} {} ({d})", s.step),
        None => println!("{label:5} {}", s.step),
    }
}

/// Runs `relman release`.
///
/// # Errors
///
/// When the plan, the configuration or the state cannot be read, or a step fails.
pub fn run(args: ReleaseArgs) -> Result<ExitCode> {
    let plan = super::plan::read_plan_file(&args.plan)?;
    let (config, _) = relman_plan::config::load(&args.repo, args.config.as_deref())
        .context("cannot load the configuration")?;
    let release_config = config.release;
    let mut store = super::env::open_store(&args.store.state)?;
    let index_url = release_config
        .index
        .clone()
        .unwrap_or_else(|| "https://index.crates.io".to_owned());
    let index = SparseIndex::new(index_url);
    let mut release = Release::new(&plan, &release_config, &args.repo);
    let options = release.options_mut();
    options.push = !args.no_push;
    options.publish = !args.no_publish;
    options.by = args.by.clone();
    let mode = if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Execute
    };
    let text = args.format == Format::Text;
    let outcome = release
        .run(&mut store, &index, &SystemClock, mode, &mut |r| {
            if text {
                print_step(r);
            }
        })
        .with_context(|| format!("release of plan {} stopped", plan.digest))?;
    let (name, code, steps, refusals) = match &outcome {
        ReleaseOutcome::Refused(reasons) => (
            "refused",
            ExitCode::from(1),
            Vec::new(),
            reasons.iter().map(ToString::to_string).collect(),
        ),
        ReleaseOutcome::NothingToDo { .. } => {
            ("nothing_to_do", ExitCode::SUCCESS, Vec::new(), Vec::new())
        }
        ReleaseOutcome::Finished { steps } => (
            if args.dry_run { "dry_run" } else { "done" },
            ExitCode::SUCCESS,
            steps.iter().map(step_output).collect(),
            Vec::new(),
        ),
        _ => ("done", ExitCode::SUCCESS, Vec::new(), Vec::new()),
    };
    // A refused dry run still shows the steps the release would take.
    let planned = if args.dry_run && name == "refused" {
        release
            .steps()
            .context("cannot list the release steps")?
            .iter()
            .map(|step| StepOutput {
                id: step.id(),
                step: step.to_string(),
                status: "would_run",
                detail: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    if text {
        for s in &planned {
            println!("would {}", s.step);
        }
        match name {
            "refused" => {
                eprintln!("release refused:");
                for r in &refusals {
                    eprintln!("  - {r}");
                }
            }
            "nothing_to_do" => {
                println!("nothing to do: the release of plan {} is done", plan.digest)
            }
            "dry_run" => println!("dry run: nothing was changed"),
            _ => println!("released plan {}", plan.digest),
        }
    } else {
        let out = Output {
            outcome: name,
            digest: plan.digest.clone(),
            steps: if planned.is_empty() { steps } else { planned },
            refusals,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(code)
}
