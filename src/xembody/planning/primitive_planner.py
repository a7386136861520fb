"""Planning over whole contact primitives: the default planner of `xembody plan` (rigid objects and
plasticine).

A myopic sampler over per-step target changes (MPPI with a short horizon) cannot find a box rotation: no
change within a few steps of the hand lowers the cost until the hand is beside the object. The paper uses
its contact primitives as proposals, and so do we: each update draws `candidates` primitives
(`xembody.primitives`: a `Push` for rigid objects, a `Press` for plasticine) from the observation, each a
sequence of actuator targets (transit, then contact), rolls them all through the same `Dynamics` as any
plan, and scores only their end states. The chosen primitive runs to its end, then the planner looks
again (closed loop at the level of primitives).

With `guided` (presses), that share of the random draws take their spot and depth from where the clay
stands above the goal (`proposals.guided_spots`): flat palm presses, the k-th at wrist yaw
`guided_yaws[k % len(guided_yaws)]` (`guided_kind="palm"`: the primitive that lowers a region; the home
yaw alone by default, and a hand whose palm is longer than wide lowers rows across it, so a goal's rows
along another axis need the wrist turned), or pokes of the random draw's own kind and
wrist (`"drawn"`, as before 2026-12-03: only 1 in 3 a palm press). With `hold`, an update whose best
press is not predicted to end nearer the goal than the clay is now executes nothing (an empty `Update`).
`press_kinds` limits the random draws to some of the press kinds (palm presses alone, for goals that
palm presses made, and hands whose pinches the model mispredicts).
With `refine` rounds (presses), fewer random draws go further: each round perturbs the best `elites` so
far (`perturb_press`, noise halving each round) and scores `refine_candidates` more, the cross-entropy
method over a primitive's parameters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from xembody.goals import Goal, shape_error
from xembody.observation import Observation
from xembody.planning.costs import shape_distance
from xembody.planning.dynamics import Dynamics
from xembody.planning.proposals import guided_spots
from xembody.planning.update import Update
from xembody.primitives import (
    PLAN_PUSH,
    PRESS_KINDS,
    SPOT,
    YAW_LIMIT,
    Press,
    PrimitiveContext,
    PrimitivePlan,
    Push,
    PushRanges,
    palm_press,
    perturb_press,
    poke_at,
    sample_press,
    sample_push,
)

KINDS = ("push", "press")
GUIDED_KINDS = ("palm", "drawn")  # guided presses: flat palm presses, or pokes of the random draw's kind


@dataclass(frozen=True)
class PrimitiveConfig:
    kind: str = "push"  # push (rigid objects) or press (plasticine)
    candidates: int = 64
    push: PushRanges = PLAN_PUSH
    shape: str = "particles"  # shape cost (costs.shape_distance); plasticine uses chamfer_emd
    seed: int = 0
    refine: int = 0  # cross-entropy rounds after the random draws (presses only)
    refine_candidates: int = 16  # primitives per round
    elites: int = 4  # the best so far, perturbed in each round
    refine_scale: float = 0.15  # first round's noise, a fraction of each parameter's range
    exact: int = 4  # chamfer_emd: the best few by the fast Sinkhorn are re-scored with exact EMD
    guided: float = 0.0  # presses: share of the random draws placed where the clay stands above the goal
    guided_kind: str = "palm"  # one of GUIDED_KINDS
    guided_yaws: tuple[float, ...] = (0.0,)  # rad: guided palm presses cycle through these wrist yaws
    clear_turns: bool = False  # presses: approaches rise where a turn would tilt the hand into the clay
    hold: bool = False  # presses: execute nothing where no candidate is predicted to end nearer the goal
    # m (Chamfer + EMD): with hold, a press must be predicted to end at least this much nearer the goal;
    # gains smaller than the model's error or the camera's noise are as likely to spoil the clay
    hold_margin: float = 0.0
    press_kinds: tuple[str, ...] = PRESS_KINDS  # presses: the kinds the random draws come from


def draw(
    kind: str,
    rng: np.random.Generator,
    ctx: PrimitiveContext,
    obs: Observation,
    push: PushRanges = PLAN_PUSH,
    press_kinds: tuple[str, ...] = PRESS_KINDS,
) -> Push | Press:
    """One random primitive of `kind` from the observation, turning the wrist a little from where it is."""
    yaw = float(obs.ctrl[5])
    if kind == "push":
        return sample_push(rng, ctx, obs, push, yaw)
    if kind == "press":
        return sample_press(rng, ctx, obs, yaw, press_kinds)
    raise ValueError(f"unknown primitive kind {kind!r}; choose {', '.join(KINDS)}")


def from_here(
    primitive: Push | Press, ctx: PrimitiveContext, obs: Observation, clear: bool = False
) -> PrimitivePlan:
    """A primitive's targets from the current ones, lifting clear of the object first (as exploration
    does: a hand turning or moving low drags clay and knocks boxes); with `clear` (presses), higher where
    the turn would tilt the hand into the clay (`Press.targets`)."""
    if clear and isinstance(primitive, Press):
        return primitive.targets(ctx, obs, obs.ctrl, lift=True, clear=True)
    return primitive.targets(ctx, obs, obs.ctrl, lift=True)


def candidate(
    kind: str, rng: np.random.Generator, ctx: PrimitiveContext, obs: Observation, push: PushRanges = PLAN_PUSH
) -> PrimitivePlan:
    """One random primitive's targets from the current ones (`from_here`)."""
    return from_here(draw(kind, rng, ctx, obs, push), ctx, obs)


class PrimitivePlanner:
    """Samples whole primitives as target sequences, rolls them out, and returns the best one's targets.

    Args:
        cfg: which primitive, how many candidates, the cost, the seed of the candidates' draws.
        dynamics: the world (a learned model through the hand's kinematics, or an oracle).
        ctx: the hand's geometry and the object's nominal size.
        goal: goal particles (No, 3).
    """

    def __init__(self, cfg: PrimitiveConfig, dynamics: Dynamics, ctx: PrimitiveContext, goal: np.ndarray):
        if cfg.kind not in KINDS:
            raise ValueError(f"unknown primitive kind {cfg.kind!r}; choose {', '.join(KINDS)}")
        if (cfg.refine or cfg.guided) and cfg.kind != "press":
            raise ValueError("cross-entropy refinement and guided proposals are for presses only")
        if cfg.hold and cfg.shape != "chamfer_emd":
            raise ValueError("hold compares shape errors: use it with the chamfer_emd shape cost")
        if not 0.0 <= cfg.guided <= 1.0:
            raise ValueError(f"guided must be a share between 0 and 1, got {cfg.guided}")
        if cfg.guided_kind not in GUIDED_KINDS:
            raise ValueError(f"unknown guided kind {cfg.guided_kind!r}; choose {', '.join(GUIDED_KINDS)}")
        if not cfg.press_kinds or set(cfg.press_kinds) - set(PRESS_KINDS):
            raise ValueError(f"press kinds must be some of {', '.join(PRESS_KINDS)}, got {cfg.press_kinds}")
        if not cfg.guided_yaws or max(abs(y) for y in cfg.guided_yaws) > YAW_LIMIT:
            raise ValueError(
                f"guided yaws must be one or more within +-{YAW_LIMIT} rad, got {cfg.guided_yaws}"
            )
        self.cfg, self.dynamics, self.ctx = cfg, dynamics, ctx
        self.rng = np.random.default_rng(cfg.seed)
        self.goal = torch.as_tensor(goal, dtype=torch.float64)
        self._goal = Goal(np.asarray(goal, dtype=np.float64))

    def candidates(self, obs: Observation) -> list[list[np.ndarray]]:
        """`cfg.candidates` random primitives' targets, each a list of (n_ctrl,)."""
        return [self._targets(p, obs) for p in self._draws(obs)]

    def _draws(self, obs: Observation) -> list[Push | Press]:
        cfg = self.cfg
        prims = [
            draw(cfg.kind, self.rng, self.ctx, obs, cfg.push, cfg.press_kinds) for _ in range(cfg.candidates)
        ]
        n = round(cfg.guided * cfg.candidates)
        if n:  # drawn after the random ones: the same seed gives the same unguided draws
            reach = self.ctx.extent.radius * SPOT
            pairs = guided_spots(self.rng, obs.object_points, self._goal.points, reach, n)
            for k, (spot, depth) in enumerate(pairs):
                yaw = cfg.guided_yaws[k % len(cfg.guided_yaws)]
                base = palm_press(self.ctx, yaw) if cfg.guided_kind == "palm" else prims[k]
                prims[k] = poke_at(base, self.ctx, spot, depth)
        return prims

    def _targets(self, primitive: Push | Press, obs: Observation) -> list[np.ndarray]:
        return from_here(primitive, self.ctx, obs, self.cfg.clear_turns).targets

    def score(self, seqs: list[list[np.ndarray]], obs: Observation) -> tuple[np.ndarray, list, list]:
        """Roll target sequences out from `obs`: (cost of each (S,), each one's predicted object particles
        (T, No, 3), each one's targets (steps, n_ctrl)). Clouds are ranked by a fast Sinkhorn in float32."""
        T = max(len(s) for s in seqs)
        # Equal lengths for one batched rollout: the hand holds its last targets once a primitive ends.
        batch = np.stack([np.stack([obs.ctrl, *s, *[s[-1]] * (T - len(s))]) for s in seqs])
        with torch.no_grad():
            obj = torch.as_tensor(obs.object_points, dtype=torch.float64)
            pred = self.dynamics.rollout(torch.as_tensor(batch), obj)
            fast = self.cfg.shape == "chamfer_emd"
            final = pred[:, -1:].float() if fast else pred[:, -1:].double()
            cost = shape_distance(final, self.goal.to(final.dtype), self.cfg.shape, fast=fast)[:, 0]
        return cost.double().numpy(), list(pred), [batch[k, 1 : 1 + len(s)] for k, s in enumerate(seqs)]

    def update(self, obs: Observation) -> Update:
        t0 = time.perf_counter()
        cfg = self.cfg
        prims = self._draws(obs)
        cost, preds, ctrls = self.score([self._targets(p, obs) for p in prims], obs)
        for r in range(cfg.refine):
            elites = np.argsort(cost)[: cfg.elites]
            scale = cfg.refine_scale * 0.5**r
            new = [
                perturb_press(prims[elites[j % len(elites)]], self.rng, self.ctx, scale)
                for j in range(cfg.refine_candidates)
            ]
            c, p, b = self.score([self._targets(q, obs) for q in new], obs)
            prims, cost, preds, ctrls = prims + new, np.concatenate([cost, c]), preds + p, ctrls + b
        best = int(np.argmin(cost))
        best_cost = float(cost[best])
        if cfg.shape == "chamfer_emd":  # the success measure itself (exact EMD) picks among the best few
            top = np.argsort(cost)[: cfg.exact]
            exact = [shape_error(preds[k][-1].double().numpy(), self._goal) for k in top]
            best, best_cost = int(top[int(np.argmin(exact))]), float(min(exact))
        if cfg.hold and best_cost >= (now := shape_error(obs.object_points, self._goal)) - cfg.hold_margin:
            # Nothing is predicted to help: pressing anyway only spends the clay's best shape so far.
            held = np.zeros((0, len(obs.ctrl)))
            return Update(held, now, time.perf_counter() - t0, preds[best][:0])
        return Update(ctrls[best], best_cost, time.perf_counter() - t0, preds[best])
