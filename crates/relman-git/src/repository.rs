//! Opening a repository, resolving revisions and reading release tags.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository};
use relman_model::{
    Change, ChangeId, ComponentId, HistoryCache, HistorySource, NamedTag, Revision, RevisionRange,
    VersionTag, WalkScope,
};
use serde::{Deserialize, Serialize};

use crate::error::{OpenRepositoryError, ReadHistoryError};
use crate::walk::WalkOptions;
use relman_model::tag::{IgnoredTag, TagListing, TagPattern, TagRejection, classify_tag};

/// Whether a repository has a work tree; returned by [`GitRepository::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepositoryKind {
    /// A checkout with a work tree.
    WorkTree,
    /// A bare repository (a server's or a mirror's).
    Bare,
}

/// Where `HEAD` points; returned by [`GitRepository::head`].
///
/// JSON: `{"branch": {"name": "refs/heads/main", "commit": "3f2a..."}}`,
/// `{"detached": {"commit": "3f2a..."}}` or `{"unborn": {"branch": "refs/heads/main"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Head {
    /// On a branch.
    Branch {
        /// The full reference name, e.g. `refs/heads/main`.
        name: String,
        /// The branch's commit.
        commit: ChangeId,
    },
    /// Detached at a commit (CI checkouts of a tag or a pull request). Everything works as on
    /// a branch: `HEAD` is that commit.
    Detached {
        /// The commit.
        commit: ChangeId,
    },
    /// On a branch without commits: every walk of `HEAD` fails with
    /// [`ReadHistoryError::UnbornHead`].
    Unborn {
        /// The full reference name of the branch-to-be.
        branch: String,
    },
}

/// A git repository (work tree or bare) read as a relman history.
///
/// Implements [`HistorySource`] with the [`WalkOptions`] and [`TagPattern`]s it holds
/// (defaults: merges excluded, all parents followed, mailmap applied, no diff stats, no path
/// filter; tags `v{version}`).
///
/// ```no_run
/// use relman_git::GitRepository;
/// use relman_model::{HistorySource, RevisionRange};
///
/// let repo = GitRepository::open(".")?;
/// let changes = repo.changes(&"v1.2.0..HEAD".parse::<RevisionRange>()?)?;
/// for change in &changes {
///     println!("{} {}", change.id, change.summary);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct GitRepository {
    pub(crate) repo: Repository,
    pub(crate) git_dir: PathBuf,
    pub(crate) options: WalkOptions,
    patterns: Vec<TagPattern>,
    pub(crate) has_mailmap: bool,
    /// The history index, read on the first walk that asks for diff stats.
    pub(crate) diff_index: std::sync::OnceLock<crate::index::DiffIndex>,
    /// The derived data kept in the history index's directory.
    cache: crate::index::FileCache,
    /// What the mailmap is read from, for [`GitRepository::walk_fingerprint`].
    mailmap_fingerprint: std::sync::OnceLock<Vec<Vec<u8>>>,
}

impl std::fmt::Debug for GitRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRepository")
            .field("git_dir", &self.git_dir)
            .field("options", &self.options)
            .field("patterns", &self.patterns)
            .finish_non_exhaustive()
    }
}

impl GitRepository {
    /// Opens the repository at `path` or in a directory above it (like `git` does); `path` may
    /// be a work tree, a directory inside one, a `.git` directory or a bare repository.
    ///
    /// # Errors
    ///
    /// [`OpenRepositoryError::NotFound`] when there is no repository there;
    /// [`OpenRepositoryError::Unreadable`] when it cannot be read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OpenRepositoryError> {
        let path = path.as_ref();
        let repo = Repository::discover(path).map_err(|e| OpenRepositoryError::NotFound {
            path: path.to_owned(),
            source: e.into(),
        })?;
        let git_dir = repo.path().to_owned();
        let has_mailmap = detect_mailmap(&repo).map_err(|e| OpenRepositoryError::Unreadable {
            path: git_dir.clone(),
            source: e.into(),
        })?;
        Ok(Self {
            repo,
            options: WalkOptions::default(),
            patterns: vec![TagPattern::v_version()],
            has_mailmap,
            diff_index: std::sync::OnceLock::new(),
            cache: crate::index::FileCache::new(crate::index::index_dir(&git_dir)),
            mailmap_fingerprint: std::sync::OnceLock::new(),
            git_dir,
        })
    }

    /// The history index of diff stats ([`crate::index`]), read on first use.
    pub(crate) fn diff_index(&self) -> Option<&crate::index::DiffIndex> {
        Some(
            self.diff_index
                .get_or_init(|| crate::index::DiffIndex::open(&self.git_dir)),
        )
    }

    /// The repository's git directory (`.git` of a work tree, or the bare repository).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The work tree, `None` for a bare repository.
    pub fn work_tree(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// Work tree or bare.
    pub fn kind(&self) -> RepositoryKind {
        if self.repo.is_bare() {
            RepositoryKind::Bare
        } else {
            RepositoryKind::WorkTree
        }
    }

    /// Whether the repository is a shallow clone (walks that reach its boundary fail with
    /// [`ReadHistoryError::ShallowHistory`]).
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// The URL of the remote called `name` (usually `origin`), as configured; `None` when there
    /// is no such remote or it has no URL (or one that is not UTF-8).
    ///
    /// # Errors
    ///
    /// [`ReadHistoryError::Git`] when the configuration cannot be read.
    pub fn remote_url(&self, name: &str) -> Result<Option<String>, ReadHistoryError> {
        match self.repo.find_remote(name) {
            Ok(remote) => Ok(remote.url().ok().map(str::to_owned)),
            Err(e)
                if e.code() == git2::ErrorCode::NotFound
                    || e.class() == git2::ErrorClass::Config =>
            {
                Ok(None)
            }
            Err(e) => Err(ReadHistoryError::git("reading the remotes")(e)),
        }
    }

    /// The walk options used by [`HistorySource::walk`].
    pub fn walk_options(&self) -> &WalkOptions {
        &self.options
    }

    /// Sets the walk options used by [`HistorySource::walk`].
    pub fn set_walk_options(&mut self, options: WalkOptions) -> &mut Self {
        self.options = options;
        self
    }

    /// The tag patterns, tried in order.
    pub fn tag_patterns(&self) -> &[TagPattern] {
        &self.patterns
    }

    /// Sets the tag patterns, tried in order (the first that reads a tag wins).
    pub fn set_tag_patterns(&mut self, patterns: Vec<TagPattern>) -> &mut Self {
        self.patterns = patterns;
        self
    }

    /// Where `HEAD` points.
    ///
    /// # Errors
    ///
    /// [`ReadHistoryError::Git`] when `HEAD` cannot be read.
    pub fn head(&self) -> Result<Head, ReadHistoryError> {
        let head_ref = self
            .repo
            .find_reference("HEAD")
            .map_err(ReadHistoryError::git("reading HEAD"))?;
        let branch = head_ref.symbolic_target().ok().flatten().map(str::to_owned);
        match self.repo.head() {
            Ok(head) => {
                let commit = head
                    .peel_to_commit()
                    .map_err(ReadHistoryError::git("reading HEAD"))?;
                let commit = change_id(commit.id());
                Ok(match branch {
                    Some(name) => Head::Branch { name, commit },
                    None => Head::Detached { commit },
                })
            }
            Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
                Ok(Head::Unborn {
                    branch: branch.unwrap_or_else(|| "HEAD".to_owned()),
                })
            }
            Err(e) => Err(ReadHistoryError::git("reading HEAD")(e)),
        }
    }

    /// The text of the file at `path` (relative to the repository root) in the tree of `at`:
    /// `None` when there is no such file or it is not UTF-8.
    ///
    /// # Errors
    ///
    /// [`ReadHistoryError`] when `at` does not resolve to a commit or libgit2 fails.
    pub fn read_text(&self, at: &Revision, path: &str) -> Result<Option<String>, ReadHistoryError> {
        let oid = self.resolve_oid(at)?;
        let tree = self
            .repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(ReadHistoryError::git("read the root tree"))?;
        let Ok(entry) = tree.get_path(std::path::Path::new(path)) else {
            return Ok(None);
        };
        if entry.kind() != Some(git2::ObjectType::Blob) {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(ReadHistoryError::git("read a blob"))?;
        Ok(std::str::from_utf8(blob.content()).ok().map(str::to_owned))
    }

    /// The commit `revision` names (annotated tags are peeled).
    ///
    /// # Errors
    ///
    /// [`ReadHistoryError::UnbornHead`] for `HEAD` on a branch without commits,
    /// [`ReadHistoryError::RevisionNotFound`] when it names nothing,
    /// [`ReadHistoryError::NotACommit`] when it names a tree or a blob.
    pub fn resolve(&self, revision: &Revision) -> Result<ChangeId, ReadHistoryError> {
        self.resolve_oid(revision).map(change_id)
    }

    pub(crate) fn resolve_oid(&self, revision: &Revision) -> Result<Oid, ReadHistoryError> {
        if revision.as_str() == "HEAD"
            && let Head::Unborn { branch } = self.head()?
        {
            return Err(ReadHistoryError::UnbornHead { branch });
        }
        let object = self.repo.revparse_single(revision.as_str()).map_err(|e| {
            ReadHistoryError::RevisionNotFound {
                revision: revision.clone(),
                source: e.into(),
            }
        })?;
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| ReadHistoryError::NotACommit {
                revision: revision.clone(),
            })
    }

    /// The release tags reachable from `at` (read with the tag patterns; annotated and
    /// lightweight tags alike), and the tags that were ignored with the reason. A tag that
    /// matches but is not an ancestor of `at` is neither listed nor ignored.
    ///
    /// # Errors
    ///
    /// As [`GitRepository::resolve`] for `at`; [`ReadHistoryError::Git`] when the tags or the
    /// commit graph cannot be read.
    pub fn read_tags(&self, at: &Revision) -> Result<TagListing, ReadHistoryError> {
        let at = self.resolve_oid(at)?;
        let mut candidates: HashMap<Oid, Vec<(String, Option<ComponentId>, semver::Version)>> =
            HashMap::new();
        let mut ignored = Vec::new();
        for (name, commit) in self.tag_commits()? {
            match classify_tag(&self.patterns, &name) {
                Err(reason) => ignored.push(IgnoredTag::new(name, reason)),
                Ok((component, version)) => match commit {
                    Some(commit) => candidates
                        .entry(commit)
                        .or_default()
                        .push((name, component, version)),
                    None => ignored.push(IgnoredTag::new(name, TagRejection::NotACommit)),
                },
            }
        }
        let tags = self
            .reachable(at, candidates)?
            .into_iter()
            .map(|(target, (name, component, version))| {
                VersionTag::new(name, target, component, version)
            })
            .collect();
        Ok(TagListing::new(tags, ignored))
    }

    /// Every tag that peels to a commit reachable from `at`, sorted by name.
    fn reachable_tags(&self, at: &Revision) -> Result<Vec<NamedTag>, ReadHistoryError> {
        let at = self.resolve_oid(at)?;
        let mut candidates: HashMap<Oid, Vec<String>> = HashMap::new();
        for (name, commit) in self.tag_commits()? {
            if let Some(commit) = commit {
                candidates.entry(commit).or_default().push(name);
            }
        }
        let mut tags: Vec<NamedTag> = self
            .reachable(at, candidates)?
            .into_iter()
            .map(|(target, name)| NamedTag::new(name, target))
            .collect();
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tags)
    }

    /// Every tag by name with the commit it peels to (`None` for a tag of a tree or blob).
    fn tag_commits(&self) -> Result<Vec<(String, Option<Oid>)>, ReadHistoryError> {
        let refs = self
            .repo
            .references_glob("refs/tags/*")
            .map_err(ReadHistoryError::git("listing tags"))?;
        let mut out = Vec::new();
        for reference in refs {
            let reference = reference.map_err(ReadHistoryError::git("listing tags"))?;
            let Some(name) = reference
                .name()
                .ok()
                .and_then(|n| n.strip_prefix("refs/tags/"))
                .map(str::to_owned)
            else {
                continue;
            };
            out.push((name, reference.peel_to_commit().ok().map(|c| c.id())));
        }
        Ok(out)
    }

    /// The candidates whose commit is reachable from `at`, with that commit as a change id.
    fn reachable<T>(
        &self,
        at: Oid,
        mut candidates: HashMap<Oid, Vec<T>>,
    ) -> Result<Vec<(ChangeId, T)>, ReadHistoryError> {
        let mut found = Vec::new();
        if candidates.is_empty() {
            return Ok(found);
        }
        let commits: Vec<Oid> = candidates.keys().copied().collect();
        for oid in self.reachable_commits(at, &commits)? {
            if let Some(items) = candidates.remove(&oid) {
                let target = change_id(oid);
                found.extend(items.into_iter().map(|item| (target.clone(), item)));
            }
        }
        Ok(found)
    }

    /// Which of `commits` are reachable from `at`.
    ///
    /// With the history index on, the answer for the last `at` read is kept (`reach-v1`): for
    /// the same `at`, or one that descends from it, only the commits added since and the
    /// commits not seen before are looked at. Otherwise the history of `at` is walked until
    /// every commit is found (to the root when one is not reachable).
    fn reachable_commits(&self, at: Oid, commits: &[Oid]) -> Result<Vec<Oid>, ReadHistoryError> {
        let walking = || ReadHistoryError::git("walking the history");
        let mut reachable = Vec::new();
        let mut unreachable = Vec::new();
        let mut unknown: HashSet<Oid> = commits.iter().copied().collect();
        let cached = self
            .reach_cache()
            .and_then(|c| c.load(REACH))
            .and_then(|bytes| Reach::decode(&bytes));
        // What is known about `at`: carried over from the kept answer when `at` is its head or
        // descends from it (commits reachable then stay reachable, and a commit unreachable
        // then is reachable now only if `at` added it).
        let mut known = Reach {
            head: at,
            reachable: HashSet::new(),
            unreachable: HashSet::new(),
        };
        let mut changed = true;
        if let Some(cached) = cached {
            // A kept head that is not a commit here (damage, a pruned history) is no help.
            let added: Option<HashSet<Oid>> = if cached.head == at {
                Some(HashSet::new())
            } else if self
                .repo
                .graph_descendant_of(at, cached.head)
                .unwrap_or(false)
            {
                self.added_since(at, cached.head).ok()
            } else {
                None
            };
            if let Some(added) = added {
                changed = cached.head != at;
                known.reachable = cached.reachable;
                for oid in cached.unreachable {
                    if added.contains(&oid) {
                        known.reachable.insert(oid);
                    } else {
                        known.unreachable.insert(oid);
                    }
                }
                unknown.retain(|oid| {
                    if added.contains(oid) || known.reachable.contains(oid) {
                        reachable.push(*oid);
                    } else if known.unreachable.contains(oid) {
                        unreachable.push(*oid);
                    } else {
                        return true;
                    }
                    false
                });
            }
        }
        changed |= !unknown.is_empty();
        if !unknown.is_empty() {
            let mut walk = self.repo.revwalk().map_err(walking())?;
            walk.push(at).map_err(walking())?;
            for oid in walk {
                let oid = oid.map_err(walking())?;
                if unknown.remove(&oid) {
                    reachable.push(oid);
                    if unknown.is_empty() {
                        break;
                    }
                }
            }
            unreachable.extend(unknown);
        }
        if changed && let Some(cache) = self.reach_cache() {
            known.reachable.extend(reachable.iter().copied());
            known.unreachable.extend(unreachable);
            cache.store(REACH, &known.encode());
        }
        Ok(reachable)
    }

    /// The commits reachable from `at` and not from `base` (`git rev-list at ^base`).
    fn added_since(&self, at: Oid, base: Oid) -> Result<HashSet<Oid>, git2::Error> {
        let mut walk = self.repo.revwalk()?;
        walk.push(at)?;
        walk.hide(base)?;
        walk.collect()
    }

    /// The range "since the last release of `component`": from its last release tag reachable
    /// from `to` (see [`HistorySource::last_release`]) to `to`, and that tag. Without a
    /// release, the range is the whole history of `to` and the tag is `None`.
    ///
    /// # Errors
    ///
    /// As [`GitRepository::read_tags`].
    pub fn since_last_release(
        &self,
        component: Option<&ComponentId>,
        to: &Revision,
    ) -> Result<(RevisionRange, Option<VersionTag>), ReadHistoryError> {
        let last = self.last_release(component, to)?;
        let from = last
            .as_ref()
            .map(|t| Revision::new(t.target.as_str()).expect("a commit id is a revision"));
        Ok((RevisionRange::new(from, to.clone()), last))
    }
}

impl HistorySource for GitRepository {
    type Error = ReadHistoryError;

    fn walk(
        &self,
        range: &RevisionRange,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        self.walk_with(range, &self.options, visit)
    }

    fn version_tags(&self, at: &Revision) -> Result<Vec<VersionTag>, Self::Error> {
        Ok(self.read_tags(at)?.tags)
    }

    /// The walk of this repository's [`WalkOptions`] with the scope's paths and, when asked,
    /// diff stats ([`DiffStats::Compute`](crate::DiffStats::Compute)).
    fn walk_scoped(
        &self,
        range: &RevisionRange,
        scope: &WalkScope,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), Self::Error> {
        let mut options = self.options.clone();
        if !scope.is_whole_repository() {
            options.scope(scope);
        }
        if scope.diff_stats {
            options.diff(crate::DiffStats::Compute);
        }
        options.oldest_first(scope.oldest_first);
        self.walk_with(range, &options, visit)
    }

    /// Every tag that peels to a commit reachable from `at`, whatever the tag patterns say.
    fn tags(&self, at: &Revision) -> Result<Vec<NamedTag>, Self::Error> {
        self.reachable_tags(at)
    }

    /// The repository's [`FileCache`](crate::index::FileCache), unless the history index is
    /// off ([`WalkOptions::index`]), with every entry name suffixed by a fingerprint of what
    /// shapes the changes a walk yields besides the commits: the walk options that filter or
    /// map them (merges, parents, paths, excluded paths, mailmap use) and the mailmap in
    /// force. A fold made under another mailmap is therefore never resumed.
    fn cache(&self) -> Option<&dyn HistoryCache> {
        self.options.index.then_some(self as &dyn HistoryCache)
    }

    fn resolve_change(&self, rev: &Revision) -> Result<Option<ChangeId>, Self::Error> {
        self.resolve(rev).map(Some)
    }

    /// Holds when every commit `to` adds is newer than `base` (committer time) and has
    /// parents, and every parent outside them is `base`: then git's date-ordered walk of `to`
    /// yields them all before `base` and goes on exactly as the walk of `base`. Not used for
    /// first-parent walks.
    fn walk_extension(
        &self,
        base: &ChangeId,
        to: &Revision,
        scope: &WalkScope,
        visit: &mut dyn FnMut(Change) -> ControlFlow<()>,
    ) -> Result<bool, Self::Error> {
        let (Ok(base_oid), Ok(base_rev)) =
            (Oid::from_str(base.as_str()), Revision::new(base.as_str()))
        else {
            return Ok(false);
        };
        if self.options.parents == crate::walk::Parents::First {
            return Ok(false);
        }
        let to_oid = self.resolve_oid(to)?;
        if to_oid == base_oid {
            return Ok(true);
        }
        let Ok(base_commit) = self.repo.find_commit(base_oid) else {
            return Ok(false);
        };
        let base_time = base_commit.time().seconds();
        let added = self
            .added_since(to_oid, base_oid)
            .map_err(ReadHistoryError::git("walking the history"))?;
        if added.is_empty() {
            return Ok(false);
        }
        for oid in &added {
            let commit = self
                .repo
                .find_commit(*oid)
                .map_err(ReadHistoryError::git("reading a commit"))?;
            if commit.parent_count() == 0
                || commit.time().seconds() <= base_time
                || commit
                    .parent_ids()
                    .any(|p| p != base_oid && !added.contains(&p))
            {
                return Ok(false);
            }
        }
        self.walk_scoped(
            &RevisionRange::new(Some(base_rev), to.clone()),
            scope,
            visit,
        )?;
        Ok(true)
    }
}

impl HistoryCache for GitRepository {
    fn load(&self, name: &str) -> Option<Vec<u8>> {
        self.cache
            .load(&format!("{name}.{}", self.walk_fingerprint()))
    }

    fn store(&self, name: &str, bytes: &[u8]) {
        self.cache
            .store(&format!("{name}.{}", self.walk_fingerprint()), bytes);
    }
}

impl GitRepository {
    /// The kept reachability answers (which do not depend on the walk options).
    fn reach_cache(&self) -> Option<&crate::index::FileCache> {
        self.options.index.then_some(&self.cache)
    }

    /// 16 hex digits naming the walk options that shape the changes and the mailmap (see
    /// [`HistorySource::cache`]); a fingerprint that changes between Rust releases only costs
    /// a cache miss.
    fn walk_fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        let o = &self.options;
        (o.merges, o.parents, o.mailmap, &o.paths, &o.excluded).hash(&mut hasher);
        if o.mailmap == crate::walk::MailmapUse::Apply && self.has_mailmap {
            self.mailmap_fingerprint
                .get_or_init(|| mailmap_sources(&self.repo))
                .hash(&mut hasher);
        }
        format!("{:016x}", hasher.finish())
    }
}

/// What libgit2 reads its mailmap from: the work tree's `.mailmap`, `HEAD:.mailmap`, and the
/// `mailmap.file` (with its contents) and `mailmap.blob` settings.
fn mailmap_sources(repo: &Repository) -> Vec<Vec<u8>> {
    let mut sources = Vec::new();
    if let Some(dir) = repo.workdir() {
        sources.push(std::fs::read(dir.join(".mailmap")).unwrap_or_default());
    }
    let head_blob = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .ok()
        .and_then(|t| t.get_name(".mailmap").map(|e| e.id().as_bytes().to_vec()));
    sources.push(head_blob.unwrap_or_default());
    if let Ok(config) = repo.config() {
        let file = config.get_path("mailmap.file").ok();
        sources.push(
            file.as_ref()
                .and_then(|f| std::fs::read(f).ok())
                .unwrap_or_default(),
        );
        sources.push(
            config
                .get_string("mailmap.blob")
                .unwrap_or_default()
                .into_bytes(),
        );
    }
    sources
}

/// The [`HistoryCache`] entry of [`GitRepository::reachable_commits`].
const REACH: &str = "reach-v1";

/// Which tagged commits are reachable from `head`: `relman-reach v1 <head>`, then one line
/// per commit, `+<id>` reachable or `-<id>` not.
#[derive(Debug, PartialEq, Eq)]
struct Reach {
    head: Oid,
    reachable: HashSet<Oid>,
    unreachable: HashSet<Oid>,
}

impl Reach {
    const HEADER: &'static str = "relman-reach v1 ";

    fn encode(&self) -> Vec<u8> {
        let mut out =
            String::with_capacity(42 * (self.reachable.len() + self.unreachable.len()) + 60);
        out.push_str(Self::HEADER);
        out.push_str(&self.head.to_string());
        out.push('\n');
        let mut lines: Vec<String> = self
            .reachable
            .iter()
            .map(|o| format!("+{o}"))
            .chain(self.unreachable.iter().map(|o| format!("-{o}")))
            .collect();
        lines.sort();
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        out.into_bytes()
    }

    /// `None` for anything but a whole, well-formed entry.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        if !text.ends_with('\n') {
            return None;
        }
        let mut lines = text.lines();
        let head = Oid::from_str(lines.next()?.strip_prefix(Self::HEADER)?).ok()?;
        let mut reach = Self {
            head,
            reachable: HashSet::new(),
            unreachable: HashSet::new(),
        };
        for line in lines {
            let (set, hex) = match line.split_at_checked(1)? {
                ("+", hex) => (&mut reach.reachable, hex),
                ("-", hex) => (&mut reach.unreachable, hex),
                _ => return None,
            };
            if hex.len() != 40 {
                return None;
            }
            set.insert(Oid::from_str(hex).ok()?);
        }
        Some(reach)
    }
}

pub(crate) fn change_id(oid: Oid) -> ChangeId {
    ChangeId::new(oid.to_string()).expect("a hexadecimal object id is a valid change id")
}

/// Whether a mailmap applies: a `.mailmap` in the work tree or at `HEAD`, or a configured
/// `mailmap.file` / `mailmap.blob`.
fn detect_mailmap(repo: &Repository) -> Result<bool, git2::Error> {
    if let Some(dir) = repo.workdir()
        && dir.join(".mailmap").is_file()
    {
        return Ok(true);
    }
    if let Ok(config) = repo.config()
        && (config.get_string("mailmap.file").is_ok() || config.get_string("mailmap.blob").is_ok())
    {
        return Ok(true);
    }
    match repo.head() {
        Ok(head) => Ok(head.peel_to_tree()?.get_name(".mailmap").is_some()),
        Err(_) => Ok(false),
    }
}

/// Whether libgit2 re-hashes every object it reads to check it against its id; set with
/// [`set_object_verification`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectVerification {
    /// Check every object read (libgit2's default).
    #[default]
    Verify,
    /// Trust the object store as `git log` does (git checks objects on fetch and `fsck`, not
    /// on every read): about 10 % faster walks.
    Trust,
}

/// Sets libgit2's object verification for the whole process (it is a libgit2 global: it
/// affects every repository handle, also those of other libraries using libgit2).
pub fn set_object_verification(verification: ObjectVerification) {
    git2::opts::strict_hash_verification(verification == ObjectVerification::Verify);
}
