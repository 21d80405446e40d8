//! `demarche sweep`: the scenario run at every point of a grid or Latin hypercube over
//! chosen parameters, on common random numbers, written to a tidy `sweep.csv` and
//! described in `sweep.json`.
//!
//! Durability: each finished point's rows are appended (and synced) to
//! `DIR/.sweep.partial`, whose first line records the settings. An interruption keeps
//! them there (and in a `sweep.csv` of the finished points); `--resume` reads them back,
//! runs only the missing points and writes `sweep.csv` from the same row text, so the
//! result is byte-identical to an uninterrupted sweep. The partial file is removed once
//! the sweep is complete.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::args::{DesignFlag, EvaluationArgs, SweepArgs};
use super::common::{CliError, RunFlags, load_model, resolve_run_config};
use super::run::cancel_flag;
use crate::analyze::AnalyzeError;
use crate::analyze::params::{ParamRange, VarySpec, check_distinct, parse_vary};
use crate::analyze::runs::{
    AnalysisError, finished_sweep_points, sweep_csv_header, sweep_csv_rows, sweep_model,
};
use crate::analyze::sweep::{SweepDesign, SweepPlan, plan_sweep};
use crate::model::Model;
use crate::output::{prepare_out_dir, write_atomic};
use crate::simulate::{RunConfig, SolverChoice};

const PARTIAL: &str = ".sweep.partial";
const DEFAULT_LHS_POINTS: usize = 20;

pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    let (model, _source) = load_model(&args.scenario)?;
    let base = base_config(&model, &args.evaluation)?;
    let plan = resolve_plan(&model, args, base.seed)?;
    check_not_fixed(&model, &base, &plan.params, "--vary")?;
    let settings = settings_line(&model, args, &base, &plan);

    // What an earlier, interrupted run of the same sweep finished.
    let metrics_per_point = model.outcomes().len() + model.actors().len();
    let finished = if args.resume {
        match recover(&args.out, &settings, &plan, metrics_per_point)? {
            Some(finished) => finished,
            None => {
                println!(
                    "{}/sweep.csv is already complete for these settings: nothing to resume",
                    args.out.display()
                );
                return Ok(());
            }
        }
    } else {
        BTreeMap::new()
    };
    let created = !args.out.exists();
    prepare_out_dir(&args.out, args.evaluation.force || args.resume)?;
    let result = execute(&model, args, &base, &plan, &settings, finished);
    if result.is_err() && created {
        // Only removes the folder if nothing was kept in it.
        let _ = std::fs::remove_dir(&args.out);
    }
    result
}

/// The run configuration every evaluation of an analysis shares (the analysed
/// parameters are fixed on top of it point by point).
pub(super) fn base_config(model: &Model, args: &EvaluationArgs) -> Result<RunConfig, CliError> {
    resolve_run_config(
        model,
        &RunFlags {
            solver: args.solver,
            lambda: args.lambda,
            trials: args.trials,
            seed: args.seed,
            threads: args.threads,
            sets: &args.sets,
        },
    )
}

/// An analysed parameter may not also be fixed with `--set`.
pub(super) fn check_not_fixed(
    model: &Model,
    base: &RunConfig,
    params: &[ParamRange],
    flag: &str,
) -> Result<(), CliError> {
    check_distinct(params.iter().map(|p| p.name.as_str()), flag)?;
    for p in params {
        if base.fixed.get(p.index).copied().flatten().is_some() {
            return Err(CliError::Input(format!(
                "error: parameter `{}` is given both to {flag} and to --set",
                model.params()[p.index].name
            )));
        }
    }
    Ok(())
}

/// The progress bar of an analysis on stderr: hidden when quiet or not a terminal.
pub(super) fn progress_bar(total: u64, quiet: bool, unit: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template =
        format!("{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} (ETA {{eta}})");
    bar.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

/// The solver's name and λ as the metadata records them.
pub(super) fn solver_fields(config: &RunConfig) -> (&'static str, Option<f64>) {
    match config.solver {
        SolverChoice::Qre { lambda } => (config.solver.name(), lambda),
        SolverChoice::Spe => (config.solver.name(), None),
    }
}

/// `--set` values as a name → value map.
pub(super) fn fixed_map(model: &Model, config: &RunConfig) -> serde_json::Map<String, serde_json::Value> {
    model
        .params()
        .iter()
        .zip(&config.fixed)
        .filter_map(|(p, f)| f.map(|v| (p.name.clone(), json!(v))))
        .collect()
}

fn resolve_plan(model: &Model, args: &SweepArgs, seed: u64) -> Result<SweepPlan, CliError> {
    let mut varies: Vec<VarySpec> = Vec::with_capacity(args.vary.len());
    for text in &args.vary {
        check_range_count(text)?;
        varies.push(parse_vary(text, "--vary", model.params())?);
    }
    let design = match (args.design, args.points) {
        (DesignFlag::Grid, Some(_)) => {
            return Err(CliError::Input(
                "error: --points applies to --design lhs; a grid has the product of the --vary counts".into(),
            ));
        }
        (DesignFlag::Grid, None) => SweepDesign::Grid,
        (DesignFlag::Lhs, Some(0)) => {
            return Err(CliError::Input("error: --points must be at least 1".into()));
        }
        (DesignFlag::Lhs, points) => SweepDesign::LatinHypercube {
            points: points.unwrap_or(DEFAULT_LHS_POINTS),
            seed,
        },
    };
    if design == SweepDesign::Grid {
        let total = varies
            .iter()
            .try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
        if total.is_none_or(|n| n > 1_000_000) {
            return Err(CliError::Input(
                "error: the grid has more than 1,000,000 points; use fewer values or --design lhs".into(),
            ));
        }
    }
    plan_sweep(&varies, design).map_err(|e| CliError::Input(format!("error: {e}")))
}

/// `NAME=LO:HI:N` needs N ≥ 2: a range of one value is a `--set`.
fn check_range_count(text: &str) -> Result<(), CliError> {
    let Some((_, rest)) = text.split_once('=') else {
        return Ok(());
    };
    let pieces: Vec<&str> = rest.split(':').collect();
    if pieces.len() == 3 {
        if let Ok(count) = pieces[2].trim().parse::<usize>() {
            if count < 2 {
                return Err(CliError::Input(format!(
                    "error: --vary {text}: a range needs at least 2 values (N = {count}); to hold a parameter fixed use --set"
                )));
            }
        }
    }
    Ok(())
}

/// One line that identifies the sweep (scenario, run settings, design, points): a
/// partial file is only resumed by the same sweep.
fn settings_line(model: &Model, args: &SweepArgs, base: &RunConfig, plan: &SweepPlan) -> String {
    let (solver, lambda) = solver_fields(base);
    let settings = json!({
        "scenario_hash": model.source_hash(),
        "seed": base.seed,
        "trials": base.trials,
        "solver": solver,
        "lambda": lambda,
        "fixed": fixed_map(model, base),
        "design": plan.design.name(),
        "varied": plan.params.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        // The points follow from --vary, the design, its size and the seed.
        "point_count": plan.points.len(),
        "version": env!("CARGO_PKG_VERSION"),
        "vary": args.vary,
    });
    serde_json::to_string(&settings).unwrap_or_default()
}

fn recover(
    dir: &Path,
    settings: &str,
    plan: &SweepPlan,
    metrics_per_point: usize,
) -> Result<Option<BTreeMap<usize, String>>, CliError> {
    let path = dir.join(PARTIAL);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if dir.join("sweep.csv").exists() {
                // A finished sweep of the same settings has nothing left to do.
                let finished_meta = std::fs::read_to_string(dir.join("sweep.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
                if let Some(meta) = finished_meta {
                    if meta["settings"].as_str() == Some(settings) && meta["interrupted"] == false {
                        return Ok(None);
                    }
                }
                return Err(CliError::Input(format!(
                    "error: --resume: {} holds a sweep that is not an unfinished run of these settings \
                     (no {PARTIAL}); use --force to run it again",
                    dir.display()
                )));
            }
            return Ok(Some(BTreeMap::new()));
        }
        Err(e) => {
            return Err(CliError::Failure(format!("error: {}: {e}", path.display())));
        }
    };
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    if first.strip_prefix("# ") != Some(settings) {
        return Err(CliError::Input(format!(
            "error: --resume: the unfinished sweep in {} was started with other settings \
             (scenario, seed, trials, solver, --set, --vary or design differ); use --force to start over",
            dir.display()
        )));
    }
    Ok(Some(finished_sweep_points(body, plan, metrics_per_point)))
}

fn execute(
    model: &Model,
    args: &SweepArgs,
    base: &RunConfig,
    plan: &SweepPlan,
    settings: &str,
    finished: BTreeMap<usize, String>,
) -> Result<(), CliError> {
    let out = &args.out;
    let partial_path = out.join(PARTIAL);
    let io_error =
        |path: &Path, e: std::io::Error| CliError::Failure(format!("error: {}: {e}", path.display()));
    // Start the partial file over with what is kept, so a line cut by the interruption
    // is not followed by new rows.
    let mut kept = format!("# {settings}\n");
    for text in finished.values() {
        kept.push_str(text);
    }
    write_atomic(&partial_path, kept.as_bytes())?;
    let mut partial: File = OpenOptions::new()
        .append(true)
        .open(&partial_path)
        .map_err(|e| io_error(&partial_path, e))?;

    let total = plan.points.len();
    let done_before: BTreeSet<usize> = finished.keys().copied().collect();
    let bar = progress_bar(total as u64, args.evaluation.quiet, "points");
    bar.set_position(done_before.len() as u64);
    let cancel = cancel_flag();
    let mut rows = finished;
    let result = {
        let mut on_point = |point: usize, values: &[f64], metrics: Vec<crate::analyze::MetricRow>| {
            let text = sweep_csv_rows(point, values, &metrics);
            partial
                .write_all(text.as_bytes())
                .and_then(|()| partial.sync_data())
                .map_err(|e| {
                    AnalysisError::Analysis(AnalyzeError::Invalid(format!(
                        "writing {}: {e}",
                        partial_path.display()
                    )))
                })?;
            rows.insert(point, text);
            bar.inc(1);
            Ok(())
        };
        sweep_model(model, plan, base, &done_before, &cancel, &mut on_point)
    };
    bar.finish_and_clear();

    let complete = rows.len() == total;
    let mut csv = sweep_csv_header(plan);
    for text in rows.values() {
        csv.push_str(text);
    }
    let interrupted = match result {
        Ok(()) => false,
        Err(AnalysisError::Cancelled) => true,
        Err(e) => {
            return Err(CliError::Failure(format!(
                "error: {e} (the {} finished points are kept in {}; rerun with --resume)",
                rows.len(),
                partial_path.display()
            )));
        }
    };
    write_atomic(&out.join("sweep.csv"), csv.as_bytes())?;
    write_atomic(
        &out.join("sweep.json"),
        sweep_json(model, args, base, plan, settings, rows.len(), interrupted).as_bytes(),
    )?;
    if complete {
        drop(partial);
        let _ = std::fs::remove_file(&partial_path);
    }
    println!(
        "{}: sweep of {} over {} ({} design), {} points × {} trials, seed {}",
        args.scenario.display(),
        model.name(),
        plan.params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        plan.design.name(),
        total,
        base.trials,
        base.seed
    );
    if interrupted {
        return Err(CliError::Interrupted(format!(
            "interrupted: kept the {} finished points of {total} in {}/sweep.csv; rerun with --resume to finish",
            rows.len(),
            out.display()
        )));
    }
    println!(
        "{} points ({} run now, {} resumed); wrote {}/sweep.csv, sweep.json",
        total,
        total - done_before.len(),
        done_before.len(),
        out.display()
    );
    Ok(())
}

fn sweep_json(
    model: &Model,
    args: &SweepArgs,
    base: &RunConfig,
    plan: &SweepPlan,
    settings: &str,
    completed_points: usize,
    interrupted: bool,
) -> String {
    let (solver, lambda) = solver_fields(base);
    let varied: Vec<serde_json::Value> = plan
        .params
        .iter()
        .map(|p| json!({"name": p.name, "low": p.low, "high": p.high}))
        .collect();
    let meta = json!({
        "command": "sweep",
        "scenario": args.scenario.display().to_string(),
        "scenario_hash": model.source_hash(),
        "seed": base.seed,
        "trials": base.trials,
        "solver": solver,
        "lambda": lambda,
        "fixed": fixed_map(model, base),
        "version": env!("CARGO_PKG_VERSION"),
        "varied": plan.params.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "ranges": varied,
        "vary": args.vary,
        "design": plan.design.name(),
        "points": plan.points.len(),
        "completed_points": completed_points,
        "interrupted": interrupted,
        // Identifies the sweep for --resume.
        "settings": settings,
        "outcomes": model.outcomes(),
        "actors": model.actors().iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&meta).unwrap_or_default();
    text.push('\n');
    text
}
