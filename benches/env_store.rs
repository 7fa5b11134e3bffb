//! Durable appends: relman-env's journal store beside SQLite doing the same work.
//!
//! Both sides are equally durable: the journal fsyncs (`fdatasync`) every append before
//! acknowledging it; SQLite runs in WAL mode with `synchronous=FULL`, which fsyncs the WAL on
//! every commit. Both check the expected revision before writing (optimistic concurrency) and
//! store each event as JSON text.
//!
//! - `fsync_each`: one event per append / transaction;
//! - `batched_100`: 100 events per append / transaction.
//!
//! Throughput is in events per second. Run with `cargo bench --bench env_store`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relman_env::store::{JournalStore, LineageId, Revision, Store};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// A deployment-sized event.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Deployed {
    kind: String,
    env: String,
    component: String,
    version: String,
    by: String,
    at: String,
    changes: Vec<String>,
}

fn event(i: u64) -> Deployed {
    Deployed {
        kind: "deployment_succeeded".into(),
        env: "staging".into(),
        component: format!("service-{}", i % 17),
        version: format!("1.{}.{}", i / 100, i % 100),
        by: "ci-bot".into(),
        at: "2026-11-28T03:30:00Z".into(),
        changes: (0..3).map(|k| format!("{:040x}", i * 7 + k)).collect(),
    }
}

struct Sqlite {
    conn: Connection,
}

impl Sqlite {
    fn open(dir: &std::path::Path) -> Self {
        let conn = Connection::open(dir.join("ledger.sqlite")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS events (revision INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        )
        .unwrap();
        Sqlite { conn }
    }

    /// Appends `events` if the ledger is at `expected`; the same contract as `Store::append`.
    fn append(&mut self, expected: i64, events: &[Deployed]) -> Result<i64, i64> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        let current: i64 = tx
            .query_row("SELECT COALESCE(MAX(revision), 0) FROM events", [], |r| {
                r.get(0)
            })
            .unwrap();
        if current != expected {
            return Err(current);
        }
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO events (revision, body) VALUES (?1, ?2)")
                .unwrap();
            for (i, e) in events.iter().enumerate() {
                let body = serde_json::to_string(e).unwrap();
                insert
                    .execute(params![expected + 1 + i as i64, body])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
        Ok(expected + events.len() as i64)
    }
}

fn bench(c: &mut Criterion) {
    for (name, batch) in [("fsync_each", 1u64), ("batched_100", 100)] {
        let mut group = c.benchmark_group(format!("durable_append/{name}"));
        group.throughput(Throughput::Elements(batch));
        group.sample_size(20);
        group.measurement_time(std::time::Duration::from_secs(4));
        group.warm_up_time(std::time::Duration::from_millis(500));

        let dir = tempfile::tempdir().unwrap();
        let mut journal =
            JournalStore::<Deployed>::create(dir.path(), LineageId::new("bench").unwrap())
                .unwrap()
                .store;
        let mut rev = Revision::ZERO;
        let mut n = 0;
        group.bench_function("journal", |b| {
            b.iter(|| {
                let events: Vec<Deployed> = (n..n + batch).map(event).collect();
                n += batch;
                rev = journal.append(rev, black_box(&events)).unwrap();
            });
        });

        let sdir = tempfile::tempdir().unwrap();
        let mut sqlite = Sqlite::open(sdir.path());
        let mut srev = 0;
        let mut n = 0;
        group.bench_function("sqlite_wal_full", |b| {
            b.iter(|| {
                let events: Vec<Deployed> = (n..n + batch).map(event).collect();
                n += batch;
                srev = sqlite.append(srev, black_box(&events)).unwrap();
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
