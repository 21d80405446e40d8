//! The compiled model: a fixed game structure plus numeric programs refilled per trial.
//!
//! [`compile`] walks the scenario's protocol once and builds the game tree. Every number
//! of the scenario (weights, effects, chance probabilities, λ, discount) becomes a slot
//! of one flat [`Program`]; each terminal node's payoffs are linear combinations of
//! those slots, precomputed as sparse (slot, round) term lists. [`Model::fill`] runs the
//! program and sweeps these tables: no allocation, no tree walk.

mod compile;

use crate::diag::Diagnostics;
use crate::game::{Game, check_distribution};
use crate::scenario::expr::Program;
use crate::scenario::{Scenario, parse_scenario};
use serde::Serialize;

pub use crate::scenario::DefaultSolver;
pub use crate::scenario::Prior;

/// A parameter as the Monte Carlo layer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamInfo {
    pub name: String,
    pub default: f64,
    pub low: f64,
    pub high: f64,
    pub prior: Prior,
}

/// An actor: game player `i` is actor `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorInfo {
    pub id: String,
    pub name: String,
}

/// A number that came out invalid when refilling the game for one θ.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FillError {
    #[error("{what} is not a finite number ({value})")]
    NonFinite { what: String, value: f64 },
    #[error("{what}: {detail}")]
    BadProbability { what: String, detail: String },
}

/// Preallocated buffers for [`Model::fill`]; one per worker thread.
#[derive(Clone, Debug)]
pub struct Scratch {
    values: Vec<f64>,
    stack: Vec<f64>,
    discount_powers: Vec<f64>,
    /// Running totals `[node * basis_len + b]`.
    totals: Vec<f64>,
    /// Per edge kind, its increment `[kind * basis_len + b]`.
    increments: Vec<f64>,
}

/// What `demarche check` prints (text or JSON).
#[derive(Clone, Debug, Serialize)]
pub struct Description {
    pub name: String,
    pub description: String,
    pub features: Vec<String>,
    pub actors: Vec<ActorDescription>,
    pub parameters: Vec<ParameterDescription>,
    pub moves: Vec<MoveDescription>,
    pub outcomes: Vec<OutcomeDescription>,
    /// Number of rounds of the `[rounds]` block (0 without one).
    pub rounds: u32,
    pub solver: DefaultSolver,
    pub trials: u64,
    pub seed: u64,
    pub nodes: usize,
    /// Player information sets (chance ones excluded).
    pub infosets: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActorDescription {
    pub id: String,
    pub name: String,
    pub types: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParameterDescription {
    pub name: String,
    pub default: f64,
    pub low: f64,
    pub high: f64,
    /// The prior in the `check` notation, e.g. `normal(0.5, 0.1) truncated [0, 1]`.
    pub prior: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MoveDescription {
    pub id: String,
    /// Actor id or `chance`.
    pub actor: String,
    /// Whether the move belongs to the `[rounds]` block.
    pub in_rounds: bool,
    pub actions: Vec<String>,
    pub when: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutcomeDescription {
    pub id: String,
    pub label: String,
}

/// What the running payoff totals of [`Model::fill`] are kept over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Basis {
    /// One total per weight row: the payoff itself (cheap when there are few types).
    Rows,
    /// One total per feature: the accumulated effects, weighted at the terminals.
    Features,
}

/// How one chance information set's probabilities are refilled.
#[derive(Clone, Debug)]
struct ChanceFill {
    infoset: usize,
    what: String,
    /// Per action: the slot and whether the probability is one minus it.
    slots: Vec<(u32, bool)>,
    action_offset: usize,
}

/// A compiled scenario.
#[derive(Clone, Debug)]
pub struct Model {
    game: Game,
    params: Vec<ParamInfo>,
    actors: Vec<ActorInfo>,
    outcomes: Vec<String>,
    /// Per game node: named outcome index (u32::MAX at non-terminal nodes).
    terminal_outcome: Vec<u32>,
    terminal_rounds: Vec<u32>,
    default_solver: DefaultSolver,
    default_trials: u64,
    default_seed: u64,
    source_hash: String,
    program: Program,
    /// What each value slot holds, for error messages.
    slot_names: Vec<String>,
    n_params: usize,
    n_slots: usize,
    stack_size: usize,
    lambda_slot: u32,
    discount_slot: Option<u32>,
    n_rounds: u32,
    /// Weight rows: one per actor without types, one per type otherwise.
    n_rows: usize,
    /// Row-major (row, feature) → weight slot.
    weight_slots: Vec<u32>,
    basis: Basis,
    /// Distinct lists of (feature, effect slot, round) found on edges; kind 0 is empty.
    edge_kinds: Vec<Vec<(u32, u32, u32)>>,
    /// Edge kind of the edge into each game node.
    node_kind: Vec<u32>,
    /// (game node, game outcome) of every terminal node.
    terminal_nodes: Vec<(u32, u32)>,
    /// Per (game outcome, actor): the weight row that actor's payoff is read from.
    outcome_rows: Vec<u32>,
    chance: Vec<ChanceFill>,
    /// Per game information set: the step name used in path labels.
    infoset_step: Vec<String>,
    description: Description,
}

/// Builds the game structure and numeric program of a scenario.
pub fn compile(scenario: &Scenario) -> Result<Model, Diagnostics> {
    compile::compile_scenario(scenario)
}

/// Parses, validates and compiles a scenario file.
pub fn load(source: &str, file: &str) -> Result<Model, Diagnostics> {
    compile(&parse_scenario(source, file)?)
}

impl Model {
    /// The game structure, with numbers filled at the parameter defaults.
    pub fn game(&self) -> &Game {
        &self.game
    }
    pub fn params(&self) -> &[ParamInfo] {
        &self.params
    }
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
    pub fn actors(&self) -> &[ActorInfo] {
        &self.actors
    }
    /// Named outcome ids in declaration order.
    pub fn outcomes(&self) -> &[String] {
        &self.outcomes
    }
    /// The scenario's `name`.
    pub fn name(&self) -> &str {
        &self.description.name
    }
    /// Named outcome index of a terminal node (game node index); meaningless (u32::MAX)
    /// at other nodes.
    pub fn terminal_outcome(&self, node: usize) -> usize {
        self.terminal_outcome[node] as usize
    }
    /// Number of rounds entered on the path to a terminal node (0 if play ended in the
    /// opening moves or the scenario has no `[rounds]`; r − 1 if the window closed
    /// before round r).
    pub fn terminal_rounds(&self, node: usize) -> u32 {
        self.terminal_rounds[node]
    }
    pub fn default_solver(&self) -> DefaultSolver {
        self.default_solver
    }
    pub fn default_trials(&self) -> u64 {
        self.default_trials
    }
    pub fn default_seed(&self) -> u64 {
        self.default_seed
    }
    /// Hex SHA-256 of the scenario source text.
    pub fn source_hash(&self) -> &str {
        &self.source_hash
    }
    pub fn new_scratch(&self) -> Scratch {
        Scratch {
            values: vec![0.0; self.n_slots],
            stack: vec![0.0; self.stack_size],
            discount_powers: vec![1.0; self.n_rounds as usize + 1],
            totals: vec![0.0; self.game.n_nodes() * self.basis_len()],
            increments: vec![0.0; self.edge_kinds.len() * self.basis_len()],
        }
    }

    /// Maps one uniform per parameter through its prior's inverse CDF; `fixed[k]`
    /// overrides parameter `k` (its uniform is still consumed by the caller, so common
    /// random numbers hold). `fixed` may be shorter than the parameter list.
    pub fn sample_params(&self, uniforms: &[f64], fixed: &[Option<f64>], theta: &mut [f64]) {
        for (k, p) in self.params.iter().enumerate() {
            theta[k] = match fixed.get(k).copied().flatten() {
                Some(v) => v,
                None => p.prior.inverse_cdf(uniforms[k]),
            };
        }
    }

    /// Evaluates all expressions at θ and refills the payoffs and chance probabilities
    /// of `game` (a clone of [`Model::game`]) in place; returns λ. Allocates nothing.
    pub fn fill(&self, theta: &[f64], scratch: &mut Scratch, game: &mut Game) -> Result<f64, FillError> {
        let values = &mut scratch.values;
        values[..self.n_params].copy_from_slice(&theta[..self.n_params]);
        self.program.run(values, &mut scratch.stack);
        if let Some(k) = values[self.n_params..self.n_slots]
            .iter()
            .position(|v| !v.is_finite())
        {
            let s = self.n_params + k;
            return Err(FillError::NonFinite {
                what: self.slot_names[s].clone(),
                value: values[s],
            });
        }
        if let Some(d) = self.discount_slot {
            let d = values[d as usize];
            let mut p = 1.0;
            for r in 1..=self.n_rounds as usize {
                scratch.discount_powers[r] = p;
                p *= d;
            }
        }
        let powers = &scratch.discount_powers;
        let nf = self.weight_slots.len() / self.n_rows;
        let width = self.basis_len();
        let increments = &mut scratch.increments;
        for (kind, effects) in self.edge_kinds.iter().enumerate().skip(1) {
            let inc = &mut increments[kind * width..kind * width + width];
            inc.fill(0.0);
            for &(f, slot, round) in effects {
                let amount = values[slot as usize] * powers[round as usize];
                match self.basis {
                    Basis::Features => inc[f as usize] += amount,
                    Basis::Rows => {
                        for (row, x) in inc.iter_mut().enumerate() {
                            *x += values[self.weight_slots[row * nf + f as usize] as usize] * amount;
                        }
                    }
                }
            }
        }
        let totals = &mut scratch.totals;
        totals[..width].fill(0.0);
        let parents = &self.game.node_parent;
        for (node, &parent) in parents.iter().enumerate().skip(1) {
            let parent = parent as usize;
            let (before, after) = totals.split_at_mut(node * width);
            let own = &mut after[..width];
            own.copy_from_slice(&before[parent * width..parent * width + width]);
            let kind = self.node_kind[node] as usize;
            if kind != 0 {
                for (x, d) in own
                    .iter_mut()
                    .zip(&increments[kind * width..kind * width + width])
                {
                    *x += d;
                }
            }
        }
        let np = self.actors.len();
        let payoffs = game.outcome_payoffs_mut();
        for &(node, o) in &self.terminal_nodes {
            let (node, o) = (node as usize, o as usize);
            let own = &totals[node * width..node * width + width];
            for a in 0..np {
                let row = self.outcome_rows[o * np + a] as usize;
                payoffs[o * np + a] = match self.basis {
                    Basis::Rows => own[row],
                    Basis::Features => self.weight_slots[row * nf..row * nf + nf]
                        .iter()
                        .zip(own)
                        .map(|(&w, e)| values[w as usize] * e)
                        .sum(),
                };
            }
        }
        let probs = game.chance_probs_mut();
        for c in &self.chance {
            let n = c.slots.len();
            for (k, &(s, complement)) in c.slots.iter().enumerate() {
                let v = values[s as usize];
                probs[c.action_offset + k] = if complement { 1.0 - v } else { v };
            }
            check_distribution(&probs[c.action_offset..c.action_offset + n]).map_err(|detail| {
                FillError::BadProbability {
                    what: c.what.clone(),
                    detail,
                }
            })?;
        }
        let lambda = values[self.lambda_slot as usize];
        if lambda < 0.0 {
            return Err(FillError::BadProbability {
                what: "`lambda`".into(),
                detail: format!("{lambda} is negative"),
            });
        }
        Ok(lambda)
    }

    fn basis_len(&self) -> usize {
        match self.basis {
            Basis::Rows => self.n_rows,
            Basis::Features => self.weight_slots.len() / self.n_rows,
        }
    }

    pub fn defaults(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.default).collect()
    }

    /// A path as `move=action` steps joined by `>` (round moves `move@rN=action`, type
    /// draws `type:actor=type`, window closing `close@rN=continue`).
    pub fn path_label(&self, node: usize) -> String {
        let mut steps = Vec::new();
        let mut n = node;
        while let (Some(parent), Some(a)) = (self.game.parent(n), self.game.in_action(n)) {
            let h = self.game.action_infoset(a);
            steps.push(format!("{}={}", self.infoset_step[h], self.game.action_label(a)));
            n = parent;
        }
        steps.reverse();
        steps.join(">")
    }

    /// What `demarche check` prints.
    pub fn describe(&self) -> Description {
        self.description.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Private types, hidden chance, rounds with discount and closing: both payoff bases
    /// must give the same numbers.
    const SRC: &str = r#"[scenario]
name = "bases"
features = ["x", "y", "z"]
[parameters.d]
default = 0.8
[parameters.w]
default = 1.5
[actors.a]
weights = { x = 1, y = "w" }
[actors.b]
weights = { y = -1, z = 2 }
[actors.b.types.t1]
prior = 0.3
weights = { x = "-w" }
[actors.b.types.t2]
prior = 0.7
[outcomes.deal]
[outcomes.closed]
[outcomes.none]
[[moves]]
id = "open"
actor = "chance"
visible_to = ["a"]
actions = [{ id = "lo", prob = 0.4, effects = { z = 1 } }, { id = "hi", prob = 0.6, effects = { z = 2, x = 1 } }]
[rounds]
count = 3
discount = "d"
close_probability = 0.1
close_outcome = "closed"
end_outcome = "none"
  [[rounds.moves]]
  id = "offer"
  actor = "a"
  actions = [{ id = "small", terms = { x = 1, y = 0.5 } }, { id = "big", terms = { x = 0.5, y = 1 }, effects = { z = -0.25 } }]
  [[rounds.moves]]
  id = "reply"
  actor = "b"
  actions = [{ id = "yes", accept_terms = true, outcome = "deal" }, { id = "no", effects = { y = "0.1 * w" } }]
"#;

    #[test]
    fn row_and_feature_bases_agree() {
        let model = load(SRC, "t.toml").unwrap();
        let theta = [0.7, 2.0];
        let mut results = Vec::new();
        for basis in [Basis::Rows, Basis::Features] {
            let mut m = model.clone();
            m.basis = basis;
            let mut game = m.game.clone();
            let mut scratch = m.new_scratch();
            m.fill(&theta, &mut scratch, &mut game).unwrap();
            results.push(game.outcome_payoffs_mut().to_vec());
        }
        assert!(results[0].iter().any(|v| *v != 0.0));
        for (a, b) in results[0].iter().zip(&results[1]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        // One path by hand: open=hi, round 1 offer big rejected, round 2 offer small
        // accepted, b of type t1: x = 1 + 1·d(terms) ; y = 0.1w (r1) + 0.5·d ;
        // z = 2 − 0.25 (r1).
        let game = model.game();
        let path = "open=hi>offer@r1=big>type:b=t1>reply@r1=no>close@r2=continue>offer@r2=small>reply@r2=yes";
        let node = (0..game.n_nodes())
            .find(|&n| model.path_label(n) == path)
            .unwrap();
        let mut g = game.clone();
        let mut scratch = model.new_scratch();
        model.fill(&theta, &mut scratch, &mut g).unwrap();
        let (d, w) = (theta[0], theta[1]);
        let (x, y, z) = (1.0 + d, 0.1 * w + 0.5 * d, 2.0 - 0.25);
        let want = [x + w * y, -w * x - y + 2.0 * z];
        let got = g.outcome_payoffs(g.node_outcome(node).unwrap());
        assert!(
            (got[0] - want[0]).abs() < 1e-12 && (got[1] - want[1]).abs() < 1e-12,
            "{got:?} vs {want:?}"
        );
    }
}
