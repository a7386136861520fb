"""Exploration policies that make contact often, for any hand.

Every policy outputs actuator targets (n_ctrl,) at the control rate, and every target differs from the one
before by a bounded step (`StepLimits`), so motions are smooth whatever the hand. Placement uses only the
hand's kinematics (`hand_frame`): policies know nothing hand-specific.

* `random`: random smooth motion of every actuator; the wrist drifts around the object at object height.
* `push`: wrist approach beside the object, then a straight push through it with random finger motion;
  repeated from new sides, lifting over the object in between (rigid objects).
* `press`: the paper's human primitives done by any hand: PalmPress (open hand pressed down),
  FingersPinch (fingertips lowered into the clay, then every finger closes), ThumbPinch (a random half of
  the actuators closes, so a thumb often opposes some fingers) (plasticine).
"""

from __future__ import annotations

import abc
from collections import deque
from dataclasses import dataclass

import numpy as np

from xembody.explore.hand_frame import HandFrame, euler_xyz, nearest_euler, relative_points, rot_y, rot_z
from xembody.sim.scene import Scene


@dataclass(frozen=True)
class StepLimits:
    """Largest change of a target in one control step."""

    translation: float = 0.015  # m (0.15 m/s at 10 Hz)
    transit: float = 0.03  # m, moving in free space between contacts
    rotation: float = 0.2  # rad
    closure: float = 0.15  # fraction of each actuator's range


class Policy(abc.ABC):
    """Actuator targets for one episode. `start()` gives the initial targets, `act()` each next one."""

    name: str

    def __init__(self, scene: Scene, frame: HandFrame, rng: np.random.Generator, limits: StepLimits):
        self.scene, self.frame, self.rng, self.limits = scene, frame, rng, limits
        self.hand = scene.hand
        self.queue: deque[np.ndarray] = deque()

    @abc.abstractmethod
    def start(self) -> np.ndarray:
        """Targets (n_ctrl,) to start the episode from (the hand is placed there at rest)."""

    @abc.abstractmethod
    def plan(self, current: np.ndarray) -> None:
        """Append the next segment of targets to `self.queue`, starting from `current`."""

    def act(self) -> np.ndarray:
        if not self.queue:
            self.plan(self.scene.ctrl())
        return self.queue.popleft()

    # --- helpers ---------------------------------------------------------------------------------------
    def move(self, a: np.ndarray, b: np.ndarray, transit: bool = False) -> np.ndarray:
        """Queue a straight move from targets a to b in as few steps as the limits allow (b included).

        `transit` moves (no contact intended) may translate faster and turn twice as fast. The wrist
        angles of b are taken in whichever of their two equivalent forms is nearer a; returns that b."""
        span = np.maximum(np.abs(self.frame.closed_ctrl - self.frame.open_ctrl), 1e-9)
        b = b.copy()
        b[3:6] = nearest_euler(b[3:6], a[3:6])
        d = b - a
        steps = max(
            np.abs(d[:3]).max() / (self.limits.transit if transit else self.limits.translation),
            np.abs(d[3:6]).max() / (self.limits.rotation * (2.0 if transit else 1.0)),
            (np.abs(d[6:]) / span[6:]).max(initial=0.0) / self.limits.closure,
            1.0,
        )
        n = int(np.ceil(steps - 1e-9))
        for i in range(1, n + 1):
            self.queue.append(a + d * (i / n))
        return b

    def orientation(self, yaw: float, pitch: float) -> np.ndarray:
        """Palm-down, then fingers pitched down by `pitch`, then turned by `yaw` about world z."""
        return rot_z(yaw) @ rot_y(pitch) @ self.frame.palm_down

    def turn(self, pitch_range: tuple[float, float]) -> np.ndarray:
        """A new orientation near the last one (turning the wrist far costs many steps without contact)."""
        if not hasattr(self, "yaw"):
            self.yaw = self.rng.uniform(-np.pi, np.pi)
        self.yaw = float(np.clip(self.yaw + self.rng.normal(0.0, 0.5), -2.5, 2.5))
        return self.orientation(self.yaw, self.rng.uniform(*pitch_range))

    def targets(self, rot: np.ndarray, closure, wrist_pos: np.ndarray) -> np.ndarray:
        c = self.frame.ctrl(closure)
        c[:3], c[3:6] = wrist_pos, euler_xyz(rot)
        return c

    def object_centre(self) -> np.ndarray:
        return self.scene.object_points().mean(0)

    def object_top(self) -> float:
        return float(self.scene.object_points()[:, 2].max())


class RandomPolicy(Policy):
    """Random smooth motion: a momentum random walk on every actuator, the wrist pulled toward the object."""

    name = "random"

    def start(self) -> np.ndarray:
        self.closure = self.rng.uniform(0.0, 0.5, self.hand.n_ctrl)
        self.vel = np.zeros(self.hand.n_ctrl)
        self.yaw, self.pitch = self.rng.uniform(-2.5, 2.5), self.rng.uniform(0.0, 0.5)
        return self._place(self.object_centre()[:2] + self.rng.normal(0, 0.03, 2), 0.0)

    def _place(self, xy: np.ndarray, height: float) -> np.ndarray:
        """Targets putting the hand's lowest particles' centre at (xy, height above the table)."""
        rot = self.orientation(self.yaw, self.pitch)
        rel = relative_points(self.hand, rot, self.frame.ctrl(self.closure))
        low = lowest_layer(rel, 0.015)
        pos = np.array([*(xy - low[:, :2].mean(0)), 0.004 + height - rel[:, 2].min()])
        return self.targets(rot, self.closure, pos)

    def plan(self, current: np.ndarray) -> None:
        lim = self.limits
        self.vel = 0.8 * self.vel + self.rng.normal(0.0, 0.3, len(self.vel)) * lim.closure
        self.closure = np.clip(self.closure + self.vel, 0.0, 1.0)
        self.yaw = float(np.clip(self.yaw + self.rng.normal(0.0, 0.3 * lim.rotation), -2.5, 2.5))
        self.pitch = np.clip(self.pitch + self.rng.normal(0.0, 0.3 * lim.rotation), 0.0, 0.6)
        goal_xy = self.object_centre()[:2] + self.rng.normal(0.0, 0.03, 2)
        height = self.rng.uniform(0.0, 0.6) * self.scene.obj.height
        self.move(current, self._place(goal_xy, height))
        while len(self.queue) > 1:  # one step toward it; a new random goal each step
            self.queue.pop()


class PushPolicy(Policy):
    """Approach the object from a random side at a random height below its top, push through it."""

    name = "push"

    def segment(self, toward: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
        """(start targets, end targets, safe wrist height) of one random push.

        `toward`: a direction (2,) to push roughly along, e.g. from where the hand already is, so the
        hand need not travel around the object; pushes bend back toward the table centre.
        """
        rng = self.rng
        centre = self.object_centre()[:2]
        if toward is None:
            phi = rng.uniform(-np.pi, np.pi)
        else:
            phi = np.arctan2(toward[1], toward[0]) + rng.normal(0.0, 0.6)
        if np.linalg.norm(centre) > 0.15:  # far out: push back toward the middle of the table
            phi = np.arctan2(-centre[1], -centre[0]) + rng.normal(0.0, 0.4)
        rot = self.turn((0.0, 0.7))
        closure = rng.uniform(0.0, 0.6, self.hand.n_ctrl)
        offset, height = rng.uniform(-0.5, 0.5), rng.uniform(0.1, 0.4)
        return self.push(phi, rot, closure, offset, height, rng.uniform(0.1, 0.2))

    def push(
        self, phi: float, rot: np.ndarray, closure: np.ndarray, offset: float, height: float, length: float
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """(start targets, end targets, safe wrist height) of the push along direction `phi` (rad) with
        the wrist turned to `rot` and the fingers at `closure`; the hand's foremost low particle starts
        just short of the object, `offset` (fraction of the object's radius) beside its centre line, at
        `height` (fraction of the object's height), and ends `length` (m) past the centre."""
        obj = self.scene.obj
        centre = self.object_centre()[:2]
        u, w = np.array([np.cos(phi), np.sin(phi)]), np.array([-np.sin(phi), np.cos(phi)])
        rel = relative_points(self.hand, rot, self.frame.ctrl(closure))
        low = lowest_layer(rel, 0.015)
        lead = low[np.argmax(low[:, :2] @ u)]  # the hand's foremost low particle leads the push
        aim = centre + w * offset * obj.radius
        z = 0.004 + height * obj.height - rel[:, 2].min()
        a = np.array([*(aim - u * (obj.radius + 0.005) - lead[:2]), z])
        b = np.array([*(aim + u * length - lead[:2]), z])
        safe = self.object_top() + 0.02 - rel[:, 2].min()
        return self.targets(rot, closure, a), self.targets(rot, closure, b), safe

    def approach(self, current: np.ndarray, a: np.ndarray, safe: float, lift: bool = False) -> np.ndarray:
        """Queue the way from `current` to push start `a`: back off and up a little, turn, come in again
        (lifting over the object when the way crosses it, or always with `lift`). Returns the targets
        reached."""
        away = self.scene.hand_points()[:, :2].mean(0) - self.object_centre()[:2]
        back = current.copy()
        back[:2] += 0.02 * away / max(np.linalg.norm(away), 1e-6)
        back[2] = max(current[2], safe) if lift or self._crosses(current, a) else current[2] + 0.01
        over = a.copy()
        over[2] = back[2]
        for w in (back, over, a):
            current = self.move(current, w, transit=True)
        return current

    def start(self) -> np.ndarray:
        self.first = self.segment()
        return self.first[0]

    def plan(self, current: np.ndarray) -> None:
        if self.first is not None:
            a, b, _ = self.first
            self.first = None
        else:
            away = self.scene.hand_points()[:, :2].mean(0) - self.object_centre()[:2]
            a, b, safe = self.segment(toward=-away)
            current = self.approach(current, a, safe)
        # The push itself, with the fingers wandering within a bounded random walk.
        n0 = len(self.queue)
        self.move(current, b)
        span = self.frame.closed_ctrl - self.frame.open_ctrl
        walk = np.zeros(self.hand.n_ctrl)
        for i in range(n0, len(self.queue)):
            step = self.rng.normal(0.0, 0.3 * self.limits.closure, self.hand.n_ctrl - 6)
            walk[6:] += np.clip(step, -0.5 * self.limits.closure, 0.5 * self.limits.closure)
            walk = np.clip(walk, -0.3, 0.3)
            self.queue[i] = self.queue[i] + walk * span

    def _crosses(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether the wrist path a -> b passes over the object (then the hand must lift over it)."""
        c = self.object_centre()[:2]
        d = b[:2] - a[:2]
        s = np.clip(np.dot(c - a[:2], d) / max(np.dot(d, d), 1e-12), 0.0, 1.0)
        return bool(np.linalg.norm(a[:2] + s * d - c) < self.scene.obj.radius)


PRIMITIVES = ("palm_press", "fingers_pinch", "thumb_pinch")


def lowest_layer(points: np.ndarray, height: float) -> np.ndarray:
    """The particles within `height` of the lowest one, (K, 3)."""
    return points[points[:, 2] < points[:, 2].min() + height]


def lowest_patch(points: np.ndarray, height: float = 0.01, width: float = 0.03) -> np.ndarray:
    """The hand's particles within `height` of its lowest one and `width` of it horizontally, (K, 3):
    the part that touches first when the hand descends."""
    low = points[np.argmin(points[:, 2])]
    layer = lowest_layer(points, height)
    return layer[np.linalg.norm(layer[:, :2] - low[:2], axis=1) < width]


class PressPolicy(Policy):
    """PalmPress, FingersPinch and ThumbPinch at random spots on the clay, one after another."""

    name = "press"

    def primitive(self) -> tuple[str, list[np.ndarray]]:
        rng, obj, n = self.rng, self.scene.obj, self.hand.n_ctrl
        kind = PRIMITIVES[rng.integers(len(PRIMITIVES))]
        # A slight pitch puts the palm and fingers, not a forearm or wrist, lowest.
        rot = self.turn((0.05, 0.25) if kind == "palm_press" else (0.4, 1.1))
        open_c = np.full(n, 0.0 if kind == "palm_press" else 0.1)
        closed = open_c.copy()
        if kind == "fingers_pinch":
            closed[:] = 0.8
        elif kind == "thumb_pinch":
            closed[rng.random(n) < 0.5] = 0.8
        rel = relative_points(self.hand, rot, self.frame.ctrl(open_c))
        low = lowest_patch(rel)
        r = obj.radius * 0.5 * np.sqrt(rng.random())
        a = rng.uniform(-np.pi, np.pi)
        spot = self.object_centre()[:2] + r * np.array([np.cos(a), np.sin(a)])
        xy, top = spot - low[:, :2].mean(0), self.object_top()
        depth = rng.uniform(0.008, 0.02)
        z_hover = top + 0.004 - rel[:, 2].min()
        press = self.targets(rot, open_c, np.array([*xy, top - depth - rel[:, 2].min()]))
        hover = self.targets(rot, open_c, np.array([*xy, z_hover]))
        # Closing curls the fingertips up and back: lower the wrist so they stay in the clay.
        rel_closed = relative_points(self.hand, rot, self.frame.ctrl(closed))
        squeeze = self.targets(rot, closed, np.array([*xy, top - depth - rel_closed[:, 2].min()]))
        lift = self.targets(rot, open_c, np.array([*xy, z_hover]))
        # Knead: while pressed, the wrist slides a few millimetres twice; then the hand opens in the clay.
        slides = [squeeze.copy() for _ in range(2)]
        for s in slides:
            s[:2] += rng.normal(0.0, 0.005, 2)
        return kind, [hover, press, press, squeeze, *slides, press, lift]  # repeats hold a pose

    def start(self) -> np.ndarray:
        self.first = self.primitive()[1]
        return self.first[0]

    def plan(self, current: np.ndarray) -> None:
        waypoints = self.first or self.primitive()[1]
        if self.first is None:  # lift just clear of the clay, then turn and move to the next spot
            up = current.copy()
            up[2] += max(0.0, self.object_top() + 0.01 - self.scene.hand_points()[:, 2].min())
            current = self.move(current, up, transit=True)
        self.first = None
        for i, w in enumerate(waypoints):
            current = self.move(current, w, transit=i == 0)


POLICIES: dict[str, type[Policy]] = {p.name: p for p in (RandomPolicy, PushPolicy, PressPolicy)}
