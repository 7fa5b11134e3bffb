//! Change requests and recorded gate verdicts in the ledger.
//!
//! A change request is opened by an [`EventKind::ChangeRequestOpened`] event carrying its whole
//! draft; every later change-request event is one action of relman-model's [`ChangeRequest`]
//! state machine, replayed in ledger order:
//!
//! | event | action | allowed in |
//! |---|---|---|
//! | `change_request_assessed` | record the risk; advance from `new` | `new` (normal, emergency), `assess`, `authorize` (re-assessment) |
//! | `change_request_submitted` | advance to `authorize` | `assess` (normal), `new` (emergency) |
//! | `change_request_approved` | approve the current digest | `assess`, `authorize` |
//! | `change_request_rejected` | back to `new`, approvals voided | `assess`, `authorize` |
//! | `change_request_amended` | new digest; older approvals stop counting | `new`, `assess`, `authorize` |
//! | `change_request_scheduled` | advance to `scheduled` (through `authorize`), set the window | `new` (standard), `assess`, `authorize`, `scheduled` (re-scheduling) |
//! | `change_request_implemented` | advance to `implement` | `scheduled` |
//! | `change_request_reviewed` | advance to `review` | `implement` |
//! | `change_request_closed` | advance to `closed` | `review` |
//! | `change_request_canceled` | cancel | before `review` |
//!
//! Leaving `authorize` needs the approval rule met for the *current* digest, so an approval of
//! an older plan never counts. A normal or emergency request needs at least one approval, and
//! an assessment raises the approvals it needs to the [`ApprovalPolicy`] minimum for its risk
//! level (two from high risk on): a requester cannot lower them. [`EnvState::check`](crate::EnvState::check) says whether an event
//! would apply before it is appended; the fold never panics on an event that does not apply: it
//! leaves the request unchanged and lists the event in
//! [`EnvState::rejected`](crate::EnvState::rejected).
//!
//! [`ops`] turns typed inputs into the events to append ([`OpenChangeRequest`],
//! [`ChangeTransition`], [`decide`]); [`view`] is the request as a tool shows it
//! ([`ChangeRequestView`]).
//!
//! [`EventKind::GateVerdictRecorded`] records the verdict of `relman gate check --record` for a
//! release or a change request.

use std::collections::BTreeMap;

pub mod ops;
pub mod view;

pub use ops::{
    ChangeRequestDraft, ChangeTransition, OpenChangeRequest, OpenChangeRequestError, decide,
};
pub use view::{ChangeRequestView, list_to_text};

use chrono::{DateTime, Utc};
use relman_model::{
    ApprovalPolicy, ChangeKind, ChangeRequest, ChangeRequestId, ChangeState, GateId, PersonId,
    ReleaseId, ReleasedComponent, RiskLevel, UpdateChangeRequestError, Verdict,
};
use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind};
use crate::store::Revision;

/// A planned implementation window of a change request; `finish` is after `start`.
///
/// JSON: `{"start": "2026-12-01T08:00:00Z", "finish": "2026-12-01T18:00:00Z"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlannedWindow {
    /// When implementation starts.
    pub start: DateTime<Utc>,
    /// When it should be done.
    pub finish: DateTime<Utc>,
}

/// A risk assessment of a change request.
///
/// JSON: `{"score": 42, "level": "medium", "at": "...", "by": "ana"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The risk score, 0 to 100.
    pub score: u8,
    /// The risk level.
    pub level: RiskLevel,
    /// When it was assessed.
    pub at: DateTime<Utc>,
    /// Who assessed it, when known.
    pub by: Option<PersonId>,
}

/// A change request as the ledger knows it: relman-model's [`ChangeRequest`] (state, digest,
/// approvals, audit trail) plus what the ledger adds around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequestEntry {
    /// The request, replayed through its state machine.
    pub request: ChangeRequest,
    /// The release it implements, if named.
    pub release: Option<ReleaseId>,
    /// The component versions it releases (JSON: `[{"component": "api", "version": "1.2.0"}]`).
    pub components: Vec<ReleasedComponent>,
    /// The implementation window (from the draft, or the latest schedule).
    pub window: Option<PlannedWindow>,
    /// The latest risk assessment.
    pub assessment: Option<Assessment>,
    /// The revision of the event that opened it.
    pub opened_revision: Revision,
    /// The revision of the latest event that changed it.
    pub updated_revision: Revision,
}

impl ChangeRequestEntry {
    /// The request's id.
    pub fn id(&self) -> &ChangeRequestId {
        &self.request.id
    }

    /// The request's current state.
    pub fn state(&self) -> ChangeState {
        self.request.state()
    }
}

/// The verdict of one gate, as recorded (reasons as their human text).
///
/// JSON: `{"gate": "unit", "verdict": "fail", "reasons": ["2 tests failed (at most 0 allowed)"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateOutcome {
    /// The gate.
    pub gate: GateId,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why it did not pass (empty when it passed).
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// A recorded gate verdict (the fold of a [`EventKind::GateVerdictRecorded`] event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateVerdictRecord {
    /// The release judged, if named.
    pub release: Option<ReleaseId>,
    /// The change request judged, if named.
    pub change_request: Option<ChangeRequestId>,
    /// The combined verdict (the worst of the gates').
    pub verdict: Verdict,
    /// One outcome per gate.
    pub gates: Vec<GateOutcome>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who recorded it, when known.
    pub by: Option<PersonId>,
    /// The revision of the event.
    pub revision: Revision,
}

/// An event the fold could not apply, with the reason (its error's text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedEvent {
    /// The event's revision.
    pub revision: Revision,
    /// The event's kind, e.g. `"change_request_approved"`.
    pub kind: String,
    /// Why it did not apply.
    pub reason: String,
}

/// Returned by [`EnvState::check`](crate::EnvState::check) (and kept as a [`RejectedEvent`] by
/// the fold) when a change-request or gate event does not apply to the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyChangeEventError {
    /// No change request has this id.
    #[error("no change request {id}")]
    UnknownChangeRequest {
        /// The id looked for.
        id: ChangeRequestId,
    },
    /// A change request with this id was already opened.
    #[error("change request {id} already exists")]
    AlreadyOpened {
        /// The id.
        id: ChangeRequestId,
    },
    /// The action needs to know who acts (approvals and rejections).
    #[error("change request {id}: {action} needs the person who acts")]
    MissingActor {
        /// The request.
        id: ChangeRequestId,
        /// The action, e.g. `"approve"`.
        action: &'static str,
    },
    /// Standard changes are pre-approved and are not assessed or submitted.
    #[error("change request {id} is a {kind} change: cannot {action} (schedule it instead)")]
    NotForKind {
        /// The request.
        id: ChangeRequestId,
        /// Its kind.
        kind: ChangeKind,
        /// The refused action.
        action: &'static str,
    },
    /// A window whose finish is not after its start.
    #[error("change request {id}: window finish {finish} is not after start {start}")]
    EmptyWindow {
        /// The request.
        id: ChangeRequestId,
        /// The start given.
        start: DateTime<Utc>,
        /// The finish given.
        finish: DateTime<Utc>,
    },
    /// A risk score above 100.
    #[error("change request {id}: risk score {score} is above 100")]
    ScoreOutOfRange {
        /// The request.
        id: ChangeRequestId,
        /// The score given.
        score: u8,
    },
    /// A normal or emergency change that would need fewer approvals than the policy's minimum
    /// (only standard changes are pre-approved).
    #[error(
        "change request {id} ({kind}) asks for {required} approval(s); it needs at least {minimum}"
    )]
    TooFewApprovals {
        /// The request.
        id: ChangeRequestId,
        /// Its kind.
        kind: ChangeKind,
        /// The approvals it asks for.
        required: usize,
        /// The policy's minimum.
        minimum: usize,
    },
    /// The request's state machine refused the action.
    #[error(transparent)]
    Transition(#[from] UpdateChangeRequestError),
}

/// Folds change-request events: the requests by id.
pub(crate) type Requests = BTreeMap<ChangeRequestId, ChangeRequestEntry>;

fn wrong_state(cr: &ChangeRequest, action: &'static str) -> ApplyChangeEventError {
    UpdateChangeRequestError::WrongState {
        id: cr.id.clone(),
        state: cr.state(),
        action,
    }
    .into()
}

/// Computes what applying `event` (at `revision`) to `requests` would produce: `Ok(None)` when
/// the event is not a change-request event, `Ok(Some(entry))` with the updated entry, or the
/// reason it does not apply. `requests` is never modified.
pub(crate) fn next_entry(
    requests: &Requests,
    event: &Event,
    revision: Revision,
) -> Result<Option<ChangeRequestEntry>, ApplyChangeEventError> {
    let Event { at, by, kind } = event;
    let at = *at;
    if let EventKind::ChangeRequestOpened {
        change_request,
        title,
        change_kind,
        requester,
        digest,
        rule,
        release,
        components,
        window,
    } = kind
    {
        if requests.contains_key(change_request) {
            return Err(ApplyChangeEventError::AlreadyOpened {
                id: change_request.clone(),
            });
        }
        if let Some(w) = window
            && w.finish <= w.start
        {
            return Err(ApplyChangeEventError::EmptyWindow {
                id: change_request.clone(),
                start: w.start,
                finish: w.finish,
            });
        }
        let minimum = ApprovalPolicy::default().low;
        if *change_kind != ChangeKind::Standard && rule.required < minimum {
            return Err(ApplyChangeEventError::TooFewApprovals {
                id: change_request.clone(),
                kind: *change_kind,
                required: rule.required,
                minimum,
            });
        }
        let request = ChangeRequest::new(
            change_request.clone(),
            *change_kind,
            title.clone(),
            requester.clone(),
            rule.clone(),
            digest.clone(),
            at,
        );
        return Ok(Some(ChangeRequestEntry {
            request,
            release: release.clone(),
            components: components.clone(),
            window: *window,
            assessment: None,
            opened_revision: revision,
            updated_revision: revision,
        }));
    }
    let Some(id) = kind.change_request_action_target() else {
        return Ok(None);
    };
    let mut entry = requests
        .get(id)
        .cloned()
        .ok_or_else(|| ApplyChangeEventError::UnknownChangeRequest { id: id.clone() })?;
    let actor = by
        .clone()
        .unwrap_or_else(|| entry.request.requester.clone());
    let cr = &mut entry.request;
    let need_actor = |action| {
        by.clone()
            .ok_or_else(|| ApplyChangeEventError::MissingActor {
                id: id.clone(),
                action,
            })
    };
    match kind {
        EventKind::ChangeRequestAssessed { score, level, .. } => {
            if cr.kind == ChangeKind::Standard {
                return Err(ApplyChangeEventError::NotForKind {
                    id: id.clone(),
                    kind: cr.kind,
                    action: "assess",
                });
            }
            if *score > 100 {
                return Err(ApplyChangeEventError::ScoreOutOfRange {
                    id: id.clone(),
                    score: *score,
                });
            }
            match cr.state() {
                ChangeState::New => {
                    cr.advance(actor, at)?;
                }
                ChangeState::Assess | ChangeState::Authorize => {}
                _ => return Err(wrong_state(cr, "assess")),
            }
            // The risk decides how many approvals are needed at least; never fewer than asked.
            cr.rule.required = cr
                .rule
                .required
                .max(ApprovalPolicy::default().minimum(*level));
            entry.assessment = Some(Assessment {
                score: *score,
                level: *level,
                at,
                by: by.clone(),
            });
        }
        EventKind::ChangeRequestSubmitted { .. } => match (cr.kind, cr.state()) {
            (ChangeKind::Standard, _) => {
                return Err(ApplyChangeEventError::NotForKind {
                    id: id.clone(),
                    kind: cr.kind,
                    action: "submit",
                });
            }
            (ChangeKind::Normal, ChangeState::Assess)
            | (ChangeKind::Emergency, ChangeState::New) => {
                cr.advance(actor, at)?;
            }
            _ => return Err(wrong_state(cr, "submit")),
        },
        EventKind::ChangeRequestApproved { digest, .. } => {
            cr.approve(need_actor("approve")?, digest, at)?;
        }
        EventKind::ChangeRequestRejected { reason, .. } => {
            cr.reject(need_actor("reject")?, reason.clone(), at)?;
        }
        EventKind::ChangeRequestAmended { digest, .. } => {
            cr.amend(digest.clone(), actor, at)?;
        }
        EventKind::ChangeRequestScheduled { start, finish, .. } => {
            if finish <= start {
                return Err(ApplyChangeEventError::EmptyWindow {
                    id: id.clone(),
                    start: *start,
                    finish: *finish,
                });
            }
            match (cr.kind, cr.state()) {
                (_, ChangeState::Scheduled) => {}
                (ChangeKind::Standard, ChangeState::New)
                | (_, ChangeState::Authorize)
                | (ChangeKind::Normal, ChangeState::Assess) => {
                    while cr.state() != ChangeState::Scheduled {
                        cr.advance(actor.clone(), at)?;
                    }
                }
                _ => return Err(wrong_state(cr, "schedule")),
            }
            entry.window = Some(PlannedWindow {
                start: *start,
                finish: *finish,
            });
        }
        EventKind::ChangeRequestImplemented { .. } => {
            step(cr, ChangeState::Scheduled, "implement", actor, at)?;
        }
        EventKind::ChangeRequestReviewed { .. } => {
            step(cr, ChangeState::Implement, "review", actor, at)?;
        }
        EventKind::ChangeRequestClosed { .. } => {
            step(cr, ChangeState::Review, "close", actor, at)?;
        }
        EventKind::ChangeRequestCanceled { reason, .. } => {
            cr.cancel(actor, reason.clone(), at)?;
        }
        _ => return Ok(None),
    }
    entry.updated_revision = revision;
    Ok(Some(entry))
}

/// Advances `cr` when it is in `from`; a typed error otherwise.
fn step(
    cr: &mut ChangeRequest,
    from: ChangeState,
    action: &'static str,
    by: PersonId,
    at: DateTime<Utc>,
) -> Result<(), ApplyChangeEventError> {
    if cr.state() != from {
        return Err(wrong_state(cr, action));
    }
    cr.advance(by, at)?;
    Ok(())
}

/// Checks a gate-verdict event: a named change request must exist.
pub(crate) fn check_gate_verdict(
    requests: &Requests,
    change_request: Option<&ChangeRequestId>,
) -> Result<(), ApplyChangeEventError> {
    match change_request {
        Some(id) if !requests.contains_key(id) => {
            Err(ApplyChangeEventError::UnknownChangeRequest { id: id.clone() })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnvState;
    use crate::store::Recorded;
    use proptest::prelude::*;
    use relman_model::{ApprovalRule, Digest};
    use semver::Version;

    fn t(h: u32) -> DateTime<Utc> {
        format!("2026-11-28T{h:02}:00:00Z").parse().unwrap()
    }
    fn p(s: &str) -> PersonId {
        s.parse().unwrap()
    }
    fn d(n: u8) -> Digest {
        Digest::new(format!("{n:016x}")).unwrap()
    }
    fn cr() -> ChangeRequestId {
        "CR-1".parse().unwrap()
    }
    fn opened(kind: ChangeKind, required: usize) -> EventKind {
        EventKind::ChangeRequestOpened {
            change_request: cr(),
            title: "Release api 1.2.0".into(),
            change_kind: kind,
            requester: p("relman"),
            digest: d(1),
            rule: ApprovalRule::new(required, vec![]),
            release: Some("2026.11".parse().unwrap()),
            components: vec![ReleasedComponent::new(
                "api".parse().unwrap(),
                Version::new(1, 2, 0),
            )],
            window: None,
        }
    }
    fn ev(by: &str, kind: EventKind) -> Event {
        Event::new(t(9), Some(p(by)), kind)
    }
    /// Checks then applies each event; returns the state and the check errors.
    fn run(events: Vec<Event>) -> (EnvState, Vec<Option<ApplyChangeEventError>>) {
        let mut state = EnvState::default();
        let mut errors = Vec::new();
        for (i, e) in events.into_iter().enumerate() {
            errors.push(state.check(&e).err());
            state.apply(&Recorded {
                revision: Revision::new(i as u64 + 1),
                event: e,
            });
        }
        (state, errors)
    }
    fn id_event(f: fn(ChangeRequestId) -> EventKind) -> EventKind {
        f(cr())
    }

    #[test]
    fn normal_change_request_goes_through_every_state() {
        let (state, errors) = run(vec![
            ev("ana", opened(ChangeKind::Normal, 1)),
            ev(
                "ana",
                EventKind::ChangeRequestAssessed {
                    change_request: cr(),
                    score: 42,
                    level: RiskLevel::Medium,
                },
            ),
            ev(
                "bo",
                EventKind::ChangeRequestApproved {
                    change_request: cr(),
                    digest: d(1),
                },
            ),
            ev(
                "ana",
                EventKind::ChangeRequestScheduled {
                    change_request: cr(),
                    start: t(10),
                    finish: t(12),
                },
            ),
            ev(
                "ana",
                id_event(|change_request| EventKind::ChangeRequestImplemented { change_request }),
            ),
            ev(
                "ana",
                id_event(|change_request| EventKind::ChangeRequestReviewed { change_request }),
            ),
            ev(
                "ana",
                id_event(|change_request| EventKind::ChangeRequestClosed { change_request }),
            ),
        ]);
        assert!(errors.iter().all(Option::is_none), "{errors:?}");
        assert!(state.rejected.is_empty());
        let entry = state.change_request(&cr()).unwrap();
        assert_eq!(entry.state(), ChangeState::Closed);
        assert_eq!(entry.assessment.as_ref().unwrap().score, 42);
        assert_eq!(entry.window.unwrap().finish, t(12));
        assert_eq!(entry.request.approval_count(), 1);
        assert_eq!(entry.opened_revision, Revision::new(1));
        assert_eq!(entry.updated_revision, Revision::new(7));
        assert_eq!(state.change_requests().count(), 1);
    }

    #[test]
    fn stale_digest_is_refused_and_not_counted() {
        let (state, errors) = run(vec![
            ev("ana", opened(ChangeKind::Emergency, 1)),
            ev(
                "ana",
                id_event(|change_request| EventKind::ChangeRequestSubmitted { change_request }),
            ),
            ev(
                "bo",
                EventKind::ChangeRequestApproved {
                    change_request: cr(),
                    digest: d(2),
                },
            ),
            ev(
                "ana",
                EventKind::ChangeRequestScheduled {
                    change_request: cr(),
                    start: t(10),
                    finish: t(12),
                },
            ),
        ]);
        assert_eq!(
            errors[2].as_ref().unwrap().to_string(),
            "change request CR-1: approval is for 0000000000000002 but the plan is now 0000000000000001"
        );
        assert_eq!(
            errors[3].as_ref().unwrap().to_string(),
            "change request CR-1: 0 of 1 approvals"
        );
        assert_eq!(state.rejected.len(), 2);
        assert_eq!(state.rejected[0].revision, Revision::new(3));
        assert_eq!(state.rejected[0].kind, "change_request_approved");
        let entry = state.change_request(&cr()).unwrap();
        assert_eq!(entry.state(), ChangeState::Authorize);
        assert!(entry.request.approvals().is_empty());
        assert_eq!(entry.window, None, "a refused schedule changes nothing");
    }

    #[test]
    fn amending_voids_earlier_approvals() {
        let (state, errors) = run(vec![
            ev("ana", opened(ChangeKind::Normal, 1)),
            ev(
                "ana",
                EventKind::ChangeRequestAssessed {
                    change_request: cr(),
                    score: 10,
                    level: RiskLevel::Low,
                },
            ),
            ev(
                "bo",
                EventKind::ChangeRequestApproved {
                    change_request: cr(),
                    digest: d(1),
                },
            ),
            ev(
                "ana",
                EventKind::ChangeRequestAmended {
                    change_request: cr(),
                    digest: d(2),
                },
            ),
            ev(
                "ana",
                EventKind::ChangeRequestScheduled {
                    change_request: cr(),
                    start: t(10),
                    finish: t(12),
                },
            ),
        ]);
        assert!(matches!(
            errors[4],
            Some(ApplyChangeEventError::Transition(
                UpdateChangeRequestError::NotApproved {
                    have: 0,
                    need: 1,
                    ..
                }
            ))
        ));
        let entry = state.change_request(&cr()).unwrap();
        assert_eq!(entry.state(), ChangeState::Assess);
        assert_eq!(entry.request.digest(), &d(2));
    }

    #[test]
    fn unknown_duplicate_wrong_state_and_missing_actor_are_typed() {
        let (_, errors) = run(vec![
            ev(
                "ana",
                id_event(|change_request| EventKind::ChangeRequestClosed { change_request }),
            ),
            ev("ana", opened(ChangeKind::Standard, 0)),
            ev("ana", opened(ChangeKind::Standard, 0)),
            ev(
                "ana",
                EventKind::ChangeRequestAssessed {
                    change_request: cr(),
                    score: 1,
                    level: RiskLevel::Low,
                },
            ),
            ev(
                "ana",
                id_event(|change_request| EventKind::ChangeRequestImplemented { change_request }),
            ),
            Event::new(
                t(9),
                None,
                EventKind::ChangeRequestRejected {
                    change_request: cr(),
                    reason: "no".into(),
                },
            ),
            ev(
                "ana",
                EventKind::ChangeRequestScheduled {
                    change_request: cr(),
                    start: t(12),
                    finish: t(12),
                },
            ),
        ]);
        let msgs: Vec<String> = errors
            .iter()
            .map(|e| e.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(
            msgs,
            [
                "no change request CR-1",
                "",
                "change request CR-1 already exists",
                "change request CR-1 is a standard change: cannot assess (schedule it instead)",
                "change request CR-1 is new: cannot implement",
                "change request CR-1: reject needs the person who acts",
                "change request CR-1: window finish 2026-11-28 12:00:00 UTC is not after start 2026-11-28 12:00:00 UTC",
            ]
        );
    }

    #[test]
    fn gate_verdicts_are_recorded_and_found_by_release_or_request() {
        let verdict = |cr: Option<ChangeRequestId>, release: Option<&str>| {
            ev(
                "ci",
                EventKind::GateVerdictRecorded {
                    release: release.map(|r| r.parse().unwrap()),
                    change_request: cr,
                    verdict: Verdict::Fail,
                    gates: vec![GateOutcome {
                        gate: "unit".parse().unwrap(),
                        verdict: Verdict::Fail,
                        reasons: vec!["2 tests failed (at most 0 allowed)".into()],
                    }],
                },
            )
        };
        let (state, errors) = run(vec![
            verdict(Some(cr()), None),
            ev("ana", opened(ChangeKind::Normal, 1)),
            verdict(Some(cr()), None),
            verdict(None, Some("2026.11")),
            verdict(None, Some("other")),
        ]);
        assert!(errors[0].is_some(), "a verdict for an unknown request");
        assert!(errors[1..].iter().all(Option::is_none));
        assert_eq!(state.gate_verdicts().len(), 4, "the fold keeps the ledger");
        assert_eq!(state.gate_verdicts_for_change_request(&cr()).count(), 3);
        let release: ReleaseId = "other".parse().unwrap();
        assert_eq!(state.gate_verdicts_for_release(&release).count(), 1);
        assert_eq!(state.gate_verdicts()[2].revision, Revision::new(4));
    }

    #[test]
    fn snapshots_and_events_from_before_change_requests_still_load() {
        // An event and a snapshot state written before these fields and kinds existed.
        let old_event = r#"{"at":"2026-11-28T10:00:00Z","by":"ana","kind":"approved","release":"r1","env":"prod","digest":"0123456789abcdef"}"#;
        let event: Event = serde_json::from_str(old_event).unwrap();
        let mut state = EnvState::default();
        state.apply(&Recorded {
            revision: Revision::new(1),
            event,
        });
        let mut json = serde_json::to_value(&state).unwrap();
        let object = json.as_object_mut().unwrap();
        for key in ["change_requests", "gate_verdicts", "rejected"] {
            assert!(object.remove(key).is_some(), "{key} is serialized");
        }
        let back: EnvState = serde_json::from_value(json).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.approvals.len(), 1);
    }

    #[test]
    fn a_journal_with_an_old_snapshot_loads_and_accepts_change_requests() {
        use crate::store::{JournalStore, LineageId, Store};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let mut store = JournalStore::<Event>::create(&path, LineageId::new("old").unwrap())
            .unwrap()
            .store;
        let old = Event::new(
            t(8),
            Some(p("ana")),
            EventKind::IncidentResolved { id: "INC-1".into() },
        );
        store.append(Revision::ZERO, &[old]).unwrap();
        // A snapshot as written before change requests: without the new fields.
        let mut old_state = serde_json::to_value(EnvState::fold(&store.load().unwrap())).unwrap();
        for key in ["change_requests", "gate_verdicts", "rejected"] {
            old_state.as_object_mut().unwrap().remove(key);
        }
        store.snapshot(&old_state).unwrap();
        store
            .append(
                Revision::new(1),
                &[ev("ana", opened(ChangeKind::Normal, 1))],
            )
            .unwrap();
        drop(store);

        let mut reopened = JournalStore::<Event>::open(&path).unwrap().store;
        let snapshot = reopened.read_snapshot::<EnvState>().unwrap().unwrap();
        let mut state = snapshot.state;
        assert_eq!(state.revision, Revision::new(1));
        for e in reopened.load().unwrap() {
            state.apply(&e);
        }
        assert_eq!(
            state.change_request(&cr()).unwrap().state(),
            ChangeState::New
        );
        assert!(state.rejected.is_empty());
    }

    #[test]
    fn change_request_event_json_shape() {
        let e = ev(
            "bo",
            EventKind::ChangeRequestApproved {
                change_request: cr(),
                digest: d(1),
            },
        );
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2026-11-28T09:00:00Z","by":"bo","kind":"change_request_approved","change_request":"CR-1","digest":"0000000000000001"}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        assert_eq!(e.kind.change_request(), Some(&cr()));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Assess,
        Submit,
        Approve(u8, u8),
        Reject,
        Amend(u8),
        Schedule,
        Implement,
        Cancel,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Assess),
            Just(Op::Submit),
            (0u8..4, 1u8..3).prop_map(|(p, d)| Op::Approve(p, d)),
            Just(Op::Reject),
            (1u8..3).prop_map(Op::Amend),
            Just(Op::Schedule),
            Just(Op::Implement),
            Just(Op::Cancel),
        ]
    }

    fn to_event(op: &Op) -> Event {
        let change_request = cr();
        let kind = match op {
            Op::Assess => EventKind::ChangeRequestAssessed {
                change_request,
                score: 50,
                level: RiskLevel::Medium,
            },
            Op::Submit => EventKind::ChangeRequestSubmitted { change_request },
            Op::Approve(_, n) => EventKind::ChangeRequestApproved {
                change_request,
                digest: d(*n),
            },
            Op::Reject => EventKind::ChangeRequestRejected {
                change_request,
                reason: "no".into(),
            },
            Op::Amend(n) => EventKind::ChangeRequestAmended {
                change_request,
                digest: d(*n),
            },
            Op::Schedule => EventKind::ChangeRequestScheduled {
                change_request,
                start: t(10),
                finish: t(11),
            },
            Op::Implement => EventKind::ChangeRequestImplemented { change_request },
            Op::Cancel => EventKind::ChangeRequestCanceled {
                change_request,
                reason: "no".into(),
            },
        };
        let by = match op {
            Op::Approve(who, _) => format!("p{who}"),
            _ => "p0".into(),
        };
        ev(&by, kind)
    }

    proptest! {
        /// Folding is deterministic, `check` predicts exactly which events the fold rejects,
        /// an approval of another digest than the current one never applies, and a request
        /// only reaches `scheduled` with enough approvals of its current digest.
        #[test]
        fn folding_change_requests_is_consistent(
            kind in prop_oneof![Just(ChangeKind::Normal), Just(ChangeKind::Emergency), Just(ChangeKind::Standard)],
            ops in proptest::collection::vec(op(), 0..40),
        ) {
            let mut opened_event = ev("p0", opened(kind, 2));
            if let EventKind::ChangeRequestOpened { requester, .. } = &mut opened_event.kind {
                *requester = p("p0");
            }
            let events: Vec<Event> = std::iter::once(opened_event)
                .chain(ops.iter().map(to_event))
                .collect();
            let mut state = EnvState::default();
            for (i, e) in events.iter().enumerate() {
                let before = state.change_request(&cr()).cloned();
                let refused = state.check(e).is_err();
                let rejected_before = state.rejected.len();
                state.apply(&Recorded { revision: Revision::new(i as u64 + 1), event: e.clone() });
                prop_assert_eq!(refused, state.rejected.len() > rejected_before);
                if refused {
                    prop_assert_eq!(state.change_request(&cr()).cloned(), before.clone());
                }
                if let (EventKind::ChangeRequestApproved { digest, .. }, Some(b)) = (&e.kind, &before)
                    && digest != b.request.digest()
                {
                    prop_assert!(refused, "a stale approval applied");
                }
                let now = state.change_request(&cr()).expect("opened first");
                if now.state() == ChangeState::Scheduled
                    && before.as_ref().is_some_and(|b| b.state() != ChangeState::Scheduled)
                    && kind != ChangeKind::Standard
                {
                    prop_assert!(now.request.approval_count() >= 2);
                }
            }
            let recorded: Vec<Recorded<Event>> = events
                .into_iter()
                .enumerate()
                .map(|(i, event)| Recorded { revision: Revision::new(i as u64 + 1), event })
                .collect();
            prop_assert_eq!(EnvState::fold(&recorded), state.clone());
            prop_assert_eq!(EnvState::fold(&recorded), EnvState::fold(&recorded));
        }
    }
}
