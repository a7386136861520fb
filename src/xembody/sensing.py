"""A depth camera over the table, simulated from points: which surface points it sees, with noise.

The same camera makes the simulated human recordings (`data.synthetic_tracks`) and the observations of
`xembody plan --observe camera` (`sim.camera`): a z-buffer over angular bins seen from one position (a
point is seen if it is nearest the camera in its bin, within a surface patch's depth; the hand's points
compete for the same bins, so the hand occludes), then Gaussian noise on every seen point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAMERA = (0.35, -0.35, 0.45)  # m, looking at the table centre from the front right, above
BIN_DEGREES = 1.5  # angular resolution of the z-buffer
POINT_NOISE = 0.002  # m, std per coordinate of a seen point
PATCH = 0.005  # m: points this far behind the nearest in their bin are on the same surface patch


@dataclass(frozen=True)
class DepthCamera:
    position: tuple[float, float, float] = CAMERA
    bin_degrees: float = BIN_DEGREES
    noise: float = POINT_NOISE

    def see(self, points: np.ndarray, occluders: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The seen part of `points` (N, 3) with `occluders` (K, 3) in front, noisy: (M, 3), M <= N."""
        seen = points[visible(points, occluders, np.asarray(self.position), self.bin_degrees)]
        return seen + rng.normal(0.0, self.noise, seen.shape)


CLAY_CAMERA = DepthCamera(bin_degrees=0.5)
"""The camera of `xembody plan --observe camera` on clay: 1.5-degree bins see about 60 points of the lump
(one per ~1.6 cm, coarser than a press's dent), 0.5-degree ones about 300 (a real depth camera resolves
about 0.1 degree per pixel). Boxes and the recordings keep `DepthCamera()`."""


def visible(points: np.ndarray, occluders: np.ndarray, camera: np.ndarray, bin_degrees: float) -> np.ndarray:
    """Which of `points` (N, 3) are nearest the camera in their angular bin, with `occluders` (K, 3)
    competing for the same bins, (N,) bool."""
    allp = np.concatenate([points, occluders])
    d = allp - camera
    r = np.linalg.norm(d, axis=1)
    az = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    el = np.degrees(np.arcsin(np.clip(d[:, 2] / r, -1.0, 1.0)))
    bins = np.stack([np.floor(az / bin_degrees), np.floor(el / bin_degrees)], 1).astype(np.int64)
    _, inverse = np.unique(bins, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)  # numpy 2 keeps the axis
    nearest = np.full(inverse.max() + 1, np.inf)
    np.minimum.at(nearest, inverse, r)
    return (r <= nearest[inverse] + PATCH)[: len(points)]
