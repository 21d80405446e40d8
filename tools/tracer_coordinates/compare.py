"""Step counts of one pseudo-arclength tracer in three choices of unknowns.

Research script behind ARCHITECTURE.md ("1,000x Gambit's speed", tenth session); not
used by the build or the tests. Needs numpy.

For an .efg game it follows the principal branch of the agent logit QRE from
lambda = 0 to each given lambda with one simple tracer, in three formulations of the
same fixed point:

  actions  log-odds of every action against its set's first action (Gambit's unknowns
           up to normalisation): G = lambda * (Q_a - Q_0) - x_a;
  beliefs  log-odds of the beliefs at the sets with several nodes against the set's
           first node (demarche's default tracer); the profile follows from one
           backward pass under those beliefs, and G = implied log-odds - x;
  diffs    expected payoff differences Q_a - Q_0 at the sets with several nodes, whose
           choice is softmax(lambda * d); the other sets by a backward pass.

The tracer: Euler predictor along the unit tangent; Newton corrector on [G; tangent
hyperplane] with a central-difference Jacobian at every iterate; a step fails when the
first correction exceeds half the step or a move exceeds half the one before, and is
then halved; steps double after at most two iterations and shrink by 0.7 after more
than four; the last step holds lambda at the target. It prints the steps (accepted and
failed) and G evaluations of each formulation, and the largest difference between the
three answers.

    python3 tools/tracer_coordinates/compare.py \\
        tests/golden/gambit/signal_3p_two_receivers.efg 0.5 2 10 100
"""

import re
import sys
from fractions import Fraction

import numpy as np


def parse_efg(path):
    """Players, nodes (preorder, each a dict) and outcome payoffs of an .efg file."""
    text = open(path).read()
    tokens = [
        t
        for t in re.findall(r'"(?:[^"\\]|\\.)*"|\{|\}|[^\s{}",]+|,', text)
        if t != ","
    ]
    pos = 0

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def peek_label():
        return tokens[pos].startswith('"')

    def payoffs():
        take()  # {
        values = []
        while tokens[pos] != "}":
            values.append(float(Fraction(take())))
        take()
        return values

    assert take() == "EFG"
    take(), take(), take()  # version, R, title
    assert take() == "{"
    players = []
    while (t := take()) != "}":
        players.append(t)
    if peek_label():
        take()  # comment
    nodes, outcomes = [], {}

    def node():
        kind = take()
        take()  # node label
        record = {"type": kind, "children": []}
        if kind in "cp":
            if kind == "p":
                record["player"] = int(take()) - 1
            record["infoset"] = int(take())
            if peek_label():
                take()  # information set label
            actions, probs = [], []
            if tokens[pos] == "{":
                take()
                while tokens[pos] != "}":
                    actions.append(take())
                    if kind == "c":
                        probs.append(float(Fraction(take())))
                take()
            record["n_actions"], record["probs"] = len(actions), probs
        record["outcome"] = int(take())
        if peek_label():
            take()  # outcome label
        if tokens[pos] == "{":
            outcomes[record["outcome"]] = payoffs()
        index = len(nodes)
        nodes.append(record)
        for _ in range(record.get("n_actions", 0)):
            record["children"].append(node())
        return index

    node()
    return players, nodes, outcomes


def softmax(x):
    x = np.asarray(x, float)
    e = np.exp(x - x.max())
    return e / e.sum()


class Game:
    def __init__(self, path):
        self.players, self.nodes, self.outcomes = parse_efg(path)
        self.n_players = len(self.players)
        self.sets = {}
        for k, record in enumerate(self.nodes):
            if record["type"] == "p":
                key = (record["player"], record["infoset"])
                self.sets.setdefault(key, []).append(k)
        self.set_keys = sorted(self.sets)
        self.n_actions = {key: self.nodes[self.sets[key][0]]["n_actions"] for key in self.set_keys}
        self.multi = [key for key in self.set_keys if len(self.sets[key]) > 1]

    def payoff(self, k):
        o = self.nodes[k]["outcome"]
        return np.array(self.outcomes.get(o, [0.0] * self.n_players)) if o else np.zeros(self.n_players)

    def probs_at(self, k, sigma):
        record = self.nodes[k]
        return record["probs"] if record["type"] == "c" else sigma[(record["player"], record["infoset"])]

    def values(self, sigma, k=0, out=None):
        """Node values (payoffs added along the path) under the profile `sigma`."""
        out = {} if out is None else out
        total = self.payoff(k)
        if self.nodes[k]["type"] != "t":
            probs = self.probs_at(k, sigma)
            for a, child in enumerate(self.nodes[k]["children"]):
                total = total + probs[a] * self.values(sigma, child, out)[child]
        out[k] = total
        return out

    def reach(self, sigma):
        r = {0: 1.0}
        for k, record in enumerate(self.nodes):  # preorder: parents first
            if record["type"] != "t":
                probs = self.probs_at(k, sigma)
                for a, child in enumerate(record["children"]):
                    r[child] = r[k] * probs[a]
        return r

    def action_values(self, key, values, reach):
        """Q of each action at set `key`, under the beliefs implied by `reach`."""
        nodes, player = self.sets[key], key[0]
        w = np.array([reach[k] for k in nodes])
        w = w / w.sum() if w.sum() > 0 else np.full(len(nodes), 1 / len(nodes))
        q = np.zeros(self.n_actions[key])
        for j, k in enumerate(nodes):
            for a, child in enumerate(self.nodes[k]["children"]):
                q[a] += w[j] * values[child][player]
        return q


class Actions:
    """Log-odds of every action against its set's first action."""

    def __init__(self, game):
        self.game = game
        self.index = [(key, a) for key in game.set_keys for a in range(1, game.n_actions[key])]
        self.m = len(self.index)

    def profile(self, x, lam):
        odds = {key: np.zeros(self.game.n_actions[key]) for key in self.game.set_keys}
        for (key, a), v in zip(self.index, x):
            odds[key][a] = v
        return {key: softmax(v) for key, v in odds.items()}

    def G(self, x, lam):
        g = self.game
        sigma = self.profile(x, lam)
        values, reach = g.values(sigma), g.reach(sigma)
        out = []
        for (key, a), v in zip(self.index, x):
            q = g.action_values(key, values, reach)
            out.append(lam * (q[a] - q[0]) - v)
        return np.array(out)

    def start(self):
        return np.zeros(self.m)


class Backward:
    """A backward pass whose choice at a set with several nodes comes from `choice`."""

    def __init__(self, game):
        self.game = game

    def profile_from(self, lam, choice):
        g = self.game
        sigma, values = {}, {}

        def value(k):
            if k in values:
                return values[k]
            record = g.nodes[k]
            total = g.payoff(k)
            if record["type"] != "t":
                if record["type"] == "c":
                    probs = record["probs"]
                else:
                    probs = choose((record["player"], record["infoset"]))
                for a, child in enumerate(record["children"]):
                    total = total + probs[a] * value(child)
            values[k] = total
            return total

        def choose(key):
            if key not in sigma:
                nodes, player = g.sets[key], key[0]
                if key in g.multi:
                    sigma[key] = choice(key, nodes, player, value)
                else:
                    children = g.nodes[nodes[0]]["children"]
                    sigma[key] = softmax(lam * np.array([value(c)[player] for c in children]))
            return sigma[key]

        value(0)
        for key in g.set_keys:
            choose(key)
        return sigma, values


class Beliefs(Backward):
    """Log-odds of the beliefs at the sets with several nodes against the first node."""

    def __init__(self, game):
        super().__init__(game)
        self.index = [(key, j) for key in game.multi for j in range(1, len(game.sets[key]))]
        self.m = len(self.index)

    def profile(self, x, lam):
        g = self.game
        odds = {key: np.zeros(len(g.sets[key])) for key in g.multi}
        for (key, j), v in zip(self.index, x):
            odds[key][j] = v
        beliefs = {key: softmax(v) for key, v in odds.items()}

        def choice(key, nodes, player, value):
            q = np.zeros(g.n_actions[key])
            for j, k in enumerate(nodes):
                for a, child in enumerate(g.nodes[k]["children"]):
                    q[a] += beliefs[key][j] * value(child)[player]
            return softmax(lam * q)

        return self.profile_from(lam, choice)[0]

    def G(self, x, lam):
        g = self.game
        reach = g.reach(self.profile(x, lam))
        out = []
        for (key, j), v in zip(self.index, x):
            nodes = g.sets[key]
            out.append(np.log(reach[nodes[j]]) - np.log(reach[nodes[0]]) - v)
        return np.array(out)

    def start(self):
        return self.G(np.zeros(self.m), 0.0)


class Diffs(Backward):
    """Expected payoff differences Q_a - Q_0 at the sets with several nodes."""

    def __init__(self, game):
        super().__init__(game)
        self.index = [(key, a) for key in game.multi for a in range(1, game.n_actions[key])]
        self.m = len(self.index)

    def profile_and_values(self, x, lam):
        g = self.game
        diffs = {key: np.zeros(g.n_actions[key]) for key in g.multi}
        for (key, a), v in zip(self.index, x):
            diffs[key][a] = v
        return self.profile_from(lam, lambda key, nodes, player, value: softmax(lam * diffs[key]))

    def profile(self, x, lam):
        return self.profile_and_values(x, lam)[0]

    def G(self, x, lam):
        g = self.game
        sigma, values = self.profile_and_values(x, lam)
        reach = g.reach(sigma)
        out = []
        for (key, a), v in zip(self.index, x):
            q = g.action_values(key, values, reach)
            out.append(q[a] - q[0] - v)
        return np.array(out)

    def start(self):
        return self.G(np.zeros(self.m), 0.0)


def jacobian(F, z, eps=1e-7):
    f0 = F(z)
    J = np.zeros((len(f0), len(z)))
    for i in range(len(z)):
        h = eps * max(1.0, abs(z[i]))
        zp, zm = z.copy(), z.copy()
        zp[i] += h
        zm[i] -= h
        J[:, i] = (F(zp) - F(zm)) / (2 * h)
    return J


def tangent(J, previous):
    m = J.shape[0]
    e = np.zeros(m + 1)
    e[m] = 1.0
    t = np.linalg.solve(np.vstack([J, previous]), e)
    t /= np.linalg.norm(t)
    return -t if t @ previous < 0 else t


def trace(form, target, first_step=0.2, max_steps=5000):
    m = form.m

    def F(z):
        return form.G(z[:m], z[m])

    z = np.append(form.start(), 0.0)
    t = np.zeros(m + 1)
    t[m] = 1.0
    t = tangent(jacobian(F, z), t)
    h, steps, failed, evaluations = first_step, 0, 0, 0
    force_target = False
    while z[m] < target:
        steps += 1
        if steps > max_steps or h < 1e-10:
            return None
        prediction = z + h * t
        row = t
        if (prediction[m] > target or force_target) and t[m] > 0:
            # The last step lands on the target and its corrector holds lambda there.
            prediction = z + (target - z[m]) / t[m] * t
            row = np.zeros(m + 1)
            row[m] = 1.0
        w, converged, previous = prediction.copy(), False, np.inf
        for it in range(10):
            g = F(w)
            evaluations += 1
            if np.max(np.abs(g)) < 1e-9:
                converged = True
                break
            A = np.vstack([jacobian(F, w), row])
            try:
                move = np.linalg.solve(A, np.append(-g, -(row @ (w - prediction))))
            except np.linalg.LinAlgError:
                break
            norm = np.linalg.norm(move)
            if (it == 0 and norm > 0.5 * max(h, 1e-3)) or (it > 0 and norm > 0.5 * previous):
                break
            previous = norm
            w = w + move
        if not converged:
            failed += 1
            h *= 0.5
            continue
        if w[m] > target and row is t:
            # The corrector carried lambda past the target: retry as the target step.
            force_target = True
            continue
        t = tangent(jacobian(F, w), t)
        z = w
        if it <= 2:
            h *= 2.0
        elif it > 4:
            h *= 0.7
    return {"steps": steps, "failed": failed, "evaluations": evaluations, "x": z[:m]}


def main():
    game = Game(sys.argv[1])
    for lam in [float(v) for v in sys.argv[2:]]:
        answers = []
        for name, cls in [("actions", Actions), ("beliefs", Beliefs), ("diffs", Diffs)]:
            form = cls(game)
            r = trace(form, lam)
            if r is None:
                print(f"lambda={lam:<6} {name:8s} gave up")
                continue
            sigma = form.profile(r["x"], lam)
            answers.append(np.concatenate([sigma[key] for key in game.set_keys]))
            print(
                f"lambda={lam:<6} {name:8s} unknowns {form.m:3d}  steps {r['steps']:4d}"
                f"  failed {r['failed']:3d}  evaluations {r['evaluations']:5d}"
            )
        if len(answers) > 1:
            gap = max(np.max(np.abs(a - answers[0])) for a in answers)
            print(f"lambda={lam:<6} largest difference between the answers {gap:.1e}")


if __name__ == "__main__":
    main()
