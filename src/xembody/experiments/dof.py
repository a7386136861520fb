"""`xembody experiment dof`: can one world model control hands from 1 to 24 degrees of freedom?

One model (default: the shipped `box-5hands`) plans the box task on every registered hand with the same
planner and goal; the table gives, per hand by actuated DoF, the success rate (Wilson 95% interval),
final errors, updates and seconds per update, and whether the hand was in the model's training data.
Each hand's planning run resumes episode by episode (`xembody plan` does), so an interrupted run resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xembody.experiments.common import scale_of, write_rows

SCALES = {  # planning episodes per hand and updates per episode
    "small": {"episodes": 10, "max_updates": 30},
    "paper": {"episodes": 20, "max_updates": 30},
}
COLUMNS = [
    "hand",
    "actuators",
    "joints",
    "seen",
    "episodes",
    "success_rate",
    "success_ci_low",
    "success_ci_high",
    "yaw_error_deg",
    "position_error_m",
    "updates",
    "seconds_per_update",
]


@dataclass(frozen=True)
class DofConfig:
    """Plan the box task with one world model on every registered hand; success and time per update by
    DoF, as CSV/JSON and a plot."""

    out: Path = Path("runs/experiments/dof")
    scale: str = "small"
    """small (2 CPU cores, under an hour) or paper (20 episodes per hand)."""
    model: str = "box-5hands"
    """Run directory or shipped checkpoint; one model for every hand."""
    hands: str = ""
    """Comma-separated hands (default: every registered hand)."""
    seed: int = 0


def dof(cfg: DofConfig, scale: dict | None = None) -> list[dict]:
    """Run (or resume) the experiment; rows sorted by actuated DoF."""
    from xembody.embodiments import REGISTRY, load_hand
    from xembody.experiments.plan import PlanConfig, plan
    from xembody.train.checkpoint import load_model
    from xembody.train.config import names

    sizes = scale_of(cfg.scale, SCALES, scale)
    seen = set(load_model(cfg.model)[1].get("hands", []))
    rows = []
    for name in names(cfg.hands) or list(REGISTRY):
        hand = load_hand(name)
        pc = PlanConfig(
            model=cfg.model,
            hand=name,
            episodes=sizes["episodes"],
            max_updates=sizes["max_updates"],
            video="none",
            seed=cfg.seed,
            out=cfg.out / "plans" / name,
        )
        s = plan(pc)
        low, high = s.success_ci95
        rows.append(
            {
                "hand": name,
                "actuators": hand.n_hand_actuators,
                "joints": hand.n_hand_joints,
                "seen": name in seen,
                "episodes": s.episodes,
                "success_rate": s.success_rate,
                "success_ci_low": low,
                "success_ci_high": high,
                "yaw_error_deg": s.final_yaw_error_deg_mean,
                "position_error_m": s.final_position_error_m_mean,
                "updates": s.updates_mean,
                "seconds_per_update": s.seconds_per_update_mean,
            }
        )
    rows.sort(key=lambda r: (r["actuators"], r["hand"]))
    write_rows(cfg.out, "dof", rows, COLUMNS)
    plot(rows, cfg.out / "dof.png", cfg.model)
    return rows


def plot(rows: list[dict], path: Path, model: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    same = {}  # hands with the same DoF side by side, so their bars and labels do not overlap
    for r in rows:
        same.setdefault(r["actuators"], []).append(r["hand"])
    for r in rows:
        group = same[r["actuators"]]
        x = r["actuators"] + 0.6 * (group.index(r["hand"]) - (len(group) - 1) / 2)
        colour = "tab:blue" if r["seen"] else "tab:red"
        err = [[r["success_rate"] - r["success_ci_low"]], [r["success_ci_high"] - r["success_rate"]]]
        ax[0].errorbar(x, r["success_rate"], yerr=err, fmt="o", color=colour, capsize=3)
        ax[1].plot(x, r["seconds_per_update"], "o", color=colour)
        for a, y in ((ax[0], r["success_rate"]), (ax[1], r["seconds_per_update"])):
            a.annotate(r["hand"], (x, y), textcoords="offset points", xytext=(3, 3), fontsize=7, rotation=35)
    ax[0].set_ylabel("box success (Wilson 95% CI)")
    ax[0].set_ylim(-0.05, 1.15)
    ax[1].set_ylabel("seconds per planner update")
    for a in ax:
        a.set_xlabel("actuated DoF of the hand (wrist excluded)")
    fig.suptitle(f"one model ({model}) on every hand; blue: in its training data, red: unseen", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
