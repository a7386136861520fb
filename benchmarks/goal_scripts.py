"""How a named goal's own script approaches it: the shape error (Chamfer + EMD, m) to the hand's own version
of each shape after each of the script's pokes, from the standard start.

    python benchmarks/goal_scripts.py leap diagonal valley

A greedy planner can follow a script only where the error falls poke by poke; how much each poke gains is
what a planner's dynamics must resolve.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.experiments.goal_shapes import RECIPES, make_shape  # noqa: E402
from xembody.goals import Goal, shape_error  # noqa: E402


def script_errors(hand: str, name: str) -> list[float]:
    """The error to `hand`'s version of shape `name` at the start and after each scripted poke."""
    after: list = []
    start, end = make_shape(RECIPES[name], hand, on_step=after.append)
    goal = Goal(end)  # the hand's own run of the script (deterministic): for LEAP, the shipped cloud
    return [shape_error(points, goal) for points in (start, *after)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hand")
    p.add_argument("shapes", nargs="+", choices=list(RECIPES))
    args = p.parse_args()
    for name in args.shapes:
        print(args.hand, name, " ".join(f"{e:.4f}" for e in script_errors(args.hand, name)), flush=True)


if __name__ == "__main__":
    main()
