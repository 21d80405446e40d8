//! The scenario language: TOML parsing with spans, validation, expressions, priors.
//!
//! [`parse_scenario`] turns a scenario file into a [`Scenario`]: a checked description
//! with every id resolved to an index and every number compiled to an [`expr::Expr`],
//! plus byte offsets so that later stages (`model::compile`) can still report located
//! problems. The language is specified in `docs/scenario-language.md`.

pub mod dist;
pub mod expr;
mod parse;
pub(crate) mod walk;

pub use dist::Prior;
pub use parse::parse_scenario;

use expr::Expr;

/// A number in the scenario: a literal or an expression over parameters and derived
/// values (`Expr::Var(i)`: parameter `i` for `i < n_params`, else derived value
/// `i - n_params`).
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub expr: Expr,
    /// The source text as written (a literal is shown as its value).
    pub text: String,
    /// Byte offset of the value in the file.
    pub at: usize,
}

impl Number {
    pub fn constant(&self) -> Option<f64> {
        self.expr.const_value()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultSolver {
    Spe,
    Qre,
}

#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: String,
    pub default: f64,
    pub low: f64,
    pub high: f64,
    pub prior: Prior,
    pub description: String,
    pub at: usize,
}

#[derive(Clone, Debug)]
pub struct DerivedDef {
    pub name: String,
    pub expr: Number,
}

#[derive(Clone, Debug)]
pub struct TypeDef {
    pub id: String,
    pub prior: Number,
    /// Per feature; `None` falls back to the actor's weight.
    pub weights: Vec<Option<Number>>,
    pub at: usize,
}

#[derive(Clone, Debug)]
pub struct ActorDef {
    pub id: String,
    pub name: String,
    /// Per feature; `None` weighs 0.
    pub weights: Vec<Option<Number>>,
    pub types: Vec<TypeDef>,
    pub at: usize,
}

#[derive(Clone, Debug)]
pub struct OutcomeDef {
    pub id: String,
    pub label: String,
    pub description: String,
    pub at: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoverRef {
    Chance,
    Actor(usize),
}

/// A `when` condition; `Is` refers to a global move index (see [`Scenario::moves`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Is { mv: usize, actions: Vec<usize> },
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

impl Cond {
    /// Whether the condition holds given the action chosen at each move (`None`: the
    /// move was not played in scope).
    pub fn holds(&self, chosen: &[Option<u32>]) -> bool {
        match self {
            Cond::Is { mv, actions } => chosen[*mv].is_some_and(|a| actions.contains(&(a as usize))),
            Cond::Not(c) => !c.holds(chosen),
            Cond::And(a, b) => a.holds(chosen) && b.holds(chosen),
            Cond::Or(a, b) => a.holds(chosen) || b.holds(chosen),
        }
    }

    pub fn moves(&self, out: &mut Vec<usize>) {
        match self {
            Cond::Is { mv, .. } => out.push(*mv),
            Cond::Not(c) => c.moves(out),
            Cond::And(a, b) | Cond::Or(a, b) => {
                a.moves(out);
                b.moves(out);
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ActionDef {
    pub id: String,
    pub label: String,
    /// (feature index, amount).
    pub effects: Vec<(usize, Number)>,
    /// Terms put on the table (see `accept_terms`).
    pub terms: Vec<(usize, Number)>,
    /// Adds the terms currently on the table to the path's effects.
    pub accept_terms: bool,
    pub outcome: Option<usize>,
    /// Chance moves only.
    pub prob: Option<Number>,
    pub at: usize,
}

#[derive(Clone, Debug)]
pub struct MoveDef {
    pub id: String,
    pub mover: MoverRef,
    pub label: String,
    pub when: Option<Cond>,
    pub when_text: Option<String>,
    /// Observers besides the mover; `None` means everyone.
    pub visible_to: Option<Vec<usize>>,
    pub actions: Vec<ActionDef>,
    pub in_rounds: bool,
    pub at: usize,
}

#[derive(Clone, Debug)]
pub struct RoundsDef {
    pub count: u32,
    pub discount: Number,
    pub close_probability: Option<Number>,
    pub close_outcome: Option<usize>,
    pub at: usize,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub solver: DefaultSolver,
    pub lambda: Number,
    pub trials: u64,
    pub seed: u64,
    pub max_nodes: usize,
}

/// A parsed and validated scenario. Built only by [`parse_scenario`].
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub features: Vec<String>,
    pub params: Vec<ParamDef>,
    pub derived: Vec<DerivedDef>,
    /// Derived values in an order where each comes after those it uses.
    pub derived_order: Vec<usize>,
    pub actors: Vec<ActorDef>,
    pub outcomes: Vec<OutcomeDef>,
    /// Opening moves first (`0..n_opening`), then the moves of `[rounds]`.
    pub moves: Vec<MoveDef>,
    pub n_opening: usize,
    pub rounds: Option<RoundsDef>,
    pub end_outcome: Option<usize>,
    pub settings: Settings,
    pub file: String,
    pub source: String,
    /// Hex SHA-256 of the source text.
    pub source_hash: String,
    /// Exact node count of the game tree.
    pub tree_nodes: f64,
}

impl Scenario {
    /// Name of variable `i` in expressions.
    pub fn var_name(&self, i: usize) -> &str {
        if i < self.params.len() {
            &self.params[i].name
        } else {
            &self.derived[i - self.params.len()].name
        }
    }
}
