//! Self-contained HTML and SVG reports from output folders (`demarche report DIR`).
//!
//! [`write_report`] reads the folder written by `run`, `sweep`, `tune` or `sensitivity`
//! and writes `report.html` (inline SVG and CSS, no scripts to run, nothing fetched) and
//! each figure again as `figures/<id>.svg`. Figures by folder kind:
//!
//! - **run**: `outcome_probabilities` (bars of the mean exact outcome probability with 95%
//!   interval whiskers, from `summary.csv`); `expected_payoffs` (the same for each actor's
//!   expected payoff); `payoff_<actor>` (a histogram of each actor's sampled payoff, from
//!   `trials.csv`, with its mean); `outcome_mix_by_round` (stacked bars: for each number of
//!   rounds, the share of each outcome among the trials that ended there).
//! - **sweep**: `<metric>_vs_<param>` (each metric against each varied parameter, one line
//!   per key with its 95% band; points with whiskers when several parameters vary or the
//!   design is a Latin hypercube); for a two-parameter grid instead one heat map per metric
//!   and key, `<metric>_<key>_heatmap`, with a colour bar.
//! - **tune**: `tune_objective` (objective per evaluation with ±1.96 s.e., the best so far,
//!   the best point marked).
//! - **sensitivity**: `sensitivity_<method>_<metric>_<key>` (a tornado chart: ST with S1
//!   beside it for Sobol', mu* with sigma for Morris, sorted, with interval whiskers).
//!
//! Every figure has a title, axis labels with units, a legend (a colour bar for heat maps)
//! and a caption giving the scenario, seed, trial count and program version. Colours are
//! Okabe–Ito for series and viridis for heat maps, both readable with colour-vision
//! deficiencies. Each figure's data ([`Figure`]) is embedded as JSON, in a `<metadata>`
//! element of the SVG and a `<script type="application/json">` block in the HTML.
//!
//! `trials.csv` can hold a million rows: it is read once, as a stream, into fixed-size
//! histograms ([`hist::StreamingHistogram`]) and per-round counters, so memory does not
//! grow with the number of trials. This module is at the edge: it reads and writes files.
//! Every file is written under a temporary name in its folder and then renamed.

pub mod figures;
pub mod hist;
pub mod html;
pub mod read;
pub mod render;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use figures::{Figure, FigureData};
pub use read::{FolderKind, Provenance};
pub use render::render_svg;

use read::Meta;
use render::format_number;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: not a demarche output folder: {reason}", dir.display())]
    NotAnOutputFolder { dir: PathBuf, reason: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("figure {figure}: {message}")]
    Render { figure: String, message: String },
}

/// What was written.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSummary {
    pub kind: FolderKind,
    pub html: PathBuf,
    /// `figures/<id>.svg`, in report order.
    pub figures: Vec<PathBuf>,
    /// Rows read from `trials.csv` (run folders that have one).
    pub trials_read: Option<u64>,
}

/// A table of numbers shown in the HTML.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Rows in the source; more than `rows.len()` when the table was cut short.
    pub total_rows: usize,
}

/// Everything in a report, before drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub kind: FolderKind,
    pub provenance: Provenance,
    /// Name–value facts from the metadata file, shown at the top.
    pub facts: Vec<(String, String)>,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
    /// Things the reader should know (a missing `trials.csv`, an interrupted run).
    pub notes: Vec<String>,
    pub trials_read: Option<u64>,
}

/// Longest table shown in the HTML; the CSV holds the rest.
const MAX_TABLE_ROWS: usize = 400;

/// Reads an output folder and builds the report's figures and tables (no drawing, no
/// writing).
pub fn build_report(dir: &Path) -> Result<Report, ReportError> {
    let (kind, value) = read::detect(dir)?;
    let meta = Meta {
        path: dir.join(kind.json_name()),
        value: &value,
    };
    let provenance = meta.provenance()?;
    let csv_path = dir.join(kind.csv_name());
    let mut report = Report {
        kind,
        provenance: provenance.clone(),
        facts: common_facts(&meta, &provenance)?,
        tables: Vec::new(),
        figures: Vec::new(),
        notes: Vec::new(),
        trials_read: None,
    };
    match kind {
        FolderKind::Run => build_run(dir, &meta, &csv_path, &mut report)?,
        FolderKind::Sweep => {
            let varied = meta.strings("varied")?;
            let design = meta.optional_string("design")?.unwrap_or_else(|| "grid".into());
            report.facts.push(("design".into(), design.clone()));
            report.facts.push(("varied".into(), varied.join(", ")));
            if let Some(points) = meta.optional_u64("points")? {
                report.facts.push(("points".into(), points.to_string()));
            }
            let rows = read::read_sweep(&csv_path, &varied)?;
            let mut headers = vec!["point".to_owned()];
            headers.extend(varied.iter().cloned());
            headers.extend(["metric", "key", "mean", "std_err", "ci_low", "ci_high", "n"].map(String::from));
            report.tables.push(Table {
                title: "Sweep (sweep.csv)".into(),
                headers,
                rows: rows
                    .iter()
                    .take(MAX_TABLE_ROWS)
                    .map(|r| {
                        let mut cells = vec![r.point.to_string()];
                        cells.extend(r.params.iter().map(|&p| format_number(p)));
                        cells.extend(estimate_cells(&r.estimate));
                        cells
                    })
                    .collect(),
                total_rows: rows.len(),
            });
            report.figures = figures::sweep_figures(&provenance, &varied, &design, &rows);
        }
        FolderKind::Tune => build_tune(&meta, &csv_path, &mut report)?,
        FolderKind::Sensitivity => {
            if let Some(method) = meta.optional_string("method")? {
                report.facts.push(("method".into(), method));
            }
            if let Some(samples) = meta.optional_u64("samples")? {
                report.facts.push(("samples".into(), samples.to_string()));
            }
            report
                .facts
                .push(("parameters".into(), meta.strings("params")?.join(", ")));
            let rows = read::read_sensitivity(&csv_path)?;
            report.tables.push(Table {
                title: "Sensitivity indices (sensitivity.csv)".into(),
                headers: [
                    "method",
                    "parameter",
                    "metric",
                    "key",
                    "index",
                    "value",
                    "ci_low",
                    "ci_high",
                ]
                .map(String::from)
                .to_vec(),
                rows: rows
                    .iter()
                    .take(MAX_TABLE_ROWS)
                    .map(|r| {
                        vec![
                            r.method.clone(),
                            r.parameter.clone(),
                            r.metric.clone(),
                            r.key.clone(),
                            r.index.clone(),
                            format_number(r.value),
                            format_number(r.ci_low),
                            format_number(r.ci_high),
                        ]
                    })
                    .collect(),
                total_rows: rows.len(),
            });
            report.figures = figures::sensitivity_figures(&provenance, &rows);
        }
    }
    figures::dedupe_ids(&mut report.figures);
    if report.figures.is_empty() {
        report.notes.push(format!(
            "Nothing to plot: {} has no rows for the figures.",
            kind.csv_name()
        ));
    }
    Ok(report)
}

fn common_facts(meta: &Meta<'_>, provenance: &Provenance) -> Result<Vec<(String, String)>, ReportError> {
    let mut facts = vec![
        ("command".to_owned(), provenance.command.clone()),
        ("scenario".to_owned(), provenance.scenario.clone()),
    ];
    if let Some(hash) = meta.optional_string("scenario_hash")? {
        facts.push(("scenario hash".into(), hash));
    }
    facts.push(("seed".into(), provenance.seed.to_string()));
    let trials_label = if provenance.command == "run" {
        "trials"
    } else {
        "trials per evaluation"
    };
    facts.push((trials_label.into(), provenance.trials.to_string()));
    facts.push(("version".into(), provenance.version.clone()));
    Ok(facts)
}

fn estimate_cells(e: &read::Estimate) -> Vec<String> {
    vec![
        e.metric.clone(),
        e.key.clone(),
        format_number(e.mean),
        format_number(e.std_err),
        format_number(e.ci_low),
        format_number(e.ci_high),
        e.n.to_string(),
    ]
}

fn build_run(
    dir: &Path,
    meta: &Meta<'_>,
    summary_path: &Path,
    report: &mut Report,
) -> Result<(), ReportError> {
    let outcomes = meta.strings("outcomes")?;
    let actors = meta.strings("actors")?;
    if let Some(solver) = meta.optional_string("solver")? {
        let solver = match meta.optional_f64("lambda")? {
            Some(lambda) => format!("{solver} (lambda {lambda})"),
            None => solver,
        };
        report.facts.push(("solver".into(), solver));
    }
    let requested = meta.u64("trials")?;
    if meta.bool_or_false("interrupted") || requested != report.provenance.trials {
        report.notes.push(format!(
            "The run was interrupted: {} of {requested} trials completed; the figures use those.",
            report.provenance.trials
        ));
    }
    let summary = read::read_summary(summary_path)?;
    report.tables.push(Table {
        title: "Summary (summary.csv)".into(),
        headers: ["metric", "key", "mean", "std_err", "ci_low", "ci_high", "n"]
            .map(String::from)
            .to_vec(),
        rows: summary.iter().take(MAX_TABLE_ROWS).map(estimate_cells).collect(),
        total_rows: summary.len(),
    });
    let trials_path = dir.join("trials.csv");
    let digest = if trials_path.is_file() {
        let digest = read::stream_trials(&trials_path, &actors, &outcomes)?;
        report.trials_read = Some(digest.rows);
        Some(digest)
    } else {
        report.notes.push("trials.csv is not in the folder: payoff distributions and the outcome mix per round are left out.".into());
        None
    };
    report.figures = figures::run_figures(&report.provenance, &outcomes, &actors, &summary, digest.as_ref());
    Ok(())
}

fn build_tune(meta: &Meta<'_>, csv_path: &Path, report: &mut Report) -> Result<(), ReportError> {
    let objective = meta
        .optional_string("objective")?
        .unwrap_or_else(|| "objective".into());
    for (name, field) in [
        ("method", "method"),
        ("objective", "objective"),
        ("stop reason", "stop_reason"),
    ] {
        if let Some(text) = meta.optional_string(field)? {
            report.facts.push((name.into(), text));
        }
    }
    if let Some(evaluations) = meta.optional_u64("evaluations")? {
        report.facts.push(("evaluations".into(), evaluations.to_string()));
    }
    let best_objective = meta.optional_f64("best_objective")?;
    if let Some(best) = best_objective {
        report.facts.push(("best objective".into(), format_number(best)));
    }
    let (names, rows) = read::read_tune(csv_path)?;
    let best_map = meta.value.get("best").and_then(Value::as_object);
    let intervals = meta.value.get("intervals").and_then(Value::as_object);
    // Parameters in tune.csv column order, then any only named in tune.json.
    let mut param_order = names.clone();
    for name in best_map.into_iter().flat_map(|m| m.keys()) {
        if !param_order.contains(name) {
            param_order.push(name.clone());
        }
    }
    let mut best = Vec::new();
    let mut table_rows = Vec::new();
    for name in &param_order {
        let value = best_map.and_then(|m| m.get(name)).and_then(Value::as_f64);
        if let Some(v) = value {
            best.push((name.clone(), v));
        }
        let interval = intervals.and_then(|m| m.get(name)).and_then(Value::as_array);
        let bound = |i: usize| {
            interval
                .and_then(|a| a.get(i))
                .and_then(Value::as_f64)
                .map_or("–".into(), format_number)
        };
        table_rows.push(vec![
            name.clone(),
            value.map_or("–".into(), format_number),
            bound(0),
            bound(1),
        ]);
    }
    report.tables.push(Table {
        title: "Best parameters (tune.json)".into(),
        headers: ["parameter", "best", "interval low", "interval high"]
            .map(String::from)
            .to_vec(),
        total_rows: table_rows.len(),
        rows: table_rows,
    });
    report.figures = figures::tune_figures(
        &report.provenance,
        &objective,
        &names,
        &best,
        best_objective,
        meta.optional_u64("best_eval")?,
        &rows,
    );
    Ok(())
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
fn write_atomic(path: &Path, text: &str) -> Result<(), ReportError> {
    let io_error = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let temporary = folder.join(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&temporary, text).map_err(io_error)?;
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        io_error(e)
    })
}

/// Reads the output folder `dir` and writes the HTML report (`out_html`, by default
/// `dir/report.html`) and `dir/figures/<id>.svg`.
pub fn write_report(dir: &Path, out_html: Option<&Path>) -> Result<ReportSummary, ReportError> {
    let report = build_report(dir)?;
    let mut svgs = Vec::with_capacity(report.figures.len());
    let mut json = Vec::with_capacity(report.figures.len());
    for figure in &report.figures {
        svgs.push(render_svg(figure)?);
        json.push(render::figure_json(figure)?);
    }
    let html = html::render_html(&report, &svgs, &json);
    let figures_dir = dir.join("figures");
    fs::create_dir_all(&figures_dir).map_err(|source| ReportError::Io {
        path: figures_dir.clone(),
        source,
    })?;
    let mut figure_paths = Vec::with_capacity(svgs.len());
    for (figure, svg) in report.figures.iter().zip(&svgs) {
        let path = figures_dir.join(format!("{}.svg", figure.id));
        write_atomic(&path, svg)?;
        figure_paths.push(path);
    }
    let html_path = out_html.map_or_else(|| dir.join("report.html"), Path::to_path_buf);
    write_atomic(&html_path, &html)?;
    Ok(ReportSummary {
        kind: report.kind,
        html: html_path,
        figures: figure_paths,
        trials_read: report.trials_read,
    })
}
