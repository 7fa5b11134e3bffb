//! The Conventional Commits parser against every vector of
//! `tests/data/conventional-commits-vectors.json` (a copy of
//! `shared/data/conventional-commits/vectors.json`: 107 vectors from the test suites of
//! git-conventional and cocogitto's parser), plus the round-trip properties.

use proptest::prelude::*;
use relman_model::commit::{CommitRejection, CommitType, ConventionalCommit, ParseOptions, Scope};
use serde_json::Value;

const VECTORS: &str = include_str!("data/conventional-commits-vectors.json");

/// Vectors where relman deliberately differs from the upstream parser that wrote the vector.
/// Each is a `parser_specific` disagreement; relman follows the spec (see the `commit` module
/// docs). The listed fields are not compared; `Verdict` says what is asserted instead.
const DEVIATIONS: &[(&str, Deviation, &str)] = &[
    (
        "cog-scope-with-whitespace",
        Deviation::WeAccept,
        "cocogitto rejects spaces in a scope; the spec only asks for a noun in parentheses and \
         git-conventional accepts them (gc-simple-scope-with-space, gc-scope-token-1)",
    ),
    (
        "cog-dependabot-no-blank-line",
        Deviation::WeRejectStrictly,
        "spec rule 6 requires a blank line after the header (as gc-multiline-description); \
         ParseOptions::lenient() accepts it, and then the \"updated-dependencies:\" + newline \
         footer is cocogitto-specific (not a spec separator), so body and that footer are skipped",
    ),
    (
        "cog-dependabot-crlf-coauthors",
        Deviation::SkipFields,
        "the \"updated-dependencies:\" + CR footer is cocogitto's colon+newline separator, not a \
         spec separator: relman keeps those lines in the body (as git-conventional), so body and \
         that footer are skipped; the three spec footers are compared",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Deviation {
    /// Upstream rejects, relman accepts.
    WeAccept,
    /// Upstream accepts, strict relman rejects (lenient relman accepts).
    WeRejectStrictly,
    /// Same verdict; parser-specific fields (body, non-spec footers) are skipped.
    SkipFields,
}

fn vectors() -> Vec<Value> {
    let file: Value = serde_json::from_str(VECTORS).expect("the fixture is JSON");
    file["vectors"].as_array().expect("a vectors array").clone()
}

fn opt_str(v: &Value) -> Option<&str> {
    v.as_str()
}

fn footers_json(c: &ConventionalCommit) -> Vec<Value> {
    c.footers
        .iter()
        .map(|f| {
            serde_json::json!({
                "token": f.token.as_str(),
                "separator": f.separator.as_str(),
                "value": f.value,
            })
        })
        .collect()
}

/// Compares every field the vector's `expected` holds (asserted and derived ones) except `skip`.
fn check_fields(id: &str, c: &ConventionalCommit, expected: &Value, skip: &[&str]) {
    let obj = expected.as_object().expect("expected is an object");
    for (field, want) in obj {
        if skip.contains(&field.as_str()) {
            continue;
        }
        match field.as_str() {
            "type" => assert_eq!(c.kind.as_str(), want, "{id}: type"),
            "type_normalized" => assert_eq!(c.kind.to_lowercase(), *want, "{id}: type_normalized"),
            "scope" => assert_eq!(
                c.scope.as_ref().map(Scope::as_str),
                opt_str(want),
                "{id}: scope"
            ),
            "description" => assert_eq!(c.description, *want, "{id}: description"),
            "body" => assert_eq!(c.body.as_deref(), opt_str(want), "{id}: body"),
            "breaking" => assert_eq!(Value::Bool(c.is_breaking()), *want, "{id}: breaking"),
            "breaking_description" => assert_eq!(
                c.breaking.as_ref().map(|b| b.description.as_str()),
                opt_str(want),
                "{id}: breaking_description"
            ),
            "footers" => assert_eq!(Value::Array(footers_json(c)), *want, "{id}: footers"),
            other => panic!("{id}: unknown expected field {other}"),
        }
    }
}

fn check_message(v: &Value) {
    let id = v["id"].as_str().expect("id");
    let message = v["message"].as_str().expect("message");
    let valid = v["valid"].as_bool().expect("valid");
    let deviation = DEVIATIONS.iter().find(|(d, _, _)| *d == id).map(|d| d.1);
    let parsed = ConventionalCommit::parse(message);
    match deviation {
        None => {
            assert_eq!(parsed.is_ok(), valid, "{id}: verdict ({parsed:?})");
            if let Ok(c) = &parsed {
                check_fields(id, c, &v["expected"], &[]);
            }
        }
        Some(Deviation::WeAccept) => {
            assert!(!valid, "{id}: upstream rejects");
            let c = parsed.expect("relman accepts a scope with spaces");
            assert_eq!(c.scope.as_ref().map(Scope::as_str), Some("hello world"));
        }
        Some(Deviation::WeRejectStrictly) => {
            assert!(valid, "{id}: upstream accepts");
            let e = parsed.expect_err("strict relman rejects");
            assert_eq!(
                (e.line, e.column, e.reason),
                (2, 1, CommitRejection::MissingBlankLineAfterHeader)
            );
            let c = ConventionalCommit::parse_with(message, &ParseOptions::lenient())
                .expect("lenient relman accepts");
            check_fields(id, &c, &v["expected"], &["body", "footers"]);
            check_spec_footers_contained(id, &c, &v["expected"]);
        }
        Some(Deviation::SkipFields) => {
            assert_eq!(parsed.is_ok(), valid, "{id}: verdict");
            let c = parsed.expect("valid");
            check_fields(id, &c, &v["expected"], &["body", "footers"]);
            check_spec_footers_contained(id, &c, &v["expected"]);
        }
    }
}

/// Every expected footer with a spec separator (`": "` or `" #"`) is among the parsed ones.
fn check_spec_footers_contained(id: &str, c: &ConventionalCommit, expected: &Value) {
    let got = footers_json(c);
    let mut compared = 0;
    for want in expected["footers"].as_array().expect("footers") {
        if matches!(want["separator"].as_str(), Some(": " | " #")) {
            assert!(got.contains(want), "{id}: footer {want} in {got:?}");
            compared += 1;
        }
    }
    assert!(compared > 0, "{id}: some footer was compared");
}

/// `footer` vectors are single footer lines: placed after a header and a blank line they must
/// parse as exactly the expected footer, and invalid ones must stay body text.
fn check_footer(v: &Value) {
    let id = v["id"].as_str().expect("id");
    let message = format!("chore: x\n\n{}", v["message"].as_str().expect("message"));
    let c = ConventionalCommit::parse(&message).expect("a header with a footer or body is valid");
    if v["valid"].as_bool().expect("valid") {
        assert_eq!(c.body, None, "{id}: body");
        check_fields(id, &c, &v["expected"], &[]);
    } else {
        assert!(c.footers.is_empty(), "{id}: not a footer: {:?}", c.footers);
    }
}

/// `body+footers` vectors are the text after the header's blank line: the body must match and
/// the footers, rendered one per line, must give the vector's `footer_text`.
fn check_body_split(v: &Value) {
    let id = v["id"].as_str().expect("id");
    assert!(v["valid"].as_bool().expect("valid"), "{id}: all are valid");
    let message = format!("chore: x\n\n{}", v["message"].as_str().expect("message"));
    let c = ConventionalCommit::parse(&message).expect("valid");
    assert_eq!(
        c.body.as_deref(),
        v["expected"]["body"].as_str(),
        "{id}: body"
    );
    let footer_text: Vec<String> = c.footers.iter().map(ToString::to_string).collect();
    assert_eq!(
        footer_text.join("\n"),
        v["expected"]["footer_text"].as_str().expect("footer_text"),
        "{id}: footer_text"
    );
}

fn check_type_prefix(v: &Value) {
    let id = v["id"].as_str().expect("id");
    let got = CommitType::split_prefix(v["message"].as_str().expect("message"));
    assert_eq!(got.is_some(), v["valid"].as_bool().expect("valid"), "{id}");
    if let Some((kind, _)) = got {
        assert_eq!(kind.as_str(), v["expected"]["type"], "{id}: type");
    }
}

fn check_scope(v: &Value) {
    let id = v["id"].as_str().expect("id");
    let got = Scope::new(v["message"].as_str().expect("message"));
    assert_eq!(got.is_ok(), v["valid"].as_bool().expect("valid"), "{id}");
    if let Ok(scope) = got {
        assert_eq!(scope.as_str(), v["expected"]["scope"], "{id}: scope");
    }
}

#[test]
fn every_vector_is_checked() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 107);
    let mut checked = 0;
    for v in &vectors {
        match v["level"].as_str().expect("level") {
            "message" => check_message(v),
            "footer" => check_footer(v),
            "body+footers" => check_body_split(v),
            "type-prefix" => check_type_prefix(v),
            "scope" => check_scope(v),
            other => panic!("unknown level {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 107);
}

#[test]
fn deviations_are_all_parser_specific_vectors() {
    let vectors = vectors();
    for (id, _, reason) in DEVIATIONS {
        let v = vectors
            .iter()
            .find(|v| v["id"] == *id)
            .unwrap_or_else(|| panic!("{id} is a vector"));
        assert!(v.get("parser_specific").is_some(), "{id}: {reason}");
    }
}

#[test]
fn valid_vectors_round_trip_through_display() {
    for v in vectors() {
        if v["level"] != "message" {
            continue;
        }
        if let Ok(c) = ConventionalCommit::parse(v["message"].as_str().expect("message")) {
            let rendered = c.to_string();
            assert_eq!(
                ConventionalCommit::parse(&rendered).as_ref(),
                Ok(&c),
                "{}",
                v["id"]
            );
        }
    }
}

fn words(re: &'static str, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(re, 1..=max).prop_map(|w| w.join(" "))
}

prop_compose! {
    fn footer()(
        token in prop_oneof![
            Just("BREAKING CHANGE".to_owned()),
            Just("BREAKING-CHANGE".to_owned()),
            "[A-Za-z][a-z0-9]{0,6}(-[a-z]{1,5}){0,2}",
        ],
        hash in any::<bool>(),
        lines in prop::collection::vec(words("[a-z0-9<>@.]{1,8}", 4), 1..3),
    ) -> String {
        format!("{token}{}{}", if hash { " #" } else { ": " }, lines.join("\n"))
    }
}

prop_compose! {
    fn message()(
        kind in "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        scope in prop::option::of("[a-z0-9][a-z0-9 _/.-]{0,8}[a-z0-9]"),
        bang in any::<bool>(),
        description in words("[a-zA-Z0-9,.#()]{1,8}", 6),
        body in prop::option::of(prop::collection::vec(words("[a-z0-9.,]{1,8}", 8), 1..4)),
        footers in prop::collection::vec(footer(), 0..4),
        crlf in any::<bool>(),
        trailing in "\n{0,3}",
    ) -> String {
        let mut m = kind;
        if let Some(scope) = scope {
            m.push_str(&format!("({scope})"));
        }
        if bang {
            m.push('!');
        }
        m.push_str(": ");
        m.push_str(&description);
        if let Some(paragraphs) = body {
            m.push_str("\n\n");
            m.push_str(&paragraphs.join("\n\n"));
        }
        if !footers.is_empty() {
            m.push_str("\n\n");
            m.push_str(&footers.join("\n"));
        }
        m.push_str(&trailing);
        if crlf { m.replace('\n', "\r\n") } else { m }
    }
}

proptest! {
    #[test]
    fn generated_messages_parse_and_round_trip(m in message()) {
        let c = ConventionalCommit::parse(&m).expect("generated messages are valid");
        let normalized = m.replace("\r\n", "\n");
        prop_assert_eq!(c.to_string(), normalized.trim_end());
        prop_assert_eq!(ConventionalCommit::parse(&c.to_string()), Ok(c.clone()));
        let breaking_footer = c.footers.iter().any(|f| f.is_breaking_change());
        prop_assert_eq!(c.is_breaking(), c.has_bang() || breaking_footer);
    }

    #[test]
    fn any_accepted_input_round_trips(m in "[a-zA-Z(): !#\\-\n\r\t ]{0,60}") {
        for options in [ParseOptions::strict(), ParseOptions::lenient()] {
            if let Ok(c) = ConventionalCommit::parse_with(&m, &options) {
                prop_assert_eq!(ConventionalCommit::parse(&c.to_string()), Ok(c));
            }
        }
    }

    #[test]
    fn never_panics_and_errors_point_inside_the_message(m in any::<String>()) {
        if let Err(e) = ConventionalCommit::parse(&m) {
            let lines: Vec<&str> = m.split('\n').collect();
            prop_assert!(e.line >= 1 && e.line <= lines.len().max(1));
            prop_assert!(e.column >= 1 && e.column <= lines[e.line - 1].chars().count() + 1);
        }
    }
}
