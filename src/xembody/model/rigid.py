"""Shape matching: the rigid motion that best explains predicted particle positions (Kabsch)."""

from __future__ import annotations

import torch

from xembody.model.base import masked_mean


def rigid_fit(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Move x (B, N, 3) by the rotation and translation that best match y (B, N, 3) in least squares.

    Only real particles (mask (B, N)) count. Differentiable; a reflection is never returned.
    """
    cx, cy = masked_mean(x, mask), masked_mean(y, mask)
    w = mask.to(x.dtype)[..., None]
    cov = ((x - cx) * w).transpose(1, 2) @ (y - cy)  # (B, 3, 3)
    u, _, vt = torch.linalg.svd(cov)
    d = torch.sign(torch.linalg.det(vt.transpose(1, 2) @ u.transpose(1, 2)))
    diag = torch.ones_like(cx[:, 0]).clone()
    diag[:, 2] = d
    rot = vt.transpose(1, 2) @ torch.diag_embed(diag) @ u.transpose(1, 2)  # (B, 3, 3)
    return (x - cx) @ rot.transpose(1, 2) + cy
