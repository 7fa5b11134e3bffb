//! `relman completions SHELL` prints a completion script that knows every command.

use std::process::Command;

mod common;

#[test]
fn completion_scripts_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_relman"))
            .args(["completions", shell])
            .output()
            .expect("relman runs");
        let script = common::ok(&out);
        for command in [
            "plan",
            "bump",
            "changelog",
            "change",
            "env",
            "report",
            "completions",
        ] {
            assert!(script.contains(command), "{shell}: no {command}");
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["completions", "tcsh"])
        .output()
        .expect("relman runs");
    assert_eq!(out.status.code(), Some(2));
}
