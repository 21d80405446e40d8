//! `demarche report DIR [--out FILE.html]`: the HTML report (inline SVG) and
//! `figures/*.svg` of an output folder of `run`, `sweep`, `tune` or `sensitivity`.

use std::path::Path;

use super::args::ReportArgs;
use super::common::CliError;
use crate::report::{ReportError, ReportSummary, write_report};

pub fn run(args: &ReportArgs) -> Result<(), CliError> {
    let summary = write_for(&args.dir, args.out.as_deref())?;
    print_written(&summary);
    Ok(())
}

/// Writes the report of `dir`, mapping problems with the folder's contents to bad input
/// (exit 2) and failures to write to exit 1.
pub(super) fn write_for(dir: &Path, out_html: Option<&Path>) -> Result<ReportSummary, CliError> {
    write_report(dir, out_html).map_err(|e| {
        let message = format!("error: {e}");
        match e {
            ReportError::NotAnOutputFolder { .. } | ReportError::Malformed { .. } => CliError::Input(message),
            // A file the metadata promises but that is missing or unreadable is a problem
            // with the folder given, not with this program.
            ReportError::Io { ref source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidData
                ) =>
            {
                CliError::Input(message)
            }
            ReportError::Io { .. } | ReportError::Render { .. } => CliError::Failure(message),
        }
    })
}

pub(super) fn print_written(summary: &ReportSummary) {
    let figures_dir = summary
        .figures
        .first()
        .and_then(|p| p.parent())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "figures".into());
    println!(
        "wrote {} ({} figure{}, also as SVG files in {figures_dir})",
        summary.html.display(),
        summary.figures.len(),
        if summary.figures.len() == 1 { "" } else { "s" }
    );
}
