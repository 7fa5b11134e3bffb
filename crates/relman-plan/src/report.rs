//! The release status report: the plan, risk, gates, approvals and what runs where, as
//! Markdown or as one self-contained HTML file.
//!
//! A report is rendered from a [`ReportInput`]: a [`ReleasePlan`], the Gantt chart (SVG), and
//! the environment state of a relman-env store when there is one (what runs where, open
//! incidents, quarantined versions, approvals, recorded gate verdicts). Approvals come from the
//! store's approval events and from the approvals of the plan's change request; gate verdicts
//! are those recorded for that change request. Without them every released component shows
//! "no verdict recorded".
//!
//! The HTML is a single file: inline CSS, the Gantt SVG inlined, no scripts, no external
//! resources, every text HTML-escaped.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use relman_env::EnvState;
use relman_model::gate::Verdict;

use crate::plan::ReleasePlan;
use crate::plan::render::short;

/// Everything a report shows. Sections without data say so instead of disappearing.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// The release plan.
    pub plan: &'a ReleasePlan,
    /// The Gantt chart of the schedule, an SVG document.
    pub gantt_svg: String,
    /// A summary chart (one row per component) shown above a large chart, which is then
    /// folded ([`GANTT_FOLD_TASKS`]); see [`ReportInput::with_gantt_summary`].
    pub gantt_summary_svg: Option<String>,
    /// The environment state, when a store was read.
    pub env: Option<&'a EnvState>,
    /// Quality-gate verdicts; empty means none recorded.
    pub gates: Vec<GateRow>,
    /// Approvals of the release.
    pub approvals: Vec<ApprovalRow>,
}

/// One quality-gate verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRow {
    /// What the gate was applied to (a component, or the release).
    pub subject: String,
    /// The gate's name.
    pub gate: String,
    /// The verdict.
    pub status: GateStatus,
    /// Reasons or evidence, free text.
    pub detail: String,
}

/// A gate verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateStatus {
    /// The gate passed.
    Passed,
    /// The gate lacked the evidence it needs.
    MissingEvidence,
    /// The gate failed.
    Failed,
    /// No verdict is recorded.
    NoVerdict,
}

impl GateStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::MissingEvidence => "missing evidence",
            Self::Failed => "failed",
            Self::NoVerdict => "no verdict recorded",
        }
    }
}

/// One approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRow {
    /// The approved release.
    pub release: String,
    /// The environment it is approved for.
    pub env: String,
    /// The approver.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The digest approved, and whether it is this plan's.
    pub digest: String,
    /// Whether `digest` is the digest of the plan in the report.
    pub matches_plan: bool,
}

impl<'a> ReportInput<'a> {
    /// A report of `plan` with its Gantt chart; approvals are taken from `env`, gates are
    /// "no verdict recorded" for each released component.
    pub fn new(plan: &'a ReleasePlan, gantt_svg: String, env: Option<&'a EnvState>) -> Self {
        let digest = plan.change_request.digest.as_str();
        let cr_id = plan.change_request.id.as_str();
        let matches = |d: &str| d.strip_prefix("sha256:").unwrap_or(d) == digest;
        let mut approvals: Vec<ApprovalRow> = Vec::new();
        let mut gates: Vec<GateRow> = Vec::new();
        if let Some(s) = env {
            approvals.extend(s.approvals.iter().map(|a| ApprovalRow {
                release: a.release.to_string(),
                env: a.env.to_string(),
                by: a.by.to_string(),
                at: a.at,
                digest: a.digest.as_str().to_owned(),
                matches_plan: matches(a.digest.as_str()),
            }));
            // Approvals of this plan's change request (`relman change approve`).
            for entry in s.change_requests().filter(|e| e.id().as_str() == cr_id) {
                approvals.extend(entry.request.approvals().iter().map(|a| ApprovalRow {
                    release: format!("change request {cr_id}"),
                    env: "-".into(),
                    by: a.by.to_string(),
                    at: a.at,
                    digest: a.digest.as_str().to_owned(),
                    matches_plan: matches(a.digest.as_str()),
                }));
            }
            // Verdicts recorded with `relman gate check --record --change ID`.
            for verdict in s.gate_verdicts().iter().filter(|v| {
                v.change_request
                    .as_ref()
                    .is_some_and(|c| c.as_str() == cr_id)
            }) {
                gates.extend(verdict.gates.iter().map(|g| GateRow {
                    subject: format!(
                        "change request {cr_id} ({})",
                        verdict.at.format("%Y-%m-%d %H:%M UTC")
                    ),
                    gate: g.gate.to_string(),
                    status: match g.verdict {
                        Verdict::Pass => GateStatus::Passed,
                        Verdict::MissingEvidence => GateStatus::MissingEvidence,
                        Verdict::Fail => GateStatus::Failed,
                    },
                    detail: g.reasons.join("; "),
                }));
            }
        }
        if gates.is_empty() {
            gates = plan
                .components
                .iter()
                .filter(|c| c.release)
                .map(|c| GateRow {
                    subject: format!("{} {}", c.name, c.next),
                    gate: "quality gates".into(),
                    status: GateStatus::NoVerdict,
                    detail:
                        "run `relman gate check --record --change ID` on the release's test results"
                            .into(),
                })
                .collect();
        }
        Self {
            plan,
            gantt_svg,
            gantt_summary_svg: None,
            env,
            gates,
            approvals,
        }
    }

    /// The report with `svg` as the summary chart of a large schedule (for example
    /// [`PlannedRelease::gantt_svg`](crate::plan::PlannedRelease::gantt_svg) collapsed).
    #[must_use]
    pub fn with_gantt_summary(mut self, svg: String) -> Self {
        self.gantt_summary_svg = Some(svg);
        self
    }
}

/// A table: a caption-less header row and body rows of plain text cells.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

/// A section of the report, rendered the same way in both formats.
enum Block {
    Para(String),
    List(Vec<String>),
    Table(Table),
    Gantt,
}

/// The report as titled sections of blocks: one model, two renderers.
fn sections(input: &ReportInput<'_>) -> Vec<(&'static str, Vec<Block>)> {
    let b = input.plan;
    let cr = &input.plan.change_request;
    let mut out = Vec::new();

    // What ships: per released component its version and its strongest changes.
    let shipping: Vec<Vec<String>> = b
        .released()
        .map(|c| {
            let rank = |bump: &str| match bump {
                "major" => 0,
                "minor" => 1,
                "patch" => 2,
                _ => 3,
            };
            let mut evidence: Vec<&crate::plan::PlanEvidence> = c.evidence.iter().collect();
            evidence.sort_by_key(|e| rank(&e.bump));
            let mut highlights: Vec<String> =
                evidence.iter().take(3).map(|e| e.summary.clone()).collect();
            if evidence.len() > 3 {
                highlights.push(format!("and {} more", evidence.len() - 3));
            }
            vec![
                c.name.clone(),
                c.next.clone(),
                c.current.clone().unwrap_or_else(|| "first release".into()),
                c.changes.to_string(),
                highlights.join("; "),
            ]
        })
        .collect();
    out.push((
        "What ships",
        vec![if shipping.is_empty() {
            Block::Para("Nothing: no component has changes to release.".into())
        } else {
            Block::Table(Table {
                header: vec!["Component", "Version", "After", "Changes", "Highlights"],
                rows: shipping,
            })
        }],
    ));

    // Plan.
    let released = b.components.iter().filter(|c| c.release).count();
    let (repository, config) = place(b);
    let mut plan = vec![Block::Para(format!(
        "Repository {} at {}; configuration: {}; {} of {} components released; propagation {}.",
        repository,
        short(&b.head),
        config,
        released,
        b.components.len(),
        b.propagation
    ))];
    plan.push(Block::Table(Table {
        header: vec!["Component", "Current", "Next", "Bump", "Changes", "Tag"],
        rows: b
            .components
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.current.clone().unwrap_or_else(|| "-".into()),
                    if c.release {
                        c.next.clone()
                    } else {
                        "-".into()
                    },
                    c.bump.to_owned(),
                    c.changes.to_string(),
                    if c.release { c.tag.clone() } else { "-".into() },
                ]
            })
            .collect(),
    }));
    plan.push(Block::Para("Release waves:".into()));
    plan.push(Block::List(if b.waves.is_empty() {
        vec!["nothing to release".into()]
    } else {
        b.waves
            .iter()
            .enumerate()
            .map(|(i, w)| format!("wave {}: {}", i + 1, w.join(", ")))
            .collect()
    }));
    plan.push(Block::Para(format!(
        "Change request {} ({}, {}): {}; plan digest sha256:{}; {} approval(s) required.",
        cr.id, cr.kind, cr.state, cr.title, cr.digest, cr.approvals_required
    )));
    out.push(("Plan", plan));

    // Risk.
    let r = &b.risk;
    let mut risk = vec![Block::Para(format!(
        "Score {} of 100, level {}.",
        r.score, r.level
    ))];
    risk.push(Block::Para("Reasons:".into()));
    risk.push(Block::List(r.reasons.clone()));
    risk.push(Block::Para("Mitigations:".into()));
    risk.push(Block::List(if r.mitigations.is_empty() {
        vec!["none needed".into()]
    } else {
        r.mitigations.clone()
    }));
    if !r.riskiest_changes.is_empty() {
        risk.push(Block::Table(Table {
            header: vec![
                "Component",
                "Commit",
                "Summary",
                "Estimated defect probability",
                "Why (the model's top factors)",
            ],
            rows: r
                .riskiest_changes
                .iter()
                .map(|c| {
                    vec![
                        c.component.clone(),
                        short(&c.commit).to_owned(),
                        c.summary.clone(),
                        format!("{:.0} %", c.probability * 100.0),
                        c.top_factors.join(", "),
                    ]
                })
                .collect(),
        }));
    }
    out.push(("Risk", risk));

    // Quality gates.
    out.push((
        "Quality gates",
        vec![if input.gates.is_empty() {
            Block::Para("Nothing is released, so no gate applies.".into())
        } else {
            Block::Table(Table {
                header: vec!["Subject", "Gate", "Verdict", "Detail"],
                rows: input
                    .gates
                    .iter()
                    .map(|g| {
                        vec![
                            g.subject.clone(),
                            g.gate.clone(),
                            g.status.as_str().to_owned(),
                            g.detail.clone(),
                        ]
                    })
                    .collect(),
            })
        }],
    ));

    // Approvals.
    let mut approvals = vec![Block::Para(format!(
        "The change request needs {} approval(s) of plan digest sha256:{}.",
        cr.approvals_required, cr.digest
    ))];
    if input.approvals.is_empty() {
        approvals.push(Block::Para(match input.env {
            Some(_) => "No approval is recorded in the environment store.".into(),
            None => "No approval is recorded (no environment store given).".into(),
        }));
    } else {
        approvals.push(Block::Table(Table {
            header: vec!["Release", "Environment", "By", "At", "Digest", "This plan"],
            rows: input
                .approvals
                .iter()
                .map(|a| {
                    vec![
                        a.release.clone(),
                        a.env.clone(),
                        a.by.clone(),
                        a.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                        a.digest.clone(),
                        if a.matches_plan { "yes" } else { "no" }.to_owned(),
                    ]
                })
                .collect(),
        }));
    }
    out.push(("Approvals", approvals));

    // Environments.
    out.push(("Environments", environment_blocks(input)));

    // Schedule.
    let s = &b.schedule;
    // Hour 0 is the first working hour at or after the plan's start.
    let first = s.tasks.iter().map(|t| t.start).min().unwrap_or(b.start);
    let mut schedule = vec![Block::Para(match s.finish {
        Some(f) => format!(
            "{} working hours, from {} to {}.",
            s.makespan_hours,
            first.format("%Y-%m-%d %H:%M UTC"),
            f.format("%Y-%m-%d %H:%M UTC")
        ),
        None => "Nothing to schedule.".into(),
    })];
    if !s.critical_path.is_empty() {
        schedule.push(Block::Para(critical_path_line(&s.critical_path)));
    }
    schedule.push(Block::Gantt);
    if !s.tasks.is_empty() {
        schedule.push(Block::Table(Table {
            header: vec!["Task", "Start", "Finish", "Hours", "Critical"],
            rows: s
                .tasks
                .iter()
                .map(|t| {
                    vec![
                        t.id.clone(),
                        t.start.format("%Y-%m-%d %H:%M").to_string(),
                        t.finish.format("%Y-%m-%d %H:%M").to_string(),
                        t.hours.to_string(),
                        if t.critical { "yes" } else { "" }.to_owned(),
                    ]
                })
                .collect(),
        }));
    }
    out.push(("Schedule", schedule));
    out
}

/// Critical paths longer than this are shown by their ends (the task table marks every task).
const CRITICAL_PATH_SHOWN: usize = 12;

/// `Critical path: a → b → c.`, or for a long path its first and last tasks and the count.
fn critical_path_line(path: &[String]) -> String {
    if path.len() <= CRITICAL_PATH_SHOWN {
        return format!("Critical path: {}.", path.join(" → "));
    }
    let (head, tail) = (&path[..6], &path[path.len() - 3..]);
    format!(
        "Critical path ({} tasks, all marked in the task table): {} → … → {}.",
        path.len(),
        head.join(" → "),
        tail.join(" → ")
    )
}

/// What runs where: per component (those of the plan, then any others the store knows) the
/// version in each environment, then open incidents and quarantined versions.
fn environment_blocks(input: &ReportInput<'_>) -> Vec<Block> {
    let Some(state) = input.env else {
        return vec![Block::Para(
            "No environment store given (`relman report --store PATH`).".into(),
        )];
    };
    let mut envs: Vec<&relman_model::Environment> = state.environments.iter().collect();
    envs.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    if envs.is_empty() {
        return vec![Block::Para(
            "The environment store has no environment.".into(),
        )];
    }
    let plan = &input.plan.components;
    let mut names: Vec<String> = plan.iter().map(|c| c.name.clone()).collect();
    for c in state.components() {
        if !names.iter().any(|n| n == c.as_str()) {
            names.push(c.to_string());
        }
    }
    let mut header = vec!["Component"];
    let mut rows = Vec::new();
    // Header labels are fixed strings; each environment column is an `env` placeholder that
    // `header_cells` replaces with the environment's name.
    header.push("Planned next");
    for name in &names {
        let next = plan
            .iter()
            .find(|c| &c.name == name && c.release)
            .map_or_else(|| "-".to_owned(), |c| c.next.clone());
        let mut row = vec![name.clone(), next];
        for env in &envs {
            let cell = name
                .parse::<relman_model::ComponentId>()
                .ok()
                .and_then(|id| state.latest(&env.id, &id))
                .map_or_else(
                    || "-".to_owned(),
                    |d| format!("{} ({})", d.version, d.status),
                );
            row.push(cell);
        }
        rows.push(row);
    }
    let mut blocks = vec![Block::Para(format!(
        "Environments in promotion order: {}. Each cell is the latest deployment (version and status).",
        envs.iter()
            .map(|e| e.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))];
    blocks.push(Block::Table(Table {
        header: header
            .into_iter()
            .chain(envs.iter().map(|_| "env"))
            .collect(),
        rows,
    }));
    let incidents: Vec<String> = state
        .incidents
        .values()
        .filter(|i| i.resolved_at.is_none())
        .map(|i| {
            format!(
                "incident {} in {}: {} {} since {}",
                i.id,
                i.env,
                i.component,
                i.version,
                i.opened_at.format("%Y-%m-%d %H:%M UTC")
            )
        })
        .collect();
    blocks.push(Block::Para("Open incidents:".into()));
    blocks.push(Block::List(if incidents.is_empty() {
        vec!["none".into()]
    } else {
        incidents
    }));
    let quarantines: Vec<String> = state
        .quarantined
        .iter()
        .flat_map(|(c, versions)| {
            versions
                .iter()
                .map(move |(v, q)| format!("{c} {v}: {}", q.reason))
        })
        .collect();
    blocks.push(Block::Para("Quarantined versions:".into()));
    blocks.push(Block::List(if quarantines.is_empty() {
        vec!["none".into()]
    } else {
        quarantines
    }));
    blocks
}

/// The environment columns of the "what runs where" table, in the order of its cells.
fn env_columns(input: &ReportInput<'_>) -> Vec<String> {
    let Some(state) = input.env else {
        return Vec::new();
    };
    let mut envs: Vec<&relman_model::Environment> = state.environments.iter().collect();
    envs.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    envs.iter().map(|e| e.id.to_string()).collect()
}

/// The header cells of `table`: its fixed labels, with the `env` placeholders of the
/// environment table replaced by the environments' names.
fn header_cells(table: &Table, envs: &[String]) -> Vec<String> {
    let mut names = envs.iter();
    table
        .header
        .iter()
        .map(|h| match *h {
            "env" => names.next().cloned().unwrap_or_else(|| "env".into()),
            other => other.to_owned(),
        })
        .collect()
}

/// The report's title, one line for people: the planned start's date, how many components
/// ship, the risk level and the approvals counted for this plan, e.g.
/// `Release 2026-12-05: 3 components, risk medium, 1 of 2 approvals`.
fn title(input: &ReportInput<'_>) -> String {
    let plan = input.plan;
    let date = plan.start.format("%Y-%m-%d");
    let shipped = plan.released().count();
    if shipped == 0 {
        return format!("Release {date}: nothing to release");
    }
    let approved = input.approvals.iter().filter(|a| a.matches_plan).count();
    format!(
        "Release {date}: {shipped} component{}, risk {}, {approved} of {} approvals",
        if shipped == 1 { "" } else { "s" },
        plan.risk.level,
        plan.change_request.approvals_required
    )
}

/// Where the plan was made, without the absolute checkout path: the repository's directory
/// name, and the configuration relative to it.
fn place(plan: &ReleasePlan) -> (String, String) {
    let repo = std::path::Path::new(&plan.repository);
    let name = repo.file_name().map_or_else(
        || plan.repository.clone(),
        |n| n.to_string_lossy().into_owned(),
    );
    let config = std::path::Path::new(&plan.config)
        .strip_prefix(repo)
        .map_or_else(|_| plan.config.clone(), |p| p.display().to_string());
    (name, config)
}

/// The report as Markdown (`report.md`).
pub fn render_markdown(input: &ReportInput<'_>) -> String {
    let envs = env_columns(input);
    let mut t = String::new();
    let _ = writeln!(t, "# {}\n", md(&title(input)));
    for (title, blocks) in sections(input) {
        let _ = writeln!(t, "## {title}\n");
        for block in blocks {
            match block {
                Block::Para(p) => {
                    let _ = writeln!(t, "{}\n", md(&p));
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(t, "- {}", md(&i));
                    }
                    t.push('\n');
                }
                Block::Table(table) => {
                    let header = header_cells(&table, &envs);
                    let _ = writeln!(
                        t,
                        "| {} |",
                        header.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | ")
                    );
                    let _ = writeln!(t, "|{}", "---|".repeat(header.len()));
                    for row in &table.rows {
                        let _ = writeln!(
                            t,
                            "| {} |",
                            row.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    t.push('\n');
                }
                Block::Gantt => {
                    t.push_str("The Gantt chart is `gantt.svg` (and inline in `report.html`).\n\n");
                }
            }
        }
    }
    t
}

/// Markdown text: table pipes and characters that start markup escaped, line breaks flattened.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// HTML text: `&`, `<`, `>`, `"` and `'` escaped, control characters dropped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
tr:nth-child(even) td{background:#fbfcfd}
.gantt{overflow-x:auto;border:1px solid #d0d7de;padding:.5rem;background:#fff}
.level-low{color:#1a7f37}.level-medium{color:#9a6700}.level-high{color:#bc4c00}.level-critical{color:#cf222e}
footer{margin-top:2rem;color:#57606a;font-size:.8rem}
";

/// The Gantt chart of a plan that schedules nothing.
pub const EMPTY_GANTT_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"40\"><text x=\"10\" y=\"25\">nothing to schedule</text></svg>\n";

/// Above this many tasks, `report.html` folds the Gantt chart behind a summary line.
pub const GANTT_FOLD_TASKS: usize = 40;

/// The report as one self-contained HTML5 file (`report.html`).
pub fn render_html(input: &ReportInput<'_>) -> String {
    let envs = env_columns(input);
    let title = title(input);
    let mut t = String::new();
    t.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    t.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(t, "<title>{}</title>", esc(&title));
    let _ = writeln!(t, "<style>\n{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(t, "<h1>{}</h1>", esc(&title));
    let level = input.plan.risk.level.to_string();
    for (title, blocks) in sections(input) {
        let id = title.to_lowercase().replace(' ', "-");
        let _ = writeln!(t, "<section id=\"{id}\">\n<h2>{}</h2>", esc(title));
        for (i, block) in blocks.into_iter().enumerate() {
            match block {
                Block::Para(p) if title == "Risk" && i == 0 => {
                    let _ = writeln!(
                        t,
                        "<p class=\"level-{}\"><strong>{}</strong></p>",
                        esc(&level),
                        esc(&p)
                    );
                }
                Block::Para(p) => {
                    let _ = writeln!(t, "<p>{}</p>", esc(&p));
                }
                Block::List(items) => {
                    t.push_str("<ul>\n");
                    for item in items {
                        let _ = writeln!(t, "<li>{}</li>", esc(&item));
                    }
                    t.push_str("</ul>\n");
                }
                Block::Table(table) => {
                    // A long task table is folded like the chart above it.
                    let fold = title == "Schedule" && table.rows.len() > GANTT_FOLD_TASKS;
                    if fold {
                        let _ = writeln!(
                            t,
                            "<details><summary>Task table: {} tasks (open)</summary>",
                            table.rows.len()
                        );
                    }
                    t.push_str("<table>\n<thead><tr>");
                    for h in header_cells(&table, &envs) {
                        let _ = write!(t, "<th>{}</th>", esc(&h));
                    }
                    t.push_str("</tr></thead>\n<tbody>\n");
                    for row in &table.rows {
                        t.push_str("<tr>");
                        for c in row {
                            let _ = write!(t, "<td>{}</td>", esc(c));
                        }
                        t.push_str("</tr>\n");
                    }
                    t.push_str("</tbody>\n</table>\n");
                    if fold {
                        t.push_str("</details>\n");
                    }
                }
                Block::Gantt => {
                    // A large schedule stays readable: the chart is folded behind a summary
                    // line, opened on demand.
                    let tasks = input.plan.schedule.tasks.len();
                    let fold = tasks > GANTT_FOLD_TASKS;
                    if let (true, Some(summary)) = (fold, &input.gantt_summary_svg) {
                        t.push_str("<p>One row per component; open the full chart below for each task.</p>\n");
                        t.push_str("<div class=\"gantt\">\n");
                        t.push_str(inline_svg(summary));
                        t.push_str("</div>\n");
                    }
                    if fold {
                        let _ = writeln!(
                            t,
                            "<details><summary>Gantt chart: {tasks} tasks, {} h (open)</summary>",
                            input.plan.schedule.makespan_hours
                        );
                    }
                    t.push_str("<div class=\"gantt\">\n");
                    t.push_str(inline_svg(&input.gantt_svg));
                    t.push_str("</div>\n");
                    if fold {
                        t.push_str("</details>\n");
                    }
                }
            }
        }
        t.push_str("</section>\n");
    }
    let _ = writeln!(
        t,
        "<footer>Generated by relman {} from plan digest sha256:{}.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        esc(&input.plan.change_request.digest)
    );
    t
}

/// The SVG element of an SVG document, without an XML declaration or doctype.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_critical_path_is_shown_by_its_ends() {
        let short: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
        assert_eq!(
            critical_path_line(&short),
            format!("Critical path: {}.", short.join(" → "))
        );
        let long: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        assert_eq!(
            critical_path_line(&long),
            "Critical path (40 tasks, all marked in the task table): t0 → t1 → t2 → t3 → t4 → t5 → … → t37 → t38 → t39."
        );
    }

    #[test]
    fn escapes_html_and_markdown() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(md("a|b *c* `d`\nx"), "a\\|b \\*c\\* \\`d\\` x");
    }

    #[test]
    fn inline_svg_drops_the_declaration() {
        assert_eq!(
            inline_svg("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
        );
    }
}
