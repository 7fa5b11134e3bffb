//! The change metrics resumed from the fold kept in a repository's history index equal a fold
//! of the whole history, on random histories (clock skew, merged topic branches, rewrites).
#![cfg(feature = "git")]

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use proptest::prelude::*;
use relman_git::GitRepository;
use relman_model::{ChangeId, HistorySource, Revision};
use relman_test_support::GitHistory;
use relman_test_support::steps;

/// The kept fold: `metrics-v1.<fingerprint of the walk options and the mailmap>`.
fn kept_fold(repo: &GitRepository) -> Option<std::path::PathBuf> {
    let dir = relman_git::index::index_dir(repo.git_dir());
    std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.expect("an entry").path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("metrics-v1."))
        })
}

fn open(history: &GitHistory, index: bool) -> GitRepository {
    let mut repo = GitRepository::open(history.path()).expect("opens");
    let mut options = repo.walk_options().clone();
    options.index(index);
    repo.set_walk_options(options);
    repo
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(relman_test_support::fuzz::cases(8)))]

    #[test]
    fn resumed_metrics_equal_a_whole_fold(
        steps in proptest::collection::vec(steps::step(), 2..14),
    ) {
        let mut history = GitHistory::new();
        history.at("2026-01-05T12:00:00Z");
        history.commit("feat: start", &[("src/f0.rs", "0\n")]);
        for (n, s) in steps.iter().enumerate() {
            steps::apply(&mut history, s, n);
            let plain = open(&history, false);
            // The reference: the newest-first walk reversed, folded in memory.
            let mut walked = Vec::new();
            plain.walk_scoped(&Default::default(), &relman_model::WalkScope::new().with_diff_stats(), &mut |c| {
                walked.push(c);
                ControlFlow::Continue(())
            }).expect("walks");
            walked.reverse();
            let whole: HashMap<ChangeId, _> = walked
                .iter()
                .map(|c| c.id.clone())
                .zip(relman_risk::compute_metrics(&walked).expect("folds"))
                .collect();
            let streamed: HashMap<ChangeId, _> = relman_risk::history_metrics(&plain, &Revision::head())
                .expect("folds")
                .into_iter()
                .map(|(c, m)| (c.id, m))
                .collect();
            prop_assert_eq!(&streamed, &whole);
            let indexed = open(&history, true);
            let mut all = HashSet::new();
            indexed.walk(&Default::default(), &mut |c| {
                all.insert(c.id);
                ControlFlow::Continue(())
            }).expect("walks");
            let resumed = relman_risk::metrics_of(&indexed, &Revision::head(), &all).expect("folds");
            prop_assert_eq!(&resumed, &whole, "step {} {:?}", n, s);
            // The newest change alone, as a plan asks after one new commit.
            if let Some(newest) = relman_risk::newest_metrics(&indexed, &Default::default(), 1)
                .expect("folds")
                .pop()
            {
                prop_assert_eq!(Some(&newest.1), whole.get(&newest.0.id));
            }
        }
        prop_assert!(kept_fold(&open(&history, true)).is_some(), "the fold is kept");
    }
}

/// A history that counts the changes it hands out.
struct Counting<'a> {
    inner: &'a GitRepository,
    walked: std::cell::Cell<usize>,
}

impl HistorySource for Counting<'_> {
    type Error = relman_git::ReadHistoryError;

    fn walk(
        &self,
        range: &relman_model::RevisionRange,
        visit: &mut dyn FnMut(relman_model::Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        self.inner.walk(range, &mut |c| {
            self.walked.set(self.walked.get() + 1);
            visit(c)
        })
    }

    fn walk_scoped(
        &self,
        range: &relman_model::RevisionRange,
        scope: &relman_model::WalkScope,
        visit: &mut dyn FnMut(relman_model::Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        self.inner.walk_scoped(range, scope, &mut |c| {
            self.walked.set(self.walked.get() + 1);
            visit(c)
        })
    }

    fn version_tags(&self, at: &Revision) -> Result<Vec<relman_model::VersionTag>, Self::Error> {
        self.inner.version_tags(at)
    }

    fn cache(&self) -> Option<&dyn relman_model::HistoryCache> {
        self.inner.cache()
    }

    fn resolve_change(&self, rev: &Revision) -> Result<Option<ChangeId>, Self::Error> {
        self.inner.resolve_change(rev)
    }

    fn walk_extension(
        &self,
        base: &ChangeId,
        to: &Revision,
        scope: &relman_model::WalkScope,
        visit: &mut dyn FnMut(relman_model::Change) -> ControlFlow<()>,
    ) -> Result<bool, Self::Error> {
        self.inner.walk_extension(base, to, scope, &mut |c| {
            self.walked.set(self.walked.get() + 1);
            visit(c)
        })
    }
}

#[test]
fn one_new_commit_folds_one_change_and_a_rewrite_folds_all() {
    let mut history = GitHistory::new();
    for i in 0..20 {
        let body = format!("{i}\n");
        history.commit(&format!("fix: edit {i}"), &[("src/lib.rs", body.as_str())]);
    }
    let repo = open(&history, true);
    let counting = Counting {
        inner: &repo,
        walked: std::cell::Cell::new(0),
    };
    let head: HashSet<ChangeId> = [history.rev_parse("HEAD").parse().expect("id")].into();
    relman_risk::metrics_of(&counting, &Revision::head(), &head).expect("folds");
    assert_eq!(counting.walked.get(), 20, "the first fold walks everything");

    let id = history.commit("feat: one more", &[("src/new.rs", "x\n")]);
    let repo = open(&history, true);
    let counting = Counting {
        inner: &repo,
        walked: std::cell::Cell::new(0),
    };
    let wanted: HashSet<ChangeId> = [id.parse().expect("id")].into();
    let resumed = relman_risk::metrics_of(&counting, &Revision::head(), &wanted).expect("folds");
    assert_eq!(counting.walked.get(), 1, "only the new commit is folded");
    let whole = relman_risk::history_metrics(&open(&history, false), &Revision::head())
        .expect("folds")
        .pop()
        .expect("a change");
    assert_eq!(resumed[&whole.0.id], whole.1);

    // A rewritten history is not an extension: everything is folded again.
    history.git(&["reset", "-q", "--hard", "HEAD~2"]);
    history.commit("fix: rewritten", &[("src/lib.rs", "y\n")]);
    let repo = open(&history, true);
    let counting = Counting {
        inner: &repo,
        walked: std::cell::Cell::new(0),
    };
    let id: HashSet<ChangeId> = [history.rev_parse("HEAD").parse().expect("id")].into();
    relman_risk::metrics_of(&counting, &Revision::head(), &id).expect("folds");
    assert_eq!(counting.walked.get(), 20);
}

#[test]
fn a_damaged_or_foreign_fold_is_folded_again_and_replaced() {
    let mut history = GitHistory::new();
    for i in 0..12 {
        let body = format!("{i}\n");
        history.commit(&format!("fix: edit {i}"), &[("src/lib.rs", body.as_str())]);
    }
    let repo = open(&history, true);
    let head: HashSet<ChangeId> = [history.rev_parse("HEAD").parse().expect("id")].into();
    let expected =
        relman_risk::metrics_of(&open(&history, false), &Revision::head(), &head).expect("folds");
    relman_risk::metrics_of(&repo, &Revision::head(), &head).expect("folds");
    let kept = kept_fold(&repo).expect("the fold is kept");
    let good = std::fs::read(&kept).expect("kept");
    let half = good[..good.len() / 2].to_vec();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    for damage in [half, flipped, b"relman-metrics v0\n".to_vec(), Vec::new()] {
        std::fs::write(&kept, &damage).expect("damages");
        let counting = Counting {
            inner: &repo,
            walked: std::cell::Cell::new(0),
        };
        let got = relman_risk::metrics_of(&counting, &Revision::head(), &head).expect("folds");
        assert_eq!(got, expected);
        assert_eq!(counting.walked.get(), 12, "a damaged fold is not trusted");
        assert_eq!(std::fs::read(&kept).expect("kept"), good, "and is replaced");
    }
}

#[test]
fn a_new_mailmap_is_not_resumed_from_a_fold_made_without_it() {
    let mut history = GitHistory::new();
    for (i, (name, email)) in [("Ada", "ada@x.org"), ("Bob", "bob@x.org")]
        .iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        history.author(name, email);
        let body = format!("{i}\n");
        history.commit(&format!("fix: edit {i}"), &[("src/lib.rs", body.as_str())]);
    }
    let all = |h: &GitHistory| -> HashSet<ChangeId> {
        let mut ids = HashSet::new();
        open(h, false)
            .walk(&Default::default(), &mut |c| {
                ids.insert(c.id);
                ControlFlow::Continue(())
            })
            .expect("walks");
        ids
    };
    relman_risk::metrics_of(&open(&history, true), &Revision::head(), &all(&history))
        .expect("folds");
    // Bob is Ada: every earlier change's experience and developer counts change, so the
    // fold must not be resumed although the new commit extends the old head.
    history.author("Ada", "ada@x.org");
    history.commit(
        "chore: mailmap",
        &[(".mailmap", "Ada <ada@x.org> <bob@x.org>\n")],
    );
    let ids = all(&history);
    let resumed =
        relman_risk::metrics_of(&open(&history, true), &Revision::head(), &ids).expect("folds");
    let whole =
        relman_risk::metrics_of(&open(&history, false), &Revision::head(), &ids).expect("folds");
    assert_eq!(resumed, whole);
}
