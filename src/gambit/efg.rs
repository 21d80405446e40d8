//! The extensive-game `.efg` format (version 2): reader and writer.
//!
//! The body lists the nodes in preorder (a node, then the subtrees of its children in
//! order). Information sets are keyed by (player, number) and outcomes by number; their
//! description (label, actions, chance probabilities, payoffs) is given at least once and
//! may be omitted or repeated later. A repeated description must match the first one, as
//! Gambit requires. Outcome 0 means "no outcome".
//!
//! The reader never recurses (deep trees cannot overflow the stack) and keeps going
//! after a problem where the tree's shape is still known, so one run reports several
//! errors. After a problem that hides the tree's shape (a node whose number of children
//! is unknown), it resynchronises at the next node and stops complaining about the
//! overall node count, which would only be a consequence of the first error.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use super::cursor::{Cursor, Parsed, Reported};
use super::lexer::TokenKind;
use super::{fmt_number, fmt_probabilities, quote};
use crate::diag::{Diagnostics, line_col};
use crate::game::{Game, GameBuilder, GameError, Mover};

/// Chance probabilities whose sum is off by at most this much are rescaled to sum to 1.
/// Old Gambit files write thirds as `0.333333`, whose sum misses 1 by 1e-6; 1e-5 leaves
/// room for a dozen actions rounded to six decimals and refuses real mistakes (`0.33`).
pub const CHANCE_SUM_TOLERANCE: f64 = 1e-5;

struct InfosetDecl {
    index: usize,
    label: String,
    actions: Vec<String>,
    probs: Vec<f64>,
    offset: usize,
}

struct OutcomeDecl {
    index: usize,
    label: String,
    payoffs: Vec<f64>,
    offset: usize,
}

struct EfgReader<'a> {
    cur: Cursor<'a>,
    builder: GameBuilder,
    players: Vec<String>,
    infosets: HashMap<(Mover, u32), InfosetDecl>,
    /// Offset of each builder information set's first declaration, for late errors.
    infoset_offsets: Vec<usize>,
    outcomes: HashMap<u64, OutcomeDecl>,
}

/// Reads a Gambit `.efg` file. `file` is only used in diagnostics.
pub fn parse_efg(source: &str, file: &str) -> Result<Game, Diagnostics> {
    let mut cur = Cursor::new(source, file);
    let Ok((title, players, comment)) = efg_header(&mut cur) else {
        return Err(cur.into_diagnostics());
    };
    let mut builder = GameBuilder::new(players.clone());
    builder.set_title(title);
    builder.set_comment(comment);
    let mut reader = EfgReader {
        cur,
        builder,
        players,
        infosets: HashMap::new(),
        infoset_offsets: Vec::new(),
        outcomes: HashMap::new(),
    };
    reader.tree();
    if !reader.cur.diags.is_empty() {
        return Err(reader.cur.into_diagnostics());
    }
    let EfgReader {
        cur,
        builder,
        infoset_offsets,
        ..
    } = reader;
    builder.build().map_err(|err| {
        let offset = match &err {
            GameError::NoPerfectRecall { infoset_index, .. } => {
                infoset_offsets.get(*infoset_index).copied().unwrap_or(0)
            }
            _ => 0,
        };
        let mut cur = cur;
        let message = match &err {
            GameError::NoPerfectRecall { .. } => format!("{err} (the information set is declared here)"),
            _ => err.to_string(),
        };
        cur.error_at(offset, message);
        cur.into_diagnostics()
    })
}

fn efg_header(cur: &mut Cursor) -> Parsed<(String, Vec<String>, String)> {
    let title = cur.header("EFG", 2)?;
    let open = cur.peek().offset;
    let players = cur.label_list("list of players")?;
    if players.is_empty() {
        cur.error_at(open, "the game has no players");
        return Err(Reported);
    }
    let comment = cur.optional_text().map(|(c, _)| c).unwrap_or_default();
    Ok((title, players, comment))
}

fn is_node_start(kind: &TokenKind) -> bool {
    matches!(kind, TokenKind::Symbol(s) if s == "c" || s == "p" || s == "t")
}

impl EfgReader<'_> {
    fn tree(&mut self) {
        let mut pending = vec![GameBuilder::ROOT];
        let mut shape_unknown = false;
        while let Some(node) = pending.pop() {
            let next = self.cur.peek().clone();
            match &next.kind {
                TokenKind::Eof => {
                    if !shape_unknown {
                        let missing = pending.len() + 1;
                        self.cur.error_at(
                            next.offset,
                            format!(
                                "the file ends before the game tree is complete: {missing} more node{} expected",
                                if missing == 1 { " is" } else { "s are" }
                            ),
                        );
                    }
                    return;
                }
                kind if is_node_start(kind) => {
                    let (children, ok) = self.node(node);
                    pending.extend(children.rev());
                    if !ok {
                        shape_unknown = true;
                        self.cur.skip_until(is_node_start);
                    }
                }
                _ => {
                    self.cur.expected("a node (`c`, `p` or `t`)");
                    shape_unknown = true;
                    self.cur.skip_until(is_node_start);
                    pending.push(node);
                }
            }
        }
        if !shape_unknown && !self.cur.at_eof() {
            let t = self.cur.peek().clone();
            self.cur.error_at(
                t.offset,
                format!(
                    "found {} after the last node of the game tree, which is already complete",
                    t.describe()
                ),
            );
        }
    }

    /// Parses one node entry. Returns the node's children (empty when unknown) and
    /// whether the entry parsed cleanly enough to trust the tree's shape.
    fn node(&mut self, node: usize) -> (Range<usize>, bool) {
        let kind = match self.cur.bump().kind {
            TokenKind::Symbol(s) => s,
            _ => unreachable!("caller checked for a node symbol"),
        };
        let Ok((label, _)) = self.cur.text("the node's label (a quoted string, may be empty)") else {
            return (0..0, false);
        };
        self.builder.set_node_label(node, label);
        let children = if kind == "t" {
            0..0
        } else {
            match self.decision(node, kind == "c") {
                Ok(children) => children,
                Err(Reported) => return (0..0, false),
            }
        };
        let ok = self.outcome(node).is_ok();
        (children, ok)
    }

    /// The information-set part of a chance or player node; expands the node.
    fn decision(&mut self, node: usize, chance: bool) -> Parsed<Range<usize>> {
        let mut bad_player = false;
        let mover = if chance {
            Mover::Chance
        } else {
            let (p, offset) = self.cur.integer("the player number")?;
            let n = self.players.len();
            if p == 0 || p > n as u64 {
                self.cur.error_at(
                    offset,
                    format!(
                        "player number {p} is out of range: the game has {n} player{} (numbered from 1)",
                        if n == 1 { "" } else { "s" }
                    ),
                );
                bad_player = true;
                Mover::Player(0)
            } else {
                Mover::Player(p as usize - 1)
            }
        };
        let (number, number_offset) = self.cur.integer("the information set number")?;
        let Ok(number) = u32::try_from(number) else {
            self.cur.error_at(
                number_offset,
                format!("information set number {number} is too large"),
            );
            return Err(Reported);
        };
        let name = self.cur.optional_text();
        let block_offset = self.cur.peek().offset;
        let block = if self.cur.peek().kind == TokenKind::LBrace {
            Some(if chance {
                self.chance_actions()?
            } else {
                (self.cur.label_list("list of actions")?, Vec::new())
            })
        } else {
            None
        };
        let what = match mover {
            Mover::Chance => format!("chance information set {number}"),
            Mover::Player(p) => format!("information set {number} of player {}", self.players[p]),
        };

        let known = if bad_player {
            None
        } else {
            self.infosets.get(&(mover, number))
        };
        let infoset = if let Some(decl) = known {
            let mut mismatch = Vec::new();
            if let Some((name, _)) = &name
                && name != &decl.label
            {
                mismatch.push(format!("label \"{name}\" instead of \"{}\"", decl.label));
            }
            if let Some((actions, probs)) = &block {
                if actions != &decl.actions {
                    mismatch.push(format!("actions {actions:?} instead of {:?}", decl.actions));
                } else if chance && probs != &decl.probs {
                    mismatch.push("different probabilities".to_string());
                }
            }
            let index = decl.index;
            if !mismatch.is_empty() {
                let (line, col) = line_col(self.cur.source, decl.offset);
                let at = name.as_ref().map_or(block_offset, |(_, o)| *o);
                self.cur.error_at(
                    at,
                    format!(
                        "{what} does not match its declaration at line {line}, column {col}: {}",
                        mismatch.join(", ")
                    ),
                );
            }
            index
        } else {
            let Some((actions, mut probs)) = block else {
                self.cur.error_at(
                    number_offset,
                    format!("{what} is used before its actions are declared"),
                );
                return Err(Reported);
            };
            if actions.is_empty() {
                self.cur.error_at(block_offset, format!("{what} has no actions"));
                return Err(Reported);
            }
            if chance && let Err(detail) = normalise_chance(&mut probs) {
                self.cur.error_at(block_offset, format!("{what}: {detail}"));
                // Carry on with uniform probabilities so later nodes still parse.
                probs = vec![1.0 / actions.len() as f64; actions.len()];
            }
            let label = name.map(|(n, _)| n).unwrap_or_default();
            let index = match self.builder.add_infoset_numbered(
                mover,
                number,
                label.clone(),
                actions.clone(),
                chance.then(|| probs.clone()),
            ) {
                Ok(index) => index,
                Err(err) => {
                    self.cur.error_at(block_offset, format!("{what}: {err}"));
                    return Err(Reported);
                }
            };
            self.infoset_offsets.push(number_offset);
            if !bad_player {
                self.infosets.insert(
                    (mover, number),
                    InfosetDecl {
                        index,
                        label,
                        actions,
                        probs,
                        offset: number_offset,
                    },
                );
            }
            index
        };
        self.builder.expand(node, infoset).map_err(|err| {
            self.cur.error_at(number_offset, err.to_string());
            Reported
        })
    }

    /// `{ "a" 1/2 "b" 1/2 }` (commas tolerated).
    fn chance_actions(&mut self) -> Parsed<(Vec<String>, Vec<f64>)> {
        self.cur
            .expect(&TokenKind::LBrace, "`{` opening the chance actions")?;
        let mut actions = Vec::new();
        let mut probs = Vec::new();
        loop {
            self.cur.eat(&TokenKind::Comma);
            if self.cur.eat(&TokenKind::RBrace) {
                return Ok((actions, probs));
            }
            let (action, _) = self
                .cur
                .text("an action label or `}` closing the chance actions")?;
            self.cur.eat(&TokenKind::Comma);
            let (p, _) = self
                .cur
                .number(&format!("the probability of chance action \"{action}\""))?;
            actions.push(action);
            probs.push(p);
        }
    }

    fn outcome(&mut self, node: usize) -> Parsed<()> {
        let (number, offset) = self.cur.integer("the outcome number (0 for none)")?;
        let name = self.cur.optional_text();
        let payoffs = if self.cur.peek().kind == TokenKind::LBrace {
            Some(self.cur.number_list("list of payoffs")?)
        } else {
            None
        };
        if number == 0 {
            if name.is_some() || payoffs.is_some() {
                self.cur.error_at(
                    offset,
                    "outcome 0 stands for \"no outcome\" and cannot have a label or payoffs",
                );
            }
            return Ok(());
        }
        if let Some(decl) = self.outcomes.get(&number) {
            let mut mismatch = Vec::new();
            if let Some((name, _)) = &name
                && name != &decl.label
            {
                mismatch.push(format!("label \"{name}\" instead of \"{}\"", decl.label));
            }
            if let Some((values, _)) = &payoffs
                && values != &decl.payoffs
            {
                mismatch.push(format!("payoffs {values:?} instead of {:?}", decl.payoffs));
            }
            let index = decl.index;
            if !mismatch.is_empty() {
                let (line, col) = line_col(self.cur.source, decl.offset);
                self.cur.error_at(
                    offset,
                    format!(
                        "outcome {number} does not match its declaration at line {line}, column {col}: {}",
                        mismatch.join(", ")
                    ),
                );
            }
            self.builder.set_outcome(node, index);
            return Ok(());
        }
        let Some((mut values, open)) = payoffs else {
            self.cur.error_at(
                offset,
                format!("outcome {number} is used before its payoffs are given"),
            );
            return Ok(());
        };
        let n = self.players.len();
        if values.len() != n {
            self.cur.error_at(
                open,
                format!(
                    "outcome {number} has {} payoff{}, but the game has {n} player{}",
                    values.len(),
                    if values.len() == 1 { "" } else { "s" },
                    if n == 1 { "" } else { "s" }
                ),
            );
            values.resize(n, 0.0);
        }
        let label = name.map(|(n, _)| n).unwrap_or_default();
        let index = self
            .builder
            .add_outcome(label.clone(), values.clone())
            .expect("payoff count was fixed above");
        self.outcomes.insert(
            number,
            OutcomeDecl {
                index,
                label,
                payoffs: values,
                offset,
            },
        );
        self.builder.set_outcome(node, index);
        Ok(())
    }
}

/// Checks chance probabilities and rescales a sum that misses 1 by at most
/// [`CHANCE_SUM_TOLERANCE`] (rounded decimals). Sums within 1e-12 are left untouched
/// so that exact files round-trip bit for bit.
fn normalise_chance(probs: &mut [f64]) -> Result<(), String> {
    if let Some(p) = probs.iter().find(|p| !(**p >= 0.0 && **p <= 1.0)) {
        return Err(format!("probability {p} is outside [0, 1]"));
    }
    let sum: f64 = probs.iter().sum();
    let gap = (sum - 1.0).abs();
    if gap > CHANCE_SUM_TOLERANCE {
        return Err(format!("probabilities sum to {sum}, not 1"));
    }
    if gap > 1e-12 {
        for p in probs.iter_mut() {
            *p /= sum;
        }
    }
    Ok(())
}

/// Writes a game in the `.efg` format, nodes in preorder, every information set and
/// outcome fully described at each use (as Gambit itself writes). Outcomes are numbered
/// by first use; information-set numbers are kept unless two sets of one mover share a
/// number, in which case that mover's sets are renumbered 1, 2, ... in index order.
///
/// Gambit 16.7 refuses a file in which two nodes share a non-empty label (it renames
/// every other kind of duplicate itself), so such node labels are written with suffixes
/// `_1`, `_2`, ... in preorder, the way Gambit renames other duplicates. Every other
/// label is written as it is, so a game with distinct node labels reads back identical.
pub fn write_efg(game: &Game) -> String {
    let mut out = String::new();
    let players: Vec<String> = game.players().iter().map(|p| quote(p)).collect();
    let _ = writeln!(out, "EFG 2 R {} {{ {} }}", quote(game.title()), players.join(" "));
    let _ = writeln!(out, "{}", quote(game.comment()));
    out.push('\n');

    let numbers = infoset_numbers(game);
    let probs: Vec<Vec<String>> = game
        .infosets()
        .iter()
        .map(|h| match h.mover {
            Mover::Chance => fmt_probabilities(&game.chance_probs()[h.action_range()]),
            Mover::Player(_) => Vec::new(),
        })
        .collect();
    let mut outcome_number = vec![0usize; game.n_outcomes()];
    let mut next_outcome = 1;

    let node_labels = unique_node_labels(game);
    let mut stack = vec![0usize];
    while let Some(node) = stack.pop() {
        match game.node_infoset(node) {
            None => {
                let _ = write!(out, "t {} ", quote(&node_labels[node]));
            }
            Some(h) => {
                let info = game.infoset(h);
                match info.mover {
                    Mover::Chance => {
                        let _ = write!(
                            out,
                            "c {} {} {} {{ ",
                            quote(&node_labels[node]),
                            numbers[h],
                            quote(&info.label)
                        );
                        for (action, p) in info.actions.iter().zip(&probs[h]) {
                            let _ = write!(out, "{} {} ", quote(action), p);
                        }
                    }
                    Mover::Player(p) => {
                        let _ = write!(
                            out,
                            "p {} {} {} {} {{ ",
                            quote(&node_labels[node]),
                            p + 1,
                            numbers[h],
                            quote(&info.label)
                        );
                        for action in &info.actions {
                            let _ = write!(out, "{} ", quote(action));
                        }
                    }
                }
                out.push_str("} ");
                stack.extend(game.children(node).rev());
            }
        }
        match game.node_outcome(node) {
            None => out.push('0'),
            Some(o) => {
                if outcome_number[o] == 0 {
                    outcome_number[o] = next_outcome;
                    next_outcome += 1;
                }
                let payoffs: Vec<String> = game.outcome_payoffs(o).iter().map(|v| fmt_number(*v)).collect();
                let _ = write!(
                    out,
                    "{} {} {{ {} }}",
                    outcome_number[o],
                    quote(game.outcome_label(o)),
                    payoffs.join(", ")
                );
            }
        }
        out.push('\n');
    }
    out
}

/// Node labels by node index, with repeated non-empty labels made distinct: each
/// occurrence of a repeated label `x` becomes `x_k` with the smallest `k` not yet used.
fn unique_node_labels(game: &Game) -> Vec<String> {
    let n = game.n_nodes();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for node in 0..n {
        *counts.entry(game.node_label(node)).or_default() += 1;
    }
    let mut labels: Vec<String> = (0..n).map(|node| game.node_label(node).to_string()).collect();
    if counts.iter().all(|(label, &c)| label.is_empty() || c == 1) {
        return labels;
    }
    let mut used: std::collections::HashSet<String> = counts.keys().map(|l| l.to_string()).collect();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    let mut stack = vec![0usize];
    while let Some(node) = stack.pop() {
        let label = game.node_label(node);
        if !label.is_empty() && counts[label] > 1 {
            let k = next_suffix.entry(label.to_string()).or_insert(0);
            let candidate = loop {
                *k += 1;
                let candidate = format!("{label}_{k}");
                if !used.contains(&candidate) {
                    break candidate;
                }
            };
            used.insert(candidate.clone());
            labels[node] = candidate;
        }
        stack.extend(game.children(node).rev());
    }
    labels
}

/// The number written for each information set: its own, unless its mover has
/// duplicates (possible for games assembled by hand), then a fresh 1, 2, ... sequence.
fn infoset_numbers(game: &Game) -> Vec<u32> {
    let mut by_mover: HashMap<Mover, Vec<usize>> = HashMap::new();
    for (h, info) in game.infosets().iter().enumerate() {
        by_mover.entry(info.mover).or_default().push(h);
    }
    let mut numbers: Vec<u32> = game.infosets().iter().map(|h| h.number).collect();
    for sets in by_mover.values() {
        let mut seen = std::collections::HashSet::new();
        if !sets.iter().all(|&h| seen.insert(numbers[h])) {
            for (k, &h) in sets.iter().enumerate() {
                numbers[h] = k as u32 + 1;
            }
        }
    }
    numbers
}
