//! Normal-form solvers checked against closed forms and independent computations.
// The closed forms below use the platform's `exp`: a reference independent of
// `demarche::math`, which the solvers use.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;

use demarche::gambit::parse_nfg;
use demarche::game::normal::NormalForm;
use demarche::solve::normal::{NormalSolveError, logit_qre_nfg, mixed_nash_2p, pure_nash};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn sample(name: &str) -> NormalForm {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gambit")
        .join(name);
    parse_nfg(&std::fs::read_to_string(path).unwrap(), name).unwrap()
}

fn labels(n: usize) -> Vec<String> {
    (1..=n).map(|k| k.to_string()).collect()
}

fn game(counts: &[usize], payoffs: Vec<f64>) -> NormalForm {
    let players = (1..=counts.len()).map(|p| format!("P{p}")).collect();
    NormalForm::new(
        "",
        "",
        players,
        counts.iter().map(|&m| labels(m)).collect(),
        payoffs,
    )
    .unwrap()
}

/// Each player's expected payoff of every pure strategy against the others' mixes,
/// summed over the whole table (independent of the solver's own routine).
fn strategy_values(g: &NormalForm, sigma: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut values: Vec<Vec<f64>> = sigma.iter().map(|s| vec![0.0; s.len()]).collect();
    for index in 0..g.n_profiles() {
        let profile = g.profile_at(index);
        for i in 0..g.n_players() {
            let w: f64 = (0..g.n_players())
                .filter(|&j| j != i)
                .map(|j| sigma[j][profile[j]])
                .product();
            values[i][profile[i]] += w * g.payoff(&profile, i);
        }
    }
    values
}

fn regret(g: &NormalForm, sigma: &[Vec<f64>]) -> f64 {
    strategy_values(g, sigma)
        .iter()
        .zip(sigma)
        .map(|(v, s)| {
            let now: f64 = v.iter().zip(s).map(|(a, b)| a * b).sum();
            v.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - now
        })
        .fold(0.0, f64::max)
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Logit QRE of a 2×2 game where the fixed point reduces to one increasing scalar
/// equation in p = P(row plays strategy 1), solved by bisection.
fn qre_2x2_by_bisection(g: &NormalForm, lambda: f64) -> (f64, f64) {
    let u = |r: usize, c: usize, p: usize| g.payoff(&[r, c], p);
    let delta_row = |q: f64| (u(0, 0, 0) - u(1, 0, 0)) * q + (u(0, 1, 0) - u(1, 1, 0)) * (1.0 - q);
    let delta_col = |p: f64| (u(0, 0, 1) - u(0, 1, 1)) * p + (u(1, 0, 1) - u(1, 1, 1)) * (1.0 - p);
    let q_of = |p: f64| logistic(lambda * delta_col(p));
    let h = |p: f64| p - logistic(lambda * delta_row(q_of(p)));
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    assert!(h(lo) <= 0.0 && h(hi) >= 0.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if h(mid) <= 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let p = 0.5 * (lo + hi);
    (p, q_of(p))
}

fn check_qre_2x2(g: &NormalForm, lambda: f64) {
    let sigma = logit_qre_nfg(g, lambda).unwrap_or_else(|e| panic!("lambda {lambda}: {e}"));
    let (p, q) = qre_2x2_by_bisection(g, lambda);
    assert!(
        (sigma[0][0] - p).abs() < 1e-9 && (sigma[1][0] - q).abs() < 1e-9,
        "lambda {lambda}: solver {sigma:?}, bisection ({p}, {q})"
    );
    assert!((sigma[0][0] + sigma[0][1] - 1.0).abs() < 1e-14);
    assert!((sigma[1][0] + sigma[1][1] - 1.0).abs() < 1e-14);
}

#[test]
fn qre_of_asymmetric_pennies_matches_the_scalar_equation() {
    let g = sample("asym_pennies.nfg");
    for lambda in [0.0, 0.05, 0.3, 1.0, 2.5, 10.0, 100.0, 1000.0] {
        check_qre_2x2(&g, lambda);
    }
    // Large λ approaches the mixed equilibrium (1/2, 1/6).
    let s = logit_qre_nfg(&g, 1e4).unwrap();
    assert!(
        (s[0][0] - 0.5).abs() < 1e-3 && (s[1][0] - 1.0 / 6.0).abs() < 1e-3,
        "{s:?}"
    );
}

#[test]
fn qre_with_a_dominant_column_has_a_closed_form() {
    // The column player's payoff does not depend on the row: q = logistic(λ·(2 − 1)).
    // Then p = logistic(λ·Δ_row(q)) with Δ_row(q) = 3q − 1·(1 − q) − 0 = 4q − 1.
    let g = game(&[2, 2], vec![3.0, 2.0, 0.0, 2.0, -1.0, 1.0, 0.0, 1.0]);
    for lambda in [0.0, 0.5, 1.0, 3.0, 20.0] {
        let s = logit_qre_nfg(&g, lambda).unwrap();
        let q = logistic(lambda);
        let p = logistic(lambda * (4.0 * q - 1.0));
        assert!(
            (s[1][0] - q).abs() < 1e-10 && (s[0][0] - p).abs() < 1e-10,
            "{lambda}: {s:?}"
        );
    }
}

#[test]
fn qre_stays_stable_when_lambda_times_payoffs_is_large() {
    // QRE(λ, c·u) = QRE(c·λ, u): scale payoffs by 1000 so λ·payoff reaches 45,000.
    let g = sample("asym_pennies.nfg");
    let scaled = game(&[2, 2], g.payoff_table().iter().map(|v| v * 1000.0).collect());
    for lambda in [0.002, 0.05, 5.0] {
        let s = logit_qre_nfg(&scaled, lambda).unwrap();
        let (p, q) = qre_2x2_by_bisection(&g, lambda * 1000.0);
        assert!(
            (s[0][0] - p).abs() < 1e-9 && (s[1][0] - q).abs() < 1e-9,
            "{lambda}: {s:?} vs {p} {q}"
        );
    }
    // A dominated strategy at huge λ: its probability underflows without NaNs.
    let pd = sample("pd.nfg");
    let s = logit_qre_nfg(&pd, 1e4).unwrap();
    assert!(s.iter().flatten().all(|v| v.is_finite()));
    assert!(s[0][1] > 1.0 - 1e-12 && s[1][1] > 1.0 - 1e-12, "{s:?}");
}

#[test]
fn qre_of_a_three_player_game_is_a_fixed_point() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let g = game(&[2, 3, 2], (0..36).map(|_| rng.random_range(-5.0..5.0)).collect());
    let uniform = logit_qre_nfg(&g, 0.0).unwrap();
    assert_eq!(uniform, vec![vec![0.5; 2], vec![1.0 / 3.0; 3], vec![0.5; 2]]);
    for lambda in [0.1, 0.7, 2.0] {
        let s = logit_qre_nfg(&g, lambda).unwrap();
        let values = strategy_values(&g, &s);
        for (i, v) in values.iter().enumerate() {
            let z: f64 = v.iter().map(|x| (lambda * x).exp()).sum();
            for (k, x) in v.iter().enumerate() {
                let want = (lambda * x).exp() / z;
                assert!(
                    (s[i][k] - want).abs() <= 1e-10,
                    "lambda {lambda} player {i}: {s:?}"
                );
            }
        }
    }
}

#[test]
fn qre_rejects_a_bad_lambda() {
    let g = sample("pd.nfg");
    assert!(matches!(
        logit_qre_nfg(&g, -1.0),
        Err(NormalSolveError::BadLambda { .. })
    ));
    assert!(matches!(
        logit_qre_nfg(&g, f64::NAN),
        Err(NormalSolveError::BadLambda { .. })
    ));
}

#[test]
fn pure_equilibria_of_classic_games() {
    let check = |name: &str, want: Vec<Vec<usize>>| assert_eq!(pure_nash(&sample(name)), want, "{name}");
    check("pd.nfg", vec![vec![1, 1]]);
    check("bos.nfg", vec![vec![0, 0], vec![1, 1]]);
    check("asym_pennies.nfg", vec![]);
    // Ties: with all payoffs equal, every profile is an equilibrium.
    assert_eq!(pure_nash(&game(&[2, 2], vec![1.0; 8])).len(), 4);
}

fn assert_equilibria(got: &[(Vec<f64>, Vec<f64>)], want: &[(Vec<f64>, Vec<f64>)]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((gx, gy), (wx, wy)) in got.iter().zip(want) {
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(gx, wx) && close(gy, wy), "got {got:?}, want {want:?}");
    }
}

#[test]
fn mixed_equilibria_of_classic_games() {
    assert_equilibria(
        &mixed_nash_2p(&sample("pd.nfg")).unwrap(),
        &[(vec![0.0, 1.0], vec![0.0, 1.0])],
    );
    assert_equilibria(
        &mixed_nash_2p(&sample("bos.nfg")).unwrap(),
        &[
            (vec![1.0, 0.0], vec![1.0, 0.0]),
            (vec![0.0, 1.0], vec![0.0, 1.0]),
            (vec![2.0 / 3.0, 1.0 / 3.0], vec![1.0 / 3.0, 2.0 / 3.0]),
        ],
    );
    assert_equilibria(
        &mixed_nash_2p(&sample("asym_pennies.nfg")).unwrap(),
        &[(vec![0.5, 0.5], vec![1.0 / 6.0, 5.0 / 6.0])],
    );
    let three = game(&[2, 2, 2], vec![0.0; 24]);
    assert!(matches!(
        mixed_nash_2p(&three),
        Err(NormalSolveError::NotTwoPlayers { n_players: 3 })
    ));
}

#[test]
fn random_generic_games_have_an_odd_number_of_equilibria() {
    // Generic (nondegenerate) bimatrix games have an odd number of Nash equilibria
    // (Wilson's oddness theorem); each must have zero regret, and the pure ones must be
    // exactly those found by pure enumeration.
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for trial in 0..40 {
        let (m, n) = (rng.random_range(2..5), rng.random_range(2..5));
        let g = game(
            &[m, n],
            (0..2 * m * n).map(|_| rng.random_range(-10.0..10.0)).collect(),
        );
        let eqs = mixed_nash_2p(&g).unwrap();
        assert_eq!(eqs.len() % 2, 1, "trial {trial}: {eqs:?}");
        for (x, y) in &eqs {
            let r = regret(&g, &[x.clone(), y.clone()]);
            assert!(r < 1e-9, "trial {trial}: regret {r}");
        }
        let pure_from_mixed: Vec<Vec<usize>> = eqs
            .iter()
            .filter_map(|(x, y)| {
                let i = x.iter().position(|v| *v == 1.0)?;
                let j = y.iter().position(|v| *v == 1.0)?;
                Some(vec![i, j])
            })
            .collect();
        let mut pure = pure_nash(&g);
        let mut from_mixed = pure_from_mixed;
        pure.sort();
        from_mixed.sort();
        assert_eq!(pure, from_mixed, "trial {trial}");
    }
}

#[test]
fn qre_matches_gambit_golden_values() {
    // Games and answers made by tests/data/gambit/nfg_golden/make_golden.py with pygambit's
    // logit_solve_lambda; each answer records the lambda Gambit actually stopped at. The
    // branch_* games have a turning point and an avoided crossing on the principal branch.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gambit/nfg_golden");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("golden.json")).unwrap()).unwrap();
    let games = golden["games"].as_object().unwrap();
    assert_eq!(games.len(), 7);
    let mut compared = 0;
    for (file, answers) in games {
        let g = parse_nfg(&std::fs::read_to_string(dir.join(file)).unwrap(), file).unwrap();
        for answer in answers.as_array().unwrap() {
            let lambda = answer["lambda"].as_f64().unwrap();
            let ours = logit_qre_nfg(&g, lambda).unwrap_or_else(|e| panic!("{file} at {lambda}: {e}"));
            let theirs: Vec<Vec<f64>> = serde_json::from_value(answer["profile"].clone()).unwrap();
            for (a, b) in ours.iter().flatten().zip(theirs.iter().flatten()) {
                assert!(
                    (a - b).abs() < 1e-6,
                    "{file} at lambda {lambda}: ours {ours:?}, Gambit {theirs:?}"
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 39);
}
