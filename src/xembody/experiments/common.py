"""What every experiment shares: running an `xembody` verb as a stage, choosing a scale, writing rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from xembody.data.store import atomic_write_text
from xembody.errors import XembodyError
from xembody.stats import proportion_ci


def xembody(argv: list[str]) -> None:
    """Run one CLI verb as a stage of an experiment (each verb resumes on its own)."""
    from xembody.cli import main

    if (code := main(argv)) != 0:
        raise XembodyError(f"`xembody {' '.join(argv)}` failed with exit code {code}")


def collect(hand: str, episodes: int, seed: int, out: Path) -> Path:
    """Box exploration data of one hand into `out` (a stage: existing episodes are kept)."""
    argv = ["collect", "--hand", hand, "--episodes", str(episodes), "--workers", "2", "--seed", str(seed)]
    xembody([*argv, "--out", str(out)])
    return out


def success_interval(summary: dict) -> tuple[float, float]:
    """Wilson 95% interval of a `xembody plan` summary's success rate."""
    n = summary["episodes"]
    return proportion_ci(round(summary["success_rate"] * n), n)


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
