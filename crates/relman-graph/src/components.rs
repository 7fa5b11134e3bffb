//! The component dependency graph: release order, waves, impact and bump propagation over
//! [`relman_model::Component`]s.
//!
//! Edges point from a dependent to the component it depends on. Only edges whose
//! [`DependencyKind::orders_releases`] holds (normal and build dependencies) constrain the
//! release order and can form a forbidden cycle; dev-dependency cycles are legal, as in Cargo.
//!
//! The graph is stored as a petgraph [`DiGraph`] whose node `i` is the `i`-th component and
//! whose edges carry the [`DependencyKind`] and the position of the dependency in the
//! component's list. petgraph is an implementation detail: no petgraph type appears in the
//! public API (petgraph is 0.x), which speaks [`ComponentId`]s and this module's types only.
//! The algorithms: Tarjan's strongly connected components for cycles, Kahn's topological sort
//! with an ordered ready set for the release order (petgraph's `toposort` is depth-first and
//! does not break ties by id), breadth-first search on the reversed graph for impact.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use petgraph::Direction::{Incoming, Outgoing};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, Dfs, EdgeFiltered, EdgeRef, IntoNeighbors, Reversed};
use relman_model::{Bump, Component, ComponentId, DependencyKind, Version};
use serde::{Deserialize, Serialize};

/// Returned by [`ComponentGraph::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildComponentGraphError {
    /// Two components share an id.
    #[error("component {0} is defined twice")]
    DuplicateComponent(ComponentId),
    /// A dependency names a component that is not in the graph.
    #[error("component {component} depends on unknown component {dependency}")]
    UnknownDependency {
        /// The dependent.
        component: ComponentId,
        /// The unknown dependency.
        dependency: ComponentId,
    },
    /// Normal or build dependencies form a cycle; the path starts and ends with the same
    /// component and each one depends on the next. It is found by walking from the smallest
    /// id that a cycle blocks (a component on a cycle or depending on one) to its smallest
    /// blocked dependency, and so on until a component repeats: the same components name the
    /// same path whatever their order.
    #[error("dependency cycle: {}", .0.iter().map(ComponentId::as_str).collect::<Vec<_>>().join(" -> "))]
    Cycle(Vec<ComponentId>),
}

/// Returned by [`ComponentGraph::impact`] and [`ComponentGraph::propagate`] for an id that is not
/// in the graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown component {0}")]
pub struct UnknownComponentError(pub ComponentId);

/// Whether dev-dependency edges count in [`ComponentGraph::impact`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevDependencies {
    /// Follow dev-dependency edges too (a change can break a dependent's tests).
    Include,
    /// Follow only normal and build dependencies.
    Exclude,
}

/// One transitive dependent found by [`ComponentGraph::impact`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Impacted {
    /// The dependent component.
    pub component: ComponentId,
    /// Length of the shortest dependency chain from it to the changed component (1 = direct).
    pub depth: usize,
}

/// How bumps travel from a component to its dependents in [`ComponentGraph::propagate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Propagation {
    /// Dependents are never bumped because of their dependencies.
    Never,
    /// A dependent gets a patch bump when its version requirement no longer matches the
    /// dependency's new version.
    WhenRequirementBreaks,
    /// A dependent gets a patch bump whenever a dependency is released.
    AlwaysPatch,
}

/// The bump propagation policy: a [`Propagation`] mode plus lockstep groups whose members
/// always share the largest bump of the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropagationPolicy {
    /// How bumps travel along normal and build dependencies.
    pub mode: Propagation,
    /// Groups of components versioned in lockstep.
    #[serde(default)]
    pub lockstep: Vec<Vec<ComponentId>>,
}

impl PropagationPolicy {
    /// A policy with the given mode and no lockstep groups.
    pub fn new(mode: Propagation) -> Self {
        Self {
            mode,
            lockstep: Vec::new(),
        }
    }
}

/// Why a component is bumped; part of [`PlannedBump`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cause")]
#[non_exhaustive]
pub enum BumpCause {
    /// The caller asked for this bump (e.g. from the component's own changes).
    Direct {
        /// The requested bump.
        bump: Bump,
    },
    /// A dependency is released with a new version.
    Dependency {
        /// The dependency.
        dependency: ComponentId,
        /// Its new version.
        version: Version,
        /// The dependent's requirement on it, if any, e.g. `^1`.
        requirement: Option<String>,
        /// Whether the requirement still matches the new version.
        requirement_matches: RequirementMatch,
    },
    /// Another member of a lockstep group is bumped.
    Lockstep {
        /// The group member that carries the group's bump.
        member: ComponentId,
        /// That bump.
        bump: Bump,
    },
}

/// Whether a dependent's version requirement still accepts a dependency's new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementMatch {
    /// The requirement still matches (or there is none).
    Matches,
    /// The requirement no longer matches: the dependent must be updated.
    Breaks,
}

/// A component's planned bump with its evidence, from [`ComponentGraph::propagate`].
///
/// Displays as e.g. `b 1.4.0 -> 1.4.1 because a 2.0.0 breaks "a = ^1"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedBump {
    /// The component.
    pub component: ComponentId,
    /// Its current version.
    pub from: Version,
    /// Its next version (`Bump::apply` of `bump`).
    pub to: Version,
    /// The bump.
    pub bump: Bump,
    /// Every cause that asked for a bump, strongest first is not implied: in discovery order.
    pub causes: Vec<BumpCause>,
}

impl fmt::Display for PlannedBump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {} because ",
            self.component, self.from, self.to
        )?;
        for (i, c) in self.causes.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match c {
                BumpCause::Direct { bump } => write!(f, "its own changes need a {bump} bump")?,
                BumpCause::Dependency {
                    dependency,
                    version,
                    requirement,
                    requirement_matches,
                } => {
                    let verb = match requirement_matches {
                        RequirementMatch::Breaks => "breaks",
                        RequirementMatch::Matches => "is released under",
                    };
                    match requirement {
                        Some(req) => {
                            write!(f, "{dependency} {version} {verb} \"{dependency} = {req}\"")?
                        }
                        None => write!(f, "{dependency} is released as {version}")?,
                    }
                }
                BumpCause::Lockstep { member, bump } => {
                    write!(f, "lockstep member {member} gets a {bump} bump")?;
                }
            }
        }
        Ok(())
    }
}

/// The weight of an edge from a dependent to one of its dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edge {
    /// Position of the dependency in the dependent's `Component::dependencies`.
    position: usize,
    /// Its kind.
    kind: DependencyKind,
}

impl Edge {
    fn orders_releases(self) -> bool {
        self.kind.orders_releases()
    }
}

/// A validated dependency graph of components.
///
/// Two graphs are equal when they were built from equal component lists (everything else is
/// derived from them).
#[derive(Debug, Clone)]
pub struct ComponentGraph {
    components: Vec<Component>,
    index: HashMap<ComponentId, usize>,
    /// Node `i` is `components[i]` (nodes are only ever added, in order); an edge runs from a
    /// dependent to its dependency.
    graph: DiGraph<(), Edge>,
    /// Release order (dependencies first), ties by id.
    order: Vec<usize>,
    /// Wave of each component.
    wave: Vec<usize>,
}

impl PartialEq for ComponentGraph {
    fn eq(&self, other: &Self) -> bool {
        self.components == other.components
    }
}

impl Eq for ComponentGraph {}

fn node(i: usize) -> NodeIndex {
    NodeIndex::new(i)
}

impl ComponentGraph {
    /// Builds and validates the graph.
    ///
    /// Cycles are found with Tarjan's strongly connected components (Tarjan 1972,
    /// "Depth-first search and linear graph algorithms", SIAM J. Comput. 1(2)), the components
    /// they block with a depth-first search on the reversed graph, and the reported path with a
    /// walk among those (see [`BuildComponentGraphError::Cycle`]); the release order is
    /// Kahn's topological sort (Kahn 1962, "Topological sorting of large networks", CACM
    /// 5(11)) taking the smallest ready id first, so that ties never depend on the input order.
    ///
    /// Complexity: O(n log n + e) time and O(n + e) space for n components and e dependencies
    /// (the log factor is the ordered ready set).
    ///
    /// # Errors
    ///
    /// [`BuildComponentGraphError`]: a duplicate id, an unknown dependency, or a cycle of normal
    /// or build dependencies (with its path).
    pub fn new(components: Vec<Component>) -> Result<Self, BuildComponentGraphError> {
        let mut index = HashMap::with_capacity(components.len());
        for (i, c) in components.iter().enumerate() {
            if index.insert(c.id.clone(), i).is_some() {
                return Err(BuildComponentGraphError::DuplicateComponent(c.id.clone()));
            }
        }
        let n = components.len();
        let e = components.iter().map(|c| c.dependencies.len()).sum();
        let mut graph = DiGraph::with_capacity(n, e);
        for _ in 0..n {
            graph.add_node(());
        }
        for (i, c) in components.iter().enumerate() {
            for (position, d) in c.dependencies.iter().enumerate() {
                let Some(&j) = index.get(&d.component) else {
                    return Err(BuildComponentGraphError::UnknownDependency {
                        component: c.id.clone(),
                        dependency: d.component.clone(),
                    });
                };
                graph.add_edge(
                    node(i),
                    node(j),
                    Edge {
                        position,
                        kind: d.kind,
                    },
                );
            }
        }
        let mut g = Self {
            components,
            index,
            graph,
            order: Vec::new(),
            wave: vec![0; n],
        };
        if let Some(cycle) = g.find_cycle() {
            return Err(BuildComponentGraphError::Cycle(cycle));
        }
        g.sort();
        Ok(g)
    }

    fn id(&self, c: NodeIndex) -> &ComponentId {
        &self.components[c.index()].id
    }

    /// The release-ordering dependencies of `c` (normal and build), as node indices.
    fn ordering_dependencies(&self, c: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .edges_directed(c, Outgoing)
            .filter(|e| e.weight().orders_releases())
            .map(|e| e.target())
    }

    /// A cycle of normal/build dependencies, if any, as [`BuildComponentGraphError::Cycle`]
    /// describes it.
    fn find_cycle(&self) -> Option<Vec<ComponentId>> {
        let ordering = EdgeFiltered::from_fn(&self.graph, |e| e.weight().orders_releases());
        let on_cycle: Vec<NodeIndex> = tarjan_scc(&ordering)
            .into_iter()
            .filter(|members| match members.as_slice() {
                [one] => self.ordering_dependencies(*one).any(|d| d == *one),
                _ => true,
            })
            .flatten()
            .collect();
        if on_cycle.is_empty() {
            return None;
        }
        // blocked: on a cycle or depending on one, i.e. never ready for release
        let dependents = Reversed(&ordering);
        let mut blocked = vec![false; self.components.len()];
        let mut dfs = Dfs::empty(dependents);
        for c in on_cycle {
            dfs.move_to(c);
            while let Some(b) = dfs.next(dependents) {
                blocked[b.index()] = true;
            }
        }
        let mut c = (0..self.components.len())
            .filter(|&c| blocked[c])
            .map(node)
            .min_by_key(|&c| self.id(c))?;
        let mut seen = vec![usize::MAX; self.components.len()];
        let mut path = Vec::new();
        while seen[c.index()] == usize::MAX {
            seen[c.index()] = path.len();
            path.push(c);
            c = self
                .ordering_dependencies(c)
                .filter(|d| blocked[d.index()])
                .min_by_key(|&d| self.id(d))
                .expect("a blocked component depends on a blocked component");
        }
        let mut cycle: Vec<ComponentId> = path[seen[c.index()]..]
            .iter()
            .map(|&i| self.id(i).clone())
            .collect();
        cycle.push(self.id(c).clone());
        Some(cycle)
    }

    /// Release order (Kahn's algorithm, smallest ready id first) and waves, on an acyclic graph.
    fn sort(&mut self) {
        let n = self.components.len();
        let mut left: Vec<usize> = (0..n)
            .map(|c| self.ordering_dependencies(node(c)).count())
            .collect();
        let mut ready: BTreeSet<(&ComponentId, usize)> = (0..n)
            .filter(|&c| left[c] == 0)
            .map(|c| (&self.components[c].id, c))
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some((_, c)) = ready.pop_first() {
            order.push(c);
            for e in self.graph.edges_directed(node(c), Incoming) {
                if e.weight().orders_releases() {
                    let d = e.source().index();
                    left[d] -= 1;
                    if left[d] == 0 {
                        ready.insert((&self.components[d].id, d));
                    }
                }
            }
        }
        debug_assert_eq!(order.len(), n, "sort runs on acyclic graphs only");
        for &c in &order {
            self.wave[c] = self
                .ordering_dependencies(node(c))
                .map(|d| self.wave[d.index()] + 1)
                .max()
                .unwrap_or(0);
        }
        self.order = order;
    }

    /// The components, in the order given to [`ComponentGraph::new`].
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// A release order: every component after its normal and build dependencies; among
    /// components that are ready at the same time, by id. O(n).
    pub fn release_order(&self) -> Vec<&ComponentId> {
        self.order.iter().map(|&c| &self.components[c].id).collect()
    }

    /// Release waves: wave `i` holds the components whose longest chain of normal/build
    /// dependencies has `i` edges; each wave can be released in parallel once the earlier
    /// waves are out. Sorted by id within a wave. O(n log n).
    pub fn waves(&self) -> Vec<Vec<&ComponentId>> {
        let depth = self.wave.iter().max().map_or(0, |&m| m + 1);
        let mut out: Vec<Vec<&ComponentId>> = vec![Vec::new(); depth];
        for (c, &w) in self.wave.iter().enumerate() {
            out[w].push(&self.components[c].id);
        }
        for w in &mut out {
            w.sort();
        }
        out
    }

    /// The transitive dependents of `id` with their depth (shortest chain), sorted by depth
    /// then id.
    ///
    /// Breadth-first search (Moore 1959, "The shortest path through a maze") from `id` on the
    /// reversed dependency graph, following dev-dependency edges only with
    /// [`DevDependencies::Include`]. Complexity: O(n log n + e) (the log factor is the final
    /// sort).
    ///
    /// # Errors
    ///
    /// [`UnknownComponentError`] when `id` is not in the graph.
    pub fn impact(
        &self,
        id: &ComponentId,
        dev: DevDependencies,
    ) -> Result<Vec<Impacted>, UnknownComponentError> {
        let &start = self
            .index
            .get(id)
            .ok_or_else(|| UnknownComponentError(id.clone()))?;
        let followed = EdgeFiltered::from_fn(&self.graph, |e| {
            dev == DevDependencies::Include || e.weight().orders_releases()
        });
        let dependents = Reversed(&followed);
        let mut depth = vec![usize::MAX; self.components.len()];
        depth[start] = 0;
        // the walk yields nodes in breadth-first order, so the first one reached that has a
        // node as a dependent is on a shortest chain to it
        let mut bfs = Bfs::new(dependents, node(start));
        while let Some(c) = bfs.next(dependents) {
            for d in dependents.neighbors(c) {
                if depth[d.index()] == usize::MAX {
                    depth[d.index()] = depth[c.index()] + 1;
                }
            }
        }
        let mut out: Vec<Impacted> = (0..self.components.len())
            .filter(|&c| c != start && depth[c] != usize::MAX)
            .map(|c| Impacted {
                component: self.components[c].id.clone(),
                depth: depth[c],
            })
            .collect();
        out.sort_by(|a, b| (a.depth, &a.component).cmp(&(b.depth, &b.component)));
        Ok(out)
    }

    /// Propagates `direct` bumps to dependents under `policy` and returns every component that
    /// is bumped, in release order, each with its evidence. New versions are `Bump::apply` of
    /// the current version. Propagation follows normal and build dependencies and iterates
    /// with the lockstep groups to a fixed point.
    ///
    /// Complexity: O(e log e + r · (n + e)) where r ≤ number of bump levels × lockstep rounds
    /// (small).
    ///
    /// # Errors
    ///
    /// [`UnknownComponentError`] for an id in `direct` or in a lockstep group that is not in the
    /// graph.
    pub fn propagate(
        &self,
        direct: &BTreeMap<ComponentId, Bump>,
        policy: &PropagationPolicy,
    ) -> Result<Vec<PlannedBump>, UnknownComponentError> {
        let n = self.components.len();
        let lookup = |id: &ComponentId| {
            self.index
                .get(id)
                .copied()
                .ok_or_else(|| UnknownComponentError(id.clone()))
        };
        let mut bump = vec![Bump::None; n];
        let mut causes: Vec<Vec<BumpCause>> = vec![Vec::new(); n];
        for (id, &b) in direct {
            let c = lookup(id)?;
            bump[c] = b;
            if b != Bump::None {
                causes[c].push(BumpCause::Direct { bump: b });
            }
        }
        let groups: Vec<Vec<usize>> = policy
            .lockstep
            .iter()
            .map(|g| {
                let mut v = g.iter().map(lookup).collect::<Result<Vec<_>, _>>()?;
                v.sort_by(|&a, &b| self.components[a].id.cmp(&self.components[b].id));
                v.dedup();
                Ok(v)
            })
            .collect::<Result<_, _>>()?;
        // each component's release-ordering dependencies, in the order it lists them:
        // `(position in its dependencies, dependency index)`
        let deps: Vec<Vec<(usize, usize)>> = (0..n)
            .map(|c| {
                let mut v: Vec<(usize, usize)> = self
                    .graph
                    .edges_directed(node(c), Outgoing)
                    .filter(|e| e.weight().orders_releases())
                    .map(|e| (e.weight().position, e.target().index()))
                    .collect();
                v.sort_unstable();
                v
            })
            .collect();
        loop {
            let mut changed = false;
            for &c in &self.order {
                for &(k, d) in &deps[c] {
                    if bump[d] == Bump::None {
                        continue;
                    }
                    let dep = &self.components[c].dependencies[k];
                    let version = bump[d].apply(&self.components[d].version);
                    let matches = if dep.accepts(&version) {
                        RequirementMatch::Matches
                    } else {
                        RequirementMatch::Breaks
                    };
                    let wanted = match (policy.mode, matches) {
                        (Propagation::Never, _)
                        | (Propagation::WhenRequirementBreaks, RequirementMatch::Matches) => {
                            continue;
                        }
                        _ => Bump::Patch,
                    };
                    let dep_requirement = dep.requirement.as_ref().map(ToString::to_string);
                    let cause = BumpCause::Dependency {
                        dependency: self.components[d].id.clone(),
                        version,
                        requirement: dep_requirement.clone(),
                        requirement_matches: matches,
                    };
                    // one cause per dependency and requirement: a component may list the same
                    // dependency twice (normal and build) with different requirements
                    if let Some(old) = causes[c].iter_mut().find(|x| {
                        matches!(x, BumpCause::Dependency { dependency, requirement, .. }
                            if *dependency == self.components[d].id
                                && requirement.as_deref() == dep_requirement.as_deref())
                    }) {
                        if *old != cause {
                            *old = cause;
                            changed = true;
                        }
                    } else {
                        causes[c].push(cause);
                        changed = true;
                    }
                    if wanted > bump[c] {
                        bump[c] = wanted;
                        changed = true;
                    }
                }
            }
            for g in &groups {
                let Some(&top) = g
                    .iter()
                    .max_by(|&&a, &&b| bump[a].cmp(&bump[b]).then(b.cmp(&a)))
                else {
                    continue;
                };
                let b = bump[top];
                if b == Bump::None {
                    continue;
                }
                for &m in g {
                    if bump[m] < b {
                        bump[m] = b;
                        causes[m].retain(|x| !matches!(x, BumpCause::Lockstep { .. }));
                        causes[m].push(BumpCause::Lockstep {
                            member: self.components[top].id.clone(),
                            bump: b,
                        });
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Ok(self
            .order
            .iter()
            .filter(|&&c| bump[c] != Bump::None)
            .map(|&c| {
                let comp = &self.components[c];
                PlannedBump {
                    component: comp.id.clone(),
                    from: comp.version.clone(),
                    to: bump[c].apply(&comp.version),
                    bump: bump[c],
                    causes: std::mem::take(&mut causes[c]),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relman_model::Dependency;

    fn id(s: &str) -> ComponentId {
        s.parse().expect("valid id")
    }

    fn comp(name: &str, version: &str, deps: &[(&str, DependencyKind, Option<&str>)]) -> Component {
        let mut c = Component::new(id(name), version.parse().expect("version"));
        for &(d, kind, req) in deps {
            c = c.with_dependency(Dependency::new(
                id(d),
                kind,
                req.map(|r| r.parse().expect("req")),
            ));
        }
        c
    }

    fn sample() -> ComponentGraph {
        use DependencyKind::{Build, Dev, Normal};
        ComponentGraph::new(vec![
            comp(
                "cli",
                "0.3.0",
                &[("graph", Normal, Some("^1")), ("model", Normal, Some("^1"))],
            ),
            comp(
                "graph",
                "1.4.0",
                &[("model", Normal, Some("^1")), ("testkit", Dev, None)],
            ),
            comp("model", "1.2.0", &[("testkit", Dev, None)]),
            comp("testkit", "0.1.0", &[("model", Normal, Some("^1"))]),
            comp("build-helper", "1.0.0", &[]),
            comp("risk", "1.0.0", &[("model", Build, Some("1.2"))]),
        ])
        .expect("dev cycles are legal")
    }

    #[test]
    fn order_and_waves_are_deterministic_and_ignore_dev_cycles() {
        let g = sample();
        let names =
            |v: Vec<&ComponentId>| v.iter().map(|c| c.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(
            names(g.release_order()),
            ["build-helper", "model", "graph", "cli", "risk", "testkit"]
        );
        let waves: Vec<Vec<String>> = g.waves().into_iter().map(names).collect();
        assert_eq!(
            waves,
            vec![
                vec!["build-helper", "model"],
                vec!["graph", "risk", "testkit"],
                vec!["cli"]
            ]
        );
    }

    #[test]
    fn cycles_name_their_path_and_unknown_ids_are_errors() {
        use DependencyKind::Normal;
        let err = ComponentGraph::new(vec![
            comp("a", "1.0.0", &[("b", Normal, None)]),
            comp("b", "1.0.0", &[("c", Normal, None)]),
            comp("c", "1.0.0", &[("a", Normal, None)]),
        ])
        .expect_err("cycle");
        assert_eq!(
            err,
            BuildComponentGraphError::Cycle(vec![id("a"), id("b"), id("c"), id("a")])
        );
        assert_eq!(err.to_string(), "dependency cycle: a -> b -> c -> a");
        let err = ComponentGraph::new(vec![comp("a", "1.0.0", &[("zz", Normal, None)])])
            .expect_err("unknown");
        assert_eq!(
            err,
            BuildComponentGraphError::UnknownDependency {
                component: id("a"),
                dependency: id("zz")
            }
        );
        assert_eq!(
            sample().impact(&id("nope"), DevDependencies::Include),
            Err(UnknownComponentError(id("nope")))
        );
    }

    #[test]
    fn impact_reports_depth() {
        let g = sample();
        let imp = g
            .impact(&id("model"), DevDependencies::Exclude)
            .expect("known");
        let got: Vec<(String, usize)> = imp
            .iter()
            .map(|i| (i.component.to_string(), i.depth))
            .collect();
        assert_eq!(
            got,
            [
                ("cli".into(), 1),
                ("graph".into(), 1),
                ("risk".into(), 1),
                ("testkit".into(), 1)
            ]
        );
        let imp = g
            .impact(&id("testkit"), DevDependencies::Include)
            .expect("known");
        assert_eq!(
            imp[0],
            Impacted {
                component: id("graph"),
                depth: 1
            }
        );
        assert!(imp.contains(&Impacted {
            component: id("cli"),
            depth: 2
        }));
        assert!(
            g.impact(&id("testkit"), DevDependencies::Exclude)
                .expect("known")
                .is_empty()
        );
    }

    #[test]
    fn propagation_policies_with_evidence() {
        let g = sample();
        let direct = BTreeMap::from([(id("model"), Bump::Minor)]);
        // 1.3.0 still matches ^1 and 1.2 (=^1.2): nothing propagates
        let plan = g
            .propagate(
                &direct,
                &PropagationPolicy::new(Propagation::WhenRequirementBreaks),
            )
            .expect("ok");
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].to.to_string(), "1.3.0");
        let direct = BTreeMap::from([(id("model"), Bump::Major)]);
        let plan = g
            .propagate(
                &direct,
                &PropagationPolicy::new(Propagation::WhenRequirementBreaks),
            )
            .expect("ok");
        let names: Vec<String> = plan.iter().map(|p| p.component.to_string()).collect();
        assert_eq!(names, ["model", "graph", "cli", "risk", "testkit"]);
        assert_eq!(
            plan[1].to_string(),
            "graph 1.4.0 -> 1.4.1 because model 2.0.0 breaks \"model = ^1\""
        );
        // graph 1.4.1 still matches cli's ^1, but model 2.0.0 breaks it
        assert_eq!(plan[2].causes.len(), 1);
        assert!(
            g.propagate(&direct, &PropagationPolicy::new(Propagation::Never))
                .expect("ok")
                .len()
                == 1
        );
        let small = BTreeMap::from([(id("graph"), Bump::Patch)]);
        let plan = g
            .propagate(&small, &PropagationPolicy::new(Propagation::AlwaysPatch))
            .expect("ok");
        assert_eq!(
            plan.iter()
                .map(|p| p.component.as_str())
                .collect::<Vec<_>>(),
            ["graph", "cli"]
        );
        let mut lock = PropagationPolicy::new(Propagation::Never);
        lock.lockstep = vec![vec![id("graph"), id("risk")]];
        let plan = g
            .propagate(&BTreeMap::from([(id("graph"), Bump::Minor)]), &lock)
            .expect("ok");
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[1].to.to_string(), "1.1.0");
        assert_eq!(
            plan[1].causes,
            vec![BumpCause::Lockstep {
                member: id("graph"),
                bump: Bump::Minor
            }]
        );
        assert_eq!(
            g.propagate(&BTreeMap::from([(id("x"), Bump::Patch)]), &lock),
            Err(UnknownComponentError(id("x")))
        );
    }

    /// A component that lists the same dependency twice with requirements that disagree made
    /// `propagate` swap the two causes forever.
    #[test]
    fn propagation_terminates_on_a_dependency_listed_twice() {
        use DependencyKind::{Build, Normal};
        let g = ComponentGraph::new(vec![
            comp("a", "1.0.0", &[]),
            comp(
                "b",
                "2.0.0",
                &[("a", Normal, Some("^1")), ("a", Build, Some("=1.0.0"))],
            ),
        ])
        .expect("valid");
        let plan = g
            .propagate(
                &BTreeMap::from([(id("a"), Bump::Patch)]),
                &PropagationPolicy::new(Propagation::AlwaysPatch),
            )
            .expect("ok");
        assert_eq!(plan.len(), 2);
        let matches: Vec<(Option<&str>, RequirementMatch)> = plan[1]
            .causes
            .iter()
            .filter_map(|c| match c {
                BumpCause::Dependency {
                    requirement,
                    requirement_matches,
                    ..
                } => Some((requirement.as_deref(), *requirement_matches)),
                _ => None,
            })
            .collect();
        assert_eq!(
            matches,
            [
                (Some("^1"), RequirementMatch::Matches),
                (Some("=1.0.0"), RequirementMatch::Breaks)
            ]
        );
    }
}
