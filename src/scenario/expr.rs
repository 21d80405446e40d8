//! Arithmetic expressions over parameters, compiled once to a flat instruction list.
//!
//! An expression string is parsed to an [`Expr`] tree (names resolved to variable
//! indices by the caller, so an unknown name is an error at its position), then
//! appended to a [`Program`]: one flat list of stack-machine instructions for every
//! expression of a model, each ending in a store into a value slot. A trial runs the
//! program once over a preallocated value array and stack, which is the only numeric
//! work needed to refill a game.

use crate::math;
use std::fmt;

/// A problem at a byte offset inside an expression string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Min,
    Max,
    Clamp,
    Logistic,
    Exp,
    Ln,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Pow,
    If,
}

impl Func {
    /// The function of a name, with its (minimum) argument count and whether more are allowed.
    fn lookup(name: &str) -> Option<(Func, usize, bool)> {
        Some(match name {
            "min" => (Func::Min, 2, true),
            "max" => (Func::Max, 2, true),
            "clamp" => (Func::Clamp, 3, false),
            "logistic" => (Func::Logistic, 1, false),
            "exp" => (Func::Exp, 1, false),
            "ln" => (Func::Ln, 1, false),
            "sqrt" => (Func::Sqrt, 1, false),
            "abs" => (Func::Abs, 1, false),
            "sin" => (Func::Sin, 1, false),
            "cos" => (Func::Cos, 1, false),
            "pow" => (Func::Pow, 2, false),
            "if" => (Func::If, 3, false),
            _ => return None,
        })
    }
}

/// Names that cannot be used for parameters or derived values.
pub const RESERVED_NAMES: &[&str] = &[
    "min", "max", "clamp", "logistic", "exp", "ln", "sqrt", "abs", "sin", "cos", "pow", "if", "pi", "chance",
];

/// A parsed expression; `Var(i)` is the caller's variable index `i`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(f64),
    Var(usize),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

impl Expr {
    /// The value when the expression uses no variable.
    pub fn const_value(&self) -> Option<f64> {
        let mut no_vars = |_: usize| -> Option<f64> { None };
        self.eval_with(&mut no_vars)
    }

    /// Variable indices used, in order of appearance (with repeats).
    pub fn vars(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Num(_) => {}
            Expr::Var(v) => out.push(*v),
            Expr::Neg(a) => a.vars(out),
            Expr::Bin(_, a, b) => {
                a.vars(out);
                b.vars(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.vars(out)),
        }
    }

    /// Tree-walking evaluation (used at load time and as a test oracle; trials use
    /// [`Program`]).
    pub fn eval_with(&self, var: &mut dyn FnMut(usize) -> Option<f64>) -> Option<f64> {
        Some(match self {
            Expr::Num(v) => *v,
            Expr::Var(i) => var(*i)?,
            Expr::Neg(a) => -a.eval_with(var)?,
            Expr::Bin(op, a, b) => bin(*op, a.eval_with(var)?, b.eval_with(var)?),
            Expr::Call(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(a.eval_with(var)?);
                }
                call(*f, &vals)
            }
        })
    }

    fn stack_depth(&self) -> usize {
        match self {
            Expr::Num(_) | Expr::Var(_) => 1,
            Expr::Neg(a) => a.stack_depth(),
            Expr::Bin(_, a, b) => a.stack_depth().max(1 + b.stack_depth()),
            Expr::Call(_, args) => args
                .iter()
                .enumerate()
                .map(|(i, a)| i + a.stack_depth())
                .max()
                .unwrap_or(1),
        }
    }
}

fn bin(op: BinOp, a: f64, b: f64) -> f64 {
    let truth = |c: bool| if c { 1.0 } else { 0.0 };
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => math::powf(a, b),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
    }
}

fn call(f: Func, args: &[f64]) -> f64 {
    match f {
        Func::Min => args.iter().copied().fold(f64::INFINITY, f64::min),
        Func::Max => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Func::Clamp => args[0].max(args[1]).min(args[2]),
        Func::Logistic => 1.0 / (1.0 + math::exp(-args[0])),
        Func::Exp => math::exp(args[0]),
        Func::Ln => math::ln(args[0]),
        Func::Sqrt => args[0].sqrt(),
        Func::Abs => args[0].abs(),
        Func::Sin => math::sin(args[0]),
        Func::Cos => math::cos(args[0]),
        Func::Pow => math::powf(args[0], args[1]),
        Func::If => {
            if args[0] != 0.0 {
                args[1]
            } else {
                args[2]
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s = &text[start..i];
            let v: f64 = s.parse().map_err(|_| ExprError {
                offset: start,
                message: format!("`{s}` is not a number"),
            })?;
            out.push((Tok::Num(v), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(text[start..i].to_string()), start));
            continue;
        }
        let two = text.get(i..i + 2).unwrap_or("");
        let op2 = ["<=", ">=", "==", "!="].into_iter().find(|o| *o == two);
        if let Some(o) = op2 {
            out.push((Tok::Op(o), start));
            i += 2;
            continue;
        }
        let tok = match c {
            b'+' => Tok::Op("+"),
            b'-' => Tok::Op("-"),
            b'*' => Tok::Op("*"),
            b'/' => Tok::Op("/"),
            b'^' => Tok::Op("^"),
            b'<' => Tok::Op("<"),
            b'>' => Tok::Op(">"),
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(ExprError {
                    offset: start,
                    message: format!("unexpected character `{ch}` in expression"),
                });
            }
        };
        out.push((tok, start));
        i += 1;
    }
    if out.len() > MAX_TOKENS {
        return Err(ExprError {
            offset: 0,
            message: format!("expression too long (more than {MAX_TOKENS} tokens); use [derived] values"),
        });
    }
    out.push((Tok::End, text.len()));
    Ok(out)
}

/// Longest expression accepted, so that evaluation and compilation, which recurse over
/// the expression tree, stay shallow.
const MAX_TOKENS: usize = 1000;
/// Deepest nesting of parentheses, signs and calls.
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    resolve: &'a mut dyn FnMut(&str) -> Option<usize>,
    /// Unknown names: reported all together, parsing goes on.
    name_errors: Vec<ExprError>,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn offset(&self) -> usize {
        self.toks[self.pos].1
    }
    fn bump(&mut self) -> (Tok, usize) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn error<T>(&self, message: String) -> Result<T, ExprError> {
        Err(ExprError {
            offset: self.offset(),
            message,
        })
    }
    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::Num(v) => format!("number {v}"),
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Op(o) => format!("`{o}`"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::End => "end of expression".into(),
        }
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("expression nested more than {MAX_DEPTH} levels deep"));
        }
        let result = self.comparison_inner();
        self.depth -= 1;
        result
    }

    fn comparison_inner(&mut self) -> Result<Expr, ExprError> {
        let lhs = self.additive()?;
        let op = match self.peek() {
            Tok::Op("<") => BinOp::Lt,
            Tok::Op("<=") => BinOp::Le,
            Tok::Op(">") => BinOp::Gt,
            Tok::Op(">=") => BinOp::Ge,
            Tok::Op("==") => BinOp::Eq,
            Tok::Op("!=") => BinOp::Ne,
            _ => return Ok(lhs),
        };
        self.bump();
        let rhs = self.additive()?;
        if matches!(self.peek(), Tok::Op("<" | "<=" | ">" | ">=" | "==" | "!=")) {
            return self.error("comparisons cannot be chained; use parentheses".into());
        }
        Ok(Expr::Bin(op, Box::new(lhs), Box::new(rhs)))
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Op("+") => BinOp::Add,
                Tok::Op("-") => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.multiplicative()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Op("*") => BinOp::Mul,
                Tok::Op("/") => BinOp::Div,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.unary()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("expression nested more than {MAX_DEPTH} levels deep"));
        }
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Expr, ExprError> {
        match self.peek() {
            Tok::Op("-") => {
                self.bump();
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Tok::Op("+") => {
                self.bump();
                self.unary()
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.atom()?;
        if matches!(self.peek(), Tok::Op("^")) {
            self.bump();
            let exponent = self.unary()?;
            return Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let (tok, offset) = self.bump();
        match tok {
            Tok::Num(v) => Ok(Expr::Num(v)),
            Tok::LParen => {
                let e = self.comparison()?;
                if *self.peek() != Tok::RParen {
                    return self.error(format!("expected `)`, found {}", Self::describe(self.peek())));
                }
                self.bump();
                Ok(e)
            }
            Tok::Ident(name) => {
                if *self.peek() == Tok::LParen {
                    self.bump();
                    let mut args = Vec::new();
                    if *self.peek() != Tok::RParen {
                        loop {
                            args.push(self.comparison()?);
                            match self.peek() {
                                Tok::Comma => {
                                    self.bump();
                                }
                                Tok::RParen => break,
                                other => {
                                    return self.error(format!(
                                        "expected `,` or `)` in the arguments of `{name}`, found {}",
                                        Self::describe(other)
                                    ));
                                }
                            }
                        }
                    }
                    self.bump();
                    let Some((func, n, variadic)) = Func::lookup(&name) else {
                        return Err(ExprError {
                            offset,
                            message: format!(
                                "unknown function `{name}` (known: min, max, clamp, logistic, exp, ln, sqrt, abs, sin, cos, pow, if)"
                            ),
                        });
                    };
                    if args.len() < n || (!variadic && args.len() > n) {
                        let want = if variadic {
                            format!("at least {n}")
                        } else {
                            n.to_string()
                        };
                        return Err(ExprError {
                            offset,
                            message: format!("`{name}` takes {want} arguments, got {}", args.len()),
                        });
                    }
                    return Ok(Expr::Call(func, args));
                }
                if name == "pi" {
                    return Ok(Expr::Num(std::f64::consts::PI));
                }
                if Func::lookup(&name).is_some() {
                    return Err(ExprError {
                        offset,
                        message: format!("`{name}` is a function; call it as `{name}(...)`"),
                    });
                }
                match (self.resolve)(&name) {
                    Some(i) => Ok(Expr::Var(i)),
                    None => {
                        self.name_errors.push(ExprError {
                            offset,
                            message: format!("unknown name `{name}`"),
                        });
                        Ok(Expr::Num(f64::NAN))
                    }
                }
            }
            other => Err(ExprError {
                offset,
                message: format!(
                    "expected a number, a name or `(`, found {}",
                    Self::describe(&other)
                ),
            }),
        }
    }
}

/// Parses an expression; names are resolved by `resolve` (unknown names are errors).
/// Returns every unknown name, or the first syntax error.
pub fn parse_expr(
    text: &str,
    resolve: &mut dyn FnMut(&str) -> Option<usize>,
) -> Result<Expr, Vec<ExprError>> {
    let toks = lex(text).map_err(|e| vec![e])?;
    let mut p = Parser {
        toks,
        pos: 0,
        resolve,
        name_errors: Vec::new(),
        depth: 0,
    };
    let expr = p.comparison().map_err(|e| vec![e])?;
    if *p.peek() != Tok::End {
        let e = ExprError {
            offset: p.offset(),
            message: format!("unexpected {} after the expression", Parser::describe(p.peek())),
        };
        return Err(vec![e]);
    }
    if !p.name_errors.is_empty() {
        return Err(p.name_errors);
    }
    Ok(expr)
}

/// One stack-machine instruction.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Const(f64),
    Load(u32),
    Store(u32),
    Neg,
    Bin(BinOp),
    Call(Func, u32),
}

/// A flat program computing value slots from earlier slots (the parameters come first).
#[derive(Clone, Debug, Default)]
pub struct Program {
    ops: Vec<Op>,
    max_stack: usize,
}

impl Program {
    pub fn new() -> Self {
        Program::default()
    }

    /// Appends code that evaluates `expr` (whose `Var(i)` reads slot `var_slot(i)`) and
    /// stores the result in `slot`.
    pub fn push_store(&mut self, expr: &Expr, var_slot: &dyn Fn(usize) -> usize, slot: usize) {
        self.max_stack = self.max_stack.max(expr.stack_depth());
        self.emit(expr, var_slot);
        self.ops.push(Op::Store(slot as u32));
    }

    fn emit(&mut self, expr: &Expr, var_slot: &dyn Fn(usize) -> usize) {
        if let Some(v) = expr.const_value() {
            self.ops.push(Op::Const(v));
            return;
        }
        match expr {
            Expr::Num(v) => self.ops.push(Op::Const(*v)),
            Expr::Var(i) => self.ops.push(Op::Load(var_slot(*i) as u32)),
            Expr::Neg(a) => {
                self.emit(a, var_slot);
                self.ops.push(Op::Neg);
            }
            Expr::Bin(op, a, b) => {
                self.emit(a, var_slot);
                self.emit(b, var_slot);
                self.ops.push(Op::Bin(*op));
            }
            Expr::Call(f, args) => {
                for a in args {
                    self.emit(a, var_slot);
                }
                self.ops.push(Op::Call(*f, args.len() as u32));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    /// Stack size [`Program::run`] needs.
    pub fn stack_size(&self) -> usize {
        self.max_stack.max(1)
    }

    /// Runs the program over `values` (inputs already in place). `stack` must have at
    /// least [`Program::stack_size`] entries. Allocates nothing.
    pub fn run(&self, values: &mut [f64], stack: &mut [f64]) {
        let mut sp = 0usize;
        for op in &self.ops {
            match *op {
                Op::Const(v) => {
                    stack[sp] = v;
                    sp += 1;
                }
                Op::Load(s) => {
                    stack[sp] = values[s as usize];
                    sp += 1;
                }
                Op::Store(s) => {
                    sp -= 1;
                    values[s as usize] = stack[sp];
                }
                Op::Neg => stack[sp - 1] = -stack[sp - 1],
                Op::Bin(b) => {
                    sp -= 1;
                    stack[sp - 1] = bin(b, stack[sp - 1], stack[sp]);
                }
                Op::Call(f, n) => {
                    let n = n as usize;
                    let r = call(f, &stack[sp - n..sp]);
                    sp -= n;
                    stack[sp] = r;
                    sp += 1;
                }
            }
        }
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
        };
        f.write_str(s)
    }
}

/// Compiles `text` with the given named values and runs it through a [`Program`], as a
/// trial would. For tests and for one-off evaluation.
pub fn eval_str(text: &str, names: &[(&str, f64)]) -> Result<f64, Vec<ExprError>> {
    let mut resolve = |n: &str| names.iter().position(|(k, _)| *k == n);
    let expr = parse_expr(text, &mut resolve)?;
    let mut program = Program::new();
    let out = names.len();
    program.push_store(&expr, &|i| i, out);
    let mut values: Vec<f64> = names.iter().map(|(_, v)| *v).collect();
    values.push(f64::NAN);
    let mut stack = vec![0.0; program.stack_size()];
    program.run(&mut values, &mut stack);
    Ok(values[out])
}
