//! Embedding the release scheduler: a release task graph built in code (tasks, resources,
//! precedences with lags, a deadline, a working-time calendar with a freeze), scheduled under
//! its resource limits, then reported as text (critical path and slack), a Mermaid Gantt chart
//! and an iCalendar file.
//!
//! `cargo run --example embed_scheduler` (no arguments; writes nothing, prints to stdout).
#![allow(clippy::print_stdout)]

use chrono::{DateTime, NaiveTime, TimeZone, Utc, Weekday};
use relman::graph::{
    Blackout, Calendar, Plan, Precedence, PrecedenceKind, Resource, ResourceId, ScheduleReport,
    SearchOptions, Task, TimeScale, TimeUnit, critical_path, search, to_ics, to_mermaid, verify,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Resources: two CI runners, one production deploy slot, one release engineer.
    let ci: ResourceId = "ci".parse()?;
    let deploy: ResourceId = "prod-deploy".parse()?;
    let team: ResourceId = "release-team".parse()?;
    let resources = vec![
        Resource::new(ci.clone(), 2),
        Resource::new(deploy.clone(), 1),
        Resource::new(team.clone(), 1),
    ];

    // Tasks, durations in working hours.
    let mut deploy_us = Task::new("deploy-us".parse()?, 2)
        .with_demand(deploy.clone(), 1)
        .with_demand(team.clone(), 1);
    deploy_us.deadline = Some(24); // must be done within three working days
    let tasks = vec![
        Task::new("build".parse()?, 2).with_demand(ci.clone(), 1),
        Task::new("unit-tests".parse()?, 3).with_demand(ci.clone(), 1),
        Task::new("integration-tests".parse()?, 4).with_demand(ci.clone(), 2),
        Task::new("changelog".parse()?, 1).with_demand(team.clone(), 1),
        Task::new("approve".parse()?, 0), // a milestone
        Task::new("deploy-staging".parse()?, 2).with_demand(deploy.clone(), 1),
        Task::new("deploy-eu".parse()?, 2)
            .with_demand(deploy.clone(), 1)
            .with_demand(team.clone(), 1),
        deploy_us,
    ];

    let fs = |from: &str, to: &str| -> Result<Precedence, relman::graph::ParseIdError> {
        Ok(Precedence::finish_to_start(from.parse()?, to.parse()?))
    };
    let precedences = vec![
        fs("build", "unit-tests")?,
        fs("build", "integration-tests")?,
        // The changelog may start one hour after the build starts.
        Precedence::new(
            "build".parse()?,
            "changelog".parse()?,
            PrecedenceKind::StartToStart,
            1,
        ),
        fs("unit-tests", "approve")?,
        fs("integration-tests", "approve")?,
        fs("changelog", "approve")?,
        fs("approve", "deploy-staging")?,
        // One hour of soak time on staging before production.
        Precedence::new(
            "deploy-staging".parse()?,
            "deploy-eu".parse()?,
            PrecedenceKind::FinishToStart,
            1,
        ),
        fs("deploy-eu", "deploy-us")?,
    ];

    // Plan::new validates ids, cycles, capacities and deadlines.
    let plan = Plan::new(tasks, resources, precedences)?;

    // The critical path ignoring resources (critical path method).
    let cpm = critical_path(&plan);
    println!(
        "critical path without resource limits ({} h):",
        cpm.makespan
    );
    let path: Vec<&str> = cpm
        .critical
        .iter()
        .map(|&j| plan.tasks()[j].id.as_str())
        .collect();
    println!("  {}", path.join(" -> "));
    for (j, task) in plan.tasks().iter().enumerate() {
        if !cpm.is_critical(j) {
            println!("  slack of {}: {} h", task.id, cpm.slack(j));
        }
    }

    // A resource-constrained schedule: a seeded, bounded search, so the result is reproducible.
    let out = search(&plan, &SearchOptions::new(7, 5_000))?;
    assert!(
        verify(&plan, &out.schedule).is_empty(),
        "search output is feasible"
    );

    // Map plan hours to dates: Mon-Fri 09:00-17:00 UTC, minus an all-hands blackout.
    let start: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .ok_or("date")?;
    let calendar = Calendar::new(
        vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        NaiveTime::from_hms_opt(9, 0, 0).ok_or("time")?,
        NaiveTime::from_hms_opt(17, 0, 0).ok_or("time")?,
        vec![Blackout {
            label: "all-hands".to_owned(),
            from: Utc
                .with_ymd_and_hms(2026, 1, 6, 9, 0, 0)
                .single()
                .ok_or("date")?,
            to: Utc
                .with_ymd_and_hms(2026, 1, 6, 13, 0, 0)
                .single()
                .ok_or("date")?,
        }],
    )?;
    let scale = TimeScale::with_calendar(start, TimeUnit::Hour, calendar);

    let report = ScheduleReport::new(&plan, &out.schedule, &scale);
    println!(
        "\nschedule: makespan {} h (lower bound {}), ends {}",
        out.makespan,
        out.lower_bound,
        report.finish_at.format("%Y-%m-%d %H:%M UTC")
    );
    for task in &report.tasks {
        println!(
            "{} {:<18} {} -> {}",
            if task.critical { "*" } else { " " },
            task.id,
            task.start_at.format("%a %Y-%m-%d %H:%M"),
            task.finish_at.format("%a %H:%M"),
        );
    }

    println!("\nMermaid gantt:\n");
    print!(
        "{}",
        to_mermaid(&plan, &out.schedule, &scale, "release 1.4")
    );

    // The iCalendar DTSTAMP is an argument (libraries never read the clock).
    let ics = to_ics(&plan, &out.schedule, &scale, start, "relman.example");
    let events = ics.matches("BEGIN:VEVENT").count();
    println!(
        "\niCalendar: {events} events, {} bytes; first lines:",
        ics.len()
    );
    for line in ics.lines().take(8) {
        println!("  {line}");
    }
    Ok(())
}
