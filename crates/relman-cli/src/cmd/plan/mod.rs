//! `relman plan`: the whole release plan of a repository in one command.
//!
//! `relman plan [--repo P] [--manifest-path Cargo.toml] [--config relman.toml]
//! [--format text|markdown|json] [--output DIR] [--start RFC3339] [--propagation MODE]`
//!
//! 1. Components: the `[components]` of the configuration if any, else the Cargo workspace at
//!    `HEAD` (members tagged `{component}-v{version}`, a single package `v{version}`), else the
//!    whole repository as one component named after its directory, tagged `v{version}`.
//! 2. Each component's changes since its last release tag (diff stats included), its next
//!    version with the evidence (`[bump]` policy of the configuration), then dependent-bump
//!    propagation over the dependency graph (`--propagation`) and the release waves. A
//!    component without a release tag gets its first release (its manifest version). A
//!    component without changes keeps bump `none` and is not scheduled.
//! 3. A changelog preview per released component (`[changelog]` settings).
//! 4. Release risk: each change is scored by the risk crate's default model on the metrics
//!    the walk can give (see `history_metrics` of `relman risk`), then aggregated by the CLI (see
//!    [`release_risk`](release_risk::release_risk)), with reasons and mitigations.
//! 5. A task schedule: per released component in wave order `build` then `test` (a component's
//!    build waits for the tests of the released components it depends on), one `approve` task,
//!    then per component `deploy-dev` → `deploy-staging` → `deploy-production`; production
//!    deploys hold the resource `production` (capacity 1: one production deploy at a time) and
//!    follow the dependency order. Durations in hours (defaults: build 1, test 2,
//!    approve 4, dev 1, staging 2, production 1). The `[pipeline]` section of the
//!    configuration replaces the stages, resources and windows; the `--*-hours` flags override
//!    a stage's duration. Hour 0 is `--start` (default: now).
//! 6. A change request draft (kind normal, one approval from anyone but the requester) bound to
//!    the SHA-256 of the canonical plan JSON (compact, keys sorted, without `change_request`).
//!
//! Walks show a spinner with the commit count on a terminal (none when stderr is piped).
//!
//! With `--output DIR` it also writes `release-plan.md`, `release-plan.json`, `gantt.svg`,
//! `gantt.mmd`, `release.ics` and `release-notes.md` (the forge release body of each released
//! component), `report.md` and `report.html` (the release status report of `relman report`,
//! without environment state). Exit codes: 0 success, 2 usage or repository errors (e.g.
//! `not a git repository: P`).
//!
//! Modules: [`model`] holds the serialized plan, [`build`] assembles it from the repository,
//! [`release_risk`] scores it, [`pipeline`] schedules the task pipeline, [`render`] writes text
//! and Markdown and [`output`] the files of `--output`.

mod build;
pub(crate) mod model;
mod output;
mod pipeline;
mod release_risk;
mod render;

pub(crate) use build::Built;
pub(crate) use output::gantt_svg;
pub(crate) use render::short;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use relman_graph::Propagation;

/// Arguments of `relman plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The repository (a work tree, a directory inside one, or a bare repository).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The workspace's Cargo.toml, relative to the repository root (components are read from
    /// it at HEAD).
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
    /// The configuration file (default: relman.toml, then Cargo.toml metadata).
    #[arg(long, value_name = "F")]
    config: Option<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write release-plan.md, release-plan.json, gantt.svg, gantt.mmd, release.ics,
    /// release-notes.md, report.md and report.html here.
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// The relman-env state directory (as `relman env --state`): the report.md and report.html
    /// written with `--output` then show the environments, the approvals and the recorded gate
    /// verdicts, as `relman report --store` does.
    #[arg(long, value_name = "PATH", requires = "output")]
    store: Option<PathBuf>,
    /// When hour 0 of the schedule is (RFC 3339, e.g. 2026-12-01T09:00:00Z); default: now.
    #[arg(long, value_name = "TIME")]
    start: Option<DateTime<Utc>>,
    /// How bumps travel to dependents.
    #[arg(long, value_enum, default_value_t = PropagationArg::WhenRequirementBreaks)]
    propagation: PropagationArg,
    /// Hours to build one component (overrides `[pipeline]`; default 1).
    #[arg(long, value_name = "H")]
    build_hours: Option<i64>,
    /// Hours to test one component (overrides `[pipeline]`; default 2).
    #[arg(long, value_name = "H")]
    test_hours: Option<i64>,
    /// Hours for the release approval (overrides `[pipeline]`; default 4).
    #[arg(long, value_name = "H")]
    approve_hours: Option<i64>,
    /// Hours to deploy one component to dev (overrides `[pipeline]`; default 1).
    #[arg(long, value_name = "H")]
    dev_hours: Option<i64>,
    /// Hours to deploy one component to staging (including its checks) (overrides `[pipeline]`; default 2).
    #[arg(long, value_name = "H")]
    staging_hours: Option<i64>,
    /// Hours to deploy one component to production (overrides `[pipeline]`; default 1).
    #[arg(long, value_name = "H")]
    production_hours: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PropagationArg {
    /// Dependents are never bumped because of their dependencies.
    Never,
    /// A dependent gets a patch bump when its requirement no longer matches.
    WhenRequirementBreaks,
    /// A dependent gets a patch bump whenever a dependency is released.
    AlwaysPatch,
}

impl PropagationArg {
    fn mode(self) -> Propagation {
        match self {
            Self::Never => Propagation::Never,
            Self::WhenRequirementBreaks => Propagation::WhenRequirementBreaks,
            Self::AlwaysPatch => Propagation::AlwaysPatch,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::WhenRequirementBreaks => "when_requirement_breaks",
            Self::AlwaysPatch => "always_patch",
        }
    }
}

/// The current time, truncated to the second (the default schedule start).
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()))
}

/// The plan `relman plan --repo REPO --manifest-path M --config CONFIG --start START` makes
/// with its defaults otherwise (components discovered, propagation when a requirement breaks, the configured
/// pipeline).
///
/// # Errors
///
/// As `relman plan`: not a repository, an invalid configuration, an unreadable history.
pub(crate) fn plan_for_report(
    repo: PathBuf,
    manifest_path: Option<PathBuf>,
    config: Option<PathBuf>,
    start: DateTime<Utc>,
) -> anyhow::Result<Built> {
    let args = PlanArgs {
        repo,
        manifest_path,
        config,
        format: Format::Text,
        output: None,
        store: None,
        start: Some(start),
        propagation: PropagationArg::WhenRequirementBreaks,
        build_hours: None,
        test_hours: None,
        approve_hours: None,
        dev_hours: None,
        staging_hours: None,
        production_hours: None,
    };
    build::plan(&args, start)
}

/// Runs `relman plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let start = args.start.unwrap_or_else(now);
    // Read the store first: a bad --store fails before any work.
    let env = match &args.store {
        Some(dir) => Some(crate::cmd::report::load_env(dir)?),
        None => None,
    };
    let built = build::plan(&args, start)?;
    let out = &built.out;
    let json = serde_json::to_string_pretty(&out).context("cannot serialize the plan")? + "\n";
    let markdown = render::render_markdown(out);
    match args.format {
        Format::Json => print!("{json}"),
        Format::Markdown => print!("{markdown}"),
        Format::Text => print!("{}", render::render_text(out)),
    }
    if let Some(dir) = &args.output {
        output::write_files(dir, &built, &json, &markdown, env.as_ref())?;
    }
    Ok(ExitCode::SUCCESS)
}
