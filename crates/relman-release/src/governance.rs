//! Governance before any action: the plan matches its digest, its change request is approved
//! (relman-model's approval rule: N distinct approvers of the current digest, never the
//! requester) and scheduled, the gates recorded for it pass, and no freeze window is in force.
//! [`check`] returns every reason to refuse, not just the first.

use std::fmt;

use chrono::{DateTime, Utc};
use relman_env::EnvState;
use relman_model::{ChangeRequestId, ChangeState, Verdict, WindowKind};
use relman_plan::ReleasePlan;

/// One reason to refuse a release.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The plan's content does not match its digest.
    DigestMismatch {
        /// The digest the plan records.
        recorded: String,
        /// The digest of its content.
        actual: String,
    },
    /// No change request in the ledger is bound to the plan's digest.
    NoChangeRequest {
        /// The plan's digest.
        digest: String,
    },
    /// The change request is not (or no longer) scheduled.
    NotScheduled {
        /// The request.
        change_request: ChangeRequestId,
        /// Its state.
        state: ChangeState,
    },
    /// The approval rule is not met for the plan's digest.
    NotApproved {
        /// The request.
        change_request: ChangeRequestId,
        /// Approvals that count.
        valid: usize,
        /// Approvals required.
        required: usize,
    },
    /// The release is outside the change request's planned window.
    OutsideWindow {
        /// The request.
        change_request: ChangeRequestId,
        /// The window's start.
        start: DateTime<Utc>,
        /// The window's end.
        finish: DateTime<Utc>,
    },
    /// The latest gate verdict recorded for the change request is not a pass.
    GateNotPassed {
        /// The request.
        change_request: ChangeRequestId,
        /// The verdict.
        verdict: Verdict,
        /// The gates that did not pass.
        gates: Vec<String>,
    },
    /// A freeze window is in force.
    Freeze {
        /// The window's name.
        window: String,
        /// When it ends.
        until: DateTime<Utc>,
    },
    /// The repository is not at the planned commit (checked before the first step).
    NotAtPlannedCommit {
        /// The planned commit.
        planned: String,
        /// `HEAD`.
        head: String,
    },
    /// Tracked files have uncommitted changes (checked before the first step).
    DirtyWorkingTree,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::DigestMismatch { recorded, actual } => write!(
                f,
                "the plan was edited after planning: its content has digest {actual}, the plan says {recorded}"
            ),
            Refusal::NoChangeRequest { digest } => write!(
                f,
                "no change request is bound to the plan digest {digest} (`relman change new --plan`)"
            ),
            Refusal::NotScheduled {
                change_request,
                state,
            } => write!(
                f,
                "change request {change_request} is {state}, not scheduled"
            ),
            Refusal::NotApproved {
                change_request,
                valid,
                required,
            } => write!(
                f,
                "change request {change_request} has {valid} valid approval(s) of the plan digest, {required} required"
            ),
            Refusal::OutsideWindow {
                change_request,
                start,
                finish,
            } => write!(
                f,
                "change request {change_request} is scheduled from {start} to {finish}"
            ),
            Refusal::GateNotPassed {
                change_request,
                verdict,
                gates,
            } => write!(
                f,
                "the latest gate verdict of change request {change_request} is {verdict} ({})",
                gates.join(", ")
            ),
            Refusal::Freeze { window, until } => {
                write!(f, "freeze window {window} is in force until {until}")
            }
            Refusal::NotAtPlannedCommit { planned, head } => write!(
                f,
                "the plan was made at commit {planned}, but HEAD is {head}"
            ),
            Refusal::DirtyWorkingTree => {
                write!(
                    f,
                    "tracked files have uncommitted changes; commit or stash them"
                )
            }
        }
    }
}

/// Every reason the ledger `state` gives to refuse carrying out `plan` at `now` (empty when
/// the release may go ahead). The change request is the one whose current digest is the
/// plan's (its id is normally the plan's `change_request.id`); it must be scheduled (or
/// already being implemented, when a release resumes), approved by its rule for that digest,
/// and `now` must be inside its planned window when it has one. The latest gate verdict
/// recorded for it must be a pass. A freeze window (one-off or recurring, for any environment:
/// a release changes what every environment will run) must not be in force.
pub fn check(plan: &ReleasePlan, state: &EnvState, now: DateTime<Utc>) -> Vec<Refusal> {
    let mut out = Vec::new();
    let actual = plan.content_digest();
    if plan.digest != actual || plan.change_request.digest != actual {
        out.push(Refusal::DigestMismatch {
            recorded: plan.digest.clone(),
            actual,
        });
    }
    let entry = state
        .change_requests()
        .filter(|e| e.request.digest().as_str() == plan.digest)
        .max_by_key(|e| {
            (
                e.id().as_str() == plan.change_request.id,
                e.updated_revision,
            )
        });
    match entry {
        None => out.push(Refusal::NoChangeRequest {
            digest: plan.digest.clone(),
        }),
        Some(entry) => {
            let id = entry.id().clone();
            let request = &entry.request;
            if !matches!(
                entry.state(),
                ChangeState::Scheduled | ChangeState::Implement
            ) {
                out.push(Refusal::NotScheduled {
                    change_request: id.clone(),
                    state: entry.state(),
                });
            }
            if !request.is_approved() {
                out.push(Refusal::NotApproved {
                    change_request: id.clone(),
                    valid: request.approval_count(),
                    required: request.rule.required,
                });
            }
            if let Some(window) = entry.window
                && (now < window.start || now >= window.finish)
            {
                out.push(Refusal::OutsideWindow {
                    change_request: id.clone(),
                    start: window.start,
                    finish: window.finish,
                });
            }
            if let Some(latest) = state.gate_verdicts_for_change_request(&id).last()
                && latest.verdict != Verdict::Pass
            {
                out.push(Refusal::GateNotPassed {
                    change_request: id.clone(),
                    verdict: latest.verdict,
                    gates: latest
                        .gates
                        .iter()
                        .filter(|g| g.verdict != Verdict::Pass)
                        .map(|g| format!("{}: {}", g.gate, g.verdict))
                        .collect(),
                });
            }
        }
    }
    let mut freezes: Vec<(DateTime<Utc>, String)> = state
        .windows
        .iter()
        .filter(|w| w.kind == WindowKind::Freeze && w.contains(now))
        .map(|w| (w.end, w.name.clone()))
        .chain(
            state
                .recurring_windows
                .iter()
                .filter(|w| w.kind() == WindowKind::Freeze)
                .filter_map(|w| {
                    w.occurrence_at(now)
                        .map(|(_, end)| (end, w.name().to_owned()))
                }),
        )
        .collect();
    freezes.sort();
    for (until, window) in freezes {
        out.push(Refusal::Freeze { window, until });
    }
    out
}
