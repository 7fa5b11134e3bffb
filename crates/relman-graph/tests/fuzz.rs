//! Fuzzing the two inputs of relman-graph: PSPLIB `.sm` files ([`parse_sm`]) and TOML plan
//! files ([`PlanFile`], then [`PlanFile::schedule`] with a small search budget and every
//! export). Arbitrary text, token soup and mutations of the seed corpora `tests/fuzz/sm/` and
//! `tests/fuzz/plan-file/` never panic; errors are typed, non-empty and point inside the input.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use relman_graph::{ParseSmError, PlanExport, PlanFile, parse_sm};
use relman_test_support::fuzz::{cases, mutate, mutations, token_soup, within};

const SM_TOKENS: &[&str] = &[
    "*****",
    "\n",
    " ",
    "  1",
    "0",
    "-1",
    "99999999999999999999",
    "jobs (incl. supersource/sink ):",
    "PRECEDENCE RELATIONS:",
    "REQUESTS/DURATIONS:",
    "RESOURCEAVAILABILITIES:",
    "R 1",
    "N 1",
    "  - renewable                 :",
    "  - nonrenewable              :  1   N",
    ":",
    "\t",
];

const PLAN_TOKENS: &[&str] = &[
    "\n",
    "[[tasks]]\n",
    "[[resources]]\n",
    "[[precedences]]\n",
    "[[freezes]]\n",
    "[calendar]\n",
    "id = \"x\"\n",
    "duration = ",
    "capacity = ",
    "deadline = ",
    "release = ",
    "lag = ",
    "=",
    "\"",
    "9223372036854775807",
    "-9223372036854775808",
    "0",
    "-1",
    "1e9",
    "{ x = 1 }",
    "\"2026-01-01T00:00:00Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "unit = \"minute\"\n",
    "unit = \"week\"\n",
    "kind = \"finish_to_finish\"\n",
    "[",
    "]",
    "#",
];

/// How many schedules [`PlanFile::schedule`] may try per case: enough to run the search,
/// small enough to keep the fuzzer fast.
const SCHEDULES: u64 = 4;

fn check_sm(text: &str) -> Result<(), TestCaseError> {
    match parse_sm(text) {
        Ok(plan) => prop_assert!(!plan.tasks().is_empty()),
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            match e {
                ParseSmError::Unexpected { line, column, .. }
                | ParseSmError::BadJob { line, column, .. } => {
                    prop_assert!(within(text, line, column), "{e:?} points outside the text");
                }
                ParseSmError::Unsupported { line, .. } => {
                    prop_assert!(within(text, line, 1), "{e:?} points outside the text");
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn now() -> DateTime<Utc> {
    "2026-12-05T09:00:00Z".parse().expect("a valid date")
}

fn check_plan_file(text: &str) -> Result<(), TestCaseError> {
    let mut file: PlanFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let Some(span) = e.span() {
                prop_assert!(span.end <= text.len(), "{e:?} points outside the text");
            }
            return Ok(());
        }
    };
    file.schedules = file.schedules.min(SCHEDULES);
    match file.schedule("fuzz") {
        Ok(scheduled) => {
            for export in [
                PlanExport::Text,
                PlanExport::Mermaid,
                PlanExport::Svg,
                PlanExport::Ics,
                PlanExport::Dot,
            ] {
                prop_assert!(!scheduled.render(export, now()).is_empty());
            }
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

#[test]
fn every_seed_is_checked_and_valid() {
    for seed in corpus("sm") {
        let text = String::from_utf8_lossy(seed);
        check_sm(&text).expect("a seed passes the checks");
        parse_sm(&text).expect("the .sm seeds are valid");
    }
    for seed in corpus("plan-file") {
        let text = String::from_utf8_lossy(seed);
        check_plan_file(&text).expect("a seed passes the checks");
        let file: PlanFile = toml::from_str(&text).expect("the plan seeds are valid");
        assert!(!file.tasks.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn sm_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_sm(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn sm_token_soup_never_panics(text in token_soup(SM_TOKENS)) {
        check_sm(&text)?;
    }

    #[test]
    fn sm_mutated_seeds_never_panic((seed, edits) in mutations()) {
        let bytes = mutate(corpus("sm"), SM_TOKENS, seed, &edits);
        check_sm(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn plan_file_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_plan_file(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn plan_file_token_soup_never_panics(text in token_soup(PLAN_TOKENS)) {
        check_plan_file(&text)?;
    }

    #[test]
    fn plan_file_mutated_seeds_never_panic((seed, edits) in mutations()) {
        let bytes = mutate(corpus("plan-file"), PLAN_TOKENS, seed, &edits);
        check_plan_file(&String::from_utf8_lossy(&bytes))?;
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
