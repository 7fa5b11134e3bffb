//! The files of `relman plan --output DIR`.

use std::path::Path;

use anyhow::Context as _;
use relman_env::EnvState;

use relman_graph::GanttLayout;
use relman_plan::plan::PlannedRelease;
use relman_plan::plan::render::render_release_notes;
use relman_plan::report::{self, ReportInput};

/// Writes `release-plan.md`, `release-plan.json`, `gantt.svg`, `gantt.mmd`, `release.ics` and
/// `release-notes.md`, `report.md` and `report.html` to `dir` (created if missing); `json` and
/// `markdown` are the plan already rendered; `env`, when a store was read, feeds the reports'
/// environment, approval and gate sections.
pub(super) fn write_files(
    dir: &Path,
    built: &PlannedRelease,
    json: &str,
    markdown: &str,
    env: Option<&EnvState>,
) -> anyhow::Result<()> {
    let out = &built.plan;
    let scheduled = built.scheduled.as_ref();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let title = out.change_request.title.clone();
    let start = out.start;
    let svg = built.gantt_svg(GanttLayout::Expanded);
    let (mmd, ics) = match scheduled {
        Some(s) => (
            relman_graph::to_mermaid(&s.plan, &s.schedule, &s.scale, &title),
            // UIDs under the plan's digest: the next release's events never overwrite these,
            // and planning the same release again updates them instead of adding copies.
            relman_graph::to_ics(
                &s.plan,
                &s.schedule,
                &s.scale,
                start,
                &format!(
                    "{}.plan.relman.invalid",
                    out.digest.get(..16).unwrap_or(&out.digest)
                ),
            ),
        ),
        None => (empty_mermaid(&title), empty_ics()),
    };
    let notes = render_release_notes(&built.notes);
    let report = ReportInput::new(out, svg.clone(), env)
        .with_gantt_summary(built.gantt_svg(GanttLayout::Collapsed));
    let report_md = report::render_markdown(&report);
    let report_html = report::render_html(&report);
    for (name, text) in [
        ("release-plan.md", markdown),
        ("release-plan.json", json),
        ("gantt.svg", svg.as_str()),
        ("gantt.mmd", mmd.as_str()),
        ("release.ics", ics.as_str()),
        ("release-notes.md", notes.as_str()),
        ("report.md", report_md.as_str()),
        ("report.html", report_html.as_str()),
    ] {
        let path = dir.join(name);
        relman_release::fs::write_atomic(&path, text)?;
    }
    eprintln!(
        "wrote release-plan.md, release-plan.json, gantt.svg, gantt.mmd, release.ics, release-notes.md, report.md and report.html to {}",
        dir.display()
    );
    Ok(())
}

fn empty_mermaid(title: &str) -> String {
    format!("gantt\n    title {title}\n    dateFormat YYYY-MM-DDTHH:mm\n")
}

fn empty_ics() -> String {
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relman//relman-cli//EN\r\nEND:VCALENDAR\r\n"
        .to_owned()
}
