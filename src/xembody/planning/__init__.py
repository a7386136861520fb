"""Planning: sampling MPC in a hand's own action space."""

from xembody.planning.dynamics import Dynamics, LearnedDynamics
from xembody.planning.mppi import MPPI, MPPIConfig, PlanResult

__all__ = ["MPPI", "Dynamics", "LearnedDynamics", "MPPIConfig", "PlanResult"]
