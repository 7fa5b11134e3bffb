//! Bump decisions and next versions: the tags of synthetic histories, the generator's rule as a
//! property, and the monotonicity properties.
//!
//! `tests/data/history-0x.json` and `history-1x.json` were exported from repositories built by
//! `shared/scripts/make-history.py` (the commands are in each file's `generated_by`): for every
//! tag, the version before it and the messages of the commits it adds.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use relman_model::change::{Change, Person};
use relman_model::version::{
    Bump, BumpPolicy, BumpReason, ReleaseChannel, Version, ZeroBreaking, ZeroFeatures, next_version,
};
use serde_json::Value;

fn change(id: usize, message: &str) -> Change {
    Change::from_message(
        format!("c{id}").parse().expect("valid id"),
        message,
        Person::new("Ada Park", "ada@example.org"),
        Utc.timestamp_opt(1_600_000_000, 0)
            .single()
            .expect("valid time"),
    )
}

fn predicts_every_tag(fixture: &str, expected_releases: usize) {
    let file: Value = serde_json::from_str(fixture).expect("fixture is JSON");
    let releases = file["releases"].as_array().expect("releases");
    assert_eq!(releases.len(), expected_releases);
    let policy = BumpPolicy::default();
    for release in releases {
        let tag = release["tag"].as_str().expect("tag");
        let previous =
            Version::parse(release["previous"].as_str().expect("previous")).expect("valid version");
        let changes: Vec<Change> = release["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .enumerate()
            .map(|(i, m)| change(i, m.as_str().expect("message")))
            .collect();
        let decision = policy.decide(&changes, Some(&previous));
        let next = next_version(Some(&previous), decision.bump, &ReleaseChannel::Stable)
            .expect("stable bumps do not fail")
            .expect("every tag releases something");
        assert_eq!(format!("v{next}"), tag, "{decision:#?}");
        assert!(decision.causes().count() > 0, "{tag}: the bump has a cause");
    }
}

#[test]
fn predicts_every_tag_of_a_0x_history() {
    predicts_every_tag(include_str!("data/history-0x.json"), 52);
}

#[test]
fn predicts_every_tag_of_a_1x_history() {
    predicts_every_tag(include_str!("data/history-1x.json"), 51);
}

const TYPES: &[&str] = &[
    "feat", "fix", "chore", "docs", "refactor", "test", "ci", "perf", "build", "style", "revert",
];
const WORDS: &[&str] = &[
    "parser", "cache", "index", "client", "server", "config", "schema",
];

/// A message as `make-history.py`'s `message()` writes it, with the bump it records.
fn generated_message() -> impl Strategy<Value = (String, u8)> {
    let conventional = (
        prop::sample::select(TYPES),
        prop::option::of(prop::sample::select(WORDS)),
        0..3u8, // 0 not breaking, 1 breaking by `!`, 2 breaking by footer
        prop::option::of(prop::collection::vec(prop::sample::select(WORDS), 6..30)),
        prop::option::of(1..5000u32),
        any::<bool>(),
    )
        .prop_map(|(kind, scope, breaking, body, refs, coauthor)| {
            let mut head = kind.to_owned();
            if let Some(scope) = scope {
                head.push_str(&format!("({scope})"));
            }
            if breaking == 1 {
                head.push('!');
            }
            head.push_str(": add parser cache");
            let mut msg = head;
            if let Some(body) = body {
                msg.push_str("\n\n");
                msg.push_str(&body.join(" "));
            }
            let mut footers = Vec::new();
            if breaking == 2 {
                footers.push("BREAKING CHANGE: cache now retry".to_owned());
            }
            if let Some(n) = refs {
                footers.push(format!("Refs: #{n}"));
            }
            if coauthor {
                footers.push("Co-authored-by: Bo Chen <bo@example.org>".to_owned());
            }
            if !footers.is_empty() {
                msg.push_str("\n\n");
                msg.push_str(&footers.join("\n"));
            }
            msg.push('\n');
            let bump = if breaking > 0 {
                3
            } else if kind == "feat" {
                2
            } else if kind == "fix" || kind == "perf" {
                1
            } else {
                0
            };
            (msg, bump)
        });
    let other = prop::sample::select(vec![
        "Update README",
        "WIP",
        "Merge fixes",
        "Bump deps",
        "Small cleanups",
        "tweak parser",
        "Merge branch 'topic'",
    ])
    .prop_map(|s| (format!("{s}\n"), 0u8));
    prop_oneof![9 => conventional, 1 => other]
}

/// `make-history.py`'s `next_version()`.
fn script_next(v: (u64, u64, u64), bump: u8) -> (u64, u64, u64) {
    let (major, minor, patch) = v;
    if major == 0 {
        return if bump == 3 {
            (0, minor + 1, 0)
        } else {
            (0, minor, patch + 1)
        };
    }
    match bump {
        3 => (major + 1, 0, 0),
        2 => (major, minor + 1, 0),
        _ => (major, minor, patch + 1),
    }
}

fn version() -> impl Strategy<Value = Version> {
    (0..3u64, 0..20u64, 0..20u64).prop_map(|(a, b, c)| Version::new(a, b, c))
}

fn any_policy() -> impl Strategy<Value = BumpPolicy> {
    (
        prop::sample::select(Bump::ALL.to_vec()),
        prop::sample::select(Bump::ALL.to_vec()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(other, non_conventional, major, minor)| {
            let mut p = BumpPolicy::default();
            p.other_types = other;
            p.non_conventional = non_conventional;
            if major {
                p.zero_breaking = ZeroBreaking::BumpMajor;
            }
            if minor {
                p.zero_features = ZeroFeatures::BumpMinor;
            }
            p
        })
}

fn channel() -> impl Strategy<Value = ReleaseChannel> {
    prop_oneof![
        Just(ReleaseChannel::Stable),
        prop::sample::select(vec!["alpha", "beta", "rc"])
            .prop_map(|c| ReleaseChannel::pre(c).expect("valid channel")),
    ]
}

proptest! {
    #[test]
    fn default_policy_reproduces_the_generator(
        messages in prop::collection::vec(generated_message(), 1..25),
        current in version(),
    ) {
        let changes: Vec<Change> =
            messages.iter().enumerate().map(|(i, (m, _))| change(i, m)).collect();
        let script_bump = messages.iter().map(|(_, b)| *b).max().expect("non-empty");
        let decision = BumpPolicy::default().decide(&changes, Some(&current));
        let next = next_version(Some(&current), decision.bump, &ReleaseChannel::Stable)
            .expect("stable bumps do not fail");
        if script_bump == 0 {
            prop_assert_eq!(next, None);
        } else {
            let (a, b, c) = script_next((current.major, current.minor, current.patch), script_bump);
            prop_assert_eq!(next, Some(Version::new(a, b, c)));
        }
        for (evidence, (_, bump)) in decision.evidence.iter().zip(
            messages.iter().filter(|(_, b)| *b > 0),
        ) {
            prop_assert_eq!(*bump == 3, matches!(evidence.reason, BumpReason::Breaking { .. }));
        }
    }

    #[test]
    fn the_bump_of_a_set_is_the_max_of_their_bumps(
        messages in prop::collection::vec(generated_message(), 0..25),
        current in prop::option::of(version()),
        policy in any_policy(),
    ) {
        let changes: Vec<Change> =
            messages.iter().enumerate().map(|(i, (m, _))| change(i, m)).collect();
        let decision = policy.decide(&changes, current.as_ref());
        let max = changes
            .iter()
            .map(|c| policy.decide([c], current.as_ref()).bump)
            .max()
            .unwrap_or(Bump::None);
        prop_assert_eq!(decision.bump, max);
        prop_assert!(decision.evidence.iter().all(|e| e.bump > Bump::None && e.bump <= max));
        prop_assert_eq!(decision.causes().count() > 0, max > Bump::None);
    }

    #[test]
    fn a_bump_never_lowers_a_version(
        (major, minor, patch) in (0..4u64, 0..4u64, 0..4u64),
        pre in prop::option::of((prop::sample::select(vec!["alpha", "beta", "rc"]), 0..4u64)),
        bump in prop::sample::select(Bump::ALL.to_vec()),
        channel in channel(),
    ) {
        let mut current = Version::new(major, minor, patch);
        if let Some((name, n)) = pre {
            current.pre = semver::Prerelease::new(&format!("{name}.{n}")).expect("valid");
        }
        prop_assert!(bump.apply(&current) >= Version::new(major, minor, patch));
        if let Ok(Some(next)) = next_version(Some(&current), bump, &channel) {
            prop_assert!(next > current, "{} -> {}", current, next);
        }
        if bump > Bump::None || !current.pre.is_empty() {
            // Only a backwards channel switch may refuse; stable always answers.
            if channel == ReleaseChannel::Stable {
                prop_assert!(matches!(next_version(Some(&current), bump, &channel), Ok(Some(_))));
            }
        }
    }
}
