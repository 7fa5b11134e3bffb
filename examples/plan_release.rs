//! Plans the next release of a repository through the library, as `relman plan` does:
//! release units, next versions with their evidence, waves, risk and the plan's digest.
//!
//! `cargo run --example plan_release -- [PATH]` (default: this repository).
#![allow(clippy::print_stdout)]

use chrono::{TimeZone, Utc};
use relman::plan::repo::plan_repository;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    // Libraries never read the clock: the schedule's hour 0 is an argument.
    let start = Utc
        .with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .single()
        .ok_or("bad date")?;
    let planned = plan_repository(&path, start)?;
    let plan = &planned.plan;
    for c in &plan.components {
        let current = c.current.as_deref().unwrap_or("(none)");
        let next = if c.release { c.next.as_str() } else { "-" };
        println!(
            "{:<20} {current:>10} -> {next:<10} {} ({} changes)",
            c.name, c.bump, c.changes
        );
        for reason in &c.reasons {
            println!("{:<20} {reason}", "");
        }
    }
    for (i, wave) in plan.waves.iter().enumerate() {
        println!("wave {}: {}", i + 1, wave.join(", "));
    }
    println!("risk: {} ({})", plan.risk.level, plan.risk.score);
    println!("digest: sha256:{}", plan.digest);
    plan.verify()?;
    Ok(())
}
