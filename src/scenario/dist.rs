//! Prior distributions with hand-written, portable inverse CDFs.

use std::fmt;

/// A parameter's prior distribution.
#[derive(Clone, Debug, PartialEq)]
pub enum Prior {
    Fixed {
        value: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// Truncated to `[low, high]` when either bound is finite.
    Normal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
    /// A beta(alpha, beta) scaled to `[low, high]`.
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
    /// The value whose CDF is `u` (u in (0, 1)).
    pub fn inverse_cdf(&self, u: f64) -> f64 {
        let _ = u;
        match self {
            Prior::Fixed { value } => *value,
            _ => f64::NAN,
        }
    }

    /// Smallest and largest possible values (possibly infinite).
    pub fn support(&self) -> (f64, f64) {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

impl fmt::Display for Prior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
