"""Exploration policies that make contact often, for any hand.

Every policy outputs actuator targets (n_ctrl,) at the control rate, and every target differs from the one
before by a bounded step (`StepLimits`), so motions are smooth whatever the hand. Placement uses only the
hand's kinematics (`HandFrame`): policies know nothing hand-specific. The contact-making policies execute
the shared motion primitives (`xembody.primitives`) with randomly drawn parameters, one after another.

* `random`: random smooth motion of every actuator; the wrist drifts around the object at object height.
* `push`: random `Push`es from new sides, lifting over the object in between, with the fingers wandering
  during each push (rigid objects).
* `demo`: a demonstrator's short `Push`es (`DEMO_PUSH`) from the side the hand is on, each followed by a
  pause in which the object settles: simulated human demonstrations for imitation (rigid objects).
* `press`: random `Press`es (PalmPress, FingersPinch, ThumbPinch) at random spots (plasticine).
"""

from __future__ import annotations

import abc
from collections import deque

import numpy as np

from xembody.embodiments.hand_frame import HandFrame
from xembody.geometry import lowest_layer
from xembody.primitives import (
    DEMO_PUSH,
    EXPLORE_PUSH,
    ObjectExtent,
    PrimitiveContext,
    PushRanges,
    StepLimits,
    sample_press,
    sample_push,
)
from xembody.primitives.motion import straight
from xembody.primitives.plan import PrimitivePlan
from xembody.sim.scene import Scene


def context(scene: Scene, frame: HandFrame, limits: StepLimits = StepLimits()) -> PrimitiveContext:
    """The primitives' context for the scene's hand and object (its nominal size)."""
    return PrimitiveContext(scene.hand, frame, ObjectExtent(scene.obj.radius, scene.obj.height), limits)


class Policy(abc.ABC):
    """Actuator targets for one episode. `start()` gives the initial targets, `act()` each next one."""

    name: str

    def __init__(self, scene: Scene, frame: HandFrame, rng: np.random.Generator, limits: StepLimits):
        self.scene, self.frame, self.rng, self.limits = scene, frame, rng, limits
        self.hand = scene.hand
        self.ctx = context(scene, frame, limits)
        self.queue: deque[np.ndarray] = deque()
        self.yaw: float | None = None  # the wrist's last drawn yaw: each primitive turns a little from it

    @abc.abstractmethod
    def start(self) -> np.ndarray:
        """Targets (n_ctrl,) to start the episode from (the hand is placed there at rest)."""

    @abc.abstractmethod
    def plan(self, current: np.ndarray) -> None:
        """Append the next segment of targets to `self.queue`, starting from `current`."""

    def act(self) -> np.ndarray:
        if not self.queue:
            self.plan(self.scene.ctrl())
        return self.queue.popleft()

    def next_push(self, ranges: PushRanges, current: np.ndarray) -> PrimitivePlan:
        """The targets of a random push from about where the hand is (its wrist yaw turned a little), from
        targets `current` (n_ctrl,), without lifting unless the way crosses the object."""
        obs = self.scene.observe()
        away = obs.hand_points[:, :2].mean(0) - obs.object_centre[:2]
        push = sample_push(self.rng, self.ctx, obs, ranges, self.yaw, toward=-away)
        self.yaw = push.yaw
        return push.targets(self.ctx, obs, current, lift=False)

    def move(self, a: np.ndarray, b: np.ndarray, transit: bool = False) -> np.ndarray:
        """Queue a straight move from targets a to b (`primitives.straight`); returns b as reached."""
        steps, b = straight(a, b, self.frame, self.limits, transit)
        self.queue.extend(steps)
        return b


class RandomPolicy(Policy):
    """Random smooth motion: a momentum random walk on every actuator, the wrist pulled toward the object."""

    name = "random"

    def start(self) -> np.ndarray:
        self.closure = self.rng.uniform(0.0, 0.5, self.hand.n_ctrl)
        self.vel = np.zeros(self.hand.n_ctrl)
        self.yaw, self.pitch = self.rng.uniform(-2.5, 2.5), self.rng.uniform(0.0, 0.5)
        return self._place(self.scene.object_points().mean(0)[:2] + self.rng.normal(0, 0.03, 2), 0.0)

    def _place(self, xy: np.ndarray, height: float) -> np.ndarray:
        """Targets putting the hand's lowest particles' centre at (xy, height above the table)."""
        rot = self.ctx.orientation(self.yaw, self.pitch)
        rel = self.ctx.relative(rot, self.closure)
        low = lowest_layer(rel, 0.015)
        pos = np.array([*(xy - low[:, :2].mean(0)), 0.004 + height - rel[:, 2].min()])
        return self.ctx.targets(rot, self.closure, pos)

    def plan(self, current: np.ndarray) -> None:
        lim = self.limits
        self.vel = 0.8 * self.vel + self.rng.normal(0.0, 0.3, len(self.vel)) * lim.closure
        self.closure = np.clip(self.closure + self.vel, 0.0, 1.0)
        self.yaw = float(np.clip(self.yaw + self.rng.normal(0.0, 0.3 * lim.rotation), -2.5, 2.5))
        self.pitch = np.clip(self.pitch + self.rng.normal(0.0, 0.3 * lim.rotation), 0.0, 0.6)
        goal_xy = self.scene.object_points().mean(0)[:2] + self.rng.normal(0.0, 0.03, 2)
        height = self.rng.uniform(0.0, 0.6) * self.ctx.extent.height
        self.move(current, self._place(goal_xy, height))
        while len(self.queue) > 1:  # one step toward it; a new random goal each step
            self.queue.pop()


class PushPolicy(Policy):
    """Random pushes (`Push`, `EXPLORE_PUSH` ranges) from new sides, fingers wandering while pushing."""

    name = "push"

    def start(self) -> np.ndarray:
        obs = self.scene.observe()
        push = sample_push(self.rng, self.ctx, obs, EXPLORE_PUSH)
        self.yaw = push.yaw
        self.first = push.line(self.ctx, obs)[:2]  # the hand is placed at its start, at rest
        return self.first[0]

    def plan(self, current: np.ndarray) -> None:
        n0 = len(self.queue)
        if self.first is not None:
            self.move(current, self.first[1])
            self.first = None
        else:
            plan = self.next_push(EXPLORE_PUSH, current)
            self.queue.extend(plan.approach)
            n0 = len(self.queue)
            self.queue.extend(plan.contact)
        # The fingers wander within a bounded random walk during the push.
        span = self.frame.closed_ctrl - self.frame.open_ctrl
        walk = np.zeros(self.hand.n_ctrl)
        for i in range(n0, len(self.queue)):
            step = self.rng.normal(0.0, 0.3 * self.limits.closure, self.hand.n_ctrl - 6)
            walk[6:] += np.clip(step, -0.5 * self.limits.closure, 0.5 * self.limits.closure)
            walk = np.clip(walk, -0.3, 0.3)
            self.queue[i] = self.queue[i] + walk * span


class DemoPolicy(Policy):
    """Short pushes (`DEMO_PUSH`), each from about where the hand is, then `PAUSE` frames held still."""

    name = "demo"
    PAUSE = 5  # frames: the object settles, which is where imitation takes its keyframes

    def start(self) -> np.ndarray:
        obs = self.scene.observe()
        push = sample_push(self.rng, self.ctx, obs, DEMO_PUSH)
        self.yaw = push.yaw
        start, self.first, _ = push.line(self.ctx, obs)  # the hand is placed at its start, at rest
        return start

    def plan(self, current: np.ndarray) -> None:
        if self.first is not None:
            current = self.move(current, self.first)
            self.first = None
        else:
            self.queue.extend(self.next_push(DEMO_PUSH, current).targets)
            current = self.queue[-1]
        self.queue.extend([current] * self.PAUSE)


class PressPolicy(Policy):
    """Random presses (`Press`) at random spots on the clay, one after another."""

    name = "press"

    def start(self) -> np.ndarray:
        obs = self.scene.observe()
        self.first = (sample_press(self.rng, self.ctx, obs), obs)
        self.yaw = self.first[0].yaw
        return self.first[0].waypoints(self.ctx, obs)[0]

    def plan(self, current: np.ndarray) -> None:
        if self.first is not None:  # placed at its hover point already: no lift
            press, obs = self.first
            self.first = None
            lift = False
        else:
            obs = self.scene.observe()
            press, lift = sample_press(self.rng, self.ctx, obs, self.yaw), True
            self.yaw = press.yaw
        self.queue.extend(press.targets(self.ctx, obs, current, lift).targets)


POLICIES: dict[str, type[Policy]] = {p.name: p for p in (RandomPolicy, PushPolicy, DemoPolicy, PressPolicy)}
