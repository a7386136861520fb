"""The experiments: confidence intervals, subset sampling, and each experiment end to end at a tiny scale."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from xembody.errors import XembodyError
from xembody.stats import grouped_ci, mcnemar_p, mean_ci, proportion_ci


def test_mean_ci_is_the_t_interval_and_covers_the_mean_95_percent_of_the_time():
    mean, half = mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert math.isnan(mean_ci([1.0])[1])
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        m, h = mean_ci(rng.normal(3.0, 2.0, 5).tolist())
        hits += abs(m - 3.0) <= h
    assert 0.93 < hits / 2000 < 0.97


def test_wilson_interval_is_sound_at_the_edges_and_symmetric():
    assert proportion_ci(0, 5)[0] == 0.0 and proportion_ci(0, 5)[1] == pytest.approx(0.4345, abs=1e-4)
    assert proportion_ci(5, 5)[1] == 1.0 and proportion_ci(5, 5)[0] < 1.0
    assert all(
        lo <= k / n <= hi for n in range(1, 30) for k in range(n + 1) for lo, hi in [proportion_ci(k, n)]
    )
    low, high = proportion_ci(3, 10)
    assert low < 0.3 < high and (low, high) == pytest.approx(
        (1 - proportion_ci(7, 10)[1], 1 - proportion_ci(7, 10)[0])
    )


def test_mcnemar_counts_only_the_episodes_that_tell_two_arms_apart():
    assert mcnemar_p(0, 6) == pytest.approx(2 / 2**6) and mcnemar_p(6, 0) == mcnemar_p(0, 6)
    assert mcnemar_p(0, 0) == 1.0 and mcnemar_p(3, 3) == 1.0
    assert mcnemar_p(1, 8) == pytest.approx(2 * (1 + 9) / 2**9)  # P(X <= 1), X ~ Bin(9, 1/2), both tails
    assert mcnemar_p(0, 5) > 0.05 > mcnemar_p(0, 6)  # at least 6 one-way discordant starts for p < 0.05


def test_grouped_ci_treats_each_group_as_one_sample():
    values, groups = [1.0, 1.0, 1.0, 1.0, 3.0], [0, 0, 0, 0, 1]
    assert grouped_ci(values, groups) == mean_ci([1.0, 3.0])


def test_scaling_draws_every_subset_or_a_seeded_sample_of_distinct_ones():
    from xembody.experiments.scaling import ScalingConfig, runs, subsets

    others = ["a", "b", "c", "d", "e", "f"]
    assert subsets(others, 5, 6, 0) == [tuple(s) for s in itertools.combinations(others, 5)]
    drawn = subsets(others, 2, 3, 0)
    assert len(set(drawn)) == 3 and all(len(s) == 2 and set(s) <= set(others) for s in drawn)
    assert drawn == subsets(others, 2, 3, 0) and drawn != subsets(others, 2, 3, 1)
    cfg = ScalingConfig(hands="a,b,c,d", held_out="d", max_k=5)
    plan = runs(cfg, {"subsets": 2, "held_out": "unused: --held-out is set"})
    ours = [r for r in plan if r["model"] == "ours"]
    assert [r["k"] for r in ours] == [1, 1, 2, 2, 3] and all("d" not in r["train_hands"] for r in ours)
    assert [r["model"] for r in plan[-2:]] == ["target_only", "paper"] and plan[-1]["k"] == 3
    with pytest.raises(XembodyError, match="--held-out x: not in --hands"):
        runs(ScalingConfig(hands="a,b", held_out="x"), {"subsets": 2})
    every = runs(ScalingConfig(hands="a,b,c", max_k=1), {"subsets": 1, "held_out": "all"})
    assert sorted({r["held_out"] for r in every}) == ["a", "b", "c"]


def test_scaling_experiment_runs_end_to_end_at_a_tiny_scale_and_resumes(tmp_path):
    from xembody.experiments.scaling import ScalingConfig, scaling

    cfg = ScalingConfig(
        out=tmp_path / "scaling", hands="franka_hand,umi,robotiq_2f85", held_out="umi", max_k=2, batch_size=2
    )
    tiny = {"episodes": (2, 2), "steps": 2, "paper_steps": 2, "paper_batch": 2, "subsets": 2, "held_out": ""}
    table = scaling(cfg, tiny)
    assert [(r["model"], r["k"], r["runs"]) for r in table] == [
        ("ours", 1, 2),
        ("ours", 2, 1),
        ("target_only", 1, 1),
        ("paper", 2, 1),
    ]
    for r in table:
        assert r["mse"] > 0 and r["chamfer"] > 0 and np.isfinite([r["mse_ci95"], r["chamfer_ci95"]]).all()
    assert (cfg.out / "scaling.csv").read_text().count("\n") == 5 and (cfg.out / "scaling.png").is_file()
    assert (cfg.out / "scaling_runs.csv").read_text().count("\n") == 6
    done = next((cfg.out / "models" / "umi").glob("target_only-*")) / "result.json"
    stamp = done.stat().st_mtime_ns
    assert scaling(cfg, tiny) == table and done.stat().st_mtime_ns == stamp  # resumes, trains nothing


def test_dof_experiment_plans_every_hand_with_one_model_and_sorts_by_dof(tmp_path):
    from xembody.experiments.dof import DofConfig, dof

    cfg = DofConfig(out=tmp_path / "dof", hands="umi,franka_hand,robotiq_2f85")
    rows = dof(cfg, {"episodes": 1, "max_updates": 1})
    assert [r["hand"] for r in rows] == ["franka_hand", "robotiq_2f85", "umi"]  # 1 actuator each: by name
    assert {r["hand"]: r["seen"] for r in rows} == {"franka_hand": True, "umi": False, "robotiq_2f85": True}
    for r in rows:
        assert r["episodes"] == 1 and r["updates"] <= 1 and r["seconds_per_update"] > 0
        assert 0.0 <= r["success_ci_low"] <= r["success_rate"] <= r["success_ci_high"] <= 1.0
    assert (cfg.out / "dof.csv").read_text().count("\n") == 4 and (cfg.out / "dof.png").is_file()


def test_unknown_scale_is_a_one_line_error(tmp_path):
    from xembody.experiments.dof import DofConfig, dof

    with pytest.raises(XembodyError, match="--scale 'huge': choose small, paper"):
        dof(DofConfig(out=tmp_path, scale="huge"))
