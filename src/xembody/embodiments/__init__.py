"""Hands as particle sets: robot hands from MJCF, the human hand from 21 keypoints."""

from xembody.embodiments import hands  # noqa: F401  (registers the hands)
from xembody.embodiments.base import Embodiment
from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.hand_frame import HandFrame, hand_frame
from xembody.embodiments.registry import REGISTRY, HandEntry, load_hand

__all__ = ["REGISTRY", "Embodiment", "HandEntry", "HandFrame", "MjcfHand", "hand_frame", "load_hand"]
