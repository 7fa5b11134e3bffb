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
#![forbid(unsafe_code)]

pub mod store;
