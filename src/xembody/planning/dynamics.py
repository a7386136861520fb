"""What a planner needs of a world: roll candidate control sequences forward and return object particles.

`Dynamics` is the protocol; `LearnedDynamics` is the world model driven through a hand's own kinematics:
actuator targets -> joint positions (the hand's actuation map) -> hand particles (FK) -> the model's
rollout. Every step is differentiable, so a planner may refine samples by gradient.
"""

from __future__ import annotations

from typing import Protocol

import torch

from xembody.embodiments.base import Embodiment
from xembody.model import WorldModel


class Dynamics(Protocol):
    def rollout(self, ctrl: torch.Tensor, obj: torch.Tensor) -> torch.Tensor:
        """ctrl (S, H+1, n_ctrl): the current targets then H planned ones; obj (No, 3) now.
        Returns object particles after each planned step, (S, H, No, 3)."""
        ...


class LearnedDynamics:
    """A trained world model acting through one hand's kinematics (any hand: that is the point)."""

    def __init__(self, model: WorldModel, hand: Embodiment, rigid: bool):
        self.model, self.hand, self.rigid = model, hand, rigid

    def hand_points(self, ctrl: torch.Tensor) -> torch.Tensor:
        """Actuator targets (S, T, n_ctrl) -> hand particles (S, T, Nh, 3)."""
        S, T, n = ctrl.shape
        flat = ctrl.reshape(S * T, n)
        return self.hand.points(self.hand.ctrl_to_qpos(flat)).reshape(S, T, -1, 3)

    def rollout(self, ctrl: torch.Tensor, obj: torch.Tensor) -> torch.Tensor:
        S = ctrl.shape[0]
        dtype = next(self.model.parameters()).dtype  # FK in the caller's precision, the network in its own
        hand = self.hand_points(ctrl).to(dtype)
        obj = obj.to(dtype).expand(S, -1, -1)
        hand_mask = torch.ones(hand.shape[0], hand.shape[2], dtype=torch.bool)
        obj_mask = torch.ones(S, obj.shape[1], dtype=torch.bool)
        rigid = torch.full((S,), self.rigid)
        pred, _ = self.model.rollout(hand, obj, hand_mask, obj_mask, rigid)
        return pred.to(ctrl.dtype)
