"""MuJoCo scenes: a table, a hand on its floating wrist, and a rigid or deformable object."""

from xembody.sim.objects import OBJECTS, Plasticine, PlasticineConfig, RigidObject, SceneObject
from xembody.sim.scene import PhysicsConfig, Scene
from xembody.sim.tasks import TASKS, Task, make_scene
from xembody.sim.worlds import WORLDS, World, get_world

__all__ = [
    "OBJECTS",
    "TASKS",
    "WORLDS",
    "PhysicsConfig",
    "Plasticine",
    "PlasticineConfig",
    "RigidObject",
    "Scene",
    "SceneObject",
    "Task",
    "World",
    "get_world",
    "make_scene",
]
