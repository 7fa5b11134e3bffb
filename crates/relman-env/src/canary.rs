//! Recorded canary verdicts: what `relman verify` appends to the ledger after judging a canary
//! against its baseline (the judging itself is relman-canary's; this crate only keeps the
//! result).
//!
//! [`EventKind::CanaryVerdictRecorded`](crate::EventKind::CanaryVerdictRecorded) carries the
//! environment, component, version and baseline version, the verdict, the score and one
//! [`CanaryMetricOutcome`] per metric; the fold keeps them, in ledger order, as
//! [`CanaryVerdictRecord`]s ([`EnvState::canary_verdicts`](crate::EnvState::canary_verdicts)).

use chrono::{DateTime, Utc};
use relman_model::{ComponentId, EnvironmentId, PersonId};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::store::Revision;

/// The verdict on a canary, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanaryVerdict {
    /// The canary is as good as its baseline.
    Pass,
    /// The score is below the pass threshold but above the failing one.
    Marginal,
    /// The canary is worse than its baseline.
    Fail,
}

impl std::fmt::Display for CanaryVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            CanaryVerdict::Pass => "pass",
            CanaryVerdict::Marginal => "marginal",
            CanaryVerdict::Fail => "fail",
        })
    }
}

/// The class of a metric's change, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanaryClassification {
    /// No significant change, or one within the margins.
    Pass,
    /// The canary is significantly higher.
    High,
    /// The canary is significantly lower.
    Low,
    /// A group had no samples.
    NoData,
}

impl std::fmt::Display for CanaryClassification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            CanaryClassification::Pass => "pass",
            CanaryClassification::High => "high",
            CanaryClassification::Low => "low",
            CanaryClassification::NoData => "nodata",
        })
    }
}

/// A number as recorded in the ledger (a score, a p-value). Compared by its bits, so that
/// events stay `Eq`; JSON: a plain number.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Figure(pub f64);

impl PartialEq for Figure {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Figure {}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

/// One metric of a recorded canary verdict.
///
/// JSON: `{"metric": "latency_ms", "classification": "high", "failed": true, "p_value": 0.0004,
/// "reasons": ["canary is higher than baseline ..."]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryMetricOutcome {
    /// The metric's name.
    pub metric: String,
    /// Its class.
    pub classification: CanaryClassification,
    /// Whether the change was in the metric's bad direction.
    pub failed: bool,
    /// The p-value of its test, when it had data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<Figure>,
    /// Why, in words.
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// A recorded canary verdict (the fold of a
/// [`EventKind::CanaryVerdictRecorded`](crate::EventKind::CanaryVerdictRecorded) event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryVerdictRecord {
    /// Where the canary ran.
    pub env: EnvironmentId,
    /// The component judged.
    pub component: ComponentId,
    /// The canary's version.
    pub version: Version,
    /// The baseline's version.
    pub baseline: Version,
    /// The verdict.
    pub verdict: CanaryVerdict,
    /// The score, from 0 to 100.
    pub score: Figure,
    /// One outcome per metric.
    pub metrics: Vec<CanaryMetricOutcome>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who recorded it, when known.
    pub by: Option<PersonId>,
    /// The revision of the event.
    pub revision: Revision,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Recorded;
    use crate::{EnvState, Event, EventKind};

    fn verdict(env: &str, version: &str, verdict: CanaryVerdict, score: f64) -> Event {
        Event::new(
            "2026-12-05T10:00:00Z".parse().expect("valid time"),
            Some("ci".parse().expect("valid person")),
            EventKind::CanaryVerdictRecorded {
                env: env.parse().expect("valid env"),
                component: "api".parse().expect("valid component"),
                version: version.parse().expect("valid version"),
                baseline: "1.0.0".parse().expect("valid version"),
                verdict,
                score: Figure(score),
                metrics: vec![CanaryMetricOutcome {
                    metric: "latency_ms".into(),
                    classification: CanaryClassification::High,
                    failed: verdict == CanaryVerdict::Fail,
                    p_value: Some(Figure(0.0004)),
                    reasons: vec!["canary is higher than baseline".into()],
                }],
            },
        )
    }

    #[test]
    fn canary_verdicts_fold_per_env_component_and_version() {
        let events = [
            verdict("canary", "1.1.0", CanaryVerdict::Fail, 40.0),
            verdict("canary", "1.1.1", CanaryVerdict::Marginal, 80.0),
            verdict("canary", "1.1.1", CanaryVerdict::Pass, 100.0),
            verdict("production", "1.1.1", CanaryVerdict::Pass, 97.5),
        ];
        let mut state = EnvState::default();
        for (i, e) in events.iter().enumerate() {
            assert!(state.check(e).is_ok(), "a canary verdict always applies");
            state.apply(&Recorded {
                revision: Revision::new(i as u64 + 1),
                event: e.clone(),
            });
        }
        assert_eq!(state.canary_verdicts().len(), 4);
        let (env, component, version) = (
            "canary".parse().expect("env"),
            "api".parse().expect("component"),
            "1.1.1".parse().expect("version"),
        );
        let found: Vec<_> = state
            .canary_verdicts_for(&env, &component, &version)
            .map(|v| (v.verdict, v.score.0, v.revision))
            .collect();
        assert_eq!(
            found,
            [
                (CanaryVerdict::Marginal, 80.0, Revision::new(2)),
                (CanaryVerdict::Pass, 100.0, Revision::new(3))
            ]
        );
    }

    #[test]
    fn the_event_json_is_flat_and_round_trips() {
        let e = verdict("canary", "1.1.0", CanaryVerdict::Fail, 40.0);
        let json = serde_json::to_value(&e).expect("serialises");
        assert_eq!(json["kind"], "canary_verdict_recorded");
        assert_eq!(json["verdict"], "fail");
        assert_eq!(json["score"], 40.0);
        assert_eq!(json["metrics"][0]["classification"], "high");
        assert_eq!(e.kind.name(), "canary_verdict_recorded");
        assert_eq!(
            e.kind.version().map(ToString::to_string),
            Some("1.1.0".into())
        );
        let back: Event = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, e);
    }

    #[test]
    fn states_saved_before_canary_verdicts_still_load() {
        let mut json = serde_json::to_value(EnvState::default()).expect("serialises");
        let removed = json
            .as_object_mut()
            .expect("an object")
            .remove("canary_verdicts");
        assert!(removed.is_some(), "the field is written");
        let state: EnvState = serde_json::from_value(json).expect("an older snapshot loads");
        assert!(state.canary_verdicts().is_empty());
    }
}
