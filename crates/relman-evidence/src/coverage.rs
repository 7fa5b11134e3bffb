//! Coverage reports into a line-coverage percentage.
//!
//! Two formats, told apart by content: Cobertura XML (text starting with `<`; the `line-rate`
//! attribute of the root `<coverage>` element, 0 to 1) and LCOV tracefiles (`LF:` lines found
//! and `LH:` lines hit, summed over every `SF:` record).

use std::num::{ParseFloatError, ParseIntError};
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::xml::{XmlError, attr, line_col};

/// Returned by [`parse_coverage`] when the text is neither a Cobertura nor an LCOV report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseCoverageError {
    /// Cobertura: the text is not well-formed XML.
    #[error("malformed XML at line {line}, column {column}")]
    MalformedXml {
        /// The 1-based line where the bad event starts.
        line: usize,
        /// The 1-based column (in bytes) where the bad event starts.
        column: usize,
        /// What the XML reader found wrong.
        #[source]
        source: XmlError,
    },
    /// Cobertura: well-formed XML without a `<coverage>` element.
    #[error("no <coverage> element")]
    NoCoverageElement,
    /// Cobertura: the `<coverage>` element has no `line-rate` attribute.
    #[error("<coverage> has no line-rate attribute")]
    MissingLineRate {
        /// The 1-based line of the `<coverage>` element.
        line: usize,
    },
    /// Cobertura: `line-rate` is not a number.
    #[error("line-rate {value:?} is not a number")]
    InvalidLineRate {
        /// The attribute's text.
        value: String,
        /// Why it is not a number.
        #[source]
        source: ParseFloatError,
    },
    /// Cobertura: `line-rate` is a number outside 0..=1.
    #[error("line-rate {rate} is outside 0..1")]
    LineRateOutOfRange {
        /// The rate found.
        rate: f64,
    },
    /// LCOV: an `LF:` or `LH:` record does not hold a count.
    #[error("line {line}: {value:?} is not a count")]
    InvalidCount {
        /// The 1-based line of the record.
        line: usize,
        /// The text after `LF:` or `LH:`.
        value: String,
        /// Why it is not a count.
        #[source]
        source: ParseIntError,
    },
    /// LCOV (or anything not starting with `<`): no `LF:` record counts an instrumented line.
    #[error("no LF: records (no instrumented lines)")]
    NoInstrumentedLines,
}

/// Returned by [`read_coverage`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadCoverageError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a coverage report.
    #[error("{} is not a Cobertura or LCOV coverage report", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why it is not one.
        #[source]
        source: ParseCoverageError,
    },
}

/// Reads the coverage report at `path` (Cobertura XML or LCOV) into a line-coverage percentage
/// (see [`parse_coverage`]).
///
/// # Errors
///
/// [`ReadCoverageError::Io`] when the file cannot be read as UTF-8 text,
/// [`ReadCoverageError::Parse`] when its content is not a coverage report.
pub fn read_coverage(path: &Path) -> Result<f64, ReadCoverageError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadCoverageError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_coverage(&text).map_err(|source| ReadCoverageError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Parses Cobertura XML (`<coverage line-rate="0.81">`) or an LCOV tracefile (`LF:`/`LH:`
/// records) into a line-coverage percentage, 0 to 100. Text whose first non-blank character is
/// `<` is read as Cobertura, anything else as LCOV. Runs in time linear in the length of `text`.
///
/// ```
/// use relman_evidence::parse_coverage;
///
/// let lcov = "SF:a.rs\nLF:10\nLH:5\nend_of_record\nSF:b.rs\nLF:30\nLH:27\nend_of_record\n";
/// assert_eq!(parse_coverage(lcov)?, 80.0);
/// # Ok::<(), relman_evidence::ParseCoverageError>(())
/// ```
///
/// # Errors
///
/// Cobertura: [`ParseCoverageError::MalformedXml`], [`NoCoverageElement`],
/// [`MissingLineRate`], [`InvalidLineRate`], [`LineRateOutOfRange`]. LCOV:
/// [`InvalidCount`] naming the line, [`NoInstrumentedLines`].
///
/// [`NoCoverageElement`]: ParseCoverageError::NoCoverageElement
/// [`MissingLineRate`]: ParseCoverageError::MissingLineRate
/// [`InvalidLineRate`]: ParseCoverageError::InvalidLineRate
/// [`LineRateOutOfRange`]: ParseCoverageError::LineRateOutOfRange
/// [`InvalidCount`]: ParseCoverageError::InvalidCount
/// [`NoInstrumentedLines`]: ParseCoverageError::NoInstrumentedLines
pub fn parse_coverage(text: &str) -> Result<f64, ParseCoverageError> {
    if text.trim_start().starts_with('<') {
        parse_cobertura(text)
    } else {
        parse_lcov(text)
    }
}

fn parse_cobertura(text: &str) -> Result<f64, ParseCoverageError> {
    let mut reader = Reader::from_str(text);
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            let (line, column) = line_col(text, pos);
            ParseCoverageError::MalformedXml {
                line,
                column,
                source: e.into(),
            }
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "coverage" => {
                let rate =
                    attr(&e, "line-rate").ok_or_else(|| ParseCoverageError::MissingLineRate {
                        line: line_col(text, pos).0,
                    })?;
                let rate: f64 =
                    rate.trim()
                        .parse()
                        .map_err(|source| ParseCoverageError::InvalidLineRate {
                            value: rate.clone(),
                            source,
                        })?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(ParseCoverageError::LineRateOutOfRange { rate });
                }
                return Ok(rate * 100.0);
            }
            Event::Eof => return Err(ParseCoverageError::NoCoverageElement),
            _ => {}
        }
    }
}

fn parse_lcov(text: &str) -> Result<f64, ParseCoverageError> {
    let (mut found, mut hit) = (0u64, 0u64);
    for (n, line) in text.lines().enumerate() {
        let count = |v: &str| -> Result<u64, ParseCoverageError> {
            v.trim()
                .parse()
                .map_err(|source| ParseCoverageError::InvalidCount {
                    line: n + 1,
                    value: v.to_owned(),
                    source,
                })
        };
        if let Some(v) = line.strip_prefix("LF:") {
            found = found.saturating_add(count(v)?);
        } else if let Some(v) = line.strip_prefix("LH:") {
            hit = hit.saturating_add(count(v)?);
        }
    }
    if found == 0 {
        return Err(ParseCoverageError::NoInstrumentedLines);
    }
    Ok(100.0 * hit as f64 / found as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobertura_line_rate_is_a_percentage() {
        let c = parse_coverage(
            r#"<?xml version="1.0"?><coverage line-rate="0.815" branch-rate="0"></coverage>"#,
        )
        .expect("cobertura parses");
        assert!((c - 81.5).abs() < 1e-9);
    }

    #[test]
    fn lcov_sums_every_record() {
        let l = parse_coverage(
            "TN:\nSF:a.rs\nLF:10\nLH:5\nend_of_record\nSF:b.rs\nLF:30\nLH:27\nend_of_record\n",
        )
        .expect("lcov parses");
        assert!((l - 80.0).abs() < 1e-9);
    }

    #[test]
    fn lcov_errors_name_the_line() {
        let err = parse_coverage("SF:a.rs\nLF:x").expect_err("not a count");
        assert!(
            matches!(&err, ParseCoverageError::InvalidCount { line: 2, value, .. } if value == "x"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "line 2: \"x\" is not a count");
        assert!(matches!(
            parse_coverage("TN:\n"),
            Err(ParseCoverageError::NoInstrumentedLines)
        ));
    }

    #[test]
    fn cobertura_errors_name_the_attribute_or_element() {
        assert!(matches!(
            parse_coverage(r#"<coverage line-rate="2"/>"#),
            Err(ParseCoverageError::LineRateOutOfRange { rate }) if rate == 2.0
        ));
        assert!(matches!(
            parse_coverage(r#"<coverage line-rate="abc"/>"#),
            Err(ParseCoverageError::InvalidLineRate { value, .. }) if value == "abc"
        ));
        assert!(matches!(
            parse_coverage("<?xml version=\"1.0\"?>\n<coverage/>"),
            Err(ParseCoverageError::MissingLineRate { line: 2 })
        ));
        assert!(matches!(
            parse_coverage("<other/>"),
            Err(ParseCoverageError::NoCoverageElement)
        ));
        assert!(matches!(
            parse_coverage("<report>\n</wrong>"),
            Err(ParseCoverageError::MalformedXml { line: 2, .. })
        ));
    }
}
