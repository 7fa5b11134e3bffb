//! `relman verify` end to end: a passing canary exits 0 and is recorded in the ledger, a failing
//! one exits 1 (and is recorded too), a malformed metrics file or config exits 2.

use std::path::Path;
use std::process::{Command, Output};

fn relman() -> Command {
    Command::new(env!("CARGO_BIN_EXE_relman"))
}

const CONFIG: &str = r#"
[[metrics]]
name = "latency_ms"
bad = "increase"
critical = true

[[metrics]]
name = "throughput"
bad = "decrease"
weight = 2
relative_margin = 0.05
"#;

/// A CSV with `n` samples per group: latency around `latency` for the canary (100 for the
/// baseline), throughput around 500 for both.
fn metrics_csv(canary_latency: f64, n: usize) -> String {
    let mut csv = String::from("metric,group,value\n");
    for i in 0..n {
        let wiggle = (i as f64 - n as f64 / 2.0) * 0.7;
        csv.push_str(&format!("latency_ms,baseline,{}\n", 100.0 + wiggle));
        csv.push_str(&format!("latency_ms,canary,{}\n", canary_latency + wiggle));
        csv.push_str(&format!("throughput,baseline,{}\n", 500.0 + wiggle));
        csv.push_str(&format!("throughput,canary,{}\n", 500.5 + wiggle));
    }
    csv
}

fn init_state(state: &Path) {
    let out = relman()
        .args(["env", "init", "--environments", "canary,production"])
        .arg("--state")
        .arg(state)
        .output()
        .expect("run relman");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn verify(dir: &Path, metrics_file: &str, extra: &[&str]) -> Output {
    relman()
        .args([
            "verify",
            "--env",
            "canary",
            "--component",
            "api",
            "--version",
            "1.3.0",
            "--baseline",
            "1.2.0",
            "--by",
            "ci",
        ])
        .arg("--config")
        .arg(dir.join("canary.toml"))
        .arg("--metrics")
        .arg(dir.join(metrics_file))
        .arg("--state")
        .arg(dir.join("state"))
        .args(extra)
        .output()
        .expect("run relman")
}

fn history(state: &Path) -> serde_json::Value {
    let out = relman()
        .args(["env", "history", "--format", "json", "--state"])
        .arg(state)
        .output()
        .expect("run relman");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON history")
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("canary.toml"), CONFIG).expect("write config");
    init_state(&dir.path().join("state"));
    dir
}

#[test]
fn a_passing_canary_exits_zero_and_is_recorded() {
    let dir = setup();
    std::fs::write(dir.path().join("m.csv"), metrics_csv(100.2, 20)).expect("write");
    let out = verify(dir.path(), "m.csv", &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["score"], 100.0);
    let latency = &json["metrics"][0];
    assert_eq!(latency["name"], "latency_ms");
    assert_eq!(latency["classification"], "pass");
    assert_eq!(latency["baseline"]["n"], 20);
    assert_eq!(latency["canary"]["n"], 20);
    assert!(latency["p_value"].as_f64().expect("a p-value") > 0.05);
    assert!(latency["statistic"].is_number());
    // Throughput moved by 0.5 on 500: significant, but within the 5 % margin.
    assert_eq!(json["metrics"][1]["classification"], "pass");

    let history = history(&dir.path().join("state"));
    let events = history.as_array().expect("a list");
    let recorded = &events.last().expect("an event")["event"];
    assert_eq!(recorded["kind"], "canary_verdict_recorded");
    assert_eq!(recorded["env"], "canary");
    assert_eq!(recorded["component"], "api");
    assert_eq!(recorded["version"], "1.3.0");
    assert_eq!(recorded["baseline"], "1.2.0");
    assert_eq!(recorded["verdict"], "pass");
    assert_eq!(recorded["by"], "ci");
    assert_eq!(json["recorded_revision"], events.len());
}

#[test]
fn a_critical_regression_exits_one_and_is_recorded() {
    let dir = setup();
    std::fs::write(dir.path().join("m.csv"), metrics_csv(180.0, 20)).expect("write");
    let out = verify(dir.path(), "m.csv", &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("verdict: fail"), "{text}");
    assert!(text.contains("critical metric latency_ms fails"), "{text}");
    assert!(text.contains("latency_ms: high"), "{text}");
    let history = history(&dir.path().join("state"));
    let recorded = &history
        .as_array()
        .expect("a list")
        .last()
        .expect("an event")["event"];
    assert_eq!(recorded["verdict"], "fail");
    assert_eq!(recorded["metrics"][0]["classification"], "high");
    assert_eq!(recorded["metrics"][0]["failed"], true);
}

#[test]
fn json_metrics_are_read_by_their_extension() {
    let dir = setup();
    let mut records = Vec::new();
    for i in 0..10 {
        let v = f64::from(i);
        records.push(
            serde_json::json!({"metric": "latency_ms", "group": "baseline", "value": 100.0 + v}),
        );
        records.push(
            serde_json::json!({"metric": "latency_ms", "group": "canary", "value": 100.0 + v}),
        );
    }
    std::fs::write(
        dir.path().join("m.json"),
        serde_json::to_string(&records).expect("serialises"),
    )
    .expect("write");
    let out = verify(dir.path(), "m.json", &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["metrics"][1]["classification"], "nodata");
}

#[test]
fn a_malformed_csv_exits_two_naming_the_line_and_records_nothing() {
    let dir = setup();
    let mut csv = metrics_csv(100.0, 3);
    csv.push_str("latency_ms,canary,slow\n");
    std::fs::write(dir.path().join("m.csv"), csv).expect("write");
    let before = history(&dir.path().join("state")).as_array().map(Vec::len);
    let out = verify(dir.path(), "m.csv", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 14, column 3: value `slow` is not a number"),
        "{stderr}"
    );
    assert!(stderr.contains("m.csv"), "{stderr}");
    let after = history(&dir.path().join("state")).as_array().map(Vec::len);
    assert_eq!(before, after, "nothing is recorded");
}

#[test]
fn an_unknown_config_key_exits_two() {
    let dir = setup();
    std::fs::write(
        dir.path().join("canary.toml"),
        "[[metrics]]\nname = \"latency_ms\"\nbad = \"increase\"\nthreshold = 3\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("m.csv"), metrics_csv(100.0, 5)).expect("write");
    let out = verify(dir.path(), "m.csv", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field `threshold`"), "{stderr}");
}

#[test]
fn review_shows_the_canary_verdicts_of_the_version() {
    let dir = setup();
    std::fs::write(dir.path().join("m.csv"), metrics_csv(180.0, 12)).expect("write");
    assert_eq!(verify(dir.path(), "m.csv", &[]).status.code(), Some(1));
    let state = dir.path().join("state");
    let out = relman()
        .args(["review", "api@1.3.0", "--format", "json", "--state"])
        .arg(&state)
        .output()
        .expect("run relman");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON review");
    let verdict = &json["canary_verdicts"][0];
    assert_eq!(verdict["verdict"], "fail");
    assert_eq!(verdict["baseline"], "1.2.0");
    assert_eq!(verdict["metrics"][0]["metric"], "latency_ms");
    assert_eq!(verdict["metrics"][0]["failed"], true);
    let markdown = relman()
        .args(["review", "api@1.3.0", "--state"])
        .arg(&state)
        .output()
        .expect("run relman");
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        text.contains("- api@1.3.0 in canary against 1.2.0: fail"),
        "{text}"
    );
    let other = relman()
        .args(["review", "api@1.2.0", "--format", "json", "--state"])
        .arg(&state)
        .output()
        .expect("run relman");
    let json: serde_json::Value = serde_json::from_slice(&other.stdout).expect("JSON review");
    assert_eq!(
        json["canary_verdicts"],
        serde_json::json!([]),
        "only the reviewed version's"
    );
}

/// `relman env ARGS --state DIR/state`.
fn env(dir: &Path, args: &[&str]) -> Output {
    relman()
        .arg("env")
        .args(args)
        .arg("--state")
        .arg(dir.join("state"))
        .output()
        .expect("run relman")
}

#[test]
fn a_promotion_can_require_a_passing_canary() {
    let dir = setup();
    let deployed = [
        "deploy",
        "--env",
        "canary",
        "--component",
        "api",
        "--version",
        "1.3.0",
    ];
    assert!(env(dir.path(), &deployed).status.success());
    let succeeded = [
        "succeed",
        "--env",
        "canary",
        "--component",
        "api",
        "--version",
        "1.3.0",
    ];
    assert!(env(dir.path(), &succeeded).status.success());
    let promote = [
        "promote",
        "--from",
        "canary",
        "--to",
        "production",
        "--component",
        "api",
        "--require-canary",
    ];
    let out = env(dir.path(), &promote);
    assert_eq!(out.status.code(), Some(1), "no verdict yet");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("none recorded"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(dir.path().join("bad.csv"), metrics_csv(160.0, 20)).expect("write");
    assert_eq!(verify(dir.path(), "bad.csv", &[]).status.code(), Some(1));
    let out = env(dir.path(), &promote);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failing canary is not promoted"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("latest: fail"));
    std::fs::write(dir.path().join("good.csv"), metrics_csv(100.0, 20)).expect("write");
    assert_eq!(verify(dir.path(), "good.csv", &[]).status.code(), Some(0));
    let out = env(dir.path(), &promote);
    assert!(
        out.status.success(),
        "a passing canary is promoted: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_failing_canary_can_roll_back_to_the_previous_version() {
    let dir = setup();
    std::fs::write(dir.path().join("bad.csv"), metrics_csv(160.0, 20)).expect("write");
    let out = verify(dir.path(), "bad.csv", &["--rollback-on-fail"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rollback: refused: no rollback target"),
        "{text}"
    );
    for version in ["1.2.0", "1.3.0"] {
        for step in ["deploy", "succeed"] {
            let args = [
                step,
                "--env",
                "canary",
                "--component",
                "api",
                "--version",
                version,
            ];
            assert!(env(dir.path(), &args).status.success());
        }
    }
    let out = verify(dir.path(), "bad.csv", &["--rollback-on-fail"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rollback: started api 1.2.0 in canary"),
        "{text}"
    );
    let events = history(&dir.path().join("state"));
    let last = events
        .as_array()
        .and_then(|e| e.last())
        .expect("events")
        .to_string();
    assert!(
        last.contains("rollback") && last.contains("1.2.0"),
        "{last}"
    );
    std::fs::write(dir.path().join("good.csv"), metrics_csv(100.0, 20)).expect("write");
    let out = verify(dir.path(), "good.csv", &["--rollback-on-fail"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("rollback:"));
}

/// `--prometheus`: a passing and a failing canary judged from a real Prometheus server holding
/// the samples, and a server that refuses a query exits 2 naming the metric.
#[test]
fn samples_are_read_from_a_real_prometheus_server() {
    use relman_test_support::prometheus::{Prometheus, Sample};
    let dir = setup();
    let now = chrono::Utc::now().timestamp();
    let start = (now - 3600) / 60 * 60;
    let mut samples = Vec::new();
    for i in 0..20_i64 {
        let wiggle = (i as f64 - 10.0) * 0.7;
        for (version, latency) in [("1.2.0", 100.0), ("1.2.1", 100.2), ("1.3.0", 180.0)] {
            let labels = vec![("version".to_owned(), version.to_owned())];
            let at = u64::try_from(start + i * 60).expect("after 1970");
            samples.push(Sample {
                metric: "latency_ms".into(),
                labels: labels.clone(),
                value: latency + wiggle,
                at,
            });
            samples.push(Sample {
                metric: "rps".into(),
                labels,
                value: 500.0 + wiggle,
                at,
            });
        }
    }
    let server = Prometheus::start(&samples);
    let config = r#"
[[metrics]]
name = "latency_ms"
bad = "increase"
critical = true
query = 'latency_ms{version="${version}"}'

[[metrics]]
name = "throughput"
bad = "decrease"
query = 'rps{version="${version}"}'
"#;
    std::fs::write(dir.path().join("prom.toml"), config).expect("write config");
    let run_version = |config: &str, version: &str| {
        relman()
            .args([
                "verify",
                "--env",
                "canary",
                "--component",
                "api",
                "--version",
                version,
                "--baseline",
                "1.2.0",
                "--format",
                "json",
                "--step",
                "60",
            ])
            .args(["--prometheus", server.url()])
            .args([
                "--start",
                &chrono::DateTime::from_timestamp(start, 0)
                    .expect("time")
                    .to_rfc3339(),
            ])
            .args([
                "--end",
                &chrono::DateTime::from_timestamp(start + 19 * 60, 0)
                    .expect("time")
                    .to_rfc3339(),
            ])
            .arg("--config")
            .arg(dir.path().join(config))
            .arg("--state")
            .arg(dir.path().join("state"))
            .output()
            .expect("run relman")
    };
    let run = |config: &str| run_version(config, "1.3.0");

    // A canary like its baseline passes, judged from the same server.
    let out = run_version("prom.toml", "1.2.1");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["metrics"][0]["canary"]["n"], 20);

    let out = run("prom.toml");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["metrics"][0]["classification"], "high");
    assert_eq!(json["metrics"][0]["baseline"]["n"], 20);
    assert_eq!(json["metrics"][0]["canary"]["n"], 20);
    assert_eq!(json["metrics"][1]["classification"], "pass");
    let history = history(&dir.path().join("state"));
    let recorded = &history
        .as_array()
        .expect("a list")
        .last()
        .expect("an event")["event"];
    assert_eq!(recorded["verdict"], "fail");

    std::fs::write(
        dir.path().join("bad.toml"),
        config.replace("rps{version=\"${version}\"}", "rate(rps[1m]"),
    )
    .expect("write config");
    let out = run("bad.toml");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refused the query of throughput"),
        "{stderr}"
    );

    // A metric without `query` cannot be read from Prometheus.
    std::fs::write(dir.path().join("noquery.toml"), CONFIG).expect("write config");
    let out = run("noquery.toml");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("latency_ms has no `query`"), "{stderr}");
}
