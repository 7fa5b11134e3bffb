//! Components: the units that are versioned and released (crates, services, packages).
//!
//! A [`Component`] has a name, a current version, the paths it owns in a repository, its
//! [`Dependency`] edges to other components, each with a [`DependencyKind`] and a version
//! requirement, and whether it is published at all ([`Publish`]).
//!
//! JSON shape of a component:
//!
//! ```json
//! {
//!   "id": "relman-graph",
//!   "version": "0.3.1",
//!   "paths": ["crates/relman-graph"],
//!   "dependencies": [
//!     { "component": "relman-model", "kind": "normal", "requirement": "^0.3" }
//!   ]
//! }
//! ```
//!
//! `"publish": "no"` marks a component that is never published (Cargo's `publish = false`);
//! the key is omitted for published components, and a missing key reads as published.

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};

use crate::id::{ComponentId, ParseIdError};

/// How a component depends on another, as Cargo distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    /// Needed at run time (Cargo `[dependencies]`).
    Normal,
    /// Needed only by tests, examples and benches (Cargo `[dev-dependencies]`); cycles through
    /// these edges are legal and do not constrain publish order.
    Dev,
    /// Needed by a build script (Cargo `[build-dependencies]`).
    Build,
}

impl DependencyKind {
    /// Whether an edge of this kind constrains the release order: the dependency must be
    /// released before the dependent. Dev-dependencies do not.
    pub fn orders_releases(self) -> bool {
        !matches!(self, DependencyKind::Dev)
    }
}

impl std::fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            DependencyKind::Normal => "normal",
            DependencyKind::Dev => "dev",
            DependencyKind::Build => "build",
        })
    }
}

/// Whether a component is published to a registry, as Cargo's `[package] publish` says; part of
/// [`Component`].
///
/// Planners leave [`Publish::No`] components (examples, `xtask` helpers) out of publish steps.
/// Serialised in lowercase: `"registry"` or `"no"`.
///
/// ```
/// use relman_model::{Component, Publish};
/// let example = Component::new("demo".parse()?, "0.1.0".parse()?).with_publish(Publish::No);
/// assert!(!example.publish.is_published());
/// assert_eq!(Publish::default(), Publish::Registry);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Publish {
    /// Published to a registry: Cargo's default, `publish = true` or a non-empty list of
    /// registries.
    #[default]
    Registry,
    /// Never published: `publish = false` or `publish = []`.
    No,
}

impl Publish {
    /// Whether the component is published (`Registry`).
    pub fn is_published(self) -> bool {
        self == Publish::Registry
    }
}

fn is_registry(publish: &Publish) -> bool {
    publish.is_published()
}

impl std::fmt::Display for Publish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Publish::Registry => "registry",
            Publish::No => "no",
        })
    }
}

/// An edge from a component to a component it depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Dependency {
    /// The component depended upon.
    pub component: ComponentId,
    /// Normal, dev or build.
    pub kind: DependencyKind,
    /// The version requirement the dependent declares, e.g. `^1.2`; `None` for path-only
    /// dependencies without a version.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_req")]
    pub requirement: Option<VersionReq>,
}

impl Dependency {
    /// A dependency on `component` of the given kind, with an optional version requirement.
    pub fn new(
        component: ComponentId,
        kind: DependencyKind,
        requirement: Option<VersionReq>,
    ) -> Self {
        Self {
            component,
            kind,
            requirement,
        }
    }

    /// Whether `version` of the dependency satisfies this edge's requirement (always true
    /// without a requirement).
    pub fn accepts(&self, version: &Version) -> bool {
        self.requirement
            .as_ref()
            .is_none_or(|req| req.matches(version))
    }
}

/// A versioned, releasable unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Component {
    /// The component's id, also its name (e.g. the crate name).
    pub id: ComponentId,
    /// Its current version (from its manifest or its last release tag).
    pub version: Version,
    /// Repository paths (directories or files, `/`-separated, relative to the root) whose
    /// changes belong to this component. Empty means the whole repository.
    #[serde(default)]
    pub paths: Vec<String>,
    /// What it depends on.
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// Whether it is published to a registry; omitted from JSON when it is
    /// [`Publish::Registry`], the default when absent.
    #[serde(default, skip_serializing_if = "is_registry")]
    pub publish: Publish,
}

impl Component {
    /// A published component ([`Publish::Registry`]) with no paths and no dependencies.
    pub fn new(id: ComponentId, version: Version) -> Self {
        Self {
            id,
            version,
            paths: Vec::new(),
            dependencies: Vec::new(),
            publish: Publish::Registry,
        }
    }

    /// Sets whether the component is published (builder style).
    #[must_use]
    pub fn with_publish(mut self, publish: Publish) -> Self {
        self.publish = publish;
        self
    }

    /// Adds a path owned by this component (builder style).
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.paths.push(path.into());
        self
    }

    /// Adds a dependency (builder style).
    #[must_use]
    pub fn with_dependency(mut self, dependency: Dependency) -> Self {
        self.dependencies.push(dependency);
        self
    }

    /// Whether a change to `path` (relative, `/`-separated) belongs to this component: the path
    /// equals one of its paths or lies below one. A component without paths owns everything.
    ///
    /// ```
    /// use relman_model::{Component, ComponentId};
    /// let c = Component::new("api".parse()?, "1.0.0".parse()?).with_path("crates/api");
    /// assert!(c.owns_path("crates/api/src/lib.rs"));
    /// assert!(!c.owns_path("crates/api-client/src/lib.rs"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn owns_path(&self, path: &str) -> bool {
        crate::history::owns_path(&self.paths, path)
    }
}

mod opt_req {
    use semver::VersionReq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        req: &Option<VersionReq>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match req {
            Some(r) => s.serialize_str(&r.to_string()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<VersionReq>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A component at the version a release ships it at (a change request's released versions, a
/// review's `api@1.2.0`).
///
/// Ordered by component, then version. JSON: `{"component": "api", "version": "1.3.0"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleasedComponent {
    /// The component.
    pub component: ComponentId,
    /// The version it is released at.
    pub version: Version,
}

impl ReleasedComponent {
    /// `component` at `version`.
    pub fn new(component: ComponentId, version: Version) -> Self {
        Self { component, version }
    }
}

impl std::fmt::Display for ReleasedComponent {
    /// `component@version`, e.g. `api@1.3.0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.component, self.version)
    }
}

/// Returned by [`ReleasedComponent`]'s [`FromStr`](std::str::FromStr) when the text is not
/// `component@version`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseReleasedComponentError {
    /// There is no `@` between the component and the version.
    #[error("invalid released component {input:?}: expected COMPONENT@VERSION")]
    MissingAt {
        /// The rejected input.
        input: String,
    },
    /// The part before `@` is not a component id.
    #[error("invalid released component {input:?}")]
    Component {
        /// The rejected input.
        input: String,
        /// Why the component id was rejected.
        #[source]
        source: ParseIdError,
    },
    /// The part after `@` is not a SemVer version.
    #[error("invalid released component {input:?}: {version:?} is not a SemVer version")]
    Version {
        /// The rejected input.
        input: String,
        /// The text after `@`.
        version: String,
    },
}

impl std::str::FromStr for ReleasedComponent {
    type Err = ParseReleasedComponentError;

    /// Parses `component@version` (split at the first `@`), the form [`Display`](std::fmt::Display)
    /// writes.
    ///
    /// ```
    /// use relman_model::ReleasedComponent;
    /// let r: ReleasedComponent = "api@1.3.0-rc.1".parse()?;
    /// assert_eq!(r.to_string(), "api@1.3.0-rc.1");
    /// assert!("api".parse::<ReleasedComponent>().is_err());
    /// # Ok::<(), relman_model::ParseReleasedComponentError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (component, version) =
            s.split_once('@')
                .ok_or_else(|| ParseReleasedComponentError::MissingAt {
                    input: s.to_owned(),
                })?;
        let component =
            component
                .parse()
                .map_err(|source| ParseReleasedComponentError::Component {
                    input: s.to_owned(),
                    source,
                })?;
        let version = version
            .parse()
            .map_err(|_| ParseReleasedComponentError::Version {
                input: s.to_owned(),
                version: version.to_owned(),
            })?;
        Ok(Self { component, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ComponentId {
        s.parse().unwrap()
    }

    #[test]
    fn path_ownership_respects_directory_boundaries() {
        let c = Component::new(id("api"), Version::new(1, 0, 0)).with_path("crates/api/");
        assert!(c.owns_path("crates/api"));
        assert!(c.owns_path("crates/api/Cargo.toml"));
        assert!(!c.owns_path("crates/apis/Cargo.toml"));
        assert!(!c.owns_path("README.md"));
        let all = Component::new(id("root"), Version::new(1, 0, 0));
        assert!(all.owns_path("anything/at/all"));
    }

    #[test]
    fn requirement_matching() {
        let d = Dependency::new(id("a"), DependencyKind::Normal, Some("1".parse().unwrap()));
        assert!(d.accepts(&Version::new(1, 9, 0)));
        assert!(!d.accepts(&Version::new(2, 0, 0)));
        let free = Dependency::new(id("a"), DependencyKind::Dev, None);
        assert!(free.accepts(&Version::new(9, 0, 0)));
        assert!(!DependencyKind::Dev.orders_releases());
        assert!(DependencyKind::Build.orders_releases());
    }

    #[test]
    fn json_shape() {
        let c = Component::new(id("relman-graph"), Version::new(0, 3, 1))
            .with_path("crates/relman-graph")
            .with_dependency(Dependency::new(
                id("relman-model"),
                DependencyKind::Normal,
                Some("^0.3".parse().unwrap()),
            ));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "relman-graph",
                "version": "0.3.1",
                "paths": ["crates/relman-graph"],
                "dependencies": [{"component": "relman-model", "kind": "normal", "requirement": "^0.3"}]
            })
        );
        let back: Component = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn publish_defaults_to_registry_and_round_trips_as_no() {
        let old: Component =
            serde_json::from_value(serde_json::json!({"id": "demo", "version": "0.1.0"})).unwrap();
        assert_eq!(old.publish, Publish::Registry);
        assert_eq!(Component::new(id("demo"), Version::new(0, 1, 0)), old);

        let example = old.with_publish(Publish::No);
        let json = serde_json::to_value(&example).unwrap();
        assert_eq!(json["publish"], "no");
        let back: Component = serde_json::from_value(json).unwrap();
        assert_eq!(back.publish, Publish::No);

        let explicit: Component = serde_json::from_value(
            serde_json::json!({"id": "demo", "version": "0.1.0", "publish": "registry"}),
        )
        .unwrap();
        assert!(explicit.publish.is_published());
        assert_eq!(Publish::No.to_string(), "no");
        assert_eq!(format!("{:>8}", Publish::Registry), "registry");
        assert!(
            serde_json::from_value::<Publish>(serde_json::json!("false")).is_err(),
            "only the lowercase variant names are accepted"
        );
    }

    #[test]
    fn released_component_json_and_display() {
        let r = ReleasedComponent::new("api".parse().unwrap(), Version::new(1, 3, 0));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"component": "api", "version": "1.3.0"})
        );
        assert_eq!(
            serde_json::from_value::<ReleasedComponent>(json).unwrap(),
            r
        );
        assert_eq!(r.to_string(), "api@1.3.0");
    }

    #[test]
    fn released_component_parses_what_it_displays() {
        for text in ["api@1.3.0", "relman-graph@0.3.1-rc.2+build.5"] {
            let r: ReleasedComponent = text.parse().unwrap();
            assert_eq!(r.to_string(), text);
        }
        assert!(matches!(
            "api".parse::<ReleasedComponent>(),
            Err(ParseReleasedComponentError::MissingAt { .. })
        ));
        assert!(matches!(
            "a pi@1.0.0".parse::<ReleasedComponent>(),
            Err(ParseReleasedComponentError::Component { .. })
        ));
        let err = "api@v1".parse::<ReleasedComponent>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid released component \"api@v1\": \"v1\" is not a SemVer version"
        );
    }
}
