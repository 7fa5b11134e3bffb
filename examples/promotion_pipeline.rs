//! A promotion pipeline on the durable journal store of relman-env: dev -> staging ->
//! production, where production is protected (one approval bound to the release digest) and
//! frozen over the year end. Three releases of `api` go through it: approvals, a failed
//! staging deployment, a freeze refusal with the time it lifts, an incident with a rollback to
//! the rollback target. The store is then reopened from disk to show that the state survived,
//! and the DORA metrics of production are computed from the ledger.
//!
//! `cargo run --example promotion_pipeline` (no arguments; the store lives in a temporary
//! directory that is deleted at the end). Every time is given explicitly: relman-env never
//! reads the clock.
#![allow(clippy::print_stdout)]

use chrono::{DateTime, Utc};
use relman::env::dora::{Band, Bands, dora_metrics};
use relman::env::store::{JournalStore, LineageId, Store};
use relman::env::{
    DeployReason, DeployRequest, EnvState, Event, EventKind, Lifecycle, Outcome, ShippedChange,
    can_deploy,
};
use relman::model::{
    ComponentId, Digest, Environment, EnvironmentId, PersonId, ReleaseId, Window, WindowKind,
};

type Error = Box<dyn std::error::Error>;

/// The journal store plus the small loop every writer runs: load, fold, decide, append at the
/// revision that was read (optimistic concurrency).
struct Pipeline {
    store: JournalStore<Event>,
    lifecycle: Lifecycle,
}

impl Pipeline {
    fn state(&mut self) -> Result<EnvState, Error> {
        Ok(EnvState::fold(&self.store.load()?))
    }

    /// Records one event at the current revision.
    fn record(&mut self, at: &str, by: Option<&str>, kind: EventKind) -> Result<(), Error> {
        let by = by.map(str::parse::<PersonId>).transpose()?;
        let revision = self.store.revision()?;
        self.store
            .append(revision, &[Event::new(time(at)?, by, kind)])?;
        Ok(())
    }

    /// Asks `can_deploy`; starts the deployment when allowed, prints the blockers otherwise.
    fn deploy(
        &mut self,
        at: &str,
        request: &DeployRequest,
        changes: Vec<ShippedChange>,
    ) -> Result<Outcome, Error> {
        let state = self.state()?;
        let now = time(at)?;
        let decision = can_deploy(&state, &self.lifecycle, request, now);
        let what = format!(
            "{} {} -> {}",
            request.component, request.version, request.env
        );
        if decision.outcome == Outcome::Refused {
            println!("{at}  refused  {what}");
            for blocker in &decision.blockers {
                println!("{:>22}- {blocker}", "");
            }
            if let Some(next) = decision.next_allowed_at {
                println!("{:>22}  next allowed at {next}", "");
            }
            return Ok(Outcome::Refused);
        }
        let event = Event::new(
            now,
            request.requester.clone(),
            EventKind::DeploymentStarted {
                env: request.env.clone(),
                component: request.component.clone(),
                version: request.version.clone(),
                release: request.release.clone(),
                reason: request.reason,
                changes,
            },
        );
        // Append at the revision the decision was made on: if another writer got in between,
        // this is a conflict and nothing is written.
        self.store.append(state.revision, &[event])?;
        println!("{at}  started  {what} ({})", reason(request.reason));
        Ok(Outcome::Allowed)
    }

    fn succeed(&mut self, at: &str, r: &DeployRequest) -> Result<(), Error> {
        println!("{at}  ok       {} {} in {}", r.component, r.version, r.env);
        self.record(
            at,
            None,
            EventKind::DeploymentSucceeded {
                env: r.env.clone(),
                component: r.component.clone(),
                version: r.version.clone(),
            },
        )
    }
}

fn reason(r: DeployReason) -> &'static str {
    match r {
        DeployReason::Planned => "planned",
        DeployReason::Rollback => "rollback",
        DeployReason::Promotion => "promotion",
        DeployReason::Hotfix => "hotfix",
    }
}

fn time(text: &str) -> Result<DateTime<Utc>, Error> {
    Ok(text.parse()?)
}

/// A deployment request by `ana` for release `api-<version>`, bound to `digest`.
fn request(env: &str, version: &str, digest: &Digest) -> Result<DeployRequest, Error> {
    let mut r = DeployRequest::new(env.parse()?, "api".parse()?, version.parse()?);
    r.release = Some(format!("api-{version}").parse()?);
    r.digest = Some(digest.clone());
    r.requester = Some("ana".parse()?);
    Ok(r)
}

fn shipped(id: &str, committed_at: &str) -> Result<ShippedChange, Error> {
    Ok(ShippedChange {
        id: id.parse()?,
        committed_at: time(committed_at)?,
    })
}

fn main() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let state_dir = dir.path().join("state");
    let envs = Environment::pipeline(
        ["dev", "staging", "production"].map(|n| n.parse().expect("valid environment name")),
    );
    // One phase per environment; production (protected) needs one approval.
    let lifecycle = Lifecycle::from_environments(&envs);
    let mut freeze = Window::new(
        "year-end freeze",
        WindowKind::Freeze,
        time("2026-12-20T00:00:00Z")?,
        time("2027-01-04T00:00:00Z")?,
    )?;
    freeze.environments = vec!["production".parse()?];

    let opened = JournalStore::<Event>::create(&state_dir, LineageId::new("example")?)?;
    let mut p = Pipeline {
        store: opened.store,
        lifecycle: lifecycle.clone(),
    };
    let t0 = "2026-12-01T09:00:00Z";
    p.record(
        t0,
        None,
        EventKind::EnvironmentsDeclared { environments: envs },
    )?;
    p.record(t0, None, EventKind::LifecycleDeclared { lifecycle })?;
    p.record(t0, None, EventKind::WindowDeclared { window: freeze })?;

    // Release 1.0.0: straight through, with an approval for production.
    let d100 = Digest::new("a100cafe")?;
    let r = request("dev", "1.0.0", &d100)?;
    let changes = vec![shipped("1a2b3c4d", "2026-11-30T15:00:00Z")?];
    p.deploy("2026-12-01T10:00:00Z", &r, changes.clone())?;
    p.succeed("2026-12-01T10:05:00Z", &r)?;
    let r = request("staging", "1.0.0", &d100)?;
    p.deploy("2026-12-01T11:00:00Z", &r, changes.clone())?;
    p.succeed("2026-12-01T11:10:00Z", &r)?;
    let r = request("production", "1.0.0", &d100)?;
    p.deploy("2026-12-01T13:00:00Z", &r, changes.clone())?; // refused: no approval yet
    let approve = |release: &str, digest: &Digest| -> Result<EventKind, Error> {
        Ok(EventKind::Approved {
            release: release.parse::<ReleaseId>()?,
            env: "production".parse()?,
            digest: digest.clone(),
        })
    };
    println!("2026-12-01T13:30:00Z  approved api-1.0.0 for production by bea");
    p.record(
        "2026-12-01T13:30:00Z",
        Some("bea"),
        approve("api-1.0.0", &d100)?,
    )?;
    p.deploy("2026-12-01T14:00:00Z", &r, changes)?;
    p.succeed("2026-12-01T14:20:00Z", &r)?;

    // Release 1.1.0: the first staging deployment fails, a retry succeeds.
    let d110 = Digest::new("b110cafe")?;
    let changes = vec![
        shipped("2b3c4d5e", "2026-12-07T10:00:00Z")?,
        shipped("3c4d5e6f", "2026-12-08T08:00:00Z")?,
    ];
    let r = request("dev", "1.1.0", &d110)?;
    p.deploy("2026-12-08T09:00:00Z", &r, changes.clone())?;
    p.succeed("2026-12-08T09:05:00Z", &r)?;
    let r = request("staging", "1.1.0", &d110)?;
    p.deploy("2026-12-08T10:00:00Z", &r, changes.clone())?;
    println!("2026-12-08T10:20:00Z  failed   api 1.1.0 in staging (migration timed out)");
    p.record(
        "2026-12-08T10:20:00Z",
        None,
        EventKind::DeploymentFailed {
            env: r.env.clone(),
            component: r.component.clone(),
            version: r.version.clone(),
            reason: "migration timed out".to_owned(),
        },
    )?;
    p.deploy("2026-12-08T11:00:00Z", &r, changes.clone())?;
    p.succeed("2026-12-08T11:10:00Z", &r)?;
    p.record(
        "2026-12-08T12:00:00Z",
        Some("bea"),
        approve("api-1.1.0", &d110)?,
    )?;
    let r = request("production", "1.1.0", &d110)?;
    p.deploy("2026-12-09T09:00:00Z", &r, changes)?;
    p.succeed("2026-12-09T09:15:00Z", &r)?;

    // Release 1.2.0: held by the freeze, shipped after it, then rolled back after an incident.
    let d120 = Digest::new("c120cafe")?;
    let changes = vec![shipped("4d5e6f70", "2026-12-18T16:00:00Z")?];
    for (env, start, done) in [
        ("dev", "2026-12-21T09:00:00Z", "2026-12-21T09:05:00Z"),
        ("staging", "2026-12-21T09:30:00Z", "2026-12-21T09:40:00Z"),
    ] {
        let r = request(env, "1.2.0", &d120)?;
        if p.deploy(start, &r, changes.clone())? == Outcome::Allowed {
            p.succeed(done, &r)?;
        }
    }
    p.record(
        "2026-12-21T10:00:00Z",
        Some("bea"),
        approve("api-1.2.0", &d120)?,
    )?;
    let r = request("production", "1.2.0", &d120)?;
    p.deploy("2026-12-21T11:00:00Z", &r, changes.clone())?; // refused: frozen
    p.deploy("2027-01-05T09:00:00Z", &r, changes)?;
    p.succeed("2027-01-05T09:20:00Z", &r)?;
    println!("2027-01-05T11:00:00Z  incident INC-7 opened on api 1.2.0 in production");
    p.record(
        "2027-01-05T11:00:00Z",
        Some("ana"),
        EventKind::IncidentOpened {
            id: "INC-7".to_owned(),
            env: r.env.clone(),
            component: r.component.clone(),
            version: r.version.clone(),
        },
    )?;
    let prod: EnvironmentId = "production".parse()?;
    let api: ComponentId = "api".parse()?;
    let state = p.state()?;
    let target = state
        .rollback_target(&prod, &api)
        .ok_or("no rollback target")?;
    println!(
        "                      rollback target of api in production: {} (deployed {})",
        target.version, target.started_at
    );
    let mut rollback = DeployRequest::new(prod.clone(), api.clone(), target.version.clone());
    rollback.reason = DeployReason::Rollback;
    rollback.requester = Some("ana".parse()?);
    p.deploy("2027-01-05T11:10:00Z", &rollback, Vec::new())?;
    p.succeed("2027-01-05T11:25:00Z", &rollback)?;
    p.record(
        "2027-01-05T11:30:00Z",
        Some("ana"),
        EventKind::IncidentResolved {
            id: "INC-7".to_owned(),
        },
    )?;

    // Reopen the store from disk: the state is the fold of the durable journal.
    let before = p.state()?;
    drop(p);
    let reopened = JournalStore::<Event>::open(&state_dir)?;
    assert!(reopened.diagnostics.is_empty(), "nothing to repair");
    let mut store = reopened.store;
    let after = EnvState::fold(&store.load()?);
    assert_eq!(before, after, "the reopened state equals the state before");
    println!(
        "\nreopened {} (lineage {}): revision {}, {} deployments",
        state_dir.display(),
        store.lineage(),
        after.revision,
        after.deployments.len()
    );
    for env in &after.environments {
        let running = after
            .current(&env.id, &api)
            .map_or_else(|| "-".to_owned(), |d| d.version.to_string());
        println!("  {:<10} api {running}", env.id.as_str());
    }

    // DORA metrics of production over December and the first week of January.
    let m = dora_metrics(
        &after,
        &prod,
        time("2026-12-01T00:00:00Z")?,
        time("2027-01-08T00:00:00Z")?,
        &Bands::dora_2021(),
    );
    let hours = |s: Option<i64>| {
        s.map_or_else(|| "-".to_owned(), |s| format!("{:.1} h", s as f64 / 3600.0))
    };
    let band = |b: Option<Band>| b.map_or_else(|| "no data".to_owned(), |b| format!("{b:?}"));
    println!(
        "\nDORA metrics of production ({} bands {}):",
        m.bands_source, m.bands_version
    );
    println!(
        "  deployment frequency {:.2}/day ({})",
        m.deployments_per_day,
        band(m.ratings.deployment_frequency)
    );
    println!(
        "  lead time median {} ({})",
        hours(m.lead_time.median_seconds),
        band(m.ratings.lead_time)
    );
    println!(
        "  change failure rate {:.0}% ({})",
        m.change_failure_rate.unwrap_or(0.0) * 100.0,
        band(m.ratings.change_failure_rate)
    );
    println!(
        "  time to restore median {} ({})",
        hours(m.recovery_time.median_seconds),
        band(m.ratings.recovery_time)
    );
    println!("  rework rate {:.0}%", m.rework_rate.unwrap_or(0.0) * 100.0);
    Ok(())
}
