use thiserror::Error;

/// Structural or numeric problems found while building or refilling a [`super::Game`].
///
/// Information sets are named as in output (`label`, or `player:number`), so callers
/// that know where the set was declared can attach a file position.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum GameError {
    #[error("the game has no players")]
    NoPlayers,
    #[error("information set {infoset} has no actions")]
    NoActions { infoset: String },
    #[error(
        "the game lacks perfect recall: information set {infoset} holds nodes that {player} reaches by different histories of its own moves"
    )]
    NoPerfectRecall {
        infoset: String,
        infoset_index: usize,
        player: String,
    },
    #[error("outcome {outcome}: payoff for {player} is not a finite number")]
    NonFinitePayoff { outcome: String, player: String },
    #[error("chance information set {infoset}: {detail}")]
    BadChance { infoset: String, detail: String },
    #[error("outcome has {got} payoffs, expected one per player ({expected})")]
    PayoffCount { got: usize, expected: usize },
    #[error("the game tree has more than {limit} nodes")]
    TooManyNodes { limit: usize },
    #[error("node {node} was expanded twice")]
    AlreadyExpanded { node: usize },
    #[error("information set {infoset} is used at nodes with a different number of actions")]
    ActionCountMismatch { infoset: String },
    #[error("player index {player} is out of range")]
    BadPlayer { player: usize },
    #[error("reference to unknown {what} {index}")]
    BadIndex { what: &'static str, index: usize },
}
