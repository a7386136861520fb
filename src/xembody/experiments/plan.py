"""`xembody plan`: closed-loop planning episodes in MuJoCo with a trained model (or MuJoCo as the oracle),
a video per episode with the goal drawn, and a JSON summary. Episodes already done are kept on re-runs.

The planner sees only observations (`xembody.sim.closed_loop` makes them from the scene each cycle); this
module builds the pieces from names: the scene, the dynamics, the goal, the planner.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from xembody.embodiments import hand_frame
from xembody.errors import XembodyError
from xembody.explore import context, episode_rng, run_episode
from xembody.geometry import yaw_of
from xembody.goals import (
    GOAL_SHAPES_HAND,
    GOAL_SHAPES_OBJECT,
    Goal,
    GoalErrors,
    check_pose_goal,
    check_shape_version,
    load_goal_points,
    named_goal,
    observed_pose,
    pose_errors,
    shape_names,
)
from xembody.io import atomic_write_json
from xembody.planning import (
    GUIDED_KINDS,
    MPC,
    PLANNERS,
    Dynamics,
    PlannerSettings,
    PrimitivePlanner,
    learned_dynamics,
    primitive_config,
)
from xembody.planning.perception import PerceivingPlanner, Perception, check_observe
from xembody.primitives import PRESS_KINDS, YAW_LIMIT, PrimitiveContext, hover_ctrl
from xembody.resume import check_same_settings
from xembody.sensing import CLAY_CAMERA, DepthCamera
from xembody.sim.camera import CameraView
from xembody.sim.closed_loop import PlanEpisode, Planner, Recorder, run_plan_episode
from xembody.sim.goals import box_goal
from xembody.sim.objects import RigidObject
from xembody.sim.oracle import ExternalDynamics, MujocoDynamics, oracle
from xembody.sim.scene import Scene
from xembody.sim.tasks import make_scene
from xembody.sim.video import FORMATS
from xembody.sim.worlds import get_world
from xembody.stats import proportion_ci
from xembody.train.checkpoint import resolve_device

ORACLE = "mujoco"  # --model value that plans with MuJoCo itself
PRESS_GOAL_HAND = "allegro"  # whose exploration presses make the default plasticine goal


@dataclass(frozen=True)
class PlanConfig:
    """Plan in closed loop with a hand (typically one the model never saw) toward a goal, in MuJoCo."""

    model: str
    """Run directory (or model.pt) made by `xembody train`, a shipped checkpoint (box-5hands,
    plasticine-5hands), several joined by + (an ensemble: their predictions averaged), or `mujoco` to plan
    with MuJoCo itself (the oracle)."""
    hand: str
    """Registered hand name or MJCF or URDF path."""
    task: str = "box"
    """box (turn a box to a goal yaw) or plasticine (press it into a goal shape)."""
    object: str | None = None
    """Object variant (e.g. plasticine_mpm: Newton MPM clay); default: the task's."""
    world: str = "default"
    """Physics variant the hand acts in (`xembody.sim.worlds`): default, or shifted (a stand-in for the real
    world); the oracle simulates the same one."""
    planner: str = "ours"
    """ours (contact primitives as proposals), mppi (fast MPPI), or paper (MPPI 500 x 4 x 10)."""
    goal_yaw: float = 45.0
    """Box: turn from the start pose, degrees, in (-180, 180]."""
    goal_shift: tuple[float, float] = (0.0, 0.0)
    """Box: move from the start position, m."""
    goal: str | None = None
    """Plasticine: a named goal shape (`xembody goals` lists them), placed on the episode's lump; `all`:
    episode i takes the i-th shape in turn. Named shapes are MPM clay: the object defaults to theirs."""
    goal_points: Path | None = None
    """Plasticine: a goal cloud (No, 3) as .npy; default: made by --goal-hand pressing the same block."""
    goal_hand: str | None = None
    """Plasticine: the hand whose press sequence makes a reachable goal shape (default allegro); with
    --goal, whose version of the named shape to reach (default the reference hand's, the only one shipped)."""
    goal_frames: int = 30
    """Plasticine: frames of that press sequence."""
    episodes: int = 5
    first_episode: int = 0
    """Run only episodes first_episode..episodes-1, to split a dear run (the clay oracle) across processes,
    sessions or machines: copy their episodes/NNN.json into one --out and re-run to merge them; episodes
    below it that are already there still count."""
    max_updates: int = 30
    """Planner updates per episode (each executes a primitive, or `execute` MPPI steps)."""
    candidates: int | None = None
    """Primitives drawn at random per update (planner ours); default: 64 pushes, 32 presses."""
    refine: int = 2
    """Plasticine: cross-entropy rounds after the random draws, 16 presses each near the best so far."""
    hold: bool = True
    """Plasticine: where no press is predicted to end nearer the goal than the clay is now, execute nothing
    that update (--no-hold: always press the best candidate, as before 2026-11-27)."""
    hold_margin: float = 0.0
    """Plasticine, with hold: m (Chamfer + EMD) a press must be predicted to gain, else it is held too."""
    guided: float = 0.0
    """Plasticine: share of the random draws placed where the clay stands above the goal, as deep as the
    goal is there (xembody.planning.proposals); the rest are uniform over the lump."""
    guided_kind: str = "palm"
    """Plasticine: guided draws are flat palm presses at the wrist's home yaw (palm), or pokes of a random
    draw's own kind and wrist (drawn: 1 in 3 a palm press, as before 2026-12-03)."""
    guided_yaws: tuple[float, ...] = (0.0,)
    """Plasticine, guided palm presses: the wrist yaws (rad) they cycle through, e.g. 0 1.5708 -1.5708 for
    a hand whose palm flattens rows across it only (the human hand, docs/clay.md)."""
    clear_turns: bool = False
    """Plasticine: a press's approach rises first where turning the wrist would tilt the hand into the
    clay (the wrist's hinge angles move linearly: the human hand turned from -90 to +90 degrees dips 17 mm);
    off by default, as every figure before 2026-12-07 was measured."""
    press_kinds: tuple[str, ...] = PRESS_KINDS
    """Plasticine: the press kinds the random draws come from (e.g. palm_press alone: the named goals are
    palm presses' work, and the model mispredicts the human hand's pinches, docs/planning.md)."""
    gate_points: int = 400
    """Learned dynamics: dense hand particles for the contact gate (no contact, no motion); 0 turns it off."""
    observe: str = "full"
    """What the planner is given of the object: full (the simulator's particles) or camera (what a depth
    camera over the table sees: a partial, noisy cloud; `xembody.sim.camera`). Success is scored on the
    simulator's state either way."""
    device: str = "cpu"
    """Where the world model runs: cpu, cuda, cuda:1, ... (the hand's kinematics stay on the CPU)."""
    threads: int = 0
    """Torch CPU threads (0: up to 2; 1 when several planning processes share the cores)."""
    seed: int = 0
    video: str = "mp4"
    """mp4, gif, or none."""
    out: Path = Path("runs/plan")


@dataclass(frozen=True)
class EpisodeResult:
    """One planning episode, as written to episodes/NNN.json."""

    episode: int
    success: bool
    updates: int
    steps: int
    final: GoalErrors
    start: GoalErrors
    seconds_per_update: float
    unstable: str | None
    video: str | None
    trace: list[GoalErrors] = field(default_factory=list)
    goal: str | None = None  # the named goal shape, if any
    holds: int = 0  # updates that executed nothing: no press was predicted to help
    steps_per_update: list[int] = field(default_factory=list)  # executed steps of each update, in order
    perception_error: tuple[float, float] | None = None  # camera, rigid: registered pose's mean yaw (deg)
    # and position (m) errors over the updates, against the simulator's pose then

    @classmethod
    def from_json(cls, d: dict, where: Path) -> EpisodeResult:
        if "final" not in d:
            raise XembodyError(f"{where}: written by an older xembody; plan into another --out")
        d = dict(d)
        d["final"], d["start"] = GoalErrors(**d["final"]), GoalErrors(**d["start"])
        d["trace"] = [GoalErrors(**e) for e in d.get("trace", [])]
        return cls(**d)


@dataclass(frozen=True)
class PlanSummary:
    """A planning run: success, final errors (means over episodes), time per update, every episode."""

    config: PlanConfig
    hand: str
    dynamics: str  # "learned" or "mujoco (oracle)"
    episodes: int
    successes: int
    success_rate: float
    success_ci95: tuple[float, float]  # Wilson interval
    final_shape_error_mean: float
    final_yaw_error_deg_mean: float | None  # rigid goals
    final_position_error_m_mean: float | None
    seconds_per_update_mean: float
    updates_mean: float
    unstable: int
    per_episode: list[EpisodeResult]


def settings(cfg: PlanConfig, i: int) -> PlannerSettings:
    """Episode i's planner settings (each episode draws its candidates from its own seed)."""
    return PlannerSettings(
        candidates=cfg.candidates,
        refine=cfg.refine,
        hold=cfg.hold,
        guided=cfg.guided,
        guided_kind=cfg.guided_kind,
        guided_yaws=cfg.guided_yaws,
        clear_turns=cfg.clear_turns,
        press_kinds=cfg.press_kinds,
        gate_points=cfg.gate_points,
        device=cfg.device,
        seed=cfg.seed * 100_003 + i,
        observe=cfg.observe,
        hold_margin=cfg.hold_margin,
    )


def make_planner(
    cfg: PlanConfig, dyn: Dynamics, ctx: PrimitiveContext, rigid: bool, goal: Goal, i: int
) -> Planner:
    """Episode i's planner. Rigid goals are the object's own particles: corresponding-particle cost. With
    `observe` camera, each observation goes through `planning.perception` first."""
    inner = _planner(cfg, dyn, ctx, rigid, goal, i)
    return inner if cfg.observe == "full" else PerceivingPlanner(inner, Perception(goal, rigid))


def _planner(
    cfg: PlanConfig, dyn: Dynamics, ctx: PrimitiveContext, rigid: bool, goal: Goal, i: int
) -> Planner:
    s = settings(cfg, i)
    if cfg.planner == "ours":
        return PrimitivePlanner(primitive_config(rigid, s), dyn, ctx, goal.points)
    pc = PLANNERS[cfg.planner]
    shape = "particles" if rigid else "chamfer_emd"
    pc = replace(pc, mppi=replace(pc.mppi, seed=s.seed), cost=replace(pc.cost, shape=shape))
    if isinstance(dyn, MujocoDynamics | ExternalDynamics):  # no gradients through the simulator
        pc = replace(pc, grad_steps=0)
    return MPC(pc, dyn, ctx.hand, goal.points, ctx.limits)


def make_dynamics(cfg: PlanConfig, scene: Scene) -> Dynamics:
    if cfg.model == ORACLE:
        return oracle(scene)
    rigid = isinstance(scene.obj, RigidObject)
    return learned_dynamics(cfg.model, cfg.hand, scene.hand, rigid, cfg.gate_points, cfg.device)


def make_goal(cfg: PlanConfig, scene: Scene, i: int) -> Goal:
    """The goal of episode i, from the scene's start state."""
    if isinstance(scene.obj, RigidObject):
        return box_goal(scene, cfg.goal_yaw, cfg.goal_shift)
    n = len(scene.object_points())
    if cfg.goal is not None:
        hand = cfg.goal_hand or GOAL_SHAPES_HAND
        return named_goal(goal_name(cfg, i), n, centre=scene.object_points().mean(0), hand=hand)
    if cfg.goal_points is not None:
        return load_goal_points(cfg.goal_points, n)
    return Goal(press_goal(cfg, i))


def goal_name(cfg: PlanConfig, i: int) -> str | None:
    """Episode i's named goal shape (--goal all: each in turn), or None."""
    if cfg.goal == "all":
        names = shape_names()
        return names[i % len(names)]
    return cfg.goal


def object_name(cfg: PlanConfig) -> str | None:
    """The object to plan with: --object, else a named goal's (the clay it was made in), else the task's."""
    if cfg.object is None and cfg.goal is not None and cfg.task == "plasticine":
        return GOAL_SHAPES_OBJECT
    return cfg.object


def press_goal(cfg: PlanConfig, i: int) -> np.ndarray:
    """A reachable plasticine goal: where `goal_hand`'s exploration presses leave the same block."""
    other = make_scene(cfg.goal_hand or PRESS_GOAL_HAND, cfg.task, cfg.object, seed=0, world=cfg.world)
    ep = run_episode(other, hand_frame(other.hand), "press", cfg.goal_frames, episode_rng(cfg.seed, i))
    return ep.arrays["object_points"][-1].astype(np.float64)


def check_video(video: str) -> None:
    """--video: how episodes are filmed (`xembody plan` and `xembody imitate`)."""
    if video not in (*FORMATS, "none"):
        raise XembodyError(f"--video must be mp4, gif or none, not {video!r}")


def check_search(
    planner: str, max_updates: int, candidates: int | None, refine: int, guided: float, hold_margin: float
) -> None:
    """The planner's search settings, one line for each bad one (`xembody plan` and `xembody imitate`)."""
    if planner != "ours" and planner not in PLANNERS:
        raise XembodyError(f"unknown planner {planner!r}; choose ours, {', '.join(PLANNERS)}")
    if max_updates < 1 or (candidates or 1) < 1:
        raise XembodyError(f"--max-updates {max_updates}, --candidates {candidates}: each must be positive")
    if refine < 0:
        raise XembodyError(f"--refine {refine}: a number of rounds, 0 or more")
    if not 0.0 <= guided <= 1.0:
        raise XembodyError(f"--guided is a share of the candidates, between 0 and 1, not {guided}")
    if hold_margin < 0:
        raise XembodyError(f"--hold-margin is a predicted gain in m, at least 0, not {hold_margin}")


def check(cfg: PlanConfig) -> None:
    """Reject bad settings before any episode starts."""
    check_video(cfg.video)
    check_search(cfg.planner, cfg.max_updates, cfg.candidates, cfg.refine, cfg.guided, cfg.hold_margin)
    if cfg.episodes < 1:
        raise XembodyError(f"--episodes {cfg.episodes}: at least 1")
    if not 0 <= cfg.first_episode < cfg.episodes:
        raise XembodyError(
            f"--first-episode must be in 0..{cfg.episodes - 1} (below --episodes {cfg.episodes}), "
            f"not {cfg.first_episode}"
        )
    if cfg.guided_kind not in GUIDED_KINDS:
        raise XembodyError(f"--guided-kind must be one of {', '.join(GUIDED_KINDS)}, not {cfg.guided_kind!r}")
    if not cfg.press_kinds or set(cfg.press_kinds) - set(PRESS_KINDS):
        raise XembodyError(f"--press-kinds must be some of {', '.join(PRESS_KINDS)}, not {cfg.press_kinds}")
    if not cfg.guided_yaws or max(abs(y) for y in cfg.guided_yaws) > YAW_LIMIT:
        raise XembodyError(
            f"--guided-yaws must be one or more yaws within +-{YAW_LIMIT} rad, not {cfg.guided_yaws}"
        )
    check_pose_goal(cfg.goal_yaw, cfg.goal_shift)
    get_world(cfg.world)
    if cfg.goal is not None and cfg.goal not in [*shape_names(), "all"]:
        raise XembodyError(
            f"unknown goal shape {cfg.goal!r}; choose one of: {', '.join(shape_names())} (or all)"
        )
    if cfg.goal is not None and cfg.task != "plasticine":
        raise XembodyError("--goal names a plasticine shape: use it with --task plasticine")
    if cfg.goal is not None and cfg.goal_hand is not None:
        check_shape_version(cfg.goal_hand)
    check_observe(cfg.observe)
    if cfg.observe == "camera" and cfg.model == ORACLE:
        raise XembodyError(
            "--observe camera with --model mujoco: the oracle simulates the true state, not a camera's view"
        )
    resolve_device(cfg.device)


def plan(cfg: PlanConfig) -> PlanSummary:
    """Run (or resume) `cfg.episodes` planning episodes; returns the summary (also in summary.json)."""
    torch.set_num_threads(cfg.threads or min(2, os.cpu_count() or 1))
    check(cfg)
    # seed 0: the training data's particles
    scene = make_scene(cfg.hand, cfg.task, object_name(cfg), seed=0, world=cfg.world)
    ctx = context(scene, hand_frame(scene.hand))
    dyn = make_dynamics(cfg, scene)
    done = cfg.out / "episodes"
    done.mkdir(parents=True, exist_ok=True)
    check_same_settings(
        cfg.out,
        cfg,
        # video: how episodes are kept, not run; first_episode: which of them this process runs
        ignore=("episodes", "first_episode", "out", "device", "threads", "video"),
        what="planned",
        added={"world": "default", "observe": "full", "hold_margin": 0.0},
    )
    results = []
    for i in tqdm(range(cfg.episodes), desc=f"plan {scene.hand.name} {cfg.task}", unit="episode"):
        path = done / f"{i:03d}.json"
        if path.exists():
            results.append(EpisodeResult.from_json(json.loads(path.read_text()), path))
            continue
        if i < cfg.first_episode:
            continue  # another process's share
        scene.reset(episode_rng(cfg.seed, i))
        scene.set_hand(hover_ctrl(ctx, scene.observe()))
        goal = make_goal(cfg, scene, i)
        planner = make_planner(cfg, dyn, ctx, isinstance(scene.obj, RigidObject), goal, i)
        ep, video, perceived = _episode(cfg, scene, planner, goal, i)
        row = EpisodeResult(
            i,
            ep.success,
            ep.updates,
            ep.steps,
            ep.errors,
            ep.start,
            float(np.mean(ep.seconds_per_update)) if ep.seconds_per_update else 0.0,
            ep.unstable,
            video,
            ep.trace,
            goal_name(cfg, i),
            ep.holds,
            ep.steps_per_update,
            perceived,
        )
        atomic_write_json(path, row)
        results.append(row)
    summary = summarize(cfg, scene.hand.name, results)
    atomic_write_json(cfg.out / "summary.json", summary)
    return summary


def _episode(
    cfg: PlanConfig, scene: Scene, planner: Planner, goal: Goal, i: int
) -> tuple[PlanEpisode, str | None, tuple[float, float] | None]:
    """Run episode i, saving its particle trajectories (for `xembody view`) and its video; with a camera
    and a rigid goal, also how far the registered poses were from the truth."""
    cam = None
    if cfg.video != "none":
        from xembody.sim.video import SceneCamera

        cam = SceneCamera(scene)
    rec = Recorder(cam, goal)
    camera = DepthCamera() if isinstance(scene.obj, RigidObject) else CLAY_CAMERA
    view = CameraView(scene, camera, seed=cfg.seed * 100_003 + i) if cfg.observe == "camera" else None
    try:
        ep = run_plan_episode(scene, planner, goal, cfg.max_updates, rec, view)
        rec.save(cfg.out / f"episode-{i:03d}.npz", goal)
        perceived = perception_error(planner, rec, ep, goal)
        if cam is None:
            return ep, None, perceived
        from xembody.sim.video import write_video

        return ep, str(write_video(cam.frames, cfg.out / f"episode-{i:03d}.{cfg.video}", fps=10)), perceived
    finally:
        if cam is not None:
            cam.close()


def perception_error(
    planner: Planner, rec: Recorder, ep: PlanEpisode, goal: Goal
) -> tuple[float, float] | None:
    """Mean (yaw error in degrees, position error in m) of the poses a camera planner registered, each
    against the simulator's pose at that update (its particles then, recorded frame by frame)."""
    if not isinstance(planner, PerceivingPlanner) or not planner.poses or goal.pose is None:
        return None
    frames = np.cumsum([0, *ep.steps_per_update])[: len(planner.poses)]  # the frame each update saw
    errs = []
    for pose, k in zip(planner.poses, frames, strict=True):
        true = observed_pose(rec.object[k], goal)  # exact: the recorded particles correspond to the goal's
        at = Goal(goal.points, np.array([*true[:2], yaw_of(true[3:])]), goal.symmetry)
        errs.append(pose_errors(pose, at))
    yaw, pos = np.mean(errs, 0)
    return float(yaw), float(pos)


def outcome(cfg, hand: str, rows: list) -> dict:
    """The fields every run summary opens with: its settings `cfg` (with a `model`), the hand, the dynamics,
    the successes among `rows` (results with a `success`), their rate and its 95% Wilson interval."""
    wins = sum(r.success for r in rows)
    return {
        "config": cfg,
        "hand": hand,
        "dynamics": "mujoco (oracle)" if cfg.model == ORACLE else "learned",
        "successes": wins,
        "success_rate": wins / len(rows),
        "success_ci95": proportion_ci(wins, len(rows)),
    }


def summarize(cfg: PlanConfig, hand: str, rows: list[EpisodeResult]) -> PlanSummary:
    def mean(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else float(np.mean(values))

    return PlanSummary(
        **outcome(cfg, hand, rows),
        episodes=len(rows),
        final_shape_error_mean=float(np.mean([r.final.shape_error for r in rows])),
        final_yaw_error_deg_mean=mean([r.final.yaw_error_deg for r in rows]),
        final_position_error_m_mean=mean([r.final.position_error_m for r in rows]),
        seconds_per_update_mean=float(np.mean([r.seconds_per_update for r in rows])),
        updates_mean=float(np.mean([r.updates for r in rows])),
        unstable=sum(r.unstable is not None for r in rows),
        per_episode=[replace(r, trace=[]) for r in rows],
    )
