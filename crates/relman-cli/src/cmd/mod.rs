//! One module per `relman` subcommand.

pub mod commit;
pub mod gate;
pub mod risk;
pub mod env;
pub mod graph;
pub mod schedule;
