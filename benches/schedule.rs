//! Scheduling benchmarks for relman-graph: schedule generations per second on a 120-task
//! instance (PSPLIB j120-like, generated deterministically), and the critical path and waves
//! on a 1M-task / 3M-edge precedence graph.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relman_graph::{
    Plan, Precedence, PriorityRule, Resource, ResourceId, Scheme, SearchOptions, Task, TaskId,
    critical_path, generate, search, waves,
};

/// A small linear congruential generator: the instances are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn tid(i: usize) -> TaskId {
    format!("t{i}").parse().expect("valid id")
}

/// 120 real tasks, durations 1..=10, 4 resources (capacity 10..=20), each task demanding 1-4
/// of them, up to 3 successors among the next 30 tasks: the shape of PSPLIB's j120 set.
fn j120_like() -> Plan {
    let mut rng = Lcg(120);
    let n = 120;
    let rids: Vec<ResourceId> = (0..4)
        .map(|r| format!("R{r}").parse().expect("valid id"))
        .collect();
    let resources: Vec<Resource> = rids
        .iter()
        .map(|r| Resource::new(r.clone(), 10 + rng.next(11) as u32))
        .collect();
    let tasks: Vec<Task> = (0..n)
        .map(|i| {
            let mut t = Task::new(tid(i), 1 + rng.next(10) as i64);
            for r in &rids {
                if rng.next(2) == 0 {
                    t = t.with_demand(r.clone(), 1 + rng.next(10) as u32);
                }
            }
            t
        })
        .collect();
    let mut precs = Vec::new();
    for i in 0..n - 1 {
        let mut seen = Vec::new();
        for _ in 0..1 + rng.next(3) {
            let j = (i + 1 + rng.next(30) as usize).min(n - 1);
            if !seen.contains(&j) {
                seen.push(j);
                precs.push(Precedence::finish_to_start(tid(i), tid(j)));
            }
        }
    }
    Plan::new(tasks, resources, precs).expect("generated plan is valid")
}

/// 1M tasks and 3M finish-to-start edges, each edge to one of the next 1000 tasks.
fn big() -> Plan {
    let mut rng = Lcg(1);
    let n = 1_000_000;
    let tasks: Vec<Task> = (0..n)
        .map(|i| Task::new(tid(i), 1 + rng.next(20) as i64))
        .collect();
    let mut precs = Vec::with_capacity(3 * n);
    while precs.len() < 3 * n {
        let a = rng.next(n as u64 - 1) as usize;
        let b = (a + 1 + rng.next(1000) as usize).min(n - 1);
        precs.push(Precedence::finish_to_start(tid(a), tid(b)));
    }
    Plan::new(tasks, vec![], precs).expect("generated plan is valid")
}

fn bench_rcpsp(c: &mut Criterion) {
    let plan = j120_like();
    let mut g = c.benchmark_group("j120_like");
    g.throughput(Throughput::Elements(1));
    g.bench_function("serial_sgs_lft", |b| {
        b.iter(|| generate(&plan, Scheme::Serial, PriorityRule::Lft))
    });
    g.bench_function("parallel_sgs_lft", |b| {
        b.iter(|| generate(&plan, Scheme::Parallel, PriorityRule::Lft))
    });
    let budget = 3_000;
    g.throughput(Throughput::Elements(budget));
    g.sample_size(20);
    g.bench_function("ga_schedules", |b| {
        b.iter(|| search(&plan, &SearchOptions::new(1, budget)))
    });
    g.finish();
}

fn bench_big(c: &mut Criterion) {
    let plan = big();
    let mut g = c.benchmark_group("1M_tasks_3M_edges");
    g.sample_size(10);
    g.bench_function("critical_path", |b| b.iter(|| critical_path(&plan)));
    g.bench_function("waves", |b| b.iter(|| waves(&plan)));
    g.finish();
}

criterion_group!(benches, bench_rcpsp, bench_big);
criterion_main!(benches);
