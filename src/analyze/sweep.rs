//! Parameter sweeps: a design (full grid or Latin hypercube) over the varied
//! parameters, one model evaluation per point in point order, and tidy rows
//! `point, <varied parameters>, metric, key, mean, std_err, ci_low, ci_high, n`.
//!
//! The caller's `evaluate` runs the model with the varied parameters fixed, on the same
//! trial streams at every point (common random numbers), so differences between points
//! come from the parameters and not from noise. Resuming is a matter of passing the set
//! of points already finished: only the others are evaluated.

use std::collections::BTreeSet;

use super::design::{grid, latin_hypercube};
use super::params::{ParamRange, VarySpec};
use super::{AnalyzeError, EvaluateMetrics, MetricRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepDesign {
    /// The Cartesian product of every parameter's values (last parameter fastest).
    Grid,
    /// `points` points within the parameters' ranges, one per stratum in each dimension.
    LatinHypercube { points: usize, seed: u64 },
}

impl SweepDesign {
    /// The name used in output metadata (`grid`, `lhs`).
    pub fn name(&self) -> &'static str {
        match self {
            SweepDesign::Grid => "grid",
            SweepDesign::LatinHypercube { .. } => "lhs",
        }
    }
}

/// The points of a sweep, in evaluation (and output) order.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPlan {
    pub params: Vec<ParamRange>,
    /// `points[k][j]`: value of `params[j]` at point k.
    pub points: Vec<Vec<f64>>,
    pub design: SweepDesign,
}

pub fn plan_sweep(varies: &[VarySpec], design: SweepDesign) -> Result<SweepPlan, AnalyzeError> {
    if varies.is_empty() {
        return Err(AnalyzeError::Invalid("a sweep needs at least one --vary".into()));
    }
    let params: Vec<ParamRange> = varies.iter().map(|v| v.range.clone()).collect();
    let points = match design {
        SweepDesign::Grid => grid(&varies.iter().map(|v| v.values.clone()).collect::<Vec<_>>()),
        SweepDesign::LatinHypercube { points, seed } => {
            if points == 0 {
                return Err(AnalyzeError::Invalid(
                    "a Latin hypercube needs at least one point".into(),
                ));
            }
            // A parameter given a single value stays there.
            let bounds: Vec<(f64, f64)> = params
                .iter()
                .map(|p| {
                    if p.low < p.high {
                        (p.low, p.high)
                    } else {
                        (p.low, p.low + 1.0)
                    }
                })
                .collect();
            let mut unit_points = latin_hypercube(points, &bounds, seed)?;
            for point in &mut unit_points {
                for (value, p) in point.iter_mut().zip(&params) {
                    if p.low == p.high {
                        *value = p.low;
                    }
                }
            }
            unit_points
        }
    };
    Ok(SweepPlan {
        params,
        points,
        design,
    })
}

impl SweepPlan {
    /// Header of `sweep.csv`.
    pub fn header(&self) -> Vec<String> {
        let mut header = vec!["point".to_string()];
        header.extend(self.params.iter().map(|p| p.name.clone()));
        header.extend(["metric", "key", "mean", "std_err", "ci_low", "ci_high", "n"].map(String::from));
        header
    }

    /// `fixed` overrides for the model at point k: `base` with the varied parameters set.
    pub fn fixed_at(&self, point: usize, base: &[Option<f64>]) -> Vec<Option<f64>> {
        let mut fixed = base.to_vec();
        for (p, &value) in self.params.iter().zip(&self.points[point]) {
            if fixed.len() <= p.index {
                fixed.resize(p.index + 1, None);
            }
            fixed[p.index] = Some(value);
        }
        fixed
    }
}

/// Receives each finished sweep point: its index, the varied values and the metrics.
pub type PointSink<'a, E> = dyn FnMut(usize, &[f64], Vec<MetricRow>) -> Result<(), E> + 'a;

/// Evaluates every point not in `finished`, in point order. `evaluate(values)` runs the
/// model with the varied parameters at `values`; `on_point(point, values, metrics)`
/// receives each finished point (to write it out at once, so an interruption keeps it).
/// Errors from either closure (including cancellation) stop the sweep.
pub fn run_sweep<E>(
    plan: &SweepPlan,
    finished: &BTreeSet<usize>,
    evaluate: &mut EvaluateMetrics<'_, E>,
    on_point: &mut PointSink<'_, E>,
) -> Result<(), E> {
    for (point, values) in plan.points.iter().enumerate() {
        if finished.contains(&point) {
            continue;
        }
        let metrics = evaluate(values)?;
        on_point(point, values, metrics)?;
    }
    Ok(())
}
