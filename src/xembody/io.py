"""Writing files so that a crash or Ctrl-C never leaves half of one: the lowest layer's one atomic write.

Everything xembody writes (dataset markers, summaries, checkpoints, videos, plots, recordings) is written
to a hidden temporary file beside its destination and renamed into place, so readers see the old content
or the new, never a part.
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np


@contextmanager
def atomic_path(path: str | Path, staging: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path (same suffix) to write; on success it replaces `path`.

    The temporary file lies beside `path`, or in `staging` (a folder on the same file system, e.g. one that
    readers never list). On any exception it is removed and `path` is left as it was."""
    path = Path(path)
    name = f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}"
    if staging is not None:
        staging.mkdir(parents=True, exist_ok=True)
    tmp = (staging or path.parent) / name
    try:
        yield tmp
        os.replace(tmp, path)  # atomic on POSIX
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """`write(tmp)` then rename to `path`; returns `path`."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, paths, NumPy scalars and arrays, tuples -> plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def atomic_write_json(path: str | Path, value: Any) -> Path:
    """A dataclass (or any JSON-able value) as indented JSON, atomically."""
    return atomic_write_text(path, json.dumps(to_jsonable(value), indent=2))
