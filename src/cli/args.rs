//! Flag definitions. Raw flags only; defaults that depend on the scenario are resolved
//! by each command in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "demarche", version, about = "Game-theory negotiation simulator", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a scenario and describe it: actors, parameters, moves, outcomes, tree size.
    Check(CheckArgs),
    /// Run seeded Monte Carlo trials of a scenario and write trials.csv, summary.csv, run.json.
    Run(RunArgs),
    /// Solve games (.efg, .nfg or scenario .toml at its defaults) and print the equilibrium.
    Solve(SolveArgs),
    /// Write a sampled game of a scenario as a Gambit .efg file.
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolverFlag {
    /// Subgame-perfect equilibrium (backward induction; perfect information).
    Spe,
    /// Agent logit quantal response equilibrium at precision --lambda.
    Qre,
    /// Normal-form games only: Nash equilibria by enumeration.
    Nash,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub scenario: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub scenario: PathBuf,
    /// Number of trials (default: the scenario's settings.trials).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Seed of the run (default: the scenario's settings.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: out/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Fix a parameter for every trial: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Solver (default: the scenario's settings.solver).
    #[arg(long, value_enum)]
    pub solver: Option<SolverFlag>,
    /// QRE precision λ, overriding the scenario's.
    #[arg(long)]
    pub lambda: Option<f64>,
    /// Replay trial I alone and print its trials.csv row (with the header).
    #[arg(long, value_name = "I")]
    pub trial: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Overwrite the files of an existing output folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    #[arg(required = true)]
    pub games: Vec<PathBuf>,
    /// Solver (default: qre).
    #[arg(long, value_enum)]
    pub solver: Option<SolverFlag>,
    /// QRE precision λ (default 1, or the scenario's λ for scenario files).
    #[arg(long)]
    pub lambda: Option<f64>,
    /// One JSON object per game, one per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Efg,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub scenario: PathBuf,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Export the game sampled for trial I (with --seed or the scenario's seed).
    #[arg(long, value_name = "I", conflicts_with = "sets")]
    pub trial: Option<u64>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fix a parameter: NAME=VALUE (repeatable); others take their defaults.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}
