//! demarche's agent logit QRE against Gambit's `logit_solve_lambda` on the same games:
//! for every golden game and λ in `tests/golden/gambit/answers.json`, the time Gambit
//! takes next to the time demarche takes here for the same game and λ, and the ratio.
//! Plain timing (harness = false).
//!
//! Gambit's time is the fastest of up to five warm calls in one Python process, from
//! `tests/golden/gambit/gambit_times.json` (`tools/gambit_golden/time_gambit.py`). The
//! `seconds` of `answers.json` (one call per pair in a freshly forked process, recorded
//! while the machine was busy) are 2–30 times longer and are shown only for reference.
//! demarche's time is measured the same way: the fastest of five timings, each the mean
//! of the solves (a fresh workspace each time) in a batch of at least 10 ms. A batch's
//! mean is never below its fastest solve, so this still leans towards Gambit, whose
//! every timing is a single call. The five batches of a pair are taken in five rounds
//! over all the pairs, a few seconds apart, not one after another: on a shared machine
//! other load can slow everything for seconds at a time (1.5–1.8 times, over stretches
//! of a dozen pairs, on 2026-12-07), and five consecutive batches all fall inside such
//! a stretch. Gambit's times were taken on a quiet machine (a disturbed run of
//! `time_gambit.py` was discarded).

use std::collections::HashMap;
use std::time::Instant;

use demarche::gambit::parse_efg;
use demarche::solve::{QreConfig, solve_qre};

/// Timings per pair, and the least time each takes.
const BATCHES: usize = 5;
const BATCH_SECONDS: f64 = 0.01;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/gambit");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{name}")).unwrap()).unwrap()
    };
    let answers = read("answers.json");
    let warm: HashMap<(String, u64), f64> = read("gambit_times.json")["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let key = (
                t["file"].as_str().unwrap().to_string(),
                t["lambda"].as_f64().unwrap().to_bits(),
            );
            (key, t["seconds"].as_f64().unwrap())
        })
        .collect();
    // The speed-ups mean something only on the machine Gambit was timed on.
    let generator = &read("gambit_times.json")["generator"];
    println!(
        "Gambit's times: {}, {} (re-time on this machine with tools/gambit_golden/time_gambit.py)",
        generator["cpu"].as_str().unwrap_or("processor not recorded"),
        generator["date"].as_str().unwrap_or("date not recorded"),
    );
    let mut ratios = Vec::new();
    let mut below = Vec::new();
    println!(
        "{:<28} {:>6} {:>8} {:>12} {:>12} {:>12} {:>10}",
        "game", "nodes", "lambda", "gambit s", "(golden run)", "demarche s", "speed-up"
    );
    // Every pair first, then five rounds of one batch per pair.
    struct Pair {
        name: String,
        nodes: usize,
        lambda: f64,
        gambit: f64,
        golden_run: f64,
        /// Index into `games`.
        game: usize,
        fastest: f64,
    }
    let mut games = Vec::new();
    let mut pairs = Vec::new();
    for game in answers["games"].as_array().unwrap() {
        let file = game["file"].as_str().unwrap();
        let name = game["name"].as_str().unwrap();
        let source = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        games.push(parse_efg(&source, file).unwrap());
        let parsed = games.last().unwrap();
        for sol in game["solutions"].as_array().unwrap() {
            if sol["ok"] != true {
                continue;
            }
            let lambda = sol["lambda"].as_f64().unwrap();
            let golden_run = sol["seconds"].as_f64().unwrap();
            let Some(&gambit) = warm.get(&(file.to_string(), lambda.to_bits())) else {
                println!(
                    "{name:<28} {lambda:>8}: no entry in gambit_times.json (run tools/gambit_golden/time_gambit.py)"
                );
                continue;
            };
            pairs.push(Pair {
                name: name.to_string(),
                nodes: parsed.n_nodes(),
                lambda,
                gambit,
                golden_run,
                game: games.len() - 1,
                fastest: f64::INFINITY,
            });
        }
    }
    // The same statistic as Gambit's: the fastest of five timings. Each of ours is the
    // mean of the solves in a batch of at least 10 ms (NaN once a solve fails).
    for _ in 0..BATCHES {
        for pair in pairs.iter_mut().filter(|p| !p.fastest.is_nan()) {
            let config = QreConfig {
                lambda: pair.lambda,
                ..QreConfig::default()
            };
            let started = Instant::now();
            let mut n = 0u32;
            while n == 0 || started.elapsed().as_secs_f64() < BATCH_SECONDS {
                if solve_qre(&games[pair.game], &config).is_err() {
                    n = 0;
                    break;
                }
                n += 1;
            }
            pair.fastest = if n == 0 {
                f64::NAN
            } else {
                pair.fastest.min(started.elapsed().as_secs_f64() / n as f64)
            };
        }
    }
    for pair in &pairs {
        let Pair {
            name,
            nodes,
            lambda,
            gambit,
            golden_run,
            fastest,
            ..
        } = pair;
        if fastest.is_nan() {
            println!(
                "{:<28} {:>6} {:>8} {:>12.4} {:>12.4} {:>12} {:>10}",
                name, nodes, lambda, gambit, golden_run, "failed", "-"
            );
            continue;
        }
        let ratio = gambit / fastest;
        ratios.push(ratio);
        if ratio < 1000.0 {
            below.push(format!("{name} λ={lambda} ({ratio:.0}x)"));
        }
        println!(
            "{:<28} {:>6} {:>8} {:>12.5} {:>12.4} {:>12.6} {:>9.0}x",
            name, nodes, lambda, gambit, golden_run, fastest, ratio
        );
    }
    ratios.sort_by(f64::total_cmp);
    if !ratios.is_empty() {
        println!(
            "speed-up over {} (game, λ) pairs: min {:.0}x, median {:.0}x, max {:.0}x; {} pairs below 1000x",
            ratios.len(),
            ratios[0],
            ratios[ratios.len() / 2],
            ratios[ratios.len() - 1],
            below.len()
        );
    }
}
