"""What every world model is: one step of object particle motion given hand particle motion."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class StepBatch:
    """The model's input for one time step of a batch of scenes, padded to common particle counts.

    hand (B, Nh, 3) and hand_next (B, Nh, 3): hand particles now and after the action (the action is
    their difference); obj (B, No, 3): object particles now; masks (B, Nh), (B, No) mark real particles;
    rigid (B,) marks rigid objects.
    """

    hand: torch.Tensor
    hand_next: torch.Tensor
    obj: torch.Tensor
    hand_mask: torch.Tensor
    obj_mask: torch.Tensor
    rigid: torch.Tensor
    qpos: torch.Tensor | None = None  # (B, dof) joint positions, for joint-space models only
    qpos_next: torch.Tensor | None = None

    @property
    def action(self) -> torch.Tensor:
        return self.hand_next - self.hand


@dataclass
class Prediction:
    """Next object particles (B, No, 3) and any auxiliary losses the model computed on the way."""

    obj_next: torch.Tensor
    aux: dict[str, torch.Tensor] = field(default_factory=dict)


class WorldModel(nn.Module, abc.ABC):
    """Predicts where object particles go when hand particles move. Translation invariant."""

    name: str

    @abc.abstractmethod
    def forward(self, scene: StepBatch, obj_next: torch.Tensor | None = None) -> Prediction:
        """One step. `obj_next` (B, No, 3), the true next state, is given in training for auxiliary
        losses that need it; predictions never see it."""

    def integrate(self, scene: StepBatch, decoded: torch.Tensor) -> torch.Tensor:
        """The output step every model shares: object particles (B, No, 3) moved by the decoded
        displacements (B, No, 3), in units of `cfg.output_scale`; padding particles stay put."""
        return scene.obj + decoded * self.cfg.output_scale * scene.obj_mask[..., None]

    def rollout(
        self,
        hand: torch.Tensor,
        obj: torch.Tensor,
        hand_mask: torch.Tensor,
        obj_mask: torch.Tensor,
        rigid: torch.Tensor,
        obj_true: torch.Tensor | None = None,
        qpos: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Unroll over a hand trajectory hand (B, H+1, Nh, 3) from obj (B, No, 3).

        Returns predicted object particles (B, H, No, 3) and auxiliary losses summed over steps.
        `obj_true` (B, H, No, 3) feeds only the auxiliary losses; `qpos` (B, H+1, dof), the joint
        positions, only joint-space models.
        """
        preds, aux = [], {}
        for t in range(hand.shape[1] - 1):
            q = (None, None) if qpos is None else (qpos[:, t], qpos[:, t + 1])
            scene = StepBatch(hand[:, t], hand[:, t + 1], obj, hand_mask, obj_mask, rigid, *q)
            p = self(scene, None if obj_true is None else obj_true[:, t])
            obj = p.obj_next
            preds.append(obj)
            for k, v in p.aux.items():
                aux[k] = aux.get(k, 0.0) + v / (hand.shape[1] - 1)
        return torch.stack(preds, 1), aux


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Mean of x (B, N, F) over real particles (mask (B, N)), keeping the reduced dim."""
    w = mask.to(x.dtype).unsqueeze(-1)
    return (x * w).sum(dim, keepdim=True) / w.sum(dim, keepdim=True).clamp_min(1.0)
