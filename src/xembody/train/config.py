"""Training configuration: one frozen dataclass, parsed once by the CLI (nested model configs included)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from xembody.errors import XembodyError
from xembody.model import MODELS, JointConfig, OursConfig, PaperConfig, WorldModel


def names(comma_separated: str) -> list[str]:
    """'a,b,,c' -> ['a', 'b', 'c'] (the CLI's form for lists of hands and tasks)."""
    return [n for n in comma_separated.split(",") if n]


@dataclass(frozen=True)
class TrainConfig:
    """Train a world model on episode datasets with a multi-step unrolled loss."""

    data: tuple[Path, ...]
    """Dataset directories (made by `xembody collect`)."""
    out: Path = Path("runs/train")
    """Run directory: checkpoint, metrics.csv, loss.png. Re-running resumes from its checkpoint."""
    hands: str = ""
    """Comma-separated hands to train on (default: every hand in the data)."""
    tasks: str = ""
    """Comma-separated tasks to train on (default: all)."""
    init: str = ""
    """Fine-tune: start from this trained model (run directory, model.pt or a shipped name such as
    box-5hands, plasticine-5hands); its architecture replaces --model and its settings."""
    model: Literal["ours", "paper", "joint"] = "ours"
    """ours; paper (the paper's baseline); joint (one-hand baseline acting in joint space)."""
    ours: OursConfig = OursConfig()
    paper: PaperConfig = PaperConfig()
    joint: JointConfig = JointConfig()
    horizon: int = 5
    """Unrolled steps per training sample (paper: 5)."""
    batch_size: int = 16
    steps: int = 2000
    """Optimiser steps; 0 saves the freshly initialised model (the untrained control of an experiment)."""
    lr: float = 1e-3
    lr_final: float = 1e-4
    """Cosine decay from lr to lr_final over `steps`."""
    noise_std: float = 0.0
    """Gaussian noise (m) added to the initial object particles of each unroll (GNS-style)."""
    loss: Literal["mse", "chamfer_emd"] = "mse"
    """mse: MSE where particles correspond (sim) and 0.5 Chamfer + 0.5 EMD where they do not (human
    tracks), per sample; chamfer_emd: Chamfer + EMD for every sample."""
    mix: str = ""
    """Share of simulated and human windows in each batch, e.g. `sim:human=1:1` (default: as drawn)."""
    val_every: int = 100
    ckpt_every: int = 200
    val_windows: int = 256
    """Validation windows (every 10th episode is held out for validation; the last, in smaller datasets)."""
    seed: int = 0
    threads: int = 0
    """Torch CPU threads (0: all cores)."""
    device: str = "cpu"
    """Where the model trains: cpu, cuda, cuda:1, ... (batches are moved there)."""

    @property
    def human_share(self) -> float | None:
        """The fraction of each batch drawn from human data, from `mix`; None when not mixing."""
        if not self.mix:
            return None
        try:
            keys, ratio = self.mix.split("=")
            parts = dict(zip(keys.split(":"), map(float, ratio.split(":")), strict=True))
            sim, human = parts.pop("sim"), parts.pop("human")
            assert not parts and sim >= 0 and human >= 0 and sim + human > 0
        except (ValueError, KeyError, AssertionError):
            raise XembodyError(f"--mix {self.mix!r}: write it as sim:human=A:B, e.g. sim:human=1:1") from None
        return human / (sim + human)

    @property
    def hand_list(self) -> list[str]:
        return names(self.hands)

    @property
    def task_list(self) -> list[str]:
        return names(self.tasks)

    @property
    def model_config(self) -> OursConfig | PaperConfig | JointConfig:
        return {"ours": self.ours, "paper": self.paper, "joint": self.joint}[self.model]

    def build_model(self, dof: int = 0) -> WorldModel:
        """The model; a joint-space model takes its width from the data's `dof` unless set."""
        cls, _ = MODELS[self.model]
        cfg = self.model_config
        if isinstance(cfg, JointConfig) and cfg.dof == 0:
            cfg = replace(cfg, dof=dof)
        return cls(cfg)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["data"] = [str(p) for p in self.data]
        d["out"] = str(self.out)
        return d
