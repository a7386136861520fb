"""Planning over contact primitives: sample whole primitives, predict where each leaves the object, pick
the best (pushes for rigid objects, the paper's presses for plasticine).

A myopic sampler over per-step target changes (MPPI with a short horizon) cannot find a box rotation: no
change within a few steps of the hand lowers the cost until the hand is beside the object. The paper uses
its contact primitives as proposals; for pushing, a primitive is the exploration's push for any hand
(`PushPolicy.push`: approach beside the object with the palm down, then a straight push), parameterised
by direction, offset from the centre line (which sets the torque), height, wrist yaw and pitch, finger
closure and depth; for plasticine, a primitive is one of the paper's PalmPress, FingersPinch and
ThumbPinch at a random spot, depth and turn (`PressPolicy.primitive`). Each candidate is a sequence of
actuator targets (transit, then the contact), so it is rolled
through the same `Dynamics` as any plan, and only its end state is scored. The chosen primitive runs to its
end, then the planner looks again (closed loop at the level of primitives).
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass

import numpy as np
import torch

from xembody.explore.hand_frame import HandFrame
from xembody.explore.policies import Policy, PressPolicy, PushPolicy, StepLimits
from xembody.planning.costs import shape_distance
from xembody.planning.dynamics import Dynamics
from xembody.planning.mpc import Update
from xembody.sim.scene import Scene


@dataclass(frozen=True)
class PrimitiveConfig:
    candidates: int = 64
    depth: tuple[float, float] = (0.005, 0.03)  # m the push's lead goes past the object's near side
    offset: tuple[float, float] = (-1.0, 1.0)  # push line beside the centre, fraction of the object radius
    closure: float = 0.4  # largest finger closure of a push
    shape: str = "particles"  # shape cost (costs.shape_distance); plasticine uses chamfer_emd
    seed: int = 0


class PrimitivePlanner(abc.ABC):
    """Samples whole primitives as target sequences, rolls them out, and returns the best one's targets."""

    policy_class: type[Policy]  # whose geometry (placement, moves) the primitives reuse

    def __init__(
        self,
        cfg: PrimitiveConfig,
        dynamics: Dynamics,
        scene: Scene,
        frame: HandFrame,
        goal: np.ndarray,
        limits: StepLimits = StepLimits(),
    ):
        self.cfg, self.dynamics = cfg, dynamics
        self.policy = self.policy_class(scene, frame, np.random.default_rng(cfg.seed), limits)
        self.goal = torch.as_tensor(goal, dtype=torch.float64)

    @abc.abstractmethod
    def candidate(self, current: np.ndarray) -> list[np.ndarray]:
        """One random primitive from targets `current`: the targets of each step, (n_ctrl,) each."""

    def update(self, ctrl: np.ndarray, obj: np.ndarray) -> Update:
        t0 = time.perf_counter()
        seqs = [self.candidate(ctrl) for _ in range(self.cfg.candidates)]
        T = max(len(s) for s in seqs)
        # Equal lengths for one batched rollout: the hand holds its last targets once a primitive ends.
        batch = np.stack([np.stack([ctrl, *s, *[s[-1]] * (T - len(s))]) for s in seqs])
        with torch.no_grad():
            pred = self.dynamics.rollout(torch.as_tensor(batch), torch.as_tensor(obj, dtype=torch.float64))
            cost = shape_distance(pred[:, -1:].double(), self.goal, self.cfg.shape)[:, 0]
        best = int(torch.argmin(cost))
        steps = len(seqs[best])
        return Update(batch[best, 1 : 1 + steps], float(cost[best]), time.perf_counter() - t0, pred[best])


class PushPlanner(PrimitivePlanner):
    """Pushes (rigid objects): direction, offset from the centre line (the torque), height, wrist yaw and
    pitch, finger closure and depth are drawn per candidate."""

    policy_class = PushPolicy

    def candidate(self, current: np.ndarray) -> list[np.ndarray]:
        cfg, p = self.cfg, self.policy
        rng = p.rng
        phi = rng.uniform(-np.pi, np.pi)
        u = np.array([np.cos(phi), np.sin(phi)])
        p.yaw = float(current[5])  # turn the wrist a little from where it is, not from a random yaw
        rot = p.turn((0.0, 0.7))
        closure = rng.uniform(0.0, cfg.closure, p.hand.n_ctrl)
        offset = rng.uniform(*cfg.offset)
        # Depth from the object's near side on the push line (its particles), so every push makes contact.
        obj = p.scene.object_points()[:, :2]
        rel = obj - obj.mean(0)
        w = np.array([-u[1], u[0]])
        line = np.abs(rel @ w - offset * p.scene.obj.radius) < 0.01
        near = (rel[line] @ u).min() if line.any() else (rel @ u).min()
        a, b, safe = p.push(phi, rot, closure, offset, rng.uniform(0.1, 0.4), near + rng.uniform(*cfg.depth))
        # Lift clear before any turn: a big hand's fingertips sweep far when the wrist turns at transit speed.
        clear = p.object_top() + 0.02 + current[2] - p.scene.hand_points()[:, 2].min()
        p.queue.clear()
        p.move(p.approach(current, a, max(safe, clear), lift=True), b)
        return list(p.queue)


class PressPlanner(PrimitivePlanner):
    """The paper's PalmPress, FingersPinch and ThumbPinch (plasticine), at random spots, depths and turns."""

    policy_class = PressPolicy

    def candidate(self, current: np.ndarray) -> list[np.ndarray]:
        p = self.policy
        p.queue.clear()
        p.first = p.primitive()[1]  # `plan` lifts clear of the clay first unless this is the first
        p.plan(current)
        return list(p.queue)
