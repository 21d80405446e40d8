//! Tokens of Gambit's classic text formats (`.efg`, `.nfg`).
//!
//! Gambit's own lexer knows numbers, quoted labels, bare symbols, braces and commas, and
//! treats all whitespace alike. This lexer accepts the same language but never stops at
//! the first problem: a malformed number is reported and carried on as the number 0 so
//! the parser does not cascade, and an unterminated label ends the token stream.

use crate::diag::Diagnostic;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TokenKind {
    /// A number: integer, decimal (with optional exponent) or rational `a/b`.
    /// `integer` holds the value when the text is a plain non-negative integer, which is
    /// what player, information-set and outcome numbers must be.
    Number {
        value: f64,
        integer: Option<u64>,
    },
    /// A quoted label, escapes resolved.
    Text(String),
    /// Any other run of characters (`EFG`, `R`, `c`, `p`, `t`, or garbage).
    Symbol(String),
    LBrace,
    RBrace,
    Comma,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte offset of the token's first character in the source.
    pub offset: usize,
}

impl Token {
    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Number { value, .. } => format!("the number {value}"),
            TokenKind::Text(s) => format!("the label \"{}\"", shorten(s)),
            TokenKind::Symbol(s) => format!("`{}`", shorten(s)),
            TokenKind::LBrace => "`{`".into(),
            TokenKind::RBrace => "`}`".into(),
            TokenKind::Comma => "`,`".into(),
            TokenKind::Eof => "the end of the file".into(),
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 30 {
        s.to_string()
    } else {
        let head: String = s.chars().take(27).collect();
        format!("{head}...")
    }
}

/// Splits `source` into tokens, ending with one [`TokenKind::Eof`]. Lexical problems are
/// appended to `diags`.
pub(crate) fn tokenize(source: &str, file: &str, diags: &mut Vec<Diagnostic>) -> Vec<Token> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    // A UTF-8 byte-order mark is invisible in editors; skip it rather than call it garbage.
    if source.starts_with('\u{feff}') {
        i = '\u{feff}'.len_utf8();
    }
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            b'{' => {
                tokens.push(Token {
                    kind: TokenKind::LBrace,
                    offset: start,
                });
                i += 1;
            }
            b'}' => {
                tokens.push(Token {
                    kind: TokenKind::RBrace,
                    offset: start,
                });
                i += 1;
            }
            b',' => {
                tokens.push(Token {
                    kind: TokenKind::Comma,
                    offset: start,
                });
                i += 1;
            }
            b'"' => {
                let (text, end, closed) = lex_label(source, start);
                if !closed {
                    diags.push(Diagnostic::at_offset(
                        file,
                        source,
                        start,
                        "unterminated label: the closing quote `\"` is missing",
                    ));
                }
                tokens.push(Token {
                    kind: TokenKind::Text(text),
                    offset: start,
                });
                i = end;
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                let mut end = i + 1;
                while end < bytes.len()
                    && matches!(bytes[end], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-' | b'/')
                {
                    end += 1;
                }
                let text = &source[start..end];
                let (value, integer) = match parse_number(text) {
                    // `+ 0.0` turns a written `-0` into 0, so that every number the reader
                    // produces is printed back and compared without a sign surprise.
                    Ok((v, integer)) => (v + 0.0, integer),
                    Err(message) => {
                        diags.push(Diagnostic::at_offset(file, source, start, message));
                        (0.0, None)
                    }
                };
                tokens.push(Token {
                    kind: TokenKind::Number { value, integer },
                    offset: start,
                });
                i = end;
            }
            _ => {
                let mut end = i;
                while end < bytes.len() {
                    let b = bytes[end];
                    if b.is_ascii_whitespace() || matches!(b, b'{' | b'}' | b',' | b'"') {
                        break;
                    }
                    end += 1;
                }
                // `end` stops at an ASCII byte or the end, so it is a char boundary.
                tokens.push(Token {
                    kind: TokenKind::Symbol(source[start..end].to_string()),
                    offset: start,
                });
                i = end;
            }
        }
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        offset: source.len(),
    });
    tokens
}

/// Reads a quoted label starting at the opening quote. Returns the text, the offset after
/// the closing quote, and whether the quote was closed. `\"` is a quote and `\\` a
/// backslash; a backslash before any other character is kept as written (Gambit does the
/// same).
fn lex_label(source: &str, start: usize) -> (String, usize, bool) {
    let mut text = String::new();
    let mut chars = source[start + 1..].char_indices();
    while let Some((k, ch)) = chars.next() {
        match ch {
            '"' => return (text, start + 1 + k + 1, true),
            '\\' => match chars.clone().next() {
                Some((_, '"')) => {
                    text.push('"');
                    chars.next();
                }
                Some((_, '\\')) => {
                    text.push('\\');
                    chars.next();
                }
                _ => text.push('\\'),
            },
            _ => text.push(ch),
        }
    }
    (text, source.len(), false)
}

/// Parses a numeric token: `12`, `-3`, `+4`, `0.25`, `.5`, `1e-3`, `2.5E+2`, `1/3`, `-2/3`.
fn parse_number(text: &str) -> Result<(f64, Option<u64>), String> {
    let invalid = || format!("`{text}` is not a valid number");
    if let Some((num, den)) = text.split_once('/') {
        let num_ok = !num.is_empty()
            && num
                .strip_prefix(['+', '-'])
                .unwrap_or(num)
                .bytes()
                .all(|b| b.is_ascii_digit())
            && num.bytes().any(|b| b.is_ascii_digit());
        let den_ok = !den.is_empty() && den.bytes().all(|b| b.is_ascii_digit());
        if !num_ok || !den_ok {
            return Err(invalid());
        }
        let n: f64 = num.parse().map_err(|_| invalid())?;
        let d: f64 = den.parse().map_err(|_| invalid())?;
        if d == 0.0 {
            return Err(format!("`{text}` divides by zero"));
        }
        let v = n / d;
        if !v.is_finite() {
            return Err(format!("`{text}` is out of range"));
        }
        return Ok((v, None));
    }
    let body = text.strip_prefix('+').unwrap_or(text);
    let integer = if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<u64>().ok()
    } else {
        None
    };
    // Rust's float syntax also admits "inf" and "nan", but the lexer only hands over
    // digits, signs, dots and exponents, so what parses here is a genuine decimal.
    let v: f64 = text.parse().map_err(|_| invalid())?;
    if !v.is_finite() {
        return Err(format!("`{text}` is out of range"));
    }
    Ok((v, integer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> (Vec<TokenKind>, Vec<String>) {
        let mut d = Vec::new();
        let t = tokenize(s, "f", &mut d);
        (
            t.into_iter().map(|t| t.kind).collect(),
            d.into_iter().map(|d| d.to_string()).collect(),
        )
    }

    #[test]
    fn numbers_in_every_gambit_form() {
        let check = |s: &str, v: f64| {
            let (k, d) = kinds(s);
            assert!(d.is_empty(), "{s}: {d:?}");
            match &k[0] {
                TokenKind::Number { value, .. } => assert_eq!(*value, v, "{s}"),
                other => panic!("{s}: {other:?}"),
            }
        };
        check("12", 12.0);
        check("-3", -3.0);
        check("+4", 4.0);
        check(".80", 0.8);
        check("1.5e2", 150.0);
        check("2E-1", 0.2);
        check("1/3", 1.0 / 3.0);
        check("-2/3", -2.0 / 3.0);
        let (k, _) = kinds("-0");
        assert!(matches!(k[0], TokenKind::Number { value, .. } if value.is_sign_positive()));
    }

    #[test]
    fn bad_numbers_are_reported_and_carried_as_zero() {
        let (k, d) = kinds("1/0 1.2.3 - 5");
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("divides by zero"));
        assert!(matches!(
            k[3],
            TokenKind::Number {
                value: 5.0,
                integer: Some(5)
            }
        ));
    }

    #[test]
    fn labels_with_escapes() {
        let (k, d) = kinds(r#""a \"b\" c\\d\e" "" "#);
        assert!(d.is_empty());
        assert_eq!(k[0], TokenKind::Text(r#"a "b" c\d\e"#.into()));
        assert_eq!(k[1], TokenKind::Text(String::new()));
    }

    #[test]
    fn unterminated_label_is_located() {
        let mut d = Vec::new();
        tokenize("EFG 2 R\n  \"abc", "g.efg", &mut d);
        assert_eq!(
            d[0].to_string(),
            "g.efg:2:3: unterminated label: the closing quote `\"` is missing"
        );
    }
}
