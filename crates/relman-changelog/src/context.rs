//! The changelog context: what JSON output and templates see.
//!
//! Built by [`Changelog::context`](crate::Changelog::context). The shape is stable and
//! documented field by field in `docs/changelog.md`; `schema_version` changes when it does.
//!
//! ```json
//! {"schema_version": 1, "title": "Changelog", "preamble": "All notable changes ...",
//!  "remote": {"forge": "github", "base": "https://github.com/o/r"},
//!  "releases": [{
//!    "version": "1.1.0", "label": "1.1.0", "heading": "[1.1.0] - 2026-11-28",
//!    "tag": "v1.1.0", "previous_tag": "v1.0.0", "date": "2026-11-28",
//!    "url": "https://github.com/o/r/compare/v1.0.0...v1.1.0",
//!    "changes": 3, "skipped": 1, "breaking": 0,
//!    "groups": [{"title": "Added", "entries": [{
//!      "id": "3f2a9c0e...", "short_id": "3f2a9c0", "commit_url": "https://...",
//!      "type": "feat", "scope": "parser", "description": "accept CRLF (#41)",
//!      "description_md": "accept CRLF ([#41](https://github.com/o/r/issues/41))",
//!      "breaking": false, "breaking_description": null, "body": null,
//!      "author": {"name": "Ada Park", "email": "ada@example.org"},
//!      "time": "2026-11-28T12:00:00Z",
//!      "issues": [{"id": "#41", "url": "https://github.com/o/r/issues/41"}],
//!      "markdown": "**parser**: accept CRLF ([#41](...)) ([3f2a9c0](...))"}]}],
//!    "contributors": [{"name": "Ada Park", "email": "ada@example.org", "changes": 3}]}],
//!  "links": [{"label": "1.1.0", "url": "https://github.com/o/r/compare/v1.0.0...v1.1.0"}]}
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use relman_model::change::Person;
use serde::{Deserialize, Serialize};

use crate::document::LinkTarget;
use crate::remote::Remote;

/// The current [`ChangelogContext::schema_version`].
pub const SCHEMA_VERSION: u32 = 1;

/// The whole changelog: releases newest first, with their groups and entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangelogContext {
    /// The shape version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The title of the changelog file.
    pub title: String,
    /// The text under the title.
    pub preamble: String,
    /// The remote repository, when links are enabled.
    pub remote: Option<Remote>,
    /// The releases, newest first.
    pub releases: Vec<ReleaseContext>,
    /// The link definitions of the release headings, in release order.
    pub links: Vec<LinkTarget>,
}

/// One release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleaseContext {
    /// The version, `null` for unreleased changes.
    pub version: Option<String>,
    /// `Unreleased` or the version: the heading's link label.
    pub label: String,
    /// The heading text after `## `, e.g. `[1.1.0] - 2026-11-28`.
    pub heading: String,
    /// The release's tag.
    pub tag: Option<String>,
    /// The previous release's tag.
    pub previous_tag: Option<String>,
    /// The release date, `YYYY-MM-DD`.
    pub date: Option<NaiveDate>,
    /// The compare (or tag) link.
    pub url: Option<String>,
    /// How many changes the release has, skipped ones included.
    pub changes: usize,
    /// How many were left out of the groups.
    pub skipped: usize,
    /// How many listed changes are breaking.
    pub breaking: usize,
    /// The sections, in configured order.
    pub groups: Vec<GroupContext>,
    /// The authors of the release's changes (skipped ones included), bots excluded.
    pub contributors: Vec<Contributor>,
    /// The `Contributors: Ada Park, Bo Chen` line that ends the release in the changelog
    /// (names escaped), when configured and the release lists something.
    #[serde(default)]
    pub contributors_md: Option<String>,
}

/// One section of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupContext {
    /// The section title, e.g. `Added`.
    pub title: String,
    /// How many dependency updates the section counts in its last line (`12 dependency
    /// updates`) instead of listing them; only the "Other" section counts them.
    #[serde(default)]
    pub dependency_updates: usize,
    /// The entries, breaking first.
    pub entries: Vec<EntryContext>,
}

/// One change as listed in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntryContext {
    /// The full change id.
    pub id: String,
    /// The first 7 characters of the id.
    pub short_id: String,
    /// The commit's web page, when there is a remote.
    pub commit_url: Option<String>,
    /// The Conventional Commit type, `null` for other messages.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The scope.
    pub scope: Option<String>,
    /// The description (the summary line for non-conventional messages).
    pub description: String,
    /// The description with issue references as Markdown links.
    pub description_md: String,
    /// Whether the change is breaking.
    pub breaking: bool,
    /// The `BREAKING CHANGE:` footer text when it says more than the description.
    pub breaking_description: Option<String>,
    /// The message body.
    pub body: Option<String>,
    /// The author.
    pub author: Person,
    /// The commit time.
    pub time: DateTime<Utc>,
    /// The issues the change references, with links where a pattern gives one.
    pub issues: Vec<IssueLink>,
    /// The list item as the Markdown renderer writes it (without the leading `- `).
    pub markdown: String,
}

/// An issue reference and its link.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueLink {
    /// The reference as written, e.g. `#41` or `ABC-7`.
    pub id: String,
    /// Its page.
    pub url: Option<String>,
}

/// An author credited for a release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Contributor {
    /// The name (the first spelling seen for the e-mail address).
    pub name: String,
    /// The e-mail address.
    pub email: String,
    /// How many changes of the release they authored.
    pub changes: usize,
}
