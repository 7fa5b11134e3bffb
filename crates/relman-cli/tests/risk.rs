//! `relman risk` end to end on the small in-repo fixture.

use std::path::PathBuf;
use std::process::{Command, Output};

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
