//! Statistics helpers: moments, quantiles, and the intervals reported by calibration
//! (curvature of the log-likelihood, profile likelihood).

use super::linalg::spd_inverse;
use super::{AnalyzeError, check_bounds};
use crate::math;

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample variance with the n − 1 denominator (NaN below two values).
pub fn sample_variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    let m = mean(values);
    values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() - 1) as f64
}

/// Standard error of the mean.
pub fn std_err(values: &[f64]) -> f64 {
    (sample_variance(values) / values.len() as f64).sqrt()
}

/// Quantile of already sorted values with linear interpolation between order
/// statistics (type 7, the R and NumPy default).
pub fn quantile_sorted(sorted: &[f64], probability: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = probability.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

/// Percentile interval of bootstrap replicates; NaN replicates (undefined resamples)
/// are dropped, and an all-NaN set gives a NaN interval.
pub fn percentile_interval(replicates: &mut Vec<f64>, confidence: f64) -> (f64, f64) {
    replicates.retain(|v| !v.is_nan());
    replicates.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (
        quantile_sorted(replicates, tail),
        quantile_sorted(replicates, 1.0 - tail),
    )
}

/// Standard normal quantile (1.959964 at 0.975),
/// by Acklam's rational approximation.
pub fn normal_quantile(probability: f64) -> f64 {
    let p = probability;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let low = 0.02425;
    let x = if p < low {
        let q = (-2.0 * math::ln(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * math::ln(1.0 - p)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // The approximation's relative error (1.15e-9) is far below what intervals need.
    x
}

/// Numerical Hessian of `f` at `x` by central differences with step `step_fraction`
/// of each parameter's range. Near a bound the three-point stencil is shifted inside
/// the box (so the function is never evaluated outside it); the second differences are
/// then those of the shifted stencil's centre, exact for quadratics.
pub fn numerical_hessian<E>(
    f: &mut dyn FnMut(&[f64]) -> Result<f64, E>,
    x: &[f64],
    bounds: &[(f64, f64)],
    step_fraction: f64,
) -> Result<Vec<Vec<f64>>, E> {
    let n = x.len();
    let steps: Vec<f64> = bounds
        .iter()
        .map(|&(low, high)| step_fraction * (high - low))
        .collect();
    // Centre of each coordinate's stencil, moved inward when x ± h leaves the box.
    let centres: Vec<f64> = (0..n)
        .map(|i| {
            let (low, high) = bounds[i];
            x[i].clamp(low + steps[i], high - steps[i])
        })
        .collect();
    let evaluate = |offsets: &[(usize, f64)], f: &mut dyn FnMut(&[f64]) -> Result<f64, E>| {
        let mut point = x.to_vec();
        for &(i, multiple) in offsets {
            point[i] = centres[i] + multiple * steps[i];
        }
        f(&point)
    };
    let mut hessian = vec![vec![0.0; n]; n];
    for i in 0..n {
        let plus = evaluate(&[(i, 1.0)], f)?;
        let centre = evaluate(&[(i, 0.0)], f)?;
        let minus = evaluate(&[(i, -1.0)], f)?;
        hessian[i][i] = (plus - 2.0 * centre + minus) / (steps[i] * steps[i]);
        for j in 0..i {
            let pp = evaluate(&[(i, 1.0), (j, 1.0)], f)?;
            let pm = evaluate(&[(i, 1.0), (j, -1.0)], f)?;
            let mp = evaluate(&[(i, -1.0), (j, 1.0)], f)?;
            let mm = evaluate(&[(i, -1.0), (j, -1.0)], f)?;
            let value = (pp - pm - mp + mm) / (4.0 * steps[i] * steps[j]);
            hessian[i][j] = value;
            hessian[j][i] = value;
        }
    }
    Ok(hessian)
}

/// A reported interval for one tuned parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterInterval {
    pub estimate: f64,
    /// Asymptotic standard error, when the curvature defines one.
    pub std_error: Option<f64>,
    pub low: f64,
    pub high: f64,
    /// True when an end of the interval was cut at the parameter's bound.
    pub clipped: bool,
}

/// Wald intervals from the curvature of a log-likelihood at its maximum: the covariance
/// is the inverse of the observed information −H. Intervals are clipped to `bounds`.
/// Returns `None` when −H is not positive definite (a flat or saddle direction: the
/// data do not identify the parameters, and a profile interval is the honest answer).
pub fn curvature_intervals(
    estimate: &[f64],
    log_likelihood_hessian: &[Vec<f64>],
    bounds: &[(f64, f64)],
    confidence: f64,
) -> Result<Option<Vec<ParameterInterval>>, AnalyzeError> {
    check_bounds(bounds)?;
    let n = estimate.len();
    if log_likelihood_hessian.len() != n || bounds.len() != n {
        return Err(AnalyzeError::LengthMismatch {
            what: "hessian and bounds",
            expected: n,
            got: bounds.len(),
        });
    }
    let information: Vec<Vec<f64>> = log_likelihood_hessian
        .iter()
        .map(|row| row.iter().map(|v| -v).collect())
        .collect();
    let Some(covariance) = spd_inverse(&information) else {
        return Ok(None);
    };
    let z = normal_quantile(0.5 + confidence / 2.0);
    Ok(Some(
        (0..n)
            .map(|i| {
                let se = covariance[i][i].sqrt();
                let (low, high) = bounds[i];
                let raw_low = estimate[i] - z * se;
                let raw_high = estimate[i] + z * se;
                ParameterInterval {
                    estimate: estimate[i],
                    std_error: Some(se),
                    low: raw_low.max(low),
                    high: raw_high.min(high),
                    clipped: raw_low < low || raw_high > high,
                }
            })
            .collect(),
    ))
}

/// Profile-likelihood interval for one parameter: the set of values whose profile
/// log-likelihood is within χ²₁(confidence)/2 of the maximum (1.92 for 95 %).
/// `profile(v)` returns the log-likelihood maximised over the other parameters with
/// this one fixed at `v` (or a slice through the optimum, when re-optimising is too
/// dear). Each side is found by stepping outward in `grid_steps` steps to the bound,
/// then bisecting the crossing to within `tolerance`; a side that never crosses is
/// clipped at the bound. Each profile value may be a full model run, so the cost is
/// at most `grid_steps` plus about log2(step / tolerance) evaluations per side.
pub fn profile_interval<E>(
    profile: &mut dyn FnMut(f64) -> Result<f64, E>,
    estimate: f64,
    maximum: f64,
    bound: (f64, f64),
    confidence: f64,
    grid_steps: usize,
    tolerance: f64,
) -> Result<ParameterInterval, E> {
    let z = normal_quantile(0.5 + confidence / 2.0);
    let threshold = maximum - z * z / 2.0;
    let steps = grid_steps.max(1);
    let find_side = |target: f64, profile: &mut dyn FnMut(f64) -> Result<f64, E>| -> Result<(f64, bool), E> {
        let mut inside = estimate;
        for k in 1..=steps {
            let candidate = estimate + (target - estimate) * k as f64 / steps as f64;
            if profile(candidate)? < threshold {
                let mut outside = candidate;
                for _ in 0..60 {
                    if (outside - inside).abs() <= tolerance {
                        break;
                    }
                    let middle = 0.5 * (inside + outside);
                    if profile(middle)? < threshold {
                        outside = middle;
                    } else {
                        inside = middle;
                    }
                }
                return Ok((0.5 * (inside + outside), false));
            }
            inside = candidate;
        }
        Ok((target, true))
    };
    let (low, low_clipped) = find_side(bound.0, profile)?;
    let (high, high_clipped) = find_side(bound.1, profile)?;
    Ok(ParameterInterval {
        estimate,
        std_error: None,
        low,
        high,
        clipped: low_clipped || high_clipped,
    })
}
