//! Golden "playthrough" files for every shipped scenario: the compiled game of trial 0
//! at the scenario's seed (parameters, information sets, chance probabilities, payoffs)
//! and its solved profile at fixed precision. Any change to the compiler, the priors,
//! the streams or the solvers shows up as a diff.
//!
//! Re-bless after an intended change with `DEMARCHE_BLESS=1 cargo test --test playthrough`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use demarche::game::Mover;
use demarche::model::{DefaultSolver, load};
use demarche::simulate::{SolverChoice, TrialSpec, Worker};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_scenarios() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("scenarios"), &mut out);
    out.sort();
    out
}

fn golden_path(scenario: &Path) -> PathBuf {
    let rel = scenario.strip_prefix(root().join("scenarios")).unwrap();
    let name = rel
        .to_string_lossy()
        .replace(['/', '\\'], "__")
        .replace(".toml", ".txt");
    root().join("tests/golden/playthrough").join(name)
}

/// A fixed-precision rendering, robust to the last bits of floating point.
fn num(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        format!("{:.digits$}", 0.0)
    } else {
        s
    }
}

fn playthrough(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap();
    let rel = path.strip_prefix(root()).unwrap().display().to_string();
    let model = load(&source, &rel).unwrap_or_else(|d| panic!("{d}"));
    let solver = match model.default_solver() {
        DefaultSolver::Spe => SolverChoice::Spe,
        DefaultSolver::Qre => SolverChoice::Qre { lambda: None },
    };
    let spec = TrialSpec {
        model: &model,
        seed: model.default_seed(),
        solver,
        fixed: vec![None; model.params().len()],
    };
    let mut worker = Worker::new(&model);
    worker.run(&spec, 0).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let game = worker.game();
    let profile = worker.profile();
    let r = &worker.result;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# playthrough of {rel}: trial 0, seed {}, solver {}",
        model.default_seed(),
        solver.name()
    );
    let _ = writeln!(s, "players: {}", game.players().join(", "));
    let _ = writeln!(
        s,
        "nodes: {}  information sets: {}",
        game.n_nodes(),
        game.infosets().len()
    );
    let _ = writeln!(s, "\n## parameters (trial 0)");
    for (p, v) in model.params().iter().zip(&r.theta) {
        let _ = writeln!(s, "{} = {}", p.name, num(*v, 9));
    }
    if solver != SolverChoice::Spe {
        let _ = writeln!(s, "(solver precision λ = {})", num(r.lambda, 9));
    }
    let _ = writeln!(
        s,
        "\n## information sets: actions (chance probability | solved probability)"
    );
    for (h, info) in game.infosets().iter().enumerate() {
        let who = match info.mover {
            Mover::Chance => "chance".to_string(),
            Mover::Player(p) => game.players()[p].clone(),
        };
        let actions: Vec<String> = info
            .actions
            .iter()
            .zip(info.action_range())
            .map(|(a, k)| format!("{a} {}", num(profile.probs[k], 6)))
            .collect();
        let _ = writeln!(
            s,
            "{} [{who}, {} nodes]: {}",
            game.infoset_name(h),
            info.nodes.len(),
            actions.join(", ")
        );
    }
    let _ = writeln!(s, "\n## terminal payoffs ({})", game.players().join(", "));
    for node in 0..game.n_nodes() {
        if let Some(o) = game.node_outcome(node) {
            let pays: Vec<String> = game.outcome_payoffs(o).iter().map(|v| num(*v, 6)).collect();
            let _ = writeln!(
                s,
                "{} -> {}: {}",
                model.path_label(node),
                game.outcome_label(o),
                pays.join(" ")
            );
        }
    }
    let _ = writeln!(s, "\n## solved outcome distribution");
    for (o, p) in model.outcomes().iter().zip(&r.outcome_probs) {
        let _ = writeln!(s, "{o} {}", num(*p, 6));
    }
    let _ = writeln!(s, "\n## expected payoffs");
    for (a, v) in model.actors().iter().zip(&r.expected_payoffs) {
        let _ = writeln!(s, "{} {}", a.id, num(*v, 6));
    }
    s
}

#[test]
fn every_shipped_scenario_matches_its_playthrough() {
    let bless = std::env::var_os("DEMARCHE_BLESS").is_some();
    let scenarios = shipped_scenarios();
    assert!(!scenarios.is_empty(), "no scenarios found");
    let mut failures = Vec::new();
    for path in &scenarios {
        let actual = playthrough(path);
        let golden = golden_path(path);
        if bless {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Err(_) => failures.push(format!(
                "{}: no playthrough file {} (bless with DEMARCHE_BLESS=1)",
                path.display(),
                golden.display()
            )),
            Ok(expected) if expected != actual => {
                let first = expected
                    .lines()
                    .zip(actual.lines())
                    .enumerate()
                    .find(|(_, (e, a))| e != a)
                    .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
                    .unwrap_or_else(|| "lengths differ".into());
                failures.push(format!(
                    "{} differs from {}: {first}",
                    path.display(),
                    golden.display()
                ));
            }
            Ok(_) => {}
        }
    }
    // Golden files without a scenario are stale.
    if !bless {
        for entry in std::fs::read_dir(root().join("tests/golden/playthrough"))
            .into_iter()
            .flatten()
        {
            let p = entry.unwrap().path();
            if !scenarios.iter().any(|s| golden_path(s) == p) {
                failures.push(format!("{} has no scenario", p.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
