//! The command line: a thin layer that parses flags, resolves configuration in one
//! place, calls the library, and maps results to exit codes (0 success, 1 failure,
//! 2 bad input or usage, 130 interrupted).

mod args;
mod check;
mod common;
mod export;
mod run;
mod solve;
mod solve_nfg;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
use args::Command;
pub use common::CliError;

/// Entry point of the `demarche` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => check::run(&a),
        Command::Run(a) => run::run(&a),
        Command::Solve(a) => solve::run(&a),
        Command::Export(a) => export::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message().is_empty() {
                eprintln!("{}", e.message());
            }
            ExitCode::from(e.exit_code())
        }
    }
}
