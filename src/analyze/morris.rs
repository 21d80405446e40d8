//! Morris elementary-effects screening.
//!
//! Each of r trajectories starts at a random point of a p-level grid in the unit cube
//! and moves one parameter at a time, in random order, by Δ = p / (2(p − 1)) up or
//! down, so a trajectory has D + 1 points and yields one elementary effect per
//! parameter. Effects are measured per unit of the normalised range (the unit cube),
//! which makes them comparable across parameters with different units:
//! EE_i = (f(after) − f(before)) / (x_i(after) − x_i(before)).
//! Reported per parameter: mu (mean effect), mu* (mean absolute effect, Campolongo et
//! al. 2007) and sigma (sample standard deviation), with seeded bootstrap intervals
//! over trajectories.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::stats::percentile_interval;
use super::{AnalyzeError, BootstrapConfig, Estimate};

#[derive(Debug, Clone)]
pub struct MorrisDesign {
    n_params: usize,
    trajectories: usize,
    levels: usize,
    points: Vec<Vec<f64>>,
    /// For trajectory t and step k: which parameter moved and by how much (±Δ).
    steps: Vec<Vec<(usize, f64)>>,
}

impl MorrisDesign {
    /// `levels` must be even and at least 2 so that Δ = p / (2(p − 1)) lands on the grid.
    pub fn new(
        n_params: usize,
        trajectories: usize,
        levels: usize,
        seed: u64,
    ) -> Result<MorrisDesign, AnalyzeError> {
        if n_params == 0 {
            return Err(AnalyzeError::Invalid(
                "a Morris analysis needs at least one parameter".into(),
            ));
        }
        if trajectories < 2 {
            return Err(AnalyzeError::Invalid(format!(
                "Morris needs at least 2 trajectories, got {trajectories}"
            )));
        }
        if levels < 2 || levels % 2 != 0 {
            return Err(AnalyzeError::Invalid(format!(
                "Morris levels must be even and at least 2, got {levels}"
            )));
        }
        let grid_step = 1.0 / (levels - 1) as f64;
        let jump = levels / 2;
        let delta = jump as f64 * grid_step;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut points = Vec::with_capacity(trajectories * (n_params + 1));
        let mut steps = Vec::with_capacity(trajectories);
        for _ in 0..trajectories {
            // Lower level of each parameter's jump, and whether it moves up or down.
            let mut start = vec![0.0; n_params];
            let mut up = vec![true; n_params];
            for i in 0..n_params {
                let lower = rng.random_range(0..levels - jump) as f64 * grid_step;
                up[i] = rng.random_bool(0.5);
                start[i] = if up[i] { lower } else { lower + delta };
            }
            let mut order: Vec<usize> = (0..n_params).collect();
            for i in (1..n_params).rev() {
                let j = rng.random_range(0..=i);
                order.swap(i, j);
            }
            let mut current = start;
            points.push(current.clone());
            let mut trajectory_steps = Vec::with_capacity(n_params);
            for &i in &order {
                let change = if up[i] { delta } else { -delta };
                current[i] = (current[i] + change).clamp(0.0, 1.0);
                points.push(current.clone());
                trajectory_steps.push((i, change));
            }
            steps.push(trajectory_steps);
        }
        Ok(MorrisDesign {
            n_params,
            trajectories,
            levels,
            points,
            steps,
        })
    }

    pub fn n_params(&self) -> usize {
        self.n_params
    }

    pub fn trajectories(&self) -> usize {
        self.trajectories
    }

    pub fn levels(&self) -> usize {
        self.levels
    }

    /// All design points in the unit cube, r·(D + 1) of them, trajectory by trajectory.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndices {
    pub mu: Estimate,
    pub mu_star: Estimate,
    pub sigma: Estimate,
}

/// Morris statistics of every parameter for one output, `outputs[k]` being the model
/// value at `design.points()[k]`.
pub fn morris_indices(
    design: &MorrisDesign,
    outputs: &[f64],
    bootstrap: &BootstrapConfig,
) -> Result<Vec<MorrisIndices>, AnalyzeError> {
    let d = design.n_params;
    let r = design.trajectories;
    if outputs.len() != r * (d + 1) {
        return Err(AnalyzeError::LengthMismatch {
            what: "Morris outputs",
            expected: r * (d + 1),
            got: outputs.len(),
        });
    }
    // effects[i][t]: elementary effect of parameter i on trajectory t.
    let mut effects = vec![vec![0.0; r]; d];
    for (t, trajectory_steps) in design.steps.iter().enumerate() {
        let base = t * (d + 1);
        for (k, &(i, change)) in trajectory_steps.iter().enumerate() {
            effects[i][t] = (outputs[base + k + 1] - outputs[base + k]) / change;
        }
    }
    let statistics = |values: &[f64], rows: &[usize]| -> (f64, f64, f64) {
        let count = rows.len() as f64;
        let mu = rows.iter().map(|&t| values[t]).sum::<f64>() / count;
        let mu_star = rows.iter().map(|&t| values[t].abs()).sum::<f64>() / count;
        let sigma = (rows.iter().map(|&t| (values[t] - mu).powi(2)).sum::<f64>() / (count - 1.0)).sqrt();
        (mu, mu_star, sigma)
    };
    let all_rows: Vec<usize> = (0..r).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
    let mut replicates = vec![[Vec::new(), Vec::new(), Vec::new()]; d];
    let mut rows = vec![0usize; r];
    for _ in 0..bootstrap.resamples {
        for row in rows.iter_mut() {
            *row = rng.random_range(0..r);
        }
        for i in 0..d {
            let (mu, mu_star, sigma) = statistics(&effects[i], &rows);
            replicates[i][0].push(mu);
            replicates[i][1].push(mu_star);
            replicates[i][2].push(sigma);
        }
    }
    Ok((0..d)
        .map(|i| {
            let (mu, mu_star, sigma) = statistics(&effects[i], &all_rows);
            let [mu_reps, mu_star_reps, sigma_reps] = &mut replicates[i];
            let with_interval = |value: f64, reps: &mut Vec<f64>| {
                let (ci_low, ci_high) = percentile_interval(reps, bootstrap.confidence);
                Estimate {
                    value,
                    ci_low,
                    ci_high,
                }
            };
            MorrisIndices {
                mu: with_interval(mu, mu_reps),
                mu_star: with_interval(mu_star, mu_star_reps),
                sigma: with_interval(sigma, sigma_reps),
            }
        })
        .collect())
}
