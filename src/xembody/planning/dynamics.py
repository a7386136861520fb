"""What a planner needs of a world: roll candidate control sequences forward and return object particles.

`Dynamics` is the protocol; `LearnedDynamics` is the world model driven through a hand's own kinematics:
actuator targets -> joint positions (the hand's actuation map) -> hand particles (FK) -> the model's
rollout. Every step is differentiable, so a planner may refine samples by gradient.
"""

from __future__ import annotations

from typing import Protocol

import torch

from xembody.embodiments.base import Embodiment
from xembody.model import StepBatch, WorldModel

STILL = 1e-5  # m: a hand whose particles all move less than this in a step holds still


class Dynamics(Protocol):
    def rollout(self, ctrl: torch.Tensor, obj: torch.Tensor) -> torch.Tensor:
        """ctrl (S, H+1, n_ctrl): the current targets then H planned ones; obj (No, 3) now (CPU tensors).
        Returns object particles after each planned step, (S, H, No, 3), on ctrl's device and dtype."""
        ...


class LearnedDynamics:
    """A trained world model acting through one hand's kinematics (any hand: that is the point).

    `gate`: the same hand with dense particles (e.g. 400). With it, the object moves only in steps where
    some dense hand particle comes within `gap` (m) of an object particle, before or after the step: a
    model asked about a hand passing close by may predict a push that never happens, and a planner
    choosing the largest predicted effect picks exactly those phantom pushes. Steps without contact also
    skip the network, which makes long transits cheap. So do steps of a deformable object where the hand
    holds still: clay is quasi-static (at rest unless pushed), and a press's holds cost nothing.
    """

    def __init__(
        self,
        model: WorldModel,
        hand: Embodiment,
        rigid: bool,
        gate: Embodiment | None = None,
        gap: float = 0.015,
    ):
        self.model, self.hand, self.rigid, self.gate, self.gap = model, hand, rigid, gate, gap

    def hand_points(self, ctrl: torch.Tensor, hand: Embodiment | None = None) -> torch.Tensor:
        """Actuator targets (S, T, n_ctrl) -> hand particles (S, T, Nh, 3)."""
        hand = hand or self.hand
        S, T, n = ctrl.shape
        flat = ctrl.reshape(S * T, n)
        return hand.points(hand.ctrl_to_qpos(flat)).reshape(S, T, -1, 3)

    def rollout(self, ctrl: torch.Tensor, obj: torch.Tensor) -> torch.Tensor:
        S, T, _ = ctrl.shape
        p = next(self.model.parameters())
        dtype, device = p.dtype, p.device  # FK in the caller's precision, the network in its own
        hand = self.hand_points(ctrl).to(device, dtype)
        dense = None if self.gate is None else self.hand_points(ctrl, self.gate).to(device, dtype)
        obj = obj.to(device, dtype).expand(S, -1, -1)
        preds = []
        for t in range(T - 1):
            near = torch.ones(S, dtype=torch.bool, device=device)
            if dense is not None:
                both = torch.cat([dense[:, t], dense[:, t + 1]], 1)
                near = torch.cdist(both.detach(), obj.detach()).amin((1, 2)) < self.gap
            if not self.rigid:
                near = near & ((hand[:, t + 1] - hand[:, t]).detach().abs().amax((1, 2)) > STILL)
            nxt = obj
            if near.any():
                h = hand[near]
                ones = lambda x: torch.ones(x.shape[:2], dtype=torch.bool, device=device)  # noqa: E731
                batch = StepBatch(
                    h[:, t],
                    h[:, t + 1],
                    obj[near],
                    ones(h[:, t]),
                    ones(obj[near]),
                    torch.full((len(h),), self.rigid, device=device),
                )
                nxt = obj.clone()
                nxt[near] = self.model(batch).obj_next
            preds.append(nxt)
            obj = nxt
        return torch.stack(preds, 1).to(ctrl.device, ctrl.dtype)
