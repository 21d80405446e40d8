//! A streaming histogram in constant memory.
//!
//! The report reads `trials.csv` once (it can hold a million rows), so it cannot sort the
//! values or look at them twice. Bins live on a global grid: bin `j` covers
//! `[j·width, (j+1)·width)`. The histogram keeps a window of at most `max_bins`
//! consecutive bins. A value outside the window first tries to slide the window (when the
//! occupied bins plus the new one still fit); otherwise the width doubles and bin `j`
//! merges into bin `floor(j/2)`. Halving is exact in floating point, so the final counts
//! are exactly those of bucketing every value directly with the final width: the result
//! does not depend on the order the values came in, only on the first values used to
//! choose the starting width.

use crate::math;
use serde::Serialize;

/// How many values are buffered before the starting bin width is chosen.
const WARMUP_VALUES: usize = 4096;

/// Global bin indices stay below this, so index arithmetic cannot overflow.
const MAX_GLOBAL_BIN: f64 = 1e15;

#[derive(Clone, Debug)]
pub struct StreamingHistogram {
    max_bins: usize,
    /// `None` until the warm-up buffer fills (or `finish` is called).
    grid: Option<Grid>,
    warmup: Vec<f64>,
    count: u64,
    non_finite: u64,
    sum: f64,
    min: f64,
    max: f64,
}

#[derive(Clone, Debug)]
struct Grid {
    width: f64,
    /// Global index of the first bin of the window.
    first_bin: i64,
    counts: Vec<u64>,
}

/// The finished histogram: bins trimmed to the occupied range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    /// Bin edges, `counts.len() + 1` of them; edge `i` is `(first_bin + i) · width`.
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    pub width: f64,
    pub first_bin: i64,
    /// Finite values counted.
    pub count: u64,
    /// NaN or infinite values, left out of the bins.
    pub non_finite: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

impl Histogram {
    /// The bin a value falls in under this histogram's grid, the same rule the streaming
    /// histogram uses, so tests can re-bucket the source values independently.
    pub fn bin_of(&self, value: f64) -> Option<usize> {
        let global = (value / self.width).floor() as i64;
        let local = global - self.first_bin;
        (local >= 0 && (local as usize) < self.counts.len()).then_some(local as usize)
    }
}

impl StreamingHistogram {
    /// `max_bins` is rounded up to an even number of at least 2.
    pub fn new(max_bins: usize) -> Self {
        let max_bins = max_bins.max(2).div_ceil(2) * 2;
        StreamingHistogram {
            max_bins,
            grid: None,
            warmup: Vec::new(),
            count: 0,
            non_finite: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    pub fn push(&mut self, value: f64) {
        if !value.is_finite() {
            self.non_finite += 1;
            return;
        }
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        match &mut self.grid {
            Some(grid) => grid.insert(value, self.max_bins),
            None => {
                self.warmup.push(value);
                if self.warmup.len() >= WARMUP_VALUES {
                    self.start_grid();
                }
            }
        }
    }

    fn start_grid(&mut self) {
        let (lo, hi) = self
            .warmup
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        // Rice's rule (2·n^(1/3) bins) for small samples, at most three quarters of the
        // bins so the range can grow a little before the first doubling.
        let rice = (2.0 * math::cbrt(self.warmup.len() as f64)).ceil();
        let target_bins = rice.min((self.max_bins * 3 / 4) as f64).max(1.0);
        let magnitude = lo.abs().max(hi.abs());
        let raw_width = if hi > lo {
            (hi - lo) / target_bins
        } else {
            // All equal so far: a width on the value's own scale.
            magnitude * 0.01
        };
        // Keep global bin indices far from i64 overflow (and from f64 integer limits).
        let width = nice_width(raw_width.max(magnitude * 1e-12).max(1e-12));
        let mut grid = Grid {
            width,
            first_bin: (lo / width).floor() as i64,
            counts: vec![0; self.max_bins],
        };
        for &v in &self.warmup {
            grid.insert(v, self.max_bins);
        }
        self.warmup = Vec::new();
        self.grid = Some(grid);
    }

    pub fn finish(mut self) -> Histogram {
        if self.grid.is_none() && !self.warmup.is_empty() {
            self.start_grid();
        }
        let mean = if self.count > 0 {
            self.sum / self.count as f64
        } else {
            f64::NAN
        };
        let (width, first_bin, counts) = match self.grid {
            Some(grid) => {
                let first = grid.counts.iter().position(|&c| c > 0).unwrap_or(0);
                let last = grid.counts.iter().rposition(|&c| c > 0).unwrap_or(0);
                (
                    grid.width,
                    grid.first_bin + first as i64,
                    grid.counts[first..=last].to_vec(),
                )
            }
            None => (1.0, 0, Vec::new()),
        };
        let edges = (0..=counts.len())
            .map(|i| (first_bin + i as i64) as f64 * width)
            .collect();
        Histogram {
            edges,
            counts,
            width,
            first_bin,
            count: self.count,
            non_finite: self.non_finite,
            mean,
            min: if self.count > 0 { self.min } else { f64::NAN },
            max: if self.count > 0 { self.max } else { f64::NAN },
        }
    }
}

impl Grid {
    fn insert(&mut self, value: f64, max_bins: usize) {
        loop {
            let global = (value / self.width).floor();
            if global.abs() > MAX_GLOBAL_BIN {
                self.double_width();
                continue;
            }
            let global = global as i64;
            let local = global - self.first_bin;
            if local >= 0 && (local as usize) < self.counts.len() {
                self.counts[local as usize] += 1;
                return;
            }
            // Occupied span including the new bin; slide if it fits, else merge pairs.
            let occupied_first = self
                .counts
                .iter()
                .position(|&c| c > 0)
                .map(|i| self.first_bin + i as i64);
            let occupied_last = self
                .counts
                .iter()
                .rposition(|&c| c > 0)
                .map(|i| self.first_bin + i as i64);
            let span_first = occupied_first.map_or(global, |f| f.min(global));
            let span_last = occupied_last.map_or(global, |l| l.max(global));
            if span_last - span_first < max_bins as i64 {
                self.slide_to(span_first, span_last, max_bins);
            } else {
                self.double_width();
            }
        }
    }

    /// Moves the window so it covers global bins `span_first..=span_last`, centred.
    fn slide_to(&mut self, span_first: i64, span_last: i64, max_bins: usize) {
        let slack = max_bins as i64 - (span_last - span_first + 1);
        let new_first = span_first - slack / 2;
        let mut counts = vec![0; max_bins];
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                counts[(self.first_bin + i as i64 - new_first) as usize] += c;
            }
        }
        self.counts = counts;
        self.first_bin = new_first;
    }

    fn double_width(&mut self) {
        let new_first = self.first_bin.div_euclid(2);
        let mut counts = vec![0; self.counts.len()];
        for (i, &c) in self.counts.iter().enumerate() {
            let global = self.first_bin + i as i64;
            counts[(global.div_euclid(2) - new_first) as usize] += c;
        }
        self.counts = counts;
        self.first_bin = new_first;
        self.width *= 2.0;
    }
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`.
fn nice_width(raw: f64) -> f64 {
    let exponent = math::log10(raw).floor();
    let base = math::powf(10f64, exponent);
    for step in [1.0, 2.0, 5.0, 10.0] {
        if step * base >= raw {
            return step * base;
        }
    }
    10.0 * base
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streams `values` and checks every bin count against direct bucketing.
    fn check(values: &[f64], max_bins: usize) {
        let mut streaming = StreamingHistogram::new(max_bins);
        for &v in values {
            streaming.push(v);
        }
        let hist = streaming.finish();
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        assert_eq!(hist.count as usize, finite.len());
        assert!(hist.counts.len() <= max_bins.max(2).div_ceil(2) * 2);
        let mut direct = vec![0u64; hist.counts.len()];
        for &v in &finite {
            let bin = hist
                .bin_of(v)
                .unwrap_or_else(|| panic!("value {v} outside {:?}", hist.edges));
            assert!(
                hist.edges[bin] <= v && v < hist.edges[bin + 1],
                "{v} not in bin {bin}"
            );
            direct[bin] += 1;
        }
        assert_eq!(direct, hist.counts);
    }

    #[test]
    fn counts_match_direct_bucketing() {
        check(&[], 10);
        check(&[3.0], 10);
        check(&[2.5; 10], 10);
        check(&[0.0, 0.0, 0.0], 10);
        check(
            &(0..10_000)
                .map(|i| math::sin(i as f64 * 0.37) * 5.0)
                .collect::<Vec<_>>(),
            40,
        );
        // The range grows in both directions long after the warm-up.
        let growing: Vec<f64> = (0..20_000)
            .map(|i| if i % 2 == 0 { i as f64 } else { -(i as f64) * 3.1 })
            .collect();
        check(&growing, 40);
        check(&[1.0, f64::NAN, 2.0, f64::INFINITY, -1e6, 1e9], 8);
    }

    proptest::proptest! {
        // A fixed case sequence, as in tests/common (PROPTEST_RNG_SEED overrides it).
        #![proptest_config({
            let mut config = proptest::test_runner::Config::default();
            if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
                config.rng_seed = proptest::test_runner::RngSeed::Fixed(0x64656d61_72636865);
            }
            config
        })]

        #[test]
        fn any_values_in_any_order_bucket_exactly(
            values in proptest::collection::vec(-1e6f64..1e6, 0..3000),
            scale in proptest::sample::select(vec![1e-9, 1e-3, 1.0, 1e3, 1e9]),
            max_bins in 2usize..64,
        ) {
            let scaled: Vec<f64> = values.iter().map(|v| v * scale).collect();
            check(&scaled, max_bins);
        }
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        check(&[1e-300, 1e300, -1e300, 0.0, 5.0], 10);
        let mut many = vec![1.0; 5000];
        many.push(f64::MAX);
        many.push(-f64::MAX);
        check(&many, 40);
    }

    #[test]
    fn nice_widths() {
        for (raw, expected) in [(0.3, 0.5), (1.0, 1.0), (1.1, 2.0), (7.0, 10.0), (0.012, 0.02)] {
            assert!((nice_width(raw) - expected).abs() < 1e-12, "{raw}");
        }
    }
}
