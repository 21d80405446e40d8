//! `demarche export`: a sampled game of a scenario as a Gambit `.efg` file.

use super::args::{ExportArgs, ExportFormat};
use super::common::{CliError, load_model, parse_sets};
use crate::gambit::write_efg;
use crate::simulate::{default_game, trial_game};

pub fn run(args: &ExportArgs) -> Result<(), CliError> {
    let (model, _) = load_model(&args.scenario)?;
    let fixed = parse_sets(&model, &args.sets)?;
    let (game, _, _) = match args.trial {
        Some(trial) => trial_game(&model, args.seed.unwrap_or(model.default_seed()), trial, &fixed),
        None => default_game(&model, &fixed),
    }
    .map_err(|e| CliError::Failure(format!("error: {e}")))?;
    let text = match args.format {
        ExportFormat::Efg => write_efg(&game),
    };
    match &args.out {
        Some(path) => crate::output::write_atomic(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(())
}
