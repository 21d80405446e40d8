#!/usr/bin/env python3
"""Golden agent-logit QRE values from Gambit, for demarche's `tests/gambit_golden.rs`.

Builds a deterministic set of extensive games with pygambit (fixed seeds, no clock or
environment input), saves each with pygambit's own writer as
`tests/golden/gambit/<name>.efg`, solves every game at a list of precisions with
`pygambit.qre.logit_solve_lambda(..., use_strategic=False)` on the game *read back from
that file* (so the numbers are exactly those the Rust reader sees), and writes
`tests/golden/gambit/answers.json`.

Information sets are identified as the Rust reader identifies them: the player's 0-based
index in the file's player list, and the information set's number as written in the
`.efg` file (1-based within the player). The script parses the written file itself to
find those numbers, instead of trusting pygambit's internal numbering.

Run from anywhere:  python3 tools/gambit_golden/make_games_and_answers.py
"""

import decimal
import json
import math
import multiprocessing
import pathlib
import platform
import random
import sys
import time
from fractions import Fraction

import pygambit as gbt

REPO = pathlib.Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "golden" / "gambit"
COMMAND = "python3 tools/gambit_golden/make_games_and_answers.py"

# Precisions solved for every game. The large ones push payoff x lambda into the hundreds
# and thousands; Gambit failures there are recorded, not hidden.
LAMBDAS = [0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]

# Gambit's tracer takes seconds per lambda on games of a hundred nodes; larger games get
# fewer precisions.
LAMBDAS_LARGE_GAMES = [0.1, 1.0, 5.0, 20.0]

# Lambda 0 is recorded as excluded without calling Gambit: logit_solve_lambda does not stop
# at lambda 0. Tried on pygambit 16.7.0: on selten_horse it returned the point at lambda
# 747.96, on stripped_down_poker at lambda 4.5e12, and on myerson_poker_ante it ran for
# minutes. (The QRE at lambda 0 is the uniform profile; the property tests cover it.)
LAMBDA_ZERO_EXCLUSION = {
    "lambda": 0.0,
    "ok": False,
    "error": "not computed: pygambit 16.7.0 logit_solve_lambda does not stop at lambda 0 "
    "(returns a point far along the branch, e.g. lambda 747.96 on selten_horse, or runs for minutes)",
}

# Chance distributions (exact rationals) by number of chance actions.
CHANCE_PALETTE = {
    2: [(1, 2), (1, 3), (1, 4), (2, 5), (5, 7)],
    3: [(1, 3, 1), (1, 6, 2), (1, 5, 2), (3, 10, 4)],
    4: [(1, 4, 1, 4), (1, 10, 2, 10)],
}


def chance_distribution(rng, n):
    """An exact distribution over n chance actions, with denominators such as 3, 6, 7."""
    if n == 2:
        num, den = rng.choice(CHANCE_PALETTE[2])
        p = Fraction(num, den)
        return [p, 1 - p]
    if n == 3:
        options = [
            [Fraction(1, 3)] * 3,
            [Fraction(1, 6), Fraction(1, 3), Fraction(1, 2)],
            [Fraction(1, 5), Fraction(2, 5), Fraction(2, 5)],
            [Fraction(3, 10), Fraction(3, 5), Fraction(1, 10)],
        ]
        return rng.choice(options)
    if n == 4:
        options = [
            [Fraction(1, 4)] * 4,
            [Fraction(1, 10), Fraction(1, 5), Fraction(3, 10), Fraction(2, 5)],
            [Fraction(1, 3), Fraction(1, 6), Fraction(1, 6), Fraction(1, 3)],
        ]
        return rng.choice(options)
    return [Fraction(1, n)] * n


def kids(node):
    """Children in action order (pygambit 16.7 indexes children by action, not position)."""
    return list(node.children)


def to_gbt_rational(fraction):
    return gbt.Rational(fraction.numerator, fraction.denominator)


def random_payoff(rng, style, scale):
    """A payoff: integers always; for style 'mixed' also rationals and decimals, so the
    files exercise every number syntax Gambit writes."""
    if style == "mixed":
        kind = rng.random()
        if kind < 0.2:
            return gbt.Rational(rng.randint(-3 * scale, 3 * scale), 3)
        if kind < 0.4:
            return decimal.Decimal(rng.randint(-4 * scale, 4 * scale)) / decimal.Decimal(4)
    return rng.randint(-scale, scale)


# --------------------------------------------------------------------------------------
# Stage games: a generic generator covering perfect/imperfect information, chance, many
# players, early termination and outcomes on non-terminal nodes.
# --------------------------------------------------------------------------------------


def stage_game(
    title,
    seed,
    players,
    stages,
    p_stop=0.0,
    p_inner_outcome=0.0,
    p_reuse_outcome=0.0,
    payoff_style="int",
    scale=10,
    label_infosets=True,
    action_names=None,
):
    """A game played in stages. Stage s is `(mover, n_actions, observers)`: mover is a
    player index or "chance"; `observers` is the set of players who see the action taken
    at that stage (a player always sees its own actions). A player's information set at
    stage s is the stage plus everything it has observed so far, which gives perfect
    recall by construction. After every move a child ends the game with probability
    `p_stop`; non-terminal nodes carry an outcome with probability `p_inner_outcome`."""
    rng = random.Random(seed)
    game = gbt.Game.new_tree(players=list(players), title=title)
    outcomes = []

    def new_or_reused_outcome(label_prefix):
        if outcomes and rng.random() < p_reuse_outcome:
            return rng.choice(outcomes)
        payoffs = [random_payoff(rng, payoff_style, scale) for _ in players]
        outcome = game.add_outcome(payoffs=payoffs, label=f"{label_prefix}{len(outcomes) + 1}")
        outcomes.append(outcome)
        return outcome

    frontier = [(game.root, ())]
    for stage_index, (mover, n_actions, observers) in enumerate(stages):
        names = (
            action_names[stage_index]
            if action_names and action_names[stage_index]
            else [f"s{stage_index}a{k}" for k in range(n_actions)]
        )
        if mover == "chance":
            for node, history in frontier:
                game.append_move(node, game.players.chance, names)
                probs = chance_distribution(rng, n_actions)
                game.set_chance_probs(node.infoset, [to_gbt_rational(p) for p in probs])
        else:
            groups = {}
            for node, history in frontier:
                seen = tuple(
                    (t, history[t])
                    for t in range(stage_index)
                    if stages[t][0] == mover or mover in stages[t][2]
                )
                groups.setdefault(seen, []).append(node)
            for group_number, (seen, nodes) in enumerate(sorted(groups.items())):
                game.append_move(nodes, players[mover], names)
                if label_infosets:
                    nodes[0].infoset.label = f"{players[mover]}@{stage_index}#{group_number}"
        next_frontier = []
        for node, history in frontier:
            if p_inner_outcome and rng.random() < p_inner_outcome:
                game.set_outcome(node, new_or_reused_outcome("inner"))
            for k, child in enumerate(node.children):
                is_last = stage_index == len(stages) - 1
                if is_last or rng.random() < p_stop:
                    game.set_outcome(child, new_or_reused_outcome("end"))
                else:
                    next_frontier.append((child, history + (k,)))
        frontier = next_frontier
        if not frontier:
            break
    return game


# --------------------------------------------------------------------------------------
# Classic games. Payoffs are those of Gambit's own catalog files (gambitproject/gambit,
# catalog/selten1975/fig1.efg, catalog/reiley2008/fig1.efg, catalog/myerson1991/fig2_1.efg,
# catalog/myerson1991/fig4_2.efg); the trees are rebuilt here with pygambit.
# --------------------------------------------------------------------------------------


def selten_horse():
    game = gbt.Game.new_tree(
        players=["Player 1", "Player 2", "Player 3"],
        title="Selten's horse (Selten IJGT 1975, Figure 1)",
    )
    game.append_move(game.root, "Player 1", ["R", "L"])
    right, left = kids(game.root)
    game.append_move(right, "Player 2", ["R", "L"])
    game.set_outcome(kids(right)[0], game.add_outcome(payoffs=[1, 1, 1], label="Outcome 1"))
    game.append_move([kids(right)[1], left], "Player 3", ["R", "L"])
    for node, payoffs in [
        (kids(kids(right)[1])[0], [4, 4, 0]),
        (kids(kids(right)[1])[1], [0, 0, 1]),
        (kids(left)[0], [3, 2, 2]),
        (kids(left)[1], [0, 0, 0]),
    ]:
        game.set_outcome(node, game.add_outcome(payoffs=payoffs, label=f"Outcome {len(game.outcomes) + 1}"))
    return game


def stripped_down_poker():
    """Reiley, Urbancic & Walker (2008): equilibrium bets the Queen with probability 1/3
    and calls with probability 2/3."""
    game = gbt.Game.new_tree(players=["Professor", "Student"], title="Stripped-down poker (Reiley et al 2008)")
    game.append_move(game.root, game.players.chance, ["King", "Queen"])
    game.set_chance_probs(game.root.infoset, [gbt.Rational(1, 2), gbt.Rational(1, 2)])
    king, queen = kids(game.root)
    game.append_move(king, "Professor", ["Bet", "Fold"])
    game.append_move(queen, "Professor", ["Bet", "Fold"])
    king.infoset.label = "King"
    queen.infoset.label = "Queen"
    game.append_move([kids(king)[0], kids(queen)[0]], "Student", ["Call", "Fold"])
    kids(king)[0].infoset.label = "Bet"
    wins_big = game.add_outcome(payoffs=[2, -2], label="Professor Wins Big")
    wins = game.add_outcome(payoffs=[1, -1], label="Professor Wins")
    loses_big = game.add_outcome(payoffs=[-2, 2], label="Professor Loses Big")
    loses = game.add_outcome(payoffs=[-1, 1], label="Professor Loses")
    game.set_outcome(kids(kids(king)[0])[0], wins_big)
    game.set_outcome(kids(kids(king)[0])[1], wins)
    game.set_outcome(kids(king)[1], loses)
    game.set_outcome(kids(kids(queen)[0])[0], loses_big)
    game.set_outcome(kids(kids(queen)[0])[1], wins)
    game.set_outcome(kids(queen)[1], loses)
    return game


def myerson_poker_ante():
    """Myerson's one-card poker (1991, Figure 2.1; folding with Red wins), rewritten with
    the antes as an outcome on the root and the raise as an outcome on Alice's node, so
    payoffs add along the path. Totals equal the catalog file's payoffs."""
    game = gbt.Game.new_tree(players=["Fred", "Alice"], title="Myerson one-card poker, antes on the root")
    game.append_move(game.root, game.players.chance, ["Red", "Black"])
    game.set_chance_probs(game.root.infoset, [gbt.Rational(1, 2), gbt.Rational(1, 2)])
    game.set_outcome(game.root, game.add_outcome(payoffs=[-1, -1], label="Antes"))
    red, black = kids(game.root)
    game.append_move(red, "Fred", ["Raise", "Fold"])
    game.append_move(black, "Fred", ["Raise", "Fold"])
    game.append_move([kids(red)[0], kids(black)[0]], "Alice", ["Meet", "Pass"])
    raises = game.add_outcome(payoffs=[-1, 0], label="Fred raises")
    game.set_outcome(kids(red)[0], raises)
    game.set_outcome(kids(black)[0], raises)
    fred_takes_pot = game.add_outcome(payoffs=[3, 0], label="Fred takes the pot")
    game.set_outcome(kids(kids(red)[0])[0], game.add_outcome(payoffs=[4, -1], label="Red shown"))
    game.set_outcome(kids(kids(red)[0])[1], fred_takes_pot)
    game.set_outcome(kids(kids(black)[0])[0], game.add_outcome(payoffs=[0, 3], label="Black shown"))
    game.set_outcome(kids(kids(black)[0])[1], fred_takes_pot)
    game.set_outcome(kids(red)[1], game.add_outcome(payoffs=[2, 0], label="Red folds and wins"))
    game.set_outcome(kids(black)[1], game.add_outcome(payoffs=[0, 2], label="Black folds and loses"))
    return game


def myerson_fig4_2():
    game = gbt.Game.new_tree(players=["Player 1", "Player 2"], title="Myerson (1991) Figure 4.2")
    game.append_move(game.root, "Player 1", ["A1", "B1"])
    a1, b1 = kids(game.root)
    game.append_move([a1, b1], "Player 2", ["W2", "X2"])
    game.append_move([kids(a1)[0], kids(a1)[1]], "Player 1", ["Y1", "Z1"])
    for node, payoffs in [
        (kids(kids(a1)[0])[0], [3, 0]),
        (kids(kids(a1)[0])[1], [0, 0]),
        (kids(kids(a1)[1])[0], [2, 3]),
        (kids(kids(a1)[1])[1], [4, 1]),
        (kids(b1)[0], [2, 3]),
        (kids(b1)[1], [3, 2]),
    ]:
        game.set_outcome(node, game.add_outcome(payoffs=payoffs, label=f"Outcome {len(game.outcomes) + 1}"))
    return game


# --------------------------------------------------------------------------------------
# The game set.
# --------------------------------------------------------------------------------------

ALL = {0, 1, 2, 3}


def game_set():
    """(name, description, builder) in a fixed order."""
    return [
        ("selten_horse", "Selten's horse: 3 players, player 3 does not see who moved", selten_horse),
        ("stripped_down_poker", "Reiley et al stripped-down poker: signaling with bluffing", stripped_down_poker),
        ("myerson_poker_ante", "Myerson one-card poker with outcomes on non-terminal nodes", myerson_poker_ante),
        ("myerson_fig4_2", "Myerson Fig 4.2: player 1 forgets nothing but does not see player 2", myerson_fig4_2),
        (
            "pi_tiny_2p",
            "perfect information, 2 players, 7 nodes",
            lambda: stage_game("pi_tiny_2p", 11, ["Ann", "Bob"], [(0, 2, {1}), (1, 2, {0})]),
        ),
        (
            "pi_chance_3p",
            "perfect information, 3 players, chance 1/3-type probabilities, early ends, inner outcomes",
            lambda: stage_game(
                "pi_chance_3p",
                12,
                ["P1", "P2", "P3"],
                [(0, 2, ALL), ("chance", 3, ALL), (1, 2, ALL), (2, 2, ALL), (0, 2, ALL)],
                p_stop=0.2,
                p_inner_outcome=0.3,
                p_reuse_outcome=0.1,
            ),
        ),
        (
            "pi_4p_large",
            "perfect information, 4 players, chance, a few hundred nodes, mixed number syntax",
            lambda: stage_game(
                "pi_4p_large",
                13,
                ["North", "East", "South", "West"],
                [(0, 3, ALL), (1, 2, ALL), ("chance", 2, ALL), (2, 3, ALL), (3, 2, ALL), (0, 2, ALL)],
                p_stop=0.1,
                p_inner_outcome=0.2,
                payoff_style="mixed",
                label_infosets=False,
            ),
        ),
        (
            "signal_2types",
            "signaling: chance draws a type (1/3, 2/3), sender sees it, receiver sees only the message",
            lambda: stage_game(
                "signal_2types",
                21,
                ["Sender", "Receiver"],
                [("chance", 2, {0}), (0, 2, {1}), (1, 2, set())],
                action_names=[["weak", "strong"], ["quiche", "beer"], ["defer", "fight"]],
            ),
        ),
        (
            "signal_3types_costly",
            "signaling: 3 types, 3 messages with costs as non-terminal outcomes, 3 responses",
            lambda: stage_game(
                "signal_3types_costly",
                22,
                ["Worker", "Firm"],
                [("chance", 3, {0}), (0, 3, {1}), (1, 3, set())],
                p_inner_outcome=0.6,
                payoff_style="mixed",
            ),
        ),
        (
            "signal_3p_two_receivers",
            "signaling with two receivers moving simultaneously (each blind to the other)",
            lambda: stage_game(
                "signal_3p_two_receivers",
                23,
                ["Sender", "Left", "Right"],
                [("chance", 2, {0}), (0, 3, {1, 2}), (1, 2, set()), (2, 2, set())],
                label_infosets=False,
            ),
        ),
        (
            "simultaneous_then_chance",
            "2 players move simultaneously, chance seen only by player 1, then player 1 again",
            lambda: stage_game(
                "simultaneous_then_chance",
                31,
                ["Row", "Column"],
                [(0, 2, set()), (1, 3, {0}), ("chance", 2, {0}), (0, 2, {1})],
                p_inner_outcome=0.25,
            ),
        ),
        (
            "imperfect_2p_deep",
            "2 players alternate six times, each seeing only some of the other's moves",
            lambda: stage_game(
                "imperfect_2p_deep",
                32,
                ["Odd", "Even"],
                [(0, 2, {1}), (1, 2, set()), (0, 2, set()), (1, 2, {0}), (0, 2, {1}), (1, 2, set())],
                p_stop=0.15,
                p_inner_outcome=0.15,
            ),
        ),
        (
            "imperfect_3p_mid",
            "3 players, chance, partial observation, about a hundred nodes",
            lambda: stage_game(
                "imperfect_3p_mid",
                33,
                ["A", "B", "C"],
                [(0, 2, {1}), ("chance", 3, {2}), (1, 2, {0, 2}), (2, 2, {0}), (0, 2, set())],
                p_stop=0.1,
                p_inner_outcome=0.2,
                p_reuse_outcome=0.15,
            ),
        ),
        (
            "imperfect_4p_large",
            "4 players, two chance stages, partial observation, a few hundred nodes",
            lambda: stage_game(
                "imperfect_4p_large",
                36,
                ["W", "X", "Y", "Z"],
                [
                    ("chance", 2, {0, 1}),
                    (0, 2, {1, 2}),
                    (1, 3, {3}),
                    ("chance", 2, {2, 3}),
                    (2, 2, {0}),
                    (3, 2, {1}),
                    (0, 2, set()),
                ],
                p_stop=0.05,
                p_inner_outcome=0.1,
                payoff_style="mixed",
            ),
        ),
        (
            "chance_only_payoffs",
            "a single decision under a chance move with 1/7-type probabilities, inner outcomes",
            lambda: stage_game(
                "chance_only_payoffs",
                41,
                ["Solo", "Other"],
                [("chance", 2, set()), (0, 3, set()), ("chance", 3, ALL), (1, 2, set())],
                p_inner_outcome=0.5,
            ),
        ),
    ]


# --------------------------------------------------------------------------------------
# A small reader for the written .efg files, to learn the infoset numbers in the file.
# --------------------------------------------------------------------------------------


def tokenize_efg(text):
    tokens = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace() or c == ",":
            i += 1
        elif c in "{}":
            tokens.append(c)
            i += 1
        elif c == '"':
            j, out = i + 1, []
            while text[j] != '"':
                if text[j] == "\\":
                    j += 1
                out.append(text[j])
                j += 1
            tokens.append(("str", "".join(out)))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '{},"':
                j += 1
            tokens.append(text[i:j])
            i = j
    return tokens


def efg_nodes_by_path(text):
    """Map from path (tuple of child indices) to ('p', player_index0, infoset_number,
    infoset_label, action_labels) or ('c', ...) or ('t',), reading nodes in prefix order."""
    tokens = tokenize_efg(text)
    pos = 0

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    assert take() == "EFG" and take() == "2"
    take()  # R or D
    take()  # title
    assert take() == "{"
    players = []
    while tokens[pos] != "}":
        players.append(take()[1])
    take()
    if isinstance(tokens[pos], tuple):
        take()  # comment
    known = {}
    nodes = {}

    def read_outcome():
        number = int(take())
        if pos < len(tokens) and isinstance(tokens[pos], tuple):
            take()
            assert take() == "{"
            while take() != "}":
                pass

    def read_node(path):
        kind = take()
        take()  # node label
        if kind == "t":
            read_outcome()
            nodes[path] = ("t",)
            return
        if kind == "p":
            player, number = int(take()), int(take())
            key = ("p", player - 1, number)
        else:
            player, number = 0, int(take())
            key = ("c", None, number)
        if isinstance(tokens[pos], tuple):
            label = take()[1]
            assert take() == "{"
            actions = []
            while tokens[pos] != "}":
                actions.append(take()[1])
                if kind == "c":
                    take()  # probability
            take()
            known[key] = (label, actions)
        label, actions = known[key]
        read_outcome()
        nodes[path] = (kind, key[1], number, label, tuple(actions))
        for k in range(len(actions)):
            read_node(path + (k,))

    read_node(())
    assert pos == len(tokens), "trailing tokens in the written .efg"
    return players, nodes


def node_path(node):
    path = []
    while node.parent is not None:
        path.append(list(node.parent.children).index(node))
        node = node.parent
    return tuple(reversed(path))


# --------------------------------------------------------------------------------------
# Solving.
# --------------------------------------------------------------------------------------


def qre_residual(game, profile, lam):
    """Largest |p(a) - softmax(lam * action value)(a)| over player information sets:
    how far Gambit's answer is from the exact agent-QRE fixed point. Information sets
    whose reach probability underflowed to 0 have no action values in pygambit; they are
    counted and skipped."""
    worst, skipped = 0.0, 0
    for player in game.players:
        for infoset in player.infosets:
            raw = [profile.action_value(a) for a in infoset.actions]
            if any(v is None for v in raw):
                skipped += 1
                continue
            values = [lam * float(v) for v in raw]
            top = max(values)
            weights = [math.exp(v - top) for v in values]
            total = sum(weights)
            for a, w in zip(infoset.actions, weights):
                worst = max(worst, abs(float(profile[a]) - w / total))
    return worst, skipped


# Longest a single logit_solve_lambda call may take before it counts as a Gambit failure.
SOLVE_TIMEOUT_SECONDS = 600.0


def gambit_child(path, lam, connection):
    """Runs in a forked child so that a hung or crashing Gambit call can be stopped."""
    try:
        game = read_efg(path)
        start = time.perf_counter()
        result = gbt.qre.logit_solve_lambda(game, lam=[lam], use_strategic=False)
        seconds = time.perf_counter() - start
        qre = result[0]
        connection.send(("ok", seconds, float(qre.lam), [qre[i] for i in range(len(qre))]))
    except Exception as error:  # Gambit's path-following errors surface here
        connection.send(("error", f"{type(error).__name__}: {error}"))
    connection.close()


def run_gambit(path, lam):
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=gambit_child, args=(path, lam, sender))
    child.start()
    sender.close()
    if receiver.poll(SOLVE_TIMEOUT_SECONDS):
        message = receiver.recv()
    else:
        message = ("error", f"no answer within {SOLVE_TIMEOUT_SECONDS:g} s (stopped)")
    child.kill()
    child.join()
    return message


def solve_one(path, game, infoset_ids, lam):
    message = run_gambit(path, lam)
    if message[0] == "error":
        return {"lambda": lam, "ok": False, "error": message[1]}
    _, seconds, gambit_lambda, flat = message
    if abs(gambit_lambda - lam) > 1e-8 * max(1.0, lam):
        return {
            "lambda": lam,
            "ok": False,
            "seconds": seconds,
            "error": f"Gambit returned a profile at lambda {gambit_lambda!r}, not at the requested {lam!r}",
        }
    # pygambit 16.7.0's `LogitQREMixedBehaviorProfile.profile` raises ("Cannot create a
    # MixedBehaviorProfile outside a Game"), so the flat probabilities (players, then their
    # information sets, then actions: Gambit's behaviour-profile order) are read into a
    # profile made by the game. The QRE residual below would be large if that order were
    # ever different.
    profile = game.mixed_behavior_profile()
    order = [a for player in game.players for infoset in player.infosets for a in infoset.actions]
    assert len(flat) == len(order), (len(flat), len(order))
    for action, prob in zip(order, flat):
        profile[action] = prob
    residual, skipped = qre_residual(game, profile, gambit_lambda)
    behavior = []
    for player_index, player in enumerate(game.players):
        for position, infoset in enumerate(player.infosets):
            number, label, actions = infoset_ids[(player_index, position)]
            behavior.append(
                {
                    "player": player_index,
                    "infoset": number,
                    "label": label,
                    "actions": actions,
                    "probs": [float(profile[a]) for a in infoset.actions],
                }
            )
    behavior.sort(key=lambda b: (b["player"], b["infoset"]))
    return {
        "lambda": lam,
        "ok": True,
        "gambit_lambda": gambit_lambda,
        "seconds": seconds,
        "qre_residual": residual,
        "qre_residual_skipped_unreached_infosets": skipped,
        "expected_payoffs": [float(profile.payoff(p)) for p in game.players],
        "behavior": behavior,
    }


def infoset_numbers(game, text):
    """(player index, position in player.infosets) -> (number in file, label, actions)."""
    players, nodes = efg_nodes_by_path(text)
    assert players == [p.label for p in game.players]
    ids = {}
    for player_index, player in enumerate(game.players):
        seen_numbers = set()
        for position, infoset in enumerate(player.infosets):
            found = {nodes[node_path(m)] for m in infoset.members}
            assert len(found) == 1, f"members of {infoset} have different numbers in the file"
            kind, file_player, number, label, actions = found.pop()
            assert kind == "p" and file_player == player_index
            assert list(actions) == [a.label for a in infoset.actions]
            assert label == infoset.label
            seen_numbers.add(number)
            ids[(player_index, position)] = (number, label, list(actions))
        assert seen_numbers == set(range(1, len(player.infosets) + 1)), seen_numbers
    return ids, len(nodes)


def write_efg(game, path):
    if hasattr(game, "to_efg"):
        game.to_efg(str(path))
    else:
        path.write_text(game.write(format="efg"))


def read_efg(path):
    if hasattr(gbt, "read_efg"):
        return gbt.read_efg(str(path))
    return gbt.Game.read_game(str(path))


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    games_json = []
    for name, description, build in game_set():
        path = OUT_DIR / f"{name}.efg"
        write_efg(build(), path)
        text = path.read_text()
        game = read_efg(path)
        ids, n_nodes = infoset_numbers(game, text)
        solutions = [dict(LAMBDA_ZERO_EXCLUSION)]
        for lam in LAMBDAS if n_nodes <= 100 else LAMBDAS_LARGE_GAMES:
            solution = solve_one(path, game, ids, lam)
            solutions.append(solution)
            status = "ok" if solution["ok"] else "FAILED " + solution["error"]
            seconds = solution.get("seconds", float("nan"))
            print(f"{name:26s} nodes={n_nodes:<4d} lambda={lam:<6g} {seconds:.4f}s {status}", file=sys.stderr)
        games_json.append(
            {
                "name": name,
                "file": f"{name}.efg",
                "description": description,
                "players": [p.label for p in game.players],
                "n_nodes": n_nodes,
                "n_player_infosets": sum(len(p.infosets) for p in game.players),
                "perfect_information": bool(game.is_perfect_recall)
                and all(len(i.members) == 1 for p in game.players for i in p.infosets),
                "solutions": solutions,
            }
        )
    answers = {
        "generator": {
            "command": COMMAND,
            "script": "tools/gambit_golden/make_games_and_answers.py",
            "pygambit_version": gbt.__version__,
            "python_version": platform.python_version(),
            "solver_call": "pygambit.qre.logit_solve_lambda(game, lam=[lam], use_strategic=False)",
            "infoset_key": "player is the 0-based index in the file's player list; infoset is the "
            "1-based number written in the .efg file for that player",
            "seconds": "wall-clock time of one logit_solve_lambda call (traces from lambda 0)",
            "lambdas": [0.0] + LAMBDAS,
            "lambdas_for_games_over_100_nodes": [0.0] + LAMBDAS_LARGE_GAMES,
        },
        "games": games_json,
    }
    (OUT_DIR / "answers.json").write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
