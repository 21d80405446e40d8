//! End-to-end tests of `demarche sweep`, `tune`, `sensitivity` and `report`: each runs
//! the real program in a fresh temporary folder and checks its files, output and exit
//! code. Expected numbers come from closed forms (the logit ultimatum's acceptance
//! probability and optimal offer, the binomial maximum-likelihood estimate, the Ishigami
//! function's Sobol' indices), never from earlier runs.
// Expected values here use the platform's functions: a reference independent of
// `demarche::math`, which the crate uses.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{bin, expect_code, read, run_in, text};

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

fn ultimatum() -> String {
    scenario("scenarios/logit_ultimatum.toml")
}

fn ishigami() -> String {
    scenario("scenarios/ishigami.toml")
}

fn signal() -> String {
    scenario("cli/signal.toml")
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rows of a CSV file as maps from column name to cell.
fn csv_rows(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

fn column(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn number(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("`{cell}` is not a number"))
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The responder's outside option in tests/data/scenarios/logit_ultimatum.toml.
const RESERVATION: f64 = 0.2;

// ------------------------------------------------------------------- sweep

#[test]
fn sweep_grid_writes_tidy_rows_matching_the_closed_form() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "sweep",
            &ultimatum(),
            "--vary",
            "offer=0.1:0.5:3",
            "--vary",
            "lambda=2,8",
            "--trials",
            "2",
            "--out",
            "sw",
        ],
    );
    expect_code(&out, 0);
    assert!(text(&out.stdout).contains("6 points"), "{}", text(&out.stdout));
    let dir = tmp.path().join("sw");
    let (headers, rows) = csv_rows(&dir.join("sweep.csv"));
    assert_eq!(
        headers,
        [
            "point", "offer", "lambda", "metric", "key", "mean", "std_err", "ci_low", "ci_high", "n"
        ]
    );
    // 6 points × (2 outcomes + 2 actors).
    assert_eq!(rows.len(), 24);
    let mut seen = Vec::new();
    for row in &rows {
        let (offer, lambda) = (number(&row[1]), number(&row[2]));
        let accept = logistic(lambda * (offer - RESERVATION));
        let expected = match (row[3].as_str(), row[4].as_str()) {
            ("outcome_probability", "accept") => accept,
            ("outcome_probability", "reject") => 1.0 - accept,
            ("expected_payoff", "proposer") => (1.0 - offer) * accept,
            ("expected_payoff", "responder") => offer * accept + RESERVATION * (1.0 - accept),
            other => panic!("unexpected metric {other:?}"),
        };
        assert!(
            (number(&row[5]) - expected).abs() < 1e-6,
            "{row:?}: expected mean {expected}"
        );
        assert_eq!(row[9], "2");
        if !seen.contains(&(row[0].clone(), offer, lambda)) {
            seen.push((row[0].clone(), offer, lambda));
        }
    }
    // Grid order: last parameter fastest.
    let expected_points: Vec<(String, f64, f64)> = [
        (0.1, 2.0),
        (0.1, 8.0),
        (0.3, 2.0),
        (0.3, 8.0),
        (0.5, 2.0),
        (0.5, 8.0),
    ]
    .iter()
    .enumerate()
    .map(|(k, &(o, l))| (k.to_string(), o, l))
    .collect();
    for ((p, o, l), (ep, eo, el)) in seen.iter().zip(&expected_points) {
        assert_eq!(p, ep);
        assert!((o - eo).abs() < 1e-12 && (l - el).abs() < 1e-12, "{seen:?}");
    }
    let meta = json(&dir.join("sweep.json"));
    assert_eq!(meta["command"], "sweep");
    assert_eq!(meta["design"], "grid");
    assert_eq!(meta["points"], 6);
    assert_eq!(meta["varied"], serde_json::json!(["offer", "lambda"]));
    assert_eq!(meta["trials"], 2);
    assert!(meta["scenario_hash"].as_str().is_some_and(|h| h.len() == 64));
    assert!(meta["version"].is_string() && meta["seed"].is_u64());
    assert!(!dir.join(".sweep.partial").exists());
}

#[test]
fn sweep_latin_hypercube_puts_one_point_in_each_stratum() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "sweep",
            &ishigami(),
            "--vary",
            "x1=-3:3:2",
            "--vary",
            "x2=0:1:2",
            "--design",
            "lhs",
            "--points",
            "5",
            "--trials",
            "3",
            "--out",
            "lhs",
        ],
    );
    expect_code(&out, 0);
    let dir = tmp.path().join("lhs");
    let (headers, rows) = csv_rows(&dir.join("sweep.csv"));
    assert_eq!(&headers[..3], ["point", "x1", "x2"]);
    assert_eq!(rows.len(), 5 * 2);
    let mut points: Vec<(f64, f64)> = rows
        .chunks(2)
        .map(|r| (number(&r[0][1]), number(&r[0][2])))
        .collect();
    points.dedup();
    assert_eq!(points.len(), 5);
    let mut strata_x1: Vec<usize> = points
        .iter()
        .map(|p| ((p.0 + 3.0) / 6.0 * 5.0) as usize)
        .collect();
    let mut strata_x2: Vec<usize> = points.iter().map(|p| (p.1 * 5.0) as usize).collect();
    strata_x1.sort_unstable();
    strata_x2.sort_unstable();
    assert_eq!(strata_x1, [0, 1, 2, 3, 4]);
    assert_eq!(strata_x2, [0, 1, 2, 3, 4]);
    let meta = json(&dir.join("sweep.json"));
    assert_eq!(meta["design"], "lhs");
    assert_eq!(meta["points"], 5);
}

/// Runs `args` (a command without `--threads` and `--out`) on 1, 2 and 3 threads and
/// returns `file` of the first run after checking that the others wrote the same bytes.
fn same_for_any_thread_count(args: &[&str], file: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for threads in ["1", "2", "3"] {
        let out = format!("t{threads}");
        let mut all = args.to_vec();
        all.extend(["--threads", threads, "--quiet", "--out", &out]);
        expect_code(&run_in(tmp.path(), &all), 0);
    }
    let one = read(&tmp.path().join("t1").join(file));
    assert_eq!(one, read(&tmp.path().join("t2").join(file)));
    assert_eq!(one, read(&tmp.path().join("t3").join(file)));
    one
}

#[test]
fn sweep_is_byte_identical_for_any_thread_count() {
    let path = signal();
    let args = [
        "sweep",
        &path,
        "--vary",
        "cost=0.5,1.5",
        "--vary",
        "p_strong=0.2:0.6:2",
        "--trials",
        "300",
    ];
    let sweep = same_for_any_thread_count(&args, "sweep.csv");
    assert_eq!(sweep.lines().count(), 1 + 4 * 5);
}

/// Several design points are evaluated at once, each on one thread: the indices must not
/// depend on that.
#[test]
fn sensitivity_is_byte_identical_for_any_thread_count() {
    let path = signal();
    let args = [
        "sensitivity",
        &path,
        "--param",
        "cost=0.5:1.5",
        "--param",
        "p_strong=0.2:0.6",
        "--samples",
        "16",
        "--trials",
        "600",
    ];
    let indices = same_for_any_thread_count(&args, "sensitivity.csv");
    assert!(indices.lines().count() > 1);
}

/// Lines of point rows in a partial sweep file (after its settings line).
fn partial_points(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().skip(1).filter(|l| l.ends_with(",4000")).count() / 2)
        .unwrap_or(0)
}

#[test]
fn interrupted_sweep_keeps_finished_points_and_resumes_byte_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let args = |out: &str| -> Vec<String> {
        [
            "sweep",
            &ishigami(),
            "--vary",
            "x1=-3:3:16",
            "--trials",
            "4000",
            "--threads",
            "2",
            "--quiet",
            "--out",
            out,
        ]
        .map(String::from)
        .to_vec()
    };
    let full = run_in(
        tmp.path(),
        &args("full").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    expect_code(&full, 0);
    let expected = read(&tmp.path().join("full/sweep.csv"));

    // Interrupt with SIGINT once a few points are done.
    let child = bin()
        .current_dir(tmp.path())
        .args(args("cut"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = tmp.path().join("cut/.sweep.partial");
    let started = Instant::now();
    while partial_points(&partial) < 3 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let cut = child.wait_with_output().unwrap();
    expect_code(&cut, 130);
    assert!(text(&cut.stderr).contains("--resume"), "{}", text(&cut.stderr));
    let kept = read(&tmp.path().join("cut/sweep.csv"));
    assert!(
        kept.lines().count() < expected.lines().count(),
        "the sweep finished before the signal"
    );
    assert!(
        expected.starts_with(&kept),
        "kept rows differ from the full run's"
    );
    assert_eq!(json(&tmp.path().join("cut/sweep.json"))["interrupted"], true);

    // Lose the last kept point and cut a line in half, as a crash mid-write would.
    let partial_text = read(&partial);
    let lines: Vec<&str> = partial_text.lines().collect();
    let mut damaged = lines[..lines.len() - 2].join("\n");
    damaged.push('\n');
    damaged.push_str(&lines[lines.len() - 2][..10]);
    std::fs::write(&partial, damaged).unwrap();

    // Without --resume (or --force) the folder is refused.
    let refused = run_in(
        tmp.path(),
        &args("cut").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    expect_code(&refused, 2);

    let mut resume = args("cut");
    resume.push("--resume".into());
    let resumed = run_in(tmp.path(), &resume.iter().map(String::as_str).collect::<Vec<_>>());
    expect_code(&resumed, 0);
    assert!(
        text(&resumed.stdout).contains("resumed"),
        "{}",
        text(&resumed.stdout)
    );
    assert_eq!(read(&tmp.path().join("cut/sweep.csv")), expected);
    assert!(!partial.exists());

    // Resuming a finished sweep does nothing and changes nothing.
    let again = run_in(tmp.path(), &resume.iter().map(String::as_str).collect::<Vec<_>>());
    expect_code(&again, 0);
    assert!(
        text(&again.stdout).contains("already complete"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(read(&tmp.path().join("cut/sweep.csv")), expected);

    // A resume with other settings is refused rather than mixed in.
    std::fs::write(&partial, "# {}\n").unwrap();
    let mut other = args("cut");
    other.push("--resume".into());
    let refused = run_in(tmp.path(), &other.iter().map(String::as_str).collect::<Vec<_>>());
    expect_code(&refused, 2);
    assert!(
        text(&refused.stderr).contains("other settings"),
        "{}",
        text(&refused.stderr)
    );
}

// ------------------------------------------------------------------- tune

/// The offer maximising (1 − x) · logistic(λ (x − r)): the root of
/// (1 − x) λ (1 − P) = 1 with P = logistic(λ (x − r)), found by bisection.
fn optimal_offer(lambda: f64) -> f64 {
    let g = |x: f64| (1.0 - x) * lambda * (1.0 - logistic(lambda * (x - RESERVATION))) - 1.0;
    let (mut low, mut high) = (0.0, 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (low + high);
        if g(mid) > 0.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

#[test]
fn tune_finds_the_analytic_optimal_offer_and_writes_a_runnable_best_toml() {
    let tmp = tempfile::tempdir().unwrap();
    for method in ["cmaes", "nelder-mead"] {
        let out_dir = format!("tune-{method}");
        let out = run_in(
            tmp.path(),
            &[
                "tune",
                &ultimatum(),
                "--param",
                "offer=0:1",
                "--maximize",
                "payoff(proposer)",
                "--trials",
                "1",
                "--budget",
                "80",
                "--method",
                method,
                "--quiet",
                "--out",
                &out_dir,
            ],
        );
        expect_code(&out, 0);
        let stdout = text(&out.stdout);
        assert!(stdout.contains("offer") && stdout.contains("best"), "{stdout}");
        let dir = tmp.path().join(&out_dir);
        let meta = json(&dir.join("tune.json"));
        let best = meta["best"]["offer"].as_f64().unwrap();
        let optimum = optimal_offer(8.0);
        assert!(
            (best - optimum).abs() < 2e-3,
            "{method}: best offer {best}, analytic {optimum}"
        );
        assert_eq!(meta["command"], "tune");
        assert_eq!(meta["direction"], "maximize");
        assert_eq!(meta["method"], method);
        assert!(meta["intervals"]["offer"].is_null());
        assert!(meta["stop_reason"].is_string() && meta["seed"].is_u64());
        let evaluations = meta["evaluations"].as_u64().unwrap();
        assert!(evaluations <= 80);
        let best_objective = meta["best_objective"].as_f64().unwrap();
        let expected_objective = (1.0 - best) * logistic(8.0 * (best - RESERVATION));
        assert!((best_objective - expected_objective).abs() < 1e-9);

        let (headers, rows) = csv_rows(&dir.join("tune.csv"));
        assert_eq!(headers, ["eval", "offer", "objective", "std_err"]);
        assert_eq!(rows.len() as u64, evaluations);
        assert!(rows.iter().all(|r| {
            let x = number(&r[1]);
            (0.0..=1.0).contains(&x)
        }));

        // best.toml: the source with the offer's default changed, nothing else.
        let source = read(Path::new(&ultimatum()));
        let best_toml = read(&dir.join("best.toml"));
        let changed: Vec<(&str, &str)> = source
            .lines()
            .zip(best_toml.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(source.lines().count(), best_toml.lines().count());
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert!(changed[0].1.starts_with("default = ") && number(&changed[0].1[10..]) == best);

        let run = run_in(
            tmp.path(),
            &[
                "run",
                dir.join("best.toml").to_str().unwrap(),
                "--trials",
                "3",
                "--out",
                &format!("{out_dir}-run"),
            ],
        );
        expect_code(&run, 0);
    }
}

#[test]
fn calibration_recovers_the_offer_that_generated_the_observations() {
    let tmp = tempfile::tempdir().unwrap();
    let true_offer = 0.35;
    let generate = run_in(
        tmp.path(),
        &[
            "run",
            &ultimatum(),
            "--set",
            &format!("offer={true_offer}"),
            "--trials",
            "400",
            "--seed",
            "7",
            "--quiet",
            "--out",
            "observed",
        ],
    );
    expect_code(&generate, 0);
    let observed = tmp.path().join("observed/trials.csv");
    let (headers, rows) = csv_rows(&observed);
    let outcome = column(&headers, "outcome");
    let accepted = rows.iter().filter(|r| r[outcome] == "accept").count() as f64;
    let rate = accepted / rows.len() as f64;
    // Maximum-likelihood offer: logistic(λ (x − r)) = observed acceptance rate.
    let mle = RESERVATION + (rate / (1.0 - rate)).ln() / 8.0;

    let out = run_in(
        tmp.path(),
        &[
            "tune",
            &ultimatum(),
            "--param",
            "offer=0.05:0.95",
            "--calibrate",
            observed.to_str().unwrap(),
            "--trials",
            "1",
            "--budget",
            "60",
            "--quiet",
            "--out",
            "cal",
        ],
    );
    expect_code(&out, 0);
    let meta = json(&tmp.path().join("cal/tune.json"));
    assert_eq!(meta["direction"], "calibrate");
    let best = meta["best"]["offer"].as_f64().unwrap();
    assert!((best - mle).abs() < 2e-3, "best {best}, maximum-likelihood {mle}");
    let interval = meta["intervals"]["offer"]
        .as_array()
        .expect("an interval for calibration");
    let (low, high) = (interval[0].as_f64().unwrap(), interval[1].as_f64().unwrap());
    assert!(low < best && best < high);
    assert!(
        low <= true_offer && true_offer <= high,
        "[{low}, {high}] misses {true_offer}"
    );
    // Width against the Fisher information of n Bernoulli trials: se = 1 / (λ sqrt(n p (1 − p))).
    let se = 1.0 / (8.0 * (rows.len() as f64 * rate * (1.0 - rate)).sqrt());
    assert!(
        ((high - low) / (2.0 * 1.96 * se) - 1.0).abs() < 0.1,
        "[{low}, {high}] vs se {se}"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("log-likelihood") && stdout.contains("interval"),
        "{stdout}"
    );
}

// ------------------------------------------------------------------- sensitivity

const PI_RANGE: [&str; 3] = [
    "x1=-3.141592653589793:3.141592653589793",
    "x2=-3.141592653589793:3.141592653589793",
    "x3=-3.141592653589793:3.141592653589793",
];

fn sensitivity_args<'a>(method: &'a str, samples: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args = vec![
        "sensitivity",
        "--method",
        method,
        "--samples",
        samples,
        "--trials",
        "1",
    ];
    for range in &PI_RANGE {
        args.extend(["--param", range]);
    }
    args.extend(["--quiet", "--out", out]);
    args
}

#[test]
fn sobol_sensitivity_of_ishigami_matches_known_indices() {
    let tmp = tempfile::tempdir().unwrap();
    let path = ishigami();
    let mut args = sensitivity_args("sobol", "1024", "sobol");
    args.insert(1, &path);
    let out = run_in(tmp.path(), &args);
    expect_code(&out, 0);
    let dir = tmp.path().join("sobol");
    let (headers, rows) = csv_rows(&dir.join("sensitivity.csv"));
    assert_eq!(
        headers,
        [
            "method",
            "parameter",
            "metric",
            "key",
            "index",
            "value",
            "ci_low",
            "ci_high"
        ]
    );
    // 2 metrics (p(done), payoff(analyst)) × 3 parameters × (S1, ST).
    assert_eq!(rows.len(), 12);
    let known = [
        ("x1", 0.3139, 0.5576),
        ("x2", 0.4424, 0.4424),
        ("x3", 0.0, 0.2437),
    ];
    for (parameter, s1, st) in known {
        for (index, value) in [("S1", s1), ("ST", st)] {
            let row = rows
                .iter()
                .find(|r| r[0] == "sobol" && r[1] == parameter && r[3] == "analyst" && r[4] == index)
                .unwrap_or_else(|| panic!("no {index} row for {parameter}"));
            let (estimate, low, high) = (number(&row[5]), number(&row[6]), number(&row[7]));
            assert!(
                low <= value && value <= high,
                "{parameter} {index}: {estimate} [{low}, {high}] vs {value}"
            );
            assert!(high - low < 0.3, "{row:?}: interval too wide to mean anything");
        }
    }
    // The probability of the only outcome never varies: its indices are undefined (empty).
    assert!(rows.iter().filter(|r| r[3] == "done").all(|r| r[5].is_empty()));
    let meta = json(&dir.join("sensitivity.json"));
    assert_eq!(meta["command"], "sensitivity");
    assert_eq!(meta["method"], "sobol");
    assert_eq!(meta["evaluations"], 1024 * 5);
    assert_eq!(meta["params"], serde_json::json!(["x1", "x2", "x3"]));
    let stdout = text(&out.stdout);
    // Ranked by ST: x1 first, then x2, then x3, for the payoff.
    let payoff = &stdout[stdout.find("expected_payoff analyst").unwrap()..];
    let (a, b, c) = (
        payoff.find("x1").unwrap(),
        payoff.find("x2").unwrap(),
        payoff.find("x3").unwrap(),
    );
    assert!(a < b && b < c, "{stdout}");
}

#[test]
fn morris_sensitivity_writes_mu_mu_star_and_sigma() {
    let tmp = tempfile::tempdir().unwrap();
    let path = ishigami();
    let mut args = sensitivity_args("morris", "20", "morris");
    args.insert(1, &path);
    let out = run_in(tmp.path(), &args);
    expect_code(&out, 0);
    let dir = tmp.path().join("morris");
    let (_, rows) = csv_rows(&dir.join("sensitivity.csv"));
    assert_eq!(rows.len(), 2 * 3 * 3);
    for parameter in ["x1", "x2", "x3"] {
        let get = |index: &str| {
            number(
                &rows
                    .iter()
                    .find(|r| r[0] == "morris" && r[1] == parameter && r[3] == "analyst" && r[4] == index)
                    .unwrap()[5],
            )
        };
        let (mu, mu_star, sigma) = (get("mu"), get("mu_star"), get("sigma"));
        assert!(
            mu_star >= mu.abs() - 1e-12 && sigma >= 0.0,
            "{parameter}: {mu} {mu_star} {sigma}"
        );
    }
    // x3 enters only through x3⁴ sin(x1): its mean effect is small against x2's.
    let mu_star = |p: &str| {
        number(
            &rows
                .iter()
                .find(|r| r[1] == p && r[3] == "analyst" && r[4] == "mu_star")
                .unwrap()[5],
        )
    };
    assert!(mu_star("x2") > mu_star("x3"));
    assert_eq!(json(&dir.join("sensitivity.json"))["evaluations"], 20 * 4);
}

// ------------------------------------------------------------------- report

fn check_report(dir: &Path) {
    let html = read(&dir.join("report.html"));
    assert!(html.contains("<svg"), "{}: no inline SVG", dir.display());
    let figures: Vec<PathBuf> = std::fs::read_dir(dir.join("figures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!figures.is_empty(), "{}: no figures", dir.display());
    for figure in figures {
        assert_eq!(figure.extension().unwrap(), "svg");
        let svg = read(&figure);
        let mut reader = quick_xml::Reader::from_str(&svg);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{}: not well-formed XML: {e}", figure.display()),
            }
        }
    }
}

#[test]
fn report_on_every_kind_of_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let u = ultimatum();
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", &u, "--trials", "20", "--quiet", "--report", "--out", "run"],
        vec![
            "sweep",
            &u,
            "--vary",
            "offer=0.1:0.5:3",
            "--vary",
            "lambda=2,8",
            "--trials",
            "1",
            "--out",
            "sweep",
        ],
        vec![
            "sweep",
            &u,
            "--vary",
            "offer=0.1:0.5:4",
            "--trials",
            "1",
            "--out",
            "sweep1",
        ],
        vec![
            "tune",
            &u,
            "--param",
            "offer=0:1",
            "--minimize",
            "p(reject)",
            "--trials",
            "1",
            "--budget",
            "10",
            "--out",
            "tune",
        ],
        vec![
            "sensitivity",
            &u,
            "--param",
            "offer=0:1",
            "--param",
            "lambda=1:10",
            "--samples",
            "8",
            "--trials",
            "1",
            "--out",
            "sens",
        ],
    ];
    for args in &commands {
        let out = run_in(tmp.path(), args);
        expect_code(&out, 0);
    }
    // `run --report` wrote it already.
    check_report(&tmp.path().join("run"));
    for dir in ["run", "sweep", "sweep1", "tune", "sens"] {
        let out = run_in(tmp.path(), &["report", dir]);
        expect_code(&out, 0);
        assert!(text(&out.stdout).contains("report.html"));
        check_report(&tmp.path().join(dir));
    }
    let out = run_in(tmp.path(), &["report", "tune", "--out", "elsewhere.html"]);
    expect_code(&out, 0);
    assert!(read(&tmp.path().join("elsewhere.html")).contains("<svg"));
}

// ------------------------------------------------------------------- bad input

/// Runs a command that must be refused: exit code 2, a message containing `needle`, and
/// no output folder `bad` left behind.
fn check_refused(dir: &Path, args: &[&str], needle: &str) {
    let out = run_in(dir, args);
    expect_code(&out, 2);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(needle),
        "{args:?}: expected `{needle}` in\n{stderr}"
    );
    assert!(!dir.join("bad").exists(), "{args:?} created the output folder");
}

#[test]
fn bad_input_is_refused_with_exit_code_2_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (u, i) = (ultimatum(), ishigami());
    // A scenario with an outcome no path of the game ends in.
    let unreachable = dir.join("unreachable.toml");
    std::fs::write(
        &unreachable,
        format!("{}\n[outcomes.walkout]\n", read(Path::new(&u))),
    )
    .unwrap();
    let unreachable = unreachable.display().to_string();
    std::fs::write(dir.join("walkout.csv"), "outcome\naccept\nwalkout\n").unwrap();
    std::fs::write(dir.join("unknown.csv"), "outcome\naccept\nsummit\n").unwrap();
    std::fs::write(dir.join("ragged.csv"), "outcome,count\naccept,1\nreject\n").unwrap();
    std::fs::write(dir.join("nocolumn.csv"), "result\naccept\n").unwrap();
    std::fs::create_dir(dir.join("exists")).unwrap();

    let tune = |extra: &[&'static str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "tune",
            &u,
            "--param",
            "offer=0:1",
            "--trials",
            "1",
            "--out",
            "bad",
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            strings(&["sweep", &u, "--vary", "nope=0:1:3", "--out", "bad"]),
            "unknown parameter `nope`",
        ),
        (
            strings(&["sweep", &u, "--vary", "offer=0.1:0.5", "--out", "bad"]),
            "expected `offer=LO:HI:N`",
        ),
        (
            strings(&["sweep", &u, "--vary", "offer=0.1:0.5:x", "--out", "bad"]),
            "not a positive whole number",
        ),
        (
            strings(&["sweep", &u, "--vary", "offer=0.1:0.5:1", "--out", "bad"]),
            "at least 2 values",
        ),
        (
            strings(&["sweep", &u, "--vary", "offer=0.1,abc", "--out", "bad"]),
            "`abc` is not a number",
        ),
        (
            strings(&["sweep", &u, "--vary", "offer=0.5:1.5:3", "--out", "bad"]),
            "outside the range",
        ),
        (
            strings(&["sweep", &i, "--vary", "x1=-5:0:3", "--out", "bad"]),
            "outside the range",
        ),
        (
            strings(&[
                "sweep",
                &u,
                "--vary",
                "offer=0:1:3",
                "--points",
                "4",
                "--out",
                "bad",
            ]),
            "--design lhs",
        ),
        (
            strings(&[
                "sweep",
                &u,
                "--vary",
                "offer=0:1:3",
                "--set",
                "offer=0.5",
                "--out",
                "bad",
            ]),
            "--set",
        ),
        (
            strings(&["sweep", &u, "--vary", "offer=0:1:3", "--out", "exists"]),
            "exists",
        ),
        (
            strings(&[
                "sweep",
                &u,
                "--vary",
                "offer=0:1:3",
                "--trials",
                "0",
                "--out",
                "bad",
            ]),
            "--trials",
        ),
        (tune(&["--maximize", "p(summit)"]), "summit"),
        (tune(&["--maximize", "payoff(nobody)"]), "nobody"),
        (tune(&["--minimize", "p(accept) +"]), "--minimize"),
        (tune(&["--maximize", "p(accept)", "--budget", "0"]), "--budget"),
        (
            strings(&[
                "tune",
                &u,
                "--param",
                "nope=0:1",
                "--maximize",
                "p(accept)",
                "--out",
                "bad",
            ]),
            "unknown parameter `nope`",
        ),
        (
            strings(&[
                "tune",
                &u,
                "--param",
                "lambda=0:30",
                "--maximize",
                "p(accept)",
                "--out",
                "bad",
            ]),
            "outside the range",
        ),
        (
            strings(&[
                "tune",
                &u,
                "--param",
                "offer=0.6:0.2",
                "--maximize",
                "p(accept)",
                "--out",
                "bad",
            ]),
            "empty range",
        ),
        (
            strings(&[
                "tune",
                &u,
                "--param",
                "offer=0:1",
                "--param",
                "offer=0:0.5",
                "--maximize",
                "p(accept)",
                "--out",
                "bad",
            ]),
            "twice",
        ),
        (tune(&["--calibrate", "missing.csv"]), "missing.csv"),
        (
            tune(&["--calibrate", "unknown.csv"]),
            "unknown.csv:3:1: observed outcome `summit` is not an outcome",
        ),
        (tune(&["--calibrate", "ragged.csv"]), "ragged.csv:3"),
        (tune(&["--calibrate", "nocolumn.csv"]), "no `outcome` column"),
        (
            strings(&[
                "tune",
                &unreachable,
                "--param",
                "offer=0:1",
                "--calibrate",
                "walkout.csv",
                "--out",
                "bad",
            ]),
            "cannot happen in this scenario",
        ),
        (
            strings(&["sensitivity", &i, "--param", "x1=-5:0", "--out", "bad"]),
            "outside the range",
        ),
        (
            strings(&["sensitivity", &i, "--param", "x9=0:1", "--out", "bad"]),
            "unknown parameter `x9`",
        ),
        (
            strings(&[
                "sensitivity",
                &i,
                "--param",
                "x1=0:1",
                "--samples",
                "0",
                "--out",
                "bad",
            ]),
            "error",
        ),
        (
            strings(&[
                "sensitivity",
                &i,
                "--param",
                "x1=0:1",
                "--levels",
                "4",
                "--out",
                "bad",
            ]),
            "--levels",
        ),
        (strings(&["report", "exists"]), "not a demarche output folder"),
        (strings(&["report", "bad"]), "not a demarche output folder"),
    ];
    for (args, needle) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check_refused(dir, &args, needle);
    }
    assert!(dir.join("exists").is_dir(), "an existing folder was removed");
    // The error names the line of the observed file, as `file:line:col`.
    let out = run_in(
        dir,
        &tune(&["--calibrate", "ragged.csv"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        text(&out.stderr).contains("malformed CSV"),
        "{}",
        text(&out.stderr)
    );

    // A malformed CSV in an output folder: the report names the file and line.
    let out = run_in(
        dir,
        &[
            "sweep",
            &u,
            "--vary",
            "offer=0.1:0.5:3",
            "--trials",
            "1",
            "--out",
            "sw",
        ],
    );
    expect_code(&out, 0);
    let csv = read(&dir.join("sw/sweep.csv"))
        .replacen(",accept,", ",accept,abc", 1)
        .replace("\n1,", "\n1,x,");
    std::fs::write(dir.join("sw/sweep.csv"), csv).unwrap();
    let out = run_in(dir, &["report", "sw"]);
    expect_code(&out, 2);
    assert!(text(&out.stderr).contains("sweep.csv:"), "{}", text(&out.stderr));
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}
