//! Coverage reports into a line-coverage percentage.
//!
//! Two formats, told apart by content: Cobertura XML (text starting with `<`; the `line-rate`
//! attribute of the root `<coverage>` element, 0 to 1) and LCOV tracefiles (`LF:` lines found
//! and `LH:` lines hit, summed over every `SF:` ... `end_of_record` record).
//!
//! Inconsistent figures are errors, never a percentage outside 0..=100: an LCOV record that
//! hits more lines than it finds, a Cobertura report that covers more lines than it has or
//! whose `line-rate` contradicts its line counts, and files cut off before their end.

use std::num::{ParseFloatError, ParseIntError};
use std::path::{Path, PathBuf};

use quick_xml::events::Event;

use crate::xml::{Document, XmlDocumentError, attr};

/// How far (as a rate, 0 to 1) Cobertura's `line-rate` may stray from
/// `lines-covered / lines-valid`: emitters round the rate, to four digits or fewer.
const RATE_TOLERANCE: f64 = 0.005;

/// Returned by [`parse_coverage`] when the text is neither a Cobertura nor an LCOV report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseCoverageError {
    /// The text is not one complete XML document (malformed, cut off, or two pasted
    /// together).
    #[error(transparent)]
    Xml(#[from] XmlDocumentError),
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
    #[error("line {line}: line-rate {value:?} is not a number")]
    InvalidLineRate {
        /// The 1-based line of the `<coverage>` element.
        line: usize,
        /// The attribute's text.
        value: String,
        /// Why it is not a number.
        #[source]
        source: ParseFloatError,
    },
    /// Cobertura: `line-rate` is a number outside 0..=1 (NaN and infinities included).
    #[error("line {line}: line-rate {rate} is outside 0..=1")]
    LineRateOutOfRange {
        /// The 1-based line of the `<coverage>` element.
        line: usize,
        /// The rate found.
        rate: f64,
    },
    /// Cobertura: `lines-valid` or `lines-covered` is not a count.
    #[error("line {line}: {attribute} {value:?} is not a count")]
    InvalidLineCount {
        /// The 1-based line of the `<coverage>` element.
        line: usize,
        /// `lines-valid` or `lines-covered`.
        attribute: &'static str,
        /// The attribute's text.
        value: String,
        /// Why it is not a count.
        #[source]
        source: ParseIntError,
    },
    /// Cobertura: more lines covered than there are (`lines-covered` > `lines-valid`).
    #[error("line {line}: lines-covered {covered} exceeds lines-valid {valid}")]
    CoveredExceedsValid {
        /// The 1-based line of the `<coverage>` element.
        line: usize,
        /// `lines-covered`.
        covered: u64,
        /// `lines-valid`.
        valid: u64,
    },
    /// Cobertura: `line-rate` differs from `lines-covered / lines-valid` by more than rounding.
    #[error(
        "line {line}: line-rate {rate} contradicts lines-covered {covered} / lines-valid {valid}"
    )]
    LineRateMismatch {
        /// The 1-based line of the `<coverage>` element.
        line: usize,
        /// `line-rate`.
        rate: f64,
        /// `lines-covered`.
        covered: u64,
        /// `lines-valid`.
        valid: u64,
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
    /// LCOV: a record hits more lines than it finds (`LH:` > `LF:`).
    #[error("line {line}: LH:{hit} exceeds LF:{found}")]
    HitExceedsFound {
        /// The 1-based line of the `LH:` record (or of `end_of_record` when `LH:` is missing).
        line: usize,
        /// Lines found (`LF:`, 0 when missing).
        found: u64,
        /// Lines hit (`LH:`).
        hit: u64,
    },
    /// LCOV: a second `LF:` or `LH:` in one record.
    #[error("line {line}: second {field}: in one record")]
    DuplicateCount {
        /// The 1-based line of the second one.
        line: usize,
        /// `LF` or `LH`.
        field: &'static str,
    },
    /// LCOV: `LF:`, `LH:` or `end_of_record` outside an `SF:` record, or `SF:` inside one.
    #[error("line {line}: {field} outside an SF: ... end_of_record record")]
    OutsideRecord {
        /// The 1-based line.
        line: usize,
        /// What was found there (`LF:`, `LH:`, `SF:`, `end_of_record`).
        field: &'static str,
    },
    /// LCOV: the text ends inside a record (a file cut off).
    #[error("cut off: the record opened by SF: at line {line} has no end_of_record")]
    UnterminatedRecord {
        /// The 1-based line of the record's `SF:`.
        line: usize,
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
/// Cobertura: [`ParseCoverageError::Xml`] (malformed, cut off, two roots),
/// [`NoCoverageElement`], [`MissingLineRate`], [`InvalidLineRate`], [`LineRateOutOfRange`],
/// [`InvalidLineCount`], [`CoveredExceedsValid`], [`LineRateMismatch`]. LCOV: [`InvalidCount`],
/// [`HitExceedsFound`], [`DuplicateCount`], [`OutsideRecord`], [`UnterminatedRecord`], each
/// naming the line, and [`NoInstrumentedLines`].
///
/// [`InvalidLineCount`]: ParseCoverageError::InvalidLineCount
/// [`CoveredExceedsValid`]: ParseCoverageError::CoveredExceedsValid
/// [`LineRateMismatch`]: ParseCoverageError::LineRateMismatch
/// [`HitExceedsFound`]: ParseCoverageError::HitExceedsFound
/// [`DuplicateCount`]: ParseCoverageError::DuplicateCount
/// [`OutsideRecord`]: ParseCoverageError::OutsideRecord
/// [`UnterminatedRecord`]: ParseCoverageError::UnterminatedRecord
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
    let mut doc = Document::new(text);
    let mut percent = None;
    // The whole document is read, so that a file cut off after `<coverage>` is an error.
    while let Some((pos, event)) = doc.next_event()? {
        match event {
            Event::Start(e) | Event::Empty(e)
                if e.name().as_ref() == "coverage" && percent.is_none() =>
            {
                percent = Some(cobertura_percent(&e, doc.line_col(pos).0)?);
            }
            _ => {}
        }
    }
    percent.ok_or(ParseCoverageError::NoCoverageElement)
}

/// The percentage of the `<coverage>` element `e` at `line`, checked against its line counts.
fn cobertura_percent(
    e: &quick_xml::events::BytesStart<'_>,
    line: usize,
) -> Result<f64, ParseCoverageError> {
    let value = attr(e, "line-rate").ok_or(ParseCoverageError::MissingLineRate { line })?;
    let rate: f64 = value
        .trim()
        .parse()
        .map_err(|source| ParseCoverageError::InvalidLineRate {
            line,
            value: value.clone(),
            source,
        })?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(ParseCoverageError::LineRateOutOfRange { line, rate });
    }
    let count = |attribute: &'static str| -> Result<Option<u64>, ParseCoverageError> {
        attr(e, attribute)
            .map(|value| {
                value
                    .trim()
                    .parse()
                    .map_err(|source| ParseCoverageError::InvalidLineCount {
                        line,
                        attribute,
                        value: value.clone(),
                        source,
                    })
            })
            .transpose()
    };
    if let (Some(valid), Some(covered)) = (count("lines-valid")?, count("lines-covered")?) {
        if covered > valid {
            return Err(ParseCoverageError::CoveredExceedsValid {
                line,
                covered,
                valid,
            });
        }
        if valid > 0 && (rate - covered as f64 / valid as f64).abs() > RATE_TOLERANCE {
            return Err(ParseCoverageError::LineRateMismatch {
                line,
                rate,
                covered,
                valid,
            });
        }
    }
    Ok(rate * 100.0)
}

/// The `LF:` and `LH:` figures of one LCOV record, with the lines they were found on.
#[derive(Default)]
struct Record {
    /// The line of its `SF:`.
    start: usize,
    found: Option<(u64, usize)>,
    hit: Option<(u64, usize)>,
}

fn parse_lcov(text: &str) -> Result<f64, ParseCoverageError> {
    let (mut found, mut hit) = (0u64, 0u64);
    let mut record: Option<Record> = None;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim_end();
        let count = |v: &str| -> Result<u64, ParseCoverageError> {
            v.trim()
                .parse()
                .map_err(|source| ParseCoverageError::InvalidCount {
                    line: line_no,
                    value: v.to_owned(),
                    source,
                })
        };
        let outside = |field| ParseCoverageError::OutsideRecord {
            line: line_no,
            field,
        };
        if line.starts_with("SF:") {
            if record.is_some() {
                return Err(outside("SF:"));
            }
            record = Some(Record {
                start: line_no,
                ..Record::default()
            });
        } else if let Some(v) = line.strip_prefix("LF:") {
            let r = record.as_mut().ok_or_else(|| outside("LF:"))?;
            if r.found.is_some() {
                return Err(ParseCoverageError::DuplicateCount {
                    line: line_no,
                    field: "LF",
                });
            }
            r.found = Some((count(v)?, line_no));
        } else if let Some(v) = line.strip_prefix("LH:") {
            let r = record.as_mut().ok_or_else(|| outside("LH:"))?;
            if r.hit.is_some() {
                return Err(ParseCoverageError::DuplicateCount {
                    line: line_no,
                    field: "LH",
                });
            }
            r.hit = Some((count(v)?, line_no));
        } else if line == "end_of_record" {
            let r = record.take().ok_or_else(|| outside("end_of_record"))?;
            let f = r.found.map_or(0, |(f, _)| f);
            let (h, at) = r.hit.unwrap_or((0, line_no));
            if h > f {
                return Err(ParseCoverageError::HitExceedsFound {
                    line: at,
                    found: f,
                    hit: h,
                });
            }
            found = found.saturating_add(f);
            hit = hit.saturating_add(h);
        }
    }
    if let Some(r) = record {
        return Err(ParseCoverageError::UnterminatedRecord { line: r.start });
    }
    if found == 0 {
        return Err(ParseCoverageError::NoInstrumentedLines);
    }
    // hit <= found holds per record, hence for the sums (which saturate only both at u64::MAX).
    Ok((100.0 * hit as f64 / found as f64).clamp(0.0, 100.0))
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
            Err(ParseCoverageError::LineRateOutOfRange { rate, line: 1 }) if rate == 2.0
        ));
        assert!(matches!(
            parse_coverage(r#"<coverage line-rate="abc"/>"#),
            Err(ParseCoverageError::InvalidLineRate { value, .. }) if value == "abc"
        ));
        assert!(matches!(
            parse_coverage("\n<coverage line-rate=\"NaN\"/>"),
            Err(ParseCoverageError::LineRateOutOfRange { rate, line: 2 }) if rate.is_nan()
        ));
        assert!(matches!(
            parse_coverage(r#"<coverage line-rate="-0.1"/>"#),
            Err(ParseCoverageError::LineRateOutOfRange { .. })
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
            Err(ParseCoverageError::Xml(XmlDocumentError::Malformed {
                line: 2,
                ..
            }))
        ));
    }

    #[test]
    fn regression_lcov_hit_above_found_is_an_error_not_200_percent() {
        let err = parse_coverage("SF:a.rs\nLF:5\nLH:10\nend_of_record\n").expect_err("LH > LF");
        assert!(
            matches!(
                err,
                ParseCoverageError::HitExceedsFound {
                    line: 3,
                    found: 5,
                    hit: 10
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "line 3: LH:10 exceeds LF:5");
        // Per record: a big record cannot hide a small inconsistent one.
        assert!(matches!(
            parse_coverage(
                "SF:a.rs\nLF:100\nLH:0\nend_of_record\nSF:b.rs\nLF:1\nLH:2\nend_of_record\n"
            ),
            Err(ParseCoverageError::HitExceedsFound { line: 7, .. })
        ));
        assert!(matches!(
            parse_coverage("SF:a.rs\nLH:2\nend_of_record\n"),
            Err(ParseCoverageError::HitExceedsFound { found: 0, .. })
        ));
    }

    #[test]
    fn regression_lcov_structure_errors_name_the_line() {
        assert!(matches!(
            parse_coverage("SF:a.rs\nLF:5\nLH:1\n"),
            Err(ParseCoverageError::UnterminatedRecord { line: 1 })
        ));
        assert!(matches!(
            parse_coverage("SF:a.rs\nLF:5\nLF:5\nend_of_record\n"),
            Err(ParseCoverageError::DuplicateCount {
                line: 3,
                field: "LF"
            })
        ));
        assert!(matches!(
            parse_coverage("LF:5\nLH:5\n"),
            Err(ParseCoverageError::OutsideRecord {
                line: 1,
                field: "LF:"
            })
        ));
        assert!(matches!(
            parse_coverage("SF:a.rs\nSF:b.rs\n"),
            Err(ParseCoverageError::OutsideRecord {
                line: 2,
                field: "SF:"
            })
        ));
        let crlf = parse_coverage("SF:a.rs\r\nLF:4\r\nLH:2\r\nend_of_record\r\n").expect("CRLF");
        assert!((crlf - 50.0).abs() < 1e-9);
    }

    #[test]
    fn regression_cobertura_inconsistencies_are_errors() {
        assert!(matches!(
            parse_coverage(
                "<?xml version=\"1.0\"?>\n<coverage line-rate=\"1\" lines-valid=\"5\" lines-covered=\"10\"/>"
            ),
            Err(ParseCoverageError::CoveredExceedsValid {
                line: 2,
                covered: 10,
                valid: 5
            })
        ));
        assert!(matches!(
            parse_coverage(r#"<coverage line-rate="0.9" lines-valid="10" lines-covered="5"/>"#),
            Err(ParseCoverageError::LineRateMismatch {
                line: 1,
                covered: 5,
                valid: 10,
                ..
            })
        ));
        assert!(matches!(
            parse_coverage(r#"<coverage line-rate="0.5" lines-valid="ten" lines-covered="5"/>"#),
            Err(ParseCoverageError::InvalidLineCount {
                attribute: "lines-valid",
                ..
            })
        ));
        let rounded =
            parse_coverage(r#"<coverage line-rate="0.3333" lines-valid="3" lines-covered="1"/>"#)
                .expect("rounding is not a contradiction");
        assert!((rounded - 33.33).abs() < 1e-9);
        assert!(matches!(
            parse_coverage("<coverage line-rate=\"0.5\">\n<packages>"),
            Err(ParseCoverageError::Xml(XmlDocumentError::Truncated {
                line: 1,
                column: 1,
                ..
            }))
        ));
    }
}
