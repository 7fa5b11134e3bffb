//! `relman init [--repo P] [--force]`: writes a commented `relman.toml` at the repository root
//! from what relman detects (the `origin` remote, the release units and their tag series), with
//! every other section at relman's defaults as comments. An existing configuration
//! (`relman.toml` or `[workspace.metadata.relman]`) is left alone (exit 1) unless `--force`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use relman_model::Revision;
use relman_plan::repo::Repository;

/// Arguments of `relman init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Replace an existing relman.toml.
    #[arg(long)]
    force: bool,
}

/// Runs `relman init`.
///
/// # Errors
///
/// Not a repository, unreadable manifests or tags, or an unwritable file (exit 2).
pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let repo = Repository::open(&args.repo)?;
    let path = repo.root().join("relman.toml");
    let (_, existing) = repo.config(None)?;
    if !args.force && existing != relman_plan::ConfigSource::Defaults {
        eprintln!(
            "error: the repository is configured already ({existing}); relman init leaves it \
             alone (--force writes relman.toml anyway)"
        );
        return Ok(ExitCode::from(1));
    }
    // Detect with relman's defaults, as if there were no configuration.
    let config = relman_plan::Config::default();
    let source = relman_plan::ConfigSource::Defaults;
    let units = repo
        .units(&config, &source, &Revision::head())
        .context("cannot read the release units")?;
    let remote = repo.git().remote_url("origin").ok().flatten();
    let text = relman_plan::init::starter_config(&units, remote.as_deref());
    relman_release::fs::write_atomic(&path, text)?;
    let names: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
    eprintln!(
        "wrote {} with {} release unit(s): {}",
        path.display(),
        units.len(),
        names.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
