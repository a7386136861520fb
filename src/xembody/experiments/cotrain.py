"""`xembody experiment cotrain`: does scarce human data, co-trained with plentiful simulated robot data, beat
either alone when a robot acts in a world unlike the simulator?

The paper's design (its real-clay results: 18/20 co-trained against 10/20 human-only), with a simulated
stand-in for reality (`--world`, one of the shifted worlds of `xembody.sim.worlds`, by default slick
fingertips; never called real):

* robot data, plentiful, from the default world (the simulator): `robot_hands`' exploration;
* human data, scarce, from the shifted world, seen as a real human would be (simulated keypoint tracker
  and depth camera, through the same importer real recordings go through), at `human_amounts`
  recordings (nested: the 5 are among the 15);
* arms: sim-only, human-only at each amount, co-trained at each sim:human batch ratio and amount; and a
  reference trained on shifted-world robot data (what a robot dataset from the real world would give,
  which the question assumes one lacks): it and sim-only on the same shifted-world episodes say how much
  the gap matters; an untrained model of the same architecture (the control: what the planner does
  with no learned dynamics, below); and MuJoCo of the test world itself as the dynamics (the oracle, the
  upper bound: what the planner does with perfect dynamics);
* test: held-out human recordings (Chamfer, EMD after the horizon) and closed-loop planning in the
  shifted world with `held_out_hand`, in no arm's data; the main arms (sim-only, human-only and
  co-trained 1:1 at the middle amount) get `plan_main` episodes, the rest `plan_other`.

Every stage writes into `--out` and is skipped when already there (planning resumes episode by episode),
so an interrupted run resumes. Results: cotrain.csv / cotrain.json (one row per arm), paired.csv /
paired.json (each arm's planning episodes beside sim-only's on the same starts: updates used and final
errors with paired intervals, which tell arms apart when success rates saturate) and cotrain.png (success
against human amount, one line per arm).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from xembody.errors import XembodyError
from xembody.experiments.common import collect_stage, scale_of, write_rows

TASKS = ("box", "plasticine")
SCALES = {  # per task: episodes per robot hand, human recordings, training steps, planning
    "small": {
        "box": {
            "sim_episodes": 40,
            "human_amounts": (5, 15, 45),
            "human_test": 20,
            "robot_test": 10,
            "steps": 600,
            "plan_main": 20,
            "plan_other": 10,
            "plan_updates": 30,
        },
        "plasticine": {
            "sim_episodes": 30,
            "human_amounts": (5, 15, 45),
            "human_test": 10,
            "robot_test": 10,
            "steps": 1500,
            "plan_main": 20,
            "plan_other": 10,
            "plan_updates": 10,
        },
    },
    "paper": {
        task: {
            "sim_episodes": 100,
            "human_amounts": (15, 45, 135),
            "human_test": 40,
            "robot_test": 20,
            "steps": 20000,
            "plan_main": 20,
            "plan_other": 10,
            "plan_updates": 30 if task == "box" else 10,
        }
        for task in TASKS
    },
}
COLUMNS = ["model", "human", "mix", "human_chamfer", "robot_chamfer", "plan_success", "plan_episodes"]
REFERENCE = "shifted_robot"  # trained on shifted-world robot data: not an arm, the size of the gap
CONTROL = "untrained"  # the same architecture, never trained: what the planner alone achieves
ORACLE_ARM = "oracle"  # MuJoCo of the test world as the dynamics: the upper bound (no model, no errors)


@dataclass(frozen=True)
class CotrainConfig:
    """Sim-only, human-only and co-trained world models at several human amounts, tested in a shifted world
    (a simulated stand-in for reality) on held-out human recordings and by planning with a held-out robot
    hand; writes a table (CSV, JSON) and a plot."""

    out: Path = Path("runs/experiments/cotrain")
    task: str = "box"
    """box or plasticine (MPM clay, the named goal shapes)."""
    scale: str = "small"
    """small (2 CPU cores, hours, resumable) or paper (the paper's data sizes; a GPU machine)."""
    robot_hands: str = "allegro,shadow"
    """Simulated robot hands for the sim data (default world)."""
    sim_data: tuple[Path, ...] = ()
    """Existing default-world robot datasets to use instead of collecting (e.g. runs/data/clay_*)."""
    held_out_hand: str = "leap"
    """Robot hand for the tests (in no training data)."""
    world: str = "shifted_grip"
    """The world the human data come from and the tests run in (shifted_grip: slick fingertips, the box gap
    a model notices; every shifted world has the same clay)."""
    ratios: str = "1:3,1:1,3:1"
    """Co-training mixes sim:human to sweep (batch shares)."""
    batch_size: int = 16
    seed: int = 0
    threads: int = 0
    """Torch CPU threads for training and planning (0: all cores; 1 for each of two processes sharing
    the arms, or they slow each other several-fold)."""
    plan_main: int = 0
    """Planning episodes of each main arm (0: the scale's, 20); raised, kept arms only plan the new
    episodes (the same starts as before, then more), so that close arms can be told apart."""
    arms: str = ""
    """Run only these arms (comma-separated names, e.g. sim_only,cotrain_1to1_15), so that processes can
    share the work; empty: every arm. The table is written once every arm has a kept result."""


@dataclass(frozen=True)
class Arm:
    """One model of the experiment: its name, family (sim_only, human_only, cotrain_1to1, ...), human
    recordings in its data (0: none), training data and batch mix."""

    name: str
    family: str
    human: int
    data: tuple[Path, ...]
    mix: str = ""
    steps: int | None = None  # None: the scale's training steps


@dataclass(frozen=True)
class ArmResult:
    """What an arm scored: held-out human errors (m, 95% t half-widths over episodes: a recording's
    tracked stretches), the held-out robot hand's errors in the test and default worlds (None for the
    oracle, which is no model), planning success in the test world (Wilson interval) and final errors
    (shape, m; box yaw, degrees)."""

    model: str
    family: str
    human: int
    mix: str
    trained_steps: int
    human_chamfer: float | None
    human_chamfer_ci95: float | None
    human_emd: float | None
    human_emd_ci95: float | None
    robot_chamfer: float | None
    robot_chamfer_ci95: float | None
    robot_default_chamfer: float | None
    robot_default_chamfer_ci95: float | None
    plan_success: float
    plan_success_ci_low: float
    plan_success_ci_high: float
    plan_episodes: int
    plan_final_error: float
    plan_final_yaw_deg: float | None
    plan_seconds_per_update: float


@dataclass(frozen=True)
class CotrainData:
    sims: tuple[Path, ...]  # default-world robot data, one dataset per hand
    shifted: tuple[Path, ...]  # the same hands in the test world (the reference's data)
    human: dict[int, Path]  # human recordings of the test world, by amount (nested)
    human_test: Path
    robot_test: Path  # the held-out hand in the test world
    robot_default_test: Path  # the held-out hand in the default world


def data(cfg: CotrainConfig, scale: dict) -> CotrainData:
    """Every dataset of the experiment (stages: what is there is kept)."""
    from xembody.data.importer import ImportConfig, import_recordings
    from xembody.data.synthetic_tracks import SensorConfig, simulate_recordings

    out = cfg.out / "data"
    hands = cfg.robot_hands.split(",")

    def stage(hand: str, n: int, seed: int, name: str, world: str) -> Path:
        return collect_stage(hand, n, seed, out / name, cfg.task, world)

    n_sim = scale["sim_episodes"]
    sims = tuple(cfg.sim_data) or tuple(stage(h, n_sim, cfg.seed, f"sim_{h}", "default") for h in hands)
    check_sim_data(cfg, sims)
    shifted = tuple(stage(h, n_sim, cfg.seed, f"{cfg.world}_{h}", cfg.world) for h in hands)
    n_test, held = scale["robot_test"], cfg.held_out_hand
    robot_test = stage(held, n_test, cfg.seed + 1, f"test_{cfg.world}_{held}", cfg.world)
    robot_default_test = stage(held, n_test, cfg.seed + 1, f"test_default_{held}", "default")
    clay = cfg.task == "plasticine"
    imports = dict(task=cfg.task, object="plasticine_mpm" if clay else None)
    human: dict[int, Path] = {}
    amounts = sorted(scale["human_amounts"])
    for part, n, seed in (("train", amounts[-1], cfg.seed), ("test", scale["human_test"], cfg.seed + 1)):
        raw, recs = stage("human", n, seed, f"human_sim_{part}", cfg.world), out / f"human_recs_{part}"
        files = sorted(simulate_recordings(raw, recs, SensorConfig(seed=seed)))  # resumes, file by file
        if len(files) < n:  # episodes given up on as unstable (collect logs them)
            raise XembodyError(
                f"{raw}: {len(files)} human episodes, {n} wanted; collect more or lower the amounts"
            )
        for k in amounts if part == "train" else [n]:
            dest = out / (f"human_train_{k}" if part == "train" else "human_test")
            # Imports are by content: re-running adds only what an interrupted run had not.
            import_recordings(ImportConfig(recordings=tuple(files[:k]), out=dest, **imports))
            human[k if part == "train" else -1] = dest
    human_test = human.pop(-1)
    return CotrainData(sims, shifted, human, human_test, robot_test, robot_default_test)


def check(cfg: CotrainConfig) -> None:
    """Bad settings, refused in one line before hours of collection."""
    from xembody.sim.worlds import get_world

    if cfg.task not in TASKS:
        raise XembodyError(f"--task {cfg.task!r}: choose {', '.join(TASKS)}")
    if get_world(cfg.world).name == "default":
        raise XembodyError("--world default: the test world must differ from the robot data's (e.g. shifted)")
    ratios = [r.strip() for r in cfg.ratios.split(",")]
    for r in ratios:
        human_share(f"sim:human={r}")
    if "1:1" not in ratios:
        raise XembodyError(f"--ratios {cfg.ratios!r}: include 1:1 (the main co-trained arm)")
    if cfg.held_out_hand in cfg.robot_hands.split(","):
        raise XembodyError(f"--held-out-hand {cfg.held_out_hand} is among --robot-hands; it must be unseen")


def human_share(mix: str) -> float | None:
    """The human share of a batch mix, or the train config's one-line error."""
    from xembody.train.config import TrainConfig

    return TrainConfig(data=(), mix=mix).human_share


def check_sim_data(cfg: CotrainConfig, sims: tuple[Path, ...]) -> None:
    """Robot data must be of this task, from the default world, and without the held-out hand."""
    from xembody.data.store import EpisodeStore

    for path in sims:
        store = EpisodeStore.open(path)
        for name in store.names()[:1] + store.names()[-1:]:
            a = store.attrs(name)
            world = (a.get("recipe") or {}).get("world", "default")
            if a.get("hand") == cfg.held_out_hand or a.get("task") != cfg.task or world != "default":
                raise XembodyError(
                    f"{path}: {a.get('hand')} {a.get('task')} episodes of the {world} world; sim data must "
                    f"be default-world {cfg.task} episodes of hands other than {cfg.held_out_hand}"
                )


def arms(cfg: CotrainConfig, d: CotrainData) -> list[Arm]:
    """Sim-only, then human-only and every co-training mix at each human amount, then the reference."""
    out = [Arm("sim_only", "sim_only", 0, d.sims)]
    for k, human in sorted(d.human.items()):
        out.append(Arm(f"human_only_{k}", "human_only", k, (human,)))
        for r in (r.strip() for r in cfg.ratios.split(",")):
            family = f"cotrain_{r.replace(':', 'to')}"
            out.append(Arm(f"{family}_{k}", family, k, (*d.sims, human), f"sim:human={r}"))
    return [
        *out,
        Arm(REFERENCE, REFERENCE, 0, d.shifted),
        Arm(CONTROL, CONTROL, 0, d.sims, steps=0),
        Arm(ORACLE_ARM, ORACLE_ARM, 0, (), steps=0),
    ]


def main_arms(cfg: CotrainConfig, amounts: list[int]) -> set[str]:
    """The arms planned with the most episodes: sim-only, human-only and co-trained 1:1 at the middle
    human amount; the reference, which says whether the gap matters at all; and on the box the oracle,
    which bounds them on the same starts (clay rollouts in MuJoCo's place cost minutes an update)."""
    k = sorted(amounts)[len(amounts) // 2]
    oracle = {ORACLE_ARM} if cfg.task == "box" else set()
    return {"sim_only", f"human_only_{k}", f"cotrain_1to1_{k}", REFERENCE, *oracle}


def evaluate_windows(run: Path, test: Path, name: str) -> tuple[float, float, float, float]:
    """Chamfer and EMD after the horizon on `test` (each with its 95% half-width over episodes)."""
    from xembody.train.evaluate import EvalConfig, evaluate

    r = evaluate(EvalConfig(model=run, data=(test,), out=run / name))
    return r.chamfer_last, r.chamfer_last_ci95, r.emd_last, r.emd_last_ci95


def evaluate_planning(cfg: CotrainConfig, run: Path, model: str, episodes: int, scale: dict):
    """Closed-loop planning in the test world with the held-out hand and `model` (a run directory, or the
    oracle), into `run` (resumes episode by episode)."""
    from xembody.experiments.plan import PlanConfig, plan

    pc = PlanConfig(
        model=model,
        hand=cfg.held_out_hand,
        task=cfg.task,
        world=cfg.world,
        episodes=episodes,
        video="none",
        max_updates=scale["plan_updates"],
        candidates=scale.get("plan_candidates"),  # tiny test scales only; default: the planner's own
        out=plan_dir(cfg, run),
        seed=cfg.seed + 2,  # starts unlike the training episodes' (seed) and the tests' (seed + 1)
        threads=cfg.threads,
    )
    if cfg.task == "plasticine":  # the named shapes (one cloud each, for every hand), goal-guided presses
        pc = replace(pc, goal="all", guided=0.5)
    return plan(pc)


def plan_dir(cfg: CotrainConfig, run: Path) -> Path:
    return run / f"plan_{cfg.held_out_hand}_{cfg.world}"


def run_arm(cfg: CotrainConfig, arm: Arm, d: CotrainData, scale: dict, episodes: int) -> ArmResult:
    """Train (or resume) one arm and score it; the result is kept in its run directory. Asked for more
    planning episodes than a kept result has, only planning goes on (same model, same evaluations)."""
    from xembody.experiments.plan import ORACLE
    from xembody.io import atomic_write_json
    from xembody.train.config import TrainConfig
    from xembody.train.loop import train

    run = cfg.out / "models" / arm.name
    saved = saved_result(run)
    if (kept := finished(saved, episodes)) is not None:
        return kept
    oracle = arm.family == ORACLE_ARM
    if oracle:  # no model: nothing to train or to score on windows
        scores = dict.fromkeys(f.name for f in fields(ArmResult) if f.name.startswith(("human_", "robot_")))
        scores["trained_steps"] = 0
    elif saved is None:
        tc = TrainConfig(
            data=arm.data,
            out=run,
            steps=scale["steps"] if arm.steps is None else arm.steps,
            batch_size=cfg.batch_size,
            mix=arm.mix,
            seed=cfg.seed,
            threads=cfg.threads,
        )
        trained = int(train(tc).get("step", scale["steps"]))  # resumes from its checkpoint
        hc, hc_ci, he, he_ci = evaluate_windows(run, d.human_test, "eval_human")
        rc, rc_ci, *_ = evaluate_windows(run, d.robot_test, f"eval_{cfg.world}_{cfg.held_out_hand}")
        dc, dc_ci, *_ = evaluate_windows(run, d.robot_default_test, f"eval_default_{cfg.held_out_hand}")
        scores = dict(
            trained_steps=trained,
            human_chamfer=hc,
            human_chamfer_ci95=hc_ci,
            human_emd=he,
            human_emd_ci95=he_ci,
            robot_chamfer=rc,
            robot_chamfer_ci95=rc_ci,
            robot_default_chamfer=dc,
            robot_default_chamfer_ci95=dc_ci,
        )
    else:
        scores = {k: saved[k] for k in saved if k.startswith(("trained", "human_", "robot_"))}
    s = evaluate_planning(cfg, run, ORACLE if oracle else str(run), episodes, scale)
    low, high = s.success_ci95
    result = ArmResult(
        model=arm.name,
        family=arm.family,
        human=arm.human,
        mix=arm.mix or "-",
        **scores,
        plan_success=s.success_rate,
        plan_success_ci_low=low,
        plan_success_ci_high=high,
        plan_episodes=s.episodes,
        plan_final_error=s.final_shape_error_mean,
        plan_final_yaw_deg=s.final_yaw_error_deg_mean,
        plan_seconds_per_update=s.seconds_per_update_mean,
    )
    atomic_write_json(run / "result.json", result)
    return result


def saved_result(run: Path) -> dict | None:
    """An arm's kept result (its fields), or None when it has none yet."""
    done = run / "result.json"
    if not done.exists():
        return None
    saved = json.loads(done.read_text())
    if set(saved) != {f.name for f in fields(ArmResult)}:
        raise XembodyError(f"{done}: written by an older xembody; run the experiment into another --out")
    return saved


def cotrain(cfg: CotrainConfig, scale: dict | None = None) -> list[ArmResult]:
    """Run (or resume) the experiment; `scale` overrides the sizes of `cfg.scale` (tests use a tiny one)."""
    from xembody.resume import check_same_settings

    check(cfg)
    scale = scale_of(cfg.scale, {k: v[cfg.task] for k, v in SCALES.items()}, scale)
    # One --out, one experiment: another task, scale or hand would silently reuse data and results.
    settings = {f.name: getattr(cfg, f.name) for f in fields(cfg)} | {"sizes": scale}
    check_same_settings(cfg.out, settings, ignore=("out", "arms", "threads", "plan_main"), what="run")
    if cfg.plan_main:
        if cfg.plan_main < scale["plan_main"]:
            raise XembodyError(f"--plan-main {cfg.plan_main}: at least the scale's {scale['plan_main']}")
        scale = {**scale, "plan_main": cfg.plan_main}
    chosen = [a.strip() for a in cfg.arms.split(",") if a.strip()]
    nowhere = CotrainData((), (), dict.fromkeys(scale["human_amounts"], Path()), Path(), Path(), Path())
    names = [a.name for a in arms(cfg, nowhere)]  # names only, checked before any collection
    unknown = [a for a in chosen if a not in names]
    if unknown:
        raise XembodyError(f"--arms {','.join(unknown)}: no such arm; choose from {', '.join(names)}")
    d = data(cfg, scale)
    main = main_arms(cfg, list(d.human))
    every = arms(cfg, d)
    episodes = {a.name: scale["plan_main" if a.name in main else "plan_other"] for a in every}
    rows = [run_arm(cfg, a, d, scale, episodes[a.name]) for a in every if not chosen or a.name in chosen]
    if chosen:  # the others come from their kept results, when every one has been run
        kept = [finished(saved_result(cfg.out / "models" / a.name), episodes[a.name]) for a in every]
        if any(r is None for r in kept):
            return rows
        rows = kept
    write_table(cfg.out, rows)
    write_rows(
        cfg.out, "paired", [asdict(r) for r in paired(cfg, rows)], [f.name for f in fields(PairedResult)]
    )
    return rows


@dataclass(frozen=True)
class PairedResult:
    """An arm's planning episodes beside sim-only's on the same starts (episode i of every arm has the same
    start and planner seed): the starts only one of the two succeeds on (McNemar's test), updates used (a
    failed episode counts all it was allowed) and the final errors, each with its 95% t half-width;
    differences are the arm's minus sim-only's, episode by episode."""

    model: str
    episodes: int
    successes_gained: int  # starts the arm succeeds on and sim-only fails
    successes_lost: int  # the other way round
    success_p: float  # McNemar's exact test on those starts (two-sided)
    updates: float
    updates_ci95: float
    updates_minus_sim_only: float
    updates_minus_sim_only_ci95: float
    final_error_minus_sim_only: float  # shape error (m)
    final_error_minus_sim_only_ci95: float
    final_yaw_deg_minus_sim_only: float | None  # rigid objects
    final_yaw_deg_minus_sim_only_ci95: float | None


def paired(cfg: CotrainConfig, rows: list[ArmResult]) -> list[PairedResult]:
    """Every arm against sim-only on the planning episodes both have."""
    from xembody.stats import mcnemar_p, mean_ci

    def episodes(name: str) -> dict[int, dict]:
        files = sorted((plan_dir(cfg, cfg.out / "models" / name) / "episodes").glob("*.json"))
        return {(e := json.loads(f.read_text()))["episode"]: e for f in files}

    base = episodes("sim_only")
    out = []
    for r in rows:
        mine = episodes(r.model)
        common = sorted(set(mine) & set(base))
        if not common:
            continue
        pairs = [(mine[i], base[i]) for i in common]
        gained = sum(a["success"] and not b["success"] for a, b in pairs)
        lost = sum(b["success"] and not a["success"] for a, b in pairs)
        updates = mean_ci([a["updates"] for a, _ in pairs])
        du = mean_ci([a["updates"] - b["updates"] for a, b in pairs])
        de = mean_ci([a["final"]["shape_error"] - b["final"]["shape_error"] for a, b in pairs])
        rigid = pairs[0][0]["final"].get("yaw_error_deg") is not None
        dy = (
            mean_ci([a["final"]["yaw_error_deg"] - b["final"]["yaw_error_deg"] for a, b in pairs])
            if rigid
            else (None, None)
        )
        out.append(
            PairedResult(r.model, len(common), gained, lost, mcnemar_p(gained, lost), *updates, *du, *de, *dy)
        )
    return out


def finished(saved: dict | None, episodes: int) -> ArmResult | None:
    """A kept result that has all its planning episodes, or None."""
    return ArmResult(**saved) if saved is not None and saved["plan_episodes"] >= episodes else None


def write_table(out: Path, rows: list[ArmResult]) -> None:
    """cotrain.json / .csv, and cotrain.png: planning success and held-out human error against the human
    amount, one line per arm family (sim-only and the reference, which have no human data, as bands)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dicts = [asdict(r) for r in rows]
    write_rows(out, "cotrain", dicts, list(dicts[0]))
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    amounts = sorted({r.human for r in rows if r.human})
    for family in dict.fromkeys(r.family for r in rows):
        rs = sorted((r for r in rows if r.family == family), key=lambda r: r.human)
        for a, key, scale in ((ax[0], "plan_success", 1.0), (ax[1], "human_chamfer", 1000.0)):
            if rs[0].human == 0:  # no human data: the same at every amount
                if getattr(rs[0], key) is None:  # the oracle has no held-out errors
                    continue
                style = {REFERENCE: "--", ORACLE_ARM: "-."}.get(family, ":")
                a.axhline(getattr(rs[0], key) * scale, ls=style, label=family)
                continue
            ys = [getattr(r, key) * scale for r in rs]
            if key == "plan_success":
                err = [
                    [y - r.plan_success_ci_low for y, r in zip(ys, rs, strict=True)],
                    [r.plan_success_ci_high - y for y, r in zip(ys, rs, strict=True)],
                ]
            else:
                err = [1000.0 * r.human_chamfer_ci95 for r in rs]
            a.errorbar([r.human for r in rs], ys, yerr=err, marker="o", capsize=3, label=family)
    ax[0].set_ylabel("planning success in the shifted world (Wilson 95%)")
    ax[1].set_ylabel("held-out human Chamfer after 5 steps (mm, 95%)")
    for a in ax:
        a.set_xscale("log")
        a.set_xticks(amounts, [str(k) for k in amounts])
        a.set_xlabel("human recordings in the training data")
    ax[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "cotrain.png", dpi=120)
    plt.close(fig)
