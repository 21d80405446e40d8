//! The figures' data, built from what `read` returned. Pure: no IO and no drawing, so
//! tests compare these structs with the CSVs directly, and the same structs are embedded
//! as JSON in each SVG and in the HTML.

use std::collections::BTreeSet;

use serde::Serialize;

use super::hist::Histogram;
use super::read::{Estimate, Provenance, SensitivityRow, SweepRow, TrialsDigest, TuneRow};

/// One figure: what to draw and how to label it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// File stem of `figures/<id>.svg`; letters, digits, `-` and `_` only.
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub caption: String,
    pub data: FigureData,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureData {
    /// Categories with a mean and a 95% interval each (outcome probabilities).
    IntervalBars { bars: Vec<IntervalBar> },
    /// The distribution of one actor's payoff over the trials.
    Histogram { actor: String, histogram: Histogram },
    /// For each number of rounds, the share of each outcome among trials ending there.
    StackedShares(StackedShares),
    /// Metric against one parameter: one series per key, with interval bands (`connect`)
    /// or with whiskers at unconnected points (Latin hypercube, several varied parameters).
    LineBands(LineBands),
    /// Metric over a two-parameter grid.
    HeatMap(HeatMap),
    /// Tuning: objective per evaluation, the best so far, the best point.
    Convergence(Convergence),
    /// Sensitivity indices per parameter, sorted by the primary index.
    Tornado(Tornado),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntervalBar {
    pub label: String,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StackedShares {
    pub outcomes: Vec<String>,
    pub rounds: Vec<u64>,
    /// `counts[r][o]`: trials with `rounds[r]` rounds and outcome `outcomes[o]`.
    pub counts: Vec<Vec<u64>>,
    /// `shares[r][o] = counts[r][o] / Σ_o counts[r][o]`.
    pub shares: Vec<Vec<f64>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineBands {
    pub parameter: String,
    pub connect: bool,
    pub series: Vec<BandSeries>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BandSeries {
    pub label: String,
    pub key: String,
    /// Sorted by `x`.
    pub points: Vec<BandPoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BandPoint {
    pub point: u64,
    pub x: f64,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeatMap {
    pub x_parameter: String,
    pub y_parameter: String,
    pub value_label: String,
    /// Sorted distinct grid values.
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// `values[iy][ix]`, NaN where the grid has no point.
    pub values: Vec<Vec<f64>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Convergence {
    pub maximize: bool,
    pub evals: Vec<u64>,
    pub objectives: Vec<f64>,
    pub std_errs: Vec<f64>,
    pub best_so_far: Vec<f64>,
    /// Index into `evals` of the best point.
    pub best_index: Option<usize>,
    /// As reported in `tune.json`.
    pub best_objective: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tornado {
    pub method: String,
    pub metric: String,
    pub key: String,
    /// `ST` (Sobol') or `mu_star` (Morris): the bars are sorted by it, largest first.
    pub primary_index: String,
    /// `S1` (Sobol') or `sigma` (Morris), drawn beside the primary bar.
    pub secondary_index: String,
    pub bars: Vec<TornadoBar>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TornadoBar {
    pub parameter: String,
    pub primary: IndexValue,
    pub secondary: IndexValue,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct IndexValue {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl IndexValue {
    const MISSING: IndexValue = IndexValue {
        value: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
    };
}

pub const OUTCOME_PROBABILITY: &str = "outcome_probability";
pub const EXPECTED_PAYOFF: &str = "expected_payoff";

/// The sentence every caption starts with.
pub fn provenance_sentence(provenance: &Provenance, per_evaluation: bool) -> String {
    let per = if per_evaluation { " per evaluation" } else { "" };
    format!(
        "Scenario {}, seed {}, {} trials{per}, demarche {}.",
        provenance.scenario, provenance.seed, provenance.trials, provenance.version
    )
}

fn caption(provenance: &Provenance, per_evaluation: bool, detail: &str) -> String {
    format!("{} {detail}", provenance_sentence(provenance, per_evaluation))
}

/// A label for a metric and key, and the axis label with its unit.
pub fn metric_labels(metric: &str, key: &str) -> (String, String) {
    match metric {
        OUTCOME_PROBABILITY => (format!("P({key})"), "probability".into()),
        EXPECTED_PAYOFF => (format!("expected payoff of {key}"), "utility units".into()),
        other => (format!("{other} {key}"), "metric units".into()),
    }
}

fn metric_group_label(metric: &str) -> (String, String) {
    match metric {
        OUTCOME_PROBABILITY => ("Outcome probabilities".into(), "probability".into()),
        EXPECTED_PAYOFF => (
            "Expected payoffs".into(),
            "expected payoff (utility units)".into(),
        ),
        other => (other.into(), format!("{other} (metric units)")),
    }
}

/// Makes a string safe as a file stem.
pub fn slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if slug.is_empty() { "_".into() } else { slug }
}

/// Gives every figure a distinct id, appending `_2`, `_3`, … on clashes.
pub fn dedupe_ids(figures: &mut [Figure]) {
    let mut seen = BTreeSet::new();
    for figure in figures {
        let base = figure.id.clone();
        let mut candidate = base.clone();
        let mut counter = 2;
        while !seen.insert(candidate.to_ascii_lowercase()) {
            candidate = format!("{base}_{counter}");
            counter += 1;
        }
        figure.id = candidate;
    }
}

/// Orders keys: the listed ones first (in list order), then the rest in first-seen order.
fn ordered_keys<'a>(preferred: &[String], seen: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let seen: Vec<&str> = seen.collect();
    for key in preferred {
        if seen.contains(&key.as_str()) && !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    for key in seen {
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }
    keys
}

fn interval_bars(summary: &[Estimate], metric: &str, preferred: &[String]) -> Vec<IntervalBar> {
    let rows: Vec<&Estimate> = summary.iter().filter(|r| r.metric == metric).collect();
    ordered_keys(preferred, rows.iter().map(|r| r.key.as_str()))
        .into_iter()
        .filter_map(|key| rows.iter().find(|r| r.key == key))
        .map(|r| IntervalBar {
            label: r.key.clone(),
            mean: r.mean,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            n: r.n,
        })
        .collect()
}

/// Figures of a `run` folder.
pub fn run_figures(
    provenance: &Provenance,
    outcomes: &[String],
    actors: &[String],
    summary: &[Estimate],
    trials: Option<&TrialsDigest>,
) -> Vec<Figure> {
    let mut figures = Vec::new();
    let bars = interval_bars(summary, OUTCOME_PROBABILITY, outcomes);
    if !bars.is_empty() {
        figures.push(Figure {
            id: "outcome_probabilities".into(),
            title: "Outcome probabilities".into(),
            x_label: "outcome".into(),
            y_label: "probability".into(),
            caption: caption(
                provenance,
                false,
                "Bars: mean exact outcome probability over trials; whiskers: 95% interval (summary.csv).",
            ),
            data: FigureData::IntervalBars { bars },
        });
    }
    let bars = interval_bars(summary, EXPECTED_PAYOFF, actors);
    if !bars.is_empty() {
        figures.push(Figure {
            id: "expected_payoffs".into(),
            title: "Expected payoff per actor".into(),
            x_label: "actor".into(),
            y_label: "expected payoff (utility units)".into(),
            caption: caption(
                provenance,
                false,
                "Bars: mean expected payoff under the solved profile; whiskers: 95% interval (summary.csv).",
            ),
            data: FigureData::IntervalBars { bars },
        });
    }
    if let Some(trials) = trials {
        for (actor, histogram) in &trials.payoffs {
            let mut detail = format!(
                "Histogram of the sampled play's payoff to {actor} over {} trials (trials.csv, column payoff_{actor}); \
                 line: mean.",
                histogram.count
            );
            if histogram.non_finite > 0 {
                detail.push_str(&format!(" {} non-finite values left out.", histogram.non_finite));
            }
            figures.push(Figure {
                id: format!("payoff_{}", slug(actor)),
                title: format!("Payoff distribution: {actor}"),
                x_label: "payoff (utility units)".into(),
                y_label: "trials (count)".into(),
                caption: caption(provenance, false, &detail),
                data: FigureData::Histogram {
                    actor: actor.clone(),
                    histogram: histogram.clone(),
                },
            });
        }
        if !trials.by_round.is_empty() {
            let rounds: Vec<u64> = trials.by_round.keys().copied().collect();
            let counts: Vec<Vec<u64>> = trials.by_round.values().cloned().collect();
            let shares = counts
                .iter()
                .map(|row| {
                    let total: u64 = row.iter().sum();
                    row.iter().map(|&c| c as f64 / total as f64).collect()
                })
                .collect();
            figures.push(Figure {
                id: "outcome_mix_by_round".into(),
                title: "Outcome mix by round".into(),
                x_label: "round (rounds played before the end)".into(),
                y_label: "share of trials ending in that round (probability)".into(),
                caption: caption(
                    provenance,
                    false,
                    "For each number of rounds, the share of each sampled outcome among the trials that ended \
                     after that many rounds (trials.csv); n above each bar.",
                ),
                data: FigureData::StackedShares(StackedShares {
                    outcomes: trials.outcomes.clone(),
                    rounds,
                    counts,
                    shares,
                }),
            });
        }
    }
    figures
}

/// (metric, key) pairs in first-seen order.
fn metric_keys<'a>(estimates: impl Iterator<Item = &'a Estimate>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for e in estimates {
        if !pairs.iter().any(|(m, k)| *m == e.metric && *k == e.key) {
            pairs.push((e.metric.clone(), e.key.clone()));
        }
    }
    pairs
}

fn distinct_sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
}

/// Figures of a `sweep` folder.
pub fn sweep_figures(
    provenance: &Provenance,
    varied: &[String],
    design: &str,
    rows: &[SweepRow],
) -> Vec<Figure> {
    let pairs = metric_keys(rows.iter().map(|r| &r.estimate));
    let mut metrics: Vec<String> = Vec::new();
    for (metric, _) in &pairs {
        if !metrics.contains(metric) {
            metrics.push(metric.clone());
        }
    }
    let mut figures = Vec::new();
    if varied.len() == 2 && design == "grid" {
        let xs = distinct_sorted(rows.iter().map(|r| r.params[0]));
        let ys = distinct_sorted(rows.iter().map(|r| r.params[1]));
        for (metric, key) in &pairs {
            let mut values = vec![vec![f64::NAN; xs.len()]; ys.len()];
            for row in rows
                .iter()
                .filter(|r| r.estimate.metric == *metric && r.estimate.key == *key)
            {
                let ix = xs.iter().position(|&x| x == row.params[0]);
                let iy = ys.iter().position(|&y| y == row.params[1]);
                if let (Some(ix), Some(iy)) = (ix, iy) {
                    values[iy][ix] = row.estimate.mean;
                }
            }
            let (label, unit) = metric_labels(metric, key);
            figures.push(Figure {
                id: format!("{}_{}_heatmap", slug(metric), slug(key)),
                title: format!("{label} over {} × {}", varied[0], varied[1]),
                x_label: format!("{} (parameter value)", varied[0]),
                y_label: format!("{} (parameter value)", varied[1]),
                caption: caption(
                    provenance,
                    true,
                    &format!("Colour: mean {label} ({unit}) at each grid point of the sweep (sweep.csv)."),
                ),
                data: FigureData::HeatMap(HeatMap {
                    x_parameter: varied[0].clone(),
                    y_parameter: varied[1].clone(),
                    value_label: format!("{label} ({unit})"),
                    xs: xs.clone(),
                    ys: ys.clone(),
                    values,
                }),
            });
        }
        return figures;
    }
    let connect = varied.len() == 1;
    for (param_idx, parameter) in varied.iter().enumerate() {
        for metric in &metrics {
            let series: Vec<BandSeries> = pairs
                .iter()
                .filter(|(m, _)| m == metric)
                .map(|(_, key)| {
                    let mut points: Vec<BandPoint> = rows
                        .iter()
                        .filter(|r| r.estimate.metric == *metric && r.estimate.key == *key)
                        .map(|r| BandPoint {
                            point: r.point,
                            x: r.params[param_idx],
                            mean: r.estimate.mean,
                            ci_low: r.estimate.ci_low,
                            ci_high: r.estimate.ci_high,
                        })
                        .collect();
                    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.point.cmp(&b.point)));
                    BandSeries {
                        label: metric_labels(metric, key).0,
                        key: key.clone(),
                        points,
                    }
                })
                .collect();
            let (group, unit) = metric_group_label(metric);
            let how = if connect {
                "Lines: mean at each sweep point; bands: 95% interval (sweep.csv)."
            } else {
                "Points: mean at each sweep point (other varied parameters differ between points); \
                 whiskers: 95% interval (sweep.csv)."
            };
            figures.push(Figure {
                id: format!("{}_vs_{}", slug(metric), slug(parameter)),
                title: format!("{group} against {parameter}"),
                x_label: format!("{parameter} (parameter value)"),
                y_label: unit,
                caption: caption(provenance, true, how),
                data: FigureData::LineBands(LineBands {
                    parameter: parameter.clone(),
                    connect,
                    series,
                }),
            });
        }
    }
    figures
}

/// Whether the tuner maximised: from the objective's wording, else from which extreme
/// the reported best objective sits at.
pub fn tune_maximizes(objective_text: &str, best_objective: Option<f64>, rows: &[TuneRow]) -> bool {
    let text = objective_text.to_ascii_lowercase();
    if text.contains("max") {
        return true;
    }
    if text.contains("min") {
        return false;
    }
    // Calibration maximises the log-likelihood of the observations.
    if text.contains("likelihood") || text.contains("calibrat") {
        return true;
    }
    let finite = || rows.iter().map(|r| r.objective).filter(|v| v.is_finite());
    match (
        best_objective,
        finite().reduce(f64::min),
        finite().reduce(f64::max),
    ) {
        (Some(best), Some(lo), Some(hi)) => (hi - best).abs() < (best - lo).abs(),
        _ => false,
    }
}

/// Figures of a `tune` folder.
pub fn tune_figures(
    provenance: &Provenance,
    objective_text: &str,
    param_names: &[String],
    best: &[(String, f64)],
    best_objective: Option<f64>,
    best_eval: Option<u64>,
    rows: &[TuneRow],
) -> Vec<Figure> {
    let maximize = tune_maximizes(objective_text, best_objective, rows);
    let better = |a: f64, b: f64| if maximize { a > b } else { a < b };
    let mut best_so_far = Vec::with_capacity(rows.len());
    let mut running = f64::NAN;
    for row in rows {
        if row.objective.is_finite() && (!running.is_finite() || better(row.objective, running)) {
            running = row.objective;
        }
        best_so_far.push(running);
    }
    // The best point is the evaluation tune.json names, else the one at the reported best
    // parameters, else the best evaluation seen.
    let named = best_eval.and_then(|eval| rows.iter().position(|row| row.eval == eval));
    let at_best_params = named.or_else(|| {
        rows.iter().position(|row| {
            !best.is_empty()
                && best.iter().all(|(name, value)| {
                    param_names
                        .iter()
                        .position(|n| n == name)
                        .is_some_and(|i| (row.params[i] - value).abs() <= 1e-9 * value.abs().max(1.0))
                })
        })
    });
    let best_index = at_best_params.or_else(|| {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.objective.is_finite())
            .reduce(|a, b| {
                if better(b.1.objective, a.1.objective) {
                    b
                } else {
                    a
                }
            })
            .map(|(i, _)| i)
    });
    let direction = if maximize { "maximised" } else { "minimised" };
    vec![Figure {
        id: "tune_objective".into(),
        title: format!("Tuning: {objective_text}"),
        x_label: "evaluation (count)".into(),
        y_label: "objective (objective units)".into(),
        caption: caption(
            provenance,
            true,
            &format!(
                "Points: objective at each evaluation with ±1.96 standard errors; line: best so far ({direction}); \
                 marker: best point (tune.csv)."
            ),
        ),
        data: FigureData::Convergence(Convergence {
            maximize,
            evals: rows.iter().map(|r| r.eval).collect(),
            objectives: rows.iter().map(|r| r.objective).collect(),
            std_errs: rows.iter().map(|r| r.std_err).collect(),
            best_so_far,
            best_index,
            best_objective,
        }),
    }]
}

/// Figures of a `sensitivity` folder: one tornado per (method, metric, key).
pub fn sensitivity_figures(provenance: &Provenance, rows: &[SensitivityRow]) -> Vec<Figure> {
    let mut groups: Vec<(String, String, String)> = Vec::new();
    for row in rows {
        let group = (row.method.clone(), row.metric.clone(), row.key.clone());
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut figures = Vec::new();
    for (method, metric, key) in groups {
        let (primary, secondary, x_label) = if method == "morris" {
            (
                "mu_star",
                "sigma",
                "elementary effect (metric units per unit range)",
            )
        } else {
            ("ST", "S1", "Sobol' index (share of variance)")
        };
        let group_rows: Vec<&SensitivityRow> = rows
            .iter()
            .filter(|r| r.method == method && r.metric == metric && r.key == key)
            .collect();
        let mut parameters: Vec<String> = Vec::new();
        for row in &group_rows {
            if !parameters.contains(&row.parameter) {
                parameters.push(row.parameter.clone());
            }
        }
        let lookup = |parameter: &str, index: &str| {
            group_rows
                .iter()
                .find(|r| r.parameter == parameter && r.index == index)
                .map_or(IndexValue::MISSING, |r| IndexValue {
                    value: r.value,
                    ci_low: r.ci_low,
                    ci_high: r.ci_high,
                })
        };
        let mut bars: Vec<TornadoBar> = parameters
            .iter()
            .map(|p| TornadoBar {
                parameter: p.clone(),
                primary: lookup(p, primary),
                secondary: lookup(p, secondary),
            })
            .collect();
        // Largest first; NaN last; ties keep file order.
        bars.sort_by(|a, b| {
            let key = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
            key(b.primary.value).total_cmp(&key(a.primary.value))
        });
        let (label, _) = metric_labels(&metric, &key);
        let method_name = if method == "morris" { "Morris" } else { "Sobol'" };
        let detail = if method == "morris" {
            "Bars: mu* (mean absolute elementary effect) and sigma (its spread), sorted by mu*; whiskers: 95% \
             interval where given (sensitivity.csv)."
        } else {
            "Bars: total index ST and first-order index S1, sorted by ST; whiskers: 95% bootstrap interval \
             (sensitivity.csv)."
        };
        figures.push(Figure {
            id: format!("sensitivity_{}_{}_{}", slug(&method), slug(&metric), slug(&key)),
            title: format!("{method_name} sensitivity of {label}"),
            x_label: x_label.into(),
            y_label: "parameter".into(),
            caption: caption(provenance, true, detail),
            data: FigureData::Tornado(Tornado {
                method: method.clone(),
                metric: metric.clone(),
                key: key.clone(),
                primary_index: primary.into(),
                secondary_index: secondary.into(),
                bars,
            }),
        });
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance() -> Provenance {
        Provenance {
            command: "tune".into(),
            scenario: "s".into(),
            seed: 1,
            trials: 10,
            version: "v".into(),
        }
    }

    fn rows(objectives: &[f64]) -> Vec<TuneRow> {
        objectives
            .iter()
            .enumerate()
            .map(|(i, &o)| TuneRow {
                eval: i as u64,
                params: vec![i as f64 / 10.0],
                objective: o,
                std_err: 0.1,
            })
            .collect()
    }

    /// Checks which row is marked best and the best-so-far line.
    fn check(
        text: &str,
        best: &[(String, f64)],
        best_eval: Option<u64>,
        objectives: &[f64],
        expected_best: usize,
        expected_running: &[f64],
    ) {
        let figures = tune_figures(
            &provenance(),
            text,
            &["x".into()],
            best,
            None,
            best_eval,
            &rows(objectives),
        );
        let FigureData::Convergence(c) = &figures[0].data else {
            panic!()
        };
        assert_eq!(c.best_index, Some(expected_best), "{text}");
        // Compared as text so NaN matches NaN.
        assert_eq!(
            format!("{:?}", c.best_so_far),
            format!("{expected_running:?}"),
            "{text}"
        );
    }

    #[test]
    fn tune_best_point_and_running_best() {
        let objectives = [3.0, 1.0, 4.0, 2.0];
        check("maximize P(a)", &[], None, &objectives, 2, &[3.0, 3.0, 4.0, 4.0]);
        check(
            "minimize payoff",
            &[],
            None,
            &objectives,
            1,
            &[3.0, 1.0, 1.0, 1.0],
        );
        check(
            "log-likelihood of observed.csv",
            &[],
            None,
            &objectives,
            2,
            &[3.0, 3.0, 4.0, 4.0],
        );
        // Named by tune.json: the evaluation, or else the parameters, win over the extreme.
        check(
            "maximize P(a)",
            &[],
            Some(3),
            &objectives,
            3,
            &[3.0, 3.0, 4.0, 4.0],
        );
        check(
            "maximize P(a)",
            &[("x".into(), 0.1)],
            None,
            &objectives,
            1,
            &[3.0, 3.0, 4.0, 4.0],
        );
        // Non-finite objectives are skipped by the running best.
        check(
            "minimize c",
            &[],
            None,
            &[f64::NAN, 2.0, f64::INFINITY, 1.0],
            3,
            &[f64::NAN, 2.0, 2.0, 1.0],
        );
    }
}
