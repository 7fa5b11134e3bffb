//! `Deployer` against real processes: each environment is a fixture HTTP service on 127.0.0.1
//! (`fixtures/service.py`), the deploy command (`fixtures/deploy.sh`) switches its version and
//! the health check (`fixtures/health.py`) requests it.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use relman_deploy::config::EnvironmentConfig;
use relman_deploy::{
    Clock, DeployOptions, DeployOutcome, Deployer, InDoubtResolution, PromoteAction,
    PromoteRequest, Refusal,
};
use relman_env::store::{LineageId, MemoryStore, Revision, Store};
use relman_env::{
    AutoPromote, Blocker, CommandStatus, DeployReason, DeployRequest, DeployStep, DeploymentStatus,
    EnvState, Event, EventKind, Lifecycle,
};
use relman_model::{ApprovalRule, Environment, EnvironmentId, Window, WindowKind};
use support::Service;

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("a valid id")
}

/// A ledger with `envs` declared and a lifecycle where each environment needs the previous
/// one, without approvals; the phases after the first promote automatically when `auto`.
fn ledger(envs: &[&str], auto: bool) -> MemoryStore<Event> {
    let environments = Environment::pipeline(envs.iter().map(|e| id(e)));
    let mut lifecycle = Lifecycle::from_environments(&environments);
    for (i, p) in lifecycle.phases.iter_mut().enumerate() {
        p.approvals = ApprovalRule::none();
        if auto && i > 0 {
            p.auto_promote = AutoPromote::On;
        }
    }
    let now = Utc::now();
    let mut store = MemoryStore::new(LineageId::new("test").expect("lineage"));
    store
        .append(
            Revision::ZERO,
            &[
                Event::new(now, None, EventKind::EnvironmentsDeclared { environments }),
                Event::new(now, None, EventKind::LifecycleDeclared { lifecycle }),
            ],
        )
        .expect("declared");
    store
}

fn settings(envs: &[&str]) -> BTreeMap<EnvironmentId, EnvironmentConfig> {
    envs.iter()
        .map(|e| {
            let config: EnvironmentConfig = toml::from_str(
                support::environment_toml(e, "10s")
                    .split_once('\n')
                    .map(|(_, rest)| {
                        rest.replace(&format!("[environments.{e}.health]"), "[health]")
                    })
                    .expect("a table")
                    .as_str(),
            )
            .expect("valid settings");
            (id(e), config)
        })
        .collect()
}

fn options(workdir: &Path) -> DeployOptions {
    let mut options = DeployOptions::default();
    options.workdir = workdir.to_path_buf();
    options
}

fn request(env: &str, version: &str) -> DeployRequest {
    let mut r = DeployRequest::new(id(env), id("api"), id(version));
    r.requester = Some(id("ana"));
    r
}

fn promotion(version: &str) -> PromoteRequest {
    let mut r = PromoteRequest::new(id("api"), id(version));
    r.requester = Some(id("ana"));
    r
}

fn state(store: &mut MemoryStore<Event>) -> EnvState {
    EnvState::fold(&store.load().expect("loads"))
}

fn kinds(store: &mut MemoryStore<Event>) -> Vec<EventKind> {
    store
        .load()
        .expect("loads")
        .into_iter()
        .map(|r| r.event.kind)
        .collect()
}

#[test]
fn promotes_dev_staging_production_through_auto_promotion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = ["dev", "staging", "production"];
    let services: Vec<Service> = envs
        .iter()
        .map(|e| Service::start(dir.path(), e, Some("0.9.0")))
        .collect();
    let mut store = ledger(&envs, true);
    let settings = settings(&envs);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));

    let report = deployer.promote(&promotion("1.0.0")).expect("promotes");
    let actions: Vec<_> = report
        .steps
        .iter()
        .map(|s| (s.env.to_string(), s.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("dev".to_owned(), PromoteAction::Deployed),
            ("staging".to_owned(), PromoteAction::Deployed),
            ("production".to_owned(), PromoteAction::Deployed),
        ]
    );
    assert!(report.is_success());
    for s in &services {
        assert_eq!(s.get("/health"), (200, "1.0.0".to_owned()));
    }
    let state = state(&mut store);
    for e in envs {
        let current = state.current(&id(e), &id("api")).expect("deployed");
        assert_eq!(current.version.to_string(), "1.0.0");
        assert!(
            state.active_lease(&id(e), Utc::now()).is_none(),
            "lease released in {e}"
        );
    }
    // Every deploy command and health check is recorded with its status and output.
    let commands: Vec<(String, DeployStep, CommandStatus, String)> = kinds(&mut store)
        .into_iter()
        .filter_map(|k| match k {
            EventKind::DeployCommandFinished {
                env,
                step,
                status,
                output,
                ..
            } => Some((env.to_string(), step, status, output)),
            _ => None,
        })
        .collect();
    assert_eq!(commands.len(), 6);
    assert!(
        commands
            .iter()
            .all(|c| c.2 == CommandStatus::Exited { code: 0 })
    );
    assert!(
        commands[0].3.contains("deploying api 1.0.0 to dev"),
        "{}",
        commands[0].3
    );
    assert!(
        commands[1].3.contains("healthy: 1.0.0"),
        "{}",
        commands[1].3
    );

    // Promoting again has nothing to do.
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let again = deployer.promote(&promotion("1.0.0")).expect("promotes");
    assert!(
        again
            .steps
            .iter()
            .all(|s| s.action == PromoteAction::AlreadyRunning)
    );
}

#[test]
fn promotion_stops_before_a_phase_that_is_not_automatic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = ["dev", "staging"];
    let services: Vec<Service> = envs
        .iter()
        .map(|e| Service::start(dir.path(), e, Some("0.9.0")))
        .collect();
    let mut store = ledger(&envs, false);
    let settings = settings(&envs);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.promote(&promotion("1.0.0")).expect("promotes");
    let actions: Vec<_> = report.steps.iter().map(|s| s.action).collect();
    assert_eq!(actions, [PromoteAction::Deployed, PromoteAction::Manual]);
    assert!(report.is_success());
    assert_eq!(services[1].version(), "0.9.0");
    // The person runs it again: staging is the next step.
    let report = deployer.promote(&promotion("1.0.0")).expect("promotes");
    let actions: Vec<_> = report.steps.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [PromoteAction::AlreadyRunning, PromoteAction::Deployed]
    );
    assert_eq!(services[1].version(), "1.0.0");
}

#[test]
fn a_failing_health_check_rolls_back_to_the_previous_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Service::start(dir.path(), "dev", None);
    let mut store = ledger(&["dev"], false);
    let settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let first = deployer.deploy(request("dev", "1.0.0")).expect("runs");
    assert_eq!(first.outcome, DeployOutcome::Deployed, "{first:#?}");

    let report = deployer
        .deploy(request("dev", "2.0.0-broken"))
        .expect("runs");
    assert_eq!(report.outcome, DeployOutcome::RolledBack, "{report:#?}");
    let failure = report.failure.as_deref().expect("a failure");
    assert!(
        failure.contains("health check failed after 4 attempt(s)"),
        "{failure}"
    );
    let rollback = report.rollback.as_ref().expect("a rollback");
    assert_eq!(rollback.version.to_string(), "1.0.0");
    assert!(rollback.succeeded);
    assert_eq!(service.get("/health"), (200, "1.0.0".to_owned()));

    let state = state(&mut store);
    let dev = id("dev");
    let api = id("api");
    assert_eq!(
        state.current(&dev, &api).expect("runs").version.to_string(),
        "1.0.0"
    );
    let history: Vec<(String, DeploymentStatus, DeployReason)> = state
        .deployments
        .iter()
        .map(|d| (d.version.to_string(), d.status, d.reason))
        .collect();
    assert_eq!(
        history,
        [
            (
                "1.0.0".to_owned(),
                DeploymentStatus::Succeeded,
                DeployReason::Planned
            ),
            (
                "2.0.0-broken".to_owned(),
                DeploymentStatus::Failed,
                DeployReason::Planned
            ),
            (
                "1.0.0".to_owned(),
                DeploymentStatus::Succeeded,
                DeployReason::Rollback
            ),
        ]
    );
    let events = kinds(&mut store);
    let failed_health = events.iter().find_map(|k| match k {
        EventKind::DeployCommandFinished {
            step: DeployStep::Health,
            attempts,
            status,
            output,
            version,
            ..
        } if version.to_string() == "2.0.0-broken" => {
            Some((*attempts, status.clone(), output.clone()))
        }
        _ => None,
    });
    let (attempts, status, output) = failed_health.expect("the failed health check is recorded");
    assert_eq!(attempts, 4);
    assert_eq!(status, CommandStatus::Exited { code: 1 });
    assert!(output.contains("unhealthy: HTTP 503"), "{output}");
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::DeploymentFailed { reason, .. } if reason.contains("health check")
    )));
    assert!(state.active_lease(&dev, Utc::now()).is_none());
}

#[test]
fn a_freeze_window_refuses_and_runs_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Service::start(dir.path(), "dev", Some("1.0.0"));
    let mut store = ledger(&["dev"], false);
    let now = Utc::now();
    let window = Window::new(
        "year-end",
        WindowKind::Freeze,
        now - Duration::hours(1),
        now + Duration::hours(1),
    )
    .expect("a window");
    let revision = store.revision().expect("revision");
    store
        .append(
            revision,
            &[Event::new(now, None, EventKind::WindowDeclared { window })],
        )
        .expect("declared");
    let settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.deploy(request("dev", "1.1.0")).expect("runs");
    assert_eq!(report.outcome, DeployOutcome::Refused);
    assert!(
        matches!(&report.refusals[..], [Refusal::Policy(Blocker::Freeze { window, .. })] if window == "year-end"),
        "{:?}",
        report.refusals
    );
    assert!(report.commands.is_empty());
    assert_eq!(service.version(), "1.0.0");
    assert!(state(&mut store).deployments.is_empty(), "nothing recorded");
}

#[test]
fn a_lease_held_by_someone_else_refuses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Service::start(dir.path(), "dev", Some("1.0.0"));
    let mut store = ledger(&["dev"], false);
    let now = Utc::now();
    let revision = store.revision().expect("revision");
    store
        .append(
            revision,
            &[Event::new(
                now,
                Some(id("bob")),
                EventKind::LockAcquired {
                    env: id("dev"),
                    expires_at: now + Duration::hours(1),
                    reason: Some("database migration".into()),
                },
            )],
        )
        .expect("locked");
    let settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.deploy(request("dev", "1.1.0")).expect("runs");
    assert_eq!(report.outcome, DeployOutcome::Refused);
    assert!(
        matches!(&report.refusals[..], [Refusal::Policy(Blocker::Locked { holder: Some(h), .. })] if h.as_str() == "bob"),
        "{:?}",
        report.refusals
    );
    assert!(report.commands.is_empty());
    assert_eq!(service.version(), "1.0.0");
}

/// A ledger where 1.0.0 succeeded and `version` started under a lease that expired, with no
/// outcome: what a `relman deploy` killed mid-way leaves.
fn killed_mid_deploy(store: &mut MemoryStore<Event>, version: &str) {
    let long_ago = Utc::now() - Duration::minutes(10);
    let dev: EnvironmentId = id("dev");
    let start = |v: &str, reason| EventKind::DeploymentStarted {
        env: dev.clone(),
        component: id("api"),
        version: id(v),
        release: None,
        reason,
        changes: vec![],
    };
    let events = [
        start("1.0.0", DeployReason::Planned),
        EventKind::DeploymentSucceeded {
            env: dev.clone(),
            component: id("api"),
            version: id("1.0.0"),
        },
        EventKind::LockAcquired {
            env: dev.clone(),
            expires_at: long_ago + Duration::seconds(30),
            reason: None,
        },
        start(version, DeployReason::Planned),
    ]
    .map(|k| Event::new(long_ago, Some(id("ana")), k));
    let revision = store.revision().expect("revision");
    store.append(revision, &events).expect("appended");
}

#[test]
fn an_in_doubt_deployment_that_is_healthy_is_confirmed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The killed deploy had switched the service already.
    let service = Service::start(dir.path(), "dev", Some("1.1.0"));
    let mut store = ledger(&["dev"], false);
    killed_mid_deploy(&mut store, "1.1.0");
    let in_doubt = state(&mut store).in_doubt(Utc::now()).len();
    assert_eq!(in_doubt, 1);
    let settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.deploy(request("dev", "1.2.0")).expect("runs");
    assert_eq!(report.outcome, DeployOutcome::Deployed, "{report:#?}");
    assert_eq!(report.in_doubt.len(), 1);
    assert_eq!(report.in_doubt[0].resolution, InDoubtResolution::Confirmed);
    assert_eq!(report.in_doubt[0].version.to_string(), "1.1.0");
    assert_eq!(
        report.previous.as_ref().map(ToString::to_string).as_deref(),
        Some("1.1.0")
    );
    assert_eq!(service.version(), "1.2.0");
    let state = state(&mut store);
    assert!(state.in_doubt(Utc::now()).is_empty());
    let statuses: Vec<_> = state
        .deployments
        .iter()
        .map(|d| (d.version.to_string(), d.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("1.0.0".to_owned(), DeploymentStatus::Succeeded),
            ("1.1.0".to_owned(), DeploymentStatus::Succeeded),
            ("1.2.0".to_owned(), DeploymentStatus::Succeeded),
        ]
    );
}

#[test]
fn an_in_doubt_deployment_that_is_not_running_is_failed_and_rolled_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The killed deploy never switched the service: it still serves 1.0.0.
    let service = Service::start(dir.path(), "dev", Some("1.0.0"));
    let mut store = ledger(&["dev"], false);
    killed_mid_deploy(&mut store, "1.1.0");
    let settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.deploy(request("dev", "1.2.0")).expect("runs");
    assert_eq!(report.outcome, DeployOutcome::Deployed, "{report:#?}");
    let resolved = &report.in_doubt[0];
    assert_eq!(resolved.resolution, InDoubtResolution::RolledBack);
    assert!(
        resolved
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("serves 1.0.0")),
        "{resolved:?}"
    );
    assert_eq!(
        resolved
            .rollback
            .as_ref()
            .map(|r| r.version.to_string())
            .as_deref(),
        Some("1.0.0")
    );
    assert_eq!(service.version(), "1.2.0");
    let statuses: Vec<_> = state(&mut store)
        .deployments
        .iter()
        .map(|d| (d.version.to_string(), d.status, d.reason))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "1.0.0".to_owned(),
                DeploymentStatus::Succeeded,
                DeployReason::Planned
            ),
            (
                "1.1.0".to_owned(),
                DeploymentStatus::Failed,
                DeployReason::Planned
            ),
            (
                "1.0.0".to_owned(),
                DeploymentStatus::Succeeded,
                DeployReason::Rollback
            ),
            (
                "1.2.0".to_owned(),
                DeploymentStatus::Succeeded,
                DeployReason::Planned
            ),
        ]
    );
}

#[test]
fn a_deploy_command_past_its_timeout_is_killed_and_rolled_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Service::start(dir.path(), "dev", None);
    let mut store = ledger(&["dev"], false);
    let mut settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    assert!(
        deployer
            .deploy(request("dev", "1.0.0"))
            .expect("runs")
            .is_deployed()
    );
    // The next deploy command switches the version, then hangs (once).
    std::fs::write(service.dir.join("hang"), "").expect("marker");
    let config = settings.get_mut(&id::<EnvironmentId>("dev")).expect("dev");
    config.timeout = "1s".parse().expect("a span");
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let _hung = support::KillPidOnDrop(service.dir.join("hang.pid"));
    let report = deployer.deploy(request("dev", "1.1.0")).expect("runs");
    assert_eq!(report.outcome, DeployOutcome::RolledBack, "{report:#?}");
    assert!(
        report
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("timed out after 1000 ms")),
        "{report:#?}"
    );
    assert_eq!(
        report.commands[0].status,
        CommandStatus::TimedOut { after_ms: 1000 }
    );
    assert!(report.commands[0].output.contains("hanging"), "{report:#?}");
    assert_eq!(service.get("/health"), (200, "1.0.0".to_owned()));
}

#[test]
fn promotion_stops_at_the_first_environment_that_refuses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = ["dev", "staging", "production"];
    let services: Vec<Service> = envs
        .iter()
        .map(|e| Service::start(dir.path(), e, Some("0.9.0")))
        .collect();
    let mut store = ledger(&envs, true);
    let now = Utc::now();
    let revision = store.revision().expect("revision");
    store
        .append(
            revision,
            &[Event::new(
                now,
                Some(id("bob")),
                EventKind::LockAcquired {
                    env: id("staging"),
                    expires_at: now + Duration::hours(1),
                    reason: None,
                },
            )],
        )
        .expect("locked");
    let settings = settings(&envs);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.promote(&promotion("1.0.0")).expect("promotes");
    let actions: Vec<_> = report.steps.iter().map(|s| s.action).collect();
    assert_eq!(actions, [PromoteAction::Deployed, PromoteAction::Refused]);
    assert!(!report.is_success());
    let refused = report.steps[1].report.as_ref().expect("a report");
    assert!(
        matches!(
            &refused.refusals[..],
            [Refusal::Policy(Blocker::Locked { .. })]
        ),
        "{refused:?}"
    );
    let served: Vec<String> = services.iter().map(Service::version).collect();
    assert_eq!(served, ["1.0.0", "0.9.0", "0.9.0"]);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<relman_deploy::DeployReport>();
    check::<relman_deploy::PromoteReport>();
    check::<relman_deploy::DeployError>();
    check::<relman_deploy::DeployOptions>();
    check::<EnvironmentConfig>();
    check::<relman_deploy::config::CommandLine>();
    check::<relman_deploy::config::ParseCommandLineError>();
    check::<relman_deploy::config::ParseSpanError>();
}

#[test]
fn an_observer_hears_each_command_and_attempt() {
    struct Recorder(std::sync::Mutex<Vec<String>>);
    impl relman_deploy::Observer for Recorder {
        fn command_started(&self, c: &relman_deploy::CommandStart<'_>) {
            let line = format!("{} {} {} #{}", c.env, c.step, c.version, c.attempt);
            self.0.lock().expect("not poisoned").push(line);
        }
        fn command_finished(&self, c: &relman_deploy::CommandStart<'_>, status: &CommandStatus) {
            let line = format!("{} {}: {status}", c.step, c.version);
            self.0.lock().expect("not poisoned").push(line);
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let _service = Service::start(dir.path(), "dev", None);
    let mut store = ledger(&["dev"], false);
    let settings = settings(&["dev"]);
    let recorder = Recorder(std::sync::Mutex::new(Vec::new()));
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    deployer.observe(&recorder);
    assert!(
        deployer
            .deploy(request("dev", "1.0.0"))
            .expect("runs")
            .is_deployed()
    );
    let heard = recorder.0.into_inner().expect("not poisoned");
    assert_eq!(
        heard,
        [
            "dev deploy 1.0.0 #1",
            "deploy 1.0.0: exited with 0",
            "dev health 1.0.0 #1",
            "health 1.0.0: exited with 0",
        ]
    );
}

#[test]
fn the_requesters_own_lock_is_given_back_after_the_deployment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let _service = Service::start(dir.path(), "dev", None);
    let mut store = ledger(&["dev"], false);
    let now = Utc::now();
    let until = now + Duration::hours(1);
    let revision = store.revision().expect("revision");
    store
        .append(
            revision,
            &[Event::new(
                now,
                Some(id("ana")),
                EventKind::LockAcquired {
                    env: id("dev"),
                    expires_at: until,
                    reason: Some("maintenance".into()),
                },
            )],
        )
        .expect("locked");
    let settings = settings(&["dev"]);
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.deploy(request("dev", "1.0.0")).expect("runs");
    assert!(report.is_deployed(), "{report:#?}");
    let state = state(&mut store);
    let lease = state
        .active_lease(&id("dev"), Utc::now())
        .expect("ana's lock is back");
    assert_eq!(lease.holder.as_ref().map(|h| h.as_str()), Some("ana"));
    assert_eq!(lease.expires_at, until);
    assert_eq!(lease.reason.as_deref(), Some("maintenance"));
    // And bob is still refused.
    let mut bob = request("dev", "1.1.0");
    bob.requester = Some(id("bob"));
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.deploy(bob).expect("runs");
    assert_eq!(report.outcome, DeployOutcome::Refused);
}

#[test]
fn promotion_into_a_phase_needing_approval_goes_on_with_the_approved_digest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = ["staging", "production"];
    let services: Vec<Service> = envs
        .iter()
        .map(|e| Service::start(dir.path(), e, Some("0.9.0")))
        .collect();
    let mut store = ledger(&envs, true);
    let mut lifecycle = state(&mut store).lifecycle.expect("declared");
    lifecycle.phases[1].approvals = ApprovalRule::new(1, Vec::new());
    let now = Utc::now();
    let revision = store.revision().expect("revision");
    store
        .append(
            revision,
            &[Event::new(
                now,
                None,
                EventKind::LifecycleDeclared { lifecycle },
            )],
        )
        .expect("declared");
    let settings = settings(&envs);

    // Without a digest: staging, then production refuses.
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.promote(&promotion("1.0.0")).expect("promotes");
    let actions: Vec<_> = report.steps.iter().map(|s| s.action).collect();
    assert_eq!(actions, [PromoteAction::Deployed, PromoteAction::Refused]);
    let refused = report.steps[1].report.as_ref().expect("a report");
    assert_eq!(refused.refusals, [Refusal::Policy(Blocker::MissingDigest)]);

    // Bob approves release r1 with its digest for production; ana promotes with them.
    let revision = store.revision().expect("revision");
    store
        .append(
            revision,
            &[Event::new(
                now,
                Some(id("bob")),
                EventKind::Approved {
                    release: id("r1"),
                    env: id("production"),
                    digest: id("deadbeef"),
                },
            )],
        )
        .expect("approved");
    let mut request = promotion("1.0.0");
    request.release = Some(id("r1"));
    request.digest = Some(id("deadbeef"));
    let mut deployer = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()));
    let report = deployer.promote(&request).expect("promotes");
    let actions: Vec<_> = report.steps.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [PromoteAction::AlreadyRunning, PromoteAction::Deployed]
    );
    assert_eq!(services[1].version(), "1.0.0");
}

/// With `require_canary`, a version is promoted past an environment only with a passing
/// canary verdict there: promotion stops at staging until `relman verify` records a pass in
/// dev, and a failing verdict keeps it stopped.
#[test]
fn promotion_past_an_environment_needs_a_passing_canary_there() {
    use relman_env::{CanaryVerdict, Figure};
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = ["dev", "staging"];
    let services: Vec<Service> = envs
        .iter()
        .map(|e| Service::start(dir.path(), e, Some("0.9.0")))
        .collect();
    let mut store = ledger(&envs, true);
    let settings = settings(&envs);
    let mut request = promotion("1.0.0");
    request.require_canary = true;
    let verdict = |store: &mut MemoryStore<Event>, verdict| {
        let revision = store.revision().expect("revision");
        store
            .append(
                revision,
                &[Event::new(
                    Utc::now(),
                    Some(id("ci")),
                    EventKind::CanaryVerdictRecorded {
                        env: id("dev"),
                        component: id("api"),
                        version: id("1.0.0"),
                        baseline: id("0.9.0"),
                        verdict,
                        score: Figure(if verdict == CanaryVerdict::Pass {
                            100.0
                        } else {
                            0.0
                        }),
                        metrics: Vec::new(),
                    },
                )],
            )
            .expect("recorded");
    };
    let actions = |report: &relman_deploy::PromoteReport| -> Vec<(String, PromoteAction)> {
        report
            .steps
            .iter()
            .map(|s| (s.env.to_string(), s.action))
            .collect()
    };

    let first = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()))
        .promote(&request)
        .expect("promotes");
    assert_eq!(
        actions(&first),
        [
            ("dev".to_owned(), PromoteAction::Deployed),
            ("staging".to_owned(), PromoteAction::CanaryNotPassed),
        ]
    );
    assert!(!first.is_success());
    let reason = first.steps[1].reason.as_deref().expect("a reason");
    assert!(reason.contains("dev"), "{reason}");
    assert_eq!(services[1].version(), "0.9.0", "staging untouched");

    verdict(&mut store, CanaryVerdict::Fail);
    let failed = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()))
        .promote(&request)
        .expect("promotes");
    assert_eq!(failed.steps[1].action, PromoteAction::CanaryNotPassed);
    assert_eq!(services[1].version(), "0.9.0");

    verdict(&mut store, CanaryVerdict::Pass);
    let passed = Deployer::new(&mut store, &settings, &SystemClock, options(dir.path()))
        .promote(&request)
        .expect("promotes");
    assert_eq!(
        actions(&passed),
        [
            ("dev".to_owned(), PromoteAction::AlreadyRunning),
            ("staging".to_owned(), PromoteAction::Deployed),
        ]
    );
    assert!(passed.is_success());
    assert_eq!(services[1].version(), "1.0.0");
}
