"""The registered hands as a table: loaded, summarised one row per hand, printed."""

from __future__ import annotations

from xembody.embodiments.hand import MjcfHand
from xembody.embodiments.registry import REGISTRY, load_hand


def load_registered(n_points: int) -> dict[str, MjcfHand]:
    return {name: load_hand(name, n_points=n_points) for name in REGISTRY}


def hand_rows(hands: dict[str, MjcfHand]) -> list[dict]:
    """One row per hand: joints, actuators, particles, links, coupling, source, description."""
    return [
        {
            "name": name,
            "joints": hand.n_hand_joints,
            "actuators": hand.n_hand_actuators,
            "dof": hand.dof,
            "ctrl": hand.n_ctrl,
            "particles": hand.n_points,
            "links": len(hand.link_names),
            "coupled": hand.actuation.coupled,
            "source": hand.source,
            "description": REGISTRY[name].description,
        }
        for name, hand in hands.items()
    ]


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="xembody hands (dof and ctrl include the 6-DoF wrist)")
    for col in ("name", "joints", "actuators", "particles", "dof", "ctrl", "source"):
        table.add_column(col, justify="left" if col in ("name", "source") else "right")
    for r in rows:
        table.add_row(
            r["name"], *(str(r[c]) for c in ("joints", "actuators", "particles", "dof", "ctrl")), r["source"]
        )
    console = Console()
    if not console.is_terminal:  # piped: do not squeeze the table into 80 columns
        console = Console(width=120)
    console.print(table)
