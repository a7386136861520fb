"""`xembody experiment cotrain`: does human data, co-trained with simulated robot hands, beat either alone?

Box task at `--scale small` (2 CPU cores): simulated robot-hand data, human recordings (simulated
trackers on the simulated human hand, labelled so; `xembody data import` accepts real ones the same way),
then sim-only, human-only and co-trained models over a sweep of mixing ratios, each evaluated on held-out
human recordings (Chamfer + EMD after `horizon` steps) and by planning with a held-out robot hand. Every
stage writes into `--out` and is skipped when already there, so an interrupted run resumes.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

SCALES = {  # episodes per robot hand, human episodes (train, test), training steps, planning
    "small": {
        "sim_episodes": 40,
        "human_episodes": (60, 20),
        "steps": 600,
        "plan_episodes": 5,
        "plan_updates": 30,
    },
    "paper": {
        "sim_episodes": 100,
        "human_episodes": (300, 60),
        "steps": 20000,
        "plan_episodes": 20,
        "plan_updates": 30,
    },
}


@dataclass(frozen=True)
class CotrainConfig:
    """Train sim-only, human-only and co-trained world models; evaluate on held-out human data and by
    planning with a held-out robot hand; write a table (CSV, JSON) and a plot."""

    out: Path = Path("runs/experiments/cotrain")
    scale: str = "small"
    """small (2 CPU cores, under an hour) or paper (the paper's data sizes; a GPU machine)."""
    robot_hands: str = "allegro,shadow"
    """Simulated robot hands for the sim data."""
    held_out_hand: str = "leap"
    """Robot hand for the planning evaluation (in no training data)."""
    ratios: str = "1:3,1:1,3:1"
    """Co-training mixes sim:human to sweep."""
    batch_size: int = 16
    seed: int = 0


def _run(argv: list[str]) -> None:
    from xembody.cli import main

    if (code := main(argv)) != 0:
        from xembody.errors import XembodyError

        raise XembodyError(f"cotrain: `xembody {' '.join(argv)}` failed with exit code {code}")


def data(cfg: CotrainConfig, scale: dict) -> tuple[list[Path], Path, Path]:
    """Sim datasets per robot hand, and human training / held-out recordings imported as datasets."""
    out = cfg.out / "data"
    sims = []
    for hand in cfg.robot_hands.split(","):
        sims.append(out / f"sim_{hand}")
        _run(
            [
                "collect",
                "--hand",
                hand,
                "--episodes",
                str(scale["sim_episodes"]),
                "--workers",
                "2",
                "--out",
                str(sims[-1]),
                "--seed",
                str(cfg.seed),
            ]
        )
    human = {}
    for part, n, seed in (
        ("train", scale["human_episodes"][0], cfg.seed),
        ("test", scale["human_episodes"][1], cfg.seed + 1),
    ):
        raw, recs, human[part] = out / f"human_sim_{part}", out / f"human_recs_{part}", out / f"human_{part}"
        _run(
            [
                "collect",
                "--hand",
                "human",
                "--episodes",
                str(n),
                "--workers",
                "2",
                "--out",
                str(raw),
                "--seed",
                str(seed),
            ]
        )
        if not recs.exists():
            _run(["data", "simulate-tracks", str(raw), "--out", str(recs), "--seed", str(seed)])
        _run(["data", "import", *map(str, sorted(recs.glob("*.npz"))), "--out", str(human[part])])
    return sims, human["train"], human["test"]


def arms(cfg: CotrainConfig, sims: list[Path], human: Path) -> dict[str, tuple[list[Path], str]]:
    """Model name -> (training data, mix)."""
    out = {"sim_only": (sims, ""), "human_only": ([human], "")}
    for r in cfg.ratios.split(","):
        out[f"cotrain_{r.replace(':', 'to')}"] = ([*sims, human], f"sim:human={r}")
    return out


def evaluate_human(run: Path, test: Path) -> dict[str, float]:
    from xembody.train.evaluate import EvalConfig, evaluate

    r = evaluate(EvalConfig(model=run, data=(test,), out=run))
    return {"human_chamfer": r["chamfer_last"], "human_emd": r["emd_last"]}


def evaluate_planning(cfg: CotrainConfig, run: Path, scale: dict) -> dict[str, float]:
    from xembody.planning.config import PlanConfig
    from xembody.planning.run import plan

    pc = PlanConfig(
        model=str(run),
        hand=cfg.held_out_hand,
        episodes=scale["plan_episodes"],
        video="none",
        max_updates=scale["plan_updates"],
        out=run / f"plan_{cfg.held_out_hand}",
        seed=cfg.seed,
    )
    s = plan(pc)
    return {"plan_success": s["success_rate"], "plan_yaw_error_deg": s["final_yaw_error_deg_mean"]}


def cotrain(cfg: CotrainConfig, scale: dict | None = None) -> list[dict]:
    """Run (or resume) the experiment; `scale` overrides `cfg.scale`'s sizes (tests use a tiny one)."""
    from xembody.data.store import atomic_write_text
    from xembody.errors import XembodyError
    from xembody.train.config import TrainConfig
    from xembody.train.loop import train

    if scale is None and cfg.scale not in SCALES:
        raise XembodyError(f"--scale {cfg.scale!r}: choose {', '.join(SCALES)}")
    scale = scale or SCALES[cfg.scale]
    sims, human, test = data(cfg, scale)
    rows = []
    for name, (paths, mix) in arms(cfg, sims, human).items():
        run = cfg.out / "models" / name
        done = run / "result.json"
        if not done.exists():
            tc = TrainConfig(
                data=tuple(paths),
                out=run,
                steps=scale["steps"],
                batch_size=cfg.batch_size,
                mix=mix,
                seed=cfg.seed,
            )
            train(tc)
            row = {"model": name, "data": [str(p) for p in paths], "mix": mix or "-"}
            row |= evaluate_human(run, test) | evaluate_planning(cfg, run, scale)
            atomic_write_text(done, json.dumps(row, indent=2))
        rows.append(json.loads(done.read_text()))
    write_table(cfg.out, rows)
    return rows


def write_table(out: Path, rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["model", "mix", "human_chamfer", "human_emd", "plan_success", "plan_yaw_error_deg"]
    with open(out / "cotrain.csv", "w", newline="") as f:
        w = csv.DictWriter(f, keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    (out / "cotrain.json").write_text(json.dumps(rows, indent=2))
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    names = [r["model"] for r in rows]
    ax[0].bar(names, [1000 * (r["human_chamfer"] + r["human_emd"]) for r in rows])
    ax[0].set_ylabel("held-out human Chamfer + EMD (mm)")
    ax[1].bar(names, [r["plan_success"] for r in rows])
    ax[1].set_ylabel("planning success, held-out robot hand")
    for a in ax:
        a.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(out / "cotrain.png", dpi=120)
    plt.close(fig)
