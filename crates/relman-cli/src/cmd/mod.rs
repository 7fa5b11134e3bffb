//! One module per `relman` subcommand.

pub mod commit;
pub mod gate;
pub mod graph;
pub mod schedule;
