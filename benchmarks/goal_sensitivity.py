"""How much of a goal shape is its recipe and how much is chance: a script run exactly and with every spot
moved by Gaussian noise (m), the shape error between the two ends (Chamfer + EMD over the 300 object
particles, the success measure; Chamfer over all material points) and how far the material points moved.

    python benchmarks/goal_sensitivity.py valley --noise 0.0001      # the floor: 0.1 mm off
    python benchmarks/goal_sensitivity.py pancake --noise 0.002      # a candidate design, 2 mm off

A shipped shape (`xembody goals`) or a candidate design below. A goal whose own script, landing a fraction of
a millimetre off, ends a sizeable share of the threshold (0.0125) away asks a planner for more than
precision: MPM clay pushed deep by fingertips amplifies tiny differences (docs/clay.md).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.experiments.goal_shapes import RECIPES, GoalShape, Step, run_script  # noqa: E402
from xembody.geometry import cloud_chamfer  # noqa: E402
from xembody.goals import Goal, shape_error  # noqa: E402

S = 0.02  # m: the candidate designs' spot spacing
CORNERS = ((S, S), (-S, -S), (0.0, 0.0), (-S, S), (S, -S))
CANDIDATES = {
    "X35": GoalShape(
        "X35",
        "five separated fingertip pokes 35 mm deep, an X",
        tuple(Step("fingers_pinch", xy, 0.035) for xy in CORNERS),
    ),
    "pancake": GoalShape(
        "pancake",
        "the palm pressed 30 mm deep at the centre and four spots 1.2 cm off",
        tuple(
            Step("palm_press", (0.6 * x, 0.6 * y), 0.03, 0.0, 0.05)
            for x, y in (CORNERS[2], *CORNERS[:2], *CORNERS[3:])
        ),
    ),
}


def run(shape: GoalShape, hand: str, noise: float, seed: int = 1) -> tuple[np.ndarray, ...]:
    """(start particles, end particles, every material point at the end) of `shape`'s script by `hand`,
    each spot moved by Gaussian `noise` (m)."""
    start, scene = run_script(shape, hand, noise, seed)
    return start, scene.object_points(), scene.obj.all_points()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("shape", choices=[*RECIPES, *CANDIDATES])
    p.add_argument("--hand", default="allegro")
    p.add_argument("--noise", type=float, default=0.002, help="m: spot noise of the second run")
    args = p.parse_args()
    shape = RECIPES.get(args.shape) or CANDIDATES[args.shape]
    start, exact, exact_all = run(shape, args.hand, 0.0)
    _, noisy, noisy_all = run(shape, args.hand, args.noise)
    moved = np.linalg.norm(exact_all - noisy_all, axis=1) * 1000
    print(
        f"{args.shape} {args.hand} noise {args.noise * 1000:.1f} mm: "
        f"from the start {shape_error(exact, Goal(start)):.4f}; "
        f"exact vs noisy: Chamfer + EMD (300 particles) {shape_error(noisy, Goal(exact)):.4f}, "
        f"Chamfer (all {len(exact_all)} points) {cloud_chamfer(exact_all, noisy_all):.4f}; "
        f"material points moved median {np.median(moved):.2f} mm, max {moved.max():.1f} mm"
    )


if __name__ == "__main__":
    main()
