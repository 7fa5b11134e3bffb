//! Deployment execution for relman: runs the configured deploy command of an environment under
//! relman-env's policy and lease, checks health, rolls failures back and records every step in
//! the ledger.
//!
//! What it is not: a policy engine or a store. Whether a deployment may go ahead is
//! relman-env's [`can_deploy`](relman_env::can_deploy); what happened is relman-env's ledger.
//! This crate is the part that acts: it spawns processes. It never prints, never reads the
//! clock on its own (a [`Clock`] is given) and never reads environment variables (it sets
//! them for the commands it runs).
//!
//! # Main types
//!
//! - [`config::EnvironmentConfig`]: `[environments.NAME]` of `relman.toml`: the `deploy`
//!   command, optional `pre` / `post` hooks, a per-command `timeout`, and the health check
//!   ([`config::HealthConfig`]: `command`, `retries`, `interval`, `timeout`). Commands are
//!   [`config::CommandLine`]s: an argv, never run by a shell.
//! - [`Deployer`]: over a [`Store`](relman_env::store::Store) of the ledger, the settings of
//!   each environment and a [`Clock`]. [`Deployer::deploy`] returns a [`DeployReport`] (deployed,
//!   refused with every [`Refusal`], rolled back, failed); [`Deployer::promote`] moves a version
//!   through the lifecycle, acting on auto-promotion, and returns a [`PromoteReport`].
//! - [`process`]: one command run with a timeout, its exit status and the bounded, escaped tail
//!   of its output.
//!
//! The steps of a deployment, the lease and the in-doubt rule are described in [`engine`] and
//! in `docs/deploy.md`.
//!
//! # What commands are told
//!
//! Only environment variables, never text spliced into a command line:
//!
//! | variable | value |
//! |---|---|
//! | `RELMAN_ENV` | the environment |
//! | `RELMAN_COMPONENT` | the component |
//! | `RELMAN_VERSION` | the version to deploy (or check, or roll back to) |
//! | `RELMAN_PREVIOUS_VERSION` | the version that ran before (the failed one, in a rollback); empty when none |
//! | `RELMAN_DEPLOYMENT_ID` | the deployment's id: the ledger revision of its `deployment_started` |
//! | `RELMAN_REASON` | `planned`, `promotion`, `rollback` or `hotfix` |
//! | `RELMAN_STEP` | `pre`, `deploy`, `health` or `post` |
//! | `RELMAN_ATTEMPT` | the health check's attempt, from 1 |
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeMap;
//! use relman_deploy::config::{EnvironmentConfig, HealthConfig};
//! use relman_deploy::{Clock, DeployOptions, DeployOutcome, Deployer};
//! use relman_env::ops::{self, LifecycleKind};
//! use relman_env::store::{LineageId, MemoryStore, Revision, Store};
//! use relman_env::DeployRequest;
//!
//! struct Fixed;
//! impl Clock for Fixed {
//!     fn now(&self) -> chrono::DateTime<chrono::Utc> {
//!         "2026-12-01T10:00:00Z".parse().expect("a time")
//!     }
//! }
//!
//! let mut store = MemoryStore::new(LineageId::new("demo")?);
//! store.append(Revision::ZERO, &ops::init(vec!["dev".parse()?], LifecycleKind::Open, Fixed.now()))?;
//! let mut config = EnvironmentConfig::new("true".parse()?);
//! config.health = Some(HealthConfig::new("true".parse()?));
//! let environments = BTreeMap::from([("dev".parse()?, config)]);
//!
//! let mut deployer = Deployer::new(&mut store, &environments, &Fixed, DeployOptions::default());
//! let report = deployer.deploy(DeployRequest::new("dev".parse()?, "api".parse()?, "1.0.0".parse()?))?;
//! assert_eq!(report.outcome, DeployOutcome::Deployed);
//! assert_eq!(report.commands.len(), 2, "deploy, then the health check");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! None.
#![forbid(unsafe_code)]

pub mod config;
pub mod engine;
pub mod process;

pub use engine::{
    CommandReport, CommandStart, DeployError, DeployOptions, DeployOutcome, DeployReport, Deployer,
    InDoubtReport, InDoubtResolution, Observer, PromoteAction, PromoteReport, PromoteRequest,
    PromoteStep, Refusal, RollbackReport,
};

/// Where a [`Deployer`] reads the time: the ledger's timestamps, lease ends and command
/// timeouts. The CLI passes the system clock; tests may pass their own.
pub trait Clock {
    /// The time now.
    fn now(&self) -> chrono::DateTime<chrono::Utc>;

    /// Waits `duration` (between polls of a running command and between health checks). The
    /// default sleeps the thread.
    fn sleep(&self, duration: std::time::Duration) {
        std::thread::sleep(duration);
    }
}

/// The Rust snippets of `docs/guide/relman-deploy.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-deploy.md")]
pub struct GuideDoctests;
