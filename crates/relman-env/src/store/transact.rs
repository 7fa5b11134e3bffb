//! Read, decide, append: one optimistic transaction over a [`Store`] of [`Event`]s, retried
//! when another writer got there first.
//!
//! Every writer of the ledger does the same thing: load the events, fold them into an
//! [`EnvState`], decide which events to append from that state, and append them at the revision
//! it read. If another writer appended in between, the append is refused with
//! [`AppendError::Conflict`] and nothing is written; the writer must read again and decide again,
//! because its decision may no longer hold (a lease taken, a request approved). [`transact`] is
//! that loop, written once.

use std::convert::Infallible;

use super::{AppendError, Recorded, Revision, Store, StoreError};
use crate::event::Event;
use crate::state::EnvState;

/// What a successful [`transact`] appended, and the state after it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Committed {
    /// The revision of the last appended event (the revision read when nothing was appended).
    pub revision: Revision,
    /// The events appended, in order (what the last call of `decide` returned).
    pub events: Vec<Event>,
    /// The state read by the attempt that succeeded, with the appended events applied.
    pub state: EnvState,
    /// How many attempts it took, from 1 (no conflict).
    pub attempts: usize,
}

/// Returned by [`transact`].
///
/// `E` is the error type of the caller's `decide` function: a refusal or a failure of the
/// caller's own, handed back unchanged in [`TransactError::Decide`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransactError<E> {
    /// `decide` returned an error; nothing was appended.
    #[error("{0}")]
    Decide(E),
    /// The store could not be read.
    #[error("cannot read the store")]
    Load(#[source] StoreError),
    /// The append failed for another reason than a conflict; see [`AppendError::Store`].
    #[error("cannot append to the store")]
    Append(#[source] StoreError),
    /// Every attempt met a conflicting concurrent write; nothing was appended.
    #[error("gave up after {attempts} conflicting concurrent writes; try again")]
    Contended {
        /// How many attempts were made.
        attempts: usize,
    },
}

impl<E> TransactError<E> {
    /// Splits the caller's own error from the failures of the transaction itself: `Ok(e)` for
    /// [`TransactError::Decide`], `Err` with every other variant (whose type no longer mentions
    /// `E`, so it can be boxed or wrapped on its own).
    ///
    /// # Errors
    ///
    /// `Err` when the error is not the caller's: the store failed or stayed contended.
    pub fn into_decision(self) -> Result<E, TransactError<Infallible>> {
        match self {
            TransactError::Decide(e) => Ok(e),
            TransactError::Load(e) => Err(TransactError::Load(e)),
            TransactError::Append(e) => Err(TransactError::Append(e)),
            TransactError::Contended { attempts } => Err(TransactError::Contended { attempts }),
        }
    }
}

/// Runs one optimistic transaction: loads `store`, folds it into an [`EnvState`], asks `decide`
/// for the events to append given that state, and appends them at the revision read. When
/// another writer appended in between ([`AppendError::Conflict`]), it loads and decides again,
/// up to `max_attempts` times in all (0 counts as 1).
///
/// `decide` may run several times and should depend only on the state it is given (and on
/// values captured before the call, such as `now`). To refuse, it returns an error: the
/// transaction stops at once and nothing is written. A change-request or gate-verdict event
/// should be checked with [`EnvState::check`] inside `decide`, so that a transition refused by
/// the state machine is not recorded. Returning no events appends nothing and succeeds.
///
/// Each attempt costs one [`load_state`] and one [`Store::append`]; the fold is linear in the
/// number of events loaded. A compacted store is read from its snapshot.
///
/// ```
/// use relman_env::store::{LineageId, MemoryStore, Revision, Store, transact};
/// use relman_env::{Event, EventKind};
///
/// let now = "2026-11-28T10:00:00Z".parse()?;
/// let environments = relman_model::Environment::pipeline(["staging".parse()?]);
/// let mut store = MemoryStore::new(LineageId::new("demo")?);
/// let declare = |state: &relman_env::EnvState| {
///     if !state.environments.is_empty() {
///         return Err("already declared");
///     }
///     let kind = EventKind::EnvironmentsDeclared { environments: environments.clone() };
///     Ok(vec![Event::new(now, None, kind)])
/// };
/// let committed = transact(&mut store, 5, declare)?;
/// assert_eq!(committed.revision, Revision::new(1));
/// assert_eq!(committed.state.environments.len(), 1);
/// // The second time, the state says no: nothing is written.
/// let refused = transact(&mut store, 5, declare).unwrap_err();
/// assert_eq!(refused.into_decision().ok(), Some("already declared"));
/// assert_eq!(store.revision()?, Revision::new(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`TransactError::Decide`]: `decide` refused or failed; nothing was written.
/// - [`TransactError::Load`]: the store could not be read.
/// - [`TransactError::Append`]: the store failed while appending (see [`Store::append`] for
///   what is known about the write then).
/// - [`TransactError::Contended`]: every attempt met a conflict; nothing was written.
pub fn transact<S, E>(
    store: &mut S,
    max_attempts: usize,
    mut decide: impl FnMut(&EnvState) -> Result<Vec<Event>, E>,
) -> Result<Committed, TransactError<E>>
where
    S: Store<Event = Event> + ?Sized,
{
    let attempts = max_attempts.max(1);
    for attempt in 1..=attempts {
        let (mut state, _) = load_state(store).map_err(TransactError::Load)?;
        let read = state.revision;
        let events = decide(&state).map_err(TransactError::Decide)?;
        match store.append(read, &events) {
            Ok(revision) => {
                for (n, event) in (1u64..).zip(&events) {
                    state.apply(&Recorded {
                        revision: read.after(n),
                        event: event.clone(),
                    });
                }
                return Ok(Committed {
                    revision,
                    events,
                    state,
                    attempts: attempt,
                });
            }
            Err(AppendError::Conflict { .. }) => continue,
            Err(AppendError::Store(e)) => return Err(TransactError::Append(e)),
        }
    }
    Err(TransactError::Contended { attempts })
}

/// Reads the state of `store`: its snapshot (when it was compacted) with the events after it
/// applied, and those events. The state's [`revision`](EnvState::revision) is the store's.
///
/// ```
/// use relman_env::store::{JournalStore, LineageId, Revision, Store, load_state};
/// use relman_env::{EnvState, Event, EventKind};
///
/// let dir = tempfile::tempdir()?;
/// let mut store = JournalStore::<Event>::create(dir.path(), LineageId::new("demo")?)?.store;
/// let environments = relman_model::Environment::pipeline(["prod".parse()?]);
/// let declare = EventKind::EnvironmentsDeclared { environments };
/// store.append(Revision::ZERO, &[Event::new("2026-11-28T10:00:00Z".parse()?, None, declare)])?;
/// let (state, _) = load_state(&mut store)?;
/// store.snapshot_at(state.revision, &state)?;
/// let (again, events) = load_state(&mut store)?;
/// assert!(events.is_empty());
/// assert_eq!(again, state);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`StoreError`] from [`Store::load_compacted`]; [`StoreError::DecodeSnapshot`] when the
/// snapshot's state is not an [`EnvState`].
pub fn load_state<S>(store: &mut S) -> Result<(EnvState, Vec<Recorded<Event>>), StoreError>
where
    S: Store<Event = Event> + ?Sized,
{
    let compacted = store.load_compacted()?;
    let revision = compacted.revision();
    let mut state = match compacted.snapshot {
        Some(snapshot) => serde_json::from_value::<EnvState>(snapshot.state)
            .map_err(StoreError::DecodeSnapshot)?,
        None => EnvState::default(),
    };
    for r in &compacted.events {
        state.apply(r);
    }
    state.revision = revision;
    Ok((state, compacted.events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;
    use crate::store::{LineageId, MemoryStore};
    use chrono::{DateTime, Utc};
    use relman_model::Environment;

    fn now() -> DateTime<Utc> {
        "2026-11-28T10:00:00Z".parse().expect("timestamp")
    }

    fn declare(names: &[&str]) -> Event {
        let environments =
            Environment::pipeline(names.iter().map(|n| n.parse().expect("environment id")));
        Event::new(
            now(),
            None,
            EventKind::EnvironmentsDeclared { environments },
        )
    }

    fn quarantine(version: &str) -> Event {
        Event::new(
            now(),
            None,
            EventKind::Quarantined {
                component: "api".parse().expect("component"),
                version: version.parse().expect("version"),
                reason: "test".into(),
            },
        )
    }

    fn store() -> MemoryStore<Event> {
        MemoryStore::new(LineageId::new("t").expect("lineage"))
    }

    /// A store another writer appends to right after each of the first `interfere` loads, as if
    /// it had raced the transaction between its read and its append.
    struct Raced {
        inner: MemoryStore<Event>,
        interfere: usize,
    }

    impl Store for Raced {
        type Event = Event;
        fn lineage(&self) -> &LineageId {
            self.inner.lineage()
        }
        fn schema_version(&self) -> u32 {
            self.inner.schema_version()
        }
        fn revision(&mut self) -> Result<Revision, StoreError> {
            self.inner.revision()
        }
        fn append(
            &mut self,
            expected: Revision,
            events: &[Event],
        ) -> Result<Revision, AppendError> {
            self.inner.append(expected, events)
        }
        fn load(&mut self) -> Result<Vec<Recorded<Event>>, StoreError> {
            let events = self.inner.load()?;
            if self.interfere > 0 {
                self.interfere -= 1;
                let at = self.inner.revision()?;
                self.inner
                    .append(at, &[quarantine("0.0.1")])
                    .map_err(|_| StoreError::Poisoned)?;
            }
            Ok(events)
        }
    }

    #[test]
    fn appends_at_the_revision_read_and_returns_the_new_state() {
        let mut s = store();
        s.append(Revision::ZERO, &[declare(&["staging"])])
            .expect("append");
        let committed = transact(&mut s, 3, |state| {
            assert_eq!(state.revision, Revision::new(1));
            Ok::<_, Infallible>(vec![quarantine("1.0.0"), quarantine("1.0.1")])
        })
        .expect("commits");
        assert_eq!(committed.revision, Revision::new(3));
        assert_eq!(committed.attempts, 1);
        assert_eq!(committed.events.len(), 2);
        assert_eq!(committed.state.revision, Revision::new(3));
        assert_eq!(committed.state, EnvState::fold(&s.load().expect("load")));
    }

    #[test]
    fn a_conflict_reloads_and_decides_again() {
        let mut s = Raced {
            inner: store(),
            interfere: 2,
        };
        let mut seen = Vec::new();
        let committed = transact(&mut s, 3, |state| {
            seen.push(state.revision.get());
            Ok::<_, Infallible>(vec![declare(&["staging", "production"])])
        })
        .expect("the third attempt wins");
        assert_eq!(
            seen,
            [0, 1, 2],
            "each attempt sees the other writer's event"
        );
        assert_eq!(committed.attempts, 3);
        assert_eq!(committed.revision, Revision::new(3));
        assert_eq!(committed.state.environments.len(), 2);
        assert_eq!(committed.state.quarantined.len(), 1);
        assert_eq!(s.inner.load().expect("load").len(), 3);
    }

    #[test]
    fn contention_exhausts_the_attempts_and_writes_nothing() {
        let mut s = Raced {
            inner: store(),
            interfere: usize::MAX,
        };
        let mut calls = 0;
        let err = transact(&mut s, 4, |_| {
            calls += 1;
            Ok::<_, Infallible>(vec![declare(&["staging"])])
        })
        .expect_err("every attempt conflicts");
        assert!(
            matches!(err, TransactError::Contended { attempts: 4 }),
            "{err:?}"
        );
        assert_eq!(calls, 4);
        assert_eq!(
            err.to_string(),
            "gave up after 4 conflicting concurrent writes; try again"
        );
        let events = s.inner.load().expect("load");
        assert!(
            events
                .iter()
                .all(|r| matches!(r.event.kind, EventKind::Quarantined { .. })),
            "only the other writer's events were written"
        );
    }

    #[test]
    fn a_refusal_stops_at_once_and_writes_nothing() {
        let mut s = store();
        let mut calls = 0;
        let err = transact(&mut s, 5, |_| {
            calls += 1;
            Err::<Vec<Event>, _>("locked")
        })
        .expect_err("refused");
        assert_eq!(calls, 1);
        assert_eq!(err.into_decision().expect("the caller's error"), "locked");
        assert!(s.load().expect("load").is_empty());
    }

    #[test]
    fn zero_attempts_still_tries_once() {
        let mut s = store();
        let committed =
            transact(&mut s, 0, |_| Ok::<_, Infallible>(vec![declare(&["a"])])).expect("commits");
        assert_eq!(committed.attempts, 1);
        let empty = transact(&mut s, 1, |_| Ok::<_, Infallible>(Vec::new())).expect("no-op");
        assert_eq!(empty.revision, Revision::new(1));
        assert!(empty.events.is_empty());
    }

    #[test]
    fn store_failures_are_not_the_callers_error() {
        let err = TransactError::<&str>::Contended { attempts: 2 }
            .into_decision()
            .expect_err("not a decision");
        assert!(matches!(err, TransactError::Contended { attempts: 2 }));
    }
}
