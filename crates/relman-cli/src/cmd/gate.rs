//! `relman gate check`: test evidence in, quality-gate verdict out.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use relman_model::{QualityGate, TestKind, TestRun, Thresholds, Verdict, evaluate_gates};
use serde::{Deserialize, Serialize};

use crate::evidence;

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
    /// Exits 0 when every gate passes, 1 when one fails or lacks evidence.
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
    /// min_coverage, max_duration_ms). Without it: one gate per reported kind allowing no failure.
    #[arg(long, value_name = "FILE")]
    gates: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
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

/// Runs `relman gate ...`.
pub fn run(args: GateArgs) -> Result<ExitCode> {
    let GateCommand::Check(args) = args.command;
    let mut runs: Vec<TestRun> = Vec::new();
    for spec in &args.results {
        let (kind, path) = split_kind(spec)?;
        runs.push(evidence::read_junit(path, kind)?);
    }
    for spec in &args.coverage {
        let (kind, path) = split_kind(spec)?;
        let percent = evidence::read_coverage(path)?;
        for run in runs.iter_mut().filter(|r| r.kind == kind) {
            run.coverage = Some(run.coverage.map_or(percent, |c| c.min(percent)));
        }
    }
    let gates = match &args.gates {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str::<GatesFile>(&text)
                .with_context(|| format!("invalid gates file {}", path.display()))?
                .gates
        }
        None => default_gates(&runs),
    };
    let report = evaluate_gates(&gates, &runs);
    let output = Output {
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
        }
    }
    Ok(if report.verdict == Verdict::Pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One gate per reported kind, allowing no failure.
fn default_gates(runs: &[TestRun]) -> Vec<QualityGate> {
    let mut kinds: Vec<TestKind> = runs.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let mut thresholds = Thresholds::default();
            thresholds.max_failed = Some(0);
            QualityGate::new(
                kind.to_string()
                    .parse()
                    .expect("kind names are valid gate ids"),
                kind,
                thresholds,
            )
        })
        .collect()
}
