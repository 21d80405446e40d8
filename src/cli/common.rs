//! Errors, exit codes and helpers shared by the commands.

use std::path::Path;

use super::args::SolverFlag;
use crate::diag::Diagnostics;
use crate::model::{self, DefaultSolver, Model};
use crate::simulate::{RunConfig, SolverChoice};

/// A command's failure, with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad input or usage: exit code 2. Nothing has been written.
    Input(String),
    /// The computation failed (a solver did not converge, a file could not be
    /// written): exit code 1.
    Failure(String),
    /// Stopped by the user; what was finished is kept: exit code 130.
    Interrupted(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failure(_) => 1,
            CliError::Interrupted(_) => 130,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            CliError::Input(m) | CliError::Failure(m) | CliError::Interrupted(m) => m,
        }
    }
}

impl From<Diagnostics> for CliError {
    fn from(d: Diagnostics) -> Self {
        CliError::Input(d.sorted().to_string())
    }
}

impl From<crate::output::OutputError> for CliError {
    fn from(e: crate::output::OutputError) -> Self {
        match e {
            crate::output::OutputError::Exists(_) => CliError::Input(format!("error: {e}")),
            other => CliError::Failure(format!("error: {other}")),
        }
    }
}

/// Reads a user file; a missing or unreadable file is bad input.
pub fn read_input(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{}: cannot read file: {e}", path.display())))
}

/// Reads and compiles a scenario file.
pub fn load_model(path: &Path) -> Result<(Model, String), CliError> {
    let source = read_input(path)?;
    let model = model::load(&source, &path.display().to_string())?;
    Ok((model, source))
}

/// Parses `--set NAME=VALUE` flags into one override per model parameter.
pub fn parse_sets(model: &Model, sets: &[String]) -> Result<Vec<Option<f64>>, CliError> {
    let mut fixed = vec![None; model.params().len()];
    let mut problems = Vec::new();
    for s in sets {
        let Some((name, value)) = s.split_once('=') else {
            problems.push(format!("--set {s}: expected NAME=VALUE"));
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        let Some(k) = model.param_index(name) else {
            let known: Vec<&str> = model.params().iter().map(|p| p.name.as_str()).collect();
            problems.push(format!(
                "--set {s}: unknown parameter `{name}` (parameters: {})",
                known.join(", ")
            ));
            continue;
        };
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() => {
                let p = &model.params()[k];
                if v < p.low || v > p.high {
                    problems.push(format!(
                        "--set {s}: {v} is outside the bounds [{}, {}] of `{name}`",
                        p.low, p.high
                    ));
                } else {
                    fixed[k] = Some(v);
                }
            }
            _ => problems.push(format!("--set {s}: `{value}` is not a finite number")),
        }
    }
    if problems.is_empty() {
        Ok(fixed)
    } else {
        Err(CliError::Input(
            problems
                .into_iter()
                .map(|p| format!("error: {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    }
}

/// Number of worker threads: the flag, or every available core.
pub fn resolve_threads(flag: Option<usize>) -> Result<usize, CliError> {
    match flag {
        Some(0) => Err(CliError::Input("error: --threads must be at least 1".into())),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
    }
}

/// Checks a λ flag.
pub fn check_lambda(lambda: Option<f64>) -> Result<Option<f64>, CliError> {
    match lambda {
        Some(l) if !(l.is_finite() && l >= 0.0) => Err(CliError::Input(format!(
            "error: --lambda must be a finite number ≥ 0, got {l}"
        ))),
        other => Ok(other),
    }
}

/// `--tolerance` of `solve`: a finite number in (0, 1).
pub fn check_tolerance(tolerance: Option<f64>) -> Result<Option<f64>, CliError> {
    match tolerance {
        Some(t) if !(t.is_finite() && t > 0.0 && t < 1.0) => Err(CliError::Input(format!(
            "error: --tolerance must be a number between 0 and 1 (exclusive), got {t}"
        ))),
        other => Ok(other),
    }
}

/// The flags every Monte Carlo command shares, before defaults are applied.
pub struct RunFlags<'a> {
    pub solver: Option<SolverFlag>,
    pub lambda: Option<f64>,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub sets: &'a [String],
}

/// Resolves the run configuration in one place: the scenario's defaults, overridden by
/// the flags, checked.
pub fn resolve_run_config(model: &Model, flags: &RunFlags<'_>) -> Result<RunConfig, CliError> {
    let lambda = check_lambda(flags.lambda)?;
    let solver = match flags.solver {
        Some(SolverFlag::Spe) => SolverChoice::Spe,
        Some(SolverFlag::Qre) => SolverChoice::Qre { lambda },
        Some(SolverFlag::Nash) => {
            return Err(CliError::Input(
                "error: --solver nash is for normal-form games; use spe or qre".into(),
            ));
        }
        None => match model.default_solver() {
            DefaultSolver::Spe => SolverChoice::Spe,
            DefaultSolver::Qre => SolverChoice::Qre { lambda },
        },
    };
    if lambda.is_some() && solver == SolverChoice::Spe {
        return Err(CliError::Input(
            "error: --lambda applies to the qre solver only".into(),
        ));
    }
    let trials = flags.trials.unwrap_or(model.default_trials());
    if trials == 0 {
        return Err(CliError::Input("error: --trials must be at least 1".into()));
    }
    Ok(RunConfig {
        trials,
        seed: flags.seed.unwrap_or(model.default_seed()),
        threads: resolve_threads(flags.threads)?,
        solver,
        fixed: parse_sets(model, flags.sets)?,
    })
}
