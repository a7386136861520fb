"""Control space -> joint space, consistent with MuJoCo, for fully actuated and coupled hands alike.

* A position servo on a joint holds that joint at its control value: the map is the identity there.
* Every other joint (moved by tendons, linkages or equality constraints) is tabulated from MuJoCo itself:
  with gravity and contacts off and the wrist held, each actuator in turn sweeps its control range while
  the others stay at their reference, and the joint positions MuJoCo settles at are recorded. A control
  vector then maps to the reference pose plus the sum of each actuator's piecewise-linear effect. This is
  exact (up to the grid) where actuators move disjoint joints and first-order where they share joints
  (the Aero thumb); `settle` lets tests measure the residual on random controls.
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path

import mujoco
import numpy as np
import torch
from torch import nn

from xembody.errors import XembodyError
from xembody.io import atomic_write

N_GRID = 49  # samples across each actuator's control range (joints meet their limits at kinks)
SETTLE_QVEL = 1e-6  # rad/s or m/s: at rest
SETTLE_MAX_SECONDS = 30.0
TABULATE_TIMESTEP = 0.01  # implicit integration is stable here; rest poses match the model's own timestep


def is_joint_servo(model: mujoco.MjModel, a: int) -> bool:
    """Whether actuator `a` is a position servo acting directly on one joint (target = control)."""
    return (
        model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT
        and model.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_AFFINE
        and np.isclose(model.actuator_gainprm[a, 0], -model.actuator_biasprm[a, 1])
        and model.actuator_gear[a, 0] == 1.0
    )


def reference_ctrl(model: mujoco.MjModel) -> np.ndarray:
    """The controls that hold the model's reference pose (qpos0), clipped to the control range: (nu,).

    For an affine actuator, force = gain * ctrl + b0 + b1 * length; zero force at the reference length
    gives ctrl = -(b0 + b1 * length) / gain. Actuators of other kinds get 0 (clipped).
    """
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    gain, bias = model.actuator_gainprm[:, 0], model.actuator_biasprm
    affine = (model.actuator_biastype == mujoco.mjtBias.mjBIAS_AFFINE) & (gain != 0)
    ctrl = np.where(
        affine, -(bias[:, 0] + bias[:, 1] * data.actuator_length) / np.where(gain != 0, gain, 1), 0.0
    )
    lo, hi = model.actuator_ctrlrange.T
    return np.where(model.actuator_ctrllimited.astype(bool), np.clip(ctrl, lo, hi), ctrl)


def settle(model: mujoco.MjModel, ctrl: np.ndarray, timestep: float | None = None) -> np.ndarray:
    """Joint positions MuJoCo comes to rest at under `ctrl` (K, nu), gravity and contacts off: (K, nq).

    Runs until every joint speed is below `SETTLE_QVEL` (at most `SETTLE_MAX_SECONDS`). `timestep` may be
    coarser than the model's for speed: the rest pose does not depend on it, only the path there does.
    """
    m = copy.copy(model)
    m.opt.gravity[:] = 0.0
    # Dry friction makes the rest pose depend on the path there; without it the rest pose is unique.
    m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT | mujoco.mjtDisableBit.mjDSBL_FRICTIONLOSS
    m.opt.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    if timestep is not None:
        m.opt.timestep = timestep
    data = mujoco.MjData(m)
    chunk = max(1, int(0.25 / m.opt.timestep))
    out = np.empty((len(ctrl), m.nq))
    for k, u in enumerate(ctrl):
        mujoco.mj_resetData(m, data)
        data.ctrl[:] = u
        for _ in range(int(SETTLE_MAX_SECONDS / 0.25)):
            mujoco.mj_step(m, data, chunk)
            if np.abs(data.qvel).max() < SETTLE_QVEL:
                break
        if not np.isfinite(data.qpos).all():
            raise XembodyError(f"simulation diverged while settling controls {u.round(3)}")
        out[k] = data.qpos
    return out


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xembody" / "actuation"


def cached(model: mujoco.MjModel, reference_ctrl: np.ndarray, make) -> dict:
    """Tables are computed once per model and kept on disk (they take seconds for tendon hands)."""
    # Key on the whole compiled model, so any change to it (a tendon, a spring, a limit) recomputes.
    blob = np.zeros(mujoco.mj_sizeModel(model), dtype=np.uint8)
    mujoco.mj_saveModel(model, None, blob)
    key = hashlib.sha256(blob.tobytes())
    key.update(np.ascontiguousarray(reference_ctrl).tobytes())
    key.update(f"{mujoco.__version__}|{N_GRID}".encode())
    path = cache_dir() / f"{key.hexdigest()[:24]}.npz"
    if path.is_file():
        try:
            with np.load(path) as f:
                return {k: f[k] for k in ("grid", "effect", "q_ref")}
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is recomputed
    table = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: np.savez(tmp, **table))  # concurrent loaders never see half a file
    except OSError:
        pass  # an unwritable cache only costs time
    return table


class ActuationMap(nn.Module):
    """ctrl (B, nu) -> qpos (B, nq) for a hand mounted on the wrist; see the module docstring."""

    def __init__(self, model: mujoco.MjModel, reference_ctrl: np.ndarray, table: dict | None = None):
        super().__init__()
        nu, nq = model.nu, model.nq
        direct_u, direct_q = [], []
        for a in range(nu):
            if is_joint_servo(model, a):
                direct_u.append(a)
                direct_q.append(int(model.jnt_qposadr[model.actuator_trnid[a, 0]]))
        self.register_buffer("direct_u", torch.tensor(direct_u, dtype=torch.long))
        self.register_buffer("direct_q", torch.tensor(direct_q, dtype=torch.long))
        coupled = sorted(set(range(nq)) - set(direct_q))
        self.register_buffer("coupled_q", torch.tensor(coupled, dtype=torch.long))
        self.coupled = bool(coupled)
        if table is None and coupled:
            table = cached(model, reference_ctrl, lambda: self.tabulate(model, reference_ctrl, coupled))
        if coupled:
            self.register_buffer("grid", torch.tensor(table["grid"], dtype=torch.float32))  # (nu, K)
            self.register_buffer("effect", torch.tensor(table["effect"], dtype=torch.float32))  # (nu, K, C)
            self.register_buffer("q_ref", torch.tensor(table["q_ref"], dtype=torch.float32))  # (C,)

    @staticmethod
    def tabulate(model: mujoco.MjModel, reference_ctrl: np.ndarray, coupled: list[int]) -> dict:
        """Sweep each actuator over its range; record settled positions of the `coupled` joints.

        Actuators are first probed at both ends of their range; those that do not move any coupled joint
        (e.g. the wrist, or a servo on an uncoupled joint) get a zero table without a sweep.
        """

        def rest(ctrl: np.ndarray) -> np.ndarray:
            return settle(model, ctrl, TABULATE_TIMESTEP)[:, coupled]

        lo, hi = model.actuator_ctrlrange.T
        grid = np.linspace(lo, hi, N_GRID, axis=1)  # (nu, K)
        q_ref = rest(reference_ctrl[None])[0]
        effect = np.zeros((model.nu, N_GRID, len(coupled)))
        for a in range(model.nu):
            ctrl = np.repeat(reference_ctrl[None], 2, 0)
            ctrl[:, a] = lo[a], hi[a]
            if np.abs(rest(ctrl) - q_ref).max() < 1e-5:
                continue
            ctrl = np.repeat(reference_ctrl[None], N_GRID, 0)
            ctrl[:, a] = grid[a]
            effect[a] = rest(ctrl) - q_ref
        return {"grid": grid, "effect": effect, "q_ref": q_ref}

    def forward(self, ctrl: torch.Tensor) -> torch.Tensor:
        batch = ctrl.shape[0]
        nq = int(self.direct_q.numel() + self.coupled_q.numel())
        qpos = ctrl.new_zeros(batch, nq)
        qpos = qpos.index_copy(1, self.direct_q, ctrl.index_select(1, self.direct_u))
        if self.coupled:
            qpos = qpos.index_copy(1, self.coupled_q, self.q_ref + self._effects(ctrl).sum(1))
        return qpos

    def _effects(self, ctrl: torch.Tensor) -> torch.Tensor:
        """Per-actuator piecewise-linear effect on the coupled joints: (B, nu) -> (B, nu, C)."""
        u = torch.maximum(torch.minimum(ctrl, self.grid[:, -1]), self.grid[:, 0])  # clamp to range
        k = self.grid.shape[1]
        i = torch.searchsorted(self.grid.contiguous(), u.T.contiguous()).T.clamp(1, k - 1)  # (B, nu)
        g0 = self.grid.gather(1, (i - 1).T).T
        g1 = self.grid.gather(1, i.T).T
        w = ((u - g0) / (g1 - g0).clamp_min(1e-12))[..., None]
        a = torch.arange(ctrl.shape[1], device=ctrl.device)
        e0, e1 = self.effect[a, i - 1], self.effect[a, i]  # (B, nu, C)
        return e0 * (1 - w) + e1 * w
