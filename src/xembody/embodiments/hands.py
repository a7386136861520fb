"""The registered hands: seven Menagerie robot hands and a generated human hand."""

from __future__ import annotations

from xembody.embodiments.human import HumanHand, build_human_spec
from xembody.embodiments.mount import Mount
from xembody.embodiments.registry import HandEntry, register

ALLEGRO = register(HandEntry("allegro", "Wonik Allegro, 4 fingers", ("wonik_allegro", "right_hand")))
LEAP = register(HandEntry("leap", "LEAP hand, 4 fingers", ("leap_hand", "right_hand")))
SHADOW = register(
    HandEntry("shadow", "Shadow E3M5, 5 fingers with coupled distal joints", ("shadow_hand", "right_hand"))
)
AERO = register(HandEntry("aero", "Tetheria Aero, tendon driven", ("tetheria_aero_hand_open", "right_hand")))
ROBOTIQ = register(HandEntry("robotiq_2f85", "Robotiq 2F-85, linkage gripper", ("robotiq_2f85", "2f85")))
UMI = register(
    HandEntry(
        "umi",
        "UMI gripper",
        ("umi_gripper", "umi_gripper"),
        # The model carries its own floating base; the wrist replaces it.
        mount=Mount(strip_joints=tuple(f"gripper_joint_{a}" for a in ("x", "y", "z", "rx", "ry", "rz"))),
    )
)
FRANKA = register(HandEntry("franka_hand", "Franka Emika hand, 2 fingers", ("franka_emika_panda", "hand")))
HUMAN = register(
    HandEntry(
        "human",
        "human right hand from the 21-keypoint skeleton, 20 joints",
        build=build_human_spec,
        factory=HumanHand,
    )
)
