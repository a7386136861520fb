"""Offscreen rendering of scenes: frames of an episode, written as GIF or MP4, and a contact sheet PNG."""

from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np

from xembody.io import atomic_path
from xembody.sim.scene import Scene

MARKER_RADIUS = 0.003  # m
MARKER_RGBA = np.array([0.1, 0.85, 0.2, 0.9], np.float32)
CLAY_RADIUS = 0.003  # m
CLAY_RGBA = np.array([0.3, 0.6, 0.9, 1.0], np.float32)
FORMATS = ("gif", "mp4")  # what `write_video` writes, named by the file's suffix


def add_spheres(scn: mujoco.MjvScene, points: np.ndarray, radius: float, rgba: np.ndarray) -> None:
    """Append spheres at `points` (N, 3) to a scene about to be rendered (as many as it has room for)."""
    eye = np.eye(3).flatten()
    size = np.array([radius, 0.0, 0.0])
    for p in points[: scn.maxgeom - scn.ngeom]:
        mujoco.mjv_initGeom(scn.geoms[scn.ngeom], mujoco.mjtGeom.mjGEOM_SPHERE, size, p, eye, rgba)
        scn.ngeom += 1


class SceneCamera:
    """A fixed camera looking down at the object at 35 degrees (closer on clay); renders (H, W, 3) uint8
    frames."""

    def __init__(self, scene: Scene, width: int = 480, height: int = 360, distance: float | None = None):
        self.scene = scene
        self.renderer = mujoco.Renderer(scene.model, height=height, width=width)
        self.cam = mujoco.MjvCamera()
        self.cam.type = mujoco.mjtCamera.mjCAMERA_FREE
        clay = scene.obj.kind == "deformable"  # close on the clay, where its shape reads
        if distance is None:
            distance = 0.3 if clay else 0.5
        self.cam.lookat[:] = (*scene.object_points()[:, :2].mean(0), 0.03 if clay else 0.06)
        self.cam.distance, self.cam.azimuth, self.cam.elevation = distance, 135.0, -35.0
        self.frames: list[np.ndarray] = []

    def __call__(self, scene: Scene, markers: np.ndarray | None = None) -> None:
        """Render the scene now; `markers` (N, 3) are drawn as small green spheres (e.g. a goal)."""
        self.renderer.update_scene(scene.data, self.cam)
        if scene.obj.external:  # clay simulated outside MuJoCo: its material points
            add_spheres(self.renderer.scene, scene.obj.all_points(), CLAY_RADIUS, CLAY_RGBA)
        if markers is not None:
            add_spheres(self.renderer.scene, markers, MARKER_RADIUS, MARKER_RGBA)
        self.frames.append(self.renderer.render().copy())

    def close(self) -> None:
        self.renderer.close()


def write_video(frames: list[np.ndarray], path: Path, fps: float) -> Path:
    """Write frames as .gif (Pillow) or .mp4 (imageio-ffmpeg), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.removeprefix(".") not in FORMATS:
        raise ValueError(f"{path}: video must end in .gif or .mp4")
    with atomic_path(path) as tmp:
        _write_frames(frames, tmp, fps)
    return path


def _write_frames(frames: list[np.ndarray], tmp: Path, fps: float) -> None:
    if tmp.suffix == ".gif":
        from PIL import Image

        images = [Image.fromarray(f) for f in frames]
        images[0].save(tmp, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    else:
        import imageio.v2 as imageio

        with imageio.get_writer(tmp, fps=fps, codec="libx264", quality=7, macro_block_size=8) as w:
            for f in frames:
                w.append_data(f)


def contact_sheet(frames: list[np.ndarray], cols: int = 6, every: int = 1) -> np.ndarray:
    """Frames tiled in a grid, (rows * H, cols * W, 3)."""
    picked = frames[::every]
    h, w, _ = picked[0].shape
    rows = -(-len(picked) // cols)
    sheet = np.full((rows * h, cols * w, 3), 255, np.uint8)
    for i, f in enumerate(picked):
        r, c = divmod(i, cols)
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w] = f
    return sheet
