"""`xembody experiment scaling`: does training on more hands predict an unseen hand better?

For each held-out hand, our model is trained on k of the other hands (k = 1..max_k; every subset, or a
seeded sample of `subsets` of them per k) and evaluated on the held-out hand's test episodes (5-step
rollout MSE and Chamfer after the horizon). Two references per held-out hand: the target-only model (ours
trained on the held-out hand's own data) and the paper's DPI-Net-style GNN (`--model paper`) trained on
the largest k's first subset - our stand-in for the paper's Point Transformer-style baseline, which we did
not build. Every model trains for the same number of steps. The table gives, per (held-out hand, model,
k), the mean over subsets with a 95% t interval over subsets (over test episodes where there is one model).
Every stage writes into `--out` and is skipped when already there, so an interrupted run resumes.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from xembody.experiments.common import collect_stage, scale_of, write_rows
from xembody.stats import mean_ci

SCALES = {  # episodes per hand (train, test), training steps (ours, paper's model), subsets per k, held out
    "small": {
        "episodes": (30, 10),
        "steps": 300,
        "paper_steps": 200,
        "paper_batch": 4,
        "subsets": 3,
        "held_out": "leap,franka_hand",  # a dexterous hand and a gripper: two of the seven fit in an hour
    },
    "paper": {
        "episodes": (100, 20),
        "steps": 20000,
        "paper_steps": 20000,
        "paper_batch": 16,
        "subsets": 5,
        "held_out": "all",  # every hand of the pool in turn, as the paper
    },
}
COLUMNS = [
    "held_out",
    "model",
    "k",
    "runs",
    "mse",
    "mse_ci95",
    "chamfer",
    "chamfer_ci95",
    "zero_motion_mse",
]


@dataclass(frozen=True)
class ScalingConfig:
    """Train on k of the other hands (k = 1..5), evaluate on a held-out hand; error vs k with 95% intervals,
    against a target-only model and the paper's model; CSV/JSON and a plot."""

    out: Path = Path("runs/experiments/scaling")
    scale: str = "small"
    """small (2 CPU cores, under an hour) or paper (the paper's sizes; a GPU)."""
    hands: str = "allegro,shadow,aero,franka_hand,robotiq_2f85,umi,leap"
    """The pool of simulated hands."""
    held_out: str = ""
    """Comma-separated hands to hold out, each in turn, or `all` (default: the scale's - small: leap and
    franka_hand, paper: all)."""
    max_k: int = 5
    """Largest number of training hands."""
    batch_size: int = 16
    seed: int = 0


def held_out(cfg: ScalingConfig, sizes: dict) -> list[str]:
    """The hands held out in turn."""
    from xembody.train.config import names

    chosen = cfg.held_out or sizes["held_out"]
    return names(cfg.hands) if chosen == "all" else names(chosen)


def datasets(cfg: ScalingConfig, sizes: dict) -> dict[str, Path]:
    """Box datasets: `<hand>` for training (seed), `<hand>_test` for each held-out hand (seed + 1)."""
    from xembody.train.config import names

    n_train, n_test = sizes["episodes"]
    jobs = [(h, n_train, cfg.seed) for h in names(cfg.hands)]
    jobs += [(f"{h}_test", n_test, cfg.seed + 1) for h in held_out(cfg, sizes)]
    return {
        key: collect_stage(key.removesuffix("_test"), n, seed, cfg.out / "data" / f"box_{key}")
        for key, n, seed in jobs
    }


def subsets(others: list[str], k: int, n: int, seed: int) -> list[tuple[str, ...]]:
    """All k-subsets of `others` when there are at most n, else n of them drawn with a seeded generator."""
    every = list(itertools.combinations(others, k))
    return every if len(every) <= n else random.Random(f"{seed}-{k}-{','.join(others)}").sample(every, n)


def runs(cfg: ScalingConfig, sizes: dict) -> list[dict]:
    """Every training run: held-out hand, model name, k and the hands it trains on."""
    from xembody.errors import XembodyError
    from xembody.train.config import names

    pool, out = names(cfg.hands), []
    for target in held_out(cfg, sizes):
        if target not in pool:
            raise XembodyError(f"--held-out {target}: not in --hands ({cfg.hands})")
        others = [h for h in pool if h != target]
        ks = range(1, min(cfg.max_k, len(others)) + 1)
        for k in ks:
            for sub in subsets(others, k, sizes["subsets"], cfg.seed):
                out.append({"held_out": target, "model": "ours", "k": k, "train_hands": list(sub)})
        out.append({"held_out": target, "model": "target_only", "k": 1, "train_hands": [target]})
        largest = subsets(others, ks[-1], sizes["subsets"], cfg.seed)[0]
        out.append({"held_out": target, "model": "paper", "k": ks[-1], "train_hands": list(largest)})
    return out


def train_and_evaluate(cfg: ScalingConfig, sizes: dict, run: dict, data: dict[str, Path]) -> dict:
    """Train one model (resuming) and evaluate it on the held-out hand's test set; the result row."""
    from xembody.io import atomic_write_text
    from xembody.train.config import TrainConfig
    from xembody.train.evaluate import EvalConfig, evaluate
    from xembody.train.loop import train

    name = f"{run['model']}-k{run['k']}-{'+'.join(run['train_hands'])}"
    path = cfg.out / "models" / run["held_out"] / name
    done = path / "result.json"
    if done.exists():
        return json.loads(done.read_text())
    paper = run["model"] == "paper"
    tc = TrainConfig(
        data=tuple(data[h] for h in run["train_hands"]),
        out=path,
        model="paper" if paper else "ours",
        steps=sizes["paper_steps" if paper else "steps"],
        batch_size=sizes["paper_batch"] if paper else cfg.batch_size,
        seed=cfg.seed,
    )
    train(tc)
    r = evaluate(EvalConfig(model=path, data=(data[f"{run['held_out']}_test"],), out=path))
    row = run | {
        "run": str(path),
        "steps": tc.steps,
        "batch_size": tc.batch_size,
        "mse": r.mse_rollout_last,
        "mse_episode_ci95": r.mse_rollout_last_ci95,
        "chamfer": r.chamfer_last,
        "chamfer_episode_ci95": r.chamfer_last_ci95,
        "zero_motion_mse": r.zero_motion_mse_rollout_last,
    }
    atomic_write_text(done, json.dumps(row, indent=2))
    return row


def summarize(rows: list[dict]) -> list[dict]:
    """One line per (held-out hand, model, k): mean over its runs, 95% interval over runs (over test
    episodes when there is a single run)."""
    out = []
    for key, group in itertools.groupby(rows, lambda r: (r["held_out"], r["model"], r["k"])):
        group = list(group)
        line = dict(zip(("held_out", "model", "k"), key, strict=True)) | {"runs": len(group)}
        for m in ("mse", "chamfer"):
            mean, half = mean_ci([r[m] for r in group])
            line |= {m: mean, f"{m}_ci95": half if len(group) > 1 else group[0][f"{m}_episode_ci95"]}
        line["zero_motion_mse"] = group[0]["zero_motion_mse"]
        out.append(line)
    return out


def scaling(cfg: ScalingConfig, scale: dict | None = None) -> list[dict]:
    """Run (or resume) the experiment; returns the summary table's rows."""
    sizes = scale_of(cfg.scale, SCALES, scale)
    data = datasets(cfg, sizes)
    rows = [train_and_evaluate(cfg, sizes, run, data) for run in runs(cfg, sizes)]
    table = summarize(rows)
    write_rows(cfg.out, "scaling_runs", rows, [*COLUMNS[:3], "train_hands", "mse", "chamfer"])
    write_rows(cfg.out, "scaling", table, COLUMNS)
    plot(table, rows, cfg.out / "scaling.png")
    return table


def plot(table: list[dict], rows: list[dict], path: Path) -> None:
    """Per held-out hand: mean error vs k with its interval, every run as a dot, and the references."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = sorted({r["held_out"] for r in table})
    fig, axes = plt.subplots(len(targets), 2, figsize=(10, 3.6 * len(targets)), squeeze=False)
    for target, ax in zip(targets, axes, strict=True):
        lines = [r for r in table if r["held_out"] == target]
        for a, m, unit, scale in ((ax[0], "mse", "mm²", 1e6), (ax[1], "chamfer", "mm", 1e3)):
            ours = [r for r in lines if r["model"] == "ours"]
            runs_k = [r for r in rows if r["held_out"] == target and r["model"] == "ours"]
            a.plot([r["k"] for r in runs_k], [scale * r[m] for r in runs_k], ".", color="grey", alpha=0.6)
            a.errorbar(
                [r["k"] for r in ours],
                [scale * r[m] for r in ours],
                yerr=[scale * r[f"{m}_ci95"] for r in ours],
                fmt="o-",
                capsize=3,
                label="ours, k other hands",
            )
            for r in lines:
                if r["model"] == "target_only":
                    a.axhline(scale * r[m], color="tab:green", ls="--", label=f"target only ({target})")
                if r["model"] == "paper":
                    a.errorbar(
                        r["k"],
                        scale * r[m],
                        yerr=scale * r[f"{m}_ci95"],
                        fmt="s",
                        color="tab:red",
                        capsize=3,
                        label="paper's model (DPI-Net GNN)",
                    )
            if m == "mse":
                a.axhline(scale * lines[0]["zero_motion_mse"], color="grey", ls=":", label="no motion")
            a.set_ylim(bottom=0)
            a.set_xlabel("training hands k")
            a.set_ylabel(f"{target}: 5-step {m} ({unit}, 95% CI)")
            a.set_xticks(sorted({r["k"] for r in lines}))
        ax[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
