//! Behaviour of the git adapter on small fixture repositories built with the `git` command in
//! temp dirs, with pinned dates and an isolated configuration.

use std::ops::ControlFlow;

use relman_git::{
    DiffStats, GitRepository, Head, Layout, MailmapUse, Merges, Parents, ReadHistoryError,
    RepositoryKind, TagPattern, TagRejection, WalkOptions,
};
use relman_model::{
    Change, DependencyKind, HistorySource, Publish, Revision, RevisionRange, Version,
};
use relman_test_support::GitHistory;

/// A fresh history whose author has the old address that the `.mailmap` test maps.
fn fixture() -> GitHistory {
    let mut history = GitHistory::new();
    history.author("Ada Park", "ada@old.example.org");
    history
}

fn open(history: &GitHistory) -> GitRepository {
    GitRepository::open(history.path()).expect("opens")
}

fn summaries(repo: &GitRepository, range: &str, options: &WalkOptions) -> Vec<String> {
    let mut out = Vec::new();
    repo.walk_with(&range.parse().expect("range"), options, &mut |c: Change| {
        out.push(c.summary);
        ControlFlow::Continue(())
    })
    .expect("walks");
    out
}

#[test]
fn tags_are_read_by_pattern_reachability_and_kind() {
    let mut f = fixture();
    f.commit("feat: one", &[("a.txt", "1\n")]);
    f.tag("v0.1.0");
    f.commit("fix: two", &[("a.txt", "2\n")]);
    f.annotated_tag("v0.1.1", "release 0.1.1");
    f.git(&["tag", "v1.0"]);
    f.git(&["tag", "nightly"]);
    let tree = f.rev_parse("HEAD^{tree}");
    f.git(&["tag", "v9.0.0-tree", &tree]);
    f.branch("side");
    f.commit("feat: side", &[("b.txt", "1\n")]);
    f.git(&["tag", "v0.2.0"]);
    f.checkout("main");

    let repo = open(&f);
    let listing = repo.read_tags(&Revision::head()).expect("tags");
    let names: Vec<(&str, String)> = listing
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.version.to_string()))
        .collect();
    assert_eq!(
        names,
        [("v0.1.0", "0.1.0".into()), ("v0.1.1", "0.1.1".into())]
    );
    let ignored: Vec<(&str, &TagRejection)> = listing
        .ignored
        .iter()
        .map(|t| (t.name.as_str(), &t.reason))
        .collect();
    assert_eq!(
        ignored,
        [
            ("nightly", &TagRejection::NoPattern),
            (
                "v1.0",
                &TagRejection::NotSemVer {
                    version: "1.0".into()
                }
            ),
            ("v9.0.0-tree", &TagRejection::NotACommit),
        ]
    );
    let last = repo.last_release(None, &Revision::head()).expect("tags");
    assert_eq!(last.map(|t| t.name), Some("v0.1.1".to_owned()));
    let side = repo
        .last_release(None, &"side".parse().expect("rev"))
        .expect("tags");
    assert_eq!(side.map(|t| t.version), Some(Version::new(0, 2, 0)));
    let (range, _) = repo
        .since_last_release(None, &Revision::head())
        .expect("range");
    assert!(repo.changes(&range).expect("walks").is_empty());
}

#[test]
fn unborn_branch_missing_tag_and_detached_head_are_reported() {
    let mut f = fixture();
    let repo = open(&f);
    assert_eq!(
        repo.head().expect("head"),
        Head::Unborn {
            branch: "refs/heads/main".into()
        }
    );
    let err = repo.changes(&RevisionRange::default()).expect_err("unborn");
    assert!(
        matches!(err, ReadHistoryError::UnbornHead { ref branch } if branch == "refs/heads/main")
    );
    assert_eq!(err.to_string(), "branch refs/heads/main has no commits yet");

    let first = f.commit("feat: one", &[("a.txt", "1\n")]);
    f.commit("fix: two", &[("a.txt", "2\n")]);
    let repo = open(&f);
    let err = repo
        .changes(&"v9.9.9..HEAD".parse().expect("range"))
        .expect_err("missing tag");
    assert!(
        err.to_string().starts_with("revision v9.9.9 not found"),
        "{err}"
    );

    f.git(&["checkout", "-q", "--detach", "HEAD~1"]);
    let repo = open(&f);
    assert_eq!(
        repo.head().expect("head"),
        Head::Detached {
            commit: first.parse().expect("id")
        }
    );
    assert_eq!(summaries(&repo, "HEAD", &WalkOptions::new()), ["feat: one"]);
}

#[test]
fn merges_are_skipped_and_first_parent_follows_the_mainline() {
    let mut f = fixture();
    f.commit("feat: base", &[("a.txt", "1\n")]);
    f.branch("topic");
    f.commit("feat: on topic", &[("b.txt", "1\n")]);
    f.checkout("main");
    f.commit("fix: on main", &[("a.txt", "2\n")]);
    f.merge("topic", "Merge branch 'topic'");
    let repo = open(&f);

    let default = summaries(&repo, "HEAD", &WalkOptions::new());
    assert_eq!(default.len(), 3);
    assert!(default.contains(&"feat: on topic".to_owned()));
    assert!(!default.iter().any(|s| s.starts_with("Merge")));

    let mut with_merges = WalkOptions::new();
    with_merges.merges(Merges::Include);
    assert_eq!(
        summaries(&repo, "HEAD", &with_merges)[0],
        "Merge branch 'topic'"
    );

    let mut first = WalkOptions::new();
    first.parents(Parents::First).merges(Merges::Include);
    assert_eq!(
        summaries(&repo, "HEAD", &first),
        ["Merge branch 'topic'", "fix: on main", "feat: base"]
    );
}

#[test]
fn mailmap_maps_authors_unless_ignored() {
    let mut f = fixture();
    f.commit(
        "docs: mailmap",
        &[(
            ".mailmap",
            "Ada Park <ada@example.org> <ada@old.example.org>\n",
        )],
    );
    let repo = open(&f);
    let change = &repo.changes(&RevisionRange::default()).expect("walks")[0];
    assert_eq!(change.author.email, "ada@example.org");
    let mut raw = WalkOptions::new();
    raw.mailmap(MailmapUse::Ignore);
    let mut emails = Vec::new();
    repo.walk_with(&RevisionRange::default(), &raw, &mut |c| {
        emails.push(c.author.email);
        ControlFlow::Continue(())
    })
    .expect("walks");
    assert_eq!(emails, ["ada@old.example.org"]);
    assert_eq!(
        change.time.timestamp(),
        GitHistory::START,
        "the pinned date"
    );
}

#[test]
fn path_filters_and_diff_stats() {
    let mut f = fixture();
    f.commit(
        "feat: start",
        &[
            ("crates/a/src/lib.rs", "a\nb\nc\n"),
            ("crates/ab/src/lib.rs", "x\n"),
            ("README", "r\n"),
        ],
    );
    f.commit("fix(a): a only", &[("crates/a/src/lib.rs", "a\nB\nc\nd\n")]);
    f.commit("fix(ab): ab only", &[("crates/ab/src/lib.rs", "y\n")]);
    f.git(&["mv", "crates/a/src/lib.rs", "crates/a/src/main.rs"]);
    f.commit("refactor(a): rename", &[]);
    let repo = open(&f);

    let mut a = WalkOptions::new();
    a.paths(vec!["crates/a".into()]);
    assert_eq!(
        summaries(&repo, "HEAD", &a),
        ["refactor(a): rename", "fix(a): a only", "feat: start"]
    );
    let mut readme = WalkOptions::new();
    readme.paths(vec!["README".into(), "docs/".into()]);
    assert_eq!(summaries(&repo, "HEAD", &readme), ["feat: start"]);

    // The root package without the packages nested below it.
    let mut root = WalkOptions::new();
    root.paths(vec![".".into()])
        .excluded(vec!["crates/a".into(), "crates/ab/".into()]);
    assert_eq!(summaries(&repo, "HEAD", &root), ["feat: start"]);
    let mut crates = WalkOptions::new();
    crates
        .paths(vec!["crates".into()])
        .excluded(vec!["crates/ab".into()]);
    assert_eq!(
        summaries(&repo, "HEAD", &crates),
        ["refactor(a): rename", "fix(a): a only", "feat: start"]
    );
    // Through the scoped walk of the history source, as relman-plan asks for it.
    let scope = relman_model::WalkScope::new().with_excluded(vec!["crates/a".into()]);
    let mut seen = Vec::new();
    repo.walk_scoped(&RevisionRange::default(), &scope, &mut |c| {
        seen.push(c.summary);
        ControlFlow::Continue(())
    })
    .expect("walks");
    assert_eq!(seen, ["fix(ab): ab only", "feat: start"]);

    let mut stats = WalkOptions::new();
    stats.diff(DiffStats::Compute);
    let changes = {
        let mut v = Vec::new();
        repo.walk_with(&RevisionRange::default(), &stats, &mut |c| {
            v.push(c);
            ControlFlow::Continue(())
        })
        .expect("walks");
        v
    };
    let diff = |i: usize| changes[i].diff.clone().expect("computed");
    let rename = diff(0);
    assert_eq!(rename.len(), 1);
    assert_eq!(rename[0].old_path.as_deref(), Some("crates/a/src/lib.rs"));
    assert_eq!(rename[0].path, "crates/a/src/main.rs");
    assert_eq!((rename[0].added, rename[0].deleted), (0, 0));
    let edit = diff(2);
    assert_eq!(edit.len(), 1);
    assert_eq!((edit[0].added, edit[0].deleted), (2, 1));
    assert_eq!(diff(3).len(), 3);
    assert!(
        repo.changes(&RevisionRange::default()).expect("walks")[0]
            .diff
            .is_none()
    );
}

#[test]
fn threads_do_not_change_the_output() {
    let mut f = fixture();
    for i in 0..40 {
        f.commit(&format!("fix: change {i}"), &[("a.txt", &format!("{i}\n"))]);
    }
    let repo = open(&f);
    let mut one = WalkOptions::new();
    one.diff(DiffStats::Compute);
    let mut three = one.clone();
    three.threads(3);
    let a = repo.changes(&RevisionRange::default()).expect("walks");
    let mut b = Vec::new();
    repo.walk_with(&RevisionRange::default(), &three, &mut |c| {
        b.push(c);
        ControlFlow::Continue(())
    })
    .expect("walks");
    assert_eq!(a.len(), 40);
    assert_eq!(
        a.iter().map(|c| &c.id).collect::<Vec<_>>(),
        b.iter().map(|c| &c.id).collect::<Vec<_>>()
    );
    assert!(
        b.iter()
            .all(|c| c.diff.as_ref().is_some_and(|d| d.len() == 1))
    );
}

#[test]
fn bare_and_shallow_clones() {
    let mut f = fixture();
    for i in 0..5 {
        f.commit(&format!("fix: change {i}"), &[("a.txt", &format!("{i}\n"))]);
    }
    let parent = f.temp_dir().to_owned();
    let url = format!("file://{}", f.path().display());
    f.git(&["clone", "-q", "--bare", &url, "../bare.git"]);
    let bare = GitRepository::open(parent.join("bare.git")).expect("opens");
    assert_eq!(bare.kind(), RepositoryKind::Bare);
    assert_eq!(open(&f).kind(), RepositoryKind::WorkTree);
    assert_eq!(
        bare.changes(&RevisionRange::default())
            .expect("walks")
            .len(),
        5
    );

    f.git(&["clone", "-q", "--depth", "2", &url, "../shallow"]);
    let shallow = GitRepository::open(parent.join("shallow")).expect("opens");
    assert!(shallow.is_shallow());
    let err = shallow
        .changes(&RevisionRange::default())
        .expect_err("truncated");
    assert!(
        matches!(err, ReadHistoryError::ShallowHistory { .. }),
        "{err}"
    );
    let recent = shallow
        .changes(&"HEAD~1..HEAD".parse().expect("range"))
        .expect("above the boundary");
    assert_eq!(recent.len(), 1);
}

#[test]
fn cargo_workspaces_become_components() {
    let mut f = fixture();
    f.commit(
        "chore: workspace",
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\", \"tools/cli\"]\nexclude = [\"crates/skip\"]\n\
                 [workspace.package]\nversion = \"2.1.0\"\n\
                 [workspace.dependencies]\ncore = { path = \"crates/core\", version = \"2\" }\n",
            ),
            ("crates/core/Cargo.toml", "[package]\nname = \"core\"\nversion.workspace = true\n"),
            (
                "crates/api/Cargo.toml",
                "[package]\nname = \"api\"\nversion = \"0.3.0\"\n\
                 [dependencies]\ncore.workspace = true\nserde = \"1\"\n\
                 [dev-dependencies]\nhelper = { path = \"../../tools/cli\", package = \"relman-tool\" }\n",
            ),
            ("crates/skip/Cargo.toml", "[package]\nname = \"skip\"\nversion = \"1.0.0\"\n"),
            ("crates/notes/README", "not a crate\n"),
            ("tools/cli/Cargo.toml", "[package]\nname = \"relman-tool\"\nversion = \"0.1.0\"\n"),
        ],
    );
    let repo = open(&f);
    let ws = repo
        .discover_components(&Revision::head())
        .expect("discovers");
    assert_eq!(ws.layout, Layout::Workspace);
    let names: Vec<(&str, String, &[String])> = ws
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.version.to_string(), c.paths.as_slice()))
        .collect();
    assert_eq!(
        names,
        [
            ("api", "0.3.0".into(), &["crates/api".to_owned()][..]),
            ("core", "2.1.0".into(), &["crates/core".to_owned()][..]),
            ("relman-tool", "0.1.0".into(), &["tools/cli".to_owned()][..]),
        ]
    );
    let api = ws.component("api").expect("api");
    let deps: Vec<(&str, DependencyKind, bool)> = api
        .dependencies
        .iter()
        .map(|d| (d.component.as_str(), d.kind, d.requirement.is_some()))
        .collect();
    assert_eq!(
        deps,
        [
            ("core", DependencyKind::Normal, true),
            ("relman-tool", DependencyKind::Dev, false)
        ]
    );
    assert_eq!(ws.tag_patterns, [TagPattern::component_v_version()]);
    assert_eq!(
        ws.read_tag("relman-tool-v0.2.0")
            .map(|(c, v)| (c.to_string(), v.to_string())),
        Some(("relman-tool".into(), "0.2.0".into()))
    );
    assert_eq!(ws.read_tag("other-v1.0.0"), None);

    f.commit(
        "chore: break it",
        &[(
            "crates/api/Cargo.toml",
            "[package]\nname = \"api\"\nversion = \"x\"\n",
        )],
    );
    let err = open(&f)
        .discover_components(&Revision::head())
        .expect_err("bad version");
    assert_eq!(
        err.to_string(),
        "crates/api/Cargo.toml: key package.version is not a SemVer version"
    );
}

#[test]
fn a_single_package_is_tagged_v_version() {
    let mut f = fixture();
    f.commit(
        "feat: init",
        &[(
            "Cargo.toml",
            "[package]\nname = \"tool\"\nversion = \"1.4.0\"\n",
        )],
    );
    f.tag("v1.4.0");
    let mut repo = open(&f);
    let ws = repo
        .discover_components(&Revision::head())
        .expect("discovers");
    assert_eq!(ws.layout, Layout::SinglePackage);
    assert!(ws.components[0].paths.is_empty());
    repo.set_tag_patterns(ws.tag_patterns.clone());
    let tags = repo.version_tags(&Revision::head()).expect("tags");
    assert_eq!(tags[0].component.as_ref().map(|c| c.as_str()), Some("tool"));

    let mut empty = fixture();
    empty.commit("docs: no manifest", &[("README", "x\n")]);
    assert!(open(&empty).discover_components(&Revision::head()).is_err());
}

#[test]
fn remote_urls_are_read_from_the_configuration() {
    let f = fixture();
    assert_eq!(open(&f).remote_url("origin").expect("readable"), None);
    f.git(&["remote", "add", "origin", "git@github.com:acme/widget.git"]);
    f.git(&["remote", "add", "mirror", "/srv/git/widget.git"]);
    let repo = open(&f);
    assert_eq!(
        repo.remote_url("origin").expect("readable").as_deref(),
        Some("git@github.com:acme/widget.git")
    );
    assert_eq!(
        repo.remote_url("mirror").expect("readable").as_deref(),
        Some("/srv/git/widget.git")
    );
    assert_eq!(repo.remote_url("upstream").expect("readable"), None);
}

/// ratatui has an example crate named `tracing` that depends on the crates.io `tracing`: that
/// was reported as the cycle `tracing -> tracing`. Only path dependencies on members are edges.
#[test]
fn a_registry_dependency_named_like_a_member_is_not_an_edge() {
    let mut f = fixture();
    f.commit(
        "chore: workspace with an example named like a registry crate",
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"ratatui\", \"examples/*\"]\n\
                 [workspace.dependencies]\ntracing = { version = \"0.1\" }\n\
                 ratatui = { path = \"ratatui\", version = \"0.29\" }\n",
            ),
            (
                "ratatui/Cargo.toml",
                "[package]\nname = \"ratatui\"\nversion = \"0.29.0\"\n\
                 [dependencies]\ntracing = { version = \"0.1\", optional = true }\n\
                 [dev-dependencies]\ntracing.workspace = true\n",
            ),
            (
                "examples/tracing/Cargo.toml",
                "[package]\nname = \"tracing\"\nversion = \"0.0.0\"\n\
                 [dependencies]\ntracing = \"0.1\"\nratatui.workspace = true\n\
                 [build-dependencies]\ntracing = { git = \"https://example.invalid/tracing\" }\n",
            ),
            (
                "examples/vendored/Cargo.toml",
                "[package]\nname = \"vendored\"\nversion = \"0.0.0\"\n\
                 [dependencies]\nratatui = { path = \"../../vendor/ratatui\" }\n\
                 tracing-example = { path = \"../tracing\", package = \"tracing\" }\n",
            ),
        ],
    );
    let ws = open(&f)
        .discover_components(&Revision::head())
        .expect("discovers");
    let edges: Vec<(&str, &str, DependencyKind)> = ws
        .components
        .iter()
        .flat_map(|c| {
            c.dependencies
                .iter()
                .map(move |d| (c.id.as_str(), d.component.as_str(), d.kind))
        })
        .collect();
    assert_eq!(
        edges,
        [
            ("tracing", "ratatui", DependencyKind::Normal),
            ("vendored", "tracing", DependencyKind::Normal),
        ]
    );
}

#[test]
fn unpublished_members_are_marked() {
    let mut f = fixture();
    f.commit(
        "chore: workspace with examples and an xtask",
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"lib\", \"examples/*\", \"xtask\", \"internal\"]\n\
                 [workspace.package]\npublish = false\n",
            ),
            (
                "lib/Cargo.toml",
                "[package]\nname = \"lib\"\nversion = \"1.0.0\"\n",
            ),
            (
                "examples/demo/Cargo.toml",
                "[package]\nname = \"demo\"\nversion = \"0.0.0\"\npublish.workspace = true\n",
            ),
            (
                "xtask/Cargo.toml",
                "[package]\nname = \"xtask\"\nversion = \"0.0.0\"\npublish = []\n",
            ),
            (
                "internal/Cargo.toml",
                "[package]\nname = \"internal\"\nversion = \"0.1.0\"\npublish = [\"corp\"]\n",
            ),
        ],
    );
    let ws = open(&f)
        .discover_components(&Revision::head())
        .expect("discovers");
    let publish: Vec<(&str, Publish)> = ws
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.publish))
        .collect();
    assert_eq!(
        publish,
        [
            ("demo", Publish::No),
            ("internal", Publish::Registry),
            ("lib", Publish::Registry),
            ("xtask", Publish::No),
        ]
    );

    f.commit(
        "chore: inherit a publish setting that is not there",
        &[(
            "Cargo.toml",
            "[workspace]\nmembers = [\"lib\", \"examples/*\"]\n",
        )],
    );
    let err = open(&f)
        .discover_components(&Revision::head())
        .expect_err("nothing to inherit");
    assert_eq!(
        err.to_string(),
        "examples/demo/Cargo.toml: key package.publish inherits from [workspace.package] which \
         has no publish"
    );
    f.commit(
        "chore: a publish setting of the wrong type",
        &[(
            "lib/Cargo.toml",
            "[package]\nname = \"lib\"\nversion = \"1.0.0\"\npublish = \"no\"\n",
        )],
    );
    let err = open(&f)
        .discover_components(&Revision::head())
        .expect_err("not a boolean");
    assert!(
        err.to_string()
            .contains("lib/Cargo.toml: key package.publish"),
        "{err}"
    );
}
