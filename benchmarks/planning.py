"""Planning benchmark: the paper's planner configuration vs ours, same model, same states, a held-out hand.

    python benchmarks/planning.py [--model box-5hands] [--hand leap] [--episodes 20] [--paper-episodes 1]
        [--clay-model plasticine-5hands] [--clay-states 3]

1. Time per update on the same states (each episode's start after one push, so the hand is at the
   object) for: `paper` (MPPI,
   500 samples x horizon 4 x 10 iterations, executes 2 steps), `mppi` (our fast MPPI: 96 x 4 x 3, colored
   noise, warm start, 5 gradient steps), `ours` (64 sampled contact primitives, executes one whole
   primitive), all with the learned model; and `ours` with MuJoCo as the dynamics (the oracle).
2. Success on the same box episodes (goal: turn 45 degrees; success: yaw < 10 deg and position < 2 cm) by
   `xembody plan` itself, so results resume and land in the same summary format. The paper's
   configuration costs far more per update, so it runs on fewer episodes (`--paper-episodes`), with the
   same budget of 30 updates (it executes 2 steps per update, ours a whole primitive).
3. Plasticine (with `--clay-model`): time per update of the press planner on MPM clay toward the named goal
   shapes, each state after one press: the default (32 random presses, then 2 cross-entropy rounds of 16)
   beside 64 random presses without refinement, and the default with half the draws guided palm presses
   (`--guided 0.5`, the setting of docs/planning.md's runs). Target: at most 10 s per update on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from xembody.embodiments import hand_frame
from xembody.experiments.plan import (
    ORACLE,
    PlanConfig,
    make_dynamics,
    make_goal,
    make_planner,
    object_name,
    plan,
)
from xembody.explore import context, episode_rng
from xembody.primitives import hover_ctrl
from xembody.sim.objects import RigidObject
from xembody.sim.tasks import make_scene


def time_updates(cfg: PlanConfig, states: int) -> dict:
    """Mean wall time of one planner update over `states` states in contact: each episode's start after
    one primitive chosen by `ours` with the same dynamics (at the hovering start most samples do not reach
    the object, and the contact gate would skip the network for them)."""
    scene = make_scene(cfg.hand, cfg.task, object_name(cfg), seed=0)
    ctx, dyn = context(scene, hand_frame(scene.hand)), make_dynamics(cfg, scene)
    rigid = isinstance(scene.obj, RigidObject)
    seconds, steps = [], []
    for i in range(states):
        scene.reset(episode_rng(cfg.seed, i))
        scene.set_hand(hover_ctrl(ctx, scene.observe()))
        goal = make_goal(cfg, scene, i)
        first = make_planner(replace(cfg, planner="ours"), dyn, ctx, rigid, goal, i)
        for target in first.update(scene.observe()).targets:
            scene.step(target)
        planner = make_planner(cfg, dyn, ctx, rigid, goal, i)
        t0 = time.perf_counter()
        upd = planner.update(scene.observe())
        seconds.append(time.perf_counter() - t0)
        steps.append(len(upd.targets))
    return {
        "seconds_per_update": float(np.mean(seconds)),
        "seconds_min": float(np.min(seconds)),
        "steps_per_update": float(np.mean(steps)),
        "seconds_per_executed_step": float(np.sum(seconds) / np.sum(steps)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="box-5hands")
    ap.add_argument("--hand", default="leap")
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--paper-episodes", type=int, default=1)
    ap.add_argument("--states", type=int, default=3)
    ap.add_argument("--clay-model", default=None, help="also time plasticine updates with this model")
    ap.add_argument("--clay-states", type=int, default=3)
    ap.add_argument("--no-box", action="store_true", help="only the plasticine timing")
    ap.add_argument("--out", type=Path, default=Path("runs/bench/planning"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    base = PlanConfig(model=args.model, hand=args.hand, video="none", max_updates=30)
    runs = {
        "paper": replace(base, planner="paper", episodes=args.paper_episodes),
        "mppi": replace(base, planner="mppi", episodes=0),
        "ours": replace(base, planner="ours", episodes=args.episodes),
        "ours (oracle)": replace(base, model=ORACLE, planner="ours", episodes=args.episodes),
    }
    if args.no_box:
        runs = {}
    table = {}
    for name, cfg in runs.items():
        table[name] = time_updates(cfg, args.states)
        print(f"{name:>14}: {table[name]['seconds_per_update']:.2f} s per update", flush=True)
    for name, cfg in runs.items():
        if cfg.episodes:
            s = plan(replace(cfg, out=args.out / name.replace(" (oracle)", "_oracle")))
            table[name] |= {
                "episodes": s.episodes,
                "success_rate": s.success_rate,
                "updates_mean": s.updates_mean,
            }
            table[name]["final_errors"] = {
                "yaw_error_deg": s.final_yaw_error_deg_mean,
                "position_error_m": s.final_position_error_m_mean,
            }
    if table:
        ratio = table["paper"]["seconds_per_update"] / table["ours"]["seconds_per_update"]
        print(f"\nhand {args.hand} (held out), model {args.model}, box turned 45 degrees, 2 CPU threads")
        print(f"{'planner':>14} {'s/update':>9} {'steps/upd':>9} {'s/step':>7} {'success':>12}")
        for name, r in table.items():
            ok = f"{r['success_rate']:.0%} of {r['episodes']}" if "success_rate" in r else "-"
            print(
                f"{name:>14} {r['seconds_per_update']:>9.2f} {r['steps_per_update']:>9.1f} "
                f"{r['seconds_per_executed_step']:>7.2f} {ok:>12}"
            )
        print(
            f"paper / ours time per update: {ratio:.1f}x (target >= 10x); ours under 5 s: "
            f"{table['ours']['seconds_per_update'] < 5.0}"
        )
    clay = {}
    if args.clay_model:
        base = PlanConfig(args.clay_model, args.hand, task="plasticine", goal="all", video="none")
        for name, cfg in {
            "ours (32 + 2 x 16 refined)": base,
            "ours (64 random)": replace(base, candidates=64, refine=0),
            "ours, guided 0.5 (the runs')": replace(base, guided=0.5),
        }.items():
            clay[name] = time_updates(cfg, args.clay_states)
        print(f"\nhand {args.hand} (held out), model {args.clay_model}, MPM clay toward the named goals")
        for name, r in clay.items():
            print(
                f"{name:>31}: {r['seconds_per_update']:.2f} s per update, {r['steps_per_update']:.1f} steps"
            )
        best = clay["ours (32 + 2 x 16 refined)"]["seconds_per_update"]
        print(f"plasticine under 10 s per update: {best <= 10.0}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmark.json").write_text(
        json.dumps(
            dict(hand=args.hand, model=args.model, clay_model=args.clay_model, **table, plasticine=clay),
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
