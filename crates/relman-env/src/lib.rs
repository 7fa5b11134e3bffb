//! Environment state for release management.
//!
//! `relman-env` keeps what runs where as an append-only ledger of events (deployments,
//! promotions, rollbacks, approvals, windows, locks), decides whether a deployment may go ahead and
//! why not, finds rollback targets and computes DORA metrics, with durable storage behind a trait.
//!
//! It never reads the clock: every decision takes `now` as an argument.
#![forbid(unsafe_code)]
