//! `relman completions SHELL`: the shell completion script, printed for the user to install
//! (for example `relman completions bash > ~/.local/share/bash-completion/completions/relman`).

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Arguments of `relman completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, elvish, fish, powershell or zsh.
    shell: Shell,
}

/// Prints the completion script of `shell` for every relman command and option.
pub fn run(args: &CompletionsArgs) -> ExitCode {
    let mut command = crate::Cli::command();
    // Into a buffer: clap_complete panics on a failed write, `print!` on a closed pipe is
    // handled by `main` like every other command's output.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "relman", &mut script);
    print!("{}", String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}
