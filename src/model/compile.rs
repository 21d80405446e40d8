//! Scenario → game tree + numeric program. Runs once per scenario.

use super::*;
use crate::diag::Diagnostic;
use crate::game::{GameBuilder, GameError, Mover};
use crate::scenario::walk::{self, Event, State, Step};
use crate::scenario::{MoverRef, Number, Scenario};
use std::collections::HashMap;

/// Allocates value slots and appends their code to the program.
struct Slots {
    program: Program,
    names: Vec<String>,
    n_params: usize,
}

impl Slots {
    fn alloc(&mut self, number: &Number, name: String) -> u32 {
        let slot = self.names.len();
        self.program.push_store(&number.expr, &|i| i, slot);
        self.names.push(name);
        slot as u32
    }
    fn constant(&mut self, v: f64, name: &str) -> u32 {
        let n = Number {
            expr: crate::scenario::expr::Expr::Num(v),
            text: String::new(),
            at: 0,
        };
        self.alloc(&n, name.to_string())
    }
}

struct ActionSlots {
    effects: Vec<(u32, u32)>,
    terms: Vec<(u32, u32)>,
    prob: Option<u32>,
}

struct TreeBuilder<'a> {
    sc: &'a Scenario,
    steps: Vec<Step>,
    gb: GameBuilder,
    action_slots: Vec<Vec<ActionSlots>>,
    type_prior_slots: Vec<Vec<u32>>,
    close_slot: Option<u32>,
    actor_first_row: Vec<u32>,
    player_sets: HashMap<PlayerSetKey, usize>,
    chance_sets: HashMap<u64, usize>,
    /// Per label, how many information sets carry it (for `#k` suffixes).
    label_counts: HashMap<String, usize>,
    obs: Vec<Vec<(u64, u32)>>,
    /// Effects along the current path: (feature, slot, round).
    effects: Vec<(u32, u32, u32)>,
    /// Per builder node: the effects on the edge into it (feature, slot, round).
    edge_effects: Vec<Vec<(u32, u32, u32)>>,
    /// Per builder node: its children (builder ids), for replaying the breadth-first
    /// renumbering of `GameBuilder::build`.
    children: Vec<Option<std::ops::Range<usize>>>,
    infoset_step: Vec<String>,
    infoset_at: Vec<usize>,
    chance: Vec<ChanceFill>,
    terminals: Vec<TerminalRecord>,
}

/// (actor, step instance, the actor's observation history).
type PlayerSetKey = (usize, u64, Vec<(u64, u32)>);

struct TerminalRecord {
    named: u32,
    rounds: u32,
    rows: Vec<u32>,
}

fn instance(event: Event, round: u32) -> u64 {
    match event {
        Event::Move(m) => ((m as u64) << 32) | round as u64,
        Event::TypeDraw(a) => (1 << 62) | a as u64,
        Event::Close(r) => (1 << 61) | r as u64,
        Event::Terminal(_) => u64::MAX,
    }
}

impl TreeBuilder<'_> {
    fn infoset(&mut self, event: Event, st: &State) -> Result<usize, GameError> {
        let sc = self.sc;
        let round = st.round;
        let inst = instance(event, round);
        let step_name = || match event {
            Event::Move(m) if sc.moves[m].in_rounds => format!("{}@r{round}", sc.moves[m].id),
            Event::Move(m) => sc.moves[m].id.clone(),
            Event::TypeDraw(a) => format!("type:{}", sc.actors[a].id),
            Event::Close(r) => format!("close@r{r}"),
            Event::Terminal(_) => String::new(),
        };
        let (mover, key_actor) = match event {
            Event::Move(m) => match sc.moves[m].mover {
                MoverRef::Actor(a) => (Mover::Player(a), Some(a)),
                MoverRef::Chance => (Mover::Chance, None),
            },
            _ => (Mover::Chance, None),
        };
        if let Some(a) = key_actor {
            let key = (a, inst, self.obs[a].clone());
            if let Some(&h) = self.player_sets.get(&key) {
                return Ok(h);
            }
            let step_name = step_name();
            let base = format!("{}:{step_name}", sc.actors[a].id);
            let count = self.label_counts.entry(base.clone()).or_insert(0);
            *count += 1;
            let label = if *count == 1 {
                base
            } else {
                format!("{base}#{count}")
            };
            let Event::Move(m) = event else { unreachable!() };
            let actions: Vec<String> = sc.moves[m].actions.iter().map(|x| x.id.clone()).collect();
            let h = self.gb.add_infoset(mover, label, actions, None)?;
            self.player_sets.insert(key, h);
            self.infoset_step.push(step_name);
            self.infoset_at.push(sc.moves[m].at);
            return Ok(h);
        }
        if let Some(&h) = self.chance_sets.get(&inst) {
            return Ok(h);
        }
        let step_name = step_name();
        let (label, actions, slots, at): (String, Vec<String>, Vec<(u32, bool)>, usize) = match event {
            Event::Move(m) => (
                format!("chance:{step_name}"),
                sc.moves[m].actions.iter().map(|x| x.id.clone()).collect(),
                self.action_slots[m]
                    .iter()
                    .map(|x| (x.prob.unwrap_or(0), false))
                    .collect(),
                sc.moves[m].at,
            ),
            Event::TypeDraw(a) => (
                step_name.clone(),
                sc.actors[a].types.iter().map(|t| t.id.clone()).collect(),
                self.type_prior_slots[a].iter().map(|&s| (s, false)).collect(),
                sc.actors[a].at,
            ),
            Event::Close(_) => {
                let s = self.close_slot.unwrap_or(0);
                (
                    format!("chance:{step_name}"),
                    vec!["close".into(), "continue".into()],
                    vec![(s, false), (s, true)],
                    sc.rounds.as_ref().map_or(0, |r| r.at),
                )
            }
            Event::Terminal(_) => unreachable!(),
        };
        let n = actions.len();
        let h = self
            .gb
            .add_infoset(mover, label.clone(), actions, Some(vec![1.0 / n as f64; n]))?;
        self.chance_sets.insert(inst, h);
        self.infoset_step.push(step_name);
        self.infoset_at.push(at);
        let what = match event {
            Event::Move(m) => format!("chance move `{}`", sc.moves[m].id),
            Event::TypeDraw(a) => format!("the type priors of actor `{}`", sc.actors[a].id),
            _ => "`close_probability`".to_string(),
        };
        self.chance.push(ChanceFill {
            infoset: h,
            what,
            slots,
            action_offset: 0,
        });
        Ok(h)
    }

    fn observers(&self, event: Event) -> Vec<usize> {
        let sc = self.sc;
        let all = || (0..sc.actors.len()).collect::<Vec<_>>();
        match event {
            Event::Move(m) => {
                let mv = &sc.moves[m];
                let mut v = match &mv.visible_to {
                    None => all(),
                    Some(list) => list.clone(),
                };
                if let MoverRef::Actor(a) = mv.mover
                    && !v.contains(&a)
                {
                    v.push(a);
                }
                v
            }
            Event::TypeDraw(a) => vec![a],
            Event::Close(_) => all(),
            Event::Terminal(_) => Vec::new(),
        }
    }

    fn build(&mut self, node: usize, mut st: State) -> Result<(), GameError> {
        let event = st.settle(self.sc, &self.steps);
        if let Event::Terminal(o) = event {
            // The loader rejects paths without an outcome, so `o` is set here.
            let named = o.unwrap_or(0) as u32;
            let np = self.sc.actors.len();
            let out = self
                .gb
                .add_outcome(self.sc.outcomes[named as usize].id.clone(), vec![0.0; np])?;
            self.gb.set_outcome(node, out);
            let rows = (0..np)
                .map(|a| self.actor_first_row[a] + st.types[a].unwrap_or(0))
                .collect();
            self.terminals.push(TerminalRecord {
                named,
                rounds: st.round,
                rows,
            });
            return Ok(());
        }
        let h = self.infoset(event, &st)?;
        let kids = self.gb.expand(node, h)?;
        if self.children.len() < kids.end {
            self.children.resize(kids.end, None);
            self.edge_effects.resize(kids.end, Vec::new());
        }
        self.children[node] = Some(kids.clone());
        let inst = instance(event, st.round);
        let observers = self.observers(event);
        for (k, child) in kids.enumerate() {
            let mark = self.effects.len();
            if let Event::Move(m) = event {
                let round = st.round;
                for &(f, s) in &self.action_slots[m][k].effects {
                    self.effects.push((f, s, round));
                }
                if self.sc.moves[m].actions[k].accept_terms
                    && let Some((tm, tk)) = st.terms
                {
                    for &(f, s) in &self.action_slots[tm as usize][tk as usize].terms {
                        self.effects.push((f, s, round));
                    }
                }
            }
            self.edge_effects[child] = self.effects[mark..].to_vec();
            for &a in &observers {
                self.obs[a].push((inst, k as u32));
            }
            let mut next = st.clone();
            next.apply(self.sc, &self.steps, event, k);
            self.build(child, next)?;
            for &a in &observers {
                self.obs[a].pop();
            }
            self.effects.truncate(mark);
        }
        Ok(())
    }
}

pub(super) fn compile_scenario(sc: &Scenario) -> Result<Model, Diagnostics> {
    let locate = |at: usize, msg: String| Diagnostic::at_offset(&sc.file, &sc.source, at, msg);
    let np = sc.params.len();
    let nf = sc.features.len();
    let mut slots = Slots {
        program: Program::new(),
        names: sc
            .params
            .iter()
            .map(|p| format!("parameter `{}`", p.name))
            .collect(),
        n_params: np,
    };
    // Derived values occupy the slots right after the parameters, in declaration
    // order, but are computed in dependency order.
    for d in &sc.derived {
        slots.names.push(format!("derived value `{}`", d.name));
    }
    for &j in &sc.derived_order {
        slots.program.push_store(&sc.derived[j].expr.expr, &|i| i, np + j);
    }
    let zero = slots.constant(0.0, "zero");
    // Weight rows: one per actor, or one per type.
    let mut weight_slots: Vec<u32> = Vec::new();
    let mut actor_first_row = Vec::new();
    for a in &sc.actors {
        actor_first_row.push((weight_slots.len() / nf.max(1)) as u32);
        let base: Vec<u32> = (0..nf)
            .map(|f| match &a.weights[f] {
                Some(n) if n.constant() == Some(0.0) => zero,
                Some(n) => slots.alloc(n, format!("weight of `{}` on `{}`", a.id, sc.features[f])),
                None => zero,
            })
            .collect();
        if a.types.is_empty() {
            weight_slots.extend(&base);
        } else {
            for t in &a.types {
                for (f, base_slot) in base.iter().enumerate() {
                    let s = match &t.weights[f] {
                        Some(n) if n.constant() == Some(0.0) => zero,
                        Some(n) => slots.alloc(
                            n,
                            format!("weight of `{}` ({}) on `{}`", a.id, t.id, sc.features[f]),
                        ),
                        None => *base_slot,
                    };
                    weight_slots.push(s);
                }
            }
        }
    }
    let type_prior_slots: Vec<Vec<u32>> = sc
        .actors
        .iter()
        .map(|a| {
            a.types
                .iter()
                .map(|t| slots.alloc(&t.prior, format!("prior of type `{}` of `{}`", t.id, a.id)))
                .collect()
        })
        .collect();
    let mut action_slots: Vec<Vec<ActionSlots>> = Vec::new();
    for m in &sc.moves {
        let mut per = Vec::new();
        for act in &m.actions {
            let what =
                |kind: &str, f: usize| format!("{kind} of `{}:{}` on `{}`", m.id, act.id, sc.features[f]);
            let effects = act
                .effects
                .iter()
                .map(|(f, n)| (*f as u32, slots.alloc(n, what("effect", *f))))
                .collect();
            let terms = act
                .terms
                .iter()
                .map(|(f, n)| (*f as u32, slots.alloc(n, what("term", *f))))
                .collect();
            let prob = act
                .prob
                .as_ref()
                .map(|n| slots.alloc(n, format!("probability of `{}:{}`", m.id, act.id)));
            per.push(ActionSlots { effects, terms, prob });
        }
        action_slots.push(per);
    }
    let (discount_slot, close_slot, n_rounds) = match &sc.rounds {
        Some(r) => (
            Some(slots.alloc(&r.discount, "`discount`".into())),
            r.close_probability
                .as_ref()
                .map(|n| slots.alloc(n, "`close_probability`".into())),
            r.count,
        ),
        None => (None, None, 0),
    };
    let lambda_slot = slots.alloc(&sc.settings.lambda, "`lambda`".into());

    let players: Vec<String> = sc.actors.iter().map(|a| a.name.clone()).collect();
    let mut gb = GameBuilder::new(players);
    gb.set_title(sc.name.clone());
    gb.set_comment(sc.description.clone());
    gb.set_node_limit(sc.settings.max_nodes.max(1));
    let mut tb = TreeBuilder {
        sc,
        steps: walk::steps(sc),
        gb,
        action_slots,
        type_prior_slots,
        close_slot,
        actor_first_row,
        player_sets: HashMap::new(),
        chance_sets: HashMap::new(),
        label_counts: HashMap::new(),
        obs: vec![Vec::new(); sc.actors.len()],
        effects: Vec::new(),
        edge_effects: vec![Vec::new()],
        children: vec![None],
        infoset_step: Vec::new(),
        infoset_at: Vec::new(),
        chance: Vec::new(),
        terminals: Vec::new(),
    };
    let game_error = |e: GameError, infoset_at: &[usize]| -> Diagnostics {
        let at = match &e {
            GameError::NoPerfectRecall { infoset_index, .. } => {
                infoset_at.get(*infoset_index).copied().unwrap_or(0)
            }
            _ => 0,
        };
        Diagnostics::single(locate(at, format!("cannot build the game: {e}")))
    };
    if let Err(e) = tb.build(GameBuilder::ROOT, State::initial(sc)) {
        return Err(game_error(e, &tb.infoset_at));
    }
    let TreeBuilder {
        gb,
        infoset_step,
        infoset_at,
        mut chance,
        terminals,
        edge_effects,
        children,
        ..
    } = tb;
    let game = gb.build().map_err(|e| game_error(e, &infoset_at))?;
    for c in &mut chance {
        c.action_offset = game.infoset(c.infoset).action_offset;
    }
    let n_nodes = game.n_nodes();
    // Replay the builder's breadth-first renumbering: builder id of each game node.
    let mut builder_id = Vec::with_capacity(n_nodes);
    builder_id.push(GameBuilder::ROOT);
    let mut head = 0;
    while head < builder_id.len() {
        if let Some(Some(kids)) = children.get(builder_id[head]) {
            builder_id.extend(kids.clone());
        }
        head += 1;
    }
    assert_eq!(
        builder_id.len(),
        n_nodes,
        "breadth-first replay must visit every node once"
    );
    let mut terminal_outcome = vec![u32::MAX; n_nodes];
    let mut terminal_rounds = vec![0; n_nodes];
    let mut terminal_nodes = Vec::new();
    for node in 0..n_nodes {
        if let Some(o) = game.node_outcome(node) {
            terminal_outcome[node] = terminals[o].named;
            terminal_rounds[node] = terminals[o].rounds;
            terminal_nodes.push((node as u32, o as u32));
        }
    }
    // Payoffs are swept down the tree as running totals over a small basis, either one
    // total per weight row (an actor, or one of its types) or one per feature, whichever
    // costs less; each edge adds the increment of its "edge kind" (its list of effects),
    // computed once per fill.
    let n_rows = weight_slots.len() / nf.max(1);
    let n_terminals = terminals.len();
    let np_actors = sc.actors.len();
    let row_cost = n_nodes * n_rows + n_terminals * np_actors;
    let feature_cost = n_nodes * nf + n_terminals * np_actors * nf;
    let basis = if row_cost <= feature_cost {
        Basis::Rows
    } else {
        Basis::Features
    };
    let mut kind_ids: HashMap<Vec<(u32, u32, u32)>, u32> = HashMap::new();
    let mut edge_kinds: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new()];
    kind_ids.insert(Vec::new(), 0);
    let node_kind: Vec<u32> = builder_id
        .iter()
        .map(|&b| {
            let effects = edge_effects.get(b).cloned().unwrap_or_default();
            let next = edge_kinds.len() as u32;
            *kind_ids.entry(effects.clone()).or_insert_with(|| {
                edge_kinds.push(effects);
                next
            })
        })
        .collect();

    let mut outcome_rows = vec![0u32; terminals.len() * np_actors];
    for (o, t) in terminals.iter().enumerate() {
        outcome_rows[o * np_actors..(o + 1) * np_actors].copy_from_slice(&t.rows);
    }

    let params: Vec<ParamInfo> = sc
        .params
        .iter()
        .map(|p| ParamInfo {
            name: p.name.clone(),
            default: p.default,
            low: p.low,
            high: p.high,
            prior: p.prior.clone(),
        })
        .collect();
    let description = Description {
        name: sc.name.clone(),
        description: sc.description.clone(),
        features: sc.features.clone(),
        actors: sc
            .actors
            .iter()
            .map(|a| ActorDescription {
                id: a.id.clone(),
                name: a.name.clone(),
                types: a.types.iter().map(|t| t.id.clone()).collect(),
            })
            .collect(),
        parameters: sc
            .params
            .iter()
            .map(|p| ParameterDescription {
                name: p.name.clone(),
                default: p.default,
                low: p.low,
                high: p.high,
                prior: p.prior.to_string(),
                description: p.description.clone(),
            })
            .collect(),
        moves: sc
            .moves
            .iter()
            .map(|m| MoveDescription {
                id: m.id.clone(),
                actor: match m.mover {
                    MoverRef::Chance => "chance".into(),
                    MoverRef::Actor(a) => sc.actors[a].id.clone(),
                },
                in_rounds: m.in_rounds,
                actions: m.actions.iter().map(|a| a.id.clone()).collect(),
                when: m.when_text.clone(),
            })
            .collect(),
        outcomes: sc
            .outcomes
            .iter()
            .map(|o| OutcomeDescription {
                id: o.id.clone(),
                label: o.label.clone(),
            })
            .collect(),
        rounds: n_rounds,
        solver: sc.settings.solver,
        trials: sc.settings.trials,
        seed: sc.settings.seed,
        nodes: n_nodes,
        infosets: game.player_infosets().count(),
    };
    let stack_size = slots.program.stack_size();
    let n_slots = slots.names.len();
    let mut model = Model {
        game,
        params,
        actors: sc
            .actors
            .iter()
            .map(|a| ActorInfo {
                id: a.id.clone(),
                name: a.name.clone(),
            })
            .collect(),
        outcomes: sc.outcomes.iter().map(|o| o.id.clone()).collect(),
        terminal_outcome,
        terminal_rounds,
        default_solver: sc.settings.solver,
        default_trials: sc.settings.trials,
        default_seed: sc.settings.seed,
        source_hash: sc.source_hash.clone(),
        program: slots.program,
        slot_names: slots.names,
        n_params: slots.n_params,
        n_slots,
        stack_size,
        lambda_slot,
        discount_slot,
        n_rounds,
        n_rows,
        weight_slots,
        basis,
        edge_kinds,
        node_kind,
        terminal_nodes,
        outcome_rows,
        chance,
        infoset_step,
        description,
    };
    // Fill at the defaults: the game must be valid there, or the scenario is broken.
    let defaults = model.defaults();
    let mut scratch = model.new_scratch();
    let mut game = model.game.clone();
    if let Err(e) = model.fill(&defaults, &mut scratch, &mut game) {
        return Err(Diagnostics::single(locate(
            0,
            format!("at the parameter defaults: {e}"),
        )));
    }
    model.game = game;
    Ok(model)
}
