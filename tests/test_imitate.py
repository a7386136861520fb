"""Imitation of a human demonstration: keyframes from a pose path, the recorded path registered from partial
clouds, bad recordings refused, unreachable keyframes skipped, and `xembody imitate` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from xembody.cli import main
from xembody.errors import XembodyError
from xembody.experiments.imitate import ImitateConfig, check, imitate_keyframes, load_demonstration
from xembody.geometry import yaw_of
from xembody.goals import Goal
from xembody.planning import Update
from xembody.planning.subgoals import KeyframeRule, keyframes, place, register_path
from xembody.sensing import CAMERA, visible
from xembody.sim.goals import symmetry_of
from xembody.sim.tasks import make_scene

BOX = np.pi  # a box's yaw symmetry


def box_template(n: int = 100, seed: int = 0) -> np.ndarray:
    """Points on the surface of the 10 x 6 x 5 cm box, in its frame (origin on the table), (n, 3)."""
    rng = np.random.default_rng(seed)
    half = np.array([0.05, 0.03, 0.025])
    pts = rng.uniform(-1, 1, (n, 3)) * half
    axis = rng.choice(3, n, p=[0.2, 0.33, 0.47])  # roughly by face area
    pts[np.arange(n), axis] = np.sign(rng.uniform(-1, 1, n)) * half[axis]
    return pts + np.array([0.0, 0.0, half[2]])


def path() -> tuple[np.ndarray, np.ndarray]:
    """A pose path (x, y, yaw) at 10 Hz: still 5 frames, a 4 cm push turning 20 degrees over 10 frames,
    still 8 frames, a 3 mm jiggle, still 6, then a slow slide (3 cm/s) for 30 frames. (poses, frames)."""
    seg = [np.zeros((5, 3))]
    s = np.linspace(0, 1, 11)[1:, None]
    seg.append(s * [0.04, 0.0, np.deg2rad(20)])
    end = seg[-1][-1]
    seg.append(np.repeat(end[None], 8, 0))
    seg.append(end + [[0.003, 0, 0]])
    seg.append(np.repeat((end + [0.003, 0, 0])[None], 6, 0))
    start = seg[-1][-1]
    seg.append(start + np.arange(1, 31)[:, None] * [0.0, 0.003, 0.0])
    poses = np.concatenate(seg)
    return poses, np.arange(len(poses))


def test_keyframes_where_motion_settles_every_k_frames_and_at_the_end():
    tpl = box_template()
    poses, frames = path()
    rule = KeyframeRule(every=20)
    keys = keyframes(tpl, poses, frames, 10.0, BOX, rule)
    # Settled: `settle_frames` still frames after the push ends (frame 14), speeds taken over a window.
    assert 14 + rule.settle_frames <= keys[0] <= 14 + rule.window + rule.settle_frames
    assert np.allclose(poses[keys[0]], poses[14])
    # The jiggle (3 mm) settles near the keyframe: no keyframe; the slide (3 cm/s) gets one 20 frames
    # after it began to count (the jiggle's settling), and the last frame is always the end.
    slide = keys[1]
    assert 30 < slide < len(poses) - 1 and np.hypot(*(poses[slide, :2] - poses[keys[0], :2])) >= 0.02
    assert keys[-1] == len(poses) - 1
    # A keyframe nearer than the minimum step to the previous one is dropped; the end replaces it.
    short = keyframes(tpl, poses[:-25], frames[:-25], 10.0, BOX, rule)
    assert short[-1] == len(poses) - 26 and len(short) == 1
    # An object that never moves far enough gives nothing to imitate.
    assert keyframes(tpl, poses[:6], frames[:6], 10.0, BOX, rule) == []


def observed(tpl: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """What the recordings' camera sees of the template at each pose, with 2 mm noise, NaN-padded
    (T, M, 3)."""
    rng = np.random.default_rng(1)
    clouds = []
    for p in poses:
        pts = place(tpl, p)
        seen = pts[visible(pts, np.zeros((0, 3)), np.asarray(CAMERA), 1.5)]
        clouds.append(seen + rng.normal(0, 0.002, seen.shape))
    padded = np.full((len(clouds), max(len(c) for c in clouds), 3), np.nan)
    for t, c in enumerate(clouds):
        padded[t, : len(c)] = c
    return padded


def test_registered_partial_clouds_give_the_recorded_path():
    tpl = box_template()
    poses, _ = path()
    poses = poses + [0.02, -0.03, 0.7]  # somewhere on the table, turned
    frames, got, residuals = register_path(observed(tpl, poses), np.ones(len(poses), bool), tpl, BOX)
    turn = np.abs((got[:, 2] - poses[:, 2] + BOX / 2) % BOX - BOX / 2)
    assert np.linalg.norm(got[:, :2] - poses[:, :2], axis=1).max() < 0.005
    assert np.rad2deg(turn).max() < 3.0 and residuals.max() < 0.006


def test_a_path_turning_past_the_symmetry_boundary_stays_continuous():
    # A box turning from 80 to 100 degrees: registrations alone give 80 ... 89, then -89 ... -80 (the
    # twins), and a subgoal at -80 would have the planner turn the box 160 degrees back.
    tpl = box_template()
    poses, _ = path()
    poses = poses + [0.0, 0.0, np.deg2rad(80)]
    _, got, _ = register_path(observed(tpl, poses), np.ones(len(poses), bool), tpl, BOX)
    # Not modulo 180 degrees: no twin taken (the view past 90 degrees registers less well, hence 20).
    assert np.rad2deg(np.abs(got[:, 2] - poses[:, 2])).max() < 20.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    """One simulated box demonstration (the demo policy's pushes by the simulated human hand)."""
    out = tmp_path_factory.mktemp("demos")
    assert main(["data", "demo-recordings", "--out", str(out), "--n", "1"]) == 0
    return next(out.glob("*.npz"))


@pytest.fixture(scope="module")
def scene():
    return make_scene("leap", "box", seed=0)


def test_a_demonstration_recording_registers_near_its_true_path(recording, scene):
    tpl, sym = scene.obj.local_points, symmetry_of(scene.obj)
    track, demo, dropped = load_demonstration(recording, tpl, sym, KeyframeRule())
    truth = np.load(recording.with_name(f"{recording.stem}.pose.npy"))[demo.frames]
    assert str(track.attrs["source"]) == "simulated" and len(demo.keyframes) >= 2
    err = np.linalg.norm(demo.poses[:, :2] - truth[:, :2], axis=1)
    turn = np.abs((demo.poses[:, 2] - [yaw_of(q) for q in truth[:, 3:]] + sym / 2) % sym - sym / 2)
    assert np.median(err) < 0.005 and np.rad2deg(np.median(turn)) < 3.0
    assert demo.keyframes[-1] == len(demo.frames) - 1  # the end


def rewrite(recording: Path, tmp: Path, name: str, **changes) -> Path:
    with np.load(recording) as z:
        arrays = {k: z[k] for k in z.files} | changes
    out = tmp / f"{name}.npz"
    np.savez(out, **arrays)
    return out


def test_bad_recordings_are_refused_in_one_line_naming_the_file(recording, scene, tmp_path, capsys):
    tpl, sym = scene.obj.local_points, symmetry_of(scene.obj)
    with np.load(recording) as z:
        kp, obj = z["keypoints"], z["object_points"]
    cases = {
        "nohand": ({"keypoints": np.full_like(kp, np.nan)}, r"no usable frames \(dropped: missing_hand"),
        "unseen": ({"object_points": np.full_like(obj, np.nan)}, "the object is never seen"),
        "offtable": ({"object_points": obj + [0.3, 0.0, 0.0]}, "leave the workspace"),
        "still": ({"object_points": np.repeat(obj[:1], len(obj), 0)}, "nothing to imitate"),
    }
    for name, (changes, message) in cases.items():
        bad = rewrite(recording, tmp_path, name, **changes)
        with pytest.raises(XembodyError, match=message) as e:
            load_demonstration(bad, tpl, sym, KeyframeRule())
        assert str(bad) in str(e.value) and "\n" not in str(e.value)
    bad = tmp_path / "offtable.npz"
    argv = ["imitate", str(bad), "--model", "mujoco", "--hand", "leap", "--video", "none"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "offtable.npz" in err and "workspace" in err


def test_the_planners_search_settings_reach_the_planner_and_bad_ones_are_refused():
    # The clay oracle simulates every candidate, so its runs narrow the search (--candidates, --refine).
    rec = (Path("demo.npz"),)
    cfg = ImitateConfig(rec, task="plasticine", model="mujoco", hand="leap", candidates=8, refine=0)
    pc = cfg.plan_config()
    assert (pc.candidates, pc.refine, pc.model) == (8, 0, "mujoco")
    default = ImitateConfig(rec, model="box-5hands", hand="leap").plan_config()
    assert default.refine == 2  # the planner's own default
    with pytest.raises(XembodyError, match="--refine -1") as e:
        check(ImitateConfig(rec, model="box-5hands", hand="leap", refine=-1))
    assert "\n" not in str(e.value)
    with pytest.raises(XembodyError, match="--video must be mp4, gif or none"):
        check(ImitateConfig(rec, model="box-5hands", hand="leap", video="webm"))


class Holding:
    """A planner that never moves the hand: no keyframe can be reached with it."""

    def __init__(self, n_ctrl: int):
        self.n_ctrl = n_ctrl

    def update(self, obs) -> Update:
        return Update(np.zeros((0, self.n_ctrl)), 0.0, 0.01, torch.zeros(0, 1, 3))


def test_an_unreachable_keyframe_is_reported_and_skipped(scene):
    tpl, sym = scene.obj.local_points, symmetry_of(scene.obj)
    scene.reset(None)
    scene.place_object(np.array([0.03, -0.02, 0.4]))
    pose = scene.obj.pose(scene.data)
    assert np.allclose(pose[:2], [0.03, -0.02]) and np.isclose(yaw_of(pose[3:]), 0.4)
    here = np.array([0.03, -0.02, 0.4])
    goals = [np.array([0.08, -0.02, 0.4]), here + [0.005, 0, 0.05], np.array([0.03, 0.05, 1.2])]
    goals = [(t, Goal(place(tpl, g), g, sym)) for t, g in enumerate(goals)]
    calls = []
    rows = imitate_keyframes(scene, goals, lambda g, k: calls.append(k) or Holding(scene.hand.n_ctrl), 3)
    assert [r.reached for r in rows] == [False, True, False]  # the second is where the object already is
    assert [r.updates for r in rows] == [3, 0, 3] and calls == [0, 2]  # budget spent, then moved on
    assert rows[0].position_error_m == pytest.approx(0.05, abs=1e-3)


def test_imitate_command_end_to_end_with_an_unseen_hand_and_resumes(recording, tmp_path, capsys):
    out = tmp_path / "imitate"
    argv = ["imitate", str(recording), "--model", "box-5hands", "--hand", "umi", "--out", str(out)]
    argv += ["--keyframes", "1", "--max-updates", "2", "--candidates", "16", "--video", "gif"]
    assert main(argv) == 0
    s = json.loads((out / "summary.json").read_text())
    r = json.loads((out / "recordings" / f"{recording.stem}.json").read_text())
    assert s["recordings"] == 1 and s["hand"] == "umi" and s["dynamics"] == "learned"
    assert len(r["keyframes"]) == 1 and r["source"] == "simulated" and 1 <= r["updates"] <= 2
    k = r["keyframes"][0]
    assert {"goal", "reached", "yaw_error_deg", "position_error_m", "seconds_per_update"} <= set(k)
    assert r["final_yaw_error_deg"] == pytest.approx(k["yaw_error_deg"])  # the end is the last keyframe
    assert Path(r["video"]).exists() and Path(r["video"]).suffix == ".gif"
    capsys.readouterr()
    assert main(argv) == 0  # resumed: nothing imitated again
    assert f"{recording.name}:" not in capsys.readouterr().out
    assert main([*argv[:-2], "--video", "none"]) == 2  # other settings, same --out: refused


def hand_at(lows: list[float]) -> np.ndarray:
    """Keypoints (T, 21, 3) of a hand whose lowest keypoint is at height lows[t], its others 2-8 cm above."""
    kp = np.zeros((len(lows), 21, 3))
    kp[:, :, 2] = np.asarray(lows)[:, None] + np.linspace(0.0, 0.06, 21)
    kp[:, :, :2] = np.random.default_rng(0).uniform(-0.05, 0.05, (21, 2))
    return kp


def lump_clouds(frames: int, top: float = 0.045) -> np.ndarray:
    """A seen lump (T, M, 3): points up to `top`, the last rows NaN padding."""
    pts = np.random.default_rng(1).uniform([-0.035, -0.035, 0.0], [0.035, 0.035, top], (300, 3))
    clouds = np.concatenate([np.repeat(pts[None], frames, 0), np.full((frames, 20, 3), np.nan)], 1)
    return clouds


def test_clay_keyframes_one_per_press_where_the_hand_hides_least():
    from xembody.planning.clay_subgoals import clay_demonstration, press_keyframes

    # top ~0.045: in the clay below ~0.049. Two presses (frames 2 and 8); between them the hand is out at
    # frames 4-7, highest at 6 (frame 5, higher still, is a tracker dropout the caller did not keep).
    lows = [0.07, 0.06, 0.03, 0.02, 0.055, 0.09, 0.062, 0.052, 0.03, 0.02, 0.06, 0.065]
    keep = np.ones(len(lows), bool)
    keep[5] = False
    clouds = lump_clouds(len(lows))
    demo = press_keyframes(hand_at(lows), clouds, keep)
    assert demo.presses == [2, 8] and demo.keyframes == [6, 11]  # the end: the last kept frame
    assert demo.top == pytest.approx(0.045, abs=0.003) and demo.first == 0
    goal = demo.goal(clouds, 0, 500)
    assert goal.points.shape == (500, 3) and goal.points[:, 2].max() <= 0.046  # completed from the table up
    # Still in the clay at the end: the end is a keyframe of its own.
    assert press_keyframes(hand_at(lows[:10]), clouds[:10], keep[:10]).keyframes == [6, 9]
    with pytest.raises(XembodyError, match="never comes within .* no press to imitate") as e:
        clay_demonstration(hand_at([0.07] * 12), clouds, keep, where="rec.npz")
    assert str(e.value).startswith("rec.npz: ") and "\n" not in str(e.value)


@pytest.fixture(scope="module")
def clay_recording(tmp_path_factory) -> Path:
    """One simulated clay demonstration: the human's first press of a goal script (~20 frames)."""
    out = tmp_path_factory.mktemp("clay_demos")
    assert (
        main(
            ["data", "demo-recordings", "--task", "plasticine", "--n", "1", "--presses", "1"]
            + ["--out", str(out)]
        )
        == 0
    )
    return next(out.glob("*.npz"))


def test_imitate_plasticine_end_to_end_scored_on_the_humans_clay(clay_recording, tmp_path, capsys):
    from xembody.experiments.clay_demos import particles_path
    from xembody.goals import SHAPE_TOLERANCE

    truth = np.load(particles_path(clay_recording))
    with np.load(clay_recording) as z:
        assert str(z["source"]) == "simulated" and len(z["keypoints"]) == len(truth)
    out = tmp_path / "imitate"
    argv = ["imitate", str(clay_recording), "--task", "plasticine", "--model", "plasticine-5hands"]
    argv += ["--hand", "leap", "--max-updates", "1", "--video", "gif", "--out", str(out)]
    assert main(argv) == 0
    r = json.loads((out / "recordings" / f"{clay_recording.stem}.json").read_text())
    assert r["presses"] == 1 and len(r["keyframes"]) == 1 and r["keyframes"][0]["frame"] == len(truth) - 1
    k = r["keyframes"][0]
    assert k["updates"] == 1 and (k["steps"] > 0) != (k["holds"] == 1)  # pressed once, or held
    assert r["final_shape_error"] == pytest.approx(k["true_error"])  # the end is the last keyframe
    assert r["success"] == (r["final_shape_error"] < SHAPE_TOLERANCE)
    assert r["demo_change"] > 0.005 and r["start_error"] < 0.025  # the human's press changed the clay
    assert Path(r["video"]).exists() and Path(r["video"]).suffix == ".gif"
    s = json.loads((out / "summary.json").read_text())
    assert (
        s["recordings"] == 1 and s["dynamics"] == "learned" and "clay recordings" in capsys.readouterr().out
    )
    # True particles that do not belong to the recording: refused in one line naming their file.
    bad = tmp_path / "bad" / clay_recording.name
    bad.parent.mkdir()
    bad.write_bytes(clay_recording.read_bytes())
    np.save(particles_path(bad), truth[:3])
    assert main([*argv[:1], str(bad), *argv[2:-1], str(tmp_path / "bad_out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "particles.npy" in err and "frames" in err
