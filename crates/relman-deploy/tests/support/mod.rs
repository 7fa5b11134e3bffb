//! Test harness shared by relman-deploy's and relman-cli's deploy tests: the fixture HTTP
//! service of one environment (a real `python3` process, killed on drop) and its fixtures.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory of the fixtures (`service.py`, `deploy.sh`, `health.py`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../relman-deploy/tests/fixtures")
        .canonicalize()
        .expect("the fixtures directory exists")
}

/// The `[environments.NAME]` table that deploys with the fixtures, in TOML.
pub fn environment_toml(env: &str, timeout: &str) -> String {
    let f = fixtures();
    format!(
        "[environments.{env}]\n\
         deploy = [\"sh\", \"{deploy}\"]\n\
         timeout = \"{timeout}\"\n\
         [environments.{env}.health]\n\
         command = [\"python3\", \"{health}\"]\n\
         retries = 3\n\
         interval = \"200ms\"\n\
         timeout = \"3s\"\n",
        deploy = f.join("deploy.sh").display(),
        health = f.join("health.py").display(),
    )
}

/// The fixture service of one environment: serves `DIR/version` on 127.0.0.1.
pub struct Service {
    child: Child,
    /// Its directory (`WORKDIR/ENV`).
    pub dir: PathBuf,
    /// Its port.
    pub port: u16,
}

impl Service {
    /// Starts the service of `env` in `workdir/env`, serving `version` (none: unhealthy).
    pub fn start(workdir: &Path, env: &str, version: Option<&str>) -> Self {
        let dir = workdir.join(env);
        std::fs::create_dir_all(&dir).expect("service directory");
        if let Some(v) = version {
            std::fs::write(dir.join("version"), format!("{v}\n")).expect("version file");
        }
        let child = Command::new("python3")
            .arg(fixtures().join("service.py"))
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the fixture service");
        let mut service = Service {
            child,
            dir: dir.clone(),
            port: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(p) = std::fs::read_to_string(dir.join("port"))
                && let Ok(port) = p.trim().parse()
            {
                service.port = port;
                return service;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the fixture service of {env} did not start");
    }

    /// `GET path`: the status code and the body, trimmed.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("the service listens");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let body = response
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .trim()
            .to_owned();
        (status, body)
    }

    /// The version it serves now.
    pub fn version(&self) -> String {
        self.get("/version").1
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills the process whose pid is in `file` (a hung deploy command), if any.
pub fn kill_pid_in(file: &Path) {
    if let Ok(pid) = std::fs::read_to_string(file) {
        let _ = Command::new("kill")
            .args(["-KILL", pid.trim()])
            .stderr(Stdio::null())
            .status();
    }
}

/// Kills the process whose pid is in its file when dropped (a hung deploy command), so a
/// failing test leaves nothing behind.
pub struct KillPidOnDrop(pub PathBuf);

impl Drop for KillPidOnDrop {
    fn drop(&mut self) {
        kill_pid_in(&self.0);
    }
}
