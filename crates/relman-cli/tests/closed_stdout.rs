//! Writing into a closed pipe (`relman ... | head`) ends quietly instead of panicking.

use std::process::{Command, Stdio};

#[test]
fn closed_stdout_is_not_a_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args([
            "commit",
            "parse",
            "--format",
            "json",
            "feat(api): add a thing",
        ])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}
