"""Checkpoints: written atomically; a model loads from its run directory alone."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch

from xembody.errors import XembodyError
from xembody.io import atomic_write
from xembody.model import MODELS, Ensemble, WorldModel

CHECKPOINT = "checkpoint.pt"  # everything needed to resume training
MODEL = "model.pt"  # the model alone, for evaluation and planning


def save(obj: dict, path: Path) -> None:
    atomic_write(path, lambda tmp: torch.save(obj, tmp))


def model_payload(model: WorldModel, step: int, hands: list[str] | None = None) -> dict:
    """What a model needs to load, plus the hands it was trained on (to tell seen from unseen). Weights are
    stored on the CPU: a model trained on a GPU loads anywhere, with plain `torch.load` too."""
    return {
        "name": model.name,
        "config": asdict(model.cfg),
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "step": step,
        "hands": sorted(hands or []),
    }


def resolve_device(name: str) -> torch.device:
    """A `--device` setting as a torch device; a one-line error where it asks for CUDA and none is here."""
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise XembodyError(f"--device {name}: no CUDA device here")
    return device


ENSEMBLE_SEP = "+"  # `--model A+B`: A's and B's predictions averaged (`xembody.model.ensemble`)


def is_ensemble(run: str | Path) -> bool:
    """Whether `load_model` reads `run` as several models joined by ENSEMBLE_SEP (a path that exists wins)."""
    return ENSEMBLE_SEP in str(run) and not Path(run).exists()


def is_named(run: str | Path) -> bool:
    """Whether `run` is a shipped checkpoint's name or an ensemble, which have no run directory."""
    from xembody.checkpoints import SHIPPED

    return str(run) in SHIPPED or is_ensemble(run)


def load_model(run: str | Path, device: str | torch.device = "cpu") -> tuple[WorldModel, dict]:
    """The trained model of a run directory, a model.pt file or a shipped checkpoint's name (e.g.
    `box-5hands`, see `xembody.checkpoints`), in eval mode on `device`, and its payload. Several joined
    by "+" load as their `Ensemble`, whose payload lists the members' and the union of their hands."""
    from xembody.checkpoints import SHIPPED

    if is_ensemble(run):
        parts = str(run).split(ENSEMBLE_SEP)
        if any(not p for p in parts):
            raise XembodyError(f"--model {run}: an ensemble is models joined by {ENSEMBLE_SEP}, none empty")
        loaded = [load_model(p, device) for p in parts]
        payload = {
            "name": "ensemble of " + ", ".join(pl["name"] for _, pl in loaded),
            "members": [{k: v for k, v in pl.items() if k != "state"} for _, pl in loaded],
            "step": max(pl["step"] for _, pl in loaded),
            "hands": sorted({h for _, pl in loaded for h in pl["hands"]}),
        }
        return Ensemble([m for m, _ in loaded]).eval().to(device), payload

    path = SHIPPED.get(str(run), Path(run))
    path = path / MODEL if path.is_dir() else path
    if not path.is_file():
        raise XembodyError(f"{path}: no trained model here (train one with `xembody train`)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
        cls, cfg_cls = MODELS[payload["name"]]
        model = cls(cfg_cls(**payload["config"]))
        model.load_state_dict(payload["state"])
    except Exception as e:  # torch raises many kinds for truncated or foreign files
        raise XembodyError(f"{path}: not a loadable xembody model ({type(e).__name__}: {e})") from None
    return model.eval().to(device), payload


def save_untrained(like: str | Path, out: Path, seed: int = 0) -> Path:
    """The control for a trained model without its data: the same architecture and settings (and the same
    recorded hands), freshly initialised from `seed` as `xembody train --steps 0` would; saved as
    `out`/model.pt, returned. (Our models keep no data statistics, so nothing else differs.)"""
    _, payload = load_model(like)
    cls, cfg_cls = MODELS[payload["name"]]
    torch.manual_seed(seed)
    model = cls(cfg_cls(**payload["config"]))
    path = Path(out) / MODEL
    path.parent.mkdir(parents=True, exist_ok=True)
    save(model_payload(model, 0, payload["hands"]), path)
    return path


def load_checkpoint(path: Path, device: str | torch.device = "cpu") -> dict:
    try:
        return torch.load(path, map_location=device, weights_only=False)
    except Exception as e:
        raise XembodyError(
            f"{path}: unreadable checkpoint ({type(e).__name__}: {e}); delete it to restart"
        ) from None
