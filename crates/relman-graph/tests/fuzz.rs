//! Fuzzing the two inputs of relman-graph: PSPLIB `.sm` files ([`parse_sm`]) and TOML plan
//! files ([`PlanFile`], then [`PlanFile::schedule`] with a small search budget and every
//! export). Arbitrary text, token soup and mutations of the seed corpora `tests/fuzz/sm/` and
//! `tests/fuzz/plan-file/` never panic; errors are typed, non-empty and point inside the input.
//! `RELMAN_FUZZ_CASES` raises the number of cases (docs/fuzzing.md).

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use relman_graph::{ParseSmError, PlanExport, PlanFile, parse_sm};

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
