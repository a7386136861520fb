"""Planning: closed-loop control of any hand in its own actuator space with a world model (or MuJoCo)."""

from xembody.planning.dynamics import Dynamics, LearnedDynamics
from xembody.planning.episode import PlanEpisode, hover_ctrl, run_plan_episode
from xembody.planning.goals import Goal, box_goal, errors
from xembody.planning.mpc import MPC, PLANNERS, Planner, PlannerConfig, Update
from xembody.planning.mppi import MPPI, MPPIConfig, PlanResult
from xembody.planning.mujoco_dynamics import MujocoDynamics
from xembody.planning.primitives import PressPlanner, PrimitiveConfig, PushPlanner

__all__ = [
    "MPC",
    "MPPI",
    "PLANNERS",
    "Dynamics",
    "Goal",
    "LearnedDynamics",
    "MPPIConfig",
    "MujocoDynamics",
    "PlanEpisode",
    "PlanResult",
    "Planner",
    "PlannerConfig",
    "PressPlanner",
    "PrimitiveConfig",
    "PushPlanner",
    "Update",
    "box_goal",
    "errors",
    "hover_ctrl",
    "run_plan_episode",
]
