//! The relman configuration file: `relman.toml`, or `[workspace.metadata.relman]` (or
//! `[package.metadata.relman]`) in `Cargo.toml`.
//!
//! Every key is documented in `docs/configuration.md`. Unknown keys are errors; every error
//! names the file, the line and column, the key and why.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use relman_changelog::ChangelogConfig;
use relman_changelog::remote::Forge;
use relman_model::version::{Bump, BumpPolicy, ZeroBreaking, ZeroFeatures};
use serde::Deserialize;

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The repository's web or git URL, for commit, compare and issue links.
    pub remote: Option<String>,
    /// The forge of `remote` when its host name does not say it.
    pub forge: Option<Forge>,
    /// Release tags.
    pub tags: TagsConfig,
    /// Components of a monorepo, by name.
    pub components: BTreeMap<String, ComponentConfig>,
    /// How changes decide the next version.
    pub bump: BumpConfig,
    /// Changelog sections, skip rules, links and contributors.
    pub changelog: ChangelogConfig,
}

/// `[tags]`: how release tags are named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TagsConfig {
    /// Tag patterns such as `v{version}` or `{component}-v{version}`, tried in order; empty
    /// means the history source's defaults.
    pub patterns: Vec<String>,
}

/// `[components.NAME]`: one component of a monorepo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentConfig {
    /// Paths (relative to the repository root) whose changes belong to the component.
    pub paths: Vec<String>,
    /// The component's tag pattern, e.g. `api-v{version}`.
    pub tag: Option<String>,
}

/// `[bump]`: the version policy; missing keys keep relman's defaults (Cargo's rules).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BumpConfig {
    /// Bump per commit type, merged over the defaults (`feat = "minor"`, ...).
    pub types: BTreeMap<String, Bump>,
    /// Bump of a conventional commit whose type is not listed.
    pub other_types: Option<Bump>,
    /// Bump of a message that is not a Conventional Commit.
    pub non_conventional: Option<Bump>,
    /// What a breaking change does in `0.y.z`: `bump_minor` or `bump_major`.
    pub zero_breaking: Option<ZeroBreaking>,
    /// What a feature does in `0.y.z`: `bump_patch` or `bump_minor`.
    pub zero_features: Option<ZeroFeatures>,
}

impl BumpConfig {
    /// The policy: relman's defaults with these settings applied.
    pub fn to_policy(&self) -> BumpPolicy {
        let mut policy = BumpPolicy::default();
        for (kind, bump) in &self.types {
            policy.types.insert(kind.to_lowercase(), *bump);
        }
        if let Some(b) = self.other_types {
            policy.other_types = b;
        }
        if let Some(b) = self.non_conventional {
            policy.non_conventional = b;
        }
        if let Some(z) = self.zero_breaking {
            policy.zero_breaking = z;
        }
        if let Some(z) = self.zero_features {
            policy.zero_features = z;
        }
        policy
    }
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A `relman.toml` (found or given).
    File(PathBuf),
    /// The `relman` metadata table of a `Cargo.toml`.
    CargoMetadata(PathBuf),
    /// No file: the defaults.
    Defaults,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::CargoMetadata(p) => write!(f, "{} [workspace.metadata.relman]", p.display()),
            Self::Defaults => f.write_str("defaults"),
        }
    }
}

/// Returned by [`load`] and [`parse`].
#[derive(Debug, thiserror::Error)]
pub enum LoadConfigError {
    /// The file cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or a key is unknown or has a bad value.
    #[error("{}:{line}:{column}: {}{message}", path.display(), key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The full key at fault (e.g. `changelog.skip.types`), when it can be told.
        key: Option<String>,
        /// What the TOML reader said.
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
struct CargoManifest {
    #[serde(default)]
    workspace: Option<MetadataHolder>,
    #[serde(default)]
    package: Option<MetadataHolder>,
}

#[derive(Debug, Default, Deserialize)]
struct MetadataHolder {
    #[serde(default)]
    metadata: Option<RelmanHolder>,
}

#[derive(Debug, Default, Deserialize)]
struct RelmanHolder {
    #[serde(default)]
    relman: Option<Config>,
}

impl Config {
    /// Takes `url` (the repository's `origin` remote) for links when no `remote` is configured
    /// and the URL names a forge relman knows; anything else is left alone.
    pub fn default_remote(&mut self, url: Option<String>) {
        use relman_changelog::remote::Remote;
        if self.remote.is_some() {
            return;
        }
        if let Some(url) = url {
            let known = match self.forge {
                Some(forge) => Remote::with_forge(&url, forge).is_ok(),
                None => Remote::parse(&url).is_ok(),
            };
            if known {
                self.remote = Some(url);
            }
        }
    }

    /// The changelog engine these settings describe: sections, skip rules and links from
    /// `remote` (with `forge` when the host is not recognised). `source` names where the
    /// settings came from, for error messages.
    pub fn changelog_engine(
        &self,
        source: &impl fmt::Display,
    ) -> anyhow::Result<relman_changelog::Changelog> {
        use anyhow::Context as _;
        let remote = match &self.remote {
            Some(url) => Some(
                match self.forge {
                    Some(forge) => relman_changelog::remote::Remote::with_forge(url, forge),
                    None => relman_changelog::remote::Remote::parse(url),
                }
                .with_context(|| format!("`remote` in {source}"))?,
            ),
            None => None,
        };
        relman_changelog::Changelog::new(self.changelog.clone(), remote)
            .with_context(|| format!("invalid changelog settings in {source}"))
    }
}

/// Loads the configuration: `explicit` if given, else `relman.toml` in `repo`, else the
/// `relman` metadata of `repo/Cargo.toml`, else the defaults.
///
/// # Errors
///
/// [`LoadConfigError`] when a file cannot be read or is invalid.
pub fn load(
    repo: &Path,
    explicit: Option<&Path>,
) -> Result<(Config, ConfigSource), LoadConfigError> {
    if let Some(path) = explicit {
        let text = read(path)?;
        return Ok((parse(path, &text)?, ConfigSource::File(path.to_owned())));
    }
    let file = repo.join("relman.toml");
    if file.is_file() {
        let text = read(&file)?;
        return Ok((parse(&file, &text)?, ConfigSource::File(file)));
    }
    let manifest = repo.join("Cargo.toml");
    if manifest.is_file() {
        let text = read(&manifest)?;
        let parsed: CargoManifest =
            toml::from_str(&text).map_err(|e| invalid(&manifest, &text, &e))?;
        let found = parsed
            .workspace
            .and_then(|w| w.metadata)
            .and_then(|m| m.relman)
            .or_else(|| {
                parsed
                    .package
                    .and_then(|p| p.metadata)
                    .and_then(|m| m.relman)
            });
        if let Some(config) = found {
            return Ok((config, ConfigSource::CargoMetadata(manifest)));
        }
    }
    Ok((Config::default(), ConfigSource::Defaults))
}

fn read(path: &Path) -> Result<String, LoadConfigError> {
    std::fs::read_to_string(path).map_err(|source| LoadConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parses the text of a `relman.toml`.
///
/// # Errors
///
/// [`LoadConfigError::Invalid`] naming the line, column and key.
pub fn parse(path: &Path, text: &str) -> Result<Config, LoadConfigError> {
    toml::from_str(text).map_err(|e| invalid(path, text, &e))
}

fn invalid(path: &Path, text: &str, err: &toml::de::Error) -> LoadConfigError {
    let offset = err.span().map_or(0, |s| s.start).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    LoadConfigError::Invalid {
        path: path.to_owned(),
        line,
        column,
        key: key_at(text, offset),
        message: err.message().trim_end().to_owned(),
    }
}

/// The dotted key of the `key = value` line at `offset`, prefixed by its `[table]` header.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned(),
        );
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use relman_changelog::config::Placement;

    fn parse_str(text: &str) -> Result<Config, LoadConfigError> {
        parse(Path::new("relman.toml"), text)
    }

    #[test]
    fn full_file_parses() {
        let config = parse_str(
            r#"
remote = "git@github.com:acme/widget.git"
forge = "github"

[tags]
patterns = ["v{version}", "{component}-v{version}"]

[components.api]
paths = ["crates/api"]
tag = "api-v{version}"

[bump]
types = { docs = "patch" }
zero_breaking = "bump_major"

[changelog]
non_conventional = "other"

[[changelog.sections]]
title = "Features"
types = ["feat"]

[changelog.skip]
scopes = ["release"]
messages = ["^Merge "]

[[changelog.issues]]
pattern = '\b([A-Z]+-\d+)\b'
url = "https://jira.example.org/browse/{1}"
"#,
        )
        .expect("valid");
        assert_eq!(config.forge, Some(Forge::GitHub));
        assert_eq!(config.tags.patterns.len(), 2);
        assert_eq!(config.components["api"].paths, ["crates/api"]);
        let policy = config.bump.to_policy();
        assert_eq!(policy.types["docs"], Bump::Patch);
        assert_eq!(policy.types["feat"], Bump::Minor);
        assert_eq!(policy.zero_breaking, ZeroBreaking::BumpMajor);
        assert_eq!(config.changelog.non_conventional, Placement::Other);
        assert_eq!(config.changelog.sections.len(), 1);
        assert_eq!(
            config.changelog.skip.types,
            ["chore", "ci", "style", "test"]
        );
        assert_eq!(config.changelog.issues.len(), 1);
    }

    #[test]
    fn errors_name_the_key_line_and_reason() {
        let err = parse_str("[changelog.skip]\ntypes = [\"chore\"]\nscope = [\"x\"]\n")
            .expect_err("unknown key");
        let text = err.to_string();
        assert!(
            text.starts_with("relman.toml:3:1: key `changelog.skip.scope`: unknown field `scope`"),
            "{text}"
        );

        let err = parse_str("[bump]\nother_types = \"huge\"\n").expect_err("bad value");
        let text = err.to_string();
        assert!(
            text.starts_with("relman.toml:2:15: key `bump.other_types`: unknown variant `huge`"),
            "{text}"
        );

        let err = parse_str("[changelog]\ncommit_links = \"yes\"\n").expect_err("bad type");
        assert!(
            err.to_string().contains("key `changelog.commit_links`"),
            "{err}"
        );

        let err = parse_str("remote = \n").expect_err("bad toml");
        assert!(
            matches!(err, LoadConfigError::Invalid { line: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn loads_relman_toml_then_cargo_metadata_then_defaults() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (config, source) = load(dir.path(), None).expect("defaults");
        assert_eq!(source, ConfigSource::Defaults);
        assert_eq!(config, Config::default());

        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = []\n[workspace.metadata.relman]\nremote = \"https://gitlab.com/g/p\"\n[workspace.metadata.relman.changelog.skip]\nbogus = 1\n",
        )
        .expect("write");
        let err = load(dir.path(), None).expect_err("unknown key in metadata");
        assert!(
            err.to_string()
                .contains(":6:1: key `workspace.metadata.relman.changelog.skip.bogus`"),
            "{err}"
        );
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = []\n[workspace.metadata.relman]\nremote = \"https://gitlab.com/g/p\"\n",
        )
        .expect("write");
        let (config, source) = load(dir.path(), None).expect("metadata");
        assert!(matches!(source, ConfigSource::CargoMetadata(_)));
        assert_eq!(config.remote.as_deref(), Some("https://gitlab.com/g/p"));

        std::fs::write(
            dir.path().join("relman.toml"),
            "remote = \"https://github.com/o/r\"\n",
        )
        .expect("write");
        let (config, source) = load(dir.path(), None).expect("file");
        assert!(matches!(source, ConfigSource::File(_)));
        assert_eq!(config.remote.as_deref(), Some("https://github.com/o/r"));

        let missing = dir.path().join("nope.toml");
        let err = load(dir.path(), Some(&missing)).expect_err("missing file");
        assert!(matches!(err, LoadConfigError::Read { .. }));
    }
}
