"""Exploration: policies that poke objects often (random draws of the shared primitives), and the episode
recorder."""

from xembody.explore.episode import Episode, UnstableEpisode, episode_rng, run_episode
from xembody.explore.policies import POLICIES, Policy, context

__all__ = [
    "POLICIES",
    "Episode",
    "Policy",
    "UnstableEpisode",
    "context",
    "episode_rng",
    "run_episode",
]
