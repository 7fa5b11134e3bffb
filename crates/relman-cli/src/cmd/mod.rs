//! One module per `relman` subcommand.

pub mod bump;
pub mod changelog;
pub mod commit;
pub mod commit_range;
pub mod gate;
pub mod risk;
pub mod env;
pub mod graph;
pub mod schedule;
