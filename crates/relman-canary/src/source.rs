//! Where samples come from: the [`MetricSource`] port, and [`FileSource`], the records of a
//! metrics file (CSV or JSON) parsed from text.
//!
//! A source answers one question: the samples of a metric for the baseline and for the canary.
//! How it tells the two apart is its own business: [`FileSource`] reads a `group` column; the
//! Prometheus source (feature `prometheus`) holds the server, the time range and one query per
//! metric rendered with each group's version, and runs one range query per group. The judge
//! never sees the source, only the [`Samples`].
//!
//! # Formats
//!
//! CSV, with exactly the header `metric,group,value` and one sample per row:
//!
//! ```text
//! metric,group,value
//! latency_ms,baseline,101.5
//! latency_ms,canary,99.0
//! ```
//!
//! JSON, the same records in an array:
//! `[{"metric": "latency_ms", "group": "baseline", "value": 101.5}, ...]`.
//!
//! `group` is `baseline` or `canary`; `value` is a finite number (NaN and infinities are
//! refused with their line). Rows keep their order within a group.

use std::collections::BTreeMap;
use std::convert::Infallible;

use serde::Deserialize;

use crate::{Group, MetricName, MetricSpec, ParseGroupError, ParseMetricNameError, Samples};

/// A source of metric samples for the baseline and the canary.
///
/// Implement [`samples`](MetricSource::samples); [`collect`](MetricSource::collect) pairs every
/// spec with its samples for [`judge`](crate::judge()). A metric the source does not know has
/// empty samples (the judge classifies it `NoData`), not an error: errors are for a source that
/// cannot answer (a server down, a query refused).
pub trait MetricSource {
    /// Why the source could not answer.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The samples of `metric` for the baseline and the canary.
    ///
    /// # Errors
    ///
    /// The source's own error when it cannot answer.
    fn samples(&self, metric: &MetricName) -> Result<Samples, Self::Error>;

    /// Every spec of `specs` with its samples, in order.
    ///
    /// # Errors
    ///
    /// The first error of [`samples`](MetricSource::samples).
    fn collect(&self, specs: &[MetricSpec]) -> Result<Vec<(MetricSpec, Samples)>, Self::Error> {
        specs
            .iter()
            .map(|spec| Ok((spec.clone(), self.samples(&spec.name)?)))
            .collect()
    }
}

/// The samples of a metrics file, by metric; parsed from CSV ([`FileSource::parse_csv`]) or
/// JSON ([`FileSource::parse_json`]) text. The caller reads the file.
///
/// ```
/// use relman_canary::source::{FileSource, MetricSource};
///
/// let csv = "metric,group,value\nlatency_ms,baseline,101.5\nlatency_ms,canary,99\n";
/// let source = FileSource::parse_csv(csv)?;
/// let samples = source.samples(&"latency_ms".parse()?)?;
/// assert_eq!((samples.baseline, samples.canary), (vec![101.5], vec![99.0]));
/// assert!(source.samples(&"errors".parse()?)?.canary.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileSource {
    metrics: BTreeMap<MetricName, Samples>,
}

/// Returned by [`FileSource::parse_csv`] and [`FileSource::parse_json`]. Lines and columns
/// count from 1; a CSV column is the field's position (1 `metric`, 2 `group`, 3 `value`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseMetricsError {
    /// The CSV text does not start with the header `metric,group,value`.
    #[error("line 1: expected the header `metric,group,value`, found `{found}`")]
    Header {
        /// The header found (its fields joined by commas).
        found: String,
    },
    /// A CSV row does not have three fields, or is not valid CSV.
    #[error("line {line}: malformed CSV row")]
    Row {
        /// The row's line.
        line: u64,
        /// What the CSV reader found.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A metric name is empty or malformed.
    #[error("line {line}, column 1: invalid metric name")]
    Metric {
        /// The row's line.
        line: u64,
        /// Why the name is invalid.
        #[source]
        source: ParseMetricNameError,
    },
    /// A group is neither `baseline` nor `canary`.
    #[error("line {line}, column 2: invalid group")]
    Group {
        /// The row's line.
        line: u64,
        /// Why the group is invalid.
        #[source]
        source: ParseGroupError,
    },
    /// A value is not a number.
    #[error("line {line}, column 3: value `{text}` is not a number")]
    Value {
        /// The row's line.
        line: u64,
        /// The text found.
        text: String,
    },
    /// A value is NaN or infinite.
    #[error("line {line}, column 3: value `{text}` is not a finite number")]
    NonFinite {
        /// The row's line.
        line: u64,
        /// The text found.
        text: String,
    },
    /// The JSON text is not an array of `{metric, group, value}` records.
    #[error("invalid JSON metrics at line {line}, column {column}")]
    Json {
        /// The line of the fault.
        line: usize,
        /// The column of the fault.
        column: usize,
        /// What the JSON reader found (naming the record's field at fault).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// One record of the JSON format.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    metric: MetricName,
    group: Group,
    value: f64,
}

impl FileSource {
    /// Parses CSV text with the header `metric,group,value` (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`ParseMetricsError`] with the line (and column) at fault: a wrong header, a row without
    /// three fields, an invalid metric name or group, a value that is not a finite number.
    pub fn parse_csv(text: &str) -> Result<Self, ParseMetricsError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut source = FileSource::default();
        let mut header_seen = false;
        for row in reader.records() {
            let row = row.map_err(|e| ParseMetricsError::Row {
                line: e.position().map_or(1, csv::Position::line),
                source: Box::new(e),
            })?;
            let line = row.position().map_or(1, csv::Position::line);
            if !header_seen {
                let fields: Vec<&str> = row.iter().collect();
                if fields != ["metric", "group", "value"] {
                    return Err(ParseMetricsError::Header {
                        found: fields.join(","),
                    });
                }
                header_seen = true;
                continue;
            }
            let field = |i: usize| row.get(i).unwrap_or_default();
            let metric: MetricName = field(0)
                .parse()
                .map_err(|source| ParseMetricsError::Metric { line, source })?;
            let group: Group = field(1)
                .parse()
                .map_err(|source| ParseMetricsError::Group { line, source })?;
            let text = field(2);
            let value: f64 = text.parse().map_err(|_| ParseMetricsError::Value {
                line,
                text: text.to_owned(),
            })?;
            if !value.is_finite() {
                return Err(ParseMetricsError::NonFinite {
                    line,
                    text: text.to_owned(),
                });
            }
            source.push(metric, group, value);
        }
        if !header_seen {
            return Err(ParseMetricsError::Header {
                found: String::new(),
            });
        }
        Ok(source)
    }

    /// Parses JSON text: an array of `{"metric", "group", "value"}` records (see the
    /// [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`ParseMetricsError::Json`] with the line and column at fault: malformed JSON, a record
    /// with a missing or unknown field, an invalid metric name or group, a value out of range.
    pub fn parse_json(text: &str) -> Result<Self, ParseMetricsError> {
        let records: Vec<Record> =
            serde_json::from_str(text).map_err(|e| ParseMetricsError::Json {
                line: e.line(),
                column: e.column(),
                source: Box::new(e),
            })?;
        let mut source = FileSource::default();
        for r in records {
            source.push(r.metric, r.group, r.value);
        }
        Ok(source)
    }

    fn push(&mut self, metric: MetricName, group: Group, value: f64) {
        let samples = self.metrics.entry(metric).or_default();
        match group {
            Group::Baseline => samples.baseline.push(value),
            Group::Canary => samples.canary.push(value),
        }
    }

    /// The metrics the file has samples for, sorted by name.
    pub fn metrics(&self) -> impl Iterator<Item = &MetricName> {
        self.metrics.keys()
    }
}

impl MetricSource for FileSource {
    type Error = Infallible;

    fn samples(&self, metric: &MetricName) -> Result<Samples, Infallible> {
        Ok(self.metrics.get(metric).cloned().unwrap_or_default())
    }
}
