//! Fuzzing the Keep a Changelog parser and `insert_release`: arbitrary text, token soup and
//! mutations of the seed corpus `tests/fuzz/document/` never panic; every span the parser
//! returns slices the text, lines lie within it, and an insertion undoes to the original.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use proptest::prelude::*;
use relman_changelog::document::{
    ChangelogFile, InsertReleaseError, LinkTarget, NewRelease, SectionLabel, insert_release,
};

const TOKENS: &[&str] = &[
    "# ",
    "## ",
    "### ",
    "[Unreleased]",
    "[1.0.0]",
    " - ",
    "2026-01-01",
    "\n",
    "\n\n",
    "\r\n",
    "```",
    "~~~",
    "    ",
    "[1.0.0]: ",
    "https://example.com/",
    "- ",
    "[",
    "]",
    "(",
    ")",
    ":",
    "é",
    "\u{feff}",
    "\u{0}",
    "v",
];

const SECTION: &str = "## [9.9.9] - 2026-12-05\n\n### Added\n\n- fuzzing\n";

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Parses `text` and checks the ranges and lines it reports, then inserts a release.
fn check(text: &str) -> Result<(), TestCaseError> {
    let file = ChangelogFile::parse(text);
    let lines = line_count(text);
    prop_assert!(text.get(file.preamble.clone()).is_some());
    let mut end = file.preamble.end;
    for section in &file.sections {
        prop_assert!(text.get(section.span.clone()).is_some(), "{section:?}");
        prop_assert!(section.span.start >= end, "sections overlap: {section:?}");
        end = section.span.end;
        prop_assert!((1..=lines).contains(&section.line), "{section:?}");
    }
    for link in &file.links {
        prop_assert!(text.get(link.span.clone()).is_some(), "{link:?}");
        prop_assert!(text.get(link.url_span.clone()).is_some(), "{link:?}");
        prop_assert!(
            link.span.start <= link.url_span.start && link.url_span.end <= link.span.end,
            "{link:?}"
        );
        prop_assert!((1..=lines).contains(&link.line), "{link:?}");
    }
    if let Some(block) = &file.link_block {
        prop_assert!(text.get(block.clone()).is_some(), "{block:?}");
    }
    for diagnostic in &file.diagnostics {
        prop_assert!(!diagnostic.to_string().is_empty());
        prop_assert!((1..=lines).contains(&diagnostic.line), "{diagnostic:?}");
    }

    let label = SectionLabel::version("9.9.9");
    let links = [LinkTarget::new("9.9.9", "https://example.com/v9.9.9")];
    let release = NewRelease::new(label.clone(), SECTION).with_links(&links);
    match insert_release(text, &release) {
        Ok(insertion) => {
            prop_assert_eq!(insertion.undo(), text);
            prop_assert!(insertion.text.get(insertion.section()).is_some());
            prop_assert!(
                ChangelogFile::parse(&insertion.text)
                    .section(&label)
                    .is_some()
            );
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let InsertReleaseError::AlreadyPresent { line, .. }
            | InsertReleaseError::UnclosedCodeFence { line } = e
            {
                prop_assert!((1..=lines).contains(&line), "{e:?}");
            }
        }
    }
    Ok(())
}

#[test]
fn every_seed_is_checked() {
    let seeds = corpus("document");
    for seed in seeds {
        check(&String::from_utf8_lossy(seed)).expect("a seed passes the checks");
    }
    let golden = ChangelogFile::parse(&String::from_utf8_lossy(&seeds[0]));
    assert!(
        golden.unreleased().is_some(),
        "the first seed is a real changelog"
    );
    assert!(golden.diagnostics.is_empty(), "{:?}", golden.diagnostics);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1024)))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn token_soup_never_panics(text in token_soup(TOKENS)) {
        check(&text)?;
    }

    #[test]
    fn mutated_seeds_never_panic((seed, edits) in mutations()) {
        let bytes = mutate(corpus("document"), TOKENS, seed, &edits);
        check(&String::from_utf8_lossy(&bytes))?;
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

/// Text made of the format's tokens and arbitrary characters: closer to the grammar than
/// arbitrary bytes, so it reaches further into the parser.
fn token_soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        2 => (0..tokens.len()).prop_map(move |i| tokens[i].to_owned()),
        1 => any::<char>().prop_map(String::from),
        1 => (0u8..128).prop_map(|b| char::from(b).to_string()),
    ];
    proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
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
