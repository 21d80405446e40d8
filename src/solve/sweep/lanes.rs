//! Jacobian columns of the belief tracer's G, [`LANES`] per pass.
//!
//! [`Sweep::jacobian_r`] used to take one tangent pass per column. This pass carries
//! up to [`LANES`] unit directions at once: the per-set work that does not depend on
//! the direction (loading the set's record, the beliefs, the action values and
//! probabilities, all from the backward pass at the point) is done once for all of
//! them, and the per-direction arithmetic runs on fixed-size arrays that vectorise. Every lane
//! repeats the operations of [`Sweep::tangent_pass`] in the same order, so a column is
//! the same to the bit as the one pass would give (a set that a direction does not
//! reach computes exact zeros where the one pass skips it).
//!
//! A block of belief columns visits only the union of their sets' `affected` lists
//! (the sets whose action values move with those beliefs), in pass order; a block with
//! the λ column visits every set. The lane buffers hold zeros outside the sets a block
//! visits: each block clears what it wrote, except a last block that visited every set
//! (`LaneBuffers::stale`).

use super::{ODDS_BOUND, Sweep};
use crate::game::NONE;

/// Directions per pass. Eight rather than four since the seventeenth session: the
/// reduced systems of the headline's subgames and of `signal_3p_two_receivers` have 7
/// columns, which then take one pass instead of two (headline 573.6M → 568.0M
/// instructions for 400 trials, `signal_3p_two_receivers` 3–7% faster, the 323-node
/// Gambit game 9–10%); the columns keep their bits.
pub(super) const LANES: usize = 8;

type Lanes = [f64; LANES];

/// Lane buffers of [`Sweep::jacobian_lanes`], sized on first use.
#[derive(Clone, Debug, Default)]
pub(super) struct LaneBuffers {
    /// Per node and mover column, per lane: derivative of the node value.
    dm: Vec<Lanes>,
    /// Per global action, per lane: derivative of the log-probability.
    dlogp: Vec<Lanes>,
    /// Per node, per lane: derivative of the log reach probability.
    dlog_reach: Vec<Lanes>,
    /// Per entry of `x_full` (log-beliefs, then λ), per lane: the direction.
    dir: Vec<Lanes>,
    /// Per entry of `ops`: whether the current block visits it.
    visit: Vec<bool>,
    /// Whether `dm` and `dlogp` still hold a block that visited every set: the last
    /// block of a pass leaves them so when it visited every set, and the next block
    /// clears them only if it does not (a block that visits every set overwrites them).
    stale: bool,
}

impl Sweep {
    /// Columns `0..cols` of the Jacobian of the log-odds G at `z` (after
    /// [`Sweep::eval_r`] there) into `jac` (`r × stride`, row-major), [`LANES`] per pass.
    pub(super) fn jacobian_lanes(&mut self, z: &[f64], jac: &mut [f64], stride: usize, cols: usize) {
        self.jacobian_lanes_body(z, jac, stride, cols);
    }

    /// [`Sweep::jacobian_lanes`] compiled with AVX2 (a lane array is one register):
    /// the same operations without FMA, so the same bits.
    ///
    /// # Safety
    /// The processor must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn jacobian_lanes_avx2(
        &mut self,
        z: &[f64],
        jac: &mut [f64],
        stride: usize,
        cols: usize,
    ) {
        self.jacobian_lanes_body(z, jac, stride, cols);
    }

    #[inline(always)]
    fn jacobian_lanes_body(&mut self, z: &[f64], jac: &mut [f64], stride: usize, cols: usize) {
        let r = self.n_reduced();
        let m = self.belief_nodes.len();
        let nm = self.nm;
        self.expand(z);
        let mut lb = std::mem::take(&mut self.lanes);
        if lb.visit.len() != self.ops.len() {
            lb.dm = vec![[0.0; LANES]; self.mvals.len()];
            lb.dlogp = vec![[0.0; LANES]; self.prob.len()];
            lb.dlog_reach = vec![[0.0; LANES]; self.log_reach.len()];
            lb.dir = vec![[0.0; LANES]; m + 1];
            lb.visit = vec![false; self.ops.len()];
            lb.stale = false;
        }
        let lambda = self.x_full[m];
        for block in (0..cols).step_by(LANES) {
            let width = LANES.min(cols - block);
            let mut dlambda = [0.0; LANES];
            let mut full = !self.restricted_passes();
            for l in 0..width {
                let c = block + l;
                if c < r {
                    // (Reduced, a unit change of a free log-odds moves the dependent ones
                    // too.)
                    for &(o, x) in self.unknown_terms(c) {
                        lb.dir[self.red_full[o as usize] as usize][l] = x;
                    }
                    if !full {
                        let (a, b) = self.unknown_sets(c);
                        for &j in &self.affected[a as usize..b as usize] {
                            lb.visit[j as usize] = true;
                        }
                    }
                } else {
                    dlambda[l] = 1.0;
                    full = true;
                }
            }
            if full {
                lb.visit.fill(true);
            } else if lb.stale {
                lb.dm.fill([0.0; LANES]);
                lb.dlogp.fill([0.0; LANES]);
            }
            lb.stale = false;
            for (i, op) in self.ops.iter().enumerate() {
                if lb.visit[i] {
                    // Stack scratch sized for the set's actions and the movers: zeroing
                    // room for 64 actions and 16 movers at every set took 3.5% of the
                    // instructions of `signal_3p_two_receivers`' solves.
                    match (op.k <= 4, nm <= 4) {
                        (true, true) => self.lanes_set::<4, 4>(&mut lb, op, lambda, &dlambda),
                        (true, false) => self.lanes_set::<4, 16>(&mut lb, op, lambda, &dlambda),
                        (false, true) => self.lanes_set::<64, 4>(&mut lb, op, lambda, &dlambda),
                        (false, false) => self.lanes_set::<64, 16>(&mut lb, op, lambda, &dlambda),
                    }
                }
            }
            // d ln P along the paths to the belief nodes, per lane (as `path_sums`).
            lb.dlog_reach[0] = [0.0; LANES];
            for &[node, parent, action] in &self.reach_steps {
                let (p, a) = (lb.dlog_reach[parent as usize], lb.dlogp[action as usize]);
                let d = &mut lb.dlog_reach[node as usize];
                for l in 0..LANES {
                    d[l] = p[l] + a[l];
                }
            }
            for t in 0..r {
                let j = self.odds_index(t);
                let (a, b) = self.odds_pairs[j];
                let (a, b) = (a as usize, b as usize);
                let neither =
                    self.log_reach[a] == f64::NEG_INFINITY && self.log_reach[b] == f64::NEG_INFINITY;
                let clamped = self.reach_odds(j).abs() >= ODDS_BOUND;
                for l in 0..width {
                    let dy = if neither || clamped {
                        0.0
                    } else {
                        lb.dlog_reach[a][l] - lb.dlog_reach[b][l]
                    };
                    let c = block + l;
                    jac[t * stride + c] = dy - if c == t { 1.0 } else { 0.0 };
                }
            }
            // Back to zeros for the next block.
            for c in block..(block + width).min(r) {
                for &(o, _) in self.unknown_terms(c) {
                    lb.dir[self.red_full[o as usize] as usize][c - block] = 0.0;
                }
            }
            if full && block + LANES >= cols {
                lb.visit.fill(false);
                lb.stale = true;
                continue;
            }
            for (i, op) in self.ops.iter().enumerate() {
                if lb.visit[i] {
                    lb.visit[i] = false;
                    lb.dlogp[op.off as usize..(op.off + op.k) as usize].fill([0.0; LANES]);
                    for &n in &self.set_nodes[op.nodes()] {
                        lb.dm[n as usize * nm..(n as usize + 1) * nm].fill([0.0; LANES]);
                    }
                }
            }
        }
        self.lanes = lb;
    }

    /// One set of the lane pass: [`super::TangentPass::set`] for every lane at once,
    /// operation for operation.
    #[inline(always)]
    fn lanes_set<const MAX_K: usize, const MAX_NM: usize>(
        &self,
        lb: &mut LaneBuffers,
        op: &super::SetOp,
        lambda: f64,
        dlambda: &Lanes,
    ) {
        let nm = self.nm;
        let (off, k, len) = (op.off as usize, op.k as usize, op.len as usize);
        let nodes = &self.set_nodes[op.nodes()];
        let firsts = &self.set_first[op.nodes()];
        if op.col == u32::MAX {
            lb.dlogp[off..off + k].fill([0.0; LANES]);
        } else {
            let col = op.col as usize;
            let mut dq = [[0.0f64; LANES]; MAX_K];
            let dq = &mut dq[..k];
            if op.belief == NONE {
                let first = firsts[0] as usize;
                for (a, d) in dq.iter_mut().enumerate() {
                    *d = lb.dm[(first + a) * nm + col];
                }
            } else {
                let b = op.belief as usize;
                // The beliefs, from the backward pass at this point.
                let mu = &self.beliefs[b..b + len];
                let du = &lb.dir[b..b + len];
                // (Summed in node order from 0, as the one pass's `mean_du`.)
                let mut mean_du = [0.0; LANES];
                for (&w, d) in mu.iter().zip(du) {
                    for l in 0..LANES {
                        mean_du[l] += w * d[l];
                    }
                }
                for (j, &first) in firsts.iter().enumerate() {
                    let w = mu[j];
                    let mut dw = [0.0; LANES];
                    for l in 0..LANES {
                        dw[l] = w * (du[j][l] - mean_du[l]);
                    }
                    let first = first as usize;
                    for (a, d) in dq.iter_mut().enumerate() {
                        let c = (first + a) * nm + col;
                        let (child, dchild) = (self.mvals[c], &lb.dm[c]);
                        for l in 0..LANES {
                            d[l] += dw[l] * child + w * dchild[l];
                        }
                    }
                }
            }
            let q = &self.q[off..off + k];
            let prob = &self.prob[off..off + k];
            let mut mean = [0.0; LANES];
            for a in 0..k {
                for l in 0..LANES {
                    let e = dlambda[l] * q[a] + lambda * dq[a][l];
                    dq[a][l] = e;
                    mean[l] += prob[a] * e;
                }
            }
            for (a, d) in dq.iter().enumerate() {
                let out = &mut lb.dlogp[off + a];
                for l in 0..LANES {
                    out[l] = d[l] - mean[l];
                }
            }
        }
        let prob = &self.prob[off..off + k];
        for (&n, &first) in nodes.iter().zip(firsts) {
            let (n, first) = (n as usize, first as usize);
            let mut acc = [[0.0f64; LANES]; MAX_NM];
            let acc = &mut acc[..nm];
            for a in 0..k {
                let pa = prob[a];
                let dl = lb.dlogp[off + a];
                let mut dpa = [0.0; LANES];
                for l in 0..LANES {
                    dpa[l] = pa * dl[l];
                }
                let c = &self.mvals[(first + a) * nm..(first + a + 1) * nm];
                let dc = &lb.dm[(first + a) * nm..(first + a + 1) * nm];
                for j in 0..nm {
                    for l in 0..LANES {
                        acc[j][l] += dpa[l] * c[j] + pa * dc[j][l];
                    }
                }
            }
            lb.dm[n * nm..n * nm + nm].copy_from_slice(acc);
        }
    }
}
