"""Compare `xembody plan` runs of the shape tasks episode by episode: success (Wilson 95%), the best and
final Chamfer + EMD (mean, 95% t), the share of the gap to the threshold closed, holds, seconds per
update, and each run minus a control on the episodes both ran (paired t on the best error).

    python benchmarks/plan_runs.py runs/plan/palm_leap runs/plan/palm_leap_untrained \
        --control runs/plan/palm_leap_untrained --json docs/results/plan_palm_clay.json

Runs are read from their `episodes/NNN.json` (finished episodes only, so a run still going can be
compared); a run's name is its directory's. A run given as `FIGURES.json:NAME` is read from figures this
script wrote before (`--json`), for runs whose directories are gone:

    python benchmarks/plan_runs.py runs/plan/palm_leap_target docs/results/plan_palm_leap.json:palm_leap \
        --control docs/results/plan_palm_leap.json:palm_leap_untrained_press

A run split across processes or sessions (`xembody plan --first-episode`) is joined with `+`, named with
`NAME=` in front (else by its first part); no episode may come twice:

    python benchmarks/plan_runs.py \
        control=docs/results/plan_palm_leap.json:palm_leap_untrained_press+runs/plan/ctrl_11
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from xembody.goals import SHAPE_TOLERANCE
from xembody.stats import mcnemar_p, mean_ci, proportion_ci


@dataclass(frozen=True)
class Episode:
    episode: int
    goal: str | None
    start: float
    best: float  # the nearest the clay came, start included
    final: float
    success: bool
    updates: int
    holds: int
    seconds_per_update: float

    @property
    def gap_closed(self) -> float:
        return (self.start - self.best) / max(self.start - SHAPE_TOLERANCE, 1e-9)


def parts_of(run: Path) -> tuple[str, list[Path]]:
    """A run's name and its parts: `[NAME=]A+B+...` (module docstring); a part is a run directory or
    FILE.json:NAME, named by its directory or NAME, and a joined run by its first part unless named."""
    named, eq, spec = str(run).partition("=")
    if not eq:
        named, spec = "", named
    parts = [Path(p) for p in spec.split("+")]
    first = str(parts[0])
    return named or (first.rsplit(":", 1)[1] if ".json:" in first else parts[0].name), parts


def episodes(run: Path) -> list[Episode]:
    """A run's finished episodes, in order (from its directory, from saved figures: FILE.json:NAME, or
    joined from several: [NAME=]A+B)."""
    _, parts = parts_of(run)
    if len(parts) > 1:
        joined = sorted((e for part in parts for e in episodes(part)), key=lambda e: e.episode)
        counts = Counter(e.episode for e in joined)
        twice = sorted(n for n, c in counts.items() if c > 1)
        if twice:
            sys.exit(f"{run}: episodes {twice} come from more than one part")
        return joined
    run = parts[0]
    if ".json:" in str(run):
        path, name = str(run).rsplit(":", 1)
        saved = json.loads(Path(path).read_text())
        if name not in saved:
            sys.exit(f"{path}: no run {name!r} (it has {', '.join(saved)})")
        fields = Episode.__dataclass_fields__
        return [Episode(**{k: e[k] for k in fields}) for e in saved[name]["per_episode"]]
    files = sorted((run / "episodes").glob("*.json"))
    if not files:
        sys.exit(f"{run}: no finished episodes (episodes/NNN.json)")
    out = []
    for f in files:
        d = json.loads(f.read_text())
        trace = [e["shape_error"] for e in d["trace"]]
        start = d["start"]["shape_error"]
        out.append(
            Episode(
                d["episode"],
                d.get("goal"),
                start,
                min([start, *trace]),
                d["final"]["shape_error"],
                bool(d["success"]),
                d["updates"],
                d.get("holds", 0),
                d["seconds_per_update"],
            )
        )
    return out


def summary(name: str, eps: list[Episode], control: list[Episode] | None) -> dict:
    k, n = sum(e.success for e in eps), len(eps)
    best = mean_ci([e.best for e in eps])
    out = {
        "run": name,
        "successes": k,
        "episodes": n,
        "wilson95": proportion_ci(k, n),
        "best_mean": best[0],
        "best_ci95_half": best[1],
        "final_mean": float(np.mean([e.final for e in eps])),
        "gap_closed_mean": float(np.mean([e.gap_closed for e in eps])),
        "holds_mean": float(np.mean([e.holds for e in eps])),
        "seconds_per_update_mean": float(np.mean([e.seconds_per_update for e in eps])),
        "per_episode": [{**asdict(e), "gap_closed": e.gap_closed} for e in eps],
    }
    if control is not None:
        theirs = {e.episode: e for e in control}
        both = [(e, theirs[e.episode]) for e in eps if e.episode in theirs]
        if both:
            m, h = mean_ci([a.best - b.best for a, b in both])
            gained = sum(a.success and not b.success for a, b in both)
            lost = sum(b.success and not a.success for a, b in both)
            out["best_minus_control"] = {"mean": m, "ci95_half": h, "episodes": len(both)}
            out["mcnemar_p"] = mcnemar_p(gained, lost)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--control", type=Path, help="the run every other is compared with, paired by episode")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    args = ap.parse_args()
    control = episodes(args.control) if args.control else None
    rows = [summary(parts_of(r)[0], episodes(r), None if r == args.control else control) for r in args.runs]
    print(
        f"{'run':34s} {'success':>8s} {'Wilson 95%':>12s} {'best (95% t)':>18s} {'final':>7s} {'gap':>5s} "
        f"{'holds':>5s} {'s/upd':>6s}  best - control"
    )
    for r in rows:
        lo, hi = r["wilson95"]
        vs = r.get("best_minus_control")
        paired = (
            f"{vs['mean']:+.4f} +- {vs['ci95_half']:.4f} ({vs['episodes']}, McNemar p {r['mcnemar_p']:.2f})"
            if vs
            else ""
        )
        print(
            f"{r['run']:34s} {r['successes']:>3d} / {r['episodes']:<2d} {lo:5.2f}-{hi:4.2f}  "
            f"{r['best_mean']:.4f} +- {r['best_ci95_half']:.4f} {r['final_mean']:.4f} "
            f"{r['gap_closed_mean']:4.0%} {r['holds_mean']:5.1f} {r['seconds_per_update_mean']:6.1f}  "
            + paired
        )
        for e in r["per_episode"]:
            print(
                f"    {e['episode']:3d} {e['goal'] or '':8s} start {e['start']:.4f} best {e['best']:.4f} "
                f"final {e['final']:.4f} {'success' if e['success'] else ''}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({r["run"]: r for r in rows}, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
