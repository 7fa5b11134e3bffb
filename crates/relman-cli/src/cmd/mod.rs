//! One module per `relman` subcommand.

pub mod bump;
pub mod change;
pub mod changelog;
pub mod commit;
pub mod commit_range;
pub mod env;
pub mod gate;
pub mod graph;
pub mod plan;
pub mod report;
pub mod review;
pub mod risk;
pub mod schedule;
