"""Model-predictive control of one hand in its own actuator space.

An action is the change of every actuator target in one control step (wrist and fingers), bounded by the
same `StepLimits` the exploration data was recorded with, so the world model is asked about motions like
those it was trained on. Each update samples action sequences, rolls them through the `Dynamics`, scores
them with `plan_cost`, and returns the first `execute` targets. No inverse kinematics, no retargeting:
targets -> the hand's FK -> particles is all that ties the planner to a hand.

Two configurations (`PLANNERS`): `paper` (MPPI, 500 samples, horizon 4, 10 iterations, execute 2, as
published) and `mppi` (fewer samples, colored noise and a warm start from the previous plan, then a few
gradient steps through the differentiable model and FK when the dynamics allow it). The default planner of
`xembody plan` is neither: it plans over whole contact primitives (`primitives.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from xembody.embodiments.base import Embodiment
from xembody.observation import Observation
from xembody.planning.costs import CostConfig, plan_cost
from xembody.planning.dynamics import Dynamics
from xembody.planning.mppi import MPPI, MPPIConfig
from xembody.planning.update import Update
from xembody.primitives import StepLimits


@dataclass(frozen=True)
class PlannerConfig:
    mppi: MPPIConfig = MPPIConfig()
    execute: int = 2  # steps of each plan executed before replanning
    warm_start: bool = False  # start from the previous plan, shifted, instead of standing still
    grad_steps: int = 0  # gradient refinement of the MPPI plan (differentiable dynamics only)
    grad_lr: float = 0.05  # Adam step, as a fraction of each action's bound
    cost: CostConfig = field(default_factory=CostConfig)


PLANNERS: dict[str, PlannerConfig] = {
    "paper": PlannerConfig(MPPIConfig(samples=500, horizon=4, iterations=10, noise=0.25)),
    "mppi": PlannerConfig(
        MPPIConfig(samples=96, horizon=4, iterations=3, noise=0.25, correlation=0.7),
        warm_start=True,
        grad_steps=5,
    ),
}


def step_bounds(hand: Embodiment, limits: StepLimits) -> torch.Tensor:
    """Largest change of each actuator target in one step, (n_ctrl,): wrist slides and hinges, fingers."""
    lo, hi = hand.ctrl_limits.T
    b = limits.closure * (hi - lo)
    b[:3], b[3:6] = limits.translation, limits.rotation
    return torch.as_tensor(b, dtype=torch.float64)


class MPC:
    """Plans for one hand toward one goal. `update(ctrl, obj)` -> the next targets to execute."""

    def __init__(
        self,
        cfg: PlannerConfig,
        dynamics: Dynamics,
        hand: Embodiment,
        goal: np.ndarray,
        limits: StepLimits | None = None,
    ):
        self.cfg, self.dynamics, self.hand = cfg, dynamics, hand
        limits = limits or StepLimits()
        self.goal = torch.as_tensor(goal, dtype=torch.float64)
        self.step = step_bounds(hand, limits)
        self.low, self.high = (torch.as_tensor(x, dtype=torch.float64) for x in hand.ctrl_limits.T)
        self.mppi = MPPI(cfg.mppi, -self.step, self.step)
        self.plan: torch.Tensor | None = None  # (H, n_ctrl) deltas

    def targets(self, now: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
        """Current targets (n_ctrl,) and deltas (S, H, n) -> unclipped targets (S, H+1, n)."""
        S = deltas.shape[0]
        return torch.cat([now.expand(S, 1, -1), now + deltas.cumsum(1)], 1)

    def evaluate(
        self, now: torch.Tensor, obj: torch.Tensor, deltas: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Cost (S,) and predicted object particles (S, H, No, 3) of delta sequences (S, H, n_ctrl)."""
        ctrl = self.targets(now, deltas)
        clipped = torch.minimum(torch.maximum(ctrl, self.low), self.high)
        pred = self.dynamics.rollout(clipped, obj)
        hand = self.hand.points(self.hand.ctrl_to_qpos(clipped[:, 1:].flatten(0, 1)))
        hand = hand.reshape(*clipped[:, 1:].shape[:2], -1, 3)
        return plan_cost(self.cfg.cost, pred, hand, ctrl, self.goal, self.low, self.high, self.step), pred

    def cost(self, now: torch.Tensor, obj: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
        return self.evaluate(now, obj, deltas)[0]

    def update(self, obs: Observation) -> Update:
        """The next `execute` targets from the targets now (`obs.ctrl`) and the object's points."""
        t0 = time.perf_counter()
        cfg = self.cfg
        now = torch.as_tensor(obs.ctrl, dtype=torch.float64)
        obj_t = torch.as_tensor(obs.object_points, dtype=torch.float64)
        mean = None
        if cfg.warm_start and self.plan is not None:
            mean = MPPI.shift(self.plan, cfg.execute)
        with torch.no_grad():
            result = self.mppi.plan(lambda d: self.cost(now, obj_t, d), mean)
        plan = result.actions
        if cfg.grad_steps:
            plan = self.refine(now, obj_t, plan)
        with torch.no_grad():
            cost, predicted = self.evaluate(now, obj_t, plan[None])
        self.plan = plan
        targets = self.targets(now, plan[None])[0, 1 : 1 + cfg.execute]
        targets = torch.minimum(torch.maximum(targets, self.low), self.high)
        return Update(targets.numpy(), float(cost[0]), time.perf_counter() - t0, predicted[0])

    def refine(self, now: torch.Tensor, obj: torch.Tensor, plan: torch.Tensor) -> torch.Tensor:
        """A few Adam steps on the plan through the differentiable dynamics; kept only if it helps."""
        x = (plan / self.step).clone().requires_grad_(True)  # optimise in units of the step bound
        opt = torch.optim.Adam([x], lr=self.cfg.grad_lr)
        with torch.no_grad():
            start = float(self.cost(now, obj, plan[None])[0])
        for _ in range(self.cfg.grad_steps):
            opt.zero_grad()
            c = self.cost(now, obj, (x * self.step)[None])[0]
            c.backward()
            opt.step()
            with torch.no_grad():
                x.clamp_(-1.0, 1.0)
        refined = x.detach() * self.step
        with torch.no_grad():
            end = float(self.cost(now, obj, refined[None])[0])
        return refined if end < start else plan
