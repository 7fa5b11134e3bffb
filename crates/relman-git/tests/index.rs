//! The history index gives the same changes as computing every diff: on random histories, cold
//! and warm, after the history is rewritten, with a damaged index file, and from several
//! reader threads.

use std::ops::ControlFlow;

use proptest::prelude::*;
use relman_git::{DiffStats, GitRepository, WalkOptions};
use relman_model::{Change, HistorySource, RevisionRange};
use relman_test_support::GitHistory;
use relman_test_support::steps::{self, Step};

fn walk(history: &GitHistory, index: bool, threads: usize) -> Vec<Change> {
    // A fresh handle each time, as a new process would open the repository.
    let repo = GitRepository::open(history.path()).expect("opens");
    let mut options = WalkOptions::new();
    options
        .diff(DiffStats::Compute)
        .index(index)
        .small_walk(0)
        .threads(threads);
    let mut out = Vec::new();
    repo.walk_with(&RevisionRange::default(), &options, &mut |c| {
        out.push(c);
        ControlFlow::Continue(())
    })
    .expect("walks");
    out
}

fn index_file(history: &GitHistory) -> std::path::PathBuf {
    let repo = GitRepository::open(history.path()).expect("opens");
    relman_git::index::index_path(repo.git_dir())
}

/// Commits `edits` (file number, lines) one by one; renames a file now and then.
fn grow(history: &mut GitHistory, edits: &[(u8, u8)], tag: &str) {
    for (i, (file, lines)) in edits.iter().enumerate() {
        let name = format!("src/f{file}.rs");
        let body: String = (0..*lines)
            .map(|l| format!("line {l} {tag}{i}\n"))
            .collect();
        history.commit(
            &format!("fix: edit {tag}{i}"),
            &[(name.as_str(), body.as_str())],
        );
        if i % 5 == 4 {
            let to = format!("src/moved{tag}{i}.rs");
            history.git(&["mv", &name, &to]);
            history.commit(&format!("refactor: move {tag}{i}"), &[]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn indexed_walks_equal_computed_ones_across_rewrites(
        first in proptest::collection::vec((0u8..4, 1u8..30), 1..12),
        rewrite_back in 0usize..6,
        second in proptest::collection::vec((0u8..4, 1u8..30), 1..8),
    ) {
        let mut history = GitHistory::new();
        grow(&mut history, &first, "a");
        let computed = walk(&history, false, 1);
        prop_assert!(!index_file(&history).exists(), "--no-index writes nothing");
        let cold = walk(&history, true, 1);
        prop_assert!(index_file(&history).exists());
        let warm = walk(&history, true, 2);
        prop_assert_eq!(&cold, &computed);
        prop_assert_eq!(&warm, &computed);

        // Rewrite: drop the last commits and grow another history on top.
        let back = rewrite_back.min(computed.len().saturating_sub(1));
        if back > 0 {
            history.git(&["reset", "--hard", &format!("HEAD~{back}")]);
        }
        grow(&mut history, &second, "b");
        let computed = walk(&history, false, 1);
        prop_assert_eq!(walk(&history, true, 1), computed.clone());
        prop_assert_eq!(walk(&history, true, 2), computed);
    }
}

#[test]
fn a_damaged_index_is_read_around_and_rewritten() {
    let mut history = GitHistory::new();
    grow(
        &mut history,
        &[(0, 3), (1, 5), (0, 7), (2, 1), (1, 2), (3, 4)],
        "a",
    );
    let computed = walk(&history, false, 1);
    assert_eq!(walk(&history, true, 1), computed);
    let path = index_file(&history);
    let text = std::fs::read_to_string(&path).expect("index");
    let lines = text.lines().count();
    // Cut the last entry in half, as a crash during an append would, and damage another.
    let cut = text.len() - 10;
    let damaged = text[..cut].replacen("\"c\":\"", "\"c\":\"zz", 1);
    std::fs::write(&path, damaged).expect("damage");
    assert_eq!(walk(&history, true, 1), computed);
    let repaired = std::fs::read_to_string(&path).expect("index");
    assert_eq!(repaired.lines().count(), lines, "{repaired}");
    assert!(
        repaired
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
}

fn ids(repo: &GitRepository, range: &str) -> Vec<String> {
    let mut out = Vec::new();
    repo.walk(&range.parse().expect("a range"), &mut |c| {
        out.push(c.id.to_string());
        ControlFlow::Continue(())
    })
    .expect("walks");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(relman_test_support::fuzz::cases(8)))]

    /// `walk_extension` says yes only when the walk up to the new head is the added commits
    /// followed by the walk up to the old one, and the reachable tags read through the kept
    /// answer (`reach-v1`) are those read without it.
    #[test]
    fn extensions_and_kept_reachability_match_full_walks(
        steps in proptest::collection::vec(steps::step(), 2..14),
    ) {
        let mut history = GitHistory::new();
        history.at("2026-01-05T12:00:00Z");
        history.commit("feat: start", &[("src/f0.rs", "0\n")]);
        let mut base = history.rev_parse("HEAD");
        let mut extended = 0;
        for (n, s) in steps.iter().enumerate() {
            steps::apply(&mut history, s, n);
            let head = history.rev_parse("HEAD");
            let repo = GitRepository::open(history.path()).expect("opens");
            let mut plain = GitRepository::open(history.path()).expect("opens");
            let mut options = plain.walk_options().clone();
            options.index(false);
            plain.set_walk_options(options);

            let mut added = Vec::new();
            let base_id: relman_model::ChangeId = base.parse().expect("an id");
            let holds = repo
                .walk_extension(&base_id, &relman_model::Revision::head(), &relman_model::WalkScope::new(), &mut |c| {
                    added.push(c.id.to_string());
                    ControlFlow::Continue(())
                })
                .expect("walks");
            if holds {
                extended += 1;
                let mut expected = added.clone();
                expected.extend(ids(&plain, &base));
                prop_assert_eq!(ids(&plain, "HEAD"), expected, "step {} {:?}", n, s);
            } else {
                prop_assert!(added.is_empty());
            }
            // Oldest first is the exact reverse, also on two reader threads.
            let mut newest = ids(&plain, "HEAD");
            newest.reverse();
            for threads in [1, 2] {
                let mut options = WalkOptions::new();
                options.oldest_first(true).threads(threads);
                let mut oldest = Vec::new();
                plain.walk_with(&RevisionRange::default(), &options, &mut |c| {
                    oldest.push(c.id.to_string());
                    ControlFlow::Continue(())
                }).expect("walks");
                prop_assert_eq!(&oldest, &newest);
            }
            let mut kept = repo.tags(&relman_model::Revision::head()).expect("tags");
            let mut read = plain.tags(&relman_model::Revision::head()).expect("tags");
            kept.sort_by(|a, b| a.name.cmp(&b.name));
            read.sort_by(|a, b| a.name.cmp(&b.name));
            prop_assert_eq!(kept, read, "step {} {:?}", n, s);
            base = head;
        }
        // Plain commits dated forward always extend (the generator makes sure some do).
        prop_assert!(extended > 0 || steps.iter().all(|s| !matches!(s, Step::Commit(_, dt) if *dt > 0)));
    }
}

#[test]
fn a_damaged_or_foreign_reachability_answer_is_not_trusted() {
    let mut history = GitHistory::new();
    history.commit("feat: a", &[("a.rs", "a\n")]);
    history.tag("v0.1.0");
    history.commit("feat: b", &[("b.rs", "b\n")]);
    history.tag("v0.2.0");
    let repo = GitRepository::open(history.path()).expect("opens");
    let kept = relman_git::index::index_dir(repo.git_dir()).join("reach-v1");
    let expected = repo.tags(&relman_model::Revision::head()).expect("tags");
    assert_eq!(expected.len(), 2);
    let good = std::fs::read_to_string(&kept).expect("the answer is kept");
    let bogus = "1".repeat(40);
    let head = history.rev_parse("HEAD");
    for damage in [
        // A head that is no commit here.
        good.replace(&head, &bogus),
        // Torn in the middle of a line.
        good[..good.len() - 7].to_owned(),
        // Another version, and noise.
        good.replace("relman-reach v1", "relman-reach v0"),
        "\u{0}\u{1}garbage".to_owned(),
    ] {
        std::fs::write(&kept, &damage).expect("damages");
        let fresh = GitRepository::open(history.path()).expect("opens");
        assert_eq!(
            fresh.tags(&relman_model::Revision::head()).expect("tags"),
            expected
        );
        assert_eq!(
            std::fs::read_to_string(&kept).expect("kept"),
            good,
            "replaced"
        );
    }
}
