"""What a controller sees at one instant: the hand's own state and the object's points.

A planner is given an `Observation` and nothing else: on a robot, the hand's state comes from its driver
(actuator targets, joint encoders) and the object's points from a camera or tracker; in simulation the
closed-loop runner fills it from MuJoCo's state, as a robot driver would. Object points may be any number,
unordered where the source gives no correspondence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xembody.errors import XembodyError


@dataclass(frozen=True)
class Observation:
    """One observation.

    ctrl (n_ctrl,): the actuator targets in force (wrist then hand actuators); object_points (N, 3): the
    object's observed points, world frame, metres; hand_points (Nh, 3): the hand's particles, world frame
    (from forward kinematics of the joint state); qpos (dof,): joint positions where the hand reports them.
    """

    ctrl: np.ndarray
    object_points: np.ndarray
    hand_points: np.ndarray
    qpos: np.ndarray | None = None

    def __post_init__(self):
        for name, width in (("object_points", 3), ("hand_points", 3)):
            a = getattr(self, name)
            if a.ndim != 2 or a.shape[1] != width or not len(a):
                raise XembodyError(f"observation {name} must have shape (N, 3) with N > 0, got {a.shape}")

    @property
    def object_centre(self) -> np.ndarray:
        """Centroid of the object's points, (3,)."""
        return self.object_points.mean(0)

    @property
    def object_top(self) -> float:
        """Height of the object's highest point, m."""
        return float(self.object_points[:, 2].max())
