//! A real Prometheus server for tests: samples written at known times with `promtool tsdb
//! create-blocks-from openmetrics`, then `prometheus` started on a free 127.0.0.1 port over
//! that data, as the unprivileged user `nobody` when the test runs as root. Dropping the
//! [`Prometheus`] kills the server and removes its data.
//!
//! Both binaries come from the distribution (`apt-get install prometheus` on Debian; `.ci/run`
//! installs it). When one is missing, [`Prometheus::start`] panics with that instruction: a
//! test that needs the server fails, it never passes without it.

use std::fmt::Write as _;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{free_port, is_root, run, unprivileged};

/// One sample of the data a [`Prometheus`] starts with: metric, labels, value, Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The metric name.
    pub metric: String,
    /// The labels, `(name, value)`.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// When, Unix seconds.
    pub at: u64,
}

/// A running Prometheus server over backfilled samples; killed when dropped.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

fn require(binary: &str) {
    let found = Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{binary}` is not on PATH: this test needs a real Prometheus server \
         (Debian: `apt-get install prometheus`, which `.ci/run` does)"
    );
}

/// The samples as OpenMetrics text, grouped by metric as the format requires.
fn openmetrics(samples: &[Sample]) -> String {
    let mut metrics: Vec<&str> = samples.iter().map(|s| s.metric.as_str()).collect();
    metrics.sort_unstable();
    metrics.dedup();
    let mut out = String::new();
    for metric in metrics {
        writeln!(out, "# TYPE {metric} gauge").expect("write to a String");
        for s in samples.iter().filter(|s| s.metric == metric) {
            let labels: Vec<String> = s
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            writeln!(out, "{metric}{{{}}} {} {}", labels.join(","), s.value, s.at)
                .expect("write to a String");
        }
    }
    out.push_str("# EOF\n");
    out
}

impl Prometheus {
    /// Starts a server holding `samples` and waits until it answers queries.
    ///
    /// # Panics
    ///
    /// When `prometheus` or `promtool` is missing, the data cannot be written, or the server
    /// is not ready within 60 seconds: the test fails with the reason.
    pub fn start(samples: &[Sample]) -> Self {
        require("prometheus");
        require("promtool");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let om = dir.path().join("samples.om");
        std::fs::write(&om, openmetrics(samples)).expect("write the samples");
        run(
            Command::new("promtool")
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(&om)
                .arg(&data),
            "promtool tsdb create-blocks-from openmetrics",
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1h\n").expect("write the config");
        let root = is_root();
        if root {
            // The server runs as `nobody`, which must be able to write its data directory.
            run(
                Command::new("chmod").args(["-R", "a+rwX"]).arg(dir.path()),
                "chmod",
            );
        }
        let mut log_text = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut command = unprivileged("prometheus", root);
            let log_path = dir.path().join("prometheus.log");
            let log = std::fs::File::create(&log_path).expect("log file");
            let mut child = command
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.tsdb.path={}", data.display()))
                .arg("--storage.tsdb.retention.time=100y")
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start prometheus");
            if wait_ready(&mut child, port) {
                return Self {
                    child,
                    url: format!("http://127.0.0.1:{port}"),
                    _dir: dir,
                };
            }
            // Most likely the port was taken between the probe and the start: try another.
            let _ = child.kill();
            let _ = child.wait();
            log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("prometheus did not become ready in 5 attempts; its last log:\n{log_text}");
    }

    /// The server's address, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Whether the server on `port` answers `/-/ready` within 60 seconds (false once it exits).
fn wait_ready(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = "GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
            let mut answer = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.0 200")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_written_as_openmetrics_grouped_by_metric() {
        let s = |metric: &str, v: &str, value, at| Sample {
            metric: metric.into(),
            labels: vec![("version".into(), v.into())],
            value,
            at,
        };
        let text = openmetrics(&[
            s("b", "1", 1.5, 10),
            s("a", "x\"", 2.0, 10),
            s("b", "2", 3.0, 20),
        ]);
        assert_eq!(
            text,
            "# TYPE a gauge\na{version=\"x\\\"\"} 2 10\n# TYPE b gauge\nb{version=\"1\"} 1.5 10\nb{version=\"2\"} 3 20\n# EOF\n"
        );
    }
}
