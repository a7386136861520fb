"""How far greedy pokes along the goal's excess get with no model at all: each step pokes, in the simulator,
the spot where the most clay stands above the goal's surface (summed over a 1 cm disc), as deep as the goal
is there, fingertips first (the goals' own kind of poke), with the wrist turned along the excess there or
across it; the shape error (Chamfer + EMD, m) after each poke.

    python benchmarks/greedy_pokes.py leap diagonal --turn along --pokes 8
    python benchmarks/greedy_pokes.py human corner step --kind palm_press --shipped --pokes 12

`--kind palm_press` presses the open palm instead (the current library's kind of press, its yaw fixed);
`--shipped` scores against the shipped cloud (LEAP's, which every hand plans toward) instead of the hand's
own run of the script: how many presses a hand with a smaller palm needs to make the same goal.

`--roll R --pitch P --close ACTUATOR ... --yaw Y` try another palm pose than the one `hand_frame` derives:
the palm-down wrist rolled by R rad about the fingers' axis (positive: a right hand's thumb side up) and
pitched by P (negative: heel first), the named actuators at their closing end, every press turned by Y
rad about the vertical (docs/planning.md: the human hand's poses, 2026-12-07):

    python benchmarks/greedy_pokes.py human corner step --kind palm_press --shipped --pokes 4 \
        --roll -0.08 --pitch -0.1 --close hand/thumb_abduction

If this stalls where the planners stall, the goals ask for more than following their excess: the clay a poke
pushes aside spreads the lump, and where it spreads depends on the whole sequence (docs/planning.md).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.experiments.goal_shapes import RECIPES, Step, make_shape, poke, standard_start  # noqa: E402
from xembody.geometry import rot_x, rot_y  # noqa: E402
from xembody.goals import Goal, named_goal, shape_error  # noqa: E402
from xembody.planning.proposals import MIN_EXCESS, excess  # noqa: E402
from xembody.primitives import SPOT, PrimitiveContext, within_reach  # noqa: E402

DISC = 0.01  # m: excess summed within this of a spot (about a fingertip's footprint)
AXIS = 0.02  # m: the excess's direction is taken within this of the spot


def greedy_step(
    points: np.ndarray, goal: np.ndarray, reach: float, turn: str, kind: str = "fingers_pinch"
) -> Step | None:
    """The next poke: at the spot with the most excess nearby, as deep as the goal's surface there, the
    wrist along (or across) the excess's main direction (a palm press: at the home yaw); None where nothing
    stands above the goal."""
    over, goal_z = excess(points, goal)
    rel = points[:, :2] - points[:, :2].mean(0)
    ok = (over > MIN_EXCESS) & (np.linalg.norm(rel, axis=1) <= reach)
    if not ok.any():
        return None
    d = np.linalg.norm(rel[:, None] - rel[None], axis=-1)
    k = int(np.argmax((d < DISC) @ np.where(ok, over, 0.0) * ok))
    yaw = 0.0 if kind == "palm_press" else excess_yaw(rel, over, ok & (d[k] < AXIS), turn)
    depth = float(points[:, 2].max() - goal_z[k])
    return Step(kind, tuple(within_reach(rel[k], reach)), depth, yaw)


def excess_yaw(rel: np.ndarray, over: np.ndarray, near: np.ndarray, turn: str) -> float:
    """The wrist yaw (rad) along (or across) the main direction of the excess `over` (N,) at the `near`
    (N,) particles, positions `rel` (N, 2)."""
    w = over[near] / over[near].sum()
    centred = rel[near] - w @ rel[near]
    axis = np.linalg.eigh((w[:, None] * centred).T @ centred)[1][:, -1]
    yaw = float(np.arctan2(axis[1], axis[0])) + (np.pi / 2 if turn == "across" else 0.0)
    return (yaw + np.pi / 2) % np.pi - np.pi / 2  # a fingertip line is the same either way round


@dataclass(frozen=True)
class Pose:
    """A change to the hand's derived palm pose: roll and pitch of the palm-down wrist (rad), actuators
    open at their closing end."""

    roll: float = 0.0
    pitch: float = 0.0
    close: tuple[str, ...] = ()
    yaw: float = 0.0  # rad added to every press's wrist yaw (palm presses: turn the thumb off the clay)

    def apply(self, ctx: PrimitiveContext) -> PrimitiveContext:
        f, names = ctx.frame, ctx.hand.ctrl_names
        unknown = set(self.close) - set(names)
        if unknown:
            raise SystemExit(f"{ctx.hand.name} has no actuator {', '.join(sorted(unknown))}")
        # Swap the named actuators' ends: open at the closing end, and the span the step limits scale by kept.
        idx = [names.index(a) for a in self.close]
        open_ctrl, closed_ctrl = f.open_ctrl.copy(), f.closed_ctrl.copy()
        open_ctrl[idx], closed_ctrl[idx] = f.closed_ctrl[idx], f.open_ctrl[idx]
        palm_down = rot_y(self.pitch) @ rot_x(self.roll) @ f.palm_down
        frame = replace(f, open_ctrl=open_ctrl, closed_ctrl=closed_ctrl, palm_down=palm_down)
        return replace(ctx, frame=frame)


def greedy_errors(
    hand: str,
    name: str,
    pokes: int,
    turn: str,
    kind: str = "fingers_pinch",
    shipped: bool = False,
    pose: Pose = Pose(),
) -> list[float]:
    """The error to `hand`'s version of shape `name` (`shipped`: the shipped cloud) at the standard start and
    after each greedy poke, the hand in `pose`."""
    scene, ctx = standard_start(hand)
    ctx = pose.apply(ctx)
    points = scene.object_points()
    if shipped:
        goal = named_goal(name, len(points), points.mean(0))
    else:
        goal = Goal(make_shape(RECIPES[name], hand)[1])  # the hand's own version of the shape
    errors = [shape_error(points, goal)]
    for i in range(pokes):
        step = greedy_step(points, goal.points, ctx.extent.radius * SPOT, turn, kind)
        if step is None:
            break
        points = poke(scene, ctx, replace(step, yaw=step.yaw + pose.yaw), lift=i > 0)
        errors.append(shape_error(points, goal))
    return errors


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hand")
    p.add_argument("shapes", nargs="+", choices=list(RECIPES))
    p.add_argument("--pokes", type=int, default=8)
    p.add_argument("--turn", choices=("along", "across"), default="along")
    p.add_argument("--kind", choices=("fingers_pinch", "palm_press"), default="fingers_pinch")
    p.add_argument("--shipped", action="store_true", help="score against the shipped (LEAP's) cloud")
    p.add_argument("--roll", type=float, default=0.0, help="rad about the fingers' axis, thumb side up")
    p.add_argument("--pitch", type=float, default=0.0, help="rad added to every press's pitch")
    p.add_argument("--close", nargs="*", default=(), help="actuators held at their closing end")
    p.add_argument("--yaw", type=float, default=0.0, help="rad added to every press's wrist yaw")
    args = p.parse_args()
    pose = Pose(args.roll, args.pitch, tuple(args.close), args.yaw)
    for name in args.shapes:
        errors = greedy_errors(args.hand, name, args.pokes, args.turn, args.kind, args.shipped, pose)
        label = f"{args.kind} {'shipped' if args.shipped else 'own'}"
        if pose != Pose():
            label += f" roll {pose.roll:+.2f} pitch {pose.pitch:+.2f} yaw {pose.yaw:+.2f}"
            label += f" closed {','.join(pose.close) or '-'}"
        print(args.hand, name, args.turn, label, " ".join(f"{e:.4f}" for e in errors), flush=True)


if __name__ == "__main__":
    main()
