"""A/V sync from the test pattern's flash and tone burst, on the sender's capture clock.

Each flash (video) and tone-burst onset (audio) is first located on its own stream's media
timeline (the receiver's RTP time, in s). Both timelines are then put on one clock, the sender's
wall clock, through each stream's RTCP sender reports (RFC 3550 section 6.4.1: an SR pairs an
NTP wall-clock instant with the RTP time of that same instant). The lead is the video instant
minus the audio instant: positive when audio leads, the sign convention of ITU-R BT.1359.

Why sender reports and not arrival times: a lip-syncing receiver (libwebrtc's
``StreamSynchronization``) lines audio and video up by exactly this mapping, so the figure is the
sync a browser viewer gets. Arrival times would add our own receiver's pipeline difference,
which is neither the stream's nor a browser's: measured on loopback, aiortc holds each video
frame until the next one starts (one frame interval) and decodes it, and holds audio four packets
(80 ms) in its jitter buffer. The sender reports must then tell the truth: the test room's do
(``probe.aiortc_hooks.sender_reports``); aiortc's own pair the *send* time of the last packet with its RTP
time, which measured 22 ms too little audio lead at +60 ms (audio sent 26.5 ms after its first
sample is captured: 20 ms framing and Opus's 6.5 ms look-ahead; video about 10 ms after capture).

The video instant is the flash instant of the schedule (``metrics.pattern_schedule``), not the
capture of the frame that shows it: the pattern can only flash on a frame, up to one frame
interval after the instant, while the tone starts on the instant to the sample. The stamp of the
flash frame (or of its neighbours) tells how late that frame was captured, and that is taken off,
so a stream whose audio and video capture clocks agree measures 0. The audio instant is the
burst onset to the sample: the 3 kHz band is demodulated (complex mixing, 2 ms boxcar: nulls at
every 500 Hz, so the 440 Hz pilot leaks at -44 dBFS while the burst sits near -9 dBFS), and the
onset is where that envelope crosses half the burst's plateau, less half the burst's raised-cosine
ramp (the half point of a symmetric ramp under a symmetric filter).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from metrics.pattern_schedule import (
    BURST_HZ,
    BURST_MS,
    BURST_RAMP_MS,
    DEFAULT_FLASH_PERIOD_S,
    FLASH_LEVEL,
    flash_instant_ms,
)
from metrics.sender_clock import MediaClock, MediaKind, SenderReport

INT16_FULL_SCALE = 32768.0
ENVELOPE_WINDOW_S = 0.002  # boxcar after mixing to 0 Hz: nulls every 500 Hz
# A burst starts when the 3 kHz envelope passes this (-24 dBFS): 20 dB above the pilot's leakage,
# 15 dB below the burst even after a -3 dB mono-to-stereo upmix.
ONSET_LEVEL = 10 ** (-24 / 20)
# The plateau is measured this far into the burst, clear of both ramps (s).
PLATEAU_FROM_S, PLATEAU_TO_S = 0.010, 0.040
# A sample gap or overlap in the audio media time larger than this restarts the search (s).
AUDIO_CONTINUITY_S = 0.0005
# Below the code band, a frame at least this bright (mean luma) is the flash; the pattern's
# content averages about 128, the flash is FLASH_LEVEL everywhere.
FLASH_MIN_LUMA = (128 + FLASH_LEVEL) / 2 + 10
# A flash frame is captured within a frame interval of the instant; more means a broken stamp.
MAX_FLASH_LATENESS_MS = 200.0
STAMP_OFFSETS_KEPT = 15  # recent (stamp - media time) offsets, for frames whose stamp is unread


def mono_float(samples: np.ndarray, channels: int) -> np.ndarray:
    """int16 samples (packed ``(1, n*channels)`` or planar ``(channels, n)``) as mono floats in
    [-1, 1): the mean of the channels."""
    if channels > 1 and samples.ndim == 2 and samples.shape[0] == channels:
        per_channel = samples.astype(np.float64)
    else:
        per_channel = samples.reshape(-1, channels).T.astype(np.float64)
    return per_channel.mean(axis=0) / INT16_FULL_SCALE


class ToneOnsetDetector:
    """Streaming detector of the pattern's tone-burst onsets, to the sample, in media time (s)."""

    def __init__(self) -> None:
        self.onsets_s: list[float] = []
        self._samples = np.zeros(0)
        self._start_s = 0.0  # media time of self._samples[0]
        self._rate = 0
        self._search_from = 0  # first index not yet searched for a rise

    def update(self, media_s: float, mono: np.ndarray, sample_rate: int) -> None:
        """Account ``mono`` samples (floats) whose first sample is at ``media_s`` (s)."""
        expected_s = self._start_s + self._samples.size / self._rate if self._rate else None
        if (sample_rate != self._rate or expected_s is None
                or abs(media_s - expected_s) > AUDIO_CONTINUITY_S):
            self._samples, self._start_s, self._rate, self._search_from = mono, media_s, sample_rate, 0
        else:
            self._samples = np.concatenate([self._samples, mono])
        self._scan()

    def _envelope(self) -> np.ndarray:
        """|3 kHz component| (amplitude, full scale 1) per sample, centred (no delay)."""
        n = np.arange(self._samples.size)
        mixed = self._samples * np.exp(-2j * math.pi * BURST_HZ * n / self._rate)
        width = max(1, round(ENVELOPE_WINDOW_S * self._rate))
        # Boxcar mean by running sums, centred like np.convolve(..., mode="same").
        sums = np.concatenate([np.zeros(1, complex), np.cumsum(mixed)])
        lo = np.clip(n - width // 2, 0, n.size)
        hi = np.clip(n - width // 2 + width, 0, n.size)
        return 2.0 * np.abs(sums[hi] - sums[lo]) / width

    def _scan(self) -> None:
        rate = self._rate
        plateau_from, plateau_to = round(PLATEAU_FROM_S * rate), round(PLATEAU_TO_S * rate)
        edge = round(ENVELOPE_WINDOW_S * rate)  # the last samples' envelope is still incomplete
        while True:
            envelope = self._envelope()
            rising = np.flatnonzero(envelope[self._search_from:] >= ONSET_LEVEL)
            if rising.size == 0:
                self._search_from = max(self._search_from, envelope.size - edge)
                break
            start = self._search_from + int(rising[0])
            if start + plateau_to > envelope.size:
                self._search_from = start  # the plateau has not arrived yet
                return
            half = float(np.median(envelope[start + plateau_from: start + plateau_to])) / 2.0
            below = np.flatnonzero(envelope[: start + plateau_from] < half)
            if below.size and below[-1] + 1 < envelope.size:
                j = int(below[-1])
                crossing = j + (half - envelope[j]) / (envelope[j + 1] - envelope[j])
                onset_s = self._start_s + crossing / rate - BURST_RAMP_MS / 2000.0
                if start > plateau_from:  # a burst already under way when audio began is no onset
                    self.onsets_s.append(onset_s)
            self._search_from = start + round((BURST_MS / 1000.0 + PLATEAU_FROM_S) * rate)
        self._trim()

    def _trim(self) -> None:
        """Keep only what a burst starting at the next search point needs before it."""
        keep_from = max(0, min(self._search_from, self._samples.size) - round(PLATEAU_TO_S * self._rate))
        if keep_from:
            self._samples = self._samples[keep_from:]
            self._start_s += keep_from / self._rate
            self._search_from -= keep_from


class FlashDetector:
    """Streaming detector of the pattern's flash instants, in video media time (s)."""

    def __init__(self, flash_period_s: float = DEFAULT_FLASH_PERIOD_S) -> None:
        self.flash_period_s = flash_period_s
        self.flashes_s: list[float] = []
        self._was_bright = False
        self._stamp_offsets_ms: deque[float] = deque(maxlen=STAMP_OFFSETS_KEPT)

    def update(self, media_s: float, picture_y: np.ndarray, capture_wallclock_ms: float | None) -> None:
        """Account one frame: its media time (s), its Y plane below the code band, and the
        capture wall clock (ms since the epoch) its stamp carries, when read."""
        if capture_wallclock_ms is not None:
            self._stamp_offsets_ms.append(capture_wallclock_ms - media_s * 1000.0)
        bright = float(picture_y[::4, ::4].mean()) >= FLASH_MIN_LUMA
        if bright and not self._was_bright and self._stamp_offsets_ms:
            captured_ms = media_s * 1000.0 + float(np.median(self._stamp_offsets_ms))
            lateness_ms = captured_ms - flash_instant_ms(captured_ms, self.flash_period_s)
            if lateness_ms <= MAX_FLASH_LATENESS_MS:
                self.flashes_s.append(media_s - lateness_ms / 1000.0)
        self._was_bright = bright


class AvSyncMeter:
    """A/V sync (audio lead, ms) of the stamped pattern from flashes, tone onsets and sender
    reports; streaming, holds a few numbers per flash and per report."""

    def __init__(self, flash_period_s: float = DEFAULT_FLASH_PERIOD_S) -> None:
        self.flashes = FlashDetector(flash_period_s)
        self.tones = ToneOnsetDetector()
        self.clocks: dict[MediaKind, MediaClock] = {"video": MediaClock(), "audio": MediaClock()}

    def sender_report(self, kind: MediaKind, report: SenderReport) -> None:
        self.clocks[kind].update(report)

    def leads_ms(self) -> list[float]:
        """Audio lead (ms) of each flash paired with the tone onset nearest to it on the sender's
        clock, within half a flash period."""
        onsets_ms = [t for t in (self.clocks["audio"].wallclock_ms(s) for s in self.tones.onsets_s)
                     if t is not None]
        leads = []
        for flash_s in self.flashes.flashes_s:
            flash_ms = self.clocks["video"].wallclock_ms(flash_s)
            if flash_ms is None or not onsets_ms:
                continue
            onset_ms = min(onsets_ms, key=lambda t: abs(t - flash_ms))
            if abs(flash_ms - onset_ms) < self.flashes.flash_period_s * 500.0:
                leads.append(flash_ms - onset_ms)
        return leads

    def result(self) -> float | None:
        """Median audio lead (ms, positive: audio first), or None without a paired flash."""
        leads = self.leads_ms()
        return float(np.median(leads)) if leads else None
