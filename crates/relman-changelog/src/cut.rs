//! Cutting a history into releases and rendering them one release at a time.
//!
//! A changelog is a history cut at its release tags: walking newest first, the change a release
//! tag points at starts that release, which then holds the tagged change and every change after
//! the previous tagged one. This module does that cut over the
//! [`HistorySource`] port and renders the releases as they come, so that
//! memory grows with the output, not with the history:
//!
//! - [`ReleaseTags`]: the release tags to cut at, highest version first (the caller decides
//!   which tags are releases: `relman changelog` takes those of a release unit of
//!   `relman-plan`);
//! - [`Scope`]: which part of the history (all, unreleased, latest release, a range);
//! - [`cut`]: walks the scope's range once and hands each [`Cut`] to a callback as soon as it
//!   is complete, newest first;
//! - [`input`]: the [`ReleaseInput`] of a cut (label, tags, date), with the unreleased changes
//!   optionally named as a [`NextRelease`];
//! - [`MarkdownDocument`]: the Keep a Changelog document built one release at a time, the
//!   same text as [`Changelog::render_document`];
//! - [`prepend`]: rendered releases ([`PendingRelease`]) inserted into an existing Keep a
//!   Changelog text, with the releases it already has reported, not printed.
//!
//! Architecture invariant: no I/O and no clock. Which changes a walk visits (path filters,
//! merges) is the history source's configuration; "today" for a [`NextRelease`] is an
//! argument; reading and writing files is the caller's.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use relman_changelog::Changelog;
//! use relman_changelog::cut::{MarkdownDocument, ReleaseTags, Scope, cut, input};
//! use relman_model::change::{Change, Person};
//! use relman_model::history::{HistorySource, MemoryHistory, VersionTag};
//! use std::ops::ControlFlow;
//!
//! let at = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
//! let ada = Person::new("Ada Park", "ada@example.org");
//! let mut history = MemoryHistory::new();
//! history.push(Change::from_message("c1".parse()?, "feat: one", ada.clone(), at));
//! history.tag(VersionTag::new("v0.1.0", "c1".parse()?, None, "0.1.0".parse()?));
//! history.push(Change::from_message("c2".parse()?, "fix: two", ada, at));
//!
//! let engine = Changelog::new(Default::default(), None)?;
//! let tags = ReleaseTags::new(history.version_tags(&"HEAD".parse()?)?);
//! let scope = Scope::All;
//! let mut document = MarkdownDocument::new(&engine);
//! cut(&history, &scope, &tags, &mut |c| {
//!     if let Some(release) = input(&c, &tags, None, &scope) {
//!         document.push(&release);
//!     }
//!     ControlFlow::Continue(())
//! })?;
//! let text = document.finish();
//! assert!(text.contains("## [Unreleased]\n\n### Fixed\n\n- two"));
//! assert!(text.contains("## [0.1.0] - 2026-11-28\n\n### Added\n\n- one"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::ControlFlow;

use chrono::NaiveDate;
use relman_model::history::{
    HistorySource, ParseRevisionError, Revision, RevisionRange, VersionTag,
};
use relman_model::{Change, ChangeId, TagPattern, Version};

use crate::document::{
    ChangelogFile, InsertReleaseError, LinkTarget, NewRelease, SectionLabel, insert_release,
};
use crate::engine::{Changelog, ReleaseInput, RenderedRelease};

/// Which part of a history a changelog covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// The whole history of `HEAD`.
    All,
    /// The changes since the latest release (all of them before the first release); shown
    /// even when there are none.
    Unreleased,
    /// The latest release: from the release before it to its tag.
    Latest,
    /// The changes of a revision range, cut at the release tags inside it.
    Range(RevisionRange),
}

impl Scope {
    /// The revision range that [`cut`] walks for this scope, given the release tags.
    ///
    /// # Errors
    ///
    /// [`ScopeRangeError::NoRelease`] for [`Scope::Latest`] without any release tag;
    /// [`ScopeRangeError::TagRevision`] when a tag's name is not a revision.
    pub fn range(&self, tags: &ReleaseTags) -> Result<RevisionRange, ScopeRangeError> {
        let revision = |t: &VersionTag| {
            Revision::new(t.name.clone()).map_err(|source| ScopeRangeError::TagRevision {
                tag: t.name.clone(),
                source,
            })
        };
        Ok(match self {
            Self::All => RevisionRange::default(),
            Self::Range(r) => r.clone(),
            Self::Unreleased => RevisionRange::new(
                tags.before_next().map(revision).transpose()?,
                Revision::head(),
            ),
            Self::Latest => {
                let latest = tags.latest().ok_or(ScopeRangeError::NoRelease)?;
                let from = match tags.prerelease_changes {
                    PrereleaseChanges::AlsoInStable if latest.version.pre.is_empty() => {
                        tags.previous(&latest.version)
                    }
                    _ => tags.as_slice().get(1),
                };
                RevisionRange::new(from.map(revision).transpose()?, revision(latest)?)
            }
        })
    }
}

/// Release tags sorted highest version first (ties by name): the cut points of [`cut`] and the
/// previous tags of [`input`], with what a stable release after pre-releases lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ReleaseTags {
    tags: Vec<VersionTag>,
    prerelease_changes: PrereleaseChanges,
    next: Option<Version>,
}

/// What a stable release that follows pre-releases (`1.0.0` after `1.0.0-rc.1`) lists.
///
/// `relman changelog` takes it from `[changelog] stable_includes_prereleases` (default `true`,
/// [`PrereleaseChanges::AlsoInStable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PrereleaseChanges {
    /// Every release lists the changes since the release tag before it, pre-release or not.
    #[default]
    OwnOnly,
    /// A stable release lists every change since the previous stable release (its
    /// pre-releases' changes included) and compares with that release; pre-releases still
    /// get their own sections.
    AlsoInStable,
}

impl ReleaseTags {
    /// The tags, in any order; sorted highest version first, ties by name. Every release
    /// lists its own changes ([`PrereleaseChanges::OwnOnly`]).
    pub fn new(tags: impl IntoIterator<Item = VersionTag>) -> Self {
        let mut tags: Vec<VersionTag> = tags.into_iter().collect();
        tags.sort_by(|a, b| b.version.cmp(&a.version).then_with(|| a.name.cmp(&b.name)));
        Self {
            tags,
            prerelease_changes: PrereleaseChanges::OwnOnly,
            next: None,
        }
    }

    /// The same tags, knowing that the changes after the latest release will be released as
    /// `version` (`relman changelog --tag NEXT`): with [`PrereleaseChanges::AlsoInStable`] and
    /// a stable `version` after pre-releases, those changes then hold the pre-releases' too,
    /// and [`Scope::Unreleased`] starts at the previous stable release.
    #[must_use]
    pub fn with_next_version(mut self, version: Version) -> Self {
        self.next = Some(version);
        self
    }

    /// The next version when it is stable and stable releases hold their pre-releases.
    fn folding_next(&self) -> Option<&Version> {
        self.next.as_ref().filter(|v| {
            v.pre.is_empty() && self.prerelease_changes == PrereleaseChanges::AlsoInStable
        })
    }

    /// The release the unreleased changes follow: the latest, or with a stable next version
    /// whose pre-releases it holds, the previous stable release.
    fn before_next(&self) -> Option<&VersionTag> {
        match self.folding_next() {
            Some(next) => self.previous(next),
            None => self.latest(),
        }
    }

    /// The same tags, with stable releases listing what `changes` says.
    #[must_use]
    pub fn with_prerelease_changes(mut self, changes: PrereleaseChanges) -> Self {
        self.prerelease_changes = changes;
        self
    }

    /// What a stable release after pre-releases lists.
    pub fn prerelease_changes(&self) -> PrereleaseChanges {
        self.prerelease_changes
    }

    /// The tags, highest version first.
    pub fn as_slice(&self) -> &[VersionTag] {
        &self.tags
    }

    /// The latest release: the highest version.
    pub fn latest(&self) -> Option<&VersionTag> {
        self.tags.first()
    }

    /// The release before `version`: the highest lower version; with
    /// [`PrereleaseChanges::AlsoInStable`] and a stable `version`, the highest lower stable
    /// version.
    pub fn previous(&self, version: &Version) -> Option<&VersionTag> {
        let stable_only =
            self.prerelease_changes == PrereleaseChanges::AlsoInStable && version.pre.is_empty();
        self.tags
            .iter()
            .find(|t| t.version < *version && (!stable_only || t.version.pre.is_empty()))
    }

    /// Whether there is no release tag.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// How many release tags there are.
    pub fn len(&self) -> usize {
        self.tags.len()
    }
}

impl FromIterator<VersionTag> for ReleaseTags {
    fn from_iter<I: IntoIterator<Item = VersionTag>>(iter: I) -> Self {
        Self::new(iter)
    }
}

/// One release cut from the history by [`cut`], owning its changes (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cut {
    /// The release tag whose target starts the cut; `None` for the changes after the newest
    /// release in the walked range.
    pub tag: Option<VersionTag>,
    /// The changes, newest first; a tagged cut starts with the tagged change.
    pub changes: Vec<Change>,
}

/// Returned by [`Scope::range`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeRangeError {
    /// [`Scope::Latest`] with no release tag.
    #[error("no release tag is reachable from HEAD")]
    NoRelease,
    /// A release tag's name cannot be used as a revision.
    #[error("release tag `{tag}` is not a revision")]
    TagRevision {
        /// The tag name.
        tag: String,
        /// Why.
        #[source]
        source: ParseRevisionError,
    },
}

/// Returned by [`cut`]; `E` is the history source's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CutError<E: std::error::Error + 'static> {
    /// The scope has no range (see [`Scope::range`]).
    #[error(transparent)]
    Range(#[from] ScopeRangeError),
    /// The history source failed to walk the range.
    #[error("cannot walk {range}")]
    Walk {
        /// The range.
        range: RevisionRange,
        /// The source's error.
        #[source]
        source: E,
    },
}

/// Walks `scope`'s range of `history` once and cuts it into releases at the changes `tags`
/// point at, handing each [`Cut`] to `emit` as soon as it is complete, newest first.
///
/// A change carrying several tags starts the release of the highest version. With
/// [`Scope::Latest`] only tagged cuts are emitted (with [`PrereleaseChanges::AlsoInStable`],
/// only the first). With [`PrereleaseChanges::OwnOnly`]
/// the cuts partition the walked changes: concatenated in emission order they are the walk,
/// every change in exactly one cut (the first cut, untagged, may be empty). With
/// [`PrereleaseChanges::AlsoInStable`] a stable cut also holds (after its own) the changes of
/// the pre-release cuts that follow it down to the previous stable version; those are still
/// emitted, after it. `emit` may stop the walk with [`ControlFlow::Break`]; `cut` then returns
/// `Ok(())` without emitting the rest.
///
/// Time: one walk, O(1) per change; memory: the changes of one release (of one stable release
/// and its pre-releases with [`PrereleaseChanges::AlsoInStable`]) plus a map of the tags.
///
/// # Errors
///
/// [`CutError::Range`] for [`Scope::Latest`] without any release tag or a tag name that is
/// not a revision; [`CutError::Walk`] when the history cannot be walked.
pub fn cut<H>(
    history: &H,
    scope: &Scope,
    tags: &ReleaseTags,
    emit: &mut dyn FnMut(Cut) -> ControlFlow<()>,
) -> Result<(), CutError<H::Error>>
where
    H: HistorySource + ?Sized,
{
    let range = scope.range(tags)?;
    // The highest version per tagged change (tags are sorted highest first).
    let mut by_target: HashMap<&ChangeId, &VersionTag> = HashMap::with_capacity(tags.len());
    for t in tags.as_slice() {
        by_target.entry(&t.target).or_insert(t);
    }
    let latest_only = *scope == Scope::Latest;
    // A stable release that holds its pre-releases is all that is asked for: the pre-releases
    // walked with it are not.
    let first_only = (latest_only && tags.prerelease_changes == PrereleaseChanges::AlsoInStable)
        || (*scope == Scope::Unreleased && tags.folding_next().is_some());
    let mut emit_one = |cut: Cut| -> ControlFlow<()> {
        if latest_only && cut.tag.is_none() {
            return ControlFlow::Continue(());
        }
        emit(cut)?;
        if first_only {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let mut stable = StableCycle::new(tags);
    let mut emit = |cut: Cut| stable.push(cut, &mut emit_one);
    let mut current = Cut {
        tag: None,
        changes: Vec::new(),
    };
    let mut stopped = false;
    history
        .walk(&range, &mut |change| {
            if let Some(tag) = by_target.get(&change.id) {
                let next = Cut {
                    tag: Some((*tag).clone()),
                    changes: Vec::new(),
                };
                if emit(std::mem::replace(&mut current, next)).is_break() {
                    stopped = true;
                    return ControlFlow::Break(());
                }
            }
            current.changes.push(change);
            ControlFlow::Continue(())
        })
        .map_err(|source| CutError::Walk {
            range: range.clone(),
            source,
        })?;
    if !stopped && emit(current).is_continue() {
        let _ = stable.flush(&mut emit_one);
    }
    Ok(())
}

/// A stable cut held back until its pre-releases have been walked
/// ([`PrereleaseChanges::AlsoInStable`]).
struct StableCycle<'t> {
    tags: &'t ReleaseTags,
    /// The stable cut, its version, its previous stable version, and the pre-release cuts
    /// walked since.
    pending: Option<(Cut, Version, Option<Version>, Vec<Cut>)>,
}

impl<'t> StableCycle<'t> {
    fn new(tags: &'t ReleaseTags) -> Self {
        Self {
            tags,
            pending: None,
        }
    }

    /// Hands `cut` on, or holds it (a stable cut, or a pre-release of the held stable one).
    fn push(&mut self, cut: Cut, emit: &mut dyn FnMut(Cut) -> ControlFlow<()>) -> ControlFlow<()> {
        if self.tags.prerelease_changes != PrereleaseChanges::AlsoInStable {
            return emit(cut);
        }
        if let Some((stable, stable_version, floor, held)) = &mut self.pending {
            let belongs = cut.tag.as_ref().is_some_and(|t| {
                let version = &t.version;
                !version.pre.is_empty()
                    && version < stable_version
                    && floor.as_ref().is_none_or(|f| version > f)
            });
            if belongs {
                stable.changes.extend(cut.changes.iter().cloned());
                held.push(cut);
                return ControlFlow::Continue(());
            }
            self.flush(emit)?;
        }
        let tags = self.tags;
        let version = match (&cut.tag, tags.folding_next()) {
            (Some(tag), _) if tag.version.pre.is_empty() => tag.version.clone(),
            (None, Some(next)) => next.clone(),
            _ => return emit(cut),
        };
        let floor = self.tags.previous(&version).map(|t| t.version.clone());
        self.pending = Some((cut, version, floor, Vec::new()));
        ControlFlow::Continue(())
    }

    /// Emits the held stable cut, then its pre-releases.
    fn flush(&mut self, emit: &mut dyn FnMut(Cut) -> ControlFlow<()>) -> ControlFlow<()> {
        if let Some((stable, _, _, held)) = self.pending.take() {
            emit(stable)?;
            for cut in held {
                emit(cut)?;
            }
        }
        ControlFlow::Continue(())
    }
}

/// What the unreleased changes become with `relman changelog --tag NEXT`: release `version`,
/// tagged `tag`, dated `date`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct NextRelease {
    /// The version.
    pub version: Version,
    /// The tag, e.g. `v1.3.0` or `api-v1.3.0`.
    pub tag: String,
    /// The release date (the caller's "today").
    pub date: NaiveDate,
}

/// Returned by [`NextRelease::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{tag}` is not a release tag (`{pattern}`) or a version")]
pub struct ParseNextReleaseError {
    /// The tag that was given.
    pub tag: String,
    /// The tag pattern it was read with.
    pub pattern: TagPattern,
}

impl NextRelease {
    /// Reads `tag` with `pattern` (`api-v1.3.0` with `{component}-v{version}`), else as a
    /// version with an optional `v` (`v1.3.0`, `1.3.0`).
    ///
    /// # Errors
    ///
    /// [`ParseNextReleaseError`] when `tag` is neither.
    pub fn new(
        tag: &str,
        pattern: &TagPattern,
        date: NaiveDate,
    ) -> Result<Self, ParseNextReleaseError> {
        let version = match pattern.matches(tag) {
            Some((_, version)) => version,
            None => Version::parse(tag.strip_prefix('v').unwrap_or(tag)).map_err(|_| {
                ParseNextReleaseError {
                    tag: tag.to_owned(),
                    pattern: pattern.clone(),
                }
            })?,
        };
        Ok(Self {
            version,
            tag: tag.to_owned(),
            date,
        })
    }
}

/// The renderer's view of a cut.
///
/// - A tagged cut is release `tag.version`, dated by its tagged change (the cut's first
///   change), with the highest lower version as its previous tag.
/// - The untagged cut is `[Unreleased]`, or release `next` when given, with the latest
///   release as its previous tag (the previous stable release when `tags` were given a
///   stable next version whose pre-releases it holds, see
///   [`ReleaseTags::with_next_version`]); `None` when it is empty, `next` is not given and
///   the scope is not [`Scope::Unreleased`].
pub fn input<'a>(
    cut: &'a Cut,
    tags: &ReleaseTags,
    next: Option<&NextRelease>,
    scope: &Scope,
) -> Option<ReleaseInput<'a>> {
    match &cut.tag {
        None => {
            if cut.changes.is_empty() && next.is_none() && *scope != Scope::Unreleased {
                return None;
            }
            let mut input = match next {
                Some(next) => ReleaseInput::new(
                    SectionLabel::version(next.version.to_string()),
                    &cut.changes,
                )
                .with_tag(next.tag.clone())
                .with_date(next.date),
                None => ReleaseInput::new(SectionLabel::Unreleased, &cut.changes),
            };
            if let Some(previous) = tags.before_next() {
                input = input.with_previous_tag(previous.name.clone());
            }
            Some(input)
        }
        Some(tag) => {
            let mut input =
                ReleaseInput::new(SectionLabel::version(tag.version.to_string()), &cut.changes)
                    .with_tag(tag.name.clone());
            if let Some(first) = cut.changes.first() {
                input = input.with_date(first.time.date_naive());
            }
            if let Some(previous) = tags.previous(&tag.version) {
                input = input.with_previous_tag(previous.name.clone());
            }
            Some(input)
        }
    }
}

/// A Keep a Changelog document written one release at a time, without holding the releases:
/// [`Changelog::render_document`] is this document given all releases at once.
#[derive(Debug)]
pub struct MarkdownDocument<'e> {
    engine: &'e Changelog,
    text: String,
    links: Vec<LinkTarget>,
}

impl<'e> MarkdownDocument<'e> {
    /// A document with the engine's title and preamble and no release yet.
    pub fn new(engine: &'e Changelog) -> Self {
        Self::with_capacity(engine, 512)
    }

    /// As [`MarkdownDocument::new`], with room for `bytes` of text.
    pub(crate) fn with_capacity(engine: &'e Changelog, bytes: usize) -> Self {
        let config = engine.config();
        let mut text = String::with_capacity(bytes);
        let _ = write!(text, "# {}\n\n", config.title);
        if !config.preamble.is_empty() {
            text.push_str(config.preamble.trim_end());
            text.push('\n');
        }
        Self {
            engine,
            text,
            links: Vec::new(),
        }
    }

    /// Renders `release` and appends it (give releases newest first).
    pub fn push(&mut self, release: &ReleaseInput<'_>) {
        self.text.push('\n');
        self.engine.write_release(&mut self.text, release);
        if let Some(url) = self.engine.release_url(release) {
            self.links
                .push(LinkTarget::new(release.label.as_str(), url));
        }
    }

    /// Appends a release rendered by [`Changelog::render_release`] of the same engine.
    pub fn push_rendered(&mut self, rendered: &RenderedRelease) {
        self.text.push('\n');
        self.text.push_str(&rendered.section);
        self.links.extend(rendered.links.iter().cloned());
    }

    /// The document: title, preamble, the releases and their link definitions.
    pub fn finish(mut self) -> String {
        if !self.links.is_empty() {
            self.text.push('\n');
            for link in &self.links {
                let _ = writeln!(self.text, "[{}]: {}", link.label, link.url);
            }
        }
        self.text
    }
}

/// One release rendered for [`prepend`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRelease {
    label: SectionLabel,
    tag: Option<String>,
    rendered: RenderedRelease,
}

impl PendingRelease {
    /// Renders `release` with `engine`.
    pub fn new(engine: &Changelog, release: &ReleaseInput<'_>) -> Self {
        Self {
            label: release.label.clone(),
            tag: release.tag.clone(),
            rendered: engine.render_release(release),
        }
    }

    /// The section's label.
    pub fn label(&self) -> &SectionLabel {
        &self.label
    }

    /// The rendered section and its link definitions.
    pub fn rendered(&self) -> &RenderedRelease {
        &self.rendered
    }
}

/// A release [`prepend`] left alone because the text already has it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AlreadyPresent {
    /// The section's label, e.g. `0.2.0`.
    pub label: String,
    /// The 1-based line of the existing heading (in the text as it was when the release's
    /// turn came).
    pub line: usize,
}

/// The result of [`prepend`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepended {
    /// The new text.
    pub text: String,
    /// The releases left out because the text already has them, oldest first.
    pub already_present: Vec<AlreadyPresent>,
}

/// Returned by [`prepend`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrependError {
    /// A release cannot be inserted (see [`insert_release`]).
    #[error("cannot insert [{label}]")]
    Insert {
        /// The release's label.
        label: String,
        /// Why.
        #[source]
        source: InsertReleaseError,
    },
}

/// Inserts `releases` (given newest first, inserted oldest first) into the Keep a Changelog
/// `existing` text with [`insert_release`], or renders a new document (as
/// [`MarkdownDocument`]) when there is no text yet.
///
/// A version release replaces `[Unreleased]`; when the text has an `[Unreleased]` link and the
/// engine a remote, that link is moved to compare from the new tag to `HEAD`. Releases the text
/// already has are left alone and listed in [`Prepended::already_present`]; every other byte
/// is kept.
///
/// # Errors
///
/// [`PrependError::Insert`] when a release would land inside a code fence that is never
/// closed.
pub fn prepend(
    engine: &Changelog,
    existing: Option<&str>,
    releases: &[PendingRelease],
) -> Result<Prepended, PrependError> {
    let Some(existing) = existing else {
        let mut document = MarkdownDocument::new(engine);
        for release in releases {
            document.push_rendered(&release.rendered);
        }
        return Ok(Prepended {
            text: document.finish(),
            already_present: Vec::new(),
        });
    };
    let mut text = existing.to_owned();
    let mut already_present = Vec::new();
    for release in releases.iter().rev() {
        let mut links = release.rendered.links.clone();
        let file = ChangelogFile::parse(&text);
        let has_unreleased_link = file
            .links
            .iter()
            .any(|l| SectionLabel::Unreleased.matches(&l.label));
        if let (SectionLabel::Version(_), Some(tag), true, Some(remote)) = (
            &release.label,
            &release.tag,
            has_unreleased_link,
            engine.remote(),
        ) {
            links.push(LinkTarget::new(
                "Unreleased",
                remote.compare_url(tag, "HEAD"),
            ));
        }
        let new =
            NewRelease::new(release.label.clone(), &release.rendered.section).with_links(&links);
        match insert_release(&text, &new) {
            Ok(done) => text = done.text,
            Err(InsertReleaseError::AlreadyPresent { label, line }) => {
                already_present.push(AlreadyPresent { label, line });
            }
            Err(source) => {
                return Err(PrependError::Insert {
                    label: release.label.as_str().to_owned(),
                    source,
                });
            }
        }
    }
    Ok(Prepended {
        text,
        already_present,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use relman_model::change::Person;
    use relman_model::history::MemoryHistory;

    fn history() -> MemoryHistory {
        let ada = Person::new("Ada Park", "ada@example.org");
        let mut h = MemoryHistory::new();
        let mut n = 0;
        let mut push = |h: &mut MemoryHistory, msg: &str| {
            n += 1;
            let at = Utc
                .with_ymd_and_hms(2026, 1, n, 12, 0, 0)
                .single()
                .expect("valid date");
            h.push(Change::from_message(
                format!("c{n}").parse().expect("id"),
                msg,
                ada.clone(),
                at,
            ));
        };
        push(&mut h, "feat: one");
        push(&mut h, "fix: two");
        h.tag(VersionTag::new(
            "v0.1.0",
            "c2".parse().expect("id"),
            None,
            "0.1.0".parse().expect("v"),
        ));
        push(&mut h, "feat: three");
        h.tag(VersionTag::new(
            "v0.2.0",
            "c3".parse().expect("id"),
            None,
            "0.2.0".parse().expect("v"),
        ));
        push(&mut h, "fix: four");
        h
    }

    fn tags_of(h: &MemoryHistory) -> ReleaseTags {
        ReleaseTags::new(h.version_tags(&Revision::head()).expect("tags"))
    }

    /// All the cuts of [`cut`] at once.
    fn collect(
        history: &MemoryHistory,
        scope: &Scope,
        tags: &ReleaseTags,
    ) -> Result<Vec<Cut>, CutError<relman_model::UnknownRevisionError>> {
        let mut cuts = Vec::new();
        cut(history, scope, tags, &mut |c| {
            cuts.push(c);
            ControlFlow::Continue(())
        })?;
        Ok(cuts)
    }

    /// [`input`] of each cut.
    fn inputs<'a>(
        cuts: &'a [Cut],
        tags: &ReleaseTags,
        next: Option<&NextRelease>,
        scope: &Scope,
    ) -> Vec<ReleaseInput<'a>> {
        cuts.iter()
            .filter_map(|c| input(c, tags, next, scope))
            .collect()
    }

    fn labels(cuts: &[Cut]) -> Vec<(Option<&str>, Vec<&str>)> {
        cuts.iter()
            .map(|c| {
                (
                    c.tag.as_ref().map(|t| t.name.as_str()),
                    c.changes.iter().map(|c| c.summary.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn cuts_the_history_at_release_tags() {
        let h = history();
        let tags = tags_of(&h);
        let cuts = collect(&h, &Scope::All, &tags).expect("walks");
        assert_eq!(
            labels(&cuts),
            vec![
                (None, vec!["fix: four"]),
                (Some("v0.2.0"), vec!["feat: three"]),
                (Some("v0.1.0"), vec!["fix: two", "feat: one"]),
            ]
        );
        let cuts = collect(&h, &Scope::Unreleased, &tags).expect("walks");
        assert_eq!(labels(&cuts), vec![(None, vec!["fix: four"])]);
        let cuts = collect(&h, &Scope::Latest, &tags).expect("walks");
        assert_eq!(labels(&cuts), vec![(Some("v0.2.0"), vec!["feat: three"])]);
        let range = Scope::Range("c1..v0.2.0".parse().expect("range"));
        let cuts = collect(&h, &range, &tags).expect("walks");
        assert_eq!(
            labels(&cuts),
            vec![
                (None, vec![]),
                (Some("v0.2.0"), vec!["feat: three"]),
                (Some("v0.1.0"), vec!["fix: two"])
            ]
        );
        assert!(matches!(
            collect(&h, &Scope::Latest, &ReleaseTags::default()),
            Err(CutError::Range(ScopeRangeError::NoRelease))
        ));
    }

    #[test]
    fn emit_can_stop_the_walk() {
        let h = history();
        let mut seen = 0;
        cut(&h, &Scope::All, &tags_of(&h), &mut |_| {
            seen += 1;
            ControlFlow::Break(())
        })
        .expect("walks");
        assert_eq!(seen, 1);
    }

    #[test]
    fn inputs_carry_dates_previous_tags_and_next() {
        let h = history();
        let tags = tags_of(&h);
        let cuts = collect(&h, &Scope::All, &tags).expect("walks");
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).expect("date");
        let next = NextRelease::new("v0.2.1", &TagPattern::v_version(), today).expect("next");
        let inputs = inputs(&cuts, &tags, Some(&next), &Scope::All);
        let view: Vec<_> = inputs
            .iter()
            .map(|i| {
                (
                    i.label.to_string(),
                    i.tag.clone(),
                    i.previous_tag.clone(),
                    i.date,
                )
            })
            .collect();
        assert_eq!(
            view,
            vec![
                (
                    "0.2.1".into(),
                    Some("v0.2.1".into()),
                    Some("v0.2.0".into()),
                    Some(today)
                ),
                (
                    "0.2.0".into(),
                    Some("v0.2.0".into()),
                    Some("v0.1.0".into()),
                    NaiveDate::from_ymd_opt(2026, 1, 3)
                ),
                (
                    "0.1.0".into(),
                    Some("v0.1.0".into()),
                    None,
                    NaiveDate::from_ymd_opt(2026, 1, 2)
                ),
            ]
        );
        let read = |tag: &str, pattern: &str| {
            NextRelease::new(tag, &pattern.parse().expect("pattern"), today)
                .map(|n| n.version.to_string())
        };
        assert_eq!(read("v1.3.0", "v{version}"), Ok("1.3.0".to_owned()));
        assert_eq!(read("api-v1.3.0", "api-v{version}"), Ok("1.3.0".to_owned()));
        assert_eq!(read("1.3.0", "api-v{version}"), Ok("1.3.0".to_owned()));
        let err = read("next", "v{version}").expect_err("not a version");
        assert_eq!(
            err.to_string(),
            "`next` is not a release tag (`v{version}`) or a version"
        );
    }

    /// A history of `n` changes of varied types, tagged every `every` changes.
    fn varied(n: u32, every: u32) -> MemoryHistory {
        let people = [
            Person::new("Ada Park", "ada@example.org"),
            Person::new("Bo Chen", "bo@example.org"),
        ];
        let messages = [
            "feat(api): add a route (#12)",
            "fix: close the file\n\nBREAKING CHANGE: the handle is gone",
            "chore: tidy",
            "docs: explain",
            "not conventional",
            "perf!: faster",
        ];
        let mut h = MemoryHistory::new();
        let mut version = 0;
        for i in 1..=n {
            let at = Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("valid date")
                + chrono::Duration::hours(i64::from(i));
            let id: ChangeId = format!("c{i}").parse().expect("id");
            h.push(Change::from_message(
                id.clone(),
                messages[i as usize % messages.len()],
                people[i as usize % 2].clone(),
                at,
            ));
            if i % every == 0 {
                version += 1;
                h.tag(VersionTag::new(
                    format!("v0.{version}.0"),
                    id,
                    None,
                    format!("0.{version}.0").parse().expect("v"),
                ));
            }
        }
        h
    }

    #[test]
    fn releases_rendered_one_at_a_time_make_the_whole_document() {
        let remote = crate::remote::Remote::parse("https://github.com/o/r").ok();
        let engine = Changelog::new(Default::default(), remote).expect("engine");
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).expect("date");
        let next = NextRelease::new("v9.0.0", &TagPattern::v_version(), today).expect("next");
        for (n, every) in [(1, 1), (5, 2), (12, 3), (30, 7), (8, 100)] {
            let h = varied(n, every);
            let tags = tags_of(&h);
            let mut scopes = vec![
                Scope::All,
                Scope::Unreleased,
                Scope::Range(format!("c1..c{n}").parse().expect("range")),
            ];
            if !tags.is_empty() {
                scopes.push(Scope::Latest);
            }
            for scope in &scopes {
                for next in [None, Some(&next)] {
                    let cuts = collect(&h, scope, &tags).expect("walks");
                    let releases = inputs(&cuts, &tags, next, scope);
                    let mut markdown = MarkdownDocument::new(&engine);
                    let mut pending = Vec::new();
                    cut(&h, scope, &tags, &mut |c| {
                        if let Some(i) = input(&c, &tags, next, scope) {
                            markdown.push(&i);
                            pending.push(PendingRelease::new(&engine, &i));
                        }
                        ControlFlow::Continue(())
                    })
                    .expect("walks");
                    let case = format!("{n} changes, a tag every {every}, {scope:?}, {next:?}");
                    let whole = engine.render_document(&releases);
                    assert_eq!(markdown.finish(), whole, "{case}");
                    let new = prepend(&engine, None, &pending).expect("a new file");
                    assert_eq!(new.text, whole, "{case}");
                    assert!(new.already_present.is_empty(), "{case}");
                }
            }
        }
    }

    #[test]
    fn prepend_reports_releases_already_present() {
        let engine = Changelog::new(
            Default::default(),
            crate::remote::Remote::parse("https://github.com/o/r").ok(),
        )
        .expect("engine");
        let h = history();
        let tags = tags_of(&h);
        let cuts = collect(&h, &Scope::All, &tags).expect("walks");
        let pending: Vec<PendingRelease> = inputs(&cuts, &tags, None, &Scope::All)
            .iter()
            .map(|i| PendingRelease::new(&engine, i))
            .collect();
        let existing = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- draft\n\n## [0.1.0] - 2026-01-02\n\nBy hand.\n\n[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD\n";
        let done = prepend(&engine, Some(existing), &pending).expect("inserted");
        assert_eq!(
            done.already_present,
            vec![AlreadyPresent {
                label: "0.1.0".into(),
                line: 9
            }]
        );
        assert!(
            done.text
                .starts_with("# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Fixed\n\n- four"),
            "{}",
            done.text
        );
        assert!(
            done.text.contains("## [0.2.0] - 2026-01-03"),
            "{}",
            done.text
        );
        assert!(
            done.text.contains("## [0.1.0] - 2026-01-02\n\nBy hand.\n"),
            "{}",
            done.text
        );
        assert!(
            done.text
                .contains("[Unreleased]: https://github.com/o/r/compare/v0.2.0...HEAD\n"),
            "{}",
            done.text
        );
    }
}
