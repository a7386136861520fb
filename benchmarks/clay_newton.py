#!/usr/bin/env python
# ruff: noqa: E402, E501, E731, B905  (a standalone measurement script, run in its own venv)
"""Measure Newton's implicit MPM (SolverImplicitMPM, Warp CPU backend) as a clay engine.

Runs in the project's venv (`pip install 'xembody[mpm]'`: `.venv/bin/python benchmarks/clay_newton.py`) or
in any venv holding newton==1.8.0, warp-lang, numpy, scipy (and mujoco for --driver mujoco), e.g.

    python3 -m venv /tmp/nvenv
    /tmp/nvenv/bin/pip install newton==1.8.0 warp-lang mujoco==4.0.0 numpy scipy
    OMP_NUM_THREADS=1 /tmp/nvenv/bin/python benchmarks/clay_newton.py                 # press, 1,152 particles
    OMP_NUM_THREADS=1 /tmp/nvenv/bin/python benchmarks/clay_newton.py --spacing 0.0044 # 2,560 particles
    OMP_NUM_THREADS=1 /tmp/nvenv/bin/python benchmarks/clay_newton.py --primitive pinch
    OMP_NUM_THREADS=1 /tmp/nvenv/bin/python benchmarks/clay_newton.py --driver mujoco  # tools posed by MuJoCo

Scene: table plane at z=0 and a ~7 x 7 x 4.5 cm block (cubic lattice, one particle per grid cell,
voxel = spacing; the block is rounded to whole cells) resting on it. Kinematic capsules (r 7 mm,
4 cm cylinder):

  press: one horizontal capsule (axis along y) over the top centre descends --depth (1.5 cm)
         over 0.5 s, holds 0.3 s, rises 2.5 cm over 0.5 s; then 0.5 s settling.
  pinch: two vertical capsules at mid-height, 1 mm off the +-x faces, move in --depth each over
         0.5 s, hold 0.3 s, retreat over 0.5 s; then 0.5 s settling.

A 0.2 s --pre-settle with the tools clear runs first; "before" is the cloud after it.
Material: rigid-plastic (E >= 1e12: Newton skips elasticity), von Mises-like (mpm:friction 0),
yield stress 1e4 Pa, compressive yield 1e6 Pa, tensile 1% of that, no hardening.

Defaults differ from Newton's on purpose (each measured with this script, see --help):
  integration_scheme="gimp"   point ("pic") quadrature at 1 particle/cell lets the block compact
                              ~4 mm / 9% under gravity alone before any contact;
  collider_basis="pic27"      grid ("S2") contacts hold material ~1 voxel off colliders, so the
                              rising finger lifts the whole block 1-2 mm off the table and it stays;
  collider margin = spacing/2 particle centres otherwise rest half a particle inside the table;
  collider_velocity="backward" with end-of-step poses, as a MuJoCo loop stepped first provides
                              (the groove springs back less than with "forward");
  project_outside each step   otherwise the finger sinks into the clay (dent ~4 mm instead of ~13).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import warp as wp

wp.config.quiet = True  # before newton imports/initialises Warp

import newton
from newton.solvers import SolverImplicitMPM
from scipy.spatial import ConvexHull, cKDTree

from clay_metrics import shape_distance  # benchmarks/clay_metrics.py, the same measure as clay_mujoco.py

BLOCK = (0.07, 0.07, 0.045)  # block size [m]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--primitive", choices=["press", "pinch"], default="press")
    p.add_argument(
        "--spacing", type=float, default=0.0058, help="particle spacing [m] (0.0058 -> 1,152 particles)"
    )
    p.add_argument(
        "--voxel", type=float, default=0.0, help="MPM voxel size [m]; 0 = spacing (1 particle per cell)"
    )
    p.add_argument("--iterations", type=int, default=100, help="rheology solver max iterations per step")
    p.add_argument("--tolerance", type=float, default=1e-5)
    p.add_argument("--rate", type=float, default=60.0, help="solver steps per simulated second [Hz]")
    p.add_argument("--E", type=float, default=1e15, help="Young's modulus [Pa]; >= 1e12 = rigid-plastic")
    p.add_argument("--nu", type=float, default=0.3, help="Poisson ratio (elastic only)")
    p.add_argument("--yield-stress", type=float, default=1e4, help="deviatoric yield stress [Pa]")
    p.add_argument("--yield-pressure", type=float, default=1e6, help="compressive yield pressure [Pa]")
    p.add_argument("--tensile-ratio", type=float, default=0.01, help="tensile / compressive yield pressure")
    p.add_argument("--internal-friction", type=float, default=0.0, help="mpm:friction (Drucker-Prager slope)")
    p.add_argument("--density", type=float, default=1600.0, help="clay density [kg/m^3]")
    p.add_argument("--finger-friction", type=float, default=0.5)
    p.add_argument("--table-friction", type=float, default=1.0)
    p.add_argument("--finger-radius", type=float, default=0.007)
    p.add_argument("--finger-length", type=float, default=0.04, help="capsule cylinder length [m]")
    p.add_argument("--depth", type=float, default=0.015, help="press depth / pinch travel per side [m]")
    p.add_argument("--pre-settle", type=float, default=0.2, help="settling before 'before' snapshot [s]")
    p.add_argument(
        "--sim-seconds", type=float, default=0.0, help="override total scripted time after pre-settle"
    )
    p.add_argument("--strain-basis", default="P0")
    p.add_argument(
        "--collider-basis",
        default="pic27",
        help="pic27: particle contacts (Newton default S2 = grid contacts, which lift the block off "
        "the table and keep it ~1 voxel above colliders)",
    )
    p.add_argument("--transfer", choices=["apic", "pic"], default="apic")
    p.add_argument(
        "--integration",
        choices=["gimp", "pic"],
        default="gimp",
        help="gimp: particle-domain quadrature (no spurious compaction at 1 particle/cell); "
        "pic: point quadrature (compacts ~4 mm / 9%% under gravity at 1 particle/cell)",
    )
    p.add_argument(
        "--collider-margin",
        type=float,
        default=-1.0,
        help="collider surface offset [m] for table and fingers; -1 = spacing/2 so particle "
        "centres stay half a particle out of the surface (0 = particles sink h/2 into the table)",
    )
    p.add_argument(
        "--warmstart",
        default="particles",
        help="none|particles|grid|smoothed (grid/smoothed reported to blow up; untested here)",
    )
    p.add_argument(
        "--collider-velocity",
        choices=["forward", "backward"],
        default="backward",
        help="forward: collider velocity from state.body_qd; backward: finite difference of body_q",
    )
    p.add_argument(
        "--driver",
        choices=["newton", "mujoco"],
        default="newton",
        help="newton: kinematic add_body capsules posed directly; mujoco: the same capsules as MJCF "
        "bodies with slide joints, imported with ModelBuilder.add_mjcf and posed each step from "
        "MuJoCo (qpos -> mj_kinematics -> xpos/xquat -> state.body_q), as a hand would be",
    )
    p.add_argument("--no-project-outside", action="store_true", help="skip solver.project_outside each step")
    p.add_argument("--emd-points", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", default="", help="optional .npz path for the initial/before/hold/after clouds")
    p.add_argument("--device", default="cpu")
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- scene


def block_particles(spacing):
    """Cubic lattice, one particle per cell of side `spacing`, cells aligned with the MPM grid (origin 0)."""
    n = [max(2, round(L / spacing)) for L in BLOCK]
    lo = [-(k // 2) * spacing for k in n[:2]] + [0.0]
    axes = [lo[i] + (np.arange(k) + 0.5) * spacing for i, k in enumerate(n)]
    pts = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    # centre the block on x=y=0 (shifts by half a cell when a count is odd; grid alignment wins)
    return pts.astype(np.float32), spacing**3, [k * spacing for k in n]


def quat_axis_angle(axis, angle):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    s = np.sin(0.5 * angle)
    return np.array([axis[0] * s, axis[1] * s, axis[2] * s, np.cos(0.5 * angle)])  # x, y, z, w (Warp order)


def piecewise(t, knots):
    """knots: list of (time, value); linear between, clamped outside. Returns (value, d value / dt)."""
    ts = np.array([k[0] for k in knots])
    vs = np.array([k[1] for k in knots])
    if t <= ts[0]:
        return vs[0], 0.0
    if t >= ts[-1]:
        return vs[-1], 0.0
    i = int(np.searchsorted(ts, t, side="right")) - 1
    rate = (vs[i + 1] - vs[i]) / (ts[i + 1] - ts[i])
    return vs[i] + rate * (t - ts[i]), rate


class Script:
    """Kinematic collider trajectories; t is the time after the pre-settle phase."""

    def __init__(self, args, lo, hi):
        self.args = args
        top = hi[2]
        r, d = args.finger_radius, args.depth
        t_in, t_hold, t_out, t_settle = 0.5, 0.3, 0.5, 0.5
        T = [0.0, t_in, t_in + t_hold, t_in + t_hold + t_out]
        self.duration = T[-1] + t_settle
        self.release_time = T[-1]
        self.hold_end = T[2]
        if args.primitive == "press":
            # capsule bottom starts 1 mm above the top, ends `depth` below it, rises 2.5 cm above the start
            z0 = top + r + 0.001
            self.knots = [[(T[0], z0), (T[1], z0 - d - 0.001), (T[2], z0 - d - 0.001), (T[3], z0 + 0.025)]]
            rot = quat_axis_angle((1, 0, 0), 0.5 * np.pi)  # capsule local z -> world y (horizontal)
            self.rots = [rot]
            self.half_height = 0.5 * args.finger_length
        else:
            zmid = 0.5 * top
            self.zc = zmid
            # capsule surfaces start 1 mm off the -x / +x faces and end `depth` inside them
            self.knots = [
                [
                    (T[0], face + s * (r + 0.001)),
                    (T[1], face + s * (r - d)),
                    (T[2], face + s * (r - d)),
                    (T[3], face + s * (r + 0.011)),
                ]
                for s, face in ((-1.0, lo[0]), (1.0, hi[0]))
            ]
            self.rots = [np.array([0.0, 0.0, 0.0, 1.0])] * 2  # vertical: capsule axis = world z
            # keep the lower cap 2 mm clear of the table
            self.half_height = min(0.5 * args.finger_length, zmid - r - 0.002)

    @property
    def n(self):
        return len(self.knots)

    def pose(self, t):
        q = np.zeros((self.n, 7), np.float32)
        qd = np.zeros((self.n, 6), np.float32)
        for i, kn in enumerate(self.knots):
            v, rate = piecewise(t, kn)
            if self.args.primitive == "press":
                pos, vel = (0.0, 0.0, v), (0.0, 0.0, rate)
            else:
                pos, vel = (v, 0.0, self.zc), (rate, 0.0, 0.0)
            q[i, :3] = pos
            q[i, 3:] = self.rots[i]
            qd[i, :3] = vel  # newton spatial_vector = (linear, angular)
        return q, qd

    def mjcf(self, margin):
        """The tools as an MJCF string: one body per capsule with a slide joint along its motion axis."""
        r, hh, a = self.args.finger_radius, self.half_height, self.args
        q0, _ = self.pose(0.0)
        bodies = []
        for i in range(self.n):
            x, y, z = q0[i, :3]
            qx, qy, qz, qw = self.rots[i]
            axis = "0 0 1" if a.primitive == "press" else "1 0 0"
            bodies.append(
                f'<body name="finger{i}" pos="{x} {y} {z}"><joint name="slide{i}" type="slide" axis="{axis}"/>'
                f'<geom type="capsule" size="{r} {hh}" quat="{qw} {qx} {qy} {qz}" margin="{margin}" '
                f'friction="{a.finger_friction} 0.005 0.0001"/></body>'
            )
        return f'<mujoco model="clay_tools"><worldbody>{"".join(bodies)}</worldbody></mujoco>'

    def slide_qpos(self, t):
        """MuJoCo slide-joint positions (displacement from the t=0 pose along each joint axis)."""
        q, q0 = self.pose(t)[0], self.pose(0.0)[0]
        k = 2 if self.args.primitive == "press" else 0
        return (q[:, k] - q0[:, k]).astype(np.float64)

    def segments(self, t):
        """Capsule axis segments (a, b) in world frame at time t."""
        q, _ = self.pose(t)
        out = []
        for i in range(self.n):
            c = q[i, :3].astype(float)
            ax = np.array([0, 1.0, 0]) if self.args.primitive == "press" else np.array([0, 0, 1.0])
            out.append((c - self.half_height * ax, c + self.half_height * ax))
        return out


def dist_to_segment(p, a, b):
    ab = b - a
    t = np.clip(((p - a) @ ab) / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


# ----------------------------------------------------------------------------- metrics


class DensityGrid:
    """Tent-kernel particle density (support +-h per axis) on a shared grid of cell h/sub.

    On a lattice of spacing h the density is exactly 1 inside and crosses 0.5 half a spacing beyond
    the outermost particle centres, so the 0.5 level set recovers the initial block exactly; clumping
    or voids show up as volume change. Kernel smoothing makes the top surface robust to the lateral
    drift of individual particles (a per-column max-z heightmap is not).
    """

    def __init__(self, clouds, h, sub=4):
        self.h, self.g = h, h / sub
        lo = np.min([c.min(0) for c in clouds], axis=0)
        hi = np.max([c.max(0) for c in clouds], axis=0)
        self.origin = (
            np.floor(lo / h) - 3.0
        ) * h + 0.5 * self.g  # node = sub-cell centre of the global h grid
        self.shape = tuple(np.ceil((hi + 3.0 * h - self.origin) / self.g).astype(int) + 1)
        k = 2 * sub + 2
        self.offs = np.stack(np.meshgrid(*[np.arange(k)] * 3, indexing="ij"), -1).reshape(-1, 3)

    def occupancy(self, pts):
        pts = np.asarray(pts, np.float64)
        nodes = np.floor((pts - self.h - self.origin) / self.g).astype(np.int64)[:, None, :] + self.offs[None]
        w = np.clip(1.0 - np.abs(self.origin + nodes * self.g - pts[:, None, :]) / self.h, 0.0, None).prod(-1)
        flat = np.ravel_multi_index(nodes.reshape(-1, 3).T, self.shape)
        dens = np.bincount(flat, weights=w.ravel(), minlength=int(np.prod(self.shape))).reshape(self.shape)
        return dens >= 0.5

    def volume(self, occ):
        return float(occ.sum() * self.g**3)

    def top(self, occ):
        """2D array: height of the top surface per grid column (0 where the column is empty)."""
        k = occ.shape[2] - 1 - np.argmax(occ[:, :, ::-1], axis=2)
        z = self.origin[2] + (k + 0.5) * self.g
        return np.where(occ.any(axis=2), np.maximum(z, 0.0), 0.0)

    def axis_coords(self, i):
        return self.origin[i] + np.arange(self.shape[i]) * self.g

    def particle_top(self, pts, radius=0.75):
        """Top surface from raw particles: per grid column, max z (+h/2) of particles within radius*h in xy.

        Sharper than the smoothed level set (used for the dent depths); NaN where no particle is near.
        """
        pts = np.asarray(pts, np.float64)
        X, Y = np.meshgrid(self.axis_coords(0), self.axis_coords(1), indexing="ij")
        cols = np.stack([X.ravel(), Y.ravel()], -1)
        top = np.full(len(cols), np.nan)
        for c, idx in enumerate(cKDTree(pts[:, :2]).query_ball_point(cols, radius * self.h)):
            if idx:
                top[c] = pts[idx, 2].max() + 0.5 * self.h
        return top.reshape(X.shape)

    def dent(self, top_before, top_after, dist, axis_x=0.0, half_len=0.015):
        """Mean (before - after) top height over columns with ||x - axis_x| - dist| <= h/2 and |y| < half_len."""
        x, y = self.axis_coords(0) - axis_x, self.axis_coords(1)
        sel = (np.abs(np.abs(x) - dist) <= 0.5 * self.h)[:, None] & (np.abs(y) < half_len)[None, :]
        d = (top_before - top_after)[sel]
        d = d[np.isfinite(d)]
        return float(d.mean()) if d.size else float("nan")


# ----------------------------------------------------------------------------- main


def main(argv=None):
    args = parse_args(argv)
    wp.init()
    wp.set_device(args.device)

    pts, pvol, dims = block_particles(args.spacing)
    h = args.spacing
    voxel = args.voxel if args.voxel > 0 else h
    top0 = dims[2]
    margin = 0.5 * h if args.collider_margin < 0 else args.collider_margin

    builder = newton.ModelBuilder(up_axis=newton.Axis.Z, gravity=(0.0, 0.0, -9.81))
    SolverImplicitMPM.register_custom_attributes(builder)  # mpm:* per-particle / per-shape attributes
    builder.add_ground_plane(cfg=newton.ModelBuilder.ShapeConfig(mu=args.table_friction, margin=margin))
    n = len(pts)
    builder.add_particles(
        pos=[tuple(map(float, p)) for p in pts],
        vel=[(0.0, 0.0, 0.0)] * n,
        mass=[args.density * pvol] * n,
        radius=[0.5 * h] * n,
    )
    script = Script(args, pts.min(0) - 0.5 * h, pts.max(0) + 0.5 * h)
    if args.driver == "newton":
        finger_cfg = newton.ModelBuilder.ShapeConfig(density=0.0, mu=args.finger_friction, margin=margin)
        fingers = []
        for k in range(script.n):
            b = builder.add_body(is_kinematic=True, label=f"finger{k}")
            builder.add_shape_capsule(
                b, radius=args.finger_radius, half_height=script.half_height, cfg=finger_cfg
            )
            fingers.append(b)
    else:
        import mujoco

        xml = script.mjcf(margin)
        mj_model = mujoco.MjModel.from_xml_string(xml)
        mj_data = mujoco.MjData(mj_model)
        # geoms keep their MJCF margin (Newton shape_margin = margin - gap) and friction (mu); geoms
        # get ShapeFlags.COLLIDE_PARTICLES by default, which is what the MPM collider discovery uses
        builder.add_mjcf(xml, floating=False)
        labels = [lab.split("/")[-1] for lab in builder.body_label]
        mj_ids = [
            mujoco.mj_name2id(mj_model, mujoco.mjtObj.mjOBJ_BODY, f"finger{k}") for k in range(script.n)
        ]
        fingers = [labels.index(f"finger{k}") for k in range(script.n)]
        args.collider_velocity = (
            "backward"  # velocity from the pose change; MuJoCo is stepped first (lookahead)
        )
    model = builder.finalize(device=args.device)

    m = model.mpm
    m.young_modulus.fill_(args.E)
    m.poisson_ratio.fill_(args.nu)
    m.yield_stress.fill_(args.yield_stress)
    m.yield_pressure.fill_(args.yield_pressure)
    m.tensile_yield_ratio.fill_(args.tensile_ratio)
    m.friction.fill_(args.internal_friction)
    m.hardening.fill_(0.0)  # Newton's hardening is volumetric (Jp-based): off for clay
    m.dilatancy.fill_(0.0)

    cfg = SolverImplicitMPM.Config()
    cfg.voxel_size = voxel
    cfg.max_iterations = args.iterations
    cfg.tolerance = args.tolerance
    cfg.grid_type = "sparse"
    cfg.max_active_cell_count = -1  # must stay -1 on CPU (per-step sparse grid allocation)
    cfg.strain_basis = args.strain_basis
    cfg.collider_basis = args.collider_basis
    cfg.transfer_scheme = args.transfer
    cfg.integration_scheme = args.integration
    cfg.warmstart_mode = args.warmstart
    cfg.collider_velocity_mode = args.collider_velocity  # "forward" reads state.body_qd
    solver = SolverImplicitMPM(model, cfg)

    state = model.state()
    dt = 1.0 / args.rate

    if args.driver == "mujoco":
        # add_mjcf bodies are dynamic: zero their effective mass so MPM treats them as kinematic colliders
        solver.setup_collider(body_mass=wp.zeros_like(model.body_mass), body_q=state.body_q)

    def set_colliders(t):
        if args.driver == "mujoco":
            # what a hand loop does: advance MuJoCo to the end of the MPM step, copy body poses
            mj_data.qpos[:] = script.slide_qpos(t if t < 0 else t + dt)
            mujoco.mj_kinematics(mj_model, mj_data)
            bq = state.body_q.numpy()
            for nid, mid in zip(fingers, mj_ids):
                w, x, y, z = mj_data.xquat[mid]  # MuJoCo (w, x, y, z) -> Warp (x, y, z, w)
                bq[nid] = (*mj_data.xpos[mid], x, y, z, w)
            state.body_q.assign(bq)
            return
        # forward: pose at the step start + analytic velocity; backward: pose at the step end (the solver
        # differences it against the previous pose), matching a MuJoCo loop that is stepped first
        q, qd = script.pose(t if t < 0 or args.collider_velocity == "forward" else t + dt)
        bq = state.body_q.numpy()
        bqd = state.body_qd.numpy()
        bq[fingers] = q
        bqd[fingers] = qd
        state.body_q.assign(bq)
        state.body_qd.assign(bqd)

    # park the tool(s) well clear during the pre-settle
    set_colliders(-1.0)
    solver.reset(state)  # refreshes the previous-collider-pose cache from state.body_q

    max_speed = 0.0
    step_times = []

    def advance(t):
        nonlocal max_speed
        set_colliders(t)
        t0 = time.perf_counter()
        solver.step(state, state, None, None, dt)
        if not args.no_project_outside:
            solver.project_outside(state, state, dt)  # stops particles sinking into colliders
        qd = state.particle_qd.numpy()  # also synchronises
        step_times.append(time.perf_counter() - t0)
        max_speed = max(max_speed, float(np.linalg.norm(qd, axis=1).max()))

    initial = state.particle_q.numpy().copy()
    n_pre = int(round(args.pre_settle * args.rate))
    for _ in range(n_pre):
        advance(-1.0)
    before = state.particle_q.numpy().copy()
    pre_max_speed = max_speed

    duration = args.sim_seconds if args.sim_seconds > 0 else script.duration
    n_main = int(round(duration * args.rate))
    hold = None
    for s in range(n_main):
        advance(s * dt)
        if hold is None and (s + 1) * dt >= script.hold_end - 1e-9:
            hold = state.particle_q.numpy().copy()  # tool at full depth
    if hold is None:
        hold = state.particle_q.numpy().copy()
    after = state.particle_q.numpy().copy()
    final_speed = float(np.linalg.norm(state.particle_qd.numpy(), axis=1).max())

    if args.save:
        np.savez(args.save, initial=initial, before=before, hold=hold, after=after, spacing=h)

    # ---- metrics
    warm = step_times[2:] if len(step_times) > 4 else step_times  # skip first steps (lazy kernel loading)
    wall_per_sim_s = float(np.mean(warm)) * args.rate
    grid = DensityGrid([initial, before, hold, after], h)
    occ = {
        k: grid.occupancy(v)
        for k, v in (("initial", initial), ("before", before), ("hold", hold), ("after", after))
    }
    vol = {k: grid.volume(o) for k, o in occ.items()}
    top = {k: grid.top(o) for k, o in occ.items()}
    hull = {k: ConvexHull(v).volume for k, v in (("initial", initial), ("before", before), ("after", after))}
    x_c = 0.5 * (pts[:, 0].min() + pts[:, 0].max())  # finger axis (press) / mid-plane between pinch fingers
    dists = (0.0, 0.02, 0.03)
    ptop = {k: grid.particle_top(v) for k, v in (("before", before), ("hold", hold), ("after", after))}
    dents = {d: grid.dent(ptop["before"], ptop["after"], d, x_c) for d in dists}
    dents_hold = {d: grid.dent(ptop["before"], ptop["hold"], d, x_c) for d in dists}
    top_before = float(top["before"].max())
    near_tool = np.zeros(n, bool)
    for a, b in script.segments(duration):
        near_tool |= dist_to_segment(after.astype(float), a, b) < args.finger_radius + h
    lifted = after[:, 2] > top_before + h
    x, y = grid.axis_coords(0), grid.axis_coords(1)
    centre = (np.abs(x - x_c) < 0.025)[:, None] & (np.abs(y) < 0.025)[None, :]
    slump = float(top["initial"][centre].mean() - top["before"][centre].mean())
    pct = lambda a, b: 100.0 * (a / b - 1.0)

    print(
        f"primitive={args.primitive} particles={n} spacing={h * 1e3:.2f}mm voxel={voxel * 1e3:.2f}mm "
        f"rate={args.rate:g}Hz iters={args.iterations} E={args.E:g} yield={args.yield_stress:g}Pa "
        f"p_yield={args.yield_pressure:g} tensile={args.tensile_ratio:g} mu_int={args.internal_friction:g} "
        f"integration={args.integration} strain={args.strain_basis} collider={args.collider_basis} "
        f"margin={margin * 1e3:.2f}mm project_outside={not args.no_project_outside} driver={args.driver} "
        f"collider_velocity={args.collider_velocity}"
    )
    print(
        f"steps={len(step_times)} (pre {n_pre}, main {n_main}) sim={len(step_times) * dt:.2f}s "
        f"wall={sum(step_times):.1f}s first_step={step_times[0]:.2f}s wall_per_sim_s={wall_per_sim_s:.1f}"
    )
    print(f"pre-settle slump (central 5x5 cm top): {1e3 * slump:.2f} mm, max speed {pre_max_speed:.3f} m/s")
    lab = "finger axis" if args.primitive == "press" else "mid-plane between fingers (negative = ridge rises)"
    fmt = lambda dd: ", ".join(f"{1e2 * d:.0f}cm {1e3 * v:+.1f}mm" for d, v in dd.items())
    print(f"dent (top before - after, |y|<1.5cm) vs distance from {lab}: {fmt(dents)}")
    print(
        f"  same at end of hold (tool in): {fmt(dents_hold)}; volume[iso] {pct(vol['hold'], vol['before']):+.1f}%"
    )
    if args.primitive == "pinch":
        z = grid.axis_coords(2)
        band = occ["before"], occ["after"]
        rows = (np.abs(y) < 0.005)[:, None] & (np.abs(z - 0.5 * top0) < 0.0025)[None, :]
        width = [float(o.transpose(1, 2, 0)[rows].sum(-1).mean() * grid.g) for o in band]
        print(
            f"pinch: width at mid-height (|y|<5mm) {1e3 * width[0]:.1f} -> {1e3 * width[1]:.1f} mm; "
            f"centre top {1e3 * top['before'][centre].mean():.1f} -> "
            f"{1e3 * top['after'][(np.abs(x - x_c) < 0.005)[:, None] & (np.abs(y) < 0.01)[None, :]].mean():.1f} mm; "
            f"max top {1e3 * top_before:.1f} -> {1e3 * float(top['after'].max()):.1f} mm"
        )
    print(
        f"C+E={shape_distance(before, after, args.emd_points, args.seed):.4f} m "
        f"(Chamfer + EMD over {args.emd_points} of the same material points: benchmarks/clay_metrics.py)"
    )
    disp = np.linalg.norm(after - before, axis=1)
    bottom = before[:, 2] < h  # bottom layer resting on the table
    print(
        f"particle displacement mean={1e3 * disp.mean():.2f}mm max={1e3 * disp.max():.1f}mm "
        f"(>2cm: {int((disp > 0.02).sum())}); bottom layer lift-off from table: "
        f"mean {1e3 * (after[bottom, 2] - before[bottom, 2]).mean():+.2f}mm max {1e3 * (after[bottom, 2] - before[bottom, 2]).max():+.2f}mm"
    )
    print(
        f"volume[iso] before={1e6 * vol['before']:.1f}cm3 after={1e6 * vol['after']:.1f}cm3 "
        f"change={pct(vol['after'], vol['before']):+.1f}% (vs initial {pct(vol['after'], vol['initial']):+.1f}%); "
        f"heightmap change={pct(top['after'].sum(), top['before'].sum()):+.1f}%; "
        f"hull change={pct(hull['after'], hull['before']):+.1f}%"
    )
    print(
        f"max particle speed={max_speed:.3f} m/s (final {final_speed:.4f} m/s) "
        f"finite={bool(np.isfinite(after).all())} below_table={int((after[:, 2] < -0.5 * h).sum())}"
    )
    print(
        f"stuck: within r+spacing of final tool pose={int(near_tool.sum())}, above before-top+spacing={int(lifted.sum())}"
    )


if __name__ == "__main__":
    main()
