//! Property tests of the solvers on random games (generated deterministically from a
//! seed that proptest chooses, so failures replay).

use demarche::game::{Game, Profile};
use demarche::solve::random::{TreeShape, random_perfect_information_tree, random_signaling_game};
use demarche::solve::{
    QreConfig, QreMethod, SolverKind, Workspace, max_regret, solve_into, solve_qre, solve_spe,
};
use proptest::prelude::*;

fn perfect_tree(seed: u64, n_players: usize, min_nodes: usize) -> Game {
    random_perfect_information_tree(
        &TreeShape {
            n_players,
            min_nodes,
            ..TreeShape::default()
        },
        seed,
    )
}

fn qre(game: &Game, lambda: f64) -> Profile {
    solve_qre(
        game,
        &QreConfig {
            lambda,
            ..QreConfig::default()
        },
    )
    .unwrap()
}

fn assert_distributions(game: &Game, profile: &Profile) {
    for (h, info) in game.infosets().iter().enumerate() {
        let sum: f64 = profile.probs[info.action_range()].iter().sum();
        assert!((sum - 1.0).abs() < 1e-12, "set {h} sums to {sum}");
        assert!(
            profile.probs[info.action_range()]
                .iter()
                .all(|p| (0.0..=1.0).contains(p))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn spe_has_zero_regret_and_is_pure(seed in any::<u64>(), n_players in 2usize..=4, nodes in 5usize..200) {
        let game = perfect_tree(seed, n_players, nodes);
        let spe = solve_spe(&game).unwrap();
        assert_distributions(&game, &spe);
        for (_, info) in game.player_infosets() {
            prop_assert!(spe.probs[info.action_range()].iter().all(|&p| p == 0.0 || p == 1.0));
        }
        prop_assert!(max_regret(&game, &spe) <= 1e-9);
    }

    #[test]
    fn qre_at_lambda_zero_is_uniform(seed in any::<u64>(), n_players in 2usize..=4, nodes in 5usize..200) {
        for game in [perfect_tree(seed, n_players, nodes), random_signaling_game(n_players, nodes / 8 + 4, seed)] {
            let profile = qre(&game, 0.0);
            prop_assert_eq!(&profile, &game.uniform_profile());
        }
    }

    #[test]
    fn qre_approaches_the_spe_on_generic_games(seed in any::<u64>(), n_players in 2usize..=4, nodes in 5usize..200) {
        let game = perfect_tree(seed, n_players, nodes);
        let spe = solve_spe(&game).unwrap();
        let profile = qre(&game, 1e3);
        assert_distributions(&game, &profile);
        // Payoffs are continuous, so values differ by far more than 1e-2 except with
        // tiny probability; at λ = 1000 the logit choice is then within e^-10 of pure.
        let spe_values = game.expected_payoffs(&spe);
        let qre_values = game.expected_payoffs(&profile);
        for (s, q) in spe_values.iter().zip(&qre_values) {
            prop_assert!((s - q).abs() < 1e-2 * (1.0 + s.abs()), "{spe_values:?} vs {qre_values:?}");
        }
        prop_assert!(max_regret(&game, &profile) < 0.05);
    }

    #[test]
    fn workspace_reuse_equals_a_fresh_solve(seed in any::<u64>(), n_players in 2usize..=4, nodes in 5usize..120, lambda in 0.0f64..5.0) {
        for mut game in [perfect_tree(seed, n_players, nodes), random_signaling_game(n_players, nodes / 8 + 4, seed)] {
            let mut ws = Workspace::new(&game);
            let mut profile = Profile { probs: Vec::new() };
            for round in 0..3 {
                let factor = 1.0 + 0.37 * round as f64;
                for (i, v) in game.outcome_payoffs_mut().iter_mut().enumerate() {
                    *v = *v * factor - (i % 3) as f64;
                }
                solve_into(&game, &SolverKind::Qre { lambda }, &mut ws, &mut profile).unwrap();
                prop_assert_eq!(&profile, &qre(&game, lambda));
                assert_distributions(&game, &profile);
                if game.is_perfect_information() {
                    solve_into(&game, &SolverKind::Spe, &mut ws, &mut profile).unwrap();
                    prop_assert_eq!(&profile, &solve_spe(&game).unwrap());
                }
            }
        }
    }

    /// Where the branch is monotone (small λ · payoff range: payoffs lie in ±10 and
    /// λ ≤ 0.05), the opt-in belief continuation and Gambit's method (pseudo-arclength
    /// on all action probabilities) must land on the same point.
    #[test]
    fn belief_continuation_agrees_with_the_arclength_tracer(seed in any::<u64>(), n_players in 2usize..=3, nodes in 4usize..24, lambda in 0.0f64..0.05) {
        let game = random_signaling_game(n_players, nodes, seed);
        let fast = solve_qre(&game, &QreConfig { lambda, method: QreMethod::BeliefContinuation, ..QreConfig::default() }).unwrap();
        let reference = qre(&game, lambda);
        let worst = fast.probs.iter().zip(&reference.probs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        prop_assert!(worst < 1e-8, "profiles differ by {worst}");
    }

    /// The default tracer (arclength on beliefs) and Gambit's formulation (arclength on
    /// all action probabilities) land on the same point of the principal branch, turning
    /// points included.
    #[test]
    fn belief_arclength_agrees_with_the_action_arclength_tracer(seed in any::<u64>(), n_players in 2usize..=3, nodes in 4usize..20, lambda in 0.0f64..12.0) {
        let game = random_signaling_game(n_players, nodes, seed);
        let fast = qre(&game, lambda);
        let reference = solve_qre(&game, &QreConfig { lambda, method: QreMethod::ArclengthOnActions, ..QreConfig::default() }).unwrap();
        let worst = fast.probs.iter().zip(&reference.probs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        prop_assert!(worst < 1e-8, "profiles differ by {worst}");
    }

    /// The arclength tracer's answers are logit fixed points to the tolerance, at any λ.
    #[test]
    fn imperfect_information_qre_has_a_small_residual_and_regret(seed in any::<u64>(), nodes in 4usize..16, lambda in 0.0f64..20.0) {
        let game = random_signaling_game(2, nodes, seed);
        let profile = qre(&game, lambda);
        assert_distributions(&game, &profile);
        // Regret is bounded by the logit noise: at most ln(k)/λ-ish, and never negative.
        let regret = max_regret(&game, &profile);
        prop_assert!(regret >= 0.0);
        prop_assert!(regret.is_finite());
    }
}
