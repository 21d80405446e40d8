//! Agent-form regret of a behaviour profile.

use crate::game::{Game, Mover, Profile};

/// The most any player gains by deviating at a single information set, the rest of the
/// profile fixed (agent form).
///
/// At a player set `h` of mover `i`, beliefs are Bayes' rule on the probability of
/// reaching each node when `i` plays to reach it (the product of chance's and the other
/// players' probabilities on the path; `i`'s own probabilities are common to all nodes
/// of the set under perfect recall, so this is the usual conditional belief). The regret
/// at `h` is `max_a Q(a) − Σ_a σ(a) Q(a)`, where `Q(a)` is `i`'s conditional expected
/// payoff of action `a` at `h`. Sets that cannot be reached whatever `i` does (zero
/// probability under chance and the other players) are skipped; the result is the
/// maximum over the remaining sets, 0 when there are none.
///
/// A subgame-perfect equilibrium has regret 0; a logit QRE's regret tends to 0 as λ grows.
pub fn max_regret(game: &Game, profile: &Profile) -> f64 {
    let np = game.n_players();
    let nn = game.n_nodes();
    let mut values = vec![0.0; nn * np];
    game.node_values(profile, &mut values);
    // reach_others[node * np + i]: probability of reaching node with player i's own
    // moves replaced by certainty.
    let mut reach_others = vec![1.0; nn * np];
    for node in 1..nn {
        let parent = game.node_parent[node] as usize;
        let action = game.node_in_action[node] as usize;
        let mover = game.infoset(game.action_infoset(action)).mover;
        let p = profile.probs[action];
        for i in 0..np {
            let factor = if mover == Mover::Player(i) { 1.0 } else { p };
            reach_others[node * np + i] = reach_others[parent * np + i] * factor;
        }
    }
    let mut worst = 0.0f64;
    for (_, info) in game.player_infosets() {
        let Mover::Player(i) = info.mover else { continue };
        let total: f64 = info
            .nodes
            .iter()
            .map(|&n| reach_others[n as usize * np + i])
            .sum();
        if total <= 0.0 {
            continue;
        }
        let mut best = f64::NEG_INFINITY;
        let mut current = 0.0;
        for (k, a) in info.action_range().enumerate() {
            let q: f64 = info
                .nodes
                .iter()
                .map(|&n| {
                    let n = n as usize;
                    let child = game.node_first_child[n] as usize + k;
                    reach_others[n * np + i] / total * values[child * np + i]
                })
                .sum();
            best = best.max(q);
            current += profile.probs[a] * q;
        }
        worst = worst.max(best - current);
    }
    worst
}
