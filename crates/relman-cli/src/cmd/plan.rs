//! `relman plan`: the whole release plan of a repository in one command.
//!
//! `relman plan [--repo P] [--manifest-path Cargo.toml] [--config relman.toml]
//! [--format text|markdown|json] [--output DIR] [--start RFC3339] [--propagation MODE]`
//!
//! 1. Components: the `[components]` of the configuration if any, else the Cargo workspace at
//!    `HEAD` (members tagged `{component}-v{version}`, a single package `v{version}`), else the
//!    whole repository as one component named after its directory, tagged `v{version}`.
//! 2. Each component's changes since its last release tag (diff stats included), its next
//!    version with the evidence (`[bump]` policy of the configuration), then dependent-bump
//!    propagation over the dependency graph (`--propagation`) and the release waves. A
//!    component without a release tag gets its first release (its manifest version). A
//!    component without changes keeps bump `none` and is not scheduled.
//! 3. A changelog preview per released component (`[changelog]` settings).
//! 4. Release risk: each change is scored by the risk crate's default model on the metrics
//!    the walk can give (see [`change_metrics`]), then aggregated by the CLI (see
//!    [`release_risk`]), with reasons and mitigations.
//! 5. A task schedule: per released component in wave order `build` then `test` (a component's
//!    build waits for the tests of the released components it depends on), one `approve` task,
//!    then per component `deploy-dev` → `deploy-staging` → `deploy-production`; production
//!    deploys hold the resource `production` (capacity 1: one production deploy at a time) and
//!    follow the dependency order. Durations in hours (flags, defaults: build 1, test 2,
//!    approve 4, dev 1, staging 2, production 1). Hour 0 is `--start` (default: now).
//! 6. A change request draft (kind normal, one approval from anyone but the requester) bound to
//!    the SHA-256 of the canonical plan JSON (compact, keys sorted, without `change_request`).
//!
//! Walks show a spinner with the commit count on a terminal (none when stderr is piped).
//!
//! With `--output DIR` it also writes `release-plan.md`, `release-plan.json`, `gantt.svg`,
//! `gantt.mmd` and `release.ics`. Exit codes: 0 success, 2 usage or repository errors (e.g.
//! `not a git repository: P`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use relman_changelog::{ReleaseInput, SectionLabel};
use relman_git::{
    DiffStats, DiscoverComponentsError, GitRepository, OpenRepositoryError, TagPattern, WalkOptions,
};
use relman_graph::{
    ComponentGraph, Plan, Precedence, Propagation, PropagationPolicy, Resource, ResourceId,
    SearchOptions, Task, TaskId, TimeScale, TimeUnit,
};
use relman_model::{
    ApprovalRule, Bump, Change, ChangeKind, ChangeRequest, Component, Digest, ReleaseChannel,
    Revision, RiskLevel, Version, next_version,
};
use relman_risk::release::{Mitigation, ReleaseFactor, ReleaseFactors, assess_release};
use relman_risk::{ChangeMetrics, RiskModel};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::config::{self, Config};

/// Arguments of `relman plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The repository (a work tree, a directory inside one, or a bare repository).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The workspace's Cargo.toml, relative to the repository root (components are read from
    /// it at HEAD).
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
    /// The configuration file (default: relman.toml, then Cargo.toml metadata).
    #[arg(long, value_name = "F")]
    config: Option<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write release-plan.md, release-plan.json, gantt.svg, gantt.mmd and release.ics here.
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// When hour 0 of the schedule is (RFC 3339, e.g. 2026-12-01T09:00:00Z); default: now.
    #[arg(long, value_name = "TIME")]
    start: Option<DateTime<Utc>>,
    /// How bumps travel to dependents.
    #[arg(long, value_enum, default_value_t = PropagationArg::WhenRequirementBreaks)]
    propagation: PropagationArg,
    /// Hours to build one component.
    #[arg(long, default_value_t = 1, value_name = "H")]
    build_hours: i64,
    /// Hours to test one component.
    #[arg(long, default_value_t = 2, value_name = "H")]
    test_hours: i64,
    /// Hours for the release approval.
    #[arg(long, default_value_t = 4, value_name = "H")]
    approve_hours: i64,
    /// Hours to deploy one component to dev.
    #[arg(long, default_value_t = 1, value_name = "H")]
    dev_hours: i64,
    /// Hours to deploy one component to staging (including its checks).
    #[arg(long, default_value_t = 2, value_name = "H")]
    staging_hours: i64,
    /// Hours to deploy one component to production.
    #[arg(long, default_value_t = 1, value_name = "H")]
    production_hours: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PropagationArg {
    /// Dependents are never bumped because of their dependencies.
    Never,
    /// A dependent gets a patch bump when its requirement no longer matches.
    WhenRequirementBreaks,
    /// A dependent gets a patch bump whenever a dependency is released.
    AlwaysPatch,
}

impl PropagationArg {
    fn mode(self) -> Propagation {
        match self {
            Self::Never => Propagation::Never,
            Self::WhenRequirementBreaks => Propagation::WhenRequirementBreaks,
            Self::AlwaysPatch => Propagation::AlwaysPatch,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::WhenRequirementBreaks => "when_requirement_breaks",
            Self::AlwaysPatch => "always_patch",
        }
    }
}

/// `release-plan.json` (and `--format json`) without the change request: the part the digest
/// covers.
#[derive(Debug, Serialize)]
struct PlanBody {
    repository: String,
    head: String,
    config: String,
    start: DateTime<Utc>,
    propagation: &'static str,
    components: Vec<ComponentOutput>,
    waves: Vec<Vec<String>>,
    risk: RiskOutput,
    schedule: ScheduleOutput,
}

/// `release-plan.json`.
#[derive(Debug, Serialize)]
struct PlanOutput {
    #[serde(flatten)]
    body: PlanBody,
    change_request: ChangeRequestOutput,
}

#[derive(Debug, Serialize)]
struct ComponentOutput {
    name: String,
    current: Option<String>,
    next: String,
    bump: &'static str,
    release: bool,
    first_release: bool,
    last_tag: Option<String>,
    tag: String,
    changes: usize,
    evidence: Vec<EvidenceOutput>,
    propagated: Vec<String>,
    changelog: String,
}

#[derive(Debug, Serialize)]
struct EvidenceOutput {
    commit: String,
    summary: String,
    bump: &'static str,
}

#[derive(Debug, Serialize)]
struct RiskOutput {
    score: u8,
    level: RiskLevel,
    method: &'static str,
    reasons: Vec<String>,
    mitigations: Vec<String>,
    riskiest_changes: Vec<ChangeRiskOutput>,
}

#[derive(Debug, Serialize)]
struct ChangeRiskOutput {
    component: String,
    commit: String,
    summary: String,
    probability: f64,
    top_factors: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ScheduleOutput {
    unit: &'static str,
    makespan_hours: i64,
    finish: Option<DateTime<Utc>>,
    tasks: Vec<TaskOutput>,
    critical_path: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TaskOutput {
    id: String,
    start: DateTime<Utc>,
    finish: DateTime<Utc>,
    hours: i64,
    critical: bool,
}

#[derive(Debug, Serialize)]
struct ChangeRequestOutput {
    id: String,
    kind: ChangeKind,
    title: String,
    requester: String,
    state: String,
    digest: String,
    approvals_required: usize,
    created: DateTime<Utc>,
}

/// A component as planned before propagation.
struct Planned {
    component: Component,
    current: Option<Version>,
    last_tag: Option<String>,
    pattern: TagPattern,
    changes: Vec<Change>,
    bump: Bump,
    evidence: Vec<EvidenceOutput>,
    next: Version,
    release: bool,
    first_release: bool,
}

/// Runs `relman plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let start = args.start.unwrap_or_else(|| {
        let now = Utc::now();
        now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()))
    });
    let (body, scheduled) = build(&args, start)?;
    // Canonical: compact JSON with object keys sorted (serde_json's `Value` map).
    let canonical = serde_json::to_value(&body)
        .context("cannot serialize the plan")?
        .to_string();
    let digest_hex = format!("{:x}", Sha256::digest(canonical.as_bytes()));
    let change_request = draft_change_request(&body, &digest_hex, start)?;
    let out = PlanOutput {
        body,
        change_request,
    };
    let json = serde_json::to_string_pretty(&out).context("cannot serialize the plan")? + "\n";
    let markdown = render_markdown(&out);
    match args.format {
        Format::Json => print!("{json}"),
        Format::Markdown => print!("{markdown}"),
        Format::Text => print!("{}", render_text(&out)),
    }
    if let Some(dir) = &args.output {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let title = out.change_request.title.clone();
        let (svg, mmd, ics) = match &scheduled {
            Some(s) => (
                relman_graph::to_svg(&s.plan, &s.schedule, &s.scale, &[]),
                relman_graph::to_mermaid(&s.plan, &s.schedule, &s.scale, &title),
                relman_graph::to_ics(&s.plan, &s.schedule, &s.scale, start, "relman.invalid"),
            ),
            None => (empty_svg(), empty_mermaid(&title), empty_ics()),
        };
        for (name, text) in [
            ("release-plan.md", markdown.as_str()),
            ("release-plan.json", json.as_str()),
            ("gantt.svg", svg.as_str()),
            ("gantt.mmd", mmd.as_str()),
            ("release.ics", ics.as_str()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!(
            "wrote release-plan.md, release-plan.json, gantt.svg, gantt.mmd and release.ics to {}",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The scheduled pipeline, kept for the exports.
struct Scheduled {
    plan: Plan,
    schedule: relman_graph::Schedule,
    scale: TimeScale,
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

fn build(args: &PlanArgs, start: DateTime<Utc>) -> anyhow::Result<(PlanBody, Option<Scheduled>)> {
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
        super::risk::history_metrics(&repo, &head)?
            .into_iter()
            .map(|(c, m)| (c.id.into_string(), m))
            .collect()
    } else {
        HashMap::new()
    };
    let risk = release_risk(&planned, &metrics);
    let scheduled = schedule(args, &graph, &waves, start)?;
    let schedule_out = schedule_output(scheduled.as_ref());

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
    Ok((body, scheduled))
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

/// Release risk: every released change is scored and explained by the default model, and
/// relman-risk's [`assess_release`] turns the probabilities and the release factors the plan
/// knows (largest bump, components released together) into the 0–100 score, level, reasons and
/// mitigations; the reasons name the riskiest changes.
fn release_risk(planned: &[Planned], metrics: &HashMap<String, ChangeMetrics>) -> RiskOutput {
    let model = relman_risk::default_model();
    let mut scored: Vec<ChangeRiskOutput> = Vec::new();
    let mut seen = BTreeSet::new();
    // A commit can belong to several components (a root package owns the whole repository):
    // it is scored once, for the component with the most specific paths.
    let mut order: Vec<&Planned> = planned.iter().filter(|p| p.release).collect();
    order.sort_by_key(|p| {
        std::cmp::Reverse(p.component.paths.iter().map(String::len).max().unwrap_or(0))
    });
    for p in order {
        for change in &p.changes {
            if !seen.insert(change.id.to_string()) {
                continue;
            }
            let change_metrics = metrics.get(change.id.as_str()).copied().unwrap_or_default();
            let why = model.explain(&change_metrics);
            scored.push(ChangeRiskOutput {
                component: p.component.id.to_string(),
                commit: change.id.to_string(),
                summary: change.summary.clone(),
                probability: round3(why.probability),
                top_factors: why
                    .contributions
                    .iter()
                    .filter(|c| c.contribution > 0.0)
                    .take(3)
                    .map(|c| c.feature.clone())
                    .collect(),
            });
        }
    }
    scored.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.commit.cmp(&b.commit))
            .then_with(|| a.component.cmp(&b.component))
    });
    let released: Vec<&Planned> = planned.iter().filter(|p| p.release).collect();
    let mut factors = ReleaseFactors::default();
    factors.change_probabilities = scored.iter().map(|s| s.probability).collect();
    factors.bump = released.iter().map(|p| p.bump).max().unwrap_or(Bump::None);
    factors.components = released.len();
    let assessed = if released.is_empty() {
        None
    } else {
        Some(assess_release(&factors))
    };
    let mut reasons = Vec::new();
    if released.is_empty() {
        reasons.push("nothing to release: no component has changes since its last release".into());
    }
    for reason in assessed.iter().flat_map(|a| &a.reasons) {
        let points = reason.points;
        match reason.factor {
            ReleaseFactor::Changes => {
                let expected: f64 = factors.change_probabilities.iter().sum();
                reasons.push(format!(
                    "changes +{points:.1}: {expected:.2} expected defect-inducing changes among {} (default model)",
                    scored.len()
                ));
                for s in scored.iter().take(3) {
                    reasons.push(format!(
                        "{} {} \"{}\": {:.0} %{}",
                        s.component,
                        s.commit.get(..10).unwrap_or(&s.commit),
                        s.summary,
                        s.probability * 100.0,
                        if s.top_factors.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", s.top_factors.join(", "))
                        }
                    ));
                }
            }
            ReleaseFactor::Bump => {
                let names: Vec<&str> = released
                    .iter()
                    .filter(|p| p.bump == factors.bump)
                    .map(|p| p.component.id.as_str())
                    .collect();
                reasons.push(format!(
                    "{} bump of {} +{points:.1}",
                    factors.bump,
                    names.join(", ")
                ));
            }
            ReleaseFactor::Components => {
                reasons.push(format!(
                    "{} components released together +{points:.1}",
                    released.len()
                ));
            }
            other => reasons.push(format!("{other:?} +{points:.1}")),
        }
    }
    let mitigations = assessed
        .iter()
        .flat_map(|a| &a.mitigations)
        .map(|m| mitigation_text(*m))
        .collect();
    RiskOutput {
        score: assessed.as_ref().map_or(0, |a| a.score),
        level: assessed.as_ref().map_or(RiskLevel::Low, |a| a.level),
        method: "relman-risk assess_release: capped points per release factor (docs/risk.md)",
        reasons,
        mitigations,
        riskiest_changes: scored.into_iter().take(10).collect(),
    }
}

fn mitigation_text(m: Mitigation) -> String {
    match m {
        Mitigation::ReviewRiskiestChanges => {
            "review the riskiest changes again and add targeted tests before approval".into()
        }
        Mitigation::SmallerBatches => {
            "release more often: smaller batches are easier to verify".into()
        }
        Mitigation::Canary => {
            "deploy to a canary first and watch it before the full rollout".into()
        }
        Mitigation::ExtraApprovals => "require an extra approval for production".into(),
        Mitigation::StagedRollout => {
            "release in waves and verify each wave in staging before the next".into()
        }
        Mitigation::FixGates => "make the failing or missing quality gates pass first".into(),
        Mitigation::Reschedule => "move the deployment out of the freeze".into(),
        Mitigation::RollbackPlan => "prepare and rehearse the rollback".into(),
        other => format!("{other:?}"),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The pipeline of the released components as a plan, scheduled from `start`.
fn schedule(
    args: &PlanArgs,
    graph: &ComponentGraph,
    waves: &[Vec<String>],
    start: DateTime<Utc>,
) -> anyhow::Result<Option<Scheduled>> {
    let order: Vec<&String> = waves.iter().flatten().collect();
    if order.is_empty() {
        return Ok(None);
    }
    for (flag, h) in [
        ("--build-hours", args.build_hours),
        ("--test-hours", args.test_hours),
        ("--approve-hours", args.approve_hours),
        ("--dev-hours", args.dev_hours),
        ("--staging-hours", args.staging_hours),
        ("--production-hours", args.production_hours),
    ] {
        if !(0..=10_000).contains(&h) {
            bail!("{flag} {h}: expected 0 to 10000 hours");
        }
    }
    let id =
        |s: String| -> anyhow::Result<TaskId> { s.parse().with_context(|| format!("task id {s}")) };
    let production: ResourceId = "production".parse().context("resource id")?;
    let released: BTreeSet<&str> = order.iter().map(|s| s.as_str()).collect();
    let deps = |name: &str| -> Vec<String> {
        graph
            .components()
            .iter()
            .find(|c| c.id.as_str() == name)
            .map(|c| {
                c.dependencies
                    .iter()
                    .filter(|d| d.kind.orders_releases())
                    .map(|d| d.component.to_string())
                    .filter(|d| d != name && released.contains(d.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut tasks = Vec::new();
    let mut edges = Vec::new();
    let approve = id("approve".into())?;
    for name in &order {
        let build = id(format!("build-{name}"))?;
        let test = id(format!("test-{name}"))?;
        tasks.push(Task::new(build.clone(), args.build_hours));
        tasks.push(Task::new(test.clone(), args.test_hours));
        edges.push(Precedence::finish_to_start(build.clone(), test.clone()));
        edges.push(Precedence::finish_to_start(test, approve.clone()));
        for d in deps(name) {
            edges.push(Precedence::finish_to_start(
                id(format!("test-{d}"))?,
                build.clone(),
            ));
        }
    }
    tasks.push(Task::new(approve.clone(), args.approve_hours));
    for name in &order {
        let dev = id(format!("deploy-dev-{name}"))?;
        let staging = id(format!("deploy-staging-{name}"))?;
        let prod = id(format!("deploy-production-{name}"))?;
        tasks.push(Task::new(dev.clone(), args.dev_hours));
        tasks.push(Task::new(staging.clone(), args.staging_hours));
        tasks.push(
            Task::new(prod.clone(), args.production_hours).with_demand(production.clone(), 1),
        );
        edges.push(Precedence::finish_to_start(approve.clone(), dev.clone()));
        edges.push(Precedence::finish_to_start(dev, staging.clone()));
        edges.push(Precedence::finish_to_start(staging, prod.clone()));
        for d in deps(name) {
            edges.push(Precedence::finish_to_start(
                id(format!("deploy-production-{d}"))?,
                prod.clone(),
            ));
        }
    }
    let plan = Plan::new(tasks, vec![Resource::new(production, 1)], edges)
        .context("cannot build the release pipeline")?;
    let out = relman_graph::search(&plan, &SearchOptions::new(0, 2_000))
        .context("cannot schedule the release pipeline")?;
    Ok(Some(Scheduled {
        plan,
        schedule: out.schedule,
        scale: TimeScale::new(start, TimeUnit::Hour),
    }))
}

fn schedule_output(s: Option<&Scheduled>) -> ScheduleOutput {
    let Some(s) = s else {
        return ScheduleOutput {
            unit: "hour",
            makespan_hours: 0,
            finish: None,
            tasks: Vec::new(),
            critical_path: Vec::new(),
        };
    };
    let report = relman_graph::ScheduleReport::new(&s.plan, &s.schedule, &s.scale);
    let mut tasks: Vec<TaskOutput> = report
        .tasks
        .iter()
        .map(|t| TaskOutput {
            id: t.id.clone(),
            start: t.start_at,
            finish: t.finish_at,
            hours: t.finish - t.start,
            critical: t.critical,
        })
        .collect();
    tasks.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    let critical_path = critical_chain(&s.plan, &report.tasks);
    ScheduleOutput {
        unit: "hour",
        makespan_hours: report.makespan,
        finish: Some(report.finish_at),
        tasks,
        critical_path,
    }
}

/// One critical chain, first task first: from the critical task that ends last, step back to
/// a critical task that ends when the current one starts, preferring a precedence
/// predecessor over a resource predecessor, ties broken by id. The library marks every task
/// of zero slack as critical (parallel tasks of a wave included); this picks one path through
/// them.
fn critical_chain(plan: &Plan, tasks: &[relman_graph::TaskReport]) -> Vec<String> {
    let critical: Vec<&relman_graph::TaskReport> = tasks.iter().filter(|t| t.critical).collect();
    let predecessors: BTreeSet<(&str, &str)> = plan
        .precedences()
        .iter()
        .map(|p| (p.from.as_str(), p.to.as_str()))
        .collect();
    let Some(mut current) = critical
        .iter()
        .copied()
        .max_by(|a, b| a.finish.cmp(&b.finish).then_with(|| b.id.cmp(&a.id)))
    else {
        return Vec::new();
    };
    let mut chain = vec![current.id.clone()];
    loop {
        let before = critical
            .iter()
            .copied()
            .filter(|t| t.finish == current.start && t.id != current.id)
            .min_by(|a, b| {
                let pa = !predecessors.contains(&(a.id.as_str(), current.id.as_str()));
                let pb = !predecessors.contains(&(b.id.as_str(), current.id.as_str()));
                pa.cmp(&pb).then_with(|| a.id.cmp(&b.id))
            });
        match before {
            Some(t) if chain.len() <= tasks.len() => {
                chain.push(t.id.clone());
                current = t;
            }
            _ => break,
        }
    }
    chain.reverse();
    chain
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

fn render_text(out: &PlanOutput) -> String {
    let b = &out.body;
    let mut t = String::new();
    let _ = writeln!(t, "Release plan for {} at {}", b.repository, short(&b.head));
    let _ = writeln!(t, "configuration: {}", b.config);
    let _ = writeln!(t, "\nComponents:");
    for c in &b.components {
        let _ = writeln!(
            t,
            "  {:<20} {:>10} -> {:<10} {:<8} {} changes{}",
            c.name,
            c.current.as_deref().unwrap_or("(none)"),
            if c.release { c.next.as_str() } else { "-" },
            c.bump,
            c.changes,
            if c.first_release && c.release {
                " (first release)"
            } else {
                ""
            }
        );
        let rank = |b: &str| match b {
            "major" => 0,
            "minor" => 1,
            "patch" => 2,
            _ => 3,
        };
        let mut evidence: Vec<&EvidenceOutput> = c.evidence.iter().collect();
        evidence.sort_by_key(|e| rank(e.bump));
        for e in evidence.iter().take(3) {
            let _ = writeln!(t, "      {:<6} {} {}", e.bump, short(&e.commit), e.summary);
        }
        if c.evidence.len() > 3 {
            let _ = writeln!(t, "      ... {} more", c.evidence.len() - 3);
        }
        for p in &c.propagated {
            let _ = writeln!(t, "      propagated: {p}");
        }
    }
    let _ = writeln!(t, "\nPropagation: {}", b.propagation);
    let _ = writeln!(t, "Waves:");
    for (i, w) in b.waves.iter().enumerate() {
        let _ = writeln!(t, "  {}: {}", i + 1, w.join(", "));
    }
    let _ = writeln!(t, "\nRisk: {} ({})", b.risk.level, b.risk.score);
    for r in &b.risk.reasons {
        let _ = writeln!(t, "  - {r}");
    }
    let _ = writeln!(t, "Mitigations:");
    for m in &b.risk.mitigations {
        let _ = writeln!(t, "  - {m}");
    }
    let _ = writeln!(
        t,
        "\nSchedule: {} h{}",
        b.schedule.makespan_hours,
        b.schedule
            .finish
            .map(|f| format!(", ends {}", f.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default()
    );
    for task in &b.schedule.tasks {
        let _ = writeln!(
            t,
            "  {} {:<36} {} -> {}",
            if task.critical { "*" } else { " " },
            task.id,
            task.start.format("%Y-%m-%d %H:%M"),
            task.finish.format("%Y-%m-%d %H:%M")
        );
    }
    if !b.schedule.critical_path.is_empty() {
        let _ = writeln!(
            t,
            "critical path: {}",
            b.schedule.critical_path.join(" -> ")
        );
    }
    let cr = &out.change_request;
    let _ = writeln!(
        t,
        "\nChange request {} ({}, {}): {}\n  plan digest sha256:{}, {} approval(s) required",
        cr.id, cr.kind, cr.state, cr.title, cr.digest, cr.approvals_required
    );
    t
}

fn render_markdown(out: &PlanOutput) -> String {
    let b = &out.body;
    let mut t = String::new();
    let _ = writeln!(t, "# Release plan\n");
    let _ = writeln!(
        t,
        "Repository `{}` at `{}`; configuration: {}; schedule starts {}.\n",
        b.repository,
        short(&b.head),
        b.config,
        b.start.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(t, "## Components\n");
    let _ = writeln!(t, "| Component | Current | Next | Bump | Changes |");
    let _ = writeln!(t, "|---|---|---|---|---|");
    for c in &b.components {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} |",
            c.name,
            c.current.as_deref().unwrap_or("-"),
            if c.release { c.next.as_str() } else { "-" },
            c.bump,
            c.changes
        );
    }
    let _ = writeln!(t, "\nPropagation policy: `{}`.\n", b.propagation);
    let _ = writeln!(t, "## Waves\n");
    for (i, w) in b.waves.iter().enumerate() {
        let _ = writeln!(t, "{}. {}", i + 1, w.join(", "));
    }
    let _ = writeln!(t, "\n## Risk: {} ({})\n", b.risk.level, b.risk.score);
    for r in &b.risk.reasons {
        let _ = writeln!(t, "- {r}");
    }
    let _ = writeln!(t, "\nMitigations:\n");
    for m in &b.risk.mitigations {
        let _ = writeln!(t, "- {m}");
    }
    let _ = writeln!(t, "\n## Schedule ({} h)\n", b.schedule.makespan_hours);
    let _ = writeln!(t, "| Task | Start | Finish | Critical |");
    let _ = writeln!(t, "|---|---|---|---|");
    for task in &b.schedule.tasks {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} |",
            task.id,
            task.start.format("%Y-%m-%d %H:%M"),
            task.finish.format("%Y-%m-%d %H:%M"),
            if task.critical { "yes" } else { "" }
        );
    }
    let cr = &out.change_request;
    let _ = writeln!(
        t,
        "\n## Change request {}\n\n- kind: {}\n- state: {}\n- title: {}\n- plan digest: `sha256:{}`\n- approvals required: {}\n",
        cr.id, cr.kind, cr.state, cr.title, cr.digest, cr.approvals_required
    );
    let _ = writeln!(t, "## Changelog preview\n");
    for c in b.components.iter().filter(|c| c.release) {
        let _ = writeln!(t, "### {}\n", c.name);
        // Demote the release's headings below the component's.
        for line in c.changelog.lines() {
            if line.starts_with('#') {
                let _ = writeln!(t, "##{line}");
            } else {
                let _ = writeln!(t, "{line}");
            }
        }
        let _ = writeln!(t);
    }
    t
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

fn empty_svg() -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"40\"><text x=\"10\" y=\"25\">nothing to schedule</text></svg>\n".to_owned()
}

fn empty_mermaid(title: &str) -> String {
    format!("gantt\n    title {title}\n    dateFormat YYYY-MM-DDTHH:mm\n")
}

fn empty_ics() -> String {
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relman//relman-cli//EN\r\nEND:VCALENDAR\r\n"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_release_is_low_risk_with_a_reason() {
        let risk = release_risk(&[], &HashMap::new());
        assert_eq!(risk.score, 0);
        assert_eq!(risk.level, RiskLevel::Low);
        assert!(risk.reasons[0].starts_with("nothing to release"));
    }
}
