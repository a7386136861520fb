"""Planning over contact primitives: sample whole pushes, predict where each leaves the object, pick the best.

A myopic sampler over per-step target changes (MPPI with a short horizon) cannot find a box rotation: no
change within a few steps of the hand lowers the cost until the hand is beside the object. The paper uses
its contact primitives as proposals; for pushing, a primitive is the exploration's push for any hand
(`PushPolicy.push`: approach beside the object with the palm down, then a straight push), parameterised
by direction, offset from the centre line (which sets the torque), height, wrist yaw and pitch, finger
closure and depth. Each candidate is a sequence of actuator targets (transit, then push), so it is rolled
through the same `Dynamics` as any plan, and only its end state is scored. The chosen push runs to its end,
then the planner looks again (closed loop at the level of pushes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from xembody.explore.hand_frame import HandFrame
from xembody.explore.policies import PushPolicy, StepLimits
from xembody.planning.costs import shape_distance
from xembody.planning.dynamics import Dynamics
from xembody.planning.mpc import Update
from xembody.sim.scene import Scene


@dataclass(frozen=True)
class PushConfig:
    candidates: int = 48
    depth: tuple[float, float] = (-0.045, 0.0)  # where the push ends, m along it from the object's centre
    offset: tuple[float, float] = (-1.0, 1.0)  # push line beside the centre, fraction of the object radius
    closure: float = 0.4  # largest finger closure of a candidate
    shape: str = "chamfer_emd"
    seed: int = 0


class PushPlanner:
    """Chooses pushes for one hand toward one goal; `update(ctrl, obj)` -> the chosen push's targets."""

    def __init__(
        self,
        cfg: PushConfig,
        dynamics: Dynamics,
        scene: Scene,
        frame: HandFrame,
        goal: np.ndarray,
        limits: StepLimits = StepLimits(),
    ):
        self.cfg, self.dynamics, self.scene = cfg, dynamics, scene
        self.rng = np.random.default_rng(cfg.seed)
        self.pushes = PushPolicy(scene, frame, self.rng, limits)  # its geometry, with our random draws
        self.goal = torch.as_tensor(goal, dtype=torch.float64)

    def candidate(self, current: np.ndarray) -> list[np.ndarray]:
        """One random push from targets `current`: the targets of each step (transit, then push)."""
        cfg, rng, p = self.cfg, self.rng, self.pushes
        phi = rng.uniform(-np.pi, np.pi)
        p.yaw = float(current[5])  # turn the wrist a little from where it is, not from a random yaw
        rot = p.turn((0.0, 0.7))
        closure = rng.uniform(0.0, cfg.closure, self.scene.hand.n_ctrl)
        a, b, safe = p.push(
            phi, rot, closure, rng.uniform(*cfg.offset), rng.uniform(0.1, 0.4), rng.uniform(*cfg.depth)
        )
        p.queue.clear()
        p.move(p.approach(current, a, safe), b)
        return list(p.queue)

    def update(self, ctrl: np.ndarray, obj: np.ndarray) -> Update:
        t0 = time.perf_counter()
        seqs = [self.candidate(ctrl) for _ in range(self.cfg.candidates)]
        T = max(len(s) for s in seqs)
        # Equal lengths for one batched rollout: wait at the push's start (after the transit) as needed.
        batch = np.empty((len(seqs), T + 1, len(ctrl)))
        for i, s in enumerate(seqs):
            n_push = self._push_steps(s)
            transit, push = s[: len(s) - n_push], s[len(s) - n_push :]
            hold = [transit[-1] if transit else ctrl] * (T - len(s))
            batch[i] = np.stack([ctrl, *transit, *hold, *push])
        x = torch.as_tensor(batch)
        with torch.no_grad():
            pred = self.dynamics.rollout(x, torch.as_tensor(obj, dtype=torch.float64))
            cost = shape_distance(pred[:, -1:].double(), self.goal, self.cfg.shape)[:, 0]
        best = int(torch.argmin(cost))
        return Update(batch[best, 1:], float(cost[best]), time.perf_counter() - t0, pred[best])

    def _push_steps(self, seq: list[np.ndarray]) -> int:
        """Steps of the final straight push (same orientation and closure, moving in the plane)."""
        n = 1
        while n < len(seq) and np.allclose(seq[-n - 1][2:], seq[-1][2:]):
            n += 1
        return n
