//! Core types of relman, the release-management libraries.
//!
//! `relman-model` is the shared vocabulary every other relman crate speaks: identifiers,
//! versions and bump rules, changes (Conventional Commits), components, releases and their
//! lifecycle, change requests and approvals, quality gates, environments and risks. It depends on
//! no other relman crate, does no I/O and never reads the clock.
#![forbid(unsafe_code)]

pub mod id;

pub use id::{
    ChangeId, ChangeRequestId, ComponentId, EnvironmentId, GateId, IdRejection, ParseIdError,
    PersonId, ReleaseId, RiskId,
};
