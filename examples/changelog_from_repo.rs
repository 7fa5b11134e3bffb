//! A changelog from a repository: relman-git reads the release tags and the commits since the
//! last release, relman-model decides the next version from them (Conventional Commits), and
//! relman-changelog renders the unreleased changes as Keep a Changelog Markdown, with links
//! when the `origin` remote is on a known forge.
//!
//! `cargo run --example changelog_from_repo [-- PATH]` (PATH defaults to the current
//! directory; any directory inside a work tree, or a bare repository, will do). Release tags are
//! read with the default pattern `v{version}`.
#![allow(clippy::print_stdout)]

use relman::changelog::remote::Remote;
use relman::changelog::{Changelog, ChangelogConfig, ReleaseInput, SectionLabel};
use relman::git::GitRepository;
use relman::model::{BumpPolicy, HistorySource, ReleaseChannel, Revision, next_version};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    let repo = GitRepository::open(&path)?;
    let head = Revision::head();

    // Release tags reachable from HEAD, and the tags that do not look like releases.
    let listing = repo.read_tags(&head)?;
    println!(
        "{}: {} release tag(s), {} other tag(s) ignored",
        repo.work_tree().unwrap_or(repo.git_dir()).display(),
        listing.tags.len(),
        listing.ignored.len()
    );

    // The range since the last release (the whole history when there is none).
    let (range, last) = repo.since_last_release(None, &head)?;
    let changes = repo.changes(&range)?;
    let current = last.as_ref().map(|t| &t.version);
    match &last {
        Some(tag) => println!("last release: {} ({})", tag.name, tag.version),
        None => println!("no release yet: the whole history is unreleased"),
    }

    // The next version, from the Conventional Commit types of the changes.
    let decision = BumpPolicy::default().decide(&changes, current);
    let next = next_version(current, decision.bump, &ReleaseChannel::Stable)?;
    println!(
        "{} change(s) since; bump: {}; next version: {}",
        changes.len(),
        decision.bump,
        next.map_or_else(|| "none".to_owned(), |v| v.to_string())
    );
    if let Some(cause) = decision.causes().next() {
        println!("  because of {} {}", cause.change, cause.summary);
    }

    // Links to commits, issues and the comparison, if `origin` is on a known forge.
    let remote = repo
        .remote_url("origin")?
        .and_then(|url| Remote::parse(&url).ok());
    let engine = Changelog::new(ChangelogConfig::default(), remote)?;

    let grouping = engine.group(&changes);
    let sections: Vec<String> = grouping
        .groups
        .iter()
        .map(|g| format!("{} {}", g.changes.len(), g.title))
        .collect();
    println!(
        "sections: {} ({} change(s) skipped: chores, CI, ...)\n",
        sections.join(", "),
        grouping.skipped
    );

    let mut release = ReleaseInput::new(SectionLabel::Unreleased, &changes);
    if let Some(tag) = &last {
        release = release.with_previous_tag(tag.name.clone());
    }
    print!("{}", engine.render_document(&[release]));
    Ok(())
}
