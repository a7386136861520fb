"""Mount a hand's MjSpec on a 6-DoF floating wrist (3 slides + 3 hinges) with position servos."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mujoco
import numpy as np

from xembody.embodiments.servos import add_servos, drop_force_actuators, unique_name
from xembody.errors import XembodyError

WRIST_BODY = "wrist"
HAND_PREFIX = "hand/"
WRIST_JOINTS = ("wrist_x", "wrist_y", "wrist_z", "wrist_rx", "wrist_ry", "wrist_rz")
# Slides span the reachable workspace above a table. Hinges turn twice round each way, so a controller can
# always reach an orientation without a full unwinding turn across a +-pi joint limit.
_TURNS = [-2 * np.pi, 2 * np.pi]
WRIST_RANGE = np.array([[-1.0, 1.0], [-1.0, 1.0], [-0.5, 1.5], _TURNS, _TURNS, _TURNS])
GROUP_BODY = "base"  # the body gathering a hand's several root bodies, `hand/base` once mounted
WRIST_KP = (2000.0, 50.0)  # position-servo gains: slides (N/m), hinges (N m/rad)


@dataclass(frozen=True)
class Mount:
    """How a hand sits on the wrist: the hand root's pose in the wrist frame, and joints to remove.

    `strip_joints` names joints a model carries for its own floating base (e.g. the UMI gripper's six
    slides and hinges); they and the actuators driving them are removed before mounting.
    """

    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quat: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    strip_joints: tuple[str, ...] = ()


def hand_roots(spec: mujoco.MjSpec, where: str) -> list[mujoco.MjsBody]:
    """The top-level bodies of a hand model, named (links are named; an unnamed root would lose the
    `hand/` prefix)."""
    roots = list(spec.worldbody.bodies)
    if not roots:
        raise XembodyError(f"{where}: the model has no bodies under <worldbody>; a hand needs a root body")
    taken = {b.name for b in spec.bodies}
    for i, body in enumerate(roots):
        if not body.name:
            body.name = unique_name("base" if len(roots) == 1 else f"base{i}", taken)
            taken.add(body.name)
    return roots


def needs_group(spec: mujoco.MjSpec) -> bool:
    """Whether the hand is more than one root body: several of them, or geoms right in the worldbody (a
    palm fixed to the world). Attaching puts all of it in the mount body; one group body keeps it a link."""
    return len(list(spec.worldbody.bodies)) > 1 or len(list(spec.worldbody.geoms)) > 0


def check_loose_bodies(spec: mujoco.MjSpec, where: str) -> None:
    """Several top-level bodies are a hand's parts fixed to the world; one on a free joint among them is a
    loose object of a scene (a ball, a cube), which would be welded to the hand: refused."""
    roots = list(spec.worldbody.bodies)
    free = mujoco.mjtJoint.mjJNT_FREE
    loose = [b.name or "<unnamed>" for b in roots if any(j.type == free for j in b.joints)]
    if len(roots) > 1 and loose:
        raise XembodyError(
            f"{where}: {len(roots)} top-level bodies, {loose} on free joints: loose objects of a scene, not "
            "parts of the hand; keep the hand alone in the file"
        )


def drop_ground(spec: mujoco.MjSpec) -> None:
    """Delete planes and height fields from the worldbody: a scene file's floor is not the hand's (and a
    plane may only be static); the task's scene brings its own table."""
    ground = (mujoco.mjtGeom.mjGEOM_PLANE, mujoco.mjtGeom.mjGEOM_HFIELD)
    for geom in list(spec.worldbody.geoms):
        if geom.type in ground:
            spec.delete(geom)


def check_joints(spec: mujoco.MjSpec, where: str) -> None:
    """A hand must have something to move besides the wrist."""
    if not list(spec.joints):
        raise XembodyError(
            f"{where}: the hand has no joints to move (free joints are replaced by the wrist); "
            "a hand needs at least one hinge or slide joint"
        )


def strip(spec: mujoco.MjSpec, joints: tuple[str, ...], where: str) -> None:
    """Delete named joints, the actuators driving them, and free joints (the wrist replaces them)."""
    names = set(joints)
    missing = names - {j.name for j in spec.joints}
    if missing:
        raise XembodyError(f"{where}: joints to strip not found: {sorted(missing)}")
    for act in list(spec.actuators):
        if act.target in names:
            spec.delete(act)
    for j in list(spec.joints):
        if j.name in names or j.type == mujoco.mjtJoint.mjJNT_FREE:
            spec.delete(j)
    balls = [j.name or "<unnamed>" for j in spec.joints if j.type == mujoco.mjtJoint.mjJNT_BALL]
    if balls:
        raise XembodyError(f"{where}: only hinge and slide joints are supported; found ball joints {balls}")
    for key in list(spec.keys):  # keyframes no longer match the joint layout
        spec.delete(key)


def mount_on_wrist(hand: mujoco.MjSpec, mount: Mount, where: str) -> mujoco.MjSpec:
    """A new spec: world -> `wrist` (6 joints, 6 position actuators) -> the hand, prefixed `hand/`."""
    check_loose_bodies(hand, where)
    strip(hand, mount.strip_joints, where)
    drop_ground(hand)
    roots = hand_roots(hand, where)
    check_joints(hand, where)
    drop_force_actuators(hand, where)
    add_servos(hand)
    for body in roots:
        for b in [body, *body.find_all(mujoco.mjtObj.mjOBJ_BODY)]:
            b.gravcomp = 1.0  # the wrist servo holds the hand; gravity must not make the fingers sag
    spec = mujoco.MjSpec()
    spec.modelname = hand.modelname or "hand"
    spec.compiler.degree = False  # our wrist ranges are in radians
    spec.copy_during_attach = True
    for name in _OPTIONS:  # the hand's physics settings (timestep, solver, cone, ...) carry over
        setattr(spec.option, name, getattr(hand.option, name))
    # The wrist servo is stiff and damped: explicit Euler at a hand's own timestep can diverge.
    spec.option.integrator = hand.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    wrist = spec.worldbody.add_body(name=WRIST_BODY)
    wrist.explicitinertial, wrist.mass, wrist.inertia, wrist.gravcomp = True, 0.1, [1e-4, 1e-4, 1e-4], 1.0
    for i, name in enumerate(WRIST_JOINTS):
        kind = mujoco.mjtJoint.mjJNT_SLIDE if i < 3 else mujoco.mjtJoint.mjJNT_HINGE
        wrist.add_joint(
            name=name,
            type=kind,
            axis=np.eye(3)[i % 3],
            range=WRIST_RANGE[i],
            limited=1,
            damping=100.0 if i < 3 else 5.0,
            armature=0.01,
        )
        kp = WRIST_KP[i >= 3]
        spec.add_actuator(
            name=name,
            target=name,
            trntype=mujoco.mjtTrn.mjTRN_JOINT,
            gaintype=mujoco.mjtGain.mjGAIN_FIXED,
            gainprm=[kp] + [0] * 9,
            biastype=mujoco.mjtBias.mjBIAS_AFFINE,
            biasprm=[0, -kp, 0] + [0] * 7,
            ctrlrange=WRIST_RANGE[i],
            ctrllimited=1,
        )
    if needs_group(hand):  # several roots: one body, at the mount, holds them all
        site = group_body(wrist, hand, mount).add_site(name="mount")
    else:
        site = wrist.add_site(name="mount", pos=mount.pos, quat=mount.quat)
    spec.attach(hand, prefix=HAND_PREFIX, site=site)
    return spec


def group_body(wrist: mujoco.MjsBody, hand: mujoco.MjSpec, mount: Mount) -> mujoco.MjsBody:
    """The body that holds a hand of several root bodies (or worldbody geoms), at the mount: one link
    fixed to the wrist, each root keeping its pose relative to the others."""
    name = HAND_PREFIX + unique_name(GROUP_BODY, {b.name for b in hand.bodies})
    group = wrist.add_body(name=name, pos=mount.pos, quat=mount.quat, gravcomp=1.0)
    group.explicitinertial, group.mass, group.inertia = True, 1e-3, [1e-7, 1e-7, 1e-7]
    return group


_OPTIONS = [n for n in dir(mujoco.MjSpec().option) if not n.startswith("_")]


def compile_spec(spec: mujoco.MjSpec, where: str) -> mujoco.MjModel:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return spec.compile()
    except Exception as e:
        raise XembodyError(f"{where}: the model does not compile: {e}") from None
