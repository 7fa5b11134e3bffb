//! A git repository as the planner's input (feature `git`): the history port, the workspace
//! members at a revision, the configuration and the release units, read with `relman-git`.

use std::path::{Path, PathBuf};

use relman_git::{DiscoverComponentsError, GitRepository, OpenRepositoryError, ReadHistoryError};
use relman_model::{Component, ComponentId, HistorySource, Revision};

use chrono::{DateTime, Utc};

use crate::config::{self, Config, ConfigSource, LoadConfigError};
use crate::plan::{PlanError, PlanOptions, PlannedRelease};
use crate::units::{ReleaseUnitsError, Unit, UnitInputs, release_units};

/// An opened repository: a work tree, a directory inside one, or a bare repository.
#[derive(Debug)]
pub struct Repository {
    git: GitRepository,
    root: PathBuf,
}

/// Returned by [`Repository::open`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// No repository at or above the path.
    #[error("not a git repository: {}", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The repository cannot be opened.
    #[error("cannot open the repository {}", path.display())]
    Open {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: OpenRepositoryError,
    },
}

/// Returned by [`Repository::units`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadUnitsError {
    /// The Cargo workspace at the revision cannot be read.
    #[error("cannot read the Cargo workspace")]
    Workspace(#[source] DiscoverComponentsError),
    /// The tags cannot be read.
    #[error("cannot read the release tags")]
    Tags(#[source] ReadHistoryError),
    /// The configuration's components or tag patterns are invalid.
    #[error(transparent)]
    Units(#[from] ReleaseUnitsError),
}

/// Returned by [`Repository::plan`] and [`plan_repository`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanRepositoryError {
    /// The repository cannot be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The configuration cannot be loaded.
    #[error(transparent)]
    Config(#[from] LoadConfigError),
    /// The planned revision cannot be resolved (a repository without commits has nothing to
    /// release).
    #[error("cannot read {revision} (a repository without commits has nothing to release)")]
    Head {
        /// The revision.
        revision: Revision,
        /// Why.
        #[source]
        source: ReadHistoryError,
    },
    /// The release units cannot be read.
    #[error(transparent)]
    Units(#[from] ReadUnitsError),
    /// Planning failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Plans the release of the repository at `path` at `HEAD` with its own configuration, the
/// schedule starting at `start`: the one-call entry point.
///
/// # Errors
///
/// [`PlanRepositoryError`] when the repository, its configuration or its history cannot be
/// read, or planning fails.
pub fn plan_repository(
    path: impl AsRef<Path>,
    start: DateTime<Utc>,
) -> Result<PlannedRelease, PlanRepositoryError> {
    let repo = Repository::open(path)?;
    let (config, source) = repo.config(None)?;
    let options = repo.plan_options(&source, Revision::head(), start)?;
    repo.plan(&config, &source, &options)
}

impl Repository {
    /// Plan options for `head` of this repository: its commit id, the repository's root and
    /// the configuration's source for people, the schedule starting at `start`.
    ///
    /// # Errors
    ///
    /// [`PlanRepositoryError::Head`] when `head` cannot be resolved.
    pub fn plan_options(
        &self,
        source: &ConfigSource,
        head: Revision,
        start: DateTime<Utc>,
    ) -> Result<PlanOptions, PlanRepositoryError> {
        let id = self
            .git
            .resolve(&head)
            .map_err(|e| PlanRepositoryError::Head {
                revision: head.clone(),
                source: e,
            })?;
        let mut options = PlanOptions::new(start, head, id.to_string());
        let root = self.root.display().to_string();
        options.repository = match root.trim_end_matches('/') {
            "" => root,
            t => t.to_owned(),
        };
        options.config_source = source.to_string();
        Ok(options)
    }

    /// Plans the release of this repository's units at `options.head` (see
    /// [`crate::plan::plan`]).
    ///
    /// # Errors
    ///
    /// [`PlanRepositoryError`] when the units or the history cannot be read, or planning
    /// fails.
    pub fn plan(
        &self,
        config: &Config,
        source: &ConfigSource,
        options: &PlanOptions,
    ) -> Result<PlannedRelease, PlanRepositoryError> {
        let units = self.units(config, source, &options.head)?;
        Ok(crate::plan::plan(&self.git, &units, config, options)?)
    }

    /// Opens the repository at or above `path`.
    ///
    /// # Errors
    ///
    /// [`OpenError::NotFound`] when there is none; [`OpenError::Open`] when it cannot be read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OpenError> {
        let path = path.as_ref();
        let git = match GitRepository::open(path) {
            Ok(git) => git,
            Err(OpenRepositoryError::NotFound { .. }) => {
                return Err(OpenError::NotFound {
                    path: path.to_owned(),
                });
            }
            Err(source) => {
                return Err(OpenError::Open {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let root = git
            .work_tree()
            .map_or_else(|| path.to_path_buf(), Path::to_path_buf);
        Ok(Self { git, root })
    }

    /// The git adapter (the history port).
    pub fn git(&self) -> &GitRepository {
        &self.git
    }

    /// The git adapter, to change its walk options or tag patterns.
    pub fn git_mut(&mut self) -> &mut GitRepository {
        &mut self.git
    }

    /// The work tree, or the path given for a bare repository: where the configuration is
    /// looked up.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration ([`config::load`] from the root, or `explicit`), with the `origin`
    /// remote for links when none is configured.
    ///
    /// # Errors
    ///
    /// [`LoadConfigError`] for an unreadable or invalid file.
    pub fn config(
        &self,
        explicit: Option<&Path>,
    ) -> Result<(Config, ConfigSource), LoadConfigError> {
        let (mut config, source) = config::load(&self.root, explicit)?;
        config.default_remote(self.git.remote_url("origin").ok().flatten());
        Ok((config, source))
    }

    /// The Cargo workspace members at `at` (empty without a root `Cargo.toml`).
    ///
    /// # Errors
    ///
    /// [`DiscoverComponentsError`] for unreadable or invalid manifests.
    pub fn members(&self, at: &Revision) -> Result<Vec<Component>, DiscoverComponentsError> {
        match self.git.discover_components(at) {
            Ok(ws) => Ok(ws.components),
            Err(DiscoverComponentsError::NoManifest { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The name of the one component of a repository without a manifest: its directory name
    /// (characters other than letters, digits, `-`, `_` and `.` become `-`), else
    /// `repository`.
    pub fn fallback_name(&self) -> ComponentId {
        let name: String = self
            .root
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| {
                n.trim_end_matches(".git")
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        name.parse()
            .or_else(|_| "repository".parse())
            .expect("`repository` is a valid component id")
    }

    /// The release units at `at` (see [`crate::units`]): the configured components or the
    /// workspace's published members, their tag series and version groups, and the newest
    /// version each one's `CHANGELOG.md` names ([`Unit::prepared`]).
    ///
    /// # Errors
    ///
    /// [`ReadUnitsError`] when the workspace or the tags cannot be read, or the configuration
    /// is invalid.
    pub fn units(
        &self,
        config: &Config,
        source: &ConfigSource,
        at: &Revision,
    ) -> Result<Vec<Unit>, ReadUnitsError> {
        let members = match self.members(at) {
            Ok(m) => m,
            // Configured components need the workspace only for their manifest versions.
            Err(_) if !config.components.is_empty() => Vec::new(),
            Err(e) => return Err(ReadUnitsError::Workspace(e)),
        };
        let tags = self.git.tags(at).map_err(ReadUnitsError::Tags)?;
        let fallback = self.fallback_name();
        let source = source.to_string();
        let inputs = UnitInputs::new(&members, &tags, &fallback, &source);
        let members_at = |id: &relman_model::ChangeId| {
            let rev = Revision::new(id.as_str()).ok()?;
            self.members(&rev).ok()
        };
        let mut units = release_units(config, &inputs, &members_at)?;
        // A changelog that cannot be read is no prepared release: the decision stays with the
        // commits.
        for unit in &mut units {
            unit.prepared = unit
                .changelog_path()
                .and_then(|path| self.git.read_text(at, &path).ok().flatten())
                .and_then(|text| crate::units::newest_changelog_version(&text));
        }
        Ok(units)
    }
}
