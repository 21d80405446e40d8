//! The compiled model: a fixed game structure plus numeric programs refilled per trial.

use crate::diag::Diagnostics;
use crate::game::Game;
use crate::scenario::{Prior, Scenario, parse_scenario};
use serde::Serialize;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultSolver {
    Spe,
    Qre,
}

/// A number that came out invalid when refilling the game for one θ.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FillError {
    #[error("{what} is not a finite number ({value})")]
    NonFinite { what: String, value: f64 },
    #[error("{what}: {detail}")]
    BadProbability { what: String, detail: String },
}

/// Preallocated buffers for [`Model::fill`].
#[derive(Clone, Debug)]
pub struct Scratch {
    values: Vec<f64>,
}

/// What `demarche check` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Description {
    pub name: String,
    pub actors: Vec<ActorDescription>,
    pub parameters: Vec<ParameterDescription>,
    pub moves: Vec<MoveDescription>,
    pub outcomes: Vec<OutcomeDescription>,
    pub nodes: usize,
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
}

#[derive(Clone, Debug, Serialize)]
pub struct MoveDescription {
    pub id: String,
    pub actor: String,
    /// Round number for moves inside `[rounds]` (1-based count of repetitions is `rounds`).
    pub in_rounds: bool,
    pub actions: Vec<String>,
    pub when: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutcomeDescription {
    pub id: String,
    pub label: String,
}

/// A compiled scenario.
#[derive(Clone, Debug)]
pub struct Model {
    game: Game,
    params: Vec<ParamInfo>,
    actors: Vec<ActorInfo>,
    outcomes: Vec<String>,
    terminal_outcome: Vec<u32>,
    terminal_rounds: Vec<u32>,
    default_solver: DefaultSolver,
    default_trials: u64,
    default_seed: u64,
    source_hash: String,
}

/// Builds the game structure and numeric program of a scenario.
pub fn compile(scenario: &Scenario) -> Result<Model, Diagnostics> {
    let _ = scenario;
    unimplemented_model()
}

fn unimplemented_model() -> Result<Model, Diagnostics> {
    Err(Diagnostics::single(crate::diag::Diagnostic::new(
        "",
        1,
        1,
        "the model compiler is not written yet",
    )))
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
    /// Named outcome index of a terminal node (game node index).
    pub fn terminal_outcome(&self, node: usize) -> usize {
        self.terminal_outcome[node] as usize
    }
    /// Number of rounds (windows) entered on the path to a terminal node.
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
        Scratch { values: Vec::new() }
    }
    /// Maps one uniform per parameter through its prior's inverse CDF; `fixed[k]`
    /// overrides parameter `k` (its uniform is still consumed by the caller).
    pub fn sample_params(&self, uniforms: &[f64], fixed: &[Option<f64>], theta: &mut [f64]) {
        for (k, p) in self.params.iter().enumerate() {
            theta[k] = match fixed.get(k).copied().flatten() {
                Some(v) => v,
                None => p.prior.inverse_cdf(uniforms[k]),
            };
        }
    }
    /// Evaluates all expressions at θ and refills payoffs and chance probabilities of
    /// `game` in place; returns λ.
    pub fn fill(&self, theta: &[f64], scratch: &mut Scratch, game: &mut Game) -> Result<f64, FillError> {
        let _ = (theta, game, scratch.values.len());
        Ok(1.0)
    }
    pub fn defaults(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.default).collect()
    }
    /// A path as `move=action` steps joined by `>` (see docs/scenario-language.md).
    pub fn path_label(&self, node: usize) -> String {
        let _ = node;
        String::new()
    }
    /// What `demarche check` prints.
    pub fn describe(&self) -> Description {
        Description {
            name: String::new(),
            actors: Vec::new(),
            parameters: Vec::new(),
            moves: Vec::new(),
            outcomes: Vec::new(),
            nodes: self.game.n_nodes(),
            infosets: self.game.infosets().len(),
        }
    }
}
