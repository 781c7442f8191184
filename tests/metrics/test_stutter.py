"""Freeze detection by the W3C webrtc-stats rule, on frame times with known injected freezes."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from metrics.stutter import DroppedFrameCounter, FreezeDetector, is_freeze, summarize_stutter


def frame_times(fps: float, seconds: float, gaps: dict[float, float] = {}) -> list[float]:
    """Frame times at ``fps`` with a pause of ``gaps[t]`` seconds inserted at time ``t``."""
    times, t, period = [], 0.0, 1.0 / fps
    pending = sorted(gaps.items())
    while t < seconds:
        times.append(t)
        t += period
        if pending and t >= pending[0][0]:
            t += pending.pop(0)[1]
    return times


def run(times: list[float]) -> FreezeDetector:
    detector = FreezeDetector()
    for t in times:
        detector.update(t)
    return detector


def test_rule_matches_webrtc_stats_definition() -> None:
    # At 30 fps (avg 33.3 ms) the limit is avg + 150 ms = 183.3 ms; at 5 fps it is 3 x 200 ms.
    assert not is_freeze(183.0, 1000 / 30)
    assert is_freeze(184.0, 1000 / 30)
    assert not is_freeze(599.0, 200.0)
    assert is_freeze(600.0, 200.0)


def test_clean_stream_has_no_freeze() -> None:
    result = summarize_stutter(run(frame_times(30, 60)), dropped_frames=0)
    assert result.freeze_count == 0
    assert result.freeze_total_s == 0
    assert result.score == 5.0
    assert result.frame_interval_ms.p50 == pytest.approx(1000 / 30, abs=0.01)


@pytest.mark.parametrize("pause_s", [0.5, 0.75, 1.0, 2.0])
def test_known_freeze_is_found_with_its_duration(pause_s: float) -> None:
    detector = run(frame_times(30, 10, {4.0: pause_s}))
    result = summarize_stutter(detector, dropped_frames=None)
    assert result.freeze_count == 1
    # The freeze lasts from the last frame before the pause to the first after it.
    assert result.freezes[0].duration_s == pytest.approx(pause_s + 1 / 30, abs=1e-6)
    assert result.freezes[0].start_s == pytest.approx(4.0 - 1 / 30, abs=1 / 30)
    assert result.frozen_fraction == pytest.approx((pause_s + 1 / 30) / detector.span_s, rel=1e-6)
    assert result.score < 5.0


def test_each_of_several_freezes_counted_and_average_not_poisoned() -> None:
    result = summarize_stutter(run(frame_times(30, 20, {3.0: 0.5, 3.5: 1.0, 12.0: 2.0})), None)
    assert result.freeze_count == 3


def test_small_jitter_is_not_a_freeze() -> None:
    rng = np.random.default_rng(1)
    times = np.cumsum(1 / 30 + rng.uniform(-0.01, 0.01, 900))
    assert summarize_stutter(run(list(times)), None).freeze_count == 0


@given(st.lists(st.floats(min_value=0.001, max_value=3.0), min_size=2, max_size=200))
def test_freeze_count_never_negative_and_total_bounded(intervals: list[float]) -> None:
    result = summarize_stutter(run(list(np.cumsum(intervals))), None)
    assert result.freeze_count >= 0
    assert 0.0 <= result.frozen_fraction <= 1.0
    assert 1.0 <= result.score <= 5.0


def test_dropped_frames_from_counter_gaps() -> None:
    counter = DroppedFrameCounter()
    for n in [0, 1, 2, 5, 6, 6, 10]:
        counter.update(n)
    assert counter.dropped == 2 + 3
