//! Grouping and rendering a 100k-change history with relman-changelog.
//!
//! `cargo bench --bench changelog`. The messages mimic `shared/scripts/make-history.py`
//! (scopes, bodies, `(#123)` references, some breaking changes, some non-conventional
//! messages); the history is cut into a release every 500 changes and rendered with a GitHub
//! remote (commit, compare and issue links), as `relman changelog` does for a whole history.

use std::hint::black_box;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relman::changelog::remote::Remote;
use relman::changelog::{Changelog, ChangelogConfig, ReleaseInput, SectionLabel};
use relman::model::change::{Change, Person};

const N: usize = 100_000;
const PER_RELEASE: usize = 500;
const TYPES: &[&str] = &[
    "feat", "fix", "chore", "docs", "refactor", "test", "perf", "ci",
];
const WORDS: &[&str] = &[
    "parser", "cache", "index", "client", "server", "config", "queue",
];

fn changes(n: usize) -> Vec<Change> {
    let people: Vec<Person> = (0..40)
        .map(|i| Person::new(format!("Dev {i}"), format!("dev{i}@example.org")))
        .collect();
    let start = Utc
        .with_ymd_and_hms(2015, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time");
    (0..n)
        .map(|i| {
            let message = if i % 17 == 0 {
                "Update README\n".to_owned()
            } else {
                let kind = TYPES[i % TYPES.len()];
                let scope = WORDS[(i / 7) % WORDS.len()];
                let bang = if i % 251 == 0 { "!" } else { "" };
                let mut m = format!("{kind}({scope}){bang}: improve {scope} handling");
                if i % 5 == 0 {
                    m.push_str(&format!(" (#{})", i % 9000));
                }
                if i % 3 == 0 {
                    m.push_str("\n\nThe cache now retries with backoff when the queue is full.\n");
                }
                m
            };
            let id = format!("{:040x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            Change::from_message(
                id.parse().expect("hex id"),
                &message,
                people[i % people.len()].clone(),
                start + Duration::minutes(i as i64 * 7),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let history = changes(N);
    let remote = Remote::parse("git@github.com:acme/widget.git").expect("remote");
    let engine = Changelog::new(ChangelogConfig::default(), Some(remote)).expect("valid config");
    let releases: Vec<ReleaseInput<'_>> = history
        .chunks(PER_RELEASE)
        .enumerate()
        .map(|(i, chunk)| {
            let n = N / PER_RELEASE - i;
            let mut r = ReleaseInput::new(SectionLabel::version(format!("1.{n}.0")), chunk)
                .with_tag(format!("v1.{n}.0"))
                .with_date(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
            if n > 1 {
                r = r.with_previous_tag(format!("v1.{}.0", n - 1));
            }
            r
        })
        .collect();

    let mut group = c.benchmark_group("changelog_100k");
    group.sample_size(20);
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("group", |b| {
        b.iter(|| {
            let n: usize = releases
                .iter()
                .map(|r| engine.group(black_box(r.changes)).groups.len())
                .sum();
            black_box(n)
        })
    });
    group.bench_function("render_document", |b| {
        b.iter(|| black_box(engine.render_document(black_box(&releases))).len())
    });
    group.bench_function("context_json", |b| {
        b.iter(|| {
            let context = engine.context(black_box(&releases));
            black_box(serde_json::to_string(&context).expect("serializes")).len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
