"""Objects a hand manipulates: rigid shapes on a free joint, and an elasto-plastic flex block.

Each object knows how to add itself to a scene spec and where its particles are in a simulated state.
Rigid particles are sampled once on the body's surface (body frame) and moved by the body pose, so they
correspond across frames; plasticine particles are a fixed FPS subset of the flex's own vertices.
"""

from __future__ import annotations

import abc
import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import fpsample
import mujoco
import numpy as np

from xembody.embodiments.sampling import ParticleConfig, sample_hand_points
from xembody.errors import XembodyError

if TYPE_CHECKING:
    from xembody.sim.worlds import World

OBJECT_BODY = "object"
SURFACE_POINTS = 2000  # a rigid object's camera surface sample (the box: about one point per 4 mm)
FLEX_PREFIX = "object/"
ObjectKind = Literal["rigid", "deformable"]


# Geom priority of an object whose world sets the hand-object friction: above any hand file's (Robotiq's pads
# are 1), so the object's friction rules those contacts; the table ranks one higher still.
GRIP_PRIORITY = 10


class SceneObject(abc.ABC):
    """A manipulated object: built into a scene spec, observed as (No, 3) particles.

    An `external` object lives in another engine (MPM clay): the scene calls `advance` every `substeps`
    MuJoCo steps to bring it up to the hand's pose, and asks it whether the hand is `touching` it."""

    name: str
    kind: ObjectKind
    external: bool = False
    substeps: int = 0

    def advance(self, model: mujoco.MjModel, data: mujoco.MjData) -> None:
        """External objects: one step of their engine with the hand where `data` has it."""
        raise NotImplementedError(f"{self.name} lives in MuJoCo: the scene steps it")

    def teleported(self, model: mujoco.MjModel, data: mujoco.MjData) -> None:
        """External objects: the hand was put somewhere without moving there (`Scene.set_hand`)."""
        raise NotImplementedError(f"{self.name} lives in MuJoCo: it sees the hand where MuJoCo has it")

    def touching(self, hand_points: np.ndarray) -> bool:
        """External objects: whether the hand (particles (Nh, 3)) touches the object."""
        return False

    def save(self) -> object:
        """External objects: a copy of the engine's state, for `restore` (the MPM oracle's rollouts)."""
        raise NotImplementedError(f"{self.name} lives in MuJoCo: its state is MuJoCo's")

    def restore(self, saved: object, model: mujoco.MjModel, data: mujoco.MjData) -> None:
        """External objects: back to a `save`d state, with the hand (at rest) where `data` has it."""
        raise NotImplementedError(f"{self.name} lives in MuJoCo: its state is MuJoCo's")

    world: str = "default"  # whose materials it is made of (`in_world`)

    def in_world(self, world: World) -> SceneObject:
        """This object made of `world`'s materials (`xembody.sim.worlds`), the same shape: itself where it
        already is (so the default world leaves every object as it was), else a copy."""
        if world.name == self.world:
            return self
        if self.world != "default":
            raise XembodyError(f"{self.name} is made for the {self.world} world, not the {world.name} one")
        out = self._materials(world)
        out.world = world.name
        return out

    def _materials(self, world: World) -> SceneObject:
        """A copy of this default-world object with `world`'s materials."""
        raise XembodyError(f"{self.name} has no materials for the {world.name} world")

    @abc.abstractmethod
    def add_to(self, spec: mujoco.MjSpec) -> None:
        """Add the object's bodies/flex to `spec`, resting on the table at the origin."""

    @abc.abstractmethod
    def bind(self, model: mujoco.MjModel, n_points: int, seed: int) -> None:
        """Choose the object's particles in the compiled scene (fixed for the scene's life)."""

    @abc.abstractmethod
    def points(self, data: mujoco.MjData) -> np.ndarray:
        """Object particles in the world frame, (No, 3) float64."""

    def surface(self, data: mujoco.MjData) -> np.ndarray:
        """Points densely covering the object, world frame, (P, 3): what a camera looks at (a set other
        than the particles, and denser). Default: the particles themselves."""
        return self.points(data)

    @abc.abstractmethod
    def randomize(self, model: mujoco.MjModel, data: mujoco.MjData, rng: np.random.Generator | None) -> None:
        """Randomize the object's initial placement in `data` (after `mj_resetData`); `rng` None: the
        standard start (centred, unturned), where goal shapes are made."""

    @property
    @abc.abstractmethod
    def height(self) -> float:
        """Height of the object's top above the table at rest (m)."""

    @property
    @abc.abstractmethod
    def radius(self) -> float:
        """Half the object's largest horizontal extent (m): how far from its centre a hand must start."""


@dataclass(frozen=True)
class Part:
    """One primitive geom of a rigid object, in the object frame."""

    type: Literal["box", "cylinder"]
    size: tuple[float, ...]  # MuJoCo half-sizes (box: x, y, z; cylinder: radius, half-height)
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)


class RigidObject(SceneObject):
    """A rigid body on a free joint built from primitive parts; its frame sits on the table centre.

    Args:
        name: variant name (stored with episodes).
        parts: its geoms (centred at `pos`); the object rests on the table, lowest points at z = 0.
        mass: total mass (kg).
        position_noise: half-width (m) of the uniform initial xy offset.
        friction: sliding friction of its geoms.
    """

    kind: ObjectKind = "rigid"

    def __init__(
        self,
        name: str,
        parts: tuple[Part, ...],
        mass: float = 0.2,
        position_noise: float = 0.02,
        friction: float = 0.5,
    ):
        self.name, self.parts, self.mass, self.position_noise = name, parts, mass, position_noise
        self.friction = friction
        self.grip_friction: float | None = None  # set by a world (`World.grip_friction`)
        self._local: np.ndarray | None = None

    def _materials(self, world: World) -> RigidObject:
        out = copy.copy(self)
        out.mass = self.mass * world.rigid_mass_scale
        out.friction = self.friction if world.rigid_friction is None else world.rigid_friction
        out.grip_friction = world.grip_friction
        return out

    def add_to(self, spec: mujoco.MjSpec) -> None:
        body = spec.worldbody.add_body(name=OBJECT_BODY)
        body.add_freejoint(name="object_free")
        volumes = [self._volume(p) for p in self.parts]
        # A world's grip friction: the object outranks the hand, so its friction rules their contacts.
        grip = self.grip_friction is not None
        friction, priority = (self.grip_friction, GRIP_PRIORITY) if grip else (self.friction, 0)
        for part, vol in zip(self.parts, volumes, strict=True):
            body.add_geom(
                type=mujoco.mjtGeom.mjGEOM_BOX if part.type == "box" else mujoco.mjtGeom.mjGEOM_CYLINDER,
                size=list(part.size) + [0.0] * (3 - len(part.size)),
                pos=part.pos,
                mass=self.mass * vol / sum(volumes),
                friction=[friction, 0.005, 0.0001],
                priority=priority,
                rgba=[0.85, 0.45, 0.15, 1.0],
            )

    @staticmethod
    def _volume(p: Part) -> float:
        return (
            8 * p.size[0] * p.size[1] * p.size[2]
            if p.type == "box"
            else 2 * np.pi * p.size[0] ** 2 * p.size[1]
        )

    def bind(self, model: mujoco.MjModel, n_points: int, seed: int) -> None:
        self._body, self._model = model.body(OBJECT_BODY).id, model
        self._qadr = model.jnt_qposadr[model.body_jntadr[self._body]]
        self._vadr = model.jnt_dofadr[model.body_jntadr[self._body]]
        cfg = ParticleConfig(n_points=n_points, per_link=max(1024, 8 * n_points), geoms="all", seed=seed)
        self._local, _ = sample_hand_points(model, [self._body], cfg)
        self._dense: np.ndarray | None = None  # the camera's surface sample, drawn when first asked for

    @property
    def local_points(self) -> np.ndarray:
        """Particles in the object's body frame, (No, 3)."""
        return self._local.copy()

    def points(self, data: mujoco.MjData) -> np.ndarray:
        rot = data.xmat[self._body].reshape(3, 3)
        return self._local @ rot.T + data.xpos[self._body]

    def surface(self, data: mujoco.MjData) -> np.ndarray:
        """SURFACE_POINTS points on the surface (body frame, drawn once with another seed than the
        particles') moved by the body pose, (P, 3)."""
        if self._dense is None:
            cfg = ParticleConfig(n_points=SURFACE_POINTS, per_link=4 * SURFACE_POINTS, geoms="all", seed=1)
            self._dense, _ = sample_hand_points(self._model, [self._body], cfg)
        rot = data.xmat[self._body].reshape(3, 3)
        return self._dense @ rot.T + data.xpos[self._body]

    def pose(self, data: mujoco.MjData) -> np.ndarray:
        """Position and quaternion (w, x, y, z) of the object, (7,)."""
        return data.qpos[self._qadr : self._qadr + 7].copy()

    def place(self, data: mujoco.MjData, pose: np.ndarray) -> None:
        """Put the object at rest on the table at pose (x, y, yaw) (3,) (its frame's origin, m and rad)."""
        x, y, yaw = pose
        data.qpos[self._qadr : self._qadr + 7] = [x, y, 0.0, np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)]
        data.qvel[self._vadr : self._vadr + 6] = 0.0

    def randomize(self, model: mujoco.MjModel, data: mujoco.MjData, rng: np.random.Generator | None) -> None:
        xy = np.zeros(2) if rng is None else rng.uniform(-self.position_noise, self.position_noise, 2)
        yaw = 0.0 if rng is None else rng.uniform(-np.pi, np.pi)
        data.qpos[self._qadr : self._qadr + 7] = [*xy, 0.0, np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)]

    @property
    def height(self) -> float:
        return max(p.pos[2] + (p.size[2] if p.type == "box" else p.size[1]) for p in self.parts)

    @property
    def radius(self) -> float:
        return max(
            np.hypot(*p.pos[:2]) + (np.hypot(*p.size[:2]) if p.type == "box" else p.size[0])
            for p in self.parts
        )


@dataclass(frozen=True)
class PlasticineConfig:
    """An elasto-plastic block: a 3D flexcomp grid with `trilinear` dofs per cell.

    Defaults keep dents (yield > 0) that are visible (a 1-2 cm press leaves a ~7 mm dent) and run about
    3x faster than real time on one core alone; finer `cells` sharpen dents at a steep cost.
    """

    size: tuple[float, float, float] = (0.08, 0.08, 0.03)  # m, full extents
    count: tuple[int, int, int] = (9, 9, 5)  # vertices per axis
    cells: tuple[int, int, int] = (4, 4, 2)  # trilinear cells per axis (each has its own 8 nodes)
    mass: float = 0.2
    young: float = 2e4  # Pa
    poisson: float = 0.3
    damping: float = 0.001
    yield_strain: float = 0.02
    position_noise: float = 0.02


class Plasticine(SceneObject):
    """Plasticine: particles are an FPS subset of the flex vertices, chosen once at rest."""

    kind: ObjectKind = "deformable"

    def __init__(self, name: str = "plasticine", cfg: PlasticineConfig = PlasticineConfig()):
        self.name, self.cfg = name, cfg

    def _materials(self, world: World) -> Plasticine:
        # Elasticity only: the flex's contacts keep MuJoCo's friction (1), the larger of any pair's.
        return Plasticine(self.name, replace(self.cfg, **world.overrides("flex_")))

    def add_to(self, spec: mujoco.MjSpec) -> None:
        c = self.cfg
        spacing = [s / (n - 1) for s, n in zip(c.size, c.count, strict=True)]
        xml = f"""<mujoco><worldbody>
          <flexcomp name="{OBJECT_BODY}" type="grid" dim="3" dof="trilinear" radius="0.001"
                    count="{" ".join(map(str, c.count))}" spacing="{" ".join(map(str, spacing))}"
                    cellcount="{" ".join(map(str, c.cells))}" pos="0 0 {c.size[2] / 2 + 0.001}"
                    mass="{c.mass}" rgba="0.3 0.6 0.9 1">
            <elasticity young="{c.young}" poisson="{c.poisson}" damping="{c.damping}"
                        yield="{c.yield_strain}"/>
            <contact condim="3" selfcollide="none" solref="0.005 1"/>
          </flexcomp></worldbody></mujoco>"""
        spec.attach(mujoco.MjSpec.from_string(xml), prefix=FLEX_PREFIX, frame=spec.worldbody.add_frame())

    def bind(self, model: mujoco.MjModel, n_points: int, seed: int) -> None:
        self._flex = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_FLEX, FLEX_PREFIX + OBJECT_BODY)
        self._v0 = model.flex_vertadr[self._flex]
        nvert = self._nvert = int(model.flex_vertnum[self._flex])
        if n_points > nvert:
            raise ValueError(f"plasticine has {nvert} vertices; cannot take {n_points} particles")
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        mujoco.mj_flex(model, data)
        rest = data.flexvert_xpos[self._v0 : self._v0 + nvert]
        start = int(np.random.default_rng(seed).integers(nvert))
        self._idx = np.sort(fpsample.fps_sampling(rest, n_points, start_idx=start)).astype(np.int64)
        self._nodes = [
            model.jnt_qposadr[j]
            for b in range(model.nbody)
            if model.body_parentid[b] == 0 and model.body(b).name.startswith(FLEX_PREFIX)
            for j in range(model.body_jntadr[b], model.body_jntadr[b] + model.body_jntnum[b])
        ]

    def points(self, data: mujoco.MjData) -> np.ndarray:
        return data.flexvert_xpos[self._v0 + self._idx].copy()

    def surface(self, data: mujoco.MjData) -> np.ndarray:
        """Every flex vertex, (V, 3)."""
        return data.flexvert_xpos[self._v0 : self._v0 + self._nvert].copy()

    def randomize(self, model: mujoco.MjModel, data: mujoco.MjData, rng: np.random.Generator | None) -> None:
        # The flex nodes are bodies on slide joints: a common x/y offset shifts the block rigidly.
        if rng is None:
            return
        dx, dy = rng.uniform(-self.cfg.position_noise, self.cfg.position_noise, 2)
        for adr in self._nodes:
            axis = model.jnt_axis[self._joint_at(model, adr)]
            data.qpos[adr] += dx * axis[0] + dy * axis[1]

    @staticmethod
    def _joint_at(model: mujoco.MjModel, qadr: int) -> int:
        return int(np.flatnonzero(model.jnt_qposadr == qadr)[0])

    @property
    def height(self) -> float:
        return self.cfg.size[2]

    @property
    def radius(self) -> float:
        return 0.5 * float(np.hypot(self.cfg.size[0], self.cfg.size[1]))


def box(name: str = "box", size: tuple[float, float, float] = (0.10, 0.06, 0.05)) -> RigidObject:
    half = tuple(s / 2 for s in size)
    return RigidObject(name, (Part("box", half, (0.0, 0.0, half[2])),))


def t_shape(name: str = "t_shape") -> RigidObject:
    """A T: a 12 x 3 cm bar with a 3 x 9 cm stem, 4 cm tall."""
    h = 0.02
    return RigidObject(
        name, (Part("box", (0.06, 0.015, h), (0.0, 0.03, h)), Part("box", (0.015, 0.045, h), (0.0, -0.03, h)))
    )


def cylinder(name: str = "cylinder", radius: float = 0.04, height: float = 0.06) -> RigidObject:
    return RigidObject(name, (Part("cylinder", (radius, height / 2), (0.0, 0.0, height / 2)),))


def _mpm_plasticine() -> SceneObject:
    from xembody.sim.mpm import MpmPlasticine  # Newton and Warp load only when asked for

    return MpmPlasticine()


OBJECTS = {
    "box": box,
    "box_small": lambda: box("box_small", (0.06, 0.06, 0.04)),
    "box_large": lambda: box("box_large", (0.14, 0.08, 0.06)),
    "t_shape": t_shape,
    "cylinder": cylinder,
    "plasticine": Plasticine,
    "plasticine_mpm": _mpm_plasticine,
}
