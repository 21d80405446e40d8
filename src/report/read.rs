//! Reading output folders: the JSON metadata and the CSV tables, with errors that name
//! the file and line. `trials.csv` is streamed once, in constant memory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::ReportError;
use super::hist::{Histogram, StreamingHistogram};

/// Bins of each payoff histogram (before trimming empty edge bins).
pub const PAYOFF_BINS: usize = 40;

/// Which command wrote the folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FolderKind {
    Run,
    Sweep,
    Tune,
    Sensitivity,
}

impl FolderKind {
    pub const ALL: [FolderKind; 4] = [
        FolderKind::Run,
        FolderKind::Sweep,
        FolderKind::Tune,
        FolderKind::Sensitivity,
    ];

    pub fn command(self) -> &'static str {
        match self {
            FolderKind::Run => "run",
            FolderKind::Sweep => "sweep",
            FolderKind::Tune => "tune",
            FolderKind::Sensitivity => "sensitivity",
        }
    }

    pub fn json_name(self) -> &'static str {
        match self {
            FolderKind::Run => "run.json",
            FolderKind::Sweep => "sweep.json",
            FolderKind::Tune => "tune.json",
            FolderKind::Sensitivity => "sensitivity.json",
        }
    }

    pub fn csv_name(self) -> &'static str {
        match self {
            FolderKind::Run => "summary.csv",
            FolderKind::Sweep => "sweep.csv",
            FolderKind::Tune => "tune.csv",
            FolderKind::Sensitivity => "sensitivity.csv",
        }
    }
}

/// What every caption states: where the numbers came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Provenance {
    pub command: String,
    pub scenario: String,
    pub seed: u64,
    /// Trials per evaluation (for `run`, the completed trials when given).
    pub trials: u64,
    pub version: String,
}

/// Finds the folder's metadata file and parses it.
pub fn detect(dir: &Path) -> Result<(FolderKind, Value), ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::NotAnOutputFolder {
            dir: dir.to_path_buf(),
            reason: "no such folder".into(),
        });
    }
    for kind in FolderKind::ALL {
        let path = dir.join(kind.json_name());
        if path.is_file() {
            let value = read_json(&path)?;
            let command = value.get("command").and_then(Value::as_str);
            if command != Some(kind.command()) {
                return Err(malformed(
                    &path,
                    1,
                    format!(
                        "expected \"command\": \"{}\", found {:?}",
                        kind.command(),
                        command
                    ),
                ));
            }
            return Ok((kind, value));
        }
    }
    Err(ReportError::NotAnOutputFolder {
        dir: dir.to_path_buf(),
        reason: "none of run.json, sweep.json, tune.json or sensitivity.json is there".into(),
    })
}

fn read_json(path: &Path) -> Result<Value, ReportError> {
    let text = fs::read_to_string(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| malformed(path, e.line() as u64, e.to_string()))?;
    if !value.is_object() {
        return Err(malformed(path, 1, "expected a JSON object".into()));
    }
    Ok(value)
}

pub fn malformed(path: &Path, line: u64, message: String) -> ReportError {
    ReportError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Typed access to fields of the metadata JSON, with errors naming the file.
pub struct Meta<'a> {
    pub path: PathBuf,
    pub value: &'a Value,
}

impl Meta<'_> {
    fn field(&self, name: &str) -> Result<&Value, ReportError> {
        self.value
            .get(name)
            .ok_or_else(|| malformed(&self.path, 1, format!("missing field \"{name}\"")))
    }

    pub fn string(&self, name: &str) -> Result<String, ReportError> {
        self.field(name)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| malformed(&self.path, 1, format!("field \"{name}\" must be a string")))
    }

    pub fn u64(&self, name: &str) -> Result<u64, ReportError> {
        self.field(name)?.as_u64().ok_or_else(|| {
            malformed(
                &self.path,
                1,
                format!("field \"{name}\" must be a non-negative integer"),
            )
        })
    }

    pub fn optional_u64(&self, name: &str) -> Result<Option<u64>, ReportError> {
        match self.value.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.u64(name).map(Some),
        }
    }

    pub fn optional_f64(&self, name: &str) -> Result<Option<f64>, ReportError> {
        match self.value.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| malformed(&self.path, 1, format!("field \"{name}\" must be a number"))),
        }
    }

    pub fn optional_string(&self, name: &str) -> Result<Option<String>, ReportError> {
        match self.value.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.string(name).map(Some),
        }
    }

    /// A list of strings; absent means empty.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, ReportError> {
        match self.value.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        malformed(
                            &self.path,
                            1,
                            format!("field \"{name}\" must be a list of strings"),
                        )
                    })
                })
                .collect(),
            Some(_) => Err(malformed(
                &self.path,
                1,
                format!("field \"{name}\" must be a list of strings"),
            )),
        }
    }

    pub fn bool_or_false(&self, name: &str) -> bool {
        self.value.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn provenance(&self) -> Result<Provenance, ReportError> {
        let trials = match self.optional_u64("completed_trials")? {
            Some(completed) => completed,
            None => self.u64("trials")?,
        };
        Ok(Provenance {
            command: self.string("command")?,
            scenario: self.string("scenario")?,
            seed: self.u64("seed")?,
            trials,
            version: self.string("version")?,
        })
    }
}

/// A CSV file opened with its header row checked.
pub struct CsvTable {
    pub path: PathBuf,
    pub headers: Vec<String>,
    reader: csv::Reader<fs::File>,
}

impl CsvTable {
    pub fn open(path: &Path) -> Result<Self, ReportError> {
        let file = fs::File::open(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect::<Vec<_>>();
        if headers.iter().all(String::is_empty) {
            return Err(malformed(path, 1, "empty file: expected a header row".into()));
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
            reader,
        })
    }

    pub fn column(&self, name: &str) -> Result<usize, ReportError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| malformed(&self.path, 1, format!("missing column \"{name}\"")))
    }

    /// Reads the next record into `record`; `Ok(false)` at the end.
    pub fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<bool, ReportError> {
        self.reader
            .read_byte_record(record)
            .map_err(|e| csv_error(&self.path, &e))
    }

    pub fn field<'r>(&self, record: &'r csv::ByteRecord, column: usize) -> Result<&'r str, ReportError> {
        let bytes = record.get(column).unwrap_or(b"");
        std::str::from_utf8(bytes)
            .map(str::trim)
            .map_err(|_| self.bad_field(record, column, "is not valid UTF-8"))
    }

    /// A float cell; an empty cell reads as NaN (an interval that could not be computed).
    pub fn f64(&self, record: &csv::ByteRecord, column: usize) -> Result<f64, ReportError> {
        let text = self.field(record, column)?;
        if text.is_empty() {
            return Ok(f64::NAN);
        }
        text.parse::<f64>()
            .map_err(|_| self.bad_field(record, column, &format!("{text:?} is not a number")))
    }

    pub fn u64(&self, record: &csv::ByteRecord, column: usize) -> Result<u64, ReportError> {
        let text = self.field(record, column)?;
        text.parse::<u64>()
            .map_err(|_| self.bad_field(record, column, &format!("{text:?} is not a non-negative integer")))
    }

    pub fn line_of(record: &csv::ByteRecord) -> u64 {
        record.position().map_or(0, |p| p.line())
    }

    fn bad_field(&self, record: &csv::ByteRecord, column: usize, what: &str) -> ReportError {
        let name = self.headers.get(column).map_or("?", String::as_str);
        malformed(
            &self.path,
            Self::line_of(record),
            format!("column \"{name}\": {what}"),
        )
    }
}

fn csv_error(path: &Path, error: &csv::Error) -> ReportError {
    let line = error.position().map_or(0, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_owned(),
        _ => error.to_string(),
    };
    malformed(path, line, message)
}

/// One row of `summary.csv` (and the statistic part of `sweep.csv`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub metric: String,
    pub key: String,
    pub mean: f64,
    pub std_err: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: u64,
}

struct EstimateColumns([usize; 7]);

impl EstimateColumns {
    fn find(table: &CsvTable) -> Result<Self, ReportError> {
        let mut columns = [0; 7];
        for (slot, name) in columns
            .iter_mut()
            .zip(["metric", "key", "mean", "std_err", "ci_low", "ci_high", "n"])
        {
            *slot = table.column(name)?;
        }
        Ok(EstimateColumns(columns))
    }

    fn read(&self, table: &CsvTable, record: &csv::ByteRecord) -> Result<Estimate, ReportError> {
        let [metric, key, mean, std_err, ci_low, ci_high, n] = self.0;
        Ok(Estimate {
            metric: table.field(record, metric)?.to_owned(),
            key: table.field(record, key)?.to_owned(),
            mean: table.f64(record, mean)?,
            std_err: table.f64(record, std_err)?,
            ci_low: table.f64(record, ci_low)?,
            ci_high: table.f64(record, ci_high)?,
            n: table.u64(record, n)?,
        })
    }
}

pub fn read_summary(path: &Path) -> Result<Vec<Estimate>, ReportError> {
    let mut table = CsvTable::open(path)?;
    let columns = EstimateColumns::find(&table)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    while table.next_record(&mut record)? {
        rows.push(columns.read(&table, &record)?);
    }
    Ok(rows)
}

/// What one pass over `trials.csv` yields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrialsDigest {
    pub rows: u64,
    /// One histogram of `payoff_<actor>` per actor, in actor order.
    pub payoffs: Vec<(String, Histogram)>,
    /// Outcome ids in column order of `by_round` counts: the run's outcomes first, then any
    /// outcome first seen in the trials.
    pub outcomes: Vec<String>,
    /// For each number of rounds, how many trials ended in each outcome.
    pub by_round: BTreeMap<u64, Vec<u64>>,
}

/// Streams `trials.csv` once. Memory stays constant: histograms with a fixed bin count and
/// one counter per (round, outcome) pair.
pub fn stream_trials(
    path: &Path,
    actors: &[String],
    outcomes: &[String],
) -> Result<TrialsDigest, ReportError> {
    let mut table = CsvTable::open(path)?;
    table.column("trial")?;
    let outcome_column = table.column("outcome")?;
    let rounds_column = table.column("rounds")?;
    let actors: Vec<String> = if actors.is_empty() {
        table
            .headers
            .iter()
            .filter_map(|h| h.strip_prefix("payoff_").map(str::to_owned))
            .collect()
    } else {
        actors.to_vec()
    };
    let payoff_columns = actors
        .iter()
        .map(|a| table.column(&format!("payoff_{a}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut histograms: Vec<StreamingHistogram> = actors
        .iter()
        .map(|_| StreamingHistogram::new(PAYOFF_BINS))
        .collect();
    let mut outcome_ids: Vec<String> = outcomes.to_vec();
    let mut by_round: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    while table.next_record(&mut record)? {
        rows += 1;
        for (hist, &column) in histograms.iter_mut().zip(&payoff_columns) {
            hist.push(table.f64(&record, column)?);
        }
        let rounds = table.u64(&record, rounds_column)?;
        let outcome = table.field(&record, outcome_column)?;
        let outcome_idx = match outcome_ids.iter().position(|o| o == outcome) {
            Some(i) => i,
            None => {
                outcome_ids.push(outcome.to_owned());
                outcome_ids.len() - 1
            }
        };
        let counts = by_round.entry(rounds).or_default();
        if counts.len() <= outcome_idx {
            counts.resize(outcome_idx + 1, 0);
        }
        counts[outcome_idx] += 1;
    }
    for counts in by_round.values_mut() {
        counts.resize(outcome_ids.len(), 0);
    }
    Ok(TrialsDigest {
        rows,
        payoffs: actors
            .into_iter()
            .zip(histograms.into_iter().map(StreamingHistogram::finish))
            .collect(),
        outcomes: outcome_ids,
        by_round,
    })
}

/// One row of `sweep.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    pub point: u64,
    /// Values of the varied parameters, in `varied` order.
    pub params: Vec<f64>,
    pub estimate: Estimate,
}

pub fn read_sweep(path: &Path, varied: &[String]) -> Result<Vec<SweepRow>, ReportError> {
    let mut table = CsvTable::open(path)?;
    let point_column = table.column("point")?;
    let param_columns = varied
        .iter()
        .map(|v| table.column(v))
        .collect::<Result<Vec<_>, _>>()?;
    let columns = EstimateColumns::find(&table)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    while table.next_record(&mut record)? {
        rows.push(SweepRow {
            point: table.u64(&record, point_column)?,
            params: param_columns
                .iter()
                .map(|&c| table.f64(&record, c))
                .collect::<Result<_, _>>()?,
            estimate: columns.read(&table, &record)?,
        });
    }
    Ok(rows)
}

/// One row of `tune.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TuneRow {
    pub eval: u64,
    pub params: Vec<f64>,
    pub objective: f64,
    pub std_err: f64,
}

/// Returns the parameter names (the columns between `eval` and `objective`) and the rows.
pub fn read_tune(path: &Path) -> Result<(Vec<String>, Vec<TuneRow>), ReportError> {
    let mut table = CsvTable::open(path)?;
    let eval_column = table.column("eval")?;
    let objective_column = table.column("objective")?;
    let std_err_column = table.column("std_err")?;
    let param_columns: Vec<usize> = (0..table.headers.len())
        .filter(|&c| ![eval_column, objective_column, std_err_column].contains(&c))
        .collect();
    let names = param_columns.iter().map(|&c| table.headers[c].clone()).collect();
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    while table.next_record(&mut record)? {
        rows.push(TuneRow {
            eval: table.u64(&record, eval_column)?,
            params: param_columns
                .iter()
                .map(|&c| table.f64(&record, c))
                .collect::<Result<_, _>>()?,
            objective: table.f64(&record, objective_column)?,
            std_err: table.f64(&record, std_err_column)?,
        });
    }
    Ok((names, rows))
}

/// One row of `sensitivity.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SensitivityRow {
    pub method: String,
    pub parameter: String,
    pub metric: String,
    pub key: String,
    pub index: String,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

pub fn read_sensitivity(path: &Path) -> Result<Vec<SensitivityRow>, ReportError> {
    let mut table = CsvTable::open(path)?;
    let mut columns = [0; 8];
    for (slot, name) in columns.iter_mut().zip([
        "method",
        "parameter",
        "metric",
        "key",
        "index",
        "value",
        "ci_low",
        "ci_high",
    ]) {
        *slot = table.column(name)?;
    }
    let [method, parameter, metric, key, index, value, ci_low, ci_high] = columns;
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    while table.next_record(&mut record)? {
        rows.push(SensitivityRow {
            method: table.field(&record, method)?.to_owned(),
            parameter: table.field(&record, parameter)?.to_owned(),
            metric: table.field(&record, metric)?.to_owned(),
            key: table.field(&record, key)?.to_owned(),
            index: table.field(&record, index)?.to_owned(),
            value: table.f64(&record, value)?,
            ci_low: table.f64(&record, ci_low)?,
            ci_high: table.f64(&record, ci_high)?,
        });
    }
    Ok(rows)
}
