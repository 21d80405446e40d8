//! Prior distributions with hand-written, portable inverse CDFs.
//!
//! Parameters are drawn as `prior.inverse_cdf(u)` from one uniform `u` per parameter, so
//! a run is reproducible across platforms (no library sampler whose algorithm may
//! change) and fixing one parameter leaves every other draw unchanged.

use crate::math;
use std::f64::consts::PI;
use std::fmt;

/// A parameter's prior distribution. Built by the scenario loader, which checks the
/// arguments (positive scales, ordered bounds, probabilities summing to 1).
#[derive(Clone, Debug, PartialEq)]
pub enum Prior {
    Fixed {
        value: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// Truncated to `[low, high]` (infinite bounds: no truncation on that side).
    Normal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
    /// A beta(alpha, beta) on [0, 1] scaled to `[low, high]`.
    Beta {
        alpha: f64,
        beta: f64,
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    /// `exp(N(mu, sigma²))`.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Discrete {
        values: Vec<f64>,
        probs: Vec<f64>,
    },
}

impl Prior {
    /// The value at which the CDF reaches `u` (u in (0, 1); 0 and 1 give the support's
    /// ends where finite).
    pub fn inverse_cdf(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self {
            Prior::Fixed { value } => *value,
            Prior::Uniform { low, high } => low + u * (high - low),
            Prior::Normal { mean, sd, low, high } => {
                if low.is_infinite() && high.is_infinite() {
                    mean + sd * normal_quantile(u)
                } else {
                    mean + sd * truncated_standard_normal_quantile((low - mean) / sd, (high - mean) / sd, u)
                }
            }
            Prior::Beta {
                alpha,
                beta,
                low,
                high,
            } => low + (high - low) * beta_quantile(*alpha, *beta, u),
            Prior::Triangular { low, mode, high } => {
                let (a, c, b) = (*low, *mode, *high);
                if b <= a {
                    return a;
                }
                let fc = (c - a) / (b - a);
                if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Prior::LogNormal { mu, sigma } => math::exp(mu + sigma * normal_quantile(u)),
            Prior::Discrete { values, probs } => {
                let mut cumulative = 0.0;
                for (v, p) in values.iter().zip(probs) {
                    cumulative += p;
                    if u < cumulative {
                        return *v;
                    }
                }
                // u at (or, by rounding, above) the total: the last value with mass.
                let last = probs.iter().rposition(|p| *p > 0.0).unwrap_or(values.len() - 1);
                values[last]
            }
        }
    }

    /// The cumulative distribution function (right-continuous for discrete priors).
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Prior::Fixed { value } => {
                if x >= *value {
                    1.0
                } else {
                    0.0
                }
            }
            Prior::Uniform { low, high } => ((x - low) / (high - low)).clamp(0.0, 1.0),
            Prior::Normal { mean, sd, low, high } => {
                if x < *low {
                    return 0.0;
                }
                if x >= *high {
                    return 1.0;
                }
                let z = (x - mean) / sd;
                if low.is_infinite() && high.is_infinite() {
                    return normal_cdf(z);
                }
                let (za, zb) = ((low - mean) / sd, (high - mean) / sd);
                if za > 0.0 {
                    // Upper tail: work with complements for precision.
                    (normal_cdf(-za) - normal_cdf(-z)) / (normal_cdf(-za) - normal_cdf(-zb))
                } else {
                    (normal_cdf(z) - normal_cdf(za)) / (normal_cdf(zb) - normal_cdf(za))
                }
            }
            Prior::Beta {
                alpha,
                beta,
                low,
                high,
            } => regularized_incomplete_beta(*alpha, *beta, ((x - low) / (high - low)).clamp(0.0, 1.0)),
            Prior::Triangular { low, mode, high } => {
                let (a, c, b) = (*low, *mode, *high);
                if x <= a {
                    0.0
                } else if x >= b {
                    1.0
                } else if x <= c {
                    (x - a) * (x - a) / ((b - a) * (c - a))
                } else {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
                }
            }
            Prior::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    normal_cdf((math::ln(x) - mu) / sigma)
                }
            }
            Prior::Discrete { values, probs } => values
                .iter()
                .zip(probs)
                .filter(|(v, _)| **v <= x)
                .map(|(_, p)| p)
                .sum::<f64>()
                .min(1.0),
        }
    }

    /// Smallest and largest possible values (possibly infinite).
    pub fn support(&self) -> (f64, f64) {
        match self {
            Prior::Fixed { value } => (*value, *value),
            Prior::Uniform { low, high } => (*low, *high),
            Prior::Normal { low, high, .. } => (*low, *high),
            Prior::Beta { low, high, .. } => (*low, *high),
            Prior::Triangular { low, high, .. } => (*low, *high),
            Prior::LogNormal { .. } => (0.0, f64::INFINITY),
            Prior::Discrete { values, probs } => {
                let with_mass = values
                    .iter()
                    .zip(probs)
                    .filter(|(_, p)| **p > 0.0)
                    .map(|(v, _)| *v);
                with_mass.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
            }
        }
    }

    /// A finite range for tuning when no `bounds` are given: the support where finite,
    /// else a central range (normal: mean ± 4 sd; lognormal: up to exp(mu + 4 sigma)).
    pub fn default_bounds(&self) -> (f64, f64) {
        let (lo, hi) = self.support();
        match self {
            Prior::Normal { mean, sd, .. } => {
                let lo = if lo.is_finite() { lo } else { mean - 4.0 * sd };
                let hi = if hi.is_finite() { hi } else { mean + 4.0 * sd };
                (lo, hi)
            }
            Prior::LogNormal { mu, sigma } => (0.0, math::exp(mu + 4.0 * sigma)),
            _ => (lo, hi),
        }
    }

    /// The median, used as the default value when none is given.
    pub fn median(&self) -> f64 {
        self.inverse_cdf(0.5)
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

impl fmt::Display for Prior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prior::Fixed { value } => write!(f, "fixed({})", num(*value)),
            Prior::Uniform { low, high } => write!(f, "uniform({}, {})", num(*low), num(*high)),
            Prior::Normal { mean, sd, low, high } => {
                write!(f, "normal({}, {})", num(*mean), num(*sd))?;
                if low.is_finite() || high.is_finite() {
                    let lo = if low.is_finite() { num(*low) } else { "-inf".into() };
                    let hi = if high.is_finite() {
                        num(*high)
                    } else {
                        "inf".into()
                    };
                    write!(f, " truncated [{lo}, {hi}]")?;
                }
                Ok(())
            }
            Prior::Beta {
                alpha,
                beta,
                low,
                high,
            } => {
                write!(f, "beta({}, {})", num(*alpha), num(*beta))?;
                if *low != 0.0 || *high != 1.0 {
                    write!(f, " on [{}, {}]", num(*low), num(*high))?;
                }
                Ok(())
            }
            Prior::Triangular { low, mode, high } => {
                write!(f, "triangular({}, {}, {})", num(*low), num(*mode), num(*high))
            }
            Prior::LogNormal { mu, sigma } => write!(f, "lognormal({}, {})", num(*mu), num(*sigma)),
            Prior::Discrete { values, probs } => {
                let vs: Vec<String> = values.iter().map(|v| num(*v)).collect();
                let ps: Vec<String> = probs.iter().map(|v| num(*v)).collect();
                write!(f, "discrete([{}], [{}])", vs.join(", "), ps.join(", "))
            }
        }
    }
}

/// Standard normal CDF, accurate to about 1e-15 (Hart 1968, algorithm 5666, as given by
/// West 2005, "Better approximations to cumulative normal functions").
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let xa = x.abs();
    let tail = if xa > 37.0 {
        0.0
    } else {
        let e = math::exp(-xa * xa / 2.0);
        if xa < 7.071_067_811_865_47 {
            let mut n = 3.526_249_659_989_11e-2 * xa + 0.700_383_064_443_688;
            n = n * xa + 6.373_962_203_531_65;
            n = n * xa + 33.912_866_078_383;
            n = n * xa + 112.079_291_497_871;
            n = n * xa + 221.213_596_169_931;
            n = n * xa + 220.206_867_912_376;
            let mut d = 8.838_834_764_831_84e-2 * xa + 1.755_667_163_182_64;
            d = d * xa + 16.064_177_579_207;
            d = d * xa + 86.780_732_202_946_1;
            d = d * xa + 296.564_248_779_674;
            d = d * xa + 637.333_633_378_831;
            d = d * xa + 793.826_512_519_948;
            d = d * xa + 440.413_735_824_752;
            e * n / d
        } else {
            let mut b = xa + 0.65;
            b = xa + 4.0 / b;
            b = xa + 3.0 / b;
            b = xa + 2.0 / b;
            b = xa + 1.0 / b;
            e / b / 2.506_628_274_631
        }
    };
    if x > 0.0 { 1.0 - tail } else { tail }
}

/// Standard normal quantile: Acklam's rational approximation (relative error 1.2e-9)
/// refined by one Halley step against [`normal_cdf`], computed in the lower tail and
/// reflected so that both tails keep full precision.
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -normal_quantile(1.0 - p);
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let x = if p < 0.02425 {
        let q = (-2.0 * math::ln(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * PI).sqrt() * math::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// Quantile of a standard normal truncated to `[za, zb]`, by inverting the CDF over the
/// restricted range (in the lower half, reflecting an upper-half range, so the CDF
/// differences keep their precision).
fn truncated_standard_normal_quantile(za: f64, zb: f64, u: f64) -> f64 {
    if za > 0.0 {
        return -truncated_standard_normal_quantile(-zb, -za, 1.0 - u);
    }
    let (pa, pb) = (normal_cdf(za), normal_cdf(zb));
    let z = normal_quantile(pa + u * (pb - pa));
    z.clamp(za, zb)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return math::ln(PI / math::sin(PI * x)) - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + G + 0.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * math::ln(2.0 * PI) + (x + 0.5) * math::ln(t) - t + math::ln(a)
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction
/// (modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where the fraction
/// converges slowly.
pub fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * math::ln(x) + b * math::ln(1.0 - x);
    if x < (a + 1.0) / (a + b + 2.0) {
        math::exp(ln_front) * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - math::exp(ln_front) * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Quantile of beta(a, b) on [0, 1]: Newton steps on I_x(a,b) − u kept inside a
/// shrinking bracket, falling back to bisection when a step leaves it.
pub fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    if u <= 0.0 {
        return 0.0;
    }
    if u >= 1.0 {
        return 1.0;
    }
    let ln_norm = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    // Start at the mean, a reasonable guess for all shapes.
    let mut x = a / (a + b);
    for _ in 0..200 {
        let f = regularized_incomplete_beta(a, b, x) - u;
        if f.abs() < 1e-15 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let ln_pdf = ln_norm + (a - 1.0) * math::ln(x) + (b - 1.0) * math::ln(1.0 - x);
        let pdf = math::exp(ln_pdf);
        let mut next = if pdf.is_finite() && pdf > 0.0 {
            x - f / pdf
        } else {
            f64::NAN
        };
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() < 1e-15 * x.max(1e-300) || hi - lo < 1e-16 {
            return next;
        }
        x = next;
    }
    x
}
