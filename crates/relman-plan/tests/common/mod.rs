//! An in-memory history builder for relman-plan's tests: commits with one touched path each,
//! tags by name, workspace members.

#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use relman_model::change::{Change, DiffStat, Person};
use relman_model::history::{MemoryHistory, VersionTag};
use relman_model::{Component, ComponentId, Dependency, DependencyKind, NamedTag, Version};
use relman_plan::config::Config;
use relman_plan::units::{Unit, UnitInputs, release_units};

/// A linear history built commit by commit.
#[derive(Default)]
pub struct History {
    pub memory: MemoryHistory,
    pub tags: Vec<NamedTag>,
    count: usize,
}

impl History {
    pub fn new() -> Self {
        Self::default()
    }

    /// A commit with `message` touching `path` (one line added).
    pub fn commit(&mut self, message: &str, path: &str) -> &mut Self {
        self.count += 1;
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("a valid time")
            + Duration::hours(i64::try_from(self.count).expect("few commits"));
        let id = format!("c{:04}", self.count);
        let change = Change::from_message(
            id.parse().expect("a valid change id"),
            message,
            Person::new("Ada Park", "ada@example.org"),
            at,
        )
        .with_diff(vec![DiffStat::new(path, 1, 0)]);
        self.memory.push(change);
        self
    }

    /// Tags the last commit `name` (the version is read off the name for the port's listing).
    pub fn tag(&mut self, name: &str) -> &mut Self {
        let target = format!("c{:04}", self.count).parse().expect("a valid id");
        let version = relman_plan_version(name);
        self.memory
            .tag(VersionTag::new(name, target, None, version));
        self.tags.push(NamedTag::new(
            name,
            format!("c{:04}", self.count).parse().expect("id"),
        ));
        self
    }
}

/// The SemVer version at the end of a tag name.
fn relman_plan_version(name: &str) -> Version {
    (0..name.len())
        .find_map(|i| Version::parse(&name[i..]).ok())
        .expect("a tag ending in a version")
}

/// A workspace member at `crates/NAME`.
pub fn member(name: &str, version: &str) -> Component {
    Component::new(
        name.parse().expect("a valid name"),
        version.parse().expect("a valid version"),
    )
    .with_path(format!("crates/{name}"))
}

/// `member` depending on `on` with requirement `req`.
pub fn depends(member: Component, on: &str, req: &str) -> Component {
    member.with_dependency(Dependency::new(
        on.parse().expect("a valid name"),
        DependencyKind::Normal,
        Some(req.parse().expect("a valid requirement")),
    ))
}

/// The units of `history` with `members`, where `members_at` answers `members` for every
/// commit.
pub fn units(config: &Config, members: &[Component], history: &History) -> Vec<Unit> {
    let fallback: ComponentId = "repo".parse().expect("a valid name");
    let inputs = UnitInputs::new(members, &history.tags, &fallback, "relman.toml");
    let at = members.to_vec();
    release_units(config, &inputs, &move |_| Some(at.clone())).expect("valid units")
}

/// `units` with `members_at` answering nothing (manifests of past commits unknown).
pub fn units_without_past(config: &Config, members: &[Component], history: &History) -> Vec<Unit> {
    let fallback: ComponentId = "repo".parse().expect("a valid name");
    let inputs = UnitInputs::new(members, &history.tags, &fallback, "relman.toml");
    release_units(config, &inputs, &|_| None).expect("valid units")
}

/// A configuration from TOML text.
pub fn config(text: &str) -> Config {
    relman_plan::config::parse(std::path::Path::new("relman.toml"), text).expect("valid config")
}
