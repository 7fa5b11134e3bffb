//! `relman verify`: a canary judged against its baseline from their metrics, the verdict printed
//! and recorded in the environment ledger. The judging is relman-canary's; this module reads the
//! files, prints and maps the verdict to the exit code (0 pass, 1 marginal or fail, 2 error).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use relman_canary::config::CanaryConfig;
use relman_canary::prometheus::{PrometheusSource, QueryRange};
use relman_canary::query::QueryVars;
use relman_canary::view::JudgementView;
use relman_canary::{
    Classification, FileSource, Judgement, MetricSource, MetricSpec, Verdict, judge,
};
use relman_env::{CanaryClassification, CanaryMetricOutcome, CanaryVerdict, EventKind, Figure};
use relman_model::{ComponentId, EnvironmentId, PersonId};
use semver::Version;
use serde::Serialize;

/// Judges a canary against its baseline from their metrics, prints the verdict and records it.
///
/// Each metric of `--config` is tested with the two-sided Mann–Whitney U test on the samples
/// of `--metrics` (CSV with the header `metric,group,value`, or JSON records when the file ends
/// in `.json`), or on range queries to `--prometheus` (each metric's `query`, with
/// `${version}` standing for `--baseline` and `--version`). Exits 0 when the verdict is pass,
/// 1 when it is marginal or fail, 2 when an input is invalid (a malformed metrics file, an
/// unknown key in the config) or Prometheus cannot answer.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The environment the canary runs in.
    #[arg(long)]
    env: EnvironmentId,
    /// The component judged.
    #[arg(long)]
    component: ComponentId,
    /// The canary's version.
    #[arg(long)]
    version: Version,
    /// The baseline's version.
    #[arg(long)]
    baseline: Version,
    /// A TOML file with `[[metrics]]` tables (name, bad = "increase" | "decrease", critical,
    /// weight, relative_margin, absolute_margin, and `query` for `--prometheus`) and optional
    /// alpha, pass_score, marginal_score, no_data = "exclude" | "fail".
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The samples: CSV (`metric,group,value`) or, ending in `.json`, JSON records.
    #[arg(long, value_name = "FILE", required_unless_present = "prometheus")]
    metrics: Option<PathBuf>,
    /// Read the samples from this Prometheus server (`http://HOST:PORT`) instead: one range
    /// query per metric and version.
    #[arg(long, value_name = "URL", conflicts_with = "metrics")]
    prometheus: Option<String>,
    /// With `--prometheus`: the start of the range (RFC 3339 or YYYY-MM-DD; default 30 minutes
    /// before `--end`).
    #[arg(long, value_parser = super::parse_time, requires = "prometheus")]
    start: Option<chrono::DateTime<chrono::Utc>>,
    /// With `--prometheus`: the end of the range (default now).
    #[arg(long, value_parser = super::parse_time, requires = "prometheus")]
    end: Option<chrono::DateTime<chrono::Utc>>,
    /// With `--prometheus`: seconds between the points of the range.
    #[arg(long, default_value_t = 60, requires = "prometheus")]
    step: u64,
    #[command(flatten)]
    store: super::change::StoreOptions,
    /// Who records the verdict.
    #[arg(long)]
    by: Option<PersonId>,
    /// On a fail verdict, also roll the component in `--env` back to its rollback target under
    /// the environment's policy: deployed with the environment's `deploy` and `health`
    /// commands (as `relman deploy`) when the relman configuration has `[environments.ENV]`,
    /// else recorded as started (as `relman env rollback`).
    #[arg(long)]
    rollback_on_fail: bool,
    /// The relman configuration with the `[environments.NAME]` deploy settings (default:
    /// relman.toml, else Cargo.toml metadata, in the current directory).
    #[arg(long, value_name = "FILE", requires = "rollback_on_fail")]
    deploy_config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// `relman verify --format json`: the judgement, where it was recorded and the rollback.
#[derive(Debug, Serialize)]
struct Output {
    #[serde(flatten)]
    judgement: JudgementView,
    recorded_revision: u64,
    /// With `--rollback-on-fail` and a fail verdict: the rollback started, or why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<String>,
}

fn read_config(path: &Path) -> Result<CanaryConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str::<CanaryConfig>(&text)
        .with_context(|| format!("invalid canary config {}", path.display()))
}

/// The samples of every metric: from `--metrics`, or from `--prometheus`.
fn collect(args: &VerifyArgs, config: &CanaryConfig, specs: &[MetricSpec]) -> Result<Inputs> {
    let invalid = || format!("invalid canary config {}", args.config.display());
    let Some(url) = &args.prometheus else {
        let path = args
            .metrics
            .as_deref()
            .context("--metrics or --prometheus is required")?;
        let Ok(inputs) = read_metrics(path)?.collect(specs);
        return Ok(inputs);
    };
    let queries = config.queries().with_context(invalid)?;
    let end = args.end.unwrap_or_else(chrono::Utc::now);
    let start = args.start.unwrap_or(end - chrono::Duration::minutes(30));
    let seconds = |t: chrono::DateTime<chrono::Utc>| u64::try_from(t.timestamp()).unwrap_or(0);
    let range = QueryRange::new(seconds(start), seconds(end), args.step)
        .context("invalid --start, --end or --step")?;
    let vars = |version: &Version| {
        QueryVars::new(
            version.to_string(),
            args.component.as_str(),
            args.env.as_str(),
        )
    };
    let source = PrometheusSource::new(
        url,
        range,
        queries,
        vars(&args.baseline),
        vars(&args.version),
    )?;
    Ok(source.collect(specs)?)
}

type Inputs = Vec<(MetricSpec, relman_canary::Samples)>;

fn read_metrics(path: &Path) -> Result<FileSource> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let parsed = if path.extension().is_some_and(|e| e == "json") {
        FileSource::parse_json(&text)
    } else {
        FileSource::parse_csv(&text)
    };
    parsed.with_context(|| format!("invalid metrics file {}", path.display()))
}

/// Runs `relman verify`.
pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let config = read_config(&args.config)?;
    let (specs, options) = config
        .clone()
        .into_parts()
        .with_context(|| format!("invalid canary config {}", args.config.display()))?;
    let inputs = collect(&args, &config, &specs)?;
    let judgement = judge(&inputs, &options)
        .with_context(|| format!("cannot judge with {}", args.config.display()))?;
    let recorded_revision = record(&args, &judgement)?;
    let mut output = Output {
        judgement: JudgementView::new(&judgement),
        recorded_revision,
        rollback: None,
    };
    if args.rollback_on_fail && judgement.verdict == Verdict::Fail {
        output.rollback = Some(rollback(&args)?);
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&output)?),
        Format::Text => print_text(&args, &output),
    }
    Ok(if judgement.verdict == Verdict::Pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_text(args: &VerifyArgs, output: &Output) {
    println!(
        "verdict: {} (score {:.1}) for {} {} in {} against {}",
        output.judgement.verdict,
        output.judgement.score,
        args.component,
        args.version,
        args.env,
        args.baseline
    );
    for r in &output.judgement.reasons {
        println!("  - {r}");
    }
    for m in &output.judgement.metrics {
        let p = m
            .p_value
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.4}"));
        println!("  {}: {} (p = {p})", m.name, m.classification);
        for r in &m.reasons {
            println!("    - {r}");
        }
    }
    println!("recorded at revision {}", output.recorded_revision);
    if let Some(r) = &output.rollback {
        println!("rollback: {r}");
    }
}

/// Rolls `--component` in `--env` back after a failing verdict: deployed for real when the
/// environment has deploy settings, else recorded as started. Says what was done, or why the
/// policy or the history refused it.
fn rollback(args: &VerifyArgs) -> Result<String> {
    if let Some((environments, workdir)) =
        super::deploy::settings_for(args.deploy_config.as_deref(), &args.env)?
    {
        let mut store = super::env::open_store(&args.store.state)?;
        let (state, _) = relman_env::store::load_state(&mut store)?;
        let mut request =
            match relman_env::ops::rollback(&state, &args.env, &args.component, args.by.clone()) {
                Ok(request) => request,
                Err(e) => return Ok(format!("refused: {e}")),
            };
        request.reason = relman_env::DeployReason::Rollback;
        let mut options = relman_deploy::DeployOptions::default();
        options.workdir = workdir;
        let mut deployer = relman_deploy::Deployer::new(
            &mut store,
            &environments,
            &super::deploy::SystemClock,
            options,
        );
        let report = deployer.deploy(request)?;
        return Ok(super::deploy::report_text(&report)
            .trim_end()
            .replace('\n', "; "));
    }
    record_rollback(args)
}

/// The rollback of [`rollback`] without deploy settings: recorded as started.
fn record_rollback(args: &VerifyArgs) -> Result<String> {
    let mut store = super::env::open_store(&args.store.state)?;
    let now = chrono::Utc::now();
    let mut target = None;
    let result = super::env::transact(&mut store, |state| {
        let request =
            match relman_env::ops::rollback(state, &args.env, &args.component, args.by.clone()) {
                Ok(request) => request,
                Err(e) => return Ok(Err(e.to_string())),
            };
        target = Some(request.version.clone());
        Ok(match relman_env::ops::deploy(state, request, now) {
            Ok(started) => Ok(vec![started.event]),
            Err(refused) => Err(refused
                .decision
                .blockers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")),
        })
    })?;
    Ok(match (result, target) {
        (Ok(committed), Some(version)) => format!(
            "started {} {version} in {} at revision {}",
            args.component,
            args.env,
            committed.revision.get()
        ),
        (Ok(committed), None) => format!("recorded at revision {}", committed.revision.get()),
        (Err(why), _) => format!("refused: {why}"),
    })
}

/// Appends the verdict to the environment state; returns its revision.
fn record(args: &VerifyArgs, judgement: &Judgement) -> Result<u64> {
    let kind = EventKind::CanaryVerdictRecorded {
        env: args.env.clone(),
        component: args.component.clone(),
        version: args.version.clone(),
        baseline: args.baseline.clone(),
        verdict: match judgement.verdict {
            Verdict::Pass => CanaryVerdict::Pass,
            Verdict::Marginal => CanaryVerdict::Marginal,
            Verdict::Fail => CanaryVerdict::Fail,
        },
        score: Figure(judgement.score),
        metrics: judgement
            .metrics
            .iter()
            .map(|m| CanaryMetricOutcome {
                metric: m.spec.name.to_string(),
                classification: match m.classification {
                    Classification::Pass => CanaryClassification::Pass,
                    Classification::High => CanaryClassification::High,
                    Classification::Low => CanaryClassification::Low,
                    Classification::NoData => CanaryClassification::NoData,
                },
                failed: m.is_failure(),
                p_value: m.test.map(|t| Figure(t.p_value)),
                reasons: m.reasons.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    };
    super::change::record_event(&args.store.state, args.by.as_ref(), kind, "the verdict")
}
