"""Seconds per `Controller` call over one box episode, the loop of docs/deploy.md without its pacing sleep.

    python benchmarks/controller_latency.py [--model box-5hands] [--hand leap] [--yaw 45] [--episode 1]
        [--out docs/results/controller_latency.json]

The MuJoCo scene stands in for the robot (`experiments.sim_robot.SimRobot`). Calls that ask the planner
(the previous primitive's targets ran out) and calls that pop a queued target are timed apart, and so is
the goal check (`controller.done`), which the loop makes every cycle. Torch runs on as many threads as
OMP_NUM_THREADS allows; the result records them, the CPU count and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from xembody.experiments.sim_robot import SimRobot
from xembody.goals import turned_points
from xembody.planning import Controller


def stats(seconds: list[float]) -> dict:
    return {
        "calls": len(seconds),
        "mean_s": float(np.mean(seconds)),
        "p95_s": float(np.percentile(seconds, 95)),
        "max_s": float(np.max(seconds)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="box-5hands")
    ap.add_argument("--hand", default="leap")
    ap.add_argument("--yaw", type=float, default=45.0)
    ap.add_argument("--episode", type=int, default=1)
    ap.add_argument("--cycles", type=int, default=600)
    ap.add_argument("--out", type=Path, default=Path("docs/results/controller_latency.json"))
    a = ap.parse_args()
    robot = SimRobot.create(a.hand, "box", episode=a.episode)
    goal = turned_points(robot.observe().object_points, a.yaw, symmetry=np.pi)
    controller = Controller.create(model=a.model, hand=a.hand, task="box", goal=goal)
    replan, pop, done = [], [], []
    reached = False
    for _ in range(a.cycles):
        obs = robot.observe()
        t0 = time.perf_counter()
        reached = controller.done(obs)
        done.append(time.perf_counter() - t0)
        if reached:
            break
        robot.send(controller(obs))
        (replan if controller.replanned else pop).append(controller.seconds)
    out = {
        "replan": stats(replan),
        "pop": stats(pop),
        "done": stats(done),
        "success": bool(reached),
        "cycles": len(done),
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
    }
    a.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
