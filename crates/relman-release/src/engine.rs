//! The release engine: governance, then the steps of [`Release::steps`] in order, each
//! recorded in the ledger when done, so that a rerun continues where a run stopped.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use relman_env::store::{Store, TransactError, load_state, transact};
use relman_env::{EnvState, Event, EventKind};
use relman_graph::{ComponentGraph, DoneStep, PublishKind, RateLimits, publish_plan};
use relman_model::{ChangeState, ComponentId, Digest, PersonId};
use relman_plan::{ReleaseConfig, ReleasePlan};
use semver::Version;

use crate::Clock;
use crate::git::Git;
use crate::governance::{self, Refusal};
use crate::registry::{
    PublishError, PublishRetry, Published, ReadIndexError, RegistryIndex, run_publish,
};
use crate::step::ReleaseStep;
use crate::workspace::{Workspace, WorkspaceError, insert_changelog};

/// The trailer line that marks the release commit of a plan: `Relman-Release: <digest>`.
pub const TRAILER: &str = "Relman-Release";

/// Settings of a run that are not in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReleaseOptions {
    /// Push the release commit and tags (`--no-push` clears it).
    pub push: bool,
    /// Publish the packages (`--no-publish` clears it).
    pub publish: bool,
    /// Who carries the release out (recorded as the events' `by`).
    pub by: Option<PersonId>,
    /// How failed publishes are retried.
    pub retry: PublishRetry,
    /// How often the index is read while waiting for a published version.
    pub index_poll: Duration,
    /// The registry's rate limits (relman-graph's publish plan).
    pub rate_limits: RateLimits,
    /// Environment variables added to every command the release runs (git, cargo, publish),
    /// e.g. `CARGO_HOME` or `CARGO_REGISTRIES_<NAME>_TOKEN`.
    pub env: Vec<(String, String)>,
}

impl Default for ReleaseOptions {
    /// Push and publish, crates.io's rate limits, retries as [`PublishRetry::default`], the
    /// index read every second.
    fn default() -> Self {
        Self {
            push: true,
            publish: true,
            by: None,
            retry: PublishRetry::default(),
            index_poll: Duration::from_secs(1),
            rate_limits: RateLimits::default(),
            env: Vec::new(),
        }
    }
}

/// Whether a run changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Carry the steps out.
    Execute,
    /// Only say what would be done.
    DryRun,
}

/// What happened to one step in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepStatus {
    /// Done in an earlier run (recorded in the ledger).
    AlreadyDone,
    /// Done now; the detail says what it left (a commit id, "already in the registry").
    Done(Option<String>),
    /// Would run (dry run).
    WouldRun,
}

/// The report of one step, handed to the caller's callback as the run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepReport {
    /// The step.
    pub step: ReleaseStep,
    /// What happened.
    pub status: StepStatus,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReleaseOutcome {
    /// Governance refused; nothing was changed.
    Refused(Vec<Refusal>),
    /// Every step was already done.
    NothingToDo {
        /// The steps, all recorded.
        steps: usize,
    },
    /// The steps ran (or, in a dry run, would run).
    Finished {
        /// Every step with its status, in order.
        steps: Vec<StepReport>,
    },
}

/// Returned by [`Release::run`] and [`Release::steps`]: a step failed, or a part the release
/// needs is missing. The steps before it are recorded; a rerun continues from it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The workspace, a file or a git command failed.
    #[error("step {step}")]
    Step {
        /// The step's id (`workspace` while reading the workspace).
        step: String,
        /// The cause.
        #[source]
        source: WorkspaceError,
    },
    /// The ledger could not be read or written.
    #[error("cannot record in the ledger")]
    Ledger(#[source] TransactError<Infallible>),
    /// The registry's index could not be read.
    #[error("cannot read the registry index for {package}")]
    Index {
        /// The package.
        package: String,
        /// The cause.
        #[source]
        source: ReadIndexError,
    },
    /// A publish failed.
    #[error("cannot publish {package} {version}")]
    Publish {
        /// The package.
        package: String,
        /// The version.
        version: Version,
        /// The cause.
        #[source]
        source: Box<PublishError>,
    },
    /// The index did not show a published version in time.
    #[error("the registry index does not show {package} {version} after {waited_secs} s")]
    IndexTimeout {
        /// The package.
        package: String,
        /// The version.
        version: Version,
        /// How long it waited.
        waited_secs: u64,
    },
    /// A publish would not run from the release commit.
    #[error(
        "HEAD is {head}, not the release commit {commit}: publish only from the tagged commit (`git checkout {commit}`)"
    )]
    NotAtReleaseCommit {
        /// `HEAD`.
        head: String,
        /// The release commit.
        commit: String,
    },
    /// The release commit is not in `HEAD`'s history.
    #[error("no commit with `{TRAILER}: {digest}` in the history of HEAD")]
    NoReleaseCommit {
        /// The plan digest.
        digest: String,
    },
    /// A tag exists but points elsewhere.
    #[error("tag {tag} exists on {target}, not on the release commit {commit}")]
    TagElsewhere {
        /// The tag.
        tag: String,
        /// Where it points.
        target: String,
        /// The release commit.
        commit: String,
    },
    /// The push needs a branch.
    #[error("HEAD is detached: check out the branch to push the release to")]
    DetachedHead,
    /// The component graph of the workspace is not valid.
    #[error("the workspace's component graph: {reason}")]
    Graph {
        /// Why.
        reason: String,
    },
    /// The plan's digest is not a digest.
    #[error("the plan digest {digest:?} is not a digest")]
    Digest {
        /// The text.
        digest: String,
    },
    /// A component has no publish command (not a Cargo package and none configured).
    #[error(
        "component {component} is not a Cargo package of the workspace and has no `release.publish_commands` entry"
    )]
    NoPublishCommand {
        /// The component.
        component: String,
    },
}

/// An approved release plan to carry out in a repository.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    plan: &'a ReleasePlan,
    config: &'a ReleaseConfig,
    repo: PathBuf,
    options: ReleaseOptions,
}

impl<'a> Release<'a> {
    /// The release of `plan` in the repository (and Cargo workspace) at `repo`, configured by
    /// `config` (`[release]` of relman's configuration).
    pub fn new(plan: &'a ReleasePlan, config: &'a ReleaseConfig, repo: impl Into<PathBuf>) -> Self {
        Self {
            plan,
            config,
            repo: repo.into(),
            options: ReleaseOptions::default(),
        }
    }

    /// The run's options.
    pub fn options_mut(&mut self) -> &mut ReleaseOptions {
        &mut self.options
    }

    /// The plan's released units by wave, each with its new version.
    fn waves(&self) -> Vec<Vec<(String, Version)>> {
        let next: BTreeMap<&str, Option<Version>> = self
            .plan
            .released()
            .map(|c| (c.name.as_str(), c.next.parse().ok()))
            .collect();
        self.plan
            .waves
            .iter()
            .map(|wave| {
                wave.iter()
                    .filter_map(|name| Some((name.clone(), next.get(name.as_str())?.clone()?)))
                    .collect::<Vec<_>>()
            })
            .filter(|w: &Vec<_>| !w.is_empty())
            .collect()
    }

    /// The packages (workspace members) of a released unit: its members, or itself.
    fn packages_of(&self, unit: &str) -> Vec<String> {
        self.plan
            .components
            .iter()
            .find(|c| c.name == unit)
            .filter(|c| !c.members.is_empty())
            .map_or_else(|| vec![unit.to_owned()], |c| c.members.clone())
    }

    /// The changelog of a released unit: `CHANGELOG.md` beside its package's manifest, or at
    /// the repository root for a unit that is not one package.
    fn changelog_path(&self, workspace: &Workspace, unit: &str) -> PathBuf {
        workspace.packages.get(unit).map_or_else(
            || self.repo.join("CHANGELOG.md"),
            |p| p.dir().join("CHANGELOG.md"),
        )
    }

    /// Every step of the release in order, with the publish steps ordered and timed by
    /// relman-graph's publish plan under the rate limits (`done` publishes count against
    /// them). `kind` says whether a package is new to the registry.
    fn steps_with(
        &self,
        workspace: &Workspace,
        done: &[DoneStep],
        kind: &mut dyn FnMut(&str) -> Result<PublishKind, ReleaseError>,
    ) -> Result<Vec<ReleaseStep>, ReleaseError> {
        let mut steps = vec![ReleaseStep::Preflight {
            head: self.plan.head.clone(),
        }];
        let waves = self.waves();
        for (i, components) in waves.iter().enumerate() {
            steps.push(ReleaseStep::Edit {
                wave: i + 1,
                components: components.clone(),
            });
        }
        if workspace.root.join("Cargo.lock").is_file() && !workspace.packages.is_empty() {
            steps.push(ReleaseStep::Lockfile);
        }
        steps.push(ReleaseStep::Commit);
        for (component, version) in waves.iter().flatten() {
            if let Some(c) = self.plan.components.iter().find(|c| &c.name == component) {
                steps.push(ReleaseStep::Tag {
                    component: component.clone(),
                    version: version.clone(),
                    tag: c.tag.clone(),
                });
            }
        }
        if self.options.push {
            steps.push(ReleaseStep::Push {
                remote: self.config.remote.clone(),
            });
        }
        if !self.options.publish {
            return Ok(steps);
        }
        // Cargo packages in the publish plan's order; other components after them.
        let mut versions: BTreeMap<String, Version> = BTreeMap::new();
        let mut others = Vec::new();
        for (unit, version) in waves.iter().flatten() {
            for package in self.packages_of(unit) {
                match workspace.packages.get(&package) {
                    Some(p) if p.publish => {
                        versions.insert(package, version.clone());
                    }
                    Some(_) => {}
                    None if self.config.publish_commands.contains_key(&package) => {
                        others.push((package, version.clone()));
                    }
                    None => return Err(ReleaseError::NoPublishCommand { component: package }),
                }
            }
        }
        let graph =
            ComponentGraph::new(workspace.components()).map_err(|e| ReleaseError::Graph {
                reason: e.to_string(),
            })?;
        let known: BTreeSet<&ComponentId> = graph.components().iter().map(|c| &c.id).collect();
        let done: Vec<DoneStep> = done
            .iter()
            .filter(|d| known.contains(&d.component))
            .cloned()
            .collect();
        let done_ids: BTreeSet<&ComponentId> = done.iter().map(|d| &d.component).collect();
        let mut to_publish = BTreeMap::new();
        for name in versions.keys() {
            let Ok(id) = name.parse::<ComponentId>() else {
                continue;
            };
            if !done_ids.contains(&id) {
                to_publish.insert(id, kind(name)?);
            }
        }
        let plan =
            publish_plan(&graph, &to_publish, &done, &self.options.rate_limits).map_err(|e| {
                ReleaseError::Graph {
                    reason: e.to_string(),
                }
            })?;
        // Done publishes keep their place (dependency order) at no wait.
        let mut ordered: Vec<(String, i64)> = Vec::new();
        let order = graph.release_order();
        let position = |name: &str| order.iter().position(|c| c.as_str() == name);
        let mut all: Vec<&String> = versions.keys().collect();
        all.sort_by_key(|n| (position(n), (*n).clone()));
        for name in all {
            let at = plan
                .steps
                .iter()
                .find(|s| s.component.as_str() == name)
                .map_or(0, |s| s.at_secs);
            ordered.push((name.clone(), at));
        }
        for (package, at) in ordered {
            let version = versions[&package].clone();
            steps.push(ReleaseStep::Publish {
                package,
                version,
                not_before_secs: at,
            });
        }
        for (package, version) in others {
            steps.push(ReleaseStep::Publish {
                package,
                version,
                not_before_secs: 0,
            });
        }
        Ok(steps)
    }

    /// Every step of the release in order (publish steps untimed: as if nothing had been
    /// published and every package were known to the registry).
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] when the workspace cannot be read or its graph is not valid.
    pub fn steps(&self) -> Result<Vec<ReleaseStep>, ReleaseError> {
        let workspace = self.workspace()?;
        self.steps_with(&workspace, &[], &mut |_| Ok(PublishKind::NewVersion))
    }

    fn workspace(&self) -> Result<Workspace, ReleaseError> {
        if self.repo.join("Cargo.toml").is_file() {
            Workspace::load(&self.repo, &self.options.env).map_err(|source| ReleaseError::Step {
                step: "workspace".to_owned(),
                source,
            })
        } else {
            Ok(Workspace {
                root: self.repo.clone(),
                packages: BTreeMap::new(),
            })
        }
    }

    /// Carries the release out (or, in [`Mode::DryRun`], says what it would do): governance
    /// first (every [`Refusal`] at once, nothing changed), then each step not yet recorded in
    /// `store` for the plan's digest, recording it when done. `report` is called once per step
    /// as the run goes. The first run also moves the change request to `implement`.
    ///
    /// What a rerun checks besides the ledger: the release commit is found by its
    /// [`TRAILER`] line, an existing tag on the release commit is kept, a version the
    /// registry's index already lists is not published again; edits are idempotent (a
    /// changelog that has the version keeps it).
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] naming the failed step; the steps before it stay recorded.
    pub fn run<S>(
        &self,
        store: &mut S,
        index: &dyn RegistryIndex,
        clock: &dyn Clock,
        mode: Mode,
        report: &mut dyn FnMut(&StepReport),
    ) -> Result<ReleaseOutcome, ReleaseError>
    where
        S: Store<Event = Event> + ?Sized,
    {
        let digest: Digest = self.plan.digest.parse().map_err(|_| ReleaseError::Digest {
            digest: self.plan.digest.clone(),
        })?;
        let start = clock.now();
        let (state, events) =
            load_state(store).map_err(|e| ReleaseError::Ledger(TransactError::Load(e)))?;
        let recorded: BTreeSet<String> = state
            .release_steps
            .get(&digest)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let workspace = self.workspace()?;
        let git = Git::new(&self.repo).with_env(&self.options.env);
        let done_publishes = self.done_publishes(&events, &digest, start);
        let all_steps = self.steps_with(&workspace, &done_publishes, &mut |_| {
            Ok(PublishKind::NewVersion)
        })?;
        if all_steps.iter().all(|s| recorded.contains(&s.id())) {
            return Ok(ReleaseOutcome::NothingToDo {
                steps: all_steps.len(),
            });
        }
        let mut refusals = governance::check(self.plan, &state, start);
        if !recorded.contains("preflight") {
            let step = |source| ReleaseError::Step {
                step: "preflight".to_owned(),
                source,
            };
            let head = git.head().map_err(step)?;
            let planned = &self.plan.head;
            if planned.is_empty() || !(head.starts_with(planned) || planned.starts_with(&head)) {
                refusals.push(Refusal::NotAtPlannedCommit {
                    planned: self.plan.head.clone(),
                    head,
                });
            }
            if git.is_dirty().map_err(step)? {
                refusals.push(Refusal::DirtyWorkingTree);
            }
        }
        if !refusals.is_empty() {
            return Ok(ReleaseOutcome::Refused(refusals));
        }
        // Time the pending publishes with what the registry knows (a dry run that cannot
        // read the index, e.g. offline, still lists the steps, timed as new versions).
        let steps = if self.options.publish {
            let mut kind = |name: &str| match index.versions(name) {
                Ok(Some(_)) => Ok(PublishKind::NewVersion),
                Ok(None) => Ok(PublishKind::NewCrate),
                Err(_) if mode == Mode::DryRun => Ok(PublishKind::NewVersion),
                Err(source) => Err(ReleaseError::Index {
                    package: name.to_owned(),
                    source,
                }),
            };
            self.steps_with(&workspace, &done_publishes, &mut kind)?
        } else {
            all_steps
        };
        if mode == Mode::Execute {
            self.mark_implemented(store, &state, clock)?;
            if recorded.contains("preflight") {
                self.remove_stale_temporaries(&workspace);
            }
        }
        let mut reports = Vec::with_capacity(steps.len());
        for step in steps {
            let status = if recorded.contains(&step.id()) {
                StepStatus::AlreadyDone
            } else if mode == Mode::DryRun {
                StepStatus::WouldRun
            } else {
                let detail = self.execute(&step, &workspace, &git, index, clock, start)?;
                self.record(store, &digest, &step, detail.clone(), clock)?;
                StepStatus::Done(detail)
            };
            let r = StepReport { step, status };
            report(&r);
            reports.push(r);
        }
        Ok(ReleaseOutcome::Finished { steps: reports })
    }

    /// Removes the temporary files (`.relman-*.tmp`) that an atomic write killed before its
    /// rename left beside the files a release writes: they would make the working tree dirty
    /// and end up in a published package. Only relman names its temporaries so.
    fn remove_stale_temporaries(&self, workspace: &Workspace) {
        let mut dirs: BTreeSet<PathBuf> = workspace
            .manifests()
            .iter()
            .filter_map(|m| m.parent().map(Path::to_owned))
            .collect();
        dirs.insert(self.repo.clone());
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(".relman-") && name.ends_with(".tmp") {
                    // Best effort: a temporary that cannot be removed is reported by git later.
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }

    /// The publishes recorded for `digest`, as relman-graph's done steps (seconds before
    /// `now`), so that the rate limits count them.
    fn done_publishes(
        &self,
        events: &[relman_env::store::Recorded<Event>],
        digest: &Digest,
        now: DateTime<Utc>,
    ) -> Vec<DoneStep> {
        events
            .iter()
            .filter_map(|r| match &r.event.kind {
                EventKind::ReleaseStepDone {
                    digest: d, step, ..
                } if d == digest => {
                    let rest = step.strip_prefix("publish:")?;
                    let (name, _) = rest.rsplit_once('@')?;
                    Some(DoneStep {
                        component: name.parse().ok()?,
                        kind: PublishKind::NewVersion,
                        at_secs: (r.event.at - now).num_seconds().min(0),
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// Moves the change request from `scheduled` to `implement` (once).
    fn mark_implemented<S>(
        &self,
        store: &mut S,
        state: &EnvState,
        clock: &dyn Clock,
    ) -> Result<(), ReleaseError>
    where
        S: Store<Event = Event> + ?Sized,
    {
        let Some(id) = state
            .change_requests()
            .filter(|e| e.request.digest().as_str() == self.plan.digest)
            .find(|e| e.state() == ChangeState::Scheduled)
            .map(|e| e.id().clone())
        else {
            return Ok(());
        };
        let at = clock.now();
        let by = self.options.by.clone();
        transact(store, 5, |state: &EnvState| {
            let event = Event::new(
                at,
                by.clone(),
                EventKind::ChangeRequestImplemented {
                    change_request: id.clone(),
                },
            );
            Ok::<_, Infallible>(if state.check(&event).is_ok() {
                vec![event]
            } else {
                Vec::new()
            })
        })
        .map_err(ReleaseError::Ledger)?;
        Ok(())
    }

    fn record<S>(
        &self,
        store: &mut S,
        digest: &Digest,
        step: &ReleaseStep,
        detail: Option<String>,
        clock: &dyn Clock,
    ) -> Result<(), ReleaseError>
    where
        S: Store<Event = Event> + ?Sized,
    {
        let id = step.id();
        let at = clock.now();
        let by = self.options.by.clone();
        transact(store, 5, |state: &EnvState| {
            let known = state
                .release_steps
                .get(digest)
                .is_some_and(|s| s.contains(&id));
            Ok::<_, Infallible>(if known {
                Vec::new()
            } else {
                vec![Event::new(
                    at,
                    by.clone(),
                    EventKind::ReleaseStepDone {
                        digest: digest.clone(),
                        step: id.clone(),
                        detail: detail.clone(),
                    },
                )]
            })
        })
        .map_err(ReleaseError::Ledger)?;
        Ok(())
    }

    /// The release commit's message.
    fn commit_message(&self) -> String {
        let list: Vec<String> = self
            .plan
            .released()
            .map(|c| format!("{} {}", c.name, c.next))
            .collect();
        format!(
            "chore(release): {}\n\nCarries out the approved release plan (change request {}).\n\n{TRAILER}: {}\n",
            list.join(", "),
            self.plan.change_request.id,
            self.plan.digest
        )
    }

    fn release_commit(&self, git: &Git) -> Result<String, ReleaseError> {
        git.find_commit(&format!("{TRAILER}: {}", self.plan.digest))
            .map_err(|source| ReleaseError::Step {
                step: "commit".to_owned(),
                source,
            })?
            .ok_or_else(|| ReleaseError::NoReleaseCommit {
                digest: self.plan.digest.clone(),
            })
    }

    fn execute(
        &self,
        step: &ReleaseStep,
        workspace: &Workspace,
        git: &Git,
        index: &dyn RegistryIndex,
        clock: &dyn Clock,
        start: DateTime<Utc>,
    ) -> Result<Option<String>, ReleaseError> {
        let id = step.id();
        let failed = |source| ReleaseError::Step {
            step: id.clone(),
            source,
        };
        match step {
            // Checked with governance, before any step ran.
            ReleaseStep::Preflight { .. } => Ok(None),
            ReleaseStep::Edit { components, .. } => {
                let mut versions = BTreeMap::new();
                for (unit, version) in components {
                    for package in self.packages_of(unit) {
                        if workspace.packages.contains_key(&package) {
                            versions.insert(package, version.clone());
                        }
                    }
                }
                workspace.set_versions(&versions).map_err(failed)?;
                for (unit, version) in components {
                    let Some(c) = self.plan.components.iter().find(|c| &c.name == unit) else {
                        continue;
                    };
                    if c.changelog.trim_start().starts_with("## ") {
                        let path = self.changelog_path(workspace, unit);
                        insert_changelog(&path, version, &c.changelog).map_err(failed)?;
                    }
                }
                Ok(None)
            }
            ReleaseStep::Lockfile => {
                workspace.refresh_lock(&self.options.env).map_err(failed)?;
                Ok(None)
            }
            ReleaseStep::Commit => {
                let trailer = format!("{TRAILER}: {}", self.plan.digest);
                if let Some(found) = git.find_commit(&trailer).map_err(failed)? {
                    return Ok(Some(found));
                }
                let mut paths = workspace.manifests();
                paths.push(workspace.root.join("Cargo.lock"));
                for (unit, _) in self.waves().iter().flatten() {
                    paths.push(self.changelog_path(workspace, unit));
                }
                paths.retain(|p| p.exists());
                paths.sort();
                paths.dedup();
                let relative: Vec<PathBuf> =
                    paths.iter().map(|p| relative_to(p, git.dir())).collect();
                let commit = git
                    .commit(&relative, &self.commit_message())
                    .map_err(failed)?;
                Ok(Some(commit))
            }
            ReleaseStep::Tag {
                component,
                version,
                tag,
            } => {
                let commit = self.release_commit(git)?;
                match git.tag_target(tag).map_err(failed)? {
                    Some(target) if target == commit => Ok(Some("existing tag kept".to_owned())),
                    Some(target) => Err(ReleaseError::TagElsewhere {
                        tag: tag.clone(),
                        target,
                        commit,
                    }),
                    None => {
                        let message =
                            format!("{component} {version}\n\n{TRAILER}: {}\n", self.plan.digest);
                        git.tag(tag, &commit, &message).map_err(failed)?;
                        Ok(Some(commit))
                    }
                }
            }
            ReleaseStep::Push { remote } => {
                let commit = self.release_commit(git)?;
                let branch = git
                    .branch()
                    .map_err(failed)?
                    .ok_or(ReleaseError::DetachedHead)?;
                let tags: Vec<String> = self.plan.released().map(|c| c.tag.clone()).collect();
                git.push(remote, &commit, &branch, &tags).map_err(failed)?;
                Ok(Some(format!("{remote} {branch}")))
            }
            ReleaseStep::Publish {
                package,
                version,
                not_before_secs,
            } => self.publish(
                workspace,
                git,
                index,
                clock,
                package,
                version,
                start + chrono::Duration::seconds(*not_before_secs),
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn publish(
        &self,
        workspace: &Workspace,
        git: &Git,
        index: &dyn RegistryIndex,
        clock: &dyn Clock,
        package: &str,
        version: &Version,
        not_before: DateTime<Utc>,
    ) -> Result<Option<String>, ReleaseError> {
        let cargo = workspace.packages.contains_key(package);
        let index_error = |source| ReleaseError::Index {
            package: package.to_owned(),
            source,
        };
        if cargo && index.has(package, version).map_err(index_error)? {
            return Ok(Some("already in the registry".to_owned()));
        }
        let commit = self.release_commit(git)?;
        let head = git.head().map_err(|source| ReleaseError::Step {
            step: format!("publish:{package}@{version}"),
            source,
        })?;
        if head != commit {
            return Err(ReleaseError::NotAtReleaseCommit { head, commit });
        }
        if let Ok(wait) = (not_before - clock.now()).to_std() {
            clock.sleep(wait);
        }
        let template = self.publish_command(package);
        let argv: Vec<String> = template
            .iter()
            .map(|a| {
                a.replace("{name}", package)
                    .replace("{version}", &version.to_string())
                    .replace("{registry}", self.config.registry.as_deref().unwrap_or(""))
            })
            .collect();
        let mut retry = self.options.retry;
        retry.attempts = self.config.publish_attempts.max(1);
        let published = run_publish(&argv, &workspace.root, &self.options.env, &retry, clock)
            .map_err(|source| ReleaseError::Publish {
                package: package.to_owned(),
                version: version.clone(),
                source: Box::new(source),
            })?;
        if cargo {
            self.wait_for_index(index, clock, package, version)?;
        }
        Ok(Some(match published {
            Published::Done { attempts } => format!("published in {attempts} attempt(s)"),
            Published::AlreadyThere => "the registry already had it".to_owned(),
        }))
    }

    /// The publish command of `package`: its `publish_commands` entry, else `publish`, else
    /// `cargo publish -p {name}` (with `--registry {registry}` when a registry is set).
    fn publish_command(&self, package: &str) -> Vec<String> {
        if let Some(c) = self.config.publish_commands.get(package) {
            return c.clone();
        }
        if let Some(c) = &self.config.publish {
            return c.clone();
        }
        let mut argv: Vec<String> = ["cargo", "publish", "-p", "{name}"]
            .map(str::to_owned)
            .to_vec();
        if self.config.registry.is_some() {
            argv.extend(["--registry".to_owned(), "{registry}".to_owned()]);
        }
        argv
    }

    /// Polls the index until it lists `version` of `package`, at most the configured
    /// `index_timeout_secs`.
    fn wait_for_index(
        &self,
        index: &dyn RegistryIndex,
        clock: &dyn Clock,
        package: &str,
        version: &Version,
    ) -> Result<(), ReleaseError> {
        let started = clock.now();
        let timeout = chrono::Duration::seconds(
            i64::try_from(self.config.index_timeout_secs).unwrap_or(i64::MAX / 1000),
        );
        loop {
            let has = index
                .has(package, version)
                .map_err(|source| ReleaseError::Index {
                    package: package.to_owned(),
                    source,
                })?;
            if has {
                return Ok(());
            }
            if clock.now() - started >= timeout {
                return Err(ReleaseError::IndexTimeout {
                    package: package.to_owned(),
                    version: version.clone(),
                    waited_secs: self.config.index_timeout_secs,
                });
            }
            clock.sleep(self.options.index_poll);
        }
    }
}

/// `path` relative to `base` when it is inside it.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let base = base.canonicalize().unwrap_or_else(|_| base.to_owned());
    let full = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    full.strip_prefix(&base)
        .map_or_else(|_| path.to_owned(), Path::to_owned)
}
