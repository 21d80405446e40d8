//! Tests of `demarche report`: the fixtures in `tests/data/report/` are hand-written output
//! folders; each test copies one into a temporary folder and reports on it there.
//!
//! Golden structure files live in `tests/golden/report/`; `BLESS=1 cargo test --test
//! report` rewrites them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use demarche::report::figures::{Figure, FigureData};
use demarche::report::{FolderKind, Report, ReportError, build_report, render_svg, write_report};
use quick_xml::events::Event;

const FIXTURES: [&str; 7] = [
    "run",
    "sweep_line",
    "sweep_grid",
    "sweep_lhs",
    "tune",
    "sensitivity_sobol",
    "sensitivity_morris",
];

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/report")
        .join(name)
}

/// Copies a fixture folder into a fresh temporary folder.
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join(name);
    fs::create_dir(&dir).unwrap();
    for entry in fs::read_dir(fixture_dir(name)).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    (temp, dir)
}

/// A CSV as a list of maps from column name to cell, read independently of the report code.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, column: &str) -> f64 {
    let text = &row[column];
    if text.is_empty() {
        f64::NAN
    } else {
        text.parse().unwrap()
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// Element counts of a well-formed XML document; panics (failing the test) if it is not
/// well-formed.
fn xml_element_counts(text: &str, what: &str) -> BTreeMap<String, usize> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0i64;
    let mut counts = BTreeMap::new();
    let mut roots = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                *counts
                    .entry(String::from_utf8_lossy(e.name().as_ref()).into_owned())
                    .or_insert(0) += 1;
            }
            Ok(Event::Empty(e)) => {
                if depth == 0 {
                    roots += 1;
                }
                *counts
                    .entry(String::from_utf8_lossy(e.name().as_ref()).into_owned())
                    .or_insert(0) += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{what} is not well-formed XML at {}: {e}",
                reader.error_position()
            ),
        }
        assert!(depth >= 0, "{what}: more closing than opening tags");
    }
    assert_eq!(depth, 0, "{what}: unclosed elements");
    assert_eq!(roots, 1, "{what}: expected one root element");
    counts
}

/// The text of the first element named `tag` whose attribute `attr` equals `value`.
fn element_text(xml: &str, tag: &str, attr: &str, value: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut text = String::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == tag.as_bytes() => {
                inside = e.attributes().any(|a| {
                    let a = a.unwrap();
                    a.key.as_ref() == attr.as_bytes() && a.value.as_ref() == value.as_bytes()
                });
            }
            Event::Text(t) if inside => text.push_str(&t.unescape().unwrap()),
            Event::End(e) if inside && e.name().as_ref() == tag.as_bytes() => return Some(text),
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[test]
fn every_fixture_writes_well_formed_svgs_and_html() {
    for name in FIXTURES {
        let (_temp, dir) = copy_fixture(name);
        let summary = write_report(&dir, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(summary.html, dir.join("report.html"));
        assert!(!summary.figures.is_empty(), "{name}: no figures");
        let html = fs::read_to_string(&summary.html).unwrap();
        let html_counts = xml_element_counts(
            html.trim_start_matches("<!DOCTYPE html>"),
            &format!("{name} html"),
        );
        assert_eq!(
            html_counts.get("svg"),
            Some(&summary.figures.len()),
            "{name}: one inline svg per figure"
        );
        // Self-contained: nothing is fetched.
        for needle in ["http://", "https://", "src=", "href=", "@import", "url("] {
            let outside_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(
                !outside_namespace.contains(needle),
                "{name}: report.html contains {needle:?}"
            );
        }
        for path in &summary.figures {
            let svg = fs::read_to_string(path).unwrap();
            let counts = xml_element_counts(&svg, &path.display().to_string());
            for tag in ["svg", "title", "desc", "metadata"] {
                assert!(counts.contains_key(tag), "{}: no <{tag}>", path.display());
            }
            assert!(
                counts.get("text").copied().unwrap_or(0) > 5,
                "{}: too little text",
                path.display()
            );
        }
        // Only the report and the figures were added; no temporary files are left.
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected: Vec<String> = fs::read_dir(fixture_dir(name))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        expected.extend(["figures".to_owned(), "report.html".to_owned()]);
        expected.sort();
        assert_eq!(names, expected, "{name}");
        assert_eq!(
            fs::read_dir(dir.join("figures")).unwrap().count(),
            summary.figures.len(),
            "{name}"
        );
    }
}

#[test]
fn every_figure_has_labels_legend_and_caption() {
    for name in FIXTURES {
        let report = build_report(&fixture_dir(name)).unwrap();
        let p = &report.provenance;
        for figure in &report.figures {
            let what = format!("{name}/{}", figure.id);
            assert!(
                !figure.title.is_empty() && !figure.x_label.is_empty() && !figure.y_label.is_empty(),
                "{what}"
            );
            // Units in parentheses, or a unit-like word.
            for label in [&figure.x_label, &figure.y_label] {
                assert!(
                    label.contains('(')
                        || ["probability", "parameter", "outcome", "actor"].contains(&label.as_str()),
                    "{what}: axis label {label:?} has no unit"
                );
            }
            for fact in [
                p.scenario.clone(),
                format!("seed {}", p.seed),
                format!("{} trials", p.trials),
                p.version.clone(),
            ] {
                assert!(
                    figure.caption.contains(&fact),
                    "{what}: caption {:?} lacks {fact:?}",
                    figure.caption
                );
            }
            let svg = render_svg(figure).unwrap();
            let drawn = svg_texts(&svg);
            for text in [&figure.title, &figure.x_label, &figure.y_label] {
                assert!(drawn.contains(text), "{what}: {text:?} not drawn");
            }
            let caption_start: String = figure.caption.chars().take(40).collect();
            assert!(
                drawn.iter().any(|t| t.starts_with(&caption_start)),
                "{what}: caption not drawn"
            );
            // A legend naming what is drawn (a colour bar for heat maps).
            let has = |label: &str| drawn.iter().any(|t| t.starts_with(label));
            let legend = match &figure.data {
                FigureData::HeatMap(_) => has("colour scale"),
                FigureData::IntervalBars { .. } => has("mean") && has("95% interval"),
                FigureData::Histogram { .. } => has("trials per bin") && has("mean payoff"),
                FigureData::StackedShares(s) => s.outcomes.iter().all(|o| has(o)),
                FigureData::LineBands(l) => l.series.iter().all(|s| has(&s.label)),
                FigureData::Convergence(_) => has("best so far") && has("best point"),
                FigureData::Tornado(t) => {
                    has(&t.primary_index.replace("_star", "*"))
                        && has(&t.secondary_index)
                        && has("95% interval")
                }
            };
            assert!(legend, "{what}: no legend");
        }
    }
}

/// The contents of every `<text>` element.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut inside = false;
    let mut texts = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == b"text" => {
                inside = true;
                texts.push(String::new());
            }
            Event::Text(t) if inside => texts.last_mut().unwrap().push_str(t.unescape().unwrap().trim()),
            Event::End(e) if e.name().as_ref() == b"text" => inside = false,
            Event::Eof => return texts,
            _ => {}
        }
    }
}

/// JSON equality with numbers equal to 1e-14 relative (serde_json's default float parsing
/// may differ from the writer in the last bit).
fn json_close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-14 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_close(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_close(v, w)))
        }
        _ => a == b,
    }
}

/// The JSON embedded in each SVG and in the HTML equals the figure's data.
#[test]
fn embedded_json_is_the_figure_data() {
    for name in FIXTURES {
        let (_temp, dir) = copy_fixture(name);
        let report = build_report(&dir).unwrap();
        write_report(&dir, None).unwrap();
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        let html_xml = html.trim_start_matches("<!DOCTYPE html>");
        for figure in &report.figures {
            let expected = serde_json::to_value(figure).unwrap();
            let svg = fs::read_to_string(dir.join("figures").join(format!("{}.svg", figure.id))).unwrap();
            let in_svg = element_text(&svg, "metadata", "data-figure", &figure.id).expect("metadata");
            let parsed: serde_json::Value = serde_json::from_str(&in_svg).unwrap();
            assert!(
                json_close(&parsed, &expected),
                "{name}/{}: {parsed} != {expected}",
                figure.id
            );
            let in_html = element_text(html_xml, "script", "data-figure", &figure.id).expect("script block");
            let parsed: serde_json::Value = serde_json::from_str(&in_html).unwrap();
            assert!(
                json_close(&parsed, &expected),
                "{name}/{}: {parsed} != {expected}",
                figure.id
            );
        }
    }
}

fn figure<'a>(report: &'a Report, id: &str) -> &'a Figure {
    report
        .figures
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no figure {id}"))
}

#[test]
fn run_figures_match_summary_and_trials() {
    let dir = fixture_dir("run");
    let report = build_report(&dir).unwrap();
    assert_eq!(report.kind, FolderKind::Run);
    let summary = read_csv(&dir.join("summary.csv"));
    let trials = read_csv(&dir.join("trials.csv"));
    assert_eq!(report.trials_read, Some(trials.len() as u64));

    for (id, metric) in [
        ("outcome_probabilities", "outcome_probability"),
        ("expected_payoffs", "expected_payoff"),
    ] {
        let FigureData::IntervalBars { bars } = &figure(&report, id).data else {
            panic!("{id}")
        };
        let rows: Vec<_> = summary.iter().filter(|r| r["metric"] == metric).collect();
        assert_eq!(bars.len(), rows.len(), "{id}");
        for row in rows {
            let bar = bars.iter().find(|b| b.label == row["key"]).unwrap();
            assert!(same(bar.mean, num(row, "mean")) && same(bar.ci_low, num(row, "ci_low")));
            assert!(same(bar.ci_high, num(row, "ci_high")) && bar.n as f64 == num(row, "n"));
        }
    }

    for actor in ["usa", "iran"] {
        let FigureData::Histogram { histogram, .. } = &figure(&report, &format!("payoff_{actor}")).data
        else {
            panic!()
        };
        let values: Vec<f64> = trials
            .iter()
            .map(|r| num(r, &format!("payoff_{actor}")))
            .collect();
        assert_eq!(histogram.count as usize, values.len());
        assert_eq!(histogram.counts.iter().sum::<u64>() as usize, values.len());
        let mut direct = vec![0u64; histogram.counts.len()];
        for v in &values {
            let bin = histogram
                .edges
                .windows(2)
                .position(|e| e[0] <= *v && *v < e[1])
                .expect("value in a bin");
            direct[bin] += 1;
        }
        assert_eq!(direct, histogram.counts, "{actor}");
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((histogram.mean - mean).abs() < 1e-12, "{actor}");
    }

    let FigureData::StackedShares(mix) = &figure(&report, "outcome_mix_by_round").data else {
        panic!()
    };
    let mut direct: BTreeMap<u64, BTreeMap<String, u64>> = BTreeMap::new();
    for row in &trials {
        *direct
            .entry(row["rounds"].parse().unwrap())
            .or_default()
            .entry(row["outcome"].clone())
            .or_default() += 1;
    }
    assert_eq!(mix.rounds, direct.keys().copied().collect::<Vec<_>>());
    for (r, round) in mix.rounds.iter().enumerate() {
        for (o, outcome) in mix.outcomes.iter().enumerate() {
            assert_eq!(
                mix.counts[r][o],
                direct[round].get(outcome).copied().unwrap_or(0),
                "round {round} {outcome}"
            );
        }
        assert!((mix.shares[r].iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn sweep_figures_match_sweep_csv() {
    // One varied parameter: lines with bands, one series per key, points sorted by x.
    let dir = fixture_dir("sweep_line");
    let report = build_report(&dir).unwrap();
    let rows = read_csv(&dir.join("sweep.csv"));
    for metric in ["outcome_probability", "expected_payoff"] {
        let FigureData::LineBands(bands) = &figure(&report, &format!("{metric}_vs_resolve")).data else {
            panic!()
        };
        assert!(bands.connect);
        let expected: Vec<_> = rows.iter().filter(|r| r["metric"] == metric).collect();
        assert_eq!(
            bands.series.iter().map(|s| s.points.len()).sum::<usize>(),
            expected.len()
        );
        for row in expected {
            let series = bands.series.iter().find(|s| s.key == row["key"]).unwrap();
            let point = series
                .points
                .iter()
                .find(|p| p.point.to_string() == row["point"])
                .unwrap();
            assert!(same(point.x, num(row, "resolve")) && same(point.mean, num(row, "mean")));
            assert!(same(point.ci_low, num(row, "ci_low")) && same(point.ci_high, num(row, "ci_high")));
        }
        for series in &bands.series {
            assert!(series.points.windows(2).all(|w| w[0].x <= w[1].x));
        }
    }

    // Two-parameter grid: a heat map per metric and key, each cell the row's mean.
    let dir = fixture_dir("sweep_grid");
    let report = build_report(&dir).unwrap();
    let rows = read_csv(&dir.join("sweep.csv"));
    let keys: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|r| (r["metric"].clone(), r["key"].clone()))
        .collect();
    assert_eq!(report.figures.len(), keys.len());
    for row in &rows {
        let FigureData::HeatMap(map) =
            &figure(&report, &format!("{}_{}_heatmap", row["metric"], row["key"])).data
        else {
            panic!()
        };
        let ix = map.xs.iter().position(|&x| x == num(row, "resolve")).unwrap();
        let iy = map.ys.iter().position(|&y| y == num(row, "pressure")).unwrap();
        assert!(same(map.values[iy][ix], num(row, "mean")));
    }

    // Latin hypercube over two parameters: points against each parameter, unconnected.
    let report = build_report(&fixture_dir("sweep_lhs")).unwrap();
    for id in [
        "outcome_probability_vs_resolve",
        "outcome_probability_vs_pressure",
        "expected_payoff_vs_pressure",
    ] {
        let FigureData::LineBands(bands) = &figure(&report, id).data else {
            panic!()
        };
        assert!(!bands.connect, "{id}");
    }
}

#[test]
fn tune_figure_matches_tune_csv() {
    let dir = fixture_dir("tune");
    let report = build_report(&dir).unwrap();
    let rows = read_csv(&dir.join("tune.csv"));
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("tune.json")).unwrap()).unwrap();
    let FigureData::Convergence(c) = &figure(&report, "tune_objective").data else {
        panic!()
    };
    assert!(c.maximize, "the objective says maximize");
    assert_eq!(c.evals.len(), rows.len());
    let mut running = f64::NEG_INFINITY;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(c.evals[i].to_string(), row["eval"]);
        assert!(same(c.objectives[i], num(row, "objective")) && same(c.std_errs[i], num(row, "std_err")));
        running = running.max(num(row, "objective"));
        assert_eq!(c.best_so_far[i], running);
    }
    // The marked point is the evaluation at tune.json's best parameters.
    let best = c.best_index.unwrap();
    for (name, value) in meta["best"].as_object().unwrap() {
        assert_eq!(num(&rows[best], name), value.as_f64().unwrap(), "{name}");
    }
    assert_eq!(c.best_objective, meta["best_objective"].as_f64());
}

#[test]
fn sensitivity_figures_match_sensitivity_csv() {
    for (name, primary, secondary) in [
        ("sensitivity_sobol", "ST", "S1"),
        ("sensitivity_morris", "mu_star", "sigma"),
    ] {
        let dir = fixture_dir(name);
        let report = build_report(&dir).unwrap();
        let rows = read_csv(&dir.join("sensitivity.csv"));
        for figure in &report.figures {
            let FigureData::Tornado(t) = &figure.data else {
                panic!()
            };
            assert_eq!(
                (t.primary_index.as_str(), t.secondary_index.as_str()),
                (primary, secondary)
            );
            let group: Vec<_> = rows
                .iter()
                .filter(|r| r["metric"] == t.metric && r["key"] == t.key)
                .collect();
            assert!(
                t.bars
                    .windows(2)
                    .all(|w| w[0].primary.value >= w[1].primary.value),
                "{}: not sorted",
                figure.id
            );
            for row in group {
                let bar = t.bars.iter().find(|b| b.parameter == row["parameter"]).unwrap();
                let shown = match row["index"].as_str() {
                    i if i == primary => bar.primary,
                    i if i == secondary => bar.secondary,
                    _ => continue,
                };
                assert!(same(shown.value, num(row, "value")), "{}: {:?}", figure.id, row);
                assert!(same(shown.ci_low, num(row, "ci_low")) && same(shown.ci_high, num(row, "ci_high")));
            }
        }
        let groups: std::collections::BTreeSet<_> = rows
            .iter()
            .map(|r| (r["metric"].clone(), r["key"].clone()))
            .collect();
        assert_eq!(report.figures.len(), groups.len(), "{name}");
    }
}

/// The report's structure: figures, titles, labels, data sizes and SVG element counts.
fn structure(name: &str) -> String {
    let (_temp, dir) = copy_fixture(name);
    let report = build_report(&dir).unwrap();
    write_report(&dir, None).unwrap();
    let mut out = String::new();
    let _ = writeln!(out, "kind: {:?}", report.kind);
    let _ = writeln!(
        out,
        "facts: {}",
        report
            .facts
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for table in &report.tables {
        let _ = writeln!(
            out,
            "table: {} [{}] rows={}",
            table.title,
            table.headers.join(","),
            table.rows.len()
        );
    }
    for figure in &report.figures {
        let _ = writeln!(out, "figure: {}", figure.id);
        let _ = writeln!(out, "  title: {}", figure.title);
        let _ = writeln!(out, "  x: {}", figure.x_label);
        let _ = writeln!(out, "  y: {}", figure.y_label);
        let size = match &figure.data {
            FigureData::IntervalBars { bars } => format!("interval_bars bars={}", bars.len()),
            FigureData::Histogram { histogram, .. } => format!("histogram bins={}", histogram.counts.len()),
            FigureData::StackedShares(s) => {
                format!("stacked rounds={} outcomes={}", s.rounds.len(), s.outcomes.len())
            }
            FigureData::LineBands(l) => format!(
                "line_bands connect={} series={} points={}",
                l.connect,
                l.series.len(),
                l.series.iter().map(|s| s.points.len()).sum::<usize>()
            ),
            FigureData::HeatMap(h) => format!("heat_map {}x{}", h.xs.len(), h.ys.len()),
            FigureData::Convergence(c) => {
                format!("convergence evals={} best={:?}", c.evals.len(), c.best_index)
            }
            FigureData::Tornado(t) => format!(
                "tornado {}/{} order={}",
                t.primary_index,
                t.secondary_index,
                t.bars
                    .iter()
                    .map(|b| b.parameter.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let _ = writeln!(out, "  data: {size}");
        let svg = fs::read_to_string(dir.join("figures").join(format!("{}.svg", figure.id))).unwrap();
        let counts = xml_element_counts(&svg, &figure.id);
        let _ = writeln!(
            out,
            "  svg: {}",
            counts
                .iter()
                .map(|(tag, n)| format!("{tag}={n}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    out
}

#[test]
fn golden_report_structure() {
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/report");
    let bless = std::env::var("BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for name in FIXTURES {
        let actual = structure(name);
        let path = golden_dir.join(format!("{name}.txt"));
        if bless {
            fs::create_dir_all(&golden_dir).unwrap();
            fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run BLESS=1 cargo test --test report", path.display()));
        if expected != actual {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "golden structure changed (BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}

/// Writes a run folder with `rows` generated trials (deterministic, no RNG needed).
fn write_large_run(dir: &Path, rows: usize) {
    fs::create_dir_all(dir).unwrap();
    let outcomes = ["deal", "walkout", "summit"];
    let run_json = serde_json::json!({
        "command": "run", "scenario": "generated.toml", "scenario_hash": "00", "seed": 1,
        "trials": rows, "solver": "qre", "lambda": 1.0, "version": "0.1.0",
        "outcomes": outcomes, "actors": ["a", "b"], "timings": {}, "completed_trials": rows, "interrupted": false
    });
    fs::write(dir.join("run.json"), run_json.to_string()).unwrap();
    fs::write(
        dir.join("summary.csv"),
        "metric,key,mean,std_err,ci_low,ci_high,n\n\
         outcome_probability,deal,0.5,0.001,0.498,0.502,1\n\
         outcome_probability,walkout,0.3,0.001,0.298,0.302,1\n\
         outcome_probability,summit,0.2,0.001,0.198,0.202,1\n\
         expected_payoff,a,1.0,0.01,0.98,1.02,1\nexpected_payoff,b,-1.0,0.01,-1.02,-0.98,1\n",
    )
    .unwrap();
    let mut text = String::with_capacity(rows * 90);
    text.push_str("trial,outcome,rounds,path,payoff_a,payoff_b,theta,p_deal,p_walkout,p_summit,ev_a,ev_b\n");
    for i in 0..rows {
        // Payoffs spread wider as i grows, so the streaming histogram must rebin.
        let x = (i as f64 * 0.618_033_988_7).fract();
        let a = (x - 0.5) * (1.0 + i as f64 / 1000.0);
        let b = (i % 97) as f64 * 0.25 - 3.0;
        let _ = writeln!(
            text,
            "{i},{},{},p,{a},{b},{x},0.5,0.3,0.2,1.0,-1.0",
            outcomes[i % 3],
            1 + (i * 7) % 5
        );
    }
    fs::write(dir.join("trials.csv"), text).unwrap();
}

#[test]
fn large_trials_file_is_streamed() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("big");
    let rows = 200_000;
    write_large_run(&dir, rows);
    let started = std::time::Instant::now();
    let summary = write_report(&dir, None).unwrap();
    eprintln!("report of {rows} trials took {:?}", started.elapsed());
    assert_eq!(summary.trials_read, Some(rows as u64));
    let report = build_report(&dir).unwrap();
    let FigureData::Histogram { histogram, .. } = &figure(&report, "payoff_a").data else {
        panic!()
    };
    assert_eq!(histogram.counts.iter().sum::<u64>(), rows as u64);
    assert!(histogram.counts.len() <= 40);
    // Independent re-bucketing of the column with the final edges.
    let mut reader = csv::Reader::from_path(dir.join("trials.csv")).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "payoff_a")
        .unwrap();
    let mut direct = vec![0u64; histogram.counts.len()];
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).unwrap() {
        let v: f64 = std::str::from_utf8(&record[column]).unwrap().parse().unwrap();
        direct[histogram
            .edges
            .windows(2)
            .position(|e| e[0] <= v && v < e[1])
            .unwrap()] += 1;
    }
    assert_eq!(direct, histogram.counts);
    let FigureData::StackedShares(mix) = &figure(&report, "outcome_mix_by_round").data else {
        panic!()
    };
    assert_eq!(mix.counts.iter().flatten().sum::<u64>(), rows as u64);
}

/// Writes `files` into a fresh folder and checks that the report fails with a message
/// containing each of `expected` (file name, line), without writing the report.
fn check_error(files: &[(&str, &str)], expected: &[&str]) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("out");
    fs::create_dir(&dir).unwrap();
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    let error = write_report(&dir, None).expect_err("expected an error");
    let message = error.to_string();
    for needle in expected {
        assert!(message.contains(needle), "error {message:?} lacks {needle:?}");
    }
    assert!(
        !dir.join("report.html").exists() && !dir.join("figures").exists(),
        "{message}"
    );
}

const RUN_JSON: &str = r#"{"command":"run","scenario":"s.toml","seed":1,"trials":2,"version":"0.1.0",
"outcomes":["x","y"],"actors":["a"],"completed_trials":2,"interrupted":false}"#;
const SUMMARY: &str = "metric,key,mean,std_err,ci_low,ci_high,n\noutcome_probability,x,0.5,0.1,0.3,0.7,2\n";

#[test]
fn bad_folders_give_located_errors() {
    let missing = Path::new("/nonexistent/demarche/output");
    assert!(matches!(
        write_report(missing, None),
        Err(ReportError::NotAnOutputFolder { .. })
    ));
    check_error(&[], &["not a demarche output folder"]);
    check_error(&[("notes.txt", "hello")], &["run.json"]);
    check_error(
        &[("run.json", "{\"command\": \"run\",\n \"seed\": }")],
        &["run.json:2:"],
    );
    check_error(
        &[("run.json", "{\"command\": \"sweep\"}")],
        &["run.json", "\"command\": \"run\""],
    );
    check_error(
        &[(
            "run.json",
            r#"{"command":"run","scenario":"s","seed":-1,"trials":1,"version":"v"}"#,
        )],
        &["run.json", "seed"],
    );
    check_error(&[("run.json", RUN_JSON)], &["summary.csv"]);
    check_error(
        &[
            ("run.json", RUN_JSON),
            ("summary.csv", "metric,key,mean\noutcome_probability,x,0.5\n"),
        ],
        &["summary.csv:1:", "std_err"],
    );
    check_error(
        &[
            ("run.json", RUN_JSON),
            (
                "summary.csv",
                "metric,key,mean,std_err,ci_low,ci_high,n\noutcome_probability,x,0.5,0.1,0.3,0.7,2\noutcome_probability,y,half,0.1,0.3,0.7,2\n",
            ),
        ],
        &["summary.csv:3:", "\"half\" is not a number"],
    );
    check_error(
        &[
            ("run.json", RUN_JSON),
            ("summary.csv", SUMMARY),
            (
                "trials.csv",
                "trial,outcome,rounds,path,payoff_a\n0,x,1,p,1.0\n1,y,2,p\n",
            ),
        ],
        &["trials.csv:3:", "expected 5 fields, found 4"],
    );
    check_error(
        &[
            ("run.json", RUN_JSON),
            ("summary.csv", SUMMARY),
            ("trials.csv", "trial,outcome,rounds,path\n0,x,1,p\n"),
        ],
        &["trials.csv:1:", "payoff_a"],
    );
    check_error(
        &[
            ("run.json", RUN_JSON),
            ("summary.csv", SUMMARY),
            (
                "trials.csv",
                "trial,outcome,rounds,path,payoff_a\n0,x,1,p,1.0\n1,y,-2,p,1.0\n",
            ),
        ],
        &["trials.csv:3:", "rounds"],
    );
    check_error(
        &[
            (
                "sweep.json",
                r#"{"command":"sweep","scenario":"s","seed":1,"trials":5,"version":"v","varied":["k"],"design":"grid","points":1}"#,
            ),
            ("sweep.csv", "point,metric,key,mean,std_err,ci_low,ci_high,n\n"),
        ],
        &["sweep.csv:1:", "missing column \"k\""],
    );
    check_error(
        &[
            (
                "tune.json",
                r#"{"command":"tune","scenario":"s","seed":1,"trials":5,"version":"v"}"#,
            ),
            ("tune.csv", "eval,x,objective,std_err\n0,1,2,0.1\nnext,1,2,0.1\n"),
        ],
        &["tune.csv:3:", "eval"],
    );
    check_error(
        &[
            (
                "sensitivity.json",
                r#"{"command":"sensitivity","scenario":"s","seed":1,"trials":5,"version":"v"}"#,
            ),
            ("sensitivity.csv", ""),
        ],
        &["sensitivity.csv:1:"],
    );
}

#[test]
fn report_goes_where_asked_and_empty_tables_still_report() {
    let (temp, dir) = copy_fixture("tune");
    let out = temp.path().join("elsewhere.html");
    let summary = write_report(&dir, Some(&out)).unwrap();
    assert_eq!(summary.html, out);
    assert!(out.is_file() && !dir.join("report.html").exists());

    // A run without trials.csv: the summary figures only, and a note saying so.
    let temp = tempfile::tempdir().unwrap();
    fs::write(temp.path().join("run.json"), RUN_JSON).unwrap();
    fs::write(temp.path().join("summary.csv"), SUMMARY).unwrap();
    let report = build_report(temp.path()).unwrap();
    assert_eq!(
        report.figures.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["outcome_probabilities"]
    );
    assert!(report.notes.iter().any(|n| n.contains("trials.csv")));
    write_report(temp.path(), None).unwrap();

    // A header-only trials.csv and an empty sweep are not errors.
    fs::write(
        temp.path().join("trials.csv"),
        "trial,outcome,rounds,path,payoff_a\n",
    )
    .unwrap();
    let summary = write_report(temp.path(), None).unwrap();
    assert_eq!(summary.trials_read, Some(0));
}

/// Markup characters in names (scenario path, outcome ids) are escaped everywhere: the SVGs
/// and the HTML stay well-formed and show the names as written.
#[test]
fn markup_characters_in_names_are_escaped() {
    let (_temp, dir) = copy_fixture("run");
    let odd_outcome = "walk&out<x>'y'";
    for file in ["run.json", "summary.csv", "trials.csv"] {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        let text = text
            .replace("walkout", odd_outcome)
            .replace("scenarios/headline.toml", "a&b <c>/</script>.toml");
        fs::write(dir.join(file), text).unwrap();
    }
    let summary = write_report(&dir, None).unwrap();
    let html = fs::read_to_string(&summary.html).unwrap();
    xml_element_counts(html.trim_start_matches("<!DOCTYPE html>"), "html");
    assert!(
        !html.contains("</script>.toml"),
        "a raw </script> would end the data block early"
    );
    for path in &summary.figures {
        let svg = fs::read_to_string(path).unwrap();
        xml_element_counts(&svg, &path.display().to_string());
    }
    let svg = fs::read_to_string(dir.join("figures/outcome_probabilities.svg")).unwrap();
    assert!(
        svg_texts(&svg).iter().any(|t| t == odd_outcome),
        "outcome label not drawn as written"
    );
}
