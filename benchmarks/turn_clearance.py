"""How often does a press's approach sweep through the clay? Kinematics only: a chain of exploration draws
(`primitives.sample_press`, the wrist turning a little each time, as `xembody collect` does) from the
standard start; for each approach after the first, the lowest hand particle on the straight move from the
lifted hand to the hover pose, against the clay's top, and whether `clear_transit` would raise it.

    python benchmarks/turn_clearance.py leap human allegro --draws 150

A straight move interpolates the wrist's hinge angles, so a turn tilts the hand on the way (docs/clay.md,
"Guided presses that turn the wrist"). The clay is not moved (its top stays the start's): this counts the
moves, not what they would do to the clay. About 20 s a hand on one core.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.embodiments.hand_frame import points_at  # noqa: E402
from xembody.experiments.goal_shapes import standard_start  # noqa: E402
from xembody.primitives import sample_press, straight  # noqa: E402
from xembody.primitives.motion import clear_transit  # noqa: E402
from xembody.primitives.press import HOVER_GAP, lifted  # noqa: E402


def approaches(hand: str, draws: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each approach after the first: (lowest particle above the clay's top, m; the wrist's turn, rad;
    whether `clear_transit` raises it), each (draws - 1,)."""
    scene, ctx = standard_start(hand)
    obs = scene.observe()
    rng = np.random.default_rng(seed)
    current, yaw = obs.ctrl, None
    low, turn, raised = [], [], []
    for k in range(draws):
        press = sample_press(rng, ctx, obs, yaw)
        here = replace(obs, ctrl=current, hand_points=points_at(scene.hand, current[None])[0])
        if k:
            hover = press.waypoints(ctx, here)[0]
            up = lifted(current, here)
            steps, _ = straight(up, hover, ctx.frame, ctx.limits, transit=True)
            low.append(points_at(scene.hand, np.stack([up, *steps]))[..., 2].min() - obs.object_top)
            turn.append(abs(press.yaw - yaw))
            floor = obs.object_top + HOVER_GAP
            raised.append(bool(clear_transit(up, hover, scene.hand, ctx.frame, ctx.limits, floor)))
        yaw = press.yaw
        current = press.targets(ctx, here, current, lift=k > 0).targets[-1]
    return np.array(low), np.array(turn), np.array(raised)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hands", nargs="+")
    p.add_argument("--draws", type=int, default=150)
    args = p.parse_args()
    for hand in args.hands:
        low, turn, raised = approaches(hand, args.draws)
        below = low < 0
        turns = f"{turn[below].min():.2f}-{turn[below].max():.2f} rad" if below.any() else "none"
        print(
            f"{hand}: {raised.sum()} / {len(low)} approaches raised by clear_transit; {below.sum()} dip "
            f"below the clay's top (deepest {-1000 * low.min():.1f} mm; their turns {turns})",
            flush=True,
        )


if __name__ == "__main__":
    main()
