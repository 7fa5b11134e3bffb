//! Appends per second with 1, 4 and 16 concurrent writers, the journal against PostgreSQL.
//!
//! Every writer has its own handle (its own file lock handle, or its own connection) and loops:
//! append one event (~330 bytes of JSON) at the revision it believes current; on a conflict it
//! takes the revision the store reports and tries again. Criterion's throughput is committed
//! appends per second over all writers. Both stores acknowledge only durable appends (the
//! journal fsyncs; PostgreSQL commits with `synchronous_commit = on`, its default). The
//! PostgreSQL server is a throwaway local cluster (`relman_test_support::postgres`), reached
//! over TCP on 127.0.0.1.
//!
//! `cargo bench -p relman-env --bench store_append`

#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use relman_env::store::{
    AppendError, JournalStore, LineageId, PgLocation, PgStore, Revision, Store,
};
use relman_env::{Event, EventKind};
use relman_test_support::postgres::PgServer;

fn event(n: u64) -> Event {
    Event::new(
        "2026-12-05T10:00:00Z".parse().unwrap(),
        Some("bench".parse().unwrap()),
        EventKind::Quarantined {
            component: "api".parse().unwrap(),
            version: "1.2.3".parse().unwrap(),
            reason: format!("{n:08} {}", "x".repeat(200)),
        },
    )
}

/// Runs `writers` threads, each with a handle from `open`, until `total` appends committed;
/// returns the elapsed time.
fn run<S: Store<Event = Event> + Send + 'static>(
    writers: usize,
    total: u64,
    open: &(dyn Fn() -> S + Sync),
) -> Duration {
    let done = Arc::new(AtomicU64::new(0));
    let stores: Vec<S> = (0..writers).map(|_| open()).collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for mut store in stores {
            let done = Arc::clone(&done);
            scope.spawn(move || {
                let mut at = store.revision().unwrap();
                while done.load(Ordering::Relaxed) < total {
                    match store.append(at, &[event(at.get())]) {
                        Ok(r) => {
                            at = r;
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(AppendError::Conflict { current, .. }) => at = current,
                        Err(e) => panic!("{e:?}"),
                    }
                }
            });
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let server = PgServer::start();
    let db = server.database("bench");
    let location = PgLocation::parse(&db.url()).unwrap();
    drop(PgStore::<Event>::create(&location, LineageId::new("bench").unwrap()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    JournalStore::<Event>::create(dir.path(), LineageId::new("bench").unwrap()).unwrap();

    let mut group = c.benchmark_group("store_append");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for writers in [1usize, 4, 16] {
        group.bench_with_input(BenchmarkId::new("journal", writers), &writers, |b, &w| {
            let path = dir.path().to_path_buf();
            b.iter_custom(|iters| {
                run(w, iters, &|| {
                    JournalStore::<Event>::open(&path).unwrap().store
                })
            });
        });
        group.bench_with_input(BenchmarkId::new("postgres", writers), &writers, |b, &w| {
            b.iter_custom(|iters| run(w, iters, &|| PgStore::<Event>::open(&location).unwrap()));
        });
    }
    group.finish();
    // Keep the revision type in use for readers of the bench: the ledger grew contiguously.
    let mut check = PgStore::<Event>::open(&location).unwrap();
    assert!(check.revision().unwrap() > Revision::ZERO);
}

criterion_group!(benches, bench);
criterion_main!(benches);
