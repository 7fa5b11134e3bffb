//! Each release-decision rule on a small in-memory history: tag series and version groups,
//! patch releases for other changes, the learned 0.y.z policy, releases of dependents.

mod common;

use common::{History, config, depends, member, units, units_without_past};
use relman_model::Bump;
use relman_plan::config::Config;
use relman_plan::decide::{DecideOptions, Reason, Signal, decide, propagate};

fn options(config: &Config) -> DecideOptions {
    DecideOptions::new(config.bump.clone())
}

#[test]
fn changes_without_a_bump_worthy_commit_make_a_patch_release_naming_them() {
    let mut h = History::new();
    h.commit("feat: first", "src/lib.rs").tag("v1.0.0");
    h.commit("docs: explain more", "README.md");
    h.commit("chore(deps): bump serde", "Cargo.lock");
    let c = Config::default();
    let u = units(&c, &[], &h);
    assert_eq!(u.len(), 1);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!((d.bump, d.next.to_string()), (Bump::Patch, "1.0.1".into()));
    assert!(d.release);
    let summaries: Vec<&str> = d.evidence.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(summaries, ["chore(deps): bump serde", "docs: explain more"]);
    assert_eq!(d.evidence[1].reason, "other change (type docs)");
    assert!(matches!(
        d.reasons[..],
        [Reason::OtherChanges { changes: 2, .. }]
    ));

    let none = config("[bump]\nother_changes = \"none\"\n");
    let d = decide(&h.memory, &u[0], &options(&none)).expect("decided");
    assert_eq!((d.bump, d.release), (Bump::None, false));
    assert_eq!(d.next.to_string(), "1.0.0");
}

/// A 0.y.z history whose past releases with a feature each bumped the minor version.
fn minor_for_features() -> History {
    let mut h = History::new();
    h.commit("feat: one", "src/a.rs").tag("v0.1.0");
    h.commit("feat: two", "src/a.rs").tag("v0.2.0");
    h.commit("feat: three", "src/a.rs").tag("v0.3.0");
    h.commit("fix: four", "src/a.rs").tag("v0.3.1");
    h.commit("feat: five", "src/a.rs").tag("v0.4.0");
    h.commit("feat: six", "src/a.rs");
    h
}

#[test]
fn releases_without_a_bump_worthy_commit_follow_the_maintainers_minor_releases() {
    let mut h = History::new();
    h.commit("feat: one", "src/a.rs").tag("v0.1.0");
    h.commit("chore: deps", "src/a.rs").tag("v0.2.0");
    h.commit("fix: two", "src/a.rs").tag("v0.2.1");
    h.commit("docs: three", "src/a.rs").tag("v0.3.0");
    h.commit("chore: four", "src/a.rs");
    let c = Config::default();
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!((d.bump, d.next.to_string()), (Bump::Minor, "0.4.0".into()));
    assert_eq!(
        d.reasons[0].to_string(),
        "learned: 2 of 2 past 0.y.z releases without a bump-worthy commit bumped minor"
    );
    let configured = config("[bump]\npolicy = \"configured\"\n");
    let d = decide(&h.memory, &u[0], &options(&configured)).expect("decided");
    assert_eq!(d.next.to_string(), "0.3.1");
}

#[test]
fn the_learned_policy_follows_what_the_maintainers_did_for_features_in_0x() {
    let h = minor_for_features();
    let c = Config::default();
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!((d.bump, d.next.to_string()), (Bump::Minor, "0.5.0".into()));
    assert_eq!(
        d.reasons,
        [Reason::Learned {
            signal: Signal::Feature,
            any_signal: false,
            initial_development: true,
            bump: Bump::Minor,
            agreeing: 3,
            of: 3,
        }]
    );
    assert_eq!(
        d.reasons[0].to_string(),
        "learned: 3 of 3 past 0.y.z releases with a feature bumped minor"
    );

    // Configured rules win over the history.
    for text in [
        "[bump]\npolicy = \"configured\"\n",
        "[bump]\nzero_features = \"bump_patch\"\n",
    ] {
        let configured = config(text);
        let d = decide(&h.memory, &u[0], &options(&configured)).expect("decided");
        assert_eq!(d.next.to_string(), "0.4.1", "{text}");
        assert!(d.reasons.is_empty(), "{text}");
    }
}

#[test]
fn fix_only_releases_in_0x_follow_the_maintainers_lockstep_minor_releases() {
    let mut h = History::new();
    h.commit("feat: one", "src/a.rs").tag("v0.1.0");
    h.commit("fix: two", "src/a.rs").tag("v0.2.0");
    h.commit("fix: three", "src/a.rs").tag("v0.3.0");
    h.commit("fix: four", "src/a.rs").tag("v0.3.1");
    h.commit("fix: five", "src/a.rs").tag("v0.4.0");
    h.commit("fix: six", "src/a.rs");
    let c = Config::default();
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.5.0");
    assert_eq!(
        d.reasons[0].to_string(),
        "learned: 3 of 4 past 0.y.z releases with only fixes bumped minor"
    );
}

#[test]
fn too_few_releases_of_one_kind_in_0x_fall_back_to_every_past_0x_release() {
    let mut h = History::new();
    h.commit("feat: one", "src/a.rs").tag("v0.1.0");
    h.commit("fix: two", "src/a.rs").tag("v0.2.0");
    h.commit("feat: three", "src/a.rs").tag("v0.3.0");
    h.commit("chore: four", "src/a.rs").tag("v0.4.0");
    h.commit("fix: five", "src/a.rs");
    let c = Config::default();
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.5.0");
    assert_eq!(
        d.reasons,
        [Reason::Learned {
            signal: Signal::Fix,
            any_signal: true,
            initial_development: true,
            bump: Bump::Minor,
            agreeing: 3,
            of: 3,
        }]
    );
    assert_eq!(
        d.reasons[0].to_string(),
        "learned: 3 of 3 past 0.y.z releases bumped minor \
         (too few past releases with only fixes to decide on those alone)"
    );

    // The few releases of this signal speak against the pool: they win.
    let mut f = History::new();
    f.commit("feat: one", "src/a.rs").tag("v0.1.0");
    f.commit("feat: two", "src/a.rs").tag("v0.2.0");
    f.commit("feat: three", "src/a.rs").tag("v0.3.0");
    f.commit("chore: four", "src/a.rs").tag("v0.4.0");
    f.commit("fix: five", "src/a.rs").tag("v0.4.1");
    f.commit("fix: six", "src/a.rs");
    let u = units(&c, &[], &f);
    let d = decide(&f.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.4.2");
    assert!(d.reasons.is_empty());

    // Past patch releases of other kinds never make a breaking change a patch.
    let mut p = History::new();
    p.commit("feat: one", "src/a.rs").tag("v0.1.0");
    p.commit("fix: two", "src/a.rs").tag("v0.1.1");
    p.commit("docs: three", "src/a.rs").tag("v0.1.2");
    p.commit("feat: four", "src/a.rs").tag("v0.1.3");
    p.commit("feat!: five", "src/a.rs");
    let u = units(&c, &[], &p);
    let d = decide(&p.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.2.0");
    assert!(matches!(
        d.reasons[..],
        [Reason::Learned {
            any_signal: true,
            bump: Bump::Minor,
            agreeing: 3,
            of: 3,
            ..
        }]
    ));

    // A stable version never pools: SemVer decides fixes.
    h.commit("feat!: six", "src/a.rs").tag("v1.0.0");
    h.commit("fix: seven", "src/a.rs");
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "1.0.1");
    assert!(d.reasons.is_empty());
}

#[test]
fn a_stable_version_learns_only_releases_without_a_bump_worthy_commit() {
    let mut h = History::new();
    h.commit("feat: one", "src/a.rs").tag("v1.0.0");
    h.commit("fix: two", "src/a.rs").tag("v1.1.0");
    h.commit("fix: three", "src/a.rs").tag("v1.2.0");
    h.commit("fix: four", "src/a.rs");
    let c = Config::default();
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    // SemVer decides fixes in a stable version: a patch, whatever the past did.
    assert_eq!(d.next.to_string(), "1.2.1");
    assert!(d.reasons.is_empty());
}

#[test]
fn the_learned_policy_keeps_patch_where_the_maintainers_did_and_needs_two_releases() {
    let mut h = History::new();
    h.commit("feat: one", "src/a.rs").tag("v0.1.0");
    h.commit("feat: two", "src/a.rs").tag("v0.1.1");
    h.commit("feat: three", "src/a.rs").tag("v0.1.2");
    h.commit("feat!: four", "src/a.rs").tag("v0.2.0");
    h.commit("feat!: five", "src/a.rs").tag("v0.3.0");
    h.commit("feat: six", "src/a.rs");
    let c = Config::default();
    let u = units(&c, &[], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.3.1");
    assert_eq!(
        d.reasons,
        [Reason::Learned {
            signal: Signal::Feature,
            any_signal: false,
            initial_development: true,
            bump: Bump::Patch,
            agreeing: 2,
            of: 2,
        }]
    );

    // A breaking change: two past 0.y.z breaking releases bumped the minor version.
    let mut h2 = h;
    h2.commit("feat!: seven", "src/a.rs");
    let d = decide(&h2.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.4.0");
    assert!(d.reasons.contains(&Reason::Learned {
        signal: Signal::Breaking,
        any_signal: false,
        initial_development: true,
        bump: Bump::Minor,
        agreeing: 2,
        of: 2,
    }));

    // One past release decides nothing: the configured (Cargo) rule stays.
    let mut short = History::new();
    short.commit("feat: one", "src/a.rs").tag("v0.1.0");
    short.commit("feat: two", "src/a.rs").tag("v0.2.0");
    short.commit("feat: three", "src/a.rs");
    let u = units(&c, &[], &short);
    let d = decide(&short.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.2.1");
    assert!(d.reasons.is_empty());
}

#[test]
fn a_manifest_version_above_the_last_release_is_the_next_version() {
    let mut h = History::new();
    h.commit("feat: one", "crates/a/src/lib.rs")
        .tag("a/v0.16.2");
    h.commit("docs: two", "crates/a/README.md");
    h.commit("chore: release 0.17.0", "crates/a/Cargo.toml");
    let members = [member("a", "0.17.0")];
    let c = Config::default();
    let u = units(&c, &members, &h);
    assert_eq!(
        u[0].last_release().map(|t| t.name.as_str()),
        Some("a/v0.16.2")
    );
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(
        (d.next.to_string(), d.bump, d.release),
        ("0.17.0".into(), Bump::Minor, true)
    );
    assert_eq!(
        d.reasons.last().map(ToString::to_string).as_deref(),
        Some("the manifest already declares 0.17.0 (the commits alone give 0.16.3)")
    );
    assert_eq!(d.evidence.len(), 2, "the commits stay the evidence");

    let ignore = config("[bump]\nmanifest = \"ignore\"\n");
    let d = decide(&h.memory, &u[0], &options(&ignore)).expect("decided");
    assert_eq!(d.next.to_string(), "0.16.3");

    // A development version in the manifest is not a stable release.
    let u = units(&c, &[member("a", "0.17.0-dev")], &h);
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.16.3");
}

#[test]
fn a_changelog_section_above_the_last_release_is_the_next_version() {
    let mut h = History::new();
    h.commit("feat: one", "src/lib.rs").tag("v0.29.0");
    h.commit("feat: improve the title", "src/lib.rs");
    let c = Config::default();
    let mut u = units(&c, &[], &h);
    assert_eq!(u[0].changelog_path().as_deref(), Some("CHANGELOG.md"));
    u[0].prepared = relman_plan::units::newest_changelog_version(
        "# Changelog\n\n## [Unreleased]\n\n## 0.30.0 - 2020-09-28\n\n### Features\n\n- x\n\n## 0.29.0\n",
    );
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!((d.next.to_string(), d.bump), ("0.30.0".into(), Bump::Minor));
    assert_eq!(
        d.reasons.last().map(ToString::to_string).as_deref(),
        Some("the changelog already has a section for 0.30.0 (the commits alone give 0.29.1)")
    );
    let ignore = config("[bump]\nmanifest = \"ignore\"\n");
    let d = decide(&h.memory, &u[0], &options(&ignore)).expect("decided");
    assert_eq!(d.next.to_string(), "0.29.1");
    // A section for the last release or an older one prepares nothing.
    u[0].prepared = relman_plan::units::newest_changelog_version("## [0.29.0] - 2020-09-01\n");
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "0.29.1");
}

#[test]
fn a_series_that_names_no_component_makes_a_version_group() {
    let mut h = History::new();
    h.commit("feat: a", "crates/a/src/lib.rs");
    h.commit("feat: b", "crates/b/src/lib.rs").tag("v1.0.0");
    h.commit("fix: in the root", "README.md");
    let members = [member("a", "1.0.0"), member("b", "1.0.0")];
    let c = Config::default();
    let u = units(&c, &members, &h);
    assert_eq!(u.len(), 1, "{u:?}");
    let group = &u[0];
    assert_eq!(group.members.len(), 2);
    assert!(
        group.paths.is_empty(),
        "a repository-wide series covers the repository"
    );
    assert_eq!(
        group.last_release().map(|t| t.name.as_str()),
        Some("v1.0.0")
    );
    let d = decide(&h.memory, group, &options(&c)).expect("decided");
    assert_eq!(d.next.to_string(), "1.0.1");
    assert_eq!(group.pattern.render(Some(&group.id), &d.next), "v1.0.1");

    // Without the past manifests, the series still goes to the group, never to one member.
    let u = units_without_past(&c, &members, &h);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].members.len(), 2);
}

#[test]
fn a_repository_series_its_members_outgrew_makes_no_group() {
    let mut h = History::new();
    h.commit("feat: a", "crates/a/src/lib.rs").tag("v0.1.0");
    h.commit("feat: b", "crates/b/src/lib.rs").tag("a/v0.2.0");
    h.commit("fix: a", "crates/a/src/lib.rs");
    let members = [member("a", "0.2.0"), member("b", "0.5.0")];
    let c = Config::default();
    let u = units(&c, &members, &h);
    let names: Vec<&str> = u.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(u[0].paths, ["crates/a"]);
    assert_eq!(
        u[0].last_release().map(|t| t.name.as_str()),
        Some("a/v0.2.0")
    );
    // b has no series: its tags follow the shape of the repository's other series.
    assert_eq!(
        u[1].pattern
            .render(Some(&u[1].id), &"0.5.0".parse().expect("v")),
        "b/v0.5.0"
    );
}

#[test]
fn tag_series_are_read_off_the_names_and_matched_to_members() {
    let mut h = History::new();
    h.commit("feat: api", "crates/api/src/lib.rs")
        .tag("api-0.3.0");
    h.commit("feat: v", "crates/knope-versioning/src/lib.rs")
        .tag("versioning/v0.2.0");
    h.commit("feat: o", "README.md").tag("orphan-1.0.0");
    h.commit("fix: api", "crates/api/src/lib.rs");
    let members = [member("api", "0.3.0"), member("knope-versioning", "0.2.0")];
    let c = Config::default();
    let u = units(&c, &members, &h);
    let api = u.iter().find(|u| u.id.as_str() == "api").expect("api");
    assert_eq!(
        api.last_release().map(|t| t.name.as_str()),
        Some("api-0.3.0")
    );
    let d = decide(&h.memory, api, &options(&c)).expect("decided");
    assert_eq!(api.pattern.render(Some(&api.id), &d.next), "api-0.3.1");
    let v = u
        .iter()
        .find(|u| u.id.as_str() == "knope-versioning")
        .expect("versioning");
    assert_eq!(
        v.last_release().map(|t| t.name.as_str()),
        Some("versioning/v0.2.0")
    );
    // `orphan` names no member: its tags release nothing.
    assert!(
        u.iter()
            .all(|u| u.releases.iter().all(|t| !t.name.starts_with("orphan")))
    );
}

#[test]
fn configured_tag_patterns_are_honoured_a_bare_version_one_by_the_group() {
    let mut h = History::new();
    h.commit("feat: a", "crates/a/src/lib.rs").tag("11.35.4");
    h.commit("feat: more", "crates/b/src/lib.rs").tag("44.39.2");
    h.commit("fix: a", "crates/a/src/lib.rs");
    let members = [member("a", "44.39.2"), member("b", "44.39.2")];
    let c = config("[tags]\npatterns = [\"{version}\"]\n");
    let u = units(&c, &members, &h);
    assert_eq!(u.len(), 1, "{u:?}");
    let d = decide(&h.memory, &u[0], &options(&c)).expect("decided");
    assert_eq!(
        d.current.as_ref().map(ToString::to_string),
        Some("44.39.2".into())
    );
    assert_eq!(d.next.to_string(), "44.39.3");
}

#[test]
fn dependents_of_a_released_unit_are_released_with_the_dependency_named() {
    let mut h = History::new();
    h.commit("feat: a", "crates/a/src/lib.rs").tag("a-v1.0.0");
    h.commit("feat: b", "crates/b/src/lib.rs").tag("b-v2.0.0");
    h.commit("fix: a", "crates/a/src/lib.rs");
    let members = [
        member("a", "1.0.0"),
        depends(member("b", "2.0.0"), "a", "^1"),
    ];
    let c = Config::default();
    let u = units(&c, &members, &h);
    let mut decisions: Vec<_> = u
        .iter()
        .map(|unit| decide(&h.memory, unit, &options(&c)).expect("decided"))
        .collect();
    assert!(!decisions[1].release, "b has no change of its own");
    propagate(&u, &mut decisions, relman_graph::Propagation::AlwaysPatch).expect("propagated");
    let b = &decisions[1];
    assert_eq!((b.bump, b.next.to_string()), (Bump::Patch, "2.0.1".into()));
    assert!(b.release);
    assert_eq!(
        b.reasons[0].to_string(),
        "dependency a is released as 1.0.1"
    );

    // When only a broken requirement propagates, `^1` still accepts 1.0.1.
    let mut decisions: Vec<_> = u
        .iter()
        .map(|unit| decide(&h.memory, unit, &options(&c)).expect("decided"))
        .collect();
    propagate(
        &u,
        &mut decisions,
        relman_graph::Propagation::WhenRequirementBreaks,
    )
    .expect("propagated");
    assert!(!decisions[1].release);
}

#[test]
fn a_first_release_is_the_manifest_version() {
    let mut h = History::new();
    h.commit("feat: a", "crates/a/src/lib.rs").tag("a-v1.0.0");
    h.commit("feat: b", "crates/b/src/lib.rs");
    let members = [member("a", "1.0.0"), member("b", "0.3.0")];
    let c = Config::default();
    let u = units(&c, &members, &h);
    let d = decide(&h.memory, &u[1], &options(&c)).expect("decided");
    assert!(d.is_first_release());
    assert_eq!(d.next.to_string(), "0.3.0");
    assert!(d.release);
    // The default shape of a workspace without series of that shape.
    assert_eq!(u[1].pattern.render(Some(&u[1].id), &d.next), "b-v0.3.0");
}

#[test]
fn unpublished_members_are_not_release_units() {
    let mut h = History::new();
    h.commit("feat: lib", "crates/lib/src/lib.rs")
        .tag("lib-v1.0.0");
    h.commit("feat: demo", "crates/demo/src/main.rs");
    let members = [
        member("lib", "1.0.0"),
        member("demo", "0.1.0").with_publish(relman_model::Publish::No),
    ];
    let c = Config::default();
    let names: Vec<String> = units(&c, &members, &h)
        .iter()
        .map(|u| u.id.to_string())
        .collect();
    assert_eq!(names, ["lib"]);

    // Configured, an unpublished package is a component again.
    let configured = config("[components.demo]\npaths = [\"crates/demo\"]\n");
    let names: Vec<String> = units(&configured, &members, &h)
        .iter()
        .map(|u| u.id.to_string())
        .collect();
    assert_eq!(names, ["demo"]);

    // A workspace of unpublished packages only (an application) still has its components.
    let private = [member("app", "1.0.0").with_publish(relman_model::Publish::No)];
    assert_eq!(units(&c, &private, &h).len(), 1);
}
