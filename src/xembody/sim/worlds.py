"""Named physics variants of the scene: the simulation the robot data come from, and stand-ins for the world
a model acts in.

The shifted worlds are stand-ins for reality, never reality itself: each differs from `default` the way a real
hand, table, box and dough differ from a simulator's defaults, so that the co-training experiment (`xembody
experiment cotrain`) has a sim-to-real gap to bridge. They share the clay (stiffer and stickier) and differ
on the box: `shifted_grip` (the experiment's default) has slick fingertips, so a push slips along the
finger and turns the box less; `shifted` a polished table a pushed box slides on; `shifted_mild` a slightly
slicker table. A sliding box depends on its velocity, which a model of particle positions cannot see; slick
fingertips change where a push sends the box from positions alone.
How much the gap matters is measured, not assumed (docs/cotrain.md: a model trained on default-world data
against one trained on shifted-world data, both scored on shifted-world episodes).

A world changes materials only: the hand, its servos, the table's place and the objects' shapes stay, so
datasets of any world share the data contract and can be mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from xembody.errors import XembodyError


@dataclass(frozen=True)
class World:
    """Materials of one physics variant; None keeps what the scene or object has by default.

    Args:
        name: registry key, stored with every episode (`recipe.world`).
        description: what it stands for.
        table_friction: sliding friction of the table (MuJoCo's default geom friction is 1; a contact takes
            the larger of its two geoms').
        rigid_mass_scale: rigid objects' masses times this.
        rigid_friction: rigid objects' sliding friction (default 0.5): against the table, where the table's
            is lower; the hands' own (1 in most hand files) rules their contacts with the object.
        grip_friction: sliding friction between the hand and a rigid object (slick fingertips). Set, the
            object's geoms outrank the hand's (MuJoCo geom priority) so it rules their contacts, and the
            table outranks the object so `table_friction` (default 1) rules the object's sliding on it.
        clay_yield_stress, clay_friction, clay_table_friction, clay_density: the MPM clay's (`MpmConfig`).
        flex_young, flex_damping, flex_yield_strain: the MuJoCo flex clay's (`PlasticineConfig`; its
            contacts keep MuJoCo's friction).
    """

    name: str
    description: str
    table_friction: float | None = None
    rigid_mass_scale: float = 1.0
    rigid_friction: float | None = None
    grip_friction: float | None = None  # hand-object
    clay_yield_stress: float | None = None  # Pa
    clay_friction: float | None = None  # hand-clay
    clay_table_friction: float | None = None
    clay_density: float | None = None  # kg/m^3
    flex_young: float | None = None  # Pa
    flex_damping: float | None = None
    flex_yield_strain: float | None = None

    def overrides(self, prefix: str) -> dict[str, float]:
        """The set fields named `prefix`*, by their names in the object's config (`dataclasses.replace`)."""
        return {
            f.name.removeprefix(prefix): v
            for f in fields(self)
            if f.name.startswith(prefix) and (v := getattr(self, f.name)) is not None
        }


# Both shifted worlds' clay: 2.5x stiffer to yield, stickier to hand and table, denser; the flex clay stiffer.
SHIFTED_CLAY = dict(
    clay_yield_stress=2.5e4,
    clay_friction=0.9,
    clay_table_friction=0.6,
    clay_density=1900.0,
    flex_young=4e4,
    flex_damping=0.01,
    flex_yield_strain=0.04,
)

WORLDS: dict[str, World] = {
    w.name: w
    for w in (
        World("default", "the simulation every robot dataset comes from"),
        World(
            "shifted",
            "a stand-in for the real world (simulated, never real): a polished table and a smooth box "
            "twice as heavy (friction 0.1: a pushed box slides on), clay 2.5x stiffer to yield and stickier",
            table_friction=0.1,
            rigid_mass_scale=2.0,
            rigid_friction=0.1,
            **SHIFTED_CLAY,
        ),
        World(
            "shifted_grip",
            "a stand-in for the real world (simulated, never real): slick fingertips (hand-box friction 0.1: "
            "a push slips along the finger), a box twice as heavy, clay 2.5x stiffer to yield and stickier",
            grip_friction=0.1,
            rigid_mass_scale=2.0,
            **SHIFTED_CLAY,
        ),
        World(
            "shifted_mild",
            "the first stand-in (docs/results/cotrain_box_mild): a slicker table, a box twice as heavy, clay "
            "2.5x stiffer to yield and stickier; its box gap proved too small for a model to notice",
            table_friction=0.35,
            rigid_mass_scale=2.0,
            rigid_friction=0.35,
            **SHIFTED_CLAY,
        ),
    )
}


def get_world(name: str) -> World:
    if name not in WORLDS:
        raise XembodyError(f"unknown world {name!r}; choose one of: {', '.join(WORLDS)}")
    return WORLDS[name]
