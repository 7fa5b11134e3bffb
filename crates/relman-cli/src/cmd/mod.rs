//! One module per `relman` subcommand.

pub mod commit;
pub mod gate;
