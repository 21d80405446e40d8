//! `demarche solve`: equilibria of Gambit games and scenario files, as a table or as
//! JSON lines (one object per game, in the order given).

use std::path::Path;

use serde::Serialize;

use super::args::{SolveArgs, SolverFlag};
use super::common::{CliError, check_lambda, check_tolerance, load_model, read_input};
use crate::gambit::{GameFile, parse_game_file};
use crate::game::{Game, Mover, Profile};
use crate::model::DefaultSolver;
use crate::simulate::default_game;
use crate::solve::{QreConfig, SolveError, max_regret, solve_qre, solve_spe};

/// One solved game, with exactly the keys other tools consume.
#[derive(Debug, Serialize)]
pub struct SolvedGame {
    pub game: String,
    pub solver: String,
    pub lambda: Option<f64>,
    pub players: Vec<String>,
    pub behavior: Vec<InfosetPlay>,
    pub expected_payoffs: Vec<f64>,
    pub max_regret: f64,
}

#[derive(Debug, Serialize)]
pub struct InfosetPlay {
    pub player: String,
    pub infoset: String,
    pub actions: Vec<String>,
    pub probs: Vec<f64>,
}

enum Loaded {
    Game(GameFile),
    Scenario(Game, DefaultSolver, f64),
}

pub fn run(args: &SolveArgs) -> Result<(), CliError> {
    let lambda_flag = check_lambda(args.lambda)?;
    let tolerance = check_tolerance(args.tolerance)?.unwrap_or(QreConfig::default().tolerance);
    // Read everything first: bad input anywhere stops before anything is printed.
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for path in &args.games {
        match load(path) {
            Ok(l) => loaded.push(l),
            Err(e) => errors.push(e.message().to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Input(errors.join("\n")));
    }
    for (path, item) in args.games.iter().zip(loaded) {
        let solved = solve_one(path, item, args.solver, lambda_flag, tolerance)?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&solved).map_err(|e| CliError::Failure(e.to_string()))?
            );
        } else {
            print_table(&solved);
        }
    }
    Ok(())
}

fn load(path: &Path) -> Result<Loaded, CliError> {
    if path.extension().is_some_and(|e| e == "toml") {
        let (model, _) = load_model(path)?;
        let fixed = vec![None; model.params().len()];
        let (game, _, lambda) =
            default_game(&model, &fixed).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
        return Ok(Loaded::Scenario(game, model.default_solver(), lambda));
    }
    let source = read_input(path)?;
    Ok(Loaded::Game(parse_game_file(
        &source,
        &path.display().to_string(),
    )?))
}

fn solve_one(
    path: &Path,
    item: Loaded,
    solver: Option<SolverFlag>,
    lambda_flag: Option<f64>,
    tolerance: f64,
) -> Result<SolvedGame, CliError> {
    let name = path.display().to_string();
    let fail = |e: &dyn std::fmt::Display| CliError::Failure(format!("{name}: {e}"));
    match item {
        Loaded::Game(GameFile::Extensive(game)) => {
            let solver = solver.unwrap_or(SolverFlag::Qre);
            solve_extensive(name.clone(), &game, solver, lambda_flag.unwrap_or(1.0), tolerance)
                .map_err(|e| fail(&e))
        }
        Loaded::Scenario(game, default, scenario_lambda) => {
            let solver = solver.unwrap_or(match default {
                DefaultSolver::Spe => SolverFlag::Spe,
                DefaultSolver::Qre => SolverFlag::Qre,
            });
            solve_extensive(
                name.clone(),
                &game,
                solver,
                lambda_flag.unwrap_or(scenario_lambda),
                tolerance,
            )
            .map_err(|e| fail(&e))
        }
        Loaded::Game(GameFile::Normal(nfg)) => super::solve_nfg::solve_normal(
            name,
            &nfg,
            solver.unwrap_or(SolverFlag::Qre),
            lambda_flag.unwrap_or(1.0),
        ),
    }
}

fn solve_extensive(
    name: String,
    game: &Game,
    solver: SolverFlag,
    lambda: f64,
    tolerance: f64,
) -> Result<SolvedGame, String> {
    let (profile, lambda) = match solver {
        SolverFlag::Spe => (solve_spe(game).map_err(|e| e.to_string())?, None),
        SolverFlag::Qre => {
            let config = QreConfig {
                lambda,
                tolerance,
                ..QreConfig::default()
            };
            let profile = solve_qre(game, &config).map_err(|e| match e {
                // Just above the bound: say what it is and how to move it.
                SolveError::NotConverged { residual, .. } if residual > tolerance && residual <= 1e3 * tolerance => {
                    format!(
                        "{e}; the bound is {tolerance:e} (--tolerance), and at large λ × payoffs rounding alone leaves residuals near 1e-10"
                    )
                }
                e => e.to_string(),
            })?;
            (profile, Some(lambda))
        }
        SolverFlag::Nash => {
            return Err("--solver nash is for normal-form (.nfg) games; use spe or qre".to_string());
        }
    };
    Ok(describe_profile(name, game, &profile, solver, lambda))
}

fn describe_profile(
    name: String,
    game: &Game,
    profile: &Profile,
    solver: SolverFlag,
    lambda: Option<f64>,
) -> SolvedGame {
    let behavior = game
        .player_infosets()
        .map(|(h, info)| {
            let Mover::Player(p) = info.mover else {
                unreachable!("player_infosets yields players")
            };
            InfosetPlay {
                player: game.players()[p].clone(),
                infoset: game.infoset_name(h),
                actions: info.actions.clone(),
                probs: profile.probs[info.action_range()].to_vec(),
            }
        })
        .collect();
    SolvedGame {
        game: name,
        solver: solver_name(solver).to_string(),
        lambda,
        players: game.players().to_vec(),
        behavior,
        expected_payoffs: game.expected_payoffs(profile),
        max_regret: max_regret(game, profile),
    }
}

pub(super) fn solver_name(s: SolverFlag) -> &'static str {
    match s {
        SolverFlag::Spe => "spe",
        SolverFlag::Qre => "qre",
        SolverFlag::Nash => "nash",
    }
}

pub(super) fn print_table(s: &SolvedGame) {
    match s.lambda {
        Some(l) => println!("{}  (solver {}, λ = {l})", s.game, s.solver),
        None => println!("{}  (solver {})", s.game, s.solver),
    }
    let w_player = s
        .behavior
        .iter()
        .map(|b| b.player.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let w_set = s
        .behavior
        .iter()
        .map(|b| b.infoset.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    println!(
        "  {:<w_player$}  {:<w_set$}  action = probability",
        "player", "infoset"
    );
    for b in &s.behavior {
        let actions: Vec<String> = b
            .actions
            .iter()
            .zip(&b.probs)
            .map(|(a, p)| format!("{a} = {p:.6}"))
            .collect();
        println!(
            "  {:<w_player$}  {:<w_set$}  {}",
            b.player,
            b.infoset,
            actions.join(", ")
        );
    }
    let payoffs: Vec<String> = s
        .players
        .iter()
        .zip(&s.expected_payoffs)
        .map(|(p, v)| format!("{p} {v:.6}"))
        .collect();
    println!("  expected payoffs: {}", payoffs.join(", "));
    println!("  max regret: {:.3e}", s.max_regret);
    println!();
}
