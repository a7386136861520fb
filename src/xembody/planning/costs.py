"""The planning cost: how far predicted object particles are from the goal, plus terms on the hand.

All terms are in metres (or metres per step) so their weights are comparable:
* shape: Chamfer + EMD (Sinkhorn, as in training) to the goal cloud, or the mean distance between
  corresponding particles (`particles`, for rigid goals made from the object's own particles), averaged
  over the horizon with later steps weighted more;
* reach: the distance between the hand and the object (zero in contact), so a hand that is not touching
  the object still has a reason to move toward it, where the shape term is flat;
* table: hand particles below the table top (the world model knows no table);
* limits: targets beyond the actuators' ranges, as a fraction of each range;
* smooth: the size of each step's change of targets, as a fraction of the allowed step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from xembody.geometry import FAST_SINKHORN, chamfer, sinkhorn_emd


@dataclass(frozen=True)
class CostConfig:
    shape: str = "chamfer_emd"  # or "particles" (corresponding particles: rigid goals)
    reach: float = 0.3
    table: float = 10.0
    limits: float = 0.1
    smooth: float = 0.001


def shape_distance(pred: torch.Tensor, goal: torch.Tensor, kind: str, fast: bool = False) -> torch.Tensor:
    """pred (S, H, No, 3), goal (No, 3) -> (S, H) metres. `fast`: a coarser Sinkhorn, for ranking."""
    S, H, N, _ = pred.shape
    flat = pred.reshape(S * H, N, 3)
    if kind == "particles":
        return (flat - goal).norm(dim=-1).mean(-1).reshape(S, H)
    if kind != "chamfer_emd":
        raise ValueError(f"unknown shape cost {kind!r}: use chamfer_emd or particles")
    g = goal.expand(S * H, -1, -1).contiguous()
    flat = flat.contiguous()
    ones = torch.ones(S * H, N, dtype=torch.bool, device=pred.device)
    emd = sinkhorn_emd(flat, g, ones, ones, *FAST_SINKHORN) if fast else sinkhorn_emd(flat, g, ones, ones)
    return (chamfer(flat, g, ones, ones) + emd).reshape(S, H)


def horizon_weights(H: int, dtype: torch.dtype, device: torch.device | None = None) -> torch.Tensor:
    """Later steps count more; the last as much as all others together (reach the goal, then stay)."""
    w = torch.ones(H, dtype=dtype, device=device)
    w[-1] = max(H - 1, 1)
    return w / w.sum()


def plan_cost(
    cfg: CostConfig,
    obj: torch.Tensor,
    hand: torch.Tensor,
    ctrl: torch.Tensor,
    goal: torch.Tensor,
    low: torch.Tensor,
    high: torch.Tensor,
    step: torch.Tensor,
) -> torch.Tensor:
    """Cost per candidate (S,).

    obj (S, H, No, 3) predicted object particles; hand (S, H, Nh, 3) hand particles at the planned
    targets; ctrl (S, H+1, n_ctrl) unclipped targets (now, then planned); goal (No, 3); low/high (n_ctrl,)
    actuator ranges; step (n_ctrl,) the largest allowed change per step.
    """
    S, H = obj.shape[:2]
    w = horizon_weights(H, obj.dtype, obj.device)
    cost = (shape_distance(obj, goal, cfg.shape) * w).sum(1)
    if cfg.reach:
        gap = torch.cdist(hand.reshape(S * H, -1, 3), obj.reshape(S * H, -1, 3)).amin((1, 2)).reshape(S, H)
        cost = cost + cfg.reach * (gap * w).sum(1)
    if cfg.table:
        cost = cost + cfg.table * (-hand[..., 2]).clamp_min(0).amax(-1).mean(1)
    span = high - low
    if cfg.limits:
        over = ((ctrl[:, 1:] - high).clamp_min(0) + (low - ctrl[:, 1:]).clamp_min(0)) / span
        cost = cost + cfg.limits * over.sum((1, 2))
    if cfg.smooth:
        cost = cost + cfg.smooth * ((ctrl[:, 1:] - ctrl[:, :-1]) / step).square().mean((1, 2))
    return cost
