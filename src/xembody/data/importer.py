"""`xembody data import`: human-hand recordings (.npz, format in `xembody.data.tracks`) into a dataset.

A recording is known by its content (the SHA-256 of the file), not by its file name: the dataset keeps
one JSON line per imported recording in `imported.jsonl` (its hash and the episode name prefix it got).
Importing the same file again, under any name, adds nothing; a different recording whose file name
(stem) is already taken gets episodes `<stem>~<hash[:8]>-<k>` instead of being skipped. The first
recording of a stem gets `<stem>-<k>`, k = 000, 001, ... (one episode per run of trusted frames).
Datasets imported before the index existed are matched by content: the stored episodes of a stem are
compared with those the recording gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tyro

from xembody.data.store import EpisodeStore
from xembody.data.tracks import read_track, track_episodes
from xembody.errors import XembodyError
from xembody.explore.episode import Episode

INDEX = "imported.jsonl"  # in the dataset directory: {"sha256", "name", "file"} per recording


@dataclass(frozen=True)
class ImportConfig:
    """Import human-hand recordings (.npz: 21 keypoints + observed object points per frame; the format is
    in xembody.data.tracks) as episodes; untrusted frames are dropped and counted per file."""

    recordings: tyro.conf.Positional[tuple[Path, ...]]
    out: Path
    """Dataset directory (created, or added to: recordings already imported are kept)."""
    task: str = "box"
    """box or plasticine: sets particle counts and the object kind."""
    object: str | None = None
    """Name of the recorded object (default: the task's, box or plasticine)."""
    min_frames: int = 6
    """Shortest run of trusted frames kept as an episode."""
    seed: int = 0
    """Seed of the per-frame object point resampling."""


@dataclass(frozen=True)
class ImportedFile:
    """What one recording gave: `episodes` runs of trusted frames (`frames` frames in all), `new` of them
    written now (the others were there already), the dropped frames by reason, and the episode name
    prefix (`<stem>` or `<stem>~<hash[:8]>`)."""

    path: Path
    episodes: int
    new: int
    frames: int
    dropped: dict[str, int]
    name: str


@dataclass(frozen=True)
class ImportResult:
    files: list[ImportedFile]

    @property
    def new(self) -> int:
        """Episodes written by this import, over every file."""
        return sum(f.new for f in self.files)


@dataclass
class _Recording:
    path: Path
    sha256: str
    episodes: list[tuple[str, Episode]]
    dropped: dict[str, int]


def import_recordings(cfg: ImportConfig) -> ImportResult:
    """Import every recording of `cfg` into `cfg.out`: all are read and checked before anything is
    written, and the dataset directory is created only when there is an episode to write."""
    if not cfg.recordings:
        raise XembodyError("no recordings given: pass one or more .npz files to import")
    out = Path(cfg.out)
    store = _existing_store(out)  # a bad --out fails before the recordings are read
    recordings = [_derive(Path(p), cfg) for p in cfg.recordings]
    if not any(r.episodes for r in recordings):
        drops = "; ".join(f"{r.path}: dropped {r.dropped}" for r in recordings)
        raise XembodyError(
            f"no episodes from {', '.join(str(r.path) for r in recordings)}: every frame was dropped, or no "
            f"run of trusted frames reaches --min-frames {cfg.min_frames} ({drops})"
        )
    store = store or EpisodeStore.create(out)
    index = read_index(store.root)
    files = []
    for rec in recordings:
        name, known = _name_for(store, index, rec)
        episodes = rec.episodes
        if episodes and name != rec.path.stem:  # the name is in the episodes (and their attrs): derive again
            episodes = _derive(rec.path, cfg, name).episodes
        new = [(n, ep) for n, ep in episodes if n not in store]
        for n, ep in new:
            store.write(n, ep)
        if episodes and not known:  # after its episodes: a crash before this line is resumed by content
            entry = {"sha256": rec.sha256, "name": name, "file": rec.path.name}
            append_index(store.root, entry)
            index.append(entry)
        frames = sum(len(ep.arrays["hand_points"]) for _, ep in episodes)
        files.append(ImportedFile(rec.path, len(episodes), len(new), frames, rec.dropped, name))
    return ImportResult(files)


def _existing_store(out: Path) -> EpisodeStore | None:
    """The dataset at `out`, or None where there is none yet (missing or an empty directory)."""
    if out.exists() and not out.is_dir():
        raise XembodyError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        return EpisodeStore.open(out)
    return None


def _derive(path: Path, cfg: ImportConfig, name: str | None = None) -> _Recording:
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        raise XembodyError(f"{path}: cannot read ({e.strerror})") from None
    track = read_track(path)
    episodes, dropped = track_episodes(
        track, name or path.stem, cfg.task, cfg.object, min_frames=cfg.min_frames, seed=cfg.seed
    )
    return _Recording(path, sha, episodes, dropped)


def _name_for(store: EpisodeStore, index: list[dict], rec: _Recording) -> tuple[str, bool]:
    """The episode name prefix of `rec` in this dataset, and whether the index already holds it."""
    for entry in index:
        if entry["sha256"] == rec.sha256:
            return entry["name"], True
    stem = rec.path.stem
    other = f"{stem}~{rec.sha256[:8]}"
    if not rec.episodes:
        return stem, False  # nothing of it goes into the dataset
    if any(entry["name"] == stem for entry in index):
        return other, False
    stored = episodes_named(store, stem)
    if stored and not _same_episodes(store, stored, rec.episodes):
        return other, False  # imported before the index existed, from another recording
    return stem, False


def episodes_named(store: EpisodeStore, prefix: str) -> list[str]:
    """The stored episodes of the recording named `prefix` (`<prefix>-000`, ...)."""
    pattern = re.compile(re.escape(prefix) + r"-\d{3,}")
    return [n for n in store.names() if pattern.fullmatch(n)]


def _same_episodes(store: EpisodeStore, stored: list[str], derived: list[tuple[str, Episode]]) -> bool:
    """Whether the stored episodes are (some of) those a recording gives: same names, equal arrays."""
    mine = dict(derived)
    for name in stored:
        if name not in mine:
            return False
        a, b = store.read(name).arrays, mine[name].arrays
        if a.keys() != b.keys() or not all(np.array_equal(a[k], b[k]) for k in a):
            return False
    return True


def read_index(root: Path) -> list[dict]:
    """The recordings imported into the dataset at `root` (lines cut short by a crash are ignored)."""
    path = Path(root) / INDEX
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
            if isinstance(entry.get("sha256"), str) and isinstance(entry.get("name"), str):
                out.append(entry)
        except (ValueError, AttributeError):
            continue
    return out


def append_index(root: Path, entry: dict) -> None:
    """Append one line in one `write` to a file opened for appending: concurrent importers do not
    interleave, and a line cut short by a crash is ended before the next is added."""
    path = Path(root) / INDEX
    line = json.dumps(entry) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and _last_byte(path, size) != b"\n":
            line = "\n" + line
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1)
