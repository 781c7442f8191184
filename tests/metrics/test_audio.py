"""Audio gaps, level and clipping on synthetic frames with known truth."""

import math

import numpy as np
import pytest

from metrics.audio import AudioMeter

RATE = 48000
FRAME = 960


def tone(n: int, dbfs: float, start: int = 0) -> np.ndarray:
    amplitude = 32768 * 10 ** (dbfs / 20) * math.sqrt(2)
    t = (np.arange(n) + start) / RATE
    return (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def test_level_of_a_known_tone() -> None:
    meter = AudioMeter()
    for i in range(50):
        meter.update(i * FRAME / RATE, tone(FRAME, -20.0, i * FRAME), RATE)
    result = meter.result()
    assert result.level_dbfs == pytest.approx(-20.0, abs=0.1)
    assert result.gap_count == 0
    assert result.clipped_fraction == 0


def test_missing_media_time_is_a_gap() -> None:
    meter = AudioMeter()
    pts = 0.0
    for i in range(100):
        if i == 40:
            pts += 0.5  # half a second never arrives
        meter.update(pts, tone(FRAME, -20.0), RATE)
        pts += FRAME / RATE
    result = meter.result()
    assert result.gap_count == 1
    assert result.gap_total_s == pytest.approx(0.5, abs=1e-6)


def test_silence_counts_as_gap_only_where_sound_is_expected() -> None:
    frames = [tone(FRAME, -20.0)] * 30 + [np.zeros(FRAME, np.int16)] * 10 + [tone(FRAME, -20.0)] * 30
    for expect, gaps in ((True, 1), (False, 0)):
        meter = AudioMeter(expect_continuous=expect)
        for i, samples in enumerate(frames):
            meter.update(i * FRAME / RATE, samples, RATE)
        assert meter.result().gap_count == gaps
    assert meter.result().gap_total_s == 0


def test_clipping_fraction() -> None:
    samples = tone(FRAME, -20.0)
    samples[:96] = 32767
    meter = AudioMeter()
    meter.update(0.0, samples, RATE)
    assert meter.result().clipped_fraction == pytest.approx(0.1, abs=0.01)


def test_no_audio_is_null() -> None:
    assert AudioMeter().result() is None
