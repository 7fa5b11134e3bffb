//! Markdown as a forge shows it, through a real CommonMark parser (pulldown-cmark): for tests
//! that documents made from commit data carry no HTML and no unsafe link.

use pulldown_cmark::{Event, Options, Parser, Tag};

/// Every raw HTML node, image and non-`http(s)` link of `markdown` (tables and strikethrough
/// enabled, as on GitHub), described as `html …`, `image …` or `link …`. Empty when the
/// document is safe to render.
pub fn unsafe_nodes(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => found.push(format!("html {h}")),
            Event::Start(Tag::Image { dest_url, .. }) => found.push(format!("image {dest_url}")),
            Event::Start(Tag::Link { dest_url, .. })
                if !(dest_url.starts_with("https://") || dest_url.starts_with("http://")) =>
            {
                found.push(format!("link {dest_url}"));
            }
            _ => {}
        }
    }
    found
}

/// The text `markdown` shows: its text and code spans, concatenated, markup left out.
pub fn shown_text(markdown: &str) -> String {
    let mut shown = String::new();
    for event in Parser::new(markdown) {
        if let Event::Text(t) | Event::Code(t) = event {
            shown.push_str(&t);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_images_and_script_links_are_found_and_web_links_are_not() {
        let md = "<b>x</b> ![i](p.gif) [a](javascript:x) [b](https://example.org)";
        assert_eq!(
            unsafe_nodes(md),
            ["html <b>", "html </b>", "image p.gif", "link javascript:x"]
        );
        assert_eq!(shown_text("a `b` [c](https://x.org)"), "a b c");
    }
}
