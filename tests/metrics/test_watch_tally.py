"""The watch's running summary: DDSketch quantiles within 1 %, counts of outages and seconds."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.watch_tally import SKETCH_RELATIVE_ACCURACY, WatchTally


def test_quantiles_of_an_hour_of_frames_are_within_the_sketch_accuracy() -> None:
    rng = np.random.default_rng(3)
    intervals_s = rng.gamma(20.0, 1 / 600.0, size=108_000)  # an hour at 30 fps, mean 33 ms
    latencies_ms = rng.lognormal(np.log(80.0), 0.4, size=intervals_s.size)
    tally = WatchTally("s")
    for t_s, latency_ms in zip(np.cumsum(intervals_s), latencies_ms):
        tally.frame(float(t_s), float(latency_ms))
    result = tally.result()
    exact = np.diff(np.cumsum(intervals_s)) * 1000.0
    assert result.frame_interval_ms is not None and result.glass_to_glass_ms is not None
    for q, got in ((50, result.frame_interval_ms.p50), (95, result.frame_interval_ms.p95),
                   (99, result.frame_interval_ms.p99)):
        assert got == pytest.approx(np.percentile(exact, q), rel=2 * SKETCH_RELATIVE_ACCURACY)
    assert result.glass_to_glass_ms.p95 == pytest.approx(np.percentile(latencies_ms, 95),
                                                         rel=2 * SKETCH_RELATIVE_ACCURACY)
    assert result.frame_interval_ms.max == pytest.approx(exact.max())
    assert result.frames == intervals_s.size


def test_a_lost_connection_is_not_a_frame_interval() -> None:
    tally = WatchTally("s")
    tally.frame(0.0, None)
    tally.frame(0.033, None)
    tally.connection_lost()
    tally.frame(60.0, None)  # the first frame after reconnecting
    assert tally.result().frame_interval_ms.max == pytest.approx(33.0)
    assert tally.result().glass_to_glass_ms is None


def test_outages_are_runs_of_disconnected_seconds() -> None:
    tally = WatchTally("s")
    for connected in (True, False, False, True, True, False, True):
        tally.second(connected, frozen=not connected)
    tally.window("pass")
    tally.window("fail")
    tally.window("pass")
    result = tally.result()
    assert (result.seconds, result.connected_s, result.outages, result.outage_s) == (7, 4, 2, 3)
    assert result.frozen_s == 3
    assert result.windows == {"pass": 2, "fail": 1}
