//! Environment state for release management.
//!
//! `relman-env` keeps what runs where as an append-only ledger of events (deployments,
//! promotions, rollbacks, approvals, windows, locks), decides whether a deployment may go ahead and
//! why not, finds rollback targets and computes DORA metrics, with durable storage behind a trait.
//!
//! It never reads the clock: every decision takes `now` as an argument.
//!
//! - [`store`]: the [`Store`](store::Store) trait, the in-memory store and the durable journal
//!   store (append-only file, checksums, fsync, crash recovery, snapshots, OS file lock).
//! - [`Event`]: what the ledger records; [`EnvState`]: the fold of the ledger (what runs where,
//!   leases, quarantines, drift, rollback targets).
//! - [`Lifecycle`] and [`can_deploy`]: promotion phases and the deploy decision with every
//!   [`Blocker`].
//! - [`RecurringWindow`]: windows on a cron schedule in an IANA time zone (DST-correct).
//! - [`change`]: change requests replayed through relman-model's state machine, and recorded
//!   quality-gate verdicts ([`EnvState::change_request`], [`EnvState::gate_verdicts`]).
//! - [`canary`]: recorded canary verdicts, a version judged against its baseline from its
//!   metrics ([`EnvState::canary_verdicts`]).
//! - [`ops`]: environment operations (deploy, promote, rollback, lock...) from typed requests
//!   to the events to append or a typed refusal, and the views a tool prints.
//! - [`dora`]: DORA metrics from the ledger, rated against versioned performance bands.
//! - [`review`](mod@review): the post-release review of a change request, a component version
//!   or a release name as a [`Review`](review::Review) value, with a Markdown rendering.
//!
//! The on-disk journal format is documented in [`store::journal`] and `docs/env-store.md`.
//!
//! # Features
//!
//! - `postgres` (off by default): `store::postgres`, the `PgStore` ledger on a PostgreSQL server
//!   for teams whose CI runs on many machines, with the blocking `postgres` client (no TLS).
//!
//! What it is not: a deployment tool. It records what happened and decides what may happen;
//! the caller deploys, and reports back with events.
//!
//! ```
//! use relman_env::store::{LineageId, MemoryStore, Revision, Store};
//! use relman_env::{Blocker, DeployRequest, EnvState, Event, EventKind, Lifecycle, Outcome, can_deploy};
//! use relman_model::Environment;
//!
//! let now = "2026-11-28T10:00:00Z".parse()?;
//! let envs = Environment::pipeline(["staging", "production"].map(|n| n.parse().unwrap()));
//! let mut store = MemoryStore::new(LineageId::new("demo")?);
//! let declared = Event::new(now, None, EventKind::EnvironmentsDeclared { environments: envs.clone() });
//! store.append(Revision::ZERO, &[declared])?;
//!
//! let state = EnvState::fold(&store.load()?);
//! let request = DeployRequest::new("production".parse()?, "api".parse()?, "1.0.0".parse()?);
//! let decision = can_deploy(&state, &Lifecycle::from_environments(&envs), &request, now);
//! assert_eq!(decision.outcome, Outcome::Refused);
//! // Staging must succeed first, and production is protected: it needs an approval.
//! assert!(matches!(decision.blockers[0], Blocker::PreviousPhase { .. }));
//! assert!(decision.blockers.contains(&Blocker::MissingDigest));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod canary;
pub mod change;
pub mod dora;
pub mod event;
pub mod ops;
pub mod policy;
pub mod recurring;
pub mod review;
pub mod state;
pub mod store;

pub use canary::{
    CanaryClassification, CanaryMetricOutcome, CanaryVerdict, CanaryVerdictRecord, Figure,
};
pub use change::{
    ApplyChangeEventError, Assessment, ChangeRequestDraft, ChangeRequestEntry, ChangeRequestView,
    ChangeTransition, GateOutcome, GateVerdictRecord, OpenChangeRequest, OpenChangeRequestError,
    PlannedWindow, RejectedEvent,
};
pub use event::{CommandStatus, DeployReason, DeployStep, Event, EventKind, ShippedChange};
pub use policy::{
    AutoPromote, Blocker, Decision, DeployRequest, Lifecycle, Outcome, Phase, Requirement,
    can_deploy,
};
pub use recurring::{NewRecurringWindowError, RecurringWindow};
pub use state::{
    ApprovalRecord, Deployment, DeploymentStatus, Drift, EnvState, Incident, Lease, Quarantine,
};

/// The Rust snippets of `docs/guide/relman-env.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-env.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
