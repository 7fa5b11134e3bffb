//! `relman report`: the release status report, as Markdown or as one self-contained HTML file.
//!
//! `relman report [--repo P] [--config F] [--store PATH] [--format markdown|html]
//! [--output FILE] [--start TIME]`
//!
//! The report is rendered from a [`ReportInput`]: the plan of `relman plan` (components,
//! current → next, bump, waves, risk, schedule, change request), the Gantt chart (SVG), the
//! environment state of a relman-env store when `--store` is given (what runs where, open
//! incidents, quarantined versions), quality-gate verdicts and approvals. Approvals come from
//! the store's approval events and from the approvals of the plan's change request
//! (`relman change approve`); gate verdicts are those recorded for that change request
//! (`relman gate check --record --change ID`). Without them every released component shows
//! "no verdict recorded".
//!
//! The HTML is a single file: inline CSS, the Gantt SVG inlined, no scripts, no external
//! resources, every text HTML-escaped. `relman plan --output DIR` writes both forms as
//! `report.md` and `report.html` (without environment state).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use relman_env::EnvState;
use relman_graph::GanttLayout;
use relman_plan::plan::ReleasePlan;
use relman_plan::report::{ReportInput, render_html, render_markdown};

/// Arguments of `relman report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The repository (a work tree, a directory inside one, or a bare repository).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The workspace's Cargo.toml, relative to the repository root (as `relman plan`).
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
    /// The configuration file (default: relman.toml, then Cargo.toml metadata).
    #[arg(long, value_name = "F")]
    config: Option<PathBuf>,
    /// The relman-env state directory (as `relman env --state`; `--state` is accepted too); without it the report has no
    /// environment status.
    #[arg(long, alias = "state", value_name = "PATH")]
    store: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// When hour 0 of the schedule is (RFC 3339); default: now.
    #[arg(long, value_parser = crate::cmd::parse_time, value_name = "TIME", conflicts_with = "plan")]
    start: Option<DateTime<Utc>>,
    /// Report on a saved plan (`relman plan --output DIR` writes DIR/release-plan.json)
    /// instead of planning again: its digest is verified first, and the `gantt.svg` beside it
    /// is shown. Approvals given for that plan are found only this way once time has passed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["manifest_path", "config"])]
    plan: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
}

/// Runs `relman report`.
pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let start = args.start.unwrap_or_else(super::plan::now);
    let env = match &args.store {
        Some(dir) => Some(load_env(dir)?),
        None => None,
    };
    let (plan, svg, summary) = match &args.plan {
        Some(file) => {
            let (plan, svg) = read_plan(file)?;
            (plan, svg, None)
        }
        None => {
            let built = super::plan::plan_for_report(
                &args.repo,
                args.manifest_path.as_deref(),
                args.config.as_deref(),
                start,
            )?;
            let svg = built.gantt_svg(GanttLayout::Expanded);
            let summary = built.gantt_svg(GanttLayout::Collapsed);
            (built.plan, svg, Some(summary))
        }
    };
    let mut input = ReportInput::new(&plan, svg, env.as_ref());
    if let Some(summary) = summary {
        input = input.with_gantt_summary(summary);
    }
    let text = match args.format {
        ReportFormat::Markdown => render_markdown(&input),
        ReportFormat::Html => render_html(&input),
    };
    match &args.output {
        Some(path) => {
            relman_release::fs::write_atomic(path, &text)?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and verifies a saved plan, with the Gantt chart beside it (or a placeholder).
///
/// # Errors
///
/// When the file cannot be read, is not a plan, or its content does not match its digest.
pub(crate) fn read_plan(file: &Path) -> anyhow::Result<(ReleasePlan, String)> {
    let plan = super::plan::read_plan_file(file)?;
    let svg = file
        .parent()
        .map(|dir| dir.join("gantt.svg"))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| relman_plan::report::EMPTY_GANTT_SVG.to_owned());
    Ok((plan, svg))
}

/// Reads the environment state of a relman-env store (a journal directory or a `postgres://`
/// URL).
pub(crate) fn load_env(dir: &std::path::Path) -> anyhow::Result<EnvState> {
    if super::state_store::pg_location(dir)?.is_none() && !dir.is_dir() {
        anyhow::bail!("--store {}: no such directory", dir.display());
    }
    let mut store = super::env::open_store_read_only(dir)?;
    let (state, _) = relman_env::store::load_state(&mut store).with_context(|| {
        format!(
            "cannot read the state in {}",
            super::state_store::display_state(dir)
        )
    })?;
    Ok(state)
}
