//! Environments and time windows.
//!
//! An [`Environment`] is a place releases run (dev, test, staging, production) with a [`Tier`],
//! a position in the promotion order and a [`Protection`] level. A [`Window`] is a one-off time
//! range that freezes deployments or opens a maintenance slot for some environments; recurring
//! windows (cron rules with time zones) belong to `relman-env`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::EnvironmentId;

/// The tier of an environment, from least to most critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Developer environments.
    Development,
    /// Shared test environments.
    Testing,
    /// Production-like pre-release environments.
    Staging,
    /// Live environments.
    Production,
}

impl Tier {
    /// A tier guessed from a conventional environment name (`dev`, `test`, `qa`, `stage`,
    /// `prod`, ...), or `None` when the name says nothing.
    pub fn guess_from_name(name: &str) -> Option<Tier> {
        let n = name.to_ascii_lowercase();
        if n.starts_with("prod") || n == "live" {
            Some(Tier::Production)
        } else if n.starts_with("stag") || n.starts_with("preprod") || n == "uat" {
            Some(Tier::Staging)
        } else if n.starts_with("test") || n == "qa" || n == "ci" {
            Some(Tier::Testing)
        } else if n.starts_with("dev") || n == "local" {
            Some(Tier::Development)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Tier::Development => "development",
            Tier::Testing => "testing",
            Tier::Staging => "staging",
            Tier::Production => "production",
        })
    }
}

/// Whether deployments to an environment need extra control (approvals, no force).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Protection {
    /// Anyone may deploy.
    #[default]
    Open,
    /// Deployments need the environment's policy (approvals, windows) to allow them.
    Protected,
}

/// A place where releases run.
///
/// JSON: `{"id": "production", "tier": "production", "order": 3, "protection": "protected"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Environment {
    /// The environment's name.
    pub id: EnvironmentId,
    /// Its tier.
    pub tier: Tier,
    /// Its position in the promotion order (0 first).
    pub order: u32,
    /// Whether it is protected.
    #[serde(default)]
    pub protection: Protection,
}

impl Environment {
    /// An environment; production-tier environments start protected.
    pub fn new(id: EnvironmentId, tier: Tier, order: u32) -> Self {
        let protection = if tier == Tier::Production {
            Protection::Protected
        } else {
            Protection::Open
        };
        Self {
            id,
            tier,
            order,
            protection,
        }
    }

    /// Environments from names in promotion order, tiers guessed from the names (unknown names
    /// get the tier of their predecessor, or development first).
    ///
    /// ```
    /// use relman_model::{Environment, Tier};
    /// let envs = Environment::pipeline(["dev", "test", "staging", "production"].map(|n| n.parse().unwrap()));
    /// assert_eq!(envs[3].tier, Tier::Production);
    /// assert_eq!(envs[2].order, 2);
    /// ```
    pub fn pipeline(names: impl IntoIterator<Item = EnvironmentId>) -> Vec<Environment> {
        let mut tier = Tier::Development;
        names
            .into_iter()
            .enumerate()
            .map(|(i, id)| {
                tier = Tier::guess_from_name(id.as_str()).unwrap_or(tier);
                Environment::new(id, tier, u32::try_from(i).unwrap_or(u32::MAX))
            })
            .collect()
    }
}

/// What a [`Window`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowKind {
    /// No deployments inside (a deny window).
    Freeze,
    /// Deployments allowed inside (an allow window).
    Maintenance,
}

impl std::fmt::Display for WindowKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            WindowKind::Freeze => "freeze",
            WindowKind::Maintenance => "maintenance",
        })
    }
}

/// A one-off time range `[start, end)` that freezes or opens deployments.
///
/// JSON: `{"name": "year-end", "kind": "freeze", "start": "2026-12-20T00:00:00Z",
/// "end": "2027-01-04T00:00:00Z", "environments": ["production"]}` (no environments = all).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Window {
    /// A human name.
    pub name: String,
    /// Freeze or maintenance.
    pub kind: WindowKind,
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Exclusive end.
    pub end: DateTime<Utc>,
    /// The environments it applies to; empty means all.
    #[serde(default)]
    pub environments: Vec<EnvironmentId>,
}

/// Returned by [`Window::new`] when the range is empty or reversed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("window {name:?} ends ({end}) before or when it starts ({start})")]
pub struct NewWindowError {
    /// The window's name.
    pub name: String,
    /// Its start.
    pub start: DateTime<Utc>,
    /// Its end.
    pub end: DateTime<Utc>,
}

impl Window {
    /// A window over `[start, end)` for every environment.
    ///
    /// # Errors
    ///
    /// [`NewWindowError`] when `end <= start`.
    pub fn new(
        name: impl Into<String>,
        kind: WindowKind,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Self, NewWindowError> {
        let name = name.into();
        if end <= start {
            return Err(NewWindowError { name, start, end });
        }
        Ok(Self {
            name,
            kind,
            start,
            end,
            environments: Vec::new(),
        })
    }

    /// Whether the window applies to `environment`.
    pub fn applies_to(&self, environment: &EnvironmentId) -> bool {
        self.environments.is_empty() || self.environments.contains(environment)
    }

    /// Whether `at` lies inside `[start, end)`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// Whether the window overlaps `[start, end)`.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.start < end && start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn window_bounds_are_half_open() {
        let mut w = Window::new(
            "f",
            WindowKind::Freeze,
            t("2026-12-20T00:00:00Z"),
            t("2026-12-21T00:00:00Z"),
        )
        .unwrap();
        assert!(w.contains(t("2026-12-20T00:00:00Z")));
        assert!(!w.contains(t("2026-12-21T00:00:00Z")));
        assert!(w.overlaps(t("2026-12-19T00:00:00Z"), t("2026-12-20T00:00:01Z")));
        assert!(!w.overlaps(t("2026-12-21T00:00:00Z"), t("2026-12-22T00:00:00Z")));
        let prod: EnvironmentId = "production".parse().unwrap();
        assert!(w.applies_to(&prod));
        w.environments.push("staging".parse().unwrap());
        assert!(!w.applies_to(&prod));
        assert!(
            Window::new(
                "bad",
                WindowKind::Freeze,
                t("2026-12-21T00:00:00Z"),
                t("2026-12-21T00:00:00Z")
            )
            .is_err()
        );
    }

    #[test]
    fn pipeline_guesses_tiers_and_protects_production() {
        let envs =
            Environment::pipeline(["dev", "qa", "canary", "prod"].map(|n| n.parse().unwrap()));
        let tiers: Vec<Tier> = envs.iter().map(|e| e.tier).collect();
        assert_eq!(
            tiers,
            [
                Tier::Development,
                Tier::Testing,
                Tier::Testing,
                Tier::Production
            ]
        );
        assert_eq!(envs[3].protection, Protection::Protected);
        assert_eq!(envs[0].protection, Protection::Open);
        let json = serde_json::to_value(&envs[3]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id": "prod", "tier": "production", "order": 3, "protection": "protected"})
        );
    }
}
