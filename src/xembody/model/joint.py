"""The embodiment-specific baseline: actions in one hand's joint space instead of particle motion.

The object side is ours (object -> object kNN edges, pooled node, rigid head); the hand enters only as
a global code of its joint positions and joint deltas (wrist position taken relative to the object
centroid, so the model stays translation invariant). It can only run on hands with the same joints it
was trained on: the width of its action is the hand's dof. That is what particle actions avoid.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from xembody.errors import XembodyError
from xembody.graph import knn_within
from xembody.model.base import Prediction, StepBatch, WorldModel, masked_mean
from xembody.model.mlp import mlp
from xembody.model.ours import EdgeBlock, edge_geometry
from xembody.model.rigid import project_rigid


@dataclass(frozen=True)
class JointConfig:
    dof: int = 0  # the hand's joints incl. the 6-DoF wrist; 0: take it from the training data
    radius: float = 0.04
    k_object: int = 8
    hidden: int = 64
    steps: int = 3
    rigid_head: bool = True
    joint_scale: float = 0.05  # rad or m: a typical joint change per 0.1 s step
    output_scale: float = 0.01  # m


class JointModel(WorldModel):
    name = "joint"

    def __init__(self, cfg: JointConfig = JointConfig()):
        super().__init__()
        if cfg.dof < 7:
            raise XembodyError(f"a joint-space model needs the hand's dof (wrist 6 + joints), got {cfg.dof}")
        self.cfg = cfg
        h = cfg.hidden
        self.encode_obj = mlp([4, h, h])
        self.encode_action = mlp([2 * cfg.dof, h, h])
        self.obj_edges = nn.ModuleList(EdgeBlock(h, 4) for _ in range(cfg.steps))
        self.pooled = nn.ModuleList(nn.Linear(h, h) for _ in range(cfg.steps))
        self.update = nn.ModuleList(mlp([4 * h, h, h]) for _ in range(cfg.steps))
        self.decode = mlp([h, h, 3])

    def forward(self, scene: StepBatch, obj_next: torch.Tensor | None = None) -> Prediction:
        cfg, s = self.cfg, scene
        if s.qpos is None or s.qpos.shape[-1] != cfg.dof:
            got = "none" if s.qpos is None else s.qpos.shape[-1]
            raise XembodyError(
                f"this joint-space model acts on a hand with dof {cfg.dof}; the data has {got}"
            )
        centre = masked_mean(s.obj, s.obj_mask)
        wrist = (s.qpos[:, :3] - centre[:, 0]) / cfg.radius
        action = torch.cat([wrist, s.qpos[:, 3:], (s.qpos_next - s.qpos) / cfg.joint_scale], -1)
        g = self.encode_action(action)[:, None]  # (B, 1, H)
        flag = s.rigid.to(s.obj.dtype)[:, None, None].expand(-1, s.obj.shape[1], 1)
        h_obj = self.encode_obj(torch.cat([(s.obj - centre) / cfg.radius, flag], -1)) + g
        oo = knn_within(s.obj, s.obj, cfg.radius, cfg.k_object, s.obj_mask, s.obj_mask, exclude_self=True)
        e_oo = edge_geometry(s.obj, s.obj, oo, cfg.radius)
        for i in range(cfg.steps):
            pooled = self.pooled[i](masked_mean(h_obj, s.obj_mask)).expand_as(h_obj)
            msg = self.obj_edges[i](h_obj, h_obj, e_oo, oo)
            h_obj = h_obj + self.update[i](torch.cat([h_obj, msg, pooled, g.expand_as(h_obj)], -1))
        pred = self.integrate(s, self.decode(h_obj))
        if cfg.rigid_head:
            pred = project_rigid(s.obj, pred, s.obj_mask, s.rigid)
        return Prediction(pred)
