"""A planner's pieces from names: the task's defaults, the hand as the model saw it, the learned dynamics
with its contact gate, the primitive planner's settings. `xembody plan` and the `Controller` both build
their planners here, so a robot runs what the simulated episodes ran.
"""

from __future__ import annotations

from dataclasses import dataclass

from xembody.embodiments import load_hand
from xembody.embodiments.hand import MjcfHand
from xembody.errors import XembodyError
from xembody.planning.dynamics import LearnedDynamics
from xembody.planning.primitive_planner import PrimitiveConfig
from xembody.primitives import PRESS_KINDS


@dataclass(frozen=True)
class TaskSpec:
    """What planning needs to know of a task (the simulator's `sim.tasks.Task` holds the rest)."""

    name: str
    rigid: bool  # rigid object (pose goal, pushes) or deformable (shape goal, presses)
    hand_points: int  # the hand's particles in the task's data: the model saw hands this dense


TASKS = {t.name: t for t in (TaskSpec("box", True, 50), TaskSpec("plasticine", False, 200))}


def task_spec(name: str) -> TaskSpec:
    if name not in TASKS:
        raise XembodyError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    return TASKS[name]


@dataclass(frozen=True)
class PlannerSettings:
    """The primitive planner's settings (`xembody plan`'s defaults) and where its model runs."""

    candidates: int | None = None  # primitives drawn per update; default: 64 pushes, 32 presses
    refine: int = 2  # presses: cross-entropy rounds after the random draws
    hold: bool = True  # presses: execute nothing where no press is predicted to help
    guided: float = 0.0  # presses: share of the draws placed where the clay stands above the goal
    guided_kind: str = "palm"  # presses: guided draws are palm presses, or pokes of the drawn kind
    guided_yaws: tuple[float, ...] = (0.0,)  # presses: rad, the wrist yaws guided palm presses cycle through
    clear_turns: bool = False  # presses: approaches rise where a turn would tilt the hand into the clay
    press_kinds: tuple[str, ...] = PRESS_KINDS  # presses: the kinds the random draws come from
    gate_points: int = 400  # dense hand particles for the contact gate; 0 turns it off
    device: str = "cpu"  # where the world model runs (the hand's kinematics stay on the CPU)
    seed: int = 0  # of the candidates' draws
    observe: str = "full"  # full: the object's particles are given; camera: a partial cloud (`perception`)
    hold_margin: float = 0.0  # presses: m of predicted gain below which a press is held too


def primitive_config(rigid: bool, settings: PlannerSettings) -> PrimitiveConfig:
    """Pushes scored by corresponding particles for rigid objects (the goal is the object's own particles
    at the goal pose); presses scored by Chamfer + EMD, refined, holding where none helps, for clay."""
    s = settings
    return PrimitiveConfig(
        kind="push" if rigid else "press",
        candidates=s.candidates or (64 if rigid else 32),
        shape="particles" if rigid else "chamfer_emd",
        seed=s.seed,
        refine=0 if rigid else s.refine,
        guided=0.0 if rigid else s.guided,
        guided_kind=s.guided_kind,
        guided_yaws=s.guided_yaws,
        clear_turns=s.clear_turns,
        press_kinds=s.press_kinds,
        hold=s.hold and not rigid,
        hold_margin=s.hold_margin,
    )


def task_hand(hand: str, task: TaskSpec) -> MjcfHand:
    """The hand (registered name or MJCF/URDF path) with the task's particles in the training data's
    layout (seed 0)."""
    return load_hand(hand, n_points=task.hand_points, seed=0)


def dense_hand(hand: str, n: int) -> MjcfHand:
    """The hand with n particles; hands with few links (a 3-link gripper) sample more candidates per link."""
    try:
        return load_hand(hand, n_points=n)
    except XembodyError as e:
        if "candidate surface points" not in str(e):
            raise
        return load_hand(hand, n_points=n, per_link=n)


def learned_dynamics(
    model: str, hand: str, embodiment: MjcfHand, rigid: bool, gate_points: int = 400, device: str = "cpu"
) -> LearnedDynamics:
    """`model` (a shipped name such as box-5hands, a run directory or a model.pt) acting through
    `embodiment` (the hand named `hand`), gated by `gate_points` dense particles of the same hand."""
    from xembody.train.checkpoint import load_model, resolve_device

    net, _ = load_model(model, device=resolve_device(device))
    gate = dense_hand(hand, gate_points) if gate_points else None
    return LearnedDynamics(net, embodiment, rigid, gate)
