"""MuJoCo itself as a planner's dynamics: an oracle upper bound for the learned model.

Every candidate control sequence is simulated from the scene's exact current state with `mujoco.rollout`
(threaded, no Python per physics step), so planning with it tells how much success the learned world
model costs. It fits the same `Dynamics` protocol as `LearnedDynamics`.
"""

from __future__ import annotations

import mujoco
import mujoco.rollout
import numpy as np
import torch

from xembody.errors import XembodyError
from xembody.sim.scene import Scene

_FULL = mujoco.mjtState.mjSTATE_FULLPHYSICS


class MujocoDynamics:
    """Candidate sequences simulated from the scene's current state (the scene itself is not changed).

    Args:
        scene: the scene being controlled; its state at the time of each `rollout` call is the start.
        nthread: rollout threads (0: the calling thread).
    """

    def __init__(self, scene: Scene, nthread: int = 2):
        if scene.obj.external:
            raise XembodyError(
                f"--model mujoco cannot plan with {scene.obj.name}: it is simulated outside MuJoCo"
            )
        self.scene = scene
        self.substeps = scene.physics.substeps
        self._pool = mujoco.rollout.Rollout(nthread=nthread)
        self._datas = [mujoco.MjData(scene.model) for _ in range(max(nthread, 1))]
        self._probe = mujoco.MjData(scene.model)  # state -> particles
        self._lo, self._hi = scene.hand.ctrl_limits.T

    def close(self) -> None:
        self._pool.close()

    def rollout(self, ctrl: torch.Tensor, obj: torch.Tensor) -> torch.Tensor:
        """ctrl (S, H+1, n_ctrl) -> object particles after each planned step (S, H, No, 3).

        `ctrl[:, 0]` (the targets now) is already in the simulation; `obj` is not needed: MuJoCo knows
        the exact state, including what particles cannot show (velocities, contacts)."""
        m, d = self.scene.model, self.scene.data
        S, T, n = ctrl.shape
        H = T - 1
        state = np.empty(mujoco.mj_stateSize(m, _FULL))
        mujoco.mj_getState(m, d, state, _FULL)
        u = np.repeat(d.ctrl[None, None], S, 0).repeat(H * self.substeps, 1)  # other actuators hold
        plan = np.clip(ctrl[:, 1:].detach().cpu().double().numpy(), self._lo, self._hi)
        u[:, :, :n] = np.repeat(plan, self.substeps, axis=1)
        states, _ = self._pool.rollout(m, self._datas, state[None], u)
        ends = states[:, self.substeps - 1 :: self.substeps]  # (S, H, nstate): end of each control period
        out = np.empty((S, H, *self.scene.object_points().shape))
        p = self._probe
        for s in range(S):
            for h in range(H):
                mujoco.mj_setState(m, p, ends[s, h], _FULL)
                mujoco.mj_kinematics(m, p)
                if m.nflex:
                    mujoco.mj_flex(m, p)
                out[s, h] = self.scene.obj.points(p)
        return torch.from_numpy(out).to(ctrl.dtype)


class ExternalDynamics:
    """Candidate sequences simulated by stepping the scene itself (MuJoCo and its external engine, the MPM
    clay), restoring its state after each: the oracle for objects `mujoco.rollout` cannot simulate.

    Sequential and dear (one MPM simulation per candidate: ~15-20 s a press on one CPU core), so plans with
    it use few candidates. The restored solver starts without its warm starts, so a replayed candidate ends
    near where it did in the rollout (within 2 mm: tests/test_mpm.py), not bit for bit.
    """

    def __init__(self, scene: Scene):
        if not scene.obj.external:
            raise XembodyError(f"{scene.obj.name} lives in MuJoCo: plan with MujocoDynamics")
        self.scene = scene

    def close(self) -> None:
        pass

    def rollout(self, ctrl: torch.Tensor, obj: torch.Tensor) -> torch.Tensor:
        """ctrl (S, H+1, n_ctrl) -> object particles after each planned step (S, H, No, 3); `ctrl[:, 0]`
        is already in force and `obj` is not needed (the engine has the exact state)."""
        scene = self.scene
        saved = scene.save()
        plan = ctrl[:, 1:].detach().cpu().double().numpy()
        S, H = plan.shape[:2]
        out = np.empty((S, H, *scene.object_points().shape))
        for s in range(S):
            try:
                for h in range(H):
                    scene.step(plan[s, h])
                    out[s, h] = scene.object_points()
            finally:  # the scene is back where it was, whatever happened in the rollout
                scene.restore(saved)
        return torch.from_numpy(out).to(ctrl.dtype)


def oracle(scene: Scene) -> MujocoDynamics | ExternalDynamics:
    """The simulator as the planner's dynamics: `mujoco.rollout` for MuJoCo objects, the scene itself for
    an external engine's."""
    return ExternalDynamics(scene) if scene.obj.external else MujocoDynamics(scene)
