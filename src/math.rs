//! The transcendental functions every result goes through, with the same bits on
//! every machine.
//!
//! `f64::ln`, `f64::exp` and the like call the platform's C library, whose last bit
//! differs between libraries (glibc, macOS, musl, Windows) and even between builds of
//! one library: glibc picks an FMA or a non-FMA version of `log` and `exp` by the
//! processor it runs on. Before this module, the headline scenario's `trials.csv`
//! differed in 72 of its 10,000 rows between the two versions of glibc on one machine
//! (`GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA`). These wrappers call the `libm`
//! crate instead: musl's algorithms in plain Rust, built from IEEE-754 additions,
//! multiplications, divisions and square roots only, so the same inputs give the same
//! bits wherever the program runs. `clippy.toml` forbids the `f64` methods in the crate.
//!
//! The logit passes' own `exp` for non-positive arguments (`solve::fastexp`) is
//! portable in the same way.

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// e^x.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// x^y.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Sine.
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// Cosine.
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// Arcsine.
#[inline]
pub fn asin(x: f64) -> f64 {
    libm::asin(x)
}

/// Base-10 logarithm.
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// Cube root.
#[inline]
pub fn cbrt(x: f64) -> f64 {
    libm::cbrt(x)
}
