//! The changelog settings: sections, skip rules, links and contributors.
//!
//! [`ChangelogConfig`] is plain serde data (the `[changelog]` table of `relman.toml`, see
//! `docs/configuration.md`); [`Changelog::new`](crate::Changelog::new) checks it (compiles its
//! regular expressions) and names the key at fault when something is wrong.
//!
//! # Defaults (Keep a Changelog)
//!
//! | section | commit types | footer tokens |
//! |---|---|---|
//! | Added | `feat` | |
//! | Changed | `perf`, `refactor` | |
//! | Deprecated | `deprecate`, `deprecated`, `deprecation` | `Deprecated`, `Deprecates` |
//! | Removed | `remove`, `removed`, `removal` | `Removed`, `Removes` |
//! | Fixed | `fix` | |
//! | Security | `security`, `sec` | `Security`, `CVE` |
//!
//! A footer match wins over a type match (a `fix` with a `Security:` footer is listed under
//! Security). Types and footer tokens compare case-insensitively. `chore`, `ci`, `style` and
//! `test` are skipped; other conventional types (`docs`, `build`, `revert`, ...) and messages
//! that are not Conventional Commits go to "Other". Breaking changes are never skipped by
//! type or scope rules (only by a message pattern) and are listed in a "Breaking changes"
//! section before all others, whatever their type ([`BreakingPlacement`]).

use serde::{Deserialize, Serialize};

/// Everything the changelog engine can be told.
///
/// TOML (every key optional; defaults shown in `docs/configuration.md`):
/// ```toml
/// [changelog]
/// title = "Changelog"
/// breaking = "section"           # or "section_and_type", "type"
/// breaking_title = "Breaking changes"
/// other_types = "other"          # or "skip"
/// non_conventional = "other"     # or "skip"
/// filter_unconventional = false  # git-cliff's name: true is non_conventional = "skip"
/// other_title = "Other"
/// commit_links = true
/// collapse_dependency_updates = true
/// stable_includes_prereleases = true
/// [[changelog.sections]]
/// title = "Added"
/// types = ["feat"]
/// [changelog.skip]
/// types = ["chore", "ci", "style", "test"]
/// scopes = ["release"]
/// messages = ["^Merge "]
/// [[changelog.issues]]
/// pattern = "\\B#(\\d+)\\b"
/// [changelog.contributors]
/// exclude = ["\\[bot\\]$"]
/// line = true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ChangelogConfig {
    /// The `# ` title of a new changelog file.
    pub title: String,
    /// The text under the title of a new changelog file (Markdown).
    pub preamble: String,
    /// The sections, in output order.
    pub sections: Vec<SectionRule>,
    /// What to leave out.
    pub skip: SkipRules,
    /// Where breaking changes are listed (default: a "Breaking changes" section first).
    pub breaking: BreakingPlacement,
    /// The title of the breaking-changes section.
    pub breaking_title: String,
    /// Where conventional commits whose type no section lists go.
    pub other_types: Placement,
    /// Where messages that are not Conventional Commits go (default: "Other").
    pub non_conventional: Placement,
    /// git-cliff's name for the same choice: `true` leaves messages that are not Conventional
    /// Commits out (as `non_conventional = "skip"`), `false` lists them (as `"other"`).
    /// Contradicting `non_conventional = "skip"` with `false` is an error.
    pub filter_unconventional: Option<bool>,
    /// The title of the section for [`Placement::Other`] changes.
    pub other_title: String,
    /// Whether entries end with a link to their commit (`([3f2a9c0](url))`).
    pub commit_links: bool,
    /// Whether dependency updates are counted in one line of "Other" ("12 dependency
    /// updates") instead of listed one by one: `build`, `chore`, `fix` or `deps` commits scoped
    /// `deps`, `deps-dev`, `dev-deps` or `dependencies`, and commits by dependabot or renovate.
    /// Breaking ones are still listed.
    pub collapse_dependency_updates: bool,
    /// Whether a stable release after pre-releases (`1.0.0` after `1.0.0-rc.1`) lists every
    /// change since the previous stable release, its pre-releases' included, and compares with
    /// that release (see [`PrereleaseChanges`](crate::cut::PrereleaseChanges)).
    pub stable_includes_prereleases: bool,
    /// Issue-reference patterns, tried in order on each description.
    pub issues: Vec<IssuePattern>,
    /// Who is credited.
    pub contributors: ContributorRules,
}

/// A changelog section and the changes it collects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRule {
    /// The heading, e.g. `Added`.
    pub title: String,
    /// Commit types collected here (case-insensitive).
    #[serde(default)]
    pub types: Vec<String>,
    /// Footer tokens that send a change here whatever its type (case-insensitive).
    #[serde(default)]
    pub footers: Vec<String>,
}

impl SectionRule {
    /// A section collecting `types`.
    pub fn new(title: impl Into<String>, types: &[&str]) -> Self {
        Self {
            title: title.into(),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
            footers: Vec::new(),
        }
    }

    /// The same section, also collecting changes with one of the footer `tokens`.
    #[must_use]
    pub fn with_footers(mut self, tokens: &[&str]) -> Self {
        self.footers = tokens.iter().map(|t| (*t).to_owned()).collect();
        self
    }
}

/// Changes to leave out of the changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkipRules {
    /// Commit types to skip (case-insensitive); breaking changes are kept.
    pub types: Vec<String>,
    /// Scopes to skip (exact); breaking changes are kept.
    pub scopes: Vec<String>,
    /// Regular expressions (Rust `regex` syntax) matched against the summary line; a match
    /// skips the change, breaking or not (default: `^Merge `).
    pub messages: Vec<String>,
}

impl Default for SkipRules {
    fn default() -> Self {
        Self {
            types: ["chore", "ci", "style", "test"].map(str::to_owned).to_vec(),
            scopes: Vec::new(),
            // Merge commits are not walked, but squashed or rebased ones keep the message.
            messages: vec!["^Merge ".to_owned()],
        }
    }
}

/// Where changes that no section claims go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Leave them out.
    Skip,
    /// List them in the "Other" section (titled by [`ChangelogConfig::other_title`]).
    #[default]
    Other,
}

/// Where breaking changes (`!`, `BREAKING CHANGE:` or `BREAKING-CHANGE:` footers) are listed.
///
/// TOML: `breaking = "section"`, `"section_and_type"` or `"type"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BreakingPlacement {
    /// In their own section (titled by [`ChangelogConfig::breaking_title`]) before all others,
    /// whatever their type, and nowhere else.
    #[default]
    Section,
    /// In their own section first, and again (marked `**BREAKING**`) in their type's section.
    SectionAndType,
    /// Only in their type's section, first and marked `**BREAKING**` (unknown types: "Other").
    Type,
}

/// An issue-reference pattern and where it links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuePattern {
    /// A regular expression (Rust `regex` syntax) found in descriptions, e.g. `\B#(\d+)\b`
    /// or `\b([A-Z][A-Z0-9]+-\d+)\b`.
    pub pattern: String,
    /// The link, with `{0}` (the whole match), `{1}`..`{9}` (groups) and `{remote}` (the
    /// repository's web URL) replaced. Without it, group 1 links to the forge's issue page
    /// (and nothing is linked when there is no remote).
    #[serde(default)]
    pub url: Option<String>,
}

impl Default for IssuePattern {
    fn default() -> Self {
        Self {
            pattern: r"\B#(\d+)\b".to_owned(),
            url: None,
        }
    }
}

/// Who is credited in release notes and the context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContributorRules {
    /// Regular expressions matched against author names and e-mail addresses; a match leaves
    /// the author out (the default leaves out `...[bot]` accounts).
    pub exclude: Vec<String>,
    /// Whether each release of the changelog ends with a `Contributors: Ada Park, Bo Chen`
    /// line (release notes always list them).
    pub line: bool,
}

impl Default for ContributorRules {
    fn default() -> Self {
        Self {
            exclude: vec![r"\[bot\]$".to_owned(), r"\[bot\]@".to_owned()],
            line: true,
        }
    }
}

impl ChangelogConfig {
    /// What a stable release after pre-releases lists, from
    /// [`Self::stable_includes_prereleases`]: give it to
    /// [`ReleaseTags::with_prerelease_changes`](crate::cut::ReleaseTags::with_prerelease_changes).
    pub fn prerelease_changes(&self) -> crate::cut::PrereleaseChanges {
        if self.stable_includes_prereleases {
            crate::cut::PrereleaseChanges::AlsoInStable
        } else {
            crate::cut::PrereleaseChanges::OwnOnly
        }
    }

    /// Where messages that are not Conventional Commits go: [`Self::filter_unconventional`]
    /// when set, else [`Self::non_conventional`].
    pub fn unconventional_placement(&self) -> Placement {
        match self.filter_unconventional {
            Some(true) => Placement::Skip,
            Some(false) => Placement::Other,
            None => self.non_conventional,
        }
    }
}

/// The preamble of the Keep a Changelog format.
pub const DEFAULT_PREAMBLE: &str = "All notable changes to this project are documented in this file.\n\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\nand this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).";

impl Default for ChangelogConfig {
    fn default() -> Self {
        Self {
            title: "Changelog".to_owned(),
            preamble: DEFAULT_PREAMBLE.to_owned(),
            sections: vec![
                SectionRule::new("Added", &["feat"]),
                SectionRule::new("Changed", &["perf", "refactor"]),
                SectionRule::new("Deprecated", &["deprecate", "deprecated", "deprecation"])
                    .with_footers(&["Deprecated", "Deprecates"]),
                SectionRule::new("Removed", &["remove", "removed", "removal"])
                    .with_footers(&["Removed", "Removes"]),
                SectionRule::new("Fixed", &["fix"]),
                SectionRule::new("Security", &["security", "sec"])
                    .with_footers(&["Security", "CVE"]),
            ],
            skip: SkipRules::default(),
            breaking: BreakingPlacement::Section,
            breaking_title: "Breaking changes".to_owned(),
            other_types: Placement::Other,
            non_conventional: Placement::Other,
            filter_unconventional: None,
            other_title: "Other".to_owned(),
            commit_links: true,
            collapse_dependency_updates: true,
            stable_includes_prereleases: true,
            issues: vec![IssuePattern::default()],
            contributors: ContributorRules::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_defaults_fill_missing_keys_and_unknown_keys_fail() {
        let c: ChangelogConfig =
            serde_json::from_str(r#"{"skip": {"scopes": ["release"]}}"#).expect("parses");
        assert_eq!(c.skip.scopes, ["release"]);
        assert_eq!(c.skip.types, SkipRules::default().types);
        assert_eq!(c.sections, ChangelogConfig::default().sections);
        let err = serde_json::from_str::<ChangelogConfig>(r#"{"skip": {"type": []}}"#)
            .expect_err("unknown key");
        assert!(err.to_string().contains("unknown field `type`"), "{err}");
        let err = serde_json::from_str::<ChangelogConfig>(r#"{"other_types": "drop"}"#)
            .expect_err("bad value");
        assert!(err.to_string().contains("unknown variant `drop`"), "{err}");
    }
}
