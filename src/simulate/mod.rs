//! Seeded Monte Carlo: per-trial streams, solving, play-out and ordered aggregation.
//!
//! Trials are processed in fixed chunks of [`CHUNK`] trials. Chunks run in parallel on
//! a rayon pool, but their rows and statistics are merged strictly in trial order, so
//! every output is byte-identical for any thread count.

mod rng;
mod runner;
mod stats;
mod trial;

pub use rng::{TrialRng, open_unit, trial_rng};
pub use runner::{CHUNK, RowSink, RunConfig, RunResult, Summary, csv_header, evaluate, replay_row, run};
pub use stats::{Estimate, Moments, Z95};
pub use trial::{SolverChoice, TrialResult, TrialSpec, Worker, default_game, trial_game};

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SimError {
    /// A trial could not be evaluated; `--trial` replays it.
    #[error("trial {trial}: {message} (replay it alone with --trial {trial})")]
    Trial { trial: u64, message: String },
    #[error("writing trial rows: {0}")]
    Sink(String),
    #[error("could not start the thread pool: {0}")]
    Pool(String),
}
