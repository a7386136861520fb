"""`xembody imitate`: a human demonstration reproduced by any hand through the world model.

A recording (`data.tracks`) says what should happen to the object; `planning.subgoals` turns the object's
observed motion into a pose path and keyframes. The robot's scene starts with the object where the
recording's first registered pose is, and the closed loop of `xembody plan` (`sim.closed_loop`) plans
toward each keyframe in turn with at most `max_updates` updates; a keyframe not reached in that budget is
reported and skipped, never looped on. Per recording: a JSON result (every keyframe: goal pose, reached,
errors, updates, seconds per update; the end: error against the recording's final pose, mean keyframe
error, success) and a side-by-side video; over all recordings, a summary with Wilson intervals. Recordings
already done are kept on re-runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import tyro

from xembody.data.tracks import FrameChecks, Track, read_usable
from xembody.embodiments import hand_frame
from xembody.errors import XembodyError
from xembody.experiments.imitate_clay import ClayImitateSummary, ClayImitationResult, imitate_clay_recording
from xembody.experiments.imitate_clay import line as clay_line
from xembody.experiments.imitate_clay import summarize as summarize_clay
from xembody.experiments.imitate_clay import summary_line as clay_summary_line
from xembody.experiments.plan import (
    ORACLE,
    PlanConfig,
    check_search,
    check_video,
    make_dynamics,
    make_planner,
    outcome,
)
from xembody.explore import context
from xembody.goals import GOAL_SHAPES_OBJECT, Goal
from xembody.io import atomic_write_json
from xembody.planning import Dynamics
from xembody.planning.clay_subgoals import PressKeyframeRule
from xembody.planning.perception import check_observe
from xembody.planning.subgoals import Demonstration, KeyframeRule, demonstration
from xembody.primitives import PrimitiveContext, hover_ctrl
from xembody.resume import check_same_settings
from xembody.sim.closed_loop import Planner, run_plan_episode
from xembody.sim.goals import scene_errors, symmetry_of
from xembody.sim.objects import RigidObject
from xembody.sim.scene import Scene
from xembody.sim.tasks import make_scene
from xembody.train.checkpoint import resolve_device


@dataclass(frozen=True)
class ImitateConfig:
    """Reproduce human recordings (.npz, the importer's format) with any hand: the object's observed motion
    becomes keyframe subgoals, planned toward in turn in closed loop; a side-by-side video and a JSON
    summary per recording, an aggregate over all (docs/imitation.md)."""

    recordings: tyro.conf.Positional[tuple[Path, ...]]
    """One or more .npz recordings (format: xembody.data.tracks); one result each, a summary over all."""
    model: str
    """Run directory or model.pt from `xembody train`, a shipped checkpoint (box-5hands), or `mujoco` (the
    oracle)."""
    hand: str
    """Registered hand name or MJCF or URDF path: the hand that imitates."""
    out: Path = Path("runs/imitate")
    """Results directory; re-running the same command resumes (recordings done are kept)."""
    task: str = "box"
    """box (push and turn it along the recorded poses) or plasticine (press the clay as the recording's
    presses left it, `experiments.imitate_clay`)."""
    object: str | None = None
    """Object variant the recording shows (default: the task's; plasticine: the goal shapes' MPM clay)."""
    max_updates: int = 10
    """Planner updates per keyframe (plasticine: presses per subgoal); a keyframe not reached by then is
    reported and skipped."""
    keyframes: int | None = None
    """Imitate only the first N keyframes (the end is then the N-th keyframe's pose); default: all."""
    every: int = KeyframeRule.every
    """Motion that goes on this many recording frames without settling gets a keyframe anyway."""
    settle_speed: float = KeyframeRule.settle_speed
    """m/s: the object's mean particle speed below which its motion has settled."""
    clear: float = PressKeyframeRule.clear
    """Plasticine: m above the clay's top at which the hand counts as out of it (a press has ended)."""
    guided: float = 0.5
    """Plasticine: share of the press draws guided to where the clay stands above the subgoal (as
    `xembody plan --guided`)."""
    hold_margin: float = 0.0
    """Plasticine: m (Chamfer + EMD) a press must be predicted to gain, else the planner holds."""
    observe: str = "camera"
    """Plasticine: what the learned planner sees of the clay: camera (the recordings' camera, completed)
    or full (the simulator's particles); the oracle always sees the simulator's."""
    planner: str = "ours"
    """ours (contact primitives), mppi, or paper."""
    candidates: int | None = None
    """Primitives drawn per update (planner ours); default: 64 pushes, 32 presses."""
    refine: int = 2
    """Plasticine: cross-entropy rounds after the random draws, 16 presses each (as `xembody plan
    --refine`); the clay oracle simulates every one (about 30 s each), so it runs with fewer."""
    device: str = "cpu"
    threads: int = 0
    """Torch CPU threads (0: up to 2; 1 when several runs share the cores)."""
    seed: int = 0
    video: str = "mp4"
    """mp4, gif, or none."""

    @property
    def rule(self) -> KeyframeRule:
        return KeyframeRule(every=self.every, settle_speed=self.settle_speed)

    def plan_config(self) -> PlanConfig:
        """The `xembody plan` settings whose dynamics and planners imitation uses."""
        clay = self.task == "plasticine"
        return PlanConfig(
            model=self.model,
            hand=self.hand,
            task=self.task,
            object=self.object or (GOAL_SHAPES_OBJECT if clay else None),
            guided=self.guided if clay else 0.0,
            hold_margin=self.hold_margin,
            observe=self.observe if clay and self.model != ORACLE else "full",
            planner=self.planner,
            max_updates=self.max_updates,
            candidates=self.candidates,
            refine=self.refine,
            device=self.device,
            seed=self.seed,
            video="none",
        )


@dataclass(frozen=True)
class KeyframeResult:
    """One subgoal: the recording frame it comes from, its pose (x, y m; yaw degrees), whether the hand
    reached it within the budget, the errors then (yaw modulo the object's symmetry), updates, executed
    steps, mean seconds per update, and why the simulation stopped, if it did."""

    frame: int
    goal: tuple[float, float, float]
    reached: bool
    yaw_error_deg: float
    position_error_m: float
    updates: int
    steps: int
    seconds_per_update: float
    unstable: str | None = None


@dataclass(frozen=True)
class ImitationResult:
    """One recording imitated: its frames (kept by the frame checks, registered), the keyframes, the end's
    errors against the recording's final pose (of the last imitated keyframe with --keyframes), the mean
    keyframe errors, success (the end within 10 degrees and 2 cm), time per update."""

    recording: str
    source: str  # the file's `source` (simulated for synthetic recordings), else "tracked"
    frames: int
    kept_frames: int
    dropped: dict[str, int]
    registration_residual_m: float  # mean distance of the observed points to the registered template
    start: tuple[float, float, float]  # x, y (m), yaw (deg): where the robot's object starts
    keyframes: list[KeyframeResult]
    reached: int
    final_yaw_error_deg: float
    final_position_error_m: float
    keyframe_yaw_error_deg_mean: float
    keyframe_position_error_m_mean: float
    success: bool
    seconds_per_update: float
    updates: int
    unstable: str | None
    video: str | None

    @classmethod
    def from_json(cls, d: dict) -> ImitationResult:
        d = dict(d)
        d["keyframes"] = [KeyframeResult(**k) for k in d["keyframes"]]
        return cls(**d)


@dataclass(frozen=True)
class ImitateSummary:
    """Over the recordings: success (the end within the box criteria) with a Wilson interval, mean errors at
    the end and at keyframes, the share of keyframes reached, time per update; every recording's result."""

    config: ImitateConfig
    hand: str
    dynamics: str  # "learned" or "mujoco (oracle)"
    recordings: int
    successes: int
    success_rate: float
    success_ci95: tuple[float, float]
    final_yaw_error_deg_mean: float
    final_position_error_m_mean: float
    keyframe_yaw_error_deg_mean: float
    keyframe_position_error_m_mean: float
    keyframes_reached: float  # share of every recording's keyframes
    seconds_per_update_mean: float
    per_recording: list[ImitationResult] = field(default_factory=list)


def check(cfg: ImitateConfig) -> None:
    """Reject bad settings before any recording is read."""
    if cfg.task not in ("box", "plasticine"):
        raise XembodyError(f"unknown task {cfg.task!r}; choose box or plasticine")
    check_observe(cfg.observe)
    if not cfg.recordings:
        raise XembodyError("give at least one recording (.npz)")
    check_video(cfg.video)
    check_search(cfg.planner, cfg.max_updates, cfg.candidates, cfg.refine, cfg.guided, cfg.hold_margin)
    if (cfg.keyframes or 1) < 1 or cfg.every < 1:
        raise XembodyError(f"--keyframes {cfg.keyframes}, --every {cfg.every}: each must be positive")
    stems = [p.stem for p in cfg.recordings]
    if len(set(stems)) < len(stems):
        twice = sorted({s for s in stems if stems.count(s) > 1})
        raise XembodyError(f"recordings share file names ({', '.join(twice)}): their results would collide")
    resolve_device(cfg.device)


def load_demonstration(
    path: Path, template: np.ndarray, symmetry: float, rule: KeyframeRule, checks: FrameChecks | None = None
) -> tuple[Track, Demonstration, dict[str, int]]:
    """Read a recording, drop its untrusted frames and turn the object's motion into subgoals; one-line
    errors naming the file for a recording with no usable frames or an object never seen (and those of
    `subgoals.demonstration`). Returns the track, the demonstration, the dropped frames by reason."""
    track, keep, dropped = read_usable(path, checks or FrameChecks())
    demo = demonstration(track.object_points, keep, track.fps, template, symmetry, rule, str(path))
    return track, demo, {**dropped, "unregistered": demo.unregistered}


def imitate_keyframes(
    scene: Scene,
    goals: list[tuple[int, Goal]],
    planner_for: Callable[[Goal, int], Planner],
    max_updates: int,
    on_start: Callable[[int], None] | None = None,
    on_frame: Callable[[Scene, object], None] | None = None,
) -> list[KeyframeResult]:
    """Plan toward each (recording frame, goal) in turn from the scene's state, at most `max_updates`
    updates each: a keyframe not reached is reported and the next one tried; a keyframe already within the
    criteria costs no update. An unstable simulation ends the imitation (the rest are not reported).
    `on_start(k)` is called before keyframe k, `on_frame` as in `run_plan_episode`."""
    out = []
    for k, (frame, goal) in enumerate(goals):
        if on_start:
            on_start(k)
        now = scene_errors(scene, goal)
        pose = (float(goal.pose[0]), float(goal.pose[1]), float(np.rad2deg(goal.pose[2])))
        if now.success:
            row = KeyframeResult(frame, pose, True, now.yaw_error_deg, now.position_error_m, 0, 0, 0.0)
        else:
            ep = run_plan_episode(scene, planner_for(goal, k), goal, max_updates, on_frame)
            e, secs = ep.errors, ep.seconds_per_update
            row = KeyframeResult(
                frame,
                pose,
                ep.success,
                float(e.yaw_error_deg),
                float(e.position_error_m),
                ep.updates,
                ep.steps,
                float(np.mean(secs)) if secs else 0.0,
                ep.unstable,
            )
        out.append(row)
        if row.unstable is not None:
            break
    return out


def imitate_recording(
    cfg: ImitateConfig, scene: Scene, ctx: PrimitiveContext, dyn: Dynamics, path: Path
) -> ImitationResult:
    """One recording: its subgoals, the scene set where it starts, the keyframes in turn, its video."""
    obj = scene.obj
    assert isinstance(obj, RigidObject)
    template, symmetry = obj.local_points, symmetry_of(obj)
    track, demo, dropped = load_demonstration(path, template, symmetry, cfg.rule)
    keys = demo.keyframes[: cfg.keyframes]
    goals = [(int(demo.frames[i]), demo.goal(k, template, symmetry)) for k, i in enumerate(keys)]
    scene.reset(None)
    scene.place_object(demo.start)
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    plan_cfg = cfg.plan_config()

    def planner_for(goal: Goal, k: int) -> Planner:
        return make_planner(plan_cfg, dyn, ctx, True, goal, k)

    def run(on_start=None, on_frame=None) -> list[KeyframeResult]:
        return imitate_keyframes(scene, goals, planner_for, cfg.max_updates, on_start, on_frame)

    video = None
    if cfg.video == "none":
        rows = run()
    else:
        rows, video = filmed(cfg, scene, track, demo.start[:2], int(demo.frames[0]), goals, run, path)
    updates = sum(r.updates for r in rows)
    secs = [r.seconds_per_update for r in rows if r.updates]
    end = scene_errors(scene, goals[-1][1])
    return ImitationResult(
        recording=str(path),
        source=track.attrs.get("source", "tracked"),
        frames=track.frames,
        kept_frames=len(demo.frames),
        dropped=dropped,
        registration_residual_m=float(demo.residuals.mean()),
        start=(float(demo.start[0]), float(demo.start[1]), float(np.rad2deg(demo.start[2]))),
        keyframes=rows,
        reached=sum(r.reached for r in rows),
        final_yaw_error_deg=float(end.yaw_error_deg),
        final_position_error_m=float(end.position_error_m),
        keyframe_yaw_error_deg_mean=float(np.mean([r.yaw_error_deg for r in rows])),
        keyframe_position_error_m_mean=float(np.mean([r.position_error_m for r in rows])),
        success=bool(end.success) and not any(r.unstable for r in rows),
        seconds_per_update=float(np.average(secs, weights=[r.updates for r in rows if r.updates]))
        if secs
        else 0.0,
        updates=updates,
        unstable=next((r.unstable for r in rows if r.unstable), None),
        video=video,
    )


def filmed(cfg, scene, track, centre, first, goals, run, path) -> tuple[list, str]:
    """`run(on_start, on_frame)` (the keyframes toward `goals`, (recording frame, Goal) pairs) while
    rendering the recording (its top view centred on `centre` (2,), from frame `first`) beside the robot
    (`imitation_video`); (run's rows, the video's path)."""
    from xembody.experiments.imitation_video import SIZE, Aligner, TrackView, side_by_side
    from xembody.sim.video import SceneCamera, write_video

    cam = SceneCamera(scene, width=SIZE * 4 // 3, height=SIZE)
    left = TrackView(track, centre, f"human ({track.attrs.get('source', 'tracked')})")
    align = Aligner([f for f, _ in goals], first)
    frames: list[np.ndarray] = []
    state = {"k": 0}

    def on_start(k: int) -> None:
        state["k"] = k
        align.start(k)

    def on_frame(scene: Scene, update) -> None:
        k = state["k"]
        goal = goals[k][1].points
        cam(scene, goal)
        caption = f"keyframe {k + 1}/{len(goals)}"
        panel = left(align.step(), goal, caption)
        frames.append(side_by_side(panel, cam.frames.pop(), f"{scene.hand.name} ({cfg.model})"))

    try:
        rows = run(on_start, on_frame)
    finally:
        cam.close()
    if not frames:  # every keyframe was reached before any step: one still frame
        on_frame(scene, None)
    out = write_video(frames, cfg.out / f"{path.stem}.{cfg.video}", fps=10)
    return rows, str(out)


def imitate(cfg: ImitateConfig) -> ImitateSummary | ClayImitateSummary:
    """Imitate every recording (or resume: results on disk are kept); returns the summary (also in
    summary.json)."""
    torch.set_num_threads(cfg.threads or min(2, os.cpu_count() or 1))
    check(cfg)
    plan_cfg = cfg.plan_config()
    scene = make_scene(cfg.hand, cfg.task, plan_cfg.object, seed=0)  # seed 0: the training data's particles
    if isinstance(scene.obj, RigidObject) == (cfg.task == "plasticine"):
        kind = "a deformable" if cfg.task == "plasticine" else "a rigid"
        raise XembodyError(f"imitation of the {cfg.task} task needs {kind} object, not {scene.obj.name!r}")
    ctx = context(scene, hand_frame(scene.hand))
    dyn = make_dynamics(plan_cfg, scene)
    done = cfg.out / "recordings"
    done.mkdir(parents=True, exist_ok=True)
    # added: settings introduced since 2026-12-04 (plasticine), with the values older runs had
    added = {
        "clear": PressKeyframeRule.clear,
        "guided": 0.5,
        "observe": "camera",
        "hold_margin": 0.0,
        "refine": 2,
    }
    check_same_settings(
        cfg.out, cfg, ignore=("recordings", "out", "device", "threads"), what="imitated", added=added
    )
    clay = cfg.task == "plasticine"
    result_of = ClayImitationResult.from_json if clay else ImitationResult.from_json
    rows = []
    for path in cfg.recordings:
        result = done / f"{path.stem}.json"
        if result.exists():
            rows.append(result_of(json.loads(result.read_text())))
            continue
        if clay:
            row = imitate_clay(cfg, scene, ctx, dyn, path)
            print(clay_line(row))
        else:
            row = imitate_recording(cfg, scene, ctx, dyn, path)
            print(line(row))
        atomic_write_json(result, row)
        rows.append(row)
    summary = summarize_clay(cfg, scene.hand.name, rows) if clay else summarize(cfg, scene.hand.name, rows)
    atomic_write_json(cfg.out / "summary.json", summary)
    return summary


def imitate_clay(cfg: ImitateConfig, scene: Scene, ctx: PrimitiveContext, dyn: Dynamics, path: Path):
    """One clay recording (`imitate_clay.imitate_clay_recording`) with `xembody plan`'s press planner."""
    plan_cfg = cfg.plan_config()

    def planner_for(goal: Goal, k: int) -> Planner:
        return make_planner(plan_cfg, dyn, ctx, False, goal, k)

    def video(track, demo, goals, run):
        centre = np.nanmean(track.object_points[demo.first], 0)[:2]
        return filmed(cfg, scene, track, centre, demo.first, goals, run, path)

    return imitate_clay_recording(cfg, scene, planner_for, path, None if cfg.video == "none" else video)


def line(r: ImitationResult) -> str:
    """One recording's result in one line."""
    end = f"{r.final_yaw_error_deg:.1f} deg / {100 * r.final_position_error_m:.1f} cm"
    keys = f"{r.keyframe_yaw_error_deg_mean:.1f} deg / {100 * r.keyframe_position_error_m_mean:.1f} cm"
    return (
        f"{Path(r.recording).name}: {'success' if r.success else 'failure'}, keyframes reached "
        f"{r.reached}/{len(r.keyframes)}, end {end}, keyframes (mean) {keys}, {r.updates} updates at "
        f"{r.seconds_per_update:.2f} s" + (f" ({r.unstable})" if r.unstable else "")
    )


def summary_line(s: ImitateSummary | ClayImitateSummary) -> str:
    """The aggregate in one line."""
    if isinstance(s, ClayImitateSummary):
        return clay_summary_line(s)
    low, high = s.success_ci95
    end = f"{s.final_yaw_error_deg_mean:.1f} deg / {100 * s.final_position_error_m_mean:.1f} cm"
    keys = f"{s.keyframe_yaw_error_deg_mean:.1f} deg / {100 * s.keyframe_position_error_m_mean:.1f} cm"
    return (
        f"{s.hand} imitating {s.recordings} recordings ({s.dynamics}): success {s.successes}/{s.recordings} "
        f"(95% CI {low:.2f}-{high:.2f}), end {end}, keyframes {keys} ({100 * s.keyframes_reached:.0f}% "
        f"reached), {s.seconds_per_update_mean:.2f} s per update"
    )


def summarize(cfg: ImitateConfig, hand: str, rows: list[ImitationResult]) -> ImitateSummary:
    keys = [k for r in rows for k in r.keyframes]
    return ImitateSummary(
        **outcome(cfg, hand, rows),
        recordings=len(rows),
        final_yaw_error_deg_mean=float(np.mean([r.final_yaw_error_deg for r in rows])),
        final_position_error_m_mean=float(np.mean([r.final_position_error_m for r in rows])),
        keyframe_yaw_error_deg_mean=float(np.mean([r.keyframe_yaw_error_deg_mean for r in rows])),
        keyframe_position_error_m_mean=float(np.mean([r.keyframe_position_error_m_mean for r in rows])),
        keyframes_reached=sum(k.reached for k in keys) / max(len(keys), 1),
        seconds_per_update_mean=float(np.mean([r.seconds_per_update for r in rows])),
        per_recording=rows,
    )
