//! Fuzzing the journal reader with the CLI's event type ([`relman_env::Event`]): mutations of
//! the real journals in `tests/fuzz/journal/` (bytes flipped, cut, removed, inserted, spliced
//! across journals) and frame-level edits that keep every checksum right (payload JSON mutated,
//! frames dropped, duplicated or swapped) are opened read-only and folded with [`load_state`].
//! Never a panic; a read-only open never changes or creates a file; a torn tail ends at the end
//! of the file; served revisions are contiguous; and a writer ([`JournalStore::open`]) reaches
//! the same verdict as the reader. `garbage.rs` covers random bytes, single bit flips and every
//! truncation with a toy event type. `RELMAN_FUZZ_CASES` raises the number of cases
//! (docs/fuzzing.md).

use std::path::Path;

use proptest::prelude::*;
use relman_env::Event;
use relman_env::store::{JournalDiagnostic, JournalStore, StoreError, load_state};

const MAGIC: &[u8] = b"RELMANJ1";

const TOKENS: &[&str] = &[
    "RELMANJ1",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "0",
    "-1",
    "18446744073709551615",
    "\"revision\":",
    "\"revision\":1",
    "\"events\":[]",
    "\"kind\":\"deployment_started\"",
    "\"schema_version\":2",
    "\"base_revision\":7",
    "\"at\":\"9999-12-31T23:59:59Z\"",
    "\"env\":\"prod\"",
    "\"version\":\"1.0.0-rc.1\"",
    "\u{0}\u{0}\u{0}\u{0}",
    "\u{ff}\u{ff}\u{ff}\u{7f}",
];

/// What a handle made of a journal: the revisions it served and where it found a torn tail,
/// or the error it refused it with.
#[derive(Debug, PartialEq)]
enum Verdict {
    Read {
        revisions: Vec<u64>,
        torn_at: Option<u64>,
    },
    Corrupt {
        offset: u64,
    },
    Other(String),
}

fn verdict_of(
    result: Result<(Vec<u64>, Option<u64>), StoreError>,
    len: u64,
) -> Result<Verdict, TestCaseError> {
    Ok(match result {
        Ok((revisions, torn_at)) => {
            prop_assert!(revisions.first().is_none_or(|r| *r >= 1), "{revisions:?}");
            prop_assert!(
                revisions.windows(2).all(|w| w[1] == w[0] + 1),
                "{revisions:?}"
            );
            Verdict::Read { revisions, torn_at }
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            match e {
                StoreError::Corrupt { offset, .. } => {
                    prop_assert!(offset <= len, "corrupt at {offset} of {len} bytes");
                    Verdict::Corrupt { offset }
                }
                // The variant's name: the paths differ between the two directories.
                other => Verdict::Other(
                    format!("{other:?}")
                        .split([' ', '(', '{'])
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                ),
            }
        }
    })
}

/// Opens `bytes` as a journal read-only, then for writing, and checks both agree.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let len = bytes.len() as u64;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let journal = dir.path().join("journal");
    std::fs::write(&journal, bytes).expect("the journal is written");

    let read = JournalStore::<Event>::open_read_only(dir.path()).and_then(|mut opened| {
        let torn_at = match opened.diagnostics.as_slice() {
            [] => None,
            [JournalDiagnostic::TornTailFound { offset, bytes, .. }] => {
                assert_eq!(
                    offset + bytes,
                    len,
                    "a torn tail runs to the end of the file"
                );
                Some(*offset)
            }
            other => panic!("unexpected diagnostics {other:?}"),
        };
        let (_state, events) = load_state(&mut opened.store)?;
        Ok((events.iter().map(|e| e.revision.get()).collect(), torn_at))
    });
    let read = verdict_of(read, len)?;
    prop_assert_eq!(
        std::fs::read(&journal).expect("the journal is readable"),
        bytes,
        "a reader changed the journal"
    );
    prop_assert_eq!(
        names(dir.path()),
        vec!["journal".to_owned()],
        "a reader created a file"
    );

    let written = JournalStore::<Event>::open(dir.path()).and_then(|mut opened| {
        let torn_at = match opened.diagnostics.as_slice() {
            [] => None,
            [
                JournalDiagnostic::TornTail {
                    offset,
                    dropped_bytes,
                    ..
                },
            ] => {
                assert_eq!(
                    offset + dropped_bytes,
                    len,
                    "a torn tail runs to the end of the file"
                );
                Some(*offset)
            }
            other => panic!("unexpected diagnostics {other:?}"),
        };
        let (_state, events) = load_state(&mut opened.store)?;
        Ok((events.iter().map(|e| e.revision.get()).collect(), torn_at))
    });
    let written = verdict_of(written, len)?;
    prop_assert_eq!(read, written, "the reader and the writer disagree");
    Ok(())
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the directory is readable")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The payloads of the complete frames after the magic (a torn tail is left out).
fn payloads(journal: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = MAGIC.len();
    while let Some(head) = journal.get(at..at + 8) {
        let len = u32::from_le_bytes(head[..4].try_into().expect("four bytes")) as usize;
        let Some(payload) = journal.get(at + 8..at + 8 + len) else {
            break;
        };
        out.push(payload.to_vec());
        at += 8 + len;
    }
    out
}

/// A journal of `payloads`, each framed with its length and a correct checksum.
fn journal(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for payload in payloads {
        let len = u32::try_from(payload.len())
            .expect("a small payload")
            .to_le_bytes();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&len);
        crc.update(payload);
        out.extend(len);
        out.extend(crc.finalize().to_le_bytes());
        out.extend(payload);
    }
    out
}

/// An edit of a journal that keeps every frame's checksum right.
#[derive(Debug, Clone)]
enum FrameEdit {
    /// Mutates the JSON payload of one frame.
    Payload { frame: usize, edits: Vec<Mutation> },
    /// Drops one frame.
    Drop { frame: usize },
    /// Copies one frame to another position.
    Duplicate { frame: usize, to: usize },
    /// Swaps two frames.
    Swap { a: usize, b: usize },
}

fn frame_edit() -> impl Strategy<Value = FrameEdit> {
    let n = any::<usize>();
    prop_oneof![
        4 => (n, proptest::collection::vec(mutation(), 1..4))
            .prop_map(|(frame, edits)| FrameEdit::Payload { frame, edits }),
        1 => n.prop_map(|frame| FrameEdit::Drop { frame }),
        1 => (n, n).prop_map(|(frame, to)| FrameEdit::Duplicate { frame, to }),
        1 => (n, n).prop_map(|(a, b)| FrameEdit::Swap { a, b }),
    ]
}

fn edit_frames(mut frames: Vec<Vec<u8>>, edits: &[FrameEdit]) -> Vec<Vec<u8>> {
    for edit in edits {
        if frames.is_empty() {
            break;
        }
        let n = frames.len();
        match edit {
            FrameEdit::Payload { frame, edits } => {
                let i = frame % n;
                frames[i] = mutate(&frames[i..=i], TOKENS, 0, edits);
            }
            FrameEdit::Drop { frame } => {
                frames.remove(frame % n);
            }
            FrameEdit::Duplicate { frame, to } => {
                let copy = frames[frame % n].clone();
                frames.insert(to % (n + 1), copy);
            }
            FrameEdit::Swap { a, b } => frames.swap(a % n, b % n),
        }
    }
    frames
}

#[test]
fn every_seed_is_read_and_framed_as_expected() {
    let seeds = corpus("journal");
    for seed in seeds {
        check(seed).expect("a seed passes the checks");
    }
    // Re-framing the complete frames gives the journal back (the torn seed loses its tail).
    assert_eq!(journal(&payloads(&seeds[0])), seeds[0]);
    assert!(journal(&payloads(&seeds[2])).len() < seeds[2].len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn arbitrary_bytes_after_the_magic_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = MAGIC.to_vec();
        bytes.extend(tail);
        check(&bytes)?;
    }

    #[test]
    fn mutated_journals_never_panic((seed, edits) in mutations()) {
        check(&mutate(corpus("journal"), TOKENS, seed, &edits))?;
    }

    #[test]
    fn frames_with_right_checksums_and_wrong_content_never_panic(
        seed in any::<usize>(),
        edits in proptest::collection::vec(frame_edit(), 1..4),
    ) {
        let seeds = corpus("journal");
        let frames = edit_frames(payloads(&seeds[seed % seeds.len()]), &edits);
        check(&journal(&frames))?;
    }
}

// ---- Fuzz harness (the same in every crate's `tests/fuzz.rs`; see docs/fuzzing.md) ----

/// The number of cases per property: `RELMAN_FUZZ_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("RELMAN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed corpus `tests/fuzz/<name>/`: every file, in name order.
fn corpus(name: &str) -> &'static [Vec<u8>] {
    type Corpora = std::sync::Mutex<std::collections::BTreeMap<String, &'static [Vec<u8>]>>;
    static CORPORA: std::sync::OnceLock<Corpora> = std::sync::OnceLock::new();
    let corpora = CORPORA.get_or_init(Default::default);
    let mut corpora = corpora
        .lock()
        .expect("no test panicked while holding the lock");
    corpora.entry(name.to_owned()).or_insert_with(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz")
            .join(name);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.expect("a readable directory entry").path())
            .collect();
        paths.sort();
        let seeds: Vec<Vec<u8>> = paths
            .iter()
            .map(|p| {
                std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
            })
            .collect();
        assert!(!seeds.is_empty(), "{} holds no seed", dir.display());
        Vec::leak(seeds)
    })
}

/// One edit of a seed; positions and lengths are taken modulo the current length.
#[derive(Debug, Clone)]
enum Mutation {
    /// Flips one bit.
    Flip { at: usize, bit: u8 },
    /// Cuts the input at `at`.
    Truncate { at: usize },
    /// Removes up to `len` bytes.
    Remove { at: usize, len: usize },
    /// Inserts arbitrary bytes.
    Insert { at: usize, bytes: Vec<u8> },
    /// Inserts one of the format's tokens.
    Token { at: usize, token: usize },
    /// Inserts a range of a seed (the same one or another): duplicated or foreign structure.
    Splice {
        at: usize,
        seed: usize,
        from: usize,
        len: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>();
    prop_oneof![
        3 => (n, 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        1 => n.prop_map(|at| Mutation::Truncate { at }),
        2 => (n, 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        2 => (n, proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        3 => (n, n).prop_map(|(at, token)| Mutation::Token { at, token }),
        2 => (n, n, n, 1usize..256)
            .prop_map(|(at, seed, from, len)| Mutation::Splice { at, seed, from, len }),
    ]
}

/// A seed index and up to eight mutations of it.
fn mutations() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
    (any::<usize>(), proptest::collection::vec(mutation(), 1..8))
}

/// Applies `mutations` to seed `seed` of `seeds`; `tokens` are the format's keywords.
fn mutate(seeds: &[Vec<u8>], tokens: &[&str], seed: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut b = seeds[seed % seeds.len()].clone();
    for m in mutations {
        let at = |at: usize, b: &Vec<u8>| at % (b.len() + 1);
        match m {
            Mutation::Flip { at, bit } => {
                if !b.is_empty() {
                    let i = at % b.len();
                    b[i] ^= 1 << bit;
                }
            }
            Mutation::Truncate { at: i } => {
                let i = at(*i, &b);
                b.truncate(i);
            }
            Mutation::Remove { at: i, len } => {
                let i = at(*i, &b);
                let end = (i + len).min(b.len());
                b.drain(i..end);
            }
            Mutation::Insert { at: i, bytes } => {
                let i = at(*i, &b);
                b.splice(i..i, bytes.iter().copied());
            }
            Mutation::Token { at: i, token } => {
                let i = at(*i, &b);
                let token = tokens[token % tokens.len()].as_bytes();
                b.splice(i..i, token.iter().copied());
            }
            Mutation::Splice {
                at: i,
                seed,
                from,
                len,
            } => {
                let other = &seeds[seed % seeds.len()];
                if !other.is_empty() {
                    let from = from % other.len();
                    let end = (from + len).min(other.len());
                    let i = at(*i, &b);
                    b.splice(i..i, other[from..end].iter().copied());
                }
            }
        }
    }
    b
}

#[allow(dead_code)] // Not every parser reports positions.
/// Whether the 1-based `line` and `column` (in characters; the column may point just past the
/// end of its line) lie within `text`.
fn within(text: &str, line: usize, column: usize) -> bool {
    line >= 1
        && column >= 1
        && text
            .split('\n')
            .nth(line - 1)
            .is_some_and(|l| column <= l.chars().count() + 1)
}
