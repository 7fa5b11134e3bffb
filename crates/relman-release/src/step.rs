//! The steps of a release, in the order they run: one sequence that `--dry-run` prints and
//! the engine carries out, each with a stable id recorded in the ledger when done.

use std::fmt;

use semver::Version;

/// One step of a release. Ids ([`ReleaseStep::id`]) are what the ledger records
/// (`release_step_done`); a rerun skips the steps whose id is recorded for the plan's digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReleaseStep {
    /// Check that the working tree is clean and at the planned commit (before anything is
    /// changed; once recorded, a rerun resumes a release whose edits make the tree dirty).
    Preflight {
        /// The planned commit.
        head: String,
    },
    /// Set the versions of a wave's components in their manifests and in every local
    /// dependent's requirement, and add their release sections to their changelogs.
    Edit {
        /// The wave, from 1.
        wave: usize,
        /// The release units of the wave and their new versions.
        components: Vec<(String, Version)>,
    },
    /// Refresh `Cargo.lock` after the version edits.
    Lockfile,
    /// Commit the edits as one `chore(release): ...` commit.
    Commit,
    /// Create the annotated tag of a released unit on the release commit.
    Tag {
        /// The release unit.
        component: String,
        /// Its new version.
        version: Version,
        /// The tag name (the plan's, in the configured tag format).
        tag: String,
    },
    /// Push the release commit and the tags.
    Push {
        /// The remote.
        remote: String,
    },
    /// Publish a package to its registry from the tagged commit.
    Publish {
        /// The package (or non-Cargo component).
        package: String,
        /// Its version.
        version: Version,
        /// Earliest start allowed by the registry's rate limits, in seconds from the start
        /// of the run.
        not_before_secs: i64,
    },
}

impl ReleaseStep {
    /// The step's stable id, e.g. `preflight`, `edit:1`, `lockfile`, `commit`, `tag:api-v1.2.0`, `push`,
    /// `publish:api@1.2.0`.
    pub fn id(&self) -> String {
        match self {
            ReleaseStep::Preflight { .. } => "preflight".to_owned(),
            ReleaseStep::Edit { wave, .. } => format!("edit:{wave}"),
            ReleaseStep::Lockfile => "lockfile".to_owned(),
            ReleaseStep::Commit => "commit".to_owned(),
            ReleaseStep::Tag { tag, .. } => format!("tag:{tag}"),
            ReleaseStep::Push { .. } => "push".to_owned(),
            ReleaseStep::Publish {
                package, version, ..
            } => format!("publish:{package}@{version}"),
        }
    }
}

impl fmt::Display for ReleaseStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseStep::Preflight { head } => write!(
                f,
                "check that the working tree is clean and at the planned commit {head}"
            ),
            ReleaseStep::Edit { wave, components } => {
                let list: Vec<String> = components
                    .iter()
                    .map(|(name, version)| format!("{name} {version}"))
                    .collect();
                write!(
                    f,
                    "edit wave {wave}: versions, requirements and changelogs of {}",
                    list.join(", ")
                )
            }
            ReleaseStep::Lockfile => write!(f, "refresh Cargo.lock"),
            ReleaseStep::Commit => write!(f, "commit the release"),
            ReleaseStep::Tag {
                component,
                version,
                tag,
            } => write!(f, "tag {tag} ({component} {version})"),
            ReleaseStep::Push { remote } => {
                write!(f, "push the release commit and tags to {remote}")
            }
            ReleaseStep::Publish {
                package,
                version,
                not_before_secs,
            } => {
                write!(f, "publish {package} {version}")?;
                if *not_before_secs > 0 {
                    write!(f, " (rate limit: not before +{not_before_secs}s)")?;
                }
                Ok(())
            }
        }
    }
}
