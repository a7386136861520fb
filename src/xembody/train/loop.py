"""The training loop: sample windows, unroll the model over the hand's motion, step the optimizer.

Batches are drawn from a generator seeded by (seed, step), so a resumed run sees exactly the batches the
uninterrupted run would have. Under `torchrun` (WORLD_SIZE > 1) each process takes its share of every
batch and DistributedDataParallel averages the gradients (gloo on CPU); rank 0 writes the run directory.
"""

from __future__ import annotations

import csv
import io
import math
import os
import time

import numpy as np
import torch
import torch.distributed as dist
from tqdm.auto import tqdm

from xembody.data.dataset import EpisodeWindows, WindowBatch, collate
from xembody.errors import XembodyError
from xembody.geometry import chamfer, mse, sinkhorn_emd
from xembody.io import atomic_write_text
from xembody.model import WorldModel
from xembody.resume import check_same_settings
from xembody.train import checkpoint as ckpt
from xembody.train.config import TrainConfig

VAL_EVERY_EPISODE = 10  # every 10th episode is for validation


class Unroll(torch.nn.Module):
    """A model's rollout as a module's forward, so DistributedDataParallel can wrap the whole unroll."""

    def __init__(self, model: WorldModel):
        super().__init__()
        self.model = model

    def forward(self, *args, **kwargs):
        return self.model.rollout(*args, **kwargs)


def predict(
    rollout, batch: WindowBatch, start: torch.Tensor | None = None, obj_true: torch.Tensor | None = None
):
    """Unroll `rollout` (a model's, or a DDP-wrapped `Unroll`) over a collated batch's hand motion from
    `start` (default: its first object frame). Returns predicted objects (B, H, No, 3) and aux losses."""
    b = batch
    start = b.object[:, 0] if start is None else start
    return rollout(b.hand, start, b.hand_mask, b.object_mask, b.rigid, obj_true=obj_true, qpos=b.qpos)


def unroll_loss(
    model: WorldModel, batch: WindowBatch, cfg: TrainConfig, noise: torch.Generator | None = None, unroll=None
):
    """Loss of an H-step unroll on a collated batch; returns (loss, {name: value}).

    `unroll`: what runs the rollout (a DDP-wrapped `Unroll` in distributed training); default the model's.
    """
    obj, om = batch.object, batch.object_mask
    start = obj[:, 0]
    if cfg.noise_std > 0 and noise is not None:  # drawn on the CPU: the same noise on any device
        start = start + cfg.noise_std * torch.randn(start.shape, generator=noise).to(start.device)
    pred, aux = predict(unroll or model.rollout, batch, start, obj_true=obj[:, 1:])
    true = obj[:, 1:]
    m = om[:, None].expand(-1, pred.shape[1], -1)
    # MSE where particles correspond (simulation); Chamfer + EMD where they do not (human tracks).
    pointwise = batch.corresponds
    if cfg.loss != "mse":
        pointwise = torch.zeros(len(obj), dtype=torch.bool, device=obj.device)
    task = obj.new_zeros(())
    if pointwise.any():  # in units of (1 cm)^2: O(1) numbers
        sq = mse(pred[pointwise], true[pointwise], m[pointwise]) / model.cfg.output_scale**2
        task = task + sq * pointwise.float().mean()
    if (~pointwise).any():
        flat = lambda x: x[~pointwise].reshape(-1, *x.shape[2:])  # noqa: E731
        mm = flat(m)
        cd = chamfer(flat(pred), flat(true), mm, mm).mean()
        emd = sinkhorn_emd(flat(pred), flat(true), mm, mm).mean()
        task = task + (0.5 * cd + 0.5 * emd) / model.cfg.output_scale * (~pointwise).float().mean()
    parts = {"task": task.detach(), **{k: v.detach() for k, v in aux.items()}}
    return task + sum(aux.values(), obj.new_zeros(())), parts


@torch.no_grad()
def validate(model: WorldModel, batches: list[WindowBatch]) -> dict[str, float]:
    """One-step and H-step rollout MSE (m^2) on fixed validation batches."""
    model.eval()
    one, last = [], []
    for b in batches:
        pred, _ = predict(model.rollout, b)
        m = b.object_mask
        one.append(mse(pred[:, 0], b.object[:, 1], m).item())
        last.append(mse(pred[:, -1], b.object[:, -1], m).item())
    model.train()
    return {"val_mse_1": float(np.mean(one)), "val_mse_h": float(np.mean(last))}


def split(ds: EpisodeWindows) -> tuple[np.ndarray, np.ndarray]:
    """Window indices for training and validation, by episode."""
    episode = ds.episode_of(np.arange(len(ds)))
    held = episode % VAL_EVERY_EPISODE == VAL_EVERY_EPISODE - 1
    if not held.any() and episode.max() > 0:  # fewer episodes than that: hold out the last one
        held = episode == episode.max()
    train, val = np.flatnonzero(~held), np.flatnonzero(held)
    return (train, val) if len(train) else (val, val)


def draw(train_idx: np.ndarray, human: np.ndarray, cfg: TrainConfig, gen: torch.Generator) -> np.ndarray:
    """A batch of window indices: uniform over training windows, or `cfg.mix`'s share from human data."""
    share = cfg.human_share
    if share is None:
        return train_idx[torch.randint(len(train_idx), (cfg.batch_size,), generator=gen).numpy()]
    pools = train_idx[~human[train_idx]], train_idx[human[train_idx]]
    n_human = round(cfg.batch_size * share)
    counts = cfg.batch_size - n_human, n_human
    for pool, n, what in zip(pools, counts, ("simulated", "human"), strict=True):
        if n and not len(pool):
            raise XembodyError(f"--mix {cfg.mix}: no {what} episodes in {', '.join(map(str, cfg.data))}")
    picks = [
        pool[torch.randint(len(pool), (n,), generator=gen).numpy()]
        for pool, n in zip(pools, counts, strict=True)
        if n
    ]
    return np.concatenate(picks)


def train(cfg: TrainConfig, progress: bool = True) -> dict:
    """Train (or resume) the run in `cfg.out`; returns the last metrics row."""
    rank, world = _distributed()
    torch.set_num_threads(cfg.threads or os.cpu_count() or 1)
    torch.manual_seed(cfg.seed)
    ds = EpisodeWindows(cfg.data, cfg.horizon, cfg.hand_list or None, cfg.task_list or None)
    train_idx, val_idx = split(ds)
    human = np.array([a.get("source") == "human" for a in ds.attrs])[ds.episode_of(np.arange(len(ds)))]
    val_batches = [
        collate([ds[int(i)] for i in chunk])
        for chunk in np.array_split(val_idx[: cfg.val_windows], 8)
        if len(chunk)
    ]
    hands = {a["hand"] for a in ds.attrs}  # recorded in model.pt: which hands it has seen
    if cfg.init:  # fine-tune: the architecture and weights come from the trained model
        model, init = ckpt.load_model(cfg.init)
        model.train()
        hands |= set(init.get("hands", []))
    else:
        model = cfg.build_model(dof=ds.qpos[0].shape[-1] if ds.qpos[0] is not None else 0)
    device = ckpt.resolve_device(cfg.device)
    model.to(device)
    val_batches = [b.to(device) for b in val_batches]
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    rows, step = [], 0
    cfg.out.mkdir(parents=True, exist_ok=True)
    resume = cfg.out / ckpt.CHECKPOINT
    check_same_settings(
        cfg.out, cfg, ignore=("steps", "val_every", "ckpt_every", "threads", "device", "out"), what="trained"
    )
    if resume.is_file():
        state = ckpt.load_checkpoint(resume, device)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        step, rows = state["step"], state["metrics"]
    net = torch.nn.parallel.DistributedDataParallel(Unroll(model)) if world > 1 else None
    bar = tqdm(
        total=cfg.steps, initial=step, disable=not progress or rank > 0, dynamic_ncols=True, desc=cfg.model
    )
    started, losses = time.perf_counter(), []
    while step < cfg.steps:
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
        pick = draw(train_idx, human, cfg, gen)
        batch = collate([ds[int(i)] for i in np.array_split(pick, world)[rank]]).to(device)
        for g in opt.param_groups:
            g["lr"] = cfg.lr_final + 0.5 * (cfg.lr - cfg.lr_final) * (
                1 + math.cos(math.pi * step / cfg.steps)
            )
        loss, parts = unroll_loss(model, batch, cfg, gen, unroll=net)
        if not torch.isfinite(loss):
            raise XembodyError(
                f"{cfg.out}: loss became {loss.item()} at step {step}; the last checkpoint is kept"
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        losses.append(parts["task"].item())
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if rank == 0 and (step % cfg.val_every == 0 or step == cfg.steps):
            row = {
                "step": step,
                "train_loss": float(np.mean(losses)),
                "lr": opt.param_groups[0]["lr"],
                "seconds": time.perf_counter() - started,
                **validate(model, val_batches),
            }
            rows.append(row)
            losses = []
            _write_metrics(cfg, rows)
        if rank == 0 and (step % cfg.ckpt_every == 0 or step == cfg.steps):
            state = {
                "config": cfg.to_dict(),
                "model": model.state_dict(),
                "optim": opt.state_dict(),
                "step": step,
                "metrics": rows,
            }
            ckpt.save(state, resume)
            ckpt.save(ckpt.model_payload(model, step, list(hands)), cfg.out / ckpt.MODEL)
    bar.close()
    if rank == 0 and cfg.steps == 0:  # the control: the same architecture, its initial weights
        ckpt.save(ckpt.model_payload(model, 0, list(hands)), cfg.out / ckpt.MODEL)
    if world > 1:
        dist.barrier()
    return rows[-1] if rows else {"step": step}


def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def _write_metrics(cfg: TrainConfig, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(cfg.out / "metrics.csv", buf.getvalue())
    from xembody.train.plots import loss_curve

    loss_curve(rows, cfg.out / "loss.png", title=f"{cfg.model} on {cfg.hands or 'all hands'}")
