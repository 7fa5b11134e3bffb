//! Labelled change data: the shared just-in-time CSV schema and its parser.
//!
//! The schema is `commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug`
//! (one row per change, `date` in Unix seconds, `bug` 1 when the change later proved
//! defect-inducing). Columns are located by their header name, so their order does not matter
//! and extra columns are ignored; `bug` may be absent (unlabelled data to score). The names
//! other public data sets use are accepted when the canonical one is absent: `_id`,
//! `commit_id` or `commit_hash` for `commit`, `author_date_unix_timestamp` for `date`,
//! `entrophy` for `entropy`, `contains_bug` or `buggy` for `bug`. Numbers are
//! decimal integers or floats; the booleans `fix` and `bug` accept `0`/`1` and
//! `true`/`false` in any case (`True`/`False` as written by pandas).
//!
//! Metrics must be finite and non-negative, except `age`: it is a difference of commit dates,
//! and author dates that go backwards (rebased or cherry-picked commits, skewed clocks) make it
//! negative in real histories, so any finite `age` is accepted (the models read a negative one
//! as 0).

use std::fmt;
use std::io::Read;

use serde::{Deserialize, Serialize};

/// One of the 14 change metrics of Kamei et al. 2013.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Number of modified subsystems (top-level directories).
    Ns,
    /// Number of modified directories.
    Nd,
    /// Number of modified files.
    Nf,
    /// Entropy (bits) of the distribution of modified lines across files.
    Entropy,
    /// Lines added.
    La,
    /// Lines deleted.
    Ld,
    /// Lines of code in the modified files before the change.
    Lt,
    /// Whether the change is a defect fix.
    Fix,
    /// Number of developers who changed the modified files before.
    Ndev,
    /// Mean time in days since the modified files were last changed.
    Age,
    /// Number of unique earlier changes to the modified files.
    Nuc,
    /// Author experience: number of earlier changes by the author.
    Exp,
    /// Recent author experience: earlier changes weighted by `1 / (1 + age in years)`.
    Rexp,
    /// Subsystem experience: earlier changes by the author to the modified subsystems.
    Sexp,
}

impl Metric {
    /// All metrics in schema order.
    pub const ALL: [Metric; 14] = [
        Metric::Ns,
        Metric::Nd,
        Metric::Nf,
        Metric::Entropy,
        Metric::La,
        Metric::Ld,
        Metric::Lt,
        Metric::Fix,
        Metric::Ndev,
        Metric::Age,
        Metric::Nuc,
        Metric::Exp,
        Metric::Rexp,
        Metric::Sexp,
    ];

    /// The lowercase column name (`"la"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Ns => "ns",
            Metric::Nd => "nd",
            Metric::Nf => "nf",
            Metric::Entropy => "entropy",
            Metric::La => "la",
            Metric::Ld => "ld",
            Metric::Lt => "lt",
            Metric::Fix => "fix",
            Metric::Ndev => "ndev",
            Metric::Age => "age",
            Metric::Nuc => "nuc",
            Metric::Exp => "exp",
            Metric::Rexp => "rexp",
            Metric::Sexp => "sexp",
        }
    }

    /// Position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric whose column name is `name` (`"la"`), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.as_str() == name)
    }

    /// The metric's `value` in words for people, with its abbreviation:
    /// `adds 1,240 lines (la)`, `author has 3 prior commits (exp)`.
    ///
    /// ```
    /// use relman_risk::Metric;
    ///
    /// assert_eq!(Metric::La.describe(1240.0), "adds 1,240 lines (la)");
    /// assert_eq!(Metric::Exp.describe(3.0), "author has 3 prior commits (exp)");
    /// ```
    pub fn describe(self, value: f64) -> String {
        let n = thousands(value);
        let words = match self {
            Metric::Ns => format!("touches {n} subsystem(s)"),
            Metric::Nd => format!("touches {n} directories"),
            Metric::Nf => format!("touches {n} files"),
            Metric::Entropy => format!("spreads its changes (entropy {value:.2})"),
            Metric::La => format!("adds {n} lines"),
            Metric::Ld => format!("deletes {n} lines"),
            Metric::Lt => format!("touches files of {n} lines"),
            Metric::Fix => if value > 0.0 {
                "fixes a bug"
            } else {
                "is not a fix"
            }
            .to_owned(),
            Metric::Ndev => format!("its files had {n} developers"),
            Metric::Age => format!("its files last changed {value:.0} days before"),
            Metric::Nuc => format!("its files had {n} earlier changes"),
            Metric::Exp => format!("author has {n} prior commits"),
            Metric::Rexp => format!("author's recent experience {value:.1}"),
            Metric::Sexp => format!("author has {n} prior commits in these subsystems"),
        };
        format!("{words} ({})", self.as_str())
    }
}

/// `value` rounded, with thousands separators (`1,240`).
fn thousands(value: f64) -> String {
    let rounded = value.round();
    if !rounded.is_finite() || rounded.abs() >= 1e15 {
        return format!("{value}");
    }
    // Lossless: |rounded| < 1e15 fits i64 exactly.
    #[allow(clippy::cast_possible_truncation)]
    let n = rounded as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The 14 metric values of one change, indexed by [`Metric`].
///
/// JSON shape: an object with one number per lowercase metric name (`{"ns": 1.0, ...}`), `fix`
/// as `0.0`/`1.0`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChangeMetrics {
    values: [f64; 14],
}

impl ChangeMetrics {
    /// Metrics from values in [`Metric::ALL`] order.
    pub fn from_array(values: [f64; 14]) -> Self {
        Self { values }
    }

    /// The value of one metric.
    pub fn get(&self, metric: Metric) -> f64 {
        self.values[metric.index()]
    }

    /// Sets the value of one metric.
    pub fn set(&mut self, metric: Metric, value: f64) {
        self.values[metric.index()] = value;
    }

    /// The values in [`Metric::ALL`] order.
    pub fn as_array(&self) -> &[f64; 14] {
        &self.values
    }

    /// Lines changed (`la + ld`), the effort measure of effort-aware evaluation.
    pub fn churn(&self) -> f64 {
        self.get(Metric::La) + self.get(Metric::Ld)
    }
}

impl Serialize for ChangeMetrics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(14))?;
        for metric in Metric::ALL {
            map.serialize_entry(metric.as_str(), &self.get(metric))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ChangeMetrics {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<Metric, f64>::deserialize(deserializer)?;
        let mut out = ChangeMetrics::default();
        for metric in Metric::ALL {
            let value = map
                .get(&metric)
                .ok_or_else(|| serde::de::Error::missing_field(metric.as_str()))?;
            out.set(metric, *value);
        }
        Ok(out)
    }
}

/// Whether a change later proved defect-inducing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// The change did not induce a defect (`bug = 0`).
    Clean,
    /// The change induced a defect (`bug = 1`).
    Buggy,
}

impl Label {
    /// `true` for [`Label::Buggy`].
    pub fn is_buggy(self) -> bool {
        self == Label::Buggy
    }
}

/// One row of a data set: a change, when it happened, its metrics and (when known) its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// The change id (commit hash).
    pub commit: String,
    /// Commit time in Unix seconds.
    pub date: i64,
    /// The 14 metrics.
    pub metrics: ChangeMetrics,
    /// The label; `None` in unlabelled data.
    pub label: Option<Label>,
}

/// The expected kind of a CSV field, named in [`ReadDatasetError::InvalidValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// A non-empty change id.
    Commit,
    /// An integer (Unix seconds).
    Integer,
    /// A finite, non-negative number.
    Number,
    /// A finite number, possibly negative (the `age` metric).
    Finite,
    /// `0`, `1`, `true` or `false`.
    Boolean,
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            FieldKind::Commit => "a non-empty commit id",
            FieldKind::Integer => "an integer",
            FieldKind::Number => "a finite non-negative number",
            FieldKind::Finite => "a finite number",
            FieldKind::Boolean => "0, 1, true or false",
        })
    }
}

/// Returned by [`read_csv`] and [`parse_csv`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadDatasetError {
    /// The input has no header line.
    #[error("missing header line")]
    MissingHeader,
    /// A required column is absent from the header.
    #[error("missing column `{column}` in the header")]
    MissingColumn {
        /// The column name.
        column: String,
    },
    /// A column name appears twice in the header.
    #[error("duplicate column `{column}` in the header")]
    DuplicateColumn {
        /// The column name.
        column: String,
    },
    /// A row has fewer fields than the header.
    #[error("line {line}: missing field for column {column} `{name}`")]
    MissingField {
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        column: usize,
        /// The column name.
        name: String,
    },
    /// A field does not hold a value of the expected kind.
    #[error("line {line}, column {column} `{name}`: expected {expected}, found `{value}`")]
    InvalidValue {
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        column: usize,
        /// The column name.
        name: String,
        /// The offending text.
        value: String,
        /// What was expected.
        expected: FieldKind,
    },
    /// The CSV itself is malformed or could not be read.
    #[error("line {line}: malformed csv")]
    Csv {
        /// 1-based line number (0 when unknown).
        line: u64,
        /// The underlying reader error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// Parses a data set from CSV text. See [`read_csv`].
///
/// # Errors
///
/// As [`read_csv`].
///
/// ```
/// let text = "commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug\n\
///             abc,1451578374,1,1,1,0.0,1,0,214,True,15,84.0,53,1842,349.2,7,0\n";
/// let rows = relman_risk::parse_csv(text)?;
/// assert_eq!(rows[0].commit, "abc");
/// assert_eq!(rows[0].metrics.get(relman_risk::Metric::Lt), 214.0);
/// # Ok::<(), relman_risk::ReadDatasetError>(())
/// ```
pub fn parse_csv(text: &str) -> Result<Vec<ChangeRow>, ReadDatasetError> {
    read_csv(text.as_bytes())
}

/// Reads a data set in the shared CSV schema (see the [module docs](self)).
///
/// # Errors
///
/// [`ReadDatasetError`] naming the line and column at fault: a missing header or column, a short
/// row, a value of the wrong kind (non-finite metrics, and negative ones other than `age`,
/// included), malformed CSV.
pub fn read_csv<R: Read>(reader: R) -> Result<Vec<ChangeRow>, ReadDatasetError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = csv.records();
    let header = match records.next() {
        None => return Err(ReadDatasetError::MissingHeader),
        Some(Err(err)) => return Err(csv_error(err)),
        Some(Ok(header)) => header,
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for (i, name) in names.iter().enumerate() {
        if !name.is_empty() && names[..i].contains(name) {
            return Err(ReadDatasetError::DuplicateColumn {
                column: name.clone(),
            });
        }
    }
    // A column is found by its name, else by the first of its aliases present.
    let find = |column: &str| {
        std::iter::once(column)
            .chain(column_aliases(column).iter().copied())
            .find_map(|name| names.iter().position(|n| n == name))
    };
    let required = |column: &str| {
        find(column).ok_or_else(|| ReadDatasetError::MissingColumn {
            column: column.to_owned(),
        })
    };
    let commit_col = required("commit")?;
    let date_col = required("date")?;
    let mut metric_cols = [0usize; 14];
    for metric in Metric::ALL {
        metric_cols[metric.index()] = required(metric.as_str())?;
    }
    let bug_col = find("bug");

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |col: usize| -> Result<&str, ReadDatasetError> {
            record
                .get(col)
                .map(str::trim)
                .ok_or_else(|| ReadDatasetError::MissingField {
                    line,
                    column: col + 1,
                    name: names[col].clone(),
                })
        };
        let invalid =
            |col: usize, value: &str, expected: FieldKind| ReadDatasetError::InvalidValue {
                line,
                column: col + 1,
                name: names[col].clone(),
                value: value.to_owned(),
                expected,
            };
        let commit = field(commit_col)?;
        if commit.is_empty() {
            return Err(invalid(commit_col, commit, FieldKind::Commit));
        }
        let date_text = field(date_col)?;
        let date = parse_integer(date_text)
            .ok_or_else(|| invalid(date_col, date_text, FieldKind::Integer))?;
        let mut metrics = ChangeMetrics::default();
        for metric in Metric::ALL {
            let col = metric_cols[metric.index()];
            let text = field(col)?;
            let value = if metric == Metric::Fix {
                parse_bool(text)
                    .map(|b| if b { 1.0 } else { 0.0 })
                    .ok_or_else(|| invalid(col, text, FieldKind::Boolean))?
            } else if metric == Metric::Age {
                parse_finite(text).ok_or_else(|| invalid(col, text, FieldKind::Finite))?
            } else {
                parse_number(text).ok_or_else(|| invalid(col, text, FieldKind::Number))?
            };
            metrics.set(metric, value);
        }
        let label = match bug_col {
            None => None,
            Some(col) => {
                let text = field(col)?;
                let buggy =
                    parse_bool(text).ok_or_else(|| invalid(col, text, FieldKind::Boolean))?;
                Some(if buggy { Label::Buggy } else { Label::Clean })
            }
        };
        rows.push(ChangeRow {
            commit: commit.to_owned(),
            date,
            metrics,
            label,
        });
    }
    Ok(rows)
}

/// Writes rows in the shared CSV schema (with the `bug` column when every row is labelled).
///
/// # Errors
///
/// Returns the writer's I/O error.
pub fn write_csv<W: std::io::Write>(mut out: W, rows: &[ChangeRow]) -> std::io::Result<()> {
    let labelled = rows.iter().all(|r| r.label.is_some());
    write!(out, "commit,date")?;
    for metric in Metric::ALL {
        write!(out, ",{metric}")?;
    }
    if labelled {
        write!(out, ",bug")?;
    }
    writeln!(out)?;
    for row in rows {
        write!(out, "{},{}", row.commit, row.date)?;
        for metric in Metric::ALL {
            write!(out, ",{}", row.metrics.get(metric))?;
        }
        if let Some(label) = row.label.filter(|_| labelled) {
            write!(out, ",{}", u8::from(label.is_buggy()))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Other names a column goes by in public just-in-time data sets: the ISSTA 2021 benchmark's
/// extraction files (`_id`, the misspelt `entrophy`), Kamei et al.'s data (`commit_hash`,
/// `author_date_unix_timestamp`, `contains_bug`) and ApacheJIT (`buggy`).
fn column_aliases(column: &str) -> &'static [&'static str] {
    match column {
        "commit" => &["_id", "commit_id", "commit_hash"],
        "date" => &["author_date_unix_timestamp"],
        "entropy" => &["entrophy"],
        "bug" => &["contains_bug", "buggy"],
        _ => &[],
    }
}

fn csv_error(err: csv::Error) -> ReadDatasetError {
    let line = err.position().map_or(0, |p| p.line());
    ReadDatasetError::Csv {
        line,
        source: Box::new(err),
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    if let Ok(v) = text.parse::<i64>() {
        return Some(v);
    }
    // Accept `1451578374.0` as written by some exporters.
    let v = text.parse::<f64>().ok()?;
    (v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
}

fn parse_number(text: &str) -> Option<f64> {
    parse_finite(text).filter(|v| *v >= 0.0)
}

fn parse_finite(text: &str) -> Option<f64> {
    let v = text.parse::<f64>().ok()?;
    v.is_finite().then_some(v)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "1.0" | "true" => Some(true),
        "0" | "0.0" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug";

    fn check_err(body: &str) -> ReadDatasetError {
        let text = format!("{HEADER}\n{body}");
        parse_csv(&text).expect_err("malformed input must be rejected")
    }

    #[test]
    fn parses_rows_with_booleans_in_any_spelling() {
        let text = format!(
            "{HEADER}\na,10,1,1,1,0.0,1,0,214,1,15,84.5,53,1842,349.25,7,0\n\
             b,11,2,3,4,1.5,6,5,517,False,17,45.0,42,73,3.3,47,True\n"
        );
        let rows = parse_csv(&text).expect("valid csv");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].metrics.get(Metric::Fix), 1.0);
        assert_eq!(rows[0].metrics.get(Metric::Age), 84.5);
        assert_eq!(rows[0].label, Some(Label::Clean));
        assert_eq!(rows[1].metrics.get(Metric::Fix), 0.0);
        assert_eq!(rows[1].metrics.get(Metric::Nf), 4.0);
        assert_eq!(rows[1].label, Some(Label::Buggy));
        assert_eq!(rows[1].date, 11);
    }

    #[test]
    fn columns_are_found_by_name_and_bug_is_optional() {
        let text = "bug_free,sexp,rexp,exp,nuc,age,ndev,fix,lt,ld,la,entropy,nf,nd,ns,date,commit\n\
                    x,7,3.5,10,4,2.0,3,0,100,5,6,0.5,2,1,1,99,c1\n";
        let rows = parse_csv(text).expect("valid csv");
        assert_eq!(rows[0].commit, "c1");
        assert_eq!(rows[0].metrics.get(Metric::La), 6.0);
        assert_eq!(rows[0].metrics.get(Metric::Sexp), 7.0);
        assert_eq!(rows[0].label, None);
    }

    #[test]
    fn bad_number_names_line_and_column() {
        let err = check_err(
            "a,10,1,1,1,0.0,1,0,214,1,15,84.5,53,1842,349.25,7,0\nb,11,1,1,1,0.0,x,0,1,0,1,1,1,1,1,1,0\n",
        );
        match err {
            ReadDatasetError::InvalidValue {
                line,
                column,
                ref name,
                ref value,
                expected,
            } => {
                assert_eq!(
                    (line, column, name.as_str(), value.as_str()),
                    (3, 7, "la", "x")
                );
                assert_eq!(expected, FieldKind::Number);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "line 3, column 7 `la`: expected a finite non-negative number, found `x`"
        );
    }

    #[test]
    fn bad_boolean_negative_and_short_rows_are_rejected() {
        assert!(matches!(
            check_err("a,10,1,1,1,0.0,1,0,214,yes,15,84.5,53,1842,349.25,7,0\n"),
            ReadDatasetError::InvalidValue {
                column: 10,
                expected: FieldKind::Boolean,
                ..
            }
        ));
        assert!(matches!(
            check_err("a,10,1,1,1,0.0,-1,0,214,1,15,84.5,53,1842,349.25,7,0\n"),
            ReadDatasetError::InvalidValue { column: 7, .. }
        ));
        assert!(matches!(
            check_err("a,10,1,1,1,0.0,1,0,214,1,15,NaN,53,1842,349.25,7,0\n"),
            ReadDatasetError::InvalidValue { column: 12, .. }
        ));
        assert!(matches!(
            check_err("a,10,1,1\n"),
            ReadDatasetError::MissingField {
                line: 2,
                column: 5,
                ..
            }
        ));
        assert!(matches!(
            check_err("a,ten,1,1,1,0.0,1,0,214,1,15,84.5,53,1842,349.25,7,0\n"),
            ReadDatasetError::InvalidValue {
                column: 2,
                expected: FieldKind::Integer,
                ..
            }
        ));
    }

    #[test]
    fn a_negative_age_is_read_and_scored_as_zero() {
        let header = "commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug\n";
        let rows = parse_csv(&format!(
            "{header}a,10,1,1,1,0.0,1,0,214,1,15,-0.25,53,1842,349.25,7,0\n\
             b,11,1,1,1,0.0,1,0,214,1,15,0,53,1842,349.25,7,0\n"
        ))
        .expect("a negative age is accepted");
        assert_eq!(rows[0].metrics.get(Metric::Age), -0.25);
        assert_eq!(
            crate::features::features(&rows[0].metrics),
            crate::features::features(&rows[1].metrics)
        );
        let err = parse_csv(&format!(
            "{header}a,10,1,1,1,0.0,1,0,214,1,15,-inf,53,1842,349.25,7,0\n"
        ))
        .expect_err("a non-finite age is not");
        assert_eq!(
            err.to_string(),
            "line 2, column 12 `age`: expected a finite number, found `-inf`"
        );
    }

    #[test]
    fn column_aliases_of_public_data_sets_are_understood() {
        // The layout of the ISSTA 2021 extraction files: a pandas index column, `_id`, the
        // misspelt `entrophy` and an extra column.
        let text = ",_id,date,bug,__,ns,nd,nf,entrophy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp\n\
                    0,c0ffee,1451624412,1,1,1,1,2,0.5,3,1,60,0,4,16.5,9,30,2.5,7\n";
        let rows = parse_csv(text).expect("aliases are found");
        assert_eq!(rows[0].commit, "c0ffee");
        assert_eq!(rows[0].date, 1_451_624_412);
        assert_eq!(rows[0].metrics.get(Metric::Entropy), 0.5);
        assert_eq!(rows[0].metrics.get(Metric::Sexp), 7.0);
        assert_eq!(rows[0].label, Some(Label::Buggy));
        // Kamei et al.'s names.
        let text = "commit_hash,author_date_unix_timestamp,ns,nd,nf,entropy,la,ld,lt,fix,ndev,\
                    age,nuc,exp,rexp,sexp,contains_bug\n\
                    abc,10,1,1,1,0.0,1,0,214,False,15,84.5,53,1842,349.25,7,False\n";
        let rows = parse_csv(text).expect("aliases are found");
        assert_eq!((rows[0].commit.as_str(), rows[0].date), ("abc", 10));
        assert_eq!(rows[0].label, Some(Label::Clean));
        // The canonical name wins over an alias.
        let text = "commit,_id,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp\n\
                    canonical,alias,10,1,1,1,0.0,1,0,214,0,15,84.5,53,1842,349.25,7\n";
        assert_eq!(parse_csv(text).expect("parses")[0].commit, "canonical");
    }

    #[test]
    fn header_problems_are_reported() {
        assert!(matches!(
            parse_csv(""),
            Err(ReadDatasetError::MissingHeader)
        ));
        assert!(matches!(
            parse_csv("commit,date\n"),
            Err(ReadDatasetError::MissingColumn { ref column }) if column == "ns"
        ));
        assert!(matches!(
            parse_csv("commit,commit\n"),
            Err(ReadDatasetError::DuplicateColumn { .. })
        ));
    }

    #[test]
    fn write_then_read_round_trips() {
        let text = format!("{HEADER}\na,10,1,1,1,0.5,1,0,214,1,15,84.5,53,1842,349.25,7,1\n");
        let rows = parse_csv(&text).expect("valid csv");
        let mut out = Vec::new();
        write_csv(&mut out, &rows).expect("write to vec");
        let again = parse_csv(std::str::from_utf8(&out).expect("utf-8")).expect("valid csv");
        assert_eq!(rows, again);
    }

    proptest::proptest! {
        #[test]
        fn write_then_read_gives_the_same_rows(
            raw in proptest::collection::vec(
                (
                    "[0-9a-f]{40}",
                    -4_000_000_000i64..4_000_000_000,
                    proptest::array::uniform14(0.0f64..1.0e9),
                    proptest::bool::ANY,
                    proptest::option::of(proptest::bool::ANY),
                ),
                0..20,
            ),
            labelled in proptest::bool::ANY,
        ) {
            let rows: Vec<ChangeRow> = raw
                .into_iter()
                .map(|(commit, date, mut values, fix, bug)| {
                    values[Metric::Fix.index()] = if fix { 1.0 } else { 0.0 };
                    let label = if labelled {
                        Some(if bug.unwrap_or(false) { Label::Buggy } else { Label::Clean })
                    } else {
                        None
                    };
                    ChangeRow { commit, date, metrics: ChangeMetrics::from_array(values), label }
                })
                .collect();
            let mut out = Vec::new();
            write_csv(&mut out, &rows).expect("write to vec");
            let again = parse_csv(std::str::from_utf8(&out).expect("utf-8")).expect("valid csv");
            proptest::prop_assert_eq!(rows, again);
        }
    }
}
