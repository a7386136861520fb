"""Planning: MPPI on toy problems, goals and costs, MuJoCo as dynamics, closed-loop episodes, the CLI."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

from xembody.embodiments import hand_frame
from xembody.errors import XembodyError
from xembody.explore import context, episode_rng
from xembody.geometry import lowest_patch
from xembody.goals import check_points, pose_errors
from xembody.observation import Observation
from xembody.planning import MPPI, MPPIConfig
from xembody.planning.costs import CostConfig, plan_cost, shape_distance
from xembody.primitives import PALM_PITCH, hover_ctrl
from xembody.sim.closed_loop import run_plan_episode
from xembody.sim.goals import box_goal, scene_errors
from xembody.sim.oracle import MujocoDynamics
from xembody.sim.tasks import make_scene


def test_mppi_finds_the_minimum_of_a_quadratic():
    target = torch.tensor([0.3, -0.5, 0.8])
    mppi = MPPI(MPPIConfig(samples=256, horizon=4, iterations=15), -torch.ones(3), torch.ones(3))
    result = mppi.plan(lambda a: (a - target).square().sum((1, 2)))
    assert (result.actions - target).abs().max() < 0.05
    assert result.costs[-1] < result.costs[0]


def test_mppi_drives_a_point_mass_to_a_goal_and_warm_starts():
    """x_{t+1} = x_t + a_t, |a| <= 0.2: reach a goal 0.6 away in 4 steps."""
    goal = torch.tensor([0.6, -0.4])

    def cost(a):
        final = a.sum(1)  # start at the origin
        return (final - goal).square().sum(-1) + 1e-3 * a.square().sum((1, 2))

    mppi = MPPI(
        MPPIConfig(samples=300, horizon=4, iterations=12), torch.full((2,), -0.2), torch.full((2,), 0.2)
    )
    result = mppi.plan(cost)
    assert (result.actions.sum(0) - goal).norm() < 0.03
    warm = mppi.plan(cost, MPPI.shift(result.actions, 1))
    assert warm.actions.shape == (4, 2) and warm.cost <= result.cost + 0.05


def test_mppi_rejects_bad_costs_and_bounds():
    mppi = MPPI(MPPIConfig(samples=8, horizon=2, iterations=1), torch.zeros(1), torch.ones(1))
    with pytest.raises(ValueError, match="cost must return"):
        mppi.plan(lambda a: torch.zeros(3))
    with pytest.raises(ValueError, match="high > low"):
        MPPI(MPPIConfig(), torch.ones(1), torch.ones(1))


def test_ctrl_to_particle_path_has_the_right_gradients(hands):
    """Actuator targets -> joints -> hand particles: autograd agrees with finite differences (float64)."""
    from xembody.model import OursModel
    from xembody.planning import LearnedDynamics

    hand = hands["allegro"]
    dyn = LearnedDynamics(OursModel().double(), hand, rigid=True)
    lo, hi = (torch.as_tensor(x) for x in hand.ctrl_limits.T)
    g = torch.Generator().manual_seed(0)
    ctrl = lo + (hi - lo) * (0.25 + 0.5 * torch.rand(2, 3, hand.n_ctrl, generator=g, dtype=torch.float64))
    ctrl[..., :3] = torch.tensor([0.0, 0.0, 0.1], dtype=torch.float64)
    ctrl.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda c: dyn.hand_points(c), (ctrl,), eps=1e-6, atol=1e-6)


def test_learned_dynamics_rolls_out_the_model_on_fk_particles(hands):
    from xembody.model import OursModel
    from xembody.planning import LearnedDynamics

    torch.manual_seed(0)
    hand = hands["franka_hand"]
    model = OursModel().eval()
    dyn = LearnedDynamics(model, hand, rigid=True)
    ctrl = torch.tensor(hand.default_ctrl, dtype=torch.float32).expand(4, 3, -1).clone()
    ctrl[:, 1:, 2] -= torch.linspace(0.0, 0.1, 4)[:, None]  # four candidates lowering the wrist
    obj = torch.rand(100, 3) * 0.05
    with torch.no_grad():
        out = dyn.rollout(ctrl, obj)
        hp = hand.points(hand.ctrl_to_qpos(ctrl.reshape(12, -1))).reshape(4, 3, -1, 3)
        ones = torch.ones(4, hp.shape[2], dtype=torch.bool), torch.ones(4, 100, dtype=torch.bool)
        ref, _ = model.rollout(hp, obj.expand(4, -1, -1), *ones, torch.ones(4, dtype=torch.bool))
    assert out.shape == (4, 2, 100, 3)
    torch.testing.assert_close(out, ref)


def test_colored_noise_is_correlated_along_the_horizon():
    mppi = MPPI(MPPIConfig(samples=4000, horizon=3, correlation=0.8), -torch.ones(2), torch.ones(2))
    n = mppi.noise(2)
    assert abs(n.std().item() - 1.0) < 0.05  # still unit variance
    lag1 = (n[:, 1:] * n[:, :-1]).mean().item()
    assert abs(lag1 - 0.8) < 0.05
    with pytest.raises(ValueError, match="correlation"):
        MPPI(MPPIConfig(correlation=1.0), -torch.ones(1), torch.ones(1))


# --- goals, costs and closed-loop planning in MuJoCo -------------------------------------------------------


@pytest.fixture(scope="module")
def box_scene():
    scene = make_scene("franka_hand", "box")
    return scene, hand_frame(scene.hand)


def _start(scene, frame, index=0):
    scene.reset(episode_rng(0, index))
    scene.set_hand(hover_ctrl(context(scene, frame), scene.observe()))


def test_box_goal_is_the_start_pose_turned_and_errors_respect_symmetry(box_scene):
    scene, frame = box_scene
    _start(scene, frame)
    goal = box_goal(scene, 45.0)
    pose = scene.obj.pose(scene.data)
    yaw, pos = pose_errors(pose, goal)
    assert yaw == pytest.approx(45.0, abs=1e-6) and pos < 1e-3  # turned about the particles' centre
    assert scene_errors(scene, goal).success is False
    assert scene_errors(scene, box_goal(scene, 0.0)).success is True
    half_turn = box_goal(scene, 180.0)  # a box turned half a turn is the same box
    assert pose_errors(pose, half_turn)[0] == pytest.approx(0.0, abs=1e-6)
    assert goal.points.shape == scene.object_points().shape


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yaw_deg": 270.0}, "unreachable"),
        ({"yaw_deg": float("nan")}, "unreachable"),
        ({"shift": (0.5, 0.0)}, "unreachable"),
    ],
)
def test_unreachable_box_goals_are_rejected(box_scene, kwargs, message):
    scene, frame = box_scene
    _start(scene, frame)
    with pytest.raises(XembodyError, match=message):
        box_goal(scene, **kwargs)


def test_bad_goal_clouds_are_rejected(tmp_path):
    from xembody.goals import load_goal_points

    good = np.zeros((100, 3)) + [0.0, 0.0, 0.02]
    assert check_points(good, 100, "g").shape == (100, 3)
    with pytest.raises(XembodyError, match=r"shape \(100, 3\)"):
        check_points(good[:50], 100, "g")
    bad = good.copy()
    bad[3, 1] = np.nan
    with pytest.raises(XembodyError, match="NaN"):
        check_points(bad, 100, "g")
    with pytest.raises(XembodyError, match="workspace"):
        check_points(good + [0.0, 0.0, -0.5], 100, "g")
    with pytest.raises(XembodyError, match="not a readable"):
        load_goal_points(tmp_path / "missing.npy", 100)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(XembodyError, match="junk.npy") as e:
        load_goal_points(tmp_path / "junk.npy", 100)
    assert "allow_pickle" not in str(e.value)  # numpy's advice about pickles is no help here
    np.savez(tmp_path / "two.npz", a=good, b=good)
    with pytest.raises(XembodyError, match="two.npz: not a .npy array") as e:
        load_goal_points(tmp_path / "two.npz", 100)
    assert "allow_pickle" not in str(e.value)


def test_costs_vanish_at_the_goal_and_penalise_what_they_should():
    g = torch.Generator().manual_seed(0)
    goal = torch.rand(60, 3, generator=g, dtype=torch.float64) * 0.05
    at_goal = goal.expand(2, 3, -1, -1)
    assert shape_distance(at_goal, goal, "particles").abs().max() < 1e-12
    assert shape_distance(at_goal, goal, "chamfer_emd").abs().max() < 2e-3  # Sinkhorn's blur
    shifted = at_goal + torch.tensor([0.01, 0.0, 0.0], dtype=torch.float64)
    assert shape_distance(shifted, goal, "particles")[0, 0] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="unknown shape cost"):
        shape_distance(at_goal, goal, "hausdorff")
    # Hand terms: touching the object costs no reach; below the table and beyond the ranges cost.
    ctrl = torch.zeros(2, 4, 1, dtype=torch.float64)
    lo, hi, step = (torch.tensor([v], dtype=torch.float64) for v in (-1.0, 1.0, 0.5))
    hand = goal[:5].expand(2, 3, -1, -1).clone()
    cfg = CostConfig(shape="particles")
    base = plan_cost(cfg, at_goal, hand, ctrl, goal, lo, hi, step)
    assert base.abs().max() < 1e-12
    hand[1, :, :, 2] = -0.01
    ctrl[1, 2:] = 2.0
    worse = plan_cost(cfg, at_goal, hand, ctrl, goal, lo, hi, step)
    assert worse[0] < 1e-12 and worse[1] > cfg.table * 0.01 + cfg.limits * 0.5


def test_mujoco_dynamics_predicts_exactly_what_the_scene_does(box_scene):
    scene, frame = box_scene
    _start(scene, frame, 1)
    dyn = MujocoDynamics(scene)
    now = torch.as_tensor(scene.ctrl())
    ctrl = now.expand(3, 4, -1).clone()
    ctrl[:, 1:, 2] -= torch.tensor([0.0, 0.01, 0.02])[:, None] * torch.arange(1, 4)  # three descents
    before = scene.data.qpos.copy()
    pred = dyn.rollout(ctrl, torch.as_tensor(scene.object_points()))
    assert np.array_equal(scene.data.qpos, before)  # the scene itself is untouched
    for t in range(3):
        scene.step(ctrl[2, t + 1].numpy())
    np.testing.assert_array_equal(pred[2, -1].numpy(), scene.object_points())
    dyn.close()


def test_planning_with_mujoco_dynamics_turns_a_box_most_of_the_way(box_scene):
    """The oracle upper bound, small: a gripper, 24 candidate pushes per update, at most 6 pushes."""
    from xembody.planning import PrimitiveConfig, PrimitivePlanner

    scene, frame = box_scene
    _start(scene, frame, 3)
    goal = box_goal(scene, 30.0)
    dyn = MujocoDynamics(scene)
    planner = PrimitivePlanner(PrimitiveConfig(candidates=24), dyn, context(scene, frame), goal.points)
    ep = run_plan_episode(scene, planner, goal, max_updates=6)
    dyn.close()
    assert ep.unstable is None
    yaw = [e.yaw_error_deg for e in ep.trace]
    assert min(yaw) < 10.0, yaw  # from 30 degrees
    assert min(e.position_error_m for e in ep.trace) < 0.02


class FollowWrist:
    """A differentiable toy world: the object moves with the wrist's horizontal motion (a carried object)."""

    def rollout(self, ctrl, obj):
        shift = torch.zeros(*ctrl.shape[:2], 3, dtype=ctrl.dtype)
        shift[..., :2] = ctrl[:, :, :2] - ctrl[:, :1, :2]
        return obj.to(ctrl.dtype) + shift[:, 1:, None, :]


@pytest.mark.parametrize("name", ["paper", "mppi"])
def test_mpc_in_actuator_space_reaches_a_goal_through_fk(hands, name):
    """MPC over per-step target changes, with the hand's FK in the cost, moves a toy object 4 cm."""
    from dataclasses import replace

    from xembody.planning.mpc import MPC, PLANNERS

    hand = hands["franka_hand"]
    obj = np.random.default_rng(0).uniform(-0.03, 0.03, (40, 3)) + [0.0, 0.0, 0.03]
    goal = obj + [0.04, 0.0, 0.0]
    cfg = PLANNERS[name]
    cfg = replace(
        cfg, mppi=replace(cfg.mppi, samples=64), cost=replace(cfg.cost, shape="particles", reach=0.0)
    )
    mpc = MPC(cfg, FollowWrist(), hand, goal)
    ctrl = hand.default_ctrl
    ctrl[2] = 0.1
    for _ in range(3):
        upd = mpc.update(Observation(ctrl, obj, hand.points_mujoco(hand.default_qpos[None])[0]))
        assert upd.targets.shape == (cfg.execute, hand.n_ctrl)
        obj = obj + [*(upd.targets[-1, :2] - ctrl[:2]), 0.0]
        ctrl = upd.targets[-1]
    assert np.linalg.norm(obj - goal, axis=1).mean() < 0.01  # 6 steps of at most 1.5 cm


def test_gradient_refinement_lowers_the_plan_cost(hands):
    from dataclasses import replace

    from xembody.planning.mpc import MPC, PLANNERS

    hand = hands["franka_hand"]
    obj = np.zeros((10, 3)) + [0.0, 0.0, 0.03]
    cfg = replace(PLANNERS["mppi"], grad_steps=0)
    cfg = replace(
        cfg, mppi=replace(cfg.mppi, samples=8, iterations=1), cost=replace(cfg.cost, shape="particles")
    )
    mpc = MPC(cfg, FollowWrist(), hand, obj + [0.03, 0.02, 0.0])
    now = torch.as_tensor(hand.default_ctrl)
    plan = torch.zeros(cfg.mppi.horizon, hand.n_ctrl, dtype=torch.float64)
    with torch.no_grad():
        before = float(mpc.cost(now, torch.as_tensor(obj), plan[None])[0])
    refined = replace(cfg, grad_steps=20, grad_lr=0.1)
    mpc.cfg = refined
    better = mpc.refine(now, torch.as_tensor(obj), plan)
    with torch.no_grad():
        after = float(mpc.cost(now, torch.as_tensor(obj), better[None])[0])
    assert after < 0.7 * before
    assert (better.abs() <= mpc.step + 1e-12).all()  # still within the step bounds


def test_plan_command_runs_episodes_writes_video_and_summary_and_resumes(tmp_path, capsys):
    from xembody.cli import main

    out = tmp_path / "plan"
    argv = ["plan", "--model", "mujoco", "--hand", "franka_hand", "--episodes", "1", "--max-updates", "2"]
    argv += ["--candidates", "8", "--video", "gif", "--out", str(out)]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == 1 and summary["dynamics"] == "mujoco (oracle)"
    row = summary["per_episode"][0]
    assert {"success", "final", "start", "seconds_per_update"} <= set(row)
    assert {"yaw_error_deg", "position_error_m", "shape_error", "success"} <= set(row["final"])
    assert summary["success_ci95"][0] <= summary["success_rate"] <= summary["success_ci95"][1]
    video = out / "episode-000.gif"
    frames = Image.open(video)
    assert frames.n_frames == row["steps"] + 1
    assert len(row["steps_per_update"]) == row["updates"] and sum(row["steps_per_update"]) == row["steps"]
    frame = np.asarray(frames.convert("RGB"))
    assert ((frame[..., 1] > 150) & (frame[..., 0] < 80) & (frame[..., 2] < 100)).sum() > 20  # goal drawn
    assert "success" in capsys.readouterr().out
    stamp = (out / "episodes" / "000.json").stat().st_mtime_ns
    assert main(argv) == 0  # resumes: the finished episode is not planned again
    assert (out / "episodes" / "000.json").stat().st_mtime_ns == stamp
    assert main([*argv[:-2], "--goal-yaw", "30", "--out", str(out)]) == 2  # other settings: not mixed in
    assert "other settings (goal_yaw); use another --out" in capsys.readouterr().err
    # Particle tracks for `xembody view`: every executed step, with the planner's prediction of it.
    with np.load(out / "episode-000.npz") as z:
        assert z["hand"].shape[0] == z["object"].shape[0] == z["predicted"].shape[0] == row["steps"] + 1
        assert np.isnan(z["predicted"][0]).all()  # nothing is predicted for the start
        err = np.linalg.norm(z["predicted"][1:] - z["object"][1:], axis=-1).max()
        assert err < 1e-9  # the oracle predicts exactly what happens
    assert main(["view", str(out), "--out", str(tmp_path / "v.rrd")]) == 0
    data = (tmp_path / "v.rrd").read_bytes()
    assert data[:4] == b"RRF2" and b"predicted" in data


def test_a_run_split_across_processes_merges_by_copying_episodes(tmp_path):
    from xembody.cli import main

    argv = ["plan", "--model", "mujoco", "--hand", "franka_hand", "--max-updates", "1", "--candidates", "4"]
    argv += ["--video", "none", "--episodes"]
    assert main([*argv, "2", "--first-episode", "1", "--out", str(tmp_path / "b")]) == 0
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert [r["episode"] for r in b["per_episode"]] == [1]  # episode 0 is the other process's
    assert main([*argv, "1", "--out", str(tmp_path / "a")]) == 0
    shutil.copy(tmp_path / "b" / "episodes" / "001.json", tmp_path / "a" / "episodes")
    stamp = (tmp_path / "a" / "episodes" / "000.json").stat().st_mtime_ns
    assert main([*argv, "2", "--out", str(tmp_path / "a")]) == 0  # merges: nothing is planned again
    merged = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert [r["episode"] for r in merged["per_episode"]] == [0, 1] and merged["episodes"] == 2
    assert merged["per_episode"][1] == b["per_episode"][0]
    assert (tmp_path / "a" / "episodes" / "000.json").stat().st_mtime_ns == stamp


def test_view_rejects_a_missing_episode_in_one_line(tmp_path, capsys):
    from xembody.cli import main

    (tmp_path / "summary.json").write_text("{}")
    assert main(["view", str(tmp_path), "--episode", "3"]) == 2
    assert "no such plan episode" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "nowhere"], "no trained model"),
        (["--model", "mujoco", "--planner", "magic"], "unknown planner"),
        (["--model", "mujoco", "--goal-yaw", "400"], "unreachable"),
        (["--model", "mujoco", "--press-kinds", "fist"], "--press-kinds must be some of"),
        (["--model", "mujoco", "--first-episode", "1"], "--first-episode must be in 0..0"),
        (["--model", "mujoco", "--video", "webm"], "--video must be mp4, gif or none"),
    ],
)
def test_plan_command_rejects_bad_input_in_one_line(tmp_path, capsys, extra, message):
    from xembody.cli import main

    argv = [
        "plan",
        "--hand",
        "franka_hand",
        "--episodes",
        "1",
        "--video",
        "none",
        "--out",
        str(tmp_path),
        *extra,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(("hand", "task"), [("leap", "box"), ("robotiq_2f85", "box"), ("umi", "plasticine")])
def test_primitive_candidates_are_smooth_target_sequences_for_any_hand(hand, task):
    """Every candidate (push or press) moves each target by at most the exploration's transit limits."""
    from xembody.planning import candidate
    from xembody.planning.mpc import step_bounds
    from xembody.primitives import StepLimits

    scene = make_scene(hand, task)
    frame = hand_frame(scene.hand)
    _start(scene, frame, 0)
    ctx, obs, rng = context(scene, frame), scene.observe(), np.random.default_rng(0)
    bound = 2 * step_bounds(scene.hand, StepLimits()).numpy() + 1e-9  # transit moves go twice as fast
    lo, hi = scene.hand.ctrl_limits.T
    for _ in range(8):
        seq = np.stack(
            [scene.ctrl(), *candidate("push" if task == "box" else "press", rng, ctx, obs).targets]
        )
        assert len(seq) > 2
        assert (np.abs(np.diff(seq, axis=0)) <= bound).all()
        assert (seq[1:, 6:] >= lo[6:] - 1e-9).all() and (seq[1:, 6:] <= hi[6:] + 1e-9).all()


def test_contact_gate_keeps_untouched_objects_still_and_works_for_small_hands(hands):
    """No dense hand particle within the gap: the object does not move and the network is not asked."""
    from xembody.model import OursModel
    from xembody.planning import LearnedDynamics
    from xembody.planning.build import dense_hand

    gate = dense_hand("umi", 400)  # 3 links: more candidates per link than the default
    assert gate.n_points == 400
    torch.manual_seed(0)
    model = OursModel().eval()
    calls = []
    model.register_forward_hook(lambda m, i, o: calls.append(len(i[0].obj)))
    dyn = LearnedDynamics(model, hands["umi"], rigid=True, gate=gate)
    ctrl = torch.tensor(hands["umi"].default_ctrl, dtype=torch.float64).expand(2, 3, -1).clone()
    ctrl[0, :, 2] = 0.5  # far above the object: gated
    ctrl[1, :, :3] = torch.tensor([0.0, 0.0, 0.1], dtype=torch.float64)
    obj = dyn.hand_points(ctrl[1:, :1], gate)[0, 0, :100] + torch.tensor(
        [0.0, 0.0, -0.005], dtype=torch.float64
    )
    with torch.no_grad():
        out = dyn.rollout(ctrl, obj)
    assert out.shape == (2, 2, 100, 3)
    still = obj.float().double().expand(2, -1, -1)  # the network's precision
    assert torch.equal(out[0], still)  # the far candidate leaves the object exactly where it was
    assert calls == [1, 1]  # one network call per step, for the near candidate only


def test_plan_command_with_the_shipped_model_on_a_hand_it_never_saw(tmp_path, capsys):
    """box-5hands ships in the package; one update with LEAP runs through FK, gate and model."""
    from xembody.cli import main

    out = tmp_path / "plan"
    argv = ["plan", "--model", "box-5hands", "--hand", "leap", "--episodes", "1", "--max-updates", "1"]
    assert main([*argv, "--candidates", "4", "--video", "none", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dynamics"] == "learned" and summary["per_episode"][0]["updates"] == 1
    with np.load(out / "episode-000.npz") as z:
        assert np.isfinite(z["predicted"][1:]).all() and z["object"].shape[1:] == (100, 3)


def test_the_python_planner_example_in_the_docs_runs():
    """docs/planning.md's loop (observation in, targets out) runs as written, with the shipped model."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "planning.md").read_text()
    block = text.split("A planner in Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(block, "docs/planning.md", "exec"), scope)
    assert scope["update"].targets.shape[1] == scope["scene"].hand.n_ctrl and len(scope["update"].targets) > 2


def test_a_still_hand_moves_no_clay_and_skips_the_network(hands):
    """Plasticine is quasi-static: in steps where the hand holds still the object stays exactly where it
    is and the network is not asked (a press's holds cost nothing); a rigid object is still asked."""
    from xembody.model import OursModel
    from xembody.planning import LearnedDynamics

    torch.manual_seed(0)
    model = OursModel().eval()
    calls = []
    model.register_forward_hook(lambda m, i, o: calls.append(len(i[0].obj)))
    hand = hands["allegro"]
    ctrl = torch.tensor(hand.default_ctrl, dtype=torch.float64).expand(1, 4, -1).clone()
    ctrl[0, 2:, 2] -= 0.01  # still, down 1 cm, still
    obj = LearnedDynamics(model, hand, rigid=False).hand_points(ctrl[:, :1])[0, 0, :100] - 0.002
    with torch.no_grad():
        out = LearnedDynamics(model, hand, rigid=False).rollout(ctrl, obj)
        assert calls == [1]  # only the step that moves
        assert torch.equal(out[0, 0], obj.float().double()) and torch.equal(out[0, 2], out[0, 1])
        assert not torch.equal(out[0, 1], out[0, 0])
        LearnedDynamics(model, hand, rigid=True).rollout(ctrl, obj)
    assert calls == [1, 1, 1, 1]


def test_cross_entropy_refinement_only_improves_on_the_same_draws():
    """With refinement the planner scores the same random draws first, then perturbed elites: its chosen
    cost is never worse, and on a toy world (the clay follows the wrist) strictly better."""
    from xembody.planning import PrimitiveConfig, PrimitivePlanner

    scene = make_scene("leap", "plasticine")
    frame = hand_frame(scene.hand)
    _start(scene, frame, 0)
    obs = scene.observe()
    goal = obs.object_points + np.array([0.013, -0.021, 0.0])
    ctx = context(scene, frame)
    plain = PrimitivePlanner(PrimitiveConfig(kind="press", candidates=8, seed=4), FollowWrist(), ctx, goal)
    refined = PrimitivePlanner(
        PrimitiveConfig(kind="press", candidates=8, seed=4, refine=2, refine_candidates=8),
        FollowWrist(),
        ctx,
        goal,
    )
    a, b = plain.update(obs), refined.update(obs)
    assert b.cost < a.cost
    with pytest.raises(ValueError, match="for presses only"):
        PrimitivePlanner(PrimitiveConfig(kind="push", candidates=2, refine=1), FollowWrist(), ctx, goal)


def test_guided_presses_land_where_the_clay_stands_above_the_goal():
    """With `guided`, that share of the draws press where the goal is lower than the clay (here: its +y
    half, 12 mm lower); the other draws are the very ones an unguided planner of the same seed makes."""
    from xembody.planning import PrimitiveConfig, PrimitivePlanner

    scene = make_scene("leap", "plasticine")
    frame = hand_frame(scene.hand)
    _start(scene, frame, 0)
    obs = scene.observe()
    ctx = context(scene, frame)
    centre = obs.object_centre
    goal = obs.object_points.copy()
    goal[goal[:, 1] > centre[1], 2] -= 0.012

    def draws(guided: float, kind: str = "palm", yaws: tuple[float, ...] = (0.0,)):
        cfg = PrimitiveConfig(
            kind="press", candidates=16, seed=3, guided=guided, guided_kind=kind, guided_yaws=yaws
        )
        return PrimitivePlanner(cfg, FollowWrist(), ctx, goal)._draws(obs)

    plain, half, full = draws(0.0), draws(0.5), draws(1.0)
    assert all(p.spot[1] > -0.006 for p in full)  # the lowered half, give or take the jitter and radius
    assert sum(p.spot[1] > 0 for p in plain) < 14  # uniform draws land all over
    assert all(
        np.array_equal(a.spot, b.spot) and a.depth == b.depth
        for a, b in zip(plain[8:], half[8:], strict=True)
    )
    # Guided draws are pokes (no squeeze, no slides) about 12 mm deep: flat palm presses at the home yaw,
    assert all(q.closure == 0.0 and not q.slides.any() for q in full)
    assert all(abs(q.depth - 0.012) < 0.004 for q in full)
    assert all(q.kind == "palm_press" and q.yaw == 0.0 and not q.closing.any() for q in full)
    assert {p.kind for p in plain} == {"palm_press", "fingers_pinch", "thumb_pinch"}
    # or, with guided_kind "drawn", of the random draw's own kind and wrist at the same spots.
    drawn = draws(1.0, "drawn")
    assert all(p.kind == q.kind and p.yaw == q.yaw for p, q in zip(plain, drawn, strict=True))
    assert all(np.array_equal(a.spot, b.spot) for a, b in zip(full, drawn, strict=True))
    # `guided_yaws`: the k-th guided palm press turns the wrist to the k-th yaw (cyclically), same spots;
    yaws = (0.0, np.pi / 2, -np.pi / 2)
    turned = draws(1.0, yaws=yaws)
    assert [q.yaw for q in turned] == [yaws[k % 3] for k in range(16)]
    assert all(
        np.array_equal(a.spot, b.spot) and a.depth == b.depth for a, b in zip(full, turned, strict=True)
    )
    # a turned palm lands the same patch turned a quarter: its long side along the other axis.
    patches = [lowest_patch(ctx.relative(ctx.orientation(y, PALM_PITCH), 0.0)) for y in (0.0, np.pi / 2)]
    span = [np.ptp(p[:, :2], axis=0) for p in patches]
    np.testing.assert_allclose(span[1], span[0][::-1], rtol=0.05)
    with pytest.raises(ValueError, match="guided yaws"):
        draws(0.5, yaws=(4.0,))
    with pytest.raises(ValueError, match="between 0 and 1"):
        draws(1.5)
    with pytest.raises(ValueError, match="unknown guided kind"):
        draws(0.5, "fist")
    # `press_kinds` limits the random draws: palm presses alone, all over the lump.
    palms = PrimitiveConfig(kind="press", candidates=16, seed=3, press_kinds=("palm_press",))
    only = PrimitivePlanner(palms, FollowWrist(), ctx, goal)._draws(obs)
    assert {p.kind for p in only} == {"palm_press"} and sum(p.spot[1] > 0 for p in only) < 14
    with pytest.raises(ValueError, match="press kinds must be some of"):
        PrimitivePlanner(replace(palms, press_kinds=("fist",)), FollowWrist(), ctx, goal)


def test_a_press_planner_holds_where_no_press_is_predicted_to_help():
    """With `hold`, an update whose best press would not end nearer the goal than the clay is now executes
    nothing (the episode keeps its best shape); toward a goal some press does reach, it presses."""
    from xembody.goals import Goal, shape_error
    from xembody.planning import PrimitiveConfig, PrimitivePlanner
    from xembody.sim.closed_loop import run_plan_episode

    scene = make_scene("leap", "plasticine")
    frame = hand_frame(scene.hand)
    _start(scene, frame, 0)
    obs = scene.observe()
    ctx = context(scene, frame)
    cfg = PrimitiveConfig(kind="press", candidates=8, seed=4, shape="chamfer_emd", hold=True)
    here = obs.object_points
    held = PrimitivePlanner(cfg, FollowWrist(), ctx, here).update(obs)  # every press moves the clay away
    assert held.targets.shape == (0, scene.hand.n_ctrl) and held.cost == pytest.approx(0.0, abs=1e-9)
    first = PrimitivePlanner(cfg, FollowWrist(), ctx, here).candidates(obs)[0]  # the same seed's first draw
    away = here + np.array([*(first[-1][:2] - obs.ctrl[:2]), 0.0])  # where that press carries the clay
    went = PrimitivePlanner(cfg, FollowWrist(), ctx, away).update(obs)
    assert len(went.targets) > 0 and went.cost < shape_error(here, Goal(away))
    # With a margin, a press must be predicted to gain at least that much: this one gains less than 1 m.
    wide = replace(cfg, hold_margin=1.0)
    assert len(PrimitivePlanner(wide, FollowWrist(), ctx, away).update(obs).targets) == 0
    gain = shape_error(here, Goal(away)) - went.cost
    narrow = replace(cfg, hold_margin=0.5 * gain)
    assert len(PrimitivePlanner(narrow, FollowWrist(), ctx, away).update(obs).targets) > 0
    ep = run_plan_episode(scene, PrimitivePlanner(cfg, FollowWrist(), ctx, here), Goal(here), max_updates=3)
    assert (ep.steps, ep.holds, ep.updates, ep.steps_per_update) == (0, 1, 1, [0]) and ep.success
    with pytest.raises(ValueError, match="chamfer_emd"):
        PrimitivePlanner(PrimitiveConfig(kind="press", hold=True), FollowWrist(), ctx, here)
