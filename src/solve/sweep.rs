//! Fast path of the imperfect-information logit QRE: continuation in λ on the beliefs.
//!
//! Given beliefs at every information set, the whole logit profile follows from one
//! pass over the information sets in dependency order (a set after every set holding
//! a descendant of its nodes): compute `Q`, the logit choice, then the values of the
//! set's nodes. Given the profile, the beliefs follow from one forward pass of log reach
//! probabilities. A QRE is a fixed point of beliefs → profile → beliefs, so the unknowns
//! shrink to the log-beliefs at the player sets with several nodes.
//!
//! The fixed point is followed from λ = 0 in λ steps (secant predictor, Anderson-
//! accelerated fixed-point corrector, step halving when the corrector struggles or
//! lands far from the prediction). Games whose sets cannot be ordered (a set above
//! another on one path and below it on another) and steps that keep failing are left
//! to the general pseudo-arclength tracer, which also passes turning points.
//!
//! FIXME: continuation in λ cannot pass a turning point of the branch, and the guards
//! below (corrector distance, belief slope) do not detect every one: on random
//! signaling games the corrector sometimes lands on another branch beyond a fold.
//! That is why this path is opt-in ([`super::QreMethod::BeliefContinuation`]); the
//! cure is pseudo-arclength on the beliefs with a matrix-free Newton–Krylov corrector.

// Index loops mirror the math of the passes over several parallel arrays.
#![allow(clippy::needless_range_loop)]

use super::layout::Layout;
use super::linalg::lu_solve_in_place;
use crate::game::{Game, Mover, NONE};

/// Clamp of log-beliefs (and log reach differences) so that the iteration stays finite
/// when chance probabilities of 0 make nodes unreachable; `exp(-800) == 0`.
const LOG_FLOOR: f64 = -800.0;
/// Anderson memory.
const MEMORY: usize = 6;

#[derive(Clone, Debug, Default)]
pub(crate) struct Sweep {
    /// Information sets (chance included) in dependency order, descendants first.
    order: Vec<u32>,
    /// Per entry of `order`: mover (player or `u32::MAX` for chance), first global
    /// action, number of actions, range into `set_nodes`, first belief unknown (NONE for
    /// singletons and chance).
    set_mover: Vec<u32>,
    set_offset: Vec<u32>,
    set_k: Vec<u32>,
    set_node_start: Vec<u32>,
    set_nodes: Vec<u32>,
    set_belief: Vec<u32>,
    /// Nodes of the belief unknowns, in unknown order.
    belief_nodes: Vec<u32>,
    /// Per node: the outcome's payoffs (or 0), the starting value of every pass.
    pub base_values: Vec<f64>,
    // Per global action.
    pub prob: Vec<f64>,
    logp: Vec<f64>,
    // Per node.
    log_reach: Vec<f64>,
    // Per unknown: iterate, its image, previous iterate and residual (for Anderson),
    // the predicted point, and the last two accepted points of the continuation.
    u: Vec<f64>,
    u_next: Vec<f64>,
    u_last: Vec<f64>,
    g: Vec<f64>,
    g_last: Vec<f64>,
    u_pred: Vec<f64>,
    accepted: Vec<f64>,
    accepted_prev: Vec<f64>,
    /// Anderson history, `MEMORY` columns of differences each.
    du: Vec<f64>,
    dg: Vec<f64>,
    small: Vec<f64>,
    gamma: Vec<f64>,
}

impl Sweep {
    /// The dependency order, or `None` when the sets cannot be ordered.
    pub(crate) fn new(game: &Game, layout: &Layout) -> Option<Sweep> {
        let n_sets = game.infosets().len();
        // Edge parent's set -> child's set: the parent's set must wait for the child's.
        let mut waits_on = vec![0u32; n_sets];
        let mut dependents: Vec<Vec<u32>> = vec![Vec::new(); n_sets];
        for node in 1..game.n_nodes() {
            let Some(h) = game.node_infoset(node) else {
                continue;
            };
            let parent_set = game.node_infoset[game.node_parent[node] as usize];
            waits_on[parent_set as usize] += 1;
            dependents[h].push(parent_set);
        }
        let mut ready: Vec<u32> = (0..n_sets as u32)
            .filter(|&h| waits_on[h as usize] == 0)
            .collect();
        let mut order = Vec::with_capacity(n_sets);
        while let Some(h) = ready.pop() {
            order.push(h);
            for &d in &dependents[h as usize] {
                waits_on[d as usize] -= 1;
                if waits_on[d as usize] == 0 {
                    ready.push(d);
                }
            }
        }
        if order.len() != n_sets {
            return None;
        }
        let mut s = Sweep::default();
        for &h in &order {
            let info = game.infoset(h as usize);
            s.set_mover.push(match info.mover {
                Mover::Chance => u32::MAX,
                Mover::Player(p) => p as u32,
            });
            s.set_offset.push(info.action_offset as u32);
            s.set_k.push(info.n_actions() as u32);
            s.set_node_start.push(s.set_nodes.len() as u32);
            s.set_nodes.extend_from_slice(&info.nodes);
            if info.mover != Mover::Chance && info.nodes.len() > 1 {
                s.set_belief.push(s.belief_nodes.len() as u32);
                s.belief_nodes.extend_from_slice(&info.nodes);
            } else {
                s.set_belief.push(NONE);
            }
        }
        s.set_node_start.push(s.set_nodes.len() as u32);
        s.order = order;
        let m = s.belief_nodes.len();
        s.base_values = vec![0.0; game.n_nodes() * layout.n_players];
        s.prob = vec![0.0; game.n_actions()];
        s.logp = vec![0.0; game.n_actions()];
        s.log_reach = vec![0.0; game.n_nodes()];
        for v in [
            &mut s.u,
            &mut s.u_next,
            &mut s.u_last,
            &mut s.g,
            &mut s.g_last,
            &mut s.u_pred,
            &mut s.accepted,
            &mut s.accepted_prev,
        ] {
            *v = vec![0.0; m];
        }
        s.du = vec![0.0; m * MEMORY];
        s.dg = vec![0.0; m * MEMORY];
        s.small = vec![0.0; MEMORY * MEMORY];
        s.gamma = vec![0.0; MEMORY];
        Some(s)
    }

    #[allow(dead_code)]
    pub(crate) fn n_unknowns(&self) -> usize {
        self.belief_nodes.len()
    }

    /// Copies the outcome payoffs into `base_values` (after the numbers were refilled).
    fn load_payoffs(&mut self, game: &Game, np: usize) {
        for (node, v) in self.base_values.chunks_exact_mut(np).enumerate() {
            match game.node_outcome(node) {
                Some(o) => v.copy_from_slice(game.outcome_payoffs(o)),
                None => v.fill(0.0),
            }
        }
    }

    /// Profile and node values from the log-beliefs `u` (one pass over the sets).
    fn backward(&mut self, game: &Game, u: &[f64], lambda: f64, values: &mut [f64], np: usize) {
        values.copy_from_slice(&self.base_values);
        for i in 0..self.order.len() {
            let off = self.set_offset[i] as usize;
            let k = self.set_k[i] as usize;
            let nodes = &self.set_nodes[self.set_node_start[i] as usize..self.set_node_start[i + 1] as usize];
            let mover = self.set_mover[i];
            if mover == u32::MAX {
                for a in 0..k {
                    let p = game.chance_probs[off + a];
                    self.prob[off + a] = p;
                    self.logp[off + a] = p.ln();
                }
            } else {
                let p = mover as usize;
                let belief = self.set_belief[i];
                // Action values into `logp`, turned into log-probabilities below.
                let q = &mut self.logp[off..off + k];
                if belief == NONE {
                    let first = game.node_first_child[nodes[0] as usize] as usize;
                    for a in 0..k {
                        q[a] = values[(first + a) * np + p];
                    }
                } else {
                    q.fill(0.0);
                    let b = belief as usize;
                    let m = u[b..b + nodes.len()]
                        .iter()
                        .fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                    let mut total = 0.0;
                    for (j, &n) in nodes.iter().enumerate() {
                        let w = (u[b + j] - m).exp();
                        total += w;
                        let first = game.node_first_child[n as usize] as usize;
                        for a in 0..k {
                            q[a] += w * values[(first + a) * np + p];
                        }
                    }
                    for qa in q.iter_mut() {
                        *qa /= total;
                    }
                }
                logit_in_place(&mut self.logp[off..off + k], &mut self.prob[off..off + k], lambda);
            }
            for &n in nodes {
                let n = n as usize;
                let first = game.node_first_child[n] as usize;
                let (head, tail) = values.split_at_mut(first * np);
                let v = &mut head[n * np..n * np + np];
                for a in 0..k {
                    let pa = self.prob[off + a];
                    if pa != 0.0 {
                        for (acc, c) in v.iter_mut().zip(&tail[a * np..a * np + np]) {
                            *acc += pa * c;
                        }
                    }
                }
            }
        }
    }

    /// Log-beliefs implied by the current profile into `out`.
    fn forward(&mut self, game: &Game, out: &mut [f64]) {
        self.log_reach[0] = 0.0;
        for node in 1..self.log_reach.len() {
            let parent = game.node_parent[node] as usize;
            self.log_reach[node] = self.log_reach[parent] + self.logp[game.node_in_action[node] as usize];
        }
        for i in 0..self.order.len() {
            let b = self.set_belief[i];
            if b == NONE {
                continue;
            }
            let b = b as usize;
            let nodes = &self.set_nodes[self.set_node_start[i] as usize..self.set_node_start[i + 1] as usize];
            let m = nodes
                .iter()
                .map(|&n| self.log_reach[n as usize])
                .fold(f64::NEG_INFINITY, f64::max);
            if m == f64::NEG_INFINITY {
                let uniform = -(nodes.len() as f64).ln();
                out[b..b + nodes.len()].fill(uniform);
                continue;
            }
            let total: f64 = nodes
                .iter()
                .map(|&n| (self.log_reach[n as usize] - m).exp())
                .sum();
            let log_total = total.ln();
            for (j, &n) in nodes.iter().enumerate() {
                out[b + j] = (self.log_reach[n as usize] - m - log_total).max(LOG_FLOOR);
            }
        }
    }

    /// Maximum |σ − logit response to σ| over the sets with several nodes (singleton
    /// sets are exact by construction), with beliefs `u` implied by σ and the node
    /// values of σ in `values`.
    fn residual(&self, game: &Game, u: &[f64], lambda: f64, values: &[f64], np: usize) -> f64 {
        let mut worst = 0.0f64;
        let mut q = [0.0f64; 64];
        for i in 0..self.order.len() {
            let b = self.set_belief[i];
            if b == NONE {
                continue;
            }
            let b = b as usize;
            let off = self.set_offset[i] as usize;
            let k = self.set_k[i] as usize;
            if k > q.len() {
                return f64::NAN;
            }
            let p = self.set_mover[i] as usize;
            let nodes = &self.set_nodes[self.set_node_start[i] as usize..self.set_node_start[i + 1] as usize];
            q[..k].fill(0.0);
            let mut total = 0.0;
            for (j, &n) in nodes.iter().enumerate() {
                let w = u[b + j].exp();
                total += w;
                let first = game.node_first_child[n as usize] as usize;
                for a in 0..k {
                    q[a] += w * values[(first + a) * np + p];
                }
            }
            let best = q[..k].iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v / total));
            let sum: f64 = q[..k].iter().map(|&v| (lambda * (v / total - best)).exp()).sum();
            for a in 0..k {
                let response = (lambda * (q[a] / total - best)).exp() / sum;
                let d = (self.prob[off + a] - response).abs();
                worst = if d.is_nan() { f64::NAN } else { worst.max(d) };
            }
        }
        worst
    }
}

/// `q` holds action values on entry and log-probabilities `λq − logsumexp(λq)` on exit;
/// `prob` receives the probabilities.
fn logit_in_place(q: &mut [f64], prob: &mut [f64], lambda: f64) {
    let best = q.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0.0;
    for (l, p) in q.iter_mut().zip(prob.iter_mut()) {
        *l = lambda * (*l - best);
        *p = l.exp();
        sum += *p;
    }
    let inv = 1.0 / sum;
    let log_sum = sum.ln();
    for (l, p) in q.iter_mut().zip(prob.iter_mut()) {
        *p *= inv;
        *l -= log_sum;
    }
}

/// Why the belief continuation stopped without an answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GaveUp {
    pub lambda_reached: f64,
}

/// Anderson-accelerated fixed point of the belief map at `lambda`, starting from
/// `s.u_pred`. On success `s.u` holds the fixed point, `s.prob` the profile and `values`
/// its node values, and the number of iterations is returned. Fails when the residual
/// beliefs do not reproduce themselves to `path_tol` and the profile's residual
/// `max |σ − logit response|` does not reach `residual_tol` within `max_iterations`, or
/// when the fixed point's beliefs are more than `max_move` (in probability) from the
/// prediction.
#[allow(clippy::too_many_arguments)]
fn correct(
    game: &Game,
    s: &mut Sweep,
    lambda: f64,
    values: &mut [f64],
    np: usize,
    path_tol: f64,
    residual_tol: f64,
    max_iterations: usize,
    max_move: f64,
) -> Option<usize> {
    let m = s.belief_nodes.len();
    let mut u = std::mem::take(&mut s.u);
    let mut u_next = std::mem::take(&mut s.u_next);
    let mut g = std::mem::take(&mut s.g);
    u.copy_from_slice(&s.u_pred);
    let mut stored = 0usize;
    let mut next_slot = 0usize;
    let mut result = None;
    let mut norm_history = [f64::INFINITY; 8];
    for it in 0..max_iterations {
        s.backward(game, &u, lambda, values, np);
        s.forward(game, &mut u_next);
        let mut norm = 0.0f64;
        for j in 0..m {
            g[j] = u_next[j] - u[j];
            norm = norm.max(g[j].abs());
        }
        if norm.is_nan() {
            break;
        }
        if norm <= path_tol {
            // The beliefs nearly reproduce themselves; at the target, check the
            // profile's residual.
            if residual_tol.is_infinite() || s.residual(game, &u_next, lambda, values, np) <= residual_tol {
                // A fixed point far from the prediction may lie on another branch.
                let moved = (0..m).fold(0.0f64, |d, j| d.max((u[j].exp() - s.u_pred[j].exp()).abs()));
                if moved <= max_move {
                    result = Some(it + 1);
                }
                break;
            }
        }
        // Give up early on a corrector that does not contract: a shorter step is cheaper.
        if it >= 8 && norm > 0.25 * norm_history[(it - 6) % norm_history.len()] {
            break;
        }
        norm_history[it % norm_history.len()] = norm;
        if it > 0 {
            for j in 0..m {
                s.du[next_slot * m + j] = u[j] - s.u_last[j];
                s.dg[next_slot * m + j] = g[j] - s.g_last[j];
            }
            next_slot = (next_slot + 1) % MEMORY;
            stored = (stored + 1).min(MEMORY);
        }
        s.u_last.copy_from_slice(&u);
        s.g_last.copy_from_slice(&g);
        let k = stored;
        let mut solved = false;
        if k > 0 {
            // Least squares min |g − dG γ| by the (regularised) normal equations.
            for a in 0..k {
                for b in 0..k {
                    let mut dot = 0.0;
                    for j in 0..m {
                        dot += s.dg[a * m + j] * s.dg[b * m + j];
                    }
                    s.small[a * k + b] = dot;
                }
                let mut dot = 0.0;
                for j in 0..m {
                    dot += s.dg[a * m + j] * g[j];
                }
                s.gamma[a] = dot;
            }
            let trace: f64 = (0..k).map(|a| s.small[a * k + a]).sum();
            for a in 0..k {
                s.small[a * k + a] += 1e-10 * trace + 1e-300;
            }
            solved = lu_solve_in_place(&mut s.small, &mut s.gamma, k);
        }
        if solved {
            for j in 0..m {
                let mut correction = 0.0;
                for a in 0..k {
                    correction += (s.du[a * m + j] + s.dg[a * m + j]) * s.gamma[a];
                }
                u[j] = (u[j] + g[j] - correction).clamp(LOG_FLOOR, 0.0);
            }
        } else {
            stored = 0;
            for j in 0..m {
                u[j] += g[j];
            }
        }
    }
    if result.is_some() {
        // The profile in `s.prob` was computed from `u`; keep the beliefs it implies.
        u.copy_from_slice(&u_next);
    }
    s.u = u;
    s.u_next = u_next;
    s.g = g;
    result
}

/// Traces the belief fixed point from λ = 0 to `target`. On success `s.prob` holds the
/// QRE (player and chance entries) and `values` its node values.
pub(crate) fn trace_beliefs(
    game: &Game,
    s: &mut Sweep,
    values: &mut [f64],
    np: usize,
    target: f64,
    tolerance: f64,
    max_steps: usize,
) -> Result<(), GaveUp> {
    s.load_payoffs(game, np);
    // At λ = 0 play is uniform whatever the beliefs.
    s.u.fill(0.0);
    let mut u = std::mem::take(&mut s.u);
    s.backward(game, &u, 0.0, values, np);
    s.forward(game, &mut u);
    s.u = u;
    if target == 0.0 {
        return Ok(());
    }
    let (lo, hi) = game
        .outcome_payoffs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let range = if hi > lo { hi - lo } else { 1.0 };
    let mut step = target.min(1.0 / range);
    s.accepted.copy_from_slice(&s.u);
    let mut lambda_accepted = 0.0;
    let mut lambda_prev = f64::NAN;
    let mut previous_slope = f64::NAN;
    for _ in 0..max_steps {
        let lambda_next = (lambda_accepted + step).min(target);
        let last = lambda_next == target;
        if lambda_prev.is_nan() {
            s.u_pred.copy_from_slice(&s.accepted);
        } else {
            let ratio = (lambda_next - lambda_accepted) / (lambda_accepted - lambda_prev);
            for j in 0..s.u_pred.len() {
                s.u_pred[j] =
                    (s.accepted[j] + ratio * (s.accepted[j] - s.accepted_prev[j])).clamp(LOG_FLOOR, 0.0);
            }
        }
        // Along the path the corrector only needs to stay close to the branch; at the
        // target it must meet the tolerance on the profile.
        let (path_tol, residual_tol) = if last {
            (1e-9, 0.25 * tolerance)
        } else {
            (1e-6, f64::INFINITY)
        };
        let r = correct(game, s, lambda_next, values, np, path_tol, residual_tol, 60, 0.5);
        match r {
            Some(iterations) => {
                // Fold guard: a turning point of the branch shows up as beliefs that
                // move much faster per unit of λ than on the previous step, and keep
                // doing so however short the step (the corrector found another branch).
                // Such steps are refused; the arclength tracer handles the fold.
                let change =
                    (0..s.u.len()).fold(0.0f64, |d, j| d.max((s.u[j].exp() - s.accepted[j].exp()).abs()));
                let slope = change / (lambda_next - lambda_accepted);
                let suspicious = if previous_slope.is_nan() {
                    change > 0.1
                } else {
                    change > 0.02 && slope > 4.0 * previous_slope
                };
                if suspicious {
                    step *= 0.5;
                    if step < 1e-7 * (1.0 + lambda_accepted) {
                        break;
                    }
                    continue;
                }
                previous_slope = slope;
                if last {
                    return Ok(());
                }
                std::mem::swap(&mut s.accepted_prev, &mut s.accepted);
                s.accepted.copy_from_slice(&s.u);
                lambda_prev = lambda_accepted;
                lambda_accepted = lambda_next;
                step *= match iterations {
                    0..=5 => 2.5,
                    6..=9 => 1.5,
                    10..=15 => 1.0,
                    _ => 0.7,
                };
            }
            None => {
                step *= 0.5;
                if step < 1e-7 * (1.0 + lambda_accepted) {
                    break;
                }
            }
        }
    }
    Err(GaveUp {
        lambda_reached: lambda_accepted,
    })
}
