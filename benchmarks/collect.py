"""Collection speed: frames per second per core, and the overhead over bare physics.

For each task, episodes are collected on one core exactly as `xembody collect` does (policy, particles,
contact checks, recording, zarr writes). Then the same episodes' recorded controls are replayed with
nothing but `mj_step` on the same scene. The ratio of the two times is the collection overhead
(target: at most 1.3 for the box task).

    python benchmarks/collect.py [--hand allegro] [--box-episodes 20] [--plasticine-episodes 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

import mujoco  # noqa: E402
import torch  # noqa: E402

from xembody.data.collect import CollectConfig, Collector  # noqa: E402
from xembody.data.store import EpisodeStore  # noqa: E402


def bench(hand: str, task: str, episodes: int) -> dict:
    torch.set_num_threads(1)
    cfg = CollectConfig(hand=hand, task=task, episodes=episodes).resolved()
    collector = Collector(cfg)
    scene = collector.scene
    with tempfile.TemporaryDirectory() as tmp:
        store = EpisodeStore.create(tmp)
        recorded = []
        start = time.perf_counter()
        for i in range(episodes):
            _, ep = collector(i)
            store.write(cfg.episode_name(i), ep)
            recorded.append(ep)
        collect_s = time.perf_counter() - start
    m, d, n = scene.model, scene.data, scene.physics.substeps
    start = time.perf_counter()
    for ep in recorded:  # the same physics work: reset, then each recorded control held for a period
        mujoco.mj_resetData(m, d)
        d.qpos[: scene.hand.dof] = ep.arrays["qpos"][0]
        for ctrl in ep.arrays["ctrl"]:
            d.ctrl[: scene.hand.n_ctrl] = ctrl
            mujoco.mj_step(m, d, nstep=n)
    bare_s = time.perf_counter() - start
    frames = sum(ep.frames for ep in recorded)
    return {
        "task": task,
        "episodes": episodes,
        "frames": frames,
        "collect_fps": frames / collect_s,
        "bare_fps": frames / bare_s,
        "realtime": frames * scene.physics.substeps * scene.physics.timestep / collect_s,
        "ratio": collect_s / bare_s,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hand", default="allegro")
    p.add_argument("--box-episodes", type=int, default=20)
    p.add_argument("--plasticine-episodes", type=int, default=3)
    a = p.parse_args()
    print(f"hand {a.hand}, one core, control 10 Hz, physics 2 ms")
    print(f"{'task':<11} {'episodes':>8} {'frames':>7} {'frames/s':>9} {'bare frames/s':>14} {'x realtime':>11} {'overhead':>9}")
    for task, n in (("box", a.box_episodes), ("plasticine", a.plasticine_episodes)):
        r = bench(a.hand, task, n)
        print(
            f"{r['task']:<11} {r['episodes']:>8} {r['frames']:>7} {r['collect_fps']:>9.0f} {r['bare_fps']:>14.0f}"
            f" {r['realtime']:>11.1f} {r['ratio']:>9.2f}"
        )


if __name__ == "__main__":
    main()
