//! The git adapter of relman.
//!
//! `relman-git` reads a git repository (work tree or bare) into [`relman_model`] values: tags as
//! component versions, commits in a range as changes, optional per-commit diff stats. It is the
//! only relman crate that links libgit2 (through `git2`, without network features).
//!
//! It is not a git client: it never writes to the repository, fetches or checks out.
//!
//! # Main types
//!
//! - [`GitRepository`]: an open repository; implements the model's
//!   [`HistorySource`](relman_model::HistorySource) port. [`GitRepository::walk_with`] walks a
//!   [`RevisionRange`](relman_model::RevisionRange) with [`WalkOptions`] (merges, first parent,
//!   mailmap, per-component path filter, diff stats, reader threads).
//! - [`TagPattern`]: how release tags are named (`v{version}`, `{component}-v{version}`...);
//!   [`GitRepository::read_tags`] reads the reachable release tags and says why others were
//!   ignored ([`TagListing`]).
//! - [`GitRepository::discover_components`]: the members of a Cargo workspace as
//!   [`Component`](relman_model::Component)s, with their tag pattern ([`Workspace`]).
//! - Errors: [`OpenRepositoryError`], [`ReadHistoryError`] (unborn branches, missing revisions,
//!   shallow clones), [`DiscoverComponentsError`].
//!
//! # Documented results for unusual repositories
//!
//! - Detached `HEAD`: works like a branch; [`GitRepository::head`] says [`Head::Detached`].
//! - Unborn branch (no commit yet): walks of `HEAD` fail with [`ReadHistoryError::UnbornHead`].
//! - Missing tag or revision: [`ReadHistoryError::RevisionNotFound`] naming it.
//! - No release yet: [`HistorySource::last_release`](relman_model::HistorySource::last_release)
//!   is `None` and [`GitRepository::since_last_release`] covers the whole history.
//! - Shallow clone: a walk that reaches the shallow boundary fails with
//!   [`ReadHistoryError::ShallowHistory`]; walks that end above it work.
//!
//! # Example
//!
//! ```no_run
//! use relman_git::GitRepository;
//! use relman_model::{BumpPolicy, HistorySource, Revision};
//!
//! let mut repo = GitRepository::open(".")?;
//! let head = Revision::head();
//! let workspace = repo.discover_components(&head)?;
//! repo.set_tag_patterns(workspace.tag_patterns.clone());
//! let component = &workspace.components[0];
//! let (range, last) = repo.since_last_release(Some(&component.id), &head)?;
//! let mut options = repo.walk_options().clone();
//! options.paths(component.paths.clone());
//! let mut changes = Vec::new();
//! repo.walk_with(&range, &options, &mut |c| {
//!     changes.push(c);
//!     std::ops::ControlFlow::Continue(())
//! })?;
//! let current = last.map(|t| t.version);
//! let decision = BumpPolicy::default().decide(&changes, current.as_ref());
//! println!("{}: {}", component.id, decision.bump);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod error;
pub mod index;
mod repository;
pub mod szz;
mod walk;
mod workspace;

pub use error::{GitFailure, OpenRepositoryError, ReadHistoryError};
pub use relman_model::tag::{
    IgnoredTag, ParseTagPatternError, TagListing, TagPattern, TagPatternRejection, TagRejection,
};
pub use repository::{
    GitRepository, Head, ObjectVerification, RepositoryKind, set_object_verification,
};
pub use walk::{DiffStats, MailmapUse, Merges, Parents, WalkOptions};
pub use workspace::{DiscoverComponentsError, Layout, Workspace};

/// The Rust snippets of `docs/guide/relman-git.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-git.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
