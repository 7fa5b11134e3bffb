//! Invariants of the fold and of `can_deploy` over random ledgers.

// Test helpers outside `#[test]` functions unwrap too; clippy only exempts the latter.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use relman_env::store::{Recorded, Revision};
use relman_env::{
    DeployReason, DeployRequest, DeploymentStatus, EnvState, Event, EventKind, Lifecycle, Outcome,
    can_deploy,
};
use relman_model::{ComponentId, Environment, EnvironmentId, Window, WindowKind};
use semver::Version;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const COMPONENTS: [&str; 2] = ["api", "web"];

fn t0() -> DateTime<Utc> {
    "2026-11-01T00:00:00Z".parse().unwrap()
}

#[derive(Debug, Clone)]
enum Step {
    Deploy {
        env: usize,
        comp: usize,
        minor: u64,
        ok: bool,
    },
    Quarantine {
        comp: usize,
        minor: u64,
    },
    Lock {
        env: usize,
        hours: i64,
    },
    Freeze {
        env: usize,
        from: i64,
        hours: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..3usize, 0..2usize, 0..6u64, any::<bool>())
            .prop_map(|(env, comp, minor, ok)| Step::Deploy { env, comp, minor, ok }),
        1 => (0..2usize, 0..6u64).prop_map(|(comp, minor)| Step::Quarantine { comp, minor }),
        1 => (0..3usize, 1..5i64).prop_map(|(env, hours)| Step::Lock { env, hours }),
        1 => (0..3usize, 0..40i64, 1..10i64)
            .prop_map(|(env, from, hours)| Step::Freeze { env, from, hours }),
    ]
}

fn ledger(steps: &[Step]) -> Vec<Recorded<Event>> {
    let mut events = Vec::new();
    let mut push = |hour: i64, kind: EventKind| {
        let revision = Revision::new(events.len() as u64 + 1);
        events.push(Recorded {
            revision,
            event: Event::new(
                t0() + Duration::hours(hour),
                Some("ana".parse().unwrap()),
                kind,
            ),
        });
    };
    let envs = Environment::pipeline(ENVS.map(|e| e.parse().unwrap()));
    push(0, EventKind::EnvironmentsDeclared { environments: envs });
    for (i, s) in steps.iter().enumerate() {
        let hour = i as i64;
        let env = |e: usize| ENVS[e].parse::<EnvironmentId>().unwrap();
        let comp = |c: usize| COMPONENTS[c].parse::<ComponentId>().unwrap();
        match s {
            Step::Deploy {
                env: e,
                comp: c,
                minor,
                ok,
            } => {
                let version = Version::new(1, *minor, 0);
                push(
                    hour,
                    EventKind::DeploymentStarted {
                        env: env(*e),
                        component: comp(*c),
                        version: version.clone(),
                        release: None,
                        reason: DeployReason::Planned,
                        changes: vec![],
                    },
                );
                push(
                    hour,
                    if *ok {
                        EventKind::DeploymentSucceeded {
                            env: env(*e),
                            component: comp(*c),
                            version,
                        }
                    } else {
                        EventKind::DeploymentFailed {
                            env: env(*e),
                            component: comp(*c),
                            version,
                            reason: "x".into(),
                        }
                    },
                );
            }
            Step::Quarantine { comp: c, minor } => push(
                hour,
                EventKind::Quarantined {
                    component: comp(*c),
                    version: Version::new(1, *minor, 0),
                    reason: "bad".into(),
                },
            ),
            Step::Lock { env: e, hours } => push(
                hour,
                EventKind::LockAcquired {
                    env: env(*e),
                    expires_at: t0() + Duration::hours(hour + hours),
                    reason: None,
                },
            ),
            Step::Freeze {
                env: e,
                from,
                hours,
            } => {
                let mut w = Window::new(
                    "freeze",
                    WindowKind::Freeze,
                    t0() + Duration::hours(*from),
                    t0() + Duration::hours(from + hours),
                )
                .unwrap();
                w.environments = vec![env(*e)];
                push(hour, EventKind::WindowDeclared { window: w });
            }
        }
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn fold_is_deterministic_and_serde_round_trips(steps in proptest::collection::vec(step(), 0..30)) {
        let events = ledger(&steps);
        let a = EnvState::fold(&events);
        prop_assert_eq!(&a, &EnvState::fold(&events));
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<EnvState>(&json).unwrap(), a);
    }

    #[test]
    fn rollback_target_is_an_earlier_clean_success(steps in proptest::collection::vec(step(), 0..30)) {
        let state = EnvState::fold(&ledger(&steps));
        for env in ENVS {
            for comp in COMPONENTS {
                let (env, comp): (EnvironmentId, ComponentId) = (env.parse().unwrap(), comp.parse().unwrap());
                if let Some(target) = state.rollback_target(&env, &comp) {
                    let current = state.current(&env, &comp).unwrap();
                    prop_assert_ne!(&target.version, &current.version);
                    prop_assert!(target.revision < current.revision);
                    prop_assert_eq!(target.status, DeploymentStatus::Succeeded);
                    prop_assert!(state.quarantine(&comp, &target.version).is_none());
                }
            }
        }
    }

    #[test]
    fn decisions_explain_themselves(
        steps in proptest::collection::vec(step(), 0..30),
        env in 0..3usize,
        comp in 0..2usize,
        minor in 0..6u64,
        at in 0..40i64,
    ) {
        let state = EnvState::fold(&ledger(&steps));
        let envs = state.environments.clone();
        let lifecycle = Lifecycle::from_environments(&envs);
        let mut request = DeployRequest::new(
            ENVS[env].parse().unwrap(),
            COMPONENTS[comp].parse().unwrap(),
            Version::new(1, minor, 0),
        );
        request.requester = Some("bob".parse().unwrap());
        let now = t0() + Duration::hours(at);
        let d = can_deploy(&state, &lifecycle, &request, now);
        prop_assert_eq!(d.outcome == Outcome::Allowed, d.blockers.is_empty());
        if let Some(next) = d.next_allowed_at {
            prop_assert!(next > now);
            prop_assert!(d.blockers.iter().all(|b| b.lifts_at().is_some()));
            // At that time none of those blockers is left.
            let later = can_deploy(&state, &lifecycle, &request, next);
            for b in &d.blockers {
                prop_assert!(!later.blockers.contains(b), "{:?} still there at {}", b, next);
            }
        } else if d.outcome == Outcome::Refused {
            prop_assert!(d.blockers.iter().any(|b| b.lifts_at().is_none()));
        }
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<EnvState>();
    check::<Event>();
    check::<relman_env::Decision>();
    check::<relman_env::store::StoreError>();
    check::<relman_env::store::AppendError>();
    check::<relman_env::store::JournalStore<Event>>();
    check::<relman_env::store::MemoryStore<Event>>();
}
