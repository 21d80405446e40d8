//! End-to-end tests of the `demarche` binary: each runs the real program in a fresh
//! temporary folder and checks its files, output and exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{bin, expect_code, read, run_in, text};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cli")
        .join(name)
}

#[test]
fn run_writes_trials_summary_and_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = data("signal.toml");
    let out = run_in(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--trials",
            "2500",
            "--out",
            "res",
        ],
    );
    expect_code(&out, 0);
    let dir = tmp.path().join("res");
    let trials = read(&dir.join("trials.csv"));
    let mut lines = trials.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("trial,outcome,rounds,path,payoff_sender,payoff_receiver,p_strong,lam,cost,"));
    assert!(
        header.ends_with("p_quiet,p_deal,p_clash,ev_sender,ev_receiver"),
        "{header}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2500);
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("{i},")), "rows in trial order: {row}");
    }
    // Outcome probabilities in each row sum to 1.
    let n_cols = header.split(',').count();
    for row in &rows {
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!(cols.len(), n_cols);
        let p: f64 = cols[n_cols - 5..n_cols - 2]
            .iter()
            .map(|c| c.parse::<f64>().unwrap())
            .sum();
        assert!((p - 1.0).abs() < 1e-9, "{row}");
    }
    let summary = read(&dir.join("summary.csv"));
    assert!(summary.starts_with("metric,key,mean,std_err,ci_low,ci_high,n\n"));
    let probs: f64 = summary
        .lines()
        .filter(|l| l.starts_with("outcome_probability,"))
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((probs - 1.0).abs() < 1e-9, "{summary}");
    assert_eq!(
        summary
            .lines()
            .filter(|l| l.starts_with("expected_payoff,"))
            .count(),
        2
    );
    let meta: serde_json::Value = serde_json::from_str(&read(&dir.join("run.json"))).unwrap();
    for key in [
        "scenario",
        "scenario_hash",
        "seed",
        "trials",
        "solver",
        "version",
        "timings",
    ] {
        assert!(meta.get(key).is_some(), "run.json lacks {key}");
    }
    assert_eq!(meta["seed"], 11);
    assert_eq!(meta["trials"], 2500);
    // The summary table is printed.
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("95% interval") && stdout.contains("deal"),
        "{stdout}"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["run.json", "summary.csv", "trials.csv"]);
}

#[test]
fn outputs_are_byte_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = data("signal.toml");
    for (threads, dir) in [("1", "t1"), ("2", "t2"), ("3", "t3")] {
        let out = run_in(
            tmp.path(),
            &[
                "run",
                scenario.to_str().unwrap(),
                "--trials",
                "4321",
                "--threads",
                threads,
                "--out",
                dir,
            ],
        );
        expect_code(&out, 0);
    }
    for file in ["trials.csv", "summary.csv"] {
        let a = read(&tmp.path().join("t1").join(file));
        assert_eq!(
            a,
            read(&tmp.path().join("t2").join(file)),
            "{file} differs between 1 and 2 threads"
        );
        assert_eq!(
            a,
            read(&tmp.path().join("t3").join(file)),
            "{file} differs between 1 and 3 threads"
        );
    }
}

#[test]
fn a_replayed_trial_equals_its_row_in_the_full_run() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = data("signal.toml");
    let out = run_in(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--trials",
            "1500",
            "--out",
            "full",
        ],
    );
    expect_code(&out, 0);
    let full = read(&tmp.path().join("full/trials.csv"));
    let lines: Vec<&str> = full.lines().collect();
    for trial in ["0", "777", "1499"] {
        let out = run_in(
            tmp.path(),
            &[
                "run",
                scenario.to_str().unwrap(),
                "--trials",
                "1500",
                "--trial",
                trial,
            ],
        );
        expect_code(&out, 0);
        let replay = text(&out.stdout);
        let replay_lines: Vec<&str> = replay.lines().collect();
        assert_eq!(replay_lines[0], lines[0]);
        let i: usize = trial.parse().unwrap();
        assert_eq!(replay_lines[1], lines[i + 1], "trial {trial}");
    }
}

#[test]
fn set_fixes_a_parameter_and_seeds_change_results() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = data("signal.toml");
    let s = scenario.to_str().unwrap();
    expect_code(
        &run_in(
            tmp.path(),
            &["run", s, "--trials", "1000", "--out", "a", "--set", "cost=2.5"],
        ),
        0,
    );
    let trials = read(&tmp.path().join("a/trials.csv"));
    let header: Vec<&str> = trials.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "cost").unwrap();
    assert!(
        trials
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(col) == Some("2.5"))
    );
    expect_code(
        &run_in(
            tmp.path(),
            &["run", s, "--trials", "1000", "--out", "b", "--seed", "12"],
        ),
        0,
    );
    expect_code(
        &run_in(tmp.path(), &["run", s, "--trials", "1000", "--out", "c"]),
        0,
    );
    assert_ne!(
        read(&tmp.path().join("b/summary.csv")),
        read(&tmp.path().join("c/summary.csv"))
    );
}

#[test]
fn existing_output_folder_needs_force() {
    let tmp = tempfile::tempdir().unwrap();
    let s = data("signal.toml");
    let s = s.to_str().unwrap();
    expect_code(
        &run_in(tmp.path(), &["run", s, "--trials", "100", "--out", "o"]),
        0,
    );
    let out = run_in(tmp.path(), &["run", s, "--trials", "100", "--out", "o"]);
    expect_code(&out, 2);
    assert!(text(&out.stderr).contains("--force"), "{}", text(&out.stderr));
    expect_code(
        &run_in(
            tmp.path(),
            &["run", s, "--trials", "100", "--out", "o", "--force"],
        ),
        0,
    );
}

/// Every bad-input case: exit code 2, a message on stderr, and no output folder.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let good = data("signal.toml");
    let good = good.to_str().unwrap();
    let bad = data("bad.toml");
    let bad = bad.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", bad, "--out", "x"], "bad.toml:4:1:"),
        (vec!["run", "missing.toml", "--out", "x"], "missing.toml"),
        (
            vec!["run", good, "--out", "x", "--set", "nope=1"],
            "unknown parameter `nope`",
        ),
        (
            vec!["run", good, "--out", "x", "--set", "cost=abc"],
            "not a finite number",
        ),
        (
            vec!["run", good, "--out", "x", "--set", "cost=99"],
            "outside the bounds",
        ),
        (vec!["run", good, "--out", "x", "--threads", "0"], "--threads"),
        (vec!["run", good, "--out", "x", "--trials", "0"], "--trials"),
        (vec!["run", good, "--out", "x", "--lambda=-1"], "--lambda"),
        (vec!["run", good, "--out", "x", "--bogus"], "--bogus"),
        (vec!["check", bad], "bad.toml:"),
        (vec!["export", bad, "--format", "efg"], "bad.toml:"),
    ];
    for (args, needle) in cases {
        let out = run_in(tmp.path(), &args);
        expect_code(&out, 2);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(needle),
            "{args:?}: stderr lacks {needle:?}:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
        assert!(
            !tmp.path().join("x").exists(),
            "{args:?} created the output folder"
        );
    }
}

#[test]
fn bad_scenario_reports_every_error_with_location() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = data("bad.toml");
    let out = run_in(tmp.path(), &["check", bad.to_str().unwrap()]);
    expect_code(&out, 2);
    let stderr = text(&out.stderr);
    // An unknown key, an unknown feature and an unknown actor: three located errors.
    let located = stderr.lines().filter(|l| l.contains("bad.toml:")).count();
    assert!(located >= 3, "{stderr}");
    assert!(
        stderr.contains("colour") && stderr.contains("gian") && stderr.contains('b'),
        "{stderr}"
    );
}

#[test]
fn check_describes_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let s = data("signal.toml");
    let out = run_in(tmp.path(), &["check", s.to_str().unwrap(), "--json"]);
    expect_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["actors", "parameters", "outcomes", "nodes", "infosets"] {
        assert!(v.get(key).is_some(), "check --json lacks {key}");
    }
    let p = &v["parameters"][0];
    for key in ["name", "default", "low", "high"] {
        assert!(p.get(key).is_some(), "parameter lacks {key}");
    }
    assert_eq!(v["parameters"].as_array().unwrap().len(), 3);
    let out = run_in(tmp.path(), &["check", s.to_str().unwrap()]);
    expect_code(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("p_strong") && stdout.contains("beta"), "{stdout}");
}

#[test]
fn export_writes_a_game_the_reader_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let s = data("signal.toml");
    let s = s.to_str().unwrap();
    let out = run_in(tmp.path(), &["export", s, "--format", "efg", "--trial", "5"]);
    expect_code(&out, 0);
    let efg = text(&out.stdout);
    let game = demarche::gambit::parse_efg(&efg, "exported.efg").expect("exported game parses");
    assert_eq!(game.players(), ["sender", "receiver"]);
    // The exported trial-5 game solves to the same profile the run used for trial 5.
    let out = run_in(
        tmp.path(),
        &[
            "export", s, "--format", "efg", "--set", "cost=2", "--out", "g.efg",
        ],
    );
    expect_code(&out, 0);
    let again = read(&tmp.path().join("g.efg"));
    assert!(demarche::gambit::parse_efg(&again, "g.efg").is_ok());
    let out = run_in(tmp.path(), &["solve", "g.efg", "--json", "--lambda", "2"]);
    expect_code(&out, 0);
}

#[test]
fn solve_json_has_exactly_the_documented_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let s = data("signal.toml");
    let out = run_in(
        tmp.path(),
        &["export", s.to_str().unwrap(), "--format", "efg", "--out", "g.efg"],
    );
    expect_code(&out, 0);
    let out = run_in(
        tmp.path(),
        &["solve", "g.efg", "g.efg", "--json", "--lambda", "0.5"],
    );
    expect_code(&out, 0);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one object per game");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "behavior",
            "expected_payoffs",
            "game",
            "lambda",
            "max_regret",
            "players",
            "solver"
        ]
    );
    assert_eq!(v["solver"], "qre");
    assert_eq!(v["lambda"], 0.5);
    let b = &v["behavior"][0];
    let mut bkeys: Vec<&str> = b.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    bkeys.sort();
    assert_eq!(bkeys, ["actions", "infoset", "player", "probs"]);
}

#[test]
fn solve_rejects_bad_games_with_a_location() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("t.efg"),
        "EFG 2 R \"x\" { \"A\" \"B\" }\np \"\" 1 1 \"\" { \"L\" \"R\" } 0\nt \"\" 1 \"o\" { 1 2 }\n",
    )
    .unwrap();
    let out = run_in(tmp.path(), &["solve", "t.efg", "--json"]);
    expect_code(&out, 2);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("t.efg:"), "{stderr}");
    assert!(out.stdout.is_empty());
}

fn gambit(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gambit")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn solve_handles_extensive_and_normal_forms() {
    let tmp = tempfile::tempdir().unwrap();
    // Stripped-down poker: the SPE solver refuses imperfect information with a message.
    let out = run_in(tmp.path(), &["solve", &gambit("poker.efg"), "--solver", "spe"]);
    expect_code(&out, 1);
    assert!(text(&out.stderr).contains("information"), "{}", text(&out.stderr));
    // Its QRE at high λ is close to the Nash equilibrium (bet Queen 1/3, call 2/3).
    let out = run_in(
        tmp.path(),
        &["solve", &gambit("poker.efg"), "--json", "--lambda", "200"],
    );
    expect_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["max_regret"].as_f64().unwrap() < 0.05, "{v}");
    // Normal form: prisoner's dilemma has one pure equilibrium with zero regret.
    let out = run_in(
        tmp.path(),
        &["solve", &gambit("pd.nfg"), "--solver", "nash", "--json"],
    );
    expect_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["max_regret"].as_f64().unwrap(), 0.0);
    assert_eq!(v["lambda"], serde_json::Value::Null);
    let out = run_in(tmp.path(), &["solve", &gambit("bos.nfg"), &gambit("pd.nfg")]);
    expect_code(&out, 0);
    assert!(text(&out.stdout).contains("max regret"));
    // A scenario file is solved at its defaults with its own solver.
    let s = data("signal.toml");
    let out = run_in(tmp.path(), &["solve", s.to_str().unwrap(), "--json"]);
    expect_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["solver"], "qre");
    assert_eq!(v["lambda"], 2.0);
}

/// Ctrl-C stops a long run after its current wave; the finished trials are kept, all
/// files are complete, and the exit code is 130.
#[test]
fn an_interrupted_run_keeps_what_it_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let s = data("signal.toml");
    let child = bin()
        .current_dir(tmp.path())
        .args([
            "run",
            s.to_str().unwrap(),
            "--trials",
            "500000000",
            "--out",
            "o",
            "--threads",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run has started writing, then interrupt it.
    let dir = tmp.path().join("o");
    for _ in 0..600 {
        if dir.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    expect_code(&out, 130);
    let meta: serde_json::Value = serde_json::from_str(&read(&dir.join("run.json"))).unwrap();
    assert_eq!(meta["interrupted"], true);
    let completed = meta["completed_trials"].as_u64().unwrap();
    assert!(completed < 500_000_000);
    let trials = read(&dir.join("trials.csv"));
    assert_eq!(
        trials.lines().count() as u64,
        completed + 1,
        "one row per finished trial"
    );
    let summary = read(&dir.join("summary.csv"));
    assert!(
        summary
            .lines()
            .filter(|l| l.starts_with("outcome_probability,"))
            .all(|l| l.ends_with(&format!(",{completed}")))
    );
    assert!(text(&out.stderr).contains("interrupted"));
}

/// `random_signaling_game(2, 32, 10252987025904861652)` at λ = 632.3 (λ × payoffs near
/// 10⁴): the QRE's residual cannot go below about 1.6e-10 in double precision. With the
/// default bound the solve fails and says how to move it; `--tolerance 1e-9` accepts
/// the answer. Bad values of the flag are usage errors.
#[test]
fn solve_tolerance_flag_accepts_a_rounding_limited_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let game = gambit("signal_2p_32_seed_10252987025904861652.efg");
    let lambda = "632.323070645924";
    let out = run_in(tmp.path(), &["solve", &game, "--lambda", lambda, "--json"]);
    expect_code(&out, 1);
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains("did not converge") && err.contains("--tolerance"),
        "{err}"
    );
    let out = run_in(
        tmp.path(),
        &[
            "solve",
            &game,
            "--lambda",
            lambda,
            "--tolerance",
            "1e-9",
            "--json",
        ],
    );
    expect_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lambda"].as_f64().unwrap(), 632.323070645924);
    assert!(v["max_regret"].as_f64().unwrap() < 0.05, "{v}");
    for bad in ["0", "-1e-9", "1", "nan", "abc"] {
        let flag = format!("--tolerance={bad}");
        let out = run_in(tmp.path(), &["solve", &game, &flag]);
        expect_code(&out, 2);
        assert!(out.stdout.is_empty());
        assert!(
            text(&out.stderr).contains("--tolerance"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
}
