//! What the JUnit and Cobertura readers share: attribute lookup, byte offsets as line and
//! column, and the opaque wrapper of the XML reader's errors.

use std::fmt;

use quick_xml::events::BytesStart;

/// An error of the XML reader, kept opaque so that its type is not part of this crate's API.
///
/// It is the `source` of the malformed-XML variants ([`ParseJunitError::MalformedXml`],
/// [`ParseCoverageError::MalformedXml`]) and prints the reader's message.
///
/// [`ParseJunitError::MalformedXml`]: crate::ParseJunitError::MalformedXml
/// [`ParseCoverageError::MalformedXml`]: crate::ParseCoverageError::MalformedXml
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

/// The 1-based line and column of byte `offset` in `text` (clamped to its end).
pub(crate) fn line_col(text: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
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
}
