//! A risk report: the Kamei change metrics of a small history computed from model changes,
//! the changes of the coming release scored with the default model shipped in
//! `crates/relman-risk/models/default.json` (each probability with its strongest reasons), the
//! release assessed as a whole (0-100 score, level, reasons, mitigations) and a risk register
//! sorted by likelihood × impact.
//!
//! `cargo run --example risk_report` (no arguments). The history is built in code; to score a
//! real repository, walk it with relman-git and `DiffStats::Compute` (see
//! `examples/changelog_from_repo.rs`) or run `relman risk`.
#![allow(clippy::print_stdout)]

use chrono::{DateTime, Duration, Utc};
use relman::model::{
    BumpPolicy, Change, DiffStat, Person, Rating, RiskCategory, RiskItem, RiskLevel,
};
use relman::risk::{
    FreezeProximity, MetricsTracker, ReleaseFactors, RiskModel, RiskRegister, assess_release,
    default_model,
};

type Error = Box<dyn std::error::Error>;

/// A metric value without trailing zeros: counts as integers, ratios with two decimals.
fn number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn main() -> Result<(), Error> {
    let start: DateTime<Utc> = "2026-10-01T09:00:00Z".parse()?;
    let ada = Person::new("Ada Park", "ada@example.org");
    let bo = Person::new("Bo Chen", "bo@example.org");
    let cy = Person::new("Cy Diaz", "cy@example.org");

    // A history, oldest first: (id, message, author, days after start, diff).
    let history: Vec<(&str, &str, &Person, i64, Vec<DiffStat>)> = vec![
        (
            "a1000001",
            "feat(api): add the orders endpoint",
            &ada,
            0,
            vec![
                DiffStat::new("api/orders.rs", 420, 0),
                DiffStat::new("api/mod.rs", 12, 1),
            ],
        ),
        (
            "a1000002",
            "test(api): cover orders",
            &ada,
            1,
            vec![DiffStat::new("api/tests/orders.rs", 180, 0)],
        ),
        (
            "a1000003",
            "feat(db): order tables",
            &bo,
            3,
            vec![
                DiffStat::new("db/schema.sql", 60, 0),
                DiffStat::new("db/migrate.rs", 90, 4),
            ],
        ),
        (
            "a1000004",
            "fix(api): orders pagination off by one",
            &bo,
            10,
            vec![DiffStat::new("api/orders.rs", 3, 3)],
        ),
        (
            "a1000005",
            "docs: orders guide",
            &cy,
            12,
            vec![DiffStat::new("docs/orders.md", 75, 0)],
        ),
        // The release being assessed: the last three changes.
        (
            "5e1f0a21",
            "fix(api): reject negative quantities",
            &ada,
            20,
            vec![DiffStat::new("api/orders.rs", 8, 2)],
        ),
        (
            "9c2d7b42",
            "feat(billing)!: charge orders through the new payment provider",
            &cy,
            21,
            vec![
                DiffStat::new("billing/provider.rs", 640, 210),
                DiffStat::new("billing/mod.rs", 40, 25),
                DiffStat::new("api/orders.rs", 55, 30),
                DiffStat::new("db/migrate.rs", 120, 15),
                DiffStat::new("config/payment.toml", 20, 12),
            ],
        ),
        (
            "c47e1d63",
            "chore: bump dependencies",
            &bo,
            22,
            vec![DiffStat::new("Cargo.lock", 40, 38)],
        ),
    ];
    let changes: Vec<Change> = history
        .into_iter()
        .map(
            |(id, message, author, day, diff)| -> Result<Change, Error> {
                let time = start + Duration::days(day);
                Ok(
                    Change::from_message(id.parse()?, message, author.clone(), time)
                        .with_diff(diff),
                )
            },
        )
        .collect::<Result<_, _>>()?;

    // Metrics of each change given everything before it (changes must carry diff stats).
    let mut tracker = MetricsTracker::new();
    let metrics = changes
        .iter()
        .map(|c| tracker.observe(c))
        .collect::<Result<Vec<_>, _>>()?;

    let model = default_model();
    let release = &changes[5..];
    println!(
        "change risk ({:?} model shipped with relman-risk):",
        model.kind()
    );
    let mut probabilities = Vec::new();
    for (change, m) in release.iter().zip(&metrics[5..]) {
        let why = model.explain(m);
        probabilities.push(why.probability);
        let reasons: Vec<String> = why
            .contributions
            .iter()
            .take(3)
            .map(|c| format!("{}={} ({:+.2})", c.feature, number(c.value), c.contribution))
            .collect();
        println!(
            "  {:.2}  {}  {}\n        {}",
            why.probability,
            &change.id.as_str()[..7],
            change.summary,
            reasons.join(", ")
        );
    }

    // Release risk: the change probabilities plus release-level factors.
    let bump = BumpPolicy::default()
        .decide(release, Some(&"1.4.2".parse()?))
        .bump;
    let mut factors = ReleaseFactors::default();
    factors.change_probabilities = probabilities;
    factors.bump = bump;
    factors.components = 3; // api, billing, db
    factors.dependents = 4;
    factors.missing_gates = 1; // no performance test evidence yet
    factors.freeze = FreezeProximity::Near;
    factors.change_failure_rate = Some(0.2);
    factors.days_since_last_release = Some(21.0);
    let risk = assess_release(&factors);
    println!(
        "\nrelease 1.4.2 -> next ({bump} bump): score {}/100, {}",
        risk.score, risk.level
    );
    for reason in &risk.reasons {
        println!("  +{:>5.1}  {}", reason.points, reason.factor);
    }
    let mitigations: Vec<String> = risk.mitigations.iter().map(ToString::to_string).collect();
    println!("  mitigations: {}", mitigations.join(", "));

    // A risk register: hand-entered items plus one for the release assessment.
    let rating = |n: u8| Rating::new(n);
    let mut register = RiskRegister::new();
    let mut provider = RiskItem::new(
        "R-1".parse()?,
        "new payment provider fails under load",
        RiskCategory::Technical,
        rating(3)?,
        rating(5)?,
    );
    provider.mitigation = Some("canary 5% of orders for a day".to_owned());
    provider.owner = Some("cy".parse()?);
    register.add(provider)?;
    let mut freeze = RiskItem::new(
        "R-2".parse()?,
        "release slips into the year-end freeze",
        RiskCategory::Schedule,
        rating(2)?,
        rating(3)?,
    );
    freeze.mitigation = Some("ship before 18 December or wait for January".to_owned());
    register.add(freeze)?;
    let likelihood = match risk.level {
        RiskLevel::Low => 1,
        RiskLevel::Medium => 2,
        RiskLevel::High => 3,
        RiskLevel::Critical => 4,
    };
    let mut assessed = RiskItem::new(
        "R-3".parse()?,
        format!("release risk score {} ({})", risk.score, risk.level),
        RiskCategory::Operational,
        rating(likelihood)?,
        rating(4)?,
    );
    assessed.mitigation = Some("rehearse the rollback to 1.4.2".to_owned());
    register.add(assessed)?;

    println!("\nrisk register (likelihood x impact):");
    for item in register.by_score() {
        println!(
            "  {:<4} {:>2} {:<8} {:<44} {}",
            item.id.as_str(),
            item.score(),
            item.level().to_string(),
            item.title,
            item.mitigation.as_deref().unwrap_or("-")
        );
    }
    let counts: Vec<String> = register
        .count_by_level()
        .iter()
        .map(|(level, n)| format!("{n} {level}"))
        .collect();
    println!("  by level: {}", counts.join(", "));
    Ok(())
}
