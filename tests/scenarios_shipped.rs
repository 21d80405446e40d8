//! The scenarios shipped in `scenarios/`: every file loads and compiles, the headline has
//! the structure issue 3 asks for (actors, private types, features, outcomes, windows, QRE
//! default), every headline parameter explains itself, the tree stays within the size
//! budget that keeps a million-trial run feasible, and the observed record used for
//! calibration names outcomes the headline can produce.

use demarche::model::{DefaultSolver, Model, load};
use std::path::{Path, PathBuf};

const HEADLINE: &str = "scenarios/japan_dprk_summit.toml";
const OBSERVED: &str = "scenarios/observed/2023_2024.csv";

/// Node budget of the headline: every Monte Carlo trial solves the whole tree by agent
/// logit QRE, so the tree must stay small (the design target is 300–800 nodes).
const HEADLINE_NODE_BUDGET: usize = 1000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            scenario_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(path);
        }
    }
}

fn load_file(relative: &str) -> Model {
    let path = root().join(relative);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    load(&source, relative).unwrap_or_else(|d| panic!("{relative} does not load:\n{d}"))
}

#[test]
fn every_shipped_scenario_loads_and_compiles() {
    let mut files = Vec::new();
    scenario_files(&root().join("scenarios"), &mut files);
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    for required in [
        "japan_dprk_summit.toml",
        "japan_dprk_us_backing.toml",
        "japan_dprk_no_umbrella.toml",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(required)),
            "{required} is missing: {names:?}"
        );
    }
    let mut failures = Vec::new();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("readable scenario");
        let label = path.strip_prefix(root()).unwrap_or(path).display().to_string();
        match load(&source, &label) {
            Ok(model) => {
                let mut scratch = model.new_scratch();
                let mut game = model.game().clone();
                if let Err(e) = model.fill(&model.defaults(), &mut scratch, &mut game) {
                    failures.push(format!("{label}: cannot fill at the defaults: {e}"));
                }
            }
            Err(diagnostics) => failures.push(format!("{label}:\n{diagnostics}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check_contains(what: &str, have: &[String], required: &[&str]) {
    let missing: Vec<&&str> = required
        .iter()
        .filter(|r| !have.iter().any(|h| h == *r))
        .collect();
    assert!(
        missing.is_empty(),
        "headline {what} lack {missing:?}; have {have:?}"
    );
}

#[test]
fn headline_has_the_structure_issue_3_requires() {
    let model = load_file(HEADLINE);
    let description = model.describe();

    let actors: Vec<String> = description.actors.iter().map(|a| a.id.clone()).collect();
    check_contains("actors", &actors, &["japan", "dprk", "usa", "rok"]);

    let dprk = description
        .actors
        .iter()
        .find(|a| a.id == "dprk")
        .expect("dprk actor");
    check_contains("North Korean types", &dprk.types, &["hardline", "pragmatic"]);

    check_contains(
        "features",
        &description.features,
        &[
            "dialogue",
            "sanctions",
            "concessions",
            "abductees",
            "missiles",
            "exercises",
            "alliance",
            "prestige",
        ],
    );

    let outcomes: Vec<String> = description.outcomes.iter().map(|o| o.id.clone()).collect();
    check_contains(
        "outcomes",
        &outcomes,
        &[
            "status_quo",
            "deal_abductees",
            "deal_comprehensive",
            "summit_no_deal",
            "rejection",
            "lapsed",
            "escalation",
        ],
    );

    let parameters: Vec<String> = description.parameters.iter().map(|p| p.name.clone()).collect();
    check_contains(
        "parameters",
        &parameters,
        &[
            "lambda",
            "p_hardline",
            "cn_ru_backing",
            "aid_offer",
            "delta",
            "p_close",
        ],
    );

    let moves: Vec<String> = description.moves.iter().map(|m| m.id.clone()).collect();
    check_contains("moves", &moves, &["proposal", "reply", "answer", "package"]);
    let reply = description
        .moves
        .iter()
        .find(|m| m.id == "reply")
        .expect("reply move");
    assert!(
        reply.in_rounds,
        "North Korea's reply must be repeated over the windows"
    );
    check_contains(
        "reply actions",
        &reply.actions,
        &["accept", "counter_demand", "ignore", "provoke"],
    );
    let proposal = description
        .moves
        .iter()
        .find(|m| m.id == "proposal")
        .expect("proposal move");
    check_contains(
        "proposal actions",
        &proposal.actions,
        &["coordinate", "independent", "hold"],
    );

    assert!(
        description.rounds >= 3,
        "at least three windows, found {}",
        description.rounds
    );
    assert_eq!(model.default_solver(), DefaultSolver::Qre);
    assert_eq!(model.default_trials(), 10_000);
    // Private types make the game one of imperfect information: some player information set
    // holds several nodes, so the QRE is a genuine fixed point, not a backward pass.
    assert!(
        !model.game().is_perfect_information(),
        "the private type must leave some player uncertain"
    );
}

#[test]
fn every_headline_parameter_explains_itself() {
    let model = load_file(HEADLINE);
    let undocumented: Vec<String> = model
        .describe()
        .parameters
        .iter()
        .filter(|p| p.description.trim().len() < 20)
        .map(|p| p.name.clone())
        .collect();
    assert!(
        undocumented.is_empty(),
        "parameters without a rationale: {undocumented:?}"
    );
}

#[test]
fn shipped_trees_stay_within_the_node_budget() {
    for file in [
        HEADLINE,
        "scenarios/japan_dprk_us_backing.toml",
        "scenarios/japan_dprk_no_umbrella.toml",
    ] {
        let nodes = load_file(file).game().n_nodes();
        assert!(
            nodes <= HEADLINE_NODE_BUDGET,
            "{file} has {nodes} nodes, over the budget of {HEADLINE_NODE_BUDGET}"
        );
    }
}

/// The variants differ from the headline in the parameters their header names, and in
/// nothing else that shapes the game: same actors, moves, outcomes and parameter list, so
/// their results can be compared column by column.
#[test]
fn variants_differ_from_the_headline_only_where_they_say() {
    let headline = load_file(HEADLINE);
    for (file, expected) in [
        (
            "scenarios/japan_dprk_us_backing.toml",
            &["relief_size", "us_relief_aversion"][..],
        ),
        ("scenarios/japan_dprk_no_umbrella.toml", &["cn_ru_backing"][..]),
    ] {
        let variant = load_file(file);
        assert_eq!(variant.outcomes(), headline.outcomes(), "{file}: outcomes differ");
        assert_eq!(
            variant.game().n_nodes(),
            headline.game().n_nodes(),
            "{file}: tree differs"
        );
        let names = |m: &Model| m.params().iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&variant), names(&headline), "{file}: parameters differ");
        let differing: Vec<&str> = headline
            .params()
            .iter()
            .zip(variant.params())
            .filter(|(h, v)| {
                h.default != v.default || h.prior != v.prior || h.low != v.low || h.high != v.high
            })
            .map(|(h, _)| h.name.as_str())
            .collect();
        assert_eq!(
            differing, expected,
            "{file}: unexpected set of changed parameters"
        );
    }
}

#[test]
fn observed_record_names_outcomes_the_headline_can_produce() {
    let model = load_file(HEADLINE);
    let game = model.game();
    let producible: Vec<bool> = (0..model.outcomes().len())
        .map(|k| (0..game.n_nodes()).any(|n| game.is_terminal(n) && model.terminal_outcome(n) == k))
        .collect();
    let text = std::fs::read_to_string(root().join(OBSERVED)).expect("observed CSV");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header row").clone();
    let column = headers
        .iter()
        .position(|h| h == "outcome")
        .expect("an `outcome` column");
    assert!(
        headers.iter().any(|h| h == "note"),
        "the observed record documents its sources"
    );
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("well-formed row");
        let outcome = &record[column];
        let index = model
            .outcomes()
            .iter()
            .position(|o| o == outcome)
            .unwrap_or_else(|| panic!("observed outcome `{outcome}` is not a headline outcome"));
        assert!(
            producible[index],
            "observed outcome `{outcome}` ends no path of the headline"
        );
        rows += 1;
    }
    assert!(rows >= 1, "the observed record is empty");
}
