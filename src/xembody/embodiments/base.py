"""The abstract embodiment: a hand as a set of surface particles moved by its joints."""

from __future__ import annotations

import abc

import numpy as np
import torch

from xembody.errors import XembodyError


class Embodiment(abc.ABC):
    """A hand, robot or human, seen as `n_points` surface particles that move with its joints.

    Two spaces describe a pose:
      * joint space `qpos` (dof,) = 6 wrist coordinates (x, y, z slides, then x, y, z hinges) + hand joints;
      * control space `ctrl` (n_ctrl,) = the 6 wrist coordinates + the hand's actuators. This is the
        planning space. For a fully actuated hand it equals joint space; for a coupled hand (tendons,
        linkages, equality constraints) `ctrl_to_qpos` maps it to the joint positions MuJoCo settles at.
    """

    name: str
    joint_names: tuple[str, ...]
    ctrl_names: tuple[str, ...]
    link_names: tuple[str, ...]
    source: str

    @property
    def dof(self) -> int:
        """Joint-space dimension: 6 wrist + hand joints."""
        return len(self.joint_names)

    @property
    def n_ctrl(self) -> int:
        """Control (planning) space dimension: 6 wrist + hand actuators."""
        return len(self.ctrl_names)

    @property
    @abc.abstractmethod
    def qpos_limits(self) -> np.ndarray:
        """(dof, 2) lower and upper joint limits."""

    @property
    @abc.abstractmethod
    def ctrl_limits(self) -> np.ndarray:
        """(n_ctrl, 2) lower and upper control limits."""

    @property
    @abc.abstractmethod
    def default_qpos(self) -> np.ndarray:
        """(dof,) a neutral pose: the hand open, above the table."""

    @property
    @abc.abstractmethod
    def default_ctrl(self) -> np.ndarray:
        """(n_ctrl,) the controls that hold `default_qpos`."""

    @property
    @abc.abstractmethod
    def point_link(self) -> np.ndarray:
        """(Nh,) index into `link_names` of the link each particle is attached to."""

    @property
    @abc.abstractmethod
    def local_points(self) -> np.ndarray:
        """(Nh, 3) particle coordinates in their link's frame."""

    @property
    def n_points(self) -> int:
        return len(self.point_link)

    @abc.abstractmethod
    def points(self, qpos: torch.Tensor) -> torch.Tensor:
        """Particles in the world frame, (B, dof) -> (B, Nh, 3); differentiable w.r.t. qpos."""

    @abc.abstractmethod
    def ctrl_to_qpos(self, ctrl: torch.Tensor) -> torch.Tensor:
        """Map controls to the joint positions they hold the hand at, (B, n_ctrl) -> (B, dof)."""

    def points_np(self, qpos: np.ndarray) -> np.ndarray:
        """Numpy convenience: (dof,) -> (Nh, 3) or (B, dof) -> (B, Nh, 3), float32."""
        q = np.asarray(qpos, dtype=np.float32)
        batched = q.ndim == 2
        with torch.inference_mode():
            out = self.points(torch.from_numpy(q if batched else q[None])).numpy()
        return out if batched else out[0]

    def check_qpos(self, qpos: torch.Tensor) -> torch.Tensor:
        """Validate a batch of joint positions: shape (B, dof) and finite."""
        return check_batch(qpos, self.dof, f"{self.name} qpos")

    def check_ctrl(self, ctrl: torch.Tensor) -> torch.Tensor:
        """Validate a batch of controls: shape (B, n_ctrl) and finite."""
        return check_batch(ctrl, self.n_ctrl, f"{self.name} ctrl")


def check_batch(x: torch.Tensor, width: int, what: str) -> torch.Tensor:
    """Raise a one-line XembodyError unless `x` is a finite (B, width) floating tensor."""
    if not isinstance(x, torch.Tensor):
        raise XembodyError(f"{what}: expected a torch.Tensor of shape (B, {width}), got {type(x).__name__}")
    if x.ndim != 2 or x.shape[1] != width:
        raise XembodyError(f"{what}: expected shape (B, {width}), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise XembodyError(f"{what}: expected a floating-point tensor, got {x.dtype}")
    if not torch.isfinite(x).all():
        bad = (~torch.isfinite(x)).nonzero()[0].tolist()
        raise XembodyError(f"{what}: contains NaN or Inf (first at batch {bad[0]}, column {bad[1]})")
    return x
