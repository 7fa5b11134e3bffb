//! Kill tests: a release process is SIGKILLed at random moments, run again (and maybe killed
//! again), then run to its end; the registry, the tags (local and remote), the manifests, the
//! changelogs and the lock file must end exactly as after an uninterrupted release, with every
//! version published once and every step recorded once.
//!
//! `RELMAN_KILL_CYCLES` sets the number of cycles (default 10); `RELMAN_KILL_SEED` replays a
//! run. The release runs in a child process: this test binary itself, running
//! `child_release` with `RELMAN_RELEASE_CHILD` naming its parameters. The child is the leader
//! of its own process group; only it is killed, and the test waits for the commands it had
//! started (git, cargo) to end before the rerun, as a remote server or registry would carry
//! on with a request whose client died.

mod support;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use relman_env::Event;
use relman_env::store::JournalStore;
use relman_release::{Mode, ReleaseOutcome};
use serde::{Deserialize, Serialize};
use support::{Governance, SystemClock, World};

#[derive(Debug, Serialize, Deserialize)]
struct ChildParams {
    repo: PathBuf,
    state: PathBuf,
    plan_file: PathBuf,
    api: String,
    env: Vec<(String, String)>,
}

/// The child side: runs the release to its end when `RELMAN_RELEASE_CHILD` names parameters;
/// does nothing otherwise.
#[test]
fn child_release() -> Result<()> {
    let Some(params) = std::env::var_os("RELMAN_RELEASE_CHILD") else {
        return Ok(());
    };
    let params: ChildParams = serde_json::from_str(&std::fs::read_to_string(params)?)?;
    let plan = relman_plan::ReleasePlan::from_json(&std::fs::read_to_string(&params.plan_file)?)?;
    let config = support::config_for(&params.api);
    let release = support::release_of(&plan, &config, &params.repo, &params.env);
    let mut store = JournalStore::<Event>::open(&params.state)?.store;
    let index = relman_release::registry::SparseIndex::new(format!("{}/crates", params.api));
    let outcome = release.run(&mut store, &index, &SystemClock, Mode::Execute, &mut |_| {})?;
    match outcome {
        ReleaseOutcome::Finished { .. } | ReleaseOutcome::NothingToDo { .. } => Ok(()),
        other => bail!("unexpected outcome {other:?}"),
    }
}

/// xorshift64*: enough randomness for kill times, replayable from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Whether any process of group `pgid` is alive.
fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .args(["-0", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts the child release; SIGKILLs it after `kill_after` (if still running); waits for its
/// process group to drain. Returns whether it was killed.
fn child_run(params: &std::path::Path, kill_after: Option<Duration>) -> Result<bool> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "child_release",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RELMAN_RELEASE_CHILD", params)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let pgid = child.id();
    let killed = match kill_after {
        Some(after) => {
            let deadline = Instant::now() + after;
            loop {
                if child.try_wait()?.is_some() {
                    break false;
                }
                if Instant::now() >= deadline {
                    child.kill()?; // SIGKILL on Unix
                    break true;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        None => false,
    };
    let out = child.wait_with_output()?;
    let started = Instant::now();
    while group_alive(pgid) {
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the killed release's commands did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !killed && !out.status.success() {
        bail!(
            "the release failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(killed)
}

#[test]
fn sigkill_at_random_points_ends_as_an_uninterrupted_release() -> Result<()> {
    let cycles: u64 = std::env::var("RELMAN_KILL_CYCLES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("RELMAN_KILL_SEED")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let mut rng = Rng(seed);

    // The reference: one uninterrupted release (in a child process too, for its timing).
    let reference = World::new(Governance::Approved)?;
    let params = write_params(&reference)?;
    let started = Instant::now();
    child_run(&params, None)?;
    let full = started.elapsed();
    let expected = reference.fingerprint()?;
    let expected_steps = reference.recorded_steps()?;
    eprintln!(
        "kill test: seed {seed}, {cycles} cycles, an uninterrupted release takes {full:.1?} ({} steps)",
        expected_steps.len()
    );

    let mut kills = 0;
    let mut killed_after_steps: BTreeMap<usize, usize> = BTreeMap::new();
    let started = Instant::now();
    for cycle in 0..cycles {
        let world = World::new(Governance::Approved)?;
        let params = write_params(&world)?;
        let rounds = 1 + rng.below(3);
        for _ in 0..rounds {
            let after = Duration::from_millis(rng.below(full.as_millis() as u64 * 11 / 10));
            if child_run(&params, Some(after))? {
                kills += 1;
                *killed_after_steps
                    .entry(world.recorded_steps()?.len())
                    .or_default() += 1;
            }
        }
        child_run(&params, None).with_context(|| format!("cycle {cycle} (seed {seed})"))?;
        let got = world.fingerprint()?;
        for (e, g) in expected.iter().zip(&got) {
            assert_eq!(e, g, "cycle {cycle} (seed {seed})");
        }
        assert_eq!(got.len(), expected.len());
        let steps = world.recorded_steps()?;
        let mut unique = steps.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            steps.len(),
            "a step recorded twice: {steps:?}"
        );
        assert_eq!(
            steps.len(),
            expected_steps.len(),
            "cycle {cycle}: {steps:?}"
        );
    }
    eprintln!(
        "kill test: {cycles} cycles, {kills} SIGKILLs in {:.1?}; kills by steps already recorded: {killed_after_steps:?}; 0 double publishes, 0 lost or extra tags",
        started.elapsed()
    );
    Ok(())
}

fn write_params(world: &World) -> Result<PathBuf> {
    let params = ChildParams {
        repo: world.repo.clone(),
        state: world.state.clone(),
        plan_file: world.plan_file.clone(),
        api: world.registry.api.clone(),
        env: world.env.clone(),
    };
    let path = world.dir.path().join("child.json");
    std::fs::write(&path, serde_json::to_string(&params)?)?;
    Ok(path)
}
