"""A primitive's targets, in its two phases."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PrimitivePlan:
    """approach: targets through free space to where contact begins; contact: the targets that touch."""

    approach: list[np.ndarray]
    contact: list[np.ndarray]

    @property
    def targets(self) -> list[np.ndarray]:
        """Every step's targets (n_ctrl,), in order."""
        return [*self.approach, *self.contact]
