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
//! | `journal.torn-<offset>` | bytes a writer cut off the journal at `<offset>` (a torn write), kept for inspection |
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
//! - **Crash recovery:** a crash during an append can leave a *torn tail*. Only two things are
//!   torn writes: a final frame shorter than its length prefix (and not followed by a valid
//!   frame that ends the file), and a tail of zero bytes after the last complete frame. A
//!   writable handle ([`JournalStore::open`], or the next operation of any writable handle)
//!   first saves the cut bytes beside the journal as `journal.torn-<offset>`, then truncates,
//!   and reports a [`JournalDiagnostic::TornTail`]. A read-only handle
//!   ([`JournalStore::open_read_only`]) never modifies a file: it reports
//!   [`JournalDiagnostic::TornTailFound`] and serves the events before it. Nothing is printed.
//! - **Corruption is never cut off:** a complete frame that fails its checksum, JSON or
//!   revision checks, a frame claiming more than [`MAX_RECORD_LEN`], or damage to the magic or
//!   header is [`StoreError::Corrupt`] with the byte offset, for readers and writers alike.
//! - **Linear scanning:** frames are read once, front to back; telling a torn write from a
//!   damaged length prefix checksums at most a fixed number of candidate frames.
//! - **Regular files only:** the journal, snapshot and lock must be regular files
//!   ([`StoreError::NotRegularFile`] otherwise), so a FIFO or a device cannot block or exhaust
//!   memory.
//! - **Snapshots** are written to a temporary file, fsynced, renamed over the old one and the
//!   directory is fsynced; then the journal is replaced the same way by one that starts at the
//!   snapshot's revision. A crash between the two steps leaves a snapshot at `R` and a journal
//!   that still holds events up to `R`: apply only the events after the snapshot's revision.
//! - **One writer at a time:** every operation of a writable handle takes an exclusive OS lock
//!   on `LOCK` (`File::lock`, `flock` on Unix; read-only handles take it shared) and first
//!   catches up with what other handles or processes appended, so optimistic concurrency holds
//!   across processes: of many writers at the same expected revision exactly one succeeds.
//!
//! On Unix a handle notices a snapshot written by another handle by the journal's inode; on other
//! systems it re-reads the journal on every operation.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{
    AppendError, Compacted, IoOp, LineageId, Recorded, Revision, SCHEMA_VERSION, Store, StoreError,
};

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
    /// Only zero bytes follow the last complete frame (the file grew but the write never
    /// reached it).
    ZeroFilled {
        /// How many zero bytes.
        len: u64,
    },
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
            Corruption::ZeroFilled { len } => {
                write!(f, "{len} zero bytes after the last complete frame")
            }
        }
    }
}

/// A torn tail a [`JournalStore`] found: cut off by a writable handle, only reported by a
/// read-only one. Returned to the caller, never printed.
///
/// Only two things count as a torn write (an append interrupted by a crash, never
/// acknowledged): a final frame shorter than its length prefix, and a tail of zero bytes after
/// the last complete frame. A complete frame with a bad checksum is corruption
/// ([`StoreError::Corrupt`]), never cut off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalDiagnostic {
    /// A writable handle cut the torn tail off, after saving the cut bytes beside the journal.
    TornTail {
        /// The byte offset the journal was truncated to.
        offset: u64,
        /// How many bytes were dropped.
        dropped_bytes: u64,
        /// What was wrong with the frame.
        problem: Corruption,
        /// Where the dropped bytes were saved (`journal.torn-<offset>` beside the journal).
        saved_to: PathBuf,
    },
    /// A read-only handle found a torn tail that a writer would cut off; the file is unchanged
    /// and the events before `offset` are served.
    TornTailFound {
        /// The byte offset a writer would truncate the journal to.
        offset: u64,
        /// How many bytes a writer would drop.
        bytes: u64,
        /// What is wrong with the frame.
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
    /// What opening repaired (a writable handle) or would repair (a read-only one).
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
    access: Access,
    lock: Option<File>,
    file: File,
    identity: Option<(u64, u64)>,
    lineage: LineageId,
    schema_version: u32,
    base: Revision,
    revision: Revision,
    end: u64,
    events: Vec<Recorded<E>>,
    diagnostics: Vec<JournalDiagnostic>,
    reported_torn: Option<(u64, u64)>,
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

/// The payload of every batch frame starts with these bytes (`BatchOut`'s first field).
const BATCH_PREFIX: &[u8] = b"{\"revision\":";

/// How many candidate frames [`valid_frame_ends_at_eof`] checks at most, so that crafted bytes
/// cannot make scanning quadratic.
const MAX_TAIL_CANDIDATES: usize = 16;

/// Whether a valid batch frame that ends exactly at the end of `buf` starts after `from`.
///
/// Tells a torn write (whose claimed length runs past the end, and after which nothing was
/// written) from a damaged length prefix that swallows the complete frames after it. Linear:
/// one pass for the batch prefix, and at most [`MAX_TAIL_CANDIDATES`] checksums.
fn valid_frame_ends_at_eof(buf: &[u8], from: usize) -> bool {
    let mut checked = 0;
    let start = from.saturating_add(FRAME_HEADER_LEN);
    let Some(rest) = buf.get(start..) else {
        return false;
    };
    for (i, window) in rest.windows(BATCH_PREFIX.len()).enumerate() {
        if window != BATCH_PREFIX {
            continue;
        }
        let p = start + i - FRAME_HEADER_LEN;
        let len = buf
            .get(p..p + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_le_bytes) as usize;
        if p + FRAME_HEADER_LEN + len != buf.len() {
            continue;
        }
        if read_frame(buf, p).is_ok() {
            return true;
        }
        checked += 1;
        if checked >= MAX_TAIL_CANDIDATES {
            return false;
        }
    }
    false
}

/// Classifies the bytes from `pos` on, where reading a frame failed with `problem`: `Ok` with
/// the torn-write problem when they are a torn write, `Err` with the corruption otherwise.
/// Linear in the length of the tail.
fn classify_tail(buf: &[u8], pos: usize, problem: Corruption) -> Result<Corruption, Corruption> {
    let tail = buf.get(pos..).unwrap_or_default();
    if tail.iter().all(|&b| b == 0) {
        return Ok(Corruption::ZeroFilled {
            len: tail.len() as u64,
        });
    }
    match problem {
        Corruption::Truncated { .. } if !valid_frame_ends_at_eof(buf, pos) => Ok(problem),
        other => Err(other),
    }
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
    /// The torn write after `end`, if any.
    torn: Option<Corruption>,
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
                let problem = classify_tail(buf, pos, problem).map_err(|p| corrupt(pos, p))?;
                return Ok(Scan {
                    events,
                    end: pos,
                    torn: Some(problem),
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

/// The offset and length of the first torn tail in `diagnostics`, to report each once.
fn torn_key(diagnostics: &[JournalDiagnostic]) -> Option<(u64, u64)> {
    diagnostics.first().map(|d| match d {
        JournalDiagnostic::TornTail {
            offset,
            dropped_bytes,
            ..
        } => (*offset, *dropped_bytes),
        JournalDiagnostic::TornTailFound { offset, bytes, .. } => (*offset, *bytes),
    })
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

/// Whether a store handle may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Appends, snapshots, cuts torn tails; takes the lock exclusively.
    ReadWrite,
    /// Never modifies a file; takes the lock shared (when the `LOCK` file exists).
    ReadOnly,
}

/// Checks that `path` is a regular file (following symlinks), so that a FIFO, a device or a
/// directory is refused before it is opened (opening or reading one can block or never end).
fn check_regular(path: &Path) -> Result<(), StoreError> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(StoreError::NotRegularFile {
            path: path.to_path_buf(),
        }),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(io_err(IoOp::Open, path)(source)),
    }
}

fn open_journal_file(path: &Path, access: Access) -> Result<File, StoreError> {
    check_regular(path)?;
    let mut options = OpenOptions::new();
    options.read(true);
    if access == Access::ReadWrite {
        options.append(true);
    }
    let file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            StoreError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            io_err(IoOp::Open, path)(source)
        }
    })?;
    // The path may have been replaced between the check and the open.
    let meta = file.metadata().map_err(io_err(IoOp::Open, path))?;
    if !meta.is_file() {
        return Err(StoreError::NotRegularFile {
            path: path.to_path_buf(),
        });
    }
    Ok(file)
}

/// Opens `dir/LOCK`: created for writing by a writable handle; opened for reading, if it exists,
/// by a read-only one (`None` when it does not, e.g. a store copied to a read-only mount).
fn open_lock(dir: &Path, access: Access) -> Result<Option<File>, StoreError> {
    let path = dir.join("LOCK");
    match check_regular(&path) {
        Ok(()) => {}
        Err(StoreError::NotFound { .. }) if access == Access::ReadOnly => return Ok(None),
        Err(StoreError::NotFound { .. }) => {}
        Err(e) => return Err(e),
    }
    let mut options = OpenOptions::new();
    match access {
        Access::ReadWrite => options.create(true).truncate(false).write(true),
        Access::ReadOnly => options.read(true),
    };
    options
        .open(&path)
        .map(Some)
        .map_err(io_err(IoOp::Open, &path))
}

/// Runs `f` while holding the lock on `lock` (exclusive for writers, shared for readers); runs
/// it without a lock when there is no lock file.
fn with_lock<T, X: From<StoreError>>(
    lock: Option<&File>,
    access: Access,
    dir: &Path,
    f: impl FnOnce() -> Result<T, X>,
) -> Result<T, X> {
    let Some(lock) = lock else {
        return f();
    };
    let lock_err = |source| X::from(io_err(IoOp::Lock, &dir.join("LOCK"))(source));
    match access {
        Access::ReadWrite => lock.lock(),
        Access::ReadOnly => lock.lock_shared(),
    }
    .map_err(lock_err)?;
    let result = f();
    let unlocked = lock.unlock();
    match (result, unlocked) {
        (Ok(_), Err(source)) => Err(lock_err(source)),
        (result, _) => result,
    }
}

/// A journal read from disk (under the lock), torn tail already handled.
struct Loaded<E> {
    file: File,
    identity: Option<(u64, u64)>,
    header: Header,
    end: u64,
    events: Vec<Recorded<E>>,
    diagnostics: Vec<JournalDiagnostic>,
}

/// Saves `bytes`, cut off the journal at `offset`, as `<journal name>.torn-<offset>` beside it
/// (with a `.2`, `.3`, ... suffix when that name is taken): temp file, fsync, rename, directory
/// fsync. Returns the path written.
fn save_torn(journal: &Path, offset: u64, bytes: &[u8]) -> Result<PathBuf, StoreError> {
    let dir = journal.parent().unwrap_or(Path::new("."));
    let name = journal
        .file_name()
        .map_or_else(|| "journal".into(), |n| n.to_string_lossy().into_owned());
    let base = format!("{name}.torn-{offset}");
    let mut candidate = base.clone();
    let mut n = 1u32;
    while dir.join(&candidate).exists() {
        n += 1;
        candidate = format!("{base}.{n}");
    }
    write_atomic(dir, &candidate, bytes)?;
    Ok(dir.join(candidate))
}

/// What to do with the torn tail `tail` found at `offset` of the journal at `path`: a writable
/// handle saves it and truncates; a read-only one only reports it.
fn handle_torn(
    file: &File,
    path: &Path,
    access: Access,
    offset: u64,
    tail: &[u8],
    problem: Corruption,
) -> Result<JournalDiagnostic, StoreError> {
    if access == Access::ReadOnly {
        return Ok(JournalDiagnostic::TornTailFound {
            offset,
            bytes: tail.len() as u64,
            problem,
        });
    }
    let saved_to = save_torn(path, offset, tail)?;
    file.set_len(offset).map_err(io_err(IoOp::Truncate, path))?;
    file.sync_data().map_err(io_err(IoOp::Sync, path))?;
    Ok(JournalDiagnostic::TornTail {
        offset,
        dropped_bytes: tail.len() as u64,
        problem,
        saved_to,
    })
}

fn load_journal<E: DeserializeOwned>(path: &Path, access: Access) -> Result<Loaded<E>, StoreError> {
    let mut file = open_journal_file(path, access)?;
    let meta = file.metadata().map_err(io_err(IoOp::Read, path))?;
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut buf)
        .map_err(io_err(IoOp::Read, path))?;
    let (header, start) = parse_header(&buf, path)?;
    let scan: Scan<E> = scan_records(&buf[start..], start as u64, header.base_revision, path)?;
    let mut diagnostics = Vec::new();
    let end = start + scan.end;
    if let Some(problem) = scan.torn {
        let tail = buf.get(end..).unwrap_or_default();
        diagnostics.push(handle_torn(&file, path, access, end as u64, tail, problem)?);
    }
    Ok(Loaded {
        file,
        identity: identity(&meta),
        header,
        end: end as u64,
        events: scan.events,
        diagnostics,
    })
}

impl<E: Serialize + DeserializeOwned + Clone> JournalStore<E> {
    /// Opens the store in directory `dir` for reading and writing. A torn tail is saved as
    /// `journal.torn-<offset>` beside the journal, then cut off, and reported in
    /// [`Opened::diagnostics`].
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] when `dir` holds no journal; [`StoreError::NotRegularFile`] when
    /// the journal or lock is not a regular file; [`StoreError::Corrupt`] with the byte offset
    /// when the journal is damaged other than by a torn write;
    /// [`StoreError::UnsupportedSchema`] for a newer schema; [`StoreError::Io`] when a file
    /// cannot be opened, read, locked, saved or truncated.
    pub fn open(dir: impl AsRef<Path>) -> Result<Opened<E>, StoreError> {
        Self::open_with(dir.as_ref(), Access::ReadWrite)
    }

    /// Opens the store in directory `dir` without ever modifying a file (so a store on a
    /// read-only mount can be inspected). A torn tail is reported as
    /// [`JournalDiagnostic::TornTailFound`] and the events before it are served; the handle
    /// refuses [`append`](Store::append) and [`snapshot`](Self::snapshot) with
    /// [`StoreError::ReadOnly`]. It takes the lock shared when the `LOCK` file exists.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), except that nothing is saved or truncated.
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Opened<E>, StoreError> {
        Self::open_with(dir.as_ref(), Access::ReadOnly)
    }

    fn open_with(dir: &Path, access: Access) -> Result<Opened<E>, StoreError> {
        let dir = dir.to_path_buf();
        let journal_path = dir.join("journal");
        check_regular(&journal_path).map_err(|e| match e {
            StoreError::NotFound { .. } => StoreError::NotFound { path: dir.clone() },
            e => e,
        })?;
        let lock = open_lock(&dir, access)?;
        let loaded = with_lock(lock.as_ref(), access, &dir, || {
            load_journal::<E>(&journal_path, access)
        })?;
        Ok(Self::from_loaded(dir, journal_path, access, lock, loaded))
    }

    /// Creates a new, empty store of lineage `lineage` in directory `dir` (created if missing).
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] when `dir` already holds a journal; [`StoreError::Io`] when
    /// the directory or files cannot be created.
    pub fn create(dir: impl AsRef<Path>, lineage: LineageId) -> Result<Opened<E>, StoreError> {
        Self::create_with(dir, lineage, &[])
    }

    /// Creates a new store of lineage `lineage` in directory `dir` (created if missing) whose
    /// journal holds `events` (at revisions 1, 2, ...) from its first write: the journal appears
    /// with its header and the first batch at once, by an atomic rename, so a crash leaves
    /// either no store or a store holding `events`.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create); [`StoreError::Encode`] or [`StoreError::TooLarge`] when
    /// `events` cannot be encoded.
    pub fn create_with(
        dir: impl AsRef<Path>,
        lineage: LineageId,
        events: &[E],
    ) -> Result<Opened<E>, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err(IoOp::Create, &dir))?;
        let journal_path = dir.join("journal");
        let lock = open_lock(&dir, Access::ReadWrite)?;
        let access = Access::ReadWrite;
        let loaded = with_lock(lock.as_ref(), access, &dir, || {
            if fs::symlink_metadata(&journal_path).is_ok() {
                return Err(StoreError::AlreadyExists { path: dir.clone() });
            }
            let mut bytes = journal_bytes(&lineage, Revision::ZERO)?;
            if !events.is_empty() {
                bytes.extend(encode_frame(&BatchOut {
                    revision: Revision::new(1),
                    events,
                })?);
            }
            write_atomic(&dir, "journal", &bytes)?;
            load_journal::<E>(&journal_path, access)
        })?;
        Ok(Self::from_loaded(dir, journal_path, access, lock, loaded))
    }

    /// Creates a store in `dir` that continues a copied ledger: the snapshot `snapshot` (if the
    /// source was compacted) and `events`, whose revisions must follow it without a gap. The
    /// snapshot is written first, then the journal (starting after the snapshot, holding the
    /// events in one frame) appears by an atomic rename, so a crash leaves no store or a
    /// complete one. What `relman env migrate` uses.
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] when `dir` already holds a journal;
    /// [`StoreError::SnapshotMismatch`] when the revisions do not follow the snapshot without a
    /// gap; as [`create`](Self::create) otherwise.
    pub fn create_from(
        dir: impl AsRef<Path>,
        lineage: LineageId,
        snapshot: Option<&Snapshot<serde_json::Value>>,
        events: &[Recorded<E>],
    ) -> Result<Opened<E>, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let base = snapshot.map_or(Revision::ZERO, |s| s.revision);
        for (n, r) in (1u64..).zip(events) {
            if r.revision != base.after(n) {
                return Err(StoreError::SnapshotMismatch {
                    path: dir,
                    snapshot: base,
                    base,
                    revision: r.revision,
                });
            }
        }
        fs::create_dir_all(&dir).map_err(io_err(IoOp::Create, &dir))?;
        let journal_path = dir.join("journal");
        let lock = open_lock(&dir, Access::ReadWrite)?;
        let access = Access::ReadWrite;
        let loaded = with_lock(lock.as_ref(), access, &dir, || {
            if fs::symlink_metadata(&journal_path).is_ok() {
                return Err(StoreError::AlreadyExists { path: dir.clone() });
            }
            if let Some(s) = snapshot {
                let mut bytes = SNAPSHOT_MAGIC.to_vec();
                bytes.extend(encode_frame(&SnapshotOut {
                    format: SNAPSHOT_FORMAT,
                    schema_version: SCHEMA_VERSION,
                    lineage: &lineage,
                    revision: s.revision,
                    state: &s.state,
                })?);
                write_atomic(&dir, "snapshot", &bytes)?;
            }
            let mut bytes = journal_bytes(&lineage, base)?;
            if !events.is_empty() {
                let plain: Vec<&E> = events.iter().map(|r| &r.event).collect();
                bytes.extend(encode_frame(&BatchOut {
                    revision: base.after(1),
                    events: &plain,
                })?);
            }
            write_atomic(&dir, "journal", &bytes)?;
            load_journal::<E>(&journal_path, access)
        })?;
        Ok(Self::from_loaded(dir, journal_path, access, lock, loaded))
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
        access: Access,
        lock: Option<File>,
        loaded: Loaded<E>,
    ) -> Opened<E> {
        let revision = loaded
            .events
            .last()
            .map_or(loaded.header.base_revision, |r| r.revision);
        let reported_torn = torn_key(&loaded.diagnostics);
        Opened {
            store: JournalStore {
                dir,
                journal_path,
                access,
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
                reported_torn,
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

    /// The path of the journal file.
    pub fn journal_path(&self) -> &Path {
        &self.journal_path
    }

    /// Whether this handle was opened with [`open_read_only`](Self::open_read_only).
    pub fn is_read_only(&self) -> bool {
        self.access == Access::ReadOnly
    }

    /// The revision the journal starts after (the snapshot's revision; 0 if never compacted).
    pub fn base_revision(&self) -> Revision {
        self.base
    }

    /// Torn tails found since the store was opened (left by another handle or process that
    /// crashed), oldest first; taking them clears the list. A read-only handle reports each
    /// torn tail once.
    pub fn take_diagnostics(&mut self) -> Vec<JournalDiagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Runs `f` on `self` with the lock held (exclusive for a writable handle, shared for a
    /// read-only one).
    fn locked<T, X: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, X>,
    ) -> Result<T, X> {
        let lock = match &self.lock {
            Some(lock) => Some(
                lock.try_clone()
                    .map_err(|e| X::from(io_err(IoOp::Lock, &self.dir)(e)))?,
            ),
            None => None,
        };
        let dir = self.dir.clone();
        let access = self.access;
        with_lock(lock.as_ref(), access, &dir, || f(self))
    }

    fn push_diagnostics(&mut self, diagnostics: Vec<JournalDiagnostic>) {
        let key = torn_key(&diagnostics);
        if self.access == Access::ReadOnly && key.is_some() && key == self.reported_torn {
            return;
        }
        self.reported_torn = key;
        self.diagnostics.extend(diagnostics);
    }

    /// Brings this handle up to date with the file. Call with the lock held.
    fn catch_up(&mut self) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let on_disk = match fs::metadata(&self.journal_path) {
            Ok(meta) if meta.is_file() => meta,
            Ok(_) => {
                return Err(StoreError::NotRegularFile {
                    path: self.journal_path.clone(),
                });
            }
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
        self.end += scan.end as u64;
        if let Some(last) = scan.events.last() {
            self.revision = last.revision;
        }
        self.events.extend(scan.events);
        if let Some(problem) = scan.torn {
            let tail = buf.get(scan.end..).unwrap_or_default();
            let diag = handle_torn(&self.file, path, self.access, self.end, tail, problem)?;
            self.push_diagnostics(vec![diag]);
        } else {
            self.reported_torn = None;
        }
        Ok(())
    }

    fn reload(&mut self) -> Result<(), StoreError> {
        let loaded = load_journal::<E>(&self.journal_path, self.access)?;
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
        self.push_diagnostics(loaded.diagnostics);
        Ok(())
    }

    fn append_locked(
        &mut self,
        expected: Revision,
        events: &[E],
        frame: Option<Vec<u8>>,
    ) -> Result<Revision, AppendError> {
        if self.access == Access::ReadOnly {
            return Err(AppendError::Store(StoreError::ReadOnly {
                path: self.dir.clone(),
            }));
        }
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
            // handle. A partial frame is a torn tail that the next writer saves and cuts off.
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
    /// [`StoreError::ReadOnly`] on a read-only handle; [`StoreError`] when catching up,
    /// encoding or writing fails.
    pub fn snapshot<S: Serialize>(&mut self, state: &S) -> Result<Revision, StoreError> {
        if self.access == Access::ReadOnly {
            return Err(StoreError::ReadOnly {
                path: self.dir.clone(),
            });
        }
        self.locked(|this| this.snapshot_locked(state))
    }

    fn snapshot_locked<S: Serialize>(&mut self, state: &S) -> Result<Revision, StoreError> {
        {
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
        }
    }

    /// Writes `state` as the snapshot and compacts the journal, as [`snapshot`](Self::snapshot)
    /// does, only if the store is still at `expected` (the revision `state` was folded up to);
    /// otherwise nothing is written. Returns the snapshot's revision. Crash-safe: a crash at
    /// any point leaves the old files, or the new snapshot with the old journal (readers apply
    /// only the events after the snapshot), or both new files.
    ///
    /// # Errors
    ///
    /// [`AppendError::Conflict`] when another writer appended since `expected`;
    /// [`AppendError::Store`] as for [`snapshot`](Self::snapshot).
    pub fn snapshot_at<S: Serialize>(
        &mut self,
        expected: Revision,
        state: &S,
    ) -> Result<Revision, AppendError> {
        if self.access == Access::ReadOnly {
            return Err(AppendError::Store(StoreError::ReadOnly {
                path: self.dir.clone(),
            }));
        }
        self.locked(|this| {
            this.catch_up()?;
            if this.revision != expected {
                return Err(AppendError::Conflict {
                    expected,
                    current: this.revision,
                });
            }
            Ok(this.snapshot_locked(state)?)
        })
    }

    /// Reads the snapshot, if one was written. Apply only the events with a revision after
    /// [`Snapshot::revision`] on top of it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] when the snapshot is damaged or does not decode as `S`;
    /// [`StoreError::LineageMismatch`] when it belongs to another ledger;
    /// [`StoreError::UnsupportedSchema`]; [`StoreError::NotRegularFile`] when it is not a
    /// regular file; [`StoreError::Io`] when it cannot be read.
    pub fn read_snapshot<S: DeserializeOwned>(&self) -> Result<Option<Snapshot<S>>, StoreError> {
        let path = self.dir.join("snapshot");
        match check_regular(&path) {
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
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
        self.locked(|this| {
            this.catch_up()?;
            Ok(this.revision)
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
        self.locked(|this| this.append_locked(expected, events, frame))
    }

    fn load(&mut self) -> Result<Vec<Recorded<E>>, StoreError> {
        self.locked(|this| {
            this.catch_up()?;
            Ok(this.events.clone())
        })
    }

    fn load_compacted(&mut self) -> Result<Compacted<E>, StoreError> {
        self.locked(|this| {
            this.catch_up()?;
            let snapshot: Option<Snapshot<serde_json::Value>> = this.read_snapshot()?;
            let at = snapshot.as_ref().map_or(Revision::ZERO, |s| s.revision);
            if at < this.base || at > this.revision {
                return Err(StoreError::SnapshotMismatch {
                    path: this.dir.clone(),
                    snapshot: at,
                    base: this.base,
                    revision: this.revision,
                });
            }
            let events = this
                .events
                .iter()
                .filter(|r| r.revision > at)
                .cloned()
                .collect();
            Ok(Compacted { snapshot, events })
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
        let saved_to = dir.path().join(format!("journal.torn-{good_len}"));
        assert_eq!(
            opened.diagnostics,
            vec![JournalDiagnostic::TornTail {
                offset: good_len,
                dropped_bytes: 6,
                problem: Corruption::Truncated { len: 0 },
                saved_to: saved_to.clone(),
            }]
        );
        assert_eq!(fs::read(&saved_to).unwrap(), [9, 0, 0, 0, 1, 2]);
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
    fn a_crafted_tail_is_classified_in_linear_work() {
        // Many candidate frames that all claim to end at the end of the buffer: only
        // MAX_TAIL_CANDIDATES of them are checksummed.
        let mut buf = vec![0xff, 0xff, 0xff, 0x00, 0, 0, 0, 0];
        let candidate = |rest: usize| {
            let mut c = u32::try_from(rest).unwrap().to_le_bytes().to_vec();
            c.extend([0, 0, 0, 0]);
            c
        };
        let total = 64 * (8 + BATCH_PREFIX.len());
        while buf.len() < total {
            let rest = total - buf.len() - FRAME_HEADER_LEN;
            buf.extend(candidate(rest));
            buf.extend(BATCH_PREFIX);
        }
        assert!(!valid_frame_ends_at_eof(&buf, 0));
        // A real frame that ends at the end is found.
        let mut with_frame = vec![0x40, 0, 0, 0, 1, 2, 3, 4];
        with_frame.extend(encode_frame(&serde_json::json!({"revision": 2})).unwrap());
        assert!(valid_frame_ends_at_eof(&with_frame, 0));
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
