//! TOML to [`Scenario`]: every key checked, every reference resolved, every problem
//! reported with its position (all of them, not just the first).

use super::dist::Prior;
use super::expr::{Expr, RESERVED_NAMES, parse_expr};
use super::*;
use crate::diag::{Diagnostic, Diagnostics};
use sha2::{Digest, Sha256};

/// A TOML value with its byte offset, independent of toml_edit's item kinds (tables and
/// inline tables look alike, and so do arrays of tables and arrays).
#[derive(Clone, Debug)]
struct Node {
    val: Val,
    at: usize,
}

#[derive(Clone, Debug)]
enum Val {
    Table(Vec<Entry>),
    Array(Vec<Node>),
    /// The string and, when the raw text between the quotes is the value itself (no
    /// escapes), the offset of its first character, so positions inside map exactly.
    Str(String, Option<usize>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Other,
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    key_at: usize,
    node: Node,
}

fn convert_value(v: &toml_edit::Value, source: &str, fallback: usize) -> Node {
    let at = v.span().map_or(fallback, |s| s.start);
    let val = match v {
        toml_edit::Value::String(s) => {
            let value = s.value().clone();
            let rest = source.get(at..).unwrap_or("");
            let skip = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
                3
            } else {
                1
            };
            let inner = at + skip;
            let exact = source.get(inner..inner + value.len()) == Some(value.as_str());
            Val::Str(value, exact.then_some(inner))
        }
        toml_edit::Value::Integer(i) => Val::Int(*i.value()),
        toml_edit::Value::Float(f) => Val::Float(*f.value()),
        toml_edit::Value::Boolean(b) => Val::Bool(*b.value()),
        toml_edit::Value::Datetime(_) => Val::Other,
        toml_edit::Value::Array(a) => Val::Array(a.iter().map(|x| convert_value(x, source, at)).collect()),
        toml_edit::Value::InlineTable(t) => {
            let entries = t
                .iter()
                .map(|(k, x)| {
                    let key_at = t.key(k).and_then(|k| k.span()).map_or(at, |s| s.start);
                    Entry {
                        key: k.to_string(),
                        key_at,
                        node: convert_value(x, source, key_at),
                    }
                })
                .collect();
            Val::Table(entries)
        }
    };
    Node { val, at }
}

fn convert_table(t: &toml_edit::Table, source: &str, fallback: usize) -> Node {
    let at = t.span().map_or(fallback, |s| s.start);
    let entries = t
        .iter()
        .map(|(k, item)| {
            let key_at = t.key(k).and_then(|k| k.span()).map_or(at, |s| s.start);
            Entry {
                key: k.to_string(),
                key_at,
                node: convert_item(item, source, key_at),
            }
        })
        .collect();
    Node {
        val: Val::Table(entries),
        at,
    }
}

fn convert_item(item: &toml_edit::Item, source: &str, fallback: usize) -> Node {
    match item {
        toml_edit::Item::None => Node {
            val: Val::Other,
            at: fallback,
        },
        toml_edit::Item::Value(v) => convert_value(v, source, fallback),
        toml_edit::Item::Table(t) => convert_table(t, source, fallback),
        toml_edit::Item::ArrayOfTables(a) => {
            let at = a.span().map_or(fallback, |s| s.start);
            Node {
                val: Val::Array(a.iter().map(|t| convert_table(t, source, at)).collect()),
                at,
            }
        }
    }
}

fn kind(node: &Node) -> &'static str {
    match node.val {
        Val::Table(_) => "a table",
        Val::Array(_) => "an array",
        Val::Str(..) => "a string",
        Val::Int(_) => "an integer",
        Val::Float(_) => "a number",
        Val::Bool(_) => "a boolean",
        Val::Other => "a date",
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// " (did you mean `x`?)" for the closest candidate within a small edit distance.
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn get<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
    entries.iter().find(|e| e.key == key)
}

struct Loader<'s> {
    file: &'s str,
    source: &'s str,
    diags: Vec<Diagnostic>,
    features: Vec<String>,
    /// Parameters then derived values: the expression namespace.
    vars: Vec<String>,
}

impl Loader<'_> {
    fn err(&mut self, at: usize, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::at_offset(self.file, self.source, at, message));
    }

    /// The entries of a table, reporting unknown keys (with a suggestion).
    fn fields<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&str]) -> Option<&'n [Entry]> {
        let Val::Table(entries) = &node.val else {
            self.err(node.at, format!("{what} must be a table, found {}", kind(node)));
            return None;
        };
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                let hint = did_you_mean(&e.key, allowed.iter().copied());
                self.err(
                    e.key_at,
                    format!(
                        "unknown key `{}` in {what}{hint}; expected one of: {}",
                        e.key,
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(entries)
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.val {
            Val::Str(s, _) => Some(s.clone()),
            _ => {
                self.err(node.at, format!("{what} must be a string, found {}", kind(node)));
                None
            }
        }
    }

    fn opt_string(&mut self, entries: &[Entry], key: &str, what: &str) -> Option<String> {
        let e = get(entries, key)?;
        self.string(&e.node, &format!("`{key}` of {what}"))
    }

    fn ident(&mut self, node: &Node, what: &str) -> Option<String> {
        let s = self.string(node, what)?;
        if !is_identifier(&s) {
            self.err(
                node.at,
                format!("{what} `{s}` is not an identifier (letters, digits, `_`)"),
            );
            return None;
        }
        Some(s)
    }

    /// A key used as an id: must be an identifier.
    fn check_id(&mut self, id: &str, at: usize, what: &str) -> bool {
        if !is_identifier(id) {
            self.err(
                at,
                format!("{what} id `{id}` is not an identifier (letters, digits, `_`)"),
            );
            return false;
        }
        true
    }

    fn literal(&mut self, node: &Node, what: &str) -> Option<f64> {
        match node.val {
            Val::Int(i) => Some(i as f64),
            Val::Float(f) if f.is_finite() => Some(f),
            Val::Float(_) => {
                self.err(node.at, format!("{what} must be a finite number"));
                None
            }
            _ => {
                self.err(node.at, format!("{what} must be a number, found {}", kind(node)));
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, what: &str, min: i64) -> Option<i64> {
        match node.val {
            Val::Int(i) if i >= min => Some(i),
            Val::Int(i) => {
                self.err(node.at, format!("{what} must be at least {min}, got {i}"));
                None
            }
            _ => {
                self.err(
                    node.at,
                    format!("{what} must be an integer, found {}", kind(node)),
                );
                None
            }
        }
    }

    /// A number or an expression string over the variables.
    fn number(&mut self, node: &Node, what: &str) -> Option<Number> {
        match &node.val {
            Val::Int(_) | Val::Float(_) => {
                let v = self.literal(node, what)?;
                Some(Number {
                    expr: Expr::Num(v),
                    text: format!("{v}"),
                    at: node.at,
                })
            }
            Val::Str(text, inner) => {
                let vars = self.vars.clone();
                let mut resolve = |name: &str| vars.iter().position(|v| v == name);
                match parse_expr(text, &mut resolve) {
                    Ok(expr) => {
                        let expr = match expr.const_value() {
                            Some(v) => Expr::Num(v),
                            None => expr,
                        };
                        Some(Number {
                            expr,
                            text: text.clone(),
                            at: node.at,
                        })
                    }
                    Err(errors) => {
                        for e in errors {
                            let at = inner.map_or(node.at, |i| i + e.offset);
                            let hint = if e.message.starts_with("unknown name") {
                                let name = e
                                    .message
                                    .trim_start_matches("unknown name `")
                                    .trim_end_matches('`');
                                did_you_mean(name, vars.iter().map(|s| s.as_str()))
                            } else {
                                String::new()
                            };
                            self.err(at, format!("in {what}: {}{hint}", e.message));
                        }
                        None
                    }
                }
            }
            _ => {
                self.err(
                    node.at,
                    format!(
                        "{what} must be a number or an expression string, found {}",
                        kind(node)
                    ),
                );
                None
            }
        }
    }

    /// A per-feature table of numbers (`weights`, `effects`, `terms`).
    fn feature_numbers(&mut self, node: &Node, what: &str) -> Vec<(usize, Number)> {
        let Val::Table(entries) = &node.val else {
            self.err(
                node.at,
                format!("{what} must be a table of feature = number, found {}", kind(node)),
            );
            return Vec::new();
        };
        let mut out: Vec<(usize, Number)> = Vec::new();
        for e in entries {
            let Some(f) = self.features.iter().position(|x| *x == e.key) else {
                let hint = did_you_mean(&e.key, self.features.iter().map(|s| s.as_str()));
                let msg = format!("unknown feature `{}` in {what}{hint}", e.key);
                self.err(e.key_at, msg);
                continue;
            };
            if let Some(n) = self.number(&e.node, &format!("`{}` of {what}", e.key)) {
                out.push((f, n));
            }
        }
        out
    }

    /// Reports a literal probability outside [0, 1]; returns the literal if any.
    fn check_probability(&mut self, n: &Number, what: &str) -> Option<f64> {
        let v = n.constant()?;
        if !(0.0..=1.0).contains(&v) {
            self.err(n.at, format!("{what} {v} is outside [0, 1]"));
        }
        Some(v)
    }

    /// Checks that literal probabilities sum to 1 (when all of them are literal).
    fn check_sum(&mut self, numbers: &[&Number], at: usize, what: &str) {
        let literal: Option<Vec<f64>> = numbers.iter().map(|n| n.constant()).collect();
        if let Some(vals) = literal {
            let sum: f64 = vals.iter().sum();
            if !vals.is_empty() && (sum - 1.0).abs() > 1e-9 {
                self.err(at, format!("{what} sum to {}, not 1", round_for_message(sum)));
            }
        }
    }
}

const ROOT_KEYS: &[&str] = &[
    "scenario",
    "settings",
    "parameters",
    "derived",
    "actors",
    "outcomes",
    "moves",
    "rounds",
];
const SCENARIO_KEYS: &[&str] = &["name", "description", "features", "end_outcome"];
const SETTINGS_KEYS: &[&str] = &["solver", "lambda", "trials", "seed", "max_nodes"];
const PARAM_KEYS: &[&str] = &["default", "prior", "bounds", "description"];
const ACTOR_KEYS: &[&str] = &["name", "weights", "types"];
const TYPE_KEYS: &[&str] = &["prior", "weights"];
const OUTCOME_KEYS: &[&str] = &["label", "description"];
const MOVE_KEYS: &[&str] = &[
    "id",
    "actor",
    "label",
    "description",
    "when",
    "visible_to",
    "actions",
];
const ACTION_KEYS: &[&str] = &[
    "id",
    "label",
    "effects",
    "terms",
    "accept_terms",
    "outcome",
    "prob",
];
const ROUNDS_KEYS: &[&str] = &[
    "count",
    "discount",
    "close_probability",
    "close_outcome",
    "end_outcome",
    "moves",
];
const DISTS: &[&str] = &[
    "fixed",
    "uniform",
    "normal",
    "beta",
    "triangular",
    "lognormal",
    "discrete",
];

/// Most rounds a `[rounds]` block may repeat.
const MAX_ROUNDS: i64 = 1000;
/// Most moves along one path (opening moves plus rounds × round moves), which bounds the
/// depth of the recursive tree walks.
const MAX_PATH_MOVES: usize = 2000;

/// Default node limit when `[settings] max_nodes` is absent.
pub const DEFAULT_MAX_NODES: usize = 200_000;

/// Parses and validates a scenario file, reporting every problem found.
pub fn parse_scenario(source: &str, file: &str) -> Result<Scenario, Diagnostics> {
    let doc = match toml_edit::Document::parse(source) {
        Ok(d) => d,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            let msg = e.message().trim().to_string();
            return Err(Diagnostics::single(Diagnostic::at_offset(
                file,
                source,
                at,
                format!("TOML syntax error: {msg}"),
            )));
        }
    };
    let root = convert_table(doc.as_table(), source, 0);
    let mut ld = Loader {
        file,
        source,
        diags: Vec::new(),
        features: Vec::new(),
        vars: Vec::new(),
    };
    let scenario = load(&mut ld, &root);
    match scenario {
        Some(s) if ld.diags.is_empty() => Ok(s),
        _ => {
            if ld.diags.is_empty() {
                ld.err(0, "the scenario is invalid");
            }
            Err(Diagnostics(ld.diags).sorted())
        }
    }
}

fn load(ld: &mut Loader, root: &Node) -> Option<Scenario> {
    let entries = ld.fields(root, "the scenario file", ROOT_KEYS)?;

    // [scenario]
    let mut name = String::new();
    let mut description = String::new();
    let mut end_outcome_node: Option<&Node> = None;
    match get(entries, "scenario") {
        None => ld.err(0, "missing `[scenario]` table (with `name` and `features`)"),
        Some(e) => {
            if let Some(sc) = ld.fields(&e.node, "[scenario]", SCENARIO_KEYS) {
                match get(sc, "name") {
                    Some(n) => name = ld.string(&n.node, "`name`").unwrap_or_default(),
                    None => ld.err(e.node.at, "`[scenario]` needs a `name`"),
                }
                description = ld.opt_string(sc, "description", "[scenario]").unwrap_or_default();
                end_outcome_node = get(sc, "end_outcome").map(|e| &e.node);
                match get(sc, "features") {
                    None => ld.err(e.node.at, "`[scenario]` needs `features = [...]`"),
                    Some(f) => match &f.node.val {
                        Val::Array(items) => {
                            for item in items {
                                if let Some(id) = ld.ident(item, "feature") {
                                    if ld.features.contains(&id) {
                                        ld.err(item.at, format!("feature `{id}` is declared twice"));
                                    } else {
                                        ld.features.push(id);
                                    }
                                }
                            }
                            if items.is_empty() {
                                ld.err(f.node.at, "`features` is empty; declare at least one feature");
                            }
                        }
                        _ => ld.err(
                            f.node.at,
                            format!("`features` must be an array of names, found {}", kind(&f.node)),
                        ),
                    },
                }
            }
        }
    }

    // [outcomes]: ids first, so that every later reference can be resolved.
    let mut outcomes: Vec<OutcomeDef> = Vec::new();
    match get(entries, "outcomes") {
        None => ld.err(0, "missing `[outcomes]`: declare at least one named outcome"),
        Some(e) if !matches!(e.node.val, Val::Table(_)) => ld.err(
            e.node.at,
            format!("`outcomes` must be a table, found {}", kind(&e.node)),
        ),
        Some(_) => {}
    }
    if let Some(e) = get(entries, "outcomes")
        && let Val::Table(items) = &e.node.val
    {
        for o in items {
            if !ld.check_id(&o.key, o.key_at, "outcome") {
                continue;
            }
            let what = format!("[outcomes.{}]", o.key);
            let (label, desc) = match ld.fields(&o.node, &what, OUTCOME_KEYS) {
                Some(t) => (
                    ld.opt_string(t, "label", &what).unwrap_or_else(|| o.key.clone()),
                    ld.opt_string(t, "description", &what).unwrap_or_default(),
                ),
                None => (o.key.clone(), String::new()),
            };
            outcomes.push(OutcomeDef {
                id: o.key.clone(),
                label,
                description: desc,
                at: o.key_at,
            });
        }
        if items.is_empty() {
            ld.err(e.node.at, "`[outcomes]` is empty");
        }
    }
    let outcome_ids: Vec<String> = outcomes.iter().map(|o| o.id.clone()).collect();
    let resolve_outcome = |ld: &mut Loader, node: &Node, what: &str| -> Option<usize> {
        let id = ld.string(node, what)?;
        match outcome_ids.iter().position(|o| *o == id) {
            Some(i) => Some(i),
            None => {
                let hint = did_you_mean(&id, outcome_ids.iter().map(|s| s.as_str()));
                ld.err(node.at, format!("{what}: unknown outcome `{id}`{hint}"));
                None
            }
        }
    };

    // [parameters]
    let mut params: Vec<ParamDef> = Vec::new();
    if let Some(e) = get(entries, "parameters") {
        if let Val::Table(items) = &e.node.val {
            for p in items {
                if !ld.check_id(&p.key, p.key_at, "parameter") {
                    continue;
                }
                if RESERVED_NAMES.contains(&p.key.as_str()) {
                    ld.err(
                        p.key_at,
                        format!("`{}` is reserved and cannot name a parameter", p.key),
                    );
                    continue;
                }
                match parse_param(ld, p) {
                    Some(def) => params.push(def),
                    // Keep the name so that expressions using it do not cascade into
                    // "unknown name" errors; the scenario is rejected anyway.
                    None => params.push(ParamDef {
                        name: p.key.clone(),
                        default: 0.0,
                        low: 0.0,
                        high: 0.0,
                        prior: Prior::Fixed { value: 0.0 },
                        description: String::new(),
                        at: p.key_at,
                    }),
                }
            }
        } else {
            ld.err(
                e.node.at,
                format!("`parameters` must be a table, found {}", kind(&e.node)),
            );
        }
    }
    ld.vars = params.iter().map(|p| p.name.clone()).collect();

    // [derived]: names first (they may refer to each other), then expressions.
    let mut derived_nodes: Vec<&Entry> = Vec::new();
    if let Some(e) = get(entries, "derived") {
        if let Val::Table(items) = &e.node.val {
            for d in items {
                if !ld.check_id(&d.key, d.key_at, "derived value") {
                    continue;
                }
                if RESERVED_NAMES.contains(&d.key.as_str()) {
                    ld.err(
                        d.key_at,
                        format!("`{}` is reserved and cannot name a derived value", d.key),
                    );
                    continue;
                }
                if ld.vars.contains(&d.key) {
                    ld.err(d.key_at, format!("`{}` is already a parameter", d.key));
                    continue;
                }
                ld.vars.push(d.key.clone());
                derived_nodes.push(d);
            }
        } else {
            ld.err(
                e.node.at,
                format!("`derived` must be a table, found {}", kind(&e.node)),
            );
        }
    }
    let mut derived: Vec<DerivedDef> = Vec::new();
    let mut derived_ok = true;
    for d in &derived_nodes {
        match ld.number(&d.node, &format!("derived value `{}`", d.key)) {
            Some(n) => derived.push(DerivedDef {
                name: d.key.clone(),
                expr: n,
            }),
            None => {
                derived_ok = false;
                derived.push(DerivedDef {
                    name: d.key.clone(),
                    expr: Number {
                        expr: Expr::Num(f64::NAN),
                        text: String::new(),
                        at: d.node.at,
                    },
                });
            }
        }
    }
    let derived_order = if derived_ok {
        order_derived(ld, &derived, params.len())
    } else {
        Vec::new()
    };

    // [actors]
    let mut actors: Vec<ActorDef> = Vec::new();
    match get(entries, "actors") {
        None => ld.err(0, "missing `[actors]`: declare at least one actor"),
        Some(e) => {
            if let Val::Table(items) = &e.node.val {
                for a in items {
                    if !ld.check_id(&a.key, a.key_at, "actor") {
                        continue;
                    }
                    if a.key == "chance" {
                        ld.err(a.key_at, "`chance` is reserved for the chance player");
                        continue;
                    }
                    if let Some(def) = parse_actor(ld, a) {
                        actors.push(def);
                    }
                }
                if items.is_empty() {
                    ld.err(e.node.at, "`[actors]` is empty");
                }
            } else {
                ld.err(
                    e.node.at,
                    format!("`actors` must be a table, found {}", kind(&e.node)),
                );
            }
        }
    }
    let actor_ids: Vec<String> = actors.iter().map(|a| a.id.clone()).collect();

    // [settings]
    let mut settings = Settings {
        solver: DefaultSolver::Spe,
        lambda: Number {
            expr: Expr::Num(1.0),
            text: "1".into(),
            at: 0,
        },
        trials: 10_000,
        seed: 1,
        max_nodes: DEFAULT_MAX_NODES,
    };
    if let Some(e) = get(entries, "settings")
        && let Some(st) = ld.fields(&e.node, "[settings]", SETTINGS_KEYS)
    {
        if let Some(s) = get(st, "solver")
            && let Some(v) = ld.string(&s.node, "`solver`")
        {
            match v.as_str() {
                "spe" => settings.solver = DefaultSolver::Spe,
                "qre" => settings.solver = DefaultSolver::Qre,
                other => {
                    let hint = did_you_mean(other, ["spe", "qre"]);
                    ld.err(
                        s.node.at,
                        format!("unknown solver `{other}`{hint}; expected `spe` or `qre`"),
                    );
                }
            }
        }
        if let Some(s) = get(st, "lambda")
            && let Some(n) = ld.number(&s.node, "`lambda`")
        {
            if n.constant().is_some_and(|v| v < 0.0) {
                ld.err(n.at, "`lambda` must not be negative");
            }
            settings.lambda = n;
        }
        if let Some(s) = get(st, "trials")
            && let Some(v) = ld.integer(&s.node, "`trials`", 1)
        {
            settings.trials = v as u64;
        }
        if let Some(s) = get(st, "seed")
            && let Some(v) = ld.integer(&s.node, "`seed`", 0)
        {
            settings.seed = v as u64;
        }
        if let Some(s) = get(st, "max_nodes")
            && let Some(v) = ld.integer(&s.node, "`max_nodes`", 1)
        {
            settings.max_nodes = v as usize;
        }
    }

    // Moves: collect ids of all moves first, so `when` can name earlier ones with
    // a precise message for later or unknown ones.
    let opening_nodes: Vec<&Node> = match get(entries, "moves") {
        None => Vec::new(),
        Some(e) => match &e.node.val {
            Val::Array(items) => items.iter().collect(),
            _ => {
                ld.err(e.node.at, "`moves` must be an array of tables (`[[moves]]`)");
                Vec::new()
            }
        },
    };
    let mut rounds_def: Option<RoundsDef> = None;
    let mut round_nodes: Vec<&Node> = Vec::new();
    let mut end_outcome: Option<usize> = None;
    let mut rounds_end_node: Option<&Node> = None;
    if let Some(e) = get(entries, "rounds")
        && let Some(rt) = ld.fields(&e.node, "[rounds]", ROUNDS_KEYS)
    {
        let count = match get(rt, "count") {
            Some(c) => match ld.integer(&c.node, "`count`", 1) {
                Some(n) if n > MAX_ROUNDS => {
                    ld.err(
                        c.node.at,
                        format!("`count` {n} is above the limit of {MAX_ROUNDS} rounds"),
                    );
                    1
                }
                Some(n) => n as u32,
                None => 1,
            },
            None => {
                ld.err(e.node.at, "`[rounds]` needs `count`");
                1
            }
        };
        let discount = match get(rt, "discount") {
            Some(d) => ld.number(&d.node, "`discount`"),
            None => Some(Number {
                expr: Expr::Num(1.0),
                text: "1".into(),
                at: e.node.at,
            }),
        };
        let close_probability = match get(rt, "close_probability") {
            Some(c) => {
                let n = ld.number(&c.node, "`close_probability`");
                if let Some(n) = &n {
                    ld.check_probability(n, "`close_probability`");
                }
                n.filter(|n| n.constant() != Some(0.0))
            }
            None => None,
        };
        let close_outcome =
            get(rt, "close_outcome").and_then(|c| resolve_outcome(ld, &c.node, "`close_outcome`"));
        if close_probability.is_some()
            && count > 1
            && close_outcome.is_none()
            && get(rt, "close_outcome").is_none()
        {
            ld.err(
                e.node.at,
                "`[rounds]` has a `close_probability` but no `close_outcome`",
            );
        }
        rounds_end_node = get(rt, "end_outcome").map(|e| &e.node);
        match get(rt, "moves") {
            Some(m) => match &m.node.val {
                Val::Array(items) => {
                    round_nodes = items.iter().collect();
                    if items.is_empty() {
                        ld.err(m.node.at, "`[rounds]` has no moves");
                    }
                }
                _ => ld.err(
                    m.node.at,
                    "`rounds.moves` must be an array of tables (`[[rounds.moves]]`)",
                ),
            },
            None => ld.err(
                e.node.at,
                "`[rounds]` has no moves; add `[[rounds.moves]]` tables",
            ),
        }
        if let Some(discount) = discount {
            rounds_def = Some(RoundsDef {
                count,
                discount,
                close_probability,
                close_outcome,
                at: e.node.at,
            });
        }
    }
    match (end_outcome_node, rounds_end_node) {
        (Some(a), Some(_)) => ld.err(
            a.at,
            "`end_outcome` is given both in `[scenario]` and in `[rounds]`; give it once (in `[rounds]`)",
        ),
        (Some(n), None) | (None, Some(n)) => end_outcome = resolve_outcome(ld, n, "`end_outcome`"),
        (None, None) => {}
    }

    // Move ids, in protocol order.
    let all_nodes: Vec<(&Node, bool)> = opening_nodes
        .iter()
        .map(|n| (*n, false))
        .chain(round_nodes.iter().map(|n| (*n, true)))
        .collect();
    let mut move_ids: Vec<Option<String>> = Vec::new();
    for (node, _) in &all_nodes {
        let id = match &node.val {
            Val::Table(t) => match get(t, "id") {
                Some(i) => ld.ident(&i.node, "move id"),
                None => None,
            },
            _ => None,
        };
        if let Some(id) = &id
            && move_ids.iter().flatten().any(|m| m == id)
        {
            let at = match &node.val {
                Val::Table(t) => get(t, "id").map_or(node.at, |e| e.node.at),
                _ => node.at,
            };
            ld.err(at, format!("move id `{id}` is used twice"));
        }
        move_ids.push(id);
    }
    let n_opening = opening_nodes.len();
    let mut moves: Vec<MoveDef> = Vec::new();
    let mut moves_ok = true;
    for (k, (node, in_rounds)) in all_nodes.iter().enumerate() {
        match parse_move(
            ld,
            node,
            k,
            *in_rounds,
            n_opening,
            &move_ids,
            &moves,
            &actor_ids,
            &resolve_outcome,
        ) {
            Some(m) => moves.push(m),
            None => {
                moves_ok = false;
                // Keep indices aligned for later moves' references.
                moves.push(MoveDef {
                    id: move_ids[k].clone().unwrap_or_default(),
                    mover: MoverRef::Chance,
                    label: String::new(),
                    when: None,
                    when_text: None,
                    visible_to: None,
                    actions: Vec::new(),
                    in_rounds: *in_rounds,
                    at: node.at,
                });
            }
        }
    }
    if moves.is_empty() {
        ld.err(
            0,
            "the scenario has no moves; add `[[moves]]` or a `[rounds]` block",
        );
    }

    let features = ld.features.clone();
    let mut scenario = Scenario {
        name,
        description,
        features,
        params,
        derived,
        derived_order,
        actors,
        outcomes,
        moves,
        n_opening,
        rounds: rounds_def,
        end_outcome,
        settings,
        file: ld.file.to_string(),
        source: ld.source.to_string(),
        source_hash: hex_sha256(ld.source),
        tree_nodes: 0.0,
    };
    if !ld.diags.is_empty() || !moves_ok {
        return None;
    }
    let round_moves = scenario.moves.len() - scenario.n_opening;
    let path_moves = scenario.n_opening
        + scenario
            .rounds
            .as_ref()
            .map_or(0, |r| r.count as usize * round_moves);
    if path_moves > MAX_PATH_MOVES {
        ld.err(
            scenario.rounds.as_ref().map_or(0, |r| r.at),
            format!(
                "the protocol has {path_moves} moves in sequence, more than the limit of {MAX_PATH_MOVES}"
            ),
        );
        return None;
    }
    // Structure: reachability, paths without outcome, tree size.
    let report = walk::analyse(&scenario);
    for (at, msg) in report.problems {
        ld.err(at, msg);
    }
    scenario.tree_nodes = report.nodes;
    let limit = scenario.settings.max_nodes;
    if let Some(states) = report.exceeds {
        ld.err(
            0,
            format!(
                "the game tree has more than {states} distinct subtrees, so more than the limit of {limit} nodes (`[settings] max_nodes`)"
            ),
        );
    } else if report.nodes > limit as f64 {
        ld.err(
            0,
            format!(
                "the game tree would have {} nodes, more than the limit of {limit} (`[settings] max_nodes`)",
                fmt_count(report.nodes)
            ),
        );
    }
    Some(scenario)
}

fn fmt_count(n: f64) -> String {
    if n < 1e15 {
        format!("{}", n as u64)
    } else {
        format!("{n:e}")
    }
}

pub(crate) fn hex_sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Orders derived values so each follows the ones it uses; reports cycles.
fn order_derived(ld: &mut Loader, derived: &[DerivedDef], n_params: usize) -> Vec<usize> {
    let n = derived.len();
    let deps: Vec<Vec<usize>> = derived
        .iter()
        .map(|d| {
            let mut v = Vec::new();
            d.expr.expr.vars(&mut v);
            v.into_iter()
                .filter(|&i| i >= n_params)
                .map(|i| i - n_params)
                .collect()
        })
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut order = Vec::new();
    let mut reported = false;
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        stack.push(i);
        for &j in &deps[i] {
            if state[j] == 1 {
                let start = stack.iter().position(|&s| s == j).unwrap_or(0);
                return Some(stack[start..].to_vec());
            }
            if state[j] == 0
                && let Some(c) = visit(j, deps, state, stack, order)
            {
                return Some(c);
            }
        }
        stack.pop();
        state[i] = 2;
        order.push(i);
        None
    }
    for i in 0..n {
        if state[i] == 0 {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(i, &deps, &mut state, &mut stack, &mut order) {
                if !reported {
                    let mut names: Vec<&str> = cycle.iter().map(|&c| derived[c].name.as_str()).collect();
                    names.push(&derived[cycle[0]].name);
                    ld.err(
                        derived[cycle[0]].expr.at,
                        format!("derived values form a cycle: {}", names.join(" -> ")),
                    );
                    reported = true;
                }
                for s in stack {
                    state[s] = 2;
                }
            }
        }
    }
    order
}

fn parse_param(ld: &mut Loader, p: &Entry) -> Option<ParamDef> {
    let what = format!("[parameters.{}]", p.key);
    let t = ld.fields(&p.node, &what, PARAM_KEYS)?;
    let default = get(t, "default").and_then(|d| ld.literal(&d.node, &format!("`default` of {what}")));
    let prior = match get(t, "prior") {
        Some(pr) => parse_prior(ld, &pr.node, &what, default)?,
        None => match default {
            Some(v) => Prior::Fixed { value: v },
            None => {
                ld.err(p.key_at, format!("{what} needs a `default` or a `prior`"));
                return None;
            }
        },
    };
    let default = default.unwrap_or_else(|| prior.median());
    let (mut low, mut high) = prior.default_bounds();
    let (slo, shi) = prior.support();
    if let Some(b) = get(t, "bounds") {
        match &b.node.val {
            Val::Array(items) if items.len() == 2 => {
                let lo = ld.literal(&items[0], &format!("lower bound of {what}"));
                let hi = ld.literal(&items[1], &format!("upper bound of {what}"));
                match (lo, hi) {
                    (Some(lo), Some(hi)) if lo <= hi => {
                        low = lo;
                        high = hi;
                    }
                    (Some(lo), Some(hi)) => {
                        ld.err(
                            b.node.at,
                            format!("bounds of {what}: low {lo} is above high {hi}"),
                        );
                        return None;
                    }
                    _ => return None,
                }
            }
            _ => {
                ld.err(b.node.at, format!("`bounds` of {what} must be `[low, high]`"));
                return None;
            }
        }
    }
    let default_at = get(t, "default").map_or(p.key_at, |d| d.node.at);
    if !(low..=high).contains(&default) {
        ld.err(
            default_at,
            format!("default {default} of {what} is outside its bounds [{low}, {high}]"),
        );
    } else if !(slo..=shi).contains(&default) {
        ld.err(
            default_at,
            format!("default {default} of {what} is outside the support of its prior {prior}"),
        );
    }
    Some(ParamDef {
        name: p.key.clone(),
        default,
        low,
        high,
        prior,
        description: ld.opt_string(t, "description", &what).unwrap_or_default(),
        at: p.key_at,
    })
}

fn parse_prior(ld: &mut Loader, node: &Node, what: &str, default: Option<f64>) -> Option<Prior> {
    let pwhat = format!("the prior of {what}");
    let Val::Table(t) = &node.val else {
        ld.err(
            node.at,
            format!("{pwhat} must be an inline table like {{ dist = \"uniform\", low = 0, high = 1 }}"),
        );
        return None;
    };
    let dist_entry = match get(t, "dist") {
        Some(d) => d,
        None => {
            ld.err(
                node.at,
                format!("{pwhat} needs `dist` (one of: {})", DISTS.join(", ")),
            );
            return None;
        }
    };
    let dist = ld.string(&dist_entry.node, "`dist`")?;
    let keys: &[&str] = match dist.as_str() {
        "fixed" => &["dist", "value"],
        "uniform" => &["dist", "low", "high"],
        "normal" => &["dist", "mean", "sd", "low", "high"],
        "beta" => &["dist", "alpha", "beta", "low", "high"],
        "triangular" => &["dist", "low", "mode", "high"],
        "lognormal" => &["dist", "mu", "sigma"],
        "discrete" => &["dist", "values", "probs"],
        other => {
            let hint = did_you_mean(other, DISTS.iter().copied());
            ld.err(
                dist_entry.node.at,
                format!(
                    "unknown distribution `{other}`{hint}; expected one of: {}",
                    DISTS.join(", ")
                ),
            );
            return None;
        }
    };
    ld.fields(node, &pwhat, keys)?;
    let num = |ld: &mut Loader, key: &str, required: bool| -> Option<Option<f64>> {
        match get(t, key) {
            Some(e) => ld.literal(&e.node, &format!("`{key}` of {pwhat}")).map(Some),
            None if required => {
                ld.err(node.at, format!("{pwhat} ({dist}) needs `{key}`"));
                None
            }
            None => Some(None),
        }
    };
    let at = node.at;
    let prior = match dist.as_str() {
        "fixed" => {
            let v = num(ld, "value", false)?.or(default);
            match v {
                Some(value) => Prior::Fixed { value },
                None => {
                    ld.err(
                        at,
                        format!("{pwhat} (fixed) needs `value` or the parameter's `default`"),
                    );
                    return None;
                }
            }
        }
        "uniform" => {
            let (low, high) = (
                num(ld, "low", true)?.unwrap_or(0.0),
                num(ld, "high", true)?.unwrap_or(1.0),
            );
            if low >= high {
                ld.err(at, format!("{pwhat}: `low` {low} must be below `high` {high}"));
                return None;
            }
            Prior::Uniform { low, high }
        }
        "normal" => {
            let mean = num(ld, "mean", true)?.unwrap_or(0.0);
            let sd = num(ld, "sd", true)?.unwrap_or(1.0);
            let low = num(ld, "low", false)?.unwrap_or(f64::NEG_INFINITY);
            let high = num(ld, "high", false)?.unwrap_or(f64::INFINITY);
            if sd <= 0.0 {
                ld.err(at, format!("{pwhat}: `sd` must be positive, got {sd}"));
                return None;
            }
            if low >= high {
                ld.err(at, format!("{pwhat}: `low` {low} must be below `high` {high}"));
                return None;
            }
            let (za, zb) = ((low - mean) / sd, (high - mean) / sd);
            if za > 30.0 || zb < -30.0 {
                ld.err(
                    at,
                    format!("{pwhat}: the truncation range holds no probability mass"),
                );
                return None;
            }
            Prior::Normal { mean, sd, low, high }
        }
        "beta" => {
            let alpha = num(ld, "alpha", true)?.unwrap_or(1.0);
            let beta = num(ld, "beta", true)?.unwrap_or(1.0);
            let low = num(ld, "low", false)?.unwrap_or(0.0);
            let high = num(ld, "high", false)?.unwrap_or(1.0);
            if alpha <= 0.0 || beta <= 0.0 {
                ld.err(at, format!("{pwhat}: `alpha` and `beta` must be positive"));
                return None;
            }
            if low >= high {
                ld.err(at, format!("{pwhat}: `low` {low} must be below `high` {high}"));
                return None;
            }
            Prior::Beta {
                alpha,
                beta,
                low,
                high,
            }
        }
        "triangular" => {
            let low = num(ld, "low", true)?.unwrap_or(0.0);
            let mode = num(ld, "mode", true)?.unwrap_or(0.5);
            let high = num(ld, "high", true)?.unwrap_or(1.0);
            if !(low < high && low <= mode && mode <= high) {
                ld.err(at, format!("{pwhat}: need low < high and low <= mode <= high"));
                return None;
            }
            Prior::Triangular { low, mode, high }
        }
        "lognormal" => {
            let mu = num(ld, "mu", true)?.unwrap_or(0.0);
            let sigma = num(ld, "sigma", true)?.unwrap_or(1.0);
            if sigma <= 0.0 {
                ld.err(at, format!("{pwhat}: `sigma` must be positive, got {sigma}"));
                return None;
            }
            Prior::LogNormal { mu, sigma }
        }
        "discrete" => {
            let list = |ld: &mut Loader, key: &str| -> Option<(Vec<f64>, usize)> {
                let Some(e) = get(t, key) else {
                    ld.err(at, format!("{pwhat} (discrete) needs `{key}`"));
                    return None;
                };
                let Val::Array(items) = &e.node.val else {
                    ld.err(
                        e.node.at,
                        format!("`{key}` of {pwhat} must be an array of numbers"),
                    );
                    return None;
                };
                let vals: Option<Vec<f64>> = items
                    .iter()
                    .map(|i| ld.literal(i, &format!("`{key}` entry")))
                    .collect();
                Some((vals?, e.node.at))
            };
            let values = list(ld, "values");
            let probs = list(ld, "probs");
            let ((values, vat), (probs, pat)) = (values?, probs?);
            if values.is_empty() || values.len() != probs.len() {
                ld.err(
                    vat,
                    format!("{pwhat}: `values` and `probs` must be non-empty and of equal length"),
                );
                return None;
            }
            if let Some(p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
                ld.err(pat, format!("{pwhat}: probability {p} is outside [0, 1]"));
                return None;
            }
            let sum: f64 = probs.iter().sum();
            if (sum - 1.0).abs() > 1e-9 {
                ld.err(
                    pat,
                    format!("{pwhat}: `probs` sum to {}, not 1", round_for_message(sum)),
                );
                return None;
            }
            Prior::Discrete { values, probs }
        }
        _ => return None,
    };
    Some(prior)
}

fn feature_vector(n: usize, list: Vec<(usize, Number)>) -> Vec<Option<Number>> {
    let mut out = vec![None; n];
    for (f, num) in list {
        out[f] = Some(num);
    }
    out
}

fn parse_actor(ld: &mut Loader, a: &Entry) -> Option<ActorDef> {
    let what = format!("[actors.{}]", a.key);
    let t = ld.fields(&a.node, &what, ACTOR_KEYS)?;
    let name = ld.opt_string(t, "name", &what).unwrap_or_else(|| a.key.clone());
    let nf = ld.features.len();
    let weights = match get(t, "weights") {
        Some(w) => feature_vector(nf, ld.feature_numbers(&w.node, &format!("{what} weights"))),
        None => vec![None; nf],
    };
    let mut types = Vec::new();
    if let Some(ty) = get(t, "types") {
        match &ty.node.val {
            Val::Table(items) => {
                for tdef in items {
                    if !ld.check_id(&tdef.key, tdef.key_at, "type") {
                        continue;
                    }
                    let twhat = format!("[actors.{}.types.{}]", a.key, tdef.key);
                    let Some(tt) = ld.fields(&tdef.node, &twhat, TYPE_KEYS) else {
                        continue;
                    };
                    let prior = match get(tt, "prior") {
                        Some(p) => ld.number(&p.node, &format!("`prior` of {twhat}")),
                        None => {
                            ld.err(tdef.key_at, format!("{twhat} needs a `prior` probability"));
                            None
                        }
                    };
                    let tw = match get(tt, "weights") {
                        Some(w) => {
                            feature_vector(nf, ld.feature_numbers(&w.node, &format!("{twhat} weights")))
                        }
                        None => vec![None; nf],
                    };
                    if let Some(prior) = prior {
                        ld.check_probability(&prior, &format!("prior of type `{}`", tdef.key));
                        types.push(TypeDef {
                            id: tdef.key.clone(),
                            prior,
                            weights: tw,
                            at: tdef.key_at,
                        });
                    }
                }
                if items.is_empty() {
                    ld.err(ty.node.at, format!("{what} has an empty `types` table"));
                }
                let priors: Vec<&Number> = types.iter().map(|t| &t.prior).collect();
                ld.check_sum(
                    &priors,
                    ty.key_at,
                    &format!("the type priors of actor `{}`", a.key),
                );
            }
            _ => ld.err(ty.node.at, format!("`types` of {what} must be a table of types")),
        }
    }
    Some(ActorDef {
        id: a.key.clone(),
        name,
        weights,
        types,
        at: a.key_at,
    })
}

#[allow(clippy::too_many_arguments)]
fn parse_move(
    ld: &mut Loader,
    node: &Node,
    index: usize,
    in_rounds: bool,
    n_opening: usize,
    move_ids: &[Option<String>],
    earlier: &[MoveDef],
    actor_ids: &[String],
    resolve_outcome: &dyn Fn(&mut Loader, &Node, &str) -> Option<usize>,
) -> Option<MoveDef> {
    let section = if in_rounds {
        "[[rounds.moves]]"
    } else {
        "[[moves]]"
    };
    let t = ld.fields(node, section, MOVE_KEYS)?;
    let Some(id) = move_ids[index].clone() else {
        if get(t, "id").is_none() {
            ld.err(node.at, format!("a move in {section} needs an `id`"));
        }
        return None;
    };
    let what = format!("move `{id}`");
    let mover = match get(t, "actor") {
        None => {
            ld.err(
                node.at,
                format!("{what} needs an `actor` (an actor id or \"chance\")"),
            );
            None
        }
        Some(a) => match ld.string(&a.node, &format!("`actor` of {what}")) {
            Some(s) if s == "chance" => Some(MoverRef::Chance),
            Some(s) => match actor_ids.iter().position(|x| *x == s) {
                Some(i) => Some(MoverRef::Actor(i)),
                None => {
                    let hint = did_you_mean(&s, actor_ids.iter().map(|x| x.as_str()).chain(["chance"]));
                    ld.err(a.node.at, format!("{what}: unknown actor `{s}`{hint}"));
                    None
                }
            },
            None => None,
        },
    };
    let label = ld.opt_string(t, "label", &what).unwrap_or_default();
    let _ = ld.opt_string(t, "description", &what);
    let visible_to = match get(t, "visible_to") {
        None => None,
        Some(v) => match &v.node.val {
            Val::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    if let Some(s) = ld.string(item, "`visible_to` entry") {
                        match actor_ids.iter().position(|x| *x == s) {
                            Some(i) => out.push(i),
                            None => {
                                let hint = did_you_mean(&s, actor_ids.iter().map(|x| x.as_str()));
                                ld.err(
                                    item.at,
                                    format!("`visible_to` of {what}: unknown actor `{s}`{hint}"),
                                );
                            }
                        }
                    }
                }
                Some(out)
            }
            _ => {
                ld.err(
                    v.node.at,
                    format!("`visible_to` of {what} must be an array of actor ids"),
                );
                None
            }
        },
    };
    // `when`: only earlier moves (opening moves, or earlier moves of the same round).
    let visible_scope: Vec<usize> = if in_rounds {
        (0..index).collect()
    } else {
        (0..index.min(n_opening)).collect()
    };
    let (when, when_text) = match get(t, "when") {
        None => (None, None),
        Some(w) => match &w.node.val {
            Val::Str(text, inner) => {
                let base = inner.unwrap_or(w.node.at);
                let exact = inner.is_some();
                let mut cp = CondParser {
                    toks: Vec::new(),
                    pos: 0,
                    errors: Vec::new(),
                    depth: 0,
                };
                let cond = match lex_cond(text) {
                    Ok(toks) => {
                        cp.toks = toks;
                        cp.parse(move_ids, earlier, &visible_scope, index)
                    }
                    Err(e) => {
                        cp.errors.push(e);
                        None
                    }
                };
                for (off, msg) in cp.errors {
                    let at = if exact { base + off } else { w.node.at };
                    ld.err(at, format!("in `when` of {what}: {msg}"));
                }
                (cond, Some(text.clone()))
            }
            _ => {
                ld.err(
                    w.node.at,
                    format!("`when` of {what} must be a condition string, e.g. \"proposal == accept\""),
                );
                (None, None)
            }
        },
    };
    let mut actions: Vec<ActionDef> = Vec::new();
    match get(t, "actions") {
        None => ld.err(node.at, format!("{what} has no `actions`")),
        Some(a) => match &a.node.val {
            Val::Array(items) => {
                if items.is_empty() {
                    ld.err(a.node.at, format!("{what} has an empty action set"));
                }
                for item in items {
                    if let Some(act) = parse_action(ld, item, &what, mover, resolve_outcome) {
                        if actions.iter().any(|x| x.id == act.id) {
                            ld.err(act.at, format!("{what}: action id `{}` is used twice", act.id));
                        }
                        actions.push(act);
                    }
                }
                if mover == Some(MoverRef::Chance) && !actions.is_empty() {
                    let probs: Vec<&Number> = actions.iter().filter_map(|a| a.prob.as_ref()).collect();
                    if probs.len() == actions.len() {
                        ld.check_sum(&probs, node.at, &format!("the probabilities of chance {what}"));
                    }
                }
            }
            _ => ld.err(
                a.node.at,
                format!("`actions` of {what} must be an array of tables (`[[moves.actions]]`)"),
            ),
        },
    }
    Some(MoveDef {
        id,
        mover: mover?,
        label,
        when,
        when_text,
        visible_to,
        actions,
        in_rounds,
        at: node.at,
    })
}

fn parse_action(
    ld: &mut Loader,
    node: &Node,
    move_what: &str,
    mover: Option<MoverRef>,
    resolve_outcome: &dyn Fn(&mut Loader, &Node, &str) -> Option<usize>,
) -> Option<ActionDef> {
    let t = ld.fields(node, &format!("an action of {move_what}"), ACTION_KEYS)?;
    let id = match get(t, "id") {
        Some(i) => ld.ident(&i.node, "action id")?,
        None => {
            ld.err(node.at, format!("an action of {move_what} needs an `id`"));
            return None;
        }
    };
    let at = get(t, "id").map_or(node.at, |e| e.node.at);
    let what = format!("action `{id}` of {move_what}");
    let label = ld.opt_string(t, "label", &what).unwrap_or_default();
    let effects = match get(t, "effects") {
        Some(e) => ld.feature_numbers(&e.node, &format!("effects of {what}")),
        None => Vec::new(),
    };
    let terms = match get(t, "terms") {
        Some(e) => ld.feature_numbers(&e.node, &format!("terms of {what}")),
        None => Vec::new(),
    };
    let accept_terms = match get(t, "accept_terms") {
        Some(e) => match e.node.val {
            Val::Bool(b) => b,
            _ => {
                ld.err(
                    e.node.at,
                    format!("`accept_terms` of {what} must be true or false"),
                );
                false
            }
        },
        None => false,
    };
    let outcome =
        get(t, "outcome").and_then(|o| resolve_outcome(ld, &o.node, &format!("`outcome` of {what}")));
    let prob = match (get(t, "prob"), mover) {
        (Some(p), Some(MoverRef::Actor(_))) => {
            ld.err(p.key_at, format!("{what}: `prob` is only for chance moves"));
            None
        }
        (Some(p), _) => {
            let n = ld.number(&p.node, &format!("`prob` of {what}"));
            if let Some(n) = &n {
                ld.check_probability(n, &format!("probability of {what}"));
            }
            n
        }
        (None, Some(MoverRef::Chance)) => {
            ld.err(at, format!("{what} needs a `prob` (it is a chance move)"));
            None
        }
        (None, _) => None,
    };
    Some(ActionDef {
        id,
        label,
        effects,
        terms,
        accept_terms,
        outcome,
        prob,
        at,
    })
}

#[derive(Clone, Debug, PartialEq)]
enum CTok {
    Ident(String),
    Eq,
    Ne,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    End,
}

fn lex_cond(text: &str) -> Result<Vec<(CTok, usize)>, (usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((CTok::Ident(text[start..i].to_string()), start));
            continue;
        }
        let two = text.get(i..i + 2).unwrap_or("");
        let (tok, len) = match (c, two) {
            (_, "==") => (CTok::Eq, 2),
            (_, "!=") => (CTok::Ne, 2),
            (b'[', _) => (CTok::LBracket, 1),
            (b']', _) => (CTok::RBracket, 1),
            (b'(', _) => (CTok::LParen, 1),
            (b')', _) => (CTok::RParen, 1),
            (b',', _) => (CTok::Comma, 1),
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err((start, format!("unexpected character `{ch}`")));
            }
        };
        out.push((tok, start));
        i += len;
    }
    out.push((CTok::End, text.len()));
    Ok(out)
}

struct CondParser {
    toks: Vec<(CTok, usize)>,
    pos: usize,
    errors: Vec<(usize, String)>,
    depth: usize,
}

impl CondParser {
    fn peek(&self) -> &CTok {
        &self.toks[self.pos].0
    }
    fn at(&self) -> usize {
        self.toks[self.pos].1
    }
    fn bump(&mut self) -> (CTok, usize) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), CTok::Ident(s) if s == w)
    }
    fn fail<T>(&mut self, msg: String) -> Option<T> {
        let at = self.at();
        self.errors.push((at, msg));
        None
    }

    fn parse(
        &mut self,
        ids: &[Option<String>],
        earlier: &[MoveDef],
        scope: &[usize],
        me: usize,
    ) -> Option<Cond> {
        let c = self.or(ids, earlier, scope, me)?;
        if *self.peek() != CTok::End {
            return self.fail("expected `and`, `or` or the end of the condition".into());
        }
        Some(c)
    }

    fn or(
        &mut self,
        ids: &[Option<String>],
        earlier: &[MoveDef],
        scope: &[usize],
        me: usize,
    ) -> Option<Cond> {
        let mut lhs = self.and(ids, earlier, scope, me)?;
        while self.is_word("or") {
            self.bump();
            let rhs = self.and(ids, earlier, scope, me)?;
            lhs = Cond::Or(Box::new(lhs), Box::new(rhs));
        }
        Some(lhs)
    }

    fn and(
        &mut self,
        ids: &[Option<String>],
        earlier: &[MoveDef],
        scope: &[usize],
        me: usize,
    ) -> Option<Cond> {
        let mut lhs = self.unary(ids, earlier, scope, me)?;
        while self.is_word("and") {
            self.bump();
            let rhs = self.unary(ids, earlier, scope, me)?;
            lhs = Cond::And(Box::new(lhs), Box::new(rhs));
        }
        Some(lhs)
    }

    fn unary(
        &mut self,
        ids: &[Option<String>],
        earlier: &[MoveDef],
        scope: &[usize],
        me: usize,
    ) -> Option<Cond> {
        self.depth += 1;
        if self.depth > 100 {
            return self.fail("condition nested more than 100 levels deep".into());
        }
        let result = self.unary_inner(ids, earlier, scope, me);
        self.depth -= 1;
        result
    }

    fn unary_inner(
        &mut self,
        ids: &[Option<String>],
        earlier: &[MoveDef],
        scope: &[usize],
        me: usize,
    ) -> Option<Cond> {
        if self.is_word("not") {
            self.bump();
            return Some(Cond::Not(Box::new(self.unary(ids, earlier, scope, me)?)));
        }
        if *self.peek() == CTok::LParen {
            self.bump();
            let c = self.or(ids, earlier, scope, me)?;
            if *self.peek() != CTok::RParen {
                return self.fail("expected `)`".into());
            }
            self.bump();
            return Some(c);
        }
        self.atom(ids, earlier, scope, me)
    }

    fn action_of(&mut self, mv: usize, earlier: &[MoveDef]) -> Option<usize> {
        let (tok, at) = self.bump();
        let CTok::Ident(name) = tok else {
            self.errors.push((at, "expected an action id".into()));
            return None;
        };
        let m = &earlier[mv];
        match m.actions.iter().position(|a| a.id == name) {
            Some(i) => Some(i),
            None => {
                let hint = did_you_mean(&name, m.actions.iter().map(|a| a.id.as_str()));
                self.errors
                    .push((at, format!("move `{}` has no action `{name}`{hint}", m.id)));
                None
            }
        }
    }

    fn atom(
        &mut self,
        ids: &[Option<String>],
        earlier: &[MoveDef],
        scope: &[usize],
        me: usize,
    ) -> Option<Cond> {
        let (tok, at) = self.bump();
        let CTok::Ident(name) = tok else {
            self.errors.push((at, "expected a move id".into()));
            return None;
        };
        let Some(mv) = ids.iter().position(|i| i.as_deref() == Some(name.as_str())) else {
            let hint = did_you_mean(&name, ids.iter().flatten().map(|s| s.as_str()));
            self.errors.push((at, format!("unknown move `{name}`{hint}")));
            return None;
        };
        if !scope.contains(&mv) {
            let why = if mv == me {
                "a move cannot depend on itself".to_string()
            } else if mv > me {
                format!("move `{name}` comes later; `when` may only refer to earlier moves")
            } else {
                format!("move `{name}` is in `[rounds]`; an opening move cannot refer to it")
            };
            self.errors.push((at, why));
            return None;
        }
        if earlier.get(mv).is_none_or(|m| m.actions.is_empty()) {
            // The referenced move had its own errors; do not pile on.
            return None;
        }
        let negate;
        let actions = match self.peek().clone() {
            CTok::Eq | CTok::Ne => {
                negate = *self.peek() == CTok::Ne;
                self.bump();
                vec![self.action_of(mv, earlier)?]
            }
            CTok::Ident(w) if w == "in" || w == "not" => {
                negate = w == "not";
                self.bump();
                if negate {
                    if !self.is_word("in") {
                        return self.fail("expected `in` after `not`".into());
                    }
                    self.bump();
                }
                if *self.peek() != CTok::LBracket {
                    return self.fail("expected `[` starting a list of actions".into());
                }
                self.bump();
                let mut list = Vec::new();
                loop {
                    list.push(self.action_of(mv, earlier)?);
                    match self.peek() {
                        CTok::Comma => {
                            self.bump();
                        }
                        CTok::RBracket => {
                            self.bump();
                            break;
                        }
                        _ => return self.fail("expected `,` or `]`".into()),
                    }
                }
                list
            }
            _ => {
                return self.fail(format!(
                    "expected `==`, `!=`, `in` or `not in` after move `{name}`"
                ));
            }
        };
        let c = Cond::Is { mv, actions };
        Some(if negate { Cond::Not(Box::new(c)) } else { c })
    }
}

/// A sum shown in a message without floating-point noise (0.9, not 0.8999999999999999).
fn round_for_message(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}
