"""Planning over whole contact primitives: the default planner of `xembody plan` (rigid objects and
plasticine).

A myopic sampler over per-step target changes (MPPI with a short horizon) cannot find a box rotation: no
change within a few steps of the hand lowers the cost until the hand is beside the object. The paper uses
its contact primitives as proposals, and so do we: each update draws `candidates` primitives
(`xembody.primitives`: a `Push` for rigid objects, a `Press` for plasticine) from the observation, each a
sequence of actuator targets (transit, then contact), rolls them all through the same `Dynamics` as any
plan, and scores only their end states. The chosen primitive runs to its end, then the planner looks
again (closed loop at the level of primitives).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from xembody.observation import Observation
from xembody.planning.costs import shape_distance
from xembody.planning.dynamics import Dynamics
from xembody.planning.update import Update
from xembody.primitives import (
    PLAN_PUSH,
    PrimitiveContext,
    PrimitivePlan,
    PushRanges,
    sample_press,
    sample_push,
)

KINDS = ("push", "press")


@dataclass(frozen=True)
class PrimitiveConfig:
    kind: str = "push"  # push (rigid objects) or press (plasticine)
    candidates: int = 64
    push: PushRanges = PLAN_PUSH
    shape: str = "particles"  # shape cost (costs.shape_distance); plasticine uses chamfer_emd
    seed: int = 0


def candidate(
    kind: str, rng: np.random.Generator, ctx: PrimitiveContext, obs: Observation, push: PushRanges = PLAN_PUSH
) -> PrimitivePlan:
    """One random primitive of `kind` from the observation, turning the wrist a little from where it is."""
    yaw = float(obs.ctrl[5])
    if kind == "push":
        return sample_push(rng, ctx, obs, push, yaw).targets(ctx, obs, obs.ctrl, lift=True)
    if kind == "press":
        return sample_press(rng, ctx, obs, yaw).targets(ctx, obs, obs.ctrl, lift=False)
    raise ValueError(f"unknown primitive kind {kind!r}; choose {', '.join(KINDS)}")


class PrimitivePlanner:
    """Samples whole primitives as target sequences, rolls them out, and returns the best one's targets.

    Args:
        cfg: which primitive, how many candidates, the cost, the seed of the candidates' draws.
        dynamics: the world (a learned model through the hand's kinematics, or an oracle).
        ctx: the hand's geometry and the object's nominal size.
        goal: goal particles (No, 3).
    """

    def __init__(self, cfg: PrimitiveConfig, dynamics: Dynamics, ctx: PrimitiveContext, goal: np.ndarray):
        if cfg.kind not in KINDS:
            raise ValueError(f"unknown primitive kind {cfg.kind!r}; choose {', '.join(KINDS)}")
        self.cfg, self.dynamics, self.ctx = cfg, dynamics, ctx
        self.rng = np.random.default_rng(cfg.seed)
        self.goal = torch.as_tensor(goal, dtype=torch.float64)

    def candidates(self, obs: Observation) -> list[list[np.ndarray]]:
        """`cfg.candidates` random primitives' targets, each a list of (n_ctrl,)."""
        return [
            candidate(self.cfg.kind, self.rng, self.ctx, obs, self.cfg.push).targets
            for _ in range(self.cfg.candidates)
        ]

    def update(self, obs: Observation) -> Update:
        t0 = time.perf_counter()
        ctrl = obs.ctrl
        seqs = self.candidates(obs)
        T = max(len(s) for s in seqs)
        # Equal lengths for one batched rollout: the hand holds its last targets once a primitive ends.
        batch = np.stack([np.stack([ctrl, *s, *[s[-1]] * (T - len(s))]) for s in seqs])
        with torch.no_grad():
            obj = torch.as_tensor(obs.object_points, dtype=torch.float64)
            pred = self.dynamics.rollout(torch.as_tensor(batch), obj)
            cost = shape_distance(pred[:, -1:].double(), self.goal, self.cfg.shape)[:, 0]
        best = int(torch.argmin(cost))
        steps = len(seqs[best])
        return Update(batch[best, 1 : 1 + steps], float(cost[best]), time.perf_counter() - t0, pred[best])
