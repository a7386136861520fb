"""Observations through a depth camera: what `xembody plan --observe camera` gives the planner.

The hand's own state is reported as a robot's driver reports it (`Scene.observe`); the object is what a
depth camera over the table sees of it (`xembody.sensing.DepthCamera`, the camera of the simulated human
recordings): the visible part of a dense surface sample of the object (`SceneObject.surface`, not the
model's particles), the hand's particles occluding, with noise. Fewer points than the object has, none on
its hidden faces, in no particular order, and a different set every cycle.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from xembody.errors import ObjectLost
from xembody.observation import Observation
from xembody.sensing import DepthCamera
from xembody.sim.scene import Scene


class CameraView:
    """`view()` -> the scene's `Observation` with the object's points as the camera sees them, (M, 3).

    Args:
        scene: the scene to look at (its state now, each call).
        camera: where the camera is, its angular resolution and noise.
        seed: of the noise (each call draws new noise).
    """

    def __init__(self, scene: Scene, camera: DepthCamera = DepthCamera(), seed: int = 0):
        self.scene, self.camera = scene, camera
        self.rng = np.random.default_rng(seed)

    def __call__(self) -> Observation:
        obs = self.scene.observe()
        seen = self.camera.see(self.scene.obj.surface(self.scene.data), obs.hand_points, self.rng)
        if not len(seen):
            raise ObjectLost("the camera sees nothing of the object (the hand hides all of it)")
        return replace(obs, object_points=seen)
