"""Tasks: which object, how many particles, how long an episode is, and how the hand explores.

Defaults follow the paper: pushing uses 50 hand + 100 object particles, plasticine 200 + 300.
"""

from __future__ import annotations

from dataclasses import dataclass

from xembody.embodiments import load_hand
from xembody.errors import XembodyError
from xembody.sim.objects import OBJECTS
from xembody.sim.scene import PhysicsConfig, Scene
from xembody.sim.worlds import get_world


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    object: str  # default object variant (a key of OBJECTS)
    objects: tuple[str, ...]  # the variants this task accepts
    n_hand_points: int
    n_object_points: int
    frames: int  # recorded frames per episode at the control rate (T)
    policy: str  # default exploration policy (a key of explore.POLICIES)


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "box",
            "push and turn a rigid object on the table (goal: a target pose)",
            "box",
            ("box", "box_small", "box_large", "t_shape", "cylinder"),
            50,
            100,
            50,
            "push",
        ),
        Task(
            "plasticine",
            "press an elasto-plastic block into a shape (goal: a target point cloud)",
            "plasticine",
            ("plasticine", "plasticine_mpm"),
            200,
            300,
            40,
            "press",
        ),
    )
}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise XembodyError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    return TASKS[name]


def make_scene(
    hand: str,
    task: str,
    object: str | None = None,
    n_hand_points: int | None = None,
    n_object_points: int | None = None,
    physics: PhysicsConfig = PhysicsConfig(),
    seed: int = 0,
    world: str = "default",
) -> Scene:
    """A scene for a hand (registered name or MJCF path) and a task, with the task's default counts.

    `seed` fixes the particle layout (hand and object), which is shared by every episode of a dataset;
    `world` names the materials (`xembody.sim.worlds.WORLDS`).
    """
    t = get_task(task)
    obj_name = object or t.object
    if obj_name not in t.objects:
        raise XembodyError(f"task {task!r} has no object {obj_name!r}; choose one of: {', '.join(t.objects)}")
    embodiment = load_hand(hand, n_points=n_hand_points or t.n_hand_points, seed=seed)
    n_points = n_object_points or t.n_object_points
    return Scene(embodiment, OBJECTS[obj_name](), physics, n_points, seed, get_world(world))
