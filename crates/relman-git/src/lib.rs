//! The git adapter of relman.
//!
//! `relman-git` reads a git repository (work tree or bare) into [`relman_model`] values: tags as
//! component versions, commits in a range as changes, optional per-commit diff stats. It is the
//! only relman crate that links libgit2.
#![forbid(unsafe_code)]
