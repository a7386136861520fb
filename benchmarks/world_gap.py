"""How much a world's physics gap matters, before any model: a perfect simulator of the default world asked to
predict another world's motion.

Exploration episodes are run in the target world (the push policy, as the co-training data are); from every
`--horizon`-th frame the whole simulation state is copied into a default-world scene, the same controls are
replayed there, and the object's particles after `--horizon` frames are compared with the target world's
(Chamfer, mm, the models' measure). Beside it, the no-motion error (the particles left where they were).
A gap well under a trained model's error (about 21 mm over 5 frames on the box, docs/cotrain.md) cannot show
in the co-training experiment; one of the size of the motion can.

    python benchmarks/world_gap.py --world shifted --hand leap --episodes 6
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from xembody.embodiments.hand_frame import hand_frame  # noqa: E402
from xembody.explore import POLICIES, episode_rng  # noqa: E402
from xembody.geometry import cloud_chamfer  # noqa: E402
from xembody.primitives import StepLimits  # noqa: E402
from xembody.sim import make_scene  # noqa: E402
from xembody.stats import mean_ci  # noqa: E402


def windows(hand: str, world: str, episodes: int, frames: int, horizon: int, seed: int) -> np.ndarray:
    """(W, 2) Chamfer (m) of every window: [default-world physics, no motion] against `world`'s truth."""
    target, ref = make_scene(hand, "box", world=world), make_scene(hand, "box")
    frame = hand_frame(target.hand)
    out = []
    for i in range(episodes):
        rng = episode_rng(seed, i)
        pol = POLICIES["push"](target, frame, rng, StepLimits())
        target.reset(rng)
        target.set_hand(pol.start())
        for _ in range(frames // horizon):
            start = target.object_points()
            ref.restore(target.save())
            for _ in range(horizon):
                c = pol.act()  # planned from the target world's state, replayed in the default one
                target.step(c)
                ref.step(c)
            truth = target.object_points()
            out.append((cloud_chamfer(ref.object_points(), truth), cloud_chamfer(start, truth)))
    return np.asarray(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--world", default="shifted")
    p.add_argument("--hand", default="leap")
    p.add_argument("--episodes", type=int, default=6)
    p.add_argument("--frames", type=int, default=40)
    p.add_argument("--horizon", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    w = windows(a.hand, a.world, a.episodes, a.frames, a.horizon, a.seed) * 1000
    moving = w[:, 1] > 5.0  # windows where the box moved at all
    for label, rows in (("all windows", w), ("box moved > 5 mm", w[moving])):
        (gap, gh), (still, sh) = mean_ci(rows[:, 0]), mean_ci(rows[:, 1])
        print(
            f"{a.world} vs default physics, {a.hand}, {label} (n={len(rows)}): "
            f"gap {gap:.1f} ± {gh:.1f} mm, no motion {still:.1f} ± {sh:.1f} mm, "
            f"ratio {gap / max(still, 1e-9):.2f}"
        )


if __name__ == "__main__":
    main()
