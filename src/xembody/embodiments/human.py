"""A human hand built from the 21-keypoint skeleton of MediaPipe Hands / MANO (no MANO weights needed).

Keypoint order (MediaPipe): 0 wrist; thumb 1 CMC, 2 MCP, 3 IP, 4 tip; index 5 MCP, 6 PIP, 7 DIP, 8 tip;
middle 9-12; ring 13-16; little 17-20. A right hand. Palm frame: origin at the wrist keypoint, +y toward the
middle finger, +z out of the back of the hand, +x toward the little finger.

One skeleton serves two sources, and both give the same particles:
  * simulation: `build_human_spec` makes an MJCF (MjSpec) with 20 hinge joints (thumb CMC abduction and
    flexion, MCP, IP; per finger MCP abduction and flexion, PIP, DIP), a box palm and capsule phalanges;
  * tracking: `HumanHand.points_from_keypoints` rebuilds each link's frame from 21 observed keypoints
    (palm by Kabsch on the palm keypoints, each phalanx from its two keypoints and the finger's flexion
    axis) and places the same link-local particles, stretched to the observed bone lengths.
Bone lengths are rounded adult averages from the hand anthropometry literature (phalanx lengths of
Buryanov & Kotiuk 2010; metacarpal spacing of the MediaPipe canonical hand).
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch

from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.kinematics import KinematicTree
from xembody.errors import XembodyError
from xembody.geometry import kabsch

N_KEYPOINTS = 21
FINGERS = ("thumb", "index", "middle", "ring", "little")
# Per chain: base keypoint (first joint), keypoint ids along the chain, bone lengths (m), radii (m).
BASE_KEYPOINT = {"thumb": 1, "index": 5, "middle": 9, "ring": 13, "little": 17}
BASE_POS = {  # first joint of each chain in the palm frame
    "thumb": (-0.022, 0.028, -0.012),
    "index": (-0.024, 0.080, 0.0),
    "middle": (-0.002, 0.083, 0.0),
    "ring": (0.018, 0.078, 0.0),
    "little": (0.036, 0.068, 0.0),
}
BONE_LENGTHS = {
    "thumb": (0.045, 0.032, 0.027),
    "index": (0.040, 0.023, 0.020),
    "middle": (0.045, 0.027, 0.021),
    "ring": (0.042, 0.026, 0.021),
    "little": (0.033, 0.019, 0.019),
}
BONE_RADII = {
    "thumb": (0.012, 0.010, 0.009),
    "index": (0.009, 0.008, 0.007),
    "middle": (0.009, 0.008, 0.007),
    "ring": (0.0085, 0.0075, 0.0068),
    "little": (0.008, 0.007, 0.0062),
}
# Rest direction of each chain: yaw in the palm plane (positive toward the thumb), pitch toward the palm.
REST_YAW = {
    "thumb": np.radians(50.0),
    "index": np.radians(6.0),
    "middle": 0.0,
    "ring": np.radians(-6.0),
    "little": np.radians(-12.0),
}
REST_PITCH = {"thumb": np.radians(35.0), "index": 0.0, "middle": 0.0, "ring": 0.0, "little": 0.0}
REST_ROLL = {"thumb": np.radians(-60.0), "index": 0.0, "middle": 0.0, "ring": 0.0, "little": 0.0}
PALM_HALF = (0.040, 0.038, 0.011)  # box half-sizes
PALM_CENTER = (0.006, 0.040, 0.0)
# Joint ranges (rad): first joint abduction, then flexion of each bone.
ABDUCTION = {
    "thumb": (-0.6, 0.6),
    "index": (-0.35, 0.35),
    "middle": (-0.3, 0.3),
    "ring": (-0.3, 0.3),
    "little": (-0.4, 0.4),
}
# Flexion of the proximal bone stays below 90 degrees: the finger's flexion axis is read off that bone.
FLEXION = {
    "thumb": ((-0.3, 1.0), (0.0, 1.2), (-0.3, 1.4)),
    "index": ((-0.3, 1.45), (0.0, 1.75), (0.0, 1.4)),
    "middle": ((-0.3, 1.45), (0.0, 1.75), (0.0, 1.4)),
    "ring": ((-0.3, 1.45), (0.0, 1.75), (0.0, 1.4)),
    "little": ((-0.3, 1.45), (0.0, 1.75), (0.0, 1.4)),
}
BONES = ("proximal", "middle", "distal")  # for the thumb: metacarpal, proximal, distal phalanx


def chain_rotation(finger: str) -> np.ndarray:
    """(3, 3) rest frame of a chain in the palm frame: z along the bone, x the flexion axis, y dorsal."""
    yaw, pitch, roll = REST_YAW[finger], REST_PITCH[finger], REST_ROLL[finger]
    # Start with z along palm +y and y along palm +z (dorsal), then yaw about the palm normal, pitch
    # toward the palm about the chain's flexion axis, and roll about the bone.
    base = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    return _rot(2, yaw) @ base @ _rot(0, pitch) @ _rot(2, roll)


def _rot(axis: int, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def mat_to_quat(mat: np.ndarray) -> np.ndarray:
    quat = np.zeros(4)
    mujoco.mju_mat2Quat(quat, np.asarray(mat, dtype=np.float64).ravel())
    return quat


def template_keypoints() -> np.ndarray:
    """(21, 3) keypoints of the open hand in the palm frame."""
    kp = np.zeros((N_KEYPOINTS, 3))
    for f in FINGERS:
        r, p = chain_rotation(f), np.array(BASE_POS[f])
        k0 = BASE_KEYPOINT[f]
        kp[k0] = p
        for i, length in enumerate(BONE_LENGTHS[f]):
            p = p + r[:, 2] * length
            kp[k0 + i + 1] = p
    return kp


def build_human_spec() -> mujoco.MjSpec:
    """An MJCF model of the right human hand (palm root body, 20 hinge joints, position servos)."""
    spec = mujoco.MjSpec()
    spec.modelname = "human_hand"
    spec.compiler.degree = False
    palm = spec.worldbody.add_body(name="palm")
    palm.add_geom(
        name="palm",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=PALM_HALF,
        pos=PALM_CENTER,
        density=1100.0,
        rgba=[0.87, 0.72, 0.6, 1],
    )
    for f in FINGERS:
        parent, pos, quat = palm, BASE_POS[f], mat_to_quat(chain_rotation(f))
        for i, (bone, length, radius) in enumerate(zip(BONES, BONE_LENGTHS[f], BONE_RADII[f], strict=True)):
            body = parent.add_body(name=f"{f}_{bone}", pos=pos, quat=quat)
            if i == 0:
                _add_joint(spec, body, f"{f}_abduction", (0, 1, 0), ABDUCTION[f])
            _add_joint(spec, body, f"{f}_flexion{i}", (1, 0, 0), FLEXION[f][i])
            # The tip keypoint lies on the fingertip surface: the last capsule ends a radius short of it.
            end = length - radius if i == 2 else length
            body.add_geom(
                name=f"{f}_{bone}",
                type=mujoco.mjtGeom.mjGEOM_CAPSULE,
                fromto=[0, 0, 0, 0, 0, end],
                size=[radius, 0, 0],
                density=1100.0,
                rgba=[0.87, 0.72, 0.6, 1],
            )
            parent, pos, quat = body, (0.0, 0.0, length), (1.0, 0.0, 0.0, 0.0)
    return spec


def _add_joint(spec: mujoco.MjSpec, body: mujoco.MjsBody, name: str, axis, rng) -> None:
    body.add_joint(
        name=name,
        type=mujoco.mjtJoint.mjJNT_HINGE,
        axis=axis,
        range=rng,
        limited=1,
        damping=0.05,
        armature=0.001,
    )
    spec.add_actuator(
        name=name,
        target=name,
        trntype=mujoco.mjtTrn.mjTRN_JOINT,
        gaintype=mujoco.mjtGain.mjGAIN_FIXED,
        gainprm=[2.0] + [0] * 9,
        biastype=mujoco.mjtBias.mjBIAS_AFFINE,
        biasprm=[0, -2.0, 0] + [0] * 7,
        ctrlrange=rng,
        ctrllimited=1,
    )


class HumanHand(MjcfHand):
    """The generated human hand; also turns tracked keypoints (B, 21, 3) into the same particles."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kp = template_keypoints()
        self._palm_kp = [0] + list(BASE_KEYPOINT.values())
        links = []  # per link: (start keypoint, end keypoint, template length, chain flexion-axis source)
        for name in self.link_names:
            part = name.removeprefix("hand/")
            if part == "palm":
                links.append((-1, -1, 1.0, -1))
                continue
            f, bone = part.split("_")
            k0 = BASE_KEYPOINT[f] + BONES.index(bone)
            links.append((k0, k0 + 1, BONE_LENGTHS[f][BONES.index(bone)], FINGERS.index(f)))
        self._links = links
        self._template = torch.tensor(kp, dtype=torch.float32)
        self._chain_y = torch.tensor(
            np.stack([chain_rotation(f)[:, 1] for f in FINGERS]), dtype=torch.float32
        )
        kp_bodies = [self.model.body(f"hand/{f}_{b}").id for f in FINGERS for b in BONES]
        self._kp_fk = KinematicTree(self.model, [self.model.body("hand/palm").id, *kp_bodies])

    def keypoints(self, qpos: torch.Tensor) -> torch.Tensor:
        """The 21 keypoints of the simulated hand: (B, dof) -> (B, 21, 3)."""
        pos, rot = self._kp_fk(self.check_qpos(qpos))
        out = [pos[:, 0]]  # wrist = palm origin
        for i, f in enumerate(FINGERS):
            chain = pos[:, 1 + 3 * i : 4 + 3 * i]
            tip = chain[:, 2] + rot[:, 3 + 3 * i, :, 2] * BONE_LENGTHS[f][2]
            out += [chain[:, 0], chain[:, 1], chain[:, 2], tip]
        return torch.stack(out, 1)

    def points_from_keypoints(self, keypoints: torch.Tensor) -> torch.Tensor:
        """Particles of a tracked hand: keypoints (B, 21, 3) in metres -> (B, Nh, 3)."""
        kp = keypoints
        if not isinstance(kp, torch.Tensor) or kp.ndim != 3 or kp.shape[1:] != (N_KEYPOINTS, 3):
            shape = tuple(kp.shape) if isinstance(kp, torch.Tensor) else type(kp).__name__
            raise XembodyError(f"human keypoints: expected shape (B, 21, 3), got {shape}")
        if not torch.isfinite(kp).all():
            raise XembodyError("human keypoints: contain NaN or Inf")
        template = self._template[self._palm_kp].to(kp.dtype).expand(len(kp), -1, -1)
        palm_rot, palm_pos = kabsch(template, kp[:, self._palm_kp])
        chain_y = torch.einsum("bij,fj->bfi", palm_rot, self._chain_y.to(kp.dtype))  # (B, 5, 3)
        flex_axis = {}
        for f, name in enumerate(FINGERS):
            k0 = BASE_KEYPOINT[name]
            flex_axis[f] = _unit(torch.cross(chain_y[:, f], kp[:, k0 + 1] - kp[:, k0], dim=-1))
        pos, rot, stretch = [], [], []
        for k0, k1, length, f in self._links:
            if k0 < 0:
                pos.append(palm_pos), rot.append(palm_rot), stretch.append(torch.ones_like(palm_pos[:, 0]))
                continue
            bone = kp[:, k1] - kp[:, k0]
            z = _unit(bone)
            x = flex_axis[f]
            x = _unit(x - (x * z).sum(-1, keepdim=True) * z)  # orthogonal to the bone even for noisy tracks
            pos.append(kp[:, k0]), rot.append(torch.stack([x, torch.cross(z, x, dim=-1), z], -1))
            stretch.append(bone.norm(dim=-1) / length)
        pos, rot, stretch = torch.stack(pos, 1), torch.stack(rot, 1), torch.stack(stretch, 1)
        link = self._link_t
        # Phalanx particles stretch along the bone to the observed length (the palm's stretch is 1).
        local = self._local_t.to(kp.dtype) * torch.stack(
            [torch.ones_like(stretch[:, link]), torch.ones_like(stretch[:, link]), stretch[:, link]], -1
        )
        return pos[:, link] + torch.einsum("bnij,bnj->bni", rot[:, link], local)


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)
