//! Random games for tests and benchmarks: generic perfect-information trees and
//! signaling games (nature draws one player's private type; the other players' sets
//! pair the "twin" nodes that differ only in that type).
//!
//! Deterministic given the ChaCha seed, so a failing property test can be replayed.

use crate::game::{Game, GameBuilder, Mover};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shape of a random perfect-information tree.
#[derive(Clone, Debug)]
pub struct TreeShape {
    pub n_players: usize,
    /// The tree grows breadth-first until it has at least this many nodes.
    pub min_nodes: usize,
    /// Probability that an internal node is a chance node.
    pub chance_share: f64,
    /// Probability that an internal node also carries an outcome.
    pub internal_outcome_share: f64,
    /// Actions per node are drawn from `2..=max_actions`.
    pub max_actions: usize,
}

impl Default for TreeShape {
    fn default() -> Self {
        TreeShape {
            n_players: 2,
            min_nodes: 50,
            chance_share: 0.2,
            internal_outcome_share: 0.3,
            max_actions: 3,
        }
    }
}

fn action_names(k: usize) -> Vec<String> {
    (0..k).map(|a| a.to_string()).collect()
}

fn random_distribution(rng: &mut ChaCha8Rng, k: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..k).map(|_| rng.random_range(0.05..1.0)).collect();
    let sum: f64 = raw.iter().sum();
    raw.into_iter().map(|v| v / sum).collect()
}

fn random_payoffs(rng: &mut ChaCha8Rng, n_players: usize) -> Vec<f64> {
    (0..n_players).map(|_| rng.random_range(-10.0..10.0)).collect()
}

/// A random perfect-information tree with chance nodes, generic (continuous) payoffs on
/// every leaf and on some internal nodes. Leaves are the nodes left unexpanded.
pub fn random_perfect_information_tree(shape: &TreeShape, seed: u64) -> Game {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let players = (0..shape.n_players).map(|p| format!("P{p}")).collect();
    let mut b = GameBuilder::new(players);
    // One chance set per number of actions would need equal probabilities; give every
    // chance node its own set so the probabilities vary.
    let mut frontier = std::collections::VecDeque::from([GameBuilder::ROOT]);
    let mut leaves = Vec::new();
    // Numbers are given explicitly: `add_infoset` counts the mover's sets each time,
    // which is quadratic on trees of a million nodes.
    let mut numbers = vec![0u32; shape.n_players + 1];
    while let Some(node) = frontier.pop_front() {
        if b.n_nodes() >= shape.min_nodes {
            leaves.push(node);
            continue;
        }
        let k = rng.random_range(2..=shape.max_actions.max(2));
        let h = if rng.random_bool(shape.chance_share) {
            let probs = random_distribution(&mut rng, k);
            numbers[shape.n_players] += 1;
            let number = numbers[shape.n_players];
            b.add_infoset_numbered(Mover::Chance, number, "", action_names(k), Some(probs))
                .unwrap()
        } else {
            let p = rng.random_range(0..shape.n_players);
            numbers[p] += 1;
            b.add_infoset_numbered(Mover::Player(p), numbers[p], "", action_names(k), None)
                .unwrap()
        };
        let children = b.expand(node, h).unwrap();
        if rng.random_bool(shape.internal_outcome_share) {
            let o = b
                .add_outcome("", random_payoffs(&mut rng, shape.n_players))
                .unwrap();
            b.set_outcome(node, o);
        }
        frontier.extend(children);
    }
    for leaf in leaves {
        let o = b
            .add_outcome("", random_payoffs(&mut rng, shape.n_players))
            .unwrap();
        b.set_outcome(leaf, o);
    }
    b.build().unwrap()
}

/// A signaling game: nature draws player 0's type (two types, random prior), then the
/// same random move tree is played for both types. Player 0 knows its type, so its
/// sets are singletons; every other player's set holds the two twin nodes. All moves
/// are observed. Every player's payoffs differ between the types. About `2 · nodes_per_type + 1` nodes.
pub fn random_signaling_game(n_players: usize, nodes_per_type: usize, seed: u64) -> Game {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let players = (0..n_players.max(2)).map(|p| format!("P{p}")).collect();
    let n_players = n_players.max(2);
    let mut b = GameBuilder::new(players);
    let prior = random_distribution(&mut rng, 2);
    let nature = b
        .add_infoset(Mover::Chance, "type", action_names(2), Some(prior))
        .unwrap();
    let types = b.expand(GameBuilder::ROOT, nature).unwrap();
    // Template tree grown breadth-first; pairs of twin builder nodes are expanded alike.
    let mut frontier = std::collections::VecDeque::from([(types.start, types.start + 1)]);
    let mut template_nodes = 1;
    let mut leaves = Vec::new();
    let mut depth_mover = 0usize;
    while let Some((a, c)) = frontier.pop_front() {
        if template_nodes >= nodes_per_type {
            leaves.push((a, c));
            continue;
        }
        let k = rng.random_range(2..=3);
        depth_mover += 1;
        let mover = if rng.random_bool(0.5) {
            0
        } else {
            1 + depth_mover % (n_players - 1)
        };
        let (ka, kc) = if mover == 0 {
            let ha = b
                .add_infoset(Mover::Player(0), "", action_names(k), None)
                .unwrap();
            let hc = b
                .add_infoset(Mover::Player(0), "", action_names(k), None)
                .unwrap();
            (b.expand(a, ha).unwrap(), b.expand(c, hc).unwrap())
        } else {
            let h = b
                .add_infoset(Mover::Player(mover), "", action_names(k), None)
                .unwrap();
            (b.expand(a, h).unwrap(), b.expand(c, h).unwrap())
        };
        template_nodes += k;
        frontier.extend(ka.zip(kc));
    }
    for (a, c) in leaves {
        // Correlated but different payoffs for the two types, for every player, so the
        // uninformed players care about their beliefs.
        let first = random_payoffs(&mut rng, n_players);
        let second: Vec<f64> = first
            .iter()
            .map(|v| 0.5 * v + rng.random_range(-5.0..5.0))
            .collect();
        let oa = b.add_outcome("", first).unwrap();
        let oc = b.add_outcome("", second).unwrap();
        b.set_outcome(a, oa);
        b.set_outcome(c, oc);
    }
    b.build().unwrap()
}
