//! The walk against `git log` on a synthetic history from `make-history.py` (found next to an
//! ancestor of the workspace): authors, times, summaries and per-file diff stats must be what
//! git prints.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use relman_git::{DiffStats, GitRepository, WalkOptions};
use relman_model::{Change, RevisionRange};
use relman_test_support::{git, make_history};

fn history(dir: &Path) -> PathBuf {
    let repo = dir.join("history");
    make_history(&repo, &["--commits", "400", "--seed", "3"]);
    repo
}

fn walk(repo: &GitRepository, options: &WalkOptions) -> Vec<Change> {
    let mut changes = Vec::new();
    repo.walk_with(&RevisionRange::default(), options, &mut |c| {
        changes.push(c);
        ControlFlow::Continue(())
    })
    .expect("walks");
    changes
}

/// Per commit: the sorted (added, deleted, path) of `git log --numstat` (binary files count 0;
/// renames keep git's `{old => new}` path, compared by counts only).
type Numstat = BTreeMap<String, Vec<(u64, u64, Option<String>)>>;

fn git_numstat(repo: &Path) -> Numstat {
    let text = git(
        repo,
        &["log", "--no-merges", "--numstat", "--format=%x01%H", "HEAD"],
    );
    let mut out = Numstat::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(id) = line.strip_prefix('\u{1}') {
            current = Some(id.to_owned());
            out.entry(id.to_owned()).or_default();
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(a), Some(d), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let count = |s: &str| s.parse::<u64>().unwrap_or(0);
        let path = (!path.contains(" => ")).then(|| path.to_owned());
        out.get_mut(current.as_ref().expect("a commit first"))
            .expect("an entry")
            .push((count(a), count(d), path));
    }
    for files in out.values_mut() {
        files.sort();
    }
    out
}

#[test]
fn the_walk_reads_what_git_log_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = history(dir.path());
    let repo = GitRepository::open(&path).expect("opens");
    let mut options = WalkOptions::new();
    options.diff(DiffStats::Compute);
    let changes = walk(&repo, &options);

    let log = git(
        &path,
        &[
            "log",
            "--no-merges",
            "--format=%H%x00%aN%x00%aE%x00%ct%x00%s",
            "HEAD",
        ],
    );
    let expected: Vec<Vec<&str>> = log.lines().map(|l| l.split('\0').collect()).collect();
    assert_eq!(changes.len(), expected.len());
    for (change, fields) in changes.iter().zip(&expected) {
        assert_eq!(change.id.as_str(), fields[0]);
        assert_eq!(change.author.name, fields[1], "{}", fields[0]);
        assert_eq!(change.author.email, fields[2], "{}", fields[0]);
        assert_eq!(
            change.time.timestamp().to_string(),
            fields[3],
            "{}",
            fields[0]
        );
        assert_eq!(change.summary, fields[4], "{}", fields[0]);
    }

    let numstat = git_numstat(&path);
    let mut files = 0;
    for change in &changes {
        let mut ours: Vec<(u64, u64, Option<String>)> = change
            .diff
            .as_ref()
            .expect("computed")
            .iter()
            .map(|d| {
                (
                    d.added,
                    d.deleted,
                    d.old_path.is_none().then(|| d.path.clone()),
                )
            })
            .collect();
        ours.sort();
        let theirs = &numstat[change.id.as_str()];
        assert_eq!(&ours, theirs, "diff stats of {}", change.id);
        files += ours.len();
    }
    assert!(files > changes.len(), "the history has diffs to compare");

    // More threads, same changes.
    options.threads(2);
    assert_eq!(walk(&repo, &options), changes);
}

/// A small repository whose commits cover what diff stats must get right: binary files, a last
/// line without newline, a mode-only change, nested directories, a file replaced by a
/// directory, a deletion, and a commit that both adds and deletes files.
fn edge_cases(dir: &Path) -> PathBuf {
    let repo = dir.join("edges");
    std::fs::create_dir_all(&repo).expect("test setup");
    let run = |args: &[&str]| {
        git(
            &repo,
            &[
                &["-c", "user.name=Ada", "-c", "user.email=ada@example.org"][..],
                args,
            ]
            .concat(),
        );
    };
    let write = |file: &str, bytes: &[u8]| {
        let path = repo.join(file);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("test setup");
        std::fs::write(path, bytes).expect("test setup");
    };
    let commit = |message: &str| {
        run(&["add", "-A"]);
        run(&["commit", "-q", "-m", message]);
    };
    run(&["init", "-q", "-b", "main"]);
    write("a.txt", b"one\ntwo\nthree\n");
    write("bin.dat", b"\0\x01\x02binary\n");
    write("nonl.txt", b"x\ny");
    write("dir/sub/deep.txt", b"deep\n");
    write("thing", b"a file\n");
    commit("feat: start");
    write("a.txt", b"one\n2\nthree\nfour\n");
    write("bin.dat", b"\0\x01\x03binary\n");
    write("nonl.txt", b"x\nz");
    commit("fix: edit");
    run(&["update-index", "--chmod=+x", "nonl.txt"]);
    run(&["commit", "-q", "-m", "chore: executable"]);
    std::fs::remove_file(repo.join("dir/sub/deep.txt")).expect("test setup");
    write("a.txt", b"one\n");
    commit("refactor: delete");
    std::fs::remove_file(repo.join("thing")).expect("test setup");
    write("thing/inner.txt", b"inside\nthe dir\n");
    commit("refactor: a directory");
    std::fs::remove_file(repo.join("nonl.txt")).expect("test setup");
    write("fresh.txt", b"entirely\ndifferent\ncontent\n");
    commit("feat: add and delete");
    repo
}

#[test]
fn diff_stats_of_edge_cases_are_git_log_numstat() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = edge_cases(dir.path());
    let repo = GitRepository::open(&path).expect("opens");
    let mut options = WalkOptions::new();
    options.diff(DiffStats::Compute);
    let changes = walk(&repo, &options);
    assert_eq!(changes.len(), 6);
    let numstat = git_numstat(&path);
    for change in &changes {
        let mut ours: Vec<(u64, u64, Option<String>)> = change
            .diff
            .as_ref()
            .expect("computed")
            .iter()
            .map(|d| {
                (
                    d.added,
                    d.deleted,
                    d.old_path.is_none().then(|| d.path.clone()),
                )
            })
            .collect();
        ours.sort();
        assert_eq!(&ours, &numstat[change.id.as_str()], "{}", change.summary);
    }
    let edit = changes[4].diff.as_ref().expect("computed");
    assert!(
        edit.iter()
            .any(|d| d.path == "bin.dat" && d.added == 0 && d.deleted == 0)
    );
}
