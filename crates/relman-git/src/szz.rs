//! SZZ: from the commits that fixed defects to the commits that introduced them.
//!
//! This is the classic algorithm of Śliwerski, Zimmermann and Zeller ("When do changes induce
//! fixes?", MSR 2005), in the B-SZZ form of Borg et al. (2019): for each fix commit,
//!
//! 1. diff the fix against its first parent, with rename detection (so a file renamed by the fix
//!    is blamed under its old path);
//! 2. collect the lines the fix deleted or modified, on the parent's side, per file — skipping,
//!    cheaply by their text, lines that are blank or only a comment (see [`LineFilter`]);
//! 3. blame those lines in the parent (`git blame <parent> -- <old path>`, restricted to the
//!    range the lines span, whitespace changes ignored, renames followed by libgit2's blame);
//! 4. the commits the blame names are *bug-introducing*, each implicated by that fix.
//!
//! # Limitations
//!
//! - Lines the fix only *added* carry no blame: a fix that adds a missing check implicates
//!   nothing (the classic SZZ blind spot).
//! - Files added or deleted as a whole by the fix are skipped (deleting a file blames every line
//!   of it, which is mostly noise); binary files too.
//! - Comments are recognised by a line's first characters only (`//`, `#`, `/*`, `*`, `*/`,
//!   `--`, `;`); a comment at the end of a code line counts as code, and a `#` line in a
//!   language where `#` is not a comment (C preprocessor, Rust attributes) is skipped.
//! - Refactorings other than whitespace changes and renames (moved code, reformatting that
//!   changes tokens) are blamed like real changes.
//! - No issue tracker is consulted, so introducing commits made *after* the bug was reported
//!   are not excluded; which commits are fixes is the caller's choice.
//! - Merges are blamed like other commits (libgit2 blames along every parent).
//!
//! Cost: one diff per fix and one blame per file a fix modifies; a blame walks the file's
//! history back until every requested line is attributed.
//!
//! A fix's trace is a fact of its commit id, so with the history index on
//! ([`WalkOptions::index`](crate::WalkOptions::index)) each is kept in
//! `<git dir>/relman/index/szz-v1-<lines>-<roots>.jsonl` and a later run traces only the fixes
//! it has not seen (see [`crate::index`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{BlameOptions, DiffFindOptions, DiffOptions, Oid, Patch, Repository};
use relman_model::ChangeId;

use crate::error::GitFailure;
use crate::repository::{GitRepository, change_id};

/// Which deleted or modified lines of a fix are blamed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineFilter {
    /// Skip blank lines and lines that are only a comment (recognised by their first
    /// characters: `//`, `#`, `/*`, `*`, `*/`, `--`, `;`).
    #[default]
    SkipTrivial,
    /// Blame every deleted or modified line.
    All,
}

/// Whether commits without a parent (initial imports) may be reported as bug-introducing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RootCommits {
    /// Report them like other commits (classic B-SZZ).
    #[default]
    Keep,
    /// Never report them: an initial import of existing code did not introduce its bugs.
    Exclude,
}

/// How [`GitRepository::bug_introducing`] runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SzzOptions {
    /// Which lines are blamed (default: blank and comment-only lines skipped).
    pub lines: LineFilter,
    /// Whether root commits may be reported (default: yes).
    pub roots: RootCommits,
    /// Threads tracing fixes at once, each with its own repository handle (`0` and `1` both
    /// mean the calling thread only, the default). The result does not depend on it.
    pub threads: usize,
}

impl SzzOptions {
    /// The defaults: trivial lines skipped, root commits kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`SzzOptions::lines`].
    pub fn lines(&mut self, lines: LineFilter) -> &mut Self {
        self.lines = lines;
        self
    }

    /// Sets [`SzzOptions::roots`].
    pub fn roots(&mut self, roots: RootCommits) -> &mut Self {
        self.roots = roots;
        self
    }

    /// Sets [`SzzOptions::threads`].
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.threads = threads;
        self
    }
}

/// What [`GitRepository::bug_introducing`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BugIntroducing {
    /// Each bug-introducing commit with the fixes that implicate it (ascending ids).
    pub introducers: BTreeMap<ChangeId, BTreeSet<ChangeId>>,
    /// Fixes that implicated at least one commit.
    pub fixes_traced: usize,
    /// Fixes that implicated nothing: root commits, fixes that only add lines or only touch
    /// trivial lines, added, deleted or binary files.
    pub fixes_untraced: usize,
    /// Lines blamed over all fixes.
    pub lines_blamed: usize,
}

impl BugIntroducing {
    /// Whether `change` was found bug-introducing.
    pub fn contains(&self, change: &ChangeId) -> bool {
        self.introducers.contains_key(change)
    }
}

/// Returned by [`GitRepository::bug_introducing`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FindBugIntroducingError {
    /// A fix id names no commit of the repository.
    #[error("fix commit {fix} not found")]
    FixNotFound {
        /// The fix.
        fix: ChangeId,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
    /// libgit2 failed while diffing a fix against its parent.
    #[error("cannot diff fix {fix} against its parent")]
    Diff {
        /// The fix.
        fix: ChangeId,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
    /// libgit2 failed while blaming a file in a fix's parent.
    #[error("cannot blame {path} in the parent of fix {fix}")]
    Blame {
        /// The fix.
        fix: ChangeId,
        /// The file, as named in the parent.
        path: String,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
    /// A worker thread could not open its own handle on the repository (only with
    /// [`SzzOptions::threads`] above 1).
    #[error("a worker thread cannot open the repository at {path}")]
    Worker {
        /// The git directory.
        path: std::path::PathBuf,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
}

impl GitRepository {
    /// The commits that introduced the lines the `fixes` changed: SZZ (see the
    /// [module docs](self) for the algorithm and its limitations).
    ///
    /// Fixes without a parent implicate nothing; duplicate fixes are traced once.
    ///
    /// # Errors
    ///
    /// [`FindBugIntroducingError::FixNotFound`] when a fix id names no commit;
    /// [`FindBugIntroducingError::Diff`] or [`FindBugIntroducingError::Blame`] when libgit2
    /// cannot read the objects involved.
    pub fn bug_introducing(
        &self,
        fixes: &[ChangeId],
        options: &SzzOptions,
    ) -> Result<BugIntroducing, FindBugIntroducingError> {
        let mut seen = BTreeSet::new();
        let fixes: Vec<&ChangeId> = fixes.iter().filter(|fix| seen.insert(*fix)).collect();
        // A fix's trace is a fact of its commit (the blame runs in its parent, whose history
        // its id fixes): the history index keeps it per line filter and root rule.
        let index = self.options.index.then(|| {
            crate::index::FactIndex::<Traced>::open_file(
                szz_path(self, options),
                szz_header(options),
            )
        });
        let kept: Vec<Option<Traced>> = fixes
            .iter()
            .map(|fix| {
                let oid = Oid::from_str(fix.as_str()).ok()?;
                index.as_ref()?.get(oid)
            })
            .collect();
        let todo: Vec<&ChangeId> = fixes
            .iter()
            .zip(&kept)
            .filter_map(|(fix, kept)| kept.is_none().then_some(*fix))
            .collect();
        let threads = options.threads.clamp(1, todo.len().max(1));
        let computed: Vec<Result<Traced, FindBugIntroducingError>> = if threads == 1 {
            todo.iter()
                .map(|fix| trace_fix(&self.repo, fix, options))
                .collect()
        } else {
            self.trace_in_parallel(&todo, options, threads)
        };
        if let Some(index) = &index {
            for (fix, result) in todo.iter().zip(&computed) {
                if let (Ok(done), Ok(oid)) = (result, Oid::from_str(fix.as_str())) {
                    index.insert(oid, done.clone());
                }
            }
            index.flush();
        }
        // Merged in the order of `fixes`, so the result (and the first error) does not depend
        // on the number of threads or on what was kept; each fix without a kept trace has the
        // next computed one.
        let mut computed = computed.into_iter();
        let mut found = BugIntroducing::default();
        for (fix, kept) in fixes.into_iter().zip(kept) {
            let Some(traced) = kept.map(Ok).or_else(|| computed.next()) else {
                break;
            };
            let traced = traced?;
            found.lines_blamed += traced.lines_blamed;
            if traced.implicated.is_empty() {
                found.fixes_untraced += 1;
            } else {
                found.fixes_traced += 1;
            }
            for commit in traced.implicated {
                found
                    .introducers
                    .entry(commit)
                    .or_default()
                    .insert(fix.clone());
            }
        }
        Ok(found)
    }

    /// Traces `fixes` on `threads` scoped threads, each with its own handle on the repository
    /// (a libgit2 repository cannot be shared between threads); fixes are taken one at a time
    /// from a shared counter, so a slow fix does not hold up a whole share. Results come back
    /// in the order of `fixes`.
    fn trace_in_parallel(
        &self,
        fixes: &[&ChangeId],
        options: &SzzOptions,
        threads: usize,
    ) -> Vec<Result<Traced, FindBugIntroducingError>> {
        let next = AtomicUsize::new(0);
        let git_dir = self.git_dir.as_path();
        let mut results: Vec<Option<Result<Traced, FindBugIntroducingError>>> =
            std::iter::repeat_with(|| None).take(fixes.len()).collect();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let next = &next;
                    scope.spawn(move || {
                        let mut done = Vec::new();
                        let repo = Repository::open(git_dir);
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(fix) = fixes.get(index) else {
                                break;
                            };
                            let traced = match &repo {
                                Ok(repo) => trace_fix(repo, fix, options),
                                Err(e) => Err(FindBugIntroducingError::Worker {
                                    path: git_dir.to_owned(),
                                    source: GitFailure::from(git2::Error::from_str(e.message())),
                                }),
                            };
                            done.push((index, traced));
                        }
                        done
                    })
                })
                .collect();
            for worker in workers {
                // A worker only panics if libgit2 or this code has a bug; surface it as such.
                let done = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (index, traced) in done {
                    results[index] = Some(traced);
                }
            }
        });
        results
            .into_iter()
            .zip(fixes)
            .map(|(traced, fix)| {
                // Every index is claimed by exactly one worker, which always records it.
                traced.unwrap_or_else(|| {
                    Err(FindBugIntroducingError::Worker {
                        path: git_dir.to_owned(),
                        source: GitFailure::from(git2::Error::from_str(&format!(
                            "no worker traced fix {fix}"
                        ))),
                    })
                })
            })
            .collect()
    }
}

/// Where the traces of fixes made with `options`' line filter and root rule are kept.
fn szz_path(repo: &GitRepository, options: &SzzOptions) -> std::path::PathBuf {
    crate::index::index_dir(&repo.git_dir).join(format!(
        "szz-v1-{}-{}.jsonl",
        lines_name(options.lines),
        roots_name(options.roots)
    ))
}

fn szz_header(options: &SzzOptions) -> String {
    format!(
        r#"{{"relman_index":"szz","version":1,"lines":"{}","roots":"{}"}}"#,
        lines_name(options.lines),
        roots_name(options.roots)
    )
}

fn lines_name(lines: LineFilter) -> &'static str {
    match lines {
        LineFilter::SkipTrivial => "skip_trivial",
        LineFilter::All => "all",
    }
}

fn roots_name(roots: RootCommits) -> &'static str {
    match roots {
        RootCommits::Keep => "keep",
        RootCommits::Exclude => "exclude",
    }
}

/// What tracing one fix found.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Traced {
    implicated: BTreeSet<ChangeId>,
    lines_blamed: usize,
}

fn trace_fix(
    repo: &Repository,
    fix: &ChangeId,
    options: &SzzOptions,
) -> Result<Traced, FindBugIntroducingError> {
    let mut lines_blamed = 0;
    let not_found = |e: git2::Error| FindBugIntroducingError::FixNotFound {
        fix: fix.clone(),
        source: e.into(),
    };
    let diff_failed = |e: git2::Error| FindBugIntroducingError::Diff {
        fix: fix.clone(),
        source: e.into(),
    };
    let oid = Oid::from_str(fix.as_str()).map_err(not_found)?;
    let commit = repo.find_commit(oid).map_err(not_found)?;
    let mut implicated = BTreeSet::new();
    if commit.parent_count() == 0 {
        return Ok(Traced {
            implicated,
            lines_blamed,
        });
    }
    let parent = commit.parent(0).map_err(diff_failed)?;
    let parent_id = parent.id();
    let old_tree = parent.tree().map_err(diff_failed)?;
    let new_tree = commit.tree().map_err(diff_failed)?;
    let mut diff_options = DiffOptions::new();
    diff_options.context_lines(0);
    let mut diff = repo
        .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut diff_options))
        .map_err(diff_failed)?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))
        .map_err(diff_failed)?;

    // Old path -> old line numbers to blame.
    let mut targets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for index in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(index) else {
            continue;
        };
        if !matches!(delta.status(), git2::Delta::Modified | git2::Delta::Renamed)
            || delta.old_file().is_binary()
        {
            continue;
        }
        let Some(old_path) = delta.old_file().path().and_then(Path::to_str) else {
            continue;
        };
        let old_path = old_path.to_owned();
        let Some(patch) = Patch::from_diff(&diff, index).map_err(diff_failed)? else {
            continue;
        };
        let mut lines = Vec::new();
        for hunk in 0..patch.num_hunks() {
            let count = patch.num_lines_in_hunk(hunk).map_err(diff_failed)?;
            for line in 0..count {
                let line = patch.line_in_hunk(hunk, line).map_err(diff_failed)?;
                if line.origin() != '-' {
                    continue;
                }
                let Some(number) = line.old_lineno() else {
                    continue;
                };
                if options.lines == LineFilter::SkipTrivial && is_trivial(line.content()) {
                    continue;
                }
                lines.push(number as usize);
            }
        }
        if !lines.is_empty() {
            targets.entry(old_path).or_default().extend(lines);
        }
    }

    for (path, lines) in targets {
        let (Some(&min), Some(&max)) = (lines.iter().min(), lines.iter().max()) else {
            continue;
        };
        let mut blame_options = BlameOptions::new();
        blame_options
            .newest_commit(parent_id)
            .min_line(min)
            .max_line(max)
            .ignore_whitespace(true);
        let blame = repo
            .blame_file(Path::new(&path), Some(&mut blame_options))
            .map_err(|e| FindBugIntroducingError::Blame {
                fix: fix.clone(),
                path: path.clone(),
                source: e.into(),
            })?;
        for line in lines {
            let Some(hunk) = blame.get_line(line) else {
                continue;
            };
            lines_blamed += 1;
            let introducer = hunk.final_commit_id();
            if options.roots == RootCommits::Exclude && is_root(repo, introducer) {
                continue;
            }
            implicated.insert(change_id(introducer));
        }
    }
    Ok(Traced {
        implicated,
        lines_blamed,
    })
}

fn is_root(repo: &Repository, oid: Oid) -> bool {
    repo.find_commit(oid).is_ok_and(|c| c.parent_count() == 0)
}

/// Whether a line is blank or only a comment, judged by its first non-blank characters.
pub(crate) fn is_trivial(content: &[u8]) -> bool {
    let text = content.trim_ascii();
    if text.is_empty() {
        return true;
    }
    const COMMENT_STARTS: [&[u8]; 7] = [b"//", b"#", b"/*", b"*/", b"*", b"--", b";"];
    COMMENT_STARTS.iter().any(|start| text.starts_with(start))
}

#[cfg(test)]
mod tests {
    use super::is_trivial;

    #[test]
    fn blank_and_comment_lines_are_trivial() {
        for line in [
            "",
            "   \t\n",
            "// a comment",
            "    # python comment\n",
            "/* block */",
            " * continued block",
            " */",
            "-- sql comment",
            "; lisp",
        ] {
            assert!(is_trivial(line.as_bytes()), "{line:?} should be trivial");
        }
    }

    #[test]
    fn code_lines_are_not_trivial() {
        for line in [
            "let x = 1; // trailing comment",
            "    return a - b;\n",
            "x = y # trailing",
            "}",
            "a * b",
        ] {
            assert!(!is_trivial(line.as_bytes()), "{line:?} is code");
        }
    }
}
