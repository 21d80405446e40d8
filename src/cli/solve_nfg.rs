//! Normal-form games for `demarche solve`: logit QRE (`qre`) or Nash equilibria by
//! enumeration (`nash`: pure profiles, then two-player mixed ones by support
//! enumeration; the first one found is reported, the table lists all).

use super::args::SolverFlag;
use super::common::CliError;
use super::solve::{InfosetPlay, SolvedGame, solver_name};
use crate::game::normal::NormalForm;
use crate::solve::normal::{expected_payoffs, logit_qre_nfg, mixed_nash_2p, nash_regret, pure_nash};

pub(super) fn solve_normal(
    name: String,
    nfg: &NormalForm,
    solver: SolverFlag,
    lambda: f64,
) -> Result<SolvedGame, CliError> {
    let fail = |e: &dyn std::fmt::Display| CliError::Failure(format!("{name}: {e}"));
    let (sigma, lambda) = match solver {
        SolverFlag::Spe => {
            return Err(CliError::Input(format!(
                "{name}: --solver spe needs an extensive-form game; use qre or nash for normal-form games"
            )));
        }
        SolverFlag::Qre => (logit_qre_nfg(nfg, lambda).map_err(|e| fail(&e))?, Some(lambda)),
        SolverFlag::Nash => {
            let mut all = pure_nash(nfg)
                .into_iter()
                .map(|pure| {
                    pure.iter()
                        .enumerate()
                        .map(|(p, &s)| {
                            (0..nfg.n_strategies(p))
                                .map(|k| if k == s { 1.0 } else { 0.0 })
                                .collect()
                        })
                        .collect::<Vec<Vec<f64>>>()
                })
                .collect::<Vec<_>>();
            if nfg.n_players() == 2 {
                for (a, b) in mixed_nash_2p(nfg).map_err(|e| fail(&e))? {
                    let candidate = vec![a, b];
                    let known = all.iter().any(|s: &Vec<Vec<f64>>| {
                        s.iter()
                            .flatten()
                            .zip(candidate.iter().flatten())
                            .all(|(x, y)| (x - y).abs() < 1e-9)
                    });
                    if !known {
                        all.push(candidate);
                    }
                }
            }
            if all.len() > 1 {
                eprintln!("{name}: {} Nash equilibria found; reporting the first", all.len());
                for (k, s) in all.iter().enumerate() {
                    eprintln!("  #{}: {s:?}", k + 1);
                }
            }
            match all.into_iter().next() {
                Some(first) => (first, None),
                None => return Err(fail(&"no Nash equilibrium found by enumeration")),
            }
        }
    };
    let behavior = nfg
        .players()
        .iter()
        .enumerate()
        .map(|(p, player)| InfosetPlay {
            player: player.clone(),
            infoset: format!("{player}:1"),
            actions: nfg.strategies()[p].clone(),
            probs: sigma[p].clone(),
        })
        .collect();
    Ok(SolvedGame {
        game: name,
        solver: solver_name(solver).to_string(),
        lambda,
        players: nfg.players().to_vec(),
        behavior,
        expected_payoffs: expected_payoffs(nfg, &sigma),
        max_regret: nash_regret(nfg, &sigma),
    })
}
