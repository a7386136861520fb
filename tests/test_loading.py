"""Hands from arbitrary MJCF files, and one-line errors for bad input."""

import os
import textwrap

import numpy as np
import pytest
import torch

import xembody
from test_embodiments import random_qpos
from xembody.errors import XembodyError

GRIPPER = """
<mujoco model="two_finger">
  <compiler angle="radian"/>
  <worldbody>
    <body name="base">
      <geom type="box" size="0.04 0.02 0.01"/>
      <body name="left" pos="-0.03 0 -0.02">
        <joint name="left" type="slide" axis="1 0 0" range="0 0.025"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.04" size="0.006"/>
      </body>
      <body name="right" pos="0.03 0 -0.02" euler="0 0 0.3">
        <joint name="right" type="hinge" axis="0 1 0" range="-0.5 0.5"/>
        <geom type="cylinder" fromto="0 0 0 0 0 -0.04" size="0.006"/>
        <geom type="ellipsoid" pos="0 0 -0.045" size="0.008 0.006 0.01"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <position joint="left" kp="100" ctrlrange="0 0.025"/>
    <position joint="right" kp="10" ctrlrange="-0.5 0.5"/>
  </actuator>
</mujoco>
"""


def write(tmp_path, text: str, name: str = "hand.xml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_an_mjcf_hand_outside_the_registry_loads(tmp_path):
    hand = xembody.load_hand(write(tmp_path, GRIPPER), n_points=40)
    assert hand.name == "hand" and hand.dof == 8 and hand.n_ctrl == 8 and hand.n_points == 40
    assert set(hand.link_names) == {"hand/base", "hand/left", "hand/right"}
    q = random_qpos(hand, 8, 0)
    assert np.abs(hand.points_np(q) - hand.points_mujoco(q)).max() < 1e-5


def test_an_unnamed_root_body_still_carries_particles(tmp_path):
    hand = xembody.load_hand(write(tmp_path, GRIPPER.replace('<body name="base">', "<body>")))
    assert "hand/base" in hand.link_names
    assert (hand.point_link == hand.link_names.index("hand/base")).sum() > 0


def test_a_menagerie_file_loads_by_path():
    import mujoco_menagerie

    path = mujoco_menagerie.get("wonik_allegro").xml("left_hand")
    hand = xembody.load_hand(path)
    assert hand.dof == 22 and hand.source.startswith("file:")


def test_a_free_joint_on_the_root_is_replaced_by_the_wrist(tmp_path):
    text = GRIPPER.replace('<body name="base">', '<body name="base"><freejoint/>')
    hand = xembody.load_hand(write(tmp_path, text))
    assert hand.dof == 8


@pytest.mark.parametrize(
    "text, message",
    [
        ("<mujoco><worldbody><body>", "not a valid MJCF model"),
        ("this is not xml", "not a valid MJCF model"),
        ('<mujoco><worldbody><geom type="plane" size="1 1 1"/></worldbody></mujoco>', "has no bodies"),
        (
            '<mujoco><worldbody><body name="a"><freejoint/><geom size="0.01"/></body></worldbody></mujoco>',
            "the hand has no joints to move",
        ),
        (
            '<mujoco><worldbody><body name="a"><freejoint/><geom size="0.01"/></body>'
            '<body name="b"><geom size="0.01"/></body></worldbody></mujoco>',
            "on free joints: loose objects of a scene",
        ),
        (
            '<mujoco><worldbody><body name="a"><geom type="mesh" mesh="nope"/></body></worldbody></mujoco>',
            "not a valid MJCF model",
        ),
        (
            '<mujoco><worldbody><body name="a"><joint type="ball"/><geom size="0.01"/></body>'
            "</worldbody></mujoco>",
            "only hinge and slide joints",
        ),
    ],
)
def test_bad_mjcf_gets_one_line_naming_the_file(tmp_path, text, message):
    path = write(tmp_path, text, "broken.xml")
    with pytest.raises(XembodyError, match=message) as err:
        xembody.load_hand(path)
    assert "\n" not in str(err.value) and "broken.xml" in str(err.value)


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(XembodyError, match="no such MJCF file"):
        xembody.load_hand(tmp_path / "missing.xml")
    with pytest.raises(XembodyError, match="unknown hand 'alegro'"):
        xembody.load_hand("alegro")


def test_missing_menagerie_model_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MENAGERIE_ROOT", str(tmp_path))  # a folder without the model
    with pytest.raises(
        XembodyError, match="wonik_allegro/right_hand is not available.*MENAGERIE_ROOT"
    ) as err:
        xembody.load_hand("allegro")
    assert "\n" not in str(err.value)
    assert os.environ["MENAGERIE_ROOT"] == str(tmp_path)


@pytest.mark.parametrize(
    "qpos, message",
    [
        (torch.zeros(2, 5), r"expected shape \(B, 22\), got \(2, 5\)"),
        (torch.zeros(22), r"expected shape \(B, 22\), got \(22,\)"),
        (torch.full((1, 22), float("nan")), "NaN or Inf"),
        (torch.zeros(1, 22, dtype=torch.long), "floating-point"),
        (np.zeros((1, 22)), "expected a torch.Tensor"),
    ],
)
def test_bad_qpos_is_rejected(hands, qpos, message):
    with pytest.raises(XembodyError, match=message):
        hands["allegro"].points(qpos)


def test_bad_ctrl_is_rejected(hands):
    with pytest.raises(XembodyError, match=r"ctrl: expected shape \(B, 7\)"):
        hands["franka_hand"].ctrl_to_qpos(torch.zeros(1, 8))


def test_too_many_particles_is_a_clear_error():
    with pytest.raises(XembodyError, match="exceeds the .* candidate surface points"):
        xembody.load_hand("franka_hand", n_points=10_000)
