//! Storage of the event ledger behind the [`Store`] trait.
//!
//! A store holds an ordered sequence of events. Every event has a [`Revision`]: the first event
//! is revision 1, and the store's revision is the revision of its last event (0 when empty).
//! Writers use optimistic concurrency, as Kubernetes' `resourceVersion` does: a writer reads the
//! store at revision `r`, decides, and calls [`Store::append`] with `expected = r`; the append
//! succeeds only if nobody else appended in between, and otherwise returns
//! [`AppendError::Conflict`] carrying the revision the store is at now, so the writer can reload
//! and decide again.
//!
//! [`transact`] is that read-decide-append loop for the ledger of [`Event`](crate::Event)s,
//! retried on conflict up to a bound.
//!
//! Every store carries a [`LineageId`] (which ledger this is, so that two unrelated ledgers are
//! never mixed up) and a schema version ([`SCHEMA_VERSION`]).
//!
//! Two implementations:
//! - [`MemoryStore`]: in memory, for tests and for embedding;
//! - [`JournalStore`]: the durable default, an append-only journal file with checksummed records,
//!   fsync before acknowledging, crash recovery, snapshots and an OS file lock. Its on-disk format
//!   is described in the [`journal`] module.
//! - `PgStore` (feature `postgres`, module `postgres`): the ledger in a PostgreSQL database,
//!   shared by every machine that reaches the server, with the same semantics.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[cfg(feature = "postgres")]
pub mod any;
pub mod check;
pub mod journal;
mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
mod transact;

#[cfg(feature = "postgres")]
pub use any::{AnyStore, MigrateError, Migrated, StoreLocation, migrate};
pub use journal::{Corruption, JournalDiagnostic, JournalStore, Opened, Snapshot};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PgLocation, PgStore};
pub use transact::{Committed, TransactError, load_state, transact};

/// The schema version written into every store; readers refuse a newer one.
pub const SCHEMA_VERSION: u32 = 1;

/// The position of an event in a ledger: 1 for the first event, 0 for "before any event".
///
/// JSON: a number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Revision(u64);

impl Revision {
    /// The revision of an empty store.
    pub const ZERO: Revision = Revision(0);

    /// Wraps a revision number.
    pub const fn new(n: u64) -> Self {
        Revision(n)
    }

    /// The revision number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The revision `n` events later.
    #[must_use]
    pub const fn after(self, n: u64) -> Revision {
        Revision(self.0.saturating_add(n))
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Revision {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Revision)
    }
}

/// Identifies one ledger, so that two unrelated ledgers are never mixed up (a replica, a backup
/// or a snapshot must carry the lineage of the ledger it came from).
///
/// 1 to 64 characters from `A-Z a-z 0-9 - _`. JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LineageId(String);

/// Returned when a string is not a valid [`LineageId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid lineage id {0:?}: expected 1 to 64 characters from A-Z a-z 0-9 - _")]
pub struct ParseLineageIdError(pub String);

impl LineageId {
    /// Validates and wraps a lineage id.
    ///
    /// # Errors
    ///
    /// [`ParseLineageIdError`] when `id` is empty, longer than 64 characters or holds a character
    /// outside `A-Z a-z 0-9 - _`.
    pub fn new(id: impl Into<String>) -> Result<Self, ParseLineageIdError> {
        let id = id.into();
        if (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(LineageId(id))
        } else {
            Err(ParseLineageIdError(id))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LineageId {
    type Err = ParseLineageIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LineageId::new(s)
    }
}

impl TryFrom<String> for LineageId {
    type Error = ParseLineageIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LineageId::new(s)
    }
}

impl From<LineageId> for String {
    fn from(id: LineageId) -> String {
        id.0
    }
}

impl fmt::Display for LineageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// An event together with its revision in the ledger.
///
/// JSON: `{"revision": 7, "event": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded<E> {
    /// The event's revision.
    pub revision: Revision,
    /// The event.
    pub event: E,
}

/// An ordered, append-only ledger of events with optimistic concurrency.
///
/// Implementations: [`MemoryStore`], [`JournalStore`] and, with the `postgres` feature,
/// `PgStore` (a shared PostgreSQL server).
pub trait Store {
    /// The event type stored.
    type Event;

    /// The lineage of this ledger.
    fn lineage(&self) -> &LineageId;

    /// The schema version of this ledger.
    fn schema_version(&self) -> u32;

    /// The current revision (the revision of the last event; 0 when empty), after catching up
    /// with other writers.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the backend cannot be read.
    fn revision(&mut self) -> Result<Revision, StoreError>;

    /// Appends `events` atomically if the store is still at `expected`, and returns the new
    /// revision (the revision of the last appended event). The append is durable when this
    /// returns `Ok`. Appending no events returns `expected` unchanged when it is current.
    ///
    /// # Errors
    ///
    /// [`AppendError::Conflict`] when the store is not at `expected` (nothing was written);
    /// [`AppendError::Store`] when the backend fails.
    fn append(
        &mut self,
        expected: Revision,
        events: &[Self::Event],
    ) -> Result<Revision, AppendError>;

    /// Every event the store holds, in revision order, after catching up with other writers.
    /// A store that was compacted into a snapshot returns only the events after it.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the backend cannot be read or is corrupt.
    fn load(&mut self) -> Result<Vec<Recorded<Self::Event>>, StoreError>;

    /// Like [`load`](Self::load), for a store that may have been compacted: the snapshot that
    /// the earlier events were folded into (its state as JSON, since a store does not know the
    /// state type) and the events after it, read consistently. The default has no snapshot.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the backend cannot be read or is corrupt, or the snapshot does not
    /// fit the events ([`StoreError::SnapshotMismatch`]).
    fn load_compacted(&mut self) -> Result<Compacted<Self::Event>, StoreError> {
        Ok(Compacted {
            snapshot: None,
            events: self.load()?,
        })
    }
}

/// Returned by [`Store::load_compacted`]: the snapshot a compacted store's earlier events were
/// folded into, and the events after it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Compacted<E> {
    /// The snapshot, with its state as JSON; `None` when the store was never compacted.
    pub snapshot: Option<Snapshot<serde_json::Value>>,
    /// The events after the snapshot's revision, in revision order.
    pub events: Vec<Recorded<E>>,
}

impl<E> Compacted<E> {
    /// The revision of the store: that of the last event, else the snapshot's, else 0.
    pub fn revision(&self) -> Revision {
        self.events
            .last()
            .map(|r| r.revision)
            .or(self.snapshot.as_ref().map(|s| s.revision))
            .unwrap_or(Revision::ZERO)
    }
}

/// Returned by [`Store::append`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// The store moved on since the writer read it; nothing was written.
    #[error("revision conflict: expected revision {expected}, the store is at {current}")]
    Conflict {
        /// The revision the writer expected.
        expected: Revision,
        /// The revision the store is at.
        current: Revision,
    },
    /// The backend failed; whether the events were written is unknown only if the error says so.
    #[error("the store failed")]
    Store(#[source] StoreError),
}

impl From<StoreError> for AppendError {
    fn from(e: StoreError) -> Self {
        AppendError::Store(e)
    }
}

/// What a store was doing when an I/O operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoOp {
    /// Opening a file.
    Open,
    /// Creating a file or directory.
    Create,
    /// Reading.
    Read,
    /// Writing.
    Write,
    /// Flushing to stable storage (fsync).
    Sync,
    /// Taking or releasing the OS file lock.
    Lock,
    /// Renaming a file into place.
    Rename,
    /// Truncating a torn tail.
    Truncate,
}

impl fmt::Display for IoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            IoOp::Open => "open",
            IoOp::Create => "create",
            IoOp::Read => "read",
            IoOp::Write => "write",
            IoOp::Sync => "fsync",
            IoOp::Lock => "lock",
            IoOp::Rename => "rename",
            IoOp::Truncate => "truncate",
        })
    }
}

/// What a store was doing when its database server failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerOp {
    /// Connecting (or reconnecting) to the server.
    Connect,
    /// Creating or migrating the schema.
    Migrate,
    /// Reading the ledger.
    Read,
    /// Writing, before the commit was sent: nothing was written.
    Write,
    /// Committing: the transaction may or may not have been committed; reload before retrying.
    Commit,
}

impl fmt::Display for ServerOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            ServerOp::Connect => "connect to",
            ServerOp::Migrate => "migrate the schema of",
            ServerOp::Read => "read",
            ServerOp::Write => "write to",
            ServerOp::Commit => "commit to (the outcome is unknown: reload before retrying)",
        })
    }
}

/// Returned by store operations when the backend fails or holds bad data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O operation failed.
    #[error("cannot {op} {}", path.display())]
    Io {
        /// What was being done.
        op: IoOp,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// There is no store at this place (it was never created).
    #[error("no store at {}", path.display())]
    NotFound {
        /// Where the store was looked for.
        path: PathBuf,
    },
    /// A store already exists at this place.
    #[error("a store already exists at {}", path.display())]
    AlreadyExists {
        /// The existing store.
        path: PathBuf,
    },
    /// The journal is corrupt at a byte offset: a complete frame fails its checksum, JSON or
    /// revision checks, a frame claims more than the limit, or the magic or header is damaged.
    /// Nothing is dropped or repaired automatically.
    #[error("{} is corrupt at byte offset {offset}: {problem}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the bad record or header starts.
        offset: u64,
        /// What is wrong.
        problem: Corruption,
    },
    /// The store was written by a newer relman with a schema this build cannot read.
    #[error("{} has schema version {found}; this build reads up to {supported}", path.display())]
    UnsupportedSchema {
        /// The file.
        path: PathBuf,
        /// The schema version found.
        found: u32,
        /// The newest schema version this build reads.
        supported: u32,
    },
    /// A snapshot belongs to another ledger.
    #[error("{} belongs to lineage {found}, not {expected}", path.display())]
    LineageMismatch {
        /// The file.
        path: PathBuf,
        /// The lineage of the store.
        expected: LineageId,
        /// The lineage found in the file.
        found: LineageId,
    },
    /// An event or snapshot could not be encoded as JSON.
    #[error("cannot encode a record as JSON")]
    Encode(#[source] serde_json::Error),
    /// A record is too large for the journal's 32-bit length field.
    #[error("a record of {len} bytes exceeds the journal limit of {max} bytes")]
    TooLarge {
        /// The encoded length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The snapshot does not fit the journal: the journal starts after revision `base` but the
    /// snapshot folds fewer events, or the snapshot is ahead of the journal's last event.
    #[error(
        "{}: the snapshot at revision {snapshot} does not fit the journal (starting after {base}, at {revision})",
        path.display()
    )]
    SnapshotMismatch {
        /// The store's directory.
        path: PathBuf,
        /// The snapshot's revision.
        snapshot: Revision,
        /// The revision the journal starts after.
        base: Revision,
        /// The revision of the journal's last event.
        revision: Revision,
    },
    /// A snapshot's state does not decode as the expected type.
    #[error("cannot decode the snapshot's state")]
    DecodeSnapshot(#[source] serde_json::Error),
    /// A path that must be a regular file is something else (a FIFO, a device, a directory);
    /// it is refused before it is read, since reading one can block or never end.
    #[error("{} is not a regular file", path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The handle was opened read-only and cannot write.
    #[error("the store at {} was opened read-only", path.display())]
    ReadOnly {
        /// The store's directory.
        path: PathBuf,
    },
    /// A database server could not be reached or failed an operation. `store` is the server's
    /// location with the password redacted.
    #[error("cannot {op} {store}")]
    Server {
        /// The store (a redacted URL).
        store: String,
        /// What was being done.
        op: ServerOp,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A database's events are not contiguous: revision `found` where `expected` should be.
    #[error("{store}: expected revision {expected}, found {found}")]
    Gap {
        /// The store (a redacted URL).
        store: String,
        /// The revision that should come next.
        expected: Revision,
        /// The revision found instead (0 when the events end early).
        found: Revision,
    },
    /// A stored event or snapshot does not decode as JSON of the expected type.
    #[error("{store}: the record at revision {revision} does not decode")]
    Decode {
        /// The store (a redacted URL).
        store: String,
        /// The event's revision (the snapshot's, for a snapshot).
        revision: Revision,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// An earlier write or fsync failed, so the handle no longer knows what is on disk; reopen
    /// the store.
    #[error("the store handle is unusable after a failed write; reopen the store")]
    Poisoned,
}
