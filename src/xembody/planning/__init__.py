"""Planning: control of any hand in its own actuator space from observations, with a world model.

A planner is built from a `Dynamics` (the learned model through the hand's kinematics, or any other world
that rolls actuator targets forward), the hand, and a goal; each control cycle it takes an `Observation`
and returns an `Update` (targets to execute). `Controller` wraps one for a robot's control loop (one
call per control cycle, the next targets out), built from names as `xembody plan` builds its planner
(`build.py`). Nothing here knows the simulator: the MuJoCo closed loop (`xembody.sim.closed_loop`) and the
MuJoCo oracle (`xembody.sim.oracle`) live beside it.
"""

from xembody.planning.build import TASKS, PlannerSettings, learned_dynamics, primitive_config
from xembody.planning.controller import Controller, Robot
from xembody.planning.dynamics import Dynamics, LearnedDynamics
from xembody.planning.mpc import MPC, PLANNERS, PlannerConfig
from xembody.planning.mppi import MPPI, MPPIConfig, PlanResult
from xembody.planning.primitive_planner import GUIDED_KINDS, PrimitiveConfig, PrimitivePlanner, candidate
from xembody.planning.update import Update

__all__ = [
    "GUIDED_KINDS",
    "MPC",
    "MPPI",
    "PLANNERS",
    "TASKS",
    "Controller",
    "Dynamics",
    "LearnedDynamics",
    "MPPIConfig",
    "PlanResult",
    "PlannerConfig",
    "PlannerSettings",
    "PrimitiveConfig",
    "PrimitivePlanner",
    "Robot",
    "Update",
    "candidate",
    "learned_dynamics",
    "primitive_config",
]
