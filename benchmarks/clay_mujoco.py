"""Plasticine engines, measured: MuJoCo 4 flex clay under one press or one pinch.

The protocol is the same for every engine (see `benchmarks/clay_newton.py` for Newton's implicit MPM): a
7 x 7 x 4.5 cm lump on a table; press: a horizontal capsule finger (radius 7 mm, 4 cm long) descends 1.5 cm
into the top centre over 0.5 s, holds 0.3 s, rises 0.5 s, then 0.5 s of settling; pinch: two vertical
capsules close on the lump's sides at mid-height by 1.5 cm each. Reported: wall seconds per simulated
second (one core), the dent under the finger and at 2 and 3 cm from its axis (top surface before - after),
Chamfer + EMD between the 300-point clouds before and after (the same material points), the volume change
(height-map integral), the largest vertex speed at the end (stability) and vertices lifted above the
clay after the finger left (sticking).

    python benchmarks/clay_mujoco.py                          # the table over the variants below
    python benchmarks/clay_mujoco.py --variant full-8x8x6     # one variant
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402
import numpy as np  # noqa: E402

from clay_metrics import clay_metrics  # noqa: E402  (benchmarks/clay_metrics.py)

LUMP = (0.07, 0.07, 0.045)
VARIANTS = {  # dof, vertices per axis, trilinear cells, Young's modulus (Pa), yield strain[, Poisson ratio]
    "trilinear-4x4x3": ("trilinear", (9, 9, 6), (4, 4, 3), 2e4, 0.02),
    "trilinear-6x6x4": ("trilinear", (13, 13, 9), (6, 6, 4), 2e4, 0.02),
    "trilinear-8x8x5": ("trilinear", (17, 17, 11), (8, 8, 5), 2e4, 0.02),
    "trilinear-10x10x6": ("trilinear", (21, 21, 13), (10, 10, 6), 2e4, 0.02),
    "trilinear-6x6x4-incompressible": ("trilinear", (13, 13, 9), (6, 6, 4), 5e4, 0.01, 0.45),
    "full-8x8x6": ("full", (8, 8, 6), None, 2e4, 0.02),
    "full-10x10x7": ("full", (10, 10, 7), None, 2e4, 0.02),
}


def model_xml(
    dof: str, count, cells, young: float, yield_strain: float, primitive: str, poisson: float = 0.3
) -> str:
    spacing = [s / (n - 1) for s, n in zip(LUMP, count, strict=True)]
    cellcount = f'cellcount="{" ".join(map(str, cells))}"' if cells else ""
    capsule = '<geom type="capsule" size="0.007" fromto="{}"/>'
    if primitive == "press":
        fingers = f'<body name="f0" mocap="true" pos="0 0 0.06">{capsule.format("-0.02 0 0 0.02 0 0")}</body>'
    else:
        upright = capsule.format("0 0 -0.02 0 0 0.02")
        fingers = "".join(
            f'<body name="f{i}" mocap="true" pos="{x} 0 {LUMP[2] / 2}">{upright}</body>'
            for i, x in enumerate((-0.05, 0.05))
        )
    grid = (
        f'count="{" ".join(map(str, count))}" spacing="{" ".join(f"{s:.6f}" for s in spacing)}" {cellcount}'
    )
    return f"""<mujoco>
      <option timestep="0.002" integrator="discrete" solver="Newton"/>
      <worldbody>
        <geom type="plane" size="1 1 0.05"/>
        {fingers}
        <flexcomp name="clay" type="grid" dim="3" dof="{dof}" radius="0.001" {grid}
                  pos="0 0 {LUMP[2] / 2 + 0.001}" mass="0.25">
          <elasticity young="{young}" poisson="{poisson}" damping="0.001" yield="{yield_strain}"/>
          <contact condim="3" selfcollide="none" solref="0.005 1"/>
        </flexcomp>
      </worldbody>
    </mujoco>"""


def finger_path(primitive: str, t: float) -> list[np.ndarray]:
    """Mocap positions of the fingers at time t (s)."""
    s = float(np.clip(t / 0.5, 0.0, 1.0)) if t < 0.8 else float(np.clip(1.0 - (t - 0.8) / 0.5, 0.0, 1.0))
    if primitive == "press":
        top = LUMP[2] + 0.007
        return [np.array([0.0, 0.0, top + 0.01 - s * 0.025])]  # from 1 cm above to 1.5 cm in
    edge = LUMP[0] / 2 + 0.007
    return [np.array([x * (edge + 0.005 - s * 0.02), 0.0, LUMP[2] / 2]) for x in (-1.0, 1.0)]


def run(name: str, primitive: str = "press", seconds: float = 1.8) -> dict:
    dof, count, cells, young, yield_strain, *poisson = VARIANTS[name]
    model = mujoco.MjModel.from_xml_string(
        model_xml(dof, count, cells, young, yield_strain, primitive, *poisson)
    )
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    for _ in range(100):  # settle on the table
        mujoco.mj_step(model, data)
    before = data.flexvert_xpos.copy()
    steps = int(seconds / model.opt.timestep)
    t0 = time.perf_counter()
    for k in range(steps):
        for i, p in enumerate(finger_path(primitive, k * model.opt.timestep)):
            data.mocap_pos[i] = p
        mujoco.mj_step(model, data)
    wall = time.perf_counter() - t0
    mujoco.mj_flex(model, data)
    after = data.flexvert_xpos.copy()
    speed = float(np.abs(data.qvel).max()) if model.nv else 0.0
    finite = bool(np.isfinite(after).all())
    row = {"engine": f"mujoco flex {name}", "primitive": primitive, "points": len(before)}
    row["wall_per_sim_s"] = wall / seconds
    row |= clay_metrics(before, after, primitive, LUMP) if finite else {"exploded": True}
    row["max_speed"] = speed
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variant", choices=list(VARIANTS), action="append")
    parser.add_argument("--primitive", choices=("press", "pinch"), default="press")
    args = parser.parse_args()
    for name in args.variant or list(VARIANTS):
        r = run(name, args.primitive)
        print(
            ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()),
            flush=True,
        )


if __name__ == "__main__":
    main()
