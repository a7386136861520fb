"""What every planner returns per control cycle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Update:
    targets: np.ndarray  # (steps, n_ctrl) actuator targets to apply now, in order
    cost: float  # the chosen plan's predicted cost
    seconds: float  # wall time of the update
    predicted: torch.Tensor  # (H, No, 3) the dynamics' prediction for the chosen plan (CPU)
