"""Goal-guided press proposals: spots where the clay stands above the goal, at the goal's depth there."""

from __future__ import annotations

import numpy as np
import pytest

from xembody.planning.proposals import JITTER, MIN_EXCESS, excess, guided_spots, surface_height

TOP, GROOVE, HALF_WIDTH = 0.045, 0.015, 0.009  # m: a slab's top; the goal's groove along x


def slab(groove: float = 0.0, step: float = 0.004) -> np.ndarray:
    """A 6 x 6 cm slab's top layers (N, 3), with a groove of `groove` m along x where |y| < 9 mm."""
    g = np.arange(-0.03, 0.0301, step)
    x, y, z = np.meshgrid(g, g, [TOP - 0.008, TOP - 0.004, TOP], indexing="ij")
    p = np.stack([x.ravel(), y.ravel(), z.ravel()], 1)
    p[np.abs(p[:, 1]) < HALF_WIDTH, 2] -= groove
    return p


def test_surface_height_is_the_highest_particle_nearby_and_nan_off_the_clay():
    p = slab(GROOVE)
    h = surface_height(p, np.array([[0.0, 0.0], [0.0, 0.02], [0.2, 0.2]]), radius=0.003)
    assert h[0] == pytest.approx(TOP - GROOVE) and h[1] == pytest.approx(TOP) and np.isnan(h[2])


def test_the_excess_is_the_goal_groove_under_the_top_and_none_beside_it():
    current, goal = slab(), slab(GROOVE)
    over, goal_z = excess(current, goal, radius=0.003)
    top, y = current[:, 2] == TOP, np.abs(current[:, 1])
    inside, beside = y < HALF_WIDTH, y > HALF_WIDTH + 0.003
    assert np.allclose(over[top & inside], GROOVE) and np.allclose(goal_z[inside], TOP - GROOVE)
    assert np.allclose(over[top & beside], 0.0) and np.all(over[~top & beside] < 0)  # under the goal's top


def test_guided_spots_land_in_the_groove_at_its_depth_within_reach():
    current, goal = slab(), slab(GROOVE)
    rng = np.random.default_rng(0)
    pairs = guided_spots(rng, current, goal, reach=0.02, n=50)
    spots = np.array([s for s, _ in pairs])
    depths = np.array([d for _, d in pairs])
    assert len(pairs) == 50
    assert np.all(np.abs(spots[:, 1]) < HALF_WIDTH + 4 * JITTER)  # the groove, plus the jitter
    assert np.all(np.linalg.norm(spots, axis=1) <= 0.02 + 1e-12)
    assert np.allclose(depths, GROOVE)  # down to the goal's surface there
    assert spots[:, 0].std() > 0.005  # spread along the groove, not one spot


def test_no_guided_spots_where_the_clay_already_matches_the_goal():
    current = slab()
    lifted = current + [0, 0, MIN_EXCESS / 2]  # the goal a little higher than the clay everywhere
    assert guided_spots(np.random.default_rng(0), current, current, 0.03, 5) == []
    assert guided_spots(np.random.default_rng(0), current, lifted, 0.03, 5) == []
