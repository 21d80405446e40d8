//! Incremental construction of a [`Game`] in any node order, finished into the flat
//! breadth-first layout with a perfect-recall check.

use super::{Game, GameError, Infoset, Mover, NO_OUTCOME, NONE, check_distribution};

#[derive(Clone, Debug)]
struct BuildNode {
    parent: u32,
    /// Index of the edge from the parent (0-based action within the parent's set).
    parent_action: u32,
    infoset: u32,
    outcome: u32,
    label: String,
    first_child: u32,
}

/// Builds a [`Game`]. Node ids returned by the builder are only valid for the builder;
/// the finished game renumbers nodes in breadth-first order.
///
/// ```
/// use demarche::game::{GameBuilder, Mover};
/// let mut b = GameBuilder::new(vec!["A".into(), "B".into()]);
/// let h = b.add_infoset(Mover::Player(0), "a", vec!["L".into(), "R".into()], None).unwrap();
/// let kids = b.expand(GameBuilder::ROOT, h).unwrap();
/// let win = b.add_outcome("win", vec![1.0, -1.0]).unwrap();
/// let lose = b.add_outcome("lose", vec![-1.0, 1.0]).unwrap();
/// b.set_outcome(kids.start, win);
/// b.set_outcome(kids.start + 1, lose);
/// let game = b.build().unwrap();
/// assert_eq!(game.n_nodes(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct GameBuilder {
    title: String,
    comment: String,
    players: Vec<String>,
    nodes: Vec<BuildNode>,
    infosets: Vec<Infoset>,
    chance_probs: Vec<Vec<f64>>,
    outcome_labels: Vec<String>,
    outcome_payoffs: Vec<f64>,
    node_limit: usize,
}

impl GameBuilder {
    pub const ROOT: usize = 0;

    /// A builder with the given players and a single (terminal) root node.
    pub fn new(players: Vec<String>) -> Self {
        GameBuilder {
            title: String::new(),
            comment: String::new(),
            players,
            nodes: vec![BuildNode {
                parent: NONE,
                parent_action: NONE,
                infoset: NONE,
                outcome: NO_OUTCOME,
                label: String::new(),
                first_child: NONE,
            }],
            infosets: Vec::new(),
            chance_probs: Vec::new(),
            outcome_labels: Vec::new(),
            outcome_payoffs: Vec::new(),
            node_limit: usize::MAX,
        }
    }

    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = title.into();
    }
    pub fn set_comment(&mut self, comment: impl Into<String>) {
        self.comment = comment.into();
    }
    /// Refuse to grow beyond this many nodes ([`GameError::TooManyNodes`]).
    pub fn set_node_limit(&mut self, limit: usize) {
        self.node_limit = limit;
    }
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }
    pub fn n_players(&self) -> usize {
        self.players.len()
    }

    /// Declares an information set. Its number within the mover is assigned in
    /// declaration order (1, 2, …). Chance sets need `chance_probs`, one per action.
    pub fn add_infoset(
        &mut self,
        mover: Mover,
        label: impl Into<String>,
        actions: Vec<String>,
        chance_probs: Option<Vec<f64>>,
    ) -> Result<usize, GameError> {
        let number = self.infosets.iter().filter(|h| h.mover == mover).count() as u32 + 1;
        self.add_infoset_numbered(mover, number, label, actions, chance_probs)
    }

    /// Declares an information set with an explicit number (as read from a file).
    pub fn add_infoset_numbered(
        &mut self,
        mover: Mover,
        number: u32,
        label: impl Into<String>,
        actions: Vec<String>,
        chance_probs: Option<Vec<f64>>,
    ) -> Result<usize, GameError> {
        let label = label.into();
        if let Mover::Player(p) = mover
            && p >= self.players.len()
        {
            return Err(GameError::BadPlayer { player: p });
        }
        if actions.is_empty() {
            return Err(GameError::NoActions { infoset: label });
        }
        let probs = match (mover, chance_probs) {
            (Mover::Chance, Some(p)) => {
                if p.len() != actions.len() {
                    return Err(GameError::BadChance {
                        infoset: label,
                        detail: format!("{} probabilities for {} actions", p.len(), actions.len()),
                    });
                }
                check_distribution(&p).map_err(|detail| GameError::BadChance {
                    infoset: label.clone(),
                    detail,
                })?;
                p
            }
            (Mover::Chance, None) => {
                return Err(GameError::BadChance {
                    infoset: label,
                    detail: "no probabilities given".into(),
                });
            }
            (Mover::Player(_), _) => vec![0.0; actions.len()],
        };
        self.infosets.push(Infoset {
            mover,
            number,
            label,
            actions,
            action_offset: 0,
            nodes: Vec::new(),
        });
        self.chance_probs.push(probs);
        Ok(self.infosets.len() - 1)
    }

    pub fn n_infosets(&self) -> usize {
        self.infosets.len()
    }
    pub fn infoset_n_actions(&self, h: usize) -> usize {
        self.infosets[h].actions.len()
    }
    pub fn infoset_mover(&self, h: usize) -> Mover {
        self.infosets[h].mover
    }

    /// Declares an outcome with one payoff per player.
    pub fn add_outcome(&mut self, label: impl Into<String>, payoffs: Vec<f64>) -> Result<usize, GameError> {
        if payoffs.len() != self.players.len() {
            return Err(GameError::PayoffCount {
                got: payoffs.len(),
                expected: self.players.len(),
            });
        }
        self.outcome_labels.push(label.into());
        self.outcome_payoffs.extend(payoffs);
        Ok(self.outcome_labels.len() - 1)
    }

    pub fn n_outcomes(&self) -> usize {
        self.outcome_labels.len()
    }

    /// Makes `node` a decision (or chance) node of information set `infoset` and creates
    /// its children, one per action; returns their builder ids.
    pub fn expand(&mut self, node: usize, infoset: usize) -> Result<std::ops::Range<usize>, GameError> {
        if node >= self.nodes.len() {
            return Err(GameError::BadIndex {
                what: "node",
                index: node,
            });
        }
        if infoset >= self.infosets.len() {
            return Err(GameError::BadIndex {
                what: "information set",
                index: infoset,
            });
        }
        if self.nodes[node].infoset != NONE {
            return Err(GameError::AlreadyExpanded { node });
        }
        let n = self.infosets[infoset].actions.len();
        if self.nodes.len() + n > self.node_limit {
            return Err(GameError::TooManyNodes {
                limit: self.node_limit,
            });
        }
        let first = self.nodes.len();
        self.nodes[node].infoset = infoset as u32;
        self.nodes[node].first_child = first as u32;
        for k in 0..n {
            self.nodes.push(BuildNode {
                parent: node as u32,
                parent_action: k as u32,
                infoset: NONE,
                outcome: NO_OUTCOME,
                label: String::new(),
                first_child: NONE,
            });
        }
        Ok(first..first + n)
    }

    pub fn set_outcome(&mut self, node: usize, outcome: usize) {
        self.nodes[node].outcome = outcome as u32;
    }
    pub fn set_node_label(&mut self, node: usize, label: impl Into<String>) {
        self.nodes[node].label = label.into();
    }

    /// Finishes the game: breadth-first renumbering, action offsets, perfect recall.
    pub fn build(self) -> Result<Game, GameError> {
        if self.players.is_empty() {
            return Err(GameError::NoPlayers);
        }
        let n = self.nodes.len();
        // Breadth-first order: a node's children are appended together, so they stay
        // contiguous, and each comes after its parent.
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut new_id = vec![NONE; n];
        order.push(0);
        new_id[0] = 0;
        let mut head = 0;
        while head < order.len() {
            let old = order[head] as usize;
            head += 1;
            let b = &self.nodes[old];
            if b.infoset != NONE {
                let k = self.infosets[b.infoset as usize].actions.len();
                let first = b.first_child as usize;
                for (c, id) in new_id.iter_mut().enumerate().skip(first).take(k) {
                    *id = order.len() as u32;
                    order.push(c as u32);
                }
            }
        }
        debug_assert_eq!(order.len(), n);

        let mut infosets = self.infosets;
        let mut offset = 0;
        let mut action_infoset = Vec::new();
        let mut chance_probs = Vec::new();
        for (h, info) in infosets.iter_mut().enumerate() {
            info.action_offset = offset;
            offset += info.actions.len();
            action_infoset.extend(std::iter::repeat_n(h as u32, info.actions.len()));
            chance_probs.extend_from_slice(&self.chance_probs[h]);
            info.nodes.clear();
        }

        let mut node_infoset = Vec::with_capacity(n);
        let mut node_first_child = Vec::with_capacity(n);
        let mut node_parent = Vec::with_capacity(n);
        let mut node_in_action = Vec::with_capacity(n);
        let mut node_outcome = Vec::with_capacity(n);
        let mut node_label = Vec::with_capacity(n);
        let mut nodes = self.nodes;
        for (new, &old) in order.iter().enumerate() {
            let b = &mut nodes[old as usize];
            node_infoset.push(b.infoset);
            if b.infoset != NONE {
                infosets[b.infoset as usize].nodes.push(new as u32);
                node_first_child.push(new_id[b.first_child as usize]);
            } else {
                node_first_child.push(NONE);
            }
            if b.parent == NONE {
                node_parent.push(NONE);
                node_in_action.push(NONE);
            } else {
                // Parents come before children, so the parent's entry is already set.
                let parent_infoset = node_infoset[new_id[b.parent as usize] as usize] as usize;
                node_parent.push(new_id[b.parent as usize]);
                node_in_action.push(infosets[parent_infoset].action_offset as u32 + b.parent_action);
            }
            node_outcome.push(b.outcome);
            node_label.push(std::mem::take(&mut b.label));
        }

        let game = Game {
            title: self.title,
            comment: self.comment,
            players: self.players,
            node_infoset,
            node_first_child,
            node_parent,
            node_in_action,
            node_outcome,
            node_label,
            infosets,
            action_infoset,
            chance_probs,
            outcome_labels: self.outcome_labels,
            outcome_payoffs: self.outcome_payoffs,
        };
        check_perfect_recall(&game)?;
        Ok(game)
    }
}

/// Perfect recall: at every node of an information set, the mover's own history (the
/// sequence of its information sets and actions along the path) is the same.
fn check_perfect_recall(game: &Game) -> Result<(), GameError> {
    let n = game.n_nodes();
    // For each node, the last own (action) of each player on the path to it, as a
    // global action index, or NONE. Perfect recall holds when every node of a set has
    // the same last own action of its mover AND the sets of those last actions chain
    // consistently; comparing the full sequences is done by comparing the last own
    // action, because the earlier ones are determined by it under the check applied to
    // the earlier information set (induction along the path).
    let np = game.n_players();
    let mut last_own = vec![NONE; n * np];
    for node in 1..n {
        let parent = game.node_parent[node] as usize;
        let (before, after) = last_own.split_at_mut(node * np);
        after[..np].copy_from_slice(&before[parent * np..parent * np + np]);
        let h = game.node_infoset[parent] as usize;
        if let Mover::Player(p) = game.infosets[h].mover {
            after[p] = game.node_in_action[node];
        }
    }
    for (h, info) in game.infosets.iter().enumerate() {
        let Mover::Player(p) = info.mover else { continue };
        let first = info.nodes[0] as usize;
        let expected = last_own[first * np + p];
        for &node in &info.nodes[1..] {
            if last_own[node as usize * np + p] != expected {
                return Err(GameError::NoPerfectRecall {
                    infoset: game.infoset_name(h),
                    infoset_index: h,
                    player: game.players[p].clone(),
                });
            }
        }
        // A set may not contain two nodes on one path (the descendant would have an own
        // action from this set in its history, which the ancestor lacks).
        for &node in &info.nodes {
            let last = last_own[node as usize * np + p];
            if last != NONE && game.action_infoset[last as usize] as usize == h {
                return Err(GameError::NoPerfectRecall {
                    infoset: game.infoset_name(h),
                    infoset_index: h,
                    player: game.players[p].clone(),
                });
            }
        }
    }
    Ok(())
}
