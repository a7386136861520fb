"""A human demonstration as subgoals for any hand: the recorded object's pose path and its keyframes.

A recording (`data.tracks`: 21 keypoints and the object's observed, partial, unordered points per frame)
is read and its untrusted frames dropped by the caller (`experiments.imitate`: planning sees no data
files). For a rigid object, the object's template (its particles in its own frame, from the task's
object) is registered to every kept frame's cloud
(`perception.register`: ICP in the table plane, the first frame from several yaws, then tracked), which
gives a pose path (x, y, yaw). Keyframes (`KeyframeRule`) are taken from that path:

* where the object's motion settles: its mean particle speed, measured over `window` frames, stays below
  `settle_speed` for `settle_frames` frames after it moved;
* where the motion has gone on for `every` recording frames since the last keyframe or settling (a long
  motion still gets intermediate subgoals; counting from a settling keeps them off the end of a push);
* always at the last kept frame (the demonstration's end);
* a keyframe less than `min_shift` (2 cm) and `min_turn` (10 degrees) from the previous one (or the
  start), i.e. one the success criteria would count as reached already, is dropped; the last frame then
  replaces the previous keyframe, so the end is always the recording's final pose.

Refused in one line naming the recording: an object that never fits the template, one that does not move,
and a path that leaves the workspace (the caller refuses recordings with no usable frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xembody.errors import XembodyError
from xembody.goals import POSITION_TOLERANCE, YAW_TOLERANCE, Goal, check_points
from xembody.planning.perception import Registration, register


@dataclass(frozen=True)
class KeyframeRule:
    """When the recorded object's path gives a subgoal (module docstring). Speeds are the mean speed of the
    object's particles, so a turn counts by how far its points travel."""

    every: int = 20  # recording frames: at least one keyframe this often (2 s at 10 Hz)
    settle_speed: float = 0.02  # m/s: slower is still (registration noise of ~2 mm over 3 frames is 0.007)
    settle_frames: int = 3  # still frames in a row, after moving, that make the motion settled
    window: int = 3  # frames over which the speed is measured (one frame's registration noise is large)
    min_shift: float = POSITION_TOLERANCE  # m: a keyframe nearer than this and `min_turn` to the previous
    min_turn: float = YAW_TOLERANCE  # degrees: one is dropped (it would count as reached already)
    max_residual: float = 0.01  # m: a frame whose cloud fits the template worse (mean distance) is dropped


@dataclass(frozen=True)
class Demonstration:
    """A recording's object path and its subgoals.

    `frames` (K,): the recording frames with a registered pose; `poses` (K, 3): x, y (m), yaw (rad) of the
    object's frame there; `keyframes`: indices into `frames` of the subgoals, in order, the last being the
    last kept frame; `residuals` (K,): each registration's mean distance, m; `unregistered`: kept frames
    dropped because their cloud does not fit the template."""

    fps: float
    frames: np.ndarray
    poses: np.ndarray
    keyframes: list[int]
    residuals: np.ndarray
    unregistered: int

    @property
    def start(self) -> np.ndarray:
        """The object's first registered pose (3,)."""
        return self.poses[0]

    def goal(self, k: int, template: np.ndarray, symmetry: float) -> Goal:
        """The k-th subgoal: the object's particles `template` (No, 3, its own frame) at keyframe k's pose."""
        pose = self.poses[self.keyframes[k]]
        return Goal(place(template, pose), pose.copy(), symmetry)


def place(template: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Particles (No, 3) given in the object's frame, at pose (x, y, yaw) on the table, (No, 3)."""
    c, s = np.cos(pose[2]), np.sin(pose[2])
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return template @ rot.T + np.array([pose[0], pose[1], 0.0])


def displacement(template: np.ndarray, a: np.ndarray, b: np.ndarray, symmetry: float) -> float:
    """Mean distance the particles travel from pose a to pose b (3,), m; turns count modulo `symmetry`."""
    turn = (b[2] - a[2] + symmetry / 2) % symmetry - symmetry / 2
    return float(np.linalg.norm(place(template, a) - place(template, [*b[:2], a[2] + turn]), axis=1).mean())


def speeds(template: np.ndarray, poses: np.ndarray, times: np.ndarray, symmetry: float, window: int):
    """Mean particle speed (m/s) at each pose (K, 3) over the last `window` poses (fewer at the start;
    0 at the first), (K,)."""
    out = np.zeros(len(poses))
    for k in range(1, len(poses)):
        j = max(0, k - window)
        out[k] = displacement(template, poses[j], poses[k], symmetry) / max(times[k] - times[j], 1e-9)
    return out


def far_enough(a: np.ndarray, b: np.ndarray, rule: KeyframeRule, symmetry: float) -> bool:
    """Whether pose b (3,) is at least the rule's minimum step from pose a (shift or turn)."""
    turn = abs((b[2] - a[2] + symmetry / 2) % symmetry - symmetry / 2)
    return bool(np.hypot(*(b[:2] - a[:2])) >= rule.min_shift or np.rad2deg(turn) >= rule.min_turn)


def keyframes(
    template: np.ndarray,
    poses: np.ndarray,
    frames: np.ndarray,
    fps: float,
    symmetry: float = 2 * np.pi,
    rule: KeyframeRule = KeyframeRule(),
) -> list[int]:
    """Indices into `poses` (K, 3) (taken at recording frames `frames` (K,)) of the subgoals, by `rule`
    (module docstring); empty when the object never moves a minimum step from its start."""
    v = speeds(template, poses, frames / fps, symmetry, rule.window)
    keys: list[int] = []
    last = since = 0  # the last keyframe; the last keyframe or settling (a due keyframe counts from it)
    moved, still = False, 0
    for k in range(1, len(poses)):
        if v[k] >= rule.settle_speed:
            moved, still = True, 0
        else:
            still += 1
        settled = moved and still >= rule.settle_frames
        due = frames[k] - frames[since] >= rule.every
        if (settled or due) and far_enough(poses[last], poses[k], rule, symmetry):
            keys.append(k)
            last = since = k
            moved = False
        elif settled:  # a small motion that settled near the last keyframe: wait for the next one
            moved, since = False, k
    end = len(poses) - 1
    if keys and keys[-1] == end:
        return keys
    if far_enough(poses[keys[-1] if keys else 0], poses[end], rule, symmetry):
        return [*keys, end]
    return [*keys[:-1], end] if keys else []


def register_path(
    clouds: np.ndarray, keep: np.ndarray, template: np.ndarray, symmetry: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The template (No, 3, the object's frame) registered to each kept frame's cloud (`clouds` (T, M, 3),
    NaN-padded; `keep` (T,) bool), tracked from frame to frame: (frames (K,), poses (K, 3), residuals
    (K,)). Yaws are continuous along the path (no jump by the object's symmetry)."""
    last: Registration | None = None
    frames, poses, residuals = [], [], []
    for t in np.flatnonzero(keep):
        cloud = clouds[t][np.isfinite(clouds[t]).all(1)]
        last = register(cloud, template, last, symmetry, centre=np.zeros(2))
        frames.append(t)
        poses.append([*last.shift, last.yaw])
        residuals.append(last.residual)
    poses = np.array(poses).reshape(-1, 3)
    # Each registration is the twin within half a symmetry of zero: a path turning past it would jump a
    # half turn, and the planner's corresponding-particle cost would then turn the object the long way
    # round. Each yaw is taken as the twin nearest the previous one (about the template's origin, the
    # symmetry's centre: the same points).
    poses[:, 2] = np.unwrap(poses[:, 2], period=symmetry)
    return np.array(frames, dtype=np.int64), poses, np.array(residuals)


def demonstration(
    clouds: np.ndarray,
    keep: np.ndarray,
    fps: float,
    template: np.ndarray,
    symmetry: float = 2 * np.pi,
    rule: KeyframeRule = KeyframeRule(),
    where: str = "recording",
) -> Demonstration:
    """A rigid object's recorded clouds (T, M, 3) (NaN-padded; frames `keep` (T,) bool trusted, at `fps`)
    as its path and subgoals, its particles in its own frame being `template` (No, 3); one-line errors
    starting with `where` (the file) for what cannot be imitated."""
    frames, poses, residuals = register_path(clouds, keep, template, symmetry)
    fits = residuals <= rule.max_residual
    if fits.sum() < 2:
        raise XembodyError(
            f"{where}: the object's points fit its template in {int(fits.sum())} frames "
            f"(mean distance <= {rule.max_residual} m): another object, or too few frames"
        )
    frames, poses, residuals = frames[fits], poses[fits], residuals[fits]
    for t, pose in zip(frames, poses, strict=True):
        check_points(place(template, pose), len(template), f"{where}: the object's path at frame {t}")
    keys = keyframes(template, poses, frames, fps, symmetry, rule)
    if not keys:
        raise XembodyError(
            f"{where}: the object never moves {rule.min_shift} m or turns {rule.min_turn} degrees: "
            "nothing to imitate"
        )
    return Demonstration(fps, frames, poses, keys, residuals, int((~fits).sum()))
