"""Rough edges of the data commands: recordings known by content, empty inputs and directories, seeds
and hand paths on resume, files that are not recordings, infinite keypoints."""

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from test_loading import GRIPPER, write
from xembody.data import (
    CollectConfig,
    EpisodeStore,
    EpisodeWindows,
    ImportConfig,
    collect_episodes,
    import_recordings,
    info,
    validate,
)
from xembody.data.importer import INDEX, read_index
from xembody.data.store import EPISODES, MARKER
from xembody.data.tracks import read_track, track_episodes
from xembody.errors import XembodyError
from xembody.resume import dataset_id

SMALL = dict(hand="franka_hand", task="box", frames=6, episodes=1, seed=3)


# --- recordings ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clean() -> dict[str, np.ndarray]:
    """20 frames (10 Hz) of the simulated human hand sliding over a box seen by a camera: one episode."""
    from xembody.embodiments import load_hand

    human = load_hand("human", n_points=50)
    lo, hi = human.qpos_limits.T
    q = np.repeat((lo + (hi - lo) * np.random.default_rng(0).uniform(0.3, 0.7, len(lo)))[None], 20, 0)
    q[:, 0] += 0.005 * np.arange(20)
    q[:, 2] = 0.1
    with torch.no_grad():
        kp = human.keypoints(torch.as_tensor(q)).numpy()
    obj = np.random.default_rng(1).uniform(-0.03, 0.03, (20, 60, 3)) + [0.0, 0.0, 0.03]
    return {"keypoints": kp, "object_points": obj, "fps": 10.0, "handedness": "right"}


def record(path: Path, arrays: dict, **changes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{**arrays, **changes})
    return path


def episode_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / EPISODES).iterdir())}


def test_a_first_import_gives_the_names_and_bytes_of_before(clean, tmp_path):
    kp = clean["keypoints"].copy()
    kp[10] = np.nan  # two runs of trusted frames: rec-000, rec-001
    rec = record(tmp_path / "rec.npz", clean, keypoints=kp)
    result = import_recordings(ImportConfig(recordings=(rec,), out=tmp_path / "human"))
    assert [(f.name, f.episodes, f.new, f.frames) for f in result.files] == [("rec", 2, 2, 19)]
    assert result.new == 2 and result.files[0].dropped["missing_hand"] == 1
    # What the importer wrote before it knew recordings by content: the recording's episodes, named by stem.
    before = EpisodeStore.create(tmp_path / "before")
    for name, ep in track_episodes(read_track(rec), "rec", "box", None, min_frames=6, seed=0)[0]:
        before.write(name, ep)
    assert episode_files(tmp_path / "human") == episode_files(tmp_path / "before")
    assert sorted(episode_files(tmp_path / "human")) == ["rec-000.h5", "rec-001.h5"]
    assert validate(tmp_path / "human") == (2, [])


def test_recordings_are_known_by_content_not_by_file_name(clean, tmp_path):
    out = tmp_path / "human"
    first = record(tmp_path / "a" / "rec.npz", clean)
    assert import_recordings(ImportConfig(recordings=(first,), out=out)).new == 1
    # The same file again, and a copy under another name: nothing new.
    copy = tmp_path / "renamed.npz"
    shutil.copy(first, copy)
    again = import_recordings(ImportConfig(recordings=(first, copy), out=out))
    assert again.new == 0 and [f.name for f in again.files] == ["rec", "rec"]
    # Another recording that happens to share the file name: imported, under a name from its content.
    other = record(tmp_path / "b" / "rec.npz", clean, keypoints=clean["keypoints"] + [0.001, 0.0, 0.0])
    result = import_recordings(ImportConfig(recordings=(other,), out=out))
    name = result.files[0].name
    assert result.new == 1 and name.startswith("rec~") and len(name) == len("rec~") + 8
    store = EpisodeStore.open(out)
    assert store.names() == ["rec-000", f"{name}-000"]
    assert store.attrs(f"{name}-000")["recording"] == name
    assert import_recordings(ImportConfig(recordings=(other, first), out=out)).new == 0
    assert [e["name"] for e in read_index(out)] == ["rec", name]
    assert validate(out) == (2, [])


def test_datasets_imported_before_the_index_are_matched_by_content(clean, tmp_path):
    out = tmp_path / "human"
    rec = record(tmp_path / "a" / "rec.npz", clean)
    import_recordings(ImportConfig(recordings=(rec,), out=out))
    (out / INDEX).unlink()  # as an older xembody left it
    assert import_recordings(ImportConfig(recordings=(rec,), out=out)).new == 0
    assert [e["name"] for e in read_index(out)] == ["rec"]  # now recorded
    (out / INDEX).unlink()
    other = record(tmp_path / "b" / "rec.npz", clean, object_points=clean["object_points"] * 0.9)
    result = import_recordings(ImportConfig(recordings=(other,), out=out))
    assert result.new == 1 and result.files[0].name.startswith("rec~")
    assert len(EpisodeStore.open(out)) == 2


def test_a_cut_index_line_is_skipped_and_ended(clean, tmp_path):
    out = tmp_path / "human"
    rec = record(tmp_path / "rec.npz", clean)
    import_recordings(ImportConfig(recordings=(rec,), out=out))
    with open(out / INDEX, "a") as f:
        f.write('{"sha256": "ab')  # a crash mid-line
    other = record(tmp_path / "other.npz", clean, object_points=clean["object_points"] * 0.9)
    assert import_recordings(ImportConfig(recordings=(other,), out=out)).new == 1
    assert [e["name"] for e in read_index(out)] == ["rec", "other"]


def test_nothing_to_import_is_an_error_and_creates_nothing(clean, tmp_path, capsys):
    from xembody.cli import main

    out = tmp_path / "human"
    with pytest.raises(XembodyError, match="no recordings given"):
        import_recordings(ImportConfig(recordings=(), out=out))
    lost = record(tmp_path / "lost.npz", clean, keypoints=np.full_like(clean["keypoints"], np.nan))
    short = record(
        tmp_path / "short.npz",
        clean,
        keypoints=np.where(np.arange(20)[:, None, None] % 4 == 0, np.nan, clean["keypoints"]),
    )
    with pytest.raises(XembodyError, match="no episodes") as e:
        import_recordings(ImportConfig(recordings=(lost, short), out=out))
    message = str(e.value)
    assert "lost.npz" in message and "'missing_hand': 20" in message and "short.npz" in message
    assert "\n" not in message and not out.exists()
    assert main(["data", "import", str(lost), "--out", str(out)]) != 0
    assert "lost.npz" in capsys.readouterr().err and not out.exists()
    # One usable recording among rejected ones is imported; the others are reported with 0 episodes.
    good = record(tmp_path / "good.npz", clean)
    result = import_recordings(ImportConfig(recordings=(lost, good), out=out))
    assert [(f.name, f.episodes, f.new) for f in result.files] == [("lost", 0, 0), ("good", 1, 1)]
    assert [e["name"] for e in read_index(out)] == ["good"]


def test_infinite_keypoints_are_dropped_frames_without_warnings(clean, tmp_path):
    out = tmp_path / "human"
    inf = record(tmp_path / "inf.npz", clean, keypoints=np.full_like(clean["keypoints"], np.inf))
    kp = clean["keypoints"].copy()
    kp[0] = np.inf
    kp[19, 3] = -np.inf
    kp[19, 4, 2] = np.nan
    some = record(tmp_path / "some.npz", clean, keypoints=kp)
    zeros = record(tmp_path / "zeros.npz", clean, keypoints=np.zeros_like(kp))  # every bone 0 m long
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(XembodyError, match="'missing_hand': 20"):
            import_recordings(ImportConfig(recordings=(inf,), out=out))
        with pytest.raises(XembodyError, match="'implausible_hand': 20"):
            import_recordings(ImportConfig(recordings=(zeros,), out=out))
        result = import_recordings(ImportConfig(recordings=(some,), out=out))
    assert result.files[0].dropped["missing_hand"] == 2 and result.files[0].frames == 18
    assert validate(out) == (1, [])


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda p: p.write_text("keypoints,x,y,z\n0,0.1,0.2,0.3\n"), "not a zip archive"),
        (lambda p: np.save(p, np.zeros((4, 21, 3))), "a single .npy array"),
        (lambda p: p.write_bytes(b""), "an empty file"),
    ],
)
def test_files_that_are_not_recordings_get_one_short_line(tmp_path, make, what):
    path = tmp_path / "rec.npz"
    make(path)
    if not path.exists():  # np.save added .npy
        path = tmp_path / "rec.npz.npy"
    with pytest.raises(XembodyError, match="not an .npz recording") as e:
        read_track(path)
    message = str(e.value)
    assert str(path) in message and what in message and "pickle" not in message and "\n" not in message


def test_pickled_arrays_are_refused_without_pickle_advice(clean, tmp_path):
    path = record(tmp_path / "rec.npz", clean, label=np.array([{"a": 1}], dtype=object))
    with pytest.raises(XembodyError, match="holds Python objects") as e:
        read_track(path)
    assert "allow_pickle" not in str(e.value)


# --- empty dataset directories -------------------------------------------------------------------------
def test_an_empty_directory_is_named_as_such(tmp_path, capsys):
    from xembody.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    for read in (validate, info, lambda p: EpisodeWindows([p])):
        with pytest.raises(XembodyError, match="empty directory, not an xembody dataset") as e:
            read(empty)
        assert "not empty" not in str(e.value)
    assert main(["data", "validate", str(empty)]) == 2
    assert "empty directory" in capsys.readouterr().err
    (empty / "notes.txt").write_text("x")
    with pytest.raises(XembodyError, match="not empty and not an xembody dataset"):
        validate(empty)


def test_a_dataset_has_an_identity_and_old_markers_still_open(tmp_path):
    a, b = EpisodeStore.create(tmp_path / "a"), EpisodeStore.create(tmp_path / "b")
    assert dataset_id(a.root) and dataset_id(a.root) != dataset_id(b.root)
    marker = json.loads((a.root / MARKER).read_text())
    assert set(marker) == {"format", "version", "id"}
    (a.root / MARKER).write_text(json.dumps({"format": marker["format"], "version": marker["version"]}))
    assert len(EpisodeStore.open(a.root)) == 0 and dataset_id(a.root) is None


# --- collect -------------------------------------------------------------------------------------------
def test_another_seed_into_the_same_dataset_is_refused(tmp_path):
    out = tmp_path / "data"
    collect_episodes(CollectConfig(out=out, **SMALL), progress=False)
    with pytest.raises(XembodyError, match=r"--seed 3, not --seed 4; use another --out or --seed 3") as e:
        collect_episodes(CollectConfig(out=out, **{**SMALL, "seed": 4}), progress=False)
    assert str(out) in str(e.value)
    r = collect_episodes(CollectConfig(out=out, **{**SMALL, "episodes": 2}), progress=False)
    assert (r.written, r.existing) == (1, 1)
    # Another object is another set of episodes: allowed beside these.
    r = collect_episodes(CollectConfig(out=out, object="cylinder", **{**SMALL, "seed": 4}), progress=False)
    assert r.written == 1


def test_nothing_to_collect_is_an_error(tmp_path):
    with pytest.raises(XembodyError, match="nothing to collect: --episodes must be at least 1"):
        collect_episodes(CollectConfig(out=tmp_path / "none", **{**SMALL, "episodes": 0}), progress=False)
    assert not (tmp_path / "none").exists()


def test_a_hand_file_by_relative_or_absolute_path_is_one_hand(tmp_path, monkeypatch):
    write(tmp_path, GRIPPER, "gripper.xml")
    out = tmp_path / "data"
    small = {**SMALL, "frames": 4}
    collect_episodes(
        CollectConfig(out=out, **{**small, "hand": str(tmp_path / "gripper.xml")}), progress=False
    )
    monkeypatch.chdir(tmp_path)
    r = collect_episodes(
        CollectConfig(out=out, **{**small, "hand": "gripper.xml", "episodes": 2}), progress=False
    )
    assert (r.written, r.existing) == (1, 1)
    store = EpisodeStore.open(out)
    # Each episode keeps its recipe as it was given (so the same command gives the same bytes).
    assert [store.attrs(n)["recipe"]["hand"] for n in store.names()] == [
        str(tmp_path / "gripper.xml"),
        "gripper.xml",
    ]
    (tmp_path / "other").mkdir()
    write(tmp_path / "other", GRIPPER.replace("100", "50"), "gripper.xml")
    with pytest.raises(XembodyError, match=r"other settings \(hand\)"):
        collect_episodes(CollectConfig(out=out, **{**small, "hand": "other/gripper.xml"}), progress=False)


def test_a_hand_file_that_does_not_load_leaves_no_dataset_behind(tmp_path):
    (tmp_path / "broken.xml").write_text("<mujoco><worldbody><body")
    bad = {**SMALL, "hand": str(tmp_path / "broken.xml")}
    with pytest.raises(XembodyError, match="broken.xml"):
        collect_episodes(CollectConfig(out=tmp_path / "new", **bad), progress=False)
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(XembodyError, match="broken.xml"):
        collect_episodes(CollectConfig(out=tmp_path / "empty", **bad), progress=False)
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())
    # A dataset that was there keeps everything.
    collect_episodes(CollectConfig(out=tmp_path / "data", **SMALL), progress=False)
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "data").rglob("*"))
    with pytest.raises(XembodyError, match="broken.xml"):
        collect_episodes(CollectConfig(out=tmp_path / "data", **bad), progress=False)
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "data").rglob("*")) == before
