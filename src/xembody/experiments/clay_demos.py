"""Simulated human demonstrations on clay, labelled as such: the human hand presses the MPM lump the way a
named goal shape's script says, and is seen as a real demonstration would be.

Recording i runs the script of the i-th named shape in turn (`goal_shapes.SHAPES`), `PASSES` times over,
with the simulated human hand from the standard start, every spot moved by Gaussian noise (`spot_noise`,
seeded by (seed, i)), so no two recordings are the same press sequence. Every control step is a frame:
the hand's 21 keypoints (tracker noise, dropouts) and the clay as `sensing.CLAY_CAMERA` sees it (its
material points, the hand occluding, depth noise), written by `data.synthetic_tracks.recording_from_episode`,
so the recordings go through the importer path real ones take. Beside each, `STEM.particles.npy`
(T, No, 3): the clay's model particles per frame, in correspondence with every robot's (the same standard
start): the truth an imitation is scored on, which a real recording would not have.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from xembody.data.synthetic_tracks import DemonstrationConfig, SensorConfig, recording_from_episode
from xembody.io import atomic_path, atomic_write
from xembody.sensing import CLAY_CAMERA

SPOT_NOISE = 0.005  # m: how far the human's presses land from the script's spots (a person is not a script)
# The human's palm is smaller than LEAP's, which made the shapes: one pass of a script moves the clay only
# 0.014-0.020 from the start (Chamfer + EMD), about what leaving it alone scores against the end. Each
# recording runs its script this many times over, so the clay ends far from the start.
PASSES = 2


def particles_path(recording: Path) -> Path:
    """Where a simulated clay recording's true particles (T, No, 3) lie."""
    return recording.with_name(f"{recording.stem}.particles.npy")


def clay_demonstration_recordings(cfg: DemonstrationConfig, spot_noise: float = SPOT_NOISE) -> list[Path]:
    """Write `cfg.n` clay demonstrations (module docstring) into `cfg.out`; existing ones are kept
    (each is written atomically and deterministically: an interrupted run resumes)."""
    from xembody.embodiments import load_hand
    from xembody.experiments.goal_shapes import SHAPES, run_script

    human = load_hand("human")
    sensor = SensorConfig(seed=cfg.seed, bin_degrees=CLAY_CAMERA.bin_degrees)
    names = sorted(SHAPES)
    cfg.out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in tqdm(range(cfg.n), desc="clay demonstrations", unit="recording"):
        name = names[i % len(names)]
        path = cfg.out / f"plasticine-demo-s{cfg.seed}-{i:03d}.npz"
        if path.exists() and particles_path(path).exists():
            written.append(path)
            continue
        frames: dict[str, list] = {"qpos": [], "object_points": [], "hand_points": [], "particles": []}

        def record(scene, frames=frames) -> None:
            frames["qpos"].append(scene.qpos())
            frames["object_points"].append(scene.obj.surface(scene.data))  # what the camera looks at
            frames["hand_points"].append(scene.hand_points())
            frames["particles"].append(scene.object_points())

        shape = replace(SHAPES[name], steps=(SHAPES[name].steps * PASSES)[: cfg.presses])
        _, scene = run_script(shape, "human", spot_noise, seed=cfg.seed * 1_000_003 + i, on_frame=record)
        arrays = {k: np.stack(v) for k, v in frames.items()}
        rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, i]))
        rec = recording_from_episode({**arrays, "dt": 1.0 / scene.physics.control_hz}, human, sensor, rng)
        atomic_write(
            particles_path(path), lambda tmp, a=arrays: np.save(tmp, a["particles"].astype(np.float32))
        )
        with atomic_path(path) as tmp:
            np.savez_compressed(
                tmp,
                **rec,
                source="simulated",
                task="plasticine",
                object=scene.obj.name,
                policy=f"script:{name}",
            )
        written.append(path)
    return written
