//! Carries out an approved relman release plan: `relman release` as a library.
//!
//! Given a verified [`ReleasePlan`](relman_plan::ReleasePlan) and the environment ledger,
//! [`Release::run`] checks governance first ([`governance::check`]: the plan matches its
//! digest, its change request is approved and scheduled, its gates pass, no freeze is in
//! force; every [`Refusal`] at once, nothing changed), then runs the [`ReleaseStep`]s in order:
//! per wave, the version edits in every `Cargo.toml` (format and comments kept by `toml_edit`)
//! and the changelog sections; the `Cargo.lock` refresh; one `chore(release): ...` commit; an
//! annotated tag per released unit; the push; the publishes in dependency order under the
//! registry's rate limits, each waiting until the registry's index lists it. Every step done is
//! recorded in the ledger (`release_step_done`), so a run killed at any point and run again
//! continues where it stopped; a rerun also checks the world (the release commit by its
//! [`TRAILER`], existing tags, the registry's index), so it never tags or publishes twice.
//!
//! What it is not: a git client or a registry. It drives the `git` and `cargo` commands (no
//! shell: every argument is passed as is) and reads a registry index through the small
//! [`RegistryIndex`](registry::RegistryIndex) port. It never reads the clock or prints:
//! time comes from a [`Clock`], progress goes to the caller's callback.
//!
//! - [`engine`]: [`Release`], [`ReleaseOptions`], [`Mode`], [`ReleaseOutcome`], [`ReleaseError`].
//! - [`step`]: [`ReleaseStep`], the one sequence that dry runs print and runs carry out.
//! - [`governance`]: [`governance::check`] and [`Refusal`].
//! - [`workspace`]: the Cargo workspace, version edits, lock refresh, changelog insertion.
//! - [`git`]: commit, tags, push through the `git` command.
//! - [`registry`]: [`RegistryIndex`](registry::RegistryIndex), [`SparseIndex`](registry::SparseIndex),
//!   the publish command with retries and HTTP 429 handling.
//! - [`fs`]: [`write_atomic`](fs::write_atomic), the one atomic file write of relman.
//!
//! ```no_run
//! use relman_release::{Clock, Mode, Release, ReleaseOutcome};
//! use relman_release::registry::SparseIndex;
//! use relman_env::store::JournalStore;
//!
//! struct SystemClock;
//! impl Clock for SystemClock {
//!     fn now(&self) -> chrono::DateTime<chrono::Utc> { chrono::Utc::now() }
//!     fn sleep(&self, d: std::time::Duration) { std::thread::sleep(d) }
//! }
//!
//! let text = std::fs::read_to_string("target/release-plan/release-plan.json")?;
//! let plan = relman_plan::ReleasePlan::from_json(&text)?;
//! let config = relman_plan::ReleaseConfig::default();
//! let mut store = JournalStore::open(".relman/state")?.store;
//! let index = SparseIndex::new("https://index.crates.io");
//! let release = Release::new(&plan, &config, ".");
//! match release.run(&mut store, &index, &SystemClock, Mode::DryRun, &mut |_| {})? {
//!     ReleaseOutcome::Refused(reasons) => assert!(!reasons.is_empty()),
//!     _ => {}
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! No cargo features.
#![forbid(unsafe_code)]

pub mod engine;
pub mod fs;
pub mod git;
pub mod governance;
pub mod registry;
pub mod step;
pub mod workspace;

pub use engine::{
    Mode, Release, ReleaseError, ReleaseOptions, ReleaseOutcome, StepReport, StepStatus, TRAILER,
};
pub use governance::Refusal;
pub use step::ReleaseStep;

/// Time for the engine: the current time (events, rate limits, the index wait, HTTP 429 reset
/// times) and waiting. The library never reads the clock on its own; the CLI passes the
/// system clock, tests may pass their own.
pub trait Clock {
    /// The current time.
    fn now(&self) -> chrono::DateTime<chrono::Utc>;
    /// Waits for `duration`.
    fn sleep(&self, duration: std::time::Duration);
}
