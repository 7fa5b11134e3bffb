//! The history walk: commits of a range as [`Change`]s, filtered and optionally with diff stats.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::mpsc;

use chrono::{DateTime, Utc};
use git2::{Commit, DiffFindOptions, Mailmap, Oid, Patch, Repository, Tree};
use relman_model::{Change, DiffStat, Person, RevisionRange};
use serde::{Deserialize, Serialize};

use crate::error::ReadHistoryError;
use crate::repository::{GitRepository, change_id};

/// Whether merge commits are walked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Merges {
    /// Skip commits with more than one parent (their topic commits are still walked).
    #[default]
    Exclude,
    /// Walk merge commits too (their diff is taken against the first parent).
    Include,
}

/// Which parents a walk follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parents {
    /// Every parent: merged topic branches are walked (`git log`).
    #[default]
    All,
    /// Only first parents: the mainline (`git log --first-parent`).
    First,
}

/// Whether authors are mapped through the repository's `.mailmap`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailmapUse {
    /// Map names and e-mails (`git log --use-mailmap`, git's default).
    #[default]
    Apply,
    /// Keep the recorded names and e-mails.
    Ignore,
}

/// Whether each change gets per-file diff stats (the changelog does not need them; risk
/// metrics do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffStats {
    /// No diff: [`Change::diff`] is `None`.
    #[default]
    Skip,
    /// Files, lines added and deleted against the first parent, renames detected
    /// (`git log --numstat`).
    Compute,
}

/// How [`GitRepository::walk_with`] walks.
///
/// JSON: `{"merges": "exclude", "parents": "all", "mailmap": "apply", "diff": "skip",
/// "paths": [], "threads": 1}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WalkOptions {
    /// Merge commits walked or skipped (default: skipped).
    pub merges: Merges,
    /// All parents or the first parent only (default: all).
    pub parents: Parents,
    /// Mailmap applied or not (default: applied).
    pub mailmap: MailmapUse,
    /// Diff stats computed or not (default: not).
    pub diff: DiffStats,
    /// Only commits whose tree differs from their first parent's under one of these paths
    /// (directories or files, `/`-separated, relative to the root; `""` or `"."` is the root).
    /// Empty: every commit.
    pub paths: Vec<String>,
    /// Threads that read commits (each opens its own handle on the repository); 0 and 1 read
    /// on the calling thread only. Output order does not depend on it.
    pub threads: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            merges: Merges::default(),
            parents: Parents::default(),
            mailmap: MailmapUse::default(),
            diff: DiffStats::default(),
            paths: Vec::new(),
            threads: 1,
        }
    }
}

impl WalkOptions {
    /// The defaults: merges skipped, all parents, mailmap applied, no diff, no path filter,
    /// one thread.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`WalkOptions::merges`].
    pub fn merges(&mut self, merges: Merges) -> &mut Self {
        self.merges = merges;
        self
    }

    /// Sets [`WalkOptions::parents`].
    pub fn parents(&mut self, parents: Parents) -> &mut Self {
        self.parents = parents;
        self
    }

    /// Sets [`WalkOptions::mailmap`].
    pub fn mailmap(&mut self, mailmap: MailmapUse) -> &mut Self {
        self.mailmap = mailmap;
        self
    }

    /// Sets [`WalkOptions::diff`].
    pub fn diff(&mut self, diff: DiffStats) -> &mut Self {
        self.diff = diff;
        self
    }

    /// Sets [`WalkOptions::paths`].
    pub fn paths(&mut self, paths: Vec<String>) -> &mut Self {
        self.paths = paths;
        self
    }

    /// Sets [`WalkOptions::threads`].
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.threads = threads;
        self
    }
}

/// Commits handed to the readers at a time: bounds memory (it grows with the output, not with
/// the repository) while keeping threads busy.
const BLOCK: usize = 2048;

/// Commits per block handed to a reader thread.
const PARALLEL_BLOCK: usize = 256;

type Block = Result<Vec<Option<Change>>, ReadHistoryError>;

impl GitRepository {
    /// Calls `visit` with each commit of `range` as a [`Change`], in `git log` order (newest
    /// first, parents after children), with `options` instead of the repository's own.
    ///
    /// # Errors
    ///
    /// As [`GitRepository::resolve`] for the range's bounds;
    /// [`ReadHistoryError::ShallowHistory`] when the walk reaches the boundary of a shallow
    /// clone; [`ReadHistoryError::Git`] when a commit or tree cannot be read.
    pub fn walk_with(
        &self,
        range: &RevisionRange,
        options: &WalkOptions,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), ReadHistoryError> {
        let to = self.resolve_oid(&range.to)?;
        let from = range
            .from
            .as_ref()
            .map(|f| self.resolve_oid(f))
            .transpose()?;
        let walking = ReadHistoryError::git("walking the history");
        let mut walk = self.repo.revwalk().map_err(walking)?;
        walk.push(to)
            .map_err(ReadHistoryError::git("walking the history"))?;
        if let Some(from) = from {
            walk.hide(from)
                .map_err(ReadHistoryError::git("walking the history"))?;
        }
        if options.parents == Parents::First {
            walk.simplify_first_parent()
                .map_err(ReadHistoryError::git("walking the history"))?;
        }
        let shallow = self.shallow_boundary();
        let mailmap = options.mailmap == MailmapUse::Apply && self.has_mailmap;
        let threads = options.threads.max(1);
        let git_dir = self.git_dir.as_path();

        let next_oid = |walk: &mut git2::Revwalk<'_>| -> Result<Option<Oid>, ReadHistoryError> {
            match walk.next() {
                None => Ok(None),
                Some(oid) => {
                    let oid = oid.map_err(ReadHistoryError::git("walking the history"))?;
                    if shallow.contains(&oid) {
                        return Err(ReadHistoryError::ShallowHistory {
                            boundary: change_id(oid),
                        });
                    }
                    Ok(Some(oid))
                }
            }
        };

        if threads == 1 {
            // One thread: the reader shares the walker's repository handle, so the commits the
            // walk has just parsed come from libgit2's object cache.
            let mut reader = Reader::new(&self.repo, mailmap)?;
            let mut block = Vec::with_capacity(BLOCK);
            loop {
                let oid = next_oid(&mut walk)?;
                if let Some(oid) = oid {
                    block.push(oid);
                }
                if block.len() == BLOCK || (oid.is_none() && !block.is_empty()) {
                    for change in reader.read(&block, options)?.into_iter().flatten() {
                        if visit(change).is_break() {
                            return Ok(());
                        }
                    }
                    block.clear();
                }
                if oid.is_none() {
                    return Ok(());
                }
            }
        }

        // Several threads: this thread walks and hands blocks round-robin to the readers (each
        // with its own repository handle), then hands their results to `visit` in walk order.
        // At most two blocks per reader are in flight, so memory stays bounded.
        std::thread::scope(|scope| {
            let mut helpers = Vec::new();
            for _ in 0..threads {
                let (job_tx, job_rx) = mpsc::channel::<Vec<Oid>>();
                let (out_tx, out_rx) = mpsc::channel::<Block>();
                scope.spawn(move || {
                    let repo = match Repository::open(git_dir) {
                        Ok(r) => r,
                        Err(e) => {
                            let _ = out_tx.send(Err(ReadHistoryError::git("opening")(e)));
                            return;
                        }
                    };
                    let mut reader = match Reader::new(&repo, mailmap) {
                        Ok(r) => r,
                        Err(e) => {
                            let _ = out_tx.send(Err(e));
                            return;
                        }
                    };
                    for job in job_rx {
                        if out_tx.send(reader.read(&job, options)).is_err() {
                            break;
                        }
                    }
                });
                helpers.push((job_tx, out_rx));
            }
            let stopped = || ReadHistoryError::Git {
                operation: "reading commits on a reader thread",
                source: git2::Error::from_str("the reader thread stopped").into(),
            };
            let mut pending = std::collections::VecDeque::new();
            let mut turn = 0usize;
            let mut receive = |helper: usize| -> Result<ControlFlow<()>, ReadHistoryError> {
                let (_, rx): &(mpsc::Sender<Vec<Oid>>, mpsc::Receiver<Block>) = &helpers[helper];
                for change in rx.recv().map_err(|_| stopped())??.into_iter().flatten() {
                    if visit(change).is_break() {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                Ok(ControlFlow::Continue(()))
            };
            let mut block = Vec::with_capacity(PARALLEL_BLOCK);
            loop {
                let oid = next_oid(&mut walk)?;
                if let Some(oid) = oid {
                    block.push(oid);
                }
                if block.len() == PARALLEL_BLOCK || (oid.is_none() && !block.is_empty()) {
                    let job = std::mem::replace(&mut block, Vec::with_capacity(PARALLEL_BLOCK));
                    helpers[turn].0.send(job).map_err(|_| stopped())?;
                    pending.push_back(turn);
                    turn = (turn + 1) % threads;
                    if pending.len() >= 2 * threads {
                        let first = pending.pop_front().expect("a pending block");
                        if receive(first)?.is_break() {
                            return Ok(());
                        }
                    }
                }
                if oid.is_none() {
                    break;
                }
            }
            while let Some(first) = pending.pop_front() {
                if receive(first)?.is_break() {
                    return Ok(());
                }
            }
            Ok(())
        })
    }

    /// Calls `visit` with the id and the raw message (lossily decoded as UTF-8) of each commit of
    /// `range`, in `git log` order; merges are skipped unless `options.merges` includes them
    /// and `options.parents` is honoured (paths, diff, mailmap and threads do not apply). For
    /// checkers that need the message byte for byte, which [`Change`] normalises.
    ///
    /// # Errors
    ///
    /// As [`GitRepository::walk_with`].
    pub fn walk_messages(
        &self,
        range: &RevisionRange,
        options: &WalkOptions,
        visit: &mut dyn FnMut(&relman_model::ChangeId, &str) -> ControlFlow<()>,
    ) -> Result<(), ReadHistoryError> {
        let walking = || ReadHistoryError::git("walking the history");
        let to = self.resolve_oid(&range.to)?;
        let mut walk = self.repo.revwalk().map_err(walking())?;
        walk.push(to).map_err(walking())?;
        if let Some(from) = &range.from {
            walk.hide(self.resolve_oid(from)?).map_err(walking())?;
        }
        if options.parents == Parents::First {
            walk.simplify_first_parent().map_err(walking())?;
        }
        let shallow = self.shallow_boundary();
        for oid in walk {
            let oid = oid.map_err(walking())?;
            if shallow.contains(&oid) {
                return Err(ReadHistoryError::ShallowHistory {
                    boundary: change_id(oid),
                });
            }
            let commit = self
                .repo
                .find_commit(oid)
                .map_err(ReadHistoryError::git("reading a commit"))?;
            if options.merges == Merges::Exclude && commit.parent_count() > 1 {
                continue;
            }
            let message = String::from_utf8_lossy(commit.message_raw_bytes());
            if visit(&change_id(oid), &message).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The commits at the boundary of a shallow clone (empty for a complete repository).
    fn shallow_boundary(&self) -> HashSet<Oid> {
        if !self.repo.is_shallow() {
            return HashSet::new();
        }
        std::fs::read_to_string(self.git_dir.join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| Oid::from_str(l.trim()).ok())
            .collect()
    }
}

/// One handle on the repository that turns commit ids into changes.
struct Reader<'r> {
    repo: &'r Repository,
    mailmap: Option<Mailmap>,
    /// The path entry ids of the last parent looked at: in `git log` order the parent is
    /// usually the next commit.
    cache: Option<(Oid, Vec<Option<Oid>>)>,
}

impl<'r> Reader<'r> {
    fn new(repo: &'r Repository, mailmap: bool) -> Result<Self, ReadHistoryError> {
        let mailmap = if mailmap {
            Some(
                repo.mailmap()
                    .map_err(ReadHistoryError::git("reading the mailmap"))?,
            )
        } else {
            None
        };
        Ok(Self {
            repo,
            mailmap,
            cache: None,
        })
    }

    fn read(&mut self, oids: &[Oid], options: &WalkOptions) -> Block {
        let reading = || ReadHistoryError::git("reading a commit");
        let mut out = Vec::with_capacity(oids.len());
        for &oid in oids {
            let commit = self.repo.find_commit(oid).map_err(reading())?;
            if options.merges == Merges::Exclude && commit.parent_count() > 1 {
                out.push(None);
                continue;
            }
            if !options.paths.is_empty()
                && !touches(self.repo, &mut self.cache, &commit, &options.paths)?
            {
                out.push(None);
                continue;
            }
            let mut change = self.change(&commit)?;
            if options.diff == DiffStats::Compute {
                change = change.with_diff(self.diff(&commit)?);
            }
            out.push(Some(change));
        }
        Ok(out)
    }

    fn change(&self, commit: &Commit<'_>) -> Result<Change, ReadHistoryError> {
        let person = match &self.mailmap {
            Some(mailmap) => {
                let sig = commit
                    .author_with_mailmap(mailmap)
                    .map_err(ReadHistoryError::git("applying the mailmap"))?;
                person(&sig)
            }
            None => person(&commit.author()),
        };
        let time = DateTime::<Utc>::from_timestamp(commit.time().seconds(), 0).unwrap_or_default();
        let message = String::from_utf8_lossy(commit.message_raw_bytes());
        Ok(Change::from_message(
            change_id(commit.id()),
            &message,
            person,
            time,
        ))
    }

    fn path_ids(tree: &Tree<'_>, paths: &[String]) -> Vec<Option<Oid>> {
        paths
            .iter()
            .map(|p| {
                let p = p.trim_end_matches('/');
                if p.is_empty() || p == "." {
                    Some(tree.id())
                } else {
                    tree.get_path(Path::new(p)).ok().map(|e| e.id())
                }
            })
            .collect()
    }

    fn diff(&self, commit: &Commit<'_>) -> Result<Vec<DiffStat>, ReadHistoryError> {
        let diffing = || ReadHistoryError::git("computing a diff");
        let tree = commit.tree().map_err(diffing())?;
        let parent_tree = match commit.parent_ids().next() {
            Some(pid) => Some(
                self.repo
                    .find_commit(pid)
                    .and_then(|p| p.tree())
                    .map_err(diffing())?,
            ),
            None => None,
        };
        let mut diff = self
            .repo
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)
            .map_err(diffing())?;
        diff.find_similar(Some(DiffFindOptions::new().renames(true)))
            .map_err(diffing())?;
        let mut stats = Vec::with_capacity(diff.deltas().len());
        for (i, delta) in diff.deltas().enumerate() {
            let (added, deleted) = match Patch::from_diff(&diff, i).map_err(diffing())? {
                Some(patch) => {
                    let (_, added, deleted) = patch.line_stats().map_err(diffing())?;
                    (added as u64, deleted as u64)
                }
                None => (0, 0),
            };
            let path = |f: git2::DiffFile<'_>| {
                f.path_bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            let new_path = path(delta.new_file());
            stats.push(match delta.status() {
                git2::Delta::Renamed | git2::Delta::Copied => {
                    DiffStat::renamed(path(delta.old_file()), new_path, added, deleted)
                }
                git2::Delta::Deleted => DiffStat::new(path(delta.old_file()), added, deleted),
                _ => DiffStat::new(new_path, added, deleted),
            });
        }
        Ok(stats)
    }
}

/// Whether the commit's tree differs from its first parent's under one of `paths`: the entry
/// ids of the paths are compared, which is exact (trees are content-addressed) and needs no
/// diff. `cache` holds the ids of the last parent seen.
fn touches(
    repo: &Repository,
    cache: &mut Option<(Oid, Vec<Option<Oid>>)>,
    commit: &Commit<'_>,
    paths: &[String],
) -> Result<bool, ReadHistoryError> {
    let reading = || ReadHistoryError::git("reading a tree");
    let own = match cache.take() {
        Some((oid, ids)) if oid == commit.id() => ids,
        _ => Reader::path_ids(&commit.tree().map_err(reading())?, paths),
    };
    let parent = match commit.parent_ids().next() {
        Some(pid) => {
            let parent = repo.find_commit(pid).map_err(reading())?;
            let ids = Reader::path_ids(&parent.tree().map_err(reading())?, paths);
            *cache = Some((pid, ids.clone()));
            ids
        }
        None => vec![None; paths.len()],
    };
    Ok(own != parent)
}

fn person(sig: &git2::Signature<'_>) -> Person {
    Person::new(
        String::from_utf8_lossy(sig.name_bytes()),
        String::from_utf8_lossy(sig.email_bytes()),
    )
}
