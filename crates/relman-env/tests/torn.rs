//! What counts as a torn write and what is corruption, what a read-only handle does (nothing to
//! the file), where cut bytes are saved, and journals that are not regular files.
//!
//! Regression tests for issue 13: a damaged last frame was truncated by read-only commands, a
//! FIFO journal hung, `/dev/zero` read until memory ran out, and crafted trailing bytes made
//! every open quadratic.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use relman_env::store::{
    AppendError, Corruption, JournalDiagnostic, JournalStore, LineageId, Revision, Store,
    StoreError,
};

/// A store holding events 1..=3 in three batches; returns the journal path and the offset of
/// each batch frame, plus the end.
fn three_batches(dir: &Path) -> (PathBuf, Vec<u64>) {
    let mut s = JournalStore::<u32>::create(dir, LineageId::new("torn").unwrap())
        .unwrap()
        .store;
    let journal = dir.join("journal");
    let mut offsets = vec![fs::metadata(&journal).unwrap().len()];
    for i in 0..3u32 {
        s.append(Revision::new(u64::from(i)), &[i + 1]).unwrap();
        offsets.push(fs::metadata(&journal).unwrap().len());
    }
    (journal, offsets)
}

fn events(store: &mut JournalStore<u32>) -> Vec<u32> {
    store.load().unwrap().into_iter().map(|r| r.event).collect()
}

#[test]
fn a_damaged_complete_last_frame_is_corruption_and_nothing_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, offsets) = three_batches(dir.path());
    let mut bytes = fs::read(&journal).unwrap();
    let last = offsets[2];
    bytes[last as usize + 12] ^= 0x04;
    fs::write(&journal, &bytes).unwrap();
    for result in [
        JournalStore::<u32>::open_read_only(dir.path()),
        JournalStore::<u32>::open(dir.path()),
    ] {
        match result {
            Err(StoreError::Corrupt {
                offset,
                problem: Corruption::Checksum { .. },
                ..
            }) => assert_eq!(offset, last),
            other => panic!("expected a checksum error, got {other:?}"),
        }
    }
    assert_eq!(fs::read(&journal).unwrap(), bytes, "the file is unchanged");
}

#[test]
fn a_length_that_swallows_later_frames_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, offsets) = three_batches(dir.path());
    let mut bytes = fs::read(&journal).unwrap();
    // The second batch now claims to run past the end of the file, over the third.
    bytes[offsets[1] as usize + 1] ^= 0x01;
    fs::write(&journal, &bytes).unwrap();
    match JournalStore::<u32>::open(dir.path()) {
        Err(StoreError::Corrupt { offset, .. }) => assert_eq!(offset, offsets[1]),
        other => panic!("expected corruption, got {other:?}"),
    }
    assert_eq!(fs::read(&journal).unwrap(), bytes);
}

#[test]
fn a_read_only_handle_reports_a_torn_tail_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, offsets) = three_batches(dir.path());
    let end = offsets[3];
    // A frame header claiming 100 bytes, then only 5 of them: a torn write.
    let mut f = fs::OpenOptions::new().append(true).open(&journal).unwrap();
    f.write_all(&[100, 0, 0, 0, 1, 2, 3, 4, b'{', b'"', 0, 0, 0])
        .unwrap();
    drop(f);
    let before = fs::read(&journal).unwrap();

    let opened = JournalStore::<u32>::open_read_only(dir.path()).unwrap();
    assert_eq!(
        opened.diagnostics,
        vec![JournalDiagnostic::TornTailFound {
            offset: end,
            bytes: 13,
            problem: Corruption::Truncated { len: 100 },
        }]
    );
    let mut store = opened.store;
    assert!(store.is_read_only());
    assert_eq!(events(&mut store), [1, 2, 3]);
    assert!(
        store.take_diagnostics().is_empty(),
        "reported once, not on every read"
    );
    assert!(matches!(
        store.append(Revision::new(3), &[4]),
        Err(AppendError::Store(StoreError::ReadOnly { .. }))
    ));
    assert!(matches!(
        store.snapshot(&0u32),
        Err(StoreError::ReadOnly { .. })
    ));
    assert_eq!(fs::read(&journal).unwrap(), before, "the file is unchanged");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("torn")),
        "nothing saved: {names:?}"
    );

    // A writer saves the cut bytes beside the journal, then truncates.
    let opened = JournalStore::<u32>::open(dir.path()).unwrap();
    let saved = dir.path().join(format!("journal.torn-{end}"));
    assert_eq!(
        opened.diagnostics,
        vec![JournalDiagnostic::TornTail {
            offset: end,
            dropped_bytes: 13,
            problem: Corruption::Truncated { len: 100 },
            saved_to: saved.clone(),
        }]
    );
    assert_eq!(fs::read(&saved).unwrap(), before[end as usize..]);
    assert_eq!(fs::metadata(&journal).unwrap().len(), end);
}

#[test]
fn a_zero_filled_tail_is_a_torn_write() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, offsets) = three_batches(dir.path());
    let mut f = fs::OpenOptions::new().append(true).open(&journal).unwrap();
    f.write_all(&[0; 4096]).unwrap();
    drop(f);
    let opened = JournalStore::<u32>::open(dir.path()).unwrap();
    assert!(matches!(
        opened.diagnostics.as_slice(),
        [JournalDiagnostic::TornTail {
            offset,
            problem: Corruption::ZeroFilled { len: 4096 },
            ..
        }] if *offset == offsets[3]
    ));
    let mut store = opened.store;
    assert_eq!(events(&mut store), [1, 2, 3]);
}

#[test]
fn a_second_cut_at_the_same_offset_does_not_overwrite_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, _) = three_batches(dir.path());
    let mut saved = Vec::new();
    for tail in [[7u8, 0, 0], [8u8, 0, 0]] {
        let mut f = fs::OpenOptions::new().append(true).open(&journal).unwrap();
        f.write_all(&tail).unwrap();
        drop(f);
        let opened = JournalStore::<u32>::open(dir.path()).unwrap();
        let [JournalDiagnostic::TornTail { saved_to, .. }] = opened.diagnostics.as_slice() else {
            panic!("expected one torn tail, got {:?}", opened.diagnostics);
        };
        saved.push(saved_to.clone());
    }
    assert_ne!(saved[0], saved[1]);
    assert_eq!(fs::read(&saved[0]).unwrap(), [7, 0, 0]);
    assert_eq!(fs::read(&saved[1]).unwrap(), [8, 0, 0]);
}

#[test]
fn a_large_crafted_tail_opens() {
    // 4 MB of candidate frames that each claim to end exactly at the end of the file (the
    // worst case for telling a torn write from a swallowed frame) used to make every open
    // quadratic; scanning is linear now, so this finishes quickly.
    let dir = tempfile::tempdir().unwrap();
    let (journal, offsets) = three_batches(dir.path());
    const TOTAL: usize = 4 << 20;
    const STEP: usize = 8 + 13;
    let total = TOTAL - TOTAL % STEP;
    let mut tail = Vec::with_capacity(total);
    while tail.len() < total {
        // The first claims one byte more than there is: a torn write, as far as it knows.
        let rest = total - tail.len() - 8 + usize::from(tail.is_empty());
        tail.extend(u32::try_from(rest).unwrap().to_le_bytes());
        tail.extend([0, 0, 0, 0]);
        tail.extend(b"{\"revision\":4");
    }
    let mut f = fs::OpenOptions::new().append(true).open(&journal).unwrap();
    f.write_all(&tail).unwrap();
    drop(f);
    let opened = JournalStore::<u32>::open_read_only(dir.path()).unwrap();
    assert!(matches!(
        opened.diagnostics.as_slice(),
        [JournalDiagnostic::TornTailFound { offset, .. }] if *offset == offsets[3]
    ));
}

#[cfg(unix)]
#[test]
fn a_journal_that_is_not_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    three_batches(dir.path());
    let journal = dir.path().join("journal");

    fs::remove_file(&journal).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &journal).unwrap();
    for result in [
        JournalStore::<u32>::open(dir.path()),
        JournalStore::<u32>::open_read_only(dir.path()),
    ] {
        match result {
            Err(StoreError::NotRegularFile { path }) => assert_eq!(path, journal),
            other => panic!("expected NotRegularFile, got {other:?}"),
        }
    }

    fs::remove_file(&journal).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&journal)
        .status()
        .unwrap();
    assert!(status.success());
    match JournalStore::<u32>::open_read_only(dir.path()) {
        Err(StoreError::NotRegularFile { path }) => assert_eq!(path, journal),
        other => panic!("expected NotRegularFile, got {other:?}"),
    }

    fs::remove_file(&journal).unwrap();
    fs::create_dir(&journal).unwrap();
    assert!(matches!(
        JournalStore::<u32>::open(dir.path()),
        Err(StoreError::NotRegularFile { .. })
    ));
}

#[test]
fn a_read_only_handle_works_without_a_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    three_batches(dir.path());
    fs::remove_file(dir.path().join("LOCK")).unwrap();
    let mut store = JournalStore::<u32>::open_read_only(dir.path())
        .unwrap()
        .store;
    assert_eq!(events(&mut store), [1, 2, 3]);
    assert!(!dir.path().join("LOCK").exists(), "no file was created");
}

#[test]
fn create_with_writes_the_first_events_with_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let opened =
        JournalStore::<u32>::create_with(dir.path(), LineageId::new("w").unwrap(), &[5, 6])
            .unwrap();
    let mut store = opened.store;
    assert_eq!(store.revision().unwrap(), Revision::new(2));
    drop(store);
    let mut again = JournalStore::<u32>::open(dir.path()).unwrap().store;
    assert_eq!(events(&mut again), [5, 6]);
}
