//! Text from commits and other people's input, made safe to put in a document or a terminal.
//!
//! Commit subjects, scopes, author names and change-request titles reach Markdown files that
//! forges render (changelogs, release notes, plans, reviews) and the terminal. A subject such as
//! `feat: <img src=x onerror=alert(1)>` or `[docs](javascript:alert(1))` must show as the text
//! it is, and an escape sequence in a commit message must not drive the terminal.
//!
//! ```
//! use relman_model::text::{escape_control, escape_markdown};
//!
//! assert_eq!(
//!     escape_markdown("feat: <img src=x> & [a](javascript:x)"),
//!     r"feat: &lt;img src=x&gt; &amp; \[a\](javascript:x)"
//! );
//! // Code spans render their content literally: left as written.
//! assert_eq!(escape_markdown("accept `Vec<u8>`"), "accept `Vec<u8>`");
//! assert_eq!(escape_control("red \u{1b}[31m"), r"red \u{1b}[31m");
//! ```

use std::borrow::Cow;

/// `text` as inline Markdown that renders as exactly that text, with no HTML, link or image
/// coming from it: `<`, `>` and `&` become entities; `[`, `]` and `\` are backslash-escaped
/// (so no link or image can form); control characters are escaped as by [`escape_control`].
/// Code spans (`` `…` ``, closed by a backtick run of the same length) are kept as written,
/// since their content renders literally; emphasis and other inline syntax are left alone.
pub fn escape_markdown(text: &str) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '<' | '>' | '&' | '[' | ']' | '\\') || is_control(c);
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            let run = rest.len() - rest.trim_start_matches('`').len();
            if let Some(len) = code_span(rest, run) {
                push_escaped_control(&mut out, &rest[..len]);
                rest = &rest[len..];
            } else {
                out.push_str(&rest[..run]);
                rest = &rest[run..];
            }
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_control(c) => push_control(&mut out, c),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of the code span at the start of `text`, opened by a backtick run of `run`
/// characters, if a run of exactly that length closes it.
fn code_span(text: &str, run: usize) -> Option<usize> {
    let mut at = run;
    while let Some(found) = text[at..].find('`') {
        let start = at + found;
        let len = text[start..].len() - text[start..].trim_start_matches('`').len();
        if len == run {
            return Some(start + len);
        }
        at = start + len;
    }
    None
}

/// `text` with every control character except tab and line feed written as `\u{…}`, so that
/// printing it cannot move the cursor, change colours or retitle the terminal.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped_control(&mut out, text);
    Cow::Owned(out)
}

fn push_escaped_control(out: &mut String, text: &str) {
    for c in text.chars() {
        if is_control(c) {
            push_control(out, c);
        } else {
            out.push(c);
        }
    }
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn push_control(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            escape_markdown("fix: a plain subject"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(escape_control("tab\there\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn backslashes_cannot_unescape_a_bracket() {
        assert_eq!(
            escape_markdown(r"\[x](javascript:y)"),
            r"\\\[x\](javascript:y)"
        );
    }

    #[test]
    fn unclosed_backticks_are_literal_and_the_rest_is_escaped() {
        assert_eq!(escape_markdown("a ` <b>"), "a ` &lt;b&gt;");
        assert_eq!(escape_markdown("``a`<b>"), "``a`&lt;b&gt;");
        assert_eq!(escape_markdown("``a`b`` <c>"), "``a`b`` &lt;c&gt;");
    }

    #[test]
    fn control_characters_are_escaped_everywhere() {
        assert_eq!(escape_markdown("a\u{7}`\u{1b}`"), r"a\u{7}`\u{1b}`");
        assert_eq!(escape_control("\u{9b}2J"), r"\u{9b}2J");
    }
}
