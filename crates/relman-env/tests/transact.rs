//! `store::transact` on the durable journal: a second handle on the same directory writes
//! between the transaction's read and its append, so the conflict comes from the file itself,
//! and the transaction decides again on what the other writer wrote.

use chrono::{DateTime, Utc};
use relman_env::store::{JournalStore, LineageId, Revision, Store, TransactError, transact};
use relman_env::{Event, EventKind};
use relman_model::Environment;

fn now() -> DateTime<Utc> {
    "2026-12-01T10:00:00Z".parse().expect("timestamp")
}

fn lock(env: &str) -> Event {
    Event::new(
        now(),
        Some("ops".parse().expect("person")),
        EventKind::LockAcquired {
            env: env.parse().expect("env"),
            expires_at: now() + chrono::Duration::minutes(30),
            reason: None,
        },
    )
}

#[test]
fn a_concurrent_journal_writer_makes_the_transaction_decide_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ours = JournalStore::<Event>::create(dir.path(), LineageId::new("tx").expect("id"))
        .expect("create")
        .store;
    let environments = Environment::pipeline(["staging"].map(|n| n.parse().expect("env")));
    ours.append(
        Revision::ZERO,
        &[Event::new(
            now(),
            None,
            EventKind::EnvironmentsDeclared { environments },
        )],
    )
    .expect("declare");
    let mut theirs = JournalStore::<Event>::open(dir.path())
        .expect("open a second handle")
        .store;

    // Take the staging lease unless someone holds it: the other writer takes it first, after
    // our first read, so our second attempt sees it and refuses.
    let mut seen = Vec::new();
    let result = transact(&mut ours, 5, |state| {
        seen.push(state.revision);
        if seen.len() == 1 {
            let at = theirs.revision().expect("revision");
            theirs.append(at, &[lock("staging")]).expect("their lock");
        }
        if state.leases.contains_key("staging") {
            return Err("staging is locked");
        }
        Ok(vec![lock("staging")])
    });
    assert_eq!(seen, [Revision::new(1), Revision::new(2)]);
    assert!(matches!(
        result,
        Err(TransactError::Decide("staging is locked"))
    ));
    assert_eq!(
        ours.load().expect("load").len(),
        2,
        "only their lock was written"
    );
}

#[test]
fn without_contention_the_journal_append_is_acknowledged_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = JournalStore::<Event>::create(dir.path(), LineageId::new("tx").expect("id"))
        .expect("create")
        .store;
    let committed = transact(&mut store, 1, |_| {
        Ok::<_, String>(vec![lock("a"), lock("b")])
    })
    .expect("commit");
    assert_eq!(committed.revision, Revision::new(2));
    assert_eq!(committed.attempts, 1);
    assert_eq!(committed.state.leases.len(), 2);
    let reopened = JournalStore::<Event>::open(dir.path())
        .expect("reopen")
        .store
        .load()
        .expect("load");
    assert_eq!(reopened.len(), 2, "durable after transact returns");
}
