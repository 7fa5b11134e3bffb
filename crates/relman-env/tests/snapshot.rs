//! Snapshots of the fold round-trip: fold a prefix, snapshot it into a journal store, reopen,
//! read the snapshot and fold the rest on top: the same state as folding everything.
//!
//! Regression test for issue 13: `EnvState.desired` and `observed` are keyed by
//! `(environment, component)` pairs, which serde_json refused as object keys, so
//! `JournalStore::snapshot` failed once any drift event was recorded.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use relman_env::store::{JournalStore, LineageId, Recorded, Revision, Snapshot, Store};
use relman_env::{DeployReason, EnvState, Event, EventKind};
use relman_model::{ComponentId, Environment, EnvironmentId};
use semver::Version;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const COMPONENTS: [&str; 2] = ["api", "web"];

fn t0() -> DateTime<Utc> {
    "2026-11-01T00:00:00Z".parse().unwrap()
}

/// One random event: (kind selector, environment, component, minor version, flag).
type Step = (u8, usize, usize, u64, bool);

fn kind((which, e, c, minor, flag): Step, hour: i64) -> EventKind {
    let env: EnvironmentId = ENVS[e].parse().unwrap();
    let component: ComponentId = COMPONENTS[c].parse().unwrap();
    let version = Version::new(1, minor, 0);
    match which % 8 {
        0 => EventKind::DeploymentStarted {
            env,
            component,
            version,
            release: None,
            reason: DeployReason::Planned,
            changes: vec![],
        },
        1 if flag => EventKind::DeploymentSucceeded {
            env,
            component,
            version,
        },
        1 => EventKind::DeploymentFailed {
            env,
            component,
            version,
            reason: "x".into(),
        },
        2 => EventKind::DesiredStateSet {
            env,
            component,
            version,
        },
        3 => EventKind::ObservedStateReported {
            env,
            component,
            version,
        },
        4 => EventKind::Quarantined {
            component,
            version,
            reason: "bad".into(),
        },
        5 => EventKind::LockAcquired {
            env,
            expires_at: t0() + Duration::hours(hour + 2),
            reason: None,
        },
        6 => EventKind::IncidentOpened {
            id: format!("INC-{minor}"),
            env,
            component,
            version,
        },
        _ => EventKind::IncidentResolved {
            id: format!("INC-{minor}"),
        },
    }
}

fn events(steps: &[Step]) -> Vec<Event> {
    let mut out = vec![Event::new(
        t0(),
        None,
        EventKind::EnvironmentsDeclared {
            environments: Environment::pipeline(ENVS.map(|e| e.parse().unwrap())),
        },
    )];
    for (i, s) in steps.iter().enumerate() {
        let hour = i as i64 + 1;
        let by = Some("ana".parse().unwrap());
        out.push(Event::new(t0() + Duration::hours(hour), by, kind(*s, hour)));
    }
    out
}

fn step() -> impl Strategy<Value = Step> {
    (any::<u8>(), 0..3usize, 0..2usize, 0..4u64, any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn fold_snapshot_reload_fold_the_rest_is_the_fold_of_all(
        steps in proptest::collection::vec(step(), 0..40),
        cut in any::<prop::sample::Index>(),
    ) {
        let all = events(&steps);
        let cut = cut.index(all.len() + 1);
        let dir = tempfile::tempdir().unwrap();
        let mut store = JournalStore::<Event>::create(dir.path(), LineageId::new("snap").unwrap())
            .unwrap()
            .store;
        let head = store.append(Revision::ZERO, &all[..cut]).unwrap();
        let prefix = EnvState::fold(&store.load().unwrap());
        prop_assert_eq!(store.snapshot(&prefix).unwrap(), head);
        store.append(head, &all[cut..]).unwrap();
        drop(store);

        let mut reopened = JournalStore::<Event>::open_read_only(dir.path()).unwrap().store;
        let snap: Snapshot<EnvState> = reopened.read_snapshot().unwrap().unwrap();
        prop_assert_eq!(snap.revision, head);
        prop_assert_eq!(&snap.state, &prefix);
        let mut state = snap.state;
        for r in reopened.load().unwrap() {
            prop_assert!(r.revision > snap.revision);
            state.apply(&r);
        }

        let recorded: Vec<Recorded<Event>> = all
            .iter()
            .enumerate()
            .map(|(i, e)| Recorded { revision: Revision::new(i as u64 + 1), event: e.clone() })
            .collect();
        prop_assert_eq!(state, EnvState::fold(&recorded));
    }
}

#[test]
fn drift_maps_serialize_as_entries_and_old_empty_objects_still_read() {
    let env: EnvironmentId = "prod".parse().unwrap();
    let component: ComponentId = "api".parse().unwrap();
    let mut state = EnvState::default();
    state
        .desired
        .insert((env.clone(), component.clone()), Version::new(1, 2, 0));
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(
        json["desired"],
        serde_json::json!([{"env": "prod", "component": "api", "version": "1.2.0"}])
    );
    assert_eq!(json["observed"], serde_json::json!([]));
    let back: EnvState = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, state);

    let mut old = json;
    old["desired"] = serde_json::json!({});
    old["observed"] = serde_json::json!({});
    let read: EnvState = serde_json::from_value(old.clone()).unwrap();
    assert!(read.desired.is_empty() && read.observed.is_empty());
    old["desired"] = serde_json::json!({"prod": "1.0.0"});
    assert!(serde_json::from_value::<EnvState>(old).is_err());
}

fn declared_store(dir: &std::path::Path) -> JournalStore<Event> {
    let mut store = JournalStore::<Event>::create(dir, LineageId::new("compact").unwrap())
        .unwrap()
        .store;
    store.append(Revision::ZERO, &events(&[])).unwrap();
    store
}

fn desire(minor: u64) -> Vec<Event> {
    events(&[(2, 0, 0, minor, false)])[1..].to_vec()
}

#[test]
fn transact_and_load_state_continue_from_a_compacted_store() {
    use relman_env::store::{load_state, transact};
    let dir = tempfile::tempdir().unwrap();
    let mut store = declared_store(dir.path());
    store.append(Revision::new(1), &desire(1)).unwrap();
    let (state, _) = load_state(&mut store).unwrap();
    assert_eq!(
        store.snapshot_at(state.revision, &state).unwrap(),
        Revision::new(2)
    );
    assert!(
        store.load().unwrap().is_empty(),
        "the journal was compacted"
    );

    // A writer reads the snapshot and appends at the store's revision, not at 0.
    let committed = transact(&mut store, 3, |s| {
        assert_eq!(s.environments.len(), 3);
        Ok::<_, ()>(desire(2))
    })
    .unwrap();
    assert_eq!(committed.revision, Revision::new(3));
    assert_eq!(committed.attempts, 1);

    let (again, after) = load_state(&mut store).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(again.revision, Revision::new(3));
    assert_eq!(again, committed.state);
}

#[test]
fn snapshot_at_refuses_a_store_that_moved_on() {
    use relman_env::store::AppendError;
    let dir = tempfile::tempdir().unwrap();
    let mut store = declared_store(dir.path());
    let mut other = JournalStore::<Event>::open(dir.path()).unwrap().store;
    let stale = EnvState::fold(&store.load().unwrap());
    other.append(Revision::new(1), &desire(1)).unwrap();
    assert!(matches!(
        store.snapshot_at(stale.revision, &stale),
        Err(AppendError::Conflict { current, .. }) if current == Revision::new(2)
    ));
    assert!(!dir.path().join("snapshot").exists(), "nothing was written");
}

#[test]
fn a_crash_between_snapshot_and_journal_replacement_reads_the_same_state() {
    use relman_env::store::load_state;
    let dir = tempfile::tempdir().unwrap();
    let mut store = declared_store(dir.path());
    store.append(Revision::new(1), &desire(1)).unwrap();
    let old_journal = std::fs::read(dir.path().join("journal")).unwrap();
    let (state, _) = load_state(&mut store).unwrap();
    store.snapshot_at(state.revision, &state).unwrap();
    drop(store);
    // As if the crash came after the snapshot's rename, before the journal's.
    std::fs::write(dir.path().join("journal"), &old_journal).unwrap();
    let mut reopened = JournalStore::<Event>::open(dir.path()).unwrap().store;
    let (read, after) = load_state(&mut reopened).unwrap();
    assert!(after.is_empty());
    assert_eq!(read, state);
}

#[test]
fn a_compacted_journal_without_its_snapshot_is_an_error() {
    use relman_env::store::{StoreError, load_state};
    let dir = tempfile::tempdir().unwrap();
    let mut store = declared_store(dir.path());
    let (state, _) = load_state(&mut store).unwrap();
    store.snapshot_at(state.revision, &state).unwrap();
    std::fs::remove_file(dir.path().join("snapshot")).unwrap();
    match load_state(&mut store) {
        Err(StoreError::SnapshotMismatch { snapshot, base, .. }) => {
            assert_eq!(snapshot, Revision::ZERO);
            assert_eq!(base, Revision::new(1));
        }
        other => panic!("expected a snapshot mismatch, got {other:?}"),
    }
}
