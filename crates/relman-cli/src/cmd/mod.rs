//! One module per `relman` subcommand.
