//! `relman schedule psplib` end to end on the PSPLIB fixtures of relman-graph.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use std::path::PathBuf;
use std::process::Command;

mod common;

fn relman() -> Command {
    Command::new(env!("CARGO_BIN_EXE_relman"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../relman-graph/tests/data")
        .join(name)
}

fn run(seed: &str) -> Vec<serde_json::Value> {
    let out = relman()
        .args(["schedule", "psplib"])
        .arg(fixture("j301_1.sm"))
        .arg(fixture("j3013_2.sm"))
        .args(["--schedules", "1500", "--seed", seed, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn prints_one_json_line_per_instance_deterministically() {
    let a = run("5");
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["instance"], "j301_1");
    assert_eq!(a[1]["instance"], "j3013_2");
    for (line, optimum) in a.iter().zip([43, 62]) {
        let makespan = line["makespan"].as_i64().unwrap();
        assert!(
            makespan >= optimum && makespan * 10 <= optimum * 11,
            "{line}"
        );
        assert!(line["lower_bound"].as_i64().unwrap() <= optimum);
        assert!(line["schedules"].as_u64().unwrap() <= 1500);
        assert_eq!(line["starts"].as_array().unwrap().len(), 32);
        assert!(line["millis"].is_u64());
    }
    let b = run("5");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x["starts"], y["starts"]);
        assert_eq!(x["makespan"], y["makespan"]);
    }
}

#[test]
fn bad_input_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.sm");
    std::fs::write(&bad, "jobs (incl. supersource/sink ):  x\n").unwrap();
    let out = relman()
        .args(["schedule", "psplib"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.sm") && err.contains("line 1"), "{err}");
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/release-plan.toml")
}

#[test]
fn plan_file_schedules_and_renders_every_format() {
    let out = relman()
        .args(["schedule"])
        .arg(example())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json = common::json(&out);
    assert_eq!(json["makespan"], 16);
    assert_eq!(json["tasks"].as_array().unwrap().len(), 8);
    assert_eq!(json["tasks"][0]["start_at"], "2026-01-05T09:00:00Z");
    assert_eq!(json["finish_at"], "2026-01-07T13:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    for (format, marker) in [
        ("mermaid", "gantt"),
        ("svg", "<svg"),
        ("ics", "CONTACT:ops-eu\r\n"),
        ("dot", "digraph plan"),
        ("text", "makespan 16"),
    ] {
        let file = dir.path().join(format!("plan.{format}"));
        let out = relman()
            .args(["schedule"])
            .arg(example())
            .args(["--format", format, "--output"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(marker), "{format}: {text}");
    }
}

#[test]
fn invalid_plan_names_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("cyclic.toml");
    std::fs::write(
        &plan,
        "start = \"2026-01-05T09:00:00Z\"\nunit = \"day\"\n[[tasks]]\nid = \"a\"\nduration = 1\n[[tasks]]\nid = \"b\"\nduration = 1\n[[precedences]]\nfrom = \"a\"\nto = \"b\"\n[[precedences]]\nfrom = \"b\"\nto = \"a\"\n",
    )
    .unwrap();
    let out = relman().args(["schedule"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a -> b -> a"), "{err}");
}

#[test]
fn a_budget_that_would_run_for_ever_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("huge.toml");
    std::fs::write(
        &plan,
        "start = \"2026-01-05T09:00:00Z\"\nunit = \"day\"\nschedules = 9223372036854775807\n[[tasks]]\nid = \"a\"\nduration = 1\n",
    )
    .unwrap();
    let out = relman().args(["schedule"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("above the limit of 10000000"), "{err}");
    let out = relman()
        .args(["schedule", "psplib", "--schedules", "18446744073709551615"])
        .arg(fixture("j301_1.sm"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
