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
