"""A hand loaded from MJCF: particles on its geoms, moved by torch FK of the mounted model."""

from __future__ import annotations

import mujoco
import numpy as np
import torch

from xembody.embodiments.actuation import ActuationMap, reference_ctrl
from xembody.embodiments.base import Embodiment
from xembody.embodiments.kinematics import KinematicTree
from xembody.embodiments.mount import WRIST_BODY, WRIST_JOINTS, compile_spec
from xembody.embodiments.sampling import ParticleConfig, sample_hand_points
from xembody.errors import XembodyError

DEFAULT_WRIST = (0.0, 0.0, 0.25, 0.0, 0.0, 0.0)


class MjcfHand(Embodiment):
    """A hand mounted on the 6-DoF wrist, from a spec made by `mount.mount_on_wrist`.

    Args:
        name: registry name or file stem.
        spec: the mounted spec (world -> wrist -> hand/...).
        particles: how to sample particles.
        source: where the model came from, for display.
        default_wrist: wrist pose (x, y, z, rx, ry, rz) of `default_qpos`.
        where: what errors name (the file it came from); default: `name`.
    """

    def __init__(
        self,
        name: str,
        spec: mujoco.MjSpec,
        particles: ParticleConfig,
        source: str,
        default_wrist: tuple[float, ...] = DEFAULT_WRIST,
        where: str | None = None,
    ):
        self.name, self.source, self.spec, self.particles = name, source, spec, particles
        where = where or name
        self.model = compile_spec(spec, where)
        m = self.model
        self.joint_names = tuple(m.joint(j).name for j in range(m.njnt))
        self.ctrl_names = tuple(m.actuator(a).name for a in range(m.nu))
        assert self.joint_names[:6] == WRIST_JOINTS and self.ctrl_names[:6] == WRIST_JOINTS
        wrist = m.body(WRIST_BODY).id
        # The hand's bodies: everything in the wrist's subtree but the wrist itself.
        link_ids = [b for b in range(m.nbody) if m.body_rootid[b] == wrist and b != wrist]
        try:
            local, link = sample_hand_points(m, link_ids, particles)
        except XembodyError as e:
            raise XembodyError(f"{where}: {e}") from None
        used = sorted(set(link.tolist()))  # keep only links that carry particles
        remap = {old: new for new, old in enumerate(used)}
        self.link_ids = [link_ids[i] for i in used]
        self.link_names = tuple(m.body(b).name for b in self.link_ids)
        self._local = local
        self._link = np.array([remap[i] for i in link], dtype=np.int64)
        self.fk = KinematicTree(m, self.link_ids)
        self._local_t = torch.from_numpy(local)
        self._link_t = torch.from_numpy(self._link)
        self._point_body = np.asarray(self.link_ids)[self._link]  # body id carrying each particle
        self._ctrl_limits = self._limits(m.actuator_ctrlrange, m.actuator_ctrllimited, "ctrl")
        self._qpos_limits = self._limits(m.jnt_range, m.jnt_limited, "qpos")
        ref = reference_ctrl(m)
        self.actuation = ActuationMap(m, ref)
        self._default_ctrl = ref.copy()
        self._default_ctrl[:6] = default_wrist
        with torch.no_grad():
            q = self.actuation(torch.tensor(self._default_ctrl[None], dtype=torch.float32))
        self._default_qpos = q[0].numpy().astype(np.float64)

    def _limits(self, rng: np.ndarray, limited: np.ndarray, kind: str) -> np.ndarray:
        out = np.array(rng, dtype=np.float64)
        if kind == "qpos":  # unlimited joints: one turn for hinges, a metre for slides
            slide = self.model.jnt_type == mujoco.mjtJoint.mjJNT_SLIDE
            default = np.where(slide[:, None], [[-1.0, 1.0]], [[-np.pi, np.pi]])
        else:
            default = np.tile([[-np.inf, np.inf]], (len(out), 1))
        return np.where(np.asarray(limited, bool)[:, None], out, default)

    # --- Embodiment interface -------------------------------------------------------------------------
    @property
    def qpos_limits(self) -> np.ndarray:
        return self._qpos_limits.copy()

    @property
    def ctrl_limits(self) -> np.ndarray:
        return self._ctrl_limits.copy()

    @property
    def default_qpos(self) -> np.ndarray:
        return self._default_qpos.copy()

    @property
    def default_ctrl(self) -> np.ndarray:
        return self._default_ctrl.copy()

    @property
    def point_link(self) -> np.ndarray:
        return self._link.copy()

    @property
    def local_points(self) -> np.ndarray:
        return self._local.copy()

    @property
    def n_hand_actuators(self) -> int:
        return self.n_ctrl - 6

    @property
    def n_hand_joints(self) -> int:
        return self.dof - 6

    def link_poses(self, qpos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """World poses of the particle-carrying links: (B, dof) -> (B, L, 3), (B, L, 3, 3)."""
        return self.fk(self.check_qpos(qpos))

    def points(self, qpos: torch.Tensor) -> torch.Tensor:
        pos, rot = self.link_poses(qpos)
        local = self._local_t.to(qpos.dtype)
        return pos[:, self._link_t] + torch.einsum("bnij,nj->bni", rot[:, self._link_t], local)

    def points_mujoco(self, qpos: np.ndarray) -> np.ndarray:
        """Particles placed by MuJoCo's own link poses (`mj_kinematics`), the reference for `points`:
        (B, dof) -> (B, Nh, 3), float64."""
        data = mujoco.MjData(self.model)
        out = np.empty((len(qpos), self.n_points, 3))
        for i, q in enumerate(np.asarray(qpos, dtype=np.float64)):
            data.qpos[:] = q
            mujoco.mj_kinematics(self.model, data)
            out[i] = self.points_in(data)
        return out

    def points_in(self, data: mujoco.MjData) -> np.ndarray:
        """Particles placed by the link poses already in `data`, (Nh, 3) float64. `data` may belong to
        this model or to a scene built from its spec (the hand's bodies keep their ids there)."""
        ids = self._point_body
        return np.einsum("nij,nj->ni", data.xmat[ids].reshape(-1, 3, 3), self._local) + data.xpos[ids]

    def ctrl_to_qpos(self, ctrl: torch.Tensor) -> torch.Tensor:
        return self.actuation(self.check_ctrl(ctrl))
