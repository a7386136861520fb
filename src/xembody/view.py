"""`xembody view`: a rerun (rerun-sdk) recording of particles over time, to scrub through an episode.

A plan run (made by `xembody plan`) shows hand, object, the planner's predicted object and the goal; a
dataset episode shows hand and object particles, and with `--model` the model's one-step predictions
from each true state. The recording is written as .rrd (open it with `rerun FILE.rrd`) or, with
`--spawn`, streamed to a viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tyro

from xembody.errors import XembodyError

COLORS = {  # RGB
    "hand": (70, 110, 230),
    "object": (235, 120, 40),
    "predicted": (200, 40, 200),
    "goal": (40, 200, 70),
}
RADIUS = 0.002  # m


@dataclass(frozen=True)
class ViewArgs:
    """Write (or show) a rerun recording of an episode's particles: hand, object, predicted, goal."""

    path: tyro.conf.Positional[Path]
    """A plan run directory (xembody plan --out) or a dataset directory (xembody collect --out)."""
    episode: str | None = None
    """Plan run: episode number; dataset: episode name. Default: the first."""
    model: str | None = None
    """Dataset only: also show this model's one-step predictions (run dir, model.pt or shipped name)."""
    out: Path | None = None
    """The .rrd file to write (default: PATH/view-EPISODE.rrd)."""
    spawn: bool = False
    """Open a rerun viewer instead of writing a file."""


def load_tracks(args: ViewArgs) -> tuple[str, dict[str, np.ndarray]]:
    """(episode label, {name: (T, N, 3) or (N, 3) for static clouds}) from a plan run or a dataset."""
    path = args.path
    if (path / "summary.json").is_file():
        i = int(args.episode or 0)
        f = path / f"episode-{i:03d}.npz"
        if not f.is_file():
            raise XembodyError(f"{f}: no such plan episode (with particles) in {path}")
        with np.load(f) as z:
            return f"episode-{i:03d}", {k: z[k] for k in ("hand", "object", "predicted", "goal")}
    from xembody.data.store import EpisodeStore

    store = EpisodeStore.open(path)
    names = store.names()
    if not names:
        raise XembodyError(f"{path}: no episodes")
    name = args.episode or names[0]
    if name not in store:
        raise XembodyError(f"{path}: no episode {name!r}")
    ep = store.read(name)
    tracks = {"hand": ep.arrays["hand_points"], "object": ep.arrays["object_points"]}
    if args.model:
        tracks["predicted"] = one_step_predictions(args.model, ep)
    return name, tracks


def one_step_predictions(model_path: str, ep) -> np.ndarray:
    """The model's prediction of each frame from the true previous one, (T, No, 3) (frame 0: NaN)."""
    import torch

    from xembody.model import StepBatch
    from xembody.train.checkpoint import load_model

    model, _ = load_model(model_path)
    hand = torch.as_tensor(ep.arrays["hand_points"])
    obj = torch.as_tensor(ep.arrays["object_points"])
    T = len(obj)
    ones = lambda x: torch.ones(x.shape[:2], dtype=torch.bool)  # noqa: E731
    rigid = torch.full((T - 1,), ep.attrs.get("object_kind") == "rigid")
    scene = StepBatch(hand[:-1], hand[1:], obj[:-1], ones(hand[:-1]), ones(obj[:-1]), rigid)
    with torch.no_grad():
        pred = model(scene).obj_next.numpy()
    return np.concatenate([np.full_like(pred[:1], np.nan), pred])


def view(args: ViewArgs) -> Path | None:
    try:
        import rerun as rr
    except ImportError:
        raise XembodyError("xembody view needs rerun-sdk: pip install 'xembody[view]'") from None
    label, tracks = load_tracks(args)
    rec = rr.RecordingStream("xembody", recording_id=f"{args.path.name}-{label}")
    out = None
    if args.spawn:
        rec.spawn()
    else:
        out = args.out or args.path / f"view-{label}.rrd"
        out.parent.mkdir(parents=True, exist_ok=True)
        rec.save(out)
    for name, x in tracks.items():
        if x.ndim == 2:  # static (the goal)
            rec.log(name, rr.Points3D(x, colors=COLORS[name], radii=RADIUS), static=True)
    T = max(len(x) for x in tracks.values() if x.ndim == 3)
    for t in range(T):
        rec.set_time("step", sequence=t)
        for name, x in tracks.items():
            if x.ndim == 3 and t < len(x) and np.isfinite(x[t]).all():
                rec.log(name, rr.Points3D(x[t], colors=COLORS[name], radii=RADIUS))
    rec.flush()
    return out
