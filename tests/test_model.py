"""Graphs, world models, losses, training, checkpoints and evaluation."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from xembody.cli import main
from xembody.data import CollectConfig, EpisodeWindows, collate, collect_episodes
from xembody.data.store import EpisodeStore
from xembody.errors import XembodyError
from xembody.geometry import chamfer, exact_emd, mse, sinkhorn_emd
from xembody.graph import knn_within, radius_edges
from xembody.model import Ensemble, JointConfig, JointModel, OursConfig, OursModel, PaperModel, StepBatch
from xembody.model.rigid import rigid_fit
from xembody.train import TrainConfig, train
from xembody.train.checkpoint import load_model
from xembody.train.evaluate import EvalConfig, evaluate
from xembody.train.loop import unroll_loss


def random_scene(B=3, Nh=20, No=30, seed=0, pad=True) -> StepBatch:
    g = torch.Generator().manual_seed(seed)
    hand = torch.rand(B, Nh, 3, generator=g) * 0.08
    obj = torch.rand(B, No, 3, generator=g) * 0.08
    hm, om = torch.ones(B, Nh, dtype=torch.bool), torch.ones(B, No, dtype=torch.bool)
    if pad:
        hm[0, -5:], om[1, -7:] = False, False
    step = 0.01 * torch.randn(B, Nh, 3, generator=g)
    return StepBatch(hand, hand + step, obj, hm, om, torch.tensor([True, False, True])[:B])


MODELS = [OursModel, PaperModel, lambda: OursModel(OursConfig(vae=True, contrastive=True, inverse=True))]


# --- graphs -------------------------------------------------------------------------------------------
def test_knn_within_matches_brute_force():
    s = random_scene()
    nb = knn_within(s.obj, s.hand, 0.03, 5, s.obj_mask, s.hand_mask)
    for b in range(3):
        for r in range(s.obj.shape[1]):
            d = (s.hand[b] - s.obj[b, r]).norm(dim=-1)
            cand = [j for j in torch.argsort(d).tolist() if s.hand_mask[b, j] and d[j] < 0.03][:5]
            got = sorted(nb.index[b, r][nb.valid[b, r]].tolist())
            assert got == (sorted(cand) if s.obj_mask[b, r] else [])


def test_knn_excludes_self_and_padding():
    s = random_scene()
    nb = knn_within(s.obj, s.obj, 0.05, 8, s.obj_mask, s.obj_mask, exclude_self=True)
    r = torch.arange(s.obj.shape[1])[None, :, None]
    assert not (nb.valid & (nb.index == r)).any()
    assert not (nb.valid & ~torch.gather(s.obj_mask, 1, nb.index.flatten(1)).reshape(nb.index.shape)).any()


def test_radius_edges_match_brute_force():
    s = random_scene()
    pos = torch.cat([s.hand, s.obj], 1)
    mask = torch.cat([s.hand_mask, s.obj_mask], 1)
    send, recv = radius_edges(pos, 0.03, mask)
    N = pos.shape[1]
    got = set(zip(send.tolist(), recv.tolist(), strict=True))
    want = {
        (b * N + i, b * N + j)
        for b in range(3)
        for i in range(N)
        for j in range(N)
        if i != j and mask[b, i] and mask[b, j] and (pos[b, i] - pos[b, j]).norm() < 0.03
    }
    assert got == want


# --- models -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", MODELS)
def test_translation_permutation_and_padding_invariance(make):
    torch.manual_seed(0)
    model = make().eval()
    s = random_scene()
    with torch.no_grad():
        p = model(s).obj_next
        t = torch.tensor([0.4, -0.3, 0.2])
        moved = model(
            StepBatch(s.hand + t, s.hand_next + t, s.obj + t, s.hand_mask, s.obj_mask, s.rigid)
        ).obj_next
        po, ph = torch.randperm(s.obj.shape[1]), torch.randperm(s.hand.shape[1])
        perm = StepBatch(
            s.hand[:, ph], s.hand_next[:, ph], s.obj[:, po], s.hand_mask[:, ph], s.obj_mask[:, po], s.rigid
        )
        permuted = model(perm).obj_next
        # extra padded particles far away change nothing
        far = torch.full((3, 4, 3), 5.0)
        off = torch.zeros(3, 4, dtype=torch.bool)
        padded = model(
            StepBatch(
                torch.cat([s.hand, far], 1),
                torch.cat([s.hand_next, far], 1),
                torch.cat([s.obj, far], 1),
                torch.cat([s.hand_mask, off], 1),
                torch.cat([s.obj_mask, off], 1),
                s.rigid,
            )
        ).obj_next[:, :-4]
    real = s.obj_mask[..., None]
    torch.testing.assert_close((moved - t) * real, p * real, atol=2e-6, rtol=0)
    torch.testing.assert_close(permuted * real[:, po], p[:, po] * real[:, po], atol=2e-6, rtol=0)
    torch.testing.assert_close(padded * real, p * real, atol=2e-6, rtol=0)


def test_rigid_fit_recovers_a_rigid_motion():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2, 40, 3, generator=g)
    q, _ = torch.linalg.qr(torch.randn(2, 3, 3, generator=g))
    q = q * torch.sign(torch.linalg.det(q))[:, None, None]  # proper rotations
    y = x @ q.transpose(1, 2) + torch.tensor([0.1, -0.2, 0.3])
    mask = torch.ones(2, 40, dtype=torch.bool)
    torch.testing.assert_close(rigid_fit(x, y, mask), y, atol=1e-5, rtol=0)
    noisy = rigid_fit(x, y + 0.01 * torch.randn(y.shape, generator=g), mask)
    pairwise = lambda p: (p[:, :, None] - p[:, None]).norm(dim=-1)  # noqa: E731
    torch.testing.assert_close(pairwise(noisy), pairwise(x), atol=1e-5, rtol=0)


# --- losses -------------------------------------------------------------------------------------------
def test_set_distances():
    g = torch.Generator().manual_seed(2)
    a = torch.rand(1, 64, 3, generator=g) * 0.1
    b = a[:, torch.randperm(64, generator=g)]
    m = torch.ones(1, 64, dtype=torch.bool)
    assert chamfer(a, b, m, m).item() < 1e-7 and exact_emd(a[0].numpy(), b[0].numpy()) < 1e-7
    c = a + torch.tensor([0.02, 0.0, 0.0])
    exact = exact_emd(a[0].numpy(), c[0].numpy())
    assert abs(exact - 0.02) < 1e-6
    assert abs(sinkhorn_emd(a, c, m, m).item() - exact) < 0.002
    assert mse(a, c, m).item() == pytest.approx(0.02**2, rel=1e-4)


# --- training -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("train") / "box"
    collect_episodes(
        CollectConfig("franka_hand", "box", frames=12, episodes=10, seed=1, out=out), progress=False
    )
    return out


@pytest.mark.parametrize(
    ("model", "windows", "horizon", "steps", "factor"),
    [
        ("ours", (0, 9, 20, 31), 3, 150, 10),
        ("paper", (0, 20), 1, 60, 2),
        ("joint", (0, 9, 20, 31), 3, 150, 5),
    ],
)
def test_a_model_learns_one_batch(data, model, windows, horizon, steps, factor):
    torch.manual_seed(0)
    cfg = TrainConfig(data=(data,), model=model, horizon=horizon)
    ds = EpisodeWindows([data], horizon=horizon)
    batch = collate([ds[i] for i in windows])
    net = cfg.build_model(dof=batch.qpos.shape[-1])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3 if model == "paper" else 3e-3)
    first = None
    for _ in range(steps):
        loss, _ = unroll_loss(net, batch, cfg)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first / factor, (first, loss.item())


def test_a_joint_space_model_only_fits_its_own_hand(data):
    ds = EpisodeWindows([data], horizon=1)
    b = collate([ds[0], ds[5]])
    dof = b.qpos.shape[-1]
    model = JointModel(JointConfig(dof=dof)).eval()
    args = (b.hand, b.object[:, 0], b.hand_mask, b.object_mask, b.rigid)
    assert model.rollout(*args, qpos=b.qpos)[0].shape == (2, 1, 100, 3)
    with pytest.raises(XembodyError, match=f"dof {dof}; the data has {dof + 2}"):
        model.rollout(*args, qpos=torch.cat([b.qpos, b.qpos[..., :2]], -1))
    with pytest.raises(XembodyError, match="the data has none"):
        model.rollout(*args)


def test_chamfer_emd_loss_trains_without_correspondence(data):
    """The loss for human data: particle order is irrelevant to it, and it falls when training on it."""
    torch.manual_seed(0)
    cfg = TrainConfig(data=(data,), horizon=2, loss="chamfer_emd")
    ds = EpisodeWindows([data], horizon=2)
    batch = collate([ds[i] for i in (0, 20)])
    net = cfg.build_model()
    shuffled = replace(batch, object=batch.object[:, :, torch.randperm(batch.object.shape[2])])
    a, _ = unroll_loss(net, batch, cfg)
    b, _ = unroll_loss(
        net, replace(shuffled, object=torch.cat([batch.object[:, :1], shuffled.object[:, 1:]], 1)), cfg
    )
    assert a.item() == pytest.approx(b.item(), rel=1e-3)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(40):
        loss, _ = unroll_loss(net, batch, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < a.item() / 2


def test_resume_continues_the_same_curve(data, tmp_path, monkeypatch):
    import xembody.train.loop as loop

    base = dict(data=(data,), steps=6, batch_size=4, val_every=2, ckpt_every=2, val_windows=8, threads=1)
    straight = train(TrainConfig(out=tmp_path / "a", **base), progress=False)
    real, calls = loop.validate, []

    def interrupt_at_step_4(*args):
        calls.append(1)
        if len(calls) == 2:  # step 4, before its checkpoint: the run resumes from step 2
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(loop, "validate", interrupt_at_step_4)
    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(out=tmp_path / "b", **base), progress=False)
    monkeypatch.setattr(loop, "validate", real)
    resumed = train(TrainConfig(out=tmp_path / "b", **base), progress=False)
    assert resumed["train_loss"] == pytest.approx(straight["train_loss"], rel=1e-5)
    a, _ = load_model(tmp_path / "a")
    b, _ = load_model(tmp_path / "b")
    for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
        torch.testing.assert_close(x, y)
    rows = (tmp_path / "b" / "metrics.csv").read_text().splitlines()
    assert len(rows) == 1 + 3 and (tmp_path / "b" / "loss.png").is_file()
    with pytest.raises(XembodyError, match="other settings"):
        train(TrainConfig(out=tmp_path / "b", **{**base, "batch_size": 5}), progress=False)


def test_zero_steps_saves_the_untrained_model_of_the_same_architecture(data, tmp_path):
    cfg = TrainConfig(data=(data,), out=tmp_path / "u", steps=0, batch_size=4, threads=1, seed=3)
    assert train(cfg, progress=False) == {"step": 0}
    saved, info = load_model(cfg.out)
    torch.manual_seed(3)  # what train() builds before any step
    fresh = cfg.build_model()
    assert info["step"] == 0 and not (cfg.out / "metrics.csv").exists()
    for (k, x), y in zip(saved.state_dict().items(), fresh.state_dict().values(), strict=True):
        torch.testing.assert_close(x, y, msg=k)


def test_every_shipped_checkpoint_loads_by_name_with_the_hands_its_docstring_names():
    from xembody.checkpoints import SHIPPED

    hands = {}
    for name, path in SHIPPED.items():
        _, payload = load_model(name)
        assert payload["step"] > 0 and path.stat().st_size < 2_000_000, name
        hands[name] = set(payload["hands"])
    five = {"allegro", "shadow", "aero", "franka_hand", "robotiq_2f85"}
    # LEAP, UMI and the human hand: never seen
    assert hands["box-5hands"] == hands["plasticine-5hands"] == hands["plasticine-5hands-200"] == five
    assert hands["plasticine-leap-only"] == {"leap"}  # the target-only baseline


def test_an_untrained_copy_of_a_shipped_model_has_its_architecture_and_fresh_weights(tmp_path):
    """The control for a shipped model whose data are not at hand (`save_untrained`)."""
    from xembody.train.checkpoint import save_untrained

    trained, payload = load_model("plasticine-5hands")
    copy, info = load_model(save_untrained("plasticine-5hands", tmp_path / "u", seed=3))
    assert info["name"] == payload["name"] and info["config"] == payload["config"]
    assert info["hands"] == payload["hands"] and info["step"] == 0
    torch.manual_seed(3)
    fresh = type(trained)(trained.cfg)
    for (k, x), y in zip(copy.state_dict().items(), fresh.state_dict().values(), strict=True):
        torch.testing.assert_close(x, y, msg=k)
    assert any(not torch.equal(x, z) for x, z in zip(copy.parameters(), trained.parameters(), strict=True))


def test_an_ensemble_predicts_its_members_mean_and_loads_from_names_joined_by_plus(tmp_path):
    box, pb = load_model("box-5hands")
    clay, pc = load_model("plasticine-5hands")
    ens, payload = load_model("box-5hands+plasticine-5hands")
    assert isinstance(ens, Ensemble) and payload["hands"] == sorted({*pb["hands"], *pc["hands"]})
    members = payload["members"]
    assert [m["name"] for m in members] == ["ours", "ours"] and "state" not in members[0]
    s = random_scene()
    with torch.no_grad():
        a, b, both = box(s).obj_next, clay(s).obj_next, ens(s).obj_next
    torch.testing.assert_close(both, (a + b) / 2)
    assert (a - b).abs().max() > 1e-4  # the members disagree, so the mean is a third prediction
    for spec in ("box-5hands+", "box-5hands++plasticine-5hands"):
        with pytest.raises(XembodyError, match="joined by \\+, none empty"):
            load_model(spec)
    with pytest.raises(XembodyError, match="nowhere: no trained model"):
        load_model(f"box-5hands+{tmp_path / 'nowhere'}")


def test_checkpoint_round_trip_and_evaluate(data, tmp_path):
    train(
        TrainConfig(data=(data,), out=tmp_path / "run", steps=2, batch_size=2, val_windows=4, threads=1),
        progress=False,
    )
    model, payload = load_model(tmp_path / "run")
    assert payload["name"] == "ours" and payload["step"] == 2 and payload["hands"] == ["franka_hand"]
    s = random_scene()
    again, _ = load_model(tmp_path / "run" / "model.pt")
    with torch.no_grad():
        torch.testing.assert_close(model(s).obj_next, again(s).obj_next)
    r = evaluate(EvalConfig(model=tmp_path / "run", data=(data,), max_windows=16))
    assert r.windows == 16 and len(r.mse_rollout) == 5
    assert r.mse_rollout[-1] >= r.mse_rollout[0] > 0  # errors grow along a rollout
    assert json.loads(r.json.read_text())["emd_last"] == r.emd_last and r.plot.is_file()
    assert r.episodes >= 2  # the intervals are over episodes, not over their overlapping windows
    for k in ("mse_rollout_last", "chamfer_last", "emd_last", "chamfer_1step", "emd_1step"):
        assert 0 < getattr(r, f"{k}_ci95") < getattr(r, k) * 10
    # Shape errors after 1 and 5 steps, the model's and no motion's: errors grow along the horizon.
    assert r.chamfer_1step < r.chamfer_last and r.emd_1step < r.emd_last
    assert 0 < r.zero_motion_chamfer_1step < r.zero_motion_chamfer_last
    assert 0 < r.zero_motion_emd_1step < r.zero_motion_emd_last


def test_evaluating_a_shipped_model_writes_under_runs_eval(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a shipped name has no run directory: nothing lands in the cwd itself
    r = evaluate(EvalConfig(model=Path("box-5hands"), data=(data,), max_windows=4))
    assert r.json == Path("runs/eval/box-5hands/eval-all.json") and r.json.is_file() and r.plot.is_file()
    assert not list(tmp_path.glob("eval-*"))
    both = evaluate(EvalConfig(model=Path("box-5hands+box-5hands"), data=(data,), max_windows=4))
    assert both.json == Path("runs/eval/box-5hands+box-5hands/eval-all.json") and both.json.is_file()


def test_fine_tuning_starts_from_the_given_model_and_remembers_its_hands(data, tmp_path):
    shipped, old = load_model("box-5hands")
    cfg = TrainConfig(data=(data,), init="box-5hands", out=tmp_path / "tune", steps=2, batch_size=2)
    train(replace(cfg, lr=0.0, lr_final=0.0, val_windows=4, threads=1), progress=False)
    tuned, payload = load_model(tmp_path / "tune")
    for x, y in zip(shipped.state_dict().values(), tuned.state_dict().values(), strict=True):
        torch.testing.assert_close(x, y)  # lr 0: exactly the shipped weights, so they were loaded
    assert payload["hands"] == sorted({*old["hands"], "franka_hand"}) and "allegro" in payload["hands"]
    train(replace(cfg, out=tmp_path / "moved", steps=3, val_windows=4, threads=1), progress=False)
    moved, _ = load_model(tmp_path / "moved")
    pairs = zip(shipped.state_dict().values(), moved.state_dict().values(), strict=True)
    assert max((x - y).abs().max() for x, y in pairs) > 0  # and they train from there


def test_bad_inputs_get_one_line_errors(data, tmp_path, capsys):
    with pytest.raises(XembodyError, match="no trained model"):
        load_model(tmp_path / "nothing")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(XembodyError, match="not a loadable xembody model"):
        load_model(tmp_path / "bad.pt")
    with pytest.raises(XembodyError, match="no episodes"):
        EpisodeWindows([data], hands=["shadow"])
    empty = tmp_path / "empty"
    EpisodeStore.create(empty)  # a dataset with no episodes yet
    assert main(["train", "--data", str(empty), "--out", str(tmp_path / "r"), "--steps", "1"]) == 2
    assert "no episodes" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="gloo on linux")
def test_torchrun_ddp_with_two_processes(data, tmp_path):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        "29517",
        "-m",
        "xembody.cli",
        "train",
        "--data",
        str(data),
        "--out",
        str(out),
        "--steps",
        "3",
        "--batch-size",
        "4",
        "--val-every",
        "3",
        "--ckpt-every",
        "3",
        "--val-windows",
        "4",
        "--threads",
        "1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    model, payload = load_model(out)
    assert payload["step"] == 3
    # Two processes with half the batch each and averaged gradients = one process with the whole batch.
    single = tmp_path / "single"
    train(
        TrainConfig(
            data=(data,),
            out=single,
            steps=3,
            batch_size=4,
            val_every=3,
            ckpt_every=3,
            val_windows=4,
            threads=1,
        ),
        progress=False,
    )
    one, _ = load_model(single)
    for x, y in zip(model.state_dict().values(), one.state_dict().values(), strict=True):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=1e-4)


def test_validation_holds_out_whole_episodes_even_in_small_datasets(data, tmp_path):
    from xembody.train.loop import split

    ds = EpisodeWindows((data,), 5)
    train_idx, val_idx = split(ds)
    assert set(ds.episode_of(val_idx)) == {9} and 9 not in set(ds.episode_of(train_idx))  # every 10th
    small = tmp_path / "small"
    collect_episodes(
        CollectConfig("franka_hand", "box", frames=12, episodes=3, seed=1, out=small), progress=False
    )
    ds = EpisodeWindows((small,), 5)
    train_idx, val_idx = split(ds)
    assert set(ds.episode_of(val_idx)) == {2} and set(ds.episode_of(train_idx)) == {0, 1}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_models_train_and_predict_on_a_gpu(data, tmp_path):
    """--device cuda: training on the GPU; planning's dynamics return CPU tensors from a GPU model."""
    from xembody.embodiments import load_hand
    from xembody.planning import LearnedDynamics

    train(
        TrainConfig(data=(data,), out=tmp_path / "gpu", steps=2, val_every=1, device="cuda"), progress=False
    )
    model, _ = load_model(tmp_path / "gpu", device="cuda")
    hand = load_hand("franka_hand")
    dyn = LearnedDynamics(model, hand, rigid=True)
    ctrl = torch.tensor(hand.default_ctrl, dtype=torch.float64).expand(4, 3, -1).clone()
    obj = torch.zeros(100, 3, dtype=torch.float64)
    with torch.no_grad():
        out = dyn.rollout(ctrl, obj)
    assert out.device.type == "cpu" and out.shape == (4, 2, 100, 3) and torch.isfinite(out).all()
