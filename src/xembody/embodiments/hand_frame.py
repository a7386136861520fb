"""The geometry of any hand that motion primitives need, found from its kinematics alone (no per-hand tables).

* Which end of each actuator's range closes the hand: the end where the particles gather tighter.
* A palm-down orientation: fingers horizontal, and closing the fingers moves them down. For grippers whose
  fingers close symmetrically (no net closing motion) the fingers point straight down instead.
* Hand geometry relative to the wrist for a given orientation and finger control, so a policy can put the
  hand's lowest or leading particles where it wants them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from xembody.embodiments.hand import MjcfHand
from xembody.geometry import euler_xyz, rotation_between


@dataclass(frozen=True)
class HandFrame:
    open_ctrl: np.ndarray  # (n_ctrl,) every hand actuator at its opening end (wrist part = default)
    closed_ctrl: np.ndarray  # (n_ctrl,) every hand actuator at its closing end
    palm_down: np.ndarray  # (3, 3) wrist rotation that puts the palm down, fingers along +x

    def ctrl(self, closure: np.ndarray | float) -> np.ndarray:
        """Hand actuator targets between open (0) and closed (1), per actuator or for all, (n_ctrl,)."""
        return self.open_ctrl + np.asarray(closure) * (self.closed_ctrl - self.open_ctrl)


def hand_frame(hand: MjcfHand) -> HandFrame:
    lo, hi = hand.ctrl_limits.T
    base = hand.default_ctrl
    base[:6] = 0.0  # wrist at the origin, unrotated
    n = hand.n_ctrl - 6
    trials = np.repeat(base[None], 2 * n, axis=0)
    for a in range(n):
        trials[2 * a, 6 + a], trials[2 * a + 1, 6 + a] = lo[6 + a], hi[6 + a]
    pts = points_at(hand, trials)
    spread = np.linalg.norm(pts - pts.mean(1, keepdims=True), axis=-1).mean(-1).reshape(n, 2)
    closes_high = spread[:, 1] < spread[:, 0]
    open_ctrl, closed_ctrl = base.copy(), base.copy()
    open_ctrl[6:] = np.where(closes_high, lo[6:], hi[6:])
    closed_ctrl[6:] = np.where(closes_high, hi[6:], lo[6:])
    p_open, p_closed = points_at(hand, np.stack([open_ctrl, closed_ctrl]))
    fingers = finger_axis(hand, p_open)
    motion = (p_closed - p_open).mean(0)
    normal = motion - motion.dot(fingers) * fingers
    if np.linalg.norm(normal) > 0.2 * np.linalg.norm(p_closed - p_open, axis=1).mean():
        normal /= np.linalg.norm(normal)
        hand_axes = np.stack([fingers, normal, np.cross(fingers, normal)], axis=1)
        world_axes = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # columns: +x, -z, +y
        palm_down = world_axes @ hand_axes.T
    else:  # a gripper: fingers straight down
        palm_down = rotation_between(fingers, np.array([0.0, 0.0, -1.0]))
    return HandFrame(open_ctrl, closed_ctrl, palm_down)


def finger_axis(hand: MjcfHand, points: np.ndarray) -> np.ndarray:
    """Unit vector from the hand's base link to its distal links (those with no child), (3,).

    `points`: the hand's particles (Nh, 3) in some pose. The base is the particle-carrying link nearest
    the root of the kinematic tree; distal links are the fingertips (or gripper pads).
    """
    m, links = hand.model, list(hand.link_ids)
    parents = {int(m.body_parentid[b]) for b in links}
    depth = [_depth(m, b) for b in links]
    base = int(np.argmin(depth))
    tips = [i for i, b in enumerate(links) if b not in parents]
    on = lambda idx: np.isin(hand.point_link, idx)  # noqa: E731
    axis = points[on(tips)].mean(0) - points[on([base])].mean(0)
    return axis / (np.linalg.norm(axis) + 1e-12)


def _depth(model, body: int) -> int:
    d = 0
    while body != 0:
        body, d = int(model.body_parentid[body]), d + 1
    return d


def points_at(hand: MjcfHand, ctrl: np.ndarray) -> np.ndarray:
    """Particles at actuator targets (B, n_ctrl) -> (B, Nh, 3), placed by MuJoCo's kinematics (policies call
    this every segment; for one pose it is ~50x cheaper than the batched torch FK)."""
    with torch.no_grad():
        qpos = hand.ctrl_to_qpos(torch.as_tensor(ctrl)).numpy()
    return hand.points_mujoco(qpos)


def relative_points(hand: MjcfHand, rot: np.ndarray, ctrl: np.ndarray) -> np.ndarray:
    """Hand particles relative to the wrist origin with the wrist rotated by `rot`, (Nh, 3)."""
    c = np.array(ctrl, dtype=np.float64)
    c[:3], c[3:6] = 0.0, euler_xyz(rot)
    return points_at(hand, c[None])[0]
