"""What a depth camera gives the planner of MPM clay: Chamfer + EMD to the simulator's particles of the
seen points resampled (the skin) and of the clay completed from them (`perception.complete`), beside the
floor (another farthest-point sampling of the same material points), for three camera resolutions, at
the start and after palm presses (LEAP hovering above, occluding).

    python benchmarks/clay_camera.py [--hand leap] [--views 3]
"""

from __future__ import annotations

import argparse

import numpy as np

from xembody.embodiments import hand_frame
from xembody.explore import context
from xembody.goals import Goal, shape_error
from xembody.planning.perception import complete, resample
from xembody.primitives import hover_ctrl, palm_press, poke_at
from xembody.sensing import DepthCamera
from xembody.sim.camera import CameraView
from xembody.sim.tasks import make_scene

BINS = (1.5, 0.5, 0.25)  # degrees: the recordings' camera, the clay planning camera, a finer one
PRESSES = ((0.015, 0.015, 0.015), (-0.02, -0.01, 0.012))  # spot x, y and depth (m) of each palm press


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hand", default="leap")
    ap.add_argument("--views", type=int, default=3, help="noisy views per state and camera")
    args = ap.parse_args()
    scene = make_scene(args.hand, "plasticine", object="plasticine_mpm")
    scene.reset(None)
    ctx = context(scene, hand_frame(scene.hand))
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    print(f"{'state':24s} {'bins':>5s} {'seen':>5s} {'skin':>7s} {'completed':>9s} {'floor':>7s}")
    for k in range(len(PRESSES) + 1):
        if k:
            obs = scene.observe()
            *spot, depth = PRESSES[k - 1]
            press = poke_at(palm_press(ctx), ctx, np.array(spot), depth)
            for target in press.targets(ctx, obs, obs.ctrl, lift=True).targets:
                scene.step(target)
        true = scene.object_points()
        goal = Goal(true)
        floor = shape_error(resample(scene.obj.surface(scene.data)[::-1].copy(), len(true)), goal)
        for bins in BINS:
            view = CameraView(scene, DepthCamera(bin_degrees=bins), seed=1)
            seen = [view().object_points for _ in range(args.views)]
            skin = np.mean([shape_error(resample(s, len(true)), goal) for s in seen])
            solid = np.mean([shape_error(complete(s, len(true)), goal) for s in seen])
            n = np.mean([len(s) for s in seen])
            state = "start" if k == 0 else f"after palm press {k}"
            print(f"{state:24s} {bins:5.2f} {n:5.0f} {skin:7.4f} {solid:9.4f} {floor:7.4f}")


if __name__ == "__main__":
    main()
