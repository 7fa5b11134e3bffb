//! `relman gate check`: test evidence in, quality-gate verdict out; with `--record`, the verdict
//! is also appended to the environment state for a release or a change request.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use relman_env::{EventKind, GateOutcome};
use relman_model::{
    ChangeRequestId, PersonId, QualityGate, ReleaseId, TestKind, TestRun, Verdict, evaluate_gates,
};
use serde::{Deserialize, Serialize};

/// Quality gates over test results.
#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(subcommand)]
    command: GateCommand,
}

#[derive(Debug, Subcommand)]
enum GateCommand {
    /// Reads test reports and coverage, applies the gates, prints the verdict with reasons.
    ///
    /// Exits 0 when every gate passes, 1 when one fails or lacks evidence, 2 when an input is
    /// invalid: a report cut off or inconsistent, a file given twice, an unknown or out-of-range
    /// key in the gates file. With `--record` the verdict is appended to the environment state
    /// (`--state`) for `--release` or `--change`.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// JUnit XML reports, each optionally prefixed with its test kind: `integration=report.xml`
    /// (default kind: unit).
    #[arg(long = "results", value_name = "[KIND=]FILE", num_args = 1.., required = true)]
    results: Vec<String>,
    /// Coverage reports (Cobertura XML or LCOV), optionally prefixed with the kind they measure.
    #[arg(long = "coverage", value_name = "[KIND=]FILE", num_args = 1..)]
    coverage: Vec<String>,
    /// A TOML file with `[[gates]]` tables (id, kind, max_failed, min_tests, min_pass_rate,
    /// min_coverage, max_duration_ms; rates in percent). Unset, max_failed is 0 and min_tests
    /// is 1. Without it: one such default gate per reported kind.
    #[arg(long, value_name = "FILE")]
    gates: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Record the verdict in the environment state (needs `--release` or `--change`).
    #[arg(long, requires = "subject")]
    record: bool,
    #[command(flatten)]
    store: super::change::StoreOptions,
    /// The release the verdict is for.
    #[arg(long, group = "subject")]
    release: Option<ReleaseId>,
    /// The change request the verdict is for (it must exist in the state).
    #[arg(long = "change", group = "subject")]
    change_request: Option<ChangeRequestId>,
    /// Who records the verdict.
    #[arg(long)]
    by: Option<PersonId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The `[[gates]]` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatesFile {
    gates: Vec<QualityGate>,
}

#[derive(Debug, Serialize)]
struct Output {
    verdict: String,
    gates: Vec<GateOutput>,
    runs: Vec<RunOutput>,
    /// The revision of the recorded verdict (with `--record`).
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded_revision: Option<u64>,
}

#[derive(Debug, Serialize)]
struct GateOutput {
    gate: String,
    verdict: String,
    reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
struct RunOutput {
    kind: String,
    suite: String,
    passed: u64,
    failed: u64,
    skipped: u64,
    duration_ms: u64,
    coverage: Option<f64>,
}

fn split_kind(spec: &str) -> Result<(TestKind, &Path)> {
    match spec.split_once('=') {
        Some((kind, file)) if kind.parse::<TestKind>().is_ok() => {
            Ok((kind.parse()?, Path::new(file)))
        }
        _ => Ok((TestKind::Unit, Path::new(spec))),
    }
}

/// Refuses an input file given twice (the same canonical path, whatever the spelling or the
/// kind): its tests would count twice. Files that cannot be resolved are left for the reader
/// to report.
fn refuse_duplicates<'a>(specs: impl Iterator<Item = &'a String>) -> Result<()> {
    let mut seen: HashMap<PathBuf, &str> = HashMap::new();
    for spec in specs {
        let (_, path) = split_kind(spec)?;
        let Ok(canonical) = path.canonicalize() else {
            continue;
        };
        if let Some(first) = seen.insert(canonical.clone(), spec) {
            bail!(
                "{} is given twice ({first} and {spec}): its tests would count twice",
                canonical.display()
            );
        }
    }
    Ok(())
}

/// Runs `relman gate ...`.
pub fn run(args: GateArgs) -> Result<ExitCode> {
    let GateCommand::Check(args) = args.command;
    refuse_duplicates(args.results.iter().chain(&args.coverage))?;
    let mut runs: Vec<TestRun> = Vec::new();
    for spec in &args.results {
        let (kind, path) = split_kind(spec)?;
        runs.push(relman_evidence::read_junit(path, kind)?);
    }
    for spec in &args.coverage {
        let (kind, path) = split_kind(spec)?;
        relman_evidence::attach_coverage(&mut runs, kind, relman_evidence::read_coverage(path)?);
    }
    let gates = match &args.gates {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let gates = toml::from_str::<GatesFile>(&text)
                .with_context(|| format!("invalid gates file {}", path.display()))?
                .gates;
            if gates.is_empty() {
                bail!(
                    "invalid gates file {}: no [[gates]], so nothing would be checked",
                    path.display()
                );
            }
            gates
        }
        None => relman_evidence::default_gates(&runs),
    };
    let report = evaluate_gates(&gates, &runs);
    let recorded_revision = if args.record {
        Some(record(&args, &report)?)
    } else {
        None
    };
    let output = Output {
        recorded_revision,
        verdict: report.verdict.to_string(),
        gates: report
            .results
            .iter()
            .map(|r| GateOutput {
                gate: r.gate.to_string(),
                verdict: r.verdict.to_string(),
                reasons: r.reasons.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        runs: runs
            .iter()
            .map(|r| RunOutput {
                kind: r.kind.to_string(),
                suite: r.suite.clone(),
                passed: r.passed,
                failed: r.failed,
                skipped: r.skipped,
                duration_ms: r.duration_ms,
                coverage: r.coverage,
            })
            .collect(),
    };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&output)?),
        Format::Text => {
            println!("verdict: {}", output.verdict);
            for g in &output.gates {
                println!("  {}: {}", g.gate, g.verdict);
                for r in &g.reasons {
                    println!("    - {r}");
                }
            }
            if let Some(revision) = output.recorded_revision {
                println!("recorded at revision {revision}");
            }
        }
    }
    Ok(if report.verdict == Verdict::Pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Appends the verdict to the environment state; returns its revision.
fn record(args: &CheckArgs, report: &relman_model::GateReport) -> Result<u64> {
    let kind = EventKind::GateVerdictRecorded {
        release: args.release.clone(),
        change_request: args.change_request.clone(),
        verdict: report.verdict,
        gates: report
            .results
            .iter()
            .map(|r| GateOutcome {
                gate: r.gate.clone(),
                verdict: r.verdict,
                reasons: r.reasons.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    };
    super::change::record_event(&args.store.state, args.by.as_ref(), kind, "the verdict")
}
