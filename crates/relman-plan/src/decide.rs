//! The next version of each release unit, with the evidence for every decision.
//!
//! [`decide`] reads a unit's changes since its last release through the history port and
//! applies, in order:
//!
//! 1. the commit rules of the [`BumpPolicy`] (breaking → major, `feat` → minor, `fix`/`perf` →
//!    patch; the `0.y.z` rules);
//! 2. the *learned* `0.y.z` rules ([`PolicySource::Learned`], the default): for a `0.y.z`
//!    release with a feature (or a breaking change), what the maintainers did in the unit's past
//!    releases of the same kind, by majority ("5 of 6 past 0.y.z releases with a feature bumped
//!    minor"); with fewer than two such releases, or a tie, the configured rule stays;
//! 3. [`OtherChanges`]: a unit with changes but no bump-worthy commit gets a patch release by
//!    default, with the changes as evidence; under the learned policy, a minor release where
//!    most (at least two) of the unit's past releases of that kind in the same regime
//!    (`0.y.z` or stable) bumped the minor version;
//! 4. a first release (no release tag yet) is the manifest version, or the policy's bump of
//!    `0.0.0`.
//!
//! Propagation to dependents is the planner's next step ([`propagate`]).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::ControlFlow;

use relman_model::history::WalkScope;
use relman_model::{
    Bump, BumpPolicy, BumpReason, Change, ChangeId, ComponentId, HistorySource, ReleaseChannel,
    Revision, RevisionRange, Version, VersionTag, ZeroBreaking, ZeroFeatures, next_version,
};
use serde::{Deserialize, Serialize};

use crate::config::{BumpConfig, OtherChanges, PolicySource};
use crate::units::Unit;

/// How many past releases of a unit the learned policy looks at (the most recent ones).
pub const LEARN_RELEASES: usize = 16;

/// The version decision of one release unit; returned by [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// The unit.
    pub unit: ComponentId,
    /// Its current version (its last release), `None` before its first release.
    pub current: Option<Version>,
    /// The tag of its last release.
    pub last_tag: Option<String>,
    /// The range of changes considered.
    pub range: RevisionRange,
    /// The changes since the last release, newest first.
    pub changes: Vec<Change>,
    /// The bump (after every rule).
    pub bump: Bump,
    /// The next version (`current` when nothing is released).
    pub next: Version,
    /// Whether the unit is released.
    pub release: bool,
    /// Each change that asks for a bump, and the rule behind it.
    pub evidence: Vec<Evidence>,
    /// The rules that shaped the decision besides the commits, in the order applied.
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// Whether this is the unit's first release.
    pub fn is_first_release(&self) -> bool {
        self.current.is_none()
    }
}

/// One change that asks for a bump; part of [`Decision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// The change.
    pub commit: ChangeId,
    /// Its summary line.
    pub summary: String,
    /// The bump it causes.
    pub bump: Bump,
    /// Why, in words (`type feat`, `breaking change (!)`, `other change (type chore)`).
    pub reason: String,
}

/// A rule that shaped a decision besides the commits themselves; part of [`Decision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Reason {
    /// The learned `0.y.z` rule for features decided.
    LearnedZeroFeatures {
        /// What it decided.
        rule: ZeroFeatures,
        /// Past `0.y.z` releases with a feature (and no breaking change) that followed it.
        agreeing: usize,
        /// Past `0.y.z` releases with a feature (and no breaking change).
        of: usize,
    },
    /// The learned `0.y.z` rule for breaking changes decided.
    LearnedZeroBreaking {
        /// What it decided.
        rule: ZeroBreaking,
        /// Past `0.y.z` releases with a breaking change that followed it.
        agreeing: usize,
        /// Past `0.y.z` releases with a breaking change.
        of: usize,
    },
    /// Changes without a bump-worthy commit make a release: a patch, or what the
    /// maintainers did in most past releases of the same kind (learned policy).
    OtherChanges {
        /// How many changes.
        changes: usize,
        /// The bump given.
        bump: Bump,
        /// Past releases without a bump-worthy commit (in the same `0.y.z` or stable regime)
        /// that had this bump.
        agreeing: usize,
        /// Past releases without a bump-worthy commit in that regime.
        of: usize,
    },
    /// The unit has no release tag yet: its first release.
    FirstRelease {
        /// Where the version comes from.
        from: FirstReleaseSource,
    },
    /// A dependency is released, and this unit with it.
    DependencyReleased {
        /// The dependency.
        dependency: ComponentId,
        /// Its next version.
        version: Version,
    },
}

/// Where a first release's version comes from; part of [`Reason::FirstRelease`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FirstReleaseSource {
    /// The manifest's version.
    Manifest,
    /// The policy's bump of `0.0.0`.
    Policy,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LearnedZeroFeatures { rule, agreeing, of } => {
                let what = match rule {
                    ZeroFeatures::BumpMinor => "minor",
                    ZeroFeatures::BumpPatch => "patch",
                };
                write!(
                    f,
                    "learned: {agreeing} of {of} past 0.y.z releases with a feature bumped {what}"
                )
            }
            Self::LearnedZeroBreaking { rule, agreeing, of } => {
                let what = match rule {
                    ZeroBreaking::BumpMinor => "minor",
                    ZeroBreaking::BumpMajor => "major",
                };
                write!(
                    f,
                    "learned: {agreeing} of {of} past 0.y.z releases with a breaking change bumped {what}"
                )
            }
            Self::OtherChanges {
                changes,
                bump,
                agreeing,
                of,
            } => {
                write!(
                    f,
                    "{changes} change{} without a bump-worthy commit: {bump} release",
                    if *changes == 1 { "" } else { "s" }
                )?;
                if *of > 0 {
                    write!(
                        f,
                        " ({agreeing} of {of} past releases of the same kind bumped {bump})"
                    )?;
                }
                Ok(())
            }
            Self::FirstRelease { from } => match from {
                FirstReleaseSource::Manifest => f.write_str("first release: the manifest version"),
                FirstReleaseSource::Policy => {
                    f.write_str("first release: the policy's bump of 0.0.0")
                }
            },
            Self::DependencyReleased {
                dependency,
                version,
            } => write!(f, "dependency {dependency} is released as {version}"),
        }
    }
}

/// Returned by [`decide`] and the planner when the history cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecideError {
    /// The history source failed.
    #[error("cannot read the history of {unit} ({range})")]
    History {
        /// The unit.
        unit: ComponentId,
        /// The range being read.
        range: RevisionRange,
        /// The source's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The next version cannot be computed (a version part would overflow).
    #[error("cannot compute the next version of {unit}")]
    Version {
        /// The unit.
        unit: ComponentId,
        /// Why.
        #[source]
        source: Box<relman_model::BumpVersionError>,
    },
}

/// What [`decide`] needs besides the unit and the history.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecideOptions {
    /// The configured `[bump]` settings.
    pub bump: BumpConfig,
    /// The revision to plan (default `HEAD`).
    pub to: Revision,
    /// A start other than the last release: a tag and the version it released (`relman bump
    /// --from`).
    pub from: Option<VersionTag>,
    /// The pre-release channel of the next version.
    pub channel: ReleaseChannel,
    /// Whether the changes carry per-file diff stats (the planner's risk needs them).
    pub diff_stats: bool,
}

impl DecideOptions {
    /// Options for `bump` settings, at `HEAD`, from the last release, stable, without diff
    /// stats.
    pub fn new(bump: BumpConfig) -> Self {
        Self {
            bump,
            to: Revision::head(),
            from: None,
            channel: ReleaseChannel::Stable,
            diff_stats: false,
        }
    }
}

/// Decides the next version of `unit` from its changes in `history` (see the module docs).
///
/// # Errors
///
/// [`DecideError`] when the history cannot be read or the version overflows.
pub fn decide<H: HistorySource + ?Sized>(
    history: &H,
    unit: &Unit,
    options: &DecideOptions,
) -> Result<Decision, DecideError> {
    let (current, last_tag) = match &options.from {
        Some(tag) => (Some(tag.version.clone()), Some(tag.clone())),
        None => {
            let last = unit.last_release().cloned();
            (last.as_ref().map(|t| t.version.clone()), last)
        }
    };
    let range = RevisionRange::new(
        last_tag.as_ref().map(|t| revision_of(&t.target)),
        options.to.clone(),
    );
    let mut scope = WalkScope::new().with_paths(unit.paths.clone());
    if options.diff_stats {
        scope = scope.with_diff_stats();
    }
    let changes = walk(history, unit, &range, &scope)?;

    let mut policy = options.bump.to_policy();
    let mut reasons = Vec::new();
    let learned = options.bump.policy.unwrap_or_default() == PolicySource::Learned;
    let mut past = Past::default();
    if learned || current.is_some() {
        past = learn(history, unit, current.as_ref(), &policy)?;
    }
    if learned && current.as_ref().is_some_and(|v| v.major == 0) {
        let decision = policy.decide(&changes, current.as_ref());
        let semantic = decision
            .evidence
            .iter()
            .map(|e| e.semantic)
            .max()
            .unwrap_or(Bump::None);
        if semantic == Bump::Minor
            && options.bump.zero_features.is_none()
            && let Some((rule, agreeing, of)) = past.zero_features()
        {
            policy.zero_features = rule;
            reasons.push(Reason::LearnedZeroFeatures { rule, agreeing, of });
        }
        if semantic == Bump::Major
            && options.bump.zero_breaking.is_none()
            && let Some((rule, agreeing, of)) = past.zero_breaking()
        {
            policy.zero_breaking = rule;
            reasons.push(Reason::LearnedZeroBreaking { rule, agreeing, of });
        }
    }
    let decision = policy.decide(&changes, current.as_ref());
    let mut bump = decision.bump;
    let mut evidence: Vec<Evidence> = decision
        .evidence
        .iter()
        .map(|e| Evidence {
            commit: e.change.clone(),
            summary: e.summary.clone(),
            bump: e.bump,
            reason: reason_text(&e.reason),
        })
        .collect();
    let other = options.bump.other_changes.unwrap_or_default();
    if current.is_some()
        && bump == Bump::None
        && !changes.is_empty()
        && other == OtherChanges::Patch
    {
        let (patch, minor) = past.other_only;
        bump = if learned && minor > patch && minor >= 2 {
            Bump::Minor
        } else {
            Bump::Patch
        };
        reasons.push(Reason::OtherChanges {
            changes: changes.len(),
            bump,
            agreeing: if bump == Bump::Minor { minor } else { patch },
            of: patch + minor,
        });
        evidence.extend(changes.iter().map(|c| Evidence {
            commit: c.id.clone(),
            summary: c.summary.clone(),
            bump,
            reason: match &c.commit {
                Some(commit) => format!("other change (type {})", commit.kind),
                None => "other change (not a conventional commit)".to_owned(),
            },
        }));
    }

    let version_error = |source| DecideError::Version {
        unit: unit.id.clone(),
        source: Box::new(source),
    };
    let (next, release) = match &current {
        Some(v) => (
            next_version(Some(v), bump, &options.channel)
                .map_err(version_error)?
                .unwrap_or_else(|| v.clone()),
            bump != Bump::None,
        ),
        None => {
            let manifest = unit
                .manifest
                .clone()
                .filter(|m| *m != Version::new(0, 0, 0));
            let next = match manifest {
                Some(m) => {
                    reasons.push(Reason::FirstRelease {
                        from: FirstReleaseSource::Manifest,
                    });
                    first_release(&m, &options.channel)
                }
                None => {
                    reasons.push(Reason::FirstRelease {
                        from: FirstReleaseSource::Policy,
                    });
                    next_version(None, bump, &options.channel)
                        .map_err(version_error)?
                        .unwrap_or_else(|| Version::new(0, 1, 0))
                }
            };
            (next, !changes.is_empty())
        }
    };
    Ok(Decision {
        unit: unit.id.clone(),
        current,
        last_tag: last_tag.map(|t| t.name),
        range,
        changes,
        bump,
        next,
        release,
        evidence,
        reasons,
    })
}

/// The first release of a component: its manifest version (on the channel for a
/// pre-release).
fn first_release(manifest: &Version, channel: &ReleaseChannel) -> Version {
    match channel {
        ReleaseChannel::Stable => manifest.clone(),
        ReleaseChannel::Pre(ch) => {
            let mut v = Version::new(manifest.major, manifest.minor, manifest.patch);
            v.pre =
                semver::Prerelease::new(&format!("{ch}.1")).unwrap_or(semver::Prerelease::EMPTY);
            v
        }
    }
}

fn revision_of(id: &ChangeId) -> Revision {
    Revision::new(id.as_str()).unwrap_or_else(|_| Revision::head())
}

fn walk<H: HistorySource + ?Sized>(
    history: &H,
    unit: &Unit,
    range: &RevisionRange,
    scope: &WalkScope,
) -> Result<Vec<Change>, DecideError> {
    let mut changes = Vec::new();
    history
        .walk_scoped(range, scope, &mut |c| {
            changes.push(c);
            ControlFlow::Continue(())
        })
        .map_err(|e| DecideError::History {
            unit: unit.id.clone(),
            range: range.clone(),
            source: Box::new(e),
        })?;
    Ok(changes)
}

/// What the maintainers did in a unit's past releases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Past {
    /// Past `0.y.z` releases with a feature and no breaking change: (bumped minor, bumped patch).
    zero_feature: (usize, usize),
    /// Past `0.y.z` releases with a breaking change: (bumped major, bumped minor).
    zero_breaking: (usize, usize),
    /// Past releases whose changes had no bump-worthy commit, in the regime (`0.y.z` or
    /// stable) of the current version: (bumped patch, bumped minor or more).
    other_only: (usize, usize),
}

impl Past {
    fn zero_features(&self) -> Option<(ZeroFeatures, usize, usize)> {
        let (minor, patch) = self.zero_feature;
        let of = minor + patch;
        if of < 2 || minor == patch {
            return None;
        }
        Some(if minor > patch {
            (ZeroFeatures::BumpMinor, minor, of)
        } else {
            (ZeroFeatures::BumpPatch, patch, of)
        })
    }

    fn zero_breaking(&self) -> Option<(ZeroBreaking, usize, usize)> {
        let (major, minor) = self.zero_breaking;
        let of = major + minor;
        if of < 2 || major == minor {
            return None;
        }
        Some(if major > minor {
            (ZeroBreaking::BumpMajor, major, of)
        } else {
            (ZeroBreaking::BumpMinor, minor, of)
        })
    }
}

/// Walks the unit's last [`LEARN_RELEASES`] stable releases up to `current` and counts what
/// the maintainers did (see [`Past`]).
fn learn<H: HistorySource + ?Sized>(
    history: &H,
    unit: &Unit,
    current: Option<&Version>,
    policy: &BumpPolicy,
) -> Result<Past, DecideError> {
    let stable: Vec<&VersionTag> = unit
        .releases_up_to(current)
        .filter(|t| t.version.pre.is_empty())
        .collect();
    let from = stable.len().saturating_sub(LEARN_RELEASES + 1);
    let scope = WalkScope::new().with_paths(unit.paths.clone());
    let mut past = Past::default();
    for pair in stable[from..].windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let observed = observed_bump(&a.version, &b.version);
        if observed == Bump::None {
            continue;
        }
        let range = RevisionRange::new(Some(revision_of(&a.target)), revision_of(&b.target));
        let changes = walk(history, unit, &range, &scope)?;
        if changes.is_empty() {
            continue;
        }
        let semantic = changes
            .iter()
            .map(|c| policy.classify(c).0)
            .max()
            .unwrap_or(Bump::None);
        let zero = a.version.major == 0;
        match (semantic, zero) {
            (Bump::Minor, true) => match observed {
                Bump::Minor | Bump::Major => past.zero_feature.0 += 1,
                _ => past.zero_feature.1 += 1,
            },
            (Bump::Major, true) => match observed {
                Bump::Major => past.zero_breaking.0 += 1,
                _ => past.zero_breaking.1 += 1,
            },
            (Bump::None, _) if zero == current.is_some_and(|v| v.major == 0) => match observed {
                Bump::Patch => past.other_only.0 += 1,
                _ => past.other_only.1 += 1,
            },
            _ => {}
        }
    }
    Ok(past)
}

/// The bump from `a` to `b` as SemVer reads it (`0.3.1 → 0.4.0` is minor).
fn observed_bump(a: &Version, b: &Version) -> Bump {
    if b.major != a.major {
        Bump::Major
    } else if b.minor != a.minor {
        Bump::Minor
    } else if b.patch != a.patch {
        Bump::Patch
    } else {
        Bump::None
    }
}

/// A bump reason in words, as `relman bump` prints it.
pub fn reason_text(reason: &BumpReason) -> String {
    use relman_model::BreakingSource;
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

/// Releases the dependents of released units (patch) as the propagation setting says, with
/// the dependency named as the reason. `decisions` and `units` are in the same order.
///
/// # Errors
///
/// [`PropagateError`] when the units' dependency graph has a cycle or a version overflows.
pub fn propagate(
    units: &[Unit],
    decisions: &mut [Decision],
    mode: relman_graph::Propagation,
) -> Result<(), PropagateError> {
    let components = units
        .iter()
        .zip(decisions.iter())
        .map(|(u, d)| u.to_component(d.current.clone().unwrap_or_else(|| Version::new(0, 0, 0))))
        .collect();
    let graph = relman_graph::ComponentGraph::new(components).map_err(PropagateError::Graph)?;
    let direct: BTreeMap<ComponentId, Bump> = decisions
        .iter()
        .filter(|d| d.current.is_some())
        .map(|d| (d.unit.clone(), d.bump))
        .collect();
    let bumps = graph
        .propagate(&direct, &relman_graph::PropagationPolicy::new(mode))
        .map_err(PropagateError::Propagate)?;
    for b in &bumps {
        let Some(d) = decisions.iter_mut().find(|d| d.unit == b.component) else {
            continue;
        };
        if d.current.is_none() || b.bump <= d.bump {
            continue;
        }
        for cause in &b.causes {
            if let relman_graph::BumpCause::Dependency {
                dependency,
                version,
                ..
            } = cause
            {
                d.reasons.push(Reason::DependencyReleased {
                    dependency: dependency.clone(),
                    version: version.clone(),
                });
            }
        }
        d.bump = b.bump;
        d.next = b.to.clone();
        d.release = true;
    }
    Ok(())
}

/// Returned by [`propagate`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PropagateError {
    /// The units' dependency graph is invalid (a cycle, an unknown dependency).
    #[error("invalid component graph")]
    Graph(#[source] relman_graph::BuildComponentGraphError),
    /// A propagated version cannot be computed.
    #[error("cannot propagate the bumps")]
    Propagate(#[source] relman_graph::UnknownComponentError),
}
