//! Property tests of cutting a history into releases ([`relman_changelog::cut`]).

use std::ops::ControlFlow;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use relman_changelog::cut::{Cut, ReleaseTags, Scope, cut};
use relman_model::change::{Change, Person};
use relman_model::history::{HistorySource, MemoryHistory, Revision, RevisionRange, VersionTag};
use relman_model::{ChangeId, Version};

/// A history of `n` changes and tags `(change index, version)` on them (several per change,
/// versions in any order), with a scope over it.
fn history() -> impl Strategy<Value = (MemoryHistory, Scope)> {
    (1usize..40)
        .prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec((0..n, 0u64..4, 0u64..6), 0..12),
                0u8..4,
                0..n,
                0..n,
            )
        })
        .prop_map(|(n, tags, scope, a, b)| {
            let ada = Person::new("Ada Park", "ada@example.org");
            let mut h = MemoryHistory::new();
            for i in 0..n {
                let at = Utc
                    .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                    .single()
                    .expect("valid date")
                    + chrono::Duration::hours(i64::try_from(i).expect("small"));
                h.push(Change::from_message(
                    id(i),
                    &format!("feat: change {i}"),
                    ada.clone(),
                    at,
                ));
            }
            for (k, (at, minor, patch)) in tags.into_iter().enumerate() {
                h.tag(VersionTag::new(
                    format!("r{k}"),
                    id(at),
                    None,
                    Version::new(0, minor, patch),
                ));
            }
            let scope = match scope {
                0 => Scope::All,
                1 => Scope::Unreleased,
                2 => Scope::Latest,
                _ => Scope::Range(RevisionRange::new(
                    Some(Revision::new(id(a).to_string()).expect("revision")),
                    Revision::new(id(b).to_string()).expect("revision"),
                )),
            };
            (h, scope)
        })
}

fn id(i: usize) -> ChangeId {
    format!("c{i}").parse().expect("id")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The cuts partition the walked changes: concatenated in emission order they are the
    /// walk of the scope's range (every change in exactly one cut, order kept), and each
    /// tagged cut starts with its tag's change, tagged with that change's highest version.
    #[test]
    fn cuts_partition_the_walked_changes((h, scope) in history()) {
        let tags = ReleaseTags::new(h.version_tags(&Revision::head()).expect("tags"));
        if scope == Scope::Latest && tags.is_empty() {
            return Ok(());
        }
        let mut cuts: Vec<Cut> = Vec::new();
        cut(&h, &scope, &tags, &mut |c| {
            cuts.push(c);
            ControlFlow::Continue(())
        })
        .expect("walks");
        let range = scope.range(&tags).expect("range");
        let walked: Vec<ChangeId> =
            h.changes(&range).expect("walks").into_iter().map(|c| c.id).collect();
        let concatenated: Vec<ChangeId> = cuts
            .iter()
            .flat_map(|c| c.changes.iter().map(|c| c.id.clone()))
            .collect();
        prop_assert_eq!(&concatenated, &walked);
        for (i, c) in cuts.iter().enumerate() {
            match &c.tag {
                None => prop_assert!(i == 0 && scope != Scope::Latest, "untagged cut {}", i),
                Some(tag) => {
                    prop_assert_eq!(c.changes.first().map(|c| &c.id), Some(&tag.target));
                    let highest = tags
                        .as_slice()
                        .iter()
                        .filter(|t| t.target == tag.target)
                        .map(|t| &t.version)
                        .max();
                    prop_assert_eq!(Some(&tag.version), highest);
                    // No other tagged change inside the cut.
                    for change in &c.changes[1..] {
                        prop_assert!(tags.as_slice().iter().all(|t| t.target != change.id));
                    }
                }
            }
        }
    }
}

/// The cut types cross threads, and their errors can be wrapped by anyhow or a caller's enum.
#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    send_sync::<Scope>();
    send_sync::<ReleaseTags>();
    send_sync::<Cut>();
    send_sync::<relman_changelog::cut::NextRelease>();
    send_sync::<relman_changelog::cut::PendingRelease>();
    send_sync::<relman_changelog::cut::Prepended>();
    send_sync::<relman_changelog::cut::MarkdownDocument<'static>>();
    error::<relman_changelog::cut::CutError<relman_model::UnknownRevisionError>>();
    error::<relman_changelog::cut::ScopeRangeError>();
    error::<relman_changelog::cut::ParseNextReleaseError>();
    error::<relman_changelog::cut::PrependError>();
}

/// v0.9.0, then 1.0.0-rc.1 and 1.0.0-rc.2, then 1.0.0, one change each step (oldest first).
fn candidates() -> MemoryHistory {
    candidates_tagged(4)
}

/// The steps of [`candidates`], only the first `tagged` of them tagged.
fn candidates_tagged(tagged: usize) -> MemoryHistory {
    let ada = Person::new("Ada Park", "ada@example.org");
    let mut h = MemoryHistory::new();
    let steps = [
        ("feat: old", "v0.9.0", "0.9.0"),
        ("feat: in rc.1", "v1.0.0-rc.1", "1.0.0-rc.1"),
        ("fix: in rc.2", "v1.0.0-rc.2", "1.0.0-rc.2"),
        ("fix: in 1.0.0", "v1.0.0", "1.0.0"),
    ];
    for (i, (message, tag, version)) in steps.into_iter().enumerate() {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1 + u32::try_from(i).expect("small"), 0, 0, 0)
            .single()
            .expect("valid date");
        h.push(Change::from_message(id(i), message, ada.clone(), at));
        if i >= tagged {
            continue;
        }
        h.tag(VersionTag::new(
            tag,
            id(i),
            None,
            version.parse().expect("version"),
        ));
    }
    h
}

/// (tag, summaries, previous tag) of each emitted release.
fn releases(
    h: &MemoryHistory,
    tags: &ReleaseTags,
    scope: &Scope,
) -> Vec<(String, Vec<String>, Option<String>)> {
    let mut out = Vec::new();
    cut(h, scope, tags, &mut |c| {
        if let Some(input) = relman_changelog::cut::input(&c, tags, None, scope) {
            out.push((
                input.tag.clone().unwrap_or_default(),
                input.changes.iter().map(|c| c.summary.clone()).collect(),
                input.previous_tag.clone(),
            ));
        }
        ControlFlow::Continue(())
    })
    .expect("walks");
    out
}

#[test]
fn a_stable_release_after_candidates_lists_everything_since_the_previous_stable() {
    use relman_changelog::cut::PrereleaseChanges;
    let h = candidates();
    let head = Revision::head();
    let own = ReleaseTags::new(h.version_tags(&head).expect("tags"));
    let all = own
        .clone()
        .with_prerelease_changes(PrereleaseChanges::AlsoInStable);
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let t = |x: &str| Some(x.to_owned());
    assert_eq!(
        releases(&h, &all, &Scope::All),
        vec![
            (
                "v1.0.0".to_owned(),
                s(&["fix: in 1.0.0", "fix: in rc.2", "feat: in rc.1"]),
                t("v0.9.0")
            ),
            (
                "v1.0.0-rc.2".to_owned(),
                s(&["fix: in rc.2"]),
                t("v1.0.0-rc.1")
            ),
            ("v1.0.0-rc.1".to_owned(), s(&["feat: in rc.1"]), t("v0.9.0")),
            ("v0.9.0".to_owned(), s(&["feat: old"]), None),
        ]
    );
    assert_eq!(
        releases(&h, &all, &Scope::Latest),
        vec![(
            "v1.0.0".to_owned(),
            s(&["fix: in 1.0.0", "fix: in rc.2", "feat: in rc.1"]),
            t("v0.9.0")
        )]
    );
    // Before tagging: the candidates' changes go into the next stable release too.
    let before = candidates_before_stable();
    let tags = ReleaseTags::new(before.version_tags(&head).expect("tags"))
        .with_prerelease_changes(PrereleaseChanges::AlsoInStable)
        .with_next_version("1.0.0".parse().expect("version"));
    assert_eq!(
        releases(&before, &tags, &Scope::Unreleased),
        vec![(
            String::new(),
            s(&["fix: in 1.0.0", "fix: in rc.2", "feat: in rc.1"]),
            t("v0.9.0")
        )]
    );
    // A next pre-release holds nothing more.
    let tags = ReleaseTags::new(before.version_tags(&head).expect("tags"))
        .with_prerelease_changes(PrereleaseChanges::AlsoInStable)
        .with_next_version("1.0.0-rc.3".parse().expect("version"));
    assert_eq!(
        releases(&before, &tags, &Scope::Unreleased),
        vec![(String::new(), s(&["fix: in 1.0.0"]), t("v1.0.0-rc.2"))]
    );
    // Configured off, each release lists only its own changes, as before.
    assert_eq!(
        releases(&h, &own, &Scope::Latest),
        vec![("v1.0.0".to_owned(), s(&["fix: in 1.0.0"]), t("v1.0.0-rc.2"))]
    );
}

/// [`candidates`] without the `v1.0.0` tag.
fn candidates_before_stable() -> MemoryHistory {
    candidates_tagged(3)
}
