//! The history-source port: where changes and release tags come from.
//!
//! Engines (versioning, changelog, risk) need two things from a version-control history: the
//! [`Change`]s in a [`RevisionRange`], and the [`VersionTag`]s that mark releases. The
//! [`HistorySource`] trait asks adapters for exactly these two (`walk` and `version_tags`) and
//! derives the rest ([`HistorySource::changes`], [`HistorySource::last_release`]). The git
//! adapter (`relman-git`) implements it over a repository; [`MemoryHistory`] implements it over
//! values, for tests and for tools that already hold their history.
//!
//! Architecture invariant: this module does no I/O; a source's errors are its own
//! ([`HistorySource::Error`]).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use relman_model::change::{Change, Person};
//! use relman_model::history::{HistorySource, MemoryHistory, RevisionRange, VersionTag};
//!
//! let at = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
//! let ada = Person::new("Ada Park", "ada@example.org");
//! let mut history = MemoryHistory::new();
//! history.push(Change::from_message("c1".parse()?, "feat: one", ada.clone(), at));
//! history.push(Change::from_message("c2".parse()?, "chore(release): v0.2.0", ada.clone(), at));
//! history.tag(VersionTag::new("v0.2.0", "c2".parse()?, None, "0.2.0".parse()?));
//! history.push(Change::from_message("c3".parse()?, "fix: two", ada, at));
//!
//! let range: RevisionRange = "v0.2.0..HEAD".parse()?;
//! let changes = history.changes(&range)?;
//! assert_eq!(changes.len(), 1);
//! assert_eq!(changes[0].summary, "fix: two");
//! assert_eq!(history.last_release(None, &range.to)?.map(|t| t.name), Some("v0.2.0".to_owned()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::ops::ControlFlow;
use std::str::FromStr;

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::id::{ChangeId, ComponentId};

/// A revision as a history source understands it: a commit id, a tag, a branch, `HEAD`, or any
/// other expression the source resolves (git accepts `HEAD~3`, `v1.2.0^{}`...).
///
/// Non-empty, without surrounding whitespace and without `..`. JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Revision(String);

/// Returned by [`Revision`]'s and [`RevisionRange`]'s `FromStr` for text that is not a revision
/// (range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid revision range {value:?}: expected REV, A..B, A.. or ..B with non-empty revisions (A...B is not supported)"
)]
pub struct ParseRevisionError {
    /// The rejected input.
    pub value: String,
}

impl Revision {
    /// `HEAD`: the current commit.
    pub fn head() -> Self {
        Self("HEAD".to_owned())
    }

    /// Validates `value` as a revision.
    ///
    /// # Errors
    ///
    /// [`ParseRevisionError`] when `value` is empty, has surrounding whitespace or holds `..`.
    pub fn new(value: impl Into<String>) -> Result<Self, ParseRevisionError> {
        let value = value.into();
        if value.is_empty() || value.trim() != value || value.contains("..") {
            return Err(ParseRevisionError { value });
        }
        Ok(Self(value))
    }

    /// The revision text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Revision {
    type Err = ParseRevisionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Revision {
    type Error = ParseRevisionError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<Revision> for String {
    fn from(r: Revision) -> String {
        r.0
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// The changes reachable from `to` but not from `from` (git's `from..to`); without `from`, every
/// change reachable from `to`.
///
/// Text form (`FromStr`/`Display`): `A..B`, `A..` (to `HEAD`), `..B` or `B` (no lower bound).
/// JSON: `{"from": "v1.2.0", "to": "HEAD"}` (`from` may be `null`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RevisionRange {
    /// The excluded lower bound, usually the last release tag.
    pub from: Option<Revision>,
    /// The included upper bound.
    pub to: Revision,
}

impl RevisionRange {
    /// `from..to`.
    pub fn new(from: Option<Revision>, to: Revision) -> Self {
        Self { from, to }
    }

    /// Everything reachable from `to`.
    pub fn up_to(to: Revision) -> Self {
        Self { from: None, to }
    }
}

impl Default for RevisionRange {
    /// The whole history of `HEAD`.
    fn default() -> Self {
        Self::up_to(Revision::head())
    }
}

impl FromStr for RevisionRange {
    type Err = ParseRevisionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseRevisionError {
            value: s.to_owned(),
        };
        if s.contains("...") {
            return Err(err());
        }
        match s.split_once("..") {
            None => Ok(Self::up_to(Revision::new(s).map_err(|_| err())?)),
            Some((from, to)) => {
                let from = match from {
                    "" => None,
                    f => Some(Revision::new(f).map_err(|_| err())?),
                };
                let to = match to {
                    "" if from.is_some() => Revision::head(),
                    t => Revision::new(t).map_err(|_| err())?,
                };
                Ok(Self { from, to })
            }
        }
    }
}

impl fmt::Display for RevisionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.from {
            Some(from) => write!(f, "{from}..{}", self.to),
            None => write!(f, "{}", self.to),
        }
    }
}

/// A tag that marks a release: its name, the change it points at, and the component and version
/// its name encodes (by a tag pattern such as `{component}-v{version}`).
///
/// JSON: `{"name": "api-v1.2.0", "target": "3f2a9c0e...", "component": "api", "version":
/// "1.2.0"}` (`component` is `null` for a repository-wide tag such as `v1.2.0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VersionTag {
    /// The tag name, e.g. `api-v1.2.0`.
    pub name: String,
    /// The change (commit) the tag points at, after peeling annotated tags.
    pub target: ChangeId,
    /// The component the tag releases; `None` for a repository-wide tag.
    pub component: Option<ComponentId>,
    /// The released version.
    pub version: Version,
}

impl VersionTag {
    /// A release tag.
    pub fn new(
        name: impl Into<String>,
        target: ChangeId,
        component: Option<ComponentId>,
        version: Version,
    ) -> Self {
        Self {
            name: name.into(),
            target,
            component,
            version,
        }
    }
}

/// A tag by name and the change it points at, before any tag pattern has read it; listed by
/// [`HistorySource::tags`].
///
/// JSON: `{"name": "v1.2.0", "target": "3f2a9c0e..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedTag {
    /// The tag name, e.g. `api-v1.2.0` or `1.2.0`.
    pub name: String,
    /// The change (commit) the tag points at, after peeling annotated tags.
    pub target: ChangeId,
}

impl NamedTag {
    /// The tag `name` on `target`.
    pub fn new(name: impl Into<String>, target: ChangeId) -> Self {
        Self {
            name: name.into(),
            target,
        }
    }
}

/// What a scoped walk ([`HistorySource::walk_scoped`]) visits: the changes that touch one of
/// `paths` (all changes when `paths` is empty) outside every `excluded` path, with per-file diff
/// stats when `diff_stats` is set. `excluded` is how a package at the root of a workspace leaves
/// out the packages nested below it.
///
/// ```
/// use relman_model::history::WalkScope;
/// let scope = WalkScope::new().with_paths(vec!["crates/api".into()]).with_diff_stats();
/// assert!(scope.owns("crates/api/src/lib.rs"));
/// assert!(!scope.owns("crates/api-client/src/lib.rs"));
///
/// let root = WalkScope::new().with_excluded(vec!["crates/api".into()]);
/// assert!(root.owns("src/main.rs") && !root.owns("crates/api/src/lib.rs"));
/// assert!(!root.is_whole_repository());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct WalkScope {
    /// Repository paths (directories or files, `/`-separated); empty means the whole
    /// repository.
    pub paths: Vec<String>,
    /// Whether each visited change carries its per-file diff stats.
    pub diff_stats: bool,
    /// Paths below `paths` that are out of scope (nested packages).
    pub excluded: Vec<String>,
    /// Whether the walk goes oldest first: the exact reverse of the newest-first order, for
    /// consumers that fold a history from its start without holding all of it.
    pub oldest_first: bool,
}

impl WalkScope {
    /// Every change, without diff stats.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the changes that touch one of `paths` (builder style).
    #[must_use]
    pub fn with_paths(mut self, paths: Vec<String>) -> Self {
        self.paths = paths;
        self
    }

    /// With per-file diff stats (builder style).
    #[must_use]
    pub fn with_diff_stats(mut self) -> Self {
        self.diff_stats = true;
        self
    }

    /// Oldest first (builder style; see [`oldest_first`](Self::oldest_first)).
    #[must_use]
    pub fn with_oldest_first(mut self) -> Self {
        self.oldest_first = true;
        self
    }

    /// Without the changes that touch only `excluded` paths (builder style).
    #[must_use]
    pub fn with_excluded(mut self, excluded: Vec<String>) -> Self {
        self.excluded = excluded;
        self
    }

    /// Whether the whole repository is in scope (no path, or only `.` or the empty path, and
    /// nothing excluded).
    pub fn is_whole_repository(&self) -> bool {
        self.excluded.is_empty()
            && self
                .paths
                .iter()
                .all(|p| p.trim_end_matches('/').is_empty() || p == ".")
    }

    /// Whether `path` is in scope: it is one of the paths or lies below one, and is neither an
    /// excluded path nor below one.
    pub fn owns(&self, path: &str) -> bool {
        // An empty `excluded` excludes nothing (for `owns_path`, an empty list owns all).
        owns_path(&self.paths, path)
            && (self.excluded.is_empty() || !owns_path(&self.excluded, path))
    }

    /// Whether `change` is in scope, judged by its diff stats (a change without diff stats is
    /// in scope: nothing says it is not).
    pub fn touches(&self, change: &Change) -> bool {
        match &change.diff {
            Some(diff) if !self.is_whole_repository() => diff
                .iter()
                .any(|d| self.owns(&d.path) || d.old_path.as_deref().is_some_and(|p| self.owns(p))),
            _ => true,
        }
    }
}

/// Whether `path` is one of `paths` or lies below one (`/`-separated; an empty list, `""` or
/// `.` owns everything).
pub(crate) fn owns_path(paths: &[String], path: &str) -> bool {
    if paths.is_empty() {
        return true;
    }
    paths.iter().any(|own| {
        let own = own.trim_end_matches('/');
        own.is_empty()
            || own == "."
            || path == own
            || (path.len() > own.len()
                && path.starts_with(own)
                && path.as_bytes()[own.len()] == b'/')
    })
}

/// A place where a [`HistorySource`] keeps what its consumers derived from it, between runs
/// (the git adapter: files in the repository's git directory).
///
/// It is a cache: [`load`](Self::load) may forget anything, [`store`](Self::store) may fail
/// silently, and a consumer must get the same result with or without it. An entry is replaced
/// whole, so a reader sees the old entry or the new one, never a mixture.
pub trait HistoryCache {
    /// The bytes last stored under `name`; `None` when there are none or they cannot be read.
    fn load(&self, name: &str) -> Option<Vec<u8>>;

    /// Replaces the entry `name` with `bytes`; failures are ignored.
    fn store(&self, name: &str, bytes: &[u8]);
}

/// A source of history: changes in a revision range and release tags.
///
/// Implementors provide [`walk`](Self::walk) and [`version_tags`](Self::version_tags); the other
/// methods have default implementations on top of them.
pub trait HistorySource {
    /// What can go wrong while reading the history (I/O, a missing revision...).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Calls `visit` with each change of `range`, newest first, until `visit` returns
    /// [`ControlFlow::Break`] or the range is exhausted. Which changes a range holds beyond
    /// reachability (merges, path filters) is the source's configuration.
    ///
    /// # Errors
    ///
    /// The source's error when a bound of `range` does not resolve or the history cannot be
    /// read.
    fn walk(
        &self,
        range: &RevisionRange,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error>;

    /// The release tags reachable from `at` (tags on changes that are not ancestors of `at`
    /// are left out), in no particular order.
    ///
    /// # Errors
    ///
    /// The source's error when `at` does not resolve or the tags cannot be read.
    fn version_tags(&self, at: &Revision) -> Result<Vec<VersionTag>, Self::Error>;

    /// Walks the changes of `range` that `scope` selects, newest first (oldest first when the
    /// scope says so), with diff stats when the scope asks for them.
    ///
    /// The default walks everything with [`walk`](Self::walk) and keeps the changes
    /// [`WalkScope::touches`] accepts (holding them all to go oldest first); adapters that can
    /// filter by path, compute diff stats or walk backwards themselves (the git adapter)
    /// override it.
    ///
    /// # Errors
    ///
    /// As [`walk`](Self::walk).
    fn walk_scoped(
        &self,
        range: &RevisionRange,
        scope: &WalkScope,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        if scope.oldest_first {
            let mut changes = Vec::new();
            self.walk(range, &mut |c| {
                if scope.touches(&c) {
                    changes.push(c);
                }
                ControlFlow::Continue(())
            })?;
            for change in changes.into_iter().rev() {
                if visit(change).is_break() {
                    break;
                }
            }
            return Ok(());
        }
        self.walk(range, &mut |c| {
            if scope.touches(&c) {
                visit(c)
            } else {
                ControlFlow::Continue(())
            }
        })
    }

    /// Every tag reachable from `at`, by name, whatever its name says: the planner reads them
    /// with its own tag patterns ([`crate::tag::TagPattern`]).
    ///
    /// The default lists the [`version_tags`](Self::version_tags); adapters that know more tags
    /// than their own patterns accept (the git adapter) override it.
    ///
    /// # Errors
    ///
    /// As [`version_tags`](Self::version_tags).
    fn tags(&self, at: &Revision) -> Result<Vec<NamedTag>, Self::Error> {
        Ok(self
            .version_tags(at)?
            .into_iter()
            .map(|t| NamedTag::new(t.name, t.target))
            .collect())
    }

    /// Where derived data may be kept between runs; `None` (the default) when nowhere.
    fn cache(&self) -> Option<&dyn HistoryCache> {
        None
    }

    /// The id of the change `rev` names; `Ok(None)` (the default) when the source cannot say.
    ///
    /// # Errors
    ///
    /// The source's error when `rev` does not resolve.
    fn resolve_change(&self, rev: &Revision) -> Result<Option<ChangeId>, Self::Error> {
        let _ = rev;
        Ok(None)
    }

    /// Walks, newest first, the changes `scope` selects among those `to` adds on top of
    /// `base`, and returns `true`, when the walk up to `to` is exactly those changes followed
    /// by the walk up to `base` (in git: the new commits all descend from `base` alone and
    /// are newer than it). Returns `false` without calling `visit` when that does not hold or
    /// the source cannot tell (the default).
    ///
    /// This lets a consumer that folds a history oldest first (the change metrics) resume
    /// from what it folded up to `base`, with the same result as a fold of the whole walk.
    ///
    /// # Errors
    ///
    /// As [`walk_scoped`](Self::walk_scoped).
    fn walk_extension(
        &self,
        base: &ChangeId,
        to: &Revision,
        scope: &WalkScope,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<bool, Self::Error> {
        let _ = (base, to, scope, visit);
        Ok(false)
    }

    /// The changes of `range`, newest first.
    ///
    /// # Errors
    ///
    /// As [`walk`](Self::walk).
    fn changes(&self, range: &RevisionRange) -> Result<Vec<Change>, Self::Error> {
        let mut out = Vec::new();
        self.walk(range, &mut |c| {
            out.push(c);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// The release of `component` (`None`: repository-wide tags) with the highest version among
    /// the tags reachable from `at`; ties (same version, several tags) go to the smallest tag
    /// name. `Ok(None)` when the component was never released.
    ///
    /// # Errors
    ///
    /// As [`version_tags`](Self::version_tags).
    fn last_release(
        &self,
        component: Option<&ComponentId>,
        at: &Revision,
    ) -> Result<Option<VersionTag>, Self::Error> {
        Ok(self
            .version_tags(at)?
            .into_iter()
            .filter(|t| t.component.as_ref() == component)
            .max_by(|a, b| a.version.cmp(&b.version).then_with(|| b.name.cmp(&a.name))))
    }
}

/// Returned by [`MemoryHistory`] for a revision it does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown revision {revision}")]
pub struct UnknownRevisionError {
    /// The revision that names no change or tag.
    pub revision: Revision,
}

/// A linear in-memory history for tests and embedders: changes in the order they were made,
/// and tags on them.
///
/// Revisions are change ids, tag names, or `HEAD` (the last change). A range `A..B` holds the
/// changes after `A` up to and including `B`. With [`MemoryHistory::with_paths`], only changes
/// whose diff stats touch one of the paths are walked (changes without diff stats are kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryHistory {
    changes: Vec<Change>,
    tags: Vec<VersionTag>,
    paths: Vec<String>,
}

impl MemoryHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `change` as the newest change.
    pub fn push(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Adds a release tag.
    pub fn tag(&mut self, tag: VersionTag) {
        self.tags.push(tag);
    }

    /// The same history walking only changes that touch `paths` (directories or files,
    /// `/`-separated; empty means everything).
    #[must_use]
    pub fn with_paths(mut self, paths: Vec<String>) -> Self {
        self.paths = paths;
        self
    }

    fn position(&self, rev: &Revision) -> Result<usize, UnknownRevisionError> {
        let unknown = || UnknownRevisionError {
            revision: rev.clone(),
        };
        let id = if rev.as_str() == "HEAD" {
            return self.changes.len().checked_sub(1).ok_or_else(unknown);
        } else if let Some(tag) = self.tags.iter().find(|t| t.name == rev.as_str()) {
            tag.target.as_str()
        } else {
            rev.as_str()
        };
        self.changes
            .iter()
            .position(|c| c.id.as_str() == id)
            .ok_or_else(unknown)
    }

    fn touches(&self, change: &Change) -> bool {
        WalkScope::new()
            .with_paths(self.paths.clone())
            .touches(change)
    }
}

impl HistorySource for MemoryHistory {
    type Error = UnknownRevisionError;

    fn walk(
        &self,
        range: &RevisionRange,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        let end = self.position(&range.to)?;
        let start = match &range.from {
            Some(from) => self.position(from)?.saturating_add(1),
            None => 0,
        };
        for change in self.changes[start.min(end + 1)..=end].iter().rev() {
            if self.touches(change) && visit(change.clone()).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn resolve_change(&self, rev: &Revision) -> Result<Option<ChangeId>, Self::Error> {
        Ok(Some(self.changes[self.position(rev)?].id.clone()))
    }

    /// A linear history: `to`'s walk extends `base`'s whenever `base` comes no later.
    fn walk_extension(
        &self,
        base: &ChangeId,
        to: &Revision,
        scope: &WalkScope,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<bool, Self::Error> {
        let Ok(base) = Revision::new(base.as_str()) else {
            return Ok(false);
        };
        let (Ok(start), end) = (self.position(&base), self.position(to)?) else {
            return Ok(false);
        };
        if start > end {
            return Ok(false);
        }
        let range = RevisionRange::new(Some(base), to.clone());
        self.walk_scoped(&range, scope, visit)?;
        Ok(true)
    }

    fn version_tags(&self, at: &Revision) -> Result<Vec<VersionTag>, Self::Error> {
        let end = self.position(at)?;
        Ok(self
            .tags
            .iter()
            .filter(|t| {
                self.changes[..=end]
                    .iter()
                    .any(|c| c.id.as_str() == t.target.as_str())
            })
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{DiffStat, Person};
    use chrono::{TimeZone, Utc};

    fn change(id: &str, message: &str, path: &str) -> Change {
        Change::from_message(
            id.parse().expect("valid id"),
            message,
            Person::new("Ada Park", "ada@example.org"),
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
                .single()
                .expect("valid time"),
        )
        .with_diff(vec![DiffStat::new(path, 1, 0)])
    }

    fn history() -> MemoryHistory {
        let mut h = MemoryHistory::new();
        h.push(change("c1", "feat: a", "crates/a/src/lib.rs"));
        h.push(change(
            "c2",
            "chore(release): a-v0.2.0",
            "crates/a/Cargo.toml",
        ));
        h.tag(VersionTag::new(
            "a-v0.2.0",
            "c2".parse().expect("id"),
            Some("a".parse().expect("id")),
            Version::new(0, 2, 0),
        ));
        h.push(change("c3", "fix: b", "crates/b/src/lib.rs"));
        h.push(change("c4", "fix: a", "crates/a/src/x.rs"));
        h.tag(VersionTag::new(
            "a-v0.1.9",
            "c4".parse().expect("id"),
            Some("a".parse().expect("id")),
            Version::new(0, 1, 9),
        ));
        h
    }

    fn ids(changes: &[Change]) -> Vec<&str> {
        changes.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn ranges_parse_and_display() {
        let r: RevisionRange = "v1..v2".parse().expect("valid");
        assert_eq!(r.from.as_ref().map(Revision::as_str), Some("v1"));
        assert_eq!(r.to.as_str(), "v2");
        assert_eq!(r.to_string(), "v1..v2");
        let r: RevisionRange = "v1..".parse().expect("valid");
        assert_eq!(r.to_string(), "v1..HEAD");
        let r: RevisionRange = "..main".parse().expect("valid");
        assert_eq!(r.to_string(), "main");
        for bad in ["", "..", "a...b", " a..b", "a..b..c"] {
            assert!(bad.parse::<RevisionRange>().is_err(), "{bad:?}");
        }
        let json = serde_json::to_value(RevisionRange::default()).expect("serializes");
        assert_eq!(json, serde_json::json!({"from": null, "to": "HEAD"}));
    }

    #[test]
    fn walks_newest_first_within_the_range() {
        let h = history();
        let all = h.changes(&RevisionRange::default()).expect("walks");
        assert_eq!(ids(&all), ["c4", "c3", "c2", "c1"]);
        let since = h
            .changes(&"a-v0.2.0..HEAD".parse().expect("range"))
            .expect("walks");
        assert_eq!(ids(&since), ["c4", "c3"]);
        let empty = h.changes(&"c4..c4".parse().expect("range")).expect("walks");
        assert!(empty.is_empty());
        let err = h.changes(&"nope..HEAD".parse().expect("range"));
        assert_eq!(
            err.map(|_| ()).map_err(|e| e.to_string()),
            Err("unknown revision nope".to_owned())
        );
    }

    #[test]
    fn walk_stops_on_break_and_filters_paths() {
        let h = history().with_paths(vec!["crates/a".to_owned()]);
        let mut seen = Vec::new();
        h.walk(&RevisionRange::default(), &mut |c| {
            seen.push(c.id.clone());
            ControlFlow::Break(())
        })
        .expect("walks");
        assert_eq!(seen.len(), 1);
        let all = h.changes(&RevisionRange::default()).expect("walks");
        assert_eq!(ids(&all), ["c4", "c2", "c1"]);
    }

    #[test]
    fn last_release_is_the_highest_reachable_version() {
        let h = history();
        let a: ComponentId = "a".parse().expect("id");
        let last = h.last_release(Some(&a), &Revision::head()).expect("tags");
        assert_eq!(last.map(|t| t.name), Some("a-v0.2.0".to_owned()));
        let before = h
            .last_release(Some(&a), &"c1".parse().expect("rev"))
            .expect("tags");
        assert_eq!(before, None);
        assert_eq!(h.last_release(None, &Revision::head()).expect("tags"), None);
    }

    #[test]
    fn a_linear_history_extends_any_earlier_change() {
        let h = history();
        let mut seen = Vec::new();
        let holds = h
            .walk_extension(
                &"c2".parse().expect("id"),
                &Revision::head(),
                &WalkScope::new(),
                &mut |c| {
                    seen.push(c);
                    ControlFlow::Continue(())
                },
            )
            .expect("known");
        assert!(holds);
        assert_eq!(ids(&seen), ["c4", "c3"]);
        let later = h
            .walk_extension(
                &"c4".parse().expect("id"),
                &Revision::new("c2").expect("rev"),
                &WalkScope::new(),
                &mut |_| ControlFlow::Continue(()),
            )
            .expect("known");
        assert!(!later, "c2 does not extend c4");
        let unknown = h
            .walk_extension(
                &"zz".parse().expect("id"),
                &Revision::head(),
                &WalkScope::new(),
                &mut |_| ControlFlow::Continue(()),
            )
            .expect("known");
        assert!(!unknown);
        assert_eq!(
            h.resolve_change(&Revision::head()).expect("known"),
            Some("c4".parse().expect("id"))
        );
    }
}
