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
use relman_test_support::fuzz::{Mutation, cases, mutate, mutation, mutations};

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

/// The seed corpus `tests/fuzz/<name>/` of this crate.
fn corpus(name: &str) -> &'static [Vec<u8>] {
    relman_test_support::fuzz::corpus(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz")
            .join(name),
    )
}
