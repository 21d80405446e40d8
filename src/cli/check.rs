//! `demarche check`: validate a scenario and describe it.

use super::args::CheckArgs;
use super::common::{CliError, load_model};
use crate::model::Description;

pub fn run(args: &CheckArgs) -> Result<(), CliError> {
    let (model, _) = load_model(&args.scenario)?;
    let description = model.describe();
    if args.json {
        let json = serde_json::to_string(&description).map_err(|e| CliError::Failure(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", render(&args.scenario.display().to_string(), &description));
    }
    Ok(())
}

fn render(path: &str, d: &Description) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{path}: ok — {}", d.name);
    let _ = writeln!(s, "game tree: {} nodes, {} information sets", d.nodes, d.infosets);
    let _ = writeln!(s, "\nactors ({}):", d.actors.len());
    for a in &d.actors {
        let types = if a.types.is_empty() {
            String::new()
        } else {
            format!("  private types: {}", a.types.join(", "))
        };
        let _ = writeln!(s, "  {:<12} {}{types}", a.id, a.name);
    }
    let _ = writeln!(s, "\nparameters ({}):", d.parameters.len());
    let w = d
        .parameters
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(s, "  {:<w$}  {:>10}  {:<40}  bounds", "name", "default", "prior");
    for p in &d.parameters {
        let _ = writeln!(
            s,
            "  {:<w$}  {:>10}  {:<40}  [{}, {}]",
            p.name, p.default, p.prior, p.low, p.high
        );
    }
    let _ = writeln!(s, "\nmoves ({}):", d.moves.len());
    for m in &d.moves {
        let scope = if m.in_rounds { " (each round)" } else { "" };
        let when = m
            .when
            .as_deref()
            .map(|w| format!("  when {w}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<16} by {:<10} [{}]{scope}{when}",
            m.id,
            m.actor,
            m.actions.join(", ")
        );
    }
    let _ = writeln!(s, "\noutcomes ({}):", d.outcomes.len());
    for o in &d.outcomes {
        let _ = writeln!(s, "  {:<20} {}", o.id, o.label);
    }
    s
}
