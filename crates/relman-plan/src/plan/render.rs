//! The plan as text (the default output) and as Markdown (`release-plan.md`).

use std::fmt::Write as _;

use relman_model::text::{escape_control, escape_markdown};

use super::model::{PlanEvidence, ReleaseNotes, ReleasePlan};

/// The plan as text, as `relman plan` prints it; control characters escaped
/// ([`escape_control`]).
pub fn render_text(plan: &ReleasePlan) -> String {
    let b = plan;
    let mut t = String::new();
    let _ = writeln!(t, "Release plan for {} at {}", b.repository, short(&b.head));
    let _ = writeln!(t, "configuration: {}", b.config);
    let _ = writeln!(t, "\nComponents:");
    for c in &b.components {
        let _ = writeln!(
            t,
            "  {:<20} {:>10} -> {:<10} {:<8} {} changes{}",
            c.name,
            c.current.as_deref().unwrap_or("(none)"),
            if c.release { c.next.as_str() } else { "-" },
            c.bump,
            c.changes,
            if c.first_release && c.release {
                " (first release)"
            } else {
                ""
            }
        );
        for r in &c.reasons {
            let _ = writeln!(t, "      {r}");
        }
        let rank = |b: &str| match b {
            "major" => 0,
            "minor" => 1,
            "patch" => 2,
            _ => 3,
        };
        let mut evidence: Vec<&PlanEvidence> = c.evidence.iter().collect();
        evidence.sort_by_key(|e| rank(&e.bump));
        for e in evidence.iter().take(3) {
            let _ = writeln!(t, "      {:<6} {} {}", e.bump, short(&e.commit), e.summary);
        }
        if c.evidence.len() > 3 {
            let _ = writeln!(t, "      ... {} more", c.evidence.len() - 3);
        }
        for p in &c.propagated {
            let _ = writeln!(t, "      propagated: {p}");
        }
    }
    let _ = writeln!(t, "\nPropagation: {}", b.propagation);
    let _ = writeln!(t, "Waves:");
    for (i, w) in b.waves.iter().enumerate() {
        let _ = writeln!(t, "  {}: {}", i + 1, w.join(", "));
    }
    let _ = writeln!(t, "\nRisk: {} ({})", b.risk.level, b.risk.score);
    for r in &b.risk.reasons {
        let _ = writeln!(t, "  - {r}");
    }
    let _ = writeln!(t, "Mitigations:");
    for m in &b.risk.mitigations {
        let _ = writeln!(t, "  - {m}");
    }
    let _ = writeln!(
        t,
        "\nSchedule: {} h{}",
        b.schedule.makespan_hours,
        b.schedule
            .finish
            .map(|f| format!(", ends {}", f.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default()
    );
    for task in &b.schedule.tasks {
        let _ = writeln!(
            t,
            "  {} {:<36} {} -> {}",
            if task.critical { "*" } else { " " },
            task.id,
            task.start.format("%Y-%m-%d %H:%M"),
            task.finish.format("%Y-%m-%d %H:%M")
        );
    }
    if !b.schedule.critical_path.is_empty() {
        let _ = writeln!(
            t,
            "critical path: {}",
            b.schedule.critical_path.join(" -> ")
        );
    }
    let cr = &plan.change_request;
    let _ = writeln!(
        t,
        "\nChange request {} ({}, {}): {}\n  plan digest sha256:{}, {} approval(s) required",
        cr.id, cr.kind, cr.state, cr.title, cr.digest, cr.approvals_required
    );
    // Commit summaries reach the terminal: no escape sequence gets through.
    escape_control(&t).into_owned()
}

/// The plan as Markdown (`release-plan.md`).
pub fn render_markdown(plan: &ReleasePlan) -> String {
    let b = plan;
    let out = plan;
    let mut t = String::new();
    let _ = writeln!(t, "# Release plan\n");
    let _ = writeln!(
        t,
        "Repository {} at `{}`; configuration: {}; schedule starts {}.\n",
        code(&b.repository),
        short(&b.head),
        e(&b.config),
        b.start.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(t, "## Components\n");
    let _ = writeln!(t, "| Component | Current | Next | Bump | Changes |");
    let _ = writeln!(t, "|---|---|---|---|---|");
    for c in &b.components {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} |",
            e(&c.name),
            c.current.as_deref().unwrap_or("-"),
            if c.release { c.next.as_str() } else { "-" },
            c.bump,
            c.changes
        );
    }
    let _ = writeln!(t, "\nPropagation policy: `{}`.\n", b.propagation);
    let _ = writeln!(t, "## Waves\n");
    for (i, w) in b.waves.iter().enumerate() {
        let _ = writeln!(t, "{}. {}", i + 1, e(&w.join(", ")));
    }
    let _ = writeln!(t, "\n## Risk: {} ({})\n", b.risk.level, b.risk.score);
    for r in &b.risk.reasons {
        let _ = writeln!(t, "- {}", e(r));
    }
    let _ = writeln!(t, "\nMitigations:\n");
    for m in &b.risk.mitigations {
        let _ = writeln!(t, "- {}", e(m));
    }
    let _ = writeln!(t, "\n## Schedule ({} h)\n", b.schedule.makespan_hours);
    let _ = writeln!(t, "| Task | Start | Finish | Critical |");
    let _ = writeln!(t, "|---|---|---|---|");
    for task in &b.schedule.tasks {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} |",
            e(&task.id),
            task.start.format("%Y-%m-%d %H:%M"),
            task.finish.format("%Y-%m-%d %H:%M"),
            if task.critical { "yes" } else { "" }
        );
    }
    let cr = &out.change_request;
    let _ = writeln!(
        t,
        "\n## Change request {}\n\n- kind: {}\n- state: {}\n- title: {}\n- plan digest: `sha256:{}`\n- approvals required: {}\n",
        e(&cr.id),
        cr.kind,
        e(&cr.state),
        e(&cr.title),
        e(&cr.digest),
        cr.approvals_required
    );
    let _ = writeln!(t, "## Changelog preview\n");
    for c in b.components.iter().filter(|c| c.release) {
        let _ = writeln!(t, "### {}\n", e(&c.name));
        // Demote the release's headings below the component's.
        for line in c.changelog.lines() {
            if line.starts_with('#') {
                let _ = writeln!(t, "##{line}");
            } else {
                let _ = writeln!(t, "{line}");
            }
        }
        let _ = writeln!(t);
    }
    t
}

/// Text from the plan's inputs (names, titles, reasons) as Markdown that shows it as written,
/// `|` escaped too so that it stays in its table cell.
fn e(text: &str) -> String {
    escape_markdown(text).replace('|', "\\|")
}

/// `text` as a code span, or as escaped text when it holds a backtick.
fn code(text: &str) -> String {
    if text.contains('`') {
        e(text)
    } else {
        format!("`{}`", escape_control(text))
    }
}

/// The first 10 characters of a commit id.
pub fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

/// `release-notes.md`: the forge release body of each released component under its own
/// heading, the release's `###` sections below it.
pub fn render_release_notes(notes: &[ReleaseNotes]) -> String {
    let mut t = String::from("# Release notes\n");
    if notes.is_empty() {
        t.push_str("\nNo component is released.\n");
    }
    for n in notes {
        let _ = write!(
            t,
            "\n## {} {}\n\nTag: {}\n\n",
            e(&n.component),
            e(&n.version),
            code(&n.tag)
        );
        let body = n.body.trim_end();
        if body.is_empty() {
            t.push_str("No notable changes.\n");
        } else {
            t.push_str(body);
            t.push('\n');
        }
    }
    t
}
