//! The scenario language: loader diagnostics, expressions, priors, tree construction.

use demarche::model::{self, Model};

fn load_file(name: &str) -> Model {
    let path = format!("{}/tests/data/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    match model::load(&src, name) {
        Ok(m) => m,
        Err(d) => panic!("{name} failed to load:\n{d}"),
    }
}

#[test]
fn entry_example_from_the_docs_compiles() {
    let m = load_file("entry.toml");
    let g = m.game();
    println!("{:?}", m.describe());
    assert_eq!(g.n_nodes(), 5);
    for node in 0..g.n_nodes() {
        if g.is_terminal(node) {
            println!(
                "{} {} {:?}",
                m.path_label(node),
                m.outcomes()[m.terminal_outcome(node)],
                g.outcome_payoffs(g.node_outcome(node).unwrap())
            );
        }
    }
}

#[test]
fn textbook_compile() {
    for f in ["alternating_offers.toml", "fearon_crisis.toml"] {
        let path = format!("{}/scenarios/textbook/{f}", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        match model::load(&src, f) {
            Ok(m) => println!(
                "{f}: {} nodes {} infosets",
                m.game().n_nodes(),
                m.describe().infosets
            ),
            Err(d) => panic!("{d}"),
        }
    }
}
