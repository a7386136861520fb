"""xembody: one particle world model that controls many hands."""

import os

# Without a display, MuJoCo's default GLFW renderer cannot start; EGL renders headless. MuJoCo reads this
# when it is first imported, so it is set before anything imports mujoco. An explicit MUJOCO_GL wins.
if "MUJOCO_GL" not in os.environ and not os.environ.get("DISPLAY"):
    os.environ["MUJOCO_GL"] = "egl"

from xembody.embodiments import REGISTRY, Embodiment, load_hand
from xembody.errors import XembodyError
from xembody.observation import Observation

__all__ = ["REGISTRY", "Controller", "Embodiment", "Observation", "XembodyError", "load_hand"]


def __getattr__(name: str):
    # The controller pulls in the world model and the planner: loaded on first use, not on every import.
    if name == "Controller":
        from xembody.planning import Controller

        return Controller
    raise AttributeError(f"module 'xembody' has no attribute {name!r}")


__version__ = "0.1.0"
