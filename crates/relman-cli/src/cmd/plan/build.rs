//! Assembles the plan: components, changes, versions, propagation, waves, changelogs, risk and
//! the schedule; then the change request draft bound to the plan's digest.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use relman_changelog::{ReleaseInput, SectionLabel};
use relman_git::{
    DiffStats, DiscoverComponentsError, GitRepository, OpenRepositoryError, TagPattern, WalkOptions,
};
use relman_graph::{ComponentGraph, PropagationPolicy};
use relman_model::{
    ApprovalRule, Bump, ChangeKind, ChangeRequest, Component, Digest, ReleaseChannel, Revision,
    Version, next_version,
};
use relman_risk::ChangeMetrics;
use sha2::{Digest as _, Sha256};

use super::PlanArgs;
use super::model::{
    ChangeRequestOutput, ComponentOutput, EvidenceOutput, PlanBody, PlanOutput, Planned,
    ReleaseNotes,
};
use super::pipeline::{Scheduled, schedule, schedule_output, stages};
use super::release_risk::release_risk;
use relman_plan::config::{self, Config};

/// The whole plan: [`build`] then the change request draft bound to the SHA-256 of the
/// canonical plan JSON (compact, keys sorted, without `change_request`).
pub(crate) fn plan(args: &PlanArgs, start: DateTime<Utc>) -> anyhow::Result<Built> {
    let (body, scheduled, notes) = build(args, start)?;
    // Canonical: compact JSON with object keys sorted (serde_json's `Value` map).
    let canonical = serde_json::to_value(&body)
        .context("cannot serialize the plan")?
        .to_string();
    let digest_hex = format!("{:x}", Sha256::digest(canonical.as_bytes()));
    let change_request = draft_change_request(&body, &digest_hex, start)?;
    Ok(Built {
        out: PlanOutput {
            body,
            change_request,
        },
        scheduled,
        notes,
    })
}

/// A plan with what its files need besides the JSON.
#[derive(Debug)]
pub(crate) struct Built {
    /// The plan as serialized.
    pub(crate) out: PlanOutput,
    /// The scheduled pipeline, if anything is released.
    pub(crate) scheduled: Option<Scheduled>,
    /// The release notes of each released component, in component order.
    pub(crate) notes: Vec<ReleaseNotes>,
}

fn open(path: &Path) -> anyhow::Result<GitRepository> {
    match GitRepository::open(path) {
        Ok(repo) => Ok(repo),
        Err(OpenRepositoryError::NotFound { .. }) => {
            bail!("not a git repository: {}", path.display())
        }
        Err(e) => Err(e).with_context(|| format!("cannot open the repository {}", path.display())),
    }
}

fn build(
    args: &PlanArgs,
    start: DateTime<Utc>,
) -> anyhow::Result<(PlanBody, Option<Scheduled>, Vec<ReleaseNotes>)> {
    if !args.repo.exists() {
        bail!(
            "not a git repository: {} (no such directory)",
            args.repo.display()
        );
    }
    let mut repo = open(&args.repo)?;
    let root = repo
        .work_tree()
        .map_or_else(|| args.repo.clone(), Path::to_path_buf);
    let (mut config, source) = config::load(&root, args.config.as_deref())?;
    config.default_remote(repo.remote_url("origin")?);
    let head = Revision::head();
    let head_id = repo
        .resolve(&head)
        .context("cannot read HEAD (a repository without commits has nothing to release)")?;

    let components = components(&repo, &config, &root, args.manifest_path.as_deref())?;
    repo.set_tag_patterns(components.iter().map(|(_, p)| p.clone()).collect());
    let policy = config.bump.to_policy();

    // A spinner counts the commits walked, on a terminal only (hidden when stderr is piped).
    let progress = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} commits") {
        progress.set_style(style);
    }
    let mut planned: Vec<Planned> = Vec::with_capacity(components.len());
    for (component, pattern) in components {
        let (range, last) = repo
            .since_last_release(Some(&component.id), &head)
            .context("cannot read the release tags")?;
        let mut options = WalkOptions::new();
        options.diff(DiffStats::Compute);
        if !component.paths.iter().all(|p| p.is_empty() || p == ".") {
            options.paths(component.paths.clone());
        }
        let mut changes = Vec::new();
        progress.set_message(format!("walking {}", component.id));
        progress.set_position(0);
        repo.walk_with(&range, &options, &mut |c| {
            changes.push(c);
            progress.inc(1);
            ControlFlow::Continue(())
        })
        .with_context(|| format!("cannot read the history of {}", component.id))?;
        let current = last.as_ref().map(|t| t.version.clone());
        let decision = policy.decide(&changes, current.as_ref());
        let first_release = current.is_none();
        let (next, release) = match &current {
            Some(v) => (
                next_version(Some(v), decision.bump, &ReleaseChannel::Stable)
                    .context("cannot compute the next version")?
                    .unwrap_or_else(|| v.clone()),
                decision.bump != Bump::None,
            ),
            None => {
                let manifest = &component.version;
                let next = if *manifest == Version::new(0, 0, 0) {
                    next_version(None, decision.bump, &ReleaseChannel::Stable)
                        .context("cannot compute the next version")?
                        .unwrap_or_else(|| Version::new(0, 1, 0))
                } else {
                    manifest.clone()
                };
                (next, !changes.is_empty())
            }
        };
        let evidence = decision
            .evidence
            .iter()
            .map(|e| EvidenceOutput {
                commit: e.change.to_string(),
                summary: e.summary.clone(),
                bump: e.bump.as_str(),
            })
            .collect();
        planned.push(Planned {
            current,
            last_tag: last.map(|t| t.name),
            pattern,
            changes,
            bump: decision.bump,
            evidence,
            next,
            release,
            first_release,
            component,
        });
    }

    progress.finish_and_clear();

    // Propagation over the dependency graph, on the released versions.
    let graph_components: Vec<Component> = planned
        .iter()
        .map(|p| {
            let mut c = p.component.clone();
            if let Some(v) = &p.current {
                c.version = v.clone();
            }
            c
        })
        .collect();
    let graph = ComponentGraph::new(graph_components).context("invalid component graph")?;
    let direct: BTreeMap<_, _> = planned
        .iter()
        .filter(|p| p.current.is_some())
        .map(|p| (p.component.id.clone(), p.bump))
        .collect();
    let bumps = graph
        .propagate(&direct, &PropagationPolicy::new(args.propagation.mode()))
        .context("cannot propagate the bumps")?;
    let mut propagated: HashMap<String, Vec<String>> = HashMap::new();
    for b in &bumps {
        let Some(p) = planned.iter_mut().find(|p| p.component.id == b.component) else {
            continue;
        };
        if p.current.is_some() && b.bump > p.bump {
            p.bump = b.bump;
            p.next = b.to.clone();
            p.release = true;
        }
        if b.causes
            .iter()
            .any(|c| !matches!(c, relman_graph::BumpCause::Direct { .. }))
        {
            propagated
                .entry(b.component.to_string())
                .or_default()
                .push(b.to_string());
        }
    }
    let released: BTreeSet<String> = planned
        .iter()
        .filter(|p| p.release)
        .map(|p| p.component.id.to_string())
        .collect();
    let waves: Vec<Vec<String>> = graph
        .waves()
        .iter()
        .map(|w| {
            w.iter()
                .map(ToString::to_string)
                .filter(|n| released.contains(n))
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect();

    // Changelog previews.
    let engine = config.changelog_engine(&source)?;

    let metrics: HashMap<String, ChangeMetrics> = if planned.iter().any(|p| p.release) {
        crate::cmd::risk::history_metrics(&repo, &head)?
            .into_iter()
            .map(|(c, m)| (c.id.into_string(), m))
            .collect()
    } else {
        HashMap::new()
    };
    let risk = release_risk(&planned, &metrics);
    let stages = stages(args, &config.pipeline)?;
    let scheduled = schedule(
        &stages,
        &config.pipeline.resources_or_default(),
        &graph,
        &waves,
        start,
    )?;
    let schedule_out = schedule_output(scheduled.as_ref());

    let mut notes = Vec::new();
    let components = planned
        .iter()
        .map(|p| {
            let tag = p.pattern.render(Some(&p.component.id), &p.next);
            let changelog = if p.release {
                let mut input =
                    ReleaseInput::new(SectionLabel::version(p.next.to_string()), &p.changes)
                        .with_tag(tag.clone())
                        .with_date(start.date_naive());
                if let Some(prev) = &p.last_tag {
                    input = input.with_previous_tag(prev.clone());
                }
                notes.push(ReleaseNotes {
                    component: p.component.id.to_string(),
                    version: p.next.to_string(),
                    tag: tag.clone(),
                    body: engine.release_notes(&input),
                });
                engine.render_release(&input).section
            } else {
                String::new()
            };
            ComponentOutput {
                name: p.component.id.to_string(),
                current: p.current.as_ref().map(ToString::to_string),
                next: p.next.to_string(),
                bump: if p.release && p.bump == Bump::None {
                    "initial"
                } else {
                    p.bump.as_str()
                },
                release: p.release,
                first_release: p.first_release,
                last_tag: p.last_tag.clone(),
                tag,
                changes: p.changes.len(),
                evidence: Vec::new(),
                propagated: propagated
                    .get(p.component.id.as_str())
                    .cloned()
                    .unwrap_or_default(),
                changelog,
            }
        })
        .collect::<Vec<_>>();
    let components = components
        .into_iter()
        .zip(planned.iter_mut())
        .map(|(mut c, p)| {
            c.evidence = std::mem::take(&mut p.evidence);
            c
        })
        .collect();

    let body = PlanBody {
        repository: {
            let r = root.display().to_string();
            match r.trim_end_matches('/') {
                "" => r,
                t => t.to_owned(),
            }
        },
        head: head_id.to_string(),
        config: source.to_string(),
        start,
        propagation: args.propagation.as_str(),
        components,
        waves,
        risk,
        schedule: schedule_out,
    };
    Ok((body, scheduled, notes))
}

/// The components and, for each, its bound tag pattern (same order).
fn components(
    repo: &GitRepository,
    config: &Config,
    root: &Path,
    manifest_path: Option<&Path>,
) -> anyhow::Result<Vec<(Component, TagPattern)>> {
    if !config.components.is_empty() {
        let mut comps = Vec::new();
        for (name, cc) in &config.components {
            let id: relman_model::ComponentId = name
                .parse()
                .with_context(|| format!("component name `{name}` in the configuration"))?;
            let mut c = Component::new(id.clone(), Version::new(0, 0, 0));
            for p in &cc.paths {
                c = c.with_path(p.clone());
            }
            let pattern = match &cc.tag {
                Some(t) => t
                    .parse::<TagPattern>()
                    .with_context(|| format!("tag pattern of component `{name}`"))?,
                None => TagPattern::component_v_version(),
            };
            let pattern = if pattern.has_component() {
                pattern
            } else {
                pattern.for_component(id)
            };
            comps.push((c, pattern));
        }
        return Ok(comps);
    }
    if let Some(manifest) = manifest_path {
        let name = manifest.file_name().and_then(|n| n.to_str());
        if name != Some("Cargo.toml") {
            bail!("--manifest-path {} is not a Cargo.toml", manifest.display());
        }
        let full = if manifest.is_absolute() {
            manifest.to_path_buf()
        } else {
            root.join(manifest)
        };
        if !full.is_file() {
            bail!("--manifest-path {}: no such file", full.display());
        }
        if full.parent() != Some(root) {
            bail!(
                "--manifest-path {}: only the manifest at the repository root ({}) is supported",
                manifest.display(),
                root.display()
            );
        }
    }
    match repo.discover_components(&Revision::head()) {
        Ok(ws) => {
            let patterns = ws
                .components
                .iter()
                .map(|c| {
                    let p = ws
                        .tag_patterns
                        .first()
                        .cloned()
                        .unwrap_or_else(TagPattern::component_v_version);
                    let p = if p.has_component() {
                        p
                    } else {
                        p.for_component(c.id.clone())
                    };
                    (c.clone(), p)
                })
                .collect();
            Ok(patterns)
        }
        Err(DiscoverComponentsError::NoManifest { .. }) => {
            let name = root
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| {
                    n.chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                                c
                            } else {
                                '-'
                            }
                        })
                        .collect::<String>()
                })
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "repository".to_owned());
            let id: relman_model::ComponentId = name
                .parse()
                .or_else(|_| "repository".parse())
                .context("component name")?;
            let pattern = TagPattern::v_version().for_component(id.clone());
            Ok(vec![(Component::new(id, Version::new(0, 0, 0)), pattern)])
        }
        Err(e) => Err(e).context("cannot read the Cargo workspace"),
    }
}

fn draft_change_request(
    body: &PlanBody,
    digest_hex: &str,
    created: DateTime<Utc>,
) -> anyhow::Result<ChangeRequestOutput> {
    let released: Vec<String> = body
        .components
        .iter()
        .filter(|c| c.release)
        .map(|c| format!("{} {}", c.name, c.next))
        .collect();
    let title = if released.is_empty() {
        "no release".to_owned()
    } else if released.len() <= 4 {
        released.join(", ")
    } else {
        format!(
            "{} and {} more",
            released[..3].join(", "),
            released.len() - 3
        )
    };
    let id = format!("CR-{}", &digest_hex[..8]);
    let cr = ChangeRequest::new(
        id.parse().context("change request id")?,
        ChangeKind::Normal,
        format!("Release {title}"),
        "relman".parse().context("requester")?,
        ApprovalRule::new(1, Vec::new()),
        Digest::new(digest_hex).context("plan digest")?,
        created,
    );
    Ok(ChangeRequestOutput {
        id: cr.id.to_string(),
        kind: cr.kind,
        title: cr.title.clone(),
        requester: cr.requester.to_string(),
        state: format!("{:?}", cr.state()).to_lowercase(),
        digest: cr.digest().as_str().to_owned(),
        approvals_required: cr.rule.required,
        created: cr.created,
    })
}
