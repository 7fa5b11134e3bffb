//! [`ChangelogJson`]: the stable JSON summary of a [`ChangelogContext`] that `relman changelog
//! --format json` prints.

use serde::Serialize;

use crate::context::ChangelogContext;

/// The stable JSON summary of a [`ChangelogContext`]: what `relman changelog --format json`
/// prints (documented in `docs/changelog.md`). Its own structs, so that a change of the
/// template context cannot change it silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChangelogJson {
    /// The context's schema version.
    pub schema_version: u32,
    /// The changelog title.
    pub title: String,
    /// The remote's base URL, when links are enabled.
    pub remote: Option<String>,
    /// The releases, newest first.
    pub releases: Vec<ReleaseJson>,
}

/// One release of a [`ChangelogJson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReleaseJson {
    /// The version, `null` for unreleased changes.
    pub version: Option<String>,
    /// Its tag.
    pub tag: Option<String>,
    /// The tag it is compared with.
    pub previous_tag: Option<String>,
    /// Its date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The comparison URL.
    pub url: Option<String>,
    /// Changes listed.
    pub changes: usize,
    /// Changes left out (filtered or not conventional).
    pub skipped: usize,
    /// Breaking changes.
    pub breaking: usize,
    /// Dependency updates counted in one line of "Other" instead of listed.
    pub dependency_updates: usize,
    /// The sections.
    pub groups: Vec<GroupJson>,
    /// Who contributed, most changes first.
    pub contributors: Vec<ContributorJson>,
}

/// One section of a [`ReleaseJson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GroupJson {
    /// The section title.
    pub title: String,
    /// Its changes.
    pub entries: Vec<EntryJson>,
}

/// One change of a [`GroupJson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EntryJson {
    /// The full commit id.
    pub id: String,
    /// The commit's URL.
    pub commit_url: Option<String>,
    #[serde(rename = "type")]
    /// The Conventional Commits type (`type` in JSON).
    pub kind: Option<String>,
    /// The scope.
    pub scope: Option<String>,
    /// The description.
    pub description: String,
    /// Whether it breaks compatibility.
    pub breaking: bool,
    /// The `BREAKING CHANGE` text.
    pub breaking_description: Option<String>,
    /// The author's name.
    pub author: String,
    /// The author's email.
    pub email: String,
    /// The commit time, RFC 3339 in seconds.
    pub time: String,
    /// The issues it refers to.
    pub issues: Vec<IssueJson>,
}

/// An issue reference of an [`EntryJson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IssueJson {
    /// The reference as written (`#12`).
    pub id: String,
    /// Its URL.
    pub url: Option<String>,
}

/// A contributor of a [`ReleaseJson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ContributorJson {
    /// The name.
    pub name: String,
    /// The email.
    pub email: String,
    /// Their changes in the release.
    pub changes: usize,
}

impl From<ChangelogContext> for ChangelogJson {
    fn from(c: ChangelogContext) -> Self {
        Self {
            schema_version: c.schema_version,
            title: c.title,
            remote: c.remote.map(|r| r.base().to_owned()),
            releases: c
                .releases
                .into_iter()
                .map(|r| ReleaseJson {
                    version: r.version,
                    tag: r.tag,
                    previous_tag: r.previous_tag,
                    date: r.date.map(|d| d.format("%Y-%m-%d").to_string()),
                    url: r.url,
                    changes: r.changes,
                    skipped: r.skipped,
                    breaking: r.breaking,
                    dependency_updates: r.groups.iter().map(|g| g.dependency_updates).sum(),
                    groups: r
                        .groups
                        .into_iter()
                        .map(|g| GroupJson {
                            title: g.title,
                            entries: g
                                .entries
                                .into_iter()
                                .map(|e| EntryJson {
                                    id: e.id,
                                    commit_url: e.commit_url,
                                    kind: e.kind,
                                    scope: e.scope,
                                    description: e.description,
                                    breaking: e.breaking,
                                    breaking_description: e.breaking_description,
                                    author: e.author.name,
                                    email: e.author.email,
                                    time: e.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                                    issues: e
                                        .issues
                                        .into_iter()
                                        .map(|i| IssueJson {
                                            id: i.id,
                                            url: i.url,
                                        })
                                        .collect(),
                                })
                                .collect(),
                        })
                        .collect(),
                    contributors: r
                        .contributors
                        .into_iter()
                        .map(|p| ContributorJson {
                            name: p.name,
                            email: p.email,
                            changes: p.changes,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
