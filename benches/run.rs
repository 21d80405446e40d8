//! Trial throughput of `demarche run` on the shipped scenarios (issue 3): a full run
//! writes rows to a sink exactly as the CLI does, on 1 and 2 threads, and the bench
//! reports trials per second and the projected time of a 1,000,000-trial run.
//!
//! `DEMARCHE_BENCH_TRIALS` sets the trials per measurement (default 2,000).
//! Plain timing (harness = false): one run is long enough on its own.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use demarche::model::{DefaultSolver, load};
use demarche::simulate::{RunConfig, SolverChoice, run};

fn main() {
    let trials: u64 = std::env::var("DEMARCHE_BENCH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    for scenario in [
        "scenarios/japan_dprk_summit.toml",
        "scenarios/textbook/fearon_crisis.toml",
    ] {
        let path = format!("{}/{scenario}", env!("CARGO_MANIFEST_DIR"));
        let model = load(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        let solver = match model.default_solver() {
            DefaultSolver::Spe => SolverChoice::Spe,
            DefaultSolver::Qre => SolverChoice::Qre { lambda: None },
        };
        for threads in [1, 2] {
            let config = RunConfig {
                trials,
                seed: model.default_seed(),
                threads,
                solver,
                fixed: vec![None; model.params().len()],
            };
            let mut bytes = 0usize;
            let mut sink = |b: &[u8]| {
                bytes += b.len();
                Ok(())
            };
            let started = Instant::now();
            run(&model, &config, Some(&mut sink), &|_| {}, &AtomicBool::new(false)).unwrap();
            let seconds = started.elapsed().as_secs_f64();
            let per_second = trials as f64 / seconds;
            println!(
                "{scenario} ({} nodes, {}): {threads} thread(s): {trials} trials in {seconds:.2} s = {per_second:.0} trials/s, {:.1} µs/trial; 1,000,000 trials ≈ {:.0} s; {} bytes of rows/trial",
                model.game().n_nodes(),
                solver.name(),
                seconds / trials as f64 * 1e6,
                1e6 / per_second,
                bytes / trials as usize
            );
        }
    }
}
