//! `relman risk` end to end on the small in-repo fixture.

use std::path::PathBuf;
use std::process::{Command, Output};

use relman_test_support::GitHistory;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../relman-risk/tests/data/jit-sample.csv")
}

fn relman(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .output()
        .expect("run relman")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

#[test]
fn train_then_score_as_csv_and_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("model.json");
    let data = fixture();
    let out = relman(&[
        "risk",
        "train",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--model",
        "logistic",
        "--out",
        model.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let saved = std::fs::read_to_string(&model).expect("model written");
    assert!(saved.contains("\"schema_version\": 1"));
    assert!(saved.contains("\"kind\": \"logistic\""));

    let out = relman(&[
        "risk",
        "score",
        "--model",
        model.to_str().expect("utf-8 path"),
        "--data",
        data.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("commit,probability"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 240);
    for row in &rows {
        let (commit, p) = row.split_once(',').expect("two columns");
        assert_eq!(commit.len(), 40);
        let p: f64 = p.parse().expect("a probability");
        assert!((0.0..=1.0).contains(&p));
    }

    let out = relman(&[
        "risk",
        "score",
        "--model",
        "default",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--format",
        "json",
        "--top",
        "3",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    let first = &json[0];
    assert_eq!(first["commit"], "14295be0edba4070a604d93b4e9acb91d5ed39d2");
    let contributions = first["contributions"].as_array().expect("contributions");
    assert_eq!(contributions.len(), 3);
    let size = |c: &serde_json::Value| c["contribution"].as_f64().expect("number").abs();
    assert!(size(&contributions[0]) >= size(&contributions[1]));
}

#[test]
fn evaluate_reports_every_figure_as_json_and_text() {
    let data = fixture();
    let out = relman(&[
        "risk",
        "evaluate",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--model",
        "logistic",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    let report = &json[0];
    assert_eq!(report["model"], "logistic");
    assert_eq!(report["train_rows"], 192);
    assert_eq!(report["test_rows"], 48);
    let auc = report["roc_auc"].as_f64().expect("auc");
    assert!(auc > 0.6 && auc <= 1.0, "{auc}");
    for key in [
        "pr_auc",
        "precision",
        "recall",
        "f1",
        "recall_at_20_percent_effort",
    ] {
        let v = report[key].as_f64().expect("a number");
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }

    let out = relman(&[
        "risk",
        "evaluate",
        "--data",
        data.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for kind in ["expert", "logistic", "gbdt", "ensemble"] {
        assert!(table.contains(kind), "{table}");
    }
}

#[test]
fn training_is_reproducible_for_a_seed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = fixture();
    let mut models = Vec::new();
    for name in ["a.json", "b.json"] {
        let path = dir.path().join(name);
        let out = relman(&[
            "risk",
            "train",
            "--data",
            data.to_str().expect("utf-8 path"),
            "--model",
            "gbdt",
            "--seed",
            "7",
            "--out",
            path.to_str().expect("utf-8 path"),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        models.push(std::fs::read(&path).expect("model written"));
    }
    assert_eq!(models[0], models[1]);
}

#[test]
fn malformed_data_exits_2_naming_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug\n\
         a,1,1,1,1,0.0,1,0,214,1,15,84.0,53,1842,349.2,7,0\n\
         b,2,1,1,1,0.0,1,0,214,maybe,15,84.0,53,1842,349.2,7,0\n",
    )
    .expect("write fixture");
    let out = relman(&[
        "risk",
        "score",
        "--model",
        "default",
        "--data",
        bad.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 3, column 10 `fix`"), "{stderr}");
}

#[test]
fn scores_the_commits_of_a_repository_with_reasons() {
    let mut history = GitHistory::new();
    history.at("2026-01-02T03:04:05Z");
    let lines = |n: usize| -> String { (0..n).map(|i| format!("line {i}\n")).collect() };
    history.commit("feat: start", &[("src/a.rs", &lines(10))]);
    history.commit(
        "fix: big change",
        &[("src/a.rs", &lines(400)), ("docs/b.md", &lines(300))],
    );

    let out = relman(&[
        "risk",
        "--repo",
        history.path().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    let rows = json.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["summary"], "fix: big change");
    assert_eq!(rows[0]["metrics"]["la"], 690.0);
    assert_eq!(rows[0]["metrics"]["lt"], 10.0);
    assert_eq!(rows[0]["metrics"]["fix"], 1.0);
    assert_eq!(rows[0]["metrics"]["exp"], 1.0);
    let big = rows[0]["probability"].as_f64().expect("number");
    let small = rows[1]["probability"].as_f64().expect("number");
    assert!(big > small, "{big} vs {small}");
    assert!(
        !rows[0]["contributions"]
            .as_array()
            .expect("array")
            .is_empty()
    );
}

#[test]
fn label_marks_the_commit_a_fix_traces_back_to_and_train_accepts_the_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut history = GitHistory::new();
    let body = |op: &str| format!("fn sum(a: i32, b: i32) -> i32 {{\n    a {op} b\n}}\n");
    let start = history.commit("feat: start", &[("src/lib.rs", &body("+"))]);
    let bad = history.commit("refactor: tidy the sum", &[("src/lib.rs", &body("-"))]);
    let docs = history.commit("docs: readme", &[("README.md", "sum\n")]);
    let fix = history.commit("fix: add again", &[("src/lib.rs", &body("+"))]);
    let repo = history.path();

    let csv = dir.path().join("data.csv");
    let out = relman(&[
        "risk",
        "label",
        "--repo",
        repo.to_str().expect("utf-8 path"),
        "--out",
        csv.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("labelled 4 rows")
            && stderr.contains("1 fixes (1 traced, 0 untraced), 1 bug-inducing"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&csv).expect("csv written");
    let mut lines = written.lines();
    assert_eq!(
        lines.next(),
        Some("commit,date,ns,nd,nf,entropy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp,bug")
    );
    let labels: Vec<(String, String, String)> = lines
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            assert_eq!(fields.len(), 17, "{l}");
            (
                fields[0].to_owned(),
                fields[9].to_owned(),
                fields[16].to_owned(),
            )
        })
        .collect();
    let expected = |id: &str, fix: &str, bug: &str| (id.to_owned(), fix.to_owned(), bug.to_owned());
    assert_eq!(
        labels,
        vec![
            expected(&start, "0", "0"),
            expected(&bad, "0", "1"),
            expected(&docs, "0", "0"),
            expected(&fix, "1", "0"),
        ]
    );

    // The thread count changes nothing in the output; zero threads is a usage error.
    let label_on = |threads: &str| {
        let csv = dir.path().join(format!("threads-{threads}.csv"));
        let out = relman(&[
            "risk",
            "label",
            "--repo",
            repo.to_str().expect("utf-8 path"),
            "--threads",
            threads,
            "--out",
            csv.to_str().expect("utf-8 path"),
        ]);
        (out, csv)
    };
    for threads in ["1", "3"] {
        let (out, again) = label_on(threads);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(&again).expect("csv written"),
            written,
            "--threads {threads}"
        );
    }
    let (out, _) = label_on("0");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--threads"),
        "{}",
        text(&out.stderr)
    );

    // With a range, only its commits are rows; the fix still traces back before the range.
    let ranged = dir.path().join("ranged.csv");
    let range = format!("{bad}..HEAD");
    let out = relman(&[
        "risk",
        "label",
        "--repo",
        repo.to_str().expect("utf-8 path"),
        "--range",
        &range,
        "--out",
        ranged.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("labelled 2 rows")
            && stderr.contains("(1 traced, 0 untraced), 0 bug-inducing"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&ranged).expect("csv written");
    assert_eq!(written.lines().count(), 3, "{written}");

    let model = dir.path().join("model.json");
    let out = relman(&[
        "risk",
        "train",
        "--data",
        csv.to_str().expect("utf-8 path"),
        "--model",
        "logistic",
        "--out",
        model.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("on 4 rows"));
}
