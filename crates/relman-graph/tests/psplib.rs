//! PSPLIB j30 fixtures (copied from the public PSPLIB set): parse, search with a fixed
//! schedule budget, check feasibility and bounds against the published optima.

use std::path::PathBuf;

use relman_graph::{
    PriorityRule, Scheme, SearchOptions, critical_path, generate, justify, lower_bound, parse_sm,
    search, verify,
};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn fixtures() -> Vec<(String, String, i64, i64)> {
    let csv = std::fs::read_to_string(data().join("optima.csv")).expect("optima.csv");
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let text =
                std::fs::read_to_string(data().join(format!("{}.sm", f[0]))).expect("fixture");
            (
                f[0].to_owned(),
                text,
                f[1].parse().expect("cpm"),
                f[3].parse().expect("optimum"),
            )
        })
        .collect()
}

#[test]
fn fixtures_parse_with_the_published_critical_path() {
    for (name, text, cpm, _) in fixtures() {
        let plan = parse_sm(&text).expect("valid instance");
        assert_eq!(plan.tasks().len(), 32, "{name}");
        assert_eq!(plan.resources().len(), 4, "{name}");
        assert_eq!(critical_path(&plan).makespan, cpm, "{name}");
    }
}

#[test]
fn search_is_feasible_and_close_to_the_optimum() {
    let mut total_dev = 0.0;
    for (name, text, _, opt) in fixtures() {
        let plan = parse_sm(&text).expect("valid instance");
        let out = search(&plan, &SearchOptions::new(1, 3_000)).expect("no deadlines");
        assert!(verify(&plan, &out.schedule).is_empty(), "{name}");
        assert!(
            out.makespan >= opt,
            "{name}: {} below the optimum {opt}",
            out.makespan
        );
        assert!(out.makespan >= out.lower_bound, "{name}");
        assert!(
            out.makespan * 10 <= opt * 11,
            "{name}: {} more than 10% above {opt}",
            out.makespan
        );
        assert!(out.schedules <= 3_000);
        total_dev += (out.makespan - opt) as f64 / opt as f64;
    }
    assert!(total_dev / 6.0 < 0.02, "mean deviation {}", total_dev / 6.0);
}

#[test]
fn heuristics_and_justification_are_feasible_on_fixtures() {
    for (name, text, _, opt) in fixtures() {
        let plan = parse_sm(&text).expect("valid instance");
        let lb = lower_bound(&plan);
        assert!(lb <= opt, "{name}");
        for scheme in [Scheme::Serial, Scheme::Parallel] {
            for rule in PriorityRule::ALL {
                let s = generate(&plan, scheme, rule).expect("no deadlines");
                assert!(verify(&plan, &s).is_empty(), "{name} {scheme:?} {rule:?}");
                let j = justify(&plan, &s).expect("no deadlines");
                assert!(
                    verify(&plan, &j).is_empty(),
                    "{name} {scheme:?} {rule:?} justified"
                );
                assert!(j.makespan(&plan) <= s.makespan(&plan));
                assert!(j.makespan(&plan) >= opt);
            }
        }
    }
}
