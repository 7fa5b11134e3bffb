//! relman: release management as a set of embeddable Rust libraries.
//!
//! This facade re-exports the relman crates under short module names, so an application can
//! depend on one crate and reach them all:
//!
//! | module | crate | owns |
//! |---|---|---|
//! | [`model`] | `relman-model` | the shared core types: versions and bumps, changes, components, releases, change requests, gates, environments, risks |
//! | [`graph`] | `relman-graph` | component dependency graphs and release task scheduling |
//! | [`risk`] | `relman-risk` | change- and release-risk scoring |
//! | [`changelog`] | `relman-changelog` | changelogs and release notes |
//! | [`env`](mod@env) | `relman-env` | environment state, promotion policy, durable history, DORA metrics |
//! | [`git`] | `relman-git` | the git adapter |
//! | [`plan`] | `relman-plan` | the composition layer: configuration, tag and bump rules, the release plan, its digest and report |
//!
//! Tool authors who need only one capability depend on that crate alone; every crate speaks only
//! [`model`] types to its peers.
#![forbid(unsafe_code)]

pub use relman_changelog as changelog;
pub use relman_env as env;
pub use relman_git as git;
pub use relman_graph as graph;
pub use relman_model as model;
pub use relman_plan as plan;
pub use relman_risk as risk;
