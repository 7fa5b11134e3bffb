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
//! Exit codes: 0 reviewed, 1 nothing recorded under that name, 2 usage or I/O errors.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use clap::{Args, ValueEnum};
use relman_env::dora::{Bands, DoraMetrics, dora_metrics};
use relman_env::{
    ChangeRequestEntry, DeployReason, Deployment, DeploymentStatus, EnvState, GateVerdictRecord,
};
use relman_model::{
    ChangeKind, ChangeState, ComponentId, EnvironmentId, ReleasedComponent as ReleasedVersion,
    Verdict,
};
use semver::Version;
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

/// What `RELEASE` named.
enum Subject<'a> {
    ChangeRequest(&'a ChangeRequestEntry),
    Version(ReleasedVersion),
    Release(String),
}

#[derive(Debug, Serialize)]
struct ReviewOutput {
    release: String,
    /// `change_request`, `component_version` or `release`.
    resolved_as: &'static str,
    env: Option<String>,
    released_at: Option<DateTime<Utc>>,
    window_days: u32,
    change_request: Option<super::change::ChangeRequestView>,
    components: Vec<String>,
    deployments: Vec<DeploymentOutput>,
    rollbacks: Vec<DeploymentOutput>,
    incidents: Vec<IncidentOutput>,
    dora: Option<DoraComparison>,
    gate_verdicts: Vec<VerdictOutput>,
    approvals: Vec<ApprovalOutput>,
    follow_ups: Vec<FollowUp>,
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
struct DoraComparison {
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
struct FollowUp {
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

fn resolve<'a>(state: &'a EnvState, name: &str) -> Option<Subject<'a>> {
    if let Some(entry) = name.parse().ok().and_then(|id| state.change_request(&id)) {
        return Some(Subject::ChangeRequest(entry));
    }
    if let Some((c, v)) = name.split_once('@')
        && let (Ok(component), Ok(version)) = (c.parse::<ComponentId>(), v.parse::<Version>())
    {
        return Some(Subject::Version(ReleasedVersion::new(component, version)));
    }
    let known = state
        .deployments
        .iter()
        .any(|d| d.release.as_ref().is_some_and(|r| r.as_str() == name))
        || state
            .gate_verdicts()
            .iter()
            .any(|v| v.release.as_ref().is_some_and(|r| r.as_str() == name))
        || state.approvals.iter().any(|a| a.release.as_str() == name);
    known.then(|| Subject::Release(name.to_owned()))
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
    let Some(subject) = resolve(&state, &args.release) else {
        eprintln!(
            "error: nothing is recorded for release {:?}: give a change request id, component@version, or a release name used with `relman env deploy --release`",
            args.release
        );
        return Ok(ExitCode::from(1));
    };
    let out = review(&state, &args, &subject, now);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Markdown => print!("{}", render_markdown(&out)),
    }
    Ok(ExitCode::SUCCESS)
}

fn review(
    state: &EnvState,
    args: &ReviewArgs,
    subject: &Subject<'_>,
    now: DateTime<Utc>,
) -> ReviewOutput {
    let mut notes = Vec::new();
    // The names deployments, verdicts and approvals may carry for this release.
    let (resolved_as, names, mut versions): (_, Vec<String>, BTreeSet<ReleasedVersion>) =
        match subject {
            Subject::ChangeRequest(e) => {
                let mut names = vec![e.id().to_string()];
                names.extend(e.release.as_ref().map(ToString::to_string));
                (
                    "change_request",
                    names,
                    e.components.iter().cloned().collect(),
                )
            }
            Subject::Version(v) => (
                "component_version",
                vec![args.release.clone()],
                BTreeSet::from([v.clone()]),
            ),
            Subject::Release(r) => ("release", vec![r.clone()], BTreeSet::new()),
        };
    let named = |r: Option<&str>| r.is_some_and(|r| names.iter().any(|n| n == r));
    let deployments: Vec<&Deployment> = state
        .deployments
        .iter()
        .filter(|d| {
            d.reason != DeployReason::Rollback
                && (named(d.release.as_ref().map(|r| r.as_str()))
                    || versions.contains(&ReleasedVersion::new(
                        d.component.clone(),
                        d.version.clone(),
                    )))
        })
        .collect();
    versions.extend(
        deployments
            .iter()
            .map(|d| ReleasedVersion::new(d.component.clone(), d.version.clone())),
    );
    let env = args
        .env
        .clone()
        .or_else(|| state.environments.last().map(|e| e.id.clone()))
        .or_else(|| deployments.last().map(|d| d.env.clone()));
    let released_at = deployments
        .iter()
        .filter(|d| Some(&d.env) == env.as_ref())
        .map(|d| d.started_at)
        .min()
        .or_else(|| deployments.iter().map(|d| d.started_at).min())
        .or_else(|| match subject {
            Subject::ChangeRequest(e) => e.window.map(|w| w.start),
            _ => None,
        });
    let window = Duration::days(i64::from(args.window_days));
    let components: BTreeSet<&ComponentId> = versions.iter().map(|v| &v.component).collect();
    let rollbacks: Vec<&Deployment> = state
        .deployments
        .iter()
        .filter(|d| d.reason == DeployReason::Rollback && components.contains(&d.component))
        .filter(|d| released_at.is_some_and(|t| d.started_at >= t))
        .collect();
    let incidents: Vec<IncidentOutput> = match released_at {
        Some(t) => state
            .incidents
            .values()
            .filter(|i| i.opened_at >= t && i.opened_at < t + window)
            .map(|i| IncidentOutput {
                id: i.id.clone(),
                env: i.env.to_string(),
                component: i.component.to_string(),
                version: i.version.to_string(),
                opened_at: i.opened_at,
                resolved_at: i.resolved_at,
                caused_by_release: versions.contains(&ReleasedVersion::new(
                    i.component.clone(),
                    i.version.clone(),
                )),
            })
            .collect(),
        None => Vec::new(),
    };
    let dora = match (&env, released_at) {
        (Some(env), Some(t)) => {
            let bands = Bands::dora_2021();
            if t + window > now {
                notes.push(format!(
                    "the after window ends at {}, in the future: its figures are incomplete",
                    t + window
                ));
            }
            Some(DoraComparison {
                before: dora_output(&dora_metrics(state, env, t - window, t, &bands)),
                after: dora_output(&dora_metrics(state, env, t, t + window, &bands)),
            })
        }
        _ => {
            notes.push("no deployment or planned start: DORA metrics not compared".into());
            None
        }
    };
    let entry = match subject {
        Subject::ChangeRequest(e) => Some(*e),
        _ => None,
    };
    let verdicts: Vec<&GateVerdictRecord> = state
        .gate_verdicts()
        .iter()
        .filter(|v| {
            named(v.release.as_ref().map(|r| r.as_str()))
                || named(v.change_request.as_ref().map(|c| c.as_str()))
        })
        .collect();
    let mut approvals: Vec<ApprovalOutput> = entry
        .map(|e| {
            e.request
                .approvals()
                .iter()
                .map(|a| ApprovalOutput {
                    scope: "change_request",
                    env: None,
                    by: a.by.to_string(),
                    at: a.at,
                    digest: a.digest.to_string(),
                    current: &a.digest == e.request.digest(),
                })
                .collect()
        })
        .unwrap_or_default();
    approvals.extend(
        state
            .approvals
            .iter()
            .filter(|a| named(Some(a.release.as_str())))
            .map(|a| ApprovalOutput {
                scope: "environment",
                env: Some(a.env.to_string()),
                by: a.by.to_string(),
                at: a.at,
                digest: a.digest.to_string(),
                current: true,
            }),
    );

    let follow_ups = follow_ups(
        &deployments,
        &rollbacks,
        &incidents,
        &verdicts,
        entry,
        env.as_ref(),
    );
    ReviewOutput {
        release: args.release.clone(),
        resolved_as,
        env: env.as_ref().map(ToString::to_string),
        released_at,
        window_days: args.window_days,
        change_request: entry.map(|e| super::change::view(state, e)),
        components: versions
            .iter()
            .map(|v| format!("{}@{}", v.component, v.version))
            .collect(),
        deployments: deployments.iter().map(|d| deployment_output(d)).collect(),
        rollbacks: rollbacks.iter().map(|d| deployment_output(d)).collect(),
        incidents,
        dora,
        gate_verdicts: verdicts.iter().map(|v| verdict_output(v)).collect(),
        approvals,
        follow_ups,
        notes,
    }
}

fn follow_ups(
    deployments: &[&Deployment],
    rollbacks: &[&Deployment],
    incidents: &[IncidentOutput],
    verdicts: &[&GateVerdictRecord],
    entry: Option<&ChangeRequestEntry>,
    env: Option<&EnvironmentId>,
) -> Vec<FollowUp> {
    let mut out = Vec::new();
    let mut push = |kind, action: String| out.push(FollowUp { kind, action });
    for i in incidents.iter().filter(|i| i.resolved_at.is_none()) {
        push(
            "unresolved_incident",
            format!(
                "resolve incident {} ({} {} in {}, open since {})",
                i.id,
                i.component,
                i.version,
                i.env,
                ts(i.opened_at)
            ),
        );
    }
    for d in deployments {
        match d.status {
            DeploymentStatus::Failed => push(
                "failed_deployment",
                format!(
                    "find the cause of the failed deployment of {} {} to {} (started {})",
                    d.component,
                    d.version,
                    d.env,
                    ts(d.started_at)
                ),
            ),
            DeploymentStatus::InProgress => push(
                "unfinished_deployment",
                format!(
                    "finish or fail the deployment of {} {} to {} (started {})",
                    d.component,
                    d.version,
                    d.env,
                    ts(d.started_at)
                ),
            ),
            _ => {}
        }
    }
    for r in rollbacks {
        push(
            "rollback",
            format!(
                "analyse why {} in {} was rolled back to {} at {}",
                r.component,
                r.env,
                r.version,
                ts(r.started_at)
            ),
        );
    }
    match verdicts.last() {
        None => push(
            "missing_gate_verdict",
            "no gate verdict was recorded: run `relman gate check --record`".into(),
        ),
        Some(v) if v.verdict != Verdict::Pass => {
            for g in v.gates.iter().filter(|g| g.verdict != Verdict::Pass) {
                let reasons = if g.reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", g.reasons.join("; "))
                };
                push(
                    "failed_gate",
                    format!("gate {} was {} at {}{reasons}", g.gate, g.verdict, ts(v.at)),
                );
            }
        }
        Some(_) => {}
    }
    if let Some(e) = entry {
        let cr = &e.request;
        if cr.kind != ChangeKind::Standard && cr.approval_count() < cr.rule.required {
            push(
                "missing_approvals",
                format!(
                    "change request {} has {} of {} approvals for its current digest {}",
                    cr.id,
                    cr.approval_count(),
                    cr.rule.required,
                    cr.digest()
                ),
            );
        }
        if cr.approvals().iter().any(|a| &a.digest != cr.digest()) {
            push(
                "stale_approvals",
                format!(
                    "change request {} holds approvals of an earlier plan digest: confirm the amended plan was reviewed",
                    cr.id
                ),
            );
        }
        if !cr.state().is_terminal() {
            push(
                "open_change_request",
                format!(
                    "change request {} is still {}: take it through review and close it",
                    cr.id,
                    cr.state()
                ),
            );
        }
        if cr.state() == ChangeState::Canceled && !deployments.is_empty() {
            push(
                "canceled_but_deployed",
                format!(
                    "change request {} was cancelled but its versions were deployed",
                    cr.id
                ),
            );
        }
    }
    if let Some(env) = env
        && !deployments
            .iter()
            .any(|d| &d.env == env && d.status == DeploymentStatus::Succeeded)
    {
        push(
            "not_released",
            format!("no deployment of the release succeeded in {env}"),
        );
    }
    out
}

fn render_markdown(o: &ReviewOutput) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Post-release review: {}\n", o.release);
    let _ = writeln!(t, "- resolved as: {}", o.resolved_as.replace('_', " "));
    if let Some(env) = &o.env {
        let _ = writeln!(t, "- environment reviewed: {env}");
    }
    match o.released_at {
        Some(at) => {
            let _ = writeln!(t, "- released at: {}", ts(at));
        }
        None => {
            let _ = writeln!(t, "- released at: unknown");
        }
    }
    if !o.components.is_empty() {
        let _ = writeln!(t, "- versions: {}", o.components.join(", "));
    }
    if let Some(cr) = &o.change_request {
        let _ = writeln!(
            t,
            "- change request: {} ({}, {}), {} of {} approvals for `{}`",
            cr.id, cr.kind, cr.state, cr.approvals_counted, cr.approvals_required, cr.digest
        );
    }
    let _ = writeln!(t, "\n## Deployments\n");
    if o.deployments.is_empty() && o.rollbacks.is_empty() {
        let _ = writeln!(t, "None recorded.");
    } else {
        let _ = writeln!(
            t,
            "| env | component | version | reason | started | finished | outcome |\n|---|---|---|---|---|---|---|"
        );
        for d in o.deployments.iter().chain(&o.rollbacks) {
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} | {} | {} |",
                d.env,
                d.component,
                d.version,
                d.reason,
                ts(d.started_at),
                d.finished_at.map_or("-".into(), ts),
                d.outcome
            );
        }
    }
    let _ = writeln!(t, "\n## Incidents after the release\n");
    if o.incidents.is_empty() {
        let _ = writeln!(t, "None.");
    }
    for i in &o.incidents {
        let _ = writeln!(
            t,
            "- {} ({} {} in {}), opened {}, {}{}",
            i.id,
            i.component,
            i.version,
            i.env,
            ts(i.opened_at),
            i.resolved_at
                .map_or("unresolved".into(), |r| format!("resolved {}", ts(r))),
            if i.caused_by_release {
                ", caused by this release"
            } else {
                ""
            }
        );
    }
    if let Some(d) = &o.dora {
        let _ = writeln!(
            t,
            "\n## DORA metrics, {} days before and after\n",
            o.window_days
        );
        let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0));
        let hours = |h: Option<f64>| h.map_or("-".to_string(), |h| format!("{h:.1}h"));
        let _ = writeln!(t, "| metric | before | after |\n|---|---|---|");
        let _ = writeln!(
            t,
            "| deployments | {} | {} |",
            d.before.deployments, d.after.deployments
        );
        let _ = writeln!(
            t,
            "| deployments per day | {:.2} | {:.2} |",
            d.before.deployments_per_day, d.after.deployments_per_day
        );
        let _ = writeln!(
            t,
            "| lead time (median) | {} | {} |",
            hours(d.before.lead_time_median_hours),
            hours(d.after.lead_time_median_hours)
        );
        let _ = writeln!(
            t,
            "| change failure rate | {} | {} |",
            pct(d.before.change_failure_rate),
            pct(d.after.change_failure_rate)
        );
        let _ = writeln!(
            t,
            "| time to restore (median) | {} | {} |",
            hours(d.before.recovery_time_median_hours),
            hours(d.after.recovery_time_median_hours)
        );
        let _ = writeln!(
            t,
            "| rework rate | {} | {} |",
            pct(d.before.rework_rate),
            pct(d.after.rework_rate)
        );
    }
    let _ = writeln!(t, "\n## Gate verdicts\n");
    if o.gate_verdicts.is_empty() {
        let _ = writeln!(t, "None recorded.");
    }
    for v in &o.gate_verdicts {
        let _ = writeln!(t, "- {} at {}", v.verdict, ts(v.at));
        for g in &v.gates {
            let _ = writeln!(t, "  - {}: {}", g.gate, g.verdict);
            for r in &g.reasons {
                let _ = writeln!(t, "    - {r}");
            }
        }
    }
    let _ = writeln!(t, "\n## Approvals\n");
    if o.approvals.is_empty() {
        let _ = writeln!(t, "None recorded.");
    }
    for a in &o.approvals {
        let _ = writeln!(
            t,
            "- {} by {} at {} for `{}`{}{}",
            a.scope.replace('_', " "),
            a.by,
            ts(a.at),
            a.digest,
            a.env
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
            if a.current { "" } else { " (stale digest)" }
        );
    }
    let _ = writeln!(t, "\n## Follow-up actions\n");
    if o.follow_ups.is_empty() {
        let _ = writeln!(t, "None.");
    }
    for f in &o.follow_ups {
        let _ = writeln!(t, "- [ ] {} ({})", f.action, f.kind.replace('_', " "));
    }
    for n in &o.notes {
        let _ = writeln!(t, "\nNote: {n}");
    }
    t
}

/// A timestamp to the second, for people.
fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
