//! Change-request operations: typed inputs in, the event to append (or a typed refusal) out.
//!
//! [`OpenChangeRequest`] resolves the fields of a new request against an optional
//! [`ChangeRequestDraft`] (what a release plan proposes) into a `change_request_opened` event;
//! [`ChangeTransition`] is one action of the state machine on an existing request. [`decide`]
//! checks an event against the ledger before it is appended, so a refused action writes nothing.

use chrono::{DateTime, Utc};
use relman_model::{
    ApprovalRule, ChangeKind, ChangeRequestId, Digest, PersonId, ReleaseId, ReleasedComponent,
    RiskLevel,
};

use super::{ApplyChangeEventError, PlannedWindow};
use crate::event::{Event, EventKind};
use crate::state::EnvState;

/// What a release plan proposes for its change request; the defaults of [`OpenChangeRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequestDraft {
    /// The id.
    pub id: ChangeRequestId,
    /// The title.
    pub title: String,
    /// The kind.
    pub kind: ChangeKind,
    /// Who asks for the change.
    pub requester: PersonId,
    /// The plan digest approvals are bound to.
    pub digest: Digest,
    /// How many approvals it needs.
    pub approvals_required: usize,
    /// The component versions the plan releases.
    pub components: Vec<ReleasedComponent>,
    /// When the plan starts.
    pub start: Option<DateTime<Utc>>,
    /// When the plan's schedule finishes.
    pub finish: Option<DateTime<Utc>>,
    /// The plan's risk score (0 to 100) and level.
    pub risk: Option<(u8, RiskLevel)>,
}

/// The fields of a new change request; every field left empty comes from the draft given to
/// [`OpenChangeRequest::into_event`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenChangeRequest {
    /// The id (default: the draft's).
    pub id: Option<ChangeRequestId>,
    /// The title (default: the draft's).
    pub title: Option<String>,
    /// The kind (default: the draft's, else normal).
    pub kind: Option<ChangeKind>,
    /// Who asks for the change (default: the draft's).
    pub requester: Option<PersonId>,
    /// The digest approvals are bound to (default: the draft's).
    pub digest: Option<Digest>,
    /// Approvals required (default: the draft's, else 1).
    pub approvals_required: Option<usize>,
    /// Who may approve (empty: anyone but the requester).
    pub approvers: Vec<PersonId>,
    /// The release it implements.
    pub release: Option<ReleaseId>,
    /// The component versions it releases (default: the draft's).
    pub components: Vec<ReleasedComponent>,
    /// The planned start (default: the draft's).
    pub start: Option<DateTime<Utc>>,
    /// The planned finish (default: the draft's).
    pub finish: Option<DateTime<Utc>>,
    /// Who records it (default: the requester).
    pub by: Option<PersonId>,
}

/// Returned by [`OpenChangeRequest::into_event`] when a required field has neither a value nor
/// a draft to take it from, or asks for fewer approvals than the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum OpenChangeRequestError {
    /// No id.
    #[error("a change request needs an id")]
    MissingId,
    /// No title.
    #[error("a change request needs a title")]
    MissingTitle,
    /// No requester.
    #[error("a change request needs a requester")]
    MissingRequester,
    /// No digest.
    #[error("a change request needs a digest")]
    MissingDigest,
    /// Fewer approvals than the plan's draft asks for (its approval policy for the plan's
    /// risk): a requester cannot lower them.
    #[error("{asked} approval(s) asked for, but the plan requires at least {planned}")]
    FewerApprovalsThanPlanned {
        /// The approvals asked for.
        asked: usize,
        /// The draft's.
        planned: usize,
    },
}

impl OpenChangeRequest {
    /// The `change_request_opened` event at `now`, by `by` (default: the requester). The
    /// planned window is kept only when its finish is after its start.
    ///
    /// # Errors
    ///
    /// [`OpenChangeRequestError`] naming the first required field missing from both.
    pub fn into_event(
        self,
        draft: Option<&ChangeRequestDraft>,
        now: DateTime<Utc>,
    ) -> Result<Event, OpenChangeRequestError> {
        let id = self
            .id
            .or_else(|| draft.map(|d| d.id.clone()))
            .ok_or(OpenChangeRequestError::MissingId)?;
        let title = self
            .title
            .or_else(|| draft.map(|d| d.title.clone()))
            .ok_or(OpenChangeRequestError::MissingTitle)?;
        let requester = self
            .requester
            .or_else(|| draft.map(|d| d.requester.clone()))
            .ok_or(OpenChangeRequestError::MissingRequester)?;
        let digest = self
            .digest
            .or_else(|| draft.map(|d| d.digest.clone()))
            .ok_or(OpenChangeRequestError::MissingDigest)?;
        let kind = self
            .kind
            .or_else(|| draft.map(|d| d.kind))
            .unwrap_or(ChangeKind::Normal);
        let planned = draft.map(|d| d.approvals_required);
        let required = self.approvals_required.or(planned).unwrap_or(1);
        if let Some(planned) = planned.filter(|p| required < *p) {
            return Err(OpenChangeRequestError::FewerApprovalsThanPlanned {
                asked: required,
                planned,
            });
        }
        let components = if self.components.is_empty() {
            draft.map(|d| d.components.clone()).unwrap_or_default()
        } else {
            self.components
        };
        let start = self.start.or_else(|| draft.and_then(|d| d.start));
        let finish = self.finish.or_else(|| draft.and_then(|d| d.finish));
        let window = match (start, finish) {
            (Some(start), Some(finish)) if finish > start => Some(PlannedWindow { start, finish }),
            _ => None,
        };
        let by = self.by.unwrap_or_else(|| requester.clone());
        Ok(Event::new(
            now,
            Some(by),
            EventKind::ChangeRequestOpened {
                change_request: id,
                title,
                change_kind: kind,
                requester,
                digest,
                rule: ApprovalRule::new(required, self.approvers),
                release: self.release,
                components,
                window,
            },
        ))
    }
}

/// One action of the state machine on an existing change request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeTransition {
    /// Record the risk assessment.
    Assess {
        /// The risk score, 0 to 100.
        score: u8,
        /// The risk level.
        level: RiskLevel,
    },
    /// Submit for authorization.
    Submit,
    /// Approve this digest.
    Approve {
        /// The digest approved.
        digest: Digest,
    },
    /// Reject: back to new, approvals voided.
    Reject {
        /// Why.
        reason: String,
    },
    /// Bind the request to a new digest.
    Amend {
        /// The new digest.
        digest: Digest,
    },
    /// Schedule for a window.
    Schedule {
        /// The start.
        start: DateTime<Utc>,
        /// The finish.
        finish: DateTime<Utc>,
    },
    /// Start implementing.
    Implement,
    /// Enter the post-implementation review.
    Review,
    /// Close.
    Close,
    /// Cancel.
    Cancel {
        /// Why.
        reason: String,
    },
}

impl ChangeTransition {
    /// The event of this action on request `id`, at `now`, by `by`.
    pub fn into_event(
        self,
        id: ChangeRequestId,
        by: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Event {
        let change_request = id;
        let kind = match self {
            Self::Assess { score, level } => EventKind::ChangeRequestAssessed {
                change_request,
                score,
                level,
            },
            Self::Submit => EventKind::ChangeRequestSubmitted { change_request },
            Self::Approve { digest } => EventKind::ChangeRequestApproved {
                change_request,
                digest,
            },
            Self::Reject { reason } => EventKind::ChangeRequestRejected {
                change_request,
                reason,
            },
            Self::Amend { digest } => EventKind::ChangeRequestAmended {
                change_request,
                digest,
            },
            Self::Schedule { start, finish } => EventKind::ChangeRequestScheduled {
                change_request,
                start,
                finish,
            },
            Self::Implement => EventKind::ChangeRequestImplemented { change_request },
            Self::Review => EventKind::ChangeRequestReviewed { change_request },
            Self::Close => EventKind::ChangeRequestClosed { change_request },
            Self::Cancel { reason } => EventKind::ChangeRequestCanceled {
                change_request,
                reason,
            },
        };
        Event::new(now, by, kind)
    }
}

/// The events to append for `event`: itself, when it applies to `state`.
///
/// # Errors
///
/// [`ApplyChangeEventError`] when it does not apply (unknown request, invalid transition,
/// stale digest...); nothing should be appended then.
pub fn decide(state: &EnvState, event: Event) -> Result<Vec<Event>, ApplyChangeEventError> {
    state.check(&event)?;
    Ok(vec![event])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LineageId, MemoryStore, Revision, Store};
    use relman_model::UpdateChangeRequestError;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a valid time")
    }

    fn p<T: std::str::FromStr>(s: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        s.parse().expect("valid")
    }

    fn digest(c: char) -> Digest {
        p(&c.to_string().repeat(64))
    }

    fn draft() -> ChangeRequestDraft {
        ChangeRequestDraft {
            id: p("CR-1"),
            title: "Release demo 0.3.1".into(),
            kind: ChangeKind::Normal,
            requester: p("relman"),
            digest: digest('a'),
            approvals_required: 1,
            components: vec![ReleasedComponent::new(p("demo"), p("0.3.1"))],
            start: Some(at("2026-12-01T09:00:00Z")),
            finish: Some(at("2026-12-01T17:00:00Z")),
            risk: None,
        }
    }

    fn state_of(events: &[Event]) -> EnvState {
        let mut store = MemoryStore::new(LineageId::new("t").expect("lineage"));
        store.append(Revision::ZERO, events).expect("append");
        EnvState::fold(&store.load().expect("load"))
    }

    #[test]
    fn a_new_request_takes_what_the_draft_proposes_unless_given() {
        let now = at("2026-11-30T10:00:00Z");
        let open = OpenChangeRequest {
            title: Some("mine".into()),
            ..OpenChangeRequest::default()
        };
        let event = open.into_event(Some(&draft()), now).expect("complete");
        assert_eq!(event.by, Some(p("relman")));
        let EventKind::ChangeRequestOpened {
            change_request,
            title,
            components,
            window,
            ..
        } = event.kind
        else {
            panic!("not an opening: {:?}", event.kind);
        };
        assert_eq!((change_request.as_str(), title.as_str()), ("CR-1", "mine"));
        assert_eq!(components.len(), 1);
        assert!(window.is_some());
    }

    #[test]
    fn a_requester_cannot_ask_for_fewer_approvals_than_the_plan() {
        let mut d = draft();
        d.approvals_required = 2;
        let open = OpenChangeRequest {
            approvals_required: Some(1),
            ..OpenChangeRequest::default()
        };
        assert_eq!(
            open.into_event(Some(&d), at("2026-11-30T10:00:00Z")),
            Err(OpenChangeRequestError::FewerApprovalsThanPlanned {
                asked: 1,
                planned: 2
            })
        );
    }

    #[test]
    fn the_ledger_needs_approvals_by_risk_and_refuses_none_for_a_normal_change() {
        let now = at("2026-11-30T10:00:00Z");
        let mut none = draft();
        none.approvals_required = 0;
        let opened = OpenChangeRequest::default()
            .into_event(Some(&none), now)
            .expect("complete");
        assert!(matches!(
            decide(&EnvState::default(), opened),
            Err(ApplyChangeEventError::TooFewApprovals {
                required: 0,
                minimum: 1,
                ..
            })
        ));
        let standard = OpenChangeRequest {
            kind: Some(ChangeKind::Standard),
            ..OpenChangeRequest::default()
        }
        .into_event(Some(&none), now)
        .expect("complete");
        assert!(decide(&EnvState::default(), standard).is_ok());

        let opened = OpenChangeRequest::default()
            .into_event(Some(&draft()), now)
            .expect("complete");
        let assessed = ChangeTransition::Assess {
            score: 80,
            level: RiskLevel::High,
        }
        .into_event(p("CR-1"), None, now);
        let state = state_of(&[opened, assessed]);
        let entry = state.change_request(&p("CR-1")).expect("opened");
        assert_eq!(
            entry.request.rule.required, 2,
            "high risk needs two approvals"
        );
    }

    #[test]
    fn a_new_request_without_a_draft_needs_every_required_field() {
        let open = OpenChangeRequest {
            title: Some("t".into()),
            ..OpenChangeRequest::default()
        };
        assert_eq!(
            open.into_event(None, at("2026-11-30T10:00:00Z")),
            Err(OpenChangeRequestError::MissingId)
        );
    }

    #[test]
    fn transitions_are_checked_against_the_ledger() {
        let now = at("2026-11-30T10:00:00Z");
        let opened = OpenChangeRequest::default()
            .into_event(Some(&draft()), now)
            .expect("from the draft");
        let state = state_of(&[opened]);
        let approve = ChangeTransition::Approve {
            digest: digest('a'),
        }
        .into_event(p("CR-1"), Some(p("bo")), now);
        assert_eq!(approve.kind.name(), "change_request_approved");
        assert!(matches!(
            decide(&state, approve),
            Err(ApplyChangeEventError::Transition(
                UpdateChangeRequestError::WrongState { .. }
            ))
        ));
        let assess = ChangeTransition::Assess {
            score: 40,
            level: RiskLevel::Medium,
        }
        .into_event(p("CR-1"), None, now);
        assert_eq!(decide(&state, assess.clone()), Ok(vec![assess]));
        let unknown = ChangeTransition::Close.into_event(p("CR-2"), None, now);
        assert!(matches!(
            decide(&state, unknown),
            Err(ApplyChangeEventError::UnknownChangeRequest { .. })
        ));
    }
}
