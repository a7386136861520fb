"""Motion primitives shared by exploration and planning: parameters -> actuator-target sequences.

A primitive is a frozen dataclass of parameters with `targets(ctx, obs, current)`, computed from the hand's
geometry (`PrimitiveContext`: its `HandFrame`, step limits, the object's nominal size) and an
`Observation` of the object. Exploration draws parameters at random and executes them; planners draw or
optimise them and score each candidate's targets with a world model. The same draw gives the same targets
in both (tests check it).

* `Push` (rigid objects): approach beside the object with the palm down, then a straight push.
* `Press` (plasticine): the paper's PalmPress, FingersPinch and ThumbPinch.
"""

from xembody.primitives.context import YAW_LIMIT, ObjectExtent, PrimitiveContext, hover_ctrl
from xembody.primitives.motion import StepLimits, clamp_step, straight
from xembody.primitives.plan import PrimitivePlan
from xembody.primitives.press import (
    PALM_PITCH,
    PRESS_KINDS,
    SPOT,
    Press,
    palm_press,
    perturb_press,
    poke_at,
    sample_press,
    within_reach,
)
from xembody.primitives.push import DEMO_PUSH, EXPLORE_PUSH, PLAN_PUSH, Push, PushRanges, sample_push

__all__ = [
    "DEMO_PUSH",
    "EXPLORE_PUSH",
    "PALM_PITCH",
    "PLAN_PUSH",
    "PRESS_KINDS",
    "ObjectExtent",
    "PrimitiveContext",
    "SPOT",
    "PrimitivePlan",
    "Press",
    "Push",
    "PushRanges",
    "StepLimits",
    "YAW_LIMIT",
    "clamp_step",
    "hover_ctrl",
    "palm_press",
    "perturb_press",
    "poke_at",
    "sample_press",
    "sample_push",
    "straight",
    "within_reach",
]
