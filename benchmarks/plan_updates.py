"""How well a plan run's model foresaw each executed press: per update, the gain it predicted (Chamfer + EMD
to the goal now, minus that of its predicted end state) beside the gain that came (minus that of the clay
after the press), split by what the hand did in the clay: its fingers moved on the palm (a squeeze: a
pinch's closing fingers), or it moved rigidly and slid sideways (a drawn press's kneading slides), or it
went straight down and up (a poke, as the guided proposals do), with how far the predicted clay's centroid
ended from the real one's (a sideways bias of the model for that hand).

    python benchmarks/plan_updates.py runs/plan/palm_human runs/plan/palm_leap

Reads each episode's tracks (`episode-NNN.npz`: hand, object and predicted particles per step) and its
`episodes/NNN.json` (the steps of each update); updates that held (no steps) are left out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from xembody.geometry import kabsch
from xembody.goals import Goal, shape_error
from xembody.stats import mean_ci

SQUEEZE = 0.005  # m: a hand particle leaving the hand's rigid motion by more than this in a step
SLIDE = 0.002  # m: the hand's centroid travelling more than this sideways while at the press's bottom
BOTTOM = 0.002  # m: the press's bottom: the hand's lowest point within this of its deepest in the update
KINDS = ("poke", "slide", "squeeze")


def nonrigid(hand: np.ndarray) -> np.ndarray:
    """(T, N, 3) hand particles -> (T-1,) the largest distance (m) of a particle from the rigid motion that
    best carries each step's particles to the next (Kabsch): how far the fingers moved on the palm."""
    a, b = torch.as_tensor(hand[:-1]), torch.as_tensor(hand[1:])
    rot, t = kabsch(a, b)
    moved = torch.einsum("bij,bkj->bki", rot, a) + t[:, None]
    return (moved - b).norm(dim=-1).amax(-1).numpy()


def updates(run: Path) -> list[tuple[str, float, float, float, float]]:
    """Every executed update of a run: (its kind, one of KINDS; predicted gain, actual gain, and the
    predicted minus the actual shift of the clay's centroid in x and y, m)."""
    out = []
    for f in sorted((run / "episodes").glob("*.json")):
        ep = json.loads(f.read_text())
        with np.load(run / f"episode-{ep['episode']:03d}.npz") as z:
            hand, obj, pred, goal = z["hand"], z["object"], z["predicted"], Goal(z["goal"])
        moved = nonrigid(hand)
        t, now = 0, shape_error(obj[0], goal)
        for n in ep["steps_per_update"]:
            if n == 0:
                continue
            top = obj[t, :, 2].max()
            lowest = hand[t : t + n + 1, :, 2].min(-1)  # (n+1,) the hand's lowest point
            low = lowest < top  # the hand below the clay's top
            squeezed = bool((moved[t : t + n] * (low[:-1] | low[1:]) > SQUEEZE).any())
            # Slides happen at the bottom; an approach can pass below the clay's top beside a dent.
            xy = hand[t : t + n + 1][lowest < lowest.min() + BOTTOM].mean(1)[:, :2]
            slid = float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum()) > SLIDE
            kind = "squeeze" if squeezed else "slide" if slid else "poke"
            after = shape_error(obj[t + n], goal)
            bias = (pred[t + n] - obj[t + n]).mean(0)[:2]
            out.append((kind, now - shape_error(pred[t + n], goal), now - after, *bias))
            t, now = t + n, after
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    args = ap.parse_args()
    print(
        f"{'run':30s} {'updates':14s} {'n':>3s} {'predicted gain':>15s} {'actual gain (95% t)':>20s} "
        f"{'worse':>6s} {'worst':>7s}  centroid: predicted - actual (x, y mm)"
    )
    for run in args.runs:
        rows = updates(run)
        for name in KINDS:
            sel = [r[1:] for r in rows if r[0] == name]
            if not sel:
                continue
            p, a, bx, by = np.array(sel).T * 1000
            m, h = mean_ci(list(a)) if len(a) > 1 else (float(a[0]), float("nan"))
            print(
                f"{run.name:30s} {name:14s} {len(a):3d} {p.mean():12.2f} mm {m:+9.2f} +- {h:4.2f} mm "
                f"{np.mean(a < 0):6.0%} {a.min():+6.1f}  {bx.mean():+5.1f}, {by.mean():+5.1f}"
            )


if __name__ == "__main__":
    main()
