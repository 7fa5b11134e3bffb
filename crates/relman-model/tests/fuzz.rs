//! Fuzzing the Conventional Commits parser: arbitrary text, token soup and mutations of the
//! seed corpus `tests/fuzz/commit/` never panic; a rejection names a line and column inside
//! the message, and an accepted message renders to text that parses back to the same commit.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use proptest::prelude::*;
use relman_model::commit::{
    CommitType, ConventionalCommit, FooterToken, IssueRef, ParseCommitError, ParseOptions, Scope,
};
use relman_test_support::fuzz::{cases, mutate, mutations, token_soup, within};

const TOKENS: &[&str] = &[
    "feat",
    "fix",
    "(",
    ")",
    "!",
    ":",
    ": ",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "#",
    " #",
    "BREAKING CHANGE: ",
    "BREAKING-CHANGE: ",
    "Refs: ",
    "Closes #1",
    "Co-authored-by: ",
    "-",
    "_",
    "()",
    "( x )",
    "\u{0}",
    "\u{7f}",
    "é",
    "🚀",
    "\u{200b}",
];

/// Parses `message` strictly and leniently; checks the error position or the round trip.
fn check(message: &str) -> Result<(), TestCaseError> {
    for options in [ParseOptions::strict(), ParseOptions::lenient()] {
        match ConventionalCommit::parse_with(message, &options) {
            Ok(commit) => {
                let rendered = commit.to_string();
                let again = ConventionalCommit::parse_with(&rendered, &options);
                prop_assert_eq!(
                    again.as_ref(),
                    Ok(&commit),
                    "{:?} rendered as {:?} does not parse back",
                    message,
                    rendered
                );
            }
            Err(e) => check_error(message, &e)?,
        }
    }
    Ok(())
}

fn check_error(message: &str, e: &ParseCommitError) -> Result<(), TestCaseError> {
    prop_assert!(!e.to_string().is_empty());
    prop_assert!(
        within(message, e.line, e.column),
        "{e} points outside {message:?}"
    );
    Ok(())
}

/// The validated newtypes of the module take any string without panicking.
fn check_newtypes(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = CommitType::new(text) {
        prop_assert!(!e.to_string().is_empty());
    }
    if let Err(e) = Scope::new(text) {
        prop_assert!(!e.to_string().is_empty());
    }
    if let Err(e) = FooterToken::new(text) {
        prop_assert!(!e.to_string().is_empty());
    }
    if let Err(e) = IssueRef::new(text) {
        prop_assert!(!e.to_string().is_empty());
    }
    Ok(())
}

#[test]
fn every_seed_is_checked_and_most_parse() {
    let seeds = corpus("commit");
    let mut accepted = 0;
    for seed in seeds {
        let text = String::from_utf8_lossy(seed);
        check(&text).expect("a seed passes the checks");
        accepted +=
            usize::from(ConventionalCommit::parse_with(&text, &ParseOptions::lenient()).is_ok());
    }
    // The corpus holds one message that is not a Conventional Commit at all.
    assert_eq!(accepted, seeds.len() - 1, "the seeds are meant to be valid");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1024)))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        check(&text)?;
        check_newtypes(&text)?;
    }

    #[test]
    fn token_soup_never_panics(text in token_soup(TOKENS)) {
        check(&text)?;
        check_newtypes(&text)?;
    }

    #[test]
    fn mutated_seeds_never_panic((seed, edits) in mutations()) {
        let bytes = mutate(corpus("commit"), TOKENS, seed, &edits);
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
