"""Small checkpoints trained by this project's own pipeline, shipped so planning works without training.

`box-5hands` (`box_5hands.pt`, 0.7 MB): the `ours` world model trained on box pushing by allegro, shadow,
aero, franka_hand and robotiq_2f85 (100 episodes each, seed 0), 2000 steps x 16 windows; LEAP, UMI and the
human hand were never in its data. Reproduce it (about 15 minutes on 2 CPU cores):

    for h in allegro shadow aero franka_hand robotiq_2f85; do
      xembody collect --hand $h --task box --episodes 100 --workers 2 --out runs/data/box_$h --seed 0
    done
    xembody train --data runs/data/box_{allegro,shadow,aero,franka_hand,robotiq_2f85} \\
      --out runs/train/ours_5hands --steps 2000 --batch-size 16

`plasticine-5hands` (`plasticine_5hands.pt`, 0.7 MB): the same architecture trained on MPM clay pressed by
the same five hands (157 exploration episodes: allegro 37, shadow, aero, franka_hand and robotiq_2f85 30
each, seed 0, 40 frames at 10 Hz), 1542 steps x 32 windows (131 s on one H200 GPU; about 40 minutes on 2
CPU cores, drop `--device cuda`); LEAP, UMI and the human hand were never in its data. Reproduce it
(about 17 s of collection per episode on 2 CPU cores):

    xembody collect --hand allegro --task plasticine --object plasticine_mpm --episodes 37 --workers 2 \
      --out runs/data/clay_allegro --seed 0
    for h in shadow aero franka_hand robotiq_2f85; do
      xembody collect --hand $h --task plasticine --object plasticine_mpm --episodes 30 --workers 2 \
        --out runs/data/clay_$h --seed 0
    done
    xembody train --data runs/data/clay_{allegro,shadow,aero,franka_hand,robotiq_2f85} \
      --out runs/train/clay_ours_5hands_gpu --steps 1542 --batch-size 32 --device cuda

The step count is what `benchmarks/train_same_time.py --seconds 200` chose (docs/model.md). The earlier
`plasticine-5hands` (20 episodes per hand, 1500 x 16 steps on the CPU) is `runs/train/clay_ours_5hands`
in the figures that name it.

`plasticine-5hands-200` (`plasticine_5hands_200.pt`, 0.7 MB): the same architecture, steps and batch on a
third more data: the same five hands' clay datasets extended to 40 episodes each (200; episode i depends
only on the recipe and (seed, i), so the first 30 or 37 are the data above). LEAP, UMI and the human hand
were never in its data. Alone it plans as `plasticine-5hands` does (docs/planning.md); with it as an
ensemble (`--model plasticine-5hands+plasticine-5hands-200`) one goal more. Reproduce it (55-60 s an MPM
episode on one core; 59 minutes of training on 2 CPU cores):

    for h in allegro shadow aero franka_hand robotiq_2f85; do
      xembody collect --hand $h --task plasticine --object plasticine_mpm --episodes 40 --workers 1 \
        --out runs/data/clay_$h --seed 0
    done
    xembody train --data runs/data/clay_{allegro,shadow,aero,franka_hand,robotiq_2f85} \
      --out runs/train/clay_5hands_40 --steps 1542 --batch-size 32 --threads 2

`plasticine-leap-only` (`plasticine_leap_only.pt`, 0.7 MB): a baseline, not a model to deploy: the same
architecture trained on LEAP's own clay alone (30 exploration episodes, seed 0), the same steps and batch
as `plasticine-5hands` (the target-only arm of docs/planning.md: the paper's comparison of training on the
target robot against cross-embodiment training). Reproduce it (about 15 minutes of collection and 52 of
training on 2 CPU cores):

    xembody collect --hand leap --task plasticine --object plasticine_mpm --episodes 30 --workers 2 \
      --out runs/data/clay_leap --seed 0
    xembody train --data runs/data/clay_leap --out runs/train/clay_target_leap --steps 1542 --batch-size 32
"""

from __future__ import annotations

from pathlib import Path

SHIPPED = {
    "box-5hands": Path(__file__).with_name("box_5hands.pt"),
    "plasticine-5hands": Path(__file__).with_name("plasticine_5hands.pt"),
    "plasticine-5hands-200": Path(__file__).with_name("plasticine_5hands_200.pt"),
    "plasticine-leap-only": Path(__file__).with_name("plasticine_leap_only.pt"),
}
