"""A torch Dataset of k-step windows over episodes, for training the world model.

A sample starts at frame t of an episode and holds frames t .. t + horizon: the hand particles (which give
the actions, `hand[i + 1] - hand[i]`) and the object particles (state and next states to unroll against).
Episodes may differ in particle counts; `collate` pads a batch and returns masks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from xembody.data.store import EpisodeStore
from xembody.data.validate import check_episode
from xembody.errors import XembodyError


class EpisodeWindows(Dataset):
    """Windows of `horizon + 1` frames from every episode of the given datasets.

    Args:
        paths: dataset directories.
        horizon: steps to unroll (paper: 5); each sample holds horizon + 1 frames.
        hands: keep only these hands (default: all).
        tasks: keep only these tasks (default: all).

    Items are dicts of float32 tensors: `hand` (H+1, Nh, 3), `object` (H+1, No, 3), `action` (H, Nh, 3),
    `rigid` (bool: a rigid object), `episode` (int) indexing `self.names`, and `qpos` (H+1, dof) where the
    episode has joint positions (robot hands).
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        horizon: int = 5,
        hands: Sequence[str] | None = None,
        tasks: Sequence[str] | None = None,
    ):
        if horizon < 1:
            raise XembodyError(f"horizon must be >= 1, got {horizon}")
        self.horizon = horizon
        self.names: list[str] = []
        self.hand: list[torch.Tensor] = []
        self.object: list[torch.Tensor] = []
        self.attrs: list[dict] = []
        self.qpos: list[torch.Tensor | None] = []
        for path in paths:
            store = EpisodeStore.open(path)
            for name in store.names():
                a = store.attrs(name)
                if (hands and a.get("hand") not in hands) or (tasks and a.get("task") not in tasks):
                    continue
                ep = store.read(name)
                problems = check_episode(name, ep.arrays, ep.attrs)
                if problems:
                    raise XembodyError(f"{path}: {problems[0]} (run `xembody data validate {path}`)")
                if len(ep.arrays["hand_points"]) <= horizon:
                    continue
                self.names.append(f"{path}/{name}")
                self.hand.append(torch.from_numpy(ep.arrays["hand_points"]))
                self.object.append(torch.from_numpy(ep.arrays["object_points"]))
                self.attrs.append(ep.attrs)
                q = ep.arrays.get("qpos")
                self.qpos.append(None if q is None else torch.from_numpy(q))
        if not self.names:
            raise XembodyError(
                f"no episodes longer than {horizon} frames in {', '.join(map(str, paths))}"
                + (f" for hands {list(hands)}" if hands else "")
                + (f" and tasks {list(tasks)}" if tasks else "")
            )
        lengths = np.array([len(h) - horizon for h in self.hand])
        self._start = np.concatenate([[0], np.cumsum(lengths)])

    def __len__(self) -> int:
        return int(self._start[-1])

    def episode_of(self, windows: np.ndarray) -> np.ndarray:
        """Index (into `self.names`) of the episode each window comes from, same shape as `windows`."""
        return np.searchsorted(self._start, windows, side="right") - 1

    def windows_of(self, episode: int) -> range:
        """The windows of one episode, in frame order."""
        return range(int(self._start[episode]), int(self._start[episode + 1]))

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < len(self):
            raise IndexError(i)
        e = int(self.episode_of(i))
        t = i - self.windows_of(e).start
        hand = self.hand[e][t : t + self.horizon + 1]
        return {
            "hand": hand,
            "object": self.object[e][t : t + self.horizon + 1],
            "action": hand[1:] - hand[:-1],
            "rigid": self.attrs[e].get("object_kind") == "rigid",
            "corresponds": bool(self.attrs[e].get("correspondence", True)),  # False: human tracks
            "episode": e,
            **({} if self.qpos[e] is None else {"qpos": self.qpos[e][t : t + self.horizon + 1]}),
        }


@dataclass(frozen=True)
class WindowBatch:
    """A batch of windows, zero-padded to the batch's largest particle counts.

    hand (B, H+1, Nh, 3), object (B, H+1, No, 3), action (B, H, Nh, 3); boolean masks hand_mask (B, Nh)
    and object_mask (B, No) marking real particles; rigid (B,); corresponds (B,): object particles
    correspond across frames (simulation), not (human tracks); episode (B,) indexes the dataset's episodes;
    qpos (B, H+1, dof) when every sample has joint positions of the same width.
    """

    hand: torch.Tensor
    object: torch.Tensor
    action: torch.Tensor
    hand_mask: torch.Tensor
    object_mask: torch.Tensor
    rigid: torch.Tensor
    corresponds: torch.Tensor
    episode: torch.Tensor
    qpos: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> WindowBatch:
        """The same batch with every tensor on `device`."""
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        return WindowBatch(**{k: None if v is None else v.to(device) for k, v in moved.items()})

    def select(self, keep: torch.Tensor) -> WindowBatch:
        """The samples where `keep` (B,) is true."""
        items = {f.name: getattr(self, f.name) for f in fields(self)}
        return WindowBatch(**{k: None if v is None else v[keep] for k, v in items.items()})

    def __len__(self) -> int:
        return len(self.hand)


def collate(items: list[dict]) -> WindowBatch:
    """Stack samples (items of `EpisodeWindows`), zero-padding particle counts to the batch maximum."""
    out = {}
    for key, mask in (("hand", "hand_mask"), ("object", "object_mask"), ("action", None)):
        n = max(x[key].shape[1] for x in items)
        batch = torch.zeros(len(items), items[0][key].shape[0], n, 3)
        valid = torch.zeros(len(items), n, dtype=torch.bool)
        for b, x in enumerate(items):
            batch[b, :, : x[key].shape[1]] = x[key]
            valid[b, : x[key].shape[1]] = True
        out[key] = batch
        if mask:
            out[mask] = valid
    widths = {x["qpos"].shape[-1] if "qpos" in x else None for x in items}
    if len(widths) == 1 and None not in widths:  # joint positions only batch for one kind of hand
        out["qpos"] = torch.stack([x["qpos"] for x in items])
    out["rigid"] = torch.tensor([x["rigid"] for x in items])
    out["corresponds"] = torch.tensor([x.get("corresponds", True) for x in items])
    out["episode"] = torch.tensor([x["episode"] for x in items])
    return WindowBatch(**out)
