"""Goals for planning, checked before any planning starts, and how close a scene is to one.

* Box (rigid objects): a goal pose, the start pose turned by a yaw (default 45 degrees) about the object's
  origin and optionally shifted; its particles are the object's own particles at that pose. Success: yaw
  error under 10 degrees and position error under 2 cm (the paper's criteria). Yaw errors are taken modulo
  the object's symmetry (a box turned half a turn is the same box, and no point-cloud cost can tell).
* Plasticine: a goal point cloud. A reachable one is made by another hand's press sequence from the same
  start (`shape_goal`), or read from an (No, 3) .npy file. Success: Chamfer + EMD under 0.0125 (metres, both
  terms mean distances: the paper's threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xembody.errors import XembodyError
from xembody.sim.objects import RigidObject
from xembody.sim.scene import Scene

YAW_TOLERANCE = 10.0  # degrees
POSITION_TOLERANCE = 0.02  # m
SHAPE_TOLERANCE = 0.0125  # Chamfer + EMD, m
MAX_GOAL_SHIFT = 0.15  # m from the start: further is out of a hand's reach without a long transit
WORKSPACE = 0.3  # m: goal particles must stay within this of the table centre, above the table


@dataclass(frozen=True)
class Goal:
    points: np.ndarray  # (No, 3) goal particles, in the object's particle order for rigid goals
    pose: np.ndarray | None = None  # (x, y, yaw) for rigid goals
    symmetry: float = 2 * np.pi  # yaw period of the object (rigid goals)


def check_points(points: np.ndarray, n: int, where: str) -> np.ndarray:
    """Goal particles must be finite, (n, 3), on the table and within the workspace."""
    p = np.asarray(points, dtype=np.float64)
    if p.shape != (n, 3):
        raise XembodyError(
            f"{where}: goal points must have shape ({n}, 3), the object's particles; got {p.shape}"
        )
    if not np.isfinite(p).all():
        raise XembodyError(f"{where}: goal points contain NaN or Inf")
    if p[:, 2].min() < -0.005 or np.abs(p[:, :2]).max() > WORKSPACE:
        raise XembodyError(f"{where}: goal points leave the workspace (table top, |x|, |y| <= {WORKSPACE} m)")
    return p


def yaw_of(quat: np.ndarray) -> float:
    """Rotation about z of a quaternion (w, x, y, z), radians."""
    w, x, y, z = quat
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


def check_pose_goal(yaw_deg: float, shift: tuple[float, float]) -> None:
    if not np.isfinite(yaw_deg) or not -180.0 < yaw_deg <= 180.0:
        raise XembodyError(f"goal yaw {yaw_deg} degrees is unreachable: give a turn in (-180, 180]")
    if len(shift) != 2 or not np.isfinite(shift).all() or np.hypot(*shift) > MAX_GOAL_SHIFT:
        raise XembodyError(f"goal shift {tuple(shift)} m is unreachable: keep it within {MAX_GOAL_SHIFT} m")


def box_goal(scene: Scene, yaw_deg: float = 45.0, shift: tuple[float, float] = (0.0, 0.0)) -> Goal:
    """The object's current pose turned by `yaw_deg` about its origin (a box's centre, in the plane) and
    shifted by `shift` (m)."""
    obj = scene.obj
    if not isinstance(obj, RigidObject):
        raise XembodyError(f"a yaw goal needs a rigid object, not {obj.name!r}")
    check_pose_goal(yaw_deg, shift)
    pose = obj.pose(scene.data)
    pts = obj.points(scene.data)
    centre = np.array([pose[0], pose[1], 0.0])
    a = np.deg2rad(yaw_deg)
    rot = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
    goal_pts = (pts - centre) @ rot.T + centre + np.array([*shift, 0.0])
    goal_origin = rot @ (pose[:3] - centre) + centre + np.array([*shift, 0.0])
    goal_yaw = np.angle(np.exp(1j * (yaw_of(pose[3:]) + a)))
    check_points(goal_pts, len(pts), "box goal")
    return Goal(goal_pts, np.array([goal_origin[0], goal_origin[1], goal_yaw]), symmetry_of(obj))


def symmetry_of(obj: RigidObject) -> float:
    """Yaw period of an object made of centred parts: pi for a box, 2 pi otherwise (T shape)."""
    centred = all(np.allclose(p.pos[:2], 0.0) for p in obj.parts)
    if centred and all(p.type == "box" for p in obj.parts):
        return np.pi
    return 2 * np.pi


def load_goal_points(path: Path, n: int) -> Goal:
    try:
        pts = np.load(path)
    except (OSError, ValueError) as e:
        raise XembodyError(f"{path}: cannot read goal points ({e})") from None
    return Goal(check_points(pts, n, str(path)))


def rigid_errors(scene: Scene, goal: Goal) -> tuple[float, float]:
    """(yaw error in degrees modulo the object's symmetry, position error in m) of a rigid object."""
    pose = scene.obj.pose(scene.data)
    dyaw = (yaw_of(pose[3:]) - goal.pose[2]) % goal.symmetry
    dyaw = min(dyaw, goal.symmetry - dyaw)
    return float(np.rad2deg(dyaw)), float(np.hypot(*(pose[:2] - goal.pose[:2])))


def shape_error(points: np.ndarray, goal: Goal) -> float:
    """Chamfer + exact EMD between object and goal particles, m."""
    import torch

    from xembody.train.losses import chamfer, exact_emd

    a, b = torch.as_tensor(points)[None], torch.as_tensor(goal.points)[None]
    ones = torch.ones(1, len(points), dtype=torch.bool)
    return float(chamfer(a, b, ones, ones)[0]) + exact_emd(points, goal.points)


def errors(scene: Scene, goal: Goal) -> dict[str, float | bool]:
    """Distance to the goal and whether it is reached (the paper's criteria)."""
    shape = shape_error(scene.object_points(), goal)
    if goal.pose is None:
        return {"shape_error": shape, "success": shape < SHAPE_TOLERANCE}
    yaw, pos = rigid_errors(scene, goal)
    return {
        "yaw_error_deg": yaw,
        "position_error_m": pos,
        "shape_error": shape,
        "success": yaw < YAW_TOLERANCE and pos < POSITION_TOLERANCE,
    }
