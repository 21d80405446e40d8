//! The parallel, order-preserving trial loop.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::model::Model;

use super::SimError;
use super::stats::{Estimate, Moments};
use super::trial::{SolverChoice, TrialSpec, Worker};

/// Trials per chunk. Part of the reproducibility contract: statistics are merged chunk
/// by chunk, so changing it may change the last digits of summaries.
pub const CHUNK: u64 = 250;
/// Chunks processed between two checks of the cancel flag and two progress updates.
const WAVE: usize = 16;

/// Receives `trials.csv` rows (without header) in trial order.
pub type RowSink<'a> = dyn FnMut(&[u8]) -> std::io::Result<()> + 'a;

/// Everything a run needs besides the model.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub trials: u64,
    pub seed: u64,
    /// Worker threads (at least 1).
    pub threads: usize,
    pub solver: SolverChoice,
    /// One entry per model parameter; `Some(v)` fixes it.
    pub fixed: Vec<Option<f64>>,
}

/// Outcome probabilities and expected payoffs over the finished trials.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub outcomes: Vec<String>,
    pub actors: Vec<String>,
    pub outcome_probability: Vec<Estimate>,
    pub expected_payoff: Vec<Estimate>,
}

impl Summary {
    /// `summary.csv`: `metric,key,mean,std_err,ci_low,ci_high,n`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("metric,key,mean,std_err,ci_low,ci_high,n\n");
        let rows = self
            .outcomes
            .iter()
            .zip(&self.outcome_probability)
            .map(|(k, e)| ("outcome_probability", k, e))
            .chain(
                self.actors
                    .iter()
                    .zip(&self.expected_payoff)
                    .map(|(k, e)| ("expected_payoff", k, e)),
            );
        for (metric, key, e) in rows {
            let _ = writeln!(
                out,
                "{metric},{},{},{},{},{},{}",
                csv_field(key),
                e.mean,
                e.std_err,
                e.ci_low,
                e.ci_high,
                e.n
            );
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub summary: Summary,
    pub completed: u64,
    pub interrupted: bool,
}

#[derive(Clone, Debug, Default)]
struct Accumulator {
    probs: Vec<Moments>,
    payoffs: Vec<Moments>,
}

impl Accumulator {
    fn new(n_outcomes: usize, n_actors: usize) -> Self {
        Accumulator {
            probs: vec![Moments::default(); n_outcomes],
            payoffs: vec![Moments::default(); n_actors],
        }
    }
    fn merge(&mut self, other: &Accumulator) {
        self.probs
            .iter_mut()
            .zip(&other.probs)
            .for_each(|(a, b)| a.merge(b));
        self.payoffs
            .iter_mut()
            .zip(&other.payoffs)
            .for_each(|(a, b)| a.merge(b));
    }
}

/// The `trials.csv` header for a model.
pub fn csv_header(model: &Model) -> String {
    let mut h = String::from("trial,outcome,rounds,path");
    for a in model.actors() {
        let _ = write!(h, ",{}", csv_field(&format!("payoff_{}", a.id)));
    }
    for p in model.params() {
        let _ = write!(h, ",{}", csv_field(&p.name));
    }
    for o in model.outcomes() {
        let _ = write!(h, ",{}", csv_field(&format!("p_{o}")));
    }
    for a in model.actors() {
        let _ = write!(h, ",{}", csv_field(&format!("ev_{}", a.id)));
    }
    h.push('\n');
    h
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub(crate) fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn write_row(worker: &Worker, model: &Model, out: &mut String) {
    let r = &worker.result;
    let _ = write!(
        out,
        "{},{},{},",
        r.trial,
        csv_field(&model.outcomes()[r.outcome]),
        r.rounds
    );
    out.push_str(&csv_field(&model.path_label(r.terminal)));
    for v in r
        .payoffs
        .iter()
        .chain(&r.theta)
        .chain(&r.outcome_probs)
        .chain(&r.expected_payoffs)
    {
        let _ = write!(out, ",{v}");
    }
    out.push('\n');
}

struct ChunkOut {
    rows: String,
    acc: Accumulator,
}

fn run_chunk(
    worker: &mut Worker,
    spec: &TrialSpec<'_>,
    range: std::ops::Range<u64>,
    with_rows: bool,
    cancel: &AtomicBool,
) -> Result<Option<ChunkOut>, SimError> {
    let model = spec.model;
    let mut acc = Accumulator::new(model.outcomes().len(), model.actors().len());
    let mut rows = String::new();
    for trial in range {
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        worker.run(spec, trial)?;
        let r = &worker.result;
        acc.probs
            .iter_mut()
            .zip(&r.outcome_probs)
            .for_each(|(m, &p)| m.push(p));
        acc.payoffs
            .iter_mut()
            .zip(&r.expected_payoffs)
            .for_each(|(m, &p)| m.push(p));
        if with_rows {
            write_row(worker, model, &mut rows);
        }
    }
    Ok(Some(ChunkOut { rows, acc }))
}

/// Runs `config.trials` trials. Rows (without header) go to `sink` in trial order, in
/// pieces; `progress` receives the number of finished trials after every wave; when
/// `cancel` becomes true the run stops after the current wave and reports what it
/// finished.
pub fn run(
    model: &Model,
    config: &RunConfig,
    mut sink: Option<&mut RowSink<'_>>,
    progress: &dyn Fn(u64),
    cancel: &AtomicBool,
) -> Result<RunResult, SimError> {
    let spec = TrialSpec {
        model,
        seed: config.seed,
        solver: config.solver,
        fixed: config.fixed.clone(),
    };
    // One thread runs the chunks inline, with one worker, and builds no pool: the
    // analyses evaluate several points at once this way, each on one thread of theirs.
    let pool = if config.threads > 1 {
        Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(config.threads)
                .build()
                .map_err(|e| SimError::Pool(e.to_string()))?,
        )
    } else {
        None
    };
    let mut inline_worker = None;
    let with_rows = sink.is_some();
    let n_chunks = config.trials.div_ceil(CHUNK);
    let mut total = Accumulator::new(model.outcomes().len(), model.actors().len());
    let mut completed = 0;
    let mut interrupted = false;
    let mut next_chunk = 0;
    while next_chunk < n_chunks {
        if cancel.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        let wave_end = (next_chunk + (WAVE * config.threads.max(1)) as u64).min(n_chunks);
        let chunk_range = |c: u64| c * CHUNK..((c + 1) * CHUNK).min(config.trials);
        let outs: Vec<Result<Option<ChunkOut>, SimError>> = match &pool {
            Some(pool) => pool.install(|| {
                (next_chunk..wave_end)
                    .into_par_iter()
                    .map_init(
                        || Worker::new(model),
                        |worker, c| run_chunk(worker, &spec, chunk_range(c), with_rows, cancel),
                    )
                    .collect()
            }),
            None => {
                let worker = inline_worker.get_or_insert_with(|| Worker::new(model));
                (next_chunk..wave_end)
                    .map(|c| run_chunk(worker, &spec, chunk_range(c), with_rows, cancel))
                    .collect()
            }
        };
        // Merge in chunk order; a chunk cut short by a cancel ends the run there, so
        // the kept trials are always the prefix 0..completed.
        for out in outs {
            let Some(out) = out? else {
                interrupted = true;
                break;
            };
            if let Some(sink) = sink.as_mut() {
                sink(out.rows.as_bytes()).map_err(|e| SimError::Sink(e.to_string()))?;
            }
            total.merge(&out.acc);
            completed = ((next_chunk + 1) * CHUNK).min(config.trials);
            next_chunk += 1;
        }
        progress(completed);
        if interrupted {
            break;
        }
    }
    let summary = Summary {
        outcomes: model.outcomes().to_vec(),
        actors: model.actors().iter().map(|a| a.id.clone()).collect(),
        outcome_probability: total.probs.iter().map(|m| m.estimate(Some((0.0, 1.0)))).collect(),
        expected_payoff: total.payoffs.iter().map(|m| m.estimate(None)).collect(),
    };
    Ok(RunResult {
        summary,
        completed,
        interrupted,
    })
}

/// A run without rows or progress: the summary only. Sweeps, tuning and sensitivity
/// call this for every point, with the same seed, so every point sees the same trial
/// streams (common random numbers).
pub fn evaluate(model: &Model, config: &RunConfig, cancel: &AtomicBool) -> Result<RunResult, SimError> {
    run(model, config, None, &|_| {}, cancel)
}

/// One trial's row exactly as [`run`] writes it (for `--trial`).
pub fn replay_row(model: &Model, config: &RunConfig, trial: u64) -> Result<String, SimError> {
    let spec = TrialSpec {
        model,
        seed: config.seed,
        solver: config.solver,
        fixed: config.fixed.clone(),
    };
    let mut worker = Worker::new(model);
    worker.run(&spec, trial)?;
    let mut row = String::new();
    write_row(&worker, model, &mut row);
    Ok(row)
}
