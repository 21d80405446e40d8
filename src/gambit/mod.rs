//! Gambit interchange: reading and writing `.efg` and `.nfg` files.
//!
//! The readers follow Gambit's file-format documentation and accept what Gambit accepts:
//! commas between payoffs are optional; numbers may be integers, decimals (with an
//! exponent) or rationals such as `1/3`; labels are quoted, may be empty, and escape `"`
//! and `\` with a backslash; the description of an information set or outcome given once
//! is reused by number. They differ from Gambit in three deliberate ways:
//! - they report every problem they can find, each as `file:line:col: message`, instead of
//!   stopping at the first;
//! - chance probabilities that miss a sum of 1 by at most
//!   [`efg::CHANCE_SUM_TOLERANCE`] (rounded decimals such as `0.333333`) are rescaled
//!   instead of refused;
//! - a repeated label without its `{...}` block is accepted as a reference.
//!
//! Numbers are held as `f64`. The writers print them so that reading gives back the same
//! bits: integers plainly, chance probabilities as small exact fractions when such
//! fractions give the same `f64`s and sum to exactly 1 (Gambit requires an exact sum),
//! everything else as Rust's shortest round-trip decimal.

mod cursor;
pub mod efg;
mod lexer;
pub mod nfg;

pub use efg::{parse_efg, write_efg};
pub use nfg::{parse_nfg, write_nfg};

use crate::diag::{Diagnostic, Diagnostics};
use crate::game::Game;
use crate::game::normal::NormalForm;

/// A game read from a Gambit file of either kind.
// One value per file read, so the size difference between the variants costs nothing,
// and unboxed variants keep the contract in ARCHITECTURE.md simple to match on.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum GameFile {
    Extensive(Game),
    Normal(NormalForm),
}

/// Reads a `.efg` or `.nfg` file, whichever its first word (`EFG` or `NFG`) announces.
pub fn parse_game_file(source: &str, file: &str) -> Result<GameFile, Diagnostics> {
    let body = source.strip_prefix('\u{feff}').unwrap_or(source);
    let start = source.len() - body.trim_start().len();
    let word: String = source[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '{')
        .collect();
    match word.as_str() {
        "EFG" => parse_efg(source, file).map(GameFile::Extensive),
        "NFG" => parse_nfg(source, file).map(GameFile::Normal),
        _ => {
            let message = if body.trim().is_empty() {
                "the file is empty; expected a Gambit game (`EFG 2 R ...` or `NFG 1 R ...`)".to_string()
            } else {
                "expected `EFG` or `NFG` at the start of a Gambit game file".to_string()
            };
            Err(Diagnostics::single(Diagnostic::at_offset(
                file, source, start, message,
            )))
        }
    }
}

/// A label in double quotes, with `"` and `\` escaped by a backslash.
pub(crate) fn quote(label: &str) -> String {
    let mut out = String::with_capacity(label.len() + 2);
    out.push('"');
    for ch in label.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A number that reads back as the same `f64`: whole numbers without a fraction,
/// others as the shortest round-trip decimal (Rust's `Display` never uses exponents).
pub(crate) fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Chance probabilities as exact fractions (`1/3`) when every one is a fraction with a
/// small denominator that gives back the same `f64`, and the fractions sum to exactly
/// 1, which is what Gambit demands of a chance node. Otherwise shortest decimals, which
/// Otherwise (e.g. `0.7` and `0.30000000000000004`, from `1 - p` in a scenario) every
/// probability is rounded to a multiple of 10^-15 and the largest one absorbs the
/// rounding, so the written fractions still sum to exactly 1 and Gambit reads the
/// file; each value moves by at most about 10^-15.
pub(crate) fn fmt_probabilities(probs: &[f64]) -> Vec<String> {
    let fractions: Option<Vec<(i64, i64)>> = probs.iter().map(|&p| small_fraction(p)).collect();
    let fractions = match fractions {
        Some(f) if sums_to_one(&f) => f,
        _ => fixed_denominator_fractions(probs),
    };
    fractions
        .iter()
        .map(|&(n, d)| if d == 1 { n.to_string() } else { format!("{n}/{d}") })
        .collect()
}

/// Probabilities as `n / 10^15`, reduced, with the numerators summing to 10^15.
fn fixed_denominator_fractions(probs: &[f64]) -> Vec<(i64, i64)> {
    const DEN: i64 = 1_000_000_000_000_000;
    let mut nums: Vec<i64> = probs
        .iter()
        .map(|&p| (p.clamp(0.0, 1.0) * DEN as f64).round() as i64)
        .collect();
    let total: i64 = nums.iter().sum();
    if let Some(largest) = (0..nums.len()).max_by_key(|&i| nums[i]) {
        nums[largest] += DEN - total;
    }
    nums.iter()
        .map(|&n| {
            let g = gcd(n as i128, DEN as i128).max(1) as i64;
            (n / g, DEN / g)
        })
        .collect()
}

/// The continued-fraction convergent `n/d` (d ≤ 10^9) with `n as f64 / d as f64 == x`.
fn small_fraction(x: f64) -> Option<(i64, i64)> {
    if !(0.0..=1.0).contains(&x) {
        return None;
    }
    let (mut h_prev, mut h) = (0i64, 1i64);
    let (mut k_prev, mut k) = (1i64, 0i64);
    let mut rest = x;
    for _ in 0..64 {
        let a = rest.floor();
        if !(0.0..1e12).contains(&a) {
            return None;
        }
        let a = a as i64;
        let h_next = a.checked_mul(h)?.checked_add(h_prev)?;
        let k_next = a.checked_mul(k)?.checked_add(k_prev)?;
        if k_next > 1_000_000_000 {
            return None;
        }
        if h_next as f64 / k_next as f64 == x {
            return Some((h_next, k_next));
        }
        (h_prev, h, k_prev, k) = (h, h_next, k, k_next);
        let frac = rest - a as f64;
        if frac <= 0.0 {
            return None;
        }
        rest = 1.0 / frac;
    }
    None
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// Exact check that the fractions add up to 1 (false on overflow).
fn sums_to_one(fractions: &[(i64, i64)]) -> bool {
    let (mut num, mut den) = (0i128, 1i128);
    for &(n, d) in fractions {
        let (n, d) = (n as i128, d as i128);
        let Some(new_num) = num
            .checked_mul(d)
            .and_then(|x| x.checked_add(n.checked_mul(den)?))
        else {
            return false;
        };
        let Some(new_den) = den.checked_mul(d) else {
            return false;
        };
        let g = gcd(new_num, new_den).max(1);
        (num, den) = (new_num / g, new_den / g);
    }
    num == den
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_as_exact_fractions() {
        let third = 1.0 / 3.0;
        assert_eq!(fmt_probabilities(&[third, third, third]), ["1/3", "1/3", "1/3"]);
        assert_eq!(fmt_probabilities(&[0.3, 0.7]), ["3/10", "7/10"]);
        assert_eq!(fmt_probabilities(&[1.0, 0.0]), ["1", "0"]);
        assert_eq!(fmt_probabilities(&[0.99, 0.01]), ["99/100", "1/100"]);
        // Not a distribution of small fractions: fractions over 10^15 that still sum
        // to exactly 1, as Gambit requires.
        let odd = [0.1 + 0.2, 1.0 - (0.1 + 0.2)];
        assert_eq!(fmt_probabilities(&odd), ["3/10", "7/10"]);
        let scenario_like = [0.7, 1.0 - 0.7, 0.0];
        assert_eq!(fmt_probabilities(&scenario_like), ["7/10", "3/10", "0"]);
        let irrational = [std::f64::consts::FRAC_1_PI, 1.0 - std::f64::consts::FRAC_1_PI];
        let written = fmt_probabilities(&irrational);
        let parsed: Vec<(i64, i64)> = written
            .iter()
            .map(|w| {
                let (n, d) = w.split_once('/').unwrap();
                (n.parse().unwrap(), d.parse().unwrap())
            })
            .collect();
        assert!(sums_to_one(&parsed), "{written:?}");
        for ((n, d), p) in parsed.iter().zip(irrational) {
            assert!((*n as f64 / *d as f64 - p).abs() < 2e-15);
        }
    }

    #[test]
    fn numbers_and_labels() {
        assert_eq!(fmt_number(-3.0), "-3");
        assert_eq!(fmt_number(-0.0), "0");
        assert_eq!(fmt_number(0.1), "0.1");
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    #[test]
    fn dispatch_on_the_first_word() {
        let err = parse_game_file("\n  XYZ 1", "g").unwrap_err();
        assert_eq!(
            err.to_string(),
            "g:2:3: expected `EFG` or `NFG` at the start of a Gambit game file"
        );
        let err = parse_game_file("  \n", "g").unwrap_err();
        assert!(err.to_string().contains("the file is empty"));
    }
}
