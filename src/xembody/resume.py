"""One check for every resumable job: is the work already in a directory from the same settings?

Settings are compared after normalising what names a place rather than a setting: a path becomes its
resolved absolute path, and a dataset directory becomes its identity (the id in its marker file), so the
same dataset given by a relative path, or moved, is the same setting, and a run directory may be moved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xembody.errors import XembodyError
from xembody.io import atomic_write_json, to_jsonable

DATASET_MARKER = "xembody.json"  # in every dataset directory: format, version, id
SETTINGS = "settings.json"


def dataset_id(path: Path) -> str | None:
    """The identity of a dataset directory (None if `path` is not one, or an old one without an id)."""
    try:
        return json.loads((path / DATASET_MARKER).read_text()).get("id")
    except (OSError, ValueError, AttributeError):
        return None


def identity(value: Any) -> Any:
    """A setting as compared: datasets by id, existing paths resolved, containers element-wise."""
    if isinstance(value, dict):
        return {k: identity(v) for k, v in value.items()}
    if isinstance(value, list):
        return [identity(v) for v in value]
    if isinstance(value, str) and value and ("/" in value or Path(value).exists()):
        p = Path(value).expanduser()
        if p.exists():
            return f"dataset:{ds}" if p.is_dir() and (ds := dataset_id(p)) else str(p.resolve())
    return value


def settings_of(cfg: Any, ignore: Iterable[str] = ()) -> dict:
    """A config dataclass as a dict of normalised settings, without the fields in `ignore`."""
    d = to_jsonable(cfg)
    return {k: identity(v) for k, v in d.items() if k not in set(ignore)}


def differences(saved: dict, now: dict) -> list[str]:
    """Names of the settings that differ (a setting missing on one side is not a difference)."""
    return sorted(k for k in now if k in saved and saved[k] != now[k])


def check_same_settings(
    directory: Path, cfg: Any, ignore: Iterable[str] = (), what: str = "made", added: dict | None = None
) -> None:
    """Refuse with one line if `directory` holds work from other settings; record them on first use.
    `added`: settings introduced since older directories were made, with the value they had then."""
    path = Path(directory) / SETTINGS
    now = settings_of(cfg, ignore)
    if path.exists():
        try:
            saved = (added or {}) | json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise XembodyError(f"{path}: unreadable ({e}); delete it to start afresh") from None
        if diff := differences(saved, now):
            raise XembodyError(
                f"{directory}: was {what} with other settings ({', '.join(diff)}); use another --out"
            )
    else:
        Path(directory).mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, now)
