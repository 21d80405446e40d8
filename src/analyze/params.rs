//! Command-line parameter specifications shared by sweep, tune and sensitivity:
//! `NAME=LO:HI` ranges and `NAME=LO:HI:N` / `NAME=V1,V2,...` value lists, resolved
//! against the model's parameters. Problems are diagnostics located in the flag's text
//! (the "file" is the flag, e.g. `--vary`), so the CLI can print them and exit with 2.

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::ParamInfo;
use crate::scenario::Prior;

use super::objective::suggestion;

/// A parameter to vary or tune over `[low, high]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRange {
    /// Index into the model's parameters.
    pub index: usize,
    pub name: String,
    pub low: f64,
    pub high: f64,
}

/// A swept parameter: explicit values for a grid, and their range for a Latin hypercube.
#[derive(Debug, Clone, PartialEq)]
pub struct VarySpec {
    pub range: ParamRange,
    pub values: Vec<f64>,
}

/// The values a parameter may take when fixed by an analysis: its declared bounds,
/// narrowed to the prior's support (a fixed prior has no support to respect).
pub fn allowed_range(param: &ParamInfo) -> (f64, f64) {
    let (support_low, support_high) = match param.prior {
        Prior::Fixed { .. } => (f64::NEG_INFINITY, f64::INFINITY),
        ref prior => prior.support(),
    };
    (param.low.max(support_low), param.high.min(support_high))
}

/// Parses `NAME=LO:HI` (for `--param`). Requires LO < HI within the allowed range.
pub fn parse_param_range(text: &str, flag: &str, params: &[ParamInfo]) -> Result<ParamRange, Diagnostics> {
    let (index, name, rest, rest_offset) = split_name(text, flag, params)?;
    let numbers = parse_numbers(text, flag, rest, rest_offset, ':')?;
    if numbers.len() != 2 {
        return Err(at(
            text,
            flag,
            rest_offset,
            format!("expected `{name}=LO:HI`, got `{text}`"),
        ));
    }
    let range = ParamRange {
        index,
        name,
        low: numbers[0],
        high: numbers[1],
    };
    if range.low >= range.high {
        return Err(at(
            text,
            flag,
            rest_offset,
            format!("empty range: {} is not below {}", range.low, range.high),
        ));
    }
    check_allowed(&range, text, flag, rest_offset, &params[index])?;
    Ok(range)
}

/// Parses `NAME=LO:HI:N` (N evenly spaced values, ends included) or `NAME=V1,V2,...`
/// (for `--vary`).
pub fn parse_vary(text: &str, flag: &str, params: &[ParamInfo]) -> Result<VarySpec, Diagnostics> {
    let (index, name, rest, rest_offset) = split_name(text, flag, params)?;
    let values = if rest.contains(':') {
        let pieces: Vec<&str> = rest.split(':').collect();
        if pieces.len() != 3 {
            return Err(at(
                text,
                flag,
                rest_offset,
                format!("expected `{name}=LO:HI:N` or `{name}=V1,V2,...`"),
            ));
        }
        let bounds = parse_numbers(
            text,
            flag,
            &rest[..pieces[0].len() + 1 + pieces[1].len()],
            rest_offset,
            ':',
        )?;
        let count_offset = rest_offset + pieces[0].len() + pieces[1].len() + 2;
        let count = match pieces[2].trim().parse::<usize>() {
            Ok(count) if count >= 1 => count,
            _ => {
                return Err(at(
                    text,
                    flag,
                    count_offset,
                    format!("`{}` is not a positive whole number of values", pieces[2]),
                ));
            }
        };
        if bounds[0] > bounds[1] || (bounds[0] == bounds[1] && count > 1) {
            return Err(at(
                text,
                flag,
                rest_offset,
                format!("empty range: {} is not below {}", bounds[0], bounds[1]),
            ));
        }
        super::design::linspace(bounds[0], bounds[1], count)
    } else {
        parse_numbers(text, flag, rest, rest_offset, ',')?
    };
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = ParamRange {
        index,
        name,
        low,
        high,
    };
    check_allowed(&range, text, flag, rest_offset, &params[index])?;
    Ok(VarySpec { range, values })
}

/// Rejects a parameter named twice.
pub fn check_distinct<'a>(names: impl IntoIterator<Item = &'a str>, flag: &str) -> Result<(), Diagnostics> {
    let mut seen = Vec::new();
    for name in names {
        if seen.contains(&name) {
            return Err(Diagnostic::new(flag, 1, 1, format!("parameter `{name}` is given twice")).into());
        }
        seen.push(name);
    }
    Ok(())
}

fn at(text: &str, flag: &str, offset: usize, message: String) -> Diagnostics {
    Diagnostic::at_offset(flag, text, offset, message).into()
}

fn split_name<'t>(
    text: &'t str,
    flag: &str,
    params: &[ParamInfo],
) -> Result<(usize, String, &'t str, usize), Diagnostics> {
    let Some(equals) = text.find('=') else {
        return Err(at(text, flag, 0, format!("expected NAME=..., got `{text}`")));
    };
    let name = text[..equals].trim();
    let Some(index) = params.iter().position(|p| p.name == name) else {
        let known: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
        let offset = text.len() - text.trim_start().len();
        return Err(at(
            text,
            flag,
            offset,
            format!("unknown parameter `{name}`{}", suggestion(name, &known)),
        ));
    };
    Ok((index, name.to_string(), &text[equals + 1..], equals + 1))
}

fn parse_numbers(
    text: &str,
    flag: &str,
    rest: &str,
    rest_offset: usize,
    separator: char,
) -> Result<Vec<f64>, Diagnostics> {
    let mut values = Vec::new();
    let mut offset = rest_offset;
    for piece in rest.split(separator) {
        match piece.trim().parse::<f64>() {
            Ok(value) if value.is_finite() => values.push(value),
            _ => {
                return Err(at(
                    text,
                    flag,
                    offset,
                    format!("`{}` is not a number", piece.trim()),
                ));
            }
        }
        offset += piece.len() + separator.len_utf8();
    }
    Ok(values)
}

fn check_allowed(
    range: &ParamRange,
    text: &str,
    flag: &str,
    offset: usize,
    param: &ParamInfo,
) -> Result<(), Diagnostics> {
    let (low, high) = allowed_range(param);
    if range.low < low || range.high > high {
        return Err(at(
            text,
            flag,
            offset,
            format!(
                "[{}, {}] is outside the range parameter `{}` allows, [{low}, {high}] (its bounds within its prior's support)",
                range.low, range.high, range.name
            ),
        ));
    }
    Ok(())
}
