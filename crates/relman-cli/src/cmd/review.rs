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
//! command resolves the name, loads the state, and prints the Markdown or its own JSON shape.
//!
//! Exit codes: 0 reviewed, 1 nothing recorded under that name, 2 usage or I/O errors.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use relman_env::dora::DoraMetrics;
use relman_env::review::{
    ApprovalScope, Review, ReviewOptions, ReviewSubject, review, to_markdown,
};
use relman_env::{Deployment, EnvState, GateVerdictRecord};
use relman_model::EnvironmentId;
use serde::Serialize;

use super::change::StoreOptions;
use super::env::{load, open_store};

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

#[derive(Debug, Serialize)]
struct ReviewOutput {
    release: String,
    /// `change_request`, `component_version` or `release`.
    resolved_as: &'static str,
    env: Option<String>,
    released_at: Option<DateTime<Utc>>,
    window_days: u32,
    change_request: Option<relman_env::ChangeRequestView>,
    components: Vec<String>,
    deployments: Vec<DeploymentOutput>,
    rollbacks: Vec<DeploymentOutput>,
    incidents: Vec<IncidentOutput>,
    dora: Option<DoraComparisonOutput>,
    gate_verdicts: Vec<VerdictOutput>,
    approvals: Vec<ApprovalOutput>,
    follow_ups: Vec<FollowUpOutput>,
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct DeploymentOutput {
    env: String,
    component: String,
    version: String,
    reason: String,
    by: Option<String>,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    outcome: String,
    revision: u64,
}

#[derive(Debug, Serialize)]
struct IncidentOutput {
    id: String,
    env: String,
    component: String,
    version: String,
    opened_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    /// Whether a version of this release caused it.
    caused_by_release: bool,
}

#[derive(Debug, Serialize)]
struct DoraComparisonOutput {
    before: DoraOutput,
    after: DoraOutput,
}

#[derive(Debug, Serialize)]
struct DoraOutput {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    deployments: usize,
    deployments_per_day: f64,
    lead_time_median_hours: Option<f64>,
    change_failure_rate: Option<f64>,
    recovery_time_median_hours: Option<f64>,
    rework_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
struct VerdictOutput {
    at: DateTime<Utc>,
    by: Option<String>,
    release: Option<String>,
    change_request: Option<String>,
    verdict: String,
    gates: Vec<GateLine>,
    revision: u64,
}

#[derive(Debug, Serialize)]
struct GateLine {
    gate: String,
    verdict: String,
    reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ApprovalOutput {
    /// `change_request` (bound to its plan digest) or `environment` (`relman env approve`).
    scope: &'static str,
    env: Option<String>,
    by: String,
    at: DateTime<Utc>,
    digest: String,
    /// Whether it counts for the change request's current digest (always true for env scope).
    current: bool,
}

#[derive(Debug, Serialize)]
struct FollowUpOutput {
    kind: &'static str,
    action: String,
}

fn deployment_output(d: &Deployment) -> DeploymentOutput {
    DeploymentOutput {
        env: d.env.to_string(),
        component: d.component.to_string(),
        version: d.version.to_string(),
        reason: d.reason.to_string(),
        by: d.by.as_ref().map(ToString::to_string),
        started_at: d.started_at,
        finished_at: d.finished_at,
        outcome: d.status.to_string(),
        revision: d.revision.get(),
    }
}

fn dora_output(m: &DoraMetrics) -> DoraOutput {
    let hours = |s: Option<i64>| s.map(|s| s as f64 / 3600.0);
    DoraOutput {
        from: m.from,
        to: m.to,
        deployments: m.deployments,
        deployments_per_day: m.deployments_per_day,
        lead_time_median_hours: hours(m.lead_time.median_seconds),
        change_failure_rate: m.change_failure_rate,
        recovery_time_median_hours: hours(m.recovery_time.median_seconds),
        rework_rate: m.rework_rate,
    }
}

fn verdict_output(v: &GateVerdictRecord) -> VerdictOutput {
    VerdictOutput {
        at: v.at,
        by: v.by.as_ref().map(ToString::to_string),
        release: v.release.as_ref().map(ToString::to_string),
        change_request: v.change_request.as_ref().map(ToString::to_string),
        verdict: v.verdict.to_string(),
        gates: v
            .gates
            .iter()
            .map(|g| GateLine {
                gate: g.gate.to_string(),
                verdict: g.verdict.to_string(),
                reasons: g.reasons.clone(),
            })
            .collect(),
        revision: v.revision.get(),
    }
}

/// Runs `relman review`.
///
/// # Errors
///
/// Usage and I/O errors (exit code 2).
pub fn run(args: ReviewArgs) -> Result<ExitCode> {
    let now = Utc::now();
    let mut store = open_store(&args.store.state)?;
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
            serde_json::to_string_pretty(&output(&state, &args.release, &review))?
        ),
        Format::Markdown => print!("{}", to_markdown(&review)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON shape of `review` (the CLI's own, so a library change cannot alter it silently).
fn output(state: &EnvState, release: &str, r: &Review) -> ReviewOutput {
    ReviewOutput {
        release: release.to_owned(),
        resolved_as: r.subject.kind(),
        env: r.env.as_ref().map(ToString::to_string),
        released_at: r.released_at,
        window_days: r.window_days,
        change_request: r
            .change_request
            .as_ref()
            .map(|e| relman_env::ChangeRequestView::new(state, e)),
        components: r.versions.iter().map(ToString::to_string).collect(),
        deployments: r.deployments.iter().map(deployment_output).collect(),
        rollbacks: r.rollbacks.iter().map(deployment_output).collect(),
        incidents: r
            .incidents
            .iter()
            .map(|ri| {
                let i = &ri.incident;
                IncidentOutput {
                    id: i.id.clone(),
                    env: i.env.to_string(),
                    component: i.component.to_string(),
                    version: i.version.to_string(),
                    opened_at: i.opened_at,
                    resolved_at: i.resolved_at,
                    caused_by_release: ri.caused_by_release,
                }
            })
            .collect(),
        dora: r.dora.as_ref().map(|d| DoraComparisonOutput {
            before: dora_output(&d.before),
            after: dora_output(&d.after),
        }),
        gate_verdicts: r.gate_verdicts.iter().map(verdict_output).collect(),
        approvals: r
            .approvals
            .iter()
            .map(|a| ApprovalOutput {
                scope: match a.scope {
                    ApprovalScope::ChangeRequest => "change_request",
                    _ => "environment",
                },
                env: a.env.as_ref().map(ToString::to_string),
                by: a.by.to_string(),
                at: a.at,
                digest: a.digest.to_string(),
                current: a.current,
            })
            .collect(),
        follow_ups: r
            .follow_ups
            .iter()
            .map(|f| FollowUpOutput {
                kind: f.kind(),
                action: f.to_string(),
            })
            .collect(),
        notes: r.notes.iter().map(ToString::to_string).collect(),
    }
}
