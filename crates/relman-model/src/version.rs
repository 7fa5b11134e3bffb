//! Versions, bumps and the policy that decides the next version from changes.
//!
//! - [`Bump`]: none < patch < minor < major.
//! - [`BumpPolicy`]: decides the bump of a set of [`Change`]s and returns it with its evidence
//!   ([`BumpDecision`]): which change asked for which bump, and why ([`BumpReason`]). Its
//!   [`Default`] follows Cargo's compatibility rules.
//! - [`next_version`]: applies a bump to the current [`Version`] on the stable line or on a
//!   pre-release [`Channel`] (start, continue, switch, promote).
//!
//! # The default policy
//!
//! Each change gets a *semantic* bump: a breaking Conventional Commit (of any type, by `!` or by
//! a `BREAKING CHANGE`/`BREAKING-CHANGE` footer) is major; otherwise the type decides through
//! [`BumpPolicy::types`] (`feat` → minor, `fix` and `perf` → patch), other types give
//! [`BumpPolicy::other_types`] (none), and messages that are not Conventional Commits give
//! [`BumpPolicy::non_conventional`] (none). The semantic bump is then *applied* to the current
//! version: from `1.0.0` on it is used as is; in `0.y.z` (Cargo's rules, where `y` acts as the
//! major) a major bump becomes minor and a minor or patch bump becomes patch. The options
//! [`ZeroBreaking::BumpMajor`] (breaking changes go to `1.0.0`) and
//! [`ZeroFeatures::BumpMinor`] (features bump the minor in `0.x`) change that, as release-plz
//! and git-cliff offer. The bump of a set of changes is the maximum of their bumps.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use relman_model::change::{Change, Person};
//! use relman_model::version::{Bump, BumpPolicy, ReleaseChannel, Version, next_version};
//!
//! let at = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
//! let ada = Person::new("Ada Park", "ada@example.org");
//! let changes = [
//!     Change::from_message("c1".parse()?, "fix: handle empty tags", ada.clone(), at),
//!     Change::from_message("c2".parse()?, "feat(cli): add `relman bump`", ada, at),
//! ];
//! let current = Version::new(1, 2, 3);
//! let decision = BumpPolicy::default().decide(&changes, Some(&current));
//! assert_eq!(decision.bump, Bump::Minor);
//! assert_eq!(decision.evidence[1].change.as_str(), "c2");
//!
//! let rc = ReleaseChannel::pre("rc")?;
//! let next = next_version(Some(&current), decision.bump, &rc)?;
//! assert_eq!(next, Some(Version::parse("1.3.0-rc.1")?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

pub use semver::Version;
use semver::{BuildMetadata, Prerelease};
use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::commit::{BreakingSource, CommitType};
use crate::id::ChangeId;

/// How much a version moves: none < patch < minor < major.
///
/// JSON: `"none"`, `"patch"`, `"minor"` or `"major"`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// No release needed.
    #[default]
    None,
    /// `x.y.Z`: bug fixes.
    Patch,
    /// `x.Y.0`: compatible features.
    Minor,
    /// `X.0.0`: breaking changes.
    Major,
}

impl Bump {
    /// All bumps, lowest first.
    pub const ALL: [Bump; 4] = [Bump::None, Bump::Patch, Bump::Minor, Bump::Major];

    /// The name used by `Display`, `FromStr` and serde.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// Applies the bump to the release `version.major.minor.patch` of `version` (pre-release and
    /// build metadata are dropped): `1.2.3` gives `2.0.0`, `1.3.0`, `1.2.4` or `1.2.3`. No
    /// 0.x rule here: `Major` on `0.4.1` gives `1.0.0` (see [`BumpPolicy`] for Cargo's rules).
    /// Saturates at `u64::MAX` instead of overflowing.
    pub fn apply(self, version: &Version) -> Version {
        let (major, minor, patch) = (version.major, version.minor, version.patch);
        match self {
            Bump::None => Version::new(major, minor, patch),
            Bump::Patch => Version::new(major, minor, patch.saturating_add(1)),
            Bump::Minor => Version::new(major, minor.saturating_add(1), 0),
            Bump::Major => Version::new(major.saturating_add(1), 0, 0),
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Returned by [`Bump`]'s `FromStr` for a name other than `none`, `patch`, `minor`, `major`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid bump {value:?}: expected none, patch, minor or major")]
pub struct ParseBumpError {
    /// The rejected input.
    pub value: String,
}

impl FromStr for Bump {
    type Err = ParseBumpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bump::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| ParseBumpError {
                value: s.to_owned(),
            })
    }
}

/// What a major (breaking) bump becomes while the version is `0.y.z`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroBreaking {
    /// `0.y.z` → `0.(y+1).0` (Cargo's rules; the default).
    #[default]
    BumpMinor,
    /// `0.y.z` → `1.0.0` (git-cliff's `breaking_always_bump_major`).
    BumpMajor,
}

/// What a minor (feature) bump becomes while the version is `0.y.z`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroFeatures {
    /// `0.y.z` → `0.y.(z+1)` (Cargo's rules; the default).
    #[default]
    BumpPatch,
    /// `0.y.z` → `0.(y+1).0` (git-cliff's `features_always_bump_minor`).
    BumpMinor,
}

/// Decides the bump of a set of changes (see the module docs for the rules).
///
/// Build it from [`Default`] (Cargo's rules) and adjust the fields. JSON/TOML shape (every field
/// optional when deserializing, defaults shown):
/// ```json
/// {"types": {"feat": "minor", "fix": "patch", "perf": "patch"}, "other_types": "none",
///  "non_conventional": "none", "zero_breaking": "bump_minor", "zero_features": "bump_patch"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BumpPolicy {
    /// Semantic bump per commit type for commits that are not breaking. Types match keys
    /// case-insensitively (`Feat` finds `feat`; write keys in lowercase to avoid two keys that
    /// differ only in case, where the lowercase one wins).
    pub types: BTreeMap<String, Bump>,
    /// Semantic bump of a non-breaking commit whose type is not in `types`.
    pub other_types: Bump,
    /// Semantic bump of a message that is not a Conventional Commit (release-plz counts them as
    /// patch; the default counts them as nothing).
    pub non_conventional: Bump,
    /// What a major bump becomes in `0.y.z`.
    pub zero_breaking: ZeroBreaking,
    /// What a minor bump becomes in `0.y.z`.
    pub zero_features: ZeroFeatures,
}

impl Default for BumpPolicy {
    fn default() -> Self {
        Self {
            types: [
                ("feat".to_owned(), Bump::Minor),
                ("fix".to_owned(), Bump::Patch),
                ("perf".to_owned(), Bump::Patch),
            ]
            .into(),
            other_types: Bump::None,
            non_conventional: Bump::None,
            zero_breaking: ZeroBreaking::default(),
            zero_features: ZeroFeatures::default(),
        }
    }
}

/// Why a change asks for its bump; part of [`BumpEvidence`].
///
/// JSON: `{"breaking": {"source": "bang"}}`, `{"type": {"type": "feat"}}`,
/// `{"other_type": {"type": "docs"}}` or `"not_conventional"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BumpReason {
    /// A breaking Conventional Commit.
    Breaking {
        /// Where the breaking change was declared.
        source: BreakingSource,
    },
    /// The commit type is in [`BumpPolicy::types`].
    Type {
        /// The commit type.
        #[serde(rename = "type")]
        kind: CommitType,
    },
    /// The commit type is not in [`BumpPolicy::types`]: [`BumpPolicy::other_types`] applies.
    OtherType {
        /// The commit type.
        #[serde(rename = "type")]
        kind: CommitType,
    },
    /// The message is not a Conventional Commit: [`BumpPolicy::non_conventional`] applies.
    NotConventional,
}

/// One change's part in a [`BumpDecision`].
///
/// JSON: `{"change": "c2", "summary": "feat: x", "semantic": "minor", "bump": "patch",
/// "reason": {"type": {"type": "feat"}}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BumpEvidence {
    /// The change.
    pub change: ChangeId,
    /// Its summary line.
    pub summary: String,
    /// The bump its kind asks for, before the `0.y.z` rules.
    pub semantic: Bump,
    /// The bump it causes on the current version (after the `0.y.z` rules).
    pub bump: Bump,
    /// Why.
    pub reason: BumpReason,
}

/// The bump of a set of changes and the evidence for it; returned by [`BumpPolicy::decide`].
///
/// JSON: `{"bump": "minor", "evidence": [BumpEvidence, ...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BumpDecision {
    /// The maximum of the changes' bumps ([`Bump::None`] for no changes).
    pub bump: Bump,
    /// Every change that asks for a bump (other than none), in input order.
    pub evidence: Vec<BumpEvidence>,
}

impl BumpDecision {
    /// The evidence of the changes whose bump equals the decision: those that caused it.
    pub fn causes(&self) -> impl Iterator<Item = &BumpEvidence> {
        self.evidence.iter().filter(move |e| e.bump == self.bump)
    }
}

impl BumpPolicy {
    /// The semantic bump of one change and why (before the `0.y.z` rules).
    pub fn classify(&self, change: &Change) -> (Bump, BumpReason) {
        match &change.commit {
            None => (self.non_conventional, BumpReason::NotConventional),
            Some(commit) => {
                if let Some(breaking) = &commit.breaking {
                    return (
                        Bump::Major,
                        BumpReason::Breaking {
                            source: breaking.source,
                        },
                    );
                }
                let kind = commit.kind.clone();
                let mapped = self.types.get(&commit.kind.to_lowercase()).or_else(|| {
                    self.types
                        .iter()
                        .find(|(name, _)| commit.kind.is(name))
                        .map(|(_, bump)| bump)
                });
                match mapped {
                    Some(bump) => (*bump, BumpReason::Type { kind }),
                    None => (self.other_types, BumpReason::OtherType { kind }),
                }
            }
        }
    }

    /// What a semantic bump becomes on `current` (the `0.y.z` rules; `None` = first release,
    /// where bumps are used as is).
    pub fn effective(&self, semantic: Bump, current: Option<&Version>) -> Bump {
        let initial_development = current.is_some_and(|v| v.major == 0);
        if !initial_development {
            return semantic;
        }
        match semantic {
            Bump::Major => match self.zero_breaking {
                ZeroBreaking::BumpMinor => Bump::Minor,
                ZeroBreaking::BumpMajor => Bump::Major,
            },
            Bump::Minor => match self.zero_features {
                ZeroFeatures::BumpPatch => Bump::Patch,
                ZeroFeatures::BumpMinor => Bump::Minor,
            },
            other => other,
        }
    }

    /// The bump of `changes` on `current`: the maximum of the changes' effective bumps, with
    /// the evidence of every change that asks for one.
    pub fn decide<'a>(
        &self,
        changes: impl IntoIterator<Item = &'a Change>,
        current: Option<&Version>,
    ) -> BumpDecision {
        let mut decision = BumpDecision {
            bump: Bump::None,
            evidence: Vec::new(),
        };
        for change in changes {
            let (semantic, reason) = self.classify(change);
            let bump = self.effective(semantic, current);
            if bump == Bump::None {
                continue;
            }
            decision.bump = decision.bump.max(bump);
            decision.evidence.push(BumpEvidence {
                change: change.id.clone(),
                summary: change.summary.clone(),
                semantic,
                bump,
                reason,
            });
        }
        decision
    }
}

/// A pre-release channel such as `alpha`, `beta` or `rc`: an ASCII letter followed by ASCII
/// letters, digits or `-`. Versions on it look like `1.3.0-rc.2`. JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Channel(String);

/// Returned by [`Channel::new`] for a name that cannot be a pre-release channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid pre-release channel {value:?}: expected an ASCII letter followed by letters, digits or '-'"
)]
pub struct ParseChannelError {
    /// The rejected input.
    pub value: String,
}

impl Channel {
    /// Validates `name` as a channel.
    ///
    /// # Errors
    ///
    /// [`ParseChannelError`] when `name` is empty, does not start with an ASCII letter or holds
    /// other characters than ASCII letters, digits and `-`.
    pub fn new(name: impl Into<String>) -> Result<Self, ParseChannelError> {
        let value = name.into();
        let ok = value.starts_with(|c: char| c.is_ascii_alphabetic())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(Self(value))
        } else {
            Err(ParseChannelError { value })
        }
    }

    /// The channel name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Channel {
    type Err = ParseChannelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Channel {
    type Error = ParseChannelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<Channel> for String {
    fn from(c: Channel) -> String {
        c.0
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// Where the next version goes: the stable line or a pre-release channel.
///
/// JSON: `"stable"` or `{"pre": "rc"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseChannel {
    /// A stable release (`1.3.0`); promotes a pre-release.
    #[default]
    Stable,
    /// A pre-release on the channel (`1.3.0-rc.1`).
    Pre(Channel),
}

impl ReleaseChannel {
    /// A pre-release channel named `name`.
    ///
    /// # Errors
    ///
    /// [`ParseChannelError`] as [`Channel::new`].
    pub fn pre(name: &str) -> Result<Self, ParseChannelError> {
        Channel::new(name).map(ReleaseChannel::Pre)
    }
}

/// Returned by [`next_version`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BumpVersionError {
    /// The current pre-release is not of the form `channel` or `channel.N`.
    #[error("pre-release {current} is not of the form <channel> or <channel>.<number>")]
    UnsupportedPreRelease {
        /// The current version.
        current: Version,
    },
    /// Moving to the channel would give a version that does not come after the current one,
    /// e.g. from `1.3.0-rc.1` to `beta`.
    #[error("channel {channel} would go back from {current} to {candidate}")]
    ChannelGoesBack {
        /// The current version.
        current: Version,
        /// The requested channel.
        channel: Channel,
        /// The version the channel would give.
        candidate: Version,
    },
}

/// The version of a first release (nothing released yet, no current version): `0.1.0`.
///
/// A project whose manifest holds a version that was never released may release that version
/// as is instead, or, as the synthetic histories of `make-history.py` do, treat the manifest
/// version as the current one and bump from it.
pub const FIRST_VERSION: Version = Version::new(0, 1, 0);

/// The level a pre-release's release version already covers: `1.0.0-rc.1` is a major release,
/// `1.3.0-rc.1` a minor one, `1.2.4-rc.1` a patch.
fn covered(base: &Version) -> Bump {
    match (base.minor, base.patch) {
        (0, 0) => Bump::Major,
        (_, 0) => Bump::Minor,
        _ => Bump::Patch,
    }
}

fn with_pre(base: &Version, channel: &Channel, number: u64) -> Version {
    let mut v = base.clone();
    v.pre = Prerelease::new(&format!("{channel}.{number}"))
        .expect("a validated channel and a number form a valid pre-release");
    v.build = BuildMetadata::EMPTY;
    v
}

/// Splits `rc.2` into (`rc`, 2) and `alpha` into (`alpha`, 0).
fn split_pre(pre: &Prerelease) -> Option<(Channel, u64)> {
    let (name, number) = match pre.as_str().split_once('.') {
        Some((name, number)) => (name, number.parse().ok()?),
        None => (pre.as_str(), 0),
    };
    Some((Channel::new(name).ok()?, number))
}

/// The next version after `current` for an (effective) `bump` on `channel`; `Ok(None)` when
/// there is nothing to release (a stable `current` and [`Bump::None`]).
///
/// - No current version: [`FIRST_VERSION`], or `0.1.0-<channel>.1`.
/// - Stable `current`: `bump` applied (`1.2.3` + minor → `1.3.0`); on a channel the result
///   starts it (`1.2.3` + minor + `rc` → `1.3.0-rc.1`).
/// - Pre-release `current` (`1.3.0-rc.1`): its release version `1.3.0` already covers a minor
///   bump; a larger `bump` moves to a new version (`2.0.0`, or `2.0.0-<channel>.1`). Otherwise
///   stable promotes (`1.3.0-rc.2` → `1.3.0`), the same channel continues (`-rc.1` → `-rc.2`)
///   and another channel switches (`-beta.2` → `-rc.1`) — but never backwards.
///
/// Build metadata is dropped. The result is always greater than `current`.
///
/// # Errors
///
/// [`BumpVersionError::UnsupportedPreRelease`] when `current`'s pre-release is not
/// `channel[.N]`; [`BumpVersionError::ChannelGoesBack`] when the channel sorts before the current
/// one (`rc` → `beta`).
pub fn next_version(
    current: Option<&Version>,
    bump: Bump,
    channel: &ReleaseChannel,
) -> Result<Option<Version>, BumpVersionError> {
    let Some(current) = current else {
        return Ok(Some(match channel {
            ReleaseChannel::Stable => FIRST_VERSION,
            ReleaseChannel::Pre(ch) => with_pre(&FIRST_VERSION, ch, 1),
        }));
    };
    let base = Bump::None.apply(current);
    if current.pre.is_empty() {
        if bump == Bump::None {
            return Ok(None);
        }
        let target = bump.apply(&base);
        return Ok(Some(match channel {
            ReleaseChannel::Stable => target,
            ReleaseChannel::Pre(ch) => with_pre(&target, ch, 1),
        }));
    }
    let (current_channel, number) =
        split_pre(&current.pre).ok_or_else(|| BumpVersionError::UnsupportedPreRelease {
            current: current.clone(),
        })?;
    let target = if bump <= covered(&base) {
        base.clone()
    } else {
        bump.apply(&base)
    };
    let ReleaseChannel::Pre(ch) = channel else {
        return Ok(Some(target));
    };
    let candidate = if target != base {
        with_pre(&target, ch, 1)
    } else if *ch == current_channel {
        with_pre(&base, ch, number.saturating_add(1))
    } else {
        with_pre(&base, ch, 1)
    };
    if candidate <= *current {
        return Err(BumpVersionError::ChannelGoesBack {
            current: current.clone(),
            channel: ch.clone(),
            candidate,
        });
    }
    Ok(Some(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect("valid version")
    }

    fn next(current: Option<&str>, bump: Bump, channel: Option<&str>) -> Option<String> {
        let channel = channel.map_or(ReleaseChannel::Stable, |c| {
            ReleaseChannel::pre(c).expect("valid channel")
        });
        next_version(current.map(v).as_ref(), bump, &channel)
            .expect("no error")
            .map(|v| v.to_string())
    }

    #[test]
    fn bump_names_round_trip_and_order() {
        for b in Bump::ALL {
            assert_eq!(b.to_string().parse::<Bump>(), Ok(b));
            assert_eq!(
                serde_json::to_string(&b).expect("serializes"),
                format!("\"{b}\"")
            );
        }
        assert!(Bump::None < Bump::Patch && Bump::Patch < Bump::Minor && Bump::Minor < Bump::Major);
        assert_eq!(
            "huge".parse::<Bump>().unwrap_err().to_string(),
            "invalid bump \"huge\": expected none, patch, minor or major"
        );
    }

    #[test]
    fn pre_release_channels() {
        use Bump::*;
        assert_eq!(
            next(Some("1.2.3"), Minor, Some("rc")).as_deref(),
            Some("1.3.0-rc.1")
        );
        assert_eq!(
            next(Some("1.3.0-rc.1"), Patch, Some("rc")).as_deref(),
            Some("1.3.0-rc.2")
        );
        assert_eq!(
            next(Some("1.3.0-rc.1"), None, Some("rc")).as_deref(),
            Some("1.3.0-rc.2")
        );
        assert_eq!(
            next(Some("1.3.0-beta.2"), Minor, Some("rc")).as_deref(),
            Some("1.3.0-rc.1")
        );
        assert_eq!(
            next(Some("1.3.0-rc.2"), None, Option::None).as_deref(),
            Some("1.3.0")
        );
        assert_eq!(
            next(Some("1.3.0-rc.2"), Minor, Option::None).as_deref(),
            Some("1.3.0")
        );
        assert_eq!(
            next(Some("1.3.0-rc.2"), Major, Option::None).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            next(Some("1.3.0-rc.2"), Major, Some("rc")).as_deref(),
            Some("2.0.0-rc.1")
        );
        assert_eq!(
            next(Some("1.2.4-alpha"), Patch, Some("alpha")).as_deref(),
            Some("1.2.4-alpha.1")
        );
        assert_eq!(
            next(Some("1.2.3+build.5"), Patch, Option::None).as_deref(),
            Some("1.2.4")
        );
        assert_eq!(next(Some("1.2.3"), None, Option::None), Option::None);
        assert_eq!(
            next(Option::None, None, Option::None).as_deref(),
            Some("0.1.0")
        );
        assert_eq!(
            next(Option::None, Minor, Some("beta")).as_deref(),
            Some("0.1.0-beta.1")
        );
    }

    #[test]
    fn channel_errors_are_typed() {
        let rc2 = v("1.3.0-rc.2");
        let beta = ReleaseChannel::pre("beta").expect("valid");
        assert!(matches!(
            next_version(Some(&rc2), Bump::Patch, &beta),
            Err(BumpVersionError::ChannelGoesBack { .. })
        ));
        let odd = v("1.3.0-rc.x");
        assert!(matches!(
            next_version(Some(&odd), Bump::Patch, &beta),
            Err(BumpVersionError::UnsupportedPreRelease { .. })
        ));
        assert!(Channel::new("1rc").is_err());
        assert!(Channel::new("").is_err());
        assert!(Channel::new("rc.1").is_err());
    }

    #[test]
    fn zero_x_rules_and_options() {
        let policy = BumpPolicy::default();
        let zero = v("0.4.1");
        let one = v("1.4.1");
        assert_eq!(policy.effective(Bump::Major, Some(&zero)), Bump::Minor);
        assert_eq!(policy.effective(Bump::Minor, Some(&zero)), Bump::Patch);
        assert_eq!(policy.effective(Bump::Patch, Some(&zero)), Bump::Patch);
        assert_eq!(policy.effective(Bump::Minor, Some(&one)), Bump::Minor);
        let cliff = BumpPolicy {
            zero_breaking: ZeroBreaking::BumpMajor,
            zero_features: ZeroFeatures::BumpMinor,
            ..BumpPolicy::default()
        };
        assert_eq!(cliff.effective(Bump::Major, Some(&zero)), Bump::Major);
        assert_eq!(cliff.effective(Bump::Minor, Some(&zero)), Bump::Minor);
        assert_eq!(Bump::Major.apply(&zero), v("1.0.0"));
    }

    #[test]
    fn policy_json_shape_and_partial_config() {
        let json = serde_json::to_value(BumpPolicy::default()).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "types": {"feat": "minor", "fix": "patch", "perf": "patch"},
                "other_types": "none", "non_conventional": "none",
                "zero_breaking": "bump_minor", "zero_features": "bump_patch"
            })
        );
        let p: BumpPolicy = serde_json::from_str(
            r#"{"non_conventional": "patch", "types": {"Refactor": "patch"}}"#,
        )
        .expect("partial");
        let at = chrono::DateTime::<chrono::Utc>::default();
        let who = crate::change::Person::new("a", "b");
        let id: crate::id::ChangeId = "c".parse().expect("valid id");
        let refactor = Change::from_message(id.clone(), "refactor: x", who.clone(), at);
        let feat = Change::from_message(id, "FEAT: x", who, at);
        assert_eq!(p.classify(&refactor).0, Bump::Patch);
        assert_eq!(p.classify(&feat).0, Bump::None, "types were replaced");
        assert_eq!(BumpPolicy::default().classify(&feat).0, Bump::Minor);
        assert_eq!(p.non_conventional, Bump::Patch);
        assert_eq!(p.zero_breaking, ZeroBreaking::BumpMinor);
    }
}
