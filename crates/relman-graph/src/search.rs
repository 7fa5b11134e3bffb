//! A seeded, budgeted metaheuristic for resource-constrained scheduling.
//!
//! An activity-list genetic algorithm (S. Hartmann, "A competitive genetic algorithm for
//! resource-constrained project scheduling", Naval Research Logistics 45, 1998): two-point
//! crossover, mutation by swapping adjacent tasks that are not precedence-related, serial
//! schedule generation as decoder. Every decoded schedule is improved by double justification
//! (Valls, Ballestín & Quintanilla 2005) and written back into its list (Lamarckian). The
//! initial population holds one list per priority rule and regret-based biased random samples
//! (Drexl 1991) of the LFT and LST rules; the population restarts around the best schedule when
//! it stagnates.
//!
//! Determinism: the algorithm never reads the clock. With a schedule budget the result depends
//! only on the plan, the seed and the budget; a time budget is a caller-supplied closure.

use serde::{Deserialize, Serialize};

use crate::engine::Justifier;
use crate::plan::Plan;
use crate::rng::Rng;
use crate::schedule::{
    PriorityRule, Schedule, ScheduleError, check_deadlines, deadline_excess, lower_bound,
    priorities,
};

/// Settings of [`search`] and [`search_until`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchOptions {
    /// Seed of the pseudo-random generator.
    pub seed: u64,
    /// Maximum number of schedule generations (each serial SGS pass counts one; a decoded and
    /// double-justified schedule counts three).
    pub max_schedules: u64,
    /// Population size of the genetic algorithm (at least 4).
    pub population: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            seed: 0,
            max_schedules: 50_000,
            population: 40,
        }
    }
}

impl SearchOptions {
    /// Default options with the given seed and schedule budget.
    pub fn new(seed: u64, max_schedules: u64) -> Self {
        Self {
            seed,
            max_schedules,
            ..Self::default()
        }
    }
}

/// What [`search_until`] reports to its `keep_going` closure, once per generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Schedule generations so far.
    pub schedules: u64,
    /// Best makespan so far.
    pub best_makespan: i64,
}

/// The result of [`search`].
///
/// JSON shape: `{"schedule": {"starts": [..]}, "makespan": 42, "lower_bound": 40,
/// "schedules": 50000, "optimality": "unknown"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOutcome {
    /// The best schedule found (passes [`verify`](crate::verify)).
    pub schedule: Schedule,
    /// Its makespan.
    pub makespan: i64,
    /// The [`lower_bound`] of the plan.
    pub lower_bound: i64,
    /// Schedule generations spent.
    pub schedules: u64,
    /// Whether the makespan is proven optimal (it meets the lower bound).
    pub optimality: Optimality,
}

/// Whether a makespan is known to be optimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimality {
    /// The makespan equals a lower bound.
    Proven,
    /// No proof either way.
    Unknown,
}

/// Runs the genetic algorithm for at most `options.max_schedules` schedule generations.
/// Same plan, seed and budget give the same schedule.
///
/// Complexity: O(budget · (n·(p + d̄·ρ) + n log n + e)), see the serial scheme in
/// [`generate`](crate::generate).
///
/// ```
/// use relman_graph::{Plan, Resource, SearchOptions, Task, search, verify};
/// let team: relman_graph::ResourceId = "team".parse().unwrap();
/// let t = |s: &str, d, q| Task::new(s.parse().unwrap(), d).with_demand(team.clone(), q);
/// let plan = Plan::new(vec![t("a", 2, 2), t("b", 3, 1), t("c", 3, 1)],
///     vec![Resource::new(team.clone(), 2)], vec![])?;
/// let out = search(&plan, &SearchOptions::new(7, 1000))?;
/// assert_eq!(out.makespan, 5);
/// assert!(verify(&plan, &out.schedule).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ScheduleError::DeadlineMissed`] when the best schedule found misses a deadline;
/// [`ScheduleError::HorizonTooLong`] when the plan exceeds
/// [`MAX_HORIZON`](crate::MAX_HORIZON).
pub fn search(plan: &Plan, options: &SearchOptions) -> Result<SearchOutcome, ScheduleError> {
    search_until(plan, options, |_| true)
}

/// Like [`search`], but also stops as soon as `keep_going` (called once per generation)
/// returns `false`, e.g. `|_| Instant::now() < deadline` for a time budget.
///
/// # Errors
///
/// [`ScheduleError::DeadlineMissed`] when the best schedule found misses a deadline;
/// [`ScheduleError::HorizonTooLong`] when the plan exceeds
/// [`MAX_HORIZON`](crate::MAX_HORIZON).
pub fn search_until(
    plan: &Plan,
    options: &SearchOptions,
    keep_going: impl FnMut(&Progress) -> bool,
) -> Result<SearchOutcome, ScheduleError> {
    crate::schedule::check_horizon(plan)?;
    let mut ga = Ga::new(plan, options);
    ga.run(keep_going);
    let starts = ga.best_starts.clone();
    check_deadlines(plan, &starts)?;
    let makespan = ga.best_fit.1;
    Ok(SearchOutcome {
        schedule: Schedule { starts },
        makespan,
        lower_bound: ga.lb,
        schedules: ga.count,
        optimality: if makespan <= ga.lb {
            Optimality::Proven
        } else {
            Optimality::Unknown
        },
    })
}

type Fit = (i64, i64); // (deadline excess, makespan)

struct Ind {
    list: Vec<u32>,
    fit: Fit,
    hash: u64,
}

struct Ga<'a> {
    plan: &'a Plan,
    jz: Justifier,
    rng: Rng,
    n: usize,
    pop_size: usize,
    max: u64,
    count: u64,
    lb: i64,
    has_deadlines: bool,
    starts: Vec<i64>,
    spare_starts: Vec<i64>,
    tmp_list: Vec<u32>,
    best_fit: Fit,
    best_starts: Vec<i64>,
    best_list: Vec<u32>,
    stamp: Vec<u32>,
    stamp_gen: u32,
}

/// Two-point crossover (Hartmann 1998): `mother[..q1]`, then `father`'s order up to `q2`,
/// then `mother`'s order. Keeps precedence feasibility.
fn crossover(
    rng: &mut Rng,
    stamp: &mut [u32],
    stamp_gen: &mut u32,
    mother: &[u32],
    father: &[u32],
    child: &mut Vec<u32>,
) {
    let n = mother.len();
    let q1 = rng.below(n + 1);
    let q2 = q1 + rng.below(n + 1 - q1);
    *stamp_gen = stamp_gen.wrapping_add(1);
    if *stamp_gen == 0 {
        stamp.fill(0);
        *stamp_gen = 1;
    }
    let g = *stamp_gen;
    child.clear();
    for &j in &mother[..q1] {
        stamp[j as usize] = g;
        child.push(j);
    }
    for &j in father {
        if child.len() >= q2 {
            break;
        }
        if stamp[j as usize] != g {
            stamp[j as usize] = g;
            child.push(j);
        }
    }
    for &j in mother {
        if stamp[j as usize] != g {
            stamp[j as usize] = g;
            child.push(j);
        }
    }
}

fn hash_starts(starts: &[i64]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &s in starts {
        h = (h ^ s as u64).wrapping_mul(0x0100_0000_01b3);
        h ^= h >> 29;
    }
    h
}

impl<'a> Ga<'a> {
    fn new(plan: &'a Plan, options: &SearchOptions) -> Self {
        let n = plan.tasks().len();
        Self {
            plan,
            jz: Justifier::new(plan),
            rng: Rng::new(options.seed),
            n,
            pop_size: options.population.max(4),
            max: options.max_schedules,
            count: 0,
            lb: lower_bound(plan),
            has_deadlines: plan.tasks().iter().any(|t| t.deadline.is_some()),
            starts: vec![0; n],
            spare_starts: vec![0; n],
            tmp_list: Vec::with_capacity(n),
            best_fit: (i64::MAX, i64::MAX),
            best_starts: vec![0; n],
            best_list: Vec::new(),
            stamp: vec![0; n],
            stamp_gen: 0,
        }
    }

    fn solved(&self) -> bool {
        self.best_fit.0 == 0 && self.best_fit.1 <= self.lb
    }

    fn can_evaluate(&self) -> bool {
        self.count < 3 || (self.count + 3 <= self.max && !self.solved())
    }

    /// Decodes and double-justifies `list` in place (Lamarckian write-back).
    fn evaluate(&mut self, list: &mut Vec<u32>) -> (Fit, u64) {
        let t = self.jz.decode(list, &mut self.starts);
        self.count += 1;
        let mut t_best = t;
        let mut first = true;
        // forward-backward improvement, repeated while it shortens the schedule
        while self.count + 2 <= self.max.max(3) {
            let mut justified = std::mem::take(&mut self.spare_starts);
            justified.clone_from(&self.starts);
            let t2 = self.jz.justify(&mut justified, t_best, &mut self.tmp_list);
            self.count += 2;
            let better = t2 < t_best
                || (first
                    && t2 == t_best
                    && (!self.has_deadlines
                        || deadline_excess(self.plan, &justified)
                            <= deadline_excess(self.plan, &self.starts)));
            first = false;
            let improved = t2 < t_best;
            if better {
                std::mem::swap(list, &mut self.tmp_list);
                std::mem::swap(&mut self.starts, &mut justified);
                t_best = t2;
            }
            self.spare_starts = justified;
            if !improved {
                break;
            }
        }
        let excess = if self.has_deadlines {
            deadline_excess(self.plan, &self.starts)
        } else {
            0
        };
        let fit = (excess, t_best);
        if fit < self.best_fit {
            self.best_fit = fit;
            self.best_starts.copy_from_slice(&self.starts);
            self.best_list.clone_from(list);
        }
        (fit, hash_starts(&self.starts))
    }

    fn individual(&mut self, mut list: Vec<u32>) -> Ind {
        let (fit, hash) = self.evaluate(&mut list);
        Ind { list, fit, hash }
    }

    /// Regret-based biased random sampling (Drexl 1991) over priority values `prio`.
    fn sample(&mut self, prio: &[i64]) -> Vec<u32> {
        let p = &self.jz.fwd;
        let n = self.n;
        let mut left: Vec<u32> = (0..n).map(|j| p.preds(j).len() as u32).collect();
        let mut eligible: Vec<usize> = (0..n).filter(|&j| left[j] == 0).collect();
        let mut list = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        while !eligible.is_empty() {
            let worst = eligible.iter().map(|&j| prio[j]).max().unwrap_or(0);
            weights.clear();
            weights.extend(eligible.iter().map(|&j| (worst - prio[j] + 1) as f64));
            let total: f64 = weights.iter().sum();
            let mut x = self.rng.unit() * total;
            let mut pick = eligible.len() - 1;
            for (i, w) in weights.iter().enumerate() {
                if x < *w {
                    pick = i;
                    break;
                }
                x -= w;
            }
            let j = eligible.swap_remove(pick);
            list.push(j as u32);
            for a in p.succs(j) {
                let s = a.other as usize;
                left[s] -= 1;
                if left[s] == 0 {
                    eligible.push(s);
                }
            }
        }
        list
    }

    /// Swaps adjacent tasks that are not precedence-related, each position with probability `pm`.
    fn mutate(&mut self, list: &mut [u32], pm: f64) {
        for i in 0..list.len().saturating_sub(1) {
            if self.rng.unit() < pm && !self.jz.fwd.has_edge(list[i] as usize, list[i + 1] as usize)
            {
                list.swap(i, i + 1);
            }
        }
    }

    fn fresh(&mut self, lft: &[i64], lst: &[i64]) -> Option<Ind> {
        if !self.can_evaluate() {
            return None;
        }
        let prio = if self.rng.below(2) == 0 { lft } else { lst };
        let list = self.sample(prio);
        Some(self.individual(list))
    }

    fn run(&mut self, mut keep_going: impl FnMut(&Progress) -> bool) {
        let lft = priorities(self.plan, PriorityRule::Lft);
        let lst = priorities(self.plan, PriorityRule::Lst);
        let mut pop: Vec<Ind> = Vec::with_capacity(self.pop_size * 3);
        for rule in PriorityRule::ALL {
            if !self.can_evaluate() {
                break;
            }
            let prio = if rule == PriorityRule::Lft {
                lft.clone()
            } else {
                priorities(self.plan, rule)
            };
            let mut list = Vec::with_capacity(self.n);
            self.jz
                .ws
                .order_by_key(&self.jz.fwd, |j| prio[j], &mut list);
            pop.push(self.individual(list));
        }
        while pop.len() < self.pop_size {
            match self.fresh(&lft, &lst) {
                Some(ind) => pop.push(ind),
                None => break,
            }
        }
        let mut stagnation = 0u32;
        let mut children: Vec<Ind> = Vec::with_capacity(self.pop_size);
        let mut spare: Vec<Vec<u32>> = Vec::new();
        let mut pm = 0.05;
        while self.can_evaluate()
            && keep_going(&Progress {
                schedules: self.count,
                best_makespan: self.best_fit.1,
            })
        {
            let before = pop
                .iter()
                .map(|i| i.fit)
                .min()
                .unwrap_or((i64::MAX, i64::MAX));
            // random pairing
            let len = pop.len();
            let mut order: Vec<usize> = (0..len).collect();
            for i in (1..len).rev() {
                let r = self.rng.below(i + 1);
                order.swap(i, r);
            }
            for pair in order.chunks_exact(2) {
                for (m, f) in [(pair[0], pair[1]), (pair[1], pair[0])] {
                    if !self.can_evaluate() {
                        break;
                    }
                    let mut child = spare.pop().unwrap_or_else(|| Vec::with_capacity(self.n));
                    crossover(
                        &mut self.rng,
                        &mut self.stamp,
                        &mut self.stamp_gen,
                        &pop[m].list,
                        &pop[f].list,
                        &mut child,
                    );
                    self.mutate(&mut child, pm);
                    children.push(self.individual(child));
                }
            }
            // survivor selection: best distinct schedules of parents and children
            pop.append(&mut children);
            pop.sort_by_key(|ind| (ind.fit, ind.hash));
            let mut kept: Vec<Ind> = Vec::with_capacity(self.pop_size);
            let mut dupes: Vec<Ind> = Vec::new();
            let mut last_hash = None;
            for ind in pop.drain(..) {
                if kept.len() < self.pop_size && Some((ind.fit, ind.hash)) != last_hash {
                    last_hash = Some((ind.fit, ind.hash));
                    kept.push(ind);
                } else {
                    dupes.push(ind);
                }
            }
            for ind in dupes {
                if kept.len() < self.pop_size {
                    kept.push(ind);
                } else {
                    spare.push(ind.list);
                }
            }
            pop = kept;
            if pop[0].fit < before {
                stagnation = 0;
                pm = 0.05;
            } else {
                stagnation += 1;
                pm = (pm * 1.1).min(0.3);
            }
            if stagnation >= 40 {
                // restart: keep the best, refill with fresh samples and mutants of the best
                stagnation = 0;
                pm = 0.05;
                pop.clear();
                while pop.len() < self.pop_size {
                    let ind = self.fresh(&lft, &lst);
                    match ind {
                        Some(ind) => pop.push(ind),
                        None => break,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Precedence, Resource, ResourceId, Task};
    use crate::verify::verify;

    fn plan() -> Plan {
        let r: ResourceId = "r".parse().expect("id");
        let t = |i: usize, d, q| {
            Task::new(format!("t{i}").parse().expect("id"), d).with_demand(r.clone(), q)
        };
        let tasks: Vec<Task> = (0..12)
            .map(|i| t(i, 1 + (i as i64 * 7) % 5, 1 + (i as u32 * 3) % 3))
            .collect();
        let e = |a: usize, b: usize| {
            Precedence::finish_to_start(
                format!("t{a}").parse().expect("id"),
                format!("t{b}").parse().expect("id"),
            )
        };
        let precs = vec![
            e(0, 3),
            e(1, 4),
            e(2, 5),
            e(3, 6),
            e(4, 7),
            e(5, 8),
            e(6, 9),
            e(7, 10),
            e(8, 11),
        ];
        Plan::new(tasks, vec![Resource::new(r, 3)], precs).expect("valid")
    }

    #[test]
    fn search_is_feasible_deterministic_and_within_budget() {
        let plan = plan();
        let a = search(&plan, &SearchOptions::new(1, 2000)).expect("no deadlines");
        let b = search(&plan, &SearchOptions::new(1, 2000)).expect("no deadlines");
        assert_eq!(a, b);
        assert!(verify(&plan, &a.schedule).is_empty());
        assert!(a.schedules <= 2000);
        assert!(a.makespan >= a.lower_bound);
        assert_eq!(a.makespan, a.schedule.makespan(&plan));
        let single = crate::generate(&plan, crate::Scheme::Serial, PriorityRule::Lft).expect("ok");
        assert!(a.makespan <= single.makespan(&plan));
    }

    #[test]
    fn closure_can_stop_the_search() {
        let plan = plan();
        let mut calls = 0;
        let out = search_until(&plan, &SearchOptions::new(3, 1_000_000), |_| {
            calls += 1;
            calls < 3
        })
        .expect("ok");
        assert!(out.schedules < 1_000_000);
        assert!(verify(&plan, &out.schedule).is_empty());
    }
}
