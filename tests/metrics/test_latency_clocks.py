"""Which latency the clocks allow: glass-to-glass from stamps on our clock or from sender reports
known to tell the capture clock; otherwise the last hop; and a glass-to-glass check that was not
measured is listed as such, never as a pass."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.latency import GlassToGlassMeter
from metrics.report import Target
from metrics.sender_clock import MediaClock, SenderReport
from metrics.stamp import StampRead
from metrics.verdict import DEFAULT_LIMITS, load_limits, run_checks, verdict

FPS = 30.0
DELAY_MS = 120.0  # arrival minus capture, for every frame
T0_MS = 1.7e12


def meter_with(frames: int = 90, stamped: bool = False) -> GlassToGlassMeter:
    meter = GlassToGlassMeter()
    for n in range(frames):
        media_s = n / FPS
        arrival_ms = T0_MS + media_s * 1000.0 + DELAY_MS
        stamp = (StampRead(wallclock_ms_mod=int(T0_MS + media_s * 1000.0) % 2**32,
                           frame_counter_mod=n) if stamped else None)
        meter.update(stamp, arrival_ms, media_s, t_s=media_s)
    return meter


def sender_clock(offset_ms: float = 0.0) -> MediaClock:
    """Sender reports placing media time 0 at T0 (+ ``offset_ms``: a relay's later clock)."""
    clock = MediaClock()
    for second in range(4):
        clock.update(SenderReport(wallclock_ms=T0_MS + offset_ms + second * 1000.0,
                                  media_s=float(second)))
    return clock


def test_reports_known_to_tell_capture_give_glass_to_glass() -> None:
    figures = meter_with().figures("ntp", sender_clock(), reports_on_capture_clock=True)
    assert figures.clock == "rtcp" and figures.last_hop_ms is None
    assert figures.glass_to_glass_ms.p50 == pytest.approx(DELAY_MS, abs=0.01)


def test_a_relays_reports_give_the_last_hop_and_no_glass_to_glass() -> None:
    # The relay stamps its own clock 100 ms after capture: 20 ms from it to us.
    figures = meter_with().figures("ntp", sender_clock(offset_ms=100.0))
    assert figures.glass_to_glass_ms is None and figures.clock == "rtcp"
    assert figures.last_hop_ms.p50 == pytest.approx(DELAY_MS - 100.0, abs=0.01)
    assert set(figures.by_second_ms) == {0, 1, 2}
    assert all(v == pytest.approx(20.0, abs=0.01) for v in figures.by_second_ms.values())


def test_stamps_on_our_clock_win_and_the_relays_hop_is_reported_beside() -> None:
    figures = meter_with(stamped=True).figures("same-host", sender_clock(offset_ms=100.0))
    assert figures.clock == "same-host" and figures.by_second_ms is None
    assert figures.glass_to_glass_ms.p50 == pytest.approx(DELAY_MS, abs=1.0)
    assert figures.last_hop_ms.p50 == pytest.approx(DELAY_MS - 100.0, abs=0.01)


def test_nothing_to_go_on_is_clock_none() -> None:
    figures = meter_with().figures("same-host", None)
    assert (figures.glass_to_glass_ms, figures.last_hop_ms, figures.clock) == (None, None, "none")


def test_an_unmeasured_expected_check_is_not_measured_and_not_a_pass() -> None:
    checks = run_checks({"fps": 30.0, "glass_to_glass_p95_ms": None}, DEFAULT_LIMITS,
                        expected=("glass_to_glass_p95_ms",))
    g2g = next(c for c in checks if c.name == "glass_to_glass_p95_ms")
    assert g2g.status == "not_measured" and g2g.value is None
    assert g2g.threshold == DEFAULT_LIMITS["glass_to_glass_p95_ms"].fail
    assert verdict(checks) == "pass"  # fps passes; the unmeasured one neither passes nor fails
    assert verdict((g2g,)) == "pass"
    fail = run_checks({"fps": 5.0, "glass_to_glass_p95_ms": None}, DEFAULT_LIMITS,
                      expected=("glass_to_glass_p95_ms",))
    assert verdict(fail) == "fail"


def _analyzer_with_unstamped_frames(seconds: int = 3) -> StreamAnalyzer:
    analyzer = StreamAnalyzer()
    rng = np.random.default_rng(1)
    y = rng.integers(0, 255, (90, 160), dtype=np.uint8)
    for n in range(int(seconds * FPS)):
        media_s = n / FPS
        analyzer.video_frame(media_s, np.roll(y, n, axis=1), T0_MS + media_s * 1000 + DELAY_MS,
                             media_s=media_s)
    for second in range(seconds + 1):
        analyzer.sender_report("video", SenderReport(T0_MS + 100.0 + second * 1000.0,
                                                     float(second)))
    return analyzer


def test_live_report_lists_glass_to_glass_as_not_measured_with_a_note() -> None:
    report = _analyzer_with_unstamped_frames().report(
        RunFacts(target=Target(url="http://example/whep/x", protocol="whep"), clock="ntp"),
        load_limits(None))
    assert report.latency.clock == "rtcp" and report.latency.glass_to_glass_ms is None
    assert report.latency.last_hop_ms.p50 == pytest.approx(DELAY_MS - 100.0, abs=0.5)
    g2g = next(c for c in report.checks if c.name == "glass_to_glass_p95_ms")
    assert g2g.status == "not_measured"
    assert any("glass-to-glass not measured" in n and "last hop" in n for n in report.notes)
    # The timeline carries the last hop on the rtcp clock.
    assert [row.latency_ms is not None for row in report.timeline] == [True, True, True]
    assert report.to_dict()["checks"][-1]["status"] in {"pass", "warn", "fail", "not_measured"}


def test_a_file_has_no_glass_to_glass_check_at_all() -> None:
    report = _analyzer_with_unstamped_frames().report(
        RunFacts(target=Target(url="x.mkv", protocol="file"), clock="none"), load_limits(None))
    assert all(c.name != "glass_to_glass_p95_ms" for c in report.checks)

