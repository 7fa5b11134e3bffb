//! `relman risk`: train, apply and measure change-risk models on just-in-time data sets.
//!
//! - `relman risk train --data CSV... [--model KIND] [--seed S] --out model.json` trains a model
//!   (default: the logistic + boosted-trees ensemble) on the labelled rows of every CSV.
//! - `relman risk score --model model.json|default --data CSV [--format csv|json] [--top N]`
//!   prints `commit,probability` per row; JSON adds the margin and the top contributions.
//! - `relman risk evaluate --data CSV... [--model KIND] [--format text|json] [--threshold T]`
//!   trains on the oldest 80 % of each file (by date) and measures on the newest 20 %; without
//!   `--model`, every kind is evaluated.
//!
//! - `relman risk label [--repo P] [--range A..B] [--exclude-roots] [--threads N] --out data.csv`
//!   computes the metrics from the repository's history and labels each commit with SZZ (the
//!   commits whose lines the fix commits changed are `bug = 1`, fixes blamed on `N` threads), so
//!   a team can train on its own history.
//!
//! - `relman risk [--repo P] [--range A..B] [--limit N] [--format text|json]` computes the 14
//!   change metrics from the repository's history and scores the newest commits of the range
//!   with the shipped default model, with their top reasons.
//!
//! CSV files use the shared schema `commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,
//! rexp,sexp,bug` (see docs/risk.md). Exit code 2 means a usage, I/O or data error.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use relman_git::GitRepository;
use relman_model::{Change, RevisionRange};
use relman_risk::{
    ChangeMetrics, ChangeRow, Explanation, Model, ModelKind, RiskModel, TrainOptions, evaluate,
    read_csv, train,
};
use serde::Serialize;

/// Arguments of `relman risk`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RiskArgs {
    #[command(subcommand)]
    command: Option<RiskCommand>,
    /// Score the commits of this repository with the shipped default model.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Only the commits of this revision range `A..B` (metrics still use the full history).
    #[arg(long)]
    range: Option<String>,
    /// At most this many commits, newest first.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Number of contributions shown per commit.
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    format: TextFormat,
}

#[derive(Debug, Subcommand)]
enum RiskCommand {
    /// Train a model on labelled change data and save it as JSON.
    Train {
        /// Labelled CSV files (rows of all files are pooled).
        #[arg(long, required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// Model kind: expert, logistic, gbdt or ensemble (default).
        #[arg(long, default_value = "ensemble")]
        model: ModelKind,
        /// Seed of the tree subsampling.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
    },
    /// Score changes with a saved model.
    Score {
        /// A model JSON file, or `default` for the model shipped with relman.
        #[arg(long)]
        model: String,
        /// CSV file of changes (the `bug` column is optional).
        #[arg(long)]
        data: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScoreFormat::Csv)]
        format: ScoreFormat,
        /// Number of contributions per change in JSON output.
        #[arg(long, default_value_t = 5)]
        top: usize,
    },
    /// Time-ordered evaluation: train on the oldest 80 %, test on the newest 20 %.
    Evaluate {
        /// Labelled CSV files, each evaluated on its own.
        #[arg(long, required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// Model kind to evaluate; every kind when absent.
        #[arg(long)]
        model: Option<ModelKind>,
        /// Seed of the tree subsampling.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Probability at or above which a change counts as risky for precision, recall and
        /// F1; default: the training base rate.
        #[arg(long)]
        threshold: Option<f64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Text)]
        format: TextFormat,
    },
    /// Label the repository's own history with SZZ and write it as a training CSV.
    Label {
        /// The repository.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Only the commits of this revision range `A..B` (metrics still use the full history).
        #[arg(long)]
        range: Option<String>,
        /// Never label a root commit (an initial import) as bug-introducing.
        #[arg(long)]
        exclude_roots: bool,
        /// Threads blaming fixes at once; default: the number of CPUs. The labels do not
        /// depend on it.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Where to write the CSV.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScoreFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TextFormat {
    Text,
    Json,
}

/// One scored change in `relman risk score --format json`.
#[derive(Debug, Serialize)]
struct ScoreOutput<'a> {
    commit: &'a str,
    probability: f64,
    margin: f64,
    base: f64,
    contributions: Vec<ContributionOutput<'a>>,
}

#[derive(Debug, Serialize)]
struct ContributionOutput<'a> {
    feature: &'a str,
    value: f64,
    contribution: f64,
}

/// One line of `relman risk evaluate --format json`.
#[derive(Debug, Serialize)]
struct EvaluationOutput {
    data: String,
    model: String,
    train_rows: usize,
    test_rows: usize,
    test_positives: usize,
    roc_auc: f64,
    pr_auc: f64,
    threshold: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    recall_at_20_percent_effort: f64,
}

/// One commit in `relman risk --repo P --format json`.
#[derive(Debug, Serialize)]
struct RepoScoreOutput<'a> {
    commit: &'a str,
    summary: &'a str,
    probability: f64,
    metrics: &'a relman_risk::ChangeMetrics,
    contributions: Vec<ContributionOutput<'a>>,
}

/// Runs `relman risk`.
pub fn run(args: RiskArgs) -> anyhow::Result<ExitCode> {
    let Some(command) = args.command else {
        return score_repository(&args);
    };
    match command {
        RiskCommand::Train {
            data,
            model,
            seed,
            out,
        } => {
            let mut rows = Vec::new();
            for path in &data {
                rows.extend(load(path)?);
            }
            let mut options = TrainOptions::new(model);
            options.seed(seed);
            let trained = train(&rows, &options).context("cannot train the model")?;
            relman_release::fs::write_atomic(&out, trained.to_json())?;
            eprintln!(
                "trained model `{model}` on {} rows into {}",
                rows.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Score {
            model,
            data,
            format,
            top,
        } => {
            let model = if model == "default" {
                relman_risk::default_model()
            } else {
                let text = std::fs::read_to_string(&model)
                    .with_context(|| format!("cannot read {model}"))?;
                Model::from_json(&text).with_context(|| format!("cannot load {model}"))?
            };
            let rows = load(&data)?;
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                ScoreFormat::Csv => {
                    writeln!(out, "commit,probability")?;
                    for row in &rows {
                        writeln!(out, "{},{:.6}", row.commit, model.probability(&row.metrics))?;
                    }
                }
                ScoreFormat::Json => {
                    let explanations: Vec<_> =
                        rows.iter().map(|r| model.explain(&r.metrics)).collect();
                    let output: Vec<ScoreOutput<'_>> = rows
                        .iter()
                        .zip(&explanations)
                        .map(|(row, e)| ScoreOutput {
                            commit: &row.commit,
                            probability: e.probability,
                            margin: e.margin,
                            base: e.base,
                            contributions: contributions(e, top),
                        })
                        .collect();
                    serde_json::to_writer_pretty(&mut out, &output)?;
                    writeln!(out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Evaluate {
            data,
            model,
            seed,
            threshold,
            format,
        } => {
            let kinds: Vec<ModelKind> = match model {
                Some(kind) => vec![kind],
                None => ModelKind::ALL.to_vec(),
            };
            let mut outputs = Vec::new();
            for path in &data {
                let rows = load(path)?;
                for kind in &kinds {
                    let mut options = TrainOptions::new(*kind);
                    options.seed(seed);
                    let report = evaluate(&rows, &options, 0.8, threshold)
                        .with_context(|| format!("cannot evaluate {kind} on {}", path.display()))?;
                    outputs.push(EvaluationOutput {
                        data: path.display().to_string(),
                        model: kind.to_string(),
                        train_rows: report.train_rows,
                        test_rows: report.test_rows,
                        test_positives: report.test_positives,
                        roc_auc: report.roc_auc,
                        pr_auc: report.pr_auc,
                        threshold: report.at_threshold.threshold,
                        precision: report.at_threshold.precision,
                        recall: report.at_threshold.recall,
                        f1: report.at_threshold.f1,
                        recall_at_20_percent_effort: report.recall_at_20_percent_effort,
                    });
                }
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                TextFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &outputs)?;
                    writeln!(out)?;
                }
                TextFormat::Text => {
                    writeln!(
                        out,
                        "{:<24} {:<9} {:>7} {:>7} {:>9} {:>7} {:>7} {:>7} {:>7}",
                        "data",
                        "model",
                        "roc_auc",
                        "pr_auc",
                        "threshold",
                        "prec",
                        "recall",
                        "f1",
                        "r@20%"
                    )?;
                    for o in &outputs {
                        let name = Path::new(&o.data)
                            .file_name()
                            .map_or_else(|| o.data.clone(), |n| n.to_string_lossy().into_owned());
                        writeln!(
                            out,
                            "{:<24} {:<9} {:>7.4} {:>7.4} {:>9.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3}",
                            name,
                            o.model,
                            o.roc_auc,
                            o.pr_auc,
                            o.threshold,
                            o.precision,
                            o.recall,
                            o.f1,
                            o.recall_at_20_percent_effort
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Label {
            repo,
            range,
            exclude_roots,
            threads,
            out,
        } => {
            let threads = threads.map_or_else(
                || std::thread::available_parallelism().map_or(1, usize::from),
                usize::from,
            );
            label_repository(&repo, range.as_deref(), exclude_roots, threads, &out)
        }
    }
}

/// `relman risk label`: metrics of every commit of the range (from the full history), SZZ from
/// its fix commits, one labelled row per commit. Only fixes inside the range matter: a fix that
/// implicates a commit of the range descends from it, so it is in the range too.
fn label_repository(
    path: &Path,
    range: Option<&str>,
    exclude_roots: bool,
    threads: usize,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let (repo, selected) = open_range(path, range)?;
    let fixes = relman_risk::fix_commits(&selected);
    let mut options = relman_git::szz::SzzOptions::new();
    options.threads(threads);
    if exclude_roots {
        options.roots(relman_git::szz::RootCommits::Exclude);
    }
    let found = repo
        .bug_introducing(&fixes, &options)
        .context("cannot trace the fix commits to the commits that introduced their lines")?;
    let rows = relman_risk::label_changes(&selected, |id| found.contains(id));
    relman_release::fs::write_atomic_with(out, |w| relman_risk::write_csv(w, &rows))?;
    eprintln!(
        "labelled {} rows into {}: {} fixes ({} traced, {} untraced), {} bug-inducing ({} lines blamed)",
        rows.len(),
        out.display(),
        fixes.len(),
        found.fixes_traced,
        found.fixes_untraced,
        relman_risk::count_buggy(&rows),
        found.lines_blamed,
    );
    Ok(ExitCode::SUCCESS)
}

/// The repository at `path` (with the `--no-index` flag applied) and `range` parsed (the whole
/// history of `HEAD` without one).
fn open_repository(
    path: &Path,
    range: Option<&str>,
) -> anyhow::Result<(GitRepository, RevisionRange)> {
    let mut repo = GitRepository::open(path)
        .with_context(|| format!("cannot open repository {}", path.display()))?;
    super::configure_walks(&mut repo);
    let range: RevisionRange = match range {
        Some(r) => r.parse().context("invalid --range")?,
        None => RevisionRange::default(),
    };
    Ok((repo, range))
}

/// The repository at `path` and the commits of `range` with their metrics, oldest first.
fn open_range(
    path: &Path,
    range: Option<&str>,
) -> anyhow::Result<(GitRepository, Vec<(Change, ChangeMetrics)>)> {
    let (repo, range) = open_repository(path, range)?;
    let changes = relman_risk::range_metrics(&repo, &range)?;
    Ok((repo, changes))
}

/// `relman risk --repo P [--range A..B]`: metrics from the full history up to `B`, scores for
/// the newest commits of the range.
fn score_repository(args: &RiskArgs) -> anyhow::Result<ExitCode> {
    let (repo, range) = open_repository(&args.repo, args.range.as_deref())?;
    let changes = relman_risk::newest_metrics(&repo, &range, args.limit)?;
    let model = relman_risk::default_model();
    let scored = relman_risk::score_newest(&model, &changes, args.limit);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        TextFormat::Json => {
            let ids: Vec<String> = scored.iter().map(|s| s.change.id.to_string()).collect();
            let output: Vec<RepoScoreOutput<'_>> = scored
                .iter()
                .zip(&ids)
                .map(|(s, id)| RepoScoreOutput {
                    commit: id,
                    summary: &s.change.summary,
                    probability: s.explanation.probability,
                    metrics: &s.metrics,
                    contributions: contributions(&s.explanation, args.top),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &output)?;
            writeln!(out)?;
        }
        TextFormat::Text => {
            for s in &scored {
                let id = s.change.id.to_string();
                let short = id.get(..10).unwrap_or(&id);
                let e = &s.explanation;
                writeln!(
                    out,
                    "{short} {:>5.1}%  {}",
                    100.0 * e.probability,
                    s.change.summary
                )?;
                let reasons: Vec<String> =
                    e.top(args.top).iter().map(ToString::to_string).collect();
                writeln!(out, "           because {}", reasons.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn contributions(e: &Explanation, top: usize) -> Vec<ContributionOutput<'_>> {
    e.top(top)
        .iter()
        .map(|c| ContributionOutput {
            feature: &c.feature,
            value: c.value,
            contribution: c.contribution,
        })
        .collect()
}

fn load(path: &Path) -> anyhow::Result<Vec<ChangeRow>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    read_csv(BufReader::new(file)).with_context(|| format!("cannot read {}", path.display()))
}
