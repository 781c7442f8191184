"""A/V sync on synthetic streams with a known offset: the pattern's own audio and frames, put on
two media timelines with unrelated origins, mapped back through sender reports."""

from __future__ import annotations

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.avsync import AvSyncMeter, ToneOnsetDetector, mono_float
from metrics.pattern_schedule import BURST_MS, is_flash_frame, tone_onsets_ms
from metrics.sender_clock import SenderReport
from probe.media.encoders import (
    AUDIO_FRAME_SAMPLES,
    AUDIO_TIME_BASE,
    AudioEncodePipeline,
)
from probe.media.frames import audio_samples_int16
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec

RATE = 48000
EPOCH_MS = 1_764_000_000_123.4  # capture clock at the start (ms since the epoch)
OFFSETS_MS = (-200.0, -80.0, 0.0, 60.0, 150.0)  # the injected offsets
SMALL = dict(width=160, height=96, fps=30.0)


def audio_frames(spec: PatternSpec, seconds: float):
    """(first sample index, int16 mono samples) of 20 ms frames, first sample at EPOCH_MS."""
    renderer = PatternRenderer(spec)
    for first in range(0, int(seconds * RATE), AUDIO_FRAME_SAMPLES):
        yield first, renderer.audio_samples(EPOCH_MS + first * 1000.0 / RATE, AUDIO_FRAME_SAMPLES)


def true_onsets_s(spec: PatternSpec, seconds: float) -> list[float]:
    """Onsets in seconds from EPOCH_MS, from the schedule, of the bursts that lie wholly in the
    audio with the detector's 10 ms lead-in (an earlier one cannot be told from a burst in
    progress)."""
    start_ms, end_ms = EPOCH_MS + 10.0, EPOCH_MS + seconds * 1000.0 - BURST_MS
    return [(t - EPOCH_MS) / 1000.0 for t in tone_onsets_ms(
        start_ms, end_ms, spec.flash_period_s, spec.av_offset_ms)]


@pytest.mark.parametrize("offset_ms", OFFSETS_MS)
def test_tone_onsets_found_to_the_sample(offset_ms: float) -> None:
    spec = PatternSpec(**SMALL, av_offset_ms=offset_ms)
    detector = ToneOnsetDetector()
    for first, samples in audio_frames(spec, 10.0):
        detector.update(first / RATE, mono_float(samples, 1), RATE)
    truth = true_onsets_s(spec, 10.0)
    assert len(detector.onsets_s) == len(truth)
    assert np.max(np.abs(np.subtract(detector.onsets_s, truth))) < 1 / RATE


def test_tone_onsets_through_real_opus_within_a_tenth_of_a_ms() -> None:
    """libopus at 64 kbps, stereo upmix (-3 dB), the decoder's output placed by packet pts as
    RTP places it: the onset moves by less than 0.1 ms."""
    spec = PatternSpec(**SMALL, av_offset_ms=37.0)
    encoder = AudioEncodePipeline()
    decoder = av.CodecContext.create("opus", "r")
    detector = ToneOnsetDetector()
    for first, samples in audio_frames(spec, 10.0):
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, first, AUDIO_TIME_BASE
        for packet in encoder.encode(frame):
            for decoded in decoder.decode(packet):
                detector.update(float(packet.pts * packet.time_base),
                                mono_float(audio_samples_int16(decoded),
                                           len(decoded.layout.channels)), RATE)
    truth = true_onsets_s(spec, 10.0)
    assert len(detector.onsets_s) == len(truth)
    assert np.max(np.abs(np.subtract(detector.onsets_s, truth))) < 1e-4


def test_noise_and_a_lost_frame_before_a_burst() -> None:
    spec = PatternSpec(**SMALL, av_offset_ms=-80.0)
    rng = np.random.default_rng(5)
    detector = ToneOnsetDetector()
    truth = true_onsets_s(spec, 7.0)
    lost = round((truth[1] - 0.2) * RATE) // AUDIO_FRAME_SAMPLES * AUDIO_FRAME_SAMPLES
    for first, samples in audio_frames(spec, 7.0):
        if first == lost:
            continue  # a gap in media time restarts the search; the next burst is still found
        noisy = mono_float(samples, 1) + rng.normal(0.0, 10 ** (-40 / 20), samples.size)
        detector.update(first / RATE, noisy, RATE)
    assert np.max(np.abs(np.subtract(detector.onsets_s, truth))) < 1e-4


def test_a_burst_already_sounding_when_audio_starts_is_no_onset() -> None:
    spec = PatternSpec(**SMALL, av_offset_ms=0.0)
    detector = ToneOnsetDetector()
    start = round(true_onsets_s(spec, 4.0)[0] * RATE) + 480  # 10 ms into the first burst
    for first, samples in audio_frames(spec, 4.0):
        if first >= start - AUDIO_FRAME_SAMPLES:
            detector.update(first / RATE, mono_float(samples, 1), RATE)
    assert detector.onsets_s == []


@settings(max_examples=15, deadline=None)
@given(offset_ms=st.floats(-1400.0, 1400.0), chunk=st.sampled_from([160, 441, 960, 2048]))
def test_onset_does_not_depend_on_how_audio_is_cut(offset_ms: float, chunk: int) -> None:
    """Cut into any chunks, the audio gives the onsets it gives in one piece; each is a scheduled
    onset to the sample, and none of the bursts wholly inside is missed. (A burst cut off by
    the end of the audio after its plateau, 40 ms in, is found too: it is measurable.)"""
    spec = PatternSpec(**SMALL, av_offset_ms=offset_ms)
    renderer = PatternRenderer(spec)
    samples = renderer.audio_samples(EPOCH_MS, 4 * RATE)
    detector, whole = ToneOnsetDetector(), ToneOnsetDetector()
    for first in range(0, samples.size, chunk):
        detector.update(first / RATE, mono_float(samples[first: first + chunk], 1), RATE)
    whole.update(0.0, mono_float(samples, 1), RATE)
    assert detector.onsets_s == pytest.approx(whole.onsets_s, abs=1e-9)
    scheduled = [(t - EPOCH_MS) / 1000.0 for t in tone_onsets_ms(
        EPOCH_MS, EPOCH_MS + 4000.0, spec.flash_period_s, spec.av_offset_ms)]
    for onset_s in detector.onsets_s:
        assert min(abs(onset_s - t) for t in scheduled) < 1 / RATE
    for truth_s in true_onsets_s(spec, 4.0):
        assert min(abs(onset_s - truth_s) for onset_s in detector.onsets_s) < 1 / RATE


def feed_stream(meter: AvSyncMeter, spec: PatternSpec, seconds: float, *, video_origin_s: float,
                audio_origin_s: float, stamp_on_flash: bool = True, reports: bool = True,
                audio_report_bias_ms: float = 0.0) -> None:
    """The pattern as a receiver sees it: video frames captured every 1/fps with up to 3 ms of
    render jitter, stamped with their capture ms (floored, as the pattern source does); 20 ms
    audio frames; each stream's media time counting from its own origin; a sender report each
    second on the capture clock (audio's off by ``audio_report_bias_ms``)."""
    renderer = PatternRenderer(spec)
    rng = np.random.default_rng(11)
    band = 4 * max(4, spec.height // 24)
    for counter in range(int(seconds * spec.fps)):
        captured_ms = EPOCH_MS + counter * 1000.0 / spec.fps + rng.uniform(0.0, 3.0)
        stamp_ms = float(int(captured_ms))
        y = renderer.video_frame(counter, int(stamp_ms))[: spec.height]
        flash = is_flash_frame(stamp_ms, spec.fps, spec.flash_period_s)
        meter.flashes.update(video_origin_s + (captured_ms - EPOCH_MS) / 1000.0, y[band:],
                             stamp_ms if stamp_on_flash or not flash else None)
    for first, samples in audio_frames(spec, seconds):
        meter.tones.update(audio_origin_s + first / RATE, mono_float(samples, 1), RATE)
    for second in range(int(seconds) if reports else 0):
        wallclock_ms = EPOCH_MS + second * 1000.0
        meter.sender_report("video", SenderReport(wallclock_ms, video_origin_s + second))
        meter.sender_report("audio", SenderReport(wallclock_ms + audio_report_bias_ms,
                                                  audio_origin_s + second))


@pytest.mark.parametrize("offset_ms", OFFSETS_MS)
def test_injected_offsets_measured_within_a_millisecond(offset_ms: float) -> None:
    spec = PatternSpec(**SMALL, av_offset_ms=offset_ms)
    meter = AvSyncMeter(spec.flash_period_s)
    feed_stream(meter, spec, 10.0, video_origin_s=1234.5678, audio_origin_s=-17.25)
    assert len(meter.leads_ms()) == 3
    # The stamp carries whole ms (floored), so a flash is placed up to 1 ms late.
    assert meter.result() == pytest.approx(offset_ms, abs=1.0)


def test_flash_frame_without_a_readable_stamp_is_placed_by_its_neighbours() -> None:
    spec = PatternSpec(**SMALL, av_offset_ms=60.0)
    meter = AvSyncMeter(spec.flash_period_s)
    feed_stream(meter, spec, 7.0, video_origin_s=3.0, audio_origin_s=9.0, stamp_on_flash=False)
    assert len(meter.leads_ms()) == 2
    assert meter.result() == pytest.approx(60.0, abs=1.5)


def test_the_figure_is_only_as_true_as_the_sender_reports() -> None:
    """No report: no figure. Audio reports 20 ms late (as aiortc's send-time SRs are): audio
    looks 20 ms later."""
    spec = PatternSpec(**SMALL, av_offset_ms=0.0)
    results = []
    for reports, bias_ms in ((False, 0.0), (True, 0.0), (True, 20.0)):
        meter = AvSyncMeter(spec.flash_period_s)
        feed_stream(meter, spec, 4.0, video_origin_s=0.0, audio_origin_s=0.0, reports=reports,
                    audio_report_bias_ms=bias_ms)
        results.append(meter.result())
    unmapped, true, biased = results
    assert unmapped is None
    assert true == pytest.approx(0.0, abs=1.0)
    assert biased == pytest.approx(true - 20.0, abs=0.01)
