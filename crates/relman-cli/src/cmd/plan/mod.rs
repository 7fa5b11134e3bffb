//! `relman plan`: the whole release plan of a repository in one command.
//!
//! `relman plan [--repo P] [--manifest-path Cargo.toml] [--config relman.toml]
//! [--format text|markdown|json] [--output DIR] [--start TIME] [--propagation MODE]`
//!
//! The plan comes from `relman-plan` (`relman_plan::repo::Repository::plan`): release units
//! and their next versions with evidence (the same rules as `relman bump`), propagation to
//! dependents (`--propagation`, default `[bump] propagation`, else `always_patch`), release
//! waves, a changelog preview per released unit, the release risk, a task schedule (build, test,
//! approve, then each deploy stage; `[pipeline]` of the configuration, the `--*-hours` flags
//! override a stage's duration; hour 0 is `--start`, default now) and a change request draft
//! bound to the plan's content digest (see `docs/release-plan.md`).
//!
//! With `--output DIR` it also writes `release-plan.md`, `release-plan.json`, `gantt.svg`,
//! `gantt.mmd`, `release.ics` and `release-notes.md` (the forge release body of each released
//! component), `report.md` and `report.html` (the release status report of `relman report`,
//! without environment state). Exit codes: 0 success, 2 usage or repository errors (e.g.
//! `not a git repository: P`).
//!
//! [`output`] writes the files of `--output`.

mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use relman_model::Revision;
use relman_plan::config::PropagationSetting;
use relman_plan::plan::{PlannedRelease, StageHours, render};

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
    /// The relman-env state directory (as `relman env --state`; `--state` is accepted too): the report.md and report.html
    /// written with `--output` then show the environments, the approvals and the recorded gate
    /// verdicts, as `relman report --store` does.
    #[arg(long, alias = "state", value_name = "PATH", requires = "output")]
    store: Option<PathBuf>,
    /// When hour 0 of the schedule is (RFC 3339, e.g. 2026-12-01T09:00:00Z); default: now.
    #[arg(long, value_parser = crate::cmd::parse_time, value_name = "TIME")]
    start: Option<DateTime<Utc>>,
    /// How releases travel to dependents (default: `[bump] propagation`, else always-patch).
    #[arg(long, value_enum)]
    propagation: Option<PropagationArg>,
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
    /// Dependents are never released because of their dependencies.
    Never,
    /// A dependent gets a patch release when its requirement no longer matches.
    WhenRequirementBreaks,
    /// A dependent gets a patch release whenever a dependency is released (the default).
    AlwaysPatch,
}

impl PropagationArg {
    fn setting(self) -> PropagationSetting {
        match self {
            Self::Never => PropagationSetting::Never,
            Self::WhenRequirementBreaks => PropagationSetting::WhenRequirementBreaks,
            Self::AlwaysPatch => PropagationSetting::AlwaysPatch,
        }
    }
}

/// The current time, truncated to the second (the default schedule start).
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()))
}

/// The plan `relman plan --repo REPO --manifest-path M --config CONFIG --start START` makes
/// with its defaults otherwise (propagation as configured, the configured pipeline).
///
/// # Errors
///
/// As `relman plan`: not a repository, an invalid configuration, an unreadable history.
pub(crate) fn plan_for_report(
    repo: &Path,
    manifest_path: Option<&Path>,
    config: Option<&Path>,
    start: DateTime<Utc>,
) -> anyhow::Result<PlannedRelease> {
    build(
        repo,
        manifest_path,
        config,
        start,
        None,
        StageHours::default(),
    )
}

fn build(
    path: &Path,
    manifest_path: Option<&Path>,
    config: Option<&Path>,
    start: DateTime<Utc>,
    propagation: Option<PropagationSetting>,
    hours: StageHours,
) -> anyhow::Result<PlannedRelease> {
    if !path.exists() {
        bail!(
            "not a git repository: {} (no such directory)",
            path.display()
        );
    }
    let repo = super::open_repository(path)?;
    if let Some(manifest) = manifest_path {
        check_manifest_path(repo.root(), manifest)?;
    }
    let (config, source) = repo.config(config)?;
    let mut options = repo.plan_options(&source, Revision::head(), start)?;
    options.propagation = propagation;
    options.stage_hours = hours;
    let units = repo.units(&config, &source, &options.head)?;
    let history = Spinner::new(repo.git());
    let planned = relman_plan::plan::plan(&history, &units, &config, &options);
    history.bar.finish_and_clear();
    Ok(planned?)
}

/// The history source with a spinner that counts the commits walked, on a terminal only
/// (hidden when stderr is piped).
struct Spinner<'a, H> {
    inner: &'a H,
    bar: indicatif::ProgressBar,
}

impl<'a, H> Spinner<'a, H> {
    fn new(inner: &'a H) -> Self {
        use std::io::IsTerminal as _;
        let bar = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} walking: {pos} commits")
        {
            bar.set_style(style);
        }
        Self { inner, bar }
    }
}

impl<H: relman_model::HistorySource> relman_model::HistorySource for Spinner<'_, H> {
    type Error = H::Error;

    fn walk(
        &self,
        range: &relman_model::RevisionRange,
        visit: &mut dyn FnMut(relman_model::Change) -> std::ops::ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        self.inner.walk(range, &mut |c| {
            self.bar.inc(1);
            visit(c)
        })
    }

    fn walk_scoped(
        &self,
        range: &relman_model::RevisionRange,
        scope: &relman_model::WalkScope,
        visit: &mut dyn FnMut(relman_model::Change) -> std::ops::ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        self.inner.walk_scoped(range, scope, &mut |c| {
            self.bar.inc(1);
            visit(c)
        })
    }

    fn version_tags(&self, at: &Revision) -> Result<Vec<relman_model::VersionTag>, Self::Error> {
        self.inner.version_tags(at)
    }

    fn tags(&self, at: &Revision) -> Result<Vec<relman_model::NamedTag>, Self::Error> {
        self.inner.tags(at)
    }

    fn cache(&self) -> Option<&dyn relman_model::HistoryCache> {
        self.inner.cache()
    }

    fn resolve_change(
        &self,
        rev: &Revision,
    ) -> Result<Option<relman_model::ChangeId>, Self::Error> {
        self.inner.resolve_change(rev)
    }

    fn walk_extension(
        &self,
        base: &relman_model::ChangeId,
        to: &Revision,
        scope: &relman_model::WalkScope,
        visit: &mut dyn FnMut(relman_model::Change) -> std::ops::ControlFlow<()>,
    ) -> Result<bool, Self::Error> {
        self.inner.walk_extension(base, to, scope, &mut |c| {
            self.bar.inc(1);
            visit(c)
        })
    }
}

/// `--manifest-path` for `relman plan`: a `Cargo.toml` ([`crate::cmd::manifest_file`]), and
/// the one at the repository root (components are read from it at HEAD).
fn check_manifest_path(root: &Path, manifest: &Path) -> anyhow::Result<()> {
    let full = crate::cmd::manifest_file(root, manifest)?;
    if full.parent() != Some(root) {
        bail!(
            "--manifest-path {}: only the manifest at the repository root ({}) is supported",
            manifest.display(),
            root.display()
        );
    }
    Ok(())
}

/// Runs `relman plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let start = args.start.unwrap_or_else(now);
    // Read the store first: a bad --store fails before any work.
    let env = match &args.store {
        Some(dir) => Some(crate::cmd::report::load_env(dir)?),
        None => None,
    };
    let hours = StageHours {
        build: args.build_hours,
        test: args.test_hours,
        approve: args.approve_hours,
        dev: args.dev_hours,
        staging: args.staging_hours,
        production: args.production_hours,
    };
    let built = build(
        &args.repo,
        args.manifest_path.as_deref(),
        args.config.as_deref(),
        start,
        args.propagation.map(PropagationArg::setting),
        hours,
    )
    .map_err(|e| flag_of(e, &args))?;
    let plan = &built.plan;
    let json = serde_json::to_string_pretty(plan).context("cannot serialize the plan")? + "\n";
    let markdown = render::render_markdown(plan);
    // Files first: an unwritable --output fails before the plan is printed.
    if let Some(dir) = &args.output {
        output::write_files(dir, &built, &json, &markdown, env.as_ref())?;
    }
    match args.format {
        Format::Json => print!("{json}"),
        Format::Markdown => print!("{markdown}"),
        Format::Text => print!("{}", render::render_text(plan)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Names the command-line flag behind a stage-duration error (`--dev-hours: ...`).
fn flag_of(err: anyhow::Error, args: &PlanArgs) -> anyhow::Error {
    use relman_plan::plan::{PipelineError, PlanError};
    use relman_plan::repo::PlanRepositoryError;
    let pipeline = match err.downcast_ref::<PlanError>() {
        Some(PlanError::Pipeline(p)) => Some(p),
        _ => match err.downcast_ref::<PlanRepositoryError>() {
            Some(PlanRepositoryError::Plan(PlanError::Pipeline(p))) => Some(p),
            _ => None,
        },
    };
    let Some(PipelineError::NoStage { stage } | PipelineError::Duration { stage, .. }) = pipeline
    else {
        return err;
    };
    let flag = [
        ("build", args.build_hours.is_some()),
        ("test", args.test_hours.is_some()),
        ("approve", args.approve_hours.is_some()),
        ("dev", args.dev_hours.is_some()),
        ("staging", args.staging_hours.is_some()),
        ("production", args.production_hours.is_some()),
    ]
    .into_iter()
    .find(|(name, given)| *given && stage.contains(name))
    .map(|(name, _)| format!("--{name}-hours"));
    match flag {
        Some(flag) => anyhow::anyhow!("{flag}: {err}"),
        None => err,
    }
}

/// Reads a `release-plan.json` written by `relman plan --output DIR`, verified against its
/// digest: every command that reads a plan refuses an edited one (exit 1, both digests named,
/// see `main`'s exit codes).
///
/// # Errors
///
/// When the file cannot be read, is not a plan of this schema, or does not match its digest.
pub(crate) fn read_plan_file(path: &Path) -> anyhow::Result<relman_plan::plan::ReleasePlan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    relman_plan::plan::ReleasePlan::from_json(&text).with_context(|| {
        format!(
            "{}: not a release plan written by `relman plan --output DIR`, or edited since",
            path.display()
        )
    })
}
