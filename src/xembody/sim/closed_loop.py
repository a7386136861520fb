"""One closed-loop planning episode in MuJoCo: observe, plan, execute, until the goal is reached.

The scene stands in for a robot: each control cycle its state becomes an `Observation` (targets, joint
positions, hand particles by forward kinematics, object particles), as a robot driver and a tracker would
give it, and the planner returns the targets to execute. Any planner with `update(obs)` fits; this module
knows nothing of world models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch

from xembody.errors import ObjectLost
from xembody.goals import Goal, GoalErrors
from xembody.io import atomic_write
from xembody.observation import Observation
from xembody.sim.goals import scene_errors
from xembody.sim.scene import Scene


class Plan(Protocol):
    targets: np.ndarray  # (steps, n_ctrl) to execute now
    seconds: float
    predicted: torch.Tensor  # (steps, No, 3) what the planner expects the object to do


class Planner(Protocol):
    def update(self, obs: Observation) -> Plan: ...


@dataclass
class PlanEpisode:
    success: bool
    updates: int
    steps: int
    errors: GoalErrors  # at the end
    start: GoalErrors  # before the first update
    seconds_per_update: list[float] = field(default_factory=list)
    trace: list[GoalErrors] = field(default_factory=list)  # after each update
    unstable: str | None = None
    holds: int = 0  # updates that executed nothing (the planner predicted no improvement)
    steps_per_update: list[int] = field(default_factory=list)  # executed steps of each update


def run_plan_episode(
    scene: Scene,
    planner: Planner,
    goal: Goal,
    max_updates: int,
    on_frame: Callable[[Scene, Plan | None], None] | None = None,
    observe: Callable[[], Observation] | None = None,
    stop_on_hold: bool = False,
) -> PlanEpisode:
    """Plan and execute from the scene's current state until the goal is reached or `max_updates` pass.
    An update with no targets (a planner holding) executes nothing and counts as an update; with
    `stop_on_hold` it ends the episode (imitation: the subgoal is as near as the planner can bring it).

    `on_frame(scene, plan)` is called at the start and after every executed step (for videos); `observe()`
    makes what the planner is given (default `scene.observe`; `sim.camera.CameraView`: a camera's view).
    Success is always scored on the scene's own particles and pose; an observation that loses the object
    (`errors.ObjectLost`) ends the episode as a failure."""
    observe = observe or scene.observe
    if on_frame:
        on_frame(scene, None)
    start = scene_errors(scene, goal)
    ep = PlanEpisode(False, 0, 0, start, start)
    prev = scene.object_points()
    for _ in range(max_updates):
        try:
            upd = planner.update(observe())
        except ObjectLost as e:  # a failed episode (counted as unstable), not a failed run
            ep.unstable, ep.errors = f"object lost: {e}", scene_errors(scene, goal)
            return ep
        ep.seconds_per_update.append(upd.seconds)
        ep.updates += 1
        ep.holds += not len(upd.targets)
        ep.steps_per_update.append(0)
        if stop_on_hold and not len(upd.targets):
            break
        for target in upd.targets:
            scene.step(target)
            ep.steps += 1
            ep.steps_per_update[-1] += 1
            obj = scene.object_points()
            if why := scene.unstable(obj, prev):
                ep.unstable = why
                ep.errors = scene_errors(scene, goal)
                return ep
            prev = obj
            if on_frame:
                on_frame(scene, upd)
        ep.errors = scene_errors(scene, goal)
        ep.trace.append(ep.errors)
        if ep.errors.success:
            ep.success = True
            break
    return ep


class Recorder:
    """Per executed step: hand and object particles, and what the planner predicted for the object."""

    def __init__(self, camera=None, goal: Goal | None = None):
        self.camera, self.goal = camera, goal
        self.hand, self.object, self.predicted = [], [], []
        self._update, self._k = None, 0

    def __call__(self, scene: Scene, update: Plan | None) -> None:
        if update is not self._update:
            self._update, self._k = update, 0
        obj = scene.object_points()
        pred = np.full_like(obj, np.nan) if update is None else update.predicted[self._k].cpu().numpy()
        self._k += update is not None
        self.hand.append(scene.hand_points())
        self.object.append(obj)
        self.predicted.append(pred)
        if self.camera is not None:
            self.camera(scene, self.goal.points)

    def save(self, path, goal: Goal) -> None:
        """(T, N, 3) arrays and the goal (No, 3), as .npz, atomically."""
        arrays = {
            "hand": np.stack(self.hand),
            "object": np.stack(self.object),
            "predicted": np.stack(self.predicted),
            "goal": goal.points,
        }
        atomic_write(path, lambda tmp: np.savez_compressed(tmp, **arrays))
