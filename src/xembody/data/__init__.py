"""Episode datasets: the HDF5 episode store, collection, validation, and the torch Dataset for training."""

from xembody.data.collect import CollectConfig, CollectResult, collect
from xembody.data.dataset import EpisodeWindows, collate
from xembody.data.store import EpisodeStore
from xembody.data.validate import check_episode, info, validate

__all__ = [
    "CollectConfig",
    "CollectResult",
    "EpisodeStore",
    "EpisodeWindows",
    "check_episode",
    "collate",
    "collect",
    "info",
    "validate",
]
