//! Publish plans: components published one at a time in dependency order under registry rate
//! limits (token buckets), resumable from the steps already done.
//!
//! A token bucket holds at most `burst` tokens, starts full and regains one token every
//! `period_secs` seconds; each publish takes one token of its kind (crates.io, for example,
//! allows a burst of 30 new versions refilled one a minute, and a burst of 5 new crates refilled
//! one per 10 minutes). Times are seconds relative to "now" (`0`), so the planner never reads
//! the clock.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use relman_model::ComponentId;
use serde::{Deserialize, Serialize};

use crate::components::{ComponentGraph, UnknownComponentError};

/// A token bucket rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenBucket {
    /// Tokens available at once (≥ 1).
    pub burst: u32,
    /// Seconds to regain one token (≥ 1).
    pub period_secs: u64,
}

/// The registry's limits, one bucket per kind of publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RateLimits {
    /// New versions of existing crates.
    pub new_versions: TokenBucket,
    /// Crates never published before.
    pub new_crates: TokenBucket,
}

impl Default for RateLimits {
    /// A burst of 30 new versions refilled one per minute; a burst of 5 new crates refilled one
    /// per 10 minutes.
    fn default() -> Self {
        Self {
            new_versions: TokenBucket {
                burst: 30,
                period_secs: 60,
            },
            new_crates: TokenBucket {
                burst: 5,
                period_secs: 600,
            },
        }
    }
}

/// Whether a publish creates a crate or adds a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishKind {
    /// The first publish of a crate.
    NewCrate,
    /// A new version of an existing crate.
    NewVersion,
}

/// A publish that already happened, for resuming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneStep {
    /// The component.
    pub component: ComponentId,
    /// Its kind.
    pub kind: PublishKind,
    /// When it happened, in seconds relative to now (≤ 0).
    pub at_secs: i64,
}

/// One planned publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishStep {
    /// The component.
    pub component: ComponentId,
    /// Its kind.
    pub kind: PublishKind,
    /// Earliest time it may run, in seconds from now.
    pub at_secs: i64,
}

/// The remaining publishes, in order.
///
/// JSON shape: `{"steps": [{"component": "a", "kind": "new_version", "at_secs": 0}],
/// "finish_secs": 0}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishPlan {
    /// The steps, sequential and in dependency order.
    pub steps: Vec<PublishStep>,
    /// Time of the last step (0 when nothing remains).
    pub finish_secs: i64,
}

/// A bucket's level in token-seconds: `burst × period` when full, a publish costs `period`.
#[derive(Debug, Clone, Copy)]
struct Level {
    bucket: TokenBucket,
    level: i64,
    at: i64,
}

impl Level {
    fn new(bucket: TokenBucket) -> Self {
        let period = bucket.period_secs.max(1) as i64;
        Self {
            bucket,
            level: i64::from(bucket.burst.max(1)) * period,
            at: i64::MIN,
        }
    }

    fn cap(&self) -> i64 {
        i64::from(self.bucket.burst.max(1)) * self.bucket.period_secs.max(1) as i64
    }

    fn refill(&mut self, t: i64) {
        if self.at != i64::MIN && t > self.at {
            self.level = (self.level + (t - self.at)).min(self.cap());
        }
        self.at = self.at.max(t);
    }

    /// Takes a token at `t` or later; returns when. A past publish may overdraw the bucket.
    fn take(&mut self, t: i64) -> i64 {
        let period = self.bucket.period_secs.max(1) as i64;
        self.refill(t);
        let t = if self.level >= period {
            t
        } else {
            t + (period - self.level)
        };
        self.refill(t);
        self.level -= period;
        t
    }
}

/// Plans the remaining publishes: every component of `to_publish` that is not in `done`, one
/// at a time in the graph's release order (dependencies first, ties by id), each as early as
/// its rate limit allows; `done` steps drain the buckets at their past times. Same input, same
/// plan.
///
/// Complexity: O(n + e + d log d) for d done steps.
///
/// # Errors
///
/// [`UnknownComponentError`] when `to_publish` or `done` names a component that is not in the
/// graph.
pub fn publish_plan(
    graph: &ComponentGraph,
    to_publish: &BTreeMap<ComponentId, PublishKind>,
    done: &[DoneStep],
    limits: &RateLimits,
) -> Result<PublishPlan, UnknownComponentError> {
    let known: HashMap<&ComponentId, ()> = graph.components().iter().map(|c| (&c.id, ())).collect();
    for id in to_publish.keys().chain(done.iter().map(|d| &d.component)) {
        if !known.contains_key(id) {
            return Err(UnknownComponentError(id.clone()));
        }
    }
    let mut versions = Level::new(limits.new_versions);
    let mut crates = Level::new(limits.new_crates);
    let mut past: Vec<&DoneStep> = done.iter().collect();
    past.sort_by(|a, b| (a.at_secs, &a.component).cmp(&(b.at_secs, &b.component)));
    for d in past {
        let level = match d.kind {
            PublishKind::NewCrate => &mut crates,
            PublishKind::NewVersion => &mut versions,
        };
        level.refill(d.at_secs);
        level.level -= level.bucket.period_secs.max(1) as i64;
    }
    let done_ids: BTreeSet<&ComponentId> = done.iter().map(|d| &d.component).collect();
    let mut t = 0i64;
    let mut steps = Vec::new();
    for id in graph.release_order() {
        let Some(&kind) = to_publish.get(id) else {
            continue;
        };
        if done_ids.contains(id) {
            continue;
        }
        let level = match kind {
            PublishKind::NewCrate => &mut crates,
            PublishKind::NewVersion => &mut versions,
        };
        t = level.take(t);
        steps.push(PublishStep {
            component: id.clone(),
            kind,
            at_secs: t,
        });
    }
    Ok(PublishPlan {
        finish_secs: steps.last().map_or(0, |s| s.at_secs),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use relman_model::{Component, Dependency, DependencyKind};

    fn id(i: usize) -> ComponentId {
        format!("c{i:02}").parse().expect("valid id")
    }

    /// A chain c00 <- c01 <- ... (each depends on the previous one).
    fn chain(n: usize) -> ComponentGraph {
        ComponentGraph::new(
            (0..n)
                .map(|i| {
                    let c = Component::new(id(i), "1.0.0".parse().expect("version"));
                    if i == 0 {
                        c
                    } else {
                        c.with_dependency(Dependency::new(id(i - 1), DependencyKind::Normal, None))
                    }
                })
                .collect(),
        )
        .expect("valid")
    }

    #[test]
    fn bursts_then_refill_rates() {
        let g = chain(40);
        let all: BTreeMap<ComponentId, PublishKind> = (0..40)
            .map(|i| {
                (
                    id(i),
                    if i < 7 {
                        PublishKind::NewCrate
                    } else {
                        PublishKind::NewVersion
                    },
                )
            })
            .collect();
        let plan = publish_plan(&g, &all, &[], &RateLimits::default()).expect("known ids");
        let times: Vec<i64> = plan.steps.iter().map(|s| s.at_secs).collect();
        // 5 new crates at once, then one per 600 s; versions follow sequentially
        assert_eq!(&times[..7], &[0, 0, 0, 0, 0, 600, 1200]);
        // then a burst of 30 new versions, then one a minute
        assert!(times[7..37].iter().all(|&t| t == 1200), "{times:?}");
        assert_eq!(&times[37..], &[1260, 1320, 1380]);
        assert_eq!(plan.steps[0].component, id(0));
        assert_eq!(plan.finish_secs, 1380);
        let versions: BTreeMap<ComponentId, PublishKind> =
            (0..35).map(|i| (id(i), PublishKind::NewVersion)).collect();
        let plan = publish_plan(&g, &versions, &[], &RateLimits::default()).expect("known ids");
        assert_eq!(plan.steps[29].at_secs, 0);
        assert_eq!(plan.steps[30].at_secs, 60);
        assert_eq!(plan.steps[34].at_secs, 300);
    }

    #[test]
    fn resuming_skips_done_steps_and_counts_their_tokens() {
        let g = chain(8);
        let all: BTreeMap<ComponentId, PublishKind> =
            (0..8).map(|i| (id(i), PublishKind::NewCrate)).collect();
        let done: Vec<DoneStep> = (0..4)
            .map(|i| DoneStep {
                component: id(i),
                kind: PublishKind::NewCrate,
                at_secs: -100,
            })
            .collect();
        let plan = publish_plan(&g, &all, &done, &RateLimits::default()).expect("known ids");
        let got: Vec<(String, i64)> = plan
            .steps
            .iter()
            .map(|s| (s.component.to_string(), s.at_secs))
            .collect();
        // one token left (5 - 4, + 100 s of refill is not a whole token): c04 now, c05 after 500 s
        assert_eq!(
            got,
            [
                ("c04".into(), 0),
                ("c05".into(), 500),
                ("c06".into(), 1100),
                ("c07".into(), 1700)
            ]
        );
        let unknown = [DoneStep {
            component: "zz".parse().expect("id"),
            kind: PublishKind::NewCrate,
            at_secs: 0,
        }];
        assert!(publish_plan(&g, &all, &unknown, &RateLimits::default()).is_err());
    }
}
