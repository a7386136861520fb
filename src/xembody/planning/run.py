"""`xembody plan`: closed-loop planning episodes in MuJoCo with a trained model (or MuJoCo as the oracle),
a video per episode with the goal drawn, and a JSON summary. Episodes already done are kept on re-runs."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from xembody.data.store import atomic_write_text
from xembody.embodiments import load_hand
from xembody.embodiments.hand import MjcfHand
from xembody.errors import XembodyError
from xembody.explore import StepLimits, episode_rng, hand_frame, run_episode
from xembody.explore.hand_frame import HandFrame
from xembody.planning.config import ORACLE, PlanConfig
from xembody.planning.dynamics import Dynamics, LearnedDynamics
from xembody.planning.episode import PlanEpisode, hover_ctrl, run_plan_episode
from xembody.planning.goals import Goal, box_goal, check_pose_goal, load_goal_points
from xembody.planning.mpc import MPC, PLANNERS, Planner, Update
from xembody.planning.mujoco_dynamics import MujocoDynamics
from xembody.planning.primitives import PressPlanner, PrimitiveConfig, PushPlanner
from xembody.sim.objects import RigidObject
from xembody.sim.scene import Scene
from xembody.sim.tasks import make_scene


def make_planner(
    cfg: PlanConfig, dyn: Dynamics, scene: Scene, frame: HandFrame, goal: Goal, i: int
) -> Planner:
    """Episode i's planner. Rigid goals are the object's own particles: corresponding-particle cost."""
    rigid = isinstance(scene.obj, RigidObject)
    shape, seed = ("particles" if rigid else "chamfer_emd"), cfg.seed * 100_003 + i
    if cfg.planner == "ours":
        pc = PrimitiveConfig(candidates=cfg.candidates, shape=shape, seed=seed)
        return (PushPlanner if rigid else PressPlanner)(pc, dyn, scene, frame, goal.points, StepLimits())
    if cfg.planner not in PLANNERS:
        raise XembodyError(f"unknown planner {cfg.planner!r}; choose ours, {', '.join(PLANNERS)}")
    pc = PLANNERS[cfg.planner]
    pc = replace(pc, mppi=replace(pc.mppi, seed=seed), cost=replace(pc.cost, shape=shape))
    if isinstance(dyn, MujocoDynamics):  # no gradients through the simulator
        pc = replace(pc, grad_steps=0)
    return MPC(pc, dyn, scene.hand, goal.points)


def make_dynamics(cfg: PlanConfig, scene: Scene) -> Dynamics:
    if cfg.model == ORACLE:
        return MujocoDynamics(scene)
    from xembody.train.checkpoint import load_model

    model, _ = load_model(cfg.model)
    gate = dense_hand(cfg.hand, cfg.gate_points) if cfg.gate_points else None
    return LearnedDynamics(model, scene.hand, isinstance(scene.obj, RigidObject), gate)


def dense_hand(hand: str, n: int) -> MjcfHand:
    """The hand with n particles; hands with few links (a 3-link gripper) sample more candidates per link."""
    try:
        return load_hand(hand, n_points=n)
    except XembodyError as e:
        if "candidate surface points" not in str(e):
            raise
        return load_hand(hand, n_points=n, per_link=n)


def make_goal(cfg: PlanConfig, scene: Scene, i: int) -> Goal:
    """The goal of episode i, from the scene's start state."""
    if isinstance(scene.obj, RigidObject):
        return box_goal(scene, cfg.goal_yaw, cfg.goal_shift)
    n = len(scene.object_points())
    if cfg.goal_points is not None:
        return load_goal_points(cfg.goal_points, n)
    return Goal(press_goal(cfg, i))


def press_goal(cfg: PlanConfig, i: int) -> np.ndarray:
    """A reachable plasticine goal: where `goal_hand`'s exploration presses leave the same block."""
    other = make_scene(cfg.goal_hand, cfg.task, seed=0)
    ep = run_episode(other, hand_frame(other.hand), "press", cfg.goal_frames, episode_rng(cfg.seed, i))
    return ep.arrays["object_points"][-1].astype(np.float64)


def check(cfg: PlanConfig) -> None:
    """Reject bad settings before any episode starts."""
    if cfg.video not in ("mp4", "gif", "none"):
        raise XembodyError(f"--video must be mp4, gif or none, not {cfg.video!r}")
    if cfg.planner != "ours" and cfg.planner not in PLANNERS:
        raise XembodyError(f"unknown planner {cfg.planner!r}; choose ours, {', '.join(PLANNERS)}")
    if cfg.episodes < 1 or cfg.max_updates < 1 or cfg.candidates < 1:
        raise XembodyError("--episodes, --max-updates and --candidates must be positive")
    check_pose_goal(cfg.goal_yaw, cfg.goal_shift)


def plan(cfg: PlanConfig) -> dict:
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    check(cfg)
    scene = make_scene(cfg.hand, cfg.task, seed=0)  # seed 0: the particle layout of the training data
    frame = hand_frame(scene.hand)
    dyn = make_dynamics(cfg, scene)
    done = cfg.out / "episodes"
    done.mkdir(parents=True, exist_ok=True)
    _check_resumable(cfg)
    results = []
    for i in tqdm(range(cfg.episodes), desc=f"plan {scene.hand.name} {cfg.task}", unit="episode"):
        path = done / f"{i:03d}.json"
        if path.exists():
            results.append(json.loads(path.read_text()))
            continue
        scene.reset(episode_rng(cfg.seed, i))
        scene.set_hand(hover_ctrl(scene, frame))
        goal = make_goal(cfg, scene, i)
        planner = make_planner(cfg, dyn, scene, frame, goal, i)
        ep, video = _episode(cfg, scene, planner, goal, i)
        row = {"episode": i, **ep.summary(), "video": video, "trace": ep.trace}
        atomic_write_text(path, json.dumps(row, indent=2))
        results.append(row)
    summary = _summary(cfg, scene, results)
    atomic_write_text(cfg.out / "summary.json", json.dumps(summary, indent=2))
    return summary


class Recorder:
    """Per executed step: hand and object particles, and what the planner predicted for the object."""

    def __init__(self, camera=None, goal: Goal | None = None):
        self.camera, self.goal = camera, goal
        self.hand, self.object, self.predicted = [], [], []
        self._update, self._k = None, 0

    def __call__(self, scene: Scene, update: Update | None) -> None:
        if update is not self._update:
            self._update, self._k = update, 0
        obj = scene.object_points()
        pred = np.full_like(obj, np.nan) if update is None else update.predicted[self._k].numpy()
        self._k += update is not None
        self.hand.append(scene.hand_points())
        self.object.append(obj)
        self.predicted.append(pred)
        if self.camera is not None:
            self.camera(scene, self.goal.points)

    def save(self, path: Path, goal: Goal) -> None:
        """(T, N, 3) arrays and the goal (No, 3), as .npz, atomically."""
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez_compressed(
            tmp,
            hand=np.stack(self.hand),
            object=np.stack(self.object),
            predicted=np.stack(self.predicted),
            goal=goal.points,
        )
        os.replace(tmp, path)


def _episode(
    cfg: PlanConfig, scene: Scene, planner: Planner, goal: Goal, i: int
) -> tuple[PlanEpisode, str | None]:
    """Run episode i, saving its particle trajectories (for `xembody view`) and its video."""
    cam = None
    if cfg.video != "none":
        from xembody.sim.video import SceneCamera

        cam = SceneCamera(scene)
    rec = Recorder(cam, goal)
    try:
        ep = run_plan_episode(scene, planner, goal, cfg.max_updates, rec)
        rec.save(cfg.out / f"episode-{i:03d}.npz", goal)
        if cam is None:
            return ep, None
        from xembody.sim.video import write_video

        return ep, str(write_video(cam.frames, cfg.out / f"episode-{i:03d}.{cfg.video}", fps=10))
    finally:
        if cam is not None:
            cam.close()


def _settings(cfg: PlanConfig) -> dict:
    """What the episodes depend on (not how many there are, nor where they go)."""
    keep = {k: v for k, v in asdict(cfg).items() if k not in ("episodes", "out")}
    return json.loads(json.dumps(keep, default=str))


def _check_resumable(cfg: PlanConfig) -> None:
    """Episodes already in `cfg.out` must come from the same settings, or the summary would mix runs."""
    path = cfg.out / "settings.json"
    if path.exists():
        saved = json.loads(path.read_text())
        diff = [k for k, v in _settings(cfg).items() if k in saved and saved[k] != v]
        if diff:
            raise XembodyError(
                f"{cfg.out}: was planned with other settings ({', '.join(diff)}); use another --out"
            )
    else:
        atomic_write_text(path, json.dumps(_settings(cfg), indent=2))


def _summary(cfg: PlanConfig, scene: Scene, rows: list[dict]) -> dict:
    keys = [k for k in ("yaw_error_deg", "position_error_m", "shape_error") if k in rows[0]]
    times = [r["seconds_per_update"] for r in rows]
    return {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "hand": scene.hand.name,
        "dynamics": "mujoco (oracle)" if cfg.model == ORACLE else "learned",
        "episodes": len(rows),
        "success_rate": float(np.mean([r["success"] for r in rows])),
        **{f"final_{k}_mean": float(np.mean([r[k] for r in rows])) for k in keys},
        "seconds_per_update_mean": float(np.mean(times)),
        "updates_mean": float(np.mean([r["updates"] for r in rows])),
        "unstable": sum(r["unstable"] is not None for r in rows),
        "per_episode": [{k: v for k, v in r.items() if k != "trace"} for r in rows],
    }
