//! The history index: per-commit diff stats kept between runs, so that a walk with diff stats
//! computes only the commits it has not seen before.
//!
//! A commit's diff stats against its first parent are a fact of the commit: its id names its
//! tree and its parents, so the stats never change once computed, and a rewritten history
//! (rebase, amend, filter) simply has other commit ids, which the index has not seen. Nothing
//! is ever invalidated; entries of commits that are no longer reachable are only dead weight.
//!
//! # File
//!
//! `<git dir>/relman/index/diffstats-v1.jsonl`: a header line
//! `{"relman_index":"diffstats","version":1}`, then one line per commit,
//! `{"c":"<commit id>","d":[DiffStat, ...]}` (the JSON of [`DiffStat`]). New entries are
//! appended in one write under an exclusive lock of the file; readers take a shared lock, so a
//! second process waits for a writer and then reads a whole index. A line that does not parse
//! (a torn append after a crash, damage) is skipped and the next write rewrites the file from
//! what was read (temporary file, fsync, rename). A file with another header (another schema
//! version) is ignored and rewritten. An index that cannot be read or written is not an error:
//! the walk computes the stats instead. A walk of at most [`SMALL_WALK`] commits (by default,
//! see [`WalkOptions::small_walk`](crate::WalkOptions::small_walk)) computes its stats without
//! reading the index: that is cheaper than reading the stats of a long history.
//!
//! The traces of fix commits that SZZ follows to the commits that introduced their lines
//! ([`GitRepository::bug_introducing`](crate::GitRepository::bug_introducing)) are kept the
//! same way, one file per line filter and root rule (`szz-v1-skip_trivial-keep.jsonl`, ...):
//! a fix's trace is a blame in its parent, which its id fixes too.
//!
//! # Derived data
//!
//! Beside the diff stats, the directory holds one file per entry of the repository's
//! [`HistoryCache`] ([`FileCache`]): what consumers derived from the history up to a commit
//! (relman-risk keeps its change-metrics fold there; this crate keeps which tagged commits are
//! reachable from the last `HEAD` it read, `reach-v1`). Each is replaced whole (temporary
//! file, fsync, rename), so a concurrent reader sees the old entry or the new one.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use git2::Oid;
use relman_model::{DiffStat, HistoryCache};
use serde::{Deserialize, Serialize};

/// The header line of the current schema.
const HEADER: &str = r#"{"relman_index":"diffstats","version":1}"#;

/// A walk of at most this many commits computes its diff stats without the index.
pub const SMALL_WALK: usize = 256;

/// The directory of the history index of the repository whose git directory is `git_dir`.
pub fn index_dir(git_dir: &Path) -> PathBuf {
    git_dir.join("relman").join("index")
}

/// Where the diff stats of the repository whose git directory is `git_dir` live.
pub fn index_path(git_dir: &Path) -> PathBuf {
    index_dir(git_dir).join("diffstats-v1.jsonl")
}

/// A [`HistoryCache`] of files in one directory (a repository's [`index_dir`]): entry `name`
/// is the file `name`, replaced whole by [`HistoryCache::store`]. Names are made of ASCII
/// letters, digits, `-`, `_` and `.` (not leading); other names are never loaded or stored.
///
/// ```
/// use relman_git::index::FileCache;
/// use relman_model::HistoryCache;
///
/// let dir = tempfile::tempdir()?;
/// let cache = FileCache::new(dir.path().join("index"));
/// assert_eq!(cache.load("metrics-v1"), None);
/// cache.store("metrics-v1", b"folded");
/// assert_eq!(cache.load("metrics-v1").as_deref(), Some(&b"folded"[..]));
/// cache.store("../outside", b"refused");
/// assert_eq!(cache.load("../outside"), None);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCache {
    dir: PathBuf,
}

impl FileCache {
    /// The cache in `dir` (created on the first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        let valid = !name.is_empty()
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        valid.then(|| self.dir.join(name))
    }
}

impl HistoryCache for FileCache {
    fn load(&self, name: &str) -> Option<Vec<u8>> {
        fs::read(self.path(name)?).ok()
    }

    fn store(&self, name: &str, bytes: &[u8]) {
        if let Some(path) = self.path(name) {
            let _ = fs::create_dir_all(&self.dir).and_then(|()| replace(&path, bytes));
        }
    }
}

/// Replaces the file at `path` with `bytes`: a temporary file beside it (named after the
/// process and a counter, so concurrent writers do not share one), fsync, rename.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(std::io::Error::other(
            "a cache file has a directory and a name",
        ));
    };
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(
        ".{}.{}.{n}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = File::create(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[derive(Deserialize)]
struct Line<T> {
    c: String,
    d: T,
}

/// Facts keyed by commit id, kept in one append-only JSON-lines file (see the module docs):
/// the diff stats of commits ([`DiffIndex`]), the SZZ trace of fixes.
#[derive(Debug)]
pub(crate) struct FactIndex<T> {
    path: PathBuf,
    header: String,
    known: RwLock<HashMap<Oid, Arc<T>>>,
    fresh: Mutex<Vec<Oid>>,
    /// Whether the file must be rewritten (damaged lines, another schema, missing).
    rewrite: Mutex<bool>,
}

/// The diff stats of the commits seen so far.
pub(crate) type DiffIndex = FactIndex<Vec<DiffStat>>;

impl DiffIndex {
    /// The diff stats of the repository at `git_dir`, read from their file if there is one.
    pub(crate) fn open(git_dir: &Path) -> Self {
        Self::open_file(index_path(git_dir), HEADER.to_owned())
    }
}

impl<T: Serialize + serde::de::DeserializeOwned + Clone> FactIndex<T> {
    /// The facts in the file at `path` whose first line is `header`, read if there is one.
    pub(crate) fn open_file(path: PathBuf, header: String) -> Self {
        let mut known = HashMap::new();
        let rewrite = match read(&path, &header, &mut known) {
            Ok(clean) => !clean,
            Err(_) => true,
        };
        Self {
            path,
            header,
            known: RwLock::new(known),
            fresh: Mutex::new(Vec::new()),
            rewrite: Mutex::new(rewrite),
        }
    }

    /// The fact of `oid`, if known.
    pub(crate) fn get(&self, oid: Oid) -> Option<T> {
        let known = self.known.read().ok()?;
        known.get(&oid).map(|d| d.as_ref().clone())
    }

    /// Records the fact of `oid`, computed by this run.
    pub(crate) fn insert(&self, oid: Oid, fact: T) {
        let (Ok(mut known), Ok(mut fresh)) = (self.known.write(), self.fresh.lock()) else {
            return;
        };
        if known.insert(oid, Arc::new(fact)).is_none() {
            fresh.push(oid);
        }
    }

    /// Writes what this run computed: appended, or the whole file rewritten when it needs
    /// it. Errors are ignored (see the module docs); returns whether the file is current.
    pub(crate) fn flush(&self) -> bool {
        let (Ok(known), Ok(mut fresh), Ok(mut rewrite)) =
            (self.known.read(), self.fresh.lock(), self.rewrite.lock())
        else {
            return false;
        };
        if fresh.is_empty() && !*rewrite {
            return true;
        }
        let written = if *rewrite {
            rewrite_all(&self.path, &self.header, &known)
        } else {
            append(&self.path, &self.header, &known, &fresh)
        };
        if written.is_ok() {
            fresh.clear();
            *rewrite = false;
        }
        written.is_ok()
    }
}

/// Reads the file into `known`; `Ok(true)` when every line was read, `Ok(false)` when the
/// file is missing, has another header or damaged lines.
fn read<T: serde::de::DeserializeOwned>(
    path: &Path,
    header: &str,
    known: &mut HashMap<Oid, Arc<T>>,
) -> std::io::Result<bool> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    file.lock_shared()?;
    let mut lines = BufReader::new(&file).lines();
    match lines.next() {
        Some(Ok(first)) if first == header => {}
        _ => return Ok(false),
    }
    let mut clean = true;
    for line in lines {
        let Ok(line) = line else {
            clean = false;
            break;
        };
        match serde_json::from_str::<Line<T>>(&line)
            .ok()
            .and_then(|l| Some((Oid::from_str(&l.c).ok()?, l.d)))
        {
            Some((oid, fact)) => {
                known.insert(oid, Arc::new(fact));
            }
            None => clean = false,
        }
    }
    Ok(clean)
}

fn line<T: Serialize>(oid: Oid, fact: &T, out: &mut Vec<u8>) {
    #[derive(Serialize)]
    struct Borrowed<'a, T> {
        c: String,
        d: &'a T,
    }
    if serde_json::to_writer(
        &mut *out,
        &Borrowed {
            c: oid.to_string(),
            d: fact,
        },
    )
    .is_ok()
    {
        out.push(b'\n');
    }
}

/// Appends the `fresh` entries in one write under an exclusive lock; a file that is missing is
/// created with its header.
fn append<T: Serialize>(
    path: &Path,
    header: &str,
    known: &HashMap<Oid, Arc<T>>,
    fresh: &[Oid],
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.lock()?;
    let mut out = Vec::new();
    if file.metadata()?.len() == 0 {
        out.extend_from_slice(header.as_bytes());
        out.push(b'\n');
    }
    for oid in fresh {
        if let Some(fact) = known.get(oid) {
            line(*oid, fact.as_ref(), &mut out);
        }
    }
    file.write_all(&out)?;
    file.sync_data()
}

/// Writes every known entry to a temporary file beside the index and renames it over the
/// index, under an exclusive lock of the old file.
fn rewrite_all<T: Serialize>(
    path: &Path,
    header: &str,
    known: &HashMap<Oid, Arc<T>>,
) -> std::io::Result<()> {
    let Some(dir) = path.parent() else {
        return Err(std::io::Error::other("an index path has a directory"));
    };
    fs::create_dir_all(dir)?;
    let guard = OpenOptions::new().create(true).append(true).open(path)?;
    guard.lock()?;
    let mut out = Vec::with_capacity(64 * known.len() + header.len() + 1);
    out.extend_from_slice(header.as_bytes());
    out.push(b'\n');
    let mut oids: Vec<&Oid> = known.keys().collect();
    oids.sort();
    for oid in oids {
        line(*oid, known[oid].as_ref(), &mut out);
    }
    replace(path, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).expect("an id")
    }

    #[test]
    fn entries_survive_a_reopen_and_damage_is_skipped_then_rewritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = DiffIndex::open(dir.path());
        assert_eq!(index.get(oid(1)), None);
        index.insert(oid(1), vec![DiffStat::new("a.rs", 3, 1)]);
        index.insert(oid(2), vec![]);
        assert!(index.flush());
        let again = DiffIndex::open(dir.path());
        assert_eq!(again.get(oid(1)), Some(vec![DiffStat::new("a.rs", 3, 1)]));
        assert_eq!(again.get(oid(2)), Some(vec![]));
        again.insert(oid(3), vec![DiffStat::new("b.rs", 0, 9)]);
        assert!(again.flush());

        // A torn append and a damaged line: skipped, and the next flush rewrites the file.
        let path = index_path(dir.path());
        let mut text = fs::read_to_string(&path).expect("index");
        text.push_str("{\"c\":\"0101\n{\"c\":");
        fs::write(&path, &text).expect("damage");
        let damaged = DiffIndex::open(dir.path());
        assert_eq!(damaged.get(oid(3)), Some(vec![DiffStat::new("b.rs", 0, 9)]));
        assert!(damaged.flush());
        let text = fs::read_to_string(&path).expect("index");
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.starts_with(HEADER));

        // Another schema version is ignored.
        fs::write(&path, "{\"relman_index\":\"diffstats\",\"version\":0}\n").expect("old");
        let old = DiffIndex::open(dir.path());
        assert_eq!(old.get(oid(1)), None);
        assert!(old.flush());
        assert_eq!(
            fs::read_to_string(&path).expect("index"),
            format!("{HEADER}\n")
        );
    }

    #[test]
    fn concurrent_stores_and_loads_see_whole_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = FileCache::new(dir.path().join("index"));
        let entries: Vec<Vec<u8>> = (0..4u8).map(|n| vec![n; 64 * 1024]).collect();
        std::thread::scope(|scope| {
            for entry in &entries {
                let cache = &cache;
                scope.spawn(move || {
                    for _ in 0..20 {
                        cache.store("fold", entry);
                    }
                });
            }
            let cache = &cache;
            let entries = &entries;
            scope.spawn(move || {
                for _ in 0..200 {
                    if let Some(seen) = cache.load("fold") {
                        assert!(
                            entries.contains(&seen),
                            "a torn entry of {} bytes",
                            seen.len()
                        );
                    }
                }
            });
        });
        let last = cache.load("fold").expect("stored");
        assert!(entries.contains(&last));
        let names: Vec<_> = fs::read_dir(cache.dir())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("fold")],
            "no temporary file is left"
        );
    }
}
