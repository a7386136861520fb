"""MuJoCo scenes: a table, a hand on its floating wrist, and a rigid or deformable object."""

from xembody.sim.objects import OBJECTS, Plasticine, PlasticineConfig, RigidObject, SceneObject
from xembody.sim.scene import PhysicsConfig, Scene
from xembody.sim.tasks import TASKS, Task, make_scene

__all__ = [
    "OBJECTS",
    "TASKS",
    "PhysicsConfig",
    "Plasticine",
    "PlasticineConfig",
    "RigidObject",
    "Scene",
    "SceneObject",
    "Task",
    "make_scene",
]
