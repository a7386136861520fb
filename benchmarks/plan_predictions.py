"""How far a world model's predictions were from what happened, along finished planning episodes.

For every episode of each run (`xembody plan --out RUN`), the model's predicted shape error (Chamfer + EMD
to the goal, for the steps the planner executed) minus the actual one, averaged over the steps: negative
means the model promised more than the clay did (a planner exploiting its errors), positive that it
expected worse.

    python benchmarks/plan_predictions.py runs/plan/own_leap_ours runs/plan/own_leap_untrained
    python benchmarks/plan_predictions.py --updates runs/plan/own_leap_gpu_g0.5

`--updates`: for each executed update, the error before it, the error the model predicted at its end and
the error that came (what a planner that holds compares: a predicted gain that comes out as a loss).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from xembody.goals import Goal, shape_error


def gaps(run: Path, every: int = 4) -> list[float]:
    """Mean (predicted - actual) shape error over each episode's executed steps (every `every`-th)."""
    out = []
    for f in sorted(run.glob("episode-*.npz")):
        z = np.load(f)
        goal, actual, predicted = Goal(z["goal"]), z["object"], z["predicted"]
        ok = np.isfinite(predicted).all((1, 2))  # no prediction for the first frame
        steps = [t for t in range(1, len(actual), every) if ok[t]]
        diff = [shape_error(predicted[t], goal) - shape_error(actual[t], goal) for t in steps]
        out.append(float(np.mean(diff)))
    return out


def updates(run: Path, episode: int) -> list[tuple[float, float, float]]:
    """(before, predicted, actual) shape errors for each executed update of one episode. An update ends at
    the step whose error is the next entry of the episode's trace (updates that held execute no step)."""
    z = np.load(run / f"episode-{episode:03d}.npz")
    d = json.loads((run / "episodes" / f"{episode:03d}.json").read_text())
    goal, actual, predicted = Goal(z["goal"]), z["object"], z["predicted"]
    errors = [shape_error(a, goal) for a in actual]
    before, t, out = d["start"]["shape_error"], 1, []
    for entry in d["trace"]:
        after = entry["shape_error"]
        end = next((k for k in range(t, len(errors)) if abs(errors[k] - after) < 1e-12), None)
        if end is None:  # held: nothing executed
            continue
        out.append((before, shape_error(predicted[end], goal), after))
        before, t = after, end + 1
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--updates", action="store_true", help="each executed update's predicted and actual gain")
    args = p.parse_args()
    for run in args.runs:
        if not args.updates:
            g = gaps(run)
            shown = ", ".join(f"{x:+.4f}" for x in g)
            print(f"{run}: {len(g)} episodes, predicted - actual shape error (m): {shown}")
            continue
        for f in sorted(run.glob("episode-*.npz")):
            ep = int(f.stem.split("-")[1])
            for k, (before, pred, after) in enumerate(updates(run, ep)):
                print(
                    f"{run} episode {ep} update {k}: before {before:.4f}, predicted {pred:.4f} "
                    f"(gain {before - pred:+.4f}), actual {after:.4f} (gain {before - after:+.4f})"
                )


if __name__ == "__main__":
    main()
