//! The structure of a game copied into compact per-node records, so the backward passes
//! touch one 20-byte record and the node's values instead of chasing information-set
//! structs that also hold labels.

use crate::game::{Game, Mover, NONE};

/// `mover` of a terminal node.
pub(crate) const TERMINAL: u32 = u32::MAX;
/// `mover` of a chance node.
pub(crate) const CHANCE: u32 = u32::MAX - 1;

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NodeRecord {
    pub first_child: u32,
    /// First global action index of the node's information set.
    pub action_offset: u32,
    pub n_children: u32,
    /// Player index, [`CHANCE`] or [`TERMINAL`].
    pub mover: u32,
    /// Outcome index or [`crate::game::NO_OUTCOME`].
    pub outcome: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub n_players: usize,
    pub n_actions: usize,
    pub nodes: Vec<NodeRecord>,
    /// The first player information set with more than one node, if any.
    pub first_imperfect_infoset: Option<usize>,
}

impl Layout {
    pub fn new(game: &Game) -> Layout {
        let nodes = (0..game.n_nodes())
            .map(|node| match game.node_infoset(node) {
                None => NodeRecord {
                    first_child: NONE,
                    action_offset: 0,
                    n_children: 0,
                    mover: TERMINAL,
                    outcome: game.node_outcome[node],
                },
                Some(h) => {
                    let info = game.infoset(h);
                    NodeRecord {
                        first_child: game.node_first_child[node],
                        action_offset: info.action_offset as u32,
                        n_children: info.n_actions() as u32,
                        mover: match info.mover {
                            Mover::Chance => CHANCE,
                            Mover::Player(p) => p as u32,
                        },
                        outcome: game.node_outcome[node],
                    }
                }
            })
            .collect();
        let first_imperfect_infoset = game
            .player_infosets()
            .find(|(_, info)| info.nodes.len() > 1)
            .map(|(h, _)| h);
        Layout {
            n_players: game.n_players(),
            n_actions: game.n_actions(),
            nodes,
            first_imperfect_infoset,
        }
    }

    pub fn fits(&self, game: &Game) -> bool {
        self.nodes.len() == game.n_nodes()
            && self.n_actions == game.n_actions()
            && self.n_players == game.n_players()
    }
}
