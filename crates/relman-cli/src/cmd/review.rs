//! `relman review RELEASE`: the post-release review.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// Arguments of `relman review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The release.
    release: String,
}

/// Runs `relman review`.
pub fn run(_args: ReviewArgs) -> Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
