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
use relman_deploy::config::EnvironmentConfig;
use relman_model::ApprovalPolicy;
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
    /// The release task pipeline of `relman plan`.
    pub pipeline: PipelineConfig,
    /// The fewest approvals a release's change request needs at each risk level; never
    /// below relman's [`ApprovalPolicy::default`] (see [`Config::approval_policy`]).
    pub approvals: ApprovalPolicy,
    /// `[environments.NAME]`: how `relman deploy` deploys to each environment and checks its
    /// health (see [`relman_deploy::config`]).
    pub environments: BTreeMap<relman_model::EnvironmentId, EnvironmentConfig>,
    /// How `relman release` carries out an approved plan.
    pub release: ReleaseConfig,
}

/// `[release]`: how `relman release` carries out an approved plan (push, publish, waits).
/// Every key is optional; see [`ReleaseConfig::default`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReleaseConfig {
    /// The git remote the release commit and tags are pushed to (`origin`).
    pub remote: String,
    /// The Cargo registry to publish to (`cargo publish --registry NAME`); `None` for
    /// crates.io.
    pub registry: Option<String>,
    /// The registry's index as a sparse-index URL (`https://index.crates.io` for crates.io,
    /// the default when `registry` is not set), read to skip versions the registry already
    /// has and to wait until a published version shows before publishing its dependents.
    pub index: Option<String>,
    /// The publish command as separate arguments (no shell): `{name}`, `{version}` and
    /// `{registry}` are replaced in each argument. Default: `cargo publish -p {name}`, with
    /// `--registry {registry}` when `registry` is set.
    pub publish: Option<Vec<String>>,
    /// Publish commands of components that are not Cargo packages, by component name (same
    /// placeholders as `publish`).
    pub publish_commands: BTreeMap<String, Vec<String>>,
    /// How long to wait for the index to show a published version, in seconds (300).
    pub index_timeout_secs: u64,
    /// How many times a publish is tried when it fails for a transient reason (5).
    pub publish_attempts: u32,
}

impl Default for ReleaseConfig {
    fn default() -> Self {
        Self {
            remote: "origin".to_owned(),
            registry: None,
            index: None,
            publish: None,
            publish_commands: BTreeMap::new(),
            index_timeout_secs: 300,
            publish_attempts: 5,
        }
    }
}

/// `[pipeline]`: the release task pipeline of `relman plan` (build, test, approve, then one deploy
/// per environment). Without `stages` the pipeline is relman's default (see [`PipelineConfig::stages_or_default`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Shared resources by name with their capacity (tasks holding one at the same time);
    /// `None` means the default, `production = 1`.
    pub resources: Option<BTreeMap<String, u32>>,
    /// The stages; empty means the default pipeline.
    pub stages: Vec<StageConfig>,
    /// Schedule at any hour of any day instead of in working hours.
    pub around_the_clock: bool,
    /// The working hours stage durations count and tasks run in (UTC); `None` means
    /// [`WorkingHoursConfig::default`], Monday to Friday, 09:00 to 17:00.
    pub working_hours: Option<WorkingHoursConfig>,
}

/// `[pipeline.working_hours]`: when the release pipeline's tasks run, so that nothing is
/// scheduled at night or at the weekend unless asked (`around_the_clock = true`). Times are UTC.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkingHoursConfig {
    /// The working days (`"Mon"`, `"Tuesday"`, …).
    pub days: Vec<chrono::Weekday>,
    /// The start of a working day, `HH:MM` (UTC).
    #[serde(deserialize_with = "clock_time")]
    pub from: chrono::NaiveTime,
    /// The end of a working day, `HH:MM` (UTC).
    #[serde(deserialize_with = "clock_time")]
    pub to: chrono::NaiveTime,
}

impl Default for WorkingHoursConfig {
    fn default() -> Self {
        use chrono::Weekday::{Fri, Mon, Thu, Tue, Wed};
        let hour = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
        Self {
            days: vec![Mon, Tue, Wed, Thu, Fri],
            from: hour(9),
            to: hour(17),
        }
    }
}

/// A time of day, `HH:MM` or `HH:MM:SS`.
fn clock_time<'de, D>(deserializer: D) -> Result<chrono::NaiveTime, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    chrono::NaiveTime::parse_from_str(&text, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(&text, "%H:%M:%S"))
        .map_err(|_| D::Error::custom(format!("{text:?} is not a time of day (HH:MM)")))
}

/// `[[pipeline.stages]]`: one stage, run once per released component (`approve`: once per
/// release).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// What the stage does.
    pub stage: StageKind,
    /// The environment of a `deploy` stage (e.g. `production`); deploys run in the listed order.
    pub environment: Option<String>,
    /// Hours per component (0 to 10000).
    pub duration: i64,
    /// Names of `[pipeline.resources]` the stage holds (one unit each) while it runs.
    #[serde(default)]
    pub resources: Vec<String>,
    /// When the stage may run.
    pub window: Option<WindowConfig>,
}

/// The kind of a pipeline stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Build a component.
    Build,
    /// Test a component.
    Test,
    /// Approve the release (one task for the whole release).
    Approve,
    /// Deploy a component to an environment.
    Deploy,
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Build => "build",
            Self::Test => "test",
            Self::Approve => "approve",
            Self::Deploy => "deploy",
        })
    }
}

/// `window`: the stage starts no earlier than `not_before` and finishes no later than
/// `not_after` (RFC 3339 with an offset, quoted `"2026-12-02T08:00:00Z"` or a bare TOML
/// date-time `2026-12-02T08:00:00Z`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowConfig {
    /// Earliest start.
    #[serde(deserialize_with = "instant")]
    pub not_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Latest finish.
    #[serde(deserialize_with = "instant")]
    pub not_after: Option<chrono::DateTime<chrono::Utc>>,
}

/// A point in time from a TOML date-time or an RFC 3339 string; it needs a UTC offset.
fn instant<'de, D>(deserializer: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error as _;
    let text = match toml::Value::deserialize(deserializer)? {
        toml::Value::String(s) => s,
        toml::Value::Datetime(d) => d.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "expected an RFC 3339 date and time with an offset, found a {}",
                other.type_str()
            )));
        }
    };
    chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .map_err(|e| {
            D::Error::custom(format!(
                "`{text}` is not an RFC 3339 date and time with an offset ({e})"
            ))
        })
}

/// The largest stage duration, in hours.
pub const MAX_STAGE_HOURS: i64 = 10_000;

/// A semantic error in `[pipeline]`: the key at fault (e.g. `pipeline.stages[2].duration`) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct PipelineProblem {
    /// The full key, relative to the relman table.
    pub key: String,
    /// Why it is rejected.
    pub reason: String,
}

impl PipelineConfig {
    /// The stages: the configured ones, or the default pipeline (build 1 h, test 2 h, approve
    /// 4 h, deploy to dev 1 h, staging 2 h and production 1 h holding `production`).
    pub fn stages_or_default(&self) -> Vec<StageConfig> {
        if !self.stages.is_empty() {
            return self.stages.clone();
        }
        let stage = |stage, environment: Option<&str>, duration, resources: &[&str]| StageConfig {
            stage,
            environment: environment.map(str::to_owned),
            duration,
            resources: resources.iter().map(|r| (*r).to_owned()).collect(),
            window: None,
        };
        vec![
            stage(StageKind::Build, None, 1, &[]),
            stage(StageKind::Test, None, 2, &[]),
            stage(StageKind::Approve, None, 4, &[]),
            stage(StageKind::Deploy, Some("dev"), 1, &[]),
            stage(StageKind::Deploy, Some("staging"), 2, &[]),
            stage(StageKind::Deploy, Some("production"), 1, &["production"]),
        ]
    }

    /// The working-time calendar of the pipeline: `None` with `around_the_clock`, else the
    /// configured or default working hours.
    ///
    /// # Errors
    ///
    /// A [`PipelineProblem`] for both `around_the_clock` and `working_hours`, no working day,
    /// or a working day that ends before it starts.
    pub fn calendar(&self) -> Result<Option<relman_graph::Calendar>, PipelineProblem> {
        let key = "pipeline.working_hours".to_owned();
        if self.around_the_clock {
            if self.working_hours.is_some() {
                return Err(PipelineProblem {
                    key,
                    reason: "set either around_the_clock or working_hours, not both".into(),
                });
            }
            return Ok(None);
        }
        let hours = self.working_hours.clone().unwrap_or_default();
        relman_graph::Calendar::new(hours.days, hours.from, hours.to, Vec::new())
            .map(Some)
            .map_err(|e| PipelineProblem {
                key,
                reason: e.to_string(),
            })
    }

    /// The resources with their capacity: the configured ones or `production = 1`.
    pub fn resources_or_default(&self) -> BTreeMap<String, u32> {
        self.resources
            .clone()
            .unwrap_or_else(|| BTreeMap::from([("production".to_owned(), 1)]))
    }

    /// Checks what the TOML types cannot: durations in range, one build, test and approve
    /// stage, an environment on (and only on) each deploy stage, distinct environments, known
    /// resources and windows that do not end before they start.
    ///
    /// # Errors
    ///
    /// The first [`PipelineProblem`], naming its key.
    pub fn validate(&self) -> Result<(), PipelineProblem> {
        let problem = |key: String, reason: String| Err(PipelineProblem { key, reason });
        self.calendar()?;
        let resources = self.resources_or_default();
        for (name, capacity) in &resources {
            if name.parse::<relman_graph::ResourceId>().is_err() {
                return problem(
                    format!("pipeline.resources.{name}"),
                    "not a valid resource name (letters, digits, `-`, `_`, `.`)".into(),
                );
            }
            if *capacity == 0 {
                return problem(
                    format!("pipeline.resources.{name}"),
                    "capacity must be at least 1".into(),
                );
            }
        }
        let mut seen_kinds = std::collections::BTreeSet::new();
        let mut seen_envs = std::collections::BTreeSet::new();
        for (i, s) in self.stages.iter().enumerate() {
            let key = |field: &str| format!("pipeline.stages[{i}].{field}");
            if !(0..=MAX_STAGE_HOURS).contains(&s.duration) {
                return problem(
                    key("duration"),
                    format!("expected 0 to {MAX_STAGE_HOURS} hours, got {}", s.duration),
                );
            }
            match (s.stage, &s.environment) {
                (StageKind::Deploy, None) => {
                    return problem(
                        key("environment"),
                        "a deploy stage needs an environment".into(),
                    );
                }
                (StageKind::Deploy, Some(env)) => {
                    if format!("deploy-{env}-x")
                        .parse::<relman_graph::TaskId>()
                        .is_err()
                        || env.is_empty()
                    {
                        return problem(
                            key("environment"),
                            format!(
                                "`{env}` is not a valid environment name (letters, digits, `-`, `_`, `.`)"
                            ),
                        );
                    }
                    if !seen_envs.insert(env.clone()) {
                        return problem(
                            key("environment"),
                            format!("a second deploy stage for `{env}`"),
                        );
                    }
                }
                (kind, Some(_)) => {
                    return problem(
                        key("environment"),
                        format!("only deploy stages have an environment, not {kind}"),
                    );
                }
                (kind, None) => {
                    if !seen_kinds.insert(kind) {
                        return problem(key("stage"), format!("a second {kind} stage"));
                    }
                }
            }
            for (j, r) in s.resources.iter().enumerate() {
                if !resources.contains_key(r) {
                    return problem(
                        format!("pipeline.stages[{i}].resources[{j}]"),
                        format!("unknown resource `{r}` (declare it under [pipeline.resources])"),
                    );
                }
            }
            if let Some(WindowConfig {
                not_before: Some(from),
                not_after: Some(to),
            }) = &s.window
                && to <= from
            {
                return problem(
                    key("window"),
                    format!("not_after {to} is not after not_before {from}"),
                );
            }
        }
        if !self.stages.is_empty() {
            for kind in [StageKind::Build, StageKind::Test, StageKind::Approve] {
                if !seen_kinds.contains(&kind) {
                    return problem("pipeline.stages".into(), format!("no {kind} stage"));
                }
            }
        } else {
            for r in ["production"] {
                if !resources.contains_key(r) {
                    return problem(
                        "pipeline.resources".into(),
                        format!(
                            "the default pipeline needs the resource `{r}`; declare it or list the stages"
                        ),
                    );
                }
            }
        }
        Ok(())
    }
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
    /// What a component with changes but no bump-worthy commit gets (default `patch`).
    pub other_changes: Option<OtherChanges>,
    /// Whether the `0.y.z` rules and the rule for other changes are learned from the
    /// repository's own past releases (`learned`, the default) or taken as configured
    /// (`configured`).
    pub policy: Option<PolicySource>,
    /// How a release travels to the components that depend on it (default `always_patch`).
    pub propagation: Option<PropagationSetting>,
    /// What a manifest version ahead of the last release means (default `follow`).
    pub manifest: Option<ManifestVersion>,
}

/// `[bump] manifest`: a unit whose manifest already declares a version above its last
/// release, or whose `CHANGELOG.md` already has a section for one (the maintainers bumped it
/// by hand, or a release commit is checked out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ManifestVersion {
    /// Release the manifest's version (else the changelog's), as release-plz and
    /// cargo-release do with the manifest: the commits are still the evidence, and the version
    /// they alone give is named (the default).
    #[default]
    Follow,
    /// Decide from the commits alone.
    Ignore,
}

/// `[bump] other_changes`: the release of a component whose changes ask for no bump
/// (`chore`, `docs`, `refactor`, dependency updates...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherChanges {
    /// A patch release, as git-cliff and release-plz do (the default).
    #[default]
    Patch,
    /// No release.
    None,
}

/// `[bump] policy`: where the `0.y.z` rules and the rule for other changes come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySource {
    /// From what the maintainers did in past releases, where the history has enough of them
    /// to decide; otherwise as configured (the default).
    #[default]
    Learned,
    /// As configured (or relman's defaults), whatever the history says.
    Configured,
}

/// `[bump] propagation`: how a release travels to its dependents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropagationSetting {
    /// Never: dependents are released only for their own changes.
    Never,
    /// A dependent gets a patch release when its version requirement no longer matches.
    WhenRequirementBreaks,
    /// A dependent gets a patch release whenever a dependency is released (release-plz's
    /// behaviour; the default).
    #[default]
    AlwaysPatch,
}

impl PropagationSetting {
    /// The graph engine's propagation mode.
    pub fn mode(self) -> relman_graph::Propagation {
        match self {
            Self::Never => relman_graph::Propagation::Never,
            Self::WhenRequirementBreaks => relman_graph::Propagation::WhenRequirementBreaks,
            Self::AlwaysPatch => relman_graph::Propagation::AlwaysPatch,
        }
    }

    /// The setting as written in the configuration (`always_patch`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::WhenRequirementBreaks => "when_requirement_breaks",
            Self::AlwaysPatch => "always_patch",
        }
    }
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
    /// A value is well-typed but not acceptable (e.g. a pipeline stage of 20000 hours).
    #[error("{source_name}: key `{key}`: {reason}")]
    Rejected {
        /// Where the configuration came from (a file, or a Cargo.toml metadata table).
        source_name: String,
        /// The full key at fault, relative to the relman table (e.g. `pipeline.stages[2].duration`).
        key: String,
        /// Why.
        reason: String,
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
    /// The approval policy: `[approvals]`, raised to the default where it asks for fewer.
    pub fn approval_policy(&self) -> ApprovalPolicy {
        self.approvals.at_least_default()
    }

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
    ///
    /// # Errors
    ///
    /// [`ChangelogSettingsError`] naming `source` when `remote` is not a URL relman can link
    /// to or the changelog settings are invalid.
    pub fn changelog_engine(
        &self,
        source: &impl fmt::Display,
    ) -> Result<relman_changelog::Changelog, ChangelogSettingsError> {
        use relman_changelog::remote::Remote;
        let remote = match &self.remote {
            Some(url) => Some(
                match self.forge {
                    Some(forge) => Remote::with_forge(url, forge),
                    None => Remote::parse(url),
                }
                .map_err(|e| ChangelogSettingsError::Remote {
                    config: source.to_string(),
                    source: e,
                })?,
            ),
            None => None,
        };
        relman_changelog::Changelog::new(self.changelog.clone(), remote).map_err(|e| {
            ChangelogSettingsError::Settings {
                config: source.to_string(),
                source: e,
            }
        })
    }
}

/// Returned by [`Config::changelog_engine`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangelogSettingsError {
    /// `remote` is not a URL relman can link to.
    #[error("`remote` in {config}")]
    Remote {
        /// Where the configuration came from.
        config: String,
        /// Why the URL is refused.
        #[source]
        source: relman_changelog::remote::ParseRemoteError,
    },
    /// The `[changelog]` settings are invalid.
    #[error("invalid changelog settings in {config}")]
    Settings {
        /// Where the configuration came from.
        config: String,
        /// Why.
        #[source]
        source: relman_changelog::BuildChangelogError,
    },
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
        let config = parse(path, &text)?;
        let source = ConfigSource::File(path.to_owned());
        check(&config, &source)?;
        return Ok((config, source));
    }
    let file = repo.join("relman.toml");
    if file.is_file() {
        let text = read(&file)?;
        let config = parse(&file, &text)?;
        let source = ConfigSource::File(file);
        check(&config, &source)?;
        return Ok((config, source));
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
            let source = ConfigSource::CargoMetadata(manifest);
            check(&config, &source)?;
            return Ok((config, source));
        }
    }
    Ok((Config::default(), ConfigSource::Defaults))
}

/// The semantic checks the TOML types cannot express.
fn check(config: &Config, source: &ConfigSource) -> Result<(), LoadConfigError> {
    config
        .pipeline
        .validate()
        .map_err(|p| LoadConfigError::Rejected {
            source_name: source.to_string(),
            key: p.key,
            reason: p.reason,
        })
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
    let before = &text[..line_start];
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| {
            let name = l.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
            if l.starts_with("[[") {
                // An array of tables: name the element, counting its headers so far.
                let n = before.lines().filter(|h| h.trim() == l).count();
                format!("{name}[{}]", n.saturating_sub(1))
            } else {
                name
            }
        });
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
    fn the_release_table_parses_and_rejects_unknown_keys() {
        let config = parse_str(
            "[release]\nremote = \"upstream\"\nregistry = \"local\"\npublish = [\"cargo\", \"publish\", \"-p\", \"{name}\"]\npublish_commands = { web = [\"npm\", \"publish\"] }\nindex_timeout_secs = 10\n",
        )
        .expect("valid");
        assert_eq!(config.release.remote, "upstream");
        assert_eq!(config.release.registry.as_deref(), Some("local"));
        assert_eq!(config.release.publish_commands["web"], ["npm", "publish"]);
        assert_eq!(config.release.index_timeout_secs, 10);
        assert_eq!(config.release.publish_attempts, 5);
        assert_eq!(
            parse_str("").expect("empty").release,
            ReleaseConfig::default()
        );
        match parse_str("[release]\nforce = true\n") {
            Err(LoadConfigError::Invalid { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected an unknown key error, got {other:?}"),
        }
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

    #[test]
    fn pipeline_defaults_equal_the_flag_defaults() {
        let config = parse_str("").expect("empty");
        let stages = config.pipeline.stages_or_default();
        let hours: Vec<(String, i64)> = stages
            .iter()
            .map(|s| {
                (
                    match &s.environment {
                        Some(e) => format!("{}-{e}", s.stage),
                        None => s.stage.to_string(),
                    },
                    s.duration,
                )
            })
            .collect();
        let expected: Vec<(String, i64)> = [
            ("build", 1),
            ("test", 2),
            ("approve", 4),
            ("deploy-dev", 1),
            ("deploy-staging", 2),
            ("deploy-production", 1),
        ]
        .iter()
        .map(|(k, h)| ((*k).to_owned(), *h))
        .collect();
        assert_eq!(hours, expected);
        assert_eq!(stages[5].resources, ["production"]);
        assert_eq!(
            config.pipeline.resources_or_default(),
            BTreeMap::from([("production".to_owned(), 1)])
        );
        assert_eq!(config.pipeline.validate(), Ok(()));
    }

    #[test]
    fn working_hours_default_to_weekdays_and_are_checked() {
        use chrono::Weekday;
        let default = parse_str("")
            .expect("valid")
            .pipeline
            .calendar()
            .expect("valid");
        let day = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
        let weekdays = relman_graph::Calendar::new(
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            day(9, 0),
            day(17, 0),
            Vec::new(),
        )
        .expect("valid");
        assert_eq!(default, Some(weekdays));

        let custom = parse_str(
            "[pipeline.working_hours]\ndays = [\"Sat\", \"sunday\"]\nfrom = \"06:30\"\nto = \"10:00:00\"\n",
        )
        .expect("valid");
        let expected = relman_graph::Calendar::new(
            vec![Weekday::Sat, Weekday::Sun],
            day(6, 30),
            day(10, 0),
            Vec::new(),
        )
        .expect("valid");
        assert_eq!(custom.pipeline.calendar(), Ok(Some(expected)));

        let always = parse_str("[pipeline]\naround_the_clock = true\n").expect("valid");
        assert_eq!(always.pipeline.calendar(), Ok(None));

        for (text, reason) in [
            (
                "[pipeline]\naround_the_clock = true\n[pipeline.working_hours]\nfrom = \"08:00\"\n",
                "not both",
            ),
            ("[pipeline.working_hours]\ndays = []\n", "no working day"),
            (
                "[pipeline.working_hours]\nfrom = \"18:00\"\n",
                "before it starts",
            ),
        ] {
            let problem = parse_str(text)
                .expect("parses")
                .pipeline
                .validate()
                .expect_err(text);
            assert_eq!(problem.key, "pipeline.working_hours");
            assert!(problem.reason.contains(reason), "{text}: {problem}");
        }
        let e = parse_str("[pipeline.working_hours]\nfrom = \"9am\"\n").expect_err("bad time");
        assert!(
            e.to_string().contains("\"9am\" is not a time of day"),
            "{e}"
        );
    }

    #[test]
    fn pipeline_parses_stages_resources_and_windows() {
        let config = parse_str(
            r#"
[pipeline.resources]
runners = 2
prod = 1

[[pipeline.stages]]
stage = "build"
duration = 3
resources = ["runners"]

[[pipeline.stages]]
stage = "test"
duration = 5

[[pipeline.stages]]
stage = "approve"
duration = 0

[[pipeline.stages]]
stage = "deploy"
environment = "prod"
duration = 2
resources = ["prod"]
window = { not_before = "2026-12-02T08:00:00Z", not_after = 2026-12-04T18:00:00+01:00 }
"#,
        )
        .expect("valid");
        assert_eq!(config.pipeline.validate(), Ok(()));
        let stages = config.pipeline.stages_or_default();
        assert_eq!(stages.len(), 4);
        assert_eq!(stages[0].duration, 3);
        assert_eq!(stages[3].environment.as_deref(), Some("prod"));
        let window = stages[3].window.clone().expect("window");
        assert_eq!(
            window.not_before.map(|t| t.to_rfc3339()),
            Some("2026-12-02T08:00:00+00:00".to_owned())
        );
        assert_eq!(
            window.not_after.map(|t| t.to_rfc3339()),
            Some("2026-12-04T17:00:00+00:00".to_owned())
        );
        assert_eq!(config.pipeline.resources_or_default()["runners"], 2);
    }

    fn rejected(text: &str) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("relman.toml");
        std::fs::write(&file, text).expect("write");
        load(dir.path(), None)
            .expect_err("rejected")
            .to_string()
            .replace(&file.display().to_string(), "relman.toml")
    }

    #[test]
    fn pipeline_errors_name_the_key() {
        let stages = "[[pipeline.stages]]\nstage = \"build\"\nduration = 1\n\n[[pipeline.stages]]\nstage = \"test\"\nduration = 1\n\n";
        assert_eq!(
            rejected(&format!(
                "{stages}[[pipeline.stages]]\nstage = \"approve\"\nduration = 20000\n"
            )),
            "relman.toml: key `pipeline.stages[2].duration`: expected 0 to 10000 hours, got 20000"
        );
        assert_eq!(
            rejected(&format!(
                "{stages}[[pipeline.stages]]\nstage = \"deploy\"\nduration = 1\n"
            )),
            "relman.toml: key `pipeline.stages[2].environment`: a deploy stage needs an environment"
        );
        assert_eq!(
            rejected(stages),
            "relman.toml: key `pipeline.stages`: no approve stage"
        );
        assert_eq!(
            rejected(&format!(
                "{stages}[[pipeline.stages]]\nstage = \"approve\"\nduration = 1\nresources = [\"qa\"]\n"
            )),
            "relman.toml: key `pipeline.stages[2].resources[0]`: unknown resource `qa` (declare it under [pipeline.resources])"
        );
        assert_eq!(
            rejected("[pipeline.resources]\nproduction = 0\n"),
            "relman.toml: key `pipeline.resources.production`: capacity must be at least 1"
        );
        assert!(
            rejected(&format!(
                "{stages}[[pipeline.stages]]\nstage = \"approve\"\nduration = 1\nwindow = {{ not_before = \"2026-12-02T08:00:00Z\", not_after = \"2026-12-01T08:00:00Z\" }}\n"
            ))
            .starts_with("relman.toml: key `pipeline.stages[2].window`: not_after"),
        );
        // Type errors come from the TOML reader, with the element's index.
        let text = rejected(&format!(
            "{stages}[[pipeline.stages]]\nstage = \"approve\"\nduration = \"four\"\n"
        ));
        assert!(
            text.starts_with("relman.toml:11:12: key `pipeline.stages[2].duration`: invalid type"),
            "{text}"
        );
        let text = rejected(&format!(
            "{stages}[[pipeline.stages]]\nstage = \"approve\"\nduration = 1\nwindow = {{ not_before = 2026-12-02T08:00:00 }}\n"
        ));
        assert!(
            text.contains("key `pipeline.stages[2].window.not_before`")
                || text.contains("key `pipeline.stages[2].window`"),
            "{text}"
        );
        assert!(
            text.contains("not an RFC 3339 date and time with an offset"),
            "{text}"
        );
        let text = rejected("[[pipeline.stages]]\nstage = \"ship\"\nduration = 1\n");
        assert!(
            text.contains("key `pipeline.stages[0].stage`: unknown variant `ship`"),
            "{text}"
        );
    }

    #[test]
    fn environments_tables_parse_and_name_unknown_keys() {
        let config = parse_str(
            r#"
[environments.staging]
deploy = ["./deploy.sh"]
timeout = "2m"

[environments.staging.health]
command = "curl -fsS http://127.0.0.1:8080/health"
retries = 5
"#,
        )
        .expect("valid");
        let staging = &config.environments[&"staging"
            .parse::<relman_model::EnvironmentId>()
            .expect("an id")];
        assert_eq!(staging.deploy.argv(), ["./deploy.sh"]);
        assert_eq!(staging.health.as_ref().map(|h| h.retries), Some(5));
        let err = parse_str("[environments.dev]\ndeploy = [\"x\"]\nretries = 2\n")
            .expect_err("retries belongs to the health table");
        assert!(err.to_string().contains("retries"), "{err}");
    }
}
