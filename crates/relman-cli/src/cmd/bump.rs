//! `relman bump`: the next version of a component from its changes since its last release.
//!
//! `relman bump [--repo P] [--component NAME] [--from TAG] [--to REV] [--pre CHANNEL]
//! [--format text|json]`
//!
//! - Components come from the `[components]` of the configuration when it has any (paths as
//!   configured; tags read with the component's `tag`, then `[tags].patterns`, default
//!   `{component}-v{version}`, each bound to the component; the version of a first release is
//!   the Cargo workspace member's of the same name, else the policy's), else from the Cargo
//!   workspace at `--to` (members tagged `{component}-v{version}`; a single package is tagged
//!   `v{version}`). A repository without either is one component without name, tagged
//!   `v{version}`.
//! - Without `--from`, the range starts at the component's last release tag reachable from
//!   `--to` (default `HEAD`); with `--from TAG`, at that tag, whose version is the current one:
//!   `--from v1.2.0 --to v1.3.0` shows what relman would have chosen for that past release.
//! - `current` is `null` when the component has no release yet; `next` is then the manifest
//!   version (release-plz's first release), or the policy's bump of 0.0.0 for a configured
//!   component that is not a Cargo package. `next` equals `current` when `bump` is `none`.
//!
//! JSON (`--format json`):
//! ```json
//! {"component": "core", "current": "1.2.0", "next": "1.3.0", "bump": "minor",
//!  "range": "v1.2.0..HEAD", "changes": 12,
//!  "evidence": [{"commit": "3f2a...", "summary": "feat: x", "bump": "minor", "reason": "type feat"}]}
//! ```
//! Exit codes: 0 success (also when nothing is to be released), 2 usage or repository errors.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use relman_git::{DiscoverComponentsError, GitRepository, TagPattern, WalkOptions};
use relman_model::{
    BreakingSource, BumpReason, Component, ComponentId, ReleaseChannel, Revision, RevisionRange,
    Version, next_version,
};
use serde::Serialize;

use crate::config::Config;

/// Arguments of `relman bump`.
#[derive(Debug, Args)]
pub struct BumpArgs {
    /// The repository (a work tree, a directory inside one, or a bare repository).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The component (required in a workspace with several members, unless `--from` names it).
    #[arg(long)]
    component: Option<String>,
    /// The release tag to start from (default: the component's last release).
    #[arg(long)]
    from: Option<String>,
    /// The revision to end at.
    #[arg(long, default_value = "HEAD")]
    to: String,
    /// A pre-release channel such as alpha, beta or rc.
    #[arg(long)]
    pre: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The configuration file whose `[bump]` policy applies (default: relman.toml, then
    /// Cargo.toml metadata, then relman's defaults).
    #[arg(long, value_name = "F")]
    config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The JSON printed by `relman bump --format json` (its own struct so that a library refactor
/// cannot change it silently).
#[derive(Debug, Serialize)]
struct BumpOutput {
    component: Option<String>,
    current: Option<String>,
    next: Option<String>,
    bump: &'static str,
    range: String,
    changes: usize,
    evidence: Vec<EvidenceOutput>,
}

#[derive(Debug, Serialize)]
struct EvidenceOutput {
    commit: String,
    summary: String,
    bump: &'static str,
    reason: String,
}

/// Runs `relman bump`.
pub fn run(args: BumpArgs) -> anyhow::Result<ExitCode> {
    let out = compute(&args)?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&out).context("cannot serialize the result")?
        ),
        Format::Text => print!("{}", render_text(&out)),
    }
    Ok(ExitCode::SUCCESS)
}

fn compute(args: &BumpArgs) -> anyhow::Result<BumpOutput> {
    let mut repo = GitRepository::open(&args.repo)
        .with_context(|| format!("cannot open the repository {}", args.repo.display()))?;
    let to = Revision::new(args.to.clone()).context("invalid --to")?;
    let channel = match &args.pre {
        Some(name) => ReleaseChannel::pre(name).context("invalid --pre")?,
        None => ReleaseChannel::Stable,
    };
    let root = repo
        .work_tree()
        .map_or_else(|| args.repo.clone(), Path::to_path_buf);
    let (config, source) = crate::config::load(&root, args.config.as_deref())?;
    let workspace = match repo.discover_components(&to) {
        Ok(ws) => Some(ws),
        Err(DiscoverComponentsError::NoManifest { .. }) => None,
        // The configured components need the workspace only for their manifest versions.
        Err(_) if !config.components.is_empty() => None,
        Err(e) => return Err(e).context("cannot read the Cargo workspace"),
    };
    let (components, patterns, unversioned) = if config.components.is_empty() {
        match workspace {
            Some(ws) => (ws.components, ws.tag_patterns, Vec::new()),
            None => (Vec::new(), vec![TagPattern::v_version()], Vec::new()),
        }
    } else {
        configured_components(
            &config,
            &source,
            workspace.as_ref().map(|w| &w.components[..]),
        )?
    };
    repo.set_tag_patterns(patterns.clone());

    let from_tag = match &args.from {
        Some(tag) => {
            let (component, version) =
                patterns
                    .iter()
                    .find_map(|p| p.matches(tag))
                    .with_context(|| {
                        format!(
                            "--from {tag} is not a release tag (patterns: {})",
                            patterns
                                .iter()
                                .map(TagPattern::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
            Some((tag.clone(), component, version))
        }
        None => None,
    };

    let wanted = args.component.clone().or_else(|| {
        from_tag
            .as_ref()
            .and_then(|(_, c, _)| c.as_ref().map(|c| c.to_string()))
    });
    let component = match (&wanted, components.len()) {
        (_, 0) => None,
        (None, 1) => Some(&components[0]),
        (None, _) => bail!(
            "the workspace has several components; choose one with --component ({})",
            names(&components)
        ),
        (Some(name), _) => Some(
            components
                .iter()
                .find(|c| c.id.as_str() == name)
                .with_context(|| {
                    format!("no component {name} (components: {})", names(&components))
                })?,
        ),
    };
    let id: Option<&ComponentId> = component.map(|c| &c.id);
    if let (Some((tag, Some(tag_component), _)), Some(id)) = (&from_tag, id)
        && tag_component != id
    {
        bail!("--from {tag} is a release of {tag_component}, not of {id}");
    }

    let (range, current, from_name) = match &from_tag {
        Some((tag, _, version)) => (
            RevisionRange::new(
                Some(Revision::new(tag.clone()).context("invalid --from")?),
                to.clone(),
            ),
            Some(version.clone()),
            Some(tag.clone()),
        ),
        None => {
            let (range, last) = repo
                .since_last_release(id, &to)
                .context("cannot read the release tags")?;
            let name = last.as_ref().map(|t| t.name.clone());
            (range, last.map(|t| t.version), name)
        }
    };

    let mut options = WalkOptions::new();
    if let Some(c) = component {
        options.paths(c.paths.clone());
    }
    let mut changes = Vec::new();
    repo.walk_with(&range, &options, &mut |c| {
        changes.push(c);
        ControlFlow::Continue(())
    })
    .context("cannot read the history")?;

    let decision = config.bump.to_policy().decide(&changes, current.as_ref());
    let next: Option<Version> = match &current {
        Some(v) => next_version(Some(v), decision.bump, &channel)
            .context("cannot compute the next version")?
            .or_else(|| Some(v.clone())),
        None => match component {
            Some(c) if !unversioned.contains(&c.id) => Some(first_release(&c.version, &channel)),
            _ => next_version(None, decision.bump, &channel)
                .context("cannot compute the next version")?,
        },
    };
    let range_text = match from_name {
        Some(tag) => format!("{tag}..{}", range.to),
        None => range.to_string(),
    };
    Ok(BumpOutput {
        component: id.map(ToString::to_string),
        current: current.map(|v| v.to_string()),
        next: next.map(|v| v.to_string()),
        bump: decision.bump.as_str(),
        range: range_text,
        changes: changes.len(),
        evidence: decision
            .evidence
            .iter()
            .map(|e| EvidenceOutput {
                commit: e.change.to_string(),
                summary: e.summary.clone(),
                bump: e.bump.as_str(),
                reason: reason(&e.reason),
            })
            .collect(),
    })
}

/// The components of the configuration's `[components]` (paths as configured; the version of
/// the Cargo workspace member of the same name), the tag patterns that read their releases
/// (each component's `tag`, then `[tags].patterns`, bound to the component; default
/// `{component}-v{version}`), and the components without a manifest version (their first
/// release follows the policy from 0.0.0 instead).
fn configured_components(
    config: &Config,
    source: &impl std::fmt::Display,
    members: Option<&[Component]>,
) -> anyhow::Result<(Vec<Component>, Vec<TagPattern>, Vec<ComponentId>)> {
    let mut components = Vec::with_capacity(config.components.len());
    let mut patterns = Vec::new();
    let mut unversioned = Vec::new();
    for (name, cc) in &config.components {
        let id: ComponentId = name
            .parse()
            .with_context(|| format!("component name `{name}` in {source}"))?;
        let version = match members.and_then(|m| m.iter().find(|c| c.id == id)) {
            Some(member) => member.version.clone(),
            None => {
                unversioned.push(id.clone());
                Version::new(0, 0, 0)
            }
        };
        let mut component = Component::new(id.clone(), version);
        for path in &cc.paths {
            component = component.with_path(path.clone());
        }
        components.push(component);
        // Each pattern is bound to its component (`{component}` spelled out), so that a tag
        // of the default shape is not read as a release of another configured component.
        let default = "{component}-v{version}".to_owned();
        let texts: Vec<&String> = match (&cc.tag, config.tags.patterns.is_empty()) {
            (None, true) => vec![&default],
            _ => cc.tag.iter().chain(&config.tags.patterns).collect(),
        };
        for text in texts {
            let pattern: TagPattern =
                text.replace("{component}", name).parse().with_context(|| {
                    format!("tag pattern `{text}` of component `{name}` in {source}")
                })?;
            let pattern = pattern.for_component(id.clone());
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
    }
    Ok((components, patterns, unversioned))
}

/// The first release of a component: its manifest version (on the channel with `--pre`).
fn first_release(manifest: &Version, channel: &ReleaseChannel) -> Version {
    match channel {
        ReleaseChannel::Stable => manifest.clone(),
        ReleaseChannel::Pre(ch) => {
            let (major, minor, patch) = (manifest.major, manifest.minor, manifest.patch);
            Version::parse(&format!("{major}.{minor}.{patch}-{ch}.1"))
                .unwrap_or_else(|_| manifest.clone())
        }
    }
}

fn names(components: &[relman_model::Component]) -> String {
    components
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn reason(reason: &BumpReason) -> String {
    match reason {
        BumpReason::Breaking { source } => match source {
            BreakingSource::Bang => "breaking change (!)".to_owned(),
            BreakingSource::Footer => "breaking change (BREAKING CHANGE footer)".to_owned(),
            BreakingSource::BangAndFooter => {
                "breaking change (! and BREAKING CHANGE footer)".to_owned()
            }
        },
        BumpReason::Type { kind } => format!("type {kind}"),
        BumpReason::OtherType { kind } => format!("type {kind} (not in the policy)"),
        BumpReason::NotConventional => "not a conventional commit".to_owned(),
        _ => "other".to_owned(),
    }
}

fn render_text(out: &BumpOutput) -> String {
    let name = out.component.as_deref().unwrap_or("repository");
    let current = out.current.as_deref().unwrap_or("(no release)");
    let next = out.next.as_deref().unwrap_or("-");
    let mut text = format!(
        "{name}: {current} -> {next} ({} bump, {} changes in {})\n",
        out.bump, out.changes, out.range
    );
    for e in &out.evidence {
        let short = e.commit.get(..10).unwrap_or(&e.commit);
        text.push_str(&format!(
            "  {:<6} {short} {}  [{}]\n",
            e.bump, e.summary, e.reason
        ));
    }
    text
}
