//! What the tuner optimises and what calibration fits: objective expressions over the
//! run summary (`p(OUTCOME)`, `payoff(ACTOR)` and weighted sums of them) and observed
//! outcome records read from CSV text. Pure parsing; names are resolved against the
//! model's outcome and actor ids, and every problem is a located diagnostic.

use crate::diag::{Diagnostic, Diagnostics};

/// One summary quantity an objective can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveTerm {
    /// The probability of a named outcome (index into the model's outcomes).
    Probability { outcome: usize },
    /// An actor's expected payoff (index into the model's actors).
    Payoff { actor: usize },
    /// A constant (a bare number in the expression).
    Constant,
}

/// A weighted sum Σ weight·term, as written by the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub terms: Vec<(f64, ObjectiveTerm)>,
    pub text: String,
}

impl Objective {
    /// Parses `text` (e.g. `payoff(japan) - 2*p(escalation)`). `source` names where the
    /// text came from in messages (e.g. `--maximize`); columns count from 1.
    pub fn parse(
        text: &str,
        source: &str,
        outcomes: &[String],
        actors: &[String],
    ) -> Result<Objective, Diagnostics> {
        let mut parser = Parser {
            text,
            source,
            position: 0,
            outcomes,
            actors,
            errors: Vec::new(),
        };
        let terms = parser.expression();
        if !parser.errors.is_empty() {
            return Err(Diagnostics(parser.errors));
        }
        Ok(Objective {
            terms,
            text: text.trim().to_string(),
        })
    }

    /// Σ weight·value with `value(term)` supplying each term's value (constants are 1).
    pub fn evaluate(&self, mut value: impl FnMut(ObjectiveTerm) -> f64) -> f64 {
        self.terms
            .iter()
            .map(|&(weight, term)| {
                weight
                    * if term == ObjectiveTerm::Constant {
                        1.0
                    } else {
                        value(term)
                    }
            })
            .sum()
    }
}

struct Parser<'a> {
    text: &'a str,
    source: &'a str,
    position: usize,
    outcomes: &'a [String],
    actors: &'a [String],
    errors: Vec<Diagnostic>,
}

impl Parser<'_> {
    fn error(&mut self, offset: usize, message: String) {
        self.errors
            .push(Diagnostic::at_offset(self.source, self.text, offset, message));
    }

    fn skip_space(&mut self) {
        while self.text[self.position..].starts_with(char::is_whitespace) {
            self.position += self.text[self.position..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.text[self.position..].chars().next()
    }

    /// expression := [sign] term (sign term)*
    fn expression(&mut self) -> Vec<(f64, ObjectiveTerm)> {
        let mut terms = Vec::new();
        if self.peek().is_none() {
            self.error(
                0,
                "the objective is empty; expected p(OUTCOME), payoff(ACTOR) or a weighted sum".into(),
            );
            return terms;
        }
        let mut sign = 1.0;
        match self.peek() {
            Some('-') => {
                sign = -1.0;
                self.position += 1;
            }
            Some('+') => self.position += 1,
            _ => {}
        }
        loop {
            match self.term() {
                Some((weight, term)) => terms.push((sign * weight, term)),
                None => return terms,
            }
            match self.peek() {
                None => return terms,
                Some('+') => sign = 1.0,
                Some('-') => sign = -1.0,
                Some(other) => {
                    let at = self.position;
                    self.error(at, format!("unexpected `{other}`; expected `+`, `-` or the end"));
                    return terms;
                }
            }
            self.position += 1;
        }
    }

    /// term := factor ('*' factor)*, with at most one summary quantity among the factors.
    fn term(&mut self) -> Option<(f64, ObjectiveTerm)> {
        let mut weight = 1.0;
        let mut quantity: Option<ObjectiveTerm> = None;
        loop {
            let start = self.position;
            match self.factor()? {
                Factor::Number(value) => weight *= value,
                Factor::Quantity(term) => {
                    if quantity.is_some() {
                        self.error(
                            start,
                            "a term may name only one quantity; products of quantities are not supported"
                                .into(),
                        );
                        return None;
                    }
                    quantity = Some(term);
                }
            }
            if self.peek() == Some('*') {
                self.position += 1;
            } else {
                return Some((weight, quantity.unwrap_or(ObjectiveTerm::Constant)));
            }
        }
    }

    fn factor(&mut self) -> Option<Factor> {
        self.skip_space();
        let start = self.position;
        let rest = &self.text[start..];
        let first = rest.chars().next();
        if first.is_some_and(|c| c.is_ascii_digit() || c == '.') {
            let length = rest
                .char_indices()
                .find(|&(i, c)| {
                    !(c.is_ascii_digit()
                        || c == '.'
                        || c == 'e'
                        || c == 'E'
                        || ((c == '+' || c == '-') && i > 0 && matches!(rest.as_bytes()[i - 1], b'e' | b'E')))
                })
                .map_or(rest.len(), |(i, _)| i);
            let literal = &rest[..length];
            self.position += length;
            return match literal.parse::<f64>() {
                Ok(value) if value.is_finite() => Some(Factor::Number(value)),
                _ => {
                    self.error(start, format!("`{literal}` is not a number"));
                    None
                }
            };
        }
        let length = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if length == 0 {
            match first {
                None => self.error(
                    start,
                    "the objective ends early; expected a number, p(OUTCOME) or payoff(ACTOR)".into(),
                ),
                Some(c) => self.error(
                    start,
                    format!("unexpected `{c}`; expected a number, p(OUTCOME) or payoff(ACTOR)"),
                ),
            }
            return None;
        }
        let function = &rest[..length];
        self.position += length;
        if function != "p" && function != "payoff" {
            self.error(
                start,
                format!("unknown quantity `{function}`; expected p(OUTCOME) or payoff(ACTOR)"),
            );
            return None;
        }
        if self.peek() != Some('(') {
            let at = self.position;
            self.error(at, format!("expected `(` after `{function}`"));
            return None;
        }
        self.position += 1;
        self.skip_space();
        let name_start = self.position;
        let name_rest = &self.text[name_start..];
        let name_length = name_rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(name_rest.len());
        let name = self.text[name_start..name_start + name_length].to_string();
        self.position += name_length;
        if self.peek() != Some(')') {
            let at = self.position;
            self.error(at, format!("expected `)` to close `{function}(`"));
            return None;
        }
        self.position += 1;
        let (known, what) = if function == "p" {
            (self.outcomes, "outcome")
        } else {
            (self.actors, "actor")
        };
        match known.iter().position(|k| *k == name) {
            Some(index) => Some(Factor::Quantity(if function == "p" {
                ObjectiveTerm::Probability { outcome: index }
            } else {
                ObjectiveTerm::Payoff { actor: index }
            })),
            None => {
                let message = if name.is_empty() {
                    format!("expected {what} id inside `{function}(…)`")
                } else {
                    format!("unknown {what} `{name}`{}", suggestion(&name, known))
                };
                self.error(name_start, message);
                None
            }
        }
    }
}

enum Factor {
    Number(f64),
    Quantity(ObjectiveTerm),
}

/// "; did you mean `x`?" for a close name, else the list of known names.
pub(crate) fn suggestion(name: &str, known: &[String]) -> String {
    let closest = known
        .iter()
        .map(|k| (edit_distance(name, k), k))
        .min_by_key(|&(d, _)| d);
    match closest {
        Some((distance, k)) if distance <= 2.max(name.len() / 3) => format!("; did you mean `{k}`?"),
        _ => format!(" (known: {})", known.join(", ")),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != cb))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Observations for calibration: how often each outcome was observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    /// `counts[k]`: total weight of outcome k (index into the model's outcomes).
    pub counts: Vec<f64>,
}

impl Observations {
    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }
}

/// Reads observed outcomes from CSV text: a header row with an `outcome` column and an
/// optional `count` column (a non-negative weight, default 1); other columns are ignored,
/// so a `trials.csv` from `run` qualifies. `producible[k]` says whether outcome k ends
/// any path of the game; observing an outcome that cannot happen is an error, as is an
/// unknown outcome, a bad count or a malformed row, each reported with its line.
pub fn parse_observations(
    text: &str,
    file: &str,
    outcomes: &[String],
    producible: &[bool],
) -> Result<Observations, Diagnostics> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => return Err(csv_error(file, text, &error)),
    };
    let Some(outcome_column) = headers.iter().position(|h| h.trim() == "outcome") else {
        let found: Vec<&str> = headers.iter().collect();
        return Err(Diagnostic::new(
            file,
            1,
            1,
            format!("no `outcome` column in the header (found: {})", found.join(", ")),
        )
        .into());
    };
    let count_column = headers.iter().position(|h| h.trim() == "count");
    let mut counts = vec![0.0; outcomes.len()];
    let mut errors = Vec::new();
    let mut rows = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                errors.extend(csv_error(file, text, &error).0);
                break;
            }
        }
        rows += 1;
        let record_start = record.position().map_or(0, |p| p.byte() as usize);
        let at =
            |column: usize| Diagnostic::at_offset(file, text, field_offset(text, record_start, column), "");
        let name = record.get(outcome_column).unwrap_or("").trim();
        let weight = match count_column {
            None => 1.0,
            Some(column) => {
                let raw = record.get(column).unwrap_or("").trim();
                match raw.parse::<f64>() {
                    Ok(value) if value.is_finite() && value >= 0.0 => value,
                    _ => {
                        errors.push(Diagnostic {
                            message: format!("count `{raw}` is not a non-negative number"),
                            ..at(column)
                        });
                        continue;
                    }
                }
            }
        };
        match outcomes.iter().position(|o| o == name) {
            Some(index) if producible.get(index).copied().unwrap_or(true) => counts[index] += weight,
            Some(_) => errors.push(Diagnostic {
                message: format!(
                    "observed outcome `{name}` cannot happen in this scenario: no path of the game ends in it"
                ),
                ..at(outcome_column)
            }),
            None => errors.push(Diagnostic {
                message: if name.is_empty() {
                    "empty outcome".to_string()
                } else {
                    format!(
                        "observed outcome `{name}` is not an outcome of the scenario{}",
                        suggestion(name, outcomes)
                    )
                },
                ..at(outcome_column)
            }),
        }
    }
    if errors.is_empty() && rows == 0 {
        errors.push(Diagnostic::new(
            file,
            1,
            1,
            "no observations: the file has a header but no rows",
        ));
    }
    if errors.is_empty() && counts.iter().sum::<f64>() <= 0.0 {
        errors.push(Diagnostic::new(file, 1, 1, "all observation counts are zero"));
    }
    if errors.is_empty() {
        Ok(Observations { counts })
    } else {
        Err(Diagnostics(errors).sorted())
    }
}

fn csv_error(file: &str, text: &str, error: &csv::Error) -> Diagnostics {
    let (offset, message) = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            pos.as_ref().map_or(0, |p| p.byte() as usize),
            format!("malformed CSV: this row has {len} fields, the header has {expected_len}"),
        ),
        csv::ErrorKind::Utf8 { pos, .. } => (
            pos.as_ref().map_or(0, |p| p.byte() as usize),
            "malformed CSV: invalid UTF-8".to_string(),
        ),
        _ => (
            error.position().map_or(0, |p| p.byte() as usize),
            format!("malformed CSV: {error}"),
        ),
    };
    Diagnostic::at_offset(file, text, offset, message).into()
}

/// Byte offset of field `column` of the record starting at `record_start`, scanning
/// commas outside double quotes.
fn field_offset(text: &str, record_start: usize, column: usize) -> usize {
    let mut in_quotes = false;
    let mut field = 0;
    for (i, c) in text[record_start.min(text.len())..].char_indices() {
        if field == column {
            return record_start + i;
        }
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => field += 1,
            '\n' if !in_quotes => break,
            _ => {}
        }
    }
    record_start
}
