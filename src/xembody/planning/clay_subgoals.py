"""A human demonstration on clay as subgoals for any hand: one completed cloud per press.

A clay's shape changes only while a hand is in it, and while it is, the hand hides much of it from the
camera, so the frames worth a subgoal are those just after a press. From a recording (`data.tracks`: 21
keypoints and the clay's observed points per frame, its untrusted frames dropped by the caller):

* the clay's **top** is the 95th percentile of the first kept frame's seen heights (the lump before any
  press);
* the hand is **in the clay** at a frame where its lowest keypoint is below the top plus `clear`, and
  **out** where it is above it (untracked frames tell nothing and are skipped);
* a **keyframe** is taken in each stretch of frames the hand spends out of the clay after a press, at the
  frame where its lowest keypoint is highest (it hides the least of the clay; the clay has stopped
  moving once nothing touches it: one-way coupling, no rebound measured);
* the **last kept frame** ends the demonstration: the final stretch's keyframe is moved there if the hand
  is out of the clay then (the same shape, seen last), and it is one if the hand is still in it.

Each keyframe's subgoal is its seen cloud completed to a solid (`perception.complete`: columns from the
table to the seen top) with the model's particle count. Two samplings of the same clay are 0.012-0.014
apart in Chamfer + EMD (docs/planning.md), so a completed subgoal is never met to the paper's threshold:
the planner goes on until it predicts that no press brings the clay nearer (its hold), and imitation is
scored against the human's true final clay where a simulated recording has it.

Refused in one line naming the recording: a hand that never enters the clay (nothing to imitate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xembody.errors import XembodyError
from xembody.goals import Goal
from xembody.planning.perception import complete


@dataclass(frozen=True)
class PressKeyframeRule:
    """When a clay recording gives a subgoal (module docstring)."""

    # m above the clay's top: the hand's lowest keypoint higher than this is out of it (the presses lift
    # the hand 0.6-1.5 cm above the top between presses; tracker noise is 2 mm)
    clear: float = 0.004
    top_quantile: float = 0.95  # of the first kept frame's seen heights: the clay's top


@dataclass(frozen=True)
class ClayDemonstration:
    """A clay recording's subgoals: `keyframes`, recording frames in order (the last one the last kept
    frame); `presses`, the frames where the hand entered the clay; `top`, the clay's top before any press,
    m; `first`, the first kept frame."""

    keyframes: list[int]
    presses: list[int]
    top: float
    first: int

    def goal(self, clouds: np.ndarray, k: int, n: int) -> Goal:
        """Keyframe k's subgoal: its seen cloud (of `clouds` (T, M, 3), NaN-padded) completed to n points."""
        return Goal(complete(seen(clouds[self.keyframes[k]]), n))


def seen(cloud: np.ndarray) -> np.ndarray:
    """A frame's seen points (M, 3), NaN rows dropped, (M', 3)."""
    return cloud[np.isfinite(cloud).all(1)]


def press_keyframes(
    keypoints: np.ndarray, clouds: np.ndarray, keep: np.ndarray, rule: PressKeyframeRule = PressKeyframeRule()
) -> ClayDemonstration:
    """The subgoal frames of a clay recording: `keypoints` (T, 21, 3), `clouds` (T, M, 3) NaN-padded,
    `keep` (T,) the trusted frames (module docstring); no keyframes where the hand never enters the clay."""
    kept = np.flatnonzero(keep)
    top = float(np.quantile(seen(clouds[kept[0]])[:, 2], rule.top_quantile))
    low = keypoints[kept][:, :, 2].min(1)
    inside = low < top + rule.clear
    keys: list[int] = []
    presses: list[int] = []
    stretch: list[int] = []  # indices into kept: the hand out of the clay since the last press
    for j in range(len(kept)):
        if inside[j]:
            if j == 0 or not inside[j - 1]:
                presses.append(int(kept[j]))
            if stretch:  # the hand out after a press, until this next one
                keys.append(int(kept[max(stretch, key=lambda i: low[i])]))
            stretch = []
        elif presses:
            stretch.append(j)
    if presses:
        keys.append(int(kept[-1]))  # the end: out of the clay (its stretch's frame moved there) or in it
    return ClayDemonstration(keys, presses, top, int(kept[0]))


def clay_demonstration(
    keypoints: np.ndarray,
    clouds: np.ndarray,
    keep: np.ndarray,
    rule: PressKeyframeRule = PressKeyframeRule(),
    where: str = "recording",
) -> ClayDemonstration:
    """`press_keyframes`, refusing in one line starting with `where` (the file) a recording in which the
    hand never enters the clay."""
    demo = press_keyframes(keypoints, clouds, keep, rule)
    if not demo.keyframes:
        raise XembodyError(
            f"{where}: the hand never comes within {rule.clear} m of the clay's top "
            f"({demo.top:.3f} m): no press to imitate"
        )
    return demo
