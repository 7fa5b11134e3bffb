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
use relman_test_support::fuzz::{cases, mutate, mutations, token_soup, within};

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
    "\"schema_version\":2",
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

/// The seed corpus `tests/fuzz/<name>/` of this crate.
fn corpus(name: &str) -> &'static [Vec<u8>] {
    relman_test_support::fuzz::corpus(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz")
            .join(name),
    )
}
