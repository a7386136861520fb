"""The imitation video: the human recording beside the robot's execution, the current subgoal drawn in both.

Left, a top view of the recording (drawn with Pillow, no simulator): the object's observed points
(orange), the hand's 21 keypoints and bones (blue), the current subgoal's particles (green). Right, the
robot's scene from `sim.video.SceneCamera` with the subgoal as green points. Frames are aligned by
keyframe: while the robot works toward keyframe k, the left side plays the recording from keyframe k-1
toward keyframe k, one recording frame per executed step, and holds at keyframe k until the robot moves on.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from xembody.data.tracks import BONES, Track

SIZE = 240  # pixels, both panels' height (the left one is square)
SPAN = 0.2  # m from the view's centre to its edge (the top view)
OBJECT_RGB = (230, 120, 40)
HAND_RGB = (40, 90, 220)
GOAL_RGB = (30, 200, 60)


class TrackView:
    """Top views (SIZE, SIZE, 3) uint8 of a recording's frames, centred on `centre` (2,) (m)."""

    def __init__(self, track: Track, centre: np.ndarray, label: str):
        self.track, self.centre, self.label = track, np.asarray(centre, dtype=np.float64), label

    def pixels(self, xy: np.ndarray) -> np.ndarray:
        """Table points (N, 2) m -> pixel coordinates (N, 2), x to the right, y up."""
        rel = (xy - self.centre) / SPAN
        return np.stack([(rel[:, 0] + 1) * SIZE / 2, (1 - rel[:, 1]) * SIZE / 2], 1)

    def __call__(self, t: int, goal: np.ndarray | None, caption: str) -> np.ndarray:
        img = Image.new("RGB", (SIZE, SIZE), (245, 245, 240))
        draw = ImageDraw.Draw(img)
        if goal is not None:
            self._dots(draw, goal[:, :2], GOAL_RGB, 1.5)
        obj = self.track.object_points[t]
        self._dots(draw, obj[np.isfinite(obj).all(1), :2], OBJECT_RGB, 2.0)
        kp = self.track.keypoints[t]
        if np.isfinite(kp).all():  # untracked frames show no hand
            p = self.pixels(kp[:, :2])
            for a, b in BONES:
                draw.line([tuple(p[a]), tuple(p[b])], fill=HAND_RGB, width=1)
            self._dots(draw, kp[:, :2], HAND_RGB, 2.0)
        draw.text((4, 4), self.label, fill=(0, 0, 0))
        draw.text((4, SIZE - 14), f"frame {t}  {caption}", fill=(0, 0, 0))
        return np.asarray(img)

    def _dots(self, draw: ImageDraw.ImageDraw, xy: np.ndarray, rgb: tuple[int, int, int], r: float) -> None:
        for u, v in self.pixels(xy):
            draw.ellipse([u - r, v - r, u + r, v + r], fill=rgb)


def side_by_side(left: np.ndarray, right: np.ndarray, label: str) -> np.ndarray:
    """Two panels of the same height, (H, W1, 3) and (H, W2, 3), `label` written on the right one;
    (H, W1 + W2, 3)."""
    img = Image.fromarray(right)
    draw = ImageDraw.Draw(img)
    draw.rectangle(draw.textbbox((4, 4), label), fill=(245, 245, 240))
    draw.text((4, 4), label, fill=(0, 0, 0))
    return np.concatenate([left, np.asarray(img)], 1)


class Aligner:
    """Which recording frame the left panel shows at each executed step of keyframe k: one frame per step
    from keyframe k-1's frame (the recording's first at k = 0) toward keyframe k's, then held there."""

    def __init__(self, key_frames: list[int], first: int):
        self.key_frames, self.first = key_frames, first
        self.k, self.t = 0, first

    def start(self, k: int) -> None:
        self.k = k
        self.t = self.first if k == 0 else self.key_frames[k - 1]

    def step(self) -> int:
        self.t = min(self.t + 1, self.key_frames[self.k])
        return self.t
