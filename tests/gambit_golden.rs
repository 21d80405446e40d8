//! Agreement with Gambit: agent logit QRE values computed by pygambit
//! (`logit_solve_lambda(..., use_strategic=False)`) on the games in `tests/golden/gambit/`.
//!
//! The games, the answers and the script that made them are committed
//! (`tools/gambit_golden/make_games_and_answers.py`), so no Python runs at test time.
//! Every behaviour probability and expected payoff must agree to 1e-6. A λ at which
//! Gambit itself failed is listed in `answers.json` with its error and skipped here by
//! name, never silently.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use demarche::gambit::parse_efg;
use demarche::game::{Game, Mover};
use demarche::solve::{QreConfig, QreMethod, Workspace, solve_qre, solve_qre_into};
use serde::Deserialize;

/// Largest allowed difference from Gambit, for probabilities and expected payoffs alike.
const TOLERANCE: f64 = 1e-6;

/// (game, λ) pairs where demarche currently disagrees with Gambit, with the reason. The
/// test asserts they still fail (house style: assert the current behaviour, leave a
/// FIXME) and fails as soon as one passes, so the list cannot go stale.
const KNOWN_SOLVER_FAILURES: &[(&str, f64, &str)] = &[];

#[derive(Deserialize)]
struct Answers {
    generator: Generator,
    games: Vec<GoldenGame>,
}

#[derive(Deserialize)]
struct Generator {
    pygambit_version: String,
}

#[derive(Deserialize)]
struct GoldenGame {
    name: String,
    file: String,
    players: Vec<String>,
    solutions: Vec<Solution>,
}

#[derive(Deserialize)]
struct Solution {
    lambda: f64,
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    expected_payoffs: Vec<f64>,
    #[serde(default)]
    behavior: Vec<InfosetAnswer>,
}

/// One player information set, keyed as the Rust reader keys it: the player's 0-based
/// index in the file and the information set's number as written in the file.
#[derive(Deserialize)]
struct InfosetAnswer {
    player: usize,
    infoset: u32,
    label: String,
    actions: Vec<String>,
    probs: Vec<f64>,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/gambit")
}

fn load_answers() -> Answers {
    let path = golden_dir().join("answers.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_game(golden: &GoldenGame) -> Game {
    let path = golden_dir().join(&golden.file);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match parse_efg(&source, &path.display().to_string()) {
        Ok(game) => game,
        Err(diagnostics) => panic!(
            "{}: the reader rejected a Gambit-written file:\n{diagnostics}",
            golden.name
        ),
    }
}

fn close(expected: f64, actual: f64) -> bool {
    (expected - actual).abs() <= TOLERANCE
}

/// Compares one solved λ with Gambit; returns one line per disagreement.
fn check(golden: &GoldenGame, game: &Game, solution: &Solution) -> Vec<String> {
    let lambda = solution.lambda;
    let place = format!("{} λ={lambda}", golden.name);
    let profile = match solve_qre(
        game,
        &QreConfig {
            lambda,
            ..QreConfig::default()
        },
    ) {
        Ok(profile) => profile,
        Err(error) => return vec![format!("{place}: solver error: {error}")],
    };
    let mut problems = Vec::new();
    let player_infosets: Vec<_> = game.player_infosets().collect();
    if player_infosets.len() != solution.behavior.len() {
        problems.push(format!(
            "{place}: the game has {} player information sets, Gambit reported {}",
            player_infosets.len(),
            solution.behavior.len()
        ));
    }
    for answer in &solution.behavior {
        let name = format!(
            "{place} player {} ({}) infoset {} {:?}",
            answer.player, golden.players[answer.player], answer.infoset, answer.label
        );
        let found: Vec<_> = player_infosets
            .iter()
            .filter(|(_, h)| h.mover == Mover::Player(answer.player) && h.number == answer.infoset)
            .collect();
        let [(_, infoset)] = found.as_slice() else {
            problems.push(format!(
                "{name}: {} matching information sets in the game, expected 1",
                found.len()
            ));
            continue;
        };
        if infoset.actions != answer.actions {
            problems.push(format!(
                "{name}: actions {:?}, Gambit has {:?}",
                infoset.actions, answer.actions
            ));
            continue;
        }
        let actual = &profile.probs[infoset.action_range()];
        for ((action, &expected), &got) in answer.actions.iter().zip(&answer.probs).zip(actual) {
            if !close(expected, got) {
                problems.push(format!(
                    "{name} action {action:?}: Gambit {expected:.12}, demarche {got:.12}, diff {:.3e}",
                    got - expected
                ));
            }
        }
    }
    let payoffs = game.expected_payoffs(&profile);
    for (player, (&expected, &got)) in solution.expected_payoffs.iter().zip(&payoffs).enumerate() {
        if !close(expected, got) {
            problems.push(format!(
                "{place} expected payoff of player {player} ({}): Gambit {expected:.12}, demarche {got:.12}, diff {:.3e}",
                golden.players[player],
                got - expected
            ));
        }
    }
    if solution.expected_payoffs.len() != payoffs.len() {
        problems.push(format!(
            "{place}: {} expected payoffs from Gambit, {} players in the game",
            solution.expected_payoffs.len(),
            payoffs.len()
        ));
    }
    problems
}

#[test]
fn qre_agrees_with_gambit_on_every_golden_game_and_lambda() {
    let answers = load_answers();
    let mut problems = Vec::new();
    let mut n_checked = 0;
    for golden in &answers.games {
        let game = load_game(golden);
        assert_eq!(
            game.players(),
            golden.players.as_slice(),
            "{}: players",
            golden.name
        );
        for solution in &golden.solutions {
            if !solution.ok {
                // Gambit's own path following failed here: there is no reference value.
                eprintln!(
                    "excluded: {} λ={}: Gambit failed ({})",
                    golden.name,
                    solution.lambda,
                    solution.error.as_deref().unwrap_or("no error recorded")
                );
                continue;
            }
            let found = check(golden, &game, solution);
            let known = KNOWN_SOLVER_FAILURES
                .iter()
                .find(|(name, lambda, _)| *name == golden.name && *lambda == solution.lambda);
            match known {
                Some((_, _, reason)) if found.is_empty() => problems.push(format!(
                    "{} λ={} now agrees with Gambit: remove it from KNOWN_SOLVER_FAILURES ({reason})",
                    golden.name, solution.lambda
                )),
                Some((_, _, reason)) => eprintln!("known failure: {}\n  {reason}", found.join("\n  ")),
                None => problems.extend(found),
            }
            n_checked += 1;
        }
    }
    assert!(n_checked > 0, "no golden solutions were checked");
    for (name, lambda, _) in KNOWN_SOLVER_FAILURES {
        let listed = answers
            .games
            .iter()
            .any(|g| g.name == *name && g.solutions.iter().any(|s| s.ok && s.lambda == *lambda));
        assert!(
            listed,
            "KNOWN_SOLVER_FAILURES names {name} λ={lambda}, which answers.json does not solve"
        );
    }
    assert!(
        problems.is_empty(),
        "{} disagreements with Gambit (pygambit {}) over {n_checked} solved (game, λ) pairs:\n{}",
        problems.len(),
        answers.generator.pygambit_version,
        problems.join("\n")
    );
}

/// Every `.efg` in the folder has answers, every answer has its file, and every game has
/// at least one λ that Gambit solved: nothing is skipped silently.
#[test]
fn golden_set_is_complete() {
    let answers = load_answers();
    assert!(!answers.games.is_empty(), "answers.json lists no games");
    let on_disk: BTreeSet<String> = std::fs::read_dir(golden_dir())
        .expect("golden folder")
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".efg"))
        .collect();
    let answered: BTreeSet<String> = answers.games.iter().map(|g| g.file.clone()).collect();
    assert_eq!(
        answered.len(),
        answers.games.len(),
        "a file is listed twice in answers.json"
    );
    assert_eq!(on_disk, answered, ".efg files on disk vs games in answers.json");
    for golden in &answers.games {
        assert!(
            golden.solutions.iter().any(|s| s.ok),
            "{}: Gambit solved no λ for this game",
            golden.name
        );
        for solution in golden.solutions.iter().filter(|s| !s.ok) {
            assert!(
                solution.error.is_some(),
                "{} λ={}: marked failed without a recorded reason",
                golden.name,
                solution.lambda
            );
        }
    }
}

#[derive(Deserialize)]
struct ExtraAnswer {
    lambda: f64,
    gambit_lambda: f64,
    sets: Vec<ExtraSet>,
    probs: Vec<f64>,
}

#[derive(Deserialize)]
struct ExtraSet {
    player: usize,
    number: u32,
    n_actions: usize,
}

/// Single games found by the property tests where the two tracers disagreed, answered
/// by Gambit (`tools/gambit_golden/solve_one.py`; see `tests/golden/gambit/extra/`).
/// `signal_13_nodes` (random signaling game, seed 17094548462821878275, λ ≈ 8.457): the
/// tracers differ at a receiver set reached with probability 1e-25, where the reference
/// tracer on all action probabilities (`QreMethod::ArclengthOnActions`) jumps to another
/// branch; the default tracer agrees with Gambit.
#[test]
fn extra_cases_agree_with_gambit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/gambit/extra");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let off = default_tracer_off_gambit(&path);
        assert!(off <= TOLERANCE, "{}: {off} from Gambit", path.display());
        checked += 1;
    }
    assert!(checked >= 4);
}

/// Gambit's flat answer as (our global action, probability) pairs.
fn gambit_in_our_order(game: &Game, answer: &ExtraAnswer) -> Vec<(usize, f64)> {
    let mut pairs = Vec::with_capacity(answer.probs.len());
    let mut offset = 0;
    for set in &answer.sets {
        let (_, info) = game
            .player_infosets()
            .find(|(_, info)| info.mover == Mover::Player(set.player) && info.number == set.number)
            .expect("every Gambit information set exists in our game");
        assert_eq!(info.n_actions(), set.n_actions);
        for (k, a) in info.action_range().enumerate() {
            pairs.push((a, answer.probs[offset + k]));
        }
        offset += set.n_actions;
    }
    assert_eq!(offset, answer.probs.len());
    pairs
}

/// A game kept with Gambit's answer (`tools/gambit_golden/solve_one.py`): the game of
/// `json`'s `.efg` twin, Gambit's answer as (our global action, probability) pairs,
/// and λ (checked to be the one Gambit reports).
fn kept_game(json: &Path) -> (Game, Vec<(usize, f64)>, f64) {
    let answer: ExtraAnswer = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert!((answer.gambit_lambda - answer.lambda).abs() < 1e-8 * answer.lambda.max(1.0));
    let efg = json.with_extension("efg");
    let game = parse_efg(
        &std::fs::read_to_string(&efg).unwrap(),
        &efg.display().to_string(),
    )
    .unwrap();
    let gambit = gambit_in_our_order(&game, &answer);
    (game, gambit, answer.lambda)
}

/// How far the default tracer's answer on a kept game (`kept_game`) lies from Gambit's:
/// the largest difference of an action probability.
fn default_tracer_off_gambit(json: &Path) -> f64 {
    let (game, gambit, lambda) = kept_game(json);
    let ours = solve_qre(
        &game,
        &QreConfig {
            lambda,
            ..QreConfig::default()
        },
    )
    .unwrap();
    off_gambit(&gambit, &ours.probs)
}

/// The largest difference of `probs` from Gambit's answer.
fn off_gambit(gambit: &[(usize, f64)], probs: &[f64]) -> f64 {
    gambit
        .iter()
        .map(|&(a, y)| (probs[a] - y).abs())
        .fold(0.0, f64::max)
}

/// A game on which Gambit leaves the branch from λ = 0: trial 12730 of the headline
/// scenario (`demarche export scenarios/japan_dprk_summit.toml --format efg --trial
/// 12730`, default seed; see `tests/golden/gambit/off_branch/README.md`). Between
/// λ ≈ 2.988 and 3.006 the branch makes a narrow S-shaped turn. Our default tracer
/// follows it; Gambit and our reference tracer with its default (doubling) steps jump
/// across to another branch. With its steps bounded, the reference follows the turn
/// and agrees with the default tracer, and Gambit's answer (a QRE at the same λ, on
/// the other branch) is what the unbounded reference finds.
#[test]
fn where_gambit_jumps_a_narrow_turn_the_bounded_reference_agrees_with_us() {
    let (game, gambit, lambda) = kept_game(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/gambit/off_branch/japan_dprk_trial_12730.json"),
    );
    let config = |method, max_step| QreConfig {
        lambda,
        method,
        max_step,
        ..QreConfig::default()
    };
    let ours = solve_qre(&game, &config(QreMethod::Arclength, f64::INFINITY)).unwrap();
    let bounded = solve_qre(&game, &config(QreMethod::ArclengthOnActions, 0.05)).unwrap();
    let long_steps = solve_qre(&game, &config(QreMethod::ArclengthOnActions, f64::INFINITY)).unwrap();
    let differ = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    assert!(differ(&ours.probs, &bounded.probs) < 1e-9);
    assert!(off_gambit(&gambit, &long_steps.probs) < TOLERANCE);
    // Gambit's answer is on another branch, far from ours.
    assert!(
        off_gambit(&gambit, &ours.probs) > 0.1,
        "{}",
        off_gambit(&gambit, &ours.probs)
    );
}

/// The game of `tests/golden/gambit/known_jump/` (see its README), where the default
/// tracer's steps used to leave the branch that Gambit follows.
fn known_jump_json() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/gambit/known_jump/signal_3p_13_seed_3415930275982361722.json")
}

#[test]
fn with_steps_bounded_at_one_the_default_tracer_follows_gambit_where_it_jumps() {
    let (game, gambit, lambda) = kept_game(&known_jump_json());
    let config = |max_step| QreConfig {
        lambda,
        max_step,
        ..QreConfig::default()
    };
    let bounded = solve_qre(&game, &config(1.0)).unwrap();
    assert!(off_gambit(&gambit, &bounded.probs) < TOLERANCE);
    let reference = solve_qre(
        &game,
        &QreConfig {
            lambda,
            method: QreMethod::ArclengthOnActions,
            ..QreConfig::default()
        },
    )
    .unwrap();
    assert!(off_gambit(&gambit, &reference.probs) < TOLERANCE);
}

/// The bound on a step's belief move keeps the default tracer on the branch here (it
/// failed before that bound, see the README next to the game).
#[test]
fn where_long_steps_jumped_the_default_tracer_follows_gambit() {
    let off = default_tracer_off_gambit(&known_jump_json());
    assert!(off < TOLERANCE, "{off}");
}

/// Two subgames of headline trials from the issue-size Sobol' design (see
/// `tests/golden/gambit/closed_branch/README.md`). The branch from λ = 0 is monotone in
/// λ but bends sharply near λ = 2.4; a step of 2.4 goes across the bend onto a closed
/// branch with turning points at λ ≈ 2.77 and 5.56. The belief tracer used to go round
/// it until its 100,000 steps ran out (34 s per solve through the fallback). Now a trace
/// that passes more than `MAX_TURNS` turning points gives up and the belief tracer
/// traces again with steps of at most 0.5, which stay on the branch: no fallback, and
/// Gambit's answer.
#[test]
fn where_long_steps_reached_a_closed_branch_the_belief_tracer_follows_gambit() {
    for name in ["headline_sobol_subgame_a", "headline_sobol_subgame_b"] {
        let json = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/golden/gambit/closed_branch/{name}.json"));
        let (game, gambit, lambda) = kept_game(&json);
        let mut ws = Workspace::new(&game);
        let mut profile = game.uniform_profile();
        let config = QreConfig {
            lambda,
            ..QreConfig::default()
        };
        solve_qre_into(&game, &config, &mut ws, &mut profile).unwrap();
        assert_eq!(ws.reference_fallbacks(), 0, "{name}: the belief tracer gave up");
        let off = off_gambit(&gambit, &profile.probs);
        assert!(off < TOLERANCE, "{name}: {off}");
    }
}
