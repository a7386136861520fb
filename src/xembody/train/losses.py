"""Losses and metrics between particle sets.

* `mse`: where particles correspond (simulation), mean squared distance between matching particles.
* `chamfer`: mean distance to the nearest particle of the other set, both ways, summed (metres).
* `sinkhorn_emd`: a differentiable earth mover's distance for training where particles do not correspond
  (human data): the debiased Sinkhorn divergence of geomloss with p = 1, blur 1 mm, which converges to the
  EMD (mean transport distance, metres) as the blur goes to zero.
* `exact_emd`: the EMD itself for equal-size sets, by optimal assignment (scipy), for evaluation.
"""

from __future__ import annotations

import numpy as np
import torch


def mse(pred: torch.Tensor, true: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(..., N, 3) x2 with mask (..., N) -> mean squared distance over real particles (scalar)."""
    sq = (pred - true).square().sum(-1)
    return (sq * mask).sum() / mask.sum().clamp_min(1)


def chamfer(a: torch.Tensor, b: torch.Tensor, mask_a: torch.Tensor, mask_b: torch.Tensor) -> torch.Tensor:
    """Chamfer distance per sample: a (B, N, 3), b (B, M, 3) -> (B,) metres."""
    d = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")  # exact near zero
    d_ab = d.masked_fill(~mask_b[:, None, :], float("inf")).min(2).values
    d_ba = d.masked_fill(~mask_a[:, :, None], float("inf")).min(1).values
    mean = lambda x, m: (x.masked_fill(~m, 0.0)).sum(1) / m.sum(1).clamp_min(1)  # noqa: E731
    return mean(d_ab, mask_a) + mean(d_ba, mask_b)


_SINKHORN = None


def sinkhorn_emd(
    a: torch.Tensor, b: torch.Tensor, mask_a: torch.Tensor, mask_b: torch.Tensor
) -> torch.Tensor:
    """Differentiable EMD approximation per sample (B,), metres; padding carries no mass."""
    global _SINKHORN
    if _SINKHORN is None:
        from geomloss import SamplesLoss

        _SINKHORN = SamplesLoss("sinkhorn", p=1, blur=0.001, scaling=0.8, backend="tensorized")
    wa = mask_a.to(a.dtype) / mask_a.sum(1, keepdim=True).clamp_min(1)
    wb = mask_b.to(b.dtype) / mask_b.sum(1, keepdim=True).clamp_min(1)
    return _SINKHORN(wa, a, wb, b)


def exact_emd(a: np.ndarray, b: np.ndarray) -> float:
    """EMD between equal-size point sets (N, 3): mean distance under the optimal one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    if len(a) != len(b):
        raise ValueError(f"exact EMD needs equal point counts, got {len(a)} and {len(b)}")
    d = np.linalg.norm(a[:, None] - b[None], axis=-1)
    rows, cols = linear_sum_assignment(d)
    return float(d[rows, cols].mean())
