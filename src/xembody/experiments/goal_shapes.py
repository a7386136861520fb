"""Named plasticine goal shapes, reachable by construction: a reference hand runs a scripted sequence of the
paper's primitives (`xembody.primitives.Press`) on the MPM lump from the standard start (centred, at rest),
and the clay's particles at the end are the goal.

`xembody goals --make` regenerates the shipped clouds (`src/xembody/goal_shapes/`: one `NAME.npy` per
shape, `start.npy`, each of `VERSION_HANDS`' own runs of its scripts (`script`) in `HAND/NAME.npy`, and
`shapes.json` with each shape's recipe and its measured distances); in every version, every shape is at least
`MIN_FROM_START` (Chamfer + EMD, m: twice the success threshold) from the start and at least `MIN_APART`
from every other shape (tests check the shipped files).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from xembody.goals import (
    GOAL_SHAPES,
    GOAL_SHAPES_HAND,
    GOAL_SHAPES_OBJECT,
    SHAPE_TOLERANCE,
    Goal,
    shape_error,
)
from xembody.io import atomic_write, atomic_write_json

if TYPE_CHECKING:
    from xembody.primitives import Press
    from xembody.sim.scene import Scene

MIN_FROM_START = 2 * SHAPE_TOLERANCE  # 0.025 m
MIN_APART = SHAPE_TOLERANCE  # 0.0125 m
REFERENCE_HAND = GOAL_SHAPES_HAND
SPOT_NOISE = 0.002  # m: the reference hand landing this far off each spot: how sensitive a shape is
OBJECT = GOAL_SHAPES_OBJECT


@dataclass(frozen=True)
class Step:
    """One scripted primitive: its kind, where (m from the clay's centre), how deep (m), wrist yaw and
    pitch (rad)."""

    kind: str  # palm_press, fingers_pinch, thumb_pinch
    spot: tuple[float, float]
    depth: float = 0.02
    yaw: float = 0.0
    pitch: float | None = None  # default: the primitive's (palm 0.15, fingers 0.7)
    closure: float = 0.0  # how far the fingers close while pressed (0: a poke)


@dataclass(frozen=True)
class GoalShape:
    name: str
    description: str
    steps: tuple[Step, ...]


FLAT = 0.035  # m: the palm this far below the top (of a 4.5 cm lump; the deepest press the planner samples)
PALM = "palm_press"


def by_name(*shapes: GoalShape) -> dict[str, GoalShape]:
    return {s.name: s for s in shapes}


def palm_flat(name: str, description: str, spots: tuple[tuple[float, float], ...]) -> GoalShape:
    """A region pressed flat: the palm `FLAT` below the top at each spot (m from the clay's centre)."""
    return GoalShape(name, description, tuple(Step(PALM, s, FLAT) for s in spots))


SHAPES = by_name(
    palm_flat(
        "step",
        "the +x half pressed flat: the palm 35 mm deep at four spots",
        ((0.02, 0.0), (0.02, 0.02), (0.02, -0.02), (0.02, 0.0)),
    ),
    palm_flat("step_y", "the +y half pressed flat", ((0.0, 0.02), (0.02, 0.02), (-0.02, 0.02), (0.0, 0.02))),
    palm_flat(
        "step_nx",
        "the -x half pressed flat",
        ((-0.02, 0.0), (-0.02, 0.02), (-0.02, -0.02), (-0.02, 0.0)),
    ),
    palm_flat(
        "corner",
        "the +x+y quarter pressed flat",
        ((0.02, 0.02), (0.03, 0.01), (0.01, 0.03), (0.02, 0.02)),
    ),
)

# The first library (2026-11): deep fingertip pokes. Even exact dynamics stall near 0.02 toward them with a
# one-press search (docs/clay.md, "Goal designs"), so they no longer ship; their recipes stay for the
# benchmarks that studied them (`RECIPES`).
DEEP = 0.035  # m: fingertips this far below the top
# m: eight pokes ~1 cm apart, edge to edge (the planner's spots reach 0.7 of the lump's radius)
LINE = tuple(np.linspace(-0.034, 0.034, 8))
C = 0.022  # m: the dimples' corners
FIRST_LIBRARY = by_name(
    GoalShape(
        "valley",
        "a deep valley along x, poked in by the fingertips",
        tuple(Step("fingers_pinch", (x, 0.0), DEEP) for x in LINE),
    ),
    GoalShape(
        "trench",
        "a deep trench along y, poked in by the fingertips",
        tuple(Step("fingers_pinch", (0.0, y), DEEP, yaw=np.pi / 2) for y in LINE),
    ),
    GoalShape(
        "diagonal",
        "a deep groove along the diagonal",
        tuple(Step("fingers_pinch", (k / np.sqrt(2), k / np.sqrt(2)), DEEP, yaw=np.pi / 4) for k in LINE),
    ),
    GoalShape(
        "dimples",
        "six deep dimples, four at the corners and two between them",
        tuple(
            Step("fingers_pinch", (x, y), DEEP)
            for x, y in ((C, C), (-C, C), (-C, -C), (C, -C), (0.0, C), (0.0, -C))
        ),
    ),
)
RECIPES: dict[str, GoalShape] = {**SHAPES, **FIRST_LIBRARY}  # every script a benchmark can run by name

# A hand's own versions of the shapes (HAND/NAME.npy): the same regions pressed flat by that hand's own
# scripts. The human hand's thumb-led palm press flattens a row across the palm twice as much as one along
# it (docs/clay.md, "Nearer human goals, shipped"): its rows along y are the reference's four presses
# with the wrist turned a quarter, and its smaller palm presses the corner six times. Its step_y is the
# reference's script. (Six presses a row stalled one-press lookahead near 0.015, exact dynamics too.)
QUARTER = np.pi / 2  # rad


def turned(shape: GoalShape, yaw: float, description: str) -> GoalShape:
    """`shape`'s script with the wrist turned to `yaw` (rad) at every press."""
    return GoalShape(shape.name, description, tuple(replace(s, yaw=yaw) for s in shape.steps))


VERSION_SCRIPTS: dict[str, dict[str, GoalShape]] = {
    "human": by_name(
        turned(SHAPES["step"], -QUARTER, "the +x half: four presses along y, the wrist turned -90 deg"),
        turned(SHAPES["step_nx"], QUARTER, "the -x half: four presses along y, the wrist turned +90 deg"),
        palm_flat(
            "corner",
            "the +x+y quarter in six presses",
            ((0.02, 0.02), (0.03, 0.01), (0.01, 0.03), (0.03, 0.03), (0.02, 0.0), (0.0, 0.02)),
        ),
    ),
}
VERSION_HANDS: tuple[str, ...] = tuple(VERSION_SCRIPTS)  # hands whose own versions ship


def script(name: str, hand: str = REFERENCE_HAND) -> GoalShape:
    """The script `hand` runs to make the named shape: its own version's, else the reference's."""
    return VERSION_SCRIPTS.get(hand, {}).get(name, SHAPES[name])


def make_shape(
    shape: GoalShape,
    hand: str = REFERENCE_HAND,
    spot_noise: float = 0.0,
    seed: int = 0,
    on_step: Callable[[np.ndarray], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(start, goal) object particles (No, 3) of `shape` made by `hand` from the standard start; with
    `spot_noise` (m), every spot is moved by Gaussian noise of that size (how sensitive the shape is to
    where the hand lands). `on_step(points)` sees the object particles after each scripted press.

    Presses, not squeezes: the clay does not push the hand back (one-way coupling), so fingers closing in it
    sweep it across the table instead of pinching it (measured: clay thrown 16 cm)."""
    start, scene = run_script(shape, hand, spot_noise, seed, on_step)
    return start, scene.object_points()


def run_script(
    shape: GoalShape,
    hand: str = REFERENCE_HAND,
    spot_noise: float = 0.0,
    seed: int = 0,
    on_step: Callable[[np.ndarray], None] | None = None,
    on_frame: Callable[[Scene], None] | None = None,
):
    """`make_shape`'s run itself: (start object particles (No, 3), the scene at the end, settled), for what
    else the scene holds (every material point of MPM clay: `scene.obj.all_points()`). `on_frame(scene)`
    sees the start and every simulated control step (a recording of the run).

    Approaches clear the wrist's turns (`Press.targets(clear=True)`, the planner's `--clear-turns`): the
    human's step_nx, turned +90 deg from the home yaw, otherwise swept the clay on its first approach and
    baked an 8.6 mm drag of the whole lump into the goal, which no press the planner makes undoes (no
    other script's path changes)."""
    rng = np.random.default_rng(seed)
    scene, ctx = standard_start(hand)
    start = scene.object_points()
    if on_frame:
        on_frame(scene)
    for i, s in enumerate(shape.steps):
        noisy = replace(s, spot=tuple(np.array(s.spot) + rng.normal(0.0, spot_noise, 2)))
        points = poke(scene, ctx, noisy, lift=i > 0, on_frame=on_frame, clear=True)
        if on_step:
            on_step(points)
    for _ in range(5):  # lift clear and let the clay settle
        c = scene.ctrl()
        c[2] += 0.01
        scene.step(c)
        if on_frame:
            on_frame(scene)
    return start, scene


def standard_start(hand: str):
    """`hand`'s scene on the goal shapes' clay at the standard start (centred, at rest), the open hand
    hovering over it, and its primitives' context: (Scene, PrimitiveContext)."""
    from xembody.embodiments import hand_frame
    from xembody.explore import context
    from xembody.primitives import hover_ctrl
    from xembody.sim.tasks import make_scene

    scene = make_scene(hand, "plasticine", OBJECT, seed=0)  # seed 0: the datasets' particle layout
    ctx = context(scene, hand_frame(scene.hand))
    scene.reset(None)
    scene.set_hand(hover_ctrl(ctx, scene.observe()))
    return scene, ctx


def poke(
    scene, ctx, step: Step, lift: bool = True, on_frame: Callable | None = None, clear: bool = False
) -> np.ndarray:
    """Run one scripted primitive in `scene` (from where the hand is; `lift`: up clear of the clay first;
    `clear`: higher where the turn would tilt the hand into it, `Press.targets`; `on_frame(scene)` after
    every step); returns the object particles after it (No, 3)."""
    obs = scene.observe()
    for target in press_of(step, scene.hand.n_ctrl).targets(ctx, obs, obs.ctrl, lift, clear).targets:
        scene.step(target)
        if on_frame:
            on_frame(scene)
    return scene.object_points()


def press_of(step: Step, n_ctrl: int) -> Press:
    """The `primitives.Press` a scripted step runs with a hand of `n_ctrl` actuators."""
    from xembody.primitives import PALM_PITCH, Press

    pitch = step.pitch if step.pitch is not None else (PALM_PITCH if step.kind == "palm_press" else 0.7)
    closing = np.full(n_ctrl, step.kind != "palm_press")
    return Press(
        step.kind, step.yaw, pitch, closing, step.closure, np.array(step.spot), step.depth, np.zeros((2, 2))
    )


def make_all(out: Path = GOAL_SHAPES, names: list[str] | None = None, progress: bool = True) -> dict:
    """Make what is missing of the shapes (default: all): the reference hand's cloud (NAME.npy, and
    start.npy), each of `VERSION_HANDS`' own version (HAND/NAME.npy), and the reference script's
    sensitivity to `SPOT_NOISE` (recorded in the index); then write the index of every shape in `out`
    (shapes.json) and return it. Delete a file to remake it; a script takes ~1.5 min a run on one core."""
    from tqdm.auto import tqdm

    out.mkdir(parents=True, exist_ok=True)
    old = json.loads((out / "shapes.json").read_text()) if (out / "shapes.json").exists() else {}
    sensitivity = {k: v["sensitivity"] for k, v in old.items() if "sensitivity" in v}
    for name in tqdm(names or list(SHAPES), desc="goal shapes", disable=not progress):
        path = out / f"{name}.npy"
        if not path.exists():
            start, cloud = make_shape(SHAPES[name])
            _save(out / "start.npy", start)
            _save(path, cloud)
            sensitivity.pop(name, None)
        for hand in VERSION_HANDS:
            version = out / hand / f"{name}.npy"
            if not version.exists():
                version.parent.mkdir(exist_ok=True)
                _save(version, make_shape(script(name, hand), hand)[1])
        if name not in sensitivity:
            noisy = make_shape(SHAPES[name], REFERENCE_HAND, SPOT_NOISE, seed=1)[1]
            sensitivity[name] = shape_error(noisy, Goal(np.load(path)))
    index = describe(out, sensitivity)
    atomic_write_json(out / "shapes.json", index)
    return index


def _save(path: Path, array: np.ndarray) -> None:
    atomic_write(path, lambda tmp: np.save(tmp, array))


def describe(out: Path, sensitivity: dict[str, float]) -> dict:
    """The index of the shapes in `out`: recipe, distances from the start and from the nearest other shape
    (of the same hand's versions), the sensitivity to landing off the spots, each version's distance from
    the reference cloud."""
    start = Goal(np.load(out / "start.npy"))
    names = [n for n in SHAPES if (out / f"{n}.npy").exists()]

    def distances(folder: Path) -> dict[str, dict[str, float]]:
        clouds = {n: np.load(folder / f"{n}.npy") for n in names if (folder / f"{n}.npy").exists()}
        return {
            n: {
                "from_start": shape_error(c, start),
                "nearest_other": min(
                    (shape_error(c, Goal(o)) for k, o in clouds.items() if k != n), default=None
                ),
            }
            for n, c in clouds.items()
        }

    reference = distances(out)
    versions = {hand: distances(out / hand) for hand in VERSION_HANDS}
    return {
        name: {
            "description": SHAPES[name].description,
            "hand": REFERENCE_HAND,
            "object": OBJECT,
            "steps": [asdict(s) for s in SHAPES[name].steps],
            **reference[name],
            "sensitivity": sensitivity.get(name),
            "versions": {
                hand: {
                    **v[name],
                    "steps": [asdict(s) for s in script(name, hand).steps],
                    "to_reference": shape_error(
                        np.load(out / hand / f"{name}.npy"), Goal(np.load(out / f"{name}.npy"))
                    ),
                }
                for hand, v in versions.items()
                if name in v
            },
        }
        for name in names
    }


def picture(name: str, out: Path) -> Path:
    """A top view (height as colour) and a side view of a named goal beside the start, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start, goal = np.load(GOAL_SHAPES / "start.npy"), np.load(GOAL_SHAPES / f"{name}.npy")
    fig, ax = plt.subplots(1, 3, figsize=(10.5, 3.2))
    lim = 100 * np.abs(np.concatenate([start, goal])[:, :2]).max() + 0.5  # cm, the same for both views
    for a, pts, title in ((ax[0], start, "start"), (ax[1], goal, name)):
        order = np.argsort(pts[:, 2])
        dots = a.scatter(
            pts[order, 0] * 100, pts[order, 1] * 100, c=pts[order, 2] * 100, s=12, vmin=0, vmax=4.5
        )
        a.set_title(f"{title} (top view)", fontsize=9)
        a.set(aspect="equal", xlim=(-lim, lim), ylim=(-lim, lim), xlabel="x (cm)", ylabel="y (cm)")
    fig.colorbar(dots, ax=ax[1], label="height (cm)", shrink=0.8)
    ax[2].scatter(start[:, 0] * 100, start[:, 2] * 100, s=4, c="lightgrey", label="start")
    ax[2].scatter(goal[:, 0] * 100, goal[:, 2] * 100, s=4, c="tab:green", label=name)
    ax[2].set_aspect("equal")
    ax[2].set_xlabel("x (cm)")
    ax[2].set_ylabel("z (cm)")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100))
    plt.close(fig)
    return path


def index() -> dict:
    """The shipped shapes' index (shapes.json)."""
    return json.loads((GOAL_SHAPES / "shapes.json").read_text())
