"""Train several world models for the same wall time on the same data and machine (the issue's "paper's
model trained for the same wall time" comparison), then leave each run directory ready for
`xembody evaluate`.

Each model's time per step is measured first (a short probe run, validation included), and its step
count set so that training fills the budget; the cosine schedule then runs to its end, as in any run.

    python benchmarks/train_same_time.py --models ours,paper --seconds 200 --device cuda \\
        --data runs/data/clay_{allegro,shadow,aero,franka_hand,robotiq_2f85} --out runs/train/same_time

Writes OUT/<model>/ (a normal run directory) and OUT/summary.json (device, seconds per step, steps).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import torch

from xembody.io import atomic_write_json
from xembody.train.config import TrainConfig
from xembody.train.loop import train

PROBE_STEPS, PROBE_EVERY = 60, 20


def seconds_per_step(cfg: TrainConfig, probe: Path) -> float:
    """Wall seconds per training step, from a short run's metrics (its first rows hold warm-up)."""
    shutil.rmtree(probe, ignore_errors=True)
    train(replace(cfg, out=probe, steps=PROBE_STEPS, val_every=PROBE_EVERY, ckpt_every=10**9), progress=False)
    with open(probe / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    first, last = rows[0], rows[-1]
    return (float(last["seconds"]) - float(first["seconds"])) / (int(last["step"]) - int(first["step"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", nargs="+", type=Path, required=True)
    ap.add_argument("--models", default="ours,paper")
    ap.add_argument("--seconds", type=float, default=600.0, help="wall-time budget of each model's training")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("runs/train/same_time"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {
        "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
        "torch": torch.__version__,
        "budget_s": args.seconds,
        "batch_size": args.batch_size,
        "models": {},
    }
    for name in args.models.split(","):
        cfg = TrainConfig(
            data=tuple(args.data),
            model=name,
            batch_size=args.batch_size,
            device=args.device,
            threads=args.threads,
            out=args.out / name,
            ckpt_every=500,
        )
        per_step = seconds_per_step(cfg, args.out / f"probe_{name}")
        steps = max(PROBE_STEPS, int(args.seconds / per_step))
        t0 = time.perf_counter()
        last = train(replace(cfg, steps=steps), progress=False)
        summary["models"][name] = {
            "seconds_per_step": per_step,
            "steps": steps,
            "train_seconds": time.perf_counter() - t0,
            "last": last,
        }
        print(json.dumps({name: summary["models"][name]}), flush=True)
        atomic_write_json(args.out / "summary.json", summary)


if __name__ == "__main__":
    main()
