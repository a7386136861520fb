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
