"""Collection speed: frames per second per core, and the overhead over bare physics.

For each task, episodes are collected on one core exactly as `xembody collect` does (policy, particles,
contact checks, recording, HDF5 writes). Then the same episodes' recorded controls are replayed with
nothing but `mj_step` on the same scene. The ratio of the two wall times is the collection overhead
(target: at most 1.3 for the box task). Episodes are written by a background thread, as in `collect`
(MuJoCo releases the GIL while stepping); the CPU-time ratio, which counts that thread, is printed too.

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
from tqdm import tqdm  # noqa: E402

from xembody.data.collect import CollectConfig, Collector, EpisodeWriter  # noqa: E402
from xembody.data.store import EpisodeStore  # noqa: E402


def bench(hand: str, task: str, episodes: int) -> dict:
    torch.set_num_threads(1)
    cfg = CollectConfig(hand=hand, task=task, episodes=episodes).resolved()
    collector = Collector(cfg)
    scene = collector.scene
    with tempfile.TemporaryDirectory() as tmp:
        store = EpisodeStore.create(tmp)
        names = {i: cfg.episode_name(i) for i in range(episodes)}
        writer = EpisodeWriter(store, names, tqdm(disable=True))
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(episodes):  # what `xembody collect --workers 1` does
            writer.put(*collector(i))
        writer.close()
        collect_s, collect_cpu = time.perf_counter() - wall, time.process_time() - cpu
        recorded = [store.read(n) for n in names.values()]
        write_s = time.perf_counter()
        for i, ep in enumerate(recorded):
            store.write(f"again-{i}", ep)
        write_s = (time.perf_counter() - write_s) / episodes
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
        "cpu_ratio": collect_cpu / bare_s,
        "write_ms": 1000 * write_s,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hand", default="allegro")
    p.add_argument("--box-episodes", type=int, default=20)
    p.add_argument("--plasticine-episodes", type=int, default=3)
    a = p.parse_args()
    print(f"hand {a.hand}, one worker process, control 10 Hz, physics 2 ms")
    head = (
        "task",
        "episodes",
        "frames",
        "frames/s",
        "bare frames/s",
        "x realtime",
        "wall ratio",
        "cpu ratio",
        "write ms/ep",
    )
    print(" ".join(f"{h:>13}" for h in head))
    for task, n in (("box", a.box_episodes), ("plasticine", a.plasticine_episodes)):
        if n < 1:
            continue
        r = bench(a.hand, task, n)
        cols = (
            "task",
            "episodes",
            "frames",
            "collect_fps",
            "bare_fps",
            "realtime",
            "ratio",
            "cpu_ratio",
            "write_ms",
        )
        print(" ".join(f"{r[c]:>13.2f}" if isinstance(r[c], float) else f"{r[c]:>13}" for c in cols))
    print(
        "wall ratio: collection / bare mj_step time (target <= 1.3 for box); "
        "cpu ratio counts the writer thread"
    )


if __name__ == "__main__":
    main()
