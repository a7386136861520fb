"""One 'same settings, so resume' check: places compare by identity, settings by value."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from xembody.data.store import EpisodeStore
from xembody.errors import XembodyError
from xembody.resume import SETTINGS, check_same_settings, settings_of


@dataclass(frozen=True)
class Job:
    data: tuple[Path, ...]
    steps: int = 10
    lr: float = 1e-3
    out: Path = Path("runs/x")


def test_same_dataset_by_relative_path_or_moved_is_the_same_setting(tmp_path, monkeypatch):
    data = tmp_path / "data"
    EpisodeStore.create(data)
    run = tmp_path / "run"
    check_same_settings(run, Job((data.resolve(),)), ignore=("out", "steps"))
    monkeypatch.chdir(tmp_path)
    check_same_settings(run, Job((Path("data"),), steps=20), ignore=("out", "steps"))  # relative path
    shutil.move(data, tmp_path / "moved")
    check_same_settings(run, Job((Path("moved"),)), ignore=("out", "steps"))  # same dataset, moved
    shutil.move(run, tmp_path / "run2")  # a moved run directory resumes too
    check_same_settings(
        tmp_path / "run2", Job((Path("moved"),), out=Path("elsewhere")), ignore=("out", "steps")
    )


def test_other_settings_or_another_dataset_are_refused_in_one_line(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    EpisodeStore.create(a)
    EpisodeStore.create(b)  # an empty dataset of its own: another identity
    run = tmp_path / "run"
    check_same_settings(run, Job((a,)), what="trained")
    assert json.loads((run / SETTINGS).read_text())["data"][0].startswith("dataset:")
    with pytest.raises(XembodyError, match=r"was trained with other settings \(lr\); use another --out"):
        check_same_settings(run, Job((a,), lr=1e-4), what="trained")
    with pytest.raises(XembodyError, match=r"other settings \(data\)"):
        check_same_settings(run, Job((b,)), what="trained")


def test_settings_of_normalises_paths_and_keeps_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hand.xml").write_text("<mujoco/>")

    @dataclass(frozen=True)
    class Plan:
        hand: str
        model: str

    assert settings_of(Plan("hand.xml", "box-5hands")) == {
        "hand": str((tmp_path / "hand.xml").resolve()),
        "model": "box-5hands",
    }
