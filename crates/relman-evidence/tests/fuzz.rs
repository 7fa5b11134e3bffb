//! Fuzzing the report parsers: JUnit XML ([`parse_junit`]) and Cobertura / LCOV coverage
//! ([`parse_coverage`]). Arbitrary text, token soup and mutations of the seed corpora
//! `tests/fuzz/junit/` and `tests/fuzz/coverage/` never panic; errors are typed, non-empty and
//! point inside the report; a coverage figure is a percentage.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use proptest::prelude::*;
use relman_evidence::{ParseCoverageError, ParseJunitError, parse_coverage, parse_junit};
use relman_model::TestKind;
use relman_test_support::fuzz::{cases, mutate, mutations, token_soup, within};

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
        ParseJunitError::Xml(e) => Some(e.position()),
        ParseJunitError::InvalidTime { line, column, .. } => Some((*line, *column)),
        _ => None,
    }
}

fn coverage_position(e: &ParseCoverageError) -> Option<(usize, usize)> {
    match e {
        ParseCoverageError::Xml(e) => Some(e.position()),
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

/// The seed corpus `tests/fuzz/<name>/` of this crate.
fn corpus(name: &str) -> &'static [Vec<u8>] {
    relman_test_support::fuzz::corpus(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz")
            .join(name),
    )
}
