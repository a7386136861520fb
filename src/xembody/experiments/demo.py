"""`xembody demo`: the whole story in minutes, through the library's own calls.

Every hand with its particles; a little exploration data with a hand the shipped world model never saw,
and the model's prediction error on it against the no-motion baseline; optionally a fine-tune on that data;
then closed-loop planning with that hand turning a box 45 degrees (a GIF), and the same hand imitating a
simulated human demonstration (a side-by-side GIF). Each stage resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xembody.data.collect import CollectConfig, collect_episodes
from xembody.data.synthetic_tracks import DemonstrationConfig, demonstration_recordings
from xembody.embodiments.catalog import hand_rows, load_registered, print_table
from xembody.experiments.imitate import ImitateConfig, imitate, summary_line
from xembody.experiments.plan import PlanConfig, plan
from xembody.render import show_hand
from xembody.train.config import TrainConfig
from xembody.train.evaluate import EvalConfig, evaluate
from xembody.train.loop import train


@dataclass(frozen=True)
class DemoConfig:
    """The whole story in minutes: every hand with its particles; a little exploration data with a hand
    the shipped world model never saw, and the model's prediction error on it; optionally a fine-tune on
    that data; then closed-loop planning with that hand turning a box 45 degrees (a GIF), and the same hand
    imitating a simulated human demonstration (a side-by-side GIF)."""

    out: Path = Path("runs/demo")
    n_points: int = 50
    hand: str = "leap"
    """The unseen hand (box-5hands never saw leap, umi or human)."""
    data_episodes: int = 4
    """Exploration episodes to collect with it (the model's test data, and fine-tuning data)."""
    finetune_steps: int = 0
    """Fine-tune the shipped model on those episodes before planning (e.g. 200; 0: plan zero-shot)."""
    episodes: int = 1
    """Planning episodes."""
    imitate_keyframes: int = 1
    """Keyframes of a simulated human box demonstration the hand imitates at the end (0: skip the stage)."""
    imitate_updates: int = 5
    """Planner updates per keyframe there."""


def demo(cfg: DemoConfig) -> None:
    from xembody.data.replay import render_episode

    loaded = load_registered(cfg.n_points)
    print_table(hand_rows(loaded))
    for hand in loaded.values():
        show_hand(hand, cfg.out / "hands")
    print(f"[1/5] rendered every hand with its particles: {cfg.out / 'hands'}/*.png")
    data = cfg.out / "data" / f"box_{cfg.hand}"
    collect_episodes(CollectConfig(hand=cfg.hand, episodes=cfg.data_episodes, workers=2, out=data))
    clip = render_episode(data, None, cfg.out / f"explore_{cfg.hand}.gif")
    print(f"[2/5] exploration data with {cfg.hand}: {data}  (first episode: {clip})")

    def report(model: str, what: str) -> Path:
        r = evaluate(EvalConfig(model=model, data=(data,), out=cfg.out / "eval" / Path(model).name))
        mse, still = r.mse_rollout_last * 1e6, r.zero_motion_mse_rollout_last * 1e6
        print(f"[3/5] {what}: 5-step MSE {mse:.0f} mm^2 (no-motion baseline {still:.0f}), plot {r.plot}")
        return r.plot

    model = "box-5hands"
    plot = report(model, f"{model}, never trained on {cfg.hand}")
    if cfg.finetune_steps:
        tune = cfg.out / "finetune"
        train(TrainConfig(data=(data,), init=model, out=tune, steps=cfg.finetune_steps, val_every=50))
        model = str(tune)
        plot = report(model, f"fine-tuned {cfg.finetune_steps} steps (on these same episodes)")
    print(f"[4/5] planning with {model} on {cfg.hand} ...")
    runs = cfg.out / ("plan_finetuned" if cfg.finetune_steps else "plan")
    s = plan(PlanConfig(model=model, hand=cfg.hand, episodes=cfg.episodes, video="gif", out=runs))
    print(f"      success {s.successes}/{s.episodes}, {s.seconds_per_update_mean:.2f} s per update")
    imitation = imitate_stage(cfg, model)
    print(f"\nvideo: {runs}/episode-000.gif  hands: {cfg.out / 'hands'}  eval plot: {plot}{imitation}")


def imitate_stage(cfg: DemoConfig, model: str) -> str:
    """The hand imitates the first keyframes of a simulated human box demonstration; returns where its
    video is, for the closing line ('' when skipped)."""
    if not cfg.imitate_keyframes:
        return ""
    print(f"[5/5] {cfg.hand} imitating a simulated human demonstration with {model} ...")
    recordings = demonstration_recordings(DemonstrationConfig(out=cfg.out / "demos", n=1))
    out = cfg.out / "imitate"
    s = imitate(
        ImitateConfig(
            recordings=tuple(recordings),
            model=model,
            hand=cfg.hand,
            keyframes=cfg.imitate_keyframes,
            max_updates=cfg.imitate_updates,
            video="gif",
            out=out,
        )
    )
    print(f"      {summary_line(s)}")
    return f"  imitation: {out / recordings[0].stem}.gif"
