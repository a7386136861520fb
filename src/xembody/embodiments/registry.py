"""Registered hands: per-hand constants (where the model lives, how it mounts) and `load_hand`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mujoco

from xembody.embodiments.hand import DEFAULT_WRIST, MjcfHand
from xembody.embodiments.hand_file import HAND_FILE_SUFFIXES, read_spec
from xembody.embodiments.mount import Mount, mount_on_wrist
from xembody.embodiments.sampling import ParticleConfig
from xembody.errors import XembodyError


@dataclass(frozen=True)
class HandEntry:
    """One registered hand. Exactly one of `menagerie` (robot, entry point) or `build` is set."""

    name: str
    description: str
    menagerie: tuple[str, str] | None = None
    build: Callable[[], mujoco.MjSpec] | None = None
    mount: Mount = field(default_factory=Mount)
    default_wrist: tuple[float, ...] = DEFAULT_WRIST
    factory: type[MjcfHand] = MjcfHand

    @property
    def source(self) -> str:
        return (
            f"menagerie:{self.menagerie[0]}/{self.menagerie[1]}" if self.menagerie else "generated (MjSpec)"
        )


REGISTRY: dict[str, HandEntry] = {}


def register(entry: HandEntry) -> HandEntry:
    REGISTRY[entry.name] = entry
    return entry


def menagerie_spec(robot: str, entry: str) -> mujoco.MjSpec:
    """Parse a Menagerie model, downloading it on first use or reading it from MENAGERIE_ROOT."""
    import mujoco_menagerie

    try:
        path = mujoco_menagerie.get(robot).xml(entry)
    except mujoco_menagerie.MenagerieError as e:
        raise XembodyError(
            f"hand model {robot}/{entry} is not available ({e}); connect to the network so mujoco-menagerie "
            f"can download it, or set MENAGERIE_ROOT to a folder holding Menagerie models"
        ) from None
    return read_spec(path)


def load_hand(name_or_path: str | Path, n_points: int = 50, seed: int = 0, **particles) -> MjcfHand:
    """Load a registered hand by name, or any MJCF or URDF hand file (docs/embodiments.md: what loads).

    Args:
        name_or_path: a name from `REGISTRY` or a path to an MJCF or URDF file.
        n_points: number of hand particles (paper: 50 for pushing, 200 for plasticine).
        seed: particle sampling seed; the same seed gives the same particles.
        **particles: other `ParticleConfig` fields (`per_link`, `geoms`).
    """
    cfg = ParticleConfig(n_points=n_points, seed=seed, **particles)
    key = str(name_or_path)
    if key in REGISTRY:
        entry = REGISTRY[key]
        hand = entry.build() if entry.build else menagerie_spec(*entry.menagerie)
        spec = mount_on_wrist(hand, entry.mount, entry.name)
        return entry.factory(entry.name, spec, cfg, entry.source, entry.default_wrist)
    path = Path(key)
    if path.suffix.lower() not in HAND_FILE_SUFFIXES and not path.exists():
        raise XembodyError(
            f"unknown hand {key!r}: not a registered name ({', '.join(REGISTRY)}) nor an MJCF or URDF path"
        )
    spec = mount_on_wrist(read_spec(path), Mount(), str(path))
    return MjcfHand(path.stem, spec, cfg, f"file:{path}", where=str(path))
