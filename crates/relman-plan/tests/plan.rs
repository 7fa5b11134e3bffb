//! The release plan from an in-memory history: its JSON schema pinned by a golden file, and
//! its content digest (independent of where and when the plan is made, sensitive to what it
//! plans).

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{History, depends, member, units};
use proptest::prelude::*;
use relman_model::Revision;
use relman_plan::config::Config;
use relman_plan::plan::{PlanOptions, ReadPlanError, ReleasePlan, plan};

/// A workspace `core` ← `cli` with released tags and new work in both.
fn history() -> History {
    let mut h = History::new();
    h.commit("feat(core): parse", "crates/core/src/lib.rs")
        .tag("core-v0.1.0");
    h.commit("feat(cli): run", "crates/cli/src/main.rs")
        .tag("cli-v0.1.0");
    h.commit("fix(core): off by one", "crates/core/src/lib.rs");
    h.commit("feat(cli)!: new flags", "crates/cli/src/main.rs");
    h.commit("docs: readme", "README.md");
    h
}

fn make(repository: &str, start_offset_minutes: i64) -> ReleasePlan {
    make_with(&Config::default(), repository, start_offset_minutes)
}

fn make_with(config: &Config, repository: &str, start_offset_minutes: i64) -> ReleasePlan {
    let h = history();
    let members = [
        member("core", "0.1.0"),
        depends(member("cli", "0.1.0"), "core", "^0.1"),
    ];
    let u = units(config, &members, &h);
    let start = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("a valid time")
        + Duration::minutes(start_offset_minutes);
    let mut options = PlanOptions::new(start, Revision::head(), "c0005");
    options.repository = repository.to_owned();
    options.config_source = format!("{repository}/relman.toml");
    plan(&h.memory, &u, config, &options).expect("planned").plan
}

#[test]
fn the_draft_needs_the_approvals_of_the_policy_for_the_plan_risk() {
    let default = make("/repo", 0);
    assert_eq!(
        default.change_request.approvals_required,
        relman_model::ApprovalPolicy::default().minimum(default.risk.level)
    );
    let strict: Config =
        toml::from_str("[approvals]\nlow = 3\nmedium = 3\nhigh = 4\ncritical = 4\n")
            .expect("valid");
    let p = make_with(&strict, "/repo", 0);
    assert!(
        p.change_request.approvals_required >= 3,
        "{:?}",
        p.change_request
    );
    assert_eq!(
        p.digest, default.digest,
        "the approval rule is not the plan's content"
    );
    let lax: Config = toml::from_str("[approvals]\nlow = 0\nmedium = 0\n").expect("valid");
    assert_eq!(
        lax.approval_policy(),
        relman_model::ApprovalPolicy::default()
    );
    let err = toml::from_str::<Config>("[approvals]\nhihg = 2\n").expect_err("unknown key");
    assert!(err.to_string().contains("hihg"), "{err}");
}

#[test]
fn the_plan_json_matches_the_golden_file() {
    let plan = make("/work/checkout", 0);
    let json = serde_json::to_string_pretty(&plan).expect("serialized") + "\n";
    let golden = include_str!("golden/release-plan.json");
    if json != golden {
        // For a deliberate change: copy this file over tests/golden/release-plan.json.
        let actual = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("release-plan.json");
        std::fs::write(&actual, &json).expect("write the actual plan");
    }
    assert_eq!(
        json, golden,
        "release-plan.json changed: if on purpose, bump SCHEMA_VERSION when a field changes \
         meaning and update tests/golden/release-plan.json"
    );
    // And it reads back, verified.
    let read = ReleasePlan::from_json(&json).expect("a valid plan");
    assert_eq!(read, plan);
}

#[test]
fn the_plan_decides_each_unit() {
    let plan = make("/x", 0);
    let by = |name: &str| {
        plan.components
            .iter()
            .find(|c| c.name == name)
            .expect("a component")
    };
    assert_eq!(
        (by("core").next.as_str(), by("core").bump.as_str()),
        ("0.1.1", "patch")
    );
    // 0.y.z breaking change: the minor version (Cargo's rule; no history to learn from).
    assert_eq!(
        (by("cli").next.as_str(), by("cli").bump.as_str()),
        ("0.2.0", "minor")
    );
    assert_eq!(
        plan.waves,
        [vec!["core".to_owned()], vec!["cli".to_owned()]]
    );
    assert_eq!(plan.change_request.digest, plan.digest);
    assert_eq!(plan.change_request.id, format!("CR-{}", &plan.digest[..8]));
}

#[test]
fn an_edited_plan_fails_verification_naming_both_digests() {
    let plan = make("/x", 0);
    let json = serde_json::to_string(&plan).expect("serialized");
    let edited = json.replace("\"next\":\"0.1.1\"", "\"next\":\"0.1.2\"");
    assert_ne!(edited, json);
    match ReleasePlan::from_json(&edited) {
        Err(ReadPlanError::DigestMismatch { recorded, actual }) => {
            assert_eq!(recorded, plan.digest);
            assert_ne!(actual, plan.digest);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    let old = json.replace("\"schema_version\":2", "\"schema_version\":1");
    assert!(matches!(
        ReleasePlan::from_json(&old),
        Err(ReadPlanError::SchemaVersion { found: 1, .. })
    ));
    assert!(matches!(
        ReleasePlan::from_json("{\"schema_version\": 2,"),
        Err(ReadPlanError::Syntax { line: 1, .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The digest does not depend on where the repository is checked out or when the plan
    /// is made.
    #[test]
    fn the_digest_ignores_the_checkout_and_the_clock(
        path in "/[a-z]{1,12}(/[a-z0-9._-]{1,12}){0,3}",
        minutes in 0i64..100_000,
    ) {
        let base = make("/work/checkout", 0);
        let other = make(&path, minutes);
        prop_assert_eq!(&other.digest, &base.digest);
        prop_assert_eq!(other.verify().is_ok(), true);
    }

    /// Any change to a planned version, a change's evidence or a task changes the digest.
    #[test]
    fn the_digest_changes_with_any_planned_version_change_or_task(
        which in 0usize..5,
        n in 1i64..50,
    ) {
        let base = make("/x", 0);
        let mut edited = base.clone();
        match which {
            0 => edited.components[0].next = format!("9.{n}.0"),
            1 => edited.components[1].evidence[0].summary = format!("fix: other {n}"),
            2 => edited.components[0].changes += usize::try_from(n).expect("small"),
            3 => edited.schedule.tasks[0].hours += n,
            _ => edited.schedule.tasks[1].offset_hours += n,
        }
        prop_assert_ne!(edited.content_digest(), base.digest.clone());
        prop_assert_eq!(edited.verify().is_err(), true);
    }
}

#[test]
fn the_report_names_the_release_in_one_line_and_folds_a_large_chart() {
    use relman_plan::report::{GANTT_FOLD_TASKS, ReportInput, render_html, render_markdown};
    let plan = make("/work/checkout", 0);
    let input = ReportInput::new(
        &plan,
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".into(),
        None,
    );
    let md = render_markdown(&input);
    let title = md.lines().next().expect("a title");
    assert!(
        title.starts_with("# Release 2026-12-01: 2 components, risk ")
            && title.ends_with(" of 1 approvals"),
        "{title}"
    );
    assert!(md.contains("\n## What ships\n"), "{md}");
    assert!(!md.contains("/work/checkout"), "no absolute path: {md}");
    assert!(!render_html(&input).contains("<details>"));

    let mut large = plan.clone();
    let task = large.schedule.tasks[0].clone();
    large.schedule.tasks = vec![task; GANTT_FOLD_TASKS + 1];
    let input = ReportInput::new(
        &large,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"full\"/>".into(),
        None,
    )
    .with_gantt_summary("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"summary\"/>".into());
    let html = render_html(&input);
    let details = html
        .find(&format!(
            "<details><summary>Gantt chart: {} tasks",
            GANTT_FOLD_TASKS + 1
        ))
        .unwrap_or_else(|| panic!("a folded chart: {html}"));
    let summary = html.find("id=\"summary\"").expect("the summary chart");
    let full = html.find("id=\"full\"").expect("the full chart");
    assert!(summary < details && details < full, "{html}");
    assert!(
        html.contains(&format!(
            "<details><summary>Task table: {} tasks",
            GANTT_FOLD_TASKS + 1
        )),
        "{html}"
    );
}

/// The Gantt chart is grouped by release wave and component: headings and task rows when
/// expanded, one row per component when collapsed.
#[test]
fn the_gantt_chart_is_grouped_by_wave_and_component() {
    use relman_graph::GanttLayout;
    let h = history();
    let members = [
        member("core", "0.1.0"),
        depends(member("cli", "0.1.0"), "core", "^0.1"),
    ];
    let config = Config::default();
    let u = units(&config, &members, &h);
    let start = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("a valid time");
    let options = PlanOptions::new(start, Revision::head(), "c0005");
    let built = plan(&h.memory, &u, &config, &options).expect("planned");
    let expanded = built.gantt_svg(GanttLayout::Expanded);
    let at = |svg: &str, text: &str| {
        svg.find(&format!(">{text}</text>"))
            .unwrap_or_else(|| panic!("{text} missing: {svg}"))
    };
    let order = [
        "release approval",
        "approve",
        "wave 1 · core",
        "build-core",
        "deploy-production-core",
        "wave 2 · cli",
        "build-cli",
        "deploy-production-cli",
    ];
    let positions: Vec<usize> = order.iter().map(|t| at(&expanded, t)).collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "{expanded}");
    let collapsed = built.gantt_svg(GanttLayout::Collapsed);
    assert!(!collapsed.contains(">build-core</text>"), "{collapsed}");
    at(&collapsed, "wave 2 · cli");
    // Every task keeps its bar in both layouts.
    assert_eq!(
        collapsed.matches("<rect x=").count(),
        expanded.matches("<rect x=").count()
    );
}

/// By default nothing is scheduled outside weekday working hours (09:00 to 17:00 UTC);
/// `around_the_clock` schedules continuously with the same working-time offsets.
#[test]
fn tasks_run_in_working_hours_unless_asked() {
    use chrono::{Datelike, Timelike, Weekday};
    // A Friday afternoon start: the approval runs over the weekend in working time.
    let friday = 3 * 24 * 60 + 6 * 60; // 2026-12-04 15:00
    let plan = make("/repo", friday);
    assert_eq!(plan.start.weekday(), Weekday::Fri);
    for t in &plan.schedule.tasks {
        for (at, what) in [(t.start, "start"), (t.finish, "finish")] {
            assert!(
                !matches!(at.weekday(), Weekday::Sat | Weekday::Sun),
                "{} {what}s at the weekend: {at}",
                t.id
            );
            let minutes = at.hour() * 60 + at.minute();
            assert!(
                (9 * 60..=17 * 60).contains(&minutes),
                "{} {what}s outside working hours: {at}",
                t.id
            );
        }
    }
    let production = plan
        .schedule
        .tasks
        .iter()
        .find(|t| t.id == "deploy-production-core")
        .expect("a production deploy");
    assert!(production.start.date_naive() > plan.start.date_naive());

    let always: Config = toml::from_str("[pipeline]\naround_the_clock = true\n").expect("valid");
    let continuous = make_with(&always, "/repo", friday);
    for (a, b) in plan.schedule.tasks.iter().zip(&continuous.schedule.tasks) {
        assert_eq!(
            (&a.id, a.offset_hours, a.hours),
            (&b.id, b.offset_hours, b.hours)
        );
        assert_eq!(b.start, continuous.start + Duration::hours(b.offset_hours));
    }
    let last = continuous.schedule.finish.expect("a finish");
    assert_eq!(
        last,
        continuous.start + Duration::hours(continuous.schedule.makespan_hours)
    );
}
