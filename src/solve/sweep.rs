//! Fast path of the imperfect-information logit QRE: continuation in λ on the beliefs.
//!
//! Given beliefs at every information set, the whole logit profile follows from one
//! pass over the information sets in dependency order (a set after every set holding
//! a descendant of its nodes): compute `Q`, the logit choice, then the values of the
//! set's nodes. Given the profile, the beliefs follow from one forward pass of log reach
//! probabilities. A QRE is a fixed point of beliefs → profile → beliefs, so the unknowns
//! shrink to the log-beliefs at the player sets with several nodes.
//!
//! [`trace_beliefs_arclength`] (the default) follows the fixed point G(z, λ) =
//! Y(z, λ) − z = 0 by pseudo-arclength continuation with a dense Newton corrector whose
//! Jacobian columns come from one directional-derivative pass each; it passes turning
//! points. Its unknowns z are log-odds, ln(μ_j / μ_0) for every node j of a set but the
//! first: one unknown fewer per set than the log-beliefs (half as many for two-node
//! sets, as in the headline's), with no normalisation direction in the Jacobian. Where
//! log-odds are linear combinations of others (sets that see the same moves), only the
//! independent ones are unknowns and the passes set the others (`basis`, and the field
//! `Sweep::free`).
//!
//! The passes keep node values only for the players who move in the game (`nm`
//! columns per node, the loops specialised for one to four movers); callers that need
//! every player's values recompute them once from the answer's profile.
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

mod basis;
mod lanes;

use super::fastexp::exp_nonpositive;
use super::layout::Layout;
use super::linalg::{dot, lu_factor, lu_solve_factored};
use crate::game::{Game, Mover, NONE};
use crate::math;

/// Clamp of log-beliefs (and log reach differences) so that the iteration stays finite
/// when chance probabilities of 0 make nodes unreachable; `exp(-800) == 0`.
const LOG_FLOOR: f64 = -800.0;
/// Clamp of the arclength tracer's log-odds (and log reach differences), for the same
/// reason. Far beyond `-LOG_FLOOR`: the log-odds of the nodes of one set against the
/// set's first node can all exceed 800 when that node's reach vanishes at large λ, and
/// clamping them there would erase the differences between them, which set the
/// beliefs (`signal_3types_costly` at λ = 100).
const ODDS_BOUND: f64 = 1e4;
/// Anderson memory.
const MEMORY: usize = 6;
/// Longest walk (ancestor steps summed over the nodes with beliefs) that
/// [`Sweep::log_norms`] takes before it normalises every set instead.
const WALK_LIMIT: usize = 1 << 24;

/// Calls `$pass.set::<NM, K>($op)` instantiated for the pass's `$nm` movers and the
/// set's actions: 1–4 movers and 2–4 actions unroll, 0 stands for any number.
macro_rules! by_shape {
    ($pass:expr, $nm:expr, $op:expr) => {
        match ($nm, $op.k) {
            (1, 2) => $pass.set::<1, 2>($op),
            (1, 3) => $pass.set::<1, 3>($op),
            (1, 4) => $pass.set::<1, 4>($op),
            (2, 2) => $pass.set::<2, 2>($op),
            (2, 3) => $pass.set::<2, 3>($op),
            (2, 4) => $pass.set::<2, 4>($op),
            (3, 2) => $pass.set::<3, 2>($op),
            (3, 3) => $pass.set::<3, 3>($op),
            (3, 4) => $pass.set::<3, 4>($op),
            (4, 2) => $pass.set::<4, 2>($op),
            (4, 3) => $pass.set::<4, 3>($op),
            (4, 4) => $pass.set::<4, 4>($op),
            (1, _) => $pass.set::<1, 0>($op),
            (2, _) => $pass.set::<2, 0>($op),
            (3, _) => $pass.set::<3, 0>($op),
            (4, _) => $pass.set::<4, 0>($op),
            _ => $pass.set::<0, 0>($op),
        }
    };
}

/// Runs `$f::<N>(args)` for the runtime size `$n` (2 to [`INVERSE_MAX`]): the small
/// dense kernels below unroll completely at a constant size.
macro_rules! small_n {
    ($n:expr, $f:ident($($arg:expr),*)) => {
        match $n {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            8 => $f::<8>($($arg),*),
            9 => $f::<9>($($arg),*),
            10 => $f::<10>($($arg),*),
            11 => $f::<11>($($arg),*),
            12 => $f::<12>($($arg),*),
            13 => $f::<13>($($arg),*),
            14 => $f::<14>($($arg),*),
            15 => $f::<15>($($arg),*),
            16 => $f::<16>($($arg),*),
            17 => $f::<17>($($arg),*),
            18 => $f::<18>($($arg),*),
            19 => $f::<19>($($arg),*),
            20 => $f::<20>($($arg),*),
            21 => $f::<21>($($arg),*),
            22 => $f::<22>($($arg),*),
            23 => $f::<23>($($arg),*),
            24 => $f::<24>($($arg),*),
            _ => unreachable!("small_n: size {} above INVERSE_MAX", $n),
        }
    };
}

/// [`small_n!`] for a kernel with an AVX2 twin (`$f | $twin`, see [`avx2_twin!`]): the
/// twin when the processor has AVX2 (four lanes instead of SSE2's two for the
/// element-wise row operations; `std` caches the check), otherwise the portable build.
macro_rules! small_n_simd {
    ($n:expr, $f:ident | $twin:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        let result = if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, the only requirement of the twin.
            unsafe { small_n!($n, $twin($($arg),*)) }
        } else {
            small_n!($n, $f($($arg),*))
        };
        #[cfg(not(target_arch = "x86_64"))]
        let result = small_n!($n, $f($($arg),*));
        result
    }};
}

/// Defines `$twin`, the kernel `$f::<N>` (marked `#[inline(always)]`) compiled with AVX2.
/// Without FMA every multiplication and addition is rounded as in the portable build,
/// and sums keep their order: the same bits.
macro_rules! avx2_twin {
    ($f:ident => $twin:ident($($a:ident: $t:ty),*) -> $r:ty) => {
        /// The AVX2 build of the kernel of the same name without `_avx2`.
        ///
        /// # Safety
        /// The processor must support AVX2.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $twin<const N: usize>($($a: $t),*) -> $r {
            $f::<N>($($a),*)
        }
    };
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Sweep {
    /// Information sets (chance included) in dependency order, descendants first: one
    /// record per set, read in this order by the passes.
    ops: Vec<SetOp>,
    /// The sets' nodes, set after set (`SetOp::nodes` ranges).
    set_nodes: Vec<u32>,
    /// Nodes of the belief unknowns, in unknown order.
    belief_nodes: Vec<u32>,
    /// The arclength tracer's unknowns are log-odds: per set, ln(μ_j / μ_0) of every
    /// node but the set's first, whose log-belief is held at 0 (the passes normalise).
    /// Per reduced unknown: its log-belief index and that of its set's first node; per
    /// set with beliefs: its first reduced unknown and their number.
    red_full: Vec<u32>,
    red_ref: Vec<u32>,
    red_sets: Vec<(u32, u32)>,
    /// Independent log-odds (see `basis`): when `reduced`, the tracer's unknowns are
    /// the log-odds `free[t]` only, and every other log-odds `dep_odds[i]` is
    /// `dep_const[i] + Σ c · z[t]` over its terms `dep_terms[dep_start[i]..dep_start[i + 1]]`
    /// (unknown `t`, `c`). The relations are found once; the constants come from the
    /// chance probabilities, when the numbers load, and `reduced` is off for numbers
    /// that leave a constant infinite (a chance probability of 0 on a path).
    free: Vec<u32>,
    dep_odds: Vec<u32>,
    dep_start: Vec<u32>,
    dep_terms: Vec<(u32, f64)>,
    dep_const: Vec<f64>,
    /// The entries of `x_full` that `free[t]` and `dep_odds[i]` fill (`red_full` of them).
    free_pos: Vec<u32>,
    dep_pos: Vec<u32>,
    reduced: bool,
    /// Per unknown `t`, when reduced: the log-odds a unit change of `t` moves, with
    /// their changes (`free[t]` first, with 1), `col_terms[col_start[t]..col_start[t + 1]]`,
    /// and the range of `affected` listing the sets whose action values then move.
    col_start: Vec<u32>,
    col_terms: Vec<(u32, f64)>,
    col_affected: Vec<(u32, u32)>,
    /// `(j, 1.0)` for every log-odds j: each unknown's terms when not reduced.
    unit_terms: Vec<(u32, f64)>,
    /// Scratch of every log-odds (and λ) of two reduced points, or of a point and its G
    /// or a direction (`on_all_odds`, `directional_r`).
    z_all: Vec<f64>,
    z_all2: Vec<f64>,
    /// Full-size scratch of the reduced passes: (log-beliefs, λ) and a direction.
    x_full: Vec<f64>,
    d_full: Vec<f64>,
    /// Players who move at some set: the passes keep node values (and their
    /// derivatives) for these players only, the only ones a set reads; callers that
    /// need every player's values recompute them from the profile.
    movers: Vec<usize>,
    /// Number of movers: the passes keep node values (and derivatives) as `nm` columns
    /// per node, `mvals[node * nm + c]` for player `movers[c]`.
    nm: usize,
    /// Per entry of `set_nodes`: the node's first child.
    set_first: Vec<u32>,
    /// Per node and mover column: the outcome's payoff (or 0), the pass's node values,
    /// and the tangent pass's derivatives.
    mbase: Vec<f64>,
    mvals: Vec<f64>,
    dmvals: Vec<f64>,
    /// Nodes on a path from the root to a belief node, root excluded, ascending (the
    /// only log reach probabilities the forward passes need), each as (node, parent,
    /// action into it) for [`path_sums`].
    reach_steps: Vec<[u32; 3]>,
    /// Per reduced unknown: its node and its set's first node (the log-odds compare
    /// their reach probabilities).
    odds_pairs: Vec<(u32, u32)>,
    /// λ (bits) of the last backward pass, while the profile and node values of the sets
    /// that do not depend on the beliefs are still valid for it (cleared when the
    /// numbers are reloaded): another pass at the same λ skips those sets.
    cached_lambda: Option<u64>,
    /// Whether `mvals` holds `mbase` at every terminal node and the chance sets' entries
    /// of `prob` and `logp` are loaded (cleared when the numbers are reloaded; the first
    /// pass of a trace copies them).
    values_loaded: bool,
    // Per global action.
    pub prob: Vec<f64>,
    logp: Vec<f64>,
    // Per node.
    log_reach: Vec<f64>,
    /// Per node with beliefs (as `belief_nodes`): its belief at the last backward pass,
    /// in probability, as [`Sweep::belief_probs`] gives it.
    beliefs: Vec<f64>,
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
    dlog_reach: Vec<f64>,
    /// Per node: whether the last tangent pass wrote its `dmvals`, and those nodes.
    dirty: Vec<bool>,
    touched: Vec<u32>,
    /// Per entry of `ops`: the range into `affected` of the sets whose action values
    /// move with the set's own beliefs (the set itself and, repeatedly, every set
    /// holding the parent of a node of a listed set), ascending. Empty for sets without
    /// beliefs, and everywhere when the lists would be too long (every tangent pass is
    /// then a full one).
    affected_range: Vec<(u32, u32)>,
    affected: Vec<u32>,
    /// Per reduced unknown: its set's entry of `ops`.
    red_op: Vec<u32>,
    /// Sets whose `dlogp` the last restricted tangent pass wrote, and whether the last
    /// pass was a full one (which writes every set's): a restricted pass first zeroes
    /// those, as it writes only its own sets'.
    dlogp_written: Vec<u32>,
    dlogp_full: bool,
    /// Set when the Newton polish at the target stalled at the rounding level of the
    /// log-beliefs next to the branch's point but above the profile tolerance (at large
    /// λ the log-beliefs cannot resolve it): `prob` then holds that nearly exact profile,
    /// for a last Newton refinement on the action probabilities (see `qre`).
    pub(crate) stalled_at_target: bool,
    /// Set when the last trace gave up after more than [`MAX_TURNS`] turning points:
    /// it was going round a closed branch (see `qre`, which then traces again with
    /// bounded steps).
    pub(crate) turned_too_often: bool,
    /// Whether `u_next` holds the normalised log-beliefs of the last [`Sweep::eval_r`]
    /// (filled on demand: the log-odds need no normalisation, only the residual does).
    u_next_fresh: bool,
    /// Per global action: ln of the chance probability (set when the numbers load).
    chance_logp: Vec<f64>,
    /// Dense arclength tracer on (beliefs, λ), sized on first use.
    arc: ArcBuffers,
    /// Accepted steps of the last arclength trace on a stiff stretch (see
    /// [`STIFF_BELIEF_MOVE`]); the tests check that the stretches engage.
    stiff_steps: usize,
    /// Scratch of the Jacobian passes that carry several directions
    /// ([`Sweep::jacobian_lanes`]), sized on first use.
    lanes: lanes::LaneBuffers,
    /// Whether every set has at most 64 actions (the lane pass's stack scratch).
    lanes_fit: bool,
    /// Anderson history, `MEMORY` columns of differences each.
    du: Vec<f64>,
    dg: Vec<f64>,
    small: Vec<f64>,
    small_pivots: Vec<usize>,
    gamma: Vec<f64>,
}

impl Sweep {
    /// The dependency order, or `None` when the sets cannot be ordered (or the game has
    /// more than 16 players, the size of the passes' per-node scratch): the general
    /// tracer then solves the game.
    pub(crate) fn new(game: &Game, layout: &Layout) -> Option<Sweep> {
        let n_sets = game.infosets().len();
        // Edge parent's set -> child's set: the parent's set must wait for the child's.
        // (The edges of each child's set, contiguous: `dependents[dep_start[h]..dep_start[h + 1]]`.)
        let mut waits_on = vec![0u32; n_sets];
        let mut dep_start = vec![0u32; n_sets + 1];
        for node in 1..game.n_nodes() {
            if let Some(h) = game.node_infoset(node) {
                let parent_set = game.node_infoset[game.node_parent[node] as usize];
                waits_on[parent_set as usize] += 1;
                dep_start[h + 1] += 1;
            }
        }
        for h in 0..n_sets {
            dep_start[h + 1] += dep_start[h];
        }
        let mut dependents = vec![0u32; dep_start[n_sets] as usize];
        let mut fill = dep_start[..n_sets].to_vec();
        for node in 1..game.n_nodes() {
            if let Some(h) = game.node_infoset(node) {
                dependents[fill[h] as usize] = game.node_infoset[game.node_parent[node] as usize];
                fill[h] += 1;
            }
        }
        let mut ready: Vec<u32> = Vec::with_capacity(n_sets);
        ready.extend((0..n_sets as u32).filter(|&h| waits_on[h as usize] == 0));
        let mut order = Vec::with_capacity(n_sets);
        while let Some(h) = ready.pop() {
            order.push(h);
            for &d in &dependents[dep_start[h as usize] as usize..dep_start[h as usize + 1] as usize] {
                waits_on[d as usize] -= 1;
                if waits_on[d as usize] == 0 {
                    ready.push(d);
                }
            }
        }
        if order.len() != n_sets || layout.n_players > 16 {
            return None;
        }
        let mut s = Sweep::default();
        // (Sized up front: growing them push by push was a quarter of building a
        // workspace for a game of 45 nodes.)
        s.ops.reserve(n_sets);
        s.set_nodes.reserve(game.n_nodes());
        s.belief_nodes.reserve(game.n_nodes());
        s.red_full.reserve(game.n_nodes());
        s.red_ref.reserve(game.n_nodes());
        s.red_sets.reserve(n_sets);
        // `col` holds the mover (u32::MAX for chance) until the movers' columns are known.
        for &h in &order {
            let info = game.infoset(h as usize);
            let mut op = SetOp {
                off: info.action_offset as u32,
                k: info.n_actions() as u32,
                start: s.set_nodes.len() as u32,
                len: info.nodes.len() as u32,
                col: match info.mover {
                    Mover::Chance => u32::MAX,
                    Mover::Player(p) => p as u32,
                },
                belief: NONE,
                dep: false,
                needs_logp: false,
                log_norm: false,
                node0: info.nodes[0],
                first0: game.node_first_child[info.nodes[0] as usize],
                kind: OpKind::General as u8,
            };
            s.set_nodes.extend_from_slice(&info.nodes);
            if info.mover != Mover::Chance && info.nodes.len() > 1 {
                let b = s.belief_nodes.len() as u32;
                op.belief = b;
                s.red_sets
                    .push((s.red_full.len() as u32, info.nodes.len() as u32 - 1));
                for j in 1..info.nodes.len() as u32 {
                    s.red_full.push(b + j);
                    s.red_ref.push(b);
                }
                s.belief_nodes.extend_from_slice(&info.nodes);
            }
            s.ops.push(op);
        }
        // Belief dependence, descendants first (the order guarantees it).
        let mut node_dep = vec![false; game.n_nodes()];
        for op in &mut s.ops {
            let nodes = &s.set_nodes[op.nodes()];
            op.dep = op.belief != NONE
                || nodes
                    .iter()
                    .any(|&n| game.children(n as usize).any(|c| node_dep[c]));
            for &n in nodes {
                node_dep[n as usize] = op.dep;
            }
        }
        let mut on_path = vec![false; game.n_nodes()];
        for &b in &s.belief_nodes {
            let mut node = b as usize;
            while !on_path[node] {
                on_path[node] = true;
                match game.parent(node) {
                    Some(p) => node = p,
                    None => break,
                }
            }
        }
        s.reach_steps = (1..game.n_nodes())
            .filter(|&n| on_path[n])
            .map(|n| [n as u32, game.node_parent[n], game.node_in_action[n]])
            .collect();
        let log_norm = s.log_norms(game);
        for (op, &norm) in s.ops.iter_mut().zip(&log_norm) {
            op.needs_logp = s.set_nodes[op.nodes()]
                .iter()
                .any(|&n| game.children(n as usize).any(|c| on_path[c]));
            op.log_norm = op.needs_logp && norm;
            if op.len == 1 && op.col != u32::MAX {
                op.kind = if op.needs_logp {
                    OpKind::SingleLogs as u8
                } else {
                    OpKind::Single as u8
                };
            } else if op.len == 2 {
                op.kind = OpKind::Pair as u8;
            }
            // Four codes per case: any number of actions, then 2, 3 and 4.
            op.kind = op.kind * 4
                + if (2..=4).contains(&op.k) {
                    op.k as u8 - 1
                } else {
                    0
                };
        }
        let mut moves = vec![false; layout.n_players];
        for op in &s.ops {
            if op.col != u32::MAX {
                moves[op.col as usize] = true;
            }
        }
        s.movers = (0..layout.n_players).filter(|&p| moves[p]).collect();
        s.nm = s.movers.len();
        let mut column = vec![u32::MAX; layout.n_players];
        for (c, &p) in s.movers.iter().enumerate() {
            column[p] = c as u32;
        }
        for op in &mut s.ops {
            if op.col != u32::MAX {
                op.col = column[op.col as usize];
            }
        }
        s.set_first = s
            .set_nodes
            .iter()
            .map(|&n| game.node_first_child[n as usize])
            .collect();
        s.odds_pairs = s
            .red_full
            .iter()
            .zip(&s.red_ref)
            .map(|(&j, &first)| (s.belief_nodes[j as usize], s.belief_nodes[first as usize]))
            .collect();
        s.build_affected(game);
        s.unit_terms = (0..s.red_full.len() as u32).map(|j| (j, 1.0)).collect();
        s.find_relations(game);
        s.lanes_fit = s.ops.iter().all(|op| op.k <= 64);
        let m = s.belief_nodes.len();
        s.mbase = vec![0.0; game.n_nodes() * s.nm];
        s.mvals = vec![0.0; game.n_nodes() * s.nm];
        s.dmvals = vec![0.0; game.n_nodes() * s.nm];
        s.prob = vec![0.0; game.n_actions()];
        s.logp = vec![0.0; game.n_actions()];
        s.chance_logp = vec![0.0; game.n_actions()];
        s.log_reach = vec![0.0; game.n_nodes()];
        for v in [&mut s.u, &mut s.u_next, &mut s.u_pred] {
            *v = vec![0.0; m];
        }
        s.x_full = vec![0.0; m + 1];
        s.d_full = vec![0.0; m + 1];
        s.beliefs = vec![0.0; m];
        s.q = vec![0.0; game.n_actions()];
        s.dlogp = vec![0.0; game.n_actions()];
        s.dlog_reach = vec![0.0; game.n_nodes()];
        s.dirty = vec![false; game.n_nodes()];
        s.touched = Vec::with_capacity(game.n_nodes());
        Some(s)
    }

    /// Sizes the buffers only [`trace_beliefs`] uses (its Anderson corrector and its
    /// accepted points), on its first call.
    fn ensure_anderson(&mut self) {
        if !self.gamma.is_empty() {
            return;
        }
        let m = self.belief_nodes.len();
        for v in [
            &mut self.u_last,
            &mut self.g,
            &mut self.g_last,
            &mut self.accepted,
            &mut self.accepted_prev,
        ] {
            *v = vec![0.0; m];
        }
        self.du = vec![0.0; m * MEMORY];
        self.dg = vec![0.0; m * MEMORY];
        self.small = vec![0.0; MEMORY * MEMORY];
        self.small_pivots = vec![0; MEMORY];
        self.gamma = vec![0.0; MEMORY];
    }

    /// Fills `affected_range`, `affected` and `red_op` (see the fields).
    fn build_affected(&mut self, game: &Game) {
        let n_ops = self.ops.len();
        let mut node_op = vec![u32::MAX; game.n_nodes()];
        for (i, op) in self.ops.iter().enumerate() {
            for &n in &self.set_nodes[op.nodes()] {
                node_op[n as usize] = i as u32;
            }
        }
        // Beyond this many entries in all, every tangent pass stays a full one.
        let limit = 8 * game.n_nodes() + 100_000;
        self.affected_range = vec![(0, 0); n_ops];
        let mut mark = vec![false; n_ops];
        let (mut list, mut work) = (Vec::new(), Vec::new());
        for i in 0..n_ops {
            if self.ops[i].belief == NONE {
                continue;
            }
            list.clear();
            work.clear();
            mark[i] = true;
            list.push(i as u32);
            work.push(i as u32);
            while let Some(j) = work.pop() {
                let op = self.ops[j as usize];
                for &n in &self.set_nodes[op.nodes()] {
                    let Some(parent) = game.parent(n as usize) else {
                        continue;
                    };
                    let p = node_op[parent];
                    if p != u32::MAX && !mark[p as usize] {
                        mark[p as usize] = true;
                        list.push(p);
                        work.push(p);
                    }
                }
            }
            for &j in &list {
                mark[j as usize] = false;
            }
            if self.affected.len() + list.len() > limit {
                self.affected = Vec::new();
                self.affected_range.fill((0, 0));
                break;
            }
            list.sort_unstable();
            let start = self.affected.len() as u32;
            self.affected.extend_from_slice(&list);
            self.affected_range[i] = (start, self.affected.len() as u32);
        }
        // `red_sets` lists the sets with beliefs in the order of `ops`.
        self.red_op = vec![0; self.red_full.len()];
        let with_beliefs = self.ops.iter().enumerate().filter(|(_, op)| op.belief != NONE);
        for ((i, _), &(start, len)) in with_beliefs.zip(&self.red_sets) {
            self.red_op[start as usize..(start + len) as usize].fill(i as u32);
        }
    }

    /// Finds the relations among the log-odds (see `basis` and the field `free`): each
    /// log-odds as ±1 per player action on the two paths below their common ancestor.
    fn find_relations(&mut self, game: &Game) {
        let r = self.red_full.len();
        if r < 2 {
            return;
        }
        let mut is_chance = vec![false; game.n_actions()];
        for op in self.ops.iter().filter(|op| op.col == u32::MAX) {
            is_chance[op.off as usize..(op.off + op.k) as usize].fill(true);
        }
        let (starts, entries) = basis::odds_rows(game, &self.odds_pairs, &is_chance);
        let budget = 64 * game.n_nodes() + 1_000_000;
        let Some(relations) = basis::independent_rows(&starts, &entries, game.n_actions(), budget) else {
            return;
        };
        if relations.dependent.is_empty() {
            return;
        }
        let k = relations.free.len();
        self.free = relations.free;
        let deps = relations.dependent.len();
        let n_terms: usize = relations.dependent.iter().map(|(_, terms)| terms.len()).sum();
        self.dep_odds.reserve(deps);
        self.dep_terms.reserve(n_terms);
        self.dep_start = Vec::with_capacity(deps + 1);
        self.dep_start.push(0);
        // Per unknown: its own log-odds, then the dependent ones it moves (counted, then
        // placed).
        self.col_start = vec![0; k + 1];
        for (_, terms) in &relations.dependent {
            for &(t, _) in terms {
                self.col_start[t as usize + 1] += 1;
            }
        }
        for t in 0..k {
            self.col_start[t + 1] += self.col_start[t] + 1;
        }
        self.col_terms = vec![(0, 0.0); k + n_terms];
        let mut fill: Vec<u32> = self.col_start[..k].to_vec();
        for (t, &o) in self.free.iter().enumerate() {
            self.col_terms[fill[t] as usize] = (o, 1.0);
            fill[t] += 1;
        }
        for (o, terms) in &relations.dependent {
            self.dep_odds.push(*o);
            for &(t, c) in terms {
                self.dep_terms.push((t, c));
                self.col_terms[fill[t as usize] as usize] = (*o, c);
                fill[t as usize] += 1;
            }
            self.dep_start.push(self.dep_terms.len() as u32);
        }
        self.dep_const = vec![0.0; deps];
        self.free_pos = self.free.iter().map(|&o| self.red_full[o as usize]).collect();
        self.dep_pos = self.dep_odds.iter().map(|&o| self.red_full[o as usize]).collect();
        // Each unknown's sets to visit: the union of its log-odds' sets' lists.
        let limit = 8 * game.n_nodes() + 100_000;
        if !self.affected.is_empty() {
            let mut list: Vec<u32> = Vec::new();
            self.col_affected.reserve(k);
            for t in 0..k {
                let terms = &self.col_terms[self.col_start[t] as usize..self.col_start[t + 1] as usize];
                list.clear();
                for &(o, _) in terms {
                    let (a, b) = self.affected_range[self.red_op[o as usize] as usize];
                    list.extend_from_slice(&self.affected[a as usize..b as usize]);
                }
                list.sort_unstable();
                list.dedup();
                if self.affected.len() + list.len() > limit {
                    self.col_affected.clear();
                    break;
                }
                let start = self.affected.len() as u32;
                self.affected.extend_from_slice(&list);
                self.col_affected.push((start, self.affected.len() as u32));
            }
        }
        self.z_all = vec![0.0; r + 1];
        self.z_all2 = vec![0.0; r + 1];
        debug_assert_eq!(self.col_start.len(), k + 1);
    }

    /// The constants of the relations among the log-odds for the loaded chance
    /// probabilities (see the field `free`), and whether they are all finite.
    fn load_relations(&mut self) {
        self.reduced = false;
        if self.dep_odds.is_empty() {
            return;
        }
        // ln P of the chance actions only along the paths.
        let mut per_action = std::mem::take(&mut self.dlogp);
        per_action.fill(0.0);
        for op in self.ops.iter().filter(|op| op.col == u32::MAX) {
            let range = op.off as usize..(op.off + op.k) as usize;
            per_action[range.clone()].copy_from_slice(&self.chance_logp[range]);
        }
        let mut reach = std::mem::take(&mut self.dlog_reach);
        path_sums(&self.reach_steps, &per_action, &mut reach);
        let constant = |j: usize| {
            let (a, b) = self.odds_pairs[j];
            reach[a as usize] - reach[b as usize]
        };
        let mut finite = true;
        for i in 0..self.dep_odds.len() {
            let range = self.dep_start[i] as usize..self.dep_start[i + 1] as usize;
            let mut d = constant(self.dep_odds[i] as usize);
            for &(t, c) in &self.dep_terms[range] {
                d -= c * constant(self.free[t as usize] as usize);
            }
            finite &= d.is_finite();
            self.dep_const[i] = d;
        }
        per_action.fill(0.0);
        reach.fill(0.0);
        self.dlogp = per_action;
        self.dlog_reach = reach;
        self.reduced = finite;
    }

    /// Copies the movers' outcome payoffs into `mbase` and the logarithms of the chance
    /// probabilities into `chance_logp` (after the numbers were refilled), and sets the
    /// constants of the relations among the log-odds.
    fn load_payoffs(&mut self, game: &Game) {
        self.cached_lambda = None;
        self.values_loaded = false;
        for (l, &p) in self.chance_logp.iter_mut().zip(&game.chance_probs) {
            *l = if p > 0.0 { math::ln(p) } else { f64::NEG_INFINITY };
        }
        self.load_relations();
        let nm = self.nm;
        for node in 0..game.n_nodes() {
            let base = &mut self.mbase[node * nm..node * nm + nm];
            match game.node_outcome(node) {
                Some(o) => {
                    let payoffs = game.outcome_payoffs(o);
                    for (b, &p) in base.iter_mut().zip(&self.movers) {
                        *b = payoffs[p];
                    }
                }
                None => base.fill(0.0),
            }
        }
    }

    /// Profile and node values from the log-beliefs `u` (one pass over the sets).
    fn backward(&mut self, game: &Game, u: &[f64], lambda: f64) {
        let nm = self.nm;
        let reuse = self.cached_lambda == Some(lambda.to_bits());
        let first_pass = !self.values_loaded;
        if first_pass {
            // Terminal nodes keep these values for the whole trace, and chance sets their
            // probabilities; every pass rewrites the nodes of the sets it visits.
            self.mvals.copy_from_slice(&self.mbase);
            self.values_loaded = true;
        }
        let mut pass = Pass {
            nm,
            nodes: &self.set_nodes,
            firsts: &self.set_first,
            mvals: &mut self.mvals,
            mbase: &self.mbase,
            prob: &mut self.prob,
            logp: &mut self.logp,
            q: &mut self.q,
            u,
            beliefs: &mut self.beliefs,
            lambda,
        };
        if first_pass {
            for op in self.ops.iter().filter(|op| op.col == u32::MAX) {
                let (off, k) = (op.off as usize, op.k as usize);
                pass.prob[off..off + k].copy_from_slice(&game.chance_probs[off..off + k]);
                pass.logp[off..off + k].copy_from_slice(&self.chance_logp[off..off + k]);
            }
        }
        // Specialised for the usual numbers of movers and actions (0: any).
        match nm {
            1 => pass.sets::<1>(&self.ops, reuse),
            2 => pass.sets::<2>(&self.ops, reuse),
            3 => pass.sets::<3>(&self.ops, reuse),
            4 => pass.sets::<4>(&self.ops, reuse),
            _ => pass.sets::<0>(&self.ops, reuse),
        }
        self.cached_lambda = Some(lambda.to_bits());
    }

    /// For every set of `ops`, whether the log-probabilities the forward pass reads
    /// from it must be normalised.
    ///
    /// The log reach probabilities are only ever compared between nodes of one set with
    /// beliefs (the log-odds, and the log-beliefs normalised within a set), and a path
    /// from the root passes through a set at most once. A set's normaliser
    /// `logsumexp(λQ)` is a term of the log reach of every node below it, so it cancels
    /// from those comparisons unless some set with beliefs has nodes both below and not
    /// below it. In `signal_3p_two_receivers`, the first receiver's three sets are above
    /// all or none of each second-receiver set's nodes, which skips three of the five
    /// logarithms of each pass; the sender's are needed (its two types' paths differ).
    /// Where the walk up from every node with beliefs would be too long, every set is
    /// normalised.
    fn log_norms(&self, game: &Game) -> Vec<bool> {
        let n_sets = game.infosets().len();
        // Set index (in `game`) → position in `ops`.
        let mut op_of = vec![0usize; n_sets];
        for (i, op) in self.ops.iter().enumerate() {
            op_of[game.node_infoset[self.set_nodes[op.start as usize] as usize] as usize] = i;
        }
        let mut norm = vec![false; self.ops.len()];
        let mut count = vec![0u32; self.ops.len()];
        let mut touched: Vec<usize> = Vec::new();
        let mut work = 0usize;
        for op in self.ops.iter().filter(|op| op.belief != NONE) {
            for &node in &self.set_nodes[op.nodes()] {
                let mut n = node as usize;
                while let Some(parent) = game.parent(n) {
                    work += 1;
                    if work > WALK_LIMIT {
                        return vec![true; self.ops.len()];
                    }
                    let i = op_of[game.node_infoset[parent] as usize];
                    if count[i] == 0 {
                        touched.push(i);
                    }
                    count[i] += 1;
                    n = parent;
                }
            }
            for &i in &touched {
                norm[i] |= count[i] != op.len;
                count[i] = 0;
            }
            touched.clear();
        }
        norm
    }

    /// Log-beliefs implied by the current profile into `out`.
    fn forward(&mut self, out: &mut [f64]) {
        path_sums(&self.reach_steps, &self.logp, &mut self.log_reach);
        self.normalize_beliefs(out);
    }

    /// Log-beliefs from the log reach probabilities of the last pass into `out`.
    fn normalize_beliefs(&self, out: &mut [f64]) {
        for op in &self.ops {
            if op.belief == NONE {
                continue;
            }
            let b = op.belief as usize;
            let nodes = &self.set_nodes[op.nodes()];
            let m = nodes
                .iter()
                .map(|&n| self.log_reach[n as usize])
                .fold(f64::NEG_INFINITY, f64::max);
            if m == f64::NEG_INFINITY {
                let uniform = -math::ln(nodes.len() as f64);
                out[b..b + nodes.len()].fill(uniform);
                continue;
            }
            let total: f64 = nodes
                .iter()
                .map(|&n| exp_nonpositive(self.log_reach[n as usize] - m))
                .sum();
            let log_total = math::ln(total);
            for (j, &n) in nodes.iter().enumerate() {
                out[b + j] = (self.log_reach[n as usize] - m - log_total).max(LOG_FLOOR);
            }
        }
    }

    /// Maximum |σ − logit response to σ| over the sets with several nodes (singleton
    /// sets are exact by construction), with beliefs `u` implied by σ and the node
    /// values of σ in `mvals`.
    fn residual(&self, u: &[f64], lambda: f64) -> f64 {
        let nm = self.nm;
        let mut worst = 0.0f64;
        let mut q = [0.0f64; 64];
        for op in &self.ops {
            if op.belief == NONE {
                continue;
            }
            let b = op.belief as usize;
            let off = op.off as usize;
            let k = op.k as usize;
            if k > q.len() {
                return f64::NAN;
            }
            let col = op.col as usize;
            let firsts = &self.set_first[op.nodes()];
            q[..k].fill(0.0);
            let mut total = 0.0;
            for (j, &first) in firsts.iter().enumerate() {
                let w = math::exp(u[b + j]);
                total += w;
                let first = first as usize;
                for a in 0..k {
                    q[a] += w * self.mvals[(first + a) * nm + col];
                }
            }
            let best = q[..k].iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v / total));
            let sum: f64 = q[..k]
                .iter()
                .map(|&v| math::exp(lambda * (v / total - best)))
                .sum();
            for a in 0..k {
                let response = math::exp(lambda * (q[a] / total - best)) / sum;
                let d = (self.prob[off + a] - response).abs();
                worst = if d.is_nan() { f64::NAN } else { worst.max(d) };
            }
        }
        worst
    }
}

/// Node values of a set's `nodes` (first children `firsts`) from their children's,
/// `nm` mover columns per node. Without `scale`, `weights` are the action
/// probabilities (chance sets); with it, they are a logit choice's exponentials and
/// `scale` is 1/Σ: the sums over the children then start before the division is done
/// and are scaled once after. Specialised for the usual numbers of movers (`NM`; 0 for
/// any number up to 16, read from `nm`) and actions (`K`).
#[inline(always)]
fn accumulate<const NM: usize, const K: usize>(
    mvals: &mut [f64],
    mbase: &[f64],
    nm: usize,
    nodes: &[u32],
    firsts: &[u32],
    weights: &[f64],
    scale: Option<f64>,
) {
    let nm = if NM == 0 { nm } else { NM };
    let k = if K == 0 { weights.len() } else { K };
    let weights = &weights[..k];
    for (&n, &first) in nodes.iter().zip(firsts) {
        let (n, first) = (n as usize, first as usize);
        let base = &mbase[n * nm..n * nm + nm];
        let mut acc = [0.0f64; 16];
        let acc = &mut acc[..nm];
        if scale.is_none() {
            acc.copy_from_slice(base);
        }
        let children = &mvals[first * nm..(first + k) * nm];
        for (child, &w) in children.chunks_exact(nm).zip(weights) {
            if w != 0.0 {
                for (a, c) in acc.iter_mut().zip(child) {
                    *a += w * c;
                }
            }
        }
        if let Some(inv) = scale {
            for (a, &b) in acc.iter_mut().zip(base) {
                *a = b + *a * inv;
            }
        }
        mvals[n * nm..n * nm + nm].copy_from_slice(acc);
    }
}

/// One information set's facts for the backward pass: first global action and number
/// of actions, range into `set_nodes`/`set_first`, the mover's column (`u32::MAX` for
/// chance), first belief unknown (NONE for singletons and chance), whether its values
/// depend on the beliefs, and whether the forward pass reads its log-probabilities.
#[derive(Clone, Copy, Debug, Default)]
struct SetOp {
    off: u32,
    k: u32,
    start: u32,
    len: u32,
    col: u32,
    belief: u32,
    dep: bool,
    needs_logp: bool,
    /// Whether the log-probabilities the forward pass reads must be normalised (see
    /// [`Sweep::log_norms`]); otherwise they are λ(Q_a − max Q), without the logarithm.
    log_norm: bool,
    /// A set's first node and that node's first child: the whole set when it is a
    /// player's singleton, read without the `set_nodes`/`set_first` indirection.
    node0: u32,
    first0: u32,
    /// How the backward pass takes the set: 4 × [`OpKind`] + (0 for any number of
    /// actions, 1–3 for 2–4 actions).
    kind: u8,
}

/// The backward pass's cases, chosen once per set: a player's singleton set with or
/// without the log-probabilities the forward pass reads, and every other set (several
/// nodes, or chance) by the general [`Pass::set`].
#[repr(u8)]
enum OpKind {
    General = 0,
    Single = 1,
    SingleLogs = 2,
    /// Two nodes (a player's set with beliefs, or chance): [`Pass::set`] unrolled.
    Pair = 3,
}

impl SetOp {
    /// The set's range in `set_nodes` and `set_first`.
    fn nodes(&self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// The arrays one backward pass reads and writes.
struct Pass<'a> {
    nm: usize,
    nodes: &'a [u32],
    firsts: &'a [u32],
    mvals: &'a mut [f64],
    mbase: &'a [f64],
    prob: &'a mut [f64],
    logp: &'a mut [f64],
    q: &'a mut [f64],
    u: &'a [f64],
    /// Per node with beliefs: its belief under `u` (see [`Sweep::beliefs`]).
    beliefs: &'a mut [f64],
    lambda: f64,
}

impl Pass<'_> {
    /// Every set of `ops` in order (with `skip_independent`, only those whose values
    /// depend on the beliefs: the others still hold this λ's numbers).
    fn sets<const NM: usize>(&mut self, ops: &[SetOp], skip_independent: bool) {
        for op in ops {
            if skip_independent && !op.dep {
                continue;
            }
            // One dense byte, so the match is one table jump.
            match op.kind {
                0 => self.set::<NM, 0, 0>(op),
                1 => self.set::<NM, 2, 0>(op),
                2 => self.set::<NM, 3, 0>(op),
                3 => self.set::<NM, 4, 0>(op),
                4 => self.single::<NM, 0, false>(op),
                5 => self.single::<NM, 2, false>(op),
                6 => self.single::<NM, 3, false>(op),
                7 => self.single::<NM, 4, false>(op),
                8 => self.single::<NM, 0, true>(op),
                9 => self.single::<NM, 2, true>(op),
                10 => self.single::<NM, 3, true>(op),
                11 => self.single::<NM, 4, true>(op),
                12 => self.set::<NM, 0, 2>(op),
                13 => self.set::<NM, 2, 2>(op),
                14 => self.set::<NM, 3, 2>(op),
                _ => self.set::<NM, 4, 2>(op),
            }
        }
    }

    /// A player's singleton set: [`Pass::set`] without beliefs, reading the node and
    /// its first child from the record. The same arithmetic, so the same bits.
    #[inline(always)]
    fn single<const NM: usize, const K: usize, const LOGS: bool>(&mut self, op: &SetOp) {
        let nm = if NM == 0 { self.nm } else { NM };
        let k = if K == 0 { op.k as usize } else { K };
        // `col < nm` by construction; the clamp lets the compiler drop the per-child
        // bounds checks below.
        let (off, col) = (op.off as usize, (op.col as usize).min(nm - 1));
        let first = op.first0 as usize;
        let children = &self.mvals[first * nm..(first + k) * nm];
        let q = &mut self.q[off..off + k];
        for (qa, child) in q.iter_mut().zip(children.chunks_exact(nm)) {
            *qa = child[col];
        }
        let prob = &mut self.prob[off..off + k];
        let inv = if LOGS {
            logit_exps_with_logs(q, &mut self.logp[off..off + k], prob, self.lambda, op.log_norm)
        } else {
            logit_exps(q, prob, self.lambda)
        };
        accumulate::<NM, K>(
            self.mvals,
            self.mbase,
            nm,
            std::slice::from_ref(&op.node0),
            std::slice::from_ref(&op.first0),
            prob,
            Some(inv),
        );
        for p in prob.iter_mut() {
            *p *= inv;
        }
    }

    /// One set of the backward pass: action values (under the beliefs for a set with
    /// several nodes), the logit choice (chance sets keep their loaded
    /// probabilities), then the values of the set's nodes. `NM` movers and `K` actions
    /// when not 0 (then read from the pass and the set), so the loops unroll.
    #[inline(always)]
    fn set<const NM: usize, const K: usize, const L: usize>(&mut self, op: &SetOp) {
        let nm = if NM == 0 { self.nm } else { NM };
        let k = if K == 0 { op.k as usize } else { K };
        let (off, len) = (op.off as usize, if L == 0 { op.len as usize } else { L });
        let start = op.start as usize;
        let (nodes, firsts) = (&self.nodes[start..start + len], &self.firsts[start..start + len]);
        if op.col != u32::MAX {
            let col = op.col as usize;
            let q = &mut self.q[off..off + k];
            if op.belief == NONE {
                let first = firsts[0] as usize;
                let children = &self.mvals[first * nm..(first + k) * nm];
                for (a, qa) in q.iter_mut().enumerate() {
                    *qa = children[a * nm + col];
                }
            } else {
                q.fill(0.0);
                let b = op.belief as usize;
                let beliefs = &self.u[b..b + len];
                let out = &mut self.beliefs[b..b + len];
                let m = largest(beliefs);
                let mut total = 0.0;
                for ((&x, &first), o) in beliefs.iter().zip(firsts).zip(out.iter_mut()) {
                    let x = x - m;
                    // exp(0) = 1 exactly: the likeliest node skips the call.
                    let w = if x == 0.0 { 1.0 } else { exp_nonpositive(x) };
                    *o = w;
                    total += w;
                    let first = first as usize;
                    let children = &self.mvals[first * nm..(first + k) * nm];
                    for (a, qa) in q.iter_mut().enumerate() {
                        *qa += w * children[a * nm + col];
                    }
                }
                let inv = 1.0 / total;
                for qa in q.iter_mut() {
                    *qa *= inv;
                }
                for o in out.iter_mut() {
                    *o /= total;
                }
            }
            let prob = &mut self.prob[off..off + k];
            let inv = if op.needs_logp {
                logit_exps_with_logs(q, &mut self.logp[off..off + k], prob, self.lambda, op.log_norm)
            } else {
                logit_exps(q, prob, self.lambda)
            };
            accumulate::<NM, K>(self.mvals, self.mbase, nm, nodes, firsts, prob, Some(inv));
            for p in prob.iter_mut() {
                *p *= inv;
            }
            return;
        }
        // Chance: the loaded probabilities.
        let prob = &self.prob[off..off + k];
        accumulate::<NM, K>(self.mvals, self.mbase, nm, nodes, firsts, prob, None);
    }
}

/// The arrays one tangent (directional derivative) pass reads and writes.
struct TangentPass<'a> {
    nm: usize,
    nodes: &'a [u32],
    firsts: &'a [u32],
    mvals: &'a [f64],
    dmvals: &'a mut [f64],
    prob: &'a [f64],
    q: &'a [f64],
    dlogp: &'a mut [f64],
    dirty: &'a mut [bool],
    touched: &'a mut Vec<u32>,
    /// The beliefs of the last backward pass (`Sweep::beliefs`), at this point.
    beliefs: &'a [f64],
    dir: &'a [f64],
    lambda: f64,
    dlambda: f64,
}

impl TangentPass<'_> {
    /// One set of the tangent pass (see [`Sweep::tangent_pass`]), unrolled like
    /// [`Pass::set`].
    #[inline(always)]
    fn set<const NM: usize, const K: usize>(&mut self, op: &SetOp) {
        let nm = if NM == 0 { self.nm } else { NM };
        let k = if K == 0 { op.k as usize } else { K };
        let (off, len) = (op.off as usize, op.len as usize);
        let (nodes, firsts) = (&self.nodes[op.nodes()], &self.firsts[op.nodes()]);
        let belief = op.belief;
        let active = self.dlambda != 0.0
            || (belief != NONE
                && self.dir[belief as usize..belief as usize + len]
                    .iter()
                    .any(|&d| d != 0.0))
            || firsts.iter().any(|&first| {
                let first = first as usize;
                self.dirty[first..first + k].iter().any(|&d| d)
            });
        let dq = &mut self.dlogp[off..off + k];
        if !active {
            dq.fill(0.0);
            return;
        }
        for &n in nodes {
            self.dirty[n as usize] = true;
            self.touched.push(n);
        }
        if op.col == u32::MAX {
            dq.fill(0.0);
        } else {
            let col = op.col as usize;
            // dQ into dlogp first.
            if belief == NONE {
                let first = firsts[0] as usize;
                let children = &self.dmvals[first * nm..(first + k) * nm];
                for a in 0..k {
                    dq[a] = children[a * nm + col];
                }
            } else {
                dq.fill(0.0);
                let b = belief as usize;
                // The beliefs, from the backward pass at this point.
                let mu = &self.beliefs[b..b + len];
                let du = &self.dir[b..b + len];
                let mean_du: f64 = mu.iter().zip(du).map(|(&w, &d)| w * d).sum();
                for (j, &first) in firsts.iter().enumerate() {
                    let w = mu[j];
                    let dw = w * (du[j] - mean_du);
                    let first = first as usize;
                    let children = &self.mvals[first * nm..(first + k) * nm];
                    let dchildren = &self.dmvals[first * nm..(first + k) * nm];
                    for a in 0..k {
                        let c = a * nm + col;
                        dq[a] += dw * children[c] + w * dchildren[c];
                    }
                }
            }
            let q = &self.q[off..off + k];
            let prob = &self.prob[off..off + k];
            let mut mean = 0.0;
            for a in 0..k {
                let e = self.dlambda * q[a] + self.lambda * dq[a];
                dq[a] = e;
                mean += prob[a] * e;
            }
            for d in dq.iter_mut() {
                *d -= mean;
            }
        }
        let dlogp = &self.dlogp[off..off + k];
        let prob = &self.prob[off..off + k];
        for (&n, &first) in nodes.iter().zip(firsts) {
            let (n, first) = (n as usize, first as usize);
            let mut acc = [0.0f64; 16];
            let acc = &mut acc[..nm];
            let children = &self.mvals[first * nm..(first + k) * nm];
            let dchildren = &self.dmvals[first * nm..(first + k) * nm];
            for a in 0..k {
                let pa = prob[a];
                let dpa = pa * dlogp[a];
                let c = &children[a * nm..a * nm + nm];
                let dc = &dchildren[a * nm..a * nm + nm];
                for j in 0..nm {
                    acc[j] += dpa * c[j] + pa * dc[j];
                }
            }
            self.dmvals[n * nm..n * nm + nm].copy_from_slice(acc);
        }
    }
}

/// The largest of `v` (−∞ for none), ignoring NaN like `f64::max` but with one
/// comparison per entry.
#[inline(always)]
fn largest(v: &[f64]) -> f64 {
    v.iter()
        .fold(f64::NEG_INFINITY, |m, &x| if x > m { x } else { m })
}

/// The exponentials of the logit choice at the action values `q`, e^(λ(Q_a − max Q)),
/// into `prob`, and their logarithms `λq − logsumexp(λq)` into `logp`; without
/// `normalize`, `λ(Q_a − max Q)` instead (the log-probabilities up to the set's
/// constant, see [`Sweep::log_norms`]). Returns 1/Σ: the caller sums the set's
/// children with the exponentials while the division runs, and then scales `prob` to
/// the probabilities (see [`accumulate`]).
#[inline(always)]
fn logit_exps_with_logs(q: &[f64], logp: &mut [f64], prob: &mut [f64], lambda: f64, normalize: bool) -> f64 {
    let best = largest(q);
    let mut sum = 0.0;
    for ((&v, l), p) in q.iter().zip(logp.iter_mut()).zip(prob.iter_mut()) {
        *l = lambda * (v - best);
        // exp(0) = 1 exactly: the best action (or every action at λ = 0) skips the call.
        *p = if *l == 0.0 { 1.0 } else { exp_nonpositive(*l) };
        sum += *p;
    }
    if normalize {
        let log_sum = math::ln(sum);
        for l in logp.iter_mut() {
            *l -= log_sum;
        }
    }
    1.0 / sum
}

/// Sums of `per_action` along the paths from the root to the nodes of `steps` (node,
/// parent, action into it; ascending, closed under parents) into `out`: log reach
/// probabilities and their derivatives.
fn path_sums(steps: &[[u32; 3]], per_action: &[f64], out: &mut [f64]) {
    out[0] = 0.0;
    for &[node, parent, action] in steps {
        out[node as usize] = out[parent as usize] + per_action[action as usize];
    }
}

/// [`logit_exps_with_logs`] without the logarithms.
#[inline(always)]
fn logit_exps(q: &[f64], prob: &mut [f64], lambda: f64) -> f64 {
    let best = largest(q);
    let mut sum = 0.0;
    for (&l, p) in q.iter().zip(prob.iter_mut()) {
        let x = lambda * (l - best);
        *p = if x == 0.0 { 1.0 } else { exp_nonpositive(x) };
        sum += *p;
    }
    1.0 / sum
}

/// Why the belief continuation stopped without an answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GaveUp {
    pub lambda_reached: f64,
}

/// Anderson-accelerated fixed point of the belief map at `lambda`, starting from
/// `s.u_pred`. On success `s.u` holds the fixed point, `s.prob` the profile and `mvals`
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
        s.backward(game, &u, lambda);
        s.forward(&mut u_next);
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
            if residual_tol.is_infinite() || s.residual(&u_next, lambda) <= residual_tol {
                // A fixed point far from the prediction may lie on another branch.
                let moved = belief_distance(&u[..m], &s.u_pred[..m]);
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
            solved = lu_factor(&mut s.small, &mut s.small_pivots, k)
                && lu_solve_factored(&s.small, &s.small_pivots, &mut s.gamma, k);
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
/// QRE (player and chance entries).
pub(crate) fn trace_beliefs(
    game: &Game,
    s: &mut Sweep,
    target: f64,
    tolerance: f64,
    max_steps: usize,
) -> Result<(), GaveUp> {
    s.ensure_anderson();
    s.load_payoffs(game);
    // At λ = 0 play is uniform whatever the beliefs.
    s.u.fill(0.0);
    let mut u = std::mem::take(&mut s.u);
    s.backward(game, &u, 0.0);
    s.forward(&mut u);
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
        let r = correct(game, s, lambda_next, path_tol, residual_tol, 60, 0.5);
        match r {
            Some(iterations) => {
                // Fold guard: a turning point of the branch shows up as beliefs that
                // move much faster per unit of λ than on the previous step, and keep
                // doing so however short the step (the corrector found another branch).
                // Such steps are refused; the arclength tracer handles the fold.
                let change = (0..s.u.len()).fold(0.0f64, |d, j| {
                    d.max((math::exp(s.u[j]) - math::exp(s.accepted[j])).abs())
                });
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

impl Sweep {
    /// Derivatives of the log reach probabilities (`dlog_reach`) at the last
    /// [`Sweep::eval_r`] point (log-beliefs and λ `z`) in direction `dir` (m + 1
    /// entries: log-beliefs, then λ).
    ///
    /// With `only`, the pass visits just the sets of that range of `affected` (a set's
    /// list, or an unknown's in `col_affected`): the direction must then move nothing
    /// but the beliefs of the sets whose lists were merged into it (the other sets keep
    /// `dlogp` and node derivatives 0).
    fn tangent_pass(&mut self, z: &[f64], dir: &[f64], only: Option<(u32, u32)>) {
        if only.is_some() {
            if self.dlogp_full {
                self.dlogp.fill(0.0);
            } else {
                for &i in &self.dlogp_written {
                    let op = self.ops[i as usize];
                    self.dlogp[op.off as usize..(op.off + op.k) as usize].fill(0.0);
                }
            }
        }
        self.dlogp_written.clear();
        self.dlogp_full = only.is_none();
        let nm = self.nm;
        let m = self.belief_nodes.len();
        let lambda = z[m];
        let dlambda = dir[m];
        // Only the sets whose action values move are processed: those with a moving
        // belief, a child with a moving value, or all of them when λ moves. The others
        // keep `dmvals` 0 (terminal nodes always; the nodes written by the previous
        // pass are cleared first) and `dlogp` 0. A unit direction on one belief thus
        // costs the path from its set up to the root instead of a whole pass.
        for &n in &self.touched {
            let n = n as usize;
            self.dmvals[n * nm..n * nm + nm].fill(0.0);
            self.dirty[n] = false;
        }
        self.touched.clear();
        let mut pass = TangentPass {
            nm,
            nodes: &self.set_nodes,
            firsts: &self.set_first,
            mvals: &self.mvals,
            dmvals: &mut self.dmvals,
            prob: &self.prob,
            q: &self.q,
            dlogp: &mut self.dlogp,
            dirty: &mut self.dirty,
            touched: &mut self.touched,
            beliefs: &self.beliefs,
            dir,
            lambda,
            dlambda,
        };
        match only {
            Some((a, b)) => {
                let list = &self.affected[a as usize..b as usize];
                for &j in list {
                    let op = &self.ops[j as usize];
                    by_shape!(pass, nm, op);
                }
                self.dlogp_written.extend_from_slice(list);
            }
            None => {
                for op in &self.ops {
                    by_shape!(pass, nm, op);
                }
            }
        }
        path_sums(&self.reach_steps, &self.dlogp, &mut self.dlog_reach);
    }
}

impl Sweep {
    /// The log-probabilities of every player action under the logit choice at `lambda`
    /// from the action values of the last pass, into `out` (indexed by global action;
    /// chance actions are left as they are). Exact where a probability underflows to 0.
    pub(crate) fn log_probs(&self, lambda: f64, out: &mut [f64]) {
        for op in self.ops.iter().filter(|op| op.col != u32::MAX) {
            let (off, k) = (op.off as usize, op.k as usize);
            let q = &self.q[off..off + k];
            let best = largest(q);
            let log_sum = math::ln(
                q.iter()
                    .map(|&v| exp_nonpositive(lambda * (v - best)))
                    .sum::<f64>(),
            );
            for (l, &v) in out[off..off + k].iter_mut().zip(q) {
                *l = lambda * (v - best) - log_sum;
            }
        }
    }

    /// Where the reference tracer can take over from a belief trace that gave up: the
    /// log-probabilities of every player action (indexed by global action) at the older
    /// of the trace's two checkpoints, `at`, and at the accepted point before it,
    /// `before`, with their λ. `None` when the trace has not yet run two checkpoint
    /// spacings ([`RESTART_SPACING`]); the reference tracer then starts at λ = 0.
    ///
    /// The point the trace stopped at can lie off the branch (next to a nearly singular
    /// point, the accepted points are within the path tolerance in |G| but up to 2e-4
    /// from the branch), and so can the last few before it; the older checkpoint lies
    /// at least one spacing of arclength further back.
    pub(crate) fn restart_point(
        &mut self,
        game: &Game,
        at: &mut [f64],
        before: &mut [f64],
    ) -> Option<(f64, f64)> {
        let m = self.n_reduced();
        let mut arc = std::mem::take(&mut self.arc);
        let lambdas = arc.older.valid.then(|| {
            self.eval_r(game, &arc.older.before, &mut arc.g);
            self.log_probs(arc.older.before[m], before);
            self.eval_r(game, &arc.older.at, &mut arc.g);
            self.log_probs(arc.older.at[m], at);
            (arc.older.at[m], arc.older.before[m])
        });
        self.arc = arc;
        lambdas
    }

    /// The tracer's coordinates (log-odds, λ) of a profile given by the log-probabilities
    /// of its player actions in `per_action` (indexed by global action; its chance
    /// entries are overwritten) at `lambda`, into `out`; or, with `direction`, of a
    /// direction given by the changes of those log-probabilities and of λ (the log-odds
    /// are sums of log-probabilities along paths, so the map is linear but for the
    /// chance terms, and the clamps, which it ignores: the direction only orients the
    /// resumed trace). `reach` is scratch per node.
    pub(crate) fn odds_of(
        &self,
        per_action: &mut [f64],
        lambda: f64,
        direction: bool,
        reach: &mut [f64],
        out: &mut [f64],
    ) {
        for op in self.ops.iter().filter(|op| op.col == u32::MAX) {
            let range = op.off as usize..(op.off + op.k) as usize;
            if direction {
                per_action[range].fill(0.0);
            } else {
                per_action[range.clone()].copy_from_slice(&self.chance_logp[range]);
            }
        }
        path_sums(&self.reach_steps, per_action, reach);
        let r = self.red_full.len();
        for j in 0..r {
            let (a, b) = self.odds_pairs[j];
            let (a, b) = (reach[a as usize], reach[b as usize]);
            out[j] = if direction {
                a - b
            } else if a == b {
                0.0
            } else {
                (a - b).clamp(-ODDS_BOUND, ODDS_BOUND)
            };
        }
        // Reduced: only the free log-odds (ascending, so `free[t] ≥ t`).
        let k = self.n_reduced();
        if self.reduced {
            for t in 0..k {
                out[t] = out[self.free[t] as usize];
            }
        }
        out[k] = lambda;
    }

    /// Number of log-odds of all the sets with beliefs (the tracer's unknowns unless
    /// reduced): [`Sweep::odds_of`] needs this many entries, plus one.
    pub(crate) fn n_odds(&self) -> usize {
        self.red_full.len()
    }

    /// The arclength of the last belief trace from its older checkpoint (the one
    /// [`Sweep::restart_point`] returns) to where it stopped.
    pub(crate) fn checkpoint_distance(&self) -> f64 {
        self.arc.length - self.arc.older.length
    }

    /// Number of the arclength tracer's unknowns (log-odds): the independent ones
    /// when reduced (see the field `free`).
    pub(crate) fn n_reduced(&self) -> usize {
        if self.reduced {
            self.free.len()
        } else {
            self.red_full.len()
        }
    }

    /// Every log-odds of the reduced point `z` (the free ones, then λ) into `out`; with
    /// `constants` false, of the direction `z` (or the G values, without λ).
    fn all_odds(&self, z: &[f64], out: &mut [f64], constants: bool) {
        let k = self.free.len();
        for t in 0..k {
            out[self.free[t] as usize] = z[t];
        }
        self.for_dependents(z, constants, |i, v| out[self.dep_odds[i] as usize] = v);
        if z.len() > k {
            out[self.red_full.len()] = z[k];
        }
    }

    /// Log-beliefs (and λ) of the log-odds point `z` into `x_full`.
    ///
    /// Only the entries of the log-odds are written: the others, each set's first node,
    /// hold 0 from the start.
    fn expand(&mut self, z: &[f64]) {
        let r = self.red_full.len();
        let m = self.belief_nodes.len();
        let mut x = std::mem::take(&mut self.x_full);
        if self.reduced {
            // `all_odds` written straight into place.
            let k = self.free.len();
            for (&p, &v) in self.free_pos.iter().zip(&z[..k]) {
                x[p as usize] = v;
            }
            let dep_pos = &self.dep_pos;
            self.for_dependents(z, true, |i, v| x[dep_pos[i] as usize] = v);
            x[m] = z[k];
            self.x_full = x;
            return;
        }
        for j in 0..r {
            x[self.red_full[j] as usize] = z[j];
        }
        x[m] = z[r];
        self.x_full = x;
    }

    /// The dependent log-odds `dep_odds[i]` at the independent ones `z` (a point, with
    /// the constants, or a direction, without), passed to `f(i, value)` in order. Each
    /// is its constant plus its terms, summed in their order.
    #[inline(always)]
    fn for_dependents(&self, z: &[f64], constants: bool, mut f: impl FnMut(usize, f64)) {
        // The terms of the dependent log-odds are contiguous, in order.
        let mut terms = self.dep_terms.iter();
        for (i, (&c0, ends)) in self.dep_const.iter().zip(self.dep_start.windows(2)).enumerate() {
            let mut v = if constants { c0 } else { 0.0 };
            for &(t, c) in terms.by_ref().take((ends[1] - ends[0]) as usize) {
                v += c * z[t as usize];
            }
            f(i, v);
        }
    }

    /// The log-odds of unknown `t`: `free[t]` when reduced.
    #[inline]
    fn odds_index(&self, t: usize) -> usize {
        if self.reduced { self.free[t] as usize } else { t }
    }

    /// The log-odds a unit change of unknown `t` moves, with their changes: itself
    /// alone, or, when reduced, `free[t]` and the dependent log-odds.
    #[inline]
    fn unknown_terms(&self, t: usize) -> &[(u32, f64)] {
        if self.reduced {
            &self.col_terms[self.col_start[t] as usize..self.col_start[t + 1] as usize]
        } else {
            &self.unit_terms[t..t + 1]
        }
    }

    /// The range of `affected` listing the sets whose action values move with unknown
    /// `t` (when [`Sweep::restricted_passes`]).
    #[inline]
    fn unknown_sets(&self, t: usize) -> (u32, u32) {
        if self.reduced {
            self.col_affected[t]
        } else {
            self.affected_range[self.red_op[t] as usize]
        }
    }

    /// Whether a pass for one unknown may visit only the sets it moves: the lists were
    /// built (they are skipped when they would grow too long).
    #[inline]
    fn restricted_passes(&self) -> bool {
        !self.affected.is_empty() && (!self.reduced || !self.col_affected.is_empty())
    }

    /// G in log-odds, `Y(z, λ) − z`, into `g` (r entries): one backward pass (profile
    /// and node values) and the log reach probabilities of the nodes with beliefs.
    /// Y_j is the log reach difference ln P(node_j) − ln P(node_0), clamped to ±`ODDS_BOUND`
    /// (0 when neither is reached): no normalisation is needed.
    fn eval_r(&mut self, game: &Game, z: &[f64], g: &mut [f64]) {
        let r = self.n_reduced();
        let m = self.belief_nodes.len();
        self.expand(z);
        let x = std::mem::take(&mut self.x_full);
        self.backward(game, &x[..m], x[m]);
        self.x_full = x;
        path_sums(&self.reach_steps, &self.logp, &mut self.log_reach);
        for j in 0..r {
            g[j] = self.reach_odds(self.odds_index(j)) - z[j];
        }
        self.u_next_fresh = false;
    }

    /// Y_j of [`Sweep::eval_r`] from the log reach probabilities of the last pass.
    #[inline]
    fn reach_odds(&self, j: usize) -> f64 {
        let (a, b) = self.odds_pairs[j];
        let (a, b) = (self.log_reach[a as usize], self.log_reach[b as usize]);
        if a == b {
            0.0
        } else {
            (a - b).clamp(-ODDS_BOUND, ODDS_BOUND)
        }
    }

    /// Makes `u_next` the normalised log-beliefs of the last [`Sweep::eval_r`] point.
    fn ensure_u_next(&mut self) {
        if !self.u_next_fresh {
            let mut u = std::mem::take(&mut self.u_next);
            self.normalize_beliefs(&mut u);
            self.u_next = u;
            self.u_next_fresh = true;
        }
    }

    /// Derivative of the log-odds G at the last [`Sweep::eval_r`] point `z` along `dir`
    /// (r + 1 entries) into `out`.
    /// With `only`, the tangent pass is restricted as in [`Sweep::tangent_pass`].
    fn directional_r(&mut self, z: &[f64], dir: &[f64], out: &mut [f64], only: Option<usize>) {
        let r = self.n_reduced();
        let m = self.belief_nodes.len();
        self.expand(z);
        self.d_full.fill(0.0);
        if self.reduced {
            let mut all = std::mem::take(&mut self.z_all2);
            self.all_odds(dir, &mut all, false);
            for (j, &f) in self.red_full.iter().enumerate() {
                self.d_full[f as usize] = all[j];
            }
            self.z_all2 = all;
        } else {
            for j in 0..r {
                self.d_full[self.red_full[j] as usize] = dir[j];
            }
        }
        self.d_full[m] = dir[r];
        let x = std::mem::take(&mut self.x_full);
        let d = std::mem::take(&mut self.d_full);
        // The sets a unit direction on one unknown moves.
        let only = only.map(|c| self.unknown_sets(c));
        self.tangent_pass(&x, &d, only);
        self.x_full = x;
        self.d_full = d;
        // dY_j = d ln P(node_j) − d ln P(node_0), 0 where Y_j is clamped.
        for t in 0..r {
            let j = self.odds_index(t);
            let (a, b) = self.odds_pairs[j];
            let (a, b) = (a as usize, b as usize);
            let neither = self.log_reach[a] == f64::NEG_INFINITY && self.log_reach[b] == f64::NEG_INFINITY;
            let dy = if neither || self.reach_odds(j).abs() >= ODDS_BOUND {
                0.0
            } else {
                self.dlog_reach[a] - self.dlog_reach[b]
            };
            out[t] = dy - dir[t];
        }
    }

    /// Jacobian of the log-odds G at `z` (after `eval_r` there), its first `cols`
    /// columns, into `jac` (`r × stride`, row-major).
    #[allow(clippy::too_many_arguments)]
    fn jacobian_r(
        &mut self,
        z: &[f64],
        dir: &mut [f64],
        col: &mut [f64],
        jac: &mut [f64],
        stride: usize,
        cols: usize,
    ) {
        // From five columns on the lane passes are faster: the headline's subgames have
        // 7 columns (571.5M instructions for 400 trials, against 588.3M with column
        // passes), and so has `signal_3p_two_receivers` once reduced (10–20% faster).
        // Column passes visit only the sets a direction moves, which no longer pays once
        // a direction moves several sets' beliefs. (Lanes for up to four columns too
        // leave the headline's count as it is.)
        if self.lanes_fit && cols >= LANES_FROM_COLUMNS {
            // (The AVX2 build at every size: a lane array is two registers there and
            // four with SSE2; 23% fewer instructions for the then 13 columns of
            // `signal_3p_two_receivers` with four lanes.)
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2, the only requirement of the function.
                unsafe { self.jacobian_lanes_avx2(z, jac, stride, cols) };
                return;
            }
            self.jacobian_lanes(z, jac, stride, cols);
            return;
        }
        let r = self.n_reduced();
        let lists = self.restricted_passes();
        dir.fill(0.0);
        for c in 0..cols {
            dir[c] = 1.0;
            // A unit direction on a log-odds moves only its set's beliefs: the pass
            // visits that set and the sets above it (when the lists were built).
            let only = (c < r && lists).then_some(c);
            self.directional_r(z, dir, col, only);
            dir[c] = 0.0;
            for i in 0..r {
                jac[i * stride + c] = col[i];
            }
        }
    }

    /// The beliefs, in probability, of the log-odds point `v` into `out` (per set with
    /// several nodes, its first node and then the others), computed as
    /// [`Sweep::odds_distance`] computes them.
    fn belief_probs(&mut self, v: &[f64], out: &mut Vec<f64>) {
        if self.reduced {
            let mut all = std::mem::take(&mut self.z_all);
            self.all_odds(v, &mut all, true);
            self.belief_probs_all(&all, out);
            self.z_all = all;
        } else {
            self.belief_probs_all(v, out);
        }
    }

    /// [`Sweep::belief_probs`] of every log-odds.
    fn belief_probs_all(&self, v: &[f64], out: &mut Vec<f64>) {
        out.clear();
        for &(start, len) in &self.red_sets {
            // As the backward pass computes them (`Sweep::beliefs`), to the bit.
            let range = start as usize..(start + len) as usize;
            let m = max_or_zero(&v[range.clone()]);
            let first = out.len();
            let weight = |x: f64| if x == 0.0 { 1.0 } else { exp_nonpositive(x) };
            out.push(weight(0.0 - m));
            out.extend(v[range].iter().map(|&x| weight(x - m)));
            let total = out[first..].iter().fold(0.0, |t, &w| t + w);
            for b in &mut out[first..] {
                *b /= total;
            }
        }
    }

    /// Largest difference of the beliefs of two log-odds points, in probability.
    fn odds_distance(&mut self, a: &[f64], b: &[f64]) -> f64 {
        self.on_all_odds(a, b, true, Sweep::odds_distance_all)
    }

    /// `f` of the points `a` and `b` given by their independent log-odds, on every
    /// log-odds: `a` is a point, `b` a point too with `b_is_point`, else a difference
    /// (a residual or a direction), whose dependent log-odds take no constant term.
    fn on_all_odds<R>(
        &mut self,
        a: &[f64],
        b: &[f64],
        b_is_point: bool,
        f: impl FnOnce(&Sweep, &[f64], &[f64]) -> R,
    ) -> R {
        if !self.reduced {
            return f(self, a, b);
        }
        let (mut all_a, mut all_b) = (std::mem::take(&mut self.z_all), std::mem::take(&mut self.z_all2));
        self.all_odds(a, &mut all_a, true);
        self.all_odds(b, &mut all_b, b_is_point);
        let result = f(self, &all_a, &all_b);
        (self.z_all, self.z_all2) = (all_a, all_b);
        result
    }

    /// [`Sweep::odds_distance`] of `w` and `u_pred`.
    fn distance_to_prediction(&mut self, w: &[f64]) -> f64 {
        let u_pred = std::mem::take(&mut self.u_pred);
        let d = self.odds_distance(w, &u_pred[..w.len()]);
        self.u_pred = u_pred;
        d
    }

    /// [`Sweep::odds_distance`] of every log-odds.
    fn odds_distance_all(&self, a: &[f64], b: &[f64]) -> f64 {
        let mut worst = 0.0f64;
        for &(start, len) in &self.red_sets {
            let range = start as usize..(start + len) as usize;
            let (ma, ta) = odds_scale(&a[range.clone()]);
            let (mb, tb) = odds_scale(&b[range.clone()]);
            worst = worst.max((exp_nonpositive(-ma) / ta - exp_nonpositive(-mb) / tb).abs());
            for j in range {
                worst = worst.max((exp_nonpositive(a[j] - ma) / ta - exp_nonpositive(b[j] - mb) / tb).abs());
            }
        }
        worst
    }

    /// The largest residual `|G_j|` at the log-odds point `z`, each weighted by
    /// `4 μ_j (1 − μ_j)`, where `μ_j` is the belief of unknown `j`'s node: the first-order
    /// change of that belief that correcting the log-odds would make, up to the factor 4
    /// (which makes the weight 1 at μ_j = 1/2).
    fn belief_residual(&mut self, z: &[f64], g: &[f64]) -> f64 {
        // G of the dependent log-odds is the same combination of the free ones'.
        self.on_all_odds(z, g, false, Sweep::belief_residual_all)
    }

    /// [`Sweep::belief_residual`] of every log-odds.
    fn belief_residual_all(&self, z: &[f64], g: &[f64]) -> f64 {
        let mut worst = 0.0f64;
        for &(start, len) in &self.red_sets {
            let range = start as usize..(start + len) as usize;
            let (top, total) = odds_scale(&z[range.clone()]);
            for j in range {
                let mu = exp_nonpositive(z[j] - top) / total;
                worst = worst.max(g[j].abs() * (4.0 * mu * (1.0 - mu)));
            }
        }
        worst
    }
}

/// For one set's log-odds `v` (against its first node, whose own is 0): their largest
/// `m` (at least 0) and `t = e^(−m) + Σ e^(v_j − m)`, so that the node of `v_j` has
/// belief `e^(v_j − m) / t` and the first node `e^(−m) / t`.
fn odds_scale(v: &[f64]) -> (f64, f64) {
    let m = max_or_zero(v);
    (
        m,
        exp_nonpositive(-m) + v.iter().map(|&x| exp_nonpositive(x - m)).sum::<f64>(),
    )
}

/// The largest of 0 and `v`'s entries (the first node's log-odds is 0).
fn max_or_zero(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, &x| m.max(x))
}

#[derive(Clone, Debug, Default)]
struct ArcBuffers {
    /// Last accepted point (beliefs, λ) and G there.
    z: Vec<f64>,
    g_z: Vec<f64>,
    /// Corrector iterate and G there.
    w: Vec<f64>,
    g: Vec<f64>,
    z_pred: Vec<f64>,
    /// The accepted point before `z` (the stiff predictor's second point).
    z_prev: Vec<f64>,
    /// Previous corrector iterate and G there (for the Broyden updates of the corrector).
    w_prev: Vec<f64>,
    g_prev: Vec<f64>,
    /// The Jacobian at `z`, restored when a corrector attempt fails.
    jac_z: Vec<f64>,
    /// Up to [`INVERSE_MAX`] unknowns: the explicit inverse of `[jac_z; tangent_prev]` as
    /// the step started, restored when the step fails (instead of inverting again).
    aug_z: Vec<f64>,
    /// Whether the determinant of the matrix last factored by [`factor_aug`] is negative.
    det_negative: bool,
    /// The path's orientation: whether det `[J; t]` is negative along it, fixed at λ = 0
    /// (see [`arc_tangent`]).
    orientation_negative: bool,
    /// Rank-one updates made to the factored matrix `aug` since it was factored, as
    /// Sherman–Morrison terms: `sm_z[j] = A_j⁻¹ u_j`, `sm_v[j] = v_j`, `sm_den[j] = 1 +
    /// v_j·sm_z[j]` for `A_{j+1} = A_j + u_j v_jᵀ`; `sm_k` of them are live.
    sm_z: Vec<f64>,
    sm_v: Vec<f64>,
    sm_den: Vec<f64>,
    sm_k: usize,
    /// Counts the factorisations of `aug` (see [`factor_aug`]): a corrector attempt
    /// that did not refactor leaves the factors it started from.
    generation: u64,
    /// Tangent at `z`, and the previous tangent: the normal of the corrector's hyperplane
    /// (the last row of `aug`).
    tangent: Vec<f64>,
    tangent_prev: Vec<f64>,
    dir: Vec<f64>,
    col: Vec<f64>,
    rhs: Vec<f64>,
    /// `m × (m+1)` Jacobian of G = Y(u, λ) − u at `z`, row-major: exact after a
    /// refresh, then carried along the path by Broyden rank-one updates.
    jac: Vec<f64>,
    /// The exact Jacobian at `z_prev`, when `prev_exact` (the extrapolation of
    /// [`extrapolate_jacobian`]).
    jac_prev_exact: Vec<f64>,
    prev_exact: bool,
    /// The beliefs of `z` and of `w` in probability ([`Sweep::belief_probs`]), for the
    /// belief move of a step; `beliefs_z` when `beliefs_z_valid`.
    beliefs_z: Vec<f64>,
    beliefs_w: Vec<f64>,
    beliefs_z_valid: bool,
    /// The action probabilities at `z` (per global action), for the action move of a
    /// step; kept at every accepted point, valid from the first one of a trace.
    probs_z: Vec<f64>,
    probs_z_valid: bool,
    /// LU factors of `[jac; tangent_prev]` and their pivots.
    aug: Vec<f64>,
    pivots: Vec<usize>,
    /// Where the reference tracer may take over if this trace gives up
    /// ([`Sweep::restart_point`]): `recent` is taken at an accepted point once the path
    /// has run [`RESTART_SPACING`] since the previous one, which then moves to `older`.
    recent: Checkpoint,
    older: Checkpoint,
    /// Arclength of the trace so far (the accepted steps' lengths).
    length: f64,
}

/// An accepted point of the belief trace and the accepted point before it (their chord
/// orients the branch there).
#[derive(Clone, Debug, Default)]
struct Checkpoint {
    at: Vec<f64>,
    before: Vec<f64>,
    valid: bool,
    /// The trace's arclength at `at`.
    length: f64,
}

impl Checkpoint {
    fn set(&mut self, at: &[f64], before: &[f64], length: f64) {
        self.at.clear();
        self.at.extend_from_slice(at);
        self.before.clear();
        self.before.extend_from_slice(before);
        self.valid = true;
        self.length = length;
    }
}

/// Where a belief trace resumes from the general tracer (see
/// [`trace_beliefs_arclength`]), in the tracer's coordinates (log-odds, λ).
pub(crate) struct Resume<'a> {
    /// The point on the branch it starts from.
    pub at: &'a [f64],
    /// The general tracer's accepted point before it (the checkpoint's chord).
    pub before: &'a [f64],
    /// The branch's direction at `at` (any length).
    pub direction: &'a [f64],
}

impl ArcBuffers {
    /// Zeroed buffers for `m` unknowns plus λ.
    fn new(m: usize) -> ArcBuffers {
        let n = m + 1;
        let v = |len: usize| vec![0.0; len];
        ArcBuffers {
            z: v(n),
            g_z: v(n),
            w: v(n),
            g: v(n),
            z_pred: v(n),
            z_prev: v(n),
            w_prev: v(n),
            g_prev: v(n),
            jac_z: v(m * n),
            jac_prev_exact: v(m * n),
            prev_exact: false,
            beliefs_z: Vec::new(),
            beliefs_w: Vec::new(),
            beliefs_z_valid: false,
            probs_z: Vec::new(),
            probs_z_valid: false,
            aug_z: if n <= INVERSE_MAX { v(n * n) } else { Vec::new() },
            det_negative: false,
            orientation_negative: false,
            sm_z: v(SM_MEMORY * n),
            sm_v: v(SM_MEMORY * n),
            sm_den: v(SM_MEMORY),
            sm_k: 0,
            generation: 0,
            tangent: v(n),
            tangent_prev: v(n),
            dir: v(n),
            col: v(n),
            rhs: v(n),
            jac: v(m * n),
            aug: v(n * n),
            pivots: vec![0; n],
            recent: Checkpoint::default(),
            older: Checkpoint::default(),
            length: 0.0,
        }
    }

    /// Called at every accepted point `z` (with `z_prev` the one before, `step` the
    /// arclength between them): shifts the checkpoints once the path has run
    /// [`RESTART_SPACING`] since the last one.
    fn checkpoint(&mut self, step: f64) {
        self.length += step;
        // (A resumed trace starts with its start point as `older`, at length 0, and no
        // `recent`.)
        let last = if self.recent.valid {
            self.recent.length
        } else {
            0.0
        };
        if self.length - last < RESTART_SPACING {
            return;
        }
        if self.recent.valid {
            std::mem::swap(&mut self.older, &mut self.recent);
        }
        self.recent.set(&self.z, &self.z_prev, self.length);
    }
}

/// Maximum number of belief unknowns the dense belief tracer accepts.
pub(crate) const MAX_BELIEF_UNKNOWNS: usize = 3000;
/// Largest |G| at an accepted point along the path: the corrector only has to keep the
/// path next to the branch (the answer is polished by Newton at the target).
const PATH_TOLERANCE: f64 = 1e-6;
/// Largest profile residual of a polish that stalled at the rounding level and is
/// handed to the refinement on action probabilities.
const STALLED_RESIDUAL: f64 = 1e-6;
/// Largest |G| of the answer (log-odds).
const FINAL_TOLERANCE: f64 = 1e-12;
/// Step control: the first corrector move (distance of the prediction to the branch)
/// aimed at, and the largest accepted.
const TARGET_FIRST_CORRECTION: f64 = 0.3;
const MAX_FIRST_CORRECTION: f64 = 0.5;
/// Ratio of successive corrector moves aimed at, and the largest tolerated.
const TARGET_CONTRACTION: f64 = 0.5;
const MAX_CONTRACTION: f64 = 0.8;
/// Move of the beliefs (the largest change of one, in probability, see
/// [`Sweep::odds_distance`]) that a continuation step aims at, and the largest it may
/// make. The next step is sized so that its move, extrapolated linearly from this one,
/// is the target; a step that moves a belief by more than the maximum is shortened.
/// Without this, a long step can land on another branch beyond a sharp bend that its
/// corrector cannot see (`tests/golden/gambit/known_jump/`: after a step that moved a
/// belief by 0.12 the step grew 3-fold to 2.15, went from λ = 0.19 straight across a
/// bend and ended on another branch at λ = 0.75 after moving a belief by 0.25; steps
/// along the branch there move beliefs by at most 0.14). Either part alone keeps the
/// tracer on the branch there; rejecting at 0.2 instead of 0.35 cost 36% more time on
/// headline trials with a hard-line prior of 0.03, whose beliefs legitimately swing.
const TARGET_BELIEF_MOVE: f64 = 0.2;
const MAX_BELIEF_MOVE: f64 = 0.35;
/// Arclength between the checkpoints a trace keeps for the reference tracer
/// ([`Sweep::restart_point`]). When the trace gives up, the older of its two
/// checkpoints is at least this far back along the path from where it stopped.
pub(crate) const RESTART_SPACING: f64 = 1.0;
/// Stiff stretches. At larger λ the path can be smooth while the corrector's basin is
/// narrow: the rows of sets whose beliefs hold another player indifferent have entries
/// of order 10⁵ (`signal_3p_two_receivers` at λ = 80), the Jacobian changes within a
/// step, and from a prediction 5e-5 off the branch the corrector's moves shrink only by
/// half each (so the contraction target holds the step where it is). The tracer enters
/// a stiff stretch after an accepted step whose corrector took two or more iterations
/// and contracted by between [`STIFF_ENTRY_CONTRACTION`] and [`MAX_CONTRACTION`] (the
/// corrector, not the prediction, limited the step), whose first correction was within
/// [`STIFF_CURVATURE`] times the step squared and within [`STIFF_ENTRY_FIRST_CORRECTION`]
/// (the prediction was good), and which moved no belief by more than
/// [`STIFF_BELIEF_MOVE`]; that point's Jacobian is then computed exactly. On the
/// stretch a step predicts with the cubic through the last two points and their
/// tangents (Hermite, as HOMPACK; in 1/λ while λ grows, see [`asymptotic_cubic`]),
/// unless that departs from the tangent line by more than [`STIFF_CUBIC`] of the step,
/// and starts its corrector from the exact Jacobian at the prediction. Because that
/// corrector is Newton from the start, its contraction no longer bounds the step, so
/// the stretch has its own tighter
/// bounds: the first correction and the whole correction at most
/// [`STIFF_MAX_FIRST_CORRECTION`], beliefs moved at most [`STIFF_MAX_BELIEF_MOVE`], the
/// step sized for a first correction of [`STIFF_TARGET_FIRST_CORRECTION`] (the cubic's
/// error grows as the step's fourth power) and grown at most [`STIFF_MAX_GROWTH`]-fold.
/// The stretch lasts while accepted steps keep their first correction within
/// [`STIFF_CURVATURE`] times the step squared and the beliefs within
/// [`STIFF_BELIEF_MOVE`]; a failed step ends it and is retried at the same length as an
/// ordinary step.
const STIFF_BELIEF_MOVE: f64 = 0.01;
const STIFF_ENTRY_CONTRACTION: f64 = 0.45;
/// (Entering only below a first correction of [`STIFF_TARGET_FIRST_CORRECTION`], as up
/// to the sixteenth session, `signal_3p_two_receivers` took ordinary steps of 3.5–4.3
/// from λ = 6 to 22, each with seven corrector iterations and an exact Jacobian, while
/// the curvature bound held from λ = 12; entering at 2e-2 it is 18–25% faster at
/// λ = 20–100. 5e-3 gained less; 3e-2 to 0.1 about the same.)
const STIFF_ENTRY_FIRST_CORRECTION: f64 = 2e-2;
const STIFF_CUBIC: f64 = 0.1;
const STIFF_MAX_FIRST_CORRECTION: f64 = 1e-2;
const STIFF_MAX_BELIEF_MOVE: f64 = 0.05;
const STIFF_TARGET_FIRST_CORRECTION: f64 = 1e-3;
const STIFF_MAX_GROWTH: f64 = 2.0;
const STIFF_CURVATURE: f64 = 1e-3;
/// Rank-one updates the corrector applies by Sherman–Morrison before refactoring.
const SM_MEMORY: usize = 16;
/// Largest growth of the step from one step to the next.
const MAX_GROWTH: f64 = 6.0;
/// Turning points a trace may pass before it is taken to be going round a closed
/// branch. The branch from λ = 0 cannot close on itself, but a long step can leave it
/// for a closed branch nearby: on two headline subgames of the issue-size Sobol' design
/// (`tests/golden/gambit/closed_branch/`) a step of 2.4 from λ = 2.31 went across a
/// sharp bend onto one with turning points at λ ≈ 2.77 and 5.56, and the tracer went
/// round it until its 100,000 steps ran out (34 s per solve). Going round a closed
/// branch turns twice per round. Traces from λ = 0 turn at most 4 times on the 135
/// Gambit pairs, 3 times in 20,000 traces of 10,000 headline trials, and 8 times on 300
/// random signaling games of 240–1,200 nodes at λ ≤ 100 (a temporary histogram).
/// With 40, a 1,487-node random signaling game (`(4, 743, 2015903985819403698)` at
/// λ = 19.95), which goes round a closed branch of about eight turns per round near
/// λ = 1.6–1.9 even with steps of at most 0.5, gave up early at a worse checkpoint and
/// its fallback took 126–130 s instead of 9.8 s; with 200 it takes 9.0 s, and the
/// headline subgames 27 ms.
pub(crate) const MAX_TURNS: usize = 200;
/// Arclength from the previous reversal of λ's direction that a reversal must lie to
/// count towards [`MAX_TURNS`]. Half a round of the closed branches found is several
/// units long, while the tangent's λ component can change sign within a small
/// distance next to a nearly singular point. Counting every reversal, the 1,487-node
/// game above gave up earlier and fell back in 19.4 s instead of 9.0 s.
const TURN_SPACING: f64 = 1.0;
/// Largest change of an action probability in one accepted step. Long steps on a
/// straight stretch of the path can go across a switch of behaviour onto another branch
/// with nothing else to show for it: on a 657-node random signaling game
/// (`(3, 328, 2461576129787817470)`) one step of arclength 343 from λ = 28.1 to 38.4
/// moved its beliefs by 0.013 but an action probability by 1.000 and ended on another
/// branch, 0.94 from the answer at λ = 48.8 (steps of at most 0.5 move no action
/// probability by more than 0.17 there). Steps that flip an action almost completely
/// are rare on the branch: none of the steps of the 135 Gambit pairs or of 10,000
/// headline trials moves one by more than 0.7, and 17 of some 60,000 steps on random
/// signaling games move one by more than 0.9 (a temporary histogram).
const MAX_ACTION_MOVE: f64 = 0.9;
/// Columns from which [`Sweep::jacobian_r`] takes lane passes instead of one tangent
/// pass per column (see the comment there).
const LANES_FROM_COLUMNS: usize = 5;
/// Largest augmented system (unknowns + 1) kept as an explicit inverse instead of LU
/// factors with Sherman–Morrison terms: at this size a solve is one small
/// matrix–vector product and an update three, with no growing list of terms (at 17,
/// `chance_only_payoffs` at λ = 1 takes 62 µs this way and 85 µs on the LU path).
const INVERSE_MAX: usize = 24;

/// Factors `[jac; tangent_prev]` into `aug` and solves for the new unit tangent,
/// oriented along `tangent_prev`, or, with `orient` (`jac` is the exact Jacobian and
/// was just factored), so that det `[jac; tangent]` keeps the sign it has at λ = 0.
///
/// The solution t of `[J; t_prev] t = e_n` has `t_prev · t = 1`, so orienting along
/// `t_prev` keeps every tangent within 90° of the one before. Where the branch turns
/// by more than that within one step, the forward tangent is the other one: det
/// `[J; t]` does not change sign along a regular branch (Allgower and Georg,
/// *Numerical Continuation Methods*, §2.1), and det `[J; t] = det [J; t_prev] · |t|²`
/// for that solution. On a random signaling game of 125 nodes (`tests/solvers.rs`,
/// `orientation_survives_a_sharp_turn`) the first step, of arclength 0.2, ends past a
/// turn of more than 90° at λ = 0.059; oriented along `t_prev`, the tracer went back
/// down the branch through λ = 0 to λ = −42 before giving up. Only an exact Jacobian
/// decides: a secant-updated one can have the wrong sign there.
fn arc_tangent(arc: &mut ArcBuffers, n: usize, refactor: bool, orient: bool) -> bool {
    if refactor && !factor_aug(arc, n, false) {
        return false;
    }
    if n <= INVERSE_MAX {
        // The solution of aug · t = e_n is the inverse's last column.
        for (i, t) in arc.tangent[..n].iter_mut().enumerate() {
            *t = arc.aug[i * n + n - 1];
        }
        if !arc.tangent[..n].iter().all(|v| v.is_finite()) {
            return false;
        }
    } else {
        let mut tangent = std::mem::take(&mut arc.tangent);
        tangent.fill(0.0);
        tangent[n - 1] = 1.0;
        let solved = aug_solve(arc, &mut tangent, n);
        arc.tangent = tangent;
        if !solved {
            return false;
        }
    }
    let norm = arc.tangent.iter().map(|v| v * v).sum::<f64>().sqrt();
    let dot: f64 = arc
        .tangent
        .iter()
        .zip(&arc.tangent_prev)
        .map(|(a, b)| a * b)
        .sum();
    let mut sign = if dot < 0.0 { -1.0 } else { 1.0 };
    if orient && arc.det_negative != arc.orientation_negative {
        sign = -sign;
    }
    for v in &mut arc.tangent {
        *v *= sign / norm;
    }
    true
}

/// A step `from → to` of the corrector with the G values at its ends, for
/// [`broyden_update`].
#[derive(Clone, Copy)]
struct Secant<'a> {
    from: &'a [f64],
    to: &'a [f64],
    g_from: &'a [f64],
    g_to: &'a [f64],
}

impl<'a> Secant<'a> {
    fn between(from: &'a [f64], to: &'a [f64], g_from: &'a [f64], g_to: &'a [f64]) -> Self {
        Secant {
            from,
            to,
            g_from,
            g_to,
        }
    }
}

/// Broyden's rank-one update of `jac` (m × n) along `step`: afterwards
/// `jac · (to − from) = g_to − g_from`. The update is `jac += col ⊗ dir` (`col` padded
/// with zeros to n entries); returns whether it was made (a zero step leaves `jac`
/// alone).
fn broyden_update(
    jac: &mut [f64],
    step: Secant,
    dir: &mut [f64],
    col: &mut [f64],
    m: usize,
    n: usize,
) -> bool {
    if n <= INVERSE_MAX {
        small_n_simd!(
            n,
            broyden_update_n | broyden_update_n_avx2(jac, step, dir, col, m, n)
        )
    } else {
        #[cfg(target_arch = "x86_64")]
        if n >= super::linalg::AVX2_FROM && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, the only requirement of the function.
            return unsafe { broyden_update_avx2(jac, step, dir, col, m, n) };
        }
        broyden_update_n::<0>(jac, step, dir, col, m, n)
    }
}

/// [`broyden_update_n`] for any size compiled with AVX2, like the LU kernels of
/// [`super::linalg`]: the same operations, so the same bits.
///
/// # Safety
/// The processor must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn broyden_update_avx2(
    jac: &mut [f64],
    step: Secant,
    dir: &mut [f64],
    col: &mut [f64],
    m: usize,
    n: usize,
) -> bool {
    broyden_update_n::<0>(jac, step, dir, col, m, n)
}

/// [`broyden_update`] for `N` unknowns plus λ (0: any number, `n`), so that small
/// sizes unroll.
#[inline(always)]
fn broyden_update_n<const N: usize>(
    jac: &mut [f64],
    step: Secant,
    dir: &mut [f64],
    col: &mut [f64],
    m: usize,
    n: usize,
) -> bool {
    let n = if N == 0 { n } else { N };
    let Secant {
        from,
        to,
        g_from,
        g_to,
    } = step;
    let (from, to, dir, col) = (&from[..n], &to[..n], &mut dir[..n], &mut col[..n]);
    let mut ss = 0.0;
    for i in 0..n {
        let d = to[i] - from[i];
        dir[i] = d;
        ss += d * d;
    }
    if !(ss > 0.0 && ss.is_finite()) {
        return false;
    }
    let (g_from, g_to) = (&g_from[..m], &g_to[..m]);
    for (r, row) in jac[..m * n].chunks_exact(n).enumerate() {
        // Small sizes keep one running sum (they unroll); large ones take four.
        let js = if N == 0 {
            dot(row, dir)
        } else {
            let mut js = 0.0;
            for i in 0..n {
                js += row[i] * dir[i];
            }
            js
        };
        let f = (g_to[r] - g_from[r] - js) / ss;
        col[r] = if f.is_finite() { f } else { 0.0 };
    }
    col[m..].fill(0.0);
    for (row, &f) in jac[..m * n].chunks_exact_mut(n).zip(&col[..m]) {
        if f != 0.0 {
            for i in 0..n {
                row[i] += f * dir[i];
            }
        }
    }
    true
}

avx2_twin!(broyden_update_n => broyden_update_n_avx2(jac: &mut [f64], step: Secant, dir: &mut [f64], col: &mut [f64], m: usize, n: usize) -> bool);
avx2_twin!(invert_n => invert_n_avx2(rows: &[f64], last: &[f64], inv: &mut [f64], det_negative: &mut bool) -> bool);
avx2_twin!(mul_n => mul_n_avx2(b: &[f64], x: &mut [f64]) -> bool);
avx2_twin!(rank_one_inverse_n => rank_one_inverse_n_avx2(b: &mut [f64], u: &[f64], v: &[f64]) -> bool);

/// Factors the corrector's augmented matrix into `aug`: `[jac; tangent_prev]` (the
/// hyperplane orthogonal to the path), or `[jac; e_λ]` with `hold_lambda` (Newton on the
/// beliefs at fixed λ). Clears the Sherman–Morrison terms. Up to [`INVERSE_MAX`]
/// unknowns `aug` holds the explicit inverse instead of LU factors.
fn factor_aug(arc: &mut ArcBuffers, n: usize, hold_lambda: bool) -> bool {
    arc.sm_k = 0;
    arc.generation += 1;
    if n <= INVERSE_MAX {
        // (The rows go straight into the inversion's own arrays: a staging copy the
        // size of the largest system cost the headline 5% more instructions.)
        let mut unit = [0.0f64; INVERSE_MAX];
        let last: &[f64] = if hold_lambda {
            unit[n - 1] = 1.0;
            &unit[..n]
        } else {
            &arc.tangent_prev[..n]
        };
        return small_n_simd!(
            n,
            invert_n
                | invert_n_avx2(
                    &arc.jac[..(n - 1) * n],
                    last,
                    &mut arc.aug[..n * n],
                    &mut arc.det_negative
                )
        );
    }
    let a = &mut arc.aug[..n * n];
    a[..(n - 1) * n].copy_from_slice(&arc.jac[..(n - 1) * n]);
    if hold_lambda {
        a[(n - 1) * n..n * n].fill(0.0);
        a[n * n - 1] = 1.0;
    } else {
        a[(n - 1) * n..n * n].copy_from_slice(&arc.tangent_prev[..n]);
    }
    if !lu_factor(&mut arc.aug, &mut arc.pivots, n) {
        return false;
    }
    arc.det_negative = super::linalg::lu_det_negative(&arc.aug, &arc.pivots, n);
    true
}

/// The inverse of the `N × N` row-major matrix with rows `rows` (the first `N − 1`)
/// and `last` into `inv` (N ≤ [`INVERSE_MAX`]) by Gauss–Jordan elimination in place
/// with partial pivoting; `false` when the matrix is numerically singular, by the test
/// of [`lu_factor`].
///
/// In place: the eliminated column `col` is no longer needed, so it receives the
/// column of the inverse that the elimination creates there (one array of N² numbers
/// and N³ multiply-adds, half of eliminating on `[M | I]`). Rows are not moved: `order`
/// lists them in pivot order (the order row interchanges would give, so ties between
/// pivots break the same way). That makes `m` hold `(PM)⁻¹ = M⁻¹ P⁻¹` with its rows in
/// `order`, and the inverse is read out with its columns scattered back by `order`.
/// (With rows swapped in the array, the separate `[M | I]` and one running maximum
/// for the pivot, the inversion took 12% of the time of `signal_3p_two_receivers` at
/// λ = 100 for 8.5% of its instructions; this version makes that solve about 2%
/// faster, with the same bits.)
#[inline(always)]
fn invert_n<const N: usize>(rows: &[f64], last: &[f64], inv: &mut [f64], det_negative: &mut bool) -> bool {
    let mut m = [[0.0f64; N]; N];
    for i in 0..N {
        if i + 1 < N {
            m[i].copy_from_slice(&rows[i * N..i * N + N]);
        } else {
            m[i].copy_from_slice(&last[..N]);
        }
    }
    let scale = largest_abs(m.as_flattened());
    if !(scale.is_finite() && scale > 0.0) {
        return false;
    }
    let mut negative = false;
    let mut order = [0usize; N];
    for (i, o) in order.iter_mut().enumerate() {
        *o = i;
    }
    for col in 0..N {
        // The first largest |entry| in pivot order, as a running maximum would pick it
        // (which ignores NaN entries after the first), found by four independent
        // maxima and a scan for the first equal entry: a single running maximum is a
        // chain of dependent compares that every pivot waits for.
        let mut size = [0.0f64; N];
        for at in col..N {
            size[at] = m[order[at]][col].abs();
        }
        let mut top = [size[col]; 4];
        for at in col + 1..N {
            let lane = &mut top[(at - col) & 3];
            if size[at] > *lane {
                *lane = size[at];
            }
        }
        let pivot_abs = top[0].max(top[1]).max(top[2].max(top[3]));
        if size[col].is_nan() || pivot_abs <= scale * 1e-300 || !pivot_abs.is_finite() {
            return false;
        }
        let pivot_at = (col..N).find(|&at| size[at] == pivot_abs).unwrap_or(col);
        let p = order[pivot_at];
        // det = (−1)^swaps · Π pivots.
        negative ^= (pivot_at != col) ^ (m[p][col] < 0.0);
        order.swap(col, pivot_at);
        let scale_row = 1.0 / m[p][col];
        let mut pm = m[p];
        pm[col] = 1.0;
        for k in 0..N {
            pm[k] *= scale_row;
        }
        m[p] = pm;
        for (row, r) in m.iter_mut().enumerate() {
            let factor = r[col];
            if row == p || factor == 0.0 {
                continue;
            }
            // The whole row as one vector update, then column `col` set: storing its
            // 0 first, just before the row's vector loads, stalls store forwarding.
            for k in 0..N {
                r[k] -= factor * pm[k];
            }
            r[col] = -(factor * pm[col]);
        }
    }
    for (i, &src) in order.iter().enumerate() {
        let out = &mut inv[i * N..i * N + N];
        for (k, &v) in m[src].iter().enumerate() {
            out[order[k]] = v;
        }
    }
    // (Read only after a success.)
    *det_negative = negative;
    m.iter().flatten().all(|v| v.is_finite())
}

/// The largest |v| of `v`, ignoring NaN (a NaN entry of the inverted matrix spreads
/// through the elimination, which then fails its finiteness check): sixteen running
/// maxima without the NaN test, which vectorise with no chain of dependent blends.
fn largest_abs(v: &[f64]) -> f64 {
    let mut top = [0.0f64; 16];
    let mut chunks = v.chunks_exact(16);
    for c in &mut chunks {
        for i in 0..16 {
            let a = c[i].abs();
            top[i] = if a > top[i] { a } else { top[i] };
        }
    }
    for &x in chunks.remainder() {
        let a = x.abs();
        top[0] = if a > top[0] { a } else { top[0] };
    }
    top.iter().fold(0.0f64, |t, &a| if a > t { a } else { t })
}

/// `x ← b · x` for the `N × N` row-major `b`.
#[inline(always)]
fn mul_n<const N: usize>(b: &[f64], x: &mut [f64]) -> bool {
    let b = &b[..N * N];
    let mut v = [0.0f64; N];
    v.copy_from_slice(&x[..N]);
    for (xi, row) in x[..N].iter_mut().zip(b.chunks_exact(N)) {
        let mut acc = 0.0;
        for k in 0..N {
            acc += row[k] * v[k];
        }
        *xi = acc;
    }
    x[..N].iter().all(|v| v.is_finite())
}

/// `b ← b − (b u)(vᵀ b) / (1 + vᵀ b u)`, the inverse of `b⁻¹ + u vᵀ` (Sherman–Morrison);
/// `false` when the updated matrix is nearly singular (the caller then inverts afresh).
#[inline(always)]
fn rank_one_inverse_n<const N: usize>(b: &mut [f64], u: &[f64], v: &[f64]) -> bool {
    let b = &mut b[..N * N];
    let (u, v) = (&u[..N], &v[..N]);
    let mut bu = [0.0f64; N];
    let mut vb = [0.0f64; N];
    for (i, row) in b.chunks_exact(N).enumerate() {
        let mut acc = 0.0;
        for k in 0..N {
            acc += row[k] * u[k];
        }
        bu[i] = acc;
        for k in 0..N {
            vb[k] += v[i] * row[k];
        }
    }
    let mut den = 1.0;
    for k in 0..N {
        den += v[k] * bu[k];
    }
    // Also false for a NaN denominator.
    if den.is_nan() || den.abs() <= 1e-8 {
        return false;
    }
    if !bu.iter().chain(&vb).all(|v| v.is_finite()) {
        return false;
    }
    for (row, &bui) in b.chunks_exact_mut(N).zip(&bu) {
        let f = bui / den;
        for k in 0..N {
            row[k] -= f * vb[k];
        }
    }
    // A finite update of a finite matrix stays finite unless a product overflows,
    // which the finiteness check of every solve (`mul_n`) then reports.
    true
}

/// Solves with the factored `aug` and its live Sherman–Morrison terms, in place.
fn aug_solve(arc: &ArcBuffers, x: &mut [f64], n: usize) -> bool {
    if n <= INVERSE_MAX {
        return small_n_simd!(n, mul_n | mul_n_avx2(&arc.aug, x));
    }
    if !lu_solve_factored(&arc.aug, &arc.pivots, x, n) {
        return false;
    }
    for j in 0..arc.sm_k {
        let v = &arc.sm_v[j * n..j * n + n];
        let z = &arc.sm_z[j * n..j * n + n];
        let f = dot(v, &x[..n]) / arc.sm_den[j];
        for (xi, zi) in x[..n].iter_mut().zip(z) {
            *xi -= f * zi;
        }
    }
    x[..n].iter().all(|v| v.is_finite())
}

/// Records the update `aug += col ⊗ dir` (just made to `jac`) as a Sherman–Morrison
/// term; false when the memory is full or the updated matrix is (nearly) singular, and
/// the caller refactors instead.
fn aug_update(arc: &mut ArcBuffers, n: usize) -> bool {
    if n <= INVERSE_MAX {
        // As many updates between inversions as terms on the large path: bounds the
        // rounding they accumulate.
        if arc.sm_k >= SM_MEMORY {
            return false;
        }
        let ArcBuffers { aug, col, dir, .. } = arc;
        let updated = small_n_simd!(n, rank_one_inverse_n | rank_one_inverse_n_avx2(aug, col, dir));
        arc.sm_k += updated as usize;
        return updated;
    }
    let k = arc.sm_k;
    if k >= SM_MEMORY {
        return false;
    }
    let mut z = std::mem::take(&mut arc.rhs);
    z[..n].copy_from_slice(&arc.col[..n]);
    let solved = aug_solve(arc, &mut z, n);
    let den = 1.0 + dot(&arc.dir[..n], &z[..n]);
    let ok = solved && den.abs() > 1e-8;
    if ok {
        arc.sm_z[k * n..k * n + n].copy_from_slice(&z[..n]);
        arc.sm_v[k * n..k * n + n].copy_from_slice(&arc.dir[..n]);
        arc.sm_den[k] = den;
        arc.sm_k = k + 1;
    }
    arc.rhs = z;
    ok
}

/// Largest difference of two log-belief vectors in probability space.
fn belief_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0f64, |d, (x, y)| d.max((math::exp(*x) - math::exp(*y)).abs()))
}

/// The largest change between two vectors of probabilities.
fn max_move(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0f64, |worst, (x, y)| worst.max((x - y).abs()))
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter()
        .fold(0.0f64, |m, x| if x.is_nan() { f64::NAN } else { m.max(x.abs()) })
}

/// Pseudo-arclength continuation of the belief fixed point G(u, λ) = 0 from λ = 0 to
/// `target` (the first crossing). Passes turning points.
///
/// The corrector is Broyden's method on `[G(w) = 0, t_prev·(w − z_pred) = 0]`: the
/// Jacobian rows of G take a secant update after every evaluation (the first along the
/// predictor step), applied to the step's LU factors as Sherman–Morrison terms (O(n²)
/// per update instead of a new factorisation), so the corrector converges
/// superlinearly; the factorisation at an accepted point also yields the tangent. The Jacobian of G (one directional pass per column) is computed
/// exactly at λ = 0 and whenever the corrector struggles; in between it follows the path
/// by those updates, so a step usually costs three or four passes. Intermediate points are corrected to
/// [`PATH_TOLERANCE`]; the first crossing of the target is interpolated and solved by
/// Newton at fixed λ to [`FINAL_TOLERANCE`], and must stay next to the interpolated
/// point (otherwise the step is halved). On success `s.prob` holds the QRE.
///
/// With `resume` (only after a trace of the same solve gave up: the payoffs are loaded
/// and the buffers sized) the trace starts instead from a point of the branch the
/// general tracer handed back, after it took over from this tracer's checkpoint and
/// passed the point where this tracer gave up. The branch is oriented along
/// `resume.direction`, and `resume.at` is the trace's first checkpoint, so that if this
/// trace gives up too the general tracer can take over from there again.
#[allow(clippy::too_many_arguments)]
pub(crate) fn trace_beliefs_arclength(
    game: &Game,
    s: &mut Sweep,
    resume: Option<&Resume>,
    target: f64,
    tolerance: f64,
    first_step: f64,
    max_step: f64,
    max_steps: usize,
) -> Result<(), GaveUp> {
    // No checkpoint of an earlier trace survives (`Sweep::restart_point`).
    s.arc.recent.valid = false;
    s.arc.older.valid = false;
    s.arc.length = 0.0;
    if resume.is_none() {
        if s.n_odds() > MAX_BELIEF_UNKNOWNS || s.nm > 16 {
            return Err(GaveUp { lambda_reached: 0.0 });
        }
        // (The number of unknowns depends on the loaded numbers: see `Sweep::reduced`.)
        s.load_payoffs(game);
        let m = s.n_reduced();
        if s.arc.z.len() != m + 1 {
            s.arc = ArcBuffers::new(m);
        }
    }
    s.stalled_at_target = false;
    s.turned_too_often = false;
    s.stiff_steps = 0;
    let mut arc = std::mem::take(&mut s.arc);
    let result = trace_arc(
        game, s, &mut arc, resume, target, tolerance, first_step, max_step, max_steps,
    );
    s.arc = arc;
    result
}

#[allow(clippy::too_many_arguments)]
fn trace_arc(
    game: &Game,
    s: &mut Sweep,
    arc: &mut ArcBuffers,
    resume: Option<&Resume>,
    target: f64,
    tolerance: f64,
    first_step: f64,
    max_step: f64,
    max_steps: usize,
) -> Result<(), GaveUp> {
    let m = s.n_reduced();
    let n = m + 1;
    let refresh = |s: &mut Sweep, arc: &mut ArcBuffers| -> bool {
        s.eval_r(game, &arc.z, &mut arc.g_z);
        let ArcBuffers { z, dir, col, jac, .. } = arc;
        s.jacobian_r(z, dir, col, jac, n, n);
        arc_tangent(arc, n, true, true)
    };
    arc.prev_exact = false;
    arc.beliefs_z_valid = false;
    arc.probs_z_valid = false;
    if let Some(resume) = resume {
        // The exact Jacobian at the point handed back, whose tangent is oriented along
        // the general tracer's: its determinant's sign orients the branch from there.
        let lambda = resume.at[m];
        arc.z.copy_from_slice(resume.at);
        let norm = resume.direction.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return Err(GaveUp {
                lambda_reached: lambda,
            });
        }
        for (t, d) in arc.tangent_prev.iter_mut().zip(resume.direction) {
            *t = d / norm;
        }
        s.eval_r(game, &arc.z, &mut arc.g_z);
        {
            let ArcBuffers { z, dir, col, jac, .. } = &mut *arc;
            s.jacobian_r(z, dir, col, jac, n, n);
        }
        if !factor_aug(arc, n, false) {
            return Err(GaveUp {
                lambda_reached: lambda,
            });
        }
        arc.orientation_negative = arc.det_negative;
        if !arc_tangent(arc, n, false, false) {
            return Err(GaveUp {
                lambda_reached: lambda,
            });
        }
        arc.older.set(resume.at, resume.before, 0.0);
    } else {
        // λ = 0: uniform play, beliefs from it (G = 0 there exactly).
        arc.z.fill(0.0);
        s.eval_r(game, &arc.z, &mut arc.g_z);
        // G = Y − 0 at z = 0, so the point on the branch at λ = 0 is z = G.
        let (z, g_z) = (&mut arc.z, &arc.g_z);
        z[..m].copy_from_slice(&g_z[..m]);
        arc.z[m] = 0.0;
        if target == 0.0 {
            s.eval_r(game, &arc.z, &mut arc.g_z);
            return Ok(());
        }
        arc.tangent_prev.fill(0.0);
        arc.tangent_prev[m] = 1.0;
        // At λ = 0 play is uniform whatever the beliefs, so Y does not move with u and
        // ∂G/∂u = −I exactly: only the λ column takes a pass.
        s.eval_r(game, &arc.z, &mut arc.g_z);
        arc.jac.fill(0.0);
        for r in 0..m {
            arc.jac[r * n + r] = -1.0;
        }
        arc.dir.fill(0.0);
        arc.dir[m] = 1.0;
        {
            let ArcBuffers { z, dir, col, .. } = &mut *arc;
            s.directional_r(z, dir, col, None);
        }
        for r in 0..m {
            arc.jac[r * n + m] = arc.col[r];
        }
        // The exact Jacobian at λ = 0, whose tangent points to larger λ (`tangent_prev` is
        // e_λ): its determinant's sign orients the branch.
        if !factor_aug(arc, n, false) {
            return Err(GaveUp { lambda_reached: 0.0 });
        }
        arc.orientation_negative = arc.det_negative;
        if !arc_tangent(arc, n, false, false) {
            return Err(GaveUp { lambda_reached: 0.0 });
        }
    }
    let mut fresh = true;
    // Size of the last corrector move at the accepted point: `z` lies up to about this
    // far from the branch (it is corrected to PATH_TOLERANCE only, and near a turning
    // point a small |G| can mean a larger distance), and every next first correction
    // includes it however short the step.
    let mut z_offset = 0.0f64;
    let mut step = first_step;
    let mut steps = 0;
    // Whether the next step is on a stiff stretch (see `STIFF_BELIEF_MOVE`); only an
    // accepted step starts one, so `z_prev` then holds the accepted point before `z`.
    let mut stiff_mode = false;
    // Turning points (λ's direction along the branch reversed) passed so far, counting
    // only those at least `TURN_SPACING` along the branch after the previous reversal,
    // and the arclength since that reversal.
    let mut turns = 0usize;
    let mut since_turn = 0.0f64;
    while arc.z[m] < target {
        steps += 1;
        if steps > max_steps || step < 1e-12 * (1.0 + arc.z[m]) {
            return Err(GaveUp {
                lambda_reached: arc.z[m],
            });
        }
        // A step that would cross the target is cut to reach it exactly, and its
        // corrector holds λ at the target (Newton on the beliefs there), so the answer
        // is polished from a point on the branch at the target itself.
        let at_target = arc.tangent[m] > 0.0 && arc.z[m] + step * arc.tangent[m] >= target;
        let this_step = if at_target {
            (target - arc.z[m]) / arc.tangent[m]
        } else {
            step
        };
        for i in 0..n {
            arc.z_pred[i] = arc.z[i] + this_step * arc.tangent[i];
        }
        if at_target {
            arc.z_pred[m] = target;
        }
        // On a stiff stretch: the cubic through `z_prev` and `z` with their tangents
        // (`arc.w` holds its departure from the tangent line), unless it departs too far.
        let mut stiff = stiff_mode;
        if stiff {
            let h0 = (0..n)
                .map(|i| (arc.z[i] - arc.z_prev[i]).powi(2))
                .sum::<f64>()
                .sqrt();
            let h = this_step;
            // The cubic's departure from the tangent line, into `arc.w`: in 1/λ where λ
            // grows, else in arclength.
            stiff = h0 > 0.0 && {
                if !asymptotic_cubic(arc, m) {
                    for i in 0..n {
                        let e = (arc.tangent[i] - arc.tangent_prev[i]) / h0;
                        let d = (arc.z_prev[i] - arc.z[i] + arc.tangent[i] * h0) / (h0 * h0);
                        arc.w[i] = (3.0 * d - e) * h * h + (2.0 * d - e) / h0 * h * h * h;
                    }
                }
                arc.w.iter().map(|t| t * t).sum::<f64>().sqrt() <= STIFF_CUBIC * h
            };
            if stiff {
                for i in 0..n {
                    arc.z_pred[i] += arc.w[i];
                }
                if at_target {
                    arc.z_pred[m] = target;
                }
            }
        }
        arc.w.copy_from_slice(&arc.z_pred);
        // The corrector is Broyden's method on [G; hyperplane]: the Jacobian rows of G
        // take a rank-one secant update after every evaluation (the first one along the
        // predictor step), so it converges superlinearly where a chord iteration on the
        // Jacobian at `z` only contracts linearly. A failed attempt restores `jac_z`.
        arc.jac_z.copy_from_slice(&arc.jac);
        let (start_generation, start_terms) = (arc.generation, arc.sm_k);
        // Only a failure with a fresh Jacobian copies it back (below).
        if fresh && n <= INVERSE_MAX {
            arc.aug_z.copy_from_slice(&arc.aug[..n * n]);
        }
        // An ordinary step between exact Jacobians starts from the Jacobian extrapolated
        // to the prediction (see `extrapolate_jacobian`).
        let extrapolated = fresh && arc.prev_exact && !stiff;
        if extrapolated {
            extrapolate_jacobian(arc, m, this_step);
            if !at_target && !factor_aug(arc, n, false) {
                return Err(GaveUp {
                    lambda_reached: arc.z[m],
                });
            }
        }
        if at_target && !factor_aug(arc, n, true) {
            return Err(GaveUp {
                lambda_reached: arc.z[m],
            });
        }
        let mut converged = false;
        // Largest first correction, and whole correction, the step may make.
        let correction_bound = if stiff {
            STIFF_MAX_FIRST_CORRECTION
        } else {
            this_step.clamp(1e-3, MAX_FIRST_CORRECTION)
        }
        .max(4.0 * z_offset);
        let mut previous = f64::INFINITY;
        let mut first_correction = 0.0;
        let mut contraction = 0.0f64;
        let mut iterations = 0;
        for it in 0..12 {
            iterations = it;
            s.eval_r(game, &arc.w, &mut arc.g);
            let r = max_abs(&arc.g[..m]);
            if r.is_nan() {
                break;
            }
            {
                let ArcBuffers {
                    jac,
                    z,
                    g_z,
                    w,
                    g,
                    w_prev,
                    g_prev,
                    dir,
                    col,
                    ..
                } = &mut *arc;
                let exact = it == 0 && stiff;
                let updated = if exact {
                    // The exact Jacobian at the prediction (the passes hold `w`'s state).
                    s.jacobian_r(w, dir, col, jac, n, n);
                    false
                } else if it == 0 {
                    broyden_update(jac, Secant::between(z, w, g_z, g), dir, col, m, n)
                } else {
                    broyden_update(jac, Secant::between(w_prev, w, g_prev, g), dir, col, m, n)
                };
                let factored = if exact {
                    factor_aug(arc, n, at_target)
                } else {
                    !updated || aug_update(arc, n) || factor_aug(arc, n, at_target)
                };
                if !factored {
                    break;
                }
            }
            if r <= PATH_TOLERANCE || (it > 1 && previous <= 1e-9) {
                converged = true;
                break;
            }
            for r in 0..m {
                arc.rhs[r] = -arc.g[r];
            }
            arc.rhs[m] = if at_target {
                0.0
            } else {
                -(0..n)
                    .map(|i| arc.tangent_prev[i] * (arc.w[i] - arc.z_pred[i]))
                    .sum::<f64>()
            };
            let mut rhs = std::mem::take(&mut arc.rhs);
            let solved = aug_solve(arc, &mut rhs, n);
            arc.rhs = rhs;
            if !solved {
                break;
            }
            if at_target {
                arc.rhs[m] = 0.0;
            }
            let norm = arc.rhs.iter().map(|v| v * v).sum::<f64>().sqrt();
            if it == 0 {
                // The predictor landed too far from the branch for this step length.
                if norm > correction_bound {
                    break;
                }
                first_correction = norm;
            } else {
                contraction = contraction.max(norm / previous);
                if norm > MAX_CONTRACTION * previous {
                    // Stalled. At large λ the log-odds of nearly certain beliefs can
                    // stall far above the tolerance while no belief moves: accept the
                    // point when its residual, weighted by the beliefs' sensitivity, is
                    // within the tolerance, and the corrector stalls rather than
                    // diverges (a growing move says the point is not on the branch: next
                    // to a nearly singular point, accepting it stalled every later step).
                    converged = !at_target
                        && norm <= previous
                        && s.belief_residual(&arc.w[..m], &arc.g[..m]) <= PATH_TOLERANCE;
                    break;
                }
            }
            previous = norm;
            arc.w_prev.copy_from_slice(&arc.w);
            arc.g_prev.copy_from_slice(&arc.g);
            for i in 0..n {
                arc.w[i] += arc.rhs[i];
                if i < m {
                    arc.w[i] = arc.w[i].clamp(-ODDS_BOUND, ODDS_BOUND);
                }
            }
        }
        if converged && !at_target {
            // The whole correction, not only its first move, must stay within the
            // step's bound: a corrector that contracts slowly can wander across a fold
            // to another branch while every single move looks acceptable.
            let moved = (0..n)
                .map(|i| (arc.w[i] - arc.z_pred[i]).powi(2))
                .sum::<f64>()
                .sqrt();
            if moved > correction_bound {
                converged = false;
            }
        }
        // (`odds_distance` of `z` and `w`, with the beliefs at `z` kept from the step
        // that accepted it.)
        let moved_beliefs = if converged {
            if !arc.beliefs_z_valid {
                s.belief_probs(&arc.z[..m], &mut arc.beliefs_z);
                arc.beliefs_z_valid = true;
            }
            // (The passes hold the corrector's last point, `w`, and its beliefs.)
            arc.beliefs_w.clear();
            arc.beliefs_w.extend_from_slice(&s.beliefs);
            max_move(&arc.beliefs_z, &arc.beliefs_w)
        } else {
            0.0
        };
        if moved_beliefs > MAX_BELIEF_MOVE || (stiff && moved_beliefs > STIFF_MAX_BELIEF_MOVE) {
            converged = false;
        }
        // (The passes hold the corrector's last point, `w`.)
        if converged && arc.probs_z_valid && max_move(&arc.probs_z, &s.prob) > MAX_ACTION_MOVE {
            converged = false;
        }
        if !converged {
            arc.jac.copy_from_slice(&arc.jac_z);
            // A failed stiff step ends the stretch and is retried at the same length as
            // an ordinary step (as an ordinary step whose Jacobian was not fresh is).
            stiff_mode = false;
            if !fresh {
                // Retry the step with the exact Jacobian before shortening it.
                if !refresh(s, arc) {
                    return Err(GaveUp {
                        lambda_reached: arc.z[m],
                    });
                }
                fresh = true;
            } else {
                // Back to the factors of `[jac_z; tangent_prev]`: LU factors the
                // step did not replace only took Sherman–Morrison terms, which are
                // dropped; the small explicit inverse, updated in place, is copied back
                // from the step's start. (The Jacobian is fresh here, so that inverse
                // was itself a fresh inversion of the same matrix: the same bits as
                // inverting again, for a copy of n² numbers per such step.)
                let kept = n > INVERSE_MAX && arc.generation == start_generation;
                if kept {
                    arc.sm_k = start_terms;
                } else if n <= INVERSE_MAX {
                    arc.aug[..n * n].copy_from_slice(&arc.aug_z);
                    arc.sm_k = start_terms;
                } else if !factor_aug(arc, n, false) {
                    return Err(GaveUp {
                        lambda_reached: arc.z[m],
                    });
                }
                if !stiff {
                    step = this_step * 0.5;
                }
            }
            continue;
        }
        if at_target || arc.w[m] >= target {
            if at_target {
                // Polish from the corrected point at the target itself.
                s.u_pred[..m].copy_from_slice(&arc.w[..m]);
            } else {
                // Polish from the interpolation at the target between `z` and `w`.
                let frac = (target - arc.z[m]) / (arc.w[m] - arc.z[m]);
                for j in 0..m {
                    s.u_pred[j] = (arc.z[j] + frac * (arc.w[j] - arc.z[j])).clamp(-ODDS_BOUND, ODDS_BOUND);
                }
            }
            // At the target the corrector's last evaluation was at `w` itself.
            if polish_at_target(game, s, arc, target, tolerance, this_step, at_target) {
                return Ok(());
            }
            if s.stalled_at_target {
                return Err(GaveUp {
                    lambda_reached: target,
                });
            }
            step = this_step * 0.5;
            // The polish moved the state away from `z`.
            if !refresh(s, arc) {
                return Err(GaveUp {
                    lambda_reached: arc.z[m],
                });
            }
            fresh = true;
            continue;
        }
        // Accept `w`. The last evaluation was at `w`, so an exact Jacobian there needs
        // only the directional passes.
        stiff_mode = moved_beliefs <= STIFF_BELIEF_MOVE
            && first_correction <= STIFF_CURVATURE * this_step * this_step
            && if stiff {
                first_correction <= STIFF_MAX_FIRST_CORRECTION
            } else {
                iterations >= 2
                    && first_correction <= STIFF_ENTRY_FIRST_CORRECTION
                    && (STIFF_ENTRY_CONTRACTION..=MAX_CONTRACTION).contains(&contraction)
            };
        // A stiff stretch starts from the exact Jacobian at `w`: the first stiff step's
        // cubic in 1/λ multiplies an error of the tangent at `w` by about λ (on
        // `signal_3p_two_receivers` the first stiff step at λ = 22 then lands 3e-9
        // from the branch instead of 9e-3, which failed it).
        let started_exact = fresh;
        let row_updated = if iterations > 5 || (stiff_mode && !stiff) {
            let ArcBuffers { w, dir, col, jac, .. } = &mut *arc;
            s.jacobian_r(w, dir, col, jac, n, n);
            fresh = true;
            false
        } else {
            // `jac` already carries the corrector's secant updates, and so do the
            // factors of `[jac; tangent_prev]`; the tangent at `w` needs the last row
            // `tangent` instead: one more rank-one term (a refactorisation when the
            // terms are full or the update is nearly singular).
            fresh = false;
            for i in 0..n {
                arc.dir[i] = arc.tangent[i] - arc.tangent_prev[i];
                arc.col[i] = 0.0;
            }
            arc.col[n - 1] = 1.0;
            aug_update(arc, n)
        };
        // Exact Jacobians at both ends of the step: the next step can extrapolate. Only
        // up to INVERSE_MAX unknowns: on a 371-node random game above that size, the
        // extrapolated retries next to a nearly singular point kept failing and the
        // solve went to the general tracer (`ARCHITECTURE.md`).
        arc.prev_exact = n <= INVERSE_MAX && started_exact && fresh;
        if arc.prev_exact {
            arc.jac_prev_exact.copy_from_slice(&arc.jac_z);
        }
        arc.tangent_prev.copy_from_slice(&arc.tangent);
        arc.z_prev.copy_from_slice(&arc.z);
        s.stiff_steps += stiff as usize;
        arc.z.copy_from_slice(&arc.w);
        arc.g_z.copy_from_slice(&arc.g);
        std::mem::swap(&mut arc.beliefs_z, &mut arc.beliefs_w);
        arc.probs_z.clear();
        arc.probs_z.extend_from_slice(&s.prob);
        arc.probs_z_valid = true;
        arc.checkpoint(this_step);
        z_offset = if previous.is_finite() { previous } else { 0.0 };
        if !arc_tangent(arc, n, !row_updated, fresh) {
            if fresh || !refresh(s, arc) {
                return Err(GaveUp {
                    lambda_reached: arc.z[m],
                });
            }
            fresh = true;
        }
        since_turn += this_step;
        if arc.tangent[m] * arc.tangent_prev[m] < 0.0 {
            turns += (since_turn >= TURN_SPACING) as usize;
            since_turn = 0.0;
            if turns > MAX_TURNS {
                s.turned_too_often = true;
                return Err(GaveUp {
                    lambda_reached: arc.z[m],
                });
            }
        }
        // Step control from the distance of the prediction to the branch (∝ step²)
        // and the corrector's contraction (∝ step for the chord iteration).
        let by_distance = if first_correction > 0.0 {
            (TARGET_FIRST_CORRECTION / first_correction).sqrt()
        } else {
            MAX_GROWTH
        };
        let by_contraction = if contraction > 0.0 {
            TARGET_CONTRACTION / contraction
        } else {
            MAX_GROWTH
        };
        let by_beliefs = if moved_beliefs > 0.0 {
            TARGET_BELIEF_MOVE / moved_beliefs
        } else {
            MAX_GROWTH
        };
        step = if stiff {
            // The cubic's error and Newton's first contraction grow as the step's fourth
            // power.
            let by_distance = if first_correction > 0.0 {
                math::powf(STIFF_TARGET_FIRST_CORRECTION / first_correction, 0.25)
            } else {
                STIFF_MAX_GROWTH
            };
            let by_contraction = if contraction > 0.0 {
                math::powf(TARGET_CONTRACTION / contraction, 0.25)
            } else {
                STIFF_MAX_GROWTH
            };
            (step
                * by_distance
                    .min(by_contraction)
                    .min(by_beliefs)
                    .clamp(0.5, STIFF_MAX_GROWTH))
            .min(max_step)
        } else {
            (step
                * by_distance
                    .min(by_contraction)
                    .min(by_beliefs)
                    .clamp(0.5, MAX_GROWTH))
            .min(max_step)
        };
    }
    Err(GaveUp {
        lambda_reached: arc.z[m],
    })
}

/// The departure from the tangent line (into `arc.w`, with 0 for λ) of the prediction
/// at λ = `arc.z_pred[m]` by the cubic in 1/λ through `z_prev` and `z` with their
/// tangents, of the log-odds times 1/λ; false unless λ grows along both tangents and
/// from `z_prev` through `z` to the prediction.
///
/// On the way to a limit equilibrium each log-odds is, to exponentially small terms,
/// β·λ + α + γ/λ + δ/λ² + O(λ⁻³): linear in λ where a belief goes to certainty, constant
/// plus powers of 1/λ where it holds another player indifferent. Times x = 1/λ that is a
/// cubic in x, which the Hermite cubic through two points reproduces exactly, where the
/// cubic in arclength fits 1/λ poorly once a step is a sizeable fraction of λ. With
/// w = x·u, dw/dx = u − λ·du/dλ.
fn asymptotic_cubic(arc: &mut ArcBuffers, m: usize) -> bool {
    let (l0, l1, l2) = (arc.z_prev[m], arc.z[m], arc.z_pred[m]);
    let (t0, t1) = (arc.tangent_prev[m], arc.tangent[m]);
    if !(l0 > 0.0 && l1 > l0 && l2 > l1 && t0 > 0.0 && t1 > 0.0) {
        return false;
    }
    let (x0, x1, x2) = (1.0 / l0, 1.0 / l1, 1.0 / l2);
    let hx = x1 - x0;
    let s = (x2 - x0) / hx;
    let (s2, s3) = (s * s, s * s * s);
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = (s3 - 2.0 * s2 + s) * hx;
    let h01 = 3.0 * s2 - 2.0 * s3;
    let h11 = (s3 - s2) * hx;
    for i in 0..m {
        let (u0, u1) = (arc.z_prev[i], arc.z[i]);
        let dw0 = u0 - l0 * arc.tangent_prev[i] / t0;
        let dw1 = u1 - l1 * arc.tangent[i] / t1;
        let w2 = h00 * u0 * x0 + h10 * dw0 + h01 * u1 * x1 + h11 * dw1;
        arc.w[i] = w2 * l2 - arc.z_pred[i];
    }
    arc.w[m] = 0.0;
    true
}

/// Sets `jac` (the rows of G) to the linear extrapolation along the path, to the
/// prediction `step` beyond `z`, of the exact Jacobians at `z_prev` (`jac_prev_exact`)
/// and `z` (`jac_z`): the corrector's first secant update starts from it.
///
/// Where the path is nearly straight but the corrector contracts slowly (on
/// `signal_3p_two_receivers` from λ ≈ 4 to 35: a ratio of 0.45–0.5 per iteration, 8
/// iterations per step, so every accepted point refreshed its Jacobian), the Jacobian
/// changes along the path faster than the secant updates learn it. The extrapolation
/// costs m·n operations and one small inversion; on that game it saves 13% of the
/// instructions over ten λ (`ARCHITECTURE.md`).
fn extrapolate_jacobian(arc: &mut ArcBuffers, m: usize, step: f64) {
    let n = m + 1;
    let h0 = (0..n)
        .map(|i| (arc.z[i] - arc.z_prev[i]).powi(2))
        .sum::<f64>()
        .sqrt();
    let f = if h0 > 0.0 { step / h0 } else { 0.0 };
    for ((j, &jz), &jp) in arc.jac.iter_mut().zip(&arc.jac_z).zip(&arc.jac_prev_exact) {
        *j = jz + f * (jz - jp);
    }
}

/// Newton (Broyden) at fixed λ = `target` from the beliefs in `s.u_pred`: the corrected
/// point at the target, or the interpolation at the target between the accepted point
/// and a corrected point beyond it. Succeeds when |G| reaches [`FINAL_TOLERANCE`], the
/// profile's logit residual is at most `tolerance / 4`, and the answer's beliefs lie
/// within `min(0.05, max(10·step, 1e-4))` of the start (a solution farther away may lie on another
/// branch). When |G| stalls at the rounding level (an exact step that does not halve it
/// below 1e-8), or wanders below [`STALLED_RESIDUAL`] until the iterations run out, the
/// last point is judged by the same two conditions; one that fails only the residual,
/// by at most [`STALLED_RESIDUAL`], sets `stalled_at_target` for the refinement on
/// Gambit's equations.
#[allow(clippy::too_many_arguments)]
fn polish_at_target(
    game: &Game,
    s: &mut Sweep,
    arc: &mut ArcBuffers,
    target: f64,
    tolerance: f64,
    step: f64,
    evaluated: bool,
) -> bool {
    let m = s.n_reduced();
    let n = m + 1;
    // Floored: a step that lands a hair below the target leaves a tiny last step, and
    // the polish must still be allowed the corrector's own rounding-level moves.
    let move_bound = 0.05_f64.min((10.0 * step).max(1e-4));
    arc.w[..m].copy_from_slice(&s.u_pred[..m]);
    arc.w[m] = target;
    // Broyden's method at fixed λ: the augmented matrix with the row e_λ (so the λ
    // column plays no part), starting from the path's Jacobian, secant updates after
    // every evaluation, an exact Jacobian when it contracts slowly.
    let mut factored = factor_aug(arc, n, true);
    let mut refreshes = 0;
    let mut previous = f64::INFINITY;
    let mut exact_step = false;
    for it in 0..40 {
        // With `evaluated`, `arc.g` and the passes' state already belong to the start
        // point (the corrector's last evaluation): the same numbers, one pass fewer.
        if it > 0 || !evaluated {
            s.eval_r(game, &arc.w, &mut arc.g);
        }
        let r = max_abs(&arc.g[..m]);
        if r.is_nan() {
            return false;
        }
        // Stalled: an exact Newton step (fresh Jacobian) did not halve |G| near the
        // rounding level. A slow secant step is not a stall: the Jacobian is refreshed.
        let stalled = r <= 1e-8 && r >= 0.5 * previous && exact_step;
        if r <= FINAL_TOLERANCE || stalled {
            // Converged (or stalled at rounding level): the profile must meet the
            // tolerance and the answer must stay on this branch.
            s.ensure_u_next();
            let residual = s.residual(&s.u_next, target);
            if residual > 0.25 * tolerance {
                if r <= 1e-14 || stalled {
                    let near = s.distance_to_prediction(&arc.w[..m]) <= move_bound;
                    s.stalled_at_target = r <= 1e-8 && residual <= STALLED_RESIDUAL && near;
                    return false;
                }
            } else {
                return s.distance_to_prediction(&arc.w[..m]) <= move_bound;
            }
        }
        exact_step = false;
        if (!factored || r > 0.25 * previous) && refreshes < 3 {
            refreshes += 1;
            exact_step = true;
            let ArcBuffers { w, dir, col, jac, .. } = &mut *arc;
            s.jacobian_r(w, dir, col, jac, n, m);
            factored = factor_aug(arc, n, true);
        } else if it > 0 && factored {
            let updated = {
                let ArcBuffers {
                    jac,
                    w,
                    g,
                    w_prev,
                    g_prev,
                    dir,
                    col,
                    ..
                } = &mut *arc;
                broyden_update(jac, Secant::between(w_prev, w, g_prev, g), dir, col, m, n)
            };
            if updated && !aug_update(arc, n) {
                factored = factor_aug(arc, n, true);
            }
        }
        if !factored {
            return false;
        }
        previous = r;
        for j in 0..m {
            arc.rhs[j] = -arc.g[j];
        }
        arc.rhs[m] = 0.0;
        let mut rhs = std::mem::take(&mut arc.rhs);
        let solved = aug_solve(arc, &mut rhs, n);
        arc.rhs = rhs;
        if !solved || max_abs(&arc.rhs[..m]) > 1.0 {
            return false;
        }
        arc.w_prev.copy_from_slice(&arc.w);
        arc.g_prev.copy_from_slice(&arc.g);
        for j in 0..m {
            arc.w[j] = (arc.w[j] + arc.rhs[j]).clamp(-ODDS_BOUND, ODDS_BOUND);
        }
    }
    // Out of iterations with |G| wandering at a rounding level above the stall's 1e-8:
    // the point is judged like a stalled one. (Random signaling games of 161 and 225
    // nodes at λ = 82.8 and 99.1 wander between 3e-8 and 5e-8 with exact Jacobians;
    // every polish used to fail, the steps shrank to nothing and the general tracer
    // failed too. Their answers, refined on Gambit's equations, are Gambit's.)
    s.eval_r(game, &arc.w, &mut arc.g);
    let r = max_abs(&arc.g[..m]);
    if r.is_nan() || r > STALLED_RESIDUAL {
        return false;
    }
    s.ensure_u_next();
    let residual = s.residual(&s.u_next, target);
    let near = s.distance_to_prediction(&arc.w[..m]) <= move_bound;
    if residual <= 0.25 * tolerance {
        return near;
    }
    s.stalled_at_target = residual <= STALLED_RESIDUAL && near;
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::{QreConfig, QreMethod, solve_qre};

    /// `game`'s QRE at λ by `method` with steps of at most 0.05 (a reference that
    /// follows sharp turns of the branch).
    fn bounded_solve(game: &Game, lambda: f64, method: QreMethod) -> Vec<f64> {
        let config = QreConfig {
            lambda,
            method,
            max_step: 0.05,
            ..QreConfig::default()
        };
        solve_qre(game, &config).unwrap().probs
    }

    /// The random signaling game `(players, nodes, seed)`, solved at λ by the default
    /// method in a fresh workspace, which is returned for its diagnostics.
    fn default_solve(
        players: usize,
        nodes: usize,
        seed: u64,
        lambda: f64,
    ) -> (
        Game,
        crate::solve::Workspace,
        Result<crate::game::Profile, crate::solve::SolveError>,
    ) {
        let game = crate::solve::random::random_signaling_game(players, nodes, seed);
        let mut ws = crate::solve::Workspace::new(&game);
        let mut profile = crate::game::Profile {
            probs: vec![0.0; game.n_actions()],
        };
        let config = QreConfig {
            lambda,
            ..QreConfig::default()
        };
        let solved = crate::solve::qre_into(&game, &config, &mut ws, &mut profile).map(|()| profile);
        (game, ws, solved)
    }

    /// Each random signaling game (players, nodes, seed, λ) is solved by the default
    /// tracer without the general tracer, to within 1e-8 of a solve with steps of at
    /// most 0.05.
    fn solves_alone_like_the_bounded_trace(cases: &[(usize, usize, u64, f64)]) {
        for &(players, nodes, seed, lambda) in cases {
            let (game, ws, solved) = default_solve(players, nodes, seed, lambda);
            let profile = solved.unwrap();
            assert_eq!(
                ws.qre.general_traces, 0,
                "seed {seed}: left to the general tracer"
            );
            let bounded = bounded_solve(&game, lambda, QreMethod::default());
            let apart = max_move(&profile.probs, &bounded);
            assert!(apart <= 1e-8, "seed {seed}: {apart:e} from the bounded solve");
        }
    }

    /// The largest gap between `probs` and the answer of the general tracer (Gambit's
    /// formulation) traced from λ = 0 with its own steps.
    fn gap_to_general_trace(game: &Game, lambda: f64, probs: &[f64]) -> f64 {
        let config = QreConfig {
            lambda,
            method: QreMethod::ArclengthOnActions,
            ..QreConfig::default()
        };
        max_move(probs, &solve_qre(game, &config).unwrap().probs)
    }

    /// Stiff stretches engage where they should: on `signal_3p_two_receivers` from
    /// λ ≈ 20 on (entries of the Jacobian near 10⁵), and on the 323-node 4-player game
    /// at λ = 20, where the path is about 2,400 ordinary steps long. (That the answers
    /// stay Gambit's is checked by `tests/gambit_golden.rs` on the same games.)
    #[test]
    fn stiff_stretches_engage_on_stiff_paths() {
        for (file, lambda) in [
            ("signal_3p_two_receivers.efg", 50.0),
            ("imperfect_4p_large.efg", 20.0),
        ] {
            let path = format!("{}/tests/golden/gambit/{file}", env!("CARGO_MANIFEST_DIR"));
            let source = std::fs::read_to_string(&path).unwrap();
            let game = crate::gambit::parse_efg(&source, &path).unwrap();
            let layout = Layout::new(&game);
            let mut s = Sweep::new(&game, &layout).expect("the sets order");
            let traced =
                trace_beliefs_arclength(&game, &mut s, None, lambda, 1e-10, 0.2, f64::INFINITY, 100_000);
            assert!(traced.is_ok() || s.stalled_at_target, "{file} at λ = {lambda}");
            assert!(s.stiff_steps > 0, "{file} at λ = {lambda}: no stiff step");
        }
    }

    /// The branch keeps its orientation through turns of more than 90° within one step
    /// (see [`arc_tangent`]): on these random signaling games the first or a later
    /// step ends past such a turn, and with the tangent oriented along the previous one
    /// the tracer went back down the branch (to λ = −42 on the first game) and gave up,
    /// leaving the solve to the general tracer. Each now reaches the target, on the branch
    /// the bounded reference tracer (Gambit's formulation, steps of at most 0.05) follows.
    #[test]
    fn orientation_survives_a_sharp_turn() {
        use crate::solve::random::random_signaling_game;
        for (players, nodes, seed, lambda) in [
            (3, 60, 11717555672735355194, 0.2426216545140156),
            (3, 71, 2517897833558277001, 14.770930492851614),
            (2, 11, 14689089967970515987, 3.024019977963271),
            (3, 22, 2677913073109362945, 1.6057948870911678),
            (2, 17, 5578493784598073140, 5.907709757211864),
        ] {
            let game = random_signaling_game(players, nodes, seed);
            let layout = Layout::new(&game);
            let mut s = Sweep::new(&game, &layout).expect("the sets order");
            let traced =
                trace_beliefs_arclength(&game, &mut s, None, lambda, 1e-10, 0.2, f64::INFINITY, 100_000);
            assert!(
                traced.is_ok(),
                "seed {seed}: gave up at λ = {:?}",
                traced.err().map(|e| e.lambda_reached)
            );
            let reference = bounded_solve(&game, lambda, QreMethod::ArclengthOnActions);
            let off = max_move(&s.prob, &reference);
            assert!(off <= 1e-6, "seed {seed}: {off:e} from the reference");
        }
    }

    /// A stalled corrector's point is accepted only while its moves do not grow. On these
    /// random signaling games of 530–750 nodes the tracer used to accept points from
    /// diverging correctors next to a nearly singular point, stalled there with steps
    /// shrinking to nothing, and left the solve to the general tracer; on the second
    /// game that one, with its Gambit-like doubling steps, then ended on another branch
    /// (0.69 away in probability; the bounded reference tracer, steps of at most 0.2,
    /// took 3 minutes to agree with the answer here to 2e-13). The belief tracer now
    /// reaches the target (on the second game finished by the last Newton step on
    /// Gambit's equations), at the answer of a solve with steps of at most 0.05.
    #[test]
    fn a_diverging_corrector_does_not_stall_the_trace() {
        solves_alone_like_the_bounded_trace(&[
            (2, 371, 5423865870756092322, 7.192591520247655),
            (4, 369, 11720619937696582130, 19.300773430091677),
            (4, 264, 3820449624765854176, 21.86258870225538),
        ]);
    }

    /// Two random signaling games (845 and 1,453 nodes) whose belief polish stalls at
    /// λ ≈ 44–48 with logit residuals just above the tolerance, and where actions of
    /// vanishing probability underflow to 0: the refinement on Gambit's equations
    /// converges from the tracer's log-probabilities. From the logarithms of the
    /// clamped probabilities it diverged, and the general tracer then failed on such
    /// games. (The second game was `(2, 782, 14077821325110539651)` at λ = 47.83 until
    /// the portable `crate::math` moved its last bits and its polish no longer stalled.)
    #[test]
    fn a_stalled_polish_is_refined_from_exact_log_probabilities() {
        for (players, nodes, seed, lambda) in [
            (2, 422, 1655020976119598969, 43.83736076498305),
            (2, 726, 17110073900127034836, 47.799411016134115),
        ] {
            let (_, ws, solved) = default_solve(players, nodes, seed, lambda);
            let profile = solved.unwrap_or_else(|e| panic!("seed {seed}: {e:?}"));
            assert!(
                profile.probs.contains(&0.0),
                "seed {seed}: no probability underflows, so this no longer tests the refinement"
            );
            assert!(
                ws.qre.sweep.as_ref().is_some_and(|s| s.stalled_at_target),
                "seed {seed}: the polish no longer stalls, so this no longer tests the refinement"
            );
            assert_eq!(
                ws.qre.general_traces, 0,
                "seed {seed}: left to the general tracer"
            );
        }
    }

    /// Random signaling games (161 and 225 nodes) whose polish at the target wanders
    /// with |G| between 3e-8 and 5e-8 at λ = 82.8 and 99.1 until its iterations run
    /// out. It used to fail every time, the steps shrank to nothing, and the general
    /// tracer failed too (Gambit's `logit_solve_lambda` stops at λ = 59.4 and 26.9 on
    /// them). The last point is now judged like a stalled one and refined on Gambit's
    /// equations; the answer is that of a solve with steps of at most 0.05.
    #[test]
    fn a_polish_wandering_at_the_rounding_level_is_refined() {
        solves_alone_like_the_bounded_trace(&[
            (4, 80, 3428839001382880354, 82.82338088345469),
            (2, 112, 12405482209291730920, 99.08439750581168),
        ]);
    }

    /// Random signaling games on which the general tracer's corrector stalls at the
    /// rounding level of its equations: at |H| ≈ 1.1e-11 (just above its tolerance of
    /// 1e-11) with moves of 1e-12 on the 243-node game at λ ≈ 77, at 2.6e-10 with moves
    /// above 1e-9 on the 509-node game at λ ≈ 113. Every step there failed, and so did
    /// the solve, by either tracer. Such a stall now converges; both tracers solve both
    /// games, to the same answer.
    #[test]
    fn the_general_tracer_accepts_a_stall_at_the_rounding_level() {
        for (players, nodes, seed, lambda) in [
            (4, 120, 18084309255870258324, 92.92712563872202),
            (4, 254, 12777920319471069459, 131.66946144046378),
        ] {
            let (game, _, solved) = default_solve(players, nodes, seed, lambda);
            let profile = solved.unwrap();
            let apart = gap_to_general_trace(&game, lambda, &profile.probs);
            assert!(
                apart <= 1e-9,
                "seed {seed}: {apart:e} from the general trace from λ = 0"
            );
        }
    }

    /// Random signaling games (35–267 nodes, λ = 24–484) on which the belief tracer gives
    /// up next to a nearly singular point: the general tracer takes over from the
    /// trace's older checkpoint instead of from λ = 0. On the first game it finishes the
    /// solve; on the second it hands back to a belief trace once past the point where
    /// the first one gave up; on the third that trace gives up too, twice, and each
    /// next round hands back again. Each ends at the answer of a general trace from
    /// λ = 0 (Gambit's formulation all the way). (The third game was
    /// `(4, 62, 984950773869241127)` at λ = 34.79, with two rounds, until the backward
    /// pass began summing a set's children before dividing by Σ: that game's trace
    /// now passes the point without the general tracer; this one, from the random
    /// sets of `ARCHITECTURE.md`, takes three.)
    #[test]
    fn a_fallback_restarts_from_the_belief_trace_checkpoint() {
        for (players, nodes, seed, lambda, restarts, handbacks) in [
            (3, 69, 13523078966314126852, 59.745807253098754, 1, 0),
            (3, 15, 9855992274831927953, 24.136055855412874, 1, 1),
            (2, 131, 13529240338700985034, 483.7681915293469, 3, 3),
        ] {
            let (game, ws, solved) = default_solve(players, nodes, seed, lambda);
            let profile = solved.unwrap();
            assert_eq!(
                (
                    ws.qre.general_traces,
                    ws.qre.restarts,
                    ws.qre.restarts_failed,
                    ws.qre.handbacks
                ),
                (1, restarts, 0, handbacks),
                "seed {seed}: (fallbacks, restarts, failed restarts, hand-backs)"
            );
            let apart = gap_to_general_trace(&game, lambda, &profile.probs);
            assert!(
                apart <= 1e-9,
                "seed {seed}: {apart:e} from the general trace from λ = 0"
            );
        }
    }

    /// The 657-node random signaling game of `MAX_ACTION_MOVE`: one long step on a
    /// straight stretch flipped an action probability by 1.000 and ended on another
    /// branch, 0.94 from the answer that steps of at most 0.5 give. The bound on a
    /// step's action move shortens it, and the default answer is the bounded one.
    #[test]
    fn a_step_that_flips_an_action_is_shortened() {
        let lambda = 48.838276986441365;
        let game = crate::solve::random::random_signaling_game(3, 328, 2461576129787817470);
        let config = |max_step| QreConfig {
            lambda,
            max_step,
            ..QreConfig::default()
        };
        let default = solve_qre(&game, &config(f64::INFINITY)).unwrap();
        let bounded = solve_qre(&game, &config(0.5)).unwrap();
        let apart = max_move(&default.probs, &bounded.probs);
        assert!(apart < 1e-9, "{apart:e} from the trace with steps of at most 0.5");
    }

    /// A headline subgame of the issue-size Sobol' design
    /// (`tests/golden/gambit/closed_branch/`) where a long step reaches a closed branch:
    /// the trace gives up after `MAX_TURNS` turning points and the retry with bounded
    /// steps answers, with no general trace. (`tests/gambit_golden.rs` checks the answer
    /// against Gambit's.)
    #[test]
    fn a_trace_round_a_closed_branch_is_retried_with_bounded_steps() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/gambit/closed_branch/headline_sobol_subgame_a.efg"
        );
        let game = crate::gambit::parse_efg(&std::fs::read_to_string(path).unwrap(), path).unwrap();
        let mut ws = crate::solve::Workspace::new(&game);
        let mut profile = game.uniform_profile();
        let config = QreConfig {
            lambda: 7.9252168397651985,
            ..QreConfig::default()
        };
        crate::solve::qre::solve_qre_into(&game, &config, &mut ws, &mut profile).unwrap();
        assert_eq!(
            (ws.qre.closed_branch_retries, ws.qre.general_traces),
            (1, 0),
            "(retries with bounded steps, general traces)"
        );
    }

    /// The cubic in 1/λ of stiff stretches reproduces log-odds of the form
    /// β·λ + α + γ/λ + δ/λ² exactly, from two points and their tangents, however far it
    /// extrapolates; it declines where λ does not grow.
    #[test]
    fn the_asymptotic_cubic_is_exact_on_the_limit_form() {
        let coef = [
            [2.0, -1.0, 3.0, -5.0],
            [0.0, 0.7, -4.0, 12.0],
            [-1.5, 0.0, 0.0, 0.0],
        ];
        let m = coef.len();
        let n = m + 1;
        let u = |c: &[f64; 4], l: f64| c[0] * l + c[1] + c[2] / l + c[3] / (l * l);
        let du = |c: &[f64; 4], l: f64| c[0] - c[2] / (l * l) - 2.0 * c[3] / (l * l * l);
        let point = |l: f64, z: &mut [f64], t: &mut [f64]| {
            for (i, c) in coef.iter().enumerate() {
                z[i] = u(c, l);
                t[i] = du(c, l);
            }
            z[m] = l;
            t[m] = 1.0;
            let norm = t.iter().map(|v| v * v).sum::<f64>().sqrt();
            t.iter_mut().for_each(|v| *v /= norm);
        };
        let mut arc = ArcBuffers::new(m);
        for (l0, l1, l2) in [(20.0, 22.0, 30.0), (5.0, 9.0, 100.0), (40.0, 41.0, 41.5)] {
            point(l0, &mut arc.z_prev, &mut arc.tangent_prev);
            point(l1, &mut arc.z, &mut arc.tangent);
            // The tangent line's point at λ = l2, as the tracer's prediction.
            let h = (l2 - l1) / arc.tangent[m];
            for i in 0..n {
                arc.z_pred[i] = arc.z[i] + h * arc.tangent[i];
            }
            assert!(asymptotic_cubic(&mut arc, m));
            assert_eq!(arc.w[m], 0.0);
            for (i, c) in coef.iter().enumerate() {
                let predicted = arc.z_pred[i] + arc.w[i];
                let exact = u(c, l2);
                assert!(
                    (predicted - exact).abs() <= 1e-11 * (1.0 + exact.abs()),
                    "λ {l0} → {l1} → {l2}, log-odds {i}: {predicted} against {exact}"
                );
            }
        }
        // λ falling along the last step: no prediction.
        point(22.0, &mut arc.z_prev, &mut arc.tangent_prev);
        point(20.0, &mut arc.z, &mut arc.tangent);
        arc.z_pred[m] = 25.0;
        assert!(!asymptotic_cubic(&mut arc, m));
    }

    /// The extrapolation is exact for a Jacobian linear along the path: from A at
    /// `z_prev` and A + h0 B at `z`, a step h beyond `z` gives A + (h0 + h) B.
    #[test]
    fn jacobian_extrapolation_is_linear_along_the_path() {
        let m = 3;
        let n = m + 1;
        let mut arc = ArcBuffers::new(m);
        arc.z_prev.copy_from_slice(&[0.1, -0.2, 0.3, 1.0]);
        // A step of length h0 = 0.5.
        let d = [0.3, 0.0, -0.4, 0.0];
        for i in 0..n {
            arc.z[i] = arc.z_prev[i] + d[i];
        }
        let a: Vec<f64> = (0..m * n).map(|k| math::sin(k as f64)).collect();
        let b: Vec<f64> = (0..m * n).map(|k| math::cos(0.7 * k as f64)).collect();
        for k in 0..m * n {
            arc.jac_prev_exact[k] = a[k];
            arc.jac_z[k] = a[k] + 0.5 * b[k];
        }
        extrapolate_jacobian(&mut arc, m, 0.25);
        for k in 0..m * n {
            assert!((arc.jac[k] - (a[k] + 0.75 * b[k])).abs() < 1e-14, "entry {k}");
        }
    }

    /// Numbers uniform in [−0.5, 0.5) from a 64-bit linear congruential generator seeded
    /// with `seed`: test matrices, reproducible without a random-number crate.
    fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        }
    }

    /// The small explicit inverse (`invert_n`, which pivots without moving rows): `aug`
    /// times the matrix is the identity, the sign of the determinant is the LU
    /// factors', for every size up to [`INVERSE_MAX`] and with a zero diagonal that
    /// forces row interchanges; a matrix with a zero row and one with a NaN are refused.
    #[test]
    fn small_inverse_pivots_and_refuses_singular_matrices() {
        let mut next = uniform_stream(11);
        for n in 2..=INVERSE_MAX {
            for trial in 0..4 {
                let m = n - 1;
                let mut arc = ArcBuffers::new(m);
                arc.jac = (0..m * n).map(|_| next()).collect();
                arc.tangent_prev = (0..n).map(|_| next()).collect();
                if trial % 2 == 1 {
                    // Zero diagonal: every column needs a row interchange.
                    for r in 0..m {
                        arc.jac[r * n + r] = 0.0;
                    }
                    arc.tangent_prev[m] = 0.0;
                }
                let mut full = arc.jac[..m * n].to_vec();
                full.extend_from_slice(&arc.tangent_prev[..n]);
                assert!(factor_aug(&mut arc, n, false), "n = {n}");
                let scale = full.iter().fold(0.0f64, |t, v| t.max(v.abs()));
                let inverse_scale = arc.aug[..n * n].iter().fold(0.0f64, |t, v| t.max(v.abs()));
                for i in 0..n {
                    for j in 0..n {
                        let product: f64 = (0..n).map(|k| arc.aug[i * n + k] * full[k * n + j]).sum();
                        let expected = if i == j { 1.0 } else { 0.0 };
                        assert!(
                            (product - expected).abs() <= 1e-13 * n as f64 * scale * inverse_scale,
                            "n = {n}, trial {trial}: (A⁻¹A)[{i}][{j}] = {product}"
                        );
                    }
                }
                let mut lu = full.clone();
                let mut pivots = vec![0; n];
                assert!(lu_factor(&mut lu, &mut pivots, n));
                assert_eq!(
                    arc.det_negative,
                    super::super::linalg::lu_det_negative(&lu, &pivots, n),
                    "n = {n}, trial {trial}"
                );
                // A zero last row: singular.
                arc.tangent_prev[..n].fill(0.0);
                assert!(!factor_aug(&mut arc, n, false), "n = {n}: singular accepted");
                arc.tangent_prev[..n].copy_from_slice(&full[m * n..]);
                arc.jac[(trial % m) * n + n - 1 - trial % n] = f64::NAN;
                assert!(!factor_aug(&mut arc, n, false), "n = {n}: NaN accepted");
            }
        }
    }

    /// Solves with Sherman–Morrison terms equal solves with the refactored matrix.
    #[test]
    fn sherman_morrison_updates_match_a_refactorisation() {
        for n in [5, INVERSE_MAX, INVERSE_MAX + 1, 40] {
            updates_match_a_refactorisation(n);
        }
    }

    /// G of all log-odds (an unreduced pass at the point the reduced point `z` expands
    /// to) gives the reduced G on the free log-odds, to the bit, and on each dependent
    /// one the combination of the free ones' that the relations state.
    fn check_relations(game: &Game, s: &mut Sweep, z: &[f64]) {
        let (r, k) = (s.n_odds(), s.n_reduced());
        let mut g = vec![0.0; k];
        s.eval_r(game, z, &mut g);
        let mut all = vec![0.0; r + 1];
        s.all_odds(z, &mut all, true);
        s.reduced = false;
        let mut g_all = vec![0.0; r];
        s.eval_r(game, &all, &mut g_all);
        s.reduced = true;
        for t in 0..k {
            assert_eq!(g[t], g_all[s.free[t] as usize], "unknown {t}");
        }
        for (i, &o) in s.dep_odds.iter().enumerate() {
            let terms = &s.dep_terms[s.dep_start[i] as usize..s.dep_start[i + 1] as usize];
            let combo: f64 = terms.iter().map(|&(t, c)| c * g[t as usize]).sum();
            let gap = (g_all[o as usize] - combo).abs();
            assert!(gap <= 1e-12 * (1.0 + combo.abs()), "log-odds {o}: {gap:e}");
        }
    }

    /// `signal_3p_two_receivers`: each receiver holds beliefs over (type, the other
    /// receiver's move) without seeing that move, so of its 12 log-odds 6 are free, and
    /// the relations hold at arbitrary points. So they do on random signaling games
    /// whose relations have constants from the chance probabilities. With a chance
    /// probability of 0 a constant is infinite and the tracer keeps every log-odds.
    #[test]
    fn dependent_log_odds_follow_the_free_ones() {
        let source = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/gambit/signal_3p_two_receivers.efg"
        ));
        let mut game = crate::gambit::parse_efg(source, "two_receivers.efg").unwrap();
        let layout = Layout::new(&game);
        let mut s = Sweep::new(&game, &layout).expect("orders");
        s.load_payoffs(&game);
        assert!(s.reduced);
        assert_eq!((s.n_odds(), s.n_reduced()), (12, 6));
        let point = |k: usize, case: usize, lambda: f64| -> Vec<f64> {
            let mut z: Vec<f64> = (0..k)
                .map(|t| ((t * 5 + case * 3) % 7) as f64 * 0.6 - 1.8)
                .collect();
            z.push(lambda);
            z
        };
        for (case, lambda) in [0.3, 5.0, 60.0].into_iter().enumerate() {
            check_relations(&game, &mut s, &point(6, case, lambda));
        }
        let mut with_constants = 0;
        for seed in 0..30u64 {
            let random = crate::solve::random::random_signaling_game(
                2 + seed as usize % 3,
                40 + 7 * seed as usize,
                seed,
            );
            let layout = Layout::new(&random);
            let mut s = Sweep::new(&random, &layout).expect("orders");
            s.load_payoffs(&random);
            if !s.reduced || s.dep_const.iter().all(|&d| d == 0.0) {
                continue;
            }
            with_constants += 1;
            let k = s.n_reduced();
            for (case, lambda) in [0.3, 5.0, 60.0].into_iter().enumerate() {
                check_relations(&random, &mut s, &point(k, case, lambda));
            }
        }
        assert!(with_constants >= 5, "{with_constants} games with constants");
        // A type of probability 0: the type log-odds are infinite.
        let first_chance = (0..game.n_actions())
            .find(|&a| game.chance_probs[a] > 0.0)
            .unwrap();
        game.chance_probs[first_chance] = 0.0;
        game.chance_probs[first_chance + 1] = 1.0;
        s.load_payoffs(&game);
        assert!(!s.reduced);
        assert_eq!(s.n_reduced(), 12);
    }

    /// The lane passes give the Jacobian of the column passes, to the bit (up to the
    /// sign of zero), on eight random signaling games with 3 or more belief unknowns, at
    /// points off the branch (arbitrary log-odds) and several λ. Most of the games have
    /// dependent log-odds (a unit direction then moves several sets' beliefs); at least
    /// one has none.
    #[test]
    fn lane_jacobian_is_the_column_jacobian() {
        use crate::solve::random::random_signaling_game;
        let mut checked = 0;
        let mut sizes = Vec::new();
        let mut reduced = Vec::new();
        for seed in 0..40u64 {
            let (players, nodes) = (2 + seed as usize % 2, [12, 30, 60, 120, 400][seed as usize % 5]);
            let game = random_signaling_game(players, nodes, seed);
            let layout = Layout::new(&game);
            let mut s = Sweep::new(&game, &layout).expect("signaling games order");
            s.load_payoffs(&game);
            let r = s.n_reduced();
            let n = r + 1;
            if r < 3 || sizes.len() >= 8 {
                continue;
            }
            sizes.push(r);
            reduced.push(s.reduced);
            for (k, lambda) in [0.0, 0.7, 4.0, 30.0].into_iter().enumerate() {
                let mut z: Vec<f64> = (0..r)
                    .map(|j| ((j * 7 + k * 3) % 11) as f64 * 0.4 - 2.0)
                    .collect();
                z.push(lambda);
                let mut g = vec![0.0; r];
                let (mut dir, mut col) = (vec![0.0; n], vec![0.0; n]);
                let mut by_column = vec![0.0; r * n];
                s.eval_r(&game, &z, &mut g);
                s.lanes_fit = false;
                s.jacobian_r(&z, &mut dir, &mut col, &mut by_column, n, n);
                // The passes restricted to the sets a direction moves give the full
                // passes' bits.
                let mut whole = s.clone();
                whole.affected.clear();
                let mut by_whole = vec![f64::NAN; r * n];
                whole.eval_r(&game, &z, &mut g);
                whole.jacobian_r(&z, &mut dir, &mut col, &mut by_whole, n, n);
                for (i, (a, b)) in by_column.iter().zip(&by_whole).enumerate() {
                    assert!(
                        a == b,
                        "full passes, game {seed}, λ = {lambda}, entry {i}: {a} vs {b}"
                    );
                }
                let mut by_lanes = vec![f64::NAN; r * n];
                s.eval_r(&game, &z, &mut g);
                s.jacobian_lanes(&z, &mut by_lanes, n, n);
                s.lanes_fit = true;
                for (i, (a, b)) in by_column.iter().zip(&by_lanes).enumerate() {
                    assert!(a == b, "game {seed}, λ = {lambda}, entry {i}: {a} vs {b}");
                }
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    by_lanes.fill(f64::NAN);
                    s.eval_r(&game, &z, &mut g);
                    // SAFETY: AVX2 is present (checked just above).
                    unsafe { s.jacobian_lanes_avx2(&z, &mut by_lanes, n, n) };
                    for (i, (a, b)) in by_column.iter().zip(&by_lanes).enumerate() {
                        assert!(a == b, "AVX2, game {seed}, λ = {lambda}, entry {i}: {a} vs {b}");
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 32, "unknowns per game: {sizes:?}");
        assert!(
            reduced.iter().any(|&r| r) && reduced.iter().any(|&r| !r),
            "{reduced:?}"
        );
        assert!(
            sizes.iter().any(|&r| r >= super::super::linalg::AVX2_FROM),
            "{sizes:?}"
        );
    }

    /// The AVX2 build of the large Broyden update gives the portable build's bits.
    #[test]
    fn broyden_update_builds_agree_bit_for_bit() {
        let n = 41;
        let m = n - 1;
        let mut next = uniform_stream(11);
        let jac0: Vec<f64> = (0..m * n).map(|_| next()).collect();
        let from: Vec<f64> = (0..n).map(|_| next()).collect();
        let to: Vec<f64> = (0..n).map(|_| next()).collect();
        let g_from: Vec<f64> = (0..m).map(|_| next()).collect();
        let g_to: Vec<f64> = (0..m).map(|_| next()).collect();
        let (mut jac_a, mut dir_a, mut col_a) = (jac0.clone(), vec![0.0; n], vec![0.0; n]);
        let step = Secant::between(&from, &to, &g_from, &g_to);
        assert!(broyden_update(&mut jac_a, step, &mut dir_a, &mut col_a, m, n));
        let (mut jac_b, mut dir_b, mut col_b) = (jac0.clone(), vec![0.0; n], vec![0.0; n]);
        assert!(broyden_update_n::<0>(
            &mut jac_b, step, &mut dir_b, &mut col_b, m, n
        ));
        let same = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(same(&jac_a, &jac_b) && same(&col_a, &col_b) && same(&dir_a, &dir_b));
        // The update makes the secant condition hold: jac · (to − from) = g_to − g_from.
        for r in 0..m {
            let js: f64 = (0..n).map(|i| jac_a[r * n + i] * (to[i] - from[i])).sum();
            assert!((js - (g_to[r] - g_from[r])).abs() < 1e-12, "row {r}");
        }
    }

    fn updates_match_a_refactorisation(n: usize) {
        let mut next = uniform_stream(7);
        let m = n - 1;
        let mut arc = ArcBuffers::new(m);
        arc.jac = (0..m * n).map(|_| next()).collect();
        for r in 0..m {
            arc.jac[r * n + r] += 3.0;
        }
        arc.tangent_prev = (0..n).map(|_| next()).collect();
        arc.tangent_prev[m] += 3.0;
        assert!(factor_aug(&mut arc, n, false));
        for _ in 0..3 {
            for r in 0..m {
                arc.col[r] = next();
            }
            arc.col[m] = 0.0;
            for d in arc.dir.iter_mut() {
                *d = next();
            }
            for r in 0..m {
                for c in 0..n {
                    arc.jac[r * n + c] += arc.col[r] * arc.dir[c];
                }
            }
            assert!(aug_update(&mut arc, n));
        }
        let b: Vec<f64> = (0..n).map(|_| next()).collect();
        let mut with_terms = b.clone();
        assert!(aug_solve(&arc, &mut with_terms, n));
        assert!(factor_aug(&mut arc, n, false));
        assert_eq!(arc.sm_k, 0);
        let mut refactored = b.clone();
        assert!(aug_solve(&arc, &mut refactored, n));
        for (x, y) in with_terms.iter().zip(&refactored) {
            assert!((x - y).abs() < 1e-10, "{x} vs {y}");
        }
    }
}
