//! How often the default QRE solver hands a game to the slow reference tracer: solves
//! random signaling games (`demarche::solve::random::random_signaling_game`) whose
//! sizes, seeds and λ are drawn by ChaCha8 from SEED0, each in a fresh workspace, and
//! prints every fallback with its time, then the totals.
//!
//! Usage: cargo run --release --example random_fallbacks -- GAMES MIN_NODES MAX_NODES MAX_LAMBDA SEED0
//! (nodes per sender type; the game has about twice as many; λ is log-uniform on
//! [0.05, MAX_LAMBDA]).

use std::time::Instant;

use demarche::game::Profile;
use demarche::solve::random::random_signaling_game;
use demarche::solve::{QreConfig, Workspace, solve_qre_into};
use rand::{Rng, SeedableRng};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 5 {
        eprintln!("usage: random_fallbacks GAMES MIN_NODES MAX_NODES MAX_LAMBDA SEED0");
        std::process::exit(2);
    }
    let number = |i: usize| -> f64 {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("argument {} must be a number, got {:?}", i + 1, args[i]);
            std::process::exit(2)
        })
    };
    let (games, lo, hi, max_lambda) = (
        number(0) as u64,
        number(1) as usize,
        number(2) as usize,
        number(3),
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(number(4) as u64);
    let (mut fallbacks, mut failed) = (0, 0);
    let started = Instant::now();
    for case in 0..games {
        let players = rng.random_range(2..=4);
        let nodes = rng.random_range(lo..=hi);
        let seed: u64 = rng.random();
        let (ln, exp) = (demarche::math::ln, demarche::math::exp);
        let lambda = exp(rng.random_range(0.0f64..1.0) * (ln(max_lambda) - ln(0.05)) + ln(0.05));
        let game = random_signaling_game(players, nodes, seed);
        let mut ws = Workspace::new(&game);
        let mut profile = Profile { probs: Vec::new() };
        let config = QreConfig {
            lambda,
            ..QreConfig::default()
        };
        let t = Instant::now();
        let solved = solve_qre_into(&game, &config, &mut ws, &mut profile);
        if solved.is_err() {
            failed += 1;
        }
        if ws.reference_fallbacks() > 0 {
            fallbacks += 1;
            println!(
                "case {case}: random_signaling_game({players}, {nodes}, {seed}), {} nodes, λ = {lambda}: reference tracer, {:.1} s{}",
                game.n_nodes(),
                t.elapsed().as_secs_f64(),
                if solved.is_ok() { "" } else { ", failed" }
            );
        }
    }
    println!(
        "{games} games: {fallbacks} fell back to the reference tracer, {failed} failed, {:.2} s in all",
        started.elapsed().as_secs_f64()
    );
}
