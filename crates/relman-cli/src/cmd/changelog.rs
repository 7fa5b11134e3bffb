//! `relman changelog`: a Keep a Changelog file, JSON or a template from the git history.
//!
//! `relman changelog [--repo P] [--unreleased | --latest | --range A..B] [--tag NEXT]
//! [--output F | --prepend F] [--format markdown|json] [--template F] [--config F]
//! [--component NAME]`
//!
//! - Scope: the whole history of `HEAD` (default), the changes since the last release
//!   (`--unreleased`), the latest release (`--latest`), or a revision range (`--range A..B`).
//!   Changes are split into releases at release tags (patterns from `[tags]` in the
//!   configuration, default `v{version}`; with `--component`, that component's tags).
//! - `--tag NEXT` names the unreleased changes as release NEXT, dated today.
//! - Output: stdout, `--output F`, or `--prepend F`, which inserts the new releases into an
//!   existing Keep a Changelog file in place (replacing `[Unreleased]`, keeping every other
//!   byte; releases already in the file are left alone) or writes a new file.
//! - `--format json` prints the changelog context (documented in `docs/changelog.md`);
//!   `--template F` renders a minijinja template file, or a built-in one by name
//!   (`keepachangelog`, `release-notes`).
//!
//! Exit codes: 0 success, 2 usage, configuration or repository errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{ArgGroup, Args, ValueEnum};
use relman_changelog::document::{
    ChangelogFile, InsertReleaseError, LinkTarget, NewRelease, insert_release,
};
use relman_changelog::template::{BuiltinTemplate, Template};
use relman_changelog::{Changelog, ChangelogContext, ReleaseInput, RenderedRelease, SectionLabel};
use relman_git::{GitRepository, TagPattern, WalkOptions};
use relman_model::history::VersionTag;
use relman_model::{Change, ChangeId, ComponentId, HistorySource, Revision, RevisionRange};
use serde::Serialize;

use relman_plan::config::{self, Config};

/// Arguments of `relman changelog`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("scope").args(["unreleased", "latest", "range"])))]
#[command(group(ArgGroup::new("destination").args(["output", "prepend"])))]
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
    /// Only this component's changes (its configured paths) and tags.
    #[arg(long)]
    component: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// Which changes to render.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    All,
    Unreleased,
    Latest,
    Range(RevisionRange),
}

/// One release cut from the history, owning its changes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cut {
    tag: Option<VersionTag>,
    changes: Vec<Change>,
}

/// Runs `relman changelog`.
pub fn run(args: ChangelogArgs) -> anyhow::Result<ExitCode> {
    let repo_root = args.repo.clone();
    let (mut config, source) = config::load(&repo_root, args.config.as_deref())?;
    let mut repo = GitRepository::open(&args.repo)
        .with_context(|| format!("cannot open the repository {}", args.repo.display()))?;
    config.default_remote(repo.remote_url("origin")?);
    let component = args
        .component
        .as_deref()
        .map(str::parse::<ComponentId>)
        .transpose()
        .context("invalid --component")?;
    let patterns = tag_patterns(&config, component.as_ref())
        .with_context(|| format!("invalid tag pattern in {source}"))?;
    repo.set_tag_patterns(patterns.clone());
    if let Some(c) = &component {
        let mut options = WalkOptions::default();
        options.paths = config
            .components
            .get(c.as_str())
            .map(|cc| cc.paths.clone())
            .with_context(|| format!("no component `{c}` in {source} (`[components.{c}]`)"))?;
        repo.set_walk_options(options);
    }
    let scope = match (&args.range, args.unreleased, args.latest) {
        (Some(r), _, _) => Scope::Range(r.parse().context("invalid --range")?),
        (None, true, _) => Scope::Unreleased,
        (None, _, true) => Scope::Latest,
        _ => Scope::All,
    };
    let next = match &args.tag {
        Some(tag) => Some(next_release(tag, &patterns)?),
        None => None,
    };
    let all_tags = tags_of(&repo, component.as_ref())?;
    let engine = config.changelog_engine(&source)?;
    let today = chrono::Utc::now().date_naive();
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
    cut(&repo, &scope, &all_tags, &mut |cut| {
        if let Some(input) = input(&cut, &all_tags, next.as_ref(), today, &scope) {
            sink.push(&engine, &input);
        }
        Ok(())
    })?;

    let text = match sink {
        Sink::Prepend(releases) => {
            let path = args
                .prepend
                .as_deref()
                .expect("the prepend sink has a path");
            prepend(&engine, &releases, path)?;
            return Ok(ExitCode::SUCCESS);
        }
        Sink::Markdown(document) => document.finish(),
        Sink::Context(context) => match (&template, &args.template) {
            (Some(template), Some(t)) => template
                .render(&context)
                .with_context(|| format!("template {t}"))?,
            _ => {
                let out = ChangelogOutput::from(*context);
                serde_json::to_string_pretty(&out).context("cannot serialize the changelog")? + "\n"
            }
        },
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn tag_patterns(
    config: &Config,
    component: Option<&ComponentId>,
) -> anyhow::Result<Vec<TagPattern>> {
    let mut texts: Vec<String> = config.tags.patterns.clone();
    if let Some(tag) = component.and_then(|c| {
        config
            .components
            .get(c.as_str())
            .and_then(|cc| cc.tag.clone())
    }) {
        texts.insert(0, tag);
    }
    if texts.is_empty() {
        return Ok(vec![match component {
            Some(_) => TagPattern::component_v_version(),
            None => TagPattern::v_version(),
        }]);
    }
    texts
        .iter()
        .map(|t| {
            let p: TagPattern = t.parse()?;
            Ok(match (component, p.has_component()) {
                (Some(c), false) => p.for_component(c.clone()),
                _ => p,
            })
        })
        .collect()
}

/// The version and tag of `--tag NEXT`.
fn next_release(tag: &str, patterns: &[TagPattern]) -> anyhow::Result<(String, String)> {
    if let Some((_, version)) = patterns.iter().find_map(|p| p.matches(tag)) {
        return Ok((version.to_string(), tag.to_owned()));
    }
    let bare = tag.strip_prefix('v').unwrap_or(tag);
    let version: relman_model::Version = bare
        .parse()
        .with_context(|| format!("--tag {tag} is not a release tag or a version"))?;
    Ok((version.to_string(), tag.to_owned()))
}

/// The release tags of `component` (or repository-wide ones) reachable from `HEAD`, highest
/// version first.
fn tags_of<H: HistorySource>(
    history: &H,
    component: Option<&ComponentId>,
) -> anyhow::Result<Vec<VersionTag>> {
    let mut tags: Vec<VersionTag> = history
        .version_tags(&Revision::head())
        .context("cannot read the release tags")?
        .into_iter()
        .filter(|t| t.component.as_ref() == component)
        .collect();
    tags.sort_by(|a, b| b.version.cmp(&a.version).then_with(|| a.name.cmp(&b.name)));
    Ok(tags)
}

/// Walks the scope's range once and cuts it into releases at the changes `tags` (highest
/// version first, from [`tags_of`]) point at, handing each cut to `emit` as soon as it is
/// complete, newest first (with `--latest`, only tagged cuts).
fn cut<H: HistorySource>(
    history: &H,
    scope: &Scope,
    tags: &[VersionTag],
    emit: &mut dyn FnMut(Cut) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let range = match scope {
        Scope::All => RevisionRange::default(),
        Scope::Range(r) => r.clone(),
        Scope::Unreleased => RevisionRange::new(
            tags.first()
                .map(|t| Revision::new(t.name.clone()))
                .transpose()?,
            Revision::head(),
        ),
        Scope::Latest => {
            let Some(latest) = tags.first() else {
                bail!("--latest: no release tag is reachable from HEAD");
            };
            RevisionRange::new(
                tags.get(1)
                    .map(|t| Revision::new(t.name.clone()))
                    .transpose()?,
                Revision::new(latest.name.clone())?,
            )
        }
    };
    // The highest version per tagged change (tags are sorted highest first).
    let mut by_target: HashMap<&ChangeId, &VersionTag> = HashMap::with_capacity(tags.len());
    for t in tags {
        by_target.entry(&t.target).or_insert(t);
    }
    let mut emit = |cut: Cut| -> anyhow::Result<()> {
        if *scope == Scope::Latest && cut.tag.is_none() {
            return Ok(());
        }
        emit(cut)
    };
    let mut current = Cut {
        tag: None,
        changes: Vec::new(),
    };
    let mut failed = None;
    history
        .walk(&range, &mut |change| {
            if let Some(tag) = by_target.get(&change.id) {
                let next = Cut {
                    tag: Some((*tag).clone()),
                    changes: Vec::new(),
                };
                if let Err(e) = emit(std::mem::replace(&mut current, next)) {
                    failed = Some(e);
                    return std::ops::ControlFlow::Break(());
                }
            }
            current.changes.push(change);
            std::ops::ControlFlow::Continue(())
        })
        .with_context(|| format!("cannot walk {range}"))?;
    if let Some(e) = failed {
        return Err(e);
    }
    emit(current)
}

/// All the cuts of [`cut`] at once.
#[cfg(test)]
fn collect<H: HistorySource>(
    history: &H,
    scope: &Scope,
    tags: &[VersionTag],
) -> anyhow::Result<Vec<Cut>> {
    let mut cuts = Vec::new();
    cut(history, scope, tags, &mut |c| {
        cuts.push(c);
        Ok(())
    })?;
    Ok(cuts)
}

/// Where the rendered releases go, one release at a time.
enum Sink {
    /// A Keep a Changelog document.
    Markdown(MarkdownDocument),
    /// The JSON / template context.
    Context(Box<ChangelogContext>),
    /// Sections for `--prepend`, newest first.
    Prepend(Vec<PrependRelease>),
}

/// One release rendered for `--prepend`.
struct PrependRelease {
    label: SectionLabel,
    tag: Option<String>,
    rendered: RenderedRelease,
}

impl Sink {
    fn push(&mut self, engine: &Changelog, release: &ReleaseInput<'_>) {
        match self {
            Self::Markdown(document) => document.push(engine, release),
            Self::Context(context) => {
                let part = engine.context(std::slice::from_ref(release));
                context.releases.extend(part.releases);
                context.links.extend(part.links);
            }
            Self::Prepend(releases) => releases.push(PrependRelease {
                label: release.label.clone(),
                tag: release.tag.clone(),
                rendered: engine.render_release(release),
            }),
        }
    }
}

/// [`Changelog::render_document`] written one release at a time: the same text.
struct MarkdownDocument {
    text: String,
    links: Vec<LinkTarget>,
}

impl MarkdownDocument {
    fn new(engine: &Changelog) -> Self {
        let config = engine.config();
        let mut text = format!("# {}\n\n", config.title);
        if !config.preamble.is_empty() {
            text.push_str(config.preamble.trim_end());
            text.push('\n');
        }
        Self {
            text,
            links: Vec::new(),
        }
    }

    fn push(&mut self, engine: &Changelog, release: &ReleaseInput<'_>) {
        let rendered = engine.render_release(release);
        self.text.push('\n');
        self.text.push_str(&rendered.section);
        self.links.extend(rendered.links);
    }

    fn finish(mut self) -> String {
        if !self.links.is_empty() {
            self.text.push('\n');
            for link in &self.links {
                self.text
                    .push_str(&format!("[{}]: {}\n", link.label, link.url));
            }
        }
        self.text
    }
}

/// The renderer's view of a cut: the unreleased part (named by `next` if given; `None` when
/// it is empty and not asked for) or a release with its date (its tagged change's time) and
/// previous tag (the highest lower version).
fn input<'a>(
    cut: &'a Cut,
    all_tags: &[VersionTag],
    next: Option<&(String, String)>,
    today: NaiveDate,
    scope: &Scope,
) -> Option<ReleaseInput<'a>> {
    match &cut.tag {
        None => {
            if cut.changes.is_empty() && next.is_none() && *scope != Scope::Unreleased {
                return None;
            }
            let mut input = match next {
                Some((version, tag)) => {
                    ReleaseInput::new(SectionLabel::version(version.clone()), &cut.changes)
                        .with_tag(tag.clone())
                        .with_date(today)
                }
                None => ReleaseInput::new(SectionLabel::Unreleased, &cut.changes),
            };
            if let Some(previous) = all_tags.first() {
                input = input.with_previous_tag(previous.name.clone());
            }
            Some(input)
        }
        Some(tag) => {
            let mut input =
                ReleaseInput::new(SectionLabel::version(tag.version.to_string()), &cut.changes)
                    .with_tag(tag.name.clone());
            if let Some(first) = cut.changes.first() {
                input = input.with_date(first.time.date_naive());
            }
            if let Some(previous) = all_tags.iter().find(|t| t.version < tag.version) {
                input = input.with_previous_tag(previous.name.clone());
            }
            Some(input)
        }
    }
}

/// [`input`] of each cut.
#[cfg(test)]
fn inputs<'a>(
    cuts: &'a [Cut],
    all_tags: &[VersionTag],
    next: Option<&(String, String)>,
    today: NaiveDate,
    scope: &Scope,
) -> Vec<ReleaseInput<'a>> {
    cuts.iter()
        .filter_map(|c| input(c, all_tags, next, today, scope))
        .collect()
}

/// Inserts the releases (given newest first, inserted oldest first) into the file at `path`,
/// or writes a new file.
fn prepend(engine: &Changelog, releases: &[PrependRelease], path: &Path) -> anyhow::Result<()> {
    let mut text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut document = MarkdownDocument::new(engine);
            for release in releases {
                document.text.push('\n');
                document.text.push_str(&release.rendered.section);
                document
                    .links
                    .extend(release.rendered.links.iter().cloned());
            }
            return std::fs::write(path, document.finish())
                .with_context(|| format!("cannot write {}", path.display()));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    for release in releases.iter().rev() {
        let mut links = release.rendered.links.clone();
        let file = ChangelogFile::parse(&text);
        let has_unreleased_link = file
            .links
            .iter()
            .any(|l| SectionLabel::Unreleased.matches(&l.label));
        if let (SectionLabel::Version(_), Some(tag), true, Some(remote)) = (
            &release.label,
            &release.tag,
            has_unreleased_link,
            engine.remote(),
        ) {
            links.push(LinkTarget::new(
                "Unreleased",
                remote.compare_url(tag, "HEAD"),
            ));
        }
        let new =
            NewRelease::new(release.label.clone(), &release.rendered.section).with_links(&links);
        match insert_release(&text, &new) {
            Ok(done) => text = done.text,
            Err(InsertReleaseError::AlreadyPresent { label, line }) => {
                eprintln!(
                    "note: {} already has [{label}] (line {line}); left as it is",
                    path.display()
                );
            }
            Err(e) => return Err(e).with_context(|| format!("cannot update {}", path.display())),
        }
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The JSON printed by `relman changelog --format json`: the changelog context, copied into
/// the CLI's own structs so that a library refactor cannot change it silently.
#[derive(Debug, Serialize)]
struct ChangelogOutput {
    schema_version: u32,
    title: String,
    remote: Option<String>,
    releases: Vec<ReleaseOutput>,
}

#[derive(Debug, Serialize)]
struct ReleaseOutput {
    version: Option<String>,
    tag: Option<String>,
    previous_tag: Option<String>,
    date: Option<String>,
    url: Option<String>,
    changes: usize,
    skipped: usize,
    breaking: usize,
    groups: Vec<GroupOutput>,
    contributors: Vec<ContributorOutput>,
}

#[derive(Debug, Serialize)]
struct GroupOutput {
    title: String,
    entries: Vec<EntryOutput>,
}

#[derive(Debug, Serialize)]
struct EntryOutput {
    id: String,
    commit_url: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    scope: Option<String>,
    description: String,
    breaking: bool,
    breaking_description: Option<String>,
    author: String,
    email: String,
    time: String,
    issues: Vec<IssueOutput>,
}

#[derive(Debug, Serialize)]
struct IssueOutput {
    id: String,
    url: Option<String>,
}

#[derive(Debug, Serialize)]
struct ContributorOutput {
    name: String,
    email: String,
    changes: usize,
}

impl From<ChangelogContext> for ChangelogOutput {
    fn from(c: ChangelogContext) -> Self {
        Self {
            schema_version: c.schema_version,
            title: c.title,
            remote: c.remote.map(|r| r.base().to_owned()),
            releases: c
                .releases
                .into_iter()
                .map(|r| ReleaseOutput {
                    version: r.version,
                    tag: r.tag,
                    previous_tag: r.previous_tag,
                    date: r.date.map(|d| d.format("%Y-%m-%d").to_string()),
                    url: r.url,
                    changes: r.changes,
                    skipped: r.skipped,
                    breaking: r.breaking,
                    groups: r
                        .groups
                        .into_iter()
                        .map(|g| GroupOutput {
                            title: g.title,
                            entries: g
                                .entries
                                .into_iter()
                                .map(|e| EntryOutput {
                                    id: e.id,
                                    commit_url: e.commit_url,
                                    kind: e.kind,
                                    scope: e.scope,
                                    description: e.description,
                                    breaking: e.breaking,
                                    breaking_description: e.breaking_description,
                                    author: e.author.name,
                                    email: e.author.email,
                                    time: e.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                                    issues: e
                                        .issues
                                        .into_iter()
                                        .map(|i| IssueOutput {
                                            id: i.id,
                                            url: i.url,
                                        })
                                        .collect(),
                                })
                                .collect(),
                        })
                        .collect(),
                    contributors: r
                        .contributors
                        .into_iter()
                        .map(|p| ContributorOutput {
                            name: p.name,
                            email: p.email,
                            changes: p.changes,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use relman_model::change::Person;
    use relman_model::history::MemoryHistory;

    fn history() -> MemoryHistory {
        let ada = Person::new("Ada Park", "ada@example.org");
        let mut h = MemoryHistory::new();
        let mut n = 0;
        let mut push = |h: &mut MemoryHistory, msg: &str| {
            n += 1;
            let at = Utc
                .with_ymd_and_hms(2026, 1, n, 12, 0, 0)
                .single()
                .expect("valid date");
            h.push(Change::from_message(
                format!("c{n}").parse().expect("id"),
                msg,
                ada.clone(),
                at,
            ));
        };
        push(&mut h, "feat: one");
        push(&mut h, "fix: two");
        h.tag(VersionTag::new(
            "v0.1.0",
            "c2".parse().expect("id"),
            None,
            "0.1.0".parse().expect("v"),
        ));
        push(&mut h, "feat: three");
        h.tag(VersionTag::new(
            "v0.2.0",
            "c3".parse().expect("id"),
            None,
            "0.2.0".parse().expect("v"),
        ));
        push(&mut h, "fix: four");
        h
    }

    fn labels(cuts: &[Cut]) -> Vec<(Option<&str>, Vec<&str>)> {
        cuts.iter()
            .map(|c| {
                (
                    c.tag.as_ref().map(|t| t.name.as_str()),
                    c.changes.iter().map(|c| c.summary.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn cuts_the_history_at_release_tags() {
        let h = history();
        let cuts = collect(&h, &Scope::All, &tags_of(&h, None).expect("tags")).expect("walks");
        assert_eq!(
            labels(&cuts),
            vec![
                (None, vec!["fix: four"]),
                (Some("v0.2.0"), vec!["feat: three"]),
                (Some("v0.1.0"), vec!["fix: two", "feat: one"]),
            ]
        );
        let cuts =
            collect(&h, &Scope::Unreleased, &tags_of(&h, None).expect("tags")).expect("walks");
        assert_eq!(labels(&cuts), vec![(None, vec!["fix: four"])]);
        let cuts = collect(&h, &Scope::Latest, &tags_of(&h, None).expect("tags")).expect("walks");
        assert_eq!(labels(&cuts), vec![(Some("v0.2.0"), vec!["feat: three"])]);
        let range = Scope::Range("c1..v0.2.0".parse().expect("range"));
        let cuts = collect(&h, &range, &tags_of(&h, None).expect("tags")).expect("walks");
        assert_eq!(
            labels(&cuts),
            vec![
                (None, vec![]),
                (Some("v0.2.0"), vec!["feat: three"]),
                (Some("v0.1.0"), vec!["fix: two"])
            ]
        );
    }

    #[test]
    fn inputs_carry_dates_previous_tags_and_next() {
        let h = history();
        let cuts = collect(&h, &Scope::All, &tags_of(&h, None).expect("tags")).expect("walks");
        let tags = tags_of(&h, None).expect("tags");
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).expect("date");
        let next = ("0.2.1".to_owned(), "v0.2.1".to_owned());
        let inputs = inputs(&cuts, &tags, Some(&next), today, &Scope::All);
        let view: Vec<_> = inputs
            .iter()
            .map(|i| {
                (
                    i.label.to_string(),
                    i.tag.clone(),
                    i.previous_tag.clone(),
                    i.date,
                )
            })
            .collect();
        assert_eq!(
            view,
            vec![
                (
                    "0.2.1".into(),
                    Some("v0.2.1".into()),
                    Some("v0.2.0".into()),
                    Some(today)
                ),
                (
                    "0.2.0".into(),
                    Some("v0.2.0".into()),
                    Some("v0.1.0".into()),
                    NaiveDate::from_ymd_opt(2026, 1, 3)
                ),
                (
                    "0.1.0".into(),
                    Some("v0.1.0".into()),
                    None,
                    NaiveDate::from_ymd_opt(2026, 1, 2)
                ),
            ]
        );
        assert_eq!(
            next_release("v1.3.0", &[TagPattern::v_version()]).expect("ok"),
            ("1.3.0".to_owned(), "v1.3.0".to_owned())
        );
        assert!(next_release("next", &[TagPattern::v_version()]).is_err());
    }

    /// A history of `n` changes of varied types, tagged every `every` changes.
    fn varied(n: u32, every: u32) -> MemoryHistory {
        let people = [
            Person::new("Ada Park", "ada@example.org"),
            Person::new("Bo Chen", "bo@example.org"),
        ];
        let messages = [
            "feat(api): add a route (#12)",
            "fix: close the file\n\nBREAKING CHANGE: the handle is gone",
            "chore: tidy",
            "docs: explain",
            "not conventional",
            "perf!: faster",
        ];
        let mut h = MemoryHistory::new();
        let mut version = 0;
        for i in 1..=n {
            let at = Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("valid date")
                + chrono::Duration::hours(i64::from(i));
            let id: ChangeId = format!("c{i}").parse().expect("id");
            h.push(Change::from_message(
                id.clone(),
                messages[i as usize % messages.len()],
                people[i as usize % 2].clone(),
                at,
            ));
            if i % every == 0 {
                version += 1;
                h.tag(VersionTag::new(
                    format!("v0.{version}.0"),
                    id,
                    None,
                    format!("0.{version}.0").parse().expect("v"),
                ));
            }
        }
        h
    }

    #[test]
    fn releases_rendered_one_at_a_time_make_the_whole_document() {
        let remote = relman_changelog::remote::Remote::parse("https://github.com/o/r").ok();
        let engine = Changelog::new(Default::default(), remote).expect("engine");
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).expect("date");
        let next = ("9.0.0".to_owned(), "v9.0.0".to_owned());
        for (n, every) in [(1, 1), (5, 2), (12, 3), (30, 7), (8, 100)] {
            let h = varied(n, every);
            let tags = tags_of(&h, None).expect("tags");
            let mut scopes = vec![
                Scope::All,
                Scope::Unreleased,
                Scope::Range(format!("c1..c{n}").parse().expect("range")),
            ];
            if !tags.is_empty() {
                scopes.push(Scope::Latest);
            }
            for scope in &scopes {
                for next in [None, Some(&next)] {
                    let cuts = collect(&h, scope, &tags).expect("walks");
                    let releases = inputs(&cuts, &tags, next, today, scope);
                    let mut markdown = Sink::Markdown(MarkdownDocument::new(&engine));
                    let mut context = Sink::Context(Box::new(engine.context(&[])));
                    cut(&h, scope, &tags, &mut |c| {
                        if let Some(i) = input(&c, &tags, next, today, scope) {
                            markdown.push(&engine, &i);
                            context.push(&engine, &i);
                        }
                        Ok(())
                    })
                    .expect("walks");
                    let (Sink::Markdown(markdown), Sink::Context(context)) = (markdown, context)
                    else {
                        panic!("the sinks keep their kind");
                    };
                    let case = format!("{n} changes, a tag every {every}, {scope:?}, {next:?}");
                    assert_eq!(
                        markdown.finish(),
                        engine.render_document(&releases),
                        "{case}"
                    );
                    assert_eq!(*context, engine.context(&releases), "{case}");
                }
            }
        }
    }
}
