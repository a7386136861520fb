"""Goals made from a scene's start state, and a scene's distance to a goal (`xembody.goals` does the math).

The rigid goal is the object's pose turned by a yaw (default 45 degrees) about its origin and optionally
shifted; its particles are the object's own particles at that pose.
"""

from __future__ import annotations

import numpy as np

from xembody.errors import XembodyError
from xembody.goals import Goal, GoalErrors, goal_errors, turned_goal
from xembody.sim.objects import RigidObject
from xembody.sim.scene import Scene


def symmetry_of(obj: RigidObject) -> float:
    """Yaw period of an object made of centred parts: pi for a box, 2 pi otherwise (T shape)."""
    centred = all(np.allclose(p.pos[:2], 0.0) for p in obj.parts)
    if centred and all(p.type == "box" for p in obj.parts):
        return np.pi
    return 2 * np.pi


def box_goal(scene: Scene, yaw_deg: float = 45.0, shift: tuple[float, float] = (0.0, 0.0)) -> Goal:
    """The object's current pose turned by `yaw_deg` about its origin and shifted by `shift` (m)."""
    obj = scene.obj
    if not isinstance(obj, RigidObject):
        raise XembodyError(f"a yaw goal needs a rigid object, not {obj.name!r}")
    return turned_goal(obj.points(scene.data), obj.pose(scene.data), yaw_deg, shift, symmetry_of(obj))


def scene_errors(scene: Scene, goal: Goal) -> GoalErrors:
    """How far the scene's object is from the goal (its exact particles and, if rigid, its pose)."""
    pose = scene.obj.pose(scene.data) if isinstance(scene.obj, RigidObject) else None
    return goal_errors(scene.object_points(), goal, pose)
