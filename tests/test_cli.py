"""The `xembody` command: hands table, JSON, rendering, and errors."""

import json
import subprocess
import sys

import numpy as np
from PIL import Image

from conftest import HAND_NAMES
from xembody.cli import main


def test_hands_json_lists_every_hand(capsys):
    assert main(["hands", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == HAND_NAMES
    by_name = {r["name"]: r for r in rows}
    assert by_name["shadow"]["joints"] == 24 and by_name["shadow"]["actuators"] == 20
    assert by_name["robotiq_2f85"]["actuators"] == 1 and by_name["human"]["joints"] == 20
    assert all(r["particles"] == 50 for r in rows)


def test_hands_table(capsys):
    assert main(["hands"]) == 0
    out = capsys.readouterr().out
    for name in HAND_NAMES:
        assert name in out


def test_show_renders_the_hand_with_its_particles(tmp_path, capsys):
    assert main(["hands", "--show", "allegro", "--out", str(tmp_path)]) == 0
    img = np.asarray(Image.open(tmp_path / "allegro.png"))
    assert img.shape == (480, 1280, 3)
    red = (img[..., 0] > 180) & (img[..., 1] < 90) & (img[..., 2] < 90)  # particle spheres
    grey = (np.abs(img.astype(int) - img.mean(-1, keepdims=True)).max(-1) < 10) & (img.mean(-1) > 40)
    assert red.sum() > 200 and grey.sum() > 5000


def test_errors_are_one_line_with_exit_code_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "xembody.cli", "hands", "--show", str(tmp_path / "no.xml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no such MJCF file" in proc.stderr
