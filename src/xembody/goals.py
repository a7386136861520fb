"""Goals and how close an object is to one, from what can be observed (points, and a pose for rigid objects).

* Box (rigid objects): a goal pose (x, y, yaw) and the object's particles at that pose. Success: yaw error
  under 10 degrees and position error under 2 cm (the paper's criteria). Yaw errors are taken modulo the
  object's symmetry (a box turned half a turn is the same box, and no point-cloud cost can tell).
* Plasticine: a goal point cloud. Success: Chamfer + EMD under 0.0125 (metres, both terms mean distances:
  the paper's threshold).

Goals are checked before any planning starts: a one-line error for a cloud of the wrong shape, NaN, or
points outside the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xembody.errors import XembodyError
from xembody.geometry import yaw_of

YAW_TOLERANCE = 10.0  # degrees
POSITION_TOLERANCE = 0.02  # m
SHAPE_TOLERANCE = 0.0125  # Chamfer + EMD, m
MAX_GOAL_SHIFT = 0.15  # m from the start: further is out of a hand's reach without a long transit
WORKSPACE = 0.3  # m: goal particles must stay within this of the table centre, above the table
GOAL_SHAPES = Path(__file__).with_name("goal_shapes")  # named plasticine goals shipped with the package
GOAL_SHAPES_OBJECT = "plasticine_mpm"  # the clay they were made in
GOAL_SHAPES_HAND = "leap"  # the reference hand that made NAME.npy (other hands' versions: HAND/NAME.npy)


@dataclass(frozen=True)
class Goal:
    points: np.ndarray  # (No, 3) goal particles, in the object's particle order for rigid goals
    pose: np.ndarray | None = None  # (x, y, yaw) for rigid goals
    symmetry: float = 2 * np.pi  # yaw period of the object (rigid goals)


@dataclass(frozen=True)
class GoalErrors:
    """How far an object is from a goal: Chamfer + EMD (m) always; yaw (degrees) and position (m) errors
    for rigid goals; whether the goal is reached."""

    shape_error: float
    success: bool
    yaw_error_deg: float | None = None
    position_error_m: float | None = None


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


def check_pose_goal(yaw_deg: float, shift: tuple[float, float]) -> None:
    if not np.isfinite(yaw_deg) or not -180.0 < yaw_deg <= 180.0:
        raise XembodyError(f"goal yaw {yaw_deg} degrees is unreachable: give a turn in (-180, 180]")
    if len(shift) != 2 or not np.isfinite(shift).all() or np.hypot(*shift) > MAX_GOAL_SHIFT:
        raise XembodyError(f"goal shift {tuple(shift)} m is unreachable: keep it within {MAX_GOAL_SHIFT} m")


def turned_goal(
    points: np.ndarray, pose: np.ndarray, yaw_deg: float, shift: tuple[float, float], symmetry: float
) -> Goal:
    """The rigid object at `pose` (position, quaternion (w, x, y, z); (7,)) with particles `points`
    (No, 3), turned by `yaw_deg` about its origin (in the plane) and shifted by `shift` (m)."""
    check_pose_goal(yaw_deg, shift)
    centre = np.array([pose[0], pose[1], 0.0])
    a = np.deg2rad(yaw_deg)
    rot = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
    goal_pts = (points - centre) @ rot.T + centre + np.array([*shift, 0.0])
    goal_origin = rot @ (pose[:3] - centre) + centre + np.array([*shift, 0.0])
    goal_yaw = np.angle(np.exp(1j * (yaw_of(pose[3:]) + a)))
    check_points(goal_pts, len(points), "box goal")
    return Goal(goal_pts, np.array([goal_origin[0], goal_origin[1], goal_yaw]), symmetry)


def turned_points(
    points: np.ndarray, yaw_deg: float, shift: tuple[float, float] = (0.0, 0.0), symmetry: float = 2 * np.pi
) -> Goal:
    """A rigid goal from an observation alone (on a robot, no pose is given): the object's points (No, 3)
    turned by `yaw_deg` about their centroid and shifted by `shift` (m). Its pose is in the points' own
    frame (origin at their centroid, yaw 0 now); `observed_pose` measures later points in that frame."""
    p = np.asarray(points, dtype=np.float64)
    c = p.mean(0)
    return turned_goal(p, np.array([c[0], c[1], c[2], 1.0, 0.0, 0.0, 0.0]), yaw_deg, shift, symmetry)


def observed_pose(points: np.ndarray, goal: Goal) -> np.ndarray:
    """A rigid object's pose (position, quaternion (w, x, y, z); (7,)) from its points (No, 3), in the
    order of the goal's: the turn in the plane that best takes the goal's points onto them (2-D Kabsch),
    applied to the goal's pose."""
    g, p = goal.points[:, :2], np.asarray(points, dtype=np.float64)[:, :2]
    gc, pc = g.mean(0), p.mean(0)
    h = (g - gc).T @ (p - pc)
    a = np.arctan2(h[0, 1] - h[1, 0], h[0, 0] + h[1, 1])
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    origin = rot @ (goal.pose[:2] - gc) + pc
    yaw, z = goal.pose[2] + a, float(np.mean(points, 0)[2])
    return np.array([origin[0], origin[1], z, np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)])


def load_goal_points(path: Path, n: int) -> Goal:
    """A goal cloud (n, 3) from a .npy file."""
    try:
        pts = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        raise XembodyError(f"{path}: not a readable .npy array of goal points") from None
    if not isinstance(pts, np.ndarray):  # an .npz archive
        raise XembodyError(f"{path}: not a .npy array of goal points (an archive of several arrays?)")
    return Goal(check_points(pts, n, str(path)))


def pose_errors(pose: np.ndarray, goal: Goal) -> tuple[float, float]:
    """(yaw error in degrees modulo the object's symmetry, position error in m) of a rigid object at `pose`
    (position, quaternion; (7,))."""
    dyaw = (yaw_of(pose[3:]) - goal.pose[2]) % goal.symmetry
    dyaw = min(dyaw, goal.symmetry - dyaw)
    return float(np.rad2deg(dyaw)), float(np.hypot(*(pose[:2] - goal.pose[:2])))


def shape_error(points: np.ndarray, goal: Goal) -> float:
    """Chamfer + exact EMD between object and goal particles, m."""

    from xembody.geometry import cloud_chamfer, exact_emd

    return cloud_chamfer(points, goal.points) + exact_emd(points, goal.points)


def goal_errors(points: np.ndarray, goal: Goal, pose: np.ndarray | None = None) -> GoalErrors:
    """Distance of the object (points (No, 3); for rigid goals its pose (7,)) to the goal, and whether it is
    reached (the paper's criteria)."""
    shape = shape_error(points, goal)
    if goal.pose is None:
        return GoalErrors(shape, shape < SHAPE_TOLERANCE)
    if pose is None:
        raise ValueError("a rigid goal's errors need the object's pose")
    yaw, pos = pose_errors(pose, goal)
    return GoalErrors(shape, yaw < YAW_TOLERANCE and pos < POSITION_TOLERANCE, yaw, pos)


def shape_names() -> list[str]:
    """The named plasticine goal shapes shipped with the package."""
    return sorted(p.stem for p in GOAL_SHAPES.glob("*.npy") if p.stem != "start")


def shape_versions() -> list[str]:
    """The hands whose own versions of the named shapes ship (the reference hand's first)."""
    return [
        GOAL_SHAPES_HAND,
        *sorted(p.name for p in GOAL_SHAPES.iterdir() if p.is_dir() and p.name[0] != "_"),
    ]


def check_shape_version(hand: str) -> None:
    """A one-line error unless the named shapes ship as `hand` made them."""
    if hand not in shape_versions():
        raise XembodyError(
            f"goal shapes made by {hand!r} do not ship; choose --goal-hand from {', '.join(shape_versions())}"
        )


def named_goal(name: str, n: int, centre: np.ndarray | None = None, hand: str = GOAL_SHAPES_HAND) -> Goal:
    """The named goal shape (n, 3) as `hand` made it (`shape_versions`), moved so that its start lump's
    centre lies at `centre` (3,) (the episode's lump); a one-line error for an unknown name or version, or
    an unreadable file."""
    if name not in shape_names():
        raise XembodyError(f"unknown goal shape {name!r}; choose one of: {', '.join(shape_names())}")
    check_shape_version(hand)
    folder = GOAL_SHAPES if hand == GOAL_SHAPES_HAND else GOAL_SHAPES / hand
    pts = load_goal_points(folder / f"{name}.npy", n).points.astype(np.float64)
    if centre is not None:
        start = load_goal_points(GOAL_SHAPES / "start.npy", n).points.mean(0)
        pts = pts + np.array([*(centre[:2] - start[:2]), 0.0])
    return Goal(pts)
