//! A Conventional Commits 1.0 parser with positioned errors.
//!
//! [`ConventionalCommit::parse`] reads a commit message and returns its type, optional scope,
//! breaking-change information, description, body, footers and the issue references it names;
//! [`ParseCommitError`] says where (1-based line and column) and why ([`CommitRejection`]) a
//! message is not a Conventional Commit. [`Display`](fmt::Display) renders a parsed commit back
//! to a message that parses to the same value.
//!
//! # Grammar (strict, the default)
//!
//! ```text
//! message = header [ blank-line+ body ] [ blank-line+ footers ] blank-line*
//! header  = type [ "(" scope ")" ] [ "!" ] ": " description
//! footer  = token ( ": " | " #" ) value
//! ```
//!
//! - Lines end with `\n`; trailing `\r`s are dropped (CRLF messages parse like LF ones). A blank
//!   line is empty or holds only whitespace.
//! - **type**: one or more ASCII letters, digits, `-` or `_` (`feat`, `Feat`, `foo2bar`).
//!   Types compare case-insensitively ([`CommitType::is`]); the original spelling is kept.
//! - **scope**: any text without `(`, `)` or control characters, not starting or ending with
//!   whitespace. Spaces inside are allowed (`type(my scope): ...`).
//! - The colon must be followed by a space (spec rule 1). Extra spaces after it are skipped, and
//!   trailing whitespace is trimmed: the description is what remains and must not be empty.
//! - The header must be followed by a blank line when anything follows it (spec rule 6).
//! - **Footers** start at the first line that begins with a footer token and separator and that
//!   directly follows a blank line; everything after it belongs to the footers. A token is
//!   `BREAKING CHANGE` or ASCII letters, digits and `-` (starting with a letter or digit); the
//!   separator is `": "` or `" #"` and the value must not be empty. A value runs until the next
//!   line that starts a footer (spec rule 10), so values may span lines and paragraphs; its
//!   surrounding whitespace is trimmed. A `Token: value` line inside a body paragraph is body text.
//!   A breaking-change footer may end its first line at the colon when the next line holds its
//!   text (`BREAKING CHANGE:` then the explanation, as cocogitto accepts): its value is those
//!   lines.
//! - **Breaking**: a `!` before the colon, or a footer whose token is `BREAKING CHANGE` or
//!   `BREAKING-CHANGE` (uppercase only, spec rule 15; `breaking change:` is body text). Its
//!   description is the value of the first such footer, else the commit description.
//!
//! # Issue references
//!
//! [`ConventionalCommit::issues`] lists, in order of first appearance and without duplicates:
//! every `(#123)` in the description (the forge's squash-merge convention), then the references
//! in the values of footers whose token is (case-insensitively) one of `close`, `closes`,
//! `closed`, `fix`, `fixes`, `fixed`, `resolve`, `resolves`, `resolved`, `ref`, `refs`,
//! `references`, `related`, `related-to`, `see`, `issue` or `issues`. Values are split at commas and
//! whitespace; an item is a reference when it looks like `#12`, `owner/repo#12` or `ABC-12` (a
//! tracker key). With the `" #"` separator the value's first item gets its `#` back
//! (`Closes #3` → `#3`).
//!
//! # Where upstream parsers disagree
//!
//! The test vectors in `tests/data/conventional-commits-vectors.json` come from git-conventional
//! and cocogitto's parser, which disagree in a few places. relman follows the spec:
//! - scopes may contain spaces (git-conventional; cocogitto rejects them): the spec only asks for
//!   a noun in parentheses;
//! - `feat:description` (no space after the colon) is rejected (cocogitto; git-conventional
//!   accepts it) because spec rule 1 requires `": "`;
//! - a body must follow the header after a blank line (git-conventional; cocogitto accepts
//!   dependabot-style messages whose body starts on line 2) because of spec rule 6;
//! - trailing newlines after a message are accepted (git-conventional);
//! - footers use only the spec's separators `": "` and `" #"` (cocogitto also accepts a colon
//!   followed by a line break, which relman reads as body text), except that a breaking-change
//!   footer may end at its colon when its text follows on the next line (a `BREAKING CHANGE:`
//!   line with nothing after it stays body text, as git-conventional says).
//!
//! [`ParseOptions::lenient`] accepts the two common deviations (no space after the colon, no
//! blank line after the header) for reading histories that are not strictly conventional.
//!
//! # Example
//!
//! ```
//! use relman_model::commit::{BreakingSource, ConventionalCommit};
//!
//! let commit = ConventionalCommit::parse("feat(api)!: drop v1 endpoints\n\nRefs: #12")?;
//! assert!(commit.kind.is("feat"));
//! assert_eq!(commit.scope.as_ref().map(|s| s.as_str()), Some("api"));
//! let breaking = commit.breaking.as_ref().expect("the header has a '!'");
//! assert_eq!(breaking.source, BreakingSource::Bang);
//! assert_eq!(commit.issues[0].as_str(), "#12");
//! assert_eq!(commit.to_string(), "feat(api)!: drop v1 endpoints\n\nRefs: #12");
//!
//! let err = ConventionalCommit::parse("feat:no space").unwrap_err();
//! assert_eq!((err.line, err.column), (1, 6));
//! # Ok::<(), relman_model::commit::ParseCommitError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::id::{IdRejection, ParseIdError};

/// A commit message parsed as a Conventional Commit 1.0.
///
/// Built by [`ConventionalCommit::parse`]; [`Display`](fmt::Display) renders it back to a message
/// (`parse(render(c)) == c` for every parsed `c`).
///
/// JSON shape:
/// ```json
/// {"type": "feat", "scope": "api", "breaking": {"source": "bang", "description": "drop v1"},
///  "description": "drop v1", "body": null,
///  "footers": [{"token": "Refs", "separator": ": ", "value": "#12"}], "issues": ["#12"]}
/// ```
/// `scope`, `breaking` and `body` are `null` when absent. Deserializing checks that the value is
/// one the parser gives (its rendering parses back to it), so `breaking` and `issues` agree with
/// the header and the footers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "CommitShape")]
#[non_exhaustive]
pub struct ConventionalCommit {
    /// The commit type, e.g. `feat` (serialized as `"type"`).
    #[serde(rename = "type")]
    pub kind: CommitType,
    /// The optional scope, e.g. `api` in `feat(api): ...`.
    pub scope: Option<Scope>,
    /// Breaking-change information, `None` when the commit is not breaking.
    pub breaking: Option<BreakingChange>,
    /// The description after `": "`, trimmed; never empty and a single line.
    pub description: String,
    /// The body between the header and the footers, trimmed at the end; `None` when absent.
    pub body: Option<String>,
    /// The footers (git trailers included) in message order.
    pub footers: Vec<Footer>,
    /// Issue references found in the description and in reference footers (see the module docs).
    pub issues: Vec<IssueRef>,
}

/// The serde shape of [`ConventionalCommit`], checked before it becomes one.
#[derive(Deserialize)]
struct CommitShape {
    #[serde(rename = "type")]
    kind: CommitType,
    scope: Option<Scope>,
    breaking: Option<BreakingChange>,
    description: String,
    body: Option<String>,
    footers: Vec<Footer>,
    issues: Vec<IssueRef>,
}

/// Why a deserialized commit was refused.
#[derive(Debug)]
enum DecodeCommitError {
    Unparsable(ParseCommitError),
    Inconsistent(String),
}

impl fmt::Display for DecodeCommitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeCommitError::Unparsable(e) => {
                write!(f, "the commit does not render to a valid message: {e}")
            }
            DecodeCommitError::Inconsistent(message) => write!(
                f,
                "the commit's fields disagree with its message {message:?} (breaking, footers or issues)"
            ),
        }
    }
}

impl TryFrom<CommitShape> for ConventionalCommit {
    type Error = DecodeCommitError;
    fn try_from(shape: CommitShape) -> Result<Self, Self::Error> {
        let commit = ConventionalCommit {
            kind: shape.kind,
            scope: shape.scope,
            breaking: shape.breaking,
            description: shape.description,
            body: shape.body,
            footers: shape.footers,
            issues: shape.issues,
        };
        let message = commit.to_string();
        let parsed = ConventionalCommit::parse(&message).map_err(DecodeCommitError::Unparsable)?;
        if parsed == commit {
            Ok(commit)
        } else {
            Err(DecodeCommitError::Inconsistent(message))
        }
    }
}

/// Where a breaking change was declared; part of [`BreakingChange`].
///
/// JSON: `"bang"`, `"footer"` or `"bang_and_footer"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakingSource {
    /// A `!` before the colon of the header.
    Bang,
    /// A `BREAKING CHANGE:` or `BREAKING-CHANGE:` footer.
    Footer,
    /// Both a `!` and a breaking-change footer.
    BangAndFooter,
}

/// Why a commit is breaking; the `breaking` field of [`ConventionalCommit`].
///
/// JSON: `{"source": "footer", "description": "the config format changed"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BreakingChange {
    /// Where the breaking change was declared.
    pub source: BreakingSource,
    /// The value of the first breaking-change footer, or the commit description when the
    /// breaking change is declared by `!` alone (spec rule 13).
    pub description: String,
}

/// The separator between a footer's token and its value.
///
/// JSON: `": "` or `" #"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FooterSeparator {
    /// `": "`, as in `Refs: #12` or `Co-authored-by: Ada <ada@example.org>`.
    #[serde(rename = ": ")]
    ColonSpace,
    /// `" #"`, as in `Closes #12` (the `#` is part of the separator, not of the value).
    #[serde(rename = " #")]
    SpaceHash,
}

impl FooterSeparator {
    /// The separator as it appears in a message: `": "` or `" #"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FooterSeparator::ColonSpace => ": ",
            FooterSeparator::SpaceHash => " #",
        }
    }
}

impl fmt::Display for FooterSeparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One footer (or git trailer) of a commit: `token separator value`.
///
/// JSON: `{"token": "Refs", "separator": ": ", "value": "#12"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Footer {
    /// The token, e.g. `Refs`, `Co-authored-by` or `BREAKING CHANGE`.
    pub token: FooterToken,
    /// The separator between token and value.
    pub separator: FooterSeparator,
    /// The value; may span several lines, trimmed, never empty.
    pub value: String,
}

impl Footer {
    /// Whether this footer declares a breaking change (`BREAKING CHANGE` or `BREAKING-CHANGE`).
    pub fn is_breaking_change(&self) -> bool {
        self.token.is_breaking_change()
    }
}

impl fmt::Display for Footer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.token, self.separator, self.value)
    }
}

/// How a [`ParseOptions`] setting treats a deviation from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Leniency {
    /// The deviation is an error (the spec's behaviour).
    #[default]
    Reject,
    /// The deviation is accepted.
    Accept,
}

/// Options of [`ConventionalCommit::parse_with`]; [`Default`] is the strict spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ParseOptions {
    /// `feat:description` without a space after the colon.
    pub missing_space_after_colon: Leniency,
    /// A body that starts on the line right after the header (dependabot-style messages).
    pub missing_blank_line_after_header: Leniency,
}

impl ParseOptions {
    /// The spec's rules: every deviation is an error (same as [`Default`]).
    pub fn strict() -> Self {
        Self::default()
    }

    /// Accepts a missing space after the colon and a missing blank line after the header.
    pub fn lenient() -> Self {
        Self {
            missing_space_after_colon: Leniency::Accept,
            missing_blank_line_after_header: Leniency::Accept,
        }
    }
}

/// Returned by [`ConventionalCommit::parse`] and the `FromStr` implementations of this module
/// when the input is not valid: where (1-based `line` and `column`, counted in characters) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} at line {line}, column {column}")]
pub struct ParseCommitError {
    /// The 1-based line of the fault.
    pub line: usize,
    /// The 1-based column (in characters) of the fault.
    pub column: usize,
    /// What is wrong.
    pub reason: CommitRejection,
}

/// Why a message is not a Conventional Commit; part of [`ParseCommitError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommitRejection {
    /// The message is empty or only whitespace.
    EmptyMessage,
    /// The header does not start with a type (ASCII letters, digits, `-`, `_`).
    MissingType,
    /// A character that may not appear in a type.
    InvalidTypeCharacter {
        /// The offending character.
        found: char,
    },
    /// A `(` without its closing `)` on the header line.
    UnclosedScope,
    /// `()` with nothing inside.
    EmptyScope,
    /// A character that may not appear in a scope (`(`, `)` or a control character).
    InvalidScopeCharacter {
        /// The offending character.
        found: char,
    },
    /// The scope starts or ends with whitespace.
    ScopeSurroundingWhitespace,
    /// The type (with its scope and `!`) is not followed by `:`.
    MissingColon {
        /// What was found instead; `None` at the end of the line.
        found: Option<char>,
    },
    /// The colon is not followed by a space.
    MissingSpaceAfterColon,
    /// Nothing but whitespace after `": "`.
    EmptyDescription,
    /// The line after the header is not blank.
    MissingBlankLineAfterHeader,
    /// A footer token holds a character other than ASCII letters, digits and `-`.
    InvalidFooterToken {
        /// The offending character.
        found: char,
    },
}

impl fmt::Display for CommitRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommitRejection::EmptyMessage => f.write_str("the message is empty"),
            CommitRejection::MissingType => f.write_str("expected a type such as 'feat'"),
            CommitRejection::InvalidTypeCharacter { found } => {
                write!(f, "{found:?} is not allowed in a type")
            }
            CommitRejection::UnclosedScope => f.write_str("the scope is not closed with ')'"),
            CommitRejection::EmptyScope => f.write_str("the scope is empty"),
            CommitRejection::InvalidScopeCharacter { found } => {
                write!(f, "{found:?} is not allowed in a scope")
            }
            CommitRejection::ScopeSurroundingWhitespace => {
                f.write_str("the scope starts or ends with whitespace")
            }
            CommitRejection::MissingColon { found: Some(c) } => {
                write!(f, "expected ':' after the type, found {c:?}")
            }
            CommitRejection::MissingColon { found: None } => {
                f.write_str("expected ':' after the type, found the end of the line")
            }
            CommitRejection::MissingSpaceAfterColon => f.write_str("expected a space after ':'"),
            CommitRejection::EmptyDescription => f.write_str("the description is empty"),
            CommitRejection::MissingBlankLineAfterHeader => {
                f.write_str("expected a blank line after the header")
            }
            CommitRejection::InvalidFooterToken { found } => {
                write!(f, "{found:?} is not allowed in a footer token")
            }
        }
    }
}

fn err(line: usize, column: usize, reason: CommitRejection) -> ParseCommitError {
    ParseCommitError {
        line,
        column,
        reason,
    }
}

fn is_type_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// A commit type such as `feat` or `fix`: one or more ASCII letters, digits, `-` or `_`.
///
/// Keeps the spelling of the message; compare with [`CommitType::is`], which ignores case as the
/// spec asks. JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommitType(String);

impl CommitType {
    /// Validates `value` as a type.
    ///
    /// # Errors
    ///
    /// [`ParseCommitError`] (on line 1) when `value` is empty ([`CommitRejection::MissingType`])
    /// or holds another character ([`CommitRejection::InvalidTypeCharacter`]).
    pub fn new(value: impl Into<String>) -> Result<Self, ParseCommitError> {
        let value = value.into();
        if value.is_empty() {
            return Err(err(1, 1, CommitRejection::MissingType));
        }
        if let Some((i, found)) = value.chars().enumerate().find(|(_, c)| !is_type_char(*c)) {
            return Err(err(
                1,
                i + 1,
                CommitRejection::InvalidTypeCharacter { found },
            ));
        }
        Ok(Self(value))
    }

    /// Splits the type token at the start of `header` from the rest: `"feat(api): x"` gives
    /// `feat` and `"(api): x"`. `None` when `header` does not start with a type character.
    pub fn split_prefix(header: &str) -> Option<(CommitType, &str)> {
        let end = header
            .char_indices()
            .find(|(_, c)| !is_type_char(*c))
            .map_or(header.len(), |(i, _)| i);
        (end > 0).then(|| (CommitType(header[..end].to_owned()), &header[end..]))
    }

    /// The type as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The type in lowercase, e.g. `feat` for `Feat`.
    pub fn to_lowercase(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Whether this type is `name`, ignoring ASCII case (spec rule 15).
    pub fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name)
    }
}

/// The scope of a commit, e.g. `api` in `feat(api): ...`.
///
/// Non-empty, without `(`, `)` or control characters, not starting or ending with whitespace.
/// JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(String);

fn check_scope(s: &str) -> Result<(), (usize, CommitRejection)> {
    if s.is_empty() {
        return Err((0, CommitRejection::EmptyScope));
    }
    if let Some((i, found)) = s
        .chars()
        .enumerate()
        .find(|(_, c)| matches!(c, '(' | ')') || c.is_control())
    {
        return Err((i, CommitRejection::InvalidScopeCharacter { found }));
    }
    if s.starts_with(char::is_whitespace) {
        return Err((0, CommitRejection::ScopeSurroundingWhitespace));
    }
    if s.ends_with(char::is_whitespace) {
        return Err((
            s.chars().count() - 1,
            CommitRejection::ScopeSurroundingWhitespace,
        ));
    }
    Ok(())
}

impl Scope {
    /// Validates `value` as a scope.
    ///
    /// # Errors
    ///
    /// [`ParseCommitError`] (on line 1, column within `value`) when `value` is empty, holds `(`,
    /// `)` or a control character, or starts or ends with whitespace.
    pub fn new(value: impl Into<String>) -> Result<Self, ParseCommitError> {
        let value = value.into();
        match check_scope(&value) {
            Ok(()) => Ok(Self(value)),
            Err((i, reason)) => Err(err(1, i + 1, reason)),
        }
    }

    /// The scope as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A footer token: `BREAKING CHANGE`, or ASCII letters, digits and `-` starting with a letter or
/// digit (`Refs`, `Co-authored-by`). JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FooterToken(String);

impl FooterToken {
    /// Validates `value` as a footer token.
    ///
    /// # Errors
    ///
    /// [`ParseCommitError`] (on line 1, column within `value`) when `value` is empty or holds a
    /// character other than ASCII letters, digits and `-`, or starts with `-`.
    pub fn new(value: impl Into<String>) -> Result<Self, ParseCommitError> {
        let value = value.into();
        if value == BREAKING_CHANGE {
            return Ok(Self(value));
        }
        let mut chars = value.chars().enumerate();
        match chars.next() {
            None => {
                return Err(err(
                    1,
                    1,
                    CommitRejection::InvalidFooterToken { found: ' ' },
                ));
            }
            Some((_, c)) if !c.is_ascii_alphanumeric() => {
                return Err(err(1, 1, CommitRejection::InvalidFooterToken { found: c }));
            }
            Some(_) => {}
        }
        if let Some((i, found)) = chars.find(|(_, c)| !is_token_char(*c)) {
            return Err(err(1, i + 1, CommitRejection::InvalidFooterToken { found }));
        }
        Ok(Self(value))
    }

    /// The token as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the token is `BREAKING CHANGE` or `BREAKING-CHANGE` (uppercase only).
    pub fn is_breaking_change(&self) -> bool {
        self.0 == BREAKING_CHANGE || self.0 == "BREAKING-CHANGE"
    }
}

const BREAKING_CHANGE: &str = "BREAKING CHANGE";

/// A reference to an issue or pull request: `#12`, `owner/repo#12` or a tracker key `ABC-12`.
///
/// The constructor accepts any non-empty text without surrounding whitespace or control
/// characters; the forms above are what the parser extracts (see the module docs).
/// JSON: a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IssueRef(String);

impl IssueRef {
    /// Wraps `value` as an issue reference.
    ///
    /// # Errors
    ///
    /// [`ParseIdError`] when `value` is empty, has surrounding whitespace or control characters.
    pub fn new(value: impl Into<String>) -> Result<Self, ParseIdError> {
        let value = value.into();
        let reason = if value.is_empty() {
            Some(IdRejection::Empty)
        } else if value.trim() != value {
            Some(IdRejection::SurroundingWhitespace)
        } else if value.chars().any(char::is_control) {
            Some(IdRejection::ControlCharacter)
        } else {
            None
        };
        match reason {
            None => Ok(Self(value)),
            Some(reason) => Err(ParseIdError {
                kind: "issue reference",
                value,
                reason,
            }),
        }
    }

    /// The reference as a string slice, e.g. `#12`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($name:ident, $err:ty) => {
        impl FromStr for $name {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $err;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
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

string_newtype_impls!(CommitType, ParseCommitError);
string_newtype_impls!(Scope, ParseCommitError);
string_newtype_impls!(FooterToken, ParseCommitError);
string_newtype_impls!(IssueRef, ParseIdError);

/// A footer start found at the beginning of a line: token, separator and first-line value.
fn footer_start(line: &str) -> Option<(FooterToken, FooterSeparator, &str)> {
    let (token, rest) = if let Some(rest) = line.strip_prefix(BREAKING_CHANGE) {
        (BREAKING_CHANGE, rest)
    } else {
        let end = line
            .char_indices()
            .find(|(_, c)| !is_token_char(*c))
            .map_or(line.len(), |(i, _)| i);
        let token = &line[..end];
        if !token.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return None;
        }
        (token, &line[end..])
    };
    let breaking = token == BREAKING_CHANGE || token == "BREAKING-CHANGE";
    let (separator, value) = if let Some(v) = rest.strip_prefix(": ") {
        (FooterSeparator::ColonSpace, v)
    } else if let Some(v) = rest.strip_prefix(" #") {
        (FooterSeparator::SpaceHash, v)
    } else if breaking && rest.trim_end() == ":" {
        // `BREAKING CHANGE:` with its text on the following lines.
        (FooterSeparator::ColonSpace, "")
    } else {
        return None;
    };
    // Only the start is trimmed here: the whole value is trimmed once its continuation lines
    // are joined, so a first line's trailing spaces survive as they would on any other line.
    let value = value.trim_start();
    if value.is_empty() && !breaking {
        return None;
    }
    Some((FooterToken(token.to_owned()), separator, value))
}

/// The footer that line `i` of `lines` starts, if any: a breaking-change token ending at its
/// colon starts one only when the next line holds its text.
fn footer_line<'a>(lines: &[&'a str], i: usize) -> Option<(FooterToken, FooterSeparator, &'a str)> {
    let start = footer_start(lines[i])?;
    (!is_blank(start.2) || lines.get(i + 1).is_some_and(|l| !is_blank(l))).then_some(start)
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

struct Header {
    kind: CommitType,
    scope: Option<Scope>,
    bang: bool,
    description: String,
}

fn parse_header(line: &str, options: &ParseOptions) -> Result<Header, ParseCommitError> {
    // Columns are 1-based character positions; `col(byte)` converts a byte offset.
    let col = |byte: usize| line[..byte].chars().count() + 1;
    let (kind, rest) =
        CommitType::split_prefix(line).ok_or_else(|| err(1, 1, CommitRejection::MissingType))?;
    let mut pos = line.len() - rest.len();
    let mut scope = None;
    if rest.starts_with('(') {
        let inner_start = pos + 1;
        let close = line[inner_start..]
            .find(')')
            .ok_or_else(|| err(1, col(pos), CommitRejection::UnclosedScope))?;
        let inner = &line[inner_start..inner_start + close];
        if let Err((i, reason)) = check_scope(inner) {
            let column = if inner.is_empty() {
                col(inner_start)
            } else {
                col(inner_start) + i
            };
            return Err(err(1, column, reason));
        }
        scope = Some(Scope(inner.to_owned()));
        pos = inner_start + close + 1;
    }
    let bang = line[pos..].starts_with('!');
    if bang {
        pos += 1;
    }
    match line[pos..].chars().next() {
        Some(':') => pos += 1,
        found => return Err(err(1, col(pos), CommitRejection::MissingColon { found })),
    }
    match line[pos..].chars().next() {
        None => return Err(err(1, col(pos), CommitRejection::EmptyDescription)),
        Some(' ') => {}
        Some(_) if options.missing_space_after_colon == Leniency::Accept => {}
        Some(_) => return Err(err(1, col(pos), CommitRejection::MissingSpaceAfterColon)),
    }
    let description = line[pos..].trim_start_matches(' ').trim_end();
    if description.is_empty() {
        return Err(err(1, col(pos), CommitRejection::EmptyDescription));
    }
    Ok(Header {
        kind,
        scope,
        bang,
        description: description.to_owned(),
    })
}

const REFERENCE_TOKENS: &[&str] = &[
    "close",
    "closes",
    "closed",
    "fix",
    "fixes",
    "fixed",
    "resolve",
    "resolves",
    "resolved",
    "ref",
    "refs",
    "references",
    "related",
    "related-to",
    "see",
    "issue",
    "issues",
];

/// Whether `item` looks like `#12`, `owner/repo#12` or `ABC-12`.
fn is_issue_like(item: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some((repo, number)) = item.split_once('#') {
        if !digits(number) {
            return false;
        }
        if repo.is_empty() {
            return true;
        }
        return match repo.split_once('/') {
            Some((owner, name)) => {
                let ok = |s: &str| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                };
                ok(owner) && ok(name)
            }
            None => false,
        };
    }
    match item.rsplit_once('-') {
        Some((key, number)) => {
            digits(number)
                && key.starts_with(|c: char| c.is_ascii_uppercase())
                && key.len() >= 2
                && key
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }
        None => false,
    }
}

fn push_issue(issues: &mut Vec<IssueRef>, item: &str) {
    if is_issue_like(item) && !issues.iter().any(|i| i.0 == item) {
        issues.push(IssueRef(item.to_owned()));
    }
}

/// `(#123)` in a description or summary line.
pub(crate) fn description_issues(description: &str, issues: &mut Vec<IssueRef>) {
    let mut rest = description;
    while let Some(start) = rest.find("(#") {
        let after = &rest[start + 1..];
        match after.find(')') {
            Some(end) => {
                push_issue(issues, &after[..end]);
                rest = &after[end..];
            }
            None => break,
        }
    }
}

fn footer_issues(footer: &Footer, issues: &mut Vec<IssueRef>) {
    let token = footer.token.as_str().to_ascii_lowercase();
    if !REFERENCE_TOKENS.contains(&token.as_str()) {
        return;
    }
    let items = footer
        .value
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|s| s.trim_end_matches(['.', ';', ')']).trim_start_matches('('))
        .filter(|s| !s.is_empty());
    for (i, item) in items.enumerate() {
        if i == 0 && footer.separator == FooterSeparator::SpaceHash {
            push_issue(issues, &format!("#{item}"));
        } else {
            push_issue(issues, item);
        }
    }
}

impl ConventionalCommit {
    /// Parses `message` strictly, as the spec says (see the module docs for the grammar).
    ///
    /// # Errors
    ///
    /// [`ParseCommitError`] with the line, column and [`CommitRejection`] of the first fault:
    /// an empty message, a missing or malformed type, scope, colon, space or description, or a
    /// missing blank line after the header.
    pub fn parse(message: &str) -> Result<Self, ParseCommitError> {
        Self::parse_with(message, &ParseOptions::strict())
    }

    /// Parses `message` with `options` (see [`ParseOptions`]).
    ///
    /// # Errors
    ///
    /// As [`ConventionalCommit::parse`], except for the deviations `options` accepts.
    pub fn parse_with(message: &str, options: &ParseOptions) -> Result<Self, ParseCommitError> {
        if is_blank(message) {
            return Err(err(1, 1, CommitRejection::EmptyMessage));
        }
        let lines: Vec<&str> = message
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        let header = parse_header(lines[0], options)?;
        let rest = &lines[1..];

        let mut body = None;
        let mut footers: Vec<Footer> = Vec::new();
        if rest.iter().any(|l| !is_blank(l)) {
            if !is_blank(rest[0]) && options.missing_blank_line_after_header == Leniency::Reject {
                return Err(err(2, 1, CommitRejection::MissingBlankLineAfterHeader));
            }
            let first = rest.iter().position(|l| !is_blank(l)).unwrap_or(0);
            let rest = &rest[first..];
            let footer_at = (0..rest.len())
                .find(|&i| (i == 0 || is_blank(rest[i - 1])) && footer_line(rest, i).is_some())
                .unwrap_or(rest.len());
            let body_text = rest[..footer_at].join("\n");
            let body_text = body_text.trim_end();
            if !body_text.is_empty() {
                body = Some(body_text.to_owned());
            }
            let mut values: Vec<String> = Vec::new();
            for (i, line) in rest.iter().enumerate().skip(footer_at) {
                match footer_line(rest, i) {
                    Some((token, separator, value)) => {
                        footers.push(Footer {
                            token,
                            separator,
                            value: String::new(),
                        });
                        values.push(value.to_owned());
                    }
                    None => {
                        let value = values.last_mut().expect("the footer block starts a footer");
                        value.push('\n');
                        value.push_str(line);
                    }
                }
            }
            for (footer, value) in footers.iter_mut().zip(values) {
                footer.value = value.trim().to_owned();
            }
        }

        let breaking_footer = footers.iter().find(|f| f.is_breaking_change());
        let breaking = match (header.bang, breaking_footer) {
            (false, None) => None,
            (true, None) => Some(BreakingChange {
                source: BreakingSource::Bang,
                description: header.description.clone(),
            }),
            (bang, Some(footer)) => Some(BreakingChange {
                source: if bang {
                    BreakingSource::BangAndFooter
                } else {
                    BreakingSource::Footer
                },
                description: footer.value.clone(),
            }),
        };

        let mut issues = Vec::new();
        description_issues(&header.description, &mut issues);
        for footer in &footers {
            footer_issues(footer, &mut issues);
        }

        Ok(Self {
            kind: header.kind,
            scope: header.scope,
            breaking,
            description: header.description,
            body,
            footers,
            issues,
        })
    }

    /// Whether the commit declares a breaking change (by `!` or by a footer).
    pub fn is_breaking(&self) -> bool {
        self.breaking.is_some()
    }

    /// Whether the header carries a `!`.
    pub fn has_bang(&self) -> bool {
        matches!(
            self.breaking,
            Some(BreakingChange {
                source: BreakingSource::Bang | BreakingSource::BangAndFooter,
                ..
            })
        )
    }

    /// The header line: `type(scope)!: description`.
    pub fn header(&self) -> String {
        let mut out = self.kind.0.clone();
        if let Some(scope) = &self.scope {
            out.push('(');
            out.push_str(&scope.0);
            out.push(')');
        }
        if self.has_bang() {
            out.push('!');
        }
        out.push_str(": ");
        out.push_str(&self.description);
        out
    }
}

impl FromStr for ConventionalCommit {
    type Err = ParseCommitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Renders the message: header, then the body and the footers (one per line) each after a blank
/// line. Parsing the rendering gives the same value back.
impl fmt::Display for ConventionalCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header())?;
        if let Some(body) = &self.body {
            write!(f, "\n\n{body}")?;
        }
        for (i, footer) in self.footers.iter().enumerate() {
            f.write_str(if i == 0 { "\n\n" } else { "\n" })?;
            write!(f, "{footer}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(message: &str) -> (usize, usize, CommitRejection) {
        let e = ConventionalCommit::parse(message).expect_err(message);
        (e.line, e.column, e.reason)
    }

    #[test]
    fn errors_point_at_the_fault() {
        use CommitRejection::*;
        assert_eq!(reject(""), (1, 1, EmptyMessage));
        assert_eq!(reject(" feat: x"), (1, 1, MissingType));
        assert_eq!(
            reject("fix Improved"),
            (1, 4, MissingColon { found: Some(' ') })
        );
        assert_eq!(reject("foo(bar)"), (1, 9, MissingColon { found: None }));
        assert_eq!(reject("foo(: bar"), (1, 4, UnclosedScope));
        assert_eq!(reject("foo(): bar"), (1, 5, EmptyScope));
        assert_eq!(
            reject("fix((toto): x"),
            (1, 5, InvalidScopeCharacter { found: '(' })
        );
        assert_eq!(reject("fix( a): x"), (1, 5, ScopeSurroundingWhitespace));
        assert_eq!(reject("feat(é)!:x"), (1, 10, MissingSpaceAfterColon));
        assert_eq!(reject("feat:"), (1, 6, EmptyDescription));
        assert_eq!(reject("feat:   "), (1, 6, EmptyDescription));
        assert_eq!(reject("feat: x\nbody"), (2, 1, MissingBlankLineAfterHeader));
        let e = ConventionalCommit::parse("feat x").expect_err("no colon");
        assert_eq!(
            e.to_string(),
            "expected ':' after the type, found ' ' at line 1, column 5"
        );
    }

    #[test]
    fn lenient_accepts_the_common_deviations() {
        let c = ConventionalCommit::parse_with("feat:x\nbody line", &ParseOptions::lenient())
            .expect("lenient");
        assert_eq!(c.description, "x");
        assert_eq!(c.body.as_deref(), Some("body line"));
        assert_eq!(c.to_string(), "feat: x\n\nbody line");
    }

    #[test]
    fn breaking_sources_and_descriptions() {
        let c = ConventionalCommit::parse("feat!: a\n\nBREAKING-CHANGE: b\nBREAKING CHANGE: c")
            .expect("valid");
        assert_eq!(
            c.breaking,
            Some(BreakingChange {
                source: BreakingSource::BangAndFooter,
                description: "b".into()
            })
        );
        let c = ConventionalCommit::parse("fix: a\n\nbreaking-change: b").expect("valid");
        assert!(!c.is_breaking(), "lowercase token is not breaking");
    }

    #[test]
    fn breaking_change_text_on_the_line_after_the_token_is_kept() {
        let c = ConventionalCommit::parse(
            "update(deps)!: tonic 0.14\n\nBREAKING CHANGE:\n  tonic 0.14 needs\n  prost 0.14\nRefs: #9",
        )
        .expect("valid");
        assert_eq!(c.body, None);
        assert_eq!(c.footers.len(), 2);
        let breaking = c.breaking.as_ref().expect("breaking");
        assert_eq!(breaking.source, BreakingSource::BangAndFooter);
        assert_eq!(breaking.description, "tonic 0.14 needs\n  prost 0.14");
        let again = ConventionalCommit::parse(&c.to_string()).expect("reparses");
        assert_eq!(again, c);
        // Without any text after it, the token alone is body text (as git-conventional says).
        let c = ConventionalCommit::parse("fix: a\n\nBREAKING-CHANGE:").expect("valid");
        assert!(!c.is_breaking());
        assert_eq!(c.body.as_deref(), Some("BREAKING-CHANGE:"));
        // Other tokens still need a value on their line.
        let c = ConventionalCommit::parse("fix: a\n\nRefs:\n#4").expect("valid");
        assert!(c.footers.is_empty(), "{c:?}");
    }

    #[test]
    fn footer_values_span_lines_and_paragraphs() {
        let c = ConventionalCommit::parse(
            "fix: a\n\nbody\n\nBREAKING CHANGE: one\n  two\n\nthree\nRefs: #4\n",
        )
        .expect("valid");
        assert_eq!(c.body.as_deref(), Some("body"));
        assert_eq!(c.footers[0].value, "one\n  two\n\nthree");
        assert_eq!(c.footers[1].value, "#4");
    }

    #[test]
    fn a_first_line_keeps_its_trailing_spaces_like_any_other_line() {
        // Found by the fuzz harness: the value moved onto the footer's first line by the
        // rendering must parse back the same.
        let message = "fix: a\n\nBREAKING CHANGE:\nnote:  \nmore";
        let c = ConventionalCommit::parse(message).expect("valid");
        assert_eq!(c.footers[0].value, "note:  \nmore");
        assert_eq!(ConventionalCommit::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn issue_references_follow_the_documented_rule() {
        let c = ConventionalCommit::parse(
            "fix: crash (#7) and (#x)\n\nFixes: #123, #124, ABC-12, org/repo#5, not-one\n\
             Closes #3, #7\nSee-also: #99\nCo-authored-by: A <a@b.c> #1",
        )
        .expect("valid");
        let issues: Vec<&str> = c.issues.iter().map(IssueRef::as_str).collect();
        assert_eq!(issues, ["#7", "#123", "#124", "ABC-12", "org/repo#5", "#3"]);
    }

    #[test]
    fn newtypes_validate() {
        assert!(Scope::new("my scope").is_ok());
        assert!(Scope::new("").is_err());
        assert!(CommitType::new("feat").is_ok());
        assert!(CommitType::new("fe at").is_err());
        assert!(FooterToken::new("BREAKING CHANGE").is_ok());
        assert!(FooterToken::new("Co-authored-by").is_ok());
        assert!(FooterToken::new("-x").is_err());
        assert!(FooterToken::new("two words").is_err());
        assert!(IssueRef::new(" #1").is_err());
        assert!(serde_json::from_str::<Scope>("\"a)\"").is_err());
    }

    #[test]
    fn json_shape_is_as_documented() {
        let c = ConventionalCommit::parse("feat(api)!: drop v1\n\nRefs: #12").expect("valid");
        let json = serde_json::to_value(&c).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "type": "feat", "scope": "api",
                "breaking": {"source": "bang", "description": "drop v1"},
                "description": "drop v1", "body": null,
                "footers": [{"token": "Refs", "separator": ": ", "value": "#12"}],
                "issues": ["#12"]
            })
        );
        let back: ConventionalCommit = serde_json::from_value(json.clone()).expect("deserializes");
        assert_eq!(back, c);

        let mut lying = json.clone();
        lying["issues"] = serde_json::json!([]);
        let e = serde_json::from_value::<ConventionalCommit>(lying).expect_err("inconsistent");
        assert!(e.to_string().contains("disagree"), "{e}");
        let mut broken = json;
        broken["description"] = serde_json::json!("two\nlines");
        let e = serde_json::from_value::<ConventionalCommit>(broken).expect_err("unparsable");
        assert!(e.to_string().contains("does not render"), "{e}");
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<ConventionalCommit>();
        check::<ParseCommitError>();
        check::<ParseOptions>();
        check::<crate::change::Change>();
        check::<crate::version::BumpDecision>();
        check::<crate::version::BumpVersionError>();
        check::<crate::version::BumpPolicy>();
    }
}
