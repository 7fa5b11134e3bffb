//! Random histories for property tests: commits dated forward or back (clock skew), topic
//! branches merged back, tags and resets, applied to a [`GitHistory`].

use proptest::prelude::*;

use crate::GitHistory;

/// One step of a random history.
#[derive(Debug, Clone)]
pub enum Step {
    /// A commit to `src/f<N>.rs` dated `dt` seconds after the current date (negative: clock
    /// skew).
    Commit(u8, i64),
    /// A topic branch of `n` commits starting `dt` seconds after the current date (negative:
    /// older than the mainline's last commit), merged back with a merge commit.
    Topic(u8, i64),
    /// A lightweight tag on `HEAD`.
    Tag,
    /// `git reset --hard HEAD~k` (when the history is long enough): a rewritten history.
    Reset(u8),
}

/// A random [`Step`].
pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..4, -30i64..120).prop_map(|(f, dt)| Step::Commit(f, dt)),
        1 => (1u8..4, -200i64..60).prop_map(|(n, dt)| Step::Topic(n, dt)),
        1 => Just(Step::Tag),
        1 => (1u8..3).prop_map(Step::Reset),
    ]
}

/// Applies `step`, the `n`th of its history (`n` names its files, branches and tags).
///
/// # Panics
///
/// When git fails.
pub fn apply(history: &mut GitHistory, step: &Step, n: usize) {
    match step {
        Step::Commit(file, dt) => {
            let now = history.date();
            history.step(0).at(&rfc3339(now + dt));
            let name = format!("src/f{file}.rs");
            history.commit(
                &format!("fix: edit {n}"),
                &[(name.as_str(), &format!("{n}\n"))],
            );
        }
        Step::Topic(commits, dt) => {
            let now = history.date();
            history.branch(&format!("topic{n}"));
            history.step(1).at(&rfc3339(now + dt));
            for i in 0..*commits {
                let name = format!("src/t{n}.rs");
                history.commit(
                    &format!("feat: topic {n}.{i}"),
                    &[(name.as_str(), &format!("{i}\n"))],
                );
            }
            history.checkout("-");
            history.step(0).at(&rfc3339(now + 100));
            history.merge(&format!("topic{n}"), &format!("Merge topic {n}"));
        }
        Step::Tag => {
            history.tag(&format!("t{n}"));
        }
        Step::Reset(k) => {
            let count: usize = history
                .git(&["rev-list", "--first-parent", "--count", "HEAD"])
                .parse()
                .expect("a count");
            if count > usize::from(*k) + 1 {
                history.git(&["reset", "-q", "--hard", &format!("HEAD~{k}")]);
            }
        }
    }
}

fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .expect("a date")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
