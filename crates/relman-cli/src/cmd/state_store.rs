//! The environment state behind `--state`: a journal directory, or a PostgreSQL database when the
//! value is a `postgres://` (or `postgresql://`) URL. This module only reads the environment
//! (credentials, `PGSSLROOTCERT`) into a [`StoreLocation`]; relman-env's [`AnyStore`] is the one
//! store over both backends, and its `migrate` copies a ledger between them.
//!
//! Credentials for a URL: the URL's own, else `PGPASSWORD`, else the `.pgpass` file
//! (`PGPASSFILE`, else `~/.pgpass`); the user is the URL's, else `PGUSER`, else `USER`. The
//! password is never printed: [`display_state`] shows a URL without it. With `sslmode=require`
//! the server's certificate is verified against the webpki roots and the PEM file named by
//! `PGSSLROOTCERT`, as libpq names it.

use std::path::Path;

use anyhow::{Context, Result};
use relman_env::Event;
use relman_env::store::{AnyStore, LineageId, Migrated, PgLocation, StoreLocation};

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

/// The ledger behind `--state`.
pub(crate) type StateStore = AnyStore<Event>;

/// Where `--state` points: a PostgreSQL database (credentials completed from the environment)
/// or a journal directory.
pub(crate) fn location(state: &Path) -> Result<StoreLocation> {
    Ok(match pg_location(state)? {
        Some(location) => StoreLocation::Postgres(Box::new(location)),
        None => StoreLocation::Journal(state.to_path_buf()),
    })
}

/// Opens the state for reading and writing, with the torn tails a journal cut.
pub(crate) fn open(
    state: &Path,
) -> Result<(StateStore, Vec<relman_env::store::JournalDiagnostic>)> {
    Ok(StateStore::open(&location(state)?)?)
}

/// Opens the state without writing anything.
pub(crate) fn open_read_only(
    state: &Path,
) -> Result<(StateStore, Vec<relman_env::store::JournalDiagnostic>)> {
    Ok(StateStore::open_read_only(&location(state)?)?)
}

/// Creates the state holding `events` from its first write.
pub(crate) fn create_with(
    state: &Path,
    lineage: LineageId,
    events: &[Event],
) -> Result<StateStore> {
    Ok(StateStore::create_with(&location(state)?, lineage, events)?)
}

/// `relman env migrate`: relman-env's verified copy between the two locations.
pub(crate) fn migrate(from: &Path, to: &Path) -> Result<Migrated> {
    let from = location(from)?;
    let to = location(to)?;
    Ok(relman_env::store::migrate::<Event>(&from, &to)?)
}
