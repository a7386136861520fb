"""World model speed: one forward pass on 500 graphs, and training throughput, paper's model vs ours.

Scenes are real: states from a few freshly simulated Allegro episodes (box: 50 hand + 100 object
particles; plasticine: 200 + 300). Each model runs in inference mode, float32, in chunks (the paper's
code used chunks of 20 graphs; ours is fastest in chunks of 50). The paper's model on plasticine is timed
on 40 graphs and scaled to 500 (it takes minutes).

    python benchmarks/model.py [--graphs 500] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from xembody.data import CollectConfig, EpisodeWindows, collate, collect_episodes  # noqa: E402
from xembody.graph import knn_within, radius_edges  # noqa: E402
from xembody.model import OursModel, PaperModel, StepBatch  # noqa: E402
from xembody.train.config import TrainConfig  # noqa: E402
from xembody.train.loop import unroll_loss  # noqa: E402

CHUNK = {"paper": 20, "ours": 50}


def scenes(task: str, n: int, tmp: Path) -> StepBatch:
    out = tmp / task
    collect_episodes(
        CollectConfig("allegro", task, episodes=3 if task == "box" else 2, out=out), progress=False
    )
    ds = EpisodeWindows([out], horizon=1)
    idx = np.random.default_rng(0).choice(len(ds), n, replace=len(ds) < n)
    b = collate([ds[int(i)] for i in idx])
    return StepBatch(b.hand[:, 0], b.hand[:, 1], b.object[:, 0], b.hand_mask, b.object_mask, b.rigid)


def chunks(s: StepBatch, size: int):
    for i in range(0, len(s.hand), size):
        yield StepBatch(
            *(x[i : i + size] for x in (s.hand, s.hand_next, s.obj, s.hand_mask, s.obj_mask, s.rigid))
        )


@torch.inference_mode()
def forward_seconds(model, s: StepBatch, chunk: int, repeats: int = 2) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for c in chunks(s, chunk):
            model(c)
        best = min(best, time.perf_counter() - start)
    return best


def edges_per_graph(s: StepBatch) -> dict[str, float]:
    pos = torch.cat([s.hand, s.obj], 1)
    send, _ = radius_edges(pos[:20], 0.04, torch.cat([s.hand_mask, s.obj_mask], 1)[:20])
    cfg = OursModel().cfg
    ho = knn_within(s.obj[:20], s.hand[:20], cfg.radius, cfg.k_hand, s.obj_mask[:20], s.hand_mask[:20])
    oo = knn_within(s.obj[:20], s.obj[:20], cfg.radius, cfg.k_object, s.obj_mask[:20], s.obj_mask[:20], True)
    return {"paper": len(send) / 20, "ours": (ho.count + oo.count) / 20}


def train_graphs_per_second(model_name: str, data: Path, iters: int) -> float:
    cfg = TrainConfig(data=(data,), model=model_name, batch_size=16 if model_name == "ours" else 4)
    ds = EpisodeWindows([data], horizon=cfg.horizon)
    model = cfg.build_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(iters):
        batch = collate([ds[int(i)] for i in rng.integers(len(ds), size=cfg.batch_size)])
        loss, _ = unroll_loss(model, batch, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return iters * cfg.batch_size * cfg.horizon / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--graphs", type=int, default=500)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    models = {"paper": PaperModel().eval(), "ours": OursModel().eval()}
    print(f"{a.threads} threads; forward pass on {a.graphs} graphs (float32, inference mode)")
    print(f"{'task':<11} {'model':<6} {'edges/graph':>12} {'seconds':>9} {'ms/graph':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for task in ("box", "plasticine"):
            s = scenes(task, a.graphs, Path(tmp))
            edges = edges_per_graph(s)
            times = {}
            for name, model in models.items():
                n = 40 if (name == "paper" and task == "plasticine") else a.graphs
                sub = next(chunks(s, n))
                times[name] = (
                    forward_seconds(model, sub, CHUNK[name], repeats=1 if n < a.graphs else 2) * a.graphs / n
                )
                note = f" (timed on {n}, scaled)" if n < a.graphs else ""
                print(
                    f"{task:<11} {name:<6} {edges[name]:>12.0f} {times[name]:>9.2f} "
                    f"{1000 * times[name] / a.graphs:>9.2f}{note}"
                )
            print(f"{task:<11} ratio  paper / ours = {times['paper'] / times['ours']:.1f}x")
        box = Path(tmp) / "box"
        print("training throughput, box, 5-step unroll (graph-steps per second):")
        for name, iters in (("paper", 3), ("ours", 10)):
            print(f"  {name:<6} {train_graphs_per_second(name, box, iters):8.1f}")


if __name__ == "__main__":
    main()
