//! `escape_markdown` renders as the text it escapes, through a real CommonMark parser: no raw
//! HTML, no link or image comes from the input, whatever the input.

use proptest::prelude::*;
use relman_model::text::escape_markdown;
use relman_test_support::markdown::{shown_text, unsafe_nodes};

/// The unsafe nodes and the shown text of `markdown` as a list item.
fn render(markdown: &str) -> (Vec<String>, String) {
    let item = format!("- {markdown}\n");
    (unsafe_nodes(&item), shown_text(&item))
}

#[test]
fn the_reported_subjects_render_as_text() {
    for subject in [
        "feat: <img src=x onerror=alert(1)>",
        "fix: [click](javascript:alert(1))",
        "docs: ![x](https://tracker.invalid/p.gif)",
        "chore: <javascript:alert(1)>",
        r"fix: \[x](javascript:y)",
        "feat: <script>alert(1)</script> &amp; more",
    ] {
        let (unsafe_events, shown) = render(&escape_markdown(subject));
        assert!(unsafe_events.is_empty(), "{subject}: {unsafe_events:?}");
        assert_eq!(shown, subject);
    }
}

proptest! {
    #[test]
    fn no_input_makes_html_or_links(s in "[ a-z<>&\\[\\]()!\\\\:/=\"'`#*_-]{0,40}") {
        let (unsafe_events, _) = render(&escape_markdown(&s));
        prop_assert!(unsafe_events.is_empty(), "{:?} -> {:?}", s, unsafe_events);
    }

    #[test]
    fn text_without_emphasis_or_code_shows_as_written(
        // Inline text, as in a list item: it starts and ends with a letter (a leading `-` or
        // `1.` would be block syntax, which the item's own marker decides).
        s in "[a-z]([ a-z0-9<>&\\[\\]()!\\\\:/=\"'.,-]{0,38}[a-z])?"
    ) {
        let (_, shown) = render(&escape_markdown(&s));
        prop_assert_eq!(shown, s);
    }
}
