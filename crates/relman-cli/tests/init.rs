//! `relman init`: a commented relman.toml that documents what relman detects and changes
//! nothing it decides.

use std::process::Command;

mod common;

fn relman(repo: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .arg("--repo")
        .arg(repo)
        .output()
        .expect("relman runs")
}

#[test]
fn init_documents_the_units_and_changes_no_decision() {
    let history = common::released_workspace();
    let repo = history.path();
    let before = common::ok(&relman(repo, &["bump", "--format", "json"]));
    common::ok(&relman(repo, &["init"]));
    let text = std::fs::read_to_string(repo.join("relman.toml")).expect("relman.toml");
    assert!(
        text.starts_with("# relman.toml, written by `relman init`"),
        "{text}"
    );
    assert!(text.contains("# Release units found"), "{text}");
    let after = common::ok(&relman(repo, &["bump", "--format", "json"]));
    assert_eq!(
        after, before,
        "the starter configuration decides nothing differently"
    );

    let again = relman(repo, &["init"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("configured already"));
    common::ok(&relman(repo, &["init", "--force"]));
}
