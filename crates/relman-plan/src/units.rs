//! Release units: which components are released together under which tag series.
//!
//! A *release unit* is one component, or a *version group* of components released under one
//! version and one tag series (cargo-release's shared version, release-plz's version groups).
//! [`release_units`] finds them from the configuration, the components a manifest declares and
//! the repository's tags:
//!
//! 1. The candidates are the configured `[components]`, else the published members of the
//!    workspace (`publish = false` packages are left out unless every member is unpublished),
//!    else one component for the whole repository.
//! 2. Tag series come from `[tags] patterns` (and each component's `tag`) when configured, else
//!    they are read off the tags themselves: a tag is a prefix followed by a SemVer version
//!    (`knope/v0.21.0`, `opentelemetry_sdk-0.21.0`, `v1.2.0`, `1.2.0`); the prefix without its
//!    separators names the component (`knope`; `versioning` finds `knope-versioning`; a name
//!    that fits no candidate leaves the series unused).
//! 3. A series whose tags name no component (`v1.2.0`, `1.2.0`) belongs to a version group: the
//!    candidates whose manifest version at the series' latest tag equals that tag's version
//!    (read through the `members_at` callback); without that information, the only candidate,
//!    or all candidates together. A tag that names no component is never credited to one
//!    member while another becomes a "first release".
//! 4. A unit's next tag follows its series with the highest version; a unit without any series
//!    follows the shape of the repository's other series (`{component}/v{version}`), else
//!    `v{version}` for a single component and `{component}-v{version}` for several.

use std::collections::{BTreeMap, BTreeSet};

use relman_model::{
    ChangeId, Component, ComponentId, Dependency, NamedTag, TagPattern, Version, VersionTag,
};

use crate::config::Config;

/// A release unit: one component or a version group; returned by [`release_units`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unit {
    /// The unit's name: the component's, or the version group's (its first member by name,
    /// unless a member owns the repository root).
    pub id: ComponentId,
    /// The components released with this unit (one for a plain component), sorted by name.
    pub members: Vec<ComponentId>,
    /// The paths whose changes belong to the unit; empty means the whole repository (a unit
    /// tagged by a series that names no component covers the whole repository).
    pub paths: Vec<String>,
    /// The paths of other units nested below [`paths`](Self::paths), whose changes belong to
    /// those units and not to this one (the crates under a workspace's root package), as
    /// release-plz and cargo-release count a package's changes.
    pub excluded: Vec<String>,
    /// The version its manifest declares, if it has a manifest.
    pub manifest: Option<Version>,
    /// The version of the newest release section of its `CHANGELOG.md` (Keep a Changelog
    /// headings such as `## [1.3.0] - 2026-12-01` or `## 1.3.0 - 2026-12-01`) at the planned
    /// revision, when the file exists: a release the maintainers may have prepared already.
    /// [`release_units`] leaves it `None`; `Repository::units` (feature `git`) reads it.
    pub prepared: Option<Version>,
    /// The pattern of its next release tag, bound to the unit.
    pub pattern: TagPattern,
    /// Its release tags reachable from the planned revision, oldest version first.
    pub releases: Vec<VersionTag>,
    /// What the unit depends on: other units, by unit id.
    pub dependencies: Vec<Dependency>,
}

impl Unit {
    /// Its latest release (highest version), if any.
    pub fn last_release(&self) -> Option<&VersionTag> {
        self.releases.last()
    }

    /// Its latest stable release at or below `at` (all when `at` is `None`), if any.
    pub fn releases_up_to(&self, at: Option<&Version>) -> impl Iterator<Item = &VersionTag> {
        self.releases
            .iter()
            .filter(move |t| at.is_none_or(|v| t.version <= *v))
    }

    /// The unit as a component of the dependency graph, at `version`.
    pub fn to_component(&self, version: Version) -> Component {
        let mut c = Component::new(self.id.clone(), version);
        c.paths.clone_from(&self.paths);
        c.dependencies.clone_from(&self.dependencies);
        c
    }
}

/// The repository's primary unit among `units`: the one with the most release tags; ties go
/// to a unit that covers the whole repository (no paths, or only the root: `""`, `.`), then
/// to the first by id. `None` only when `units` is empty.
///
/// `relman changelog` without `--component` cuts the whole repository's history at the
/// primary unit's releases. Time: O(units).
pub fn primary_unit(units: &[Unit]) -> Option<&Unit> {
    let whole_repository = |u: &Unit| {
        u.paths
            .iter()
            .all(|p| p.trim_end_matches('/').is_empty() || p.trim_end_matches('/') == ".")
    };
    units.iter().min_by(|a, b| {
        b.releases
            .len()
            .cmp(&a.releases.len())
            .then_with(|| whole_repository(b).cmp(&whole_repository(a)))
            .then_with(|| a.id.cmp(&b.id))
    })
}

/// Returned by [`release_units`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseUnitsError {
    /// A configured component name is not a valid component id.
    #[error("component name `{name}` in {config}")]
    ComponentName {
        /// The name.
        name: String,
        /// Where it is configured.
        config: String,
    },
    /// A configured tag pattern does not parse.
    #[error("tag pattern `{pattern}` in {config}")]
    TagPattern {
        /// The pattern.
        pattern: String,
        /// Where it is configured.
        config: String,
        /// Why it is refused.
        #[source]
        source: relman_model::ParseTagPatternError,
    },
}

/// What [`release_units`] reads besides the configuration.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct UnitInputs<'a> {
    /// The components the manifest declares at the planned revision (empty without one).
    pub members: &'a [Component],
    /// Every tag reachable from the planned revision.
    pub tags: &'a [NamedTag],
    /// The name of the one component of a repository without a manifest.
    pub fallback: &'a ComponentId,
    /// Where the configuration came from, for error messages.
    pub config_source: &'a str,
}

impl<'a> UnitInputs<'a> {
    /// The inputs: members, reachable tags, the fallback name and the configuration's source.
    pub fn new(
        members: &'a [Component],
        tags: &'a [NamedTag],
        fallback: &'a ComponentId,
        config_source: &'a str,
    ) -> Self {
        Self {
            members,
            tags,
            fallback,
            config_source,
        }
    }
}

/// Which component a series releases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Component(ComponentId),
    Repository,
}

/// One tag series: a pattern and the tags it read.
#[derive(Debug, Clone)]
struct Series {
    /// The pattern text, e.g. `knope/v{version}` (not bound).
    text: String,
    /// The shape for other components, e.g. `{component}/v{version}`.
    shape: Option<String>,
    owner: Owner,
    tags: Vec<(NamedTag, Version)>,
}

impl Series {
    fn latest(&self) -> Option<&(NamedTag, Version)> {
        self.tags.iter().max_by(|a, b| a.1.cmp(&b.1))
    }
}

/// The release units of a repository (see the module docs for the rules), sorted by id.
///
/// `members_at` answers which components the manifest declared at a past commit (the target
/// of a tag); `None` when unknown. It is asked only for the latest tag of a series that names
/// no component.
///
/// # Errors
///
/// [`ReleaseUnitsError`] for an invalid configured component name or tag pattern.
pub fn release_units(
    config: &Config,
    inputs: &UnitInputs<'_>,
    members_at: &dyn Fn(&ChangeId) -> Option<Vec<Component>>,
) -> Result<Vec<Unit>, ReleaseUnitsError> {
    let source = inputs.config_source;
    let candidates = candidates(config, inputs, source)?;
    let names: Vec<ComponentId> = candidates.iter().map(|c| c.id.clone()).collect();
    let mut series = configured_series(config, &names, inputs.tags, source)?;
    if config.tags.patterns.is_empty() {
        // Components without a configured `tag`: their series are read off the tag names.
        let covered: BTreeSet<Owner> = series.iter().map(|s| s.owner.clone()).collect();
        let configured_components = !config.components.is_empty();
        series.extend(
            inferred_series(inputs.tags, &candidates)
                .into_iter()
                .filter(|s| !covered.contains(&s.owner))
                .filter(|s| !(configured_components && s.owner == Owner::Repository)),
        );
    }

    // Version groups: the candidates a repository-wide series releases.
    let mut group_of: BTreeMap<ComponentId, usize> = BTreeMap::new();
    let mut groups: Vec<Vec<ComponentId>> = Vec::new();
    let mut repository_series: Vec<usize> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        if s.owner == Owner::Repository && !s.tags.is_empty() {
            repository_series.push(i);
        }
    }
    if !repository_series.is_empty() {
        // The most recent repository-wide series decides the group.
        let latest = repository_series
            .iter()
            .filter_map(|&i| series[i].latest())
            .max_by(|a, b| a.1.cmp(&b.1));
        let members = latest
            .and_then(|(tag, version)| {
                let at = members_at(&tag.target)?;
                let hits: Vec<ComponentId> = at
                    .iter()
                    .filter(|m| m.version == *version && names.contains(&m.id))
                    .map(|m| m.id.clone())
                    .collect();
                (!hits.is_empty()).then_some(hits)
            })
            .unwrap_or_else(|| names.clone());
        // A repository-wide series that its members have outgrown (their own series went
        // further, as after a move from `v1.2.0` to `api/v1.3.0`) forms no group.
        let repo_latest = latest.map(|(_, v)| v);
        let outgrown = members.iter().any(|m| {
            series.iter().any(|s| {
                s.owner == Owner::Component(m.clone()) && s.latest().map(|t| &t.1) > repo_latest
            })
        });
        let members = if outgrown && names.len() > 1 {
            Vec::new()
        } else {
            members
        };
        if !members.is_empty() {
            for m in &members {
                group_of.insert(m.clone(), 0);
            }
            groups.push(members);
        }
    }

    // Each candidate not in a group is a unit of its own.
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_of: BTreeMap<ComponentId, usize> = BTreeMap::new();
    for c in &candidates {
        if !group_of.contains_key(&c.id) {
            unit_of.insert(c.id.clone(), units.len());
            units.push(unit(vec![c], true));
        }
    }
    for members in &groups {
        let parts: Vec<&Component> = candidates
            .iter()
            .filter(|c| members.contains(&c.id))
            .collect();
        if parts.is_empty() {
            continue;
        }
        let index = units.len();
        for p in &parts {
            unit_of.insert(p.id.clone(), index);
        }
        units.push(unit(parts, false));
    }

    // Series → units; patterns; releases.
    let shape = default_shape(&series, candidates.len());
    let mut patterns: Vec<Vec<&Series>> = vec![Vec::new(); units.len()];
    for s in &series {
        let target = match &s.owner {
            Owner::Component(c) => unit_of.get(c).copied(),
            Owner::Repository => groups
                .first()
                .and_then(|g| g.first())
                .and_then(|m| unit_of.get(m).copied()),
        };
        if let Some(t) = target {
            patterns[t].push(s);
        }
    }
    for (unit, own) in units.iter_mut().zip(&patterns) {
        let mut releases: Vec<VersionTag> = own
            .iter()
            .flat_map(|s| {
                s.tags.iter().map(|(t, v)| {
                    VersionTag::new(
                        t.name.clone(),
                        t.target.clone(),
                        Some(unit.id.clone()),
                        v.clone(),
                    )
                })
            })
            .collect();
        releases.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.name.cmp(&b.name)));
        releases.dedup_by(|a, b| a.name == b.name);
        // The next tag follows the series with the highest version (ties: more tags, then the
        // series that names the component).
        let best = own.iter().max_by(|a, b| {
            let va = a.latest().map(|t| &t.1);
            let vb = b.latest().map(|t| &t.1);
            va.cmp(&vb)
                .then_with(|| a.tags.len().cmp(&b.tags.len()))
                .then_with(|| b.owner.cmp(&a.owner))
        });
        let text = match best {
            Some(s) => s.text.clone(),
            None => shape.clone(),
        };
        // A unit whose current series names a component keeps its members' paths, even when
        // older tags of a repository-wide series were credited to it.
        if best.is_some_and(|s| s.owner != Owner::Repository) && unit.paths.is_empty() {
            unit.paths = candidates
                .iter()
                .filter(|c| unit.members.contains(&c.id))
                .flat_map(|c| c.paths.iter().cloned())
                .collect();
        }
        unit.pattern = bind(&text, &unit.id);
        unit.releases = releases;
    }

    // Dependencies between units (a member's dependency on a member of another unit).
    let by_member: BTreeMap<&ComponentId, ComponentId> = unit_of
        .iter()
        .map(|(m, &u)| (m, units[u].id.clone()))
        .collect();
    for (u, unit) in units.iter_mut().enumerate() {
        let mut deps: BTreeMap<ComponentId, Dependency> = BTreeMap::new();
        for c in candidates.iter().filter(|c| unit_of.get(&c.id) == Some(&u)) {
            for d in &c.dependencies {
                if let Some(target) = by_member.get(&d.component)
                    && *target != unit.id
                {
                    let mut dep = d.clone();
                    dep.component = target.clone();
                    deps.entry(target.clone()).or_insert(dep);
                }
            }
        }
        unit.dependencies = deps.into_values().collect();
    }
    exclude_nested(&mut units);
    units.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(units)
}

/// Sets each unit's [`Unit::excluded`]: the paths of the other units that lie below its own.
fn exclude_nested(units: &mut [Unit]) {
    let norm = |p: &str| {
        let p = p.trim_end_matches('/');
        if p == "." {
            String::new()
        } else {
            p.to_owned()
        }
    };
    let all: Vec<(ComponentId, Vec<String>)> = units
        .iter()
        .map(|u| (u.id.clone(), u.paths.iter().map(|p| norm(p)).collect()))
        .collect();
    for unit in units.iter_mut() {
        let own: Vec<String> = unit.paths.iter().map(|p| norm(p)).collect();
        let scope = relman_model::WalkScope::new().with_paths(own.clone());
        let mut excluded: Vec<String> = all
            .iter()
            .filter(|(id, _)| *id != unit.id)
            .flat_map(|(_, paths)| paths.iter())
            .filter(|p| !p.is_empty() && !own.contains(p) && scope.owns(p))
            .cloned()
            .collect();
        excluded.sort();
        excluded.dedup();
        unit.excluded = excluded;
    }
}

/// A unit of `parts` (at least one); `own_paths`: keep the members' paths (a unit tagged by a
/// repository-wide series covers the whole repository instead).
fn unit(parts: Vec<&Component>, own_paths: bool) -> Unit {
    let root = parts
        .iter()
        .find(|p| p.paths.is_empty() || p.paths.iter().any(|x| x.is_empty() || x == "."));
    let first = root.unwrap_or(&parts[0]);
    let id = first.id.clone();
    let mut members: Vec<ComponentId> = parts.iter().map(|p| p.id.clone()).collect();
    members.sort();
    let paths = if own_paths {
        first.paths.clone()
    } else {
        Vec::new()
    };
    let manifest = parts.iter().map(|p| p.version.clone()).max();
    Unit {
        pattern: TagPattern::v_version().for_component(id.clone()),
        id,
        members,
        paths,
        excluded: Vec::new(),
        manifest,
        prepared: None,
        releases: Vec::new(),
        dependencies: Vec::new(),
    }
}

impl Unit {
    /// Where the unit's changelog lives: `CHANGELOG.md` under its one path, or at the root
    /// for a unit that covers the whole repository; `None` for a unit of several paths.
    pub fn changelog_path(&self) -> Option<String> {
        match self.paths.as_slice() {
            [] => Some("CHANGELOG.md".to_owned()),
            [one] => Some(format!("{}/CHANGELOG.md", one.trim_end_matches('/'))),
            _ => None,
        }
    }
}

/// The version of the newest release section of a Keep a Changelog `text` (the first `##`
/// heading naming a SemVer version; `[Unreleased]` is skipped).
pub fn newest_changelog_version(text: &str) -> Option<Version> {
    relman_changelog::document::ChangelogFile::parse(text)
        .sections
        .iter()
        .find_map(|s| match &s.kind {
            relman_changelog::document::SectionKind::Release { version, .. } => {
                version.trim_start_matches('v').parse().ok()
            }
            _ => None,
        })
}

/// The candidate components (see the module docs).
fn candidates(
    config: &Config,
    inputs: &UnitInputs<'_>,
    source: &str,
) -> Result<Vec<Component>, ReleaseUnitsError> {
    if !config.components.is_empty() {
        let mut out = Vec::with_capacity(config.components.len());
        for (name, cc) in &config.components {
            let id: ComponentId = name.parse().map_err(|_| ReleaseUnitsError::ComponentName {
                name: name.clone(),
                config: source.to_owned(),
            })?;
            let member = inputs.members.iter().find(|m| m.id == id);
            let version = member.map_or_else(|| Version::new(0, 0, 0), |m| m.version.clone());
            let mut c = Component::new(id, version);
            c.paths.clone_from(&cc.paths);
            if let Some(m) = member {
                c.dependencies.clone_from(&m.dependencies);
            }
            out.push(c);
        }
        return Ok(out);
    }
    if inputs.members.is_empty() {
        return Ok(vec![Component::new(
            inputs.fallback.clone(),
            Version::new(0, 0, 0),
        )]);
    }
    let published: Vec<Component> = inputs
        .members
        .iter()
        .filter(|m| is_published(m))
        .cloned()
        .collect();
    if published.is_empty() {
        Ok(inputs.members.to_vec())
    } else {
        Ok(published)
    }
}

/// Whether a manifest member is released to a registry (`publish = false` packages are not).
fn is_published(member: &Component) -> bool {
    member.publish.is_published()
}

/// The series of `[tags] patterns` and each configured component's `tag`.
fn configured_series(
    config: &Config,
    names: &[ComponentId],
    tags: &[NamedTag],
    source: &str,
) -> Result<Vec<Series>, ReleaseUnitsError> {
    let parse = |text: &str| -> Result<TagPattern, ReleaseUnitsError> {
        text.parse().map_err(|e| ReleaseUnitsError::TagPattern {
            pattern: text.to_owned(),
            config: source.to_owned(),
            source: e,
        })
    };
    let mut out: Vec<Series> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add = |text: String, owner: Owner, pattern: &TagPattern| {
        if !seen.insert((text.clone(), owner.clone())) {
            return;
        }
        let read: Vec<(NamedTag, Version)> = tags
            .iter()
            .filter_map(|t| match pattern.matches(&t.name) {
                Some((None, v)) => Some((t.clone(), v)),
                Some((Some(c), v)) if Owner::Component(c.clone()) == owner => Some((t.clone(), v)),
                _ => None,
            })
            .collect();
        out.push(Series {
            text,
            shape: None,
            owner,
            tags: read,
        });
    };
    for (name, cc) in &config.components {
        let Ok(id) = name.parse::<ComponentId>() else {
            continue;
        };
        if let Some(tag) = &cc.tag {
            let text = tag.replace("{component}", name);
            let pattern = parse(&text)?;
            add(text, Owner::Component(id), &pattern);
        }
    }
    for text in &config.tags.patterns {
        let pattern = parse(text)?;
        if pattern.has_component() {
            for id in names {
                let bound = text.replace("{component}", id.as_str());
                let p = parse(&bound)?;
                add(bound, Owner::Component(id.clone()), &p);
            }
        } else if config.components.is_empty() {
            add(text.clone(), Owner::Repository, &pattern);
        } else {
            // Configured components: a pattern without `{component}` is each one's own.
            for id in names {
                add(text.clone(), Owner::Component(id.clone()), &pattern);
            }
        }
    }
    Ok(out)
}

/// The series read off the tag names (see the module docs).
fn inferred_series(tags: &[NamedTag], candidates: &[Component]) -> Vec<Series> {
    let mut by_prefix: BTreeMap<&str, Vec<(NamedTag, Version)>> = BTreeMap::new();
    for t in tags {
        if let Some((prefix, version)) = split_tag(&t.name) {
            if prefix.contains(['{', '}']) {
                continue;
            }
            by_prefix
                .entry(prefix)
                .or_default()
                .push((t.clone(), version));
        }
    }
    let mut out = Vec::new();
    for (prefix, tags) in by_prefix {
        let name = component_part(prefix);
        let (owner, shape) = if name.is_empty() {
            (Owner::Repository, None)
        } else {
            match find_candidate(name, candidates) {
                Some(c) => {
                    let shape = (c.id.as_str() == name)
                        .then(|| format!("{{component}}{}{{version}}", &prefix[name.len()..]));
                    (Owner::Component(c.id.clone()), shape)
                }
                None if candidates.len() == 1 => (Owner::Repository, None),
                None => continue,
            }
        };
        out.push(Series {
            text: format!("{prefix}{{version}}"),
            shape,
            owner,
            tags,
        });
    }
    out
}

/// The pattern of units without a series: the most used shape of the component series, else
/// `v{version}` for one candidate and `{component}-v{version}` for several.
fn default_shape(series: &[Series], candidates: usize) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in series {
        if let Some(shape) = &s.shape {
            *counts.entry(shape.as_str()).or_default() += s.tags.len();
        }
    }
    match counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
    {
        Some((shape, _)) => shape.to_owned(),
        None if candidates == 1 => "v{version}".to_owned(),
        None => "{component}-v{version}".to_owned(),
    }
}

/// `text` as a pattern bound to `id` (`{component}` spelled out).
fn bind(text: &str, id: &ComponentId) -> TagPattern {
    let spelled = text.replace("{component}", id.as_str());
    spelled
        .parse::<TagPattern>()
        .unwrap_or_else(|_| TagPattern::v_version())
        .for_component(id.clone())
}

/// Splits a tag into the prefix before its SemVer version and the version: the first position
/// where a digit starts a valid version and follows a non-alphanumeric character or a `v`.
///
/// ```text
/// knope/v0.21.0 -> ("knope/v", 0.21.0)    1.2.0 -> ("", 1.2.0)    v.1.2.3 -> ("v.", 1.2.3)
/// ```
pub(crate) fn split_tag(tag: &str) -> Option<(&str, Version)> {
    let bytes = tag.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if !b.is_ascii_digit() {
            continue;
        }
        let boundary = i == 0 || {
            let p = bytes[i - 1];
            !p.is_ascii_alphanumeric() || p == b'v' || p == b'V'
        };
        if !boundary {
            continue;
        }
        if let Ok(v) = Version::parse(&tag[i..]) {
            return Some((&tag[..i], v));
        }
    }
    None
}

/// The component name in a tag prefix: the prefix without its trailing separators and `v`
/// (`knope/v` → `knope`, `opentelemetry-` → `opentelemetry`, `v` → ``, `v.` → ``).
pub(crate) fn component_part(prefix: &str) -> &str {
    let mut rest = prefix;
    // One trailing `v` (or `v.`), then separators.
    if let Some(r) = rest.strip_suffix("v.") {
        rest = r;
    } else if let Some(r) = rest.strip_suffix(['v', 'V'])
        && (r.is_empty() || r.ends_with(['-', '_', '/', '@', '.']))
    {
        rest = r;
    }
    rest.trim_end_matches(['-', '_', '/', '@', '.'])
}

/// The candidate a series name means: the same name (`_` and `-` alike), else the only one
/// whose name ends with `-NAME`/`_NAME`, else the only one whose directory is named `NAME`.
fn find_candidate<'c>(name: &str, candidates: &'c [Component]) -> Option<&'c Component> {
    let norm = |s: &str| s.replace('_', "-").to_ascii_lowercase();
    let want = norm(name);
    if let Some(c) = candidates.iter().find(|c| norm(c.id.as_str()) == want) {
        return Some(c);
    }
    let suffixed: Vec<&Component> = candidates
        .iter()
        .filter(|c| norm(c.id.as_str()).ends_with(&format!("-{want}")))
        .collect();
    if let [only] = suffixed[..] {
        return Some(only);
    }
    let by_dir: Vec<&Component> = candidates
        .iter()
        .filter(|c| {
            c.paths.iter().any(|p| {
                p.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .is_some_and(|d| norm(d) == want)
            })
        })
        .collect();
    match by_dir[..] {
        [only] => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_tag_finds_the_version_after_its_prefix() {
        let check = |tag: &str, prefix: &str, version: &str| {
            let (p, v) = split_tag(tag).expect("a release tag");
            assert_eq!((p, v.to_string().as_str()), (prefix, version), "{tag}");
        };
        check("knope/v0.21.0", "knope/v", "0.21.0");
        check("1.2.0", "", "1.2.0");
        check("v.1.2.3", "v.", "1.2.3");
        check("opentelemetry-otlp-0.14.0", "opentelemetry-otlp-", "0.14.0");
        check("foo-v2-1.0.0", "foo-v2-", "1.0.0");
        check("v1.0.0-rc.1", "v", "1.0.0-rc.1");
        assert!(split_tag("test").is_none());
        assert!(split_tag("v1.2").is_none());
        assert!(split_tag("abc1.2.3").is_none());
    }

    #[test]
    fn a_unit_leaves_out_the_units_nested_below_it() {
        let make = |name: &str, paths: &[&str]| {
            let mut c = Component::new(name.parse().expect("id"), Version::new(0, 1, 0));
            c.paths = paths.iter().map(|p| (*p).to_owned()).collect();
            unit(vec![&c], true)
        };
        let mut units = vec![
            make("root", &["."]),
            make("api", &["crates/api/"]),
            make("api-client", &["crates/api-client"]),
            make("plugins", &["plugins"]),
            make("plugin-a", &["plugins/a"]),
            make("whole", &[]),
        ];
        exclude_nested(&mut units);
        let excluded = |name: &str| {
            units
                .iter()
                .find(|u| u.id.as_str() == name)
                .map(|u| u.excluded.clone())
                .expect("a unit")
        };
        let nested = ["crates/api", "crates/api-client", "plugins", "plugins/a"];
        assert_eq!(excluded("root"), nested);
        assert_eq!(excluded("whole"), nested);
        assert_eq!(excluded("plugins"), ["plugins/a"]);
        assert!(
            excluded("api").is_empty(),
            "crates/api-client is beside crates/api"
        );
        assert!(excluded("plugin-a").is_empty());
    }

    #[test]
    fn primary_unit_has_the_most_releases_then_covers_the_root_then_comes_first() {
        let make = |name: &str, paths: &[&str], tags: u64| {
            let mut c = Component::new(name.parse().expect("id"), Version::new(0, 1, 0));
            c.paths = paths.iter().map(|p| (*p).to_owned()).collect();
            let mut u = unit(vec![&c], true);
            u.releases = (0..tags)
                .map(|i| {
                    VersionTag::new(
                        format!("{name}-v0.{i}.0"),
                        "c1".parse().expect("id"),
                        Some(u.id.clone()),
                        Version::new(0, i, 0),
                    )
                })
                .collect();
            u
        };
        let id = |units: &[Unit]| primary_unit(units).map(|u| u.id.to_string());
        assert_eq!(id(&[]), None);
        let units = [
            make("api", &["crates/api"], 2),
            make("core", &["crates/core"], 5),
            make("root", &["."], 3),
        ];
        assert_eq!(id(&units).as_deref(), Some("core"));
        let units = [
            make("api", &["crates/api"], 3),
            make("zeta", &[], 3),
            make("cli", &["crates/cli"], 3),
        ];
        assert_eq!(id(&units).as_deref(), Some("zeta"));
        let units = [
            make("cli", &["crates/cli"], 1),
            make("api", &["crates/api"], 1),
        ];
        assert_eq!(id(&units).as_deref(), Some("api"));
    }

    #[test]
    fn component_part_strips_separators_and_v() {
        for (prefix, name) in [
            ("knope/v", "knope"),
            ("opentelemetry-", "opentelemetry"),
            ("v", ""),
            ("v.", ""),
            ("", ""),
            ("api@", "api"),
            ("relman-git-v", "relman-git"),
            ("dev", "dev"),
        ] {
            assert_eq!(component_part(prefix), name, "{prefix}");
        }
    }
}
