"""Every hand structure MuJoCo loads, as a small synthetic file (MJCF or URDF): particles on MuJoCo's
geometry, the control-to-joint map, one collected episode and one planner update each; refusals in one
line."""

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import mujoco
import numpy as np
import pytest
import torch
import trimesh

import xembody
from geometry import particle_offsets
from test_embodiments import random_qpos
from xembody.data import CollectConfig, EpisodeStore, collect_episodes
from xembody.embodiments import hand_frame
from xembody.embodiments.actuation import settle
from xembody.errors import XembodyError
from xembody.explore import context, episode_rng
from xembody.planning import PrimitiveConfig, PrimitivePlanner
from xembody.primitives import hover_ctrl
from xembody.sim.goals import box_goal
from xembody.sim.oracle import MujocoDynamics
from xembody.sim.tasks import make_scene

DRIVE = 'armature="0.001" damping="0.05"'  # as real hands have: a kp=1 servo rests, and stably
PALM = '<geom type="box" size="0.04 0.02 0.01"/>'
FINGER = (
    '<body name="f{i}" pos="{x} 0 -0.01"{euler}>{joint}'
    '<geom type="capsule" fromto="0 0 0 0 0 -0.04" size="0.006"/></body>'
)


def finger(i: int, x: float, joint: str = "", euler: str = "") -> str:
    joint = joint or f'<joint name="j{i}" axis="0 1 0" range="-0.6 0.6" {DRIVE}/>'
    return FINGER.format(i=i, x=x, joint=joint, euler=f' euler="{euler}"' if euler else "")


def mjcf(worldbody: str, extra: str = "", compiler: str = "") -> str:
    return (
        f'<mujoco model="synthetic"><compiler angle="radian" {compiler}/>'
        f"<worldbody>{worldbody}</worldbody>{extra}</mujoco>"
    )


def servos(*joints: str) -> str:
    body = "".join(f'<position joint="{j}" kp="1" ctrlrange="-0.6 0.6"/>' for j in joints)
    return f"<actuator>{body}</actuator>"


FINGERS = finger(1, 0.03, euler="0 0 0.3") + finger(2, -0.03)
ONE_ROOT = f'<body name="palm">{PALM}{FINGERS}</body>'


def box_mesh(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    trimesh.creation.box(extents=[0.08, 0.04, 0.02]).export(path)


INERTIAL = (
    '<inertial><mass value="{m}"/><inertia ixx="1e-5" iyy="1e-5" izz="1e-5" ixy="0" ixz="0" iyz="0"/>'
    "</inertial>"
)


def urdf_link(name: str, geometry: str, z: float = -0.02) -> str:
    return (
        f'<link name="{name}"><visual><geometry><mesh filename="package://gone/visual.dae"/></geometry></visual>'
        f'<collision><origin xyz="0 0 {z}"/><geometry>{geometry}</geometry></collision>'
        f"{INERTIAL.format(m=0.02)}</link>"
    )


def urdf_joint(name: str, kind: str, child: str, x: float, extra: str = "") -> str:
    limit = '<limit lower="-0.6" upper="0.6" effort="2" velocity="1"/>' if kind != "continuous" else ""
    if kind == "prismatic":
        limit = '<limit lower="-0.01" upper="0.01" effort="20" velocity="1"/>'
    return (
        f'<joint name="{name}" type="{kind}"><parent link="palm"/><child link="{child}"/>'
        f'<origin xyz="{x} 0 -0.01"/><axis xyz="0 1 0"/>{limit}{extra}</joint>'
    )


def urdf(palm_mesh: str, joints: str, links: str) -> str:
    palm = (
        f'<link name="palm"><collision><geometry><mesh filename="{palm_mesh}"/></geometry></collision>'
        f"{INERTIAL.format(m=0.1)}</link>"
    )
    return f'<robot name="synthetic">{palm}{links}{joints}</robot>'


CAPSULE_F = '<cylinder radius="0.006" length="0.04"/>'


def write_urdf_package(root: Path) -> Path:
    """A ROS-style package: hand/urdf/hand.urdf, meshes by package://hand/meshes/palm.stl."""
    box_mesh(root / "hand" / "meshes" / "palm.stl")
    links = urdf_link("f1", CAPSULE_F) + urdf_link("f2", '<box size="0.01 0.01 0.04"/>')
    links += urdf_link("f3", '<sphere radius="0.008"/>')
    joints = urdf_joint("j1", "revolute", "f1", 0.03) + urdf_joint("j2", "continuous", "f2", -0.03)
    joints += urdf_joint("j3", "prismatic", "f3", 0.0)
    path = root / "hand" / "urdf" / "hand.urdf"
    path.parent.mkdir(parents=True)
    path.write_text(urdf("package://hand/meshes/palm.stl", joints, links))
    return path


def write_urdf_mimic(root: Path) -> Path:
    """A gripper whose second finger mimics the first (MuJoCo: a joint equality); meshes/ beside it."""
    box_mesh(root / "meshes" / "palm.stl")
    links = urdf_link("f1", CAPSULE_F) + urdf_link("f2", CAPSULE_F)
    mimic = '<mimic joint="j1" multiplier="-1" offset="0"/>'
    joints = urdf_joint("j1", "revolute", "f1", 0.03) + urdf_joint("j2", "revolute", "f2", -0.03, mimic)
    path = root / "gripper.xml"  # a URDF by its <robot> root, whatever the suffix
    path.write_text(urdf("meshes/palm.stl", joints, links))
    return path


def write(name: str, text: str) -> Callable[[Path], Path]:
    def make(root: Path) -> Path:
        path = root / f"{name}.xml"
        path.write_text(textwrap.dedent(text))
        return path

    return make


def write_relative_mesh(root: Path) -> Path:
    box_mesh(root / "models" / "assets" / "palm.stl")
    palm = '<body name="palm"><geom type="mesh" mesh="palm"/>' + FINGERS + "</body>"
    text = mjcf(palm, '<asset><mesh file="palm.stl"/></asset>' + servos("j1", "j2"), 'meshdir="assets"')
    path = root / "models" / "meshed.xml"
    path.write_text(text)
    return path


TENDON = (
    '<tendon><fixed name="pair"><joint joint="j1" coef="1"/><joint joint="j2" coef="1"/></fixed></tendon>'
    '<actuator><position tendon="pair" kp="1" ctrlrange="-1 1"/></actuator>'
)
SPRUNG = finger(1, 0.03, f'<joint name="j1" axis="0 1 0" range="-0.6 0.6" stiffness="0.05" {DRIVE}/>')
SPRUNG += finger(2, -0.03, f'<joint name="j2" axis="0 1 0" range="-0.6 0.6" stiffness="0.05" {DRIVE}/>')
EQUALITY = '<equality><joint joint1="j2" joint2="j1" polycoef="0 -0.5 0 0 0"/></equality>' + servos("j1")

MOTORS = (
    '<actuator><motor joint="j1" gear="1"/><velocity joint="j2" kv="0.1"/></actuator>'  # no position feedback
)

# name -> (writes the file under a folder, returns its path; hand joints; hand actuators)
STRUCTURES: dict[str, tuple[Callable[[Path], Path], int, int]] = {
    "one_root": (write("one_root", mjcf(ONE_ROOT, servos("j1", "j2"))), 2, 2),
    "free_root": (
        write("free_root", mjcf(ONE_ROOT.replace(PALM, "<freejoint/>" + PALM), servos("j1", "j2"))),
        2,
        2,
    ),
    "several_roots": (
        write("several_roots", mjcf(f'<body name="palm">{PALM}</body>{FINGERS}', servos("j1", "j2"))),
        2,
        2,
    ),
    "palm_in_worldbody": (write("palm_in_worldbody", mjcf(PALM + FINGERS)), 2, 2),
    "scene_with_floor": (
        write("scene_with_floor", mjcf('<light pos="0 0 1"/><geom type="plane" size="1 1 1"/>' + ONE_ROOT)),
        2,
        2,
    ),
    "no_actuators": (write("no_actuators", mjcf(ONE_ROOT)), 2, 2),
    "partly_driven": (write("partly_driven", mjcf(ONE_ROOT, servos("j1"))), 2, 2),
    "motors": (write("motors", mjcf(ONE_ROOT, MOTORS)), 2, 2),
    "tendon": (write("tendon", mjcf(f'<body name="palm">{PALM}{SPRUNG}</body>', TENDON)), 2, 1),
    "equality": (write("equality", mjcf(ONE_ROOT, EQUALITY)), 2, 1),
    "relative_mesh": (write_relative_mesh, 2, 2),
    "urdf": (write_urdf_package, 3, 3),
    "urdf_mimic": (write_urdf_mimic, 2, 1),
}


@pytest.fixture(scope="module")
def hand_files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hands")
    out = {}
    for name, (make, _, _) in STRUCTURES.items():
        (root / name).mkdir()
        out[name] = make(root / name)
    return out


@pytest.fixture(scope="module")
def loaded(hand_files, tmp_path_factory) -> dict[str, xembody.Embodiment]:
    """Every structure, loaded from another working directory (relative mesh paths must not depend on it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("elsewhere"))
        return {name: xembody.load_hand(path, n_points=40) for name, path in hand_files.items()}


@pytest.mark.parametrize("name", STRUCTURES)
def test_structure_loads_with_its_joints_and_controls(loaded, name):
    hand, (_, joints, actuators) = loaded[name], STRUCTURES[name]
    assert (hand.n_hand_joints, hand.n_hand_actuators) == (joints, actuators)
    assert "hand/palm" in hand.link_names or "hand/base" in hand.link_names
    palm = hand.link_names.index("hand/palm" if "hand/palm" in hand.link_names else "hand/base")
    assert (hand.point_link == palm).sum() > 0  # the palm carries particles (URDF: not fused into the world)
    assert len(set(hand.point_link.tolist())) >= 3  # and the fingers


@pytest.mark.parametrize("name", STRUCTURES)
def test_particles_lie_on_mujocos_geometry(loaded, name):
    hand = loaded[name]
    for link, off in particle_offsets(hand).items():
        assert off < 1e-3, f"{name}/{link}: a particle is {off * 1e3:.2f} mm off"
    q = random_qpos(hand, 8, 0)
    assert np.abs(hand.points_np(q) - hand.points_mujoco(q)).max() < 1e-5


@pytest.mark.parametrize("name", STRUCTURES)
def test_controls_reach_the_joint_positions_mujoco_settles_at(loaded, name):
    hand = loaded[name]
    lo, hi = hand.ctrl_limits.T
    ctrl = np.random.default_rng(1).uniform(lo, hi, (3, hand.n_ctrl))
    ctrl[:, :6] = 0.0  # the wrist at the origin
    mapped = hand.ctrl_to_qpos(torch.as_tensor(ctrl)).numpy()
    rest = settle(hand.model, ctrl)
    assert np.abs(mapped - rest).max() < 2e-3, np.abs(mapped - rest).max(0)


@pytest.mark.parametrize("name", STRUCTURES)
def test_one_episode_collects_and_one_planner_update_runs(hand_files, name, tmp_path):
    path = str(hand_files[name])
    cfg = CollectConfig(hand=path, task="box", frames=6, episodes=1, out=tmp_path / "data")
    result = collect_episodes(cfg, progress=False)
    assert (result.written, result.skipped) == (1, 0)
    store = EpisodeStore.open(tmp_path / "data")
    assert store.names()[0].startswith(f"{Path(path).stem}-box")
    arrays = store.read(store.names()[0]).arrays
    assert arrays["hand_points"].shape == (6, 50, 3)
    assert all(np.isfinite(a).all() for a in arrays.values())

    scene = make_scene(path, "box", n_hand_points=20)
    ctx = context(scene, hand_frame(scene.hand))
    scene.reset(episode_rng(0, 0))
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    goal = box_goal(scene, 30.0)
    dynamics = MujocoDynamics(scene)
    try:
        update = PrimitivePlanner(PrimitiveConfig(candidates=2), dynamics, ctx, goal.points).update(
            scene.observe()
        )
    finally:
        dynamics.close()
    assert update.targets.shape[1] == scene.hand.n_ctrl and np.isfinite(update.targets).all()
    assert np.isfinite(update.cost)


# --- refusals -----------------------------------------------------------------------------------------------

RIGID_URDF = urdf("meshes/palm.stl", "", "")
VISUAL = '<visual><geometry><box size="0.02 0.02 0.02"/></geometry></visual>' + INERTIAL.format(m=0.02)
VISUAL_ONLY = (  # nothing to put particles on
    f'<robot name="unseen"><link name="palm">{VISUAL}</link><link name="f1">{VISUAL}</link>'
    + urdf_joint("j1", "revolute", "f1", 0.0)
    + "</robot>"
)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("rigid.xml", mjcf(f'<body name="palm"><freejoint/>{PALM}</body>'), "the hand has no joints to move"),
        ("rigid.urdf", RIGID_URDF, "the hand has no joints to move"),
        (
            "lost.urdf",
            urdf(
                "package://elsewhere/palm.stl",
                urdf_joint("j1", "revolute", "f1", 0.0),
                urdf_link("f1", CAPSULE_F),
            ),
            "mesh package://elsewhere/palm.stl not found: package 'elsewhere'",
        ),
        ("broken.urdf", "<robot name='x'><link name='a'>", "not a valid URDF model"),
        ("unseen.urdf", VISUAL_ONLY, "no collision geoms with a surface to sample particles on"),
    ],
)
def test_unloadable_files_are_refused_in_one_line_naming_the_file(tmp_path, name, text, message):
    box_mesh(tmp_path / "meshes" / "palm.stl")
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(XembodyError, match=message) as err:
        xembody.load_hand(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_collect_refuses_a_hand_without_joints_in_one_line(tmp_path):
    path = tmp_path / "rigid.xml"
    path.write_text(mjcf(f'<body name="palm">{PALM}</body>'))
    out = tmp_path / "data"
    argv = ["collect", "--hand", str(path), "--episodes", "1", "--frames", "4", "--out", str(out)]
    proc = subprocess.run([sys.executable, "-m", "xembody.cli", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if "error" in line]  # the rest: the progress bar
    assert len(errors) == 1 and errors[0].startswith(
        f"xembody: error: {path}: the hand has no joints to move"
    )
    assert not out.exists()  # no empty dataset left behind


@pytest.mark.parametrize("name", ["several_roots", "palm_in_worldbody", "free_root", "urdf_mimic"])
def test_gathered_links_keep_their_poses(loaded, name):
    """With the wrist at the origin every link sits where the file put it (as in the one-root hand)."""
    hand, reference = loaded[name], loaded["one_root"]
    for link in ("hand/f1", "hand/f2"):
        poses = [h.link_poses(torch.zeros(1, h.dof, dtype=torch.float64)) for h in (hand, reference)]
        at = [h.link_names.index(link) for h in (hand, reference)]
        np.testing.assert_allclose(poses[0][0][0, at[0]], poses[1][0][0, at[1]], atol=1e-12)
        if name != "urdf_mimic":  # the URDF's fingers are not turned
            np.testing.assert_allclose(poses[0][1][0, at[0]], poses[1][1][0, at[1]], atol=1e-12)


def test_synthesised_servos_on_light_urdf_fingers_are_as_stiff_as_the_allegros(loaded):
    """URDF joints carry no armature: the servo brings its own, so a 10-20 g finger is not left at a few
    hundredths of a N m/rad (it would fold on contact)."""
    from xembody.embodiments.servos import SERVO_ARMATURE, SERVO_KP

    m = loaded["urdf"].model
    hinge = int(mujoco.mjtJoint.mjJNT_HINGE)
    for a in range(6, m.nu):
        j = m.actuator_trnid[a, 0]
        if m.jnt_type[j] == hinge:
            assert m.actuator_gainprm[a, 0] == pytest.approx(SERVO_KP[hinge]), m.actuator(a).name
        assert m.dof_armature[m.jnt_dofadr[j]] >= SERVO_ARMATURE


def test_registered_hands_get_no_synthesised_servos(hands):
    """Every registered hand's own actuators drive all its joints: mounting adds the wrist's six, no more."""
    from xembody.embodiments.mount import strip
    from xembody.embodiments.registry import REGISTRY, menagerie_spec
    from xembody.embodiments.servos import add_servos

    for name in hands:
        entry = REGISTRY[name]
        spec = entry.build() if entry.build else menagerie_spec(*entry.menagerie)
        strip(spec, entry.mount.strip_joints, name)
        own = len(spec.actuators)
        assert add_servos(spec) == [] and len(spec.actuators) == own, name
        assert hands[name].n_ctrl == own + 6, name


def test_force_actuators_become_position_servos_or_are_refused(loaded, tmp_path):
    """A motor or velocity actuator on a joint is replaced by a position servo (xembody sends position
    targets); one on a tendon cannot be, and is refused in one line naming the file."""
    m = loaded["motors"].model
    affine = mujoco.mjtBias.mjBIAS_AFFINE
    assert all(m.actuator_biastype[a] == affine and m.actuator_biasprm[a, 1] < 0 for a in range(m.nu))
    tendon = TENDON.replace('<position tendon="pair" kp="1" ctrlrange="-1 1"/>', '<motor tendon="pair"/>')
    path = write("tendon_motor", mjcf(f'<body name="palm">{PALM}{SPRUNG}</body>', tendon))(tmp_path)
    with pytest.raises(XembodyError, match=r"tendon_motor.xml: actuator .* has no position feedback"):
        xembody.load_hand(path)


def test_a_scene_with_a_loose_object_is_refused_not_welded_to_the_hand(tmp_path):
    cube = '<body name="cube" pos="0.2 0 0.02"><freejoint/><geom type="box" size="0.02 0.02 0.02"/></body>'
    path = write("hand_and_cube", mjcf(ONE_ROOT + cube, servos("j1", "j2")))(tmp_path)
    with pytest.raises(
        XembodyError, match=r"hand_and_cube.xml: 2 top-level bodies, \['cube'\] on free joints"
    ):
        xembody.load_hand(path)
