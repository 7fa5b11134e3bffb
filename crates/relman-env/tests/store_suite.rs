//! One store test suite, run against every durable backend: the journal ([`JournalStore`] in a
//! temp dir) and PostgreSQL ([`PgStore`] in a database of a throwaway cluster started by
//! `relman_test_support::postgres`; the test fails when the server binaries are missing).
//!
//! Each check is a generic function over [`Backend`]; the `suite!` macro at the bottom
//! instantiates it once per backend (`journal::NAME` and `postgres::NAME`). Checks that only mean
//! something for a server (a connection dropped mid-transaction, the server restarted) are in
//! `postgres_only`.
//!
//! The kill test re-invokes this executable on the ignored test `suite_child` with
//! `RELMAN_SUITE_CHILD` (`journal` or `postgres`) and `RELMAN_SUITE_LOCATION` (a directory or a
//! URL); `RELMAN_KILL_CYCLES` sets the number of kill cycles (default 50).

// Test helpers outside `#[test]` functions unwrap and print too; clippy only exempts the latter.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use chrono::{DateTime, Utc};
use relman_env::store::{
    AppendError, JournalStore, LineageId, PgLocation, PgStore, Recorded, Revision, Store,
    StoreError, load_state, transact,
};
use relman_env::{EnvState, Event, EventKind, ops};
use relman_test_support::postgres::{PASSWORD, PgDatabase, PgServer};

fn lineage() -> LineageId {
    LineageId::new("suite").unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-12-05T10:00:00Z".parse().unwrap()
}

/// An event that carries `marker` (its reason), so that a reader can tell whose it is.
fn marked(marker: &str) -> Event {
    Event::new(
        now(),
        None,
        EventKind::Quarantined {
            component: "api".parse().unwrap(),
            version: "1.0.0".parse().unwrap(),
            reason: marker.to_string(),
        },
    )
}

fn marker_of(event: &Event) -> &str {
    match &event.kind {
        EventKind::Quarantined { reason, .. } => reason,
        _ => "",
    }
}

fn declare() -> Event {
    let environments =
        relman_model::Environment::pipeline(["staging", "production"].map(|n| n.parse().unwrap()));
    Event::new(
        now(),
        None,
        EventKind::EnvironmentsDeclared { environments },
    )
}

/// A durable store under test.
trait Backend {
    type S: Store<Event = Event> + Send + 'static;
    /// Where child processes find the store (a directory or a URL).
    fn location(&self) -> String;
    /// Creates the (empty) store.
    fn create(&self) -> Self::S;
    /// Opens another handle (as another machine or process would).
    fn open(&self) -> Self::S {
        self.try_open().unwrap()
    }
    /// Opens another handle, or the error.
    fn try_open(&self) -> Result<Self::S, StoreError>;
    /// Writes `state` as the snapshot at `expected`.
    fn snapshot_at(
        store: &mut Self::S,
        expected: Revision,
        state: &EnvState,
    ) -> Result<Revision, AppendError>;
    /// Makes the stored schema newer than this build reads.
    fn make_schema_newer(&self);
    /// The kind name for child processes.
    const KIND: &'static str;
}

struct Journal {
    dir: tempfile::TempDir,
}

impl Journal {
    fn new() -> Self {
        Journal {
            dir: tempfile::tempdir().unwrap(),
        }
    }
}

impl Backend for Journal {
    type S = JournalStore<Event>;
    const KIND: &'static str = "journal";
    fn location(&self) -> String {
        self.dir.path().display().to_string()
    }
    fn create(&self) -> Self::S {
        JournalStore::create(self.dir.path(), lineage())
            .unwrap()
            .store
    }
    fn try_open(&self) -> Result<Self::S, StoreError> {
        JournalStore::open(self.dir.path()).map(|o| o.store)
    }
    fn snapshot_at(
        store: &mut Self::S,
        expected: Revision,
        state: &EnvState,
    ) -> Result<Revision, AppendError> {
        store.snapshot_at(expected, state)
    }
    fn make_schema_newer(&self) {
        // The header frame's payload says "schema_version":1; make it 9 and fix the checksum.
        let path = self.dir.path().join("journal");
        let mut bytes = std::fs::read(&path).unwrap();
        let len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        let payload = String::from_utf8(bytes[16..16 + len].to_vec()).unwrap();
        let newer = payload.replace("\"schema_version\":1", "\"schema_version\":9");
        assert_ne!(payload, newer);
        bytes[16..16 + len].copy_from_slice(newer.as_bytes());
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&bytes[8..12]);
        hasher.update(newer.as_bytes());
        bytes[12..16].copy_from_slice(&hasher.finalize().to_le_bytes());
        std::fs::write(&path, bytes).unwrap();
    }
}

/// A database on its own server. `db` is declared first so that it is dropped (the database
/// dropped) while the server still runs.
struct Postgres {
    db: PgDatabase,
    server: PgServer,
}

impl Postgres {
    fn new() -> Self {
        let server = PgServer::start();
        let db = server.database("suite");
        Postgres { server, db }
    }

    fn pg_location(&self) -> PgLocation {
        PgLocation::parse(&self.db.url()).unwrap()
    }
}

impl Backend for Postgres {
    type S = PgStore<Event>;
    const KIND: &'static str = "postgres";
    fn location(&self) -> String {
        self.db.url()
    }
    fn create(&self) -> Self::S {
        PgStore::create(&self.pg_location(), lineage()).unwrap()
    }
    fn try_open(&self) -> Result<Self::S, StoreError> {
        PgStore::open(&self.pg_location())
    }
    fn snapshot_at(
        store: &mut Self::S,
        expected: Revision,
        state: &EnvState,
    ) -> Result<Revision, AppendError> {
        store.snapshot_at(expected, state)
    }
    fn make_schema_newer(&self) {
        self.db.psql(
            "INSERT INTO relman_schema_migrations (version, description) VALUES (99, 'future')",
        );
    }
}

/// The error and its sources, `: `-separated, as the CLI prints them.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Checks that `events` are contiguous from `base + 1` and returns the last revision.
fn assert_contiguous(events: &[Recorded<Event>], base: u64) -> u64 {
    let mut expected = base;
    for r in events {
        expected += 1;
        assert_eq!(r.revision.get(), expected, "revisions are contiguous");
    }
    expected
}

// ---------------------------------------------------------------------------------------------
// The generic checks.

/// `writers` handles append at the same expected revision, round after round: exactly one wins
/// each round, and every loser is told the winner's revision.
fn racing_writers<B: Backend>(b: &B, writers: usize, rounds: u64) {
    b.create();
    let start = Arc::new(Barrier::new(writers + 1));
    let go = Arc::new(Barrier::new(writers));
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let mut store = b.open();
            let (start, go, tx) = (Arc::clone(&start), Arc::clone(&go), tx.clone());
            std::thread::spawn(move || {
                for round in 0..rounds {
                    start.wait();
                    let read = store.revision().unwrap();
                    go.wait();
                    // Writer w appends w % 3 + 1 events.
                    let events: Vec<Event> = (0..=(w % 3))
                        .map(|i| marked(&format!("r{round}-w{w}-{i}")))
                        .collect();
                    tx.send((round, w, read, store.append(read, &events)))
                        .unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut store = b.open();
    for round in 0..rounds {
        start.wait();
        let results: Vec<_> = (0..writers).map(|_| rx.recv().unwrap()).collect();
        assert!(results.iter().all(|(r, ..)| *r == round));
        let winners: Vec<_> = results.iter().filter(|(.., r)| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one winner");
        let (_, w, read, won) = winners[0];
        let won = *won.as_ref().unwrap();
        assert_eq!(won, read.after((w % 3 + 1) as u64));
        for (_, _, r, result) in &results {
            match result {
                Ok(_) => {}
                Err(AppendError::Conflict { expected, current }) => {
                    assert_eq!((expected, *current), (r, won), "losers see the winner");
                }
                Err(e) => panic!("round {round}: unexpected {e:?}"),
            }
        }
        assert_eq!(store.revision().unwrap(), won);
    }
    for t in threads {
        t.join().unwrap();
    }
    let events = store.load().unwrap();
    let last = assert_contiguous(&events, 0);
    assert_eq!(Revision::new(last), store.revision().unwrap());
}

/// `lockers` take the same environment's lease at once through `transact`: exactly one gets it,
/// and its fencing token is its event's revision.
fn racing_lockers<B: Backend>(b: &B, lockers: usize) {
    let mut first = b.create();
    first.append(Revision::ZERO, &[declare()]).unwrap();
    let go = Arc::new(Barrier::new(lockers));
    let threads: Vec<_> = (0..lockers)
        .map(|n| {
            let mut store = b.open();
            let go = Arc::clone(&go);
            std::thread::spawn(move || {
                let holder: relman_model::PersonId = format!("p{n}").parse().unwrap();
                let env = "production".parse().unwrap();
                go.wait();
                transact(&mut store, 200, |state| {
                    ops::lock(
                        state,
                        &env,
                        Some(&holder),
                        chrono::Duration::hours(1),
                        None,
                        now(),
                    )
                    .map(|kind| vec![Event::new(now(), Some(holder.clone()), kind)])
                })
                .map(|c| c.revision)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let won: Vec<Revision> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(won.len(), 1, "exactly one lease: {results:?}");
    for r in &results {
        if let Err(e) = r {
            let e = e.to_string();
            assert!(
                e.contains("lock") || e.contains("held"),
                "refused as locked: {e}"
            );
        }
    }
    let (state, _) = load_state(&mut first).unwrap();
    let lease = state
        .active_lease(&"production".parse().unwrap(), now())
        .unwrap();
    assert_eq!(
        lease.token,
        won[0].get(),
        "the fencing token is the revision"
    );
    assert_eq!(state.revision, Revision::new(2));
}

/// Several handles append batches in turn; every handle then loads the same contiguous ledger,
/// and a handle opened afresh loads it too.
fn contiguous_and_reload_equal<B: Backend>(b: &B) {
    let mut handles: Vec<B::S> = vec![b.create(), b.open(), b.open()];
    let mut n = 0;
    for i in 0..30 {
        let h = &mut handles[i % 3];
        let at = h.revision().unwrap();
        let batch: Vec<Event> = (0..(i % 4 + 1))
            .map(|_| {
                n += 1;
                marked(&format!("e{n}"))
            })
            .collect();
        h.append(at, &batch).unwrap();
        // A stale expected revision is refused and writes nothing.
        assert!(matches!(
            h.append(Revision::ZERO, &[marked("stale")]),
            Err(AppendError::Conflict { current, .. }) if current == at.after(batch.len() as u64)
        ));
    }
    let reference = handles[0].load().unwrap();
    assert_eq!(assert_contiguous(&reference, 0), n);
    let markers: Vec<&str> = reference.iter().map(|r| marker_of(&r.event)).collect();
    let expected: Vec<String> = (1..=n).map(|i| format!("e{i}")).collect();
    assert_eq!(markers, expected);
    for h in &mut handles {
        assert_eq!(h.load().unwrap(), reference);
        assert_eq!(h.lineage(), &lineage());
        assert_eq!(h.schema_version(), relman_env::store::SCHEMA_VERSION);
    }
    drop(handles);
    assert_eq!(b.open().load().unwrap(), reference);
    // Appending nothing at the current revision returns it unchanged.
    let mut h = b.open();
    assert_eq!(h.append(Revision::new(n), &[]).unwrap(), Revision::new(n));
}

/// Fold a prefix, snapshot it, append more: the state read from the snapshot and the events
/// after it equals the fold of everything; a stale snapshot is refused; transact continues.
fn compaction_equivalence<B: Backend>(b: &B) {
    let mut store = b.create();
    let mut all = Vec::new();
    let mut at = store.append(Revision::ZERO, &[declare()]).unwrap();
    all.push(declare());
    for i in 0..20 {
        let e = marked(&format!("c{i}"));
        at = store.append(at, std::slice::from_ref(&e)).unwrap();
        all.push(e);
    }
    let (state, _) = load_state(&mut store).unwrap();
    assert_eq!(B::snapshot_at(&mut store, at, &state).unwrap(), at);
    assert!(matches!(
        B::snapshot_at(&mut store, Revision::new(3), &state),
        Err(AppendError::Conflict { current, .. }) if current == at
    ));
    assert!(
        store.load().unwrap().is_empty(),
        "only the events after the snapshot"
    );
    let mut other = b.open();
    let committed = transact(&mut other, 5, |_| {
        Ok::<_, std::convert::Infallible>(vec![marked("after")])
    })
    .unwrap();
    assert_eq!(committed.revision, at.after(1));
    all.push(marked("after"));
    let recorded: Vec<Recorded<Event>> = (1u64..)
        .zip(all)
        .map(|(n, event)| Recorded {
            revision: Revision::new(n),
            event,
        })
        .collect();
    let mut folded = EnvState::fold(&recorded);
    folded.revision = at.after(1);
    let (read, after) = load_state(&mut b.open()).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].revision, at.after(1));
    assert_eq!(read, folded);
    assert_eq!(b.open().revision().unwrap(), at.after(1));
}

/// A store written by a newer relman is refused with a clear error.
fn refuses_a_newer_schema<B: Backend>(b: &B) {
    drop(b.create());
    b.make_schema_newer();
    let err = match b.try_open() {
        Ok(_) => panic!("opening a newer schema must fail"),
        Err(e) => e,
    };
    assert!(
        matches!(err, StoreError::UnsupportedSchema { found: 9 | 99, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("has schema version 9"),
        "a clear message: {text}"
    );
}

/// Writer processes SIGKILLed at random moments (two at a time, appending and sometimes
/// compacting): every acknowledged event is there at its revision, revisions are contiguous and
/// never duplicated.
fn kill_writers<B: Backend>(b: &B) {
    let cycles: u64 = std::env::var("RELMAN_KILL_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    drop(b.create());
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x5eed_0017_0000_0001);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut kills = 0;
    for cycle in 0..cycles {
        let mut children: Vec<_> = (0..2)
            .map(|i| {
                let mut child = Command::new(&exe)
                    .args(["suite_child", "--exact", "--ignored", "--nocapture"])
                    .args(["--test-threads", "1"])
                    .env("RELMAN_SUITE_CHILD", B::KIND)
                    .env("RELMAN_SUITE_LOCATION", b.location())
                    .env("RELMAN_SUITE_TAG", format!("{cycle}-{i}"))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let mut out = BufReader::new(child.stdout.take().unwrap());
                let mut line = String::new();
                loop {
                    line.clear();
                    if out.read_line(&mut line).unwrap() == 0 || line.trim_end().ends_with("ready")
                    {
                        break;
                    }
                }
                (child, out)
            })
            .collect();
        std::thread::sleep(Duration::from_micros(rng.below(30_000)));
        for (child, out) in &mut children {
            child.kill().unwrap();
            let status = child.wait().unwrap();
            assert!(!status.success(), "the child was killed, it did not exit");
            kills += 1;
            let mut rest = String::new();
            out.read_to_string(&mut rest).unwrap();
            let complete = rest.rfind('\n').map_or("", |i| &rest[..=i]);
            for l in complete.lines() {
                if let Some(ack) = l.strip_prefix("ack ") {
                    let (rev, marker) = ack.split_once(' ').unwrap();
                    let previous = acked.insert(rev.parse().unwrap(), marker.to_string());
                    assert!(previous.is_none(), "revision {rev} acknowledged twice");
                }
            }
        }
        // After every cycle: all acknowledged events present, contiguous, no duplicates.
        let mut store = b.open();
        let compacted = store.load_compacted().unwrap();
        let base = compacted.snapshot.as_ref().map_or(0, |s| s.revision.get());
        let last = assert_contiguous(&compacted.events, base);
        assert_eq!(store.revision().unwrap().get(), last);
        let by_rev: BTreeMap<u64, &str> = compacted
            .events
            .iter()
            .map(|r| (r.revision.get(), marker_of(&r.event)))
            .collect();
        let mut seen = BTreeSet::new();
        for m in by_rev.values() {
            assert!(seen.insert(*m), "event {m} stored twice");
        }
        for (rev, marker) in &acked {
            assert!(
                *rev <= last,
                "acknowledged revision {rev} lost (store at {last})"
            );
            if *rev > base {
                assert_eq!(by_rev.get(rev), Some(&marker.as_str()), "revision {rev}");
            }
        }
    }
    assert!(!acked.is_empty(), "the children acknowledged nothing");
    eprintln!(
        "{}: {kills} kills, {} acknowledged events, 0 lost, 0 duplicate revisions",
        B::KIND,
        acked.len()
    );
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn child_loop<S: Store<Event = Event>>(
    mut store: S,
    mut snapshot_at: impl FnMut(&mut S, Revision, &EnvState) -> Result<Revision, AppendError>,
) {
    let tag = std::env::var("RELMAN_SUITE_TAG").unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    let mut rng = Rng(u64::from(std::process::id()) | 1);
    let mut seq = 0u64;
    loop {
        let (state, _) = load_state(&mut store).unwrap();
        let at = state.revision;
        if rng.below(40) == 0 {
            let _ = snapshot_at(&mut store, at, &state);
            continue;
        }
        let n = 1 + rng.below(3);
        let markers: Vec<String> = (0..n)
            .map(|_| {
                seq += 1;
                format!("{tag}-{seq}")
            })
            .collect();
        let events: Vec<Event> = markers.iter().map(|m| marked(m)).collect();
        match store.append(at, &events) {
            Ok(last) => {
                let first = last.get() + 1 - n;
                for (i, m) in markers.iter().enumerate() {
                    writeln!(out, "ack {} {m}", first + i as u64).unwrap();
                }
                out.flush().unwrap();
            }
            Err(AppendError::Conflict { .. }) => {}
            Err(e) => panic!("append failed: {e:?}"),
        }
    }
}

#[test]
#[ignore = "child process of the kill tests"]
fn suite_child() {
    let Ok(kind) = std::env::var("RELMAN_SUITE_CHILD") else {
        return;
    };
    let location = std::env::var("RELMAN_SUITE_LOCATION").unwrap();
    match kind.as_str() {
        "journal" => child_loop(
            JournalStore::<Event>::open(&location).unwrap().store,
            |s, at, st| s.snapshot_at(at, st),
        ),
        "postgres" => child_loop(
            PgStore::<Event>::open(&PgLocation::parse(&location).unwrap()).unwrap(),
            |s, at, st| s.snapshot_at(at, st),
        ),
        other => panic!("unknown backend {other}"),
    }
}

macro_rules! suite {
    ($backend:ident, $module:ident) => {
        mod $module {
            use super::*;

            #[test]
            fn racing_writers_16() {
                racing_writers(&$backend::new(), 16, 8);
            }

            #[test]
            fn racing_writers_64() {
                racing_writers(&$backend::new(), 64, 4);
            }

            #[test]
            fn racing_lockers_16() {
                racing_lockers(&$backend::new(), 16);
            }

            #[test]
            fn racing_lockers_64() {
                racing_lockers(&$backend::new(), 64);
            }

            #[test]
            fn contiguous_revisions_and_reload_equality() {
                contiguous_and_reload_equal(&$backend::new());
            }

            #[test]
            fn compaction_is_equivalent_to_the_fold() {
                compaction_equivalence(&$backend::new());
            }

            #[test]
            fn a_newer_schema_is_refused() {
                refuses_a_newer_schema(&$backend::new());
            }

            #[test]
            fn sigkilled_writers_lose_no_acknowledged_event() {
                kill_writers(&$backend::new());
            }
        }
    };
}

suite!(Journal, journal);
suite!(Postgres, postgres);

/// What only a server can do: lose a connection, restart.
mod postgres_only {
    use super::*;

    /// The server kills the connection of a writer holding the head-row lock mid-transaction:
    /// the writer gets a clear error, nothing of its transaction is written, the lock is
    /// released, and the same handle works again (it reconnects).
    #[test]
    fn a_connection_dropped_mid_transaction_writes_nothing() {
        let b = Postgres::new();
        let mut store = b.create();
        store.append(Revision::ZERO, &[marked("a")]).unwrap();
        // A session that holds the head row makes the writer wait inside its transaction.
        let mut blocker = ::postgres::Client::connect(&b.db.url(), ::postgres::NoTls).unwrap();
        let mut tx = blocker.transaction().unwrap();
        tx.execute("SELECT head FROM relman_ledger FOR UPDATE", &[])
            .unwrap();
        let writer = std::thread::spawn(move || {
            let result = store.append(Revision::new(1), &[marked("b")]);
            (store, result)
        });
        // Wait until the writer waits for the lock, then terminate its backend.
        let mut terminated = 0;
        for _ in 0..200 {
            let out = b.db.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = 'relman' AND wait_event_type = 'Lock'",
            );
            terminated = out.parse::<i32>().unwrap();
            if terminated > 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        assert_eq!(
            terminated, 1,
            "the writer was waiting inside its transaction"
        );
        tx.rollback().unwrap();
        let (mut store, result) = writer.join().unwrap();
        let err = result.expect_err("the dropped connection fails the append");
        let text = chain(&err);
        assert!(
            text.contains("cannot write to postgres://postgres@127.0.0.1:"),
            "{text}"
        );
        assert!(
            !text.contains(PASSWORD),
            "the password is never shown: {text}"
        );
        assert!(!format!("{err:?}").contains(PASSWORD));
        // Nothing was written; the handle reconnects and works.
        assert_eq!(store.revision().unwrap(), Revision::new(1));
        assert_eq!(
            store.append(Revision::new(1), &[marked("c")]).unwrap(),
            Revision::new(2)
        );
        let markers: Vec<String> = b
            .open()
            .load()
            .unwrap()
            .iter()
            .map(|r| marker_of(&r.event).to_string())
            .collect();
        assert_eq!(markers, ["a", "c"]);
    }

    /// The server is stopped (immediate shutdown, as a crash) while writers append and started
    /// again: writers get a clear error while it is down, nothing acknowledged is lost, and the
    /// same handles work again once it is back.
    #[test]
    fn a_server_restart_loses_nothing_acknowledged() {
        let mut b = Postgres::new();
        drop(b.create());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<(u64, String)>();
        let errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let mut store = b.open();
                let (stop, tx, errors) = (Arc::clone(&stop), tx.clone(), Arc::clone(&errors));
                std::thread::spawn(move || {
                    let mut seq = 0;
                    let mut after_error = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) || after_error == 0 {
                        let at = match store.revision() {
                            Ok(at) => at,
                            Err(e) => {
                                errors.lock().unwrap().push(chain(&e));
                                std::thread::sleep(Duration::from_millis(50));
                                continue;
                            }
                        };
                        seq += 1;
                        let m = format!("w{w}-{seq}");
                        match store.append(at, &[marked(&m)]) {
                            Ok(r) => {
                                if !errors.lock().unwrap().is_empty() {
                                    after_error += 1;
                                }
                                tx.send((r.get(), m)).unwrap();
                            }
                            Err(AppendError::Conflict { .. }) => {}
                            Err(e) => {
                                errors.lock().unwrap().push(chain(&e));
                                std::thread::sleep(Duration::from_millis(50));
                            }
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        std::thread::sleep(Duration::from_millis(500));
        b.server.stop_immediately();
        std::thread::sleep(Duration::from_millis(500));
        b.server.start_again();
        std::thread::sleep(Duration::from_millis(1500));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
        let acked: Vec<(u64, String)> = rx.iter().collect();
        let errors = errors.lock().unwrap();
        assert!(!errors.is_empty(), "writers saw the server go away");
        for e in errors.iter() {
            assert!(e.contains("cannot "), "a clear error: {e}");
            assert!(e.contains("postgres://postgres@127.0.0.1:"), "{e}");
            assert!(!e.contains(PASSWORD));
        }
        let events = b.open().load().unwrap();
        assert_contiguous(&events, 0);
        let stored: BTreeMap<u64, &str> = events
            .iter()
            .map(|r| (r.revision.get(), marker_of(&r.event)))
            .collect();
        for (rev, m) in &acked {
            assert_eq!(
                stored.get(rev),
                Some(&m.as_str()),
                "acknowledged {m} at {rev}"
            );
        }
        eprintln!(
            "restart: {} acknowledged, {} errors while the server was down, e.g. {:?}",
            acked.len(),
            errors.len(),
            errors.first()
        );
    }

    #[test]
    fn open_without_a_ledger_is_not_found_and_create_twice_already_exists() {
        let b = Postgres::new();
        let err = PgStore::<Event>::open(&b.pg_location()).unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        assert!(!err.to_string().contains(PASSWORD));
        drop(b.create());
        let err = PgStore::<Event>::create(&b.pg_location(), lineage()).unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
        let mut ro = PgStore::<Event>::open_read_only(&b.pg_location()).unwrap();
        assert!(matches!(
            ro.append(Revision::ZERO, &[marked("x")]),
            Err(AppendError::Store(StoreError::ReadOnly { .. }))
        ));
        assert_eq!(
            b.db.psql("SELECT version, description FROM relman_schema_migrations"),
            "1|ledger, events and snapshot"
        );
    }

    #[test]
    fn a_server_that_accepts_only_tls_is_reached_with_sslmode_require_and_its_ca() {
        let server = PgServer::start_tls();
        let db = server.database("tls");
        let url = format!("{}?sslmode=require", db.url());

        // Plain text is refused by the server (hostssl only), and says so.
        let plain = PgStore::<Event>::create(&PgLocation::parse(&db.url()).unwrap(), lineage())
            .unwrap_err();
        let text = chain(&plain);
        assert!(
            text.contains("no encryption") || text.contains("pg_hba.conf"),
            "{text}"
        );

        // TLS without the test CA: the certificate is not trusted.
        let untrusted =
            PgStore::<Event>::create(&PgLocation::parse(&url).unwrap(), lineage()).unwrap_err();
        let text = chain(&untrusted);
        assert!(text.to_lowercase().contains("certificate"), "{text}");
        assert!(!text.contains(PASSWORD));

        // TLS with the CA: the ledger works, and the server sees an encrypted connection.
        let location = PgLocation::parse(&url)
            .unwrap()
            .with_root_certificates(&server.ca_pem());
        let mut store = PgStore::<Event>::create(&location, lineage()).unwrap();
        let revision = store.revision().unwrap();
        store.append(revision, &[marked("over tls")]).unwrap();
        let mut again = PgStore::<Event>::open(&location).unwrap();
        let events = again.load().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(marker_of(&events[0].event), "over tls");
        let encrypted = db.psql(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE s.ssl AND a.application_name = 'relman'",
        );
        assert_ne!(encrypted, "0", "relman's connections use TLS");
    }

    #[test]
    fn a_wrong_password_is_a_clear_error_without_the_password() {
        let b = Postgres::new();
        let url = b.db.url().replace(PASSWORD, "wrong-secret");
        let err = PgStore::<Event>::open(&PgLocation::parse(&url).unwrap()).unwrap_err();
        let text = chain(&err);
        assert!(text.contains("password authentication failed"), "{text}");
        assert!(!text.contains("wrong-secret") && !format!("{err:?}").contains("wrong-secret"));
    }
}
