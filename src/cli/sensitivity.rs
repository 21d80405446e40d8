//! `demarche sensitivity`: global sensitivity of every summary metric (each outcome's
//! probability, each actor's expected payoff) to chosen parameters, by Sobol' indices
//! (S1, ST with bootstrap intervals) or Morris elementary effects (mu, mu*, sigma).
//! Writes `sensitivity.csv` and `sensitivity.json`.

use serde_json::json;

use super::args::{SensitivityArgs, SensitivityMethodFlag};
use super::common::{CliError, load_model};
use super::run::cancel_flag;
use super::sweep::{base_config, check_not_fixed, fixed_map, progress_bar, solver_fields};
use super::tune::parse_params;
use crate::analyze::params::ParamRange;
use crate::analyze::runs::{AnalysisError, sensitivity_csv, sensitivity_model};
use crate::analyze::sensitivity_run::{
    SensitivityConfig, SensitivityMethod, SensitivityPlan, SensitivityRow, plan_sensitivity,
};
use crate::model::Model;
use crate::output::{prepare_out_dir, write_atomic};
use crate::simulate::RunConfig;

const DEFAULT_SOBOL_SAMPLES: usize = 64;
const DEFAULT_MORRIS_TRAJECTORIES: usize = 10;
const DEFAULT_MORRIS_LEVELS: usize = 4;

pub fn run(args: &SensitivityArgs) -> Result<(), CliError> {
    let (model, _source) = load_model(&args.scenario)?;
    let base = base_config(&model, &args.evaluation)?;
    let params = parse_params(&model, &args.param, "--param")?;
    check_not_fixed(&model, &base, &params, "--param")?;
    let method = match args.method {
        SensitivityMethodFlag::Sobol => {
            if args.levels.is_some() {
                return Err(CliError::Input(
                    "error: --levels applies to --method morris".into(),
                ));
            }
            SensitivityMethod::Sobol {
                samples: args.samples.unwrap_or(DEFAULT_SOBOL_SAMPLES),
            }
        }
        SensitivityMethodFlag::Morris => SensitivityMethod::Morris {
            trajectories: args.samples.unwrap_or(DEFAULT_MORRIS_TRAJECTORIES),
            levels: args.levels.unwrap_or(DEFAULT_MORRIS_LEVELS),
        },
    };
    let config = SensitivityConfig::new(method, base.seed);
    let plan = plan_sensitivity(&params, &config).map_err(|e| CliError::Input(format!("error: {e}")))?;

    let created = !args.out.exists();
    prepare_out_dir(&args.out, args.evaluation.force)?;
    let result = execute(&model, args, &base, &plan, &config);
    if result.is_err() && created {
        let _ = std::fs::remove_dir(&args.out);
    }
    result
}

fn execute(
    model: &Model,
    args: &SensitivityArgs,
    base: &RunConfig,
    plan: &SensitivityPlan,
    config: &SensitivityConfig,
) -> Result<(), CliError> {
    let cancel = cancel_flag();
    let bar = progress_bar(plan.points.len() as u64, args.evaluation.quiet, "evaluations");
    let rows = sensitivity_model(model, plan, config, base, &cancel, &mut |done, _| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let rows = match rows {
        Ok(rows) => rows,
        Err(AnalysisError::Cancelled) => {
            return Err(CliError::Interrupted(
                "interrupted: the analysis stopped before it finished; nothing was written".into(),
            ));
        }
        Err(e) => return Err(CliError::Failure(format!("error: {e}"))),
    };
    write_atomic(
        &args.out.join("sensitivity.csv"),
        sensitivity_csv(&rows).as_bytes(),
    )?;
    write_atomic(
        &args.out.join("sensitivity.json"),
        sensitivity_json(model, args, base, plan, config).as_bytes(),
    )?;
    print_summary(args, base, plan, config, &rows);
    println!("wrote {}/sensitivity.csv, sensitivity.json", args.out.display());
    Ok(())
}

fn sensitivity_json(
    model: &Model,
    args: &SensitivityArgs,
    base: &RunConfig,
    plan: &SensitivityPlan,
    config: &SensitivityConfig,
) -> String {
    let (solver, lambda) = solver_fields(base);
    let (samples, levels) = match config.method {
        SensitivityMethod::Sobol { samples } => (samples, None),
        SensitivityMethod::Morris { trajectories, levels } => (trajectories, Some(levels)),
    };
    let meta = json!({
        "command": "sensitivity",
        "scenario": args.scenario.display().to_string(),
        "scenario_hash": model.source_hash(),
        "seed": base.seed,
        "trials": base.trials,
        "version": env!("CARGO_PKG_VERSION"),
        "solver": solver,
        "lambda": lambda,
        "fixed": fixed_map(model, base),
        "method": config.method.name(),
        "samples": samples,
        "levels": levels,
        "evaluations": plan.points.len(),
        "bootstrap_resamples": config.bootstrap_resamples,
        "confidence": config.confidence,
        "params": plan.params.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "ranges": plan.params.iter().map(|p| json!({"name": p.name, "low": p.low, "high": p.high})).collect::<Vec<_>>(),
        "outcomes": model.outcomes(),
        "actors": model.actors().iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&meta).unwrap_or_default();
    text.push('\n');
    text
}

/// Per metric, the parameters ranked by ST (Sobol') or mu* (Morris).
fn print_summary(
    args: &SensitivityArgs,
    base: &RunConfig,
    plan: &SensitivityPlan,
    config: &SensitivityConfig,
    rows: &[SensitivityRow],
) {
    let (rank_index, other_index) = match config.method {
        SensitivityMethod::Sobol { .. } => ("ST", "S1"),
        SensitivityMethod::Morris { .. } => ("mu_star", "sigma"),
    };
    println!(
        "{}: {} sensitivity of {} parameters, {} evaluations × {} trials, seed {}",
        args.scenario.display(),
        config.method.name(),
        plan.params.len(),
        plan.points.len(),
        base.trials,
        base.seed
    );
    println!("parameters ranked by {rank_index} per metric ({other_index} beside it; – when undefined):");
    let mut metrics: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !metrics.contains(&(r.metric.as_str(), r.key.as_str())) {
            metrics.push((r.metric.as_str(), r.key.as_str()));
        }
    }
    let width = plan
        .params
        .iter()
        .map(|p: &ParamRange| p.name.chars().count())
        .max()
        .unwrap_or(9);
    let value = |metric: &str, key: &str, param: &str, index: &str| {
        rows.iter()
            .find(|r| r.metric == metric && r.key == key && r.parameter == param && r.index == index)
            .map_or(f64::NAN, |r| r.value)
    };
    let show = |v: f64| {
        if v.is_finite() {
            format!("{v:>8.4}")
        } else {
            format!("{:>8}", "–")
        }
    };
    for (metric, key) in metrics {
        println!("  {metric} {key}:");
        let mut ranked: Vec<(&str, f64, f64)> = plan
            .params
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    value(metric, key, &p.name, rank_index),
                    value(metric, key, &p.name, other_index),
                )
            })
            .collect();
        // Undefined values last; otherwise by decreasing index.
        ranked.sort_by(|a, b| {
            let key = |v: f64| if v.is_finite() { v } else { f64::NEG_INFINITY };
            key(b.1).total_cmp(&key(a.1))
        });
        for (name, rank, other) in ranked {
            println!(
                "    {name:<width$}  {rank_index} {}  {other_index} {}",
                show(rank),
                show(other)
            );
        }
    }
}
