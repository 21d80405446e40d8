//! Sweeps, tuning, calibration and sensitivity analysis over the run machinery.
//!
//! The submodules here are pure numerics: designs (grid, Latin hypercube, Sobol',
//! Saltelli, Morris), optimisers that minimise a box-bounded objective, sensitivity
//! estimators with seeded bootstrap intervals, and small statistics helpers. None of
//! them does IO or knows about scenarios; the run-level drivers call them with closures.
//! All randomness is ChaCha seeded explicitly, so every result is a function of its seed.

pub mod design;
pub mod linalg;
pub mod morris;
pub mod objective;
pub mod optim;
pub mod params;
pub mod runs;
pub mod sensitivity;
pub mod sensitivity_run;
pub mod sobol;
pub mod stats;
pub mod sweep;
pub mod tune;

use thiserror::Error;

/// Invalid arguments to the analysis numerics. These come from user settings (sample
/// counts, parameter counts, bounds), so they are errors, never panics.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AnalyzeError {
    #[error("{requested} dimensions requested, the Sobol' direction numbers support 1 to {max}")]
    TooManyDimensions { requested: usize, max: usize },
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("parameter {index}: bounds [{low}, {high}] are not finite with low < high")]
    BadBounds { index: usize, low: f64, high: f64 },
    #[error("{0}")]
    Invalid(String),
}

/// A point estimate with a confidence interval. Estimates that are undefined (for
/// example a sensitivity index of a metric that never varies) are NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Estimate {
    pub fn contains(&self, x: f64) -> bool {
        self.ci_low <= x && x <= self.ci_high
    }
}

/// Settings of a seeded percentile bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapConfig {
    pub resamples: usize,
    /// Coverage of the interval, e.g. 0.95.
    pub confidence: f64,
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

pub(crate) fn check_bounds(bounds: &[(f64, f64)]) -> Result<(), AnalyzeError> {
    for (index, &(low, high)) in bounds.iter().enumerate() {
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(AnalyzeError::BadBounds { index, low, high });
        }
    }
    Ok(())
}

/// One metric of a run summary, flattened as in `summary.csv`: `metric` is e.g.
/// `outcome_probability` or `expected_payoff`, `key` the outcome or actor id.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub metric: String,
    pub key: String,
    pub mean: f64,
    pub std_err: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: u64,
}

/// Runs the model with the analysed parameters at the given values (in their order) and
/// returns the summary metrics.
pub type EvaluateMetrics<'a, E> = dyn FnMut(&[f64]) -> Result<Vec<MetricRow>, E> + 'a;
