//! The durable default [`Store`]: an append-only journal file.
//!
//! # On-disk format (schema version 1)
//!
//! A store is a directory holding:
//!
//! | file | what |
//! |---|---|
//! | `journal` | the append-only journal (below) |
//! | `snapshot` | optional: the state at some revision, written by [`JournalStore::snapshot`] |
//! | `LOCK` | empty; the OS file lock that serialises writers (also across processes) |
//! | `*.tmp` | leftovers of an interrupted snapshot; ignored and overwritten |
//!
//! The `journal` file is the 8 bytes `RELMANJ1` followed by *frames*. A frame is
//!
//! ```text
//! +----------------+----------------+---------------------------+
//! | len: u32 LE    | crc: u32 LE    | payload: len bytes (JSON) |
//! +----------------+----------------+---------------------------+
//! ```
//!
//! where `crc` is the CRC-32 (IEEE) of the four `len` bytes followed by the payload, and `len` is
//! at most [`MAX_RECORD_LEN`]. The first frame is the header,
//! `{"format":"relman-journal","schema_version":1,"lineage":"...","base_revision":0}`; each
//! further frame is one atomic append, `{"revision":N,"events":[...]}`, where `N` is the revision
//! of its first event and the events are the serde JSON of the event type. `base_revision` is the
//! revision of the last event folded into the snapshot when the journal was compacted (0 if
//! never). Every file is inspectable with standard tools: the payloads are plain JSON.
//!
//! The `snapshot` file is the 8 bytes `RELMANS1` followed by one frame with payload
//! `{"format":"relman-snapshot","schema_version":1,"lineage":"...","revision":R,"state":...}`.
//!
//! # Guarantees
//!
//! - **Durability:** [`Store::append`] writes the frame with one `write` and calls `fdatasync`
//!   (`File::sync_data`) before returning `Ok`; an acknowledged append survives a crash.
//! - **Crash recovery:** a crash during an append can leave a *torn tail*: a partial or garbled
//!   last frame. Opening (or the next operation of any handle) truncates it and reports it as a
//!   [`JournalDiagnostic::TornTail`]; it is never printed. A damaged frame that is followed by a
//!   valid frame is not a torn tail: it is reported as [`StoreError::Corrupt`] with its byte
//!   offset, and nothing is dropped.
//! - **Snapshots** are written to a temporary file, fsynced, renamed over the old one and the
//!   directory is fsynced; then the journal is replaced the same way by one that starts at the
//!   snapshot's revision. A crash between the two steps leaves a snapshot at `R` and a journal
//!   that still holds events up to `R`: apply only the events after the snapshot's revision.
//! - **One writer at a time:** every operation takes an exclusive OS lock on `LOCK`
//!   (`File::lock`, `flock` on Unix) and first catches up with what other handles or processes
//!   appended, so optimistic concurrency holds across processes: of many writers at the same
//!   expected revision exactly one succeeds.
//!
//! On Unix a handle notices a snapshot written by another handle by the journal's inode; on other
//! systems it re-reads the journal on every operation.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{AppendError, IoOp, LineageId, Recorded, Revision, SCHEMA_VERSION, Store, StoreError};

const JOURNAL_MAGIC: &[u8; 8] = b"RELMANJ1";
const SNAPSHOT_MAGIC: &[u8; 8] = b"RELMANS1";
const JOURNAL_FORMAT: &str = "relman-journal";
const SNAPSHOT_FORMAT: &str = "relman-snapshot";
const FRAME_HEADER_LEN: usize = 8;

/// The largest payload a frame may hold (64 MiB).
pub const MAX_RECORD_LEN: usize = 64 << 20;

/// What is wrong with a frame, header or payload; part of [`StoreError::Corrupt`] and
/// [`JournalDiagnostic::TornTail`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Corruption {
    /// The file does not start with the expected magic bytes.
    BadMagic,
    /// The frame's header or payload runs past the end of the file.
    Truncated {
        /// The payload length the frame claims (0 when even the length is cut off).
        len: u64,
    },
    /// The frame claims a payload longer than [`MAX_RECORD_LEN`].
    Oversized {
        /// The claimed length.
        len: u64,
    },
    /// The stored checksum does not match the frame's content.
    Checksum {
        /// The checksum stored in the frame.
        stored: u32,
        /// The checksum of the bytes found.
        computed: u32,
    },
    /// The payload is not the expected JSON.
    Payload {
        /// Line in the payload (1-based).
        line: usize,
        /// Column in the payload (1-based).
        column: usize,
    },
    /// The header names another format.
    Format {
        /// The format found.
        found: String,
    },
    /// A record's revision does not follow the previous one.
    Sequence {
        /// The revision expected.
        expected: Revision,
        /// The revision found.
        found: Revision,
    },
    /// A record holds no events.
    EmptyBatch,
}

impl std::fmt::Display for Corruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Corruption::BadMagic => f.write_str("bad magic bytes"),
            Corruption::Truncated { len } => {
                write!(f, "a frame of {len} bytes runs past the end of the file")
            }
            Corruption::Oversized { len } => write!(f, "a frame claims {len} bytes"),
            Corruption::Checksum { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:08x}, computed {computed:08x})"
            ),
            Corruption::Payload { line, column } => {
                write!(f, "bad JSON payload at line {line}, column {column}")
            }
            Corruption::Format { found } => write!(f, "unknown format {found:?}"),
            Corruption::Sequence { expected, found } => {
                write!(f, "record revision {found}, expected {expected}")
            }
            Corruption::EmptyBatch => f.write_str("a record without events"),
        }
    }
}

/// Something a [`JournalStore`] repaired; returned to the caller, never printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalDiagnostic {
    /// A torn last frame (an append interrupted by a crash, never acknowledged) was truncated.
    TornTail {
        /// The byte offset the journal was truncated to.
        offset: u64,
        /// How many bytes were dropped.
        dropped_bytes: u64,
        /// What was wrong with the frame.
        problem: Corruption,
    },
}

/// A store returned by [`JournalStore::open`] or [`JournalStore::create`], with what opening
/// repaired.
#[derive(Debug)]
#[non_exhaustive]
pub struct Opened<E> {
    /// The open store.
    pub store: JournalStore<E>,
    /// What was repaired while opening (a truncated torn tail), in file order.
    pub diagnostics: Vec<JournalDiagnostic>,
}

/// The state written by [`JournalStore::snapshot`].
///
/// JSON (inside the snapshot frame): `{"revision": R, "state": ...}` plus format, schema version
/// and lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot<S> {
    /// The revision of the last event folded into `state`.
    pub revision: Revision,
    /// The caller's state.
    pub state: S,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    schema_version: u32,
    lineage: LineageId,
    base_revision: Revision,
}

#[derive(Serialize)]
struct BatchOut<'a, E> {
    revision: Revision,
    events: &'a [E],
}

#[derive(Deserialize)]
struct BatchIn<E> {
    revision: Revision,
    events: Vec<E>,
}

#[derive(Serialize)]
struct SnapshotOut<'a, S> {
    format: &'static str,
    schema_version: u32,
    lineage: &'a LineageId,
    revision: Revision,
    state: &'a S,
}

#[derive(Deserialize)]
struct SnapshotIn<S> {
    format: String,
    schema_version: u32,
    lineage: LineageId,
    revision: Revision,
    state: S,
}

/// The durable journal [`Store`]; see the [module docs](self) for the format and guarantees.
///
/// ```
/// use relman_env::store::{JournalStore, LineageId, Revision, Store};
///
/// let dir = tempfile::tempdir()?;
/// let opened = JournalStore::<String>::create(dir.path(), LineageId::new("demo")?)?;
/// let mut store = opened.store;
/// store.append(Revision::ZERO, &["deployed".to_string()])?;
/// drop(store);
///
/// let mut again = JournalStore::<String>::open(dir.path())?.store;
/// assert_eq!(again.load()?[0].event, "deployed");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct JournalStore<E> {
    dir: PathBuf,
    journal_path: PathBuf,
    lock: File,
    file: File,
    identity: Option<(u64, u64)>,
    lineage: LineageId,
    schema_version: u32,
    base: Revision,
    revision: Revision,
    end: u64,
    events: Vec<Recorded<E>>,
    diagnostics: Vec<JournalDiagnostic>,
    poisoned: bool,
    _event: PhantomData<fn() -> E>,
}

fn io_err(op: IoOp, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

fn checksum(len_bytes: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(len_bytes);
    h.update(payload);
    h.finalize()
}

/// Encodes `value` as one frame (length, checksum, JSON payload).
fn encode_frame<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut buf = vec![0u8; FRAME_HEADER_LEN];
    serde_json::to_writer(&mut buf, value).map_err(StoreError::Encode)?;
    let len = buf.len() - FRAME_HEADER_LEN;
    if len > MAX_RECORD_LEN {
        return Err(StoreError::TooLarge {
            len,
            max: MAX_RECORD_LEN,
        });
    }
    let len32 = u32::try_from(len).expect("len is at most MAX_RECORD_LEN, which fits in u32");
    buf[0..4].copy_from_slice(&len32.to_le_bytes());
    let crc = checksum(&buf[0..4], &buf[FRAME_HEADER_LEN..]);
    buf[4..8].copy_from_slice(&crc.to_le_bytes());
    Ok(buf)
}

/// Reads the frame starting at `pos`; `Ok((payload, next))` or the problem.
fn read_frame(buf: &[u8], pos: usize) -> Result<(&[u8], usize), Corruption> {
    let Some(head) = buf.get(pos..).and_then(|b| b.get(..FRAME_HEADER_LEN)) else {
        return Err(Corruption::Truncated { len: 0 });
    };
    let len_bytes = &head[0..4];
    let len = u32::from_le_bytes(len_bytes.try_into().expect("4 bytes"));
    let stored = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"));
    let len_usize = len as usize;
    if len_usize > MAX_RECORD_LEN {
        return Err(Corruption::Oversized {
            len: u64::from(len),
        });
    }
    let start = pos + FRAME_HEADER_LEN;
    let Some(payload) = start
        .checked_add(len_usize)
        .and_then(|end| buf.get(start..end))
    else {
        return Err(Corruption::Truncated {
            len: u64::from(len),
        });
    };
    let computed = checksum(len_bytes, payload);
    if computed != stored {
        return Err(Corruption::Checksum { stored, computed });
    }
    Ok((payload, start + len_usize))
}

/// Whether any valid frame starts after `from` (payloads are JSON objects, so they start
/// with `{`). Tells a torn tail (nothing valid follows) from damage in the middle.
fn valid_frame_after(buf: &[u8], from: usize) -> bool {
    (from..buf.len().saturating_sub(FRAME_HEADER_LEN))
        .any(|p| buf.get(p + FRAME_HEADER_LEN) == Some(&b'{') && read_frame(buf, p).is_ok())
}

fn payload_error(e: &serde_json::Error) -> Corruption {
    Corruption::Payload {
        line: e.line(),
        column: e.column(),
    }
}

/// The result of scanning records: the events, where the valid part ends, and a torn tail.
struct Scan<E> {
    events: Vec<Recorded<E>>,
    end: usize,
    torn: Option<(usize, Corruption)>,
}

/// Scans the frames of `buf` (which starts at byte `file_offset` of `path`), expecting the next
/// event to follow `current`.
fn scan_records<E: DeserializeOwned>(
    buf: &[u8],
    file_offset: u64,
    mut current: Revision,
    path: &Path,
) -> Result<Scan<E>, StoreError> {
    let corrupt = |pos: usize, problem| StoreError::Corrupt {
        path: path.to_path_buf(),
        offset: file_offset + pos as u64,
        problem,
    };
    let mut events = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        match read_frame(buf, pos) {
            Ok((payload, next)) => {
                let batch: BatchIn<E> =
                    serde_json::from_slice(payload).map_err(|e| corrupt(pos, payload_error(&e)))?;
                let expected = current.after(1);
                if batch.revision != expected {
                    return Err(corrupt(
                        pos,
                        Corruption::Sequence {
                            expected,
                            found: batch.revision,
                        },
                    ));
                }
                if batch.events.is_empty() {
                    return Err(corrupt(pos, Corruption::EmptyBatch));
                }
                for event in batch.events {
                    current = current.after(1);
                    events.push(Recorded {
                        revision: current,
                        event,
                    });
                }
                pos = next;
            }
            Err(problem) => {
                if valid_frame_after(buf, pos + 1) {
                    return Err(corrupt(pos, problem));
                }
                return Ok(Scan {
                    events,
                    end: pos,
                    torn: Some((pos, problem)),
                });
            }
        }
    }
    Ok(Scan {
        events,
        end: pos,
        torn: None,
    })
}

/// Checks the 8-byte `magic` at the start of `buf` and decodes the JSON frame after it;
/// returns the value and the offset after the frame. Shared by the journal header and snapshots.
fn read_leading_frame<T: DeserializeOwned>(
    buf: &[u8],
    magic: &[u8; 8],
    path: &Path,
) -> Result<(T, usize), StoreError> {
    let corrupt = |offset: u64, problem| StoreError::Corrupt {
        path: path.to_path_buf(),
        offset,
        problem,
    };
    if buf.get(..8) != Some(magic.as_slice()) {
        return Err(corrupt(0, Corruption::BadMagic));
    }
    let (payload, next) = read_frame(buf, 8).map_err(|p| corrupt(8, p))?;
    let value = serde_json::from_slice(payload).map_err(|e| corrupt(8, payload_error(&e)))?;
    Ok((value, next))
}

/// Parses the magic and header frame; returns the header and where the records start.
fn parse_header(buf: &[u8], path: &Path) -> Result<(Header, usize), StoreError> {
    let corrupt = |offset: u64, problem| StoreError::Corrupt {
        path: path.to_path_buf(),
        offset,
        problem,
    };
    let (header, next): (Header, usize) = read_leading_frame(buf, JOURNAL_MAGIC, path)?;
    if header.format != JOURNAL_FORMAT {
        return Err(corrupt(
            8,
            Corruption::Format {
                found: header.format,
            },
        ));
    }
    if header.schema_version > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedSchema {
            path: path.to_path_buf(),
            found: header.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok((header, next))
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(IoOp::Sync, dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `dir/name` atomically: temp file, fsync, rename, directory fsync.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let target = dir.join(name);
    let mut f = File::create(&tmp).map_err(io_err(IoOp::Create, &tmp))?;
    f.write_all(bytes).map_err(io_err(IoOp::Write, &tmp))?;
    f.sync_all().map_err(io_err(IoOp::Sync, &tmp))?;
    drop(f);
    fs::rename(&tmp, &target).map_err(io_err(IoOp::Rename, &target))?;
    sync_dir(dir)
}

fn journal_bytes(lineage: &LineageId, base: Revision) -> Result<Vec<u8>, StoreError> {
    let header = Header {
        format: JOURNAL_FORMAT.to_string(),
        schema_version: SCHEMA_VERSION,
        lineage: lineage.clone(),
        base_revision: base,
    };
    let mut bytes = JOURNAL_MAGIC.to_vec();
    bytes.extend(encode_frame(&header)?);
    Ok(bytes)
}

fn open_journal_file(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound {
                    path: path.to_path_buf(),
                }
            } else {
                StoreError::Io {
                    op: IoOp::Open,
                    path: path.to_path_buf(),
                    source,
                }
            }
        })
}

fn open_lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("LOCK");
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(IoOp::Open, &path))
}

/// Runs `f` while holding the exclusive lock on `lock`.
fn with_lock<T, X: From<StoreError>>(
    lock: &File,
    dir: &Path,
    f: impl FnOnce() -> Result<T, X>,
) -> Result<T, X> {
    lock.lock()
        .map_err(|source| X::from(io_err(IoOp::Lock, &dir.join("LOCK"))(source)))?;
    let result = f();
    let unlocked = lock.unlock();
    match (result, unlocked) {
        (Ok(_), Err(source)) => Err(X::from(io_err(IoOp::Lock, &dir.join("LOCK"))(source))),
        (result, _) => result,
    }
}

/// A journal read from disk (under the lock), torn tail already truncated.
struct Loaded<E> {
    file: File,
    identity: Option<(u64, u64)>,
    header: Header,
    end: u64,
    events: Vec<Recorded<E>>,
    diagnostics: Vec<JournalDiagnostic>,
}

fn truncate_torn(
    file: &File,
    path: &Path,
    at: u64,
    len: u64,
    problem: Corruption,
) -> Result<JournalDiagnostic, StoreError> {
    file.set_len(at).map_err(io_err(IoOp::Truncate, path))?;
    file.sync_data().map_err(io_err(IoOp::Sync, path))?;
    Ok(JournalDiagnostic::TornTail {
        offset: at,
        dropped_bytes: len - at,
        problem,
    })
}

fn load_journal<E: DeserializeOwned>(path: &Path) -> Result<Loaded<E>, StoreError> {
    let mut file = open_journal_file(path)?;
    let meta = file.metadata().map_err(io_err(IoOp::Read, path))?;
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut buf)
        .map_err(io_err(IoOp::Read, path))?;
    let (header, start) = parse_header(&buf, path)?;
    let scan: Scan<E> = scan_records(&buf[start..], start as u64, header.base_revision, path)?;
    let mut diagnostics = Vec::new();
    let end = (start + scan.end) as u64;
    if let Some((_, problem)) = scan.torn {
        diagnostics.push(truncate_torn(&file, path, end, buf.len() as u64, problem)?);
    }
    Ok(Loaded {
        file,
        identity: identity(&meta),
        header,
        end,
        events: scan.events,
        diagnostics,
    })
}

impl<E: Serialize + DeserializeOwned + Clone> JournalStore<E> {
    /// Opens the store in directory `dir`, truncating a torn tail (reported in
    /// [`Opened::diagnostics`]).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when `dir` holds no journal; [`StoreError::Corrupt`] with the
    /// byte offset when the journal is damaged other than at its tail;
    /// [`StoreError::UnsupportedSchema`] for a newer schema; [`StoreError::Io`] when a file
    /// cannot be opened, read, locked or truncated.
    pub fn open(dir: impl AsRef<Path>) -> Result<Opened<E>, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let journal_path = dir.join("journal");
        if !journal_path.exists() {
            return Err(StoreError::NotFound { path: dir });
        }
        let lock = open_lock(&dir)?;
        let loaded = with_lock(&lock, &dir, || load_journal::<E>(&journal_path))?;
        Ok(Self::from_loaded(dir, journal_path, lock, loaded))
    }

    /// Creates a new, empty store of lineage `lineage` in directory `dir` (created if missing).
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] when `dir` already holds a journal; [`StoreError::Io`] when
    /// the directory or files cannot be created.
    pub fn create(dir: impl AsRef<Path>, lineage: LineageId) -> Result<Opened<E>, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err(IoOp::Create, &dir))?;
        let journal_path = dir.join("journal");
        let lock = open_lock(&dir)?;
        let loaded = with_lock(&lock, &dir, || {
            if journal_path.exists() {
                return Err(StoreError::AlreadyExists { path: dir.clone() });
            }
            write_atomic(&dir, "journal", &journal_bytes(&lineage, Revision::ZERO)?)?;
            load_journal::<E>(&journal_path)
        })?;
        Ok(Self::from_loaded(dir, journal_path, lock, loaded))
    }

    /// Opens the store in `dir`, creating it with `lineage` when there is none.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and [`create`](Self::create).
    pub fn open_or_create(
        dir: impl AsRef<Path>,
        lineage: LineageId,
    ) -> Result<Opened<E>, StoreError> {
        match Self::create(dir.as_ref(), lineage) {
            Err(StoreError::AlreadyExists { .. }) => Self::open(dir),
            other => other,
        }
    }

    fn from_loaded(
        dir: PathBuf,
        journal_path: PathBuf,
        lock: File,
        loaded: Loaded<E>,
    ) -> Opened<E> {
        let revision = loaded
            .events
            .last()
            .map_or(loaded.header.base_revision, |r| r.revision);
        Opened {
            store: JournalStore {
                dir,
                journal_path,
                lock,
                file: loaded.file,
                identity: loaded.identity,
                lineage: loaded.header.lineage,
                schema_version: loaded.header.schema_version,
                base: loaded.header.base_revision,
                revision,
                end: loaded.end,
                events: loaded.events,
                diagnostics: Vec::new(),
                poisoned: false,
                _event: PhantomData,
            },
            diagnostics: loaded.diagnostics,
        }
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The revision the journal starts after (the snapshot's revision; 0 if never compacted).
    pub fn base_revision(&self) -> Revision {
        self.base
    }

    /// Repairs made since the store was opened (torn tails left by another handle or process
    /// that crashed), oldest first; taking them clears the list.
    pub fn take_diagnostics(&mut self) -> Vec<JournalDiagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Brings this handle up to date with the file. Call with the lock held.
    fn catch_up(&mut self) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let on_disk = match fs::metadata(&self.journal_path) {
            Ok(meta) => meta,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound {
                    path: self.dir.clone(),
                });
            }
            Err(source) => return Err(io_err(IoOp::Read, &self.journal_path)(source)),
        };
        let same_file = self.identity.is_some() && identity(&on_disk) == self.identity;
        if !same_file || on_disk.len() < self.end {
            return self.reload();
        }
        if on_disk.len() == self.end {
            return Ok(());
        }
        let path = &self.journal_path;
        self.file
            .seek(SeekFrom::Start(self.end))
            .map_err(io_err(IoOp::Read, path))?;
        let mut buf = Vec::new();
        self.file
            .read_to_end(&mut buf)
            .map_err(io_err(IoOp::Read, path))?;
        let scan: Scan<E> = scan_records(&buf, self.end, self.revision, path)?;
        let file_len = self.end + buf.len() as u64;
        self.end += scan.end as u64;
        if let Some(last) = scan.events.last() {
            self.revision = last.revision;
        }
        self.events.extend(scan.events);
        if let Some((_, problem)) = scan.torn {
            let diag = truncate_torn(&self.file, path, self.end, file_len, problem)?;
            self.diagnostics.push(diag);
        }
        Ok(())
    }

    fn reload(&mut self) -> Result<(), StoreError> {
        let loaded = load_journal::<E>(&self.journal_path)?;
        if loaded.header.lineage != self.lineage {
            return Err(StoreError::LineageMismatch {
                path: self.journal_path.clone(),
                expected: self.lineage.clone(),
                found: loaded.header.lineage,
            });
        }
        self.file = loaded.file;
        self.identity = loaded.identity;
        self.schema_version = loaded.header.schema_version;
        self.base = loaded.header.base_revision;
        self.revision = loaded.events.last().map_or(self.base, |r| r.revision);
        self.end = loaded.end;
        self.events = loaded.events;
        self.diagnostics.extend(loaded.diagnostics);
        Ok(())
    }

    fn append_locked(
        &mut self,
        expected: Revision,
        events: &[E],
        frame: Option<Vec<u8>>,
    ) -> Result<Revision, AppendError> {
        self.catch_up()?;
        let current = self.revision;
        if expected != current {
            return Err(AppendError::Conflict { expected, current });
        }
        let Some(frame) = frame else {
            return Ok(current);
        };
        let written = self
            .file
            .write_all(&frame)
            .map_err(io_err(IoOp::Write, &self.journal_path))
            .and_then(|()| {
                self.file
                    .sync_data()
                    .map_err(io_err(IoOp::Sync, &self.journal_path))
            });
        if let Err(e) = written {
            // What reached the disk is unknown after a failed write or fsync: stop using this
            // handle. A partial frame is a torn tail that the next operation truncates.
            self.poisoned = true;
            return Err(AppendError::Store(e));
        }
        self.end += frame.len() as u64;
        for event in events {
            self.revision = self.revision.after(1);
            self.events.push(Recorded {
                revision: self.revision,
                event: event.clone(),
            });
        }
        Ok(self.revision)
    }

    /// Writes `state` (the fold of every event up to the current revision) as the snapshot and
    /// compacts the journal to start after it; returns the snapshot's revision. Both files are
    /// replaced atomically (temp file, fsync, rename, directory fsync).
    ///
    /// After this, [`load`](Store::load) returns only the events after the snapshot.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when catching up, encoding or writing fails.
    pub fn snapshot<S: Serialize>(&mut self, state: &S) -> Result<Revision, StoreError> {
        let lock = self
            .lock
            .try_clone()
            .map_err(io_err(IoOp::Lock, &self.dir))?;
        let dir = self.dir.clone();
        with_lock(&lock, &dir, || {
            self.catch_up()?;
            let revision = self.revision;
            let frame = encode_frame(&SnapshotOut {
                format: SNAPSHOT_FORMAT,
                schema_version: SCHEMA_VERSION,
                lineage: &self.lineage,
                revision,
                state,
            })?;
            let mut bytes = SNAPSHOT_MAGIC.to_vec();
            bytes.extend(frame);
            write_atomic(&self.dir, "snapshot", &bytes)?;
            write_atomic(
                &self.dir,
                "journal",
                &journal_bytes(&self.lineage, revision)?,
            )?;
            self.reload()?;
            Ok(revision)
        })
    }

    /// Reads the snapshot, if one was written. Apply only the events with a revision after
    /// [`Snapshot::revision`] on top of it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] when the snapshot is damaged or does not decode as `S`;
    /// [`StoreError::LineageMismatch`] when it belongs to another ledger;
    /// [`StoreError::UnsupportedSchema`]; [`StoreError::Io`] when it cannot be read.
    pub fn read_snapshot<S: DeserializeOwned>(&self) -> Result<Option<Snapshot<S>>, StoreError> {
        let path = self.dir.join("snapshot");
        let buf = match fs::read(&path) {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(IoOp::Read, &path)(e)),
        };
        let corrupt = |offset: u64, problem| StoreError::Corrupt {
            path: path.clone(),
            offset,
            problem,
        };
        let (snap, _): (SnapshotIn<S>, usize) = read_leading_frame(&buf, SNAPSHOT_MAGIC, &path)?;
        if snap.format != SNAPSHOT_FORMAT {
            return Err(corrupt(8, Corruption::Format { found: snap.format }));
        }
        if snap.schema_version > SCHEMA_VERSION {
            return Err(StoreError::UnsupportedSchema {
                path,
                found: snap.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        if snap.lineage != self.lineage {
            return Err(StoreError::LineageMismatch {
                path,
                expected: self.lineage.clone(),
                found: snap.lineage,
            });
        }
        Ok(Some(Snapshot {
            revision: snap.revision,
            state: snap.state,
        }))
    }
}

impl<E: Serialize + DeserializeOwned + Clone> Store for JournalStore<E> {
    type Event = E;

    fn lineage(&self) -> &LineageId {
        &self.lineage
    }

    fn schema_version(&self) -> u32 {
        self.schema_version
    }

    fn revision(&mut self) -> Result<Revision, StoreError> {
        let lock = self
            .lock
            .try_clone()
            .map_err(io_err(IoOp::Lock, &self.dir))?;
        let dir = self.dir.clone();
        with_lock(&lock, &dir, || {
            self.catch_up()?;
            Ok(self.revision)
        })
    }

    fn append(&mut self, expected: Revision, events: &[E]) -> Result<Revision, AppendError> {
        if self.poisoned {
            return Err(AppendError::Store(StoreError::Poisoned));
        }
        // Encode before taking the lock; the frame is only written when `expected` is current,
        // which makes `expected + 1` the right first revision.
        let frame = if events.is_empty() {
            None
        } else {
            Some(encode_frame(&BatchOut {
                revision: expected.after(1),
                events,
            })?)
        };
        let lock = self
            .lock
            .try_clone()
            .map_err(io_err(IoOp::Lock, &self.dir))?;
        let dir = self.dir.clone();
        with_lock(&lock, &dir, || self.append_locked(expected, events, frame))
    }

    fn load(&mut self) -> Result<Vec<Recorded<E>>, StoreError> {
        let lock = self
            .lock
            .try_clone()
            .map_err(io_err(IoOp::Lock, &self.dir))?;
        let dir = self.dir.clone();
        with_lock(&lock, &dir, || {
            self.catch_up()?;
            Ok(self.events.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lineage() -> LineageId {
        LineageId::new("test").unwrap()
    }

    #[test]
    fn frame_round_trips_and_detects_flips() {
        let frame = encode_frame(&serde_json::json!({"a": 1})).unwrap();
        let (payload, next) = read_frame(&frame, 0).unwrap();
        assert_eq!(payload, br#"{"a":1}"#);
        assert_eq!(next, frame.len());
        for i in 0..frame.len() {
            let mut bad = frame.clone();
            bad[i] ^= 0x10;
            assert!(read_frame(&bad, 0).is_err(), "flip at {i} undetected");
        }
    }

    #[test]
    fn torn_tail_is_truncated_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = JournalStore::<u32>::create(dir.path(), lineage())
            .unwrap()
            .store;
        s.append(Revision::ZERO, &[1, 2]).unwrap();
        s.append(Revision::new(2), &[3]).unwrap();
        let good_len = fs::metadata(dir.path().join("journal")).unwrap().len();
        drop(s);
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join("journal"))
            .unwrap();
        f.write_all(&[9, 0, 0, 0, 1, 2]).unwrap();
        drop(f);
        let opened = JournalStore::<u32>::open(dir.path()).unwrap();
        assert_eq!(
            opened.diagnostics,
            vec![JournalDiagnostic::TornTail {
                offset: good_len,
                dropped_bytes: 6,
                problem: Corruption::Truncated { len: 0 }
            }]
        );
        let mut s = opened.store;
        let events: Vec<u32> = s.load().unwrap().into_iter().map(|r| r.event).collect();
        assert_eq!(events, vec![1, 2, 3]);
        assert_eq!(
            fs::metadata(dir.path().join("journal")).unwrap().len(),
            good_len
        );
        assert_eq!(s.append(Revision::new(3), &[4]).unwrap(), Revision::new(4));
    }

    #[test]
    fn middle_corruption_names_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = JournalStore::<u32>::create(dir.path(), lineage())
            .unwrap()
            .store;
        s.append(Revision::ZERO, &[1]).unwrap();
        let second = fs::metadata(dir.path().join("journal")).unwrap().len();
        s.append(Revision::new(1), &[2]).unwrap();
        s.append(Revision::new(2), &[3]).unwrap();
        drop(s);
        let path = dir.path().join("journal");
        let mut bytes = fs::read(&path).unwrap();
        bytes[second as usize + 10] ^= 0x01;
        fs::write(&path, bytes).unwrap();
        match JournalStore::<u32>::open(dir.path()) {
            Err(StoreError::Corrupt {
                offset,
                problem: Corruption::Checksum { .. },
                ..
            }) => assert_eq!(offset, second),
            other => panic!("expected corruption, got {other:?}"),
        }
    }

    #[test]
    fn snapshot_compacts_and_other_handles_follow() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = JournalStore::<u32>::create(dir.path(), lineage())
            .unwrap()
            .store;
        let mut b = JournalStore::<u32>::open(dir.path()).unwrap().store;
        a.append(Revision::ZERO, &[1, 2, 3]).unwrap();
        assert_eq!(a.snapshot(&6u64).unwrap(), Revision::new(3));
        assert_eq!(a.base_revision(), Revision::new(3));
        a.append(Revision::new(3), &[4]).unwrap();
        let snap: Snapshot<u64> = b.read_snapshot().unwrap().unwrap();
        assert_eq!(snap.revision, Revision::new(3));
        assert_eq!(snap.state, 6);
        let rest = b.load().unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].revision, Revision::new(4));
        assert!(matches!(
            b.append(Revision::new(3), &[5]),
            Err(AppendError::Conflict { current, .. }) if current == Revision::new(4)
        ));
        let reopened = JournalStore::<u32>::open(dir.path()).unwrap();
        assert!(reopened.diagnostics.is_empty());
    }

    #[test]
    fn create_refuses_existing_and_open_refuses_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            JournalStore::<u32>::open(dir.path()),
            Err(StoreError::NotFound { .. })
        ));
        JournalStore::<u32>::create(dir.path(), lineage()).unwrap();
        assert!(matches!(
            JournalStore::<u32>::create(dir.path(), lineage()),
            Err(StoreError::AlreadyExists { .. })
        ));
        let s = JournalStore::<u32>::open_or_create(dir.path(), lineage()).unwrap();
        assert_eq!(s.store.lineage(), &lineage());
        assert_eq!(s.store.schema_version(), SCHEMA_VERSION);
    }
}
