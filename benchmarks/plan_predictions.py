"""How far a world model's predictions were from what happened, along finished planning episodes.

For every episode of each run (`xembody plan --out RUN`), the model's predicted shape error (Chamfer + EMD
to the goal, for the steps the planner executed) minus the actual one, averaged over the steps: negative
means the model promised more than the clay did (a planner exploiting its errors), positive that it
expected worse.

    python benchmarks/plan_predictions.py runs/plan/own_leap_ours runs/plan/own_leap_untrained
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", type=Path, nargs="+")
    for run in p.parse_args().runs:
        g = gaps(run)
        shown = ", ".join(f"{x:+.4f}" for x in g)
        print(f"{run}: {len(g)} episodes, predicted - actual shape error (m): {shown}")


if __name__ == "__main__":
    main()
