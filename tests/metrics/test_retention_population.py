"""The synthetic population: deterministic, with the uplift it claims, in CSV and Parquet."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from scipy import integrate

from fixtures.retention import (
    PopulationSpec,
    population_truth,
    sessions_table,
    write_sessions,
)
from fixtures.retention.population import (
    DEVICE_SCALE_S,
    DEVICE_SHARE,
    REGION_HR,
    REGION_SHARE,
    WEIBULL_SHAPE,
    tier_hazard_ratios,
    weibull_rmst_s,
    write_quality_reports,
)


def test_same_spec_gives_the_same_rows_and_another_seed_does_not() -> None:
    spec = PopulationSpec(sessions=5_000, seed=7)
    assert sessions_table(spec).equals(sessions_table(spec))
    other = sessions_table(PopulationSpec(sessions=5_000, seed=8))
    assert not sessions_table(spec).column("join_ts").equals(other.column("join_ts"))


def test_closed_form_rmst_matches_numerical_integration() -> None:
    for scale in (300.0, 1500.0, 9000.0):
        numeric, _ = integrate.quad(lambda t: np.exp(-(t / scale) ** WEIBULL_SHAPE), 0, 3600,
                                    limit=200)
        assert float(weibull_rmst_s(scale, 3600.0)) == pytest.approx(numeric, rel=1e-9)


def test_tier_hazard_ratios_inject_exactly_the_requested_standardised_uplift() -> None:
    spec = PopulationSpec(uplift_pct=(0.0, 4.0, 10.3), horizon_s=2700.0)
    hrs = tier_hazard_ratios(spec)
    weight = np.outer(DEVICE_SHARE, REGION_SHARE)

    def standardised_rmst(hr: float) -> float:
        total = 0.0
        for i, scale in enumerate(DEVICE_SCALE_S):
            for j, region_hr in enumerate(REGION_HR):
                effective = scale * (hr * region_hr) ** (-1 / WEIBULL_SHAPE)
                rmst, _ = integrate.quad(lambda t: np.exp(-(t / effective) ** WEIBULL_SHAPE),
                                         0, spec.horizon_s, limit=200)
                total += weight[i, j] * rmst
        return total

    base = standardised_rmst(hrs[0])
    assert hrs[0] == pytest.approx(1.0)
    assert 100 * (standardised_rmst(hrs[1]) / base - 1) == pytest.approx(4.0, abs=1e-6)
    assert 100 * (standardised_rmst(hrs[2]) / base - 1) == pytest.approx(10.3, abs=1e-6)
    assert hrs[2] < hrs[1] < 1.0  # a better tier means a lower hazard of leaving


def test_confounder_skews_tiers_by_device_only_when_on() -> None:
    confounded = sessions_table(PopulationSpec(sessions=30_000, seed=1)).to_pandas()
    balanced = sessions_table(PopulationSpec(sessions=30_000, seed=1, confounded=False)).to_pandas()

    def top_tier_share(frame, device: str) -> float:
        rows = frame[frame.device == device]
        return float((rows.tier == "1080p").mean())

    assert top_tier_share(confounded, "tv") == pytest.approx(0.60, abs=0.02)
    assert top_tier_share(confounded, "mobile") == pytest.approx(0.15, abs=0.02)
    assert top_tier_share(balanced, "tv") == pytest.approx(0.30, abs=0.02)
    assert top_tier_share(balanced, "mobile") == pytest.approx(0.30, abs=0.02)


def test_repeat_viewers_keep_their_device_and_region() -> None:
    frame = sessions_table(PopulationSpec(sessions=20_000, seed=2)).to_pandas()
    per_viewer = frame.groupby("viewer_id").agg(n=("tier", "size"),
                                                devices=("device", "nunique"),
                                                regions=("region", "nunique"))
    assert per_viewer.n.max() == 3
    assert (per_viewer.n > 1).mean() == pytest.approx(0.3, abs=0.02)
    assert (per_viewer.devices == 1).all() and (per_viewer.regions == 1).all()


def test_censoring_happens_only_at_the_export_time() -> None:
    spec = PopulationSpec(sessions=20_000, seed=3)
    frame = sessions_table(spec).to_pandas()
    open_rows = frame.leave_ts.isna()
    assert 0.01 < open_rows.mean() < 0.2
    assert (frame.leave_ts[~open_rows] <= spec.observed_until_s).all()
    assert (frame.leave_ts[~open_rows] >= frame.join_ts[~open_rows]).all()


def test_writes_csv_and_parquet_with_the_same_rows(tmp_path) -> None:
    spec = PopulationSpec(sessions=3_000, seed=4)
    csv_path = write_sessions(spec, tmp_path / "s.csv", chunk_sessions=1_000)
    parquet_path = write_sessions(spec, tmp_path / "s.parquet", chunk_sessions=1_000)
    from_csv = pa_csv.read_csv(csv_path).to_pandas()
    from_parquet = pq.read_table(parquet_path).to_pandas()
    assert len(from_csv) == len(from_parquet) == 3_000
    assert from_csv.viewer_id.tolist() == from_parquet.viewer_id.tolist()
    assert np.allclose(from_csv.join_ts, from_parquet.join_ts)
    assert from_csv.leave_ts.isna().sum() == from_parquet.leave_ts.isna().sum() > 0


def test_iso_times_encode_the_same_instants() -> None:
    epoch = sessions_table(PopulationSpec(sessions=200, seed=5)).to_pandas()
    iso = sessions_table(PopulationSpec(sessions=200, seed=5, iso_times=True)).to_pandas()
    assert iso.join_ts[0].endswith("Z")
    parsed = np.array([np.datetime64(t.rstrip("Z"), "ms").astype(np.int64) / 1000
                       for t in iso.join_ts])
    assert np.allclose(parsed, epoch.join_ts, atol=1e-3)


def test_quality_reports_are_report_json_with_stream_and_start(tmp_path) -> None:
    spec = PopulationSpec(sessions=100, streams=3, join_window_s=600, export_after_s=60,
                          clarity_hr_per_point=0.8)
    paths = write_quality_reports(spec, tmp_path)
    assert [p.name for p in paths] == ["stream-000.json", "stream-001.json", "stream-002.json"]
    report = json.loads(paths[1].read_text())
    assert report["schema"] == "streamprobe.report/1"
    assert report["stream_id"] == "stream-001"
    assert report["started_at"] == spec.start_ts
    assert len(report["timeline"]) == 660
    assert {"t_s", "fps", "bitrate_kbps", "clarity", "frozen", "latency_ms"} <= set(
        report["timeline"][0])
    truth = population_truth(spec)
    assert truth.uplift_pct is None  # no closed form once quality varies in time
    assert truth.hazard_ratio("clarity") == 0.8
    assert truth.hazard_ratio("device=tv", "device=mobile") == pytest.approx(
        (700 / 2400) ** WEIBULL_SHAPE)
