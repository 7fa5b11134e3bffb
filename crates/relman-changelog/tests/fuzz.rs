//! Fuzzing the Keep a Changelog parser and `insert_release`: arbitrary text, token soup and
//! mutations of the seed corpus `tests/fuzz/document/` never panic; every span the parser
//! returns slices the text, lines lie within it, and an insertion undoes to the original.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use proptest::prelude::*;
use relman_changelog::document::{
    ChangelogFile, InsertReleaseError, LinkTarget, NewRelease, SectionLabel, insert_release,
};
use relman_test_support::fuzz::{cases, mutate, mutations, token_soup};

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

/// The seed corpus `tests/fuzz/<name>/` of this crate.
fn corpus(name: &str) -> &'static [Vec<u8>] {
    relman_test_support::fuzz::corpus(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz")
            .join(name),
    )
}
