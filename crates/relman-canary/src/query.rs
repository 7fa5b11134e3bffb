//! PromQL query templates: the query of a metric, written once for both groups, with the
//! group's version (and the component and environment) filled in as label values.
//!
//! A template is PromQL with placeholders `${version}`, `${component}` and `${env}`; `$$` is a
//! literal `$`. Placeholders are meant to stand inside a PromQL string literal, such as
//! `http_request_duration_seconds{app="${component}", version="${version}"}`; the value is
//! escaped for a double-quoted PromQL string (`\` and `"` and control characters), so a
//! version can never end the literal and change the query. An unknown placeholder is refused
//! when the template is parsed, with its column.
//!
//! ```
//! use relman_canary::query::{QueryTemplate, QueryVars};
//!
//! let template: QueryTemplate =
//!     r#"rate(http_errors_total{app="${component}", version="${version}"}[1m])"#.parse()?;
//! let vars = QueryVars::new("1.4.0", "checkout", "production");
//! assert_eq!(
//!     template.render(&vars),
//!     r#"rate(http_errors_total{app="checkout", version="1.4.0"}[1m])"#
//! );
//! assert!("up{v=\"${verison}\"}".parse::<QueryTemplate>().is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// A placeholder of a [`QueryTemplate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Version,
    Component,
    Env,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Placeholder),
}

/// A PromQL query with placeholders, parsed (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTemplate {
    source: String,
    pieces: Vec<Piece>,
}

/// Returned when a [`QueryTemplate`] is parsed: a `$` that starts neither a known placeholder
/// nor `$$`. Columns count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "column {column}: {found:?} is not a placeholder (use ${{version}}, ${{component}}, ${{env}} or $$)"
)]
pub struct ParseQueryError {
    /// The column of the `$`.
    pub column: usize,
    /// What follows the `$`, up to the closing brace or a few characters.
    pub found: String,
}

/// The values a [`QueryTemplate`] is rendered with: one group's version, the component and
/// the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryVars {
    /// `${version}`.
    pub version: String,
    /// `${component}`.
    pub component: String,
    /// `${env}`.
    pub env: String,
}

impl QueryVars {
    /// The values for one group.
    pub fn new(
        version: impl Into<String>,
        component: impl Into<String>,
        env: impl Into<String>,
    ) -> Self {
        Self {
            version: version.into(),
            component: component.into(),
            env: env.into(),
        }
    }
}

impl QueryTemplate {
    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The query for `vars`: each placeholder replaced by its value, escaped for a
    /// double-quoted PromQL string.
    pub fn render(&self, vars: &QueryVars) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Var(var) => escape_into(
                    match var {
                        Placeholder::Version => &vars.version,
                        Placeholder::Component => &vars.component,
                        Placeholder::Env => &vars.env,
                    },
                    &mut out,
                ),
            }
        }
        out
    }
}

/// Escapes `value` for the inside of a double-quoted PromQL string (Go's escapes).
fn escape_into(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
}

impl FromStr for QueryTemplate {
    type Err = ParseQueryError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        let mut column = 1;
        while let Some(at) = rest.find('$') {
            text.push_str(&rest[..at]);
            column += rest[..at].chars().count();
            let after = &rest[at + 1..];
            let (var, len) = if after.starts_with('$') {
                (None, 2)
            } else if let Some(name) = after
                .strip_prefix('{')
                .and_then(|a| a.find('}').map(|end| &a[..end]))
            {
                let var = match name {
                    "version" => Placeholder::Version,
                    "component" => Placeholder::Component,
                    "env" => Placeholder::Env,
                    _ => {
                        return Err(ParseQueryError {
                            column,
                            found: format!("${{{name}}}"),
                        });
                    }
                };
                (Some(var), name.len() + 3)
            } else {
                return Err(ParseQueryError {
                    column,
                    found: std::iter::once('$').chain(after.chars().take(8)).collect(),
                });
            };
            match var {
                None => text.push('$'),
                Some(var) => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Var(var));
                }
            }
            column += rest[at..at + len].chars().count();
            rest = &rest[at + len..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Self {
            source: source.to_owned(),
            pieces,
        })
    }
}

impl fmt::Display for QueryTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for QueryTemplate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(version: &str) -> QueryVars {
        QueryVars::new(version, "api", "prod")
    }

    #[test]
    fn a_value_cannot_leave_its_string_literal() {
        let t: QueryTemplate = r#"up{version="${version}"}"#.parse().expect("valid");
        assert_eq!(
            t.render(&vars(r#"1" or vector(1) or up{x="\"#)),
            r#"up{version="1\" or vector(1) or up{x=\"\\"}"#
        );
        assert_eq!(t.render(&vars("a\nb\u{1}")), r#"up{version="a\nb\u0001"}"#);
    }

    #[test]
    fn dollars_and_every_placeholder_render() {
        let t: QueryTemplate = "$$x ${env}/${component}@${version}${version}"
            .parse()
            .expect("valid");
        assert_eq!(t.render(&vars("2.0.0")), "$x prod/api@2.0.02.0.0");
        assert_eq!(
            t.to_string(),
            "$$x ${env}/${component}@${version}${version}"
        );
        let plain: QueryTemplate = "sum(rate(x[1m]))".parse().expect("valid");
        assert_eq!(plain.render(&vars("1")), "sum(rate(x[1m]))");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_name_their_column() {
        let e = "é ${verison}"
            .parse::<QueryTemplate>()
            .expect_err("unknown");
        assert_eq!((e.column, e.found.as_str()), (3, "${verison}"));
        let e = "up $version".parse::<QueryTemplate>().expect_err("bare");
        assert_eq!((e.column, e.found.as_str()), (4, "$version"));
        let e = "${version} ${env"
            .parse::<QueryTemplate>()
            .expect_err("open");
        assert_eq!(e.column, 12);
        assert!(e.to_string().contains("column 12"), "{e}");
    }
}
