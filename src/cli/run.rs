//! `demarche run`: seeded Monte Carlo trials of a scenario, streamed to `trials.csv`,
//! summarised in `summary.csv` and described in `run.json`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::args::RunArgs;
use super::common::{CliError, RunFlags, load_model, resolve_run_config};
use crate::model::Model;
use crate::output::{AtomicFile, prepare_out_dir, write_atomic};
use crate::simulate::{
    RunConfig, RunResult, SolverChoice, Summary, csv_header, replay_row, run as run_trials,
};

pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let (model, _source) = load_model(&args.scenario)?;
    let compile_seconds = started.elapsed().as_secs_f64();
    let config = resolve_config(&model, args)?;

    if let Some(trial) = args.trial {
        if trial >= config.trials {
            return Err(CliError::Input(format!(
                "error: --trial {trial} is outside the run (trials 0..{})",
                config.trials
            )));
        }
        let row = replay_row(&model, &config, trial).map_err(|e| CliError::Failure(format!("error: {e}")))?;
        print!("{}{row}", csv_header(&model));
        return Ok(());
    }

    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.scenario));
    let created = !out_dir.exists();
    prepare_out_dir(&out_dir, args.force)?;
    let result = execute(&model, args, &config, &out_dir, compile_seconds, started);
    if result.is_err() && created {
        // Only removes the folder if nothing was kept in it.
        let _ = std::fs::remove_dir(&out_dir);
    }
    result
}

fn resolve_config(model: &Model, args: &RunArgs) -> Result<RunConfig, CliError> {
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

/// `out/<scenario file stem>`.
pub(super) fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    Path::new("out").join(stem)
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} trials ({per_sec}, ETA {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Sets a flag on Ctrl-C so the run stops after the current wave and keeps its work.
pub(super) fn cancel_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&flag);
    let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::SeqCst));
    flag
}

fn execute(
    model: &Model,
    args: &RunArgs,
    config: &RunConfig,
    out_dir: &Path,
    compile_seconds: f64,
    started: Instant,
) -> Result<(), CliError> {
    let cancel = cancel_flag();
    let bar = progress_bar(config.trials, args.quiet);
    let trials_path = out_dir.join("trials.csv");
    let mut trials_file = AtomicFile::create(&trials_path)?;
    trials_file
        .write_all(csv_header(model).as_bytes())
        .map_err(|e| CliError::Failure(format!("error: {}: {e}", trials_path.display())))?;
    let sim_started = Instant::now();
    let result = {
        let mut sink = |bytes: &[u8]| trials_file.write_all(bytes);
        run_trials(
            model,
            config,
            Some(&mut sink),
            &|done| bar.set_position(done),
            &cancel,
        )
    };
    bar.finish_and_clear();
    let result = result.map_err(|e| CliError::Failure(format!("error: {e}")))?;
    let simulate_seconds = sim_started.elapsed().as_secs_f64();
    trials_file.commit()?;
    write_atomic(&out_dir.join("summary.csv"), result.summary.to_csv().as_bytes())?;
    let meta = run_json(
        model,
        args,
        config,
        &result,
        compile_seconds,
        simulate_seconds,
        started,
    );
    write_atomic(&out_dir.join("run.json"), meta.as_bytes())?;

    print_summary(model, args, config, &result.summary, result.completed);
    println!("wrote {}/trials.csv, summary.csv, run.json", out_dir.display());
    if args.report {
        let written = super::report::write_for(out_dir, None)?;
        super::report::print_written(&written);
    }
    if result.interrupted {
        return Err(CliError::Interrupted(format!(
            "interrupted: kept the {} finished trials of {} in {}",
            result.completed,
            config.trials,
            out_dir.display()
        )));
    }
    Ok(())
}

fn run_json(
    model: &Model,
    args: &RunArgs,
    config: &RunConfig,
    result: &RunResult,
    compile_seconds: f64,
    simulate_seconds: f64,
    started: Instant,
) -> String {
    let fixed: serde_json::Map<String, serde_json::Value> = model
        .params()
        .iter()
        .zip(&config.fixed)
        .filter_map(|(p, f)| f.map(|v| (p.name.clone(), json!(v))))
        .collect();
    let lambda = match config.solver {
        SolverChoice::Qre { lambda } => lambda,
        SolverChoice::Spe => None,
    };
    let meta = json!({
        "command": "run",
        "scenario": args.scenario.display().to_string(),
        "scenario_hash": model.source_hash(),
        "seed": config.seed,
        "trials": config.trials,
        "completed_trials": result.completed,
        "interrupted": result.interrupted,
        "solver": config.solver.name(),
        "lambda": lambda,
        "fixed": fixed,
        "threads": config.threads,
        "chunk": crate::simulate::CHUNK,
        "version": env!("CARGO_PKG_VERSION"),
        "outcomes": model.outcomes(),
        "actors": model.actors().iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        "timings": {
            "compile_seconds": compile_seconds,
            "simulate_seconds": simulate_seconds,
            "total_seconds": started.elapsed().as_secs_f64(),
            "trials_per_second": result.completed as f64 / simulate_seconds.max(1e-9),
        },
    });
    let mut text = serde_json::to_string_pretty(&meta).unwrap_or_default();
    text.push('\n');
    text
}

fn print_summary(model: &Model, args: &RunArgs, config: &RunConfig, summary: &Summary, completed: u64) {
    let solver = match config.solver {
        SolverChoice::Spe => "spe".to_string(),
        SolverChoice::Qre { lambda: Some(l) } => format!("qre, λ = {l}"),
        SolverChoice::Qre { lambda: None } => "qre, λ from the scenario".to_string(),
    };
    println!(
        "{}: {completed} trials, seed {}, solver {solver}",
        args.scenario.display(),
        config.seed
    );
    let width = summary
        .outcomes
        .iter()
        .chain(&summary.actors)
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    println!();
    println!(
        "  {:<width$}  {:>11}  {:>23}",
        "outcome", "probability", "95% interval"
    );
    for (name, e) in summary.outcomes.iter().zip(&summary.outcome_probability) {
        println!(
            "  {name:<width$}  {:>11.4}  [{:>9.4}, {:>9.4}]",
            e.mean, e.ci_low, e.ci_high
        );
    }
    println!();
    println!(
        "  {:<width$}  {:>11}  {:>23}",
        "actor", "exp. payoff", "95% interval"
    );
    for (a, e) in model.actors().iter().zip(&summary.expected_payoff) {
        println!(
            "  {:<width$}  {:>11.4}  [{:>9.4}, {:>9.4}]",
            a.id, e.mean, e.ci_low, e.ci_high
        );
    }
    println!();
}
