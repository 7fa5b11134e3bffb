//! Conventional Commits parsing and bump decisions over a history-sized batch of messages.
//!
//! `cargo bench --bench commit_parse`. The messages mimic `shared/scripts/make-history.py`:
//! scopes, bodies, `Refs:` and `Co-authored-by:` trailers, some breaking changes and some
//! messages that are not conventional.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relman::model::change::{Change, Person};
use relman::model::commit::ConventionalCommit;
use relman::model::version::{BumpPolicy, ReleaseChannel, Version, next_version};

const TYPES: &[&str] = &["feat", "fix", "chore", "docs", "refactor", "test", "perf"];
const WORDS: &[&str] = &[
    "parser", "cache", "index", "client", "server", "config", "queue",
];

fn messages(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            if i % 17 == 0 {
                return "Update README\n".to_owned();
            }
            let kind = TYPES[i % TYPES.len()];
            let scope = WORDS[(i / 7) % WORDS.len()];
            let bang = if i % 251 == 0 { "!" } else { "" };
            let mut m = format!("{kind}({scope}){bang}: improve {scope} handling\n");
            if i % 3 == 0 {
                m.push_str("\nThe cache now retries with backoff when the queue is full and\n");
                m.push_str("the worker handles the snapshot stream.\n");
            }
            if i % 4 == 0 {
                m.push_str(&format!(
                    "\nRefs: #{}\nCo-authored-by: Bo Chen <bo@example.org>\n",
                    i
                ));
            }
            m
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let messages = messages(10_000);
    let bytes: usize = messages.iter().map(String::len).sum();

    let mut group = c.benchmark_group("commit");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse_10k_messages", |b| {
        b.iter(|| {
            messages
                .iter()
                .filter(|m| ConventionalCommit::parse(black_box(m)).is_ok())
                .count()
        })
    });
    group.finish();

    let changes: Vec<Change> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let id = format!("{i:040x}").parse().expect("a valid change id");
            Change::from_message(
                id,
                m,
                Person::new("Ada Park", "ada@example.org"),
                Default::default(),
            )
        })
        .collect();
    let current = Version::new(1, 4, 2);
    let mut group = c.benchmark_group("version");
    group.throughput(Throughput::Elements(changes.len() as u64));
    group.bench_function("decide_and_next_version_10k_changes", |b| {
        b.iter(|| {
            let decision = BumpPolicy::default().decide(black_box(&changes), Some(&current));
            next_version(Some(&current), decision.bump, &ReleaseChannel::Stable)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
