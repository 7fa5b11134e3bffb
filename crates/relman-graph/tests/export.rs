//! Golden-file tests of the exporters. Set `UPDATE_GOLDEN=1` to rewrite the files after an
//! intended change, then review the diff.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use relman_graph::{
    ComponentGraph, Plan, Precedence, PrecedenceKind, Resource, ResourceId, ScheduleReport,
    SearchOptions, Shade, Task, TimeScale, TimeUnit, component_dot, component_mermaid,
    critical_tasks, search, task_dot, to_ics, to_mermaid, to_svg, verify,
};
use relman_model::{Component, Dependency, DependencyKind};

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
    }
    let expected =
        std::fs::read_to_string(&path).expect("golden file exists (run with UPDATE_GOLDEN=1)");
    assert_eq!(actual, expected, "{name} differs from its golden file");
}

fn plan() -> Plan {
    let ci: ResourceId = "ci".parse().expect("id");
    let prod: ResourceId = "prod-slot".parse().expect("id");
    let t = |id: &str, d| Task::new(id.parse().expect("id"), d);
    let e = |a: &str, b: &str| {
        Precedence::finish_to_start(a.parse().expect("id"), b.parse().expect("id"))
    };
    Plan::new(
        vec![
            t("build", 2).with_demand(ci.clone(), 1),
            t("unit-tests", 3).with_demand(ci.clone(), 1),
            t("docs", 2).with_demand(ci.clone(), 1),
            t("approve", 0),
            t("deploy-eu", 2).with_demand(prod.clone(), 1),
            t("deploy-us", 2).with_demand(prod.clone(), 1),
        ],
        vec![Resource::new(ci, 1), Resource::new(prod, 1)],
        vec![
            e("build", "unit-tests"),
            Precedence::new(
                "build".parse().expect("id"),
                "docs".parse().expect("id"),
                PrecedenceKind::StartToStart,
                1,
            ),
            e("unit-tests", "approve"),
            e("approve", "deploy-eu"),
            e("approve", "deploy-us"),
        ],
    )
    .expect("valid plan")
}

fn scale() -> TimeScale {
    TimeScale::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
            .single()
            .expect("date"),
        TimeUnit::Hour,
    )
}

#[test]
fn exporters_match_their_golden_files() {
    let plan = plan();
    let out = search(&plan, &SearchOptions::new(1, 500)).expect("no deadlines");
    assert!(verify(&plan, &out.schedule).is_empty());
    assert_eq!(out.makespan, 9);
    let crit = critical_tasks(&plan, &out.schedule);
    assert_eq!(crit.iter().filter(|&&c| c).count(), 5, "{crit:?}");
    let scale = scale();
    golden(
        "plan.mmd",
        &to_mermaid(&plan, &out.schedule, &scale, "Release 1.4"),
    );
    golden("plan.dot", &task_dot(&plan, Some(&out.schedule)));
    let freeze = Shade {
        label: "freeze <EU>".into(),
        from: 8,
        to: 9,
    };
    golden("plan.svg", &to_svg(&plan, &out.schedule, &scale, &[freeze]));
    let now = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let ics = to_ics(&plan, &out.schedule, &scale, now, "relman.example");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75 && !line.contains('\n'));
    }
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 6);
    golden("plan.ics", &ics);
    let report = ScheduleReport::new(&plan, &out.schedule, &scale);
    golden(
        "plan.json",
        &(serde_json::to_string_pretty(&report).expect("json") + "\n"),
    );
}

#[test]
fn component_dot_matches_its_golden_file() {
    let id = |s: &str| s.parse().expect("id");
    let comp = |name: &str, deps: Vec<Dependency>| {
        deps.into_iter().fold(
            Component::new(id(name), "1.2.0".parse().expect("version")),
            Component::with_dependency,
        )
    };
    let g = ComponentGraph::new(vec![
        comp(
            "model",
            vec![Dependency::new(id("testkit"), DependencyKind::Dev, None)],
        ),
        comp(
            "testkit",
            vec![Dependency::new(
                id("model"),
                DependencyKind::Normal,
                Some("^1".parse().expect("req")),
            )],
        ),
        comp(
            "graph",
            vec![Dependency::new(
                id("model"),
                DependencyKind::Normal,
                Some("^1.2".parse().expect("req")),
            )],
        ),
    ])
    .expect("valid");
    golden("components.dot", &component_dot(&g));
    golden("components.mmd", &component_mermaid(&g));
}
