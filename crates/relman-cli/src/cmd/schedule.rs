//! `relman schedule`: resource-constrained scheduling with relman-graph.
//!
//! `relman schedule PLAN.toml` schedules a release plan (format in `docs/schedule-plan.md`)
//! and renders it as text, JSON, Mermaid, SVG or iCalendar. `relman schedule psplib FILE...`
//! solves PSPLIB `.sm` instances and prints one result per instance (one JSON object per line
//! with `--format json`). The CLI reads the clock for
//! `--budget-ms` and hands the library a stop closure; `--schedules N` is fully deterministic.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use relman_graph::{PlanExport, PlanFile, SchedulePlanFileError};
use serde::Serialize;

/// Arguments of `relman schedule`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    command: Option<ScheduleCommand>,
    #[command(flatten)]
    plan: PlanArgs,
}

/// Output formats of `relman schedule PLAN.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Mermaid,
    Svg,
    Ics,
    Dot,
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// The plan file (TOML, see docs/schedule-plan.md).
    #[arg(required = true)]
    plan: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// `relman schedule PLAN.toml --format json`.
#[derive(Debug, Serialize)]
struct PlanOutput {
    title: String,
    makespan: i64,
    lower_bound: i64,
    finish_at: chrono::DateTime<chrono::Utc>,
    schedules: u64,
    tasks: Vec<PlanTaskOutput>,
}

#[derive(Debug, Serialize)]
struct PlanTaskOutput {
    id: String,
    start: i64,
    finish: i64,
    start_at: chrono::DateTime<chrono::Utc>,
    finish_at: chrono::DateTime<chrono::Utc>,
    critical: bool,
}

#[derive(Debug, Subcommand)]
enum ScheduleCommand {
    /// Solve PSPLIB single-mode `.sm` instances.
    Psplib(PsplibArgs),
}

/// Which clock measures `--budget-ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Clock {
    /// Elapsed real time.
    Wall,
    /// CPU time of the scheduling thread (Linux `/proc/thread-self/schedstat`; falls back to
    /// real time elsewhere), so that a budget means the same on a loaded machine.
    Cpu,
}

/// CPU time consumed by the calling thread, if the platform exposes it.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// A stopwatch over the chosen clock.
struct Stopwatch {
    clock: Clock,
    wall: Instant,
    cpu: Option<Duration>,
}

impl Stopwatch {
    fn start(clock: Clock) -> Self {
        let cpu = if clock == Clock::Cpu {
            thread_cpu_time()
        } else {
            None
        };
        Self {
            clock,
            wall: Instant::now(),
            cpu,
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.clock, self.cpu) {
            (Clock::Cpu, Some(start)) => thread_cpu_time()
                .map_or_else(|| self.wall.elapsed(), |now| now.saturating_sub(start)),
            _ => self.wall.elapsed(),
        }
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct PsplibArgs {
    /// Instance files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Time budget per instance in milliseconds.
    #[arg(long, conflicts_with = "schedules")]
    budget_ms: Option<u64>,
    /// Schedule-generation budget per instance (deterministic; at most 10,000,000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=PlanFile::MAX_SCHEDULES))]
    schedules: Option<u64>,
    /// Seed of the search.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Clock that measures `--budget-ms` (and `millis` in the output).
    #[arg(long, value_enum, default_value_t = Clock::Wall)]
    clock: Clock,
    /// Population size of the genetic algorithm.
    #[arg(long, default_value_t = 40)]
    population: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// One line of `relman schedule psplib --format json`.
#[derive(Debug, Serialize)]
struct PsplibLine {
    instance: String,
    makespan: i64,
    lower_bound: i64,
    schedules: u64,
    millis: u64,
    starts: Vec<i64>,
}

/// Runs `relman schedule`.
pub fn run(args: ScheduleArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(ScheduleCommand::Psplib(a)) => psplib(a),
        None => plan(args.plan),
    }
}

fn plan(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let path = args.plan.context("a plan file is required")?;
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file: PlanFile =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let scheduled = match file.schedule(&path.display().to_string()) {
        Ok(scheduled) => scheduled,
        Err(SchedulePlanFileError::Search(err)) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
        Err(err) => {
            return Err(err).with_context(|| format!("invalid plan {}", path.display()));
        }
    };
    let export = match args.format {
        PlanFormat::Json => None,
        PlanFormat::Text => Some(PlanExport::Text),
        PlanFormat::Mermaid => Some(PlanExport::Mermaid),
        PlanFormat::Svg => Some(PlanExport::Svg),
        PlanFormat::Ics => Some(PlanExport::Ics),
        PlanFormat::Dot => Some(PlanExport::Dot),
    };
    let rendered = match export {
        Some(export) => scheduled.render(export, chrono::Utc::now()),
        None => {
            let report = scheduled.report();
            let o = PlanOutput {
                title: scheduled.title,
                makespan: scheduled.outcome.makespan,
                lower_bound: scheduled.outcome.lower_bound,
                finish_at: report.finish_at,
                schedules: scheduled.outcome.schedules,
                tasks: report
                    .tasks
                    .into_iter()
                    .map(|t| PlanTaskOutput {
                        id: t.id,
                        start: t.start,
                        finish: t.finish,
                        start_at: t.start_at,
                        finish_at: t.finish_at,
                        critical: t.critical,
                    })
                    .collect(),
            };
            serde_json::to_string_pretty(&o)? + "\n"
        }
    };
    match args.output {
        Some(file) => relman_release::fs::write_atomic(&file, rendered)?,
        None => print!("{rendered}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn psplib(args: PsplibArgs) -> anyhow::Result<ExitCode> {
    let max_schedules = match (args.schedules, args.budget_ms) {
        (Some(n), _) => n,
        (None, Some(_)) => u64::MAX,
        (None, None) => 50_000,
    };
    let mut options = relman_graph::SearchOptions::new(args.seed, max_schedules);
    options.population = args.population;
    let mut code = ExitCode::SUCCESS;
    for file in &args.files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let plan =
            relman_graph::parse_sm(&text).with_context(|| format!("parsing {}", file.display()))?;
        let watch = Stopwatch::start(args.clock);
        let budget = args.budget_ms.map(Duration::from_millis);
        let out = relman_graph::search_until(&plan, &options, |_| {
            budget.is_none_or(|b| watch.elapsed() < b)
        })?;
        let millis = u64::try_from(watch.elapsed().as_millis()).unwrap_or(u64::MAX);
        if !relman_graph::verify(&plan, &out.schedule).is_empty() {
            code = ExitCode::from(1);
        }
        let line = PsplibLine {
            instance: file.file_stem().map_or_else(
                || file.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            ),
            makespan: out.makespan,
            lower_bound: out.lower_bound,
            schedules: out.schedules,
            millis,
            starts: out.schedule.starts,
        };
        match args.format {
            Format::Json => println!("{}", serde_json::to_string(&line)?),
            Format::Text => println!(
                "{}: makespan {} (lower bound {}), {} schedules in {} ms",
                line.instance, line.makespan, line.lower_bound, line.schedules, line.millis
            ),
        }
    }
    Ok(code)
}
