//! Validated identifier newtypes shared by every relman crate.
//!
//! Each id is a non-empty string without control characters or surrounding whitespace; some ids
//! (component and environment names) are also restricted to a name alphabet. All of them
//! round-trip through [`FromStr`] and [`Display`](std::fmt::Display) and
//! serialize as a plain JSON string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Returned by the [`FromStr`] implementations of the id newtypes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct ParseIdError {
    /// Which kind of id was being parsed, e.g. `"component id"`.
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// Why it was rejected.
    pub reason: IdRejection,
}

/// Why an id was rejected; part of [`ParseIdError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdRejection {
    /// The input was empty.
    Empty,
    /// The input starts or ends with whitespace.
    SurroundingWhitespace,
    /// The input holds a control character (newline, tab, ...).
    ControlCharacter,
    /// The input holds a character outside `A-Z a-z 0-9 - _ .` (names only).
    NotAName,
}

impl fmt::Display for IdRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            IdRejection::Empty => "it is empty",
            IdRejection::SurroundingWhitespace => "it starts or ends with whitespace",
            IdRejection::ControlCharacter => "it contains a control character",
            IdRejection::NotAName => "it may only contain ASCII letters, digits, '-', '_' and '.'",
        })
    }
}

fn check_text(s: &str) -> Result<(), IdRejection> {
    if s.is_empty() {
        Err(IdRejection::Empty)
    } else if s.trim() != s {
        Err(IdRejection::SurroundingWhitespace)
    } else if s.chars().any(char::is_control) {
        Err(IdRejection::ControlCharacter)
    } else {
        Ok(())
    }
}

fn check_name(s: &str) -> Result<(), IdRejection> {
    check_text(s)?;
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Ok(())
    } else {
        Err(IdRejection::NotAName)
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $check:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `value` and wraps it.
            ///
            /// # Errors
            ///
            /// Returns [`ParseIdError`] when `value` is empty, has surrounding whitespace or
            /// control characters, or (for names) characters outside the name alphabet.
            pub fn new(value: impl Into<String>) -> Result<Self, ParseIdError> {
                let value = value.into();
                match $check(&value) {
                    Ok(()) => Ok(Self(value)),
                    Err(reason) => Err(ParseIdError { kind: $kind, value, reason }),
                }
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseIdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }
    };
}

id_type!(
    /// Identifies a change, usually a full commit hash.
    ///
    /// JSON: a string, e.g. `"3f2a9c0e..."`.
    ChangeId,
    "change id",
    check_text
);
id_type!(
    /// Identifies a component (a crate, a service, a package), e.g. `relman-model`.
    ///
    /// JSON: a string. Restricted to ASCII letters, digits, `-`, `_` and `.`.
    ComponentId,
    "component id",
    check_name
);
id_type!(
    /// Identifies a release, e.g. `2026.11` or `relman-v0.2.0`.
    ///
    /// JSON: a string.
    ReleaseId,
    "release id",
    check_text
);
id_type!(
    /// Identifies a change request, e.g. `CR-42`.
    ///
    /// JSON: a string.
    ChangeRequestId,
    "change request id",
    check_text
);
id_type!(
    /// Names an environment, e.g. `staging`.
    ///
    /// JSON: a string. Restricted to ASCII letters, digits, `-`, `_` and `.`.
    EnvironmentId,
    "environment id",
    check_name
);
id_type!(
    /// Identifies a person (an approver, an owner, a deployer), usually a login or an e-mail
    /// address.
    ///
    /// JSON: a string.
    PersonId,
    "person id",
    check_text
);
id_type!(
    /// Identifies a risk item in a risk register, e.g. `R-7`.
    ///
    /// JSON: a string.
    RiskId,
    "risk id",
    check_text
);
id_type!(
    /// Identifies a quality gate, e.g. `unit-tests`.
    ///
    /// JSON: a string.
    GateId,
    "gate id",
    check_text
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display_honours_width_and_alignment() {
        let id = ComponentId::new("api").expect("valid id");
        assert_eq!(format!("[{id:<6}]"), "[api   ]");
        assert_eq!(format!("[{id:>6}]"), "[   api]");
        assert_eq!(format!("[{id:.2}]"), "[ap]");
        assert_eq!(id.to_string(), "api");
    }

    #[test]
    fn rejects_bad_ids_with_reason() {
        assert_eq!(ComponentId::new("").unwrap_err().reason, IdRejection::Empty);
        assert_eq!(
            ComponentId::new(" api").unwrap_err().reason,
            IdRejection::SurroundingWhitespace
        );
        assert_eq!(
            ChangeId::new("a\nb").unwrap_err().reason,
            IdRejection::ControlCharacter
        );
        assert_eq!(
            ComponentId::new("my crate").unwrap_err().reason,
            IdRejection::NotAName
        );
        let err = EnvironmentId::new("prod/eu").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid environment id \"prod/eu\": it may only contain ASCII letters, digits, '-', '_' and '.'"
        );
    }

    #[test]
    fn serde_is_a_plain_string_and_validates() {
        let id: ComponentId = "relman-model".parse().unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"relman-model\"");
        assert!(serde_json::from_str::<ComponentId>("\"two words\"").is_err());
    }

    proptest! {
        #[test]
        fn names_round_trip(s in "[A-Za-z0-9_.-]{1,40}") {
            let id: ComponentId = s.parse().unwrap();
            prop_assert_eq!(id.to_string(), s.clone());
            let back: ComponentId = id.to_string().parse().unwrap();
            prop_assert_eq!(back, id);
        }

        #[test]
        fn text_ids_round_trip(s in "[^\\s\\p{Cc}]([^\\p{Cc}]{0,30}[^\\s\\p{Cc}])?") {
            let id: PersonId = s.parse().unwrap();
            prop_assert_eq!(id.to_string().parse::<PersonId>().unwrap(), id);
        }
    }
}
