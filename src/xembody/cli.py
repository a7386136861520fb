"""`xembody <verb>`: the command-line interface. Each verb is one function; tyro parses its arguments."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tyro

from xembody.data.collect import CollectConfig
from xembody.errors import XembodyError
from xembody.experiments.cotrain import CotrainConfig
from xembody.experiments.dof import DofConfig
from xembody.experiments.scaling import ScalingConfig
from xembody.planning.config import PlanConfig
from xembody.train.config import TrainConfig
from xembody.train.evaluate import EvalConfig
from xembody.view import ViewArgs


@dataclass(frozen=True)
class HandsArgs:
    """List the registered hands, or render one with its particles."""

    json: bool = False
    """Print JSON instead of a table."""
    show: str | None = None
    """Render this hand (a registered name or an MJCF path) with its particles to a PNG."""
    n_points: int = 50
    """Hand particles (paper: 50 for pushing, 200 for plasticine)."""
    out: Path = Path("runs/hands")
    """Directory for rendered PNGs."""


@dataclass(frozen=True)
class DemoArgs:
    """The whole story in minutes: every hand with its particles; a little exploration data with a hand
    the shipped world model never saw, and the model's prediction error on it; optionally a fine-tune on
    that data; then closed-loop planning with that hand turning a box 45 degrees (a GIF)."""

    out: Path = Path("runs/demo")
    n_points: int = 50
    hand: str = "leap"
    """The unseen hand (box-5hands never saw leap, umi or human)."""
    data_episodes: int = 4
    """Exploration episodes to collect with it (the model's test data, and fine-tuning data)."""
    finetune_steps: int = 0
    """Fine-tune the shipped model on those episodes before planning (e.g. 200; 0: plan zero-shot)."""
    episodes: int = 1
    """Planning episodes."""


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
class DataImportArgs:
    """Import human-hand recordings (.npz: 21 keypoints + observed object points per frame; the format is
    in xembody.data.tracks) as episodes; untrusted frames are dropped and counted per file."""

    recordings: tyro.conf.Positional[tuple[Path, ...]]
    out: Path
    """Dataset directory (created, or added to: recordings already imported are kept)."""
    task: str = "box"
    """box or plasticine: sets particle counts and the object kind."""
    object: str | None = None
    """Name of the recorded object (default: the task's, box or plasticine)."""
    min_frames: int = 6
    """Shortest run of trusted frames kept as an episode."""
    seed: int = 0
    """Seed of the per-frame object point resampling."""


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
        | Annotated[DataImportArgs, tyro.conf.subcommand("import", description=DataImportArgs.__doc__)]
        | Annotated[
            DataSimulateTracksArgs,
            tyro.conf.subcommand("simulate-tracks", description=DataSimulateTracksArgs.__doc__),
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


def load_registered(n_points: int) -> dict:
    from xembody.embodiments import REGISTRY, load_hand

    return {name: load_hand(name, n_points=n_points) for name in REGISTRY}


def hand_rows(hands: dict) -> list[dict]:
    from xembody.embodiments import REGISTRY

    return [
        {
            "name": name,
            "joints": hand.n_hand_joints,
            "actuators": hand.n_hand_actuators,
            "dof": hand.dof,
            "ctrl": hand.n_ctrl,
            "particles": hand.n_points,
            "links": len(hand.link_names),
            "coupled": hand.actuation.coupled,
            "source": hand.source,
            "description": REGISTRY[name].description,
        }
        for name, hand in hands.items()
    ]


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="xembody hands (dof and ctrl include the 6-DoF wrist)")
    for col in ("name", "joints", "actuators", "particles", "dof", "ctrl", "source"):
        table.add_column(col, justify="left" if col in ("name", "source") else "right")
    for r in rows:
        table.add_row(
            r["name"], *(str(r[c]) for c in ("joints", "actuators", "particles", "dof", "ctrl")), r["source"]
        )
    console = Console()
    if not console.is_terminal:  # piped: do not squeeze the table into 80 columns
        console = Console(width=120)
    console.print(table)


def show_hand(hand, out: Path) -> Path:
    from xembody.render import render_hand, save_png

    return save_png(render_hand(hand), out / f"{hand.name}.png")


def hands(args: HandsArgs) -> None:
    if args.show:
        from xembody.embodiments import load_hand

        print(show_hand(load_hand(args.show, n_points=args.n_points), args.out))
        return
    rows = hand_rows(load_registered(args.n_points))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)


def demo(args: DemoArgs) -> int:
    from xembody.data.replay import render_episode
    from xembody.train.evaluate import EvalConfig, evaluate
    from xembody.train.loop import train

    loaded = load_registered(args.n_points)
    print_table(hand_rows(loaded))
    for hand in loaded.values():
        show_hand(hand, args.out / "hands")
    print(f"[1/4] rendered every hand with its particles: {args.out / 'hands'}/*.png")
    data = args.out / "data" / f"box_{args.hand}"
    collect(CollectConfig(hand=args.hand, episodes=args.data_episodes, workers=2, out=data))
    clip = render_episode(data, None, args.out / f"explore_{args.hand}.gif")
    print(f"[2/4] exploration data with {args.hand}: {data}  (first episode: {clip})")

    def report(model: str, what: str) -> str:
        r = evaluate(EvalConfig(model=model, data=(data,), out=args.out / "eval" / Path(model).name))
        mse, still = r["mse_rollout_last"] * 1e6, r["zero_motion_mse_rollout_last"] * 1e6
        print(f"[3/4] {what}: 5-step MSE {mse:.0f} mm^2 (no-motion baseline {still:.0f}), plot {r['plot']}")
        return r["plot"]

    model = "box-5hands"
    plot = report(model, f"{model}, never trained on {args.hand}")
    if args.finetune_steps:
        tune = args.out / "finetune"
        train(TrainConfig(data=(data,), init=model, out=tune, steps=args.finetune_steps, val_every=50))
        model = str(tune)
        plot = report(model, f"fine-tuned {args.finetune_steps} steps (on these same episodes)")
    print(f"[4/4] planning with {model} on {args.hand} ...")
    runs = args.out / ("plan_finetuned" if args.finetune_steps else "plan")
    plan(PlanConfig(model=model, hand=args.hand, episodes=args.episodes, video="gif", out=runs))
    print(f"\nvideo: {runs}/episode-000.gif  hands: {args.out / 'hands'}  eval plot: {plot}")
    return 0


def collect(cfg: CollectConfig) -> int:
    from xembody.data import collect as run

    r = resumable(run, cfg, f"episodes written so far are kept in {cfg.out}: re-run to resume")
    print(
        f"{cfg.out}: {r.written} episodes written, {r.existing} already there, {r.skipped} skipped (unstable)"
    )
    return 0


def data(args: DataArgs) -> int:
    from xembody.data import info, validate

    if isinstance(args.cmd, DataInfoArgs):
        summary = info(args.cmd.path)
        if args.cmd.json:
            print(json.dumps(summary, indent=2))
        else:
            for key, value in summary.items():
                print(f"{key:>22}: {value}")
        return 0
    if isinstance(args.cmd, DataImportArgs):
        return import_recordings(args.cmd)
    if isinstance(args.cmd, DataSimulateTracksArgs):
        from xembody.data.synthetic_tracks import SensorConfig, simulate_recordings

        paths = simulate_recordings(args.cmd.dataset, args.cmd.out, SensorConfig(seed=args.cmd.seed))
        print(f"{args.cmd.out}: {len(paths)} simulated recordings")
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


def import_recordings(args: DataImportArgs) -> int:
    from xembody.data.store import EpisodeStore
    from xembody.data.tracks import read_track, track_episodes

    store = EpisodeStore.create(args.out)
    for path in args.recordings:
        episodes, dropped = track_episodes(
            read_track(path), path.stem, args.task, args.object, min_frames=args.min_frames, seed=args.seed
        )
        new = [(n, ep) for n, ep in episodes if n not in store]
        for name, ep in new:
            store.write(name, ep)
        frames = sum(len(ep.arrays["hand_points"]) for _, ep in episodes)
        print(f"{path}: {len(episodes)} episodes ({len(new)} new), {frames} frames kept, dropped {dropped}")
    return 0


def train(cfg: TrainConfig) -> int:
    from xembody.train import train as run

    row = resumable(run, cfg, f"re-run the same command to resume from {cfg.out}/checkpoint.pt")
    print(json.dumps(row))
    print(f"model: {cfg.out / 'model.pt'}  metrics: {cfg.out / 'metrics.csv'}  curve: {cfg.out / 'loss.png'}")
    return 0


def evaluate(cfg: EvalConfig) -> int:
    from xembody.train.evaluate import evaluate as run

    print(json.dumps(run(cfg), indent=2))
    return 0


def plan(cfg: PlanConfig) -> int:
    from xembody.planning.run import plan as run

    s = resumable(run, cfg, f"finished episodes are kept in {cfg.out}: re-run to resume")
    errs = {k: round(v, 4) for k, v in s.items() if k.startswith("final_")}
    print(
        f"{s['hand']} {cfg.task} ({s['dynamics']}, planner {cfg.planner}): "
        f"success {s['success_rate']:.0%} of {s['episodes']}, "
        f"{s['seconds_per_update_mean']:.2f} s per update, final errors {errs}"
    )
    videos = f"  videos: {cfg.out}/episode-*.{cfg.video}" if cfg.video != "none" else ""
    print(f"summary: {cfg.out / 'summary.json'}{videos}  tracks: xembody view {cfg.out}")
    return 0


@dataclass(frozen=True)
class ExperimentArgs:
    """Reproduce the paper's findings; each experiment resumes and writes CSV/JSON and a plot."""

    cmd: (
        Annotated[CotrainConfig, tyro.conf.subcommand("cotrain", description=CotrainConfig.__doc__)]
        | Annotated[DofConfig, tyro.conf.subcommand("dof", description=DofConfig.__doc__)]
        | Annotated[ScalingConfig, tyro.conf.subcommand("scaling", description=ScalingConfig.__doc__)]
    )


def experiment(args: ExperimentArgs) -> int:
    from xembody.experiments import EXPERIMENTS

    run, stem, columns = EXPERIMENTS[type(args.cmd)]
    rows = resumable(run, args.cmd, f"re-run the same command to resume in {args.cmd.out}")
    for r in rows:
        print(json.dumps({k: r[k] for k in columns if k in r}))
    print(f"table: {args.cmd.out / stem}.csv  plot: {args.cmd.out / stem}.png")
    return 0


def view(args: ViewArgs) -> int:
    from xembody.view import view as run

    out = run(args)
    if out is not None:
        print(f"{out}  (open with: rerun {out})")
    return 0


def video(args: VideoArgs) -> int:
    from xembody.data.replay import render_episode

    print(render_episode(args.dataset, args.episode, args.out))
    return 0


def main(argv: list[str] | None = None) -> int:
    verbs = (
        Annotated[HandsArgs, tyro.conf.subcommand("hands", description=HandsArgs.__doc__)]
        | Annotated[CollectConfig, tyro.conf.subcommand("collect", description=CollectConfig.__doc__)]
        | Annotated[DataArgs, tyro.conf.subcommand("data", description=DataArgs.__doc__)]
        | Annotated[VideoArgs, tyro.conf.subcommand("video", description=VideoArgs.__doc__)]
        | Annotated[TrainConfig, tyro.conf.subcommand("train", description=TrainConfig.__doc__)]
        | Annotated[EvalConfig, tyro.conf.subcommand("evaluate", description=EvalConfig.__doc__)]
        | Annotated[PlanConfig, tyro.conf.subcommand("plan", description=PlanConfig.__doc__)]
        | Annotated[ExperimentArgs, tyro.conf.subcommand("experiment", description=ExperimentArgs.__doc__)]
        | Annotated[ViewArgs, tyro.conf.subcommand("view", description=ViewArgs.__doc__)]
        | Annotated[DemoArgs, tyro.conf.subcommand("demo", description=DemoArgs.__doc__)]
    )
    args = tyro.cli(verbs, args=argv, prog="xembody", config=(tyro.conf.OmitSubcommandPrefixes,))  # type: ignore[arg-type]
    handlers = {
        HandsArgs: hands,
        CollectConfig: collect,
        DataArgs: data,
        VideoArgs: video,
        TrainConfig: train,
        EvalConfig: evaluate,
        PlanConfig: plan,
        ViewArgs: view,
        ExperimentArgs: experiment,
        DemoArgs: demo,
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
