//! Property tests of the in-place update of a Keep a Changelog file.

use proptest::prelude::*;
use relman_changelog::document::{
    ChangelogFile, EditKind, InsertReleaseError, LinkTarget, NewRelease, SectionLabel,
    insert_release,
};

fn content_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ]{0,20}",
        "- [a-z`*_#]{1,15}",
        "### (Added|Fixed|Changed)",
        Just(String::new()),
        Just("```".to_owned()),
        Just("## not a release".to_owned()),
        "\\[[a-z0-9.]{1,6}\\]: https://[a-z./]{1,12}",
        "[^\n]{0,12}",
    ]
}

fn file() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(content_line(), 0..4),
        any::<bool>(),
        prop::collection::vec(content_line(), 0..4),
        prop::collection::btree_set((0u8..4, 0u8..10, 0u8..10), 0..4),
        prop::collection::vec(content_line(), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(title, preamble, unreleased, wip, versions, body, links, newline)| {
                let mut s = String::new();
                if title {
                    s.push_str("# Changelog\n\n");
                }
                for l in preamble {
                    s.push_str(&l);
                    s.push('\n');
                }
                if unreleased {
                    s.push_str("## [Unreleased]\n\n");
                    for l in &wip {
                        s.push_str(l);
                        s.push('\n');
                    }
                }
                let mut versions: Vec<_> = versions.into_iter().collect();
                versions.reverse();
                for (ma, mi, pa) in &versions {
                    s.push_str(&format!(
                        "## [{ma}.{mi}.{pa}] - 2026-01-0{}\n\n",
                        pa % 9 + 1
                    ));
                    for l in &body {
                        s.push_str(l);
                        s.push('\n');
                    }
                }
                if links {
                    s.push_str("\n[Unreleased]: https://x.org/compare/v0.0.1...HEAD\n");
                    for (ma, mi, pa) in &versions {
                        s.push_str(&format!(
                            "[{ma}.{mi}.{pa}]: https://x.org/v{ma}.{mi}.{pa}\n"
                        ));
                    }
                }
                if !newline && s.ends_with('\n') {
                    s.pop();
                }
                s
            },
        )
}

const SECTION: &str = "## [9.0.0] - 2026-11-28\n\n### Added\n\n- **cli**: a thing\n";

fn remove(text: &str, range: std::ops::Range<usize>) -> String {
    format!("{}{}", &text[..range.start], &text[range.end..])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Removing the inserted section gives back the original file exactly (plus the replaced
    /// `[Unreleased]` section when there was one).
    #[test]
    fn removing_the_section_gives_back_the_original(text in file()) {
        let before = ChangelogFile::parse(&text);
        let release = NewRelease::new(SectionLabel::version("9.0.0"), SECTION);
        let done = match insert_release(&text, &release) {
            Err(InsertReleaseError::UnclosedCodeFence { .. }) => return Ok(()),
            other => other.expect("9.0.0 is new"),
        };
        prop_assert_eq!(done.edits.len(), 1);
        let section = done.section();
        prop_assert!(done.text[section.clone()].trim_start_matches('\n').starts_with(SECTION));
        match before.unreleased() {
            None => prop_assert_eq!(remove(&done.text, section), text.clone()),
            Some(unreleased) => {
                let restored = format!(
                    "{}{}{}",
                    &done.text[..section.start],
                    &text[unreleased.span.clone()],
                    &done.text[section.end..]
                );
                prop_assert_eq!(restored, text.clone());
            }
        }
        prop_assert_eq!(done.undo(), text);

        let after = ChangelogFile::parse(&done.text);
        prop_assert!(after.unreleased().is_none());
        let first = after
            .sections
            .iter()
            .find(|s| s.kind.label().is_some())
            .expect("a release section");
        prop_assert_eq!(first.kind.label(), Some(SectionLabel::version("9.0.0")));
        prop_assert_eq!(after.versions().filter(|v| *v == "9.0.0").count(), 1);
        let again = insert_release(&done.text, &release);
        let already = matches!(again, Err(InsertReleaseError::AlreadyPresent { .. }));
        prop_assert!(already);
    }

    /// With link definitions, every edit is reverted exactly and the links are in place.
    #[test]
    fn link_edits_are_reversible(text in file()) {
        let links = [
            LinkTarget::new("Unreleased", "https://x.org/compare/v9.0.0...HEAD"),
            LinkTarget::new("9.0.0", "https://x.org/compare/v0.0.1...v9.0.0"),
        ];
        let release = NewRelease::new(SectionLabel::version("9.0.0"), SECTION).with_links(&links);
        let done = match insert_release(&text, &release) {
            Err(InsertReleaseError::UnclosedCodeFence { .. }) => return Ok(()),
            other => other.expect("9.0.0 is new"),
        };
        prop_assert_eq!(done.undo(), text.clone());
        let mut at = 0;
        for edit in &done.edits {
            prop_assert!(edit.original.start >= at);
            prop_assert_eq!(&text[edit.original.clone()], edit.replaced.as_str());
            at = edit.original.end;
        }
        prop_assert_eq!(done.edits.iter().filter(|e| e.kind == EditKind::Section).count(), 1);
        let after = ChangelogFile::parse(&done.text);
        for target in &links {
            let found = after
                .links
                .iter()
                .find(|l| l.label.eq_ignore_ascii_case(&target.label))
                .expect("the link is defined");
            prop_assert_eq!(&found.url, &target.url);
        }
    }

    /// Any text at all: parsing never panics, and insertion is exactly reversible.
    #[test]
    fn any_text_is_handled(text in "(\\PC|\n|#|\\[|\\]|:|`){0,200}") {
        let file = ChangelogFile::parse(&text);
        for s in &file.sections {
            prop_assert!(text.get(s.span.clone()).is_some());
        }
        let release = NewRelease::new(SectionLabel::version("9.0.0"), SECTION)
            .with_links(&[]);
        match insert_release(&text, &release) {
            Ok(done) => prop_assert_eq!(done.undo(), text),
            Err(InsertReleaseError::AlreadyPresent { .. } | InsertReleaseError::UnclosedCodeFence { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
