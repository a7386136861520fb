"""Straight moves between actuator targets under per-step limits, so every motion is smooth for any hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.hand_frame import HandFrame, points_at
from xembody.geometry import nearest_euler


@dataclass(frozen=True)
class StepLimits:
    """Largest change of a target in one control step."""

    translation: float = 0.015  # m (0.15 m/s at 10 Hz)
    transit: float = 0.03  # m, moving in free space between contacts
    rotation: float = 0.2  # rad
    closure: float = 0.15  # fraction of each actuator's range


def straight(
    a: np.ndarray, b: np.ndarray, frame: HandFrame, limits: StepLimits, transit: bool = False
) -> tuple[list[np.ndarray], np.ndarray]:
    """The targets (n_ctrl,) of a straight move from a to b in as few steps as the limits allow (b
    included), and b as reached.

    `transit` moves (no contact intended) may translate faster and turn twice as fast. The wrist angles
    of b are taken in whichever of their two equivalent forms is nearer a."""
    span = np.maximum(np.abs(frame.closed_ctrl - frame.open_ctrl), 1e-9)
    b = b.copy()
    b[3:6] = nearest_euler(b[3:6], a[3:6])
    d = b - a
    steps = max(
        np.abs(d[:3]).max() / (limits.transit if transit else limits.translation),
        np.abs(d[3:6]).max() / (limits.rotation * (2.0 if transit else 1.0)),
        (np.abs(d[6:]) / span[6:]).max(initial=0.0) / limits.closure,
        1.0,
    )
    n = int(np.ceil(steps - 1e-9))
    return [a + d * (i / n) for i in range(1, n + 1)], b


def clamp_step(a: np.ndarray, b: np.ndarray, frame: HandFrame, limits: StepLimits) -> np.ndarray:
    """Targets b (n_ctrl,), pulled back along the line from a until no part moves further than a transit
    step allows (the fastest any primitive moves): a safety net, no change to targets that obey the limits."""
    span = np.maximum(np.abs(frame.closed_ctrl - frame.open_ctrl), 1e-9)
    wrist = np.r_[np.full(3, limits.transit), np.full(3, 2.0 * limits.rotation)]
    bound = np.concatenate([wrist, limits.closure * span[6:]])
    d = b - a
    ratio = (np.abs(d) / bound).max(initial=0.0)
    return b if ratio <= 1.0 + 1e-6 else a + d / ratio  # slack: straight() rounds its step count


CLEARANCE_SLACK = 0.001  # m: a transit dipping less than this below its floor is left as it is


def clear_transit(
    a: np.ndarray, b: np.ndarray, hand: MjcfHand, frame: HandFrame, limits: StepLimits, floor: float
) -> list[np.ndarray]:
    """Targets (n_ctrl,) to pass through on a transit from a to b so that no hand particle goes below
    `floor` (m) where both ends are above it: none where the straight move already keeps clear; else
    straight up to a height the move clears, across there, then down to b.

    A straight move interpolates the wrist's hinge angles, so a large turn tilts the hand on the way (the
    human hand turned half a circle, from -90 to +90 degrees, dips 17 mm at mid-turn) and would sweep
    through the object it is turning over."""
    steps, _ = straight(a, b, frame, limits, transit=True)
    path = np.stack([a, *steps])
    low = points_at(hand, path)[..., 2].min(1)  # (T,) lowest particle at each step
    if low.min() >= min(floor, low[0], low[-1]) - CLEARANCE_SLACK:
        return []
    height = max(a[2], b[2], floor - float((low - path[:, 2]).min()))  # wrist height the whole move clears
    up, across = a.copy(), b.copy()
    up[2] = across[2] = height
    return [up, across]
