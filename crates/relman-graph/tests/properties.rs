//! Property tests: on random plans every schedule the crate returns passes `verify`, never
//! beats the lower bound, and the search is deterministic for a seed; on random component
//! graphs the release order and waves respect every dependency and a reported cycle is real.

use proptest::prelude::*;
use relman_graph::{
    BuildComponentGraphError, ComponentGraph, Plan, Precedence, PrecedenceKind, PriorityRule,
    Resource, ResourceId, Scheme, SearchOptions, Task, TaskId, critical_path, generate, justify,
    lower_bound, search, verify,
};
use relman_model::{Component, ComponentId, Dependency, DependencyKind};

fn tid(i: usize) -> TaskId {
    format!("t{i}").parse().expect("valid id")
}

fn rid(r: usize) -> ResourceId {
    format!("r{r}").parse().expect("valid id")
}

prop_compose! {
    fn plans()(n in 1usize..14, k in 0usize..3)
        (durations in proptest::collection::vec(0i64..6, n),
         releases in proptest::collection::vec(prop_oneof![4 => Just(0i64), 1 => 0i64..8], n),
         caps in proptest::collection::vec(1u32..5, k),
         demands in proptest::collection::vec(proptest::collection::vec(0u32..5, k), n),
         edges in proptest::collection::vec((0usize..n, 0usize..n, 0u8..3, 0i64..3), 0..(2 * n)))
        -> Plan
    {
        let n = durations.len();
        let tasks: Vec<Task> = (0..n).map(|i| {
            let mut t = Task::new(tid(i), durations[i]);
            t.release = releases[i];
            for (r, &cap) in caps.iter().enumerate() {
                let q = demands[i][r].min(cap);
                if q > 0 {
                    t = t.with_demand(rid(r), q);
                }
            }
            t
        }).collect();
        let resources = caps.iter().enumerate().map(|(r, &c)| Resource::new(rid(r), c)).collect();
        // edges only go from lower to higher index: acyclic by construction
        let precs = edges.iter().filter(|(a, b, _, _)| a < b).map(|&(a, b, kind, lag)| {
            let kind = match kind { 0 => PrecedenceKind::FinishToStart, 1 => PrecedenceKind::StartToStart, _ => PrecedenceKind::FinishToFinish };
            Precedence::new(tid(a), tid(b), kind, lag)
        }).collect();
        Plan::new(tasks, resources, precs).expect("generated plans are valid")
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_schedule_is_feasible_and_above_the_bound(plan in plans(), seed in 0u64..1000) {
        let lb = lower_bound(&plan);
        prop_assert!(lb >= critical_path(&plan).makespan);
        for scheme in [Scheme::Serial, Scheme::Parallel] {
            for rule in PriorityRule::ALL {
                let s = generate(&plan, scheme, rule).expect("no deadlines");
                prop_assert_eq!(verify(&plan, &s), vec![]);
                prop_assert!(s.makespan(&plan) >= lb);
                let j = justify(&plan, &s).expect("no deadlines");
                prop_assert_eq!(verify(&plan, &j), vec![]);
            }
        }
        let a = search(&plan, &SearchOptions::new(seed, 600)).expect("no deadlines");
        prop_assert_eq!(verify(&plan, &a.schedule), vec![]);
        prop_assert!(a.makespan >= lb);
        prop_assert!(a.schedules <= 600);
        let b = search(&plan, &SearchOptions::new(seed, 600)).expect("no deadlines");
        prop_assert_eq!(a, b);
    }
}

const FIXTURE: &str = include_str!("data/j301_1.sm");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_sm_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        let _ = relman_graph::parse_sm(&text);
    }

    #[test]
    fn parse_sm_never_panics_on_mutated_instances(
        line in 0usize..80,
        token in 0usize..8,
        replacement in prop_oneof![
            Just(String::new()),
            Just("18446744073709551615".to_owned()),
            Just("-1".to_owned()),
            Just("x".to_owned()),
            (0u64..100).prop_map(|v| v.to_string()),
        ],
        drop_line in proptest::bool::ANY,
    ) {
        let mut lines: Vec<String> = FIXTURE.lines().map(str::to_owned).collect();
        let l = line % lines.len();
        if drop_line {
            lines.remove(l);
        } else {
            let mut toks: Vec<String> = lines[l].split_whitespace().map(str::to_owned).collect();
            if !toks.is_empty() {
                let t = token % toks.len();
                toks[t] = replacement;
            }
            lines[l] = toks.join("  ");
        }
        let text = lines.join("\n");
        if let Ok(plan) = relman_graph::parse_sm(&text) {
            // whatever parses is a valid plan that the schedulers handle
            if let Ok(s) = generate(&plan, Scheme::Serial, PriorityRule::Lft) {
                prop_assert_eq!(verify(&plan, &s), vec![]);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn deadlines_are_met_or_reported(plan in plans(), slack in proptest::collection::vec(0i64..6, 14), seed in 0u64..100) {
        // give every other task a deadline: its earliest finish plus some slack
        let cp = critical_path(&plan);
        let mut tasks = plan.tasks().to_vec();
        for (j, t) in tasks.iter_mut().enumerate() {
            if j % 2 == 0 {
                t.deadline = Some(cp.earliest_start[j] + t.duration + slack[j % slack.len()]);
            }
        }
        let plan = Plan::new(tasks, plan.resources().to_vec(), plan.precedences().to_vec()).expect("deadlines reachable");
        match search(&plan, &SearchOptions::new(seed, 300)) {
            Ok(out) => prop_assert_eq!(verify(&plan, &out.schedule), vec![]),
            Err(relman_graph::ScheduleError::DeadlineMissed { finish, deadline, .. }) => prop_assert!(finish > deadline),
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}

prop_compose! {
    /// Random components `c0..c{n-1}` with random dependencies of every kind (self-dependencies
    /// included); `acyclic` keeps only edges to lower indices.
    fn components()(n in 1usize..16)
        (edges in proptest::collection::vec((0usize..n, 0usize..n, 0u8..3), 0..(3 * n)),
         acyclic in any::<bool>(),
         n in Just(n))
        -> Vec<Component>
    {
        let cid = |i: usize| -> ComponentId { format!("c{i}").parse().expect("valid id") };
        let mut comps: Vec<Component> =
            (0..n).map(|i| Component::new(cid(i), "1.0.0".parse().expect("version"))).collect();
        for &(a, b, kind) in &edges {
            if acyclic && b >= a {
                continue;
            }
            let kind = match kind { 0 => DependencyKind::Normal, 1 => DependencyKind::Dev, _ => DependencyKind::Build };
            comps[a] = comps[a].clone().with_dependency(Dependency::new(cid(b), kind, None));
        }
        comps
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn release_order_respects_every_dependency_and_cycles_are_real(comps in components()) {
        let ordering: Vec<(ComponentId, ComponentId)> = comps
            .iter()
            .flat_map(|c| {
                c.dependencies
                    .iter()
                    .filter(|d| d.kind.orders_releases())
                    .map(|d| (c.id.clone(), d.component.clone()))
            })
            .collect();
        let mut reversed = comps.clone();
        reversed.reverse();
        match ComponentGraph::new(comps) {
            Ok(graph) => {
                let order = graph.release_order();
                prop_assert_eq!(order.len(), graph.components().len());
                let at = |id: &ComponentId| order.iter().position(|c| *c == id).expect("ordered");
                let wave = |id: &ComponentId| {
                    graph.waves().iter().position(|w| w.contains(&id)).expect("in a wave")
                };
                for (dependent, dependency) in &ordering {
                    prop_assert!(at(dependency) < at(dependent), "{} before {}", dependency, dependent);
                    prop_assert!(wave(dependency) < wave(dependent));
                }
                // ties are broken by id, not by the order the components come in
                let again = ComponentGraph::new(reversed).expect("same components");
                prop_assert_eq!(again.release_order(), graph.release_order());
            }
            Err(BuildComponentGraphError::Cycle(path)) => {
                prop_assert!(path.len() >= 2);
                prop_assert_eq!(path.first(), path.last());
                let inner: std::collections::BTreeSet<&ComponentId> = path[1..].iter().collect();
                prop_assert_eq!(inner.len(), path.len() - 1, "a simple cycle");
                for pair in path.windows(2) {
                    prop_assert!(
                        ordering.contains(&(pair[0].clone(), pair[1].clone())),
                        "{} does not depend on {}", pair[0], pair[1]
                    );
                }
                let again = ComponentGraph::new(reversed).expect_err("same components");
                prop_assert_eq!(again, BuildComponentGraphError::Cycle(path));
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}
