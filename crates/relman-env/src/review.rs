//! The post-release review as a value: what happened to a release, read back from the ledger.
//!
//! A review is about a [`ReviewSubject`]: a change request, one component version
//! (`api@1.2.0`) or a release name (as given to deployments, verdicts and approvals).
//! [`ReviewSubject::resolve`] finds which one a name means; [`review`] builds the [`Review`] from
//! an [`EnvState`]; [`to_markdown`] renders it for people.
//!
//! What a review holds:
//!
//! - the release's deployments (rollbacks apart), and the rollbacks of its components since it
//!   was released;
//! - the release time: the first start of one of its deployments to the reviewed environment
//!   (the one in [`ReviewOptions::env`], else the last in promotion order), else to any
//!   environment, else the change request's planned start;
//! - the incidents opened within [`ReviewOptions::window_days`] after the release, each marked
//!   when a version of the release caused it;
//! - DORA metrics of the reviewed environment for the window before and after the release;
//! - the gate verdicts and approvals recorded for it, and the canary verdicts of its component
//!   versions (`relman verify`), in every environment;
//! - [`FollowUp`] actions derived from those facts: unresolved incidents, failed, unfinished or
//!   rolled-back deployments, failing or missing gate verdicts, missing or stale approvals, a
//!   change request left open, a release that never reached the reviewed environment.
//!
//! Like every relman-env computation it never reads the clock: `now` is an argument, used only
//! to say when the after window is not over yet ([`ReviewNote::IncompleteAfterWindow`]).

pub mod view;

pub use view::ReviewView;

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use chrono::{DateTime, Duration, Utc};
use relman_model::{
    ChangeKind, ChangeRequestId, ChangeState, ComponentId, Digest, EnvironmentId, GateId, PersonId,
    ReleaseId, ReleasedComponent, Verdict,
};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::canary::CanaryVerdictRecord;
use crate::change::{ChangeRequestEntry, GateVerdictRecord};
use crate::dora::{Bands, DoraMetrics, dora_metrics};
use crate::event::DeployReason;
use crate::state::{Deployment, DeploymentStatus, EnvState, Incident};

/// What a review is about.
///
/// JSON: `{"change_request": "CR-12"}`, `{"version": {"component": "api", "version":
/// "1.2.0"}}` or `{"release": "2026.12"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReviewSubject {
    /// A change request: the component versions it releases, and the deployments, verdicts and
    /// approvals named after its id or its release.
    ChangeRequest(ChangeRequestId),
    /// One component version, whatever release it was deployed under.
    Version(ReleasedComponent),
    /// A release name, as given to deployments, gate verdicts and approvals.
    Release(ReleaseId),
}

impl ReviewSubject {
    /// Finds what `name` means in `state`, in this order: the id of a change request the state
    /// holds; `component@version`; a release name some deployment, gate verdict or approval
    /// carries. `None` when it is none of these.
    ///
    /// ```
    /// use relman_env::EnvState;
    /// use relman_env::review::ReviewSubject;
    ///
    /// let state = EnvState::default();
    /// assert!(matches!(ReviewSubject::resolve(&state, "api@1.2.0"), Some(ReviewSubject::Version(_))));
    /// assert_eq!(ReviewSubject::resolve(&state, "2026.12"), None);
    /// ```
    pub fn resolve(state: &EnvState, name: &str) -> Option<ReviewSubject> {
        if let Some(entry) = name.parse().ok().and_then(|id| state.change_request(&id)) {
            return Some(ReviewSubject::ChangeRequest(entry.id().clone()));
        }
        if let Ok(version) = name.parse::<ReleasedComponent>() {
            return Some(ReviewSubject::Version(version));
        }
        let known = state
            .deployments
            .iter()
            .any(|d| d.release.as_ref().is_some_and(|r| r.as_str() == name))
            || state
                .gate_verdicts()
                .iter()
                .any(|v| v.release.as_ref().is_some_and(|r| r.as_str() == name))
            || state.approvals.iter().any(|a| a.release.as_str() == name);
        if known {
            name.parse().ok().map(ReviewSubject::Release)
        } else {
            None
        }
    }

    /// What kind of subject this is: `change_request`, `component_version` or `release`.
    pub fn kind(&self) -> &'static str {
        match self {
            ReviewSubject::ChangeRequest(_) => "change_request",
            ReviewSubject::Version(_) => "component_version",
            ReviewSubject::Release(_) => "release",
        }
    }
}

impl fmt::Display for ReviewSubject {
    /// The subject's name: the change request id, `component@version` or the release name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewSubject::ChangeRequest(id) => write!(f, "{id}"),
            ReviewSubject::Version(v) => write!(f, "{v}"),
            ReviewSubject::Release(r) => write!(f, "{r}"),
        }
    }
}

/// Settings of [`review`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReviewOptions {
    /// Days before and after the release compared by the DORA metrics, and after it for
    /// incidents (default 30).
    pub window_days: u32,
    /// The environment reviewed (default: the last in promotion order, else the environment of
    /// the release's last deployment).
    pub env: Option<EnvironmentId>,
    /// The performance bands the DORA metrics are rated against (default
    /// [`Bands::dora_2021`]).
    pub bands: Bands,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        Self {
            window_days: 30,
            env: None,
            bands: Bands::dora_2021(),
        }
    }
}

/// An incident opened after the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewIncident {
    /// The incident.
    pub incident: Incident,
    /// Whether a version of the reviewed release caused it.
    pub caused_by_release: bool,
}

/// DORA metrics of the reviewed environment before and after the release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoraComparison {
    /// Over the window that ends at the release.
    pub before: DoraMetrics,
    /// Over the window that starts at the release.
    pub after: DoraMetrics,
}

/// Where an approval was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApprovalScope {
    /// On the change request, bound to its plan digest.
    ChangeRequest,
    /// For an environment ([`EventKind::Approved`](crate::EventKind::Approved)).
    Environment,
}

impl fmt::Display for ApprovalScope {
    /// `change_request` or `environment`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            ApprovalScope::ChangeRequest => "change_request",
            ApprovalScope::Environment => "environment",
        })
    }
}

/// An approval of the reviewed release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewApproval {
    /// Where it was given.
    pub scope: ApprovalScope,
    /// The environment, for [`ApprovalScope::Environment`].
    pub env: Option<EnvironmentId>,
    /// The approver.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
    /// The digest approved.
    pub digest: Digest,
    /// Whether it counts for the change request's current digest (always true for
    /// environment approvals).
    pub current: bool,
}

/// A follow-up action the review asks for. `Display` gives the action as a sentence.
///
/// JSON: tagged by `kind` (the [`FollowUp::kind`] name), e.g.
/// `{"kind": "not_released", "env": "production"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FollowUp {
    /// An incident after the release is still open.
    UnresolvedIncident {
        /// The incident's id.
        id: String,
        /// Where.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version.
        version: Version,
        /// When it was opened.
        opened_at: DateTime<Utc>,
    },
    /// A deployment of the release failed.
    FailedDeployment {
        /// Where.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version.
        version: Version,
        /// When it started.
        started_at: DateTime<Utc>,
    },
    /// A deployment of the release neither succeeded nor failed.
    UnfinishedDeployment {
        /// Where.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version.
        version: Version,
        /// When it started.
        started_at: DateTime<Utc>,
    },
    /// A component of the release was rolled back.
    Rollback {
        /// Where.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version rolled back to.
        version: Version,
        /// When the rollback started.
        started_at: DateTime<Utc>,
    },
    /// No gate verdict was recorded for the release.
    MissingGateVerdict,
    /// A gate of the latest verdict did not pass.
    FailedGate {
        /// The gate.
        gate: GateId,
        /// Its verdict.
        verdict: Verdict,
        /// When the verdict was recorded.
        at: DateTime<Utc>,
        /// Why it did not pass.
        reasons: Vec<String>,
    },
    /// The change request lacks approvals for its current digest (not for standard changes).
    MissingApprovals {
        /// The change request.
        change_request: ChangeRequestId,
        /// Approvals that count.
        counted: usize,
        /// Approvals required.
        required: usize,
        /// The current digest.
        digest: Digest,
    },
    /// The change request holds approvals of an earlier digest.
    StaleApprovals {
        /// The change request.
        change_request: ChangeRequestId,
    },
    /// The change request is neither closed nor cancelled.
    OpenChangeRequest {
        /// The change request.
        change_request: ChangeRequestId,
        /// Its state.
        state: ChangeState,
    },
    /// The change request was cancelled, yet its versions were deployed.
    CanceledButDeployed {
        /// The change request.
        change_request: ChangeRequestId,
    },
    /// No deployment of the release succeeded in the reviewed environment.
    NotReleased {
        /// The reviewed environment.
        env: EnvironmentId,
    },
    /// The latest canary verdict of a version in an environment is not a pass.
    FailedCanary {
        /// Where the canary ran.
        env: EnvironmentId,
        /// The component.
        component: ComponentId,
        /// The version.
        version: Version,
        /// The verdict (marginal or fail).
        verdict: crate::canary::CanaryVerdict,
        /// Its score, 0 to 100.
        score: crate::canary::Figure,
    },
}

impl FollowUp {
    /// The kind's name, as in JSON: `unresolved_incident`, `failed_deployment`,
    /// `unfinished_deployment`, `rollback`, `missing_gate_verdict`, `failed_gate`,
    /// `missing_approvals`, `stale_approvals`, `open_change_request`, `canceled_but_deployed`,
    /// `not_released` or `failed_canary`.
    pub fn kind(&self) -> &'static str {
        match self {
            FollowUp::UnresolvedIncident { .. } => "unresolved_incident",
            FollowUp::FailedDeployment { .. } => "failed_deployment",
            FollowUp::UnfinishedDeployment { .. } => "unfinished_deployment",
            FollowUp::Rollback { .. } => "rollback",
            FollowUp::MissingGateVerdict => "missing_gate_verdict",
            FollowUp::FailedGate { .. } => "failed_gate",
            FollowUp::MissingApprovals { .. } => "missing_approvals",
            FollowUp::StaleApprovals { .. } => "stale_approvals",
            FollowUp::OpenChangeRequest { .. } => "open_change_request",
            FollowUp::CanceledButDeployed { .. } => "canceled_but_deployed",
            FollowUp::NotReleased { .. } => "not_released",
            FollowUp::FailedCanary { .. } => "failed_canary",
        }
    }
}

impl fmt::Display for FollowUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FollowUp::UnresolvedIncident {
                id,
                env,
                component,
                version,
                opened_at,
            } => write!(
                f,
                "resolve incident {id} ({component} {version} in {env}, open since {})",
                ts(*opened_at)
            ),
            FollowUp::FailedDeployment {
                env,
                component,
                version,
                started_at,
            } => write!(
                f,
                "find the cause of the failed deployment of {component} {version} to {env} (started {})",
                ts(*started_at)
            ),
            FollowUp::UnfinishedDeployment {
                env,
                component,
                version,
                started_at,
            } => write!(
                f,
                "finish or fail the deployment of {component} {version} to {env} (started {})",
                ts(*started_at)
            ),
            FollowUp::Rollback {
                env,
                component,
                version,
                started_at,
            } => write!(
                f,
                "analyse why {component} in {env} was rolled back to {version} at {}",
                ts(*started_at)
            ),
            FollowUp::MissingGateVerdict => write!(
                f,
                "no gate verdict was recorded: run `relman gate check --record`"
            ),
            FollowUp::FailedGate {
                gate,
                verdict,
                at,
                reasons,
            } => {
                write!(f, "gate {gate} was {verdict} at {}", ts(*at))?;
                if !reasons.is_empty() {
                    write!(f, ": {}", reasons.join("; "))?;
                }
                Ok(())
            }
            FollowUp::MissingApprovals {
                change_request,
                counted,
                required,
                digest,
            } => write!(
                f,
                "change request {change_request} has {counted} of {required} approvals for its current digest {digest}"
            ),
            FollowUp::StaleApprovals { change_request } => write!(
                f,
                "change request {change_request} holds approvals of an earlier plan digest: confirm the amended plan was reviewed"
            ),
            FollowUp::OpenChangeRequest {
                change_request,
                state,
            } => write!(
                f,
                "change request {change_request} is still {state}: take it through review and close it"
            ),
            FollowUp::CanceledButDeployed { change_request } => write!(
                f,
                "change request {change_request} was cancelled but its versions were deployed"
            ),
            FollowUp::NotReleased { env } => {
                write!(f, "no deployment of the release succeeded in {env}")
            }
            FollowUp::FailedCanary {
                env,
                component,
                version,
                verdict,
                score,
            } => write!(
                f,
                "the canary of {component} {version} in {env} was judged {verdict} (score {:.1}): compare its metrics with the baseline before promoting",
                score.0
            ),
        }
    }
}

/// Something a reader of the review should know about its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReviewNote {
    /// The after window ends after `now`: its DORA figures are incomplete.
    IncompleteAfterWindow {
        /// When the after window ends.
        ends_at: DateTime<Utc>,
    },
    /// Neither a deployment nor a planned start dates the release: DORA metrics were not
    /// compared.
    NotCompared,
}

impl fmt::Display for ReviewNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewNote::IncompleteAfterWindow { ends_at } => write!(
                f,
                "the after window ends at {ends_at}, in the future: its figures are incomplete"
            ),
            ReviewNote::NotCompared => {
                write!(
                    f,
                    "no deployment or planned start: DORA metrics not compared"
                )
            }
        }
    }
}

/// The post-release review of one [`ReviewSubject`]; built by [`review`], rendered by
/// [`to_markdown`].
///
/// JSON: an object with one key per field below; timestamps are RFC 3339 strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Review {
    /// What was reviewed.
    pub subject: ReviewSubject,
    /// The environment reviewed, if any environment is known.
    pub env: Option<EnvironmentId>,
    /// When the release happened (see the [module docs](self)), if known.
    pub released_at: Option<DateTime<Utc>>,
    /// Days before and after the release compared.
    pub window_days: u32,
    /// The change request, when the subject is one.
    pub change_request: Option<ChangeRequestEntry>,
    /// The component versions of the release: those named by the subject and those deployed
    /// under its name, ordered by component then version.
    pub versions: Vec<ReleasedComponent>,
    /// Its deployments (rollbacks apart), in ledger order.
    pub deployments: Vec<Deployment>,
    /// Rollbacks of its components since the release, in ledger order.
    pub rollbacks: Vec<Deployment>,
    /// Incidents opened within the window after the release, by id.
    pub incidents: Vec<ReviewIncident>,
    /// DORA metrics before and after, when the release is dated and an environment known.
    pub dora: Option<DoraComparison>,
    /// Gate verdicts recorded for it, in ledger order.
    pub gate_verdicts: Vec<GateVerdictRecord>,
    /// Canary verdicts recorded for its component versions, in every environment, in ledger
    /// order. Absent from reviews serialised before canary verdicts existed: then empty.
    #[serde(default)]
    pub canary_verdicts: Vec<CanaryVerdictRecord>,
    /// Approvals: the change request's first, then environment approvals in ledger order.
    pub approvals: Vec<ReviewApproval>,
    /// What to do next, most urgent kinds first.
    pub follow_ups: Vec<FollowUp>,
    /// Caveats about the figures.
    pub notes: Vec<ReviewNote>,
}

/// Returned by [`review`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewReleaseError {
    /// The subject is a change request the state does not hold.
    #[error("no change request {id}")]
    UnknownChangeRequest {
        /// The change request.
        id: ChangeRequestId,
    },
    /// The window around the release reaches beyond the dates chrono can represent.
    #[error("a window of {window_days} days around {released_at} is out of range")]
    WindowOutOfRange {
        /// The window asked for.
        window_days: u32,
        /// The release time.
        released_at: DateTime<Utc>,
    },
}

/// Builds the post-release review of `subject` from `state` (see the [module docs](self) for
/// what it holds). `now` only decides whether the after window is over.
///
/// Linear in the size of the state (deployments, incidents, verdicts, approvals), plus two
/// [`dora_metrics`] computations.
///
/// ```
/// use relman_env::review::{ReviewOptions, ReviewSubject, review, to_markdown};
/// use relman_env::EnvState;
///
/// let state = EnvState::default();
/// let subject = ReviewSubject::resolve(&state, "api@1.2.0").ok_or("not a version")?;
/// let now = "2026-12-01T00:00:00Z".parse()?;
/// let r = review(&state, &subject, &ReviewOptions::default(), now)?;
/// assert!(r.deployments.is_empty());
/// assert_eq!(r.follow_ups[0].kind(), "missing_gate_verdict");
/// assert!(to_markdown(&r).starts_with("# Post-release review: api@1.2.0\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ReviewReleaseError::UnknownChangeRequest`] when the subject is a change request `state`
/// does not hold; [`ReviewReleaseError::WindowOutOfRange`] when the window around the release
/// time overflows the calendar.
pub fn review(
    state: &EnvState,
    subject: &ReviewSubject,
    options: &ReviewOptions,
    now: DateTime<Utc>,
) -> Result<Review, ReviewReleaseError> {
    let entry = match subject {
        ReviewSubject::ChangeRequest(id) => Some(
            state
                .change_request(id)
                .ok_or_else(|| ReviewReleaseError::UnknownChangeRequest { id: id.clone() })?,
        ),
        _ => None,
    };
    // The names deployments, verdicts and approvals may carry for this release.
    let (names, mut versions): (Vec<String>, BTreeSet<ReleasedComponent>) = match (subject, entry) {
        (_, Some(e)) => {
            let mut names = vec![e.id().to_string()];
            names.extend(e.release.as_ref().map(ToString::to_string));
            (names, e.components.iter().cloned().collect())
        }
        (ReviewSubject::Version(v), None) => (vec![v.to_string()], BTreeSet::from([v.clone()])),
        (other, None) => (vec![other.to_string()], BTreeSet::new()),
    };
    let named = |r: Option<&str>| r.is_some_and(|r| names.iter().any(|n| n == r));
    let released = |component: &ComponentId, version: &Version| {
        ReleasedComponent::new(component.clone(), version.clone())
    };
    let deployments: Vec<&Deployment> = state
        .deployments
        .iter()
        .filter(|d| {
            d.reason != DeployReason::Rollback
                && (named(d.release.as_ref().map(|r| r.as_str()))
                    || versions.contains(&released(&d.component, &d.version)))
        })
        .collect();
    versions.extend(
        deployments
            .iter()
            .map(|d| released(&d.component, &d.version)),
    );
    let env = options
        .env
        .clone()
        .or_else(|| state.environments.last().map(|e| e.id.clone()))
        .or_else(|| deployments.last().map(|d| d.env.clone()));
    let released_at = deployments
        .iter()
        .filter(|d| Some(&d.env) == env.as_ref())
        .map(|d| d.started_at)
        .min()
        .or_else(|| deployments.iter().map(|d| d.started_at).min())
        .or_else(|| entry.and_then(|e| e.window.map(|w| w.start)));
    // (release - window, release + window), checked so that no input can overflow.
    let bounds = match released_at {
        Some(t) => {
            let out_of_range = || ReviewReleaseError::WindowOutOfRange {
                window_days: options.window_days,
                released_at: t,
            };
            let window =
                Duration::try_days(i64::from(options.window_days)).ok_or_else(out_of_range)?;
            let before = t.checked_sub_signed(window).ok_or_else(out_of_range)?;
            let after = t.checked_add_signed(window).ok_or_else(out_of_range)?;
            Some((before, t, after))
        }
        None => None,
    };
    let components: BTreeSet<&ComponentId> = versions.iter().map(|v| &v.component).collect();
    let rollbacks: Vec<Deployment> = state
        .deployments
        .iter()
        .filter(|d| d.reason == DeployReason::Rollback && components.contains(&d.component))
        .filter(|d| released_at.is_some_and(|t| d.started_at >= t))
        .cloned()
        .collect();
    let incidents: Vec<ReviewIncident> = match bounds {
        Some((_, t, end)) => state
            .incidents
            .values()
            .filter(|i| i.opened_at >= t && i.opened_at < end)
            .map(|i| ReviewIncident {
                incident: i.clone(),
                caused_by_release: versions.contains(&released(&i.component, &i.version)),
            })
            .collect(),
        None => Vec::new(),
    };
    let mut notes = Vec::new();
    let dora = match (&env, bounds) {
        (Some(env), Some((start, t, end))) => {
            if end > now {
                notes.push(ReviewNote::IncompleteAfterWindow { ends_at: end });
            }
            Some(DoraComparison {
                before: dora_metrics(state, env, start, t, &options.bands),
                after: dora_metrics(state, env, t, end, &options.bands),
            })
        }
        _ => {
            notes.push(ReviewNote::NotCompared);
            None
        }
    };
    let gate_verdicts: Vec<GateVerdictRecord> = state
        .gate_verdicts()
        .iter()
        .filter(|v| {
            named(v.release.as_ref().map(|r| r.as_str()))
                || named(v.change_request.as_ref().map(|c| c.as_str()))
        })
        .cloned()
        .collect();
    let canary_verdicts: Vec<CanaryVerdictRecord> = state
        .canary_verdicts()
        .iter()
        .filter(|v| versions.contains(&released(&v.component, &v.version)))
        .cloned()
        .collect();
    let mut approvals: Vec<ReviewApproval> = entry
        .map(|e| {
            e.request
                .approvals()
                .iter()
                .map(|a| ReviewApproval {
                    scope: ApprovalScope::ChangeRequest,
                    env: None,
                    by: a.by.clone(),
                    at: a.at,
                    digest: a.digest.clone(),
                    current: &a.digest == e.request.digest(),
                })
                .collect()
        })
        .unwrap_or_default();
    approvals.extend(
        state
            .approvals
            .iter()
            .filter(|a| named(Some(a.release.as_str())))
            .map(|a| ReviewApproval {
                scope: ApprovalScope::Environment,
                env: Some(a.env.clone()),
                by: a.by.clone(),
                at: a.at,
                digest: a.digest.clone(),
                current: true,
            }),
    );
    let mut follow_ups = follow_ups(
        &deployments,
        &rollbacks,
        &incidents,
        &gate_verdicts,
        entry,
        env.as_ref(),
    );
    follow_ups.extend(failed_canaries(&canary_verdicts));
    Ok(Review {
        subject: subject.clone(),
        env,
        released_at,
        window_days: options.window_days,
        change_request: entry.cloned(),
        versions: versions.into_iter().collect(),
        deployments: deployments.into_iter().cloned().collect(),
        rollbacks,
        incidents,
        dora,
        gate_verdicts,
        canary_verdicts,
        approvals,
        follow_ups,
        notes,
    })
}

/// One follow-up per (environment, component, version) whose latest canary verdict is not a
/// pass; `verdicts` are in ledger order.
fn failed_canaries(verdicts: &[CanaryVerdictRecord]) -> Vec<FollowUp> {
    let mut latest: Vec<&CanaryVerdictRecord> = Vec::new();
    for v in verdicts {
        let same = |l: &&CanaryVerdictRecord| {
            l.env == v.env && l.component == v.component && l.version == v.version
        };
        match latest.iter_mut().find(|l| same(l)) {
            Some(slot) => *slot = v,
            None => latest.push(v),
        }
    }
    latest
        .into_iter()
        .filter(|v| v.verdict != crate::canary::CanaryVerdict::Pass)
        .map(|v| FollowUp::FailedCanary {
            env: v.env.clone(),
            component: v.component.clone(),
            version: v.version.clone(),
            verdict: v.verdict,
            score: v.score,
        })
        .collect()
}

fn follow_ups(
    deployments: &[&Deployment],
    rollbacks: &[Deployment],
    incidents: &[ReviewIncident],
    verdicts: &[GateVerdictRecord],
    entry: Option<&ChangeRequestEntry>,
    env: Option<&EnvironmentId>,
) -> Vec<FollowUp> {
    let mut out = Vec::new();
    for i in incidents.iter().map(|i| &i.incident) {
        if i.resolved_at.is_none() {
            out.push(FollowUp::UnresolvedIncident {
                id: i.id.clone(),
                env: i.env.clone(),
                component: i.component.clone(),
                version: i.version.clone(),
                opened_at: i.opened_at,
            });
        }
    }
    for d in deployments {
        let (env, component, version, started_at) = (
            d.env.clone(),
            d.component.clone(),
            d.version.clone(),
            d.started_at,
        );
        match d.status {
            DeploymentStatus::Failed => out.push(FollowUp::FailedDeployment {
                env,
                component,
                version,
                started_at,
            }),
            DeploymentStatus::InProgress => out.push(FollowUp::UnfinishedDeployment {
                env,
                component,
                version,
                started_at,
            }),
            _ => {}
        }
    }
    for r in rollbacks {
        out.push(FollowUp::Rollback {
            env: r.env.clone(),
            component: r.component.clone(),
            version: r.version.clone(),
            started_at: r.started_at,
        });
    }
    match verdicts.last() {
        None => out.push(FollowUp::MissingGateVerdict),
        Some(v) if v.verdict != Verdict::Pass => {
            for g in v.gates.iter().filter(|g| g.verdict != Verdict::Pass) {
                out.push(FollowUp::FailedGate {
                    gate: g.gate.clone(),
                    verdict: g.verdict,
                    at: v.at,
                    reasons: g.reasons.clone(),
                });
            }
        }
        Some(_) => {}
    }
    if let Some(e) = entry {
        let cr = &e.request;
        if cr.kind != ChangeKind::Standard && cr.approval_count() < cr.rule.required {
            out.push(FollowUp::MissingApprovals {
                change_request: cr.id.clone(),
                counted: cr.approval_count(),
                required: cr.rule.required,
                digest: cr.digest().clone(),
            });
        }
        if cr.approvals().iter().any(|a| &a.digest != cr.digest()) {
            out.push(FollowUp::StaleApprovals {
                change_request: cr.id.clone(),
            });
        }
        if !cr.state().is_terminal() {
            out.push(FollowUp::OpenChangeRequest {
                change_request: cr.id.clone(),
                state: cr.state(),
            });
        }
        if cr.state() == ChangeState::Canceled && !deployments.is_empty() {
            out.push(FollowUp::CanceledButDeployed {
                change_request: cr.id.clone(),
            });
        }
    }
    if let Some(env) = env
        && !deployments
            .iter()
            .any(|d| &d.env == env && d.status == DeploymentStatus::Succeeded)
    {
        out.push(FollowUp::NotReleased { env: env.clone() });
    }
    out
}

/// Renders a review as Markdown: a summary list, then sections for deployments, incidents,
/// DORA metrics (when compared), gate verdicts, approvals and follow-up actions (as a task
/// list), then the notes. Times are shown to the second in UTC.
pub fn to_markdown(review: &Review) -> String {
    let o = review;
    let mut t = String::new();
    let _ = writeln!(t, "# Post-release review: {}\n", e(&o.subject.to_string()));
    let _ = writeln!(t, "- resolved as: {}", o.subject.kind().replace('_', " "));
    if let Some(env) = &o.env {
        let _ = writeln!(t, "- environment reviewed: {env}");
    }
    match o.released_at {
        Some(at) => {
            let _ = writeln!(t, "- released at: {}", ts(at));
        }
        None => {
            let _ = writeln!(t, "- released at: unknown");
        }
    }
    if !o.versions.is_empty() {
        let versions: Vec<String> = o.versions.iter().map(ToString::to_string).collect();
        let _ = writeln!(t, "- versions: {}", versions.join(", "));
    }
    if let Some(e) = &o.change_request {
        let cr = &e.request;
        let _ = writeln!(
            t,
            "- change request: {} ({}, {}), {} of {} approvals for `{}`",
            cr.id,
            cr.kind,
            cr.state(),
            cr.approval_count(),
            cr.rule.required,
            cr.digest()
        );
    }
    let _ = writeln!(t, "\n## Deployments\n");
    if o.deployments.is_empty() && o.rollbacks.is_empty() {
        let _ = writeln!(t, "None recorded.");
    } else {
        let _ = writeln!(
            t,
            "| env | component | version | reason | started | finished | outcome |\n|---|---|---|---|---|---|---|"
        );
        for d in o.deployments.iter().chain(&o.rollbacks) {
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} | {} | {} |",
                d.env,
                d.component,
                d.version,
                d.reason,
                ts(d.started_at),
                d.finished_at.map_or("-".into(), ts),
                d.status
            );
        }
    }
    let _ = writeln!(t, "\n## Incidents after the release\n");
    if o.incidents.is_empty() {
        let _ = writeln!(t, "None.");
    }
    for r in &o.incidents {
        let i = &r.incident;
        let _ = writeln!(
            t,
            "- {} ({} {} in {}), opened {}, {}{}",
            e(&i.id),
            i.component,
            i.version,
            i.env,
            ts(i.opened_at),
            i.resolved_at
                .map_or("unresolved".into(), |r| format!("resolved {}", ts(r))),
            if r.caused_by_release {
                ", caused by this release"
            } else {
                ""
            }
        );
    }
    if let Some(d) = &o.dora {
        let _ = writeln!(
            t,
            "\n## DORA metrics, {} days before and after\n",
            o.window_days
        );
        let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0));
        let hours =
            |s: Option<i64>| s.map_or("-".to_string(), |s| format!("{:.1}h", s as f64 / 3600.0));
        let _ = writeln!(t, "| metric | before | after |\n|---|---|---|");
        let _ = writeln!(
            t,
            "| deployments | {} | {} |",
            d.before.deployments, d.after.deployments
        );
        let _ = writeln!(
            t,
            "| deployments per day | {:.2} | {:.2} |",
            d.before.deployments_per_day, d.after.deployments_per_day
        );
        let _ = writeln!(
            t,
            "| lead time (median) | {} | {} |",
            hours(d.before.lead_time.median_seconds),
            hours(d.after.lead_time.median_seconds)
        );
        let _ = writeln!(
            t,
            "| change failure rate | {} | {} |",
            pct(d.before.change_failure_rate),
            pct(d.after.change_failure_rate)
        );
        let _ = writeln!(
            t,
            "| time to restore (median) | {} | {} |",
            hours(d.before.recovery_time.median_seconds),
            hours(d.after.recovery_time.median_seconds)
        );
        let _ = writeln!(
            t,
            "| rework rate | {} | {} |",
            pct(d.before.rework_rate),
            pct(d.after.rework_rate)
        );
    }
    let _ = writeln!(t, "\n## Gate verdicts\n");
    if o.gate_verdicts.is_empty() {
        let _ = writeln!(t, "None recorded.");
    }
    for v in &o.gate_verdicts {
        let _ = writeln!(t, "- {} at {}", v.verdict, ts(v.at));
        for g in &v.gates {
            let _ = writeln!(t, "  - {}: {}", g.gate, g.verdict);
            for r in &g.reasons {
                let _ = writeln!(t, "    - {}", e(r));
            }
        }
    }
    // Only when some were recorded: canary analysis is optional, and reviews without it read
    // as they did before it existed.
    if !o.canary_verdicts.is_empty() {
        let _ = writeln!(t, "\n## Canary verdicts\n");
    }
    for v in &o.canary_verdicts {
        let _ = writeln!(
            t,
            "- {}@{} in {} against {}: {} (score {:.1}) at {}",
            v.component,
            v.version,
            v.env,
            v.baseline,
            v.verdict,
            v.score.0,
            ts(v.at)
        );
        for m in &v.metrics {
            let _ = writeln!(t, "  - {}: {}", e(&m.metric), m.classification);
        }
    }
    let _ = writeln!(t, "\n## Approvals\n");
    if o.approvals.is_empty() {
        let _ = writeln!(t, "None recorded.");
    }
    for a in &o.approvals {
        let _ = writeln!(
            t,
            "- {} by {} at {} for `{}`{}{}",
            a.scope.to_string().replace('_', " "),
            a.by,
            ts(a.at),
            a.digest,
            a.env
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
            if a.current { "" } else { " (stale digest)" }
        );
    }
    let _ = writeln!(t, "\n## Follow-up actions\n");
    if o.follow_ups.is_empty() {
        let _ = writeln!(t, "None.");
    }
    for f in &o.follow_ups {
        let _ = writeln!(
            t,
            "- [ ] {} ({})",
            e(&f.to_string()),
            f.kind().replace('_', " ")
        );
    }
    for n in &o.notes {
        let _ = writeln!(t, "\nNote: {}", e(&n.to_string()));
    }
    t
}

/// Recorded text (release names, incident ids, gate reasons) as Markdown that shows it as
/// written: no HTML or link comes from the ledger.
fn e(text: &str) -> String {
    relman_model::text::escape_markdown(text).replace('|', "\\|")
}

/// A timestamp to the second, for people.
fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::{CanaryClassification, CanaryMetricOutcome, CanaryVerdict, Figure};
    use crate::change::GateOutcome;
    use crate::event::{Event, EventKind};
    use crate::store::{Recorded, Revision};
    use relman_model::{ApprovalRule, Environment};

    fn t(hour: i64) -> DateTime<Utc> {
        "2026-12-01T00:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("timestamp")
            + Duration::hours(hour)
    }

    fn digest(n: u8) -> Digest {
        Digest::new(format!("{n:016x}")).expect("digest")
    }

    fn started(env: &str, version: &str, release: Option<&str>, reason: DeployReason) -> EventKind {
        EventKind::DeploymentStarted {
            env: env.parse().expect("env"),
            component: "api".parse().expect("component"),
            version: version.parse().expect("version"),
            release: release.map(|r| r.parse().expect("release")),
            reason,
            changes: Vec::new(),
        }
    }

    fn succeeded(env: &str, version: &str) -> EventKind {
        EventKind::DeploymentSucceeded {
            env: env.parse().expect("env"),
            component: "api".parse().expect("component"),
            version: version.parse().expect("version"),
        }
    }

    fn fold(events: Vec<(i64, &str, EventKind)>) -> EnvState {
        let mut state = EnvState::default();
        for (n, (hour, by, kind)) in (1u64..).zip(events) {
            let event = Event::new(t(hour), Some(by.parse().expect("person")), kind);
            state.apply(&Recorded {
                revision: Revision::new(n),
                event,
            });
        }
        state
    }

    /// A change request for api 1.2.0: approved, implemented, a failing verdict; 1.1.0 runs in
    /// production before; 1.2.0 goes to staging then production, causes INC-7, and production
    /// is rolled back to 1.1.0.
    fn released() -> EnvState {
        let environments =
            Environment::pipeline(["staging", "production"].map(|n| n.parse().expect("env")));
        let cr: ChangeRequestId = "CR-12".parse().expect("id");
        fold(vec![
            (-48, "ops", EventKind::EnvironmentsDeclared { environments }),
            (
                -47,
                "ops",
                started("production", "1.1.0", None, DeployReason::Planned),
            ),
            (-46, "ops", succeeded("production", "1.1.0")),
            (
                -10,
                "ana",
                EventKind::ChangeRequestOpened {
                    change_request: cr.clone(),
                    title: "Release api 1.2.0".into(),
                    change_kind: ChangeKind::Normal,
                    requester: "ana".parse().expect("person"),
                    digest: digest(1),
                    rule: ApprovalRule::new(1, vec![]),
                    release: None,
                    components: vec![ReleasedComponent::new(
                        "api".parse().expect("component"),
                        Version::new(1, 2, 0),
                    )],
                    window: None,
                },
            ),
            (
                -9,
                "ana",
                EventKind::ChangeRequestAssessed {
                    change_request: cr.clone(),
                    score: 35,
                    level: relman_model::RiskLevel::Medium,
                },
            ),
            (
                -8,
                "bo",
                EventKind::ChangeRequestApproved {
                    change_request: cr.clone(),
                    digest: digest(1),
                },
            ),
            (
                -7,
                "ci",
                EventKind::GateVerdictRecorded {
                    release: None,
                    change_request: Some(cr.clone()),
                    verdict: Verdict::Fail,
                    gates: vec![GateOutcome {
                        gate: "integration".parse().expect("gate"),
                        verdict: Verdict::Fail,
                        reasons: vec!["1 tests failed (at most 0 allowed)".into()],
                    }],
                },
            ),
            (
                0,
                "ops",
                started("staging", "1.2.0", None, DeployReason::Planned),
            ),
            (1, "ops", succeeded("staging", "1.2.0")),
            (
                2,
                "ops",
                started("production", "1.2.0", None, DeployReason::Planned),
            ),
            (3, "ops", succeeded("production", "1.2.0")),
            (
                4,
                "oncall",
                EventKind::IncidentOpened {
                    id: "INC-7".into(),
                    env: "production".parse().expect("env"),
                    component: "api".parse().expect("component"),
                    version: Version::new(1, 2, 0),
                },
            ),
            (
                5,
                "ops",
                started("production", "1.1.0", None, DeployReason::Rollback),
            ),
            (6, "ops", succeeded("production", "1.1.0")),
        ])
    }

    fn kinds(r: &Review) -> Vec<&'static str> {
        r.follow_ups.iter().map(FollowUp::kind).collect()
    }

    #[test]
    fn change_request_review_collects_the_facts() {
        let state = released();
        let subject = ReviewSubject::resolve(&state, "CR-12").expect("resolves");
        assert_eq!(subject.kind(), "change_request");
        let r = review(&state, &subject, &ReviewOptions::default(), t(24 * 60)).expect("review");
        assert_eq!(r.env, Some("production".parse().expect("env")));
        assert_eq!(r.released_at, Some(t(2)), "first start in production");
        let envs: Vec<&str> = r.deployments.iter().map(|d| d.env.as_str()).collect();
        assert_eq!(envs, ["staging", "production"]);
        assert_eq!(r.rollbacks.len(), 1);
        assert_eq!(r.incidents.len(), 1);
        assert!(r.incidents[0].caused_by_release);
        let dora = r.dora.as_ref().expect("compared");
        assert_eq!((dora.before.deployments, dora.after.deployments), (1, 2));
        assert_eq!(r.gate_verdicts.len(), 1);
        assert_eq!(r.approvals.len(), 1);
        assert!(r.approvals[0].current);
        assert_eq!(
            kinds(&r),
            [
                "unresolved_incident",
                "rollback",
                "failed_gate",
                "open_change_request"
            ]
        );
        assert_eq!(
            r.follow_ups[0].to_string(),
            "resolve incident INC-7 (api 1.2.0 in production, open since 2026-12-01 04:00:00 UTC)"
        );
        assert_eq!(
            r.follow_ups[2].to_string(),
            "gate integration was fail at 2026-11-30 17:00:00 UTC: 1 tests failed (at most 0 allowed)"
        );
        assert!(r.notes.is_empty(), "the after window is over at `now`");
    }

    #[test]
    fn the_view_flattens_the_review_as_text() {
        let state = released();
        let subject = ReviewSubject::resolve(&state, "CR-12").expect("resolves");
        let r = review(&state, &subject, &ReviewOptions::default(), t(24 * 60)).expect("review");
        let v = ReviewView::new(&state, "CR-12", &r);
        assert_eq!(
            (v.release.as_str(), v.resolved_as),
            ("CR-12", "change_request")
        );
        assert_eq!(v.env.as_deref(), Some("production"));
        assert_eq!(v.components, ["api@1.2.0"]);
        assert_eq!(v.deployments.len(), r.deployments.len());
        assert_eq!(v.rollbacks[0].version, r.rollbacks[0].version.to_string());
        assert!(v.incidents[0].caused_by_release);
        assert_eq!(
            v.change_request.as_ref().map(|c| c.id.as_str()),
            Some("CR-12")
        );
        let follow_ups: Vec<&str> = v.follow_ups.iter().map(|f| f.kind).collect();
        assert_eq!(follow_ups, kinds(&r));
        let json = serde_json::to_value(&v).expect("serializes");
        assert_eq!(json["deployments"][0]["env"], "staging");
    }

    #[test]
    fn the_after_window_in_the_future_is_noted() {
        let state = released();
        let subject = ReviewSubject::Version(ReleasedComponent::new(
            "api".parse().expect("component"),
            Version::new(1, 2, 0),
        ));
        let options = ReviewOptions {
            window_days: 7,
            ..ReviewOptions::default()
        };
        let r = review(&state, &subject, &options, t(24)).expect("review");
        assert_eq!(
            r.notes,
            [ReviewNote::IncompleteAfterWindow {
                ends_at: t(2 + 7 * 24)
            }]
        );
        assert!(
            kinds(&r).contains(&"missing_gate_verdict"),
            "{:?}",
            kinds(&r)
        );
        assert!(r.change_request.is_none());
    }

    #[test]
    fn a_release_name_resolves_only_when_recorded() {
        let state = fold(vec![
            (
                0,
                "ops",
                started("staging", "2.0.0", Some("2026.12"), DeployReason::Planned),
            ),
            (
                1,
                "ops",
                EventKind::DeploymentFailed {
                    env: "staging".parse().expect("env"),
                    component: "api".parse().expect("component"),
                    version: Version::new(2, 0, 0),
                    reason: "boom".into(),
                },
            ),
        ]);
        assert_eq!(ReviewSubject::resolve(&state, "2027.01"), None);
        let subject = ReviewSubject::resolve(&state, "2026.12").expect("recorded");
        assert_eq!(
            subject,
            ReviewSubject::Release("2026.12".parse().expect("id"))
        );
        let r = review(&state, &subject, &ReviewOptions::default(), t(1)).expect("review");
        assert_eq!(
            kinds(&r),
            ["failed_deployment", "missing_gate_verdict", "not_released"]
        );
        assert_eq!(
            r.follow_ups[2].to_string(),
            "no deployment of the release succeeded in staging"
        );
    }

    #[test]
    fn unknown_change_requests_and_huge_windows_are_errors() {
        let state = released();
        let unknown = ReviewSubject::ChangeRequest("CR-404".parse().expect("id"));
        assert_eq!(
            review(&state, &unknown, &ReviewOptions::default(), t(0)),
            Err(ReviewReleaseError::UnknownChangeRequest {
                id: "CR-404".parse().expect("id")
            })
        );
        let options = ReviewOptions {
            window_days: u32::MAX,
            ..ReviewOptions::default()
        };
        let subject = ReviewSubject::ChangeRequest("CR-12".parse().expect("id"));
        assert!(matches!(
            review(&state, &subject, &options, t(0)),
            Err(ReviewReleaseError::WindowOutOfRange { .. })
        ));
    }

    #[test]
    fn undated_reviews_skip_dora_and_say_so() {
        let state = EnvState::default();
        let subject = ReviewSubject::Release("r1".parse().expect("id"));
        let r = review(&state, &subject, &ReviewOptions::default(), t(0)).expect("review");
        assert_eq!(r.dora, None);
        assert_eq!(r.notes, [ReviewNote::NotCompared]);
        assert_eq!(
            to_markdown(&r),
            "# Post-release review: r1\n\n\
             - resolved as: release\n\
             - released at: unknown\n\n\
             ## Deployments\n\nNone recorded.\n\n\
             ## Incidents after the release\n\nNone.\n\n\
             ## Gate verdicts\n\nNone recorded.\n\n\
             ## Approvals\n\nNone recorded.\n\n\
             ## Follow-up actions\n\n\
             - [ ] no gate verdict was recorded: run `relman gate check --record` (missing gate verdict)\n\n\
             Note: no deployment or planned start: DORA metrics not compared\n"
        );
    }

    #[test]
    fn markdown_lists_deployments_dora_and_follow_ups() {
        let state = released();
        let subject = ReviewSubject::ChangeRequest("CR-12".parse().expect("id"));
        let md = to_markdown(
            &review(&state, &subject, &ReviewOptions::default(), t(24 * 60)).expect("review"),
        );
        for needle in [
            "- versions: api@1.2.0\n",
            "- change request: CR-12 (normal, assess), 1 of 1 approvals for `0000000000000001`\n",
            "| production | api | 1.2.0 | planned | 2026-12-01 02:00:00 UTC | 2026-12-01 03:00:00 UTC | succeeded |\n",
            "| production | api | 1.1.0 | rollback |",
            "- INC-7 (api 1.2.0 in production), opened 2026-12-01 04:00:00 UTC, unresolved, caused by this release\n",
            "| deployments | 1 | 2 |\n",
            "- change request by bo at 2026-11-30 16:00:00 UTC for `0000000000000001`\n",
            "- [ ] analyse why api in production was rolled back to 1.1.0 at 2026-12-01 05:00:00 UTC (rollback)\n",
        ] {
            assert!(md.contains(needle), "{needle:?} not in\n{md}");
        }
    }

    fn canary(version: &str, verdict: CanaryVerdict, metric: &str) -> EventKind {
        EventKind::CanaryVerdictRecorded {
            env: "production".parse().expect("env"),
            component: "api".parse().expect("component"),
            version: version.parse().expect("version"),
            baseline: "1.1.0".parse().expect("version"),
            verdict,
            score: Figure(if verdict == CanaryVerdict::Pass {
                100.0
            } else {
                40.0
            }),
            metrics: vec![CanaryMetricOutcome {
                metric: metric.into(),
                classification: CanaryClassification::High,
                failed: verdict == CanaryVerdict::Fail,
                p_value: Some(Figure(0.001)),
                reasons: Vec::new(),
            }],
        }
    }

    #[test]
    fn canary_verdicts_of_the_reviewed_versions_are_shown() {
        let mut state = released();
        for (n, (hour, kind)) in (100u64..).zip([
            (3, canary("1.2.0", CanaryVerdict::Fail, "latency_ms")),
            (4, canary("1.1.0", CanaryVerdict::Pass, "other_version")),
            (5, canary("1.2.0", CanaryVerdict::Pass, "<b>errors</b>")),
        ]) {
            state.apply(&Recorded {
                revision: Revision::new(n),
                event: Event::new(t(hour), Some("ci".parse().expect("person")), kind),
            });
        }
        let subject = ReviewSubject::resolve(&state, "api@1.2.0").expect("a version");
        let r = review(&state, &subject, &ReviewOptions::default(), t(1000)).expect("review");
        let verdicts: Vec<(CanaryVerdict, u64)> = r
            .canary_verdicts
            .iter()
            .map(|v| (v.verdict, v.revision.get()))
            .collect();
        assert_eq!(
            verdicts,
            [(CanaryVerdict::Fail, 100), (CanaryVerdict::Pass, 102)]
        );
        let md = to_markdown(&r);
        assert!(
            md.contains(
                "\n## Canary verdicts\n\n- api@1.2.0 in production against 1.1.0: fail (score 40.0)"
            ),
            "{md}"
        );
        assert!(md.contains("  - latency_ms: high\n"), "{md}");
        assert!(!md.contains("<b>"), "metric names are escaped: {md}");
        assert!(!md.contains("other_version"), "{md}");
        let view = ReviewView::new(&state, "api@1.2.0", &r);
        assert_eq!(view.canary_verdicts.len(), 2);
        assert_eq!(view.canary_verdicts[0].verdict, "fail");
        assert_eq!(view.canary_verdicts[0].metrics[0].classification, "high");

        assert!(
            !kinds(&r).contains(&"failed_canary"),
            "the latest verdict of 1.2.0 passed: {:?}",
            kinds(&r)
        );
        let mut failing = state.clone();
        failing.apply(&Recorded {
            revision: Revision::new(103),
            event: Event::new(
                t(6),
                Some("ci".parse().expect("person")),
                canary("1.2.0", CanaryVerdict::Fail, "latency_ms"),
            ),
        });
        let r = review(&failing, &subject, &ReviewOptions::default(), t(1000)).expect("review");
        assert_eq!(
            kinds(&r).iter().filter(|k| **k == "failed_canary").count(),
            1,
            "one follow-up for the latest failing verdict: {:?}",
            kinds(&r)
        );
        assert!(
            to_markdown(&r).contains("- [ ] the canary of api 1.2.0 in production was judged fail"),
            "{}",
            to_markdown(&r)
        );

        let empty =
            review(&released(), &subject, &ReviewOptions::default(), t(1000)).expect("review");
        assert!(
            !to_markdown(&empty).contains("Canary verdicts"),
            "no section without verdicts"
        );
    }

    #[test]
    fn review_json_round_trips() {
        let state = released();
        let subject = ReviewSubject::ChangeRequest("CR-12".parse().expect("id"));
        let r = review(&state, &subject, &ReviewOptions::default(), t(24 * 60)).expect("review");
        let json = serde_json::to_value(&r).expect("serialize");
        assert_eq!(
            json["subject"],
            serde_json::json!({"change_request": "CR-12"})
        );
        assert_eq!(json["follow_ups"][1]["kind"], "rollback");
        let back: Review = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, r);
    }
}
