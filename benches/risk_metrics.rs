//! The 14 change metrics over a 100k-commit history: the cost `relman risk` and
//! `relman risk label` add to the history walk.
//!
//! `cargo bench --bench risk_metrics -- --sample-size 10`. The history is generated in memory,
//! deterministically (a fixed linear congruential generator), sized roughly like
//! `shared/scripts/make-history.py`'s repositories: 100k commits by 24 authors over 2,000 files
//! in 8 subsystems and 40 directories; most commits touch 1–4 files, one in twenty touches up
//! to 30; one in a hundred renames a file; a quarter are fixes. Set `RELMAN_BENCH_COMMITS` to
//! use another size.
//!
//! Group `risk_metrics`: `observe_100k` feeds every change, oldest first, to a fresh
//! `MetricsTracker` (the work `history_metrics` does after the walk). The budget is
//! at most 2 s for 100k commits.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use relman::model::{Change, ChangeId, DiffStat, Person};
use relman::risk::MetricsTracker;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn history(commits: usize) -> Vec<Change> {
    let mut rng = Lcg(1);
    let authors: Vec<Person> = (0..24)
        .map(|i| Person::new(format!("Dev {i}"), format!("dev{i}@example.org")))
        .collect();
    let mut files: Vec<String> = (0..2000)
        .map(|i| format!("crates/sub{}/dir{}/file{i}.rs", i % 8, i % 40))
        .collect();
    let mut time = 1_500_000_000i64;
    let mut changes = Vec::with_capacity(commits);
    for n in 0..commits {
        time += 60 + rng.below(7200) as i64;
        let count = if rng.below(20) == 0 {
            1 + rng.below(30)
        } else {
            1 + rng.below(4)
        };
        let mut diff = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let index = rng.below(files.len() as u64) as usize;
            let added = rng.below(60);
            let deleted = rng.below(30);
            if rng.below(100) == 0 {
                let old = files[index].clone();
                files[index] = format!("{old}.{n}");
                diff.push(DiffStat::renamed(old, files[index].clone(), added, deleted));
            } else {
                diff.push(DiffStat::new(files[index].clone(), added, deleted));
            }
        }
        let message = if rng.below(4) == 0 {
            "fix: handle the edge case"
        } else {
            "feat: add a thing"
        };
        let id = ChangeId::new(format!("{n:040x}")).expect("hex is a valid change id");
        let author = authors[rng.below(authors.len() as u64) as usize].clone();
        let at = DateTime::<Utc>::from_timestamp(time, 0).expect("a valid timestamp");
        changes.push(Change::from_message(id, message, author, at).with_diff(diff));
    }
    changes
}

fn benches(c: &mut Criterion) {
    let commits: usize = std::env::var("RELMAN_BENCH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let changes = history(commits);
    let mut group = c.benchmark_group("risk_metrics");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(format!("observe_{}k", commits / 1000), |b| {
        b.iter(|| {
            let mut tracker = MetricsTracker::new();
            for change in &changes {
                black_box(tracker.observe(change).expect("every change has a diff"));
            }
            tracker.observed()
        })
    });
    group.finish();
}

criterion_group!(risk_metrics, benches);
criterion_main!(risk_metrics);
