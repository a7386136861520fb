"""Push (rigid objects): approach beside the object with the palm down, then push straight through it.

Parameters: direction `phi`, wrist `yaw` and `pitch`, finger `closure`, `offset` of the push line from the
object's centre (a fraction of its radius: it sets the torque), `height` of the contact (a fraction of the
object's height) and `reach` (m past the object's centre where the push ends). Exploration and planning
draw them from different ranges (`EXPLORE_PUSH`, `PLAN_PUSH`) with the same `sample_push`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xembody.geometry import lowest_layer
from xembody.observation import Observation
from xembody.primitives.context import PrimitiveContext, next_yaw
from xembody.primitives.motion import straight
from xembody.primitives.plan import PrimitivePlan


@dataclass(frozen=True)
class PushRanges:
    """Where `sample_push` draws each parameter."""

    closure: float = 0.6  # largest finger closure
    offset: tuple[float, float] = (-0.5, 0.5)
    height: tuple[float, float] = (0.1, 0.4)
    pitch: tuple[float, float] = (0.0, 0.7)
    reach: tuple[float, float] = (0.1, 0.2)  # m past the centre, or past the near side (below)
    from_near_side: bool = False  # reach counts from the object's near side on the push line
    recentre: bool = True  # an object far out is pushed back toward the table centre


EXPLORE_PUSH = PushRanges()
# Planning: any side, up to the whole radius off-centre, ending 5-30 mm past the near side (a short push,
# then look again), fingers less closed.
PLAN_PUSH = PushRanges(
    closure=0.4, offset=(-1.0, 1.0), reach=(0.005, 0.03), from_near_side=True, recentre=False
)

# Demonstrations (a simulated human showing a path, `demo` policy): 2-5 cm past the near side, so each push
# moves the object a few cm and turns it by its offset; an object far out is pushed back in.
DEMO_PUSH = PushRanges(closure=0.3, offset=(-0.8, 0.8), reach=(0.02, 0.05), from_near_side=True)


@dataclass(frozen=True)
class Push:
    phi: float  # rad, direction of the push in the table plane
    yaw: float  # rad, wrist turn about world z
    pitch: float  # rad, fingers pitched down
    closure: np.ndarray  # (n_ctrl,) finger closure per actuator (wrist entries unused)
    offset: float  # push line beside the centre line, fraction of the object's radius
    height: float  # contact height, fraction of the object's height
    reach: float  # m past the object's centre where the hand's leading particle ends

    @property
    def direction(self) -> np.ndarray:
        return np.array([np.cos(self.phi), np.sin(self.phi)])

    def line(self, ctx: PrimitiveContext, obs: Observation) -> tuple[np.ndarray, np.ndarray, float]:
        """(start targets, end targets, safe wrist height): the hand's foremost low particle starts just
        short of the object, `offset` beside its centre line, at `height`, and ends `reach` past the
        centre."""
        rot = ctx.orientation(self.yaw, self.pitch)
        centre, radius = obs.object_centre[:2], ctx.extent.radius
        u, w = self.direction, np.array([-np.sin(self.phi), np.cos(self.phi)])
        rel = ctx.relative(rot, self.closure)
        low = lowest_layer(rel, 0.015)
        lead = low[np.argmax(low[:, :2] @ u)]  # the hand's foremost low particle leads the push
        aim = centre + w * self.offset * radius
        z = 0.004 + self.height * ctx.extent.height - rel[:, 2].min()
        a = np.array([*(aim - u * (radius + 0.005) - lead[:2]), z])
        b = np.array([*(aim + u * self.reach - lead[:2]), z])
        safe = obs.object_top + 0.02 - rel[:, 2].min()
        return ctx.targets(rot, self.closure, a), ctx.targets(rot, self.closure, b), safe

    def targets(
        self, ctx: PrimitiveContext, obs: Observation, current: np.ndarray, lift: bool = True
    ) -> PrimitivePlan:
        """From targets `current` (n_ctrl,): back off, lift, turn and come in beside the object, then push.

        `lift`: always lift the whole hand clear of the object before turning (a big hand's fingertips
        sweep far when the wrist turns at transit speed); otherwise lift only over the object when the
        way crosses it."""
        a, b, safe = self.line(ctx, obs)
        if lift:
            safe = max(safe, obs.object_top + 0.02 + current[2] - obs.hand_points[:, 2].min())
        approach, reached = approach_path(ctx, obs, current, a, safe, lift)
        return PrimitivePlan(approach, straight(reached, b, ctx.frame, ctx.limits)[0])


def approach_path(
    ctx: PrimitiveContext, obs: Observation, current: np.ndarray, a: np.ndarray, safe: float, lift: bool
) -> tuple[list[np.ndarray], np.ndarray]:
    """The way from `current` to push start `a`: back off and up a little, turn, come in again (lifting
    to `safe` when the way crosses the object, or always with `lift`). Returns the targets and `a` as
    reached."""
    centre = obs.object_centre[:2]
    away = obs.hand_points[:, :2].mean(0) - centre
    back = current.copy()
    back[:2] += 0.02 * away / max(np.linalg.norm(away), 1e-6)
    back[2] = (
        max(current[2], safe) if lift or crosses(current, a, centre, ctx.extent.radius) else current[2] + 0.01
    )
    over = a.copy()
    over[2] = back[2]
    path = []
    for w in (back, over, a):
        steps, current = straight(current, w, ctx.frame, ctx.limits, transit=True)
        path += steps
    return path, current


def crosses(a: np.ndarray, b: np.ndarray, centre: np.ndarray, radius: float) -> bool:
    """Whether the wrist path a -> b passes over the object (then the hand must lift over it)."""
    d = b[:2] - a[:2]
    s = np.clip(np.dot(centre - a[:2], d) / max(np.dot(d, d), 1e-12), 0.0, 1.0)
    return bool(np.linalg.norm(a[:2] + s * d - centre) < radius)


def near_side(obs: Observation, phi: float, offset: float, radius: float) -> float:
    """Where the object's points on the push line begin, m along the push from the centre (negative)."""
    u, w = np.array([np.cos(phi), np.sin(phi)]), np.array([-np.sin(phi), np.cos(phi)])
    rel = obs.object_points[:, :2] - obs.object_points[:, :2].mean(0)
    line = np.abs(rel @ w - offset * radius) < 0.01
    return float((rel[line] @ u).min() if line.any() else (rel @ u).min())


def sample_push(
    rng: np.random.Generator,
    ctx: PrimitiveContext,
    obs: Observation,
    ranges: PushRanges,
    yaw: float | None = None,
    toward: np.ndarray | None = None,
) -> Push:
    """A random push. `yaw`: the wrist yaw to turn a little from (None: a random one); `toward` (2,): a
    direction to push roughly along (e.g. from where the hand already is)."""
    centre = obs.object_centre[:2]
    if toward is None:
        phi = rng.uniform(-np.pi, np.pi)
    else:
        phi = np.arctan2(toward[1], toward[0]) + rng.normal(0.0, 0.6)
    if ranges.recentre and np.linalg.norm(centre) > 0.15:  # far out: push back toward the middle
        phi = np.arctan2(-centre[1], -centre[0]) + rng.normal(0.0, 0.4)
    yaw = next_yaw(rng, yaw)
    pitch = rng.uniform(*ranges.pitch)
    closure = rng.uniform(0.0, ranges.closure, ctx.hand.n_ctrl)
    offset, height = rng.uniform(*ranges.offset), rng.uniform(*ranges.height)
    reach = rng.uniform(*ranges.reach)
    if ranges.from_near_side:  # every push makes contact, however big the object
        reach += near_side(obs, phi, offset, ctx.extent.radius)
    return Push(float(phi), yaw, float(pitch), closure, float(offset), float(height), float(reach))
