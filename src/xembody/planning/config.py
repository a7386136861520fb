"""Settings of `xembody plan` (parsed once by the CLI; no heavy imports here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ORACLE = "mujoco"  # --model value that plans with MuJoCo itself


@dataclass(frozen=True)
class PlanConfig:
    """Plan in closed loop with a hand (typically one the model never saw) toward a goal, in MuJoCo."""

    model: str
    """Run directory (or model.pt) made by `xembody train`, a shipped checkpoint (box-5hands), or `mujoco`
    to plan with MuJoCo itself (the oracle)."""
    hand: str
    """Registered hand name or MJCF path."""
    task: str = "box"
    """box (turn a box to a goal yaw) or plasticine (press it into a goal shape)."""
    planner: str = "ours"
    """ours (contact primitives as proposals), mppi (fast MPPI), or paper (MPPI 500 x 4 x 10)."""
    goal_yaw: float = 45.0
    """Box: turn from the start pose, degrees, in (-180, 180]."""
    goal_shift: tuple[float, float] = (0.0, 0.0)
    """Box: move from the start position, m."""
    goal_points: Path | None = None
    """Plasticine: a goal cloud (No, 3) as .npy; default: made by --goal-hand pressing the same block."""
    goal_hand: str = "allegro"
    """Plasticine: the hand whose press sequence makes a reachable goal shape."""
    goal_frames: int = 30
    """Plasticine: frames of that press sequence."""
    episodes: int = 5
    max_updates: int = 30
    """Planner updates per episode (each executes a primitive, or `execute` MPPI steps)."""
    candidates: int = 64
    """Primitives sampled per update (planner ours)."""
    gate_points: int = 400
    """Learned dynamics: dense hand particles for the contact gate (no contact, no motion); 0 turns it off."""
    seed: int = 0
    video: str = "mp4"
    """mp4, gif, or none."""
    out: Path = Path("runs/plan")
