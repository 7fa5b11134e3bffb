//! Running one command: no shell, a working directory, environment variables, a timeout and
//! the bounded tail of its output.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use relman_env::CommandStatus;

use crate::Clock;
use crate::config::CommandLine;

/// How often a running command is polled.
const POLL: Duration = Duration::from_millis(20);

/// How long the output of a command that exited is still read (a background process it left
/// behind may hold its output open; it is not waited for).
const DRAIN: Duration = Duration::from_millis(500);

/// One command to run.
#[derive(Debug, Clone)]
pub struct CommandSpec<'a> {
    /// The command.
    pub line: &'a CommandLine,
    /// The working directory (give an absolute path); a relative program path with a `/`
    /// (`./deploy.sh`) is relative to it.
    pub workdir: &'a Path,
    /// Environment variables set for it (on top of the inherited environment).
    pub vars: &'a [(String, String)],
    /// Killed after this long.
    pub timeout: Duration,
    /// How many bytes of the end of its output are kept.
    pub output_limit: usize,
}

/// How a command ended and the end of its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// Exit code, signal, timeout, or why it could not start.
    pub status: CommandStatus,
    /// The last bytes of its combined stdout and stderr, control characters escaped.
    pub output: String,
}

/// The last `limit` bytes written to it.
#[derive(Debug, Default)]
struct Tail {
    bytes: Vec<u8>,
    limit: usize,
    dropped: bool,
}

impl Tail {
    fn push(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
        if self.bytes.len() > self.limit {
            let cut = self.bytes.len() - self.limit;
            self.bytes.drain(..cut);
            self.dropped = true;
        }
    }

    fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        let text = relman_model::text::escape_control(&text);
        if self.dropped {
            format!("[...]{text}")
        } else {
            text.into_owned()
        }
    }
}

/// Runs `spec` to its end or its timeout (then kills it), reading its output on two threads.
/// Never fails: a command that cannot start is [`CommandStatus::NotStarted`].
pub fn run(spec: &CommandSpec<'_>, clock: &dyn Clock) -> CommandOutcome {
    let tail = Arc::new(Mutex::new(Tail {
        limit: spec.output_limit,
        ..Tail::default()
    }));
    let mut command = Command::new(program_path(spec.line.program(), spec.workdir));
    command
        .args(spec.line.args())
        .current_dir(spec.workdir)
        .envs(spec.vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a timeout kills what it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return CommandOutcome {
                status: CommandStatus::NotStarted {
                    reason: format!("{}: {e}", spec.line.program()),
                },
                output: String::new(),
            };
        }
    };
    let (done_tx, done_rx) = mpsc::channel();
    let mut readers = 0;
    if let Some(out) = child.stdout.take() {
        readers += 1;
        spawn_reader(out, Arc::clone(&tail), done_tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        readers += 1;
        spawn_reader(err, Arc::clone(&tail), done_tx);
    }
    let status = wait(&mut child, spec.timeout, clock);
    for _ in 0..readers {
        if done_rx.recv_timeout(DRAIN).is_err() {
            break;
        }
    }
    let output = tail.lock().map(|t| t.text()).unwrap_or_default();
    CommandOutcome { status, output }
}

fn program_path(program: &str, workdir: &Path) -> PathBuf {
    let path = Path::new(program);
    if path.is_relative() && program.contains('/') && workdir.is_absolute() {
        workdir.join(path)
    } else {
        path.to_path_buf()
    }
}

fn spawn_reader(
    mut from: impl Read + Send + 'static,
    tail: Arc<Mutex<Tail>>,
    done: mpsc::Sender<()>,
) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut t) = tail.lock() {
                        t.push(&buf[..n]);
                    }
                }
            }
        }
        // The receiver may have stopped waiting; nothing to do then.
        let _ = done.send(());
    });
}

/// Waits for `child` until `timeout` has passed on `clock`, then kills it.
fn wait(child: &mut Child, timeout: Duration, clock: &dyn Clock) -> CommandStatus {
    let deadline = chrono::Duration::from_std(timeout)
        .ok()
        .and_then(|t| clock.now().checked_add_signed(t));
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return exit_status(status),
            Ok(None) => {}
            Err(e) => {
                return CommandStatus::NotStarted {
                    reason: format!("cannot wait for it: {e}"),
                };
            }
        }
        if deadline.is_some_and(|d| clock.now() >= d) {
            // Killing a process that just exited fails harmlessly; reap it either way. The
            // child is not reaped yet, so its pid (its group's id) is still its own.
            kill_group(child);
            let _ = child.kill();
            let _ = child.wait();
            return CommandStatus::TimedOut {
                after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            };
        }
        clock.sleep(POLL);
    }
}

/// Sends SIGKILL to the process group `child` leads (every process it started that stayed in
/// its group).
#[cfg(unix)]
fn kill_group(child: &Child) {
    let pid = rustix::process::Pid::from_child(child);
    if pid.as_raw_nonzero().get() > 1 {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_child: &Child) {}

fn exit_status(status: std::process::ExitStatus) -> CommandStatus {
    if let Some(code) = status.code() {
        return CommandStatus::Exited { code };
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return CommandStatus::Signaled { signal };
        }
    }
    CommandStatus::Exited { code: -1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct SystemClock;

    impl Clock for SystemClock {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            chrono::Utc::now()
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_timeout_kills_the_commands_background_children_too() {
        let dir = tempfile::tempdir().expect("temp dir");
        let line = CommandLine::new(
            [
                "sh",
                "-c",
                "sleep 30 & echo $! > child.pid; echo started; wait",
            ]
            .map(String::from)
            .to_vec(),
        )
        .expect("a command");
        let outcome = run(
            &CommandSpec {
                line: &line,
                workdir: dir.path(),
                vars: &[],
                timeout: Duration::from_millis(300),
                output_limit: 1024,
            },
            &SystemClock,
        );
        assert_eq!(outcome.status, CommandStatus::TimedOut { after_ms: 300 });
        assert_eq!(outcome.output, "started\n");
        let pid = std::fs::read_to_string(dir.path().join("child.pid")).expect("pid written");
        let proc_dir = std::path::Path::new("/proc").join(pid.trim());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // Dead (or a zombie waiting for init to reap it).
        while proc_dir.exists()
            && !std::fs::read_to_string(proc_dir.join("stat")).is_ok_and(|s| s.contains(") Z "))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the background sleep survived"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_missing_program_is_not_started_and_env_vars_reach_the_command() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing: CommandLine = "./no-such-program".parse().expect("a command");
        let vars = [("RELMAN_VERSION".to_owned(), "1.2.3".to_owned())];
        let spec = |line| CommandSpec {
            line,
            workdir: dir.path(),
            vars: &vars,
            timeout: Duration::from_secs(10),
            output_limit: 1024,
        };
        let outcome = run(&spec(&missing), &SystemClock);
        assert!(
            matches!(&outcome.status, CommandStatus::NotStarted { reason } if reason.contains("no-such-program")),
            "{outcome:?}"
        );
        let echo: CommandLine = "printenv RELMAN_VERSION".parse().expect("a command");
        let outcome = run(&spec(&echo), &SystemClock);
        assert_eq!(outcome.status, CommandStatus::Exited { code: 0 });
        assert_eq!(outcome.output, "1.2.3\n");
    }

    #[test]
    fn the_tail_keeps_the_last_bytes_and_escapes_control_characters() {
        let mut t = Tail {
            limit: 8,
            ..Tail::default()
        };
        t.push(b"0123456789\x1b[31m");
        assert_eq!(t.text(), "[...]789\\u{1b}[31m");
        let mut short = Tail {
            limit: 64,
            ..Tail::default()
        };
        short.push(b"ok\n");
        assert_eq!(short.text(), "ok\n");
    }
}
