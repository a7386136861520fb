"""`xembody <verb>`: the command-line interface. Each verb is one function (`verb_<name>`): tyro parses its
arguments into the library's own config dataclass, the library does the work, the verb prints the result."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Annotated

import tyro

from xembody.data.collect import CollectConfig
from xembody.data.importer import ImportConfig
from xembody.data.synthetic_tracks import DemonstrationConfig
from xembody.errors import XembodyError
from xembody.experiments.cotrain import CotrainConfig
from xembody.experiments.demo import DemoConfig
from xembody.experiments.dof import DofConfig
from xembody.experiments.imitate import ImitateConfig
from xembody.experiments.plan import PlanConfig
from xembody.experiments.scaling import ScalingConfig
from xembody.train.config import TrainConfig
from xembody.train.evaluate import EvalConfig
from xembody.view import ViewArgs


@dataclass(frozen=True)
class HandsArgs:
    """List the registered hands, or render one with its particles."""

    json: bool = False
    """Print JSON instead of a table."""
    show: str | None = None
    """Render this hand (a registered name or an MJCF or URDF path) with its particles to a PNG."""
    n_points: int = 50
    """Hand particles (paper: 50 for pushing, 200 for plasticine)."""
    out: Path = Path("runs/hands")
    """Directory for rendered PNGs."""


@dataclass(frozen=True)
class GoalsArgs:
    """List the named plasticine goal shapes with a picture each (or remake them with --make)."""

    json: bool = False
    """Print JSON instead of a table."""
    out: Path = Path("runs/goals")
    """Directory for the pictures (NAME.png)."""
    make: bool = False
    """Remake the shipped shapes that are missing (a reference hand pressing MPM clay; minutes each)."""


@dataclass(frozen=True)
class DataInfoArgs:
    """Summarize a dataset: episodes, frames, hands, tasks, particle counts, size on disk."""

    path: tyro.conf.Positional[Path]
    json: bool = False
    """Print JSON instead of text."""


@dataclass(frozen=True)
class DataValidateArgs:
    """Check a dataset; exit code 1 and one line per problem if anything is wrong."""

    path: tyro.conf.Positional[Path]


@dataclass(frozen=True)
class DataSimulateTracksArgs:
    """Write simulated human recordings (noisy keypoints, dropouts, a depth camera's partial view of the
    object; labelled source=simulated) from a dataset collected with --hand human."""

    dataset: tyro.conf.Positional[Path]
    out: Path
    """Directory for the .npz recordings (import them with `xembody data import`)."""
    seed: int = 0


@dataclass(frozen=True)
class DataArgs:
    """Inspect and check episode datasets."""

    cmd: (
        Annotated[DataInfoArgs, tyro.conf.subcommand("info", description=DataInfoArgs.__doc__)]
        | Annotated[DataValidateArgs, tyro.conf.subcommand("validate", description=DataValidateArgs.__doc__)]
        | Annotated[ImportConfig, tyro.conf.subcommand("import", description=ImportConfig.__doc__)]
        | Annotated[
            DataSimulateTracksArgs,
            tyro.conf.subcommand("simulate-tracks", description=DataSimulateTracksArgs.__doc__),
        ]
        | Annotated[
            DemonstrationConfig,
            tyro.conf.subcommand("demo-recordings", description=DemonstrationConfig.__doc__),
        ]
    )


@dataclass(frozen=True)
class VideoArgs:
    """Re-simulate one collected episode (from its recipe and seed) and write it as a GIF or MP4."""

    dataset: tyro.conf.Positional[Path]
    episode: str | None = None
    """Episode name; default: the first."""
    out: Path = Path("runs/videos/episode.gif")
    """Output file: .gif or .mp4."""


def verb_hands(args: HandsArgs) -> None:
    if args.show:
        from xembody.embodiments import load_hand
        from xembody.render import show_hand

        print(show_hand(load_hand(args.show, n_points=args.n_points), args.out))
        return
    from xembody.embodiments.catalog import hand_rows, load_registered, print_table

    rows = hand_rows(load_registered(args.n_points))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)


def verb_goals(args: GoalsArgs) -> int:
    from xembody.experiments import goal_shapes

    index = goal_shapes.make_all() if args.make else goal_shapes.index()
    rows = [
        {
            "name": name,
            **{k: v for k, v in s.items() if k != "steps"},
            "picture": str(goal_shapes.picture(name, args.out)),
        }
        for name, s in index.items()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(f"{r['name']:>8}  {r['description']} (made by {r['hand']})")
        print(
            f"{'':>10}Chamfer + EMD from the start {r['from_start']:.4f} m, "
            f"from the nearest other shape {r['nearest_other']:.4f} m; picture {r['picture']}"
        )
        for hand, v in r.get("versions", {}).items():
            print(
                f"{'':>10}as {hand} makes it (--goal-hand {hand}): {v['to_reference']:.4f} m from "
                f"{r['hand']}'s, {v['from_start']:.4f} m from the start"
            )
    return 0


def verb_demo(cfg: DemoConfig) -> int:
    from xembody.experiments.demo import demo as run

    resumable(run, cfg, f"what is done is kept in {cfg.out}: re-run to continue")
    return 0


def verb_collect(cfg: CollectConfig) -> int:
    from xembody.data.collect import collect_episodes

    r = resumable(collect_episodes, cfg, f"episodes written so far are kept in {cfg.out}: re-run to resume")
    print(
        f"{cfg.out}: {r.written} episodes written, {r.existing} already there, {r.skipped} skipped (unstable)"
    )
    return 0


def verb_data(args: DataArgs) -> int:
    from xembody.data import info, validate

    if isinstance(args.cmd, DataInfoArgs):
        summary = info(args.cmd.path)
        if args.cmd.json:
            print(json.dumps(summary, indent=2))
        else:
            for key, value in summary.items():
                print(f"{key:>22}: {value}")
        return 0
    if isinstance(args.cmd, ImportConfig):
        return verb_import_recordings(args.cmd)
    if isinstance(args.cmd, DataSimulateTracksArgs):
        from xembody.data.synthetic_tracks import SensorConfig, simulate_recordings

        paths = simulate_recordings(args.cmd.dataset, args.cmd.out, SensorConfig(seed=args.cmd.seed))
        print(f"{args.cmd.out}: {len(paths)} simulated recordings")
        return 0
    if isinstance(args.cmd, DemonstrationConfig):
        from xembody.data.synthetic_tracks import demonstration_recordings
        from xembody.experiments.clay_demos import clay_demonstration_recordings

        cfg = args.cmd
        write = clay_demonstration_recordings if cfg.task == "plasticine" else demonstration_recordings
        paths = resumable(write, cfg, f"recordings written so far are kept in {cfg.out}")
        print(f"{cfg.out}: {len(paths)} simulated {cfg.task} demonstrations (imitate them: xembody imitate)")
        return 0
    n, problems = validate(args.cmd.path)
    for p in problems:
        print(p)
    print(f"{args.cmd.path}: {n} episodes, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


class Interrupted(Exception):
    """Ctrl-C in a long job: what is done is kept; the message says how to resume."""


def resumable(run, cfg, resume: str):
    """run(cfg), turning Ctrl-C into `Interrupted(resume)` (exit code 130 in `main`)."""
    try:
        return run(cfg)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; {resume}") from None


def verb_import_recordings(cfg: ImportConfig) -> int:
    from xembody.data.importer import import_recordings as run

    for f in run(cfg).files:
        print(f"{f.path}: {f.episodes} episodes ({f.new} new), {f.frames} frames kept, dropped {f.dropped}")
    return 0


def verb_train(cfg: TrainConfig) -> int:
    from xembody.train import train as run

    row = resumable(run, cfg, f"re-run the same command to resume from {cfg.out}/checkpoint.pt")
    print(json.dumps(row))
    print(f"model: {cfg.out / 'model.pt'}  metrics: {cfg.out / 'metrics.csv'}  curve: {cfg.out / 'loss.png'}")
    return 0


def verb_evaluate(cfg: EvalConfig) -> int:
    from xembody.io import to_jsonable
    from xembody.train.evaluate import evaluate as run

    print(json.dumps(to_jsonable(run(cfg)), indent=2))
    return 0


def verb_plan(cfg: PlanConfig) -> int:
    from xembody.experiments.plan import plan as run

    s = resumable(run, cfg, f"finished episodes are kept in {cfg.out}: re-run to resume")
    errs = {
        k: round(v, 4)
        for k, v in (
            ("yaw_error_deg", s.final_yaw_error_deg_mean),
            ("position_error_m", s.final_position_error_m_mean),
            ("shape_error", s.final_shape_error_mean),
        )
        if v is not None
    }
    low, high = s.success_ci95
    print(
        f"{s.hand} {cfg.task} ({s.dynamics}, planner {cfg.planner}): "
        f"success {s.successes}/{s.episodes} (95% CI {low:.2f}-{high:.2f}), "
        f"{s.seconds_per_update_mean:.2f} s per update, final errors {errs}"
    )
    videos = f"  videos: {cfg.out}/episode-*.{cfg.video}" if cfg.video != "none" else ""
    print(f"summary: {cfg.out / 'summary.json'}{videos}  tracks: xembody view {cfg.out}")
    return 0


def verb_imitate(cfg: ImitateConfig) -> int:
    from xembody.experiments.imitate import imitate as run
    from xembody.experiments.imitate import summary_line

    s = resumable(run, cfg, f"finished recordings are kept in {cfg.out}: re-run to resume")
    print(summary_line(s))
    videos = f"  videos: {cfg.out}/*.{cfg.video}" if cfg.video != "none" else ""
    print(f"summary: {cfg.out / 'summary.json'}  per recording: {cfg.out / 'recordings'}/{videos}")
    return 0


@dataclass(frozen=True)
class ExperimentArgs:
    """Reproduce the paper's findings; each experiment resumes and writes CSV/JSON and a plot."""

    cmd: (
        Annotated[CotrainConfig, tyro.conf.subcommand("cotrain", description=CotrainConfig.__doc__)]
        | Annotated[DofConfig, tyro.conf.subcommand("dof", description=DofConfig.__doc__)]
        | Annotated[ScalingConfig, tyro.conf.subcommand("scaling", description=ScalingConfig.__doc__)]
    )


def verb_experiment(args: ExperimentArgs) -> int:
    from xembody.experiments import EXPERIMENTS

    run, stem, columns = EXPERIMENTS[type(args.cmd)]
    started = time.time()
    rows = resumable(run, args.cmd, f"re-run the same command to resume in {args.cmd.out}")
    for r in rows:
        r = asdict(r) if is_dataclass(r) else r
        print(json.dumps({k: r[k] for k in columns if k in r}))
    table = args.cmd.out / f"{stem}.csv"
    if table.is_file() and table.stat().st_mtime >= started:
        print(f"table: {table}  plot: {args.cmd.out / stem}.png")
    else:  # a share of the arms (cotrain --arms): the table waits for the rest
        print(f"{len(rows)} arms done; {table} is written by the run that finds every arm's result")
    return 0


def verb_view(args: ViewArgs) -> int:
    from xembody.view import view as run

    out = run(args)
    if out is not None:
        print(f"{out}  (open with: rerun {out})")
    return 0


def verb_video(args: VideoArgs) -> int:
    from xembody.data.replay import render_episode

    print(render_episode(args.dataset, args.episode, args.out))
    return 0


def main(argv: list[str] | None = None) -> int:
    verbs = (
        Annotated[HandsArgs, tyro.conf.subcommand("hands", description=HandsArgs.__doc__)]
        | Annotated[CollectConfig, tyro.conf.subcommand("collect", description=CollectConfig.__doc__)]
        | Annotated[DataArgs, tyro.conf.subcommand("data", description=DataArgs.__doc__)]
        | Annotated[GoalsArgs, tyro.conf.subcommand("goals", description=GoalsArgs.__doc__)]
        | Annotated[VideoArgs, tyro.conf.subcommand("video", description=VideoArgs.__doc__)]
        | Annotated[TrainConfig, tyro.conf.subcommand("train", description=TrainConfig.__doc__)]
        | Annotated[EvalConfig, tyro.conf.subcommand("evaluate", description=EvalConfig.__doc__)]
        | Annotated[PlanConfig, tyro.conf.subcommand("plan", description=PlanConfig.__doc__)]
        | Annotated[ImitateConfig, tyro.conf.subcommand("imitate", description=ImitateConfig.__doc__)]
        | Annotated[ExperimentArgs, tyro.conf.subcommand("experiment", description=ExperimentArgs.__doc__)]
        | Annotated[ViewArgs, tyro.conf.subcommand("view", description=ViewArgs.__doc__)]
        | Annotated[DemoConfig, tyro.conf.subcommand("demo", description=DemoConfig.__doc__)]
    )
    args = tyro.cli(verbs, args=argv, prog="xembody", config=(tyro.conf.OmitSubcommandPrefixes,))  # type: ignore[arg-type]
    handlers = {
        HandsArgs: verb_hands,
        CollectConfig: verb_collect,
        DataArgs: verb_data,
        GoalsArgs: verb_goals,
        VideoArgs: verb_video,
        TrainConfig: verb_train,
        EvalConfig: verb_evaluate,
        PlanConfig: verb_plan,
        ImitateConfig: verb_imitate,
        ViewArgs: verb_view,
        ExperimentArgs: verb_experiment,
        DemoConfig: verb_demo,
    }
    try:
        return handlers[type(args)](args) or 0
    except XembodyError as e:
        print(f"xembody: error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(e, file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
