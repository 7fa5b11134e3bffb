//! `relman change`: change requests kept in the environment state (default `.relman/state`).
//!
//! `new --plan DIR/release-plan.json` opens the request drafted by `relman plan` (id, title,
//! kind, requester, plan digest, approval rule, released components, planned window); every
//! other subcommand is one action of the request's state machine (relman-model's
//! `ChangeRequest`), checked against the ledger before it is appended. Approvals are bound to the
//! plan digest: `approve --digest HEX` (or `--plan FILE`, which reads the draft's digest) is
//! refused when the request is now for another digest.
//!
//! Exit codes: 0 recorded, 1 refused (invalid transition, stale digest, unknown request),
//! 2 usage or I/O errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use relman_env::{
    ApplyChangeEventError, ChangeRequestDraft, ChangeRequestView, ChangeTransition, EnvState,
    Event, EventKind, OpenChangeRequest, OpenChangeRequestError,
};
use relman_model::{
    ChangeKind, ChangeRequestId, Digest, PersonId, ReleaseId, ReleasedComponent, RiskLevel,
    UpdateChangeRequestError,
};
use serde::Serialize;

use super::env::{load, open_store, open_store_read_only, transact};

/// Arguments of `relman change`.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[command(subcommand)]
    command: ChangeCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The state directory and output format, shared by every subcommand.
#[derive(Debug, Args)]
pub(crate) struct StoreOptions {
    /// The state directory, or a `postgres://` URL (the same as `relman env --state`).
    #[arg(
        long,
        alias = "store",
        env = "RELMAN_STATE",
        hide_env_values = true,
        default_value = ".relman/state",
        global = true
    )]
    pub(crate) state: PathBuf,
}

#[derive(Debug, Args)]
struct Common {
    #[command(flatten)]
    store: StoreOptions,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", global = true)]
    format: Format,
}

#[derive(Debug, Args)]
struct Actor {
    /// The change request, e.g. `CR-1a2b3c4d`.
    id: ChangeRequestId,
    /// Who acts (default: the requester).
    #[arg(long)]
    by: Option<PersonId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KindArg {
    Standard,
    Normal,
    Emergency,
}

impl From<KindArg> for ChangeKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Standard => ChangeKind::Standard,
            KindArg::Normal => ChangeKind::Normal,
            KindArg::Emergency => ChangeKind::Emergency,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LevelArg {
    Low,
    Medium,
    High,
    Critical,
}

impl From<LevelArg> for RiskLevel {
    fn from(l: LevelArg) -> Self {
        match l {
            LevelArg::Low => RiskLevel::Low,
            LevelArg::Medium => RiskLevel::Medium,
            LevelArg::High => RiskLevel::High,
            LevelArg::Critical => RiskLevel::Critical,
        }
    }
}

#[derive(Debug, Subcommand)]
enum ChangeCommand {
    /// Open a change request from a plan's draft (`--plan`) or from explicit fields.
    New {
        /// A `release-plan.json` written by `relman plan --output DIR`.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
        /// The id (default: the draft's).
        #[arg(long)]
        id: Option<ChangeRequestId>,
        /// The title (default: the draft's).
        #[arg(long)]
        title: Option<String>,
        /// The kind (default: the draft's, else normal).
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Who asks for the change; may not approve it (default: the draft's).
        #[arg(long)]
        requester: Option<PersonId>,
        /// The digest approvals are bound to (default: the draft's plan digest).
        #[arg(long)]
        digest: Option<Digest>,
        /// Approvals required (default: the draft's, else 1).
        #[arg(long)]
        required: Option<usize>,
        /// Who may approve, comma separated (default: anyone but the requester).
        #[arg(long, value_delimiter = ',')]
        approvers: Vec<PersonId>,
        /// The release it implements (deployments with `--release` of that name belong to it).
        #[arg(long)]
        release: Option<ReleaseId>,
        /// A component version it releases, `name@version` (repeatable; default: the plan's
        /// released components).
        #[arg(long = "component", value_name = "NAME@VERSION")]
        components: Vec<String>,
        /// Planned start (RFC 3339; default: the plan's start).
        #[arg(long, value_parser = crate::cmd::parse_time)]
        start: Option<DateTime<Utc>>,
        /// Planned finish (RFC 3339; default: the plan's schedule finish).
        #[arg(long, value_parser = crate::cmd::parse_time)]
        finish: Option<DateTime<Utc>>,
        /// Who records it (default: the requester).
        #[arg(long)]
        by: Option<PersonId>,
        #[command(flatten)]
        common: Common,
    },
    /// Record the risk assessment (from the plan, or `--score`/`--level`); moves a new request on.
    Assess {
        #[command(flatten)]
        actor: Actor,
        /// A `release-plan.json` whose `risk` is used.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["score", "level"])]
        plan: Option<PathBuf>,
        /// The risk score, 0 to 100.
        #[arg(long, requires = "level", value_parser = clap::value_parser!(u8).range(0..=100))]
        score: Option<u8>,
        /// The risk level.
        #[arg(long, value_enum, requires = "score")]
        level: Option<LevelArg>,
        #[command(flatten)]
        common: Common,
    },
    /// Submit for authorization (normal: from assess; emergency: from new).
    Submit {
        #[command(flatten)]
        actor: Actor,
        #[command(flatten)]
        common: Common,
    },
    /// Approve the plan digest; refused when the request is now for another digest.
    Approve {
        /// The change request.
        id: ChangeRequestId,
        /// The approver.
        #[arg(long)]
        by: PersonId,
        /// The digest approved.
        #[arg(long, required_unless_present = "plan", conflicts_with = "plan")]
        digest: Option<Digest>,
        /// A `release-plan.json` whose draft digest is approved.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Reject: back to new, approvals voided.
    Reject {
        /// The change request.
        id: ChangeRequestId,
        /// Who rejects.
        #[arg(long)]
        by: PersonId,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Bind the request to a new plan digest; earlier approvals stop counting.
    Amend {
        #[command(flatten)]
        actor: Actor,
        /// The new digest.
        #[arg(long, required_unless_present = "plan", conflicts_with = "plan")]
        digest: Option<Digest>,
        /// A `release-plan.json` whose draft digest becomes the request's.
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Schedule (or re-schedule) for a window; leaving authorize needs the approvals.
    Schedule {
        #[command(flatten)]
        actor: Actor,
        /// Start (RFC 3339).
        #[arg(long, value_parser = crate::cmd::parse_time)]
        start: DateTime<Utc>,
        /// Finish (RFC 3339), after the start.
        #[arg(long, value_parser = crate::cmd::parse_time)]
        finish: DateTime<Utc>,
        #[command(flatten)]
        common: Common,
    },
    /// Start implementing a scheduled request.
    Implement {
        #[command(flatten)]
        actor: Actor,
        #[command(flatten)]
        common: Common,
    },
    /// Enter the post-implementation review.
    Review {
        #[command(flatten)]
        actor: Actor,
        #[command(flatten)]
        common: Common,
    },
    /// Close a reviewed request.
    Close {
        #[command(flatten)]
        actor: Actor,
        #[command(flatten)]
        common: Common,
    },
    /// Cancel a request that has not reached review.
    Cancel {
        #[command(flatten)]
        actor: Actor,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Show one request with its approvals and audit trail.
    Show {
        /// The change request.
        id: ChangeRequestId,
        #[command(flatten)]
        common: Common,
    },
    /// List every request.
    List {
        #[command(flatten)]
        common: Common,
    },
}

fn draft_of(path: &Path) -> Result<ChangeRequestDraft> {
    super::plan::read_plan_file(path)?
        .draft()
        .with_context(|| format!("in {}", path.display()))
}

/// Runs `relman change`.
///
/// # Errors
///
/// Usage and I/O errors (exit code 2); refusals are `Ok` with exit code 1.
pub fn run(args: ChangeArgs) -> Result<ExitCode> {
    let now = Utc::now();
    let transition = |actor: Actor, t: ChangeTransition, common: Common| {
        let event = t.into_event(actor.id.clone(), actor.by, now);
        write(&common, &actor.id, event)
    };
    match args.command {
        ChangeCommand::New {
            plan,
            id,
            title,
            kind,
            requester,
            digest,
            required,
            approvers,
            release,
            components,
            start,
            finish,
            by,
            common,
        } => {
            let draft = plan.as_deref().map(draft_of).transpose()?;
            let components = components
                .iter()
                .map(|c| {
                    c.parse::<ReleasedComponent>()
                        .with_context(|| format!("invalid --component {c:?}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut open = OpenChangeRequest::default();
            open.id = id;
            open.title = title;
            open.kind = kind.map(ChangeKind::from);
            open.requester = requester;
            open.digest = digest;
            open.approvals_required = required;
            open.approvers = approvers;
            open.release = release;
            open.components = components;
            open.start = start;
            open.finish = finish;
            open.by = by;
            let event = match open.into_event(draft.as_ref(), now) {
                Ok(event) => event,
                Err(e @ OpenChangeRequestError::FewerApprovalsThanPlanned { .. }) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => {
                    let option = match e {
                        OpenChangeRequestError::MissingId => "--id",
                        OpenChangeRequestError::MissingTitle => "--title",
                        OpenChangeRequestError::MissingRequester => "--requester",
                        _ => "--digest",
                    };
                    bail!("{e}: give --plan FILE or {option}");
                }
            };
            let EventKind::ChangeRequestOpened { change_request, .. } = &event.kind else {
                bail!("internal: a new change request is not an opening event");
            };
            let id = change_request.clone();
            write(&common, &id, event)
        }
        ChangeCommand::Assess {
            actor,
            plan,
            score,
            level,
            common,
        } => {
            let (score, level) = match (plan, score, level) {
                (Some(path), _, _) => draft_of(&path)?
                    .risk
                    .with_context(|| format!("{} has no risk", path.display()))?,
                (None, Some(score), Some(level)) => (score, level.into()),
                _ => bail!("give --plan FILE or both --score and --level"),
            };
            transition(actor, ChangeTransition::Assess { score, level }, common)
        }
        ChangeCommand::Submit { actor, common } => {
            transition(actor, ChangeTransition::Submit, common)
        }
        ChangeCommand::Approve {
            id,
            by,
            digest,
            plan,
            common,
        } => {
            let digest = digest_of(digest, plan)?;
            let actor = Actor { id, by: Some(by) };
            transition(actor, ChangeTransition::Approve { digest }, common)
        }
        ChangeCommand::Reject {
            id,
            by,
            reason,
            common,
        } => {
            let actor = Actor { id, by: Some(by) };
            transition(actor, ChangeTransition::Reject { reason }, common)
        }
        ChangeCommand::Amend {
            actor,
            digest,
            plan,
            common,
        } => {
            let digest = digest_of(digest, plan)?;
            transition(actor, ChangeTransition::Amend { digest }, common)
        }
        ChangeCommand::Schedule {
            actor,
            start,
            finish,
            common,
        } => transition(actor, ChangeTransition::Schedule { start, finish }, common),
        ChangeCommand::Implement { actor, common } => {
            transition(actor, ChangeTransition::Implement, common)
        }
        ChangeCommand::Review { actor, common } => {
            transition(actor, ChangeTransition::Review, common)
        }
        ChangeCommand::Close { actor, common } => {
            transition(actor, ChangeTransition::Close, common)
        }
        ChangeCommand::Cancel {
            actor,
            reason,
            common,
        } => transition(actor, ChangeTransition::Cancel { reason }, common),
        ChangeCommand::Show { id, common } => show(&common, &id),
        ChangeCommand::List { common } => list(&common),
    }
}

/// `--digest HEX`, or the digest of the plan file `--plan FILE` (verified).
fn digest_of(digest: Option<Digest>, plan: Option<PathBuf>) -> Result<Digest> {
    match (digest, plan) {
        (Some(d), _) => Ok(d),
        (None, Some(path)) => Ok(draft_of(&path)?.digest),
        (None, None) => bail!("give --digest HEX or --plan FILE"),
    }
}

/// Appends one event decided from the current state after [`EnvState::check`]; retries on a
/// concurrent writer's conflict. `Ok(Err(_))` is a refusal: nothing was written.
pub(crate) fn append_checked(
    store: &mut super::state_store::StateStore,
    mut decide: impl FnMut(&EnvState) -> Result<Event>,
) -> Result<std::result::Result<(u64, EnvState), ApplyChangeEventError>> {
    let committed = transact(store, |state| {
        let event = decide(state)?;
        Ok(relman_env::change::decide(state, event))
    })?;
    Ok(committed.map(|c| (c.revision.get(), c.state)))
}

/// Appends one event `kind` by `by`, now, to the state in `state` (checked against the ledger,
/// retried on a concurrent writer); returns its revision. A refusal is an error naming `what`.
pub(crate) fn record_event(
    state: &Path,
    by: Option<&PersonId>,
    kind: EventKind,
    what: &str,
) -> Result<u64> {
    let mut store = open_store(state)?;
    let now = Utc::now();
    match append_checked(&mut store, |_| {
        Ok(Event::new(now, by.cloned(), kind.clone()))
    })? {
        Ok((revision, _)) => Ok(revision),
        Err(e) => bail!("cannot record {what}: {}", refusal_message(&e)),
    }
}

/// The message of a refusal, with a hint where one helps.
pub(crate) fn refusal_message(e: &ApplyChangeEventError) -> String {
    match e {
        ApplyChangeEventError::Transition(UpdateChangeRequestError::StaleDigest { .. }) => {
            format!(
                "{e}: the plan changed since; review the new plan and approve its digest (`relman change show` prints it)"
            )
        }
        ApplyChangeEventError::Transition(UpdateChangeRequestError::WrongState {
            id,
            state,
            ..
        }) => match next_step(id, *state) {
            Some(step) => format!("{e}; next: {step}"),
            None => e.to_string(),
        },
        _ => e.to_string(),
    }
}

/// What moves a request on from `state`, as the command to run.
fn next_step(id: &ChangeRequestId, state: relman_model::ChangeState) -> Option<String> {
    use relman_model::ChangeState as S;
    Some(match state {
        S::New => format!(
            "`relman change assess {id} --plan FILE` (normal) or `relman change submit {id}` (emergency)"
        ),
        S::Assess => format!("`relman change submit {id}`, then approvals"),
        S::Authorize => format!(
            "approvals (`relman change approve {id} --by NAME --plan FILE`), then `relman change schedule {id}`"
        ),
        S::Scheduled => format!("`relman change implement {id}`"),
        S::Implement => format!("`relman change review {id}`"),
        S::Review => format!("`relman change close {id}`"),
        _ => return None,
    })
}

fn write(common: &Common, id: &ChangeRequestId, event: Event) -> Result<ExitCode> {
    let mut store = open_store(&common.store.state)?;
    let kind_name = event.kind.name();
    let result = append_checked(&mut store, |_| Ok(event.clone()))?;
    match result {
        Ok((revision, state)) => {
            let entry = state
                .change_request(id)
                .context("the change request vanished after recording")?;
            let view = ChangeRequestView::new(&state, entry);
            match common.format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&WriteOutput {
                        outcome: "recorded",
                        revision: Some(revision),
                        event: kind_name,
                        error: None,
                        change_request: Some(view),
                    })?
                ),
                Format::Text => println!(
                    "recorded {kind_name} at revision {revision}: {}",
                    view.summary()
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let message = refusal_message(&e);
            eprintln!("error: {message}");
            if common.format == Format::Json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&WriteOutput {
                        outcome: "refused",
                        revision: None,
                        event: kind_name,
                        error: Some(message),
                        change_request: None,
                    })?
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}

#[derive(Serialize)]
struct WriteOutput {
    outcome: &'static str,
    revision: Option<u64>,
    event: &'static str,
    error: Option<String>,
    change_request: Option<ChangeRequestView>,
}

fn show(common: &Common, id: &ChangeRequestId) -> Result<ExitCode> {
    let mut store = open_store_read_only(&common.store.state)?;
    let (_, state) = load(&mut store)?;
    let Some(entry) = state.change_request(id) else {
        eprintln!("error: no change request {id}");
        return Ok(ExitCode::from(1));
    };
    let v = ChangeRequestView::new(&state, entry);
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Format::Text => print!("{}", v.to_text()),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(common: &Common) -> Result<ExitCode> {
    let mut store = open_store_read_only(&common.store.state)?;
    let (_, state) = load(&mut store)?;
    let views: Vec<ChangeRequestView> = state
        .change_requests()
        .map(|e| ChangeRequestView::new(&state, e))
        .collect();
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&views)?),
        Format::Text => print!("{}", relman_env::change::list_to_text(&views)),
    }
    Ok(ExitCode::SUCCESS)
}
