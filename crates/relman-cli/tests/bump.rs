//! `relman bump` and `relman commit check --range` on a synthetic history from
//! `make-history.py` (skipped when the script is not found next to an ancestor).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/scripts/make-history.py"))
        .find(|p| p.is_file())
}

fn relman(repo: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .arg("--repo")
        .arg(repo)
        .output()
        .expect("relman runs")
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bump_replays_past_releases_and_commit_check_reports_offenders() {
    let Some(script) = script() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("mono");
    let status = Command::new("python3")
        .arg(script)
        .arg(&repo)
        .args([
            "--commits",
            "800",
            "--seed",
            "5",
            "--monorepo",
            "--components",
            "3",
        ])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("python3 runs");
    assert!(status.status.success());

    let tags = git(&repo, &["tag", "--list", "core-v*", "--sort=v:refname"]);
    let tags: Vec<&str> = tags.lines().collect();
    assert!(tags.len() >= 3, "{tags:?}");
    for pair in tags.windows(2) {
        let out = relman(
            &repo,
            &[
                "bump", "--from", pair[0], "--to", pair[1], "--format", "json",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(json["component"], "core");
        assert_eq!(json["current"], pair[0].trim_start_matches("core-v"));
        assert_eq!(json["next"], pair[1].trim_start_matches("core-v"), "{json}");
        assert_ne!(json["bump"], "none");
        let evidence = json["evidence"].as_array().expect("a list");
        assert!(!evidence.is_empty());
        for e in evidence {
            for key in ["commit", "summary", "bump", "reason"] {
                assert!(e[key].is_string(), "{e}");
            }
        }
    }

    let last = tags.last().expect("a tag");
    let out = relman(
        &repo,
        &[
            "bump",
            "--component",
            "core",
            "--pre",
            "rc",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["current"], last.trim_start_matches("core-v"));
    if json["bump"] != "none" {
        assert!(
            json["next"].as_str().is_some_and(|v| v.ends_with("-rc.1")),
            "{json}"
        );
    }

    let out = relman(&repo, &["bump"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--component"));

    let range = format!("{}..{}", tags[0], tags[1]);
    let out = relman(&repo, &["commit", "check", "--range", &range]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let offenders = stdout.matches("invalid commit message").count();
    assert_eq!(
        out.status.code(),
        Some(if offenders > 0 { 1 } else { 0 }),
        "{stdout}"
    );
    assert!(stdout.contains("are not Conventional Commits"));
    if offenders > 0 {
        assert!(stdout.contains("at line 1, column"), "{stdout}");
    }
    let release = format!("{last}~1..{last}");
    let out = relman(&repo, &["commit", "check", "--range", &release]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
