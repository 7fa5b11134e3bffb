//! Plan files (`docs/schedule-plan.md`): the serde model of a release plan with its dates,
//! search settings and freeze windows, its scheduling, and the choice of export.
//!
//! A [`PlanFile`] deserializes from any serde format (the CLI reads TOML); unknown keys are
//! refused. [`PlanFile::schedule`] validates it into a [`Plan`], searches a schedule and
//! returns a [`ScheduledPlan`], which renders as any [`PlanExport`] or a [`ScheduleReport`].

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::calendar::Calendar;
use crate::export::{
    ScheduleReport, Shade, TimeScale, TimeUnit, task_dot, to_ics, to_mermaid, to_svg,
};
use crate::plan::{BuildPlanError, Plan, Precedence, Resource, Task};
use crate::schedule::ScheduleError;
use crate::search::{SearchOptions, SearchOutcome, search};

/// A plan file: tasks, resources and precedences with the date of plan time `0`, the length of
/// a time unit, the search's seed and budget, freeze windows and an optional working-time
/// calendar. The keys and their meaning are in `docs/schedule-plan.md`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PlanFile {
    /// Shown in the outputs; callers default it (the CLI: to the file name).
    pub title: Option<String>,
    /// The date of plan time `0`.
    pub start: DateTime<Utc>,
    /// The length of one plan time unit.
    pub unit: TimeUnit,
    /// Seed of the search (default `0`).
    #[serde(default)]
    pub seed: u64,
    /// Schedule-generation budget of the search (default [`PlanFile::DEFAULT_SCHEDULES`]).
    #[serde(default = "default_schedules")]
    pub schedules: u64,
    /// Renewable resources.
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// The tasks.
    pub tasks: Vec<Task>,
    /// Ordering constraints.
    #[serde(default)]
    pub precedences: Vec<Precedence>,
    /// Windows shaded in the SVG chart (annotations, not constraints).
    #[serde(default, deserialize_with = "strict_freezes")]
    pub freezes: Vec<Shade>,
    /// Working time; without it plan time is continuous.
    pub calendar: Option<Calendar>,
}

fn default_schedules() -> u64 {
    PlanFile::DEFAULT_SCHEDULES
}

/// A `[[freezes]]` entry: a [`Shade`] that refuses unknown keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreezeSpec {
    label: String,
    from: i64,
    to: i64,
}

fn strict_freezes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Shade>, D::Error> {
    let specs = Vec::<FreezeSpec>::deserialize(d)?;
    Ok(specs
        .into_iter()
        .map(|f| Shade {
            label: f.label,
            from: f.from,
            to: f.to,
        })
        .collect())
}

/// Returned by [`PlanFile::schedule`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulePlanFileError {
    /// The tasks, resources and precedences do not form a valid [`Plan`].
    #[error(transparent)]
    Invalid(BuildPlanError),
    /// The search found no schedule meeting every deadline, or the plan is too long.
    #[error(transparent)]
    Search(ScheduleError),
    /// `schedules` asks for more than [`PlanFile::MAX_SCHEDULES`]: the search would run for
    /// hours.
    #[error("schedules = {given} is above the limit of {max}")]
    Budget {
        /// The file's `schedules`.
        given: u64,
        /// [`PlanFile::MAX_SCHEDULES`].
        max: u64,
    },
}

impl PlanFile {
    /// The schedule budget of a file without `schedules`.
    pub const DEFAULT_SCHEDULES: u64 = 20_000;

    /// The largest `schedules` a file may ask for (a few minutes of search on a large plan).
    pub const MAX_SCHEDULES: u64 = 10_000_000;

    /// Validates the plan, searches a schedule with the file's seed and budget ([`search`]) and
    /// maps plan time to dates with the file's start, unit and calendar. `default_title` is the
    /// title when the file has none.
    ///
    /// # Errors
    ///
    /// [`SchedulePlanFileError::Invalid`] naming the task, resource, edge or cycle at fault;
    /// [`SchedulePlanFileError::Search`] when no schedule meets every deadline;
    /// [`SchedulePlanFileError::Budget`] when `schedules` is above [`Self::MAX_SCHEDULES`].
    pub fn schedule(self, default_title: &str) -> Result<ScheduledPlan, SchedulePlanFileError> {
        if self.schedules > Self::MAX_SCHEDULES {
            return Err(SchedulePlanFileError::Budget {
                given: self.schedules,
                max: Self::MAX_SCHEDULES,
            });
        }
        let title = self.title.unwrap_or_else(|| default_title.to_owned());
        let plan = Plan::new(self.tasks, self.resources, self.precedences)
            .map_err(SchedulePlanFileError::Invalid)?;
        let outcome = search(&plan, &SearchOptions::new(self.seed, self.schedules))
            .map_err(SchedulePlanFileError::Search)?;
        let scale = match self.calendar {
            Some(calendar) => TimeScale::with_calendar(self.start, self.unit, calendar),
            None => TimeScale::new(self.start, self.unit),
        };
        Ok(ScheduledPlan {
            title,
            plan,
            outcome,
            scale,
            shades: self.freezes,
        })
    }
}

/// The exports of a [`ScheduledPlan`] ([`ScheduledPlan::render`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PlanExport {
    /// A summary line and one line per task with its dates, critical tasks marked `*`.
    Text,
    /// A Mermaid gantt chart ([`to_mermaid`]).
    Mermaid,
    /// A self-contained SVG Gantt chart with the freezes shaded ([`to_svg`]).
    Svg,
    /// An iCalendar file ([`to_ics`]).
    Ics,
    /// A Graphviz DOT graph of the tasks ([`task_dot`]).
    Dot,
}

/// A plan file's plan with the schedule found for it ([`PlanFile::schedule`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduledPlan {
    /// The file's title, or the caller's default.
    pub title: String,
    /// The validated plan.
    pub plan: Plan,
    /// The search's result.
    pub outcome: SearchOutcome,
    /// Plan time to dates.
    pub scale: TimeScale,
    /// The freeze windows.
    pub shades: Vec<Shade>,
}

impl ScheduledPlan {
    /// The dated view of the schedule ([`ScheduleReport::new`]).
    pub fn report(&self) -> ScheduleReport {
        ScheduleReport::new(&self.plan, &self.outcome.schedule, &self.scale)
    }

    /// Renders the schedule as `export`. `now` is the iCalendar `DTSTAMP` (event UIDs are
    /// under the domain `relman.invalid`); the other exports do not use it.
    pub fn render(&self, export: PlanExport, now: DateTime<Utc>) -> String {
        let (plan, schedule, scale) = (&self.plan, &self.outcome.schedule, &self.scale);
        match export {
            PlanExport::Mermaid => to_mermaid(plan, schedule, scale, &self.title),
            PlanExport::Svg => to_svg(plan, schedule, scale, &self.shades),
            PlanExport::Dot => task_dot(plan, Some(schedule)),
            PlanExport::Ics => to_ics(plan, schedule, scale, now, "relman.invalid"),
            PlanExport::Text => self.text(),
        }
    }

    fn text(&self) -> String {
        let report = self.report();
        let mut t = format!(
            "{}: makespan {} (lower bound {}), ends {}\n",
            self.title,
            self.outcome.makespan,
            self.outcome.lower_bound,
            report.finish_at.format("%Y-%m-%d %H:%M UTC")
        );
        for task in &report.tasks {
            let _ = writeln!(
                t,
                "{} {:<24} {} -> {}",
                if task.critical { "*" } else { " " },
                task.id,
                task.start_at.format("%Y-%m-%d %H:%M"),
                task.finish_at.format("%Y-%m-%d %H:%M")
            );
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(extra: &str) -> PlanFile {
        let json = format!(
            r#"{{"start": "2026-03-02T08:00:00Z", "unit": "hour", "seed": 1,
            "resources": [{{"id": "ci", "capacity": 1}}],
            "tasks": [{{"id": "build", "duration": 2, "demands": {{"ci": 1}}}},
                      {{"id": "test", "duration": 3, "demands": {{"ci": 1}}}},
                      {{"id": "docs", "duration": 1}}],
            "precedences": [{{"from": "build", "to": "test"}}]{extra}}}"#
        );
        serde_json::from_str(&json).expect("valid plan file")
    }

    #[test]
    fn defaults_and_strict_keys() {
        let f = file(r#", "freezes": [{"label": "freeze", "from": 4, "to": 6}]"#);
        assert_eq!(f.schedules, PlanFile::DEFAULT_SCHEDULES);
        assert_eq!(f.title, None);
        assert_eq!(f.freezes[0].label, "freeze");
        let json = r#"{"start": "2026-03-02T08:00:00Z", "unit": "day", "tasks": [],
                       "freezes": [{"label": "x", "from": 0, "to": 1, "colour": "red"}]}"#;
        let err = serde_json::from_str::<PlanFile>(json).expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");
        let err = serde_json::from_str::<PlanFile>(
            r#"{"start": "2026-03-02T08:00:00Z",
            "unit": "week", "tasks": []}"#,
        )
        .expect_err("unknown unit");
        assert!(err.to_string().contains("week"), "{err}");
    }

    #[test]
    fn schedule_dates_the_plan_and_renders_every_export() {
        let scheduled = file("").schedule("plan.toml").expect("schedulable");
        assert_eq!(scheduled.title, "plan.toml");
        assert_eq!(scheduled.outcome.makespan, 5);
        let report = scheduled.report();
        assert_eq!(report.finish_at.to_rfc3339(), "2026-03-02T13:00:00+00:00");
        let text = scheduled.render(PlanExport::Text, Utc::now());
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("plan.toml: makespan 5 (lower bound 5), ends 2026-03-02 13:00 UTC")
        );
        assert_eq!(
            lines.next(),
            Some("* build                    2026-03-02 08:00 -> 2026-03-02 10:00")
        );
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let s = &scheduled;
        let (plan, sched, scale) = (&s.plan, &s.outcome.schedule, &s.scale);
        assert_eq!(
            s.render(PlanExport::Mermaid, now),
            to_mermaid(plan, sched, scale, "plan.toml")
        );
        assert_eq!(
            s.render(PlanExport::Svg, now),
            to_svg(plan, sched, scale, &s.shades)
        );
        assert_eq!(s.render(PlanExport::Dot, now), task_dot(plan, Some(sched)));
        assert!(
            s.render(PlanExport::Ics, now)
                .contains("DTSTAMP:20260101T000000Z")
        );
    }

    #[test]
    fn schedule_errors_say_which_step_failed() {
        let mut f = file("");
        f.precedences.push(Precedence::finish_to_start(
            "test".parse().expect("id"),
            "build".parse().expect("id"),
        ));
        assert!(matches!(
            f.schedule("p"),
            Err(SchedulePlanFileError::Invalid(BuildPlanError::Cycle { .. }))
        ));
        // Each deadline can be met alone, not both with one `ci`: docs must run first,
        // which pushes test past 5.
        let mut f = file("");
        f.schedules = u64::MAX;
        assert_eq!(
            f.schedule("p"),
            Err(SchedulePlanFileError::Budget {
                given: u64::MAX,
                max: PlanFile::MAX_SCHEDULES
            })
        );
        let mut f = file("");
        f.tasks[1].deadline = Some(5);
        f.tasks[2] =
            Task::new("docs".parse().expect("id"), 1).with_demand("ci".parse().expect("id"), 1);
        f.tasks[2].deadline = Some(1);
        assert!(matches!(
            f.schedule("p"),
            Err(SchedulePlanFileError::Search(_))
        ));
    }
}
