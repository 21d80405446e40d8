//! Global sensitivity of every summary metric to chosen parameters: Sobol' indices from
//! a Saltelli design, or Morris elementary effects.
//!
//! Design points are drawn in the unit cube and mapped linearly onto each parameter's
//! range LO:HI. The caller's `evaluate` runs the model with those parameters fixed, on
//! the same trial streams at every point (common random numbers), and returns the
//! summary metrics; indices are then computed for each metric separately. Rows follow
//! `sensitivity.csv`: `method,parameter,metric,key,index,value,ci_low,ci_high`, ordered by
//! metric (as the summary orders them), then parameter, then index.

use super::design::scale_to_bounds;
use super::morris::{MorrisDesign, morris_indices};
use super::params::ParamRange;
use super::sensitivity::{SaltelliDesign, sobol_indices};
use super::sobol::SobolScramble;
use super::{AnalyzeError, BootstrapConfig, Estimate, EvaluateMetrics};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensitivityMethod {
    /// `samples` base samples N: N·(D + 2) evaluations.
    Sobol { samples: usize },
    /// `trajectories` r on a `levels`-level grid: r·(D + 1) evaluations.
    Morris { trajectories: usize, levels: usize },
}

impl SensitivityMethod {
    pub fn name(&self) -> &'static str {
        match self {
            SensitivityMethod::Sobol { .. } => "sobol",
            SensitivityMethod::Morris { .. } => "morris",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityConfig {
    pub method: SensitivityMethod,
    /// Seeds the Owen scrambling (Sobol'), the trajectories (Morris) and the bootstrap.
    pub seed: u64,
    pub bootstrap_resamples: usize,
    pub confidence: f64,
}

impl SensitivityConfig {
    pub fn new(method: SensitivityMethod, seed: u64) -> SensitivityConfig {
        SensitivityConfig {
            method,
            seed,
            bootstrap_resamples: 1000,
            confidence: 0.95,
        }
    }
}

/// One row of `sensitivity.csv`. Undefined values (a metric that never varies) are NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    pub method: &'static str,
    pub parameter: String,
    pub metric: String,
    pub key: String,
    /// `S1`, `ST` (Sobol'), or `mu`, `mu_star`, `sigma` (Morris).
    pub index: &'static str,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The model evaluations a sensitivity analysis needs.
#[derive(Debug, Clone)]
pub struct SensitivityPlan {
    pub params: Vec<ParamRange>,
    /// Parameter values (in their units) of every design point, in evaluation order.
    pub points: Vec<Vec<f64>>,
    design: Design,
}

#[derive(Debug, Clone)]
enum Design {
    Sobol(SaltelliDesign),
    Morris(MorrisDesign),
}

pub fn plan_sensitivity(
    params: &[ParamRange],
    config: &SensitivityConfig,
) -> Result<SensitivityPlan, AnalyzeError> {
    let bounds: Vec<(f64, f64)> = params.iter().map(|p| (p.low, p.high)).collect();
    super::check_bounds(&bounds)?;
    let design = match config.method {
        SensitivityMethod::Sobol { samples } => Design::Sobol(SaltelliDesign::new(
            samples,
            params.len(),
            SobolScramble::Owen { seed: config.seed },
        )?),
        SensitivityMethod::Morris { trajectories, levels } => Design::Morris(MorrisDesign::new(
            params.len(),
            trajectories,
            levels,
            config.seed,
        )?),
    };
    let unit_points = match &design {
        Design::Sobol(d) => d.points(),
        Design::Morris(d) => d.points(),
    };
    let points = unit_points.iter().map(|u| scale_to_bounds(u, &bounds)).collect();
    Ok(SensitivityPlan {
        params: params.to_vec(),
        points,
        design,
    })
}

/// Evaluates every design point (`evaluate(values)` with the parameters at `values`;
/// `progress(done, total)` after each) and computes the indices of every metric.
/// Every point must return the same metrics in the same order.
pub fn run_sensitivity<E: From<AnalyzeError>>(
    plan: &SensitivityPlan,
    config: &SensitivityConfig,
    evaluate: &mut EvaluateMetrics<'_, E>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<SensitivityRow>, E> {
    let total = plan.points.len();
    let mut names: Vec<(String, String)> = Vec::new();
    // outputs[m][k]: mean of metric m at design point k.
    let mut outputs: Vec<Vec<f64>> = Vec::new();
    for (k, values) in plan.points.iter().enumerate() {
        let metrics = evaluate(values)?;
        if k == 0 {
            names = metrics
                .iter()
                .map(|m| (m.metric.clone(), m.key.clone()))
                .collect();
            outputs = vec![Vec::with_capacity(total); names.len()];
        }
        let same = metrics.len() == names.len()
            && metrics
                .iter()
                .zip(&names)
                .all(|(m, (metric, key))| m.metric == *metric && m.key == *key);
        if !same {
            return Err(AnalyzeError::Invalid(format!(
                "design point {k} returned different metrics from point 0"
            ))
            .into());
        }
        for (series, metric) in outputs.iter_mut().zip(&metrics) {
            series.push(metric.mean);
        }
        progress(k + 1, total);
    }
    indices_from_outputs(plan, config, &names, &outputs).map_err(E::from)
}

/// The index rows for given outputs (`outputs[m][k]`: metric m at design point k).
pub fn indices_from_outputs(
    plan: &SensitivityPlan,
    config: &SensitivityConfig,
    names: &[(String, String)],
    outputs: &[Vec<f64>],
) -> Result<Vec<SensitivityRow>, AnalyzeError> {
    let bootstrap = BootstrapConfig {
        resamples: config.bootstrap_resamples,
        confidence: config.confidence,
        seed: config.seed,
    };
    let mut rows = Vec::new();
    for ((metric, key), series) in names.iter().zip(outputs) {
        let per_param: Vec<Vec<(&'static str, Estimate)>> = match &plan.design {
            Design::Sobol(design) => sobol_indices(design, series, &bootstrap)?
                .into_iter()
                .map(|s| vec![("S1", s.first_order), ("ST", s.total)])
                .collect(),
            Design::Morris(design) => morris_indices(design, series, &bootstrap)?
                .into_iter()
                .map(|m| vec![("mu", m.mu), ("mu_star", m.mu_star), ("sigma", m.sigma)])
                .collect(),
        };
        for (param, indices) in plan.params.iter().zip(per_param) {
            for (index, estimate) in indices {
                rows.push(SensitivityRow {
                    method: config.method.name(),
                    parameter: param.name.clone(),
                    metric: metric.clone(),
                    key: key.clone(),
                    index,
                    value: estimate.value,
                    ci_low: estimate.ci_low,
                    ci_high: estimate.ci_high,
                });
            }
        }
    }
    Ok(rows)
}
