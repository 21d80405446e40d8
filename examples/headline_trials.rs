//! Runs N trials of the headline scenario on one thread (rows discarded) and prints the
//! time per trial: the probe for profiling the per-trial solve. Instruction counts,
//! which unlike times do not depend on the load of this shared machine:
//!
//! ```sh
//! cargo build --release --example headline_trials
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/headline_trials 400
//! ```
//!
//! (the "Collected" total divided by 400 is the README's instructions per trial).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use demarche::model::load;
use demarche::simulate::{RunConfig, SolverChoice, run};

fn main() {
    let trials: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/japan_dprk_summit.toml");
    let model = load(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    let config = RunConfig {
        trials,
        seed: model.default_seed(),
        threads: 1,
        solver: SolverChoice::Qre { lambda: None },
        fixed: vec![None; model.params().len()],
    };
    let started = Instant::now();
    let mut sink = |_: &[u8]| Ok(());
    run(&model, &config, Some(&mut sink), &|_| {}, &AtomicBool::new(false)).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{trials} headline trials on 1 thread in {seconds:.2} s: {:.1} µs per trial",
        seconds / trials as f64 * 1e6
    );
}
