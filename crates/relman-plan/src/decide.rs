//! The next version of each release unit, with the evidence for every decision.
//!
//! [`decide`] reads a unit's changes since its last release through the history port and
//! applies, in order:
//!
//! 1. the commit rules of the [`BumpPolicy`] (breaking → major, `feat` → minor, `fix`/`perf` →
//!    patch; the `0.y.z` rules);
//! 2. the *learned* policy ([`PolicySource::Learned`], the default): the changes' strongest
//!    signal (breaking change, feature, fixes only, nothing bump-worthy) and what the
//!    maintainers did in the unit's last [`LEARN_RELEASES`] stable releases with the same signal
//!    in the same regime (`0.y.z` or stable), by majority of at least two releases and without a
//!    tie ("3 of 3 past 0.y.z releases with a feature bumped minor"). In `0.y.z` every signal is
//!    learned unless its rule is configured (`zero_features`, `zero_breaking`); in a stable
//!    version only releases without a bump-worthy commit are (patch or minor), as SemVer fixes
//!    the others. In `0.y.z`, a signal whose own past releases cannot decide follows the
//!    majority of at least [`POOLED_RELEASES`] past `0.y.z` releases of any signal, unless its
//!    own few releases did otherwise;
//! 3. [`OtherChanges`]: otherwise a unit with changes but no bump-worthy commit gets a patch
//!    release by default, with the changes as evidence;
//! 4. a manifest that already declares a version above the last release gives the next
//!    version, as release-plz and cargo-release do, else a `CHANGELOG.md` whose newest release
//!    section names one (`[bump] manifest = "follow"`, the default; the version the commits
//!    alone give is named in the reason);
//! 5. a first release (no release tag yet) is the manifest version, or the policy's bump of
//!    `0.0.0`.
//!
//! Propagation to dependents is the planner's next step ([`propagate`]).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::ControlFlow;

use relman_model::history::WalkScope;
use relman_model::{
    Bump, BumpPolicy, BumpReason, Change, ChangeId, ComponentId, HistorySource, ReleaseChannel,
    Revision, RevisionRange, Version, VersionTag, next_version,
};
use serde::{Deserialize, Serialize};

use crate::config::{BumpConfig, ManifestVersion, OtherChanges, PolicySource};
use crate::units::Unit;

/// How many past `0.y.z` releases of any signal the learned policy needs before it follows
/// their majority for a signal whose own releases cannot decide.
pub const POOLED_RELEASES: usize = 3;

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
    /// The learned policy decided: most of the unit's past releases of the same kind (by the
    /// strongest commit signal, in the same `0.y.z` or stable regime) had this bump. In
    /// `0.y.z`, when too few past releases had this signal to decide, most of its past `0.y.z`
    /// releases of any signal (`any_signal`; at least [`POOLED_RELEASES`], and not against
    /// what the few releases of this signal did), as projects that bump minor for every
    /// `0.y.z` release do; a breaking change still bumps at least minor then.
    Learned {
        /// The strongest signal of the changes (`feature`, `fix`...).
        signal: Signal,
        /// Whether the counts are over past releases of any signal.
        any_signal: bool,
        /// Whether the regime is `0.y.z`.
        initial_development: bool,
        /// The bump followed.
        bump: Bump,
        /// Past releases of this kind with that bump.
        agreeing: usize,
        /// Past releases of this kind.
        of: usize,
    },
    /// Changes without a bump-worthy commit make a patch release (`[bump] other_changes`).
    OtherChanges {
        /// How many changes.
        changes: usize,
    },
    /// The unit has no release tag yet: its first release.
    FirstRelease {
        /// Where the version comes from.
        from: FirstReleaseSource,
    },
    /// The maintainers already wrote a version above the last release down: in the manifest
    /// (as release-plz and cargo-release follow it) or, failing that, as the newest release
    /// section of the unit's `CHANGELOG.md` (`[bump] manifest = "follow"`, the default).
    Prepared {
        /// Where the version was written.
        by: PreparedBy,
        /// That version, the next version.
        version: Version,
        /// The version the commits alone give.
        computed: Version,
    },
    /// A dependency is released, and this unit with it.
    DependencyReleased {
        /// The dependency.
        dependency: ComponentId,
        /// Its next version.
        version: Version,
    },
}

/// Where the maintainers wrote a prepared version; part of [`Reason::Prepared`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PreparedBy {
    /// The manifest's version.
    Manifest,
    /// The newest release section of the unit's `CHANGELOG.md`.
    Changelog,
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

/// The strongest commit signal of a set of changes; part of [`Reason::Learned`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// No bump-worthy commit.
    Other,
    /// Fixes (patch-level commits) at most.
    Fix,
    /// A feature at most.
    Feature,
    /// A breaking change.
    Breaking,
}

impl Signal {
    /// The signal of a semantic bump (before the `0.y.z` rules).
    pub fn of(semantic: Bump) -> Self {
        match semantic {
            Bump::None => Self::Other,
            Bump::Patch => Self::Fix,
            Bump::Minor => Self::Feature,
            Bump::Major => Self::Breaking,
        }
    }

    /// `with a feature`, `without a bump-worthy commit`...
    pub fn describe(self) -> &'static str {
        match self {
            Self::Other => "without a bump-worthy commit",
            Self::Fix => "with only fixes",
            Self::Feature => "with a feature",
            Self::Breaking => "with a breaking change",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Learned {
                signal,
                any_signal,
                initial_development,
                bump,
                agreeing,
                of,
            } => {
                let regime = if *initial_development { "0.y.z " } else { "" };
                if *any_signal {
                    write!(
                        f,
                        "learned: {agreeing} of {of} past {regime}releases bumped {bump} \
                         (too few past releases {} to decide on those alone)",
                        signal.describe()
                    )
                } else {
                    write!(
                        f,
                        "learned: {agreeing} of {of} past {regime}releases {} bumped {bump}",
                        signal.describe()
                    )
                }
            }
            Self::OtherChanges { changes } => write!(
                f,
                "{changes} change{} without a bump-worthy commit: patch release",
                if *changes == 1 { "" } else { "s" }
            ),
            Self::FirstRelease { from } => match from {
                FirstReleaseSource::Manifest => f.write_str("first release: the manifest version"),
                FirstReleaseSource::Policy => {
                    f.write_str("first release: the policy's bump of 0.0.0")
                }
            },
            Self::Prepared {
                by,
                version,
                computed,
            } => {
                let what = match by {
                    PreparedBy::Manifest => format!("the manifest already declares {version}"),
                    PreparedBy::Changelog => {
                        format!("the changelog already has a section for {version}")
                    }
                };
                if version == computed {
                    f.write_str(&what)
                } else {
                    write!(f, "{what} (the commits alone give {computed})")
                }
            }
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
    let mut scope = WalkScope::new()
        .with_paths(unit.paths.clone())
        .with_excluded(unit.excluded.clone());
    if options.diff_stats {
        scope = scope.with_diff_stats();
    }
    let changes = walk(history, unit, &range, &scope)?;

    let policy = options.bump.to_policy();
    let mut reasons = Vec::new();
    let learned = options.bump.policy.unwrap_or_default() == PolicySource::Learned;
    let other = options.bump.other_changes.unwrap_or_default();
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
    let signal = Signal::of(
        changes
            .iter()
            .map(|c| policy.classify(c).0)
            .max()
            .unwrap_or(Bump::None),
    );
    let mut decided = false;
    if let Some(v) = current.as_ref().filter(|_| learned && !changes.is_empty()) {
        let zero = v.major == 0;
        // What may be learned: in 0.y.z every signal whose rule is not configured; in a
        // stable version only releases without a bump-worthy commit (SemVer fixes the rest).
        let open = match signal {
            Signal::Other => other == OtherChanges::Patch,
            Signal::Fix => zero,
            Signal::Feature => zero && options.bump.zero_features.is_none(),
            Signal::Breaking => zero && options.bump.zero_breaking.is_none(),
        };
        if open {
            let past = learn(history, unit, v, &policy)?;
            let found = match past.majority(zero, Some(signal)) {
                Some(m) => Some((m, false)),
                None if zero => past.pooled(signal).map(|m| (m, true)),
                None => None,
            };
            if let Some(((learned_bump, agreeing, of), any_signal)) = found {
                let learned_bump = if !zero {
                    // A stable version never takes a major bump for changes that break nothing.
                    learned_bump.min(Bump::Minor)
                } else if any_signal && signal == Signal::Breaking {
                    // Counts of other kinds never make a breaking 0.y.z change a patch.
                    learned_bump.max(Bump::Minor)
                } else {
                    learned_bump
                };
                bump = learned_bump;
                decided = true;
                reasons.push(Reason::Learned {
                    signal,
                    any_signal,
                    initial_development: zero,
                    bump,
                    agreeing,
                    of,
                });
            }
        }
    }
    if current.is_some() && signal == Signal::Other && !changes.is_empty() {
        if !decided && other == OtherChanges::Patch {
            bump = Bump::Patch;
            decided = true;
            reasons.push(Reason::OtherChanges {
                changes: changes.len(),
            });
        }
        if decided {
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
    }

    let version_error = |source| DecideError::Version {
        unit: unit.id.clone(),
        source: Box::new(source),
    };
    let (next, release) = match &current {
        Some(v) => {
            let computed = next_version(Some(v), bump, &options.channel)
                .map_err(version_error)?
                .unwrap_or_else(|| v.clone());
            let follow = options.bump.manifest.unwrap_or_default() == ManifestVersion::Follow;
            // A pre-release manifest version (`0.17.0-dev`) is followed only on a pre-release
            // channel.
            let stable = matches!(options.channel, ReleaseChannel::Stable);
            let usable = |m: &&Version| follow && *m > v && (m.pre.is_empty() || !stable);
            let ahead = match unit.manifest.as_ref().filter(usable) {
                Some(m) => Some((PreparedBy::Manifest, m)),
                None => unit
                    .prepared
                    .as_ref()
                    .filter(usable)
                    .map(|m| (PreparedBy::Changelog, m)),
            };
            match ahead {
                Some((by, m)) => {
                    bump = observed_bump(v, m);
                    reasons.push(Reason::Prepared {
                        by,
                        version: m.clone(),
                        computed,
                    });
                    (m.clone(), true)
                }
                None => (computed, bump != Bump::None),
            }
        }
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

/// What the maintainers did in a unit's past releases: per regime (`0.y.z` or stable) and
/// signal, how many releases bumped patch, minor and major.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Past {
    counts: BTreeMap<(bool, Signal), [usize; 3]>,
}

impl Past {
    /// The bump most past releases of this regime and signal (`None`: any signal) had, with
    /// its count and the number of such releases: given at least two, and no tie.
    fn majority(&self, zero: bool, signal: Option<Signal>) -> Option<(Bump, usize, usize)> {
        let counts = self.counts(zero, signal);
        let of: usize = counts.iter().sum();
        let (best, &most) = counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
        let tie = counts.iter().filter(|n| **n == most).count() > 1;
        if of < 2 || tie {
            return None;
        }
        let bump = [Bump::Patch, Bump::Minor, Bump::Major][best];
        Some((bump, most, of))
    }

    /// The majority of every past `0.y.z` release, for a signal whose own releases cannot
    /// decide: given at least [`POOLED_RELEASES`] of them, and only where the releases of
    /// this signal, if any, had that bump at least as often as any other.
    fn pooled(&self, signal: Signal) -> Option<(Bump, usize, usize)> {
        let (bump, most, of) = self.majority(true, None)?;
        let own = self.counts(true, Some(signal));
        let slot = [Bump::Patch, Bump::Minor, Bump::Major]
            .iter()
            .position(|b| *b == bump)?;
        let contradicted = own.iter().any(|n| *n > own[slot]);
        (of >= POOLED_RELEASES && !contradicted).then_some((bump, most, of))
    }

    /// Patch, minor and major counts of a regime's releases of `signal` (`None`: any).
    fn counts(&self, zero: bool, signal: Option<Signal>) -> [usize; 3] {
        let mut counts = [0; 3];
        for (_, c) in self
            .counts
            .iter()
            .filter(|((z, s), _)| *z == zero && signal.is_none_or(|signal| *s == signal))
        {
            for (total, n) in counts.iter_mut().zip(c) {
                *total += n;
            }
        }
        counts
    }
}

/// Walks the unit's last [`LEARN_RELEASES`] stable releases up to `current` and counts what
/// the maintainers did (see [`Past`]); a release whose changes the unit's paths do not see
/// (it lived elsewhere then) is not counted.
fn learn<H: HistorySource + ?Sized>(
    history: &H,
    unit: &Unit,
    current: &Version,
    policy: &BumpPolicy,
) -> Result<Past, DecideError> {
    let stable: Vec<&VersionTag> = unit
        .releases_up_to(Some(current))
        .filter(|t| t.version.pre.is_empty())
        .collect();
    let from = stable.len().saturating_sub(LEARN_RELEASES + 1);
    let scope = WalkScope::new()
        .with_paths(unit.paths.clone())
        .with_excluded(unit.excluded.clone());
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
        let signal = Signal::of(
            changes
                .iter()
                .map(|c| policy.classify(c).0)
                .max()
                .unwrap_or(Bump::None),
        );
        let slot = match observed {
            Bump::Patch => 0,
            Bump::Minor => 1,
            _ => 2,
        };
        past.counts
            .entry((a.version.major == 0, signal))
            .or_default()[slot] += 1;
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
