"""A MuJoCo scene behind the `planning.Robot` protocol: what stands in for a robot in docs/deploy.md and
its test. `observe()` reports what a robot's driver and tracker would (`Scene.observe`); `send(targets)`
holds the targets for one control period of simulated time (0.1 s), as a robot's servos would.
"""

from __future__ import annotations

import numpy as np

from xembody.embodiments import hand_frame
from xembody.explore import context, episode_rng
from xembody.observation import Observation
from xembody.primitives import hover_ctrl
from xembody.sim.scene import Scene
from xembody.sim.tasks import make_scene


class SimRobot:
    """`Robot` for a scene (`planning.Robot`: observe, send)."""

    def __init__(self, scene: Scene):
        self.scene = scene

    @classmethod
    def create(cls, hand: str = "leap", task: str = "box", episode: int = 0, seed: int = 0) -> SimRobot:
        """Episode `episode`'s start of `xembody plan --seed seed`: the object placed at random, the open
        hand palm-down above it (where a robot's operator would put it before starting the loop)."""
        scene = make_scene(hand, task, seed=0)  # seed 0: the training data's particles
        scene.reset(episode_rng(seed, episode))
        scene.set_hand(hover_ctrl(context(scene, hand_frame(scene.hand)), scene.observe()))
        return cls(scene)

    def observe(self) -> Observation:
        return self.scene.observe()

    def send(self, targets: np.ndarray) -> None:
        self.scene.step(targets)
