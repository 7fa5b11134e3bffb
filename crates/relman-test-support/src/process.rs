//! What the real-server helpers share: who runs the tests, free ports, commands that must
//! succeed, and servers started as `nobody` when the tests run as root.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::process::Command;

/// Whether the tests run as root (servers such as PostgreSQL refuse to).
pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A port on 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free localhost port")
        .port()
}

/// Runs `command`, which must succeed; panics with its output otherwise.
pub(crate) fn run(command: &mut Command, what: &str) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `program` as a command, run as `nobody` (uid and gid 65534, through `setpriv`, which execs
/// so that the child's pid is the server's) when `root`.
pub(crate) fn unprivileged(program: impl AsRef<OsStr>, root: bool) -> Command {
    if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}
