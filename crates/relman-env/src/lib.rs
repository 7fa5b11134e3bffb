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
//! - [`dora`]: DORA metrics from the ledger, rated against versioned performance bands.
//!
//! The on-disk journal format is documented in [`store::journal`] and `docs/env-store.md`.
#![forbid(unsafe_code)]

pub mod dora;
pub mod event;
pub mod policy;
pub mod state;
pub mod store;

pub use event::{DeployReason, Event, EventKind, ShippedChange};
pub use policy::{
    AutoPromote, Blocker, Decision, DeployRequest, Lifecycle, Outcome, Phase, Requirement,
    can_deploy,
};
pub use state::{
    ApprovalRecord, Deployment, DeploymentStatus, Drift, EnvState, Incident, Lease, Quarantine,
};
