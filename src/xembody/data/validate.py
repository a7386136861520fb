"""Dataset checks (`xembody data validate`) and summaries (`xembody data info`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from xembody.data.store import EPISODES, SUFFIX, EpisodeStore
from xembody.errors import XembodyError
from xembody.sim.scene import MAX_PARTICLE_STEP

# dtype and number of dimensions of each contract array; T is shared, ctrl has T - 1 rows.
CONTRACT = {
    "hand_points": ("float32", 3),
    "object_points": ("float32", 3),
    "qpos": ("float32", 2),
    "ctrl": ("float32", 2),
}
OPTIONAL = {"contact": ("bool", 1), "object_pose": ("float32", 2)}
REQUIRED_ATTRS = ("hand", "dof", "object_kind", "object", "dt", "source", "seed", "engine")
MAX_RANGE = 2.0  # m: particles stay within this distance of the table centre


def check_episode(name: str, arrays: dict[str, np.ndarray], attrs: dict) -> list[str]:
    """Problems with one episode, one line each (empty if it is sound)."""
    human = attrs.get("source") == "human"
    need = {k: v for k, v in CONTRACT.items() if not (human and k in ("qpos", "ctrl"))}
    problems = [f"{name}: missing attribute {a!r}" for a in REQUIRED_ATTRS if a not in attrs]
    problems += [f"{name}: missing array {k!r}" for k in need if k not in arrays]
    if any(k not in arrays for k in need):
        return problems
    T = len(arrays["hand_points"])
    for key, arr in arrays.items():
        if key not in need and key not in OPTIONAL:
            continue
        dtype, ndim = {**CONTRACT, **OPTIONAL}[key]
        if str(arr.dtype) != dtype:
            problems.append(f"{name}: {key} has dtype {arr.dtype}, expected {dtype}")
        if arr.ndim != ndim:
            problems.append(f"{name}: {key} has shape {arr.shape}, expected {ndim} dimensions")
            continue
        rows = T - 1 if key == "ctrl" else T
        if arr.shape[0] != rows:
            problems.append(f"{name}: {key} has {arr.shape[0]} frames, expected {rows} (T = {T})")
        if key.endswith("_points") and arr.shape[-1] != 3:
            problems.append(f"{name}: {key} has shape {arr.shape}, expected (T, N, 3)")
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            bad = np.flatnonzero(~np.isfinite(arr.reshape(len(arr), -1)).all(1))
            problems.append(f"{name}: {key} has NaN/Inf at frames {bad[:5].tolist()}")
    if T < 2:
        problems.append(f"{name}: {T} frames; an episode needs at least 2")
    if "qpos" in need and arrays["qpos"].ndim == 2 and arrays["qpos"].shape[1] != attrs.get("dof"):
        problems.append(
            f"{name}: qpos has {arrays['qpos'].shape[1]} columns, attribute dof = {attrs.get('dof')}"
        )
    for key in ("hand_points", "object_points"):
        pts = arrays[key]
        if pts.ndim != 3 or not np.isfinite(pts).all() or T < 2:
            continue
        step = np.linalg.norm(np.diff(pts, axis=0), axis=-1).max()
        if step > MAX_PARTICLE_STEP:
            problems.append(f"{name}: {key} explodes (a particle moves {step:.2f} m in one step)")
        if np.abs(pts).max() > MAX_RANGE:
            problems.append(
                f"{name}: {key} leaves the workspace (|coordinate| up to {np.abs(pts).max():.2f} m)"
            )
    return problems


def validate(path: str | Path) -> tuple[int, list[str]]:
    """Check every episode of a dataset. Returns (episodes checked, problems)."""
    store = EpisodeStore.open(path)
    problems: list[str] = []
    names = store.names()
    strays = sorted(p.name for p in (store.root / EPISODES).iterdir() if not p.name.endswith(SUFFIX))
    problems += [f"{EPISODES}/{n}: not an episode file (*{SUFFIX})" for n in strays]
    for name in names:
        try:
            ep = store.read(name)
        except XembodyError as e:
            problems.append(str(e))
            continue
        problems += check_episode(name, ep.arrays, ep.attrs)
    if not names:
        problems.append(f"{store.root}: no episodes")
    return len(names), problems


def info(path: str | Path) -> dict:
    """Summary of a dataset from episode metadata and array shapes (arrays are not loaded)."""
    store = EpisodeStore.open(path)
    hands, tasks, objects, counts = Counter(), Counter(), Counter(), Counter()
    frames = 0
    contact = []
    unreadable = 0
    for name in store.names():
        try:
            a, shapes = store.inspect(name)
        except XembodyError:
            unreadable += 1
            continue
        shapes = {k: shapes.get(k, (0, 0, 3)) for k in ("hand_points", "object_points")}
        hands[a.get("hand", "?")] += 1
        tasks[a.get("task", a.get("object_kind", "?"))] += 1
        objects[a.get("object", "?")] += 1
        counts[f"{shapes['hand_points'][1]}+{shapes['object_points'][1]}"] += 1
        frames += shapes["hand_points"][0]
        if "contact_fraction" in a:
            contact.append(a["contact_fraction"])
    return {
        "path": str(store.root),
        "episodes": len(store),
        "frames": frames,
        "hands": dict(hands),
        "tasks": dict(tasks),
        "objects": dict(objects),
        "particles_hand+object": dict(counts),
        "contact_fraction_mean": float(np.mean(contact)) if contact else None,
        "skipped": len(store.skipped()),
        "unreadable": unreadable,
        "size_bytes": store.size_bytes(),
    }
