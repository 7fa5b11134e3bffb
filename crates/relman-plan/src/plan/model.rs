//! The release plan as a value: what `release-plan.json` holds (schema version 1), and its
//! content digest.

use chrono::{DateTime, Utc};
use relman_model::{ChangeKind, RiskLevel};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The version of the `release-plan.json` schema this crate writes and reads.
pub const SCHEMA_VERSION: u32 = 2;

/// A release plan: the components to release with their next versions and evidence, the
/// release waves, the release risk, the task schedule and the change request draft bound to
/// the plan's digest.
///
/// JSON (`release-plan.json`, documented in `docs/release-plan.md`): the fields below in this
/// order; times are RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleasePlan {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where the plan was made (a local path; not part of the digest).
    pub repository: String,
    /// The planned commit.
    pub head: String,
    /// Where the configuration came from (not part of the digest).
    pub config: String,
    /// Hour 0 of the schedule (not part of the digest: the schedule's hours are).
    pub start: DateTime<Utc>,
    /// How releases travel to dependents (`always_patch`...).
    pub propagation: String,
    /// Every release unit, released or not, by name.
    pub components: Vec<PlannedComponent>,
    /// The released units in release order, wave by wave.
    pub waves: Vec<Vec<String>>,
    /// The release risk.
    pub risk: PlanRisk,
    /// The task schedule.
    pub schedule: PlanSchedule,
    /// The content digest ([`ReleasePlan::content_digest`]), lowercase hex SHA-256.
    pub digest: String,
    /// The change request draft, bound to `digest`.
    pub change_request: ChangeRequestDraft,
}

/// One release unit of a [`ReleasePlan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedComponent {
    /// The unit's name.
    pub name: String,
    /// The members of a version group (empty for a single component).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// The current version, `None` before the first release.
    pub current: Option<String>,
    /// The next version.
    pub next: String,
    /// `none`, `patch`, `minor`, `major`, or `initial` for a first release.
    pub bump: String,
    /// Whether it is released.
    pub release: bool,
    /// Whether this is its first release.
    pub first_release: bool,
    /// The tag of its last release.
    pub last_tag: Option<String>,
    /// The tag of the next release.
    pub tag: String,
    /// How many changes since the last release.
    pub changes: usize,
    /// The changes that ask for a bump.
    pub evidence: Vec<PlanEvidence>,
    /// The rules that shaped the decision besides the commits.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Bumps propagated from dependencies (`name old -> new (cause)`).
    pub propagated: Vec<String>,
    /// The changelog section of the release (Markdown), empty when not released.
    pub changelog: String,
}

/// One change that asks for a bump; part of [`PlannedComponent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanEvidence {
    /// The commit id.
    pub commit: String,
    /// Its summary line.
    pub summary: String,
    /// The bump it causes.
    pub bump: String,
}

/// The release risk of a [`ReleasePlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanRisk {
    /// 0–100.
    pub score: u8,
    /// The level of `score`.
    pub level: RiskLevel,
    /// How the score is computed.
    pub method: String,
    /// Why, most important first.
    pub reasons: Vec<String>,
    /// What to do about it.
    pub mitigations: Vec<String>,
    /// The riskiest changes, riskiest first (at most 10).
    pub riskiest_changes: Vec<ChangeRisk>,
}

/// One scored change; part of [`PlanRisk`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangeRisk {
    /// The unit the change belongs to.
    pub component: String,
    /// The commit id.
    pub commit: String,
    /// Its summary line.
    pub summary: String,
    /// The default model's probability that it is defect-inducing (3 decimals).
    pub probability: f64,
    /// The metrics that raised it most.
    pub top_factors: Vec<String>,
}

/// The task schedule of a [`ReleasePlan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanSchedule {
    /// The time unit of durations (`hour`).
    pub unit: String,
    /// The length of the schedule.
    pub makespan_hours: i64,
    /// When the last task ends.
    pub finish: Option<DateTime<Utc>>,
    /// The tasks by start time, then id.
    pub tasks: Vec<PlanTask>,
    /// One critical chain, first task first.
    pub critical_path: Vec<String>,
}

/// One scheduled task; part of [`PlanSchedule`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanTask {
    /// The task id (`build-api`, `deploy-production-api`...).
    pub id: String,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub finish: DateTime<Utc>,
    /// When it starts in plan time: working hours from the plan's start (the pipeline's
    /// working hours, or every hour with `around_the_clock`).
    pub offset_hours: i64,
    /// Its duration, in working hours.
    pub hours: i64,
    /// Whether it has no slack.
    pub critical: bool,
}

/// The change request draft of a [`ReleasePlan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangeRequestDraft {
    /// `CR-` and the first 8 hex digits of the digest.
    pub id: String,
    /// Standard, normal or emergency.
    pub kind: ChangeKind,
    /// `Release api 1.3.0, web 0.4.0`.
    pub title: String,
    /// Who asks.
    pub requester: String,
    /// Its state (`draft`).
    pub state: String,
    /// The plan digest it is bound to.
    pub digest: String,
    /// Approvals required.
    pub approvals_required: usize,
    /// When it was drafted.
    pub created: DateTime<Utc>,
}

/// The forge release body of one released unit (`release-notes.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReleaseNotes {
    /// The unit.
    pub component: String,
    /// Its next version.
    pub version: String,
    /// The release tag.
    pub tag: String,
    /// The Markdown body (`###` sections, contributors, the comparison link).
    pub body: String,
}

/// Returned by [`ReleasePlan::draft`]: a field of the plan is not a valid value of its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("release plan field {field} = {value:?}: {reason}")]
#[non_exhaustive]
pub struct PlanDraftError {
    /// The field's path, such as `change_request.digest` or `components.api.next`.
    pub field: String,
    /// Its text.
    pub value: String,
    /// Why it is not valid.
    pub reason: String,
}

/// Returned by [`ReleasePlan::from_json`] and [`ReleasePlan::verify`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadPlanError {
    /// The text is not a release plan.
    #[error("not a release plan: line {line}, column {column}")]
    Syntax {
        /// Line of the error (1-based).
        line: usize,
        /// Column of the error (1-based).
        column: usize,
        /// The parser's report.
        #[source]
        source: serde_json::Error,
    },
    /// The plan was written by another schema version.
    #[error("release plan schema version {found}, expected {expected}")]
    SchemaVersion {
        /// The file's version.
        found: u64,
        /// [`SCHEMA_VERSION`].
        expected: u32,
    },
    /// The plan's content does not match its digest: it was edited after planning.
    #[error("the plan's content has digest {actual}, but the plan says {recorded}")]
    DigestMismatch {
        /// The digest the plan records (`digest`, or its change request's when they differ).
        recorded: String,
        /// The digest of its content.
        actual: String,
    },
}

/// [`ReadPlanError::Syntax`] for `e`, read from `text`. serde_json counts columns in bytes and
/// reports column 0 after a newline (and for an empty text); the error's column counts
/// characters from 1, as the other relman parsers do.
fn syntax_error(text: &str, e: serde_json::Error) -> ReadPlanError {
    let line = e.line().max(1);
    let column = text.split('\n').nth(line - 1).map_or(1, |l| {
        let bytes = &l.as_bytes()[..e.column().min(l.len())];
        // Count characters: skip UTF-8 continuation bytes.
        bytes.iter().filter(|b| **b & 0xC0 != 0x80).count().max(1)
    });
    ReadPlanError::Syntax {
        line,
        column,
        source: e,
    }
}

impl ReleasePlan {
    /// The content digest: SHA-256 of the canonical JSON (compact, object keys sorted) of the
    /// plan without `digest`, `change_request`, and what depends on where or when it was
    /// made: `repository`, `config`, `start`, each component's `changelog` preview (dated by
    /// `start`), the schedule's `finish` and each task's `start` and `finish` (its
    /// `offset_hours` in working time and its duration stay). Two runs of the same
    /// plan on different checkouts, or a minute apart, have the same digest; a changed version,
    /// change, evidence, risk or task changes it.
    pub fn content_digest(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(map) = value.as_object_mut() {
            for key in ["repository", "config", "start", "digest", "change_request"] {
                map.remove(key);
            }
            // The changelog preview is dated by the schedule's start: it is rendered from the
            // planned changes, which the digest covers (counts, evidence, versions, tags).
            if let Some(components) = map.get_mut("components").and_then(|c| c.as_array_mut()) {
                for c in components.iter_mut().filter_map(|c| c.as_object_mut()) {
                    c.remove("changelog");
                }
            }
            if let Some(schedule) = map.get_mut("schedule").and_then(|s| s.as_object_mut()) {
                schedule.remove("finish");
                if let Some(tasks) = schedule.get_mut("tasks").and_then(|t| t.as_array_mut()) {
                    for t in tasks.iter_mut().filter_map(|t| t.as_object_mut()) {
                        t.remove("start");
                        t.remove("finish");
                    }
                }
            }
        }
        // `Value`'s maps keep keys sorted: its compact form is canonical.
        format!("{:x}", Sha256::digest(value.to_string().as_bytes()))
    }

    /// Reads a `release-plan.json` and [verifies](Self::verify) it.
    ///
    /// # Errors
    ///
    /// [`ReadPlanError`] when the text is not a plan of this schema version or its content
    /// does not match its digest.
    pub fn from_json(text: &str) -> Result<Self, ReadPlanError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| syntax_error(text, e))?;
        let found = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if found != u64::from(SCHEMA_VERSION) {
            return Err(ReadPlanError::SchemaVersion {
                found,
                expected: SCHEMA_VERSION,
            });
        }
        let plan: Self = serde_json::from_str(text).map_err(|e| syntax_error(text, e))?;
        plan.verify()?;
        Ok(plan)
    }

    /// Checks that the plan's content matches its `digest` and its change request's.
    ///
    /// # Errors
    ///
    /// [`ReadPlanError::DigestMismatch`] naming both digests.
    pub fn verify(&self) -> Result<(), ReadPlanError> {
        let actual = self.content_digest();
        for recorded in [&self.digest, &self.change_request.digest] {
            if *recorded != actual {
                return Err(ReadPlanError::DigestMismatch {
                    recorded: recorded.clone(),
                    actual,
                });
            }
        }
        Ok(())
    }

    /// The plan's change request draft as relman-env's typed
    /// [`ChangeRequestDraft`](relman_env::ChangeRequestDraft): what `relman change new --plan`
    /// opens, with the released units as component versions, the planned window and the risk.
    ///
    /// # Errors
    ///
    /// [`PlanDraftError`] naming the field whose text is not a valid id, person, digest or
    /// version (a hand-written plan; [`verify`](Self::verify) does not check these).
    pub fn draft(&self) -> Result<relman_env::ChangeRequestDraft, PlanDraftError> {
        fn parse<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, PlanDraftError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| PlanDraftError {
                field: field.to_owned(),
                value: value.to_owned(),
                reason: e.to_string(),
            })
        }
        let cr = &self.change_request;
        let components = self
            .released()
            .map(|c| {
                let field = format!("components.{}", c.name);
                Ok(relman_model::ReleasedComponent::new(
                    parse(&field, &c.name)?,
                    parse(&format!("{field}.next"), &c.next)?,
                ))
            })
            .collect::<Result<Vec<_>, PlanDraftError>>()?;
        Ok(relman_env::ChangeRequestDraft {
            id: parse("change_request.id", &cr.id)?,
            title: cr.title.clone(),
            kind: cr.kind,
            requester: parse("change_request.requester", &cr.requester)?,
            digest: parse("change_request.digest", &cr.digest)?,
            approvals_required: cr.approvals_required,
            components,
            start: Some(self.start),
            finish: self.schedule.finish,
            risk: Some((self.risk.score, self.risk.level)),
        })
    }

    /// The released units.
    pub fn released(&self) -> impl Iterator<Item = &PlannedComponent> {
        self.components.iter().filter(|c| c.release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str) -> (usize, usize) {
        match ReleasePlan::from_json(text) {
            Err(ReadPlanError::Syntax { line, column, .. }) => (line, column),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    /// Found by `tests/fuzz.rs`: serde_json's byte columns, and its column 0 for an empty text
    /// or right after a newline, pointed outside the text.
    #[test]
    fn syntax_errors_name_a_character_column_from_one() {
        assert_eq!(position(""), (1, 1));
        assert_eq!(position("{\"a\": \"x\ny\"}"), (2, 1));
        assert_eq!(position("{\"\u{e9}\": x}"), (1, 7));
    }
}
