//! The Sobol' low-discrepancy sequence with the Joe–Kuo direction numbers
//! (`new-joe-kuo-6.21201`), optionally randomised by a seeded scramble.
//!
//! Points are generated in Gray-code order (Antonov–Saleev), exactly as Joe and Kuo's
//! reference program does, so the unscrambled sequence starts 0, (0.5, 0.5, …),
//! (0.75, 0.25, …), (0.25, 0.75, …). Values carry 32 bits, enough for 2^32 points.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::AnalyzeError;

/// Joe–Kuo direction numbers for dimensions 2 to 40 as `(s, a, m_1 … m_s)`: the degree
/// of the primitive polynomial, its interior coefficients packed in binary, and the
/// initial direction integers. Dimension 1 is the van der Corput sequence and needs none.
const JOE_KUO: &[(u32, u32, &[u32])] = &[
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
];

/// The number of dimensions the built-in direction numbers support.
pub const SOBOL_MAX_DIMENSIONS: usize = JOE_KUO.len() + 1;

const BITS: usize = 32;

/// How the sequence is randomised. Scrambling keeps the low-discrepancy structure while
/// making estimates from different seeds independent replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SobolScramble {
    /// The plain deterministic sequence.
    None,
    /// XOR every coordinate with one seeded random 32-bit word per dimension.
    DigitalShift { seed: u64 },
    /// Hash-based nested uniform (Owen) scrambling after Burley (2020), with one seeded
    /// key per dimension.
    Owen { seed: u64 },
}

/// A Sobol' point set generator of fixed dimension.
#[derive(Debug, Clone)]
pub struct SobolSequence {
    /// `directions[dim][bit]`: the direction integer for bit `bit` (0 = most significant).
    directions: Vec<[u32; BITS]>,
    /// One random word per dimension (shift or scramble key), unused when unscrambled.
    keys: Vec<u32>,
    scramble: SobolScramble,
}

impl SobolSequence {
    pub fn new(dimensions: usize, scramble: SobolScramble) -> Result<SobolSequence, AnalyzeError> {
        if dimensions == 0 || dimensions > SOBOL_MAX_DIMENSIONS {
            return Err(AnalyzeError::TooManyDimensions {
                requested: dimensions,
                max: SOBOL_MAX_DIMENSIONS,
            });
        }
        let mut directions = Vec::with_capacity(dimensions);
        let mut first = [0u32; BITS];
        for (bit, slot) in first.iter_mut().enumerate() {
            *slot = 1u32 << (BITS - 1 - bit);
        }
        directions.push(first);
        for &(degree, coefficients, initial) in JOE_KUO.iter().take(dimensions - 1) {
            directions.push(direction_integers(degree as usize, coefficients, initial));
        }
        let keys = match scramble {
            SobolScramble::None => vec![0; dimensions],
            SobolScramble::DigitalShift { seed } | SobolScramble::Owen { seed } => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                (0..dimensions).map(|_| rng.next_u32()).collect()
            }
        };
        Ok(SobolSequence {
            directions,
            keys,
            scramble,
        })
    }

    pub fn dimensions(&self) -> usize {
        self.directions.len()
    }

    /// `count` consecutive points starting at index `start` (index 0 is the origin of
    /// the unscrambled sequence), each a vector in [0, 1)^d.
    pub fn points(&self, start: u64, count: usize) -> Vec<Vec<f64>> {
        let dims = self.dimensions();
        // The Gray code of `start` tells which direction integers make up its point.
        let gray = start ^ (start >> 1);
        let mut state = vec![0u32; dims];
        for (dim, value) in state.iter_mut().enumerate() {
            for bit in 0..BITS {
                if gray >> bit & 1 == 1 {
                    *value ^= self.directions[dim][bit];
                }
            }
        }
        let mut out = Vec::with_capacity(count);
        for index in start..start + count as u64 {
            out.push(
                state
                    .iter()
                    .enumerate()
                    .map(|(dim, &v)| self.to_unit(dim, v))
                    .collect(),
            );
            // Moving from index i to i + 1 flips the bit at the number of trailing ones of i.
            let bit = (index.trailing_ones() as usize).min(BITS - 1);
            for (dim, value) in state.iter_mut().enumerate() {
                *value ^= self.directions[dim][bit];
            }
        }
        out
    }

    fn to_unit(&self, dim: usize, value: u32) -> f64 {
        let scrambled = match self.scramble {
            SobolScramble::None => value,
            SobolScramble::DigitalShift { .. } => value ^ self.keys[dim],
            SobolScramble::Owen { .. } => nested_uniform_scramble(value, self.keys[dim]),
        };
        scrambled as f64 / 4_294_967_296.0
    }
}

/// Direction integers v_k = m_k · 2^(32−k), extended past the initial ones by the
/// primitive polynomial's recurrence (Bratley–Fox / Joe–Kuo).
fn direction_integers(degree: usize, coefficients: u32, initial: &[u32]) -> [u32; BITS] {
    let mut v = [0u32; BITS];
    for k in 0..BITS {
        if k < degree {
            v[k] = initial[k] << (BITS - 1 - k);
        } else {
            let mut value = v[k - degree] ^ (v[k - degree] >> degree);
            for j in 1..degree {
                if (coefficients >> (degree - 1 - j)) & 1 == 1 {
                    value ^= v[k - j];
                }
            }
            v[k] = value;
        }
    }
    v
}

/// Owen scrambling by hashing (Burley 2020, "Practical Hash-based Owen Scrambling"):
/// reversing the bits turns the Laine–Karras permutation, in which each bit depends only
/// on lower bits, into one where each digit depends only on the digits above it.
fn nested_uniform_scramble(value: u32, key: u32) -> u32 {
    let mut x = value.reverse_bits();
    x = x.wrapping_add(key);
    x ^= x.wrapping_mul(0x6c50_b47c);
    x ^= x.wrapping_mul(0xb82f_1e52);
    x ^= x.wrapping_mul(0xc7af_e638);
    x ^= x.wrapping_mul(0x8d22_f6e6);
    x.reverse_bits()
}
