//! Fuzzing the two inputs of relman-plan: the configuration (`relman.toml`, [`config::parse`]
//! and the checks and engines built from it) and release plans
//! ([`ReleasePlan::from_json`]). Arbitrary text, token soup and mutations of the seed corpora
//! `tests/fuzz/config/` and `tests/fuzz/release-plan/` never panic; errors are typed,
//! non-empty and point inside the input; a plan that reads back is accepted again once
//! written. `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use std::path::Path;

use proptest::prelude::*;
use relman_plan::ReleasePlan;
use relman_plan::config::{self, LoadConfigError};
use relman_plan::plan::model::ReadPlanError;

const CONFIG_TOKENS: &[&str] = &[
    "\n",
    "[tags]\n",
    "[bump]\n",
    "[changelog]\n",
    "[changelog.skip]\n",
    "[[changelog.sections]]\n",
    "[[changelog.issues]]\n",
    "[pipeline.resources]\n",
    "[[pipeline.stages]]\n",
    "[approvals]\n",
    "[components.x]\n",
    "remote = ",
    "forge = \"gitea\"\n",
    "patterns = [\"v{version}\"]\n",
    "pattern = '(((('\n",
    "messages = ['(?i)^wip']\n",
    "stage = \"deploy\"\n",
    "duration = ",
    "4294967296",
    "-1",
    "0",
    "1e400",
    "high = ",
    "critical = ",
    "types = { feat = \"major\" }\n",
    "\"",
    "'",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    ".",
    "\"https://github.com/a/b\"",
    "\"ssh://git@host:99999/a/b.git\"",
    "window = { not_before = \"2026-12-02T08:00:00Z\" }\n",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "0",
    "-1",
    "1e400",
    "18446744073709551616",
    "\"schema_version\":1",
    "\"digest\":\"\"",
    "\"9999-12-31T23:59:59Z\"",
    "\"-262143-01-01T00:00:00Z\"",
    "\\u0000",
    "\\ud800",
    "é",
    "\n",
];

fn check_config(text: &str) -> Result<(), TestCaseError> {
    match config::parse(Path::new("relman.toml"), text) {
        Ok(config) => {
            if let Err(problem) = config.pipeline.validate() {
                prop_assert!(!problem.key.is_empty() && !problem.reason.is_empty());
            }
            if let Err(e) = config.changelog_engine(&"relman.toml") {
                prop_assert!(!e.to_string().is_empty());
            }
            let _ = (config.approval_policy(), config.bump.to_policy());
            let _ = (
                config.pipeline.stages_or_default(),
                config.pipeline.resources_or_default(),
            );
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let LoadConfigError::Invalid { line, column, .. } = e {
                prop_assert!(within(text, line, column), "{e:?} points outside {text:?}");
            }
        }
    }
    Ok(())
}

fn check_plan(text: &str) -> Result<(), TestCaseError> {
    match ReleasePlan::from_json(text) {
        Ok(plan) => {
            prop_assert!(plan.verify().is_ok());
            let written = serde_json::to_string(&plan).expect("a plan serializes");
            prop_assert!(ReleasePlan::from_json(&written).is_ok(), "{written}");
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let ReadPlanError::Syntax { line, column, .. } = e {
                prop_assert!(within(text, line, column), "{e:?} points outside {text:?}");
            }
        }
    }
    Ok(())
}

/// Reads `text` as a plan without checking its digest, then re-digests it: the mutated
/// content reaches the checks behind the digest, and what is written must read back.
fn check_redigested_plan(text: &str) -> Result<(), TestCaseError> {
    let Ok(mut plan) = serde_json::from_str::<ReleasePlan>(text) else {
        return Ok(());
    };
    let digest = plan.content_digest();
    plan.digest.clone_from(&digest);
    plan.change_request.digest = digest;
    let written = serde_json::to_string_pretty(&plan).expect("a plan serializes");
    match ReleasePlan::from_json(&written) {
        Ok(again) => prop_assert_eq!(again.digest, plan.digest),
        // Only a schema version other than this relman's is refused.
        Err(e) => prop_assert!(matches!(e, ReadPlanError::SchemaVersion { .. }), "{e:?}"),
    }
    Ok(())
}

#[test]
fn every_seed_is_checked() {
    let mut rejected = Vec::new();
    for seed in corpus("config") {
        let text = String::from_utf8_lossy(seed);
        check_config(&text).expect("a seed passes the checks");
        if let Err(e) = config::parse(Path::new("relman.toml"), &text) {
            rejected.push(e.to_string());
        }
    }
    // The corpus holds one configuration with an unknown key.
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    let plans = corpus("release-plan");
    for seed in plans {
        let text = String::from_utf8_lossy(seed);
        check_plan(&text).expect("a seed passes the checks");
        check_redigested_plan(&text).expect("a seed passes the checks");
    }
    ReleasePlan::from_json(&String::from_utf8_lossy(&plans[0])).expect("the golden plan reads");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn config_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_config(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn config_token_soup_never_panics(text in token_soup(CONFIG_TOKENS)) {
        check_config(&text)?;
    }

    #[test]
    fn config_mutated_seeds_never_panic((seed, edits) in mutations()) {
        let bytes = mutate(corpus("config"), CONFIG_TOKENS, seed, &edits);
        check_config(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn plan_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_plan(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn plan_token_soup_never_panics(text in token_soup(JSON_TOKENS)) {
        check_plan(&text)?;
    }

    #[test]
    fn plan_mutated_seeds_never_panic((seed, edits) in mutations()) {
        let bytes = mutate(corpus("release-plan"), JSON_TOKENS, seed, &edits);
        let text = String::from_utf8_lossy(&bytes);
        check_plan(&text)?;
        check_redigested_plan(&text)?;
    }
}

// ---- Fuzz harness (the same in every crate's `tests/fuzz.rs`; see docs/fuzzing.md) ----

/// The number of cases per property: `RELMAN_FUZZ_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("RELMAN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed corpus `tests/fuzz/<name>/`: every file, in name order.
fn corpus(name: &str) -> &'static [Vec<u8>] {
    type Corpora = std::sync::Mutex<std::collections::BTreeMap<String, &'static [Vec<u8>]>>;
    static CORPORA: std::sync::OnceLock<Corpora> = std::sync::OnceLock::new();
    let corpora = CORPORA.get_or_init(Default::default);
    let mut corpora = corpora
        .lock()
        .expect("no test panicked while holding the lock");
    corpora.entry(name.to_owned()).or_insert_with(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz")
            .join(name);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.expect("a readable directory entry").path())
            .collect();
        paths.sort();
        let seeds: Vec<Vec<u8>> = paths
            .iter()
            .map(|p| {
                std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
            })
            .collect();
        assert!(!seeds.is_empty(), "{} holds no seed", dir.display());
        Vec::leak(seeds)
    })
}

/// One edit of a seed; positions and lengths are taken modulo the current length.
#[derive(Debug, Clone)]
enum Mutation {
    /// Flips one bit.
    Flip { at: usize, bit: u8 },
    /// Cuts the input at `at`.
    Truncate { at: usize },
    /// Removes up to `len` bytes.
    Remove { at: usize, len: usize },
    /// Inserts arbitrary bytes.
    Insert { at: usize, bytes: Vec<u8> },
    /// Inserts one of the format's tokens.
    Token { at: usize, token: usize },
    /// Inserts a range of a seed (the same one or another): duplicated or foreign structure.
    Splice {
        at: usize,
        seed: usize,
        from: usize,
        len: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>();
    prop_oneof![
        3 => (n, 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        1 => n.prop_map(|at| Mutation::Truncate { at }),
        2 => (n, 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        2 => (n, proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        3 => (n, n).prop_map(|(at, token)| Mutation::Token { at, token }),
        2 => (n, n, n, 1usize..256)
            .prop_map(|(at, seed, from, len)| Mutation::Splice { at, seed, from, len }),
    ]
}

/// A seed index and up to eight mutations of it.
fn mutations() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
    (any::<usize>(), proptest::collection::vec(mutation(), 1..8))
}

/// Applies `mutations` to seed `seed` of `seeds`; `tokens` are the format's keywords.
fn mutate(seeds: &[Vec<u8>], tokens: &[&str], seed: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut b = seeds[seed % seeds.len()].clone();
    for m in mutations {
        let at = |at: usize, b: &Vec<u8>| at % (b.len() + 1);
        match m {
            Mutation::Flip { at, bit } => {
                if !b.is_empty() {
                    let i = at % b.len();
                    b[i] ^= 1 << bit;
                }
            }
            Mutation::Truncate { at: i } => {
                let i = at(*i, &b);
                b.truncate(i);
            }
            Mutation::Remove { at: i, len } => {
                let i = at(*i, &b);
                let end = (i + len).min(b.len());
                b.drain(i..end);
            }
            Mutation::Insert { at: i, bytes } => {
                let i = at(*i, &b);
                b.splice(i..i, bytes.iter().copied());
            }
            Mutation::Token { at: i, token } => {
                let i = at(*i, &b);
                let token = tokens[token % tokens.len()].as_bytes();
                b.splice(i..i, token.iter().copied());
            }
            Mutation::Splice {
                at: i,
                seed,
                from,
                len,
            } => {
                let other = &seeds[seed % seeds.len()];
                if !other.is_empty() {
                    let from = from % other.len();
                    let end = (from + len).min(other.len());
                    let i = at(*i, &b);
                    b.splice(i..i, other[from..end].iter().copied());
                }
            }
        }
    }
    b
}

/// Text made of the format's tokens and arbitrary characters: closer to the grammar than
/// arbitrary bytes, so it reaches further into the parser.
fn token_soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        2 => (0..tokens.len()).prop_map(move |i| tokens[i].to_owned()),
        1 => any::<char>().prop_map(String::from),
        1 => (0u8..128).prop_map(|b| char::from(b).to_string()),
    ];
    proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

#[allow(dead_code)] // Not every parser reports positions.
/// Whether the 1-based `line` and `column` (in characters; the column may point just past the
/// end of its line) lie within `text`.
fn within(text: &str, line: usize, column: usize) -> bool {
    line >= 1
        && column >= 1
        && text
            .split('\n')
            .nth(line - 1)
            .is_some_and(|l| column <= l.chars().count() + 1)
}
