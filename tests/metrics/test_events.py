"""Timeline events: a media-time jump is an event, not a gap; audio gaps are bounded by the
wall clock of arrival."""

import numpy as np
import pytest

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.audio import AudioMeter
from metrics.events import TimestampJumps, timestamp_jump_s
from metrics.report import Target
from metrics.verdict import DEFAULT_LIMITS

TONE = (np.sin(np.arange(960) * 0.2) * 8000).astype(np.int16)


def feed(meter: AudioMeter, *runs: tuple[float, float, int]) -> AudioMeter:
    """Runs of 20 ms frames: (first media time s, first arrival s, frames)."""
    for pts_s, arrival_s, frames in runs:
        for i in range(frames):
            meter.update(pts_s + i * 0.02, TONE, 48000, arrival_s=arrival_s + i * 0.02)
    return meter


def test_a_source_switch_jumping_media_time_is_no_day_long_gap() -> None:
    """A switch that moves the RTP time 89 446 s in 20 ms of wall clock: one event, no gap."""
    meter = feed(AudioMeter(), (0.0, 0.0, 100), (89446.0, 2.0, 100))
    result = meter.result()
    assert result is not None and result.gap_count == 0 and result.gap_total_s < 0.04
    assert [round(j) for _, j in meter.jumps] == [89444]


def test_a_jump_over_a_real_silence_counts_the_silence_only() -> None:
    # 0.5 s without audio, and media time 3600 s further on
    meter = feed(AudioMeter(), (0.0, 0.0, 50), (3601.5, 1.5, 50))
    result = meter.result()
    assert result is not None and result.gap_count == 1
    assert result.gap_total_s == pytest.approx(0.5, abs=1e-6)


def test_an_outage_is_a_gap_the_wall_clock_agrees_with() -> None:
    meter = feed(AudioMeter(), (0.0, 0.0, 50), (1.5, 1.5, 50))
    assert meter.jumps == [] and meter.result().gap_total_s == pytest.approx(0.5, abs=1e-6)


def test_jump_rule() -> None:
    assert timestamp_jump_s(0.033, 0.033) is None
    assert timestamp_jump_s(1.3, 0.4) is None  # a jitter buffer catching up
    assert timestamp_jump_s(-5.0, 0.03) == pytest.approx(-5.03)
    jumps = TimestampJumps("video")
    assert jumps.update(0.0, 10.0) is None and jumps.update(0.033, 10.033) is None
    assert "video media time jumped -9.0" in (jumps.update(0.066, 1.066) or "")


def test_report_lists_events_with_their_times() -> None:
    analyzer = StreamAnalyzer()
    y = np.zeros((72, 128), np.uint8)
    for i in range(60):
        media_s = i / 30 + (500.0 if i >= 30 else 0.0)
        analyzer.video_frame(100.0 + i / 30, y if i < 45 else np.zeros((144, 256), np.uint8),
                             arrival_wallclock_ms=1e12 + i * 33.3, media_s=media_s)
    analyzer.stream_event(101.2, "ssrc_change", "video SSRC 1 -> 2")
    report = analyzer.report(RunFacts(Target("x", "whep"), "none"), DEFAULT_LIMITS, 2.0)
    kinds = [(round(e.t_s, 2), e.kind) for e in report.events]
    assert kinds == [(1.0, "timestamp_jump"), (1.2, "ssrc_change"), (1.5, "source_change")]
    assert set(report.to_dict()["events"][0]) == {"t_s", "kind", "detail"}
