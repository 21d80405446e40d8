//! Gambit interchange: reading `.efg`/`.nfg`, writing them, round trips, located errors,
//! and robustness against mangled input.

use std::fmt::Write as _;
use std::path::PathBuf;

use demarche::gambit::{GameFile, parse_efg, parse_game_file, parse_nfg, write_efg, write_nfg};
use demarche::game::normal::NormalForm;
use demarche::game::{Game, Mover, Profile};
use proptest::prelude::*;

mod common;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gambit")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sample_files(ext: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.ends_with(ext) && !n.ends_with(".proptest-regressions"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    names
}

/// Everything a game file says, in preorder, independent of `write_efg` and of the
/// internal node numbering. Floats are printed with `{:?}` (shortest round-trip form), so
/// equal dumps mean bit-equal numbers.
fn dump(g: &Game) -> String {
    dump_with(g, true)
}

fn dump_with(g: &Game, node_labels: bool) -> String {
    let mut s = format!(
        "title {:?}\ncomment {:?}\nplayers {:?}\n",
        g.title(),
        g.comment(),
        g.players()
    );
    let mut stack = vec![0usize];
    while let Some(node) = stack.pop() {
        let _ = write!(s, "node {:?}", if node_labels { g.node_label(node) } else { "" });
        if let Some(h) = g.node_infoset(node) {
            let info = g.infoset(h);
            let _ = write!(
                s,
                " set {:?}#{} {:?} {:?} name {:?}",
                info.mover,
                info.number,
                info.label,
                info.actions,
                g.infoset_name(h)
            );
            if info.mover == Mover::Chance {
                let _ = write!(s, " probs {:?}", &g.chance_probs()[info.action_range()]);
            }
        }
        if let Some(o) = g.node_outcome(node) {
            let _ = write!(s, " outcome {:?} {:?}", g.outcome_label(o), g.outcome_payoffs(o));
        }
        s.push('\n');
        stack.extend(g.children(node).rev());
    }
    s
}

/// A behaviour profile given by (information-set label, action label, probability).
fn profile(g: &Game, entries: &[(&str, &str, f64)]) -> Profile {
    let mut p = g.uniform_profile();
    for &(set, action, prob) in entries {
        let h = (0..g.infosets().len())
            .find(|&h| g.infoset_name(h) == set)
            .unwrap_or_else(|| panic!("no information set {set}"));
        let info = g.infoset(h);
        let k = info.actions.iter().position(|a| a == action).unwrap();
        p.probs[info.action_offset + k] = prob;
    }
    p
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "got {got:?}, want {want:?}");
    }
}

#[test]
fn poker_reads_with_references_by_number() {
    let g = parse_efg(&read("poker.efg"), "poker.efg").unwrap();
    assert_eq!(g.players(), ["Alice", "Bob"]);
    assert_eq!(g.n_nodes(), 11);
    assert_eq!(g.infosets().len(), 4);
    let bob = g
        .infosets()
        .iter()
        .find(|h| h.label == "Bob after raise")
        .unwrap();
    assert_eq!(
        bob.nodes.len(),
        2,
        "the second Bob node refers to set 1 by number only"
    );
    assert_eq!(bob.mover, Mover::Player(1));
    assert_eq!(g.chance_probs().iter().sum::<f64>(), 1.0);
    // Equilibrium: Alice raises the Queen with probability 1/3, Bob calls with 2/3.
    // Alice's value: 1/2 * (2/3 * 2 + 1/3 * 1) + 1/2 * (-1) = 1/3.
    let eq = profile(
        &g,
        &[
            ("Alice has King", "Raise", 1.0),
            ("Alice has King", "Fold", 0.0),
            ("Alice has Queen", "Raise", 1.0 / 3.0),
            ("Alice has Queen", "Fold", 2.0 / 3.0),
            ("Bob after raise", "Call", 2.0 / 3.0),
            ("Bob after raise", "Fold", 1.0 / 3.0),
        ],
    );
    assert_close(&g.expected_payoffs(&eq), &[1.0 / 3.0, -1.0 / 3.0]);
}

#[test]
fn horse_has_one_information_set_for_player_three() {
    let g = parse_efg(&read("horse.efg"), "horse.efg").unwrap();
    assert_eq!(g.n_players(), 3);
    let three: Vec<_> = g
        .player_infosets()
        .filter(|(_, h)| h.mover == Mover::Player(2))
        .collect();
    assert_eq!(three.len(), 1);
    assert_eq!(three[0].1.nodes.len(), 2);
    // (A, a, R): payoffs (1, 1, 1).
    let p = profile(
        &g,
        &[("1", "A", 1.0), ("1", "D", 0.0), ("2", "a", 1.0), ("2", "d", 0.0)],
    );
    assert_close(&g.expected_payoffs(&p), &[1.0, 1.0, 1.0]);
}

#[test]
fn nonterminal_outcomes_add_up_along_the_path() {
    let g = parse_efg(&read("staged.efg"), "staged.efg").unwrap();
    assert_eq!(g.chance_probs().iter().filter(|p| **p > 0.0).count(), 2);
    // Large market (0.3), Enter, Share, Allow: setup (-1, 0, 0.5) + fee (-0.25, 0.25, 0)
    // + (3, 2, 0.1). Small market (0.7), Enter, Share, Allow: setup + fee + (1, 1, 1).
    let p = profile(
        &g,
        &[
            ("Entrant", "Enter", 1.0),
            ("Entrant", "Stay out", 0.0),
            ("Incumbent, large", "Fight", 0.0),
            ("Incumbent, large", "Share", 1.0),
            ("Incumbent, small", "Fight", 0.0),
            ("Incumbent, small", "Share", 1.0),
            ("Regulator after sharing", "Allow", 1.0),
            ("Regulator after sharing", "Block", 0.0),
        ],
    );
    let want = [
        -1.25 + 0.3 * 3.0 + 0.7 * 1.0,
        0.25 + 0.3 * 2.0 + 0.7 * 1.0,
        0.5 + 0.3 * 0.1 + 0.7 * 1.0,
    ];
    assert_close(&g.expected_payoffs(&p), &want);
    let quoted = (0..g.n_outcomes()).any(|o| g.outcome_label(o) == "A \"quoted\" outcome");
    assert!(quoted);
}

#[test]
fn every_sample_efg_round_trips() {
    for name in sample_files(".efg") {
        let g1 = parse_efg(&read(&name), &name).unwrap_or_else(|e| panic!("{e}"));
        let written = write_efg(&g1);
        let g2 = parse_efg(&written, "written").unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
        assert_eq!(dump(&g1), dump(&g2), "{name}\n{written}");
        assert_eq!(write_efg(&g2), written, "{name}: writing is deterministic");
    }
}

#[test]
fn repeated_node_labels_are_made_distinct_for_gambit() {
    // Gambit 16.7 rejects two nodes with the same non-empty label; the writer renames
    // them as Gambit renames other duplicates, and leaves empty labels alone.
    let src = "EFG 2 R \"\" { \"A\" }\n\
               p \"x\" 1 1 \"\" { \"L\" \"R\" } 0\n\
               t \"x\" 1 \"\" { 1 }\n\
               p \"x_1\" 1 2 \"\" { \"l\" \"r\" } 0\n\
               t \"\" 0\nt \"\" 0\n";
    let g = parse_efg(src, "d.efg").unwrap();
    let written = write_efg(&g);
    let labels: Vec<&str> = written
        .lines()
        .skip(3)
        .map(|l| l.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(labels, ["x_2", "x_3", "x_1", "", ""], "{written}");
}

#[test]
fn writer_uses_exact_fractions_for_chance() {
    let g = parse_efg(&read("signal3.efg"), "signal3.efg").unwrap();
    let written = write_efg(&g);
    assert!(
        written.contains("\"Low\" 1/3 \"Mid\" 1/3 \"High\" 1/3"),
        "{written}"
    );
    let g = parse_efg(&read("staged.efg"), "staged.efg").unwrap();
    assert!(write_efg(&g).contains("\"Large\" 3/10 \"Small\" 7/10"));
}

#[test]
fn rounded_decimal_chance_probabilities_are_rescaled() {
    let src = "EFG 2 R \"\" { \"A\" } \"\"\n\
               c \"\" 1 \"\" { \"x\" 0.333333 \"y\" 0.333333 \"z\" 0.333333 } 0\n\
               t \"\" 1 \"\" { 1 }\nt \"\" 2 \"\" { 2 }\nt \"\" 3 \"\" { 3 }\n";
    let g = parse_efg(src, "r.efg").unwrap();
    let probs = g.chance_probs();
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    assert!((probs[0] - 1.0 / 3.0).abs() < 1e-15);
}

#[test]
fn perfect_recall_violation_points_at_the_declaration() {
    let src = "EFG 2 R \"forgetful\" { \"A\" \"B\" }\n\"\"\n\
               p \"\" 1 1 \"first\" { \"L\" \"R\" } 0\n\
               p \"\" 1 2 \"second\" { \"l\" \"r\" } 0\n\
               t \"\" 1 \"\" { 1, 0 }\n\
               t \"\" 2 \"\" { 0, 1 }\n\
               p \"\" 1 2 \"second\" { \"l\" \"r\" } 0\n\
               t \"\" 3 \"\" { 2, 0 }\n\
               t \"\" 4 \"\" { 0, 2 }\n";
    let err = parse_efg(src, "f.efg").unwrap_err();
    assert_eq!(
        err.to_string(),
        "f.efg:4:8: the game lacks perfect recall: information set second holds nodes that A \
         reaches by different histories of its own moves (the information set is declared here)"
    );
}

/// Parses `src` as `.efg` and compares the full error text.
fn check_efg_error(src: &str, expected: &[&str]) {
    let err = parse_efg(src, "m.efg").expect_err(src);
    let got: Vec<String> = err.0.iter().map(|d| d.to_string()).collect();
    assert_eq!(got, expected, "input:\n{src}");
}

const HEAD: &str = "EFG 2 R \"t\" { \"A\" \"B\" }\n";

#[test]
fn mangled_efg_gives_located_messages() {
    check_efg_error(
        "",
        &["m.efg:1:1: expected `EFG` at the start of the file, found the end of the file"],
    );
    check_efg_error(
        "EFG 3 R \"t\" { \"A\" }",
        &["m.efg:1:5: only version 2 of the EFG format is supported"],
    );
    check_efg_error("EFG 2 R \"t\" { }", &["m.efg:1:13: the game has no players"]);
    check_efg_error(
        &format!("{HEAD}p \"\" 1 1 \"a\" {{ \"L\" \"R\" }} 0\nt \"\" 1 \"\" {{ 1 2 }}\n"),
        &["m.efg:4:1: the file ends before the game tree is complete: 1 more node is expected"],
    );
    check_efg_error(
        &format!("{HEAD}t \"\" 1 \"\" {{ 1 2 }}\nt \"\" 0\n"),
        &["m.efg:3:1: found `t` after the last node of the game tree, which is already complete"],
    );
    check_efg_error(
        &format!("{HEAD}p \"\" 3 1 \"a\" {{ \"L\" \"R\" }} 0\nt \"\" 1 \"\" {{ 1 2 }}\nt \"\" 1\n"),
        &["m.efg:2:6: player number 3 is out of range: the game has 2 players (numbered from 1)"],
    );
    check_efg_error(
        &format!("{HEAD}c \"\" 1 \"\" {{ \"H\" 0.5 \"T\" 0.6 }} 0\nt \"\" 1 \"\" {{ 1 2 }}\nt \"\" 1\n"),
        &["m.efg:2:11: chance information set 1: probabilities sum to 1.1, not 1"],
    );
    check_efg_error(
        &format!("{HEAD}c \"\" 1 \"\" {{ \"H\" -1/2 \"T\" 3/2 }} 0\nt \"\" 1 \"\" {{ 1 2 }}\nt \"\" 1\n"),
        &["m.efg:2:11: chance information set 1: probability -0.5 is outside [0, 1]"],
    );
    // Two independent problems in one file are both reported.
    check_efg_error(
        &format!("{HEAD}p \"\" 1 1 \"a\" {{ \"L\" \"R\" }} 0\nt \"\" 1 \"\" {{ 1 2 3 }}\nt \"\" 2\n"),
        &[
            "m.efg:3:11: outcome 1 has 3 payoffs, but the game has 2 players",
            "m.efg:4:6: outcome 2 is used before its payoffs are given",
        ],
    );
    check_efg_error(
        &format!("{HEAD}p \"\" 1 1 {{ \"L\" \"R\" }} 0\np \"\" 1 2 0\nt \"\" 0\nt \"\" 0\n"),
        &["m.efg:3:8: information set 2 of player A is used before its actions are declared"],
    );
    check_efg_error(
        &format!(
            "{HEAD}p \"\" 1 1 \"a\" {{ \"L\" \"R\" }} 0\np \"\" 2 1 \"b\" {{ \"l\" }} 0\nt \"\" 0\np \"\" 1 1 \"a\" {{ \"L\" \"X\" }} 0\nt \"\" 0\nt \"\" 0\n"
        ),
        &[
            "m.efg:5:10: information set 1 of player A does not match its declaration at line 2, column 8: actions [\"L\", \"X\"] instead of [\"L\", \"R\"]",
        ],
    );
    check_efg_error(
        &format!("{HEAD}t \"\" 1 \"win\" {{ 1 2 }} 7\n"),
        &["m.efg:2:22: found the number 7 after the last node of the game tree, which is already complete"],
    );
    check_efg_error(
        &format!("{HEAD}t \"\" 0 \"x\" {{ 1 2 }}\n"),
        &["m.efg:2:6: outcome 0 stands for \"no outcome\" and cannot have a label or payoffs"],
    );
    check_efg_error(
        &format!("{HEAD}t \"\" 1 \"x\" {{ 1 2/0 }}\n"),
        &["m.efg:2:16: `2/0` divides by zero"],
    );
    check_efg_error(
        &format!("{HEAD}t \"\" 1 \"x {{ 1 2 }}\n"),
        &["m.efg:2:8: unterminated label: the closing quote `\"` is missing"],
    );
    // A broken node entry: report it once, resynchronise, and keep checking later nodes
    // without complaining about the node count.
    check_efg_error(
        &format!("{HEAD}p \"\" 1 1 \"a\" {{ \"L\" \"R\" }} 0\nt \"\" x 1\nt \"\" 1 \"\" {{ 1 2 3 }}\n"),
        &[
            "m.efg:3:6: expected the outcome number (0 for none), found `x`",
            "m.efg:4:11: outcome 1 has 3 payoffs, but the game has 2 players",
        ],
    );
    check_efg_error(
        &format!("{HEAD}q \"\" 0\n"),
        &["m.efg:2:1: expected a node (`c`, `p` or `t`), found `q`"],
    );
    check_efg_error(
        &format!("{HEAD}p \"\" 1 1.5 \"a\" {{ \"L\" }} 0\nt \"\" 0\n"),
        &["m.efg:2:8: the information set number must be a non-negative whole number"],
    );
}

#[test]
fn lenient_forms_are_accepted() {
    // No comment, payoffs without commas, decimals with exponents, rationals, an empty
    // label, escapes in labels, a repeated full description that matches, and the
    // double-precision marker `D`.
    let src = "EFG 2 D \"a \\\"quoted\\\" title\" { \"A\" \"\" }\n\
               c \"root\" 1 \"\" { \"x\" 1/4, \"y\" .75 } 0\n\
               p \"\" 2 1 \"\" { \"l\" \"r\" } 1 \"o\" { 1e1 -2.5E-1 }\n\
               t \"\" 2 \"\" { +1, 1/2 }\n\
               t \"\" 1 \"o\" { 10, -0.25 }\n\
               p \"\" 2 1 \"\" { \"l\" \"r\" } 0\n\
               t \"\" 2\n\
               t \"\" 0\n";
    let g = parse_efg(src, "l.efg").unwrap();
    assert_eq!(g.title(), "a \"quoted\" title");
    assert_eq!(g.players(), ["A", ""]);
    assert_eq!(g.infoset_name(1), ":1", "empty labels name sets as player:number");
    assert_eq!(g.outcome_payoffs(0), &[10.0, -0.25]);
    assert_eq!(g.outcome_payoffs(1), &[1.0, 0.5]);
    assert_eq!(&g.chance_probs()[..2], &[0.25, 0.75]);
    let again = parse_efg(&write_efg(&g), "w").unwrap();
    assert_eq!(dump(&g), dump(&again));
}

#[test]
fn deep_trees_do_not_overflow_the_stack() {
    let depth = 200_000;
    let mut src = String::from("EFG 2 R \"chain\" { \"A\" }\n");
    for _ in 0..depth {
        src.push_str("p \"\" 1 1 \"\" { \"stop\" \"go\" } 0\nt \"\" 0\n");
    }
    src.push_str("t \"\" 1 \"end\" { 1 }\n");
    // Perfect recall fails (one set on a path), but the reader must get that far.
    let err = parse_efg(&src, "deep.efg").unwrap_err();
    assert!(err.to_string().contains("perfect recall"), "{err}");
}

// ---------- .nfg ----------

#[test]
fn nfg_versions_agree() {
    let pd = parse_nfg(&read("pd.nfg"), "pd.nfg").unwrap();
    assert_eq!(pd.players(), ["Row", "Column"]);
    assert_eq!(pd.strategies()[0], ["Cooperate", "Defect"]);
    assert_eq!(pd.payoff(&[1, 0], 0), 5.0);
    assert_eq!(pd.payoff(&[1, 0], 1), 0.0);
    assert_eq!(pd.payoff(&[1, 1], 1), 1.0);

    let bos = parse_nfg(&read("bos.nfg"), "bos.nfg").unwrap();
    assert_eq!(bos.payoff_table(), &[2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0]);

    let mp = parse_nfg(&read("asym_pennies.nfg"), "asym_pennies.nfg").unwrap();
    assert_eq!(
        mp.strategies(),
        &[vec!["1".to_string(), "2".into()], vec!["1".into(), "2".into()]]
    );
    assert_eq!(mp.payoff(&[0, 0], 0), 9.0);

    // The same game in the outcome version (Gambit's documented example, e02).
    let outcome = "NFG 1 R \"Selten\" { \"Player 1\" \"Player 2\" }\n\
                   { { \"1\" \"2\" \"3\" } { \"1\" \"2\" } }\n\"\"\n\
                   { { \"\" 1, 1 } { \"\" 0, 2 } { \"\" 0, 2 } { \"\" 1, 1 } { \"\" 0, 3 } { \"\" 2, 0 } }\n\
                   1 2 3 4 5 6\n";
    let payoff = "NFG 1 R \"Selten\" { \"Player 1\" \"Player 2\" } { 3 2 }\n\n1 1 0 2 0 2 1 1 0 3 2 0\n";
    assert_eq!(parse_nfg(outcome, "o").unwrap(), parse_nfg(payoff, "p").unwrap());
}

#[test]
fn every_sample_nfg_round_trips() {
    for name in sample_files(".nfg") {
        let g1 = parse_nfg(&read(&name), &name).unwrap_or_else(|e| panic!("{e}"));
        let written = write_nfg(&g1);
        let g2 = parse_nfg(&written, "written").unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
        assert_eq!(g1, g2, "{name}\n{written}");
    }
}

fn check_nfg_error(src: &str, expected: &[&str]) {
    let err = parse_nfg(src, "m.nfg").expect_err(src);
    let got: Vec<String> = err.0.iter().map(|d| d.to_string()).collect();
    assert_eq!(got, expected, "input:\n{src}");
}

#[test]
fn mangled_nfg_gives_located_messages() {
    let head = "NFG 1 R \"g\" { \"A\" \"B\" } { 2 2 }\n";
    check_nfg_error(
        &format!("{head}1 2 3 4 5 6 7\n"),
        &[
            "m.nfg:3:1: the file ends after 7 payoffs, but the table needs 8 (one per player and strategy profile)",
        ],
    );
    check_nfg_error(
        &format!("{head}1 2 3 4 5 6 7 8 9\n"),
        &["m.nfg:2:17: unexpected extra payoff: the table has 8 entries"],
    );
    check_nfg_error(
        &format!("{head}1 2 x 4 5 6 7 8 9\n"),
        &["m.nfg:2:5: expected a payoff, found `x`"],
    );
    check_nfg_error(
        "NFG 1 R \"g\" { \"A\" \"B\" } { 2 }\n1 2 3 4\n",
        &["m.nfg:1:25: strategies are given for 1 player, but the game has 2"],
    );
    check_nfg_error(
        &format!("{head}{{ {{ \"o\" 1 2 }} {{ \"p\" 1 }} }}\n1 2 3 0\n"),
        &[
            "m.nfg:2:15: outcome 2 has 1 payoffs, but the game has 2 players",
            "m.nfg:3:5: outcome 3 does not exist: 2 outcomes are listed",
        ],
    );
    check_nfg_error(
        "NFG 1 R \"g\" { \"A\" \"B\" } { 100000 100000 }\n",
        &["m.nfg:1:25: the payoff table would have more than 50000000 entries"],
    );
}

#[test]
fn game_file_dispatches_on_the_header() {
    assert!(matches!(
        parse_game_file(&read("poker.efg"), "poker.efg").unwrap(),
        GameFile::Extensive(_)
    ));
    match parse_game_file(&read("pd.nfg"), "pd.nfg").unwrap() {
        GameFile::Normal(g) => assert_eq!(g.n_profiles(), 4),
        GameFile::Extensive(_) => panic!("pd.nfg is a normal-form game"),
    }
}

// ---------- robustness ----------

fn distinct_node_labels(g: &Game) -> bool {
    let mut seen = std::collections::HashSet::new();
    (0..g.n_nodes()).all(|n| g.node_label(n).is_empty() || seen.insert(g.node_label(n)))
}

/// Parsing must return (never panic), errors must be located, and whatever parses must
/// survive a write/read round trip unchanged.
fn parse_never_panics(src: &str) {
    match parse_game_file(src, "x") {
        Ok(GameFile::Extensive(g)) => {
            let written = write_efg(&g);
            let again = parse_efg(&written, "w").expect("written game reads back");
            assert_eq!(write_efg(&again), written);
            if distinct_node_labels(&g) {
                assert_eq!(dump(&g), dump(&again));
            } else {
                assert_eq!(dump_with(&g, false), dump_with(&again, false));
            }
        }
        Ok(GameFile::Normal(g)) => {
            let again: NormalForm = parse_nfg(&write_nfg(&g), "w").expect("written game reads back");
            assert_eq!(g, again);
        }
        Err(diags) => {
            assert!(!diags.0.is_empty());
            for d in &diags.0 {
                assert!(d.line >= 1 && d.col >= 1 && !d.message.is_empty(), "{d}");
            }
        }
    }
}

#[test]
fn every_truncation_of_every_sample_is_handled() {
    for name in sample_files("") {
        let src = read(&name);
        for cut in (0..=src.len()).filter(|&i| src.is_char_boundary(i)) {
            parse_never_panics(&src[..cut]);
        }
    }
}

const NOISE: &[&str] = &[
    "{",
    "}",
    "\"",
    "\\",
    ",",
    " ",
    "\n",
    "0",
    "1",
    "7",
    "-",
    "+",
    "/",
    ".",
    "e",
    "p",
    "c",
    "t",
    "x",
    "99999999999999999999",
    "é",
];

proptest! {
    #![proptest_config(common::proptest_config(400))]

    #[test]
    fn mutated_samples_never_panic(
        file in 0usize..7,
        edits in prop::collection::vec((0.0f64..1.0, 0usize..NOISE.len(), 0usize..3), 1..6),
    ) {
        let names = sample_files("");
        let mut src = read(&names[file % names.len()]);
        for (at, noise, op) in edits {
            let mut pos = ((src.len() as f64) * at) as usize;
            while !src.is_char_boundary(pos) {
                pos -= 1;
            }
            match op {
                0 => src.insert_str(pos, NOISE[noise]),
                1 => {
                    let end = src[pos..].chars().next().map_or(pos, |c| pos + c.len_utf8());
                    src.replace_range(pos..end, "");
                }
                _ => {
                    let end = src[pos..].chars().next().map_or(pos, |c| pos + c.len_utf8());
                    src.replace_range(pos..end, NOISE[noise]);
                }
            }
        }
        parse_never_panics(&src);
    }
}
