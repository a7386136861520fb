"""The episode store: a zarr v3 hierarchy on disk, one group per episode, written atomically.

Layout::

    DIR/zarr.json                  root group; attrs: format, version
    DIR/episodes/zarr.json         group of episodes
    DIR/episodes/<name>/zarr.json  one episode; attrs: hand, task, dt, seed, config, ...
    DIR/episodes/<name>/<array>/   hand_points, object_points, qpos, ctrl, contact, [object_pose]
    DIR/skipped.jsonl              episodes given up on (unstable simulation), one JSON line each
    DIR/.staging/                  episodes being written (never read)

Why zarr: an episode is a directory, so it is written in `.staging/` and renamed into `episodes/` in one
atomic `rename`: a crash loses at most the episode in flight, readers never see half an episode, and many
writers (processes, machines sharing a file system) need no lock. Arrays are chunked and compressed (zstd),
episodes may differ in hand, particle count and length, and any zarr reader (Python, Julia, JS, cloud
object stores) can open the data without xembody. HDF5 would need one file per episode to get the same
atomicity, and concurrent writers to one HDF5 file need locking or MPI.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import zarr

from xembody.errors import XembodyError
from xembody.explore.episode import Episode

FORMAT = "xembody-episodes"
VERSION = 1
EPISODES = "episodes"
STAGING = ".staging"
SKIPPED = "skipped.jsonl"


class EpisodeStore:
    """A dataset directory of episodes. Use `create` to write, `open` to read."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # --- opening ---------------------------------------------------------------------------------------
    @classmethod
    def create(cls, root: str | Path) -> EpisodeStore:
        """Open a dataset for writing, creating it if `root` is missing or empty."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise XembodyError(f"{root}: exists and is not a directory")
        if root.is_dir() and any(root.iterdir()):
            return cls.open(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / ".write_test").touch()
            (root / ".write_test").unlink()
        except OSError as e:
            raise XembodyError(f"{root}: cannot write here ({e.strerror})") from None
        group = zarr.open_group(root, mode="w", zarr_format=3)
        group.attrs.update({"format": FORMAT, "version": VERSION})
        group.create_group(EPISODES)
        return cls(root)

    @classmethod
    def open(cls, root: str | Path) -> EpisodeStore:
        """Open an existing dataset; a one-line error if `root` is not one."""
        root = Path(root)
        meta = root / "zarr.json"
        if not root.is_dir():
            raise XembodyError(f"{root}: no such dataset directory")
        try:
            attrs = json.loads(meta.read_text()).get("attributes", {})
        except FileNotFoundError:
            raise XembodyError(f"{root}: not empty and not an xembody dataset (no zarr.json)") from None
        except (OSError, ValueError) as e:
            raise XembodyError(f"{meta}: unreadable dataset metadata ({e})") from None
        if attrs.get("format") != FORMAT:
            raise XembodyError(
                f"{root}: a zarr store but not an xembody dataset (format {attrs.get('format')!r})"
            )
        if attrs.get("version") != VERSION:
            raise XembodyError(
                f"{root}: dataset version {attrs.get('version')}, this xembody reads {VERSION}"
            )
        (root / EPISODES).mkdir(exist_ok=True)
        return cls(root)

    # --- episodes --------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Names of the complete episodes, sorted."""
        d = self.root / EPISODES
        return sorted(p.name for p in d.iterdir() if (p / "zarr.json").is_file()) if d.is_dir() else []

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, name: str) -> bool:
        return (self.root / EPISODES / name / "zarr.json").is_file()

    def write(self, name: str, episode: Episode) -> Path:
        """Write one episode atomically: staged in full, then renamed into place."""
        staging = self.root / STAGING / f"{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        final = self.root / EPISODES / name
        if final.exists():
            raise XembodyError(f"{final}: episode already exists")
        staging.parent.mkdir(exist_ok=True)
        try:
            group = zarr.open_group(staging, mode="w", zarr_format=3)
            for key, arr in episode.arrays.items():
                group.create_array(key, data=arr, chunks=arr.shape or None, write_data=True)
            group.attrs.update(_jsonable(episode.attrs))
            os.rename(staging, final)  # atomic on POSIX: the episode appears whole or not at all
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return final

    def read(self, name: str) -> Episode:
        """Load one episode's arrays and attributes into memory."""
        path = self.root / EPISODES / name
        try:
            group = zarr.open_group(path, mode="r", zarr_format=3)
            arrays = {key: np.asarray(arr[...]) for key, arr in group.arrays()}
            return Episode(arrays, dict(group.attrs))
        except Exception as e:  # zarr raises many kinds for missing or corrupt chunks and metadata
            raise XembodyError(f"{path}: unreadable episode ({type(e).__name__}: {e})") from None

    def attrs(self, name: str) -> dict:
        """An episode's attributes, without loading its arrays."""
        path = self.root / EPISODES / name / "zarr.json"
        try:
            return json.loads(path.read_text()).get("attributes", {})
        except (OSError, ValueError) as e:
            raise XembodyError(f"{path}: unreadable episode metadata ({e})") from None

    def episodes(self) -> Iterator[tuple[str, Episode]]:
        for name in self.names():
            yield name, self.read(name)

    # --- bookkeeping -----------------------------------------------------------------------------------
    def log_skipped(self, name: str, reason: str) -> None:
        with open(self.root / SKIPPED, "a") as f:
            f.write(json.dumps({"episode": name, "reason": reason}) + "\n")

    def skipped(self) -> dict[str, str]:
        path = self.root / SKIPPED
        if not path.is_file():
            return {}
        out = {}
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
                out[rec["episode"]] = rec["reason"]
            except (ValueError, KeyError):
                continue  # a line cut short by a crash
        return out

    def clean_staging(self) -> int:
        """Remove episodes left half-written by a crash; returns how many."""
        d = self.root / STAGING
        if not d.is_dir():
            return 0
        stale = list(d.iterdir())
        for p in stale:
            shutil.rmtree(p, ignore_errors=True)
        return len(stale)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())


def _jsonable(attrs: dict) -> dict:
    def conv(v):
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v

    return conv(attrs)
