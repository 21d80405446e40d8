//! demarche's agent logit QRE against Gambit's `logit_solve_lambda` on the same games:
//! for every golden game and λ in `tests/golden/gambit/answers.json`, the time Gambit
//! took (recorded by the script that made the goldens) next to the time demarche takes
//! here for the same game and λ, and the ratio. Plain timing (harness = false).

use std::time::Instant;

use demarche::gambit::parse_efg;
use demarche::solve::{QreConfig, solve_qre};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/gambit");
    let answers: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/answers.json")).unwrap()).unwrap();
    let mut ratios = Vec::new();
    println!(
        "{:<28} {:>6} {:>8} {:>12} {:>12} {:>10}",
        "game", "nodes", "lambda", "gambit s", "demarche s", "speed-up"
    );
    for game in answers["games"].as_array().unwrap() {
        let file = game["file"].as_str().unwrap();
        let source = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let parsed = parse_efg(&source, file).unwrap();
        for sol in game["solutions"].as_array().unwrap() {
            if sol["ok"] != true {
                continue;
            }
            let lambda = sol["lambda"].as_f64().unwrap();
            let gambit = sol["seconds"].as_f64().unwrap();
            let config = QreConfig {
                lambda,
                ..QreConfig::default()
            };
            // Repeat until at least 50 ms have passed, for a stable per-solve time.
            let started = Instant::now();
            let mut n = 0u32;
            while n == 0 || started.elapsed().as_secs_f64() < 0.05 {
                if solve_qre(&parsed, &config).is_err() {
                    break;
                }
                n += 1;
            }
            if n == 0 {
                println!(
                    "{:<28} {:>6} {:>8} {:>12.4} {:>12} {:>10}",
                    game["name"].as_str().unwrap(),
                    parsed.n_nodes(),
                    lambda,
                    gambit,
                    "failed",
                    "-"
                );
                continue;
            }
            let ours = started.elapsed().as_secs_f64() / n as f64;
            ratios.push(gambit / ours);
            println!(
                "{:<28} {:>6} {:>8} {:>12.4} {:>12.6} {:>9.0}x",
                game["name"].as_str().unwrap(),
                parsed.n_nodes(),
                lambda,
                gambit,
                ours,
                gambit / ours
            );
        }
    }
    ratios.sort_by(f64::total_cmp);
    if !ratios.is_empty() {
        println!(
            "speed-up over {} (game, λ) pairs: min {:.0}x, median {:.0}x, max {:.0}x",
            ratios.len(),
            ratios[0],
            ratios[ratios.len() / 2],
            ratios[ratios.len() - 1]
        );
    }
}
