"""`xembody <verb>`: the command-line interface. Each verb is one function; tyro parses its arguments."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import tyro

from xembody.errors import XembodyError


@dataclass(frozen=True)
class HandsArgs:
    """List the registered hands, or render one with its particles."""

    json: bool = False
    """Print JSON instead of a table."""
    show: str | None = None
    """Render this hand (a registered name or an MJCF path) with its particles to a PNG."""
    n_points: int = 50
    """Hand particles (paper: 50 for pushing, 200 for plasticine)."""
    out: Path = Path("runs/hands")
    """Directory for rendered PNGs."""


@dataclass(frozen=True)
class DemoArgs:
    """Show xembody working: the hands table and every hand rendered with its particles."""

    out: Path = Path("runs/demo")
    n_points: int = 50


def load_registered(n_points: int) -> dict:
    from xembody.embodiments import REGISTRY, load_hand

    return {name: load_hand(name, n_points=n_points) for name in REGISTRY}


def hand_rows(hands: dict) -> list[dict]:
    from xembody.embodiments import REGISTRY

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


def show_hand(hand, out: Path) -> Path:
    from xembody.render import render_hand, save_png

    return save_png(render_hand(hand), out / f"{hand.name}.png")


def hands(args: HandsArgs) -> None:
    if args.show:
        from xembody.embodiments import load_hand

        print(show_hand(load_hand(args.show, n_points=args.n_points), args.out))
        return
    rows = hand_rows(load_registered(args.n_points))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)


def demo(args: DemoArgs) -> None:
    loaded = load_registered(args.n_points)
    print_table(hand_rows(loaded))
    for hand in loaded.values():
        print(f"rendered {show_hand(hand, args.out / 'hands')}")


def main(argv: list[str] | None = None) -> int:
    verbs = (
        Annotated[HandsArgs, tyro.conf.subcommand("hands", description=HandsArgs.__doc__)]
        | Annotated[DemoArgs, tyro.conf.subcommand("demo", description=DemoArgs.__doc__)]
    )
    args = tyro.cli(verbs, args=argv, prog="xembody")  # type: ignore[arg-type]
    try:
        {HandsArgs: hands, DemoArgs: demo}[type(args)](args)
    except XembodyError as e:
        print(f"xembody: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
