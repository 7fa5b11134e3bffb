//! Metrics over a 100k-change synthetic history (run in release and report the time):
//! `cargo test -p relman-risk --release --test history_scale -- --ignored --nocapture`.
#![allow(clippy::print_stdout)]

use chrono::{TimeZone, Utc};
use relman_model::{Change, DiffStat, Person};
use relman_risk::{Metric, MetricsTracker};

fn history(n: usize) -> Vec<Change> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|i| {
            let files = 1 + (next() % 6) as usize;
            let diff = (0..files)
                .map(|_| {
                    // A skewed choice of files: many changes hit a few hot files.
                    let f = (next() % 3000).min(next() % 3000);
                    DiffStat::new(
                        format!("crate{}/src/mod{}/file{f}.rs", f % 12, f % 40),
                        next() % 80,
                        next() % 30,
                    )
                })
                .collect();
            let author = next() % 60;
            Change::from_message(
                format!("c{i:06}").parse().expect("valid id"),
                if i % 5 == 0 {
                    "fix: a bug"
                } else {
                    "feat: more"
                },
                Person::new("dev", format!("dev{author}@example.org")),
                Utc.timestamp_opt(1_500_000_000 + i as i64 * 600, 0)
                    .single()
                    .expect("valid time"),
            )
            .with_diff(diff)
        })
        .collect()
}

#[test]
#[ignore = "scale measurement; run in release"]
fn metrics_over_100k_changes() {
    let changes = history(100_000);
    let start = std::time::Instant::now();
    let mut tracker = MetricsTracker::new();
    let mut nuc = 0.0;
    for c in &changes {
        nuc += tracker.observe(c).expect("has diff").get(Metric::Nuc);
    }
    println!(
        "100k changes: metrics in {:.3} s (mean nuc {:.1})",
        start.elapsed().as_secs_f64(),
        nuc / 100_000.0
    );
    assert_eq!(tracker.observed(), 100_000);
}
