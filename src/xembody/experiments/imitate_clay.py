"""`xembody imitate --task plasticine`: a human's presses on clay reproduced by any hand.

A clay recording (`data.tracks`) becomes one subgoal per press (`planning.clay_subgoals`: the seen cloud
just after the hand leaves the clay, completed to a solid). The robot's scene starts at the standard lump
(the recordings' start; one whose first cloud is far from it is refused), and the closed loop of
`xembody plan` presses toward each subgoal in turn, at most `max_updates` presses each, moving on as soon
as the planner holds (it predicts no press brings the clay nearer): a completed cloud is never met to the
paper's threshold (two samplings of the same clay are 0.012-0.014 apart), so holding is how a subgoal is
reached. The learned planner sees the clay through the recordings' camera (`sensing.CLAY_CAMERA`,
completed by `planning.perception`), the oracle the simulator's particles.

Success is the robot's final clay within the paper's threshold (Chamfer + EMD < 0.0125 m) of the human's
final clay, on true particles: simulated recordings carry them (`experiments.clay_demos`), in
correspondence with the robot's (the same standard start). A real recording has none; its result then
gives only the distance to the last subgoal's completed cloud (`final_view_error`), and no success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from xembody.data.tracks import FrameChecks, Track, read_usable
from xembody.errors import XembodyError
from xembody.experiments.clay_demos import particles_path
from xembody.goals import SHAPE_TOLERANCE, Goal, shape_error
from xembody.planning.clay_subgoals import ClayDemonstration, PressKeyframeRule, clay_demonstration, seen
from xembody.planning.perception import complete
from xembody.sensing import CLAY_CAMERA
from xembody.sim.camera import CameraView
from xembody.sim.closed_loop import Planner, run_plan_episode
from xembody.sim.scene import Scene

if TYPE_CHECKING:
    from xembody.experiments.imitate import ImitateConfig

MAX_START = 2 * SHAPE_TOLERANCE  # m: a recording's first cloud farther from the standard lump's: refused


@dataclass(frozen=True)
class PressKeyframeResult:
    """One subgoal: its recording frame; reached (the planner held, or met the threshold, within the
    budget); the robot's clay then, to the subgoal's completed cloud (`view_error`) and to the human's true
    clay at that frame (`true_error`, simulated recordings); presses (updates), holds, executed steps, mean
    seconds per update; why the simulation stopped, if it did."""

    frame: int
    reached: bool
    view_error: float
    true_error: float | None
    updates: int
    holds: int
    steps: int
    seconds_per_update: float
    unstable: str | None = None


@dataclass(frozen=True)
class ClayImitationResult:
    """One clay recording imitated (module docstring): frames kept, the presses seen, how far the
    recording's first cloud was from the robot's start (both completed), every keyframe, the end against
    the human's final clay (`final_shape_error`; None for a real recording), how far the human moved the
    clay (`demo_change`: the human's final clay from the start), success, time per update."""

    recording: str
    source: str
    frames: int
    kept_frames: int
    dropped: dict[str, int]
    presses: int
    start_error: float
    keyframes: list[PressKeyframeResult]
    reached: int
    final_shape_error: float | None
    final_view_error: float
    demo_change: float | None
    success: bool
    seconds_per_update: float
    updates: int
    unstable: str | None
    video: str | None

    @classmethod
    def from_json(cls, d: dict) -> ClayImitationResult:
        d = dict(d)
        d["keyframes"] = [PressKeyframeResult(**k) for k in d["keyframes"]]
        return cls(**d)


@dataclass(frozen=True)
class ClayImitateSummary:
    """Over the recordings: success (the end within the threshold of the human's final clay) with a Wilson
    interval, the mean final error and the human's own change, the share of keyframes reached, time per
    update; every recording's result."""

    config: ImitateConfig
    hand: str
    dynamics: str
    recordings: int
    successes: int
    success_rate: float
    success_ci95: tuple[float, float]
    final_shape_error_mean: float | None
    demo_change_mean: float | None
    keyframes_reached: float
    seconds_per_update_mean: float
    per_recording: list[ClayImitationResult] = field(default_factory=list)


def load_clay_demonstration(
    path: Path, rule: PressKeyframeRule, checks: FrameChecks | None = None
) -> tuple[Track, ClayDemonstration, dict[str, int], np.ndarray | None]:
    """Read a clay recording, drop its untrusted frames, find its presses' subgoals; with its true
    particles (T, No, 3) where a simulated recording has them. One-line errors naming the file for no
    usable frames, clay never seen, no press, or true particles that do not match the recording."""
    track, keep, dropped = read_usable(path, checks or FrameChecks())
    demo = clay_demonstration(track.keypoints, track.object_points, keep, rule, str(path))
    truth = None
    if particles_path(path).exists():
        try:
            truth = np.load(particles_path(path), allow_pickle=False).astype(np.float64)
        except (OSError, ValueError) as e:
            raise XembodyError(f"{particles_path(path)}: not a readable .npy array ({e})") from None
        if truth.ndim != 3 or truth.shape[0] != track.frames or truth.shape[2] != 3:
            raise XembodyError(
                f"{particles_path(path)}: true particles of shape {truth.shape}, expected "
                f"({track.frames}, No, 3) for the recording's {track.frames} frames"
            )
    return track, demo, dropped, truth


def imitate_clay_recording(
    cfg: ImitateConfig,
    scene: Scene,
    planner_for: Callable[[Goal, int], Planner],
    path: Path,
    video: Callable | None,
) -> ClayImitationResult:
    """One clay recording: its subgoals, the robot at the standard start, each subgoal in turn.
    `planner_for(goal, k)` makes keyframe k's planner; `video(track, demo, goals, run)` runs `run(on_start,
    on_frame)` while filming, or None."""
    track, demo, dropped, truth = load_clay_demonstration(path, PressKeyframeRule(clear=cfg.clear))
    n = len(scene.object_points())
    scene.reset(None)  # the standard start, where the recordings begin
    view = CameraView(scene, CLAY_CAMERA, seed=cfg.seed)
    camera = view if cfg.plan_config().observe == "camera" else None  # the oracle sees the simulator's
    start_error = shape_error(complete(view().object_points, n), Goal(first_cloud(track, demo, n)))
    if start_error > MAX_START:
        raise XembodyError(
            f"{path}: its first cloud is {start_error:.4f} (Chamfer + EMD) from the standard lump's "
            f"(at most {MAX_START}): another start shape"
        )
    keys = demo.keyframes[: cfg.keyframes]
    goals = [(t, demo.goal(track.object_points, k, n)) for k, t in enumerate(keys)]

    def run(on_start=None, on_frame=None) -> list[PressKeyframeResult]:
        rows = []
        for k, (t, goal) in enumerate(goals):
            if on_start:
                on_start(k)
            ep = run_plan_episode(
                scene, planner_for(goal, k), goal, cfg.max_updates, on_frame, camera, stop_on_hold=True
            )
            now = scene.object_points()
            rows.append(
                PressKeyframeResult(
                    int(t),
                    bool(ep.success or ep.holds > 0),
                    float(ep.errors.shape_error),
                    None if truth is None else shape_error(now, Goal(truth[t])),
                    ep.updates,
                    ep.holds,
                    ep.steps,
                    float(np.mean(ep.seconds_per_update)) if ep.seconds_per_update else 0.0,
                    ep.unstable,
                )
            )
            if ep.unstable is not None:
                break
        return rows

    rows, out = (run(), None) if video is None else video(track, demo, goals, run)
    now = scene.object_points()
    final = None if truth is None else shape_error(now, Goal(truth[keys[-1]]))
    change = None if truth is None else shape_error(truth[keys[-1]], Goal(truth[demo.first]))
    unstable = next((r.unstable for r in rows if r.unstable), None)
    secs = [r.seconds_per_update for r in rows if r.updates]
    return ClayImitationResult(
        recording=str(path),
        source=track.attrs.get("source", "tracked"),
        frames=track.frames,
        kept_frames=track.frames - sum(dropped.values()),
        dropped=dropped,
        presses=len(demo.presses),
        start_error=float(start_error),
        keyframes=rows,
        reached=sum(r.reached for r in rows),
        final_shape_error=final,
        final_view_error=shape_error(now, goals[-1][1]),
        demo_change=change,
        success=final is not None and final < SHAPE_TOLERANCE and unstable is None,
        seconds_per_update=float(np.average(secs, weights=[r.updates for r in rows if r.updates]))
        if secs
        else 0.0,
        updates=sum(r.updates for r in rows),
        unstable=unstable,
        video=out,
    )


def first_cloud(track: Track, demo: ClayDemonstration, n: int) -> np.ndarray:
    """The recording's first kept cloud completed to n points (n, 3)."""
    return complete(seen(track.object_points[demo.first]), n)


def line(r: ClayImitationResult) -> str:
    """One clay recording's result in one line."""
    end = "no true clay" if r.final_shape_error is None else f"end {r.final_shape_error:.4f} from the human's"
    change = "" if r.demo_change is None else f" (the human moved it {r.demo_change:.4f})"
    return (
        f"{Path(r.recording).name}: {'success' if r.success else 'failure'}, keyframes reached "
        f"{r.reached}/{len(r.keyframes)}, {end}{change}, {r.updates} presses at {r.seconds_per_update:.2f} s"
        + (f" ({r.unstable})" if r.unstable else "")
    )


def summarize(cfg: ImitateConfig, hand: str, rows: list[ClayImitationResult]) -> ClayImitateSummary:
    from xembody.experiments.plan import outcome

    def mean(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else float(np.mean(values))

    keys = [k for r in rows for k in r.keyframes]
    return ClayImitateSummary(
        **outcome(cfg, hand, rows),
        recordings=len(rows),
        final_shape_error_mean=mean([r.final_shape_error for r in rows]),
        demo_change_mean=mean([r.demo_change for r in rows]),
        keyframes_reached=sum(k.reached for k in keys) / max(len(keys), 1),
        seconds_per_update_mean=float(np.mean([r.seconds_per_update for r in rows])),
        per_recording=rows,
    )


def summary_line(s: ClayImitateSummary) -> str:
    low, high = s.success_ci95
    end = "" if s.final_shape_error_mean is None else f", end {s.final_shape_error_mean:.4f} from the human's"
    return (
        f"{s.hand} imitating {s.recordings} clay recordings ({s.dynamics}): success {s.successes}/"
        f"{s.recordings} (95% CI {low:.2f}-{high:.2f}){end}, {100 * s.keyframes_reached:.0f}% of keyframes "
        f"reached, {s.seconds_per_update_mean:.2f} s per update"
    )
