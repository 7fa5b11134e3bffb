//! Every public type of relman-model can cross threads, and every error is a
//! `std::error::Error + Send + Sync + 'static` (so it can be wrapped by anyhow or a caller's enum).

use relman_model::*;

fn send_sync<T: Send + Sync + 'static>() {}
fn error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_and_sync() {
    send_sync::<Approval>();
    send_sync::<ApprovalRule>();
    send_sync::<BreakingChange>();
    send_sync::<Bump>();
    send_sync::<BumpDecision>();
    send_sync::<BumpEvidence>();
    send_sync::<BumpPolicy>();
    send_sync::<Change>();
    send_sync::<ChangeRequest>();
    send_sync::<Channel>();
    send_sync::<Component>();
    send_sync::<ConventionalCommit>();
    send_sync::<DiffStat>();
    send_sync::<Digest>();
    send_sync::<Environment>();
    send_sync::<GateReport>();
    send_sync::<MemoryHistory>();
    send_sync::<QualityGate>();
    send_sync::<ReleasedComponent>();
    send_sync::<ReleaseChannel>();
    send_sync::<RevisionRange>();
    send_sync::<RiskItem>();
    send_sync::<TestRun>();
    send_sync::<VersionTag>();
    send_sync::<Window>();
}

#[test]
fn errors_are_std_errors_that_cross_threads() {
    error::<BumpVersionError>();
    error::<NewWindowError>();
    error::<ParseBumpError>();
    error::<ParseChangeKindError>();
    error::<ParseChannelError>();
    error::<ParseCommitError>();
    error::<ParseDigestError>();
    error::<ParseIdError>();
    error::<ParseRatingError>();
    error::<ParseReleasedComponentError>();
    error::<ParseRevisionError>();
    error::<ParseTestKindError>();
    error::<UnknownRevisionError>();
    error::<UpdateChangeRequestError>();
}
