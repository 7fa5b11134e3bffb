//! `relman release` against real parts: a bare git remote, a generated Cargo workspace and a
//! crate registry on localhost (`cargo-http-registry`, which `cargo publish` talks to).

mod support;

use std::time::Instant;

use anyhow::Result;
use relman_release::{Mode, Refusal, ReleaseOutcome, ReleaseStep, StepStatus};
use support::{Governance, World};

#[test]
fn a_release_edits_commits_tags_pushes_and_publishes_then_has_nothing_to_do() -> Result<()> {
    let world = World::new(Governance::Approved)?;
    let started = Instant::now();
    let (outcome, lines) = world.run(Mode::Execute)?;
    let wall = started.elapsed();
    eprintln!(
        "release of 5 crates (of 6) end to end: {wall:.1?}\n{}",
        lines.join("\n")
    );
    let ReleaseOutcome::Finished { steps } = outcome else {
        panic!("expected a finished release, got {outcome:?}");
    };
    assert!(
        steps
            .iter()
            .all(|s| matches!(s.status, StepStatus::Done(_)))
    );

    // Manifests: versions, requirements (operators kept), comments and layout kept.
    let c1 = world.read("crates/c1/Cargo.toml");
    assert!(
        c1.contains("version = \"0.2.0\" # bumped by relman release"),
        "{c1}"
    );
    let c2 = world.read("crates/c2/Cargo.toml");
    assert!(
        c2.contains(
            "c1 = { path = \"../c1\", version = \"0.2.0\", registry = \"local\" } # the base"
        ),
        "{c2}"
    );
    let c3 = world.read("crates/c3/Cargo.toml");
    assert!(
        c3.contains("c1 = { version = \"^0.2.0\", path = \"../c1\", registry = \"local\" }"),
        "{c3}"
    );
    assert!(
        c3.contains("[dependencies.c2]\npath = \"../c2\"\nversion = \"=0.2.0\""),
        "{c3}"
    );
    let root = world.read("Cargo.toml");
    assert!(root.contains("# c4 takes c3 from here\nc3 = { path = \"crates/c3\", version = \"0.2.0\", registry = \"local\" }"), "{root}");
    let c6 = world.read("crates/c6/Cargo.toml");
    assert!(
        c6.contains("version = \"0.1.0\""),
        "c6 is not released: {c6}"
    );
    let lock = world.read("Cargo.lock");
    assert!(
        lock.contains("name = \"c4\"\nversion = \"0.2.0\""),
        "{lock}"
    );
    // Changelogs: the hand-written one keeps its text, the others are created.
    let log = world.read("crates/c1/CHANGELOG.md");
    assert!(
        log.starts_with("# Changelog\n\nHand-written notes stay.\n"),
        "{log}"
    );
    assert!(
        log.contains("## [0.2.0]") && log.contains("## [0.1.0] - 2026-01-01"),
        "{log}"
    );
    assert!(
        world
            .read("crates/c4/CHANGELOG.md")
            .contains("- A feature of c4.")
    );

    // One release commit with the trailer, one annotated tag per unit, all pushed.
    let subject = world.git(&["log", "-1", "--format=%s"])?;
    assert_eq!(
        subject,
        "chore(release): c1 0.2.0, c2 0.2.0, c3 0.2.0, c4 0.2.0, c5 0.2.0"
    );
    let body = world.git(&["log", "-1", "--format=%b"])?;
    assert!(
        body.contains(&format!("Relman-Release: {}", world.plan.digest)),
        "{body}"
    );
    let head = world.git(&["rev-parse", "HEAD"])?;
    for name in ["c1", "c2", "c3", "c4", "c5"] {
        let tag = format!("{name}-v0.2.0");
        assert_eq!(
            world.git(&["cat-file", "-t", &tag])?,
            "tag",
            "{tag} is annotated"
        );
        assert_eq!(
            world.git(&["rev-parse", &format!("{tag}^{{commit}}")])?,
            head
        );
        assert_eq!(
            world.remote_git(&["rev-parse", &format!("{tag}^{{commit}}")])?,
            head
        );
        assert_eq!(
            world.registry.published(name),
            ["0.2.0"],
            "{name} published once"
        );
    }
    assert_eq!(world.remote_git(&["rev-parse", "main"])?, head);
    assert!(world.registry.published("c6").is_empty());
    assert_eq!(world.git(&["status", "--porcelain"])?, "");

    // Publish order follows the dependencies.
    let order: Vec<String> = steps
        .iter()
        .filter_map(|s| match &s.step {
            ReleaseStep::Publish { package, .. } => Some(package.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["c1", "c2", "c3", "c4", "c5"]);

    // Every step is in the ledger once; the change request is being implemented.
    let recorded = world.recorded_steps()?;
    assert_eq!(recorded.len(), steps.len(), "{recorded:?}");

    // A second run has nothing to do and changes nothing.
    let before = world.fingerprint()?;
    let (again, _) = world.run(Mode::Execute)?;
    assert!(
        matches!(again, ReleaseOutcome::NothingToDo { .. }),
        "{again:?}"
    );
    assert_eq!(world.fingerprint()?, before);
    Ok(())
}

#[test]
fn governance_refuses_with_every_reason_and_changes_nothing() -> Result<()> {
    let world = World::new(Governance::UnapprovedAndFrozen)?;
    let before = world.fingerprint()?;
    let (outcome, lines) = world.run(Mode::Execute)?;
    let ReleaseOutcome::Refused(reasons) = outcome else {
        panic!("expected a refusal, got {outcome:?}");
    };
    assert!(lines.is_empty(), "{lines:?}");
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, Refusal::NotScheduled { .. })),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| matches!(
            r,
            Refusal::NotApproved {
                valid: 0,
                required: 1,
                ..
            }
        )),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| matches!(r, Refusal::Freeze { .. })),
        "{reasons:?}"
    );
    assert_eq!(world.fingerprint()?, before);
    assert!(world.recorded_steps()?.is_empty());

    // An edited plan is refused too, whatever the ledger says.
    let mut edited = world.plan.clone();
    edited.components[0].next = "9.9.9".to_owned();
    let state = relman_env::EnvState::default();
    let reasons = relman_release::governance::check(&edited, &state, chrono::Utc::now());
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, Refusal::DigestMismatch { .. })),
        "{reasons:?}"
    );
    Ok(())
}

#[test]
fn a_dry_run_lists_every_step_in_order_and_changes_nothing() -> Result<()> {
    let world = World::new(Governance::Approved)?;
    let before = world.fingerprint()?;
    let (outcome, _) = world.run(Mode::DryRun)?;
    let ReleaseOutcome::Finished { steps } = outcome else {
        panic!("expected the steps, got {outcome:?}");
    };
    let ids: Vec<String> = steps.iter().map(|s| s.step.id()).collect();
    assert_eq!(
        ids,
        [
            "preflight",
            "edit:1",
            "edit:2",
            "edit:3",
            "edit:4",
            "lockfile",
            "commit",
            "tag:c1-v0.2.0",
            "tag:c5-v0.2.0",
            "tag:c2-v0.2.0",
            "tag:c3-v0.2.0",
            "tag:c4-v0.2.0",
            "push",
            "publish:c1@0.2.0",
            "publish:c2@0.2.0",
            "publish:c3@0.2.0",
            "publish:c4@0.2.0",
            "publish:c5@0.2.0",
        ]
    );
    assert!(steps.iter().all(|s| s.status == StepStatus::WouldRun));
    // The same sequence as `Release::steps`.
    let plain: Vec<String> = world
        .release()
        .steps()?
        .iter()
        .map(ReleaseStep::id)
        .collect();
    assert_eq!(plain, ids);
    assert_eq!(world.fingerprint()?, before);
    assert!(world.recorded_steps()?.is_empty());
    Ok(())
}

#[test]
fn a_rerun_after_a_local_release_publishes_without_tagging_again() -> Result<()> {
    let world = World::new(Governance::Approved)?;
    // First run: local only (no push, no publish).
    let mut store = relman_env::store::JournalStore::<relman_env::Event>::open(&world.state)?.store;
    let mut release = world.release();
    release.options_mut().push = false;
    release.options_mut().publish = false;
    let index = world.registry.index();
    let outcome = release.run(
        &mut store,
        &index,
        &support::SystemClock,
        Mode::Execute,
        &mut |_| {},
    )?;
    assert!(matches!(outcome, ReleaseOutcome::Finished { .. }));
    drop(store);
    let head = world.git(&["rev-parse", "HEAD"])?;
    assert!(world.remote_git(&["tag", "--list"])?.is_empty());
    // Someone deletes nothing, and the ledger says the tags are done: the second run pushes
    // and publishes only.
    let (outcome, _) = world.run(Mode::Execute)?;
    let ReleaseOutcome::Finished { steps } = outcome else {
        panic!("expected the rest, got {outcome:?}");
    };
    let done: Vec<String> = steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Done(_)))
        .map(|s| s.step.id())
        .collect();
    assert_eq!(done[0], "push");
    assert_eq!(done.len(), 6, "{done:?}");
    assert_eq!(world.git(&["rev-parse", "HEAD"])?, head, "no second commit");
    assert_eq!(
        world.remote_git(&["rev-parse", "c3-v0.2.0^{commit}"])?,
        head
    );
    assert_eq!(world.registry.published("c4"), ["0.2.0"]);
    Ok(())
}

#[test]
fn a_six_crate_workspace_is_released_and_published_end_to_end() -> Result<()> {
    let world = World::new(Governance::ApprovedAll)?;
    let started = Instant::now();
    let (outcome, _) = world.run(Mode::Execute)?;
    eprintln!(
        "6-crate workspace released and published end to end in {:.1?}",
        started.elapsed()
    );
    assert!(
        matches!(outcome, ReleaseOutcome::Finished { .. }),
        "{outcome:?}"
    );
    for name in support::CRATES {
        assert_eq!(world.registry.published(name), ["0.2.0"], "{name}");
        let tag = format!("{name}-v0.2.0");
        assert_eq!(
            world.remote_git(&["rev-parse", &format!("{tag}^{{commit}}")])?,
            world.git(&["rev-parse", "HEAD"])?
        );
    }
    Ok(())
}
