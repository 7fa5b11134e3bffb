//! Components without configuration: the members of a Cargo workspace, read from a revision's
//! tree (so it works on bare repositories and on past revisions alike).

use std::collections::BTreeMap;
use std::path::Path;

use git2::{ObjectType, Tree};
use relman_model::{
    Component, ComponentId, Dependency, DependencyKind, Publish, Revision, Version, VersionTag,
};
use semver::VersionReq;
use serde::{Deserialize, Serialize};

use crate::error::{GitFailure, ReadHistoryError};
use crate::repository::GitRepository;
use relman_model::TagPattern;

/// How the repository is laid out; part of [`Workspace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One package: releases are tagged `v{version}`.
    SinglePackage,
    /// Several packages: releases are tagged `{component}-v{version}` (release-plz's default).
    Workspace,
}

/// The components of a Cargo repository and how their releases are tagged; returned by
/// [`GitRepository::discover_components`].
///
/// JSON: `{"layout": "workspace", "components": [Component, ...], "tag_patterns":
/// ["{component}-v{version}"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Workspace {
    /// Single package or workspace.
    pub layout: Layout,
    /// The packages, sorted by name; each owns its directory (a root package owns the whole
    /// repository), depends on the members its path dependencies point at and says whether it
    /// is published ([`Component::publish`]).
    pub components: Vec<Component>,
    /// The tag patterns of the layout (bound to the package for a single package).
    pub tag_patterns: Vec<TagPattern>,
}

impl Workspace {
    /// The component named `name`.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id.as_str() == name)
    }

    /// Which component `tag` releases, if any, with the version: read by the tag patterns.
    pub fn read_tag(&self, tag: &str) -> Option<(ComponentId, Version)> {
        self.tag_patterns.iter().find_map(|p| match p.matches(tag) {
            Some((Some(c), v)) if self.component(c.as_str()).is_some() => Some((c, v)),
            _ => None,
        })
    }

    /// Whether `tag` is a release of `component`.
    pub fn releases(&self, tag: &VersionTag, component: &ComponentId) -> bool {
        tag.component.as_ref() == Some(component)
    }
}

/// Returned by [`GitRepository::discover_components`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverComponentsError {
    /// The revision cannot be read.
    #[error("cannot read the revision")]
    Revision(#[source] ReadHistoryError),
    /// There is no `Cargo.toml` at the root of the revision's tree.
    #[error("no Cargo.toml at the root of {revision}")]
    NoManifest {
        /// The revision.
        revision: Revision,
    },
    /// A manifest is not valid TOML.
    #[error("{path} is not valid TOML")]
    Syntax {
        /// The manifest's path in the repository.
        path: String,
        /// The parser's report.
        #[source]
        source: toml::de::Error,
    },
    /// A key has the wrong type or value.
    #[error("{path}: key {key} {problem}")]
    InvalidKey {
        /// The manifest's path in the repository.
        path: String,
        /// The dotted key, e.g. `package.version`.
        key: String,
        /// What is wrong, e.g. `is not a SemVer version`.
        problem: &'static str,
    },
    /// A workspace member has no manifest.
    #[error("workspace member {member} has no Cargo.toml")]
    MissingMember {
        /// The member's path.
        member: String,
    },
    /// The manifests declare no package at all.
    #[error("the manifests declare no package")]
    NoPackage,
    /// libgit2 failed while reading a tree or a blob.
    #[error("cannot read {path} from the repository")]
    Git {
        /// The path being read.
        path: String,
        /// libgit2's report.
        #[source]
        source: GitFailure,
    },
}

type Table = toml::Table;

impl GitRepository {
    /// The components of the Cargo repository at `at` (its root `Cargo.toml`): the members of
    /// `[workspace] members` (globs `*` and `?` in any path segment; `exclude` honoured) plus the
    /// root package if any, each with its `[package] name` and `version` (`version.workspace =
    /// true` reads `[workspace.package] version`; no version is `0.0.0`), its directory as
    /// path, its `publish` setting (`publish = false` or `[]` is [`Publish::No`];
    /// `publish.workspace = true` reads `[workspace.package] publish`), and its path
    /// dependencies on other members (normal, dev, build; `workspace = true` entries resolved
    /// through `[workspace.dependencies]`). A dependency is an edge only when its `path`,
    /// relative to the manifest that declares it, is a member's directory: a registry or git
    /// dependency never is, even when it shares a member's name. One package gives
    /// [`Layout::SinglePackage`] with `v{version}`, more give [`Layout::Workspace`] with
    /// `{component}-v{version}`.
    ///
    /// # Errors
    ///
    /// [`DiscoverComponentsError`] naming the manifest and key at fault.
    pub fn discover_components(&self, at: &Revision) -> Result<Workspace, DiscoverComponentsError> {
        let oid = self
            .resolve_oid(at)
            .map_err(DiscoverComponentsError::Revision)?;
        let git = |path: &str| {
            let path = path.to_owned();
            move |e: git2::Error| DiscoverComponentsError::Git {
                path,
                source: e.into(),
            }
        };
        let tree = self
            .repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(git("the root tree"))?;
        let root =
            self.manifest(&tree, "")?
                .ok_or_else(|| DiscoverComponentsError::NoManifest {
                    revision: at.clone(),
                })?;
        let workspace = root.get("workspace").and_then(toml::Value::as_table);
        let mut dirs: Vec<String> = Vec::new();
        if root.contains_key("package") {
            dirs.push(String::new());
        }
        if let Some(ws) = workspace {
            let excluded = strings(ws, "Cargo.toml", "workspace.exclude")?;
            for pattern in strings(ws, "Cargo.toml", "workspace.members")? {
                for dir in self.expand(&tree, &pattern)? {
                    if !excluded.contains(&dir) && !dirs.contains(&dir) {
                        dirs.push(dir);
                    }
                }
            }
        }
        let ws_package = workspace
            .and_then(|w| w.get("package"))
            .and_then(toml::Value::as_table);
        let ws_version = ws_package
            .and_then(|p| p.get("version"))
            .and_then(toml::Value::as_str);
        let ws_publish = match ws_package.and_then(|p| p.get("publish")) {
            None => None,
            Some(v) => Some(
                publish(v).map_err(|problem| DiscoverComponentsError::InvalidKey {
                    path: "Cargo.toml".to_owned(),
                    key: "workspace.package.publish".to_owned(),
                    problem,
                })?,
            ),
        };
        let ws_deps = workspace
            .and_then(|w| w.get("dependencies"))
            .and_then(toml::Value::as_table);

        let mut packages = Vec::new();
        for dir in &dirs {
            let manifest = if dir.is_empty() {
                root.clone()
            } else {
                match self.manifest(&tree, dir)? {
                    Some(m) => m,
                    None => {
                        return Err(DiscoverComponentsError::MissingMember {
                            member: dir.clone(),
                        });
                    }
                }
            };
            let path = manifest_path(dir);
            let Some(package) = manifest.get("package").and_then(toml::Value::as_table) else {
                continue;
            };
            let invalid = |key: &str, problem| DiscoverComponentsError::InvalidKey {
                path: path.clone(),
                key: key.to_owned(),
                problem,
            };
            let name = package
                .get("name")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| invalid("package.name", "is missing or not a string"))?;
            let id = ComponentId::new(name)
                .map_err(|_| invalid("package.name", "is not a valid name"))?;
            let version = match package.get("version") {
                None => Version::new(0, 0, 0),
                Some(toml::Value::String(v)) => Version::parse(v)
                    .map_err(|_| invalid("package.version", "is not a SemVer version"))?,
                Some(toml::Value::Table(t))
                    if t.get("workspace").and_then(toml::Value::as_bool) == Some(true) =>
                {
                    let v = ws_version.ok_or_else(|| {
                        invalid(
                            "package.version",
                            "inherits from [workspace.package] which has no version",
                        )
                    })?;
                    Version::parse(v)
                        .map_err(|_| invalid("workspace.package.version", "is not SemVer"))?
                }
                Some(_) => return Err(invalid("package.version", "is not a string")),
            };
            let publish = match package.get("publish") {
                None => Publish::Registry,
                Some(toml::Value::Table(t))
                    if t.get("workspace").and_then(toml::Value::as_bool) == Some(true) =>
                {
                    ws_publish.ok_or_else(|| {
                        invalid(
                            "package.publish",
                            "inherits from [workspace.package] which has no publish",
                        )
                    })?
                }
                Some(v) => publish(v).map_err(|problem| invalid("package.publish", problem))?,
            };
            packages.push((id, version, publish, dir.clone(), manifest, path));
        }
        if packages.is_empty() {
            return Err(DiscoverComponentsError::NoPackage);
        }
        // member directory -> member, to resolve path dependencies
        let members: BTreeMap<String, ComponentId> = packages
            .iter()
            .map(|(id, _, _, dir, ..)| (dir.clone(), id.clone()))
            .collect();
        let single = packages.len() == 1;
        let mut components = Vec::new();
        for (id, version, publish, dir, manifest, path) in packages {
            let mut component = Component::new(id.clone(), version).with_publish(publish);
            if !dir.is_empty() {
                component = component.with_path(dir.clone());
            }
            for (section, kind) in [
                ("dependencies", DependencyKind::Normal),
                ("dev-dependencies", DependencyKind::Dev),
                ("build-dependencies", DependencyKind::Build),
            ] {
                let Some(deps) = manifest.get(section).and_then(toml::Value::as_table) else {
                    continue;
                };
                for (key, spec) in deps {
                    let Some(spec) = spec.as_table() else {
                        continue;
                    };
                    let inherited =
                        spec.get("workspace").and_then(toml::Value::as_bool) == Some(true);
                    // a path is relative to the manifest that declares it
                    let (spec, base) = if inherited {
                        match ws_deps
                            .and_then(|d| d.get(key))
                            .and_then(toml::Value::as_table)
                        {
                            Some(s) => (s, ""),
                            None => continue,
                        }
                    } else {
                        (spec, dir.as_str())
                    };
                    // registry and git dependencies have no path: never an edge
                    let Some(target) = spec
                        .get("path")
                        .and_then(toml::Value::as_str)
                        .and_then(|p| join(base, p))
                        .and_then(|d| members.get(&d))
                    else {
                        continue;
                    };
                    if *target == id {
                        continue;
                    }
                    let requirement = match spec.get("version").and_then(toml::Value::as_str) {
                        Some(r) => Some(VersionReq::parse(r).map_err(|_| {
                            DiscoverComponentsError::InvalidKey {
                                path: path.clone(),
                                key: format!("{section}.{key}.version"),
                                problem: "is not a version requirement",
                            }
                        })?),
                        None => None,
                    };
                    component = component.with_dependency(Dependency::new(
                        target.clone(),
                        kind,
                        requirement,
                    ));
                }
            }
            components.push(component);
        }
        components.sort_by(|a, b| a.id.cmp(&b.id));
        let (layout, tag_patterns) = if single {
            let id = components[0].id.clone();
            (
                Layout::SinglePackage,
                vec![TagPattern::v_version().for_component(id)],
            )
        } else {
            (Layout::Workspace, vec![TagPattern::component_v_version()])
        };
        Ok(Workspace {
            layout,
            components,
            tag_patterns,
        })
    }

    /// The manifest `dir/Cargo.toml` of `tree`, `None` if absent.
    fn manifest(
        &self,
        tree: &Tree<'_>,
        dir: &str,
    ) -> Result<Option<Table>, DiscoverComponentsError> {
        let path = manifest_path(dir);
        let Ok(entry) = tree.get_path(Path::new(&path)) else {
            return Ok(None);
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| DiscoverComponentsError::Git {
                path: path.clone(),
                source: e.into(),
            })?;
        let text = String::from_utf8_lossy(blob.content());
        toml::from_str::<Table>(&text)
            .map(Some)
            .map_err(|source| DiscoverComponentsError::Syntax { path, source })
    }

    /// The directories of `tree` matching a member pattern such as `crates/*`.
    fn expand(
        &self,
        tree: &Tree<'_>,
        pattern: &str,
    ) -> Result<Vec<String>, DiscoverComponentsError> {
        let mut found = vec![(String::new(), tree.clone())];
        for segment in pattern.trim_end_matches('/').split('/') {
            if segment.is_empty() || segment == "." {
                continue;
            }
            let mut next = Vec::new();
            for (prefix, dir) in &found {
                for entry in dir.iter() {
                    let Ok(name) = entry.name() else { continue };
                    if entry.kind() != Some(ObjectType::Tree) || !wildcard(segment, name) {
                        continue;
                    }
                    let path = if prefix.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{prefix}/{name}")
                    };
                    let subtree = self.repo.find_tree(entry.id()).map_err(|e| {
                        DiscoverComponentsError::Git {
                            path: path.clone(),
                            source: e.into(),
                        }
                    })?;
                    next.push((path, subtree));
                }
            }
            found = next;
        }
        let mut dirs: Vec<String> = found
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| !p.is_empty() && tree.get_path(Path::new(&manifest_path(p))).is_ok())
            .collect();
        dirs.sort();
        Ok(dirs)
    }
}

fn manifest_path(dir: &str) -> String {
    if dir.is_empty() {
        "Cargo.toml".to_owned()
    } else {
        format!("{dir}/Cargo.toml")
    }
}

/// `[package] publish` (or `[workspace.package] publish`): a boolean or a list of registries.
fn publish(value: &toml::Value) -> Result<Publish, &'static str> {
    match value {
        toml::Value::Boolean(true) => Ok(Publish::Registry),
        toml::Value::Boolean(false) => Ok(Publish::No),
        toml::Value::Array(registries) if registries.iter().all(toml::Value::is_str) => {
            Ok(if registries.is_empty() {
                Publish::No
            } else {
                Publish::Registry
            })
        }
        _ => Err("is not a boolean or a list of registry names"),
    }
}

/// The repository directory `rel` names from the directory `base` (both `/`-separated, `""`
/// is the root), lexically; `None` for an absolute path or one that leaves the repository.
fn join(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with(['/', '\\']) || rel.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for segment in rel.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn strings(table: &Table, path: &str, key: &str) -> Result<Vec<String>, DiscoverComponentsError> {
    let field = key.rsplit('.').next().unwrap_or(key);
    let Some(value) = table.get(field) else {
        return Ok(Vec::new());
    };
    let invalid = || DiscoverComponentsError::InvalidKey {
        path: path.to_owned(),
        key: key.to_owned(),
        problem: "is not a list of strings",
    };
    value
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|v| {
            v.as_str()
                .map(|s| s.trim_end_matches('/').to_owned())
                .ok_or_else(invalid)
        })
        .collect()
}

/// Glob match of one path segment with `*` (any run) and `?` (one character).
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::{join, publish, wildcard};
    use relman_model::Publish;

    #[test]
    fn paths_join_lexically_inside_the_repository() {
        assert_eq!(
            join("crates/api", "../core").as_deref(),
            Some("crates/core")
        );
        assert_eq!(join("", "crates/core/").as_deref(), Some("crates/core"));
        assert_eq!(join("examples/demo", "../..").as_deref(), Some(""));
        assert_eq!(
            join("crates/api", "./../../tools/./cli").as_deref(),
            Some("tools/cli")
        );
        assert_eq!(join("crates", "../.."), None);
        assert_eq!(join("crates", "/abs/core"), None);
    }

    #[test]
    fn publish_reads_booleans_and_registry_lists() {
        let value = |text: &str| -> toml::Value {
            toml::from_str::<toml::Table>(&format!("publish = {text}")).expect("toml")["publish"]
                .clone()
        };
        assert_eq!(publish(&value("false")), Ok(Publish::No));
        assert_eq!(publish(&value("[]")), Ok(Publish::No));
        assert_eq!(publish(&value("true")), Ok(Publish::Registry));
        assert_eq!(publish(&value("[\"internal\"]")), Ok(Publish::Registry));
        assert!(publish(&value("\"no\"")).is_err());
        assert!(publish(&value("[1]")).is_err());
    }

    #[test]
    fn wildcards_match_one_segment() {
        assert!(wildcard("*", "core"));
        assert!(wildcard("relman-*", "relman-git"));
        assert!(!wildcard("relman-*", "other"));
        assert!(wildcard("c?re", "core"));
        assert!(!wildcard("c?re", "cre"));
        assert!(wildcard("core", "core"));
    }
}
