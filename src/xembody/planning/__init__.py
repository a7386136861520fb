"""Planning: sampling MPC in a hand's own action space."""

from xembody.planning.mppi import MPPI, MPPIConfig, PlanResult

__all__ = ["MPPI", "MPPIConfig", "PlanResult"]
