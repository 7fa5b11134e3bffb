//! `relman`: the command-line tool that composes the relman libraries.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only parses the command line
//! and maps errors to exit codes. Human output by default, `--format json` for scripts.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cmd;
mod config;
mod evidence;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Release management from the command line.
#[derive(Debug, Parser)]
#[command(name = "relman", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Changelog(args) => cmd::changelog::run(args),
        Command::Commit(args) => cmd::commit::run(args),
        Command::Bump(args) => cmd::bump::run(args),
        Command::Gate(args) => cmd::gate::run(args),
        Command::Risk(args) => cmd::risk::run(args),
        Command::Env(args) => cmd::env::run(args),
        Command::Graph(args) => cmd::graph::run(args),
        Command::Schedule(args) => cmd::schedule::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
