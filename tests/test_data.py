"""Collection and the episode store: determinism, resume, validation of damaged copies, the Dataset."""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from xembody.cli import main
from xembody.data import (
    CollectConfig,
    EpisodeStore,
    EpisodeWindows,
    collate,
    collect_episodes,
    info,
    validate,
)
from xembody.data.store import EPISODES
from xembody.embodiments.hand_frame import hand_frame
from xembody.errors import XembodyError
from xembody.explore import episode_rng, run_episode
from xembody.sim import make_scene

SMALL = dict(hand="franka_hand", task="box", frames=8, episodes=4, seed=3)


def files(root: Path) -> dict[str, bytes]:
    """Every episode file's bytes, by name."""
    return {p.name: p.read_bytes() for p in sorted((Path(root) / EPISODES).iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "small"
    collect_episodes(CollectConfig(out=out, **SMALL), progress=False)
    return out


def test_collect_gives_a_valid_dataset(small):
    n, problems = validate(small)
    assert n == 4 and problems == []
    summary = info(small)
    assert summary["episodes"] == 4 and summary["frames"] == 32
    assert summary["hands"] == {"franka_hand": 4} and summary["particles_hand+object"] == {"50+100": 4}
    ep = EpisodeStore.open(small).read(EpisodeStore.open(small).names()[0])
    a = ep.arrays
    assert a["hand_points"].shape == (8, 50, 3) and a["object_points"].shape == (8, 100, 3)
    assert a["ctrl"].shape == (7, ep.attrs["n_ctrl"]) and a["qpos"].shape == (8, ep.attrs["dof"])
    assert ep.attrs["source"] == "sim" and ep.attrs["object_kind"] == "rigid" and ep.attrs["dt"] == 0.1


def test_same_seed_same_bytes_whatever_the_workers(small, tmp_path):
    collect_episodes(CollectConfig(out=tmp_path / "w2", workers=2, **SMALL), progress=False)
    assert files(tmp_path / "w2") == files(small)
    collect_episodes(CollectConfig(out=tmp_path / "other", **{**SMALL, "seed": 4}), progress=False)
    other = files(tmp_path / "other")
    assert list(other.values()) != list(files(small).values())


def test_ray_backend_gives_the_same_episodes(small, tmp_path):
    pytest.importorskip("ray")
    collect_episodes(CollectConfig(out=tmp_path / "ray", workers=2, backend="ray", **SMALL), progress=False)
    assert files(tmp_path / "ray") == files(small)


def test_interrupted_collection_resumes_to_the_same_dataset(small, tmp_path, monkeypatch):
    out = tmp_path / "resume"
    real_write = EpisodeStore.write
    calls = []

    def crash_on_third(self, name, episode):
        calls.append(name)
        if len(calls) == 3:
            (self.root / ".staging").mkdir(exist_ok=True)
            (self.root / ".staging" / "half-written.h5").write_bytes(b"HDF")  # what a crash leaves
            raise KeyboardInterrupt
        return real_write(self, name, episode)

    monkeypatch.setattr(EpisodeStore, "write", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        collect_episodes(CollectConfig(out=out, **SMALL), progress=False)
    assert len(EpisodeStore.open(out)) == 2 and validate(out)[1] == []
    monkeypatch.setattr(EpisodeStore, "write", real_write)
    result = collect_episodes(CollectConfig(out=out, **SMALL), progress=False)
    assert (result.written, result.existing) == (2, 2)
    assert files(out) == files(small)
    assert not any((out / ".staging").iterdir())


def test_bad_output_directories(tmp_path, small):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    with pytest.raises(XembodyError, match="not an xembody dataset"):
        collect_episodes(CollectConfig(out=tmp_path / "notes", **SMALL), progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(XembodyError, match="not a directory"):
        collect_episodes(CollectConfig(out=tmp_path / "file", **SMALL), progress=False)
    copy = tmp_path / "copy"
    shutil.copytree(small, copy)
    with pytest.raises(XembodyError, match="other settings.*frames"):
        collect_episodes(CollectConfig(out=copy, **{**SMALL, "frames": 9}), progress=False)
    with pytest.raises(XembodyError, match="unknown task"):
        collect_episodes(CollectConfig(out=tmp_path / "t", **{**SMALL, "task": "juggle"}), progress=False)
    with pytest.raises(XembodyError, match="unknown hand"):
        collect_episodes(CollectConfig(out=tmp_path / "h", **{**SMALL, "hand": "tentacle"}), progress=False)
    assert not (tmp_path / "t").exists() and not (tmp_path / "h").exists()


def test_unstable_episodes_are_skipped_and_logged(tmp_path, monkeypatch):
    from xembody.sim.scene import Scene

    monkeypatch.setattr(Scene, "unstable", lambda self, *points: "object left the table")
    out = tmp_path / "unstable"
    r = collect_episodes(CollectConfig(out=out, **{**SMALL, "episodes": 2}), progress=False)
    assert (r.written, r.skipped) == (0, 2)
    assert len(EpisodeStore.open(out).skipped()) == 2
    again = collect_episodes(CollectConfig(out=out, **{**SMALL, "episodes": 2}), progress=False)
    assert (again.written, again.skipped) == (0, 2)  # not retried forever


def damage(root: Path, names: list[str]) -> dict[str, str]:
    """Break one episode per kind of damage; returns the problem text each should produce."""
    path = lambda i: root / EPISODES / f"{names[i]}.h5"  # noqa: E731
    with h5py.File(path(0), "r+") as f:
        f["hand_points"][3, 7] = np.nan
    with h5py.File(path(1), "r+") as f:
        f["object_points"][5] += 1.5
    data = path(2).read_bytes()
    path(2).write_bytes(data[: len(data) // 2])  # a copy cut short
    with h5py.File(path(3), "r+") as f:
        del f["qpos"]
    return {names[0]: "NaN", names[1]: "explodes", names[2]: "unreadable", names[3]: "missing array 'qpos'"}


def test_validate_names_every_problem_in_a_damaged_copy(small, tmp_path, capsys):
    copy = tmp_path / "damaged"
    shutil.copytree(small, copy)
    expected = damage(copy, EpisodeStore.open(copy).names())
    n, problems = validate(copy)
    for name, what in expected.items():
        assert any(name in p and what in p for p in problems), (name, what, problems)
    assert main(["data", "validate", str(copy)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == len(problems)
    assert main(["data", "validate", str(small)]) == 0


def test_validate_rejects_wrong_dtype_and_shapes(small, tmp_path):
    copy = tmp_path / "dtype"
    shutil.copytree(small, copy)
    name = EpisodeStore.open(copy).names()[0]
    with h5py.File(copy / EPISODES / f"{name}.h5", "r+") as f:
        qpos = f["qpos"][()]
        del f["qpos"]
        f["qpos"] = qpos.astype(np.float64)[:-1]
    (copy / EPISODES / "notes.txt").write_text("stray")
    problems = validate(copy)[1]
    assert any("qpos has dtype float64" in p for p in problems)
    assert any("qpos has 7 frames, expected 8" in p for p in problems)
    assert any("notes.txt: not an episode file" in p for p in problems)


def test_info_cli_json(small, capsys):
    assert main(["data", "info", str(small), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["episodes"] == 4
    assert main(["data", "info", str(small.parent / "missing")]) == 2


def test_windows_and_padded_batches(small, tmp_path):
    other = tmp_path / "more_points"
    collect_episodes(
        CollectConfig(out=other, n_hand_points=30, n_object_points=60, **{**SMALL, "episodes": 1}),
        progress=False,
    )
    ds = EpisodeWindows([small, other], horizon=5)
    assert len(ds) == 5 * (8 - 5)
    item = ds[4]
    assert item["hand"].shape == (6, 50, 3) and item["object"].shape == (6, 100, 3)
    torch.testing.assert_close(item["action"], item["hand"][1:] - item["hand"][:-1])
    batch = collate([ds[0], ds[len(ds) - 1]])
    assert batch.hand.shape == (2, 6, 50, 3) and batch.object.shape == (2, 6, 100, 3)
    assert batch.hand_mask.sum(1).tolist() == [50, 30] and batch.object_mask.sum(1).tolist() == [
        100,
        60,
    ]
    assert EpisodeWindows([small], hands=["franka_hand"], tasks=["box"]).names
    with pytest.raises(XembodyError, match="no episodes"):
        EpisodeWindows([small], hands=["shadow"])


@pytest.mark.parametrize(
    ("hand", "task", "episodes"), [("allegro", "box", 4), ("franka_hand", "plasticine", 3)]
)
def test_default_episodes_touch_the_object_most_of_the_time(hand, task, episodes):
    scene = make_scene(hand, task)
    frame = hand_frame(scene.hand)
    from xembody.sim.tasks import TASKS

    t = TASKS[task]
    fractions = [
        run_episode(scene, frame, t.policy, t.frames, episode_rng(0, i)).contact_fraction
        for i in range(episodes)
    ]
    assert np.mean(fractions) > 0.5, fractions


def test_ctrl_c_keeps_finished_episodes_and_resumes(tmp_path):
    """A real SIGINT to `xembody collect` with two worker processes: exit 130, a valid dataset, resume."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "xembody.cli", "collect", "--hand", "franka_hand", "--task", "plasticine"]
    cmd += ["--frames", "10", "--episodes", "500", "--workers", "2", "--out", str(out)]
    # A shell's background jobs ignore SIGINT, and children inherit that: restore the default for this one.
    restore = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy(), preexec_fn=restore
    )
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / EPISODES).glob("*.h5"))) < 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()[-500:]
    done = len(EpisodeStore.open(out))
    assert 2 <= done < 500 and validate(out)[1] == []
    r = collect_episodes(
        CollectConfig("franka_hand", "plasticine", frames=10, episodes=done + 1, out=out), progress=False
    )
    assert (r.written, r.existing) == (1, done)
