"""Time `Embodiment.points()` and measure FK error against MuJoCo for every registered hand.

Usage: python benchmarks/embodiments.py [--batch 512] [--repeat 20]
Prints, per hand: particles, dof, time of one batched points() call (forward, and forward + backward),
and the largest FK error against mj_kinematics on the same batch.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

shared = Path(__file__).resolve().parents[2] / "shared" / "menagerie"
if "MENAGERIE_ROOT" not in os.environ and shared.is_dir():
    os.environ["MENAGERIE_ROOT"] = str(shared)

import mujoco  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import xembody  # noqa: E402
from xembody.embodiments import REGISTRY  # noqa: E402


def fk_error(hand, qpos: np.ndarray) -> float:
    data = mujoco.MjData(hand.model)
    ids = np.asarray(hand.link_ids)[hand.point_link]
    ours = hand.points_np(qpos)
    worst = 0.0
    for q, p in zip(qpos, ours, strict=True):
        data.qpos[:] = q
        mujoco.mj_kinematics(hand.model, data)
        ref = np.einsum("nij,nj->ni", data.xmat[ids].reshape(-1, 3, 3), hand.local_points) + data.xpos[ids]
        worst = max(worst, float(np.abs(ref - p).max()))
    return worst


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--n-points", type=int, default=50)
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}")
    header = ("hand", "N", "dof", "fwd ms", "fwd+bwd ms", "us/config", "FK err m")
    print(
        f"{header[0]:14s} "
        + " ".join(f"{h:>{w}s}" for h, w in zip(header[1:], (4, 4, 8, 11, 10, 9), strict=True))
    )
    for name in REGISTRY:
        hand = xembody.load_hand(name, n_points=args.n_points)
        lo, hi = hand.qpos_limits.T
        q_np = np.random.default_rng(0).uniform(lo, hi, (args.batch, hand.dof))
        q = torch.tensor(q_np, dtype=torch.float32)

        def forward(hand=hand, q=q):
            with torch.inference_mode():
                hand.points(q)

        def backward(hand=hand, q=q):
            x = q.clone().requires_grad_(True)
            hand.points(x).sum().backward()

        fwd, bwd = timed(forward, args.repeat), timed(backward, args.repeat)
        err = fk_error(hand, q_np[:64])
        print(
            f"{name:14s} {hand.n_points:4d} {hand.dof:4d} {fwd * 1e3:8.2f} {bwd * 1e3:11.2f} "
            f"{fwd / args.batch * 1e6:10.2f} {err:9.1e}"
        )


if __name__ == "__main__":
    main()
