"""Position servos for the hand joints that no actuator drives (URDF files, MJCF files without actuators).

A joint counts as driven when an actuator moves it (directly, through a tendon, a site or a slider-crank:
a non-zero moment arm) or when an equality constraint ties it to a driven joint (a mimic joint, a
linkage). Joints tied only to each other (a mimic pair in a URDF without actuators) form one group; each
undriven group gets one servo, on its leader: a joint that is not the follower (`joint1`) of a joint
equality, the first such in the tree. The servo makes that joint's control its target (`ActuationMap`'s
identity case), over the joint's range.
"""

from __future__ import annotations

import copy

import mujoco
import numpy as np

from xembody.embodiments.actuation import TABULATE_TIMESTEP
from xembody.errors import XembodyError

SERVO_KP = {int(mujoco.mjtJoint.mjJNT_HINGE): 1.0, int(mujoco.mjtJoint.mjJNT_SLIDE): 100.0}
"""Servo gain (N m/rad, N/m): the Allegro's for hinges; lowered where a light link would oscillate faster
than the timestep resolves (natural frequency times timestep at most `MAX_OMEGA_DT`), at the coarser of the
model's timestep and the one `ActuationMap` tabulates coupled joints at."""
MAX_OMEGA_DT = 0.5
SERVO_ARMATURE = 1e-3
"""Reflected rotor inertia (kg m^2 for hinges, kg for slides) a synthesised servo brings to its joint, as
any motor does: without it a 10-20 g URDF finger would be capped near 0.02 N m/rad and fold on contact."""
FREE_RANGE = {int(mujoco.mjtJoint.mjJNT_HINGE): np.pi, int(mujoco.mjtJoint.mjJNT_SLIDE): 0.05}
"""Control range (+-) for a joint without limits: one turn each way for hinges, 5 cm for slides."""


def undriven_joints(model: mujoco.MjModel) -> list[int]:
    """Joints (hinge or slide) that need a servo: one leader per group that no actuator moves."""
    moved, rows = _moved_dofs(model), _equality_rows(model)
    group = list(range(model.nv))  # union-find over dofs tied by one equality row

    def find(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for row in rows:
        dofs = np.flatnonzero(np.abs(row) > 1e-9)
        for d in dofs[1:]:
            group[find(int(d))] = find(int(dofs[0]))
    driven = {find(d) for d in np.flatnonzero(moved)}
    followers = {
        int(model.eq_obj1id[e])
        for e in range(model.neq)
        if model.eq_type[e] == mujoco.mjtEq.mjEQ_JOINT and model.eq_active0[e]
    }
    out, served = [], set(driven)
    for leaders_only in (True, False):  # a group of followers only (a cycle) still gets one servo
        for d in range(model.nv):
            j, root = int(model.dof_jntid[d]), find(d)
            if root in served or (leaders_only and j in followers):
                continue
            served.add(root)
            out.append(j)
    return sorted(out)


def _moved_dofs(model: mujoco.MjModel) -> np.ndarray:
    """Which dofs some actuator exerts force on at the reference pose: (nv,) bool."""
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    moment = np.zeros((model.nu, model.nv))
    sparse = (data.actuator_moment, data.moment_rownnz, data.moment_rowadr, data.moment_colind)
    mujoco.mju_sparse2dense(moment, *sparse)
    return (np.abs(moment) > 1e-9).any(0)


def _equality_rows(model: mujoco.MjModel) -> np.ndarray:
    """Constraint Jacobian rows of the active equality constraints at the reference pose: (R, nv)."""
    m = copy.copy(model)
    m.opt.jacobian = mujoco.mjtJacobian.mjJAC_DENSE
    m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
    data = mujoco.MjData(m)
    mujoco.mj_forward(m, data)
    jac = data.efc_J.reshape(data.nefc, m.nv)
    return jac[data.efc_type == mujoco.mjtConstraint.mjCNSTR_EQUALITY]


def drop_force_actuators(spec: mujoco.MjSpec, where: str) -> list[str]:
    """Delete actuators without position feedback (motors, velocity servos) that drive a joint directly:
    xembody sends position targets, and its control-to-joint map assumes a control settles the joint
    (`add_servos` then gives those joints position servos). Returns their names. A force actuator on a
    tendon, site or slider-crank cannot be replaced joint by joint: refused in one line."""
    model = spec.compile()
    affine = mujoco.mjtBias.mjBIAS_AFFINE
    dropped, doomed = [], []
    for a, act in enumerate(spec.actuators):
        if model.actuator_biastype[a] == affine and model.actuator_biasprm[a, 1] < 0:
            continue  # position feedback: a servo
        name = model.actuator(a).name or f"actuator {a}"
        if model.actuator_trntype[a] != mujoco.mjtTrn.mjTRN_JOINT:
            raise XembodyError(
                f"{where}: actuator {name!r} has no position feedback (a motor or velocity actuator) and "
                "does not drive a joint directly; xembody sends position targets: make it a <position> "
                "actuator"
            )
        doomed.append(act)
        dropped.append(name)
    for act in doomed:
        spec.delete(act)
    return dropped


def add_servos(spec: mujoco.MjSpec) -> list[str]:
    """Add a position servo to each undriven joint of `spec` (compiled alone); returns the joints' names.

    Gain: `SERVO_KP`, capped by the joint's inertia at the reference pose (with at least `SERVO_ARMATURE`,
    the servo's own), critically damped; the control range is the joint's range (`FREE_RANGE` if none).
    """
    if not undriven_joints(spec.compile()):
        return []  # fully driven: the spec stays exactly as it was
    _name_joints(spec)
    model = spec.compile()
    joints = undriven_joints(model)
    taken = {a.name for a in spec.actuators}
    timestep = max(model.opt.timestep, TABULATE_TIMESTEP)
    names = []
    for j in joints:
        joint = spec.joint(model.joint(j).name)
        d = model.jnt_dofadr[j]
        added = max(0.0, SERVO_ARMATURE - float(model.dof_armature[d]))
        joint.armature = float(model.dof_armature[d]) + added
        kind, inertia = int(model.jnt_type[j]), float(model.dof_M0[d]) + added
        kp = min(SERVO_KP[kind], inertia * (MAX_OMEGA_DT / timestep) ** 2)
        kv = 2 * np.sqrt(kp * inertia)
        span = FREE_RANGE[kind]
        lo, hi = model.jnt_range[j] if model.jnt_limited[j] else (-span, span)
        name = unique_name(joint.name, taken)
        spec.add_actuator(
            name=name,
            target=joint.name,
            trntype=mujoco.mjtTrn.mjTRN_JOINT,
            gaintype=mujoco.mjtGain.mjGAIN_FIXED,
            gainprm=[kp] + [0] * 9,
            biastype=mujoco.mjtBias.mjBIAS_AFFINE,
            biasprm=[0, -kp, -kv] + [0] * 7,
            ctrlrange=[lo, hi],
            ctrllimited=1,
        )
        taken.add(name)
        names.append(joint.name)
    return names


def _name_joints(spec: mujoco.MjSpec) -> None:
    """Name unnamed joints (`joint<i>`), so a servo can target them."""
    taken = {j.name for j in spec.joints}
    for i, joint in enumerate(spec.joints):
        if not joint.name:
            joint.name = unique_name(f"joint{i}", taken)
            taken.add(joint.name)


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, with underscores appended until it is not in `taken`."""
    while name in taken:
        name += "_"
    return name
