//! Dense LU factorisation with partial pivoting, on caller-owned buffers (no allocation).

// Index loops mirror the math of the passes over several parallel arrays.
#![allow(clippy::needless_range_loop)]

/// LU factorisation with partial pivoting of the `n × n` row-major `a`, in place, for
/// several solves with one matrix ([`lu_solve_factored`]). `pivots[col]` receives the
/// row swapped into `col`. Returns `false` when the matrix is numerically singular.
pub(crate) fn lu_factor(a: &mut [f64], pivots: &mut [usize], n: usize) -> bool {
    debug_assert!(a.len() >= n * n && pivots.len() >= n);
    let scale = a[..n * n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !(scale.is_finite() && scale > 0.0) {
        return false;
    }
    for col in 0..n {
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
        let pivot_row_values = &upper[col * n..col * n + n];
        for row in 0..n - col - 1 {
            let r = &mut lower[row * n..row * n + n];
            let factor = r[col] / pivot;
            r[col] = factor;
            if factor == 0.0 {
                continue;
            }
            for (x, y) in r[col + 1..].iter_mut().zip(&pivot_row_values[col + 1..]) {
                *x -= factor * y;
            }
        }
    }
    true
}

/// Solves `a · x = b` in place with the factors of [`lu_factor`]; `false` when the
/// solution is not finite.
pub(crate) fn lu_solve_factored(a: &[f64], pivots: &[usize], b: &mut [f64], n: usize) -> bool {
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
