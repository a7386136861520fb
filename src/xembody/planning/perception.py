"""Perception the planner does on what a camera sees: from a partial, noisy, unordered cloud to the object
particles the world model was trained on.

* Rigid objects: a template (the object's particles at a known pose: the goal's, on a robot also the
  object's mesh) is registered to the observed cloud without correspondences: point-to-point ICP in the
  table's plane (x, y, yaw: the object rests flat), from the observed points to their nearest template
  particles (densified by midpoints), started from the previous estimate (at the first frame, from the
  clouds' centroids and several yaws, the best fit kept). The planner is given the template's particles at
  that pose: every particle, in the model's (and the goal's) order, so the corresponding-particle cost
  and the primitives' placement (centre, top, near side) work as on full state. A turn by the object's
  symmetry (half a turn for a box) cannot be seen: the estimate takes the turn nearest the goal.
* Deformable objects (clay): no template, but clay rests on the table and is shaped from above, so the
  seen top surface says where it is: the cloud is binned into columns (`Completion.cell`, about the
  model's particle spacing), each column's height is a high quantile of its points (side-face points
  and noise pull it both ways), columns the hand hides inside the seen footprint take their nearest seen
  column's height, and every column is filled from the table up; farthest-point sampling then gives the
  model's particle count (`complete`). Resampling the seen points alone (`resample`) gave the upper,
  camera-facing skin, which the model never saw in training and whose Chamfer + EMD to any goal is
  biased high (docs/planning.md has both against the simulator's particles).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import fpsample
import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from xembody.errors import ObjectLost, XembodyError
from xembody.goals import Goal
from xembody.observation import Observation

OBSERVE = ("full", "camera")  # what the planner is given: the simulator's particles, or a camera's view


def check_observe(observe: str) -> str:
    if observe not in OBSERVE:
        raise XembodyError(f"unknown observation {observe!r}; choose one of: {', '.join(OBSERVE)}")
    return observe


@dataclass(frozen=True)
class RegistrationConfig:
    iterations: int = 40  # ICP iterations per start
    restarts: int = 8  # first frame: yaws tried, evenly over a full turn
    trim: float = 1.0  # share of the nearest pairs each iteration fits (< 1 where the cloud has clutter;
    # on the box, trimming 10-20% let a fit turned 90 degrees win: its misses are the trimmed pairs)
    tolerance: float = 1e-6  # m and rad: an iteration moving less than this has converged
    min_points: int = 10  # fewer seen points than this: keep the previous estimate
    densify: int = 1  # rounds of `densify` on the particles before fitting
    lost: float = 0.008  # m: a tracked fit whose mean residual exceeds this (~3x a good fit's) starts afresh


@dataclass(frozen=True)
class Registration:
    """The particles' pose on the table relative to where they were given: turned by `yaw` (rad) about
    the registration's centre, then moved by `shift` (2,) m; `points` (No, 3): the particles there;
    `residual`: the mean distance of the observed points to the (densified) particles there, m."""

    yaw: float
    shift: np.ndarray
    points: np.ndarray
    residual: float


def transform(points: np.ndarray, yaw: float, shift: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Points (N, 3) turned by `yaw` about `centre` (2,) in the plane and moved by `shift` (2,)."""
    ca, sa = np.cos(yaw), np.sin(yaw)
    xy = (points[:, :2] - centre) @ np.array([[ca, sa], [-sa, ca]]) + centre + shift
    return np.concatenate([xy, points[:, 2:]], 1)


def densify(points: np.ndarray, k: int = 6) -> np.ndarray:
    """Surface particles (N, 3) and the midpoints to their k nearest neighbours, (about (k / 2 + 1) N, 3):
    a denser template (observed points pair with a nearer surface point; chords across an edge cut in a
    few mm)."""
    _, j = cKDTree(points).query(points, k + 1)
    pairs = np.unique(
        np.sort(np.stack([np.repeat(np.arange(len(points)), k), j[:, 1:].ravel()], 1), 1), axis=0
    )
    return np.concatenate([points, 0.5 * (points[pairs[:, 0]] + points[pairs[:, 1]])])


def icp(
    observed: np.ndarray,
    template: np.ndarray,
    centre: np.ndarray,
    yaw: float,
    shift: np.ndarray,
    cfg: RegistrationConfig,
) -> tuple[float, np.ndarray, float]:
    """Point-to-point ICP in the plane from (yaw, shift) about `centre` (2,): each observed point (M, 3) is
    paired with its nearest template point (T, 3), the nearest `trim` of the pairs are fitted by a 2-D
    Kabsch. Returns (yaw, shift, mean distance of every pair at the end)."""
    c = centre
    keep = max(3, int(cfg.trim * len(observed)))
    for _ in range(cfg.iterations):
        moved = transform(template, yaw, shift, c)
        d, j = cKDTree(moved).query(observed)
        best = np.argsort(d)[:keep]
        src, dst = moved[j[best], :2], observed[best, :2]
        sc, dc = src.mean(0), dst.mean(0)
        h = (src - sc).T @ (dst - dc)
        da = np.arctan2(h[0, 1] - h[1, 0], h[0, 0] + h[1, 1])
        # The turn by da about sc, composed with the current pose (a turn about c, then the shift).
        ca, sa = np.cos(da), np.sin(da)
        rot = np.array([[ca, -sa], [sa, ca]])
        new_shift = rot @ (c + shift - sc) + dc - c
        step = abs(da) + np.linalg.norm(new_shift - shift)
        yaw, shift = yaw + da, new_shift
        if step < cfg.tolerance:
            break
    d, _ = cKDTree(transform(template, yaw, shift, c)).query(observed)
    return float(yaw), shift, float(d.mean())  # every pair: trimmed pairs hide a wrong fit's misses


def register(
    observed: np.ndarray,
    particles: np.ndarray,
    previous: Registration | None = None,
    symmetry: float = 2 * np.pi,
    centre: np.ndarray | None = None,
    cfg: RegistrationConfig = RegistrationConfig(),
) -> Registration:
    """The object's particles (No, 3), as at a known pose, registered to the observed points (M, 3): from
    `previous`, or at the first frame (and where tracking ends with a mean residual above `cfg.lost`)
    from the centroids and `cfg.restarts` yaws (the best fit kept). The
    turn is about `centre` (2,) (default: the particles' centroid; give the object's origin, its centre
    of symmetry) and kept within half a `symmetry` of the particles' own (a box turned half a turn looks
    the same)."""
    observed = np.asarray(observed, dtype=np.float64)
    if len(observed) < cfg.min_points:
        if previous is None:
            raise ObjectLost(f"the camera sees {len(observed)} points of the object: too few to register")
        return previous
    template = particles
    centre = particles.mean(0)[:2] if centre is None else np.asarray(centre, dtype=np.float64)
    for _ in range(cfg.densify):
        template = densify(template)
    fit = None
    if previous is not None:  # track from the last estimate ...
        fit = icp(observed, template, centre, previous.yaw, previous.shift, cfg)
    if fit is None or fit[2] > cfg.lost:  # ... unless there is none or it lost the object: every start
        shift = observed.mean(0)[:2] - particles.mean(0)[:2]
        yaws = np.arange(cfg.restarts) * 2 * np.pi / cfg.restarts
        fits = [icp(observed, template, centre, y, shift, cfg) for y in yaws] + ([fit] if fit else [])
        fit = min(fits, key=lambda f: f[2])
    yaw, shift, residual = fit
    wrapped = (yaw + symmetry / 2) % symmetry - symmetry / 2
    if not np.isclose(wrapped, yaw):  # the symmetric twin, refitted (`centre` may not be the symmetry's)
        yaw, shift, residual = icp(observed, template, centre, wrapped, shift, cfg)
    return Registration(yaw, shift, transform(particles, yaw, shift, centre), residual)


def resample(points: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n of the points (M, 3) by farthest-point sampling; all of them and random repeats where M < n."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) >= n:
        return points[np.sort(fpsample.fps_sampling(points, n, start_idx=0))]
    extra = np.random.default_rng(seed).integers(len(points), size=n - len(points))
    return np.concatenate([points, points[extra]])


@dataclass(frozen=True)
class Completion:
    """How a clay's seen surface becomes a solid (`complete`). The table is the plane z = 0."""

    cell: float = 0.0058  # m, a column's side: about the model's particles' spacing (one per MPM cell)
    quantile: float = 0.9  # of a column's seen heights: its top (0.5-0.9 measured within 0.0005)
    min_points: int = 10  # fewer seen points than this: the clay is lost


def complete(seen: np.ndarray, n: int, cfg: Completion = Completion()) -> np.ndarray:
    """A clay's seen points (M, 3) as n points filling it (n, 3): columns from the table up to the seen top
    (module docstring). Raises ObjectLost where fewer than `cfg.min_points` points are seen."""
    seen = np.asarray(seen, dtype=np.float64)
    if len(seen) < cfg.min_points:
        raise ObjectLost(f"the camera sees {len(seen)} points of the clay: too few to complete it")
    h = cfg.cell
    lo = seen[:, :2].min(0) - h  # a free ring of cells round the footprint, for the closing below
    ij = np.floor((seen[:, :2] - lo) / h).astype(np.int64)
    cells, which = np.unique(ij, axis=0, return_inverse=True)
    which = which.reshape(-1)
    grid = tuple(ij.max(0) + 2)
    top = np.zeros(grid)
    xy = np.zeros((*grid, 2))
    for k, (i, j) in enumerate(cells):
        mine = which == k
        top[i, j] = np.quantile(seen[mine, 2], cfg.quantile)
        xy[i, j] = seen[mine, :2].mean(0)  # where the column's points are, not the cell's centre
    have = np.zeros(grid, dtype=bool)
    have[cells[:, 0], cells[:, 1]] = True
    # Cells the hand hides inside the seen footprint: filled, with their nearest seen cell's height.
    foot = ndimage.binary_fill_holes(ndimage.binary_closing(have)) | have
    near = ndimage.distance_transform_edt(~have, return_distances=False, return_indices=True)
    top = top[tuple(near)]
    centres = lo + (np.indices(grid).transpose(1, 2, 0) + 0.5) * h
    xy = np.where(have[..., None], xy, centres)
    columns = []
    for i, j in np.argwhere(foot):
        z = np.arange(h / 2, max(top[i, j], h / 2) + 1e-9, h)  # layers as the material's: half a cell up
        columns.append(np.column_stack([np.broadcast_to(xy[i, j], (len(z), 2)), z]))
    return resample(np.concatenate(columns), n)


class Perception:
    """Observations with a camera's partial cloud -> observations with the model's particles (No, 3).

    Args:
        goal: the goal: its particles are the rigid template (at the goal's pose) and give No.
        rigid: register the template (rigid objects) or complete the clay from its seen surface.
        cfg: the registration's settings.
        completion: the clay's.
    """

    def __init__(
        self,
        goal: Goal,
        rigid: bool,
        cfg: RegistrationConfig = RegistrationConfig(),
        completion: Completion = Completion(),
    ):
        self.goal, self.rigid, self.cfg, self.completion = goal, rigid, cfg, completion
        self.last: Registration | None = None

    def __call__(self, obs: Observation) -> Observation:
        n = len(self.goal.points)
        if not self.rigid:
            return replace(obs, object_points=complete(obs.object_points, n, self.completion))
        g = self.goal
        centre = None if g.pose is None else g.pose[:2]  # the object's origin: a box's centre of symmetry
        self.last = register(obs.object_points, g.points, self.last, g.symmetry, centre, self.cfg)
        return replace(obs, object_points=self.last.points)

    def pose(self) -> np.ndarray:
        """The registered rigid object's pose (position, quaternion (w, x, y, z); (7,)), from the goal's."""
        if self.last is None or self.goal.pose is None:
            raise XembodyError("no pose yet: a rigid goal with a pose, and one observation, are needed")
        g, r = self.goal, self.last
        xy = g.pose[:2] + r.shift  # the turn is about the goal's origin
        yaw, z = g.pose[2] + r.yaw, float(r.points[:, 2].mean())
        return np.array([xy[0], xy[1], z, np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)])


class PerceivingPlanner:
    """A planner given the camera's view: each observation goes through `Perception` first."""

    def __init__(self, planner, perception: Perception):
        self.planner, self.perception = planner, perception
        self.poses: list[np.ndarray] = []  # rigid objects: the registered pose (7,) at each update

    def update(self, obs: Observation):
        seen = self.perception(obs)
        if self.perception.rigid and self.perception.goal.pose is not None:
            self.poses.append(self.perception.pose())
        return self.planner.update(seen)
