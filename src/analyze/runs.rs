//! The analyses wired to the Monte Carlo runner: sweeps, tuning/calibration and
//! sensitivity over one compiled [`Model`], plus the text of their CSV outputs.
//!
//! Every model evaluation is one [`simulate::evaluate`] with the same seed and trial
//! count and the analysed parameters fixed: trial i draws from the same stream at every
//! point (common random numbers), so differences between points come from the
//! parameters alone, and the tuner's objective is a deterministic function of them. The
//! model is compiled once by the caller and reused for every point. Nothing here touches
//! files; the CLI writes the strings built here.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use thiserror::Error;

use super::objective::ObjectiveTerm;
use super::params::ParamRange;
use super::sensitivity_run::{SensitivityConfig, SensitivityPlan, SensitivityRow, run_sensitivity};
use super::sweep::{PointSink, SweepPlan, run_sweep};
use super::tune::{MeanEstimate, RunMetrics, TuneConfig, TuneGoal, TuneResult, tune};
use super::{AnalyzeError, MetricRow};
use crate::model::Model;
use crate::simulate::{self, RunConfig, SimError, Summary};

pub const OUTCOME_PROBABILITY: &str = "outcome_probability";
pub const EXPECTED_PAYOFF: &str = "expected_payoff";

#[derive(Debug, Error, Clone, PartialEq)]
pub enum AnalysisError {
    #[error(transparent)]
    Simulation(#[from] SimError),
    #[error(transparent)]
    Analysis(#[from] AnalyzeError),
    /// The cancel flag was raised; finished points were already handed out.
    #[error("interrupted")]
    Cancelled,
}

/// The summary as `summary.csv` rows: every outcome probability, then every actor's
/// expected payoff.
pub fn summary_metrics(summary: &Summary) -> Vec<MetricRow> {
    let outcomes = summary
        .outcomes
        .iter()
        .zip(&summary.outcome_probability)
        .map(|(k, e)| (OUTCOME_PROBABILITY, k, e));
    let payoffs = summary
        .actors
        .iter()
        .zip(&summary.expected_payoff)
        .map(|(k, e)| (EXPECTED_PAYOFF, k, e));
    outcomes
        .chain(payoffs)
        .map(|(metric, key, e)| MetricRow {
            metric: metric.to_string(),
            key: key.clone(),
            mean: e.mean,
            std_err: e.std_err,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            n: e.n,
        })
        .collect()
}

/// What the tuner reads from a summary.
pub fn run_metrics(summary: &Summary) -> RunMetrics {
    let view = |e: &simulate::Estimate| MeanEstimate {
        mean: e.mean,
        std_err: e.std_err,
    };
    RunMetrics {
        outcome_probability: summary.outcome_probability.iter().map(view).collect(),
        actor_payoff: summary.expected_payoff.iter().map(view).collect(),
    }
}

/// Runs the model with chosen parameters fixed, on the base run's seed and trials.
pub struct PointEvaluator<'a> {
    model: &'a Model,
    base: RunConfig,
    indices: Vec<usize>,
    cancel: &'a AtomicBool,
}

impl<'a> PointEvaluator<'a> {
    /// `params` are the analysed parameters; `base.fixed` may fix others (`--set`).
    pub fn new(model: &'a Model, base: &RunConfig, params: &[ParamRange], cancel: &'a AtomicBool) -> Self {
        let mut base = base.clone();
        base.fixed.resize(model.params().len(), None);
        PointEvaluator {
            model,
            base,
            indices: params.iter().map(|p| p.index).collect(),
            cancel,
        }
    }

    /// The summary with the analysed parameters at `values` (in their order).
    pub fn summary(&self, values: &[f64]) -> Result<Summary, AnalysisError> {
        let mut config = self.base.clone();
        for (&index, &value) in self.indices.iter().zip(values) {
            config.fixed[index] = Some(value);
        }
        let result = simulate::evaluate(self.model, &config, self.cancel)?;
        if result.interrupted {
            return Err(AnalysisError::Cancelled);
        }
        Ok(result.summary)
    }
}

impl PointEvaluator<'_> {
    /// Runs `consume` with an `evaluate(values)` that answers for `points`, asked in
    /// their order, from `threads` worker threads that evaluate the points ahead of it,
    /// one point per thread at a time. Each point runs on one thread, its chunks in
    /// order, so its summary is bit-identical to an evaluation on any number of threads,
    /// and the threads stay busy to the end of every point (a point of 2,000 trials is
    /// only 8 chunks: split over two threads, the last chunk often runs alone).
    /// Values that are not the next point are evaluated directly. The workers stop when
    /// `consume` returns; a point they finished that `consume` did not ask for is dropped.
    fn pipelined<T>(
        &self,
        points: &[&[f64]],
        consume: impl FnOnce(&mut dyn FnMut(&[f64]) -> Result<Summary, AnalysisError>) -> T,
    ) -> T {
        let threads = self.base.threads.max(1);
        if threads == 1 || points.len() < 2 {
            return consume(&mut |values| self.summary(values));
        }
        let single = PointEvaluator {
            model: self.model,
            base: RunConfig {
                threads: 1,
                ..self.base.clone()
            },
            indices: self.indices.clone(),
            cancel: self.cancel,
        };
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (send, receive) = mpsc::channel();
            for _ in 0..threads.min(points.len()) {
                let send = send.clone();
                let (single, next, stop) = (&single, &next, &stop);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(values) = points.get(k) else {
                            break;
                        };
                        if send.send((k, single.summary(values))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(send);
            let mut waiting = BTreeMap::new();
            let mut asked = 0;
            let result = consume(&mut |values| {
                if points.get(asked) != Some(&values) {
                    return self.summary(values);
                }
                let k = asked;
                asked += 1;
                loop {
                    if let Some(answer) = waiting.remove(&k) {
                        return answer;
                    }
                    match receive.recv() {
                        Ok((i, answer)) => {
                            waiting.insert(i, answer);
                        }
                        // The workers are gone (they stop only when told to, or after
                        // the last point): evaluate here.
                        Err(_) => return self.summary(values),
                    }
                }
            });
            stop.store(true, Ordering::Relaxed);
            result
        })
    }
}

/// Runs the sweep's points not in `finished`, handing each to `on_point` as it finishes.
pub fn sweep_model(
    model: &Model,
    plan: &SweepPlan,
    base: &RunConfig,
    finished: &BTreeSet<usize>,
    cancel: &AtomicBool,
    on_point: &mut PointSink<'_, AnalysisError>,
) -> Result<(), AnalysisError> {
    let evaluator = PointEvaluator::new(model, base, &plan.params, cancel);
    let points: Vec<&[f64]> = (plan.points.iter().enumerate())
        .filter(|(point, _)| !finished.contains(point))
        .map(|(_, values)| values.as_slice())
        .collect();
    evaluator.pipelined(&points, |summary| {
        let mut evaluate = |values: &[f64]| Ok(summary_metrics(&summary(values)?));
        run_sweep(plan, finished, &mut evaluate, on_point)
    })
}

/// Tunes `params` from the model's defaults (clamped into the ranges).
/// `progress(done, budget)` follows the search evaluations.
pub fn tune_model(
    model: &Model,
    params: &[ParamRange],
    goal: &TuneGoal,
    config: &TuneConfig,
    base: &RunConfig,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<TuneResult, AnalysisError> {
    let evaluator = PointEvaluator::new(model, base, params, cancel);
    let defaults = model.defaults();
    let x0: Vec<f64> = params
        .iter()
        .map(|p| defaults[p.index].clamp(p.low, p.high))
        .collect();
    let mut evaluate = |values: &[f64]| Ok(run_metrics(&evaluator.summary(values)?));
    tune(params, &x0, goal, config, &mut evaluate, progress)
}

/// Evaluates every design point and returns the indices of every summary metric.
pub fn sensitivity_model(
    model: &Model,
    plan: &SensitivityPlan,
    config: &SensitivityConfig,
    base: &RunConfig,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<SensitivityRow>, AnalysisError> {
    let evaluator = PointEvaluator::new(model, base, &plan.params, cancel);
    let points: Vec<&[f64]> = plan.points.iter().map(Vec::as_slice).collect();
    evaluator.pipelined(&points, |summary| {
        let mut evaluate = |values: &[f64]| Ok(summary_metrics(&summary(values)?));
        run_sensitivity(plan, config, &mut evaluate, progress)
    })
}

/// Names of an objective's quantities, for messages: `p(summit)`, `payoff(japan)`.
pub fn term_name(model: &Model, term: ObjectiveTerm) -> String {
    match term {
        ObjectiveTerm::Probability { outcome } => format!("p({})", model.outcomes()[outcome]),
        ObjectiveTerm::Payoff { actor } => format!("payoff({})", model.actors()[actor].id),
        ObjectiveTerm::Constant => "1".into(),
    }
}

// ---------------------------------------------------------------- CSV text

/// A number as the run's CSVs write it (shortest round-trip form); NaN and infinities
/// (undefined estimates) as an empty cell.
fn number(value: f64) -> String {
    if value.is_finite() {
        value.to_string()
    } else {
        String::new()
    }
}

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The `sweep.csv` header line (with newline).
pub fn sweep_csv_header(plan: &SweepPlan) -> String {
    let names: Vec<String> = plan.header().iter().map(|h| field(h)).collect();
    format!("{}\n", names.join(","))
}

/// The `sweep.csv` lines of one point (each with newline).
pub fn sweep_csv_rows(point: usize, values: &[f64], metrics: &[MetricRow]) -> String {
    let mut prefix = point.to_string();
    for &v in values {
        prefix.push(',');
        prefix.push_str(&number(v));
    }
    let mut out = String::new();
    for m in metrics {
        let _ = writeln!(
            out,
            "{prefix},{},{},{},{},{},{},{}",
            field(&m.metric),
            field(&m.key),
            number(m.mean),
            number(m.std_err),
            number(m.ci_low),
            number(m.ci_high),
            m.n
        );
    }
    out
}

/// Recovers the finished points of an interrupted sweep from the rows it wrote (the
/// body of `sweep.csv` without header, possibly cut mid-line). A point counts as
/// finished when all `metrics_per_point` of its lines are complete and its parameter
/// values are those of `plan` (so a partial file from another sweep is never mixed in);
/// the map holds each finished point's exact text, to be written back unchanged.
pub fn finished_sweep_points(
    body: &str,
    plan: &SweepPlan,
    metrics_per_point: usize,
) -> BTreeMap<usize, String> {
    let mut lines_by_point: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    let complete = match body.rfind('\n') {
        Some(end) => &body[..=end],
        None => "",
    };
    for line in complete.lines() {
        let Some(point) = line.split(',').next().and_then(|p| p.parse::<usize>().ok()) else {
            continue;
        };
        lines_by_point.entry(point).or_default().push(line);
    }
    let mut finished = BTreeMap::new();
    for (point, lines) in lines_by_point {
        let Some(values) = plan.points.get(point) else {
            continue;
        };
        let expected_prefix = {
            let mut prefix = point.to_string();
            for &v in values {
                prefix.push(',');
                prefix.push_str(&number(v));
            }
            prefix.push(',');
            prefix
        };
        if lines.len() == metrics_per_point && lines.iter().all(|l| l.starts_with(&expected_prefix)) {
            let mut text = lines.join("\n");
            text.push('\n');
            finished.insert(point, text);
        }
    }
    finished
}

/// `tune.csv`: `eval`, one column per tuned parameter, `objective`, `std_err`.
pub fn tune_csv(params: &[ParamRange], result: &TuneResult) -> String {
    let mut out = String::from("eval");
    for p in params {
        out.push(',');
        out.push_str(&field(&p.name));
    }
    out.push_str(",objective,std_err\n");
    for (i, evaluation) in result.evaluations.iter().enumerate() {
        out.push_str(&i.to_string());
        for &v in &evaluation.values {
            out.push(',');
            out.push_str(&number(v));
        }
        // −∞ log-likelihood is written as such rather than left empty: it is a value.
        let objective = if evaluation.objective == f64::NEG_INFINITY {
            "-inf".to_string()
        } else {
            number(evaluation.objective)
        };
        let _ = writeln!(out, ",{objective},{}", number(evaluation.std_err));
    }
    out
}

/// `sensitivity.csv`: `method,parameter,metric,key,index,value,ci_low,ci_high`.
pub fn sensitivity_csv(rows: &[SensitivityRow]) -> String {
    let mut out = String::from("method,parameter,metric,key,index,value,ci_low,ci_high\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            r.method,
            field(&r.parameter),
            field(&r.metric),
            field(&r.key),
            r.index,
            number(r.value),
            number(r.ci_low),
            number(r.ci_high)
        );
    }
    out
}
