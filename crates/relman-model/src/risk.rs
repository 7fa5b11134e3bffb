//! Risk items of a risk register, rated on a 5 × 5 likelihood × impact matrix.

use serde::{Deserialize, Serialize};

use crate::id::{PersonId, RiskId};

/// A rating from 1 (lowest) to 5 (highest), used for likelihood and impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

/// Returned when a rating is outside 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rating {0} is outside 1 to 5")]
pub struct ParseRatingError(pub u8);

impl Rating {
    /// Validates a rating.
    ///
    /// # Errors
    ///
    /// [`ParseRatingError`] unless `value` is 1 to 5.
    pub fn new(value: u8) -> Result<Self, ParseRatingError> {
        if (1..=5).contains(&value) {
            Ok(Rating(value))
        } else {
            Err(ParseRatingError(value))
        }
    }

    /// The rating as a number 1–5.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = ParseRatingError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Rating::new(v)
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// A risk level, ordered from low to critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// Accept and monitor.
    Low,
    /// Mitigate where cheap.
    Medium,
    /// Mitigate before going ahead.
    High,
    /// Do not go ahead unmitigated.
    Critical,
}

impl RiskLevel {
    /// The level of a likelihood × impact score on the 5 × 5 matrix: 1–4 low, 5–9 medium,
    /// 10–16 high, 17–25 critical.
    pub fn from_matrix_score(score: u8) -> RiskLevel {
        match score {
            0..=4 => RiskLevel::Low,
            5..=9 => RiskLevel::Medium,
            10..=16 => RiskLevel::High,
            _ => RiskLevel::Critical,
        }
    }
}

impl std::fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        })
    }
}

/// What a risk is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskCategory {
    /// Defects, complexity, integration.
    Technical,
    /// Dates and dependencies.
    Schedule,
    /// People and infrastructure.
    Resource,
    /// Vulnerabilities and exposure.
    Security,
    /// Regulations and audits.
    Compliance,
    /// Running the service: capacity, rollback, on-call.
    Operational,
}

/// Where a risk stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskStatus {
    /// Identified, not yet handled.
    #[default]
    Open,
    /// Mitigation under way.
    Mitigating,
    /// Accepted as is.
    Accepted,
    /// No longer a risk.
    Closed,
}

/// One entry of a risk register.
///
/// JSON: `{"id": "R-1", "title": "...", "category": "technical", "likelihood": 3, "impact": 4,
/// "mitigation": "canary first", "owner": "ada", "status": "open"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RiskItem {
    /// The item's id.
    pub id: RiskId,
    /// What could go wrong.
    pub title: String,
    /// Its category.
    pub category: RiskCategory,
    /// How likely, 1–5.
    pub likelihood: Rating,
    /// How bad, 1–5.
    pub impact: Rating,
    /// What reduces it.
    #[serde(default)]
    pub mitigation: Option<String>,
    /// Who owns it.
    #[serde(default)]
    pub owner: Option<PersonId>,
    /// Where it stands.
    #[serde(default)]
    pub status: RiskStatus,
}

impl RiskItem {
    /// An open risk without mitigation or owner.
    pub fn new(
        id: RiskId,
        title: impl Into<String>,
        category: RiskCategory,
        likelihood: Rating,
        impact: Rating,
    ) -> Self {
        Self {
            id,
            title: title.into(),
            category,
            likelihood,
            impact,
            mitigation: None,
            owner: None,
            status: RiskStatus::Open,
        }
    }

    /// Likelihood × impact, 1–25.
    pub fn score(&self) -> u8 {
        self.likelihood.get() * self.impact.get()
    }

    /// The matrix level of [`RiskItem::score`].
    ///
    /// ```
    /// use relman_model::{Rating, RiskCategory, RiskItem, RiskLevel};
    /// let r = RiskItem::new("R-1".parse()?, "db migration", RiskCategory::Technical, Rating::new(3)?, Rating::new(4)?);
    /// assert_eq!((r.score(), r.level()), (12, RiskLevel::High));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn level(&self) -> RiskLevel {
        RiskLevel::from_matrix_score(self.score())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_bounded() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(6).is_err());
        assert!(serde_json::from_str::<Rating>("7").is_err());
        assert_eq!(serde_json::from_str::<Rating>("5").unwrap().get(), 5);
    }

    #[test]
    fn matrix_levels() {
        let levels: Vec<RiskLevel> = [1, 4, 5, 9, 10, 16, 20, 25]
            .map(RiskLevel::from_matrix_score)
            .to_vec();
        use RiskLevel::*;
        assert_eq!(
            levels,
            [Low, Low, Medium, Medium, High, High, Critical, Critical]
        );
    }
}
