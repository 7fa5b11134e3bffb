//! `relman commit`: parse and check Conventional Commit messages.
//!
//! - `relman commit parse [MESSAGE | -] [--format text|json] [--lenient]` prints the parsed
//!   message; an invalid message exits 1 with line, column and reason on stderr.
//! - `relman commit check [MESSAGE | -] [--lenient]` exits 0 when the message is valid and 1
//!   with the reason when it is not (usable as a `commit-msg` hook: `relman commit check - < "$1"`).
//!
//! Without MESSAGE, or with `-`, the message is read from stdin. Exit code 2 means a usage or
//! I/O error.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use relman_model::commit::{ConventionalCommit, ParseCommitError, ParseOptions};
use serde::Serialize;

/// Arguments of `relman commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    #[command(subcommand)]
    command: CommitCommand,
}

#[derive(Debug, Subcommand)]
enum CommitCommand {
    /// Parse a Conventional Commit message and print its parts.
    Parse {
        /// The message, or `-` (the default) to read it from stdin.
        message: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Accept a missing space after the colon and a missing blank line after the header.
        #[arg(long)]
        lenient: bool,
    },
    /// Check that a message is a valid Conventional Commit (exit 0) or say why not (exit 1).
    Check {
        /// The message, or `-` (the default) to read it from stdin.
        message: Option<String>,
        /// Accept a missing space after the colon and a missing blank line after the header.
        #[arg(long)]
        lenient: bool,
        /// Check the commits of a range (`A..B`, `A..`, `B`) of a repository instead of a message.
        #[arg(long, conflicts_with = "message")]
        range: Option<String>,
        /// The repository of `--range`.
        #[arg(long, default_value = ".", requires = "range")]
        repo: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The JSON printed by `relman commit parse --format json`; kept apart from the library types
/// so that a library refactor cannot change it silently.
#[derive(Debug, Serialize)]
struct ParsedCommitOutput<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    scope: Option<&'a str>,
    breaking: bool,
    breaking_description: Option<&'a str>,
    description: &'a str,
    body: Option<&'a str>,
    footers: Vec<FooterOutput<'a>>,
    issues: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct FooterOutput<'a> {
    token: &'a str,
    separator: &'a str,
    value: &'a str,
}

impl<'a> ParsedCommitOutput<'a> {
    fn new(c: &'a ConventionalCommit) -> Self {
        Self {
            kind: c.kind.as_str(),
            scope: c.scope.as_ref().map(|s| s.as_str()),
            breaking: c.is_breaking(),
            breaking_description: c.breaking.as_ref().map(|b| b.description.as_str()),
            description: &c.description,
            body: c.body.as_deref(),
            footers: c
                .footers
                .iter()
                .map(|f| FooterOutput {
                    token: f.token.as_str(),
                    separator: f.separator.as_str(),
                    value: &f.value,
                })
                .collect(),
            issues: c.issues.iter().map(|i| i.as_str()).collect(),
        }
    }
}

/// Runs `relman commit`.
pub fn run(args: CommitArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CommitCommand::Parse {
            message,
            format,
            lenient,
        } => {
            let message = read_message(message)?;
            match ConventionalCommit::parse_with(&message, &options(lenient)) {
                Ok(commit) => {
                    match format {
                        Format::Json => println!(
                            "{}",
                            serde_json::to_string_pretty(&ParsedCommitOutput::new(&commit))
                                .context("cannot serialize the parsed commit")?
                        ),
                        Format::Text => print!(
                            "{}",
                            relman_model::text::escape_control(&render_text(&commit))
                        ),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(err) => {
                    eprint!(
                        "{}",
                        relman_model::text::escape_control(&render_error(&message, &err))
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        CommitCommand::Check {
            range: Some(range),
            repo,
            lenient,
            ..
        } => super::commit_range::check_range(&repo, &range, &options(lenient)),
        CommitCommand::Check {
            message, lenient, ..
        } => {
            let message = read_message(message)?;
            match ConventionalCommit::parse_with(&message, &options(lenient)) {
                Ok(_) => Ok(ExitCode::SUCCESS),
                Err(err) => {
                    eprint!(
                        "{}",
                        relman_model::text::escape_control(&render_error(&message, &err))
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn options(lenient: bool) -> ParseOptions {
    if lenient {
        ParseOptions::lenient()
    } else {
        ParseOptions::strict()
    }
}

fn read_message(message: Option<String>) -> anyhow::Result<String> {
    match message.as_deref() {
        None | Some("-") => {
            let mut buf = String::new();
            std::io::stdin()
                .read_to_string(&mut buf)
                .context("cannot read the commit message from stdin")?;
            Ok(buf)
        }
        Some(text) => Ok(text.to_owned()),
    }
}

/// `error: <reason> at line L, column C`, then the offending line and a caret under the column.
pub(crate) fn render_error(message: &str, err: &ParseCommitError) -> String {
    let mut out = format!("error: invalid commit message: {err}\n");
    if let Some(line) = message.split('\n').nth(err.line - 1) {
        let line = line.trim_end_matches('\r');
        let prefix = format!("{:>4} | ", err.line);
        out.push_str(&format!("{prefix}{line}\n"));
        out.push_str(&format!(
            "{}^\n",
            " ".repeat(prefix.chars().count() + err.column - 1)
        ));
    }
    out
}

fn render_text(c: &ConventionalCommit) -> String {
    let mut out = format!("type:        {}\n", c.kind);
    if let Some(scope) = &c.scope {
        out.push_str(&format!("scope:       {scope}\n"));
    }
    match &c.breaking {
        Some(b) => out.push_str(&format!(
            "breaking:    yes: {}\n",
            b.description.replace('\n', "\n             ")
        )),
        None => out.push_str("breaking:    no\n"),
    }
    out.push_str(&format!("description: {}\n", c.description));
    if let Some(body) = &c.body {
        out.push_str("body:\n");
        for line in body.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    if !c.footers.is_empty() {
        out.push_str("footers:\n");
        for footer in &c.footers {
            out.push_str(&format!(
                "    {}\n",
                footer.to_string().replace('\n', "\n    ")
            ));
        }
    }
    if !c.issues.is_empty() {
        let issues: Vec<&str> = c.issues.iter().map(|i| i.as_str()).collect();
        out.push_str(&format!("issues:      {}\n", issues.join(", ")));
    }
    out
}
