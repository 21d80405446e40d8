//! The one random number generator used for results: ChaCha20, one stream per trial.
//!
//! Trial `i` of a run with seed `s` reads the stream `i` of the ChaCha20 key expanded
//! from `s` by `seed_from_u64` (a documented, value-stable PCG32 expansion). Nothing
//! else feeds a trial, so a trial can be replayed alone and threads never share a
//! generator.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The generator type behind every trial.
pub type TrialRng = ChaCha20Rng;

/// The stream of trial `trial` of a run seeded with `seed`.
pub fn trial_rng(seed: u64, trial: u64) -> TrialRng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(trial);
    rng
}

/// A uniform draw in the open interval (0, 1): 53 random bits, centred in their cell,
/// so inverse CDFs never see 0 or 1.
pub fn open_unit(rng: &mut TrialRng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the streams: if these change, every published result changes.
    #[test]
    fn streams_are_value_stable() {
        let mut a = trial_rng(42, 0);
        let mut b = trial_rng(42, 1);
        let first_a: Vec<u64> = (0..2).map(|_| a.next_u64()).collect();
        let first_b: Vec<u64> = (0..2).map(|_| b.next_u64()).collect();
        assert_ne!(first_a, first_b);
        let mut again = trial_rng(42, 0);
        assert_eq!(again.next_u64(), first_a[0]);
        assert_eq!(first_a, STABLE_SEED42_TRIAL0.to_vec());
    }

    #[test]
    fn open_unit_stays_inside() {
        let mut r = trial_rng(7, 3);
        for _ in 0..10_000 {
            let u = open_unit(&mut r);
            assert!(u > 0.0 && u < 1.0);
        }
    }

    // Recorded from rand_chacha 0.9 when the stream layout was fixed.
    const STABLE_SEED42_TRIAL0: [u64; 2] = [9482535800248027256, 7566832397956113305];
}
