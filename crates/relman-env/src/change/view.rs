//! Change requests as a tool shows them: [`ChangeRequestView`], a flat serde value, with the
//! text of `show` ([`ChangeRequestView::to_text`]) and `list` ([`list_to_text`]).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use relman_model::ChangeAction;
use serde::Serialize;

use super::ChangeRequestEntry;
use crate::state::EnvState;

/// A change request with its approvals, audit trail and recorded gate verdicts, every value as
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRequestView {
    /// The id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The kind.
    pub kind: String,
    /// The current state.
    pub state: String,
    /// Who asked for it.
    pub requester: String,
    /// The current digest.
    pub digest: String,
    /// The release it implements.
    pub release: Option<String>,
    /// The component versions it releases, `name@version`.
    pub components: Vec<String>,
    /// The implementation window.
    pub window: Option<WindowView>,
    /// The latest risk assessment.
    pub assessment: Option<AssessmentView>,
    /// Approvals required.
    pub approvals_required: usize,
    /// Who may approve (empty: anyone but the requester).
    pub approvers: Vec<String>,
    /// Approvals counted for the current digest.
    pub approvals_counted: usize,
    /// Whether the approval rule is met.
    pub approved: bool,
    /// Every approval.
    pub approvals: Vec<ApprovalView>,
    /// The audit trail.
    pub history: Vec<HistoryView>,
    /// The verdicts of the gates recorded for it.
    pub gate_verdicts: Vec<String>,
    /// The revision that opened it.
    pub opened_revision: u64,
    /// The revision of its latest change.
    pub updated_revision: u64,
}

/// The implementation window of a [`ChangeRequestView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowView {
    /// The start.
    pub start: DateTime<Utc>,
    /// The finish.
    pub finish: DateTime<Utc>,
}

/// The risk assessment of a [`ChangeRequestView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentView {
    /// The score, 0 to 100.
    pub score: u8,
    /// The level.
    pub level: String,
}

/// One approval of a [`ChangeRequestView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalView {
    /// The approver.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The digest approved.
    pub digest: String,
    /// Whether it counts for the current digest.
    pub current: bool,
}

/// One entry of the audit trail of a [`ChangeRequestView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryView {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: String,
    /// `advanced`, `approved`, `rejected`, `amended`, `canceled` or `other`.
    pub action: String,
    /// The new state, digest or reason.
    pub detail: Option<String>,
}

impl ChangeRequestView {
    /// The view of `entry`, with the gate verdicts `state` recorded for it.
    pub fn new(state: &EnvState, entry: &ChangeRequestEntry) -> Self {
        let cr = &entry.request;
        Self {
            id: cr.id.to_string(),
            title: cr.title.clone(),
            kind: cr.kind.to_string(),
            state: cr.state().to_string(),
            requester: cr.requester.to_string(),
            digest: cr.digest().to_string(),
            release: entry.release.as_ref().map(ToString::to_string),
            components: entry
                .components
                .iter()
                .map(|c| format!("{}@{}", c.component, c.version))
                .collect(),
            window: entry.window.map(|w| WindowView {
                start: w.start,
                finish: w.finish,
            }),
            assessment: entry.assessment.as_ref().map(|a| AssessmentView {
                score: a.score,
                level: a.level.to_string(),
            }),
            approvals_required: cr.rule.required,
            approvers: cr.rule.approvers.iter().map(ToString::to_string).collect(),
            approvals_counted: cr.approval_count(),
            approved: cr.is_approved(),
            approvals: cr
                .approvals()
                .iter()
                .map(|a| ApprovalView {
                    by: a.by.to_string(),
                    at: a.at,
                    digest: a.digest.to_string(),
                    current: &a.digest == cr.digest(),
                })
                .collect(),
            history: cr
                .history()
                .iter()
                .map(|r| {
                    let (action, detail) = match &r.action {
                        ChangeAction::Advanced { to } => ("advanced", Some(to.to_string())),
                        ChangeAction::Approved { digest } => ("approved", Some(digest.to_string())),
                        ChangeAction::Rejected { reason } => ("rejected", Some(reason.clone())),
                        ChangeAction::Amended { digest } => ("amended", Some(digest.to_string())),
                        ChangeAction::Canceled { reason } => ("canceled", Some(reason.clone())),
                        _ => ("other", None),
                    };
                    HistoryView {
                        at: r.at,
                        by: r.by.to_string(),
                        action: action.to_owned(),
                        detail,
                    }
                })
                .collect(),
            gate_verdicts: state
                .gate_verdicts_for_change_request(&cr.id)
                .map(|v| v.verdict.to_string())
                .collect(),
            opened_revision: entry.opened_revision.get(),
            updated_revision: entry.updated_revision.get(),
        }
    }

    /// The one-line summary after a write: `ID is now STATE (N of M approvals for DIGEST)`.
    pub fn summary(&self) -> String {
        format!(
            "{} is now {} ({} of {} approvals for {})",
            self.id, self.state, self.approvals_counted, self.approvals_required, self.digest
        )
    }

    /// The text of `show`: the fields, the approvals and the audit trail, one per line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} ({}, {}): {}",
            self.id, self.kind, self.state, self.title
        );
        let _ = writeln!(out, "  requester: {}", self.requester);
        let _ = writeln!(out, "  digest:    {}", self.digest);
        if let Some(r) = &self.release {
            let _ = writeln!(out, "  release:   {r}");
        }
        if !self.components.is_empty() {
            let _ = writeln!(out, "  releases:  {}", self.components.join(", "));
        }
        if let Some(w) = &self.window {
            let _ = writeln!(out, "  window:    {} .. {}", w.start, w.finish);
        }
        if let Some(a) = &self.assessment {
            let _ = writeln!(out, "  risk:      {} ({})", a.level, a.score);
        }
        let _ = writeln!(
            out,
            "  approvals: {} of {} for the current digest",
            self.approvals_counted, self.approvals_required
        );
        for a in &self.approvals {
            let note = if a.current { "" } else { " (stale digest)" };
            let _ = writeln!(out, "    - {} at {} for {}{note}", a.by, a.at, a.digest);
        }
        out.push_str("  history:\n");
        for h in &self.history {
            let detail = h
                .detail
                .as_deref()
                .map(|d| format!(" {d}"))
                .unwrap_or_default();
            let _ = writeln!(out, "    {} {} {}{detail}", h.at, h.by, h.action);
        }
        out
    }
}

/// The text of `list`: one line per request (id, state, kind, approvals, title), or
/// `no change requests`.
pub fn list_to_text(views: &[ChangeRequestView]) -> String {
    if views.is_empty() {
        return "no change requests\n".to_owned();
    }
    let mut out = String::new();
    for v in views {
        let _ = writeln!(
            out,
            "{:<14} {:<10} {:<9} {}/{} approvals  {}",
            v.id, v.state, v.kind, v.approvals_counted, v.approvals_required, v.title
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::ops::{ChangeRequestDraft, ChangeTransition, OpenChangeRequest};
    use crate::store::{LineageId, MemoryStore, Revision, Store};
    use relman_model::{ChangeKind, Digest};

    #[test]
    fn show_and_list_name_the_state_and_the_approvals() {
        let now: DateTime<Utc> = "2026-11-30T10:00:00Z".parse().expect("time");
        let digest: Digest = "a".repeat(64).parse().expect("digest");
        let draft = ChangeRequestDraft {
            id: "CR-1".parse().expect("id"),
            title: "Release demo".into(),
            kind: ChangeKind::Normal,
            requester: "al".parse().expect("person"),
            digest: digest.clone(),
            approvals_required: 1,
            components: Vec::new(),
            start: None,
            finish: None,
            risk: None,
        };
        let events = [
            OpenChangeRequest::default()
                .into_event(Some(&draft), now)
                .expect("complete"),
            ChangeTransition::Reject {
                reason: "not yet".into(),
            }
            .into_event(draft.id.clone(), Some("bo".parse().expect("person")), now),
        ];
        let mut store = MemoryStore::new(LineageId::new("t").expect("lineage"));
        store.append(Revision::ZERO, &events[..1]).expect("append");
        let state = EnvState::fold(&store.load().expect("load"));
        let view = ChangeRequestView::new(&state, state.change_request(&draft.id).expect("opened"));
        assert_eq!(
            view.summary(),
            format!("CR-1 is now new (0 of 1 approvals for {digest})")
        );
        assert!(
            view.to_text()
                .starts_with("CR-1 (normal, new): Release demo\n  requester: al\n")
        );
        assert_eq!(
            list_to_text(&[view]),
            "CR-1           new        normal    0/1 approvals  Release demo\n"
        );
        assert_eq!(list_to_text(&[]), "no change requests\n");
    }
}
