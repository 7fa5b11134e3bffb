//! The changelog engine: grouping changes into sections and rendering them.
//!
//! [`Changelog`] holds a checked [`ChangelogConfig`] and an optional [`Remote`]. It groups the
//! changes of a release ([`Changelog::group`]), renders Keep a Changelog Markdown
//! ([`Changelog::render_release`], [`Changelog::render_document`]), forge release notes
//! ([`Changelog::release_notes`]) and builds the serde [`ChangelogContext`] that the JSON output
//! and templates use ([`Changelog::context`]).
//!
//! Rendering is one pass over the changes, writing into one `String`: no per-change allocation
//! beyond the output's growth (the context, for JSON and templates, owns its strings).

use chrono::NaiveDate;
use regex::Regex;
use relman_model::change::{Change, Person};
use relman_model::commit::{BreakingSource, ConventionalCommit};
use relman_model::text::escape_markdown;

use crate::config::{BreakingPlacement, ChangelogConfig, Placement};
use crate::context::{
    ChangelogContext, Contributor, EntryContext, GroupContext, IssueLink, ReleaseContext,
    SCHEMA_VERSION,
};
use crate::cut::MarkdownDocument;
use crate::document::{LinkTarget, SectionLabel};
use crate::remote::Remote;

/// Returned by [`Changelog::new`]: a setting that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BuildChangelogError {
    /// A regular expression does not compile.
    #[error("`{key}`: invalid regular expression `{pattern}`")]
    InvalidPattern {
        /// The configuration key, e.g. `changelog.skip.messages[1]`.
        key: String,
        /// The pattern.
        pattern: String,
        /// Why it does not compile.
        #[source]
        source: regex::Error,
    },
    /// `filter_unconventional = false` with `non_conventional = "skip"`.
    #[error(
        "`changelog.filter_unconventional = false` contradicts `changelog.non_conventional = \"skip\"`"
    )]
    ContradictoryUnconventional,
    /// A section has an empty title.
    #[error("`{key}`: a section needs a non-empty title")]
    EmptyTitle {
        /// The configuration key, e.g. `changelog.sections[2].title`.
        key: String,
    },
}

/// One release to render: its label, tags, date and changes (newest first, as a history walk
/// gives them).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReleaseInput<'a> {
    /// `Unreleased` or the version.
    pub label: SectionLabel,
    /// The release's tag (`None` for unreleased changes, compared with `HEAD`).
    pub tag: Option<String>,
    /// The tag of the release before, for the compare link.
    pub previous_tag: Option<String>,
    /// The release date (taken from the tag or given by the caller; never the clock).
    pub date: Option<NaiveDate>,
    /// The changes of the release.
    pub changes: &'a [Change],
}

impl<'a> ReleaseInput<'a> {
    /// A release without tags or date.
    pub fn new(label: SectionLabel, changes: &'a [Change]) -> Self {
        Self {
            label,
            tag: None,
            previous_tag: None,
            date: None,
            changes,
        }
    }

    /// The same release with its tag.
    #[must_use]
    pub fn with_tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// The same release with the previous release's tag.
    #[must_use]
    pub fn with_previous_tag(mut self, tag: impl Into<String>) -> Self {
        self.previous_tag = Some(tag.into());
        self
    }

    /// The same release with a date.
    #[must_use]
    pub fn with_date(mut self, date: NaiveDate) -> Self {
        self.date = Some(date);
        self
    }
}

/// The changes of one section, breaking changes first, otherwise in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    /// The section title.
    pub title: &'a str,
    /// Which kind of section it is.
    pub kind: GroupKind,
    /// The changes.
    pub changes: Vec<&'a Change>,
}

/// What a [`Group`] collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GroupKind {
    /// The breaking changes, whatever their type ([`BreakingPlacement`]); always first.
    Breaking,
    /// The configured section at this index of `sections`.
    Section(usize),
    /// The "Other" section; always last.
    Other,
}

/// The result of [`Changelog::group`]: non-empty groups in section order ("Breaking changes"
/// first, "Other" last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping<'a> {
    /// The groups.
    pub groups: Vec<Group<'a>>,
    /// How many changes were left out.
    pub skipped: usize,
    /// How many listed changes are breaking (each counted once).
    pub breaking: usize,
    /// How many dependency updates are counted in the "Other" group's last line instead of
    /// listed ([`ChangelogConfig::collapse_dependency_updates`]).
    pub dependency_updates: usize,
}

/// A rendered release section and the link definitions it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedRelease {
    /// The Markdown section, from its `## ` heading to its last line (ending with `\n`).
    pub section: String,
    /// The link definition of the heading's label, when there is a remote.
    pub links: Vec<LinkTarget>,
}

struct CompiledPattern {
    regex: Regex,
    url: Option<String>,
}

/// The changelog engine: groups changes into sections and renders them.
///
/// Rendering is one pass over the changes into one `String`; the [`ChangelogContext`] (for JSON
/// and templates) owns its strings.
#[derive(Debug)]
pub struct Changelog {
    config: ChangelogConfig,
    remote: Option<Remote>,
    skip_messages: Vec<Regex>,
    issues: Vec<CompiledPattern>,
    exclude_authors: Vec<Regex>,
}

impl std::fmt::Debug for CompiledPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledPattern")
            .field("regex", &self.regex.as_str())
            .field("url", &self.url)
            .finish()
    }
}

fn compile(key: String, pattern: &str) -> Result<Regex, BuildChangelogError> {
    Regex::new(pattern).map_err(|source| BuildChangelogError::InvalidPattern {
        key,
        pattern: pattern.to_owned(),
        source,
    })
}

fn short_id(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

impl Changelog {
    /// Checks `config` and builds the engine; `remote` enables commit, compare and issue links.
    ///
    /// # Errors
    ///
    /// [`BuildChangelogError`] naming the configuration key of an invalid regular expression or
    /// an empty section title, or the keys that contradict each other.
    pub fn new(
        config: ChangelogConfig,
        remote: Option<Remote>,
    ) -> Result<Self, BuildChangelogError> {
        for (i, s) in config.sections.iter().enumerate() {
            if s.title.trim().is_empty() {
                return Err(BuildChangelogError::EmptyTitle {
                    key: format!("changelog.sections[{i}].title"),
                });
            }
        }
        if config.filter_unconventional == Some(false) && config.non_conventional == Placement::Skip
        {
            return Err(BuildChangelogError::ContradictoryUnconventional);
        }
        let skip_messages = config
            .skip
            .messages
            .iter()
            .enumerate()
            .map(|(i, p)| compile(format!("changelog.skip.messages[{i}]"), p))
            .collect::<Result<_, _>>()?;
        let issues = config
            .issues
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(CompiledPattern {
                    regex: compile(format!("changelog.issues[{i}].pattern"), &p.pattern)?,
                    url: p.url.clone(),
                })
            })
            .collect::<Result<_, _>>()?;
        let exclude_authors = config
            .contributors
            .exclude
            .iter()
            .enumerate()
            .map(|(i, p)| compile(format!("changelog.contributors.exclude[{i}]"), p))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            config,
            remote,
            skip_messages,
            issues,
            exclude_authors,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ChangelogConfig {
        &self.config
    }

    /// The remote, if links are enabled.
    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref()
    }

    /// The section index of `change` (`sections.len()` is "Other"), or `None` when skipped.
    fn classify(&self, change: &Change) -> Option<usize> {
        if self
            .skip_messages
            .iter()
            .any(|r| r.is_match(&change.summary))
        {
            return None;
        }
        let other = self.config.sections.len();
        let Some(commit) = &change.commit else {
            return (self.config.unconventional_placement() == Placement::Other).then_some(other);
        };
        let breaking = commit.is_breaking();
        if !breaking {
            if self.config.skip.types.iter().any(|t| commit.kind.is(t)) {
                return None;
            }
            if commit
                .scope
                .as_ref()
                .is_some_and(|scope| self.config.skip.scopes.iter().any(|s| s == scope.as_str()))
            {
                return None;
            }
        }
        let by_footer = self.config.sections.iter().position(|s| {
            !s.footers.is_empty()
                && commit.footers.iter().any(|f| {
                    s.footers
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(f.token.as_str()))
                })
        });
        if by_footer.is_some() {
            return by_footer;
        }
        let by_type = self
            .config
            .sections
            .iter()
            .position(|s| s.types.iter().any(|t| commit.kind.is(t)));
        if by_type.is_some() {
            return by_type;
        }
        (breaking || self.config.other_types == Placement::Other).then_some(other)
    }

    /// Groups `changes` into sections. Linear in the number of changes.
    pub fn group<'a>(&'a self, changes: &'a [Change]) -> Grouping<'a> {
        let sections = self.config.sections.len();
        let n = sections + 1;
        let mut breaking_section: Vec<&Change> = Vec::new();
        let mut breaking: Vec<Vec<&Change>> = vec![Vec::new(); n];
        let mut rest: Vec<Vec<&Change>> = vec![Vec::new(); n];
        let mut skipped = 0;
        let mut dependency_updates = 0;
        for change in changes {
            match self.classify(change) {
                Some(_)
                    if self.config.collapse_dependency_updates
                        && !change.is_breaking()
                        && is_dependency_update(change) =>
                {
                    dependency_updates += 1;
                }
                Some(i) if change.is_breaking() => match self.config.breaking {
                    BreakingPlacement::Section => breaking_section.push(change),
                    BreakingPlacement::SectionAndType => {
                        breaking_section.push(change);
                        breaking[i].push(change);
                    }
                    BreakingPlacement::Type => breaking[i].push(change),
                },
                Some(i) => rest[i].push(change),
                None => skipped += 1,
            }
        }
        let breaking_count = match self.config.breaking {
            BreakingPlacement::Type => breaking.iter().map(Vec::len).sum(),
            _ => breaking_section.len(),
        };
        let mut groups = Vec::with_capacity(n + 1);
        if !breaking_section.is_empty() {
            groups.push(Group {
                title: self.config.breaking_title.as_str(),
                kind: GroupKind::Breaking,
                changes: breaking_section,
            });
        }
        groups.extend(
            breaking
                .into_iter()
                .zip(rest)
                .enumerate()
                .filter(|(_, (b, r))| !b.is_empty() || !r.is_empty())
                .map(|(i, (mut b, r))| {
                    b.extend(r);
                    match self.config.sections.get(i) {
                        Some(s) => Group {
                            title: s.title.as_str(),
                            kind: GroupKind::Section(i),
                            changes: b,
                        },
                        None => Group {
                            title: self.config.other_title.as_str(),
                            kind: GroupKind::Other,
                            changes: b,
                        },
                    }
                }),
        );
        if dependency_updates > 0 && groups.last().is_none_or(|g| g.kind != GroupKind::Other) {
            groups.push(Group {
                title: self.config.other_title.as_str(),
                kind: GroupKind::Other,
                changes: Vec::new(),
            });
        }
        Grouping {
            groups,
            skipped,
            breaking: breaking_count,
            dependency_updates,
        }
    }

    /// Writes `text`, escaped as Markdown ([`escape_markdown`]), with issue references turned
    /// into Markdown links.
    fn write_linkified(&self, out: &mut String, text: &str) {
        let mut at = 0;
        while at < text.len() {
            let mut best: Option<(usize, usize, usize)> = None;
            for (p, pattern) in self.issues.iter().enumerate() {
                if let Some(m) = pattern.regex.find_at(text, at)
                    && best.is_none_or(|(s, _, _)| m.start() < s)
                {
                    best = Some((m.start(), m.end(), p));
                }
            }
            let Some((start, end, p)) = best else { break };
            if end == start {
                break;
            }
            let reference = &text[start..end];
            out.push_str(&escape_markdown(&text[at..start]));
            match self.issue_url(p, text, start) {
                Some(url) => {
                    out.push('[');
                    out.push_str(&escape_markdown(reference));
                    out.push_str("](");
                    out.push_str(&url);
                    out.push(')');
                }
                None => out.push_str(&escape_markdown(reference)),
            }
            at = end;
        }
        out.push_str(&escape_markdown(&text[at..]));
    }

    /// The link of the match of pattern `p` starting at `start` in `text`.
    fn issue_url(&self, p: usize, text: &str, start: usize) -> Option<String> {
        let pattern = &self.issues[p];
        let caps = pattern.regex.captures_at(text, start)?;
        match &pattern.url {
            None => {
                let remote = self.remote.as_ref()?;
                let id = caps.get(1).or_else(|| caps.get(0))?.as_str();
                Some(remote.issue_url(id.trim_start_matches('#')))
            }
            Some(template) => {
                let mut url = String::with_capacity(template.len() + 16);
                let mut rest = template.as_str();
                while let Some(open) = rest.find('{') {
                    url.push_str(&rest[..open]);
                    let after = &rest[open + 1..];
                    let close = after.find('}');
                    let name = close.map(|c| &after[..c]);
                    match name {
                        Some("remote") => {
                            url.push_str(self.remote.as_ref()?.base());
                        }
                        Some(d) if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() => {
                            let i = usize::from(d.as_bytes()[0] - b'0');
                            url.push_str(caps.get(i).map_or("", |m| m.as_str()));
                        }
                        _ => {
                            url.push('{');
                            rest = after;
                            continue;
                        }
                    }
                    rest = &after[close.map_or(after.len(), |c| c + 1)..];
                }
                url.push_str(rest);
                Some(url)
            }
        }
    }

    /// The link of a whole issue reference such as `#12` or `ABC-7`, when a pattern matches
    /// all of it.
    fn reference_url(&self, reference: &str) -> Option<String> {
        self.issues.iter().enumerate().find_map(|(p, pattern)| {
            let m = pattern.regex.find(reference)?;
            (m.start() == 0 && m.end() == reference.len())
                .then(|| self.issue_url(p, reference, 0))
                .flatten()
        })
    }

    /// Writes one entry (without the leading `- `) as the Markdown renderer shows it; in the
    /// breaking-changes section (`kind`) without the `**BREAKING**` mark.
    fn write_entry(&self, out: &mut String, change: &Change, kind: GroupKind) {
        match &change.commit {
            Some(commit) => {
                if commit.is_breaking() && kind != GroupKind::Breaking {
                    out.push_str("**BREAKING** ");
                }
                if let Some(scope) = &commit.scope {
                    out.push_str("**");
                    out.push_str(&escape_markdown(scope.as_str()));
                    out.push_str("**: ");
                }
                self.write_linkified(out, &commit.description);
            }
            None => self.write_linkified(out, &change.summary),
        }
        if self.config.commit_links
            && let Some(remote) = &self.remote
        {
            let id = change.id.as_str();
            out.push_str(" ([");
            out.push_str(short_id(id));
            out.push_str("](");
            remote.write_commit_url(out, id);
            out.push_str("))");
        }
        if let Some(text) = footer_breaking(change.commit.as_ref()) {
            for line in text.lines() {
                out.push_str("\n  ");
                out.push_str(&escape_markdown(line));
            }
        }
    }

    fn write_groups(&self, out: &mut String, grouping: &Grouping<'_>) {
        for group in &grouping.groups {
            out.push_str("\n### ");
            out.push_str(group.title);
            out.push_str("\n\n");
            for change in &group.changes {
                out.push_str("- ");
                self.write_entry(out, change, group.kind);
                out.push('\n');
            }
            if group.kind == GroupKind::Other && grouping.dependency_updates > 0 {
                out.push_str("- ");
                out.push_str(&dependency_line(grouping.dependency_updates));
                out.push('\n');
            }
        }
    }

    /// The link of a release's heading: a compare link from the previous tag, or the tag page
    /// of a first release.
    pub fn release_url(&self, release: &ReleaseInput<'_>) -> Option<String> {
        let remote = self.remote.as_ref()?;
        let to = match (&release.label, &release.tag) {
            (_, Some(tag)) => tag.as_str(),
            (SectionLabel::Unreleased, None) => "HEAD",
            (SectionLabel::Version(_), None) => return None,
        };
        match &release.previous_tag {
            Some(from) => Some(remote.compare_url(from, to)),
            None if to != "HEAD" => Some(remote.tag_url(to)),
            None => None,
        }
    }

    fn heading(release: &ReleaseInput<'_>) -> String {
        match (&release.label, release.date) {
            (label, Some(date)) if *label != SectionLabel::Unreleased => {
                format!("[{label}] - {}", date.format("%Y-%m-%d"))
            }
            (label, _) => format!("[{label}]"),
        }
    }

    /// Renders one release as a Keep a Changelog section, and its link definition.
    pub fn render_release(&self, release: &ReleaseInput<'_>) -> RenderedRelease {
        let mut section = String::with_capacity(64 + release.changes.len() * 96);
        self.write_release(&mut section, release);
        let links = self
            .release_url(release)
            .map(|url| LinkTarget::new(release.label.as_str(), url))
            .into_iter()
            .collect();
        RenderedRelease { section, links }
    }

    pub(crate) fn write_release(&self, out: &mut String, release: &ReleaseInput<'_>) {
        out.push_str("## ");
        out.push_str(&Self::heading(release));
        out.push('\n');
        let grouping = self.group(release.changes);
        self.write_groups(out, &grouping);
        if let Some(line) = self.contributors_line(release.changes, &grouping) {
            out.push('\n');
            out.push_str(&line);
            out.push('\n');
        }
    }

    /// The `Contributors: Ada Park, Bo Chen` line of a release (names escaped), when
    /// configured and the release lists something and has contributors.
    fn contributors_line(&self, changes: &[Change], grouping: &Grouping<'_>) -> Option<String> {
        if !self.config.contributors.line || grouping.groups.is_empty() {
            return None;
        }
        let contributors = self.contributors(changes);
        if contributors.is_empty() {
            return None;
        }
        let mut line = String::from("Contributors: ");
        for (i, c) in contributors.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            line.push_str(&escape_markdown(&c.name));
        }
        Some(line)
    }

    /// Renders a whole Keep a Changelog file: title, preamble, the releases (give them newest
    /// first) and their link definitions. [`MarkdownDocument`] writes the same text one
    /// release at a time.
    pub fn render_document(&self, releases: &[ReleaseInput<'_>]) -> String {
        let total: usize = releases.iter().map(|r| r.changes.len()).sum();
        let mut document = MarkdownDocument::with_capacity(self, 512 + total * 96);
        for release in releases {
            document.push(release);
        }
        document.finish()
    }

    /// Renders the body of a forge release for one release: its sections (as `###`
    /// headings), its contributors and a link to the full comparison.
    pub fn release_notes(&self, release: &ReleaseInput<'_>) -> String {
        let mut out = String::with_capacity(64 + release.changes.len() * 96);
        let grouping = self.group(release.changes);
        self.write_groups(&mut out, &grouping);
        let contributors = self.contributors(release.changes);
        if !contributors.is_empty() {
            out.push_str("\n### Contributors\n\n");
            for c in &contributors {
                out.push_str("- ");
                out.push_str(&escape_markdown(&c.name));
                out.push('\n');
            }
        }
        if let Some(url) = self.release_url(release) {
            out.push_str("\n**Full changelog**: ");
            out.push_str(&url);
            out.push('\n');
        }
        if out.starts_with('\n') {
            out.remove(0);
        }
        out
    }

    /// The unique authors of `changes`, without excluded ones, sorted by name then e-mail
    /// address. Two authors are one person when they share an e-mail address
    /// (case-insensitively) or a name (case-insensitively, surrounding spaces ignored); the
    /// first name and address seen are kept. The git adapter has applied `.mailmap` already.
    pub fn contributors(&self, changes: &[Change]) -> Vec<Contributor> {
        let mut by_email: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut by_name: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut out: Vec<Contributor> = Vec::new();
        for change in changes {
            let Person { name, email, .. } = &change.author;
            if self
                .exclude_authors
                .iter()
                .any(|r| r.is_match(name) || r.is_match(email))
            {
                continue;
            }
            let email_key = email.trim().to_lowercase();
            let name_key = name.trim().to_lowercase();
            let known = by_email
                .get(&email_key)
                .or_else(|| by_name.get(&name_key).filter(|_| !name_key.is_empty()))
                .copied();
            let i = match known {
                Some(i) => {
                    out[i].changes += 1;
                    i
                }
                None => {
                    out.push(Contributor {
                        name: name.clone(),
                        email: email.clone(),
                        changes: 1,
                    });
                    out.len() - 1
                }
            };
            by_email.entry(email_key).or_insert(i);
            if !name_key.is_empty() {
                by_name.entry(name_key).or_insert(i);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.email.cmp(&b.email)));
        out
    }

    fn entry_context(&self, change: &Change, kind: GroupKind) -> EntryContext {
        let commit = change.commit.as_ref();
        let description = commit.map_or(change.summary.as_str(), |c| c.description.as_str());
        let mut description_md = String::with_capacity(description.len());
        self.write_linkified(&mut description_md, description);
        let mut markdown = String::with_capacity(description.len() + 64);
        self.write_entry(&mut markdown, change, kind);
        let id = change.id.as_str();
        EntryContext {
            id: id.to_owned(),
            short_id: short_id(id).to_owned(),
            commit_url: self.remote.as_ref().map(|r| r.commit_url(id)),
            kind: commit.map(|c| c.kind.as_str().to_owned()),
            scope: commit.and_then(|c| c.scope.as_ref().map(|s| s.as_str().to_owned())),
            description: description.to_owned(),
            description_md,
            breaking: change.is_breaking(),
            breaking_description: footer_breaking(commit).map(str::to_owned),
            body: change.body.clone(),
            author: change.author.clone(),
            time: change.time,
            issues: change
                .issues
                .iter()
                .map(|i| IssueLink {
                    id: i.as_str().to_owned(),
                    url: self.reference_url(i.as_str()),
                })
                .collect(),
            markdown,
        }
    }

    /// The serde context of `releases` (newest first) for JSON output and templates.
    pub fn context(&self, releases: &[ReleaseInput<'_>]) -> ChangelogContext {
        let mut links = Vec::new();
        let releases = releases
            .iter()
            .map(|release| {
                let grouping = self.group(release.changes);
                let url = self.release_url(release);
                if let Some(url) = &url {
                    links.push(LinkTarget::new(release.label.as_str(), url.clone()));
                }
                ReleaseContext {
                    version: match &release.label {
                        SectionLabel::Version(v) => Some(v.clone()),
                        SectionLabel::Unreleased => None,
                    },
                    label: release.label.as_str().to_owned(),
                    heading: Self::heading(release),
                    tag: release.tag.clone(),
                    previous_tag: release.previous_tag.clone(),
                    date: release.date,
                    url,
                    changes: release.changes.len(),
                    skipped: grouping.skipped,
                    breaking: grouping.breaking,
                    groups: grouping
                        .groups
                        .iter()
                        .map(|g| GroupContext {
                            title: g.title.to_owned(),
                            dependency_updates: if g.kind == GroupKind::Other {
                                grouping.dependency_updates
                            } else {
                                0
                            },
                            entries: g
                                .changes
                                .iter()
                                .map(|c| self.entry_context(c, g.kind))
                                .collect(),
                        })
                        .collect(),
                    contributors: self.contributors(release.changes),
                    contributors_md: self.contributors_line(release.changes, &grouping),
                }
            })
            .collect();
        ChangelogContext {
            schema_version: SCHEMA_VERSION,
            title: self.config.title.clone(),
            preamble: self.config.preamble.trim_end().to_owned(),
            remote: self.remote.clone(),
            releases,
            links,
        }
    }
}

/// `12 dependency updates`.
fn dependency_line(n: usize) -> String {
    format!("{n} dependency update{}", if n == 1 { "" } else { "s" })
}

/// The scopes of dependency updates (`build(deps): ...`, `chore(deps-dev): ...`).
const DEPENDENCY_SCOPES: [&str; 4] = ["deps", "deps-dev", "dev-deps", "dependencies"];

/// The types that dependency bots and people use for dependency updates.
const DEPENDENCY_TYPES: [&str; 4] = ["build", "chore", "fix", "deps"];

/// Whether `change` is a dependency update: a `build`, `chore`, `fix` or `deps` commit scoped
/// `deps` (or `deps-dev`, `dev-deps`, `dependencies`), a `deps:` commit, or a commit by
/// dependabot or renovate.
fn is_dependency_update(change: &Change) -> bool {
    let bot = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("dependabot") || s.contains("renovate")
    };
    if bot(&change.author.name) || bot(&change.author.email) {
        return true;
    }
    let Some(commit) = &change.commit else {
        return false;
    };
    commit.kind.is("deps")
        || (DEPENDENCY_TYPES.iter().any(|t| commit.kind.is(t))
            && commit.scope.as_ref().is_some_and(|s| {
                DEPENDENCY_SCOPES
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(s.as_str()))
            }))
}

/// The breaking-change text of a commit when it comes from a footer and says more than the
/// description.
fn footer_breaking(commit: Option<&ConventionalCommit>) -> Option<&str> {
    let commit = commit?;
    let breaking = commit.breaking.as_ref()?;
    (breaking.source != BreakingSource::Bang && breaking.description != commit.description)
        .then_some(breaking.description.as_str())
}
