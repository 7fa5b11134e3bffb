//! `relman`: the command-line tool that composes the relman libraries.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only parses the command line
//! and maps errors to exit codes. Human output by default, `--format json` for scripts.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cmd;

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Release management from the command line.
#[derive(Debug, Parser)]
#[command(name = "relman", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Read the whole history afresh (every diff, the change-metrics fold, tag reachability,
    /// SZZ traces) instead of resuming from the history index kept in the git directory
    /// (`.git/relman/index`), and leave the index alone.
    #[arg(long, global = true)]
    no_index: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a changelog, release notes or JSON from the git history.
    Changelog(cmd::changelog::ChangelogArgs),
    /// Parse and check Conventional Commit messages.
    Commit(cmd::commit::CommitArgs),
    /// Compute the next version of a component from its changes since its last release.
    Bump(cmd::bump::BumpArgs),
    /// Quality gates over test results.
    Gate(cmd::gate::GateArgs),
    /// Change risk: train, score and evaluate models on change data.
    Risk(cmd::risk::RiskArgs),
    /// Environment state: deployments, promotions, rollbacks, locks, history, DORA metrics.
    Env(cmd::env::EnvArgs),
    /// Release order and waves of a Cargo workspace.
    Graph(cmd::graph::GraphArgs),
    /// Schedule tasks under precedence and resource limits.
    Schedule(cmd::schedule::ScheduleArgs),
    /// The release plan of a repository: versions, changelogs, risk, schedule, change request.
    Plan(cmd::plan::PlanArgs),
    /// Change requests: open, assess, approve (bound to the plan digest), schedule, close.
    Change(cmd::change::ChangeArgs),
    /// The post-release review: deployments, incidents, DORA before/after, follow-ups.
    Review(cmd::review::ReviewArgs),
    /// The release status report: plan, risk, gates, approvals, environments, Gantt chart.
    Report(cmd::report::ReportArgs),
    /// Write a commented relman.toml from what relman detects in the repository.
    Init(cmd::init::InitArgs),
    /// Print the shell completion script (bash, elvish, fish, powershell, zsh).
    Completions(cmd::completions::CompletionsArgs),
    /// Judge a canary against its baseline from their metrics, and record the verdict.
    #[command(disable_version_flag = true)]
    Verify(cmd::verify::VerifyArgs),
    /// Deploy a version to an environment: policy, lease, deploy command, health check, rollback.
    #[command(disable_version_flag = true)]
    Deploy(cmd::deploy::DeployArgs),
    /// Move a version through the lifecycle as far as policy and auto-promotion allow.
    #[command(disable_version_flag = true)]
    Promote(cmd::deploy::PromoteArgs),
    /// Carry out an approved release plan: versions, changelogs, commit, tags, push, publish.
    Release(cmd::release::ReleaseArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `println!` panics when stdout is a closed pipe (`relman ... | head`). That is not an error
    // of relman's: stop quietly with success, as coreutils do, instead of printing a panic.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_closed_stdout(info.payload()) {
            default_hook(info);
        }
    }));
    match std::panic::catch_unwind(AssertUnwindSafe(|| run(cli))) {
        Ok(code) => code,
        Err(payload) if is_closed_stdout(payload.as_ref()) => ExitCode::SUCCESS,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Whether a panic payload is std's "failed printing to stdout" on a broken pipe.
fn is_closed_stdout(payload: &(dyn Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

fn run(cli: Cli) -> ExitCode {
    cmd::set_no_index(cli.no_index);
    // As `git log` does: objects are checked when they enter the repository (fetch, fsck),
    // not re-hashed on every read.
    relman_git::set_object_verification(relman_git::ObjectVerification::Trust);
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Bump(args) => cmd::bump::run(args),
        Command::Changelog(args) => cmd::changelog::run(args),
        Command::Commit(args) => cmd::commit::run(args),
        Command::Env(args) => cmd::env::run(args),
        Command::Gate(args) => cmd::gate::run(args),
        Command::Graph(args) => cmd::graph::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Risk(args) => cmd::risk::run(args),
        Command::Schedule(args) => cmd::schedule::run(args),
        Command::Change(args) => cmd::change::run(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Completions(args) => Ok(cmd::completions::run(&args)),
        Command::Init(args) => cmd::init::run(&args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Deploy(args) => cmd::deploy::run(args),
        Command::Promote(args) => cmd::deploy::run_promote(args),
        Command::Release(args) => cmd::release::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit_code_of(&err))
        }
    }
}

/// 1 when nothing was done and the input is not at fault: a plan edited after planning, or a
/// write that kept meeting concurrent writers (run it again); 2 for every other error (usage,
/// I/O, bad input).
fn exit_code_of(err: &anyhow::Error) -> u8 {
    let refused = err.chain().any(|e| {
        matches!(
            e.downcast_ref::<relman_plan::plan::ReadPlanError>(),
            Some(relman_plan::plan::ReadPlanError::DigestMismatch { .. })
        ) || matches!(
            e.downcast_ref::<relman_env::store::TransactError<std::convert::Infallible>>(),
            Some(relman_env::store::TransactError::Contended { .. })
        )
    });
    if refused { 1 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::exit_code_of;

    #[test]
    fn refusals_exit_1_and_other_errors_2() {
        let contended = anyhow::Error::from(relman_env::store::TransactError::<
            std::convert::Infallible,
        >::Contended {
            attempts: 5,
        })
        .context("cannot record the deployment");
        assert_eq!(exit_code_of(&contended), 1);
        let edited = relman_plan::plan::ReleasePlan::from_json("{\"schema_version\": 1}")
            .map(|_| ())
            .map_err(anyhow::Error::from);
        // Not a complete plan: a syntax error, which is the input's fault.
        assert_eq!(exit_code_of(&edited.expect_err("incomplete")), 2);
        let io = anyhow::Error::from(std::io::Error::other("disk full"));
        assert_eq!(exit_code_of(&io), 2);
    }
}
