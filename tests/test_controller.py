"""The controller (planning/controller.py): one call per control cycle from names, the queue of a primitive's
targets, one-line errors, and docs/deploy.md's loop run as written against the MuJoCo scene."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch

from xembody.errors import XembodyError
from xembody.goals import Goal, observed_pose, pose_errors, turned_points
from xembody.observation import Observation
from xembody.planning import TASKS, Controller, Update
from xembody.primitives import ObjectExtent

DOCS = Path(__file__).parents[1] / "docs" / "deploy.md"


class Scripted:
    """A planner returning the given target sequences in turn, counting its updates."""

    def __init__(self, *plans: np.ndarray):
        self.plans, self.calls = list(plans), 0

    def update(self, obs: Observation) -> Update:
        self.calls += 1
        return Update(self.plans.pop(0), 0.0, 0.0, torch.zeros(0))


@pytest.fixture(scope="module")
def leap():
    from xembody.planning.build import task_hand

    return task_hand("leap", TASKS["box"])


@pytest.fixture
def obs(leap):
    ctrl = leap.default_ctrl
    obj = np.random.default_rng(0).uniform([-0.05, -0.05, 0.0], [0.05, 0.05, 0.06], (100, 3))
    return Observation(ctrl, obj, leap.points_np(leap.default_qpos).astype(np.float64), leap.default_qpos)


def scripted(leap, obs, *plans) -> tuple[Controller, Scripted]:
    c = Controller(None, leap, "box", obs.object_points + [0.0, 0.0, 0.001], ObjectExtent(0.05, 0.06))
    c.planner = Scripted(*plans)
    return c, c.planner


def test_one_target_per_call_and_a_new_plan_only_when_the_queue_is_empty(leap, obs):
    step = np.zeros(leap.n_ctrl)
    step[2] = 0.01  # 1 cm up a step: within the step limits
    first = obs.ctrl + step * np.arange(1, 4)[:, None]
    second = obs.ctrl + step * np.arange(1, 3)[:, None]
    c, planner = scripted(leap, obs, first, second, np.zeros((0, leap.n_ctrl)), first)
    out = [(c(obs), planner.calls, c.replanned) for _ in range(5)]
    assert [n for _, n, _ in out] == [1, 1, 1, 2, 2] and [r for _, _, r in out] == [1, 0, 0, 1, 0]
    np.testing.assert_array_equal(np.stack([t for t, _, _ in out]), np.concatenate([first, second]))
    held = c(obs)  # the planner holds (no targets): the targets in force stay, and the next call asks again
    np.testing.assert_array_equal(held, obs.ctrl)
    assert planner.calls == 3 and c.updates == 3
    c(obs)
    assert planner.calls == 4 and len(c.queue) == 2
    c.reset()
    assert not c.queue and c.updates == 0 and c.last_update is None


def test_targets_are_clipped_to_the_ranges_and_to_one_transit_step(leap, obs):
    far = obs.ctrl + 10.0  # every actuator far past its range, the wrist 10 m away
    c, _ = scripted(leap, obs, far[None])
    out = c(obs)
    lo, hi = leap.ctrl_limits.T
    assert np.all(out >= lo) and np.all(out <= hi)
    assert np.abs(out[:3] - obs.ctrl[:3]).max() <= c.limits.transit * (1 + 1e-6)
    assert np.abs(out[3:6] - obs.ctrl[3:6]).max() <= 2 * c.limits.rotation * (1 + 1e-6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: Observation(o.ctrl[:-1], o.object_points, o.hand_points), r"ctrl must have shape \(22,\)"),
        (lambda o: Observation(o.ctrl, o.object_points[:50], o.hand_points), "goal's count"),
        (
            lambda o: Observation(
                o.ctrl, np.where(o.object_points > 0.04, np.nan, o.object_points), o.hand_points
            ),
            "object_points contains NaN",
        ),
        (lambda o: Observation(o.ctrl + np.inf, o.object_points, o.hand_points), "ctrl contains NaN or Inf"),
        (lambda o: Observation(o.ctrl, o.object_points[:, :2], o.hand_points), r"shape \(N, 3\)"),
        (lambda o: {"ctrl": o.ctrl}, "not dict"),
    ],
)
def test_bad_observations_are_refused_in_one_line(leap, obs, change, message):
    c, _ = scripted(leap, obs, obs.ctrl[None])
    with pytest.raises(XembodyError, match=message) as e:
        c(change(obs))
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "no-such-model"}, "no trained model here"),
        ({"hand": "no_such_hand"}, "no_such_hand"),
        ({"task": "juggling"}, "unknown task 'juggling'"),
        ({"goal": None}, "needs a goal"),
        ({"goal": np.full((100, 3), np.nan)}, "NaN"),
        ({"goal": np.zeros((100, 2))}, r"shape \(100, 3\)"),
        ({"goal": np.full((100, 3), 2.0)}, "workspace"),
    ],
)
def test_bad_names_and_goals_are_refused_in_one_line(kwargs, message):
    args = {"model": "box-5hands", "hand": "leap", "task": "box", "goal": np.zeros((100, 3))} | kwargs
    with pytest.raises(XembodyError, match=message) as e:
        Controller.create(**args)
    assert "\n" not in str(e.value)


def test_the_controller_drives_the_scene_exactly_as_xembody_plan_does():
    """Same seed, same start: the controller, built from names and fed `Scene.observe()` once per cycle,
    sends exactly the targets the closed loop of `xembody plan` executes, asking its planner at the same
    steps (where the previous primitive's targets ran out)."""
    from xembody.embodiments import hand_frame
    from xembody.experiments.plan import PlanConfig, make_dynamics, make_planner, settings
    from xembody.experiments.sim_robot import SimRobot
    from xembody.explore import context
    from xembody.sim.closed_loop import run_plan_episode
    from xembody.sim.goals import box_goal

    cfg = PlanConfig(model="box-5hands", hand="leap", candidates=6, seed=3)
    robot = SimRobot.create("leap", "box", episode=1, seed=cfg.seed)
    scene, start = robot.scene, robot.scene.save()
    ctx = context(scene, hand_frame(scene.hand))
    goal = box_goal(scene, 45.0)
    planner = make_planner(cfg, make_dynamics(cfg, scene), ctx, True, goal, 1)
    sent: list[np.ndarray] = []
    ep = run_plan_episode(scene, planner, goal, 2, lambda s, u: u is not None and sent.append(s.ctrl()))
    assert ep.steps == len(sent) > 10

    scene.restore(start)
    c = Controller.create(cfg.model, "leap", "box", goal, ctx.extent, settings(cfg, 1))
    got, asked = [], []
    for _ in range(len(sent)):
        got.append(c(robot.observe()))
        asked.append(c.replanned)
        robot.send(got[-1])
    np.testing.assert_array_equal(np.stack(got), np.stack(sent))
    assert np.flatnonzero(asked).tolist() == [0, ep.steps_per_update[0]]


def test_a_rigid_pose_is_measured_from_points_alone():
    """`turned_points` makes a rigid goal from an observation; `observed_pose` measures the object's turn
    from its points: the same errors as the scene's own pose gives, to a fraction of a degree."""
    from xembody.experiments.sim_robot import SimRobot
    from xembody.sim.goals import box_goal

    robot = SimRobot.create("leap", "box", episode=2)
    scene = robot.scene
    exact = box_goal(scene, 30.0)
    pts = robot.observe().object_points
    truth = pose_errors(scene.obj.pose(scene.data), exact)
    assert pose_errors(observed_pose(pts, exact), exact) == pytest.approx(truth, abs=1e-6)
    goal = turned_points(pts, 30.0, symmetry=np.pi)
    yaw, pos = pose_errors(observed_pose(pts, goal), goal)
    assert yaw == pytest.approx(30.0) and pos == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(goal.points, exact.points, atol=0.01)  # about the centroid, not the origin
    assert isinstance(goal, Goal) and goal.symmetry == np.pi


def test_the_controller_fills_the_hand_particles_from_what_a_driver_reports():
    from xembody.experiments.sim_robot import SimRobot

    robot = SimRobot.create("leap", "box")
    c = Controller.create("box-5hands", "leap", "box", robot.observe().object_points)
    o = robot.observe()
    assert c.ctrl_names == robot.scene.hand.ctrl_names and len(c.ctrl_names) == len(o.ctrl)
    for qpos in (o.qpos, None):  # from the joints, or from the joints the targets hold
        made = c.observation(o.ctrl, o.object_points, qpos)
        np.testing.assert_allclose(made.hand_points, o.hand_points, atol=0.005)
    with pytest.raises(XembodyError, match="qpos must have shape"):
        c.observation(o.ctrl, o.object_points, o.qpos[:3])


def test_the_tasks_planning_knows_match_the_simulators():
    from xembody.sim.objects import OBJECTS, RigidObject
    from xembody.sim.tasks import TASKS as SIM_TASKS

    assert set(TASKS) == set(SIM_TASKS)
    for name, spec in TASKS.items():
        assert spec.hand_points == SIM_TASKS[name].n_hand_points
        assert spec.rigid == isinstance(OBJECTS[SIM_TASKS[name].object](), RigidObject)


def test_the_deploy_loop_in_the_docs_runs_and_turns_the_box(monkeypatch):
    """docs/deploy.md's loop runs as written against the MuJoCo scene and turns the box toward its goal
    (the shipped model reaches 45-degree goals with LEAP in 20 of 20 episodes). The scene steps its own
    simulated time, so the loop's pacing sleep is skipped here."""
    from xembody.experiments.sim_robot import SimRobot
    from xembody.geometry import yaw_of

    yaw = lambda robot: np.rad2deg(yaw_of(robot.scene.obj.pose(robot.scene.data)[3:]))  # noqa: E731
    starts, create = [], SimRobot.create

    def recorded(*args, **kwargs):  # the box's start yaw: the ground truth of how far it turned
        robot = create(*args, **kwargs)
        starts.append(yaw(robot))
        return robot

    monkeypatch.setattr(SimRobot, "create", recorded)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    block = DOCS.read_text().split("## The loop", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(block, str(DOCS), "exec"), scope)
    robot, controller = scope["robot"], scope["controller"]
    left = abs((30.0 - (yaw(robot) - starts[0]) + 90.0) % 180.0 - 90.0)  # a box: modulo half a turn
    assert left < 15.0, f"{left:.1f} of the 30 degrees asked are left after {scope['cycle'] + 1} cycles"
    assert controller.updates >= 1 and controller.last_update.seconds > 0
