"""Offscreen MuJoCo rendering of a hand with its particles drawn as spheres (headless with MUJOCO_GL=egl)."""

from __future__ import annotations

import copy
from pathlib import Path

import mujoco
import numpy as np
from PIL import Image

from xembody.embodiments.hand import MjcfHand
from xembody.errors import XembodyError
from xembody.io import atomic_write

PARTICLE_RGBA = np.array([0.95, 0.2, 0.15, 1.0], dtype=np.float32)


def add_points(scene: mujoco.MjvScene, points: np.ndarray, radius: float, rgba: np.ndarray) -> None:
    """Append spheres at `points` (N, 3) to a scene already filled by `update_scene`."""
    if scene.ngeom + len(points) > scene.maxgeom:
        raise XembodyError(f"too many points to draw ({len(points)}); raise the renderer's max_geom")
    eye = np.eye(3).ravel()
    for p in points:
        mujoco.mjv_initGeom(
            scene.geoms[scene.ngeom], mujoco.mjtGeom.mjGEOM_SPHERE, np.array([radius, 0, 0]), p, eye, rgba
        )
        scene.ngeom += 1


def render_hand(
    hand: MjcfHand,
    qpos: np.ndarray | None = None,
    size: tuple[int, int] = (480, 640),
    views: tuple[tuple[float, float], ...] = ((135.0, -25.0), (45.0, -60.0)),
) -> np.ndarray:
    """Images of the hand at `qpos` (default pose) with its particles, side by side: (H, W * views, 3)."""
    qpos = hand.default_qpos if qpos is None else np.asarray(qpos, dtype=np.float64)
    model = copy.copy(hand.model)  # brighter headlight: hand models rarely carry lights of their own
    model.vis.headlight.ambient[:] = 0.45
    model.vis.headlight.diffuse[:] = 0.8
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_forward(model, data)
    points = hand.points_np(qpos)
    extent = float(np.linalg.norm(points.max(0) - points.min(0)))
    cam = mujoco.MjvCamera()
    cam.lookat[:] = points.mean(0)
    cam.distance = 1.1 * extent + 0.05
    opt = mujoco.MjvOption()
    opt.geomgroup[:] = 1  # show visual and collision groups alike: models differ in which they show
    images = []
    try:
        renderer = mujoco.Renderer(model, height=size[0], width=size[1], max_geom=10000)
    except Exception as e:
        raise XembodyError(
            f"offscreen rendering failed ({e}); on a headless machine set MUJOCO_GL=egl "
            "(Mesa EGL: apt install libegl1 libgl1) or MUJOCO_GL=osmesa"
        ) from None
    with renderer:
        for azimuth, elevation in views:
            cam.azimuth, cam.elevation = azimuth, elevation
            renderer.update_scene(data, cam, opt)
            add_points(renderer.scene, points, radius=0.004, rgba=PARTICLE_RGBA)
            images.append(renderer.render())
    return np.concatenate(images, axis=1)


def save_png(image: np.ndarray, path: Path) -> Path:
    """Write an image atomically (a crash never leaves half a PNG)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda tmp: Image.fromarray(image).save(tmp, format="PNG"))


def show_hand(hand, out: Path) -> Path:
    """Render a hand with its particles to `out`/<name>.png."""
    return save_png(render_hand(hand), out / f"{hand.name}.png")
