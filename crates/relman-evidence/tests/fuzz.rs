//! Fuzzing the report parsers: JUnit XML ([`parse_junit`]) and Cobertura / LCOV coverage
//! ([`parse_coverage`]). Arbitrary text, token soup and mutations of the seed corpora
//! `tests/fuzz/junit/` and `tests/fuzz/coverage/` never panic; errors are typed, non-empty and
//! point inside the report; a coverage figure is a percentage.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use proptest::prelude::*;
use relman_evidence::{ParseCoverageError, ParseJunitError, parse_coverage, parse_junit};
use relman_model::TestKind;

const XML_TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x>",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "&amp;",
    "&lt;",
    "&#x0;",
    "&#1114112;",
    "&bogus;",
    "\"",
    "'",
    "=",
    " ",
    "\n",
    "<testsuites>",
    "</testsuites>",
    "<testsuite name=\"s\">",
    "</testsuite>",
    "<testcase",
    "</testcase>",
    " time=\"",
    "NaN",
    "-1",
    "1e308",
    "inf",
    "<failure/>",
    "<error/>",
    "<skipped/>",
    "<coverage",
    "</coverage>",
    " line-rate=\"",
    " lines-covered=\"",
    " lines-valid=\"",
    "18446744073709551616",
    "0.5",
    "xmlns:a=\"u\"",
    "a:",
];

const LCOV_TOKENS: &[&str] = &[
    "SF:",
    "LF:",
    "LH:",
    "DA:",
    "FN:",
    "BRDA:",
    "TN:",
    "end_of_record",
    "\n",
    "\r\n",
    ":",
    ",",
    "0",
    "1",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    " ",
];

/// The position an error names, if any.
fn junit_position(e: &ParseJunitError) -> Option<(usize, usize)> {
    match e {
        ParseJunitError::MalformedXml { line, column, .. }
        | ParseJunitError::Truncated { line, column, .. }
        | ParseJunitError::SecondRoot { line, column }
        | ParseJunitError::InvalidTime { line, column, .. } => Some((*line, *column)),
        _ => None,
    }
}

fn coverage_position(e: &ParseCoverageError) -> Option<(usize, usize)> {
    match e {
        ParseCoverageError::MalformedXml { line, column, .. }
        | ParseCoverageError::Truncated { line, column, .. }
        | ParseCoverageError::SecondRoot { line, column } => Some((*line, *column)),
        ParseCoverageError::MissingLineRate { line }
        | ParseCoverageError::InvalidLineRate { line, .. }
        | ParseCoverageError::LineRateOutOfRange { line, .. }
        | ParseCoverageError::InvalidLineCount { line, .. }
        | ParseCoverageError::CoveredExceedsValid { line, .. }
        | ParseCoverageError::LineRateMismatch { line, .. }
        | ParseCoverageError::InvalidCount { line, .. }
        | ParseCoverageError::HitExceedsFound { line, .. }
        | ParseCoverageError::DuplicateCount { line, .. }
        | ParseCoverageError::OutsideRecord { line, .. }
        | ParseCoverageError::UnterminatedRecord { line } => Some((*line, 1)),
        _ => None,
    }
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match parse_junit(text, TestKind::Integration) {
        Ok(run) => {
            prop_assert_eq!(run.kind, TestKind::Integration);
            prop_assert!(run.coverage.is_none());
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let Some((line, column)) = junit_position(&e) {
                prop_assert!(within(text, line, column), "{e:?} points outside {text:?}");
            }
        }
    }
    match parse_coverage(text) {
        Ok(percent) => prop_assert!((0.0..=100.0).contains(&percent), "{percent}"),
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let Some((line, column)) = coverage_position(&e) {
                prop_assert!(within(text, line, column), "{e:?} points outside {text:?}");
            }
        }
    }
    Ok(())
}

#[test]
fn every_seed_is_checked_and_valid() {
    for seed in corpus("junit") {
        let text = String::from_utf8_lossy(seed);
        check(&text).expect("a seed passes the checks");
        parse_junit(&text, TestKind::Unit).expect("the JUnit seeds are valid");
    }
    for seed in corpus("coverage") {
        let text = String::from_utf8_lossy(seed);
        check(&text).expect("a seed passes the checks");
        parse_coverage(&text).expect("the coverage seeds are valid");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn xml_token_soup_never_panics(text in token_soup(XML_TOKENS)) {
        check(&text)?;
    }

    #[test]
    fn lcov_token_soup_never_panics(text in token_soup(LCOV_TOKENS)) {
        check(&text)?;
    }

    #[test]
    fn mutated_junit_never_panics((seed, edits) in mutations()) {
        let bytes = mutate(corpus("junit"), XML_TOKENS, seed, &edits);
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn mutated_coverage_never_panics((seed, edits) in mutations()) {
        let tokens = if seed % 2 == 0 { XML_TOKENS } else { LCOV_TOKENS };
        let bytes = mutate(corpus("coverage"), tokens, seed, &edits);
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
