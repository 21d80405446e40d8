//! The command line: a thin layer that parses flags, resolves configuration in one
//! place, calls the library, and maps results to exit codes (0 success, 1 failure,
//! 2 bad input or usage, 130 interrupted).

mod args;
mod check;
mod common;
mod export;
mod report;
mod run;
mod sensitivity;
mod solve;
mod solve_nfg;
mod sweep;
mod tune;

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
        Command::Sweep(a) => sweep::run(&a),
        Command::Tune(a) => tune::run(&a),
        Command::Sensitivity(a) => sensitivity::run(&a),
        Command::Report(a) => report::run(&a),
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
