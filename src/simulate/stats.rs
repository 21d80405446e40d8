//! Running means and standard errors, merged in a fixed order so results do not
//! depend on how trials were spread over threads.

use serde::Serialize;

/// Welford accumulator of one metric.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Chan et al.'s pairwise merge. Deterministic for a fixed merge order.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        let mean = self.mean + delta * other.n as f64 / n as f64;
        let m2 = self.m2 + other.m2 + delta * delta * self.n as f64 * other.n as f64 / n as f64;
        *self = Moments { n, mean, m2 };
    }

    /// Standard error of the mean (0 with fewer than two observations).
    pub fn std_err(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        (self.m2.max(0.0) / (self.n - 1) as f64 / self.n as f64).sqrt()
    }

    /// The estimate with a normal-approximation 95% interval, optionally clipped to a
    /// range (probabilities stay in [0, 1]).
    pub fn estimate(&self, clip: Option<(f64, f64)>) -> Estimate {
        let se = self.std_err();
        let (mut lo, mut hi) = (self.mean - Z95 * se, self.mean + Z95 * se);
        if let Some((a, b)) = clip {
            lo = lo.clamp(a, b);
            hi = hi.clamp(a, b);
        }
        Estimate {
            mean: self.mean,
            std_err: se,
            ci_low: lo,
            ci_high: hi,
            n: self.n,
        }
    }
}

/// The 97.5% quantile of the standard normal.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A mean with its standard error and 95% interval, as written to `summary.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub std_err: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_matches_single_pass() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let mut all = Moments::default();
        xs.iter().for_each(|&x| all.push(x));
        let mut merged = Moments::default();
        for chunk in xs.chunks(64) {
            let mut m = Moments::default();
            chunk.iter().for_each(|&x| m.push(x));
            merged.merge(&m);
        }
        assert!((all.mean - merged.mean).abs() < 1e-12);
        assert!((all.m2 - merged.m2).abs() < 1e-8 * all.m2);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((all.std_err() - (var / xs.len() as f64).sqrt()).abs() < 1e-12);
    }
}
