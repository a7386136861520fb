"""Batched neighbour search in plain torch (PyG's radius/knn graphs need pyg-lib, which PyPI lacks).

Two forms, for the two kinds of model:

* `knn_within`: for every receiver, its k nearest senders within a radius, as a dense (B, R, k) index
  tensor with a validity mask. Fixed degree means gathers and masked sums instead of scatters, and
  padded samples (variable particle counts) are just masked out.
* `radius_edges`: every pair closer than a radius, as flat edge lists over the batch (the paper's
  graph; its size, and so the model's cost, grows with density).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Neighbors:
    """k nearest senders of every receiver: `index` (B, R, k) into the senders, `valid` (B, R, k)."""

    index: torch.Tensor
    valid: torch.Tensor

    def gather(self, x: torch.Tensor) -> torch.Tensor:
        """Sender features (B, S, F) -> per-edge features (B, R, k, F)."""
        B, R, k = self.index.shape
        flat = self.index.reshape(B, R * k, 1).expand(-1, -1, x.shape[-1])
        return torch.gather(x, 1, flat).reshape(B, R, k, x.shape[-1])

    @property
    def count(self) -> int:
        return int(self.valid.sum())


def knn_within(
    receivers: torch.Tensor,
    senders: torch.Tensor,
    radius: float,
    k: int,
    receiver_mask: torch.Tensor | None = None,
    sender_mask: torch.Tensor | None = None,
    exclude_self: bool = False,
) -> Neighbors:
    """The (at most) k nearest senders of each receiver that lie within `radius`.

    Args:
        receivers: (B, R, 3); senders: (B, S, 3).
        receiver_mask, sender_mask: (B, R), (B, S) bool, False for padding.
        exclude_self: receivers and senders are the same set; a particle is not its own neighbour.
    """
    d2 = torch.cdist(receivers, senders).square()
    if sender_mask is not None:
        d2 = d2.masked_fill(~sender_mask[:, None, :], float("inf"))
    if exclude_self:
        eye = torch.eye(receivers.shape[1], senders.shape[1], dtype=torch.bool, device=d2.device)
        d2 = d2.masked_fill(eye, float("inf"))
    k = min(k, senders.shape[1])
    dist2, index = torch.topk(d2, k, dim=-1, largest=False, sorted=True)
    valid = dist2 < radius * radius
    if receiver_mask is not None:
        valid &= receiver_mask[:, :, None]
    return Neighbors(index, valid)


def radius_edges(
    pos: torch.Tensor, radius: float, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """All ordered pairs (sender, receiver) of distinct particles closer than `radius`.

    Args:
        pos: (B, N, 3); mask: (B, N) bool.
    Returns:
        senders, receivers: (E,) indices into the flattened (B * N) particles.
    """
    B, N, _ = pos.shape
    close = torch.cdist(pos, pos) < radius
    close &= ~torch.eye(N, dtype=torch.bool, device=pos.device)
    if mask is not None:
        close &= mask[:, :, None] & mask[:, None, :]
    b, r, s = close.nonzero(as_tuple=True)
    return b * N + s, b * N + r
