//! `--no-index` leaves the history index alone; without it, a command that needs the change
//! metrics keeps their fold in the index, and its output does not change.

use std::process::Command;

use relman_test_support::GitHistory;

fn risk(repo: &std::path::Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["risk", "--format", "json", "--repo"])
        .arg(repo)
        .args(extra)
        .output()
        .expect("relman runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn no_index_leaves_the_index_alone_and_the_output_is_the_same() {
    let mut h = GitHistory::new();
    for i in 0..8 {
        let body = "x\n".repeat(i + 1);
        h.commit(
            &format!("fix: change {i}"),
            &[("src/lib.rs", body.as_str())],
        );
    }
    let dir = h.path().join(".git/relman/index");
    let without = risk(h.path(), &["--no-index"]);
    assert!(!dir.exists(), "--no-index wrote {}", dir.display());
    let cold = risk(h.path(), &[]);
    let kept = std::fs::read_dir(&dir)
        .expect("the index directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .any(|n| n.starts_with("metrics-v1."));
    assert!(kept, "the metrics fold is kept");
    let warm = risk(h.path(), &[]);
    assert_eq!(cold, without);
    assert_eq!(warm, without);
    // One more commit: the kept fold is resumed, with the same scores as a whole fold.
    h.commit("feat: one more", &[("src/new.rs", "y\n")]);
    let resumed = risk(h.path(), &[]);
    assert_eq!(resumed, risk(h.path(), &["--no-index"]));
    assert_ne!(resumed, without);
}
