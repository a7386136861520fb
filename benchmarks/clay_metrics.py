"""Shape-change metrics shared by the clay engine benchmarks (numpy and scipy only, so every engine's
script can use them, whatever environment it runs in)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree


def spacing_of(points: np.ndarray) -> float:
    """Typical distance between neighbouring points, m."""
    return float(np.median(cKDTree(points).query(points, k=2)[0][:, 1]))


def height_map(points: np.ndarray, cell: float, extent: float = 0.06) -> np.ndarray:
    """Top surface: the highest point in each `cell`-wide bin of [-extent, extent]^2 (NaN where empty)."""
    n = int(round(2 * extent / cell))
    ij = np.floor((points[:, :2] + extent) / cell).astype(int)
    ok = ((ij >= 0) & (ij < n)).all(1)
    top = np.full((n, n), np.nan)
    for (i, j), z in zip(ij[ok], points[ok, 2], strict=True):
        top[i, j] = z if np.isnan(top[i, j]) else max(top[i, j], z)
    return top


def shape_distance(a: np.ndarray, b: np.ndarray, n: int = 300, seed: int = 0) -> float:
    """Chamfer + EMD (m) between the same n material points before (a) and after (b)."""
    idx = np.random.default_rng(seed).choice(len(a), min(n, len(a)), replace=False)
    a, b = a[idx], b[idx]
    chamfer = cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean()
    d = np.linalg.norm(a[:, None] - b[None], axis=-1)
    rows, cols = linear_sum_assignment(d)
    return float(chamfer + d[rows, cols].mean())


def clay_metrics(
    before: np.ndarray, after: np.ndarray, primitive: str, lump: tuple[float, float, float]
) -> dict:
    """Dent depths (press), width change (pinch), Chamfer + EMD, volume change, lifted points."""
    h = spacing_of(before)
    out = {"chamfer_emd": shape_distance(before, after)}
    if primitive == "press":
        # Lagrangian: how far the points of the top surface sank, by distance from the finger's axis (x).
        top = before[:, 2] > before[:, 2].max() - 0.6 * h
        sank, x, y = before[top, 2] - after[top, 2], np.abs(before[top, 0]), np.abs(before[top, 1])
        for label, lo, hi in (
            ("dent_mm", 0.0, 0.005),
            ("dent_2cm_mm", 0.015, 0.025),
            ("dent_3cm_mm", 0.025, 0.035),
        ):
            sel = (x < 0.015) & (y >= lo) & (y < hi)
            out[label] = 1000 * float(np.mean(sank[sel])) if sel.any() else float("nan")
    else:
        # Width across the fingers (x) at mid-height, in the band they pinched (|y| < 1 cm).
        mid = lambda p: p[(np.abs(p[:, 2] - lump[2] / 2) < 0.01) & (np.abs(p[:, 1]) < 0.01)]  # noqa: E731
        width = lambda p: float(np.ptp(mid(p)[:, 0])) if len(mid(p)) else float("nan")  # noqa: E731
        out["squeeze_mm"] = 1000 * (width(before) - width(after))
        out["ridge_mm"] = 1000 * float(after[:, 2].max() - before[:, 2].max())
    cell = max(0.005, 1.2 * h)  # every bin holds a point
    vb, va = (np.nansum(height_map(p, cell)) * cell**2 for p in (before, after))
    out["volume_change"] = float(va / vb - 1.0)
    out["lifted"] = int((after[:, 2] > before[:, 2].max() + 0.005).sum())
    return out
