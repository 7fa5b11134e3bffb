//! `relman review RELEASE`: the post-release review, from the environment state.
//!
//! `RELEASE` is looked up in this order:
//!
//! 1. a change request id (`CR-1a2b3c4d`): its deployments are those of the component versions
//!    it releases, plus those started with `--release` equal to its release or its id;
//! 2. `component@version` (`api@1.2.0`): the deployments of that version;
//! 3. a release name, as given to `relman env deploy --release` or `gate check --release`.
//!
//! The release time is the first start of one of its deployments to the reviewed environment
//! (`--env`, default the last in promotion order), else to any environment, else the change
//! request's planned start. DORA metrics of the reviewed environment are computed for
//! `--window-days` before and after it. Follow-up actions are derived from the facts: unresolved
//! incidents, failed, unfinished or rolled-back deployments, failing or missing gate verdicts,
//! missing or stale approvals, a change request left open, a release that never reached the
//! reviewed environment.
//!
//! The review itself is computed and rendered as Markdown by relman-env's `review` module; this
//! command resolves the name, loads the state, and prints the Markdown or the JSON of
//! `ReviewView`.
//!
//! Exit codes: 0 reviewed, 1 nothing recorded under that name, 2 usage or I/O errors.

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use clap::{Args, ValueEnum};
use relman_env::review::{ReviewOptions, ReviewSubject, ReviewView, review, to_markdown};
use relman_model::EnvironmentId;

use super::change::StoreOptions;
use super::env::{load, open_store_read_only};

/// Arguments of `relman review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The release: a change request id, `component@version`, or a release name.
    release: String,
    #[command(flatten)]
    store: StoreOptions,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: Format,
    /// Days before and after the release compared by the DORA metrics.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    window_days: u32,
    /// The environment reviewed (default: the last in promotion order).
    #[arg(long)]
    env: Option<EnvironmentId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// Runs `relman review`.
///
/// # Errors
///
/// Usage and I/O errors (exit code 2).
pub fn run(args: ReviewArgs) -> Result<ExitCode> {
    let now = Utc::now();
    let mut store = open_store_read_only(&args.store.state)?;
    let (_, state) = load(&mut store)?;
    let Some(subject) = ReviewSubject::resolve(&state, &args.release) else {
        eprintln!(
            "error: nothing is recorded for release {:?}: give a change request id, component@version, or a release name used with `relman env deploy --release`",
            args.release
        );
        return Ok(ExitCode::from(1));
    };
    let mut options = ReviewOptions::default();
    options.window_days = args.window_days;
    options.env = args.env.clone();
    let review = review(&state, &subject, &options, now)?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&ReviewView::new(&state, &args.release, &review))?
        ),
        Format::Markdown => print!("{}", to_markdown(&review)),
    }
    Ok(ExitCode::SUCCESS)
}
