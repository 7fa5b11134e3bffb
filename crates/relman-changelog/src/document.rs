//! Reading an existing Keep a Changelog file and updating it in place.
//!
//! [`ChangelogFile::parse`] finds the title and preamble, the `## [Unreleased]` and
//! `## [x.y.z] - YYYY-MM-DD` sections and the link reference definitions
//! (`[1.2.0]: https://...`) of a `CHANGELOG.md`, as byte ranges into the text. It never fails:
//! what it does not understand is reported as [`Diagnostic`]s and left alone.
//!
//! [`insert_release`] puts a new release section under the top of the file — in place of the
//! `[Unreleased]` section when there is one, never next to it — and adds or updates link
//! reference definitions. Every other byte is preserved: the returned [`Insertion`] lists its
//! [`Edit`]s, so removing the inserted section (or calling [`Insertion::undo`]) gives back the
//! original text exactly.
//!
//! ```
//! use relman_changelog::document::{insert_release, LinkTarget, NewRelease, SectionLabel};
//!
//! let original = "# Changelog\n\n## [Unreleased]\n\n- wip\n\n## [1.0.0] - 2026-01-01\n\n- first\n";
//! let section = "## [1.1.0] - 2026-02-01\n\n### Added\n\n- more\n";
//! let links = [LinkTarget::new("1.1.0", "https://example.org/compare/v1.0.0...v1.1.0")];
//! let release = NewRelease::new(SectionLabel::version("1.1.0"), section).with_links(&links);
//! let done = insert_release(original, &release)?;
//! assert!(done.text.starts_with("# Changelog\n\n## [1.1.0] - 2026-02-01\n"));
//! assert!(!done.text.contains("[Unreleased]"));
//! assert!(done.text.ends_with("[1.1.0]: https://example.org/compare/v1.0.0...v1.1.0\n"));
//! assert_eq!(done.undo(), original);
//! # Ok::<(), relman_changelog::document::InsertReleaseError>(())
//! ```

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// The label of a release section: `[Unreleased]` or a version.
///
/// JSON: `"unreleased"` or `{"version": "1.2.0"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionLabel {
    /// The `## [Unreleased]` section.
    Unreleased,
    /// A released version, as written in the heading (without brackets), e.g. `1.2.0`.
    Version(String),
}

impl SectionLabel {
    /// A version label.
    pub fn version(version: impl Into<String>) -> Self {
        Self::Version(version.into())
    }

    /// The text between the heading's brackets and used as link label: `Unreleased` or the
    /// version.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unreleased => "Unreleased",
            Self::Version(v) => v,
        }
    }

    /// Whether `label` (a link label or heading text) names this section. Labels compare
    /// case-insensitively, as Markdown link labels do; a leading `v` on a version is ignored.
    pub fn matches(&self, label: &str) -> bool {
        let norm = |s: &str| {
            let s = s.trim();
            s.strip_prefix(['v', 'V'])
                .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or(s)
                .to_ascii_lowercase()
        };
        norm(self.as_str()) == norm(label)
    }
}

impl fmt::Display for SectionLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What kind of `##` section a heading opens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SectionKind {
    /// `## [Unreleased]`.
    Unreleased,
    /// `## [1.2.0] - 2026-01-31` (the date and a trailing `[YANKED]` are optional).
    Release {
        /// The version as written, without brackets.
        version: String,
        /// The date as written after the separator, if any.
        date: Option<String>,
        /// Whether the heading ends with `[YANKED]`.
        yanked: bool,
    },
    /// Any other `##` heading (kept as it is, reported as a diagnostic).
    Other {
        /// The heading text after `## `.
        heading: String,
    },
}

impl SectionKind {
    /// The label of an `Unreleased` or `Release` section.
    pub fn label(&self) -> Option<SectionLabel> {
        match self {
            Self::Unreleased => Some(SectionLabel::Unreleased),
            Self::Release { version, .. } => Some(SectionLabel::Version(version.clone())),
            Self::Other { .. } => None,
        }
    }
}

/// One `##` section of a changelog: its heading and everything up to the next `##` heading or
/// the trailing link definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// What the heading says.
    pub kind: SectionKind,
    /// The 1-based line of the heading.
    pub line: usize,
    /// The byte range of the section, heading included.
    pub span: Range<usize>,
}

/// A link reference definition, `[label]: url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDefinition {
    /// The label between the brackets.
    pub label: String,
    /// The destination URL.
    pub url: String,
    /// The 1-based line.
    pub line: usize,
    /// The byte range of the whole line, line ending included.
    pub span: Range<usize>,
    /// The byte range of the URL.
    pub url_span: Range<usize>,
}

/// Something odd in a changelog, found by [`ChangelogFile::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The 1-based line it is about.
    pub line: usize,
    /// What is odd.
    pub kind: DiagnosticKind,
}

/// The kinds of [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file does not start with a `# ` title.
    MissingTitle,
    /// A `##` heading that is neither `[Unreleased]` nor a release.
    UnrecognisedHeading {
        /// The heading text.
        heading: String,
    },
    /// A release heading whose version is not SemVer.
    VersionNotSemver {
        /// The version text.
        version: String,
    },
    /// A release date that is not `YYYY-MM-DD`.
    DateNotIso {
        /// The date text.
        date: String,
    },
    /// A second section with the same label.
    DuplicateSection {
        /// The label.
        label: String,
        /// The line of the first one.
        first_line: usize,
    },
    /// `[Unreleased]` below a release.
    UnreleasedNotFirst,
    /// A second link definition with the same label (Markdown uses the first).
    DuplicateLink {
        /// The label.
        label: String,
        /// The line of the first one.
        first_line: usize,
    },
    /// A code fence that is never closed (the rest of the file is read as code).
    UnclosedCodeFence,
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingTitle => f.write_str("the file does not start with a `# ` title"),
            Self::UnrecognisedHeading { heading } => {
                write!(
                    f,
                    "heading `{heading}` is neither [Unreleased] nor a release"
                )
            }
            Self::VersionNotSemver { version } => {
                write!(f, "release version `{version}` is not semver")
            }
            Self::DateNotIso { date } => write!(f, "release date `{date}` is not YYYY-MM-DD"),
            Self::DuplicateSection { label, first_line } => {
                write!(f, "section [{label}] already appears on line {first_line}")
            }
            Self::UnreleasedNotFirst => f.write_str("[Unreleased] is not the first section"),
            Self::DuplicateLink { label, first_line } => {
                write!(f, "link [{label}] is already defined on line {first_line}")
            }
            Self::UnclosedCodeFence => f.write_str("code fence is never closed"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// The structure of a Keep a Changelog file, as byte ranges into its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangelogFile {
    /// The text before the first section (title and introduction).
    pub preamble: Range<usize>,
    /// The `# ` title line's text, if the preamble has one.
    pub title: Option<String>,
    /// The `##` sections, in file order.
    pub sections: Vec<Section>,
    /// Every link reference definition outside code fences, in file order.
    pub links: Vec<LinkDefinition>,
    /// The byte range of the trailing block of link definitions (blank lines between them
    /// included), if the file ends with one.
    pub link_block: Option<Range<usize>>,
    /// What looked odd.
    pub diagnostics: Vec<Diagnostic>,
}

struct Line<'a> {
    number: usize,
    start: usize,
    text: &'a str,
    in_code: bool,
}

fn lines(text: &str) -> (Vec<Line<'_>>, Option<usize>) {
    let mut out = Vec::new();
    let mut start = 0;
    let mut fence: Option<(char, usize, usize)> = None;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let content = raw.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start_matches(' ').len();
        let body = &content[indent..];
        let mut in_code = fence.is_some();
        if indent <= 3 {
            let marker = body.chars().next().filter(|c| *c == '`' || *c == '~');
            if let Some(c) = marker {
                let run = body.len() - body.trim_start_matches(c).len();
                if run >= 3 {
                    match fence {
                        None => {
                            fence = Some((c, run, i + 1));
                            in_code = true;
                        }
                        Some((fc, flen, _))
                            if fc == c && run >= flen && body[run..].trim().is_empty() =>
                        {
                            fence = None;
                            in_code = true;
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        out.push(Line {
            number: i + 1,
            start,
            text: content,
            in_code,
        });
        start += raw.len();
    }
    (out, fence.map(|(_, _, line)| line))
}

fn parse_link(line: &str) -> Option<(String, Range<usize>)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = line[indent..].strip_prefix('[')?;
    let close = rest.find(']')?;
    let label = &rest[..close];
    if label.trim().is_empty() || label.contains('[') {
        return None;
    }
    let after = rest[close + 1..].strip_prefix(':')?;
    let url_offset = indent + 1 + close + 2 + (after.len() - after.trim_start().len());
    let url = after.split_whitespace().next()?;
    Some((label.to_owned(), url_offset..url_offset + url.len()))
}

fn parse_heading(heading: &str) -> SectionKind {
    let text = heading.trim();
    let (name, rest) = match text.strip_prefix('[') {
        Some(inner) => match inner.find(']') {
            Some(close) => (&inner[..close], inner[close + 1..].trim()),
            None => (text, ""),
        },
        None => match text.find(char::is_whitespace) {
            Some(space) => (&text[..space], text[space..].trim()),
            None => (text, ""),
        },
    };
    if name.eq_ignore_ascii_case("unreleased") && rest.is_empty() {
        return SectionKind::Unreleased;
    }
    let looks_like_version = name
        .strip_prefix(['v', 'V'])
        .unwrap_or(name)
        .starts_with(|c: char| c.is_ascii_digit());
    if !looks_like_version {
        return SectionKind::Other {
            heading: text.to_owned(),
        };
    }
    let mut rest = rest;
    let mut yanked = false;
    if let Some(before) = rest.strip_suffix("[YANKED]") {
        yanked = true;
        rest = before.trim_end();
    }
    let date = rest
        .strip_prefix(['-', '–', '—'])
        .map(str::trim)
        .or((!rest.is_empty()).then_some(rest))
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    SectionKind::Release {
        version: name.to_owned(),
        date,
        yanked,
    }
}

fn is_semver(version: &str) -> bool {
    let v = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl ChangelogFile {
    /// Reads the structure of `text`. Never fails: oddities become [`Diagnostic`]s.
    ///
    /// Headings and link definitions inside fenced code blocks are ignored. A section runs from
    /// its `##` heading to the next `##` heading, or to the trailing link-definition block, or to
    /// the end of the file.
    pub fn parse(text: &str) -> Self {
        let (lines, unclosed) = lines(text);
        let mut diagnostics = Vec::new();
        let mut headings: Vec<(usize, &Line<'_>, SectionKind)> = Vec::new();
        let mut links: Vec<LinkDefinition> = Vec::new();
        let mut title = None;
        for (index, line) in lines.iter().enumerate() {
            if line.in_code {
                continue;
            }
            if let Some(h) = line.text.strip_prefix("## ") {
                headings.push((index, line, parse_heading(h)));
            } else if line.text == "##" {
                headings.push((
                    index,
                    line,
                    SectionKind::Other {
                        heading: String::new(),
                    },
                ));
            } else if let Some(t) = line.text.strip_prefix("# ") {
                if headings.is_empty() && title.is_none() {
                    title = Some(t.trim().to_owned());
                }
            } else if let Some((label, url)) = parse_link(line.text) {
                let end = line.start + line.text.len();
                let span_end = lines.get(index + 1).map_or(text.len(), |next| next.start);
                debug_assert!(end <= span_end);
                links.push(LinkDefinition {
                    url: line.text[url.clone()].to_owned(),
                    label,
                    line: line.number,
                    span: line.start..span_end,
                    url_span: line.start + url.start..line.start + url.end,
                });
            }
        }
        if title.is_none() {
            diagnostics.push(Diagnostic {
                line: 1,
                kind: DiagnosticKind::MissingTitle,
            });
        }
        if let Some(line) = unclosed {
            diagnostics.push(Diagnostic {
                line,
                kind: DiagnosticKind::UnclosedCodeFence,
            });
        }

        // The trailing link block: a suffix of blank lines and link definitions.
        let mut link_block_start = None;
        for line in lines.iter().rev() {
            if line.in_code {
                break;
            }
            if line.text.trim().is_empty() {
                continue;
            }
            if parse_link(line.text).is_some() && !line.text.starts_with('#') {
                link_block_start = Some(line.start);
            } else {
                break;
            }
        }
        let link_block = link_block_start.map(|s| s..text.len());
        let body_end = link_block_start.unwrap_or(text.len());

        let mut sections: Vec<Section> = Vec::with_capacity(headings.len());
        for (i, (_, line, kind)) in headings.iter().enumerate() {
            let end = headings
                .get(i + 1)
                .map_or(body_end, |(_, next, _)| next.start)
                .max(line.start);
            sections.push(Section {
                kind: kind.clone(),
                line: line.number,
                span: line.start..end,
            });
        }
        let preamble = 0..sections.first().map_or(body_end, |s| s.span.start);

        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, section) in sections.iter().enumerate() {
            match &section.kind {
                SectionKind::Other { heading } => diagnostics.push(Diagnostic {
                    line: section.line,
                    kind: DiagnosticKind::UnrecognisedHeading {
                        heading: heading.clone(),
                    },
                }),
                SectionKind::Unreleased if i > 0 => diagnostics.push(Diagnostic {
                    line: section.line,
                    kind: DiagnosticKind::UnreleasedNotFirst,
                }),
                SectionKind::Release { version, date, .. } => {
                    if !is_semver(version) {
                        diagnostics.push(Diagnostic {
                            line: section.line,
                            kind: DiagnosticKind::VersionNotSemver {
                                version: version.clone(),
                            },
                        });
                    }
                    if let Some(date) = date.as_ref().filter(|d| !is_iso_date(d)) {
                        diagnostics.push(Diagnostic {
                            line: section.line,
                            kind: DiagnosticKind::DateNotIso { date: date.clone() },
                        });
                    }
                }
                SectionKind::Unreleased => {}
            }
            if let Some(label) = section.kind.label() {
                match seen.iter().find(|(l, _)| label.matches(l)) {
                    Some((_, first_line)) => diagnostics.push(Diagnostic {
                        line: section.line,
                        kind: DiagnosticKind::DuplicateSection {
                            label: label.as_str().to_owned(),
                            first_line: *first_line,
                        },
                    }),
                    None => seen.push((label.as_str().to_owned(), section.line)),
                }
            }
        }
        for (i, link) in links.iter().enumerate() {
            if let Some(first) = links[..i]
                .iter()
                .find(|l| l.label.eq_ignore_ascii_case(&link.label))
            {
                diagnostics.push(Diagnostic {
                    line: link.line,
                    kind: DiagnosticKind::DuplicateLink {
                        label: link.label.clone(),
                        first_line: first.line,
                    },
                });
            }
        }
        diagnostics.sort_by_key(|d| d.line);
        Self {
            preamble,
            title,
            sections,
            links,
            link_block,
            diagnostics,
        }
    }

    /// The `[Unreleased]` section, if any (the first one when there are several).
    pub fn unreleased(&self) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.kind == SectionKind::Unreleased)
    }

    /// The section for `label`, if any (the first one when there are several).
    pub fn section(&self, label: &SectionLabel) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.kind.label().is_some_and(|l| label.matches(l.as_str())))
    }

    /// The released versions, top to bottom.
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().filter_map(|s| match &s.kind {
            SectionKind::Release { version, .. } => Some(version.as_str()),
            _ => None,
        })
    }
}

/// A link reference definition to add or update: `[label]: url`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkTarget {
    /// The label, e.g. `1.2.0` or `Unreleased`.
    pub label: String,
    /// The URL.
    pub url: String,
}

impl LinkTarget {
    /// A link definition `[label]: url`.
    pub fn new(label: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            url: url.into(),
        }
    }
}

/// A release section to insert with [`insert_release`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelease<'a> {
    /// The label of the new section (`Unreleased` replaces the existing `[Unreleased]`).
    pub label: SectionLabel,
    /// The Markdown of the section, starting with its `## ` heading.
    pub section: &'a str,
    /// Link definitions to add (or to update when their label exists).
    pub links: &'a [LinkTarget],
}

impl<'a> NewRelease<'a> {
    /// A section without link definitions.
    pub fn new(label: SectionLabel, section: &'a str) -> Self {
        Self {
            label,
            section,
            links: &[],
        }
    }

    /// The same release with link definitions to add or update.
    #[must_use]
    pub fn with_links(mut self, links: &'a [LinkTarget]) -> Self {
        self.links = links;
        self
    }
}

/// What one edit of an [`Insertion`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditKind {
    /// The release section (inserted, or replacing `[Unreleased]`).
    Section,
    /// New link definitions.
    NewLinks,
    /// The URL of an existing link definition.
    LinkUrl,
}

/// One replacement made by [`insert_release`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// What this edit is.
    pub kind: EditKind,
    /// The byte range replaced in the original text (empty for a pure insertion).
    pub original: Range<usize>,
    /// The byte range of the new bytes in the updated text.
    pub updated: Range<usize>,
    /// The original bytes that were replaced.
    pub replaced: String,
}

/// The result of [`insert_release`]: the updated text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    /// The updated file.
    pub text: String,
    /// The edits, in file order; every byte outside them is unchanged.
    pub edits: Vec<Edit>,
}

impl Insertion {
    /// The byte range of the new release section in [`Insertion::text`].
    pub fn section(&self) -> Range<usize> {
        self.edits
            .iter()
            .find(|e| e.kind == EditKind::Section)
            .map_or(0..0, |e| e.updated.clone())
    }

    /// Reverts every edit, giving back the original text.
    pub fn undo(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for edit in &self.edits {
            out.push_str(&self.text[at..edit.updated.start]);
            out.push_str(&edit.replaced);
            at = edit.updated.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// Returned by [`insert_release`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InsertReleaseError {
    /// The file already has a section for this version.
    #[error("the changelog already has a section [{label}] on line {line}")]
    AlreadyPresent {
        /// The label of the section.
        label: String,
        /// The 1-based line of the existing heading.
        line: usize,
    },
    /// The new section does not start with a `## ` heading.
    #[error("the new section must start with a `## ` heading")]
    NotASection,
    /// The section or its links would land inside a code fence that is never closed.
    #[error("the code fence opened on line {line} is never closed")]
    UnclosedCodeFence {
        /// The 1-based line of the opening fence.
        line: usize,
    },
}

/// Inserts a release section into a Keep a Changelog file.
///
/// The section replaces the `[Unreleased]` section when the file has one; otherwise it goes
/// before the first section, or (with no section) after the preamble. Link definitions whose
/// label exists get their URL updated; new ones go into the trailing link block, after an
/// `[Unreleased]` definition that heads it, or into a new block at the end of the file. A line
/// break is added where needed so that the section is followed by a blank line. Every other
/// byte is preserved; see [`Insertion::edits`].
///
/// # Errors
///
/// [`InsertReleaseError::AlreadyPresent`] when a section with the same version exists,
/// [`InsertReleaseError::NotASection`] when `release.section` does not start with `## `,
/// [`InsertReleaseError::UnclosedCodeFence`] when the section or the links would land inside a
/// code fence that is never closed.
pub fn insert_release(
    text: &str,
    release: &NewRelease<'_>,
) -> Result<Insertion, InsertReleaseError> {
    if !release.section.starts_with("## ") {
        return Err(InsertReleaseError::NotASection);
    }
    let file = ChangelogFile::parse(text);
    if let (SectionLabel::Version(_), Some(existing)) =
        (&release.label, file.section(&release.label))
    {
        return Err(InsertReleaseError::AlreadyPresent {
            label: release.label.as_str().to_owned(),
            line: existing.line,
        });
    }
    let body_end = file.link_block.as_ref().map_or(text.len(), |b| b.start);
    let replaced = match file.unreleased() {
        Some(section) => section.span.clone(),
        None => {
            let at = file.sections.first().map_or(body_end, |s| s.span.start);
            at..at
        }
    };

    if let Some(line) = file
        .diagnostics
        .iter()
        .find_map(|d| (d.kind == DiagnosticKind::UnclosedCodeFence).then_some(d.line))
    {
        let fence_start = text
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum::<usize>();
        if replaced.start > fence_start || !release.links.is_empty() {
            return Err(InsertReleaseError::UnclosedCodeFence { line });
        }
    }

    // The section bytes, with the separators this position needs.
    let mut section = String::with_capacity(release.section.len() + 2);
    if replaced.start > 0 && !text[..replaced.start].ends_with('\n') {
        section.push('\n');
    }
    section.push_str(release.section);
    if !section.ends_with('\n') {
        section.push('\n');
    }
    if replaced.end < text.len() && !section.ends_with("\n\n") {
        section.push('\n');
    }

    // Link edits: updates in place, new definitions in one block.
    let mut pending: Vec<(EditKind, Range<usize>, String)> = Vec::new();
    let mut new_links = String::new();
    for target in release.links {
        let existing = file.links.iter().find(|l| {
            l.label.eq_ignore_ascii_case(&target.label)
                && !(l.span.start >= replaced.start && l.span.end <= replaced.end)
        });
        match existing {
            Some(link) if link.url == target.url => {}
            Some(link) => {
                pending.push((EditKind::LinkUrl, link.url_span.clone(), target.url.clone()))
            }
            None => {
                new_links.push('[');
                new_links.push_str(&target.label);
                new_links.push_str("]: ");
                new_links.push_str(&target.url);
                new_links.push('\n');
            }
        }
    }
    if !new_links.is_empty() {
        match &file.link_block {
            Some(block) => {
                let first = file.links.iter().find(|l| l.span.start >= block.start);
                let at = match first {
                    Some(l) if SectionLabel::Unreleased.matches(&l.label) => {
                        if l.span.end == text.len() && !text.ends_with('\n') {
                            new_links.insert(0, '\n');
                        }
                        l.span.end
                    }
                    _ => block.start,
                };
                pending.push((EditKind::NewLinks, at..at, new_links));
            }
            None => {
                let mut block = String::new();
                // After a section at the very end, the section brings the blank line.
                if replaced.end < text.len() {
                    if !text.ends_with('\n') {
                        block.push('\n');
                    }
                    if !text.ends_with("\n\n") {
                        block.push('\n');
                    }
                }
                block.push_str(&new_links);
                let at = text.len();
                pending.push((EditKind::NewLinks, at..at, block));
            }
        }
    }
    if at_end_needs_blank(&pending, &replaced, text) {
        // The section is at the very end and new links follow it: the section already ends
        // with a blank line only when it is followed by text; add one before the links.
        if !section.ends_with("\n\n") {
            section.push('\n');
        }
    }
    pending.push((EditKind::Section, replaced, section));
    pending.sort_by_key(|(kind, range, _)| (range.start, range.end, *kind != EditKind::Section));

    let mut out =
        String::with_capacity(text.len() + pending.iter().map(|p| p.2.len()).sum::<usize>());
    let mut edits = Vec::with_capacity(pending.len());
    let mut at = 0;
    for (kind, range, replacement) in pending {
        out.push_str(&text[at..range.start]);
        let start = out.len();
        out.push_str(&replacement);
        edits.push(Edit {
            kind,
            replaced: text[range.clone()].to_owned(),
            original: range.clone(),
            updated: start..out.len(),
        });
        at = range.end;
    }
    out.push_str(&text[at..]);
    Ok(Insertion { text: out, edits })
}

fn at_end_needs_blank(
    pending: &[(EditKind, Range<usize>, String)],
    replaced: &Range<usize>,
    text: &str,
) -> bool {
    replaced.end == text.len()
        && pending
            .iter()
            .any(|(kind, range, _)| *kind == EditKind::NewLinks && range.start == text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KAC: &str = "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n### Added\n\n- wip\n\n## [1.0.0] - 2026-01-02\n\n### Added\n\n- first\n\n```md\n## [9.9.9] - not a heading\n```\n\n## [0.9.0] - 2025-12-01 [YANKED]\n\n- old\n\n[Unreleased]: https://x.org/compare/v1.0.0...HEAD\n[1.0.0]: https://x.org/compare/v0.9.0...v1.0.0\n[0.9.0]: https://x.org/releases/v0.9.0\n";

    #[test]
    fn parses_sections_links_and_ignores_code() {
        let f = ChangelogFile::parse(KAC);
        assert_eq!(f.title.as_deref(), Some("Changelog"));
        assert_eq!(f.diagnostics, vec![]);
        let kinds: Vec<_> = f.sections.iter().map(|s| s.kind.label()).collect();
        assert_eq!(
            kinds,
            vec![
                Some(SectionLabel::Unreleased),
                Some(SectionLabel::version("1.0.0")),
                Some(SectionLabel::version("0.9.0"))
            ]
        );
        assert_eq!(
            f.sections[2].kind,
            SectionKind::Release {
                version: "0.9.0".into(),
                date: Some("2025-12-01".into()),
                yanked: true
            }
        );
        assert_eq!(
            &KAC[f.preamble.clone()],
            "# Changelog\n\nAll notable changes.\n\n"
        );
        assert!(KAC[f.sections[0].span.clone()].ends_with("- wip\n\n"));
        assert_eq!(f.links.len(), 3);
        assert_eq!(f.links[1].label, "1.0.0");
        assert_eq!(&KAC[f.links[1].url_span.clone()], f.links[1].url);
        assert!(KAC[f.link_block.clone().expect("block")].starts_with("[Unreleased]:"));
        assert!(KAC[f.sections[2].span.clone()].ends_with("- old\n\n"));
        assert_eq!(f.versions().collect::<Vec<_>>(), ["1.0.0", "0.9.0"]);
    }

    #[test]
    fn reports_oddities_without_failing() {
        let text = "Intro\n## Notes\n## [1.0] - Jan 2\n## [Unreleased]\n## [1.0] - 2026-01-01\n[a]: u\n[A]: v\n```\n";
        let f = ChangelogFile::parse(text);
        let kinds: Vec<_> = f
            .diagnostics
            .iter()
            .map(|d| (d.line, d.kind.clone()))
            .collect();
        assert!(kinds.contains(&(1, DiagnosticKind::MissingTitle)));
        assert!(kinds.contains(&(
            2,
            DiagnosticKind::UnrecognisedHeading {
                heading: "Notes".into()
            }
        )));
        assert!(kinds.contains(&(
            3,
            DiagnosticKind::VersionNotSemver {
                version: "1.0".into()
            }
        )));
        assert!(kinds.contains(&(
            3,
            DiagnosticKind::DateNotIso {
                date: "Jan 2".into()
            }
        )));
        assert!(kinds.contains(&(4, DiagnosticKind::UnreleasedNotFirst)));
        assert!(kinds.contains(&(
            5,
            DiagnosticKind::DuplicateSection {
                label: "1.0".into(),
                first_line: 3
            }
        )));
        assert!(kinds.contains(&(
            7,
            DiagnosticKind::DuplicateLink {
                label: "A".into(),
                first_line: 6
            }
        )));
        assert!(kinds.contains(&(8, DiagnosticKind::UnclosedCodeFence)));
    }

    #[test]
    fn replaces_unreleased_and_updates_links() {
        let links = [
            LinkTarget::new("Unreleased", "https://x.org/compare/v1.1.0...HEAD"),
            LinkTarget::new("1.1.0", "https://x.org/compare/v1.0.0...v1.1.0"),
        ];
        let section = "## [1.1.0] - 2026-02-01\n\n### Fixed\n\n- bug\n";
        let release = NewRelease::new(SectionLabel::version("1.1.0"), section).with_links(&links);
        let done = insert_release(KAC, &release).expect("inserts");
        let expected = KAC
            .replace(
                "## [Unreleased]\n\n### Added\n\n- wip\n\n",
                "## [1.1.0] - 2026-02-01\n\n### Fixed\n\n- bug\n\n",
            )
            .replace(
                "[Unreleased]: https://x.org/compare/v1.0.0...HEAD\n",
                "[Unreleased]: https://x.org/compare/v1.1.0...HEAD\n[1.1.0]: https://x.org/compare/v1.0.0...v1.1.0\n",
            );
        assert_eq!(done.text, expected);
        assert_eq!(done.edits.len(), 3);
        assert_eq!(
            &done.text[done.section()],
            "## [1.1.0] - 2026-02-01\n\n### Fixed\n\n- bug\n\n"
        );
        assert_eq!(done.undo(), KAC);
        let again = insert_release(&done.text, &release).expect_err("duplicate");
        assert_eq!(
            again,
            InsertReleaseError::AlreadyPresent {
                label: "1.1.0".into(),
                line: 5
            }
        );
    }

    #[test]
    fn inserts_into_files_without_sections_or_newline() {
        let section = "## [0.1.0] - 2026-01-01\n\n- first";
        let links = [LinkTarget::new("0.1.0", "u")];
        let release = NewRelease::new(SectionLabel::version("0.1.0"), section).with_links(&links);
        let done = insert_release("# Changelog", &release).expect("inserts");
        assert_eq!(
            done.text,
            "# Changelog\n## [0.1.0] - 2026-01-01\n\n- first\n\n[0.1.0]: u\n"
        );
        assert_eq!(done.undo(), "# Changelog");
        let done = insert_release("", &release).expect("inserts");
        assert_eq!(
            done.text,
            "## [0.1.0] - 2026-01-01\n\n- first\n\n[0.1.0]: u\n"
        );
        assert_eq!(
            insert_release("", &NewRelease::new(SectionLabel::Unreleased, "x")),
            Err(InsertReleaseError::NotASection)
        );
    }

    #[test]
    fn labels_match_loosely() {
        assert!(SectionLabel::version("1.2.0").matches("v1.2.0"));
        assert!(SectionLabel::Unreleased.matches("unreleased"));
        assert!(!SectionLabel::version("1.2.0").matches("1.2.1"));
    }
}
