"""Reference geometry for tests: the distance from a point to a MuJoCo geom's surface, computed
independently of the sampling code (analytic for primitives, exact point-triangle distance for meshes)."""

import mujoco
import numpy as np
import trimesh

from xembody.embodiments.kinematics import quat_to_matrix
from xembody.embodiments.sampling import link_geoms

G = mujoco.mjtGeom


def surface_distance(model: mujoco.MjModel, g: int, p: np.ndarray) -> np.ndarray:
    """Unsigned distance from points `p` (N, 3) in geom g's frame to its surface: (N,)."""
    t, s = int(model.geom_type[g]), model.geom_size[g]
    if t == G.mjGEOM_SPHERE:
        return np.abs(np.linalg.norm(p, axis=1) - s[0])
    if t == G.mjGEOM_CAPSULE:
        z = np.clip(p[:, 2], -s[1], s[1])
        return np.abs(np.linalg.norm(p - np.stack([0 * z, 0 * z, z], 1), axis=1) - s[0])
    if t == G.mjGEOM_BOX:
        return np.abs(_box_sdf(p, s))
    if t == G.mjGEOM_CYLINDER:
        d = np.stack([np.linalg.norm(p[:, :2], axis=1) - s[0], np.abs(p[:, 2]) - s[1]], 1)
        return np.abs(np.minimum(d.max(1), 0) + np.linalg.norm(np.maximum(d, 0), axis=1))
    if t == G.mjGEOM_ELLIPSOID:  # first-order distance to the level set |p / s| = 1
        q = p / s
        r = np.linalg.norm(q, axis=1)
        grad = np.linalg.norm(q / s, axis=1) / np.maximum(r, 1e-12)
        return np.abs(r - 1) / grad
    if t == G.mjGEOM_MESH:
        m = model.geom_dataid[g]
        v = model.mesh_vert[model.mesh_vertadr[m] : model.mesh_vertadr[m] + model.mesh_vertnum[m]]
        f = model.mesh_face[model.mesh_faceadr[m] : model.mesh_faceadr[m] + model.mesh_facenum[m]]
        tri = v[f]  # (F, 3, 3)
        out = np.empty(len(p))
        for i, x in enumerate(p):
            closest = trimesh.triangles.closest_point(tri, np.repeat(x[None], len(tri), 0))
            out[i] = np.linalg.norm(closest - x, axis=1).min()
        return out
    raise NotImplementedError(t)


def particle_offsets(hand) -> dict[str, float]:
    """For each link of an `MjcfHand`, how far its farthest particle lies from the link's collision geoms'
    surface (m)."""
    m, out = hand.model, {}
    for i, body in enumerate(hand.link_ids):
        local = hand.local_points[hand.point_link == i].astype(np.float64)
        dist = np.full(len(local), np.inf)
        for g in link_geoms(m, body, "collision"):
            in_geom = (local - m.geom_pos[g]) @ quat_to_matrix(m.geom_quat[g])  # body -> geom frame
            dist = np.minimum(dist, surface_distance(m, g, in_geom))
        out[hand.link_names[i]] = float(dist.max())
    return out


def _box_sdf(p: np.ndarray, half: np.ndarray) -> np.ndarray:
    q = np.abs(p) - half
    return np.linalg.norm(np.maximum(q, 0), axis=1) + np.minimum(q.max(1), 0)
