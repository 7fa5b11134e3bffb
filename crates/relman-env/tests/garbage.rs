//! Garbage, truncated and bit-flipped journal files never panic: opening them gives either the
//! valid prefix of the events (with a torn-tail diagnostic when a torn write was cut) or a typed
//! error naming the byte offset of the damage. Only a final frame shorter than its length prefix
//! or a zero-filled tail is a torn write.

// Test helpers outside `#[test]` functions unwrap and print too; clippy only exempts the latter.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use relman_env::store::{
    Corruption, JournalDiagnostic, JournalStore, LineageId, Recorded, Revision, Store, StoreError,
};

type Event = (u64, String);
type Outcome = Result<(Vec<Recorded<Event>>, Vec<JournalDiagnostic>), StoreError>;

/// A valid journal with a few batches, built once, and its events.
fn valid_journal() -> &'static (Vec<u8>, Vec<Recorded<Event>>, usize) {
    static JOURNAL: OnceLock<(Vec<u8>, Vec<Recorded<Event>>, usize)> = OnceLock::new();
    JOURNAL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut s = JournalStore::<Event>::create(dir.path(), LineageId::new("g").unwrap())
            .unwrap()
            .store;
        let header_len = std::fs::metadata(dir.path().join("journal")).unwrap().len() as usize;
        let mut r = Revision::ZERO;
        for batch in 1..=6u64 {
            let events: Vec<Event> = (0..batch % 3 + 1)
                .map(|i| (r.get() + i + 1, format!("event-{batch}-{i}")))
                .collect();
            r = s.append(r, &events).unwrap();
        }
        let events = s.load().unwrap();
        let bytes = std::fs::read(dir.path().join("journal")).unwrap();
        (bytes, events, header_len)
    })
}

fn open_bytes(bytes: &[u8]) -> (tempfile::TempDir, Outcome) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("journal"), bytes).unwrap();
    let result = JournalStore::<Event>::open(dir.path()).and_then(|mut o| {
        let events = o.store.load()?;
        Ok((events, o.diagnostics))
    });
    (dir, result)
}

fn reopen_is_clean(dir: &Path, events: &[Recorded<Event>]) {
    let mut again = JournalStore::<Event>::open(dir).unwrap();
    assert!(
        again.diagnostics.is_empty(),
        "a repaired journal reopens clean"
    );
    assert_eq!(again.store.load().unwrap(), events);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (_dir, result) = open_bytes(&bytes);
        // Random bytes essentially never carry the magic; whatever happens must be typed.
        if let Err(e) = result {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn garbage_after_a_valid_header_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (bytes, _, header_len) = valid_journal();
        let mut b = bytes[..*header_len].to_vec();
        b.extend(&tail);
        let (_dir, result) = open_bytes(&b);
        match result {
            Ok((events, diagnostics)) => {
                prop_assert!(events.is_empty() || !tail.is_empty());
                prop_assert!(diagnostics.len() <= 1);
            }
            Err(StoreError::Corrupt { offset, .. }) => prop_assert!(offset as usize >= *header_len),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn truncation_keeps_a_prefix_and_reports_the_cut(cut in 0usize..2000) {
        let (bytes, all, header_len) = valid_journal();
        let cut = cut % (bytes.len() + 1);
        let (dir, result) = open_bytes(&bytes[..cut]);
        if cut < *header_len {
            prop_assert!(matches!(result, Err(StoreError::Corrupt { .. })), "{result:?}");
        } else {
            let (events, diagnostics) = result.unwrap();
            prop_assert_eq!(&events[..], &all[..events.len()]);
            let on_boundary = diagnostics.is_empty();
            if !on_boundary {
                let JournalDiagnostic::TornTail { offset, dropped_bytes, .. } = &diagnostics[0] else {
                    panic!("unexpected diagnostic {:?}", diagnostics[0]);
                };
                prop_assert_eq!(offset + dropped_bytes, cut as u64);
            }
            if cut == bytes.len() {
                prop_assert_eq!(events.len(), all.len());
                prop_assert!(on_boundary);
            }
            reopen_is_clean(dir.path(), &events);
        }
    }

    #[test]
    fn bit_flips_are_detected_never_silently_dropped(pos in 0usize..4000, bit in 0u8..8) {
        let (bytes, all, _) = valid_journal();
        let pos = pos % bytes.len();
        let mut b = bytes.clone();
        b[pos] ^= 1 << bit;
        let (dir, result) = open_bytes(&b);
        match result {
            Ok((events, diagnostics)) => {
                // Only a flip in the last frame's length prefix that makes it run past the end
                // of the file looks like a torn write; a complete frame with a bad checksum is
                // corruption, never cut off.
                prop_assert_eq!(&events[..], &all[..events.len()]);
                prop_assert!(events.len() < all.len(), "a flip at {} went unnoticed", pos);
                prop_assert_eq!(diagnostics.len(), 1);
                let JournalDiagnostic::TornTail { offset, problem, .. } = &diagnostics[0] else {
                    panic!("unexpected diagnostic {:?}", diagnostics[0]);
                };
                let offset = *offset as usize;
                prop_assert!((offset..offset + 4).contains(&pos), "flip at {} cut at {}", pos, offset);
                prop_assert!(matches!(problem, Corruption::Truncated { .. }), "{:?}", problem);
                reopen_is_clean(dir.path(), &events);
            }
            Err(StoreError::Corrupt { offset, .. }) => prop_assert!(offset as usize <= pos),
            Err(StoreError::UnsupportedSchema { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}
