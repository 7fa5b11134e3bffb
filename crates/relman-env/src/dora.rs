//! DORA metrics from the ledger: deployment frequency, lead time for changes, change failure
//! rate, failed-deployment recovery time and rework rate, with medians and 90th percentiles,
//! rated against performance bands that are versioned data naming their source.
//!
//! Definitions (over deployments to one environment, usually production, started in
//! `[from, to)`):
//! - *deployment frequency*: successful deployments per day;
//! - *lead time for changes*: for every change a successful deployment shipped, deployment finish
//!   time minus commit time;
//! - *change failure rate*: deployments that failed or were linked to an incident, over finished
//!   deployments;
//! - *recovery time*: from a failed deployment to the next successful deployment of that
//!   component there, and from an incident's opening to its resolution;
//! - *rework rate*: rollbacks and hotfixes over finished deployments.
//!
//! Percentiles use the nearest-rank method.

use chrono::{DateTime, Duration, Utc};
use relman_model::EnvironmentId;
use serde::{Deserialize, Serialize};

use crate::event::DeployReason;
use crate::state::{Deployment, DeploymentStatus, EnvState};

/// Median and 90th percentile of a set of durations, in seconds.
///
/// JSON: `{"count": 12, "median_seconds": 3600, "p90_seconds": 86400}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DurationStats {
    /// How many durations.
    pub count: usize,
    /// The median (nearest rank), if any.
    pub median_seconds: Option<i64>,
    /// The 90th percentile (nearest rank), if any.
    pub p90_seconds: Option<i64>,
}

impl DurationStats {
    /// Statistics of `durations`.
    pub fn of(mut durations: Vec<Duration>) -> Self {
        durations.sort();
        let rank = |p: usize| -> Option<i64> {
            if durations.is_empty() {
                return None;
            }
            // Nearest rank: the smallest value with at least p% of values at or below it.
            let k = (p * durations.len()).div_ceil(100).max(1);
            durations.get(k - 1).map(Duration::num_seconds)
        };
        DurationStats {
            count: durations.len(),
            median_seconds: rank(50),
            p90_seconds: rank(90),
        }
    }
}

/// A performance band, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Elite performers.
    Elite,
    /// High performers.
    High,
    /// Medium performers.
    Medium,
    /// Low performers.
    Low,
}

impl Band {
    /// The band as written in JSON (`elite`, `high`, `medium`, `low`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Band::Elite => "elite",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The thresholds of one band: a metric is in the first band (best first) whose threshold it
/// meets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandThresholds {
    /// The band.
    pub band: Band,
    /// At least this many deployments per day.
    pub min_deploys_per_day: f64,
    /// Median lead time at most this many seconds.
    pub max_lead_time_seconds: i64,
    /// Change failure rate at most this.
    pub max_change_failure_rate: f64,
    /// Median recovery time at most this many seconds.
    pub max_recovery_seconds: i64,
}

/// Performance bands as versioned data naming their source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bands {
    /// Where the thresholds come from.
    pub source: String,
    /// Which edition of the source.
    pub version: String,
    /// Best band first; the last band takes everything else.
    pub bands: Vec<BandThresholds>,
}

impl Bands {
    /// The bands of the 2021 Accelerate State of DevOps report (DORA, Google Cloud), as
    /// thresholds: elite deploys on demand (daily or more), lead time and restore under an hour,
    /// change failure rate up to 15%; high weekly, lead time under a week, restore under a day,
    /// up to 30%; medium monthly, lead time under six months, restore under a week, up to 30%;
    /// low the rest.
    pub fn dora_2021() -> Self {
        const HOUR: i64 = 3600;
        const DAY: i64 = 24 * HOUR;
        Bands {
            source: "Accelerate State of DevOps Report, DORA / Google Cloud".to_string(),
            version: "2021".to_string(),
            bands: vec![
                BandThresholds {
                    band: Band::Elite,
                    min_deploys_per_day: 1.0,
                    max_lead_time_seconds: HOUR,
                    max_change_failure_rate: 0.15,
                    max_recovery_seconds: HOUR,
                },
                BandThresholds {
                    band: Band::High,
                    min_deploys_per_day: 1.0 / 7.0,
                    max_lead_time_seconds: 7 * DAY,
                    max_change_failure_rate: 0.30,
                    max_recovery_seconds: DAY,
                },
                BandThresholds {
                    band: Band::Medium,
                    min_deploys_per_day: 1.0 / 30.0,
                    max_lead_time_seconds: 182 * DAY,
                    max_change_failure_rate: 0.30,
                    max_recovery_seconds: 7 * DAY,
                },
                BandThresholds {
                    band: Band::Low,
                    min_deploys_per_day: 0.0,
                    max_lead_time_seconds: i64::MAX,
                    max_change_failure_rate: 1.0,
                    max_recovery_seconds: i64::MAX,
                },
            ],
        }
    }

    fn rate(&self, ok: impl Fn(&BandThresholds) -> bool) -> Option<Band> {
        self.bands.iter().find(|b| ok(b)).map(|b| b.band)
    }
}

/// The band of each metric (`None` when the metric has no data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    /// Deployment frequency.
    pub deployment_frequency: Option<Band>,
    /// Lead time (median).
    pub lead_time: Option<Band>,
    /// Change failure rate.
    pub change_failure_rate: Option<Band>,
    /// Recovery time (median).
    pub recovery_time: Option<Band>,
}

/// DORA metrics over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoraMetrics {
    /// The environment measured.
    pub env: EnvironmentId,
    /// Start of the period (inclusive).
    pub from: DateTime<Utc>,
    /// End of the period (exclusive).
    pub to: DateTime<Utc>,
    /// Finished deployments (succeeded or failed).
    pub deployments: usize,
    /// Successful deployments per day.
    pub deployments_per_day: f64,
    /// Lead time for changes.
    pub lead_time: DurationStats,
    /// Failed or incident-linked deployments over finished deployments (`None` without any).
    pub change_failure_rate: Option<f64>,
    /// Recovery time.
    pub recovery_time: DurationStats,
    /// Rollbacks and hotfixes over finished deployments (`None` without any).
    pub rework_rate: Option<f64>,
    /// The bands used.
    pub bands_source: String,
    /// Their version.
    pub bands_version: String,
    /// The rating of each metric.
    pub ratings: Ratings,
}

/// Computes DORA metrics for deployments to `env` started in `[from, to)`.
pub fn dora_metrics(
    state: &EnvState,
    env: &EnvironmentId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bands: &Bands,
) -> DoraMetrics {
    let in_period: Vec<&Deployment> = state
        .deployments
        .iter()
        .filter(|d| &d.env == env && d.started_at >= from && d.started_at < to)
        .filter(|d| d.status != DeploymentStatus::InProgress)
        .collect();
    let finished = in_period.len();
    let succeeded: Vec<&&Deployment> = in_period
        .iter()
        .filter(|d| d.status == DeploymentStatus::Succeeded)
        .collect();
    let days = (to - from).num_seconds() as f64 / 86_400.0;
    let deployments_per_day = if days > 0.0 {
        succeeded.len() as f64 / days
    } else {
        0.0
    };
    let lead_times: Vec<Duration> = succeeded
        .iter()
        .flat_map(|d| {
            let done = d.finished_at.unwrap_or(d.started_at);
            d.changes.iter().map(move |c| done - c.committed_at)
        })
        .collect();
    let caused_incident = |d: &Deployment| {
        state
            .incidents
            .values()
            .any(|i| i.env == d.env && i.component == d.component && i.version == d.version)
    };
    let failures = in_period
        .iter()
        .filter(|d| d.status == DeploymentStatus::Failed || caused_incident(d))
        .count();
    let mut recoveries: Vec<Duration> = in_period
        .iter()
        .filter(|d| d.status == DeploymentStatus::Failed)
        .filter_map(|failed| {
            let failed_at = failed.finished_at.unwrap_or(failed.started_at);
            state
                .deployments
                .iter()
                .filter(|d| {
                    d.env == failed.env
                        && d.component == failed.component
                        && d.status == DeploymentStatus::Succeeded
                        && d.revision > failed.revision
                })
                .filter_map(|d| d.finished_at)
                .min()
                .map(|ok| ok - failed_at)
        })
        .collect();
    recoveries.extend(
        state
            .incidents
            .values()
            .filter(|i| &i.env == env && i.opened_at >= from && i.opened_at < to)
            .filter_map(|i| i.resolved_at.map(|r| r - i.opened_at)),
    );
    let rework = in_period
        .iter()
        .filter(|d| matches!(d.reason, DeployReason::Rollback | DeployReason::Hotfix))
        .count();
    let ratio = |n: usize| (finished > 0).then(|| n as f64 / finished as f64);
    let lead_time = DurationStats::of(lead_times);
    let recovery_time = DurationStats::of(recoveries);
    let change_failure_rate = ratio(failures);
    let ratings = Ratings {
        deployment_frequency: (finished > 0)
            .then(|| bands.rate(|b| deployments_per_day >= b.min_deploys_per_day))
            .flatten(),
        lead_time: lead_time
            .median_seconds
            .and_then(|s| bands.rate(|b| s <= b.max_lead_time_seconds)),
        change_failure_rate: change_failure_rate
            .and_then(|r| bands.rate(|b| r <= b.max_change_failure_rate)),
        recovery_time: recovery_time
            .median_seconds
            .and_then(|s| bands.rate(|b| s <= b.max_recovery_seconds)),
    };
    DoraMetrics {
        env: env.clone(),
        from,
        to,
        deployments: finished,
        deployments_per_day,
        lead_time,
        change_failure_rate,
        recovery_time,
        rework_rate: ratio(rework),
        bands_source: bands.source.clone(),
        bands_version: bands.version.clone(),
        ratings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind, ShippedChange};
    use crate::store::{Recorded, Revision};

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        format!("2026-11-{d:02}T{h:02}:00:00Z").parse().unwrap()
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let s = DurationStats::of((1..=10).map(Duration::seconds).collect());
        assert_eq!((s.median_seconds, s.p90_seconds), (Some(5), Some(9)));
        let one = DurationStats::of(vec![Duration::seconds(7)]);
        assert_eq!((one.median_seconds, one.p90_seconds), (Some(7), Some(7)));
        assert_eq!(DurationStats::of(vec![]).median_seconds, None);
    }

    #[test]
    fn metrics_from_a_small_ledger() {
        let mut events = Vec::new();
        let mut push = |at, kind| {
            let revision = Revision::new(events.len() as u64 + 1);
            events.push(Recorded {
                revision,
                event: Event::new(at, None, kind),
            });
        };
        let env = || "prod".parse::<EnvironmentId>().unwrap();
        let api = || "api".parse().unwrap();
        let deploy = |v: &str, reason, commit| EventKind::DeploymentStarted {
            env: env(),
            component: api(),
            version: v.parse().unwrap(),
            release: None,
            reason,
            changes: vec![ShippedChange {
                id: "c".parse().unwrap(),
                committed_at: commit,
            }],
        };
        let ok = |v: &str| EventKind::DeploymentSucceeded {
            env: env(),
            component: api(),
            version: v.parse().unwrap(),
        };
        push(t(1, 10), deploy("1.0.0", DeployReason::Planned, t(1, 8)));
        push(t(1, 11), ok("1.0.0"));
        push(t(2, 10), deploy("1.1.0", DeployReason::Planned, t(2, 6)));
        push(
            t(2, 11),
            EventKind::DeploymentFailed {
                env: env(),
                component: api(),
                version: "1.1.0".parse().unwrap(),
                reason: "x".into(),
            },
        );
        push(t(2, 12), deploy("1.0.0", DeployReason::Rollback, t(1, 8)));
        push(t(2, 13), ok("1.0.0"));
        let state = EnvState::fold(&events);
        let m = dora_metrics(&state, &env(), t(1, 0), t(3, 0), &Bands::dora_2021());
        assert_eq!(m.deployments, 3);
        assert!((m.deployments_per_day - 1.0).abs() < 1e-9);
        assert_eq!(m.change_failure_rate, Some(1.0 / 3.0));
        assert_eq!(m.rework_rate, Some(1.0 / 3.0));
        // Lead times: 3 h (1.0.0) and 29 h (the rollback re-ships the old change).
        assert_eq!(m.lead_time.count, 2);
        assert_eq!(m.lead_time.median_seconds, Some(3 * 3600));
        // Recovery: failed at 11:00, restored at 13:00.
        assert_eq!(m.recovery_time.median_seconds, Some(2 * 3600));
        assert_eq!(m.ratings.deployment_frequency, Some(Band::Elite));
        assert_eq!(m.ratings.change_failure_rate, Some(Band::Low), "33% > 30%");
        assert_eq!(m.ratings.recovery_time, Some(Band::High));
        assert_eq!(m.bands_version, "2021");
    }

    #[test]
    fn band_displays_its_json_name() {
        for band in [Band::Elite, Band::High, Band::Medium, Band::Low] {
            let json = serde_json::to_string(&band).expect("serialises");
            assert_eq!(json, format!("\"{band}\""));
        }
    }
}
