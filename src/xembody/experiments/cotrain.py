"""`xembody experiment cotrain`: does human data, co-trained with simulated robot hands, beat either alone?

Box task at `--scale small` (2 CPU cores): simulated robot-hand data, human recordings (simulated
trackers on the simulated human hand, labelled so; `xembody data import` accepts real ones the same way),
then sim-only, human-only and co-trained models over a sweep of mixing ratios, each evaluated on held-out
human recordings (Chamfer + EMD after `horizon` steps) and by planning with a held-out robot hand. Every
stage writes into `--out` and is skipped when already there, so an interrupted run resumes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from xembody.experiments.common import collect_stage, scale_of, write_rows

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


COLUMNS = [
    "model",
    "mix",
    "human_chamfer",
    "human_chamfer_ci95",
    "human_emd",
    "human_emd_ci95",
    "plan_success",
    "plan_success_ci_low",
    "plan_success_ci_high",
    "plan_episodes",
    "plan_yaw_error_deg",
]


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


def data(cfg: CotrainConfig, scale: dict) -> tuple[list[Path], Path, Path]:
    """Sim datasets per robot hand, and human training / held-out recordings imported as datasets."""
    out = cfg.out / "data"
    from xembody.data.importer import ImportConfig, import_recordings
    from xembody.data.synthetic_tracks import SensorConfig, simulate_recordings

    hands = cfg.robot_hands.split(",")
    sims = [collect_stage(h, scale["sim_episodes"], cfg.seed, out / f"sim_{h}") for h in hands]
    human = {}
    for part, n, seed in (
        ("train", scale["human_episodes"][0], cfg.seed),
        ("test", scale["human_episodes"][1], cfg.seed + 1),
    ):
        raw, recs, human[part] = out / f"human_sim_{part}", out / f"human_recs_{part}", out / f"human_{part}"
        collect_stage("human", n, seed, raw)
        if not recs.exists():
            simulate_recordings(raw, recs, SensorConfig(seed=seed))
        import_recordings(ImportConfig(recordings=tuple(sorted(recs.glob("*.npz"))), out=human[part]))
    return sims, human["train"], human["test"]


def arms(cfg: CotrainConfig, sims: list[Path], human: Path) -> dict[str, tuple[list[Path], str]]:
    """Model name -> (training data, mix)."""
    out = {"sim_only": (sims, ""), "human_only": ([human], "")}
    for r in cfg.ratios.split(","):
        out[f"cotrain_{r.replace(':', 'to')}"] = ([*sims, human], f"sim:human={r}")
    return out


def evaluate_human(run: Path, test: Path) -> dict[str, float]:
    """Chamfer and EMD after the horizon on held-out recordings, with 95% intervals over recordings."""
    from xembody.train.evaluate import EvalConfig, evaluate

    r = evaluate(EvalConfig(model=run, data=(test,), out=run))
    return {
        "human_chamfer": r.chamfer_last,
        "human_chamfer_ci95": r.chamfer_last_ci95,
        "human_emd": r.emd_last,
        "human_emd_ci95": r.emd_last_ci95,
    }


def evaluate_planning(cfg: CotrainConfig, run: Path, scale: dict) -> dict[str, float]:
    from xembody.experiments.plan import PlanConfig, plan

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
    low, high = s.success_ci95
    return {
        "plan_success": s.success_rate,
        "plan_success_ci_low": low,
        "plan_success_ci_high": high,
        "plan_episodes": s.episodes,
        "plan_yaw_error_deg": s.final_yaw_error_deg_mean,
    }


def cotrain(cfg: CotrainConfig, scale: dict | None = None) -> list[dict]:
    """Run (or resume) the experiment; `scale` overrides `cfg.scale`'s sizes (tests use a tiny one)."""
    from xembody.io import atomic_write_text
    from xembody.train.config import TrainConfig
    from xembody.train.loop import train

    scale = scale_of(cfg.scale, SCALES, scale)
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

    write_rows(out, "cotrain", rows, COLUMNS)
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    names = [r["model"] for r in rows]
    x = range(len(rows))
    for i, key in enumerate(("human_chamfer", "human_emd")):
        ax[0].bar(
            [j + 0.4 * i - 0.2 for j in x],
            [1000 * r[key] for r in rows],
            0.4,
            yerr=[1000 * r[f"{key}_ci95"] for r in rows],
            capsize=3,
            label=key.split("_")[1],
        )
    ax[0].set_ylabel("held-out human error (mm, 95% CI)")
    ax[0].legend()
    succ = [r["plan_success"] for r in rows]
    ax[1].bar(
        x,
        succ,
        yerr=[
            [p - r["plan_success_ci_low"] for p, r in zip(succ, rows, strict=True)],
            [r["plan_success_ci_high"] - p for p, r in zip(succ, rows, strict=True)],
        ],
        capsize=3,
    )
    ax[1].set_ylabel("held-out robot hand: success (95%)")
    for a in ax:
        a.set_xticks(list(x), names, rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(out / "cotrain.png", dpi=120)
    plt.close(fig)
