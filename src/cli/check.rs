//! `demarche check`: validate a scenario and describe it.

use super::args::CheckArgs;
use super::common::{CliError, load_model};

pub fn run(args: &CheckArgs) -> Result<(), CliError> {
    let (model, _) = load_model(&args.scenario)?;
    let description = model.describe();
    if args.json {
        let json = serde_json::to_string(&description).map_err(|e| CliError::Failure(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", description);
    }
    Ok(())
}
