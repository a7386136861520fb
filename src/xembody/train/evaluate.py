"""Evaluate a trained model on episodes (typically of a hand it never saw): errors as JSON, and a plot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from xembody.data.dataset import EpisodeWindows, collate
from xembody.geometry import chamfer, exact_emd, mse
from xembody.io import atomic_write_json
from xembody.stats import grouped_ci
from xembody.train.checkpoint import is_named, load_model
from xembody.train.config import names
from xembody.train.loop import predict
from xembody.train.plots import prediction_plot


@dataclass(frozen=True)
class EvalConfig:
    """Evaluate a trained model: one-step and H-step rollout MSE, Chamfer and EMD, as JSON and a plot."""

    model: Path
    """Run directory (or model.pt) made by `xembody train`."""
    data: tuple[Path, ...]
    """Dataset directories."""
    hands: str = ""
    """Comma-separated hands to evaluate on (default: all in the data)."""
    horizon: int = 5
    stride: int = 5
    """Frames between evaluated windows (1: every window)."""
    max_windows: int = 2000
    batch_size: int = 64
    out: Path | None = None
    """Where to write eval-<hands>.json and .png (default: the run directory; runs/eval/NAME for a shipped
    model or an ensemble given by name)."""


@dataclass(frozen=True)
class EvalResult:
    """Prediction errors of a model on episodes. MSE in m^2 per particle, distances in m; `*_ci95`: the
    half-width of the 95% t interval over episodes; `zero_motion_*`: the baseline that predicts no motion."""

    model: str
    model_name: str
    trained_steps: int
    hands: str
    windows: int
    episodes: int
    horizon: int
    mse_1step: float
    mse_rollout: list[float]  # per step of the horizon
    mse_rollout_last: float
    mse_rollout_last_ci95: float
    mean_distance_last: float
    chamfer_last: float
    chamfer_last_ci95: float
    emd_last: float
    emd_last_ci95: float
    zero_motion_mse_1step: float
    zero_motion_mse_rollout_last: float
    chamfer_1step: float
    chamfer_1step_ci95: float
    emd_1step: float
    emd_1step_ci95: float
    zero_motion_chamfer_1step: float
    zero_motion_emd_1step: float
    zero_motion_chamfer_last: float
    zero_motion_emd_last: float
    json: Path
    plot: Path


def _default_out(model: Path) -> Path:
    """A trained run's directory; runs/eval/NAME for a shipped name or an ensemble, which have none (the
    parent of a name is the current directory)."""
    if is_named(model):
        return Path("runs/eval") / str(model).replace("/", "_")
    return model if model.is_dir() else model.parent


@torch.no_grad()
def evaluate(cfg: EvalConfig) -> EvalResult:
    """Evaluate `cfg.model` on `cfg.data`; writes eval-<hands>.json and .png, returns the result."""
    model, payload = load_model(cfg.model)
    hands = names(cfg.hands) or None
    ds = EpisodeWindows(cfg.data, cfg.horizon, hands)
    windows = _spread(ds, cfg.stride)[: cfg.max_windows]
    one, per_step, last, dist, still = [], [], [], [], []
    shapes = {k: ([], []) for k in ("pred_1", "pred_last", "still_1", "still_last")}  # (chamfer, EMD) lists
    first = None
    for chunk in np.array_split(windows, max(1, -(-len(windows) // cfg.batch_size))):
        b = collate([ds[int(i)] for i in chunk])
        pred, _ = predict(model.rollout, b)
        true, m = b.object[:, 1:], b.object_mask
        one.append(mse(pred[:, 0], true[:, 0], m).item() * len(chunk))
        start = b.object[:, 0]  # the baseline that predicts no motion at all
        still.append(
            [mse(start, true[:, 0], m).item() * len(chunk), mse(start, true[:, -1], m).item() * len(chunk)]
        )
        per_step.append([mse(pred[:, t], true[:, t], m).item() * len(chunk) for t in range(pred.shape[1])])
        last.extend(((pred[:, -1] - true[:, -1]).square().sum(-1) * m).sum(-1).div(m.sum(-1)).tolist())
        dist.append(((pred[:, -1] - true[:, -1]).norm(dim=-1) * m).sum().item() / m.sum().item() * len(chunk))
        for key, a, t in (
            ("pred_1", pred[:, 0], true[:, 0]),
            ("pred_last", pred[:, -1], true[:, -1]),
            ("still_1", start, true[:, 0]),
            ("still_last", start, true[:, -1]),
        ):
            shapes[key][0].extend(chamfer(a, t, m, m).tolist())
            shapes[key][1].extend(
                exact_emd(p[mm].numpy(), q[mm].numpy()) for p, q, mm in zip(a, t, m, strict=True)
            )
        if first is None:
            first = (
                b.hand[0].numpy(),
                b.object[0].numpy(),
                torch.cat([b.object[:1, 0:1], pred[:1]], 1)[0],
            )
    n = len(windows)
    episodes = ds.episode_of(windows)
    out = Path(cfg.out or _default_out(Path(cfg.model)))
    out.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{cfg.hands.replace(',', '+') or 'all'}"
    result = EvalResult(
        model=str(cfg.model),
        model_name=payload["name"],
        trained_steps=payload["step"],
        hands=",".join(hands) if hands else "all",
        windows=n,
        episodes=len(set(episodes.tolist())),
        horizon=cfg.horizon,
        mse_1step=sum(one) / n,
        mse_rollout=(np.sum(per_step, 0) / n).tolist(),
        mse_rollout_last=float(np.sum(per_step, 0)[-1] / n),
        mse_rollout_last_ci95=grouped_ci(last, episodes)[1],
        mean_distance_last=sum(dist) / n,
        chamfer_last=float(np.mean(shapes["pred_last"][0])),
        chamfer_last_ci95=grouped_ci(shapes["pred_last"][0], episodes)[1],
        emd_last=float(np.mean(shapes["pred_last"][1])),
        emd_last_ci95=grouped_ci(shapes["pred_last"][1], episodes)[1],
        zero_motion_mse_1step=float(np.sum(still, 0)[0] / n),
        zero_motion_mse_rollout_last=float(np.sum(still, 0)[1] / n),
        chamfer_1step=float(np.mean(shapes["pred_1"][0])),
        chamfer_1step_ci95=grouped_ci(shapes["pred_1"][0], episodes)[1],
        emd_1step=float(np.mean(shapes["pred_1"][1])),
        emd_1step_ci95=grouped_ci(shapes["pred_1"][1], episodes)[1],
        zero_motion_chamfer_1step=float(np.mean(shapes["still_1"][0])),
        zero_motion_emd_1step=float(np.mean(shapes["still_1"][1])),
        zero_motion_chamfer_last=float(np.mean(shapes["still_last"][0])),
        zero_motion_emd_last=float(np.mean(shapes["still_last"][1])),
        json=out / f"{stem}.json",
        plot=out / f"{stem}.png",
    )
    atomic_write_json(result.json, result)
    hand, true, pred = first
    prediction_plot(hand, true, pred.numpy(), result.plot, f"{payload['name']}: {cfg.horizon}-step rollout")
    return result


def _spread(ds: EpisodeWindows, stride: int) -> np.ndarray:
    """Window indices every `stride` frames within each episode."""
    return np.concatenate([np.asarray(ds.windows_of(e)[::stride]) for e in range(len(ds.names))])
