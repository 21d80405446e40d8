//! Fast path of the imperfect-information logit QRE: continuation in λ on the beliefs.
//!
//! Given beliefs at every information set, the whole logit profile follows from one
//! pass over the information sets in dependency order (a set after every set holding
//! a descendant of its nodes): compute `Q`, the logit choice, then the values of the
//! set's nodes. Given the profile, the beliefs follow from one forward pass of log reach
//! probabilities. A QRE is a fixed point of beliefs → profile → beliefs, so the unknowns
//! shrink to the log-beliefs at the player sets with several nodes.
//!
//! [`trace_beliefs_arclength`] (the default) follows the fixed point G(u, λ) =
//! Y(u, λ) − u = 0 by pseudo-arclength continuation with a dense Newton corrector whose
//! Jacobian columns come from one directional-derivative pass each; it passes turning
//! points.
//!
//! [`trace_beliefs`] (opt-in) follows it from λ = 0 in λ steps (secant predictor, Anderson-
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
    // Tangent (directional derivative) pass: action values and derivatives per action,
    // derivative of node values and log reach per node.
    q: Vec<f64>,
    dlogp: Vec<f64>,
    dvalues: Vec<f64>,
    dlog_reach: Vec<f64>,
    /// Dense arclength tracer on (beliefs, λ), sized on first use.
    arc: ArcBuffers,
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
        s.q = vec![0.0; game.n_actions()];
        s.dlogp = vec![0.0; game.n_actions()];
        s.dvalues = vec![0.0; game.n_nodes() * layout.n_players];
        s.dlog_reach = vec![0.0; game.n_nodes()];
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
                self.q[off..off + k].copy_from_slice(&self.logp[off..off + k]);
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

#[derive(Clone, Debug, Default)]
struct ArcBuffers {
    z: Vec<f64>,
    w: Vec<f64>,
    z_pred: Vec<f64>,
    tangent: Vec<f64>,
    tangent_prev: Vec<f64>,
    g: Vec<f64>,
    dir: Vec<f64>,
    col: Vec<f64>,
    rhs: Vec<f64>,
    /// `m × (m+1)` Jacobian of G = Y(u, λ) − u, row-major.
    jac: Vec<f64>,
    aug: Vec<f64>,
}

impl Sweep {
    /// G(u, λ) = Y(u, λ) − u into `g`; leaves the profile, node values and `u_next` of
    /// the point for [`Sweep::directional`].
    fn eval_g(&mut self, game: &Game, z: &[f64], values: &mut [f64], np: usize, g: &mut [f64]) {
        let m = self.belief_nodes.len();
        let mut u_next = std::mem::take(&mut self.u_next);
        self.backward(game, &z[..m], z[m], values, np);
        self.forward(game, &mut u_next);
        for j in 0..m {
            g[j] = u_next[j] - z[j];
        }
        self.u_next = u_next;
    }

    /// Derivative of G at the last [`Sweep::eval_g`] point in direction `dir` (m + 1
    /// entries: beliefs, then λ) into `out`.
    fn directional(
        &mut self,
        game: &Game,
        z: &[f64],
        dir: &[f64],
        values: &[f64],
        np: usize,
        out: &mut [f64],
    ) {
        let m = self.belief_nodes.len();
        let lambda = z[m];
        let dlambda = dir[m];
        self.dvalues.fill(0.0);
        for i in 0..self.order.len() {
            let off = self.set_offset[i] as usize;
            let k = self.set_k[i] as usize;
            let nodes = &self.set_nodes[self.set_node_start[i] as usize..self.set_node_start[i + 1] as usize];
            let mover = self.set_mover[i];
            if mover == u32::MAX {
                self.dlogp[off..off + k].fill(0.0);
            } else {
                let p = mover as usize;
                let belief = self.set_belief[i];
                // dQ into dlogp first.
                let dq = &mut self.dlogp[off..off + k];
                if belief == NONE {
                    let first = game.node_first_child[nodes[0] as usize] as usize;
                    for a in 0..k {
                        dq[a] = self.dvalues[(first + a) * np + p];
                    }
                } else {
                    dq.fill(0.0);
                    let b = belief as usize;
                    let u = &z[b..b + nodes.len()];
                    let du = &dir[b..b + nodes.len()];
                    let mx = u.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v));
                    let total: f64 = u.iter().map(|&v| (v - mx).exp()).sum();
                    let mean_du: f64 = u.iter().zip(du).map(|(&v, &d)| (v - mx).exp() / total * d).sum();
                    for (j, &n) in nodes.iter().enumerate() {
                        let w = (u[j] - mx).exp() / total;
                        let dw = w * (du[j] - mean_du);
                        let first = game.node_first_child[n as usize] as usize;
                        for a in 0..k {
                            let c = (first + a) * np + p;
                            dq[a] += dw * values[c] + w * self.dvalues[c];
                        }
                    }
                }
                let mut mean = 0.0;
                for a in 0..k {
                    let e = dlambda * self.q[off + a] + lambda * dq[a];
                    dq[a] = e;
                    mean += self.prob[off + a] * e;
                }
                for d in dq.iter_mut() {
                    *d -= mean;
                }
            }
            for &n in nodes {
                let n = n as usize;
                let first = game.node_first_child[n] as usize;
                let mut acc = [0.0f64; 16];
                for a in 0..k {
                    let pa = self.prob[off + a];
                    let dpa = pa * self.dlogp[off + a];
                    for (pl, slot) in acc.iter_mut().enumerate().take(np) {
                        let c = (first + a) * np + pl;
                        *slot += dpa * values[c] + pa * self.dvalues[c];
                    }
                }
                self.dvalues[n * np..n * np + np].copy_from_slice(&acc[..np]);
            }
        }
        self.dlog_reach[0] = 0.0;
        for node in 1..self.dlog_reach.len() {
            let parent = game.node_parent[node] as usize;
            self.dlog_reach[node] = self.dlog_reach[parent] + self.dlogp[game.node_in_action[node] as usize];
        }
        for i in 0..self.order.len() {
            let b = self.set_belief[i];
            if b == NONE {
                continue;
            }
            let b = b as usize;
            let nodes = &self.set_nodes[self.set_node_start[i] as usize..self.set_node_start[i + 1] as usize];
            let unreachable = nodes
                .iter()
                .all(|&n| self.log_reach[n as usize] == f64::NEG_INFINITY);
            let mean: f64 = if unreachable {
                0.0
            } else {
                nodes
                    .iter()
                    .enumerate()
                    .map(|(j, &n)| self.u_next[b + j].exp() * self.dlog_reach[n as usize])
                    .sum()
            };
            for (j, &n) in nodes.iter().enumerate() {
                let d = if unreachable || self.u_next[b + j] <= LOG_FLOOR {
                    0.0
                } else {
                    self.dlog_reach[n as usize] - mean
                };
                out[b + j] = d - dir[b + j];
            }
        }
    }

    /// Full Jacobian of G at `arc.z` (after `eval_g` there) into `arc.jac`.
    fn jacobian_g(&mut self, game: &Game, arc: &mut ArcBuffers, values: &[f64], np: usize) {
        let m = self.belief_nodes.len();
        let cols = m + 1;
        for c in 0..cols {
            arc.dir.fill(0.0);
            arc.dir[c] = 1.0;
            self.directional(game, &arc.z, &arc.dir, values, np, &mut arc.col);
            for r in 0..m {
                arc.jac[r * cols + c] = arc.col[r];
            }
        }
    }
}

/// Maximum number of belief unknowns the dense belief tracer accepts.
pub(crate) const MAX_BELIEF_UNKNOWNS: usize = 3000;

fn arc_tangent(arc: &mut ArcBuffers, n: usize) -> bool {
    arc.aug[..(n - 1) * n].copy_from_slice(&arc.jac[..(n - 1) * n]);
    arc.aug[(n - 1) * n..n * n].copy_from_slice(&arc.tangent_prev[..n]);
    arc.tangent.fill(0.0);
    arc.tangent[n - 1] = 1.0;
    if !lu_solve_in_place(&mut arc.aug, &mut arc.tangent, n) {
        return false;
    }
    let norm = arc.tangent.iter().map(|v| v * v).sum::<f64>().sqrt();
    let dot: f64 = arc
        .tangent
        .iter()
        .zip(&arc.tangent_prev)
        .map(|(a, b)| a * b)
        .sum();
    let sign = if dot < 0.0 { -1.0 } else { 1.0 };
    for v in &mut arc.tangent {
        *v *= sign / norm;
    }
    true
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter()
        .fold(0.0f64, |m, x| if x.is_nan() { f64::NAN } else { m.max(x.abs()) })
}

/// Pseudo-arclength continuation of the belief fixed point G(u, λ) = 0 from λ = 0 to
/// `target` (the first crossing), with Newton correctors on the dense Jacobian of G
/// (one directional pass per column). Passes turning points. On success `s.prob` holds
/// the QRE and `values` its node values.
#[allow(clippy::too_many_arguments)]
pub(crate) fn trace_beliefs_arclength(
    game: &Game,
    s: &mut Sweep,
    values: &mut [f64],
    np: usize,
    target: f64,
    tolerance: f64,
    first_step: f64,
    max_steps: usize,
) -> Result<(), GaveUp> {
    let m = s.belief_nodes.len();
    let n = m + 1;
    if m > MAX_BELIEF_UNKNOWNS || np > 16 {
        return Err(GaveUp { lambda_reached: 0.0 });
    }
    s.load_payoffs(game, np);
    if s.arc.jac.len() != m * n {
        let a = &mut s.arc;
        for v in [
            &mut a.z,
            &mut a.w,
            &mut a.z_pred,
            &mut a.tangent,
            &mut a.tangent_prev,
            &mut a.g,
            &mut a.dir,
            &mut a.col,
            &mut a.rhs,
        ] {
            *v = vec![0.0; n];
        }
        a.jac = vec![0.0; m * n];
        a.aug = vec![0.0; n * n];
    }
    let mut arc = std::mem::take(&mut s.arc);
    let result = (|| {
        // λ = 0: uniform play, beliefs from it.
        arc.z.fill(0.0);
        let mut g = std::mem::take(&mut arc.g);
        s.eval_g(game, &arc.z, values, np, &mut g);
        arc.z[..m].copy_from_slice(&s.u_next);
        arc.z[m] = 0.0;
        arc.tangent_prev.fill(0.0);
        arc.tangent_prev[m] = 1.0;
        let mut step = first_step;
        if target > 0.0 {
            s.eval_g(game, &arc.z, values, np, &mut g);
            s.jacobian_g(game, &mut arc, values, np);
            if !arc_tangent(&mut arc, n) {
                arc.g = g;
                return Err(GaveUp { lambda_reached: 0.0 });
            }
        }
        let mut steps = 0;
        while arc.z[m] < target {
            steps += 1;
            if steps > max_steps || step < 1e-12 * (1.0 + arc.z[m]) {
                arc.g = g;
                return Err(GaveUp {
                    lambda_reached: arc.z[m],
                });
            }
            for i in 0..n {
                arc.z_pred[i] = arc.z[i] + step * arc.tangent[i];
            }
            arc.w.copy_from_slice(&arc.z_pred);
            // Chord Newton on [G(w) = 0, t·(w − z_pred) = 0] with the Jacobian of the
            // accepted point (kept in `arc.jac`).
            let mut converged = false;
            let mut previous = f64::INFINITY;
            let mut iterations = 0;
            for it in 0..15 {
                iterations = it;
                s.eval_g(game, &arc.w, values, np, &mut g);
                let r = max_abs(&g[..m]);
                if r.is_nan() {
                    break;
                }
                if r <= 1e-9 {
                    converged = true;
                    break;
                }
                arc.aug[..m * n].copy_from_slice(&arc.jac[..m * n]);
                arc.aug[m * n..n * n].copy_from_slice(&arc.tangent);
                for r in 0..m {
                    arc.rhs[r] = -g[r];
                }
                arc.rhs[m] = -(0..n)
                    .map(|i| arc.tangent[i] * (arc.w[i] - arc.z_pred[i]))
                    .sum::<f64>();
                if !lu_solve_in_place(&mut arc.aug, &mut arc.rhs, n) {
                    break;
                }
                let norm = arc.rhs.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > step.max(1e-3) || (it > 0 && norm > 0.7 * previous) {
                    break;
                }
                previous = norm;
                for i in 0..n {
                    arc.w[i] += arc.rhs[i];
                    if i < m {
                        arc.w[i] = arc.w[i].clamp(LOG_FLOOR, 0.0);
                    }
                }
            }
            if !converged {
                step *= 0.5;
                continue;
            }
            if arc.w[m] >= target {
                // First crossing: interpolate to the target and polish there with the
                // fixed-λ corrector, requiring it to stay next to the interpolated point.
                let frac = (target - arc.z[m]) / (arc.w[m] - arc.z[m]);
                for j in 0..m {
                    s.u_pred[j] = (arc.z[j] + frac * (arc.w[j] - arc.z[j])).clamp(LOG_FLOOR, 0.0);
                }
                let move_bound = 0.05_f64.min(10.0 * step);
                if correct(
                    game,
                    s,
                    target,
                    values,
                    np,
                    1e-11,
                    0.25 * tolerance,
                    200,
                    move_bound,
                )
                .is_some()
                {
                    arc.g = g;
                    return Ok(());
                }
                step *= 0.5;
                continue;
            }
            arc.z.copy_from_slice(&arc.w);
            s.eval_g(game, &arc.z, values, np, &mut g);
            s.jacobian_g(game, &mut arc, values, np);
            arc.tangent_prev.copy_from_slice(&arc.tangent);
            if !arc_tangent(&mut arc, n) {
                arc.g = g;
                return Err(GaveUp {
                    lambda_reached: arc.z[m],
                });
            }
            step *= match iterations {
                0..=3 => 2.0,
                4 => 1.3,
                5..=6 => 1.0,
                _ => 0.6,
            };
        }
        arc.g = g;
        Err(GaveUp {
            lambda_reached: arc.z[m],
        })
    })();
    s.arc = arc;
    result
}
