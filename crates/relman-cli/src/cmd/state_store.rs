//! The environment state behind `--state`: a journal directory, or a PostgreSQL database when the
//! value is a `postgres://` (or `postgresql://`) URL. [`StateStore`] is one [`Store`] over both,
//! so that the commands do not care which; `relman env migrate` copies a ledger between them.
//!
//! Credentials for a URL: the URL's own, else `PGPASSWORD`, else the `.pgpass` file
//! (`PGPASSFILE`, else `~/.pgpass`); the user is the URL's, else `PGUSER`, else `USER`. The
//! password is never printed: [`display_state`] shows a URL without it. With `sslmode=require`
//! the server's certificate is verified against the webpki roots and the PEM file named by
//! `PGSSLROOTCERT`, as libpq names it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use relman_env::Event;
use relman_env::store::{
    AppendError, Committed, Compacted, JournalDiagnostic, JournalStore, LineageId, PgLocation,
    PgStore, Recorded, Revision, Snapshot, Store, StoreError, check,
};
use serde::Serialize;

/// The writes after which a database store compacts itself: the journal's size limit in bytes
/// divided by about 200 bytes an event.
const BYTES_PER_EVENT: u64 = 200;

/// The ledger behind `--state`.
#[derive(Debug)]
pub(crate) enum StateStore {
    /// A journal directory.
    Journal(JournalStore<Event>),
    /// A PostgreSQL database (boxed: its connection is much larger than a journal handle).
    Postgres(Box<PgStore<Event>>),
}

/// The `--state` value parsed as a PostgreSQL location with its credentials completed from the
/// environment, or `None` for a directory.
pub(crate) fn pg_location(state: &Path) -> Result<Option<PgLocation>> {
    let Some(text) = state.to_str().filter(|t| PgLocation::is_url(t)) else {
        return Ok(None);
    };
    let mut location = PgLocation::parse(text)?;
    let user = std::env::var("PGUSER")
        .ok()
        .or_else(|| std::env::var("USER").ok());
    let password = std::env::var("PGPASSWORD").ok();
    let pgpass = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))
        .and_then(|p| std::fs::read_to_string(p).ok());
    location.fill_credentials(user.as_deref(), password.as_deref(), pgpass.as_deref());
    if let Some(path) = std::env::var_os("PGSSLROOTCERT") {
        let pem = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read PGSSLROOTCERT {}",
                std::path::Path::new(&path).display()
            )
        })?;
        location = location.with_root_certificates(&pem);
    }
    Ok(Some(location))
}

/// The `--state` value as it may be printed: a URL without its password.
pub(crate) fn display_state(state: &Path) -> String {
    match state.to_str().filter(|t| PgLocation::is_url(t)) {
        Some(text) => PgLocation::parse(text).map_or_else(
            |_| "<invalid PostgreSQL URL>".to_string(),
            |l| l.to_string(),
        ),
        None => state.display().to_string(),
    }
}

impl StateStore {
    /// Opens the state for reading and writing, with the torn tails a journal cut.
    pub(crate) fn open(state: &Path) -> Result<(Self, Vec<JournalDiagnostic>)> {
        Ok(match pg_location(state)? {
            Some(location) => (
                StateStore::Postgres(Box::new(PgStore::open(&location)?)),
                Vec::new(),
            ),
            None => {
                let opened = JournalStore::open(state)?;
                (StateStore::Journal(opened.store), opened.diagnostics)
            }
        })
    }

    /// Opens the state without writing anything.
    pub(crate) fn open_read_only(state: &Path) -> Result<(Self, Vec<JournalDiagnostic>)> {
        Ok(match pg_location(state)? {
            Some(location) => (
                StateStore::Postgres(Box::new(PgStore::open_read_only(&location)?)),
                Vec::new(),
            ),
            None => {
                let opened = JournalStore::open_read_only(state)?;
                (StateStore::Journal(opened.store), opened.diagnostics)
            }
        })
    }

    /// Creates the state holding `events` from its first write. A store that already exists is
    /// `Err` with [`StoreError::AlreadyExists`] as the root cause.
    pub(crate) fn create_with(state: &Path, lineage: LineageId, events: &[Event]) -> Result<Self> {
        Ok(match pg_location(state)? {
            Some(location) => {
                StateStore::Postgres(Box::new(PgStore::create_with(&location, lineage, events)?))
            }
            None => StateStore::Journal(JournalStore::create_with(state, lineage, events)?.store),
        })
    }

    /// Creates the state as a copy of a ledger: its snapshot and the events after it.
    fn create_from(
        state: &Path,
        lineage: LineageId,
        snapshot: Option<&Snapshot<serde_json::Value>>,
        events: &[Recorded<Event>],
    ) -> Result<Self> {
        Ok(match pg_location(state)? {
            Some(location) => StateStore::Postgres(Box::new(PgStore::create_from(
                &location, lineage, snapshot, events,
            )?)),
            None => StateStore::Journal(
                JournalStore::create_from(state, lineage, snapshot, events)?.store,
            ),
        })
    }

    /// Torn tails found since the journal was opened (none for a database).
    pub(crate) fn take_diagnostics(&mut self) -> Vec<JournalDiagnostic> {
        match self {
            StateStore::Journal(s) => s.take_diagnostics(),
            StateStore::Postgres(_) => Vec::new(),
        }
    }

    /// Writes `state` as the snapshot if the store is still at `expected`.
    pub(crate) fn snapshot_at<S: Serialize>(
        &mut self,
        expected: Revision,
        state: &S,
    ) -> Result<Revision, AppendError> {
        match self {
            StateStore::Journal(s) => s.snapshot_at(expected, state),
            StateStore::Postgres(s) => s.snapshot_at(expected, state),
        }
    }

    /// After a write: compacts a journal larger than `limit` bytes, or a database holding
    /// more than `limit / 200` events after its snapshot.
    pub(crate) fn compact_if_above(
        &mut self,
        committed: &Committed,
        limit: u64,
    ) -> Result<Option<Revision>, StoreError> {
        match self {
            StateStore::Journal(s) => check::compact_if_above(s, committed, limit),
            StateStore::Postgres(s) => {
                if s.events_after_snapshot()? <= limit / BYTES_PER_EVENT {
                    return Ok(None);
                }
                match s.snapshot_at(committed.revision, &committed.state) {
                    Ok(r) => Ok(Some(r)),
                    Err(AppendError::Conflict { .. }) => Ok(None),
                    Err(AppendError::Store(e)) => Err(e),
                    Err(e) => Err(StoreError::Server {
                        store: s.location().to_string(),
                        op: relman_env::store::ServerOp::Write,
                        source: Box::new(e),
                    }),
                }
            }
        }
    }
}

impl Store for StateStore {
    type Event = Event;

    fn lineage(&self) -> &LineageId {
        match self {
            StateStore::Journal(s) => s.lineage(),
            StateStore::Postgres(s) => s.lineage(),
        }
    }

    fn schema_version(&self) -> u32 {
        match self {
            StateStore::Journal(s) => s.schema_version(),
            StateStore::Postgres(s) => s.schema_version(),
        }
    }

    fn revision(&mut self) -> Result<Revision, StoreError> {
        match self {
            StateStore::Journal(s) => s.revision(),
            StateStore::Postgres(s) => s.revision(),
        }
    }

    fn append(&mut self, expected: Revision, events: &[Event]) -> Result<Revision, AppendError> {
        match self {
            StateStore::Journal(s) => s.append(expected, events),
            StateStore::Postgres(s) => s.append(expected, events),
        }
    }

    fn load(&mut self) -> Result<Vec<Recorded<Event>>, StoreError> {
        match self {
            StateStore::Journal(s) => s.load(),
            StateStore::Postgres(s) => s.load(),
        }
    }

    fn load_compacted(&mut self) -> Result<Compacted<Event>, StoreError> {
        match self {
            StateStore::Journal(s) => s.load_compacted(),
            StateStore::Postgres(s) => s.load_compacted(),
        }
    }
}

/// What `relman env migrate` copied. JSON: `{"from", "to", "lineage", "events", "revision",
/// "snapshot_revision"}`.
#[derive(Debug, Serialize)]
pub(crate) struct Migrated {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) lineage: String,
    pub(crate) events: usize,
    pub(crate) revision: u64,
    pub(crate) snapshot_revision: Option<u64>,
}

/// `relman env migrate`: copies the ledger at `from` into a new store at `to` (journal or
/// database, either way), then reads the copy back and checks that it holds the same lineage,
/// snapshot, events and last revision.
pub(crate) fn migrate(from: &Path, to: &Path) -> Result<Migrated> {
    let (mut source, _) = StateStore::open_read_only(from)
        .with_context(|| format!("cannot open the state in {}", display_state(from)))?;
    let original = source
        .load_compacted()
        .with_context(|| format!("cannot read the state in {}", display_state(from)))?;
    let lineage = source.lineage().clone();
    let mut copy = StateStore::create_from(
        to,
        lineage.clone(),
        original.snapshot.as_ref(),
        &original.events,
    )
    .with_context(|| format!("cannot create the state in {}", display_state(to)))?;
    let copied = copy
        .load_compacted()
        .with_context(|| format!("cannot read back the copy in {}", display_state(to)))?;
    if copy.lineage() != &lineage
        || copied.events.len() != original.events.len()
        || copied.revision() != original.revision()
        || copied.events != original.events
        || copied.snapshot != original.snapshot
    {
        bail!(
            "the copy in {} differs from {}: {} events up to revision {} copied as {} events up to revision {}",
            display_state(to),
            display_state(from),
            original.events.len(),
            original.revision(),
            copied.events.len(),
            copied.revision()
        );
    }
    Ok(Migrated {
        from: display_state(from),
        to: display_state(to),
        lineage: lineage.to_string(),
        events: copied.events.len(),
        revision: copied.revision().get(),
        snapshot_revision: copied.snapshot.map(|s| s.revision.get()),
    })
}
