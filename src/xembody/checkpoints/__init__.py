"""Small checkpoints trained by this project's own pipeline, shipped so planning works without training.

`box-5hands` (`box_5hands.pt`, 0.7 MB): the `ours` world model trained on box pushing by allegro, shadow,
aero, franka_hand and robotiq_2f85 (100 episodes each, seed 0), 2000 steps x 16 windows; LEAP, UMI and the
human hand were never in its data. Reproduce it (about 15 minutes on 2 CPU cores):

    for h in allegro shadow aero franka_hand robotiq_2f85; do
      xembody collect --hand $h --task box --episodes 100 --workers 2 --out runs/data/box_$h --seed 0
    done
    xembody train --data runs/data/box_{allegro,shadow,aero,franka_hand,robotiq_2f85} \\
      --out runs/train/ours_5hands --steps 2000 --batch-size 16
"""

from __future__ import annotations

from pathlib import Path

SHIPPED = {"box-5hands": Path(__file__).with_name("box_5hands.pt")}
