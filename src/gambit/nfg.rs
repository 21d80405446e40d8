//! The strategic-game `.nfg` format (version 1): reader for both the payoff and the
//! outcome versions, writer for the payoff version.
//!
//! Header: `NFG 1 R "title" { "P1" "P2" }`, then the strategies, either as labels
//! `{ { "s1" "s2" } { "t1" "t2" } }` or as counts `{ 2 2 }` (strategies then get the
//! labels `1`, `2`, ... as in Gambit), then an optional comment. The body is either a
//! flat list of payoffs (payoff version) or a brace list of outcomes `{ "name" 1, 2 }`
//! followed by one outcome number per profile, 0 meaning all-zero payoffs (outcome
//! version). Profiles are listed with player 1's strategy varying fastest.

use std::fmt::Write as _;

use super::cursor::{Cursor, Parsed, Reported};
use super::lexer::TokenKind;
use super::{fmt_number, quote};
use crate::diag::Diagnostics;
use crate::game::normal::NormalForm;

/// Reads a Gambit `.nfg` file (payoff or outcome version). `file` is only used in
/// diagnostics.
pub fn parse_nfg(source: &str, file: &str) -> Result<NormalForm, Diagnostics> {
    let mut cur = Cursor::new(source, file);
    let parsed = nfg(&mut cur);
    match parsed {
        Ok(game) if cur.diags.is_empty() => Ok(game),
        _ => Err(cur.into_diagnostics()),
    }
}

fn nfg(cur: &mut Cursor) -> Parsed<NormalForm> {
    let title = cur.header("NFG", 1)?;
    let players_offset = cur.peek().offset;
    let players = cur.label_list("list of players")?;
    if players.is_empty() {
        cur.error_at(players_offset, "the game has no players");
        return Err(Reported);
    }
    let strategies_offset = cur.peek().offset;
    let strategies = strategies(cur, &players)?;
    let comment = cur.optional_text().map(|(c, _)| c).unwrap_or_default();
    let counts: Vec<usize> = strategies.iter().map(|s| s.len()).collect();
    let Some(size) = NormalForm::table_size(&counts) else {
        cur.error_at(
            strategies_offset,
            format!(
                "the payoff table would have more than {} entries",
                NormalForm::MAX_ENTRIES
            ),
        );
        return Err(Reported);
    };
    let n_profiles = size / players.len();
    let payoffs = match cur.peek().kind {
        TokenKind::LBrace => outcome_body(cur, players.len(), n_profiles)?,
        TokenKind::Number { .. } | TokenKind::Eof => payoff_body(cur, size)?,
        _ => return Err(cur.expected("the payoffs or the list of outcomes")),
    };
    NormalForm::new(title, comment, players, strategies, payoffs).map_err(|err| {
        cur.error_at(0, err.to_string());
        Reported
    })
}

fn strategies(cur: &mut Cursor, players: &[String]) -> Parsed<Vec<Vec<String>>> {
    let open = cur.expect(&TokenKind::LBrace, "`{` opening the strategies")?;
    let mut lists = Vec::new();
    if cur.peek().kind == TokenKind::LBrace {
        while cur.peek().kind == TokenKind::LBrace {
            let at = cur.peek().offset;
            let n = lists.len();
            let list = cur.label_list(&format!("strategies of player {}", n + 1))?;
            if list.is_empty() {
                cur.error_at(at, format!("player {} has no strategies", n + 1));
                return Err(Reported);
            }
            lists.push(list);
        }
    } else {
        while let TokenKind::Number { .. } = cur.peek().kind {
            let (count, at) = cur.integer("a number of strategies")?;
            if count == 0 || count > NormalForm::MAX_ENTRIES as u64 {
                cur.error_at(
                    at,
                    format!("player {} must have at least one strategy", lists.len() + 1),
                );
                return Err(Reported);
            }
            lists.push((1..=count).map(|k| k.to_string()).collect());
        }
    }
    cur.expect(&TokenKind::RBrace, "`}` closing the strategies")?;
    if lists.len() != players.len() {
        cur.error_at(
            open,
            format!(
                "strategies are given for {} player{}, but the game has {}",
                lists.len(),
                if lists.len() == 1 { "" } else { "s" },
                players.len()
            ),
        );
        return Err(Reported);
    }
    Ok(lists)
}

/// A flat list of `size` payoffs up to the end of the file (commas tolerated).
fn payoff_body(cur: &mut Cursor, size: usize) -> Parsed<Vec<f64>> {
    let mut payoffs = Vec::with_capacity(size.min(1 << 20));
    let mut failed = false;
    loop {
        let t = cur.peek().clone();
        match t.kind {
            TokenKind::Eof => break,
            TokenKind::Comma => {
                cur.bump();
            }
            TokenKind::Number { value, .. } => {
                cur.bump();
                if payoffs.len() == size && !failed {
                    cur.error_at(
                        t.offset,
                        format!("unexpected extra payoff: the table has {size} entries"),
                    );
                    failed = true;
                }
                payoffs.push(value);
            }
            _ => {
                cur.expected("a payoff");
                cur.bump();
                failed = true;
            }
        }
    }
    if failed {
        return Err(Reported);
    }
    if payoffs.len() < size {
        let at = cur.peek().offset;
        cur.error_at(
            at,
            format!(
                "the file ends after {} payoffs, but the table needs {size} (one per player and strategy profile)",
                payoffs.len()
            ),
        );
        return Err(Reported);
    }
    Ok(payoffs)
}

/// `{ { "name" 1, 2 } ... }` then one outcome number per profile.
fn outcome_body(cur: &mut Cursor, n_players: usize, n_profiles: usize) -> Parsed<Vec<f64>> {
    cur.expect(&TokenKind::LBrace, "`{` opening the list of outcomes")?;
    let mut outcomes: Vec<Vec<f64>> = Vec::new();
    let mut failed = false;
    while cur.peek().kind == TokenKind::LBrace {
        let open = cur.bump().offset;
        let number = outcomes.len() + 1;
        cur.optional_text();
        let mut values = Vec::new();
        loop {
            match cur.peek().kind {
                TokenKind::Number { value, .. } => {
                    values.push(value);
                    cur.bump();
                }
                TokenKind::Comma => {
                    cur.bump();
                }
                _ => break,
            }
        }
        cur.expect(
            &TokenKind::RBrace,
            &format!("a payoff or `}}` closing outcome {number}"),
        )?;
        if values.len() != n_players {
            cur.error_at(
                open,
                format!(
                    "outcome {number} has {} payoffs, but the game has {n_players} players",
                    values.len()
                ),
            );
            failed = true;
            values.resize(n_players, 0.0);
        }
        outcomes.push(values);
    }
    cur.expect(
        &TokenKind::RBrace,
        "`{` opening an outcome or `}` closing the list of outcomes",
    )?;

    let mut payoffs = Vec::with_capacity((n_profiles * n_players).min(1 << 20));
    let mut seen = 0usize;
    loop {
        let t = cur.peek().clone();
        match t.kind {
            TokenKind::Eof => break,
            TokenKind::Comma => {
                cur.bump();
                continue;
            }
            TokenKind::Number { .. } => {}
            _ => {
                cur.expected("an outcome number");
                cur.bump();
                failed = true;
                continue;
            }
        }
        let Ok((k, at)) = cur.integer("an outcome number") else {
            failed = true;
            continue;
        };
        seen += 1;
        if seen == n_profiles + 1 && !failed {
            cur.error_at(
                at,
                format!("unexpected extra outcome number: the game has {n_profiles} strategy profiles"),
            );
            failed = true;
        }
        if k == 0 {
            payoffs.extend(std::iter::repeat_n(0.0, n_players));
        } else if let Some(values) = outcomes.get(k as usize - 1) {
            payoffs.extend_from_slice(values);
        } else {
            cur.error_at(
                at,
                format!(
                    "outcome {k} does not exist: {} outcomes are listed",
                    outcomes.len()
                ),
            );
            failed = true;
        }
    }
    if failed {
        return Err(Reported);
    }
    if seen < n_profiles {
        let at = cur.peek().offset;
        cur.error_at(
            at,
            format!(
                "the file ends after {seen} outcome numbers, but the game has {n_profiles} strategy profiles"
            ),
        );
        return Err(Reported);
    }
    Ok(payoffs)
}

/// Writes the payoff version of `.nfg`, with strategy labels.
pub fn write_nfg(game: &NormalForm) -> String {
    let mut out = String::new();
    let players: Vec<String> = game.players().iter().map(|p| quote(p)).collect();
    let _ = write!(
        out,
        "NFG 1 R {} {{ {} }} {{",
        quote(game.title()),
        players.join(" ")
    );
    for list in game.strategies() {
        let labels: Vec<String> = list.iter().map(|s| quote(s)).collect();
        let _ = write!(out, " {{ {} }}", labels.join(" "));
    }
    out.push_str(" }\n");
    let _ = writeln!(out, "{}", quote(game.comment()));
    out.push('\n');
    for index in 0..game.n_profiles() {
        let values: Vec<String> = game.payoffs_at(index).iter().map(|v| fmt_number(*v)).collect();
        let _ = writeln!(out, "{}", values.join(" "));
    }
    out
}
