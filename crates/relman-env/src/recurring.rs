//! Recurring windows: a cron expression evaluated in an IANA time zone, each occurrence opening
//! a window of fixed length (e.g. "every Friday 18:00 Europe/Berlin, for 64 hours").
//!
//! Occurrences are computed in local time and converted to UTC, so they follow daylight saving
//! time: a Friday-18:00 freeze in Berlin starts at 16:00 UTC in summer and 17:00 UTC in winter.
//! Cron syntax is that of the `croner` crate (Vixie cron with optional seconds, `L`, `#`, ...).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use croner::Cron;
use relman_model::{EnvironmentId, WindowKind};
use serde::{Deserialize, Serialize};

/// A window that recurs on a cron schedule in a time zone.
///
/// JSON: `{"name": "weekend", "kind": "freeze", "cron": "0 18 * * FRI",
/// "time_zone": "Europe/Berlin", "duration_seconds": 230400, "environments": ["production"]}`
/// (no environments = all). Deserializing validates the cron expression and time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecurringWindowSpec", into = "RecurringWindowSpec")]
pub struct RecurringWindow {
    name: String,
    kind: WindowKind,
    cron: String,
    time_zone: Tz,
    duration: Duration,
    environments: Vec<EnvironmentId>,
}

#[derive(Serialize, Deserialize)]
struct RecurringWindowSpec {
    name: String,
    kind: WindowKind,
    cron: String,
    time_zone: String,
    duration_seconds: i64,
    #[serde(default)]
    environments: Vec<EnvironmentId>,
}

/// Returned by [`RecurringWindow::new`] when the window cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NewRecurringWindowError {
    /// The cron expression does not parse.
    #[error("window {name:?}: invalid cron expression {cron:?}: {message}")]
    Cron {
        /// The window.
        name: String,
        /// The expression.
        cron: String,
        /// What the cron parser said.
        message: String,
    },
    /// The time zone is not an IANA time zone name.
    #[error("window {name:?}: unknown IANA time zone {time_zone:?}")]
    TimeZone {
        /// The window.
        name: String,
        /// The name given.
        time_zone: String,
    },
    /// The duration is not positive.
    #[error("window {name:?}: duration must be positive, got {seconds} s")]
    Duration {
        /// The window.
        name: String,
        /// The duration given.
        seconds: i64,
    },
}

impl TryFrom<RecurringWindowSpec> for RecurringWindow {
    type Error = NewRecurringWindowError;
    fn try_from(s: RecurringWindowSpec) -> Result<Self, Self::Error> {
        let duration = Duration::try_seconds(s.duration_seconds)
            .filter(|d| *d > Duration::zero())
            .ok_or(NewRecurringWindowError::Duration {
                name: s.name.clone(),
                seconds: s.duration_seconds,
            })?;
        let mut w = RecurringWindow::new(s.name, s.kind, &s.cron, &s.time_zone, duration)?;
        w.environments = s.environments;
        Ok(w)
    }
}

impl From<RecurringWindow> for RecurringWindowSpec {
    fn from(w: RecurringWindow) -> Self {
        RecurringWindowSpec {
            name: w.name,
            kind: w.kind,
            cron: w.cron,
            time_zone: w.time_zone.name().to_string(),
            duration_seconds: w.duration.num_seconds(),
            environments: w.environments,
        }
    }
}

impl RecurringWindow {
    /// A window of `duration` opening at every occurrence of `cron` in `time_zone`, for every
    /// environment.
    ///
    /// # Errors
    ///
    /// [`NewRecurringWindowError`] for an invalid cron expression, an unknown time zone or a
    /// non-positive duration.
    pub fn new(
        name: impl Into<String>,
        kind: WindowKind,
        cron: &str,
        time_zone: &str,
        duration: Duration,
    ) -> Result<Self, NewRecurringWindowError> {
        let name = name.into();
        if duration <= Duration::zero() {
            return Err(NewRecurringWindowError::Duration {
                name,
                seconds: duration.num_seconds(),
            });
        }
        if let Err(e) = Cron::from_str(cron) {
            return Err(NewRecurringWindowError::Cron {
                name,
                cron: cron.to_string(),
                message: e.to_string(),
            });
        }
        let Ok(tz) = time_zone.parse::<Tz>() else {
            return Err(NewRecurringWindowError::TimeZone {
                name,
                time_zone: time_zone.to_string(),
            });
        };
        Ok(Self {
            name,
            kind,
            cron: cron.to_string(),
            time_zone: tz,
            duration,
            environments: Vec::new(),
        })
    }

    /// Restricts the window to `environments` (empty = all).
    #[must_use]
    pub fn with_environments(mut self, environments: Vec<EnvironmentId>) -> Self {
        self.environments = environments;
        self
    }

    /// The window's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Freeze or maintenance.
    pub fn kind(&self) -> WindowKind {
        self.kind
    }

    /// Whether the window applies to `environment`.
    pub fn applies_to(&self, environment: &EnvironmentId) -> bool {
        self.environments.is_empty() || self.environments.contains(environment)
    }

    fn schedule(&self) -> Option<Cron> {
        // Validated in `new`; a failure here would only mean a different croner version.
        Cron::from_str(&self.cron).ok()
    }

    /// The occurrence `[start, end)` that contains `at`, if any.
    pub fn occurrence_at(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let local = at.with_timezone(&self.time_zone);
        // The latest start at or before `at` also has the latest end: if it does not cover
        // `at`, no earlier occurrence does.
        let start = self
            .schedule()?
            .find_previous_occurrence(&local, true)
            .ok()?
            .with_timezone(&Utc);
        let end = start + self.duration;
        (at < end).then_some((start, end))
    }

    /// The first occurrence starting after `at`.
    pub fn next_start_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&self.time_zone);
        self.schedule()?
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn follows_daylight_saving_time() {
        let w = RecurringWindow::new(
            "weekend",
            WindowKind::Freeze,
            "0 18 * * FRI",
            "Europe/Berlin",
            Duration::hours(64),
        )
        .unwrap();
        // Friday 2026-07-03 18:00 CEST = 16:00 UTC.
        assert_eq!(
            w.occurrence_at(t("2026-07-04T12:00:00Z")),
            Some((t("2026-07-03T16:00:00Z"), t("2026-07-06T08:00:00Z")))
        );
        // Friday 2026-12-04 18:00 CET = 17:00 UTC.
        assert_eq!(
            w.occurrence_at(t("2026-12-04T17:00:00Z")).map(|o| o.0),
            Some(t("2026-12-04T17:00:00Z"))
        );
        assert_eq!(w.occurrence_at(t("2026-12-04T16:59:59Z")), None);
        assert_eq!(w.occurrence_at(t("2026-12-08T12:00:00Z")), None);
        // Across the October change (2026-10-25): Friday 10-23 is still summer time.
        assert_eq!(
            w.next_start_after(t("2026-10-20T00:00:00Z")),
            Some(t("2026-10-23T16:00:00Z"))
        );
        assert_eq!(
            w.next_start_after(t("2026-10-24T00:00:00Z")),
            Some(t("2026-10-30T17:00:00Z"))
        );
    }

    #[test]
    fn rejects_bad_input_and_round_trips() {
        assert!(matches!(
            RecurringWindow::new(
                "x",
                WindowKind::Freeze,
                "61 * * * *",
                "UTC",
                Duration::hours(1)
            ),
            Err(NewRecurringWindowError::Cron { .. })
        ));
        assert!(matches!(
            RecurringWindow::new(
                "x",
                WindowKind::Freeze,
                "0 * * * *",
                "Mars/Base",
                Duration::hours(1)
            ),
            Err(NewRecurringWindowError::TimeZone { .. })
        ));
        assert!(matches!(
            RecurringWindow::new(
                "x",
                WindowKind::Freeze,
                "0 * * * *",
                "UTC",
                Duration::zero()
            ),
            Err(NewRecurringWindowError::Duration { .. })
        ));
        let w = RecurringWindow::new(
            "m",
            WindowKind::Maintenance,
            "0 2 * * *",
            "America/New_York",
            Duration::hours(2),
        )
        .unwrap()
        .with_environments(vec!["prod".parse().unwrap()]);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(
            json,
            r#"{"name":"m","kind":"maintenance","cron":"0 2 * * *","time_zone":"America/New_York","duration_seconds":7200,"environments":["prod"]}"#
        );
        assert_eq!(serde_json::from_str::<RecurringWindow>(&json).unwrap(), w);
        assert!(
            serde_json::from_str::<RecurringWindow>(&json.replace("America/New_York", "Nowhere"))
                .is_err()
        );
    }
}
