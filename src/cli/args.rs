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
    /// Run the scenario at every point of a grid or Latin hypercube over parameters.
    Sweep(SweepArgs),
    /// Search parameter values that maximise or minimise an objective, or calibrate them to observations.
    Tune(TuneArgs),
    /// Global sensitivity (Sobol' or Morris) of every summary metric to chosen parameters.
    Sensitivity(SensitivityArgs),
    /// Write an HTML report with SVG figures for an output folder of run, sweep, tune or sensitivity.
    Report(ReportArgs),
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
    /// Also write report.html and figures/*.svg next to the CSVs.
    #[arg(long)]
    pub report: bool,
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
    /// Largest |σ − logit response to σ| the QRE of an extensive game or scenario may
    /// leave (default 1e-10). Where λ × payoffs reach about 10⁴, rounding alone leaves
    /// residuals near 1e-10; a looser bound accepts such answers.
    #[arg(long, value_name = "T")]
    pub tolerance: Option<f64>,
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

/// How each model evaluation of an analysis is run: the `run` flags that apply to it.
#[derive(Debug, Args)]
pub struct EvaluationArgs {
    /// Trials per model evaluation (default: the scenario's settings.trials).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Seed: every evaluation uses the same trial streams (default: the scenario's settings.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Solver (default: the scenario's settings.solver).
    #[arg(long, value_enum)]
    pub solver: Option<SolverFlag>,
    /// QRE precision λ, overriding the scenario's.
    #[arg(long)]
    pub lambda: Option<f64>,
    /// Fix another parameter at every evaluation: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Overwrite the files of an existing output folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesignFlag {
    /// Cartesian product of the varied values.
    Grid,
    /// Latin hypercube of --points points within the varied ranges.
    Lhs,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    pub scenario: PathBuf,
    /// A parameter to vary: NAME=LO:HI:N (N evenly spaced values) or NAME=V1,V2,... (repeatable).
    #[arg(long, value_name = "SPEC", required = true)]
    pub vary: Vec<String>,
    /// Design of the sweep.
    #[arg(long, value_enum, default_value = "grid")]
    pub design: DesignFlag,
    /// Number of points of a Latin hypercube (default 20).
    #[arg(long, value_name = "K")]
    pub points: Option<usize>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Continue an interrupted sweep in --out: run only the points it has not finished.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    #[command(flatten)]
    pub evaluation: EvaluationArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TuneMethodFlag {
    /// Covariance matrix adaptation evolution strategy (seeded).
    Cmaes,
    /// Nelder–Mead simplex.
    NelderMead,
    /// Uniform random search.
    Random,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("goal").required(true).args(["maximize", "minimize", "calibrate"])))]
pub struct TuneArgs {
    pub scenario: PathBuf,
    /// A parameter to tune within [LO, HI]: NAME=LO:HI (repeatable).
    #[arg(long, value_name = "NAME=LO:HI", required = true)]
    pub param: Vec<String>,
    /// Maximise an objective: p(OUTCOME), payoff(ACTOR) or a weighted sum of them.
    #[arg(long, value_name = "OBJ")]
    pub maximize: Option<String>,
    /// Minimise an objective.
    #[arg(long, value_name = "OBJ")]
    pub minimize: Option<String>,
    /// Fit the parameters to observed outcomes (a CSV with an `outcome` column, optional `count`).
    #[arg(long, value_name = "OBSERVED.csv")]
    pub calibrate: Option<PathBuf>,
    /// Maximum number of model evaluations of the search.
    #[arg(long, value_name = "EVALS", default_value_t = 100)]
    pub budget: usize,
    /// Optimiser.
    #[arg(long, value_enum, default_value = "cmaes")]
    pub method: TuneMethodFlag,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub evaluation: EvaluationArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SensitivityMethodFlag {
    /// Sobol' first-order and total indices (Saltelli design, N·(D+2) evaluations).
    Sobol,
    /// Morris elementary effects (r trajectories, r·(D+1) evaluations).
    Morris,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    pub scenario: PathBuf,
    /// A parameter to analyse over [LO, HI]: NAME=LO:HI (repeatable).
    #[arg(long, value_name = "NAME=LO:HI", required = true)]
    pub param: Vec<String>,
    /// Method.
    #[arg(long, value_enum, default_value = "sobol")]
    pub method: SensitivityMethodFlag,
    /// Sobol': base samples N (default 64); Morris: trajectories r (default 10).
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Morris: levels of the grid (default 4).
    #[arg(long)]
    pub levels: Option<usize>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub evaluation: EvaluationArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// An output folder of run, sweep, tune or sensitivity.
    pub dir: PathBuf,
    /// Where to write the HTML (default: DIR/report.html). Figures go to DIR/figures/.
    #[arg(long, value_name = "FILE.html")]
    pub out: Option<PathBuf>,
}
