"""Exploration policies: smooth (bounded per-step changes), deterministic, and in touch with the object."""

import numpy as np
import pytest

from xembody.embodiments import hand_frame
from xembody.explore import POLICIES, episode_rng, run_episode
from xembody.primitives import StepLimits
from xembody.sim import make_scene

CASES = [
    ("allegro", "box", "push"),
    ("franka_hand", "box", "random"),
    ("human", "plasticine", "press"),
    ("human", "box", "demo"),
]


@pytest.fixture(scope="module")
def scenes():
    return {(h, t): make_scene(h, t) for h, t, _ in CASES}


@pytest.mark.parametrize(("hand", "task", "policy"), CASES)
def test_targets_change_by_bounded_steps(scenes, hand, task, policy):
    scene = scenes[hand, task]
    frame = hand_frame(scene.hand)
    lim = StepLimits()
    ep = run_episode(scene, frame, policy, 25 if task == "box" else 12, episode_rng(5, 0), lim)
    ctrl = ep.arrays["ctrl"]
    d = np.abs(np.diff(ctrl.astype(np.float64), axis=0))
    span = np.abs(frame.closed_ctrl - frame.open_ctrl)[6:]
    assert d[:, :3].max() <= lim.transit + 1e-6
    assert d[:, 3:6].max() <= 2 * lim.rotation + 1e-5
    assert (d[:, 6:] <= 1.5 * lim.closure * span + 1e-5).all()


def test_every_policy_is_registered_and_named():
    assert set(POLICIES) == {"random", "push", "press", "demo"}
    assert all(cls.name == key for key, cls in POLICIES.items())


def test_episodes_depend_only_on_their_seed(scenes):
    scene = scenes["allegro", "box"]
    frame = hand_frame(scene.hand)
    a = run_episode(scene, frame, "push", 10, episode_rng(1, 7))
    run_episode(scene, frame, "push", 10, episode_rng(1, 8))  # anything in between must not leak
    b = run_episode(scene, frame, "push", 10, episode_rng(1, 7))
    c = run_episode(scene, frame, "push", 10, episode_rng(1, 9))
    assert all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays)
    assert not np.array_equal(a.arrays["object_points"], c.arrays["object_points"])


def test_recorded_arrays_follow_the_data_contract(scenes):
    scene = scenes["allegro", "box"]
    ep = run_episode(scene, hand_frame(scene.hand), "push", 6, episode_rng(0, 0))
    a, hand = ep.arrays, scene.hand
    # hand particles are the embodiment's FK of the recorded joint positions
    fk = hand.points_np(a["qpos"].astype(np.float64))
    assert np.abs(fk - a["hand_points"]).max() < 1e-4
    assert a["ctrl"].shape == (5, hand.n_ctrl) and a["contact"].dtype == bool
    # rigid object particles are the body-frame points moved by the recorded pose
    from xembody.embodiments.kinematics import quat_to_matrix

    for pose, pts in zip(a["object_pose"].astype(np.float64), a["object_points"], strict=True):
        expected = scene.obj.local_points @ quat_to_matrix(pose[3:]).T + pose[:3]
        assert np.abs(expected - pts).max() < 1e-5
