//! Nelder–Mead simplex search with the dimension-adaptive coefficients of Gao and Han
//! (2012) (the classic 1, 2, ½, ½ in one and two dimensions).
//!
//! Bounds are handled by a transform, as in D'Errico's fminsearchbnd: the simplex lives
//! in unconstrained coordinates z and each unit-cube coordinate is u = (sin z + 1) / 2.
//! Every z maps inside the box, an optimum on a bound is reached at z = ±π/2, and the
//! simplex never collapses onto a face (which clamping does, stalling the search there).
//! Deterministic (the seed is unused). Converged when the simplex, measured in the unit
//! cube, is smaller than the x tolerance and its values span less than the f tolerance.

use super::{Criterion, Executor, OptimConfig, StopReason};
use crate::math;

/// Initial simplex edge in z; about 0.1 of the range near the middle of the box.
const INITIAL_STEP: f64 = 0.2;

fn to_unit(z: &[f64]) -> Vec<f64> {
    z.iter().map(|v| (math::sin(*v) + 1.0) / 2.0).collect()
}

pub(crate) fn run<E>(
    executor: &mut Executor<'_, E>,
    x0: &[f64],
    config: &OptimConfig,
) -> Result<StopReason, E> {
    let n = x0.len();
    let nf = n as f64;
    // Gao–Han coefficients; in one dimension they degenerate, so use the classic ones.
    let adaptive_n = nf.max(2.0);
    let (reflection, expansion, contraction, shrink) = (
        1.0,
        1.0 + 2.0 / adaptive_n,
        0.75 - 1.0 / (2.0 * adaptive_n),
        1.0 - 1.0 / adaptive_n,
    );

    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let start: Vec<f64> = x0
        .iter()
        .map(|u| math::asin(2.0 * u.clamp(0.0, 1.0) - 1.0))
        .collect();
    let Some(value) = executor.evaluate(&to_unit(&start))? else {
        return Ok(StopReason::Budget);
    };
    simplex.push((start.clone(), value));
    for i in 0..n {
        let mut vertex = start.clone();
        // Step toward the middle: at a bound (z = ±π/2) both directions give the same u.
        vertex[i] += if vertex[i] > 0.0 {
            -INITIAL_STEP
        } else {
            INITIAL_STEP
        };
        let Some(value) = executor.evaluate(&to_unit(&vertex))? else {
            return Ok(StopReason::Budget);
        };
        simplex.push((vertex, value));
    }

    loop {
        // Stable sort keeps older vertices first among ties: deterministic.
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let best = simplex[0].1;
        let worst = simplex[n].1;
        let spread = worst - best;
        let best_unit = to_unit(&simplex[0].0);
        let size = simplex[1..]
            .iter()
            .flat_map(|(v, _)| {
                to_unit(v)
                    .into_iter()
                    .zip(&best_unit)
                    .map(|(a, b)| (a - b).abs())
                    .collect::<Vec<_>>()
            })
            .fold(0.0, f64::max);
        // Like SciPy, require both: a flat objective (common with piecewise-constant
        // equilibrium outcomes) must not stop the search on the initial simplex.
        if size <= config.x_tolerance && (spread <= config.f_tolerance || !spread.is_finite()) {
            return Ok(StopReason::Converged {
                criterion: Criterion::StepSize,
                value: size,
                tolerance: config.x_tolerance,
            });
        }

        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(v, _)| v[j]).sum::<f64>() / nf)
            .collect();
        let toward = |coefficient: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[n].0)
                .map(|(c, w)| c + coefficient * (c - w))
                .collect()
        };

        let reflected = toward(reflection);
        let Some(f_reflected) = executor.evaluate(&to_unit(&reflected))? else {
            return Ok(StopReason::Budget);
        };
        if f_reflected < best {
            let expanded = toward(reflection * expansion);
            let Some(f_expanded) = executor.evaluate(&to_unit(&expanded))? else {
                return Ok(StopReason::Budget);
            };
            simplex[n] = if f_expanded < f_reflected {
                (expanded, f_expanded)
            } else {
                (reflected, f_reflected)
            };
            continue;
        }
        if f_reflected < simplex[n - 1].1 {
            simplex[n] = (reflected, f_reflected);
            continue;
        }
        // Contract outside when the reflection beat the worst vertex, inside otherwise.
        let (contracted, limit) = if f_reflected < worst {
            (toward(reflection * contraction), f_reflected)
        } else {
            (toward(-contraction), worst)
        };
        let Some(f_contracted) = executor.evaluate(&to_unit(&contracted))? else {
            return Ok(StopReason::Budget);
        };
        if f_contracted <= limit {
            simplex[n] = (contracted, f_contracted);
            continue;
        }
        let anchor = simplex[0].0.clone();
        for vertex in simplex.iter_mut().skip(1) {
            let shrunk: Vec<f64> = anchor
                .iter()
                .zip(&vertex.0)
                .map(|(a, v)| a + shrink * (v - a))
                .collect();
            let Some(value) = executor.evaluate(&to_unit(&shrunk))? else {
                return Ok(StopReason::Budget);
            };
            *vertex = (shrunk, value);
        }
    }
}
