"""Model-predictive path integral control (MPPI) over any batched cost, in any action space.

The planner knows nothing of hands or world models: it samples action sequences (S, H, A) around a mean,
asks `cost` for one number per sequence, and moves the mean toward the exponentially weighted average of
the samples. The paper's configuration is `MPPIConfig()` (500 samples, horizon 4, 10 iterations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class MPPIConfig:
    samples: int = 500
    horizon: int = 4
    iterations: int = 10
    temperature: float = 0.3  # lambda, in units of the samples' cost std: lower trusts the best more
    noise: float = 0.1  # std of the sampling noise, as a fraction of each action's range
    correlation: float = 0.0  # AR(1) coefficient of the noise along the horizon: 0 white, ->1 smooth
    seed: int = 0


@dataclass
class PlanResult:
    actions: torch.Tensor  # (H, A) the planned mean sequence
    cost: float  # cost of the best sample in the last iteration
    costs: list[float]  # best cost per iteration


class MPPI:
    """MPPI in a box of actions: `low`, `high` (A,) bound every step's action."""

    def __init__(self, cfg: MPPIConfig, low: torch.Tensor, high: torch.Tensor):
        if (high <= low).any():
            raise ValueError("every action needs high > low")
        if not 0.0 <= cfg.correlation < 1.0:
            raise ValueError(f"noise correlation must be in [0, 1), got {cfg.correlation}")
        self.cfg, self.low, self.high = cfg, low, high
        self.gen = torch.Generator().manual_seed(cfg.seed)

    def plan(
        self, cost: Callable[[torch.Tensor], torch.Tensor], mean: torch.Tensor | None = None
    ) -> PlanResult:
        """Minimise `cost` (S, H, A) -> (S,) starting from `mean` (H, A) (default: mid-range)."""
        cfg = self.cfg
        a = self.low.shape[0]
        mean = ((self.low + self.high) / 2).expand(cfg.horizon, a).clone() if mean is None else mean.clone()
        std = cfg.noise * (self.high - self.low)
        best, history = float("inf"), []
        for _ in range(cfg.iterations):
            noise = self.noise(a) * std
            noise[0] = 0.0  # the current mean is always a candidate
            samples = torch.clamp(mean + noise, self.low, self.high)
            c = cost(samples)
            if c.shape != (cfg.samples,) or not torch.isfinite(c).any():
                raise ValueError(f"cost must return ({cfg.samples},) finite values, got {tuple(c.shape)}")
            c = torch.nan_to_num(c, nan=float("inf"))
            spread = (c - c.min()) / (c.std().clamp_min(1e-12))
            w = torch.softmax(-spread / cfg.temperature, 0)
            mean = (w[:, None, None] * samples).sum(0)
            best = c.min().item()
            history.append(best)
        return PlanResult(mean, best, history)

    def noise(self, a: int) -> torch.Tensor:
        """Unit-variance noise (S, H, A), correlated along the horizon by an AR(1) process (colored
        noise): consecutive steps of a sample tend to move the same way, as pushes do."""
        cfg, rho = self.cfg, self.cfg.correlation
        eps = torch.randn(cfg.samples, cfg.horizon, a, generator=self.gen)
        if rho == 0.0:
            return eps
        out = torch.empty_like(eps)
        out[:, 0] = eps[:, 0]
        for h in range(1, cfg.horizon):
            out[:, h] = rho * out[:, h - 1] + (1 - rho**2) ** 0.5 * eps[:, h]
        return out

    @staticmethod
    def shift(actions: torch.Tensor, steps: int = 1) -> torch.Tensor:
        """Warm start: drop the executed steps, repeat the last action, (H, A) -> (H, A)."""
        return torch.cat([actions[steps:], actions[-1:].expand(steps, -1)], 0)
