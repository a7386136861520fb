"""Collect exploration episodes into a dataset: resumable, deterministic, on local processes or Ray.

Episode `i` of a run depends only on the recipe (hand, task, counts, rates, policy) and on (seed, i): the
same seed gives byte-identical episodes whatever the number of workers or the backend. One process (the
caller) writes every episode, atomically, as it arrives; re-running the same command skips the episodes
already on disk and resumes where it stopped.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from xembody.embodiments.hand_frame import hand_frame
from xembody.errors import XembodyError
from xembody.explore import POLICIES, Episode, UnstableEpisode, episode_rng, run_episode
from xembody.resume import identity
from xembody.sim import PhysicsConfig, make_scene
from xembody.sim.tasks import get_task
from xembody.sim.worlds import get_world


@dataclass(frozen=True)
class CollectConfig:
    """Collect exploration episodes of one hand on one task into a dataset directory."""

    hand: str
    """A registered hand name or an MJCF or URDF file path."""
    task: str = "box"
    """box or plasticine."""
    episodes: int = 100
    """Episodes wanted in total (paper: 100 per hand per task); existing ones are kept."""
    out: Path = Path("runs/data")
    """Dataset directory (created if missing; must be an xembody dataset if not empty)."""
    seed: int = 0
    """Episode i uses the seed sequence (seed, i): same seed, same episodes, whatever the workers."""
    workers: int = 1
    """Parallel simulation processes (or Ray actors)."""
    backend: Literal["local", "ray"] = "local"
    """local: processes on this machine; ray: actors on a Ray cluster (pip install 'xembody[ray]')."""
    ray_address: str | None = None
    """Ray cluster address; none starts a local Ray."""
    object: str | None = None
    """Object variant (box task: box, box_small, box_large, t_shape, cylinder); default: the task's."""
    world: str = "default"
    """Physics variant (`xembody.sim.worlds`): default, or shifted (a stand-in for the real world)."""
    policy: str | None = None
    """Exploration policy (random, push, press); default: the task's."""
    frames: int | None = None
    """Recorded frames per episode (T); default: the task's."""
    n_hand_points: int | None = None
    """Hand particles; default: the task's (box 50, plasticine 200)."""
    n_object_points: int | None = None
    """Object particles; default: the task's (box 100, plasticine 300)."""
    control_hz: float = 10.0
    timestep: float = 0.002
    particle_seed: int = 0
    """Seed of the particle layout, shared by every episode of the dataset."""
    retries: int = 2
    """An unstable episode is re-drawn (seed sequence (seed, i, attempt)) this many times, then skipped."""

    def resolved(self) -> CollectConfig:
        """Task defaults filled in, and checked: a one-line error for anything unknown."""
        from xembody.embodiments import REGISTRY

        t = get_task(self.task)
        if self.hand not in REGISTRY and not Path(self.hand).is_file():
            raise XembodyError(
                f"unknown hand {self.hand!r}: not a registered name ({', '.join(REGISTRY)}) "
                "nor an MJCF or URDF file"
            )
        policy = self.policy or t.policy
        if policy not in POLICIES:
            raise XembodyError(f"unknown policy {policy!r}; choose one of: {', '.join(POLICIES)}")
        if self.episodes < 1:
            raise XembodyError("nothing to collect: --episodes must be at least 1")
        if self.workers < 1:
            raise XembodyError("--workers must be at least 1")
        get_world(self.world)
        cfg = replace(
            self,
            object=self.object or t.object,
            policy=policy,
            frames=self.frames or t.frames,
            n_hand_points=self.n_hand_points or t.n_hand_points,
            n_object_points=self.n_object_points or t.n_object_points,
        )
        if cfg.frames < 2:
            raise XembodyError("--frames must be at least 2")
        PhysicsConfig(cfg.control_hz, cfg.timestep).substeps  # noqa: B018 (validates the rates)
        return cfg

    def recipe(self) -> dict:
        """Everything that determines an episode's content (stored with it; resume checks it)."""
        skip = {"episodes", "out", "workers", "backend", "ray_address"}
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items() if k not in skip}

    @property
    def hand_label(self) -> str:
        from xembody.embodiments import REGISTRY

        return self.hand if self.hand in REGISTRY else Path(self.hand).stem  # a hand file: its name

    @property
    def name_prefix(self) -> str:
        """What every episode name of this hand, task, object (and world, but the default) starts with,
        before the seed."""
        world = "" if self.world == "default" else f"-{self.world}"
        return f"{self.hand_label}-{self.task}-{self.object}{world}-s"

    def episode_name(self, index: int) -> str:
        return f"{self.name_prefix}{self.seed}-{index:05d}"


class Collector:
    """Simulates episodes of one recipe; one per process or Ray actor, built once."""

    def __init__(self, cfg: CollectConfig):
        import torch

        torch.set_num_threads(1)  # workers share the cores; FK batches here are tiny
        self.cfg = cfg
        self.scene = make_scene(
            cfg.hand,
            cfg.task,
            cfg.object,
            cfg.n_hand_points,
            cfg.n_object_points,
            PhysicsConfig(cfg.control_hz, cfg.timestep),
            cfg.particle_seed,
            cfg.world,
        )
        self.frame = hand_frame(self.scene.hand)

    def __call__(self, index: int) -> tuple[int, Episode | str]:
        """Episode `index`, or why it was given up on."""
        cfg, why = self.cfg, ""
        for attempt in range(cfg.retries + 1):
            rng = episode_rng(cfg.seed, index, attempt)
            try:
                ep = run_episode(self.scene, self.frame, cfg.policy, cfg.frames, rng)
            except UnstableEpisode as e:
                why = f"attempt {attempt}: {e}"
                continue
            ep.attrs.update(task=cfg.task, seed=cfg.seed, index=index, attempt=attempt, recipe=cfg.recipe())
            return index, ep
        return index, why


_COLLECTOR: Collector | None = None


def _init_worker(cfg: CollectConfig) -> None:
    global _COLLECTOR
    _COLLECTOR = Collector(cfg)


def _run_in_worker(index: int) -> tuple[int, Episode | str]:
    assert _COLLECTOR is not None
    return _COLLECTOR(index)


def run_local(cfg: CollectConfig, indices: list[int]) -> Iterator[tuple[int, Episode | str]]:
    if cfg.workers == 1 or len(indices) <= 1:
        collector = Collector(cfg)
        yield from (collector(i) for i in indices)
        return
    ctx = mp.get_context("spawn")  # fork would copy MuJoCo/torch state and thread pools
    with ctx.Pool(min(cfg.workers, len(indices)), initializer=_init_worker, initargs=(cfg,)) as pool:
        try:
            yield from pool.imap_unordered(_run_in_worker, indices)
        except BaseException:
            pool.terminate()
            raise


def run_ray(cfg: CollectConfig, indices: list[int]) -> Iterator[tuple[int, Episode | str]]:
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise XembodyError("--backend ray needs Ray: pip install 'xembody[ray]'") from None
    started = not ray.is_initialized()
    if started:
        ray.init(
            address=cfg.ray_address,
            num_cpus=None if cfg.ray_address else cfg.workers,
            include_dashboard=False,
            log_to_driver=False,
        )
    try:
        actor = ray.remote(num_cpus=1)(Collector)
        pool = ActorPool([actor.remote(cfg) for _ in range(min(cfg.workers, len(indices)))])
        yield from pool.map_unordered(lambda a, i: a.__call__.remote(i), indices)
    finally:
        if started:
            ray.shutdown()


BACKENDS: dict[str, Callable[[CollectConfig, list[int]], Iterable[tuple[int, Episode | str]]]] = {
    "local": run_local,
    "ray": run_ray,
}


@dataclass(frozen=True)
class CollectResult:
    written: int
    existing: int
    skipped: int
    out: Path


def collect_episodes(cfg: CollectConfig, progress: bool = True) -> CollectResult:
    """Collect the missing episodes of `cfg` into `cfg.out`."""
    from xembody.data.store import EpisodeStore

    cfg = cfg.resolved()
    existed = cfg.out.exists()
    fresh = not existed or (cfg.out.is_dir() and not any(cfg.out.iterdir()))
    store = EpisodeStore.create(cfg.out)
    try:
        return _collect_into(store, cfg, progress)
    except BaseException:
        if fresh:  # e.g. a hand file that does not load: leave no empty dataset behind
            _remove_if_empty(store.root, existed)
        raise


def _collect_into(store, cfg: CollectConfig, progress: bool) -> CollectResult:
    store.clean_staging()
    check_recipe(store, cfg)
    skipped = store.skipped()
    names = {i: cfg.episode_name(i) for i in range(cfg.episodes)}
    todo = [i for i, n in names.items() if n not in store and n not in skipped]
    existing = sum(n in store for n in names.values())
    bar = _progress(
        progress, total=cfg.episodes, initial=cfg.episodes - len(todo), desc=f"{cfg.hand_label}/{cfg.task}"
    )
    writer = EpisodeWriter(store, names, bar)
    results = BACKENDS[cfg.backend](cfg, todo)
    try:
        for index, result in results:
            writer.put(index, result)
    finally:
        # Ctrl-C can land here rather than inside the backend's generator: close it now, so its worker pool
        # (or Ray) is shut down at once, not at interpreter exit, where an unclosed pool can hang.
        getattr(results, "close", lambda: None)()
        writer.close()  # on Ctrl-C too: every finished episode is written before we return
        bar.close()
    skipped_before = sum(n in skipped for n in names.values())
    return CollectResult(writer.written, existing, writer.skipped + skipped_before, cfg.out)


class EpisodeWriter:
    """Writes finished episodes on a background thread, so simulation (which releases the GIL in
    `mj_step`) never waits on the disk. The queue is short: few episodes are ever held only in memory,
    and `close` writes all of them, even when collection is interrupted."""

    def __init__(self, store, names: dict[int, str], bar, depth: int = 4):
        self.store, self.names, self.bar = store, names, bar
        self.written = self.skipped = 0
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.thread = threading.Thread(target=self._run, name="episode-writer", daemon=True)
        self.thread.start()

    def put(self, index: int, result: Episode | str) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((index, result))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            index, result = item
            if self.error is not None:
                continue
            try:
                if isinstance(result, Episode):
                    self.store.write(self.names[index], result)
                    self.written += 1
                else:
                    self.store.log_skipped(self.names[index], result)
                    self.skipped += 1
                self.bar.update(1)
            except BaseException as e:  # surfaced to the caller by put() or close()
                self.error = e

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


PATH_SETTINGS = ("hand",)  # recipe settings that may name a file: compared by what they name
ADDED_SETTINGS = {"world": "default"}  # settings added since episodes were first stored: what older ones had


def comparable(recipe: dict) -> dict:
    """A recipe as compared on resume: a hand file given by a relative or an absolute path is one hand,
    and a setting an older episode lacks is the value it had then. (Only for comparing: episodes store
    the recipe as given.)"""
    recipe = ADDED_SETTINGS | recipe
    return {k: identity(v) if k in PATH_SETTINGS else v for k, v in recipe.items()}


def check_recipe(store, cfg: CollectConfig) -> None:
    """Resuming must not mix episodes of a different recipe under the same names, nor add episodes of
    another seed to those of this hand, task and object (a changed --seed is a changed recipe), nor
    episodes of another world (`xembody.sim.worlds`) to a dataset."""
    prefix = cfg.episode_name(0)[:-5]
    recipe = comparable(cfg.recipe())
    for name in store.names()[:1]:  # one dataset, one world (each run checks: the first speaks for all)
        if (world := comparable(store.attrs(name).get("recipe") or {})["world"]) != cfg.world:
            raise XembodyError(
                f"{store.root}: holds episodes of the {world} world, not the {cfg.world} one; "
                "use another --out"
            )
    other_seeds: set[int] = set()
    for name in store.names():
        if name.startswith(prefix):
            old = comparable(store.attrs(name).get("recipe") or {})
            if old != recipe:
                diff = sorted(k for k in recipe if old.get(k) != recipe[k])
                raise XembodyError(
                    f"{store.root}: holds episodes {prefix}* collected with other settings "
                    f"({', '.join(diff)}); use another --out or the same settings"
                )
            return
        if (seed := _seed_of(name, cfg.name_prefix)) is not None:
            other_seeds.add(seed)
    if other_seeds:
        seeds = sorted(other_seeds)
        there = ", ".join(map(str, seeds))
        raise XembodyError(
            f"{store.root}: holds {cfg.hand_label}/{cfg.task}/{cfg.object} episodes collected with "
            f"--seed {there}, not --seed {cfg.seed}; use another --out or --seed {seeds[0]}"
        )


def _seed_of(name: str, prefix: str) -> int | None:
    """The seed in an episode name `<prefix><seed>-<index>`, or None if `name` is not one."""
    if not name.startswith(prefix):
        return None
    seed, _, index = name[len(prefix) :].rpartition("-")
    try:
        return int(seed) if index.isdigit() and seed.lstrip("-").isdigit() else None
    except ValueError:
        return None


def _remove_if_empty(root: Path, existed: bool) -> None:
    """Undo the `EpisodeStore.create` of this run where nothing was written since: its marker and empty
    folders go, and `root` too unless it was there (empty) before. An episode or a log line keeps it all."""
    from xembody.data.store import EPISODES, MARKER, STAGING

    try:
        if not {p.name for p in root.iterdir()} <= {MARKER, EPISODES, STAGING}:
            return
        if any((root / sub).is_dir() and any((root / sub).iterdir()) for sub in (EPISODES, STAGING)):
            return
        for sub in (EPISODES, STAGING):
            if (root / sub).is_dir():
                (root / sub).rmdir()  # fails (and keeps the rest) if something appeared meanwhile
        (root / MARKER).unlink(missing_ok=True)
        if not existed:
            root.rmdir()
    except OSError:
        return


def _progress(enabled: bool, **kw):
    from tqdm.auto import tqdm

    return tqdm(disable=not enabled, unit="ep", dynamic_ncols=True, **kw)
