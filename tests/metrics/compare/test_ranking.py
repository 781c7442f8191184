"""Runs across repeats: medians and spread, the ranking, BD-rate pairs, the recommendation."""

from __future__ import annotations

import json

import pytest

from metrics.compare import COMPARE_SCHEMA, Constraints, RunScores, Setting, compare_runs


def _setting(codec: str = "vp8", kbps: int = 1000, keyframe_s: float = 2.0) -> Setting:
    return Setting(codec, 640, 360, 30.0, kbps, keyframe_s)


def _run(setting: Setting, vmaf: float | None, kbps: float, freezes: int = 0,
         impairment: str = "none", repeat: int = 0, psnr: float = 40.0) -> RunScores:
    return RunScores(setting, impairment, repeat, 60.0, kbps, vmaf, psnr, 0.98, 4.5, freezes,
                     None, 0.2, True)


def test_repeats_give_median_and_spread() -> None:
    s = _setting()
    result = compare_runs([_run(s, v, 1000 + i, repeat=i) for i, v in enumerate([80, 90, 70])])
    (summary,) = result.ranked
    assert summary.repeats == 3
    assert summary.figure("vmaf") == 80
    assert summary.spread["vmaf"] == (70, 90)
    assert summary.figure("delivered_kbps") == 1001


def test_ranked_best_quality_first_and_json_contract() -> None:
    runs = [_run(_setting(kbps=k), v, k) for k, v in [(500, 70), (2000, 92), (1000, 85)]]
    result = compare_runs(runs)
    assert [s.setting.bitrate_kbps for s in result.ranked] == [2000, 1000, 500]
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["schema"] == COMPARE_SCHEMA
    run = data["runs"][0]
    for key in ("setting", "impairment", "delivered_kbps", "vmaf", "psnr_db", "ssim",
                "clarity_score", "freeze_count", "glass_to_glass_p50_ms", "encode_cores",
                "repeats"):
        assert key in run
    assert run["setting"]["codec"] == "vp8" and run["setting"]["width"] == 640


def test_ranks_on_psnr_when_vmaf_is_missing() -> None:
    runs = [_run(_setting(kbps=500), None, 500, psnr=35), _run(_setting(kbps=900), None, 900,
                                                              psnr=38)]
    result = compare_runs(runs)
    assert result.quality_metric == "psnr_db"
    assert result.ranked[0].setting.bitrate_kbps == 900


def test_bd_rate_pairs_name_configurations_by_what_differs() -> None:
    rates = [250, 500, 1000, 2000]
    runs = [_run(_setting("vp8", k), 60 + 8 * i, k) for i, k in enumerate(rates)]
    runs += [_run(_setting("h264", k), 60 + 8 * i, k * 0.8) for i, k in enumerate(rates)]
    (bd,) = compare_runs(runs).bd_rate
    assert (bd.anchor, bd.test, bd.metric) == ("vp8", "h264", "vmaf")
    assert bd.pct == pytest.approx(-20.0, abs=1e-6)


def test_recommendation_keeps_to_the_budgets_under_every_impairment() -> None:
    fast, big = _setting(kbps=1000), _setting(kbps=4000)
    freezing = _setting(kbps=2000, keyframe_s=10)
    runs = [
        _run(fast, 80, 1000, impairment="none"), _run(fast, 75, 1000, impairment="loss=1%"),
        _run(big, 95, 4000, impairment="none"), _run(big, 90, 4000, impairment="loss=1%"),
        _run(freezing, 88, 2000, impairment="none"),
        _run(freezing, 85, 2000, freezes=3, impairment="loss=1%"),  # 3 a minute
    ]
    result = compare_runs(runs, Constraints(max_kbps=2500, max_freezes_per_min=1))
    assert result.recommended == fast
    assert result.recommendation.startswith(
        "best under 2500 kbps with at most 1 freeze(s) a minute at loss=1% and none: vp8 1000")
    result = compare_runs(runs, Constraints(max_kbps=500))
    assert result.recommended is None and result.recommendation.endswith("none of the settings")
