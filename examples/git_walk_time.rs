//! One timed pass of each history walk over a repository, next to the `git log` walk it
//! replaces: a quick way to get the ratios the `git_walk` bench measures more carefully.
//!
//! `cargo run --release --example git_walk_time -- REPO [numstat|changes] [RANGE]` (RANGE
//! defaults to `HEAD`). `RELMAN_THREADS` sets the reader threads of the numstat walk (default 2).
//! `RELMAN_ONLY=1` skips `git log`, to measure the walk alone (e.g. its CPU time and peak
//! memory with `/usr/bin/time -v`).
#![allow(clippy::print_stdout)]

use std::ops::ControlFlow;
use std::process::{Command, Stdio};
use std::time::Instant;

use relman::git::{DiffStats, GitRepository, Merges, WalkOptions};
use relman::model::RevisionRange;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: git_walk_time REPO [numstat|changes] [RANGE]")?;
    let numstat = args.next().as_deref() == Some("numstat");
    let range_text = args.next().unwrap_or_else(|| "HEAD".to_owned());
    let range: RevisionRange = range_text.parse()?;
    if std::env::var_os("RELMAN_VERIFY_OBJECTS").is_none() {
        relman::git::set_object_verification(relman::git::ObjectVerification::Trust);
    }
    let repo = GitRepository::open(&path)?;

    let only = std::env::var_os("RELMAN_ONLY").is_some();
    let time_git = |git_args: &[&str]| -> Result<f64, Box<dyn std::error::Error>> {
        if only {
            return Ok(f64::NAN);
        }
        let start = Instant::now();
        let status = Command::new("git")
            .arg("-C")
            .arg(&path)
            .args(git_args)
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            return Err("git log failed".into());
        }
        Ok(start.elapsed().as_secs_f64())
    };
    let time_walk = |options: &WalkOptions| -> Result<(f64, usize), Box<dyn std::error::Error>> {
        let start = Instant::now();
        let mut n = 0;
        repo.walk_with(&range, options, &mut |c| {
            n += 1;
            std::hint::black_box(c);
            ControlFlow::Continue(())
        })?;
        Ok((start.elapsed().as_secs_f64(), n))
    };

    let mut options = WalkOptions::new();
    options.merges(Merges::Include);
    if numstat {
        let threads = std::env::var("RELMAN_THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(2);
        options.diff(DiffStats::Compute).threads(threads);
        let (relman, n) = time_walk(&options)?;
        let git = time_git(&["log", "--numstat", &range_text])?;
        println!(
            "numstat: git log {git:.2} s, relman {relman:.2} s ({n} changes, {threads} threads): ratio {:.2}",
            relman / git
        );
    } else {
        let git = time_git(&["log", "--format=%H%x00%an%x00%at%x00%s%x00%b", &range_text])?;
        let (one, n) = time_walk(&options)?;
        options.threads(2);
        let (two, _) = time_walk(&options)?;
        println!(
            "changes: git log {git:.2} s, relman {one:.2} s on 1 thread (ratio {:.2}), {two:.2} s on 2 (ratio {:.2}), {n} changes",
            one / git,
            two / git
        );
    }
    Ok(())
}
