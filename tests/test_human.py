"""The human hand: one skeleton, two sources (simulated joints, tracked keypoints), the same particles."""

import numpy as np
import pytest
import torch

from xembody.embodiments.human import BONE_LENGTHS, N_KEYPOINTS, template_keypoints
from xembody.errors import XembodyError


def random_qpos(hand, n, seed):
    lo, hi = hand.qpos_limits.T
    return torch.tensor(np.random.default_rng(seed).uniform(lo, hi, (n, hand.dof)), dtype=torch.float32)


def test_simulated_hand_has_twenty_joints(hands):
    hand = hands["human"]
    assert hand.n_hand_joints == 20 and hand.n_hand_actuators == 20


def test_keypoints_follow_the_mediapipe_layout(hands):
    hand = hands["human"]
    q = torch.tensor(hand.default_qpos[None], dtype=torch.float32)
    q[0, :6] = 0.0  # wrist at the origin, palm frame = world frame
    kp = hand.keypoints(q)[0].numpy()
    np.testing.assert_allclose(kp, template_keypoints(), atol=1e-6)
    bone = np.linalg.norm(kp[6] - kp[5])  # index MCP -> PIP
    assert bone == pytest.approx(BONE_LENGTHS["index"][0], abs=1e-6)


def test_keypoints_give_the_same_particles_as_the_joints(hands):
    hand = hands["human"]
    q = random_qpos(hand, 128, 0)
    err = (hand.points_from_keypoints(hand.keypoints(q)) - hand.points(q)).abs().max()
    assert err < 1e-5


def test_tracked_particles_move_with_the_hand_and_stretch_with_it(hands):
    hand = hands["human"]
    kp = hand.keypoints(random_qpos(hand, 4, 1))
    shift = torch.tensor([0.3, -0.2, 0.1])
    torch.testing.assert_close(hand.points_from_keypoints(kp + shift), hand.points_from_keypoints(kp) + shift)
    # A 10% larger hand (about the wrist) moves every phalanx particle outward.
    big = hand.points_from_keypoints(kp[:, :1] + 1.1 * (kp - kp[:, :1]))
    small = hand.points_from_keypoints(kp)
    wrist = kp[:, :1]
    assert (big - wrist).norm(dim=-1).mean() > (small - wrist).norm(dim=-1).mean()


def test_noisy_keypoints_still_give_particles_near_the_true_ones(hands):
    hand = hands["human"]
    q = random_qpos(hand, 16, 2)
    kp = hand.keypoints(q)
    noisy = kp + 0.002 * torch.randn(kp.shape, generator=torch.Generator().manual_seed(0))
    err = (hand.points_from_keypoints(noisy) - hand.points(q)).norm(dim=-1)
    assert torch.isfinite(err).all() and err.mean() < 0.01


@pytest.mark.parametrize(
    "bad, message",
    [
        (torch.zeros(2, 20, 3), "expected shape (B, 21, 3)"),
        (torch.zeros(21, 3), "expected shape (B, 21, 3)"),
        (torch.full((1, N_KEYPOINTS, 3), float("nan")), "NaN"),
    ],
)
def test_bad_keypoints_are_rejected(hands, bad, message):
    with pytest.raises(XembodyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        hands["human"].points_from_keypoints(bad)
