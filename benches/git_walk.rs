//! History walks over a synthetic repository, against the `git log` walks they replace.
//!
//! `cargo bench --bench git_walk`. By default the repository is a 10k-commit history generated
//! once into `target/history-10k` by `shared/scripts/make-history.py --commits 10000 --seed 1`
//! (found next to an ancestor of this package); without the script the bench does nothing.
//! `RELMAN_BENCH_COMMITS` generates another size (the directory name follows it), and
//! `RELMAN_BENCH_REPO=PATH` measures an existing repository instead, e.g. the 100k-commit
//! history of the targets
//! (`make-history.py target/history-100k --commits 100000`); `examples/git_walk_time.rs` times
//! one pass of each walk.
//!
//! Groups (each with its `git log` reference, run as a child process), ten samples each:
//! - `walk`: every commit as a `Change` (message parsed as a Conventional Commit, mailmap
//!   applied) vs `git log --format=%H%x00%an%x00%at%x00%s%x00%b HEAD`;
//! - `walk_numstat`: the same with per-file diff stats on two threads vs
//!   `git log --numstat HEAD`: every diff computed (`--no-index`), then with the history index
//!   cold (removed before each run, so the run computes and writes it) and warm;
//! - `metrics_fold`: the change metrics of the whole history (`history_metrics`, diff stats
//!   from the warm index) against `metrics_of` the newest commit resumed from the fold kept at
//!   `HEAD~1`: what `relman plan` and `relman risk --repo` pay after one new commit.
#![allow(clippy::print_stderr)]

use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use relman::git::{DiffStats, GitRepository, Merges, WalkOptions};
use relman::model::{Revision, RevisionRange};

fn repository() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RELMAN_BENCH_REPO") {
        return Some(PathBuf::from(path));
    }
    let commits: usize = std::env::var("RELMAN_BENCH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dest = root.join(format!("target/history-{}k", commits / 1000));
    if dest.join(".git").is_dir() {
        return Some(dest);
    }
    relman_test_support::make_history_script()?;
    relman_test_support::make_history(&dest, &["--commits", &commits.to_string(), "--seed", "1"]);
    Some(dest)
}

fn git_log(repo: &Path, args: &[&str]) -> usize {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("git runs");
    assert!(out.status.success());
    out.stdout.len()
}

fn walk(repo: &GitRepository, options: &WalkOptions) -> usize {
    let mut n = 0usize;
    repo.walk_with(&RevisionRange::default(), options, &mut |c| {
        n += 1;
        black_box(c);
        ControlFlow::Continue(())
    })
    .expect("walks");
    n
}

fn benches(c: &mut Criterion) {
    let Some(path) = repository() else {
        eprintln!(
            "git_walk: make-history.py not found and no RELMAN_BENCH_REPO, nothing to measure"
        );
        return;
    };
    // `git log` does not re-hash objects on read; neither do these walks.
    relman::git::set_object_verification(relman::git::ObjectVerification::Trust);
    let repo = GitRepository::open(&path).expect("opens");

    let mut group = c.benchmark_group("walk");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("git_log_format", |b| {
        b.iter(|| {
            git_log(
                &path,
                &["log", "--format=%H%x00%an%x00%at%x00%s%x00%b", "HEAD"],
            )
        })
    });
    let mut all = WalkOptions::new();
    all.merges(Merges::Include);
    // One thread: walks without diff stats do not use reader threads (`WalkOptions::threads`).
    group.bench_function("relman_changes", |b| b.iter(|| walk(&repo, &all)));
    group.finish();

    let mut group = c.benchmark_group("walk_numstat");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("git_log_numstat", |b| {
        b.iter(|| git_log(&path, &["log", "--numstat", "HEAD"]))
    });
    let mut stats = WalkOptions::new();
    stats
        .merges(Merges::Include)
        .diff(DiffStats::Compute)
        .threads(2)
        .index(false);
    group.bench_function("relman_diff_stats_2_threads", |b| {
        b.iter(|| walk(&repo, &stats))
    });
    let mut indexed = stats.clone();
    indexed.index(true);
    let index = relman::git::index::index_path(repo.git_dir());
    group.bench_function("relman_diff_stats_index_cold", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_file(&index);
                // A fresh handle: the index is read once per repository handle.
                GitRepository::open(&path).expect("opens")
            },
            |fresh| walk(&fresh, &indexed),
            criterion::BatchSize::PerIteration,
        )
    });
    walk(&GitRepository::open(&path).expect("opens"), &indexed);
    group.bench_function("relman_diff_stats_index_warm", |b| {
        b.iter_batched(
            || GitRepository::open(&path).expect("opens"),
            |fresh| walk(&fresh, &indexed),
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("metrics_fold");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let head = Revision::head();
    let parent = Revision::new("HEAD~1").expect("a revision");
    group.bench_function("whole_history", |b| {
        b.iter(|| {
            relman::risk::history_metrics(&repo, &head)
                .expect("folds")
                .len()
        })
    });
    // The fold kept at HEAD~1, restored before each run.
    let kept = relman::git::index::index_dir(repo.git_dir()).join("metrics-v1");
    relman::risk::history_metrics(&repo, &parent).expect("folds");
    let at_parent = std::fs::read(&kept).expect("the fold is kept");
    let newest: std::collections::HashSet<_> = [repo.resolve(&head).expect("HEAD")].into();
    group.bench_function("resume_one_new_commit", |b| {
        b.iter_batched(
            || {
                std::fs::write(&kept, &at_parent).expect("restores");
                GitRepository::open(&path).expect("opens")
            },
            |fresh| {
                relman::risk::metrics_of(&fresh, &head, &newest)
                    .expect("folds")
                    .len()
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(git_walk, benches);
criterion_main!(git_walk);
