//! The fast internal core shared by the schedule generation schemes and the metaheuristic:
//! flat arrays, a time-indexed profile of remaining capacity, no allocation per schedule.

use crate::plan::{Arc, Plan};

/// A plan compiled for scheduling, forward or reversed in time.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub(crate) n: usize,
    pub(crate) k: usize,
    pub(crate) dur: Vec<i64>,
    pub(crate) release: Vec<i64>,
    pub(crate) pred_start: Vec<u32>,
    pub(crate) preds: Vec<Arc>,
    pub(crate) succ_start: Vec<u32>,
    pub(crate) succs: Vec<Arc>,
    /// Sparse demands: `(resource, units)` for task `j` in `dem[dem_start[j]..dem_start[j+1]]`.
    pub(crate) dem_start: Vec<u32>,
    pub(crate) dem: Vec<(u32, i32)>,
    pub(crate) cap: Vec<i32>,
    /// Position of each task in a topological order (for tie-breaking).
    pub(crate) rank: Vec<u32>,
}

impl Problem {
    pub(crate) fn forward(plan: &Plan) -> Self {
        let net = plan.network();
        let n = plan.tasks().len();
        let k = plan.resources().len();
        let mut dem_start = Vec::with_capacity(n + 1);
        let mut dem = Vec::new();
        dem_start.push(0);
        for j in 0..n {
            if plan.tasks()[j].duration > 0 {
                for (r, &q) in plan.demand_row(j).iter().enumerate() {
                    if q > 0 {
                        dem.push((r as u32, i32::try_from(q).unwrap_or(i32::MAX)));
                    }
                }
            }
            dem_start.push(dem.len() as u32);
        }
        let mut rank = vec![0u32; n];
        for (i, &j) in net.topo.iter().enumerate() {
            rank[j as usize] = i as u32;
        }
        Self {
            n,
            k,
            dur: plan.tasks().iter().map(|t| t.duration).collect(),
            release: plan.tasks().iter().map(|t| t.release).collect(),
            pred_start: net.pred_start.clone(),
            preds: net.preds.clone(),
            succ_start: net.succ_start.clone(),
            succs: net.succs.clone(),
            dem_start,
            dem,
            cap: plan
                .resources()
                .iter()
                .map(|r| i32::try_from(r.capacity).unwrap_or(i32::MAX))
                .collect(),
            rank,
        }
    }

    /// The mirror problem: reverse start `R_j = T - S_j - d_j`; an edge `i → j` with distance
    /// `δ` becomes `j → i` with distance `δ + d_j - d_i`. Release dates are dropped.
    pub(crate) fn reversed(&self) -> Self {
        let n = self.n;
        let fix = |from_list: &[Arc], start: &[u32], j: usize, to_is_j: bool| -> Vec<Arc> {
            from_list[start[j] as usize..start[j + 1] as usize]
                .iter()
                .map(|a| {
                    let o = a.other as usize;
                    // original edge: (i -> j) if to_is_j, else (j -> o)
                    let d = if to_is_j {
                        a.delta + self.dur[j] - self.dur[o]
                    } else {
                        a.delta + self.dur[o] - self.dur[j]
                    };
                    Arc {
                        other: a.other,
                        delta: d,
                    }
                })
                .collect()
        };
        // reversed preds of j = original succs of j
        let mut preds = Vec::with_capacity(self.succs.len());
        let mut succs = Vec::with_capacity(self.preds.len());
        let mut pred_start = vec![0u32];
        let mut succ_start = vec![0u32];
        for j in 0..n {
            preds.extend(fix(&self.succs, &self.succ_start, j, false));
            pred_start.push(preds.len() as u32);
            succs.extend(fix(&self.preds, &self.pred_start, j, true));
            succ_start.push(succs.len() as u32);
        }
        Self {
            n,
            k: self.k,
            dur: self.dur.clone(),
            release: vec![0; n],
            pred_start,
            preds,
            succ_start,
            succs,
            dem_start: self.dem_start.clone(),
            dem: self.dem.clone(),
            cap: self.cap.clone(),
            rank: self.rank.iter().map(|&r| (n as u32 - 1) - r).collect(),
        }
    }

    #[inline]
    pub(crate) fn preds(&self, j: usize) -> &[Arc] {
        &self.preds[self.pred_start[j] as usize..self.pred_start[j + 1] as usize]
    }

    #[inline]
    pub(crate) fn succs(&self, j: usize) -> &[Arc] {
        &self.succs[self.succ_start[j] as usize..self.succ_start[j + 1] as usize]
    }

    #[inline]
    pub(crate) fn demands(&self, j: usize) -> &[(u32, i32)] {
        &self.dem[self.dem_start[j] as usize..self.dem_start[j + 1] as usize]
    }

    /// Whether there is a direct edge `a → b`.
    pub(crate) fn has_edge(&self, a: usize, b: usize) -> bool {
        self.succs(a).iter().any(|x| x.other as usize == b)
    }

    /// Whether `list` is a permutation in which every edge goes forward.
    pub(crate) fn is_precedence_feasible(&self, list: &[u32], pos: &mut Vec<u32>) -> bool {
        if list.len() != self.n {
            return false;
        }
        pos.clear();
        pos.resize(self.n, u32::MAX);
        for (i, &j) in list.iter().enumerate() {
            if (j as usize) >= self.n || pos[j as usize] != u32::MAX {
                return false;
            }
            pos[j as usize] = i as u32;
        }
        (0..self.n).all(|j| self.preds(j).iter().all(|a| pos[a.other as usize] < pos[j]))
    }
}

/// Reusable buffers for schedule generation: the resource profile (remaining capacity of
/// resource `r` at time `t` in `profile[r * h + t]`), grown on demand and reset lazily.
#[derive(Debug, Clone, Default)]
pub(crate) struct Workspace {
    profile: Vec<i32>,
    /// Time horizon held per resource row.
    h: usize,
    /// Times `0..used` may have been touched since the last reset.
    used: usize,
    keys: Vec<u64>,
    pos: Vec<u32>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(i64, u32, u32)>>,
    indeg: Vec<u32>,
}

impl Workspace {
    fn reset(&mut self, p: &Problem) {
        if self.profile.len() != p.k * self.h {
            self.h = 0;
            self.profile.clear();
        }
        let end = self.used.min(self.h);
        for (r, &c) in p.cap.iter().enumerate() {
            self.profile[r * self.h..r * self.h + end].fill(c);
        }
        self.used = 0;
    }

    #[inline]
    fn ensure(&mut self, p: &Problem, t_end: usize) {
        if t_end > self.h {
            let h = t_end.max(self.h * 2).max(64);
            let mut profile = Vec::with_capacity(p.k * h);
            for (r, &c) in p.cap.iter().enumerate() {
                profile.extend_from_slice(&self.profile[r * self.h..(r + 1) * self.h]);
                profile.resize((r + 1) * h, c);
            }
            self.profile = profile;
            self.h = h;
        }
        if t_end > self.used {
            self.used = t_end;
        }
    }

    /// The latest time in `[t, t + d)` at which some demand of `j` does not fit, if any.
    #[inline]
    fn conflict(&self, dem: &[(u32, i32)], tu: usize, du: usize) -> Option<usize> {
        let mut conflict = None;
        for &(r, q) in dem {
            let base = r as usize * self.h + tu;
            if let Some(c) = self.profile[base..base + du].iter().rposition(|&c| c < q) {
                conflict = conflict.max(Some(tu + c));
            }
        }
        conflict
    }

    /// Whether task `j` fits the resource profile over `[t, t + d_j)`.
    pub(crate) fn fits(&mut self, p: &Problem, j: usize, t: i64) -> bool {
        let d = p.dur[j];
        let dem = p.demands(j);
        if d == 0 || dem.is_empty() {
            return true;
        }
        let (tu, du) = (t as usize, d as usize);
        self.ensure(p, tu + du);
        self.conflict(dem, tu, du).is_none()
    }

    /// Books task `j` at `t` in the profile (the caller checked [`Workspace::fits`]).
    pub(crate) fn place(&mut self, p: &Problem, j: usize, t: i64) {
        let d = p.dur[j];
        let dem = p.demands(j);
        if d == 0 || dem.is_empty() {
            return;
        }
        let (tu, du) = (t as usize, d as usize);
        self.ensure(p, tu + du);
        for &(r, q) in dem {
            let base = r as usize * self.h + tu;
            for c in &mut self.profile[base..base + du] {
                *c -= q;
            }
        }
    }

    /// Parallel schedule generation (Kelley 1963; Kolisch 1996): advance a schedule time `t`
    /// over finish times and release points; at each `t` start, by ascending `prio` (ties by
    /// topological rank), every eligible task that fits. O(n²·(d̄·ρ) + e) per schedule.
    pub(crate) fn parallel(&mut self, p: &Problem, prio: &[i64], starts: &mut [i64]) -> i64 {
        self.reset(p);
        let n = p.n;
        let mut left: Vec<u32> = (0..n).map(|j| p.preds(j).len() as u32).collect();
        let mut done = vec![false; n];
        let mut es: Vec<i64> = p.release.clone();
        let mut eligible: Vec<usize> = (0..n).filter(|&j| left[j] == 0).collect();
        let mut t = 0i64;
        let mut makespan = 0i64;
        let mut remaining = n;
        while remaining > 0 {
            let mut progress = true;
            while progress {
                progress = false;
                eligible.sort_by_key(|&j| (prio[j], p.rank[j]));
                let mut i = 0;
                while i < eligible.len() {
                    let j = eligible[i];
                    if es[j] <= t && self.fits(p, j, t) {
                        self.place(p, j, t);
                        starts[j] = t;
                        done[j] = true;
                        remaining -= 1;
                        makespan = makespan.max(t + p.dur[j]);
                        eligible.swap_remove(i);
                        for a in p.succs(j) {
                            let s = a.other as usize;
                            es[s] = es[s].max(t + a.delta);
                            left[s] -= 1;
                            if left[s] == 0 {
                                eligible.push(s);
                            }
                        }
                        progress = true;
                        break;
                    }
                    i += 1;
                }
            }
            if remaining == 0 {
                break;
            }
            let next_finish = (0..n)
                .filter(|&j| done[j] && starts[j] + p.dur[j] > t)
                .map(|j| starts[j] + p.dur[j]);
            let next_release = eligible.iter().map(|&j| es[j]).filter(|&e| e > t);
            t = next_finish
                .chain(next_release)
                .min()
                .expect("an unscheduled eligible task has a later start point");
        }
        makespan
    }

    /// Serial schedule generation (Kelley 1963; Kolisch 1996): tasks in `list` order, each at
    /// its earliest precedence- and resource-feasible start. `list` must be
    /// precedence-feasible. Returns the makespan.
    ///
    /// Complexity O(n·(p + d̄·ρ) + e) per schedule where p is the number of conflicting
    /// positions skipped, d̄ the mean duration and ρ the mean number of demanded resources.
    pub(crate) fn serial(&mut self, p: &Problem, list: &[u32], starts: &mut [i64]) -> i64 {
        self.reset(p);
        let mut makespan = 0i64;
        for &j in list {
            let j = j as usize;
            let mut t = p.release[j];
            for a in p.preds(j) {
                t = t.max(starts[a.other as usize] + a.delta);
            }
            let d = p.dur[j];
            let dem = p.demands(j);
            if d > 0 && !dem.is_empty() {
                let du = d as usize;
                loop {
                    let tu = t as usize;
                    self.ensure(p, tu + du);
                    match self.conflict(dem, tu, du) {
                        None => break,
                        Some(c) => t = c as i64 + 1,
                    }
                }
                self.place(p, j, t);
            }
            starts[j] = t;
            makespan = makespan.max(t + d);
        }
        makespan
    }

    /// Builds into `out` a precedence-feasible list ordered by ascending `key(j)`, ties by
    /// topological rank. O(n log n + e).
    pub(crate) fn order_by_key(
        &mut self,
        p: &Problem,
        key: impl Fn(usize) -> i64,
        out: &mut Vec<u32>,
    ) {
        let n = p.n;
        let bits = 64 - (n as u64).leading_zeros();
        let min = (0..n).map(&key).min().unwrap_or(0);
        let max = (0..n).map(&key).max().unwrap_or(0);
        let span_bits = 64 - ((max - min) as u64).leading_zeros();
        out.clear();
        if span_bits + bits <= 63 {
            self.keys.clear();
            self.keys
                .extend((0..n).map(|j| (((key(j) - min) as u64) << bits) | u64::from(p.rank[j])));
            self.keys.sort_unstable();
            // rank -> task: invert via the rank array
            self.pos.clear();
            self.pos.resize(n, 0);
            for j in 0..n {
                self.pos[p.rank[j] as usize] = j as u32;
            }
            let mask = (1u64 << bits) - 1;
            out.extend(self.keys.iter().map(|&kk| self.pos[(kk & mask) as usize]));
            let mut pos = std::mem::take(&mut self.pos);
            let ok = p.is_precedence_feasible(out, &mut pos);
            self.pos = pos;
            if ok {
                return;
            }
            out.clear();
        }
        // general case: Kahn's algorithm, smallest key first
        self.indeg.clear();
        self.indeg.extend((0..n).map(|j| p.preds(j).len() as u32));
        self.heap.clear();
        for j in 0..n {
            if self.indeg[j] == 0 {
                self.heap
                    .push(std::cmp::Reverse((key(j), p.rank[j], j as u32)));
            }
        }
        while let Some(std::cmp::Reverse((_, _, j))) = self.heap.pop() {
            out.push(j);
            for a in p.succs(j as usize) {
                let s = a.other as usize;
                self.indeg[s] -= 1;
                if self.indeg[s] == 0 {
                    self.heap
                        .push(std::cmp::Reverse((key(s), p.rank[s], s as u32)));
                }
            }
        }
    }
}

/// Forward-backward improvement ("double justification", Valls, Ballestín & Quintanilla
/// 2005): right-justify every task in order of decreasing finish time against the makespan,
/// then left-justify in order of increasing start. Never worsens a serial schedule with
/// finish-to-start edges. Three schedule generations; O(n log n + e) plus three SGS passes.
#[derive(Debug, Clone)]
pub(crate) struct Justifier {
    pub(crate) fwd: Problem,
    pub(crate) bwd: Problem,
    pub(crate) ws: Workspace,
    rstarts: Vec<i64>,
    list: Vec<u32>,
}

impl Justifier {
    pub(crate) fn new(plan: &Plan) -> Self {
        let fwd = Problem::forward(plan);
        let bwd = fwd.reversed();
        Self {
            fwd,
            bwd,
            ws: Workspace::default(),
            rstarts: vec![0; plan.tasks().len()],
            list: Vec::new(),
        }
    }

    /// Decodes `list` with the serial SGS into `starts`; returns the makespan.
    pub(crate) fn decode(&mut self, list: &[u32], starts: &mut [i64]) -> i64 {
        self.ws.serial(&self.fwd, list, starts)
    }

    /// Double-justifies the schedule in `starts` (makespan `t`); on return `starts` holds the
    /// justified schedule and `out_list` the list that decodes to it. Returns the new makespan.
    pub(crate) fn justify(&mut self, starts: &mut [i64], t: i64, out_list: &mut Vec<u32>) -> i64 {
        let fwd = &self.fwd;
        let mut list = std::mem::take(&mut self.list);
        // backward pass: reverse start = t - finish
        self.ws
            .order_by_key(&self.bwd, |j| t - starts[j] - fwd.dur[j], &mut list);
        let tr = self.ws.serial(&self.bwd, &list, &mut self.rstarts);
        let rs = &self.rstarts;
        // forward pass from the right-justified schedule
        self.ws
            .order_by_key(fwd, |j| tr - rs[j] - fwd.dur[j], out_list);
        let t2 = self.ws.serial(fwd, out_list, starts);
        self.list = list;
        t2
    }
}
