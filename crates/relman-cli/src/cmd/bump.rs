//! `relman bump`: the next version of a component from its changes since its last release.
//!
//! `relman bump [--repo P] [--component NAME] [--from TAG] [--to REV] [--pre CHANNEL]
//! [--format text|json]`
//!
//! Decisions come from `relman-plan` (the same rules as `relman plan`), per release unit:
//!
//! - Units are the configured `[components]`, else the published members of the Cargo
//!   workspace at `--to` (`publish = false` left out), else the repository as one component.
//!   Release tags are read with `[tags]` when configured, else their series are read off the
//!   tag names (`v1.2.0`, `1.2.0`, `api-v1.2.0`, `knope/v1.2.0`); members released under one
//!   series that names no component form one version group, answered as one unit.
//! - Without `--from`, the range starts at the unit's last release tag reachable from `--to`
//!   (default `HEAD`); with `--from TAG`, at that tag, whose version is the current one:
//!   `--from v1.2.0 --to v1.3.0` shows what relman would have chosen for that past release.
//! - The bump follows the commits, the `0.y.z` rules learned from the unit's past releases
//!   (`[bump] policy`), a patch release for changes without a bump-worthy commit
//!   (`[bump] other_changes`) and the release of dependencies (`[bump] propagation`); each rule
//!   that applied is listed in `reasons`.
//! - `current` is `null` before the first release; `next` is then the manifest version
//!   (release-plz's first release), or the policy's bump of 0.0.0 for a configured component
//!   that is not a Cargo package. `next` equals `current` when `bump` is `none`.
//! - Without `--component`, every unit is answered: one JSON object when there is one unit (a
//!   single package or one version group), else an array of them.
//!
//! JSON (`--format json`):
//! ```json
//! {"component": "core", "current": "1.2.0", "next": "1.3.0", "tag": "core-v1.3.0",
//!  "bump": "minor", "range": "3f2a.....HEAD", "changes": 12,
//!  "evidence": [{"commit": "3f2a...", "summary": "feat: x", "bump": "minor", "reason": "type feat"}],
//!  "reasons": ["learned: 5 of 6 past 0.y.z releases with a feature bumped minor"]}
//! ```
//! A version group also lists its `members`.
//! Exit codes: 0 success (also when nothing is to be released), 2 usage or repository errors.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use relman_model::{ReleaseChannel, Revision, VersionTag};
use relman_plan::decide::{DecideOptions, Decision, decide, propagate};
use relman_plan::repo::Repository;
use relman_plan::units::Unit;
use serde::Serialize;

/// Arguments of `relman bump`.
#[derive(Debug, Args)]
pub struct BumpArgs {
    /// The repository (a work tree, a directory inside one, or a bare repository).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Only this component (a release unit, or a member of a version group).
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
    /// Show every evidence line in the text output (default: the strongest 20).
    #[arg(long, short)]
    verbose: bool,
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

/// The JSON printed by `relman bump --format json` for one release unit (its own struct so
/// that a library refactor cannot change it silently).
#[derive(Debug, Serialize)]
struct BumpOutput {
    component: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
    current: Option<String>,
    next: Option<String>,
    tag: Option<String>,
    bump: &'static str,
    range: String,
    changes: usize,
    evidence: Vec<EvidenceOutput>,
    reasons: Vec<String>,
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
    let outs = compute(&args)?;
    match args.format {
        Format::Json => {
            let text = match &outs[..] {
                [one] => serde_json::to_string_pretty(one),
                many => serde_json::to_string_pretty(many),
            };
            println!("{}", text.context("cannot serialize the result")?);
        }
        Format::Text => {
            for out in &outs {
                let lines = if args.verbose {
                    usize::MAX
                } else {
                    EVIDENCE_LINES
                };
                print!("{}", render_text(out, lines));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn compute(args: &BumpArgs) -> anyhow::Result<Vec<BumpOutput>> {
    let repo = super::open_repository(&args.repo)?;
    let to = Revision::new(args.to.clone()).context("invalid --to")?;
    let channel = match &args.pre {
        Some(name) => ReleaseChannel::pre(name).context("invalid --pre")?,
        None => ReleaseChannel::Stable,
    };
    let (config, source) = repo.config(args.config.as_deref())?;
    let units = repo.units(&config, &source, &to)?;

    let mut options = DecideOptions::new(config.bump.clone());
    options.to = to;
    options.channel = channel;
    let from = match &args.from {
        Some(tag) => Some(from_tag(&repo, &units, tag)?),
        None => None,
    };
    let wanted = match (&args.component, &from) {
        (Some(name), _) => Some(find(&units, name)?),
        (None, Some((unit, _))) => Some(*unit),
        (None, None) => None,
    };
    if let (Some((from_unit, tag)), Some(unit)) = (&from, wanted)
        && *from_unit != unit
    {
        bail!(
            "--from {} is a release of {}, not of {}",
            tag.name,
            units[*from_unit].id,
            units[unit].id
        );
    }
    // A past release (`--from`) is replayed alone, without propagation.
    if let Some((i, tag)) = &from {
        let mut o = options;
        o.from = Some(tag.clone());
        let decision = decide(repo.git(), &units[*i], &o)?;
        return Ok(vec![output(&units[*i], &decision, args.from.as_deref())]);
    }
    // Every unit is decided (propagation needs them all); the output shows the one asked for.
    let mut decisions = Vec::with_capacity(units.len());
    for unit in &units {
        decisions.push(decide(repo.git(), unit, &options)?);
    }
    let mode = config.bump.propagation.unwrap_or_default().mode();
    propagate(&units, &mut decisions, mode)?;
    let shown: Vec<usize> = match wanted {
        Some(i) => vec![i],
        None => (0..units.len()).collect(),
    };
    Ok(shown
        .into_iter()
        .map(|i| output(&units[i], &decisions[i], args.from.as_deref()))
        .collect())
}

/// The unit named `name`, or whose version group has a member named `name`.
fn find(units: &[Unit], name: &str) -> anyhow::Result<usize> {
    units
        .iter()
        .position(|u| u.id.as_str() == name)
        .or_else(|| {
            units
                .iter()
                .position(|u| u.members.iter().any(|m| m.as_str() == name))
        })
        .with_context(|| format!("no component {name} (components: {})", names(units)))
}

/// The unit `tag` releases and the tag as a release of it.
fn from_tag(repo: &Repository, units: &[Unit], tag: &str) -> anyhow::Result<(usize, VersionTag)> {
    for (i, unit) in units.iter().enumerate() {
        if let Some(t) = unit.releases.iter().find(|t| t.name == tag) {
            return Ok((i, t.clone()));
        }
    }
    for (i, unit) in units.iter().enumerate() {
        if let Some((_, version)) = unit.pattern.matches(tag) {
            let rev = Revision::new(tag).context("invalid --from")?;
            let target = repo
                .git()
                .resolve(&rev)
                .with_context(|| format!("cannot resolve --from {tag}"))?;
            return Ok((
                i,
                VersionTag::new(tag, target, Some(unit.id.clone()), version),
            ));
        }
    }
    bail!(
        "--from {tag} is not a release tag (patterns: {})",
        units
            .iter()
            .map(|u| u.pattern.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn output(unit: &Unit, d: &Decision, from: Option<&str>) -> BumpOutput {
    let range = match from.or(d.last_tag.as_deref()) {
        Some(tag) => format!("{tag}..{}", d.range.to),
        None => d.range.to_string(),
    };
    BumpOutput {
        component: Some(unit.id.to_string()),
        members: if unit.members.len() > 1 {
            unit.members.iter().map(ToString::to_string).collect()
        } else {
            Vec::new()
        },
        current: d.current.as_ref().map(ToString::to_string),
        next: Some(d.next.to_string()),
        tag: Some(unit.pattern.render(Some(&unit.id), &d.next)),
        bump: d.bump.as_str(),
        range,
        changes: d.changes.len(),
        evidence: d
            .evidence
            .iter()
            .map(|e| EvidenceOutput {
                commit: e.commit.to_string(),
                summary: e.summary.clone(),
                bump: e.bump.as_str(),
                reason: e.reason.clone(),
            })
            .collect(),
        reasons: d.reasons.iter().map(ToString::to_string).collect(),
    }
}

fn names(units: &[Unit]) -> String {
    units
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many evidence lines the text output shows.
const EVIDENCE_LINES: usize = 20;

/// Orders bumps by strength for display.
fn bump_rank(bump: &str) -> u8 {
    match bump {
        "major" => 3,
        "minor" => 2,
        "patch" => 1,
        _ => 0,
    }
}

fn render_text(out: &BumpOutput, evidence_lines: usize) -> String {
    let name = out.component.as_deref().unwrap_or("repository");
    let current = out.current.as_deref().unwrap_or("(no release)");
    let next = out.next.as_deref().unwrap_or("-");
    let mut text = format!(
        "{name}: {current} -> {next} ({} bump, {} changes in {})\n",
        out.bump, out.changes, out.range
    );
    if !out.members.is_empty() {
        text.push_str(&format!("  version group: {}\n", out.members.join(", ")));
    }
    for r in &out.reasons {
        text.push_str(&format!("  - {r}\n"));
    }
    // The strongest evidence first, at most EVIDENCE_LINES of it: a release of thousands of
    // changes stays readable (`--format json` lists every change).
    let mut evidence: Vec<&EvidenceOutput> = out.evidence.iter().collect();
    evidence.sort_by_key(|e| std::cmp::Reverse(bump_rank(e.bump)));
    for e in evidence.iter().take(evidence_lines) {
        let short = e.commit.get(..10).unwrap_or(&e.commit);
        text.push_str(&format!(
            "  {:<6} {short} {}  [{}]\n",
            e.bump, e.summary, e.reason
        ));
    }
    if evidence.len() > evidence_lines {
        text.push_str(&format!(
            "  ... and {} more (--verbose or --format json lists them all)\n",
            evidence.len() - evidence_lines
        ));
    }
    // Commit summaries reach the terminal: no escape sequence gets through.
    relman_model::text::escape_control(&text).into_owned()
}
