"""Surface particles for a hand: uniform-by-area samples on each link's geoms, then farthest-point sampling.

Follows the paper: a fixed number of points per link (128), sampled uniformly on the link's surface, then
FPS over the whole hand down to N. Every point keeps its link-local coordinates, so FK moves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import fpsample
import mujoco
import numpy as np
import trimesh

from xembody.embodiments.kinematics import quat_to_matrix
from xembody.errors import XembodyError

GeomSet = Literal["collision", "visual", "all"]

_G = mujoco.mjtGeom


@dataclass(frozen=True)
class ParticleConfig:
    """How hand particles are made; `n_points` defaults to the paper's count for pushing."""

    n_points: int = 50
    per_link: int = 128
    geoms: GeomSet = "collision"
    seed: int = 0


def geom_mesh(model: mujoco.MjModel, g: int) -> trimesh.Trimesh | None:
    """The surface of geom `g` in its own frame; None for geoms without a closed surface (planes)."""
    t, size = model.geom_type[g], model.geom_size[g]
    if t == _G.mjGEOM_MESH:
        m = model.geom_dataid[g]
        v0, nv = model.mesh_vertadr[m], model.mesh_vertnum[m]
        f0, nf = model.mesh_faceadr[m], model.mesh_facenum[m]
        return trimesh.Trimesh(model.mesh_vert[v0 : v0 + nv], model.mesh_face[f0 : f0 + nf], process=False)
    if t == _G.mjGEOM_BOX:
        return trimesh.creation.box(extents=2 * size)
    if t == _G.mjGEOM_SPHERE:
        return trimesh.creation.icosphere(subdivisions=4, radius=size[0])
    if t == _G.mjGEOM_ELLIPSOID:
        sphere = trimesh.creation.icosphere(subdivisions=4, radius=1.0)
        return trimesh.Trimesh(sphere.vertices * size, sphere.faces, process=False)
    if t == _G.mjGEOM_CAPSULE:
        return trimesh.creation.capsule(height=2 * size[1], radius=size[0], count=[48, 48])
    if t == _G.mjGEOM_CYLINDER:
        return trimesh.creation.cylinder(radius=size[0], height=2 * size[1], sections=96)
    return None


def is_collision(model: mujoco.MjModel, g: int) -> bool:
    return bool(model.geom_contype[g] or model.geom_conaffinity[g])


def link_geoms(model: mujoco.MjModel, body: int, which: GeomSet) -> list[int]:
    """Geoms of `body` that make up its surface for particle sampling."""
    out = []
    for g in range(model.body_geomadr[body], model.body_geomadr[body] + model.body_geomnum[body]):
        if int(model.geom_type[g]) in (int(_G.mjGEOM_PLANE), int(_G.mjGEOM_HFIELD)):
            continue
        if which == "all" or (which == "collision") == is_collision(model, g):
            out.append(g)
    return out


def link_surface(model: mujoco.MjModel, body: int, which: GeomSet) -> trimesh.Trimesh | None:
    """All sampled geoms of `body`, merged into one mesh in the body frame."""
    parts = []
    for g in link_geoms(model, body, which):
        mesh = geom_mesh(model, g)
        if mesh is None:
            continue
        verts = mesh.vertices @ quat_to_matrix(model.geom_quat[g]).T + model.geom_pos[g]
        parts.append(trimesh.Trimesh(verts, mesh.faces, process=False))
    if not parts:
        return None
    return trimesh.util.concatenate(parts)


def sample_hand_points(
    model: mujoco.MjModel, bodies: list[int], cfg: ParticleConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Sample particles on the given links.

    Returns:
        local: (N, 3) float32 link-local coordinates; link: (N,) index into `bodies`.
    """
    rng = np.random.default_rng(cfg.seed)
    local, link = [], []
    for i, b in enumerate(bodies):
        surface = link_surface(model, b, cfg.geoms)
        if surface is None or surface.area <= 0:
            continue
        pts, _ = trimesh.sample.sample_surface(surface, cfg.per_link, seed=rng.integers(2**31))
        local.append(pts)
        link.append(np.full(len(pts), i))
    if not local:
        raise XembodyError(f"model has no {cfg.geoms} geoms with a surface to sample particles on")
    local_all, link_all = np.concatenate(local), np.concatenate(link)
    if cfg.n_points > len(local_all):
        raise XembodyError(
            f"n_points={cfg.n_points} exceeds the {len(local_all)} candidate surface points; raise per_link"
        )
    world = world_points_at_rest(model, bodies, local_all, link_all)
    idx = fpsample.fps_sampling(world, cfg.n_points, start_idx=int(rng.integers(len(world))))
    idx = np.sort(idx)  # keep points grouped by link
    return local_all[idx].astype(np.float32), link_all[idx].astype(np.int64)


def world_points_at_rest(model: mujoco.MjModel, bodies: list[int], local: np.ndarray, link: np.ndarray):
    """Link-local points placed in the world at the model's reference pose (qpos0), for FPS."""
    data = mujoco.MjData(model)
    mujoco.mj_kinematics(model, data)
    ids = np.asarray(bodies)[link]
    rot = data.xmat[ids].reshape(-1, 3, 3)
    return np.einsum("nij,nj->ni", rot, local) + data.xpos[ids]
