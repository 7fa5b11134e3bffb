//! Crash test: a child process appends to a journal and prints each acknowledged revision; the
//! parent kills it with SIGKILL at random moments, reopens the journal and checks that every
//! acknowledged event is there and the journal is valid.
//!
//! The child is this test executable re-invoked on the ignored test `crash_child` with
//! `RELMAN_CRASH_DIR` set. `RELMAN_CRASH_ROUNDS` overrides the number of rounds (default 200).

// Test helpers outside `#[test]` functions unwrap and print too; clippy only exempts the latter.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use relman_env::store::{JournalStore, LineageId, Revision, Snapshot, Store};

/// An event: its own revision and some padding so records have realistic sizes.
type Event = (u64, String);

fn lineage() -> LineageId {
    LineageId::new("crash-test").unwrap()
}

/// A small deterministic generator (xorshift64*), so a failing run can be replayed by seed.
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

/// Appends batches of 1 to 3 events forever (or `limit` revisions), printing `ack N` after each
/// acknowledged append and taking a snapshot every so often.
fn child_loop(dir: &std::path::Path, limit: u64) -> u64 {
    let opened = JournalStore::<Event>::open(dir).expect("open journal in child");
    let mut store = opened.store;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    let mut rng = Rng(std::process::id() as u64 | 1);
    loop {
        let current = store.revision().unwrap();
        if current.get() >= limit {
            return current.get();
        }
        let n = 1 + rng.below(3);
        let events: Vec<Event> = (1..=n)
            .map(|i| (current.get() + i, "x".repeat(rng.below(200) as usize)))
            .collect();
        let acked = store.append(current, &events).unwrap();
        writeln!(out, "ack {}", acked.get()).unwrap();
        out.flush().unwrap();
        if rng.below(40) == 0 {
            store.snapshot(&acked.get()).unwrap();
        }
    }
}

#[test]
#[ignore = "child process of `kill_9_never_loses_an_acknowledged_append`"]
fn crash_child() {
    match std::env::var_os("RELMAN_CRASH_DIR") {
        Some(dir) => {
            child_loop(std::path::Path::new(&dir), u64::MAX);
        }
        None => {
            // Run directly: a bounded loop on a fresh store, checked like the parent does.
            let dir = tempfile::tempdir().unwrap();
            JournalStore::<Event>::create(dir.path(), lineage()).unwrap();
            let last = child_loop(dir.path(), 50);
            assert!(last >= 50);
            verify(dir.path(), last);
        }
    }
}

/// Opens the journal and checks it against the highest acknowledged revision; returns how many
/// torn tails opening repaired.
fn verify(dir: &std::path::Path, max_acked: u64) -> usize {
    let opened = JournalStore::<Event>::open(dir).expect("journal must open after a crash");
    let torn = opened.diagnostics.len();
    let mut store = opened.store;
    let snapshot: Option<Snapshot<u64>> = store.read_snapshot().expect("snapshot readable");
    let events = store.load().unwrap();
    let snap_rev = snapshot.as_ref().map_or(0, |s| s.revision.get());
    if let Some(s) = &snapshot {
        assert_eq!(
            s.state,
            s.revision.get(),
            "snapshot state matches its revision"
        );
    }
    let base = store.base_revision().get();
    assert!(
        base <= snap_rev,
        "journal base {base} is not after the snapshot {snap_rev}"
    );
    let mut expected = base;
    for r in &events {
        expected += 1;
        assert_eq!(r.revision.get(), expected, "revisions are contiguous");
        assert_eq!(r.event.0, expected, "event content matches its revision");
    }
    let last = events
        .last()
        .map_or(base, |r| r.revision.get())
        .max(snap_rev);
    assert!(
        last >= max_acked,
        "acknowledged revision {max_acked} lost: store ends at {last}"
    );
    assert_eq!(store.revision().unwrap(), Revision::new(last.max(base)));
    torn
}

#[test]
fn kill_9_never_loses_an_acknowledged_append() {
    let rounds: u64 = std::env::var("RELMAN_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("RELMAN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_abcd_0001);
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    JournalStore::<Event>::create(dir.path(), lineage()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut max_acked = 0;
    let mut torn_total = 0;
    let mut killed_mid_run = 0;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"])
            .env("RELMAN_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // Wait until the child has opened the store (or died trying), then kill it at a random
        // moment: sometimes right away, mostly in the middle of appends.
        loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 || line.trim_end().ends_with("ready") {
                break;
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(8_000)));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        // Only complete lines count: a partially printed line was not seen as acknowledged.
        let complete = match rest.rfind('\n') {
            Some(i) => &rest[..=i],
            None => "",
        };
        for l in complete.lines() {
            if let Some(n) = l.strip_prefix("ack ") {
                max_acked = max_acked.max(n.parse::<u64>().unwrap());
            }
        }
        if !status.success() {
            killed_mid_run += 1;
        }
        torn_total += verify(dir.path(), max_acked);
        assert!(round < rounds);
    }
    assert!(max_acked > 0, "the children acknowledged nothing");
    assert_eq!(
        killed_mid_run, rounds,
        "every child was killed, none exited"
    );
    eprintln!(
        "crash test: {rounds} kills, {max_acked} acknowledged revisions, {torn_total} torn tails repaired"
    );
}
