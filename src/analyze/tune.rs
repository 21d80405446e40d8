//! Tuning and calibration: optimise an objective over chosen parameters, or fit them to
//! observed outcomes by maximum likelihood, with intervals for calibrated values.
//!
//! The driver is independent of how a candidate is evaluated: the caller passes a
//! closure that runs the model with the tuned parameters fixed (on the same trial
//! streams every time, so the objective is a deterministic function of the parameters)
//! and returns its [`RunMetrics`]. The optimiser always minimises; maximisation and the
//! log-likelihood are negated here and reported with their own sign.

use super::AnalyzeError;
use super::objective::{Objective, ObjectiveTerm, Observations};
use super::optim::{Evaluation, OptimConfig, Problem, StopReason, minimize};
use super::params::ParamRange;
use super::stats::{ParameterInterval, curvature_intervals, numerical_hessian, profile_interval};
use crate::math;

/// A Monte Carlo mean with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanEstimate {
    pub mean: f64,
    pub std_err: f64,
}

/// What the tuner needs from one run: every outcome's probability (mean over trials of
/// the exact outcome probability) and every actor's expected payoff, in model order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMetrics {
    pub outcome_probability: Vec<MeanEstimate>,
    pub actor_payoff: Vec<MeanEstimate>,
}

/// What to optimise.
#[derive(Debug, Clone, PartialEq)]
pub enum TuneGoal {
    Maximize(Objective),
    Minimize(Objective),
    /// Maximise the log-likelihood of the observations.
    Calibrate(Observations),
}

impl TuneGoal {
    /// The goal's own value (objective, or log-likelihood) and its standard error.
    ///
    /// Standard errors combine the terms as if independent (and, for the likelihood, by
    /// the delta method); under common random numbers the terms are correlated, so this
    /// is a rough guide to Monte Carlo noise, not an exact figure.
    pub fn value(&self, metrics: &RunMetrics) -> (f64, f64) {
        let lookup = |term: ObjectiveTerm| match term {
            ObjectiveTerm::Probability { outcome } => metrics.outcome_probability[outcome],
            ObjectiveTerm::Payoff { actor } => metrics.actor_payoff[actor],
            ObjectiveTerm::Constant => MeanEstimate {
                mean: 1.0,
                std_err: 0.0,
            },
        };
        match self {
            TuneGoal::Maximize(objective) | TuneGoal::Minimize(objective) => {
                let value = objective.evaluate(|term| lookup(term).mean);
                let variance: f64 = objective
                    .terms
                    .iter()
                    .map(|&(weight, term)| (weight * lookup(term).std_err).powi(2))
                    .sum();
                (value, variance.sqrt())
            }
            TuneGoal::Calibrate(observations) => {
                let mut value = 0.0;
                let mut variance = 0.0;
                for (outcome, &count) in observations.counts.iter().enumerate() {
                    if count == 0.0 {
                        continue;
                    }
                    let estimate = metrics.outcome_probability[outcome];
                    // ln 0 = −∞: parameters under which an observed outcome is impossible.
                    value += count * math::ln(estimate.mean);
                    variance += (count * estimate.std_err / estimate.mean).powi(2);
                }
                (
                    value,
                    if variance.is_finite() {
                        variance.sqrt()
                    } else {
                        f64::NAN
                    },
                )
            }
        }
    }

    fn sign_for_minimisation(&self) -> f64 {
        match self {
            TuneGoal::Minimize(_) => 1.0,
            TuneGoal::Maximize(_) | TuneGoal::Calibrate(_) => -1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TuneConfig {
    pub optim: OptimConfig,
    /// Coverage of calibration intervals (0.95).
    pub confidence: f64,
    /// Finite-difference step for the likelihood's curvature, as a fraction of each
    /// tuned parameter's range.
    pub hessian_step: f64,
}

impl Default for TuneConfig {
    fn default() -> Self {
        TuneConfig {
            optim: OptimConfig::default(),
            confidence: 0.95,
            hessian_step: 0.01,
        }
    }
}

/// One candidate the optimiser evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneEvaluation {
    /// Tuned values, in the order of the tuned parameters.
    pub values: Vec<f64>,
    /// The goal's own value (objective as written, or log-likelihood).
    pub objective: f64,
    pub std_err: f64,
}

/// How the reported intervals were obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum TuneIntervals {
    /// Optimisation objectives have no sampling model, so no interval applies.
    NotApplicable,
    /// Wald intervals from the curvature (numerical Hessian) of the log-likelihood.
    Curvature(Vec<ParameterInterval>),
    /// The curvature was not negative definite (a flat or ridged likelihood, typical of
    /// few observations or piecewise-constant equilibria): per-parameter likelihood
    /// slices through the best point (other parameters held at their best values),
    /// cut where the log-likelihood falls by χ²₁/2, clipped to the bounds.
    LikelihoodSlice(Vec<ParameterInterval>),
    /// The best point has log-likelihood −∞ (an observed outcome is impossible there).
    Unavailable { reason: String },
}

impl TuneIntervals {
    pub fn method(&self) -> &'static str {
        match self {
            TuneIntervals::NotApplicable => "not applicable",
            TuneIntervals::Curvature(_) => "curvature",
            TuneIntervals::LikelihoodSlice(_) => "likelihood slice",
            TuneIntervals::Unavailable { .. } => "unavailable",
        }
    }

    pub fn intervals(&self) -> Option<&[ParameterInterval]> {
        match self {
            TuneIntervals::Curvature(v) | TuneIntervals::LikelihoodSlice(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TuneResult {
    pub evaluations: Vec<TuneEvaluation>,
    /// Index of the best evaluation (the goal's best value; first on ties).
    pub best: usize,
    pub intervals: TuneIntervals,
    /// Extra model evaluations spent on intervals after the search (not in the budget).
    pub interval_evaluations: usize,
    pub stop: StopReason,
}

impl TuneResult {
    pub fn best_evaluation(&self) -> &TuneEvaluation {
        &self.evaluations[self.best]
    }
}

/// Runs the optimiser over `params` (starting from `x0`, clamped into the ranges) and,
/// for calibration, computes intervals. `evaluate(values)` runs the model with the
/// tuned parameters fixed at `values`; `progress(done, budget)` is called after each
/// search evaluation. Errors from `evaluate` (including cancellation) stop everything.
pub fn tune<E: From<AnalyzeError>>(
    params: &[ParamRange],
    x0: &[f64],
    goal: &TuneGoal,
    config: &TuneConfig,
    evaluate: &mut dyn FnMut(&[f64]) -> Result<RunMetrics, E>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<TuneResult, E> {
    let bounds: Vec<(f64, f64)> = params.iter().map(|p| (p.low, p.high)).collect();
    let problem = Problem::new(bounds.clone(), x0.to_vec())?;
    let sign = goal.sign_for_minimisation();
    let mut evaluations: Vec<TuneEvaluation> = Vec::new();
    let budget = config.optim.budget;
    let mut objective = |x: &[f64]| -> Result<Evaluation, E> {
        let metrics = evaluate(x)?;
        let (value, std_err) = goal.value(&metrics);
        evaluations.push(TuneEvaluation {
            values: x.to_vec(),
            objective: value,
            std_err,
        });
        progress(evaluations.len(), budget);
        // −∞ log-likelihood → +∞ to minimise; the optimisers rank it last.
        Ok(Evaluation {
            value: sign * value,
            std_err: Some(std_err),
        })
    };
    let result = minimize(&mut objective, &problem, &config.optim)?;
    let Some(best) = result.best else {
        return Err(AnalyzeError::Invalid(
            "the tuner evaluated nothing: the budget must be at least 1".into(),
        )
        .into());
    };

    let mut interval_evaluations = 0;
    let intervals = match goal {
        TuneGoal::Maximize(_) | TuneGoal::Minimize(_) => TuneIntervals::NotApplicable,
        TuneGoal::Calibrate(_) => {
            let best_values = evaluations[best].values.clone();
            let maximum = evaluations[best].objective;
            if !maximum.is_finite() {
                TuneIntervals::Unavailable {
                    reason: "every evaluated point makes an observed outcome impossible (log-likelihood −∞)"
                        .into(),
                }
            } else {
                let mut log_likelihood = |x: &[f64]| -> Result<f64, E> {
                    interval_evaluations += 1;
                    Ok(goal.value(&evaluate(x)?).0)
                };
                let hessian =
                    numerical_hessian(&mut log_likelihood, &best_values, &bounds, config.hessian_step)?;
                let finite = hessian.iter().flatten().all(|v| v.is_finite());
                match curvature_intervals(&best_values, &hessian, &bounds, config.confidence)? {
                    Some(intervals) if finite => TuneIntervals::Curvature(intervals),
                    _ => {
                        let mut slices = Vec::with_capacity(params.len());
                        for (i, &bound) in bounds.iter().enumerate() {
                            let mut slice = |v: f64| -> Result<f64, E> {
                                let mut x = best_values.clone();
                                x[i] = v;
                                let value = log_likelihood(&x)?;
                                Ok(if value.is_nan() { f64::NEG_INFINITY } else { value })
                            };
                            slices.push(profile_interval(
                                &mut slice,
                                best_values[i],
                                maximum,
                                bound,
                                config.confidence,
                                10,
                                1e-3 * (bound.1 - bound.0),
                            )?);
                        }
                        TuneIntervals::LikelihoodSlice(slices)
                    }
                }
            }
        }
    };
    Ok(TuneResult {
        evaluations,
        best,
        intervals,
        interval_evaluations,
        stop: result.stop,
    })
}

/// Which of the model's outcomes end at least one path of the game. Observing an
/// outcome that ends none is an input error, not a −∞ likelihood to optimise.
pub fn producible_outcomes(model: &crate::model::Model) -> Vec<bool> {
    let game = model.game();
    let mut producible = vec![false; model.outcomes().len()];
    for node in 0..game.n_nodes() {
        if game.is_terminal(node) {
            if let Some(slot) = producible.get_mut(model.terminal_outcome(node)) {
                *slot = true;
            }
        }
    }
    producible
}

/// The scenario source with `default = value` set for each tuned parameter, everything
/// else (comments, layout, other values) unchanged. A comment-preserving edit through
/// `toml_edit`; the value's own trailing comment is kept.
pub fn scenario_with_defaults(source: &str, values: &[(String, f64)]) -> Result<String, String> {
    let mut document: toml_edit::DocumentMut = source
        .parse()
        .map_err(|error: toml_edit::TomlError| format!("the scenario is not valid TOML: {error}"))?;
    let parameters = document
        .get_mut("parameters")
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| "the scenario has no [parameters] table".to_string())?;
    for (name, value) in values {
        let parameter = parameters
            .get_mut(name)
            .and_then(toml_edit::Item::as_table_like_mut)
            .ok_or_else(|| format!("the scenario has no parameter table `{name}`"))?;
        let mut new_value = toml_edit::Value::from(*value);
        // Replace the value in place so the key keeps its comments and position.
        match parameter
            .get_mut("default")
            .and_then(toml_edit::Item::as_value_mut)
        {
            Some(old) => {
                *new_value.decor_mut() = old.decor().clone();
                *old = new_value;
            }
            None => {
                parameter.insert("default", toml_edit::Item::Value(new_value));
            }
        }
    }
    Ok(document.to_string())
}

impl TuneResult {
    /// The result part of `tune.json`: `best` (name → value), `best_objective`,
    /// `intervals` (name → [low, high] or null), `interval_method`, `stop_reason`,
    /// `evaluations` and `interval_evaluations`. The caller adds provenance (command,
    /// scenario, seed, trials, version, method, objective).
    pub fn json_fields(&self, params: &[ParamRange]) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::{Value, json};
        let best = self.best_evaluation();
        let number = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
        let mut fields = serde_json::Map::new();
        fields.insert(
            "best".into(),
            Value::Object(
                params
                    .iter()
                    .zip(&best.values)
                    .map(|(p, &v)| (p.name.clone(), json!(v)))
                    .collect(),
            ),
        );
        fields.insert("best_objective".into(), number(best.objective));
        fields.insert("best_std_err".into(), number(best.std_err));
        fields.insert("best_eval".into(), json!(self.best));
        let intervals: serde_json::Map<String, Value> = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let interval = self.intervals.intervals().map_or(Value::Null, |all| {
                    let interval = &all[i];
                    json!([interval.low, interval.high])
                });
                (p.name.clone(), interval)
            })
            .collect();
        fields.insert("intervals".into(), Value::Object(intervals));
        fields.insert("interval_method".into(), json!(self.intervals.method()));
        if let TuneIntervals::Unavailable { reason } = &self.intervals {
            fields.insert("interval_note".into(), json!(reason));
        }
        if let Some(all) = self.intervals.intervals() {
            let clipped: Vec<&str> = params
                .iter()
                .zip(all)
                .filter(|(_, i)| i.clipped)
                .map(|(p, _)| p.name.as_str())
                .collect();
            fields.insert("intervals_clipped_at_bounds".into(), json!(clipped));
        }
        fields.insert("stop_reason".into(), json!(self.stop.to_string()));
        fields.insert("evaluations".into(), json!(self.evaluations.len()));
        fields.insert("interval_evaluations".into(), json!(self.interval_evaluations));
        fields
    }
}
