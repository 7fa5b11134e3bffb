//! Golden-file and behaviour tests of grouping and rendering.
//!
//! The golden files live in `tests/golden/`; after an intended change of output, regenerate
//! them with `RELMAN_BLESS=1 cargo test -p relman-changelog --test render` and review the diff.

use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone, Utc};
use relman_changelog::config::{IssuePattern, Placement};
use relman_changelog::remote::Remote;
use relman_changelog::template::{BuiltinTemplate, Template};
use relman_changelog::{Changelog, ChangelogConfig, ReleaseInput, SectionLabel};
use relman_model::change::{Change, Person};

fn change(n: u32, author: &Person, message: &str) -> Change {
    let id = format!("{n:02}a1b2c3d4e5f60718293a4b5c6d7e8f90123456");
    Change::from_message(
        id.parse().expect("valid id"),
        message,
        author.clone(),
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
            .single()
            .expect("valid time")
            + chrono::Duration::hours(i64::from(n)),
    )
}

fn people() -> [Person; 4] {
    [
        Person::new("Ada Park", "ada@example.org"),
        Person::new("Bo Chen", "bo@example.org"),
        Person::new(
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com",
        ),
        Person::new("Ada P.", "ADA@example.org"),
    ]
}

/// Newest first, as a history walk gives them.
fn unreleased() -> Vec<Change> {
    let [ada, bo, bot, _] = people();
    vec![
        change(20, &bo, "feat(cli): add --prepend (#57)"),
        change(19, &bot, "chore(deps): bump regex to 1.12"),
        change(18, &ada, "Merge branch 'topic'"),
    ]
}

fn v1_1_0() -> Vec<Change> {
    let [ada, bo, _, ada2] = people();
    vec![
        change(17, &ada, "docs: explain the skip rules"),
        change(
            16,
            &bo,
            "fix: escape pipes in tables\n\nSecurity: CVE-2026-1234 allowed injection",
        ),
        change(15, &ada2, "deprecate(api): the v1 endpoint (ABC-12)"),
        change(
            14,
            &bo,
            "feat(api)!: drop the xml output\n\nBREAKING CHANGE: use --format json instead\nCloses #40",
        ),
        change(13, &ada, "perf(parser): skip blank lines faster"),
        change(12, &bo, "test: more vectors"),
        change(11, &ada, "feat(parser): accept CRLF (#41)"),
        change(10, &bo, "remove: the legacy loader"),
        change(9, &ada, "refactor!: rename Config to Settings"),
    ]
}

fn v1_0_0() -> Vec<Change> {
    let [ada, bo, _, _] = people();
    vec![
        change(2, &bo, "fix(cli): exit 2 on usage errors"),
        change(1, &ada, "feat: first release"),
    ]
}

fn engine() -> Changelog {
    let mut config = ChangelogConfig::default();
    config.issues.push(IssuePattern {
        pattern: r"\b([A-Z][A-Z0-9]+-\d+)\b".to_owned(),
        url: Some("https://jira.example.org/browse/{1}".to_owned()),
    });
    let remote = Remote::parse("git@github.com:acme/widget.git").expect("remote");
    Changelog::new(config, Some(remote)).expect("valid config")
}

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("valid date")
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("RELMAN_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path).expect("golden file exists");
    assert_eq!(actual, expected, "golden file {name} differs");
}

#[test]
fn golden_outputs() {
    let engine = engine();
    let (u, a, b) = (unreleased(), v1_1_0(), v1_0_0());
    let releases = [
        ReleaseInput::new(SectionLabel::Unreleased, &u).with_previous_tag("v1.1.0"),
        ReleaseInput::new(SectionLabel::version("1.1.0"), &a)
            .with_tag("v1.1.0")
            .with_previous_tag("v1.0.0")
            .with_date(date(20)),
        ReleaseInput::new(SectionLabel::version("1.0.0"), &b)
            .with_tag("v1.0.0")
            .with_date(date(2)),
    ];
    let document = engine.render_document(&releases);
    golden("keepachangelog.md", &document);
    let notes = engine.release_notes(&releases[1]);
    golden("release-notes.md", &notes);
    let context = engine.context(&releases);
    let json = serde_json::to_string_pretty(&context).expect("serializes") + "\n";
    golden("context.json", &json);
    let back: relman_changelog::ChangelogContext =
        serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, context);

    // The built-in templates give the same bytes as the direct renderers.
    let kac = Template::builtin(BuiltinTemplate::KeepAChangelog)
        .render(&context)
        .expect("renders");
    assert_eq!(kac, document);
    let one = engine.context(&releases[1..2]);
    let rn = Template::builtin(BuiltinTemplate::ReleaseNotes)
        .render(&one)
        .expect("renders");
    assert_eq!(rn, notes);
}

#[test]
fn grouping_follows_the_documented_defaults() {
    let engine = engine();
    let changes = v1_1_0();
    let grouping = engine.group(&changes);
    let titles: Vec<(&str, Vec<&str>)> = grouping
        .groups
        .iter()
        .map(|g| {
            (
                g.title,
                g.changes.iter().map(|c| c.summary.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        vec![
            (
                "Breaking changes",
                vec![
                    "feat(api)!: drop the xml output",
                    "refactor!: rename Config to Settings"
                ]
            ),
            ("Added", vec!["feat(parser): accept CRLF (#41)"]),
            ("Changed", vec!["perf(parser): skip blank lines faster"]),
            (
                "Deprecated",
                vec!["deprecate(api): the v1 endpoint (ABC-12)"]
            ),
            ("Removed", vec!["remove: the legacy loader"]),
            ("Security", vec!["fix: escape pipes in tables"]),
            ("Other", vec!["docs: explain the skip rules"]),
        ]
    );
    assert_eq!((grouping.skipped, grouping.breaking), (1, 2));
}

/// Newest first: a breaking change of a type no section lists, with its explanation on the
/// line after the footer token, among ordinary changes.
fn breaking_history() -> Vec<Change> {
    let [ada, ..] = people();
    vec![
        change(4, &ada, "fix: a crash"),
        change(
            3,
            &ada,
            "update(deps)!: tonic 0.14\n\nBREAKING CHANGE:\n  tonic 0.14 needs\n  prost 0.14",
        ),
        change(
            2,
            &ada,
            "feat: a flag\n\nBREAKING-CHANGE: the old flag is gone",
        ),
        change(1, &ada, "feat: another flag"),
    ]
}

#[test]
fn breaking_changes_come_first_whatever_their_type() {
    let changes = breaking_history();
    let engine = Changelog::new(ChangelogConfig::default(), None).expect("engine");
    let section = engine
        .render_release(&ReleaseInput::new(SectionLabel::Unreleased, &changes))
        .section;
    assert_eq!(
        section,
        "## [Unreleased]\n\n### Breaking changes\n\n\
         - **deps**: tonic 0.14\n  tonic 0.14 needs\n    prost 0.14\n\
         - a flag\n  the old flag is gone\n\n\
         ### Added\n\n- another flag\n\n### Fixed\n\n- a crash\n\n\
         Contributors: Ada Park\n"
    );
    let grouping = engine.group(&changes);
    assert_eq!(grouping.breaking, 2);
    assert_eq!(
        grouping.groups[0].kind,
        relman_changelog::GroupKind::Breaking
    );
}

#[test]
fn breaking_changes_can_also_stay_in_their_type_section() {
    use relman_changelog::config::BreakingPlacement;
    let changes = breaking_history();
    let titles = |placement| {
        let mut config = ChangelogConfig::default();
        config.breaking = placement;
        let engine = Changelog::new(config, None).expect("engine");
        let grouping = engine.group(&changes);
        let listed: Vec<(String, usize)> = grouping
            .groups
            .iter()
            .map(|g| (g.title.to_owned(), g.changes.len()))
            .collect();
        (listed, grouping.breaking)
    };
    let owned = |v: &[(&str, usize)]| -> Vec<(String, usize)> {
        v.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
    };
    assert_eq!(
        titles(BreakingPlacement::SectionAndType),
        (
            owned(&[
                ("Breaking changes", 2),
                ("Added", 2),
                ("Fixed", 1),
                ("Other", 1)
            ]),
            2
        )
    );
    assert_eq!(
        titles(BreakingPlacement::Type),
        (owned(&[("Added", 2), ("Fixed", 1), ("Other", 1)]), 2)
    );
}

#[test]
fn skip_rules_and_placements_are_configurable() {
    let [ada, ..] = people();
    let changes = vec![
        change(1, &ada, "chore!: drop Node 16"),
        change(2, &ada, "feat(release): prepare 1.0"),
        change(3, &ada, "Merge pull request #3"),
        change(4, &ada, "Update README"),
        change(5, &ada, "docs: typo"),
        change(6, &ada, "feat: wip do not merge"),
    ];
    let mut config = ChangelogConfig::default();
    config.skip.scopes = vec!["release".into()];
    config.skip.messages = vec!["^Merge ".into(), "(?i)wip".into()];
    config.non_conventional = Placement::Other;
    config.other_types = Placement::Skip;
    let engine = Changelog::new(config, None).expect("valid");
    let grouping = engine.group(&changes);
    let listed: Vec<(&str, &str)> = grouping
        .groups
        .iter()
        .flat_map(|g| g.changes.iter().map(|c| (g.title, c.summary.as_str())))
        .collect();
    // A breaking chore is kept (with the breaking changes); the rest as configured.
    assert_eq!(
        listed,
        vec![
            ("Breaking changes", "chore!: drop Node 16"),
            ("Other", "Update README")
        ]
    );
    assert_eq!(grouping.skipped, 4);
    // Without a remote there are no links.
    let section = engine
        .render_release(&ReleaseInput::new(SectionLabel::Unreleased, &changes))
        .section;
    assert_eq!(
        section,
        "## [Unreleased]\n\n### Breaking changes\n\n- drop Node 16\n\n### Other\n\n- Update README\n\n\
         Contributors: Ada Park\n"
    );
}

#[test]
fn non_conventional_messages_are_listed_under_other_unless_filtered() {
    let [ada, ..] = people();
    let changes = vec![
        change(3, &ada, "Upgrade to tonic 0.14 (#2301)"),
        change(2, &ada, "fix: a crash"),
    ];
    let listed = |config: ChangelogConfig| -> Vec<(String, String)> {
        let engine = Changelog::new(config, None).expect("engine");
        let grouping = engine.group(&changes);
        grouping
            .groups
            .iter()
            .flat_map(|g| {
                g.changes
                    .iter()
                    .map(|c| (g.title.to_owned(), c.summary.clone()))
            })
            .collect()
    };
    let pair = |t: &str, s: &str| (t.to_owned(), s.to_owned());
    assert_eq!(
        listed(ChangelogConfig::default()),
        vec![
            pair("Fixed", "fix: a crash"),
            pair("Other", "Upgrade to tonic 0.14 (#2301)")
        ]
    );
    let mut config = ChangelogConfig::default();
    config.filter_unconventional = Some(true);
    assert_eq!(listed(config), vec![pair("Fixed", "fix: a crash")]);
    let mut config = ChangelogConfig::default();
    config.non_conventional = Placement::Skip;
    assert_eq!(listed(config.clone()), vec![pair("Fixed", "fix: a crash")]);
    config.filter_unconventional = Some(false);
    let err = Changelog::new(config, None).expect_err("contradiction");
    assert!(
        err.to_string().contains("changelog.filter_unconventional"),
        "{err}"
    );
}

/// Newest first: four real changes among dependency updates of every documented kind.
fn dependency_history() -> Vec<Change> {
    let [ada, bo, bot, _] = people();
    let renovate = Person::new(
        "renovate[bot]",
        "29139614+renovate[bot]@users.noreply.github.com",
    );
    vec![
        change(9, &ada, "feat: a flag"),
        change(8, &bot, "build(deps): bump serde from 1.0.1 to 1.0.2"),
        change(7, &renovate, "Update Rust crate tokio to v1.48.0"),
        change(6, &bo, "fix(deps): update rust crate regex to 1.12"),
        change(5, &ada, "build(deps-dev): bump proptest to 1.9"),
        change(4, &ada, "build(deps)!: tonic 0.14"),
        change(3, &bo, "fix: a crash"),
        change(2, &bot, "chore(deps): bump regex to 1.12"),
        change(1, &ada, "docs: the flag"),
    ]
}

#[test]
fn dependency_updates_collapse_into_one_line() {
    let changes = dependency_history();
    let engine = Changelog::new(ChangelogConfig::default(), None).expect("engine");
    let release = ReleaseInput::new(SectionLabel::Unreleased, &changes);
    let section = engine.render_release(&release).section;
    // The breaking update stays listed; the chore is skipped by type, not counted.
    assert_eq!(
        section,
        "## [Unreleased]\n\n### Breaking changes\n\n- **deps**: tonic 0.14\n\n\
         ### Added\n\n- a flag\n\n### Fixed\n\n- a crash\n\n\
         ### Other\n\n- the flag\n- 4 dependency updates\n\n\
         Contributors: Ada Park, Bo Chen\n"
    );
    let grouping = engine.group(&changes);
    assert_eq!((grouping.dependency_updates, grouping.skipped), (4, 1));
    // Templates and JSON see the same count.
    let context = engine.context(std::slice::from_ref(&release));
    let kac = Template::builtin(BuiltinTemplate::KeepAChangelog)
        .render(&context)
        .expect("renders");
    assert_eq!(kac, engine.render_document(std::slice::from_ref(&release)));
    let json = relman_changelog::json::ChangelogJson::from(context);
    assert_eq!(json.releases[0].dependency_updates, 4);

    // A lone update still gets a line (and an Other section), in the singular.
    let one = &changes[1..2];
    let section = engine
        .render_release(&ReleaseInput::new(SectionLabel::Unreleased, one))
        .section;
    assert_eq!(
        section,
        "## [Unreleased]\n\n### Other\n\n- 1 dependency update\n"
    );

    let mut config = ChangelogConfig::default();
    config.collapse_dependency_updates = false;
    let engine = Changelog::new(config, None).expect("engine");
    let grouping = engine.group(&changes);
    assert_eq!(grouping.dependency_updates, 0);
    let listed: usize = grouping.groups.iter().map(|g| g.changes.len()).sum();
    assert_eq!(listed, 8);
}

#[test]
fn bad_patterns_name_their_key() {
    let mut config = ChangelogConfig::default();
    config.skip.messages = vec!["ok".into(), "(unclosed".into()];
    let err = Changelog::new(config, None).expect_err("invalid regex");
    assert_eq!(
        err.to_string(),
        "`changelog.skip.messages[1]`: invalid regular expression `(unclosed`"
    );
    let mut config = ChangelogConfig::default();
    config.sections[2].title = " ".into();
    let err = Changelog::new(config, None).expect_err("empty title");
    assert!(
        err.to_string().contains("changelog.sections[2].title"),
        "{err}"
    );
}

#[test]
fn contributors_are_unique_and_exclude_bots() {
    let engine = engine();
    let mut changes = v1_1_0();
    changes.extend(unreleased());
    let names: Vec<(String, usize)> = engine
        .contributors(&changes)
        .into_iter()
        .map(|c| (c.name, c.changes))
        .collect();
    assert_eq!(names, vec![("Ada Park".into(), 6), ("Bo Chen".into(), 5)]);
}

#[test]
fn one_person_under_two_emails_or_two_names_is_credited_once() {
    let [ada, bo, bot, ada2] = people();
    let ada_work = Person::new("ada park", "ada.park@work.example");
    let changes = vec![
        change(5, &ada, "feat: one"),
        change(4, &ada_work, "fix: two"),
        change(3, &ada2, "fix: three"),
        change(2, &bot, "fix(deps): four"),
        change(1, &bo, "docs: five"),
    ];
    let engine = Changelog::new(ChangelogConfig::default(), None).expect("engine");
    let credited: Vec<(String, usize)> = engine
        .contributors(&changes)
        .into_iter()
        .map(|c| (c.name, c.changes))
        .collect();
    assert_eq!(
        credited,
        vec![("Ada Park".to_owned(), 3), ("Bo Chen".to_owned(), 1)]
    );
    let release = ReleaseInput::new(SectionLabel::Unreleased, &changes);
    let section = engine.render_release(&release).section;
    assert!(
        section.ends_with("\n- 1 dependency update\n\nContributors: Ada Park, Bo Chen\n"),
        "{section}"
    );
    let context = engine.context(std::slice::from_ref(&release));
    let kac = Template::builtin(BuiltinTemplate::KeepAChangelog)
        .render(&context)
        .expect("renders");
    assert_eq!(kac, engine.render_document(std::slice::from_ref(&release)));

    let mut config = ChangelogConfig::default();
    config.contributors.line = false;
    let engine = Changelog::new(config, None).expect("engine");
    let section = engine.render_release(&release).section;
    assert!(!section.contains("Contributors"), "{section}");
}

#[test]
fn bad_templates_report_their_line() {
    let err = Template::new("line one\n{% for x in %}\n").expect_err("syntax error");
    assert_eq!(err.line, Some(2));
    let t = Template::new("ok\n{{ releases | nosuchfilter }}\n")
        .map(|_| ())
        .err();
    // minijinja reports unknown filters when compiling or when rendering; either way, a line.
    if let Some(err) = t {
        assert_eq!(err.line, Some(2));
    }
    assert!("release-notes".parse::<BuiltinTemplate>().is_ok());
    assert!("html".parse::<BuiltinTemplate>().is_err());
}

#[test]
fn the_json_summary_flattens_authors_and_dates() {
    use relman_changelog::json::ChangelogJson;
    let [ada, ..] = people();
    let changes = [
        change(
            2,
            &ada,
            "feat(api)!: drop v1\n\nRefs #12\n\nBREAKING CHANGE: v1 is gone",
        ),
        change(1, &ada, "docs: typo"),
    ];
    let engine = Changelog::new(ChangelogConfig::default(), None).expect("engine");
    let date = NaiveDate::from_ymd_opt(2026, 11, 3).expect("date");
    let release = ReleaseInput::new(SectionLabel::version("2.0.0"), &changes)
        .with_tag("v2.0.0")
        .with_date(date);
    let json = ChangelogJson::from(engine.context(&[release]));
    let r = &json.releases[0];
    assert_eq!(r.version.as_deref(), Some("2.0.0"));
    assert_eq!(r.date.as_deref(), Some("2026-11-03"));
    assert_eq!((r.changes, r.breaking), (2, 1));
    let entry = r
        .groups
        .iter()
        .flat_map(|g| &g.entries)
        .find(|e| e.breaking)
        .expect("the breaking change is listed");
    assert_eq!(
        (entry.author.as_str(), entry.email.as_str()),
        ("Ada Park", "ada@example.org")
    );
    assert_eq!(entry.time, "2026-11-01T14:00:00Z");
    assert_eq!(entry.breaking_description.as_deref(), Some("v1 is gone"));
    let value = serde_json::to_value(&json).expect("serializes");
    assert_eq!(
        value["releases"][0]["groups"][0]["entries"][0]["type"],
        "feat"
    );
}

#[test]
fn commit_text_cannot_inject_html_or_links() {
    use relman_test_support::markdown::unsafe_nodes;
    let evil = Person::new("<b>Mallory</b> [x](javascript:y)", "m@example.org");
    let changes = [
        change(
            3,
            &evil,
            "feat(<i>ui</i>): <img src=x onerror=alert(1)> closes #12",
        ),
        change(
            2,
            &evil,
            "fix: [click](javascript:alert(1)) and ![p](https://t.invalid/p.gif)",
        ),
        change(
            1,
            &evil,
            "feat!: drop\n\nBREAKING CHANGE: <script>alert(1)</script> see `Vec<u8>`",
        ),
    ];
    let engine = Changelog::new(
        ChangelogConfig::default(),
        Some(Remote::parse("https://github.com/acme/widget").expect("remote")),
    )
    .expect("engine");
    let release = ReleaseInput::new(SectionLabel::version("2.0.0"), &changes)
        .with_tag("v2.0.0")
        .with_previous_tag("v1.0.0");
    let document = engine.render_document(std::slice::from_ref(&release));
    let notes = engine.release_notes(&release);
    for (name, md) in [("document", &document), ("notes", &notes)] {
        assert_eq!(unsafe_nodes(md), Vec::<String>::new(), "{name}:\n{md}");
        assert!(
            md.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{name}:\n{md}"
        );
        assert!(md.contains("`Vec<u8>`"), "code spans stay as written: {md}");
    }
    assert!(
        document.contains("[#12](https://github.com/acme/widget/issues/12)"),
        "issue links are still made:\n{document}"
    );
}
