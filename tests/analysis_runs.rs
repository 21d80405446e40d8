//! Sweeps, tuning, calibration and sensitivity on the run machinery (src/analyze), and
//! the parsers they rely on (objectives, observed outcome CSVs).

use demarche::analyze::objective::{Objective, ObjectiveTerm, parse_observations};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- objectives

/// Parses `text` against outcomes (summit, escalation, no_deal) and actors (japan, dprk)
/// and compares with the expected terms, or with the expected error message.
fn check_objective(text: &str, expected: Result<Vec<(f64, ObjectiveTerm)>, &str>) {
    let outcomes = names(&["summit", "escalation", "no_deal"]);
    let actors = names(&["japan", "dprk"]);
    let got = Objective::parse(text, "--maximize", &outcomes, &actors);
    match (got, expected) {
        (Ok(objective), Ok(terms)) => assert_eq!(objective.terms, terms, "objective `{text}`"),
        (Err(errors), Err(message)) => assert_eq!(errors.to_string(), message, "objective `{text}`"),
        (got, expected) => panic!("objective `{text}`: expected {expected:?}, got {got:?}"),
    }
}

#[test]
fn objectives_parse_to_weighted_terms() {
    use ObjectiveTerm::*;
    check_objective("p(summit)", Ok(vec![(1.0, Probability { outcome: 0 })]));
    check_objective(" payoff( dprk ) ", Ok(vec![(1.0, Payoff { actor: 1 })]));
    check_objective(
        "payoff(japan) - 2*p(escalation)",
        Ok(vec![
            (1.0, Payoff { actor: 0 }),
            (-2.0, Probability { outcome: 1 }),
        ]),
    );
    check_objective(
        "-0.5 * p(no_deal) + p(summit)*3 + 1e-1",
        Ok(vec![
            (-0.5, Probability { outcome: 2 }),
            (3.0, Probability { outcome: 0 }),
            (0.1, Constant),
        ]),
    );
    check_objective(
        "p(summitt)",
        Err("--maximize:1:3: unknown outcome `summitt`; did you mean `summit`?"),
    );
    check_objective(
        "payoff(usa)",
        Err("--maximize:1:8: unknown actor `usa` (known: japan, dprk)"),
    );
    check_objective(
        "2*q(summit)",
        Err("--maximize:1:3: unknown quantity `q`; expected p(OUTCOME) or payoff(ACTOR)"),
    );
    check_objective(
        "p(summit) p(no_deal)",
        Err("--maximize:1:11: unexpected `p`; expected `+`, `-` or the end"),
    );
    check_objective(
        "p(summit)*payoff(japan)",
        Err("--maximize:1:11: a term may name only one quantity; products of quantities are not supported"),
    );
    check_objective("p(summit", Err("--maximize:1:9: expected `)` to close `p(`"));
    check_objective(
        "p(summit) +",
        Err("--maximize:1:12: the objective ends early; expected a number, p(OUTCOME) or payoff(ACTOR)"),
    );
    check_objective(
        "",
        Err("--maximize:1:1: the objective is empty; expected p(OUTCOME), payoff(ACTOR) or a weighted sum"),
    );
}

#[test]
fn objective_evaluates_weighted_sum() {
    let objective = Objective::parse(
        "payoff(japan) - 2*p(escalation) + 1",
        "obj",
        &names(&["escalation"]),
        &names(&["japan"]),
    )
    .unwrap();
    let value = objective.evaluate(|term| match term {
        ObjectiveTerm::Payoff { .. } => 5.0,
        ObjectiveTerm::Probability { .. } => 0.25,
        ObjectiveTerm::Constant => unreachable!("constants are not looked up"),
    });
    assert_eq!(value, 5.0 - 0.5 + 1.0);
}

// ---------------------------------------------------------------- observed CSV

/// Parses `text` against outcomes (summit, counter_demand, rejection, war), where war
/// cannot happen, and compares with expected counts or the expected error text.
fn check_observed(text: &str, expected: Result<Vec<f64>, &str>) {
    let outcomes = names(&["summit", "counter_demand", "rejection", "war"]);
    let got = parse_observations(text, "obs.csv", &outcomes, &[true, true, true, false]);
    match (got, expected) {
        (Ok(observations), Ok(counts)) => assert_eq!(observations.counts, counts, "{text:?}"),
        (Err(errors), Err(message)) => assert_eq!(errors.to_string(), message, "{text:?}"),
        (got, expected) => panic!("{text:?}: expected {expected:?}, got {got:?}"),
    }
}

#[test]
fn observed_outcomes_are_counted() {
    check_observed(
        "outcome\nrejection\nsummit\nrejection\n",
        Ok(vec![1.0, 0.0, 2.0, 0.0]),
    );
    check_observed(
        "year,outcome,count\n2023,counter_demand,2\n2024,rejection,0.5\n",
        Ok(vec![0.0, 2.0, 0.5, 0.0]),
    );
    // A trials.csv qualifies: extra columns, quoted fields.
    check_observed(
        "trial,outcome,rounds,path\n0,summit,1,\"a>b\"\n1,summit,1,\"a,b\"\n",
        Ok(vec![2.0, 0.0, 0.0, 0.0]),
    );
}

#[test]
fn observed_csv_errors_are_located() {
    check_observed(
        "result\nsummit\n",
        Err("obs.csv:1:1: no `outcome` column in the header (found: result)"),
    );
    check_observed(
        "year,outcome\n2023,sumit\n2024,war\n",
        Err(
            "obs.csv:2:6: observed outcome `sumit` is not an outcome of the scenario; did you mean `summit`?\n\
             obs.csv:3:6: observed outcome `war` cannot happen in this scenario: no path of the game ends in it",
        ),
    );
    check_observed(
        "outcome,count\nsummit,-1\n",
        Err("obs.csv:2:8: count `-1` is not a non-negative number"),
    );
    check_observed(
        "outcome,count\nsummit,two\n",
        Err("obs.csv:2:8: count `two` is not a non-negative number"),
    );
    check_observed(
        "outcome,count\nsummit,1\nrejection,1,extra\n",
        Err("obs.csv:3:1: malformed CSV: this row has 3 fields, the header has 2"),
    );
    check_observed(
        "outcome\n",
        Err("obs.csv:1:1: no observations: the file has a header but no rows"),
    );
    check_observed(
        "outcome,count\nsummit,0\n",
        Err("obs.csv:1:1: all observation counts are zero"),
    );
}
