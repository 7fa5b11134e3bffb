//! Pictures and files of a schedule: Mermaid gantt, Graphviz DOT, a self-contained SVG Gantt
//! chart, iCalendar (RFC 5545) and a JSON report. All renderers are pure functions: dates come
//! from a caller-supplied [`TimeScale`], the iCalendar `DTSTAMP` from a caller-supplied `now`.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::components::ComponentGraph;
use crate::cpm::critical_path;
use crate::plan::{Plan, PrecedenceKind, TaskId};
use crate::schedule::Schedule;

/// The length of one plan time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// One minute.
    Minute,
    /// One hour.
    Hour,
    /// One (24-hour) day.
    Day,
}

/// Maps plan times (integers from `0`) to dates: `origin + t × unit`, or, with a
/// [`Calendar`], `t` units of *working* time after `origin` (a `Day` unit is then one working
/// day).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeScale {
    /// The date of time `0`.
    pub origin: DateTime<Utc>,
    /// The length of one time unit.
    pub unit: TimeUnit,
    /// Working time, if plan times count only working time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
}

impl TimeScale {
    /// A linear scale starting at `origin` (no calendar).
    pub fn new(origin: DateTime<Utc>, unit: TimeUnit) -> Self {
        Self {
            origin,
            unit,
            calendar: None,
        }
    }

    /// A scale counting working time of `calendar` from `origin`.
    pub fn with_calendar(origin: DateTime<Utc>, unit: TimeUnit, calendar: Calendar) -> Self {
        Self {
            origin,
            unit,
            calendar: Some(calendar),
        }
    }

    fn span(&self, t: i64) -> Option<TimeDelta> {
        match (self.unit, &self.calendar) {
            (TimeUnit::Minute, _) => TimeDelta::try_minutes(t),
            (TimeUnit::Hour, _) => TimeDelta::try_hours(t),
            (TimeUnit::Day, None) => TimeDelta::try_days(t),
            (TimeUnit::Day, Some(c)) => c.day_length().checked_mul(i32::try_from(t).ok()?),
        }
    }

    fn saturate(t: i64) -> DateTime<Utc> {
        if t < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        }
    }

    /// The date at which something starting at plan time `t` starts (with a calendar: the
    /// first working instant after `t` units of working time).
    pub fn start(&self, t: i64) -> DateTime<Utc> {
        match (self.span(t), &self.calendar) {
            (Some(d), None) => self
                .origin
                .checked_add_signed(d)
                .unwrap_or_else(|| Self::saturate(t)),
            (Some(d), Some(c)) if t >= 0 => c.start_after(self.origin, d),
            _ => Self::saturate(t),
        }
    }

    /// The date at which something finishing at plan time `t` finishes (with a calendar: the
    /// instant `t` units of working time are done, possibly the end of a working day).
    pub fn finish(&self, t: i64) -> DateTime<Utc> {
        match (self.span(t), &self.calendar) {
            (Some(d), None) => self
                .origin
                .checked_add_signed(d)
                .unwrap_or_else(|| Self::saturate(t)),
            (Some(d), Some(c)) if t >= 0 => c.finish_after(self.origin, d),
            _ => Self::saturate(t),
        }
    }

    /// Finish date of a task running `[start, start + duration)`: its start date for a
    /// milestone.
    fn task_finish(&self, start: i64, duration: i64) -> DateTime<Utc> {
        if duration == 0 {
            self.start(start)
        } else {
            self.finish(start + duration)
        }
    }
}

/// A shaded interval in the SVG chart (e.g. a freeze window), in plan time units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shade {
    /// Label shown in the chart.
    pub label: String,
    /// Start (inclusive).
    pub from: i64,
    /// End (exclusive).
    pub to: i64,
}

/// The tasks that cannot slip without delaying `schedule`: every task that finishes at the
/// makespan, and recursively every task that binds one of them, either by a tight precedence
/// edge or by finishing exactly when it starts while sharing a resource with it.
///
/// For a schedule without resource conflicts this is the critical path of the critical path
/// method; under resource limits it is the critical chain. O(n² · k + e).
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn critical_tasks(plan: &Plan, schedule: &Schedule) -> Vec<bool> {
    let tasks = plan.tasks();
    let n = tasks.len();
    let s = &schedule.starts;
    let fin = |j: usize| s[j] + tasks[j].duration;
    let makespan = schedule.makespan(plan);
    let net = plan.network();
    let k = plan.resources().len();
    let mut crit = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&j| fin(j) == makespan).collect();
    for &j in &stack {
        crit[j] = true;
    }
    while let Some(j) = stack.pop() {
        let bind = |i: usize, crit: &mut Vec<bool>, stack: &mut Vec<usize>| {
            if !crit[i] {
                crit[i] = true;
                stack.push(i);
            }
        };
        for a in net.preds(j) {
            let i = a.other as usize;
            if s[i] + a.delta == s[j] {
                bind(i, &mut crit, &mut stack);
            }
        }
        if s[j] > tasks[j].release {
            for (i, ti) in tasks.iter().enumerate() {
                if i != j
                    && fin(i) == s[j]
                    && ti.duration > 0
                    && (0..k).any(|r| plan.demand(i, r) > 0 && plan.demand(j, r) > 0)
                {
                    bind(i, &mut crit, &mut stack);
                }
            }
        }
    }
    crit
}

/// One chain through the [`critical_tasks`], first task first: from the critical task that
/// ends last (ties: the smaller id), step back to a critical task that ends exactly when the
/// current one starts, preferring a precedence predecessor over a resource one, ties broken by
/// id. [`critical_tasks`] marks every binding task (parallel tasks of a wave included); this
/// is one path through them, as a release plan shows it. O(n² · k + e).
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn critical_chain(plan: &Plan, schedule: &Schedule) -> Vec<TaskId> {
    let tasks = plan.tasks();
    let crit = critical_tasks(plan, schedule);
    let start = |j: usize| schedule.starts[j];
    let finish = |j: usize| schedule.starts[j] + tasks[j].duration;
    let edges: std::collections::BTreeSet<(u32, u32)> =
        plan.edge_indices().iter().copied().collect();
    let critical: Vec<usize> = (0..tasks.len()).filter(|&j| crit[j]).collect();
    let Some(mut current) = critical.iter().copied().max_by(|&a, &b| {
        finish(a)
            .cmp(&finish(b))
            .then_with(|| tasks[b].id.cmp(&tasks[a].id))
    }) else {
        return Vec::new();
    };
    let mut chain = vec![current];
    while chain.len() <= tasks.len() {
        let edge = |i: usize, j: usize| {
            u32::try_from(i)
                .ok()
                .zip(u32::try_from(j).ok())
                .is_some_and(|e| edges.contains(&e))
        };
        let before = critical
            .iter()
            .copied()
            .filter(|&i| i != current && finish(i) == start(current))
            .min_by(|&a, &b| {
                (!edge(a, current))
                    .cmp(&!edge(b, current))
                    .then_with(|| tasks[a].id.cmp(&tasks[b].id))
            });
        match before {
            Some(i) => {
                chain.push(i);
                current = i;
            }
            None => break,
        }
    }
    chain.iter().rev().map(|&j| tasks[j].id.clone()).collect()
}

fn mermaid_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, ':' | '#' | ';' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Renders a Mermaid `gantt` chart: one line per task in plan order, critical tasks tagged
/// `crit`, zero-duration tasks as milestones. O(n² · k + e) for the critical chain.
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn to_mermaid(plan: &Plan, schedule: &Schedule, scale: &TimeScale, title: &str) -> String {
    let crit = critical_tasks(plan, schedule);
    let mut out = String::new();
    let fmt = "%Y-%m-%dT%H:%M";
    let _ = writeln!(
        out,
        "gantt\n    title {}\n    dateFormat YYYY-MM-DDTHH:mm\n    section Tasks",
        mermaid_text(title)
    );
    for (j, t) in plan.tasks().iter().enumerate() {
        let start = scale.start(schedule.starts[j]).format(fmt);
        let mut tags = Vec::new();
        if crit[j] {
            tags.push("crit".to_owned());
        }
        if t.duration == 0 {
            tags.push("milestone".to_owned());
        }
        tags.push(format!("t{j}"));
        tags.push(start.to_string());
        if t.duration == 0 {
            tags.push("0d".to_owned());
        } else {
            tags.push(
                scale
                    .task_finish(schedule.starts[j], t.duration)
                    .format(fmt)
                    .to_string(),
            );
        }
        let _ = writeln!(
            out,
            "    {} :{}",
            mermaid_text(t.id.as_str()),
            tags.join(", ")
        );
    }
    out
}

fn dot_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders the task graph as Graphviz DOT: nodes labelled with id and duration, critical
/// tasks and the edges between them in red (from `schedule` when given, otherwise the critical
/// path method), edge labels for non finish-to-start edges and lags. O(n² · k + e).
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn task_dot(plan: &Plan, schedule: Option<&Schedule>) -> String {
    let crit: Vec<bool> = match schedule {
        Some(s) => critical_tasks(plan, s),
        None => {
            let cp = critical_path(plan);
            (0..plan.tasks().len()).map(|j| cp.is_critical(j)).collect()
        }
    };
    let mut out =
        String::from("digraph plan {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n");
    for (j, t) in plan.tasks().iter().enumerate() {
        let style = if crit[j] {
            ", color=red, penwidth=2"
        } else {
            ""
        };
        let label = dot_id(&format!("{}\n{}", t.id, t.duration));
        let _ = writeln!(out, "    {} [label={label}{style}];", dot_id(t.id.as_str()));
    }
    for (p, &(a, b)) in plan.precedences().iter().zip(plan.edge_indices()) {
        let mut attrs = Vec::new();
        let label = match (p.kind, p.lag) {
            (PrecedenceKind::FinishToStart, 0) => String::new(),
            (PrecedenceKind::FinishToStart, lag) => format!("+{lag}"),
            (PrecedenceKind::StartToStart, lag) => format!("SS+{lag}"),
            (PrecedenceKind::FinishToFinish, lag) => format!("FF+{lag}"),
        };
        if !label.is_empty() {
            attrs.push(format!("label={}", dot_id(&label)));
        }
        if crit[a as usize] && crit[b as usize] {
            attrs.push("color=red".to_owned());
            attrs.push("penwidth=2".to_owned());
        }
        dot_edge(&mut out, p.from.as_str(), p.to.as_str(), &attrs);
    }
    out.push_str("}\n");
    out
}

/// Writes one DOT edge line `from -> to [attrs];` (no brackets without attributes).
fn dot_edge(out: &mut String, from: &str, to: &str, attrs: &[String]) {
    let attrs = if attrs.is_empty() {
        String::new()
    } else {
        format!(" [{}]", attrs.join(", "))
    };
    let _ = writeln!(out, "    {} -> {}{attrs};", dot_id(from), dot_id(to));
}

/// Renders the component graph as Graphviz DOT: an edge from each dependent to its
/// dependency labelled with the version requirement; dev-dependencies dashed; components
/// grouped by release wave (`rank=same`). O(n log n + e).
pub fn component_dot(graph: &ComponentGraph) -> String {
    let mut out = String::from("digraph components {\n    rankdir=BT;\n    node [shape=box];\n");
    for (w, wave) in graph.waves().iter().enumerate() {
        let ids: Vec<String> = wave.iter().map(|c| dot_id(c.as_str())).collect();
        let _ = writeln!(
            out,
            "    {{ rank=same; /* wave {w} */ {}; }}",
            ids.join("; ")
        );
    }
    for c in graph.components() {
        let _ = writeln!(
            out,
            "    {} [label={}];",
            dot_id(c.id.as_str()),
            dot_id(&format!("{}\n{}", c.id, c.version))
        );
    }
    for c in graph.components() {
        for d in &c.dependencies {
            let mut attrs = Vec::new();
            if let Some(req) = &d.requirement {
                attrs.push(format!("label={}", dot_id(&req.to_string())));
            }
            if !d.kind.orders_releases() {
                attrs.push("style=dashed".to_owned());
            }
            dot_edge(&mut out, c.id.as_str(), d.component.as_str(), &attrs);
        }
    }
    out.push_str("}\n");
    out
}

/// Renders the component graph as a Mermaid flowchart: an arrow from each dependent to its
/// dependency (dotted for dev-dependencies), nodes labelled with name and version. O(n + e).
pub fn component_mermaid(graph: &ComponentGraph) -> String {
    let comps = graph.components();
    let index: std::collections::HashMap<&relman_model::ComponentId, usize> =
        comps.iter().enumerate().map(|(i, c)| (&c.id, i)).collect();
    let mut out = String::from("graph BT\n");
    for (i, c) in comps.iter().enumerate() {
        let label: String = format!("{} {}", c.id, c.version)
            .chars()
            .filter(|&ch| ch != '"')
            .collect();
        let _ = writeln!(out, "    n{i}[\"{label}\"]");
    }
    for (i, c) in comps.iter().enumerate() {
        for d in &c.dependencies {
            if let Some(&j) = index.get(&d.component) {
                let arrow = if d.kind.orders_releases() {
                    "-->"
                } else {
                    "-.->"
                };
                let _ = writeln!(out, "    n{i} {arrow} n{j}");
            }
        }
    }
    out
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Renders a self-contained SVG Gantt chart: a dated time axis, one row per task (plan order)
/// with its label, bars coloured red on the critical chain, milestones as diamonds, and
/// `shades` (e.g. freeze windows) as hatched grey bands. O(n² · k + e + width).
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn to_svg(plan: &Plan, schedule: &Schedule, scale: &TimeScale, shades: &[Shade]) -> String {
    let rows = (0..plan.tasks().len())
        .map(|j| GanttRow::Tasks(plan.tasks()[j].id.as_str().to_owned(), vec![j]))
        .collect();
    render_svg(plan, schedule, scale, shades, rows)
}

/// A labelled group of tasks for [`to_svg_grouped`] (a release wave, a component).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GanttGroup {
    /// The group's heading.
    pub label: String,
    /// Its tasks, in the order of their rows.
    pub tasks: Vec<TaskId>,
}

impl GanttGroup {
    /// A group of `tasks` under `label`.
    pub fn new(label: impl Into<String>, tasks: Vec<TaskId>) -> Self {
        Self {
            label: label.into(),
            tasks,
        }
    }
}

/// How [`to_svg_grouped`] lays out its groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GanttLayout {
    /// A heading row per group, then one row per task.
    Expanded,
    /// One row per group, labelled with the group and holding the bars of all its tasks: a
    /// summary that stays readable with many groups (tasks of a group should not overlap).
    Collapsed,
}

/// [`to_svg`] with the rows in `groups`: each group a heading and its tasks
/// ([`GanttLayout::Expanded`]) or one summary row ([`GanttLayout::Collapsed`]). Tasks in no
/// group follow, one row each; unknown ids and repeated tasks are left out.
///
/// ```
/// use relman_graph::{GanttGroup, GanttLayout, Plan, Precedence, Task, TimeScale, TimeUnit};
///
/// let id = |s: &str| s.parse().unwrap();
/// let plan = Plan::new(
///     vec![Task::new(id("build-api"), 2), Task::new(id("deploy-api"), 1)],
///     vec![],
///     vec![Precedence::finish_to_start(id("build-api"), id("deploy-api"))],
/// )?;
/// let schedule = relman_graph::generate(&plan, relman_graph::Scheme::Serial, relman_graph::PriorityRule::Lft)?;
/// let scale = TimeScale::new("2026-12-01T09:00:00Z".parse()?, TimeUnit::Hour);
/// let groups = [GanttGroup::new("wave 1 · api", vec![id("build-api"), id("deploy-api")])];
/// let svg = relman_graph::to_svg_grouped(&plan, &schedule, &scale, &[], &groups, GanttLayout::Collapsed);
/// assert!(svg.contains(">wave 1 · api</text>"));
/// assert_eq!(svg.matches("<rect x=").count(), 2, "both bars on one row");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn to_svg_grouped(
    plan: &Plan,
    schedule: &Schedule,
    scale: &TimeScale,
    shades: &[Shade],
    groups: &[GanttGroup],
    layout: GanttLayout,
) -> String {
    let index: std::collections::HashMap<&str, usize> = plan
        .tasks()
        .iter()
        .enumerate()
        .map(|(j, t)| (t.id.as_str(), j))
        .collect();
    let mut placed = vec![false; plan.tasks().len()];
    let mut rows = Vec::new();
    for g in groups {
        let members: Vec<usize> = g
            .tasks
            .iter()
            .filter_map(|t| index.get(t.as_str()).copied())
            .filter(|&j| !std::mem::replace(&mut placed[j], true))
            .collect();
        match layout {
            GanttLayout::Collapsed => rows.push(GanttRow::Tasks(g.label.clone(), members)),
            GanttLayout::Expanded => {
                rows.push(GanttRow::Heading(g.label.clone()));
                rows.extend(
                    members
                        .into_iter()
                        .map(|j| GanttRow::Tasks(plan.tasks()[j].id.as_str().to_owned(), vec![j])),
                );
            }
        }
    }
    for (j, done) in placed.iter().enumerate() {
        if !done {
            rows.push(GanttRow::Tasks(
                plan.tasks()[j].id.as_str().to_owned(),
                vec![j],
            ));
        }
    }
    render_svg(plan, schedule, scale, shades, rows)
}

/// One row of a Gantt chart: a heading, or a label with the bars of some tasks.
enum GanttRow {
    Heading(String),
    Tasks(String, Vec<usize>),
}

fn render_svg(
    plan: &Plan,
    schedule: &Schedule,
    scale: &TimeScale,
    shades: &[Shade],
    rows: Vec<GanttRow>,
) -> String {
    let crit = critical_tasks(plan, schedule);
    let tasks = plan.tasks();
    // the chart spans the schedule and every shade that starts inside it or after it
    let makespan = schedule
        .makespan(plan)
        .max(shades.iter().map(|s| s.to).max().unwrap_or(0))
        .max(1);
    let label_w = 12
        + 7 * rows
            .iter()
            .map(|r| match r {
                GanttRow::Heading(l) | GanttRow::Tasks(l, _) => l.chars().count(),
            })
            .max()
            .unwrap_or(4)
            .min(40) as i64;
    let px = (800 / makespan).clamp(4, 60);
    let (top, row) = (40i64, 24i64);
    let width = label_w + makespan * px + 40;
    let height = top + row * rows.len() as i64 + 20;
    let x = |t: i64| label_w + t * px;
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    o.push_str(r##"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#bbb"/></pattern></defs>"##);
    o.push('\n');
    let _ = writeln!(
        o,
        r##"<rect width="{width}" height="{height}" fill="#fff"/>"##
    );
    for sh in shades {
        let (a, b) = (sh.from.clamp(0, makespan), sh.to.clamp(0, makespan));
        if b > a {
            let _ = writeln!(
                o,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="url(#hatch)" opacity="0.6"><title>{}</title></rect>"#,
                x(a),
                top - 8,
                (b - a) * px,
                height - top,
                xml(&sh.label)
            );
        }
    }
    // time axis: a tick every `step` units, labelled with the date
    let step = (1..=makespan).find(|s| s * px >= 90).unwrap_or(makespan);
    let mut t = 0;
    while t <= makespan {
        let label = scale.start(t).format(match scale.unit {
            TimeUnit::Day => "%Y-%m-%d",
            _ => "%m-%d %H:%M",
        });
        let _ = writeln!(
            o,
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#ddd"/><text x="{0}" y="{3}" fill="#333">{4}</text>"##,
            x(t),
            top - 6,
            height - 10,
            top - 14,
            label
        );
        t += step;
    }
    for (r, line) in rows.iter().enumerate() {
        let y = top + row * r as i64;
        let members = match line {
            GanttRow::Heading(label) => {
                let _ = writeln!(
                    o,
                    r##"<text x="4" y="{}" fill="#000" font-weight="bold">{}</text>"##,
                    y + 16,
                    xml(label)
                );
                continue;
            }
            GanttRow::Tasks(label, members) => {
                let _ = writeln!(
                    o,
                    r##"<text x="4" y="{}" fill="#000">{}</text>"##,
                    y + 16,
                    xml(label)
                );
                members
            }
        };
        for &j in members {
            let task = &tasks[j];
            let color = if crit[j] { "#d62728" } else { "#1f77b4" };
            let (s, f) = (schedule.starts[j], schedule.starts[j] + task.duration);
            let title = format!(
                "{}: {} → {}",
                task.id,
                scale.start(s).format("%Y-%m-%d %H:%M"),
                scale.task_finish(s, task.duration).format("%Y-%m-%d %H:%M")
            );
            if task.duration == 0 {
                let (cx, cy) = (x(s), y + 12);
                let _ = writeln!(
                    o,
                    r#"<polygon points="{},{} {},{} {},{} {},{}" fill="{color}"><title>{}</title></polygon>"#,
                    cx,
                    cy - 7,
                    cx + 7,
                    cy,
                    cx,
                    cy + 7,
                    cx - 7,
                    cy,
                    xml(&title)
                );
            } else {
                let _ = writeln!(
                    o,
                    r#"<rect x="{}" y="{}" width="{}" height="16" rx="3" fill="{color}"><title>{}</title></rect>"#,
                    x(s),
                    y + 4,
                    (f - s) * px,
                    xml(&title)
                );
            }
        }
    }
    o.push_str("</svg>\n");
    o
}

fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.
fn ics_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// Renders an iCalendar (RFC 5545) file: one `VEVENT` per task (zero-duration tasks are
/// milestones with `DTEND = DTSTART`), UTC times, CRLF line ends and folded lines. `now` is the
/// `DTSTAMP`; `domain` makes the `UID`s globally unique (`<task>@<domain>`). O(total length).
///
/// # Panics
///
/// If `schedule` has fewer entries than the plan has tasks.
pub fn to_ics(
    plan: &Plan,
    schedule: &Schedule,
    scale: &TimeScale,
    now: DateTime<Utc>,
    domain: &str,
) -> String {
    let crit = critical_tasks(plan, schedule);
    let fmt = "%Y%m%dT%H%M%SZ";
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//relman//relman-graph//EN",
        "CALSCALE:GREGORIAN",
    ] {
        ics_line(&mut out, l);
    }
    for (j, t) in plan.tasks().iter().enumerate() {
        let s = schedule.starts[j];
        ics_line(&mut out, "BEGIN:VEVENT");
        ics_line(
            &mut out,
            &format!("UID:{}@{}", ics_text(t.id.as_str()), ics_text(domain)),
        );
        ics_line(&mut out, &format!("DTSTAMP:{}", now.format(fmt)));
        ics_line(&mut out, &format!("DTSTART:{}", scale.start(s).format(fmt)));
        ics_line(
            &mut out,
            &format!("DTEND:{}", scale.task_finish(s, t.duration).format(fmt)),
        );
        let kind = if t.duration == 0 { "milestone" } else { "task" };
        ics_line(&mut out, &format!("SUMMARY:{}", ics_text(t.id.as_str())));
        let mut desc = format!("{kind} {}, duration {}", t.id, t.duration);
        if crit[j] {
            desc.push_str(", critical");
        }
        ics_line(&mut out, &format!("DESCRIPTION:{}", ics_text(&desc)));
        if let Some(owner) = &t.owner {
            ics_line(&mut out, &format!("CONTACT:{}", ics_text(owner.as_str())));
        }
        ics_line(
            &mut out,
            &format!("CATEGORIES:{}", if crit[j] { "CRITICAL" } else { "TASK" }),
        );
        ics_line(&mut out, "TRANSP:OPAQUE");
        ics_line(&mut out, "END:VEVENT");
    }
    ics_line(&mut out, "END:VCALENDAR");
    out
}

/// One task of a [`ScheduleReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReport {
    /// Task id.
    pub id: String,
    /// Start in plan units.
    pub start: i64,
    /// Finish in plan units.
    pub finish: i64,
    /// Start date.
    pub start_at: DateTime<Utc>,
    /// Finish date.
    pub finish_at: DateTime<Utc>,
    /// Whether the task is on the critical chain.
    pub critical: bool,
}

/// A JSON-ready view of a schedule.
///
/// JSON shape: `{"makespan": 9, "finish_at": "2026-01-01T09:00:00Z", "tasks": [{"id": "a",
/// "start": 0, "finish": 3, "start_at": "...", "finish_at": "...", "critical": true}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleReport {
    /// Project length in plan units.
    pub makespan: i64,
    /// The project's end date.
    pub finish_at: DateTime<Utc>,
    /// Every task, in plan order.
    pub tasks: Vec<TaskReport>,
}

impl ScheduleReport {
    /// Builds the report. O(n² · k + e) for the critical chain.
    ///
    /// # Panics
    ///
    /// If `schedule` has fewer entries than the plan has tasks.
    pub fn new(plan: &Plan, schedule: &Schedule, scale: &TimeScale) -> Self {
        let crit = critical_tasks(plan, schedule);
        let makespan = schedule.makespan(plan);
        let tasks = plan
            .tasks()
            .iter()
            .enumerate()
            .map(|(j, t)| {
                let s = schedule.starts[j];
                TaskReport {
                    id: t.id.to_string(),
                    start: s,
                    finish: s + t.duration,
                    start_at: scale.start(s),
                    finish_at: scale.task_finish(s, t.duration),
                    critical: crit[j],
                }
            })
            .collect();
        Self {
            makespan,
            finish_at: scale.finish(makespan),
            tasks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        ics_line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn the_critical_chain_prefers_precedence_and_names_one_path() {
        use crate::plan::{Precedence, Resource, Task};
        let id = |s: &str| -> TaskId { s.parse().expect("task id") };
        let ci: crate::plan::ResourceId = "ci".parse().expect("resource id");
        // build -> test (precedence); lint shares `ci` with test and ends when test starts;
        // docs runs alone in parallel and ends early.
        let tasks = vec![
            Task::new(id("build"), 2),
            Task::new(id("lint"), 1).with_demand(ci.clone(), 1),
            Task::new(id("test"), 3).with_demand(ci.clone(), 1),
            Task::new(id("docs"), 1),
        ];
        let plan = Plan::new(
            tasks,
            vec![Resource::new(ci, 1)],
            vec![Precedence::finish_to_start(id("build"), id("test"))],
        )
        .expect("valid plan");
        let schedule = Schedule {
            starts: vec![0, 1, 2, 0],
        };
        assert_eq!(
            critical_tasks(&plan, &schedule),
            vec![true, true, true, false]
        );
        assert_eq!(
            critical_chain(&plan, &schedule),
            vec![id("build"), id("test")]
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(xml("<a&\"b\">"), "&lt;a&amp;&quot;b&quot;&gt;");
        assert_eq!(dot_id("a\"b"), "\"a\\\"b\"");
        assert_eq!(mermaid_text("a:b#c"), "a b c");
    }
}
