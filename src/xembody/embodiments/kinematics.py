"""Batched, differentiable forward kinematics in torch that reproduces MuJoCo's `mj_kinematics`.

Only hinge and slide joints occur in hands (the floating wrist is 3 slides + 3 hinges), so each body's pose
is its parent's pose, times its fixed offset, times one rotation or translation per joint, exactly in the
order `mj_kinematics` applies them (engine_core_smooth.c).
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch
from torch import nn

from xembody.errors import XembodyError


def axis_angle_matrix(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rodrigues' formula: unit `axis` (3,), `angle` (B,) -> rotation matrices (B, 3, 3)."""
    k = torch.zeros(3, 3, dtype=axis.dtype, device=axis.device)
    k[0, 1], k[0, 2], k[1, 2] = -axis[2], axis[1], -axis[0]
    k = k - k.T
    s, c = torch.sin(angle)[:, None, None], torch.cos(angle)[:, None, None]
    eye = torch.eye(3, dtype=axis.dtype, device=axis.device)
    return eye + s * k + (1.0 - c) * (k @ k)


def quat_to_matrix(quat: np.ndarray) -> np.ndarray:
    """MuJoCo quaternion (w, x, y, z) -> (3, 3) rotation matrix."""
    mat = np.zeros(9)
    mujoco.mju_quat2Mat(mat, np.asarray(quat, dtype=np.float64))
    return mat.reshape(3, 3)


class KinematicTree(nn.Module):
    """World poses of selected bodies of a compiled `MjModel` as a function of `qpos`.

    Args:
        model: a model whose joints are all hinges or slides.
        bodies: ids of the bodies whose poses are wanted; their ancestors are computed too.
    """

    def __init__(self, model: mujoco.MjModel, bodies: list[int]):
        super().__init__()
        bad = [model.joint(j).name for j in range(model.njnt) if int(model.jnt_type[j]) not in _SUPPORTED]
        if bad:
            raise XembodyError(f"only hinge and slide joints are supported; found ball/free joints {bad}")
        needed: set[int] = set()
        for b in bodies:
            while b > 0 and b not in needed:
                needed.add(b)
                b = int(model.body_parentid[b])
        self.order = sorted(needed)  # MuJoCo numbers bodies so that parents come first
        self.parent = {b: int(model.body_parentid[b]) for b in self.order}
        self.joints = {
            b: list(range(model.body_jntadr[b], model.body_jntadr[b] + model.body_jntnum[b]))
            for b in self.order
        }
        self.jnt_slide = {
            j: bool(model.jnt_type[j] == mujoco.mjtJoint.mjJNT_SLIDE)
            for js in self.joints.values()
            for j in js
        }
        self.jnt_qadr = {j: int(model.jnt_qposadr[j]) for j in self.jnt_slide}
        self.bodies = list(bodies)
        self.register_buffer("body_pos", torch.tensor(model.body_pos, dtype=torch.float32))
        self.register_buffer(
            "body_rot",
            torch.tensor(np.stack([quat_to_matrix(q) for q in model.body_quat]), dtype=torch.float32),
        )
        self.register_buffer("jnt_pos", torch.tensor(model.jnt_pos, dtype=torch.float32))
        self.register_buffer("jnt_axis", torch.tensor(model.jnt_axis, dtype=torch.float32))
        self.register_buffer("qpos0", torch.tensor(model.qpos0, dtype=torch.float32))

    def forward(self, qpos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, nq) -> positions (B, K, 3) and rotations (B, K, 3, 3) of the K requested bodies."""
        batch = qpos.shape[0]
        dq = qpos - self.qpos0.to(qpos.dtype)
        pos = {0: qpos.new_zeros(batch, 3)}
        rot = {0: torch.eye(3, dtype=qpos.dtype, device=qpos.device).expand(batch, 3, 3)}
        for b in self.order:
            p = self.parent[b]
            body_pos, body_rot = self.body_pos[b].to(qpos.dtype), self.body_rot[b].to(qpos.dtype)
            x = pos[p] + rot[p] @ body_pos
            r = rot[p] @ body_rot
            for j in self.joints[b]:
                axis, anchor_local = self.jnt_axis[j].to(qpos.dtype), self.jnt_pos[j].to(qpos.dtype)
                angle = dq[:, self.jnt_qadr[j]]
                if self.jnt_slide[j]:
                    x = x + (r @ axis) * angle[:, None]
                else:  # hinge: rotate about the axis through the joint anchor
                    anchor = x + r @ anchor_local
                    r = r @ axis_angle_matrix(axis, angle)
                    x = anchor - r @ anchor_local
            pos[b], rot[b] = x, r
        return (torch.stack([pos[b] for b in self.bodies], 1), torch.stack([rot[b] for b in self.bodies], 1))


_SUPPORTED = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))
