//! (μ/μ_w, λ)-CMA-ES with the standard parameter settings of Hansen's tutorial
//! ("The CMA Evolution Strategy: A Tutorial", 2016): λ = 4 + ⌊3 ln n⌋, μ = ⌊λ/2⌋,
//! positive log-weights, cumulative step-size adaptation, rank-one and rank-μ updates.
//!
//! It works in the unit cube with the mean starting at the scaled start point and
//! σ₀ = 0.3 (of each parameter's range). Bounds are handled by resampling: a candidate
//! outside the cube is redrawn (up to 100 times, which costs no evaluations) and only
//! then clamped. Every evaluated candidate is thus feasible and is used unchanged in
//! the update, so the distribution stays consistent with what was evaluated.
//! Stops when σ·√(largest eigenvalue of C) < x tolerance, when the best values of the
//! last generations and the current ones span less than the f tolerance, or when the
//! budget runs out (a last partial generation is evaluated but not used to update).

// Index loops mirror the tutorial's formulas; iterator rewrites would obscure them.
#![allow(clippy::needless_range_loop)]

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Criterion, Executor, OptimConfig, StopReason};
use crate::analyze::linalg::symmetric_eigen;
use crate::math;

const INITIAL_SIGMA: f64 = 0.3;
const MAX_RESAMPLES: usize = 100;

pub(crate) fn run<E>(
    executor: &mut Executor<'_, E>,
    x0: &[f64],
    config: &OptimConfig,
) -> Result<StopReason, E> {
    let n = x0.len();
    let nf = n as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    // Selection and recombination.
    let lambda = 4 + (3.0 * math::ln(nf)).floor() as usize;
    let mu = lambda / 2;
    let raw_weights: Vec<f64> = (1..=mu)
        .map(|i| math::ln((lambda as f64 + 1.0) / 2.0) - math::ln(i as f64))
        .collect();
    let weight_sum: f64 = raw_weights.iter().sum();
    let weights: Vec<f64> = raw_weights.iter().map(|w| w / weight_sum).collect();
    let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();

    // Adaptation constants.
    let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
    let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
    let c_c = (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf);
    let c_1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
    let c_mu = (1.0 - c_1).min(2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((nf + 2.0).powi(2) + mu_eff));
    let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));

    let mut mean: Vec<f64> = x0.iter().map(|u| u.clamp(0.0, 1.0)).collect();
    let mut sigma = INITIAL_SIGMA;
    let mut covariance = crate::analyze::linalg::identity(n);
    let mut eigenvectors = crate::analyze::linalg::identity(n);
    let mut axis_lengths = vec![1.0; n];
    let mut path_sigma = vec![0.0; n];
    let mut path_c = vec![0.0; n];
    let history_length = 10 + (30.0 * nf / lambda as f64).ceil() as usize;
    let mut best_history: Vec<f64> = Vec::new();

    for generation in 0.. {
        // Sample λ feasible candidates: x = m + σ B D z.
        let mut candidates: Vec<(Vec<f64>, Vec<f64>)> = Vec::with_capacity(lambda); // (x, y)
        for _ in 0..lambda {
            let mut accepted = None;
            for attempt in 0..MAX_RESAMPLES {
                let z: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
                let y: Vec<f64> = (0..n)
                    .map(|i| (0..n).map(|k| eigenvectors[i][k] * axis_lengths[k] * z[k]).sum())
                    .collect();
                let x: Vec<f64> = mean.iter().zip(&y).map(|(m, yi)| m + sigma * yi).collect();
                let inside = x.iter().all(|u| (0.0..=1.0).contains(u));
                if inside || attempt + 1 == MAX_RESAMPLES {
                    let x: Vec<f64> = x.into_iter().map(|u| u.clamp(0.0, 1.0)).collect();
                    // Keep y consistent with the (possibly clamped) evaluated point.
                    let y = x.iter().zip(&mean).map(|(xi, m)| (xi - m) / sigma).collect();
                    accepted = Some((x, y));
                    break;
                }
            }
            candidates.extend(accepted);
        }
        let mut ranked: Vec<(f64, usize)> = Vec::with_capacity(lambda);
        for (index, (x, _)) in candidates.iter().enumerate() {
            match executor.evaluate(x)? {
                Some(value) => ranked.push((value, index)),
                None => return Ok(StopReason::Budget),
            }
        }
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));

        // Recombination: the new mean moves by σ·y_w.
        let y_w: Vec<f64> = (0..n)
            .map(|i| (0..mu).map(|k| weights[k] * candidates[ranked[k].1].1[i]).sum())
            .collect();
        for i in 0..n {
            mean[i] += sigma * y_w[i];
        }

        // Step-size path uses C^{-1/2} y_w = B D^{-1} Bᵀ y_w.
        let bt_y: Vec<f64> = (0..n)
            .map(|k| (0..n).map(|i| eigenvectors[i][k] * y_w[i]).sum())
            .collect();
        let c_inv_sqrt_y: Vec<f64> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|k| eigenvectors[i][k] * bt_y[k] / axis_lengths[k])
                    .sum()
            })
            .collect();
        let norm_factor = (c_sigma * (2.0 - c_sigma) * mu_eff).sqrt();
        for i in 0..n {
            path_sigma[i] = (1.0 - c_sigma) * path_sigma[i] + norm_factor * c_inv_sqrt_y[i];
        }
        let path_sigma_norm = path_sigma.iter().map(|v| v * v).sum::<f64>().sqrt();
        let generations_done = (generation + 1) as f64;
        let h_sigma = if path_sigma_norm / (1.0 - math::powf(1.0 - c_sigma, 2.0 * generations_done)).sqrt()
            < (1.4 + 2.0 / (nf + 1.0)) * chi_n
        {
            1.0
        } else {
            0.0
        };
        let c_factor = (c_c * (2.0 - c_c) * mu_eff).sqrt();
        for i in 0..n {
            path_c[i] = (1.0 - c_c) * path_c[i] + h_sigma * c_factor * y_w[i];
        }

        // Covariance: rank-one and rank-μ updates.
        let correction = (1.0 - h_sigma) * c_c * (2.0 - c_c);
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = (0..mu)
                    .map(|k| {
                        let y = &candidates[ranked[k].1].1;
                        weights[k] * y[i] * y[j]
                    })
                    .sum();
                covariance[i][j] = (1.0 - c_1 - c_mu) * covariance[i][j]
                    + c_1 * (path_c[i] * path_c[j] + correction * covariance[i][j])
                    + c_mu * rank_mu;
            }
        }
        sigma *= math::exp((c_sigma / d_sigma) * (path_sigma_norm / chi_n - 1.0));

        // Re-decompose C = B D² Bᵀ.
        for i in 0..n {
            for j in 0..i {
                let symmetric = 0.5 * (covariance[i][j] + covariance[j][i]);
                covariance[i][j] = symmetric;
                covariance[j][i] = symmetric;
            }
        }
        let (eigenvalues, vectors) = symmetric_eigen(&covariance);
        if eigenvalues
            .iter()
            .any(|&v| v.is_nan() || v <= 0.0 || !v.is_finite())
            || !sigma.is_finite()
        {
            return Ok(StopReason::NumericalBreakdown {
                detail: "the CMA-ES covariance matrix lost positive definiteness".into(),
            });
        }
        eigenvectors = vectors;
        axis_lengths = eigenvalues.iter().map(|v| v.sqrt()).collect();

        // Convergence tests.
        let step = sigma * axis_lengths.iter().fold(0.0, |a: f64, &b| a.max(b));
        if step < config.x_tolerance {
            return Ok(StopReason::Converged {
                criterion: Criterion::StepSize,
                value: step,
                tolerance: config.x_tolerance,
            });
        }
        best_history.push(ranked[0].0);
        if best_history.len() >= history_length {
            let recent = &best_history[best_history.len() - history_length..];
            let values = recent.iter().chain(ranked.iter().map(|(v, _)| v));
            let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
            let spread = high - low;
            if spread.is_finite() && spread < config.f_tolerance {
                return Ok(StopReason::Converged {
                    criterion: Criterion::FunctionSpread,
                    value: spread,
                    tolerance: config.f_tolerance,
                });
            }
        }
        if executor.remaining() == 0 {
            return Ok(StopReason::Budget);
        }
    }
    unreachable!("the generation loop only ends by returning")
}

/// A standard normal draw by inversion of a uniform on the open interval (0, 1): one
/// 64-bit word per draw, and only IEEE arithmetic and [`crate::math`] after it, so the
/// search takes the same path on every machine (`rand_distr`'s ziggurat calls the
/// platform's `exp` in its rejection test).
fn standard_normal(rng: &mut impl RngCore) -> f64 {
    let u = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    crate::scenario::dist::normal_quantile(u)
}
