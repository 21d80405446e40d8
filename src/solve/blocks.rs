//! Subgame decomposition of the imperfect-information logit QRE.
//!
//! The agent QRE conditions at an information set involve only the nodes below it: the
//! beliefs are ratios of reach probabilities (a common factor from above cancels) and
//! the action values are continuation values. So a *subgame* — a node whose subtree no
//! player information set crosses — can be solved on its own, and the game above it
//! sees only the subgame's root value. The homotopy from λ = 0 also splits this way:
//! the equations of a subgame do not involve unknowns outside it, so the global branch
//! traced from the centroid, restricted to a subgame, is the subgame's own branch.
//!
//! A *block* is the outermost of the smallest subgames that hold each information set
//! with several nodes. Every block is copied once into a small standalone [`Game`] with
//! its own [`Workspace`]; per solve, only its numbers are refreshed and it is traced by
//! the general solver. Above the blocks the game has perfect information and takes one
//! logit backward pass. On scenario games, where a private type is drawn separately in
//! each branch of the opening moves, this turns one joint problem over hundreds of
//! unknowns into several independent problems of a dozen each.
//!
//! **Twins.** Blocks of the same shape often differ only by what the moves above them
//! added: every terminal payoff of a player moved by one constant. The logit
//! conditions compare a player's action values at one set, which all move by that
//! constant, so such blocks share their QRE correspondence branch for branch, and the
//! answer of the earlier block is copied (the node values are recomputed with the
//! block's own payoffs). The test is on the numbers of each solve (1e-12 relative), so
//! it is deterministic and a block that differs anywhere is traced.

use super::qre::QreConfig;
use super::qre_into;
use super::{SolveError, Workspace};
use crate::game::{Game, GameBuilder, Mover, NONE, Profile};

/// One block: the subtree of `root` as a standalone game, with index maps back into the
/// full game.
#[derive(Clone, Debug)]
struct Block {
    root: u32,
    game: Game,
    ws: Box<Workspace>,
    profile: Profile,
    values: Vec<f64>,
    /// (sub outcome, full outcome) pairs whose payoffs are copied before each solve.
    outcome_map: Vec<(u32, u32)>,
    /// Sub global action -> full global action.
    action_map: Vec<u32>,
    /// Chance actions of the block, as (sub, full) global action pairs.
    chance_map: Vec<(u32, u32)>,
    /// Earlier blocks with the same shape. When, in a solve, one of them has the same
    /// chance probabilities and terminal payoffs that differ from this block's by one
    /// constant per player, its profile is this block's QRE too (see [`Blocks::solve`]).
    twins: Vec<u32>,
    /// Per node of the block: the payoffs accumulated from the block root, refreshed
    /// with the numbers.
    acc: Vec<f64>,
    /// Terminal nodes of the block.
    terminals: Vec<u32>,
}

/// The decomposition of one game shape into blocks (see the module documentation).
#[derive(Clone, Debug)]
pub(crate) struct Blocks {
    blocks: Vec<Block>,
    /// Per full node: the block it is the root of, or NONE.
    root_block: Vec<u32>,
    /// Per full node: whether it lies strictly inside a block (below its root).
    inside: Vec<bool>,
    /// Blocks traced (not copied from a twin) by the last solve.
    traced: usize,
}

impl Blocks {
    /// [`Workspace::reference_fallbacks`] summed over the blocks.
    pub(crate) fn reference_fallbacks(&self) -> usize {
        self.blocks.iter().map(|b| b.ws.reference_fallbacks()).sum()
    }

    /// The decomposition of `game`, or `None` when it would not help (perfect
    /// information, or one block spanning the whole game).
    pub(crate) fn new(game: &Game) -> Option<Blocks> {
        if game.is_perfect_information() {
            return None;
        }
        let roots = block_roots(game);
        if roots.is_empty() || roots == [0] {
            return None;
        }
        let n = game.n_nodes();
        let mut root_block = vec![NONE; n];
        let mut inside = vec![false; n];
        let mut blocks: Vec<Block> = Vec::with_capacity(roots.len());
        for (b, &root) in roots.iter().enumerate() {
            root_block[root] = b as u32;
            let mut block = extract(game, root, &mut inside)?;
            block.twins = (0..b as u32)
                .filter(|&c| same_shape(&blocks[c as usize].game, &block.game))
                .collect();
            blocks.push(block);
        }
        Some(Blocks {
            blocks,
            root_block,
            inside,
            traced: 0,
        })
    }

    /// Solves every block with the general tracer, then the perfect-information part
    /// above them with one logit backward pass. `values` is scratch of
    /// `n_nodes * n_players`.
    pub(crate) fn solve(
        &mut self,
        game: &Game,
        config: &QreConfig,
        values: &mut [f64],
        profile: &mut Profile,
    ) -> Result<(), SolveError> {
        let np = game.n_players();
        self.traced = 0;
        for b in 0..self.blocks.len() {
            let (done, rest) = self.blocks.split_at_mut(b);
            let block = &mut rest[0];
            {
                let payoffs = block.game.outcome_payoffs_mut();
                for &(sub, full) in &block.outcome_map {
                    let (sub, full) = (sub as usize, full as usize);
                    payoffs[sub * np..sub * np + np].copy_from_slice(game.outcome_payoffs(full));
                }
            }
            {
                let chance = block.game.chance_probs_mut();
                for &(sub, full) in &block.chance_map {
                    chance[sub as usize] = game.chance_probs()[full as usize];
                }
            }
            accumulate(&block.game, &mut block.acc);
            let twin = block
                .twins
                .iter()
                .map(|&c| &done[c as usize])
                .find(|twin| shifted_twins(twin, block, np));
            if let Some(twin) = twin {
                block.profile.probs.copy_from_slice(&twin.profile.probs);
                block.game.node_values(&block.profile, &mut block.values);
            } else {
                block.game.sync_chance(&mut block.profile);
                qre_into(&block.game, config, &mut block.ws, &mut block.profile)?;
                block.values.copy_from_slice(block.ws.node_values());
                self.traced += 1;
            }
            for (sub, &full) in block.action_map.iter().enumerate() {
                profile.probs[full as usize] = block.profile.probs[sub];
            }
            let r = block.root as usize;
            values[r * np..r * np + np].copy_from_slice(&block.values[..np]);
        }
        let lambda = config.lambda;
        for node in (0..game.n_nodes()).rev() {
            if self.inside[node] || self.root_block[node] != NONE {
                continue;
            }
            let (head, tail) = values.split_at_mut((node + 1) * np);
            let v = &mut head[node * np..];
            match game.node_outcome(node) {
                Some(o) => v.copy_from_slice(game.outcome_payoffs(o)),
                None => v.fill(0.0),
            }
            let Some(h) = game.node_infoset(node) else {
                continue;
            };
            let info = game.infoset(h);
            let children = game.children(node);
            let base = (node + 1) * np;
            let child_value = |child: usize, p: usize| tail[child * np - base + p];
            if let Mover::Player(p) = info.mover {
                // Log-sum-exp-stable logit choice over the children's values.
                let best = children
                    .clone()
                    .map(|c| child_value(c, p))
                    .fold(f64::NEG_INFINITY, f64::max);
                if !best.is_finite() {
                    return Err(SolveError::NotConverged {
                        lambda_reached: 0.0,
                        residual: f64::NAN,
                        reason: "a payoff is not a finite number",
                    });
                }
                let mut total = 0.0;
                for (k, c) in children.clone().enumerate() {
                    let w = super::fastexp::exp_nonpositive(lambda * (child_value(c, p) - best));
                    profile.probs[info.action_offset + k] = w;
                    total += w;
                }
                for k in 0..info.actions.len() {
                    profile.probs[info.action_offset + k] /= total;
                }
            } else {
                for (k, _) in children.clone().enumerate() {
                    profile.probs[info.action_offset + k] = game.chance_probs()[info.action_offset + k];
                }
            }
            for (k, c) in children.enumerate() {
                let prob = profile.probs[info.action_offset + k];
                if prob != 0.0 {
                    for q in 0..np {
                        v[q] += prob * tail[c * np - base + q];
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether two block games have the same tree, information sets and outcome
/// placement (labels aside), so that one's profile and node values fit the other.
fn same_shape(a: &Game, b: &Game) -> bool {
    a.n_players() == b.n_players()
        && a.node_infoset == b.node_infoset
        && a.node_first_child == b.node_first_child
        && a.node_parent == b.node_parent
        && a.node_in_action == b.node_in_action
        && a.node_outcome == b.node_outcome
        && a.action_infoset == b.action_infoset
        && a.infosets.len() == b.infosets.len()
        && a.infosets
            .iter()
            .zip(&b.infosets)
            .all(|(x, y)| x.mover == y.mover && x.action_offset == y.action_offset && x.nodes == y.nodes)
}

/// Payoffs accumulated from the root to every node (outcomes add up along the path).
fn accumulate(game: &Game, acc: &mut [f64]) {
    let np = game.n_players();
    for node in 0..game.n_nodes() {
        let (head, tail) = acc.split_at_mut(node * np);
        let here = &mut tail[..np];
        match game.parent(node) {
            Some(p) => here.copy_from_slice(&head[p * np..p * np + np]),
            None => here.fill(0.0),
        }
        if let Some(o) = game.node_outcome(node) {
            for (a, x) in here.iter_mut().zip(game.outcome_payoffs(o)) {
                *a += x;
            }
        }
    }
}

/// Whether `b`'s game is `a`'s with each player's terminal payoffs moved by one constant
/// (to rounding: 1e-12 relative) and the same chance probabilities. The logit QRE
/// conditions only compare a player's action values at one information set, and
/// within a block every one of them moves by that player's constant, so the two games
/// have the same QRE correspondence, branch for branch: `a`'s profile is `b`'s answer.
/// On scenario games this is the common case: the moves above a block add the same
/// effects to every payoff inside it.
fn shifted_twins(a: &Block, b: &Block, np: usize) -> bool {
    if a.game
        .chance_probs
        .iter()
        .zip(&b.game.chance_probs)
        .any(|(x, y)| x.to_bits() != y.to_bits())
    {
        return false;
    }
    let Some(&first) = a.terminals.first() else {
        return false;
    };
    let first = first as usize;
    (0..np).all(|p| {
        let shift = b.acc[first * np + p] - a.acc[first * np + p];
        a.terminals.iter().all(|&t| {
            let (x, y) = (a.acc[t as usize * np + p], b.acc[t as usize * np + p]);
            ((y - x) - shift).abs() <= 1e-12 * (1.0 + x.abs() + y.abs())
        })
    })
}

/// Roots of the blocks, ascending. A node is a subgame root when every player
/// information set with a node in its subtree lies wholly in that subtree; each set
/// with several nodes gets its smallest enclosing subgame, and of those only the
/// outermost are kept.
fn block_roots(game: &Game) -> Vec<usize> {
    let n = game.n_nodes();
    // Pre-order numbers and subtree sizes (iterative depth-first walk).
    let mut pre = vec![0usize; n];
    let mut size = vec![1usize; n];
    for node in (0..n).rev() {
        for c in game.children(node) {
            size[node] += size[c];
        }
    }
    let mut stack = vec![0usize];
    let mut counter = 0;
    while let Some(node) = stack.pop() {
        pre[node] = counter;
        counter += 1;
        for c in game.children(node).rev() {
            stack.push(c);
        }
    }
    let n_sets = game.infosets().len();
    let mut set_lo = vec![usize::MAX; n_sets];
    let mut set_hi = vec![0usize; n_sets];
    for (h, info) in game.infosets().iter().enumerate() {
        if let Mover::Player(_) = info.mover {
            for &node in &info.nodes {
                set_lo[h] = set_lo[h].min(pre[node as usize]);
                set_hi[h] = set_hi[h].max(pre[node as usize]);
            }
        }
    }
    // Extent of the player sets met in each subtree.
    let mut lo = vec![usize::MAX; n];
    let mut hi = vec![0usize; n];
    for node in (0..n).rev() {
        if let Some(h) = game.node_infoset(node)
            && let Mover::Player(_) = game.infoset(h).mover
        {
            lo[node] = set_lo[h];
            hi[node] = set_hi[h];
        }
        for c in game.children(node) {
            lo[node] = lo[node].min(lo[c]);
            hi[node] = hi[node].max(hi[c]);
        }
    }
    let is_subgame = |r: usize| lo[r] == usize::MAX || (lo[r] >= pre[r] && hi[r] < pre[r] + size[r]);
    let mut candidate = vec![false; n];
    for (h, info) in game.infosets().iter().enumerate() {
        if info.nodes.len() < 2 || info.mover == Mover::Chance {
            continue;
        }
        let mut r = info.nodes[0] as usize;
        loop {
            let covers = pre[r] <= set_lo[h] && set_hi[h] < pre[r] + size[r];
            if covers && is_subgame(r) {
                candidate[r] = true;
                break;
            }
            match game.parent(r) {
                Some(p) => r = p,
                None => {
                    candidate[0] = true;
                    break;
                }
            }
        }
    }
    // Keep the outermost candidates: a candidate with a candidate ancestor is covered.
    let mut covered = vec![false; n];
    let mut roots = Vec::new();
    for node in 0..n {
        if let Some(p) = game.parent(node) {
            covered[node] = covered[p] || candidate[p];
        }
        if candidate[node] && !covered[node] {
            roots.push(node);
        }
    }
    roots
}

/// Copies the subtree of `root` into a standalone game, marking its nodes below the
/// root as `inside`.
fn extract(game: &Game, root: usize, inside: &mut [bool]) -> Option<Block> {
    let mut builder = GameBuilder::new(game.players().to_vec());
    let mut set_map: Vec<u32> = vec![NONE; game.infosets().len()];
    let mut sub_sets: Vec<usize> = Vec::new();
    let mut outcome_map: Vec<(u32, u32)> = Vec::new();
    let mut outcome_sub: Vec<u32> = vec![NONE; game.n_outcomes()];
    // Breadth-first copy: (full node, builder node).
    let mut queue = std::collections::VecDeque::from([(root, GameBuilder::ROOT)]);
    while let Some((full, sub)) = queue.pop_front() {
        if full != root {
            inside[full] = true;
        }
        if let Some(o) = game.node_outcome(full) {
            if outcome_sub[o] == NONE {
                let id = builder
                    .add_outcome(game.outcome_label(o), game.outcome_payoffs(o).to_vec())
                    .ok()?;
                outcome_sub[o] = id as u32;
                outcome_map.push((id as u32, o as u32));
            }
            builder.set_outcome(sub, outcome_sub[o] as usize);
        }
        let Some(h) = game.node_infoset(full) else {
            continue;
        };
        if set_map[h] == NONE {
            let info = game.infoset(h);
            let probs =
                (info.mover == Mover::Chance).then(|| game.chance_probs()[info.action_range()].to_vec());
            let id = builder
                .add_infoset_numbered(
                    info.mover,
                    info.number,
                    info.label.clone(),
                    info.actions.clone(),
                    probs,
                )
                .ok()?;
            set_map[h] = id as u32;
            sub_sets.push(h);
        }
        let kids = builder.expand(sub, set_map[h] as usize).ok()?;
        for (c, k) in game.children(full).zip(kids) {
            queue.push_back((c, k));
        }
    }
    let sub_game = builder.build().ok()?;
    let mut action_map = vec![0u32; sub_game.n_actions()];
    let mut chance_map = Vec::new();
    for (sub_h, &full_h) in sub_sets.iter().enumerate() {
        let (s, f) = (sub_game.infoset(sub_h), game.infoset(full_h));
        for k in 0..s.actions.len() {
            action_map[s.action_offset + k] = (f.action_offset + k) as u32;
            if s.mover == Mover::Chance {
                chance_map.push(((s.action_offset + k) as u32, (f.action_offset + k) as u32));
            }
        }
    }
    let np = sub_game.n_players();
    let n_nodes = sub_game.n_nodes();
    let terminals = (0..sub_game.n_nodes())
        .filter(|&n| sub_game.is_terminal(n))
        .map(|n| n as u32)
        .collect();
    Some(Block {
        root: root as u32,
        ws: Box::new(Workspace::new(&sub_game)),
        profile: sub_game.uniform_profile(),
        values: vec![0.0; sub_game.n_nodes() * np],
        game: sub_game,
        outcome_map,
        action_map,
        chance_map,
        twins: Vec::new(),
        acc: vec![0.0; n_nodes * np],
        terminals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::qre::QreConfig;

    fn headline() -> Game {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/japan_dprk_summit.toml");
        let model = crate::model::load(&std::fs::read_to_string(path).unwrap(), path).unwrap();
        let fixed = vec![None; model.params().len()];
        crate::simulate::trial_game(&model, 7, 3, &fixed).unwrap().0
    }

    fn solve(game: &Game, blocks: &mut Blocks) -> Profile {
        let mut profile = game.uniform_profile();
        let mut values = vec![0.0; game.n_nodes() * game.n_players()];
        let config = QreConfig {
            lambda: 3.0,
            ..QreConfig::default()
        };
        blocks.solve(game, &config, &mut values, &mut profile).unwrap();
        profile
    }

    /// The first 300 headline trials at the scenario's seed are all solved by the belief
    /// tracer: none is handed to the general tracer on all action probabilities, the
    /// slow path (a variant of the predictor once sent one trial there, through a
    /// Newton polish that contracted slowly and was taken for a stall at rounding
    /// level; a single such trial costs as much as thousands of others).
    #[test]
    fn headline_trials_stay_on_the_belief_tracer() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/japan_dprk_summit.toml");
        let model = crate::model::load(&std::fs::read_to_string(path).unwrap(), path).unwrap();
        let fixed = vec![None; model.params().len()];
        let (game, _, _) = crate::simulate::trial_game(&model, model.default_seed(), 0, &fixed).unwrap();
        let mut blocks = Blocks::new(&game).unwrap();
        let mut profile = game.uniform_profile();
        let mut values = vec![0.0; game.n_nodes() * game.n_players()];
        for trial in 0..300 {
            let (game, _, lambda) =
                crate::simulate::trial_game(&model, model.default_seed(), trial, &fixed).unwrap();
            let config = QreConfig {
                lambda,
                ..QreConfig::default()
            };
            blocks.solve(&game, &config, &mut values, &mut profile).unwrap();
            assert_eq!(
                blocks.reference_fallbacks(),
                0,
                "trial {trial}: blocks handed to the general tracer"
            );
        }
    }

    /// The headline's opening branches differ inside their blocks only by constants
    /// per player (the effects of the opening moves), so most blocks are copies; a
    /// copy must equal what tracing that block on its own gives.
    #[test]
    fn shifted_twins_are_copied_and_equal_their_own_trace() {
        let game = headline();
        let mut blocks = Blocks::new(&game).unwrap();
        let with_twins = solve(&game, &mut blocks);
        assert!(blocks.traced < blocks.blocks.len(), "no block was copied");
        let copied = blocks.blocks.len() - blocks.traced;
        for block in &mut blocks.blocks {
            block.twins.clear();
        }
        let traced = solve(&game, &mut blocks);
        assert_eq!(blocks.traced, blocks.blocks.len());
        assert!(copied > 0);
        for (a, b) in with_twins.probs.iter().zip(&traced.probs) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn a_shift_that_is_not_constant_is_not_a_twin() {
        let game = headline();
        let mut blocks = Blocks::new(&game).unwrap();
        solve(&game, &mut blocks);
        let np = game.n_players();
        let (b, c) = (0..blocks.blocks.len())
            .flat_map(|b| blocks.blocks[b].twins.iter().map(move |&c| (b, c as usize)))
            .find(|&(b, c)| shifted_twins(&blocks.blocks[c], &blocks.blocks[b], np))
            .expect("the headline has shifted twins");
        let mut moved = blocks.blocks[b].clone();
        let t = moved.terminals[1] as usize;
        moved.acc[t * np] += 1e-6;
        assert!(!shifted_twins(&blocks.blocks[c], &moved, np));
        let mut moved = blocks.blocks[b].clone();
        for x in moved.acc.iter_mut().skip(1).step_by(np) {
            *x += 2.5;
        }
        assert!(
            shifted_twins(&blocks.blocks[c], &moved, np),
            "a constant shift is a twin"
        );
        let mut moved = blocks.blocks[b].clone();
        let chance = moved.game.chance_probs_mut();
        let k = chance.iter().position(|&p| p > 0.0 && p < 1.0).unwrap();
        chance[k] *= 1.0 - 1e-12;
        assert!(!shifted_twins(&blocks.blocks[c], &moved, np));
    }
}
