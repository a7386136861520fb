"""Plasticine simulated by Newton's implicit MPM (Warp), driven by the MuJoCo scene's hand.

Why MPM (docs/clay.md): MuJoCo flex clay presses broad dishes; MPM clay keeps a finger-width groove (14 mm
under a 1.5 cm press, 1 mm at 2 cm) and pinched ridges, at ~7 s wall per simulated second on one core.

The coupling is one-way: MuJoCo simulates the hand (its servos, the table), and after every MPM period the
hand's body poses become kinematic colliders of the MPM solver; the clay does not push the hand back (a
stiff position-controlled hand on clay that yields at 1e4 Pa). Every collision geom of the hand becomes a
collider shape (boxes, spheres, capsules, cylinders, ellipsoids, meshes), built from the compiled MuJoCo
model, so any hand file works. The object's particles are a fixed FPS subset of the material points, so
they correspond across frames as the data contract asks.

Needs `pip install 'xembody[mpm]'` (newton, warp-lang); settings from the measurements in docs/clay.md:
rigid-plastic (Newton skips elasticity for E >= 1e12), `gimp` integration, `pic27` collider basis,
collider margins of half a particle spacing, poses given at the end of each step ("backward" velocities)
and particles projected out of colliders every step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import fpsample
import mujoco
import numpy as np

from xembody.errors import XembodyError
from xembody.sim.objects import ObjectKind, SceneObject

if TYPE_CHECKING:
    from xembody.sim.worlds import World

# Per-particle solver state besides positions and velocities (plastic history, APIC gradients, stress).
_HISTORY = (
    "particle_elastic_strain",
    "particle_transform",
    "particle_qd_grad",
    "particle_stress",
    "particle_Jp",
)
os.environ.setdefault("WARP_CACHE_PATH", os.path.join(os.path.expanduser("~"), ".cache", "warp"))


@dataclass(frozen=True)
class MpmConfig:
    size: tuple[float, float, float] = (0.07, 0.07, 0.045)  # m, the paper's lump
    spacing: float = 0.0058  # m between particles (one per MPM cell): ~1,150 particles
    rate: float = 125.0  # MPM steps per simulated second (a multiple of MuJoCo's 500 Hz: 4 substeps)
    iterations: int = 100  # rheology solver iterations per step
    yield_stress: float = 1e4  # Pa
    yield_pressure: float = 1e6  # Pa, compressive
    tensile_ratio: float = 0.01  # tensile / compressive yield
    density: float = 1600.0  # kg/m^3
    friction: float = 0.5  # hand-clay
    table_friction: float = 1.0
    position_noise: float = 0.02  # m, random shift of the lump per episode


def _newton():
    try:
        import warp as wp

        wp.config.log_level = wp.LOG_ERROR  # before Newton initialises Warp: no kernel-load chatter
        import newton
    except ImportError:
        raise XembodyError("MPM plasticine needs Newton: pip install 'xembody[mpm]'") from None
    return newton, wp


class MpmPlasticine(SceneObject):
    """A lump of MPM clay on the table; particles: an FPS subset of its material points."""

    kind: ObjectKind = "deformable"
    external = True

    def __init__(self, name: str = "plasticine_mpm", cfg: MpmConfig = MpmConfig()):
        self.name, self.cfg = name, cfg
        n = [max(2, round(s / cfg.spacing)) for s in cfg.size]
        lo = [-(k / 2) * cfg.spacing for k in n[:2]] + [0.0]
        axes = [lo[i] + (np.arange(k) + 0.5) * cfg.spacing for i, k in enumerate(n)]
        self._rest = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)  # (P, 3)
        self._extent = np.array(n) * cfg.spacing

    def _materials(self, world: World) -> MpmPlasticine:
        return MpmPlasticine(self.name, replace(self.cfg, **world.overrides("clay_")))

    # --- SceneObject --------------------------------------------------------------------------------------
    def add_to(self, spec: mujoco.MjSpec) -> None:
        """Nothing in MuJoCo: the clay lives in the MPM solver."""

    @property
    def substeps(self) -> int:
        """MuJoCo steps per MPM step (set in `bind`)."""
        return self._substeps

    def bind(self, model: mujoco.MjModel, n_points: int, seed: int) -> None:
        cfg = self.cfg
        if n_points > len(self._rest):
            raise ValueError(f"MPM plasticine has {len(self._rest)} particles; cannot take {n_points}")
        start = int(np.random.default_rng(seed).integers(len(self._rest)))
        self._idx = np.sort(fpsample.fps_sampling(self._rest, n_points, start_idx=start)).astype(np.int64)
        self._substeps = max(1, round(1.0 / (cfg.rate * model.opt.timestep)))
        self._dt = self._substeps * model.opt.timestep
        self._build(model)

    def _build(self, model: mujoco.MjModel) -> None:
        newton, wp = _newton()
        from newton.solvers import SolverImplicitMPM

        cfg, h = self.cfg, self.cfg.spacing
        margin = 0.5 * h
        builder = newton.ModelBuilder(up_axis=newton.Axis.Z, gravity=(0.0, 0.0, -9.81))
        SolverImplicitMPM.register_custom_attributes(builder)
        builder.add_ground_plane(cfg=newton.ModelBuilder.ShapeConfig(mu=cfg.table_friction, margin=margin))
        n = len(self._rest)
        builder.add_particles(
            pos=[tuple(map(float, p)) for p in self._rest],
            vel=[(0.0, 0.0, 0.0)] * n,
            mass=[cfg.density * h**3] * n,
            radius=[0.5 * h] * n,
        )
        shape_cfg = newton.ModelBuilder.ShapeConfig(density=0.0, mu=cfg.friction, margin=margin)
        self._bodies: list[int] = []  # MuJoCo body ids, in Newton body order
        for b in range(1, model.nbody):
            geoms = [
                g
                for g in range(model.body_geomadr[b], model.body_geomadr[b] + model.body_geomnum[b])
                if model.geom_contype[g] or model.geom_conaffinity[g]
            ]
            if model.body_geomnum[b] == 0 or not geoms:
                continue
            nb = builder.add_body(is_kinematic=True, label=model.body(b).name or f"body{b}")
            for g in geoms:
                _add_shape(builder, nb, model, g, shape_cfg, newton, wp)
            self._bodies.append(b)
        if not self._bodies:
            raise XembodyError("MPM plasticine: the hand has no collision geoms to press the clay with")
        self._model = builder.finalize(device="cpu")
        m = self._model.mpm
        m.young_modulus.fill_(1e15)  # rigid-plastic: Newton skips elasticity
        m.poisson_ratio.fill_(0.3)
        m.yield_stress.fill_(cfg.yield_stress)
        m.yield_pressure.fill_(cfg.yield_pressure)
        m.tensile_yield_ratio.fill_(cfg.tensile_ratio)
        m.friction.fill_(0.0)
        m.hardening.fill_(0.0)  # Newton's hardening is volumetric: none for clay
        m.dilatancy.fill_(0.0)
        sc = SolverImplicitMPM.Config()
        sc.voxel_size = h
        sc.max_iterations = cfg.iterations
        sc.tolerance = 1e-5
        sc.grid_type = "sparse"
        sc.max_active_cell_count = -1  # a fixed capacity makes CPU cost follow it
        sc.strain_basis = "P0"
        sc.collider_basis = "pic27"
        sc.transfer_scheme = "apic"
        sc.integration_scheme = "gimp"
        sc.warmstart_mode = "particles"
        sc.collider_velocity_mode = "backward"
        self._solver = SolverImplicitMPM(self._model, sc)
        self._state = self._model.state()
        self._wp = wp

    def _set_colliders(self, data: mujoco.MjData) -> None:
        q = self._state.body_q.numpy()
        for i, b in enumerate(self._bodies):
            w, x, y, z = data.xquat[b]
            q[i] = (*data.xpos[b], x, y, z, w)  # MuJoCo (w, x, y, z) -> Warp (x, y, z, w)
        self._state.body_q.assign(q)

    def randomize(self, model: mujoco.MjModel, data: mujoco.MjData, rng: np.random.Generator | None) -> None:
        """The lump at rest, shifted by a random offset (none without `rng`). The solver restarts when the
        scene places the hand next (`teleported`)."""
        noise = self.cfg.position_noise
        shift = np.array([*(np.zeros(2) if rng is None else rng.uniform(-noise, noise, 2)), 0.0])
        wp = self._wp
        self._state.particle_q.assign(wp.array((self._rest + shift).astype(np.float32), dtype=wp.vec3))
        self._state.particle_qd.zero_()
        mujoco.mj_kinematics(model, data)
        self._set_colliders(data)
        self._solver.setup_collider(body_mass=wp.zeros_like(self._model.body_mass), body_q=self._state.body_q)

    def teleported(self, model: mujoco.MjModel, data: mujoco.MjData) -> None:
        """Colliders where the hand now is, and the solver's previous poses with them: a placed hand has no
        velocity (else the first step sees metres per second and flings the clay)."""
        self._set_colliders(data)
        self._solver.reset(self._state)

    def save(self) -> dict[str, np.ndarray]:
        """The material points' positions, velocities and plastic history (host copies)."""
        st = self._state
        out = {"q": st.particle_q.numpy().copy(), "qd": st.particle_qd.numpy().copy()}
        out.update({k: getattr(st.mpm, k).numpy().copy() for k in _HISTORY})
        return out

    def restore(self, saved: dict[str, np.ndarray], model: mujoco.MjModel, data: mujoco.MjData) -> None:
        """Back to `saved`; the solver's warm starts are cleared (they only speed up its iterations) and its
        colliders start where the hand is now, at rest."""
        st = self._state
        st.particle_q.assign(saved["q"])
        st.particle_qd.assign(saved["qd"])
        self.teleported(model, data)
        for k in _HISTORY:  # after the solver's reset, which clears the particle history
            getattr(st.mpm, k).assign(saved[k])

    def advance(self, model: mujoco.MjModel, data: mujoco.MjData) -> None:
        """One MPM step with the hand where MuJoCo has it now (the end of the step)."""
        self._set_colliders(data)
        self._solver.step(self._state, self._state, None, None, self._dt)
        self._solver.project_outside(self._state, self._state, self._dt)

    def all_points(self) -> np.ndarray:
        """Every material point, (P, 3) float64."""
        return self._state.particle_q.numpy().astype(np.float64)

    def points(self, data: mujoco.MjData) -> np.ndarray:
        return self.all_points()[self._idx]

    def surface(self, data: mujoco.MjData) -> np.ndarray:
        """Every material point (the camera's z-buffer keeps the outer ones), (P, 3)."""
        return self.all_points()

    def touching(self, hand_points: np.ndarray) -> bool:
        """Whether any hand particle is within a particle spacing of the clay."""
        from scipy.spatial import cKDTree

        gap = cKDTree(self.all_points()).query(hand_points, k=1)[0]
        return bool(gap.min() < self.cfg.spacing)

    @property
    def height(self) -> float:
        return float(self._extent[2])

    @property
    def radius(self) -> float:
        return 0.5 * float(np.hypot(self._extent[0], self._extent[1]))


def _add_shape(builder, body: int, model: mujoco.MjModel, g: int, cfg, newton, wp) -> None:
    """MuJoCo geom g as a Newton collider shape on `body`, in the body's frame."""
    w, x, y, z = model.geom_quat[g]
    xform = wp.transform(wp.vec3(*model.geom_pos[g]), wp.quat(x, y, z, w))
    s, t = model.geom_size[g], model.geom_type[g]
    G = mujoco.mjtGeom
    if t == G.mjGEOM_BOX:
        builder.add_shape_box(body, xform=xform, hx=s[0], hy=s[1], hz=s[2], cfg=cfg)
    elif t == G.mjGEOM_SPHERE:
        builder.add_shape_sphere(body, xform=xform, radius=s[0], cfg=cfg)
    elif t == G.mjGEOM_CAPSULE:
        builder.add_shape_capsule(body, xform=xform, radius=s[0], half_height=s[1], cfg=cfg)
    elif t == G.mjGEOM_CYLINDER:
        builder.add_shape_cylinder(body, xform=xform, radius=s[0], half_height=s[1], cfg=cfg)
    elif t == G.mjGEOM_ELLIPSOID:
        builder.add_shape_ellipsoid(body, xform=xform, rx=s[0], ry=s[1], rz=s[2], cfg=cfg)
    elif t == G.mjGEOM_MESH:
        m = model.geom_dataid[g]
        v0, nv = model.mesh_vertadr[m], model.mesh_vertnum[m]
        f0, nf = model.mesh_faceadr[m], model.mesh_facenum[m]
        mesh = newton.Mesh(
            model.mesh_vert[v0 : v0 + nv].copy(), model.mesh_face[f0 : f0 + nf].reshape(-1).copy()
        )
        builder.add_shape_mesh(body, xform=xform, mesh=mesh, cfg=cfg)
    # planes, heightfields and SDFs do not occur in hands
