//! Normal-form (strategic) games, as read from Gambit `.nfg` files.
//!
//! Payoffs are one flat table. Strategy profiles are numbered as in Gambit files: player
//! 1's strategy varies fastest, then player 2's, and so on, so profile `(s_1, ..., s_n)`
//! has index `s_1 + m_1 * (s_2 + m_2 * (s_3 + ...))` where `m_i` is player `i`'s number
//! of strategies. Entry `payoffs[index * n_players + player]` is that player's payoff.

use thiserror::Error;

/// Problems with the pieces handed to [`NormalForm::new`].
#[derive(Debug, Error, Clone, PartialEq)]
pub enum NormalFormError {
    #[error("the game has no players")]
    NoPlayers,
    #[error("{players} players but strategy lists for {strategies}")]
    StrategyListCount { players: usize, strategies: usize },
    #[error("player {player} has no strategies")]
    NoStrategies { player: String },
    #[error("{got} payoffs given, expected {expected} (one per player and strategy profile)")]
    PayoffCount { got: usize, expected: usize },
    #[error("payoff number {index} is not a finite number")]
    NonFinitePayoff { index: usize },
    #[error("the payoff table would have more than {limit} entries")]
    TooLarge { limit: usize },
}

/// A strategic game with a full payoff table. Fields are private because the table's
/// size must agree with the strategy lists; build it with [`NormalForm::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct NormalForm {
    title: String,
    comment: String,
    players: Vec<String>,
    strategies: Vec<Vec<String>>,
    payoffs: Vec<f64>,
}

impl NormalForm {
    /// Largest payoff table accepted (entries), so a typo like `{ 100000 100000 }` in a
    /// file gives an error instead of exhausting memory.
    pub const MAX_ENTRIES: usize = 50_000_000;

    /// Number of payoff entries for these strategy counts, or `None` past
    /// [`Self::MAX_ENTRIES`].
    pub fn table_size(n_strategies: &[usize]) -> Option<usize> {
        let mut size = n_strategies.len();
        for &m in n_strategies {
            size = size.checked_mul(m)?;
        }
        (size <= Self::MAX_ENTRIES).then_some(size)
    }

    pub fn new(
        title: impl Into<String>,
        comment: impl Into<String>,
        players: Vec<String>,
        strategies: Vec<Vec<String>>,
        payoffs: Vec<f64>,
    ) -> Result<Self, NormalFormError> {
        if players.is_empty() {
            return Err(NormalFormError::NoPlayers);
        }
        if strategies.len() != players.len() {
            return Err(NormalFormError::StrategyListCount {
                players: players.len(),
                strategies: strategies.len(),
            });
        }
        if let Some(p) = strategies.iter().position(|s| s.is_empty()) {
            return Err(NormalFormError::NoStrategies {
                player: players[p].clone(),
            });
        }
        let counts: Vec<usize> = strategies.iter().map(|s| s.len()).collect();
        let expected = Self::table_size(&counts).ok_or(NormalFormError::TooLarge {
            limit: Self::MAX_ENTRIES,
        })?;
        if payoffs.len() != expected {
            return Err(NormalFormError::PayoffCount {
                got: payoffs.len(),
                expected,
            });
        }
        if let Some(index) = payoffs.iter().position(|v| !v.is_finite()) {
            return Err(NormalFormError::NonFinitePayoff { index });
        }
        Ok(NormalForm {
            title: title.into(),
            comment: comment.into(),
            players,
            strategies,
            payoffs,
        })
    }

    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn comment(&self) -> &str {
        &self.comment
    }
    pub fn players(&self) -> &[String] {
        &self.players
    }
    pub fn n_players(&self) -> usize {
        self.players.len()
    }
    /// Strategy labels of every player.
    pub fn strategies(&self) -> &[Vec<String>] {
        &self.strategies
    }
    pub fn n_strategies(&self, player: usize) -> usize {
        self.strategies[player].len()
    }
    pub fn n_profiles(&self) -> usize {
        self.payoffs.len() / self.players.len()
    }
    /// The whole table, `[profile_index * n_players + player]`.
    pub fn payoff_table(&self) -> &[f64] {
        &self.payoffs
    }
    /// For refilling the numbers of a game whose shape stays fixed.
    pub fn payoff_table_mut(&mut self) -> &mut [f64] {
        &mut self.payoffs
    }

    /// Index of a pure strategy profile (player 1 fastest).
    pub fn profile_index(&self, profile: &[usize]) -> usize {
        debug_assert_eq!(profile.len(), self.players.len());
        let mut index = 0;
        for (p, &s) in profile.iter().enumerate().rev() {
            debug_assert!(s < self.strategies[p].len());
            index = index * self.strategies[p].len() + s;
        }
        index
    }

    /// The pure strategy profile with the given index.
    pub fn profile_at(&self, mut index: usize) -> Vec<usize> {
        self.strategies
            .iter()
            .map(|s| {
                let k = index % s.len();
                index /= s.len();
                k
            })
            .collect()
    }

    /// Payoffs of all players at the profile with the given index.
    pub fn payoffs_at(&self, index: usize) -> &[f64] {
        let n = self.players.len();
        &self.payoffs[index * n..(index + 1) * n]
    }

    pub fn payoff(&self, profile: &[usize], player: usize) -> f64 {
        self.payoffs[self.profile_index(profile) * self.players.len() + player]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (1..=n).map(|k| k.to_string()).collect()
    }

    #[test]
    fn profile_index_has_player_one_fastest() {
        let g = NormalForm::new(
            "",
            "",
            vec!["A".into(), "B".into()],
            vec![labels(3), labels(2)],
            (0..12).map(f64::from).collect(),
        )
        .unwrap();
        assert_eq!(g.n_profiles(), 6);
        assert_eq!(g.profile_index(&[1, 0]), 1);
        assert_eq!(g.profile_index(&[0, 1]), 3);
        assert_eq!(g.profile_at(5), vec![2, 1]);
        assert_eq!(g.payoff(&[2, 1], 1), 11.0);
        for i in 0..6 {
            assert_eq!(g.profile_index(&g.profile_at(i)), i);
        }
    }

    #[test]
    fn constructor_checks_sizes() {
        let err = NormalForm::new("", "", vec!["A".into()], vec![labels(2)], vec![1.0]).unwrap_err();
        assert_eq!(err, NormalFormError::PayoffCount { got: 1, expected: 2 });
        let err = NormalForm::new("", "", vec!["A".into()], vec![vec![]], vec![]).unwrap_err();
        assert!(matches!(err, NormalFormError::NoStrategies { .. }));
        assert!(NormalForm::table_size(&[100_000, 100_000]).is_none());
    }
}
