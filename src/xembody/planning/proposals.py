"""Goal-guided press proposals: press where the clay stands above the goal, as deep as the goal is there.

A random spot rarely lands within the few millimetres a goal's dents need (docs/clay.md: a named shape
moves 0.007 when each of its spots is 2 mm off). The difference between the clay's top surface and the
goal's says where material must go down, and how far: guided proposals take their spot from the clay's
particles in proportion to that excess, and their depth from the goal's surface there, and they are pokes
(`primitives.poke_at`: no squeeze, no slides), by default flat palm presses at the wrist's home yaw (the
planner's `guided_kind`). The dynamics still rank every candidate: these are proposals, not a policy
(the untrained-model control shows how far proposals alone get).
"""

from __future__ import annotations

import numpy as np

from xembody.primitives import within_reach

RADIUS = 0.005  # m: a surface's height at a point is that of its highest particle within this xy distance
MIN_EXCESS = 0.002  # m: less than this above the goal is within the sampling's noise (a 300-point cloud)
JITTER = 0.0015  # m: spots are spread this much about the chosen particle


def surface_height(points: np.ndarray, at: np.ndarray, radius: float = RADIUS) -> np.ndarray:
    """Height of the top surface of `points` (N, 3) above each of `at` (K, 2): the highest particle within
    `radius` in xy, NaN where there is none. Returns (K,)."""
    near = np.linalg.norm(at[:, None, :] - points[None, :, :2], axis=-1) < radius
    z = np.where(near, points[None, :, 2], -np.inf).max(1)
    return np.where(np.isfinite(z), z, np.nan)


def excess(current: np.ndarray, goal: np.ndarray, radius: float = RADIUS) -> tuple[np.ndarray, np.ndarray]:
    """How far each current particle (N, 3) stands above the goal's surface at its xy, and that surface's
    height (the goal's lowest particle where the goal has no clay within `radius`). Particles inside the
    clay stand above it only where the whole column must go down. Returns (excess (N,), goal_height (N,)),
    m."""
    goal_z = surface_height(goal, current[:, :2], radius)
    goal_z = np.where(np.isnan(goal_z), goal[:, 2].min(), goal_z)
    return current[:, 2] - goal_z, goal_z


def guided_spots(
    rng: np.random.Generator, current: np.ndarray, goal: np.ndarray, reach: float, n: int
) -> list[tuple[np.ndarray, float]]:
    """`n` (spot, depth) pairs: a spot (2,) m from the clay's centroid where its surface stands at least
    MIN_EXCESS above the goal's (drawn in proportion to the excess, within `reach` of the centroid), and the
    depth (m below the clay's top) of the goal's surface there. Empty where the clay is nowhere above the
    goal by more than MIN_EXCESS."""
    over, goal_z = excess(current, goal)
    centre, top = current.mean(0), float(current[:, 2].max())
    inside = np.linalg.norm(current[:, :2] - centre[:2], axis=1) <= reach
    weight = np.where(inside & (over > MIN_EXCESS), over, 0.0)
    if not weight.any():
        return []
    picks = rng.choice(len(current), size=n, p=weight / weight.sum())
    out = []
    for i in picks:
        spot = within_reach(current[i, :2] - centre[:2] + rng.normal(0.0, JITTER, 2), reach)
        out.append((spot, top - float(goal_z[i])))
    return out
