"""Re-simulate a stored episode from its recipe and seed, e.g. to render it: episodes are deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xembody.data.collect import CollectConfig, Collector
from xembody.data.store import EpisodeStore
from xembody.errors import XembodyError
from xembody.explore import episode_rng, run_episode
from xembody.sim.video import SceneCamera, write_video


def render_episode(dataset: str | Path, episode: str | None, out: str | Path) -> Path:
    """Write a GIF/MP4 of one episode of `dataset` (default: its first), re-simulated offscreen.

    The re-simulation is checked against the stored particles, so the video shows the recorded data.
    """
    store = EpisodeStore.open(dataset)
    names = store.names()
    if not names:
        raise XembodyError(f"{dataset}: no episodes")
    name = episode or names[0]
    if name not in store:
        raise XembodyError(f"{dataset}: no episode {name!r}")
    stored = store.read(name)
    a = stored.attrs
    if "recipe" not in a:
        raise XembodyError(f"{dataset}/{name}: not a simulated episode with a recipe; cannot re-simulate")
    collector = Collector(CollectConfig(**a["recipe"]))
    camera = SceneCamera(collector.scene)
    try:
        rng = episode_rng(a["seed"], a["index"], a["attempt"])
        ep = run_episode(
            collector.scene,
            collector.frame,
            a["recipe"]["policy"],
            a["recipe"]["frames"],
            rng,
            on_frame=camera,
        )
    finally:
        camera.close()
    if not np.array_equal(ep.arrays["object_points"], stored.arrays["object_points"]):
        raise XembodyError(
            f"{dataset}/{name}: re-simulation differs from the stored episode (other versions?)"
        )
    return write_video(camera.frames, Path(out), fps=1.0 / a["dt"])
