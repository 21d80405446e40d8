//! `demarche tune`: search the values of chosen parameters that maximise or minimise an
//! objective over the run summary, or that make observed outcomes most likely
//! (calibration). Writes `tune.csv` (every evaluation), `tune.json` (best values,
//! intervals, stop reason, provenance) and `best.toml` (the scenario with the best values
//! as the new defaults).

use std::path::Path;

use serde_json::{Value, json};

use super::args::{TuneArgs, TuneMethodFlag};
use super::common::{CliError, load_model, read_input};
use super::run::cancel_flag;
use super::sweep::{base_config, check_not_fixed, fixed_map, progress_bar, solver_fields};
use crate::analyze::objective::{Objective, parse_observations};
use crate::analyze::optim::{Method, OptimConfig};
use crate::analyze::params::{ParamRange, allowed_range, parse_param_range};
use crate::analyze::runs::{AnalysisError, tune_csv, tune_model};
use crate::analyze::tune::{TuneConfig, TuneGoal, TuneResult, producible_outcomes, scenario_with_defaults};
use crate::model::{self, Model};
use crate::output::{prepare_out_dir, write_atomic};
use crate::scenario::Prior;
use crate::simulate::RunConfig;

pub fn run(args: &TuneArgs) -> Result<(), CliError> {
    let (model, source) = load_model(&args.scenario)?;
    let base = base_config(&model, &args.evaluation)?;
    let params = parse_params(&model, &args.param, "--param")?;
    check_not_fixed(&model, &base, &params, "--param")?;
    let goal = resolve_goal(&model, args)?;
    if args.budget == 0 {
        return Err(CliError::Input("error: --budget must be at least 1".into()));
    }
    // best.toml is an edit of the scenario's TOML: make sure the edit applies before
    // spending the evaluations.
    let defaults = model.defaults();
    let at_defaults: Vec<(String, f64)> = params
        .iter()
        .map(|p| (p.name.clone(), defaults[p.index]))
        .collect();
    scenario_with_defaults(&source, &at_defaults).map_err(|e| {
        CliError::Input(format!(
            "error: {}: cannot write best.toml: {e}",
            args.scenario.display()
        ))
    })?;

    let created = !args.out.exists();
    prepare_out_dir(&args.out, args.evaluation.force)?;
    let result = execute(&model, &source, args, &base, &params, &goal);
    if result.is_err() && created {
        let _ = std::fs::remove_dir(&args.out);
    }
    result
}

/// Parses every `--param NAME=LO:HI` against the model (bounds within the prior's support).
pub(super) fn parse_params(model: &Model, texts: &[String], flag: &str) -> Result<Vec<ParamRange>, CliError> {
    texts
        .iter()
        .map(|text| parse_param_range(text, flag, model.params()).map_err(CliError::from))
        .collect()
}

fn resolve_goal(model: &Model, args: &TuneArgs) -> Result<TuneGoal, CliError> {
    let actors: Vec<String> = model.actors().iter().map(|a| a.id.clone()).collect();
    let outcomes = model.outcomes();
    if let Some(text) = &args.maximize {
        return Ok(TuneGoal::Maximize(Objective::parse(
            text,
            "--maximize",
            outcomes,
            &actors,
        )?));
    }
    if let Some(text) = &args.minimize {
        return Ok(TuneGoal::Minimize(Objective::parse(
            text,
            "--minimize",
            outcomes,
            &actors,
        )?));
    }
    let Some(path) = &args.calibrate else {
        return Err(CliError::Input(
            "error: give one of --maximize, --minimize or --calibrate".into(),
        ));
    };
    let text = read_input(path)?;
    let observations = parse_observations(
        &text,
        &path.display().to_string(),
        outcomes,
        &producible_outcomes(model),
    )?;
    Ok(TuneGoal::Calibrate(observations))
}

/// How `tune.json` and the report name the goal.
fn goal_fields(goal: &TuneGoal, args: &TuneArgs) -> (&'static str, String) {
    match goal {
        TuneGoal::Maximize(o) => ("maximize", format!("maximize {}", o.text)),
        TuneGoal::Minimize(o) => ("minimize", format!("minimize {}", o.text)),
        TuneGoal::Calibrate(_) => (
            "calibrate",
            format!(
                "maximize the log-likelihood of the observed outcomes in {}",
                args.calibrate
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
        ),
    }
}

fn method(flag: TuneMethodFlag) -> Method {
    match flag {
        TuneMethodFlag::Cmaes => Method::CmaEs,
        TuneMethodFlag::NelderMead => Method::NelderMead,
        TuneMethodFlag::Random => Method::RandomSearch,
    }
}

fn execute(
    model: &Model,
    source: &str,
    args: &TuneArgs,
    base: &RunConfig,
    params: &[ParamRange],
    goal: &TuneGoal,
) -> Result<(), CliError> {
    let config = TuneConfig {
        optim: OptimConfig {
            method: method(args.method),
            budget: args.budget,
            seed: base.seed,
            ..OptimConfig::default()
        },
        ..TuneConfig::default()
    };
    let cancel = cancel_flag();
    let bar = progress_bar(args.budget as u64, args.evaluation.quiet, "evaluations");
    let result = tune_model(model, params, goal, &config, base, &cancel, &mut |done, _| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let result = match result {
        Ok(result) => result,
        Err(AnalysisError::Cancelled) => {
            return Err(CliError::Interrupted(
                "interrupted: tuning stopped before it finished; nothing was written".into(),
            ));
        }
        Err(e) => return Err(CliError::Failure(format!("error: {e}"))),
    };

    let best = result.best_evaluation();
    let best_values: Vec<(String, f64)> = params
        .iter()
        .zip(&best.values)
        .map(|(p, &v)| (p.name.clone(), v))
        .collect();
    let best_toml = scenario_with_defaults(source, &best_values)
        .map_err(|e| CliError::Failure(format!("error: cannot write best.toml: {e}")))?;
    let best_path = args.out.join("best.toml");
    // The file must load as a scenario (the loader checks defaults against bounds).
    if let Err(d) = model::load(&best_toml, &best_path.display().to_string()) {
        return Err(CliError::Failure(format!(
            "error: the scenario with the tuned defaults does not load:\n{}",
            d.sorted()
        )));
    }
    let outside: Vec<String> = params
        .iter()
        .zip(&best.values)
        .filter(|(p, v)| {
            let (low, high) = allowed_range(&model.params()[p.index]);
            **v < low || **v > high
        })
        .map(|(p, v)| format!("{} = {v}", p.name))
        .collect();

    write_atomic(&args.out.join("tune.csv"), tune_csv(params, &result).as_bytes())?;
    write_atomic(
        &args.out.join("tune.json"),
        tune_json(model, args, base, params, goal, &config, &result, &outside).as_bytes(),
    )?;
    write_atomic(&best_path, best_toml.as_bytes())?;
    print_summary(model, args, params, goal, &result, &outside);
    println!("wrote {}/tune.csv, tune.json, best.toml", args.out.display());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn tune_json(
    model: &Model,
    args: &TuneArgs,
    base: &RunConfig,
    params: &[ParamRange],
    goal: &TuneGoal,
    config: &TuneConfig,
    result: &TuneResult,
    outside: &[String],
) -> String {
    let (solver, lambda) = solver_fields(base);
    let (direction, objective) = goal_fields(goal, args);
    let mut meta = serde_json::Map::new();
    let provenance = json!({
        "command": "tune",
        "scenario": args.scenario.display().to_string(),
        "scenario_hash": model.source_hash(),
        "seed": base.seed,
        "trials": base.trials,
        "version": env!("CARGO_PKG_VERSION"),
        "solver": solver,
        "lambda": lambda,
        "fixed": fixed_map(model, base),
        "method": config.optim.method.to_string(),
        "budget": config.optim.budget,
        "direction": direction,
        "goal": direction,
        "objective": objective,
        "objective_expression": match goal {
            TuneGoal::Maximize(o) | TuneGoal::Minimize(o) => Value::from(o.text.clone()),
            TuneGoal::Calibrate(_) => Value::Null,
        },
        "observed": args.calibrate.as_ref().map(|p| p.display().to_string()),
        "observations": match goal {
            TuneGoal::Calibrate(o) => Value::from(o.total()),
            _ => Value::Null,
        },
        "params": params.iter().map(|p| json!({"name": p.name, "low": p.low, "high": p.high})).collect::<Vec<_>>(),
        "outside_prior_support": outside,
    });
    if let Value::Object(fields) = provenance {
        meta.extend(fields);
    }
    meta.extend(result.json_fields(params));
    let mut text = serde_json::to_string_pretty(&Value::Object(meta)).unwrap_or_default();
    text.push('\n');
    text
}

fn print_summary(
    model: &Model,
    args: &TuneArgs,
    params: &[ParamRange],
    goal: &TuneGoal,
    result: &TuneResult,
    outside: &[String],
) {
    let best = result.best_evaluation();
    let (_, objective) = goal_fields(goal, args);
    println!(
        "{}: {objective}; {} over {} evaluations (method {})",
        args.scenario.display(),
        result.stop,
        result.evaluations.len(),
        method(args.method)
    );
    let label = match goal {
        TuneGoal::Calibrate(_) => "log-likelihood",
        _ => "objective",
    };
    println!(
        "best (evaluation {}): {label} {:.6} ± {:.2e} (standard error)",
        result.best, best.objective, best.std_err
    );
    let width = params
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(5)
        .max(9);
    println!();
    println!(
        "  {:<width$}  {:>12}  {:>27}",
        "parameter", "best", "95% interval"
    );
    let intervals = result.intervals.intervals();
    for (i, (p, v)) in params.iter().zip(&best.values).enumerate() {
        let interval = match intervals.map(|all| &all[i]) {
            Some(interval) => format!(
                "[{:>11.6}, {:>11.6}]{}",
                interval.low,
                interval.high,
                if interval.clipped { " (at a bound)" } else { "" }
            ),
            None => "–".to_string(),
        };
        println!("  {:<width$}  {v:>12.6}  {interval:>27}", p.name);
    }
    println!();
    match goal {
        TuneGoal::Calibrate(_) => println!("intervals: {}", result.intervals.method()),
        _ => println!("intervals: none for an optimisation objective (no sampling model)"),
    }
    if !outside.is_empty() {
        println!(
            "warning: tuned values outside the prior's support: {}",
            outside.join(", ")
        );
    }
    // Parameters with a prior are drawn afresh in every trial of `run`; only those
    // without one take their default, so name the flags that pin the best point.
    // The evaluations also had the user's own `--set` values.
    let drawn: Vec<String> = params
        .iter()
        .zip(&best.values)
        .filter(|(p, _)| !matches!(model.params()[p.index].prior, Prior::Fixed { .. }))
        .map(|(p, v)| format!("--set {}={v}", p.name))
        .chain(args.evaluation.sets.iter().map(|s| format!("--set {s}")))
        .collect();
    if drawn.is_empty() {
        println!(
            "best.toml has the best values as defaults: demarche run {}/best.toml runs at the best point",
            args.out.display()
        );
    } else {
        println!(
            "best.toml has the best values as defaults; `run` still draws parameters that have a prior, \
             so to run at the evaluated point: demarche run {}/best.toml {}",
            args.out.display(),
            drawn.join(" ")
        );
    }
}
