"""Scenes: particles match MuJoCo, objects behave physically, contact is detected, any hand works."""

import mujoco
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import HAND_NAMES
from xembody.embodiments import hand_frame
from xembody.geometry import euler_xyz, nearest_euler, rot_x, rot_y, rot_z
from xembody.sim import TASKS, Plasticine, make_scene


@pytest.mark.parametrize("task", ["box", "plasticine"])
@pytest.mark.parametrize("name", HAND_NAMES)
def test_scene_hand_points_are_the_embodiments_fk(name, task):
    """Every hand works in every scene, and its particles there are its FK of the simulated joints."""
    scene = make_scene(name, task, n_hand_points=30)
    rng = np.random.default_rng(0)
    scene.reset(rng)
    lo, hi = scene.hand.ctrl_limits.T
    ctrl = scene.hand.default_ctrl
    ctrl[6:] = rng.uniform(lo[6:], hi[6:])
    for _ in range(3):
        scene.step(ctrl)
    fk = scene.hand.points_np(scene.qpos()[None])[0]
    assert np.abs(scene.hand_points() - fk).max() < 1e-5
    assert scene.unstable() is None


@pytest.mark.parametrize("variant", TASKS["box"].objects)
def test_rigid_particles_move_with_the_body(variant):
    scene = make_scene("franka_hand", "box", object=variant)
    scene.reset(np.random.default_rng(1))
    p0 = scene.object_points()
    assert p0.shape == (100, 3) and p0[:, 2].min() > -1e-6
    assert abs(p0[:, 2].max() - scene.obj.height) < 2e-3
    d = scene.data
    d.qvel[scene.hand.dof : scene.hand.dof + 6] = [1.0, 0.3, 0.0, 0.0, 0.0, 5.0]  # slide and spin it
    for _ in range(3):
        scene.step(scene.ctrl())
    p1 = scene.object_points()
    pair = lambda p: np.linalg.norm(p[:, None] - p[None], axis=-1)  # noqa: E731
    assert np.abs(p1 - p0).max() > 0.005  # it moved ...
    np.testing.assert_allclose(pair(p1), pair(p0), atol=1e-6)  # ... rigidly


def test_plasticine_keeps_a_dent():
    """A sphere pressed 1.5 cm into the block and lifted away leaves a lasting dent (yield > 0)."""
    spec = mujoco.MjSpec()
    spec.compiler.degree = False
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_DISCRETE
    spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[1, 1, 0.1])
    pusher = spec.worldbody.add_body(name="pusher", pos=[0, 0, 0.2])
    pusher.add_joint(name="z", type=mujoco.mjtJoint.mjJNT_SLIDE, axis=[0, 0, 1])
    pusher.add_geom(type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[0.015, 0, 0], mass=0.1)
    spec.add_actuator(
        target="z",
        trntype=mujoco.mjtTrn.mjTRN_JOINT,
        gainprm=[200] + [0] * 9,
        biastype=mujoco.mjtBias.mjBIAS_AFFINE,
        biasprm=[0, -200, -5] + [0] * 7,
    )
    clay = Plasticine()
    clay.add_to(spec)
    m = spec.compile()
    clay.bind(m, 300, seed=0)
    d = mujoco.MjData(m)
    mujoco.mj_step(m, d, nstep=250)
    top = clay.points(d)[:, 2].max()
    centre = lambda: np.abs(clay.points(d)[:, :2]).max(1) < 0.015  # noqa: E731
    for k in range(1500):
        d.ctrl[0] = -0.2 + top + 0.015 - 0.03 * min(1.0, k / 500) if k < 1000 else 0.0
        mujoco.mj_step(m, d)
    dent = top - clay.points(d)[centre(), 2].max()
    edge = top - clay.points(d)[~centre(), 2].max()
    assert dent > 0.004, f"dent {dent * 1000:.1f} mm"
    assert edge < dent / 2  # local, not the whole block sinking


def test_contact_is_detected():
    scene = make_scene("franka_hand", "box")
    scene.reset(np.random.default_rng(0))
    assert not scene.step(scene.ctrl())  # hand 25 cm up, box on the table
    ctrl = scene.ctrl()
    ctrl[2] = 0.0  # drive the wrist down onto the box
    touched = [scene.step(ctrl) for _ in range(10)]
    assert any(touched)


def test_a_restored_scene_replays_the_same_steps():
    """`Scene.save`/`restore` (the oracle's rollouts): after restoring, the object and the targets are back
    where they were, and the same targets give the same state, bit for bit."""
    scene = make_scene("franka_hand", "box")
    scene.reset(np.random.default_rng(0))
    saved, before, ctrl = scene.save(), scene.object_points(), scene.ctrl()
    down = ctrl.copy()
    down[2] = 0.0  # the wrist driven down onto the box
    ends = []
    for _ in range(2):
        for _ in range(8):
            scene.step(down)
        ends.append(np.concatenate([scene.qpos(), scene.object_points().ravel()]))
        scene.restore(saved)
        assert np.array_equal(scene.object_points(), before) and np.array_equal(scene.ctrl(), ctrl)
    assert not np.allclose(ends[0][-30:], before.ravel()[-30:])  # the hand did move the box
    np.testing.assert_array_equal(ends[0], ends[1])


def test_scene_from_an_mjcf_file(tmp_path):
    xml = tmp_path / "paddle.xml"
    xml.write_text(
        """<mujoco><worldbody><body name="palm"><geom type="box" size="0.04 0.04 0.01"/>
        <body name="finger" pos="0.04 0 0"><joint name="j" axis="0 1 0" range="-1 1"/>
        <geom type="capsule" fromto="0 0 0 0.05 0 0" size="0.008"/></body></body></worldbody>
        <actuator><position joint="j" kp="5" ctrlrange="-1 1"/></actuator></mujoco>"""
    )
    scene = make_scene(str(xml), "plasticine", n_hand_points=40)
    scene.reset(np.random.default_rng(0))
    assert scene.hand_points().shape == (40, 3) and scene.object_points().shape == (300, 3)


@settings(max_examples=50, deadline=None)
@given(st.floats(-3.0, 3.0), st.floats(-1.4, 1.4), st.floats(-3.0, 3.0))
def test_euler_xyz_round_trips(yaw, pitch, roll):
    r = rot_z(yaw) @ rot_y(pitch) @ rot_z(roll)
    a = euler_xyz(r)
    np.testing.assert_allclose(rot_x(a[0]) @ rot_y(a[1]) @ rot_z(a[2]), r, atol=1e-9)
    b = nearest_euler(a, a + 3.0)  # either form is the same rotation
    np.testing.assert_allclose(rot_x(b[0]) @ rot_y(b[1]) @ rot_z(b[2]), r, atol=1e-9)


@pytest.mark.parametrize("name", ["allegro", "shadow", "human"])
def test_palm_down_closes_fingers_downward(hands, name):
    """In the palm-down orientation, closing the hand moves its particles down, not up."""
    hand = hands[name]
    f = hand_frame(hand)
    pts = []
    for c in (f.open_ctrl, f.closed_ctrl):
        c = c.copy()
        c[3:6] = euler_xyz(f.palm_down)
        with torch.no_grad():
            pts.append(hand.points(hand.ctrl_to_qpos(torch.as_tensor(c[None])))[0].numpy())
    assert (pts[1] - pts[0])[:, 2].mean() < -0.005
