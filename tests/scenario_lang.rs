//! The scenario language: loader diagnostics, expressions, priors, information sets,
//! rounds, and the two textbook scenarios checked against their closed forms.

use demarche::game::{Game, Profile};
use demarche::model::{self, Model};
use demarche::scenario::Prior;
use demarche::scenario::dist::{normal_cdf, normal_quantile};
use demarche::scenario::expr::eval_str;
use demarche::solve::solve_spe;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn load_ok(src: &str) -> Model {
    match model::load(src, "t.toml") {
        Ok(m) => m,
        Err(d) => panic!("expected the scenario to load, got:\n{d}"),
    }
}

/// Loads `src` as `t.toml` and checks that the diagnostics are exactly `expected`, each
/// given as `"line:col: fragment of the message"`, in order.
fn check_errors(src: &str, expected: &[&str]) {
    let diags = match model::load(src, "t.toml") {
        Ok(_) => panic!("expected errors {expected:?}, but the scenario loaded"),
        Err(d) => d,
    };
    let got: Vec<String> = diags.0.iter().map(|d| d.to_string()).collect();
    let ok = got.len() == expected.len()
        && got.iter().zip(expected).all(|(g, e)| {
            let (pos, frag) = e.split_once(": ").unwrap();
            g.starts_with(&format!("t.toml:{pos}: ")) && g.contains(frag)
        });
    assert!(
        ok,
        "expected:\n  {}\ngot:\n  {}",
        expected.join("\n  "),
        got.join("\n  ")
    );
}

/// A small valid scenario; tests splice lines into it.
const BASE: &str = r#"[scenario]
name = "base"
features = ["x", "y"]

[parameters.q]
default = 0.3
prior = { dist = "uniform", low = 0, high = 1 }

[actors.a]
weights = { x = 1 }

[actors.b]
weights = { y = "2 * q" }

[outcomes.done]
[outcomes.other]

[[moves]]
id = "first"
actor = "a"
  [[moves.actions]]
  id = "stop"
  outcome = "done"
  effects = { x = 1 }
  [[moves.actions]]
  id = "go"

[[moves]]
id = "second"
actor = "b"
  [[moves.actions]]
  id = "left"
  outcome = "done"
  effects = { y = "q" }
  [[moves.actions]]
  id = "right"
  outcome = "other"
"#;

fn base_with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from:?}");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_scenario_loads() {
    let m = load_ok(BASE);
    assert_eq!(m.game().n_nodes(), 5);
    assert_eq!(m.outcomes(), ["done", "other"]);
    let d = m.describe();
    assert_eq!((d.nodes, d.infosets), (5, 2));
    let json = serde_json::to_value(&d).unwrap();
    for key in ["actors", "parameters", "outcomes", "nodes", "infosets"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["parameters"][0]["prior"], "uniform(0, 1)");
}

#[test]
fn loader_rejections_are_located() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            base_with("[actors.a]\nweights", "[actors.a]\nnmae = \"A\"\nweights"),
            vec!["10:1: unknown key `nmae` in [actors.a] (did you mean `name`?)"],
        ),
        (
            base_with("weights = { x = 1 }", "weights = { z = 1 }"),
            vec!["10:13: unknown feature `z` in [actors.a] weights (did you mean `x`?)"],
        ),
        (
            base_with("weights = { y = \"2 * q\" }", "weights = { y = \"2 * qq + 1\" }"),
            vec!["13:22: in `y` of [actors.b] weights: unknown name `qq` (did you mean `q`?)"],
        ),
        (
            base_with("weights = { y = \"2 * q\" }", "weights = { y = \"2 * (q + \" }"),
            vec!["13:27: expected a number, a name or `(`, found end of expression"],
        ),
        (
            base_with("id = \"second\"\nactor = \"b\"", "id = \"second\"\nactor = \"c\""),
            vec!["30:9: move `second`: unknown actor `c` (did you mean `a`?)"],
        ),
        (
            base_with("outcome = \"other\"", "outcome = \"othr\""),
            vec!["37:13: unknown outcome `othr` (did you mean `other`?)"],
        ),
        (
            base_with("id = \"second\"\n", "id = \"second\"\nwhen = \"first == goo\"\n"),
            vec!["30:18: move `first` has no action `goo` (did you mean `go`?)"],
        ),
        (
            base_with("id = \"first\"\n", "id = \"first\"\nwhen = \"second == left\"\n"),
            vec!["20:9: move `second` comes later"],
        ),
        (
            base_with("id = \"second\"\n", "id = \"second\"\nwhen = \"first == stop\"\n"),
            vec![
                "18:1: a path ends without an outcome, e.g. `first=go`",
                "28:1: move `second` is unreachable: its `when` condition never holds",
            ],
        ),
        (
            base_with(
                "  [[moves.actions]]\n  id = \"go\"\n",
                "  [[moves.actions]]\n  id = \"go\"\n  outcome = \"done\"\n",
            ),
            vec!["29:1: move `second` is unreachable: every path ends before it"],
        ),
        (
            base_with("outcome = \"other\"\n", ""),
            vec!["28:1: a path ends without an outcome, e.g. `first=go>second=right`"],
        ),
        (
            BASE.replace("[outcomes.done]", "[settings]\nmax_nodes = 3\n\n[outcomes.done]"),
            vec!["1:1: the game tree would have 5 nodes, more than the limit of 3"],
        ),
        (
            base_with(
                "prior = { dist = \"uniform\", low = 0, high = 1 }",
                "prior = { dist = \"unifrom\", low = 0, high = 1 }",
            ),
            vec!["7:18: unknown distribution `unifrom` (did you mean `uniform`?)"],
        ),
        (
            base_with("default = 0.3", "default = 3"),
            vec!["6:11: default 3 of [parameters.q] is outside its bounds [0, 1]"],
        ),
        (
            BASE.to_string() + "\n[[moves]]\nid = \"third\"\nactor = \"a\"\nactions = []\n",
            vec!["42:11: move `third` has an empty action set"],
        ),
        (
            BASE.to_string() + "\n[derived]\nu = \"v + 1\"\nv = \"2 * u\"\n",
            vec!["40:5: derived values form a cycle: u -> v -> u"],
        ),
    ];
    for (src, expected) in &cases {
        if std::env::var("SHOW").is_ok() {
            match model::load(src, "t.toml") {
                Ok(_) => println!("LOADED for {expected:?}"),
                Err(d) => println!("{d}\n---"),
            }
            continue;
        }
        check_errors(src, expected);
    }
}

const CHANCE: &str = r#"[scenario]
name = "chance"
features = ["x"]
[parameters.q]
default = 0.5
[actors.a]
weights = { x = 1 }
[outcomes.h]
[outcomes.t]
[[moves]]
id = "coin"
actor = "chance"
  [[moves.actions]]
  id = "heads"
  prob = PH
  outcome = "h"
  [[moves.actions]]
  id = "tails"
  prob = PT
  outcome = "t"
"#;

#[test]
fn chance_probabilities_are_checked() {
    let with = |ph: &str, pt: &str| CHANCE.replace("PH", ph).replace("PT", pt);
    check_errors(
        &with("1.5", "-0.5"),
        &[
            "15:10: probability of action `heads` of move `coin` 1.5 is outside [0, 1]",
            "19:10: probability of action `tails` of move `coin` -0.5 is outside [0, 1]",
        ],
    );
    check_errors(
        &with("0.5", "0.6"),
        &["10:1: the probabilities of chance move `coin` sum to 1.1"],
    );
    // Expressions are checked when filled; at the defaults that is a load error.
    check_errors(
        &with("\"q\"", "\"q / 2\""),
        &["1:1: at the parameter defaults: chance move `coin`: probabilities sum to 0.75"],
    );
    let m = load_ok(&with("\"q\"", "\"1 - q\""));
    let mut game = m.game().clone();
    let mut scratch = m.new_scratch();
    let err = m.fill(&[1.5], &mut scratch, &mut game).unwrap_err();
    assert!(err.to_string().contains("chance move `coin`"), "{err}");
    m.fill(&[0.25], &mut scratch, &mut game).unwrap();
    assert_eq!(&game.chance_probs()[..2], &[0.25, 0.75]);
}

#[test]
fn many_errors_are_reported_at_once() {
    let src = BASE
        .replace("weights = { x = 1 }", "weights = { z = 1 }")
        .replace("outcome = \"other\"", "outcome = \"nowhere\"")
        .replace("[actors.a]\n", "[actors.a]\ncolour = 1\n");
    let err = model::load(&src, "t.toml").unwrap_err();
    assert_eq!(err.0.len(), 3, "{err}");
}

#[test]
fn toml_syntax_error_is_located() {
    check_errors("[scenario\nname = 1\n", &["1:10: TOML syntax error"]);
}

#[test]
fn expressions_evaluate() {
    let names = [("a", 2.0), ("b", 3.0)];
    let cases: &[(&str, f64)] = &[
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("-2^2", -4.0),
        ("2^3^2", 512.0),
        ("2^-1", 0.5),
        ("a - b - 1", -2.0),
        ("a / b * 3", 2.0),
        ("min(a, b, 0.5)", 0.5),
        ("max(a, b)", 3.0),
        ("clamp(5, 0, a)", 2.0),
        ("clamp(-5, 0, a)", 0.0),
        ("logistic(0)", 0.5),
        ("exp(0) + ln(1)", 1.0),
        ("sqrt(16) + abs(-2)", 6.0),
        ("sin(0) + cos(0)", 1.0),
        ("pow(a, b)", 8.0),
        ("if(a > b, 1, 2)", 2.0),
        ("if(a <= b, 1, 2)", 1.0),
        ("(a == 2) + (b != 3) + (a < b) + (a >= b)", 2.0),
        ("cos(pi)", -1.0),
        ("1e-1 + .5", 0.6),
    ];
    for (text, want) in cases {
        let got = eval_str(text, &names).unwrap();
        assert!((got - want).abs() < 1e-12, "{text}: got {got}, want {want}");
    }
    let err = eval_str("1 + foo(2)", &names).unwrap_err();
    assert_eq!(err[0].offset, 4);
    assert!(err[0].message.contains("unknown function `foo`"));
    let err = eval_str("x + y", &names).unwrap_err();
    assert_eq!(err.len(), 2, "both unknown names are reported");
    assert!(eval_str("clamp(1, 2)", &names).is_err());
    assert!(eval_str("1 < 2 < 3", &names).is_err());
}

#[test]
fn inverse_cdfs_invert_their_cdfs() {
    let priors = [
        Prior::Uniform { low: -1.0, high: 3.0 },
        Prior::Normal {
            mean: 0.5,
            sd: 0.1,
            low: f64::NEG_INFINITY,
            high: f64::INFINITY,
        },
        Prior::Normal {
            mean: 0.5,
            sd: 0.1,
            low: 0.0,
            high: 0.55,
        },
        Prior::Normal {
            mean: 0.0,
            sd: 1.0,
            low: 3.0,
            high: 6.0,
        },
        Prior::Beta {
            alpha: 2.0,
            beta: 5.0,
            low: 0.0,
            high: 1.0,
        },
        Prior::Beta {
            alpha: 0.5,
            beta: 0.5,
            low: 10.0,
            high: 20.0,
        },
        Prior::Beta {
            alpha: 30.0,
            beta: 3.0,
            low: 0.0,
            high: 1.0,
        },
        Prior::Triangular {
            low: 0.0,
            mode: 0.2,
            high: 1.0,
        },
        Prior::LogNormal { mu: 0.7, sigma: 0.3 },
    ];
    for prior in &priors {
        let (lo, hi) = prior.support();
        for i in 1..200 {
            let u = i as f64 / 200.0;
            let x = prior.inverse_cdf(u);
            assert!(x >= lo && x <= hi, "{prior}: x = {x} outside support at u = {u}");
            let back = prior.cdf(x);
            assert!((back - u).abs() < 1e-9, "{prior}: cdf(inverse_cdf({u})) = {back}");
        }
    }
    // Reference values (scipy.stats / Python's statistics.NormalDist).
    assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
    assert!((normal_quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-9);
    assert!((normal_cdf(-3.0) - 0.001_349_898_031_630_094_6).abs() < 1e-15);
    let discrete = Prior::Discrete {
        values: vec![0.0, 1.0, 2.0],
        probs: vec![0.5, 0.3, 0.2],
    };
    let picks: Vec<f64> = [0.1, 0.49, 0.51, 0.79, 0.81, 0.999]
        .iter()
        .map(|&u| discrete.inverse_cdf(u))
        .collect();
    assert_eq!(picks, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
    assert_eq!(Prior::Fixed { value: 3.0 }.inverse_cdf(0.3), 3.0);
    let shown = Prior::Normal {
        mean: 0.5,
        sd: 0.1,
        low: 0.0,
        high: 1.0,
    }
    .to_string();
    assert_eq!(shown, "normal(0.5, 0.1) truncated [0, 1]");
}

const SIGNAL: &str = r#"[scenario]
name = "private information"
features = ["x"]
[actors.a]
weights = { x = 1 }
[actors.b]
weights = { x = -1 }
[actors.b.types.tough]
prior = 0.4
[actors.b.types.soft]
prior = 0.6
weights = { x = 1 }
[outcomes.end]
[[moves]]
id = "signal"
actor = "b"
  [[moves.actions]]
  id = "quiet"
  [[moves.actions]]
  id = "loud"
[[moves]]
id = "hidden"
actor = "chance"
visible_to = ["b"]
  [[moves.actions]]
  id = "h1"
  prob = 0.5
  [[moves.actions]]
  id = "h2"
  prob = 0.5
[[moves]]
id = "respond"
actor = "a"
  [[moves.actions]]
  id = "yield"
  outcome = "end"
  [[moves.actions]]
  id = "resist"
  outcome = "end"
  effects = { x = 1 }
"#;

#[test]
fn information_sets_follow_visibility() {
    let m = load_ok(SIGNAL);
    let g = m.game();
    let mut sets: Vec<(String, usize)> = g
        .player_infosets()
        .map(|(h, info)| (g.infoset_name(h), info.nodes.len()))
        .collect();
    sets.sort();
    // b's signal is split by type (it knows its type); a's response cannot see the type
    // nor the hidden chance move, so each signal gives one set over 2 types x 2 draws.
    assert_eq!(
        sets,
        [
            ("a:respond".to_string(), 4),
            ("a:respond#2".to_string(), 4),
            ("b:signal".to_string(), 1),
            ("b:signal#2".to_string(), 1),
        ]
    );
    assert!(g.node_infoset(0).is_some_and(|h| g.infoset_name(h) == "type:b"));
    // Type weights: the soft type gains from resistance, the tough one loses.
    let mut payoffs: Vec<(String, Vec<f64>)> = (0..g.n_nodes())
        .filter(|&n| g.is_terminal(n))
        .map(|n| {
            (
                m.path_label(n),
                g.outcome_payoffs(g.node_outcome(n).unwrap()).to_vec(),
            )
        })
        .filter(|(p, _)| p.contains("h1") && p.contains("quiet"))
        .collect();
    payoffs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        payoffs,
        [
            (
                "type:b=soft>signal=quiet>hidden=h1>respond=resist".to_string(),
                vec![1.0, 1.0]
            ),
            (
                "type:b=soft>signal=quiet>hidden=h1>respond=yield".to_string(),
                vec![0.0, 0.0]
            ),
            (
                "type:b=tough>signal=quiet>hidden=h1>respond=resist".to_string(),
                vec![1.0, -1.0]
            ),
            (
                "type:b=tough>signal=quiet>hidden=h1>respond=yield".to_string(),
                vec![0.0, 0.0]
            ),
        ]
    );
}

const ROUNDS: &str = r#"[scenario]
name = "rounds"
features = ["x"]
[parameters.delta]
default = 0.5
[parameters.p_close]
default = 0.2
[actors.a]
weights = { x = 1 }
[outcomes.stopped]
[outcomes.closed]
[outcomes.ran_out]
[rounds]
count = 3
discount = "delta"
close_probability = "p_close"
close_outcome = "closed"
end_outcome = "ran_out"
  [[rounds.moves]]
  id = "choose"
  actor = "a"
    [[rounds.moves.actions]]
    id = "stop"
    outcome = "stopped"
    effects = { x = 1 }
    [[rounds.moves.actions]]
    id = "go"
    effects = { x = 0.25 }
"#;

#[test]
fn rounds_discount_and_close() {
    let m = load_ok(ROUNDS);
    let g = m.game();
    let mut seen: Vec<(String, String, u32, f64)> = (0..g.n_nodes())
        .filter(|&n| g.is_terminal(n))
        .map(|n| {
            let pay = g.outcome_payoffs(g.node_outcome(n).unwrap())[0];
            (
                m.path_label(n),
                m.outcomes()[m.terminal_outcome(n)].clone(),
                m.terminal_rounds(n),
                pay,
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let want: Vec<(&str, &str, u32, f64)> = vec![
        ("choose@r1=go>close@r2=close", "closed", 1, 0.25),
        (
            "choose@r1=go>close@r2=continue>choose@r2=go>close@r3=close",
            "closed",
            2,
            0.25 + 0.125,
        ),
        (
            "choose@r1=go>close@r2=continue>choose@r2=go>close@r3=continue>choose@r3=go",
            "ran_out",
            3,
            0.25 + 0.125 + 0.0625,
        ),
        (
            "choose@r1=go>close@r2=continue>choose@r2=go>close@r3=continue>choose@r3=stop",
            "stopped",
            3,
            0.375 + 0.25,
        ),
        (
            "choose@r1=go>close@r2=continue>choose@r2=stop",
            "stopped",
            2,
            0.25 + 0.5,
        ),
        ("choose@r1=stop", "stopped", 1, 1.0),
    ];
    assert_eq!(seen.len(), want.len());
    for (got, w) in seen.iter().zip(&want) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2), (w.0, w.1, w.2));
        assert!(
            (got.3 - w.3).abs() < 1e-12,
            "{}: payoff {} want {}",
            got.0,
            got.3,
            w.3
        );
    }
    // Closing probabilities are refilled from θ: "always go" reaches round 3 with
    // probability (1 - p_close)^2.
    let mut game = g.clone();
    let mut scratch = m.new_scratch();
    m.fill(&[0.9, 0.3], &mut scratch, &mut game).unwrap();
    let mut profile = game.uniform_profile();
    for (_, info) in game.player_infosets() {
        profile.probs[info.action_offset] = 0.0; // stop
        profile.probs[info.action_offset + 1] = 1.0; // go
    }
    game.sync_chance(&mut profile);
    let mut reach = vec![0.0; game.n_nodes()];
    game.reach_probabilities(&profile, &mut reach);
    let ran_out: f64 = (0..game.n_nodes())
        .filter(|&n| game.is_terminal(n) && m.outcomes()[m.terminal_outcome(n)] == "ran_out")
        .map(|n| reach[n])
        .sum();
    assert!((ran_out - 0.49).abs() < 1e-12);
}

/// Probability of each named outcome under a profile.
fn outcome_probabilities(m: &Model, game: &Game, profile: &Profile) -> Vec<f64> {
    let mut reach = vec![0.0; game.n_nodes()];
    game.reach_probabilities(profile, &mut reach);
    let mut out = vec![0.0; m.outcomes().len()];
    for n in 0..game.n_nodes() {
        if game.is_terminal(n) {
            out[m.terminal_outcome(n)] += reach[n];
        }
    }
    out
}

/// First proposer's share by backward induction on the same discrete grid (k/8), ties
/// accepted and the lowest index preferred, as the SPE solver does.
fn alternating_offers_reference(periods: usize, d1: f64, d2: f64) -> (f64, f64) {
    let mut cont = (0.0, 0.0); // after the last rejection
    for t in (1..=periods).rev() {
        let (fa, fb) = (d1.powi(t as i32 - 1), d2.powi(t as i32 - 1));
        let a_proposes = t % 2 == 1;
        let mut best: Option<(f64, f64)> = None;
        for k in 0..=8 {
            let x = k as f64 / 8.0;
            let (va, vb) = (x * fa, (1.0 - x) * fb);
            let accepted = if a_proposes { vb >= cont.1 } else { va >= cont.0 };
            let result = if accepted { (va, vb) } else { cont };
            let mine = |r: (f64, f64)| if a_proposes { r.0 } else { r.1 };
            if best.is_none_or(|b| mine(result) > mine(b)) {
                best = Some(result);
            }
        }
        cont = best.unwrap();
    }
    cont
}

#[test]
fn alternating_offers_matches_backward_induction() {
    let m = load_ok(&read("scenarios/textbook/alternating_offers.toml"));
    let mut game = m.game().clone();
    let mut scratch = m.new_scratch();
    // Closed form for the continuous game: s_1 = 1, s_T = 1 - d2 (1 - d1 s_{T-2})... here
    // computed with roles: share of the first proposer in a T-period game.
    let closed_form = |periods: usize, d1: f64, d2: f64| {
        let (mut own, mut other) = (1.0, 1.0); // one-period shares for A-first and B-first
        for _ in 1..periods {
            let (a_first, b_first) = (1.0 - d2 * other, 1.0 - d1 * own);
            own = a_first;
            other = b_first;
        }
        own
    };
    m.fill(&[0.5, 0.5], &mut scratch, &mut game).unwrap();
    let profile = solve_spe(&game).unwrap();
    let pay = game.expected_payoffs(&profile);
    assert_eq!(pay[0], 0.625);
    assert_eq!(closed_form(4, 0.5, 0.5), 0.625);
    let rubinstein = |d1: f64, d2: f64| (1.0 - d2) / (1.0 - d1 * d2);
    assert!((closed_form(60, 0.5, 0.5) - rubinstein(0.5, 0.5)).abs() < 1e-12);
    assert!((closed_form(60, 0.9, 0.8) - rubinstein(0.9, 0.8)).abs() < 1e-2);
    for (d1, d2) in [(0.9, 0.8), (0.6, 0.7), (0.95, 0.95), (0.35, 0.5)] {
        m.fill(&[d1, d2], &mut scratch, &mut game).unwrap();
        let profile = solve_spe(&game).unwrap();
        let pay = game.expected_payoffs(&profile);
        let want = alternating_offers_reference(4, d1, d2);
        assert!(
            (pay[0] - want.0).abs() < 1e-12 && (pay[1] - want.1).abs() < 1e-12,
            "{d1} {d2}"
        );
        // Within one grid step (1/8) of the continuous closed form.
        assert!(
            (pay[0] - closed_form(4, d1, d2)).abs() <= 0.125 + 1e-12,
            "{d1} {d2}"
        );
        let agreement = outcome_probabilities(&m, &game, &profile)[0];
        assert_eq!(agreement, 1.0);
    }
}

#[test]
fn fearon_war_probability_matches_the_formula() {
    let m = load_ok(&read("scenarios/textbook/fearon_crisis.toml"));
    let k = 40.0;
    let mut game = m.game().clone();
    let mut scratch = m.new_scratch();
    let war = m.outcomes().iter().position(|o| o == "war").unwrap();
    let mut theta = vec![0.0; m.params().len()];
    let n_draws = 25;
    for i in 0..n_draws {
        // A deterministic spread of parameter draws through the priors.
        let uniforms: Vec<f64> = (0..theta.len())
            .map(|j| ((i * (j + 3) * 7 + 1) % 97) as f64 / 97.0)
            .collect();
        m.sample_params(&uniforms, &[], &mut theta);
        if i == 0 {
            theta = m.defaults();
        }
        let (c_bar, c_a) = (theta[1], theta[2]);
        m.fill(&theta, &mut scratch, &mut game).unwrap();
        let profile = solve_spe(&game).unwrap();
        let p_war = outcome_probabilities(&m, &game, &profile)[war];
        let formula = (c_bar - c_a) / (2.0 * c_bar);
        assert!(
            (p_war - formula).abs() <= 0.5 / k + 1e-9,
            "theta {theta:?}: P(war) {p_war} vs formula {formula}"
        );
    }
}

#[test]
fn fill_reuses_buffers_on_textbook_scenarios() {
    // A loose benchmark: print the time per fill (no assertion on time).
    for f in ["alternating_offers.toml", "fearon_crisis.toml"] {
        let m = load_ok(&read(&format!("scenarios/textbook/{f}")));
        let mut game = m.game().clone();
        let mut scratch = m.new_scratch();
        let theta = m.defaults();
        let n = 20;
        let start = std::time::Instant::now();
        for _ in 0..n {
            m.fill(&theta, &mut scratch, &mut game).unwrap();
        }
        let per = start.elapsed().as_secs_f64() / n as f64;
        println!("{f}: {} nodes, fill {:.1} us", game.n_nodes(), per * 1e6);
        game.check_numbers().unwrap();
    }
}

#[test]
fn more_rejections() {
    // An unknown top-level table, an unknown move in `when`, terms accepted before any offer.
    check_errors(
        &BASE.replace("[outcomes.done]", "[setings]\nseed = 1\n\n[outcomes.done]"),
        &["15:2: unknown key `setings` in the scenario file (did you mean `settings`?)"],
    );
    check_errors(
        &base_with("id = \"second\"\n", "id = \"second\"\nwhen = \"frist == go\"\n"),
        &["30:9: unknown move `frist` (did you mean `first`?)"],
    );
    check_errors(
        &base_with("  id = \"left\"\n", "  id = \"left\"\n  accept_terms = true\n"),
        &["32:8: move `second` can accept terms when none are on the table (along `first=go`)"],
    );
    check_errors(
        &base_with("  id = \"stop\"\n", "  id = \"stop\"\n  prob = 0.5\n"),
        &["23:3: action `stop` of move `first`: `prob` is only for chance moves"],
    );
    check_errors(
        &base_with("[actors.b]\n", "[actors.b]\n[actors.b.types.t1]\nprior = 0.5\n"),
        &["13:11: the type priors of actor `b` sum to 0.5"],
    );
}

#[test]
fn huge_trees_are_sized_without_being_built() {
    let mut src = String::from(
        "[scenario]\nname = \"huge\"\nfeatures = [\"x\"]\nend_outcome = \"o\"\n[actors.a]\n[outcomes.o]\n",
    );
    for i in 0..40 {
        src += &format!(
            "[[moves]]\nid = \"m{i}\"\nactor = \"a\"\nactions = [{{ id = \"l\" }}, {{ id = \"r\" }}]\n"
        );
    }
    check_errors(
        &src,
        &["1:1: the game tree would have 2199023255551 nodes, more than the limit of 200000"],
    );
}

#[test]
fn hidden_chance_and_terms() {
    // Nobody observes the chance move, so the responder's two nodes share one set; the
    // accepted terms are those of the offer actually made.
    let src = r#"[scenario]
name = "hidden"
features = ["a_gain", "b_gain"]
[actors.a]
weights = { a_gain = 1 }
[actors.b]
weights = { b_gain = 1 }
[outcomes.deal]
[outcomes.no_deal]
[[moves]]
id = "weather"
actor = "chance"
visible_to = []
actions = [{ id = "sun", prob = 0.25, effects = { b_gain = 1 } }, { id = "rain", prob = 0.75 }]
[[moves]]
id = "offer"
actor = "a"
  [[moves.actions]]
  id = "low"
  terms = { a_gain = 0.75, b_gain = 0.25 }
  [[moves.actions]]
  id = "high"
  terms = { a_gain = 0.25, b_gain = 0.75 }
[[moves]]
id = "reply"
actor = "b"
actions = [{ id = "yes", accept_terms = true, outcome = "deal" }, { id = "no", outcome = "no_deal" }]
"#;
    let m = load_ok(src);
    let g = m.game();
    let sizes: Vec<usize> = g.player_infosets().map(|(_, h)| h.nodes.len()).collect();
    assert_eq!(
        sizes,
        [2, 2, 2],
        "a's offer and b's replies each span both weather draws"
    );
    let payoff = |path: &str| {
        let node = (0..g.n_nodes())
            .find(|&n| g.is_terminal(n) && m.path_label(n) == path)
            .unwrap();
        g.outcome_payoffs(g.node_outcome(node).unwrap()).to_vec()
    };
    assert_eq!(payoff("weather=sun>offer=high>reply=yes"), [0.25, 1.75]);
    assert_eq!(payoff("weather=rain>offer=low>reply=yes"), [0.75, 0.25]);
    assert_eq!(payoff("weather=rain>offer=low>reply=no"), [0.0, 0.0]);
    assert_eq!(&g.chance_probs()[..2], &[0.25, 0.75]);
}

#[test]
fn derived_values_and_non_finite_numbers() {
    // `c` is declared before the `b` it uses: evaluation follows dependencies.
    let src = BASE
        .replace(
            "[actors.a]",
            "[derived]\nc = \"2 * b\"\nb = \"q + 1\"\n\n[actors.a]",
        )
        .replace("effects = { x = 1 }", "effects = { x = \"c / (1 - q)\" }");
    let m = load_ok(&src);
    let mut game = m.game().clone();
    let mut scratch = m.new_scratch();
    m.fill(&[0.5], &mut scratch, &mut game).unwrap();
    let node = (0..game.n_nodes())
        .find(|&n| game.is_terminal(n) && m.path_label(n) == "first=stop")
        .unwrap();
    assert_eq!(game.outcome_payoffs(game.node_outcome(node).unwrap()), [6.0, 0.0]);
    let err = m.fill(&[1.0], &mut scratch, &mut game).unwrap_err();
    assert_eq!(
        err.to_string(),
        "effect of `first:stop` on `x` is not a finite number (inf)"
    );
}

#[test]
fn pathological_inputs_give_errors_not_crashes() {
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(eval_str(&deep, &[]).is_err());
    assert!(eval_str(&"-".repeat(5000), &[]).is_err());
    let long = vec!["1"; 3000].join("+");
    assert!(eval_str(&long, &[]).is_err());
    assert!(eval_str("1 ×2", &[]).is_err());
    assert!(eval_str("é", &[]).is_err());
    let deep_when = format!("{}first == go{}", "(".repeat(500), ")".repeat(500));
    let err = model::load(
        &base_with(
            "id = \"second\"\n",
            &format!("id = \"second\"\nwhen = \"{deep_when}\"\n"),
        ),
        "t.toml",
    );
    assert!(err.is_err());
    let many_rounds = ROUNDS.replace("count = 3", "count = 100000");
    check_errors(
        &many_rounds,
        &["14:9: `count` 100000 is above the limit of 1000 rounds"],
    );
}

#[test]
fn exponentially_many_distinct_states_stop_early() {
    // The last move refers to every earlier one, so no two subtrees are alike.
    let mut src = String::from(
        "[scenario]\nname = \"wide\"\nfeatures = [\"x\"]\nend_outcome = \"o\"\n[actors.a]\n[outcomes.o]\n",
    );
    for i in 0..40 {
        let when = if i == 39 {
            let all: Vec<String> = (0..39).map(|j| format!("m{j} == l")).collect();
            format!("when = \"{}\"\n", all.join(" or "))
        } else {
            String::new()
        };
        src += &format!(
            "[[moves]]\nid = \"m{i}\"\nactor = \"a\"\n{when}actions = [{{ id = \"l\" }}, {{ id = \"r\" }}]\n"
        );
    }
    src = src.replace("[outcomes.o]", "[outcomes.o]\n[settings]\nmax_nodes = 1000");
    check_errors(
        &src,
        &["1:1: the game tree has more than 1001 distinct subtrees, so more than the limit of 1000 nodes"],
    );
}

#[test]
fn bad_files_report_every_problem() {
    let check_file = |name: &str, expected: &[&str]| {
        let src = read(&format!("tests/data/scenarios/{name}"));
        let err = model::load(&src, name).unwrap_err();
        let got: Vec<String> = err.0.iter().map(|d| d.to_string()).collect();
        assert_eq!(got.len(), expected.len(), "{}", got.join("\n"));
        for (g, e) in got.iter().zip(expected) {
            assert!(g.starts_with(&format!("{name}:{e}")), "got {g}\nwant {name}:{e}");
        }
    };
    check_file(
        "bad_many_errors.toml",
        &[
            "7:11: default 1.5 of [parameters.resolve] is outside its bounds [0, 1]",
            "12:1: unknown key `wieghts` in [actors.japan] (did you mean `weights`?)",
            "15:31: in `dialogue` of [actors.dprk] weights: unknown name `reslove` (did you mean `resolve`?)",
            "25:15: unknown feature `dialog` in effects of action `offer` of move `propose` (did you mean `dialogue`?)",
            "33:20: in `when` of move `answer`: move `propose` has no action `ofer` (did you mean `offer`?)",
            "36:13: `outcome` of action `accept` of move `answer`: unknown outcome `sumit` (did you mean `summit`?)",
            "41:1: the probabilities of chance move `shock` sum to 0.9, not 1",
        ],
    );
    check_file("bad_syntax.toml", &["3:16: TOML syntax error: unclosed array"]);
}

#[test]
fn complete_examples_in_the_language_reference_load() {
    let doc = read("docs/scenario-language.md");
    let mut loaded = 0;
    for block in doc.split("```toml\n").skip(1) {
        let block = block.split("```").next().unwrap();
        if block.starts_with("[scenario]") {
            load_ok(block);
            loaded += 1;
        }
    }
    assert!(loaded >= 1);
}

#[test]
fn alternating_offers_shorter_horizons_approach_rubinstein() {
    // The file is a header followed by one block per period; keeping the first T blocks
    // gives the T-period game.
    let text = read("scenarios/textbook/alternating_offers.toml");
    let mut parts = text.split("# ---- period ");
    let header = parts.next().unwrap().to_string();
    let periods: Vec<&str> = parts.collect();
    assert_eq!(periods.len(), 4);
    let rubinstein = 2.0 / 3.0;
    let mut last_gap = f64::INFINITY;
    let mut share_b_first = 0.0; // B's share as first proposer of a (T-1)-period game
    let mut share_a_first = 0.0;
    for t in 1..=4 {
        let src = periods[..t]
            .iter()
            .fold(header.clone(), |acc, p| acc + "# ---- period " + p);
        let m = load_ok(&src);
        let mut game = m.game().clone();
        let mut scratch = m.new_scratch();
        m.fill(&[0.5, 0.5], &mut scratch, &mut game).unwrap();
        let share = game.expected_payoffs(&solve_spe(&game).unwrap())[0];
        // Backward induction: A gets 1 - d2 * (B's share as first proposer of T-1 periods).
        let (a_next, b_next) = (1.0 - 0.5 * share_b_first, 1.0 - 0.5 * share_a_first);
        share_a_first = a_next;
        share_b_first = b_next;
        assert_eq!(share, share_a_first, "T = {t}");
        let gap = (share - rubinstein).abs();
        assert!(gap < last_gap, "T = {t}: {gap} not closer than {last_gap}");
        last_gap = gap;
    }
}
