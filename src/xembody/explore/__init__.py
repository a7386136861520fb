"""Exploration: policies that poke objects often, and the episode recorder."""

from xembody.explore.episode import Episode, UnstableEpisode, episode_rng, run_episode
from xembody.explore.hand_frame import HandFrame, hand_frame
from xembody.explore.policies import POLICIES, Policy, StepLimits

__all__ = [
    "POLICIES",
    "Episode",
    "HandFrame",
    "Policy",
    "StepLimits",
    "UnstableEpisode",
    "episode_rng",
    "hand_frame",
    "run_episode",
]
