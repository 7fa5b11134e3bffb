//! `relman changelog` on fixture repositories built in temp dirs with pinned dates.

use std::path::Path;
use std::process::{Command, Output};

use relman_test_support::GitHistory;

/// Commit `n`: adds `f{n}.txt`, dated day `1 + n` of 2026 at noon.
fn commit(history: &mut GitHistory, n: u32, message: &str) {
    history.at(&format!("2026-0{}-{:02}T12:00:00Z", 1 + n / 28, 1 + n % 28));
    history.commit(message, &[(&format!("f{n}.txt"), &format!("{n}\n"))]);
}

fn fixture() -> GitHistory {
    let mut history = GitHistory::new();
    history.write(
        "relman.toml",
        "remote = \"git@github.com:acme/widget.git\"\n",
    );
    commit(&mut history, 1, "feat: first feature");
    commit(&mut history, 2, "fix(cli): exit 2 on usage errors (#3)");
    history.tag("v0.1.0");
    commit(&mut history, 3, "chore: tidy");
    commit(
        &mut history,
        4,
        "feat(api)!: new config format\n\nBREAKING CHANGE: old files must be converted",
    );
    history
        .at("2026-01-05T00:00:00Z")
        .annotated_tag("v0.2.0", "release");
    commit(&mut history, 5, "perf: faster walk");
    commit(&mut history, 6, "Update README");
    history
}

fn relman(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .arg("changelog")
        .arg("--repo")
        .arg(dir)
        .args(args)
        .output()
        .expect("relman runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

#[test]
fn whole_history_as_keep_a_changelog() {
    let repo = fixture();
    let text = stdout(&relman(repo.path(), &[]));
    let body = text
        .split_once("## [Unreleased]")
        .expect("unreleased section")
        .1;
    let body: String = body
        .lines()
        .map(|l| l.split(" ([").next().unwrap_or(l).to_owned() + "\n")
        .collect();
    assert_eq!(
        body,
        "\n\n### Changed\n\n- faster walk\n\n## [0.2.0] - 2026-01-05\n\n### Added\n\n- **BREAKING** **api**: new config format\n  old files must be converted\n\n## [0.1.0] - 2026-01-03\n\n### Added\n\n- first feature\n\n### Fixed\n\n- **cli**: exit 2 on usage errors\n\n[Unreleased]: https://github.com/acme/widget/compare/v0.2.0...HEAD\n[0.2.0]: https://github.com/acme/widget/compare/v0.1.0...v0.2.0\n[0.1.0]: https://github.com/acme/widget/releases/tag/v0.1.0\n"
    );
    assert!(
        text.contains("([#3](https://github.com/acme/widget/issues/3))"),
        "{text}"
    );
}

#[test]
fn scopes_tag_and_json() {
    let repo = fixture();
    let latest = stdout(&relman(repo.path(), &["--latest"]));
    assert!(latest.contains("## [0.2.0] - 2026-01-05"), "{latest}");
    assert!(!latest.contains("[0.1.0]"), "{latest}");
    assert!(!latest.contains("Unreleased"), "{latest}");

    let next = stdout(&relman(
        repo.path(),
        &["--unreleased", "--tag", "v0.2.1", "--format", "json"],
    ));
    let json: serde_json::Value = serde_json::from_str(&next).expect("json");
    let releases = json["releases"].as_array().expect("releases");
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0]["version"], "0.2.1");
    assert_eq!(releases[0]["previous_tag"], "v0.2.0");
    assert_eq!(releases[0]["changes"], 2);
    assert_eq!(releases[0]["skipped"], 1);
    assert_eq!(releases[0]["groups"][0]["title"], "Changed");
    assert_eq!(releases[0]["groups"][0]["entries"][0]["type"], "perf");
    assert_eq!(releases[0]["contributors"][0]["name"], "Ada Park");

    let range = stdout(&relman(repo.path(), &["--range", "v0.1.0..v0.2.0"]));
    assert!(
        range.contains("## [0.2.0]") && !range.contains("## [0.1.0]"),
        "{range}"
    );

    let notes = stdout(&relman(
        repo.path(),
        &["--latest", "--template", "release-notes"],
    ));
    assert!(
        notes.starts_with("### Added\n\n- **BREAKING** **api**: new config format"),
        "{notes}"
    );
    assert!(
        notes.ends_with(
            "**Full changelog**: https://github.com/acme/widget/compare/v0.1.0...v0.2.0\n"
        ),
        "{notes}"
    );
}

#[test]
fn prepend_updates_the_file_in_place() {
    let repo = fixture();
    let path = repo.path().join("CHANGELOG.md");
    let original = "# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n- draft notes\n\n## [0.2.0] - 2026-01-05\n\nHand-written 0.2.0 notes.\n\n[Unreleased]: https://github.com/acme/widget/compare/v0.2.0...HEAD\n[0.2.0]: https://example.org/custom\n";
    std::fs::write(&path, original).expect("write");
    let out = relman(
        repo.path(),
        &[
            "--unreleased",
            "--tag",
            "v0.3.0",
            "--prepend",
            path.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let updated = std::fs::read_to_string(&path).expect("read");
    assert!(
        updated.starts_with("# Changelog\n\nHand-written intro.\n\n## [0.3.0] - "),
        "{updated}"
    );
    assert!(
        !updated.contains("[Unreleased]\n\n- draft notes"),
        "{updated}"
    );
    assert!(
        updated.contains("## [0.2.0] - 2026-01-05\n\nHand-written 0.2.0 notes.\n"),
        "{updated}"
    );
    assert!(updated.contains("[Unreleased]: https://github.com/acme/widget/compare/v0.3.0...HEAD\n[0.3.0]: https://github.com/acme/widget/compare/v0.2.0...v0.3.0\n[0.2.0]: https://example.org/custom\n"), "{updated}");

    // Whole history into the same file: releases already present are left alone.
    let out = relman(repo.path(), &["--prepend", path.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = std::fs::read_to_string(&path).expect("read");
    assert_eq!(again.matches("## [0.2.0]").count(), 1);
    assert!(again.contains("## [0.1.0] - 2026-01-03"), "{again}");
}

#[test]
fn bad_config_names_the_key_and_exits_2() {
    let repo = fixture();
    std::fs::write(
        repo.path().join("relman.toml"),
        "[changelog.skip]\ntype = [\"chore\"]\n",
    )
    .expect("write");
    let out = relman(repo.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("relman.toml:2:1: key `changelog.skip.type`: unknown field `type`"),
        "{err}"
    );

    std::fs::write(
        repo.path().join("relman.toml"),
        "[changelog.skip]\nmessages = [\"(\"]\n",
    )
    .expect("write");
    let out = relman(repo.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`changelog.skip.messages[0]`: invalid regular expression"),
        "{err}"
    );
}

#[test]
fn links_come_from_origin_when_no_remote_is_configured() {
    let repo = fixture();
    let d = repo.path();
    std::fs::remove_file(d.join("relman.toml")).expect("remove config");
    let without = stdout(&relman(d, &["--latest"]));
    assert!(!without.contains("acme/widget"), "{without}");

    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://gitlab.com/acme/widget.git",
    ]);
    let with = stdout(&relman(d, &["--latest"]));
    assert!(
        with.contains("https://gitlab.com/acme/widget/-/compare/v0.1.0...v0.2.0"),
        "{with}"
    );

    // A remote that is no forge (a local path) is not a link target and no error.
    repo.git(&["remote", "set-url", "origin", "/srv/git/widget.git"]);
    let local = stdout(&relman(d, &["--latest"]));
    assert!(!local.contains("widget"), "{local}");
}
