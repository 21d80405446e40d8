#!/usr/bin/env python3
"""Solves one extensive game with Gambit's logit_solve_lambda and writes the answer as
JSON for a Rust test (no Python needed to run the tests).

Usage: python3 tools/gambit_golden/solve_one.py GAME.efg LAMBDA OUT.json

The probabilities are written flat in Gambit's behaviour-profile order: players in file
order, each player's information sets in Gambit's order, then actions; every set
is named by its number in the file, as the Rust reader names it. Used for the extra
cases in tests/golden/gambit/extra/ (see the README there). pygambit 16.7.0.
"""
import json
import os
import sys

import pygambit as gbt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The file's information-set numbers (Gambit numbers its own way), as for the golden set.
from make_games_and_answers import infoset_numbers  # noqa: E402


def main():
    path, lam, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    game = gbt.read_efg(path)
    with open(path) as f:
        ids, _ = infoset_numbers(game, f.read())
    result = gbt.qre.logit_solve_lambda(game, lam=[lam], use_strategic=False)
    qre = result[0]
    flat = [float(qre[i]) for i in range(len(qre))]
    sets = [
        {"player": p, "number": ids[(p, position)][0], "n_actions": len(iset.actions)}
        for p, player in enumerate(game.players)
        for position, iset in enumerate(player.infosets)
    ]
    assert sum(s["n_actions"] for s in sets) == len(flat)
    with open(out, "w") as f:
        json.dump(
            {
                "game": path,
                "lambda": lam,
                "gambit_lambda": float(qre.lam),
                "pygambit": gbt.__version__,
                "call": "pygambit.qre.logit_solve_lambda(game, lam=[lambda], use_strategic=False)",
                "sets": sets,
                "probs": flat,
            },
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
