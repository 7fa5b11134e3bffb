//! Release tags: tag patterns such as `{component}-v{version}`, and tag names read as
//! (component, version) pairs. Pure string logic: adapters list the tags, this module reads them.

use std::fmt;
use std::str::FromStr;

use crate::id::ComponentId;
use semver::Version;
use serde::{Deserialize, Serialize};

/// How release tags are named: literal text around the placeholders `{version}` (required, a
/// SemVer version) and `{component}` (optional, a component name).
///
/// The usual patterns are `v{version}` and `{version}` for repository-wide releases, and
/// `{component}-v{version}` (release-plz's default) and `{component}@{version}` for monorepos.
/// A pattern without `{component}` may be bound to a component with [`TagPattern::for_component`]:
/// its tags then release that component (a single-package repository tagged `v1.2.0`).
///
/// Text form (`FromStr`/`Display`, and JSON as a string): the pattern itself.
///
/// ```
/// use relman_model::TagPattern;
/// let p: TagPattern = "{component}-v{version}".parse()?;
/// let (component, version) = p.matches("relman-git-v1.2.0").expect("matches");
/// assert_eq!(component.map(|c| c.to_string()), Some("relman-git".to_owned()));
/// assert_eq!(version.to_string(), "1.2.0");
/// assert!(p.matches("relman-git-v1.2").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagPattern {
    text: String,
    segments: Vec<Segment>,
    component: Option<ComponentId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Segment {
    Literal(String),
    Component,
    Version,
}

/// Returned by [`TagPattern`]'s `FromStr` for a pattern it cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tag pattern {pattern:?}: {reason}")]
pub struct ParseTagPatternError {
    /// The rejected pattern.
    pub pattern: String,
    /// Why it is rejected.
    pub reason: TagPatternRejection,
}

/// Why a tag pattern is rejected; part of [`ParseTagPatternError`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TagPatternRejection {
    /// The pattern has no `{version}`.
    MissingVersion,
    /// A placeholder other than `{component}` and `{version}`.
    UnknownPlaceholder {
        /// The placeholder's name.
        name: String,
    },
    /// `{...}` opened and not closed.
    Unclosed,
    /// A placeholder appears twice.
    Repeated {
        /// The placeholder's name.
        name: String,
    },
    /// Two placeholders with nothing between them (`{component}{version}`) cannot be split.
    Adjacent,
}

impl fmt::Display for TagPatternRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingVersion => f.write_str("it has no {version} placeholder"),
            Self::UnknownPlaceholder { name } => write!(
                f,
                "unknown placeholder {{{name}}} (expected {{component}} or {{version}})"
            ),
            Self::Unclosed => f.write_str("a '{' is not closed"),
            Self::Repeated { name } => write!(f, "the placeholder {{{name}}} appears twice"),
            Self::Adjacent => f.write_str("two placeholders need text between them"),
        }
    }
}

impl TagPattern {
    /// `v{version}`.
    pub fn v_version() -> Self {
        "v{version}".parse().expect("a valid built-in pattern")
    }

    /// `{component}-v{version}`.
    pub fn component_v_version() -> Self {
        "{component}-v{version}"
            .parse()
            .expect("a valid built-in pattern")
    }

    /// The same pattern with its tags releasing `component` (only for patterns without
    /// `{component}`; a pattern with it keeps the name found in the tag).
    #[must_use]
    pub fn for_component(mut self, component: ComponentId) -> Self {
        if !self.segments.contains(&Segment::Component) {
            self.component = Some(component);
        }
        self
    }

    /// The pattern text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The component this pattern is bound to (see [`TagPattern::for_component`]).
    pub fn component(&self) -> Option<&ComponentId> {
        self.component.as_ref()
    }

    /// Whether the pattern has a `{component}` placeholder.
    pub fn has_component(&self) -> bool {
        self.segments.contains(&Segment::Component)
    }

    /// The tag name this pattern gives to `version` of `component`.
    pub fn render(&self, component: Option<&ComponentId>, version: &Version) -> String {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Component => out.push_str(
                    component
                        .or(self.component.as_ref())
                        .map_or("", |c| c.as_str()),
                ),
                Segment::Version => out.push_str(&version.to_string()),
            }
        }
        out
    }

    /// Reads `tag` with this pattern: the component (the name in the tag, or the bound
    /// component, or `None`) and the version. `None` when the tag does not have the pattern's
    /// shape or its version is not SemVer (see [`TagPattern::classify`] for the reason).
    pub fn matches(&self, tag: &str) -> Option<(Option<ComponentId>, Version)> {
        self.classify(tag).ok()
    }

    /// As [`TagPattern::matches`], with the reason of a mismatch.
    ///
    /// # Errors
    ///
    /// [`TagRejection::NoPattern`] when the tag does not have the pattern's shape,
    /// [`TagRejection::NotSemVer`] when it does but the version part is not SemVer.
    pub fn classify(&self, tag: &str) -> Result<(Option<ComponentId>, Version), TagRejection> {
        let mut candidates = Vec::new();
        split(&self.segments, tag, &mut Vec::new(), &mut candidates);
        let mut not_semver = None;
        for parts in candidates {
            let mut component = self.component.clone();
            let mut version = None;
            for (segment, text) in parts {
                match segment {
                    Segment::Component => match ComponentId::new(text) {
                        Ok(c) => component = Some(c),
                        Err(_) => version = Some(Err(())),
                    },
                    Segment::Version => {
                        if version.is_none() {
                            version = Some(Version::parse(text).map_err(|_| ()));
                            if version == Some(Err(())) && not_semver.is_none() {
                                not_semver = Some(text.to_owned());
                            }
                        }
                    }
                    Segment::Literal(_) => {}
                }
            }
            if let Some(Ok(version)) = version {
                return Ok((component, version));
            }
        }
        Err(match not_semver {
            Some(version) => TagRejection::NotSemVer { version },
            None => TagRejection::NoPattern,
        })
    }
}

/// Every way to split `text` along `segments`; placeholders take at least one character,
/// longest first (so `{component}-v{version}` reads `a-v1-v1.0.0` as `a-v1` and `1.0.0`).
fn split<'s, 't>(
    segments: &'s [Segment],
    text: &'t str,
    acc: &mut Vec<(&'s Segment, &'t str)>,
    out: &mut Vec<Vec<(&'s Segment, &'t str)>>,
) {
    let Some((first, rest)) = segments.split_first() else {
        if text.is_empty() {
            out.push(acc.clone());
        }
        return;
    };
    match first {
        Segment::Literal(l) => {
            if let Some(tail) = text.strip_prefix(l.as_str()) {
                split(rest, tail, acc, out);
            }
        }
        _ => {
            let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
            for &end in ends.iter().rev() {
                acc.push((first, &text[..end]));
                split(rest, &text[end..], acc, out);
                acc.pop();
            }
        }
    }
}

impl FromStr for TagPattern {
    type Err = ParseTagPatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| ParseTagPatternError {
            pattern: s.to_owned(),
            reason,
        };
        let mut segments = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            match rest.find('{') {
                None => {
                    segments.push(Segment::Literal(rest.to_owned()));
                    rest = "";
                }
                Some(open) => {
                    if open > 0 {
                        segments.push(Segment::Literal(rest[..open].to_owned()));
                    }
                    let close = rest[open..]
                        .find('}')
                        .ok_or_else(|| err(TagPatternRejection::Unclosed))?;
                    let name = &rest[open + 1..open + close];
                    let segment = match name {
                        "component" => Segment::Component,
                        "version" => Segment::Version,
                        other => {
                            return Err(err(TagPatternRejection::UnknownPlaceholder {
                                name: other.to_owned(),
                            }));
                        }
                    };
                    if segments.contains(&segment) {
                        return Err(err(TagPatternRejection::Repeated {
                            name: name.to_owned(),
                        }));
                    }
                    if matches!(segments.last(), Some(Segment::Component | Segment::Version)) {
                        return Err(err(TagPatternRejection::Adjacent));
                    }
                    segments.push(segment);
                    rest = &rest[open + close + 1..];
                }
            }
        }
        if !segments.contains(&Segment::Version) {
            return Err(err(TagPatternRejection::MissingVersion));
        }
        Ok(Self {
            text: s.to_owned(),
            segments,
            component: None,
        })
    }
}

impl TryFrom<String> for TagPattern {
    type Error = ParseTagPatternError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TagPattern> for String {
    fn from(p: TagPattern) -> String {
        p.text
    }
}

impl fmt::Display for TagPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.text)
    }
}

/// Why a tag is not read as a release; part of [`IgnoredTag`].
///
/// JSON: `"no_pattern"`, `{"not_sem_ver": {"version": "1.2"}}` or `"not_a_commit"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TagRejection {
    /// The name has the shape of no tag pattern.
    NoPattern,
    /// The name has a pattern's shape but the version part is not SemVer.
    NotSemVer {
        /// The version part, e.g. `1.2`.
        version: String,
    },
    /// The tag points at a tree or a blob.
    NotACommit,
}

impl fmt::Display for TagRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPattern => f.write_str("the name matches no tag pattern"),
            Self::NotSemVer { version } => write!(f, "{version:?} is not a SemVer version"),
            Self::NotACommit => f.write_str("the tag does not point at a commit"),
        }
    }
}

/// A tag that is not read as a release, with the reason: the diagnostic of
/// [`TagListing::ignored`].
///
/// JSON: `{"name": "v1.2", "reason": {"not_sem_ver": {"version": "1.2"}}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IgnoredTag {
    /// The tag name.
    pub name: String,
    /// Why it is ignored.
    pub reason: TagRejection,
}

impl IgnoredTag {
    /// The tag `name`, ignored for `reason`.
    pub fn new(name: impl Into<String>, reason: TagRejection) -> Self {
        Self {
            name: name.into(),
            reason,
        }
    }
}

/// The release tags reachable from a revision, and the tags that were ignored; returned by
/// the git adapter's `GitRepository::read_tags`.
///
/// Both lists are sorted by tag name. JSON: `{"tags": [VersionTag, ...], "ignored":
/// [IgnoredTag, ...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TagListing {
    /// The release tags reachable from the revision.
    pub tags: Vec<crate::history::VersionTag>,
    /// Tags (reachable or not) that match no pattern, have no SemVer version or point at no
    /// commit.
    pub ignored: Vec<IgnoredTag>,
}

impl TagListing {
    /// A listing of `tags` and `ignored` (each sorted by tag name here).
    pub fn new(mut tags: Vec<crate::history::VersionTag>, mut ignored: Vec<IgnoredTag>) -> Self {
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        ignored.sort_by(|a, b| a.name.cmp(&b.name));
        Self { tags, ignored }
    }
}

/// Reads `name` with the first of `patterns` that accepts it.
///
/// # Errors
///
/// [`TagRejection::NotSemVer`] when a pattern's text matches but the version is not SemVer,
/// otherwise [`TagRejection::NoPattern`].
pub fn classify_tag(
    patterns: &[TagPattern],
    name: &str,
) -> Result<(Option<ComponentId>, Version), TagRejection> {
    let mut rejection = TagRejection::NoPattern;
    for p in patterns {
        match p.classify(name) {
            Ok(found) => return Ok(found),
            Err(r @ TagRejection::NotSemVer { .. }) if rejection == TagRejection::NoPattern => {
                rejection = r;
            }
            Err(_) => {}
        }
    }
    Err(rejection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> TagPattern {
        s.parse().expect("valid pattern")
    }

    fn read(pattern: &str, tag: &str) -> Option<(Option<String>, String)> {
        p(pattern)
            .matches(tag)
            .map(|(c, v)| (c.map(|c| c.to_string()), v.to_string()))
    }

    #[test]
    fn reads_the_usual_patterns() {
        assert_eq!(read("v{version}", "v1.2.3"), Some((None, "1.2.3".into())));
        assert_eq!(
            read("{version}", "1.2.3-rc.1"),
            Some((None, "1.2.3-rc.1".into()))
        );
        assert_eq!(
            read("{component}-v{version}", "api-client-v0.4.0"),
            Some((Some("api-client".into()), "0.4.0".into()))
        );
        assert_eq!(
            read("{component}@{version}", "web@2.0.0"),
            Some((Some("web".into()), "2.0.0".into()))
        );
        assert_eq!(
            read("{component}-v{version}", "a-v1-v1.0.0"),
            Some((Some("a-v1".into()), "1.0.0".into()))
        );
        assert_eq!(read("v{version}", "release-1.0.0"), None);
        assert_eq!(read("{component}-v{version}", "-v1.0.0"), None);
    }

    #[test]
    fn explains_rejections() {
        assert_eq!(
            p("v{version}").classify("v1.2"),
            Err(TagRejection::NotSemVer {
                version: "1.2".into()
            })
        );
        assert_eq!(
            p("v{version}").classify("nightly"),
            Err(TagRejection::NoPattern)
        );
        let patterns = [p("{component}-v{version}"), p("v{version}")];
        assert_eq!(
            classify_tag(&patterns, "v2.0.0").map(|(c, v)| (c, v.to_string())),
            Ok((None, "2.0.0".into()))
        );
        assert!(matches!(
            classify_tag(&patterns, "api-v2.0"),
            Err(TagRejection::NotSemVer { .. })
        ));
    }

    #[test]
    fn binds_patterns_without_component() {
        let core: ComponentId = "core".parse().expect("id");
        let bound = p("v{version}").for_component(core.clone());
        assert_eq!(
            bound.matches("v1.0.0").map(|m| m.0),
            Some(Some(core.clone()))
        );
        let unbound = p("{component}@{version}").for_component(core);
        assert_eq!(unbound.component(), None);
    }

    #[test]
    fn rejects_bad_patterns() {
        let reason = |s: &str| s.parse::<TagPattern>().map_err(|e| e.reason).err();
        assert_eq!(reason("v"), Some(TagPatternRejection::MissingVersion));
        assert_eq!(reason("{version"), Some(TagPatternRejection::Unclosed));
        assert_eq!(
            reason("{component}{version}"),
            Some(TagPatternRejection::Adjacent)
        );
        assert_eq!(
            reason("{version}-{version}"),
            Some(TagPatternRejection::Repeated {
                name: "version".into()
            })
        );
        assert_eq!(
            reason("{name}-{version}"),
            Some(TagPatternRejection::UnknownPlaceholder {
                name: "name".into()
            })
        );
        let e = "x".parse::<TagPattern>().expect_err("invalid");
        assert_eq!(
            e.to_string(),
            "invalid tag pattern \"x\": it has no {version} placeholder"
        );
    }

    proptest! {
        #[test]
        fn render_then_match_round_trips(
            name in "[a-z][a-z0-9-]{0,12}",
            major in 0u64..50, minor in 0u64..50, patch in 0u64..50,
            pattern in prop::sample::select(vec!["{component}-v{version}", "{component}@{version}", "v{version}", "{version}"]),
        ) {
            let pattern = p(pattern);
            let component: ComponentId = name.parse().expect("valid name");
            let version = Version::new(major, minor, patch);
            let tag = pattern.render(Some(&component), &version);
            let (c, v) = pattern.matches(&tag).expect("a rendered tag matches");
            prop_assert_eq!(v, version);
            if pattern.has_component() {
                prop_assert_eq!(c, Some(component));
            }
        }

        #[test]
        fn classify_never_panics(tag in "\\PC{0,30}") {
            for pattern in ["{component}-v{version}", "{component}@{version}", "v{version}"] {
                let _ = p(pattern).classify(&tag);
            }
        }
    }
}
