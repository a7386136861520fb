"""Figures: the loss curve of a run, and predicted vs true particles."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xembody.io import atomic_write  # noqa: E402


def _save(fig, path: Path) -> Path:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight"))
    plt.close(fig)
    return path


def loss_curve(rows: list[dict], path: Path, title: str = "") -> Path:
    """Training loss and validation MSE against step, log scale."""
    steps = [r["step"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot(steps, [r["train_loss"] for r in rows])
    a.set(xlabel="step", ylabel="train loss (cm^2 per particle)", yscale="log", title=title)
    for key, label in (("val_mse_1", "1-step"), ("val_mse_h", "last unrolled step")):
        b.plot(steps, [r[key] * 1e6 for r in rows], label=label)
    b.set(xlabel="step", ylabel="validation MSE (mm^2)", yscale="log")
    b.legend()
    return _save(fig, path)


def prediction_plot(
    hand: np.ndarray, true: np.ndarray, pred: np.ndarray, path: Path, title: str = ""
) -> Path:
    """Top and side views of one rollout's last step: hand (T, Nh, 3), true/pred (T, No, 3)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, (i, j, name) in zip(axes, ((0, 1, "top (x, y)"), (0, 2, "side (x, z)")), strict=True):
        ax.scatter(true[0, :, i], true[0, :, j], s=6, c="0.75", label="object at start")
        ax.scatter(true[-1, :, i], true[-1, :, j], s=8, c="tab:green", label="true")
        ax.scatter(pred[-1, :, i], pred[-1, :, j], s=8, c="tab:red", marker="x", label="predicted")
        ax.scatter(hand[-1, :, i], hand[-1, :, j], s=5, c="tab:blue", alpha=0.5, label="hand")
        ax.set(title=name, aspect="equal")
    axes[0].legend(loc="best", fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)
