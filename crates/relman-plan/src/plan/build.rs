//! Assembles the plan: decisions, propagation, waves, changelogs, risk and the schedule; then
//! the digest and the change request draft bound to it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use relman_changelog::{ReleaseInput, SectionLabel};
use relman_graph::{ComponentGraph, GanttLayout};
use relman_model::{
    ApprovalRule, Bump, ChangeKind, ChangeRequest, Digest, HistorySource, Revision, Version,
};
use relman_risk::ChangeMetrics;

use super::PlanError;
use super::model::{
    ChangeRequestDraft, PlanEvidence, PlannedComponent, ReleaseNotes, ReleasePlan, SCHEMA_VERSION,
};
use super::pipeline::{PipelineError, Scheduled, StageHours, schedule, schedule_output, stages};
use super::release_risk::release_risk;
use crate::config::{Config, PropagationSetting};
use crate::decide::{DecideOptions, Decision, decide, propagate};
use crate::units::Unit;

/// What [`plan`] needs besides the history, the units and the configuration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Hour 0 of the schedule and the date of the changelog sections (the library never reads
    /// the clock).
    pub start: DateTime<Utc>,
    /// The revision to plan.
    pub head: Revision,
    /// The commit id `head` resolves to (recorded in the plan).
    pub head_id: String,
    /// Where the plan is made, for people (not part of the digest).
    pub repository: String,
    /// Where the configuration came from, for people (not part of the digest).
    pub config_source: String,
    /// Overrides of `[bump] propagation`.
    pub propagation: Option<PropagationSetting>,
    /// Overrides of the pipeline's stage durations.
    pub stage_hours: StageHours,
}

impl PlanOptions {
    /// Options for a plan of `head` (resolved to `head_id`) starting at `start`.
    pub fn new(start: DateTime<Utc>, head: Revision, head_id: impl Into<String>) -> Self {
        Self {
            start,
            head,
            head_id: head_id.into(),
            repository: String::new(),
            config_source: "defaults".to_owned(),
            propagation: None,
            stage_hours: StageHours::default(),
        }
    }
}

/// A plan with what its files need besides the JSON; returned by [`plan`].
#[derive(Debug)]
#[non_exhaustive]
pub struct PlannedRelease {
    /// The plan.
    pub plan: ReleasePlan,
    /// The scheduled pipeline, if anything is released (for the Gantt, Mermaid and iCalendar
    /// exports).
    pub scheduled: Option<Scheduled>,
    /// The release notes of each released unit, in unit order.
    pub notes: Vec<ReleaseNotes>,
}

impl PlannedRelease {
    /// The Gantt chart of the schedule as an SVG document, grouped by release wave and
    /// component ([`GanttLayout::Expanded`]: a heading per component, a row per task;
    /// [`GanttLayout::Collapsed`]: one row per component); a placeholder when nothing is
    /// scheduled.
    pub fn gantt_svg(&self, layout: GanttLayout) -> String {
        match &self.scheduled {
            Some(s) => {
                relman_graph::to_svg_grouped(&s.plan, &s.schedule, &s.scale, &[], &s.groups, layout)
            }
            None => crate::report::EMPTY_GANTT_SVG.to_owned(),
        }
    }
}

/// One unit with its decision.
pub(super) struct Planned<'a> {
    pub(super) unit: &'a Unit,
    pub(super) decision: Decision,
}

/// Plans the release of `units` (see [`crate::units::release_units`]) from `history`: each
/// unit's next version with evidence ([`crate::decide()`]), propagation to dependents, the
/// release waves, a changelog section and release notes per released unit, the release risk
/// (every released change scored on the metrics of the whole history), the task pipeline
/// scheduled from `options.start`, the content digest and the change request draft bound to
/// it.
///
/// # Errors
///
/// [`PlanError`] when the history cannot be read, the dependency graph has a cycle, the
/// changelog settings or the pipeline are invalid.
pub fn plan<H: HistorySource + ?Sized>(
    history: &H,
    units: &[Unit],
    config: &Config,
    options: &PlanOptions,
) -> Result<PlannedRelease, PlanError> {
    let mut decide_options = DecideOptions::new(config.bump.clone());
    decide_options.to = options.head.clone();
    decide_options.diff_stats = true;
    let mut decisions = Vec::with_capacity(units.len());
    for unit in units {
        decisions.push(decide(history, unit, &decide_options)?);
    }
    let propagation = options
        .propagation
        .or(config.bump.propagation)
        .unwrap_or_default();
    let before: Vec<Bump> = decisions.iter().map(|d| d.bump).collect();
    propagate(units, &mut decisions, propagation.mode())?;
    let planned: Vec<Planned<'_>> = units
        .iter()
        .zip(decisions)
        .map(|(unit, decision)| Planned { unit, decision })
        .collect();

    let graph = ComponentGraph::new(
        planned
            .iter()
            .map(|p| {
                p.unit.to_component(
                    p.decision
                        .current
                        .clone()
                        .unwrap_or_else(|| Version::new(0, 0, 0)),
                )
            })
            .collect(),
    )
    .map_err(PlanError::Graph)?;
    let released: BTreeSet<String> = planned
        .iter()
        .filter(|p| p.decision.release)
        .map(|p| p.unit.id.to_string())
        .collect();
    let waves: Vec<Vec<String>> = graph
        .waves()
        .iter()
        .map(|w| {
            w.iter()
                .map(ToString::to_string)
                .filter(|n| released.contains(n))
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect();

    let engine = config.changelog_engine(&options.config_source)?;
    let metrics = if released.is_empty() {
        HashMap::new()
    } else {
        let wanted = planned
            .iter()
            .filter(|p| p.decision.release)
            .flat_map(|p| p.decision.changes.iter().map(|c| c.id.clone()))
            .collect();
        released_metrics(history, &options.head, &wanted)?
    };
    let risk = release_risk(&planned, &metrics);
    let stages = stages(&options.stage_hours, &config.pipeline)?;
    let scheduled = schedule(
        &stages,
        &config.pipeline.resources_or_default(),
        &graph,
        &waves,
        options.start,
        config
            .pipeline
            .calendar()
            .map_err(PipelineError::from)?
            .as_ref(),
    )?;
    let schedule = schedule_output(scheduled.as_ref());

    let mut notes = Vec::new();
    let mut components = Vec::with_capacity(planned.len());
    for (p, before) in planned.iter().zip(before) {
        let d = &p.decision;
        let tag = p.unit.pattern.render(Some(&p.unit.id), &d.next);
        let changelog = if d.release {
            let mut input =
                ReleaseInput::new(SectionLabel::version(d.next.to_string()), &d.changes)
                    .with_tag(tag.clone())
                    .with_date(options.start.date_naive());
            if let Some(prev) = &d.last_tag {
                input = input.with_previous_tag(prev.clone());
            }
            notes.push(ReleaseNotes {
                component: p.unit.id.to_string(),
                version: d.next.to_string(),
                tag: tag.clone(),
                body: engine.release_notes(&input),
            });
            engine.render_release(&input).section
        } else {
            String::new()
        };
        let propagated = if d.bump > before {
            vec![format!(
                "{} {} -> {} ({})",
                p.unit.id,
                d.current
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string),
                d.next,
                d.reasons
                    .iter()
                    .filter(|r| matches!(r, crate::decide::Reason::DependencyReleased { .. }))
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )]
        } else {
            Vec::new()
        };
        components.push(PlannedComponent {
            name: p.unit.id.to_string(),
            members: if p.unit.members.len() > 1 {
                p.unit.members.iter().map(ToString::to_string).collect()
            } else {
                Vec::new()
            },
            current: d.current.as_ref().map(ToString::to_string),
            next: d.next.to_string(),
            bump: if d.release && d.bump == Bump::None {
                "initial".to_owned()
            } else {
                d.bump.as_str().to_owned()
            },
            release: d.release,
            first_release: d.is_first_release(),
            last_tag: d.last_tag.clone(),
            tag,
            changes: d.changes.len(),
            evidence: d
                .evidence
                .iter()
                .map(|e| PlanEvidence {
                    commit: e.commit.to_string(),
                    summary: e.summary.clone(),
                    bump: e.bump.as_str().to_owned(),
                })
                .collect(),
            reasons: d.reasons.iter().map(ToString::to_string).collect(),
            propagated,
            changelog,
        });
    }

    let mut plan = ReleasePlan {
        schema_version: SCHEMA_VERSION,
        repository: options.repository.clone(),
        head: options.head_id.clone(),
        config: options.config_source.clone(),
        start: options.start,
        propagation: propagation.as_str().to_owned(),
        components,
        waves,
        risk,
        schedule,
        digest: String::new(),
        change_request: ChangeRequestDraft {
            id: String::new(),
            kind: ChangeKind::Normal,
            title: String::new(),
            requester: String::new(),
            state: String::new(),
            digest: String::new(),
            approvals_required: 0,
            created: options.start,
        },
    };
    plan.digest = plan.content_digest();
    let approvals = config.approval_policy().minimum(plan.risk.level);
    plan.change_request = draft_change_request(&plan, approvals, options.start)?;
    Ok(PlannedRelease {
        plan,
        scheduled,
        notes,
    })
}

/// The change metrics of the `wanted` changes in the history up to `to`, by change id (the
/// fold over the whole history, resumed from the history's cache when it can be).
fn released_metrics<H: HistorySource + ?Sized>(
    history: &H,
    to: &Revision,
    wanted: &std::collections::HashSet<relman_model::ChangeId>,
) -> Result<HashMap<String, ChangeMetrics>, PlanError> {
    Ok(relman_risk::metrics_of(history, to, wanted)?
        .into_iter()
        .map(|(c, m)| (c.into_string(), m))
        .collect())
}

/// The change request draft (kind normal, `approvals` approvals from anyone but the
/// requester) bound to the plan's digest; its id is `CR-` and the digest's first 8 hex digits.
fn draft_change_request(
    plan: &ReleasePlan,
    approvals: usize,
    created: DateTime<Utc>,
) -> Result<ChangeRequestDraft, PlanError> {
    let released: Vec<String> = plan
        .released()
        .map(|c| format!("{} {}", c.name, c.next))
        .collect();
    let title = if released.is_empty() {
        "no release".to_owned()
    } else if released.len() <= 4 {
        released.join(", ")
    } else {
        format!(
            "{} and {} more",
            released[..3].join(", "),
            released.len() - 3
        )
    };
    let digest = Digest::new(&plan.digest).map_err(|_| PlanError::Digest)?;
    let id = format!("CR-{}", plan.digest.get(..8).unwrap_or(&plan.digest));
    let cr = ChangeRequest::new(
        id.parse().map_err(|_| PlanError::Digest)?,
        ChangeKind::Normal,
        format!("Release {title}"),
        "relman".parse().map_err(|_| PlanError::Digest)?,
        ApprovalRule::new(approvals, Vec::new()),
        digest,
        created,
    );
    Ok(ChangeRequestDraft {
        id: cr.id.to_string(),
        kind: cr.kind,
        title: cr.title.clone(),
        requester: cr.requester.to_string(),
        state: format!("{:?}", cr.state()).to_lowercase(),
        digest: cr.digest().as_str().to_owned(),
        approvals_required: cr.rule.required,
        created: cr.created,
    })
}
