"""The paper's plasticine primitives, done by any hand: PalmPress (the open hand pressed down),
FingersPinch (fingertips lowered into the clay, then every finger closes) and ThumbPinch (a random half of
the actuators closes, so a thumb often opposes some fingers).

Each hovers over a spot, presses to a depth, squeezes (pinches), kneads (the wrist slides a few millimetres
twice while pressed), opens in the clay and lifts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from xembody.geometry import lowest_patch
from xembody.observation import Observation
from xembody.primitives.context import YAW_LIMIT, PrimitiveContext, next_yaw
from xembody.primitives.motion import clear_transit, straight
from xembody.primitives.plan import PrimitivePlan

PRESS_KINDS = ("palm_press", "fingers_pinch", "thumb_pinch")
CLOSED = 0.8  # largest closure of the actuators that pinch
# A slight pitch puts the palm and fingers, not a forearm or wrist, lowest.
PITCH = {"palm_press": (0.05, 0.25), "fingers_pinch": (0.4, 1.1), "thumb_pinch": (0.4, 1.1)}  # rad
PALM_PITCH = 0.15  # rad: a palm press's middle pitch (the goal scripts' and the guided proposals')
DEPTH = (0.008, 0.035)  # m below the top, and at most DEPTH_FRACTION of the object's height
DEPTH_FRACTION = 0.8  # leave clay under the hand
SPOT = 0.7  # spots lie within this fraction of the object's radius (a square lump's sides are at 0.71)
HOVER_GAP = 0.004  # m: the hand's lowest particle this far above the object's top before it presses
LIFT_GAP = 0.01  # m: and this far above it before the approach turns and moves the hand


@dataclass(frozen=True)
class Press:
    kind: str  # one of PRESS_KINDS
    yaw: float  # rad, wrist turn about world z
    pitch: float  # rad, fingers pitched down
    closing: np.ndarray  # (n_ctrl,) bool: the actuators that close in the squeeze
    closure: float  # how far they close, 0 (a poke: no squeeze) to CLOSED
    spot: np.ndarray  # (2,) m, where the hand's lowest patch lands, from the object's centre
    depth: float  # m below the object's top
    slides: np.ndarray  # (2, 2) m, the kneading slides of the wrist while pressed

    @property
    def open(self) -> float:
        """Closure of every actuator before the squeeze: a palm presses flat, fingers slightly curled."""
        return 0.0 if self.kind == "palm_press" else 0.1

    def waypoints(self, ctx: PrimitiveContext, obs: Observation) -> list[np.ndarray]:
        """Targets to pass through, each reached by a straight move: hover, press, hold, squeeze, two
        slides, open in the clay, lift."""
        rot = ctx.orientation(self.yaw, self.pitch)
        n = ctx.hand.n_ctrl
        open_c = np.full(n, self.open)
        closed = np.where(self.closing, max(self.open, self.closure), open_c)
        rel = ctx.relative(rot, open_c)
        low = lowest_patch(rel)
        xy, top = obs.object_centre[:2] + self.spot - low[:, :2].mean(0), obs.object_top
        z_hover = top + HOVER_GAP - rel[:, 2].min()
        press = ctx.targets(rot, open_c, np.array([*xy, top - self.depth - rel[:, 2].min()]))
        hover = ctx.targets(rot, open_c, np.array([*xy, z_hover]))
        # Closing curls the fingertips up and back: lower the wrist so they stay in the clay.
        rel_closed = ctx.relative(rot, closed)
        squeeze = ctx.targets(rot, closed, np.array([*xy, top - self.depth - rel_closed[:, 2].min()]))
        lift = ctx.targets(rot, open_c, np.array([*xy, z_hover]))
        slides = [squeeze.copy() for _ in range(2)]
        for s, d in zip(slides, self.slides, strict=True):
            s[:2] += d
        return [hover, press, press, squeeze, *slides, press, lift]  # repeats hold a pose

    def targets(
        self,
        ctx: PrimitiveContext,
        obs: Observation,
        current: np.ndarray,
        lift: bool = True,
        clear: bool = False,
    ) -> PrimitivePlan:
        """From targets `current`: (with `lift`) up just clear of the clay, then turn and move over the spot
        (the approach; with `clear`, higher first where the turn would tilt the hand into the clay:
        `clear_transit`), then the press itself (the contact).

        `clear` is off by default because every dataset and figure before 2026-12-07 was made without it:
        measured on 149 exploration draws from the standard start, LEAP's approaches dip below the clay's
        top in 26 (up to 17 mm, turns of 0.14-1.42 rad), the human hand's in 2 (docs/clay.md,
        `benchmarks/turn_clearance.py`)."""
        approach = []
        if lift:
            approach, current = straight(current, lifted(current, obs), ctx.frame, ctx.limits, transit=True)
        contact = []
        floor = obs.object_top + HOVER_GAP
        for i, w in enumerate(self.waypoints(ctx, obs)):
            vias = (
                clear_transit(current, w, ctx.hand, ctx.frame, ctx.limits, floor) if clear and i == 0 else []
            )
            for v in [*vias, w]:
                steps, current = straight(current, v, ctx.frame, ctx.limits, transit=i == 0)
                (approach if i == 0 else contact).extend(steps)
        return PrimitivePlan(approach, contact)


def lifted(current: np.ndarray, obs: Observation) -> np.ndarray:
    """Targets `current` (n_ctrl,) with the wrist raised until the hand's lowest observed particle is
    `LIFT_GAP` above the object's top (unchanged where it already is)."""
    up = current.copy()
    up[2] += max(0.0, obs.object_top + LIFT_GAP - obs.hand_points[:, 2].min())
    return up


def sample_press(
    rng: np.random.Generator,
    ctx: PrimitiveContext,
    obs: Observation,
    yaw: float | None = None,
    kinds: tuple[str, ...] = PRESS_KINDS,
) -> Press:
    """A random press at a random spot within 0.7 of the object's radius of its centre, 8-35 mm deep (at
    most 80% of its height), pinches closing their fingers by a random amount up to CLOSED.
    `yaw`: the wrist yaw to turn a little from (None: a random one); `kinds`: the kinds drawn from, each
    equally likely (the default's draws are those of every release before `kinds` existed)."""
    n = ctx.hand.n_ctrl
    kind = kinds[rng.integers(len(kinds))]
    yaw = next_yaw(rng, yaw)
    pitch = rng.uniform(*PITCH[kind])
    if kind == "fingers_pinch":
        closing = np.ones(n, dtype=bool)
    elif kind == "thumb_pinch":
        closing = rng.random(n) < 0.5
    else:
        closing = np.zeros(n, dtype=bool)
    r = ctx.extent.radius * SPOT * np.sqrt(rng.random())
    a = rng.uniform(-np.pi, np.pi)
    depth = rng.uniform(DEPTH[0], _deepest(ctx))
    closure = 0.0 if kind == "palm_press" else rng.uniform(0.0, CLOSED)
    slides = np.stack([rng.normal(0.0, 0.005, 2) for _ in range(2)])
    spot = r * np.array([np.cos(a), np.sin(a)])
    return Press(kind, yaw, float(pitch), closing, float(closure), spot, float(depth), slides)


def perturb_press(press: Press, rng: np.random.Generator, ctx: PrimitiveContext, scale: float) -> Press:
    """A press near `press` (same kind and closing fingers): its continuous parameters moved by Gaussian
    noise, `scale` (0-1) of each one's sampling range, and kept within those ranges (cross-entropy
    refinement of the best candidates)."""
    lo, hi = PITCH[press.kind]
    reach = ctx.extent.radius * SPOT
    spot = within_reach(press.spot + rng.normal(0.0, scale * reach, 2), reach)
    closure = (
        0.0
        if press.kind == "palm_press"
        else np.clip(press.closure + rng.normal(0, scale * CLOSED), 0, CLOSED)
    )
    return Press(
        press.kind,
        float(np.clip(press.yaw + rng.normal(0.0, scale * np.pi), -YAW_LIMIT, YAW_LIMIT)),
        float(np.clip(press.pitch + rng.normal(0.0, scale * (hi - lo)), lo, hi)),
        press.closing,
        float(closure),
        spot,
        float(np.clip(press.depth + rng.normal(0.0, scale * (DEPTH[1] - DEPTH[0])), DEPTH[0], _deepest(ctx))),
        press.slides,
    )


def poke_at(press: Press, ctx: PrimitiveContext, spot: np.ndarray, depth: float) -> Press:
    """`press` made a poke (no squeeze, no slides: straight down and up) at `spot` (2,) m from the object's
    centre, `depth` m below its top, both kept within the sampling ranges. A goal-guided proposal
    (`xembody.planning.proposals`): it says where clay must go down and how far, and squeezes and slides
    would move it sideways instead."""
    spot = within_reach(np.asarray(spot, dtype=float), ctx.extent.radius * SPOT)
    depth = float(np.clip(depth, DEPTH[0], _deepest(ctx)))
    return replace(press, spot=spot, depth=depth, closure=0.0, slides=np.zeros_like(press.slides))


def palm_press(ctx: PrimitiveContext, yaw: float = 0.0) -> Press:
    """A flat palm press with the wrist at `yaw` (rad; 0, the home yaw, is where every episode starts, so
    no turn), its middle pitch, at the object's centre, as shallow as presses go: the base `poke_at` moves
    to a spot and depth."""
    if abs(yaw) > YAW_LIMIT:
        raise ValueError(f"a palm press's yaw must be within +-{YAW_LIMIT} rad, got {yaw}")
    closing = np.zeros(ctx.hand.n_ctrl, dtype=bool)
    return Press("palm_press", float(yaw), PALM_PITCH, closing, 0.0, np.zeros(2), DEPTH[0], np.zeros((2, 2)))


def within_reach(spot: np.ndarray, reach: float) -> np.ndarray:
    """A spot (2,) m pulled in along its own direction to at most `reach` m from the object's centre."""
    return spot * min(1.0, reach / max(float(np.linalg.norm(spot)), 1e-9))


def _deepest(ctx: PrimitiveContext) -> float:
    return min(DEPTH[1], DEPTH_FRACTION * ctx.extent.height)
