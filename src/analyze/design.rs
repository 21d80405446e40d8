//! Space-filling designs for sweeps: full grids and Latin hypercubes.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{AnalyzeError, check_bounds};

/// `count` evenly spaced values from `low` to `high` inclusive (`low` alone when
/// `count` is 1).
pub fn linspace(low: f64, high: f64, count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![low],
        _ => (0..count)
            .map(|i| {
                if i == count - 1 {
                    high
                } else {
                    low + (high - low) * i as f64 / (count - 1) as f64
                }
            })
            .collect(),
    }
}

/// The Cartesian product of per-parameter value lists, in odometer order: the last
/// parameter varies fastest, like nested loops written in parameter order.
pub fn grid(values: &[Vec<f64>]) -> Vec<Vec<f64>> {
    if values.is_empty() || values.iter().any(|v| v.is_empty()) {
        return Vec::new();
    }
    let total: usize = values.iter().map(Vec::len).product();
    let mut points = Vec::with_capacity(total);
    let mut counters = vec![0usize; values.len()];
    for _ in 0..total {
        points.push(
            counters
                .iter()
                .enumerate()
                .map(|(dim, &i)| values[dim][i])
                .collect(),
        );
        for dim in (0..values.len()).rev() {
            counters[dim] += 1;
            if counters[dim] < values[dim].len() {
                break;
            }
            counters[dim] = 0;
        }
    }
    points
}

/// A Latin hypercube of `count` points in the unit cube of dimension `dimensions`: in
/// every dimension each of the `count` equal strata holds exactly one point, placed
/// uniformly within it. Seeded and deterministic.
pub fn latin_hypercube_unit(count: usize, dimensions: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = vec![vec![0.0; dimensions]; count];
    for dim in 0..dimensions {
        let mut strata: Vec<usize> = (0..count).collect();
        // Fisher–Yates written out so the stream use is fixed by this code, not a crate version.
        for i in (1..count).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        for (point, &stratum) in points.iter_mut().zip(&strata) {
            let jitter: f64 = rng.random();
            point[dim] = (stratum as f64 + jitter) / count as f64;
        }
    }
    points
}

/// A Latin hypercube of `count` points within `bounds` (one `(low, high)` per parameter).
pub fn latin_hypercube(
    count: usize,
    bounds: &[(f64, f64)],
    seed: u64,
) -> Result<Vec<Vec<f64>>, AnalyzeError> {
    check_bounds(bounds)?;
    Ok(latin_hypercube_unit(count, bounds.len(), seed)
        .into_iter()
        .map(|unit| scale_to_bounds(&unit, bounds))
        .collect())
}

/// Maps a point of the unit cube linearly onto the box `bounds`.
pub fn scale_to_bounds(unit: &[f64], bounds: &[(f64, f64)]) -> Vec<f64> {
    unit.iter()
        .zip(bounds)
        .map(|(&u, &(low, high))| low + u * (high - low))
        .collect()
}

/// Maps a point of the box `bounds` onto the unit cube (the inverse of [`scale_to_bounds`]).
pub fn scale_to_unit(x: &[f64], bounds: &[(f64, f64)]) -> Vec<f64> {
    x.iter()
        .zip(bounds)
        .map(|(&v, &(low, high))| (v - low) / (high - low))
        .collect()
}
