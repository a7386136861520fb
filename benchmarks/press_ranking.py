"""Is it the model or the search? Along a named goal's own script (the hand following it exactly), at each
step the planner chooses a press toward the clay after the script's next press (one-press subgoal), and the
script's own next press is scored beside its choice: the error to the subgoal each is predicted to leave
(the model) and does leave (the simulator, from the same saved state), and where the script's press ranks
among the planner's candidates by the model's cost.

    python benchmarks/press_ranking.py valley --hand leap --model plasticine-5hands --steps 4

If the script's press leaves the subgoal nearly exactly but the model ranks it low, the model is what fails;
if the model ranks it first but the planner's own choice is worse, the candidate search never draws it.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("MENAGERIE_ROOT", str(Path(__file__).resolve().parents[2] / "shared" / "menagerie"))

from subgoal_tracking import clay_planning, parser  # noqa: E402
from xembody.experiments.goal_shapes import RECIPES, poke, press_of  # noqa: E402
from xembody.experiments.plan import make_planner  # noqa: E402
from xembody.goals import Goal, shape_error  # noqa: E402


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--steps", type=int, default=4, help="script steps to examine")
    args = p.parse_args()
    scene, ctx, cfg, dyn = clay_planning(args)
    for k, step in enumerate(RECIPES[args.shape].steps[: args.steps]):
        here = scene.save()
        obs = scene.observe()
        sub = Goal(poke(scene, ctx, step, lift=k > 0))  # the script's next shape
        planner = make_planner(cfg, dyn, ctx, False, sub, k)
        chosen = planner.update(obs)
        script = press_of(step, scene.hand.n_ctrl).targets(ctx, obs, obs.ctrl, lift=k > 0).targets
        # The script's press scored among fresh candidates: its rank by the model's (fast) cost, and the
        # exact error of the shape the model predicts it leaves.
        costs, preds, _ = planner.score(planner.candidates(obs) + [script], obs)
        rank = int((costs[:-1] < costs[-1]).sum()) + 1
        predicted_script = shape_error(preds[-1][-1].double().numpy(), sub)
        scene.restore(here)
        for target in chosen.targets:
            scene.step(target)
        actual_chosen = shape_error(scene.object_points(), sub)
        scene.restore(here)
        for target in script:
            scene.step(target)
        actual_script = shape_error(scene.object_points(), sub)
        print(
            f"step {k}: subgoal {shape_error(obs.object_points, sub):.4f} away; planner's press predicted "
            f"{chosen.cost:.4f}, actual {actual_chosen:.4f}; "
            f"script's press predicted {predicted_script:.4f}, actual {actual_script:.4f}, "
            f"model rank {rank} of {len(costs)}",
            flush=True,
        )
        # The scene now stands where the script left it: the next step starts on the script's path.
    print("done")


if __name__ == "__main__":
    main()
