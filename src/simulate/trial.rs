//! One trial: draw θ, refill the game, solve, read off the exact outcome distribution
//! and expected payoffs, and play the game out once.

use crate::game::{Game, Profile};
use crate::model::{Model, Scratch};
use crate::solve::{SolverKind, Workspace, solve_into};

use super::SimError;
use super::rng::{open_unit, trial_rng};

/// Which equilibrium each trial is solved for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SolverChoice {
    Spe,
    /// Logit QRE; `lambda: None` takes λ from the scenario (it may be a parameter).
    Qre {
        lambda: Option<f64>,
    },
}

impl SolverChoice {
    pub fn name(&self) -> &'static str {
        match self {
            SolverChoice::Spe => "spe",
            SolverChoice::Qre { .. } => "qre",
        }
    }
}

/// What is fixed for every trial of a run: the model, the seed, the solver and the
/// parameter overrides.
#[derive(Clone, Debug)]
pub struct TrialSpec<'m> {
    pub model: &'m Model,
    pub seed: u64,
    pub solver: SolverChoice,
    /// One entry per parameter; `Some(v)` fixes it (its uniform is still drawn).
    pub fixed: Vec<Option<f64>>,
}

/// Per-thread buffers, allocated once and reused for every trial.
pub struct Worker {
    game: Game,
    scratch: Scratch,
    workspace: Workspace,
    profile: Profile,
    reach: Vec<f64>,
    uniforms: Vec<f64>,
    /// Terminal nodes with their named outcome, and nodes carrying a payoff outcome.
    terminals: Vec<(u32, u32)>,
    payoff_nodes: Vec<(u32, u32)>,
    pub result: TrialResult,
}

/// The numbers of one finished trial (buffers owned by the [`Worker`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialResult {
    pub trial: u64,
    /// Named outcome index of the sampled play.
    pub outcome: usize,
    pub rounds: u32,
    /// Terminal node reached by the sampled play.
    pub terminal: usize,
    /// Realised payoff of each actor along the sampled play.
    pub payoffs: Vec<f64>,
    pub theta: Vec<f64>,
    /// Exact probability of each named outcome under the solved profile.
    pub outcome_probs: Vec<f64>,
    /// Exact expected payoff of each actor under the solved profile.
    pub expected_payoffs: Vec<f64>,
    pub lambda: f64,
}

impl Worker {
    pub fn new(model: &Model) -> Self {
        let game = model.game().clone();
        let n_actors = game.n_players();
        let terminals = (0..game.n_nodes())
            .filter(|&n| game.is_terminal(n))
            .map(|n| (n as u32, model.terminal_outcome(n) as u32))
            .collect();
        let payoff_nodes = (0..game.n_nodes())
            .filter_map(|n| game.node_outcome(n).map(|o| (n as u32, o as u32)))
            .collect();
        Worker {
            scratch: model.new_scratch(),
            workspace: Workspace::new(&game),
            profile: game.uniform_profile(),
            reach: vec![0.0; game.n_nodes()],
            uniforms: vec![0.0; model.params().len()],
            terminals,
            payoff_nodes,
            result: TrialResult {
                payoffs: vec![0.0; n_actors],
                theta: vec![0.0; model.params().len()],
                outcome_probs: vec![0.0; model.outcomes().len()],
                expected_payoffs: vec![0.0; n_actors],
                ..TrialResult::default()
            },
            game,
        }
    }

    /// Runs trial `trial` of `spec`; the numbers land in `self.result`.
    pub fn run(&mut self, spec: &TrialSpec<'_>, trial: u64) -> Result<(), SimError> {
        let model = spec.model;
        let mut rng = trial_rng(spec.seed, trial);
        for u in self.uniforms.iter_mut() {
            *u = open_unit(&mut rng);
        }
        let r = &mut self.result;
        r.trial = trial;
        model.sample_params(&self.uniforms, &spec.fixed, &mut r.theta);
        let scenario_lambda = model
            .fill(&r.theta, &mut self.scratch, &mut self.game)
            .map_err(|e| SimError::Trial {
                trial,
                message: e.to_string(),
            })?;
        let kind = match spec.solver {
            SolverChoice::Spe => SolverKind::Spe,
            SolverChoice::Qre { lambda } => SolverKind::Qre {
                lambda: lambda.unwrap_or(scenario_lambda),
            },
        };
        r.lambda = match kind {
            SolverKind::Qre { lambda } => lambda,
            SolverKind::Spe => f64::NAN,
        };
        self.game.sync_chance(&mut self.profile);
        solve_into(&self.game, &kind, &mut self.workspace, &mut self.profile).map_err(|e| {
            SimError::Trial {
                trial,
                message: e.to_string(),
            }
        })?;

        // Exact distribution and expected payoffs: one forward sweep.
        self.game.reach_probabilities(&self.profile, &mut self.reach);
        r.outcome_probs.fill(0.0);
        for &(node, outcome) in &self.terminals {
            r.outcome_probs[outcome as usize] += self.reach[node as usize];
        }
        r.expected_payoffs.fill(0.0);
        for &(node, outcome) in &self.payoff_nodes {
            let reach = self.reach[node as usize];
            if reach != 0.0 {
                for (acc, p) in r
                    .expected_payoffs
                    .iter_mut()
                    .zip(self.game.outcome_payoffs(outcome as usize))
                {
                    *acc += reach * p;
                }
            }
        }

        // One sampled play, continuing the same stream.
        let game = &self.game;
        let mut node = 0;
        r.payoffs.fill(0.0);
        loop {
            if let Some(o) = game.node_outcome(node) {
                for (acc, p) in r.payoffs.iter_mut().zip(game.outcome_payoffs(o)) {
                    *acc += p;
                }
            }
            let Some(h) = game.node_infoset(node) else { break };
            let offset = game.infoset(h).action_offset;
            let children = game.children(node);
            let u = open_unit(&mut rng);
            let mut cumulative = 0.0;
            let mut next = children.end - 1;
            for (k, child) in children.clone().enumerate() {
                let p = self.profile.probs[offset + k];
                cumulative += p;
                if u < cumulative && p > 0.0 {
                    next = child;
                    break;
                }
            }
            // Guard against rounding: never step onto a zero-probability last action.
            if self.profile.probs[offset + (next - children.start)] == 0.0 {
                next = children
                    .clone()
                    .rev()
                    .find(|&c| self.profile.probs[offset + (c - children.start)] > 0.0)
                    .unwrap_or(next);
            }
            node = next;
        }
        r.terminal = node;
        r.outcome = model.terminal_outcome(node);
        r.rounds = model.terminal_rounds(node);
        Ok(())
    }

    /// The game as refilled for the last trial.
    pub fn game(&self) -> &Game {
        &self.game
    }

    /// The solved profile of the last trial.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }
}

/// The game of trial `trial`: θ drawn from the trial's stream exactly as in a run, then
/// the numbers filled (what `export --trial` writes). Returns the game, θ and λ.
pub fn trial_game(
    model: &Model,
    seed: u64,
    trial: u64,
    fixed: &[Option<f64>],
) -> Result<(Game, Vec<f64>, f64), SimError> {
    let mut rng = trial_rng(seed, trial);
    let uniforms: Vec<f64> = (0..model.params().len()).map(|_| open_unit(&mut rng)).collect();
    let mut theta = vec![0.0; uniforms.len()];
    model.sample_params(&uniforms, fixed, &mut theta);
    filled_game(model, theta, trial)
}

/// The game at the parameters' defaults, with overrides.
pub fn default_game(model: &Model, fixed: &[Option<f64>]) -> Result<(Game, Vec<f64>, f64), SimError> {
    let theta = model
        .defaults()
        .iter()
        .zip(fixed)
        .map(|(d, f)| f.unwrap_or(*d))
        .collect();
    filled_game(model, theta, 0)
}

fn filled_game(model: &Model, theta: Vec<f64>, trial: u64) -> Result<(Game, Vec<f64>, f64), SimError> {
    let mut game = model.game().clone();
    let mut scratch = model.new_scratch();
    let lambda = model
        .fill(&theta, &mut scratch, &mut game)
        .map_err(|e| SimError::Trial {
            trial,
            message: e.to_string(),
        })?;
    Ok((game, theta, lambda))
}
