//! What the JUnit and Cobertura readers share: a reader that insists on one complete document,
//! attribute lookup, byte offsets as line and column (in characters), and the opaque wrapper of the XML reader's
//! errors.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// An error of the XML reader, kept opaque so that its type is not part of this crate's API.
///
/// It is the `source` of [`XmlDocumentError::Malformed`] and prints the reader's message.
#[derive(Debug)]
pub struct XmlError(quick_xml::Error);

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The reader's message already includes its own cause; no `source` below it.
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for XmlError {}

impl From<quick_xml::Error> for XmlError {
    fn from(e: quick_xml::Error) -> Self {
        XmlError(e)
    }
}

/// Why a text is not one complete XML document: the part of [`ParseJunitError`] and
/// [`ParseCoverageError`] the two XML readers share. Lines and columns are 1-based; columns
/// count characters.
///
/// [`ParseJunitError`]: crate::ParseJunitError
/// [`ParseCoverageError`]: crate::ParseCoverageError
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlDocumentError {
    /// The XML reader refused the text at `line`, `column`.
    #[error("malformed XML at line {line}, column {column}")]
    Malformed {
        /// The line where the bad event starts.
        line: usize,
        /// The column where the bad event starts.
        column: usize,
        /// What the XML reader found wrong.
        #[source]
        source: XmlError,
    },
    /// The text ends while `element`, opened at `line`, `column`, is still open: a file cut
    /// off mid-way, which would otherwise count fewer tests or lines.
    #[error("cut off: <{element}> opened at line {line}, column {column} is never closed")]
    Truncated {
        /// The outermost element left open.
        element: String,
        /// The line of its start tag.
        line: usize,
        /// The column of its start tag.
        column: usize,
    },
    /// A second root element starts at `line`, `column` (two documents pasted together).
    #[error("a second root element starts at line {line}, column {column}")]
    SecondRoot {
        /// The line of the second root.
        line: usize,
        /// The column of the second root.
        column: usize,
    },
}

impl XmlDocumentError {
    /// Where the fault is: its 1-based line and column (in characters).
    pub fn position(&self) -> (usize, usize) {
        match self {
            Self::Malformed { line, column, .. }
            | Self::Truncated { line, column, .. }
            | Self::SecondRoot { line, column } => (*line, *column),
        }
    }
}

/// Reads one XML document event by event and fails, rather than stop early, when the text ends
/// before every element is closed or when a second root element follows the first.
pub(crate) struct Document<'a> {
    text: &'a str,
    reader: Reader<&'a [u8]>,
    /// The elements open at the current position, with the byte offsets of their start tags.
    open: Vec<(String, u64)>,
    seen_root: bool,
}

impl<'a> Document<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            reader: Reader::from_str(text),
            open: Vec::new(),
            seen_root: false,
        }
    }

    /// The 1-based line and column of byte `offset` of the text.
    pub(crate) fn line_col(&self, offset: u64) -> (usize, usize) {
        line_col(self.text, offset)
    }

    /// The next event with the byte offset where it starts; `None` at the end of a complete
    /// document.
    pub(crate) fn next_event(&mut self) -> Result<Option<(u64, Event<'a>)>, XmlDocumentError> {
        let pos = self.reader.buffer_position();
        let event = self.reader.read_event().map_err(|e| {
            let (line, column) = line_col(self.text, pos);
            XmlDocumentError::Malformed {
                line,
                column,
                source: e.into(),
            }
        })?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                if self.open.is_empty() {
                    if self.seen_root {
                        let (line, column) = line_col(self.text, pos);
                        return Err(XmlDocumentError::SecondRoot { line, column });
                    }
                    self.seen_root = true;
                }
                if matches!(event, Event::Start(_)) {
                    let name = e.name().as_ref().to_owned();
                    self.open.push((name, pos));
                }
            }
            Event::End(_) => {
                // The reader checks that end tags match their start tags.
                self.open.pop();
            }
            Event::Eof => {
                return match self.open.first() {
                    Some((element, at)) => {
                        let (line, column) = line_col(self.text, *at);
                        Err(XmlDocumentError::Truncated {
                            element: element.clone(),
                            line,
                            column,
                        })
                    }
                    None => Ok(None),
                };
            }
            _ => {}
        }
        Ok(Some((pos, event)))
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text` (clamped to its
/// end).
pub(crate) fn line_col(text: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    // Count characters, not bytes: skip UTF-8 continuation bytes (`offset` may even fall
    // inside a character).
    let col = before[line_start..]
        .iter()
        .filter(|b| **b & 0xC0 != 0x80)
        .count()
        + 1;
    (line, col)
}

/// The normalized value of attribute `name`, if present and well formed.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncd\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 4), (2, 2));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    /// Found by `tests/fuzz.rs`: the column counted bytes, so a line holding a non-ASCII
    /// character reported a column past its end.
    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "\u{800}&";
        assert_eq!(line_col(text, 4), (1, 3));
        assert_eq!(line_col("a\n\u{e9}\u{e9}x", 6), (2, 3));
        // An offset inside a character counts that character.
        assert_eq!(line_col("\u{e9}", 1), (1, 2));
    }

    fn drain(text: &str) -> Result<usize, XmlDocumentError> {
        let mut doc = Document::new(text);
        let mut events = 0;
        while doc.next_event()?.is_some() {
            events += 1;
        }
        Ok(events)
    }

    #[test]
    fn a_document_cut_off_names_its_outermost_open_element() {
        let err = drain("<a>\n  <b>\n    <c/>").expect_err("cut off");
        assert!(
            matches!(&err, XmlDocumentError::Truncated { element, line: 1, column: 1 } if element == "a"),
            "{err:?}"
        );
        assert!(matches!(
            drain("<a><b name=\"x"),
            Err(XmlDocumentError::Malformed { .. } | XmlDocumentError::Truncated { .. })
        ));
    }

    #[test]
    fn a_second_root_is_refused_and_a_complete_document_is_not() {
        assert!(matches!(
            drain("<a/>\n<a/>"),
            Err(XmlDocumentError::SecondRoot { line: 2, column: 1 })
        ));
        let complete = drain("<?xml version=\"1.0\"?>\n<a><b/></a>\n");
        assert!(complete.is_ok(), "{complete:?}");
    }
}
