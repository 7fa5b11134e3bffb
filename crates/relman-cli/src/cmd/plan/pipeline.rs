//! The release task pipeline (build, test, approve, deploy per environment) as a
//! relman-graph plan, its schedule and its JSON form.

use std::collections::BTreeSet;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use relman_graph::{
    ComponentGraph, Plan, Precedence, Resource, ResourceId, SearchOptions, Task, TaskId, TimeScale,
    TimeUnit,
};

use super::PlanArgs;
use super::model::{ScheduleOutput, TaskOutput};

/// The scheduled pipeline, kept for the exports.
pub(crate) struct Scheduled {
    pub(crate) plan: Plan,
    pub(crate) schedule: relman_graph::Schedule,
    pub(crate) scale: TimeScale,
}

/// The pipeline of the released components as a plan, scheduled from `start`.
pub(super) fn schedule(
    args: &PlanArgs,
    graph: &ComponentGraph,
    waves: &[Vec<String>],
    start: DateTime<Utc>,
) -> anyhow::Result<Option<Scheduled>> {
    let order: Vec<&String> = waves.iter().flatten().collect();
    if order.is_empty() {
        return Ok(None);
    }
    for (flag, h) in [
        ("--build-hours", args.build_hours),
        ("--test-hours", args.test_hours),
        ("--approve-hours", args.approve_hours),
        ("--dev-hours", args.dev_hours),
        ("--staging-hours", args.staging_hours),
        ("--production-hours", args.production_hours),
    ] {
        if !(0..=10_000).contains(&h) {
            bail!("{flag} {h}: expected 0 to 10000 hours");
        }
    }
    let id =
        |s: String| -> anyhow::Result<TaskId> { s.parse().with_context(|| format!("task id {s}")) };
    let production: ResourceId = "production".parse().context("resource id")?;
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
    let mut tasks = Vec::new();
    let mut edges = Vec::new();
    let approve = id("approve".into())?;
    for name in &order {
        let build = id(format!("build-{name}"))?;
        let test = id(format!("test-{name}"))?;
        tasks.push(Task::new(build.clone(), args.build_hours));
        tasks.push(Task::new(test.clone(), args.test_hours));
        edges.push(Precedence::finish_to_start(build.clone(), test.clone()));
        edges.push(Precedence::finish_to_start(test, approve.clone()));
        for d in deps(name) {
            edges.push(Precedence::finish_to_start(
                id(format!("test-{d}"))?,
                build.clone(),
            ));
        }
    }
    tasks.push(Task::new(approve.clone(), args.approve_hours));
    for name in &order {
        let dev = id(format!("deploy-dev-{name}"))?;
        let staging = id(format!("deploy-staging-{name}"))?;
        let prod = id(format!("deploy-production-{name}"))?;
        tasks.push(Task::new(dev.clone(), args.dev_hours));
        tasks.push(Task::new(staging.clone(), args.staging_hours));
        tasks.push(
            Task::new(prod.clone(), args.production_hours).with_demand(production.clone(), 1),
        );
        edges.push(Precedence::finish_to_start(approve.clone(), dev.clone()));
        edges.push(Precedence::finish_to_start(dev, staging.clone()));
        edges.push(Precedence::finish_to_start(staging, prod.clone()));
        for d in deps(name) {
            edges.push(Precedence::finish_to_start(
                id(format!("deploy-production-{d}"))?,
                prod.clone(),
            ));
        }
    }
    let plan = Plan::new(tasks, vec![Resource::new(production, 1)], edges)
        .context("cannot build the release pipeline")?;
    let out = relman_graph::search(&plan, &SearchOptions::new(0, 2_000))
        .context("cannot schedule the release pipeline")?;
    Ok(Some(Scheduled {
        plan,
        schedule: out.schedule,
        scale: TimeScale::new(start, TimeUnit::Hour),
    }))
}

pub(super) fn schedule_output(s: Option<&Scheduled>) -> ScheduleOutput {
    let Some(s) = s else {
        return ScheduleOutput {
            unit: "hour",
            makespan_hours: 0,
            finish: None,
            tasks: Vec::new(),
            critical_path: Vec::new(),
        };
    };
    let report = relman_graph::ScheduleReport::new(&s.plan, &s.schedule, &s.scale);
    let mut tasks: Vec<TaskOutput> = report
        .tasks
        .iter()
        .map(|t| TaskOutput {
            id: t.id.clone(),
            start: t.start_at,
            finish: t.finish_at,
            hours: t.finish - t.start,
            critical: t.critical,
        })
        .collect();
    tasks.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    let critical_path = critical_chain(&s.plan, &report.tasks);
    ScheduleOutput {
        unit: "hour",
        makespan_hours: report.makespan,
        finish: Some(report.finish_at),
        tasks,
        critical_path,
    }
}

/// One critical chain, first task first: from the critical task that ends last, step back to
/// a critical task that ends when the current one starts, preferring a precedence
/// predecessor over a resource predecessor, ties broken by id. The library marks every task
/// of zero slack as critical (parallel tasks of a wave included); this picks one path through
/// them.
fn critical_chain(plan: &Plan, tasks: &[relman_graph::TaskReport]) -> Vec<String> {
    let critical: Vec<&relman_graph::TaskReport> = tasks.iter().filter(|t| t.critical).collect();
    let predecessors: BTreeSet<(&str, &str)> = plan
        .precedences()
        .iter()
        .map(|p| (p.from.as_str(), p.to.as_str()))
        .collect();
    let Some(mut current) = critical
        .iter()
        .copied()
        .max_by(|a, b| a.finish.cmp(&b.finish).then_with(|| b.id.cmp(&a.id)))
    else {
        return Vec::new();
    };
    let mut chain = vec![current.id.clone()];
    loop {
        let before = critical
            .iter()
            .copied()
            .filter(|t| t.finish == current.start && t.id != current.id)
            .min_by(|a, b| {
                let pa = !predecessors.contains(&(a.id.as_str(), current.id.as_str()));
                let pb = !predecessors.contains(&(b.id.as_str(), current.id.as_str()));
                pa.cmp(&pb).then_with(|| a.id.cmp(&b.id))
            });
        match before {
            Some(t) if chain.len() <= tasks.len() => {
                chain.push(t.id.clone());
                current = t;
            }
            _ => break,
        }
    }
    chain.reverse();
    chain
}
