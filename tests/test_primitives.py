"""Motion primitives are one layer: the same draw gives the same targets for exploration and planning."""

from __future__ import annotations

import numpy as np
import pytest

from xembody.embodiments import hand_frame
from xembody.explore import POLICIES, context, episode_rng
from xembody.planning import candidate
from xembody.primitives import (
    EXPLORE_PUSH,
    PLAN_PUSH,
    ObjectExtent,
    hover_ctrl,
    sample_press,
    sample_push,
)
from xembody.sim.tasks import make_scene


@pytest.fixture(scope="module", params=[("leap", "box"), ("allegro", "plasticine")], ids=["push", "press"])
def setup(request):
    hand, task = request.param
    scene = make_scene(hand, task)
    frame = hand_frame(scene.hand)
    ctx = context(scene, frame)
    scene.reset(episode_rng(0, 0))
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    return task, scene, frame, ctx


def draw(task, seed, ctx, obs, ranges=PLAN_PUSH):
    rng = np.random.default_rng(seed)
    yaw = float(obs.ctrl[5])
    return sample_push(rng, ctx, obs, ranges, yaw) if task == "box" else sample_press(rng, ctx, obs, yaw)


def test_candidates_are_deterministic_for_a_seed(setup):
    task, scene, _, ctx = setup
    obs = scene.observe()
    kind = "push" if task == "box" else "press"
    a = candidate(kind, np.random.default_rng(7), ctx, obs).targets
    b = candidate(kind, np.random.default_rng(7), ctx, obs).targets
    c = candidate(kind, np.random.default_rng(8), ctx, obs).targets
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert len(a) != len(c) or any(not np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_planning_candidates_are_the_primitive_drawn_with_the_same_seed(setup):
    """A planner's candidate is exactly `sample_*` then `targets` with the same generator state."""
    task, scene, _, ctx = setup
    obs = scene.observe()
    kind = "push" if task == "box" else "press"
    planned = candidate(kind, np.random.default_rng(3), ctx, obs).targets
    direct = draw(task, 3, ctx, obs).targets(ctx, obs, obs.ctrl, lift=True).targets
    assert all(np.array_equal(x, y) for x, y in zip(planned, direct, strict=True))


def test_exploration_executes_the_primitive_drawn_with_the_same_seed(setup):
    """The exploration policy's next segment is the same primitive: drawn from the same generator state
    and turned into the same targets (a push's fingers then wander, its wrist path is untouched)."""
    task, scene, frame, ctx = setup
    policy = POLICIES["push" if task == "box" else "press"](
        scene, frame, np.random.default_rng(0), ctx.limits
    )
    policy.first, policy.yaw = None, 0.3  # as after the first primitive
    obs = scene.observe()
    policy.rng = np.random.default_rng(5)
    policy.plan(obs.ctrl)
    explored = list(policy.queue)
    rng = np.random.default_rng(5)
    if task == "box":
        away = obs.hand_points[:, :2].mean(0) - obs.object_centre[:2]
        prim = sample_push(rng, ctx, obs, EXPLORE_PUSH, 0.3, toward=-away).targets(
            ctx, obs, obs.ctrl, lift=False
        )
        direct = prim.targets
        assert all(np.array_equal(a[:6], b[:6]) for a, b in zip(explored, direct, strict=True))
        n = len(prim.approach)
        assert all(np.array_equal(a, b) for a, b in zip(explored[:n], direct[:n], strict=True))
    else:
        direct = sample_press(rng, ctx, obs, 0.3).targets(ctx, obs, obs.ctrl, lift=True).targets
        assert all(np.array_equal(a, b) for a, b in zip(explored, direct, strict=True))


def test_push_contacts_the_object_and_presses_go_below_its_top(setup):
    task, scene, _, ctx = setup
    obs = scene.observe()
    for seed in range(5):
        prim = draw(task, seed, ctx, obs)
        plan = prim.targets(ctx, obs, obs.ctrl)
        assert plan.approach and plan.contact
        if task == "box":
            assert -ctx.extent.radius < prim.reach < 0.2  # ends short of the far side
        else:
            assert min(t[2] for t in plan.contact) < max(t[2] for t in plan.approach)  # goes down


def test_object_extent_from_points_matches_the_nominal_size():
    scene = make_scene("franka_hand", "box")
    scene.reset(episode_rng(0, 0))
    est = ObjectExtent.from_points(scene.object_points())
    assert est.height == pytest.approx(scene.obj.height, abs=0.005)
    assert est.radius == pytest.approx(scene.obj.radius, rel=0.15)


def test_perturbed_presses_stay_in_the_sampling_ranges_and_keep_their_kind():
    """Cross-entropy refinement moves a press's continuous parameters, never out of what `sample_press`
    draws; scale 0 gives the same press back."""
    from xembody.primitives import perturb_press
    from xembody.primitives.press import CLOSED, DEPTH, PITCH, SPOT

    scene = make_scene("leap", "plasticine")
    frame = hand_frame(scene.hand)
    scene.reset(episode_rng(0, 0))
    ctx, obs, rng = context(scene, frame), scene.observe(), np.random.default_rng(0)
    deepest = min(DEPTH[1], 0.8 * ctx.extent.height)
    for _ in range(30):
        p = sample_press(rng, ctx, obs, 0.0)
        same = perturb_press(p, rng, ctx, 0.0)
        assert same.spot.tolist() == p.spot.tolist() and (same.depth, same.pitch) == (p.depth, p.pitch)
        q = perturb_press(p, rng, ctx, 0.5)
        assert q.kind == p.kind and np.array_equal(q.closing, p.closing)
        assert PITCH[q.kind][0] <= q.pitch <= PITCH[q.kind][1] and DEPTH[0] <= q.depth <= deepest + 1e-12
        assert np.linalg.norm(q.spot) <= SPOT * ctx.extent.radius + 1e-12 and 0.0 <= q.closure <= CLOSED
        assert q.kind != "palm_press" or q.closure == 0.0  # a palm press never squeezes
        assert not np.allclose([q.depth, q.pitch, q.yaw, *q.spot], [p.depth, p.pitch, p.yaw, *p.spot])


def test_a_cleared_approach_keeps_a_turning_hand_above_the_clay():
    """The wrist's hinge angles move linearly, so the human hand turning from -90 to +90 degrees between
    presses tilts on the way and dips into the clay; with `clear` its approach rises first and every
    particle stays above the hover height, the press itself unchanged. A move that already clears is left as
    it is."""
    from dataclasses import replace

    from xembody.embodiments.hand_frame import points_at
    from xembody.primitives import PALM_PITCH, Press
    from xembody.primitives.motion import clear_transit
    from xembody.primitives.press import HOVER_GAP

    scene = make_scene("human", "plasticine")
    ctx = context(scene, hand_frame(scene.hand))
    scene.reset(episode_rng(0, 0))
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    obs = scene.observe()

    def press(yaw: float) -> Press:
        no = np.zeros(scene.hand.n_ctrl, dtype=bool)
        return Press("palm_press", yaw, PALM_PITCH, no, 0.0, np.zeros(2), 0.03, np.zeros((2, 2)))

    last = press(-np.pi / 2).targets(ctx, obs, obs.ctrl, lift=False).targets[-1]  # ends hovering, turned
    here = replace(obs, ctrl=last, hand_points=points_at(scene.hand, last[None])[0])
    floor = obs.object_top + HOVER_GAP
    plain, cleared = (press(np.pi / 2).targets(ctx, here, last, clear=c) for c in (False, True))

    def lowest(targets) -> float:
        return float(points_at(scene.hand, np.stack(targets))[..., 2].min())

    assert lowest(plain.approach) < obs.object_top - 0.005  # ploughs through the clay's top
    assert lowest(cleared.approach) > floor - 0.001
    np.testing.assert_allclose(np.stack(cleared.contact), np.stack(plain.contact))
    up = last.copy()
    up[2] += 0.05
    assert clear_transit(up, last, scene.hand, ctx.frame, ctx.limits, floor) == []  # straight down: clear
