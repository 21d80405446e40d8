#!/usr/bin/env python3
"""Times Gambit's logit_solve_lambda again on every (game, lambda) of answers.json.

The `seconds` of answers.json come from the run that made the goldens: one call per
pair, taken while other work ran on the machine. This script re-times the same calls
on their own, for the speed comparison in `benches/gambit_compare.rs`:

- every call is made in this process, one after the other (nothing else should run);
- a pair whose first call takes under 1 s is called again, up to 5 calls in all or
  until 3 s have passed, and the fastest call is kept (the least disturbed one, which
  favours Gambit);
- the answer of every call is checked against answers.json (1e-6), so the timed call
  is the one that made the golden values.

Writes tests/golden/gambit/gambit_times.json. Usage:

    pip install pygambit==16.7.0
    python3 tools/gambit_golden/time_gambit.py
"""

import json
import pathlib
import platform
import sys
import time

import pygambit as gbt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_games_and_answers import infoset_numbers, read_efg  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "gambit"
MAX_CALLS = 5
REPEAT_BELOW_SECONDS = 1.0
REPEAT_BUDGET_SECONDS = 3.0


def flat_golden(game, text, solution):
    """The golden probabilities in Gambit's flat order (players, infosets, actions)."""
    ids, _ = infoset_numbers(game, text)
    by_number = {(b["player"], b["infoset"]): b["probs"] for b in solution["behavior"]}
    flat = []
    for index, player in enumerate(game.players):
        for position, infoset in enumerate(player.infosets):
            flat.extend(by_number[(index, ids[(index, position)][0])])
    return flat


def one_call(game, lam):
    start = time.perf_counter()
    result = gbt.qre.logit_solve_lambda(game, lam=[lam], use_strategic=False)
    seconds = time.perf_counter() - start
    qre = result[0]
    return seconds, [qre[i] for i in range(len(qre))]


def cpu_model():
    """The processor's model name (Linux), for telling machines apart: the speed-ups
    compare these times with demarche's on the same machine."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    answers = json.loads((GOLDEN / "answers.json").read_text())
    rows = []
    for entry in answers["games"]:
        game = read_efg(GOLDEN / entry["file"])
        text = (GOLDEN / entry["file"]).read_text()
        for solution in entry["solutions"]:
            if not solution.get("ok"):
                continue
            lam = solution["lambda"]
            golden = flat_golden(game, text, solution)
            calls, best, spent = 0, float("inf"), 0.0
            while True:
                seconds, flat = one_call(game, lam)
                calls += 1
                spent += seconds
                best = min(best, seconds)
                worst = max((abs(a - b) for a, b in zip(flat, golden)), default=0.0)
                if worst > 1e-6:
                    sys.exit(f"{entry['file']} lambda={lam}: answer {worst:.1e} from answers.json")
                if best >= REPEAT_BELOW_SECONDS or calls >= MAX_CALLS or spent >= REPEAT_BUDGET_SECONDS:
                    break
            rows.append(
                {
                    "file": entry["file"],
                    "lambda": lam,
                    "seconds": best,
                    "calls": calls,
                    "golden_run_seconds": solution.get("seconds"),
                }
            )
            print(
                f"{entry['name']:28s} lambda={lam:<6g} best {best:.5f}s of {calls} "
                f"(golden run {solution.get('seconds', float('nan')):.5f}s)",
                file=sys.stderr,
            )
    out = {
        "generator": {
            "script": "tools/gambit_golden/time_gambit.py",
            "solver_call": "pygambit.qre.logit_solve_lambda(game, lam=[lambda], use_strategic=False)",
            "seconds": f"fastest of up to {MAX_CALLS} calls (repeated while under {REPEAT_BELOW_SECONDS:g} s, within {REPEAT_BUDGET_SECONDS:g} s)",
            "pygambit_version": gbt.__version__,
            "python_version": platform.python_version(),
            "machine": platform.machine(),
            "cpu": cpu_model(),
            "date": time.strftime("%Y-%m-%d"),
        },
        "times": rows,
    }
    (GOLDEN / "gambit_times.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
