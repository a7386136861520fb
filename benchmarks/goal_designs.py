"""Which goal shapes can a one-press-lookahead planner reach with exact dynamics? Candidate designs (each a
script of 4 presses from the standard start, run by the planning hand itself), how far each ends from the
start, and a greedy search in the simulator toward it: each step simulates `--candidates` goal-guided
presses of the design's own kinds (`planning.proposals.guided_spots`: where the clay stands above the goal,
as deep as the goal is there) from the scene's saved state, executes the one that ends nearest the goal
(Chamfer + EMD), and stops at the threshold (0.0125) or when no candidate improves.

    python benchmarks/goal_designs.py leap ridge_deep step --candidates 8 --steps 6
    python benchmarks/goal_designs.py leap corner6 --goal-hand human --kinds palm_press,fingers_pinch

`--goal-hand REF` has REF run the design and the planning hand search toward REF's cloud (a library two
hands can reach must be reached by a hand that did not make it: docs/planning.md); `--kinds` sets the kinds
of press the search proposes (default: the design's own).

Per step it prints the best, median and worst candidate's error: where the median candidate is as good as
the best, the proposals alone reach the goal and an untrained model would too (the control must fail).
A search that reaches the threshold says the design suits the planner; one that stalls says the design
asks for more than one press of lookahead (docs/clay.md, "Goal designs"). About 20-40 s a simulated press
on one core.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.experiments.goal_shapes import (  # noqa: E402
    FLAT,
    RECIPES,
    SHAPES,
    GoalShape,
    Step,
    make_shape,
    poke,
    standard_start,
    turned,
)
from xembody.goals import SHAPE_TOLERANCE, Goal, shape_error  # noqa: E402
from xembody.planning.proposals import guided_spots  # noqa: E402
from xembody.primitives import SPOT  # noqa: E402

PALM, POKE = "palm_press", "fingers_pinch"
SHALLOWEST, DEEPEST = 0.008, 0.036  # m: 80% of the lump's height (the planner's presses stop at 35 mm)
CORNERS = ((0.02, 0.02), (-0.02, 0.02), (-0.02, -0.02), (0.02, -0.02))
ROW6 = (0.0, 0.02, -0.02, 0.03, -0.03, 0.0)  # m: six palm presses along a row, the middle twice


def row6(
    name: str, description: str, spot: Callable[[float], tuple[float, float]], yaw: float = 0.0
) -> GoalShape:
    """A region pressed flat by six palm presses along a row, `spot(t)` for t in ROW6, the wrist at `yaw`."""
    return GoalShape(name, description, tuple(Step(PALM, spot(t), FLAT, yaw=yaw) for t in ROW6))


DESIGNS: dict[str, GoalShape] = {
    s.name: s
    for s in (
        GoalShape("four", "four deep pokes at the corners", tuple(Step(POKE, c, 0.03) for c in CORNERS)),
        GoalShape(
            "line4",
            "four deep pokes along x",
            tuple(Step(POKE, (x, 0.0), 0.03) for x in (-0.027, -0.009, 0.009, 0.027)),
        ),
        GoalShape(
            "wedge",
            "a slope along x: palm presses deeper and deeper",
            tuple(
                Step(PALM, (x, 0.0), d)
                for x, d in ((0.03, 0.01), (0.015, 0.018), (0.0, 0.024), (-0.015, 0.03))
            ),
        ),
        GoalShape(
            "ridge",
            "a ridge along y: the palm on either side, twice",
            tuple(Step(PALM, (x, 0.0), d) for d in (0.02, 0.028) for x in (-0.03, 0.03)),
        ),
        GoalShape(
            "ridge_deep",
            "a ridge along y, pressed deeper",
            tuple(Step(PALM, (x, 0.0), d) for d in (0.03, 0.036) for x in (-0.03, 0.03)),
        ),
        GoalShape(
            "cake",
            "the whole lump pressed flat, step by step",
            tuple(Step(PALM, (0.0, 0.0), d) for d in (0.015, 0.022, 0.029, 0.036)),
        ),
        GoalShape(
            "corner6",
            "the +x+y quarter pressed flat in six presses (a smaller palm flattens less a press)",
            tuple(
                Step(PALM, s, 0.035)
                for s in ((0.02, 0.02), (0.03, 0.01), (0.01, 0.03), (0.03, 0.03), (0.02, 0.0), (0.0, 0.02))
            ),
        ),
        row6("step6", "the +x half pressed flat in six presses", lambda t: (0.02, t)),
        row6("step_y6", "the +y half pressed flat in six presses", lambda t: (t, 0.02)),
        row6("step_nx6", "the -x half pressed flat in six presses", lambda t: (-0.02, t)),
        # The human hand's thumb-led press flattens a row along x twice as much as one along y at the home
        # yaw (docs/clay.md): the rows along y again, the wrist turned a quarter either way (the human's
        # first own versions, stop 41: step6_r and step_nx6_l).
        *(
            row6(f"{name}_{side}", f"{name} with the wrist turned {yaw:+.2f} rad", lambda t, x=x: (x, t), yaw)
            for name, x in (("step6", 0.02), ("step_nx6", -0.02))
            for side, yaw in (("l", np.pi / 2), ("r", -np.pi / 2))
        ),
        # Nearer goals for the human hand than the six-press rows (which stall one-press lookahead near
        # 0.015, the oracle too): LEAP's four-press rows along y, the wrist turned as above (the human's
        # shipped `step` and `step_nx`: `VERSION_SCRIPTS`).
        *(
            replace(
                turned(
                    SHAPES[name], yaw, f"{name} in LEAP's four presses with the wrist turned {yaw:+.2f} rad"
                ),
                name=f"{name}4_{side}",
            )
            for name, side, yaw in (("step", "r", -np.pi / 2), ("step_nx", "l", np.pi / 2))
        ),
        GoalShape(
            "tilt",
            "a slope along y",
            tuple(
                Step(PALM, s, d)
                for s, d in (
                    ((0.0, 0.03), 0.015),
                    ((0.0, 0.03), 0.025),
                    ((0.0, -0.03), 0.012),
                    ((0.0, 0.0), 0.018),
                )
            ),
        ),
    )
}


def proposal(
    kind: str, spot: np.ndarray, depth: float, rng: np.random.Generator, palm_yaw: float = 0.0
) -> Step:
    """A guided (spot, depth) as a scripted step of `kind`: palms flat at `palm_yaw`, fingertip lines at a
    random yaw."""
    yaw = float(rng.uniform(-np.pi / 2, np.pi / 2)) if kind != PALM else palm_yaw
    return Step(kind, tuple(spot), float(np.clip(depth, SHALLOWEST, DEEPEST)), yaw)


def greedy_search(
    hand: str,
    goal: np.ndarray,
    kinds: list[str],
    candidates: int,
    steps: int,
    seed: int = 0,
    pick: str = "best",
    palm_yaws: tuple[float, ...] = (0.0,),
    verbose: bool = False,
    clear: bool = False,
) -> list[tuple[float, float, float]]:
    """From the standard start, `steps` greedy presses toward `goal` (No, 3) with exact dynamics: for each,
    (error after it, median and worst candidate's error); the first entry is the start's error thrice.
    `pick="random"` is the control: the first guided proposal runs unscored (no lookahead at all; median
    and worst are then its own error). Candidate k's palm presses turn the wrist to
    `palm_yaws[k % len(palm_yaws)]`; `verbose` prints every candidate; `clear`: approaches rise where a
    turn would tilt the hand into the clay (`Press.targets`)."""
    rng = np.random.default_rng(seed)
    scene, ctx = standard_start(hand)
    points, target = scene.object_points(), Goal(goal)
    now = shape_error(points, target)
    out = [(now, now, now)]
    reach = ctx.extent.radius * SPOT
    for i in range(steps):
        if now < SHAPE_TOLERANCE:
            break
        pairs = guided_spots(rng, points, goal, reach, candidates)
        if not pairs:
            break
        if pick == "random":  # what the proposals alone do
            points = poke(scene, ctx, proposal(kinds[0], *pairs[0], rng, palm_yaws[0]), i > 0, clear=clear)
            now = shape_error(points, target)
            out.append((now, now, now))
            continue
        saved, tried = scene.save(), []
        for k, (spot, depth) in enumerate(pairs):
            step = proposal(kinds[k % len(kinds)], spot, depth, rng, palm_yaws[k % len(palm_yaws)])
            try:
                tried.append((shape_error(poke(scene, ctx, step, i > 0, clear=clear), target), step))
                if verbose:
                    print(f"    press {i + 1} candidate {k}: {tried[-1][0]:.4f} {step}", flush=True)
            finally:  # every candidate starts from the same state
                scene.restore(saved)
        errors = [e for e, _ in tried]
        best, step = min(tried, key=lambda t: t[0])
        if best >= now:
            break
        points = poke(scene, ctx, step, i > 0, clear=clear)
        now = shape_error(points, target)
        out.append((now, float(np.median(errors)), max(errors)))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hand")
    p.add_argument("designs", nargs="+", choices=[*DESIGNS, *RECIPES], help="candidates, or named recipes")
    p.add_argument("--candidates", type=int, default=8)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--pick", choices=("best", "random"), default="best", help="random: the proposals alone")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--verbose", action="store_true", help="print every candidate's press and error")
    p.add_argument(
        "--clear", action="store_true", help="approaches rise where a turn would dip into the clay"
    )
    p.add_argument("--goal-hand", default=None, help="the hand that makes the design (default: the hand)")
    p.add_argument("--kinds", default=None, help="comma-separated press kinds the search proposes")
    p.add_argument(
        "--palm-yaws",
        default="0",
        help="comma-separated wrist yaws (rad) the guided palm presses cycle through",
    )
    args = p.parse_args()
    maker = args.goal_hand or args.hand
    clouds = {}
    for name in args.designs:
        design = DESIGNS.get(name) or RECIPES[name]
        start, goal = make_shape(design, maker)
        clouds[name] = goal
        print(f"{maker} {name}: {shape_error(goal, Goal(start)):.4f} from the start", flush=True)
        if maker != args.hand:  # how far the planning hand's own run of the script ends from the goal
            own = make_shape(design, args.hand)[1]
            print(f"  {args.hand} running the script: {shape_error(own, Goal(goal)):.4f} from it", flush=True)
        kinds = args.kinds.split(",") if args.kinds else sorted({s.kind for s in design.steps})
        for seed in range(args.seeds):
            yaws = tuple(float(y) for y in args.palm_yaws.split(","))
            runs = greedy_search(
                args.hand,
                goal,
                kinds,
                args.candidates,
                args.steps,
                seed,
                args.pick,
                yaws,
                args.verbose,
                args.clear,
            )
            for i, (e, med, worst) in enumerate(runs):
                print(
                    f"  seed {seed}, {i} presses: {e:.5f} (median {med:.5f}, worst {worst:.5f})", flush=True
                )
    for a in clouds:
        others = [f"{b} {shape_error(clouds[a], Goal(clouds[b])):.4f}" for b in clouds if b != a]
        if others:
            print(f"{a} to the others: {', '.join(others)}")


if __name__ == "__main__":
    main()
