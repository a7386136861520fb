"""MPM plasticine (Newton): the hand's primitives shape it lastingly; episodes follow the data contract."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("newton")

from xembody.data import CollectConfig, collect_episodes, validate  # noqa: E402
from xembody.embodiments import hand_frame  # noqa: E402
from xembody.errors import XembodyError  # noqa: E402
from xembody.explore import context, episode_rng  # noqa: E402
from xembody.goals import Goal, shape_error  # noqa: E402
from xembody.primitives import Press, hover_ctrl  # noqa: E402
from xembody.sim.tasks import make_scene  # noqa: E402


@pytest.fixture(scope="module")
def scene():
    return make_scene("franka_hand", "plasticine", object="plasticine_mpm")


def test_a_press_leaves_a_lasting_dent_where_the_fingers_went(scene):
    """Fingertips pressed 1.5 cm into the lump: the clay under them sinks and stays down after the hand
    leaves; clay far from them barely moves; nothing goes through the table or explodes."""
    ctx = context(scene, hand_frame(scene.hand))
    scene.reset(episode_rng(0, 0))
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    obs = scene.observe()
    before = scene.obj.all_points()
    n = scene.hand.n_ctrl
    press = Press("fingers_pinch", 0.0, 0.6, np.zeros(n, bool), 0.0, np.zeros(2), 0.015, np.zeros((2, 2)))
    touched = [scene.step(t) for t in press.targets(ctx, obs, obs.ctrl, lift=False).targets]
    for _ in range(3):  # settle with the hand lifted
        scene.step(scene.ctrl())
    after = scene.obj.all_points()
    assert any(touched) and np.isfinite(after).all() and after[:, 2].min() > -0.003
    assert shape_error(after[:300], Goal(before[:300])) > 0.003  # a visible, lasting change
    top = before[:, 2] > before[:, 2].max() - 0.004
    sank = before[top, 2] - after[top, 2]
    assert sank.max() > 0.008  # a dent of about the press depth under the fingertips
    assert np.median(sank) < 0.3 * sank.max()  # ... and not a dish: most of the top stays up


def test_mpm_episodes_are_collected_validated_and_deterministic(tmp_path):
    cfg = CollectConfig("franka_hand", "plasticine", object="plasticine_mpm", frames=6, episodes=1)
    for out in ("a", "b"):
        collect_episodes(cfg.__class__(**{**cfg.__dict__, "out": tmp_path / out}), progress=False)
        n, problems = validate(tmp_path / out)
        assert n == 1 and problems == []
    a, b = (sorted((tmp_path / d / "episodes").glob("*.h5"))[0].read_bytes() for d in ("a", "b"))
    assert a == b  # same seed, same bytes (Warp's CPU MPM is deterministic)


def test_the_mujoco_oracle_refuses_clay_it_cannot_simulate(scene):
    from xembody.sim.oracle import MujocoDynamics

    with pytest.raises(XembodyError, match="simulated outside MuJoCo"):
        MujocoDynamics(scene)


def test_the_mpm_oracle_predicts_what_the_scene_then_does(scene):
    """The oracle rolls a press out from the scene's own state and puts the state back: executing the same
    targets afterwards ends where the rollout said (up to the solver's cleared warm starts), and a second
    candidate in the same batch starts from the same clay."""
    import torch

    from xembody.sim.oracle import ExternalDynamics, oracle

    ctx = context(scene, hand_frame(scene.hand))
    scene.reset(episode_rng(0, 1))
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    obs = scene.observe()
    n = scene.hand.n_ctrl
    press = Press("fingers_pinch", 0.0, 0.6, np.zeros(n, bool), 0.0, np.zeros(2), 0.02, np.zeros((2, 2)))
    targets = press.targets(ctx, obs, obs.ctrl, lift=False).targets[:8]  # hover, then into the clay
    held = [obs.ctrl] * len(targets)  # a second candidate: the hand holds still
    dyn = oracle(scene)
    assert isinstance(dyn, ExternalDynamics)
    before = scene.object_points()
    pred = dyn.rollout(torch.as_tensor(np.stack([[obs.ctrl, *targets], [obs.ctrl, *held]])), None).numpy()
    assert np.array_equal(scene.object_points(), before)  # the scene is as it was
    assert np.abs(pred[1, -1] - before).max() < 0.002  # held still: the clay stays
    assert shape_error(pred[0, -1], Goal(before)) > 0.003  # pressed: a dent
    for t in targets:
        scene.step(t)
    assert np.abs(scene.object_points() - pred[0, -1]).max() < 0.002


def test_placing_the_hand_does_not_fling_the_clay():
    """`set_hand` teleports the hand (from LEAP's default pose to the first press's start): the next MPM
    step must not see that jump as a hand moving at metres per second (it once threw particles 1.2 m)."""
    from xembody.explore import run_episode

    scene = make_scene("leap", "plasticine", object="plasticine_mpm")
    ep = run_episode(scene, hand_frame(scene.hand), "press", 3, episode_rng(0, 0))
    o = ep.arrays["object_points"]
    # A finger pressing moves clay ~1 cm per 0.1 s frame; a fling moved it metres.
    assert np.abs(o[1] - o[0]).max() < 0.03 and np.abs(o[2] - o[1]).max() < 0.03
