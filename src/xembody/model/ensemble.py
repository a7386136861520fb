"""Several trained models as one: each step, the mean of the members' predicted particle positions.

Independently trained models err in different directions where data is thin, so their mean errs less
(as in PETS, Chua et al. 2018), and a planner that picks the action with the best predicted outcome
exploits fewer of any one model's mistakes. Members must share the object's particles (they see the same
StepBatch); they may differ in architecture, data and training.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from xembody.model.base import Prediction, StepBatch, WorldModel


class Ensemble(WorldModel):
    """For prediction (planning, evaluation), not trained as one: members never see `obj_next`, so no
    auxiliary losses come back."""

    name = "ensemble"

    def __init__(self, members: Sequence[WorldModel]):
        if len(members) < 2:
            raise ValueError(f"an ensemble needs at least 2 members, not {len(members)}")
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, scene: StepBatch, obj_next: torch.Tensor | None = None) -> Prediction:
        return Prediction(torch.stack([m(scene).obj_next for m in self.members]).mean(0))
