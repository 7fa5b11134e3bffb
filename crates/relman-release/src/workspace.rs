//! The Cargo workspace being released: its packages (read with `cargo metadata`), the version
//! edits of a release wave in every manifest (format and comments preserved by `toml_edit`),
//! the lock file refresh, and the changelog insertion.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use relman_changelog::document::{InsertReleaseError, NewRelease, SectionLabel, insert_release};
use relman_model::{Component, ComponentId, Dependency, DependencyKind, Publish};
use semver::Version;
use toml_edit::{DocumentMut, Item, Value};

use crate::fs::{WriteFileError, write_atomic};

/// One package of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its version in the manifest.
    pub version: Version,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// Whether it may be published (`publish = false` says no).
    pub publish: bool,
    /// Its dependencies inside the workspace: (package name, kind, requirement text).
    pub local_dependencies: Vec<(String, DependencyKind, Option<String>)>,
}

impl Package {
    /// The package's directory.
    pub fn dir(&self) -> &Path {
        self.manifest.parent().unwrap_or(Path::new("."))
    }
}

/// The packages of a Cargo workspace, by name, and its root manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Workspace {
    /// The workspace root directory.
    pub root: PathBuf,
    /// The packages by name.
    pub packages: BTreeMap<String, Package>,
}

/// Returned by the functions of [`workspace`](self): a file or a command at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceError {
    /// A command could not be started.
    #[error("cannot run `{command}`")]
    Spawn {
        /// The command line.
        command: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A command failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// `cargo metadata` printed something that is not its JSON.
    #[error("cannot read the output of `cargo metadata`: {reason}")]
    Metadata {
        /// What was wrong.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A manifest is not valid TOML.
    #[error("{} is not valid TOML: {reason}", path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// A changelog cannot take the release section.
    #[error("cannot add the release section to {}", path.display())]
    Changelog {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: InsertReleaseError,
    },
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteFileError),
}

/// The last `max` characters of `text`, trimmed.
pub(crate) fn tail(text: &str, max: usize) -> String {
    let text = text.trim();
    let start = text
        .char_indices()
        .rev()
        .nth(max.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    text[start..].to_owned()
}

/// Environment variables set on every command a release runs (git, cargo, the publish
/// command), on top of the inherited environment: e.g. `CARGO_HOME` or a registry token.
pub type CommandEnv = [(String, String)];

/// Runs `program args` in `dir` with `env` added; returns its standard output.
pub(crate) fn run(
    dir: &Path,
    env: &CommandEnv,
    program: &str,
    args: &[&str],
) -> Result<String, WorkspaceError> {
    let command = std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .map_err(|source| WorkspaceError::Spawn {
            command: command.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(WorkspaceError::Command {
            command,
            status: out.status.to_string(),
            stderr: tail(&String::from_utf8_lossy(&out.stderr), 2000),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Workspace {
    /// Reads the workspace at `root` with `cargo metadata --no-deps --offline` (run with `env`).
    ///
    /// # Errors
    ///
    /// [`WorkspaceError`] when cargo cannot run or fails, or its output is not understood.
    pub fn load(root: &Path, env: &CommandEnv) -> Result<Self, WorkspaceError> {
        let text = run(
            root,
            env,
            "cargo",
            &[
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ],
        )?;
        let bad = |reason: &str| WorkspaceError::Metadata {
            reason: reason.to_owned(),
        };
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
        let root = json
            .get("workspace_root")
            .and_then(|r| r.as_str())
            .map(PathBuf::from)
            .ok_or_else(|| bad("no workspace_root"))?;
        let list = json
            .get("packages")
            .and_then(|p| p.as_array())
            .ok_or_else(|| bad("no packages"))?;
        let names: BTreeSet<&str> = list
            .iter()
            .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
            .collect();
        let mut packages = BTreeMap::new();
        for p in list {
            let field = |key: &str| {
                p.get(key)
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| bad(&format!("a package without {key}")))
            };
            let name = field("name")?.to_owned();
            let version: Version = field("version")?
                .parse()
                .map_err(|e: semver::Error| bad(&e.to_string()))?;
            let manifest = PathBuf::from(field("manifest_path")?);
            let publish =
                !matches!(p.get("publish").and_then(|v| v.as_array()), Some(a) if a.is_empty());
            let mut local_dependencies = Vec::new();
            for d in p
                .get("dependencies")
                .and_then(|d| d.as_array())
                .into_iter()
                .flatten()
            {
                let dep = d.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                if d.get("path").is_none() || !names.contains(dep) {
                    continue;
                }
                let kind = match d.get("kind").and_then(|k| k.as_str()) {
                    Some("dev") => DependencyKind::Dev,
                    Some("build") => DependencyKind::Build,
                    _ => DependencyKind::Normal,
                };
                let req = d
                    .get("req")
                    .and_then(|r| r.as_str())
                    .filter(|r| *r != "*")
                    .map(str::to_owned);
                local_dependencies.push((dep.to_owned(), kind, req));
            }
            packages.insert(
                name.clone(),
                Package {
                    name,
                    version,
                    manifest,
                    publish,
                    local_dependencies,
                },
            );
        }
        Ok(Self { root, packages })
    }

    /// The packages as relman-model components (for relman-graph's publish plan).
    pub fn components(&self) -> Vec<Component> {
        self.packages
            .values()
            .filter_map(|p| {
                let id: ComponentId = p.name.parse().ok()?;
                let mut c = Component::new(id, p.version.clone());
                if !p.publish {
                    c = c.with_publish(Publish::No);
                }
                for (dep, kind, req) in &p.local_dependencies {
                    let Ok(dep_id) = dep.parse() else { continue };
                    let req = req.as_deref().and_then(|r| r.parse().ok());
                    c = c.with_dependency(Dependency::new(dep_id, *kind, req));
                }
                Some(c)
            })
            .collect()
    }

    /// Every manifest of the workspace: the root's first, then the members' by package name.
    pub fn manifests(&self) -> Vec<PathBuf> {
        let root = self.root.join("Cargo.toml");
        let mut out = vec![root.clone()];
        for p in self.packages.values() {
            if p.manifest != root {
                out.push(p.manifest.clone());
            }
        }
        out
    }

    /// Sets the version of each package of `versions` in its manifest and the version
    /// requirement of every local dependency on it in every manifest (`[dependencies]`,
    /// `[dev-dependencies]`, `[build-dependencies]`, their `[target.*]` forms and
    /// `[workspace.dependencies]` entries with a `path`). A package that inherits its version
    /// (`version.workspace = true`) gets it through `[workspace.package]`. Requirements keep
    /// their operator (`=`, `^`, `~`, `>=`). Returns the files changed; each is written
    /// atomically, and a file already up to date is not written.
    ///
    /// # Errors
    ///
    /// [`WorkspaceError`] when a manifest cannot be read, parsed or written.
    pub fn set_versions(
        &self,
        versions: &BTreeMap<String, Version>,
    ) -> Result<Vec<PathBuf>, WorkspaceError> {
        let mut changed = Vec::new();
        let root_manifest = self.root.join("Cargo.toml");
        // Packages whose version is inherited from `[workspace.package]`.
        let mut inherited = None;
        for path in self.manifests() {
            let text = std::fs::read_to_string(&path).map_err(|source| WorkspaceError::Read {
                path: path.clone(),
                source,
            })?;
            let mut doc: DocumentMut =
                text.parse()
                    .map_err(|e: toml_edit::TomlError| WorkspaceError::Manifest {
                        path: path.clone(),
                        reason: e.message().to_owned(),
                    })?;
            let name = doc
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            if let Some(version) = name.as_ref().and_then(|n| versions.get(n))
                && let Some(package) = doc.get_mut("package").and_then(Item::as_table_like_mut)
            {
                match package.get_mut("version") {
                    Some(Item::Value(v)) if v.as_str().is_some() => {
                        set_value(v, &version.to_string());
                    }
                    Some(_) => inherited = Some(version.clone()),
                    None => {
                        package.insert("version", toml_edit::value(version.to_string()));
                    }
                }
            }
            for_each_dependency_table(&mut doc, &mut |key, entry| {
                let Some(entry) = entry.as_table_like_mut() else {
                    return;
                };
                if !entry.contains_key("path") {
                    return;
                }
                let package = entry
                    .get("package")
                    .and_then(|p| p.as_str())
                    .unwrap_or(key)
                    .to_owned();
                let Some(version) = versions.get(&package) else {
                    return;
                };
                if let Some(Item::Value(v)) = entry.get_mut("version")
                    && let Some(old) = v.as_str()
                {
                    let new = requirement(old, version);
                    set_value(v, &new);
                }
            });
            let new = doc.to_string();
            if new != text {
                write_atomic(&path, &new)?;
                changed.push(path);
            }
        }
        if let Some(version) = inherited {
            let text =
                std::fs::read_to_string(&root_manifest).map_err(|source| WorkspaceError::Read {
                    path: root_manifest.clone(),
                    source,
                })?;
            let mut doc: DocumentMut =
                text.parse()
                    .map_err(|e: toml_edit::TomlError| WorkspaceError::Manifest {
                        path: root_manifest.clone(),
                        reason: e.message().to_owned(),
                    })?;
            if let Some(Item::Value(v)) = doc
                .get_mut("workspace")
                .and_then(|w| w.get_mut("package"))
                .and_then(|p| p.get_mut("version"))
            {
                set_value(v, &version.to_string());
            }
            let new = doc.to_string();
            if new != text {
                write_atomic(&root_manifest, &new)?;
                if !changed.contains(&root_manifest) {
                    changed.push(root_manifest);
                }
            }
        }
        Ok(changed)
    }

    /// Refreshes `Cargo.lock` after the version edits: `cargo update --workspace --offline`
    /// (only the workspace's own entries change; run with `env`). Returns the lock file.
    ///
    /// # Errors
    ///
    /// [`WorkspaceError`] when cargo cannot run or fails.
    pub fn refresh_lock(&self, env: &CommandEnv) -> Result<PathBuf, WorkspaceError> {
        run(
            &self.root,
            env,
            "cargo",
            &["update", "--workspace", "--offline"],
        )?;
        Ok(self.root.join("Cargo.lock"))
    }
}

/// Replaces a string value, keeping its surrounding whitespace and comments.
fn set_value(v: &mut Value, text: &str) {
    let decor = v.decor().clone();
    *v = Value::from(text);
    *v.decor_mut() = decor;
}

/// The requirement `old` rewritten for `version`, keeping a single operator (`=1.2.0`,
/// `^1.2`, `~1.2`, `>=1.2`); a compound or wildcard requirement becomes the bare version.
pub fn requirement(old: &str, version: &Version) -> String {
    let old = old.trim();
    if old.contains(',') || old.contains('*') {
        return version.to_string();
    }
    let op: String = old
        .chars()
        .take_while(|c| matches!(c, '=' | '^' | '~' | '>' | '<'))
        .collect();
    format!("{op}{version}")
}

/// Calls `f(key, entry)` for every entry of every dependency table of a manifest.
fn for_each_dependency_table(doc: &mut DocumentMut, f: &mut dyn FnMut(&str, &mut Item)) {
    const TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    fn visit(table: &mut dyn toml_edit::TableLike, f: &mut dyn FnMut(&str, &mut Item)) {
        for (key, item) in table.iter_mut() {
            let key = key.get().to_owned();
            f(&key, item);
        }
    }
    let root = doc.as_table_mut();
    for name in TABLES {
        if let Some(t) = root.get_mut(name).and_then(Item::as_table_like_mut) {
            visit(t, f);
        }
    }
    if let Some(targets) = root.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, target) in targets.iter_mut() {
            for name in TABLES {
                if let Some(t) = target.get_mut(name).and_then(Item::as_table_like_mut) {
                    visit(t, f);
                }
            }
        }
    }
    if let Some(t) = root
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_like_mut)
    {
        visit(t, f);
    }
}

/// Inserts the release section `section` (Markdown starting with `## `) for `version` into the
/// changelog at `path` (created with a `# Changelog` heading when missing), atomically. A
/// changelog that already has the version is left as it is (a rerun after a kill); returns
/// whether the file was written.
///
/// # Errors
///
/// [`WorkspaceError`] when the file cannot be read or written, or cannot take the section.
pub fn insert_changelog(
    path: &Path,
    version: &Version,
    section: &str,
) -> Result<bool, WorkspaceError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Changelog\n\n".to_owned(),
        Err(source) => {
            return Err(WorkspaceError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let section = if section.ends_with('\n') {
        section.to_owned()
    } else {
        format!("{section}\n")
    };
    let release = NewRelease::new(SectionLabel::version(version.to_string()), &section);
    match insert_release(&text, &release) {
        Ok(done) => {
            write_atomic(path, &done.text)?;
            Ok(true)
        }
        Err(InsertReleaseError::AlreadyPresent { .. }) => Ok(false),
        Err(source) => Err(WorkspaceError::Changelog {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_keep_their_operator() {
        let v = Version::new(1, 3, 0);
        assert_eq!(requirement("0.1.0", &v), "1.3.0");
        assert_eq!(requirement("=0.1.0", &v), "=1.3.0");
        assert_eq!(requirement("^0.1", &v), "^1.3.0");
        assert_eq!(requirement(">=0.1, <0.3", &v), "1.3.0");
    }
}
