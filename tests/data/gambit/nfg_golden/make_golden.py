"""Golden logit QRE values for normal-form games, computed with Gambit.

Writes a few random strategic games (payoff-version .nfg files) and, for each, the
principal-branch logit QRE at several lambdas from pygambit's
`gambit.qre.logit_solve_lambda`, into `golden.json`. The Rust test
`tests/normal_form.rs::qre_matches_gambit_golden_values` compares demarche's
`logit_qre_nfg` with these to 1e-6.

Run from this folder: python3 make_golden.py   (made with pygambit 16.7.0)
"""

import itertools
import json
import random

import pygambit as gbt

LAMBDAS = [0.1, 0.5, 1.0, 2.0, 5.0]
# Hand-picked games whose principal branch is hard to follow (kept as files, not
# regenerated): a turning point, and two branches passing close to each other.
BRANCH_GAMES = ["branch_35.nfg", "branch_269.nfg"]
BRANCH_LAMBDAS = [0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 100.0]
GAMES = {
    "rand_2x2": [2, 2],
    "rand_3x3": [3, 3],
    "rand_2x3x2": [2, 3, 2],
    "rand_2x2x2x2": [2, 2, 2, 2],
    "rand_4x2": [4, 2],
}


def write_nfg(name, counts, rng):
    players = " ".join(f'"P{i + 1}"' for i in range(len(counts)))
    strategies = " ".join(
        "{ " + " ".join(f'"s{k + 1}"' for k in range(m)) + " }" for m in counts
    )
    lines = [f'NFG 1 R "{name}" {{ {players} }} {{ {strategies} }}', '"random integer payoffs"', ""]
    n_profiles = 1
    for m in counts:
        n_profiles *= m
    for _ in range(n_profiles):
        lines.append(" ".join(str(rng.randint(-5, 5)) for _ in counts))
    path = f"{name}.nfg"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main():
    rng = random.Random(20261127)
    golden = {"lambdas": LAMBDAS, "games": {}}
    for name, counts in GAMES.items():
        path = write_nfg(name, counts, rng)
        game = gbt.read_nfg(path)
        answers = []
        for result in gbt.qre.logit_solve_lambda(game, LAMBDAS):
            answers.append(
                {
                    "lambda": float(result.lam),
                    "profile": [
                        [float(result.profile[s]) for s in p.strategies] for p in game.players
                    ],
                }
            )
        golden["games"][path] = answers
    for path in BRANCH_GAMES:
        game = gbt.read_nfg(path)
        golden["games"][path] = [
            {
                "lambda": float(result.lam),
                "profile": [[float(result.profile[s]) for s in p.strategies] for p in game.players],
            }
            for result in gbt.qre.logit_solve_lambda(game, BRANCH_LAMBDAS)
        ]
    with open("golden.json", "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
