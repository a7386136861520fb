"""What a primitive is computed from besides the observation: the hand's geometry and the object's size."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.hand_frame import HandFrame, relative_points
from xembody.geometry import euler_xyz, lowest_layer, rot_y, rot_z
from xembody.observation import Observation
from xembody.primitives.motion import StepLimits

HOVER = 0.02  # m between the hand's lowest particles and the object's top where planning starts
YAW_LIMIT = 2.5  # rad: the wrist yaw primitives turn to, either way


@dataclass(frozen=True)
class ObjectExtent:
    """The object's nominal size: horizontal radius about its centre and height above the table, m.

    Part of the task's description (the object's dimensions), not of its state; `from_points` estimates
    it from an observed cloud where the object is unknown."""

    radius: float
    height: float

    @classmethod
    def from_points(cls, points: np.ndarray) -> ObjectExtent:
        """points (N, 3) on the object, resting on the table (z = 0)."""
        rel = points[:, :2] - points[:, :2].mean(0)
        return cls(float(np.linalg.norm(rel, axis=1).max()), float(points[:, 2].max()))


@dataclass(frozen=True)
class PrimitiveContext:
    """One hand acting on one object: its frame (which way closes, palm down), step limits, the object's
    extent."""

    hand: MjcfHand
    frame: HandFrame
    extent: ObjectExtent
    limits: StepLimits = StepLimits()

    def orientation(self, yaw: float, pitch: float) -> np.ndarray:
        """Palm-down, then fingers pitched down by `pitch`, then turned by `yaw` about world z, (3, 3)."""
        return rot_z(yaw) @ rot_y(pitch) @ self.frame.palm_down

    def targets(self, rot: np.ndarray, closure, wrist_pos: np.ndarray) -> np.ndarray:
        """Actuator targets (n_ctrl,) with the wrist at `wrist_pos` turned to `rot`, fingers at `closure`."""
        c = self.frame.ctrl(closure)
        c[:3], c[3:6] = wrist_pos, euler_xyz(rot)
        return c

    def relative(self, rot: np.ndarray, closure) -> np.ndarray:
        """Hand particles relative to the wrist origin, wrist at `rot`, fingers at `closure`, (Nh, 3)."""
        return relative_points(self.hand, rot, self.frame.ctrl(closure))


def hover_ctrl(ctx: PrimitiveContext, obs: Observation) -> np.ndarray:
    """Targets holding the open hand palm-down over the object's centre, `HOVER` above its top, (n_ctrl,)."""
    obj = obs.object_points
    ctrl = ctx.frame.open_ctrl.copy()
    rel = ctx.relative(ctx.frame.palm_down, 0.0)
    low = lowest_layer(rel, 0.015)
    ctrl[:2] = obj[:, :2].mean(0) - low[:, :2].mean(0)
    ctrl[2] = obj[:, 2].max() + HOVER - rel[:, 2].min()
    ctrl[3:6] = euler_xyz(ctx.frame.palm_down)
    return ctrl


def next_yaw(rng: np.random.Generator, previous: float | None) -> float:
    """A wrist yaw near the previous one (turning far costs many steps without contact); the first at
    random."""
    if previous is None:
        previous = rng.uniform(-np.pi, np.pi)
    return float(np.clip(previous + rng.normal(0.0, 0.5), -YAW_LIMIT, YAW_LIMIT))
