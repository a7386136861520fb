"""Simulated human recordings, labelled as such: what a keypoint tracker and a depth camera would have
seen of a simulated human-hand episode, written in the recording format (`tracks.py`), so that they go
through exactly the importer real recordings go through.

From each episode of a dataset collected with `--hand human`: the 21 keypoints of the simulated hand
(its FK of the recorded joint positions) with Gaussian tracking noise and whole-frame dropouts (NaN), and
the object's particles as a depth camera sees them: only those nearest the camera along their line of
sight (a z-buffer over angular bins, the hand's particles occluding too), with noise: the depth camera of
`xembody.sensing`, which also gives `xembody plan --observe camera` its observations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xembody.errors import XembodyError
from xembody.io import atomic_path
from xembody.sensing import BIN_DEGREES, CAMERA, POINT_NOISE, visible


@dataclass(frozen=True)
class SensorConfig:
    keypoint_noise: float = 0.002  # m, std per coordinate (a good RGB-D hand tracker)
    dropout: float = 0.05  # probability that a frame's hand is not tracked
    point_noise: float = POINT_NOISE  # m, depth noise per object point
    camera: tuple[float, float, float] = CAMERA  # m, looking at the table centre
    bin_degrees: float = BIN_DEGREES  # angular resolution of the z-buffer
    seed: int = 0


def recording_from_episode(arrays: dict, human, cfg: SensorConfig, rng: np.random.Generator) -> dict:
    """One simulated human episode's arrays -> the arrays of a recording file."""
    import torch

    with torch.no_grad():
        kp = human.keypoints(torch.as_tensor(arrays["qpos"], dtype=torch.float64)).numpy()
    kp = kp + rng.normal(0.0, cfg.keypoint_noise, kp.shape)
    kp[rng.random(len(kp)) < cfg.dropout] = np.nan
    cam = np.asarray(cfg.camera)
    obj, hand = arrays["object_points"], arrays["hand_points"]
    seen = [o[visible(o, h, cam, cfg.bin_degrees)] for o, h in zip(obj, hand, strict=True)]
    m = max(len(s) for s in seen)
    clouds = np.full((len(obj), m, 3), np.nan)
    for t, s in enumerate(seen):
        clouds[t, : len(s)] = s + rng.normal(0.0, cfg.point_noise, s.shape)
    return {"keypoints": kp, "object_points": clouds, "fps": 1.0 / arrays["dt"], "handedness": "right"}


def simulate_recordings(dataset: Path, out: Path, cfg: SensorConfig = SensorConfig()) -> list[Path]:
    """Write one recording (.npz, `source = simulated`) per human episode of `dataset` into `out` (those
    already there are kept)."""
    from xembody.data.store import EpisodeStore
    from xembody.embodiments import load_hand

    store = EpisodeStore.open(dataset)
    names = [n for n in store.names() if store.attrs(n).get("hand") == "human"]
    if not names:
        raise XembodyError(f"{dataset}: no human-hand episodes (collect some with --hand human)")
    human = load_hand("human")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, name in enumerate(names):
        path = out / f"{name}.npz"
        if path.exists():  # written atomically and deterministically: an interrupted run resumes here
            written.append(path)
            continue
        ep = store.read(name)
        rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, i]))
        rec = recording_from_episode({**ep.arrays, "dt": ep.attrs["dt"]}, human, cfg, rng)
        labels = {k: ep.attrs[k] for k in ("task", "object", "policy")}  # kept as the import's attributes
        with atomic_path(path) as tmp:
            np.savez_compressed(tmp, **rec, source="simulated", episode=name, **labels)
        written.append(path)
    return written


@dataclass(frozen=True)
class DemonstrationConfig:
    """Write simulated human demonstrations (labelled source=simulated) for `xembody imitate`: the simulated
    human hand pushes and turns the box through several poses (short pushes, each followed by a pause),
    seen through the simulated tracker and depth camera."""

    out: Path
    """Directory for the .npz recordings (and NAME.pose.npy: the object's true pose per frame, (T, 7))."""
    task: str = "box"
    """box (pushes and turns), or plasticine (the human pressing the clay as a named goal shape's script
    says, `experiments.clay_demos`; NAME.particles.npy beside each: the clay's true particles per frame)."""
    n: int = 10
    """Recordings to write."""
    frames: int = 60
    """Frames per recording (10 Hz; box: plasticine recordings last as long as their script)."""
    min_motion: tuple[float, float] = (0.03, 20.0)
    """A recording is kept if its object ends at least this far (m) or turned this much (degrees) from
    where it began ..."""
    max_radius: float = 0.15
    """... and never leaves this distance (m) of the table centre (the camera's view, the hands' reach)."""
    attempts: int = 20
    """Episodes drawn per recording before giving up."""
    presses: int | None = None
    """Plasticine: only the first N presses of each recording's script (smoke runs, tests)."""
    seed: int = 0


def demonstration_recordings(cfg: DemonstrationConfig) -> list[Path]:
    """Write `cfg.n` demonstrations (`demo` policy, human hand) as recordings; existing ones are kept.
    Recording i is the first of its episodes (seed, i, attempt) whose object moves enough and stays near
    the centre (`DemonstrationConfig`)."""
    from xembody.embodiments import hand_frame
    from xembody.explore import UnstableEpisode, episode_rng, run_episode
    from xembody.geometry import yaw_of
    from xembody.sim.tasks import make_scene

    if cfg.task != "box":
        raise XembodyError(f"demonstrations of {cfg.task!r}: box here (plasticine: experiments.clay_demos)")
    scene = make_scene("human", cfg.task, seed=0)
    frame = hand_frame(scene.hand)
    sensor = SensorConfig(seed=cfg.seed)
    cfg.out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(cfg.n):
        path = cfg.out / f"{cfg.task}-demo-s{cfg.seed}-{i:03d}.npz"
        if path.exists():  # written atomically and deterministically: an interrupted run resumes here
            written.append(path)
            continue
        for attempt in range(cfg.attempts):
            try:
                ep = run_episode(scene, frame, "demo", cfg.frames, episode_rng(cfg.seed, i, attempt))
            except UnstableEpisode:
                continue
            pose = ep.arrays["object_pose"].astype(np.float64)
            turn = abs(np.rad2deg(np.angle(np.exp(1j * (yaw_of(pose[-1, 3:]) - yaw_of(pose[0, 3:]))))))
            moved = np.hypot(*(pose[-1, :2] - pose[0, :2])) >= cfg.min_motion[0] or turn >= cfg.min_motion[1]
            if moved and np.linalg.norm(pose[:, :2], axis=1).max() <= cfg.max_radius:
                break
        else:
            raise XembodyError(
                f"recording {i}: no demonstration in {cfg.attempts} attempts moved the box enough"
            )
        rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, i]))
        rec = recording_from_episode({**ep.arrays, "dt": ep.attrs["dt"]}, scene.hand, sensor, rng)
        np.save(cfg.out / f"{path.stem}.pose.npy", pose)  # the truth, for checking what imitation registers
        with atomic_path(path) as tmp:
            np.savez_compressed(
                tmp,
                **rec,
                source="simulated",
                task=cfg.task,
                object=scene.obj.name,
                policy="demo",
                attempt=attempt,
            )
        written.append(path)
    return written
