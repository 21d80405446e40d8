//! Subgame-perfect equilibrium by backward induction.
//!
//! One reverse sweep over the breadth-first node order: a node's value is its own
//! outcome's payoffs plus the value of the chosen child (or the chance-weighted sum of
//! its children's values).
//!
//! **Tie-breaking rule.** At a decision node the mover takes the action with the lowest
//! index among those whose value for the mover is within `1e-12 · (1 + |best|)` of the
//! best value. The tolerance makes the choice insensitive to rounding differences in
//! how equal values were summed, and the rule is deterministic.

// Index loops mirror the math of the passes over several parallel arrays.
#![allow(clippy::needless_range_loop)]

use super::layout::{CHANCE, TERMINAL};
use super::{SolveError, Workspace};
use crate::game::{Game, NO_OUTCOME, Profile};

pub(crate) fn solve_spe_into(
    game: &Game,
    ws: &mut Workspace,
    profile: &mut Profile,
) -> Result<(), SolveError> {
    if let Some(h) = ws.layout.first_imperfect_infoset {
        return Err(SolveError::NotPerfectInformation {
            infoset: game.infoset_name(h),
        });
    }
    // Specialised for the usual numbers of players, as the logit pass.
    match ws.layout.n_players {
        1 => spe_pass::<1>(game, ws, profile),
        2 => spe_pass::<2>(game, ws, profile),
        3 => spe_pass::<3>(game, ws, profile),
        4 => spe_pass::<4>(game, ws, profile),
        _ => spe_pass::<0>(game, ws, profile),
    }
    Ok(())
}

/// Backward induction for `NP` players (`NP = 0`: any number, read from the layout).
fn spe_pass<const NP: usize>(game: &Game, ws: &mut Workspace, profile: &mut Profile) {
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
        if rec.mover == CHANCE {
            for a in 0..k {
                let p = chance[off + a];
                probs[off + a] = p;
                if p != 0.0 {
                    let cv = &tail[first + a * np..first + a * np + np];
                    for (acc, c) in v.iter_mut().zip(cv) {
                        *acc += p * c;
                    }
                }
            }
        } else {
            let p = rec.mover as usize;
            let mut best = f64::NEG_INFINITY;
            for a in 0..k {
                best = best.max(tail[first + a * np + p]);
            }
            let threshold = best - 1e-12 * (1.0 + best.abs());
            let mut chosen = 0;
            for a in 0..k {
                if tail[first + a * np + p] >= threshold {
                    chosen = a;
                    break;
                }
            }
            probs[off..off + k].fill(0.0);
            probs[off + chosen] = 1.0;
            let cv = &tail[first + chosen * np..first + chosen * np + np];
            for (acc, c) in v.iter_mut().zip(cv) {
                *acc += c;
            }
        }
    }
}
