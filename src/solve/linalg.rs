//! Dense LU factorisation with partial pivoting, on caller-owned buffers (no allocation).

// Index loops mirror the math of the passes over several parallel arrays.
#![allow(clippy::needless_range_loop)]

/// Systems from this size on take the AVX2 builds of the kernels below when the
/// processor has AVX2 (checked once per call; `std` caches the answer). Below it the
/// portable SSE2 build is as fast. (Elsewhere only the tests read it.)
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) const AVX2_FROM: usize = 32;

/// LU factorisation with partial pivoting of the `n × n` row-major `a`, in place, for
/// several solves with one matrix ([`lu_solve_factored`]). `pivots[col]` receives the
/// row swapped into `col`. Returns `false` when the matrix is numerically singular.
pub(crate) fn lu_factor(a: &mut [f64], pivots: &mut [usize], n: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    if n >= AVX2_FROM && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above), the only requirement of
        // `lu_factor_avx2`.
        return unsafe { lu_factor_avx2(a, pivots, n) };
    }
    lu_factor_body(a, pivots, n)
}

/// [`lu_factor`] compiled with AVX2 (four lanes instead of SSE2's two for the row
/// updates). Multiplications and subtractions stay separate operations (no FMA), so
/// every entry is rounded exactly as in the portable build: the same factors.
///
/// # Safety
/// The processor must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lu_factor_avx2(a: &mut [f64], pivots: &mut [usize], n: usize) -> bool {
    lu_factor_body(a, pivots, n)
}

/// Columns per panel of the blocked factorisation.
const PANEL: usize = 4;

/// Right-looking LU in panels of [`PANEL`] columns: each panel is factored with its
/// row swaps applied to whole rows, then the panel's rows of U are finished, then the
/// rows below take the panel's updates in one sweep over the trailing columns (four
/// updates per load and store of an entry instead of one). Every entry receives the same
/// operations in the same order as in the textbook column-by-column elimination
/// (`x -= l·u` for each earlier column in turn, each rounded), so the factors are the
/// same as that elimination's (up to the sign of zero): only the memory traffic
/// changes.
#[inline(always)]
fn lu_factor_body(a: &mut [f64], pivots: &mut [usize], n: usize) -> bool {
    debug_assert!(a.len() >= n * n && pivots.len() >= n);
    let scale = a[..n * n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !(scale.is_finite() && scale > 0.0) {
        return false;
    }
    for k0 in (0..n).step_by(PANEL) {
        let k1 = (k0 + PANEL).min(n);
        // The panel: columns k0..k1, every row from the diagonal down.
        for col in k0..k1 {
            let mut pivot_row = col;
            let mut pivot_abs = a[col * n + col].abs();
            for row in col + 1..n {
                let v = a[row * n + col].abs();
                if v > pivot_abs {
                    pivot_abs = v;
                    pivot_row = row;
                }
            }
            if pivot_abs <= scale * 1e-300 || !pivot_abs.is_finite() {
                return false;
            }
            pivots[col] = pivot_row;
            if pivot_row != col {
                for k in 0..n {
                    a.swap(col * n + k, pivot_row * n + k);
                }
            }
            let pivot = a[col * n + col];
            let (upper, lower) = a.split_at_mut((col + 1) * n);
            let pivot_values = &upper[col * n + col + 1..col * n + k1];
            for r in lower[..(n - col - 1) * n].chunks_exact_mut(n) {
                let factor = r[col] / pivot;
                r[col] = factor;
                if factor == 0.0 {
                    continue;
                }
                for (x, y) in r[col + 1..k1].iter_mut().zip(pivot_values) {
                    *x -= factor * y;
                }
            }
        }
        if k1 == n {
            break;
        }
        // The panel's rows of U right of the panel: each takes the updates of the
        // panel rows above it, in order.
        for i in k0 + 1..k1 {
            let (upper, lower) = a.split_at_mut(i * n);
            let row = &mut lower[..n];
            for p in k0..i {
                let factor = row[p];
                if factor == 0.0 {
                    continue;
                }
                let u = &upper[p * n + k1..p * n + n];
                for (x, y) in row[k1..].iter_mut().zip(u) {
                    *x -= factor * y;
                }
            }
        }
        // The trailing rows: the panel's updates together, in column order.
        let (upper, lower) = a.split_at_mut(k1 * n);
        let u_rows = &upper[k0 * n..k1 * n];
        for r in lower[..(n - k1) * n].chunks_exact_mut(n) {
            let (left, right) = r.split_at_mut(k1);
            let f = &left[k0..k1];
            // (A zero factor is skipped, as in the column elimination: the general case
            // below.)
            if f.len() == PANEL && f.iter().all(|&v| v != 0.0) {
                let (f0, f1, f2, f3) = (f[0], f[1], f[2], f[3]);
                let w = n - k1;
                let u0 = &u_rows[k1..k1 + w];
                let u1 = &u_rows[n + k1..n + k1 + w];
                let u2 = &u_rows[2 * n + k1..2 * n + k1 + w];
                let u3 = &u_rows[3 * n + k1..3 * n + k1 + w];
                let right = &mut right[..w];
                for j in 0..w {
                    right[j] = (((right[j] - f0 * u0[j]) - f1 * u1[j]) - f2 * u2[j]) - f3 * u3[j];
                }
            } else {
                for (p, &factor) in f.iter().enumerate() {
                    if factor == 0.0 {
                        continue;
                    }
                    let u = &u_rows[p * n + k1..p * n + n];
                    for (x, y) in right.iter_mut().zip(u) {
                        *x -= factor * y;
                    }
                }
            }
        }
    }
    true
}

/// Whether the determinant of the matrix that [`lu_factor`] factored into `a` and
/// `pivots` is negative: det = (−1)^swaps · Π diag(U).
pub(crate) fn lu_det_negative(a: &[f64], pivots: &[usize], n: usize) -> bool {
    (0..n).fold(false, |neg, i| neg ^ (pivots[i] != i) ^ (a[i * n + i] < 0.0))
}

/// Solves `a · x = b` in place with the factors of [`lu_factor`]; `false` when the
/// solution is not finite.
pub(crate) fn lu_solve_factored(a: &[f64], pivots: &[usize], b: &mut [f64], n: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    if n >= AVX2_FROM && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: as in `lu_factor`.
        return unsafe { lu_solve_avx2(a, pivots, b, n) };
    }
    lu_solve_body(a, pivots, b, n)
}

/// [`lu_solve_factored`] compiled with AVX2, like [`lu_factor_avx2`]: the same sums
/// in the same order, so the same solution.
///
/// # Safety
/// The processor must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lu_solve_avx2(a: &[f64], pivots: &[usize], b: &mut [f64], n: usize) -> bool {
    lu_solve_body(a, pivots, b, n)
}

#[inline(always)]
fn lu_solve_body(a: &[f64], pivots: &[usize], b: &mut [f64], n: usize) -> bool {
    for col in 0..n {
        b.swap(col, pivots[col]);
    }
    for row in 1..n {
        let d = dot(&a[row * n..row * n + row], &b[..row]);
        b[row] -= d;
    }
    for row in (0..n).rev() {
        let d = dot(&a[row * n + row + 1..row * n + n], &b[row + 1..n]);
        b[row] = (b[row] - d) / a[row * n + row];
    }
    b[..n].iter().all(|v| v.is_finite())
}

/// `a · b` over their common length, in four interleaved partial sums (entry `i` into
/// sum `i mod 4`, the tail into the first ones, then `(s0 + s1) + (s2 + s3)`): the
/// order is fixed, so the result is the same on every machine, and the four sums are
/// independent chains, which a single running sum is not (its additions wait on each
/// other; four run in parallel and vectorise).
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..4 {
            s[i] += x[i] * y[i];
        }
    }
    for (i, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        s[i] += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The determinant's sign from the factors, on matrices of known determinant: a
    /// row swap, a negative pivot, and both (sizes across the panel width).
    #[test]
    fn determinant_sign_from_the_factors() {
        for n in [2, 5, 9] {
            let diag = |d: &[f64]| {
                let mut a = vec![0.0; n * n];
                for i in 0..n {
                    a[i * n + i] = d.get(i).copied().unwrap_or(1.0 + i as f64);
                }
                a
            };
            let swapped = |mut a: Vec<f64>| {
                for k in 0..n {
                    a.swap(k, n + k);
                }
                a
            };
            for (a, negative) in [
                (diag(&[]), false),
                (diag(&[-2.0]), true),
                (swapped(diag(&[])), true),
                (swapped(diag(&[-2.0])), false),
            ] {
                let mut f = a.clone();
                let mut pivots = vec![0; n];
                assert!(lu_factor(&mut f, &mut pivots, n));
                assert_eq!(lu_det_negative(&f, &pivots, n), negative, "n = {n}, {a:?}");
            }
        }
    }

    fn random_system(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let b = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        (a, b)
    }

    #[test]
    fn solves_and_matches_the_portable_build_bit_for_bit() {
        for (n, seed) in [(3, 1), (31, 2), (32, 3), (57, 4), (123, 5)] {
            let (a0, b0) = random_system(n, seed);
            let (mut a, mut b, mut pivots) = (a0.clone(), b0.clone(), vec![0; n]);
            assert!(lu_factor(&mut a, &mut pivots, n) && lu_solve_factored(&a, &pivots, &mut b, n));
            // The solution solves the system.
            for row in 0..n {
                let ax: f64 = (0..n).map(|k| a0[row * n + k] * b[k]).sum();
                assert!(
                    (ax - b0[row]).abs() < 1e-9,
                    "n = {n}, row {row}: {ax} vs {}",
                    b0[row]
                );
            }
            // The dispatching kernels (AVX2 where the processor has it, from AVX2_FROM
            // on) give exactly the portable build's numbers.
            let (mut a2, mut b2, mut pivots2) = (a0.clone(), b0.clone(), vec![0; n]);
            assert!(lu_factor_body(&mut a2, &mut pivots2, n) && lu_solve_body(&a2, &pivots2, &mut b2, n));
            assert_eq!(pivots, pivots2);
            assert!(
                a.iter().zip(&a2).all(|(x, y)| x.to_bits() == y.to_bits()),
                "factors differ, n = {n}"
            );
            assert!(
                b.iter().zip(&b2).all(|(x, y)| x.to_bits() == y.to_bits()),
                "solutions differ, n = {n}"
            );
        }
    }

    /// The column-by-column elimination the panels reorganise.
    fn textbook_lu(a: &mut [f64], pivots: &mut [usize], n: usize) {
        for col in 0..n {
            let pivot_row = (col..n).fold(col, |best, row| {
                if a[row * n + col].abs() > a[best * n + col].abs() {
                    row
                } else {
                    best
                }
            });
            pivots[col] = pivot_row;
            for k in 0..n {
                a.swap(col * n + k, pivot_row * n + k);
            }
            for row in col + 1..n {
                let factor = a[row * n + col] / a[col * n + col];
                a[row * n + col] = factor;
                if factor != 0.0 {
                    for k in col + 1..n {
                        a[row * n + k] -= factor * a[col * n + k];
                    }
                }
            }
        }
    }

    #[test]
    fn panels_give_the_textbook_factors() {
        for (n, seed) in [(1, 9), (4, 10), (5, 11), (9, 12), (32, 13), (57, 14), (123, 15)] {
            let (a0, _) = random_system(n, seed);
            let (mut a, mut pivots) = (a0.clone(), vec![0; n]);
            assert!(lu_factor(&mut a, &mut pivots, n));
            let (mut t, mut tp) = (a0.clone(), vec![0; n]);
            textbook_lu(&mut t, &mut tp, n);
            assert_eq!(pivots, tp, "n = {n}");
            for (i, (x, y)) in a.iter().zip(&t).enumerate() {
                assert!(x == y, "n = {n}, entry {i}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn dot_sums_in_its_documented_order() {
        let a: Vec<f64> = (1..=7).map(|i| i as f64 * 0.1).collect();
        let b: Vec<f64> = (1..=7).map(|i| 1.0 / i as f64).collect();
        let p: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        // Entries 0–3 into sums 0–3, 4–7 likewise, the tail (4, 5, 6) into sums 0–2.
        let s = [p[0] + p[4], p[1] + p[5], p[2] + p[6], p[3]];
        assert_eq!(dot(&a, &b).to_bits(), ((s[0] + s[1]) + (s[2] + s[3])).to_bits());
        assert_eq!(dot(&[], &[]), 0.0);
    }
}
