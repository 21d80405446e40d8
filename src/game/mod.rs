//! Extensive-form games in a flat, cache-friendly layout.
//!
//! A [`Game`] is an immutable *structure* (players, nodes, information sets, actions,
//! outcomes) plus two refillable *number* arrays: the outcome payoffs and the chance
//! probabilities. The Monte Carlo layer compiles the structure once and only rewrites the
//! numbers for every trial.
//!
//! Layout:
//! - Nodes are stored in breadth-first order. Every node's children are contiguous and
//!   every child has a larger index than its parent, so a backward pass is one sweep from
//!   the last node to the first and a forward pass is one sweep from the first to the last.
//! - Actions of all information sets (chance ones included) live in one global index
//!   space: information set `h` owns `h.action_offset .. h.action_offset + h.actions.len()`.
//!   A behaviour profile is a `Vec<f64>` over that index space (see [`Profile`]).
//! - An outcome may sit on any node; payoffs add up along the path, as in Gambit.
//!
//! Built through [`GameBuilder`], which checks perfect recall.

mod builder;
mod error;
pub mod normal;

pub use builder::GameBuilder;
pub use error::GameError;

/// Marker for "no outcome attached" in [`Game::node_outcome`].
pub const NO_OUTCOME: u32 = u32::MAX;
/// Marker for "terminal node" in [`Game::node_infoset`] and "no parent" for the root.
pub const NONE: u32 = u32::MAX;

/// Who moves at an information set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mover {
    Chance,
    /// Index into [`Game::players`].
    Player(usize),
}

/// An information set: the nodes its mover cannot tell apart, and the actions there.
#[derive(Clone, Debug, PartialEq)]
pub struct Infoset {
    pub mover: Mover,
    /// The 1-based number of the information set within its mover, as in Gambit files.
    pub number: u32,
    /// The label from the file; may be empty.
    pub label: String,
    pub actions: Vec<String>,
    /// First index of this information set's actions in the global action space.
    pub action_offset: usize,
    /// Member nodes, in ascending (breadth-first) order.
    pub nodes: Vec<u32>,
}

impl Infoset {
    pub fn n_actions(&self) -> usize {
        self.actions.len()
    }

    /// Global index range of this information set's actions.
    pub fn action_range(&self) -> std::ops::Range<usize> {
        self.action_offset..self.action_offset + self.actions.len()
    }
}

/// A behaviour strategy profile: one probability per global action index.
///
/// Entries of chance information sets hold the game's chance probabilities, so every
/// pass over the tree treats chance and players alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub probs: Vec<f64>,
}

/// An extensive-form game. See the module documentation for the layout.
#[derive(Clone, Debug)]
pub struct Game {
    pub(crate) title: String,
    pub(crate) comment: String,
    pub(crate) players: Vec<String>,
    pub(crate) node_infoset: Vec<u32>,
    pub(crate) node_first_child: Vec<u32>,
    pub(crate) node_parent: Vec<u32>,
    /// Global action index of the edge from the parent into this node (NONE at the root).
    pub(crate) node_in_action: Vec<u32>,
    pub(crate) node_outcome: Vec<u32>,
    pub(crate) node_label: Vec<String>,
    pub(crate) infosets: Vec<Infoset>,
    /// Global action index -> information set.
    pub(crate) action_infoset: Vec<u32>,
    /// Chance probabilities by global action index (0 for player actions).
    pub(crate) chance_probs: Vec<f64>,
    pub(crate) outcome_labels: Vec<String>,
    /// Row-major `[outcome * n_players + player]`.
    pub(crate) outcome_payoffs: Vec<f64>,
}

impl Game {
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn comment(&self) -> &str {
        &self.comment
    }
    pub fn players(&self) -> &[String] {
        &self.players
    }
    pub fn n_players(&self) -> usize {
        self.players.len()
    }
    pub fn n_nodes(&self) -> usize {
        self.node_infoset.len()
    }
    pub fn n_actions(&self) -> usize {
        self.action_infoset.len()
    }
    pub fn infosets(&self) -> &[Infoset] {
        &self.infosets
    }
    pub fn infoset(&self, h: usize) -> &Infoset {
        &self.infosets[h]
    }
    /// Information sets of the players (not chance), in index order.
    pub fn player_infosets(&self) -> impl Iterator<Item = (usize, &Infoset)> {
        self.infosets
            .iter()
            .enumerate()
            .filter(|(_, h)| matches!(h.mover, Mover::Player(_)))
    }
    /// The information set at a node, or `None` at a terminal node.
    pub fn node_infoset(&self, node: usize) -> Option<usize> {
        let h = self.node_infoset[node];
        (h != NONE).then_some(h as usize)
    }
    pub fn is_terminal(&self, node: usize) -> bool {
        self.node_infoset[node] == NONE
    }
    /// The node's children as a contiguous index range (empty at terminal nodes).
    pub fn children(&self, node: usize) -> std::ops::Range<usize> {
        match self.node_infoset(node) {
            None => 0..0,
            Some(h) => {
                let first = self.node_first_child[node] as usize;
                first..first + self.infosets[h].actions.len()
            }
        }
    }
    pub fn parent(&self, node: usize) -> Option<usize> {
        let p = self.node_parent[node];
        (p != NONE).then_some(p as usize)
    }
    /// Global action index of the edge from the parent into `node` (`None` at the root).
    pub fn in_action(&self, node: usize) -> Option<usize> {
        let a = self.node_in_action[node];
        (a != NONE).then_some(a as usize)
    }
    pub fn node_label(&self, node: usize) -> &str {
        &self.node_label[node]
    }
    pub fn node_outcome(&self, node: usize) -> Option<usize> {
        let o = self.node_outcome[node];
        (o != NO_OUTCOME).then_some(o as usize)
    }
    /// Information set owning a global action index.
    pub fn action_infoset(&self, action: usize) -> usize {
        self.action_infoset[action] as usize
    }
    /// Label of a global action index.
    pub fn action_label(&self, action: usize) -> &str {
        let h = &self.infosets[self.action_infoset(action)];
        &h.actions[action - h.action_offset]
    }
    pub fn n_outcomes(&self) -> usize {
        self.outcome_labels.len()
    }
    pub fn outcome_label(&self, outcome: usize) -> &str {
        &self.outcome_labels[outcome]
    }
    pub fn outcome_payoffs(&self, outcome: usize) -> &[f64] {
        let n = self.players.len();
        &self.outcome_payoffs[outcome * n..(outcome + 1) * n]
    }
    /// All outcome payoffs, row-major `[outcome * n_players + player]`, for refilling.
    pub fn outcome_payoffs_mut(&mut self) -> &mut [f64] {
        &mut self.outcome_payoffs
    }
    /// Chance probabilities by global action index (0 at player actions).
    pub fn chance_probs(&self) -> &[f64] {
        &self.chance_probs
    }
    /// Chance probabilities by global action index, for refilling. Only entries of
    /// chance information sets are read; each such set must stay a distribution
    /// (see [`Game::check_numbers`]).
    pub fn chance_probs_mut(&mut self) -> &mut [f64] {
        &mut self.chance_probs
    }

    /// Checks that refilled numbers are valid: finite payoffs and chance distributions.
    pub fn check_numbers(&self) -> Result<(), GameError> {
        if let Some(i) = self.outcome_payoffs.iter().position(|v| !v.is_finite()) {
            let n = self.players.len();
            return Err(GameError::NonFinitePayoff {
                outcome: self.outcome_labels[i / n].clone(),
                player: self.players[i % n].clone(),
            });
        }
        for h in &self.infosets {
            if h.mover == Mover::Chance {
                check_distribution(&self.chance_probs[h.action_range()]).map_err(|detail| {
                    GameError::BadChance {
                        infoset: h.label.clone(),
                        detail,
                    }
                })?;
            }
        }
        Ok(())
    }

    /// A profile with uniform play at every player information set and the game's chance
    /// probabilities elsewhere.
    pub fn uniform_profile(&self) -> Profile {
        let mut probs = self.chance_probs.clone();
        for h in &self.infosets {
            if let Mover::Player(_) = h.mover {
                let u = 1.0 / h.actions.len() as f64;
                probs[h.action_range()].fill(u);
            }
        }
        Profile { probs }
    }

    /// Copies the chance probabilities into a profile (after the numbers were refilled).
    pub fn sync_chance(&self, profile: &mut Profile) {
        for h in &self.infosets {
            if h.mover == Mover::Chance {
                profile.probs[h.action_range()].copy_from_slice(&self.chance_probs[h.action_range()]);
            }
        }
    }

    /// Probability that play reaches each node under the profile (chance included).
    /// `reach` must have `n_nodes()` entries.
    pub fn reach_probabilities(&self, profile: &Profile, reach: &mut [f64]) {
        debug_assert_eq!(reach.len(), self.n_nodes());
        reach[0] = 1.0;
        for node in 1..self.n_nodes() {
            let parent = self.node_parent[node] as usize;
            reach[node] = reach[parent] * profile.probs[self.node_in_action[node] as usize];
        }
    }

    /// Expected payoff of every player from every node onward (outcome at the node
    /// included), `values[node * n_players + player]`. One backward sweep.
    pub fn node_values(&self, profile: &Profile, values: &mut [f64]) {
        // The per-player loops unroll for the usual numbers of players.
        match self.players.len() {
            2 => self.node_values_n::<2>(profile, values),
            3 => self.node_values_n::<3>(profile, values),
            4 => self.node_values_n::<4>(profile, values),
            _ => self.node_values_n::<0>(profile, values),
        }
    }

    /// [`Game::node_values`] for `NP` players (0: any number).
    fn node_values_n<const NP: usize>(&self, profile: &Profile, values: &mut [f64]) {
        let np = if NP == 0 { self.players.len() } else { NP };
        debug_assert_eq!(values.len(), self.n_nodes() * np);
        for node in (0..self.n_nodes()).rev() {
            let (head, tail) = values.split_at_mut((node + 1) * np);
            let v = &mut head[node * np..];
            match self.node_outcome(node) {
                Some(o) => v.copy_from_slice(self.outcome_payoffs(o)),
                None => v.fill(0.0),
            }
            let children = self.children(node);
            if children.is_empty() {
                continue;
            }
            let h = &self.infosets[self.node_infoset[node] as usize];
            let base = (node + 1) * np;
            for (k, child) in children.enumerate() {
                let p = profile.probs[h.action_offset + k];
                if p == 0.0 {
                    continue;
                }
                let cv = &tail[child * np - base..child * np - base + np];
                for (acc, c) in v.iter_mut().zip(cv) {
                    *acc += p * c;
                }
            }
        }
    }

    /// Expected payoff of every player from the root.
    pub fn expected_payoffs(&self, profile: &Profile) -> Vec<f64> {
        let np = self.players.len();
        let mut values = vec![0.0; self.n_nodes() * np];
        self.node_values(profile, &mut values);
        values[..np].to_vec()
    }

    /// The name used for an information set in output: its label, or `player:number`
    /// when the label is empty (`chance:number` for chance).
    pub fn infoset_name(&self, h: usize) -> String {
        let info = &self.infosets[h];
        if !info.label.is_empty() {
            return info.label.clone();
        }
        match info.mover {
            Mover::Chance => format!("chance:{}", info.number),
            Mover::Player(p) => format!("{}:{}", self.players[p], info.number),
        }
    }

    /// Whether every information set has a single node.
    pub fn is_perfect_information(&self) -> bool {
        self.infosets
            .iter()
            .all(|h| h.nodes.len() == 1 || h.mover == Mover::Chance)
    }
}

/// Checks that a slice is a probability distribution (entries in [0, 1], sum 1 within
/// 1e-9 relative).
pub fn check_distribution(probs: &[f64]) -> Result<(), String> {
    if let Some(p) = probs
        .iter()
        .find(|p| !(p.is_finite() && (0.0..=1.0).contains(*p)))
    {
        return Err(format!("probability {p} is outside [0, 1]"));
    }
    let sum: f64 = probs.iter().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(format!("probabilities sum to {sum}, not 1"));
    }
    Ok(())
}
