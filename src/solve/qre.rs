//! Agent logit quantal response equilibrium (QRE).
//!
//! At every player information set `h` the choice probabilities are
//! `σ(a) ∝ exp(λ · Q_h(a))`, where `Q_h(a)` is the mover's expected payoff of taking `a`
//! at `h` and following σ afterwards, under Bayes-rule beliefs over the nodes of `h`
//! (beliefs ∝ the nodes' reach probabilities; under perfect recall the mover's own
//! probabilities are common to all nodes of the set and cancel). This is Gambit's
//! definition for `logit_solve_lambda` on extensive games.
//!
//! **Unreachable information sets.** When every node of a set has reach probability 0
//! (only possible through chance probabilities of 0, since logit play is interior),
//! beliefs there are taken uniform over the set's nodes.
//!
//! **Perfect information.** One backward sweep; each choice is a log-sum-exp-stable
//! softmax of `λ ·` the children's values, so λ · payoff in the thousands is fine.
//!
//! **Imperfect information.** The QRE is traced from the centroid at λ = 0 along the
//! principal branch, as Gambit does, by pseudo-arclength continuation (tangent
//! predictor, Newton corrector on the augmented system), so turning points in λ are
//! passed; the first crossing of the target λ is then solved at fixed λ. By default the
//! unknowns are the log-beliefs at the sets with several nodes (given beliefs, one pass
//! over the sets in dependency order yields the whole logit profile; see `sweep`). The
//! reference formulation, [`QreMethod::ArclengthOnActions`], is Gambit's: the unknowns
//! are the log-probabilities `x` of all player actions plus λ, with, per set,
//! `Σ exp(x) = 1` and `x(a) − x(a₁) − λ (Q(a) − Q(a₁)) = 0` for every later action; it
//! is also the fallback when the sets cannot be ordered, and carries a belief trace that
//! gives up across the point where it did (from the trace's checkpoint, handing back to
//! a resumed belief trace once past it). The result is accepted only if
//! the maximum difference between σ and the logit response to σ is at most
//! [`QreConfig::tolerance`]; otherwise [`SolveError::NotConverged`] is returned.

// Index loops mirror the math of the passes over several parallel arrays.
#![allow(clippy::needless_range_loop)]

use super::layout::{CHANCE, TERMINAL};
use super::linalg::{lu_factor, lu_solve_factored};
use super::{SolveError, Workspace};
use crate::game::{Game, Mover, NO_OUTCOME, NONE, Profile};
use crate::math;

/// Controls of the logit QRE solver.
#[derive(Clone, Debug, PartialEq)]
pub struct QreConfig {
    /// Precision λ ≥ 0 (0 is uniform play, λ → ∞ approaches a Nash equilibrium).
    pub lambda: f64,
    /// Required maximum |σ − logit response to σ| over all player actions.
    pub tolerance: f64,
    /// First arclength step of the continuation (imperfect information only). The
    /// default, 0.2, lets the default tracer reach the λ where the branch bends in
    /// fewer steps than Gambit's 0.03 (which it used until the fifth session); the
    /// step control guards it like any other step.
    pub first_step: f64,
    /// Maximum number of continuation steps, accepted or rejected.
    pub max_steps: usize,
    /// Longest arclength step of the continuation (imperfect information only).
    /// Unbounded by default: the default tracer sizes its steps by its corrector's
    /// behaviour, and the reference tracer doubles them like Gambit's. A bound makes
    /// the reference follow narrow S-shaped turns of the branch that long steps jump
    /// over (`tests/golden/gambit/off_branch/`, where Gambit jumps too).
    pub max_step: f64,
    /// How imperfect-information games are traced.
    pub method: QreMethod,
}

/// Tracing method for games with information sets of several nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QreMethod {
    /// Pseudo-arclength continuation of the belief fixed point (the unknowns are the
    /// log-odds of the beliefs at the sets with several nodes, plus λ): follows the principal branch
    /// through turning points in λ. Falls back to [`QreMethod::ArclengthOnActions`] when
    /// the information sets cannot be ordered or the tracer gives up; in the latter case
    /// that tracer starts from a checkpoint of the belief trace and, once past the point
    /// where it gave up, hands back to a resumed belief trace (up to four rounds).
    #[default]
    Arclength,
    /// Pseudo-arclength continuation on all action log-probabilities, Gambit's exact
    /// formulation. Dense Newton whose cost grows with the cube of the number of player
    /// actions: the reference the other methods are tested against. FIXME: on rare games
    /// it jumps to another branch at a set reached with vanishing probability (random
    /// signaling game seed 17094548462821878275, 13 nodes, λ ≈ 8.46, where Gambit agrees
    /// with [`QreMethod::Arclength`]; `tests/golden/gambit/extra/`). Its steps double
    /// after quick corrections, as Gambit's do, so like Gambit it can step across a
    /// narrow S-shaped turn of the branch onto another one (headline trial 12730,
    /// `tests/golden/gambit/off_branch/`); [`QreConfig::max_step`] bounds them.
    ArclengthOnActions,
    /// Continuation in λ on the beliefs only (one pass over the tree per iteration;
    /// microseconds to a few milliseconds on games of a thousand nodes), handing over to
    /// [`QreMethod::Arclength`] when it gets stuck. FIXME: it can step across a turning
    /// point of the branch onto another branch without noticing, so it is only safe
    /// where the branch is known to be monotone in λ (e.g. small λ · payoff range).
    BeliefContinuation,
}

impl Default for QreConfig {
    fn default() -> Self {
        QreConfig {
            lambda: 1.0,
            tolerance: 1e-10,
            first_step: 0.2,
            max_steps: 100_000,
            max_step: f64::INFINITY,
            method: QreMethod::Arclength,
        }
    }
}

/// Largest number of jointly solved unknowns (dense Newton) the tracer accepts.
pub(crate) const MAX_TRACED_UNKNOWNS: usize = 4000;

/// Scratch of the imperfect-information tracer. The index structures are built with the
/// workspace; the dense matrices are sized on first use (then reused).
#[derive(Clone, Debug, Default)]
pub(crate) struct QreScratch {
    /// The belief continuation, when the information sets can be ordered.
    pub(crate) sweep: Option<super::sweep::Sweep>,
    /// Solves handed to the general tracer on all action probabilities (the slow path:
    /// the belief tracer gave up or does not apply). A diagnostic for tests.
    pub(crate) general_traces: usize,
    /// General traces started from a belief-trace checkpoint, and those of them that
    /// failed (and were traced again from λ = 0). Diagnostics for tests.
    pub(crate) restarts: usize,
    pub(crate) restarts_failed: usize,
    /// General traces that handed the solve back to the belief tracer.
    pub(crate) handbacks: usize,
    /// Belief traces retried with bounded steps after going round a closed branch.
    pub(crate) closed_branch_retries: usize,
    /// Whether the general tracer's buffers below are built ([`QreScratch::ensure_general`]).
    general_ready: bool,
    /// Per action: the log-probabilities [`refine_on_actions`] starts from.
    refine_start: Vec<f64>,
    /// Per action: the log-probabilities at the belief trace's checkpoint the general
    /// tracer restarts from, and at the accepted point before it (`Sweep::restart_point`).
    restart_at: Vec<f64>,
    restart_before: Vec<f64>,
    /// Where the general tracer hands back to the belief tracer, in that tracer's
    /// coordinates: the point, the accepted point before it, and the branch's direction;
    /// with scratch per action and per node for the change of coordinates.
    hand_at: Vec<f64>,
    hand_before: Vec<f64>,
    hand_dir: Vec<f64>,
    hand_actions: Vec<f64>,
    hand_reach: Vec<f64>,
    /// Player information sets (game indices), in index order.
    sets: Vec<u32>,
    /// Global action index of every unknown; unknowns of one set are contiguous.
    var_action: Vec<u32>,
    /// For every unknown, the index of its set within `sets`.
    var_set: Vec<u32>,
    /// For every entry of `sets`, its first unknown.
    set_first_var: Vec<u32>,
    /// Global action -> unknown index, or NONE for chance actions.
    action_var: Vec<u32>,
    // Per global action.
    prob: Vec<f64>,
    logp: Vec<f64>,
    dlogp: Vec<f64>,
    dprob: Vec<f64>,
    q: Vec<f64>,
    dq: Vec<f64>,
    // Per node.
    log_reach: Vec<f64>,
    dlog_reach: Vec<f64>,
    belief: Vec<f64>,
    dvalues: Vec<f64>,
    // Per unknown (+1 for λ).
    z: Vec<f64>,
    w: Vec<f64>,
    z_pred: Vec<f64>,
    tangent: Vec<f64>,
    tangent_prev: Vec<f64>,
    h: Vec<f64>,
    rhs: Vec<f64>,
    /// Jacobian `n × (n+1)` row-major, then the augmented `(n+1) × (n+1)` system.
    jac: Vec<f64>,
    aug: Vec<f64>,
    /// Row pivots of the last factorisation of `aug`.
    pivots: Vec<usize>,
}

impl QreScratch {
    /// The belief tracer's scratch; the general tracer's is built by
    /// [`QreScratch::ensure_general`] when a solve first needs it (most games never do).
    pub(crate) fn new(game: &Game, layout: &super::layout::Layout) -> QreScratch {
        if layout.first_imperfect_infoset.is_none() {
            return QreScratch::default();
        }
        QreScratch {
            sweep: super::sweep::Sweep::new(game, layout),
            ..QreScratch::default()
        }
    }

    /// Builds the general tracer's index structures and per-action, per-node and
    /// per-unknown buffers, once (the dense matrices are sized by their users).
    fn ensure_general(&mut self, game: &Game) {
        if self.general_ready {
            return;
        }
        self.general_ready = true;
        let s = self;
        s.action_var = vec![NONE; game.n_actions()];
        for (h, info) in game.player_infosets() {
            s.set_first_var.push(s.var_action.len() as u32);
            for a in info.action_range() {
                s.action_var[a] = s.var_action.len() as u32;
                s.var_action.push(a as u32);
                s.var_set.push(s.sets.len() as u32);
            }
            s.sets.push(h as u32);
        }
        let na = game.n_actions();
        let nn = game.n_nodes();
        let np = game.n_players();
        let nv = s.var_action.len();
        s.prob = vec![0.0; na];
        s.logp = vec![0.0; na];
        s.dlogp = vec![0.0; na];
        s.dprob = vec![0.0; na];
        s.q = vec![0.0; na];
        s.dq = vec![0.0; na];
        s.log_reach = vec![0.0; nn];
        s.dlog_reach = vec![0.0; nn];
        s.belief = vec![0.0; nn];
        s.dvalues = vec![0.0; nn * np];
        for v in [
            &mut s.z,
            &mut s.w,
            &mut s.z_pred,
            &mut s.tangent,
            &mut s.tangent_prev,
            &mut s.h,
            &mut s.rhs,
        ] {
            *v = vec![0.0; nv + 1];
        }
    }
}

fn check_config(config: &QreConfig) -> Result<(), SolveError> {
    if !(config.lambda.is_finite() && config.lambda >= 0.0) {
        return Err(SolveError::InvalidLambda(config.lambda));
    }
    if !(config.tolerance.is_finite() && config.tolerance > 0.0) {
        return Err(SolveError::InvalidTolerance(config.tolerance));
    }
    for step in [config.first_step, config.max_step] {
        // (`max_step` may be infinite.)
        if step.is_nan() || step <= 0.0 {
            return Err(SolveError::InvalidStep(step));
        }
    }
    Ok(())
}

pub(crate) fn solve_qre_into(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    profile: &mut Profile,
) -> Result<(), SolveError> {
    check_config(config)?;
    if !ws.fits(game) {
        return Err(SolveError::WorkspaceMismatch);
    }
    if profile.probs.len() != game.n_actions() {
        profile.probs.resize(game.n_actions(), 0.0);
    }
    if ws.layout.first_imperfect_infoset.is_none() {
        logit_backward_pass(game, config.lambda, ws, profile);
        return Ok(());
    }
    if config.method == QreMethod::BeliefContinuation
        && let Some(sweep) = ws.qre.sweep.as_mut()
    {
        let traced =
            super::sweep::trace_beliefs(game, sweep, config.lambda, config.tolerance, config.max_steps);
        if traced.is_ok() {
            take_sweep_answer(game, ws, profile);
            return Ok(());
        }
    }
    // Whether the belief tracer gave up in this solve, so that its checkpoints are this
    // solve's.
    let mut gave_up = false;
    if config.method != QreMethod::ArclengthOnActions {
        match belief_trace(game, config, ws, profile, false) {
            Some(true) => return Ok(()),
            Some(false) => gave_up = true,
            None => {}
        }
        // A trace that turned too often was going round a closed branch that a long
        // step reached: trace again from λ = 0 with bounded steps. (The checkpoints of
        // that trace lie on the closed branch, so the fallback must not start there.)
        if gave_up && ws.qre.sweep.as_ref().is_some_and(|s| s.turned_too_often) {
            ws.qre.closed_branch_retries += 1;
            let bounded = QreConfig {
                max_step: config.max_step.min(CLOSED_BRANCH_MAX_STEP),
                ..config.clone()
            };
            if belief_trace(game, &bounded, ws, profile, false) == Some(true) {
                return Ok(());
            }
        }
    }
    ws.qre.general_traces += 1;
    // The general tracer takes over from the belief trace's older checkpoint and, once
    // it has passed the point where that trace gave up by a checkpoint spacing (measured
    // along the branch in the belief tracer's coordinates), hands back to a belief trace
    // from there. Each round's leg is twice as long past that point as the last; the
    // last round traces to the target.
    if gave_up {
        for round in 0..=MAX_HANDBACKS {
            let Some(lambdas) = restart_from_checkpoint(game, ws) else {
                break;
            };
            ws.qre.restarts += 1;
            let leg = (round < MAX_HANDBACKS).then(|| {
                let back = ws.qre.sweep.as_ref().map_or(0.0, |s| s.checkpoint_distance());
                back + super::sweep::RESTART_SPACING * (1u32 << round) as f64
            });
            match trace(game, config, ws, profile, Some(lambdas), leg) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(_) => {
                    ws.qre.restarts_failed += 1;
                    break;
                }
            }
            ws.qre.handbacks += 1;
            if belief_trace(game, config, ws, profile, true) == Some(true) {
                return Ok(());
            }
        }
    }
    trace(game, config, ws, profile, None, None).map(|_| ())
}

/// Rounds in which the general tracer hands a solve back to the belief tracer.
const MAX_HANDBACKS: u32 = 4;
/// Longest step of the belief trace that is retried after going round a closed branch
/// (`Sweep::turned_too_often`). On the two headline subgames of
/// `tests/golden/gambit/closed_branch/`, steps of at most 2 already stay on the branch.
const CLOSED_BRANCH_MAX_STEP: f64 = 0.5;

/// The belief tracer on `config`, from λ = 0 or, with `resume`, from the point the
/// general tracer handed back (`hand_at`, `hand_before`, `hand_dir`), then
/// [`finish_belief_trace`]: whether `profile` holds the QRE, or `None` when the game's
/// sets cannot be ordered for the belief tracer.
fn belief_trace(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    profile: &mut Profile,
    resume: bool,
) -> Option<bool> {
    let s = &mut ws.qre;
    let sweep = s.sweep.as_mut()?;
    // (The hand-back buffers hold every log-odds; the tracer's unknowns come first.)
    let n = sweep.n_reduced() + 1;
    let resume = resume.then(|| super::sweep::Resume {
        at: &s.hand_at[..n],
        before: &s.hand_before[..n],
        direction: &s.hand_dir[..n],
    });
    let traced = super::sweep::trace_beliefs_arclength(
        game,
        sweep,
        resume.as_ref(),
        config.lambda,
        config.tolerance,
        config.first_step.min(config.max_step),
        config.max_step,
        config.max_steps,
    );
    Some(finish_belief_trace(game, config, ws, profile, traced.is_ok()))
}

/// After a belief trace: takes its answer if it `traced`, or refines a polish that
/// stalled at the target on Gambit's equations. Whether `profile` holds the QRE.
fn finish_belief_trace(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    profile: &mut Profile,
    traced: bool,
) -> bool {
    if traced {
        take_sweep_answer(game, ws, profile);
        return true;
    }
    let Some(sweep) = ws.qre.sweep.as_mut() else {
        return false;
    };
    if !sweep.stalled_at_target {
        return false;
    }
    profile.probs.copy_from_slice(&sweep.prob);
    let mut start = std::mem::take(&mut ws.qre.refine_start);
    start.resize(game.n_actions(), 0.0);
    sweep.log_probs(config.lambda, &mut start);
    let refined = refine_on_actions(game, config, ws, &start, profile);
    ws.qre.refine_start = start;
    refined
}

/// Fills `restart_at` and `restart_before` from the belief trace's checkpoint
/// (`Sweep::restart_point`) and returns their λ, or `None` when there is none.
fn restart_from_checkpoint(game: &Game, ws: &mut Workspace) -> Option<(f64, f64)> {
    let s = &mut ws.qre;
    let sweep = s.sweep.as_mut()?;
    s.restart_at.resize(game.n_actions(), 0.0);
    s.restart_before.resize(game.n_actions(), 0.0);
    sweep.restart_point(game, &mut s.restart_at, &mut s.restart_before)
}

/// Perfect-information logit QRE: one reverse sweep.
fn logit_backward_pass(game: &Game, lambda: f64, ws: &mut Workspace, profile: &mut Profile) {
    // Specialised for the usual numbers of players: the per-node copies and sums then
    // compile to straight-line code instead of loops and library calls.
    match ws.layout.n_players {
        1 => logit_pass::<1>(game, lambda, ws, profile),
        2 => logit_pass::<2>(game, lambda, ws, profile),
        3 => logit_pass::<3>(game, lambda, ws, profile),
        4 => logit_pass::<4>(game, lambda, ws, profile),
        _ => logit_pass::<0>(game, lambda, ws, profile),
    }
}

/// [`logit_backward_pass`] for `NP` players (`NP = 0`: any number, read from the layout).
fn logit_pass<const NP: usize>(game: &Game, lambda: f64, ws: &mut Workspace, profile: &mut Profile) {
    let np = if NP == 0 { ws.layout.n_players } else { NP };
    let payoffs = &game.outcome_payoffs;
    let chance = &game.chance_probs;
    let probs = &mut profile.probs[..];
    let values = &mut ws.values[..];
    for (node, rec) in ws.layout.nodes.iter().enumerate().rev() {
        let (head, tail) = values.split_at_mut((node + 1) * np);
        let v = &mut head[node * np..];
        if rec.outcome == NO_OUTCOME {
            for x in v.iter_mut() {
                *x = 0.0;
            }
        } else {
            let o = rec.outcome as usize * np;
            for (x, &p) in v.iter_mut().zip(&payoffs[o..o + np]) {
                *x = p;
            }
        }
        if rec.mover == TERMINAL {
            continue;
        }
        let base = (node + 1) * np;
        let first = rec.first_child as usize * np - base;
        let off = rec.action_offset as usize;
        let k = rec.n_children as usize;
        let out = &mut probs[off..off + k];
        let children = &tail[first..first + k * np];
        if rec.mover == CHANCE {
            for (o, &c) in out.iter_mut().zip(&chance[off..off + k]) {
                *o = c;
            }
        } else {
            let p = rec.mover as usize;
            let mut best = f64::NEG_INFINITY;
            for child in children.chunks_exact(np) {
                best = best.max(child[p]);
            }
            let mut sum = 0.0;
            for (o, child) in out.iter_mut().zip(children.chunks_exact(np)) {
                let x = lambda * (child[p] - best);
                // exp(0) = 1 exactly: the best action skips the call.
                let e = if x == 0.0 {
                    1.0
                } else {
                    super::fastexp::exp_nonpositive(x)
                };
                *o = e;
                sum += e;
            }
            let inv = 1.0 / sum;
            for o in out.iter_mut() {
                *o *= inv;
            }
        }
        for (&pa, child) in out.iter().zip(children.chunks_exact(np)) {
            if pa != 0.0 {
                for (acc, c) in v.iter_mut().zip(child) {
                    *acc += pa * c;
                }
            }
        }
    }
}

/// Values at `x` (log-probabilities of the unknowns) and `lambda`: probabilities, log
/// reach, node values, beliefs, action values `Q`, and the equations into `s.h`.
fn eval_base(game: &Game, ws: &mut Workspace, x_and_lambda: &[f64]) {
    let Workspace {
        layout,
        values,
        qre: s,
        ..
    } = ws;
    let np = layout.n_players;
    let nv = s.var_action.len();
    let lambda = x_and_lambda[nv];
    for (a, (p, lp)) in s.prob.iter_mut().zip(s.logp.iter_mut()).enumerate() {
        let var = s.action_var[a];
        if var == NONE {
            *p = game.chance_probs[a];
            *lp = math::ln(*p);
        } else {
            *lp = x_and_lambda[var as usize];
            *p = math::exp(*lp);
        }
    }
    s.log_reach[0] = 0.0;
    for node in 1..layout.nodes.len() {
        let parent = game.node_parent[node] as usize;
        s.log_reach[node] = s.log_reach[parent] + s.logp[game.node_in_action[node] as usize];
    }
    backward_values(game, layout, &s.prob, values, np);
    for (si, &h) in s.sets.iter().enumerate() {
        let info = game.infoset(h as usize);
        beliefs(&info.nodes, &s.log_reach, &mut s.belief);
        let Mover::Player(p) = info.mover else {
            unreachable!()
        };
        let k = info.n_actions();
        for a in 0..k {
            let mut qa = 0.0;
            for &n in &info.nodes {
                let child = game.node_first_child[n as usize] as usize + a;
                qa += s.belief[n as usize] * values[child * np + p];
            }
            s.q[info.action_offset + a] = qa;
        }
        let first = s.set_first_var[si] as usize;
        let off = info.action_offset;
        s.h[first] = s.prob[off..off + k].iter().sum::<f64>() - 1.0;
        for a in 1..k {
            s.h[first + a] =
                x_and_lambda[first + a] - x_and_lambda[first] - lambda * (s.q[off + a] - s.q[off]);
        }
    }
}

/// Node values under `prob` (chance included), one reverse sweep.
fn backward_values(game: &Game, layout: &super::layout::Layout, prob: &[f64], values: &mut [f64], np: usize) {
    for (node, rec) in layout.nodes.iter().enumerate().rev() {
        let (head, tail) = values.split_at_mut((node + 1) * np);
        let v = &mut head[node * np..];
        if rec.outcome == NO_OUTCOME {
            v.fill(0.0);
        } else {
            let o = rec.outcome as usize * np;
            v.copy_from_slice(&game.outcome_payoffs[o..o + np]);
        }
        if rec.mover == TERMINAL {
            continue;
        }
        let base = (node + 1) * np;
        let first = rec.first_child as usize * np - base;
        let off = rec.action_offset as usize;
        for a in 0..rec.n_children as usize {
            let pa = prob[off + a];
            if pa != 0.0 {
                let cv = &tail[first + a * np..first + a * np + np];
                for (acc, c) in v.iter_mut().zip(cv) {
                    *acc += pa * c;
                }
            }
        }
    }
}

/// Bayes beliefs over `nodes` from log reach probabilities; uniform when none is
/// reachable.
fn beliefs(nodes: &[u32], log_reach: &[f64], belief: &mut [f64]) {
    let m = nodes
        .iter()
        .map(|&n| log_reach[n as usize])
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        let u = 1.0 / nodes.len() as f64;
        for &n in nodes {
            belief[n as usize] = u;
        }
        return;
    }
    let mut sum = 0.0;
    for &n in nodes {
        let e = math::exp(log_reach[n as usize] - m);
        belief[n as usize] = e;
        sum += e;
    }
    for &n in nodes {
        belief[n as usize] /= sum;
    }
}

/// Column `var` of the Jacobian (derivative of the equations with respect to the
/// log-probability of unknown `var`) into `out` (length n), after [`eval_base`].
fn jacobian_column(game: &Game, ws: &mut Workspace, x_and_lambda: &[f64], var: usize, out: &mut [f64]) {
    let Workspace {
        layout,
        values,
        qre: s,
        ..
    } = ws;
    let np = layout.n_players;
    let nv = s.var_action.len();
    let lambda = x_and_lambda[nv];
    let action = s.var_action[var] as usize;
    // Forward: which nodes lie below the varied action.
    s.dlog_reach[0] = 0.0;
    for node in 1..layout.nodes.len() {
        let parent = game.node_parent[node] as usize;
        s.dlog_reach[node] = s.dlog_reach[parent] + f64::from(game.node_in_action[node] as usize == action);
    }
    // Backward: derivative of the node values; only the varied action's probability moves.
    let dvalues = &mut s.dvalues[..];
    for (node, rec) in layout.nodes.iter().enumerate().rev() {
        let (head, tail) = dvalues.split_at_mut((node + 1) * np);
        let dv = &mut head[node * np..];
        dv.fill(0.0);
        if rec.mover == TERMINAL {
            continue;
        }
        let base = (node + 1) * np;
        let first = rec.first_child as usize * np - base;
        let off = rec.action_offset as usize;
        for a in 0..rec.n_children as usize {
            let pa = s.prob[off + a];
            let child = rec.first_child as usize + a;
            if off + a == action {
                for (p, acc) in dv.iter_mut().enumerate() {
                    *acc += pa * values[child * np + p];
                }
            }
            if pa != 0.0 {
                let cdv = &tail[first + a * np..first + a * np + np];
                for (acc, c) in dv.iter_mut().zip(cdv) {
                    *acc += pa * c;
                }
            }
        }
    }
    for (si, &h) in s.sets.iter().enumerate() {
        let info = game.infoset(h as usize);
        let Mover::Player(p) = info.mover else {
            unreachable!()
        };
        let mean: f64 = info
            .nodes
            .iter()
            .map(|&n| s.belief[n as usize] * s.dlog_reach[n as usize])
            .sum();
        let k = info.n_actions();
        let off = info.action_offset;
        for a in 0..k {
            let mut dqa = 0.0;
            for &n in &info.nodes {
                let n = n as usize;
                let child = game.node_first_child[n] as usize + a;
                let mu = s.belief[n];
                let dmu = mu * (s.dlog_reach[n] - mean);
                dqa += dmu * values[child * np + p] + mu * dvalues[child * np + p];
            }
            s.dq[off + a] = dqa;
        }
        let first = s.set_first_var[si] as usize;
        out[first] = if s.var_set[var] as usize == si {
            s.prob[action]
        } else {
            0.0
        };
        for a in 1..k {
            let mut d = -lambda * (s.dq[off + a] - s.dq[off]);
            if first + a == var {
                d += 1.0;
            }
            if first == var {
                d -= 1.0;
            }
            out[first + a] = d;
        }
    }
}

/// Full Jacobian `n × (n+1)` at `z` into `s.jac` (eval_base must have run at `z`).
fn jacobian(game: &Game, ws: &mut Workspace, z: &[f64]) {
    let nv = ws.qre.var_action.len();
    let cols = nv + 1;
    let mut col = std::mem::take(&mut ws.qre.rhs);
    for var in 0..nv {
        jacobian_column(game, ws, z, var, &mut col);
        for row in 0..nv {
            ws.qre.jac[row * cols + var] = col[row];
        }
    }
    ws.qre.rhs = col;
    // Derivative with respect to λ.
    let s = &mut ws.qre;
    for (si, &h) in s.sets.iter().enumerate() {
        let info = game.infoset(h as usize);
        let first = s.set_first_var[si] as usize;
        let off = info.action_offset;
        s.jac[first * cols + nv] = 0.0;
        for a in 1..info.n_actions() {
            s.jac[(first + a) * cols + nv] = -(s.q[off + a] - s.q[off]);
        }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter()
        .fold(0.0f64, |m, x| if x.is_nan() { f64::NAN } else { m.max(x.abs()) })
}

fn not_converged(lambda: f64, residual: f64, reason: &'static str) -> SolveError {
    SolveError::NotConverged {
        lambda_reached: lambda,
        residual,
        reason,
    }
}

/// Maximum |σ − logit response| at the point of the last [`eval_base`].
fn logit_residual_at(game: &Game, ws: &Workspace, lambda: f64) -> f64 {
    let s = &ws.qre;
    let mut worst = 0.0f64;
    for &h in &s.sets {
        let info = game.infoset(h as usize);
        let r = info.action_range();
        let best = s.q[r.clone()].iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let sum: f64 = s.q[r.clone()]
            .iter()
            .map(|&v| math::exp(lambda * (v - best)))
            .sum();
        for a in r {
            let response = math::exp(lambda * (s.q[a] - best)) / sum;
            let d = (s.prob[a] - response).abs();
            worst = if d.is_nan() { f64::NAN } else { worst.max(d) };
        }
    }
    worst
}

/// Newton on the `n` equations at fixed λ, starting from `ws.qre.w`. Returns the final
/// equation residual. With `stop_on_stall` (the last refinement of a belief-tracer
/// answer) it also stops when it stalls at the rounding level; the general tracer's
/// landing at the target keeps its 30 iterations, as before that rule. The refinement
/// also reuses the last Jacobian's factors (a chord step) while the residual keeps
/// falling at least fourfold: on `signal_3p_two_receivers` at λ = 100 its one Newton
/// step takes the residual from 3.5e-8 to 1e-11, and a second Jacobian (each is one
/// pass over the tree per action) cost 6% of the solve.
fn newton_fixed_lambda(game: &Game, ws: &mut Workspace, iterations: usize, stop_on_stall: bool) -> f64 {
    let nv = ws.qre.var_action.len();
    let cols = nv + 1;
    let mut w = std::mem::take(&mut ws.qre.w);
    let mut residual = f64::INFINITY;
    // Whether `aug` and `pivots` hold the factors of a Jacobian of this solve.
    let mut factored = false;
    for _ in 0..iterations {
        eval_base(game, ws, &w);
        let previous = residual;
        residual = max_abs(&ws.qre.h[..nv]);
        // Converged, or stalled at the rounding level: near it, an exact Newton step
        // that does not halve the residual will not bring it lower (on
        // `signal_3p_two_receivers` at λ = 100 six more steps only wander between 1e-11
        // and 3e-11), so the iterate stays where it is.
        let stalled = stop_on_stall && residual <= 1e-8 && residual > 0.5 * previous;
        if residual.is_nan() || residual <= 1e-13 || stalled {
            break;
        }
        let chord = stop_on_stall && factored && residual <= 0.25 * previous;
        if !chord {
            jacobian(game, ws, &w);
        }
        let s = &mut ws.qre;
        for row in 0..nv {
            if !chord {
                s.aug[row * nv..row * nv + nv].copy_from_slice(&s.jac[row * cols..row * cols + nv]);
            }
            s.rhs[row] = -s.h[row];
        }
        factored = chord || lu_factor(&mut s.aug, &mut s.pivots, nv);
        if !(factored && lu_solve_factored(&s.aug, &s.pivots, &mut s.rhs, nv)) {
            residual = f64::NAN;
            break;
        }
        let step = max_abs(&s.rhs[..nv]);
        for (wi, d) in w.iter_mut().zip(&s.rhs[..nv]) {
            *wi += d;
        }
        if step <= 1e-15 * (1.0 + max_abs(&w[..nv])) {
            eval_base(game, ws, &w);
            residual = max_abs(&ws.qre.h[..nv]);
            break;
        }
    }
    ws.qre.w = w;
    residual
}

/// Tangent of the branch at the last Jacobian, oriented along `tangent_prev`.
fn tangent(ws: &mut Workspace) -> bool {
    let s = &mut ws.qre;
    let n = s.var_action.len() + 1;
    s.aug[..(n - 1) * n].copy_from_slice(&s.jac[..(n - 1) * n]);
    s.aug[(n - 1) * n..n * n].copy_from_slice(&s.tangent_prev[..n]);
    s.tangent[..n].fill(0.0);
    s.tangent[n - 1] = 1.0;
    if !(lu_factor(&mut s.aug, &mut s.pivots, n) && lu_solve_factored(&s.aug, &s.pivots, &mut s.tangent, n)) {
        return false;
    }
    let norm = s.tangent[..n].iter().map(|v| v * v).sum::<f64>().sqrt();
    let dot: f64 = s.tangent[..n]
        .iter()
        .zip(&s.tangent_prev[..n])
        .map(|(a, b)| a * b)
        .sum();
    let sign = if dot < 0.0 { -1.0 } else { 1.0 };
    for v in &mut s.tangent[..n] {
        *v *= sign / norm;
    }
    true
}

/// Copies the belief tracer's profile into `profile` and fills `ws.values` for every
/// player (the tracer keeps values for the movers only).
fn take_sweep_answer(game: &Game, ws: &mut Workspace, profile: &mut Profile) {
    if let Some(sweep) = ws.qre.sweep.as_ref() {
        profile.probs.copy_from_slice(&sweep.prob);
    }
    game.node_values(profile, &mut ws.values);
}

/// Newton at fixed λ on Gambit's equations (log action probabilities) from
/// `log_probs` (per action), the belief tracer's point at the target that its polish
/// could not bring under the tolerance (at large λ the log-beliefs' rounding is
/// amplified by λ). On success `profile` holds the refined QRE and `ws.values` its node
/// values.
///
/// The start is the tracer's log-probabilities, not the logarithms of its
/// probabilities: where a probability underflows to 0, the logarithm of a clamp (−708
/// for `f64::MIN_POSITIVE`) leaves that set's equations hundreds off, and from such a
/// start Newton diverged (random signaling games of 845 and 1,569 nodes at λ ≈ 44–48,
/// whose polish stalled with logit residuals just above the tolerance) and the solve
/// went to the general tracer, which failed on both.
fn refine_on_actions(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    log_probs: &[f64],
    profile: &mut Profile,
) -> bool {
    ws.qre.ensure_general(game);
    let nv = ws.qre.var_action.len();
    if nv > MAX_TRACED_UNKNOWNS {
        return false;
    }
    let n = nv + 1;
    if ws.qre.jac.len() < nv * n {
        ws.qre.jac = vec![0.0; nv * n];
        ws.qre.aug = vec![0.0; n * n];
        ws.qre.pivots = vec![0; n];
    }
    {
        let s = &mut ws.qre;
        for (i, &a) in s.var_action.iter().enumerate() {
            s.w[i] = log_probs[a as usize];
        }
        s.w[nv] = config.lambda;
    }
    newton_fixed_lambda(game, ws, 8, true);
    let w = std::mem::take(&mut ws.qre.w);
    eval_base(game, ws, &w);
    let residual = logit_residual_at(game, ws, config.lambda);
    let refined = residual <= config.tolerance;
    if refined {
        write_profile(game, ws, &w, profile);
    }
    ws.qre.w = w;
    refined
}

/// The general tracer's corrector converges at |H| ≤ 1e-11, or when it stalls below
/// this residual with moves below [`STALL_MOVE`] (the equations' rounding level grows with
/// λ · payoffs); its landing at the target accepts a residual up to this, and the
/// answer must still pass the profile's residual check.
const ROUNDING_STALL: f64 = 1e-9;
/// Largest corrector move of such a stall.
const STALL_MOVE: f64 = 1e-6;

/// The general tracer. It starts at the centroid at λ = 0, or with `restart =
/// Some((λ_at, λ_before))` at `restart_at` (per action log-probabilities at `λ_at`, a
/// point on the branch up to the belief tracer's path tolerance), heading along the chord
/// from `restart_before` (at `λ_before`). Its corrector brings the start onto the branch
/// within the first step.
///
/// With `leg = Some(length)` (and a belief tracer) it stops at the first accepted point
/// at least that far along the branch, measured by the chords between its accepted
/// points in the belief tracer's coordinates, and returns `Ok(false)` with that point
/// in `hand_at`, the one before in `hand_before` and the tangent in `hand_dir` (those
/// coordinates). `Ok(true)`: `profile` holds the QRE.
fn trace(
    game: &Game,
    config: &QreConfig,
    ws: &mut Workspace,
    profile: &mut Profile,
    restart: Option<(f64, f64)>,
    leg: Option<f64>,
) -> Result<bool, SolveError> {
    ws.qre.ensure_general(game);
    let nv = ws.qre.var_action.len();
    if nv > MAX_TRACED_UNKNOWNS {
        return Err(SolveError::TooLarge {
            unknowns: nv,
            limit: MAX_TRACED_UNKNOWNS,
        });
    }
    let n = nv + 1;
    if ws.qre.jac.len() < nv * n {
        ws.qre.jac = vec![0.0; nv * n];
        ws.qre.aug = vec![0.0; n * n];
        ws.qre.pivots = vec![0; n];
    }
    let target = config.lambda;
    if let Some((lambda_at, lambda_before)) = restart {
        let s = &mut ws.qre;
        for (i, &a) in s.var_action.iter().enumerate() {
            let a = a as usize;
            s.z[i] = s.restart_at[a];
            s.tangent_prev[i] = s.restart_at[a] - s.restart_before[a];
        }
        s.z[nv] = lambda_at;
        s.tangent_prev[nv] = lambda_at - lambda_before;
        let norm = s.tangent_prev[..n].iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return Err(not_converged(
                lambda_at,
                f64::NAN,
                "no direction at the restart point",
            ));
        }
        for v in &mut s.tangent_prev[..n] {
            *v /= norm;
        }
    } else {
        // The centroid at λ = 0.
        let s = &mut ws.qre;
        for &h in &s.sets {
            let info = game.infoset(h as usize);
            let lu = -math::ln(info.n_actions() as f64);
            for a in info.action_range() {
                s.z[s.action_var[a] as usize] = lu;
            }
        }
        s.z[nv] = 0.0;
        s.tangent_prev[..n].fill(0.0);
        s.tangent_prev[nv] = 1.0;
    }
    let mut step = config.first_step.min(config.max_step);
    let mut z = std::mem::take(&mut ws.qre.z);
    let result = (|| {
        if target > 0.0 {
            eval_base(game, ws, &z);
            jacobian(game, ws, &z);
            if !tangent(ws) {
                return Err(not_converged(0.0, f64::NAN, "singular Jacobian at the start"));
            }
        }
        let leg = leg.filter(|_| ws.qre.sweep.is_some());
        let mut travelled = 0.0;
        if leg.is_some() {
            hand_point(ws, &z, false);
        }
        let mut steps = 0;
        while z[nv] < target {
            steps += 1;
            if steps > config.max_steps {
                return Err(not_converged(z[nv], f64::NAN, "too many continuation steps"));
            }
            if step < 1e-12 * (1.0 + z[nv]) {
                return Err(not_converged(
                    z[nv],
                    f64::NAN,
                    "continuation step became too small",
                ));
            }
            // Predictor.
            {
                let s = &mut ws.qre;
                for i in 0..n {
                    s.z_pred[i] = z[i] + step * s.tangent[i];
                    s.w[i] = s.z_pred[i];
                }
            }
            // Corrector: Newton on [H(w) = 0, tangent · (w − z_pred) = 0].
            let mut converged = false;
            let mut previous_norm = f64::INFINITY;
            let mut iterations = 0;
            let mut w = std::mem::take(&mut ws.qre.w);
            for it in 0..12 {
                iterations = it;
                eval_base(game, ws, &w);
                let residual = max_abs(&ws.qre.h[..nv]);
                if residual.is_nan() {
                    break;
                }
                if residual <= 1e-11 {
                    converged = true;
                    break;
                }
                jacobian(game, ws, &w);
                let s = &mut ws.qre;
                s.aug[..nv * n].copy_from_slice(&s.jac[..nv * n]);
                s.aug[nv * n..n * n].copy_from_slice(&s.tangent[..n]);
                for row in 0..nv {
                    s.rhs[row] = -s.h[row];
                }
                s.rhs[nv] = -(0..n).map(|i| s.tangent[i] * (w[i] - s.z_pred[i])).sum::<f64>();
                if !(lu_factor(&mut s.aug, &mut s.pivots, n)
                    && lu_solve_factored(&s.aug, &s.pivots, &mut s.rhs, n))
                {
                    break;
                }
                let norm = s.rhs[..n].iter().map(|v| v * v).sum::<f64>().sqrt();
                // Too far from the predicted point, or not contracting: the step is
                // too long to stay on this branch reliably.
                if norm > step.max(1e-3) || (it > 0 && norm > 0.5 * previous_norm) {
                    // Unless it stalls at the rounding level of the equations (1.1e-11
                    // at λ ≈ 40 on a 707-node random game, with moves of 1e-12; 2.6e-10
                    // at λ ≈ 113 on a 509-node one, with moves above 1e-9), with moves
                    // within the belief tracer's path tolerance.
                    converged = it > 0 && residual <= ROUNDING_STALL && norm <= STALL_MOVE;
                    break;
                }
                previous_norm = norm;
                for i in 0..n {
                    w[i] += s.rhs[i];
                }
            }
            ws.qre.w = w;
            if !converged {
                step *= 0.5;
                continue;
            }
            let lambda_new = ws.qre.w[nv];
            if lambda_new >= target {
                // First crossing of the target: interpolate, then Newton at fixed λ.
                let s = &mut ws.qre;
                let frac = (target - z[nv]) / (lambda_new - z[nv]);
                for i in 0..nv {
                    s.w[i] = z[i] + frac * (s.w[i] - z[i]);
                }
                s.w[nv] = target;
                let residual = newton_fixed_lambda(game, ws, 30, false);
                if residual.is_nan() || residual > ROUNDING_STALL {
                    step *= 0.5;
                    continue;
                }
                z.copy_from_slice(&ws.qre.w[..n]);
                break;
            }
            // Accept the point; new tangent there.
            z.copy_from_slice(&ws.qre.w[..n]);
            jacobian(game, ws, &z);
            {
                let s = &mut ws.qre;
                s.tangent_prev.copy_from_slice(&s.tangent);
            }
            if !tangent(ws) {
                return Err(not_converged(z[nv], f64::NAN, "singular Jacobian on the branch"));
            }
            if let Some(length) = leg {
                travelled += hand_point(ws, &z, true);
                if travelled >= length {
                    return Ok(false);
                }
                let s = &mut ws.qre;
                std::mem::swap(&mut s.hand_at, &mut s.hand_before);
            }
            if iterations <= 2 {
                step *= 2.0;
            } else if iterations > 4 {
                step *= 0.7;
            }
            step = step.min(config.max_step);
        }
        // Final check in probability space.
        eval_base(game, ws, &z);
        let residual = logit_residual_at(game, ws, target);
        if residual.is_nan() || residual > config.tolerance {
            return Err(not_converged(
                target,
                residual,
                "residual above tolerance at the target",
            ));
        }
        Ok(true)
    })();
    if result == Ok(true) {
        write_profile(game, ws, &z, profile);
    }
    ws.qre.z = z;
    result
}

/// For a leg of the general tracer: its point `z` in the belief tracer's coordinates,
/// into `hand_before` (the leg's start) or, with `accepted`, into `hand_at` with the
/// tangent there in `hand_dir`. Returns the distance from `hand_before` to `hand_at`.
fn hand_point(ws: &mut Workspace, z: &[f64], accepted: bool) -> f64 {
    let s = &mut ws.qre;
    let Some(sweep) = s.sweep.as_ref() else {
        return 0.0;
    };
    let nv = s.var_action.len();
    let m = sweep.n_reduced();
    for v in [&mut s.hand_at, &mut s.hand_before, &mut s.hand_dir] {
        v.resize(sweep.n_odds() + 1, 0.0);
    }
    s.hand_actions.resize(s.prob.len(), 0.0);
    s.hand_reach.resize(s.log_reach.len(), 0.0);
    for (i, &a) in s.var_action.iter().enumerate() {
        s.hand_actions[a as usize] = z[i];
    }
    let out = if accepted {
        &mut s.hand_at
    } else {
        &mut s.hand_before
    };
    sweep.odds_of(&mut s.hand_actions, z[nv], false, &mut s.hand_reach, out);
    if !accepted {
        return 0.0;
    }
    for (i, &a) in s.var_action.iter().enumerate() {
        s.hand_actions[a as usize] = s.tangent[i];
    }
    sweep.odds_of(
        &mut s.hand_actions,
        s.tangent[nv],
        true,
        &mut s.hand_reach,
        &mut s.hand_dir,
    );
    s.hand_at[..=m]
        .iter()
        .zip(&s.hand_before[..=m])
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

fn write_profile(game: &Game, ws: &Workspace, z: &[f64], profile: &mut Profile) {
    let s = &ws.qre;
    for (a, p) in profile.probs.iter_mut().enumerate() {
        let var = s.action_var[a];
        *p = if var == NONE {
            game.chance_probs[a]
        } else {
            math::exp(z[var as usize])
        };
    }
    for &h in &s.sets {
        let r = game.infoset(h as usize).action_range();
        let sum: f64 = profile.probs[r.clone()].iter().sum();
        for p in &mut profile.probs[r] {
            *p /= sum;
        }
    }
}
