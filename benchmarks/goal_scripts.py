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

import numpy as np  # noqa: E402

from xembody.embodiments import hand_frame  # noqa: E402
from xembody.experiments.goal_shapes import OBJECT, SHAPES  # noqa: E402
from xembody.explore import context  # noqa: E402
from xembody.goals import named_goal, shape_error  # noqa: E402
from xembody.primitives import Press, hover_ctrl  # noqa: E402
from xembody.sim.tasks import make_scene  # noqa: E402


def script_errors(hand: str, name: str) -> list[float]:
    """The error to `hand`'s version of shape `name` at the start and after each scripted poke."""
    shape = SHAPES[name]
    scene = make_scene(hand, "plasticine", OBJECT, seed=0)
    ctx = context(scene, hand_frame(scene.hand))
    scene.reset(None)
    goal = named_goal(name, len(scene.object_points()), hand=hand)
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    errors = [shape_error(scene.object_points(), goal)]
    for i, s in enumerate(shape.steps):
        obs = scene.observe()
        pitch = s.pitch if s.pitch is not None else (0.15 if s.kind == "palm_press" else 0.7)
        press = Press(
            s.kind,
            s.yaw,
            pitch,
            np.full(scene.hand.n_ctrl, s.kind != "palm_press"),
            s.closure,
            np.array(s.spot),
            s.depth,
            np.zeros((2, 2)),
        )
        for target in press.targets(ctx, obs, obs.ctrl, lift=i > 0).targets:
            scene.step(target)
        errors.append(shape_error(scene.object_points(), goal))
    return errors


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hand")
    p.add_argument("shapes", nargs="+", choices=list(SHAPES))
    args = p.parse_args()
    for name in args.shapes:
        print(args.hand, name, " ".join(f"{e:.4f}" for e in script_errors(args.hand, name)), flush=True)


if __name__ == "__main__":
    main()
