//! The ledger in a PostgreSQL database: [`PgStore`], with the semantics of the journal, shared
//! by every machine that reaches the server (feature `postgres`).
//!
//! # Schema (migration 1)
//!
//! One database (or one `search_path` schema) holds one ledger:
//!
//! | table | what |
//! |---|---|
//! | `relman_schema_migrations` | `version`, `description`, `applied_at`: the migrations applied |
//! | `relman_ledger` | one row: `lineage`, `schema_version`, `head` (the store's revision), `base` (the snapshot's revision, 0 if never compacted) |
//! | `relman_events` | `revision bigint PRIMARY KEY`, `event json`: the events after `base` |
//! | `relman_snapshot` | at most one row: `revision`, `lineage`, `schema_version`, `state json` |
//!
//! Events are stored as the exact JSON text serde wrote (`json`, not `jsonb`, which would
//! reorder keys), so a copy to a journal and back is byte for byte the same.
//!
//! # Concurrency and durability
//!
//! - **One winner.** [`Store::append`] runs one transaction: `SELECT head FROM relman_ledger FOR
//!   UPDATE` (the row lock serialises writers on every machine), compare with the expected
//!   revision (else [`AppendError::Conflict`] and a rollback), insert the events at `head + 1 ..`
//!   and move `head`. A writer that waited for the lock re-reads the committed `head` (READ
//!   COMMITTED re-checks a locked row), so of many writers at the same expected revision exactly
//!   one succeeds. `revision` is the primary key, a second guard against duplicates.
//! - **Contiguous.** Only the head-row holder inserts, at `head + 1 ..`; readers check it.
//! - **Acknowledged means durable** as far as the server's `synchronous_commit` (on by default)
//!   makes a commit durable. A connection lost before the commit leaves nothing written
//!   ([`ServerOp::Write`]); lost during the commit, the outcome is unknown
//!   ([`ServerOp::Commit`]): reload before deciding again. A handle whose connection closed
//!   reconnects on its next operation.
//! - **Leases and fencing tokens** are events (`lock_acquired`, whose token is its revision),
//!   so they follow from the above: race-free across machines, as with the journal.
//! - **Compaction** ([`PgStore::snapshot_at`]) writes the snapshot, deletes the events up to it
//!   and moves `base`, in one transaction holding the head row; [`Store::load_compacted`] reads
//!   the snapshot and the events after it in one REPEATABLE READ transaction.
//! - **Migrations** run in one transaction under a transaction-level advisory lock, so
//!   concurrent first connections do not race. A database migrated by a newer relman
//!   (a migration version above [`MIGRATION_VERSION`]) or a ledger of a newer
//!   [`SCHEMA_VERSION`] is refused with [`StoreError::UnsupportedSchema`].
//!
//! # Credentials
//!
//! [`PgLocation`] parses a `postgres://user:password@host:port/db?...` URL (or a key=value
//! connection string). [`PgLocation::fill_credentials`] takes the password from `PGPASSWORD` or a
//! `.pgpass` file's contents when the URL has none: the caller reads them, since this library
//! reads no environment variable. The password never appears in `Display`, `Debug` or an error:
//! they show the location as `postgres://user@host:port/db`.
//!
//! # TLS
//!
//! With the feature `postgres-tls`, `sslmode=require` connects over TLS (rustls) and verifies
//! the server's certificate and name against the webpki roots and the certificates given to
//! [`PgLocation::with_root_certificates`] (the CLI reads them from `PGSSLROOTCERT`). This is
//! stricter than libpq's `require`, which does not verify: a server with a self-signed
//! certificate needs its CA given. `sslmode=prefer` (the default) and `disable` connect in plain
//! text; a server that accepts only TLS (`hostssl` in `pg_hba.conf`) then refuses the
//! connection, and the error says to use `sslmode=require`. Without the feature,
//! `sslmode=require` is refused with [`StoreError::Server`].

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, Config, NoTls};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::journal::Snapshot;
use super::{
    AppendError, Compacted, LineageId, Recorded, Revision, SCHEMA_VERSION, ServerOp, Store,
    StoreError,
};

/// The newest migration of the database schema this build knows.
pub const MIGRATION_VERSION: u32 = 1;

/// The migrations, in order: version, description, SQL.
const MIGRATIONS: &[(u32, &str, &str)] = &[(
    1,
    "ledger, events and snapshot",
    "CREATE TABLE relman_ledger (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        lineage text NOT NULL,
        schema_version integer NOT NULL,
        head bigint NOT NULL CHECK (head >= 0),
        base bigint NOT NULL DEFAULT 0 CHECK (base >= 0 AND base <= head)
    );
    CREATE TABLE relman_events (
        revision bigint PRIMARY KEY CHECK (revision > 0),
        event json NOT NULL
    );
    CREATE TABLE relman_snapshot (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        revision bigint NOT NULL CHECK (revision >= 0),
        lineage text NOT NULL,
        schema_version integer NOT NULL,
        state json NOT NULL
    );",
)];

/// The key of the advisory lock migrations take (`relman` in ASCII).
const MIGRATION_LOCK: i64 = 0x7265_6c6d_616e;

/// Where a [`PgStore`] lives: a parsed connection URL. `Display` and `Debug` show it without
/// the password.
#[derive(Clone)]
pub struct PgLocation {
    config: Config,
    /// Extra trusted certificates (PEM) for TLS.
    roots: Vec<u8>,
}

/// Returned by [`PgLocation::parse`]. The text is not repeated, since it may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid PostgreSQL connection URL (not shown, it may hold a password)")]
#[non_exhaustive]
pub struct ParsePgLocationError;

impl PgLocation {
    /// Parses a `postgres://` or `postgresql://` URL or a `key=value` connection string.
    ///
    /// # Errors
    ///
    /// [`ParsePgLocationError`] when the text is not a valid connection string.
    pub fn parse(url: &str) -> Result<Self, ParsePgLocationError> {
        let mut config = Config::from_str(url).map_err(|_| ParsePgLocationError)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("relman");
        }
        Ok(PgLocation {
            config,
            roots: Vec::new(),
        })
    }

    /// The same location, also trusting the certificates of `pem` (one or more PEM
    /// certificates, e.g. the server's CA) when it connects over TLS.
    #[must_use]
    pub fn with_root_certificates(mut self, pem: &[u8]) -> Self {
        self.roots.extend_from_slice(pem);
        self.roots.push(b'\n');
        self
    }

    /// Whether the URL asks for TLS (`sslmode=require`).
    pub fn requires_tls(&self) -> bool {
        self.config.get_ssl_mode() == postgres::config::SslMode::Require
    }

    /// Whether `text` looks like a PostgreSQL URL (`postgres://` or `postgresql://`).
    pub fn is_url(text: &str) -> bool {
        text.starts_with("postgres://") || text.starts_with("postgresql://")
    }

    /// The user, if the URL names one.
    pub fn user(&self) -> Option<&str> {
        self.config.get_user()
    }

    /// Whether a password is set.
    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }

    /// The first host (a name, an address or a Unix socket directory), `localhost` if none.
    pub fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            Some(Host::Unix(p)) => p.display().to_string(),
            None => "localhost".to_string(),
        }
    }

    /// The first port (5432 if none).
    pub fn port(&self) -> u16 {
        self.config.get_ports().first().copied().unwrap_or(5432)
    }

    /// The database name (the user's name when the URL names none, as libpq does).
    pub fn dbname(&self) -> Option<&str> {
        self.config.get_dbname().or(self.config.get_user())
    }

    /// Completes the credentials the URL lacks: the user from `default_user` (the caller's
    /// `PGUSER`, else the login name), then the password from `pgpassword` (`PGPASSWORD`), else
    /// from the `.pgpass` file `pgpass` (its contents) by host, port, database and user.
    pub fn fill_credentials(
        &mut self,
        default_user: Option<&str>,
        pgpassword: Option<&str>,
        pgpass: Option<&str>,
    ) {
        if self.user().is_none()
            && let Some(user) = default_user
        {
            self.config.user(user);
        }
        if self.has_password() {
            return;
        }
        if let Some(password) = pgpassword {
            self.config.password(password);
            return;
        }
        if let (Some(contents), Some(user)) = (pgpass, self.user()) {
            let db = self.dbname().unwrap_or(user).to_string();
            if let Some(password) = pgpass_lookup(contents, &self.host(), self.port(), &db, user) {
                self.config.password(password);
            }
        }
    }

    fn path(&self) -> PathBuf {
        PathBuf::from(self.to_string())
    }
}

impl fmt::Display for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "postgres://")?;
        if let Some(user) = self.user() {
            write!(f, "{user}@")?;
        }
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) if h.contains(':') => format!("[{h}]"),
            Some(Host::Tcp(h)) => h.clone(),
            Some(Host::Unix(p)) => p.display().to_string().replace('/', "%2F"),
            None => String::new(),
        };
        write!(f, "{host}:{}", self.port())?;
        if let Some(db) = self.config.get_dbname() {
            write!(f, "/{db}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgLocation")
            .field("url", &self.to_string())
            .field(
                "password",
                &if self.has_password() {
                    "<redacted>"
                } else {
                    "<none>"
                },
            )
            .finish()
    }
}

/// The password for `host`, `port`, `database` and `user` in the contents of a `.pgpass` file
/// (`hostname:port:database:username:password` lines, `*` matching anything, `\:` and `\\`
/// escaped, `#` comments), as libpq reads it: the first matching line wins.
pub fn pgpass_lookup(
    contents: &str,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    let wanted = [host, port.as_str(), database, user];
    contents.lines().find_map(|line| {
        if line.starts_with('#') || line.trim().is_empty() {
            return None;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            return None;
        }
        let matches = fields
            .iter()
            .zip(wanted)
            .all(|(field, want)| field == "*" || field == want);
        matches.then(|| fields[4].clone())
    })
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("never empty").push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("never empty").push(c),
        }
    }
    fields
}

/// The ledger in a PostgreSQL database; see the [module docs](self) for the schema and the
/// guarantees.
pub struct PgStore<E> {
    location: PgLocation,
    client: Option<Client>,
    lineage: LineageId,
    schema_version: u32,
    read_only: bool,
    _event: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for PgStore<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("lineage", &self.lineage)
            .field("schema_version", &self.schema_version)
            .field("read_only", &self.read_only)
            .field("connected", &self.client.is_some())
            .finish()
    }
}

fn to_i64(r: Revision) -> i64 {
    i64::try_from(r.get()).unwrap_or(i64::MAX)
}

fn to_rev(n: i64) -> Revision {
    Revision::new(u64::try_from(n).unwrap_or(0))
}

impl<E: Serialize + DeserializeOwned + Clone> PgStore<E> {
    /// Connects to the ledger at `location` for reading and writing, migrating the schema to
    /// this build's version first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Server`] when the server cannot be reached or fails;
    /// [`StoreError::NotFound`] (with the redacted URL as `path`) when the database holds no
    /// ledger; [`StoreError::UnsupportedSchema`] for a newer schema.
    pub fn open(location: &PgLocation) -> Result<Self, StoreError> {
        let mut client = connect(location)?;
        migrate(&mut client, location)?;
        Self::from_client(location, client, false)
    }

    /// Connects to the ledger at `location` without writing anything (not even a migration);
    /// [`append`](Store::append) and snapshots are refused with [`StoreError::ReadOnly`].
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_read_only(location: &PgLocation) -> Result<Self, StoreError> {
        let mut client = connect(location)?;
        let found = migration_version(&mut client, location)?;
        match found {
            None => {
                return Err(StoreError::NotFound {
                    path: location.path(),
                });
            }
            Some(v) if v > MIGRATION_VERSION => {
                return Err(StoreError::UnsupportedSchema {
                    path: location.path(),
                    found: v,
                    supported: MIGRATION_VERSION,
                });
            }
            Some(_) => {}
        }
        Self::from_client(location, client, true)
    }

    /// Creates the ledger of lineage `lineage` in the database at `location` (creating or
    /// migrating the schema), holding `events` at revisions 1, 2, ... from its first commit.
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] when the database already holds a ledger; as
    /// [`open`](Self::open) otherwise.
    pub fn create_with(
        location: &PgLocation,
        lineage: LineageId,
        events: &[E],
    ) -> Result<Self, StoreError> {
        let recorded: Vec<Recorded<E>> = (1u64..)
            .zip(events)
            .map(|(n, e)| Recorded {
                revision: Revision::new(n),
                event: e.clone(),
            })
            .collect();
        Self::create_from(location, lineage, None, &recorded)
    }

    /// Creates an empty ledger of lineage `lineage`; see [`create_with`](Self::create_with).
    ///
    /// # Errors
    ///
    /// As [`create_with`](Self::create_with).
    pub fn create(location: &PgLocation, lineage: LineageId) -> Result<Self, StoreError> {
        Self::create_with(location, lineage, &[])
    }

    /// Creates a ledger that continues a copied one: the snapshot `snapshot` (if the source was
    /// compacted) and `events`, whose revisions must follow it without a gap. What
    /// `relman env migrate` uses.
    ///
    /// # Errors
    ///
    /// [`StoreError::Gap`] when the revisions do not follow each other; as
    /// [`create_with`](Self::create_with) otherwise.
    pub fn create_from(
        location: &PgLocation,
        lineage: LineageId,
        snapshot: Option<&Snapshot<serde_json::Value>>,
        events: &[Recorded<E>],
    ) -> Result<Self, StoreError> {
        let base = snapshot.map_or(Revision::ZERO, |s| s.revision);
        let mut expected = base;
        for r in events {
            expected = expected.after(1);
            if r.revision != expected {
                return Err(StoreError::Gap {
                    store: location.to_string(),
                    expected,
                    found: r.revision,
                });
            }
        }
        let encoded = encode_all(events.iter().map(|r| &r.event))?;
        let snapshot_json = snapshot
            .map(|s| serde_json::to_string(&s.state).map_err(StoreError::Encode))
            .transpose()?;
        let mut client = connect(location)?;
        migrate(&mut client, location)?;
        let err = |op| server_err(location, op);
        let mut tx = client.transaction().map_err(err(ServerOp::Write))?;
        let inserted = tx
            .execute(
                "INSERT INTO relman_ledger (lineage, schema_version, head, base)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[
                    &lineage.as_str(),
                    &i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX),
                    &to_i64(expected),
                    &to_i64(base),
                ],
            )
            .map_err(err(ServerOp::Write))?;
        if inserted == 0 {
            return Err(StoreError::AlreadyExists {
                path: location.path(),
            });
        }
        if let (Some(s), Some(state)) = (snapshot, snapshot_json) {
            tx.execute(
                "INSERT INTO relman_snapshot (revision, lineage, schema_version, state)
                 VALUES ($1, $2, $3, $4::text::json)",
                &[
                    &to_i64(s.revision),
                    &lineage.as_str(),
                    &i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX),
                    &state,
                ],
            )
            .map_err(err(ServerOp::Write))?;
        }
        insert_events(&mut tx, base, &encoded).map_err(err(ServerOp::Write))?;
        tx.commit().map_err(err(ServerOp::Commit))?;
        Self::from_client(location, client, false)
    }

    /// Connects to the ledger at `location`, creating it with `lineage` when the database holds
    /// none.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and [`create`](Self::create).
    pub fn open_or_create(location: &PgLocation, lineage: LineageId) -> Result<Self, StoreError> {
        match Self::create(location, lineage) {
            Err(StoreError::AlreadyExists { .. }) => Self::open(location),
            other => other,
        }
    }

    fn from_client(
        location: &PgLocation,
        mut client: Client,
        read_only: bool,
    ) -> Result<Self, StoreError> {
        let row = client
            .query_opt("SELECT lineage, schema_version FROM relman_ledger", &[])
            .map_err(|e| match e.code() {
                Some(&postgres::error::SqlState::UNDEFINED_TABLE) => StoreError::NotFound {
                    path: location.path(),
                },
                _ => server_err(location, ServerOp::Read)(e),
            })?
            .ok_or_else(|| StoreError::NotFound {
                path: location.path(),
            })?;
        let lineage: String = row.get(0);
        let schema_version: i32 = row.get(1);
        let schema_version = u32::try_from(schema_version).unwrap_or(u32::MAX);
        if schema_version > SCHEMA_VERSION {
            return Err(StoreError::UnsupportedSchema {
                path: location.path(),
                found: schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        let lineage = LineageId::new(lineage).map_err(|e| StoreError::Server {
            store: location.to_string(),
            op: ServerOp::Read,
            source: Box::new(e),
        })?;
        Ok(PgStore {
            location: location.clone(),
            client: Some(client),
            lineage,
            schema_version,
            read_only,
            _event: PhantomData,
        })
    }

    /// Where the store is (print it: the password is redacted).
    pub fn location(&self) -> &PgLocation {
        &self.location
    }

    /// Whether this handle was opened with [`open_read_only`](Self::open_read_only).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Runs `f` with a connection, reconnecting first when the last one closed, and drops a
    /// connection that closed during `f`, so that the next operation reconnects.
    fn with_client<T, X: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Client, &PgLocation) -> Result<T, X>,
    ) -> Result<T, X> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = None;
            self.client = Some(connect(&self.location)?);
        }
        let client = self.client.as_mut().expect("connected just above");
        let result = f(client, &self.location);
        if client.is_closed() {
            self.client = None;
        }
        result
    }

    fn refuse_read_only(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.location.path(),
            });
        }
        Ok(())
    }

    /// Writes `state` as the snapshot at revision `expected`, deletes the events up to it and
    /// starts the ledger after it, in one transaction, only if the store is still at
    /// `expected`; returns the snapshot's revision.
    ///
    /// # Errors
    ///
    /// [`AppendError::Conflict`] when another writer appended since `expected` (nothing
    /// written); [`AppendError::Store`] when the server fails or the handle is read-only.
    pub fn snapshot_at<S: Serialize>(
        &mut self,
        expected: Revision,
        state: &S,
    ) -> Result<Revision, AppendError> {
        self.refuse_read_only()?;
        let state = serde_json::to_string(state).map_err(StoreError::Encode)?;
        let lineage = self.lineage.clone();
        self.with_client(|client, location| {
            let err = |op| server_err(location, op);
            let mut tx = client.transaction().map_err(err(ServerOp::Write))?;
            let current = lock_head(&mut tx, location)?;
            if current != expected {
                return Err(AppendError::Conflict { expected, current });
            }
            tx.execute(
                "INSERT INTO relman_snapshot (revision, lineage, schema_version, state)
                 VALUES ($1, $2, $3, $4::text::json)
                 ON CONFLICT (singleton) DO UPDATE SET revision = EXCLUDED.revision,
                   lineage = EXCLUDED.lineage, schema_version = EXCLUDED.schema_version,
                   state = EXCLUDED.state",
                &[
                    &to_i64(expected),
                    &lineage.as_str(),
                    &i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX),
                    &state,
                ],
            )
            .map_err(err(ServerOp::Write))?;
            tx.execute(
                "DELETE FROM relman_events WHERE revision <= $1",
                &[&to_i64(expected)],
            )
            .map_err(err(ServerOp::Write))?;
            tx.execute("UPDATE relman_ledger SET base = $1", &[&to_i64(expected)])
                .map_err(err(ServerOp::Write))?;
            tx.commit().map_err(err(ServerOp::Commit))?;
            Ok(expected)
        })
    }

    /// Writes `state` as the snapshot at the store's current revision; see
    /// [`snapshot_at`](Self::snapshot_at).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the server fails or the handle is read-only.
    pub fn snapshot<S: Serialize>(&mut self, state: &S) -> Result<Revision, StoreError> {
        loop {
            let at = self.revision()?;
            match self.snapshot_at(at, state) {
                Ok(r) => return Ok(r),
                Err(AppendError::Conflict { .. }) => continue,
                Err(AppendError::Store(e)) => return Err(e),
            }
        }
    }

    /// How many events the store holds after its snapshot (what a compaction would fold).
    ///
    /// # Errors
    ///
    /// [`StoreError::Server`] when the server fails.
    pub fn events_after_snapshot(&mut self) -> Result<u64, StoreError> {
        self.with_client(|client, location| {
            let row = client
                .query_one("SELECT head - base FROM relman_ledger", &[])
                .map_err(server_err(location, ServerOp::Read))?;
            Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
        })
    }
}

impl<E: Serialize + DeserializeOwned + Clone> Store for PgStore<E> {
    type Event = E;

    fn lineage(&self) -> &LineageId {
        &self.lineage
    }

    fn schema_version(&self) -> u32 {
        self.schema_version
    }

    fn revision(&mut self) -> Result<Revision, StoreError> {
        self.with_client(|client, location| {
            let row = client
                .query_one("SELECT head FROM relman_ledger", &[])
                .map_err(server_err(location, ServerOp::Read))?;
            Ok(to_rev(row.get(0)))
        })
    }

    fn append(&mut self, expected: Revision, events: &[E]) -> Result<Revision, AppendError> {
        self.refuse_read_only()?;
        let encoded = encode_all(events)?;
        self.with_client(|client, location| {
            let err = |op| server_err(location, op);
            let mut tx = client.transaction().map_err(err(ServerOp::Write))?;
            let current = lock_head(&mut tx, location)?;
            if current != expected {
                return Err(AppendError::Conflict { expected, current });
            }
            if encoded.is_empty() {
                return Ok(expected);
            }
            insert_events(&mut tx, expected, &encoded).map_err(err(ServerOp::Write))?;
            let new = expected.after(encoded.len() as u64);
            tx.execute("UPDATE relman_ledger SET head = $1", &[&to_i64(new)])
                .map_err(err(ServerOp::Write))?;
            tx.commit().map_err(err(ServerOp::Commit))?;
            Ok(new)
        })
    }

    fn load(&mut self) -> Result<Vec<Recorded<E>>, StoreError> {
        Ok(self.load_compacted()?.events)
    }

    fn load_compacted(&mut self) -> Result<Compacted<E>, StoreError> {
        let lineage = self.lineage.clone();
        self.with_client(|client, location| {
            let err = |op| server_err(location, op);
            let mut tx = client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(err(ServerOp::Read))?;
            let ledger = tx
                .query_one("SELECT head, base FROM relman_ledger", &[])
                .map_err(err(ServerOp::Read))?;
            let (head, base) = (to_rev(ledger.get(0)), to_rev(ledger.get(1)));
            let snapshot = tx
                .query_opt(
                    "SELECT revision, lineage, schema_version, state::text FROM relman_snapshot",
                    &[],
                )
                .map_err(err(ServerOp::Read))?;
            let snapshot = match snapshot {
                None => None,
                Some(row) => {
                    let revision = to_rev(row.get(0));
                    let found: String = row.get(1);
                    let schema: i32 = row.get(2);
                    let schema = u32::try_from(schema).unwrap_or(u32::MAX);
                    if schema > SCHEMA_VERSION {
                        return Err(StoreError::UnsupportedSchema {
                            path: location.path(),
                            found: schema,
                            supported: SCHEMA_VERSION,
                        });
                    }
                    if found != lineage.as_str() {
                        return Err(StoreError::LineageMismatch {
                            path: location.path(),
                            expected: lineage.clone(),
                            found: LineageId::new(found).map_err(|e| StoreError::Server {
                                store: location.to_string(),
                                op: ServerOp::Read,
                                source: Box::new(e),
                            })?,
                        });
                    }
                    let text: String = row.get(3);
                    let state =
                        serde_json::from_str(&text).map_err(|source| StoreError::Decode {
                            store: location.to_string(),
                            revision,
                            source,
                        })?;
                    Some(Snapshot { revision, state })
                }
            };
            let at = snapshot.as_ref().map_or(Revision::ZERO, |s| s.revision);
            if at != base {
                return Err(StoreError::SnapshotMismatch {
                    path: location.path(),
                    snapshot: at,
                    base,
                    revision: head,
                });
            }
            let rows = tx
                .query(
                    "SELECT revision, event::text FROM relman_events WHERE revision > $1
                     ORDER BY revision",
                    &[&to_i64(base)],
                )
                .map_err(err(ServerOp::Read))?;
            let mut events = Vec::with_capacity(rows.len());
            let mut expected = base;
            for row in rows {
                let revision = to_rev(row.get(0));
                expected = expected.after(1);
                if revision != expected {
                    return Err(StoreError::Gap {
                        store: location.to_string(),
                        expected,
                        found: revision,
                    });
                }
                let text: String = row.get(1);
                let event = serde_json::from_str(&text).map_err(|source| StoreError::Decode {
                    store: location.to_string(),
                    revision,
                    source,
                })?;
                events.push(Recorded { revision, event });
            }
            if expected != head {
                return Err(StoreError::Gap {
                    store: location.to_string(),
                    expected: expected.after(1).min(head),
                    found: Revision::ZERO,
                });
            }
            tx.commit().map_err(err(ServerOp::Read))?;
            Ok(Compacted { snapshot, events })
        })
    }
}

fn server_err(location: &PgLocation, op: ServerOp) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Server {
        store: location.to_string(),
        op,
        source: Box::new(e),
    }
}

fn connect(location: &PgLocation) -> Result<Client, StoreError> {
    if location.requires_tls() {
        return connect_tls(location);
    }
    location
        .config
        .connect(NoTls)
        .map_err(server_err(location, ServerOp::Connect))
}

/// Connects over TLS with rustls: the webpki roots and the location's own certificates.
#[cfg(feature = "postgres-tls")]
fn connect_tls(location: &PgLocation) -> Result<Client, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let tls_error = |reason: String| StoreError::Server {
        store: location.to_string(),
        op: ServerOp::Connect,
        source: reason.into(),
    };
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in CertificateDer::pem_slice_iter(&location.roots) {
        let cert = cert.map_err(|e| tls_error(format!("invalid root certificate: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| tls_error(format!("invalid root certificate: {e}")))?;
    }
    // ring, not aws-lc-rs: it builds with the C compiler alone, as the rest of relman does.
    // rustls marks it deprecated for lacking post-quantum key exchange, which PostgreSQL
    // servers do not offer yet.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    location
        .config
        .connect(tokio_postgres_rustls::MakeRustlsConnect::new(config))
        .map_err(server_err(location, ServerOp::Connect))
}

#[cfg(not(feature = "postgres-tls"))]
fn connect_tls(location: &PgLocation) -> Result<Client, StoreError> {
    Err(StoreError::Server {
        store: location.to_string(),
        op: ServerOp::Connect,
        source: "sslmode=require needs TLS, and this build has no TLS support (relman-env's \
                 `postgres-tls` feature)"
            .into(),
    })
}

fn encode_all<'a, E: Serialize + 'a>(
    events: impl IntoIterator<Item = &'a E>,
) -> Result<Vec<String>, StoreError> {
    events
        .into_iter()
        .map(|e| serde_json::to_string(e).map_err(StoreError::Encode))
        .collect()
}

/// Locks the head row for the rest of the transaction and returns the store's revision.
fn lock_head(
    tx: &mut postgres::Transaction<'_>,
    location: &PgLocation,
) -> Result<Revision, StoreError> {
    let row = tx
        .query_opt("SELECT head FROM relman_ledger FOR UPDATE", &[])
        .map_err(server_err(location, ServerOp::Write))?
        .ok_or_else(|| StoreError::NotFound {
            path: location.path(),
        })?;
    Ok(to_rev(row.get(0)))
}

/// Inserts `encoded` at revisions `after + 1 ..` with one statement.
fn insert_events(
    tx: &mut postgres::Transaction<'_>,
    after: Revision,
    encoded: &[String],
) -> Result<(), postgres::Error> {
    if encoded.is_empty() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO relman_events (revision, event)
         SELECT $1::bigint + t.ord, t.e::json
         FROM unnest($2::text[]) WITH ORDINALITY AS t(e, ord)",
        &[&to_i64(after), &encoded],
    )?;
    Ok(())
}

/// The newest migration applied, `None` when the database holds no relman schema.
fn migration_version(
    client: &mut Client,
    location: &PgLocation,
) -> Result<Option<u32>, StoreError> {
    let row = client
        .query_one(
            "SELECT to_regclass('relman_schema_migrations') IS NOT NULL",
            &[],
        )
        .map_err(server_err(location, ServerOp::Read))?;
    if !row.get::<_, bool>(0) {
        return Ok(None);
    }
    let row = client
        .query_one("SELECT max(version) FROM relman_schema_migrations", &[])
        .map_err(server_err(location, ServerOp::Read))?;
    Ok(row
        .get::<_, Option<i32>>(0)
        .map(|v| u32::try_from(v).unwrap_or(0)))
}

/// Creates or migrates the schema in one transaction, under an advisory lock. A schema already
/// at [`MIGRATION_VERSION`] is only read, so a role without the `CREATE` privilege can use it.
fn migrate(client: &mut Client, location: &PgLocation) -> Result<(), StoreError> {
    match migration_version(client, location)? {
        Some(MIGRATION_VERSION) => return Ok(()),
        Some(found) if found > MIGRATION_VERSION => {
            return Err(StoreError::UnsupportedSchema {
                path: location.path(),
                found,
                supported: MIGRATION_VERSION,
            });
        }
        _ => {}
    }
    let err = server_err(location, ServerOp::Migrate);
    let mut tx = client.transaction().map_err(&err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(&err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS relman_schema_migrations (
            version integer PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .map_err(&err)?;
    let found: Option<i32> = tx
        .query_one("SELECT max(version) FROM relman_schema_migrations", &[])
        .map_err(&err)?
        .get(0);
    let found = found.map_or(0, |v| u32::try_from(v).unwrap_or(0));
    if found > MIGRATION_VERSION {
        return Err(StoreError::UnsupportedSchema {
            path: location.path(),
            found,
            supported: MIGRATION_VERSION,
        });
    }
    for (version, description, sql) in MIGRATIONS {
        if *version <= found {
            continue;
        }
        tx.batch_execute(sql).map_err(&err)?;
        tx.execute(
            "INSERT INTO relman_schema_migrations (version, description) VALUES ($1, $2)",
            &[&i32::try_from(*version).unwrap_or(i32::MAX), description],
        )
        .map_err(&err)?;
    }
    tx.commit().map_err(server_err(location, ServerOp::Commit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_never_show_the_password() {
        let loc = PgLocation::parse("postgres://bo:hunter2@db.example:6543/ledger").expect("url");
        assert_eq!(loc.to_string(), "postgres://bo@db.example:6543/ledger");
        assert!(!format!("{loc:?}").contains("hunter2"));
        assert!(loc.has_password());
        let err =
            PgLocation::parse("postgres://bo:hunter2@db.example:notaport/x").expect_err("bad port");
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn credentials_come_from_pgpassword_then_pgpass() {
        let mut loc = PgLocation::parse("postgres://db.example/ledger").expect("url");
        loc.fill_credentials(
            Some("ci"),
            None,
            Some("# c\ndb.example:5432:ledger:ci:from\\:file\n"),
        );
        assert_eq!(loc.user(), Some("ci"));
        assert_eq!(loc.config.get_password(), Some(&b"from:file"[..]));
        let mut loc = PgLocation::parse("postgres://ci@db.example/ledger").expect("url");
        loc.fill_credentials(None, Some("env"), Some("*:*:*:*:file\n"));
        assert_eq!(loc.config.get_password(), Some(&b"env"[..]));
    }

    #[test]
    fn pgpass_wildcards_and_first_match() {
        let file = "other:5432:*:*:no\n*:5433:*:ci:yes\n*:*:*:*:later\n";
        assert_eq!(
            pgpass_lookup(file, "h", 5433, "db", "ci").as_deref(),
            Some("yes")
        );
        assert_eq!(
            pgpass_lookup(file, "h", 5432, "db", "ci").as_deref(),
            Some("later")
        );
        assert_eq!(pgpass_lookup("a:b\n", "h", 1, "d", "u"), None);
    }
}
