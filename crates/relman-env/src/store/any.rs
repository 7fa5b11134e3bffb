//! One ledger over either backend (feature `postgres`): [`StoreLocation`] names a journal
//! directory or a PostgreSQL database, [`AnyStore`] opens or creates the ledger there and is a
//! [`Store`] over both, and [`migrate`] copies a ledger from one location to another and reads
//! the copy back to verify it.
//!
//! Credentials are the caller's business: a [`PgLocation`] carries what the caller read from
//! its environment (see [`PgLocation::fill_credentials`]). A location's `Display` never shows a
//! password.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::journal::{JournalDiagnostic, JournalStore, Snapshot};
use super::postgres::{PgLocation, PgStore};
use super::{AppendError, Compacted, LineageId, Recorded, Revision, Store, StoreError};
use crate::Event;
use crate::store::{Committed, check};

/// Where a ledger lives.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// A journal directory.
    Journal(PathBuf),
    /// A PostgreSQL database (boxed: a parsed connection string is large).
    Postgres(Box<PgLocation>),
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Journal(dir) => write!(f, "{}", dir.display()),
            StoreLocation::Postgres(location) => write!(f, "{location}"),
        }
    }
}

/// A ledger in a journal directory or in a PostgreSQL database.
#[derive(Debug)]
pub enum AnyStore<E> {
    /// A journal directory.
    Journal(JournalStore<E>),
    /// A PostgreSQL database (boxed: its connection is much larger than a journal handle).
    Postgres(Box<PgStore<E>>),
}

/// The writes after which a database compacts itself in [`AnyStore::compact_if_above`]: the
/// journal's size limit in bytes divided by about 200 bytes an event.
const BYTES_PER_EVENT: u64 = 200;

impl<E: Serialize + DeserializeOwned + Clone> AnyStore<E> {
    /// Opens the ledger at `location` for reading and writing, with the torn tails a journal
    /// cut (none for a database).
    ///
    /// # Errors
    ///
    /// As [`JournalStore::open`] or [`PgStore::open`].
    pub fn open(location: &StoreLocation) -> Result<(Self, Vec<JournalDiagnostic>), StoreError> {
        Ok(match location {
            StoreLocation::Postgres(l) => (Self::Postgres(Box::new(PgStore::open(l)?)), Vec::new()),
            StoreLocation::Journal(dir) => {
                let opened = JournalStore::open(dir)?;
                (Self::Journal(opened.store), opened.diagnostics)
            }
        })
    }

    /// Opens the ledger at `location` without writing anything.
    ///
    /// # Errors
    ///
    /// As [`JournalStore::open_read_only`] or [`PgStore::open_read_only`].
    pub fn open_read_only(
        location: &StoreLocation,
    ) -> Result<(Self, Vec<JournalDiagnostic>), StoreError> {
        Ok(match location {
            StoreLocation::Postgres(l) => (
                Self::Postgres(Box::new(PgStore::open_read_only(l)?)),
                Vec::new(),
            ),
            StoreLocation::Journal(dir) => {
                let opened = JournalStore::open_read_only(dir)?;
                (Self::Journal(opened.store), opened.diagnostics)
            }
        })
    }

    /// Creates the ledger at `location` holding `events` from its first write.
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] when a ledger is there; as the backend's `create_with`.
    pub fn create_with(
        location: &StoreLocation,
        lineage: LineageId,
        events: &[E],
    ) -> Result<Self, StoreError> {
        Ok(match location {
            StoreLocation::Postgres(l) => {
                Self::Postgres(Box::new(PgStore::create_with(l, lineage, events)?))
            }
            StoreLocation::Journal(dir) => {
                Self::Journal(JournalStore::create_with(dir, lineage, events)?.store)
            }
        })
    }

    /// Creates the ledger at `location` as a copy: `snapshot` and the events after it.
    ///
    /// # Errors
    ///
    /// As [`AnyStore::create_with`].
    pub fn create_from(
        location: &StoreLocation,
        lineage: LineageId,
        snapshot: Option<&Snapshot<serde_json::Value>>,
        events: &[Recorded<E>],
    ) -> Result<Self, StoreError> {
        Ok(match location {
            StoreLocation::Postgres(l) => Self::Postgres(Box::new(PgStore::create_from(
                l, lineage, snapshot, events,
            )?)),
            StoreLocation::Journal(dir) => {
                Self::Journal(JournalStore::create_from(dir, lineage, snapshot, events)?.store)
            }
        })
    }

    /// Torn tails found since the journal was opened (none for a database).
    pub fn take_diagnostics(&mut self) -> Vec<JournalDiagnostic> {
        match self {
            Self::Journal(s) => s.take_diagnostics(),
            Self::Postgres(_) => Vec::new(),
        }
    }

    /// Writes `state` as the snapshot if the store is still at `expected`.
    ///
    /// # Errors
    ///
    /// As the backend's `snapshot_at`.
    pub fn snapshot_at<S: Serialize>(
        &mut self,
        expected: Revision,
        state: &S,
    ) -> Result<Revision, AppendError> {
        match self {
            Self::Journal(s) => s.snapshot_at(expected, state),
            Self::Postgres(s) => s.snapshot_at(expected, state),
        }
    }
}

impl AnyStore<Event> {
    /// After a write: compacts a journal larger than `limit` bytes
    /// ([`check::compact_if_above`]), or a database holding more than `limit / 200` events
    /// after its snapshot. Another writer's snapshot first is no error.
    ///
    /// # Errors
    ///
    /// When the size cannot be read or the snapshot cannot be written.
    pub fn compact_if_above(
        &mut self,
        committed: &Committed,
        limit: u64,
    ) -> Result<Option<Revision>, StoreError> {
        match self {
            Self::Journal(s) => check::compact_if_above(s, committed, limit),
            Self::Postgres(s) => {
                if s.events_after_snapshot()? <= limit / BYTES_PER_EVENT {
                    return Ok(None);
                }
                match s.snapshot_at(committed.revision, &committed.state) {
                    Ok(r) => Ok(Some(r)),
                    Err(AppendError::Conflict { .. }) => Ok(None),
                    Err(AppendError::Store(e)) => Err(e),
                }
            }
        }
    }
}

impl<E: Serialize + DeserializeOwned + Clone> Store for AnyStore<E> {
    type Event = E;

    fn lineage(&self) -> &LineageId {
        match self {
            Self::Journal(s) => s.lineage(),
            Self::Postgres(s) => s.lineage(),
        }
    }

    fn schema_version(&self) -> u32 {
        match self {
            Self::Journal(s) => s.schema_version(),
            Self::Postgres(s) => s.schema_version(),
        }
    }

    fn revision(&mut self) -> Result<Revision, StoreError> {
        match self {
            Self::Journal(s) => s.revision(),
            Self::Postgres(s) => s.revision(),
        }
    }

    fn append(&mut self, expected: Revision, events: &[E]) -> Result<Revision, AppendError> {
        match self {
            Self::Journal(s) => s.append(expected, events),
            Self::Postgres(s) => s.append(expected, events),
        }
    }

    fn load(&mut self) -> Result<Vec<Recorded<E>>, StoreError> {
        match self {
            Self::Journal(s) => s.load(),
            Self::Postgres(s) => s.load(),
        }
    }

    fn load_compacted(&mut self) -> Result<Compacted<E>, StoreError> {
        match self {
            Self::Journal(s) => s.load_compacted(),
            Self::Postgres(s) => s.load_compacted(),
        }
    }
}

/// What [`migrate`] copied. JSON: `{"from", "to", "lineage", "events", "revision",
/// "snapshot_revision"}` (the locations without passwords).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Migrated {
    /// Where the ledger was read.
    pub from: String,
    /// Where the copy was made.
    pub to: String,
    /// The lineage, the same in both.
    pub lineage: String,
    /// The events after the snapshot.
    pub events: usize,
    /// The last revision.
    pub revision: u64,
    /// The snapshot's revision, if the ledger has one.
    pub snapshot_revision: Option<u64>,
}

/// Returned by [`migrate`]; each names the location at fault (without its password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The source ledger cannot be opened or read.
    #[error("cannot read the state in {location}")]
    Read {
        /// The source.
        location: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The copy cannot be created (a ledger is already there, the server refused).
    #[error("cannot create the state in {location}")]
    Create {
        /// The target.
        location: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The copy cannot be read back.
    #[error("cannot read back the copy in {location}")]
    ReadBack {
        /// The target.
        location: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The copy read back differs from the source.
    #[error(
        "the copy in {to} differs from {from}: {events} events up to revision {revision} copied as {copied_events} events up to revision {copied_revision}"
    )]
    Differs {
        /// The source.
        from: String,
        /// The target.
        to: String,
        /// Events after the source's snapshot.
        events: usize,
        /// The source's last revision.
        revision: Revision,
        /// Events after the copy's snapshot.
        copied_events: usize,
        /// The copy's last revision.
        copied_revision: Revision,
    },
}

/// Copies the ledger at `from` into a new ledger at `to` (journal or database, either way),
/// then reads the copy back and checks that it holds the same lineage, snapshot, events and
/// last revision.
///
/// # Errors
///
/// [`MigrateError`] naming the location at fault; nothing is written to `from`.
pub fn migrate<E>(from: &StoreLocation, to: &StoreLocation) -> Result<Migrated, MigrateError>
where
    E: Serialize + DeserializeOwned + Clone + PartialEq,
{
    let read = |source| MigrateError::Read {
        location: from.to_string(),
        source,
    };
    let (mut source, _) = AnyStore::<E>::open_read_only(from).map_err(read)?;
    let original = source.load_compacted().map_err(read)?;
    let lineage = source.lineage().clone();
    let mut copy = AnyStore::<E>::create_from(
        to,
        lineage.clone(),
        original.snapshot.as_ref(),
        &original.events,
    )
    .map_err(|source| MigrateError::Create {
        location: to.to_string(),
        source,
    })?;
    let copied = copy
        .load_compacted()
        .map_err(|source| MigrateError::ReadBack {
            location: to.to_string(),
            source,
        })?;
    if copy.lineage() != &lineage
        || copied.revision() != original.revision()
        || copied.events != original.events
        || copied.snapshot != original.snapshot
    {
        return Err(MigrateError::Differs {
            from: from.to_string(),
            to: to.to_string(),
            events: original.events.len(),
            revision: original.revision(),
            copied_events: copied.events.len(),
            copied_revision: copied.revision(),
        });
    }
    Ok(Migrated {
        from: from.to_string(),
        to: to.to_string(),
        lineage: lineage.to_string(),
        events: copied.events.len(),
        revision: copied.revision().get(),
        snapshot_revision: copied.snapshot.map(|s| s.revision.get()),
    })
}
