"""Human-hand recordings: format, left hands, bad frames, simulated tracks, import, mixing, co-training."""

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch

from xembody.data.tracks import Track, bone_lengths, frame_filter, mirrored, read_track
from xembody.errors import XembodyError


def poses(human) -> np.ndarray:
    """20 joint configurations of the simulated human hand, the wrist sliding 5 mm per frame, (20, dof)."""
    lo, hi = human.qpos_limits.T
    q = np.repeat((lo + (hi - lo) * np.random.default_rng(0).uniform(0.3, 0.7, len(lo)))[None], 20, 0)
    q[:, 0] += 0.005 * np.arange(20)
    q[:, 2] = 0.1
    return q


@pytest.fixture(scope="module")
def good_track(hands) -> Track:
    """20 frames of the simulated human hand moving smoothly (at 10 Hz) over a box seen from a camera."""
    with torch.no_grad():
        kp = hands["human"].keypoints(torch.as_tensor(poses(hands["human"]))).numpy()
    obj = np.random.default_rng(1).uniform(-0.03, 0.03, (20, 60, 3)) + [0.0, 0.0, 0.03]
    return Track(kp, obj, 10.0, "right")


def test_a_clean_track_keeps_every_frame(good_track):
    keep, dropped = frame_filter(good_track)
    assert keep.all() and sum(dropped.values()) == 0


def test_bad_frames_are_dropped_and_counted_by_reason(good_track):
    kp, obj = good_track.keypoints.copy(), good_track.object_points.copy()
    kp[3, 8] = np.nan  # index tip lost
    kp[6, 12] = kp[6, 11] + 1.8 * (kp[6, 12] - kp[6, 11])  # middle distal bone 80% too long
    kp[10] += [0.3, 0.0, 0.0]  # the tracker jumped to something else for one frame
    obj[15, 5:] = np.nan  # only 5 object points seen
    keep, dropped = frame_filter(Track(kp, obj, 10.0, "right"))
    assert dropped == {"missing_hand": 1, "implausible_hand": 1, "jump": 1, "object_unseen": 1}
    assert not keep[[3, 6, 10, 15]].any() and keep.sum() == 16
    assert keep[11]  # after a jump, the track continues from the last kept frame


def test_left_hands_are_mirrored_into_right_hands(good_track, tmp_path):
    left = mirrored(good_track)
    assert left.handedness == "left"
    np.savez(
        tmp_path / "left.npz",
        keypoints=left.keypoints,
        object_points=left.object_points,
        fps=10.0,
        handedness="left",
        source="simulated",
    )
    back = read_track(tmp_path / "left.npz")
    assert back.handedness == "right" and back.attrs == {"source": "simulated"}
    np.testing.assert_allclose(back.keypoints, good_track.keypoints)
    np.testing.assert_allclose(bone_lengths(back.keypoints), bone_lengths(good_track.keypoints))


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"keypoints": np.zeros((4, 20, 3))}, r"keypoints must be \(T, 21, 3\)"),
        ({"object_points": np.zeros((3, 5, 3))}, "object_points must be"),
        ({"fps": -1.0}, "fps must be positive"),
        ({"handedness": "both"}, "handedness"),
        ({"fps": None}, "missing arrays fps"),
    ],
)
def test_bad_recordings_get_one_line_errors_naming_the_file(tmp_path, arrays, message):
    base = {
        "keypoints": np.zeros((4, 21, 3)),
        "object_points": np.zeros((4, 5, 3)),
        "fps": 10.0,
        "handedness": "right",
    }
    base.update(arrays)
    path = tmp_path / "rec.npz"
    np.savez(path, **{k: v for k, v in base.items() if v is not None})
    with pytest.raises(XembodyError, match=message) as e:
        read_track(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_truncated_recording_is_reported(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(
        path, keypoints=np.zeros((4, 21, 3)), object_points=np.zeros((4, 5, 3)), fps=10.0, handedness="right"
    )
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(XembodyError, match="not a readable"):
        read_track(path)


def test_a_recording_becomes_valid_human_episodes_split_at_dropped_frames(good_track, hands, tmp_path):
    from xembody.data.store import EpisodeStore
    from xembody.data.tracks import track_episodes
    from xembody.data.validate import validate

    kp = good_track.keypoints.copy()
    kp[8] = np.nan  # splits the 20 frames into 8 + 11
    obj = good_track.object_points.copy()
    obj[:, 40:] = np.nan  # a partial view: 40 points seen per frame, 100 needed
    track = Track(kp, obj, 10.0, "right", {"source": "simulated"})
    episodes, dropped = track_episodes(track, "rec", "box", "box", min_frames=6)
    assert dropped["missing_hand"] == 1
    assert [len(ep.arrays["hand_points"]) for _, ep in episodes] == [8, 11]
    _, second = episodes[1]
    assert second.attrs["frames"][0] == 9 and second.attrs["source"] == "human"
    assert (
        second.arrays["object_points"].shape == (11, 100, 3)
        and np.isfinite(second.arrays["object_points"]).all()
    )
    # Hand particles are the human embodiment's, placed by the keypoints: equal to its FK of the same pose.
    human = hands["human"]
    with torch.no_grad():
        fk = human.points(torch.as_tensor(poses(human)[9:])).numpy()
    np.testing.assert_allclose(second.arrays["hand_points"], fk, atol=1e-5)
    store = EpisodeStore.create(tmp_path / "human")
    for name, ep in episodes:
        store.write(name, ep)
    n, problems = validate(tmp_path / "human")
    assert n == 2 and problems == []


def test_import_command_writes_episodes_reports_drops_and_resumes(good_track, tmp_path, capsys):
    from xembody.cli import main
    from xembody.data.validate import validate

    kp = good_track.keypoints.copy()
    kp[10] = np.nan
    np.savez(
        tmp_path / "rec.npz",
        keypoints=kp,
        object_points=good_track.object_points,
        fps=10.0,
        handedness="right",
        source="simulated",
    )
    argv = ["data", "import", str(tmp_path / "rec.npz"), "--out", str(tmp_path / "human")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 episodes (2 new)" in out and "'missing_hand': 1" in out
    assert validate(tmp_path / "human") == (2, [])
    assert main(argv) == 0
    assert "2 episodes (0 new)" in capsys.readouterr().out
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    assert main(["data", "import", str(tmp_path / "bad.npz"), "--out", str(tmp_path / "human")]) == 2
    assert "bad.npz" in capsys.readouterr().err


def human_datasets(tmp: Path, imported: bool = True) -> tuple[Path, Path]:
    """Two simulated human box episodes (tmp/sim), their recordings (tmp/recs), imported (tmp/human)."""
    from xembody.cli import main

    sim, recs, human = tmp / "sim", tmp / "recs", tmp / "human"
    argv = [
        "collect",
        "--hand",
        "human",
        "--task",
        "box",
        "--episodes",
        "2",
        "--workers",
        "1",
        "--out",
        str(sim),
    ]
    assert main(argv) == 0
    assert main(["data", "simulate-tracks", str(sim), "--out", str(recs)]) == 0
    if imported:
        assert main(["data", "import", *map(str, sorted(recs.glob("*.npz"))), "--out", str(human)]) == 0
    return sim, human


def test_simulated_recordings_go_through_the_importer(tmp_path, capsys):
    """collect --hand human -> simulate-tracks (noise, dropouts, partial view) -> import -> valid episodes."""
    from xembody.cli import main
    from xembody.data.validate import validate
    from xembody.sensing import visible

    sim, _ = human_datasets(tmp_path, imported=False)
    recs = sorted((tmp_path / "recs").glob("*.npz"))
    assert len(recs) == 2
    with np.load(recs[0]) as z:
        assert str(z["source"]) == "simulated" and z["keypoints"].shape == (50, 21, 3)
        seen = np.isfinite(z["object_points"]).all(-1).sum(1)
        assert 0 < seen.min() and seen.max() < 100  # a partial view of the 100 particles
    assert main(["data", "import", *map(str, recs), "--out", str(tmp_path / "human")]) == 0
    n, problems = validate(tmp_path / "human")
    assert n >= 2 and problems == []
    # The z-buffer: of two points on one line of sight, only the nearer is seen; an occluder hides a point.
    cam = np.zeros(3)
    pts = np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert visible(pts, np.empty((0, 3)), cam, 1.0).tolist() == [True, False, True]
    assert visible(pts, np.array([[0.0, 0.5, 0.0]]), cam, 1.0).tolist() == [True, False, False]


def test_simulated_human_plasticine_presses_go_through_the_importer(tmp_path, capsys):
    """The paper's human data: PalmPress, FingersPinch, ThumbPinch on the clay, as tracked recordings."""
    from xembody.cli import main
    from xembody.data.store import EpisodeStore
    from xembody.data.validate import validate

    raw, recs, out = tmp_path / "raw", tmp_path / "recs", tmp_path / "human"
    argv = ["collect", "--hand", "human", "--task", "plasticine", "--episodes", "2", "--frames", "8"]
    assert main([*argv, "--out", str(raw)]) == 0
    assert main(["data", "simulate-tracks", str(raw), "--out", str(recs)]) == 0
    files = sorted(recs.glob("*.npz"))
    with np.load(files[0]) as z:
        assert (str(z["task"]), str(z["object"]), str(z["policy"])) == ("plasticine", "plasticine", "press")
        assert 0 < np.isfinite(z["object_points"]).all(-1).sum(1).max() < 300  # a partial view of the clay
    assert main(["data", "import", *map(str, files), "--task", "plasticine", "--out", str(out)]) == 0
    n, problems = validate(out)
    assert n >= 2 and problems == []
    store = EpisodeStore.open(out)
    ep = store.read(store.names()[0])
    assert ep.attrs["object"] == "plasticine" and ep.attrs["object_kind"] == "deformable"
    assert ep.attrs["recorded"]["policy"] == "press" and ep.attrs["source"] == "human"
    assert ep.arrays["hand_points"].shape[1:] == (200, 3) and ep.arrays["object_points"].shape[1:] == (300, 3)


def test_mixing_sim_and_human_windows_and_per_sample_losses(tmp_path):
    """--mix draws each batch's share from human tracks; human samples get Chamfer + EMD, sim ones MSE."""
    from xembody.data.dataset import EpisodeWindows, collate
    from xembody.train.config import TrainConfig
    from xembody.train.loop import draw, unroll_loss

    sim, human = human_datasets(tmp_path)
    cfg = TrainConfig(data=(sim, human), batch_size=8, mix="sim:human=3:1")
    ds = EpisodeWindows(cfg.data, cfg.horizon)
    is_human = np.array([a["source"] == "human" for a in ds.attrs])[ds.episode_of(np.arange(len(ds)))]
    pick = draw(np.arange(len(ds)), is_human, cfg, torch.Generator().manual_seed(0))
    assert is_human[pick].sum() == 2 and len(pick) == 8
    batch = collate([ds[int(i)] for i in pick])
    assert batch.corresponds.tolist() == (~is_human[pick]).tolist()
    model = cfg.build_model()
    loss, _ = unroll_loss(model, batch, cfg)
    only_sim, _ = unroll_loss(model, collate([ds[int(i)] for i in pick[~is_human[pick]]]), cfg)
    assert torch.isfinite(loss) and loss != only_sim
    with pytest.raises(XembodyError, match="sim:human=A:B"):
        _ = TrainConfig(data=(sim,), mix="sim=1").human_share


def test_cotrain_experiment_runs_end_to_end_at_a_tiny_scale_and_resumes(tmp_path):
    from xembody.data import EpisodeStore
    from xembody.data.importer import read_index
    from xembody.experiments.cotrain import CONTROL, ORACLE_ARM, REFERENCE, CotrainConfig, cotrain

    cfg = CotrainConfig(out=tmp_path / "cotrain", robot_hands="franka_hand", ratios="1:1", batch_size=4)
    tiny = {
        "sim_episodes": 2,
        "human_amounts": (1, 2),
        "human_test": 1,
        "robot_test": 1,
        "steps": 2,
        "plan_main": 2,
        "plan_other": 1,
        "plan_updates": 1,
        "plan_candidates": 8,
    }
    # Processes can share the arms: one arm alone writes its result, not the table.
    with pytest.raises(XembodyError, match="--arms nope: no such arm"):
        cotrain(replace(cfg, arms="nope,sim_only"), tiny)
    (alone,) = cotrain(replace(cfg, arms="sim_only"), tiny)
    assert alone.model == "sim_only" and not (cfg.out / "cotrain.csv").exists()
    rows = cotrain(cfg, tiny)
    assert json.dumps(asdict(rows[0])) == json.dumps(asdict(alone))  # kept, not run again (NaN: 1 test)
    names = [r.model for r in rows]
    assert names == [
        "sim_only",
        "human_only_1",
        "cotrain_1to1_1",
        "human_only_2",
        "cotrain_1to1_2",
        REFERENCE,
        CONTROL,
        ORACLE_ARM,
    ]
    for r in rows[:-1]:
        assert np.isfinite([r.human_chamfer, r.human_emd, r.robot_chamfer]).all() and 0 <= r.plan_success <= 1
    oracle = rows[-1]  # MuJoCo as the dynamics: no model, so no held-out errors; it plans
    assert oracle.human_chamfer is None and oracle.robot_chamfer is None and 0 <= oracle.plan_success <= 1
    # The main arms (middle amount: 2 of [1, 2]) plan more episodes than the rest.
    assert {r.model: r.plan_episodes for r in rows} == {
        "sim_only": 2,
        "human_only_1": 1,
        "cotrain_1to1_1": 1,
        "human_only_2": 2,
        "cotrain_1to1_2": 2,
        REFERENCE: 2,
        CONTROL: 1,
        ORACLE_ARM: 2,  # on the box, one of the main arms: the bound on the same starts
    }
    # The control is untrained and the oracle no model; every other arm trained its steps.
    assert rows[-2].trained_steps == rows[-1].trained_steps == 0
    assert {r.trained_steps for r in rows[:-2]} == {2}
    paired = {p["model"]: p for p in json.loads((cfg.out / "paired.json").read_text())}
    assert set(paired) == set(names) and paired["sim_only"]["updates_minus_sim_only"] == 0
    base = paired["sim_only"]
    assert base["successes_gained"] == base["successes_lost"] == 0 and base["success_p"] == 1.0
    assert paired[CONTROL]["episodes"] == 1 and paired["human_only_2"]["episodes"] == 2
    data = cfg.out / "data"
    # Robot data from the default world, human data and the tests from the shifted one; amounts nested.
    worlds = {
        p.name: EpisodeStore(p).attrs(EpisodeStore(p).names()[0])["recipe"]["world"]
        for p in data.iterdir()
        if p.name.startswith(("sim_", "shifted_", "test_", "human_sim_"))
    }
    w = cfg.world
    assert w != "default" and worlds == {
        "sim_franka_hand": "default",
        f"{w}_franka_hand": w,
        f"test_{w}_leap": w,
        "test_default_leap": "default",
        "human_sim_train": w,
        "human_sim_test": w,
    }
    (one,), two = read_index(data / "human_train_1"), read_index(data / "human_train_2")
    assert len(two) == 2 and one["sha256"] in {e["sha256"] for e in two}  # recordings, not episodes
    plans = json.loads((cfg.out / "models" / "sim_only" / f"plan_leap_{w}" / "settings.json").read_text())
    assert plans["world"] == w and plans["hand"] == "leap"
    assert (cfg.out / "models" / ORACLE_ARM / f"plan_leap_{w}" / "settings.json").is_file()
    assert (cfg.out / "cotrain.csv").read_text().count("\n") == 9 and (cfg.out / "cotrain.png").is_file()
    with pytest.raises(XembodyError, match="other settings \\(sizes\\)"):  # one --out, one experiment
        cotrain(cfg, {**tiny, "steps": 3})
    stamp = (cfg.out / "models" / "sim_only" / "result.json").stat().st_mtime_ns
    again = cotrain(cfg, tiny)  # resumes: nothing is trained or evaluated again (NaN: one test episode)
    assert json.dumps([asdict(r) for r in again]) == json.dumps([asdict(r) for r in rows])
    assert (cfg.out / "models" / "sim_only" / "result.json").stat().st_mtime_ns == stamp
    # More episodes for a main arm: only planning goes on, the same starts first, the scores kept.
    with pytest.raises(XembodyError, match="--plan-main 1: at least the scale's 2"):
        cotrain(replace(cfg, plan_main=1, arms="sim_only"), tiny)
    (more,) = cotrain(replace(cfg, plan_main=3, arms="sim_only"), tiny)
    assert more.plan_episodes == 3 and more.human_chamfer == alone.human_chamfer
    episodes = sorted((cfg.out / "models" / "sim_only" / f"plan_leap_{w}" / "episodes").glob("*.json"))
    assert [json.loads(f.read_text())["episode"] for f in episodes] == [0, 1, 2]


def test_cotrain_refuses_bad_settings_before_collecting(tmp_path):
    from xembody.experiments.cotrain import CotrainConfig, check, check_sim_data

    for bad, why in (
        (dict(task="cloth"), "--task 'cloth'"),
        (dict(world="default"), "the test world must differ"),
        (dict(world="moon"), "unknown world 'moon'"),
        (dict(ratios="1:3,2"), "sim:human=A:B"),
        (dict(ratios="1:3,3:1"), "include 1:1"),
        (dict(robot_hands="allegro,leap"), "must be unseen"),
    ):
        with pytest.raises(XembodyError, match=why):
            check(CotrainConfig(out=tmp_path, **bad))
    assert not any(tmp_path.iterdir())
    from xembody.data import CollectConfig, collect_episodes

    leap = tmp_path / "leap"
    collect_episodes(CollectConfig(hand="leap", task="box", frames=3, episodes=1, out=leap), progress=False)
    with pytest.raises(XembodyError, match="hands other than leap"):  # the held-out hand in the sim data
        check_sim_data(CotrainConfig(sim_data=(leap,)), (leap,))
    with pytest.raises(XembodyError, match="default-world plasticine"):  # another task
        check_sim_data(CotrainConfig(task="plasticine", held_out_hand="human"), (leap,))
