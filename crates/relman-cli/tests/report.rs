//! `relman report` and the reports of `relman plan --output` end to end, on a hand-built
//! workspace (two components, one released, a hostile commit summary) with an environment store
//! written by `relman env`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use relman_test_support::GitHistory;

mod common;

const START: &str = "2026-12-01T09:00:00Z";
const HOSTILE: &str = "fix(a): escape <script>alert(\"x\")</script> & 'quotes' | pipes";

/// [`common::released_workspace`], then a fix in `a` with a hostile summary (2026-01-03).
fn workspace() -> GitHistory {
    let mut history = common::released_workspace();
    history.commit(
        HOSTILE,
        &[(
            "crates/a/src/lib.rs",
            "pub fn a() {}\npub fn c() { let _ = 1; }\n",
        )],
    );
    history
}

fn relman(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .output()
        .expect("relman runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// An environment store with `a 1.2.0` in production, `b 2.0.0` failed in staging and an
/// approval of `digest`.
fn store(dir: &Path, digest: &str) -> PathBuf {
    let state = dir.join("state");
    let s = path(&state);
    ok(relman(&[
        "env",
        "init",
        "--state",
        s,
        "--environments",
        "dev,staging,production",
    ]));
    for (env, component, version, outcome) in [
        ("production", "a", "1.2.0", "succeed"),
        ("staging", "b", "2.0.0", "fail"),
    ] {
        ok(relman(&[
            "env",
            "deploy",
            "--state",
            s,
            "--env",
            env,
            "--component",
            component,
            "--version",
            version,
            "--break-glass",
            "test fixture",
        ]));
        ok(relman(&[
            "env",
            outcome,
            "--state",
            s,
            "--env",
            env,
            "--component",
            component,
            "--version",
            version,
        ]));
    }
    ok(relman(&[
        "env",
        "approve",
        "--state",
        s,
        "--release",
        "r1",
        "--env",
        "production",
        "--digest",
        digest,
        "--by",
        "bob",
    ]));
    state
}

/// Well-formedness and self-containment of a report's HTML; returns the inline SVG.
/// The digest of the plan at `START` and a store (see [`store`]) that approved it.
fn planned_store(dir: &Path, repo: &Path) -> (String, PathBuf) {
    let plan: serde_json::Value = serde_json::from_str(&ok(relman(&[
        "plan",
        "--repo",
        path(repo),
        "--start",
        START,
        "--format",
        "json",
    ])))
    .expect("plan json");
    let digest = plan["change_request"]["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    let state = store(dir, &digest);
    (digest, state)
}

fn check_html(html: &str) -> String {
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{html}"
    );
    assert!(html.trim_end().ends_with("</html>"), "{html}");
    assert_eq!(html.matches("<html").count(), 1);
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<style>"), "CSS is inline");
    // Self-contained: no scripts, no stylesheets or images fetched, no external references.
    for forbidden in ["<script", "<link", "<img", "<iframe", "@import"] {
        assert!(!html.contains(forbidden), "{forbidden} in the report");
    }
    let lower = html.to_lowercase();
    for attr in ["src=", "href=", "url("] {
        for (i, _) in lower.match_indices(attr) {
            let rest = lower[i + attr.len()..].trim_start_matches(['"', '\'']);
            assert!(
                rest.starts_with('#'),
                "external reference at byte {i}: {}",
                &html[i..(i + 60).min(html.len())]
            );
        }
    }
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_ns.contains("http://") && !without_ns.contains("https://"),
        "an URL in the report"
    );
    // The Gantt chart is inline and well-formed XML.
    let from = html.find("<svg").expect("an inline <svg>");
    let to = html.rfind("</svg>").expect("</svg>") + "</svg>".len();
    let svg = &html[from..to];
    let mut reader = quick_xml::Reader::from_str(svg);
    let (mut elements, mut rects) = (0, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                elements += 1;
                if e.name().as_ref() == "rect" {
                    rects += 1;
                }
            }
            Ok(_) => {}
            Err(e) => panic!("the inline SVG is not well-formed XML: {e}"),
        }
    }
    assert!(elements > 10 && rects > 5, "{svg}");
    svg.to_owned()
}

fn check_markdown(md: &str) {
    let title = md.lines().next().unwrap_or_default();
    assert!(
        title.starts_with("# Release 2026-12-")
            && title.contains(": 2 components, risk ")
            && title.ends_with(" of 1 approvals"),
        "{md}"
    );
    assert!(md.contains("| a | 1.3.0 | 1.2.0 |"), "what ships: {md}");
    assert!(!md.contains("/tmp/"), "no absolute paths: {md}");
    let mut last = 0;
    for section in [
        "## What ships",
        "## Plan",
        "## Risk",
        "## Quality gates",
        "## Approvals",
        "## Environments",
        "## Schedule",
    ] {
        let at = md
            .find(&format!("\n{section}\n"))
            .unwrap_or_else(|| panic!("{section} missing: {md}"));
        assert!(at > last, "{section} out of order");
        last = at;
    }
    assert!(
        md.contains("| a | 1.2.0 | 1.3.0 | minor | 2 | a-v1.3.0 |"),
        "{md}"
    );
    // b depends on a: released with it (patch) after it.
    assert!(
        md.contains("| b | 2.0.0 | 2.0.1 | patch | 0 | b-v2.0.1 |"),
        "{md}"
    );
    assert!(md.contains("- wave 1: a\n- wave 2: b"), "{md}");
    assert!(
        md.contains("| a 1.3.0 | quality gates | no verdict recorded |"),
        "{md}"
    );
    assert!(md.contains("Score "), "{md}");
}

#[test]
fn report_with_an_environment_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = workspace();
    let repo = history.path();
    let (digest, state) = planned_store(dir.path(), repo);

    let md = ok(relman(&[
        "report",
        "--repo",
        path(repo),
        "--store",
        path(&state),
        "--start",
        START,
    ]));
    check_markdown(&md);
    // What runs where, from the store, environments in promotion order.
    assert!(
        md.contains("| Component | Planned next | dev | staging | production |"),
        "{md}"
    );
    assert!(
        md.contains("| a | 1.3.0 | - | - | 1.2.0 (succeeded) |"),
        "{md}"
    );
    assert!(
        md.contains("| b | 2.0.1 | - | 2.0.0 (failed) | - |"),
        "{md}"
    );
    // The approval of this plan's digest is recognised.
    assert!(md.contains("| r1 | production | bob |"), "{md}");
    assert!(md.contains(&format!("| {digest} | yes |")), "{md}");
    // Markdown escapes what would break a table or become markup.
    assert!(md.contains("\\<script\\>"), "{md}");
    assert!(md.contains("\\| pipes"), "{md}");

    let html_file = dir.path().join("report.html");
    let stdout = ok(relman(&[
        "report",
        "--repo",
        path(repo),
        "--store",
        path(&state),
        "--start",
        START,
        "--format",
        "html",
        "--output",
        path(&html_file),
    ]));
    assert!(stdout.is_empty(), "{stdout}");
    let html = std::fs::read_to_string(&html_file).expect("report.html");
    let svg = check_html(&html);
    assert!(svg.contains("deploy-production-a"), "{svg}");
    // All text is escaped: the hostile summary shows as text, never as markup.
    assert!(
        html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;"),
        "{html}"
    );
    assert!(html.contains("<td>2.0.0 (failed)</td>"), "{html}");
}

#[test]
fn plan_output_writes_both_reports_without_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = workspace();
    let repo = history.path();
    let out = dir.path().join("out");
    ok(relman(&[
        "plan",
        "--repo",
        path(repo),
        "--start",
        START,
        "--output",
        path(&out),
    ]));
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    check_markdown(&md);
    assert!(md.contains("No environment store given"), "{md}");
    assert!(md.contains("No approval is recorded"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let svg = check_html(&html);
    // The inline chart is the same chart as gantt.svg.
    let gantt = std::fs::read_to_string(out.join("gantt.svg")).expect("gantt.svg");
    assert_eq!(
        svg.trim_end(),
        gantt[gantt.find("<svg").expect("svg")..].trim_end()
    );
    // And `relman report` renders the same report as the plan's file.
    let report = ok(relman(&["report", "--repo", path(repo), "--start", START]));
    assert_eq!(report, md);
}

#[test]
fn report_refuses_a_missing_store_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = workspace();
    let repo = history.path();
    let missing = dir.path().join("nope");
    let out = relman(&["report", "--repo", path(repo), "--store", path(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--store"), "{stderr}");
    assert!(stderr.contains("no such directory"), "{stderr}");
}

#[test]
fn a_report_with_nothing_to_release_is_still_complete() {
    let mut history = common::one_package("done", "1.0.0", "");
    history.commit("feat: all of it", &[]);
    history.tag("v1.0.0");
    let repo = history.path();
    let md = ok(relman(&["report", "--repo", path(repo), "--start", START]));
    assert!(
        md.starts_with("# Release 2026-12-01: nothing to release\n"),
        "{md}"
    );
    assert!(md.contains("- nothing to release\n"), "{md}");
    assert!(
        md.contains("Nothing is released, so no gate applies."),
        "{md}"
    );
    assert!(md.contains("Nothing to schedule."), "{md}");
    let html = ok(relman(&[
        "report",
        "--repo",
        path(repo),
        "--start",
        START,
        "--format",
        "html",
    ]));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("nothing to schedule</text></svg>"), "{html}");
    for section in [
        "plan",
        "risk",
        "quality-gates",
        "approvals",
        "environments",
        "schedule",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
}

#[test]
fn plan_output_with_a_store_writes_the_same_report_as_relman_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = workspace();
    let repo = history.path();
    let (digest, state) = planned_store(dir.path(), repo);
    let out = dir.path().join("out");
    ok(relman(&[
        "plan",
        "--repo",
        path(repo),
        "--start",
        START,
        "--output",
        path(&out),
        "--store",
        path(&state),
    ]));
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    check_markdown(&md);
    assert!(
        md.contains("| b | 2.0.1 | - | 2.0.0 (failed) | - |"),
        "{md}"
    );
    assert!(md.contains(&format!("| {digest} | yes |")), "{md}");
    let report = ok(relman(&[
        "report",
        "--repo",
        path(repo),
        "--store",
        path(&state),
        "--start",
        START,
    ]));
    assert_eq!(report, md);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    check_html(&html);
    assert!(html.contains("<td>2.0.0 (failed)</td>"), "{html}");

    // --store only feeds the written reports, so it needs --output.
    let refused = relman(&["plan", "--repo", path(repo), "--store", path(&state)]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--output"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn report_takes_the_manifest_path_of_relman_plan() {
    let history = workspace();
    let repo = history.path();
    let default = ok(relman(&["report", "--repo", path(repo), "--start", START]));
    let explicit = ok(relman(&[
        "report",
        "--repo",
        path(repo),
        "--manifest-path",
        "Cargo.toml",
        "--start",
        START,
    ]));
    assert_eq!(explicit, default);
    let missing = relman(&[
        "report",
        "--repo",
        path(repo),
        "--manifest-path",
        "nope/Cargo.toml",
        "--start",
        START,
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("nope/Cargo.toml"), "{stderr}");
}

#[test]
fn report_on_a_saved_plan_finds_its_approval_later_and_refuses_an_edited_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = workspace();
    let repo = history.path();
    let (digest, state) = planned_store(dir.path(), repo);
    // The plan is saved at another start time: the digest is the same.
    let out = dir.path().join("out");
    ok(relman(&[
        "plan",
        "--repo",
        path(repo),
        "--start",
        "2026-12-03T15:30:00Z",
        "--output",
        path(&out),
    ]));
    let file = out.join("release-plan.json");
    let md = ok(relman(&[
        "report",
        "--repo",
        path(repo),
        "--plan",
        path(&file),
        "--store",
        path(&state),
    ]));
    check_markdown(&md);
    assert!(md.contains(&format!("| {digest} | yes |")), "{md}");

    // A hand-edited plan keeps its old digest: refused, naming both digests.
    let text = std::fs::read_to_string(&file).expect("plan");
    let edited = text.replacen("\"next\": \"1.3.0\"", "\"next\": \"1.4.0\"", 1);
    assert_ne!(edited, text, "the plan releases a 1.3.0");
    std::fs::write(&file, edited).expect("write");
    let out = relman(&["report", "--plan", path(&file)]);
    assert_eq!(out.status.code(), Some(1), "an edited plan is refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("but the plan says {digest}")),
        "{stderr}"
    );
    let out = relman(&[
        "change",
        "new",
        "--state",
        path(&state),
        "--plan",
        path(&file),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("content has digest"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
