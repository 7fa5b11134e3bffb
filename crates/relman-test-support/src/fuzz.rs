//! The fuzz harness shared by every crate's `tests/fuzz.rs` (see `docs/fuzzing.md`): seed
//! corpora, mutations of seeds (bit flips, truncations, removals, insertions of bytes or of the
//! format's tokens, splices of seeds), token soups, and a position check for parse errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use proptest::prelude::*;

/// The number of cases per property: `RELMAN_FUZZ_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("RELMAN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed corpus in `dir` (a crate's `tests/fuzz/<name>/`): every file, in name order, read
/// once per test binary.
pub fn corpus(dir: &Path) -> &'static [Vec<u8>] {
    type Corpora = Mutex<BTreeMap<PathBuf, &'static [Vec<u8>]>>;
    static CORPORA: OnceLock<Corpora> = OnceLock::new();
    let corpora = CORPORA.get_or_init(Default::default);
    let mut corpora = corpora
        .lock()
        .expect("no test panicked while holding the lock");
    corpora.entry(dir.to_path_buf()).or_insert_with(|| {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
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
pub enum Mutation {
    /// Flips one bit.
    Flip {
        /// Where.
        at: usize,
        /// Which bit, 0 to 7.
        bit: u8,
    },
    /// Cuts the input at `at`.
    Truncate {
        /// Where.
        at: usize,
    },
    /// Removes up to `len` bytes.
    Remove {
        /// Where.
        at: usize,
        /// How many bytes at most.
        len: usize,
    },
    /// Inserts arbitrary bytes.
    Insert {
        /// Where.
        at: usize,
        /// What.
        bytes: Vec<u8>,
    },
    /// Inserts one of the format's tokens.
    Token {
        /// Where.
        at: usize,
        /// Which token (modulo their number).
        token: usize,
    },
    /// Inserts a range of a seed (the same one or another): duplicated or foreign structure.
    Splice {
        /// Where.
        at: usize,
        /// Which seed (modulo their number).
        seed: usize,
        /// Where the range starts in that seed.
        from: usize,
        /// How many bytes at most.
        len: usize,
    },
}

/// One [`Mutation`], weighted towards flips, tokens and splices.
pub fn mutation() -> impl Strategy<Value = Mutation> {
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
pub fn mutations() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
    (any::<usize>(), proptest::collection::vec(mutation(), 1..8))
}

/// Applies `mutations` to seed `seed` of `seeds`; `tokens` are the format's keywords.
pub fn mutate(seeds: &[Vec<u8>], tokens: &[&str], seed: usize, mutations: &[Mutation]) -> Vec<u8> {
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
pub fn token_soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        2 => (0..tokens.len()).prop_map(move |i| tokens[i].to_owned()),
        1 => any::<char>().prop_map(String::from),
        1 => (0u8..128).prop_map(|b| char::from(b).to_string()),
    ];
    proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

/// Whether the 1-based `line` and `column` (in characters; the column may point just past the
/// end of its line) lie within `text`.
pub fn within(text: &str, line: usize, column: usize) -> bool {
    line >= 1
        && column >= 1
        && text
            .split('\n')
            .nth(line - 1)
            .is_some_and(|l| column <= l.chars().count() + 1)
}
