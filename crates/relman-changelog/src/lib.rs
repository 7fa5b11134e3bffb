//! Changelog and release-notes generation.
//!
//! `relman-changelog` groups [`relman_model`] changes into sections, renders Keep a Changelog
//! Markdown, JSON or user templates, and updates an existing `CHANGELOG.md` in place.
//!
//! It is pure: model values in, text out. It does not open repositories or read files, the
//! environment or the clock — history comes through `relman-model`'s `HistorySource` port,
//! release dates, "today" and the remote URL are given by the caller (the `relman changelog`
//! command reads them from git).
//!
//! # Map
//!
//! - [`ChangelogConfig`] (serde): sections, skip rules, issue patterns, contributors; checked
//!   by [`Changelog::new`], which also takes an optional [`Remote`](remote::Remote) for links.
//! - [`Changelog`]: [`group`](Changelog::group) changes into sections,
//!   [`render_document`](Changelog::render_document) (a whole Keep a Changelog file),
//!   [`render_release`](Changelog::render_release) (one section and its link definition),
//!   [`release_notes`](Changelog::release_notes) (a forge release body) and
//!   [`context`](Changelog::context) (the serde [`ChangelogContext`] for JSON and templates).
//! - [`template::Template`]: minijinja templates over the context, two built in.
//! - [`document`]: reads an existing `CHANGELOG.md` and inserts a release in place.
//! - [`cut`]: cuts a [`HistorySource`](relman_model::HistorySource) into releases at given
//!   release tags in one walk and renders them one release at a time
//!   ([`cut::MarkdownDocument`], the same text as `render_document`), the Keep a Changelog
//!   update of `--prepend` ([`cut::prepend`]). Which tags are releases is the caller's choice
//!   (`relman changelog` takes them from `relman-plan`'s release units).
//!
//! # Example
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use relman_changelog::{Changelog, ChangelogConfig, ReleaseInput, SectionLabel};
//! use relman_changelog::remote::Remote;
//! use relman_model::change::{Change, Person};
//!
//! let time = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
//! let ada = Person::new("Ada Park", "ada@example.org");
//! let changes = vec![
//!     Change::from_message("3f2a9c0e11".parse()?, "fix(parser): accept CRLF (#41)", ada.clone(), time),
//!     Change::from_message("77aa00bb22".parse()?, "chore: tidy", ada.clone(), time),
//!     Change::from_message("9c1d2e3f33".parse()?, "feat!: new config format", ada, time),
//! ];
//! let remote = Remote::parse("git@github.com:o/r.git")?;
//! let engine = Changelog::new(ChangelogConfig::default(), Some(remote))?;
//! let release = ReleaseInput::new(SectionLabel::version("1.0.0"), &changes)
//!     .with_tag("v1.0.0")
//!     .with_previous_tag("v0.9.0")
//!     .with_date(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
//! let rendered = engine.render_release(&release);
//! let section = &rendered.section;
//! assert!(section.starts_with("## [1.0.0] - 2026-11-28\n\n### Breaking changes\n\n\
//!     - new config format ([9c1d2e3](https://github.com/o/r/commit/9c1d2e3f33))\n"));
//! assert!(section.contains("### Fixed\n\n\
//!     - **parser**: accept CRLF ([#41](https://github.com/o/r/issues/41)) ([3f2a9c0]("));
//! assert_eq!(rendered.links[0].url, "https://github.com/o/r/compare/v0.9.0...v1.0.0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! None: the crate always depends on `regex` (skip rules, issue patterns) and `minijinja`
//! (templates).
#![forbid(unsafe_code)]

pub mod config;
pub mod context;
pub mod cut;
pub mod document;
mod engine;
pub mod json;
pub mod remote;
pub mod template;

pub use config::ChangelogConfig;
pub use context::ChangelogContext;
pub use document::SectionLabel;
pub use engine::{
    BuildChangelogError, Changelog, Group, GroupKind, Grouping, ReleaseInput, RenderedRelease,
};

/// The Rust snippets of `docs/guide/relman-changelog.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-changelog.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
