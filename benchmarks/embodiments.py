"""Time `Embodiment.points()` and measure FK error against MuJoCo for every registered hand.

Usage: python benchmarks/embodiments.py [--batch 512] [--repeat 20]
Prints, per hand: particles, dof, time of one batched points() call (forward, and forward + backward),
and the largest FK error against mj_kinematics on the same batch. Then, per coupled hand, how far the
control-to-joint map's particles are from the rest poses MuJoCo reaches under 32 random controls.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

shared = Path(__file__).resolve().parents[2] / "shared" / "menagerie"
if "MENAGERIE_ROOT" not in os.environ and shared.is_dir():
    os.environ["MENAGERIE_ROOT"] = str(shared)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import xembody  # noqa: E402
from xembody.embodiments import REGISTRY  # noqa: E402
from xembody.embodiments.actuation import settle  # noqa: E402


def fk_error(hand, qpos: np.ndarray) -> float:
    return float(np.abs(hand.points_np(qpos) - hand.points_mujoco(qpos)).max())


def actuation_error(hand, n: int = 32) -> np.ndarray:
    """Particle distances (n, Nh) between ctrl_to_qpos and MuJoCo's settled pose for random controls."""
    lo, hi = hand.ctrl_limits.T
    u = np.random.default_rng(0).uniform(lo, hi, (n, hand.n_ctrl))
    u[:, :6] = 0.0
    q_map = hand.ctrl_to_qpos(torch.tensor(u, dtype=torch.float32)).numpy()
    return np.linalg.norm(hand.points_np(settle(hand.model, u)) - hand.points_np(q_map), axis=-1)


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
    hands = {name: xembody.load_hand(name, n_points=args.n_points) for name in REGISTRY}
    for name, hand in hands.items():
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

    print("\ncontrol -> joints map vs MuJoCo rest poses (32 random controls)")
    print(f"{'hand':14s} {'max mm':>8s} {'mean mm':>8s}")
    for name, hand in hands.items():
        if hand.actuation.coupled:
            err = actuation_error(hand) * 1e3
            print(f"{name:14s} {err.max():8.3f} {err.mean():8.3f}")


if __name__ == "__main__":
    main()
