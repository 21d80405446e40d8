//! Variance-based (Sobol') sensitivity indices from a Saltelli design.
//!
//! The design holds N base rows of two independent matrices A and B (the first and last
//! D columns of one 2D-dimensional Sobol' point set) and, for each parameter i, the
//! matrix AB_i: A with column i taken from B. That is N·(D + 2) model evaluations.
//! First-order indices use the Saltelli et al. (2010) estimator
//! S1_i = mean(f(B)·(f(AB_i) − f(A))) / V, total indices Jansen's estimator
//! ST_i = mean((f(A) − f(AB_i))²) / (2V), with V the variance of f over A and B
//! together. Intervals come from a seeded percentile bootstrap over the N base rows.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sobol::{SobolScramble, SobolSequence};
use super::stats::percentile_interval;
use super::{AnalyzeError, BootstrapConfig, Estimate};

/// A Saltelli design in the unit cube. Points are stored in blocks of `n_base` rows:
/// A, then B, then AB_1 … AB_D.
#[derive(Debug, Clone)]
pub struct SaltelliDesign {
    n_base: usize,
    n_params: usize,
    points: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// Builds the design from a Sobol' sequence of dimension 2·`n_params`. The
    /// unscrambled sequence skips its first point (the origin, a corner of the cube);
    /// a scrambled one starts at index 0 so that powers of two keep their net balance.
    pub fn new(
        n_base: usize,
        n_params: usize,
        scramble: SobolScramble,
    ) -> Result<SaltelliDesign, AnalyzeError> {
        if n_params == 0 {
            return Err(AnalyzeError::Invalid(
                "a Sobol' analysis needs at least one parameter".into(),
            ));
        }
        if n_base < 2 {
            return Err(AnalyzeError::Invalid(format!(
                "a Sobol' analysis needs at least 2 base samples, got {n_base}"
            )));
        }
        let sequence = SobolSequence::new(2 * n_params, scramble).map_err(|_| {
            AnalyzeError::Invalid(format!(
                "a Sobol' analysis supports at most {} parameters, got {n_params}",
                super::sobol::SOBOL_MAX_DIMENSIONS / 2
            ))
        })?;
        let start = if scramble == SobolScramble::None { 1 } else { 0 };
        let base = sequence.points(start, n_base);
        let mut points = Vec::with_capacity(n_base * (n_params + 2));
        points.extend(base.iter().map(|row| row[..n_params].to_vec()));
        points.extend(base.iter().map(|row| row[n_params..].to_vec()));
        for i in 0..n_params {
            points.extend(base.iter().map(|row| {
                let mut mixed = row[..n_params].to_vec();
                mixed[i] = row[n_params + i];
                mixed
            }));
        }
        Ok(SaltelliDesign {
            n_base,
            n_params,
            points,
        })
    }

    pub fn n_base(&self) -> usize {
        self.n_base
    }

    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// All design points in the unit cube, N·(D + 2) of them, in evaluation order.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }
}

/// First-order and total indices of one parameter for one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndices {
    pub first_order: Estimate,
    pub total: Estimate,
}

/// Sobol' indices of every parameter for one output, `outputs[k]` being the model value
/// at `design.points()[k]`. A constant output has no variance to apportion; its indices
/// are NaN.
pub fn sobol_indices(
    design: &SaltelliDesign,
    outputs: &[f64],
    bootstrap: &BootstrapConfig,
) -> Result<Vec<SobolIndices>, AnalyzeError> {
    let n = design.n_base;
    let d = design.n_params;
    if outputs.len() != n * (d + 2) {
        return Err(AnalyzeError::LengthMismatch {
            what: "Sobol' outputs",
            expected: n * (d + 2),
            got: outputs.len(),
        });
    }
    let f_a = &outputs[..n];
    let f_b = &outputs[n..2 * n];
    let f_ab: Vec<&[f64]> = (0..d).map(|i| &outputs[(2 + i) * n..(3 + i) * n]).collect();
    let all_rows: Vec<usize> = (0..n).collect();
    let point = estimate_indices(f_a, f_b, &f_ab, &all_rows);

    let mut first_replicates = vec![Vec::with_capacity(bootstrap.resamples); d];
    let mut total_replicates = vec![Vec::with_capacity(bootstrap.resamples); d];
    let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
    let mut rows = vec![0usize; n];
    for _ in 0..bootstrap.resamples {
        for row in rows.iter_mut() {
            *row = rng.random_range(0..n);
        }
        for (i, (s1, st)) in estimate_indices(f_a, f_b, &f_ab, &rows).into_iter().enumerate() {
            first_replicates[i].push(s1);
            total_replicates[i].push(st);
        }
    }
    Ok((0..d)
        .map(|i| {
            let (s1_low, s1_high) = percentile_interval(&mut first_replicates[i], bootstrap.confidence);
            let (st_low, st_high) = percentile_interval(&mut total_replicates[i], bootstrap.confidence);
            SobolIndices {
                first_order: Estimate {
                    value: point[i].0,
                    ci_low: s1_low,
                    ci_high: s1_high,
                },
                total: Estimate {
                    value: point[i].1,
                    ci_low: st_low,
                    ci_high: st_high,
                },
            }
        })
        .collect())
}

/// (S1, ST) of every parameter over the given base rows (repeats allowed).
fn estimate_indices(f_a: &[f64], f_b: &[f64], f_ab: &[&[f64]], rows: &[usize]) -> Vec<(f64, f64)> {
    let count = rows.len() as f64;
    // Two passes: payoffs can have a large mean and a small spread.
    let mean = rows.iter().map(|&r| f_a[r] + f_b[r]).sum::<f64>() / (2.0 * count);
    let variance = rows
        .iter()
        .map(|&r| (f_a[r] - mean).powi(2) + (f_b[r] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * count);
    // Relative threshold: rounding leaves a tiny positive variance for constant outputs.
    let undefined = variance.is_nan() || variance <= 1e-24 * (1.0 + mean * mean);
    f_ab.iter()
        .map(|ab| {
            if undefined {
                return (f64::NAN, f64::NAN);
            }
            let mut first = 0.0;
            let mut total = 0.0;
            for &r in rows {
                // Centring f(B) leaves the expectation unchanged (E[f(AB_i) − f(A)] = 0)
                // and removes the noise a large mean would add.
                first += (f_b[r] - mean) * (ab[r] - f_a[r]);
                let diff = f_a[r] - ab[r];
                total += diff * diff;
            }
            (first / count / variance, total / (2.0 * count) / variance)
        })
        .collect()
}
