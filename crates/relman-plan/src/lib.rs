//! The release as a library: from a history and a configuration to release decisions and a
//! release plan, the composition layer of relman (the role `gitoxide-core` plays for `gix`).
//!
//! relman's engines each answer one question (`relman-graph`: in which order; `relman-risk`:
//! how risky; `relman-changelog`: what to tell; `relman-env`: what runs where). This crate
//! composes them into the answers a release manager asks for, and is what the `relman` binary
//! calls:
//!
//! - [`config`]: `relman.toml` / `[workspace.metadata.relman]`, with precise errors;
//! - [`units`]: which components are released together under which tag series (tag rules,
//!   version groups, `publish = false` left out);
//! - [`decide`](mod@decide): the next version of each unit with its evidence (commit rules, the policy
//!   learned from the repository's own releases, patch releases for other changes, releases
//!   of dependents).
//!
//! It is not a git library: it reads history only through `relman-model`'s
//! [`HistorySource`](relman_model::HistorySource) port, so it builds without libgit2. The `git`
//! feature adds the convenience of opening a repository with `relman-git`.
//!
//! # Features
//!
//! - `git` (off by default): `repo` opens a git repository with `relman-git` and reads its
//!   workspace, links libgit2.
#![forbid(unsafe_code)]

pub mod config;
pub mod decide;
pub mod init;
pub mod plan;
#[cfg(feature = "git")]
pub mod repo;
pub mod report;
pub mod units;

pub use config::{Config, ConfigSource, LoadConfigError, ReleaseConfig};
pub use decide::{DecideError, DecideOptions, Decision, Evidence, Reason, decide, propagate};
pub use plan::{PlanError, PlanOptions, PlannedRelease, ReleasePlan, plan};
pub use units::{ReleaseUnitsError, Unit, UnitInputs, release_units};

/// The example of the crate's README, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
