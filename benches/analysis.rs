//! Throughput of the analyses on the headline scenario (issue 4 and 5 sizes):
//! a 100-point sweep and 100 tuning evaluations at 10,000 trials each, and a Sobol'
//! analysis of 6 parameters with N = 128 at 2,000 trials per evaluation, on 2 threads.
//!
//! Every analysis evaluation is one Monte Carlo run, so the time is the trial count
//! times the per-trial cost. By default this bench runs a scaled-down version of each
//! (fewer points and trials, set by `DEMARCHE_BENCH_SCALE`, default 0.01) and reports
//! trials per second and the projected time at full size; `DEMARCHE_BENCH_SCALE=1` runs
//! the full sizes. Plain timing (harness = false): each case is long enough on its own.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use demarche::analyze::objective::Objective;
use demarche::analyze::optim::OptimConfig;
use demarche::analyze::params::{parse_param_range, parse_vary};
use demarche::analyze::runs::{sensitivity_model, sweep_model, tune_model};
use demarche::analyze::sensitivity_run::{SensitivityConfig, SensitivityMethod, plan_sensitivity};
use demarche::analyze::sweep::{SweepDesign, plan_sweep};
use demarche::analyze::tune::{TuneConfig, TuneGoal};
use demarche::simulate::{RunConfig, SolverChoice};

fn main() {
    let scale: f64 = std::env::var("DEMARCHE_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.01);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/japan_dprk_summit.toml");
    let source = std::fs::read_to_string(path).expect("headline scenario");
    let model = demarche::model::load(&source, path).expect("headline compiles");
    let cancel = AtomicBool::new(false);
    let base = |trials: u64| RunConfig {
        trials,
        seed: model.default_seed(),
        threads: 2,
        solver: SolverChoice::Qre { lambda: None },
        fixed: vec![None; model.params().len()],
    };
    let scaled = |n: f64| ((n * scale.sqrt()).round() as usize).max(2);

    // Sweep: 100 points (10 × 10 grid) × 10,000 trials.
    let side = scaled(10.0);
    let trials = scaled(10_000.0) as u64;
    let varies = vec![
        parse_vary(&format!("aid_offer=0:3:{side}"), "--vary", model.params()).unwrap(),
        parse_vary(&format!("p_close=0.05:0.6:{side}"), "--vary", model.params()).unwrap(),
    ];
    let plan = plan_sweep(&varies, SweepDesign::Grid).unwrap();
    let started = Instant::now();
    sweep_model(
        &model,
        &plan,
        &base(trials),
        &Default::default(),
        &cancel,
        &mut |_, _, _| Ok(()),
    )
    .unwrap();
    report("sweep", plan.points.len() as u64 * trials, 100 * 10_000, started);

    // Tuning: 100 evaluations × 10,000 trials.
    let budget = scaled(100.0);
    let params = vec![
        parse_param_range("aid_offer=0:3", "--param", model.params()).unwrap(),
        parse_param_range("relief_size=0.5:1.5", "--param", model.params()).unwrap(),
    ];
    let actors: Vec<String> = model.actors().iter().map(|a| a.id.clone()).collect();
    let goal =
        TuneGoal::Maximize(Objective::parse("payoff(japan)", "bench", model.outcomes(), &actors).unwrap());
    let config = TuneConfig {
        optim: OptimConfig {
            budget,
            seed: 1,
            ..OptimConfig::default()
        },
        ..TuneConfig::default()
    };
    let started = Instant::now();
    let result = tune_model(
        &model,
        &params,
        &goal,
        &config,
        &base(trials),
        &cancel,
        &mut |_, _| {},
    )
    .unwrap();
    report(
        "tune",
        result.evaluations.len() as u64 * trials,
        100 * 10_000,
        started,
    );

    // Sobol': 6 parameters, N = 128 (1,024 evaluations) × 2,000 trials.
    let samples = scaled(128.0);
    let trials = scaled(2_000.0) as u64;
    let names = [
        "lambda=1:6",
        "p_hardline=0.3:0.95",
        "aid_offer=0:3",
        "delta=0.7:0.95",
        "p_close=0.05:0.6",
        "abductee_salience=2:4",
    ];
    let params: Vec<_> = names
        .iter()
        .map(|t| parse_param_range(t, "--param", model.params()).unwrap())
        .collect();
    let config = SensitivityConfig::new(SensitivityMethod::Sobol { samples }, 1);
    let plan = plan_sensitivity(&params, &config).unwrap();
    let started = Instant::now();
    sensitivity_model(&model, &plan, &config, &base(trials), &cancel, &mut |_, _| {}).unwrap();
    report(
        "sensitivity",
        plan.points.len() as u64 * trials,
        1_024 * 2_000,
        started,
    );
}

fn report(name: &str, trials: u64, full_trials: u64, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    let rate = trials as f64 / seconds;
    println!(
        "{name}: {trials} trials in {seconds:.2} s ({rate:.0} trials/s); projected at full size ({full_trials} trials): {:.0} s",
        full_trials as f64 / rate
    );
}
