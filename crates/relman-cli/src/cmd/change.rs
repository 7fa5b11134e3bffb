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
use relman_env::store::JournalStore;
use relman_env::{
    ApplyChangeEventError, ChangeRequestEntry, EnvState, Event, EventKind, PlannedWindow,
};
use relman_model::{
    ApprovalRule, ChangeAction, ChangeKind, ChangeRequestId, Digest, PersonId, ReleaseId,
    ReleasedComponent, RiskLevel, UpdateChangeRequestError,
};
use semver::Version;
use serde::{Deserialize, Serialize};

use super::env::{load, open_store, transact};

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
    /// The state directory (the same as `relman env --state`).
    #[arg(long, alias = "store", default_value = ".relman/state", global = true)]
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
        #[arg(long)]
        start: Option<DateTime<Utc>>,
        /// Planned finish (RFC 3339; default: the plan's schedule finish).
        #[arg(long)]
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
        #[arg(long)]
        start: DateTime<Utc>,
        /// Finish (RFC 3339), after the start.
        #[arg(long)]
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

/// The parts of `release-plan.json` that `relman change` reads.
#[derive(Debug, Deserialize)]
struct PlanFile {
    start: Option<DateTime<Utc>>,
    #[serde(default)]
    components: Vec<PlanComponent>,
    risk: Option<PlanRisk>,
    schedule: Option<PlanSchedule>,
    change_request: PlanDraft,
}

#[derive(Debug, Deserialize)]
struct PlanComponent {
    name: String,
    next: String,
    #[serde(default)]
    release: bool,
}

#[derive(Debug, Deserialize)]
struct PlanRisk {
    score: u8,
    level: RiskLevel,
}

#[derive(Debug, Deserialize)]
struct PlanSchedule {
    finish: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct PlanDraft {
    id: ChangeRequestId,
    kind: ChangeKind,
    title: String,
    requester: PersonId,
    digest: Digest,
    approvals_required: usize,
}

fn read_plan(path: &Path) -> Result<PlanFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    // The plan's content must match its digest: an edited plan is not approved under the old
    // digest.
    relman_plan::plan::ReleasePlan::from_json(&text)
        .with_context(|| format!("{}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a release plan written by `relman plan --output DIR`",
            path.display()
        )
    })
}

fn parse_component(spec: &str) -> Result<ReleasedComponent> {
    let (name, version) = spec
        .split_once('@')
        .with_context(|| format!("invalid component {spec:?}: expected NAME@VERSION"))?;
    Ok(ReleasedComponent::new(
        name.parse()
            .with_context(|| format!("invalid component {spec:?}"))?,
        version
            .parse::<Version>()
            .with_context(|| format!("invalid component {spec:?}"))?,
    ))
}

/// Runs `relman change`.
///
/// # Errors
///
/// Usage and I/O errors (exit code 2); refusals are `Ok` with exit code 1.
pub fn run(args: ChangeArgs) -> Result<ExitCode> {
    let now = Utc::now();
    let id_kind = |f: fn(ChangeRequestId) -> EventKind, actor: Actor, common: Common| {
        let id = actor.id.clone();
        write(&common, actor.by, now, &actor.id, move |_| {
            Ok(f(id.clone()))
        })
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
            let plan = plan.as_deref().map(read_plan).transpose()?;
            let draft = plan.as_ref().map(|p| &p.change_request);
            let id = id
                .or_else(|| draft.map(|d| d.id.clone()))
                .context("a change request needs an id: give --plan FILE or --id")?;
            let title = title
                .or_else(|| draft.map(|d| d.title.clone()))
                .context("a change request needs a title: give --plan FILE or --title")?;
            let requester = requester
                .or_else(|| draft.map(|d| d.requester.clone()))
                .context("a change request needs a requester: give --plan FILE or --requester")?;
            let digest = digest
                .or_else(|| draft.map(|d| d.digest.clone()))
                .context("a change request needs a digest: give --plan FILE or --digest")?;
            let kind = kind
                .map(ChangeKind::from)
                .or_else(|| draft.map(|d| d.kind))
                .unwrap_or(ChangeKind::Normal);
            let required = required
                .or_else(|| draft.map(|d| d.approvals_required))
                .unwrap_or(1);
            let components = if components.is_empty() {
                plan.as_ref()
                    .map(|p| {
                        p.components
                            .iter()
                            .filter(|c| c.release)
                            .map(|c| parse_component(&format!("{}@{}", c.name, c.next)))
                            .collect::<Result<Vec<_>>>()
                    })
                    .transpose()?
                    .unwrap_or_default()
            } else {
                components
                    .iter()
                    .map(|c| parse_component(c))
                    .collect::<Result<Vec<_>>>()?
            };
            let start = start.or_else(|| plan.as_ref().and_then(|p| p.start));
            let finish = finish.or_else(|| {
                plan.as_ref()
                    .and_then(|p| p.schedule.as_ref())
                    .and_then(|s| s.finish)
            });
            let window = match (start, finish) {
                (Some(start), Some(finish)) if finish > start => {
                    Some(PlannedWindow { start, finish })
                }
                _ => None,
            };
            let by = by.unwrap_or_else(|| requester.clone());
            let kind = EventKind::ChangeRequestOpened {
                change_request: id.clone(),
                title,
                change_kind: kind,
                requester,
                digest,
                rule: ApprovalRule::new(required, approvers),
                release,
                components,
                window,
            };
            write(&common, Some(by), now, &id, move |_| Ok(kind.clone()))
        }
        ChangeCommand::Assess {
            actor,
            plan,
            score,
            level,
            common,
        } => {
            let (score, level) = match (plan, score, level) {
                (Some(path), _, _) => {
                    let risk = read_plan(&path)?
                        .risk
                        .with_context(|| format!("{} has no risk", path.display()))?;
                    (risk.score, risk.level)
                }
                (None, Some(score), Some(level)) => (score, level.into()),
                _ => bail!("give --plan FILE or both --score and --level"),
            };
            let id = actor.id.clone();
            write(&common, actor.by, now, &actor.id, move |_| {
                Ok(EventKind::ChangeRequestAssessed {
                    change_request: id.clone(),
                    score,
                    level,
                })
            })
        }
        ChangeCommand::Submit { actor, common } => id_kind(
            |change_request| EventKind::ChangeRequestSubmitted { change_request },
            actor,
            common,
        ),
        ChangeCommand::Approve {
            id,
            by,
            digest,
            plan,
            common,
        } => {
            let digest = match (digest, plan) {
                (Some(d), _) => d,
                (None, Some(path)) => read_plan(&path)?.change_request.digest,
                (None, None) => bail!("give --digest HEX or --plan FILE"),
            };
            let cr = id.clone();
            write(&common, Some(by), now, &id, move |_| {
                Ok(EventKind::ChangeRequestApproved {
                    change_request: cr.clone(),
                    digest: digest.clone(),
                })
            })
        }
        ChangeCommand::Reject {
            id,
            by,
            reason,
            common,
        } => {
            let cr = id.clone();
            write(&common, Some(by), now, &id, move |_| {
                Ok(EventKind::ChangeRequestRejected {
                    change_request: cr.clone(),
                    reason: reason.clone(),
                })
            })
        }
        ChangeCommand::Amend {
            actor,
            digest,
            plan,
            common,
        } => {
            let digest = match (digest, plan) {
                (Some(d), _) => d,
                (None, Some(path)) => read_plan(&path)?.change_request.digest,
                (None, None) => bail!("give --digest HEX or --plan FILE"),
            };
            let cr = actor.id.clone();
            write(&common, actor.by, now, &actor.id, move |_| {
                Ok(EventKind::ChangeRequestAmended {
                    change_request: cr.clone(),
                    digest: digest.clone(),
                })
            })
        }
        ChangeCommand::Schedule {
            actor,
            start,
            finish,
            common,
        } => {
            let cr = actor.id.clone();
            write(&common, actor.by, now, &actor.id, move |_| {
                Ok(EventKind::ChangeRequestScheduled {
                    change_request: cr.clone(),
                    start,
                    finish,
                })
            })
        }
        ChangeCommand::Implement { actor, common } => id_kind(
            |change_request| EventKind::ChangeRequestImplemented { change_request },
            actor,
            common,
        ),
        ChangeCommand::Review { actor, common } => id_kind(
            |change_request| EventKind::ChangeRequestReviewed { change_request },
            actor,
            common,
        ),
        ChangeCommand::Close { actor, common } => id_kind(
            |change_request| EventKind::ChangeRequestClosed { change_request },
            actor,
            common,
        ),
        ChangeCommand::Cancel {
            actor,
            reason,
            common,
        } => {
            let cr = actor.id.clone();
            write(&common, actor.by, now, &actor.id, move |_| {
                Ok(EventKind::ChangeRequestCanceled {
                    change_request: cr.clone(),
                    reason: reason.clone(),
                })
            })
        }
        ChangeCommand::Show { id, common } => show(&common, &id),
        ChangeCommand::List { common } => list(&common),
    }
}

/// Appends one event decided from the current state after [`EnvState::check`]; retries on a
/// concurrent writer's conflict. `Ok(Err(_))` is a refusal: nothing was written.
pub(crate) fn append_checked(
    store: &mut JournalStore<Event>,
    mut decide: impl FnMut(&EnvState) -> Result<Event>,
) -> Result<std::result::Result<(u64, EnvState), ApplyChangeEventError>> {
    let committed = transact(store, |state| {
        let event = decide(state)?;
        Ok(state.check(&event).map(|()| vec![event]))
    })?;
    Ok(committed.map(|c| (c.revision.get(), c.state)))
}

/// The message of a refusal, with a hint where one helps.
pub(crate) fn refusal_message(e: &ApplyChangeEventError) -> String {
    match e {
        ApplyChangeEventError::Transition(UpdateChangeRequestError::StaleDigest { .. }) => {
            format!(
                "{e}: the plan changed since; review the new plan and approve its digest (`relman change show` prints it)"
            )
        }
        _ => e.to_string(),
    }
}

fn write(
    common: &Common,
    by: Option<PersonId>,
    now: DateTime<Utc>,
    id: &ChangeRequestId,
    mut make: impl FnMut(&EnvState) -> Result<EventKind>,
) -> Result<ExitCode> {
    let mut store = open_store(&common.store.state)?;
    let mut kind_name = "";
    let result = append_checked(&mut store, |state| {
        let kind = make(state)?;
        kind_name = kind.name();
        Ok(Event::new(now, by.clone(), kind))
    })?;
    match result {
        Ok((revision, state)) => {
            let entry = state
                .change_request(id)
                .context("the change request vanished after recording")?;
            let view = view(&state, entry);
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
                    "recorded {kind_name} at revision {revision}: {} is now {} ({} of {} approvals for {})",
                    view.id,
                    view.state,
                    view.approvals_counted,
                    view.approvals_required,
                    view.digest
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

/// The JSON shape of a change request (`show`, `list`, and after every write).
#[derive(Debug, Serialize)]
pub(crate) struct ChangeRequestView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) kind: String,
    pub(crate) state: String,
    pub(crate) requester: String,
    pub(crate) digest: String,
    pub(crate) release: Option<String>,
    pub(crate) components: Vec<String>,
    pub(crate) window: Option<WindowView>,
    pub(crate) assessment: Option<AssessmentView>,
    pub(crate) approvals_required: usize,
    pub(crate) approvers: Vec<String>,
    pub(crate) approvals_counted: usize,
    pub(crate) approved: bool,
    pub(crate) approvals: Vec<ApprovalView>,
    pub(crate) history: Vec<HistoryView>,
    pub(crate) gate_verdicts: Vec<String>,
    pub(crate) opened_revision: u64,
    pub(crate) updated_revision: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct WindowView {
    pub(crate) start: DateTime<Utc>,
    pub(crate) finish: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AssessmentView {
    pub(crate) score: u8,
    pub(crate) level: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct ApprovalView {
    pub(crate) by: String,
    pub(crate) at: DateTime<Utc>,
    pub(crate) digest: String,
    /// Whether it counts for the current digest.
    pub(crate) current: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct HistoryView {
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: String,
    pub(crate) action: String,
    pub(crate) detail: Option<String>,
}

pub(crate) fn view(state: &EnvState, entry: &ChangeRequestEntry) -> ChangeRequestView {
    let cr = &entry.request;
    ChangeRequestView {
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

fn show(common: &Common, id: &ChangeRequestId) -> Result<ExitCode> {
    let mut store = open_store(&common.store.state)?;
    let (_, state) = load(&mut store)?;
    let Some(entry) = state.change_request(id) else {
        eprintln!("error: no change request {id}");
        return Ok(ExitCode::from(1));
    };
    let v = view(&state, entry);
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Format::Text => {
            println!("{} ({}, {}): {}", v.id, v.kind, v.state, v.title);
            println!("  requester: {}", v.requester);
            println!("  digest:    {}", v.digest);
            if let Some(r) = &v.release {
                println!("  release:   {r}");
            }
            if !v.components.is_empty() {
                println!("  releases:  {}", v.components.join(", "));
            }
            if let Some(w) = &v.window {
                println!("  window:    {} .. {}", w.start, w.finish);
            }
            if let Some(a) = &v.assessment {
                println!("  risk:      {} ({})", a.level, a.score);
            }
            println!(
                "  approvals: {} of {} for the current digest",
                v.approvals_counted, v.approvals_required
            );
            for a in &v.approvals {
                let note = if a.current { "" } else { " (stale digest)" };
                println!("    - {} at {} for {}{note}", a.by, a.at, a.digest);
            }
            println!("  history:");
            for h in &v.history {
                println!(
                    "    {} {} {}{}",
                    h.at,
                    h.by,
                    h.action,
                    h.detail
                        .as_deref()
                        .map(|d| format!(" {d}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(common: &Common) -> Result<ExitCode> {
    let mut store = open_store(&common.store.state)?;
    let (_, state) = load(&mut store)?;
    let views: Vec<ChangeRequestView> = state.change_requests().map(|e| view(&state, e)).collect();
    match common.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&views)?),
        Format::Text => {
            if views.is_empty() {
                println!("no change requests");
            }
            for v in &views {
                println!(
                    "{:<14} {:<10} {:<9} {}/{} approvals  {}",
                    v.id, v.state, v.kind, v.approvals_counted, v.approvals_required, v.title
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
