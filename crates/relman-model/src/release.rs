//! Releases and their lifecycle.
//!
//! A [`Release`] bundles component versions and the changes they ship, and moves through a
//! lifecycle state machine:
//!
//! ```text
//! draft → planned → in_progress → testing → approved → deploying → released → reviewed
//!                        ↑            │
//!                        └────────────┘ (tests found problems)
//! any state before deploying → cancelled
//! in_progress, testing, deploying → failed → reviewed
//! deploying, released → rolled_back → reviewed
//! ```
//!
//! `reviewed` and `cancelled` are terminal: no transition leaves them. Every accepted transition
//! is recorded with who made it and when; invalid ones are refused with a
//! [`TransitionReleaseError`].

use chrono::{DateTime, Utc};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::id::{ChangeId, ComponentId, PersonId, ReleaseId};

/// The lifecycle state of a [`Release`].
///
/// JSON: a snake_case string such as `"in_progress"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// Being put together; scope not fixed.
    Draft,
    /// Scope and date fixed.
    Planned,
    /// Being built.
    InProgress,
    /// Under test.
    Testing,
    /// Approved for deployment.
    Approved,
    /// Being deployed.
    Deploying,
    /// Live.
    Released,
    /// The post-release review is done (terminal).
    Reviewed,
    /// Abandoned before deployment (terminal).
    Cancelled,
    /// Build, test or deployment failed; awaits review.
    Failed,
    /// Deployed, then rolled back; awaits review.
    RolledBack,
}

impl ReleaseState {
    /// Every state, in lifecycle order.
    pub const ALL: [ReleaseState; 11] = [
        ReleaseState::Draft,
        ReleaseState::Planned,
        ReleaseState::InProgress,
        ReleaseState::Testing,
        ReleaseState::Approved,
        ReleaseState::Deploying,
        ReleaseState::Released,
        ReleaseState::Reviewed,
        ReleaseState::Cancelled,
        ReleaseState::Failed,
        ReleaseState::RolledBack,
    ];

    /// The states this state may move to.
    pub fn successors(self) -> &'static [ReleaseState] {
        use ReleaseState::*;
        match self {
            Draft => &[Planned, Cancelled],
            Planned => &[InProgress, Cancelled],
            InProgress => &[Testing, Failed, Cancelled],
            Testing => &[Approved, InProgress, Failed, Cancelled],
            Approved => &[Deploying, Cancelled],
            Deploying => &[Released, Failed, RolledBack],
            Released => &[Reviewed, RolledBack],
            Failed | RolledBack => &[Reviewed],
            Reviewed | Cancelled => &[],
        }
    }

    /// Whether the state machine may move from `self` to `to`.
    pub fn can_move_to(self, to: ReleaseState) -> bool {
        self.successors().contains(&to)
    }

    /// Whether no transition leaves this state.
    pub fn is_terminal(self) -> bool {
        self.successors().is_empty()
    }
}

impl std::fmt::Display for ReleaseState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            ReleaseState::Draft => "draft",
            ReleaseState::Planned => "planned",
            ReleaseState::InProgress => "in_progress",
            ReleaseState::Testing => "testing",
            ReleaseState::Approved => "approved",
            ReleaseState::Deploying => "deploying",
            ReleaseState::Released => "released",
            ReleaseState::Reviewed => "reviewed",
            ReleaseState::Cancelled => "cancelled",
            ReleaseState::Failed => "failed",
            ReleaseState::RolledBack => "rolled_back",
        })
    }
}

/// One recorded state change of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transition {
    /// The state left.
    pub from: ReleaseState,
    /// The state entered.
    pub to: ReleaseState,
    /// Who made the change.
    pub by: PersonId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A component version shipped by a release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleasedComponent {
    /// The component.
    pub component: ComponentId,
    /// The version it is released at.
    pub version: Version,
}

impl ReleasedComponent {
    /// `component` at `version`.
    pub fn new(component: ComponentId, version: Version) -> Self {
        Self { component, version }
    }
}

/// A release: component versions, the changes they ship, and a lifecycle with its history.
///
/// JSON shape:
///
/// ```json
/// {
///   "id": "2026.11",
///   "components": [{ "component": "api", "version": "1.3.0" }],
///   "changes": ["3f2a9c0e"],
///   "target_date": null,
///   "state": "planned",
///   "history": [{ "from": "draft", "to": "planned", "by": "ada", "at": "2026-11-02T09:00:00Z" }]
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Release {
    /// The release's id.
    pub id: ReleaseId,
    /// Component versions it ships.
    #[serde(default)]
    pub components: Vec<ReleasedComponent>,
    /// Changes it ships.
    #[serde(default)]
    pub changes: Vec<ChangeId>,
    /// Planned release date.
    #[serde(default)]
    pub target_date: Option<DateTime<Utc>>,
    state: ReleaseState,
    #[serde(default)]
    history: Vec<Transition>,
}

/// Returned by [`Release::transition`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionReleaseError {
    /// The lifecycle does not allow this move.
    #[error("release {release} cannot move from {from} to {to}")]
    NotAllowed {
        /// The release.
        release: ReleaseId,
        /// Its current state.
        from: ReleaseState,
        /// The refused target state.
        to: ReleaseState,
    },
    /// The transition is dated before the previous one.
    #[error("release {release}: transition at {at} is earlier than the previous one at {previous}")]
    OutOfOrder {
        /// The release.
        release: ReleaseId,
        /// The refused transition's time.
        at: DateTime<Utc>,
        /// The previous transition's time.
        previous: DateTime<Utc>,
    },
}

impl Release {
    /// A new release in the [`ReleaseState::Draft`] state with no history.
    pub fn new(id: ReleaseId) -> Self {
        Self {
            id,
            components: Vec::new(),
            changes: Vec::new(),
            target_date: None,
            state: ReleaseState::Draft,
            history: Vec::new(),
        }
    }

    /// The current lifecycle state.
    pub fn state(&self) -> ReleaseState {
        self.state
    }

    /// Every accepted transition, oldest first.
    pub fn history(&self) -> &[Transition] {
        &self.history
    }

    /// Moves the release to `to`, recording who did it and when.
    ///
    /// ```
    /// use relman_model::{Release, ReleaseState};
    /// let mut r = Release::new("2026.11".parse()?);
    /// let at = "2026-11-02T09:00:00Z".parse()?;
    /// r.transition(ReleaseState::Planned, "ada".parse()?, at)?;
    /// assert!(r.transition(ReleaseState::Released, "ada".parse()?, at).is_err());
    /// assert_eq!(r.history().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TransitionReleaseError::NotAllowed`] when the lifecycle forbids the move (including any
    /// move out of a terminal state), [`TransitionReleaseError::OutOfOrder`] when `at` precedes
    /// the last recorded transition. The release is unchanged on error.
    pub fn transition(
        &mut self,
        to: ReleaseState,
        by: PersonId,
        at: DateTime<Utc>,
    ) -> Result<(), TransitionReleaseError> {
        if !self.state.can_move_to(to) {
            return Err(TransitionReleaseError::NotAllowed {
                release: self.id.clone(),
                from: self.state,
                to,
            });
        }
        if let Some(last) = self.history.last()
            && at < last.at
        {
            return Err(TransitionReleaseError::OutOfOrder {
                release: self.id.clone(),
                at,
                previous: last.at,
            });
        }
        self.history.push(Transition {
            from: self.state,
            to,
            by,
            at,
        });
        self.state = to;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn happy_path_records_history() {
        let mut r = Release::new("r1".parse().unwrap());
        let path = [
            ReleaseState::Planned,
            ReleaseState::InProgress,
            ReleaseState::Testing,
            ReleaseState::Approved,
            ReleaseState::Deploying,
            ReleaseState::Released,
            ReleaseState::Reviewed,
        ];
        for (i, s) in path.iter().enumerate() {
            let at = t("2026-01-01T00:00:00Z") + chrono::Duration::hours(i as i64);
            r.transition(*s, "ada".parse().unwrap(), at).unwrap();
        }
        assert_eq!(r.state(), ReleaseState::Reviewed);
        assert_eq!(r.history().len(), 7);
        assert_eq!(r.history()[0].from, ReleaseState::Draft);
        assert!(r.state().is_terminal());
    }

    #[test]
    fn refuses_skipping_and_keeps_state() {
        let mut r = Release::new("r1".parse().unwrap());
        let err = r
            .transition(
                ReleaseState::Deploying,
                "bo".parse().unwrap(),
                t("2026-01-01T00:00:00Z"),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "release r1 cannot move from draft to deploying"
        );
        assert_eq!(r.state(), ReleaseState::Draft);
        assert!(r.history().is_empty());
    }

    #[test]
    fn refuses_time_travel() {
        let mut r = Release::new("r1".parse().unwrap());
        r.transition(
            ReleaseState::Planned,
            "a".parse().unwrap(),
            t("2026-01-02T00:00:00Z"),
        )
        .unwrap();
        let err = r
            .transition(
                ReleaseState::InProgress,
                "a".parse().unwrap(),
                t("2026-01-01T00:00:00Z"),
            )
            .unwrap_err();
        assert!(matches!(err, TransitionReleaseError::OutOfOrder { .. }));
    }

    #[test]
    fn json_round_trip() {
        let mut r = Release::new("2026.11".parse().unwrap());
        r.components.push(ReleasedComponent::new(
            "api".parse().unwrap(),
            Version::new(1, 3, 0),
        ));
        r.transition(
            ReleaseState::Planned,
            "ada".parse().unwrap(),
            t("2026-11-02T09:00:00Z"),
        )
        .unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["state"], "planned");
        assert_eq!(json["history"][0]["to"], "planned");
        let back: Release = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }

    proptest! {
        #[test]
        fn no_transition_leaves_a_terminal_state(steps in proptest::collection::vec(0usize..11, 0..40)) {
            let mut r = Release::new("p".parse().unwrap());
            let at = t("2026-01-01T00:00:00Z");
            for s in steps {
                let before = r.state();
                let to = ReleaseState::ALL[s];
                let ok = r.transition(to, "x".parse().unwrap(), at).is_ok();
                prop_assert_eq!(ok, before.can_move_to(to));
                if before.is_terminal() {
                    prop_assert!(!ok);
                    prop_assert_eq!(r.state(), before);
                }
            }
        }
    }
}
