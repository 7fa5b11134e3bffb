//! `relman commit parse` and `relman commit check`, run as a user would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn relman(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relman starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    pipe.write_all(stdin.unwrap_or("").as_bytes())
        .expect("stdin accepts the message");
    drop(pipe);
    child.wait_with_output().expect("relman finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

#[test]
fn parse_prints_the_documented_json() {
    let out = relman(
        &[
            "commit",
            "parse",
            "feat(api)!: drop v1\n\nWhy.\n\nRefs: #12\nCloses #3",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!({
            "type": "feat", "scope": "api", "breaking": true,
            "breaking_description": "drop v1", "description": "drop v1", "body": "Why.",
            "footers": [
                {"token": "Refs", "separator": ": ", "value": "#12"},
                {"token": "Closes", "separator": " #", "value": "3"}
            ],
            "issues": ["#12", "#3"]
        })
    );
}

#[test]
fn parse_reads_stdin_and_prints_nulls_for_absent_parts() {
    let out = relman(
        &["commit", "parse", "-", "--format", "json"],
        Some("fix: crash\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["scope"], serde_json::Value::Null);
    assert_eq!(json["body"], serde_json::Value::Null);
    assert_eq!(json["breaking"], false);
    assert_eq!(json["breaking_description"], serde_json::Value::Null);
    assert_eq!(json["footers"], serde_json::json!([]));
}

#[test]
fn parse_text_is_the_default() {
    let out = relman(&["commit", "parse"], Some("fix: x\n\nBREAKING CHANGE: y\n"));
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("type:        fix"), "{text}");
    assert!(text.contains("breaking:    yes: y"), "{text}");
    assert!(text.contains("    BREAKING CHANGE: y"), "{text}");
}

#[test]
fn parse_rejects_with_line_column_and_reason() {
    let out = relman(&["commit", "parse", "feat:missing space"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("expected a space after ':' at line 1, column 6"),
        "{err}"
    );
    assert!(err.contains("   1 | feat:missing space\n"), "{err}");
    assert!(err.contains("\n            ^\n"), "{err}");

    let out = relman(
        &["commit", "parse", "--lenient", "feat:missing space"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn check_answers_with_the_exit_code() {
    let ok = relman(&["commit", "check", "docs: explain"], None);
    assert_eq!(ok.status.code(), Some(0));
    assert!(stderr(&ok).is_empty());

    let bad = relman(&["commit", "check", "-"], Some("fix: a\nno blank line\n"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("expected a blank line after the header at line 2, column 1"),
        "{}",
        stderr(&bad)
    );

    let empty = relman(&["commit", "check"], Some(""));
    assert_eq!(empty.status.code(), Some(1));
    assert!(stderr(&empty).contains("the message is empty"));
}

#[test]
fn usage_errors_exit_2() {
    let out = relman(&["commit", "parse", "--format", "yaml", "fix: x"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn escape_sequences_in_a_message_are_shown_as_text() {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["commit", "parse"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("relman runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"feat: \x1b]0;pwned\x07 title\n")
        .expect("write");
    let out = child.wait_with_output().expect("relman ends");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains(r"\u{1b}]0;pwned\u{7} title"), "{text}");
}
