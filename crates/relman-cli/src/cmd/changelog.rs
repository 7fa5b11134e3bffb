//! `relman changelog`: a Keep a Changelog file, JSON or a template from the git history.
//!
//! `relman changelog [--repo P] [--unreleased | --latest | --range A..B] [--tag NEXT]
//! [--output F | --prepend F] [--format markdown|json] [--template F] [--config F]
//! [--component NAME]`
//!
//! - Scope: the whole history of `HEAD` (default), the changes since the last release
//!   (`--unreleased`), the latest release (`--latest`), or a revision range (`--range A..B`).
//! - Release tags follow the same rules as `relman bump` and `relman plan`: the release units
//!   of `relman-plan` (configured `[tags]` and component `tag`, else tag series read off the
//!   tag names; version groups; `publish = false` members left out).
//!   - `--component NAME`: the unit whose id or one of whose members is NAME; its paths scope
//!     the walk, its release tags cut it, its tag pattern reads `--tag NEXT`. An unknown name
//!     is an error that lists the units.
//!   - Without `--component`, the changelog covers the whole repository (no path filter), cut
//!     at the releases of the *primary* unit: the only unit, else the unit with the most
//!     release tags (ties: a unit covering the repository root, then by name). In a workspace
//!     tagged per package (`relman-git-v1.2.0`), `--unreleased` thus shows the changes since
//!     the primary package's last release.
//! - `--tag NEXT` names the unreleased changes as release NEXT, dated today.
//! - Output: stdout, `--output F`, or `--prepend F`, which inserts the new releases into an
//!   existing Keep a Changelog file in place (replacing `[Unreleased]`, keeping every other
//!   byte; releases already in the file are left alone, with a note on stderr) or writes a
//!   new file.
//! - `--format json` prints the changelog context (documented in `docs/changelog.md`);
//!   `--template F` renders a minijinja template file, or a built-in one by name
//!   (`keepachangelog`, `release-notes`).
//!
//! The cutting and rendering are `relman_changelog::cut`; this command picks the unit, reads
//! and writes files and prints.
//!
//! Exit codes: 0 success, 2 usage, configuration or repository errors.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args, ValueEnum};
use relman_changelog::cut::{
    self, CutError, MarkdownDocument, NextRelease, PendingRelease, ReleaseTags, Scope,
    ScopeRangeError,
};
use relman_changelog::json::ChangelogJson;
use relman_changelog::template::{BuiltinTemplate, Template};
use relman_changelog::{Changelog, ChangelogContext, ReleaseInput};
use relman_model::{Revision, WalkScope};
use relman_plan::units::{Unit, primary_unit};

/// How `relman changelog` finds release tags, as `--help` prints it.
const RELEASE_TAGS_HELP: &str = "\
Release tags are those of the release units, as for `relman bump` and `relman plan`.
With --component NAME: the unit named NAME (or with a member NAME); only the changes under its
paths, cut at its release tags; its tag pattern reads --tag.
Without --component: the whole repository, cut at the releases of the primary unit: the only
unit, else the one with the most release tags (ties: the unit covering the repository root,
then by name).";

/// Arguments of `relman changelog`.
///
/// Release tags are those of `relman-plan`'s release units (as for `relman bump` and `relman
/// plan`). Without `--component`, the whole repository is cut at the releases of the primary
/// unit: the only one, else the one with the most release tags (ties: the unit covering the
/// repository root, then by name).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("scope").args(["unreleased", "latest", "range"])))]
#[command(group(ArgGroup::new("destination").args(["output", "prepend"])))]
#[command(after_help = RELEASE_TAGS_HELP)]
pub struct ChangelogArgs {
    /// The repository (a work tree, a directory inside one, or a bare repository).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Only the changes since the last release.
    #[arg(long)]
    unreleased: bool,
    /// Only the latest release.
    #[arg(long)]
    latest: bool,
    /// Only the changes of a revision range `A..B`.
    #[arg(long, value_name = "A..B")]
    range: Option<String>,
    /// Name the unreleased changes as this release tag (e.g. v1.3.0), dated today.
    #[arg(long, value_name = "NEXT")]
    tag: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "F")]
    output: Option<PathBuf>,
    /// Insert the releases into this Keep a Changelog file (created if missing).
    #[arg(long, value_name = "F")]
    prepend: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// A minijinja template file, or `keepachangelog` / `release-notes`.
    #[arg(long, value_name = "F")]
    template: Option<String>,
    /// The configuration file (default: relman.toml, then Cargo.toml metadata).
    #[arg(long, value_name = "F")]
    config: Option<PathBuf>,
    /// Only this release unit's changes (its paths) and release tags; NAME is a unit or a
    /// member of a version group. Default: the whole repository, cut at the releases of the
    /// unit with the most release tags.
    #[arg(long, value_name = "NAME")]
    component: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// Runs `relman changelog`.
pub fn run(args: ChangelogArgs) -> anyhow::Result<ExitCode> {
    let mut repo = super::open_repository(&args.repo)?;
    let (config, source) = repo.config(args.config.as_deref())?;
    let units = repo.units(&config, &source, &Revision::head())?;
    let unit = match &args.component {
        Some(name) => {
            let unit = find(&units, name)?;
            let mut options = repo.git().walk_options().clone();
            options.scope(
                &WalkScope::new()
                    .with_paths(unit.paths.clone())
                    .with_excluded(unit.excluded.clone()),
            );
            repo.git_mut().set_walk_options(options);
            unit
        }
        None => primary_unit(&units).context("the repository has no release unit")?,
    };
    let engine = config.changelog_engine(&source)?;
    let today = chrono::Utc::now().date_naive();
    let next = match &args.tag {
        Some(tag) => Some(NextRelease::new(tag, &unit.pattern, today).context("invalid --tag")?),
        None => None,
    };
    let mut tags = ReleaseTags::new(unit.releases.iter().cloned())
        .with_prerelease_changes(engine.config().prerelease_changes());
    if let Some(next) = &next {
        tags = tags.with_next_version(next.version.clone());
    }
    let scope = match (&args.range, args.unreleased, args.latest) {
        (Some(r), _, _) => Scope::Range(r.parse().context("invalid --range")?),
        (None, true, _) => Scope::Unreleased,
        (None, _, true) => Scope::Latest,
        _ => Scope::All,
    };
    if args.prepend.is_some() && (args.format != Format::Markdown || args.template.is_some()) {
        bail!("--prepend writes Keep a Changelog Markdown; drop --format json and --template");
    }
    let template = match (args.format, &args.template) {
        (Format::Markdown, Some(t)) => Some(match t.parse::<BuiltinTemplate>() {
            Ok(builtin) => Template::builtin(builtin),
            Err(_) => {
                let source = std::fs::read_to_string(t)
                    .with_context(|| format!("cannot read the template {t}"))?;
                Template::new(&source).with_context(|| format!("template {t}"))?
            }
        }),
        _ => None,
    };

    // Each release is rendered as soon as the walk has cut it and its changes are dropped:
    // memory grows with the output, not with the history.
    let mut sink = match (&args.prepend, args.format, &template) {
        (Some(_), _, _) => Sink::Prepend(Vec::new()),
        (None, Format::Markdown, None) => Sink::Markdown(MarkdownDocument::new(&engine)),
        (None, _, _) => Sink::Context(Box::new(engine.context(&[]))),
    };
    cut::cut(repo.git(), &scope, &tags, &mut |cut| {
        if let Some(input) = cut::input(&cut, &tags, next.as_ref(), &scope) {
            sink.push(&engine, &input);
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| match e {
        CutError::Range(ScopeRangeError::NoRelease) => {
            anyhow::anyhow!(
                "--latest: no release tag of {} is reachable from HEAD",
                unit.id
            )
        }
        e => e.into(),
    })?;

    let text = match sink {
        Sink::Prepend(releases) => {
            let path = args
                .prepend
                .as_deref()
                .expect("the prepend sink has a path");
            let existing = match std::fs::read_to_string(path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
            };
            let done = cut::prepend(&engine, existing.as_deref(), &releases)
                .with_context(|| format!("cannot update {}", path.display()))?;
            for present in &done.already_present {
                eprintln!(
                    "note: {} already has [{}] (line {}); left as it is",
                    path.display(),
                    present.label,
                    present.line
                );
            }
            relman_release::fs::write_atomic(path, done.text)?;
            return Ok(ExitCode::SUCCESS);
        }
        Sink::Markdown(document) => document.finish(),
        Sink::Context(context) => match (&template, &args.template) {
            (Some(template), Some(t)) => template
                .render(&context)
                .with_context(|| format!("template {t}"))?,
            _ => {
                let out = ChangelogJson::from(*context);
                serde_json::to_string_pretty(&out).context("cannot serialize the changelog")? + "\n"
            }
        },
    };
    match &args.output {
        Some(path) => relman_release::fs::write_atomic(path, text)?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The unit named `name`, or whose version group has a member named `name`.
fn find<'u>(units: &'u [Unit], name: &str) -> anyhow::Result<&'u Unit> {
    units
        .iter()
        .find(|u| u.id.as_str() == name)
        .or_else(|| {
            units
                .iter()
                .find(|u| u.members.iter().any(|m| m.as_str() == name))
        })
        .with_context(|| {
            let names: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
            format!("no component {name} (components: {})", names.join(", "))
        })
}

/// Where the rendered releases go, one release at a time.
enum Sink<'e> {
    /// A Keep a Changelog document.
    Markdown(MarkdownDocument<'e>),
    /// The JSON / template context.
    Context(Box<ChangelogContext>),
    /// Sections for `--prepend`, newest first.
    Prepend(Vec<PendingRelease>),
}

impl Sink<'_> {
    fn push(&mut self, engine: &Changelog, release: &ReleaseInput<'_>) {
        match self {
            Self::Markdown(document) => document.push(release),
            Self::Context(context) => {
                let part = engine.context(std::slice::from_ref(release));
                context.releases.extend(part.releases);
                context.links.extend(part.links);
            }
            Self::Prepend(releases) => releases.push(PendingRelease::new(engine, release)),
        }
    }
}
