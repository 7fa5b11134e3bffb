//! The release task pipeline (build, test, approve, deploy per environment) as a
//! relman-graph plan, its schedule and its JSON form.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use relman_graph::{
    Calendar, ComponentGraph, GanttGroup, Plan, Precedence, Resource, ResourceId, SearchOptions,
    Task, TaskId, TimeScale, TimeUnit,
};

use super::model::{PlanSchedule, PlanTask};
use crate::config::{MAX_STAGE_HOURS, PipelineConfig, StageConfig, StageKind};

/// The scheduled pipeline, kept for the exports (Gantt SVG, Mermaid, iCalendar).
#[derive(Debug)]
#[non_exhaustive]
pub struct Scheduled {
    /// The task plan.
    pub plan: Plan,
    /// Its schedule.
    pub schedule: relman_graph::Schedule,
    /// Hours from the plan's start.
    pub scale: TimeScale,
    /// The tasks grouped for the Gantt chart: the approval, then per release wave each
    /// component's build, test and deploys.
    pub groups: Vec<GanttGroup>,
}

/// Durations that replace the pipeline's (`relman plan --build-hours` and friends), in hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageHours {
    /// The build stage.
    pub build: Option<i64>,
    /// The test stage.
    pub test: Option<i64>,
    /// The approval.
    pub approve: Option<i64>,
    /// The deploy stage of the environment `dev`.
    pub dev: Option<i64>,
    /// The deploy stage of the environment `staging`.
    pub staging: Option<i64>,
    /// The deploy stage of the environment `production`.
    pub production: Option<i64>,
}

/// Returned when the release pipeline cannot be built or scheduled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A duration override is out of range.
    #[error("{stage} {hours}: expected 0 to {MAX_STAGE_HOURS} hours")]
    Duration {
        /// The stage (`build`, `deploy-production`...).
        stage: String,
        /// The rejected hours.
        hours: i64,
    },
    /// A duration override names a stage the pipeline does not have.
    #[error("the pipeline has no {stage}")]
    NoStage {
        /// The stage (`build stage`, ``deploy stage for the environment `qa` ``...).
        stage: String,
    },
    /// A task or resource id is invalid.
    #[error("invalid id {0} in the release pipeline")]
    Id(String),
    /// The pipeline's tasks do not form a valid plan.
    #[error("cannot build the release pipeline")]
    Plan(#[source] relman_graph::BuildPlanError),
    /// The pipeline cannot be scheduled.
    #[error("cannot schedule the release pipeline")]
    Schedule(#[source] relman_graph::ScheduleError),
    /// The configured working hours are invalid.
    #[error(transparent)]
    WorkingHours(#[from] crate::config::PipelineProblem),
}

/// The stages of the pipeline: `[pipeline]` of the configuration (or its defaults) with the
/// duration overrides applied over it.
///
/// # Errors
///
/// [`PipelineError`] for an override out of range or of a stage the pipeline lacks.
pub fn stages(
    hours: &StageHours,
    config: &PipelineConfig,
) -> Result<Vec<StageConfig>, PipelineError> {
    let mut stages = config.stages_or_default();
    for (name, hours, kind, env) in [
        ("build", hours.build, StageKind::Build, None),
        ("test", hours.test, StageKind::Test, None),
        ("approve", hours.approve, StageKind::Approve, None),
        ("deploy-dev", hours.dev, StageKind::Deploy, Some("dev")),
        (
            "deploy-staging",
            hours.staging,
            StageKind::Deploy,
            Some("staging"),
        ),
        (
            "deploy-production",
            hours.production,
            StageKind::Deploy,
            Some("production"),
        ),
    ] {
        let Some(h) = hours else { continue };
        if !(0..=MAX_STAGE_HOURS).contains(&h) {
            return Err(PipelineError::Duration {
                stage: name.to_owned(),
                hours: h,
            });
        }
        let Some(stage) = stages
            .iter_mut()
            .find(|s| s.stage == kind && s.environment.as_deref() == env)
        else {
            return Err(PipelineError::NoStage {
                stage: match env {
                    Some(e) => format!("{kind} stage for the environment `{e}`"),
                    None => format!("{kind} stage"),
                },
            });
        };
        stage.duration = h;
    }
    Ok(stages)
}

/// The pipeline of the released components as a plan, scheduled from `start`: per component in
/// wave order `build` then `test` (a build waits for the tests of the released components it
/// depends on), one `approve`, then per component the deploy stages in the listed order; the last
/// deploy stage follows the dependency order. A stage holds one unit of each of its resources;
/// its window becomes the tasks' release (earliest start) and deadline (latest finish).
/// With a `calendar`, durations and windows count its working time, and every task starts and
/// ends inside its working hours.
///
/// # Errors
///
/// [`PipelineError`] when a task or resource id is invalid or the plan cannot be scheduled.
pub fn schedule(
    stages: &[StageConfig],
    resources: &BTreeMap<String, u32>,
    graph: &ComponentGraph,
    waves: &[Vec<String>],
    start: DateTime<Utc>,
    calendar: Option<&Calendar>,
) -> Result<Option<Scheduled>, PipelineError> {
    let order: Vec<&String> = waves.iter().flatten().collect();
    if order.is_empty() {
        return Ok(None);
    }
    let id = |s: String| -> Result<TaskId, PipelineError> {
        s.parse().map_err(|_| PipelineError::Id(s.clone()))
    };
    let released: BTreeSet<&str> = order.iter().map(|s| s.as_str()).collect();
    let deps = |name: &str| -> Vec<String> {
        graph
            .components()
            .iter()
            .find(|c| c.id.as_str() == name)
            .map(|c| {
                c.dependencies
                    .iter()
                    .filter(|d| d.kind.orders_releases())
                    .map(|d| d.component.to_string())
                    .filter(|d| d != name && released.contains(d.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let stage_of = |kind: StageKind| stages.iter().find(|s| s.stage == kind);
    let deploys: Vec<&StageConfig> = stages
        .iter()
        .filter(|s| s.stage == StageKind::Deploy)
        .collect();
    let task = |tid: TaskId, stage: Option<&StageConfig>| -> Result<Task, PipelineError> {
        let Some(stage) = stage else {
            return Err(PipelineError::NoStage {
                stage: format!("stage for {tid}"),
            });
        };
        let mut t = Task::new(tid, stage.duration);
        for r in &stage.resources {
            t = t.with_demand(r.parse().map_err(|_| PipelineError::Id(r.clone()))?, 1);
        }
        if let Some(w) = &stage.window {
            let hours = |at: DateTime<Utc>| match calendar {
                Some(c) if at >= start => c.work_between(start, at).num_seconds(),
                _ => (at - start).num_seconds(),
            };
            if let Some(from) = w.not_before {
                // Round up to a whole hour after the start.
                t.release = hours(from).max(0).div_euclid(3600)
                    + i64::from(hours(from).max(0).rem_euclid(3600) != 0);
            }
            if let Some(to) = w.not_after {
                t.deadline = Some(hours(to).div_euclid(3600));
            }
        }
        Ok(t)
    };
    let mut tasks = Vec::new();
    let mut edges = Vec::new();
    let approve = id("approve".into())?;
    for name in &order {
        let build = id(format!("build-{name}"))?;
        let test = id(format!("test-{name}"))?;
        tasks.push(task(build.clone(), stage_of(StageKind::Build))?);
        tasks.push(task(test.clone(), stage_of(StageKind::Test))?);
        edges.push(Precedence::finish_to_start(build.clone(), test.clone()));
        edges.push(Precedence::finish_to_start(test, approve.clone()));
        for d in deps(name) {
            edges.push(Precedence::finish_to_start(
                id(format!("test-{d}"))?,
                build.clone(),
            ));
        }
    }
    tasks.push(task(approve.clone(), stage_of(StageKind::Approve))?);
    let mut groups = vec![GanttGroup::new("release approval", vec![approve.clone()])];
    for (w, wave) in waves.iter().enumerate() {
        for name in wave {
            let mut ids = vec![id(format!("build-{name}"))?, id(format!("test-{name}"))?];
            for stage in &deploys {
                let env = stage.environment.as_deref().unwrap_or_default();
                ids.push(id(format!("deploy-{env}-{name}"))?);
            }
            groups.push(GanttGroup::new(format!("wave {} · {name}", w + 1), ids));
        }
    }
    for name in &order {
        let mut previous = approve.clone();
        for (k, stage) in deploys.iter().enumerate() {
            let env = stage.environment.as_deref().unwrap_or_default();
            let tid = id(format!("deploy-{env}-{name}"))?;
            tasks.push(task(tid.clone(), Some(stage))?);
            edges.push(Precedence::finish_to_start(previous, tid.clone()));
            if k + 1 == deploys.len() {
                for d in deps(name) {
                    edges.push(Precedence::finish_to_start(
                        id(format!("deploy-{env}-{d}"))?,
                        tid.clone(),
                    ));
                }
            }
            previous = tid;
        }
    }
    let resources = resources
        .iter()
        .map(|(name, capacity)| -> Result<Resource, PipelineError> {
            let rid: ResourceId = name.parse().map_err(|_| PipelineError::Id(name.clone()))?;
            Ok(Resource::new(rid, *capacity))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let plan = Plan::new(tasks, resources, edges).map_err(PipelineError::Plan)?;
    let out = relman_graph::search(&plan, &SearchOptions::new(0, 2_000))
        .map_err(PipelineError::Schedule)?;
    Ok(Some(Scheduled {
        plan,
        schedule: out.schedule,
        scale: match calendar {
            Some(c) => TimeScale::with_calendar(start, TimeUnit::Hour, c.clone()),
            None => TimeScale::new(start, TimeUnit::Hour),
        },
        groups,
    }))
}

/// The schedule as the plan records it.
pub(super) fn schedule_output(s: Option<&Scheduled>) -> PlanSchedule {
    let Some(s) = s else {
        return PlanSchedule {
            unit: "hour".to_owned(),
            makespan_hours: 0,
            finish: None,
            tasks: Vec::new(),
            critical_path: Vec::new(),
        };
    };
    let report = relman_graph::ScheduleReport::new(&s.plan, &s.schedule, &s.scale);
    let mut tasks: Vec<PlanTask> = report
        .tasks
        .iter()
        .map(|t| PlanTask {
            id: t.id.clone(),
            start: t.start_at,
            finish: t.finish_at,
            offset_hours: t.start,
            hours: t.finish - t.start,
            critical: t.critical,
        })
        .collect();
    tasks.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    let critical_path = relman_graph::critical_chain(&s.plan, &s.schedule)
        .into_iter()
        .map(|id| id.as_str().to_owned())
        .collect();
    PlanSchedule {
        unit: "hour".to_owned(),
        makespan_hours: report.makespan,
        finish: Some(report.finish_at),
        tasks,
        critical_path,
    }
}
