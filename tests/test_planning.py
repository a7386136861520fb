"""MPPI on toy problems with known optima."""

import pytest
import torch

from xembody.planning import MPPI, MPPIConfig


def test_mppi_finds_the_minimum_of_a_quadratic():
    target = torch.tensor([0.3, -0.5, 0.8])
    mppi = MPPI(MPPIConfig(samples=256, horizon=4, iterations=15), -torch.ones(3), torch.ones(3))
    result = mppi.plan(lambda a: (a - target).square().sum((1, 2)))
    assert (result.actions - target).abs().max() < 0.05
    assert result.costs[-1] < result.costs[0]


def test_mppi_drives_a_point_mass_to_a_goal_and_warm_starts():
    """x_{t+1} = x_t + a_t, |a| <= 0.2: reach a goal 0.6 away in 4 steps."""
    goal = torch.tensor([0.6, -0.4])

    def cost(a):
        final = a.sum(1)  # start at the origin
        return (final - goal).square().sum(-1) + 1e-3 * a.square().sum((1, 2))

    mppi = MPPI(
        MPPIConfig(samples=300, horizon=4, iterations=12), torch.full((2,), -0.2), torch.full((2,), 0.2)
    )
    result = mppi.plan(cost)
    assert (result.actions.sum(0) - goal).norm() < 0.03
    warm = mppi.plan(cost, MPPI.shift(result.actions, 1))
    assert warm.actions.shape == (4, 2) and warm.cost <= result.cost + 0.05


def test_mppi_rejects_bad_costs_and_bounds():
    mppi = MPPI(MPPIConfig(samples=8, horizon=2, iterations=1), torch.zeros(1), torch.ones(1))
    with pytest.raises(ValueError, match="cost must return"):
        mppi.plan(lambda a: torch.zeros(3))
    with pytest.raises(ValueError, match="high > low"):
        MPPI(MPPIConfig(), torch.ones(1), torch.ones(1))


def test_ctrl_to_particle_path_has_the_right_gradients(hands):
    """Actuator targets -> joints -> hand particles: autograd agrees with finite differences (float64)."""
    from xembody.model import OursModel
    from xembody.planning import LearnedDynamics

    hand = hands["allegro"]
    dyn = LearnedDynamics(OursModel().double(), hand, rigid=True)
    lo, hi = (torch.as_tensor(x) for x in hand.ctrl_limits.T)
    g = torch.Generator().manual_seed(0)
    ctrl = lo + (hi - lo) * (0.25 + 0.5 * torch.rand(2, 3, hand.n_ctrl, generator=g, dtype=torch.float64))
    ctrl[..., :3] = torch.tensor([0.0, 0.0, 0.1], dtype=torch.float64)
    ctrl.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda c: dyn.hand_points(c), (ctrl,), eps=1e-6, atol=1e-6)


def test_learned_dynamics_rolls_out_the_model_on_fk_particles(hands):
    from xembody.model import OursModel
    from xembody.planning import LearnedDynamics

    torch.manual_seed(0)
    hand = hands["franka_hand"]
    model = OursModel().eval()
    dyn = LearnedDynamics(model, hand, rigid=True)
    ctrl = torch.tensor(hand.default_ctrl, dtype=torch.float32).expand(4, 3, -1).clone()
    ctrl[:, 1:, 2] -= torch.linspace(0.0, 0.1, 4)[:, None]  # four candidates lowering the wrist
    obj = torch.rand(100, 3) * 0.05
    with torch.no_grad():
        out = dyn.rollout(ctrl, obj)
        hp = hand.points(hand.ctrl_to_qpos(ctrl.reshape(12, -1))).reshape(4, 3, -1, 3)
        ones = torch.ones(4, hp.shape[2], dtype=torch.bool), torch.ones(4, 100, dtype=torch.bool)
        ref, _ = model.rollout(hp, obj.expand(4, -1, -1), *ones, torch.ones(4, dtype=torch.bool))
    assert out.shape == (4, 2, 100, 3)
    torch.testing.assert_close(out, ref)
