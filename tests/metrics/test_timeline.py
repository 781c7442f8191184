"""The per-second timeline: each second's loss (as loss_fraction counts it) and audio level."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.loss import LossCounts
from metrics.network import NetSample
from metrics.report import Target


def sample(t_s: float, expected: int, arrived: int, repaired: int) -> NetSample:
    return NetSample(t_s=t_s, bytes_received=1000 * arrived, packets_received=arrived + repaired,
                     packets_lost=expected - arrived - repaired, jitter_ms=1.0, nacks=0, plis=0,
                     video_loss=LossCounts(expected=expected, first_arrivals=arrived,
                                           repaired=repaired))


def test_each_second_has_its_residual_loss_and_audio_level() -> None:
    analyzer = StreamAnalyzer()
    tone = (0.1 * 32767 * np.sin(np.linspace(0, 2 * math.pi * 20, 960))).astype(np.int16)
    for frame in range(90):  # 3 s at 30 fps, audio at 50 frames a second in seconds 0 and 2
        t_s = frame / 30
        analyzer.video_frame(t_s, np.full((90, 160), frame % 200, np.uint8))
        if int(t_s) != 1:
            for part in range(2 if frame % 3 else 1):
                analyzer.audio_frame(0.0, tone, 48000, arrival_s=t_s + part * 0.01)
    # second 0: 100 expected, 90 arrived, 5 repaired: 5 % residual; second 1: the cumulative
    # count fell (late repairs): clipped to 0; second 2: 1 of 100.
    for t_s, counts in [(0.0, (0, 0, 0)), (1.0, (100, 90, 5)), (2.0, (200, 190, 10)),
                        (3.0, (300, 285, 14))]:
        analyzer.net_sample(sample(t_s, *counts))
    report = analyzer.report(RunFacts(target=Target(url="x", protocol="loopback"), clock="none"),
                             limits={}, duration_s=3.0)
    rows = report.timeline
    assert [row.loss_fraction for row in rows] == pytest.approx([0.05, 0.0, 0.01])
    level = 20 * math.log10(0.1 / math.sqrt(2))  # a sine's RMS is its peak over √2
    assert rows[0].audio_level_dbfs == pytest.approx(level, abs=0.1)
    assert rows[1].audio_level_dbfs is None
    assert rows[2].audio_level_dbfs == pytest.approx(level, abs=0.1)
    assert report.to_dict()["timeline"][0]["loss_fraction"] == 0.05
