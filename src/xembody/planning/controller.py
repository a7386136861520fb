"""Driving a hand, robot or simulated: one call per control cycle, an observation in, actuator targets out.

`Controller.create(model, hand, task, goal)` builds from names and arrays alone (no scene) what `xembody
plan` builds (`planning.build`): the hand as the model saw it, the learned dynamics with its contact gate,
the primitive planner with the task's defaults. Each call returns the next targets of the chosen primitive;
the planner is asked again only when they run out, as the simulated closed loop does, so most calls cost
microseconds and one in a primitive's length costs an update (about a second on a CPU).

On a robot, whatever reads the joints and the camera is a `Robot`: `observe() -> Observation` and
`send(targets)`; docs/deploy.md has the loop and what each field must hold.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Protocol

import numpy as np

from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.hand_frame import HandFrame, hand_frame
from xembody.errors import XembodyError
from xembody.goals import Goal, GoalErrors, check_points, goal_errors, observed_pose
from xembody.observation import Observation
from xembody.planning.build import (
    PlannerSettings,
    learned_dynamics,
    primitive_config,
    task_hand,
    task_spec,
)
from xembody.planning.dynamics import Dynamics
from xembody.planning.perception import Perception, check_observe
from xembody.planning.primitive_planner import PrimitivePlanner
from xembody.planning.update import Update
from xembody.primitives import ObjectExtent, PrimitiveContext, StepLimits, clamp_step


class Robot(Protocol):
    """What the control loop needs of a robot (or of anything standing in for one)."""

    def observe(self) -> Observation: ...

    def send(self, targets: np.ndarray) -> None:
        """Command actuator targets (n_ctrl,) for the next control period."""
        ...


class Controller:
    """One hand toward one goal: `controller(obs)` -> the targets (n_ctrl,) for the next control period.

    Args:
        dynamics: the world the planner rolls candidates through (`build.learned_dynamics`, an oracle).
        hand: the hand as the dynamics sees it (actuator order, ranges, kinematics).
        task: box or plasticine (the primitives and their defaults).
        goal: a `Goal`, or goal points (No, 3): the object's own points at the goal (rigid objects, same
            order as observed), or a shape (plasticine). With `settings.observe` full, No must equal the
            observed object's point count; with camera, the object's points may be any partial cloud (the
            goal's particles are the rigid template: `perception`).
        extent: the object's nominal size; default: estimated from the first observation's points.
        settings: the planner's settings (`xembody plan`'s defaults).
        limits: step limits of the primitives; also the largest change a returned target may make.
    """

    def __init__(
        self,
        dynamics: Dynamics,
        hand: MjcfHand,
        task: str,
        goal: Goal | np.ndarray,
        extent: ObjectExtent | None = None,
        settings: PlannerSettings = PlannerSettings(),
        limits: StepLimits = StepLimits(),
    ):
        self.task, self.dynamics, self.hand = task_spec(task), dynamics, hand
        self.settings, self.limits, self.extent = settings, limits, extent
        check_observe(settings.observe)
        self.frame: HandFrame = hand_frame(hand)
        self._lo, self._hi = hand.ctrl_limits.T
        self.reset(goal)

    @classmethod
    def create(
        cls,
        model: str = "box-5hands",
        hand: str = "leap",
        task: str = "box",
        goal: Goal | np.ndarray | None = None,
        extent: ObjectExtent | None = None,
        settings: PlannerSettings = PlannerSettings(),
    ) -> Controller:
        """From names: `model` a shipped checkpoint (box-5hands, plasticine-5hands), run directory or
        model.pt; `hand` a registered name or an MJCF/URDF path; goal as in the class."""
        if goal is None:
            raise XembodyError("a controller needs a goal: a Goal or the object's goal points (No, 3)")
        goal, spec = as_goal(goal), task_spec(task)  # checked before anything slow loads
        emb = task_hand(hand, spec)
        dyn = learned_dynamics(model, hand, emb, spec.rigid, settings.gate_points, settings.device)
        return cls(dyn, emb, task, goal, extent, settings)

    def reset(self, goal: Goal | np.ndarray | None = None) -> None:
        """Forget the queued targets (a new episode, or the robot was moved by hand); with a goal, plan
        toward it from now on (the planner starts again from its seed)."""
        if goal is not None:
            self.goal = as_goal(goal)
            self.planner: PrimitivePlanner | None = None  # built at the first call: it needs the extent
        if goal is not None or self.settings.observe == "camera":  # a moved object: track it afresh
            camera = self.settings.observe == "camera"
            self.perception = Perception(self.goal, self.task.rigid) if camera else None
        self.queue: deque[np.ndarray] = deque()
        self.last_update: Update | None = None  # the latest planner update (its targets, cost, seconds)
        self.replanned = False  # whether the latest call asked the planner
        self.seconds = 0.0  # wall time of the latest call
        self.updates = 0  # planner updates since the last reset

    @property
    def ctrl_names(self) -> tuple[str, ...]:
        """The actuators in the order of `Observation.ctrl` and the returned targets."""
        return self.hand.ctrl_names

    def observation(
        self, ctrl: np.ndarray, object_points: np.ndarray, qpos: np.ndarray | None = None
    ) -> Observation:
        """An observation from what a robot reports: the targets in force (n_ctrl,), the object's points
        (No, 3), and where the driver reads them, joint positions (dof,). The hand's particles are its
        forward kinematics (of qpos, else of the joints the targets hold)."""
        ctrl, obj = self._array(ctrl, (self.hand.n_ctrl,), "ctrl"), self._array(object_points, None, "points")
        if qpos is None:
            import torch

            with torch.no_grad():
                q = self.hand.ctrl_to_qpos(torch.as_tensor(ctrl[None])).numpy()[0]
        else:
            q = self._array(qpos, (self.hand.dof,), "qpos")
        return Observation(ctrl, obj, self.hand.points_np(q).astype(np.float64), q)

    def __call__(self, obs: Observation) -> np.ndarray:
        """The targets (n_ctrl,) to send for the next control period, clipped to the actuators' ranges."""
        t0 = time.perf_counter()
        self.check(obs)
        self.replanned = not self.queue
        if self.replanned:
            seen = obs if self.perception is None else self.perception(obs)
            self.last_update = self._planner(seen).update(seen)
            self.updates += 1
            self.queue.extend(self.last_update.targets)
        # An update that holds (no press is predicted to help) keeps the targets in force.
        target = self.queue.popleft() if self.queue else obs.ctrl.copy()
        target = np.clip(clamp_step(obs.ctrl, target, self.frame, self.limits), self._lo, self._hi)
        self.seconds = time.perf_counter() - t0
        return target

    def errors(self, obs: Observation) -> GoalErrors:
        """How far the observed object is from the goal (a rigid object's pose measured from its points;
        from a camera's cloud, the registered particles and pose)."""
        self.check(obs)
        if self.perception is not None:
            obs = self.perception(obs)
            pose = None if self.goal.pose is None else self.perception.pose()
            return goal_errors(obs.object_points, self.goal, pose)
        pose = None if self.goal.pose is None else observed_pose(obs.object_points, self.goal)
        return goal_errors(obs.object_points, self.goal, pose)

    def done(self, obs: Observation) -> bool:
        """Whether the goal is reached (the paper's criteria: `goals.GoalErrors.success`)."""
        return self.errors(obs).success

    def check(self, obs: Observation) -> None:
        """A one-line error for an observation the planner cannot use."""
        if not isinstance(obs, Observation):
            raise XembodyError(f"the controller takes an xembody Observation, not {type(obs).__name__}")
        self._array(obs.ctrl, (self.hand.n_ctrl,), "ctrl")
        full = self.settings.observe == "full"  # a camera's cloud may hold any number of points
        self._array(
            obs.object_points,
            (len(self.goal.points), 3) if full else (len(obs.object_points), 3),
            "object_points",
        )
        self._array(obs.hand_points, (obs.hand_points.shape[0], 3), "hand_points")

    def _array(self, a, shape: tuple[int, ...] | None, what: str) -> np.ndarray:
        a = np.asarray(a, dtype=np.float64)
        if shape is not None and a.shape != shape:
            why = {
                "ctrl": f"{self.hand.name}'s actuators in order (controller.ctrl_names)",
                "qpos": f"{self.hand.name}'s joints (6 wrist, then the hand's)",
                "object_points": "the goal's count: downsample the object's cloud to as many",
            }.get(what, "")
            raise XembodyError(f"observation {what} must have shape {shape} ({why}), got {a.shape}")
        if not np.isfinite(a).all():
            raise XembodyError(f"observation {what} contains NaN or Inf")
        return a

    def _planner(self, obs: Observation) -> PrimitivePlanner:
        if self.planner is None:
            extent = self.extent or ObjectExtent.from_points(obs.object_points)
            ctx = PrimitiveContext(self.hand, self.frame, extent, self.limits)
            cfg = primitive_config(self.task.rigid, self.settings)
            self.planner = PrimitivePlanner(cfg, self.dynamics, ctx, self.goal.points)
        return self.planner


def as_goal(goal: Goal | np.ndarray) -> Goal:
    """A `Goal` as it is; goal points (No, 3) checked (finite, on the table, in the workspace) and wrapped."""
    if isinstance(goal, Goal):
        return goal
    p = np.asarray(goal, dtype=np.float64)
    return Goal(check_points(p, len(p) if p.ndim else 0, "controller goal"))
