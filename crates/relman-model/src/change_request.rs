//! Change requests: the change-management record of a release (ITIL-style).
//!
//! A [`ChangeRequest`] has a [`ChangeKind`] that decides its path through the states:
//!
//! | kind | path |
//! |---|---|
//! | normal | new → assess → authorize → scheduled → implement → review → closed |
//! | standard (pre-approved) | new → scheduled → implement → review → closed |
//! | emergency | new → authorize → scheduled → implement → review → closed |
//!
//! Any state before `review` may be cancelled; `reject` (from assess or authorize) returns the
//! request to `new` and voids its approvals. Leaving `authorize` needs the [`ApprovalRule`] met:
//! N distinct approvers out of a named set, never the requester, each approval bound to the
//! [`Digest`] of what was approved. Amending the plan changes the digest, and approvals given for
//! another digest never count.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{ChangeRequestId, PersonId};

/// The kind of a change request, which decides its path through the states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Pre-approved, low-risk and routine: no assessment or authorization.
    Standard,
    /// Assessed and authorized before scheduling.
    Normal,
    /// Must be done now: skips assessment, still authorized.
    Emergency,
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            ChangeKind::Standard => "standard",
            ChangeKind::Normal => "normal",
            ChangeKind::Emergency => "emergency",
        })
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = ParseChangeKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "standard" => Ok(ChangeKind::Standard),
            "normal" => Ok(ChangeKind::Normal),
            "emergency" => Ok(ChangeKind::Emergency),
            _ => Err(ParseChangeKindError(s.to_owned())),
        }
    }
}

/// Returned by `ChangeKind::from_str` for anything but `standard`, `normal` or `emergency`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown change kind {0:?}: expected standard, normal or emergency")]
pub struct ParseChangeKindError(pub String);

/// The state of a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeState {
    /// Recorded, not yet assessed.
    New,
    /// Impact and risk being assessed.
    Assess,
    /// Awaiting approvals.
    Authorize,
    /// Approved and scheduled.
    Scheduled,
    /// Being carried out.
    Implement,
    /// Post-implementation review.
    Review,
    /// Done (terminal).
    Closed,
    /// Abandoned (terminal).
    Canceled,
}

impl std::fmt::Display for ChangeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            ChangeState::New => "new",
            ChangeState::Assess => "assess",
            ChangeState::Authorize => "authorize",
            ChangeState::Scheduled => "scheduled",
            ChangeState::Implement => "implement",
            ChangeState::Review => "review",
            ChangeState::Closed => "closed",
            ChangeState::Canceled => "canceled",
        })
    }
}

impl ChangeState {
    /// Whether no action moves the request out of this state.
    pub fn is_terminal(self) -> bool {
        matches!(self, ChangeState::Closed | ChangeState::Canceled)
    }
}

impl ChangeKind {
    /// The state a request of this kind moves to when it advances from `from`, if any.
    pub fn next_state(self, from: ChangeState) -> Option<ChangeState> {
        use ChangeState::*;
        match (self, from) {
            (ChangeKind::Normal, New) => Some(Assess),
            (ChangeKind::Emergency, New) => Some(Authorize),
            (ChangeKind::Standard, New) => Some(Scheduled),
            (ChangeKind::Normal, Assess) => Some(Authorize),
            (ChangeKind::Normal | ChangeKind::Emergency, Authorize) => Some(Scheduled),
            (_, Scheduled) => Some(Implement),
            (_, Implement) => Some(Review),
            (_, Review) => Some(Closed),
            _ => None,
        }
    }
}

/// A content digest (lowercase hex, e.g. a SHA-256 of the release plan) that approvals are bound
/// to. relman-model does not compute digests; the caller hashes what is being approved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest(String);

/// Returned when a string is not a digest (lowercase hex, 8 to 128 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid digest {0:?}: expected 8 to 128 lowercase hex digits")]
pub struct ParseDigestError(pub String);

impl Digest {
    /// Validates a lowercase hex digest.
    ///
    /// # Errors
    ///
    /// [`ParseDigestError`] unless `hex` has 8 to 128 characters, all `0-9a-f`.
    pub fn new(hex: impl Into<String>) -> Result<Self, ParseDigestError> {
        let hex = hex.into();
        if (8..=128).contains(&hex.len())
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Digest(hex))
        } else {
            Err(ParseDigestError(hex))
        }
    }

    /// The digest as hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Digest {
    type Err = ParseDigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::new(s)
    }
}

impl TryFrom<String> for Digest {
    type Error = ParseDigestError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Digest::new(s)
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.0
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

/// The fewest distinct approvals a change request needs at each risk level: a requester cannot
/// ask for fewer. The default needs one approval up to medium risk and two from high risk on.
///
/// ```
/// use relman_model::{ApprovalPolicy, RiskLevel};
///
/// let policy = ApprovalPolicy::default();
/// assert_eq!(policy.minimum(RiskLevel::Medium), 1);
/// assert_eq!(policy.minimum(RiskLevel::Critical), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ApprovalPolicy {
    /// For low risk.
    pub low: usize,
    /// For medium risk.
    pub medium: usize,
    /// For high risk.
    pub high: usize,
    /// For critical risk.
    pub critical: usize,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            low: 1,
            medium: 1,
            high: 2,
            critical: 2,
        }
    }
}

impl ApprovalPolicy {
    /// The approvals a change at `level` needs at least.
    pub fn minimum(&self, level: crate::RiskLevel) -> usize {
        match level {
            crate::RiskLevel::Low => self.low,
            crate::RiskLevel::Medium => self.medium,
            crate::RiskLevel::High => self.high,
            crate::RiskLevel::Critical => self.critical,
        }
    }

    /// This policy, never below the default: a configuration may ask for more approvals, not
    /// fewer.
    pub fn at_least_default(self) -> Self {
        let d = Self::default();
        Self {
            low: self.low.max(d.low),
            medium: self.medium.max(d.medium),
            high: self.high.max(d.high),
            critical: self.critical.max(d.critical),
        }
    }
}

/// "N of these M approvers": who may approve and how many distinct approvals are needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApprovalRule {
    /// Distinct approvals needed.
    pub required: usize,
    /// Who may approve. Empty means anyone but the requester.
    pub approvers: Vec<PersonId>,
}

impl ApprovalRule {
    /// `required` approvals from `approvers` (anyone but the requester when empty).
    pub fn new(required: usize, approvers: Vec<PersonId>) -> Self {
        Self {
            required,
            approvers,
        }
    }

    /// A rule that needs no approval.
    pub fn none() -> Self {
        Self::new(0, Vec::new())
    }

    /// Whether `person` may approve under this rule (requester exclusion is checked separately).
    pub fn allows(&self, person: &PersonId) -> bool {
        self.approvers.is_empty() || self.approvers.contains(person)
    }

    /// Counts the approvals that count: distinct allowed approvers, not the requester, bound to
    /// `digest`.
    pub fn count<'a>(
        &self,
        approvals: impl IntoIterator<Item = &'a Approval>,
        requester: &PersonId,
        digest: &Digest,
    ) -> usize {
        let mut seen: Vec<&PersonId> = Vec::new();
        for a in approvals {
            if &a.digest == digest
                && &a.by != requester
                && self.allows(&a.by)
                && !seen.contains(&&a.by)
            {
                seen.push(&a.by);
            }
        }
        seen.len()
    }

    /// Whether `approvals` satisfy this rule for `digest`.
    pub fn is_met<'a>(
        &self,
        approvals: impl IntoIterator<Item = &'a Approval>,
        requester: &PersonId,
        digest: &Digest,
    ) -> bool {
        self.count(approvals, requester, digest) >= self.required
    }
}

/// One approval, bound to the digest of what was approved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Approval {
    /// The approver.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
    /// The digest of what they approved.
    pub digest: Digest,
}

impl Approval {
    /// An approval by `by` at `at` of the content with `digest`.
    pub fn new(by: PersonId, at: DateTime<Utc>, digest: Digest) -> Self {
        Self { by, at, digest }
    }
}

/// What happened to a change request; its audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeAction {
    /// Moved to the next state.
    Advanced {
        /// The state entered.
        to: ChangeState,
    },
    /// Approved the current digest.
    Approved {
        /// The approved digest.
        digest: Digest,
    },
    /// Sent back to `new`; approvals voided.
    Rejected {
        /// Why.
        reason: String,
    },
    /// The plan changed; approvals for the old digest no longer count.
    Amended {
        /// The new digest.
        digest: Digest,
    },
    /// Cancelled.
    Canceled {
        /// Why.
        reason: String,
    },
}

/// One entry of a change request's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangeRecord {
    /// Who acted.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
    /// What they did.
    #[serde(flatten)]
    pub action: ChangeAction,
}

/// Returned by the actions of [`ChangeRequest`]; the request is unchanged on error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateChangeRequestError {
    /// The request's state does not allow the action.
    #[error("change request {id} is {state}: cannot {action}")]
    WrongState {
        /// The request.
        id: ChangeRequestId,
        /// Its state.
        state: ChangeState,
        /// The refused action, e.g. `"advance"`.
        action: &'static str,
    },
    /// The requester tried to approve their own request.
    #[error("change request {id}: {person} requested it and cannot approve it")]
    SelfApproval {
        /// The request.
        id: ChangeRequestId,
        /// The requester.
        person: PersonId,
    },
    /// The person is not among the rule's approvers.
    #[error("change request {id}: {person} is not an approver")]
    NotAnApprover {
        /// The request.
        id: ChangeRequestId,
        /// Who tried to approve.
        person: PersonId,
    },
    /// The approval names another digest than the request's current one.
    #[error("change request {id}: approval is for {given} but the plan is now {current}")]
    StaleDigest {
        /// The request.
        id: ChangeRequestId,
        /// The digest approved.
        given: Digest,
        /// The current digest.
        current: Digest,
    },
    /// Leaving `authorize` needs more approvals.
    #[error("change request {id}: {have} of {need} approvals")]
    NotApproved {
        /// The request.
        id: ChangeRequestId,
        /// Approvals that count.
        have: usize,
        /// Approvals needed.
        need: usize,
    },
}

/// A change request with its approvals and audit trail.
///
/// ```
/// use relman_model::{ApprovalRule, ChangeKind, ChangeRequest, ChangeState, Digest};
/// let at = "2026-11-02T09:00:00Z".parse()?;
/// let plan: Digest = "9f86d081884c7d65".parse()?;
/// let rule = ApprovalRule::new(1, vec!["bo".parse()?]);
/// let mut cr = ChangeRequest::new("CR-1".parse()?, ChangeKind::Emergency, "hotfix", "ada".parse()?, rule, plan.clone(), at);
/// cr.advance("ada".parse()?, at)?; // new -> authorize (emergency skips assess)
/// assert!(cr.advance("ada".parse()?, at).is_err()); // not approved yet
/// cr.approve("bo".parse()?, &plan, at)?;
/// cr.advance("ada".parse()?, at)?;
/// assert_eq!(cr.state(), ChangeState::Scheduled);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangeRequest {
    /// The request's id.
    pub id: ChangeRequestId,
    /// Standard, normal or emergency.
    pub kind: ChangeKind,
    /// A one-line title.
    pub title: String,
    /// Who asked for the change (may not approve it).
    pub requester: PersonId,
    /// Who must approve.
    pub rule: ApprovalRule,
    /// When it was recorded.
    pub created: DateTime<Utc>,
    state: ChangeState,
    digest: Digest,
    approvals: Vec<Approval>,
    history: Vec<ChangeRecord>,
}

impl ChangeRequest {
    /// A new request in state [`ChangeState::New`] for the plan with `digest`.
    pub fn new(
        id: ChangeRequestId,
        kind: ChangeKind,
        title: impl Into<String>,
        requester: PersonId,
        rule: ApprovalRule,
        digest: Digest,
        created: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            kind,
            title: title.into(),
            requester,
            rule,
            created,
            state: ChangeState::New,
            digest,
            approvals: Vec::new(),
            history: Vec::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ChangeState {
        self.state
    }

    /// The digest of the plan currently under approval.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// Every approval ever given (including voided ones), oldest first.
    pub fn approvals(&self) -> &[Approval] {
        &self.approvals
    }

    /// The audit trail, oldest first.
    pub fn history(&self) -> &[ChangeRecord] {
        &self.history
    }

    /// How many approvals count for the current digest.
    pub fn approval_count(&self) -> usize {
        self.rule
            .count(&self.approvals, &self.requester, &self.digest)
    }

    /// Whether the approval rule is met for the current digest (standard changes need none).
    pub fn is_approved(&self) -> bool {
        self.kind == ChangeKind::Standard
            || self
                .rule
                .is_met(&self.approvals, &self.requester, &self.digest)
    }

    fn wrong_state(&self, action: &'static str) -> UpdateChangeRequestError {
        UpdateChangeRequestError::WrongState {
            id: self.id.clone(),
            state: self.state,
            action,
        }
    }

    fn record(&mut self, by: PersonId, at: DateTime<Utc>, action: ChangeAction) {
        self.history.push(ChangeRecord { by, at, action });
    }

    /// Moves to the next state of this kind's path.
    ///
    /// # Errors
    ///
    /// [`UpdateChangeRequestError::WrongState`] in a terminal state;
    /// [`UpdateChangeRequestError::NotApproved`] when leaving `authorize` without enough
    /// approvals for the current digest.
    pub fn advance(
        &mut self,
        by: PersonId,
        at: DateTime<Utc>,
    ) -> Result<ChangeState, UpdateChangeRequestError> {
        let next = self
            .kind
            .next_state(self.state)
            .ok_or_else(|| self.wrong_state("advance"))?;
        if self.state == ChangeState::Authorize && !self.is_approved() {
            return Err(UpdateChangeRequestError::NotApproved {
                id: self.id.clone(),
                have: self.approval_count(),
                need: self.rule.required,
            });
        }
        self.state = next;
        self.record(by, at, ChangeAction::Advanced { to: next });
        Ok(next)
    }

    /// Records an approval of `digest` by `by`. Approving twice is harmless (counted once).
    ///
    /// # Errors
    ///
    /// [`UpdateChangeRequestError::WrongState`] outside `assess` and `authorize`;
    /// [`UpdateChangeRequestError::SelfApproval`], [`UpdateChangeRequestError::NotAnApprover`],
    /// or [`UpdateChangeRequestError::StaleDigest`] when `digest` is not the current one.
    pub fn approve(
        &mut self,
        by: PersonId,
        digest: &Digest,
        at: DateTime<Utc>,
    ) -> Result<(), UpdateChangeRequestError> {
        if !matches!(self.state, ChangeState::Assess | ChangeState::Authorize) {
            return Err(self.wrong_state("approve"));
        }
        if by == self.requester {
            return Err(UpdateChangeRequestError::SelfApproval {
                id: self.id.clone(),
                person: by,
            });
        }
        if !self.rule.allows(&by) {
            return Err(UpdateChangeRequestError::NotAnApprover {
                id: self.id.clone(),
                person: by,
            });
        }
        if digest != &self.digest {
            return Err(UpdateChangeRequestError::StaleDigest {
                id: self.id.clone(),
                given: digest.clone(),
                current: self.digest.clone(),
            });
        }
        self.approvals
            .push(Approval::new(by.clone(), at, digest.clone()));
        self.record(
            by,
            at,
            ChangeAction::Approved {
                digest: digest.clone(),
            },
        );
        Ok(())
    }

    /// Sends the request back to `new` and voids every approval.
    ///
    /// # Errors
    ///
    /// [`UpdateChangeRequestError::WrongState`] outside `assess` and `authorize`.
    pub fn reject(
        &mut self,
        by: PersonId,
        reason: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Result<(), UpdateChangeRequestError> {
        if !matches!(self.state, ChangeState::Assess | ChangeState::Authorize) {
            return Err(self.wrong_state("reject"));
        }
        self.state = ChangeState::New;
        self.approvals.clear();
        self.record(
            by,
            at,
            ChangeAction::Rejected {
                reason: reason.into(),
            },
        );
        Ok(())
    }

    /// Replaces the plan under approval; approvals of the old digest stop counting.
    ///
    /// # Errors
    ///
    /// [`UpdateChangeRequestError::WrongState`] once the request is scheduled or later.
    pub fn amend(
        &mut self,
        digest: Digest,
        by: PersonId,
        at: DateTime<Utc>,
    ) -> Result<(), UpdateChangeRequestError> {
        if !matches!(
            self.state,
            ChangeState::New | ChangeState::Assess | ChangeState::Authorize
        ) {
            return Err(self.wrong_state("amend"));
        }
        self.digest = digest.clone();
        self.record(by, at, ChangeAction::Amended { digest });
        Ok(())
    }

    /// Cancels the request.
    ///
    /// # Errors
    ///
    /// [`UpdateChangeRequestError::WrongState`] in `review` or a terminal state.
    pub fn cancel(
        &mut self,
        by: PersonId,
        reason: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Result<(), UpdateChangeRequestError> {
        if matches!(self.state, ChangeState::Review) || self.state.is_terminal() {
            return Err(self.wrong_state("cancel"));
        }
        self.state = ChangeState::Canceled;
        self.record(
            by,
            at,
            ChangeAction::Canceled {
                reason: reason.into(),
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> PersonId {
        s.parse().unwrap()
    }
    fn at() -> DateTime<Utc> {
        "2026-11-02T09:00:00Z".parse().unwrap()
    }
    fn digest(n: u64) -> Digest {
        Digest::new(format!("{n:016x}")).unwrap()
    }
    fn cr(kind: ChangeKind, rule: ApprovalRule) -> ChangeRequest {
        ChangeRequest::new(
            "CR-1".parse().unwrap(),
            kind,
            "t",
            p("ada"),
            rule,
            digest(1),
            at(),
        )
    }

    #[test]
    fn paths_per_kind() {
        let two = ApprovalRule::new(0, vec![]);
        for (kind, expect) in [
            (
                ChangeKind::Normal,
                vec![
                    "assess",
                    "authorize",
                    "scheduled",
                    "implement",
                    "review",
                    "closed",
                ],
            ),
            (
                ChangeKind::Standard,
                vec!["scheduled", "implement", "review", "closed"],
            ),
            (
                ChangeKind::Emergency,
                vec!["authorize", "scheduled", "implement", "review", "closed"],
            ),
        ] {
            let mut c = cr(kind, two.clone());
            let mut seen = Vec::new();
            while let Ok(s) = c.advance(p("ada"), at()) {
                seen.push(s.to_string());
            }
            assert_eq!(seen, expect, "{kind}");
            assert!(c.state().is_terminal());
        }
    }

    #[test]
    fn approvals_are_n_of_m_without_self_approval() {
        let rule = ApprovalRule::new(2, vec![p("bo"), p("chidi"), p("dana")]);
        let mut c = cr(ChangeKind::Normal, rule);
        c.advance(p("ada"), at()).unwrap();
        c.advance(p("ada"), at()).unwrap();
        assert!(matches!(
            c.approve(p("ada"), &digest(1), at()),
            Err(UpdateChangeRequestError::SelfApproval { .. })
        ));
        assert!(matches!(
            c.approve(p("eve"), &digest(1), at()),
            Err(UpdateChangeRequestError::NotAnApprover { .. })
        ));
        c.approve(p("bo"), &digest(1), at()).unwrap();
        c.approve(p("bo"), &digest(1), at()).unwrap();
        let err = c.advance(p("ada"), at()).unwrap_err();
        assert_eq!(err.to_string(), "change request CR-1: 1 of 2 approvals");
        c.approve(p("dana"), &digest(1), at()).unwrap();
        assert_eq!(c.advance(p("ada"), at()).unwrap(), ChangeState::Scheduled);
    }

    #[test]
    fn amending_voids_and_reject_clears() {
        let rule = ApprovalRule::new(1, vec![]);
        let mut c = cr(ChangeKind::Emergency, rule);
        c.advance(p("ada"), at()).unwrap();
        c.approve(p("bo"), &digest(1), at()).unwrap();
        assert!(c.is_approved());
        c.amend(digest(2), p("ada"), at()).unwrap();
        assert!(!c.is_approved());
        assert!(matches!(
            c.approve(p("bo"), &digest(1), at()),
            Err(UpdateChangeRequestError::StaleDigest { .. })
        ));
        c.approve(p("bo"), &digest(2), at()).unwrap();
        assert!(c.is_approved());
        c.reject(p("bo"), "too risky", at()).unwrap();
        assert_eq!(c.state(), ChangeState::New);
        assert!(c.approvals().is_empty());
        assert_eq!(c.history().len(), 5);
    }

    #[test]
    fn no_cancel_after_review() {
        let mut c = cr(ChangeKind::Standard, ApprovalRule::none());
        for _ in 0..3 {
            c.advance(p("ada"), at()).unwrap();
        }
        assert_eq!(c.state(), ChangeState::Review);
        assert!(c.cancel(p("ada"), "late", at()).is_err());
        let mut d = cr(ChangeKind::Normal, ApprovalRule::none());
        d.cancel(p("ada"), "not needed", at()).unwrap();
        assert_eq!(d.state(), ChangeState::Canceled);
        assert!(d.advance(p("ada"), at()).is_err());
    }

    #[test]
    fn json_shape_of_history() {
        let mut c = cr(ChangeKind::Normal, ApprovalRule::none());
        c.advance(p("ada"), at()).unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["history"][0]["action"], "advanced");
        assert_eq!(json["history"][0]["to"], "assess");
        assert_eq!(json["kind"], "normal");
        let back: ChangeRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
    }

    proptest! {
        #[test]
        fn an_approval_never_counts_for_a_changed_digest(
            approvers in proptest::collection::vec(0u8..6, 0..10),
            approved in 0u64..4,
            current in 0u64..4,
        ) {
            let rule = ApprovalRule::new(1, vec![]);
            let approvals: Vec<Approval> = approvers
                .iter()
                .map(|a| Approval::new(p(&format!("p{a}")), at(), digest(approved)))
                .collect();
            let n = rule.count(&approvals, &p("p0"), &digest(current));
            if approved != current {
                prop_assert_eq!(n, 0);
            } else {
                let mut distinct: Vec<u8> = approvers.iter().copied().filter(|a| *a != 0).collect();
                distinct.sort_unstable();
                distinct.dedup();
                prop_assert_eq!(n, distinct.len());
            }
        }
    }
}
