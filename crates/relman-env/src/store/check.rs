//! Store maintenance for an environment ledger on disk: [`verify`] (read-only), [`repair`]
//! (the one operation that cuts a torn tail, after saving it), [`compact`] (a snapshot of the
//! folded state) and [`compact_if_above`] (the same after a write, once the journal has grown
//! past a size).
//!
//! ```
//! use relman_env::store::check::{CheckOutcome, compact, verify};
//! use relman_env::store::{JournalStore, LineageId};
//! use relman_env::Event;
//!
//! let dir = tempfile::tempdir()?;
//! JournalStore::<Event>::create(dir.path(), LineageId::new("doc")?)?;
//! let check = verify(dir.path())?;
//! assert_eq!((check.outcome, check.revision), (CheckOutcome::Ok, Some(0)));
//! assert_eq!(compact(dir.path(), 3)?.get(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use serde::Serialize;

use super::journal::{Corruption, JournalDiagnostic, JournalStore};
use super::transact::{Committed, load_state};
use super::{AppendError, IoOp, Revision, Store, StoreError};
use crate::event::Event;
use crate::state::EnvState;

/// What [`verify`] or [`repair`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckOutcome {
    /// The journal and the snapshot are sound.
    Ok,
    /// The journal ends with an interrupted write ([`repair`] saves and cuts it).
    TornTail,
    /// [`repair`] saved and cut an interrupted write.
    Repaired,
    /// A complete record is damaged: nothing is cut; restore from a backup.
    Corrupt,
}

/// The report of [`verify`] or [`repair`]. JSON: `{"state", "outcome", "revision", "file",
/// "offset", "bytes", "problem", "saved_to"}`, absent fields `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoreCheck {
    /// The store directory.
    pub state: String,
    /// What was found.
    pub outcome: CheckOutcome,
    /// The store's revision (unless corrupt).
    pub revision: Option<u64>,
    /// The damaged or torn file.
    pub file: Option<String>,
    /// The byte offset of the damage or of the torn write.
    pub offset: Option<u64>,
    /// The bytes of the torn write.
    pub bytes: Option<u64>,
    /// What is wrong.
    pub problem: Option<String>,
    /// Where [`repair`] saved the bytes it cut.
    pub saved_to: Option<String>,
}

impl StoreCheck {
    fn new(dir: &Path, outcome: CheckOutcome, revision: Option<u64>) -> Self {
        Self {
            state: dir.display().to_string(),
            outcome,
            revision,
            file: None,
            offset: None,
            bytes: None,
            problem: None,
            saved_to: None,
        }
    }

    fn corrupt(dir: &Path, path: &Path, offset: u64, problem: &Corruption) -> Self {
        Self {
            file: Some(path.display().to_string()),
            offset: Some(offset),
            problem: Some(problem.to_string()),
            ..Self::new(dir, CheckOutcome::Corrupt, None)
        }
    }

    /// Whether the store is usable as it is (sound, or repaired).
    pub fn is_sound(&self) -> bool {
        matches!(self.outcome, CheckOutcome::Ok | CheckOutcome::Repaired)
    }

    /// One line for people, with what to do next.
    pub fn to_text(&self) -> String {
        let file = self.file.as_deref().unwrap_or_default();
        let offset = self.offset.unwrap_or_default();
        let bytes = self.bytes.unwrap_or_default();
        let problem = self.problem.as_deref().unwrap_or_default();
        let revision = self.revision.unwrap_or_default();
        match self.outcome {
            CheckOutcome::Ok => format!("ok: {} is sound at revision {revision}\n", self.state),
            CheckOutcome::TornTail => format!(
                "torn tail: {file} ends with {bytes} bytes of an interrupted write at byte {offset} ({problem}); `relman env repair` saves and cuts them\n"
            ),
            CheckOutcome::Repaired => format!(
                "repaired: cut {bytes} bytes of an interrupted write at byte {offset} of {file} ({problem}); saved in {}; the store is at revision {revision}\n",
                self.saved_to.as_deref().unwrap_or_default()
            ),
            CheckOutcome::Corrupt => format!(
                "corrupt: {file} at byte offset {offset}: {problem}; a complete record is damaged, so nothing is cut: restore the file from a backup\n"
            ),
        }
    }
}

/// Opens the store in `dir` read-only and checks its journal and snapshot; changes nothing.
///
/// # Errors
///
/// [`StoreError`] when the store cannot be read at all (no store, I/O); damage is a
/// [`CheckOutcome::Corrupt`] report, not an error.
pub fn verify(dir: &Path) -> Result<StoreCheck, StoreError> {
    let opened = match JournalStore::<Event>::open_read_only(dir) {
        Err(StoreError::Corrupt {
            path,
            offset,
            problem,
        }) => return Ok(StoreCheck::corrupt(dir, &path, offset, &problem)),
        other => other?,
    };
    let torn = opened.diagnostics.iter().find_map(|d| match d {
        JournalDiagnostic::TornTailFound {
            offset,
            bytes,
            problem,
        } => Some((*offset, *bytes, problem.to_string())),
        _ => None,
    });
    let mut store = opened.store;
    let revision = store.revision()?.get();
    match store.read_snapshot::<EnvState>() {
        Err(StoreError::Corrupt {
            path,
            offset,
            problem,
        }) => return Ok(StoreCheck::corrupt(dir, &path, offset, &problem)),
        other => {
            other?;
        }
    }
    Ok(match torn {
        Some((offset, bytes, problem)) => StoreCheck {
            file: Some(store.journal_path().display().to_string()),
            offset: Some(offset),
            bytes: Some(bytes),
            problem: Some(problem),
            ..StoreCheck::new(dir, CheckOutcome::TornTail, Some(revision))
        },
        None => StoreCheck::new(dir, CheckOutcome::Ok, Some(revision)),
    })
}

/// Opens the store in `dir` for writing, which saves a torn tail beside the journal
/// (`journal.torn-<offset>`) and cuts it; a corrupt store is reported and left alone.
///
/// # Errors
///
/// [`StoreError`] when the store cannot be opened (no store, lock, I/O).
pub fn repair(dir: &Path) -> Result<StoreCheck, StoreError> {
    let opened = match JournalStore::<Event>::open(dir) {
        Err(StoreError::Corrupt {
            path,
            offset,
            problem,
        }) => return Ok(StoreCheck::corrupt(dir, &path, offset, &problem)),
        other => other?,
    };
    let mut store = opened.store;
    let revision = store.revision()?.get();
    let cut = opened.diagnostics.iter().find_map(|d| match d {
        JournalDiagnostic::TornTail {
            offset,
            dropped_bytes,
            problem,
            saved_to,
        } => Some(StoreCheck {
            file: Some(store.journal_path().display().to_string()),
            offset: Some(*offset),
            bytes: Some(*dropped_bytes),
            problem: Some(problem.to_string()),
            saved_to: Some(saved_to.display().to_string()),
            ..StoreCheck::new(dir, CheckOutcome::Repaired, Some(revision))
        }),
        _ => None,
    });
    Ok(cut.unwrap_or_else(|| StoreCheck::new(dir, CheckOutcome::Ok, Some(revision))))
}

/// Returned by [`compact`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompactError {
    /// The store could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the snapshot failed for another reason than a concurrent writer.
    #[error(transparent)]
    Append(AppendError),
    /// Other writers appended between every read and write.
    #[error("gave up after {attempts} conflicting concurrent writes; try again")]
    Contended {
        /// The attempts made.
        attempts: usize,
    },
}

/// Folds the store in `dir` and writes the state as its snapshot at the revision it read
/// (crash-safe: see [`JournalStore::snapshot_at`]), retrying up to `attempts` times when another
/// writer appended in between. Returns the snapshot's revision.
///
/// # Errors
///
/// [`CompactError`].
pub fn compact(dir: &Path, attempts: usize) -> Result<Revision, CompactError> {
    let mut store = JournalStore::<Event>::open(dir)?.store;
    for _ in 0..attempts.max(1) {
        let (state, _) = load_state(&mut store)?;
        match store.snapshot_at(state.revision, &state) {
            Ok(revision) => return Ok(revision),
            Err(AppendError::Conflict { .. }) => {}
            Err(e) => return Err(CompactError::Append(e)),
        }
    }
    Err(CompactError::Contended {
        attempts: attempts.max(1),
    })
}

/// The journal size past which writers compact by themselves ([`compact_if_above`]): 4 MiB,
/// about 20,000 events.
pub const DEFAULT_COMPACT_ABOVE: u64 = 4 << 20;

/// After a write: when the journal of `store` is larger than `limit` bytes, writes the state
/// `committed` produced as the snapshot, which starts the journal afresh. Returns the
/// snapshot's revision, or `None` when the journal is small enough or another writer appended
/// in between (the next write tries again).
///
/// # Errors
///
/// [`StoreError`] when the journal's size cannot be read or the snapshot cannot be written.
pub fn compact_if_above(
    store: &mut JournalStore<Event>,
    committed: &Committed,
    limit: u64,
) -> Result<Option<Revision>, StoreError> {
    let size = std::fs::metadata(store.journal_path())
        .map_err(|source| StoreError::Io {
            op: IoOp::Read,
            path: store.journal_path().to_path_buf(),
            source,
        })?
        .len();
    if size <= limit {
        return Ok(None);
    }
    match store.snapshot_at(committed.revision, &committed.state) {
        Ok(revision) => Ok(Some(revision)),
        Err(AppendError::Conflict { .. }) => Ok(None),
        Err(AppendError::Store(e)) => Err(e),
    }
}
