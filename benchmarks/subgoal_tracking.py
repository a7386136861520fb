"""Can a model follow a goal's own script shape by shape? The hand's run of a named goal's script gives the
clay after each scripted press; from the standard start the planner is given each of those in turn as its
goal, for one update (one press) each, then the next. Prints each step's error to its subgoal and to the
final shape (Chamfer + EMD, m).

    python benchmarks/subgoal_tracking.py valley --hand leap --model plasticine-5hands

If the error to each subgoal grows step by step, the model (or the candidate search) cannot place a single
press as precisely as the script does, and planning toward the final shape alone cannot be expected to
reach it either (docs/planning.md). This is plasticine imitation's inner loop with exact keyframes.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.experiments.goal_shapes import RECIPES, make_shape, standard_start  # noqa: E402
from xembody.experiments.plan import PlanConfig, make_dynamics, make_planner  # noqa: E402
from xembody.goals import GOAL_SHAPES_OBJECT, Goal, shape_error  # noqa: E402


def parser(doc: str) -> argparse.ArgumentParser:
    """The options both clay diagnostics take: a named shape, the hand, the model, the guided share."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("shape", choices=list(RECIPES))
    p.add_argument("--hand", default="leap")
    p.add_argument("--model", default="plasticine-5hands")
    p.add_argument("--guided", type=float, default=0.5)
    return p


def clay_planning(args: argparse.Namespace):
    """The hand at the goal shapes' standard start, its primitives' context, `xembody plan`'s settings for
    it (no hold: every update presses) and the model: (scene, ctx, cfg, dynamics)."""
    torch.manual_seed(0)
    scene, ctx = standard_start(args.hand)
    cfg = PlanConfig(
        model=args.model,
        hand=args.hand,
        task="plasticine",
        object=GOAL_SHAPES_OBJECT,
        guided=args.guided,
        hold=False,
        video="none",
    )
    return scene, ctx, cfg, make_dynamics(cfg, scene)


def main() -> None:
    args = parser(__doc__).parse_args()
    steps: list[np.ndarray] = []
    _, final = make_shape(RECIPES[args.shape], args.hand, on_step=lambda pts: steps.append(pts.copy()))
    steps[-1] = final  # the last subgoal is the shape itself, settled
    goal = Goal(final)
    print("script:", " ".join(f"{shape_error(s, goal):.4f}" for s in steps), flush=True)
    scene, ctx, cfg, dyn = clay_planning(args)
    errors = []
    for k, sub in enumerate(steps):
        update = make_planner(cfg, dyn, ctx, False, Goal(sub), k).update(scene.observe())
        for target in update.targets:
            scene.step(target)
        pts = scene.object_points()
        errors.append(shape_error(pts, goal))
        print(
            f"subgoal {k}: to it {shape_error(pts, Goal(sub)):.4f}, to the shape {errors[-1]:.4f}, "
            f"{update.seconds:.1f} s",
            flush=True,
        )
    print(f"{args.shape} {args.hand} {args.model}: best {min(errors):.4f}, final {errors[-1]:.4f}")


if __name__ == "__main__":
    main()
