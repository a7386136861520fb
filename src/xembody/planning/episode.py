"""One closed-loop planning episode in MuJoCo: plan, execute, look again, until the goal is reached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from xembody.explore.hand_frame import HandFrame, euler_xyz, relative_points
from xembody.explore.policies import lowest_layer
from xembody.planning.goals import Goal, errors
from xembody.planning.mpc import Planner, Update
from xembody.sim.scene import Scene

HOVER = 0.02  # m between the hand's lowest particles and the object's top at the start


def hover_ctrl(scene: Scene, frame: HandFrame) -> np.ndarray:
    """Targets holding the open hand palm-down over the object's centre, `HOVER` above its top, (n_ctrl,)."""
    obj = scene.object_points()
    ctrl = frame.open_ctrl.copy()
    rel = relative_points(scene.hand, frame.palm_down, ctrl)
    low = lowest_layer(rel, 0.015)
    ctrl[:2] = obj[:, :2].mean(0) - low[:, :2].mean(0)
    ctrl[2] = obj[:, 2].max() + HOVER - rel[:, 2].min()
    ctrl[3:6] = euler_xyz(frame.palm_down)
    return ctrl


@dataclass
class PlanEpisode:
    success: bool
    updates: int
    steps: int
    errors: dict[str, float | bool]  # at the end
    seconds_per_update: list[float] = field(default_factory=list)
    trace: list[dict[str, float | bool]] = field(default_factory=list)  # errors after each update
    unstable: str | None = None
    start: dict[str, float | bool] = field(default_factory=dict)  # errors before the first update

    def summary(self) -> dict:
        return {
            "success": self.success,
            "updates": self.updates,
            "steps": self.steps,
            **{k: v for k, v in self.errors.items() if k != "success"},
            **{f"start_{k}": v for k, v in self.start.items() if k != "success"},
            "seconds_per_update": float(np.mean(self.seconds_per_update)) if self.seconds_per_update else 0.0,
            "unstable": self.unstable,
        }


def run_plan_episode(
    scene: Scene,
    planner: Planner,
    goal: Goal,
    max_updates: int,
    on_frame: Callable[[Scene, Update | None], None] | None = None,
) -> PlanEpisode:
    """Plan and execute from the scene's current state until the goal is reached or `max_updates` pass.

    `on_frame(scene, update)` is called at the start and after every executed step (for videos)."""
    if on_frame:
        on_frame(scene, None)
    ep = PlanEpisode(False, 0, 0, errors(scene, goal))
    ep.start = ep.errors
    prev = scene.object_points()
    for _ in range(max_updates):
        upd = planner.update(scene.ctrl(), prev)
        ep.seconds_per_update.append(upd.seconds)
        ep.updates += 1
        for target in upd.targets:
            scene.step(target)
            ep.steps += 1
            obj = scene.object_points()
            if why := scene.unstable(obj, prev):
                ep.unstable = why
                ep.errors = errors(scene, goal)
                return ep
            prev = obj
            if on_frame:
                on_frame(scene, upd)
        ep.errors = errors(scene, goal)
        ep.trace.append(ep.errors)
        if ep.errors["success"]:
            ep.success = True
            break
    return ep
