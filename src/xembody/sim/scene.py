"""A MuJoCo scene: table at z = 0, a hand on its 6-DoF floating wrist, and one object.

The scene is built from the embodiment's own mounted spec, so its first `dof` joints and `n_ctrl` actuators
are the hand's, in the hand's order, and hand particles come from MuJoCo's link poses with the
embodiment's link-local points (the same particles the embodiment's torch FK gives).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
import torch

from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.mount import compile_spec
from xembody.errors import XembodyError
from xembody.observation import Observation
from xembody.sim.objects import GRIP_PRIORITY, RigidObject, SceneObject
from xembody.sim.worlds import WORLDS, World

TABLE_GEOM = "table"
# Particles moving faster than this (m per recorded step; 3 m/s at 10 Hz) mean the simulation diverged
# (e.g. an object squeezed between fingers and table); such episodes are redrawn, and rejected by validation.
MAX_PARTICLE_STEP = 0.3
CONTACT_EVERY = 10  # substeps between contact checks (20 ms at the default timestep)
_FULL = mujoco.mjtState.mjSTATE_FULLPHYSICS | mujoco.mjtState.mjSTATE_CTRL


@dataclass(frozen=True)
class SceneState:
    """A copy of a scene's simulation: MuJoCo's full physics state and controls, and an external object's
    engine state."""

    physics: np.ndarray
    external: object = None


@dataclass(frozen=True)
class PhysicsConfig:
    """Simulation rates: the control rate of recorded frames, physics substeps inside each."""

    control_hz: float = 10.0
    timestep: float = 0.002

    @property
    def substeps(self) -> int:
        n = round(1.0 / (self.control_hz * self.timestep))
        if n < 1 or not np.isclose(n * self.timestep * self.control_hz, 1.0):
            raise ValueError(
                f"control period 1/{self.control_hz} s is not a multiple of timestep {self.timestep}"
            )
        return n


class Scene:
    """Hand + object + table, stepped at the control rate.

    Args:
        hand: a mounted MJCF hand (any registered hand or MJCF file).
        obj: the manipulated object.
        physics: rates.
        n_object_points: object particles (paper: 100 box, 300 plasticine).
        seed: seed of the object particle sampling (fixed for a dataset, not per episode).
        world: the materials (`xembody.sim.worlds`): the table's friction here, the object's own
            (`SceneObject.in_world`).
    """

    def __init__(
        self,
        hand: MjcfHand,
        obj: SceneObject,
        physics: PhysicsConfig = PhysicsConfig(),
        n_object_points: int = 100,
        seed: int = 0,
        world: World = WORLDS["default"],
    ):
        obj = obj.in_world(world)
        self.hand, self.obj, self.physics, self.world = hand, obj, physics, world
        self._substeps = physics.substeps
        spec = hand.spec.copy()
        spec.modelname = f"{hand.name}_{obj.name}"
        spec.option.timestep = physics.timestep
        spec.option.gravity = [0.0, 0.0, -9.81]
        if obj.kind == "deformable":  # flex plasticity needs the discrete integrator ...
            spec.option.integrator = mujoco.mjtIntegrator.mjINT_DISCRETE
            if spec.option.solver == mujoco.mjtSolver.mjSOL_PGS:  # ... which has no PGS or noslip with flex
                spec.option.solver = mujoco.mjtSolver.mjSOL_NEWTON
            spec.option.noslip_iterations = 0
        spec.worldbody.add_geom(
            name=TABLE_GEOM, type=mujoco.mjtGeom.mjGEOM_PLANE, size=[1.0, 1.0, 0.05], rgba=[0.8, 0.8, 0.75, 1]
        )
        if world.table_friction is not None:
            spec.geom(TABLE_GEOM).friction[0] = world.table_friction
        if world.grip_friction is not None:  # the table outranks the object, which outranks the hand
            spec.geom(TABLE_GEOM).priority = GRIP_PRIORITY + 1
        spec.worldbody.add_light(pos=[0, 0, 1.5], dir=[0, 0, -1], diffuse=[0.8, 0.8, 0.8])
        spec.visual.global_.offwidth, spec.visual.global_.offheight = 640, 480
        obj.add_to(spec)
        self.spec = spec
        self.model = compile_spec(spec, f"{hand.name} in the {obj.name} scene")
        self.data = mujoco.MjData(self.model)
        m = self.model
        names = tuple(m.joint(j).name for j in range(hand.dof))
        assert names == hand.joint_names, "the hand's joints must come first in the scene"
        assert [m.body(b).name for b in hand.link_ids] == list(hand.link_names)  # same body ids
        hand_bodies = set(hand.link_ids) | {m.body("wrist").id}
        self._hand_geom = np.array([m.geom_bodyid[g] in hand_bodies for g in range(m.ngeom)])
        self._table = m.geom(TABLE_GEOM).id
        obj.bind(m, n_object_points, seed)
        self._ctrl_lo, self._ctrl_hi = hand.ctrl_limits.T

    # --- state ----------------------------------------------------------------------------------------
    def reset(self, rng: np.random.Generator | None) -> None:
        """Object randomly placed (`rng` None: the standard start, centred), hand at rest in its default
        pose."""
        mujoco.mj_resetData(self.model, self.data)
        self.obj.randomize(self.model, self.data, rng)
        self.set_hand(self.hand.default_ctrl)

    def place_object(self, pose: np.ndarray) -> None:
        """Put a rigid object at rest at pose (x, y, yaw) (3,) on the table (where a recording starts)."""
        if not isinstance(self.obj, RigidObject):
            raise XembodyError(f"only a rigid object can be placed at a pose, not {self.obj.name!r}")
        self.obj.place(self.data, np.asarray(pose, dtype=np.float64))
        mujoco.mj_forward(self.model, self.data)

    def set_hand(self, ctrl: np.ndarray) -> None:
        """Put the hand at rest where actuator targets `ctrl` (n_ctrl,) hold it."""
        ctrl = np.clip(np.asarray(ctrl, dtype=np.float64), self._ctrl_lo, self._ctrl_hi)
        with torch.no_grad():
            q = self.hand.ctrl_to_qpos(torch.as_tensor(ctrl[None])).numpy()[0]
        self.data.qpos[: self.hand.dof] = q
        self.data.qvel[: self.hand.dof] = 0.0
        self.data.ctrl[: self.hand.n_ctrl] = ctrl
        mujoco.mj_forward(self.model, self.data)
        if self.obj.external:  # the other engine must not see the jump as a hand moving at high speed
            self.obj.teleported(self.model, self.data)

    def step(self, ctrl: np.ndarray) -> bool:
        """Hold `ctrl` (n_ctrl,) (clipped to the actuator ranges) for one control period.

        Returns whether the hand touched the object during the period (checked every `CONTACT_EVERY`
        substeps: a push can make and break contact between two recorded frames).
        """
        self.data.ctrl[: self.hand.n_ctrl] = np.clip(ctrl, self._ctrl_lo, self._ctrl_hi)
        touched, left = False, self._substeps
        external = self.obj.external
        while left > 0:
            n = min(self.obj.substeps if external else CONTACT_EVERY, left)
            mujoco.mj_step(self.model, self.data, nstep=n)
            left -= n
            if external:  # the other engine catches up with the hand (poses after mj_step's integration)
                mujoco.mj_kinematics(self.model, self.data)
                self.obj.advance(self.model, self.data)
            touched = touched or self.in_contact()
        # mj_step leaves poses computed before its last integration: bring them up to the new qpos.
        mujoco.mj_kinematics(self.model, self.data)
        if self.model.nflex:
            mujoco.mj_flex(self.model, self.data)
        return touched

    def save(self) -> SceneState:
        """The whole simulation state (MuJoCo's and an external object's), for `restore`."""
        m, d = self.model, self.data
        physics = np.empty(mujoco.mj_stateSize(m, _FULL))
        mujoco.mj_getState(m, d, physics, _FULL)
        return SceneState(physics, self.obj.save() if self.obj.external else None)

    def restore(self, saved: SceneState) -> None:
        """Back to a `save`d state (the oracle rolls candidates out from the scene's own state)."""
        m, d = self.model, self.data
        mujoco.mj_setState(m, d, saved.physics, _FULL)
        mujoco.mj_forward(m, d)
        if self.obj.external:
            self.obj.restore(saved.external, m, d)

    def qpos(self) -> np.ndarray:
        """Hand joint positions incl. the wrist, (dof,)."""
        return self.data.qpos[: self.hand.dof].copy()

    def ctrl(self) -> np.ndarray:
        return self.data.ctrl[: self.hand.n_ctrl].copy()

    def hand_points(self) -> np.ndarray:
        """Hand particles from MuJoCo's link poses, (Nh, 3)."""
        return self.hand.points_in(self.data)

    def object_points(self) -> np.ndarray:
        """Object particles, (No, 3)."""
        return self.obj.points(self.data)

    def observe(self) -> Observation:
        """What a robot would report: targets in force, object particles, hand particles, joint positions."""
        return Observation(self.ctrl(), self.object_points(), self.hand_points(), self.qpos())

    def in_contact(self) -> bool:
        """Whether any hand geom touches the object (a rigid geom or the flex)."""
        if self.obj.external:
            return self.obj.touching(self.hand_points())
        d = self.data
        if d.ncon == 0:
            return False
        g = d.contact.geom[: d.ncon]
        is_hand = np.where(g >= 0, self._hand_geom[np.maximum(g, 0)], False)
        one_hand = is_hand[:, 0] != is_hand[:, 1]  # not hand-hand, not hand-free
        other = np.where(is_hand[:, 0], g[:, 1], g[:, 0])
        # Besides the hand, the scene holds only the table and the object (its geoms, or its flex: -1).
        return bool(np.any(one_hand & (other != self._table)))

    def unstable(
        self, object_points: np.ndarray | None = None, previous: np.ndarray | None = None
    ) -> str | None:
        """Why the simulation can no longer be trusted, or None.

        `object_points`: this state's particles, if known; `previous`: those of the last recorded frame.
        """
        d = self.data
        if not (np.isfinite(d.qpos).all() and np.isfinite(d.qvel).all()):
            return "non-finite state"
        pts = self.object_points() if object_points is None else object_points
        if not np.isfinite(pts).all():
            return "non-finite object particles"
        if (
            previous is not None
            and (jump := np.linalg.norm(pts - previous, axis=1).max()) > MAX_PARTICLE_STEP
        ):
            return f"object particles jumped {jump:.2f} m in one step"
        if pts[:, 2].min() < -0.02:
            return f"object fell through the table (z = {pts[:, 2].min():.3f} m)"
        if np.abs(pts[:, :2]).max() > 0.9:
            return "object left the table"
        return None
