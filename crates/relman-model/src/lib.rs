//! Core types of relman, the release-management libraries.
//!
//! `relman-model` is the shared vocabulary every other relman crate speaks: identifiers,
//! versions and bump rules, changes (Conventional Commits), components and the versions a release
//! ships, change requests and approvals, quality gates, environments and risks. It depends on
//! no other relman crate, does no I/O and never reads the clock.
//!
//! | module | main types |
//! |---|---|
//! | [`id`] | [`ChangeId`], [`ComponentId`], [`EnvironmentId`], [`PersonId`], ... |
//! | [`commit`] | [`ConventionalCommit`] and its parser, [`ParseCommitError`] with line and column |
//! | [`change`] | [`Change`]: one commit with its parsed message, issues and optional [`DiffStat`]s |
//! | [`version`] | [`Bump`], [`BumpPolicy`] deciding a bump with its evidence, [`next_version`] with pre-release channels |
//! | [`component`] | [`Component`], its [`Dependency`] edges and whether it is published ([`Publish`]); [`ReleasedComponent`], a component at a released version |
//! | [`change_request`] | [`ChangeRequest`] with approvals bound to a [`Digest`] |
//! | [`gate`] | [`QualityGate`], [`TestRun`], [`Verdict`] |
//! | [`environment`] | [`Environment`], [`Tier`], [`Window`] |
//! | [`risk`] | [`RiskItem`] on a 5 × 5 likelihood × impact matrix |
//! | [`history`] | the [`HistorySource`] port that adapters such as relman-git implement |
//!
//! ```
//! use relman_model::ConventionalCommit;
//! let commit = ConventionalCommit::parse("feat(api)!: drop the v1 endpoints")?;
//! assert!(commit.is_breaking());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod change;
pub mod change_request;
pub mod commit;
pub mod component;
pub mod environment;
pub mod gate;
pub mod id;
pub mod risk;
pub mod tag;
pub mod text;
pub mod version;

pub use change::{Change, DiffStat, Person};
pub use change_request::{
    Approval, ApprovalPolicy, ApprovalRule, ChangeAction, ChangeKind, ChangeRecord, ChangeRequest,
    ChangeState, Digest, ParseChangeKindError, ParseDigestError, UpdateChangeRequestError,
};
pub use commit::{
    BreakingChange, BreakingSource, CommitRejection, CommitType, ConventionalCommit, Footer,
    FooterSeparator, FooterToken, IssueRef, Leniency, ParseCommitError, ParseOptions, Scope,
};
pub use component::{
    Component, Dependency, DependencyKind, ParseReleasedComponentError, Publish, ReleasedComponent,
};
pub use environment::{Environment, NewWindowError, Protection, Tier, Window, WindowKind};
pub use gate::{
    GateReason, GateReport, GateResult, ParseTestKindError, QualityGate, TestKind, TestRun,
    ThresholdKey, Thresholds, ValidateGateError, Verdict, evaluate_gates,
};
pub use id::{
    ChangeId, ChangeRequestId, ComponentId, EnvironmentId, GateId, IdRejection, ParseIdError,
    PersonId, ReleaseId, RiskId,
};
pub use risk::{ParseRatingError, Rating, RiskCategory, RiskItem, RiskLevel, RiskStatus};
pub use tag::{
    IgnoredTag, ParseTagPatternError, TagListing, TagPattern, TagPatternRejection, TagRejection,
    classify_tag,
};
pub use version::{
    Bump, BumpDecision, BumpEvidence, BumpPolicy, BumpReason, BumpVersionError, Channel,
    ParseBumpError, ParseChannelError, ReleaseChannel, Version, ZeroBreaking, ZeroFeatures,
    next_version,
};
pub mod history;

pub use history::{
    HistoryCache, HistorySource, MemoryHistory, NamedTag, ParseRevisionError, Revision,
    RevisionRange, UnknownRevisionError, VersionTag, WalkScope,
};

/// The Rust snippets of `docs/guide/relman-model.md`, compiled and run by `cargo test --doc` so
/// the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide/relman-model.md")]
pub struct GuideDoctests;

/// The example of this crate's `README.md`, compiled and run by `cargo test --doc` so the
/// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
