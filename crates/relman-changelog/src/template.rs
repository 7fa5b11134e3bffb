//! User templates (minijinja) over the [`ChangelogContext`].
//!
//! Templates use Jinja2 syntax ([minijinja](https://docs.rs/minijinja)) with `trim_blocks` and
//! `lstrip_blocks` on (a block tag's line leaves no trace) and the trailing newline kept. The
//! context's top-level fields (`title`, `preamble`, `remote`, `releases`, `links`) are the
//! template's variables; see `docs/changelog.md`.
//!
//! Two templates are built in ([`BuiltinTemplate`]): `keepachangelog`, which gives the same
//! bytes as [`Changelog::render_document`](crate::Changelog::render_document), and
//! `release-notes`, the same as [`Changelog::release_notes`](crate::Changelog::release_notes)
//! for the first release of the context.
//!
//! ```
//! use relman_changelog::template::Template;
//! use relman_changelog::{Changelog, ChangelogConfig, ReleaseInput, SectionLabel};
//!
//! let engine = Changelog::new(ChangelogConfig::default(), None)?;
//! let context = engine.context(&[ReleaseInput::new(SectionLabel::version("1.0.0"), &[])]);
//! let template = Template::new("{% for r in releases %}{{ r.label }}\n{% endfor %}")?;
//! assert_eq!(template.render(&context)?, "1.0.0\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

use minijinja::Environment;
use minijinja::syntax::SyntaxConfig;

use crate::context::ChangelogContext;

const NAME: &str = "changelog";

/// The source of the `keepachangelog` built-in template.
pub const KEEPACHANGELOG: &str = include_str!("templates/keepachangelog.md.j2");

/// The source of the `release-notes` built-in template.
pub const RELEASE_NOTES: &str = include_str!("templates/release-notes.md.j2");

/// The templates that ship with relman.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum BuiltinTemplate {
    /// `keepachangelog`: a whole Keep a Changelog file.
    KeepAChangelog,
    /// `release-notes`: the forge release body of the first release.
    ReleaseNotes,
}

impl BuiltinTemplate {
    /// The template's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::KeepAChangelog => "keepachangelog",
            Self::ReleaseNotes => "release-notes",
        }
    }

    /// The template's source.
    pub fn source(self) -> &'static str {
        match self {
            Self::KeepAChangelog => KEEPACHANGELOG,
            Self::ReleaseNotes => RELEASE_NOTES,
        }
    }
}

impl fmt::Display for BuiltinTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Returned by [`BuiltinTemplate::from_str`]: no built-in template has this name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no built-in template `{name}` (expected keepachangelog or release-notes)")]
pub struct ParseBuiltinTemplateError {
    /// The name asked for.
    pub name: String,
}

impl FromStr for BuiltinTemplate {
    type Err = ParseBuiltinTemplateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "keepachangelog" => Ok(Self::KeepAChangelog),
            "release-notes" => Ok(Self::ReleaseNotes),
            _ => Err(ParseBuiltinTemplateError { name: s.to_owned() }),
        }
    }
}

/// Returned by [`Template::new`]: the template does not compile.
#[derive(Debug, thiserror::Error)]
#[error("invalid template{}", line_suffix(*.line))]
pub struct ParseTemplateError {
    /// The 1-based line of the error, when known.
    pub line: Option<usize>,
    /// The template engine's report.
    #[source]
    pub source: minijinja::Error,
}

/// Returned by [`Template::render`]: rendering failed (e.g. an unknown filter or a type error).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the template{}", line_suffix(*.line))]
pub struct RenderTemplateError {
    /// The 1-based line of the error, when known.
    pub line: Option<usize>,
    /// The template engine's report.
    #[source]
    pub source: minijinja::Error,
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

/// A compiled template.
#[derive(Debug)]
pub struct Template {
    env: Environment<'static>,
}

impl Template {
    /// Compiles `source`.
    ///
    /// # Errors
    ///
    /// [`ParseTemplateError`] with the line of the syntax error.
    pub fn new(source: &str) -> Result<Self, ParseTemplateError> {
        let mut env = Environment::new();
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.add_template_owned(NAME, source.to_owned())
            .map_err(|source| ParseTemplateError {
                line: source.line(),
                source,
            })?;
        Ok(Self { env })
    }

    /// A built-in template.
    pub fn builtin(template: BuiltinTemplate) -> Self {
        Self::new(template.source()).expect("built-in templates compile (tested)")
    }

    /// Renders the template over `context`.
    ///
    /// # Errors
    ///
    /// [`RenderTemplateError`] with the line where rendering failed.
    pub fn render(&self, context: &ChangelogContext) -> Result<String, RenderTemplateError> {
        let fail = |source: minijinja::Error| RenderTemplateError {
            line: source.line(),
            source,
        };
        let template = self.env.get_template(NAME).map_err(fail)?;
        template
            .render(minijinja::Value::from(minijinja::value::Serde(context)))
            .map_err(fail)
    }
}
