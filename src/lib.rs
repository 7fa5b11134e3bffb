//! relman: release management as a set of embeddable Rust libraries.
//!
//! This facade re-exports the relman crates under short module names, so an application can
//! depend on one crate and reach them all:
//!
//! | module | crate | owns |
//! |---|---|---|
//! | [`model`] | `relman-model` | the shared core types: versions and bumps, changes, components, released versions, change requests, gates, environments, risks |
//! | `graph` | `relman-graph` | component dependency graphs and release task scheduling |
//! | `risk` | `relman-risk` | change- and release-risk scoring |
//! | `changelog` | `relman-changelog` | changelogs and release notes |
//! | `env` | `relman-env` | environment state, promotion policy, durable history, DORA metrics |
//! | `git` | `relman-git` | the git adapter |
//! | `plan` | `relman-plan` | the composition layer: configuration, tag and bump rules, the release plan, its digest and report |
//! | `evidence` | `relman-evidence` | the test-evidence adapter: JUnit XML, Cobertura and LCOV into test runs |
//! | `canary` | `relman-canary` | canary analysis: a canary judged against its baseline from metric samples |
//! | `deploy` | `relman-deploy` | deployment execution: deploy commands, health checks, rollback, in-doubt recovery |
//! | `release` | `relman-release` | the execution of an approved plan: version and changelog edits, commit, tags, push, publish, resumable |
//!
//! Tool authors who need only one capability depend on that crate alone; every crate speaks only
//! [`model`] types to its peers.
//!
//! It is not a command-line tool (that is `relman-cli`) and adds no code of its own.
//!
//! # Example
//!
//! ```
//! use relman::model::{Bump, BumpPolicy, Change, Person, ReleaseChannel, Version, next_version};
//!
//! let ada = Person::new("Ada Park", "ada@example.org");
//! let at = "2026-11-28T12:00:00Z".parse()?;
//! let changes = [Change::from_message("3f2a9c0e11".parse()?, "feat(api): add /health", ada, at)];
//! let current: Version = "1.4.2".parse()?;
//! let decision = BumpPolicy::default().decide(&changes, Some(&current));
//! assert_eq!(decision.bump, Bump::Minor);
//! let next = next_version(Some(&current), decision.bump, &ReleaseChannel::Stable)?;
//! assert_eq!(next, Some(Version::new(1, 5, 0)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `examples/` holds runnable programs that embed the libraries through this facade.
//!
//! # Features
//!
//! [`model`] is always there; each other module is behind the feature of the same name, all on by
//! default. Without `git`, nothing links libgit2: `relman = { version = "0.1",
//! default-features = false, features = ["graph"] }` gives `model` and `graph` only.
//!
//! | feature | enables | default |
//! |---|---|---|
//! | `graph` | `relman::graph` (`relman-graph`) | yes |
//! | `risk` | `relman::risk` (`relman-risk`) | yes |
//! | `changelog` | `relman::changelog` (`relman-changelog`) | yes |
//! | `env` | `relman::env` (`relman-env`) | yes |
//! | `git` | `relman::git` (`relman-git`, links libgit2); with `plan`, also `relman::plan::repo` | yes |
//! | `plan` | `relman::plan` (`relman-plan`, which uses every engine) | yes |
//! | `evidence` | `relman::evidence` (`relman-evidence`) | yes |
//! | `canary` | `relman::canary` (`relman-canary`) | yes |
//! | `deploy` | `relman::deploy` (`relman-deploy`, spawns processes) | yes |
//! | `release` | `relman::release` (`relman-release`, runs git and cargo) | yes |
#![forbid(unsafe_code)]

// One re-export per crate; a new crate adds its optional dependency and feature in Cargo.toml,
// a `#[cfg(feature = "...")]` line here and a row in both tables above.
#[cfg(feature = "canary")]
pub use relman_canary as canary;
#[cfg(feature = "changelog")]
pub use relman_changelog as changelog;
#[cfg(feature = "deploy")]
pub use relman_deploy as deploy;
#[cfg(feature = "env")]
pub use relman_env as env;
#[cfg(feature = "evidence")]
pub use relman_evidence as evidence;
#[cfg(feature = "git")]
pub use relman_git as git;
#[cfg(feature = "graph")]
pub use relman_graph as graph;
pub use relman_model as model;
#[cfg(feature = "plan")]
pub use relman_plan as plan;
#[cfg(feature = "release")]
pub use relman_release as release;
#[cfg(feature = "risk")]
pub use relman_risk as risk;

/// The examples of `README.md`, compiled and run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
