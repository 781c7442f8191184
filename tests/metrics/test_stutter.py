"""Freeze detection by libwebrtc's rule (video_quality_observer2.cc), pinned detail by detail on
frame times with known injected freezes; the P.1203.3 stutter score."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.report import FreezeEvent
from metrics.stutter import (
    DroppedFrameCounter,
    FreezeDetector,
    is_freeze,
    stutter_score,
    summarize_stutter,
)
from metrics.verdict import DEFAULT_LIMITS, run_checks, verdict


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


def from_delays(delays_ms: list[int], start_s: float = 0.0) -> list[float]:
    """Frame times (s) with these inter-frame delays (ms) between them."""
    return [start_s + t / 1000.0 for t in np.concatenate([[0], np.cumsum(delays_ms)])]


def test_rule_is_libwebrtcs_on_whole_milliseconds() -> None:
    # At 30 fps the rounded-down average is 33 ms: the limit is 33 + 150 = 183 ms, inclusive.
    assert not is_freeze(182, 33)
    assert is_freeze(183, 33)
    # At 5 fps it is 3 x 200 ms.
    assert not is_freeze(599, 200)
    assert is_freeze(600, 200)


def test_no_freeze_before_five_delays() -> None:
    # kMinFrameSamplesToDetectFreeze = 5: a gap as the 4th delay is never tested.
    assert run(from_delays([33, 33, 33, 500, *[33] * 40])).freezes == ()
    # As the 5th, it is: the window (with the gap itself) averages 126 ms, the limit is 378 ms.
    freezes = run(from_delays([33, 33, 33, 33, 500, *[33] * 40])).freezes
    assert [f.duration_s for f in freezes] == [0.5]
    assert freezes[0].start_s == pytest.approx(0.132)


def test_delay_enters_the_window_before_it_is_tested() -> None:
    # Against the previous 30 delays (33 ms) 185 ms would be a freeze; with itself in the
    # window the average is floor((29 x 33 + 185) / 30) = 38 ms and the limit 188 ms.
    assert run(from_delays([33] * 40 + [185] + [33] * 10)).freezes == ()
    assert len(run(from_delays([33] * 40 + [188] + [33] * 10)).freezes) == 1


def test_window_average_is_rounded_down() -> None:
    # (29 x 28 + 183) / 30 = 33.17 ms: rounded down to 33, so 183 ms reaches 33 + 150.
    assert len(run(from_delays([28] * 40 + [183] + [28] * 10)).freezes) == 1


def test_freezes_stay_in_the_window() -> None:
    # A 1 s outage stays among the last 30 delays: a 220 ms hiccup 10 frames later is judged
    # against floor((28 x 33 + 1000 + 220) / 30) = 71 ms (limit 221 ms): no second freeze.
    times = from_delays([33] * 40 + [1000] + [33] * 9 + [220] + [33] * 40)
    assert [f.duration_s for f in run(times).freezes] == [1.0]
    # 31 delays later the outage has left the window and the same hiccup is a freeze.
    times = from_delays([33] * 40 + [1000] + [33] * 30 + [220] + [33] * 40)
    assert [f.duration_s for f in run(times).freezes] == [1.0, 0.22]


def test_window_holds_thirty_delays() -> None:
    # Thirty 100 ms delays, then fast ones: with one slow delay left in the window (28 fast
    # ones and the tested one) 188 ms is judged against 40 ms; once it has gone, against 38 ms.
    slow = [100] * 30
    assert run(from_delays(slow + [33] * 28 + [188] + [33] * 5)).freezes == ()
    assert len(run(from_delays(slow + [33] * 29 + [188] + [33] * 5)).freezes) == 1


def test_frame_times_are_whole_milliseconds() -> None:
    # 1.2874 s -> 1287 ms and 1.4750 s -> 1475 ms: 188 whole ms (a freeze at a 38 ms average)
    # although only 187.6 ms of float time passed.
    times = [i * 0.033 for i in range(39)] + [1.2874, 1.4750]
    times += [1.4750 + 0.033 * k for k in range(1, 5)]
    freezes = run(times).freezes
    assert len(freezes) == 1 and freezes[0].duration_s == 0.188


def test_pause_past_five_seconds_is_not_a_freeze_and_not_averaged() -> None:
    # After the pause, 188 ms is judged against floor((29 x 33 + 188) / 30) = 38 ms: the 6 s
    # delay is not in the window.
    detector = run(from_delays([33] * 40 + [6000] + [33] * 5 + [188] + [33] * 5))
    assert [p.duration_s for p in detector.pauses] == [6.0]
    assert [f.duration_s for f in detector.freezes] == [0.188]
    assert len(run(from_delays([33] * 40 + [5000] + [33] * 5)).freezes) == 1  # 5 s: a freeze


def test_clean_stream_has_no_freeze() -> None:
    result = summarize_stutter(run(frame_times(30, 60)), dropped_frames=0)
    assert result.freeze_count == 0 and result.pause_count == 0
    assert result.freeze_total_s == 0
    assert result.score == 5.0
    assert result.frame_interval_ms.p50 == pytest.approx(1000 / 30, abs=0.01)


@pytest.mark.parametrize("pause_s", [0.5, 0.75, 1.0, 2.0])
def test_known_freeze_is_found_with_its_duration(pause_s: float) -> None:
    detector = run(frame_times(30, 10, {4.0: pause_s}))
    result = summarize_stutter(detector, dropped_frames=None)
    assert result.freeze_count == 1
    # The freeze lasts from the last frame before the pause to the first after it (whole ms).
    assert result.freezes[0].duration_s == pytest.approx(pause_s + 1 / 30, abs=0.0011)
    assert result.freezes[0].start_s == pytest.approx(4.0 - 1 / 30, abs=1 / 30)
    assert result.frozen_fraction == pytest.approx(result.freeze_total_s / detector.span_s)
    assert result.score < 5.0


def test_each_of_several_freezes_counted() -> None:
    result = summarize_stutter(run(frame_times(30, 20, {3.0: 0.5, 4.5: 1.0, 12.0: 2.0})), None)
    assert result.freeze_count == 3


def test_stall_at_the_end_of_the_watch_closes_there() -> None:
    # Frames stop 3 s into a 10 s watch: the remaining 7 s are a pause, not a clean run.
    times = frame_times(30, 3)
    stopped = summarize_stutter(run(times), None, watch_s=10.0)
    assert stopped.pause_count == 1 and stopped.freeze_count == 0
    assert stopped.pause_total_s == pytest.approx(10.0 - times[-1], abs=0.001)
    # Frames stop 0.5 s before the end: a freeze closed at the end of the window.
    times = frame_times(30, 9.5)
    late = summarize_stutter(run(times), None, watch_s=10.0)
    assert late.freeze_count == 1 and late.pause_count == 0
    assert late.freeze_total_s == pytest.approx(10.0 - times[-1], abs=0.001)
    # Frames to the end: nothing added.
    assert summarize_stutter(run(frame_times(30, 10)), None, watch_s=10.0).freeze_count == 0


def test_score_is_p1203_stalling_quality() -> None:
    # One 0.3 s stall 5 s into a 10 s session: weight 0.484 + 0.516 x 2^-0.5, SI by Eq. 29.
    weight = 0.48412879 + (1 - 0.48412879) * 2 ** -0.5
    impact = np.exp(-1 / 9.35158684) * np.exp(-0.3 * weight / 10 / 0.91890815)
    one = (FreezeEvent(5.0, 0.3, "delivery"),)
    assert stutter_score(one, 10.0) == pytest.approx(1 + 4 * impact, rel=1e-9)
    assert 4.4 < stutter_score(one, 10.0) < 4.6
    # Three 1 s stalls 3 s apart: the stall-interval term enters too.
    three = tuple(FreezeEvent(t, 1.0, "delivery") for t in (2.0, 5.0, 8.0))
    weighted = sum(0.48412879 + (1 - 0.48412879) * 2 ** (-(10 - t) / 10) for t in (2, 5, 8))
    impact = (np.exp(-3 / 9.35158684) * np.exp(-weighted / 10 / 0.91890815)
              * np.exp(-3.0 / 10 / 11.0567558))
    assert stutter_score(three, 10.0) == pytest.approx(1 + 4 * impact, rel=1e-9)
    assert stutter_score((), 10.0) == 5.0


def test_one_short_freeze_warns_and_several_long_ones_fail() -> None:
    one = summarize_stutter(run(frame_times(30, 10, {5.0: 0.3})), None, watch_s=10.0)
    checks = run_checks({"freeze_count": float(one.freeze_count), "stutter_score": one.score,
                         "frozen_fraction": one.frozen_fraction}, DEFAULT_LIMITS)
    assert verdict(checks) == "warn"
    assert {c.name: c.status for c in checks}["stutter_score"] == "pass"
    many = summarize_stutter(run(frame_times(30, 10, {2.0: 1.0, 5.0: 1.0, 8.0: 1.0})), None,
                             watch_s=10.0)
    checks = run_checks({"freeze_count": float(many.freeze_count), "stutter_score": many.score,
                         "frozen_fraction": many.frozen_fraction}, DEFAULT_LIMITS)
    assert verdict(checks) == "fail"
    assert many.score < one.score


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
