"""Episode datasets: the HDF5 episode store, collection, recording import, validation, and the torch
Dataset for training."""

from xembody.data.collect import CollectConfig, CollectResult, collect_episodes
from xembody.data.dataset import EpisodeWindows, WindowBatch, collate
from xembody.data.importer import ImportConfig, ImportResult, import_recordings
from xembody.data.store import EpisodeStore
from xembody.data.validate import check_episode, info, validate

__all__ = [
    "CollectConfig",
    "CollectResult",
    "EpisodeStore",
    "EpisodeWindows",
    "ImportConfig",
    "ImportResult",
    "WindowBatch",
    "check_episode",
    "collate",
    "collect_episodes",
    "import_recordings",
    "info",
    "validate",
]
