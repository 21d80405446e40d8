//! The protocol as a state machine over paths, shared by the loader's structural
//! checks (tree size, reachability, paths without outcome) and by `model::compile`,
//! which builds the tree from the same transitions.

use super::{MoverRef, Scenario};
use std::collections::HashMap;

/// One position of the protocol: a move of the opening (`round` 0) or of round `round`,
/// or the chance move that may close the window before round `round`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub round: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Move(usize),
    Close,
}

/// The protocol flattened: opening moves, then per round the close move (rounds ≥ 2,
/// when a close probability is given) and the round's moves.
pub fn steps(sc: &Scenario) -> Vec<Step> {
    let mut out: Vec<Step> = (0..sc.n_opening)
        .map(|m| Step {
            kind: StepKind::Move(m),
            round: 0,
        })
        .collect();
    if let Some(r) = &sc.rounds {
        for round in 1..=r.count {
            if round >= 2 && r.close_probability.is_some() {
                out.push(Step {
                    kind: StepKind::Close,
                    round,
                });
            }
            for m in sc.n_opening..sc.moves.len() {
                out.push(Step {
                    kind: StepKind::Move(m),
                    round,
                });
            }
        }
    }
    out
}

/// Where play stands on a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub step: usize,
    /// Action taken at each move in scope (round moves are forgotten between rounds).
    pub chosen: Vec<Option<u32>>,
    /// Drawn type of each actor (always `None` for actors without types).
    pub types: Vec<Option<u32>>,
    /// The action whose terms are on the table, as (move, action).
    pub terms: Option<(u32, u32)>,
    /// Rounds entered so far (0 in the opening).
    pub round: u32,
    /// Set when the game has ended: the outcome (`None`: ran out of moves without one).
    pub ending: Option<Option<usize>>,
}

/// What happens at the next node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    TypeDraw(usize),
    Move(usize),
    Close(u32),
    Terminal(Option<usize>),
}

impl State {
    pub fn initial(sc: &Scenario) -> State {
        State {
            step: 0,
            chosen: vec![None; sc.moves.len()],
            types: vec![None; sc.actors.len()],
            terms: None,
            round: 0,
            ending: None,
        }
    }

    fn undrawn(&self, sc: &Scenario) -> Option<usize> {
        (0..sc.actors.len()).find(|&a| !sc.actors[a].types.is_empty() && self.types[a].is_none())
    }

    fn advance(&mut self, sc: &Scenario, steps: &[Step]) {
        self.step += 1;
        if self.step < steps.len() && steps[self.step].round != steps[self.step - 1].round {
            for c in &mut self.chosen[sc.n_opening..] {
                *c = None;
            }
        }
    }

    /// Skips moves whose `when` fails and returns the next node's event.
    pub fn settle(&mut self, sc: &Scenario, steps: &[Step]) -> Event {
        loop {
            if let Some(end) = self.ending {
                if let Some(a) = self.undrawn(sc) {
                    return Event::TypeDraw(a);
                }
                return Event::Terminal(end);
            }
            let Some(step) = steps.get(self.step) else {
                self.ending = Some(sc.end_outcome);
                continue;
            };
            match step.kind {
                StepKind::Close => return Event::Close(step.round),
                StepKind::Move(m) => {
                    self.round = step.round;
                    let mv = &sc.moves[m];
                    if mv.when.as_ref().is_some_and(|c| !c.holds(&self.chosen)) {
                        self.advance(sc, steps);
                        continue;
                    }
                    if let MoverRef::Actor(a) = mv.mover
                        && !sc.actors[a].types.is_empty()
                        && self.types[a].is_none()
                    {
                        return Event::TypeDraw(a);
                    }
                    return Event::Move(m);
                }
            }
        }
    }

    /// The state after taking child `k` of the node whose event is `event`.
    pub fn apply(&mut self, sc: &Scenario, steps: &[Step], event: Event, k: usize) {
        match event {
            Event::TypeDraw(a) => self.types[a] = Some(k as u32),
            Event::Move(m) => {
                let action = &sc.moves[m].actions[k];
                self.chosen[m] = Some(k as u32);
                if !action.terms.is_empty() {
                    self.terms = Some((m as u32, k as u32));
                }
                match action.outcome {
                    Some(o) => self.ending = Some(Some(o)),
                    None => self.advance(sc, steps),
                }
            }
            Event::Close(r) => {
                if k == 0 {
                    self.round = r - 1;
                    self.ending = Some(sc.rounds.as_ref().and_then(|x| x.close_outcome));
                } else {
                    self.round = r;
                    self.advance(sc, steps);
                }
            }
            Event::Terminal(_) => {}
        }
    }
}

/// Number of children of a node with this event.
pub fn n_children(sc: &Scenario, event: Event) -> usize {
    match event {
        Event::TypeDraw(a) => sc.actors[a].types.len(),
        Event::Move(m) => sc.moves[m].actions.len(),
        Event::Close(_) => 2,
        Event::Terminal(_) => 0,
    }
}

/// Path step text, as in `Model::path_label`: `move=action`, `move@rN=action`,
/// `type:actor=type`, `close@rN=close|continue`.
pub fn step_label(sc: &Scenario, event: Event, round: u32, k: usize) -> String {
    match event {
        Event::TypeDraw(a) => format!("type:{}={}", sc.actors[a].id, sc.actors[a].types[k].id),
        Event::Move(m) => {
            let mv = &sc.moves[m];
            if mv.in_rounds {
                format!("{}@r{round}={}", mv.id, mv.actions[k].id)
            } else {
                format!("{}={}", mv.id, mv.actions[k].id)
            }
        }
        Event::Close(r) => format!("close@r{r}={}", if k == 0 { "close" } else { "continue" }),
        Event::Terminal(_) => String::new(),
    }
}

/// Result of [`analyse`].
pub struct Analysis {
    /// Exact number of nodes of the game tree, unless `exceeds` is set.
    pub nodes: f64,
    /// Set when the walk stopped early because the tree has more than this many
    /// distinct subtrees, hence more nodes (the exact size would take too long to find).
    pub exceeds: Option<usize>,
    /// Located problems: (byte offset, message).
    pub problems: Vec<(usize, String)>,
}

struct Analyser<'a> {
    sc: &'a Scenario,
    steps: Vec<Step>,
    /// Per step: the moves that the `when` of this or a later step refers to, the only
    /// choices that shape the rest of the tree from there (one extra entry, all false,
    /// for the end of the protocol).
    live: Vec<Vec<bool>>,
    memo: HashMap<State, f64>,
    reached: Vec<bool>,
    /// The path so far as (event, round, child), spelled out only for messages.
    path: Vec<(Event, u32, usize)>,
    last_move: Vec<usize>,
    no_outcome: Option<(usize, String)>,
    no_terms: Vec<Option<String>>,
    budget: usize,
    exceeded: bool,
}

impl Analyser<'_> {
    fn path_text(&self) -> String {
        let steps: Vec<String> = self
            .path
            .iter()
            .map(|&(e, r, k)| step_label(self.sc, e, r, k))
            .collect();
        steps.join(">")
    }

    fn count(&mut self, mut st: State) -> f64 {
        let event = st.settle(self.sc, &self.steps);
        // Forget choices nothing ahead refers to, so equal subtrees share one memo entry.
        let live = if st.ending.is_some() {
            self.live.last()
        } else {
            self.live.get(st.step)
        };
        if let Some(live) = live {
            for (c, r) in st.chosen.iter_mut().zip(live) {
                if !r {
                    *c = None;
                }
            }
        }
        if let Some(&n) = self.memo.get(&st) {
            return n;
        }
        // Each distinct state is at least one node: past the budget the tree is too big.
        if self.memo.len() >= self.budget {
            self.exceeded = true;
            return 0.0;
        }
        let mut total = 1.0;
        match event {
            Event::Terminal(None) => {
                if self.no_outcome.is_none() {
                    let at = self.last_move.last().map_or(0, |&m| self.sc.moves[m].at);
                    self.no_outcome = Some((at, self.path_text()));
                }
            }
            Event::Terminal(Some(_)) => {}
            _ => {
                if let Event::Move(m) = event {
                    self.reached[m] = true;
                    self.last_move.push(m);
                }
                for k in 0..n_children(self.sc, event) {
                    if let Event::Move(m) = event
                        && self.sc.moves[m].actions[k].accept_terms
                        && st.terms.is_none()
                        && self.no_terms[m].is_none()
                    {
                        self.no_terms[m] = Some(self.path_text());
                    }
                    let mut child = st.clone();
                    child.apply(self.sc, &self.steps, event, k);
                    self.path.push((event, st.round_for(event), k));
                    total += self.count(child);
                    self.path.pop();
                }
                if let Event::Move(_) = event {
                    self.last_move.pop();
                }
            }
        }
        self.memo.insert(st, total);
        total
    }
}

impl State {
    /// Round number shown for a move event (the step's round).
    fn round_for(&self, event: Event) -> u32 {
        match event {
            Event::Close(r) => r,
            _ => self.round,
        }
    }
}

/// Structural checks and the exact tree size, without building the tree.
pub fn analyse(sc: &Scenario) -> Analysis {
    analyse_with_budget(sc, sc.settings.max_nodes.saturating_add(1))
}

/// [`analyse`], giving up (with `exceeds`) after `budget` distinct subtrees.
pub fn analyse_with_budget(sc: &Scenario, budget: usize) -> Analysis {
    let steps = steps(sc);
    let mut live = vec![vec![false; sc.moves.len()]; steps.len() + 1];
    for (i, step) in steps.iter().enumerate().rev() {
        live[i] = live[i + 1].clone();
        if let StepKind::Move(m) = step.kind
            && let Some(c) = &sc.moves[m].when
        {
            let mut v = Vec::new();
            c.moves(&mut v);
            for j in v {
                live[i][j] = true;
            }
        }
    }
    let mut an = Analyser {
        sc,
        steps,
        live,
        memo: HashMap::new(),
        reached: vec![false; sc.moves.len()],
        path: Vec::new(),
        last_move: Vec::new(),
        no_outcome: None,
        no_terms: vec![None; sc.moves.len()],
        budget,
        exceeded: false,
    };
    let nodes = an.count(State::initial(sc));
    if an.exceeded {
        return Analysis {
            nodes,
            exceeds: Some(budget),
            problems: Vec::new(),
        };
    }
    let mut problems = Vec::new();
    if let Some((at, path)) = an.no_outcome {
        let path = if path.is_empty() {
            "(the empty path)".to_string()
        } else {
            format!("`{path}`")
        };
        problems.push((
            at,
            format!(
                "a path ends without an outcome, e.g. {path}; give an action an `outcome` or set `end_outcome`"
            ),
        ));
    }
    for (m, mv) in sc.moves.iter().enumerate() {
        if !an.reached[m] {
            let why = if mv.when.is_some() {
                "its `when` condition never holds where it would be played"
            } else {
                "every path ends before it"
            };
            problems.push((mv.at, format!("move `{}` is unreachable: {why}", mv.id)));
        }
        if let Some(path) = &an.no_terms[m] {
            let at = mv.actions.iter().find(|a| a.accept_terms).map_or(mv.at, |a| a.at);
            problems.push((
                at,
                format!(
                    "move `{}` can accept terms when none are on the table (along `{path}`); an earlier action must set `terms`",
                    mv.id
                ),
            ));
        }
    }
    Analysis {
        nodes,
        exceeds: None,
        problems,
    }
}
