//! One module per `relman` subcommand.

pub mod schedule;
