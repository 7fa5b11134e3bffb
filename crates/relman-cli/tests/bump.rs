//! `relman bump` and `relman commit check --range` on a synthetic history from
//! `make-history.py` (found next to an ancestor of the workspace) and on hand-built repositories.

use std::path::Path;
use std::process::{Command, Output};

use relman_test_support::{GitHistory, git, make_history};

mod common;

fn relman(repo: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .arg("--repo")
        .arg(repo)
        .output()
        .expect("relman runs")
}

#[test]
fn bump_replays_past_releases_and_commit_check_reports_offenders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("mono");
    make_history(
        &repo,
        &[
            "--commits",
            "800",
            "--seed",
            "5",
            "--monorepo",
            "--components",
            "3",
        ],
    );

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
        let json = common::json(&out);
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

    // Without --component, every component is answered, each with its next tag.
    let out = relman(&repo, &["bump", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let all = all.as_array().expect("one answer per component");
    assert!(all.len() >= 2, "{all:?}");
    let core = all
        .iter()
        .find(|a| a["component"] == "core")
        .expect("core is answered");
    assert_eq!(core["current"], last.trim_start_matches("core-v"));
    assert!(
        core["tag"]
            .as_str()
            .is_some_and(|t| t.starts_with("core-v")),
        "{core}"
    );

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

/// A repository with one tagged release and one `docs` commit after it, pinned dates, no user config.
fn docs_after_release() -> GitHistory {
    let mut history = GitHistory::new();
    history.commit("feat: first", &[("README.md", "one\n")]);
    history.tag("v1.0.0");
    history.commit("docs: explain more", &[("README.md", "two\n")]);
    history
}

#[test]
fn bump_applies_the_configured_policy() {
    let history = docs_after_release();
    let repo = history.path();
    let default = relman(repo, &["bump", "--format", "json"]);
    // A change without a bump-worthy commit makes a patch release by default, named as evidence.
    let json = common::json(&default);
    assert_eq!(json["bump"], "patch", "{json}");
    assert_eq!(json["next"], "1.0.1");
    assert_eq!(
        json["evidence"][0]["summary"], "docs: explain more",
        "{json}"
    );
    assert_eq!(
        json["evidence"][0]["reason"], "other change (type docs)",
        "{json}"
    );
    assert!(
        json["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("without a bump-worthy commit")),
        "{json}"
    );

    std::fs::write(
        repo.join("relman.toml"),
        "[bump]\nother_changes = \"none\"\n",
    )
    .unwrap();
    let none = relman(repo, &["bump", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&none.stdout).unwrap();
    assert_eq!(json["bump"], "none", "{json}");
    assert_eq!(json["next"], "1.0.0");

    std::fs::write(
        repo.join("relman.toml"),
        "[bump]\nother_changes = \"none\"\n[bump.types]\ndocs = \"patch\"\n",
    )
    .unwrap();
    let configured = relman(repo, &["bump", "--format", "json"]);
    let json = common::json(&configured);
    assert_eq!(json["bump"], "patch", "{json}");
    assert_eq!(json["next"], "1.0.1");

    std::fs::write(repo.join("relman.toml"), "[bump]\nmystery = 1\n").unwrap();
    let bad = relman(repo, &["bump"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("mystery"));
}

/// A monorepo without a Cargo workspace: `services/api` (tagged `release-api-{version}`),
/// `services/web` (tagged `web-v{version}`) and `tools/cli` (never released), described by a
/// `relman.toml` `[components]` section.
fn configured_monorepo() -> GitHistory {
    let mut history = GitHistory::new();
    history.write(
        "relman.toml",
        "[components.api]\npaths = [\"services/api\"]\ntag = \"release-api-{version}\"\n\n\
         [components.web]\npaths = [\"services/web\"]\n\n\
         [components.cli]\npaths = [\"tools/cli\"]\n",
    );
    history.commit(
        "feat: serve the api",
        &[("services/api/main.rs", "api 1\n")],
    );
    history.tag("release-api-1.0.0");
    history.commit(
        "feat: a web page",
        &[("services/web/index.html", "web 1\n")],
    );
    history.tag("web-v0.3.0");
    // Tags of the default pattern for api and of another component's pattern are not api's.
    history.tag("api-v9.0.0");
    history.commit(
        "fix: answer 404 for unknown routes",
        &[("services/api/main.rs", "api 2\n")],
    );
    history.commit(
        "feat: a dark theme",
        &[("services/web/index.html", "web 2\n")],
    );
    history.commit(
        "feat!: drop the old layout",
        &[("services/web/style.css", "body {}\n")],
    );
    history.commit("feat: a command line", &[("tools/cli/main.rs", "cli 1\n")]);
    history.commit("docs: explain the layout", &[("README.md", "readme\n")]);
    history
}

fn bump_json(repo: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["bump", "--format", "json"];
    all.extend_from_slice(args);
    let out = relman(repo, &all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn bump_takes_components_tags_and_paths_from_the_configuration() {
    let history = configured_monorepo();
    let repo = history.path();

    let api = bump_json(repo, &["--component", "api"]);
    assert_eq!(api["component"], "api", "{api}");
    assert_eq!(api["current"], "1.0.0", "{api}");
    assert_eq!(api["next"], "1.0.1", "{api}");
    assert_eq!(api["bump"], "patch", "{api}");
    assert_eq!(api["changes"], 1, "{api}");
    assert_eq!(api["range"], "release-api-1.0.0..HEAD", "{api}");
    assert_eq!(
        api["evidence"][0]["summary"],
        "fix: answer 404 for unknown routes"
    );

    // web: default `{component}-v{version}`, 0.y.z so the breaking change bumps the minor.
    let web = bump_json(repo, &["--component", "web"]);
    assert_eq!(web["current"], "0.3.0", "{web}");
    assert_eq!(web["next"], "0.4.0", "{web}");
    assert_eq!(web["changes"], 2, "{web}");

    // --from names the component through the configured pattern.
    let from = bump_json(repo, &["--from", "release-api-1.0.0"]);
    assert_eq!(from["component"], "api", "{from}");
    assert_eq!(from["next"], "1.0.1", "{from}");

    // Never released, no manifest: the first release follows the policy.
    let cli = bump_json(repo, &["--component", "cli"]);
    assert_eq!(cli["current"], serde_json::Value::Null, "{cli}");
    assert_eq!(cli["changes"], 1, "{cli}");
    assert_eq!(cli["bump"], "minor", "{cli}");

    // Without --component: every configured component, in name order.
    let all = bump_json(repo, &[]);
    let names: Vec<&str> = all
        .as_array()
        .expect("one answer per component")
        .iter()
        .filter_map(|a| a["component"].as_str())
        .collect();
    assert_eq!(names, ["api", "cli", "web"]);
    assert_eq!(all[0]["tag"], "release-api-1.0.1", "{all}");
    assert_eq!(all[2]["tag"], "web-v0.4.0", "{all}");

    let unknown = relman(repo, &["bump", "--component", "core"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("api, cli, web"), "{stderr}");
}

#[test]
fn the_text_shows_the_strongest_evidence_and_counts_the_rest() {
    let mut history = docs_after_release();
    for i in 0..24 {
        history.commit(
            &format!("docs: page {i}"),
            &[("README.md", &format!("{i}\n"))],
        );
    }
    history.commit("docs: \u{1b}]0;pwned\u{7} title", &[("README.md", "x\n")]);
    let text = common::ok(&relman(history.path(), &["bump"]));
    assert!(
        text.contains("docs: \\u{1b}]0;pwned\\u{7} title"),
        "the escape sequence is shown as text: {text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    assert!(
        text.contains("... and 6 more (--verbose or --format json lists them all)"),
        "{text}"
    );
    let json = common::ok(&relman(history.path(), &["bump", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["evidence"].as_array().map(Vec::len), Some(26));
    let all = common::ok(&relman(history.path(), &["bump", "--verbose"]));
    assert_eq!(all.matches("docs: page").count(), 24, "{all}");
    assert!(!all.contains("more ("), "{all}");
}

#[test]
fn a_prepared_changelog_section_names_the_next_version() {
    let mut history = GitHistory::new();
    history.commit("feat: first", &[("README.md", "one\n")]);
    history.tag("0.29.0");
    history.commit(
        "chore(version): 0.30.0",
        &[(
            "CHANGELOG.md",
            "# Changelog\n\n## 0.30.0 - 2020-09-28\n\n### Features\n\n- improve the title\n",
        )],
    );
    let json = common::ok(&relman(history.path(), &["bump", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["next"], "0.30.0", "{json}");
    assert!(
        json.contains("the changelog already has a section for 0.30.0"),
        "{json}"
    );
}
