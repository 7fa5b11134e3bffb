//! Release risk: change probabilities and release-level factors into a 0–100 score, a level,
//! reasons and mitigations; and a risk register over [`RiskItem`]s.
//!
//! The score is a sum of capped points per factor (so every reason states exactly how much it
//! added), capped at 100:
//!
//! | factor | points |
//! |---|---|
//! | changes | `35 × (1 − e^(−E/3))`, `E` = Σ change probabilities (expected defect-inducing changes) |
//! | bump | major 15, minor 5, patch or none 0 |
//! | components | `10 × (1 − e^(−(n − 1)/5))` for `n` components released together |
//! | dependents | `10 × (1 − e^(−d/10))` for `d` transitive dependents |
//! | failing gates | 10 each, at most 20 |
//! | missing gates | 5 each, at most 10 |
//! | freeze | inside a freeze 15, within its margin 7 |
//! | change failure rate | `20 × r` of the target environment's recent deployments |
//! | time since last release | `10 × (1 − e^(−days/90))`: long gaps make big batches |
//!
//! Levels: below 25 low, below 50 medium, below 75 high, else critical.

use std::collections::BTreeMap;

use relman_model::{Bump, RiskId, RiskItem, RiskLevel};
use serde::{Deserialize, Serialize};

/// Where the deployment falls relative to a freeze window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreezeProximity {
    /// No freeze nearby.
    #[default]
    Clear,
    /// Close to (before or after) a freeze.
    Near,
    /// Inside a freeze.
    Inside,
}

/// The inputs of [`assess_release`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleaseFactors {
    /// Probability of each change in the release (from a [`crate::RiskModel`]).
    pub change_probabilities: Vec<f64>,
    /// The largest version bump in the release.
    pub bump: Bump,
    /// Components released together.
    pub components: usize,
    /// Transitive dependents of the released components.
    pub dependents: usize,
    /// Quality gates that fail.
    pub failing_gates: usize,
    /// Quality gates without evidence.
    pub missing_gates: usize,
    /// Freeze proximity of the planned deployment.
    pub freeze: FreezeProximity,
    /// Share of the target environment's recent deployments that failed, when known.
    pub change_failure_rate: Option<f64>,
    /// Days since the previous release, when there was one.
    pub days_since_last_release: Option<f64>,
}

/// A release-level risk factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReleaseFactor {
    /// The changes' own risk.
    Changes,
    /// A major or minor bump.
    Bump,
    /// Many components at once.
    Components,
    /// Many dependents affected.
    Dependents,
    /// Failing quality gates.
    FailingGates,
    /// Quality gates without evidence.
    MissingGates,
    /// A freeze window.
    Freeze,
    /// The environment's recent change failure rate.
    ChangeFailureRate,
    /// Time since the last release.
    TimeSinceLastRelease,
}

impl ReleaseFactor {
    /// The factor as written in JSON (`changes`, `bump`, `components`, `dependents`, `failing_gates`, `missing_gates`, `freeze`, `change_failure_rate`, `time_since_last_release`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ReleaseFactor::Changes => "changes",
            ReleaseFactor::Bump => "bump",
            ReleaseFactor::Components => "components",
            ReleaseFactor::Dependents => "dependents",
            ReleaseFactor::FailingGates => "failing_gates",
            ReleaseFactor::MissingGates => "missing_gates",
            ReleaseFactor::Freeze => "freeze",
            ReleaseFactor::ChangeFailureRate => "change_failure_rate",
            ReleaseFactor::TimeSinceLastRelease => "time_since_last_release",
        }
    }
}

impl std::fmt::Display for ReleaseFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// How much one factor added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The factor.
    pub factor: ReleaseFactor,
    /// Points added to the 0–100 score.
    pub points: f64,
}

/// A suggested mitigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mitigation {
    /// Review the riskiest changes again before release.
    ReviewRiskiestChanges,
    /// Split the release into smaller batches.
    SmallerBatches,
    /// Deploy to a canary first.
    Canary,
    /// Require extra approvals.
    ExtraApprovals,
    /// Release components in dependency waves.
    StagedRollout,
    /// Make the failing or missing gates pass first.
    FixGates,
    /// Move the deployment out of the freeze (or get an emergency approval).
    Reschedule,
    /// Prepare and rehearse the rollback.
    RollbackPlan,
}

impl Mitigation {
    /// The mitigation as written in JSON (`review_riskiest_changes`, `smaller_batches`, `canary`, `extra_approvals`, `staged_rollout`, `fix_gates`, `reschedule`, `rollback_plan`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Mitigation::ReviewRiskiestChanges => "review_riskiest_changes",
            Mitigation::SmallerBatches => "smaller_batches",
            Mitigation::Canary => "canary",
            Mitigation::ExtraApprovals => "extra_approvals",
            Mitigation::StagedRollout => "staged_rollout",
            Mitigation::FixGates => "fix_gates",
            Mitigation::Reschedule => "reschedule",
            Mitigation::RollbackPlan => "rollback_plan",
        }
    }

    /// What to do, as a sentence for a report (`deploy to a canary first and watch it before
    /// the full rollout`).
    pub const fn advice(self) -> &'static str {
        match self {
            Mitigation::ReviewRiskiestChanges => {
                "review the riskiest changes again and add targeted tests before approval"
            }
            Mitigation::SmallerBatches => {
                "release more often: smaller batches are easier to verify"
            }
            Mitigation::Canary => "deploy to a canary first and watch it before the full rollout",
            Mitigation::ExtraApprovals => "require an extra approval for production",
            Mitigation::StagedRollout => {
                "release in waves and verify each wave in staging before the next"
            }
            Mitigation::FixGates => "make the failing or missing quality gates pass first",
            Mitigation::Reschedule => "move the deployment out of the freeze",
            Mitigation::RollbackPlan => "prepare and rehearse the rollback",
        }
    }
}

impl std::fmt::Display for Mitigation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The outcome of [`assess_release`].
///
/// JSON shape: `{"score": 0-100, "level": "low|medium|high|critical", "reasons": [{"factor",
/// "points"}], "mitigations": [...]}`, reasons by points descending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRisk {
    /// The 0–100 score (rounded).
    pub score: u8,
    /// Its level.
    pub level: RiskLevel,
    /// Factors that added points, largest first (ties by factor order).
    pub reasons: Vec<Reason>,
    /// Suggested mitigations, in a stable order, for the factors present.
    pub mitigations: Vec<Mitigation>,
}

/// Scores a release (see the [module docs](self) for the points of each factor).
///
/// Probabilities outside `[0, 1]` or NaN are clamped (NaN counts 0).
pub fn assess_release(factors: &ReleaseFactors) -> ReleaseRisk {
    let saturate = |x: f64, scale: f64| 1.0 - (-x / scale).exp();
    let expected: f64 = factors
        .change_probabilities
        .iter()
        .map(|p| if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) })
        .sum();
    let mut reasons = vec![
        (ReleaseFactor::Changes, 35.0 * saturate(expected, 3.0)),
        (
            ReleaseFactor::Bump,
            match factors.bump {
                Bump::Major => 15.0,
                Bump::Minor => 5.0,
                _ => 0.0,
            },
        ),
        (
            ReleaseFactor::Components,
            10.0 * saturate(factors.components.saturating_sub(1) as f64, 5.0),
        ),
        (
            ReleaseFactor::Dependents,
            10.0 * saturate(factors.dependents as f64, 10.0),
        ),
        (
            ReleaseFactor::FailingGates,
            (10.0 * factors.failing_gates as f64).min(20.0),
        ),
        (
            ReleaseFactor::MissingGates,
            (5.0 * factors.missing_gates as f64).min(10.0),
        ),
        (
            ReleaseFactor::Freeze,
            match factors.freeze {
                FreezeProximity::Clear => 0.0,
                FreezeProximity::Near => 7.0,
                FreezeProximity::Inside => 15.0,
            },
        ),
        (
            ReleaseFactor::ChangeFailureRate,
            20.0 * factors
                .change_failure_rate
                .filter(|r| !r.is_nan())
                .unwrap_or(0.0)
                .clamp(0.0, 1.0),
        ),
        (
            ReleaseFactor::TimeSinceLastRelease,
            10.0 * saturate(
                factors
                    .days_since_last_release
                    .filter(|d| !d.is_nan())
                    .unwrap_or(0.0)
                    .max(0.0),
                90.0,
            ),
        ),
    ];
    reasons.retain(|(_, p)| *p > 0.0);
    reasons.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: f64 = reasons.iter().map(|(_, p)| p).sum::<f64>().min(100.0);
    let score = total.round() as u8;
    let level = match score {
        0..=24 => RiskLevel::Low,
        25..=49 => RiskLevel::Medium,
        50..=74 => RiskLevel::High,
        _ => RiskLevel::Critical,
    };
    let mut mitigations = Vec::new();
    for (factor, points) in &reasons {
        let suggested: &[Mitigation] = match factor {
            ReleaseFactor::Changes if *points >= 10.0 => &[
                Mitigation::ReviewRiskiestChanges,
                Mitigation::SmallerBatches,
            ],
            ReleaseFactor::Changes => &[Mitigation::ReviewRiskiestChanges],
            ReleaseFactor::Bump => &[Mitigation::Canary, Mitigation::ExtraApprovals],
            ReleaseFactor::Components | ReleaseFactor::Dependents => &[Mitigation::StagedRollout],
            ReleaseFactor::FailingGates | ReleaseFactor::MissingGates => &[Mitigation::FixGates],
            ReleaseFactor::Freeze => &[Mitigation::Reschedule, Mitigation::ExtraApprovals],
            ReleaseFactor::ChangeFailureRate => &[Mitigation::Canary, Mitigation::RollbackPlan],
            ReleaseFactor::TimeSinceLastRelease => &[Mitigation::SmallerBatches],
        };
        mitigations.extend_from_slice(suggested);
    }
    if level >= RiskLevel::High {
        mitigations.push(Mitigation::RollbackPlan);
    }
    mitigations.sort();
    mitigations.dedup();
    ReleaseRisk {
        score,
        level,
        reasons: reasons
            .into_iter()
            .map(|(factor, points)| Reason { factor, points })
            .collect(),
        mitigations,
    }
}

/// Returned by [`RiskRegister::add`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddRiskError {
    /// An item with this id is already registered.
    #[error("risk {id} is already in the register")]
    Duplicate {
        /// The id.
        id: RiskId,
    },
}

/// A risk register: items by id, with the likelihood × impact matrix.
///
/// JSON shape: `{"items": [RiskItem, ...]}` in id order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RiskRegister {
    items: BTreeMap<RiskId, RiskItem>,
}

impl RiskRegister {
    /// An empty register.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an item.
    ///
    /// # Errors
    ///
    /// [`AddRiskError::Duplicate`] when its id is taken.
    pub fn add(&mut self, item: RiskItem) -> Result<(), AddRiskError> {
        if self.items.contains_key(&item.id) {
            return Err(AddRiskError::Duplicate { id: item.id });
        }
        self.items.insert(item.id.clone(), item);
        Ok(())
    }

    /// The item with this id.
    pub fn item(&self, id: &RiskId) -> Option<&RiskItem> {
        self.items.get(id)
    }

    /// Items by likelihood × impact descending, ties by id.
    pub fn by_score(&self) -> Vec<&RiskItem> {
        let mut items: Vec<&RiskItem> = self.items.values().collect();
        items.sort_by(|a, b| b.score().cmp(&a.score()).then_with(|| a.id.cmp(&b.id)));
        items
    }

    /// The 5 × 5 matrix: `matrix[likelihood − 1][impact − 1]` lists the ids in that cell.
    pub fn matrix(&self) -> [[Vec<RiskId>; 5]; 5] {
        let mut matrix: [[Vec<RiskId>; 5]; 5] = Default::default();
        for item in self.items.values() {
            let l = usize::from(item.likelihood.get()).clamp(1, 5) - 1;
            let i = usize::from(item.impact.get()).clamp(1, 5) - 1;
            matrix[l][i].push(item.id.clone());
        }
        matrix
    }

    /// Number of items per level.
    pub fn count_by_level(&self) -> BTreeMap<RiskLevel, usize> {
        let mut counts = BTreeMap::new();
        for item in self.items.values() {
            *counts.entry(item.level()).or_insert(0) += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relman_model::{Rating, RiskCategory};

    #[test]
    fn quiet_release_is_low_with_no_mitigation_beyond_review() {
        let factors = ReleaseFactors {
            change_probabilities: vec![0.05, 0.1],
            bump: Bump::Patch,
            components: 1,
            ..ReleaseFactors::default()
        };
        let risk = assess_release(&factors);
        // 35 × (1 − e^(−0.05)) = 1.707 → 2.
        assert_eq!(risk.score, 2);
        assert_eq!(risk.level, RiskLevel::Low);
        assert_eq!(risk.reasons.len(), 1);
        assert_eq!(risk.mitigations, [Mitigation::ReviewRiskiestChanges]);
    }

    #[test]
    fn risky_release_is_critical_with_sorted_reasons() {
        let factors = ReleaseFactors {
            change_probabilities: vec![0.9; 20],
            bump: Bump::Major,
            components: 6,
            dependents: 30,
            failing_gates: 1,
            missing_gates: 0,
            freeze: FreezeProximity::Inside,
            change_failure_rate: Some(0.3),
            days_since_last_release: Some(180.0),
        };
        let risk = assess_release(&factors);
        assert_eq!(risk.level, RiskLevel::Critical);
        assert_eq!(risk.score, 100);
        assert_eq!(risk.reasons[0].factor, ReleaseFactor::Changes);
        assert!(risk.reasons.windows(2).all(|w| w[0].points >= w[1].points));
        for m in [
            Mitigation::Canary,
            Mitigation::Reschedule,
            Mitigation::FixGates,
            Mitigation::StagedRollout,
            Mitigation::RollbackPlan,
        ] {
            assert!(risk.mitigations.contains(&m), "{m:?}");
        }
    }

    #[test]
    fn major_bump_alone_adds_fifteen_points() {
        let base = assess_release(&ReleaseFactors::default());
        assert_eq!(base.score, 0);
        let major = assess_release(&ReleaseFactors {
            bump: Bump::Major,
            ..ReleaseFactors::default()
        });
        assert_eq!(major.score, 15);
        assert_eq!(major.reasons[0].factor, ReleaseFactor::Bump);
    }

    fn item(id: &str, l: u8, i: u8) -> RiskItem {
        RiskItem::new(
            id.parse().expect("valid id"),
            "something",
            RiskCategory::Technical,
            Rating::new(l).expect("rating"),
            Rating::new(i).expect("rating"),
        )
    }

    #[test]
    fn register_orders_by_score_and_fills_the_matrix() {
        let mut register = RiskRegister::new();
        register.add(item("R-1", 2, 2)).expect("new");
        register.add(item("R-2", 5, 4)).expect("new");
        register.add(item("R-3", 4, 5)).expect("new");
        assert!(matches!(
            register.add(item("R-1", 1, 1)),
            Err(AddRiskError::Duplicate { .. })
        ));
        let order: Vec<&str> = register.by_score().iter().map(|i| i.id.as_str()).collect();
        assert_eq!(order, ["R-2", "R-3", "R-1"]);
        let matrix = register.matrix();
        assert_eq!(matrix[4][3][0].as_str(), "R-2");
        assert_eq!(matrix[1][1].len(), 1);
        let counts = register.count_by_level();
        assert_eq!(counts.get(&RiskLevel::Critical), Some(&2));
        assert_eq!(counts.get(&RiskLevel::Low), Some(&1));
    }

    #[test]
    fn factors_and_mitigations_display_their_json_names() {
        let factors = [
            ReleaseFactor::Changes,
            ReleaseFactor::Bump,
            ReleaseFactor::Components,
            ReleaseFactor::Dependents,
            ReleaseFactor::FailingGates,
            ReleaseFactor::MissingGates,
            ReleaseFactor::Freeze,
            ReleaseFactor::ChangeFailureRate,
            ReleaseFactor::TimeSinceLastRelease,
        ];
        for factor in factors {
            let json = serde_json::to_string(&factor).expect("serialises");
            assert_eq!(json, format!("\"{factor}\""));
        }
        let mitigations = [
            Mitigation::ReviewRiskiestChanges,
            Mitigation::SmallerBatches,
            Mitigation::Canary,
            Mitigation::ExtraApprovals,
            Mitigation::StagedRollout,
            Mitigation::FixGates,
            Mitigation::Reschedule,
            Mitigation::RollbackPlan,
        ];
        for mitigation in mitigations {
            let json = serde_json::to_string(&mitigation).expect("serialises");
            assert_eq!(json, format!("\"{mitigation}\""));
        }
    }
}
