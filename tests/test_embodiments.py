"""Every registered hand: shapes, FK against MuJoCo, particles on the surface, determinism, gradients."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import xembody
from conftest import HAND_NAMES
from geometry import particle_offsets
from xembody.embodiments.mount import WRIST_JOINTS

EXPECTED_JOINTS = {
    "allegro": 16,
    "leap": 16,
    "shadow": 24,
    "aero": 16,
    "robotiq_2f85": 8,
    "umi": 2,
    "franka_hand": 2,
    "human": 20,
}


def random_qpos(hand, n: int, seed: int) -> np.ndarray:
    lo, hi = hand.qpos_limits.T
    return np.random.default_rng(seed).uniform(lo, hi, (n, hand.dof))


def test_registry_has_the_eight_hands():
    assert set(HAND_NAMES) == set(EXPECTED_JOINTS)


@pytest.mark.parametrize("name", HAND_NAMES)
def test_shapes_and_metadata(hands, name):
    hand = hands[name]
    assert hand.dof == 6 + EXPECTED_JOINTS[name] == len(hand.joint_names)
    assert hand.joint_names[:6] == WRIST_JOINTS and hand.ctrl_names[:6] == WRIST_JOINTS
    assert (
        hand.qpos_limits.shape == (hand.dof, 2) and (hand.qpos_limits[:, 0] <= hand.qpos_limits[:, 1]).all()
    )
    assert hand.default_qpos.shape == (hand.dof,)
    lo, hi = hand.qpos_limits.T
    tol = 0.01  # MuJoCo's joint limits are soft: a settled tendon hand rests a few mrad past them
    assert ((hand.default_qpos >= lo - tol) & (hand.default_qpos <= hi + tol)).all()
    assert hand.n_points == 50 and hand.point_link.shape == (50,) and hand.local_points.shape == (50, 3)
    assert hand.point_link.min() >= 0 and hand.point_link.max() < len(hand.link_names)
    assert len(set(hand.point_link.tolist())) > 1  # particles spread over several links
    pts = hand.points(torch.zeros(4, hand.dof))
    assert pts.shape == (4, 50, 3) and pts.dtype == torch.float32
    assert hand.points_np(hand.default_qpos).shape == (50, 3)


@pytest.mark.parametrize("name", HAND_NAMES)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_fk_matches_mujoco(hands, name, seed):
    hand = hands[name]
    q = random_qpos(hand, 16, seed)
    err = np.abs(hand.points_np(q) - hand.points_mujoco(q)).max()
    assert err < 1e-5, f"{name}: FK differs from MuJoCo by {err:.2e} m"


@pytest.mark.parametrize("name", HAND_NAMES)
def test_points_lie_on_the_surface(hands, name):
    for link, off in particle_offsets(hands[name]).items():
        assert off < 1e-3, f"{name}/{link}: a particle is {off * 1e3:.2f} mm off"


def test_same_seed_same_points():
    a, b = xembody.load_hand("leap", seed=3), xembody.load_hand("leap", seed=3)
    c = xembody.load_hand("leap", seed=4)
    np.testing.assert_array_equal(a.local_points, b.local_points)
    np.testing.assert_array_equal(a.point_link, b.point_link)
    assert not np.array_equal(a.local_points, c.local_points)


def test_particle_count_is_configurable():
    hand = xembody.load_hand("allegro", n_points=200)
    assert hand.points_np(hand.default_qpos).shape == (200, 3)
    # FPS spreads particles: no two closer than a small fraction of the hand's size.
    p = hand.points_np(hand.default_qpos)
    d = np.linalg.norm(p[:, None] - p[None], axis=-1) + np.eye(len(p))
    assert d.min() > 1e-3


def test_fk_jacobian_matches_finite_differences(hands):
    hand = hands["human"]
    q = torch.tensor(random_qpos(hand, 1, 0), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: hand.points(x), (q,), eps=1e-6, atol=1e-6)


def test_batch_of_one_equals_batch(hands):
    hand = hands["shadow"]
    q = torch.tensor(random_qpos(hand, 8, 1), dtype=torch.float32)
    batch = hand.points(q)
    for i in range(8):
        torch.testing.assert_close(hand.points(q[i : i + 1])[0], batch[i])
