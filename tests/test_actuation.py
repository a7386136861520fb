"""Control space -> joint space agrees with the rest poses MuJoCo itself reaches."""

import numpy as np
import pytest
import torch

from xembody.embodiments.actuation import settle

# Particle error of the map against MuJoCo on random controls. The Aero thumb's three actuators act on
# shared joints, which the per-actuator (additive) table only captures to first order.
TOLERANCE_M = {"shadow": 1e-3, "robotiq_2f85": 1e-3, "umi": 1e-3, "franka_hand": 1e-3, "aero": 1e-2}


@pytest.mark.parametrize("name", ["allegro", "leap", "human"])
def test_fully_actuated_hands_map_controls_to_joints_one_to_one(hands, name):
    hand = hands[name]
    assert not hand.actuation.coupled and hand.n_ctrl == hand.dof
    u = torch.rand(5, hand.n_ctrl, dtype=torch.float64)
    q = hand.ctrl_to_qpos(u)
    # The servo on joint j is actuator j for these hands.
    torch.testing.assert_close(q, u)


@pytest.mark.parametrize("name", sorted(TOLERANCE_M))
def test_coupled_hands_match_mujoco_rest_poses(hands, name):
    hand = hands[name]
    assert hand.actuation.coupled and hand.n_ctrl < hand.dof
    lo, hi = hand.ctrl_limits.T
    u = np.random.default_rng(0).uniform(lo, hi, (6, hand.n_ctrl))
    u[:, :6] = 0.0  # the wrist at the origin; the table is in the hand's frame anyway
    q_mujoco = settle(hand.model, u)  # the model's own timestep
    q_map = hand.ctrl_to_qpos(torch.tensor(u, dtype=torch.float32)).numpy()
    err = np.linalg.norm(hand.points_np(q_mujoco) - hand.points_np(q_map), axis=-1).max()
    assert err < TOLERANCE_M[name], f"{name}: ctrl_to_qpos is {err * 1e3:.2f} mm off MuJoCo"


def test_coupled_map_moves_the_fingers(hands):
    """The gripper closes over its control range: its two pads get closer together."""
    hand = hands["robotiq_2f85"]
    lo, hi = hand.ctrl_limits[6]
    u = torch.tensor(np.stack([hand.default_ctrl] * 2), dtype=torch.float32)
    u[0, 6], u[1, 6] = lo, hi
    p = hand.points(hand.ctrl_to_qpos(u))
    left, right = (
        torch.from_numpy(hand.point_link == hand.link_names.index(f"hand/{s}_pad")) for s in ("left", "right")
    )
    gap = (p[:, left].mean(1) - p[:, right].mean(1)).norm(dim=-1)
    assert gap[1] < gap[0] - 0.03  # the 2F-85 opens 85 mm


def test_ctrl_to_qpos_is_differentiable(hands):
    hand = hands["shadow"]
    u = torch.tensor(hand.default_ctrl[None], dtype=torch.float32, requires_grad=True)
    hand.points(hand.ctrl_to_qpos(u)).sum().backward()
    assert torch.isfinite(u.grad).all() and u.grad.abs().sum() > 0
