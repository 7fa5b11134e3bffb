//! Core types of relman, the release-management libraries.
//!
//! `relman-model` is the shared vocabulary every other relman crate speaks: identifiers,
//! versions and bump rules, changes (Conventional Commits), components, releases and their
//! lifecycle, change requests and approvals, quality gates, environments and risks. It depends on
//! no other relman crate, does no I/O and never reads the clock.
#![forbid(unsafe_code)]

pub mod id;

pub use id::{
    ChangeId, ChangeRequestId, ComponentId, EnvironmentId, GateId, IdRejection, ParseIdError,
    PersonId, ReleaseId, RiskId,
};
pub mod change_request;
pub mod component;
pub mod environment;
pub mod gate;
pub mod release;
pub mod risk;

pub use change_request::{
    Approval, ApprovalRule, ChangeAction, ChangeKind, ChangeRecord, ChangeRequest, ChangeState,
    Digest, ParseChangeKindError, ParseDigestError, UpdateChangeRequestError,
};
pub use component::{Component, Dependency, DependencyKind};
pub use environment::{Environment, NewWindowError, Protection, Tier, Window, WindowKind};
pub use gate::{
    GateReason, GateReport, GateResult, ParseTestKindError, QualityGate, TestKind, TestRun,
    Thresholds, Verdict, evaluate_gates,
};
pub use release::{Release, ReleaseState, ReleasedComponent, Transition, TransitionReleaseError};
pub use risk::{ParseRatingError, Rating, RiskCategory, RiskItem, RiskLevel, RiskStatus};

pub mod change;
pub mod commit;

pub use change::{Change, DiffStat, Person};
pub use commit::{
    BreakingChange, BreakingSource, CommitRejection, CommitType, ConventionalCommit, Footer,
    FooterSeparator, FooterToken, IssueRef, Leniency, ParseCommitError, ParseOptions, Scope,
};
pub mod version;

pub use version::{
    Bump, BumpDecision, BumpEvidence, BumpPolicy, BumpReason, BumpVersionError, Channel,
    ParseBumpError, ParseChannelError, ReleaseChannel, Version, ZeroBreaking, ZeroFeatures,
    next_version,
};
pub mod history;

pub use history::{
    HistorySource, MemoryHistory, ParseRevisionError, Revision, RevisionRange,
    UnknownRevisionError, VersionTag,
};
