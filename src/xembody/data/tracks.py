"""Human-hand recordings: an open file format, and which of its frames can be trusted.

One recording is one `.npz` file:
* `keypoints` (T, 21, 3) float: hand keypoints, metres, world frame (z up, table top at z = 0), in
  MediaPipe / MANO order (`embodiments/human.py`: 0 wrist, thumb 1-4, index 5-8, middle 9-12, ring 13-16,
  little 17-20); NaN where not tracked;
* `object_points` (T, M, 3) float: the object's observed points per frame (a depth camera's partial
  view), no correspondence across frames; frames with fewer points pad with NaN rows;
* `fps` () float: frame rate;
* `handedness` () str: `right` or `left`; left hands are mirrored across x = 0 (the object too) into
  the right hand we model;
* any other scalar, e.g. `source` (`realsense+mediapipe`, or `simulated` for synthetic tracks), is kept
  as an attribute.

Frames are dropped, and counted by reason, when the hand is missing (any keypoint NaN or Inf), implausible (a
bone more than `bone_tolerance` off the recording's median length), jumps (a keypoint moving faster than
`max_speed` since the last kept frame), or the object is barely seen (fewer than `min_object_points`).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from xembody.embodiments.human import BASE_KEYPOINT, N_KEYPOINTS
from xembody.errors import XembodyError
from xembody.explore.episode import Episode

# (parent, child) keypoints of every bone: wrist to each finger base, then along each finger.
BONES = tuple((0, b) for b in BASE_KEYPOINT.values()) + tuple(
    (b + i, b + i + 1) for b in BASE_KEYPOINT.values() for i in range(3)
)


@dataclass(frozen=True)
class Track:
    keypoints: np.ndarray  # (T, 21, 3)
    object_points: np.ndarray  # (T, M, 3), NaN-padded
    fps: float
    handedness: str
    attrs: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.keypoints)


@dataclass(frozen=True)
class FrameChecks:
    bone_tolerance: float = 0.5  # fraction of the median bone length: tracker failures, not noise
    max_speed: float = 2.0  # m/s of any keypoint between kept frames
    min_object_points: int = 10


NPZ_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive of .npy files
NPY_MAGIC = b"\x93NUMPY"


def read_track(path: str | Path) -> Track:
    """Read and check one recording; bad files get a one-line error naming the file and the problem."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(len(NPY_MAGIC))
    except OSError as e:
        raise XembodyError(f"{path}: cannot read ({e.strerror})") from None
    if not head.startswith(NPZ_MAGIC):  # np.load would guess a pickle and suggest allow_pickle=True
        if not head:
            what = "an empty file"
        elif head.startswith(NPY_MAGIC):
            what = "a single .npy array, not an archive of the recording's arrays"
        else:
            what = "not a zip archive"
        raise XembodyError(f"{path}: not an .npz recording ({what}; the format is in xembody.data.tracks)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as e:
        if "pickle" not in str(e):
            raise XembodyError(f"{path}: not a readable .npz recording (ValueError: {e})") from None
        why = "holds Python objects, not arrays"
        raise XembodyError(f"{path}: not a readable .npz recording ({why})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise XembodyError(f"{path}: not a readable .npz recording ({type(e).__name__}: {e})") from None
    missing = [k for k in ("keypoints", "object_points", "fps", "handedness") if k not in arrays]
    if missing:
        raise XembodyError(f"{path}: missing arrays {', '.join(missing)}")
    try:
        kp, obj = arrays["keypoints"].astype(np.float64), arrays["object_points"].astype(np.float64)
    except (TypeError, ValueError):
        raise XembodyError(
            f"{path}: keypoints and object_points must be numbers, got "
            f"{arrays['keypoints'].dtype} and {arrays['object_points'].dtype}"
        ) from None
    if kp.ndim != 3 or kp.shape[1:] != (N_KEYPOINTS, 3):
        raise XembodyError(f"{path}: keypoints must be (T, 21, 3), got {kp.shape}")
    if obj.ndim != 3 or obj.shape[0] != len(kp) or obj.shape[2] != 3:
        raise XembodyError(f"{path}: object_points must be (T={len(kp)}, M, 3), got {obj.shape}")
    if arrays["fps"].shape != () or arrays["handedness"].shape != ():
        raise XembodyError(f"{path}: fps and handedness must be single values (scalars)")
    try:
        fps, hand = float(arrays["fps"]), str(arrays["handedness"])
    except (TypeError, ValueError):
        raise XembodyError(f"{path}: fps must be a number, got {arrays['fps']!r}") from None
    if not np.isfinite(fps) or fps <= 0:
        raise XembodyError(f"{path}: fps must be positive, got {fps}")
    if hand not in ("right", "left"):
        raise XembodyError(f"{path}: handedness must be 'right' or 'left', got {hand!r}")
    attrs = {
        k: str(v) for k, v in arrays.items() if k not in ("keypoints", "object_points", "fps", "handedness")
    }
    track = Track(kp, obj, fps, hand, attrs)
    return mirrored(track) if hand == "left" else track


def mirrored(track: Track) -> Track:
    """The track reflected across the x = 0 plane: a left hand becomes a right hand (the object too)."""
    flip = np.array([-1.0, 1.0, 1.0])
    other = "right" if track.handedness == "left" else "left"
    return replace(
        track, keypoints=track.keypoints * flip, object_points=track.object_points * flip, handedness=other
    )


def bone_lengths(keypoints: np.ndarray) -> np.ndarray:
    """(T, 21, 3) -> (T, n_bones) metres."""
    parents, children = np.array(BONES).T
    return np.linalg.norm(keypoints[:, children] - keypoints[:, parents], axis=-1)


def frame_filter(track: Track, checks: FrameChecks = FrameChecks()) -> tuple[np.ndarray, dict[str, int]]:
    """Which frames to keep, (T,) bool, and how many were dropped for each reason."""
    kp = track.keypoints
    dropped = {"missing_hand": 0, "implausible_hand": 0, "jump": 0, "object_unseen": 0}
    tracked = np.isfinite(kp).all((1, 2))
    lengths = np.full((track.frames, len(BONES)), np.nan)
    # Untracked frames (NaN, Inf) never enter the arithmetic; a degenerate or absurdly large hand gives
    # NaN or Inf ratios below, which are implausible rather than warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lengths[tracked] = bone_lengths(kp[tracked])
        median = np.median(lengths[tracked], axis=0) if tracked.any() else np.ones(len(BONES))
        plausible = (np.abs(lengths / median - 1.0) <= checks.bone_tolerance).all(1)
    seen = np.isfinite(track.object_points).all(-1).sum(1) >= checks.min_object_points
    keep = np.zeros(track.frames, dtype=bool)
    last = None
    for t in range(track.frames):
        if not tracked[t]:
            dropped["missing_hand"] += 1
        elif not plausible[t]:
            dropped["implausible_hand"] += 1
        elif last is not None and _too_fast(kp[t], kp[last], (t - last) / track.fps, checks.max_speed):
            dropped["jump"] += 1
        elif not seen[t]:
            dropped["object_unseen"] += 1
        else:
            keep[t], last = True, t
    return keep, dropped


def read_usable(
    path: str | Path, checks: FrameChecks = FrameChecks()
) -> tuple[Track, np.ndarray, dict[str, int]]:
    """Read a recording and find its trusted frames: (track, keep (T,) bool, frames dropped by reason).
    One-line errors naming the file for an object never seen and for no usable frames."""
    track = read_track(path)
    keep, dropped = frame_filter(track, checks)
    seen = np.isfinite(track.object_points).all(-1).sum(1)
    if track.frames == 0 or seen.max(initial=0) < checks.min_object_points:
        raise XembodyError(
            f"{path}: the object is never seen (fewer than {checks.min_object_points} points in every frame)"
        )
    if not keep.any():
        why = ", ".join(f"{k} {v}" for k, v in dropped.items() if v)
        raise XembodyError(f"{path}: no usable frames (dropped: {why})")
    return track, keep, dropped


def _too_fast(a: np.ndarray, b: np.ndarray, seconds: float, max_speed: float) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):
        return not bool(np.linalg.norm(a - b, axis=-1).max() <= max_speed * seconds)


def segments(keep: np.ndarray, min_frames: int) -> list[np.ndarray]:
    """Runs of consecutive kept frames with at least `min_frames` frames, as index arrays."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], keep.astype(np.int8), [0]])))
    return [np.arange(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_frames]


def resample(points: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A frame's seen points (M, 3) with NaN rows -> exactly n of them (drawn again if fewer), (n, 3)."""
    seen = points[np.isfinite(points).all(1)]
    return seen[rng.choice(len(seen), n, replace=len(seen) < n)]


def track_episodes(
    track: Track,
    name: str,
    task: str,
    object_name: str | None = None,
    checks: FrameChecks = FrameChecks(),
    min_frames: int = 6,
    seed: int = 0,
) -> tuple[list[tuple[str, Episode]], dict[str, int]]:
    """A recording as episodes of the data contract: one per run of trusted frames, hand particles from the
    keypoints through the human embodiment, object points resampled to the task's count per frame (they do
    not correspond across frames: train on them with Chamfer + EMD). Also returns the dropped-frame counts.
    `object_name` defaults to the task's object.
    """
    import torch

    from xembody.embodiments import load_hand
    from xembody.sim.tasks import get_task

    t = get_task(task)
    human = load_hand("human", n_points=t.n_hand_points, seed=0)  # seed 0: the simulated data's particles
    keep, dropped = frame_filter(track, checks)
    rng = np.random.default_rng(seed)
    out = []
    for k, idx in enumerate(segments(keep, min_frames)):
        with torch.no_grad():
            hand = human.points_from_keypoints(torch.as_tensor(track.keypoints[idx])).numpy()
        obj = np.stack([resample(track.object_points[i], t.n_object_points, rng) for i in idx])
        arrays = {
            "hand_points": hand.astype(np.float32),
            "object_points": obj.astype(np.float32),
            "keypoints": track.keypoints[idx].astype(np.float32),
        }
        attrs = {
            "hand": "human",
            "dof": human.dof,
            "task": task,
            "object_kind": "rigid" if t.name == "box" else "deformable",
            "object": object_name or t.object,
            "dt": 1.0 / track.fps,
            "source": "human",
            "engine": track.attrs.get("source", "tracked"),
            "seed": seed,
            "recording": name,
            "frames": idx.tolist(),
            "correspondence": False,
            "dropped_frames": dropped,
            "recorded": dict(track.attrs),  # the file's own scalars (source, labels of simulated data)
        }
        out.append((f"{name}-{k:03d}", Episode(arrays, attrs)))
    return out, dropped
