//! Errors shared by the repository operations, and the opaque wrapper of libgit2's errors.

use std::fmt;
use std::path::PathBuf;

use relman_model::{ChangeId, Revision};

/// A failure reported by libgit2, kept opaque so that git2's types are not part of the API.
#[derive(Debug)]
pub struct GitFailure(git2::Error);

impl GitFailure {
    /// libgit2's message.
    pub fn message(&self) -> &str {
        self.0.message()
    }
}

impl fmt::Display for GitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0.message())
    }
}

impl std::error::Error for GitFailure {}

impl From<git2::Error> for GitFailure {
    fn from(e: git2::Error) -> Self {
        Self(e)
    }
}

/// Returned by [`GitRepository::open`](crate::GitRepository::open).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenRepositoryError {
    /// No repository at the path or in any directory above it.
    #[error("no git repository at or above {path}")]
    NotFound {
        /// The path given.
        path: PathBuf,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
    /// The repository exists but its configuration or mailmap cannot be read.
    #[error("cannot read the repository at {path}")]
    Unreadable {
        /// The repository's git directory.
        path: PathBuf,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
}

/// Returned by the history operations of [`GitRepository`](crate::GitRepository): resolving
/// revisions, listing tags, walking commits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadHistoryError {
    /// `HEAD` names a branch that has no commit yet (a freshly initialised repository).
    #[error("branch {branch} has no commits yet")]
    UnbornHead {
        /// The branch `HEAD` points to, e.g. `refs/heads/main`.
        branch: String,
    },
    /// A revision (tag, branch, commit id, expression) names nothing in the repository.
    #[error("revision {revision} not found")]
    RevisionNotFound {
        /// The revision.
        revision: Revision,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
    /// A revision names an object that is not a commit and does not peel to one (a tag of a
    /// tree or a blob).
    #[error("revision {revision} does not name a commit")]
    NotACommit {
        /// The revision.
        revision: Revision,
    },
    /// The walk reached the boundary of a shallow clone: the commits below it are missing,
    /// so the range cannot be read completely. Fetch more history (`git fetch --unshallow`, or
    /// `fetch-depth: 0` in CI) or choose a range that ends above the boundary.
    #[error(
        "the range reaches the shallow boundary {boundary}: the history below it is missing (fetch more history, e.g. git fetch --unshallow)"
    )]
    ShallowHistory {
        /// The commit at the shallow boundary.
        boundary: ChangeId,
    },
    /// libgit2 failed while reading the object database or the references.
    #[error("cannot read the repository while {operation}")]
    Git {
        /// What was being done, e.g. `walking the history`.
        operation: &'static str,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
}

impl ReadHistoryError {
    pub(crate) fn git(operation: &'static str) -> impl FnOnce(git2::Error) -> Self {
        move |e| Self::Git {
            operation,
            source: e.into(),
        }
    }
}
