"""Run one exploration episode in a scene and record it in the data contract (docs/design.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mujoco
import numpy as np

from xembody.embodiments.hand_frame import HandFrame
from xembody.explore.policies import POLICIES
from xembody.primitives import StepLimits
from xembody.sim.objects import RigidObject
from xembody.sim.scene import Scene


class UnstableEpisode(RuntimeError):
    """The simulation diverged or the object left the table; the episode must not be stored."""


@dataclass
class Episode:
    """One recorded episode. Arrays follow the data contract; `attrs` are its per-episode attributes."""

    arrays: dict[str, np.ndarray]
    attrs: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.arrays["hand_points"])

    @property
    def contact_fraction(self) -> float:
        return float(self.arrays["contact"].mean())


def episode_rng(seed: int, index: int, attempt: int = 0) -> np.random.Generator:
    """The generator of episode `index`: depends only on (seed, index, attempt), not on who runs it."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, attempt]))


def run_episode(
    scene: Scene,
    frame: HandFrame,
    policy: str,
    frames: int,
    rng: np.random.Generator,
    limits: StepLimits = StepLimits(),
    on_frame: Callable[[Scene], None] | None = None,
) -> Episode:
    """Reset the scene, run `policy` for `frames` recorded frames (T), and return the episode.

    Raises:
        UnstableEpisode: when the simulation diverges or the object leaves the table.
    """
    pol = POLICIES[policy](scene, frame, rng, limits)
    scene.reset(rng)
    scene.set_hand(pol.start())  # the policy plans its first move from where the object now is
    hand = scene.hand
    rigid = isinstance(scene.obj, RigidObject)
    out = {
        "hand_points": np.empty((frames, hand.n_points, 3), np.float32),
        "object_points": np.empty((frames, len(scene.object_points()), 3), np.float32),
        "qpos": np.empty((frames, hand.dof), np.float32),
        "ctrl": np.empty((frames - 1, hand.n_ctrl), np.float32),
        "contact": np.empty(frames, np.bool_),
    }
    if rigid:
        out["object_pose"] = np.empty((frames, 7), np.float32)
    for t in range(frames):
        if t == 0:
            out["contact"][t] = scene.in_contact()
        else:
            out["contact"][t] = scene.step(pol.act())  # touched at any time during the step
            out["ctrl"][t - 1] = scene.ctrl()
        obj = scene.object_points()
        if t > 0 and (why := scene.unstable(obj, out["object_points"][t - 1])):
            raise UnstableEpisode(f"frame {t}: {why}")
        out["hand_points"][t] = scene.hand_points()
        out["object_points"][t] = obj
        out["qpos"][t] = scene.qpos()
        if rigid:
            out["object_pose"][t] = scene.obj.pose(scene.data)
        if on_frame is not None:
            on_frame(scene)
    attrs = {
        "hand": hand.name,
        "hand_source": hand.source,
        "dof": hand.dof,
        "n_ctrl": hand.n_ctrl,
        "joint_names": list(hand.joint_names),
        "ctrl_names": list(hand.ctrl_names),
        "object_kind": scene.obj.kind,
        "object": scene.obj.name,
        "dt": 1.0 / scene.physics.control_hz,
        "timestep": scene.physics.timestep,
        "source": "sim",
        "policy": policy,
        "engine": f"mujoco {mujoco.__version__}",
        "contact_fraction": float(out["contact"].mean()),
    }
    return Episode(out, attrs)
