"""Planning from a camera: the simulated depth camera (sensing.py, sim/camera.py) sees part of the object,
registration (planning/perception.py) recovers a rigid object's pose from that view, and `xembody plan
--observe camera` runs with the planner never given the simulator's particles."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from xembody.errors import XembodyError
from xembody.geometry import yaw_of
from xembody.goals import Goal, pose_errors
from xembody.observation import Observation
from xembody.planning.perception import Perception, RegistrationConfig, register, resample
from xembody.sensing import DepthCamera


@pytest.fixture(scope="module")
def scene():
    from xembody.experiments.sim_robot import SimRobot

    return SimRobot.create("leap", "box", episode=0).scene


def truth(scene, goal: Goal) -> Goal:
    """The object's true pose as a goal (to measure a registered pose's errors against)."""
    p = scene.obj.pose(scene.data)
    return Goal(goal.points, np.array([p[0], p[1], yaw_of(p[3:])]), goal.symmetry)


def test_the_camera_sees_part_of_the_box_and_none_of_its_hidden_faces(scene):
    from xembody.sim.camera import CameraView

    exact = CameraView(scene, DepthCamera(noise=0.0))().object_points
    noisy = CameraView(scene)().object_points
    particles = scene.object_points()
    assert 50 < len(exact) < len(scene.obj.surface(scene.data)) and len(exact) != len(particles)
    assert not np.isin(exact, particles).all(1).any()  # a sample of the surface, not the model's particles
    # In the box's frame every seen point lies on a face turned toward the camera.
    pose = scene.obj.pose(scene.data)
    rot = scene.data.xmat[scene.obj._body].reshape(3, 3)
    local = (exact - scene.data.xpos[scene.obj._body]) @ rot
    cam = (np.asarray(DepthCamera().position) - scene.data.xpos[scene.obj._body]) @ rot
    half = np.array(scene.obj.parts[0].size)
    centre = np.array(scene.obj.parts[0].pos)
    rel = local - centre
    on_face = np.abs(np.abs(rel) - half) < 1e-6  # (M, 3): which face planes each point lies on
    facing = np.sign(rel) * (cam - centre - rel) > 0  # that face's outward normal points at the camera
    # The z-buffer keeps points within 5 mm of the nearest in their bin: a few just past an edge, none
    # further into a hidden face (the bottom included).
    hidden = ~(on_face & facing).any(1)
    to_edge = np.where(on_face, np.inf, half - np.abs(rel)).min(1)  # within its face, to the face's edge
    assert on_face.any(1).all() and hidden.mean() < 0.05 and (to_edge[hidden] < 0.006).all()
    assert pose[2] < 0.01  # resting on the table
    # Noise: about 2 mm per coordinate, so never the same points twice.
    d = np.abs(noisy[:, None] - exact[None]).sum(2).min(1)
    assert 0.002 < d.mean() < 0.01


@pytest.mark.parametrize("yaw", [45.0, -30.0, 150.0])
def test_registration_recovers_the_pose_from_a_partial_noisy_view(scene, yaw):
    """The goal's particles (the template) registered to the camera's cloud: within a few degrees and
    millimetres of the true pose, and within half a turn of the goal (a box's symmetry)."""
    from xembody.sim.camera import CameraView
    from xembody.sim.goals import box_goal

    goal = box_goal(scene, yaw)
    cloud = CameraView(scene, seed=1)().object_points
    perception = Perception(goal, rigid=True)
    seen = perception(Observation(np.zeros(3), cloud, cloud))
    yaw_err, pos_err = pose_errors(perception.pose(), truth(scene, goal))
    assert yaw_err < 4.0 and pos_err < 0.008  # success asks for 10 degrees and 2 cm
    assert abs(perception.last.yaw) <= np.pi / 2 + 1e-9  # the turn nearest the goal
    assert seen.object_points.shape == goal.points.shape
    if abs(yaw) < 90:  # else the registered particles are the box's half-turned twin, in another order
        assert np.linalg.norm(seen.object_points - scene.object_points(), axis=1).mean() < 0.006


def test_registration_tracks_a_moved_object_from_the_previous_estimate():
    """Synthetic: the particles' visible half, moved by 8 degrees and 1 cm, from the previous estimate."""
    rng = np.random.default_rng(0)
    particles = rng.uniform([-0.05, -0.03, 0.0], [0.05, 0.03, 0.05], (100, 3))
    faces = rng.integers(3, size=100)  # push each point onto a face: +x, +y or the top
    particles[faces == 0, 0], particles[faces == 1, 1], particles[faces == 2, 2] = 0.05, 0.03, 0.05
    first = register(particles + rng.normal(0, 0.002, particles.shape), particles)
    assert abs(first.yaw) < 0.02 and np.abs(first.shift).max() < 0.002
    a = np.deg2rad(8.0)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    moved = (particles - particles.mean(0)) @ rot.T + particles.mean(0) + [0.01, 0.0, 0.0]
    fit = register(moved[:60] + rng.normal(0, 0.002, (60, 3)), particles, first)
    assert np.rad2deg(fit.yaw) == pytest.approx(8.0, abs=1.5) and fit.shift == pytest.approx(
        [0.01, 0], abs=3e-3
    )
    with pytest.raises(XembodyError, match="too few"):
        register(moved[:3], particles)


def test_a_cloud_is_resampled_to_the_models_count():
    rng = np.random.default_rng(0)
    many, few = rng.normal(size=(500, 3)), rng.normal(size=(120, 3))
    down, up = resample(many, 300), resample(few, 300)
    assert down.shape == up.shape == (300, 3) and np.isin(down, many).all() and np.isin(up, few).all()


def test_clay_is_completed_from_its_seen_surface_down_to_the_table():
    """The camera sees the MPM clay's top and near sides; columns filled from the table up come within a
    little of the floor (another sampling of the same material), far nearer the simulator's particles
    than the seen skin resampled, and cells the hand hides are filled too."""
    from xembody.embodiments import hand_frame
    from xembody.errors import ObjectLost
    from xembody.explore import context
    from xembody.goals import shape_error
    from xembody.planning.perception import complete
    from xembody.primitives import hover_ctrl
    from xembody.sensing import CLAY_CAMERA
    from xembody.sim.camera import CameraView
    from xembody.sim.tasks import make_scene

    scene = make_scene("leap", "plasticine", object="plasticine_mpm")
    scene.reset(None)
    scene.set_hand(hover_ctrl(context(scene, hand_frame(scene.hand)), scene.observe()))
    obs = CameraView(scene, CLAY_CAMERA, seed=1)()
    true = scene.object_points()
    goal, seen = Goal(true), obs.object_points
    floor = shape_error(resample(scene.obj.surface(scene.data)[::-1].copy(), len(true)), goal)
    solid, skin = complete(seen, len(true)), resample(seen, len(true))
    assert solid.shape == true.shape and solid[:, 2].min() > 0.0
    assert shape_error(solid, goal) < floor + 0.003 < shape_error(skin, goal) - 0.003
    assert np.linalg.norm(solid.mean(0) - true.mean(0)) < 0.004 < np.linalg.norm(skin.mean(0) - true.mean(0))
    # The hand hides a 2 cm disc of the top: its columns take their neighbours' height.
    top = seen[:, 2] > true[:, 2].max() - 0.006
    disc = top & (np.linalg.norm(seen[:, :2] - true[:, :2].mean(0), axis=1) < 0.01)
    holed = complete(seen[~disc], len(true))
    assert disc.sum() > 5 and (np.linalg.norm(holed[:, :2] - true[:, :2].mean(0), axis=1) < 0.01).sum() > 5
    assert shape_error(holed, goal) < shape_error(solid, goal) + 0.002
    obs = Perception(goal, rigid=False)(obs)  # what the planner is given under the camera
    assert obs.object_points.shape == true.shape
    with pytest.raises(ObjectLost, match="too few"):
        complete(seen[:5], len(true))


def test_the_controller_takes_a_partial_cloud_with_the_camera_setting():
    """With observe=camera the controller accepts any number of points and plans on registered particles."""
    from xembody.planning import TASKS, Controller, PlannerSettings, Update
    from xembody.planning.build import task_hand
    from xembody.primitives import ObjectExtent

    leap = task_hand("leap", TASKS["box"])
    rng = np.random.default_rng(0)
    obj = rng.uniform([-0.05, -0.03, 0.0], [0.05, 0.03, 0.05], (100, 3))
    given = []

    class Recording:
        def update(self, obs):
            given.append(obs.object_points)
            return Update(np.zeros((0, leap.n_ctrl)), 0.0, 0.0, None)

    settings = PlannerSettings(observe="camera")
    c = Controller(None, leap, "box", obj + [0.01, 0, 0], ObjectExtent(0.06, 0.05), settings)
    c.planner = Recording()
    pts = leap.points_np(leap.default_qpos).astype(np.float64)
    c(Observation(leap.default_ctrl, obj[:40], pts, leap.default_qpos))
    assert given[0].shape == (100, 3) and np.abs(given[0] - obj).max() < 0.01
    with pytest.raises(XembodyError, match="unknown observation 'lidar'"):
        Controller(None, leap, "box", obj, settings=PlannerSettings(observe="lidar"))


def test_plan_observe_camera_never_gives_the_planner_the_true_particles(tmp_path, monkeypatch):
    """`xembody plan --observe camera`: what reaches the planner is the camera's cloud (another count,
    other points), what is scored is the simulator's state."""
    from xembody.cli import main
    from xembody.planning import perception

    seen, truths = [], []
    original = perception.Perception.__call__

    def spy(self, obs):
        seen.append(obs.object_points)
        out = original(self, obs)
        truths.append(out.object_points)
        return out

    monkeypatch.setattr(perception.Perception, "__call__", spy)
    out = tmp_path / "plan"
    argv = ["plan", "--model", "box-5hands", "--hand", "leap", "--observe", "camera", "--episodes", "1"]
    assert main([*argv, "--max-updates", "2", "--candidates", "4", "--video", "none", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["observe"] == "camera" and summary["per_episode"][0]["updates"] == 2
    yaw_err, pos_err = summary["per_episode"][0]["perception_error"]  # registered against true poses
    assert yaw_err < 8.0 and pos_err < 0.01
    assert len(seen) == 2 and all(len(s) != 100 for s in seen)
    with np.load(out / "episode-000.npz") as z:
        first = z["object"][0]  # the simulator's particles at the first update
    assert not np.isin(seen[0], first).all(1).any() and truths[0].shape == first.shape


def test_a_bad_observe_value_is_one_line(tmp_path, capsys):
    from xembody.cli import main

    argv = ["plan", "--model", "mujoco", "--hand", "leap", "--observe", "lidar", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown observation 'lidar'" in err and err.count("\n") == 0
    argv[argv.index("lidar")] = "camera"  # the oracle plans on the true state: no camera for it
    assert main(argv) == 2
    assert "the oracle simulates the true state" in capsys.readouterr().err


def test_an_episode_that_loses_the_object_fails_without_ending_the_run():
    from xembody.errors import ObjectLost
    from xembody.sim.closed_loop import run_plan_episode
    from xembody.sim.goals import box_goal
    from xembody.sim.tasks import make_scene

    scene = make_scene("franka_hand", "box")
    scene.reset(None)

    def blind():
        raise ObjectLost("the camera sees nothing of the object (the hand hides all of it)")

    class Unasked:
        def update(self, obs):
            raise AssertionError("a planner given no observation must not be asked")

    ep = run_plan_episode(scene, Unasked(), box_goal(scene, 30.0), max_updates=3, observe=blind)
    assert ep.unstable.startswith("object lost: the camera sees nothing") and not ep.success
    assert ep.updates == 0 and ep.errors == ep.start


def test_registration_starts_afresh_where_tracking_lost_the_object():
    """A previous estimate turned 90 degrees away (a lost track) still ends at the true pose: the tracked
    fit's residual is too large, so every start is tried again."""
    rng = np.random.default_rng(1)
    particles = rng.uniform([-0.05, -0.03, 0.0], [0.05, 0.03, 0.05], (100, 3))
    faces = rng.integers(3, size=100)
    particles[faces == 0, 0], particles[faces == 1, 1], particles[faces == 2, 2] = 0.05, 0.03, 0.05
    seen = particles + rng.normal(0, 0.002, particles.shape)
    good = register(seen, particles)
    wrong = register(seen, particles, replace(good, yaw=np.pi / 2, shift=np.array([0.04, -0.03])))
    assert good.residual < RegistrationConfig().lost
    assert abs(wrong.yaw) < 0.03 and np.abs(wrong.shift).max() < 0.003
