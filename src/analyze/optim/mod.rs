//! Box-bounded minimisation: CMA-ES (default), Nelder–Mead and random search.
//!
//! The problem (bounds, start), the solver (one of the methods) and the executor are
//! separate. The executor owns the evaluation budget and records every evaluation;
//! solvers ask it for values and stop when it refuses (budget spent) or when their own
//! convergence test passes, and the result says why it stopped. Solvers work in the unit
//! cube (each parameter scaled to [0, 1] by its bounds) so that one step size and one
//! tolerance fit all parameters; the objective always sees parameters in their own units.
//! To maximise, minimise the negation.

mod cmaes;
mod nelder_mead;
mod random;

use std::fmt;
use std::str::FromStr;

use super::design::scale_to_bounds;
use super::{AnalyzeError, check_bounds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    CmaEs,
    NelderMead,
    RandomSearch,
}

impl FromStr for Method {
    type Err = AnalyzeError;

    fn from_str(text: &str) -> Result<Method, AnalyzeError> {
        match text {
            "cmaes" | "cma-es" => Ok(Method::CmaEs),
            "nelder-mead" | "neldermead" => Ok(Method::NelderMead),
            "random" => Ok(Method::RandomSearch),
            other => Err(AnalyzeError::Invalid(format!(
                "unknown optimisation method `{other}` (expected cmaes, nelder-mead or random)"
            ))),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::CmaEs => "cmaes",
            Method::NelderMead => "nelder-mead",
            Method::RandomSearch => "random",
        })
    }
}

/// What to minimise over: a box and a starting point inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    bounds: Vec<(f64, f64)>,
    x0: Vec<f64>,
}

impl Problem {
    /// Bounds must be finite with low < high; the start is clamped into the box.
    pub fn new(bounds: Vec<(f64, f64)>, x0: Vec<f64>) -> Result<Problem, AnalyzeError> {
        check_bounds(&bounds)?;
        if bounds.is_empty() {
            return Err(AnalyzeError::Invalid("nothing to optimise: no parameters".into()));
        }
        if x0.len() != bounds.len() {
            return Err(AnalyzeError::LengthMismatch {
                what: "start point",
                expected: bounds.len(),
                got: x0.len(),
            });
        }
        if x0.iter().any(|v| !v.is_finite()) {
            return Err(AnalyzeError::Invalid("the start point is not finite".into()));
        }
        let x0 = x0
            .iter()
            .zip(&bounds)
            .map(|(&v, &(low, high))| v.clamp(low, high))
            .collect();
        Ok(Problem { bounds, x0 })
    }

    pub fn bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }

    pub fn x0(&self) -> &[f64] {
        &self.x0
    }

    pub fn dimensions(&self) -> usize {
        self.bounds.len()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OptimConfig {
    pub method: Method,
    /// Maximum number of objective evaluations; never exceeded.
    pub budget: usize,
    pub seed: u64,
    /// Convergence in x, as a fraction of each parameter's range.
    pub x_tolerance: f64,
    /// Convergence in f, absolute.
    pub f_tolerance: f64,
}

impl Default for OptimConfig {
    fn default() -> Self {
        OptimConfig {
            method: Method::CmaEs,
            budget: 200,
            seed: 0,
            x_tolerance: 1e-6,
            f_tolerance: 1e-10,
        }
    }
}

/// The objective's answer at one point: a value to minimise and, for Monte Carlo
/// objectives, its standard error (carried into the record, not used for ranking).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub value: f64,
    pub std_err: Option<f64>,
}

impl Evaluation {
    pub fn exact(value: f64) -> Evaluation {
        Evaluation { value, std_err: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRecord {
    /// Parameters in their own units.
    pub x: Vec<f64>,
    pub value: f64,
    pub std_err: Option<f64>,
}

/// Why an optimisation stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// The evaluation budget was spent.
    Budget,
    /// The method's convergence test passed.
    Converged {
        criterion: Criterion,
        value: f64,
        tolerance: f64,
    },
    /// The method cannot continue (for example a degenerate covariance in CMA-ES).
    NumericalBreakdown { detail: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// The search distribution or simplex shrank below the x tolerance.
    StepSize,
    /// Objective values stopped changing by more than the f tolerance.
    FunctionSpread,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Budget => f.write_str("evaluation budget exhausted"),
            StopReason::Converged {
                criterion: Criterion::StepSize,
                value,
                tolerance,
            } => {
                write!(
                    f,
                    "converged: step size {value:.3e} below x tolerance {tolerance:.3e} (fraction of range)"
                )
            }
            StopReason::Converged {
                criterion: Criterion::FunctionSpread,
                value,
                tolerance,
            } => {
                write!(
                    f,
                    "converged: objective spread {value:.3e} below f tolerance {tolerance:.3e}"
                )
            }
            StopReason::NumericalBreakdown { detail } => write!(f, "numerical breakdown: {detail}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OptimResult {
    /// Every evaluation, in order.
    pub evaluations: Vec<EvaluationRecord>,
    /// Index into `evaluations` of the lowest finite value (the first such on ties),
    /// `None` only when nothing was evaluated or every value was NaN.
    pub best: Option<usize>,
    pub stop: StopReason,
}

impl OptimResult {
    pub fn best_record(&self) -> Option<&EvaluationRecord> {
        self.best.map(|i| &self.evaluations[i])
    }
}

/// Minimises `objective` inside the problem's box. Objective errors stop the search and
/// are returned as they are; everything else is recorded in the result.
pub fn minimize<E>(
    objective: &mut dyn FnMut(&[f64]) -> Result<Evaluation, E>,
    problem: &Problem,
    config: &OptimConfig,
) -> Result<OptimResult, E> {
    let mut executor = Executor {
        objective,
        bounds: &problem.bounds,
        budget: config.budget,
        records: Vec::new(),
    };
    let unit_x0: Vec<f64> = super::design::scale_to_unit(&problem.x0, &problem.bounds);
    let stop = match config.method {
        Method::CmaEs => cmaes::run(&mut executor, &unit_x0, config)?,
        Method::NelderMead => nelder_mead::run(&mut executor, &unit_x0, config)?,
        Method::RandomSearch => random::run(&mut executor, &unit_x0, config)?,
    };
    let records = executor.records;
    let mut best: Option<usize> = None;
    for (i, record) in records.iter().enumerate() {
        if record.value.is_nan() {
            continue;
        }
        if best.is_none_or(|b| record.value < records[b].value) {
            best = Some(i);
        }
    }
    Ok(OptimResult {
        evaluations: records,
        best,
        stop,
    })
}

/// Owns the budget and the record of evaluations.
pub(crate) struct Executor<'a, E> {
    objective: &'a mut dyn FnMut(&[f64]) -> Result<Evaluation, E>,
    bounds: &'a [(f64, f64)],
    budget: usize,
    records: Vec<EvaluationRecord>,
}

impl<E> Executor<'_, E> {
    /// Evaluates at a unit-cube point (clamped into the cube). `Ok(None)` means the
    /// budget is spent and nothing was evaluated. NaN values rank as +∞.
    pub(crate) fn evaluate(&mut self, unit: &[f64]) -> Result<Option<f64>, E> {
        if self.records.len() >= self.budget {
            return Ok(None);
        }
        let clamped: Vec<f64> = unit.iter().map(|u| u.clamp(0.0, 1.0)).collect();
        let x = scale_to_bounds(&clamped, self.bounds);
        let evaluation = (self.objective)(&x)?;
        self.records.push(EvaluationRecord {
            x,
            value: evaluation.value,
            std_err: evaluation.std_err,
        });
        Ok(Some(if evaluation.value.is_nan() {
            f64::INFINITY
        } else {
            evaluation.value
        }))
    }

    pub(crate) fn remaining(&self) -> usize {
        self.budget - self.records.len()
    }
}
