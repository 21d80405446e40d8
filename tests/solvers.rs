//! Extensive-form solvers on textbook games with known or independently computed answers.
// Expected values here use the platform's functions: a reference independent of
// `demarche::math`, which the crate uses.
#![allow(clippy::disallowed_methods)]

use demarche::game::{Game, GameBuilder, Mover, Profile};
use demarche::solve::{
    QreConfig, SolveError, SolverKind, Workspace, max_regret, solve_into, solve_qre, solve_spe,
};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Probability of `action` (label) at the player information set labelled `infoset`.
fn prob(game: &Game, profile: &Profile, infoset: &str, action: &str) -> f64 {
    let (_, info) = game
        .player_infosets()
        .find(|(_, h)| h.label == infoset)
        .unwrap_or_else(|| panic!("no information set {infoset}"));
    let k = info.actions.iter().position(|a| a == action).unwrap();
    profile.probs[info.action_offset + k]
}

fn qre(game: &Game, lambda: f64) -> Profile {
    solve_qre(
        game,
        &QreConfig {
            lambda,
            ..QreConfig::default()
        },
    )
    .unwrap_or_else(|e| panic!("QRE at lambda {lambda}: {e}"))
}

fn check_close(what: &str, got: f64, expected: f64, tolerance: f64) {
    assert!(
        (got - expected).abs() <= tolerance,
        "{what}: got {got}, expected {expected} (tolerance {tolerance})"
    );
}

/// Stripped-down poker (Reiley, Urbancic and Walker): chance deals Alice a King or a
/// Queen; Alice raises or folds (folding loses the ante of 1); Bob, who sees only the
/// raise, meets (the card decides ±2) or passes (Alice wins 1).
fn poker() -> Game {
    let mut b = GameBuilder::new(names(&["Alice", "Bob"]));
    let deal = b
        .add_infoset(
            Mover::Chance,
            "deal",
            names(&["King", "Queen"]),
            Some(vec![0.5, 0.5]),
        )
        .unwrap();
    let alice_king = b
        .add_infoset(Mover::Player(0), "Alice King", names(&["Raise", "Fold"]), None)
        .unwrap();
    let alice_queen = b
        .add_infoset(Mover::Player(0), "Alice Queen", names(&["Raise", "Fold"]), None)
        .unwrap();
    let bob = b
        .add_infoset(Mover::Player(1), "Bob", names(&["Meet", "Pass"]), None)
        .unwrap();
    let cards = b.expand(GameBuilder::ROOT, deal).unwrap();
    let fold = b.add_outcome("fold", vec![-1.0, 1.0]).unwrap();
    let pass = b.add_outcome("pass", vec![1.0, -1.0]).unwrap();
    let win = b.add_outcome("win", vec![2.0, -2.0]).unwrap();
    let lose = b.add_outcome("lose", vec![-2.0, 2.0]).unwrap();
    for (card, alice, showdown) in [
        (cards.start, alice_king, win),
        (cards.start + 1, alice_queen, lose),
    ] {
        let moves = b.expand(card, alice).unwrap();
        b.set_outcome(moves.start + 1, fold);
        let replies = b.expand(moves.start, bob).unwrap();
        b.set_outcome(replies.start, showdown);
        b.set_outcome(replies.start + 1, pass);
    }
    b.build().unwrap()
}

/// The poker QRE by a different method: one scalar unknown (Bob's meeting
/// probability), bisection on a decreasing function.
fn poker_qre_by_bisection(lambda: f64) -> (f64, f64, f64) {
    let respond = |m: f64| {
        let king = logistic(lambda * (2.0 + m));
        let queen = logistic(lambda * (2.0 - 3.0 * m));
        let belief_king = king / (king + queen);
        (king, queen, logistic(lambda * (3.0 - 4.0 * belief_king)))
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if respond(mid).2 > mid {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let m = 0.5 * (lo + hi);
    let (king, queen, _) = respond(m);
    (king, queen, m)
}

#[test]
fn poker_qre_matches_an_independent_scalar_solve() {
    let game = poker();
    for lambda in [0.0, 0.1, 0.5, 1.0, 2.0, 5.0] {
        let profile = qre(&game, lambda);
        let (king, queen, meet) = poker_qre_by_bisection(lambda);
        check_close(
            "raise with King",
            prob(&game, &profile, "Alice King", "Raise"),
            king,
            1e-9,
        );
        check_close(
            "raise with Queen",
            prob(&game, &profile, "Alice Queen", "Raise"),
            queen,
            1e-9,
        );
        check_close("meet", prob(&game, &profile, "Bob", "Meet"), meet, 1e-9);
    }
}

#[test]
fn poker_qre_approaches_the_nash_equilibrium() {
    let game = poker();
    for (lambda, tolerance) in [(1e3, 1e-2), (1e4, 1e-3)] {
        let profile = qre(&game, lambda);
        check_close(
            "raise with King",
            prob(&game, &profile, "Alice King", "Raise"),
            1.0,
            tolerance,
        );
        check_close(
            "raise with Queen",
            prob(&game, &profile, "Alice Queen", "Raise"),
            1.0 / 3.0,
            tolerance,
        );
        check_close("meet", prob(&game, &profile, "Bob", "Meet"), 2.0 / 3.0, tolerance);
        assert!(max_regret(&game, &profile) < 10.0 * tolerance);
    }
}

/// Selten's horse as in Gambit's `e01.efg`: player 1 continues or goes down, player 2
/// continues or goes down, player 3 chooses L or R without knowing who went down.
fn horse() -> Game {
    let mut b = GameBuilder::new(names(&["1", "2", "3"]));
    let one = b
        .add_infoset(Mover::Player(0), "one", names(&["C", "D"]), None)
        .unwrap();
    let two = b
        .add_infoset(Mover::Player(1), "two", names(&["c", "d"]), None)
        .unwrap();
    let three = b
        .add_infoset(Mover::Player(2), "three", names(&["L", "R"]), None)
        .unwrap();
    let top = b.expand(GameBuilder::ROOT, one).unwrap();
    let second = b.expand(top.start, two).unwrap();
    let all_continue = b.add_outcome("cc", vec![1.0, 1.0, 1.0]).unwrap();
    b.set_outcome(second.start, all_continue);
    let after_d = b.expand(second.start + 1, three).unwrap();
    let o = b.add_outcome("dL", vec![4.0, 4.0, 0.0]).unwrap();
    b.set_outcome(after_d.start, o);
    let o = b.add_outcome("dR", vec![0.0, 0.0, 1.0]).unwrap();
    b.set_outcome(after_d.start + 1, o);
    let after_down = b.expand(top.start + 1, three).unwrap();
    let o = b.add_outcome("DL", vec![3.0, 2.0, 2.0]).unwrap();
    b.set_outcome(after_down.start, o);
    let o = b.add_outcome("DR", vec![0.0, 0.0, 0.0]).unwrap();
    b.set_outcome(after_down.start + 1, o);
    b.build().unwrap()
}

#[test]
fn horse_qre_selects_the_perfect_equilibrium() {
    let game = horse();
    let profile = qre(&game, 200.0);
    let payoffs = game.expected_payoffs(&profile);
    for (player, value) in payoffs.iter().enumerate() {
        check_close(&format!("payoff of player {}", player + 1), *value, 1.0, 1e-2);
    }
    assert!(max_regret(&game, &profile) < 0.05);
}

#[test]
fn horse_has_no_subgame_perfect_solver() {
    let game = horse();
    assert_eq!(
        solve_spe(&game),
        Err(SolveError::NotPerfectInformation {
            infoset: "three".into()
        })
    );
}

/// A 2×2 game in extensive form: row moves, column chooses without seeing it.
fn two_by_two(row: [[f64; 2]; 2], column: [[f64; 2]; 2]) -> Game {
    let mut b = GameBuilder::new(names(&["Row", "Column"]));
    let r = b
        .add_infoset(Mover::Player(0), "row", names(&["T", "B"]), None)
        .unwrap();
    let c = b
        .add_infoset(Mover::Player(1), "column", names(&["L", "R"]), None)
        .unwrap();
    let rows = b.expand(GameBuilder::ROOT, r).unwrap();
    for i in 0..2 {
        let cells = b.expand(rows.start + i, c).unwrap();
        for j in 0..2 {
            let o = b
                .add_outcome(format!("{i}{j}"), vec![row[i][j], column[i][j]])
                .unwrap();
            b.set_outcome(cells.start + j, o);
        }
    }
    b.build().unwrap()
}

#[test]
fn two_by_two_qre_matches_the_closed_form_fixed_point() {
    // Asymmetric matching pennies: the QRE is unique at every λ (p ↦ q is decreasing,
    // q ↦ p increasing), so bisection on p finds it.
    let row = [[9.0, 0.0], [0.0, 1.0]];
    let column = [[0.0, 1.0], [1.0, 0.0]];
    let game = two_by_two(row, column);
    for lambda in [0.3, 1.0, 3.0, 10.0, 30.0] {
        let q_of_p = |p: f64| logistic(lambda * ((1.0 - p) - p)); // L pays 1 against B
        let p_of_q = |q: f64| logistic(lambda * (9.0 * q - (1.0 - q)));
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if p_of_q(q_of_p(mid)) > mid {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let p = 0.5 * (lo + hi);
        let profile = qre(&game, lambda);
        check_close("P(T)", prob(&game, &profile, "row", "T"), p, 1e-9);
        check_close("P(L)", prob(&game, &profile, "column", "L"), q_of_p(p), 1e-9);
    }
}

/// Entry deterrence with a chance move and a non-terminal outcome.
fn entry() -> Game {
    let mut b = GameBuilder::new(names(&["Entrant", "Incumbent"]));
    let nature = b
        .add_infoset(
            Mover::Chance,
            "nature",
            names(&["weak", "strong"]),
            Some(vec![0.25, 0.75]),
        )
        .unwrap();
    let types = b.expand(GameBuilder::ROOT, nature).unwrap();
    let toll = b.add_outcome("toll", vec![-0.5, 0.0]).unwrap();
    for (t, fight_payoff) in [(types.start, 1.0), (types.start + 1, -1.0)] {
        let e = b
            .add_infoset(
                Mover::Player(0),
                format!("enter {t}"),
                names(&["In", "Out"]),
                None,
            )
            .unwrap();
        let i = b
            .add_infoset(
                Mover::Player(1),
                format!("respond {t}"),
                names(&["Fight", "Accommodate"]),
                None,
            )
            .unwrap();
        let moves = b.expand(t, e).unwrap();
        b.set_outcome(moves.start, toll);
        let out = b.add_outcome("out", vec![0.0, 2.0]).unwrap();
        b.set_outcome(moves.start + 1, out);
        let responses = b.expand(moves.start, i).unwrap();
        let f = b.add_outcome("fight", vec![-1.0, fight_payoff]).unwrap();
        let a = b.add_outcome("accommodate", vec![1.5, 1.0]).unwrap();
        b.set_outcome(responses.start, f);
        b.set_outcome(responses.start + 1, a);
    }
    b.build().unwrap()
}

#[test]
fn spe_of_entry_game() {
    let game = entry();
    let profile = solve_spe(&game).unwrap();
    // Weak incumbent fights (1 > 1), ties go to the first action; strong accommodates.
    let check = |infoset: &str, action: &str, expected: f64| {
        assert_eq!(
            prob(&game, &profile, infoset, action),
            expected,
            "{infoset} {action}"
        );
    };
    check("respond 1", "Fight", 1.0);
    check("enter 1", "Out", 1.0);
    check("respond 2", "Accommodate", 1.0);
    check("enter 2", "In", 1.0);
    let payoffs = game.expected_payoffs(&profile);
    check_close("entrant", payoffs[0], 0.75 * (1.5 - 0.5), 1e-12);
    check_close("incumbent", payoffs[1], 0.25 * 2.0 + 0.75 * 1.0, 1e-12);
    assert!(max_regret(&game, &profile) <= 1e-12);
    assert_eq!(&profile.probs[0..2], &[0.25, 0.75]);
}

#[test]
fn perfect_information_qre_is_stable_for_huge_lambda_times_payoff() {
    let mut game = entry();
    for v in game.outcome_payoffs_mut() {
        *v *= 1e3;
    }
    let profile = qre(&game, 1e4);
    assert!(profile.probs.iter().all(|p| p.is_finite()));
    let spe = solve_spe(&game).unwrap();
    // The tie at the weak incumbent stays a tie: logit splits it evenly.
    check_close("tie", prob(&game, &profile, "respond 1", "Fight"), 0.5, 1e-12);
    check_close(
        "strong",
        prob(&game, &profile, "respond 2", "Accommodate"),
        1.0,
        1e-12,
    );
    assert_eq!(
        prob(&game, &spe, "enter 2", "In"),
        prob(&game, &profile, "enter 2", "In")
    );
}

#[test]
fn workspace_reuse_on_refilled_numbers_equals_a_fresh_solve() {
    let mut game = poker();
    let mut ws = Workspace::new(&game);
    let mut profile = Profile { probs: Vec::new() };
    for (round, scale) in [1.0, 2.0, 0.5].into_iter().enumerate() {
        for v in game.outcome_payoffs_mut() {
            *v *= scale;
        }
        game.chance_probs_mut()[0] = 0.3 + 0.1 * round as f64;
        game.chance_probs_mut()[1] = 0.7 - 0.1 * round as f64;
        solve_into(&game, &SolverKind::Qre { lambda: 1.5 }, &mut ws, &mut profile).unwrap();
        assert_eq!(profile, qre(&game, 1.5));
    }
    let other = horse();
    assert_eq!(
        solve_into(&other, &SolverKind::Qre { lambda: 1.0 }, &mut ws, &mut profile),
        Err(SolveError::WorkspaceMismatch)
    );
}

#[test]
fn invalid_lambda_is_an_error() {
    let game = poker();
    for lambda in [-1.0, f64::NAN, f64::INFINITY] {
        let result = solve_qre(
            &game,
            &QreConfig {
                lambda,
                ..QreConfig::default()
            },
        );
        assert!(
            matches!(result, Err(SolveError::InvalidLambda(_))),
            "{lambda}: {result:?}"
        );
    }
}

/// The subgame decomposition (blocks solved one by one, a logit backward pass above
/// them) gives the same QRE as tracing the whole game jointly in Gambit's formulation.
#[test]
fn block_decomposition_matches_the_joint_trace() {
    use demarche::solve::{QreMethod, solve_qre};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/japan_dprk_summit.toml");
    let model = demarche::model::load(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    let game = model.game();
    for lambda in [0.5, 2.0] {
        let blocks = solve_qre(
            game,
            &QreConfig {
                lambda,
                ..QreConfig::default()
            },
        )
        .unwrap();
        let joint = solve_qre(
            game,
            &QreConfig {
                lambda,
                method: QreMethod::ArclengthOnActions,
                ..QreConfig::default()
            },
        )
        .unwrap();
        let worst = blocks
            .probs
            .iter()
            .zip(&joint.probs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-8,
            "λ = {lambda}: blocks and joint trace differ by {worst}"
        );
    }
}

/// A headline trial whose second subgame nears a turning point at λ ≈ 4.41 (found by
/// the issue-size Sobol' analysis, design point 700, trial 1080): the tracer must pass
/// it and land on a logit fixed point with small regret. It once gave up there.
#[test]
fn headline_trial_near_a_turning_point_is_solved() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/japan_dprk_summit.toml");
    let model = demarche::model::load(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    let mut fixed = vec![None; model.params().len()];
    for (name, value) in [
        ("p_hardline", 0.9160624595824629),
        ("lambda", 7.100918517797254),
        ("cn_ru_backing", 0.5445714443922043),
        ("abductee_salience", 3.9610683894716203),
        ("missile_threat", 1.5682897742372006),
        ("delta", 0.9452909850981086),
    ] {
        fixed[model.params().iter().position(|p| p.name == name).unwrap()] = Some(value);
    }
    let (game, _, lambda) =
        demarche::simulate::trial_game(&model, model.default_seed(), 1080, &fixed).unwrap();
    let profile = qre(&game, lambda);
    let regret = demarche::solve::max_regret(&game, &profile);
    assert!(regret.is_finite() && regret >= 0.0, "regret {regret}");
}
