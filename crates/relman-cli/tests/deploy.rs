//! `relman deploy` and `relman promote` end to end with real processes: a fixture HTTP service
//! per environment (python3), a deploy script that switches its version, a health check that
//! requests it. Includes a deploy SIGKILLed mid-way, left in doubt, then resolved.

#[path = "../../relman-deploy/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::Service;

fn relman(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_relman"));
    c.current_dir(dir);
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    relman(dir).args(args).output().expect("relman runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A state with `envs` and a relman.toml deploying to each with the fixtures.
fn setup(dir: &Path, envs: &[&str], extra_init: &[&str], timeout: &str) {
    let list = envs.join(",");
    let mut args = vec!["env", "init", "--environments", &list];
    args.extend_from_slice(extra_init);
    let out = run(dir, &args);
    assert!(out.status.success(), "{}", text(&out));
    let config: String = envs
        .iter()
        .map(|e| support::environment_toml(e, timeout))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("relman.toml"), config).expect("config written");
}

fn deploy(dir: &Path, env: &str, version: &str) -> Output {
    run(
        dir,
        &[
            "deploy",
            "--env",
            env,
            "--component",
            "api",
            "--version",
            version,
            "--by",
            "ana",
        ],
    )
}

#[test]
fn promote_moves_a_version_from_dev_to_production_through_auto_promotion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = ["dev", "staging", "production"];
    setup(
        dir.path(),
        &envs,
        &["--auto-promote", "staging,production"],
        "10s",
    );
    let services: Vec<Service> = envs
        .iter()
        .map(|e| Service::start(dir.path(), e, None))
        .collect();
    let out = run(
        dir.path(),
        &[
            "promote",
            "--component",
            "api",
            "--version",
            "1.0.0",
            "--by",
            "ana",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = text(&out);
    for e in envs {
        assert!(
            stdout.contains(&format!("deployed api 1.0.0 to {e}")),
            "{stdout}"
        );
    }
    for s in &services {
        assert_eq!(s.get("/health"), (200, "1.0.0".to_owned()));
    }
    let status = run(dir.path(), &["env", "status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    let cells = json["components"][0]["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 3);
    assert!(cells.iter().all(|c| c["running"] == "1.0.0"), "{json}");
}

#[test]
fn a_failing_health_check_rolls_back_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    setup(dir.path(), &["dev"], &[], "10s");
    let service = Service::start(dir.path(), "dev", None);
    let out = deploy(dir.path(), "dev", "1.0.0");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(
        dir.path(),
        &[
            "deploy",
            "--env",
            "dev",
            "--component",
            "api",
            "--version",
            "2.0.0-broken",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["outcome"], "rolled_back");
    assert_eq!(json["rollback"]["version"], "1.0.0");
    assert_eq!(json["rollback"]["succeeded"], true);
    assert_eq!(service.get("/health"), (200, "1.0.0".to_owned()));
}

#[test]
fn a_freeze_window_and_someone_elses_lock_refuse_with_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    setup(dir.path(), &["dev"], &[], "10s");
    let service = Service::start(dir.path(), "dev", Some("0.9.0"));
    let out = run(
        dir.path(),
        &[
            "env",
            "window",
            "--name",
            "freeze-1",
            "--start",
            "2020-01-01",
            "--end",
            "2999-01-01",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run(dir.path(), &["env", "lock", "--env", "dev", "--by", "bob"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = deploy(dir.path(), "dev", "1.0.0");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = text(&out);
    assert!(stdout.contains("refused: api 1.0.0 to dev"), "{stdout}");
    assert!(stdout.contains("freeze freeze-1"), "{stdout}");
    assert!(stdout.contains("locked by bob"), "{stdout}");
    assert_eq!(service.version(), "0.9.0");
}

#[test]
fn an_environment_without_settings_is_an_error_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    setup(dir.path(), &["dev"], &[], "10s");
    let out = deploy(dir.path(), "prod", "1.0.0");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("[environments.prod]"), "{}", text(&out));
}

/// Kills the `relman` child on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_deploy_killed_mid_way_is_in_doubt_then_resolved_by_the_next_deploy() {
    let dir = tempfile::tempdir().expect("temp dir");
    setup(dir.path(), &["dev"], &[], "3s");
    let service = Service::start(dir.path(), "dev", None);
    let out = deploy(dir.path(), "dev", "1.0.0");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The deploy command of 1.1.0 switches the service, then hangs; relman is SIGKILLed.
    std::fs::write(service.dir.join("hang"), "").expect("marker");
    let mut killed = Running(
        relman(dir.path())
            .args([
                "deploy",
                "--env",
                "dev",
                "--component",
                "api",
                "--version",
                "1.1.0",
                "--by",
                "ana",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("relman runs"),
    );
    let pid_file = service.dir.join("hang.pid");
    let _hung = support::KillPidOnDrop(pid_file.clone());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pid_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the deploy command never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    killed.0.kill().expect("SIGKILL");
    killed.0.wait().expect("reaped");
    support::kill_pid_in(&pid_file);

    // While its lease runs, the deployment counts as running: a new deploy is refused.
    let out = deploy(dir.path(), "dev", "1.2.0");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is running"), "{}", text(&out));

    // Once the lease expires, `env status` reports it in doubt.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = run(dir.path(), &["env", "status"]);
        if text(&status).contains("in doubt: api 1.1.0 in dev") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never in doubt: {}",
            text(&status)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let json = run(dir.path(), &["env", "status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(json["in_doubt"][0]["version"], "1.1.0");

    // The next deploy checks the in-doubt version's health (1.1.0 runs: it is confirmed), then
    // deploys.
    let out = deploy(dir.path(), "dev", "1.2.0");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = text(&out);
    assert!(
        stdout.contains("in doubt: api 1.1.0 in dev")
            && stdout.contains("healthy: recorded as succeeded"),
        "{stdout}"
    );
    assert!(stdout.contains("deployed api 1.2.0 to dev"), "{stdout}");
    assert!(stdout.contains("was 1.1.0"), "{stdout}");
    assert_eq!(service.get("/health"), (200, "1.2.0".to_owned()));
    let status = run(dir.path(), &["env", "status"]);
    assert!(!text(&status).contains("in doubt"), "{}", text(&status));
}

#[test]
fn a_deployment_whose_lease_is_taken_over_writes_nothing_more() {
    let dir = tempfile::tempdir().expect("temp dir");
    setup(dir.path(), &["dev"], &[], "10s");
    let service = Service::start(dir.path(), "dev", Some("0.9.0"));
    // A pre hook that forces the lease open and hands it to bob, as an operator would.
    let relman_bin = env!("CARGO_BIN_EXE_relman");
    let hook = format!(
        "pre = [\"sh\", \"-c\", \"'{relman_bin}' env unlock --env dev --force takeover && '{relman_bin}' env lock --env dev --by bob\"]\n"
    );
    let config = std::fs::read_to_string(dir.path().join("relman.toml")).expect("config");
    let config = config.replacen(
        "timeout = \"10s\"\n",
        &format!("timeout = \"10s\"\n{hook}"),
        1,
    );
    std::fs::write(dir.path().join("relman.toml"), config).expect("config written");

    let out = deploy(dir.path(), "dev", "1.0.0");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("lost the lease on dev"),
        "{}",
        text(&out)
    );
    // The deploy command never ran, and nothing was recorded after the takeover.
    assert_eq!(service.version(), "0.9.0");
    let history = run(dir.path(), &["env", "history", "--format", "json"]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).expect("json");
    let kinds: Vec<&str> = events
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["kind"].as_str().expect("a kind"))
        .collect();
    assert_eq!(
        kinds[kinds.len() - 4..],
        [
            "deployment_started",
            "lock_acquired",
            "lock_released",
            "lock_acquired"
        ],
        "the start, the renewal before the pre hook, the takeover; then nothing: {kinds:?}"
    );
}

/// `relman verify --rollback-on-fail` on a failing canary deploys the rollback target with
/// the environment's own deploy and health commands.
#[test]
fn a_failing_canary_verdict_rolls_back_for_real() {
    let dir = tempfile::tempdir().expect("temp dir");
    setup(dir.path(), &["canary"], &[], "10s");
    let service = Service::start(dir.path(), "canary", None);
    for version in ["1.0.0", "1.1.0"] {
        let out = deploy(dir.path(), "canary", version);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    assert_eq!(service.version(), "1.1.0");
    std::fs::write(
        dir.path().join("canary.toml"),
        "[[metrics]]\nname = \"latency_ms\"\nbad = \"increase\"\ncritical = true\n",
    )
    .expect("config written");
    let mut csv = String::from("metric,group,value\n");
    for i in 0..20 {
        csv += &format!("latency_ms,baseline,{}\n", 100 + i);
        csv += &format!("latency_ms,canary,{}\n", 200 + i);
    }
    std::fs::write(dir.path().join("m.csv"), csv).expect("metrics written");
    let out = run(
        dir.path(),
        &[
            "verify",
            "--env",
            "canary",
            "--component",
            "api",
            "--version",
            "1.1.0",
            "--baseline",
            "1.0.0",
            "--config",
            "canary.toml",
            "--metrics",
            "m.csv",
            "--rollback-on-fail",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["verdict"], "fail");
    let rollback = json["rollback"].as_str().expect("a rollback");
    assert!(
        rollback.starts_with("deployed api 1.0.0 to canary"),
        "{rollback}"
    );
    assert_eq!(service.get("/health"), (200, "1.0.0".to_owned()));
    let out = run(dir.path(), &["env", "history", "--format", "json"]);
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rollback_started =
        history.as_array().expect("events").iter().any(|e| {
            e["event"]["kind"] == "deployment_started" && e["event"]["reason"] == "rollback"
        });
    assert!(rollback_started, "{history}");
}
