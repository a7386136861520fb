"""Shape matching: the rigid motion that best explains predicted particle positions (Kabsch)."""

from __future__ import annotations

import torch

from xembody.geometry import kabsch


def rigid_fit(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Move x (B, N, 3) by the rotation and translation that best match y (B, N, 3) in least squares.

    Only real particles (mask (B, N)) count. Differentiable; a reflection is never returned.
    """
    rot, t = kabsch(x, y, mask)
    return x @ rot.transpose(1, 2) + t[:, None]


def project_rigid(
    obj: torch.Tensor, pred: torch.Tensor, mask: torch.Tensor, rigid: torch.Tensor
) -> torch.Tensor:
    """Predictions `pred` (B, N, 3) for the samples whose object is rigid (rigid (B,)) replaced by the
    rigid motion of `obj` (B, N, 3) that best matches them; the others unchanged."""
    if not bool(rigid.any()):
        return pred
    return torch.where(rigid[:, None, None], rigid_fit(obj, pred, mask), pred)
