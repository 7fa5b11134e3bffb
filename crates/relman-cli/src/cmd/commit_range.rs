//! `relman commit check --repo P --range A..B`: checks every commit message of a range.
//!
//! Every commit whose message is not a Conventional Commit is reported on stdout with its id,
//! summary, and the line, column and reason of the fault (the offending line with a caret
//! under the column); the exit code is 1 if any commit offends, 0 otherwise. Merge commits are
//! skipped (git writes their messages). Exit code 2 for usage or repository errors.

use std::ops::ControlFlow;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use relman_git::{GitRepository, WalkOptions};
use relman_model::RevisionRange;
use relman_model::commit::{ConventionalCommit, ParseOptions};

/// Checks the commits of `range` in the repository at `repo`.
pub fn check_range(repo: &Path, range: &str, options: &ParseOptions) -> anyhow::Result<ExitCode> {
    let git = GitRepository::open(repo)
        .with_context(|| format!("cannot open the repository {}", repo.display()))?;
    let range: RevisionRange = range.parse().context("invalid --range")?;
    let walk = WalkOptions::new();
    let mut checked = 0usize;
    let mut offending = 0usize;
    let mut report = String::new();
    git.walk_messages(&range, &walk, &mut |id, message| {
        checked += 1;
        if let Err(err) = ConventionalCommit::parse_with(message, options) {
            offending += 1;
            let short = id.as_str().get(..10).unwrap_or(id.as_str());
            let summary = message.trim_start().lines().next().unwrap_or("");
            report.push_str(&format!(
                "{short} {summary}\n{}",
                super::commit::render_error(message, &err)
            ));
        }
        ControlFlow::Continue(())
    })
    .with_context(|| format!("cannot read the commits of {range}"))?;
    print!("{}", relman_model::text::escape_control(&report));
    println!("{offending} of {checked} commits in {range} are not Conventional Commits");
    Ok(if offending > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
