//! A cursor over tokens shared by the `.efg` and `.nfg` readers, with located errors.

use super::lexer::{Token, TokenKind, tokenize};
use crate::diag::{Diagnostic, Diagnostics};

/// Marker error: the problem was already recorded in the cursor's diagnostics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reported;

pub(crate) type Parsed<T> = Result<T, Reported>;

pub(crate) struct Cursor<'a> {
    pub source: &'a str,
    pub file: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    pub diags: Vec<Diagnostic>,
    /// An unterminated label swallowed the rest of the file: only the lexical
    /// diagnostics (the first `n_lexical`) are worth reporting.
    unterminated_label: bool,
    n_lexical: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(source: &'a str, file: &'a str) -> Self {
        let mut diags = Vec::new();
        let tokens = tokenize(source, file, &mut diags);
        let unterminated_label = diags.iter().any(|d| d.message.starts_with("unterminated label"));
        Cursor {
            source,
            file,
            tokens,
            pos: 0,
            n_lexical: diags.len(),
            diags,
            unterminated_label,
        }
    }

    pub fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    /// Consumes the next token (the end-of-file token is never consumed).
    pub fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    pub fn at_eof(&self) -> bool {
        matches!(self.peek().kind, TokenKind::Eof)
    }

    pub fn error_at(&mut self, offset: usize, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::at_offset(self.file, self.source, offset, message));
    }

    /// Records "expected X, found Y" at the next token and returns the marker.
    pub fn expected(&mut self, what: &str) -> Reported {
        let t = self.peek().clone();
        self.error_at(t.offset, format!("expected {what}, found {}", t.describe()));
        Reported
    }

    pub fn eat(&mut self, kind: &TokenKind) -> bool {
        if &self.peek().kind == kind {
            self.bump();
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, kind: &TokenKind, what: &str) -> Parsed<usize> {
        if &self.peek().kind == kind {
            Ok(self.bump().offset)
        } else {
            Err(self.expected(what))
        }
    }

    pub fn is_symbol(&self, s: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Symbol(x) if x == s)
    }

    pub fn text(&mut self, what: &str) -> Parsed<(String, usize)> {
        match &self.peek().kind {
            TokenKind::Text(s) => {
                let s = s.clone();
                Ok((s, self.bump().offset))
            }
            _ => Err(self.expected(what)),
        }
    }

    pub fn optional_text(&mut self) -> Option<(String, usize)> {
        match &self.peek().kind {
            TokenKind::Text(s) => {
                let s = s.clone();
                Some((s, self.bump().offset))
            }
            _ => None,
        }
    }

    pub fn number(&mut self, what: &str) -> Parsed<(f64, usize)> {
        match self.peek().kind {
            TokenKind::Number { value, .. } => Ok((value, self.bump().offset)),
            _ => Err(self.expected(what)),
        }
    }

    /// A non-negative integer such as a player, information-set or outcome number.
    pub fn integer(&mut self, what: &str) -> Parsed<(u64, usize)> {
        match self.peek().kind {
            TokenKind::Number { integer: Some(n), .. } => Ok((n, self.bump().offset)),
            TokenKind::Number { .. } => {
                let t = self.bump();
                self.error_at(t.offset, format!("{what} must be a non-negative whole number"));
                Err(Reported)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// A brace-delimited list of labels: `{ "a" "b" }` (commas tolerated).
    pub fn label_list(&mut self, what: &str) -> Parsed<Vec<String>> {
        self.expect(&TokenKind::LBrace, &format!("`{{` opening the {what}"))?;
        let mut labels = Vec::new();
        loop {
            match &self.peek().kind {
                TokenKind::Text(s) => {
                    labels.push(s.clone());
                    self.bump();
                }
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::RBrace => {
                    self.bump();
                    return Ok(labels);
                }
                _ => return Err(self.expected(&format!("a quoted label or `}}` closing the {what}"))),
            }
        }
    }

    /// A brace-delimited list of numbers with optional commas: `{ 1, -2 3/4 }`.
    /// Returns the numbers and the offset of the opening brace.
    pub fn number_list(&mut self, what: &str) -> Parsed<(Vec<f64>, usize)> {
        let open = self.expect(&TokenKind::LBrace, &format!("`{{` opening the {what}"))?;
        let mut values = Vec::new();
        loop {
            match self.peek().kind {
                TokenKind::Number { value, .. } => {
                    values.push(value);
                    self.bump();
                }
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::RBrace => {
                    self.bump();
                    return Ok((values, open));
                }
                _ => return Err(self.expected(&format!("a number or `}}` closing the {what}"))),
            }
        }
    }

    /// Skips tokens until `stop` holds for the next token or the file ends; always skips
    /// at least one token unless already at the end, so recovery makes progress.
    pub fn skip_until(&mut self, stop: impl Fn(&TokenKind) -> bool) {
        if !self.at_eof() {
            self.bump();
        }
        while !self.at_eof() && !stop(&self.peek().kind) {
            self.bump();
        }
    }

    pub fn into_diagnostics(mut self) -> Diagnostics {
        if self.unterminated_label {
            self.diags.truncate(self.n_lexical);
        }
        Diagnostics(self.diags).sorted()
    }
}

impl Cursor<'_> {
    /// Reads `MAGIC VERSION R|D "title"` (e.g. `EFG 2 R "title"`), returning the title.
    pub fn header(&mut self, magic: &str, version: u64) -> Parsed<String> {
        if !self.is_symbol(magic) {
            return Err(self.expected(&format!("`{magic}` at the start of the file")));
        }
        self.bump();
        match self.peek().kind {
            TokenKind::Number { integer: Some(v), .. } if v == version => {
                self.bump();
            }
            TokenKind::Number { .. } => {
                let t = self.bump();
                self.error_at(
                    t.offset,
                    format!("only version {version} of the {magic} format is supported"),
                );
                return Err(Reported);
            }
            _ => return Err(self.expected(&format!("the format version {version} after `{magic}`"))),
        }
        if self.is_symbol("R") || self.is_symbol("D") {
            self.bump();
        } else {
            return Err(self.expected("the number type `R` (or `D`)"));
        }
        Ok(self.text("the game's title (a quoted label)")?.0)
    }
}
