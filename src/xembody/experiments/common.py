"""What every experiment shares: a data-collection stage, choosing a scale, writing rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from xembody.errors import XembodyError
from xembody.io import atomic_write_text


def collect_stage(
    hand: str, episodes: int, seed: int, out: Path, task: str = "box", world: str = "default"
) -> Path:
    """Exploration data of one hand into `out` (a stage: existing episodes are kept). Plasticine is the
    MPM clay (the named goal shapes' object), one worker (each MPM process takes a core)."""
    from xembody.data.collect import CollectConfig, collect_episodes

    clay = task == "plasticine"
    cfg = CollectConfig(
        hand=hand,
        task=task,
        object="plasticine_mpm" if clay else None,
        world=world,
        episodes=episodes,
        workers=1 if clay else 2,
        seed=seed,
        out=out,
    )
    collect_episodes(cfg)
    return out


def scale_of(name: str, scales: dict[str, dict], override: dict | None) -> dict:
    """The sizes of `--scale name`; `override` replaces them (tests use tiny ones)."""
    if override is not None:
        return override
    if name not in scales:
        raise XembodyError(f"--scale {name!r}: choose {', '.join(scales)}")
    return scales[name]


def write_rows(out: Path, stem: str, rows: list[dict], keys: list[str]) -> None:
    """The raw results: `stem`.json (every field) and `stem`.csv (the table's columns)."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"{stem}.json", json.dumps(rows, indent=2))
    buf = io.StringIO()
    w = csv.DictWriter(buf, keys, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(out / f"{stem}.csv", buf.getvalue())
