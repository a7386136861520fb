"""The episode store: a directory of HDF5 files, one per episode, each written atomically.

Layout::

    DIR/xembody.json               {"format": "xembody-episodes", "version": 1, "id": <random hex>}
    DIR/episodes/<name>.h5         one episode: datasets hand_points, object_points, qpos, ctrl, contact,
                                   [object_pose]; its attributes as JSON in the file attribute `attrs`
    DIR/skipped.jsonl              episodes given up on (unstable simulation), one JSON line each
    DIR/imported.jsonl             recordings imported (`data import`), by content hash, one JSON line each
    DIR/.staging/                  episodes being written (never read)

Why HDF5, one file per episode: an episode is written in `.staging/` and renamed into `episodes/` in one
atomic `rename`, so a crash loses at most the episode in flight, readers never see half an episode, and
any number of writers (processes, machines on a shared file system) need no lock. Episodes may differ in
hand, particle count and length. HDF5 is chunked, typed, self-describing and readable everywhere (h5py,
MATLAB, Julia, C, `h5dump`). We measured zarr v3 too, which gives the same atomicity with a directory per
episode: its Python write path cost 13-18 ms per episode against HDF5's ~1 ms, and collection must not
spend more time writing than simulating (benchmarks/collect.py). Files are written byte-for-byte
deterministically (no timestamps), so the same seed gives identical files.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import h5py

from xembody.errors import XembodyError
from xembody.explore.episode import Episode
from xembody.io import atomic_path, atomic_write_text, to_jsonable
from xembody.resume import DATASET_MARKER

FORMAT = "xembody-episodes"
VERSION = 1
MARKER = DATASET_MARKER
EPISODES = "episodes"
STAGING = ".staging"
SKIPPED = "skipped.jsonl"
SUFFIX = ".h5"


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
            (root / EPISODES).mkdir(parents=True, exist_ok=True)
            marker = {"format": FORMAT, "version": VERSION, "id": uuid.uuid4().hex}
            atomic_write_text(root / MARKER, json.dumps(marker))
        except OSError as e:
            raise XembodyError(f"{root}: cannot write here ({e.strerror})") from None
        return cls(root)

    @classmethod
    def open(cls, root: str | Path) -> EpisodeStore:
        """Open an existing dataset; a one-line error if `root` is not one."""
        root = Path(root)
        marker = root / MARKER
        if not root.is_dir():
            raise XembodyError(f"{root}: no such dataset directory")
        try:
            meta = json.loads(marker.read_text())
        except FileNotFoundError:
            if not any(root.iterdir()):
                raise XembodyError(
                    f"{root}: empty directory, not an xembody dataset (collect or import into it first)"
                ) from None
            raise XembodyError(f"{root}: not empty and not an xembody dataset (no {MARKER})") from None
        except (OSError, ValueError) as e:
            raise XembodyError(f"{marker}: unreadable dataset marker ({e})") from None
        if meta.get("format") != FORMAT:
            raise XembodyError(f"{marker}: not an xembody dataset (format {meta.get('format')!r})")
        if meta.get("version") != VERSION:
            raise XembodyError(f"{root}: dataset version {meta.get('version')}, this xembody reads {VERSION}")
        (root / EPISODES).mkdir(exist_ok=True)
        return cls(root)

    # --- episodes --------------------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.root / EPISODES / f"{name}{SUFFIX}"

    def names(self) -> list[str]:
        """Names of the complete episodes, sorted."""
        return sorted(p.name[: -len(SUFFIX)] for p in (self.root / EPISODES).glob(f"*{SUFFIX}"))

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, name: str) -> bool:
        return self.path(name).is_file()

    def write(self, name: str, episode: Episode) -> Path:
        """Write one episode atomically: staged in full, then renamed into place."""
        final = self.path(name)
        if final.exists():
            raise XembodyError(f"{final}: episode already exists")
        # Staged in full, then renamed into place: the episode appears whole or not at all.
        with atomic_path(final, staging=self.root / STAGING) as tmp:
            with h5py.File(tmp, "w", libver="latest", track_order=True) as f:
                f.attrs["attrs"] = json.dumps(to_jsonable(episode.attrs))
                for key, arr in episode.arrays.items():
                    # One chunk per array: episodes are small and always read whole.
                    f.create_dataset(key, data=arr, chunks=arr.shape or None, track_times=False)
        return final

    def read(self, name: str) -> Episode:
        """Load one episode's arrays and attributes into memory."""
        path = self.path(name)
        try:
            with h5py.File(path, "r") as f:
                arrays = {key: f[key][()] for key in f.keys() if isinstance(f[key], h5py.Dataset)}
                attrs = json.loads(f.attrs["attrs"])
        except (OSError, KeyError, ValueError) as e:  # truncated, corrupt, or not HDF5 at all
            raise XembodyError(f"{path}: unreadable episode ({type(e).__name__}: {e})") from None
        return Episode(arrays, attrs)

    def attrs(self, name: str) -> dict:
        """An episode's attributes, without loading its arrays."""
        return self.inspect(name)[0]

    def inspect(self, name: str) -> tuple[dict, dict[str, tuple[int, ...]]]:
        """An episode's attributes and array shapes, without loading its arrays."""
        path = self.path(name)
        try:
            with h5py.File(path, "r") as f:
                return json.loads(f.attrs["attrs"]), {k: f[k].shape for k in f.keys()}
        except (OSError, KeyError, ValueError) as e:
            raise XembodyError(f"{path}: unreadable episode ({type(e).__name__}: {e})") from None

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
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        return len(stale)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
