//! Changelog and release-notes generation.
//!
//! `relman-changelog` groups [`relman_model`] changes into sections, renders Keep a Changelog
//! Markdown, JSON or user templates, and updates an existing `CHANGELOG.md` in place.
//!
//! It is pure: model values in, text out. It does not read repositories or files.
#![forbid(unsafe_code)]

pub mod document;
