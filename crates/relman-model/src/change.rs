//! Changes: one commit of a history as relman sees it.
//!
//! A [`Change`] carries the commit's id, summary and body, its [`Person`] author, the committer
//! time, the parsed [`ConventionalCommit`] when the message is one, the issues it references and,
//! when the history source computed them, per-file [`DiffStat`]s. Adapters such as the git crate
//! build changes with [`Change::from_message`]; engines (versioning, changelog, risk) read them.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use relman_model::change::{Change, DiffStat, Person};
//!
//! let change = Change::from_message(
//!     "3f2a9c0e".parse()?,
//!     "fix(parser): accept CRLF (#41)\n\nWindows editors write them.\n",
//!     Person::new("Ada Park", "ada@example.org"),
//!     Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
//! )
//! .with_diff(vec![DiffStat::new("src/parser.rs", 12, 3)]);
//! assert_eq!(change.summary, "fix(parser): accept CRLF (#41)");
//! assert_eq!(change.body.as_deref(), Some("Windows editors write them."));
//! assert!(change.commit.as_ref().is_some_and(|c| c.kind.is("fix")));
//! assert_eq!(change.issues[0].as_str(), "#41");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::commit::{ConventionalCommit, IssueRef, description_issues};
use crate::id::ChangeId;

/// A person as a history records them: a display name and an e-mail address.
///
/// JSON: `{"name": "Ada Park", "email": "ada@example.org"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Person {
    /// The display name, e.g. `Ada Park`.
    pub name: String,
    /// The e-mail address, e.g. `ada@example.org` (not validated: histories hold anything).
    pub email: String,
}

impl Person {
    /// A person with `name` and `email`.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
        }
    }
}

impl std::fmt::Display for Person {
    /// `Name <email>`, as git writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// Lines added and deleted in one file by a change.
///
/// Paths are relative to the repository root with `/` separators. Binary files count zero
/// lines. JSON: `{"path": "src/new.rs", "old_path": "src/old.rs", "added": 3, "deleted": 1}`
/// (`old_path` is `null` unless the file was renamed or copied).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiffStat {
    /// The path after the change.
    pub path: String,
    /// The path before the change, when the file was renamed or copied.
    pub old_path: Option<String>,
    /// Lines added.
    pub added: u64,
    /// Lines deleted.
    pub deleted: u64,
}

impl DiffStat {
    /// A file changed in place.
    pub fn new(path: impl Into<String>, added: u64, deleted: u64) -> Self {
        Self {
            path: path.into(),
            old_path: None,
            added,
            deleted,
        }
    }

    /// A file renamed (or copied) from `old_path` to `path`.
    pub fn renamed(
        old_path: impl Into<String>,
        path: impl Into<String>,
        added: u64,
        deleted: u64,
    ) -> Self {
        Self {
            path: path.into(),
            old_path: Some(old_path.into()),
            added,
            deleted,
        }
    }

    /// Lines added plus lines deleted.
    pub fn churn(&self) -> u64 {
        self.added.saturating_add(self.deleted)
    }
}

/// One change (commit) of a history.
///
/// JSON shape:
/// ```json
/// {"id": "3f2a9c0e", "summary": "fix(parser): accept CRLF (#41)", "body": null,
///  "author": {"name": "Ada Park", "email": "ada@example.org"},
///  "time": "2026-11-28T12:00:00Z", "commit": { /* ConventionalCommit or null */ },
///  "issues": ["#41"], "diff": [{"path": "src/parser.rs", "old_path": null, "added": 12, "deleted": 3}]}
/// ```
/// `commit` is `null` when the message is not a Conventional Commit; `diff` is `null` when the
/// history source did not compute diff stats (an empty list means an empty diff).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// The change id, usually the full commit hash.
    pub id: ChangeId,
    /// The first line of the message, without trailing whitespace.
    pub summary: String,
    /// The rest of the message after the summary, without surrounding blank lines; `None` when
    /// empty.
    pub body: Option<String>,
    /// Who wrote the change.
    pub author: Person,
    /// When the change was committed (committer time).
    pub time: DateTime<Utc>,
    /// The message parsed as a Conventional Commit (strictly), `None` when it is not one.
    pub commit: Option<ConventionalCommit>,
    /// The issues the change references: those of the parsed commit, or for other messages the
    /// `(#123)` references in the summary.
    pub issues: Vec<IssueRef>,
    /// Per-file line counts, when the history source computed them.
    pub diff: Option<Vec<DiffStat>>,
}

impl Change {
    /// Builds a change from its commit `message`: splits the summary (first line) from the body
    /// and parses the message as a Conventional Commit (strict; see
    /// [`ConventionalCommit::parse`]). `diff` starts as `None`.
    pub fn from_message(id: ChangeId, message: &str, author: Person, time: DateTime<Utc>) -> Self {
        let trimmed = message.trim_start_matches(['\n', '\r']);
        let (summary, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
        let summary = summary.trim_end().to_owned();
        let body = skip_blank_lines(rest.trim_end());
        let commit = ConventionalCommit::parse(message).ok();
        let issues = match &commit {
            Some(c) => c.issues.clone(),
            None => {
                let mut issues = Vec::new();
                description_issues(&summary, &mut issues);
                issues
            }
        };
        Self {
            id,
            summary,
            body: (!body.is_empty()).then(|| body.replace("\r\n", "\n")),
            author,
            time,
            commit,
            issues,
            diff: None,
        }
    }

    /// The same change with per-file diff stats.
    #[must_use]
    pub fn with_diff(mut self, diff: Vec<DiffStat>) -> Self {
        self.diff = Some(diff);
        self
    }

    /// Whether the change is a breaking Conventional Commit.
    pub fn is_breaking(&self) -> bool {
        self.commit
            .as_ref()
            .is_some_and(ConventionalCommit::is_breaking)
    }

    /// Total lines added and deleted, when diff stats are known.
    pub fn churn(&self) -> Option<u64> {
        self.diff
            .as_ref()
            .map(|d| d.iter().map(DiffStat::churn).fold(0, u64::saturating_add))
    }
}

/// Drops leading lines that hold only whitespace, keeping the indentation of the first line
/// with text.
fn skip_blank_lines(text: &str) -> &str {
    let mut rest = text;
    while let Some((line, tail)) = rest.split_once('\n') {
        if line.trim().is_empty() {
            rest = tail;
        } else {
            break;
        }
    }
    if rest.trim().is_empty() { "" } else { rest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn change(message: &str) -> Change {
        Change::from_message(
            "abc123".parse().expect("valid id"),
            message,
            Person::new("Ada Park", "ada@example.org"),
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
                .single()
                .expect("valid time"),
        )
    }

    #[test]
    fn splits_summary_and_body() {
        let c = change("feat: a\r\n\r\n    indented\r\nline two\r\n\r\n");
        assert_eq!(c.summary, "feat: a");
        assert_eq!(c.body.as_deref(), Some("    indented\nline two"));
        assert!(c.commit.is_some());

        let c = change("Update README\n");
        assert_eq!(c.summary, "Update README");
        assert_eq!(c.body, None);
        assert_eq!(c.commit, None);
        assert!(!c.is_breaking());
    }

    #[test]
    fn issues_come_from_the_commit_or_the_summary() {
        let c = change("fix: x (#3)\n\nRefs: #4");
        let issues: Vec<&str> = c.issues.iter().map(IssueRef::as_str).collect();
        assert_eq!(issues, ["#3", "#4"]);
        let c = change("Merge fixes (#9)\n\nRefs: #4");
        let issues: Vec<&str> = c.issues.iter().map(IssueRef::as_str).collect();
        assert_eq!(issues, ["#9"]);
    }

    #[test]
    fn breaking_and_churn() {
        let c = change("refactor!: drop it").with_diff(vec![
            DiffStat::new("a.rs", 3, 1),
            DiffStat::renamed("old.rs", "new.rs", 0, 2),
        ]);
        assert!(c.is_breaking());
        assert_eq!(c.churn(), Some(6));
        assert_eq!(change("x").churn(), None);
    }

    #[test]
    fn json_round_trips_with_the_documented_shape() {
        let c = change("fix: y").with_diff(vec![DiffStat::renamed("o", "n", 1, 2)]);
        let json = serde_json::to_value(&c).expect("serializes");
        assert_eq!(json["time"], "2026-01-02T03:04:05Z");
        assert_eq!(json["author"]["email"], "ada@example.org");
        assert_eq!(json["diff"][0]["old_path"], "o");
        assert_eq!(json["commit"]["type"], "fix");
        let back: Change = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, c);
    }
}
